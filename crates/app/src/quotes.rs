//! Quotes: finance offers a client courses × sessions × price as a draft, sends it (a PDF e-mailed
//! to the client's contacts), and the client's contact accepts or declines it in their portal. An
//! accepted quote becomes a program of the client with one draft session per quoted session, in
//! the accepting transaction, ready for the planner. A sent quote left unanswered past its last
//! valid day is expired (read as such at once, recorded by [`expire_due`]).
//!
//! Who: finance, managers and admins write and send quotes (they carry prices, which DESIGN.md
//! gives to finance; coordinators plan what an accepted quote creates). A client contact reads
//! their own client's sent quotes and answers them; nobody else sees any.

use crate::error::About;
use crate::invoicing::TaxBandView;
use crate::{App, AppError, Caller, now_ms};
use chrono::{Datelike, Duration, NaiveDate};
use trainyard_core::invoice;
use trainyard_core::money::{Currency, Money};
use trainyard_core::quote::{self as rules, Pricing, QuoteLine, QuoteLineFields};
use trainyard_core::records::{PartFields, ProgramFields, SessionFields};
use trainyard_core::status::{DeliveryMode, QuoteEvent, QuoteStatus, SessionStatus};
use trainyard_core::{Invalid, Role};
use trainyard_store::quotes::{
    self as repo, DraftHead, Quote, QuoteEventRow, QuoteFilter, QuoteLineView,
};
use trainyard_store::{Conn, Page, clients, courses, programs, sessions, users, venues};

/// The outbox kind of the e-mail that sends a quote to the client's contacts; the delivery worker
/// attaches its PDF.
pub const SENT_MESSAGE: &str = "quote_sent";

/// Days a new quote stays valid unless told otherwise.
pub const DEFAULT_VALID_DAYS: i64 = 30;

/// A quote with everything on it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct QuoteDetail {
    #[serde(flatten)]
    pub quote: Quote,
    pub lines: Vec<QuoteLineView>,
    /// Net and tax per tax rate.
    pub tax_bands: Vec<TaxBandView>,
    /// Each step of the quote, oldest first.
    pub history: Vec<QuoteEventRow>,
}

/// A new quote as typed.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct QuoteFields {
    /// The client offered (required).
    pub client_id: Option<i64>,
    /// What the offer is called, e.g. "Leadership programme 2027" (required).
    pub title: String,
    /// ISO 4217 code; defaults to the client's currency.
    pub currency: String,
    /// The last day the client may accept, YYYY-MM-DD (default: in 30 days).
    #[schema(format = Date)]
    pub valid_until: Option<String>,
    /// Any day of the week the client would like to start, YYYY-MM-DD (kept as its Monday).
    #[schema(format = Date)]
    pub start_week: Option<String>,
    pub notes: String,
    pub lines: Vec<QuoteLineFields>,
}

/// A draft's changes: members left out keep their value (`start_week: ""` clears it).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct QuotePatch {
    pub title: Option<String>,
    #[schema(format = Date)]
    pub valid_until: Option<String>,
    #[schema(format = Date)]
    pub start_week: Option<String>,
    pub notes: Option<String>,
    /// The complete new lines (they replace the old ones).
    pub lines: Option<Vec<QuoteLineFields>>,
}

fn require_finance(caller: &Caller, what: &str) -> Result<(), AppError> {
    caller.require(caller.sees_finance(), what)
}

fn is_contact_of(caller: &Caller, client_id: i64) -> bool {
    caller.role == Role::ClientContact && caller.client_id == Some(client_id)
}

/// Today in the caller's time zone, as YYYY-MM-DD.
fn today(caller: &Caller) -> NaiveDate {
    crate::invoicing::today(caller)
}

