//! Enrollments and the waitlist over the API.

use super::extract::{Body, Id};
use super::operations::Operations;
use super::operations::routes;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::problem::{ApiError, Problem};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use trainyard_app::enrollment;
use trainyard_app::store::enrollments::{Enrollment, EnrollmentRecord};

pub fn api() -> Operations {
    Operations::new()
        .routes(routes!(enroll, list))
        .routes(routes!(cancel))
        .routes(routes!(substitute))
        .routes(routes!(transfer))
        .routes(routes!(accept_offer))
        .routes(routes!(approve))
        .routes(routes!(rules))
        .routes(routes!(sheet, take_attendance))
        .routes(routes!(merge))
        .routes(routes!(merge_preview))
        .routes(routes!(viability))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct EnrollRequest {
    pub learner_id: i64,
    /// Waitlist priority: higher goes first (default 0, first come first served).
    #[serde(default)]
    pub priority: i64,
}

/// Enroll a learner in a session.
///
/// Enroll a learner: `booked` while seats last, then `waitlisted` in arrival order (`requested`
/// when the learner's client approves its contacts' enrollments). Retries are safe with an
/// `Idempotency-Key`; a second enrollment of the same learner is refused with 409.
#[utoipa::path(post, path = "/sessions/{id}/enrollments", operation_id = "enrollLearner", tag = "enrollments", params(("id" = i64, Path)), request_body = EnrollRequest,
    responses((status = 201, description = "The enrollment: booked, waitlisted, offered or requested", body = EnrollmentRecord), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn enroll(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<EnrollRequest>,
) -> Result<(StatusCode, Json<EnrollmentRecord>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(enrollment::enroll(&s.app, &c, id, b.learner_id, b.priority).await?),
    ))
}

