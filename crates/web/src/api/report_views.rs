//! Saved report views and their e-mailed schedules.

use super::extract::{Body, Id};
use super::operations::Operations;
use super::operations::routes;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::problem::{ApiError, Problem};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use trainyard_app::report_views::{self as uc, ViewFields};
use trainyard_app::store::report_views::{ReportSchedule, ReportView};
use trainyard_core::report_view::{Cadence, ReportKind, ScheduleFields};

pub fn api() -> Operations {
    Operations::new()
        .routes(routes!(list_views, create_view))
        .routes(routes!(get_view, update_view, delete_view))
        .routes(routes!(list_schedules, create_schedule))
        .routes(routes!(get_schedule, update_schedule, delete_schedule))
}

/// A report view to save.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReportViewRequest {
    /// What the view is called (required, at most 100 characters).
    pub name: String,
    /// Which report: `kpis`, `morning` or `profitability` (finance).
    #[schema(value_type = ReportKind)]
    pub report: String,
    /// The report's query string of filters and period (`from=2026-01-01&client_id=3`, or
    /// `period=quarter` for the quarter of each day the view is opened or sent).
    #[serde(default)]
    pub query: String,
    /// Visible to everyone whose role may see the report.
    #[serde(default)]
    pub shared: bool,
    /// The version you read (required when changing a view).
    #[serde(default)]
    pub version: Option<i64>,
}

impl ReportViewRequest {
    fn fields(self) -> (ViewFields, i64) {
        (
            ViewFields {
                name: self.name,
                report: self.report,
                query: self.query,
                shared: self.shared,
            },
            self.version.unwrap_or(0),
        )
    }
}

/// List saved report views.
///
/// Your own views and the views others shared of reports your role may see, by name.
#[utoipa::path(get, path = "/report-views", operation_id = "listReportViews", tag = "reports",
    responses((status = 200, description = "The views", body = Vec<ReportView>), (status = 403, body = Problem)))]
async fn list_views(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> Result<Json<Vec<ReportView>>, ApiError> {
    Ok(Json(uc::list_views(&s.app, &c).await?))
}

/// Save a report view.
///
/// Saves a report's filters and period under a name. Audited.
#[utoipa::path(post, path = "/report-views", operation_id = "createReportView", tag = "reports", request_body = ReportViewRequest,
    responses((status = 201, description = "The view", body = ReportView), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create_view(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Body(b): Body<ReportViewRequest>,
) -> Result<(StatusCode, Json<ReportView>), ApiError> {
    let (f, _) = b.fields();
    Ok((
        StatusCode::CREATED,
        Json(uc::create_view(&s.app, &c, &f).await?),
    ))
}

/// Get a report view.
#[utoipa::path(get, path = "/report-views/{id}", operation_id = "getReportView", tag = "reports", params(("id" = i64, Path)),
    responses((status = 200, description = "The view", body = ReportView), (status = 404, body = Problem)))]
