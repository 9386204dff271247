//! Budgets per program, client or cost centre (finance, managers and admins only): the budgets
//! with their figures (budget vs committed vs actual, the variance alert), one budget with the
//! sessions and cost lines behind it, and cost centres with the tagging of programs and sessions.

use super::bodies::MoneyBody;
use super::extract::{Body, Id, Params};
use super::operations::Operations;
use super::operations::routes;
use super::records::VersionParam;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::problem::{ApiError, Problem};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use trainyard_app::budgets::{self as uc, BudgetDetail, BudgetView, CostCentreFields};
use trainyard_app::store::budgets::CostCentre;
use trainyard_core::budget::BudgetFields;
use trainyard_core::status::BudgetScope;

pub fn api() -> Operations {
    Operations::new()
        .routes(routes!(list_budgets, create_budget))
        .routes(routes!(get_budget, replace_budget, archive_budget))
        .routes(routes!(list_cost_centres, create_cost_centre))
        .routes(routes!(tag_cost_centre))
}

/// A budget as written.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct BudgetBody {
    /// `program`, `client` or `cost_centre`.
    pub scope: String,
    /// The id of the program, client or cost centre.
    pub target_id: i64,
    pub name: String,
    /// First month, YYYY-MM.
    #[schema(example = "2027-01")]
    pub from_month: String,
    /// Last month, YYYY-MM (inclusive).
    #[schema(example = "2027-12")]
    pub to_month: String,
    #[schema(value_type = trainyard_core::Money)]
    pub amount: MoneyBody,
    /// Alert when committed + actual passes this percentage of the amount (1–1000, default 90).
    #[serde(default = "ninety")]
    pub threshold_percent: i64,
}

fn ninety() -> i64 {
    90
}

impl BudgetBody {
    fn fields(&self) -> BudgetFields {
        BudgetFields {
            scope: self.scope.clone(),
            target_id: Some(self.target_id),
            name: self.name.clone(),
            from_month: self.from_month.clone(),
            to_month: self.to_month.clone(),
            amount: self.amount.amount.clone(),
            currency: self.amount.currency.clone(),
            threshold_percent: self.threshold_percent,
        }
    }
}

/// A budget's new settings with the version read.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct BudgetUpdate {
    /// The version you read; otherwise 409.
    pub version: i64,
    #[serde(flatten)]
    pub budget: BudgetBody,
}

/// Which budgets to list.
#[derive(Deserialize, utoipa::IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct BudgetFilter {
    /// Only this family: `program`, `client` or `cost_centre`.
    pub scope: Option<BudgetScope>,
}

/// A cost centre as written.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct CostCentreBody {
    /// Unique code: letters, digits, `-`, `_` (stored in capitals).
    pub code: String,
    pub name: String,
}

/// Programs and sessions to tag with a cost centre.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct CostCentreTags {
    #[serde(default)]
    pub program_ids: Vec<i64>,
    #[serde(default)]
    pub session_ids: Vec<i64>,
}

/// List budgets.
///
/// Every budget (or one `scope`'s) with its figures in the budget's currency: planned, committed,
/// actual, committed + actual, remaining, the percentage used and whether the variance alert is
/// on. A session counts for a budget when it starts in the budget's months and belongs to its
/// program, client or cost centre. Finance, managers and admins.
#[utoipa::path(get, path = "/budgets", operation_id = "listBudgets", tag = "budgets", params(BudgetFilter),
    responses((status = 200, description = "The budgets with their figures", body = Vec<BudgetView>), (status = 403, body = Problem)))]
async fn list_budgets(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Params(f): Params<BudgetFilter>,
) -> Result<Json<Vec<BudgetView>>, ApiError> {
    Ok(Json(uc::list_budgets(&s.app, &c, f.scope).await?))
}

