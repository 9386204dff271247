//! Communications over the API: the delivery log (outbox, and per session and learner), the
//! message templates, and when reminders and joining instructions go out.

use super::extract::{Body, Id, Params};
use super::operations::Operations;
use super::operations::routes;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::problem::{ApiError, Problem};
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use trainyard_app::delivery;
use trainyard_app::messages::{self, MessageSettings, MessageTemplate};
use trainyard_app::reminders::{self, ReminderSettings};
use trainyard_app::store::Page;
use trainyard_app::store::outbox::{Message, MessageDetail, OutboxFilter};

pub fn api() -> Operations {
    Operations::new()
        .routes(routes!(outbox))
        .routes(routes!(message))
        .routes(routes!(retry))
        .routes(routes!(templates))
        .routes(routes!(template, save_template))
        .routes(routes!(preview))
        .routes(routes!(session_messages))
        .routes(routes!(learner_messages))
        .routes(routes!(reminder_settings, save_reminder_settings))
        .routes(routes!(message_settings, save_message_settings))
        .routes(routes!(save_company_language))
}

/// Which language's wording of a template (BCP 47; its primary language is used).
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TemplateLanguageQuery {
    /// `en` (the default and the fallback), `de`, `fr`, `es` …
    #[serde(default)]
    #[param(example = "de")]
    pub language: Option<String>,
}

impl TemplateLanguageQuery {
    fn tag(&self) -> &str {
        self.language.as_deref().unwrap_or("en")
    }
}

/// The company's language.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct CompanyLanguageEdit {
    /// BCP 47 (`de`, `en-GB`); empty: English. People and clients without a language of their
    /// own read it.
    #[schema(example = "de")]
    pub default_language: String,
    /// The version of the message settings you read; 0 while nothing was ever saved.
    pub version: i64,
}

/// Change the company's language.
///
/// The language of everyone (and every client) without one of their own: messages are worded
/// in it where a template exists, English otherwise. Admins; audited. A stale `version` is 409,
/// a tag that is not one 422.
#[utoipa::path(put, path = "/settings/language", operation_id = "replaceCompanyLanguage", tag = "messages", request_body = CompanyLanguageEdit,
    responses((status = 200, description = "The saved settings", body = MessageSettings), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn save_company_language(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Body(b): Body<CompanyLanguageEdit>,
) -> Result<Json<MessageSettings>, ApiError> {
    let saved = messages::save_company_language(&s.app, &c, &b.default_language, b.version).await?;
    crate::i18n::company_changed();
    Ok(Json(saved))
}

/// Who messages are from.
///
/// The company name (sender name, e-mail header and sign-off), the sender address (From, and the
/// organizer of calendar invitations) and the reply-to address of every message; empty values are
/// not configured (the server's SMTP sender and "Trainyard" apply). Admins.
#[utoipa::path(get, path = "/settings/messages", operation_id = "getMessageSettings", tag = "messages",
    responses((status = 200, description = "The message settings", body = MessageSettings), (status = 403, body = Problem)))]
async fn message_settings(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> Result<Json<MessageSettings>, ApiError> {
    Ok(Json(messages::get_settings(&s.app, &c).await?))
}

/// New message settings.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct MessageSettingsEdit {
    /// At most 100 characters; empty: "Trainyard".
    #[serde(default)]
    pub company_name: String,
    /// An e-mail address; empty: the server's SMTP sender.
    #[serde(default)]
    pub sender_email: String,
    /// An e-mail address; empty: answers go to the sender.
    #[serde(default)]
    pub reply_to: String,
    /// The version you read; 0 while nothing was ever saved.
    pub version: i64,
}

/// Change who messages are from.
///
/// Change the company name, sender and reply-to of every message, queued ones included (they
/// apply when a message is sent). Admins; audited. A stale `version` is 409, an address that is
/// not one 422.
#[utoipa::path(put, path = "/settings/messages", operation_id = "replaceMessageSettings", tag = "messages", request_body = MessageSettingsEdit,
    responses((status = 200, description = "The saved settings", body = MessageSettings), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn save_message_settings(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Body(b): Body<MessageSettingsEdit>,
) -> Result<Json<MessageSettings>, ApiError> {
    Ok(Json(
        messages::save_settings(
            &s.app,
            &c,
            &b.company_name,
            &b.sender_email,
            &b.reply_to,
            b.version,
        )
        .await?,
    ))
}

/// Messages about a session.
///
/// The messages about a session, newest first (at most 200): those about the session itself and
/// about its enrollments and instructor assignments — confirmations, reminders, joining
/// instructions, changes. Staff.
#[utoipa::path(get, path = "/sessions/{id}/messages", operation_id = "listSessionMessages", tag = "messages", params(("id" = i64, Path)),
    responses((status = 200, description = "The messages, newest first", body = Vec<Message>), (status = 403, body = Problem)))]
async fn session_messages(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<Vec<Message>>, ApiError> {
    Ok(Json(
        delivery::delivery_log(&s.app, &c, "session", id).await?,
    ))
}

/// Messages to or about a learner.
///
/// The messages sent to or about a learner, newest first (at most 200). Staff, and the learner
/// themself.
#[utoipa::path(get, path = "/learners/{id}/messages", operation_id = "listLearnerMessages", tag = "messages", params(("id" = i64, Path)),
    responses((status = 200, description = "The messages, newest first", body = Vec<Message>), (status = 403, body = Problem)))]
async fn learner_messages(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<Vec<Message>>, ApiError> {
    Ok(Json(
        delivery::delivery_log(&s.app, &c, "learner", id).await?,
    ))
}

/// When reminders and joining instructions go out. Staff.
#[utoipa::path(get, path = "/settings/reminders", operation_id = "getReminderSettings", tag = "messages",
    responses((status = 200, description = "The reminder settings", body = ReminderSettings), (status = 403, body = Problem)))]
