//! Cancellation policy and fees (issue 15 §3). A policy (fee tiers by notice,
//! `trainyard_core::cancellation`) belongs to a client agreement, with the company's default for
//! agreements without one and for clients without an agreement. Cancelling a booked enrollment
//! charges the fee of its tier in the cancellation's own transaction ([`charge_in`]):
//!
//! - already invoiced: a credit note gives back the refundable part of its line and is issued at
//!   once (through `invoicing`'s credit-note code); the fee stays on the invoice;
//! - not invoiced yet: the fee waits for the month's run, which bills it as a line of its own.
//!
//! Notice is counted in the session's time zone. The cancellation itself is serialised by the
//! session row and the enrollment's version, and the fee has a unique row per enrollment, so two
//! racing cancellations charge (and credit) once.

use crate::error::About;
use crate::{App, AppError, Caller, now_ms};
use serde::Serialize;
use trainyard_core::cancellation::{self as rules, FeeTier, Policy};
use trainyard_core::invoice::{self, Line};
use trainyard_core::money::Money;
use trainyard_core::status::EnrollmentStatus;
use trainyard_core::{Invalid, Role, TimeZoneName};
use trainyard_store::cancellation::{self as repo, Fee, NewFee};
use trainyard_store::sessions::Session;
use trainyard_store::{Conn, enrollments};

/// A policy as shown and edited.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PolicyView {
    /// The agreement it belongs to; none: the company's default.
    pub agreement_id: Option<i64>,
    /// Longest notice first.
    pub tiers: Vec<FeeTier>,
    /// The same as text: "14:0, 7:50, 0:100" (days: percent).
    pub text: String,
    /// Whether the agreement has no policy of its own and the company's default applies.
    pub inherited: bool,
}

/// What cancelling an enrollment now would cost, asked before confirming.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FeePreview {
    pub enrollment_id: i64,
    /// The price the fee is judged on (the invoiced one when invoiced).
    pub price: Money,
    pub notice_days: i64,
    /// Share kept, basis points.
    pub fee_bp: i64,
    pub fee: Money,
    pub refund: Money,
    /// Whether the price was invoiced already (the refund then comes as a credit note).
    pub invoiced: bool,
}

fn view(agreement_id: Option<i64>, p: &Policy, inherited: bool) -> PolicyView {
    PolicyView {
        agreement_id,
        tiers: p.tiers().to_vec(),
        text: p.to_text(),
        inherited,
    }
}

fn parse_stored(text: &str) -> Result<Policy, AppError> {
    Policy::parse(text).map_err(|e| AppError::refused(format!("stored policy is unreadable: {e}")))
}

/// The policy of an agreement (`Some`), falling back to the company's default, or the default
/// itself (`None`). `None` back when nothing applies. Finance, managers and admins.
pub async fn policy(
    app: &App,
    caller: &Caller,
    agreement_id: Option<i64>,
) -> Result<Option<PolicyView>, AppError> {
    caller.require_finance("see cancellation policies")?;
    let mut conn = app.store.read().await?;
    if let Some(id) = agreement_id {
        trainyard_store::agreements::get(&mut conn, id)
            .await
            .about("agreement")?;
    }
    let Some(row) = repo::policy_in_force(&mut conn, agreement_id).await? else {
        return Ok(None);
    };
    let inherited = row.agreement_id != agreement_id;
    Ok(Some(view(
        agreement_id,
        &parse_stored(&row.tiers)?,
        inherited,
    )))
}

/// Sets (or, with no tiers, removes) the policy of an agreement or the company's default.
pub async fn set_policy(
    app: &App,
    caller: &Caller,
    agreement_id: Option<i64>,
    tiers: Option<Vec<FeeTier>>,
) -> Result<Option<PolicyView>, AppError> {
    caller.require_finance("change cancellation policies")?;
    let policy = match tiers {
        Some(t) if !t.is_empty() => Some(Policy::new(t).map_err(|e| Invalid::field("tiers", e))?),
        _ => None,
    };
    let mut tx = app.store.write().await?;
    set_policy_in(&mut tx, caller, agreement_id, policy.as_ref(), now_ms()).await?;
    tx.commit().await?;
    Ok(policy.map(|p| view(agreement_id, &p, false)))
}

