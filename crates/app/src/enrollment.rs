//! Enrollment and the waitlist. Booked never exceeds capacity: the first write of every enrollment
//! transaction is the seat guard on the session row (`booked_count + held_count < capacity`), so concurrent
//! requests queue on that row and each sees the seats the others took. When a seat frees — a
//! cancellation, a transfer, a capacity increase — exactly one waitlisted learner per seat is
//! promoted (or offered the seat), in the same transaction as the change that freed it.

use crate::error::About;
use crate::{App, AppError, Caller, now_ms};
use serde_json::json;
use trainyard_core::status::{EnrollmentStatus, SessionStatus};
use trainyard_core::{Role, TimeZoneName};
use trainyard_store::enrollments::{self as repo, EnrollmentRecord, NewEnrollment};
use trainyard_store::sessions::{self, Session};
use trainyard_store::{Conn, learners, outbox};

const HOUR: i64 = 3_600_000;

fn tz(s: &Session) -> TimeZoneName {
    TimeZoneName::parse_or_utc(&s.time_zone)
}

/// Queues the message for an enrollment event, rendered from its template.
#[allow(clippy::too_many_arguments)]
async fn tell(
    app: &App,
    conn: &mut Conn,
    event: &str,
    e_id: i64,
    learner_id: i64,
    s: &Session,
    extra: serde_json::Value,
    now: i64,
) -> Result<(), AppError> {
    let learner = learners::get(conn, learner_id).await?;
    // In the learner's language (theirs, their client's, the company's; English when the event
    // has no wording in it), with dates written its way.
    let language = crate::languages::of_learner(conn, &learner).await?;
    let wording = crate::messages::wording_in(conn, event, &language).await?;
    let lang = wording.language().to_owned();
    // The learner's own zone, the place or joining link, and their page about this booking.
    let parts = sessions::parts(conn, s.id).await?;
    let zone = TimeZoneName::parse_or_utc(&learner.time_zone);
    let mut ctx = crate::messages::session_facts_in(conn, s, &parts, &zone, &lang).await?;
    let name = format!("{} {}", learner.first_name, learner.last_name);
    ctx.insert("recipient_name".into(), name.clone().into());
    ctx.insert("learner_name".into(), name.into());
    ctx.insert(
        "session_url".into(),
        app.link(&format!("/portal/enrollments/{e_id}")).into(),
    );
    if s.venue_id.is_none() && s.joining_url.trim().is_empty() {
        ctx.insert(
            "place".into(),
            crate::messages::phrase(
                &lang,
                "online (the link follows in your joining instructions)",
            )
            .into(),
        );
    }
    if let serde_json::Value::Object(more) = extra {
        ctx.extend(more);
    }
    let ctx = serde_json::Value::Object(ctx);
    let (subject, body) = wording.compose(&ctx);
    let version = repo::get(conn, e_id).await?.version;
    // Confirmations and promotions carry a calendar invitation; cancellations a CANCEL.
    crate::delivery::enqueue_with_invitation_in(
        conn,
        &outbox::NewMessage {
            kind: event,
            recipient: &learner.email,
            subject: &subject,
            body: &body,
            entity_type: "enrollment",
            entity_id: e_id,
            idempotency_key: &format!("enrollment-{e_id}-{event}-v{version}"),
        },
        s,
        &parts,
        now,
        &lang,
    )
    .await?;
    Ok(())
}

async fn audit_change(
    conn: &mut Conn,
    caller: &Caller,
    now: i64,
    action: &str,
    before: Option<&EnrollmentRecord>,
    id: i64,
) -> Result<EnrollmentRecord, AppError> {
    let after = repo::get(conn, id).await?;
    crate::audit::record(
        conn,
        caller,
        now,
        action,
        ("enrollment", id),
        before,
        Some(&after),
    )
    .await?;
    Ok(after)
}

/// Who may enroll `learner` into `s`: staff anyone; a client contact their own people (private
/// sessions only their own client's); a learner themself into public sessions.
fn may_enroll(
    caller: &Caller,
    s: &Session,
    learner: &trainyard_store::learners::Learner,
) -> Result<(), AppError> {
    match caller.role {
        r if r.can_edit_operations() => Ok(()),
        Role::ClientContact
            if caller.client_id.is_some() && learner.client_id == caller.client_id =>
        {
            if s.client_id.is_some() && s.client_id != caller.client_id {
                Err(AppError::NotFound("session"))
            } else {
                Ok(())
            }
        }
        Role::Learner if caller.learner_id == Some(learner.id) && s.client_id.is_none() => Ok(()),
        _ => Err(AppError::Forbidden("enroll this learner".into())),
    }
}

/// Enrolls a learner: booked when a seat is free, otherwise waitlisted in arrival order (or
/// `requested` when the learner's client approves enrollments made by its contacts).
pub async fn enroll(
    app: &App,
    caller: &Caller,
    session_id: i64,
    learner_id: i64,
    priority: i64,
) -> Result<EnrollmentRecord, AppError> {
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let enrolled = enroll_in(app, &mut tx, caller, session_id, learner_id, priority, now).await?;
    tx.commit().await?;
    Ok(enrolled)
}

pub(crate) async fn enroll_in(
    app: &App,
    tx: &mut Conn,
    caller: &Caller,
    session_id: i64,
    learner_id: i64,
    priority: i64,
    now: i64,
) -> Result<EnrollmentRecord, AppError> {
    enroll_telling(
        app,
        tx,
        caller,
        (session_id, learner_id),
        priority,
        now,
        true,
    )
    .await
}

