//! Putting instructors and resources on sessions, without conflicts.
//!
//! Confirmation is where double-booking is made impossible: the transaction first locks the
//! instructor's (or resource's) row, so confirmations of one instructor run one after another;
//! it then loads the facts, lets `trainyard_core::conflicts` judge them, and finally writes the
//! slots, which the database itself refuses to overlap (exclusion constraint / trigger).
//!
//! Proposing and requesting judge the same problems by the same rule (`judge`), so nobody is
//! proposed or e-mailed a request for a session they could not be confirmed on.

use crate::error::About;
use crate::{App, AppError, Caller, now_ms};
use std::collections::HashMap;
use trainyard_core::conflicts::{
    self, Busy, InstructorFacts, PlannedPart, Problem, ResourceFacts, Severity,
};
use trainyard_core::refusal;
use trainyard_core::status::{
    AssignmentEvent, AssignmentStatus, BookingStatus, ResourceKind, SessionStatus,
};
use trainyard_core::{Interval, Role, TimeZoneName};
use trainyard_store::assignments::{self, AssignmentRecord};
use trainyard_store::sessions::{self, Part, Session};
use trainyard_store::{Conn, bookings, courses, instructors, outbox, resources, venues};

const DAY: i64 = 86_400_000;

fn zone(name: &str) -> TimeZoneName {
    TimeZoneName::parse_or_utc(name)
}

fn live_parts(parts: &[Part]) -> Vec<&Part> {
    parts.iter().filter(|p| p.status == "scheduled").collect()
}

fn window(parts: &[&Part], margin: i64) -> (i64, i64) {
    let from = parts.iter().map(|p| p.starts_at).min().unwrap_or(0) - margin;
    let to = parts.iter().map(|p| p.ends_at).max().unwrap_or(0) + margin;
    (from, to)
}

fn busy_of(b: trainyard_store::assignments::BusySlot) -> Option<Busy> {
    Some(Busy {
        interval: Interval::new(b.starts_at, b.ends_at).ok()?,
        venue_id: b.venue_id,
        venue_name: b.venue_name,
        label: b.label,
        quantity: b.quantity,
    })
}

pub(crate) async fn instructor_facts(
    conn: &mut Conn,
    session: &Session,
    parts: &[Part],
    instructor_id: i64,
) -> Result<InstructorFacts, AppError> {
    let inst = instructors::get(conn, instructor_id)
        .await
        .about("instructor")?;
    let course = courses::get(conn, session.course_id).await?;
    let live = live_parts(parts);
    // Limits need the whole month around the parts; travel and overlap the days around them.
    let (from, to) = window(&live, 40 * DAY);
    let busy = assignments::busy_slots(conn, instructor_id, from, to, session.id)
        .await?
        .into_iter()
        .filter_map(busy_of)
        .collect();
    let travel: HashMap<(i64, i64), i64> = venues::travel_times(conn)
        .await?
        .into_iter()
        .map(|(a, b, m)| ((a, b), m))
        .collect();
    let qualifications = instructors::qualifications(conn, instructor_id)
        .await?
        .into_iter()
        .map(|q| conflicts::Qualification {
            course_id: q.course_id,
            skill: q.skill,
            valid_from: q.valid_from,
            expires_at: q.expires_at,
        })
        .chain(inst.skills.iter().map(|s| conflicts::Qualification {
            course_id: None,
            skill: Some(s.clone()),
            valid_from: 0,
            expires_at: None,
        }))
        .collect();
    let time_off = instructors::time_off(conn, instructor_id)
        .await?
        .into_iter()
        .filter_map(|t| Some((Interval::new(t.starts_at, t.ends_at).ok()?, t.reason)))
        .collect();
    Ok(InstructorFacts {
        name: inst.name.clone(),
        time_zone: zone(&inst.time_zone),
        course_id: course.id,
        course_label: format!("{} {}", course.code, course.title),
        required_skill: course.required_skill.clone(),
        parts: live
            .iter()
            .filter_map(|p| {
                Some(PlannedPart {
                    interval: Interval::new(p.starts_at, p.ends_at).ok()?,
                    venue_id: session.venue_id,
                    venue_name: session.venue_name.clone(),
                })
            })
            .collect(),
        busy,
        travel_minutes: travel,
        qualifications,
        time_off,
        max_days_week: inst.max_days_week,
        max_days_month: inst.max_days_month,
        contracts: assignments::contracts(conn, instructor_id).await?,
        working_hours: instructors::working_pattern(conn, instructor_id)
            .await?
            .into_iter()
            .map(|(d, a, b)| (d as u32, a, b))
            .collect(),
    })
}