/// [`set_policy`] inside the caller's transaction (the demo seeder's).
pub(crate) async fn set_policy_in(
    tx: &mut Conn,
    caller: &Caller,
    agreement_id: Option<i64>,
    policy: Option<&Policy>,
    now: i64,
) -> Result<(), AppError> {
    caller.require_finance("change cancellation policies")?;
    if let Some(id) = agreement_id {
        trainyard_store::agreements::get(&mut *tx, id)
            .await
            .about("agreement")?;
    }
    let before = repo::policy(&mut *tx, agreement_id).await?;
    let text = policy.map(Policy::to_text).unwrap_or_default();
    repo::set_policy(&mut *tx, agreement_id, &text, now).await?;
    let after = repo::policy(&mut *tx, agreement_id).await?;
    crate::audit::record(
        &mut *tx,
        caller,
        now,
        "cancellation_policy.changed",
        ("agreement", agreement_id.unwrap_or(0)),
        before.as_ref(),
        after.as_ref(),
    )
    .await?;
    Ok(())
}

/// Parses the policy typed in a form ("14:0, 7:50, 0:100"; empty removes it).
pub fn parse_form(text: &str) -> Result<Option<Vec<FeeTier>>, AppError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let p = Policy::parse(text).map_err(|e| Invalid::field("tiers", e))?;
    Ok(Some(p.tiers().to_vec()))
}

/// An enrollment of `session` as listed (with its price, client and learner).
async fn find(
    conn: &mut Conn,
    enrollment_id: i64,
    session: &Session,
) -> Result<Option<enrollments::Enrollment>, AppError> {
    Ok(enrollments::for_session(&mut *conn, session.id)
        .await?
        .into_iter()
        .find(|e| e.id == enrollment_id))
}

/// What judging a cancellation found: the enrollment, the split of its price, and (invoice id,
/// tax rate) of the invoice line that billed it.
type Judged = (enrollments::Enrollment, rules::Split, Option<(i64, i64)>);

/// What the cancellation of a booked enrollment would cost at `at`, with the price and tax of
/// its invoice line when it was invoiced: `None` when it costs nothing (not booked, no client,
/// paid by a prepaid seat, no policy, a zero price).
async fn judge(
    conn: &mut Conn,
    e: enrollments::Enrollment,
    session: &Session,
    at: i64,
) -> Result<Option<Judged>, AppError> {
    if e.status != EnrollmentStatus::Booked || e.client_id.is_none() || e.paid_by_credit {
        return Ok(None);
    }
    let (agreement_id, _) = trainyard_store::agreements::enrollment_terms(&mut *conn, e.id).await?;
    let Some(row) = repo::policy_in_force(&mut *conn, agreement_id).await? else {
        return Ok(None);
    };
    let policy = parse_stored(&row.tiers)?;
    let listed = e.price.unwrap_or(session.seat_price);
    let invoiced = repo::invoiced_line(&mut *conn, e.id).await?;
    let price = match invoiced {
        // What the client was charged: the line's unit price times its quantity (one).
        Some((_, unit, _, qty)) => {
            let minor = i128::from(unit) * i128::from(qty) / i128::from(invoice::QUANTITY_SCALE);
            Money::new(i64::try_from(minor).unwrap_or(i64::MAX), listed.currency)
        }
        None => listed,
    };
    if price.minor <= 0 {
        return Ok(None);
    }
    let tz = TimeZoneName::parse_or_utc(&session.time_zone);
    let split = rules::split(&policy, price, at, session.starts_at, &tz);
    Ok(Some((
        e,
        split,
        invoiced.map(|(invoice_id, _, tax, _)| (invoice_id, tax)),
    )))
}

