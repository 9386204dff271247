//! Webhooks: admins subscribe HTTPS endpoints (plain HTTP only on this machine) to event types;
//! every audited change of a published kind becomes an event, delivered signed per the Standard
//! Webhooks specification, with retries, a delivery log and replays.
//!
//! # How an event travels
//!
//! 1. A use case records its audit event ([`crate::audit::record`]); in the same call and the
//!    same transaction, [`emit`] turns the audit action into an event type
//!    ([`trainyard_core::webhook::event_type_of`]: `session.cancelled`, `enrollment.booked`,
//!    `invoice.issued`…) and writes one delivery per enabled endpoint whose patterns match, each
//!    with the JSON body `{"type", "timestamp", "data"}` and one `webhook-id` (`msg_…`) shared by
//!    every endpoint. A change that rolls back leaves no delivery; a committed one always has its
//!    deliveries, whatever happens to the process afterwards.
//! 2. Workers ([`run`]: two per `trainyard serve`/`demo`/`worker` process unless `--no-worker`)
//!    claim whole endpoints with a lease (`trainyard_store::webhooks::claim_endpoints`, `FOR
//!    UPDATE SKIP LOCKED` on PostgreSQL), several at once each, and send each claimed endpoint's
//!    pending deliveries one after the other in id order: `POST` with `webhook-id`,
//!    `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>`
//!    (two signatures, space-separated, for a day after a secret rotation). A 2xx answer delivers;
//!    anything else, a refused connection or no answer within the time-out (10 s) fails the
//!    attempt, and the endpoint waits (5 s, 30 s, 2 min, 10 min, … 8 h) before that same delivery
//!    is tried again: a later event never overtakes an earlier one. After the last retry (about a
//!    day) the delivery is given up and the next one goes. Endpoints are worked side by side, so a
//!    slow or failing endpoint holds back only itself.
//! 3. A worker sends only while its lease has the time-out and a margin left, so two processes
//!    never send to one endpoint at once. A process that dies after the receiver answered and
//!    before the attempt was recorded sends that delivery again after the lease ends: receivers
//!    de-duplicate by `webhook-id`, as the specification asks.
//! 4. After a run of failures (20 in a row over more than a day, [`HookOptions::disable`]) the
//!    endpoint is turned off and every admin gets an e-mail through the outbox.

use crate::{App, AppError, Caller, now_ms};
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use sha2::Sha256;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use trainyard_core::Invalid;
use trainyard_core::webhook::{self as rules, DisablePolicy, EndpointFields};
use trainyard_store::webhooks::{
    self as repo, Claimed, Delivery, DeliveryDetail, DeliveryFilter, Due, Endpoint, Secrets,
};
use trainyard_store::{Conn, Page};

/// How long the previous secret keeps signing after a rotation.
pub const ROTATION_OVERLAP_MS: i64 = 24 * 3_600_000;

// ------------------------------------------------------------------ events

/// Writes the deliveries of the event an audited change publishes, in the change's transaction.
/// Does nothing for actions that publish no event or when no enabled endpoint wants it.
pub(crate) async fn emit(
    conn: &mut Conn,
    now: i64,
    action: &str,
    (entity_type, entity_id): (&str, i64),
    actor: &str,
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
) -> Result<(), AppError> {
    let Some(event_type) = rules::event_type_of(action) else {
        return Ok(());
    };
    let subscribers = repo::subscribers(conn).await?;
    let targets: Vec<i64> = subscribers
        .iter()
        .filter(|(_, patterns)| rules::any_matches(patterns, &event_type))
        .map(|(id, _)| *id)
        .collect();
    if targets.is_empty() {
        return Ok(());
    }
    let data = serde_json::json!({
        "object": entity_type,
        "id": entity_id,
        "action": event_type.split_once('.').map(|(_, v)| v).unwrap_or_default(),
        "actor": actor,
        "before": before,
        "after": after,
    });
    publish(conn, now, &event_type, data, &targets).await
}