/// Parts of the session that fall on a closure day (a public holiday, or its venue shut), read
/// in the session's zone.
pub(crate) async fn closure_problems(
    conn: &mut Conn,
    session: &Session,
    parts: &[Part],
) -> Result<Vec<Problem>, AppError> {
    let tz = zone(&session.time_zone);
    let ivs: Vec<Interval> = live_parts(parts)
        .iter()
        .filter_map(|p| Interval::new(p.starts_at, p.ends_at).ok())
        .collect();
    let (Some(first), Some(last)) = (
        ivs.iter().map(|i| i.start_ms).min(),
        ivs.iter().map(|i| i.end_ms).max(),
    ) else {
        return Ok(Vec::new());
    };
    let days = crate::sites::closures::days_for(
        conn,
        tz.local(first).date_naive(),
        tz.local(last).date_naive(),
        session.venue_id,
    )
    .await?;
    Ok(conflicts::check_closures(
        &tz,
        &ivs,
        session.venue_id,
        &days,
    ))
}

/// Whether `caller` may let an instructor step go ahead despite `problems` by giving a reason:
/// managers and admins, and only when none of the problems is hard (a double booking never passes).
pub fn may_override(caller: &Caller, problems: &[Problem]) -> bool {
    matches!(caller.role, Role::Manager | Role::Admin)
        && problems.iter().all(|p| p.severity != Severity::Hard)
}

/// Whether an instructor step (propose, request, confirm) may go ahead despite `problems`: never
/// over a hard one; over overridable ones only for a manager or admin who gives a reason. Returns
/// the override to record ("reason (overrode: rule, …)"), if one was used.
fn judge(
    caller: &Caller,
    problems: Vec<Problem>,
    override_reason: Option<&str>,
    name: &str,
    reference: &str,
    step: &str,
) -> Result<Option<String>, AppError> {
    let hard = problems.iter().any(|p| p.severity == Severity::Hard);
    let reason = override_reason.map(str::trim).filter(|r| !r.is_empty());
    let may_override = may_override(caller, &problems);
    let overridden = may_override && reason.is_some();
    if !(problems.is_empty() || overridden) {
        let message = if hard {
            refusal!(
                "conflict-head-hard",
                "{name} cannot be {action} on {reference}:",
                name = name,
                action = step,
                reference = reference
            )
        } else if may_override {
            refusal!(
                "conflict-head-override",
                "{name} cannot be {action} on {reference} unless you override with a reason:",
                name = name,
                action = step,
                reference = reference
            )
        } else {
            refusal!(
                "conflict-head-manager",
                "{name} cannot be {action} on {reference}; a manager may override:",
                name = name,
                action = step,
                reference = reference
            )
        };
        return Err(AppError::Conflict { message, problems });
    }
    if problems.is_empty() {
        return Ok(None);
    }
    Ok(reason.map(|r| {
        format!(
            "{r} (overrode: {})",
            problems
                .iter()
                .map(|p| p.rule)
                .collect::<Vec<_>>()
                .join(", ")
        )
    }))
}

/// Every problem with putting `instructor_id` on the session: the instructor's own facts and the
/// session's closure days — what proposing, requesting and confirming judge.
pub(crate) async fn all_problems(
    conn: &mut Conn,
    session: &Session,
    instructor_id: i64,
) -> Result<(InstructorFacts, Vec<Problem>), AppError> {
    let parts = sessions::parts(conn, session.id).await?;
    let facts = instructor_facts(conn, session, &parts, instructor_id).await?;
    let mut problems = conflicts::check_instructor(&facts);
    problems.extend(closure_problems(conn, session, &parts).await?);
    Ok((facts, problems))
}

/// Every problem with putting `instructor_id` on the session, without changing anything.
pub async fn check_instructor(
    app: &App,
    caller: &Caller,
    session_id: i64,
    instructor_id: i64,
) -> Result<Vec<Problem>, AppError> {
    caller.require_staff("check instructor availability")?;
    let mut conn = app.store.read().await?;
    let session = sessions::get(&mut conn, session_id)
        .await
        .about("session")?;
    Ok(all_problems(&mut conn, &session, instructor_id).await?.1)
}

/// One assignment, for the staff (the session page finds its way back from an action with it).
pub async fn assignment(
    app: &App,
    caller: &Caller,
    assignment_id: i64,
) -> Result<AssignmentRecord, AppError> {
    caller.require_staff("see assignments")?;
    let mut conn = app.store.read().await?;
    assignments::get(&mut conn, assignment_id)
        .await
        .about("assignment")
}

