//! Recurring programmes over the API: preview a series cloned from a session, then create it.

use super::extract::{Body, Id};
use super::operations::Operations;
use super::operations::routes;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::problem::{ApiError, Problem};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use trainyard_app::recurrence::{self as uc, Preview};
use trainyard_app::store::sessions::Session;
use trainyard_core::recurrence::RecurrenceFields;

pub fn api() -> Operations {
    Operations::new()
        .routes(routes!(preview))
        .routes(routes!(create))
}

/// Preview a session's recurrence.
///
/// Preview the series a recurrence rule would clone from this session: every occurrence (the
/// session itself first) with UTC and local times, daylight-saving changes, conflicts at the venue
/// and with the confirmed instructor, and problems that would block creating it. Changes nothing.
///
/// Body: `{ "rrule": "FREQ=WEEKLY;BYDAY=MO;COUNT=5", "exceptions": ["2026-04-06"] }` (RFC 5545
/// RRULE; COUNT counts the session itself; at most 500 sessions; COUNT or UNTIL is required).
/// Instead of `rrule`, the structured fields `freq`, `interval`, `byday`, `month_nth`,
/// `month_weekday`, `count`, `until` may be sent.
#[utoipa::path(post, path = "/sessions/{id}/recurrence/preview", operation_id = "previewSessionRecurrence", tag = "sessions",
    params(("id" = i64, Path)), request_body = RecurrenceFields,
    responses((status = 200, description = "The occurrences that would be created, with their conflicts", body = Preview), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn preview(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(f): Body<RecurrenceFields>,
) -> Result<Json<Preview>, ApiError> {
    Ok(Json(uc::preview(&s.app, &c, id, &f).await?))
}

/// Create a session's recurrence.
///
/// Create the series: every occurrence after the session itself, as draft sessions with the same
/// course, venue, client, capacity, price, time zone and notes, in one transaction. Nothing is
/// created when any occurrence is invalid (422), for example a part in a daylight-saving gap: skip
/// that date with an exception. Conflicts do not block: the new sessions are drafts.
#[utoipa::path(post, path = "/sessions/{id}/recurrence", operation_id = "createSessionRecurrence", tag = "sessions",
    params(("id" = i64, Path)),
    request_body = RecurrenceFields,
    responses((status = 201, description = "The sessions created", body = Vec<Session>), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(f): Body<RecurrenceFields>,
) -> Result<(StatusCode, Json<Vec<Session>>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(uc::create_series(&s.app, &c, id, &f).await?),
    ))
}
