//! Costs per session and profitability (finance, managers and admins only): a session's revenue,
//! cost lines and margin, manual lines and actuals, resource day rates, the CSV import of
//! actuals with a dry run, and the profitability report as JSON or CSV.

use super::bodies::MoneyBody;
use super::extract::{Body, Id, Params};
use super::operations::Operations;
use super::operations::routes;
use super::records::VersionParam;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::problem::{ApiError, Problem, problem};
use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use trainyard_app::costs::{
    self as uc, ActualFields, ImportReport, LineFields, ProfitQuery, ProfitabilityReport,
    SessionFinance,
};
use trainyard_core::Money;
use trainyard_core::status::{CostKind, CostStage};

pub fn api() -> Operations {
    Operations::new()
        .routes(routes!(get_session_finance))
        .routes(routes!(add_cost_line))
        .routes(routes!(set_cost_actual))
        .routes(routes!(remove_cost_line))
        .routes(routes!(import_costs))
        .routes(routes!(set_resource_day_rate))
        .routes(routes!(get_profitability))
}

/// A session id and a cost line's key from the path; anything else is 404.
pub struct IdKey(pub i64, pub String);

impl<S: Send + Sync> FromRequestParts<S> for IdKey {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<(i64, String)>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path((id, key))) => Ok(IdKey(id, key)),
            Err(_) => Err(problem(
                StatusCode::NOT_FOUND,
                "not-found",
                "Not found",
                "session ids are positive whole numbers".into(),
                Vec::new(),
            )),
        }
    }
}

