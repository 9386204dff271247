//! Spreadsheet onboarding in the UI (`/admin/import`): upload a CSV or XLSX file, map its
//! columns (remembered per kind, guessed from the headers), check it in a dry run, import it —
//! each as a background job whose progress htmx polls — and download the export.

use crate::AppState;
use crate::api::imports::{read_upload, xlsx_response};
use crate::auth::Viewer;
use crate::pages::{Flash, Submit, error_page, saved};
use crate::views::*;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::collections::BTreeMap;
use trainyard_app::import::jobs::{self, SheetPreview};
use trainyard_app::import::{self, Kind, Mapping};
use trainyard_app::store::import::Job;
use trainyard_app::{AppError, Caller};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/import", get(page).post(upload))
        .route("/admin/import/{id}", get(job_page).post(queue))
        .route("/admin/import/{id}/progress", get(progress))
        .route("/admin/export", get(export))
}

/// A job as the page shows it.
pub struct JobView {
    pub id: i64,
    pub file_name: String,
    pub status: String,
    /// The catalogue key of the status's words.
    pub status_key: String,
    pub busy: bool,
    pub dry_run: bool,
    pub phase: String,
    pub done: i64,
    pub total: i64,
    pub error: String,
    pub summary: String,
    pub applied: bool,
    /// (kind, problem group, count, example)
    pub groups: Vec<(String, String, usize, String)>,
    /// (kind, sheet, row text)
    pub problems: Vec<(String, String, String)>,
    pub more_problems: usize,
    pub conflicts: Vec<String>,
    pub created: Vec<(String, u64)>,
}

fn view(j: &Job) -> JobView {
    let report = j.report.clone().unwrap_or_default();
    let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    let problems: Vec<(String, String, String)> = report["problems"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| {
                    let column = p["column"].as_str();
                    let text = match column {
                        Some(c) => format!("row {}, column '{c}': {}", p["row"], s(&p["message"])),
                        None => format!("row {}: {}", p["row"], s(&p["message"])),
                    };
                    (s(&p["kind"]), s(&p["sheet"]), text)
                })
                .collect()
        })
        .unwrap_or_default();
    let shown = 500;
    JobView {
        id: j.id,
        file_name: j.file_name.clone(),
        status: j.status.clone(),
        status_key: format!("import-status-{}", j.status),
        busy: matches!(j.status.as_str(), "queued" | "running"),
        dry_run: j.dry_run,
        phase: j.phase.clone(),
        done: j.done_rows,
        total: j.total_rows,
        error: j.error.clone().unwrap_or_default(),
        summary: String::new(),
        applied: report["applied"].as_bool().unwrap_or(false),
        groups: report["groups"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|g| {
                        (
                            s(&g["kind"]),
                            s(&g["group"]),
                            g["count"].as_u64().unwrap_or(0) as usize,
                            s(&g["example"]),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        more_problems: problems.len().saturating_sub(shown),
        problems: problems.into_iter().take(shown).collect(),
        conflicts: report["conflicts"]
            .as_array()
            .map(|a| a.iter().map(|c| s(&c["message"])).collect())
            .unwrap_or_default(),
        created: report["created"]
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0)))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "import.html")]
struct UploadPage {
    chrome: Chrome,
    kinds: Vec<&'static str>,
    error: Option<String>,
}

impl UploadPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

fn upload_page(c: &Caller, flash: Option<String>, error: Option<String>) -> Response {
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = UploadPage {
        chrome: Chrome::new(c, "import", flash),
        kinds: Kind::ALL.iter().map(|k| k.as_str()).collect(),
        error,
    };
    (status, page).into_response()
}

async fn page(Viewer(c): Viewer, Flash(flash): Flash) -> Response {
    if let Err(e) = import::may_import(&c) {
        return error_page(e, Some(&c));
    }
    upload_page(&c, flash, None)
}

/// The upload: multipart, with the CSRF token as one of its fields.
async fn upload(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    m: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    if let Err(e) = import::may_import(&c) {
        return error_page(e, Some(&c));
    }
    let tr = crate::i18n::Tr::for_caller(&c);
    let Ok(m) = m else {
        return upload_page(&c, None, Some(tr.t("import-choose-file").into()));
    };
    let up = match read_upload(m).await {
        Ok(u) => u,
        Err(e) => return upload_page(&c, None, Some(e.0.to_string())),
    };
    if c.csrf_token.as_deref() != Some(up.csrf.as_str()) {
        return error_page(
            AppError::Forbidden(
                "submit this form: it expired or came from elsewhere. Reload the page and try again"
                    .into(),
            ),
            Some(&c),
        );
    }
    match jobs::upload(&s.app, &c, &up.file_name, &up.bytes, up.kind).await {
        Ok(job) => saved(
            &format!("/admin/import/{}", job.id),
            tr.t("import-uploaded"),
        ),
        Err(e @ AppError::Invalid(_)) => upload_page(&c, None, Some(crate::error_page::said(&e))),
        Err(e) => error_page(e, Some(&c)),
    }
}

