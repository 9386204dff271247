//! Compliance checklists, documents, evidence packs and substitutions (issue 16 §4, §5).

use super::extract::{Body, Id, Params};
use super::operations::Operations;
use super::operations::routes;
use super::records::VersionParam;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::problem::{ApiError, Problem};
use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use trainyard_app::AppError;
use trainyard_app::compliance::{self as uc, Dashboard, RequirementForm, SessionCompliance};
use trainyard_app::store::compliance::{
    DashboardFilter, Document, Item, Requirement, Substitution,
};

pub fn api() -> Operations {
    Operations::new()
        .routes(routes!(list_requirements, create_requirement))
        .routes(routes!(
            get_requirement,
            update_requirement,
            archive_requirement
        ))
        .routes(routes!(session_compliance))
        .routes(routes!(tick_item))
        .routes(routes!(upload_document))
        .routes(routes!(get_document))
        .routes(routes!(session_pack))
        .routes(routes!(client_pack))
        .routes(routes!(dashboard))
        .routes(routes!(list_substitutions, open_substitution))
        .routes(routes!(get_substitution))
        .routes(routes!(complete_step))
}

/// Whose requirements.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequirementFilter {
    /// Requirements of this client.
    #[serde(default, deserialize_with = "trainyard_app::store::row::empty_as_none")]
    pub client_id: Option<i64>,
    /// Requirements of this course.
    #[serde(default, deserialize_with = "trainyard_app::store::row::empty_as_none")]
    pub course_id: Option<i64>,
}

/// List compliance requirements.
///
/// Staff. Every session of the client or course must meet each of them.
#[utoipa::path(get, path = "/compliance-requirements", operation_id = "listComplianceRequirements", tag = "compliance", params(RequirementFilter),
    responses((status = 200, description = "The active requirements (at most 500)", body = Vec<Requirement>), (status = 403, body = Problem)))]
async fn list_requirements(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Params(f): Params<RequirementFilter>,
) -> Result<Json<Vec<Requirement>>, ApiError> {
    Ok(Json(
        uc::requirements(&s.app, &c, f.client_id, f.course_id).await?,
    ))
}

/// Create a compliance requirement.
///
/// Coordinators, managers and admins. Exactly one of `client_id` and `course_id`. The sessions
/// it applies to get their checklist item at once.
#[utoipa::path(post, path = "/compliance-requirements", operation_id = "createComplianceRequirement", tag = "compliance", request_body = RequirementForm,
    responses((status = 201, description = "The requirement", body = Requirement), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create_requirement(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Body(b): Body<RequirementForm>,
) -> Result<(StatusCode, Json<Requirement>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(uc::create_requirement(&s.app, &c, &b).await?),
    ))
}

