//! The Learning Record Store in the admin area (issue 18 §4): its settings (the secret is
//! written, never shown), the statement log, the courses' e-learning prerequisites and the
//! history of the settings; and the readiness check behind a session's button.

use super::{Submit, error_page, saved};
use crate::AppState;
use crate::auth::Viewer;
use crate::i18n::Tr;
use crate::pages::Flash;
use crate::views::*;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use trainyard_app::store::webhooks::DeliveryFilter;
use trainyard_app::store::xapi::{CoursePrerequisites, Lrs};
use trainyard_app::xapi as uc;
use trainyard_app::{AppError, Caller, history};
use trainyard_core::xapi::LrsFields;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/lrs", get(page).post(save))
        .route("/admin/lrs/prerequisites", post(save_prerequisites))
        .route("/sessions/{id}/readiness-check", post(check_readiness))
}

const AREA: &str = "lrs";

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct LrsForm {
    url: String,
    key: String,
    secret: String,
    #[serde(deserialize_with = "trainyard_app::store::row::flag")]
    enabled: bool,
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    version: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "lrs.html")]
struct LrsPage {
    chrome: Chrome,
    lrs: Option<Lrs>,
    status: Option<Cell>,
    form_url: String,
    form_key: String,
    form_enabled: bool,
    version: i64,
    problems: Vec<String>,
    filters: Vec<Filter>,
    rows: Vec<Row>,
    total: i64,
    page: i64,
    pages: i64,
    prev_href: Option<String>,
    next_href: Option<String>,
    courses: Vec<CoursePrerequisites>,
    course_options: Vec<(i64, String)>,
    history: Vec<HistoryEntry>,
}

impl LrsPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }

    fn column_label(&self, i: usize) -> &'static str {
        LOG_KEYS
            .get(i)
            .map(|k| self.chrome.tr.t(k))
            .unwrap_or_default()
    }
}

const LOG_KEYS: [&str; 6] = [
    "lrs-col-statement",
    "lrs-col-verb",
    "lrs-col-created",
    "lrs-col-state",
    "lrs-col-attempts",
    "lrs-col-error",
];

fn state_cell(tr: &Tr, l: &Lrs) -> Cell {
    if l.enabled {
        Cell::badge(tr.t("lrs-state-on"), "confirmed")
    } else if l.disabled_reason.is_some() {
        Cell::badge(tr.t("lrs-state-failed"), "failed")
    } else {
        Cell::badge(tr.t("lrs-state-off"), "cancelled")
    }
}

fn require_admin(c: &Caller) -> Result<(), AppError> {
    c.require(
        c.role.can_administer(),
        "configure the Learning Record Store",
    )
}