/// A session's enrollments.
///
/// A session's enrollments: booked first, then the waitlist in order. Client contacts see only their own people. `ready` keeps those the last readiness check found ready (or not).
#[utoipa::path(get, path = "/sessions/{id}/enrollments", operation_id = "listSessionEnrollments", tag = "enrollments", params(("id" = i64, Path), super::xapi::ReadinessFilter),
    responses((status = 200, description = "Booked first, then the waitlist in order", body = Vec<Enrollment>), (status = 400, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn list(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    super::extract::Params(f): super::extract::Params<super::xapi::ReadinessFilter>,
) -> Result<Json<Vec<Enrollment>>, ApiError> {
    let ready = trainyard_app::xapi::readiness_filter(&f.ready)?;
    Ok(Json(trainyard_app::xapi::by_readiness(
        trainyard_app::schedule::roster::of_session(&s.app, &c, id)
            .await?
            .enrollments,
        ready,
    )))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct VersionBody {
    pub version: i64,
}

/// Cancel an enrollment; a freed seat goes to the next in line at once (or is offered).
#[utoipa::path(post, path = "/enrollments/{id}/cancel", operation_id = "cancelEnrollment", tag = "enrollments", params(("id" = i64, Path)), request_body = VersionBody,
    responses((status = 200, description = "The enrollment, cancelled", body = EnrollmentRecord), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn cancel(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<VersionBody>,
) -> Result<Json<EnrollmentRecord>, ApiError> {
    Ok(Json(enrollment::cancel(&s.app, &c, id, b.version).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = LearnerSubstituteRequest)]
pub struct SubstituteRequest {
    pub version: i64,
    /// Who goes instead.
    pub learner_id: i64,
}

/// Hand an enrollment to another learner.
///
/// Someone else goes instead: the new learner takes the same seat (or place in the waiting list) and the one replaced is cancelled; both are told. Client contacts may substitute their own people until the session's cut-off. Returns the new learner's enrollment.
#[utoipa::path(post, path = "/enrollments/{id}/substitute", operation_id = "substituteLearner", tag = "enrollments", params(("id" = i64, Path)), request_body = SubstituteRequest,
    responses((status = 200, description = "The new learner's enrollment", body = EnrollmentRecord), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn substitute(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<SubstituteRequest>,
) -> Result<Json<EnrollmentRecord>, ApiError> {
    Ok(Json(
        enrollment::substitute(&s.app, &c, id, b.version, b.learner_id).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TransferRequest {
    pub version: i64,
    pub to_session_id: i64,
}

/// Move the learner to another session; returns the new enrollment.
#[utoipa::path(post, path = "/enrollments/{id}/transfer", operation_id = "transferEnrollment", tag = "enrollments", params(("id" = i64, Path)), request_body = TransferRequest,
    responses((status = 200, description = "The new enrollment", body = EnrollmentRecord), (status = 409, body = Problem)))]
async fn transfer(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<TransferRequest>,
) -> Result<Json<EnrollmentRecord>, ApiError> {
    Ok(Json(
        enrollment::transfer(&s.app, &c, id, b.version, b.to_session_id).await?,
    ))
}

/// Accept an offered seat before the offer expires.
#[utoipa::path(post, path = "/enrollments/{id}/accept-offer", operation_id = "acceptEnrollmentOffer", tag = "enrollments", params(("id" = i64, Path)),
    responses((status = 200, description = "The enrollment, booked", body = EnrollmentRecord), (status = 409, body = Problem)))]
async fn accept_offer(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<EnrollmentRecord>, ApiError> {
    Ok(Json(enrollment::accept_offer(&s.app, &c, id).await?))
}

/// Approve a requested enrollment.
#[utoipa::path(post, path = "/enrollments/{id}/approve", operation_id = "approveEnrollment", tag = "enrollments", params(("id" = i64, Path)), request_body = VersionBody,
    responses((status = 200, description = "The enrollment after approval", body = EnrollmentRecord), (status = 409, body = Problem)))]
async fn approve(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<VersionBody>,
) -> Result<Json<EnrollmentRecord>, ApiError> {
    Ok(Json(enrollment::approve(&s.app, &c, id, b.version).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RulesRequest {
    /// `auto` promotes the next in line at once; `offer` offers the seat for `offer_hours`.
    #[schema(value_type = trainyard_core::status::PromotionMode)]
    pub promotion_mode: String,
    #[serde(default = "default_offer")]
    pub offer_hours: i64,
    /// Self-service changes close this many hours before the start.
    #[serde(default = "default_offer")]
    pub cutoff_hours: i64,
}

fn default_offer() -> i64 {
    48
}

/// Set how the session promotes from its waitlist and when self-service closes.
#[utoipa::path(put, path = "/sessions/{id}/enrollment-rules", operation_id = "replaceEnrollmentRules", tag = "enrollments", params(("id" = i64, Path)), request_body = RulesRequest,
    responses((status = 204, description = "Saved"), (status = 422, body = Problem)))]
async fn rules(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<RulesRequest>,
) -> Result<StatusCode, ApiError> {
    enrollment::set_rules(
        &s.app,
        &c,
        id,
        &b.promotion_mode,
        b.offer_hours,
        b.cutoff_hours,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The attendance sheet: booked learners against the session's parts.
#[utoipa::path(get, path = "/sessions/{id}/attendance", operation_id = "getAttendanceSheet", tag = "enrollments", params(("id" = i64, Path)),
    responses((status = 200, description = "Booked learners against the session's parts", body = trainyard_app::attendance::Sheet), (status = 403, body = Problem)))]
async fn sheet(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<trainyard_app::attendance::Sheet>, ApiError> {
    Ok(Json(
        trainyard_app::attendance::sheet(&s.app, &c, id).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AttendanceRequest {
    pub part_id: i64,
    /// Enrollment ids present at this part; everyone else on the sheet is recorded absent.
    pub present: Vec<i64>,
}

/// Record one part's attendance (the session's instructor or a coordinator).
#[utoipa::path(post, path = "/sessions/{id}/attendance", operation_id = "recordAttendance", tag = "enrollments", params(("id" = i64, Path)), request_body = AttendanceRequest,
    responses((status = 200, description = "The attendance sheet after the change", body = trainyard_app::attendance::Sheet), (status = 403, body = Problem), (status = 409, body = Problem)))]
async fn take_attendance(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<AttendanceRequest>,
) -> Result<Json<trainyard_app::attendance::Sheet>, ApiError> {
    Ok(Json(
        trainyard_app::attendance::record(&s.app, &c, id, b.part_id, &b.present).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct MergeRequest {
    pub into_session_id: i64,
}

/// Merge an under-filled session into another.
///
/// Merge an under-filled session into another of the same course: learners moved (booked while seats last, then waitlisted) and each told once what changed; this one cancelled for low enrollment, its instructors released and told, its rooms released. See the preview first.
#[utoipa::path(post, path = "/sessions/{id}/merge", operation_id = "mergeSession", tag = "enrollments", params(("id" = i64, Path)), request_body = MergeRequest,
    responses((status = 200, description = "The session the learners moved to", body = trainyard_app::store::sessions::Session), (status = 409, body = Problem)))]
async fn merge(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<MergeRequest>,
) -> Result<Json<trainyard_app::store::sessions::Session>, ApiError> {
    Ok(Json(
        enrollment::merge_into(&s.app, &c, id, b.into_session_id).await?,
    ))
}

/// What merging would do, changing nothing.
///
/// What merging this session into another would do, changing nothing: who gets a seat and who waits (with their place in line), and which instructors and rooms the cancelled session releases. Ask it before merging, and show it to whoever confirms.
#[utoipa::path(post, path = "/sessions/{id}/merge/preview", operation_id = "previewSessionMerge", tag = "enrollments", params(("id" = i64, Path)), request_body = MergeRequest,
    responses((status = 200, description = "The plan of the merge", body = enrollment::MergePlan), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn merge_preview(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<MergeRequest>,
) -> Result<Json<enrollment::MergePlan>, ApiError> {
    Ok(Json(
        enrollment::merge_preview(&s.app, &c, id, b.into_session_id).await?,
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ViabilityParams {
    /// Look this many days ahead (default 14).
    pub days: Option<i64>,
}

/// Sessions below their course minimum starting within the next days.
#[utoipa::path(get, path = "/viability", operation_id = "listSessionsBelowMinimum", tag = "enrollments", params(ViabilityParams),
    responses((status = 200, description = "Sessions starting soon with too few learners", body = Vec<trainyard_app::store::sessions::Attention>)))]
async fn viability(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    super::extract::Params(p): super::extract::Params<ViabilityParams>,
) -> Result<Json<Vec<trainyard_app::store::sessions::Attention>>, ApiError> {
    Ok(Json(
        enrollment::viability_alerts(&s.app, &c, p.days.unwrap_or(14).clamp(1, 365)).await?,
    ))
}