/// One field's row in the mapping step.
pub struct FieldRow {
    pub field: String,
    pub required: bool,
    pub chosen: String,
}

pub struct SheetView {
    pub name: String,
    pub kind: String,
    pub rows: usize,
    pub headers: Vec<String>,
    pub fields: Vec<FieldRow>,
}

fn sheet_view(p: &SheetPreview) -> SheetView {
    SheetView {
        name: p.name.clone(),
        kind: p.kind.as_str().to_owned(),
        rows: p.rows,
        headers: p.header.clone(),
        fields: p
            .fields
            .iter()
            .map(|f| FieldRow {
                field: f.field.clone(),
                required: f.required,
                chosen: p.mapping.get(&f.field).cloned().unwrap_or_default(),
            })
            .collect(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "import_job.html")]
struct JobPage {
    chrome: Chrome,
    job: JobView,
    sheets: Vec<SheetView>,
    error: Option<String>,
}

impl JobPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

async fn render_job(
    s: &AppState,
    c: &Caller,
    id: i64,
    flash: Option<String>,
    error: Option<String>,
) -> Response {
    let job = match jobs::get(&s.app, c, id).await {
        Ok(j) => j,
        Err(e) => return error_page(e, Some(c)),
    };
    let sheets = match jobs::job_sheets(&s.app, c, id).await {
        Ok(p) => p,
        Err(e) => return error_page(e, Some(c)),
    };
    let mut job_view = view(&job);
    let tr = crate::i18n::Tr::for_caller(c);
    job_view.summary = match (
        job.status.as_str(),
        job_view.applied,
        job_view.problems.is_empty(),
    ) {
        ("done", true, _) => tr.t("import-applied").to_owned(),
        ("done", false, true) if job.dry_run => tr.t("import-dry-run-clean").to_owned(),
        ("done", false, _) => tr.t("import-not-applied").to_owned(),
        _ => String::new(),
    };
    JobPage {
        chrome: Chrome::new(c, "import", flash),
        job: job_view,
        sheets: sheets.iter().map(sheet_view).collect(),
        error,
    }
    .into_response()
}

async fn job_page(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    Path(id): Path<i64>,
) -> Response {
    render_job(&s, &c, id, flash, None).await
}

/// The mapping step's answer: `map.<kind>.<field>` = header, and `action` (check or import).
async fn queue(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form }: Submit<Vec<(String, String)>>,
) -> Response {
    let mut mappings: BTreeMap<Kind, Mapping> = BTreeMap::new();
    let mut dry_run = true;
    for (name, value) in &form {
        if name == "action" {
            dry_run = value != "import";
        }
        if let Some(rest) = name.strip_prefix("map.")
            && let Some((kind, field)) = rest.split_once('.')
            && let Some(kind) = Kind::parse(kind)
        {
            let m = mappings.entry(kind).or_default();
            if !value.trim().is_empty() {
                m.insert(field.to_owned(), value.clone());
            }
        }
    }
    let tr = crate::i18n::Tr::for_caller(&c);
    match jobs::queue(&s.app, &c, id, &mappings, dry_run).await {
        Ok(_) => saved(
            &format!("/admin/import/{id}"),
            tr.t(if dry_run {
                "import-checking"
            } else {
                "import-importing"
            }),
        ),
        Err(e @ (AppError::Invalid(_) | AppError::Refused(_))) => {
            let page = render_job(&s, &c, id, None, Some(crate::error_page::said(&e))).await;
            (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
        }
        Err(e) => error_page(e, Some(&c)),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "import_progress.html")]
struct ProgressFragment {
    job: JobView,
    tr: crate::i18n::Tr,
}

/// The progress fragment htmx polls; once the job is over it asks the page to reload.
async fn progress(State(s): State<AppState>, Viewer(c): Viewer, Path(id): Path<i64>) -> Response {
    let job = match jobs::get(&s.app, &c, id).await {
        Ok(j) => j,
        Err(e) => return error_page(e, Some(&c)),
    };
    let job = view(&job);
    let over = !job.busy;
    let mut res = ProgressFragment {
        job,
        tr: crate::i18n::Tr::for_caller(&c),
    }
    .into_response();
    if over {
        res.headers_mut()
            .insert("HX-Refresh", HeaderValue::from_static("true"));
    }
    res
}

async fn export(State(s): State<AppState>, Viewer(c): Viewer) -> Response {
    let tables = match import::export::export(&s.app, &c).await {
        Ok(t) => t,
        Err(e) => return error_page(e, Some(&c)),
    };
    match import::export::to_xlsx(&tables) {
        Ok(bytes) => xlsx_response(bytes),
        Err(e) => error_page(e, Some(&c)),
    }
}
