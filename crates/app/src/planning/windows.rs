//! Planning windows: which draft sessions the planner may place, and between which days.

use chrono::NaiveDate;
use trainyard_core::Invalid;
use trainyard_core::status::ResourceKind;
use trainyard_core::status::SessionStatus;
use trainyard_store::planning::{self as repo, DraftScope, DraftSession, PlanningWindow, Program};
use trainyard_store::{resources, sessions};

use crate::error::About;
use crate::{App, AppError, Caller, now_ms};

/// The window as a form or the API sends it.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct WindowFields {
    /// First day a part may fall on, `YYYY-MM-DD`.
    pub earliest: String,
    /// Last day a part may fall on, `YYYY-MM-DD`.
    pub latest: String,
    /// Each part a half-day (09:00–12:30 or 13:30–17:00) instead of a full day (09:00–17:00).
    #[serde(deserialize_with = "lenient_bool")]
    pub half_days: bool,
    /// Days of the week it may run on, e.g. `Mon-Wed` or `tue, thu` (empty: Monday to Friday).
    pub weekdays: String,
    /// Days of the week it should run on if it can, same form.
    pub preferred_weekdays: String,
    /// Sessions sharing this label are taken by the same group and never overlap.
    pub cohort: String,
    /// A pooled resource (platform licences, equipment) each part needs one unit of.
    #[serde(deserialize_with = "trainyard_store::row::empty_as_none")]
    pub pool_resource_id: Option<i64>,
}

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn weekday_number(token: &str) -> Option<u32> {
    let t = token.trim().to_ascii_lowercase();
    if let Ok(n) = t.parse::<u32>() {
        return (1..=7).contains(&n).then_some(n);
    }
    let short = t.get(..3)?;
    let k = DAY_NAMES.iter().position(|d| *d == short)?;
    // "monday", "mon", "tues" … but not "moon".
    let full = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ][k];
    full.starts_with(t.as_str()).then_some(k as u32 + 1)
}

