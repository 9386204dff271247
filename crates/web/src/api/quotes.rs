//! Quotes: drafts written and sent by finance, answered by the client's contact. Accepting a
//! quote creates the client's program with its draft sessions.

use super::extract::{Body, Id, Params};
use super::operations::Operations;
use super::operations::routes;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::problem::{ApiError, Problem};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use trainyard_app::quotes::{self as uc, Acceptance, QuoteDetail, QuoteFields, QuotePatch};
use trainyard_app::store::quotes::{Quote, QuoteFilter};

pub fn api() -> Operations {
    Operations::new()
        .routes(routes!(list, create))
        .routes(routes!(get, patch))
        .routes(routes!(send))
        .routes(routes!(accept))
        .routes(routes!(decline))
        .routes(routes!(pdf))
}

super::bodies::page_type!(QuotePage, "QuotePage", Quote);

/// List quotes.
///
/// Finance, managers and admins see every one; a client contact sees their client's sent ones.
/// A sent quote past its last valid day reads as `expired`.
#[utoipa::path(get, path = "/quotes", operation_id = "listQuotes", tag = "quotes", params(QuoteFilter),
    responses((status = 200, description = "One page of quotes", body = QuotePage), (status = 400, body = Problem), (status = 403, body = Problem)))]
async fn list(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Params(f): Params<QuoteFilter>,
) -> Result<Json<trainyard_app::store::Page<Quote>>, ApiError> {
    Ok(Json(uc::list(&s.app, &c, f).await?))
}

/// Write a draft quote.
///
/// Lines are courses × sessions × price (`"pricing": "per_session"` or `"per_seat"` with
/// `"seats"`), with an optional discount and tax rate as percentages; a refusal names the line
/// (`lines[1].unit_price`). The quote takes its number (`Q-2027-0001`) at once.
#[utoipa::path(post, path = "/quotes", operation_id = "createQuote", tag = "quotes", request_body = QuoteFields,
    responses((status = 201, description = "The draft", body = QuoteDetail), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Body(f): Body<QuoteFields>,
) -> Result<(StatusCode, Json<QuoteDetail>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(uc::create_draft(&s.app, &c, &f).await?),
    ))
}

/// Get a quote with its lines, tax per rate and status history.
#[utoipa::path(get, path = "/quotes/{id}", operation_id = "getQuote", tag = "quotes", params(("id" = i64, Path)),
    responses((status = 200, description = "The quote", body = QuoteDetail), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<QuoteDetail>, ApiError> {
    Ok(Json(uc::get(&s.app, &c, id).await?))
}

/// A draft's changes with the version read.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct QuoteUpdate {
    /// The version you read; otherwise 409.
    pub version: i64,
    #[serde(flatten)]
    pub changes: QuotePatch,
}

/// Change a draft quote.
///
/// Members left out keep their value; `lines` replaces all lines. Only a draft changes: a sent
/// quote answers 409.
#[utoipa::path(patch, path = "/quotes/{id}", operation_id = "patchQuote", tag = "quotes", params(("id" = i64, Path)), request_body = QuoteUpdate,
    responses((status = 200, description = "The draft as saved", body = QuoteDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn patch(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<QuoteUpdate>,
) -> Result<Json<QuoteDetail>, ApiError> {
    Ok(Json(
        uc::update_draft(&s.app, &c, id, b.version, &b.changes).await?,
    ))
}

/// The version read, for an action on a quote.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct QuoteAction {
    pub version: i64,
}

/// Send a draft quote to the client.
///
/// From then on it never changes; its PDF is e-mailed to the client's contacts.
#[utoipa::path(post, path = "/quotes/{id}/send", operation_id = "sendQuote", tag = "quotes", params(("id" = i64, Path)), request_body = QuoteAction,
    responses((status = 200, description = "The sent quote", body = QuoteDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn send(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<QuoteAction>,
) -> Result<Json<QuoteDetail>, ApiError> {
    Ok(Json(uc::send(&s.app, &c, id, b.version).await?))
}

/// Accept a sent quote (the client's contact).
///
/// Creates the client's program with one draft session per quoted session, in the same
/// transaction. Of concurrent answers exactly one wins; the others get 409.
#[utoipa::path(post, path = "/quotes/{id}/accept", operation_id = "acceptQuote", tag = "quotes", params(("id" = i64, Path)), request_body = QuoteAction,
    responses((status = 200, description = "The accepted quote with the program created", body = Acceptance), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn accept(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<QuoteAction>,
) -> Result<Json<Acceptance>, ApiError> {
    Ok(Json(uc::accept(&s.app, &c, id, b.version).await?))
}

/// Why a quote is declined.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct QuoteDecline {
    pub version: i64,
    /// Why the client declines (required).
    #[serde(default)]
    pub reason: String,
}

/// Decline a sent quote (the client's contact), with the reason.
#[utoipa::path(post, path = "/quotes/{id}/decline", operation_id = "declineQuote", tag = "quotes", params(("id" = i64, Path)), request_body = QuoteDecline,
    responses((status = 200, description = "The declined quote", body = QuoteDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn decline(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<QuoteDecline>,
) -> Result<Json<QuoteDetail>, ApiError> {
    Ok(Json(
        uc::decline(&s.app, &c, id, b.version, &b.reason).await?,
    ))
}

/// Get a quote as PDF.
///
/// A4, with an embedded font and selectable text: what the client receives.
#[utoipa::path(get, path = "/quotes/{id}/pdf", operation_id = "getQuotePdf", tag = "quotes", params(("id" = i64, Path)),
    responses((status = 200, description = "The quote", content_type = "application/pdf", body = Vec<u8>), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn pdf(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<axum::response::Response, ApiError> {
    let p = uc::printable(&s.app, &c, id).await?;
    crate::invoice_print::quote_response(&p)
        .map_err(|e| trainyard_app::AppError::refused(e.to_string()).into())
}
