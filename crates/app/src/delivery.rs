//! Delivering the outbox over SMTP, and the delivery log.
//!
//! # How a message travels
//!
//! 1. A use case writes the message into `outbox` in the same transaction as the change that
//!    causes it (`trainyard_store::outbox::enqueue`, or [`enqueue_with_invitation`] for a calendar
//!    invitation). A change that rolls back leaves no message; a committed change always has its
//!    message (Invariant 4). A unique idempotency key per logical message means a retried change
//!    never queues it twice.
//! 2. A worker — [`run`] in `trainyard worker`, or inside every `trainyard serve` unless
//!    `--no-worker` — repeatedly makes a *pass* ([`deliver_due`]): it **claims** a batch of due
//!    messages (status `pending`, `next_attempt_at` reached, no live lease) by writing its id into
//!    `claimed_by` and a lease end (now + [`WorkerOptions::lease_ms`], 60 s) into `claimed_until`,
//!    in one short transaction. On PostgreSQL the claim is
//!    `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING …`, so any number of
//!    workers in any number of processes take disjoint batches without blocking one another; on
//!    SQLite it runs in a `BEGIN IMMEDIATE` transaction, one writer at a time. A message is thus
//!    held by at most one live lease.
//! 3. The worker sends each claimed message with lettre over SMTP, several at a time, on pooled
//!    connections of its own ([`Mailer`]: `TCP_NODELAY`, STARTTLS and AUTH when configured). The `Message-ID` is derived from the idempotency key
//!    (`<sha256(key)…@from-domain>`), and `X-Trainyard-Outbox-Id` names the row, so any copy of
//!    one logical message carries the same identity. Every message is `multipart/alternative`:
//!    the text, and the same text in a branded HTML layout ([`crate::messages::html`]). One with
//!    an invitation is `multipart/mixed`: text, HTML and a `text/calendar; method=REQUEST|CANCEL`
//!    as alternatives, plus the same calendar as an `invite.ics` attachment. From, Reply-To and
//!    the company name come from the message settings, read once per pass ([`Sender`]).
//! 4. Right after the SMTP server accepts it, the message is **marked sent** (`status = 'sent'`,
//!    `sent_at`) before anything else, in one autocommit statement — on PostgreSQL on a connection
//!    taken from the pool *before* the send, so that no pool wait or transaction round trip lies
//!    between the server's acceptance and the mark. A sent message is never claimed, hence never sent, again. A refused one is
//!    **marked failed**: `attempts + 1`, `last_error`, and `next_attempt_at = now + backoff`, where
//!    backoff is 30 s × 2^(attempts before), capped at one hour ([`backoff_ms`]); after
//!    [`MAX_ATTEMPTS`] attempts (about 5½ hours of trying) — or at once when the server rejects it
//!    permanently (an SMTP 5xx reply, an unusable address) — the status becomes `failed` and
//!    stays so until staff queue it again ([`retry_message`]).
//! 5. A worker only starts sending a message while its lease has at least the send time-out
//!    ([`WorkerOptions::send_timeout_ms`]) plus a margin left; otherwise it gives the claim back.
//!    So a message is sent under a live lease, and never by two workers at once, as long as the
//!    clocks of the processes agree to within that margin (they share a database; keep them on
//!    NTP). A worker that dies mid-batch leaves leases that simply run out; the messages are
//!    claimed again after at most a minute.
//!
//! # What "exactly once" means here
//!
//! SMTP has no transaction shared with our database, so no mail system can promise strictly
//! exactly-once delivery. Trainyard guarantees:
//!
//! * **no message lost**: a committed change's message stays `pending` until an SMTP server has
//!   accepted it, across crashes and restarts, or until it is marked `failed` for staff to see;
//! * **no message for a change that rolled back**;
//! * **no second send of a message recorded as sent**, and **no two workers sending the same
//!   message concurrently** (leases, with the send time-out inside the lease);
//! * **one window of duplication**: if the process dies (or loses the database) *after* the SMTP
//!   server accepted a message and *before* the `sent` mark reaches the database — one statement,
//!   well under a millisecond on a local network — or an SMTP
//!   reply is lost after the server took the message (time-out at end of DATA), the message is
//!   sent again once the lease expires. Both copies carry the same `Message-ID`, so receiving
//!   systems and mail clients that de-duplicate by it (most do) show it once, and it is
//!   recognisable as the same message in any case.
//!
//! In short: at-least-once SMTP delivery with an idempotent `Message-ID`, which is effectively
//! exactly once except for a crash between the server's acceptance and our mark.

use crate::error::About;
use crate::{App, AppError, Caller, now_ms};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus, Property};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::transport::smtp::extension::ClientId;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::{Duration, Instant};
use trainyard_core::Invalid;
use trainyard_store::outbox::{self, Due, Message, MessageDetail, NewMessage, OutboxFilter};
use trainyard_store::sessions::{Part, Session};
use trainyard_store::{Conn, Page};

/// Attempts before a message is failed for good: with the backoff, about 5½ hours of trying.
pub const MAX_ATTEMPTS: i64 = 12;
const BACKOFF_BASE_MS: i64 = 30_000;
const BACKOFF_CAP_MS: i64 = 3_600_000;

/// The wait after a failed attempt, given the attempts made before it: 30 s, 1 min, 2 min, …,
/// never more than an hour.
pub fn backoff_ms(attempts_before: i64) -> i64 {
    let exp = attempts_before.clamp(0, 20) as u32;
    BACKOFF_BASE_MS
        .saturating_mul(1_i64 << exp)
        .min(BACKOFF_CAP_MS)
}

// ------------------------------------------------------------------ settings

/// How to reach the SMTP server. Defaults suit a local test server (`127.0.0.1:2525`, no TLS).
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    /// The From of every message, e.g. `Trainyard <noreply@trainyard.local>`.
    pub from: String,
    pub username: Option<String>,
    pub password: Option<String>,
    /// Upgrade the connection with STARTTLS (required, certificate checked against the
    /// compiled-in Mozilla roots). Needs the `smtp-tls` feature of trainyard-app.
    pub starttls: bool,
    /// The name to greet the server with (EHLO); default: the address literal of localhost.
    pub helo_name: Option<String>,
}

impl Default for SmtpSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 2525,
            from: "Trainyard <noreply@trainyard.local>".into(),
            username: None,
            password: None,
            starttls: false,
            helo_name: None,
        }
    }
}

