//! Invoices and credit notes: drafts written by hand or from a session's enrollments, issued with a
//! gapless number, paid (an overpayment becomes the client's credit), corrected only by credit
//! note. Finance, managers and admins do all of it; a client contact reads their own issued ones.

use crate::error::About;
use crate::{App, AppError, Caller, now_ms};
use chrono::{Duration, NaiveDate};
use trainyard_core::invoice::{self, Line, LineFields};
use trainyard_core::money::{Currency, Money};
use trainyard_core::status::{EnrollmentStatus, InvoiceKind, InvoiceStatus};
use trainyard_core::{Invalid, Role, TimeZoneName};
use trainyard_store::invoices::{self as repo, Invoice, InvoiceFilter, InvoiceLine, Payment};
use trainyard_store::{Page, clients, enrollments, sessions};

/// The series credit notes are numbered in (invoices use the plain year series).
const CREDIT_NOTE_SERIES: &str = "CN";

/// The outbox kind of the e-mail that sends an issued document to the client's billing address;
/// the delivery worker attaches its PDF.
pub const ISSUED_MESSAGE: &str = "invoice_issued";

/// An invoice with everything on it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct InvoiceDetail {
    #[serde(flatten)]
    pub invoice: Invoice,
    pub lines: Vec<InvoiceLine>,
    /// Net and tax per tax rate.
    pub tax_bands: Vec<TaxBandView>,
    pub payments: Vec<Payment>,
    /// Credit notes written against this invoice.
    pub credit_notes: Vec<Invoice>,
}

impl InvoiceDetail {
    /// Why no credit note may be drafted for this document now; `None` when one may. The one
    /// rule the use case enforces and the page asks before offering the form.
    pub fn why_not_credited(&self) -> Option<&'static str> {
        let inv = &self.invoice;
        if inv.kind == InvoiceKind::CreditNote {
            return Some("This is a credit note: credit the invoice itself.");
        }
        match inv.status {
            InvoiceStatus::Draft => {
                return Some(
                    "This invoice is a draft: change or discard it instead of crediting it.",
                );
            }
            InvoiceStatus::Credited => return Some("This invoice is already fully credited."),
            _ => {}
        }
        if self
            .credit_notes
            .iter()
            .any(|n| n.status == InvoiceStatus::Draft)
        {
            return Some(
                "A credit note for this invoice is waiting as a draft: issue or discard it first.",
            );
        }
        if inv.credited.minor > 0 {
            return Some(
                "This invoice was partly credited already; write the rest as a new invoice and credit note by hand.",
            );
        }
        None
    }
}

/// Why no payment may be recorded on this document; `None` when one may.
pub fn why_no_payment(inv: &Invoice) -> Option<String> {
    if inv.kind == InvoiceKind::CreditNote {
        return Some("A credit note is not paid: record the payment on the invoice.".into());
    }
    inv.status.takes_payment().err().map(|r| r.english)
}

/// The tax of one rate on an invoice.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct TaxBandView {
    /// Percent, e.g. "19 %".
    pub rate: String,
    pub net: Money,
    pub tax: Money,
}

/// A draft as typed: who it bills, in which currency, and its lines.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct DraftFields {
    pub client_id: Option<i64>,
    /// ISO 4217 code; defaults to the client's currency.
    pub currency: String,
    /// Days from issue to due date (default 30).
    pub payment_days: Option<i64>,
    pub notes: String,
    pub lines: Vec<LineFields>,
}

fn require_finance(caller: &Caller, what: &str) -> Result<(), AppError> {
    caller.require(caller.sees_finance(), what)
}

/// Who may read an invoice: finance, managers and admins any; a client contact their client's
/// issued ones. Everyone else is told it does not exist.
fn may_read(caller: &Caller, invoice: &Invoice) -> bool {
    caller.sees_finance()
        || (caller.role == Role::ClientContact
            && caller.client_id == Some(invoice.client_id)
            && invoice.status != InvoiceStatus::Draft)
}

/// Today in the caller's time zone: an invoice's issue date, the default payment day, and the
/// day against which "overdue" is read.
pub fn today(caller: &Caller) -> NaiveDate {
    let tz = TimeZoneName::parse_or_utc(&caller.time_zone);
    tz.local(now_ms()).date_naive()
}

fn payment_days(raw: Option<i64>) -> Result<i64, Invalid> {
    match raw.unwrap_or(30) {
        d @ 0..=365 => Ok(d),
        _ => Err(Invalid::field(
            "payment_days",
            "must be between 0 and 365 days",
        )),
    }
}