/// The Monday of `day`'s week.
fn monday_of(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

/// Quotes matching `f` (a client contact: only their own, sent ones). A sent quote past its
/// validity reads as expired.
pub async fn list(app: &App, caller: &Caller, mut f: QuoteFilter) -> Result<Page<Quote>, AppError> {
    if !caller.sees_finance() {
        match (caller.role, caller.client_id) {
            (Role::ClientContact, Some(client)) => {
                f.client_id = Some(client);
                f.sent_only = true;
            }
            _ => return Err(AppError::Forbidden("see quotes".into())),
        }
    }
    let mut conn = app.store.read().await?;
    let day = today(caller).to_string();
    Ok(repo::list(&mut conn, &f).await?.map(|mut q| {
        q.status = q.status.as_of(&q.valid_until, &day);
        q
    }))
}

async fn detail(conn: &mut Conn, id: i64, day: &str) -> Result<QuoteDetail, AppError> {
    let mut quote = repo::get(conn, id).await.about("quote")?;
    quote.status = quote.status.as_of(&quote.valid_until, day);
    let currency = quote.gross.currency;
    let lines = repo::lines(conn, id, currency).await?;
    let only: Vec<QuoteLine> = lines.iter().map(|l| l.line.clone()).collect();
    let tax_bands = rules::totals(&only, currency)
        .bands
        .into_iter()
        .map(|b| TaxBandView {
            rate: invoice::rate_string(b.rate),
            net: Money::new(b.net_minor, currency),
            tax: Money::new(b.tax_minor, currency),
        })
        .collect();
    Ok(QuoteDetail {
        history: repo::events(conn, id).await?,
        quote,
        lines,
        tax_bands,
    })
}

/// One quote with its lines, tax per rate and history.
pub async fn get(app: &App, caller: &Caller, id: i64) -> Result<QuoteDetail, AppError> {
    if !caller.sees_finance() && caller.role != Role::ClientContact {
        return Err(AppError::Forbidden("see quotes".into()));
    }
    let mut conn = app.store.read().await?;
    let d = detail(&mut conn, id, &today(caller).to_string()).await?;
    let own_sent = is_contact_of(caller, d.quote.client_id) && d.quote.status != QuoteStatus::Draft;
    if !(caller.sees_finance() || own_sent) {
        // Not 403: whether another client's quote exists is itself private.
        return Err(AppError::NotFound("quote"));
    }
    Ok(d)
}

/// A date typed as YYYY-MM-DD.
fn date(inv: &mut Invalid, field: &str, raw: &str) -> Option<NaiveDate> {
    inv.check(
        field,
        NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| {
            format!(
                "'{}' is not a date (expected YYYY-MM-DD)",
                raw.trim().chars().take(20).collect::<String>()
            )
        }),
    )
}

/// The head of a draft as checked.
struct Head {
    title: String,
    valid_until: NaiveDate,
    start_week: Option<NaiveDate>,
    notes: String,
}

fn check_head(
    inv: &mut Invalid,
    (title, valid_until, start_week, notes): (&str, &str, &str, &str),
    today: NaiveDate,
) -> Option<Head> {
    let title = inv.check("title", trainyard_core::invalid::text::required(title, 200));
    let valid = date(inv, "valid_until", valid_until);
    if let Some(v) = valid
        && v < today
    {
        inv.add(
            "valid_until",
            format!("must not be in the past (today is {today})"),
        );
    }
    let start = if start_week.trim().is_empty() {
        Some(None)
    } else {
        date(inv, "start_week", start_week).map(|d| Some(monday_of(d)))
    };
    if notes.chars().count() > 2000 {
        inv.add("notes", "must be at most 2000 characters");
    }
    match (title, valid, start) {
        (Some(title), Some(valid_until), Some(start_week)) => Some(Head {
            title,
            valid_until,
            start_week,
            notes: notes.trim().to_owned(),
        }),
        _ => None,
    }
}