/// Queues one event (`type`, `timestamp`, `data`) for `endpoints`, in the caller's transaction.
async fn publish(
    conn: &mut Conn,
    now: i64,
    event_type: &str,
    data: serde_json::Value,
    endpoints: &[i64],
) -> Result<(), AppError> {
    let payload = serde_json::json!({
        "type": event_type,
        "timestamp": trainyard_core::time::rfc3339(now),
        "data": data,
    })
    .to_string();
    let id = message_id()?;
    for endpoint in endpoints {
        repo::enqueue(conn, *endpoint, &id, event_type, &payload, now).await?;
    }
    Ok(())
}

fn random_bytes<const N: usize>() -> Result<[u8; N], AppError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b)
        .map_err(|e| AppError::refused(format!("no randomness available: {e}")))?;
    Ok(b)
}

/// A new event id: `msg_` and 32 hex digits.
fn message_id() -> Result<String, AppError> {
    let b: [u8; 16] = random_bytes()?;
    Ok(format!(
        "msg_{}",
        b.iter().map(|x| format!("{x:02x}")).collect::<String>()
    ))
}

/// A new signing secret: `whsec_` and the base64 of 32 random bytes.
fn new_secret() -> Result<String, AppError> {
    let b: [u8; 32] = random_bytes()?;
    Ok(format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(b)
    ))
}

/// The Standard Webhooks signature of one message: `v1,` and the base64 HMAC-SHA256 of
/// `id.timestamp.body` under the secret's key. `None` for a secret that is not `whsec_` base64.
pub fn sign(secret: &str, message_id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .ok()?;
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).ok()?;
    mac.update(message_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    Some(format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// The `webhook-signature` header for `ep` at `now`: the current secret's signature, and the
/// previous secret's while it still signs.
fn signature_header(ep: &Claimed, message_id: &str, ts: i64, body: &str, now: i64) -> String {
    let mut sigs: Vec<String> = sign(&ep.secret, message_id, ts, body).into_iter().collect();
    if let (Some(old), Some(until)) = (&ep.previous_secret, ep.previous_secret_until)
        && now < until
        && let Some(s) = sign(old, message_id, ts, body)
    {
        sigs.push(s);
    }
    sigs.join(" ")
}

// ------------------------------------------------------------------ use cases

fn require_admin(caller: &Caller) -> Result<(), AppError> {
    caller.require(caller.role.can_administer(), "manage webhooks")
}

/// A published kind of event, for choosing what an endpoint receives.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventFamily {
    /// The pattern that subscribes to all of them, e.g. `session.*`.
    pub pattern: String,
    pub description: String,
}

/// The kinds of event endpoints can subscribe to. Admins.
pub fn event_families(caller: &Caller) -> Result<Vec<EventFamily>, AppError> {
    require_admin(caller)?;
    Ok(rules::EVENT_FAMILIES
        .iter()
        .map(|(f, d)| EventFamily {
            pattern: format!("{f}.*"),
            description: (*d).to_owned(),
        })
        .collect())
}

pub async fn list_endpoints(app: &App, caller: &Caller) -> Result<Vec<Endpoint>, AppError> {
    require_admin(caller)?;
    let mut conn = app.store.read().await?;
    Ok(repo::list(&mut conn).await?)
}

pub async fn get_endpoint(app: &App, caller: &Caller, id: i64) -> Result<Endpoint, AppError> {
    require_admin(caller)?;
    let mut conn = app.store.read().await?;
    repo::get(&mut conn, id).await.map_err(not_found)
}

fn not_found(e: trainyard_store::StoreError) -> AppError {
    match e {
        trainyard_store::StoreError::NotFound => AppError::NotFound("the webhook endpoint"),
        other => other.into(),
    }
}

/// A new endpoint with its secret, shown once here (and to admins on request).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreatedEndpoint {
    #[serde(flatten)]
    pub endpoint: Endpoint,
    /// The signing secret (`whsec_…`): give it to the receiver to verify signatures.
    pub secret: String,
}