/// [`enroll_in`] without the learner's confirmation e-mail: a spreadsheet import moves existing
/// bookings into Trainyard, which the learners were told about when they were made.
pub(crate) async fn enroll_untold(
    app: &App,
    tx: &mut Conn,
    caller: &Caller,
    (session_id, learner_id): (i64, i64),
    now: i64,
) -> Result<EnrollmentRecord, AppError> {
    enroll_telling(app, tx, caller, (session_id, learner_id), 0, now, false).await
}

/// [`enroll_in`], with the learner's message left to the caller when `told` is false (a merge
/// writes one message saying both what was cancelled and what replaces it).
async fn enroll_telling(
    app: &App,
    tx: &mut Conn,
    caller: &Caller,
    (session_id, learner_id): (i64, i64),
    priority: i64,
    now: i64,
    told: bool,
) -> Result<EnrollmentRecord, AppError> {
    let s = sessions::get(tx, session_id).await.about("session")?;
    let learner = learners::get(tx, learner_id).await.about("learner")?;
    let (_, _, cutoff_hours) = repo::session_rules(tx, session_id).await?;
    let existing = repo::find(tx, session_id, learner_id).await?;
    may_take(caller, &s, &learner, cutoff_hours, existing.as_ref(), now)?;
    let needs_approval = caller.role == Role::ClientContact
        && client_requires_approval(tx, learner.client_id).await?;
    // The seat guard is the first write: it orders concurrent enrollments on the session row.
    let (status, position) = if needs_approval {
        (EnrollmentStatus::Requested, None)
    } else if repo::claim_seat(tx, session_id).await? {
        (EnrollmentStatus::Booked, None)
    } else {
        (
            EnrollmentStatus::Waitlisted,
            Some(repo::next_waitlist_position(tx, session_id).await?),
        )
    };
    // The price from the client's agreement (a prepaid seat, a negotiated rate, a discount).
    let priced = crate::agreements::price_for(tx, &s, learner.client_id).await?;
    let inserted = existing.is_none();
    let id = match existing {
        Some(e) => {
            repo::set_state(tx, e.id, e.version, status, position, None, now).await?;
            e.id
        }
        None => {
            repo::insert_record(
                tx,
                &NewEnrollment {
                    session_id,
                    learner_id,
                    status,
                    waitlist_position: position,
                    price: priced.price,
                    enrolled_by: (caller.user_id != 0).then_some(caller.user_id),
                },
                priority,
                now,
            )
            .await?
        }
    };
    crate::agreements::record_price(tx, caller, id, &priced, inserted, now).await?;
    let event = match status {
        EnrollmentStatus::Booked => "enrollment_confirmed",
        EnrollmentStatus::Waitlisted => "enrollment_waitlisted",
        _ => "enrollment_requested",
    };
    if told {
        tell(
            app,
            tx,
            event,
            id,
            learner_id,
            &s,
            json!({ "position": position }),
            now,
        )
        .await?;
    }
    // The audit chain's head row is every transaction's last write: it is held only until commit.
    let after = audit_change(
        tx,
        caller,
        now,
        &format!("enrollment.{}", status.as_str()),
        None,
        id,
    )
    .await?;
    Ok(after)
}

/// The refusal of a private session to a learner of another client.
fn private_to_client(s: &Session) -> AppError {
    AppError::Refused(trainyard_core::refusal!(
        "refused-enroll-private",
        "Session {session} is private to {client}.",
        session = s.reference,
        client = s.client_name.clone().unwrap_or_default()
    ))
}

/// The refusal of a learner already holding a place (or a waitlist spot) in the session.
fn already_enrolled(first: &str, last: &str, s: &Session, status: EnrollmentStatus) -> AppError {
    AppError::Refused(trainyard_core::refusal!(
        "refused-enroll-already",
        "{first} {last} is already enrolled in {session} ({status}).",
        first = first,
        last = last,
        session = s.reference,
        status = status.label().to_lowercase()
    ))
}

/// Whether `learner` may be enrolled into `s` now, before anything is written: who may enroll
/// whom, the session's status and start, a private session's client, the cutoff for non-staff,
/// and an enrollment that is already there (`existing`, of any status). The refusals an
/// enrollment and an import's many enrollments share, word for word.
pub(crate) fn may_take(
    caller: &Caller,
    s: &Session,
    learner: &trainyard_store::learners::Learner,
    cutoff_hours: i64,
    existing: Option<&EnrollmentRecord>,
    now: i64,
) -> Result<(), AppError> {
    may_enroll(caller, s, learner)?;
    if !matches!(
        s.status,
        SessionStatus::Scheduled | SessionStatus::Confirmed
    ) || s.archived_at.is_some()
    {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-enroll-status",
            "Session {session} is {status}: it takes no enrollments.",
            session = s.reference,
            status = s.status.label().to_lowercase()
        )));
    }
    if s.starts_at <= now {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-enroll-started",
            "Session {session} has already started.",
            session = s.reference
        )));
    }
    if s.client_id.is_some() && learner.client_id != s.client_id {
        return Err(private_to_client(s));
    }
    if !caller.role.is_staff() && s.starts_at - now < cutoff_hours * HOUR {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-enroll-cutoff",
            "Enrollment for {session} closed {hours} hours before the start; ask your coordinator.",
            session = s.reference,
            hours = cutoff_hours
        )));
    }
    if let Some(e) = existing
        && !matches!(
            e.status,
            EnrollmentStatus::Cancelled | EnrollmentStatus::Transferred
        )
    {
        return Err(already_enrolled(
            &learner.first_name,
            &learner.last_name,
            s,
            e.status,
        ));
    }
    Ok(())
}