/// Checks typed lines, their courses (each must exist and be active) and fills an empty
/// description with the course's title.
async fn check_lines(
    conn: &mut Conn,
    inv: &mut Invalid,
    fields: &[QuoteLineFields],
    currency: Currency,
) -> Result<Option<Vec<QuoteLine>>, AppError> {
    let mut lines = match rules::validate_lines(fields, currency) {
        Ok(lines) => lines,
        Err(e) => {
            inv.errors.extend(e.errors);
            return Ok(None);
        }
    };
    // Positions as typed (blank form rows are skipped), so an error names the right line.
    let typed: Vec<usize> = fields
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            f.course_id.is_some()
                || !f.description.trim().is_empty()
                || !f.unit_price.trim().is_empty()
                || !f.sessions.trim().is_empty()
        })
        .map(|(i, _)| i)
        .collect();
    let mut ok = true;
    for (k, line) in lines.iter_mut().enumerate() {
        let at = typed.get(k).copied().unwrap_or(k);
        match courses::get(conn, line.course_id).await {
            Ok(c) if c.archived_at.is_none() => {
                if line.description.is_empty() {
                    line.description = c.title;
                }
            }
            Ok(c) => {
                ok = false;
                inv.add(
                    &format!("lines[{at}].course_id"),
                    format!(
                        "course {} is archived: restore it or choose another",
                        c.code
                    ),
                );
            }
            Err(trainyard_store::StoreError::NotFound) => {
                ok = false;
                inv.add(
                    &format!("lines[{at}].course_id"),
                    format!("there is no course #{}", line.course_id),
                );
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(ok.then_some(lines))
}

/// Writes a new draft quote; it takes its number (`Q-2027-0001`) at once.
pub async fn create_draft(
    app: &App,
    caller: &Caller,
    f: &QuoteFields,
) -> Result<QuoteDetail, AppError> {
    let mut tx = app.store.write().await?;
    let after = create_draft_in(&mut tx, caller, f, now_ms(), today(caller)).await?;
    tx.commit().await?;
    Ok(after)
}

/// [`create_draft`] inside the caller's transaction (the demo seeder's).
pub(crate) async fn create_draft_in(
    tx: &mut Conn,
    caller: &Caller,
    f: &QuoteFields,
    now: i64,
    today: NaiveDate,
) -> Result<QuoteDetail, AppError> {
    require_finance(caller, "write quotes")?;
    let mut inv = Invalid::new();
    let client = match f.client_id {
        None => {
            inv.add("client_id", "choose the client the quote is for");
            None
        }
        Some(id) => match clients::get(&mut *tx, id).await {
            Ok(c) if c.archived_at.is_some() => {
                inv.add(
                    "client_id",
                    format!("client {} is archived: restore it first", c.name),
                );
                None
            }
            Ok(c) => Some(c),
            Err(trainyard_store::StoreError::NotFound) => {
                inv.add("client_id", format!("there is no client #{id}"));
                None
            }
            Err(e) => return Err(e.into()),
        },
    };
    let currency = if f.currency.trim().is_empty() {
        client.as_ref().map(|c| c.currency)
    } else {
        inv.check(
            "currency",
            trainyard_core::pricing::known_currency(&f.currency),
        )
    };
    let default_valid = (today + Duration::days(DEFAULT_VALID_DAYS)).to_string();
    let head = check_head(
        &mut inv,
        (
            &f.title,
            f.valid_until
                .as_deref()
                .filter(|v| !v.trim().is_empty())
                .unwrap_or(&default_valid),
            f.start_week.as_deref().unwrap_or(""),
            &f.notes,
        ),
        today,
    );
    let lines = match currency {
        Some(c) => check_lines(&mut *tx, &mut inv, &f.lines, c).await?,
        None => None,
    };
    let (Some(client), Some(currency), Some(head), Some(lines)) = (client, currency, head, lines)
    else {
        return Err(inv.into());
    };
    inv.or_ok(())?;
    let number = repo::take_number(&mut *tx, today.year()).await?;
    let (valid, start) = (
        head.valid_until.to_string(),
        head.start_week.map(|d| d.to_string()),
    );
    let draft_head = DraftHead {
        title: &head.title,
        valid_until: &valid,
        start_week: start.as_deref(),
        notes: &head.notes,
    };
    let id = repo::insert(&mut *tx, &number, client.id, currency, &draft_head, now)
        .await
        .about("quote")?;
    repo::write_draft(&mut *tx, id, 1, currency, &draft_head, &lines, now).await?;
    repo::add_event(
        &mut *tx,
        id,
        QuoteStatus::Draft,
        "",
        &caller.actor().label,
        now,
    )
    .await?;
    let after = detail(&mut *tx, id, &today.to_string()).await?;
    crate::audit::record(
        &mut *tx,
        caller,
        now,
        "quote.drafted",
        ("quote", id),
        None,
        Some(&after),
    )
    .await?;
    Ok(after)
}

/// Changes a draft read at `version`; a sent quote never changes (409).
pub async fn update_draft(
    app: &App,
    caller: &Caller,
    id: i64,
    version: i64,
    p: &QuotePatch,
) -> Result<QuoteDetail, AppError> {
    require_finance(caller, "change quotes")?;
    let now = now_ms();
    let day = today(caller);
    let mut tx = app.store.write().await?;
    let before = detail(&mut tx, id, &day.to_string()).await?;
    before.quote.status.editable()?;
    if before.quote.version != version {
        return Err(AppError::Stale("quote"));
    }
    let q = &before.quote;
    let mut inv = Invalid::new();
    let head = check_head(
        &mut inv,
        (
            p.title.as_deref().unwrap_or(&q.title),
            p.valid_until.as_deref().unwrap_or(&q.valid_until),
            p.start_week
                .as_deref()
                .or(q.start_week.as_deref())
                .unwrap_or(""),
            p.notes.as_deref().unwrap_or(&q.notes),
        ),
        day,
    );
    let currency = q.gross.currency;
    let lines = match &p.lines {
        Some(fields) => check_lines(&mut tx, &mut inv, fields, currency).await?,
        None => Some(before.lines.iter().map(|l| l.line.clone()).collect()),
    };
    let (Some(head), Some(lines)) = (head, lines) else {
        return Err(inv.into());
    };
    inv.or_ok(())?;
    let (valid, start) = (
        head.valid_until.to_string(),
        head.start_week.map(|d| d.to_string()),
    );
    repo::write_draft(
        &mut tx,
        id,
        version,
        currency,
        &DraftHead {
            title: &head.title,
            valid_until: &valid,
            start_week: start.as_deref(),
            notes: &head.notes,
        },
        &lines,
        now,
    )
    .await
    .about("quote")?;
    let after = detail(&mut tx, id, &day.to_string()).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "quote.draft_changed",
        ("quote", id),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Sends a draft read at `version`: from now on it never changes, and its PDF is e-mailed to the
/// client's contacts (queued in this transaction, so it goes out once, only if the send commits).
pub async fn send(
    app: &App,
    caller: &Caller,
    id: i64,
    version: i64,
) -> Result<QuoteDetail, AppError> {
    let mut tx = app.store.write().await?;
    let after = send_in(app, &mut tx, caller, id, version, now_ms(), today(caller)).await?;
    tx.commit().await?;
    Ok(after)
}

/// [`send`] inside the caller's transaction (the demo seeder's).
pub(crate) async fn send_in(
    app: &App,
    tx: &mut Conn,
    caller: &Caller,
    id: i64,
    version: i64,
    now: i64,
    day: NaiveDate,
) -> Result<QuoteDetail, AppError> {
    require_finance(caller, "send quotes")?;
    let before = detail(&mut *tx, id, &day.to_string()).await?;
    before.quote.status.transition(QuoteEvent::Send)?;
    if before.quote.version != version {
        return Err(AppError::Stale("quote"));
    }
    if before.quote.valid_until < day.to_string() {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-quote-valid-until",
            "This quote was valid until {day}: change the date before sending it.",
            day = before.quote.valid_until
        )));
    }
    if before.lines.is_empty() {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-quote-no-lines",
            "This quote has no lines: add what is offered before sending it."
        )));
    }
    if !repo::move_status(
        &mut *tx,
        id,
        QuoteStatus::Draft,
        QuoteStatus::Sent,
        (Some(&day.to_string()), ""),
        now,
    )
    .await?
    {
        return Err(AppError::Stale("quote"));
    }
    repo::add_event(
        &mut *tx,
        id,
        QuoteStatus::Sent,
        "",
        &caller.actor().label,
        now,
    )
    .await?;
    let after = detail(&mut *tx, id, &day.to_string()).await?;
    queue_mail(app, &mut *tx, &after.quote, now).await?;
    crate::audit::record(
        &mut *tx,
        caller,
        now,
        "quote.sent",
        ("quote", id),
        Some(&before.quote),
        Some(&after.quote),
    )
    .await?;
    Ok(after)
}