/// Subscribe an endpoint. Admins; audited (without the secret).
pub async fn create_endpoint(
    app: &App,
    caller: &Caller,
    fields: &EndpointFields,
) -> Result<CreatedEndpoint, AppError> {
    require_admin(caller)?;
    let input = fields.validate()?;
    let secret = new_secret()?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let id = repo::insert(&mut tx, &input, &secret, now).await?;
    let endpoint = repo::get(&mut tx, id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "webhook_endpoint.created",
        ("webhook_endpoint", id),
        None,
        Some(&endpoint),
    )
    .await?;
    tx.commit().await?;
    Ok(CreatedEndpoint { endpoint, secret })
}

/// Change an endpoint read at `version` (stale: 409). Turning it back on clears its failures, so
/// its waiting deliveries go at once. Admins; audited.
pub async fn update_endpoint(
    app: &App,
    caller: &Caller,
    id: i64,
    version: i64,
    fields: &EndpointFields,
) -> Result<Endpoint, AppError> {
    require_admin(caller)?;
    let input = fields.validate()?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let before = repo::get(&mut tx, id).await.map_err(not_found)?;
    repo::update(&mut tx, id, version, &input, now)
        .await
        .map_err(|e| match e {
            trainyard_store::StoreError::Stale { .. } => AppError::Stale("the webhook endpoint"),
            other => not_found(other),
        })?;
    let after = repo::get(&mut tx, id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "webhook_endpoint.updated",
        ("webhook_endpoint", id),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// The endpoint's signing secrets. Admins.
pub async fn get_secret(app: &App, caller: &Caller, id: i64) -> Result<Secrets, AppError> {
    require_admin(caller)?;
    let mut conn = app.store.read().await?;
    repo::secret(&mut conn, id).await.map_err(not_found)
}

/// Give the endpoint a new secret; the old one keeps signing beside it for 24 hours, so the
/// receiver can switch without missing an event. Admins; audited (without secrets).
pub async fn rotate_secret(
    app: &App,
    caller: &Caller,
    id: i64,
    version: i64,
) -> Result<Secrets, AppError> {
    require_admin(caller)?;
    let secret = new_secret()?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let before = repo::get(&mut tx, id).await.map_err(not_found)?;
    repo::rotate(
        &mut tx,
        id,
        version,
        &secret,
        now + ROTATION_OVERLAP_MS,
        now,
    )
    .await
    .map_err(|e| match e {
        trainyard_store::StoreError::Stale { .. } => AppError::Stale("the webhook endpoint"),
        other => not_found(other),
    })?;
    let after = repo::get(&mut tx, id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "webhook_endpoint.secret_rotated",
        ("webhook_endpoint", id),
        Some(&before),
        Some(&after),
    )
    .await?;
    let secrets = repo::secret(&mut tx, id).await?;
    tx.commit().await?;
    Ok(secrets)
}

/// An endpoint's delivery log, newest first. Admins.
pub async fn list_deliveries(
    app: &App,
    caller: &Caller,
    endpoint_id: i64,
    f: &DeliveryFilter,
) -> Result<Page<Delivery>, AppError> {
    require_admin(caller)?;
    let mut conn = app.store.read().await?;
    repo::get(&mut conn, endpoint_id).await.map_err(not_found)?;
    Ok(repo::deliveries(&mut conn, endpoint_id, f).await?)
}

/// One delivery with its body and attempts. Admins.
pub async fn get_delivery(
    app: &App,
    caller: &Caller,
    endpoint_id: i64,
    id: i64,
) -> Result<DeliveryDetail, AppError> {
    require_admin(caller)?;
    let mut conn = app.store.read().await?;
    repo::delivery(&mut conn, endpoint_id, id)
        .await
        .map_err(|e| match e {
            trainyard_store::StoreError::NotFound => AppError::NotFound("the delivery"),
            other => other.into(),
        })
}

/// Send one event to the endpoint again (same `webhook-id` and body), after everything already
/// queued for it. Admins; audited.
pub async fn replay_delivery(
    app: &App,
    caller: &Caller,
    endpoint_id: i64,
    id: i64,
) -> Result<DeliveryDetail, AppError> {
    require_admin(caller)?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let new_id = repo::replay(&mut tx, endpoint_id, id, now)
        .await
        .map_err(|e| match e {
            trainyard_store::StoreError::NotFound => AppError::NotFound("the delivery"),
            other => other.into(),
        })?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "webhook_endpoint.replayed",
        ("webhook_endpoint", endpoint_id),
        None,
        Some(&serde_json::json!({ "delivery": id, "replay": new_id })),
    )
    .await?;
    let detail = repo::delivery(&mut tx, endpoint_id, new_id).await?;
    tx.commit().await?;
    Ok(detail)
}

/// How many deliveries a range replay queued.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Replayed {
    pub queued: u64,
}

