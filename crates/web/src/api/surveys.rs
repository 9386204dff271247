//! Feedback surveys: templates (staff read, operations write), the results per session and per
//! dimension, and the public survey behind a personal link (no token needed).

use super::extract::{Body, Id, Params};
use super::operations::Operations;
use super::operations::routes;
use super::records::VersionParam;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::problem::{ApiError, Problem};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use trainyard_app::AppError;
use trainyard_app::store::surveys::{Dimension, SurveyTemplate};
use trainyard_app::surveys::{
    self as uc, FeedbackGroup, FeedbackReport, PublicSurvey, TemplateInput,
};
use trainyard_core::survey::RawAnswer;

pub fn api() -> Operations {
    Operations::new()
        .routes(routes!(list_templates, create_template))
        .routes(routes!(get_template, replace_template, archive_template))
        .routes(routes!(session_feedback))
        .routes(routes!(feedback))
        .routes(routes!(get_survey, answer_survey))
}

/// The survey templates.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SurveyTemplateList {
    pub items: Vec<SurveyTemplate>,
}

/// List survey templates.
///
/// Staff. The templates not archived, each audience's default first.
#[utoipa::path(get, path = "/survey-templates", operation_id = "listSurveyTemplates", tag = "feedback",
    responses((status = 200, description = "The templates", body = SurveyTemplateList), (status = 403, body = Problem)))]
async fn list_templates(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> Result<Json<SurveyTemplateList>, ApiError> {
    Ok(Json(SurveyTemplateList {
        items: uc::list_templates(&s.app, &c).await?,
    }))
}

/// Create a survey template.
///
/// Coordinators, managers and admins. `is_default` makes it the template invitations to its
/// audience use from now on.
#[utoipa::path(post, path = "/survey-templates", operation_id = "createSurveyTemplate", tag = "feedback", request_body = TemplateInput,
    responses((status = 201, description = "The template", body = SurveyTemplate), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create_template(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Body(b): Body<TemplateInput>,
) -> Result<(StatusCode, Json<SurveyTemplate>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(uc::create_template(&s.app, &c, &b).await?),
    ))
}