/// How a worker paces itself.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Messages claimed per pass.
    pub batch: i64,
    /// Messages of a pass in flight at once (and SMTP connections kept open).
    pub concurrency: usize,
    /// How long a claim holds.
    pub lease_ms: i64,
    /// The longest one SMTP send may take, all commands included; must be well below the lease.
    pub send_timeout_ms: i64,
    /// Pause between passes that found nothing (more) to do.
    pub idle_ms: u64,
    /// How often the worker queues the reminders and joining instructions that fell due
    /// ([`crate::reminders::enqueue_due`]); sooner while a run leaves work behind.
    pub reminders_every_ms: u64,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        Self {
            batch: 100,
            concurrency: 8,
            lease_ms: 60_000,
            send_timeout_ms: 20_000,
            idle_ms: 2_000,
            reminders_every_ms: 60_000,
        }
    }
}

/// Safety margin between the end of a send and the end of its lease.
const LEASE_MARGIN_MS: i64 = 5_000;

/// An SMTP client ready to send, built once per worker; cheap to clone.
///
/// It keeps its own small pool of SMTP connections (as many as [`WorkerOptions::concurrency`]),
/// each with `TCP_NODELAY`: lettre writes a message's content and its terminating `.` as two
/// writes, and with Nagle's algorithm on, the second waits for the server's delayed ACK — about
/// 40 ms a message on Linux. An idle connection is checked with NOOP before reuse and dropped
/// after 30 s; one that failed is never reused.
#[derive(Clone)]
pub struct Mailer {
    inner: Arc<MailerInner>,
}

struct MailerInner {
    from: Mailbox,
    domain: String,
    options: WorkerOptions,
    server: String,
    host: String,
    port: u16,
    helo: ClientId,
    credentials: Option<Credentials>,
    #[cfg(feature = "smtp-tls")]
    tls: Option<lettre::transport::smtp::client::TlsParameters>,
    idle: std::sync::Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("server", &self.inner.server)
            .field("from", &self.inner.from.to_string())
            .finish_non_exhaustive()
    }
}

/// A connection idle longer than this is closed rather than reused.
const IDLE_MAX: Duration = Duration::from_secs(30);
/// A connection idle longer than this is checked (NOOP) before reuse.
const IDLE_CHECK: Duration = Duration::from_secs(1);

/// Why a send failed, and whether trying again could help.
struct SendError {
    message: String,
    permanent: bool,
}

impl From<lettre::transport::smtp::Error> for SendError {
    fn from(e: lettre::transport::smtp::Error) -> Self {
        Self {
            message: match e.status() {
                Some(code) => format!("SMTP {code}: {e}"),
                None => e.to_string(),
            },
            permanent: e.is_permanent(),
        }
    }
}

impl Mailer {
    pub fn new(settings: &SmtpSettings, options: WorkerOptions) -> Result<Self, AppError> {
        let from: Mailbox = settings.from.parse().map_err(|e| {
            AppError::Invalid(Invalid::field(
                "smtp_from",
                format!("'{}' is not an e-mail address ({e})", settings.from),
            ))
        })?;
        let domain = from.email.domain().to_owned();
        let mut options = options;
        options.batch = options.batch.clamp(1, 1000);
        options.concurrency = options.concurrency.clamp(1, 64);
        options.lease_ms = options.lease_ms.max(10_000);
        // A send, then its mark, must end well before the lease does: otherwise another worker may
        // claim the message while the first is still sending it.
        options.send_timeout_ms = options
            .send_timeout_ms
            .clamp(1_000, (options.lease_ms - LEASE_MARGIN_MS) / 2);
        options.reminders_every_ms = options.reminders_every_ms.clamp(1_000, 3_600_000);
        let helo = match settings.helo_name.as_deref().map(str::trim) {
            Some(name) if !name.is_empty() => ClientId::Domain(name.to_owned()),
            _ => ClientId::default(),
        };
        let credentials = match (&settings.username, &settings.password) {
            (Some(user), Some(pass)) => Some(Credentials::new(user.clone(), pass.clone())),
            _ => None,
        };
        #[cfg(feature = "smtp-tls")]
        let tls = if settings.starttls {
            Some(
                lettre::transport::smtp::client::TlsParameters::new(settings.host.clone())
                    .map_err(|e| {
                        AppError::Invalid(Invalid::field(
                            "smtp_starttls",
                            format!("TLS setup failed: {e}"),
                        ))
                    })?,
            )
        } else {
            None
        };
        #[cfg(not(feature = "smtp-tls"))]
        if settings.starttls {
            return Err(AppError::Invalid(Invalid::field(
                "smtp_starttls",
                "this build has no TLS support (build trainyard-app with its smtp-tls feature)",
            )));
        }
        Ok(Self {
            inner: Arc::new(MailerInner {
                from,
                domain,
                server: format!("{}:{}", settings.host, settings.port),
                host: settings.host.clone(),
                port: settings.port,
                helo,
                credentials,
                #[cfg(feature = "smtp-tls")]
                tls,
                idle: std::sync::Mutex::new(Vec::new()),
                options,
            }),
        })
    }

    pub fn options(&self) -> &WorkerOptions {
        &self.inner.options
    }

    pub fn from(&self) -> &Mailbox {
        &self.inner.from
    }

