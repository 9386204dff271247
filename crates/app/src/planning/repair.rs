//! Repair: an instructor drops out, or a room closes, for some days. The absence is recorded (time
//! off, or a room closure) and the scheduled and confirmed sessions it hits become the planner's
//! problem, each starting from where it is now, with every other session fixed. The planner pays
//! for every moved part and every new instructor in proportion to the people already told of the
//! session (booked learners, the client's contact, its instructors), so its proposal is the
//! smallest set of broken promises that makes the plan whole again. Sessions starting within the
//! notice period keep their days and times unless the coordinator allows moving them; each
//! proposal says who would be told what.

use chrono::{Duration, NaiveDate};
use trainyard_core::TimeZoneName;
use trainyard_core::status::AssignmentStatus;
use trainyard_store::planning::{self as repo, Run};
use trainyard_store::{assignments, bookings, instructors, resources, sessions, venues};

use super::mapping::{self, Promise, Published, Target};
use super::runs::{self, RunOptions};
use crate::error::About;
use crate::{App, AppError, Caller, now_ms};

/// What happened.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RepairTrigger {
    /// The instructor cannot teach from `from` to `until` (days, inclusive).
    InstructorDropsOut {
        instructor_id: i64,
        #[schema(format = Date)]
        from: String,
        #[schema(format = Date)]
        until: String,
        #[serde(default)]
        reason: String,
    },
    /// The room is out of use from `from` to `until` (days, inclusive).
    RoomCloses {
        resource_id: i64,
        #[schema(format = Date)]
        from: String,
        #[schema(format = Date)]
        until: String,
        #[serde(default)]
        reason: String,
    },
}

/// How far a repaired session may move around its current dates (when it has no window).
const SLACK_DAYS: i64 = 14;

/// What a repair may do to sessions starting soon.
#[derive(Debug, Clone, Copy, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NoticePeriod {
    /// Sessions starting within this many days of now keep their days and times; only their
    /// instructor or room may change (0–365, default 14).
    pub notice_days: i64,
    /// The coordinator allows moving sessions inside the notice period too.
    pub allow_moves_within_notice: bool,
}

impl Default for NoticePeriod {
    fn default() -> Self {
        Self {
            notice_days: 14,
            allow_moves_within_notice: false,
        }
    }
}

impl NoticePeriod {
    pub fn validate(self) -> Result<Self, AppError> {
        if !(0..=365).contains(&self.notice_days) {
            return Err(
                trainyard_core::Invalid::field("notice_days", "between 0 and 365 days").into(),
            );
        }
        Ok(self)
    }
}

fn zone(name: &str) -> TimeZoneName {
    TimeZoneName::parse_or_utc(name)
}