/// Get a compliance requirement.
#[utoipa::path(get, path = "/compliance-requirements/{id}", operation_id = "getComplianceRequirement", tag = "compliance", params(("id" = i64, Path)),
    responses((status = 200, description = "The requirement", body = Requirement), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_requirement(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<Requirement>, ApiError> {
    Ok(Json(uc::requirement(&s.app, &c, id).await?))
}

/// Replace a compliance requirement.
///
/// `version` must be the version you read; otherwise 409. Items not met yet get the new deadline.
#[utoipa::path(put, path = "/compliance-requirements/{id}", operation_id = "replaceComplianceRequirement", tag = "compliance", params(("id" = i64, Path)), request_body = RequirementForm,
    responses((status = 200, description = "The requirement", body = Requirement), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn update_requirement(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<RequirementForm>,
) -> Result<Json<Requirement>, ApiError> {
    Ok(Json(uc::update_requirement(&s.app, &c, id, &b).await?))
}

/// Archive a compliance requirement.
///
/// Its open items go; met items stay as evidence.
#[utoipa::path(delete, path = "/compliance-requirements/{id}", operation_id = "archiveComplianceRequirement", tag = "compliance", params(("id" = i64, Path), VersionParam),
    responses((status = 204, description = "Archived"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn archive_requirement(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Params(v): Params<VersionParam>,
) -> Result<StatusCode, ApiError> {
    uc::archive_requirement(&s.app, &c, id, v.version).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Get a session's compliance checklist.
///
/// Its items (open, met, met late, overdue), documents and substitutions. Staff; an instructor
/// teaching it; a contact of its client.
#[utoipa::path(get, path = "/sessions/{id}/compliance", operation_id = "getSessionCompliance", tag = "compliance", params(("id" = i64, Path)),
    responses((status = 200, description = "The checklist", body = SessionCompliance), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn session_compliance(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<SessionCompliance>, ApiError> {
    Ok(Json(uc::session_compliance(&s.app, &c, id).await?))
}

/// A tick with its note.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct TickRequest {
    /// The item's version you read; otherwise 409.
    pub version: i64,
    /// How it was met (required, at most 500 characters).
    #[serde(default)]
    pub note: String,
}

/// Tick a compliance item.
///
/// Meets a manual or document item by hand with a note. Coordinators, managers and admins.
#[utoipa::path(post, path = "/compliance-items/{id}/tick", operation_id = "tickComplianceItem", tag = "compliance", params(("id" = i64, Path)), request_body = TickRequest,
    responses((status = 200, description = "The item", body = Item), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn tick_item(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<TickRequest>,
) -> Result<Json<Item>, ApiError> {
    Ok(Json(uc::tick(&s.app, &c, id, b.version, &b.note).await?))
}

/// The multipart form of an upload.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The file: PDF, PNG, JPEG, text or CSV, at most 1 MiB, with a plain name.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// The document requirement of the session's checklist it meets (optional).
    pub requirement_id: Option<i64>,
}

fn invalid(field: &str, message: &str) -> ApiError {
    ApiError(AppError::Invalid(trainyard_core::Invalid::field(
        field, message,
    )))
}

/// The parts of an upload form: the file's name and bytes, and the requirement.
pub(crate) async fn read_upload(
    mut m: Multipart,
) -> Result<(String, Vec<u8>, Option<i64>), ApiError> {
    let mut file = None;
    let mut requirement = None;
    loop {
        let field = match m.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(invalid("file", &e.body_text())),
        };
        match field.name().unwrap_or_default() {
            "file" => {
                let name = field.file_name().unwrap_or_default().to_owned();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| invalid("file", &e.body_text()))?;
                file = Some((name, bytes.to_vec()));
            }
            "requirement_id" => {
                let text = field
                    .text()
                    .await
                    .map_err(|e| invalid("requirement_id", &e.body_text()))?;
                let t = text.trim();
                if !t.is_empty() {
                    requirement = Some(t.parse::<i64>().map_err(|_| {
                        invalid("requirement_id", "a requirement id is a whole number")
                    })?);
                }
            }
            _ => {}
        }
    }
    let Some((name, bytes)) = file else {
        return Err(invalid("file", "choose a file to upload"));
    };
    Ok((name, bytes, requirement))
}

/// Upload a document for a session.
///
/// `multipart/form-data` with `file` and optionally `requirement_id` (a document requirement of
/// the session's checklist, which the upload then meets: late when after its deadline). The
/// name, type and size are checked before anything is stored (422 naming `file`). Staff, and an
/// instructor teaching the session (e.g. the signed attendance sheet).
#[utoipa::path(post, path = "/sessions/{id}/documents", operation_id = "uploadSessionDocument", tag = "compliance", params(("id" = i64, Path)),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, description = "The stored document", body = Document), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn upload_document(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    m: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<Document>), ApiError> {
    let m = match m {
        Ok(m) => m,
        Err(e) => {
            // Who may upload is answered before the body's shape.
            uc::may_upload(&s.app, &c, id).await?;
            return Err(invalid("file", &e.body_text()));
        }
    };
    let (name, bytes, requirement) = read_upload(m).await?;
    Ok((
        StatusCode::CREATED,
        Json(uc::upload(&s.app, &c, id, requirement, &name, &bytes).await?),
    ))
}

/// The bytes of a stored document as a download.
pub(crate) fn document_response(d: &Document, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, d.content_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", d.name.replace('"', "")),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// Download a document.
///
/// Always as an attachment, with the stored content type. Whoever may see the session's
/// checklist.
#[utoipa::path(get, path = "/documents/{id}", operation_id = "getDocument", tag = "compliance", params(("id" = i64, Path)),
    responses((status = 200, description = "The document", content_type = "application/octet-stream", body = Vec<u8>), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_document(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Response, ApiError> {
    let (d, bytes) = uc::document(&s.app, &c, id).await?;
    Ok(document_response(&d, bytes))
}

pub(crate) fn zip_response(p: uc::Pack) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", p.file_name),
            ),
        ],
        p.bytes,
    )
        .into_response()
}

/// Download a session's evidence pack.
///
/// A zip with `summary.pdf` (the checklist with deadlines, who met what when, and each document's
/// SHA-256) and `documents/<id>-<name>` for every document of the session. Staff, and a contact
/// of its client.
#[utoipa::path(get, path = "/sessions/{id}/evidence-pack", operation_id = "getSessionEvidencePack", tag = "compliance", params(("id" = i64, Path)),
    responses((status = 200, description = "The zip", content_type = "application/zip", body = Vec<u8>), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn session_pack(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Response, ApiError> {
    Ok(zip_response(uc::session_pack(&s.app, &c, id).await?))
}

/// The period of a client's evidence pack.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PackPeriod {
    /// First day (`YYYY-MM-DD`, UTC) on which the sessions ended.
    #[serde(default)]
    #[param(format = Date)]
    pub from: String,
    /// Last day (`YYYY-MM-DD`, UTC, inclusive).
    #[serde(default)]
    #[param(format = Date)]
    pub to: String,
}

/// Download a client's evidence pack for a period.
///
/// The sessions of the client that ended in the period (at most 200), each in its own folder,
/// and one summary. Staff, and the client's contacts.
#[utoipa::path(get, path = "/clients/{id}/evidence-pack", operation_id = "getClientEvidencePack", tag = "compliance", params(("id" = i64, Path), PackPeriod),
    responses((status = 200, description = "The zip", content_type = "application/zip", body = Vec<u8>), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn client_pack(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Params(p): Params<PackPeriod>,
) -> Result<Response, ApiError> {
    Ok(zip_response(
        uc::client_pack(&s.app, &c, id, &p.from, &p.to).await?,
    ))
}

/// Get the compliance dashboard.
///
/// Items across sessions and clients: `incomplete` (default; overdue first, then by due
/// instant), `overdue`, `open` or `met_late`, filtered by client and course, with the counts and
/// the open substitutions. Staff.
#[utoipa::path(get, path = "/compliance", operation_id = "getComplianceDashboard", tag = "compliance", params(DashboardFilter),
    responses((status = 200, description = "The dashboard", body = Dashboard), (status = 400, body = Problem), (status = 403, body = Problem)))]
async fn dashboard(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Params(f): Params<DashboardFilter>,
) -> Result<Json<Dashboard>, ApiError> {
    Ok(Json(uc::dashboard(&s.app, &c, &f).await?))
}

/// Which substitutions.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubstitutionFilter {
    /// Substitutions of this session.
    #[serde(default, deserialize_with = "trainyard_app::store::row::empty_as_none")]
    pub session_id: Option<i64>,
    /// Only those not done yet.
    #[serde(default, deserialize_with = "trainyard_app::store::row::flag")]
    pub open: bool,
}

/// List substitutions.
///
/// Newest first (at most 200). Staff.
#[utoipa::path(get, path = "/substitutions", operation_id = "listSubstitutions", tag = "compliance", params(SubstitutionFilter),
    responses((status = 200, description = "The substitutions", body = Vec<Substitution>), (status = 403, body = Problem)))]