/// Proposes an instructor for a session (the first step of the assignment workflow). Refused,
/// with the same explanation, wherever confirmation would be; a manager's override reason lets
/// an overridable problem through, as at confirmation.
pub async fn propose(
    app: &App,
    caller: &Caller,
    session_id: i64,
    instructor_id: i64,
    role: &str,
    override_reason: Option<&str>,
) -> Result<AssignmentRecord, AppError> {
    let mut tx = app.store.write().await?;
    let after = propose_in(
        &mut tx,
        caller,
        session_id,
        instructor_id,
        role,
        override_reason,
        now_ms(),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// `propose` inside the caller's transaction (the demo seeder's, or a bulk operation's).
pub(crate) async fn propose_in(
    tx: &mut Conn,
    caller: &Caller,
    session_id: i64,
    instructor_id: i64,
    role: &str,
    override_reason: Option<&str>,
    now: i64,
) -> Result<AssignmentRecord, AppError> {
    caller.require_operations("assign instructors")?;
    let role = match role.trim() {
        "" | "lead" => "lead",
        "co" | "co-instructor" | "co_instructor" => "co",
        other => {
            return Err(trainyard_core::Invalid::field(
                "role",
                format!("'{other}' is not a role (lead or co)"),
            )
            .into());
        }
    };
    let session = sessions::get(tx, session_id).await.about("session")?;
    if matches!(
        session.status,
        SessionStatus::Cancelled | SessionStatus::Closed | SessionStatus::Delivered
    ) {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-staff-status",
            "Session {session} is {status}: it takes no new instructors.",
            session = session.reference,
            status = session.status.label().to_lowercase()
        )));
    }
    instructors::get(tx, instructor_id)
        .await
        .about("instructor")?;
    if assignments::for_session(tx, session_id)
        .await?
        .iter()
        .any(|a| a.instructor_id == instructor_id && a.status.is_live())
    {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-staff-already",
            "This instructor is already on the session."
        )));
    }
    let (facts, problems) = all_problems(tx, &session, instructor_id).await?;
    let override_used = judge(
        caller,
        problems,
        override_reason,
        &facts.name,
        &session.reference,
        "proposed",
    )?;
    let id = assignments::insert(
        tx,
        session_id,
        instructor_id,
        role,
        AssignmentStatus::Proposed,
        now,
    )
    .await?;
    if let Some(text) = override_used.as_deref() {
        record_override(tx, caller, id, text, now).await?;
    }
    let after = assignments::get(tx, id).await?;
    crate::audit::record(
        tx,
        caller,
        now,
        "assignment.proposed",
        ("assignment", id),
        None,
        Some(&after),
    )
    .await?;
    crate::audit::record(
        tx,
        caller,
        now,
        "session.instructor_proposed",
        ("session", session_id),
        None,
        Some(&after),
    )
    .await?;
    Ok(after)
}

/// Writes the override a proposal went ahead with on the new (proposed) assignment, as
/// confirming does on its own.
async fn record_override(
    tx: &mut Conn,
    caller: &Caller,
    assignment_id: i64,
    text: &str,
    now: i64,
) -> Result<(), AppError> {
    let fresh = assignments::get(tx, assignment_id).await?;
    assignments::set_status(
        tx,
        assignment_id,
        fresh.version,
        AssignmentStatus::Proposed,
        Some(text),
        Some(caller.user_id),
        now,
    )
    .await?;
    Ok(())
}

