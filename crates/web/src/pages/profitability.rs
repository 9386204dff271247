//! `/reports/profitability`: revenue recognised on delivery minus cost, rolled up by one dimension
//! chosen in the URL, loss-making rows first, each row drilling down to its sessions (and each
//! session to its Finance tab), with an SVG bar chart of margin and a CSV download. And
//! `/costs/import`: actual costs from CSV, checked in a dry run before anything changes.

use crate::AppState;
use crate::auth::Viewer;
use crate::charts::{self, SignedChart};
use crate::pages::{Flash, Submit, error_page};
use crate::views::*;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use trainyard_app::costs::{self, ImportReport, ProfitLine, ProfitQuery, ProfitabilityReport};
use trainyard_app::reporting::Days;
use trainyard_app::{AppError, Caller};
use trainyard_core::TimeZoneName;
use trainyard_core::costs::Dimension;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports/profitability", get(page))
        .route("/costs/import", get(import_form).post(import))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct PageParams {
    /// `month`, `quarter`, `year` (containing today) or `custom`.
    period: String,
    format: String,
}

/// A row as the table shows it.
pub struct RowView {
    pub label: String,
    pub href: String,
    pub sessions: i64,
    pub learners: i64,
    pub revenue: String,
    pub cost: String,
    pub margin: String,
    pub margin_percent: String,
    pub cost_per_learner: String,
    pub loss: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "profitability.html")]
struct ProfitPage {
    chrome: Chrome,
    period_label: String,
    time_zone: String,
    by_label: &'static str,
    filters: Vec<Filter>,
    within: Option<(String, String)>,
    /// The drill-down kept when the filters change.
    within_raw: String,
    rows: Vec<RowView>,
    totals: Vec<RowView>,
    chart: Option<SignedChart>,
    csv_href: String,
    /// "Save this view": the report and the page's own query string.
    save_report: &'static str,
    save_query: String,
}

impl ProfitPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

fn href(r: &ProfitabilityReport, by: &str, within: &str) -> String {
    let (from, until) = (r.period.from.to_string(), r.period.until.to_string());
    QueryState(Vec::new()).with(
        "/reports/profitability",
        &[
            ("from", from.as_str()),
            ("until", until.as_str()),
            ("by", by),
            ("within", within),
        ],
    )
}

fn view(r: &ProfitabilityReport, l: &ProfitLine, total: bool) -> RowView {
    let href = if total {
        String::new()
    } else if r.by == Dimension::Session {
        format!("/sessions/{}?tab=finance", l.key)
    } else {
        href(r, "session", &format!("{}:{}", r.by.as_str(), l.key))
    };
    RowView {
        label: l.label.clone(),
        href,
        sessions: l.sessions,
        learners: l.learners,
        revenue: l.revenue.to_string(),
        cost: l.cost.to_string(),
        margin: l.margin.to_string(),
        margin_percent: l
            .margin_percent
            .as_deref()
            .map_or("no revenue".into(), |p| format!("{p} %")),
        cost_per_learner: l
            .cost_per_learner
            .map_or("no learners".into(), |m| m.to_string()),
        loss: l.loss_making,
    }
}

async fn page(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    Query(p): Query<PageParams>,
    Query(mut q): Query<ProfitQuery>,
    uri: axum::http::Uri,
) -> Response {
    let save_query = crate::pages::report_views::query_of(&uri);
    let tz = TimeZoneName::parse_or_utc(&c.time_zone);
    let today = tz.local(trainyard_core::time::now_ms()).date_naive();
    if let Some(d) = Days::preset(p.period.trim(), today) {
        q.from = d.from.to_string();
        q.until = d.until.to_string();
    }
    let r = match costs::profitability(&s.app, &c, &q).await {
        Ok(r) => r,
        Err(e) => return error_page(e, Some(&c)),
    };
    if p.format == "csv" {
        return crate::views::csv_download(
            &format!(
                "profitability-{}-{}-{}.csv",
                r.by.as_str(),
                r.period.from,
                r.period.until
            ),
            costs::profitability_csv(&r),
        );
    }
    let preset = match p.period.trim() {
        "" if q.from.is_empty() && q.until.is_empty() => "month",
        "" => "custom",
        other => other,
    };
    let mut filters = vec![
        Filter::select(
            "period",
            "Period",
            preset,
            vec![
                ("month".into(), "This month".into()),
                ("quarter".into(), "This quarter".into()),
                ("year".into(), "This year".into()),
                ("custom".into(), "From – until".into()),
            ],
        ),
        Filter::date("from", "From", &r.period.from.to_string()),
        Filter::date("until", "Until", &r.period.until.to_string()),
        Filter::select(
            "by",
            "By",
            r.by.as_str(),
            Dimension::ALL
                .iter()
                .map(|d| (d.as_str().to_owned(), d.label().to_owned()))
                .collect(),
        ),
    ];
    for f in filters.iter_mut() {
        if f.name == "period" || f.name == "by" {
            f.options.retain(|o| !o.value.is_empty());
        }
    }
    let rows: Vec<RowView> = r.rows.iter().map(|l| view(&r, l, false)).collect();
    let chart = (!r.rows.is_empty()).then(|| {
        charts::signed_rows(
            &format!("Margin by {}", r.by.label().to_lowercase()),
            r.rows
                .iter()
                .zip(&rows)
                .take(30)
                .map(|(l, v)| {
                    (
                        l.label.clone(),
                        l.margin.minor,
                        l.margin.to_string(),
                        v.href.clone(),
                    )
                })
                .collect(),
        )
    });
    let within = r.within.as_ref().map(|w| {
        let (d, key) = w.split_once(':').unwrap_or((w.as_str(), ""));
        let name = Dimension::parse(d).map(|d| d.label()).unwrap_or("Group");
        let label = format!(
            "{name}: {}",
            r.within_label.clone().unwrap_or_else(|| key.to_owned())
        );
        (label, href(&r, d, ""))
    });
    let csv_href = {
        let within = r.within.clone().unwrap_or_default();
        let (from, until) = (r.period.from.to_string(), r.period.until.to_string());
        QueryState(Vec::new()).with(
            "/reports/profitability",
            &[
                ("from", from.as_str()),
                ("until", until.as_str()),
                ("by", r.by.as_str()),
                ("within", within.as_str()),
                ("format", "csv"),
            ],
        )
    };
    ProfitPage {
        save_report: "profitability",
        save_query,
        chrome: Chrome::new(&c, "reports", flash),
        period_label: format!("{} – {}", r.period.from, r.period.until),
        time_zone: r.time_zone.clone(),
        by_label: r.by.label(),
        filters,
        within,
        within_raw: r.within.clone().unwrap_or_default(),
        totals: r.totals.iter().map(|l| view(&r, l, true)).collect(),
        rows,
        chart,
        csv_href,
    }
    .into_response()
}

