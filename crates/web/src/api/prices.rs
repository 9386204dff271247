//! Prices and agreements beside the agreement records themselves: course prices by currency,
//! negotiated rates and prepaid seat credits of agreements, a client's seat credits and tax
//! region, tax rates by region and dated exchange rates. Finance, managers and admins; a client
//! contact reads their own seat credits.

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
use trainyard_app::agreements::{self as agreements, AgreementDetail, ClientCredits, TopUpFields};
use trainyard_app::prices::{
    self as uc, ClientTax, ExchangeRateFields, ExchangeRates, SettingsFields, TaxRateFields,
    TaxRates,
};
use trainyard_app::store::prices::CoursePrice;
use trainyard_core::Invalid;
use trainyard_core::Money;
use trainyard_core::pricing::PriceFields;

pub fn api() -> Operations {
    Operations::new()
        .routes(routes!(list_course_prices, set_course_price))
        .routes(routes!(remove_course_price))
        .routes(routes!(agreement_credits, top_up_credits))
        .routes(routes!(set_agreement_rate, remove_agreement_rate))
        .routes(routes!(client_seat_credits))
        .routes(routes!(client_tax_region, set_client_tax_region))
        .routes(routes!(list_tax_rates, create_tax_rate))
        .routes(routes!(replace_finance_settings))
        .routes(routes!(list_exchange_rates, create_exchange_rate))
        .routes(routes!(convert_to_base))
}