/// Invoices and credit notes matching `f` (a client contact: only their own, issued ones).
pub async fn list(
    app: &App,
    caller: &Caller,
    mut f: InvoiceFilter,
) -> Result<Page<Invoice>, AppError> {
    if !caller.sees_finance() {
        match (caller.role, caller.client_id) {
            (Role::ClientContact, Some(client)) => {
                f.client_id = Some(client);
                f.issued_only = true;
            }
            _ => return Err(AppError::Forbidden("see invoices".into())),
        }
    }
    let mut conn = app.store.read().await?;
    Ok(repo::list(&mut conn, &f).await?)
}

async fn detail(conn: &mut trainyard_store::Conn, id: i64) -> Result<InvoiceDetail, AppError> {
    let invoice = repo::get(conn, id).await.about("invoice")?;
    let currency = invoice.gross.currency;
    let lines = repo::lines(conn, id, currency).await?;
    let only: Vec<Line> = lines.iter().map(|l| l.line.clone()).collect();
    let tax_bands = invoice::totals(&only)
        .bands
        .into_iter()
        .map(|b| TaxBandView {
            rate: invoice::rate_string(b.rate),
            net: Money::new(b.net_minor, currency),
            tax: Money::new(b.tax_minor, currency),
        })
        .collect();
    Ok(InvoiceDetail {
        payments: repo::payments(conn, id, currency).await?,
        credit_notes: repo::credit_notes_of(conn, id).await?,
        invoice,
        lines,
        tax_bands,
    })
}

/// One invoice with its lines, tax per rate, payments and credit notes.
pub async fn get(app: &App, caller: &Caller, id: i64) -> Result<InvoiceDetail, AppError> {
    if !caller.sees_finance() && caller.role != Role::ClientContact {
        return Err(AppError::Forbidden("see invoices".into()));
    }
    let mut conn = app.store.read().await?;
    let d = detail(&mut conn, id).await?;
    if !may_read(caller, &d.invoice) {
        return Err(AppError::NotFound("invoice"));
    }
    Ok(d)
}

/// Checks typed draft fields against the client; returns the currency and the lines.
async fn checked_draft(
    conn: &mut trainyard_store::Conn,
    f: &DraftFields,
    fixed_client: Option<i64>,
) -> Result<(i64, Currency, i64, Vec<Line>), AppError> {
    let mut inv = Invalid::new();
    let client_id = fixed_client.or(f.client_id);
    let client = match client_id {
        Some(id) => Some(clients::get(conn, id).await.about("client")?),
        None => {
            inv.add("client_id", "choose the client to invoice");
            None
        }
    };
    let currency = if f.currency.trim().is_empty() {
        client.as_ref().map(|c| c.currency)
    } else {
        inv.check("currency", Currency::parse(&f.currency))
    };
    let days = inv.check(
        "payment_days",
        payment_days(f.payment_days).map_err(|e| e.summary()),
    );
    let lines = match currency {
        Some(c) => match invoice::validate_lines(&f.lines, c) {
            Ok(lines) => Some(lines),
            Err(e) => {
                inv.errors.extend(e.errors);
                None
            }
        },
        None => None,
    };
    if f.notes.chars().count() > 2000 {
        inv.add("notes", "must be at most 2000 characters");
    }
    match (client, currency, days, lines) {
        (Some(client), Some(currency), Some(days), Some(lines)) if inv.is_empty() => {
            Ok((client.id, currency, days, lines))
        }
        _ => Err(inv.into()),
    }
}

/// A draft billing a private session by hand-typed lines, linked to the session (so its
/// revenue counts for it): the demo bills its private sessions by the day this way.
pub(crate) async fn draft_for_private_session_in(
    tx: &mut trainyard_store::Conn,
    caller: &Caller,
    session_id: i64,
    f: &DraftFields,
    now: i64,
) -> Result<InvoiceDetail, AppError> {
    require_finance(caller, "write invoices")?;
    let (client_id, currency, days, lines) = checked_draft(&mut *tx, f, None).await?;
    let id = repo::insert(
        &mut *tx,
        &repo::NewInvoice {
            kind: InvoiceKind::Invoice,
            client_id,
            session_id: Some(session_id),
            credits_invoice_id: None,
            currency,
            payment_days: days,
            notes: f.notes.trim(),
        },
        now,
    )
    .await?;
    let with_refs: Vec<(Line, Option<i64>)> = lines.into_iter().map(|l| (l, None)).collect();
    repo::write_draft(&mut *tx, id, 1, &with_refs, (f.notes.trim(), days), now).await?;
    let after = detail(&mut *tx, id).await?;
    crate::audit::record(
        &mut *tx,
        caller,
        now,
        "invoice.drafted",
        ("invoice", id),
        None,
        Some(&after),
    )
    .await?;
    Ok(after)
}

