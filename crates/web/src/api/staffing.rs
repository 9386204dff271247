//! Assignments, bookings and conflict checks over the API.

use super::extract::{Body, Id, Params};
use super::operations::Operations;
use super::operations::routes;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::problem::{ApiError, Problem};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use trainyard_app::staffing;
use trainyard_app::store::assignments::{Assignment, AssignmentRecord};
use trainyard_app::store::bookings::Booking;
use trainyard_core::conflicts::Problem as Conflict;
use trainyard_core::status::AssignmentEvent;

pub fn api() -> Operations {
    Operations::new()
        .routes(routes!(propose))
        .routes(routes!(act))
        .routes(routes!(substitute))
        .routes(routes!(needing_action))
        .routes(routes!(check))
        .routes(routes!(candidates))
        .routes(routes!(credentials))
        .routes(routes!(add_qualification))
        .routes(routes!(remove_qualification))
        .routes(routes!(add_contract))
        .routes(routes!(add_time_off))
        .routes(routes!(remove_time_off, replace_time_off))
        .routes(routes!(working_pattern))
        .routes(routes!(book))
        .routes(routes!(confirm_booking, release))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ProposeRequest {
    pub instructor_id: i64,
    /// `lead` (default) or `co`.
    #[serde(default)]
    #[schema(value_type = trainyard_core::status::AssignmentRole)]
    pub role: String,
    /// Managers and admins: why an overridable problem (qualification, time off, limits, a
    /// contract, a closure day) should not stop the proposal, as at confirmation.
    #[serde(default)]
    pub override_reason: Option<String>,
}

/// Propose an instructor for a session (the assignment starts as `proposed`).
///
/// Refused wherever confirming would be (409 listing every problem, the same ones
/// `GET /sessions/{id}/check` lists): overlaps and travel time, qualifications, time off, limits,
/// contracts and closure days. A manager or admin may go ahead over the overridable ones with an
/// `override_reason`, recorded on the assignment; a double booking never passes.
#[utoipa::path(post, path = "/sessions/{id}/assignments", operation_id = "proposeAssignment", tag = "assignments", params(("id" = i64, Path)), request_body = ProposeRequest,
    responses((status = 201, description = "The new assignment, `proposed`", body = AssignmentRecord), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn propose(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<ProposeRequest>,
) -> Result<(StatusCode, Json<AssignmentRecord>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(
            staffing::propose(
                &s.app,
                &c,
                id,
                b.instructor_id,
                &b.role,
                b.override_reason.as_deref(),
            )
            .await?,
        ),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AssignmentAction {
    /// request, accept, decline, confirm or cancel.
    #[schema(value_type = trainyard_core::status::AssignmentEvent)]
    pub event: String,
    pub version: i64,
    /// Managers and admins, when requesting or confirming: waive the overridable rules (qualification, time off, limits, contract, closure day) with a reason.
    /// When an instructor declines: why (required; shown to coordinators).
    #[serde(default)]
    pub override_reason: Option<String>,
}

/// Move an assignment along its lifecycle.
///
/// Move an assignment along proposed → requested → accepted | declined → confirmed, or cancel it.
/// Requesting (which e-mails the instructor) and confirming check overlaps (including travel
/// time between venues), qualifications, time off, weekly and monthly limits, contracts and
/// closure days, as proposing does; a refusal is 409 listing every problem.
#[utoipa::path(post, path = "/assignments/{id}/actions", operation_id = "transitionAssignment", tag = "assignments", params(("id" = i64, Path)), request_body = AssignmentAction,
    responses((status = 200, description = "The assignment after the action", body = AssignmentRecord), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn act(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<AssignmentAction>,
) -> Result<Json<AssignmentRecord>, ApiError> {
    let event = AssignmentEvent::parse(&b.event).map_err(|r| {
        trainyard_app::AppError::Invalid(trainyard_core::Invalid::field("event", r.english))
    })?;
    Ok(Json(
        staffing::act(
            &s.app,
            &c,
            id,
            b.version,
            event,
            b.override_reason.as_deref(),
        )
        .await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = InstructorSubstituteRequest)]
pub struct SubstituteRequest {
    pub instructor_id: i64,
    pub version: i64,
    /// Managers and admins: why an overridable problem of the substitute should not stop it, as
    /// when proposing.
    #[serde(default)]
    pub override_reason: Option<String>,
}

/// Replace an assignment's instructor.
///
/// Replace the instructor: the assignment is cancelled and a new one proposed that points back at it.
/// The substitute is judged as a proposal is (409 listing every problem; a manager's
/// `override_reason` lets the overridable ones through).
#[utoipa::path(post, path = "/assignments/{id}/substitute", operation_id = "substituteInstructor", tag = "assignments", params(("id" = i64, Path)), request_body = SubstituteRequest,
    responses((status = 201, description = "The new assignment that replaces the cancelled one", body = AssignmentRecord), (status = 409, body = Problem)))]
async fn substitute(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<SubstituteRequest>,
) -> Result<(StatusCode, Json<AssignmentRecord>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(
            staffing::substitute(
                &s.app,
                &c,
                id,
                b.version,
                b.instructor_id,
                b.override_reason.as_deref(),
            )
            .await?,
        ),
    ))
}

/// Unconfirmed and declined assignments of sessions still ahead: what needs a coordinator.
#[utoipa::path(get, path = "/assignments/needing-action", operation_id = "listAssignmentsNeedingAction", tag = "assignments", responses((status = 200, description = "Unconfirmed and declined assignments of sessions still ahead", body = Vec<Assignment>)))]
async fn needing_action(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> Result<Json<Vec<Assignment>>, ApiError> {
    Ok(Json(staffing::needing_action(&s.app, &c).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CheckParams {
    pub instructor_id: Option<i64>,
    pub resource_id: Option<i64>,
    pub quantity: Option<i64>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CheckResult {
    /// Empty when the instructor / resource fits.
    pub problems: Vec<Conflict>,
}

/// Check an instructor or resource against a session.
///
/// Every problem with putting an instructor or a resource on the session, without changing anything.
#[utoipa::path(get, path = "/sessions/{id}/check", operation_id = "checkSession", tag = "assignments", params(("id" = i64, Path), CheckParams),
    responses((status = 200, description = "Every problem found (none when it fits)", body = CheckResult), (status = 404, body = Problem)))]
async fn check(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Params(p): Params<CheckParams>,
) -> Result<Json<CheckResult>, ApiError> {
    let mut problems = Vec::new();
    if let Some(i) = p.instructor_id {
        problems.extend(staffing::check_instructor(&s.app, &c, id, i).await?);
    }
    if let Some(r) = p.resource_id {
        problems
            .extend(staffing::check_resource(&s.app, &c, id, r, p.quantity.unwrap_or(1)).await?);
    }
    Ok(Json(CheckResult { problems }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct BookRequest {
    pub resource_id: i64,
    #[serde(default = "one")]
    pub quantity: i64,
    /// Confirm at once (checking conflicts) instead of booking tentatively.
    #[serde(default)]
    pub confirm: bool,
}

fn one() -> i64 {
    1
}

/// Book a room, equipment, platform licence or material for every part of the session.
#[utoipa::path(post, path = "/sessions/{id}/bookings", operation_id = "bookResource", tag = "bookings", params(("id" = i64, Path)), request_body = BookRequest,
    responses((status = 201, description = "The bookings made, one per part", body = Vec<Booking>), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn book(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<BookRequest>,
) -> Result<(StatusCode, Json<Vec<Booking>>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(staffing::book(&s.app, &c, id, b.resource_id, b.quantity, b.confirm).await?),
    ))
}

/// Confirm a tentative booking.
///
/// Confirm a tentative booking: a room is never double-booked, a pool never exceeds its quantity.
#[utoipa::path(post, path = "/sessions/{id}/bookings/{resource_id}", operation_id = "confirmBooking", tag = "bookings", params(("id" = i64, Path), ("resource_id" = i64, Path)),
    responses((status = 200, description = "The session's bookings of the resource, confirmed", body = Vec<Booking>), (status = 409, body = Problem)))]
async fn confirm_booking(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Path((id, resource_id)): Path<(i64, i64)>,
) -> Result<Json<Vec<Booking>>, ApiError> {
    Ok(Json(
        staffing::confirm_booking(&s.app, &c, id, resource_id).await?,
    ))
}

/// Release the session's booking of a resource.
#[utoipa::path(delete, path = "/sessions/{id}/bookings/{resource_id}", operation_id = "releaseBooking", tag = "bookings", params(("id" = i64, Path), ("resource_id" = i64, Path)),
    responses((status = 204, description = "Released"), (status = 404, body = Problem)))]
async fn release(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Path((id, resource_id)): Path<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    staffing::release(&s.app, &c, id, resource_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Find instructors and rooms for a session.
///
/// Find an instructor and a room: every candidate checked, the eligible ranked (cost, load, travel;
/// snuggest room first), the others with the reasons they are excluded.
#[utoipa::path(get, path = "/sessions/{id}/candidates", operation_id = "listSessionCandidates", tag = "assignments", params(("id" = i64, Path)),
    responses((status = 200, description = "Every candidate: the eligible ranked, the others with their reasons", body = staffing::Candidates), (status = 404, body = Problem)))]
async fn candidates(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<staffing::Candidates>, ApiError> {
    Ok(Json(staffing::candidates(&s.app, &c, id).await?))
}

use super::bodies::credentials::{Contract as ContractBody, Qualification as QualificationBody};
use trainyard_app::credentials::{self, Credentials};

/// An instructor's credentials.
///
/// An instructor's qualifications, contracts (rates for finance and managers only) and unavailability.
#[utoipa::path(get, path = "/instructors/{id}/credentials", operation_id = "getInstructorCredentials", tag = "instructors", params(("id" = i64, Path)),
    responses((status = 200, description = "Qualifications, contracts, time off and working pattern", body = Credentials), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn credentials(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<Credentials>, ApiError> {
    Ok(Json(credentials::of_instructor(&s.app, &c, id).await?))
}

/// Record a qualification for a course or a skill, with its validity.
#[utoipa::path(post, path = "/instructors/{id}/qualifications", operation_id = "createQualification", tag = "instructors", params(("id" = i64, Path)), request_body = QualificationBody,
    responses((status = 201, description = "The qualification recorded", body = trainyard_app::store::instructors::Qualification), (status = 422, body = Problem)))]
async fn add_qualification(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(f): Body<QualificationBody>,
) -> Result<
    (
        StatusCode,
        Json<trainyard_app::store::instructors::Qualification>,
    ),
    ApiError,
> {
    Ok((
        StatusCode::CREATED,
        Json(credentials::add_qualification(&s.app, &c, id, &f.into()).await?),
    ))
}

#[utoipa::path(delete, path = "/instructors/{id}/qualifications/{qualification_id}", operation_id = "deleteQualification", summary = "Remove a qualification", tag = "instructors", params(("id" = i64, Path), ("qualification_id" = i64, Path)),
    responses((status = 204, description = "Removed"), (status = 404, body = Problem)))]
async fn remove_qualification(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Path((id, qid)): Path<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    credentials::remove_qualification(&s.app, &c, id, qid).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Record a contract (finance and managers): an expired contract blocks confirmation.
#[utoipa::path(post, path = "/instructors/{id}/contracts", operation_id = "createContract", tag = "instructors", params(("id" = i64, Path)), request_body = ContractBody,
    responses((status = 201, description = "The contract recorded", body = trainyard_app::store::instructors::Contract), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn add_contract(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(f): Body<ContractBody>,
) -> Result<
    (
        StatusCode,
        Json<trainyard_app::store::instructors::Contract>,
    ),
    ApiError,
> {
    Ok((
        StatusCode::CREATED,
        Json(credentials::add_contract(&s.app, &c, id, &f.into()).await?),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TimeOffRequest {
    /// First day, YYYY-MM-DD, in the instructor's time zone.
    #[schema(format = Date)]
    pub from: String,
    /// Last day, inclusive.
    #[schema(format = Date)]
    pub until: String,
    pub reason: String,
}

/// Record unavailability: instructors their own, coordinators anyone's.
///
/// Time off over accepted or confirmed teaching is recorded, and the answer names those sessions
/// (`affected_sessions`, `warning`).
#[utoipa::path(post, path = "/instructors/{id}/time-off", operation_id = "createTimeOff", tag = "instructors", params(("id" = i64, Path)), request_body = TimeOffRequest,
    responses((status = 201, description = "The time off recorded, with the sessions it falls on", body = staffing::TimeOffRecorded), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn add_time_off(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<TimeOffRequest>,
) -> Result<(StatusCode, Json<staffing::TimeOffRecorded>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(staffing::record_time_off(&s.app, &c, id, &b.from, &b.until, &b.reason).await?),
    ))
}

#[utoipa::path(delete, path = "/instructors/{id}/time-off/{time_off_id}", operation_id = "deleteTimeOff", summary = "Remove unavailability", tag = "instructors", params(("id" = i64, Path), ("time_off_id" = i64, Path)),
    responses((status = 204, description = "Removed"), (status = 404, body = Problem)))]
async fn remove_time_off(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Path((id, tid)): Path<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    credentials::remove_time_off(&s.app, &c, id, tid).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Change recorded unavailability: instructors their own, coordinators anyone's.
///
/// New dates and reason for an entry (it gets a new id). Same rules as recording it.
#[utoipa::path(put, path = "/instructors/{id}/time-off/{time_off_id}", operation_id = "replaceTimeOff", tag = "instructors", params(("id" = i64, Path), ("time_off_id" = i64, Path)), request_body = TimeOffRequest,
    responses((status = 200, description = "The time off as now recorded", body = trainyard_app::store::instructors::TimeOff), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn replace_time_off(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Path((id, tid)): Path<(i64, i64)>,
    Body(b): Body<TimeOffRequest>,
) -> Result<Json<trainyard_app::store::instructors::TimeOff>, ApiError> {
    Ok(Json(
        trainyard_app::people::instructors::update_time_off(
            &s.app, &c, id, tid, &b.from, &b.until, &b.reason,
        )
        .await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct WorkingDay {
    /// 1 = Monday … 7 = Sunday.
    pub weekday: i64,
    /// HH:MM, local time.
    pub from: String,
    pub until: String,
}

/// Replace the weekly working pattern (an empty list removes it).
#[utoipa::path(put, path = "/instructors/{id}/working-pattern", operation_id = "replaceWorkingPattern", tag = "instructors", params(("id" = i64, Path)), request_body = Vec<WorkingDay>,
    responses((status = 204, description = "Saved"), (status = 422, body = Problem)))]
async fn working_pattern(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(days): Body<Vec<WorkingDay>>,
) -> Result<StatusCode, ApiError> {
    let days: Vec<(i64, String, String)> = days
        .into_iter()
        .map(|d| (d.weekday, d.from, d.until))
        .collect();
    credentials::set_working_pattern(&s.app, &c, id, &days).await?;
    Ok(StatusCode::NO_CONTENT)
}