async fn client_requires_approval(tx: &mut Conn, client_id: Option<i64>) -> Result<bool, AppError> {
    match client_id {
        Some(c) => Ok(trainyard_store::clients::get(tx, c)
            .await?
            .requires_approval),
        None => Ok(false),
    }
}

/// [`promote`] for a seat freed outside enrollment: a renewal offer's hold given back.
pub(crate) async fn promote_freed(
    app: &App,
    tx: &mut Conn,
    caller: &Caller,
    session_id: i64,
    now: i64,
) -> Result<Vec<EnrollmentRecord>, AppError> {
    let s = sessions::get(tx, session_id).await.about("session")?;
    promote(app, tx, caller, &s, now).await
}

/// Gives freed seats to the waitlist: one learner per seat, in order; an offer when the session
/// promotes by offer.
async fn promote(
    app: &App,
    tx: &mut Conn,
    caller: &Caller,
    s: &Session,
    now: i64,
) -> Result<Vec<EnrollmentRecord>, AppError> {
    let (mode, offer_hours, _) = repo::session_rules(tx, s.id).await?;
    let mut promoted = Vec::new();
    while let Some(next) = repo::next_in_line(tx, s.id).await? {
        if !repo::claim_seat(tx, s.id).await? {
            break;
        }
        if mode == "offer" {
            let expires = now + offer_hours * HOUR;
            repo::set_state(
                tx,
                next.id,
                next.version,
                EnrollmentStatus::Waitlisted,
                next.waitlist_position,
                Some(expires),
                now,
            )
            .await?;
            let after =
                audit_change(tx, caller, now, "enrollment.offered", Some(&next), next.id).await?;
            tell(
                app,
                tx,
                "enrollment_offer",
                next.id,
                next.learner_id,
                s,
                json!({
                    "offer_expires": tz(s).display(expires),
                    "accept_url": app.link(&format!("/portal/enrollments/{}", next.id)),
                }),
                now,
            )
            .await?;
            promoted.push(after);
        } else {
            repo::set_state(
                tx,
                next.id,
                next.version,
                EnrollmentStatus::Booked,
                None,
                None,
                now,
            )
            .await?;
            repo::left_waitlist(tx, s.id).await?;
            let after =
                audit_change(tx, caller, now, "enrollment.promoted", Some(&next), next.id).await?;
            tell(
                app,
                tx,
                "enrollment_promoted",
                next.id,
                next.learner_id,
                s,
                json!({}),
                now,
            )
            .await?;
            promoted.push(after);
        }
    }
    Ok(promoted)
}

/// Who may change an enrollment: staff; the client contact of the learner's client; the learner.
async fn may_change(
    tx: &mut Conn,
    caller: &Caller,
    e: &EnrollmentRecord,
    s: &Session,
    now: i64,
) -> Result<(), AppError> {
    if caller.role.can_edit_operations() {
        return Ok(());
    }
    let learner = learners::get(tx, e.learner_id).await?;
    let own = (caller.role == Role::Learner && caller.learner_id == Some(e.learner_id))
        || (caller.role == Role::ClientContact
            && caller.client_id.is_some()
            && caller.client_id == learner.client_id);
    if !own {
        return Err(AppError::NotFound("enrollment"));
    }
    let (_, _, cutoff_hours) = repo::session_rules(tx, s.id).await?;
    if s.starts_at - now < cutoff_hours * HOUR {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-change-cutoff",
            "Changes to {session} closed {hours} hours before the start; ask your coordinator.",
            session = s.reference,
            hours = cutoff_hours
        )));
    }
    Ok(())
}

/// Cancels an enrollment. A freed seat goes to the waitlist in the same transaction.
pub async fn cancel(
    app: &App,
    caller: &Caller,
    enrollment_id: i64,
    version: i64,
) -> Result<EnrollmentRecord, AppError> {
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let after = cancel_in(app, &mut tx, caller, enrollment_id, version, now).await?;
    tx.commit().await?;
    Ok(after)
}