/// Writes a new draft invoice by hand.
pub async fn create_draft(
    app: &App,
    caller: &Caller,
    f: &DraftFields,
) -> Result<InvoiceDetail, AppError> {
    require_finance(caller, "write invoices")?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let (client_id, currency, days, lines) = checked_draft(&mut tx, f, None).await?;
    let id = repo::insert(
        &mut tx,
        &repo::NewInvoice {
            kind: InvoiceKind::Invoice,
            client_id,
            session_id: None,
            credits_invoice_id: None,
            currency,
            payment_days: days,
            notes: f.notes.trim(),
        },
        now,
    )
    .await?;
    let with_refs: Vec<(Line, Option<i64>)> = lines.into_iter().map(|l| (l, None)).collect();
    repo::write_draft(&mut tx, id, 1, &with_refs, (f.notes.trim(), days), now).await?;
    let after = detail(&mut tx, id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "invoice.drafted",
        ("invoice", id),
        None,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Rewrites a draft read at `version`: its lines, notes and payment days. Lines drawn from
/// enrollments keep their link when their position and description are unchanged.
pub async fn update_draft(
    app: &App,
    caller: &Caller,
    id: i64,
    version: i64,
    f: &DraftFields,
) -> Result<InvoiceDetail, AppError> {
    require_finance(caller, "write invoices")?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let before = detail(&mut tx, id).await?;
    before.invoice.status.editable()?;
    if before.invoice.kind == InvoiceKind::CreditNote {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-credit-lines",
            "A credit note's lines follow its invoice: discard this draft and credit the invoice again."
        )));
    }
    if before.invoice.archived_at.is_some() {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-draft-discarded",
            "This draft was discarded."
        )));
    }
    if before.invoice.version != version {
        return Err(AppError::Stale("invoice"));
    }
    let mut fixed = f.clone();
    fixed.currency = before.invoice.gross.currency.to_string();
    let (_, _, days, lines) =
        checked_draft(&mut tx, &fixed, Some(before.invoice.client_id)).await?;
    let with_refs: Vec<(Line, Option<i64>)> = lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let kept = before
                .lines
                .get(i)
                .filter(|old| old.description == l.description)
                .and_then(|old| old.enrollment_id);
            (l, kept)
        })
        .collect();
    repo::write_draft(
        &mut tx,
        id,
        version,
        &with_refs,
        (f.notes.trim(), days),
        now,
    )
    .await?;
    let after = detail(&mut tx, id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "invoice.draft_changed",
        ("invoice", id),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Drafts the invoice of a session for one client: a line per enrolled learner of theirs (booked,
/// attended or completed) not yet on a live invoice, at the price of their enrollment.
pub async fn draft_for_session(
    app: &App,
    caller: &Caller,
    session_id: i64,
    client_id: Option<i64>,
    tax_rate: &str,
) -> Result<InvoiceDetail, AppError> {
    let mut tx = app.store.write().await?;
    let after =
        draft_for_session_in(&mut tx, caller, session_id, client_id, tax_rate, now_ms()).await?;
    tx.commit().await?;
    Ok(after)
}

/// [`draft_for_session`] inside the caller's transaction (the demo seeder's).
pub(crate) async fn draft_for_session_in(
    tx: &mut trainyard_store::Conn,
    caller: &Caller,
    session_id: i64,
    client_id: Option<i64>,
    tax_rate: &str,
    now: i64,
) -> Result<InvoiceDetail, AppError> {
    draft_for_sessions_in(tx, caller, &[session_id], client_id, tax_rate, now).await
}

/// One draft for a client over several sessions (a month's consolidated invoice): a line per
/// learner of theirs enrolled in each and not yet on a live invoice. The invoice names the session
/// when there is one.
pub(crate) async fn draft_for_sessions_in(
    tx: &mut trainyard_store::Conn,
    caller: &Caller,
    session_ids: &[i64],
    client_id: Option<i64>,
    tax_rate: &str,
    now: i64,
) -> Result<InvoiceDetail, AppError> {
    let what = Billing {
        session_ids,
        only_enrollments: None,
        fees: &[],
    };
    draft_billing_in(tx, caller, &what, client_id, tax_rate, now).await
}

/// What one draft bills: the learners of a client in sessions (all of them, or only some
/// enrollments: an agreement billed per enrollment), and cancellation fees not yet billed.
pub(crate) struct Billing<'a> {
    pub session_ids: &'a [i64],
    pub only_enrollments: Option<&'a [i64]>,
    pub fees: &'a [trainyard_store::cancellation::Fee],
}

/// [`draft_for_sessions_in`] for a [`Billing`]: a line per enrollment, then a line per fee (each
/// fee then names this invoice as the one billing it).
pub(crate) async fn draft_billing_in(
    tx: &mut trainyard_store::Conn,
    caller: &Caller,
    what: &Billing<'_>,
    client_id: Option<i64>,
    tax_rate: &str,
    now: i64,
) -> Result<InvoiceDetail, AppError> {
    let session_ids = what.session_ids;
    require_finance(caller, "write invoices")?;
    let client_id =
        client_id.ok_or_else(|| Invalid::field("client_id", "choose the client to invoice"))?;
    let client = clients::get(&mut *tx, client_id).await.about("client")?;
    // No rate typed: the client's tax region's rate today (else the company's region's), else 0.
    let rate = if tax_rate.trim().is_empty() {
        crate::prices::client_rate_bp(&mut *tx, client_id, today(caller))
            .await?
            .unwrap_or(0)
    } else {
        invoice::parse_rate(tax_rate).map_err(|e| Invalid::field("tax_rate", e))?
    };
    let mut lines: Vec<(Line, Option<i64>)> = Vec::new();
    let mut currency = None;
    for &session_id in session_ids {
        let session = sessions::get(&mut *tx, session_id).await.about("session")?;
        for e in unbilled_of(&mut *tx, session_id, client_id).await? {
            if what
                .only_enrollments
                .is_some_and(|only| !only.contains(&e.id))
            {
                continue;
            }
            let price = e.price.unwrap_or(session.seat_price);
            if currency.is_some_and(|c| c != price.currency) {
                continue; // another currency goes on its own invoice
            }
            currency = Some(price.currency);
            lines.push((
                Line {
                    description: format!(
                        "{} ({}, {}): {}",
                        session.course_title,
                        session.reference,
                        trainyard_core::time::utc(session.starts_at).format("%Y-%m-%d"),
                        e.learner_name
                    ),
                    quantity: invoice::QUANTITY_SCALE,
                    unit_minor: price.minor,
                    tax_rate: rate,
                },
                Some(e.id),
            ));
        }
    }
    let mut fees = Vec::new();
    for fee in what.fees {
        if currency.is_some_and(|c| c != fee.fee.currency) {
            continue; // another currency goes on its own invoice
        }
        currency = Some(fee.fee.currency);
        fees.push(fee.id);
        lines.push((
            Line {
                description: crate::cancellation::fee_line_text(fee),
                quantity: invoice::QUANTITY_SCALE,
                unit_minor: fee.fee.minor,
                tax_rate: fee.tax_rate_bp.unwrap_or(rate),
            },
            None,
        ));
    }
    let Some(currency) = currency else {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-nothing-to-invoice",
            "Nothing to invoice: no learner of {client} is enrolled and not yet invoiced.",
            client = client.name
        )));
    };
    let id = repo::insert(
        &mut *tx,
        &repo::NewInvoice {
            kind: InvoiceKind::Invoice,
            client_id,
            session_id: (session_ids.len() == 1).then(|| session_ids[0]),
            credits_invoice_id: None,
            currency,
            payment_days: 30,
            notes: "",
        },
        now,
    )
    .await?;
    repo::write_draft(&mut *tx, id, 1, &lines, ("", 30), now).await?;
    for fee in fees {
        trainyard_store::cancellation::mark_invoiced(&mut *tx, fee, id).await?;
    }
    let after = detail(&mut *tx, id).await?;
    crate::audit::record(
        &mut *tx,
        caller,
        now,
        "invoice.drafted",
        ("invoice", id),
        None,
        Some(&after),
    )
    .await?;
    Ok(after)
}

