//! Webhooks over the API: endpoints, their secrets, the delivery log and replays. Admins.

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
use trainyard_app::store::Page;
use trainyard_app::store::webhooks::{Delivery, DeliveryDetail, DeliveryFilter, Endpoint, Secrets};
use trainyard_app::webhooks::{self as uc, CreatedEndpoint, EventFamily, Replayed};
use trainyard_core::Invalid;
use trainyard_core::webhook::EndpointFields;

pub fn api() -> Operations {
    Operations::new()
        .routes(routes!(list, create))
        .routes(routes!(get, replace))
        .routes(routes!(secret))
        .routes(routes!(rotate))
        .routes(routes!(deliveries))
        .routes(routes!(delivery))
        .routes(routes!(replay))
        .routes(routes!(replay_range))
        .routes(routes!(event_types))
}

super::bodies::page_type!(WebhookDeliveryPage, "WebhookDeliveryPage", Delivery);

/// An endpoint as written: where events go and which.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct WebhookEndpointBody {
    /// `https://…`, or `http://` to this machine only (127.0.0.1, ::1, localhost).
    pub url: String,
    #[serde(default)]
    pub description: String,
    /// Patterns of the event types it receives: `*`, `session.*`, `invoice.issued`…
    pub event_types: Vec<String>,
    /// Whether events are queued and sent to it (default true).
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

impl WebhookEndpointBody {
    fn fields(&self) -> EndpointFields {
        EndpointFields {
            url: self.url.clone(),
            description: self.description.clone(),
            event_types: self.event_types.join(" "),
            enabled: self.enabled,
        }
    }
}

/// An endpoint's new settings with the version read.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct WebhookEndpointUpdate {
    /// The version you read; otherwise 409.
    pub version: i64,
    #[serde(flatten)]
    pub endpoint: WebhookEndpointBody,
}

/// The version of the endpoint read.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct WebhookRotation {
    /// The version you read; otherwise 409.
    pub version: i64,
}

/// Which past deliveries to send again.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct WebhookReplayRange {
    /// From this instant (RFC 3339, included)…
    #[schema(format = DateTime)]
    pub from: String,
    /// …up to this one (excluded).
    #[schema(format = DateTime)]
    pub to: String,
    /// Only the deliveries that were given up.
    #[serde(default)]
    pub failed_only: bool,
}

/// List webhook endpoints.
///
/// Every endpoint with its subscriptions, state and queue. Admins.
#[utoipa::path(get, path = "/webhooks", operation_id = "listWebhookEndpoints", tag = "webhooks",
    responses((status = 200, description = "The endpoints, oldest first", body = Vec<Endpoint>), (status = 403, body = Problem)))]
async fn list(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> Result<Json<Vec<Endpoint>>, ApiError> {
    Ok(Json(uc::list_endpoints(&s.app, &c).await?))
}

/// Subscribe a webhook endpoint.
///
/// Subscribes an endpoint to event types. The answer carries its signing secret (`whsec_…`, Standard
/// Webhooks). Admins; audited. An address that is not https (or loopback http), or a pattern that
/// names no kind of event, is 422 naming the field.
#[utoipa::path(post, path = "/webhooks", operation_id = "createWebhookEndpoint", tag = "webhooks", request_body = WebhookEndpointBody,
    responses((status = 201, description = "The endpoint and its secret", body = CreatedEndpoint), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Body(b): Body<WebhookEndpointBody>,
) -> Result<(StatusCode, Json<CreatedEndpoint>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(uc::create_endpoint(&s.app, &c, &b.fields()).await?),
    ))
}

/// Get a webhook endpoint.
#[utoipa::path(get, path = "/webhooks/{id}", operation_id = "getWebhookEndpoint", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 200, description = "The endpoint", body = Endpoint), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<Endpoint>, ApiError> {
    Ok(Json(uc::get_endpoint(&s.app, &c, id).await?))
}

/// Change a webhook endpoint.
///
/// Changes the address, description, event types, or turns it on or off. Turning it back on
/// clears its failures so that its waiting deliveries go at once. Admins; audited; a stale
/// `version` is 409.
#[utoipa::path(put, path = "/webhooks/{id}", operation_id = "replaceWebhookEndpoint", tag = "webhooks", params(("id" = i64, Path)), request_body = WebhookEndpointUpdate,
    responses((status = 200, description = "The endpoint", body = Endpoint), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn replace(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<WebhookEndpointUpdate>,
) -> Result<Json<Endpoint>, ApiError> {
    Ok(Json(
        uc::update_endpoint(&s.app, &c, id, b.version, &b.endpoint.fields()).await?,
    ))
}

/// Get a webhook endpoint's signing secrets.
///
/// The current secret, and the previous one while it still signs after a rotation. Admins.
#[utoipa::path(get, path = "/webhooks/{id}/secret", operation_id = "getWebhookSecret", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 200, description = "The secrets", body = Secrets), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn secret(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<Secrets>, ApiError> {
    Ok(Json(uc::get_secret(&s.app, &c, id).await?))
}