    /// Connects, greets (EHLO), upgrades with STARTTLS and authenticates as configured.
    async fn connect(&self) -> Result<AsyncSmtpConnection, SendError> {
        let i = &self.inner;
        let stream = tokio::net::TcpStream::connect((i.host.as_str(), i.port))
            .await
            .map_err(|e| SendError {
                message: format!("cannot connect to the SMTP server {}: {e}", i.server),
                permanent: false,
            })?;
        let _ = stream.set_nodelay(true);
        let mut conn =
            AsyncSmtpConnection::connect_with_transport(Box::new(stream), &i.helo).await?;
        #[cfg(feature = "smtp-tls")]
        if let Some(tls) = &i.tls {
            conn.starttls(tls.clone(), &i.helo).await?;
        }
        if let Some(c) = &i.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], c).await?;
        }
        Ok(conn)
    }

    /// A live connection: a parked one if it is fresh (and answers), else a new one.
    async fn checkout(&self) -> Result<AsyncSmtpConnection, SendError> {
        loop {
            let parked = self
                .inner
                .idle
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .pop();
            match parked {
                None => return self.connect().await,
                Some((mut conn, since)) => {
                    let idle = since.elapsed();
                    if idle > IDLE_MAX {
                        conn.abort().await;
                    } else if idle <= IDLE_CHECK || conn.test_connected().await {
                        return Ok(conn);
                    }
                }
            }
        }
    }

    fn checkin(&self, conn: AsyncSmtpConnection) {
        if conn.has_broken() {
            return;
        }
        let mut idle = self
            .inner
            .idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if idle.len() < self.inner.options.concurrency {
            idle.push((conn, Instant::now()));
        }
    }

    /// Sends one e-mail on a pooled connection.
    async fn send(&self, email: &lettre::Message) -> Result<(), SendError> {
        let mut conn = self.checkout().await?;
        let result = conn.send(email.envelope(), &email.formatted()).await;
        self.checkin(conn);
        result.map(|_| ()).map_err(SendError::from)
    }

    /// Whether the server answers: connects, greets and says goodbye.
    pub async fn test_connection(&self) -> Result<bool, String> {
        let mut conn = self.connect().await.map_err(|e| e.message)?;
        let ok = conn.test_connected().await;
        let _ = conn.quit().await;
        Ok(ok)
    }
}

/// A worker id unique across processes: host, process and a random suffix.
pub fn worker_id(label: &str) -> String {
    let mut r = [0u8; 4];
    let _ = getrandom::fill(&mut r);
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".into());
    format!(
        "{label}-{host}-{}-{:08x}",
        std::process::id(),
        u32::from_be_bytes(r)
    )
}

// ------------------------------------------------------------------ who a message is from

/// The From, Reply-To and branding of the messages of one pass, from the message settings an
/// administrator keeps (`messages::get_settings`). The SMTP sender (`--smtp-from`) stays the
/// envelope sender, so bounces reach the mailbox that sends; unset settings fall back to it.
#[derive(Debug, Clone)]
pub struct Sender {
    pub from: Mailbox,
    pub reply_to: Option<Mailbox>,
    pub brand: crate::messages::Branding,
}

impl Sender {
    /// From the stored settings; a value that no longer parses is left out (and logged) rather
    /// than holding up every message.
    pub fn new(mailer: &Mailer, s: &trainyard_store::templates::MessageSettings) -> Self {
        let company = s.company_name.trim();
        let base = &mailer.inner.from;
        let name = if company.is_empty() {
            base.name.clone()
        } else {
            Some(company.to_owned())
        };
        let email = match s.sender_email.trim() {
            "" => base.email.clone(),
            raw => raw.parse().unwrap_or_else(|e| {
                tracing::warn!(sender = raw, error = %e, "the configured sender is not an address; using the SMTP sender");
                base.email.clone()
            }),
        };
        let reply_to = match s.reply_to.trim() {
            "" => None,
            raw => match raw.parse() {
                Ok(a) => Some(Mailbox::new(name.clone(), a)),
                Err(e) => {
                    tracing::warn!(reply_to = raw, error = %e, "the configured reply-to is not an address; left out");
                    None
                }
            },
        };
        Self {
            brand: crate::messages::Branding {
                company: company.to_owned(),
                reply_to: reply_to.as_ref().map(|r| r.email.to_string()),
            },
            from: Mailbox::new(name, email),
            reply_to,
        }
    }

    /// What messages say when nothing is configured: the SMTP sender.
    pub fn unconfigured(mailer: &Mailer) -> Self {
        Self::new(mailer, &Default::default())
    }
}

/// The sender of this pass's messages, as the settings read now.
async fn sender(app: &App, mailer: &Mailer) -> Result<Sender, AppError> {
    let mut conn = app.store.read().await?;
    let settings = trainyard_store::templates::settings(&mut conn).await?;
    Ok(Sender::new(mailer, &settings))
}

// ------------------------------------------------------------------ one pass

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PassReport {
    pub claimed: usize,
    pub sent: usize,
    /// Failed attempts that will be retried.
    pub retrying: usize,
    /// Failed for good.
    pub failed: usize,
    /// Claims given back unsent because the lease ran short.
    pub released: usize,
}