/// The client's learners in a session that are to be invoiced: booked, attended or completed,
/// and not on a live invoice yet.
pub(crate) async fn unbilled_of(
    tx: &mut trainyard_store::Conn,
    session_id: i64,
    client_id: i64,
) -> Result<Vec<enrollments::Enrollment>, AppError> {
    let billable = |s: EnrollmentStatus| {
        matches!(
            s,
            EnrollmentStatus::Booked | EnrollmentStatus::Attended | EnrollmentStatus::Completed
        )
    };
    let billed = repo::billed_enrollments(&mut *tx, session_id).await?;
    Ok(enrollments::for_session(&mut *tx, session_id)
        .await?
        .into_iter()
        .filter(|e| e.client_id == Some(client_id) && billable(e.status) && !billed.contains(&e.id))
        .collect())
}

/// Discards a draft (it stays in the trail, archived).
pub async fn discard(app: &App, caller: &Caller, id: i64, version: i64) -> Result<(), AppError> {
    require_finance(caller, "discard invoices")?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let before = repo::get(&mut tx, id).await.about("invoice")?;
    before.status.editable()?;
    repo::discard_draft(&mut tx, id, version, now)
        .await
        .about("invoice")?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "invoice.discarded",
        ("invoice", id),
        Some(&before),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Issues a draft: the next number of its series (taken by the transaction's first write, so
/// concurrent issues get consecutive numbers and a failed one leaves no gap), today's date and the
/// due date. From here on the document never changes.
pub async fn issue(
    app: &App,
    caller: &Caller,
    id: i64,
    version: i64,
) -> Result<InvoiceDetail, AppError> {
    let mut tx = app.store.write().await?;
    let after = issue_in(&mut tx, caller, id, version, now_ms(), today(caller)).await?;
    tx.commit().await?;
    Ok(after)
}

/// [`issue`] inside the caller's transaction (the demo seeder's).
pub(crate) async fn issue_in(
    tx: &mut trainyard_store::Conn,
    caller: &Caller,
    id: i64,
    version: i64,
    now: i64,
    issued_on: NaiveDate,
) -> Result<InvoiceDetail, AppError> {
    require_finance(caller, "issue invoices")?;
    let before = repo::get(&mut *tx, id).await.about("invoice")?;
    before.status.issue()?;
    if before.archived_at.is_some() {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-draft-discarded",
            "This draft was discarded."
        )));
    }
    if before.version != version {
        return Err(AppError::Stale("invoice"));
    }
    if before.gross.minor == 0 && before.kind == InvoiceKind::Invoice {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-invoice-no-amount",
            "This invoice has no amount: add a line before issuing it."
        )));
    }
    if let (InvoiceKind::CreditNote, Some(of)) = (before.kind, before.credits_invoice_id) {
        let credited = repo::get(&mut *tx, of).await.about("invoice")?;
        if credited.credited.minor - before.gross.minor > credited.gross.minor {
            return Err(AppError::Refused(trainyard_core::refusal!(
                "refused-credit-too-much",
                "Invoice {invoice} is already credited: this credit note would take back more than it billed.",
                invoice = credited.number.unwrap_or_default()
            )));
        }
    }
    let series = match before.kind {
        InvoiceKind::Invoice => "",
        InvoiceKind::CreditNote => CREDIT_NOTE_SERIES,
    };
    let year = chrono::Datelike::year(&issued_on);
    let n = repo::take_number(&mut *tx, series, year).await?;
    let number = invoice::number(series, year, n);
    let due_on = issued_on + Duration::days(before.payment_days);
    repo::mark_issued(
        &mut *tx,
        id,
        version,
        &number,
        (&issued_on.to_string(), &due_on.to_string()),
        now,
    )
    .await
    .about("invoice")?;
    if before.kind == InvoiceKind::CreditNote {
        apply_credit_note(&mut *tx, &before, now).await?;
    }
    let after = detail(&mut *tx, id).await?;
    queue_mail(&mut *tx, &after.invoice, now).await?;
    crate::audit::record(
        &mut *tx,
        caller,
        now,
        "invoice.issued",
        ("invoice", id),
        Some(&before),
        Some(&after.invoice),
    )
    .await?;
    Ok(after)
}