/// List a course's prices in other currencies.
#[utoipa::path(get, path = "/courses/{id}/prices", operation_id = "listCoursePrices", tag = "prices", params(("id" = i64, Path)),
    responses((status = 200, description = "The course's prices by currency (besides its base prices)", body = Vec<CoursePrice>), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn list_course_prices(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<Vec<CoursePrice>>, ApiError> {
    Ok(Json(uc::course_prices(&s.app, &c, id).await?))
}

/// Set a course's prices in one currency.
///
/// Seat, per-day and flat prices as decimal text in `currency` (at least one); the same currency
/// again replaces them. A negative price or an unknown currency is a 422 naming the field.
#[utoipa::path(post, path = "/courses/{id}/prices", operation_id = "setCoursePrice", tag = "prices", params(("id" = i64, Path)), request_body = PriceFields,
    responses((status = 200, description = "The course's prices by currency", body = Vec<CoursePrice>), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn set_course_price(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(f): Body<PriceFields>,
) -> Result<Json<Vec<CoursePrice>>, ApiError> {
    Ok(Json(uc::set_course_price(&s.app, &c, id, &f).await?))
}

/// Remove a course's prices in one currency.
#[utoipa::path(delete, path = "/courses/{id}/prices/{currency}", operation_id = "removeCoursePrice", tag = "prices", params(("id" = i64, Path), ("currency" = String, Path, description = "ISO 4217 code")),
    responses((status = 200, description = "The course's remaining prices by currency", body = Vec<CoursePrice>), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn remove_course_price(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Path((id, currency)): Path<(i64, String)>,
) -> Result<Json<Vec<CoursePrice>>, ApiError> {
    Ok(Json(
        uc::remove_course_price(&s.app, &c, id, &currency).await?,
    ))
}

/// Get an agreement's negotiated rates, prepaid seats and credit ledger.
#[utoipa::path(get, path = "/agreements/{id}/credits", operation_id = "getAgreementCredits", tag = "agreements", params(("id" = i64, Path)),
    responses((status = 200, description = "Rates, seat pools and the ledger (newest first)", body = AgreementDetail), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn agreement_credits(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<AgreementDetail>, ApiError> {
    Ok(Json(agreements::detail(&s.app, &c, id).await?))
}

/// Add prepaid seats to an agreement.
///
/// `seats` for `course_id` (or any course when absent); a negative number corrects a top-up but
/// never takes the balance below zero (422).
#[utoipa::path(post, path = "/agreements/{id}/credits", operation_id = "topUpAgreementCredits", tag = "agreements", params(("id" = i64, Path)), request_body = TopUpFields,
    responses((status = 200, description = "Rates, seat pools and the ledger", body = AgreementDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn top_up_credits(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(f): Body<TopUpFields>,
) -> Result<Json<AgreementDetail>, ApiError> {
    Ok(Json(agreements::top_up(&s.app, &c, id, &f).await?))
}

/// Set an agreement's negotiated rates for a course.
///
/// In the client's currency (`currency` may be left out); taken as negotiated, without the
/// agreement's discount.
#[utoipa::path(put, path = "/agreements/{id}/rates/{course_id}", operation_id = "setAgreementRate", tag = "agreements", params(("id" = i64, Path), ("course_id" = i64, Path)), request_body = PriceFields,
    responses((status = 200, description = "Rates, seat pools and the ledger", body = AgreementDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn set_agreement_rate(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Path((id, course_id)): Path<(i64, i64)>,
    Body(f): Body<PriceFields>,
) -> Result<Json<AgreementDetail>, ApiError> {
    Ok(Json(
        agreements::set_rate(&s.app, &c, id, course_id, &f).await?,
    ))
}

/// Remove an agreement's negotiated rates for a course.
#[utoipa::path(delete, path = "/agreements/{id}/rates/{course_id}", operation_id = "removeAgreementRate", tag = "agreements", params(("id" = i64, Path), ("course_id" = i64, Path)),
    responses((status = 200, description = "Rates, seat pools and the ledger", body = AgreementDetail), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn remove_agreement_rate(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Path((id, course_id)): Path<(i64, i64)>,
) -> Result<Json<AgreementDetail>, ApiError> {
    Ok(Json(
        agreements::remove_rate(&s.app, &c, id, course_id).await?,
    ))
}

/// Get a client's prepaid seat credits.
///
/// Per agreement with prepaid seats. Finance, managers and admins for any client; a client
/// contact for their own.
#[utoipa::path(get, path = "/clients/{id}/seat-credits", operation_id = "getClientSeatCredits", tag = "agreements", params(("id" = i64, Path)),
    responses((status = 200, description = "Seats left per agreement and pool", body = ClientCredits), (status = 404, body = Problem)))]
async fn client_seat_credits(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<ClientCredits>, ApiError> {
    Ok(Json(agreements::client_credits(&s.app, &c, id).await?))
}

/// Get a client's tax region and today's rate.
#[utoipa::path(get, path = "/clients/{id}/tax-region", operation_id = "getClientTaxRegion", tag = "prices", params(("id" = i64, Path)),
    responses((status = 200, description = "The client's region (or the company's) and its rate today", body = ClientTax), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn client_tax_region(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<ClientTax>, ApiError> {
    Ok(Json(uc::client_tax(&s.app, &c, id).await?))
}

/// A client's tax region.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct TaxRegionBody {
    /// A region with a tax rate, e.g. "CH"; empty or absent for the company's.
    #[serde(default)]
    pub tax_region: Option<String>,
}

/// Set a client's tax region.
#[utoipa::path(put, path = "/clients/{id}/tax-region", operation_id = "setClientTaxRegion", tag = "prices", params(("id" = i64, Path)), request_body = TaxRegionBody,
    responses((status = 200, description = "The client's region and its rate today", body = ClientTax), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn set_client_tax_region(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<TaxRegionBody>,
) -> Result<Json<ClientTax>, ApiError> {
    Ok(Json(
        uc::set_client_tax_region(&s.app, &c, id, b.tax_region.as_deref().unwrap_or("")).await?,
    ))
}

/// List tax rates by region.
#[utoipa::path(get, path = "/tax-rates", operation_id = "listTaxRates", tag = "prices",
    responses((status = 200, description = "The company's settings and every region's rates by start day", body = TaxRates), (status = 403, body = Problem)))]
async fn list_tax_rates(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> Result<Json<TaxRates>, ApiError> {
    Ok(Json(uc::tax_rates(&s.app, &c).await?))
}

/// Add a region's tax rate from a day on.
///
/// `rate` is a percentage ("19", "8.1"); the same region and day again replaces it.
#[utoipa::path(post, path = "/tax-rates", operation_id = "createTaxRate", tag = "prices", request_body = TaxRateFields,
    responses((status = 201, description = "The tax rates", body = TaxRates), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create_tax_rate(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Body(f): Body<TaxRateFields>,
) -> Result<(StatusCode, Json<TaxRates>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(uc::set_tax_rate(&s.app, &c, &f).await?),
    ))
}

/// Replace the company's base currency and tax region.
#[utoipa::path(put, path = "/finance-settings", operation_id = "replaceFinanceSettings", tag = "prices", request_body = SettingsFields,
    responses((status = 200, description = "The settings and tax rates", body = TaxRates), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn replace_finance_settings(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Body(f): Body<SettingsFields>,
) -> Result<Json<TaxRates>, ApiError> {
    Ok(Json(uc::set_settings(&s.app, &c, &f).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RateFilter {
    /// Only this currency's rates (ISO 4217).
    #[serde(default)]
    pub currency: Option<String>,
}

/// List exchange rates to the base currency.
#[utoipa::path(get, path = "/exchange-rates", operation_id = "listExchangeRates", tag = "prices", params(RateFilter),
    responses((status = 200, description = "The base currency and the rates by currency, newest first", body = ExchangeRates), (status = 400, body = Problem), (status = 403, body = Problem)))]
async fn list_exchange_rates(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Params(f): Params<RateFilter>,
) -> Result<Json<ExchangeRates>, ApiError> {
    Ok(Json(
        uc::exchange_rates(&s.app, &c, f.currency.as_deref()).await?,
    ))
}

/// Add an exchange rate.
///
/// What one unit of `currency` is worth in the base currency on day `on`, as a decimal with at
/// most six places ("1.1734"); the same currency and day again replaces it.
#[utoipa::path(post, path = "/exchange-rates", operation_id = "createExchangeRate", tag = "prices", request_body = ExchangeRateFields,
    responses((status = 201, description = "The exchange rates", body = ExchangeRates), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create_exchange_rate(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Body(f): Body<ExchangeRateFields>,
) -> Result<(StatusCode, Json<ExchangeRates>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(uc::set_exchange_rate(&s.app, &c, &f).await?),
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConvertParams {
    /// Decimal amount, e.g. "100.00".
    #[serde(default)]
    #[param(required = true)]
    pub amount: String,
    /// ISO 4217 code of the amount.
    #[serde(default)]
    #[param(required = true)]
    pub currency: String,
    /// The day whose rate applies (the latest rate on or before it), YYYY-MM-DD.
    #[serde(default)]
    #[param(required = true)]
    pub on: String,
}

/// Convert an amount to the base currency.
///
/// At the rate of the latest day on or before `on`; 409 when no rate exists by then.
#[utoipa::path(get, path = "/exchange-rates/convert", operation_id = "convertToBase", tag = "prices", params(ConvertParams),
    responses((status = 200, description = "The amount in the base currency", body = Money), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn convert_to_base(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Params(p): Params<ConvertParams>,
) -> Result<Json<Money>, ApiError> {
    c.require_finance("convert amounts")?;
    let mut inv = Invalid::new();
    let currency = inv.check(
        "currency",
        trainyard_core::pricing::known_currency(&p.currency),
    );
    let on = inv.check("on", trainyard_core::pricing::parse_date(&p.on));
    let amount = currency.and_then(|cur| inv.check("amount", Money::parse(&p.amount, cur)));
    let (Some(amount), Some(on)) = (amount, on) else {
        return Err(trainyard_app::AppError::from(inv).into());
    };
    Ok(Json(uc::to_base(&s.app, &c, amount, on).await?))
}