/// Parses `Mon-Wed, Fri` (names, 1–7, ranges) into ascending ISO weekday numbers; planning uses
/// working days only, so Saturday and Sunday are refused.
pub(crate) fn parse_weekdays(inv: &mut Invalid, field: &str, raw: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for token in raw.split([',', ' ', ';']).filter(|t| !t.trim().is_empty()) {
        let mut ends = token.split(['-', '–']);
        let (a, b) = (ends.next().unwrap_or(""), ends.next());
        let from = weekday_number(a);
        let to = b.map(weekday_number).unwrap_or(from);
        match (from, to) {
            (Some(x), Some(y)) if x <= y => out.extend(x..=y),
            _ => {
                inv.add(
                    field,
                    format!(
                        "'{}' is not a day of the week or a range like Mon-Wed",
                        token.chars().take(20).collect::<String>()
                    ),
                );
                return Vec::new();
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    if out.iter().any(|d| *d > 5) {
        inv.add(
            field,
            "the planner uses working days only (Monday to Friday)",
        );
        return Vec::new();
    }
    out
}

/// `[2, 3, 4]` → "Tue, Wed, Thu" (for pages).
pub fn weekdays_label(days: &[u32]) -> String {
    days.iter()
        .filter_map(|d| DAY_NAMES.get((*d as usize).wrapping_sub(1)))
        .map(|d| {
            let mut c = d.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn lenient_bool<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum B {
        Bool(bool),
        Text(String),
    }
    Ok(match <B as serde::Deserialize>::deserialize(d)? {
        B::Bool(b) => b,
        B::Text(t) => matches!(t.as_str(), "1" | "true" | "on" | "yes"),
    })
}

pub(crate) fn parse_day(inv: &mut Invalid, field: &str, raw: &str) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) if raw.trim().is_empty() => {
            inv.add(field, "enter a date");
            None
        }
        Err(_) => {
            inv.add(
                field,
                format!(
                    "'{}' is not a date (expected YYYY-MM-DD)",
                    raw.chars().take(20).collect::<String>()
                ),
            );
            None
        }
    }
}

/// Sets (or replaces) the planning window of a draft session.
pub async fn set_window(
    app: &App,
    caller: &Caller,
    session_id: i64,
    fields: &WindowFields,
) -> Result<PlanningWindow, AppError> {
    caller.require_operations("set planning windows")?;
    let mut inv = Invalid::new();
    let earliest = parse_day(&mut inv, "earliest", &fields.earliest);
    let latest = parse_day(&mut inv, "latest", &fields.latest);
    if let (Some(a), Some(b)) = (earliest, latest) {
        if b < a {
            inv.add("latest", "must be on or after the earliest day");
        } else if (b - a).num_days() > super::mapping::MAX_HORIZON_DAYS {
            inv.add(
                "latest",
                format!(
                    "a window spans at most {} days",
                    super::mapping::MAX_HORIZON_DAYS
                ),
            );
        }
    }
    let weekdays = parse_weekdays(&mut inv, "weekdays", &fields.weekdays);
    let preferred_weekdays =
        parse_weekdays(&mut inv, "preferred_weekdays", &fields.preferred_weekdays);
    let cohort = fields.cohort.trim().to_owned();
    if cohort.chars().count() > 80 {
        inv.add("cohort", "at most 80 characters");
    }
    let (Some(a), Some(b)) = (earliest, latest) else {
        return Err(inv.into());
    };
    if !inv.is_empty() {
        return Err(inv.into());
    }
    let now = now_ms();
    let mut tx = app.store.write().await?;
    sessions::touch(&mut tx, session_id)
        .await
        .about("session")?;
    let session = sessions::get(&mut tx, session_id).await.about("session")?;
    if session.status != SessionStatus::Draft {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-plan-not-draft",
            "Session {session} is {status}: only drafts are planned by the planner (use Repair to move scheduled sessions).",
            session = session.reference,
            status = session.status.label().to_lowercase()
        )));
    }
    if let Some(r) = fields.pool_resource_id {
        let res = resources::get(&mut tx, r).await.about("pooled resource")?;
        if res.kind == ResourceKind::Room {
            return Err(Invalid::field(
                "pool_resource_id",
                format!("{} is a room; rooms are chosen by the planner, pick a pooled resource (platform, equipment, material)", res.name),
            )
            .into());
        }
        if res.archived_at.is_some() {
            return Err(
                Invalid::field("pool_resource_id", format!("{} is archived", res.name)).into(),
            );
        }
    }
    let before = repo::window(&mut tx, session_id).await?;
    let w = PlanningWindow {
        session_id,
        earliest_day: a.format("%Y-%m-%d").to_string(),
        latest_day: b.format("%Y-%m-%d").to_string(),
        half_days: fields.half_days,
        weekdays,
        preferred_weekdays,
        cohort,
        pool_resource_id: fields.pool_resource_id,
    };
    repo::set_window(
        &mut tx,
        &w,
        (caller.user_id != 0).then_some(caller.user_id),
        now,
    )
    .await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "session.planning_window_set",
        ("session", session_id),
        before.as_ref(),
        Some(&w),
    )
    .await?;
    tx.commit().await?;
    Ok(w)
}

/// The planning window of a session, if it has one.
pub async fn window(
    app: &App,
    caller: &Caller,
    session_id: i64,
) -> Result<Option<PlanningWindow>, AppError> {
    caller.require_staff("see the planning of sessions")?;
    let mut conn = app.store.read().await?;
    Ok(repo::window(&mut conn, session_id).await?)
}

/// Takes a session out of automatic planning.
pub async fn clear_window(app: &App, caller: &Caller, session_id: i64) -> Result<(), AppError> {
    caller.require_operations("set planning windows")?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let before = repo::window(&mut tx, session_id)
        .await?
        .ok_or(AppError::NotFound("planning window"))?;
    repo::clear_window(&mut tx, session_id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "session.planning_window_cleared",
        ("session", session_id),
        Some(&before),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What the Plan page offers: drafts with windows in the scope, drafts without, and programs.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Drafts {
    pub planned: Vec<DraftSession>,
    pub without_window: Vec<DraftSession>,
    pub programs: Vec<Program>,
}

pub async fn drafts(
    app: &App,
    caller: &Caller,
    program_id: Option<i64>,
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
) -> Result<Drafts, AppError> {
    caller.require_staff("see the planning of sessions")?;
    let mut conn = app.store.read().await?;
    let scope = DraftScope {
        program_id,
        from_day: from.map(|d| d.format("%Y-%m-%d").to_string()),
        until_day: until.map(|d| d.format("%Y-%m-%d").to_string()),
        session_ids: Vec::new(),
        limit: 1000,
    };
    Ok(Drafts {
        planned: repo::drafts(&mut conn, &scope).await?,
        without_window: repo::drafts_without_window(&mut conn, 50).await?,
        programs: repo::programs(&mut conn).await?,
    })
}