/// Queues the e-mail that sends an issued document to the client's billing address, in the
/// issuing transaction: it goes out only if the issue commits, and exactly once.
async fn queue_mail(
    tx: &mut trainyard_store::Conn,
    inv: &Invoice,
    now: i64,
) -> Result<(), AppError> {
    let client = clients::get(&mut *tx, inv.client_id)
        .await
        .about("client")?;
    let to = client.billing_email.trim();
    if to.is_empty() {
        return Ok(());
    }
    let settings = trainyard_store::templates::settings(&mut *tx).await?;
    let company = match settings.company_name.trim() {
        "" => "Trainyard",
        name => name,
    };
    let number = inv.number.clone().unwrap_or_default();
    let issued = inv.issued_on.clone().unwrap_or_default();
    let (subject, body) = match inv.kind {
        InvoiceKind::Invoice => (
            format!("Invoice {number} from {company}"),
            format!(
                "Hello,\n\nplease find attached our invoice {number} of {issued} for {}, due on {}.\nPlease quote {number} as the payment reference.\n\nThank you,\n{company}\n",
                inv.gross,
                inv.due_on.clone().unwrap_or_default()
            ),
        ),
        InvoiceKind::CreditNote => (
            format!("Credit note {number} from {company}"),
            format!(
                "Hello,\n\nplease find attached our credit note {number} of {issued} for {}.\n\nKind regards,\n{company}\n",
                inv.gross
            ),
        ),
    };
    trainyard_store::outbox::enqueue(
        &mut *tx,
        &trainyard_store::outbox::NewMessage {
            kind: ISSUED_MESSAGE,
            recipient: to,
            subject: &subject,
            body: &body,
            entity_type: "invoice",
            entity_id: inv.id,
            idempotency_key: &format!("invoice:{}:issued", inv.id),
        },
        now,
    )
    .await?;
    Ok(())
}