/// Who receives a sent quote: the client's contacts with an account, else its billing address.
async fn recipients(conn: &mut Conn, client: &clients::Client) -> Result<Vec<String>, AppError> {
    let mut to: Vec<String> = users::linked_to(conn, users::LinkColumn::Client, client.id)
        .await?
        .into_iter()
        .filter(|u| u.role == Role::ClientContact && u.archived_at.is_none())
        .map(|u| u.email)
        .collect();
    if to.is_empty() && !client.billing_email.trim().is_empty() {
        to.push(client.billing_email.trim().to_owned());
    }
    Ok(to)
}

async fn queue_mail(app: &App, tx: &mut Conn, q: &Quote, now: i64) -> Result<(), AppError> {
    let client = clients::get(&mut *tx, q.client_id).await.about("client")?;
    let settings = trainyard_store::templates::settings(&mut *tx).await?;
    let company = match settings.company_name.trim() {
        "" => "Trainyard",
        name => name,
    };
    let subject = format!("Quote {} from {company}: {}", q.number, q.title);
    let body = format!(
        "Hello,\n\nplease find attached our quote {} \"{}\" for {} (net {}).\nIt is valid until {}. To accept or decline it, open Quotes in your portal: {}\n\nKind regards,\n{company}\n",
        q.number,
        q.title,
        q.gross,
        q.net,
        q.valid_until,
        app.link(&format!("/quotes/{}", q.id)),
    );
    for to in recipients(&mut *tx, &client).await? {
        trainyard_store::outbox::enqueue(
            &mut *tx,
            &trainyard_store::outbox::NewMessage {
                kind: SENT_MESSAGE,
                recipient: &to,
                subject: &subject,
                body: &body,
                entity_type: "quote",
                entity_id: q.id,
                idempotency_key: &format!("quote:{}:sent:{}", q.id, to.to_lowercase()),
            },
            now,
        )
        .await?;
    }
    Ok(())
}

