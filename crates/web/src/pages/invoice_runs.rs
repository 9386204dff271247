//! Issuing a month's invoices from the Invoices area: a form to start the run, and the runs with
//! their progress (htmx polls a small fragment while one is running).

use crate::AppState;
use crate::auth::Viewer;
use crate::pages::{Flash, Submit, error_page, saved};
use crate::views::*;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Months;
use trainyard_app::invoice_runs::{self as uc, Run};
use trainyard_app::{AppError, Caller, invoicing};
use trainyard_core::TimeZoneName;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/invoices/runs", get(page).post(start))
        .route("/invoices/runs/{id}/progress", get(progress))
}

/// A run as the page shows it.
pub struct RunView {
    pub id: i64,
    pub month: String,
    pub status: String,
    pub running: bool,
    pub done: i64,
    pub total: i64,
    pub issued: i64,
    pub refused: i64,
    pub message: String,
    pub started: String,
}

fn view(r: &Run, viewer: &TimeZoneName) -> RunView {
    RunView {
        id: r.id,
        month: r.month.clone(),
        status: r.status.clone(),
        running: r.status == "running",
        done: r.clients_done,
        total: r.clients_total,
        issued: r.issued,
        refused: r.refused,
        message: r.message.clone().unwrap_or_default(),
        started: when(r.created_at, viewer.as_str(), viewer),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "invoice_runs.html")]
struct RunsPage {
    chrome: Chrome,
    runs: Vec<RunView>,
    month: String,
    error: Option<String>,
}

impl RunsPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

/// Last month, the one usually billed.
fn last_month(c: &Caller) -> String {
    let today = invoicing::today(c);
    today
        .checked_sub_months(Months::new(1))
        .unwrap_or(today)
        .format("%Y-%m")
        .to_string()
}

async fn render(
    s: &AppState,
    c: &Caller,
    flash: Option<String>,
    month: String,
    error: Option<String>,
) -> Response {
    let runs = match uc::recent(&s.app, c).await {
        Ok(r) => r,
        Err(e) => return error_page(e, Some(c)),
    };
    let viewer = TimeZoneName::parse_or_utc(&c.time_zone);
    RunsPage {
        chrome: Chrome::new(c, "invoices", flash),
        runs: runs.iter().map(|r| view(r, &viewer)).collect(),
        month,
        error,
    }
    .into_response()
}

async fn page(State(s): State<AppState>, Viewer(c): Viewer, Flash(flash): Flash) -> Response {
    let month = last_month(&c);
    render(&s, &c, flash, month, None).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct StartForm {
    month: String,
}

async fn start(
    State(s): State<AppState>,
    Submit { caller: c, form }: Submit<StartForm>,
) -> Response {
    match uc::start(&s.app, &c, &form.month).await {
        Ok(run) => saved(
            "/invoices/runs",
            &format!(
                "Issuing {}'s invoices: {} client(s) to bill.",
                run.month, run.clients_total
            ),
        ),
        Err(e @ (AppError::Refused(_) | AppError::Invalid(_))) => {
            let status = match e {
                AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::CONFLICT,
            };
            let page = render(&s, &c, None, form.month, Some(crate::error_page::said(&e))).await;
            (status, page).into_response()
        }
        Err(e) => error_page(e, Some(&c)),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "invoice_run_progress.html")]
struct ProgressFragment {
    run: RunView,
}

/// The progress fragment htmx polls; once the run is over it asks the page to reload.
async fn progress(State(s): State<AppState>, Viewer(c): Viewer, Path(id): Path<i64>) -> Response {
    let run = match uc::get(&s.app, &c, id).await {
        Ok(r) => r,
        Err(e) => return error_page(e, Some(&c)),
    };
    let run = view(&run, &TimeZoneName::parse_or_utc(&c.time_zone));
    let done = !run.running;
    let mut res = ProgressFragment { run }.into_response();
    if done {
        res.headers_mut()
            .insert("HX-Refresh", HeaderValue::from_static("true"));
    }
    res
}
