//! Communications over the API: the delivery log (outbox) and the message templates.

use super::extract::{Body, Id, Params};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::problem::{ApiError, Problem};
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use trainyard_app::delivery;
use trainyard_app::messages::{self, MessageTemplate};
use trainyard_app::store::Page;
use trainyard_app::store::outbox::{Message, MessageDetail, OutboxFilter};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(outbox))
        .routes(routes!(message))
        .routes(routes!(retry))
        .routes(routes!(templates))
        .routes(routes!(template, save_template))
        .routes(routes!(preview))
}

/// The delivery log, newest first. Filter by `status` (pending, sent, failed), part of the
/// `recipient` address, and a record: `entity_type` + `entity_id` (`session` includes the
/// session's assignments and enrollments; `learner` everything sent to the learner).
#[utoipa::path(get, path = "/outbox", tag = "messages", params(OutboxFilter),
    responses((status = 200, body = Page<Message>), (status = 400, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn outbox(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Params(f): Params<OutboxFilter>,
) -> Result<Json<Page<Message>>, ApiError> {
    Ok(Json(delivery::list_outbox(&s.app, &c, &f).await?))
}

/// One message with its text and calendar invitation.
#[utoipa::path(get, path = "/outbox/{id}", tag = "messages", params(("id" = i64, Path)),
    responses((status = 200, body = MessageDetail), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn message(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<MessageDetail>, ApiError> {
    Ok(Json(delivery::get_message(&s.app, &c, id).await?))
}

/// Send a failed message again: it is queued as new (attempts from zero).
#[utoipa::path(post, path = "/outbox/{id}/retry", tag = "messages", params(("id" = i64, Path)),
    responses((status = 200, body = MessageDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn retry(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<MessageDetail>, ApiError> {
    Ok(Json(delivery::retry_message(&s.app, &c, id).await?))
}

/// Every event Trainyard sends a message for, with its current wording. Admins and managers.
#[utoipa::path(get, path = "/message-templates", tag = "messages",
    responses((status = 200, body = Vec<MessageTemplate>), (status = 403, body = Problem)))]
async fn templates(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> Result<Json<Vec<MessageTemplate>>, ApiError> {
    Ok(Json(messages::list_templates(&s.app, &c).await?))
}

#[utoipa::path(get, path = "/message-templates/{event}", tag = "messages", params(("event" = String, Path)),
    responses((status = 200, body = MessageTemplate), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn template(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Path(event): Path<String>,
) -> Result<Json<MessageTemplate>, ApiError> {
    Ok(Json(messages::get_template(&s.app, &c, &event).await?))
}

/// New wording for an event (minijinja: `{{ placeholder }}`, filters, `{% if %}`).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct TemplateEdit {
    pub subject: String,
    pub body: String,
    /// The version you read; 0 while the built-in wording is in use.
    #[serde(default)]
    pub version: i64,
}

/// Save an event's wording. A template that does not parse or render is refused with 422 and
/// the error by field; nothing is saved.
#[utoipa::path(put, path = "/message-templates/{event}", tag = "messages", params(("event" = String, Path)), request_body = TemplateEdit,
    responses((status = 200, body = MessageTemplate), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn save_template(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Path(event): Path<String>,
    Body(b): Body<TemplateEdit>,
) -> Result<Json<MessageTemplate>, ApiError> {
    Ok(Json(
        messages::save_template(&s.app, &c, &event, &b.subject, &b.body, b.version).await?,
    ))
}

/// A draft rendered with sample values.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Preview {
    pub subject: String,
    pub body: String,
}

/// Render a draft with sample values, without saving it.
#[utoipa::path(post, path = "/message-templates/{event}/preview", tag = "messages", params(("event" = String, Path)), request_body = TemplateEdit,
    responses((status = 200, body = Preview), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn preview(
    ApiCaller(c): ApiCaller,
    Path(event): Path<String>,
    Body(b): Body<TemplateEdit>,
) -> Result<Json<Preview>, ApiError> {
    let (subject, body) = messages::preview_template(&c, &event, &b.subject, &b.body)?;
    Ok(Json(Preview { subject, body }))
}