impl PassReport {
    fn add(&mut self, o: Outcome) {
        match o {
            Outcome::Sent => self.sent += 1,
            Outcome::Retrying => self.retrying += 1,
            Outcome::Failed => self.failed += 1,
            Outcome::Released => self.released += 1,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Outcome {
    Sent,
    Retrying,
    Failed,
    Released,
}

/// One pass: claims the due messages (up to a batch), sends them, records each outcome.
pub async fn deliver_due(app: &App, mailer: &Mailer, worker: &str) -> Result<PassReport, AppError> {
    deliver_due_at(app, mailer, worker, now_ms()).await
}

/// As [`deliver_due`], as if the clock read `now` (tests: "an hour later"). Later timestamps of
/// the pass keep the same offset from the real clock.
pub async fn deliver_due_at(
    app: &App,
    mailer: &Mailer,
    worker: &str,
    now: i64,
) -> Result<PassReport, AppError> {
    let offset = now - now_ms();
    let clock = move || now_ms() + offset;
    let opts = mailer.options().clone();
    let lease_until = now + opts.lease_ms;
    let due = outbox::claim_due(&app.store, worker, now, lease_until, opts.batch).await?;
    let mut report = PassReport {
        claimed: due.len(),
        ..Default::default()
    };
    if due.is_empty() {
        return Ok(report);
    }
    let from = Arc::new(sender(app, mailer).await?);
    let mut tasks = tokio::task::JoinSet::new();
    let mut first_error: Option<AppError> = None;
    let mut queue = due.into_iter();
    loop {
        while tasks.len() < opts.concurrency {
            let Some(m) = queue.next() else { break };
            let (app, mailer, worker) = (app.clone(), mailer.clone(), worker.to_owned());
            let from = from.clone();
            tasks.spawn(async move {
                deliver_one(&app, &mailer, &from, &worker, m, lease_until, clock).await
            });
        }
        match tasks.join_next().await {
            None => break,
            Some(Ok(Ok(o))) => report.add(o),
            Some(Ok(Err(e))) => {
                first_error.get_or_insert(e);
            }
            Some(Err(join)) => {
                tracing::error!(error = %join, "a delivery task panicked");
            }
        }
    }
    if report.retrying + report.failed > 0 {
        tracing::warn!(
            worker,
            sent = report.sent,
            retrying = report.retrying,
            failed = report.failed,
            server = %mailer.inner.server,
            "some messages could not be delivered"
        );
    }
    match first_error {
        // The outcome of the others is recorded; report the database problem.
        Some(e) if report.sent + report.retrying + report.failed + report.released == 0 => Err(e),
        Some(e) => {
            tracing::error!(error = %e, "recording a delivery outcome failed");
            Ok(report)
        }
        None => Ok(report),
    }
}

async fn deliver_one(
    app: &App,
    mailer: &Mailer,
    from: &Sender,
    worker: &str,
    m: Due,
    lease_until: i64,
    clock: impl Fn() -> i64,
) -> Result<Outcome, AppError> {
    let opts = mailer.options();
    if clock() + opts.send_timeout_ms + LEASE_MARGIN_MS > lease_until {
        let mut tx = app.store.write().await?;
        outbox::release(&mut tx, m.id, worker).await?;
        tx.commit().await?;
        return Ok(Outcome::Released);
    }
    // PostgreSQL: hold the connection that will record the send before sending, so that once the
    // server has accepted the message, marking it is one statement on an open connection (no wait
    // for the pool, no BEGIN/COMMIT round trips). That moment — accepted, not yet marked — is the
    // only one in which a crash makes the message go out twice; keep it as short as possible.
    // SQLite writes in this process, so there is no round trip to save, and its pool is small.
    let files = match files_of(app, &m).await {
        Ok(f) => f,
        Err(e) => {
            // Tried again later, like a refused connection: the document is not lost.
            let attempts = m.attempts + 1;
            let retry_at = (attempts < MAX_ATTEMPTS).then(|| clock() + backoff_ms(m.attempts));
            let mut tx = app.store.write().await?;
            let error = format!("the attachment could not be made: {e}");
            outbox::mark_failed(&mut tx, m.id, worker, &error, retry_at).await?;
            tx.commit().await?;
            return Ok(if retry_at.is_some() {
                Outcome::Retrying
            } else {
                Outcome::Failed
            });
        }
    };
    let mut marker = match app.store.backend() {
        trainyard_store::Backend::Postgres => app.store.read().await.ok(),
        trainyard_store::Backend::Sqlite => None,
    };
    let result = match build_email_with(mailer, from, &m, &files) {
        Err(e) => Err((e, true)),
        Ok(email) => {
            // lettre's async client has a time-out for connecting only; this one bounds the whole
            // send (connect, EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA), and it ends well inside the
            // lease (checked above), so no other worker can claim the message meanwhile.
            let budget = Duration::from_millis(opts.send_timeout_ms as u64);
            match tokio::time::timeout(budget, mailer.send(&email)).await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err((e.message, e.permanent)),
                Err(_) => Err((
                    format!(
                        "the SMTP server did not finish within {} ms",
                        opts.send_timeout_ms
                    ),
                    false,
                )),
            }
        }
    };
    match result {
        Ok(()) => {
            // The mail is out: record it before anything else, in one autocommit statement. A
            // sent mark needs no claim (see `outbox::mark_sent`).
            if let Some(conn) = marker.as_mut()
                && outbox::mark_sent(conn, m.id, clock()).await.is_ok()
            {
                return Ok(Outcome::Sent);
            }
            drop(marker);
            // Trying hard, since an unrecorded send is sent again.
            let mut tries = 0;
            loop {
                let r = async {
                    let mut conn = app.store.read().await?;
                    outbox::mark_sent(&mut conn, m.id, clock()).await?;
                    Ok::<(), AppError>(())
                }
                .await;
                match r {
                    Ok(()) => return Ok(Outcome::Sent),
                    Err(e) if tries >= 4 => {
                        tracing::error!(id = m.id, error = %e, "message sent but not marked: it will be sent again with the same Message-ID");
                        return Err(e);
                    }
                    Err(_) => {
                        tries += 1;
                        tokio::time::sleep(Duration::from_millis(100 << tries)).await;
                    }
                }
            }
        }
        Err((error, permanent)) => {
            drop(marker);
            let attempts = m.attempts + 1;
            let retry_at =
                (!permanent && attempts < MAX_ATTEMPTS).then(|| clock() + backoff_ms(m.attempts));
            let mut tx = app.store.write().await?;
            outbox::mark_failed(&mut tx, m.id, worker, &error, retry_at).await?;
            tx.commit().await?;
            tracing::debug!(id = m.id, attempts, permanent, %error, "delivery attempt failed");
            Ok(if retry_at.is_some() {
                Outcome::Retrying
            } else {
                Outcome::Failed
            })
        }
    }
}

/// `<hash@domain>`: the same for every copy of one logical message.
pub fn message_id(idempotency_key: &str, domain: &str) -> String {
    let digest = Sha256::digest(idempotency_key.as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("<{hex}.outbox@{domain}>")
}

fn header(name: &str, value: String) -> Result<HeaderValue, String> {
    let name = HeaderName::new_from_ascii(name.to_owned())
        .map_err(|_| format!("bad header name {name}"))?;
    Ok(HeaderValue::new(name, value))
}

/// The METHOD of an iCalendar text (REQUEST, CANCEL, PUBLISH…).
fn calendar_method(ics: &str) -> String {
    ics.lines()
        .find_map(|l| l.strip_prefix("METHOD:"))
        .map(|m| m.trim().to_ascii_uppercase())
        .filter(|m| !m.is_empty() && m.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .unwrap_or_else(|| "PUBLISH".into())
}

/// Adds `ORGANIZER` (the sender) to every event of an invitation that has none: iTIP requires
/// one, and only the sending edge knows the From address.
pub fn with_organizer(ics: &str, from: &Mailbox) -> String {
    if ics.contains("\nORGANIZER") || !ics.contains("BEGIN:VEVENT\r\n") {
        return ics.to_owned();
    }
    let mut p = Property::new("ORGANIZER", format!("mailto:{}", from.email));
    if let Some(name) = from.name.as_deref().filter(|n| !n.trim().is_empty()) {
        p.add_parameter("CN", &name.replace(['"', '\r', '\n'], ""));
    }
    let line: String = p.try_into().unwrap_or_default();
    ics.replace("BEGIN:VEVENT\r\n", &format!("BEGIN:VEVENT\r\n{line}"))
}

/// The e-mail for one outbox row: the text and its HTML alternative (the same wording in the
/// branded layout, [`crate::messages::html`]), with the calendar invitation when it has one. From
/// and Reply-To as configured; the envelope sender stays the SMTP sender.
pub fn build_email(mailer: &Mailer, sender: &Sender, m: &Due) -> Result<lettre::Message, String> {
    build_email_with(mailer, sender, m, &[])
}

/// A file that travels with a message (an issued invoice's PDF).
pub struct File {
    pub name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// The files an outbox row carries, made when it is sent: an issued invoice or credit note
/// (immutable once issued) prints the same PDF whenever it is made, as does a sent quote; a
/// scheduled report's message carries the CSV its run recorded.
pub async fn files_of(app: &App, m: &Due) -> Result<Vec<File>, AppError> {
    if m.kind == crate::report_views::MESSAGE_KIND
        && m.entity_type == crate::report_views::RUN_ENTITY
    {
        return Ok(crate::report_views::run_file(app, m.entity_id)
            .await?
            .map(|(name, bytes)| File {
                name,
                content_type: "text/csv",
                bytes,
            })
            .into_iter()
            .collect());
    }
    if m.kind == crate::quotes::SENT_MESSAGE && m.entity_type == "quote" {
        let (name, bytes) = crate::quotes::attachment(app, m.entity_id).await?;
        return Ok(vec![File {
            name,
            content_type: "application/pdf",
            bytes,
        }]);
    }
    if m.kind != crate::invoicing::ISSUED_MESSAGE || m.entity_type != "invoice" {
        return Ok(Vec::new());
    }
    let printable = {
        let mut conn = app.store.read().await?;
        crate::invoicing::printable_in(&mut conn, m.entity_id).await?
    };
    let bytes = crate::invoice_print::pdf(&printable)
        .map_err(|e| AppError::refused(format!("the PDF could not be made: {e}")))?;
    Ok(vec![File {
        name: crate::invoice_print::file_name(&printable),
        content_type: "application/pdf",
        bytes,
    }])
}

/// [`build_email`] with files attached after the text (and the calendar, when there is one).
pub fn build_email_with(
    mailer: &Mailer,
    sender: &Sender,
    m: &Due,
    files: &[File],
) -> Result<lettre::Message, String> {
    let to: Mailbox = m
        .recipient
        .trim()
        .parse()
        .map_err(|e| format!("'{}' is not a usable address: {e}", m.recipient))?;
    let kind: String = m
        .kind
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    let envelope = lettre::address::Envelope::new(
        Some(mailer.inner.from.email.clone()),
        vec![to.email.clone()],
    )
    .map_err(|e| e.to_string())?;
    let mut b = lettre::Message::builder()
        .from(sender.from.clone())
        .to(to)
        .subject(m.subject.clone())
        .message_id(Some(message_id(&m.idempotency_key, &mailer.inner.domain)))
        .date_now()
        .envelope(envelope)
        .raw_header(header("X-Trainyard-Outbox-Id", m.id.to_string())?)
        .raw_header(header("X-Trainyard-Kind", kind)?)
        .raw_header(header("Auto-Submitted", "auto-generated".into())?);
    if let Some(r) = &sender.reply_to {
        b = b.reply_to(r.clone());
    }
    let html = crate::messages::html(&m.subject, &m.body, &sender.brand)?;
    let text_and_html = || {
        MultiPart::alternative()
            .singlepart(SinglePart::plain(m.body.clone()))
            .singlepart(SinglePart::html(html.clone()))
    };
    let attach = |mut mixed: MultiPart| -> Result<MultiPart, String> {
        for f in files {
            let name: String = f
                .name
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
                .collect();
            let kind = ContentType::parse(&format!("{}; name=\"{name}\"", f.content_type))
                .map_err(|e| e.to_string())?;
            mixed = mixed.singlepart(Attachment::new(name).body(f.bytes.clone(), kind));
        }
        Ok(mixed)
    };
    let email = match &m.ics {
        None if files.is_empty() => b.multipart(text_and_html()),
        None => b.multipart(attach(MultiPart::mixed().multipart(text_and_html()))?),
        Some(ics) => {
            let ics = with_organizer(ics, &sender.from);
            let method = calendar_method(&ics);
            let calendar =
                ContentType::parse(&format!("text/calendar; method={method}; charset=UTF-8"))
                    .map_err(|e| e.to_string())?;
            let attachment = ContentType::parse("application/ics; name=\"invite.ics\"")
                .map_err(|e| e.to_string())?;
            // Text, HTML and calendar as alternatives of one another (the calendar last: mail
            // clients show the richest they understand), the calendar again as a file.
            b.multipart(attach(
                MultiPart::mixed()
                    .multipart(
                        text_and_html()
                            .singlepart(SinglePart::builder().header(calendar).body(ics.clone())),
                    )
                    .singlepart(Attachment::new("invite.ics".into()).body(ics, attachment)),
            )?)
        }
    };
    email.map_err(|e| e.to_string())
}

// ------------------------------------------------------------------ the worker loop

/// Delivers until `shutdown` resolves: a pass, then immediately another while passes come back
/// full, else a pause of [`WorkerOptions::idle_ms`]. A pass in progress is finished first. Each
/// pass first expires waitlist offers and, every [`WorkerOptions::reminders_every_ms`], queues
/// the reminders and joining instructions that fell due.
pub async fn run(
    app: App,
    mailer: Mailer,
    worker: String,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    let opts = mailer.options().clone();
    tracing::info!(worker = %worker, server = %mailer.inner.server, "delivery worker started");
    let mut failing = false;
    let mut reminders_at = Instant::now();
    // The e-learning readiness job asks the LRS over the network: it runs beside the loop, one
    // run at a time, so a slow LRS never holds back the e-mail.
    let mut readiness_at = Instant::now();
    let mut readiness: Option<tokio::task::JoinHandle<()>> = None;
    loop {
        if Instant::now() >= readiness_at && readiness.as_ref().is_none_or(|h| h.is_finished()) {
            let app = app.clone();
            readiness = Some(tokio::spawn(async move {
                if let Err(e) = crate::xapi::run_readiness_job(&app, crate::now_ms(), 14).await {
                    tracing::warn!(error = %e, "the readiness check failed; retrying next run");
                }
            }));
            readiness_at = Instant::now() + crate::xapi::READINESS_EVERY;
        }
        // Background enrollment work rides on the same loop: offers that ran out pass on.
        if let Err(e) = crate::enrollment::expire_offers(&app, crate::now_ms()).await {
            tracing::warn!(error = %e, "expiring waitlist offers failed; retrying next pass");
        }
        // Reminders and joining instructions that fell due, about once a minute; every process
        // may run this at the same time without sending anything twice.
        let mut more_reminders = false;
        if Instant::now() >= reminders_at {
            match crate::reminders::enqueue_due(&app, crate::now_ms()).await {
                Ok(r) => more_reminders = r.more,
                Err(e) => {
                    tracing::warn!(error = %e, "queueing reminders failed; retrying next run")
                }
            }
            // Scheduled reports that fell due: each run is claimed by one process only.
            if let Err(e) = crate::report_views::send_due(&app, crate::now_ms()).await {
                tracing::warn!(error = %e, "sending scheduled reports failed; retrying next run")
            }
            // The revenue and cost kept per delivered session: recomputed for what changed since,
            // so that a report's first request finds little to do.
            if let Err(e) = crate::finance_facts::refresh_all(&app).await {
                tracing::warn!(error = %e, "refreshing the sessions' finance figures failed; retrying next run")
            }
            // The KPI counts kept per quarter hour and the teaching rows (migration 0050).
            if let Err(e) = crate::kpi_kept::refresh(&app).await {
                tracing::warn!(error = %e, "recounting the kept KPI counts failed; retrying next run")
            }
            // The compliance checklists of the sessions marked since (migration 0046), so the
            // dashboard's next request finds nothing to do.
            if let Err(e) = crate::compliance::sync_marked(&app).await {
                tracing::warn!(error = %e, "bringing the marked compliance checklists up to date failed; retrying next run")
            }
            // Quotes left unanswered past their last valid day; a conditional update per quote.
            if let Err(e) = crate::quotes::expire_overdue(&app, crate::now_ms()).await {
                tracing::warn!(error = %e, "expiring quotes failed; retrying next run")
            }
            let wait = if more_reminders {
                0
            } else {
                opts.reminders_every_ms
            };
            reminders_at = Instant::now() + Duration::from_millis(wait);
        }
        let full = match deliver_due(&app, &mailer, &worker).await {
            Ok(r) => {
                failing = false;
                more_reminders || r.claimed as i64 >= opts.batch
            }
            Err(e) => {
                if !failing {
                    tracing::error!(error = %e, "delivery pass failed; retrying");
                }
                failing = true;
                false
            }
        };
        if full {
            tokio::select! {
                biased;
                _ = &mut shutdown => break,
                _ = std::future::ready(()) => continue,
            }
        }
        tokio::select! {
            _ = &mut shutdown => break,
            _ = tokio::time::sleep(Duration::from_millis(opts.idle_ms)) => {}
        }
    }
    tracing::info!(worker = %worker, "delivery worker stopped");
}

// ------------------------------------------------------------------ calendar invitations

/// iTIP method of an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteMethod {
    /// New or changed: calendars add or update the events.
    Request,
    /// Called off: calendars remove the events.
    Cancel,
}

impl InviteMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            InviteMethod::Request => "REQUEST",
            InviteMethod::Cancel => "CANCEL",
        }
    }
}

/// Which messages carry an invitation, and which kind.
pub fn invitation_for(kind: &str) -> Option<InviteMethod> {
    match kind {
        "enrollment_confirmed" | "enrollment_promoted" | "session_changed" => {
            Some(InviteMethod::Request)
        }
        "session_cancelled" | "enrollment_cancelled" => Some(InviteMethod::Cancel),
        _ => None,
    }
}

/// One session part as an event of an invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitePart {
    pub part_id: i64,
    /// The part's change counter: calendars keep the highest.
    pub sequence: i64,
    /// UTC milliseconds.
    pub starts_at: i64,
    pub ends_at: i64,
    pub summary: String,
    pub location: Option<String>,
    pub description: String,
    /// This part alone is called off (in a REQUEST for the others).
    pub cancelled: bool,
}