/// Send again every event the endpoint was sent (or, with `failed_only`, failed to receive)
/// from `from` up to `to` (epoch ms), oldest first, at most 10,000. Admins; audited.
pub async fn replay_range(
    app: &App,
    caller: &Caller,
    endpoint_id: i64,
    from: i64,
    to: i64,
    failed_only: bool,
) -> Result<Replayed, AppError> {
    require_admin(caller)?;
    if to <= from {
        return Err(Invalid::field("to", "the end must be after the start").into());
    }
    let now = now_ms();
    let mut tx = app.store.write().await?;
    repo::get(&mut tx, endpoint_id).await.map_err(not_found)?;
    let queued = repo::replay_range(&mut tx, endpoint_id, from, to, failed_only, now).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "webhook_endpoint.replayed",
        ("webhook_endpoint", endpoint_id),
        None,
        Some(&serde_json::json!({
            "from": trainyard_core::time::rfc3339(from),
            "to": trainyard_core::time::rfc3339(to),
            "failed_only": failed_only,
            "queued": queued,
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(Replayed { queued })
}

/// The demo company's endpoint: its CRM, subscribed to sessions and enrollments, turned off (the
/// address is made up), so the pages have something to show. In the seeding transaction.
pub(crate) async fn seed_demo(conn: &mut Conn, caller: &Caller, now: i64) -> Result<(), AppError> {
    let input = EndpointFields {
        url: "https://crm.example.com/hooks/trainyard".into(),
        description: "CRM sync (demo: turn it on with a real address)".into(),
        event_types: "session.* enrollment.* invoice.issued".into(),
        enabled: false,
    }
    .validate()?;
    let id = repo::insert(conn, &input, &new_secret()?, now).await?;
    let endpoint = repo::get(conn, id).await?;
    crate::audit::record(
        conn,
        caller,
        now,
        "webhook_endpoint.created",
        ("webhook_endpoint", id),
        None,
        Some(&endpoint),
    )
    .await
}

/// Makes every waiting endpoint and delivery due now (tests; an operator's "retry now").
pub async fn make_due(app: &App) -> Result<u64, AppError> {
    let mut tx = app.store.write().await?;
    let n = repo::make_due(&mut tx, now_ms()).await?;
    tx.commit().await?;
    Ok(n)
}

// ------------------------------------------------------------------ the workers

/// How the webhook workers pace themselves.
#[derive(Debug, Clone)]
pub struct HookOptions {
    /// Workers per process.
    pub workers: usize,
    /// Endpoints one worker sends to side by side.
    pub endpoints_per_worker: usize,
    /// How long a claim on an endpoint holds.
    pub lease_ms: i64,
    /// The longest one request may take, answer included.
    pub timeout_ms: i64,
    /// Pause between looks for work when there was none.
    pub idle_ms: u64,
    /// Deliveries read per query.
    pub batch: i64,
    /// When an endpoint is turned off.
    pub disable: DisablePolicy,
    /// Certificate authorities trusted beside the Mozilla roots (`--ca-file`).
    pub extra_roots: Vec<rustls::pki_types::CertificateDer<'static>>,
}

impl Default for HookOptions {
    fn default() -> Self {
        Self {
            workers: 2,
            endpoints_per_worker: 8,
            lease_ms: 60_000,
            timeout_ms: 10_000,
            idle_ms: 500,
            batch: 100,
            disable: DisablePolicy::default(),
            extra_roots: Vec::new(),
        }
    }
}

/// Margin between the end of a request and the end of its lease.
const LEASE_MARGIN_MS: i64 = 5_000;

/// The HTTP client and options of a process's webhook workers; cheap to clone.
#[derive(Clone, Debug)]
pub struct Hooks {
    client: reqwest::Client,
    options: HookOptions,
}

impl Hooks {
    pub fn new(options: HookOptions) -> Result<Self, AppError> {
        let client = crate::http::client(&options.extra_roots)?
            .timeout(Duration::from_millis(options.timeout_ms.max(1) as u64))
            .connect_timeout(Duration::from_millis(options.timeout_ms.max(1) as u64))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Trainyard-Webhooks/", env!("CARGO_PKG_VERSION")))
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| AppError::refused(format!("the webhook HTTP client: {e}")))?;
        Ok(Self { client, options })
    }

    pub fn options(&self) -> &HookOptions {
        &self.options
    }
}

/// What a pass or an endpoint's turn did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HookReport {
    pub endpoints: usize,
    pub delivered: usize,
    /// Failed attempts that will be retried.
    pub retrying: usize,
    /// Deliveries given up after their last attempt.
    pub given_up: usize,
    /// Endpoints turned off after a run of failures.
    pub disabled: usize,
}

impl HookReport {
    fn add(&mut self, o: HookReport) {
        self.endpoints += o.endpoints;
        self.delivered += o.delivered;
        self.retrying += o.retrying;
        self.given_up += o.given_up;
        self.disabled += o.disabled;
    }
}

/// Delivers everything that can be delivered now: claims due endpoints (as many as all workers
/// would work at once) and sends their queues, again until no endpoint is due. An endpoint that
/// fails waits for its retry and is not due again in this pass. For `trainyard worker --once`
/// and tests.
pub async fn deliver_pending(
    app: &App,
    hooks: &Hooks,
    worker: &str,
) -> Result<HookReport, AppError> {
    let mut total = HookReport::default();
    let stop = Arc::new(AtomicBool::new(false));
    let slots = (hooks.options.workers * hooks.options.endpoints_per_worker).max(1) as i64;
    loop {
        let now = now_ms();
        let claimed =
            repo::claim_endpoints(&app.store, worker, now, now + hooks.options.lease_ms, slots)
                .await?;
        if claimed.is_empty() {
            return Ok(total);
        }
        let mut set = tokio::task::JoinSet::new();
        for ep in claimed {
            set.spawn(serve_endpoint(
                app.clone(),
                hooks.clone(),
                ep,
                worker.to_owned(),
                now,
                stop.clone(),
            ));
        }
        while let Some(r) = set.join_next().await {
            if let Ok(r) = r {
                total.add(r);
            }
        }
    }
}

/// Runs the process's webhook workers until `shutdown` resolves; each finishes the request in
/// flight, records it and gives its endpoints back.
pub async fn run(
    app: App,
    hooks: Hooks,
    worker_id: String,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, rx) = tokio::sync::watch::channel(false);
    let mut workers = Vec::new();
    for n in 0..hooks.options.workers.max(1) {
        workers.push(tokio::spawn(worker_loop(
            app.clone(),
            hooks.clone(),
            format!("{worker_id}-hook{n}"),
            stop.clone(),
            rx.clone(),
        )));
    }
    shutdown.await;
    stop.store(true, Ordering::SeqCst);
    let _ = tx.send(true);
    for w in workers {
        let _ = w.await;
    }
}

