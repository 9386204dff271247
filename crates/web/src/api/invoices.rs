//! Invoices and credit notes: drafts, issue with a gapless number, payments, credit notes, and a
//! client's credit. Finance, managers and admins write; a client contact reads their own.

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
use trainyard_app::invoicing::{self as uc, DraftFields, InvoiceDetail, PaymentFields};
use trainyard_app::store::invoices::{Invoice, InvoiceFilter};
use trainyard_core::Money;

pub fn api() -> Operations {
    Operations::new()
        .routes(routes!(list, create))
        .routes(routes!(get, replace, discard))
        .routes(routes!(issue))
        .routes(routes!(pdf))
        .routes(routes!(record_payment))
        .routes(routes!(credit_note))
        .routes(routes!(draft_for_session))
        .routes(routes!(client_credit))
}

super::bodies::page_type!(InvoicePage, "InvoicePage", Invoice);

/// List invoices and credit notes.
///
/// Finance, managers and admins see every one; a client contact sees their own issued ones.
#[utoipa::path(get, path = "/invoices", operation_id = "listInvoices", tag = "invoices", params(InvoiceFilter),
    responses((status = 200, description = "One page of invoices", body = InvoicePage), (status = 400, body = Problem), (status = 403, body = Problem)))]
async fn list(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Params(f): Params<InvoiceFilter>,
) -> Result<Json<trainyard_app::store::Page<Invoice>>, ApiError> {
    Ok(Json(uc::list(&s.app, &c, f).await?))
}

/// Write a draft invoice.
///
/// Lines are typed as people type them (`"quantity": "1.5"`, `"unit_price": "990.00"`,
/// `"tax_rate": "19"`); a refusal names the line (`lines[1].unit_price`).
#[utoipa::path(post, path = "/invoices", operation_id = "createInvoice", tag = "invoices", request_body = DraftFields,
    responses((status = 201, description = "The draft", body = InvoiceDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn create(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Body(f): Body<DraftFields>,
) -> Result<(StatusCode, Json<InvoiceDetail>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(uc::create_draft(&s.app, &c, &f).await?),
    ))
}

/// Get an invoice with its lines, tax per rate, payments and credit notes.
#[utoipa::path(get, path = "/invoices/{id}", operation_id = "getInvoice", tag = "invoices", params(("id" = i64, Path)),
    responses((status = 200, description = "The invoice", body = InvoiceDetail), (status = 404, body = Problem)))]
async fn get(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<InvoiceDetail>, ApiError> {
    Ok(Json(uc::get(&s.app, &c, id).await?))
}

/// A draft's new content with the version read.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct DraftUpdate {
    /// The version you read; otherwise 409.
    pub version: i64,
    #[serde(flatten)]
    pub draft: DraftFields,
}