/// [`cancel`] inside the caller's transaction (the demo seeder's).
pub(crate) async fn cancel_in(
    app: &App,
    tx: &mut Conn,
    caller: &Caller,
    enrollment_id: i64,
    version: i64,
    now: i64,
) -> Result<EnrollmentRecord, AppError> {
    let peek = repo::get(&mut *tx, enrollment_id)
        .await
        .about("enrollment")?;
    // Write first: the session row orders every seat change of this session.
    sessions::touch(&mut *tx, peek.session_id).await?;
    let before = repo::get(&mut *tx, enrollment_id).await?;
    if before.version != version {
        return Err(AppError::Stale("enrollment"));
    }
    let s = sessions::get(&mut *tx, before.session_id).await?;
    may_change(&mut *tx, caller, &before, &s, now).await?;
    let held_seat = before.status == EnrollmentStatus::Booked
        || (before.status == EnrollmentStatus::Waitlisted && before.offer_expires_at.is_some());
    match before.status {
        EnrollmentStatus::Booked | EnrollmentStatus::Waitlisted | EnrollmentStatus::Requested => {}
        other => {
            return Err(AppError::Refused(trainyard_core::refusal!(
                "refused-cancel-status",
                "A {status} enrollment cannot be cancelled.",
                status = other.label().to_lowercase()
            )));
        }
    }
    repo::set_state(
        &mut *tx,
        enrollment_id,
        version,
        EnrollmentStatus::Cancelled,
        None,
        None,
        now,
    )
    .await?;
    // A reminder queued for delivery in the next seconds must not reach someone who left.
    trainyard_store::reminders::withdraw_for(&mut *tx, "enrollment", enrollment_id).await?;
    let (_, _, cutoff_hours) = repo::session_rules(&mut *tx, s.id).await?;
    crate::agreements::on_cancel(
        &mut *tx,
        caller,
        enrollment_id,
        s.starts_at,
        cutoff_hours,
        now,
    )
    .await?;
    // The cancellation policy's fee, and the credit note of the rest when it was invoiced.
    crate::cancellation::charge_in(
        &mut *tx,
        enrollment_id,
        before.status == EnrollmentStatus::Booked,
        &s,
        now,
    )
    .await?;
    if before.status == EnrollmentStatus::Waitlisted {
        repo::left_waitlist(&mut *tx, s.id).await?;
    }
    if held_seat {
        repo::release_seat(&mut *tx, s.id).await?;
    }
    let after = audit_change(
        &mut *tx,
        caller,
        now,
        "enrollment.cancelled",
        Some(&before),
        enrollment_id,
    )
    .await?;
    tell(
        app,
        &mut *tx,
        "enrollment_cancelled",
        enrollment_id,
        before.learner_id,
        &s,
        json!({}),
        now,
    )
    .await?;
    if held_seat {
        promote(app, &mut *tx, caller, &s, now).await?;
    }
    Ok(after)
}

/// Puts another learner in an enrollment's place (a colleague goes instead): the newcomer takes
/// the same seat, or the same place in the waiting list, and the one replaced is cancelled; both
/// are told. A client contact may substitute their own people, within the session's cut-off.
pub async fn substitute(
    app: &App,
    caller: &Caller,
    enrollment_id: i64,
    version: i64,
    learner_id: i64,
) -> Result<EnrollmentRecord, AppError> {
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let peek = repo::get(&mut tx, enrollment_id)
        .await
        .about("enrollment")?;
    // Write first: the session row orders every seat change of this session.
    sessions::touch(&mut tx, peek.session_id).await?;
    let before = repo::get(&mut tx, enrollment_id).await?;
    let s = sessions::get(&mut tx, before.session_id).await?;
    may_change(&mut tx, caller, &before, &s, now).await?;
    if before.version != version {
        return Err(AppError::Stale("enrollment"));
    }
    let newcomer = learners::get(&mut tx, learner_id).await.about("learner")?;
    may_enroll(caller, &s, &newcomer)?;
    if !matches!(
        before.status,
        EnrollmentStatus::Booked | EnrollmentStatus::Waitlisted | EnrollmentStatus::Requested
    ) {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-hand-over-status",
            "A {status} enrollment cannot be handed to someone else.",
            status = before.status.label().to_lowercase()
        )));
    }
    if s.client_id.is_some() && newcomer.client_id != s.client_id {
        return Err(private_to_client(&s));
    }
    let existing = repo::find(&mut tx, s.id, learner_id).await?;
    if let Some(e) = &existing
        && !matches!(
            e.status,
            EnrollmentStatus::Cancelled | EnrollmentStatus::Transferred
        )
    {
        return Err(already_enrolled(
            &newcomer.first_name,
            &newcomer.last_name,
            &s,
            e.status,
        ));
    }
    // The seat (or the place in line) passes over as it is: no seat is released or claimed.
    repo::set_state(
        &mut tx,
        enrollment_id,
        version,
        EnrollmentStatus::Cancelled,
        None,
        None,
        now,
    )
    .await?;
    trainyard_store::reminders::withdraw_for(&mut tx, "enrollment", enrollment_id).await?;
    // A colleague goes instead: the prepaid seat of the one replaced comes back.
    crate::agreements::return_credit(&mut tx, caller, enrollment_id, now).await?;
    let id = match existing {
        Some(e) => {
            repo::set_state(
                &mut tx,
                e.id,
                e.version,
                before.status,
                before.waitlist_position,
                before.offer_expires_at,
                now,
            )
            .await?;
            e.id
        }
        None => {
            repo::insert_record(
                &mut tx,
                &NewEnrollment {
                    session_id: s.id,
                    learner_id,
                    status: before.status,
                    waitlist_position: before.waitlist_position,
                    price: s.seat_price,
                    enrolled_by: (caller.user_id != 0).then_some(caller.user_id),
                },
                before.priority,
                now,
            )
            .await?
        }
    };
    crate::agreements::price_enrollment(&mut tx, caller, &s, newcomer.client_id, id, now).await?;
    if before.offer_expires_at.is_some() {
        // An open offer passes over too (a new row has none yet).
        let v = repo::get(&mut tx, id).await?.version;
        repo::set_state(
            &mut tx,
            id,
            v,
            before.status,
            before.waitlist_position,
            before.offer_expires_at,
            now,
        )
        .await?;
    }
    audit_change(
        &mut tx,
        caller,
        now,
        "enrollment.substituted",
        Some(&before),
        enrollment_id,
    )
    .await?;
    tell(
        app,
        &mut tx,
        "enrollment_cancelled",
        enrollment_id,
        before.learner_id,
        &s,
        json!({}),
        now,
    )
    .await?;
    let event = match before.status {
        EnrollmentStatus::Booked => "enrollment_confirmed",
        EnrollmentStatus::Waitlisted => "enrollment_waitlisted",
        _ => "enrollment_requested",
    };
    tell(
        app,
        &mut tx,
        event,
        id,
        learner_id,
        &s,
        json!({ "position": before.waitlist_position }),
        now,
    )
    .await?;
    let after = audit_change(&mut tx, caller, now, "enrollment.substitute", None, id).await?;
    tx.commit().await?;
    Ok(after)
}