async fn list_substitutions(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Params(f): Params<SubstitutionFilter>,
) -> Result<Json<Vec<Substitution>>, ApiError> {
    Ok(Json(
        uc::substitutions(&s.app, &c, f.session_id, f.open).await?,
    ))
}

/// Why an instructor drops out.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct OpenSubstitution {
    /// The assignment of the instructor who drops out.
    #[serde(default)]
    pub assignment_id: i64,
    /// Why (required, at most 500 characters).
    #[serde(default)]
    pub reason: String,
}

/// Open a substitution.
///
/// One is opened by itself when a confirmed assignment is withdrawn; this opens one by hand.
/// Coordinators, managers and admins.
#[utoipa::path(post, path = "/substitutions", operation_id = "openSubstitution", tag = "compliance", request_body = OpenSubstitution,
    responses((status = 201, description = "The substitution", body = Substitution), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn open_substitution(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Body(b): Body<OpenSubstitution>,
) -> Result<(StatusCode, Json<Substitution>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(uc::open_substitution(&s.app, &c, b.assignment_id, &b.reason).await?),
    ))
}

/// Get a substitution.
#[utoipa::path(get, path = "/substitutions/{id}", operation_id = "getSubstitution", tag = "compliance", params(("id" = i64, Path)),
    responses((status = 200, description = "The substitution", body = Substitution), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_substitution(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<Substitution>, ApiError> {
    Ok(Json(uc::substitution(&s.app, &c, id).await?))
}

/// A step done.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct StepRequest {
    /// replacement_chosen, client_informed or learners_informed.
    #[serde(default)]
    pub step: String,
    /// The replacement (replacement_chosen only), from the session's ranked candidates.
    #[serde(default)]
    pub replacement_instructor_id: Option<i64>,
    /// What was done (optional, at most 500 characters).
    #[serde(default)]
    pub note: String,
}

/// Complete a substitution step.
///
/// The substitution is done when every step is. Coordinators, managers and admins.
#[utoipa::path(post, path = "/substitutions/{id}/steps", operation_id = "completeSubstitutionStep", tag = "compliance", params(("id" = i64, Path)), request_body = StepRequest,
    responses((status = 200, description = "The substitution", body = Substitution), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn complete_step(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<StepRequest>,
) -> Result<Json<Substitution>, ApiError> {
    Ok(Json(
        uc::complete_step(
            &s.app,
            &c,
            id,
            &b.step,
            b.replacement_instructor_id,
            &b.note,
        )
        .await?,
    ))
}