/// Replace a draft invoice's lines, notes and payment days.
///
/// Only a draft changes: an issued invoice answers 409 and is corrected by a credit note.
#[utoipa::path(put, path = "/invoices/{id}", operation_id = "replaceInvoice", tag = "invoices", params(("id" = i64, Path)), request_body = DraftUpdate,
    responses((status = 200, description = "The draft as saved", body = InvoiceDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn replace(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<DraftUpdate>,
) -> Result<Json<InvoiceDetail>, ApiError> {
    Ok(Json(
        uc::update_draft(&s.app, &c, id, b.version, &b.draft).await?,
    ))
}

/// Discard a draft invoice.
#[utoipa::path(delete, path = "/invoices/{id}", operation_id = "discardInvoice", tag = "invoices", params(("id" = i64, Path), VersionParam),
    responses((status = 204, description = "Discarded"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn discard(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Params(v): Params<VersionParam>,
) -> Result<StatusCode, ApiError> {
    uc::discard(&s.app, &c, id, v.version).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The version read, for an action on a document.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct IssueRequest {
    pub version: i64,
}

/// Issue a draft invoice or credit note.
///
/// Gives it the next number of its series (`2027-000123`, credit notes `CN-2027-000004`),
/// gapless under concurrency; from then on it never changes.
#[utoipa::path(post, path = "/invoices/{id}/issue", operation_id = "issueInvoice", tag = "invoices", params(("id" = i64, Path)), request_body = IssueRequest,
    responses((status = 200, description = "The issued document", body = InvoiceDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn issue(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<IssueRequest>,
) -> Result<Json<InvoiceDetail>, ApiError> {
    Ok(Json(uc::issue(&s.app, &c, id, b.version).await?))
}

/// Record a payment on an issued invoice.
///
/// What exceeds the balance becomes the client's credit.
#[utoipa::path(post, path = "/invoices/{id}/payments", operation_id = "recordPayment", tag = "invoices", params(("id" = i64, Path)), request_body = PaymentFields,
    responses((status = 200, description = "The invoice after the payment", body = InvoiceDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn record_payment(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(f): Body<PaymentFields>,
) -> Result<Json<InvoiceDetail>, ApiError> {
    Ok(Json(uc::record_payment(&s.app, &c, id, &f).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CreditNoteRequest {
    /// Why the invoice is credited (printed on the credit note; required).
    #[serde(default)]
    pub reason: String,
}

/// Draft a credit note for an issued invoice.
///
/// Its lines take back the invoice's lines; issue it to apply it.
#[utoipa::path(post, path = "/invoices/{id}/credit-note", operation_id = "createCreditNote", tag = "invoices", params(("id" = i64, Path)), request_body = CreditNoteRequest,
    responses((status = 201, description = "The draft credit note", body = InvoiceDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn credit_note(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<CreditNoteRequest>,
) -> Result<(StatusCode, Json<InvoiceDetail>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(uc::draft_credit_note(&s.app, &c, id, &b.reason).await?),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SessionInvoiceRequest {
    /// The client whose learners are invoiced (required).
    #[serde(default)]
    pub client_id: Option<i64>,
    /// Percent applied to every line, e.g. "19" (default 0).
    #[serde(default)]
    pub tax_rate: String,
}

/// Draft the invoice of a session for one client.
///
/// One line per learner of the client enrolled (booked, attended or completed) and not yet on a
/// live invoice, at the price of their enrollment.
#[utoipa::path(post, path = "/sessions/{id}/invoices", operation_id = "draftSessionInvoice", tag = "invoices", params(("id" = i64, Path)), request_body = SessionInvoiceRequest,
    responses((status = 201, description = "The draft", body = InvoiceDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn draft_for_session(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<SessionInvoiceRequest>,
) -> Result<(StatusCode, Json<InvoiceDetail>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(uc::draft_for_session(&s.app, &c, id, b.client_id, &b.tax_rate).await?),
    ))
}

/// Get a client's credit balance per currency.
#[utoipa::path(get, path = "/clients/{id}/credit", operation_id = "getClientCredit", tag = "invoices", params(("id" = i64, Path)),
    responses((status = 200, description = "The balance per currency (empty when none)", body = Vec<Money>), (status = 403, body = Problem)))]
async fn client_credit(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<Vec<Money>>, ApiError> {
    Ok(Json(uc::client_credit(&s.app, &c, id).await?))
}

/// Get an invoice or credit note as PDF.
///
/// A4, with an embedded font and selectable text: what the client receives.
#[utoipa::path(get, path = "/invoices/{id}/pdf", operation_id = "getInvoicePdf", tag = "invoices", params(("id" = i64, Path)),
    responses((status = 200, description = "The document", content_type = "application/pdf", body = Vec<u8>), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn pdf(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<axum::response::Response, ApiError> {
    let p = uc::printable(&s.app, &c, id).await?;
    crate::invoice_print::response(&p)
        .map_err(|e| trainyard_app::AppError::refused(e.to_string()).into())
}
