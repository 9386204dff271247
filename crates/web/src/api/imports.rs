//! Spreadsheet onboarding over the API (issue 18 §2): preview a file's sheets and mapping, start
//! a dry run or an import as a background job, follow the job; export everything in the same
//! layouts. Operations staff (admins, managers, coordinators); each row is then authorized by
//! its own use case, so finance columns (rates, prices) follow the caller's finance access.

use super::extract::Id;
use super::operations::Operations;
use super::operations::routes;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::problem::{ApiError, Problem};
use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use trainyard_app::AppError;
use trainyard_app::import::jobs::{self, SheetPreview};
use trainyard_app::import::{self, Kind, Mapping};
use trainyard_app::store::import::Job;

pub fn api() -> Operations {
    Operations::new()
        .routes(routes!(preview_import))
        .routes(routes!(start_import))
        .routes(routes!(get_import_job))
        .routes(routes!(export_workbook))
        .routes(routes!(export_kind))
}

/// The multipart form of an upload.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ImportForm {
    /// A CSV file (comma, semicolon or tab separated; a byte order mark is dropped) or an XLSX
    /// workbook whose sheets are named after kinds.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// What a CSV (or a one-sheet workbook) holds: courses, venues, rooms, clients, instructors,
    /// learners, sessions, assignments or enrollments.
    pub kind: Option<Kind>,
    /// `true`: check every row through the real rules and change nothing.
    pub dry_run: Option<bool>,
    /// JSON: kind → {field → the sheet's header}. Kinds left out use the mapping remembered
    /// from the last import of that kind, else the automatic guess.
    pub mapping: Option<String>,
}

/// An upload as the use cases take it.
pub(crate) struct Upload {
    /// The page's CSRF token (forms only).
    pub csrf: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub kind: Option<Kind>,
    pub dry_run: bool,
    pub mappings: BTreeMap<Kind, Mapping>,
}

fn invalid(field: &str, message: &str) -> ApiError {
    ApiError(AppError::Invalid(trainyard_core::Invalid::field(
        field, message,
    )))
}

/// Reads the upload form (also the page's).
pub(crate) async fn read_upload(mut m: Multipart) -> Result<Upload, ApiError> {
    let mut up = Upload {
        csrf: String::new(),
        file_name: String::new(),
        bytes: Vec::new(),
        kind: None,
        dry_run: false,
        mappings: BTreeMap::new(),
    };
    let mut has_file = false;
    loop {
        let field = match m.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(invalid("file", &e.body_text())),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            up.file_name = field.file_name().unwrap_or_default().to_owned();
            up.bytes = field
                .bytes()
                .await
                .map_err(|e| invalid("file", &e.body_text()))?
                .to_vec();
            has_file = !up.bytes.is_empty();
            continue;
        }
        let text = field
            .text()
            .await
            .map_err(|e| invalid(&name, &e.body_text()))?;
        let t = text.trim();
        match name.as_str() {
            "kind" if !t.is_empty() => {
                up.kind =
                    Some(Kind::parse(t).ok_or_else(|| {
                        invalid("kind", &format!("'{t}' is not a kind of sheet"))
                    })?);
            }
            "_csrf" => up.csrf = t.to_owned(),
            "dry_run" => up.dry_run = matches!(t, "true" | "1" | "on" | "yes"),
            "mapping" if !t.is_empty() => {
                up.mappings = serde_json::from_str(t).map_err(|e| {
                    invalid(
                        "mapping",
                        &format!("is not kind → {{field → header}} JSON ({e})"),
                    )
                })?;
            }
            // The page's mapping step: one select per field, named `map.<kind>.<field>`.
            other => {
                if let Some(rest) = other.strip_prefix("map.")
                    && let Some((kind, field)) = rest.split_once('.')
                    && let Some(kind) = Kind::parse(kind)
                    && !t.is_empty()
                {
                    up.mappings
                        .entry(kind)
                        .or_default()
                        .insert(field.to_owned(), t.to_owned());
                }
            }
        }
    }
    if !has_file {
        return Err(invalid("file", "choose a CSV or XLSX file"));
    }
    Ok(up)
}