/// What cancelling the enrollment now would cost (`None`: nothing). Who may cancel it may ask:
/// operations, finance, the learner, their client's contact.
pub async fn preview(
    app: &App,
    caller: &Caller,
    enrollment_id: i64,
) -> Result<Option<FeePreview>, AppError> {
    let mut conn = app.store.read().await?;
    let record = enrollments::get(&mut conn, enrollment_id)
        .await
        .about("enrollment")?;
    let session = trainyard_store::sessions::get(&mut conn, record.session_id).await?;
    let judged = match find(&mut conn, enrollment_id, &session).await? {
        Some(e) => judge(&mut conn, e, &session, now_ms()).await?,
        None => None,
    };
    let allowed = caller.role.can_edit_operations()
        || caller.sees_finance()
        || (caller.role == Role::Learner && caller.learner_id == Some(record.learner_id))
        || (caller.role == Role::ClientContact
            && judged
                .as_ref()
                .is_some_and(|(e, _, _)| e.client_id == caller.client_id));
    if !allowed {
        // A contact asking about someone else's enrollment learns nothing of it.
        if caller.role == Role::ClientContact && judged.is_none() {
            let learner = trainyard_store::learners::get(&mut conn, record.learner_id).await?;
            if learner.client_id.is_some() && learner.client_id == caller.client_id {
                return Ok(None);
            }
        }
        return Err(AppError::NotFound("enrollment"));
    }
    Ok(judged.map(|(e, s, invoiced)| shown(&e, &s, invoiced.is_some())))
}

/// [`preview`] for many enrollments at once (a session's list, a client's portal), keyed by
/// enrollment id; only the booked ones the caller may cancel are judged, each session read once.
pub async fn previews(
    app: &App,
    caller: &Caller,
    list: &[enrollments::Enrollment],
) -> Result<std::collections::HashMap<i64, FeePreview>, AppError> {
    let mut out = std::collections::HashMap::new();
    let mut sessions: std::collections::HashMap<i64, Session> = Default::default();
    let mut conn = app.store.read().await?;
    let now = now_ms();
    for e in list {
        let mine = caller.role.can_edit_operations()
            || caller.sees_finance()
            || (caller.role == Role::ClientContact
                && e.client_id.is_some()
                && e.client_id == caller.client_id)
            || (caller.role == Role::Learner && caller.learner_id == Some(e.learner_id));
        if !mine || e.status != EnrollmentStatus::Booked {
            continue;
        }
        let session = match sessions.entry(e.session_id) {
            std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(trainyard_store::sessions::get(&mut conn, e.session_id).await?)
            }
        };
        if let Some((e, s, invoiced)) = judge(&mut conn, e.clone(), session, now).await? {
            out.insert(e.id, shown(&e, &s, invoiced.is_some()));
        }
    }
    Ok(out)
}

fn shown(e: &enrollments::Enrollment, s: &rules::Split, invoiced: bool) -> FeePreview {
    FeePreview {
        enrollment_id: e.id,
        price: Money::new(s.fee.minor + s.refund.minor, s.fee.currency),
        notice_days: s.notice_days,
        fee_bp: s.fee_bp,
        fee: s.fee,
        refund: s.refund,
        invoiced,
    }
}

/// The invoice line that bills a fee ("Cancellation fee 50 % (13 days' notice): …").
pub fn fee_line_text(fee: &Fee) -> String {
    format!(
        "Cancellation fee {} % ({} days' notice): {}",
        rules::percent_text(fee.fee_bp),
        fee.notice_days,
        fee.description
    )
}

