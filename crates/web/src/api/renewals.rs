//! Renewal offers (issue 16 §3): a client's certificates expiring soon with their offers, a seat
//! offered by hand, and the client's setting that lets the daily job offer them.

use super::extract::{Body, Id, Params};
use super::operations::Operations;
use super::operations::routes;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::problem::{ApiError, Problem};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use trainyard_app::renewals::{self as uc, ExpiringList};
use trainyard_app::store::renewals::RenewalOffer;

pub fn api() -> Operations {
    Operations::new()
        .routes(routes!(list_expiring_certificates))
        .routes(routes!(offer_renewal))
        .routes(routes!(set_renewal_setting))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExpiringQuery {
    /// Certificates expiring from today to today + `days` (0 to 3650; 90 without it).
    #[serde(default)]
    #[param(value_type = Option<i64>)]
    days: String,
}

/// List a client's expiring certificates.
///
/// The valid certificates of the client's learners expiring in the next `days` (default 90),
/// soonest first, each with its latest renewal offer (offered, waitlisted, accepted, declined or
/// expired). Staff read any client's; a client contact only their own (another client is 404).
#[utoipa::path(get, path = "/clients/{id}/expiring-certificates", operation_id = "listExpiringCertificates", tag = "certificates",
    params(("id" = i64, Path), ExpiringQuery),
    responses((status = 200, description = "The client's expiring certificates", body = ExpiringList), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn list_expiring_certificates(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Params(q): Params<ExpiringQuery>,
) -> Result<Json<ExpiringList>, ApiError> {
    let days = uc::days_of(&q.days)?;
    Ok(Json(uc::expiring(&s.app, &c, id, days).await?))
}

/// Which certificate to offer a renewal seat for.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct RenewalOfferRequest {
    /// A valid, expiring certificate of one of the client's learners.
    pub certificate_id: i64,
}

/// Offer a renewal seat.
///
/// Offers the certificate's learner a seat in the next session of its course that starts before
/// the expiry: by e-mail with a personal accept link, or straight onto the waitlist when the
/// session is full. Refused (409) when the certificate already has an open offer or no session
/// starts in time. Coordinators, managers and admins.
#[utoipa::path(post, path = "/clients/{id}/renewal-offers", operation_id = "offerRenewal", tag = "certificates",
    params(("id" = i64, Path)), request_body = RenewalOfferRequest,
    responses((status = 201, description = "The offer", body = RenewalOffer), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn offer_renewal(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<RenewalOfferRequest>,
) -> Result<(StatusCode, Json<RenewalOffer>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(uc::offer(&s.app, &c, id, b.certificate_id).await?),
    ))
}

/// Whether a client's learners are offered renewal seats.
#[derive(Deserialize, Serialize, utoipa::ToSchema)]
pub struct RenewalSetting {
    pub offer_renewals: bool,
}

/// Set a client's renewal offers.
///
/// On: the daily job offers the client's learners a seat in the next renewal session when a
/// certificate expires within 90 days. Coordinators, managers and admins; audited.
#[utoipa::path(put, path = "/clients/{id}/renewal-setting", operation_id = "setRenewalSetting", tag = "certificates",
    params(("id" = i64, Path)), request_body = RenewalSetting,
    responses((status = 200, description = "The setting", body = RenewalSetting), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn set_renewal_setting(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<RenewalSetting>,
) -> Result<Json<RenewalSetting>, ApiError> {
    Ok(Json(RenewalSetting {
        offer_renewals: uc::set_offer_renewals(&s.app, &c, id, b.offer_renewals).await?,
    }))
}