/// An issued credit note lowers what its invoice owes; what the client had already paid beyond
/// the new total becomes their credit.
async fn apply_credit_note(
    tx: &mut trainyard_store::Conn,
    note: &Invoice,
    now: i64,
) -> Result<(), AppError> {
    let Some(invoice_id) = note.credits_invoice_id else {
        return Ok(());
    };
    let inv = repo::get(tx, invoice_id).await.about("invoice")?;
    let credited = inv.credited.minor - note.gross.minor; // the note's gross is negative
    let refund_due = (inv.paid.minor + credited - inv.gross.minor).min(-note.gross.minor);
    let status = InvoiceStatus::settled(inv.gross.minor, inv.paid.minor, credited);
    repo::settle(tx, invoice_id, inv.paid.minor, credited, status, now).await?;
    if refund_due > 0 {
        repo::add_client_credit(
            tx,
            inv.client_id,
            Money::new(refund_due, inv.gross.currency),
            Some(invoice_id),
            "credited after payment",
            now,
        )
        .await?;
    }
    Ok(())
}

/// A payment as typed.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PaymentFields {
    /// A decimal string such as "1178.10", in the invoice's currency.
    pub amount: String,
    /// The day the money arrived, YYYY-MM-DD (default: today).
    #[schema(format = Date)]
    pub received_on: Option<String>,
    /// The bank's reference.
    pub reference: String,
}

/// Records a payment on an issued invoice; what exceeds the balance becomes the client's credit.
pub async fn record_payment(
    app: &App,
    caller: &Caller,
    id: i64,
    f: &PaymentFields,
) -> Result<InvoiceDetail, AppError> {
    let mut tx = app.store.write().await?;
    let after = record_payment_in(&mut tx, caller, id, f, now_ms(), today(caller)).await?;
    tx.commit().await?;
    Ok(after)
}