/// Charges the cancellation of a booked enrollment, inside the cancellation's transaction (the
/// enrollment already reads as cancelled; `was_booked` says it held a seat before). Records the
/// fee; when the enrollment was invoiced, drafts and issues the credit note of the refundable
/// part. The finance documents are written by the system: whoever cancels (a coordinator, the
/// learner, their contact) need not be allowed to write credit notes for the policy to apply.
pub(crate) async fn charge_in(
    tx: &mut Conn,
    enrollment_id: i64,
    was_booked: bool,
    session: &Session,
    now: i64,
) -> Result<Option<Fee>, AppError> {
    if !was_booked {
        return Ok(None);
    }
    // Judged as it was a moment ago: the enrollment's row now says cancelled.
    let Some(mut e) = find(tx, enrollment_id, session).await? else {
        return Ok(None);
    };
    e.status = EnrollmentStatus::Booked;
    let Some((e, split, invoiced)) = judge(tx, e, session, now).await? else {
        return Ok(None);
    };
    let Some(client_id) = e.client_id else {
        return Ok(None);
    };
    let description = format!(
        "{} ({}, {}): {}",
        session.course_title,
        session.reference,
        TimeZoneName::parse_or_utc(&session.time_zone)
            .local(session.starts_at)
            .format("%Y-%m-%d"),
        e.learner_name
    );
    let system = Caller::system();
    let mut credit_note_id = None;
    if let Some((invoice_id, tax_rate)) = invoiced
        && split.refund.minor > 0
    {
        let original = trainyard_store::invoices::get(&mut *tx, invoice_id).await?;
        let lines = vec![(
            Line {
                description: format!(
                    "Cancelled with {} days' notice, fee {} % kept: {description}",
                    split.notice_days,
                    rules::percent_text(split.fee_bp)
                ),
                quantity: invoice::QUANTITY_SCALE,
                unit_minor: -split.refund.minor,
                tax_rate,
            },
            None,
        )];
        let notes = format!(
            "Credit note for invoice {}: cancellation under the cancellation policy ({} days' notice, fee {} %: {}).",
            original.number.clone().unwrap_or_default(),
            split.notice_days,
            rules::percent_text(split.fee_bp),
            split.fee
        );
        let draft =
            crate::invoicing::credit_note_draft_in(tx, &system, &original, &lines, &notes, now)
                .await?;
        let day = TimeZoneName::parse_or_utc(&session.time_zone)
            .local(now)
            .date_naive();
        let issued = crate::invoicing::issue_in(
            tx,
            &system,
            draft.invoice.id,
            draft.invoice.version,
            now,
            day,
        )
        .await?;
        credit_note_id = Some(issued.invoice.id);
    }
    let id = repo::insert_fee(
        &mut *tx,
        &NewFee {
            enrollment_id,
            session_id: session.id,
            client_id,
            description: &description,
            price: Money::new(split.fee.minor + split.refund.minor, split.fee.currency),
            notice_days: split.notice_days,
            fee_bp: split.fee_bp,
            fee: split.fee,
            tax_rate_bp: invoiced.map(|(_, tax)| tax),
            invoice_id: invoiced.map(|(id, _)| id),
            credit_note_id,
        },
        now,
    )
    .await
    .map_err(|e| match e {
        trainyard_store::StoreError::Duplicate(_) => AppError::Refused(trainyard_core::refusal!(
            "refused-fee-charged",
            "This cancellation was charged already."
        )),
        e => e.into(),
    })?;
    let fee = repo::fee_of_enrollment(&mut *tx, enrollment_id)
        .await?
        .filter(|f| f.id == id);
    crate::audit::record(
        &mut *tx,
        &system,
        now,
        "cancellation_fee.charged",
        ("enrollment", enrollment_id),
        None::<&Fee>,
        fee.as_ref(),
    )
    .await?;
    Ok(fee)
}

/// A client contact's fees, newest first (the portal), or any client's for finance.
pub async fn fees_of_client(
    app: &App,
    caller: &Caller,
    client_id: i64,
) -> Result<Vec<Fee>, AppError> {
    let own = caller.role == Role::ClientContact && caller.client_id == Some(client_id);
    caller.require(caller.sees_finance() || own, "see cancellation fees")?;
    let mut conn = app.store.read().await?;
    Ok(repo::fees_of_client(&mut conn, client_id, 100).await?)
}