/// What accepting a quote created.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Acceptance {
    #[serde(flatten)]
    pub quote: QuoteDetail,
    /// The new program.
    pub program_id: i64,
    /// Its draft sessions, one per quoted session.
    pub session_ids: Vec<i64>,
}

/// Accepts a sent quote read at `version`, as the contact of its client: the quote is accepted
/// and a program of the client with one draft session per quoted session is created, all in one
/// transaction. Of concurrent answers exactly one wins; the others are told it was answered.
pub async fn accept(
    app: &App,
    caller: &Caller,
    id: i64,
    version: i64,
) -> Result<Acceptance, AppError> {
    let mut tx = app.store.write().await?;
    let after = accept_in(&mut tx, caller, id, version, now_ms(), today(caller)).await?;
    tx.commit().await?;
    Ok(after)
}

/// Who may answer a quote: the contact of its client, and only once it was sent.
async fn answerable(
    tx: &mut Conn,
    caller: &Caller,
    id: i64,
    version: i64,
    event: QuoteEvent,
    day: NaiveDate,
) -> Result<QuoteDetail, AppError> {
    if caller.role != Role::ClientContact {
        return Err(AppError::Forbidden(
            "answer quotes (the client's contact accepts or declines them)".into(),
        ));
    }
    let before = detail(&mut *tx, id, &day.to_string()).await?;
    if !is_contact_of(caller, before.quote.client_id) || before.quote.status == QuoteStatus::Draft {
        return Err(AppError::NotFound("quote"));
    }
    if before.quote.status == QuoteStatus::Expired {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-quote-expired-on",
            "This quote expired on {day}: ask us for a new one.",
            day = before.quote.valid_until
        )));
    }
    before.quote.status.transition(event)?;
    if before.quote.version != version {
        return Err(AppError::Stale("quote"));
    }
    Ok(before)
}

pub(crate) async fn accept_in(
    tx: &mut Conn,
    caller: &Caller,
    id: i64,
    version: i64,
    now: i64,
    day: NaiveDate,
) -> Result<Acceptance, AppError> {
    let before = answerable(&mut *tx, caller, id, version, QuoteEvent::Accept, day).await?;
    // The first write: a concurrent answer queues here and then finds the quote answered.
    if !repo::move_status(
        &mut *tx,
        id,
        QuoteStatus::Sent,
        QuoteStatus::Accepted,
        (None, ""),
        now,
    )
    .await?
    {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-quote-answered-meanwhile",
            "This quote was answered meanwhile: reload to see its status."
        )));
    }
    let (program_id, session_ids) = create_program(&mut *tx, caller, &before, now, day).await?;
    repo::set_program(&mut *tx, id, program_id).await?;
    repo::add_event(
        &mut *tx,
        id,
        QuoteStatus::Accepted,
        &format!(
            "program #{program_id} with {} draft sessions",
            session_ids.len()
        ),
        &caller.actor().label,
        now,
    )
    .await?;
    let after = detail(&mut *tx, id, &day.to_string()).await?;
    crate::audit::record(
        &mut *tx,
        caller,
        now,
        "quote.accepted",
        ("quote", id),
        Some(&before.quote),
        Some(&after.quote),
    )
    .await?;
    Ok(Acceptance {
        quote: after,
        program_id,
        session_ids,
    })
}

