//! Enrollment and the waitlist. Booked never exceeds capacity: the first write of every enrollment
//! transaction is the seat guard on the session row (`booked_count < capacity`), so concurrent
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
    // The learner's own zone, the place or joining link, and their page about this booking.
    let parts = sessions::parts(conn, s.id).await?;
    let zone = TimeZoneName::parse_or_utc(&learner.time_zone);
    let mut ctx = crate::messages::session_facts(conn, s, &parts, &zone).await?;
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
            "online (the link follows in your joining instructions)".into(),
        );
    }
    if let serde_json::Value::Object(more) = extra {
        ctx.extend(more);
    }
    let ctx = serde_json::Value::Object(ctx);
    let (subject, body) = crate::messages::compose(conn, event, &ctx).await?;
    let version = repo::get(conn, e_id).await?.version;
    // Confirmations and promotions carry a calendar invitation; cancellations a CANCEL.
    crate::delivery::enqueue_with_invitation(
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
    let s = sessions::get(tx, session_id).await.about("session")?;
    let learner = learners::get(tx, learner_id).await.about("learner")?;
    may_enroll(caller, &s, &learner)?;
    if !matches!(
        s.status,
        SessionStatus::Scheduled | SessionStatus::Confirmed
    ) || s.archived_at.is_some()
    {
        return Err(AppError::Refused(format!(
            "Session {} is {}: it takes no enrollments.",
            s.reference,
            s.status.label().to_lowercase()
        )));
    }
    if s.starts_at <= now {
        return Err(AppError::Refused(format!(
            "Session {} has already started.",
            s.reference
        )));
    }
    if s.client_id.is_some() && learner.client_id != s.client_id {
        return Err(AppError::Refused(format!(
            "Session {} is private to {}.",
            s.reference,
            s.client_name.clone().unwrap_or_default()
        )));
    }
    let (_, _, cutoff_hours) = repo::session_rules(tx, session_id).await?;
    if !caller.role.is_staff() && s.starts_at - now < cutoff_hours * HOUR {
        return Err(AppError::Refused(format!(
            "Enrollment for {} closed {} hours before the start; ask your coordinator.",
            s.reference, cutoff_hours
        )));
    }
    let existing = repo::find(tx, session_id, learner_id).await?;
    if let Some(e) = &existing
        && !matches!(
            e.status,
            EnrollmentStatus::Cancelled | EnrollmentStatus::Transferred
        )
    {
        return Err(AppError::Refused(format!(
            "{} {} is already enrolled in {} ({}).",
            learner.first_name,
            learner.last_name,
            s.reference,
            e.status.label().to_lowercase()
        )));
    }
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
                    price: s.seat_price,
                    enrolled_by: (caller.user_id != 0).then_some(caller.user_id),
                },
                priority,
                now,
            )
            .await?
        }
    };
    let event = match status {
        EnrollmentStatus::Booked => "enrollment_confirmed",
        EnrollmentStatus::Waitlisted => "enrollment_waitlisted",
        _ => "enrollment_requested",
    };
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

