//! Accepting a proposal: each session in its own transaction, so one that the world has overtaken
//! (the instructor took other work, the room was booked, the session was edited) is refused with
//! the reason while the others go through.
//!
//! For each session: the proposal is claimed (first write: accepted once), the instructor's and
//! room's rows are locked (as staffing does), the proposed times are checked against everything
//! the instructor and the room now hold, then the parts move, a draft becomes scheduled, the
//! instructor is proposed (replacing another one, which is cancelled), the room is booked
//! tentatively (releasing another room), and scheduled sessions that moved tell everyone through
//! the session-change messages. Each change is audited.

use std::collections::BTreeMap;

use trainyard_core::conflicts::{self, Busy, Problem};
use trainyard_core::status::{
    AssignmentEvent, AssignmentStatus, BookingStatus, SessionEvent, SessionStatus,
};
use trainyard_core::{Interval, TimeZoneName};
use trainyard_store::planning::{self as repo, Proposal};
use trainyard_store::sessions::{self, Part};
use trainyard_store::{Conn, assignments, bookings, resources};

use crate::error::About;
use crate::{App, AppError, Caller, now_ms};

/// Which proposals to accept.
#[derive(Debug, Clone)]
pub enum Selection {
    All,
    Sessions(Vec<i64>),
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AcceptResult {
    pub session_id: i64,
    pub session_reference: String,
    pub accepted: bool,
    /// What happened, or why not, in a coordinator's words.
    pub message: String,
    /// The conflicts that refused it, if any.
    pub problems: Vec<Problem>,
    /// Why not, typed, for a page to say in its reader's language (not part of the API).
    #[serde(skip)]
    pub refusal: Option<trainyard_core::refusal::Refusal>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AcceptReport {
    pub run_id: i64,
    pub accepted: usize,
    pub refused: usize,
    pub results: Vec<AcceptResult>,
}

fn zone(name: &str) -> TimeZoneName {
    TimeZoneName::parse_or_utc(name)
}

/// Applies the chosen proposals of a finished run, session by session.
pub async fn accept(
    app: &App,
    caller: &Caller,
    run_id: i64,
    selection: Selection,
) -> Result<AcceptReport, AppError> {
    caller.require_operations("accept planner proposals")?;
    let (run, proposals) = {
        let mut conn = app.store.read().await?;
        let run = repo::get_run(&mut conn, run_id)
            .await
            .about("planner run")?;
        (run, repo::proposals(&mut conn, run_id).await?)
    };
    if run.status != "done" {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-plan-not-finished",
            "Plan #{run_id} is {status}: only a finished plan can be accepted.",
            status = run.status,
            run_id = run_id
        )));
    }
    let chosen: Vec<&Proposal> = match &selection {
        Selection::All => proposals
            .iter()
            .filter(|p| p.outcome == "placed" && p.accepted_at.is_none())
            .collect(),
        Selection::Sessions(ids) => {
            for id in ids {
                if !proposals.iter().any(|p| p.session_id == *id) {
                    return Err(trainyard_core::Invalid::field(
                        "session_ids",
                        format!("session #{id} is not part of plan #{run_id}"),
                    )
                    .into());
                }
            }
            proposals
                .iter()
                .filter(|p| ids.contains(&p.session_id))
                .collect()
        }
    };
    let mut results = Vec::new();
    for p in chosen {
        let result = if p.outcome != "placed" {
            Err(AppError::Refused(if p.outcome == "unchanged" {
                trainyard_core::refusal!(
                    "refused-plan-unchanged",
                    "The plan leaves it as it is: nothing to accept."
                )
            } else {
                trainyard_core::refusal!(
                    "refused-plan-not-placed",
                    "It could not be placed: {reasons}.",
                    reasons = p.reasons.join("; ")
                )
            }))
        } else if p.accepted_at.is_some() {
            Err(AppError::Refused(trainyard_core::refusal!(
                "refused-plan-accepted",
                "It was already accepted."
            )))
        } else {
            apply(app, caller, &run.kind, p).await
        };
        results.push(match result {
            Ok(message) => AcceptResult {
                session_id: p.session_id,
                session_reference: p.session_reference.clone(),
                accepted: true,
                message,
                problems: Vec::new(),
                refusal: None,
            },
            Err(e) => {
                let problems = match &e {
                    AppError::Conflict { problems, .. } => problems.clone(),
                    _ => Vec::new(),
                };
                if let AppError::Internal(inner) = &e {
                    tracing::error!(error = %inner, session_id = p.session_id, "accepting a proposal failed");
                }
                AcceptResult {
                    session_id: p.session_id,
                    session_reference: p.session_reference.clone(),
                    accepted: false,
                    message: e.to_string(),
                    problems,
                    refusal: match &e {
                        AppError::Refused(r) => Some(r.clone()),
                        AppError::Conflict { message, .. } => Some(message.clone()),
                        _ => None,
                    },
                }
            }
        });
    }
    Ok(AcceptReport {
        run_id,
        accepted: results.iter().filter(|r| r.accepted).count(),
        refused: results.iter().filter(|r| !r.accepted).count(),
        results,
    })
}

