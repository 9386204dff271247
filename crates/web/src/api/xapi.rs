//! The xAPI hand-off over the API: the Learning Record Store's settings (admins) and statement
//! log, courses' e-learning prerequisites, and the readiness check of a session's learners.

use super::extract::{Body, Id, Params};
use super::operations::Operations;
use super::operations::routes;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::problem::{ApiError, Problem};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use trainyard_app::AppError;
use trainyard_app::store::Page;
use trainyard_app::store::webhooks::{Delivery, DeliveryFilter};
use trainyard_app::store::xapi::Lrs;
use trainyard_app::xapi::{self as uc, ReadinessReport};
use trainyard_core::xapi::LrsFields;

pub fn api() -> Operations {
    Operations::new()
        .routes(routes!(get_lrs, save_lrs))
        .routes(routes!(statements))
        .routes(routes!(get_prerequisites, set_prerequisites))
        .routes(routes!(check_readiness))
}

super::bodies::page_type!(LrsStatementPage, "LrsStatementPage", Delivery);

/// The Learning Record Store as written.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct LrsBody {
    /// The xAPI base address, e.g. `https://lrs.example.com/xAPI` (statements go to
    /// `…/statements`); `http://` only to this machine.
    pub url: String,
    /// The basic-auth key (user name).
    pub key: String,
    /// The basic-auth secret: required the first time; absent or empty keeps the stored one. It
    /// is never shown back.
    #[serde(default)]
    pub secret: Option<String>,
    /// Whether statements are queued and sent (default true).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// The version read, when changing the settings; otherwise 409.
    #[serde(default)]
    pub version: Option<i64>,
}

fn yes() -> bool {
    true
}

/// A course's e-learning prerequisites.
#[derive(Deserialize, Serialize, utoipa::ToSchema)]
pub struct ElearningPrerequisites {
    /// xAPI activity ids (IRIs) the learner must have completed or passed, at most 50.
    pub activity_ids: Vec<String>,
}

/// Filter of a session's enrollments.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ReadinessFilter {
    /// Only the enrollments that are ready (`true`) or not ready (`false`) per the last
    /// readiness check.
    #[param(value_type = Option<bool>)]
    pub ready: String,
}

/// Get the Learning Record Store settings.
///
/// The LRS statements go to, its state and queue; never its secret. Admins; 404 when none is
/// configured.
#[utoipa::path(get, path = "/lrs", operation_id = "getLrs", tag = "xapi",
    responses((status = 200, description = "The LRS settings", body = Lrs), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_lrs(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> Result<Json<Lrs>, ApiError> {
    match uc::get_lrs(&s.app, &c).await? {
        Some(l) => Ok(Json(l)),
        None => Err(AppError::NotFound("the LRS settings").into()),
    }
}

/// Configure the Learning Record Store.
///
/// Sets where statements go and the basic-auth key and secret (the secret is required the first
/// time and never shown back), and turns the hand-off on or off. Turning it back on clears its
/// failures so waiting statements go at once. Admins; audited; a stale `version` is 409.
#[utoipa::path(put, path = "/lrs", operation_id = "saveLrs", tag = "xapi", request_body = LrsBody,
    responses((status = 200, description = "The LRS settings", body = Lrs), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn save_lrs(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Body(b): Body<LrsBody>,
) -> Result<Json<Lrs>, ApiError> {
    let fields = LrsFields {
        url: b.url,
        key: b.key,
        secret: b.secret.unwrap_or_default(),
        enabled: b.enabled,
    };
    Ok(Json(uc::save_lrs(&s.app, &c, b.version, &fields).await?))
}

/// List the statements sent to the LRS.
///
/// The statement log, newest first: each statement (its id is the delivery's `message_id`, its
/// verb the `event_type`) with its state, attempts, last HTTP status and error. Admins.
#[utoipa::path(get, path = "/lrs/statements", operation_id = "listLrsStatements", tag = "xapi", params(DeliveryFilter),
    responses((status = 200, description = "One page of statements", body = LrsStatementPage), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn statements(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Params(f): Params<DeliveryFilter>,
) -> Result<Json<Page<Delivery>>, ApiError> {
    Ok(Json(uc::list_statements(&s.app, &c, &f).await?))
}

/// Get a course's e-learning prerequisites.
#[utoipa::path(get, path = "/courses/{id}/elearning-prerequisites", operation_id = "getCoursePrerequisites", tag = "xapi", params(("id" = i64, Path)),
    responses((status = 200, description = "The activity ids", body = ElearningPrerequisites), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_prerequisites(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<ElearningPrerequisites>, ApiError> {
    Ok(Json(ElearningPrerequisites {
        activity_ids: uc::prerequisites(&s.app, &c, id).await?,
    }))
}

/// Set a course's e-learning prerequisites.
///
/// Replaces the xAPI activities a learner must have completed (or passed) in the LMS before the
/// course's sessions; an empty list removes them. Coordinators, managers and admins; audited.
#[utoipa::path(put, path = "/courses/{id}/elearning-prerequisites", operation_id = "setCoursePrerequisites", tag = "xapi", params(("id" = i64, Path)), request_body = ElearningPrerequisites,
    responses((status = 200, description = "The activity ids", body = ElearningPrerequisites), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn set_prerequisites(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<ElearningPrerequisites>,
) -> Result<Json<ElearningPrerequisites>, ApiError> {
    Ok(Json(ElearningPrerequisites {
        activity_ids: uc::set_prerequisites(&s.app, &c, id, &b.activity_ids.join("\n")).await?,
    }))
}

/// Check a session's readiness.
///
/// Asks the LRS which booked, requested and waitlisted learners have completed (or passed) every
/// e-learning prerequisite of the course, and marks their enrollments ready (`ready_at`).
/// Operations staff; audited. 409 without an LRS that is on, when the course has no
/// prerequisites, or when the LRS cannot be read.
#[utoipa::path(post, path = "/sessions/{id}/readiness-check", operation_id = "checkSessionReadiness", tag = "xapi", params(("id" = i64, Path)),
    responses((status = 200, description = "Who is ready", body = ReadinessReport), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn check_readiness(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<ReadinessReport>, ApiError> {
    Ok(Json(uc::check_readiness(&s.app, &c, id).await?))
}