/// Get a session's revenue, costs and margin.
///
/// Revenue (seat prices of a public session, invoiced net of a private one), every cost line
/// with its stage (planned, committed, actual), the cost by stage, margin, margin % and cost per
/// learner. Derived lines (instructor fees, resource hire, materials) are computed from the
/// session's staffing, bookings and enrollments when read. Finance, managers and admins only.
#[utoipa::path(get, path = "/sessions/{id}/finance", operation_id = "getSessionFinance", tag = "costs", params(("id" = i64, Path)),
    responses((status = 200, description = "The session's finance figures", body = SessionFinance), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_session_finance(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<SessionFinance>, ApiError> {
    Ok(Json(uc::session_finance(&s.app, &c, id).await?))
}

/// A cost line finance adds by hand.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct CostLineRequest {
    pub kind: CostKind,
    pub description: String,
    /// The amount planned or committed (`{ "amount": "250.00", "currency": "EUR" }`).
    #[schema(value_type = Money)]
    pub amount: MoneyBody,
    /// `planned` (default) or `committed`.
    #[serde(default)]
    pub stage: Option<CostStage>,
}

/// Add a cost line to a session.
///
/// Travel, catering and any cost not derived from the staffing, bookings or materials.
#[utoipa::path(post, path = "/sessions/{id}/cost-lines", operation_id = "addCostLine", tag = "costs", params(("id" = i64, Path)), request_body = CostLineRequest,
    responses((status = 201, description = "The session's finance figures with the line", body = SessionFinance), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn add_cost_line(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<CostLineRequest>,
) -> Result<(StatusCode, Json<SessionFinance>), ApiError> {
    let f = LineFields {
        kind: b.kind.as_str().to_owned(),
        description: b.description,
        amount: b.amount.amount,
        currency: b.amount.currency,
        stage: b.stage.map(|x| x.as_str().to_owned()).unwrap_or_default(),
    };
    Ok((
        StatusCode::CREATED,
        Json(uc::add_line(&s.app, &c, id, &f).await?),
    ))
}

/// What a line actually cost.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct CostActualRequest {
    /// The line's `version` as read (0 for a derived line without an actual yet); otherwise 409.
    pub version: i64,
    /// The actual amount in the line's currency (`"812.40"`); `null` clears it.
    #[serde(default)]
    pub amount: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// Enter a cost line's actual amount.
///
/// The line is named by its `key` (`assignment-12`, `resource-5`, `materials`, `line-7`). The
/// actual replaces the planned or committed amount in every figure.
#[utoipa::path(put, path = "/sessions/{id}/cost-lines/{key}/actual", operation_id = "setCostActual", tag = "costs",
    params(("id" = i64, Path), ("key" = String, Path, description = "The line's key")), request_body = CostActualRequest,
    responses((status = 200, description = "The session's finance figures", body = SessionFinance), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn set_cost_actual(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    IdKey(id, key): IdKey,
    Body(b): Body<CostActualRequest>,
) -> Result<Json<SessionFinance>, ApiError> {
    let f = ActualFields {
        version: b.version,
        amount: b.amount.unwrap_or_default(),
        note: b.note.unwrap_or_default(),
    };
    Ok(Json(uc::set_actual(&s.app, &c, id, &key, &f).await?))
}

/// Remove a cost line added by hand (or a derived line's actual).
#[utoipa::path(delete, path = "/sessions/{id}/cost-lines/{key}", operation_id = "removeCostLine", tag = "costs",
    params(("id" = i64, Path), ("key" = String, Path, description = "The line's key"), VersionParam),
    responses((status = 200, description = "The session's finance figures", body = SessionFinance), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn remove_cost_line(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    IdKey(id, key): IdKey,
    Params(v): Params<VersionParam>,
) -> Result<Json<SessionFinance>, ApiError> {
    Ok(Json(
        uc::remove_line(&s.app, &c, id, &key, v.version).await?,
    ))
}

/// A CSV file of actual costs.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct CostImportRequest {
    /// The file's text: a header row, then `session reference, kind, description, amount, currency`.
    pub csv: String,
    /// Only check: report every row's problem and change nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// Import actual costs from CSV.
///
/// Each row sets the actual of the session's line of that kind and description (or the only
/// line of that kind when the description is empty), or adds a line with that actual. A dry run
/// reports every row and changes nothing; an import is all or nothing: with any bad row it
/// answers 422 naming every row's problem and changes nothing.
#[utoipa::path(post, path = "/costs/import", operation_id = "importCosts", tag = "costs", request_body = CostImportRequest,
    responses((status = 200, description = "What the import did (or would do)", body = ImportReport), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn import_costs(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Body(b): Body<CostImportRequest>,
) -> Result<Json<ImportReport>, ApiError> {
    Ok(Json(
        uc::import_actuals(&s.app, &c, &b.csv, b.dry_run).await?,
    ))
}

/// Set a resource's hire per day.
///
/// Its bookings' venue hire or platform licence lines cost this per part booked.
#[utoipa::path(put, path = "/resources/{id}/day-rate", operation_id = "setResourceDayRate", tag = "costs", params(("id" = i64, Path)), request_body = Money,
    responses((status = 200, description = "The rate as stored", body = Money), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn set_resource_day_rate(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<MoneyBody>,
) -> Result<Json<Money>, ApiError> {
    Ok(Json(
        uc::set_resource_rate(&s.app, &c, id, &b.amount, &b.currency).await?,
    ))
}

/// Profitability by course, client, program, instructor, venue, delivery mode or month.
///
/// Revenue recognised on delivery (sessions delivered whose end falls in the period) minus their
/// cost, per group of `by`, with learners, cost per learner, margin and margin %; loss-making
/// rows first. `within=course:12` keeps one group's sessions (a row's drill-down; with
/// `by=session` it lists them). `format=csv` answers the rows and the totals as CSV.
#[utoipa::path(get, path = "/reports/profitability", operation_id = "getProfitability", tag = "costs", params(ProfitQuery, super::reports::ReportFormat),
    responses((status = 200, description = "The profitability of the period",
        content((ProfitabilityReport = "application/json"), (String = "text/csv"))),
        (status = 400, body = Problem), (status = 403, body = Problem)))]
async fn get_profitability(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Params(q): Params<ProfitQuery>,
    Params(f): Params<super::reports::ReportFormat>,
) -> Result<Response, ApiError> {
    let csv = f.is_csv()?;
    let r = uc::profitability(&s.app, &c, &q).await?;
    Ok(if csv {
        crate::views::csv_download(
            &format!(
                "profitability-{}-{}-{}.csv",
                r.by.as_str(),
                r.period.from,
                r.period.until
            ),
            uc::profitability_csv(&r),
        )
    } else {
        Json(r).into_response()
    })
}