/// Accepts an offered seat before it expires.
pub async fn accept_offer(
    app: &App,
    caller: &Caller,
    enrollment_id: i64,
) -> Result<EnrollmentRecord, AppError> {
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let peek = repo::get(&mut tx, enrollment_id)
        .await
        .about("enrollment")?;
    sessions::touch(&mut tx, peek.session_id).await?;
    let before = repo::get(&mut tx, enrollment_id).await?;
    let s = sessions::get(&mut tx, before.session_id).await?;
    let own = caller.role == Role::Learner && caller.learner_id == Some(before.learner_id);
    if !(caller.role.can_edit_operations() || own) {
        return Err(AppError::NotFound("enrollment"));
    }
    match before.offer_expires_at {
        Some(t) if before.status == EnrollmentStatus::Waitlisted && t >= now => {}
        Some(_) if before.status == EnrollmentStatus::Waitlisted => {
            return Err(AppError::Refused(trainyard_core::refusal!(
                "refused-offer-expired",
                "This offer has expired; the seat went to the next person in line."
            )));
        }
        _ => {
            return Err(AppError::Refused(trainyard_core::refusal!(
                "refused-offer-none",
                "There is no open offer for this enrollment."
            )));
        }
    }
    repo::set_state(
        &mut tx,
        enrollment_id,
        before.version,
        EnrollmentStatus::Booked,
        None,
        None,
        now,
    )
    .await?;
    repo::left_waitlist(&mut tx, s.id).await?;
    let after = audit_change(
        &mut tx,
        caller,
        now,
        "enrollment.offer_accepted",
        Some(&before),
        enrollment_id,
    )
    .await?;
    tell(
        app,
        &mut tx,
        "enrollment_promoted",
        enrollment_id,
        before.learner_id,
        &s,
        json!({}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Background job: offers that ran out lose their seat, which passes to the next in line.
pub async fn expire_offers(app: &App, now: i64) -> Result<usize, AppError> {
    let system = Caller::system();
    let due = {
        let mut conn = app.store.read().await?;
        repo::expired_offers(&mut conn, now, 100).await?
    };
    let mut n = 0;
    for e in due {
        let mut tx = app.store.write().await?;
        sessions::touch(&mut tx, e.session_id).await?;
        let before = repo::get(&mut tx, e.id).await?;
        // Another worker (or the learner accepting) got there first.
        if before.status != EnrollmentStatus::Waitlisted
            || before.offer_expires_at.is_none_or(|t| t >= now)
        {
            continue;
        }
        let s = sessions::get(&mut tx, e.session_id).await?;
        repo::set_state(
            &mut tx,
            e.id,
            before.version,
            EnrollmentStatus::Cancelled,
            None,
            None,
            now,
        )
        .await?;
        repo::left_waitlist(&mut tx, s.id).await?;
        repo::release_seat(&mut tx, s.id).await?;
        // Not the learner's doing: a prepaid seat comes back.
        crate::agreements::return_credit(&mut tx, &system, e.id, now).await?;
        audit_change(
            &mut tx,
            &system,
            now,
            "enrollment.offer_expired",
            Some(&before),
            e.id,
        )
        .await?;
        promote(app, &mut tx, &system, &s, now).await?;
        tx.commit().await?;
        n += 1;
    }
    Ok(n)
}

/// Moves a learner to another session: cancelled here (the seat goes to this waitlist) and
/// enrolled there, booked or waitlisted, in one transaction.
pub async fn transfer(
    app: &App,
    caller: &Caller,
    enrollment_id: i64,
    version: i64,
    to_session: i64,
) -> Result<EnrollmentRecord, AppError> {
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let peek = repo::get(&mut tx, enrollment_id)
        .await
        .about("enrollment")?;
    if peek.session_id == to_session {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-transfer-same",
            "Choose a different session to transfer to."
        )));
    }
    // Lock both sessions in id order, so two opposite transfers cannot deadlock.
    let (a, b) = if peek.session_id < to_session {
        (peek.session_id, to_session)
    } else {
        (to_session, peek.session_id)
    };
    sessions::touch(&mut tx, a).await?;
    sessions::touch(&mut tx, b).await.about("session")?;
    let before = repo::get(&mut tx, enrollment_id).await?;
    if before.version != version {
        return Err(AppError::Stale("enrollment"));
    }
    let s = sessions::get(&mut tx, before.session_id).await?;
    may_change(&mut tx, caller, &before, &s, now).await?;
    if !matches!(
        before.status,
        EnrollmentStatus::Booked | EnrollmentStatus::Waitlisted
    ) {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-transfer-status",
            "A {status} enrollment cannot be transferred.",
            status = before.status.label().to_lowercase()
        )));
    }
    let held_seat = before.status == EnrollmentStatus::Booked || before.offer_expires_at.is_some();
    // A prepaid seat moves with the learner: given back here, drawn again there.
    crate::agreements::return_credit(&mut tx, caller, enrollment_id, now).await?;
    let target = enroll_in(
        app,
        &mut tx,
        caller,
        to_session,
        before.learner_id,
        before.priority,
        now,
    )
    .await?;
    repo::set_state(
        &mut tx,
        enrollment_id,
        version,
        EnrollmentStatus::Transferred,
        None,
        None,
        now,
    )
    .await?;
    trainyard_store::reminders::withdraw_for(&mut tx, "enrollment", enrollment_id).await?;
    repo::set_transferred(&mut tx, enrollment_id, target.id).await?;
    if before.status == EnrollmentStatus::Waitlisted {
        repo::left_waitlist(&mut tx, s.id).await?;
    }
    if held_seat {
        repo::release_seat(&mut tx, s.id).await?;
    }
    audit_change(
        &mut tx,
        caller,
        now,
        "enrollment.transferred",
        Some(&before),
        enrollment_id,
    )
    .await?;
    if held_seat {
        promote(app, &mut tx, caller, &s, now).await?;
    }
    tx.commit().await?;
    Ok(target)
}