/// [`record_payment`] inside the caller's transaction (the demo seeder's).
pub(crate) async fn record_payment_in(
    tx: &mut trainyard_store::Conn,
    caller: &Caller,
    id: i64,
    f: &PaymentFields,
    now: i64,
    today: NaiveDate,
) -> Result<InvoiceDetail, AppError> {
    require_finance(caller, "record payments")?;
    let before = repo::get(&mut *tx, id).await.about("invoice")?;
    if let Some(why) = why_no_payment(&before) {
        return Err(AppError::refused(why));
    }
    let mut inv = Invalid::new();
    let amount = inv.check(
        "amount",
        Money::parse_non_negative(&f.amount, before.gross.currency),
    );
    if amount.is_some_and(|a| a.minor == 0) {
        inv.add("amount", "must be more than 0");
    }
    let received_on = match f.received_on.as_deref().map(str::trim) {
        None | Some("") => Some(today),
        Some(day) => inv.check(
            "received_on",
            NaiveDate::parse_from_str(day, "%Y-%m-%d")
                .map_err(|_| "is not a date (expected YYYY-MM-DD)"),
        ),
    };
    if f.reference.chars().count() > 200 {
        inv.add("reference", "must be at most 200 characters");
    }
    let (Some(amount), Some(received_on)) = (amount, received_on) else {
        return Err(inv.into());
    };
    inv.or_ok(())?;
    let owed = (before.balance.minor).max(0);
    let overpaid = (amount.minor - owed).max(0);
    repo::add_payment(
        &mut *tx,
        id,
        amount.minor,
        (&received_on.to_string(), f.reference.trim()),
        (caller.user_id != 0).then_some(caller.user_id),
        now,
    )
    .await?;
    // What pays the invoice counts as paid; the rest is the client's credit, not the invoice's.
    let paid = before.paid.minor + amount.minor - overpaid;
    let status = InvoiceStatus::settled(before.gross.minor, paid, before.credited.minor);
    repo::settle(&mut *tx, id, paid, before.credited.minor, status, now).await?;
    if overpaid > 0 {
        repo::add_client_credit(
            &mut *tx,
            before.client_id,
            Money::new(overpaid, before.gross.currency),
            Some(id),
            "overpayment",
            now,
        )
        .await?;
    }
    let after = detail(&mut *tx, id).await?;
    crate::audit::record(
        &mut *tx,
        caller,
        now,
        "invoice.payment_recorded",
        ("invoice", id),
        Some(&before),
        Some(&after.invoice),
    )
    .await?;
    Ok(after)
}

/// Drafts a credit note for what is still uncredited on an issued invoice: its lines negated
/// (less what earlier credit notes took back), for finance to check and issue.
pub async fn draft_credit_note(
    app: &App,
    caller: &Caller,
    id: i64,
    reason: &str,
) -> Result<InvoiceDetail, AppError> {
    let mut tx = app.store.write().await?;
    let after = draft_credit_note_in(&mut tx, caller, id, reason, now_ms()).await?;
    tx.commit().await?;
    Ok(after)
}

/// [`draft_credit_note`] inside the caller's transaction (the demo seeder's).
pub(crate) async fn draft_credit_note_in(
    tx: &mut trainyard_store::Conn,
    caller: &Caller,
    id: i64,
    reason: &str,
    now: i64,
) -> Result<InvoiceDetail, AppError> {
    require_finance(caller, "write credit notes")?;
    let reason = trainyard_core::invalid::text::required(reason, 500)
        .map_err(|e| Invalid::field("reason", e))?;
    let original = detail(&mut *tx, id).await?;
    if let Some(why) = original.why_not_credited() {
        return Err(AppError::refused(why.into()));
    }
    let inv = &original.invoice;
    let lines: Vec<(Line, Option<i64>)> = original
        .lines
        .iter()
        .map(|l| {
            (
                Line {
                    unit_minor: -l.line.unit_minor,
                    ..l.line.clone()
                },
                None,
            )
        })
        .collect();
    let number = inv.number.clone().unwrap_or_default();
    let notes = format!("Credit note for invoice {number}: {reason}");
    credit_note_draft_in(tx, caller, inv, &lines, &notes, now).await
}

/// Writes a draft credit note of `lines` (negative prices) against the issued invoice `inv`:
/// the one place credit notes are made, whether by hand ([`draft_credit_note_in`]) or by a
/// cancellation's policy (`crate::cancellation`).
pub(crate) async fn credit_note_draft_in(
    tx: &mut trainyard_store::Conn,
    caller: &Caller,
    inv: &Invoice,
    lines: &[(Line, Option<i64>)],
    notes: &str,
    now: i64,
) -> Result<InvoiceDetail, AppError> {
    let note_id = repo::insert(
        &mut *tx,
        &repo::NewInvoice {
            kind: InvoiceKind::CreditNote,
            client_id: inv.client_id,
            session_id: inv.session_id,
            credits_invoice_id: Some(inv.id),
            currency: inv.gross.currency,
            payment_days: 0,
            notes,
        },
        now,
    )
    .await?;
    repo::write_draft(&mut *tx, note_id, 1, lines, (notes, 0), now).await?;
    let after = detail(&mut *tx, note_id).await?;
    crate::audit::record(
        &mut *tx,
        caller,
        now,
        "invoice.credit_note_drafted",
        ("invoice", note_id),
        None,
        Some(&after),
    )
    .await?;
    Ok(after)
}