async fn render(
    s: &AppState,
    c: &Caller,
    flash: Option<String>,
    uri: Option<&Uri>,
    typed: Option<(&LrsForm, Vec<String>)>,
) -> Result<LrsPage, AppError> {
    require_admin(c)?;
    let tr = Tr::for_caller(c);
    let lrs = uc::get_lrs(&s.app, c).await?;
    let qs = uri.map_or_else(|| QueryState(Vec::new()), QueryState::from_uri);
    let viewer = viewer_tz(c);
    let (mut rows, mut total, mut page, mut pages) = (Vec::new(), 0, 1, 1);
    let (mut prev_href, mut next_href) = (None, None);
    if lrs.is_some() {
        let filter = DeliveryFilter {
            status: qs.get("status").to_owned(),
            event_type: qs.get("verb").to_owned(),
            page: qs.get("page").parse().unwrap_or(1),
            per_page: 50,
        };
        let log = uc::list_statements(&s.app, c, &filter).await?;
        pages = log.pages();
        page = log.page;
        total = log.total;
        let page_href = |p: i64| {
            let mut q = vec![("page".to_owned(), p.to_string())];
            for k in ["status", "verb"] {
                if !qs.get(k).is_empty() {
                    q.push((k.to_owned(), qs.get(k).to_owned()));
                }
            }
            format!(
                "/admin/lrs?{}#statements",
                serde_urlencoded::to_string(&q).unwrap_or_default()
            )
        };
        prev_href = (log.page > 1).then(|| page_href(log.page - 1));
        next_href = (log.page < pages).then(|| page_href(log.page + 1));
        rows = log
            .items
            .iter()
            .map(|d| Row {
                href: String::new(),
                cells: vec![
                    Cell::text(&d.message_id),
                    Cell::text(&d.event_type),
                    Cell::when(viewer.display(d.created_at)),
                    match d.status.as_str() {
                        "delivered" => Cell::badge(tr.t("lrs-stored"), "delivered"),
                        "failed" => Cell::badge(tr.t("lrs-given-up"), "failed"),
                        _ if d.attempts > 0 => Cell::badge(tr.t("lrs-retrying"), "tentative"),
                        _ => Cell::badge(tr.t("lrs-waiting"), "tentative"),
                    },
                    Cell::num(d.attempts),
                    Cell::text(d.last_error.clone().unwrap_or_default()),
                ],
            })
            .collect();
    }
    let filters = vec![
        Filter::select(
            "status",
            tr.t("lrs-col-state"),
            qs.get("status"),
            vec![
                ("pending".into(), tr.t("lrs-waiting").into()),
                ("delivered".into(), tr.t("lrs-stored").into()),
                ("failed".into(), tr.t("lrs-given-up").into()),
            ],
        ),
        Filter::select(
            "verb",
            tr.t("lrs-col-verb"),
            qs.get("verb"),
            ["attended", "completed", "passed", "failed"]
                .iter()
                .map(|v| ((*v).to_owned(), (*v).to_owned()))
                .collect(),
        ),
    ];
    let courses = uc::all_prerequisites(&s.app, c).await?;
    let course_options = trainyard_app::catalog::courses::options(&s.app, c)
        .await
        .unwrap_or_default();
    let history = match &lrs {
        Some(l) => history::of_record(&s.app, c, "lrs", l.id)
            .await
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let (form_url, form_key, form_enabled, version, problems) = match (typed, &lrs) {
        (Some((f, problems)), _) => (f.url.clone(), f.key.clone(), f.enabled, f.version, problems),
        (None, Some(l)) => (
            l.url.clone(),
            l.key.clone(),
            l.enabled,
            l.version,
            Vec::new(),
        ),
        (None, None) => (String::new(), String::new(), true, 0, Vec::new()),
    };
    Ok(LrsPage {
        chrome: Chrome::new(c, AREA, flash),
        status: lrs.as_ref().map(|l| state_cell(&tr, l)),
        lrs,
        form_url,
        form_key,
        form_enabled,
        version,
        problems,
        filters,
        rows,
        total,
        page,
        pages,
        prev_href,
        next_href,
        courses,
        course_options,
        history: crate::views::history(history, &viewer),
    })
}

async fn page(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    uri: Uri,
) -> Response {
    match render(&s, &c, flash, Some(&uri), None).await {
        Ok(p) => p.into_response(),
        Err(e) => error_page(e, Some(&c)),
    }
}

async fn save(
    State(s): State<AppState>,
    Submit { caller: c, form: f }: Submit<LrsForm>,
) -> Response {
    let fields = LrsFields {
        url: f.url.clone(),
        key: f.key.clone(),
        secret: f.secret.clone(),
        enabled: f.enabled,
    };
    let version = (f.version > 0).then_some(f.version);
    let tr = Tr::for_caller(&c);
    let (status, problems) = match uc::save_lrs(&s.app, &c, version, &fields).await {
        Ok(_) => return saved("/admin/lrs", tr.t("lrs-saved")),
        Err(AppError::Invalid(inv)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            inv.errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect(),
        ),
        Err(AppError::Stale(_)) => (StatusCode::CONFLICT, vec![tr.t("lrs-stale").to_owned()]),
        Err(e) => return error_page(e, Some(&c)),
    };
    match render(&s, &c, None, None, Some((&f, problems))).await {
        Ok(p) => (status, p).into_response(),
        Err(e) => error_page(e, Some(&c)),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct PrerequisitesForm {
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    course_id: i64,
    activity_ids: String,
}

async fn save_prerequisites(
    State(s): State<AppState>,
    Submit { caller: c, form: f }: Submit<PrerequisitesForm>,
) -> Response {
    match uc::set_prerequisites(&s.app, &c, f.course_id, &f.activity_ids).await {
        Ok(_) => saved(
            "/admin/lrs#prerequisites",
            Tr::for_caller(&c).t("lrs-prerequisites-saved"),
        ),
        Err(e) => error_page(e, Some(&c)),
    }
}

async fn check_readiness(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, .. }: Submit<crate::pages::VersionForm>,
) -> Response {
    let tr = Tr::for_caller(&c);
    match uc::check_readiness(&s.app, &c, id).await {
        Ok(r) => saved(
            &format!("/sessions/{id}?tab=enrollments#readiness"),
            &tr.args(
                "lrs-readiness-checked",
                &[
                    ("ready", r.ready.len().to_string()),
                    ("checked", r.checked.to_string()),
                ],
            ),
        ),
        Err(AppError::Refused(why)) => saved(
            &format!("/sessions/{id}?tab=enrollments#readiness"),
            &crate::i18n::Tr::for_caller(&c).refusal(&why),
        ),
        Err(e) => error_page(e, Some(&c)),
    }
}