/// Approves a requested enrollment (client approval given): booked or waitlisted as seats allow.
pub async fn approve(
    app: &App,
    caller: &Caller,
    enrollment_id: i64,
    version: i64,
) -> Result<EnrollmentRecord, AppError> {
    caller.require_operations("approve enrollments")?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let peek = repo::get(&mut tx, enrollment_id)
        .await
        .about("enrollment")?;
    sessions::touch(&mut tx, peek.session_id).await?;
    let before = repo::get(&mut tx, enrollment_id).await?;
    if before.version != version {
        return Err(AppError::Stale("enrollment"));
    }
    if before.status != EnrollmentStatus::Requested {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-approve-not-requested",
            "Only requested enrollments wait for approval."
        )));
    }
    let s = sessions::get(&mut tx, before.session_id).await?;
    let (status, position) = if repo::claim_seat(&mut tx, s.id).await? {
        (EnrollmentStatus::Booked, None)
    } else {
        (
            EnrollmentStatus::Waitlisted,
            Some(repo::next_waitlist_position(&mut tx, s.id).await?),
        )
    };
    repo::set_state(&mut tx, enrollment_id, version, status, position, None, now).await?;
    let after = audit_change(
        &mut tx,
        caller,
        now,
        "enrollment.approved",
        Some(&before),
        enrollment_id,
    )
    .await?;
    let event = if status == EnrollmentStatus::Booked {
        "enrollment_confirmed"
    } else {
        "enrollment_waitlisted"
    };
    tell(
        app,
        &mut tx,
        event,
        enrollment_id,
        before.learner_id,
        &s,
        json!({ "position": position }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// After a capacity increase: the waitlist fills the new seats.
pub(crate) async fn fill_freed_seats(
    app: &App,
    tx: &mut Conn,
    caller: &Caller,
    session_id: i64,
    now: i64,
) -> Result<(), AppError> {
    let s = sessions::get(tx, session_id).await?;
    promote(app, tx, caller, &s, now).await?;
    Ok(())
}

/// Sets how a session promotes from its waitlist and when self-service closes.
pub async fn set_rules(
    app: &App,
    caller: &Caller,
    session_id: i64,
    mode: &str,
    offer_hours: i64,
    cutoff_hours: i64,
) -> Result<(), AppError> {
    caller.require_operations("change enrollment rules")?;
    let mut inv = trainyard_core::Invalid::new();
    if !matches!(mode, "auto" | "offer") {
        inv.add(
            "promotion_mode",
            format!("'{mode}' is not a promotion mode (auto or offer)"),
        );
    }
    if !(1..=336).contains(&offer_hours) {
        inv.add("offer_hours", "must be between 1 and 336");
    }
    if !(0..=720).contains(&cutoff_hours) {
        inv.add("cutoff_hours", "must be between 0 and 720");
    }
    if !inv.is_empty() {
        return Err(inv.into());
    }
    let now = now_ms();
    let mut tx = app.store.write().await?;
    sessions::get(&mut tx, session_id).await.about("session")?;
    let before = repo::session_rules(&mut tx, session_id).await?;
    repo::set_session_rules(&mut tx, session_id, mode, offer_hours, cutoff_hours).await?;
    let after =
        json!({ "promotion_mode": mode, "offer_hours": offer_hours, "cutoff_hours": cutoff_hours });
    let before =
        json!({ "promotion_mode": before.0, "offer_hours": before.1, "cutoff_hours": before.2 });
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "session.enrollment_rules",
        ("session", session_id),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What merging one session into another would do: who moves (booked there or waiting), and
/// which instructors and rooms the cancelled session gives up. Shown for confirmation first.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct MergePlan {
    pub from_session_id: i64,
    pub from_reference: String,
    pub into_session_id: i64,
    pub into_reference: String,
    /// Seats free in the target before the merge.
    pub seats_free: i64,
    pub moves: Vec<MergeMove>,
    /// How many of the moved learners get a seat, and how many wait.
    pub booked: i64,
    pub waiting: i64,
    /// Instructors released from the cancelled session (each is told).
    pub instructors: Vec<String>,
    /// Rooms and equipment released from the cancelled session.
    pub resources: Vec<String>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct MergeMove {
    pub enrollment_id: i64,
    pub learner_id: i64,
    pub learner_name: String,
    /// `booked` or `waitlisted` in the target; `already` when the learner is enrolled there.
    pub outcome: String,
    /// Their place in the target's waiting list.
    pub waitlist_position: Option<i64>,
}

/// The source's live enrollments in merge order: booked learners keep their precedence over the
/// waitlisted ones, who keep their order.
async fn merge_order(
    tx: &mut Conn,
    from_session: i64,
) -> Result<Vec<(EnrollmentRecord, String)>, AppError> {
    let mut moving = Vec::new();
    for e in repo::for_session(tx, from_session).await? {
        if matches!(
            e.status,
            EnrollmentStatus::Booked | EnrollmentStatus::Waitlisted | EnrollmentStatus::Requested
        ) {
            moving.push((repo::get(tx, e.id).await?, e.learner_name.clone()));
        }
    }
    moving.sort_by_key(|(e, _)| {
        (
            e.status != EnrollmentStatus::Booked,
            e.waitlist_position.unwrap_or(0),
            e.id,
        )
    });
    Ok(moving)
}

async fn check_merge(
    tx: &mut Conn,
    from_session: i64,
    into_session: i64,
) -> Result<(Session, Session), AppError> {
    if from_session == into_session {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-merge-same",
            "Choose another session to merge into."
        )));
    }
    let from = sessions::get(tx, from_session).await.about("session")?;
    let into = sessions::get(tx, into_session).await.about("session")?;
    if from.course_id != into.course_id {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-merge-courses",
            "{from} and {into} are different courses.",
            from = from.reference,
            into = into.reference
        )));
    }
    Ok((from, into))
}