/// Everything the instructor now holds that the proposed parts would collide with.
async fn instructor_problems(
    conn: &mut Conn,
    session: &sessions::Session,
    new_parts: &[Part],
    instructor_id: i64,
) -> Result<Vec<Problem>, AppError> {
    let mut facts =
        crate::staffing::instructor_facts(conn, session, new_parts, instructor_id).await?;
    let from = new_parts.iter().map(|p| p.starts_at).min().unwrap_or(0) - 40 * 86_400_000;
    let to = new_parts.iter().map(|p| p.ends_at).max().unwrap_or(0) + 40 * 86_400_000;
    // Confirmed slots are in the facts already; add teaching that is proposed or requested.
    for (_, b) in repo::teaching_between(conn, from, to, Some(instructor_id), &[session.id]).await?
    {
        let Ok(interval) = Interval::new(b.starts_at, b.ends_at) else {
            continue;
        };
        if facts.busy.iter().any(|x| x.interval == interval) {
            continue;
        }
        facts.busy.push(Busy {
            interval,
            venue_id: b.venue_id,
            venue_name: b.venue_name,
            label: b.label,
            quantity: 1,
        });
    }
    Ok(conflicts::check_instructor(&facts))
}

async fn room_problems(
    conn: &mut Conn,
    session: &sessions::Session,
    room_id: i64,
    parts: &[(i64, i64)],
) -> Result<Vec<Problem>, AppError> {
    let room = resources::get(conn, room_id).await.about("room")?;
    let tz = zone(&session.time_zone);
    let from = parts.iter().map(|p| p.0).min().unwrap_or(0);
    let to = parts.iter().map(|p| p.1).max().unwrap_or(0);
    let mut out = Vec::new();
    let overlaps = |a: i64, b: i64| parts.iter().any(|(s, e)| a < *e && *s < b);
    for (_, b) in repo::room_bookings_between(conn, from, to, Some(room_id), &[session.id]).await? {
        if overlaps(b.starts_at, b.ends_at) {
            out.push(Problem {
                rule: "room_double_booked",
                severity: conflicts::Severity::Hard,
                message: format!(
                    "{} is now booked for {} on {}.",
                    room.name,
                    b.label,
                    tz.display(b.starts_at)
                ),
                key: "",
                args: Vec::new(),
            });
        }
    }
    for (_, a, b, reason) in repo::closures_between(conn, from, to).await? {
        if overlaps(a, b) {
            out.push(Problem {
                rule: "room_closed",
                severity: conflicts::Severity::Hard,
                message: format!(
                    "{} is closed from {} to {} ({}).",
                    room.name,
                    tz.display(a),
                    tz.display(b),
                    reason
                ),
                key: "",
                args: Vec::new(),
            });
        }
    }
    if room.seats < session.capacity {
        out.push(Problem {
            rule: "room_too_small",
            severity: conflicts::Severity::Hard,
            message: format!(
                "{} seats {}, the session takes {}.",
                room.name, room.seats, session.capacity
            ),
            key: "",
            args: Vec::new(),
        });
    }
    Ok(out)
}

/// Periods where one more unit of the pooled resource would exceed what the pool holds.
async fn pool_problems(
    conn: &mut Conn,
    session: &sessions::Session,
    pool_id: i64,
    parts: &[(i64, i64)],
) -> Result<Vec<Problem>, AppError> {
    let pool = resources::get(conn, pool_id)
        .await
        .about("pooled resource")?;
    let tz = zone(&session.time_zone);
    let from = parts.iter().map(|p| p.0).min().unwrap_or(0);
    let to = parts.iter().map(|p| p.1).max().unwrap_or(0);
    let used = repo::pool_use_between(conn, &[pool_id], from, to, &[session.id]).await?;
    let mut out = Vec::new();
    for (a, b) in parts {
        // The most units in use at once during the part: bookings only change at their starts.
        let peak = used
            .iter()
            .filter(|u| u.1 < *b && *a < u.2)
            .map(|u| u.1.max(*a))
            .map(|at| {
                used.iter()
                    .filter(|v| v.1 <= at && at < v.2)
                    .map(|v| v.3)
                    .sum::<i64>()
            })
            .max()
            .unwrap_or(0);
        if peak + 1 > pool.quantity {
            out.push(Problem {
                rule: "pool_exceeded",
                severity: conflicts::Severity::Hard,
                message: format!(
                    "All {} of {} are booked on {}.",
                    pool.quantity,
                    pool.name,
                    tz.display(*a)
                ),
                key: "",
                args: Vec::new(),
            });
        }
    }
    Ok(out)
}