/// Moves an assignment along its workflow. Instructors answer their own requests; coordinators do
/// the rest. Requesting and confirming check every rule (as proposing does); a manager may
/// override the overridable ones with a reason, recorded on the assignment.
pub async fn act(
    app: &App,
    caller: &Caller,
    assignment_id: i64,
    version: i64,
    event: AssignmentEvent,
    override_reason: Option<&str>,
) -> Result<AssignmentRecord, AppError> {
    let mut tx = app.store.write().await?;
    let after = act_in(
        &mut tx,
        app,
        caller,
        assignment_id,
        version,
        event,
        override_reason,
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// `act` inside the caller's transaction (the demo seeder's, or a bulk operation's). The app
/// builds the links of the messages it sends.
pub(crate) async fn act_in(
    tx: &mut Conn,
    app: &App,
    caller: &Caller,
    assignment_id: i64,
    version: i64,
    event: AssignmentEvent,
    override_reason: Option<&str>,
) -> Result<AssignmentRecord, AppError> {
    let now = now_ms();
    let peek = assignments::get(tx, assignment_id)
        .await
        .about("assignment")?;
    let own = caller.role == Role::Instructor && caller.instructor_id == Some(peek.instructor_id);
    match event {
        AssignmentEvent::Accept | AssignmentEvent::Decline => caller.require(
            own || caller.role.can_edit_operations(),
            "answer another instructor's request",
        )?,
        _ => caller.require_operations("change instructor assignments")?,
    }
    // Write first: the instructor's row lock orders every confirmation of this instructor.
    assignments::lock_instructor(tx, peek.instructor_id).await?;
    let before = assignments::get(tx, assignment_id).await?;
    if before.version != version {
        return Err(AppError::Stale("assignment"));
    }
    let next = before.status.transition(event)?;
    let session = sessions::get(tx, before.session_id).await?;
    let mut override_used = None;
    let mut decline_reason = None;
    match event {
        AssignmentEvent::Accept => {
            // Accepting takes the instructor's time (the slots `set_status` writes): refuse an
            // overlap with their other accepted or confirmed teaching in words, before the
            // database would refuse it. Every other rule is checked at confirmation.
            let parts = sessions::parts(tx, session.id).await?;
            let facts = instructor_facts(tx, &session, &parts, before.instructor_id).await?;
            let problems: Vec<Problem> = conflicts::check_instructor(&facts)
                .into_iter()
                .filter(|p| p.rule == "instructor_overlap")
                .collect();
            if !problems.is_empty() {
                return Err(AppError::Conflict {
                    message: refusal!(
                        "conflict-head-take-on",
                        "{name} cannot take on {reference}:",
                        name = facts.name,
                        reference = session.reference
                    ),
                    problems,
                });
            }
        }
        // Proposing, requesting and confirming judge the same problems by the same rules, so
        // nobody is asked (and e-mailed) for a session they could not be confirmed on.
        AssignmentEvent::Request | AssignmentEvent::Confirm => {
            let (facts, problems) = all_problems(tx, &session, before.instructor_id).await?;
            let step = if event == AssignmentEvent::Confirm {
                "confirmed"
            } else {
                "requested"
            };
            override_used = judge(
                caller,
                problems,
                override_reason,
                &facts.name,
                &session.reference,
                step,
            )?;
        }
        AssignmentEvent::Decline => {
            // The coordinator needs to know why to find someone else: an instructor declining
            // says why; a coordinator recording a decline may. The reason travels in
            // `override_reason`, the one free-text field an action carries.
            let reason = override_reason.map(str::trim).unwrap_or_default();
            if !(reason.is_empty() && caller.role.can_edit_operations()) {
                let reason = trainyard_core::invalid::text::required(reason, 500).map_err(|m| {
                    trainyard_core::Invalid::field(
                        "reason",
                        if reason.is_empty() {
                            "say why you decline, so the coordinator can plan around it".to_owned()
                        } else {
                            m
                        },
                    )
                })?;
                decline_reason = Some(reason);
            }
        }
        AssignmentEvent::Cancel => {
            trainyard_store::reminders::withdraw_for(tx, "assignment", assignment_id).await?;
        }
    }
    // Writes the instructor's slots on accept and confirm, frees them on cancel.
    assignments::set_status(
        tx,
        assignment_id,
        version,
        next,
        override_used.as_deref(),
        override_used.as_ref().map(|_| caller.user_id),
        now,
    )
    .await?;
    if let Some(reason) = &decline_reason {
        assignments::set_decline_reason(tx, assignment_id, reason).await?;
    }
    // A confirmation commits the instructor's fee (a cancellation withdraws it): the budgets the
    // session counts for are rechecked, one alert per crossing.
    if matches!(event, AssignmentEvent::Confirm | AssignmentEvent::Cancel) {
        crate::budgets::check_session(tx, caller, session.id, now).await?;
    }
    if event == AssignmentEvent::Cancel
        && before.status == trainyard_core::status::AssignmentStatus::Confirmed
    {
        // A confirmed instructor drops out: the substitution protocol starts (issue 16 §5).
        crate::compliance::open_in(
            tx,
            caller,
            assignment_id,
            override_reason.unwrap_or_default(),
            now,
        )
        .await?;
    }
    let after = assignments::get(tx, assignment_id).await?;
    let action = format!("assignment.{}", event.as_str());
    crate::audit::record(
        tx,
        caller,
        now,
        &action,
        ("assignment", assignment_id),
        Some(&before),
        Some(&after),
    )
    .await?;
    crate::audit::record(
        tx,
        caller,
        now,
        &format!("session.instructor_{}", event.as_str()),
        ("session", session.id),
        Some(&before),
        Some(&after),
    )
    .await?;
    if matches!(
        event,
        AssignmentEvent::Request | AssignmentEvent::Confirm | AssignmentEvent::Cancel
    ) {
        let inst = instructors::get(tx, before.instructor_id).await?;
        let kind = format!("assignment_{}", event.as_str());
        // In the instructor's language (theirs, else the company's; English where the event
        // has no wording in it), the days in their zone written its way, and where: a
        // confirmation is what they plan by.
        let language = crate::languages::of(tx, inst.language.as_deref(), None).await?;
        let wording = crate::messages::wording_in(tx, &kind, &language).await?;
        let parts = trainyard_store::sessions::parts(tx, session.id).await?;
        let mut facts = crate::messages::session_facts_in(
            tx,
            &session,
            &parts,
            &zone(&inst.time_zone),
            wording.language(),
        )
        .await?;
        facts.insert("recipient_name".into(), inst.name.clone().into());
        facts.insert("instructor_name".into(), inst.name.clone().into());
        facts.insert(
            "portal_url".into(),
            app.link(&format!("/portal/assignments/{assignment_id}"))
                .into(),
        );
        let ctx = serde_json::Value::Object(facts);
        let (subject, body) = wording.compose(&ctx);
        outbox::enqueue(
            tx,
            &outbox::NewMessage {
                kind: &kind,
                recipient: &inst.email,
                subject: &subject,
                body: &body,
                entity_type: "assignment",
                entity_id: assignment_id,
                idempotency_key: &format!(
                    "assignment-{assignment_id}-{}-v{}",
                    event.as_str(),
                    after.version
                ),
            },
            now,
        )
        .await?;
    }
    Ok(after)
}

/// Replaces an assignment by another instructor: the old one is cancelled (freeing its slots) and
/// the new one proposed, pointing back at it, so the history shows who replaced whom. The
/// substitute is judged as any proposal is (`override_reason` as there).
pub async fn substitute(
    app: &App,
    caller: &Caller,
    assignment_id: i64,
    version: i64,
    instructor_id: i64,
    override_reason: Option<&str>,
) -> Result<AssignmentRecord, AppError> {
    caller.require_operations("substitute instructors")?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let before = assignments::get(&mut tx, assignment_id)
        .await
        .about("assignment")?;
    if before.version != version {
        return Err(AppError::Stale("assignment"));
    }
    if before.instructor_id == instructor_id {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-substitute-same",
            "Choose a different instructor to substitute."
        )));
    }
    instructors::get(&mut tx, instructor_id)
        .await
        .about("instructor")?;
    let cancelled = before.status.transition(AssignmentEvent::Cancel)?;
    let session = sessions::get(&mut tx, before.session_id).await?;
    let (facts, problems) = all_problems(&mut tx, &session, instructor_id).await?;
    let override_used = judge(
        caller,
        problems,
        override_reason,
        &facts.name,
        &session.reference,
        "proposed",
    )?;
    trainyard_store::reminders::withdraw_for(&mut tx, "assignment", assignment_id).await?;
    assignments::set_status(&mut tx, assignment_id, version, cancelled, None, None, now).await?;
    let new_id = assignments::insert_replacing(
        &mut tx,
        before.session_id,
        instructor_id,
        &before.role,
        assignment_id,
        now,
    )
    .await?;
    if let Some(text) = override_used.as_deref() {
        record_override(&mut tx, caller, new_id, text, now).await?;
    }
    if before.status == trainyard_core::status::AssignmentStatus::Confirmed {
        // A confirmed instructor replaced: the substitution protocol, its replacement chosen.
        if let Some(sub) = crate::compliance::open_in(
            &mut tx,
            caller,
            assignment_id,
            override_reason.unwrap_or_default(),
            now,
        )
        .await?
        {
            crate::compliance::replacement_chosen_in(&mut tx, caller, sub.id, instructor_id, now)
                .await?;
        }
    }
    crate::quality::note_change(&mut tx, session.id, session.starts_at, "instructor", now).await?;
    let old_after = assignments::get(&mut tx, assignment_id).await?;
    let after = assignments::get(&mut tx, new_id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "assignment.substituted",
        ("assignment", assignment_id),
        Some(&before),
        Some(&old_after),
    )
    .await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "assignment.proposed",
        ("assignment", new_id),
        None,
        Some(&after),
    )
    .await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "session.instructor_substituted",
        ("session", before.session_id),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Assignments that need a coordinator's attention.