/// The program of an accepted quote and its draft sessions: session `k` (counted over all lines)
/// is placed in week `k` from the requested start week (else the Monday two weeks out), on the
/// course's consecutive days from 09:00, as a placeholder the planner replaces.
async fn create_program(
    tx: &mut Conn,
    caller: &Caller,
    d: &QuoteDetail,
    now: i64,
    day: NaiveDate,
) -> Result<(i64, Vec<i64>), AppError> {
    let q = &d.quote;
    let client = clients::get(&mut *tx, q.client_id).await.about("client")?;
    let first_week = match q.start_week.as_deref() {
        Some(w) => NaiveDate::parse_from_str(w, "%Y-%m-%d").unwrap_or(day),
        None => monday_of(day + Duration::days(14)),
    };
    let name: String = format!("{} ({})", q.title, q.number)
        .chars()
        .take(200)
        .collect();
    let program = ProgramFields {
        client_id: q.client_id.to_string(),
        name,
        budget: q.net.amount_string(),
        currency: q.net.currency.to_string(),
        starts_on: first_week.to_string(),
        ends_on: String::new(),
    }
    .validate()?;
    let program_id = programs::insert(&mut *tx, &program, now)
        .await
        .about("program")?;
    let program_row = programs::get(&mut *tx, program_id).await?;
    crate::audit::record(
        &mut *tx,
        caller,
        now,
        "program.created",
        ("program", program_id),
        None,
        Some(&program_row),
    )
    .await?;
    let mut venue: Option<Option<i64>> = None;
    let mut ids = Vec::new();
    let mut k = 0i64;
    for l in &d.lines {
        let course = courses::get(&mut *tx, l.course_id).await.about("course")?;
        let mode = [DeliveryMode::Vilt, DeliveryMode::Blended]
            .into_iter()
            .find(|m| course.delivery_modes.contains(m))
            .unwrap_or(DeliveryMode::Ilt);
        let venue_id = if mode == DeliveryMode::Ilt {
            if venue.is_none() {
                let mut vf = venues::VenueFilter::default();
                vf.list.per_page = 1;
                venue = Some(
                    venues::list(&mut *tx, &vf)
                        .await?
                        .items
                        .first()
                        .map(|v| v.id),
                );
            }
            match venue.flatten() {
                Some(v) => v.to_string(),
                None => {
                    return Err(AppError::Refused(trainyard_core::refusal!(
                        "refused-quote-no-venue",
                        "A classroom course needs a venue, and there is none yet: add a venue first."
                    )));
                }
            }
        } else {
            String::new()
        };
        let capacity = match l.pricing {
            Pricing::PerSeat => l.seats,
            Pricing::PerSession => course.max_learners.max(l.seats),
        }
        .clamp(1, 10_000);
        let seat_price = match l.pricing {
            Pricing::PerSeat => Money::new(l.line.unit_minor, q.gross.currency),
            Pricing::PerSession => Money::new(0, q.gross.currency),
        };
        let days = course.duration_days.clamp(1, 5);
        let hours = course.hours_per_day.clamp(1, 10);
        for n in 0..l.sessions {
            let monday = first_week + Duration::days(7 * k);
            let parts = (0..days)
                .map(|dd| {
                    let date = monday + Duration::days(dd);
                    PartFields {
                        starts: format!("{date}T09:00"),
                        ends: format!("{date}T{:02}:00", 9 + hours),
                    }
                })
                .collect();
            let fields = SessionFields {
                course_id: course.id.to_string(),
                title: String::new(),
                visibility: "private".into(),
                client_id: q.client_id.to_string(),
                program_id: program_id.to_string(),
                delivery_mode: mode.as_str().into(),
                venue_id: venue_id.clone(),
                capacity: capacity.to_string(),
                time_zone: client.time_zone.clone(),
                currency: seat_price.currency.to_string(),
                seat_price: seat_price.amount_string(),
                notes: format!(
                    "From quote {}, line {} (session {} of {}): the date is a placeholder until it is planned.",
                    q.number,
                    l.position,
                    n + 1,
                    l.sessions
                ),
                ..Default::default()
            };
            let fields = SessionFields { parts, ..fields };
            let input = fields.validate()?;
            let sid = sessions::insert(&mut *tx, &input, SessionStatus::Draft, now).await?;
            let row = sessions::get(&mut *tx, sid).await?;
            crate::audit::record(
                &mut *tx,
                caller,
                now,
                "session.created",
                ("session", sid),
                None,
                Some(&row),
            )
            .await?;
            ids.push(sid);
            k += 1;
        }
    }
    Ok((program_id, ids))
}