/// Get a survey template.
#[utoipa::path(get, path = "/survey-templates/{id}", operation_id = "getSurveyTemplate", tag = "feedback", params(("id" = i64, Path)),
    responses((status = 200, description = "The template", body = SurveyTemplate), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_template(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<SurveyTemplate>, ApiError> {
    Ok(Json(uc::get_template(&s.app, &c, id).await?))
}

/// A template's new name, questions and default flag, with the version read.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct TemplateUpdate {
    #[serde(flatten)]
    pub template: TemplateInput,
    /// The version you read; otherwise 409.
    pub version: i64,
}

/// Replace a survey template.
///
/// Coordinators, managers and admins. A template that was sent keeps its questions (409); its
/// audience does not change (422).
#[utoipa::path(put, path = "/survey-templates/{id}", operation_id = "replaceSurveyTemplate", tag = "feedback", params(("id" = i64, Path)), request_body = TemplateUpdate,
    responses((status = 200, description = "The template", body = SurveyTemplate), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn replace_template(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<TemplateUpdate>,
) -> Result<Json<SurveyTemplate>, ApiError> {
    Ok(Json(
        uc::update_template(&s.app, &c, id, b.version, &b.template).await?,
    ))
}

/// Archive a survey template.
///
/// Coordinators, managers and admins; not a default template (409).
#[utoipa::path(delete, path = "/survey-templates/{id}", operation_id = "archiveSurveyTemplate", tag = "feedback", params(("id" = i64, Path), VersionParam),
    responses((status = 204, description = "Archived"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn archive_template(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Params(v): Params<VersionParam>,
) -> Result<StatusCode, ApiError> {
    uc::archive_template(&s.app, &c, id, v.version).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Get a session's feedback.
///
/// Invited, answered, response rate, per question the average, NPS or option counts, and the
/// free-text answers. Staff; the instructors teaching it; a client contact sees their own
/// people's answers.
#[utoipa::path(get, path = "/sessions/{id}/feedback", operation_id = "getSessionFeedback", tag = "feedback", params(("id" = i64, Path)),
    responses((status = 200, description = "The session's feedback", body = FeedbackGroup), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn session_feedback(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<FeedbackGroup>, ApiError> {
    Ok(Json(uc::session_results(&s.app, &c, id).await?))
}

/// How to group feedback results, and over which days.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedbackQuery {
    /// course (default), instructor, venue, client or session.
    #[serde(default)]
    #[param(value_type = Option<Dimension>)]
    pub by: String,
    /// Sessions ending on or after this day (UTC, YYYY-MM-DD).
    #[serde(default)]
    #[param(format = Date)]
    pub from: String,
    /// Sessions ending on or before this day (UTC, YYYY-MM-DD).
    #[serde(default)]
    #[param(format = Date)]
    pub to: String,
}

impl FeedbackQuery {
    pub fn dimension(&self) -> Result<Dimension, AppError> {
        match self.by.trim() {
            "" => Ok(Dimension::Course),
            other => Dimension::parse(other).ok_or_else(|| AppError::BadParameter {
                name: "by",
                message: format!(
                    "'{}' is not course, instructor, venue, client or session",
                    other.chars().take(40).collect::<String>()
                ),
            }),
        }
    }
}

/// Get feedback results by course, instructor, venue, client or session.
///
/// Staff see all; an instructor the sessions they teach; a client contact their people's
/// answers; learners nothing.
#[utoipa::path(get, path = "/feedback", operation_id = "getFeedback", tag = "feedback", params(FeedbackQuery),
    responses((status = 200, description = "The results", body = FeedbackReport), (status = 400, body = Problem), (status = 403, body = Problem)))]
async fn feedback(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Params(q): Params<FeedbackQuery>,
) -> Result<Json<FeedbackReport>, ApiError> {
    let by = q.dimension()?;
    Ok(Json(uc::results(&s.app, &c, by, &q.from, &q.to).await?))
}

/// Get the survey behind a personal link.
///
/// Public: the link's secret is the credential. 404 for an unknown link, 409 once answered.
#[utoipa::path(get, path = "/surveys/{token}", operation_id = "getSurvey", tag = "feedback",
    params(("token" = String, Path, description = "The secret of the personal link (64 hexadecimal characters).")),
    security(()),
    responses((status = 200, description = "The survey", body = PublicSurvey), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn get_survey(
    State(s): State<AppState>,
    Path(token): Path<String>,
) -> Result<Json<PublicSurvey>, ApiError> {
    Ok(Json(uc::open(&s.app, &token).await?))
}

/// The answers to a survey.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct SurveyAnswers {
    /// One per question answered: `value` for a rating (1–5) or recommendation (0–10),
    /// `choices` for a choice question, `text` for free text.
    #[serde(default)]
    pub answers: Vec<RawAnswer>,
}

/// Answer the survey behind a personal link.
///
/// Public; works once. Answers out of range, not among the options or missing for a required
/// question are a 422 naming the question (`q{id}`), and nothing is stored; a link already used
/// is a 409.
#[utoipa::path(post, path = "/surveys/{token}", operation_id = "answerSurvey", tag = "feedback",
    params(("token" = String, Path, description = "The secret of the personal link (64 hexadecimal characters).")),
    security(()), request_body = SurveyAnswers,
    responses((status = 204, description = "Recorded"), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn answer_survey(
    State(s): State<AppState>,
    Path(token): Path<String>,
    Body(b): Body<SurveyAnswers>,
) -> Result<StatusCode, ApiError> {
    uc::answer(&s.app, &token, &b.answers).await?;
    Ok(StatusCode::NO_CONTENT)
}