/// Rotate a webhook endpoint's secret.
///
/// A new secret signs from now on; the old one keeps signing beside it for 24 hours (the
/// `webhook-signature` header then carries both), so the receiver can switch without missing an
/// event. Admins; audited; a stale `version` is 409.
#[utoipa::path(post, path = "/webhooks/{id}/rotate-secret", operation_id = "rotateWebhookSecret", tag = "webhooks", params(("id" = i64, Path)), request_body = WebhookRotation,
    responses((status = 200, description = "The new and the previous secret", body = Secrets), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn rotate(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<WebhookRotation>,
) -> Result<Json<Secrets>, ApiError> {
    Ok(Json(uc::rotate_secret(&s.app, &c, id, b.version).await?))
}

/// List a webhook endpoint's deliveries.
///
/// The delivery log, newest first: each event sent (or waiting) with its state, attempts, last
/// HTTP status and error. Admins.
#[utoipa::path(get, path = "/webhooks/{id}/deliveries", operation_id = "listWebhookDeliveries", tag = "webhooks", params(("id" = i64, Path), DeliveryFilter),
    responses((status = 200, description = "One page of deliveries", body = WebhookDeliveryPage), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn deliveries(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Params(f): Params<DeliveryFilter>,
) -> Result<Json<Page<Delivery>>, ApiError> {
    Ok(Json(uc::list_deliveries(&s.app, &c, id, &f).await?))
}

/// Get a webhook delivery.
///
/// One delivery with the body sent and every attempt: time, HTTP status, duration and error.
/// Admins.
#[utoipa::path(get, path = "/webhooks/{id}/deliveries/{delivery_id}", operation_id = "getWebhookDelivery", tag = "webhooks",
    params(("id" = i64, Path), ("delivery_id" = i64, Path)),
    responses((status = 200, description = "The delivery", body = DeliveryDetail), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn delivery(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Path((id, delivery_id)): Path<(i64, i64)>,
) -> Result<Json<DeliveryDetail>, ApiError> {
    Ok(Json(uc::get_delivery(&s.app, &c, id, delivery_id).await?))
}

/// Replay a webhook delivery.
///
/// Sends the event to the endpoint again (same `webhook-id` and body), after everything already
/// queued for it. Admins; audited.
#[utoipa::path(post, path = "/webhooks/{id}/deliveries/{delivery_id}/replay", operation_id = "replayWebhookDelivery", tag = "webhooks",
    params(("id" = i64, Path), ("delivery_id" = i64, Path)),
    responses((status = 201, description = "The new delivery", body = DeliveryDetail), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn replay(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Path((id, delivery_id)): Path<(i64, i64)>,
) -> Result<(StatusCode, Json<DeliveryDetail>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(uc::replay_delivery(&s.app, &c, id, delivery_id).await?),
    ))
}

/// Replay a time range of webhook deliveries.
///
/// Sends again every event the endpoint was sent from `from` up to `to` (or only those it failed
/// to receive), oldest first, at most 10,000. Admins; audited.
#[utoipa::path(post, path = "/webhooks/{id}/replay", operation_id = "replayWebhookDeliveries", tag = "webhooks", params(("id" = i64, Path)), request_body = WebhookReplayRange,
    responses((status = 200, description = "How many deliveries were queued", body = Replayed), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn replay_range(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<WebhookReplayRange>,
) -> Result<Json<Replayed>, ApiError> {
    let mut inv = Invalid::new();
    let from = inv.check("from", trainyard_core::time::parse_rfc3339(&b.from));
    let to = inv.check("to", trainyard_core::time::parse_rfc3339(&b.to));
    let (Some(from), Some(to)) = (from, to) else {
        return Err(trainyard_app::AppError::Invalid(inv).into());
    };
    Ok(Json(
        uc::replay_range(&s.app, &c, id, from, to, b.failed_only).await?,
    ))
}

/// List webhook event types.
///
/// The kinds of event an endpoint can subscribe to, each with the pattern that covers it. An
/// event's type is `kind.action`, e.g. `session.cancelled`, `enrollment.booked`,
/// `invoice.issued`. Admins.
#[utoipa::path(get, path = "/webhook-event-types", operation_id = "listWebhookEventTypes", tag = "webhooks",
    responses((status = 200, description = "The kinds of event", body = Vec<EventFamily>), (status = 403, body = Problem)))]
async fn event_types(ApiCaller(c): ApiCaller) -> Result<Json<Vec<EventFamily>>, ApiError> {
    Ok(Json(uc::event_families(&c)?))
}