/// The stable UID of a part's invitation event.
pub fn part_uid(part_id: i64) -> String {
    format!("part-{part_id}@trainyard")
}

/// The events of a session's invitation: one per part.
pub fn invite_parts(session: &Session, parts: &[Part]) -> Vec<InvitePart> {
    invite_parts_in(session, parts, "en")
}

/// The few words of an invitation in `language` (a primary tag); English for the others.
fn invite_word(language: &str, english: &'static str) -> &'static str {
    match (language, english) {
        ("de", "part") => "Teil",
        ("de", "session") => "Termin",
        ("de", "Cancelled") => "Abgesagt",
        _ => english,
    }
}

/// [`invite_parts`] for a reader of `language`: "XL-ADV Excel Advanced (Teil 1/2)".
pub fn invite_parts_in(session: &Session, parts: &[Part], language: &str) -> Vec<InvitePart> {
    let title = session
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or(&session.course_title);
    let count = parts.len();
    let location = session
        .venue_name
        .clone()
        .or_else(|| (session.delivery_mode.as_str() == "vilt").then(|| "Online".to_owned()));
    parts
        .iter()
        .map(|p| {
            let mut summary = format!("{} {title}", session.course_code);
            if count > 1 {
                summary.push_str(&format!(
                    " ({} {}/{count})",
                    invite_word(language, "part"),
                    p.position
                ));
            }
            InvitePart {
                part_id: p.id,
                sequence: p.sequence,
                starts_at: p.starts_at,
                ends_at: p.ends_at,
                summary,
                location: location.clone(),
                description: format!(
                    "{} {} — {} {}",
                    session.course_code,
                    session.course_title,
                    invite_word(language, "session"),
                    session.reference
                ),
                cancelled: p.status == "cancelled",
            }
        })
        .collect()
}

fn utc_stamp(ms: i64) -> String {
    trainyard_core::time::utc(ms)
        .format("%Y%m%dT%H%M%SZ")
        .to_string()
}

fn clean(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .filter(|c| *c == '\n' || *c == '\t' || !c.is_control())
        .collect()
}

/// An iTIP invitation (RFC 5546) for `parts`: `METHOD:REQUEST` or `METHOD:CANCEL`, one VEVENT per
/// part with the stable UID `part-{id}@trainyard` and SEQUENCE from the part, instants in UTC,
/// `attendee` (the recipient) named. The worker adds ORGANIZER (the From address) when it sends.
pub fn invitation(
    method: InviteMethod,
    attendee: Option<&str>,
    parts: &[InvitePart],
    now: i64,
) -> String {
    invitation_in(method, attendee, parts, now, "en")
}

/// [`invitation`] for a reader of `language` (a cancelled part's summary says so in it).
pub fn invitation_in(
    method: InviteMethod,
    attendee: Option<&str>,
    parts: &[InvitePart],
    now: i64,
    language: &str,
) -> String {
    let mut cal = Calendar::empty();
    cal.append_property(Property::new("PRODID", "-//Trainyard//Trainyard//EN"))
        .append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .append_property(Property::new("METHOD", method.as_str()));
    for p in parts {
        let cancelled = method == InviteMethod::Cancel || p.cancelled;
        let mut ev = Event::new();
        ev.uid(&part_uid(p.part_id))
            .add_property("DTSTAMP", utc_stamp(now))
            .add_property("DTSTART", utc_stamp(p.starts_at))
            .add_property("DTEND", utc_stamp(p.ends_at))
            .add_property("SEQUENCE", p.sequence.max(0).to_string())
            .status(if cancelled {
                EventStatus::Cancelled
            } else {
                EventStatus::Confirmed
            })
            .summary(&clean(&if cancelled {
                format!("{}: {}", invite_word(language, "Cancelled"), p.summary)
            } else {
                p.summary.clone()
            }))
            .description(&clean(&p.description))
            .add_property("TRANSP", if cancelled { "TRANSPARENT" } else { "OPAQUE" });
        if let Some(l) = &p.location {
            ev.location(&clean(l));
        }
        if let Some(a) = attendee.map(str::trim).filter(|a| !a.is_empty()) {
            ev.append_property(
                Property::new("ATTENDEE", format!("mailto:{}", clean(a)))
                    .add_parameter("ROLE", "REQ-PARTICIPANT")
                    .add_parameter("PARTSTAT", "NEEDS-ACTION")
                    .add_parameter("RSVP", "FALSE")
                    .done(),
            );
        }
        cal.push(ev.done());
    }
    cal.to_string()
}

/// Queues `m` in the caller's transaction, with an invitation to the session's parts when its
/// kind calls for one ([`invitation_for`]); otherwise as a plain message.
pub async fn enqueue_with_invitation(
    conn: &mut Conn,
    m: &NewMessage<'_>,
    session: &Session,
    parts: &[Part],
    now: i64,
) -> Result<(), AppError> {
    enqueue_with_invitation_in(conn, m, session, parts, now, "en").await
}

/// [`enqueue_with_invitation`] with the invitation's words in `language`.
pub async fn enqueue_with_invitation_in(
    conn: &mut Conn,
    m: &NewMessage<'_>,
    session: &Session,
    parts: &[Part],
    now: i64,
    language: &str,
) -> Result<(), AppError> {
    match invitation_for(m.kind) {
        Some(method) if !parts.is_empty() => {
            let ics = invitation_in(
                method,
                Some(m.recipient),
                &invite_parts_in(session, parts, language),
                now,
                language,
            );
            outbox::enqueue_with_ics(conn, m, &ics, now).await?;
        }
        _ => outbox::enqueue(conn, m, now).await?,
    }
    Ok(())
}

// ------------------------------------------------------------------ the delivery log

fn may_see_log(caller: &Caller, entity_type: &str, entity_id: Option<i64>) -> bool {
    caller.role.is_staff()
        || (entity_type == "learner" && entity_id.is_some() && caller.learner_id == entity_id)
}

/// The messages about one record, newest first: for a `session` also those about its
/// assignments and enrollments; for a `learner` also everything sent to their address.
pub async fn delivery_log(
    app: &App,
    caller: &Caller,
    entity_type: &str,
    entity_id: i64,
) -> Result<Vec<Message>, AppError> {
    let page = list_outbox(
        app,
        caller,
        &OutboxFilter {
            entity_type: entity_type.to_owned(),
            entity_id: Some(entity_id),
            per_page: 200,
            ..Default::default()
        },
    )
    .await?;
    Ok(page.items)
}

/// The delivery log, filtered and paged. Staff see all of it; a learner their own messages.
pub async fn list_outbox(
    app: &App,
    caller: &Caller,
    filter: &OutboxFilter,
) -> Result<Page<Message>, AppError> {
    caller.require(
        may_see_log(caller, filter.entity_type.trim(), filter.entity_id),
        "see the delivery log",
    )?;
    let status = filter.status.trim();
    if !status.is_empty() && !matches!(status, "pending" | "sent" | "failed") {
        return Err(Invalid::field("status", "one of: pending, sent, failed").into());
    }
    let mut conn = app.store.read().await?;
    Ok(outbox::list(&mut conn, filter).await?)
}

/// One message with its text and invitation. Staff only.
pub async fn get_message(app: &App, caller: &Caller, id: i64) -> Result<MessageDetail, AppError> {
    caller.require_staff("see the delivery log")?;
    let mut conn = app.store.read().await?;
    outbox::get(&mut conn, id).await.about("message")
}

/// Queues a failed message again (attempts from zero); audited. Operations staff only.
pub async fn retry_message(app: &App, caller: &Caller, id: i64) -> Result<MessageDetail, AppError> {
    caller.require_operations("retry messages")?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let before = outbox::get(&mut tx, id).await.about("message")?;
    if !outbox::requeue(&mut tx, id, now).await? {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-resend-status",
            "Only a failed message can be sent again; this one is {status}.",
            status = before.message.status
        )));
    }
    let after = outbox::get(&mut tx, id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "message.requeued",
        ("message", id),
        Some(&before.message),
        Some(&after.message),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lease_outlasts_the_send_time_out_and_the_mark() {
        for (lease_ms, send_timeout_ms) in
            [(60_000, 20_000), (10_000, 60_000), (1, 1), (600_000, 1)]
        {
            let m = Mailer::new(
                &SmtpSettings::default(),
                WorkerOptions {
                    lease_ms,
                    send_timeout_ms,
                    ..WorkerOptions::default()
                },
            )
            .map_err(|e| e.to_string());
            let Ok(m) = m else { panic!("{m:?}") };
            let o = m.options();
            assert!(
                o.send_timeout_ms + LEASE_MARGIN_MS < o.lease_ms,
                "{lease_ms}/{send_timeout_ms}: {} + {LEASE_MARGIN_MS} < {}",
                o.send_timeout_ms,
                o.lease_ms
            );
        }
    }

    #[test]
    fn backoff_doubles_from_thirty_seconds_up_to_an_hour() {
        assert_eq!(backoff_ms(0), 30_000);
        assert_eq!(backoff_ms(1), 60_000);
        assert_eq!(backoff_ms(4), 480_000);
        assert_eq!(backoff_ms(7), 3_600_000);
        assert_eq!(backoff_ms(50), 3_600_000);
        let total: i64 = (0..MAX_ATTEMPTS - 1).map(backoff_ms).sum();
        assert!((4 * 3_600_000..7 * 3_600_000).contains(&total), "{total}");
    }

    #[test]
    fn message_ids_are_stable_per_key() {
        let a = message_id("assignment-1-request-v2", "trainyard.local");
        assert_eq!(a, message_id("assignment-1-request-v2", "trainyard.local"));
        assert_ne!(a, message_id("assignment-1-request-v3", "trainyard.local"));
        assert!(a.starts_with('<') && a.ends_with("@trainyard.local>"));
    }

    fn part(id: i64, seq: i64) -> InvitePart {
        InvitePart {
            part_id: id,
            sequence: seq,
            starts_at: 1_806_912_000_000,
            ends_at: 1_806_922_800_000,
            summary: "XL Excel, Advanced; with a very long title that needs folding".into(),
            location: Some("Berlin".into()),
            description: "line one\nline two".into(),
            cancelled: false,
        }
    }

    #[test]
    fn invitations_have_stable_uids_sequence_and_method() {
        let ics = invitation(
            InviteMethod::Request,
            Some("maria@example.com"),
            &[part(7, 2), part(8, 0)],
            1_800_000_000_000,
        );
        assert!(ics.contains("METHOD:REQUEST\r\n"));
        assert!(ics.contains("UID:part-7@trainyard\r\n"));
        assert!(ics.contains("UID:part-8@trainyard\r\n"));
        assert!(ics.contains("SEQUENCE:2\r\n"));
        assert!(ics.contains("STATUS:CONFIRMED\r\n"));
        assert!(ics.contains("ATTENDEE;"));
        assert!(ics.lines().all(|l| l.len() <= 76), "{ics}");
        let cancel = invitation(InviteMethod::Cancel, None, &[part(7, 3)], 1_800_000_000_000);
        assert!(cancel.contains("METHOD:CANCEL\r\n"));
        assert!(cancel.contains("UID:part-7@trainyard\r\n"));
        assert!(cancel.contains("STATUS:CANCELLED\r\n"));
        assert_eq!(calendar_method(&cancel), "CANCEL");
    }

    #[test]
    fn organizer_is_added_once_per_event() {
        let ics = invitation(InviteMethod::Request, None, &[part(1, 0), part(2, 0)], 0);
        let from: Mailbox = "Trainyard <noreply@trainyard.local>".parse().unwrap();
        let with = with_organizer(&ics, &from);
        assert_eq!(
            with.matches("ORGANIZER;CN=Trainyard:mailto:noreply@trainyard.local\r\n")
                .count(),
            2
        );
        assert_eq!(with_organizer(&with, &from), with);
    }

    fn due(ics: Option<String>) -> Due {
        Due {
            id: 7,
            kind: "session_changed".into(),
            recipient: "maria@example.com".into(),
            subject: "Changed: Excel (S-1)".into(),
            body: "Hello Maria,\n\nWhen: Mon 28 Dec 09:30–17:00 CET\nWhere: Berlin <Centre>\nDetails: https://t.example.com/portal/enrollments/3\n".into(),
            ics,
            idempotency_key: "k".into(),
            attempts: 0,
            entity_type: "session".into(),
            entity_id: 1,
        }
    }

    #[test]
    fn text_and_html_alternatives_from_the_configured_sender() {
        let mailer = Mailer::new(&SmtpSettings::default(), WorkerOptions::default()).unwrap();
        let plain = build_email(&mailer, &Sender::unconfigured(&mailer), &due(None))
            .unwrap_or_else(|e| panic!("{e}"));
        let raw = String::from_utf8(plain.formatted()).unwrap();
        assert!(
            raw.contains("From: Trainyard <noreply@trainyard.local>"),
            "{raw}"
        );
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(raw.contains("text/html"), "{raw}");
        assert!(!raw.contains("Reply-To"), "{raw}");
        let settings = trainyard_store::templates::MessageSettings {
            company_name: "Acme Training".into(),
            sender_email: "training@acme.example".into(),
            reply_to: "team@acme.example".into(),
            ..Default::default()
        };
        let sender = Sender::new(&mailer, &settings);
        let with_ics = build_email(
            &mailer,
            &sender,
            &due(Some(invitation(
                InviteMethod::Request,
                None,
                &[part(1, 0)],
                0,
            ))),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            with_ics.envelope().from().map(|a| a.to_string()),
            Some("noreply@trainyard.local".into()),
            "bounces still reach the SMTP sender"
        );
        let raw = String::from_utf8(with_ics.formatted()).unwrap();
        assert!(
            raw.contains("From: \"Acme Training\" <training@acme.example>")
                || raw.contains("From: Acme Training <training@acme.example>"),
            "{raw}"
        );
        assert!(raw.contains("Reply-To:"), "{raw}");
        assert!(
            raw.contains("ORGANIZER;CN=Acme Training:mailto:training@acme.example"),
            "{raw}"
        );
    }

    #[test]
    fn kinds_with_invitations() {
        assert_eq!(
            invitation_for("enrollment_confirmed"),
            Some(InviteMethod::Request)
        );
        assert_eq!(
            invitation_for("session_changed"),
            Some(InviteMethod::Request)
        );
        assert_eq!(
            invitation_for("session_cancelled"),
            Some(InviteMethod::Cancel)
        );
        assert_eq!(invitation_for("assignment_request"), None);
    }
}