/// Records the absence and starts a repair run over the sessions it hits.
pub async fn repair(
    app: &App,
    caller: &Caller,
    trigger: &RepairTrigger,
    notice: NoticePeriod,
    options: RunOptions,
) -> Result<Run, AppError> {
    caller.require_operations("repair the plan")?;
    let options = options.validate()?;
    let notice = notice.validate()?;
    let (from_raw, until_raw, reason) = match trigger {
        RepairTrigger::InstructorDropsOut {
            from,
            until,
            reason,
            ..
        }
        | RepairTrigger::RoomCloses {
            from,
            until,
            reason,
            ..
        } => (from, until, reason.trim()),
    };
    let (from, until) = runs::scope_days(&runs::PlanScope {
        from: Some(from_raw.clone()),
        until: Some(until_raw.clone()),
        ..Default::default()
    })?;
    let (Some(from), Some(until)) = (from, until) else {
        let mut inv = trainyard_core::Invalid::new();
        if from.is_none() {
            inv.add("from", "enter the first day");
        }
        if until.is_none() {
            inv.add("until", "enter the last day");
        }
        return Err(inv.into());
    };
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let (tz, label, summary) = match trigger {
        RepairTrigger::InstructorDropsOut { instructor_id, .. } => {
            let inst = instructors::get(&mut tx, *instructor_id)
                .await
                .about("instructor")?;
            (
                zone(&inst.time_zone),
                inst.name.clone(),
                format!("{} drops out from {from} to {until}", inst.name),
            )
        }
        RepairTrigger::RoomCloses { resource_id, .. } => {
            let room = resources::get(&mut tx, *resource_id).await.about("room")?;
            if room.kind != trainyard_core::status::ResourceKind::Room {
                return Err(AppError::Refused(trainyard_core::refusal!(
                    "refused-repair-not-room",
                    "{room} is not a room: only rooms close.",
                    room = room.name
                )));
            }
            let tz = match room.venue_id {
                Some(v) => zone(&venues::time_zone(&mut tx, v).await?),
                None => zone(&caller.time_zone),
            };
            (
                tz,
                room.name.clone(),
                format!("{} closed from {from} to {until}", room.name),
            )
        }
    };
    let start = tz.start_of_day_ms(from);
    let end = tz.start_of_day_ms(until + Duration::days(1));
    let by = (caller.user_id != 0).then_some(caller.user_id);
    let affected = match trigger {
        RepairTrigger::InstructorDropsOut { instructor_id, .. } => {
            let why = if reason.is_empty() {
                "Dropped out".to_owned()
            } else {
                format!("Dropped out: {reason}")
            };
            let id = instructors::insert_time_off(&mut tx, *instructor_id, start, end, &why, now)
                .await?;
            crate::audit::record(&mut tx, caller, now, "instructor.time_off_added", ("instructor", *instructor_id), None, Some(&serde_json::json!({ "time_off_id": id, "starts_at": start, "ends_at": end, "reason": why })))
            .await?;
            repo::sessions_taught_between(&mut tx, *instructor_id, start, end).await?
        }
        RepairTrigger::RoomCloses { resource_id, .. } => {
            let why = if reason.is_empty() {
                "Closed".to_owned()
            } else {
                reason.to_owned()
            };
            let id = repo::insert_closure(&mut tx, *resource_id, start, end, &why, by, now).await?;
            crate::audit::record(&mut tx, caller, now, "resource.closed", ("resource", *resource_id), None, Some(&serde_json::json!({ "closure_id": id, "starts_at": start, "ends_at": end, "reason": why })))
            .await?;
            repo::sessions_in_room_between(&mut tx, *resource_id, start, end).await?
        }
    };
    tx.commit().await?;
    let scope = serde_json::to_value(trigger).unwrap_or_default();
    if affected.is_empty() {
        let run = runs::create(app, caller, "repair", &scope, &summary, options).await?;
        let mut tx = app.store.write().await?;
        repo::finish_run(&mut tx, run.id, "done", (Some(0), Some(0)), None, Some(&format!(
                "No scheduled or confirmed session needs {label} in that time: nothing to change. The absence is recorded."
            )), now_ms())
        .await?;
        tx.commit().await?;
        return Ok(run);
    }
    let mut conn = app.store.read().await?;
    let today = zone(&caller.time_zone).local(now).date_naive();
    let mut targets = Vec::new();
    for id in &affected {
        let session = sessions::get(&mut conn, *id).await?;
        let parts: Vec<(i64, i64)> = sessions::parts(&mut conn, *id)
            .await?
            .into_iter()
            .filter(|p| p.status == "scheduled")
            .map(|p| (p.starts_at, p.ends_at))
            .collect();
        let assigned = assignments::for_session(&mut conn, *id).await?;
        let instructor_id = assigned
            .iter()
            .find(|a| a.status.is_live() && a.role == "lead")
            .map(|a| a.instructor_id);
        // A proposed instructor has not been asked yet: only those asked or confirmed were told.
        let mut told_instructors: Vec<(i64, String)> = assigned
            .iter()
            .filter(|a| {
                matches!(
                    a.status,
                    AssignmentStatus::Requested
                        | AssignmentStatus::Accepted
                        | AssignmentStatus::Confirmed
                )
            })
            .map(|a| (a.instructor_id, a.instructor_name.clone()))
            .collect();
        told_instructors.sort();
        told_instructors.dedup_by_key(|(i, _)| *i);
        let room_id = bookings::for_session(&mut conn, *id)
            .await?
            .iter()
            .find(|b| b.resource_kind == "room")
            .map(|b| b.resource_id);
        let stz = zone(&session.time_zone);
        let first: NaiveDate = stz.local(session.starts_at).date_naive();
        let last: NaiveDate = stz.local(session.ends_at).date_naive();
        let window = repo::window(&mut conn, *id).await?;
        let parse = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let (earliest, latest) = match window
            .as_ref()
            .and_then(|w| Some((parse(&w.earliest_day)?, parse(&w.latest_day)?)))
        {
            Some(w) => w,
            None => (
                (first - Duration::days(SLACK_DAYS)).max(today + Duration::days(1)),
                last + Duration::days(SLACK_DAYS),
            ),
        };
        let half_days = parts.first().is_some_and(|(a, b)| b - a < 5 * 3_600_000);
        let first_start = parts
            .iter()
            .map(|(a, _)| *a)
            .min()
            .unwrap_or(session.starts_at);
        let held = !notice.allow_moves_within_notice
            && first_start < now + notice.notice_days * 86_400_000;
        let promise = Promise {
            learners: session.booked_count,
            client: session.client_id.map(|_| {
                session
                    .client_name
                    .clone()
                    .unwrap_or_else(|| "the client".into())
            }),
            instructors: told_instructors,
            held_by_notice: held.then_some(notice.notice_days),
        };
        targets.push(Target {
            session,
            earliest,
            latest: latest.max(earliest),
            half_days: window.as_ref().map(|w| w.half_days).unwrap_or(half_days),
            rules: window
                .as_ref()
                .map(mapping::WindowRules::from)
                .unwrap_or_default(),
            published: Some(Published {
                instructor_id,
                room_id,
                parts,
            }),
            promise: Some(promise),
        });
    }
    let mapped = mapping::build(&mut conn, targets, mapping::weights()).await?;
    drop(conn);
    let summary = format!(
        "{summary} · {} sessions affected · {}",
        affected.len(),
        if notice.allow_moves_within_notice {
            "moves within the notice period allowed".to_owned()
        } else {
            format!("{}-day notice period", notice.notice_days)
        }
    );
    let run = runs::create(app, caller, "repair", &scope, &summary, options).await?;
    runs::launch(app.clone(), run.id, mapped, options, true);
    Ok(run)
}