/// A client's credit balance per currency (finance, or the client's own contact).
pub async fn client_credit(
    app: &App,
    caller: &Caller,
    client_id: i64,
) -> Result<Vec<Money>, AppError> {
    if !(caller.sees_finance()
        || (caller.role == Role::ClientContact && caller.client_id == Some(client_id)))
    {
        return Err(AppError::Forbidden("see a client's credit".into()));
    }
    let mut conn = app.store.read().await?;
    Ok(repo::client_credit(&mut conn, client_id).await?)
}

/// [`draft_for_session`] for a session named by its reference (`S-00275`), as people type it.
pub async fn draft_for_session_reference(
    app: &App,
    caller: &Caller,
    reference: &str,
    client_id: Option<i64>,
    tax_rate: &str,
) -> Result<InvoiceDetail, AppError> {
    require_finance(caller, "write invoices")?;
    let reference = reference.trim().to_uppercase();
    let mut f = sessions::SessionFilter::default();
    f.list.q = reference.clone();
    f.list.per_page = 20;
    let found = {
        let mut conn = app.store.read().await?;
        sessions::list(&mut conn, &f).await?
    };
    let Some(session) = found.items.into_iter().find(|s| s.reference == reference) else {
        return Err(Invalid::field(
            "session",
            format!(
                "no session has the reference '{}'",
                reference.chars().take(20).collect::<String>()
            ),
        )
        .into());
    };
    draft_for_session(app, caller, session.id, client_id, tax_rate).await
}

/// What does not add up in the stored invoices: a total that differs from its lines, or a gap or
/// duplicate in a series' numbers. Empty when everything holds (the demo checks it after seeding).
pub(crate) async fn totals_hold(conn: &mut trainyard_store::Conn) -> Result<String, AppError> {
    let mut f = InvoiceFilter::default();
    f.list.export = true;
    let all = repo::list(conn, &f).await?.items;
    let mut problems = Vec::new();
    let mut numbers: std::collections::BTreeMap<String, Vec<i64>> = Default::default();
    for inv in &all {
        let lines = repo::lines(conn, inv.id, inv.gross.currency).await?;
        let only: Vec<Line> = lines.into_iter().map(|l| l.line).collect();
        let t = invoice::totals(&only);
        if (t.net, t.tax, t.gross) != (inv.net.minor, inv.tax.minor, inv.gross.minor) {
            problems.push(format!("invoice {} does not add up", inv.id));
        }
        if let Some((series, n)) = inv.number.as_deref().and_then(|n| n.rsplit_once('-'))
            && let Ok(n) = n.parse::<i64>()
        {
            numbers.entry(series.to_owned()).or_default().push(n);
        }
    }
    for (series, mut ns) in numbers {
        ns.sort_unstable();
        if ns.iter().enumerate().any(|(i, n)| *n != i as i64 + 1) {
            problems.push(format!("series {series} has a gap or a duplicate"));
        }
    }
    Ok(problems.join("; "))
}

/// What an invoice's print needs beyond the invoice: the sender and the billing address.
#[derive(Debug, Clone)]
pub struct Printable {
    pub detail: InvoiceDetail,
    /// The company as set in the message settings ("Trainyard" until set).
    pub company_name: String,
    pub company_email: String,
    pub billing_address: String,
    pub billing_email: String,
    /// The language it is printed in: the client's, else the company's, else English.
    pub language: trainyard_core::locale::LanguageTag,
}

/// An invoice with what its print shows (same readers as [`get`]).
pub async fn printable(app: &App, caller: &Caller, id: i64) -> Result<Printable, AppError> {
    get(app, caller, id).await?;
    let mut conn = app.store.read().await?;
    printable_in(&mut conn, id).await
}

/// [`printable`] without asking who reads (the delivery worker attaching it to its e-mail).
pub(crate) async fn printable_in(
    conn: &mut trainyard_store::Conn,
    id: i64,
) -> Result<Printable, AppError> {
    let detail = detail(&mut *conn, id).await?;
    let settings = trainyard_store::templates::settings(&mut *conn).await?;
    let client = clients::get(&mut *conn, detail.invoice.client_id)
        .await
        .about("client")?;
    let language = crate::languages::of(&mut *conn, None, client.language.as_deref()).await?;
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
        billing_address: client.billing_address,
        billing_email: client.billing_email,
        language,
        detail,
    })
}