/// Books one unit of a resource (the room, a pooled unit) tentatively for every scheduled part,
/// unless the session holds it already.
async fn book_one_tentatively(
    tx: &mut Conn,
    caller: &Caller,
    now: i64,
    session_id: i64,
    pool_id: i64,
    parts: &[Part],
) -> Result<(), AppError> {
    let held = bookings::for_session(tx, session_id)
        .await?
        .iter()
        .any(|b| b.resource_id == pool_id);
    if held {
        return Ok(());
    }
    for part in parts.iter().filter(|x| x.status == "scheduled") {
        bookings::insert(
            tx,
            part.id,
            pool_id,
            1,
            BookingStatus::Tentative,
            (part.starts_at, part.ends_at),
            now,
        )
        .await?;
    }
    let name = resources::get(tx, pool_id).await?.name;
    crate::audit::record(tx, caller, now, "session.resource_booked", ("session", session_id), None, Some(&serde_json::json!({ "resource_id": pool_id, "resource": name, "quantity": 1, "status": "tentative" })))
    .await?;
    Ok(())
}

async fn apply(app: &App, caller: &Caller, kind: &str, p: &Proposal) -> Result<String, AppError> {
    let now = now_ms();
    let Some(instructor_id) = p.instructor_id else {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-plan-no-instructor",
            "The proposal names no instructor."
        )));
    };
    let mut tx = app.store.write().await?;
    if !repo::claim_proposal(
        &mut tx,
        p.run_id,
        p.session_id,
        (caller.user_id != 0).then_some(caller.user_id),
        now,
    )
    .await?
    {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-plan-accepted",
            "It was already accepted."
        )));
    }
    // Write first: the instructor's and rooms' row locks order this against their other changes.
    assignments::lock_instructor(&mut tx, instructor_id).await?;
    let mut rooms: BTreeMap<i64, Vec<(i64, i64)>> = BTreeMap::new();
    for part in &p.parts {
        if let Some(r) = part.room_id {
            rooms
                .entry(r)
                .or_default()
                .push((part.starts_at, part.ends_at));
        }
    }
    for r in rooms.keys() {
        bookings::lock_resource(&mut tx, *r).await?;
    }
    let pool = repo::window(&mut tx, p.session_id)
        .await?
        .and_then(|w| w.pool_resource_id);
    if let Some(r) = pool {
        bookings::lock_resource(&mut tx, r).await?;
    }
    let before = sessions::get(&mut tx, p.session_id)
        .await
        .about("session")?;
    if before.version != p.session_version {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-plan-changed",
            "{session} was changed after this plan was made; plan it again.",
            session = before.reference
        )));
    }
    let expected = if kind == "repair" {
        matches!(
            before.status,
            SessionStatus::Scheduled | SessionStatus::Confirmed
        )
    } else {
        before.status == SessionStatus::Draft
    };
    if !expected {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-plan-now-status",
            "{session} is now {status}; plan it again.",
            session = before.reference,
            status = before.status.label().to_lowercase()
        )));
    }
    let parts_before = sessions::parts(&mut tx, p.session_id).await?;
    let new_parts: Vec<(i64, i64)> = p.parts.iter().map(|x| (x.starts_at, x.ends_at)).collect();
    let planned: Vec<Part> = new_parts
        .iter()
        .enumerate()
        .map(|(i, (a, b))| Part {
            id: 0,
            position: i as i64 + 1,
            starts_at: *a,
            ends_at: *b,
            status: "scheduled".into(),
            sequence: 0,
        })
        .collect();
    let mut problems = instructor_problems(&mut tx, &before, &planned, instructor_id).await?;
    for (r, parts) in &rooms {
        problems.extend(room_problems(&mut tx, &before, *r, parts).await?);
    }
    if let Some(r) = pool {
        problems.extend(pool_problems(&mut tx, &before, r, &new_parts).await?);
    }
    if !problems.is_empty() {
        return Err(AppError::Conflict {
            message: trainyard_core::refusal!(
                "conflict-head-plan",
                "{reference} cannot be placed as planned any more:",
                reference = before.reference
            ),
            problems,
        });
    }
    let moved = parts_before
        .iter()
        .filter(|x| x.status == "scheduled")
        .map(|x| (x.starts_at, x.ends_at))
        .collect::<Vec<_>>()
        != new_parts;
    repo::set_parts(&mut tx, p.session_id, &new_parts, now).await?;
    if before.status == SessionStatus::Draft {
        let mid = sessions::get(&mut tx, p.session_id).await?;
        let next = mid.status.transition(SessionEvent::Schedule)?;
        sessions::set_status(&mut tx, p.session_id, mid.version, next, now).await?;
    }
    let after = sessions::get(&mut tx, p.session_id).await?;
    let parts_after = sessions::parts(&mut tx, p.session_id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        if kind == "repair" {
            "session.replanned"
        } else {
            "session.planned"
        },
        ("session", p.session_id),
        Some(&serde_json::json!({ "session": before, "parts": parts_before })),
        Some(
            &serde_json::json!({ "session": after, "parts": parts_after, "plan_run_id": p.run_id }),
        ),
    )
    .await?;

    // The instructor: keep a live assignment of the same person, replace anyone else.
    let current = assignments::for_session(&mut tx, p.session_id).await?;
    let keep = current
        .iter()
        .any(|a| a.instructor_id == instructor_id && a.status.is_live());
    let mut replaced = None;
    for a in current
        .iter()
        .filter(|a| a.instructor_id != instructor_id && a.status.is_live() && a.role == "lead")
    {
        let rec = assignments::get(&mut tx, a.id).await?;
        let next = rec.status.transition(AssignmentEvent::Cancel)?;
        assignments::set_status(&mut tx, a.id, rec.version, next, None, None, now).await?;
        let after_a = assignments::get(&mut tx, a.id).await?;
        crate::audit::record(
            &mut tx,
            caller,
            now,
            "assignment.substituted",
            ("assignment", a.id),
            Some(&rec),
            Some(&after_a),
        )
        .await?;
        replaced = Some(a.id);
    }
    if !keep {
        let id = match replaced {
            Some(old) => {
                assignments::insert_replacing(
                    &mut tx,
                    p.session_id,
                    instructor_id,
                    "lead",
                    old,
                    now,
                )
                .await?
            }
            None => {
                assignments::insert(
                    &mut tx,
                    p.session_id,
                    instructor_id,
                    "lead",
                    AssignmentStatus::Proposed,
                    now,
                )
                .await?
            }
        };
        let rec = assignments::get(&mut tx, id).await?;
        crate::audit::record(
            &mut tx,
            caller,
            now,
            "assignment.proposed",
            ("assignment", id),
            None,
            Some(&rec),
        )
        .await?;
        crate::audit::record(
            &mut tx,
            caller,
            now,
            "session.instructor_proposed",
            ("session", p.session_id),
            None,
            Some(&rec),
        )
        .await?;
    }

    // Rooms: release others, book the proposed ones tentatively for their parts.
    let keep_room = rooms.keys().next().copied();
    let released = repo::release_other_rooms(&mut tx, p.session_id, keep_room).await?;
    for r in &released {
        crate::audit::record(
            &mut tx,
            caller,
            now,
            "session.resource_released",
            ("session", p.session_id),
            Some(&serde_json::json!({ "resource_id": r })),
            None,
        )
        .await?;
    }
    for resource_id in keep_room.into_iter().chain(pool) {
        book_one_tentatively(
            &mut tx,
            caller,
            now,
            p.session_id,
            resource_id,
            &parts_after,
        )
        .await?;
    }
    if moved && before.status != SessionStatus::Draft {
        let changes = crate::messages::changes(
            &before,
            &parts_before,
            &after,
            &parts_after,
            &trainyard_core::TimeZoneName::parse_or_utc(&after.time_zone),
        );
        crate::schedule::sessions::notify(
            app,
            &mut tx,
            &after,
            crate::schedule::sessions::Change::Rescheduled,
            &changes,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    let tz = zone(&after.time_zone);
    Ok(format!(
        "{} {} from {}.",
        after.reference,
        if kind == "repair" {
            "moved; now"
        } else {
            "scheduled"
        },
        tz.display(after.starts_at)
    ))
}