/// Plans a merge on the state `tx` sees; `merge_into` runs the same plan.
async fn plan_merge(tx: &mut Conn, from: &Session, into: &Session) -> Result<MergePlan, AppError> {
    let mut free = (into.capacity - into.booked_count - into.held_count).max(0);
    let seats_free = free;
    let mut next_position = into.waitlist_count;
    let mut moves = Vec::new();
    for (e, name) in merge_order(tx, from.id).await? {
        let already = repo::find(tx, into.id, e.learner_id)
            .await?
            .is_some_and(|x| {
                !matches!(
                    x.status,
                    EnrollmentStatus::Cancelled | EnrollmentStatus::Transferred
                )
            });
        let (outcome, position) = if already {
            ("already", None)
        } else if free > 0 {
            free -= 1;
            ("booked", None)
        } else {
            next_position += 1;
            ("waitlisted", Some(next_position))
        };
        moves.push(MergeMove {
            enrollment_id: e.id,
            learner_id: e.learner_id,
            learner_name: name,
            outcome: outcome.into(),
            waitlist_position: position,
        });
    }
    let mut instructors = Vec::new();
    for a in trainyard_store::assignments::for_session(tx, from.id).await? {
        if a.status.is_live() && !instructors.contains(&a.instructor_name) {
            instructors.push(a.instructor_name);
        }
    }
    let mut resources = Vec::new();
    for b in trainyard_store::bookings::for_session(tx, from.id).await? {
        if !resources.contains(&b.resource_name) {
            resources.push(b.resource_name);
        }
    }
    Ok(MergePlan {
        from_session_id: from.id,
        from_reference: from.reference.clone(),
        into_session_id: into.id,
        into_reference: into.reference.clone(),
        seats_free,
        booked: moves.iter().filter(|m| m.outcome == "booked").count() as i64,
        waiting: moves.iter().filter(|m| m.outcome == "waitlisted").count() as i64,
        moves,
        instructors,
        resources,
    })
}

/// What merging `from_session` into `into_session` would do, changing nothing.
pub async fn merge_preview(
    app: &App,
    caller: &Caller,
    from_session: i64,
    into_session: i64,
) -> Result<MergePlan, AppError> {
    caller.require_operations("merge sessions")?;
    let mut conn = app.store.read().await?;
    let (from, into) = check_merge(&mut conn, from_session, into_session).await?;
    plan_merge(&mut conn, &from, &into).await
}

/// A session one could merge into, and how many of the moving learners would have to wait.
#[derive(Debug, Clone)]
pub struct MergeTarget {
    pub session: Session,
    pub would_wait: i64,
}

/// The upcoming sessions of the same course that take enrollments, those with room for everyone
/// first (then by date), each with how many would wait.
pub async fn merge_targets(
    app: &App,
    caller: &Caller,
    from_session: i64,
) -> Result<Vec<MergeTarget>, AppError> {
    caller.require_operations("merge sessions")?;
    let now = now_ms();
    let mut conn = app.store.read().await?;
    let from = sessions::get(&mut conn, from_session)
        .await
        .about("session")?;
    let moving = merge_order(&mut conn, from_session).await?.len() as i64;
    let mut out = Vec::new();
    for status in [SessionStatus::Scheduled, SessionStatus::Confirmed] {
        let mut f = sessions::SessionFilter {
            course_id: Some(from.course_id),
            status: status.as_str().to_owned(),
            from_ms: Some(now),
            ..Default::default()
        };
        f.list.per_page = 50;
        for x in sessions::list(&mut conn, &f).await?.items {
            if x.id == from.id || x.archived_at.is_some() {
                continue;
            }
            let free = (x.capacity - x.booked_count - x.held_count).max(0);
            out.push(MergeTarget {
                would_wait: (moving - free).max(0),
                session: x,
            });
        }
    }
    out.sort_by_key(|t| (t.would_wait > 0, t.session.starts_at, t.session.id));
    Ok(out)
}

