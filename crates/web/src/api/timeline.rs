//! The resource timeline as JSON: rows (instructors or rooms) with their items in a window of days,
//! each item flagged when it overlaps another in its row.

use super::extract::Params;
use super::operations::{Operations, routes};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::problem::{ApiError, Problem};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use trainyard_app::AppError;
use trainyard_app::timeline::{self as tl, RowKind, TimelineQuery, Window};
use trainyard_core::TimeZoneName;
use trainyard_core::time::rfc3339;

pub fn api() -> Operations {
    Operations::new().routes(routes!(timeline))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimelineParams {
    /// `instructors` (default) or `rooms`.
    rows: Option<String>,
    /// First day, `YYYY-MM-DD`, in your time zone (default: today).
    from: Option<String>,
    /// Number of days, 1 to 62 (default 7).
    days: Option<i64>,
    /// Rooms: only those of this venue.
    venue_id: Option<i64>,
    /// Instructors: part of the name.
    q: Option<String>,
    /// Show this plan run's open proposal (tone `planned`) in place of where its sessions stand now.
    plan_run: Option<i64>,
}

/// Whose rows a timeline shows. Only its schema is used: the response carries the text.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
#[schema(rename_all = "lowercase")]
pub enum TimelineKind {
    Instructors,
    Rooms,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TimelineOut {
    /// `instructors` or `rooms`.
    #[schema(value_type = TimelineKind)]
    pub kind: String,
    /// The first day, `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub from: String,
    pub days: i64,
    /// The zone the days are counted in (yours).
    pub time_zone: String,
    /// Local midnight starting the first day.
    #[schema(format = DateTime)]
    pub starts_at: String,
    /// Local midnight after the last day.
    #[schema(format = DateTime)]
    pub ends_at: String,
    /// Items in conflict, over all rows.
    pub conflicts: usize,
    pub rows: Vec<TimelineRowOut>,
    /// Closure days in the window: company-wide ones, and the venue's when rooms are filtered
    /// by venue (otherwise every venue's).
    pub closures: Vec<trainyard_app::store::closures::Closure>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TimelineRowOut {
    /// The instructor's or resource's id.
    pub id: i64,
    pub name: String,
    /// Rooms: the venue and seats.
    pub detail: String,
    pub conflicts: usize,
    pub items: Vec<TimelineItemOut>,
    /// Instructors: their time off touching the window.
    pub time_off: Vec<TimelineTimeOffOut>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TimelineTimeOffOut {
    #[schema(format = DateTime)]
    pub starts_at: String,
    #[schema(format = DateTime)]
    pub ends_at: String,
    pub reason: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TimelineItemOut {
    pub session_id: i64,
    pub session_reference: String,
    pub part_id: i64,
    pub course_code: String,
    /// The session's time zone.
    pub time_zone: String,
    #[schema(format = DateTime)]
    pub starts_at: String,
    #[schema(format = DateTime)]
    pub ends_at: String,
    /// The assignment's status (instructors) or the booking's (rooms).
    pub status: String,
    /// `confirmed`, `tentative`, `declined` or `planned` (a plan run's proposal): how the UI colours it.
    pub tone: String,
    /// Overlaps another item of the same row.
    pub conflict: bool,
}

/// The schedule timeline.
///
/// Instructors or rooms with what they do in a window of days, conflicts flagged (staff only).
///
/// One query for the rows and one for every item in the window. A declined assignment is listed
/// but never conflicts; touching parts (one ends as the next starts) do not overlap.
#[utoipa::path(get, path = "/timeline", operation_id = "getTimeline", tag = "schedule", params(TimelineParams),
    responses((status = 200, description = "Rows with their items and conflicts in the window", body = TimelineOut), (status = 400, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn timeline(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Params(p): Params<TimelineParams>,
) -> Result<Json<TimelineOut>, ApiError> {
    c.require_staff("see the schedule of every instructor and room")?;
    let tz = TimeZoneName::parse_or_utc(&c.time_zone);
    let mut inv = trainyard_core::Invalid::new();
    let kind = inv.check(
        "rows",
        RowKind::parse(p.rows.as_deref().unwrap_or(""))
            .map_err(|e| e.message_for("rows").unwrap_or_default().to_owned()),
    );
    let from = match p.from.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
        None => Some(tz.local(trainyard_core::time::now_ms()).date_naive()),
        Some(raw) => inv.check(
            "from",
            tl::parse_day("from", raw)
                .map_err(|e| e.message_for("from").unwrap_or_default().to_owned()),
        ),
    };
    let days = p.days.unwrap_or(7);
    let window = from.and_then(|f| {
        inv.check(
            "days",
            Window::new(f, days).map_err(|e| e.message_for("days").unwrap_or_default().to_owned()),
        )
    });
    let (Some(kind), Some(window)) = (kind, window) else {
        return Err(AppError::Invalid(inv).into());
    };
    if !inv.is_empty() {
        return Err(AppError::Invalid(inv).into());
    }
    let query = TimelineQuery {
        kind,
        window,
        q: p.q.unwrap_or_default(),
        venue_id: p.venue_id,
        plan_run: p.plan_run,
    };
    let t = tl::timeline(&s.app, &c, &query, &tz).await?;
    Ok(Json(TimelineOut {
        kind: t.kind.as_str().to_owned(),
        from: t.window.from.format("%Y-%m-%d").to_string(),
        days: t.window.days,
        time_zone: tz.as_str().to_owned(),
        starts_at: rfc3339(t.from_ms),
        ends_at: rfc3339(t.to_ms),
        conflicts: t.conflicts,
        closures: t.closures,
        rows: t
            .rows
            .into_iter()
            .map(|r| TimelineRowOut {
                id: r.head.id,
                name: r.head.name,
                detail: r.head.detail,
                conflicts: r.conflicts,
                time_off: r
                    .time_off
                    .into_iter()
                    .map(|(a, b, reason)| TimelineTimeOffOut {
                        starts_at: rfc3339(a),
                        ends_at: rfc3339(b),
                        reason,
                    })
                    .collect(),
                items: r
                    .entries
                    .into_iter()
                    .map(|e| TimelineItemOut {
                        session_id: e.item.session_id,
                        session_reference: e.item.session_reference,
                        part_id: e.item.part_id,
                        course_code: e.item.course_code,
                        time_zone: e.item.time_zone,
                        starts_at: rfc3339(e.item.starts_at),
                        ends_at: rfc3339(e.item.ends_at),
                        status: e.item.status,
                        tone: e.tone.as_str().to_owned(),
                        conflict: e.conflict,
                    })
                    .collect(),
            })
            .collect(),
    }))
}