async fn get_view(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<ReportView>, ApiError> {
    Ok(Json(uc::get_view(&s.app, &c, id).await?))
}

/// Change a report view.
///
/// Renames, re-shares or re-filters a view: its owner or an administrator. Send the `version`
/// you read. Audited.
#[utoipa::path(put, path = "/report-views/{id}", operation_id = "updateReportView", tag = "reports", params(("id" = i64, Path)), request_body = ReportViewRequest,
    responses((status = 200, description = "The view", body = ReportView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn update_view(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<ReportViewRequest>,
) -> Result<Json<ReportView>, ApiError> {
    let (f, version) = b.fields();
    Ok(Json(uc::update_view(&s.app, &c, id, version, &f).await?))
}

/// Delete a report view.
///
/// Deletes a view and its schedules: its owner or an administrator. Audited.
#[utoipa::path(delete, path = "/report-views/{id}", operation_id = "deleteReportView", tag = "reports", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn delete_view(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    uc::delete_view(&s.app, &c, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A schedule for a view.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReportScheduleRequest {
    /// `weekly` or `monthly`.
    #[schema(value_type = Cadence)]
    pub cadence: String,
    /// Weekly: the weekday, 1 (Monday) to 7 (Sunday); monthly: the day, 1 to 28.
    pub day: i64,
    /// `HH:MM`, in `time_zone`.
    pub time_of_day: String,
    /// An IANA time zone, e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// The addresses the report goes to (at most 20).
    pub recipients: Vec<String>,
    /// The version you read (required when changing a schedule).
    #[serde(default)]
    pub version: Option<i64>,
}

impl ReportScheduleRequest {
    fn fields(self) -> (ScheduleFields, i64) {
        (
            ScheduleFields {
                cadence: self.cadence,
                day: self.day.to_string(),
                time_of_day: self.time_of_day,
                time_zone: self.time_zone,
                recipients: self.recipients.join("\n"),
            },
            self.version.unwrap_or(0),
        )
    }
}

/// List a view's schedules.
#[utoipa::path(get, path = "/report-views/{id}/schedules", operation_id = "listReportSchedules", tag = "reports", params(("id" = i64, Path)),
    responses((status = 200, description = "The schedules", body = Vec<ReportSchedule>), (status = 404, body = Problem)))]
async fn list_schedules(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<Vec<ReportSchedule>>, ApiError> {
    Ok(Json(uc::list_schedules(&s.app, &c, id).await?))
}

/// Schedule a view.
///
/// E-mails the view weekly or monthly through the outbox: the figures as a plain table in the
/// body and the CSV attached, as the view's owner sees them. Staff who own the view, or admins.
/// Audited.
#[utoipa::path(post, path = "/report-views/{id}/schedules", operation_id = "createReportSchedule", tag = "reports", params(("id" = i64, Path)), request_body = ReportScheduleRequest,
    responses((status = 201, description = "The schedule", body = ReportSchedule), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn create_schedule(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<ReportScheduleRequest>,
) -> Result<(StatusCode, Json<ReportSchedule>), ApiError> {
    let (f, _) = b.fields();
    Ok((
        StatusCode::CREATED,
        Json(uc::create_schedule(&s.app, &c, id, &f).await?),
    ))
}

/// Get a view's schedule.
#[utoipa::path(get, path = "/report-views/{id}/schedules/{schedule_id}", operation_id = "getReportSchedule", tag = "reports",
    params(("id" = i64, Path), ("schedule_id" = i64, Path)),
    responses((status = 200, description = "The schedule", body = ReportSchedule), (status = 404, body = Problem)))]
async fn get_schedule(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Path((id, schedule_id)): Path<(i64, i64)>,
) -> Result<Json<ReportSchedule>, ApiError> {
    Ok(Json(uc::get_schedule(&s.app, &c, id, schedule_id).await?))
}

/// Change a view's schedule.
///
/// Its next run is worked out afresh. Send the `version` you read. Audited.
#[utoipa::path(put, path = "/report-views/{id}/schedules/{schedule_id}", operation_id = "updateReportSchedule", tag = "reports",
    params(("id" = i64, Path), ("schedule_id" = i64, Path)), request_body = ReportScheduleRequest,
    responses((status = 200, description = "The schedule", body = ReportSchedule), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn update_schedule(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Path((id, schedule_id)): Path<(i64, i64)>,
    Body(b): Body<ReportScheduleRequest>,
) -> Result<Json<ReportSchedule>, ApiError> {
    let (f, version) = b.fields();
    Ok(Json(
        uc::update_schedule(&s.app, &c, id, schedule_id, version, &f).await?,
    ))
}

/// Delete a view's schedule.
#[utoipa::path(delete, path = "/report-views/{id}/schedules/{schedule_id}", operation_id = "deleteReportSchedule", tag = "reports",
    params(("id" = i64, Path), ("schedule_id" = i64, Path)),
    responses((status = 204, description = "Deleted"), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn delete_schedule(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Path((id, schedule_id)): Path<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    uc::delete_schedule(&s.app, &c, id, schedule_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