async fn reminder_settings(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> Result<Json<ReminderSettings>, ApiError> {
    Ok(Json(reminders::get_settings(&s.app, &c).await?))
}

/// New timing for reminders and joining instructions, in hours before the start.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReminderSettingsEdit {
    /// Reminders, e.g. `[168, 24]` for 7 days and 1 day (at most 6, each 1–1440); `[]`: none.
    pub reminder_hours: Vec<i64>,
    /// Joining instructions, e.g. `72`; 0: not sent.
    pub joining_hours: i64,
    /// The version you read.
    pub version: i64,
}

/// Change when reminders go out.
///
/// Change when reminders and joining instructions go out. Admins and managers; audited. A stale
/// `version` is 409.
#[utoipa::path(put, path = "/settings/reminders", operation_id = "replaceReminderSettings", tag = "messages", request_body = ReminderSettingsEdit,
    responses((status = 200, description = "The saved settings", body = ReminderSettings), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn save_reminder_settings(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Body(b): Body<ReminderSettingsEdit>,
) -> Result<Json<ReminderSettings>, ApiError> {
    Ok(Json(
        reminders::save_settings(&s.app, &c, &b.reminder_hours, b.joining_hours, b.version).await?,
    ))
}

/// The delivery log.
///
/// The delivery log, newest first. Filter by `status` (pending, sent, failed), part of the
/// `recipient` address, and a record: `entity_type` + `entity_id` (`session` includes the
/// session's assignments and enrollments; `learner` everything sent to the learner).
#[utoipa::path(get, path = "/outbox", operation_id = "listMessages", tag = "messages", params(OutboxFilter),
    responses((status = 200, description = "One page of messages, newest first", body = super::bodies::MessagePage), (status = 400, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn outbox(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Params(f): Params<OutboxFilter>,
) -> Result<Json<Page<Message>>, ApiError> {
    Ok(Json(delivery::list_outbox(&s.app, &c, &f).await?))
}

/// One message with its text and calendar invitation.
#[utoipa::path(get, path = "/outbox/{id}", operation_id = "getMessage", tag = "messages", params(("id" = i64, Path)),
    responses((status = 200, description = "The message with its text and calendar invitation", body = MessageDetail), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn message(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<MessageDetail>, ApiError> {
    Ok(Json(delivery::get_message(&s.app, &c, id).await?))
}

/// Send a failed message again: it is queued as new (attempts from zero).
#[utoipa::path(post, path = "/outbox/{id}/retry", operation_id = "retryMessage", tag = "messages", params(("id" = i64, Path)),
    responses((status = 200, description = "The message, queued again", body = MessageDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn retry(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<MessageDetail>, ApiError> {
    Ok(Json(delivery::retry_message(&s.app, &c, id).await?))
}

/// Every event Trainyard sends a message for, with its current wording. Admins and managers.
#[utoipa::path(get, path = "/message-templates", operation_id = "listMessageTemplates", tag = "messages",
    responses((status = 200, description = "Every event with its current wording", body = Vec<MessageTemplate>), (status = 403, body = Problem)))]
async fn templates(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> Result<Json<Vec<MessageTemplate>>, ApiError> {
    Ok(Json(messages::list_templates(&s.app, &c).await?))
}

/// One message template.
///
/// The event's wording in `language` (default English). An event without wording in that
/// language answers with the English wording and `fallback: true`: that is what its readers get.
#[utoipa::path(get, path = "/message-templates/{event}", operation_id = "getMessageTemplate", tag = "messages", params(("event" = String, Path), TemplateLanguageQuery),
    responses((status = 200, description = "The event's wording", body = MessageTemplate), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn template(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Path(event): Path<String>,
    Params(q): Params<TemplateLanguageQuery>,
) -> Result<Json<MessageTemplate>, ApiError> {
    Ok(Json(
        messages::get_template_in(&s.app, &c, &event, q.tag()).await?,
    ))
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

/// Save a message template.
///
/// Save an event's wording. A template that does not parse or render is refused with 422 and
/// the error by field; nothing is saved.
#[utoipa::path(put, path = "/message-templates/{event}", operation_id = "replaceMessageTemplate", tag = "messages", params(("event" = String, Path), TemplateLanguageQuery), request_body = TemplateEdit,
    responses((status = 200, description = "The saved template", body = MessageTemplate), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn save_template(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Path(event): Path<String>,
    Params(q): Params<TemplateLanguageQuery>,
    Body(b): Body<TemplateEdit>,
) -> Result<Json<MessageTemplate>, ApiError> {
    Ok(Json(
        messages::save_template_in(&s.app, &c, &event, q.tag(), &b.subject, &b.body, b.version)
            .await?,
    ))
}

/// A draft rendered with sample values.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = MessagePreview)]
pub struct Preview {
    pub subject: String,
    pub body: String,
}

/// Render a draft with sample values, without saving it.
#[utoipa::path(post, path = "/message-templates/{event}/preview", operation_id = "previewMessageTemplate", tag = "messages", params(("event" = String, Path), TemplateLanguageQuery), request_body = TemplateEdit,
    responses((status = 200, description = "The draft rendered with sample values", body = Preview), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn preview(
    ApiCaller(c): ApiCaller,
    Path(event): Path<String>,
    Params(q): Params<TemplateLanguageQuery>,
    Body(b): Body<TemplateEdit>,
) -> Result<Json<Preview>, ApiError> {
    let (subject, body) = messages::preview_template_in(&c, &event, q.tag(), &b.subject, &b.body)?;
    Ok(Json(Preview { subject, body }))
}