pub async fn needing_action(
    app: &App,
    caller: &Caller,
) -> Result<Vec<assignments::Assignment>, AppError> {
    caller.require_staff("see assignments")?;
    let mut conn = app.store.read().await?;
    Ok(assignments::needing_action(&mut conn, now_ms()).await?)
}

pub(crate) async fn resource_facts(
    conn: &mut Conn,
    session: &Session,
    parts: &[Part],
    resource_id: i64,
    quantity: i64,
) -> Result<ResourceFacts, AppError> {
    let res = resources::get(conn, resource_id).await.about("resource")?;
    let course = courses::get(conn, session.course_id).await?;
    let live = live_parts(parts);
    let (from, to) = window(&live, 0);
    let busy = bookings::busy(conn, resource_id, from, to, session.id)
        .await?
        .into_iter()
        .filter_map(busy_of)
        .collect();
    Ok(ResourceFacts {
        name: res.name.clone(),
        kind: res.kind,
        time_zone: zone(&session.time_zone),
        quantity: res.quantity,
        seats: res.seats,
        features: res.features.clone(),
        requested_quantity: quantity,
        capacity: session.capacity,
        required_features: if res.kind == ResourceKind::Room {
            course.required_features.clone()
        } else {
            Vec::new()
        },
        parts: live
            .iter()
            .filter_map(|p| Interval::new(p.starts_at, p.ends_at).ok())
            .collect(),
        busy,
    })
}