async fn worker_loop(
    app: App,
    hooks: Hooks,
    worker: String,
    stop: Arc<AtomicBool>,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    let per_worker = hooks.options.endpoints_per_worker.max(1);
    let idle = Duration::from_millis(hooks.options.idle_ms.max(10));
    let mut set: tokio::task::JoinSet<HookReport> = tokio::task::JoinSet::new();
    while !stop.load(Ordering::SeqCst) {
        let free = per_worker.saturating_sub(set.len());
        if free > 0 {
            let now = now_ms();
            match repo::claim_endpoints(
                &app.store,
                &worker,
                now,
                now + hooks.options.lease_ms,
                free as i64,
            )
            .await
            {
                Ok(claimed) => {
                    for ep in claimed {
                        set.spawn(serve_endpoint(
                            app.clone(),
                            hooks.clone(),
                            ep,
                            worker.clone(),
                            now,
                            stop.clone(),
                        ));
                    }
                }
                Err(e) => tracing::warn!(error = %e, "claiming webhook endpoints failed"),
            }
        }
        if set.is_empty() {
            tokio::select! {
                _ = stopped.changed() => {}
                _ = tokio::time::sleep(idle) => {}
            }
        } else {
            tokio::select! {
                _ = stopped.changed() => {}
                _ = set.join_next() => {}
                _ = tokio::time::sleep(idle) => {}
            }
        }
    }
    while set.join_next().await.is_some() {}
}