async fn client_requires_approval(tx: &mut Conn, client_id: Option<i64>) -> Result<bool, AppError> {
    match client_id {
        Some(c) => Ok(trainyard_store::clients::get(tx, c)
            .await?
            .requires_approval),
        None => Ok(false),
    }
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
        return Err(AppError::Refused(format!(
            "Changes to {} closed {} hours before the start; ask your coordinator.",
            s.reference, cutoff_hours
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
    let peek = repo::get(&mut tx, enrollment_id)
        .await
        .about("enrollment")?;
    // Write first: the session row orders every seat change of this session.
    sessions::touch(&mut tx, peek.session_id).await?;
    let before = repo::get(&mut tx, enrollment_id).await?;
    if before.version != version {
        return Err(AppError::Stale("enrollment"));
    }
    let s = sessions::get(&mut tx, before.session_id).await?;
    may_change(&mut tx, caller, &before, &s, now).await?;
    let held_seat = before.status == EnrollmentStatus::Booked
        || (before.status == EnrollmentStatus::Waitlisted && before.offer_expires_at.is_some());
    match before.status {
        EnrollmentStatus::Booked | EnrollmentStatus::Waitlisted | EnrollmentStatus::Requested => {}
        other => {
            return Err(AppError::Refused(format!(
                "A {} enrollment cannot be cancelled.",
                other.label().to_lowercase()
            )));
        }
    }
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
    // A reminder queued for delivery in the next seconds must not reach someone who left.
    trainyard_store::reminders::withdraw_for(&mut tx, "enrollment", enrollment_id).await?;
    if before.status == EnrollmentStatus::Waitlisted {
        repo::left_waitlist(&mut tx, s.id).await?;
    }
    if held_seat {
        repo::release_seat(&mut tx, s.id).await?;
    }
    let after = audit_change(
        &mut tx,
        caller,
        now,
        "enrollment.cancelled",
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
    if held_seat {
        promote(app, &mut tx, caller, &s, now).await?;
    }
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
            return Err(AppError::Refused(
                "This offer has expired; the seat went to the next person in line.".into(),
            ));
        }
        _ => {
            return Err(AppError::Refused(
                "There is no open offer for this enrollment.".into(),
            ));
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
        return Err(AppError::Refused(
            "Choose a different session to transfer to.".into(),
        ));
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
        return Err(AppError::Refused(format!(
            "A {} enrollment cannot be transferred.",
            before.status.label().to_lowercase()
        )));
    }
    let held_seat = before.status == EnrollmentStatus::Booked || before.offer_expires_at.is_some();
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
        return Err(AppError::Refused(
            "Only requested enrollments wait for approval.".into(),
        ));
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

/// Viability: merges an under-filled session into another session of the same course — every
/// booked and waitlisted learner is transferred (booked there while seats last, then waitlisted),
/// each told, and the emptied session cancelled — in one transaction.
pub async fn merge_into(
    app: &App,
    caller: &Caller,
    from_session: i64,
    into_session: i64,
) -> Result<Session, AppError> {
    caller.require_operations("merge sessions")?;
    if from_session == into_session {
        return Err(AppError::Refused(
            "Choose another session to merge into.".into(),
        ));
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
    let from = sessions::get(&mut tx, from_session).await?;
    let into = sessions::get(&mut tx, into_session).await?;
    if from.course_id != into.course_id {
        return Err(AppError::Refused(format!(
            "{} and {} are different courses.",
            from.reference, into.reference
        )));
    }
    let mut moving: Vec<EnrollmentRecord> = Vec::new();
    for e in repo::for_session(&mut tx, from_session).await? {
        if matches!(
            e.status,
            EnrollmentStatus::Booked | EnrollmentStatus::Waitlisted | EnrollmentStatus::Requested
        ) {
            moving.push(repo::get(&mut tx, e.id).await?);
        }
    }
    // Booked learners keep their precedence over the waitlisted ones.
    moving.sort_by_key(|e| {
        (
            e.status != EnrollmentStatus::Booked,
            e.waitlist_position.unwrap_or(0),
            e.id,
        )
    });
    for before in moving {
        let target = enroll_in(
            app,
            &mut tx,
            caller,
            into_session,
            before.learner_id,
            before.priority,
            now,
        )
        .await?;
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
    }
    trainyard_store::enrollments::recount(&mut tx, from_session).await?;
    let cancelled = from
        .status
        .transition(trainyard_core::status::SessionEvent::Cancel)?;
    sessions::set_status(&mut tx, from_session, from.version, cancelled, now).await?;
    let after = sessions::get(&mut tx, from_session).await?;
    let before = json!({ "reference": from.reference, "status": from.status.as_str(), "booked": from.booked_count, "waiting": from.waitlist_count });
    let note = json!({ "reference": after.reference, "status": after.status.as_str(), "merged_into": into.reference });
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "session.merged",
        ("session", from_session),
        Some(&before),
        Some(&note),
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