/// Every problem with booking the resource for the session, without changing anything.
pub async fn check_resource(
    app: &App,
    caller: &Caller,
    session_id: i64,
    resource_id: i64,
    quantity: i64,
) -> Result<Vec<Problem>, AppError> {
    caller.require_staff("check resource availability")?;
    let mut conn = app.store.read().await?;
    let session = sessions::get(&mut conn, session_id)
        .await
        .about("session")?;
    let parts = sessions::parts(&mut conn, session_id).await?;
    let facts = resource_facts(&mut conn, &session, &parts, resource_id, quantity.max(1)).await?;
    Ok(conflicts::check_resource(&facts))
}

/// Books a resource (and quantity) for every scheduled part of the session; confirmed at once when
/// `confirm`, otherwise tentative.
pub async fn book(
    app: &App,
    caller: &Caller,
    session_id: i64,
    resource_id: i64,
    quantity: i64,
    confirm: bool,
) -> Result<Vec<bookings::Booking>, AppError> {
    let mut tx = app.store.write().await?;
    let result = book_in(
        &mut tx,
        caller,
        session_id,
        resource_id,
        quantity,
        confirm,
        now_ms(),
    )
    .await?;
    tx.commit().await?;
    Ok(result)
}

/// `book` inside the caller's transaction (the demo seeder's, or a bulk operation's).
pub(crate) async fn book_in(
    tx: &mut Conn,
    caller: &Caller,
    session_id: i64,
    resource_id: i64,
    quantity: i64,
    confirm: bool,
    now: i64,
) -> Result<Vec<bookings::Booking>, AppError> {
    caller.require_operations("book resources")?;
    if !(1..=100_000).contains(&quantity) {
        return Err(
            trainyard_core::Invalid::field("quantity", "must be between 1 and 100000").into(),
        );
    }
    let res = resources::get(tx, resource_id).await.about("resource")?;
    if res.kind == ResourceKind::Room && quantity != 1 {
        return Err(trainyard_core::Invalid::field(
            "quantity",
            "a room is booked whole: quantity 1",
        )
        .into());
    }
    if quantity > res.quantity {
        return Err(trainyard_core::Invalid::field(
            "quantity",
            format!("{} has only {} in the pool", res.name, res.quantity),
        )
        .into());
    }
    let session = sessions::get(tx, session_id).await.about("session")?;
    let parts = sessions::parts(tx, session_id).await?;
    if bookings::for_session(tx, session_id)
        .await?
        .iter()
        .any(|b| b.resource_id == resource_id)
    {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-resource-already",
            "{resource} is already booked for this session.",
            resource = res.name
        )));
    }
    for p in live_parts(&parts) {
        bookings::insert(
            tx,
            p.id,
            resource_id,
            quantity,
            BookingStatus::Tentative,
            (p.starts_at, p.ends_at),
            now,
        )
        .await?;
    }
    let snapshot = serde_json::json!({ "resource_id": resource_id, "resource": res.name, "quantity": quantity, "status": "tentative" });
    crate::audit::record(
        tx,
        caller,
        now,
        "session.resource_booked",
        ("session", session.id),
        None,
        Some(&snapshot),
    )
    .await?;
    if confirm {
        confirm_in(tx, caller, &session, &parts, resource_id, quantity, now).await?;
    }
    let result = bookings::for_session(tx, session_id)
        .await?
        .into_iter()
        .filter(|b| b.resource_id == resource_id)
        .collect();
    Ok(result)
}

async fn confirm_in(
    tx: &mut Conn,
    caller: &Caller,
    session: &Session,
    parts: &[Part],
    resource_id: i64,
    quantity: i64,
    now: i64,
) -> Result<(), AppError> {
    bookings::lock_resource(tx, resource_id).await?;
    let facts = resource_facts(tx, session, parts, resource_id, quantity).await?;
    let problems = conflicts::check_resource(&facts);
    if !problems.is_empty() {
        return Err(AppError::Conflict {
            message: refusal!(
                "conflict-head-resource",
                "{name} cannot be confirmed for {reference}:",
                name = facts.name,
                reference = session.reference
            ),
            problems,
        });
    }
    if session.status.is_active() {
        bookings::confirm(tx, session.id, resource_id).await?;
        // The booking's hire is committed now: recheck the session's budgets.
        crate::budgets::check_session(tx, caller, session.id, now).await?;
    }
    let snapshot = serde_json::json!({ "resource_id": resource_id, "resource": facts.name, "quantity": quantity, "status": "confirmed" });
    crate::audit::record(
        tx,
        caller,
        now,
        "session.resource_confirmed",
        ("session", session.id),
        None,
        Some(&snapshot),
    )
    .await
}