/// Declines a sent quote read at `version`, as the contact of its client, with the reason.
pub async fn decline(
    app: &App,
    caller: &Caller,
    id: i64,
    version: i64,
    reason: &str,
) -> Result<QuoteDetail, AppError> {
    let mut tx = app.store.write().await?;
    let after = decline_in(
        &mut tx,
        caller,
        id,
        version,
        reason,
        now_ms(),
        today(caller),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

pub(crate) async fn decline_in(
    tx: &mut Conn,
    caller: &Caller,
    id: i64,
    version: i64,
    reason: &str,
    now: i64,
    day: NaiveDate,
) -> Result<QuoteDetail, AppError> {
    let before = answerable(&mut *tx, caller, id, version, QuoteEvent::Decline, day).await?;
    let reason = trainyard_core::invalid::text::required(reason, 500)
        .map_err(|e| Invalid::field("reason", e))?;
    if !repo::move_status(
        &mut *tx,
        id,
        QuoteStatus::Sent,
        QuoteStatus::Declined,
        (None, &reason),
        now,
    )
    .await?
    {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-quote-answered-meanwhile",
            "This quote was answered meanwhile: reload to see its status."
        )));
    }
    repo::add_event(
        &mut *tx,
        id,
        QuoteStatus::Declined,
        &reason,
        &caller.actor().label,
        now,
    )
    .await?;
    let after = detail(&mut *tx, id, &day.to_string()).await?;
    crate::audit::record(
        &mut *tx,
        caller,
        now,
        "quote.declined",
        ("quote", id),
        Some(&before.quote),
        Some(&after.quote),
    )
    .await?;
    Ok(after)
}

/// Records as expired every sent quote whose last valid day is before `day` (they already read
/// as expired); returns how many. Finance or the system (the demo, a scheduled job).
pub async fn expire_due(app: &App, caller: &Caller) -> Result<usize, AppError> {
    let mut tx = app.store.write().await?;
    let n = expire_due_in(&mut tx, caller, now_ms(), today(caller)).await?;
    tx.commit().await?;
    Ok(n)
}

/// The worker loop's sweep: records as expired every sent quote whose last valid day (in UTC)
/// is before `now`'s. Looks first with a read, so a pass with nothing due takes no write lock;
/// every `serve` process may run it at once, since each quote moves by a conditional update
/// (`WHERE status = 'sent'`) and only the process whose update matched records the event.
pub async fn expire_overdue(app: &App, now: i64) -> Result<usize, AppError> {
    let day = trainyard_core::time::utc(now).date_naive();
    let due = {
        let mut conn = app.store.read().await?;
        repo::due_to_expire(&mut conn, &day.to_string(), 1).await?
    };
    if due.is_empty() {
        return Ok(0);
    }
    let mut tx = app.store.write().await?;
    let n = expire_due_in(&mut tx, &Caller::system(), now, day).await?;
    tx.commit().await?;
    Ok(n)
}

pub(crate) async fn expire_due_in(
    tx: &mut Conn,
    caller: &Caller,
    now: i64,
    day: NaiveDate,
) -> Result<usize, AppError> {
    require_finance(caller, "expire quotes")?;
    let due = repo::due_to_expire(&mut *tx, &day.to_string(), 500).await?;
    let mut n = 0;
    for q in due {
        if repo::move_status(
            &mut *tx,
            q.id,
            QuoteStatus::Sent,
            QuoteStatus::Expired,
            (None, ""),
            now,
        )
        .await?
        {
            repo::add_event(
                &mut *tx,
                q.id,
                QuoteStatus::Expired,
                &format!("no answer by {}", q.valid_until),
                &caller.actor().label,
                now,
            )
            .await?;
            let after = repo::get(&mut *tx, q.id).await?;
            crate::audit::record(
                &mut *tx,
                caller,
                now,
                "quote.expired",
                ("quote", q.id),
                Some(&q),
                Some(&after),
            )
            .await?;
            n += 1;
        }
    }
    Ok(n)
}

/// What a quote's print needs beyond the quote: the sender and the client's address.
#[derive(Debug, Clone)]
pub struct Printable {
    pub detail: QuoteDetail,
    pub company_name: String,
    pub company_email: String,
    pub billing_address: String,
    /// Where the contact answers it.
    pub answer_link: String,
    /// The language it is printed in: the client's, else the company's, else English.
    pub language: trainyard_core::locale::LanguageTag,
}

/// A quote with what its print shows (same readers as [`get`]).
pub async fn printable(app: &App, caller: &Caller, id: i64) -> Result<Printable, AppError> {
    get(app, caller, id).await?;
    let mut conn = app.store.read().await?;
    printable_in(app, &mut conn, id, &today(caller).to_string()).await
}

