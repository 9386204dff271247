//! Operations quality signals (issue 16 §6): late changes, joining instructions sent late,
//! instructor no-shows and complaints per period, as JSON or CSV.

use super::extract::{Body, Id, Params};
use super::operations::{Operations, routes};
use super::reports::ReportFormat;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::problem::{ApiError, Problem};
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use trainyard_app::quality::{self as uc, QualityReport};
use trainyard_app::reporting::ReportQuery;
use trainyard_app::store::quality::Complaint;

pub fn api() -> Operations {
    Operations::new()
        .routes(routes!(get_quality_signals))
        .routes(routes!(list_session_complaints))
        .routes(routes!(resolve_complaint))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SignalQuery {
    /// With it, `sessions` lists the delivered sessions showing this signal (the drill-down of a
    /// tile): late_change, joining_late, instructor_no_show or complaint.
    #[serde(default)]
    #[param(value_type = Option<trainyard_core::quality_signals::Signal>)]
    signal: String,
}

/// Operations quality signals.
///
/// For the sessions delivered (or closed) that start in the period (days in your time zone; the
/// current month without one; `client_id` narrows to one client): how many had a late change
/// (times, venue or instructor changed within 72 hours of the start), joining instructions
/// queued after their deadline or never, an instructor no-show, complaints; each as sessions,
/// events and sessions per delivered session, in total and per client. `format=csv` answers the
/// same as CSV. Coordinators, managers and admins.
#[utoipa::path(get, path = "/reports/quality", operation_id = "getQualitySignals", tag = "reports", params(ReportQuery, SignalQuery, ReportFormat),
    responses((status = 200, description = "The signals of the period",
        content((QualityReport = "application/json"), (String = "text/csv"))),
        (status = 400, body = Problem), (status = 403, body = Problem)))]
async fn get_quality_signals(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Params(q): Params<ReportQuery>,
    Params(sq): Params<SignalQuery>,
    Params(f): Params<ReportFormat>,
) -> Result<Response, ApiError> {
    let csv = f.is_csv()?;
    let signal = uc::signal_of(&sq.signal)?;
    let report = uc::signals(&s.app, &c, &q, signal).await?;
    Ok(if csv {
        crate::views::csv_download(
            &format!("quality-{}-{}.csv", report.period.from, report.period.until),
            uc::csv(&report),
        )
    } else {
        Json(report).into_response()
    })
}

/// List a session's complaints.
///
/// The complaints logged against the session, oldest first, each with its resolution (when,
/// by whom, what was done) once resolved. Staff.
#[utoipa::path(get, path = "/sessions/{id}/complaints", operation_id = "listSessionComplaints", tag = "sessions",
    params(("id" = i64, Path)),
    responses((status = 200, description = "The session's complaints", body = Vec<Complaint>),
        (status = 403, body = Problem)))]
async fn list_session_complaints(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<Vec<Complaint>>, ApiError> {
    Ok(Json(uc::complaints(&s.app, &c, id).await?))
}

/// How a complaint was resolved.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ResolveComplaintRequest {
    /// What was done about it (up to 4000 characters).
    #[serde(default)]
    pub resolution: String,
}

/// Resolve a complaint.
///
/// Marks the complaint resolved, now, by the caller, with what was done about it. Once: a
/// complaint already resolved is refused (409), also when two resolutions race. Coordinators,
/// managers and admins; audited on the complaint's session.
#[utoipa::path(post, path = "/complaints/{id}/resolve", operation_id = "resolveComplaint", tag = "sessions",
    params(("id" = i64, Path)), request_body = ResolveComplaintRequest,
    responses((status = 200, description = "The resolved complaint", body = Complaint),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
async fn resolve_complaint(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<ResolveComplaintRequest>,
) -> Result<Json<Complaint>, ApiError> {
    Ok(Json(
        uc::resolve_complaint(&s.app, &c, None, id, &b.resolution).await?,
    ))
}