/// Confirms the session's tentative booking of a resource, if nothing conflicts.
pub async fn confirm_booking(
    app: &App,
    caller: &Caller,
    session_id: i64,
    resource_id: i64,
) -> Result<Vec<bookings::Booking>, AppError> {
    caller.require_operations("confirm bookings")?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let session = sessions::get(&mut tx, session_id).await.about("session")?;
    let parts = sessions::parts(&mut tx, session_id).await?;
    let mine: Vec<bookings::Booking> = bookings::for_session(&mut tx, session_id)
        .await?
        .into_iter()
        .filter(|b| b.resource_id == resource_id)
        .collect();
    let Some(first) = mine.first() else {
        return Err(AppError::NotFound("booking"));
    };
    if mine.iter().all(|b| b.status == BookingStatus::Confirmed) {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-booking-confirmed",
            "This booking is already confirmed."
        )));
    }
    confirm_in(
        &mut tx,
        caller,
        &session,
        &parts,
        resource_id,
        first.quantity,
        now,
    )
    .await?;
    let result = bookings::for_session(&mut tx, session_id)
        .await?
        .into_iter()
        .filter(|b| b.resource_id == resource_id)
        .collect();
    tx.commit().await?;
    Ok(result)
}

/// Releases the session's booking of a resource.
pub async fn release(
    app: &App,
    caller: &Caller,
    session_id: i64,
    resource_id: i64,
) -> Result<(), AppError> {
    caller.require_operations("release bookings")?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let before: Vec<bookings::Booking> = bookings::for_session(&mut tx, session_id)
        .await?
        .into_iter()
        .filter(|b| b.resource_id == resource_id)
        .collect();
    if before.is_empty() {
        return Err(AppError::NotFound("booking"));
    }
    bookings::remove(&mut tx, session_id, resource_id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "session.resource_released",
        ("session", session_id),
        Some(&before),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Ranked instructors and rooms for a session, with the reasons the others are excluded.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Candidates {
    pub instructors: Vec<trainyard_planner::ranking::RankedInstructor>,
    pub rooms: Vec<trainyard_planner::ranking::RankedRoom>,
}

/// "Find an instructor" and "find a room" for a session.
pub async fn candidates(
    app: &App,
    caller: &Caller,
    session_id: i64,
) -> Result<Candidates, AppError> {
    use trainyard_planner::ranking::{
        InstructorCandidate, RoomCandidate, rank_instructors, rank_rooms,
    };
    caller.require_staff("find instructors and rooms")?;
    let mut conn = app.store.read().await?;
    let session = sessions::get(&mut conn, session_id)
        .await
        .about("session")?;
    let parts = sessions::parts(&mut conn, session_id).await?;
    let live = live_parts(&parts);
    let days = {
        let tz = zone(&session.time_zone);
        let mut d: Vec<_> = live
            .iter()
            .map(|p| tz.local(p.starts_at).date_naive())
            .collect();
        d.dedup();
        d.len() as i64
    };
    let hours: i64 = live
        .iter()
        .map(|p| (p.ends_at - p.starts_at) / 3_600_000)
        .sum();
    let travel: HashMap<(i64, i64), i64> = venues::travel_times(&mut conn)
        .await?
        .into_iter()
        .map(|(a, b, m)| ((a, b), m))
        .collect();
    let assigned: Vec<i64> = assignments::for_session(&mut conn, session_id)
        .await?
        .iter()
        .filter(|a| a.status.is_live())
        .map(|a| a.instructor_id)
        .collect();
    let mut filter = instructors::InstructorFilter::default();
    filter.list.export = true;
    let mut found = Vec::new();
    for inst in instructors::list(&mut conn, &filter).await?.items {
        if assigned.contains(&inst.id) {
            continue;
        }
        let facts = instructor_facts(&mut conn, &session, &parts, inst.id).await?;
        let problems = conflicts::check_instructor(&facts);
        let (from, to) = window(&live, 14 * DAY);
        let load_days = facts
            .busy
            .iter()
            .filter(|b| b.interval.start_ms >= from && b.interval.end_ms <= to)
            .count() as i64;
        // Read from the store, so the rates are there; the amount is hidden below for non-finance.
        let day_cost = inst.day_rate.map_or(0, |m| m.minor) * days;
        let hour_cost = inst.hour_rate.map_or(0, |m| m.minor) * hours;
        // An instructor's rates share one currency.
        let currency = inst
            .day_rate
            .map_or(trainyard_core::money::Currency::EUR, |m| m.currency);
        found.push(InstructorCandidate {
            id: inst.id,
            name: inst.name.clone(),
            problems,
            cost: trainyard_core::Money::new(
                if day_cost > 0 { day_cost } else { hour_cost },
                currency,
            ),
            load_days,
            travel_minutes: match (inst.home_venue_id, session.venue_id) {
                (Some(h), Some(v)) if h != v => travel.get(&(h, v)).copied().unwrap_or(0),
                _ => 0,
            },
        });
    }
    let mut rooms = Vec::new();
    let mut rf = resources::ResourceFilter::default();
    rf.list.export = true;
    rf.kind = "room".into();
    rf.venue_id = session.venue_id;
    for room in resources::list(&mut conn, &rf).await?.items {
        let facts = resource_facts(&mut conn, &session, &parts, room.id, 1).await?;
        rooms.push(RoomCandidate {
            id: room.id,
            name: room.name.clone(),
            seats: room.seats,
            problems: conflicts::check_resource(&facts),
        });
    }
    Ok(Candidates {
        instructors: crate::audience::ForReader::for_reader(rank_instructors(found), caller),
        rooms: rank_rooms(rooms, session.capacity),
    })
}

/// Time off recorded, with the teaching it falls on.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct TimeOffRecorded {
    #[serde(flatten)]
    pub time_off: instructors::TimeOff,
    /// Sessions the instructor has accepted or is confirmed on during the time off ("S-00044
    /// Excel Advanced"): recorded anyway, but someone must replace them there.
    pub affected_sessions: Vec<String>,
    /// The warning to show, when any session is affected.
    pub warning: Option<String>,
}

/// Records time off (as `people::instructors::add_time_off`) and names the accepted or confirmed
/// teaching it covers, so the coordinator is warned where they entered it.
pub async fn record_time_off(
    app: &App,
    caller: &Caller,
    instructor_id: i64,
    from: &str,
    until: &str,
    reason: &str,
) -> Result<TimeOffRecorded, AppError> {
    let time_off =
        crate::people::instructors::add_time_off(app, caller, instructor_id, from, until, reason)
            .await?;
    let mut conn = app.store.read().await?;
    let mut affected: Vec<String> = Vec::new();
    // No session has id 0: nothing is excluded.
    for slot in assignments::busy_slots(
        &mut conn,
        instructor_id,
        time_off.starts_at,
        time_off.ends_at,
        0,
    )
    .await?
    {
        if !affected.contains(&slot.label) {
            affected.push(slot.label);
        }
    }
    let warning = (!affected.is_empty()).then(|| {
        format!(
            "Recorded, but they are booked to teach then: {}. Find a substitute.",
            affected.join(", ")
        )
    });
    Ok(TimeOffRecorded {
        time_off,
        affected_sessions: affected,
        warning,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn caller(role: Role) -> Caller {
        Caller {
            role,
            user_id: 7,
            ..Caller::system()
        }
    }

    fn problem(rule: &'static str, severity: Severity) -> Problem {
        Problem {
            rule,
            severity,
            message: format!("{rule} applies."),
            key: "",
            args: Vec::new(),
        }
    }

    fn verdict(
        role: Role,
        problems: Vec<Problem>,
        reason: Option<&str>,
    ) -> Result<Option<String>, AppError> {
        judge(
            &caller(role),
            problems,
            reason,
            "Anna Berg",
            "S-00001",
            "proposed",
        )
    }

    #[test]
    fn nothing_wrong_goes_ahead_without_an_override() {
        assert_eq!(
            verdict(Role::Coordinator, Vec::new(), Some("why")).unwrap(),
            None
        );
    }

    #[test]
    fn an_overridable_problem_needs_a_manager_and_a_reason() {
        let soft = || vec![problem("not_qualified", Severity::Overridable)];
        let Err(AppError::Conflict { message, problems }) =
            verdict(Role::Coordinator, soft(), Some("please"))
        else {
            panic!("a coordinator's reason is no override");
        };
        assert_eq!(
            message,
            "Anna Berg cannot be proposed on S-00001; a manager may override:"
        );
        assert_eq!(problems.len(), 1);
        let Err(AppError::Conflict { message, .. }) = verdict(Role::Manager, soft(), Some("  "))
        else {
            panic!("a blank reason is no reason");
        };
        assert_eq!(
            message,
            "Anna Berg cannot be proposed on S-00001 unless you override with a reason:"
        );
        assert_eq!(
            verdict(Role::Admin, soft(), Some(" Certified last week ")).unwrap(),
            Some("Certified last week (overrode: not_qualified)".to_owned())
        );
    }

    #[test]
    fn a_hard_problem_never_passes() {
        let problems = vec![
            problem("time_off", Severity::Overridable),
            problem("instructor_overlap", Severity::Hard),
        ];
        assert!(!may_override(&caller(Role::Admin), &problems));
        let Err(AppError::Conflict { message, .. }) =
            verdict(Role::Admin, problems, Some("She can do both"))
        else {
            panic!("a double booking is never overridden");
        };
        assert_eq!(message, "Anna Berg cannot be proposed on S-00001:");
    }
}