// ------------------------------------------------------------------ CSV import

#[derive(Template, WebTemplate)]
#[template(path = "cost_import.html")]
struct ImportPage {
    chrome: Chrome,
    csv: String,
    report: Option<ImportReport>,
    /// What happened, in words, above the table.
    outcome: String,
    error: Option<String>,
}

impl ImportPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

fn may_import(c: &Caller) -> Result<(), AppError> {
    c.require(c.sees_finance(), "import actual costs")
}

async fn import_form(Viewer(c): Viewer, Flash(flash): Flash) -> Response {
    if let Err(e) = may_import(&c) {
        return error_page(e, Some(&c));
    }
    ImportPage {
        chrome: Chrome::new(&c, "reports", flash),
        csv: "session reference,kind,description,amount,currency\n".into(),
        report: None,
        outcome: String::new(),
        error: None,
    }
    .into_response()
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ImportForm {
    csv: String,
    /// `check` (a dry run) or `import`.
    action: String,
}

async fn import(
    State(s): State<AppState>,
    Submit { caller: c, form }: Submit<ImportForm>,
) -> Response {
    if let Err(e) = may_import(&c) {
        return error_page(e, Some(&c));
    }
    let apply = form.action == "import";
    // Always check first: the page shows every row's problem; only a clean file is applied.
    let checked = costs::import_actuals(&s.app, &c, &form.csv, true).await;
    let page = |report: Option<ImportReport>, outcome: String, error: Option<String>| {
        let status = if error.is_some() {
            axum::http::StatusCode::UNPROCESSABLE_ENTITY
        } else {
            axum::http::StatusCode::OK
        };
        (
            status,
            ImportPage {
                chrome: Chrome::new(&c, "reports", None),
                csv: form.csv.clone(),
                report,
                outcome,
                error,
            },
        )
            .into_response()
    };
    match checked {
        Err(AppError::Invalid(inv)) => page(
            None,
            String::new(),
            Some(
                inv.errors
                    .iter()
                    .map(|e| in_words(&e.field, &e.message))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
        ),
        Err(e) => error_page(e, Some(&c)),
        Ok(r) if r.problems > 0 => {
            let n = r.problems;
            page(
                Some(r),
                String::new(),
                Some(format!(
                    "Nothing was imported: {n} row{} {} a problem, marked below. Correct the file and check it again.",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "has" } else { "have" }
                )),
            )
        }
        Ok(r) if !apply => {
            let n = r.rows.len();
            page(
                Some(r),
                format!(
                    "Checked: all {n} row{} can be imported. Nothing has changed yet.",
                    if n == 1 { "" } else { "s" }
                ),
                None,
            )
        }
        Ok(_) => match costs::import_actuals(&s.app, &c, &form.csv, false).await {
            Ok(r) => crate::pages::saved(
                "/costs/import",
                &format!(
                    "Imported {} actual cost{}.",
                    r.applied,
                    if r.applied == 1 { "" } else { "s" }
                ),
            ),
            Err(AppError::Invalid(inv)) => page(
                None,
                String::new(),
                Some(
                    inv.errors
                        .iter()
                        .map(|e| in_words(&e.field, &e.message))
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
            ),
            Err(e) => error_page(e, Some(&c)),
        },
    }
}