/// [`printable`] without asking who reads (the delivery worker attaching it to its e-mail).
pub(crate) async fn printable_in(
    app: &App,
    conn: &mut Conn,
    id: i64,
    day: &str,
) -> Result<Printable, AppError> {
    let detail = detail(&mut *conn, id, day).await?;
    let settings = trainyard_store::templates::settings(&mut *conn).await?;
    let client = clients::get(&mut *conn, detail.quote.client_id)
        .await
        .about("client")?;
    let name = settings.company_name.trim();
    Ok(Printable {
        company_name: if name.is_empty() {
            "Trainyard".into()
        } else {
            name.to_owned()
        },
        company_email: if settings.reply_to.trim().is_empty() {
            settings.sender_email
        } else {
            settings.reply_to
        },
        language: crate::languages::of(&mut *conn, None, client.language.as_deref()).await?,
        billing_address: client.billing_address,
        answer_link: app.link(&format!("/quotes/{id}")),
        detail,
    })
}

/// The quote as the PDF the client receives, in the printed layout's words, in the client's
/// language (else the company's) with its dates and money (`crate::documents`).
pub fn print(p: &Printable) -> trainyard_pdf::InvoicePrint {
    let q = &p.detail.quote;
    let doc = crate::documents::Doc::new(&p.language);
    let w = doc.words;
    let mut facts = vec![(w.valid_until.to_owned(), doc.date(&q.valid_until))];
    if let Some(d) = &q.sent_on {
        facts.insert(0, (w.sent.to_owned(), doc.date(d)));
    }
    if let Some(week) = &q.start_week {
        facts.push((w.start_week.to_owned(), doc.date(week)));
    }
    facts.push((w.offer.to_owned(), q.title.clone()));
    let mut totals = vec![(w.net.to_owned(), doc.money(&q.net))];
    for b in &p.detail.tax_bands {
        totals.push((
            doc.fill(
                w.tax_on,
                &[("rate", &doc.number(&b.rate)), ("net", &doc.money(&b.net))],
            ),
            doc.money(&b.tax),
        ));
    }
    totals.push((w.total.to_owned(), doc.money(&q.gross)));
    let mut footer = vec![doc.fill(
        w.quote_footer,
        &[
            ("until", &doc.date(&q.valid_until)),
            ("link", &p.answer_link),
        ],
    )];
    if !q.notes.is_empty() {
        footer.push(q.notes.clone());
    }
    trainyard_pdf::InvoicePrint {
        title: w.quote.into(),
        number: q.number.clone(),
        company_name: p.company_name.clone(),
        company_lines: [p.company_email.clone()]
            .into_iter()
            .filter(|l| !l.is_empty())
            .collect(),
        client_name: q.client_name.clone(),
        client_lines: p
            .billing_address
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        facts,
        lines: p
            .detail
            .lines
            .iter()
            .map(|l| {
                let n = l.sessions.to_string();
                let sessions = doc.fill(
                    if l.sessions == 1 {
                        w.session_one
                    } else {
                        w.sessions_many
                    },
                    &[("n", &n)],
                );
                let mut what = format!("{} ({}): {sessions}", l.description, l.course_code);
                if l.pricing == Pricing::PerSeat {
                    what.push_str(&doc.fill(w.seats, &[("n", &l.seats.to_string())]));
                }
                if l.line.discount_bp > 0 {
                    what.push_str(&doc.fill(w.discount, &[("discount", &doc.number(&l.discount))]));
                }
                let per = match l.pricing {
                    Pricing::PerSeat => w.per_seat,
                    Pricing::PerSession => w.per_session,
                };
                trainyard_pdf::PrintLine {
                    description: what,
                    quantity: l.line.units().to_string(),
                    unit_price: format!("{} {per}", doc.money(&l.unit_price)),
                    tax_rate: doc.number(&l.tax_rate),
                    net: doc.money(&l.net),
                }
            })
            .collect(),
        totals,
        footer,
        headings: doc.headings(),
    }
}

/// The PDF's bytes.
pub fn pdf(p: &Printable) -> Result<Vec<u8>, trainyard_pdf::PdfError> {
    trainyard_pdf::invoice(&print(p))
}

/// The file name the PDF travels under: its number.
pub fn file_name(p: &Printable) -> String {
    format!("{}.pdf", p.detail.quote.number)
}

/// The attachment of a queued quote e-mail (for the delivery worker).
pub(crate) async fn attachment(app: &App, quote_id: i64) -> Result<(String, Vec<u8>), AppError> {
    let printable = {
        let mut conn = app.store.read().await?;
        let day = trainyard_core::time::utc(now_ms()).date_naive().to_string();
        printable_in(app, &mut conn, quote_id, &day).await?
    };
    let bytes = pdf(&printable)
        .map_err(|e| AppError::refused(format!("the PDF could not be made: {e}")))?;
    Ok((file_name(&printable), bytes))
}
