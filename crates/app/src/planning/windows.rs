//! Planning windows: which draft sessions the planner may place, and between which days.

use chrono::NaiveDate;
use trainyard_core::Invalid;
use trainyard_core::status::SessionStatus;
use trainyard_store::planning::{self as repo, DraftScope, DraftSession, PlanningWindow, Program};
use trainyard_store::sessions;

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
        return Err(AppError::Refused(format!(
            "Session {} is {}: only drafts are planned by the planner (use Repair to move scheduled sessions).",
            session.reference,
            session.status.label().to_lowercase()
        )));
    }
    let before = repo::window(&mut tx, session_id).await?;
    let w = PlanningWindow {
        session_id,
        earliest_day: a.format("%Y-%m-%d").to_string(),
        latest_day: b.format("%Y-%m-%d").to_string(),
        half_days: fields.half_days,
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
        "session",
        session_id,
        before.as_ref(),
        Some(&w),
    )
    .await?;
    tx.commit().await?;
    Ok(w)
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
        "session",
        session_id,
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
