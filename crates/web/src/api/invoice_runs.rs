//! A month's invoicing run: started here, worked in the background, watched by polling.

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
use trainyard_app::invoice_runs::{self as uc, Run};

pub fn api() -> Operations {
    Operations::new()
        .routes(routes!(list, start))
        .routes(routes!(get))
}

/// Which month to bill.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct InvoiceRunRequest {
    /// `YYYY-MM`; its days are counted in the caller's time zone.
    #[schema(example = "2027-01")]
    pub month: String,
}

/// List the latest invoice runs, newest first.
#[utoipa::path(get, path = "/invoice-runs", operation_id = "listInvoiceRuns", tag = "invoices",
    responses((status = 200, description = "The latest runs", body = Vec<Run>), (status = 403, body = Problem)))]
async fn list(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> Result<Json<Vec<Run>>, ApiError> {
    Ok(Json(uc::recent(&s.app, &c).await?))
}

/// Issue a month's invoices.
///
/// Every client with booked, attended or completed enrollments in sessions that ended in the
/// month, not yet on an invoice, gets one invoice over all of them, issued at once. Answers at once
/// with the run; poll `getInvoiceRun` until its status is no longer `running`. Refused (409) while
/// another run of the month is going.
#[utoipa::path(post, path = "/invoice-runs", operation_id = "startInvoiceRun", tag = "invoices", request_body = InvoiceRunRequest,
    responses((status = 202, description = "The run, started", body = Run), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn start(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Body(r): Body<InvoiceRunRequest>,
) -> Result<(StatusCode, Json<Run>), ApiError> {
    Ok((
        StatusCode::ACCEPTED,
        Json(uc::start(&s.app, &c, &r.month).await?),
    ))
}

/// Get an invoice run and its progress.
#[utoipa::path(get, path = "/invoice-runs/{id}", operation_id = "getInvoiceRun", tag = "invoices", params(("id" = i64, Path)),
    responses((status = 200, description = "The run", body = Run), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<Run>, ApiError> {
    Ok(Json(uc::get(&s.app, &c, id).await?))
}