/// What sending one delivery came to.
struct Sent {
    status_code: Option<i64>,
    duration_ms: i64,
    error: Option<String>,
    response: Option<String>,
    ok: bool,
    /// Sending it again cannot succeed (an LRS refusing the statement as invalid): given up at
    /// once, so that it does not hold back the statements after it.
    permanent: bool,
}

async fn send(hooks: &Hooks, ep: &Claimed, d: &Due) -> Sent {
    let now = now_ms();
    let started = Instant::now();
    let request = if ep.kind == crate::xapi::KIND {
        // A statement to the Learning Record Store: PUT with its id, so that the LRS, which
        // keeps one statement per id, takes a retry as the same statement.
        crate::xapi::statement_request(&hooks.client, ep, &d.message_id, &d.payload)
    } else {
        let ts = now.div_euclid(1000);
        let signature = signature_header(ep, &d.message_id, ts, &d.payload, now);
        hooks
            .client
            .post(&ep.url)
            .header("content-type", "application/json")
            .header("webhook-id", &d.message_id)
            .header("webhook-timestamp", ts.to_string())
            .header("webhook-signature", signature)
            .body(d.payload.clone())
    };
    let result = request.send().await;
    match result {
        Ok(mut resp) => {
            let status = resp.status();
            // The start of the answer, for the log; never more than a few hundred bytes read.
            let mut body = Vec::new();
            while body.len() < 500 {
                match resp.chunk().await {
                    Ok(Some(c)) => body.extend_from_slice(&c),
                    _ => break,
                }
            }
            body.truncate(500);
            let text = String::from_utf8_lossy(&body).into_owned();
            // An LRS answers 409 when it holds a statement with this id already: the event was
            // stated before (its id is derived from it), and sending again cannot change that.
            let held = ep.kind == crate::xapi::KIND && status.as_u16() == 409;
            let ok = status.is_success() || held;
            let permanent = ep.kind == crate::xapi::KIND && status.as_u16() == 400;
            Sent {
                status_code: Some(i64::from(status.as_u16())),
                duration_ms: started.elapsed().as_millis() as i64,
                error: if held {
                    Some("the LRS holds a statement with this id already".to_owned())
                } else {
                    (!ok).then(|| format!("the endpoint answered {status}"))
                },
                response: (!text.is_empty()).then_some(text),
                ok,
                permanent,
            }
        }
        Err(e) => Sent {
            status_code: None,
            duration_ms: started.elapsed().as_millis() as i64,
            error: Some(if e.is_timeout() {
                format!(
                    "no answer within {} s (time-out)",
                    hooks.options.timeout_ms / 1000
                )
            } else if e.is_connect() {
                format!("could not connect: {}", error_chain(&e))
            } else {
                error_chain(&e)
            }),
            response: None,
            ok: false,
            permanent: false,
        },
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// Sends a claimed endpoint's queue in order while the lease allows, then gives it back.
async fn serve_endpoint(
    app: App,
    hooks: Hooks,
    ep: Claimed,
    worker: String,
    claimed_at: i64,
    stop: Arc<AtomicBool>,
) -> HookReport {
    let mut report = HookReport {
        endpoints: 1,
        ..HookReport::default()
    };
    if let Err(e) = serve_queue(&app, &hooks, &ep, claimed_at, &stop, &mut report).await {
        tracing::warn!(endpoint = ep.id, error = %e, "webhook delivery stopped");
    }
    match app.store.write().await {
        Ok(mut tx) => {
            if repo::release(&mut tx, ep.id, &worker, now_ms())
                .await
                .is_ok()
            {
                let _ = tx.commit().await;
            }
        }
        Err(e) => tracing::warn!(endpoint = ep.id, error = %e, "releasing a webhook endpoint"),
    }
    report
}

/// One attempt's outcome, waiting to be recorded.
struct Outcome {
    delivery_id: i64,
    at: i64,
    sent: Sent,
    retry_at: Option<i64>,
}

/// Successes are recorded together, at most this many or this long after the first, so that a
/// fast receiver is not held to one commit per event. A crash before the record sends them again
/// (the receiver de-duplicates by `webhook-id`), as a crash between answer and record always could.
const RECORD_BATCH: usize = 50;
const RECORD_EVERY_MS: i64 = 250;

async fn serve_queue(
    app: &App,
    hooks: &Hooks,
    ep: &Claimed,
    claimed_at: i64,
    stop: &AtomicBool,
    report: &mut HookReport,
) -> Result<(), AppError> {
    let o = &hooks.options;
    let deadline = claimed_at + o.lease_ms - o.timeout_ms - LEASE_MARGIN_MS;
    let mut unrecorded: Vec<Outcome> = Vec::new();
    let result = async {
        loop {
            // Recorded before reading the queue again, so nothing sent is read as pending.
            if record(app, ep, &mut unrecorded, o, report).await? {
                return Ok(());
            }
            let due = {
                let mut conn = app.store.read().await?;
                repo::queue(&mut conn, ep.id, o.batch.max(1)).await?
            };
            if due.is_empty() {
                return Ok(());
            }
            for d in &due {
                if stop.load(Ordering::SeqCst) || now_ms() > deadline {
                    return Ok(());
                }
                let sent = send(hooks, ep, d).await;
                let at = now_ms();
                let retry_at = if sent.ok || sent.permanent {
                    None
                } else {
                    rules::retry_after_ms(d.attempts + 1).map(|wait| at + wait)
                };
                let ok = sent.ok;
                unrecorded.push(Outcome {
                    delivery_id: d.id,
                    at,
                    sent,
                    retry_at,
                });
                let first = unrecorded.first().map_or(at, |u| u.at);
                if !ok || unrecorded.len() >= RECORD_BATCH || at - first >= RECORD_EVERY_MS {
                    let disabled = record(app, ep, &mut unrecorded, o, report).await?;
                    if disabled || (!ok && retry_at.is_some()) {
                        // Turned off, or the endpoint waits: nothing after this one may overtake it.
                        return Ok(());
                    }
                }
            }
        }
    }
    .await;
    // Whatever happened, what was sent is recorded.
    let recorded = record(app, ep, &mut unrecorded, o, report).await;
    result.and(recorded.map(|_| ()))
}

/// Records `outcomes` in one transaction (attempts, deliveries, the endpoint's failure run) and
/// turns the endpoint off when a failure completes a run. Returns whether it was turned off.
async fn record(
    app: &App,
    ep: &Claimed,
    outcomes: &mut Vec<Outcome>,
    o: &HookOptions,
    report: &mut HookReport,
) -> Result<bool, AppError> {
    if outcomes.is_empty() {
        return Ok(false);
    }
    let mut tx = app.store.write().await?;
    let mut disabled = false;
    for u in outcomes.iter() {
        let run = repo::record_attempt(
            &mut tx,
            &repo::AttemptRecord {
                delivery_id: u.delivery_id,
                endpoint_id: ep.id,
                at: u.at,
                status_code: u.sent.status_code,
                duration_ms: u.sent.duration_ms,
                error: u.sent.error.as_deref(),
                response: u.sent.response.as_deref(),
                ok: u.sent.ok,
                retry_at: u.retry_at,
            },
        )
        .await?;
        if !u.sent.ok
            && !disabled
            && o.disable.should_disable(
                run.consecutive_failures,
                run.failing_since.unwrap_or(u.at),
                u.at,
            )
        {
            disabled =
                disable_endpoint(&mut tx, ep, run.consecutive_failures, &u.sent, u.at, app).await?;
        }
    }
    tx.commit().await?;
    for u in outcomes.drain(..) {
        match (u.sent.ok, u.retry_at.is_some()) {
            (true, _) => report.delivered += 1,
            (false, true) => report.retrying += 1,
            (false, false) => report.given_up += 1,
        }
    }
    if disabled {
        report.disabled += 1;
    }
    Ok(disabled)
}

/// Turns the endpoint off after a run of failures, audits it and e-mails every admin, in the
/// attempt's transaction. False if it was already off.
async fn disable_endpoint(
    tx: &mut Conn,
    ep: &Claimed,
    failures: i64,
    last: &Sent,
    now: i64,
    app: &App,
) -> Result<bool, AppError> {
    let reason = format!(
        "turned off after {failures} failed attempts in a row; the last: {}",
        last.error.as_deref().unwrap_or("no answer")
    );
    if !repo::disable(tx, ep.id, &reason, now).await? {
        return Ok(false);
    }
    let lrs = ep.kind == crate::xapi::KIND;
    if lrs {
        let after = trainyard_store::xapi::lrs(tx).await?;
        crate::audit::record(
            tx,
            &Caller::system(),
            now,
            "lrs.disabled",
            ("lrs", ep.id),
            None,
            after.as_ref(),
        )
        .await?;
    } else {
        let after = repo::get(tx, ep.id).await?;
        crate::audit::record(
            tx,
            &Caller::system(),
            now,
            "webhook_endpoint.disabled",
            ("webhook_endpoint", ep.id),
            None,
            Some(&after),
        )
        .await?;
    }
    let link = if lrs {
        app.link("/admin/lrs")
    } else {
        app.link(&format!("/admin/webhooks/{}", ep.id))
    };
    let subject = if lrs {
        format!("Learning Record Store turned off: {}", ep.url)
    } else {
        format!("Webhook endpoint turned off: {}", ep.url)
    };
    let body = format!(
        "Trainyard turned off the webhook endpoint\n\n    {url}\n\nafter {failures} failed delivery \
         attempts in a row. The last attempt: {why}.\n\nEvents are no longer queued for it. Once the \
         receiver works again, turn the endpoint back on and replay what it missed:\n\n    {link}\n",
        url = ep.url,
        why = last.error.as_deref().unwrap_or("no answer"),
    );
    for to in trainyard_store::audit::admin_addresses(tx).await? {
        let key = format!("webhook-disabled-{}-{now}-{to}", ep.id);
        trainyard_store::outbox::enqueue(
            tx,
            &trainyard_store::outbox::NewMessage {
                kind: "webhook_disabled",
                recipient: &to,
                subject: &subject,
                body: &body,
                entity_type: "webhook_endpoint",
                entity_id: ep.id,
                idempotency_key: &key,
            },
            now,
        )
        .await?;
    }
    Ok(true)
}

/// The id a worker of this process signs its claims with.
pub fn worker_id(role: &str) -> String {
    crate::delivery::worker_id(role)
}

/// Queues `n` synthetic `session.updated` events for `endpoints` (the webhook benchmark), in
/// transactions of 500. Returns the ids of the deliveries' events in order.
pub async fn queue_bench_events(app: &App, endpoints: &[i64], n: usize) -> Result<(), AppError> {
    let mut done = 0;
    while done < n {
        let mut tx = app.store.write().await?;
        let upto = (done + 500).min(n);
        for i in done..upto {
            publish(
                &mut tx,
                now_ms(),
                "session.updated",
                serde_json::json!({ "object": "session", "id": i, "action": "updated", "seq": i }),
                endpoints,
            )
            .await?;
        }
        tx.commit().await?;
        done = upto;
    }
    Ok(())
}

/// Creates an endpoint for the benchmark (system caller) and returns its id and secret.
pub async fn bench_endpoint(app: &App, url: &str) -> Result<(i64, String), AppError> {
    let created = create_endpoint(
        app,
        &Caller::system(),
        &EndpointFields {
            url: url.to_owned(),
            description: "trainyard bench webhooks".into(),
            event_types: "session.updated".into(),
            enabled: true,
        },
    )
    .await?;
    Ok((created.endpoint.id, created.secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_the_standard_webhooks_example() {
        // The specification's test vector (standard-webhooks/libraries, "sign" test).
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let sig = sign(
            secret,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(
            sig.as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
    }
}