/// The session an enrollment belongs to, for staff: where a refused action on it is shown.
pub async fn session_of(app: &App, caller: &Caller, enrollment_id: i64) -> Result<i64, AppError> {
    caller.require_staff("see enrollments")?;
    let mut conn = app.store.read().await?;
    Ok(repo::get(&mut conn, enrollment_id)
        .await
        .about("enrollment")?
        .session_id)
}

/// Viability: merges an under-filled session into another session of the same course, in one
/// transaction: every booked and waitlisted learner is moved (booked there while seats last, then
/// waitlisted) and gets one message saying their date is cancelled and what replaces it; the
/// emptied session is cancelled ("low enrollment"), its instructors released and told, its rooms
/// and equipment released.
pub async fn merge_into(
    app: &App,
    caller: &Caller,
    from_session: i64,
    into_session: i64,
) -> Result<Session, AppError> {
    caller.require_operations("merge sessions")?;
    if from_session == into_session {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-merge-same",
            "Choose another session to merge into."
        )));
    }
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let (a, b) = if from_session < into_session {
        (from_session, into_session)
    } else {
        (into_session, from_session)
    };
    sessions::touch(&mut tx, a).await.about("session")?;
    sessions::touch(&mut tx, b).await.about("session")?;
    let (from, into) = check_merge(&mut tx, from_session, into_session).await?;
    let cancelled = from
        .status
        .transition(trainyard_core::status::SessionEvent::Cancel)?;
    let plan = plan_merge(&mut tx, &from, &into).await?;
    let old_when = tz(&from).display(from.starts_at);
    for m in &plan.moves {
        let before = repo::get(&mut tx, m.enrollment_id).await?;
        // A prepaid seat moves with the learner: given back here, drawn again there.
        crate::agreements::return_credit(&mut tx, caller, before.id, now).await?;
        let target = match repo::find(&mut tx, into_session, before.learner_id).await? {
            Some(x)
                if !matches!(
                    x.status,
                    EnrollmentStatus::Cancelled | EnrollmentStatus::Transferred
                ) =>
            {
                x
            }
            _ => {
                enroll_telling(
                    app,
                    &mut tx,
                    caller,
                    (into_session, before.learner_id),
                    before.priority,
                    now,
                    false,
                )
                .await?
            }
        };
        repo::set_state(
            &mut tx,
            before.id,
            before.version,
            EnrollmentStatus::Transferred,
            None,
            None,
            now,
        )
        .await?;
        trainyard_store::reminders::withdraw_for(&mut tx, "enrollment", before.id).await?;
        repo::set_transferred(&mut tx, before.id, target.id).await?;
        audit_change(
            &mut tx,
            caller,
            now,
            "enrollment.transferred",
            Some(&before),
            before.id,
        )
        .await?;
        tell(
            app,
            &mut tx,
            "enrollment_merged",
            target.id,
            before.learner_id,
            &into,
            json!({
                "old_reference": from.reference,
                "old_starts": old_when,
                "waiting": target.status == EnrollmentStatus::Waitlisted,
                "position": target.waitlist_position,
            }),
            now,
        )
        .await?;
    }
    trainyard_store::enrollments::recount(&mut tx, from_session).await?;
    sessions::set_status(&mut tx, from_session, from.version, cancelled, now).await?;
    let note = format!("merged into {}", into.reference);
    sessions::set_status_reason(
        &mut tx,
        from_session,
        trainyard_core::status::SessionEvent::Cancel,
        Some((trainyard_core::status::StatusReason::LowEnrollment, &note)),
        (caller.user_id != 0).then_some(caller.user_id),
        now,
    )
    .await?;
    let after = sessions::get(&mut tx, from_session).await?;
    // The learners have moved: the cancellation reaches the instructors still asked or booked.
    crate::schedule::sessions::cancelled(app, &mut tx, caller, &after, now).await?;
    let before = json!({ "reference": from.reference, "status": from.status.as_str(), "booked": from.booked_count, "waiting": from.waitlist_count });
    let summary = json!({
        "reference": after.reference, "status": after.status.as_str(), "merged_into": into.reference,
        "moved_booked": plan.booked, "moved_waiting": plan.waiting,
        "instructors_released": plan.instructors, "resources_released": plan.resources,
    });
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "session.merged",
        ("session", from_session),
        Some(&before),
        Some(&summary),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Sessions below their course minimum that start within `days`: the viability alerts.
pub async fn viability_alerts(
    app: &App,
    caller: &Caller,
    days: i64,
) -> Result<Vec<trainyard_store::sessions::Attention>, AppError> {
    caller.require_staff("see viability alerts")?;
    let now = now_ms();
    let mut conn = app.store.read().await?;
    Ok(
        sessions::needing_attention(&mut conn, now, now + days * 24 * HOUR)
            .await?
            .into_iter()
            .filter(|a| a.booked_count < a.min_learners)
            .collect(),
    )
}