/// Preview a spreadsheet's sheets and mapping.
///
/// `multipart/form-data` with `file` and optionally `kind`. Reads the file (a file that cannot
/// be read is 422 naming `file`) and answers each sheet's kind, header, row count and the
/// mapping an import would use: the one remembered from the last import of that kind when it
/// fits the header, else a guess from the header's words. Changes nothing.
#[utoipa::path(post, path = "/imports/preview", operation_id = "previewImport", tag = "imports",
    request_body(content = ImportForm, content_type = "multipart/form-data"),
    responses((status = 200, description = "The sheets with their mapping", body = Vec<SheetPreview>), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn preview_import(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    m: Result<Multipart, MultipartRejection>,
) -> Result<Json<Vec<SheetPreview>>, ApiError> {
    import::may_import(&c)?;
    let m = m.map_err(|e| invalid("file", &e.body_text()))?;
    let up = read_upload(m).await?;
    Ok(Json(
        jobs::preview(&s.app, &c, &up.file_name, &up.bytes, up.kind).await?,
    ))
}

/// Start an import or its dry run.
///
/// `multipart/form-data` with `file`, optionally `kind`, `mapping` and `dry_run`. The file is
/// read and the mapping checked at once (422); the import then runs in the background as a job
/// that any server process may pick up: follow it with `getImportJob`. A dry run goes through
/// every rule in a transaction that is rolled back; an import commits only when no row has a
/// problem (all or nothing). The report lists every row's problem and the sheet's own conflicts.
#[utoipa::path(post, path = "/imports", operation_id = "startImport", tag = "imports",
    request_body(content = ImportForm, content_type = "multipart/form-data"),
    responses((status = 202, description = "The queued job", body = Job), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn start_import(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    m: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<Job>), ApiError> {
    import::may_import(&c)?;
    let m = m.map_err(|e| invalid("file", &e.body_text()))?;
    let up = read_upload(m).await?;
    let job = jobs::start(
        &s.app,
        &c,
        &up.file_name,
        &up.bytes,
        up.kind,
        &up.mappings,
        up.dry_run,
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(job)))
}

/// Get an import job.
///
/// Its status (`queued`, `running`, `done`, `failed`), progress (`phase`, `done_rows` of
/// `total_rows`) and, once done, the report: `applied`, rows and records created per kind,
/// `problems` (each with its sheet, row, column and message), `groups` (problems by sort) and
/// `conflicts` (what the sheet itself double-books or overfills).
#[utoipa::path(get, path = "/imports/{id}", operation_id = "getImportJob", tag = "imports", params(("id" = i64, Path)),
    responses((status = 200, description = "The job", body = Job), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_import_job(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<Job>, ApiError> {
    Ok(Json(jobs::get(&s.app, &c, id).await?))
}

pub(crate) fn xlsx_response(bytes: Vec<u8>) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"trainyard-export.xlsx\"",
            ),
        ],
        bytes,
    )
        .into_response()
}

/// Export everything as one workbook.
///
/// An XLSX workbook with one sheet per kind, in the import's layouts (its columns are the
/// import's fields), so it imports into an empty Trainyard to the same data. Finance columns
/// are empty for a caller without finance access.
#[utoipa::path(get, path = "/exports/workbook", operation_id = "exportWorkbook", tag = "imports",
    responses((status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>), (status = 403, body = Problem)))]
async fn export_workbook(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> Result<Response, ApiError> {
    let tables = import::export::export(&s.app, &c).await?;
    Ok(xlsx_response(import::export::to_xlsx(&tables)?))
}

/// Export one kind as CSV.
///
/// The kind's rows in the import's layout: courses, venues, rooms, clients, instructors,
/// learners, sessions (one row per part), assignments or enrollments.
#[utoipa::path(get, path = "/exports/{kind}", operation_id = "exportKind", tag = "imports", params(("kind" = Kind, Path)),
    responses((status = 200, description = "The CSV", content_type = "text/csv", body = String), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn export_kind(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Path(kind): Path<String>,
) -> Result<Response, ApiError> {
    import::may_import(&c)?;
    let kind = Kind::parse(&kind)
        .filter(|k| k.as_str() == kind)
        .ok_or(ApiError(AppError::NotFound("kind of export")))?;
    let tables = import::export::export(&s.app, &c).await?;
    let csv = tables
        .iter()
        .find(|t| t.kind == kind)
        .map(|t| t.to_csv())
        .transpose()?
        .unwrap_or_default();
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.csv\"", kind.as_str()),
            ),
        ],
        csv,
    )
        .into_response())
}