/// Create a budget.
///
/// A budget for a program, client or cost centre over whole months, with its alert threshold.
/// Finance, managers and admins; audited. Bad input is 422 naming the field.
#[utoipa::path(post, path = "/budgets", operation_id = "createBudget", tag = "budgets", request_body = BudgetBody,
    responses((status = 201, description = "The budget with its figures and sessions", body = BudgetDetail), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create_budget(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Body(b): Body<BudgetBody>,
) -> Result<(StatusCode, Json<BudgetDetail>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(uc::create_budget(&s.app, &c, &b.fields()).await?),
    ))
}

/// Get a budget.
///
/// The budget, its figures, and every session counting for it with the session's cost lines and
/// share of the figures. Finance, managers and admins.
#[utoipa::path(get, path = "/budgets/{id}", operation_id = "getBudget", tag = "budgets", params(("id" = i64, Path)),
    responses((status = 200, description = "The budget", body = BudgetDetail), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_budget(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<BudgetDetail>, ApiError> {
    Ok(Json(uc::get_budget(&s.app, &c, id).await?))
}

/// Change a budget.
///
/// Finance, managers and admins; audited; a stale `version` is 409. The alert is rechecked: a
/// lower amount that puts the budget over its threshold alerts.
#[utoipa::path(put, path = "/budgets/{id}", operation_id = "replaceBudget", tag = "budgets", params(("id" = i64, Path)), request_body = BudgetUpdate,
    responses((status = 200, description = "The budget", body = BudgetDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn replace_budget(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<BudgetUpdate>,
) -> Result<Json<BudgetDetail>, ApiError> {
    Ok(Json(
        uc::update_budget(&s.app, &c, id, b.version, &b.budget.fields()).await?,
    ))
}

/// Archive a budget.
///
/// Finance, managers and admins; audited; a stale `version` is 409.
#[utoipa::path(delete, path = "/budgets/{id}", operation_id = "archiveBudget", tag = "budgets", params(("id" = i64, Path), VersionParam),
    responses((status = 204, description = "Archived"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn archive_budget(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Params(v): Params<VersionParam>,
) -> Result<StatusCode, ApiError> {
    uc::archive_budget(&s.app, &c, id, v.version).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// List cost centres.
///
/// Every internal cost centre with how many programs and sessions carry it. Finance, managers
/// and admins.
#[utoipa::path(get, path = "/cost-centres", operation_id = "listCostCentres", tag = "budgets",
    responses((status = 200, description = "The cost centres", body = Vec<CostCentre>), (status = 403, body = Problem)))]
async fn list_cost_centres(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> Result<Json<Vec<CostCentre>>, ApiError> {
    Ok(Json(uc::list_cost_centres(&s.app, &c).await?))
}

/// Create a cost centre.
///
/// Finance, managers and admins; audited. A code already taken is 422.
#[utoipa::path(post, path = "/cost-centres", operation_id = "createCostCentre", tag = "budgets", request_body = CostCentreBody,
    responses((status = 201, description = "The cost centre", body = CostCentre), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create_cost_centre(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Body(b): Body<CostCentreBody>,
) -> Result<(StatusCode, Json<CostCentre>), ApiError> {
    let f = CostCentreFields {
        code: b.code,
        name: b.name,
    };
    Ok((
        StatusCode::CREATED,
        Json(uc::create_cost_centre(&s.app, &c, &f).await?),
    ))
}

/// Tag programs and sessions with a cost centre.
///
/// A session's own tag wins over its program's. The cost centre's budgets are rechecked.
/// Finance, managers and admins; audited.
#[utoipa::path(post, path = "/cost-centres/{id}/tags", operation_id = "tagCostCentre", tag = "budgets", params(("id" = i64, Path)), request_body = CostCentreTags,
    responses((status = 200, description = "The cost centre", body = CostCentre), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn tag_cost_centre(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<CostCentreTags>,
) -> Result<Json<CostCentre>, ApiError> {
    Ok(Json(
        uc::tag_cost_centre(&s.app, &c, id, &b.program_ids, &b.session_ids).await?,
    ))
}
