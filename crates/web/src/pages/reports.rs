//! `/reports`: the operations KPIs of a period beside a comparison period, with filters in the
//! URL, tiles with trend arrows and definitions, SVG charts with their numbers, and links from
//! every tile, bar and cell to the list behind it. `?format=csv` downloads the same figures.

use crate::AppState;
use crate::auth::Viewer;
use crate::charts::{self, BarChart, HeatMap};
use crate::i18n::Tr;
use crate::pages::{Flash, error_page};
use crate::views::*;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use trainyard_app::catalog::courses;
use trainyard_app::people::{clients, instructors};
use trainyard_app::reporting::{self, Days, KpiReport, ReportQuery, Tile};
use trainyard_app::sites::venues;
use trainyard_core::TimeZoneName;
use trainyard_core::kpi::Kpi;
use trainyard_core::status::DeliveryMode;

pub fn routes() -> Router<AppState> {
    Router::new().route("/reports", get(page))
}

/// The period preset and the format, beside the report's own query.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct PageParams {
    /// `month`, `quarter`, `year` (the one containing today) or `custom` (from/until).
    period: String,
    format: String,
}

/// A KPI tile as the page shows it.
pub struct TileView {
    pub key: &'static str,
    pub title: &'static str,
    pub definition: &'static str,
    /// "72.5 %", "3.25", or "no data".
    pub value: String,
    pub has_data: bool,
    /// "12 of 40 seats" style detail under the figure.
    pub detail: String,
    pub comparison: String,
    /// "up", "down", "level" or "" (nothing to compare).
    pub trend: &'static str,
    pub trend_label: &'static str,
    /// "good", "bad" or "" (level or nothing to compare): the arrow's colour, as a rise is good
    /// news for some KPIs and bad for others.
    pub tone: &'static str,
    pub arrives_with: Option<&'static str>,
    pub href: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "reports.html")]
struct ReportsPage {
    chrome: Chrome,
    period_label: String,
    comparison_label: String,
    time_zone: String,
    filters: Vec<Filter>,
    tiles: Vec<TileView>,
    fill: Option<BarChart>,
    cancellations: Option<BarChart>,
    heat: Option<HeatMap>,
    csv_href: String,
    /// Shown above the tiles: how sessions are counted.
    note: &'static str,
    /// Said when the links cannot carry a filter (the sessions list has no instructor filter).
    caveat: Option<&'static str>,
    /// The profitability report of the period, for those who see finance figures.
    profitability_href: Option<String>,
    /// "Save this view": the report and the page's own query string.
    save_report: &'static str,
    save_query: String,
}

impl ReportsPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

fn unit(k: Kpi) -> &'static str {
    match k {
        Kpi::ClientSatisfaction => " / 5",
        _ if k.is_percentage() => " %",
        _ => "",
    }
}

/// The sessions list with the report's filters over `days`.
fn sessions_href(q: &ReportQuery, days: Days, status: &str) -> String {
    let id = |v: Option<i64>| v.map(|i| i.to_string()).unwrap_or_default();
    let (from, to) = (days.from.to_string(), days.until.to_string());
    QueryState(Vec::new()).with(
        "/sessions",
        &[
            ("from", from.as_str()),
            ("to", to.as_str()),
            ("client_id", &id(q.client_id)),
            ("course_id", &id(q.course_id)),
            ("venue_id", &id(q.venue_id)),
            ("mode", q.mode.trim()),
            ("status", status),
            ("sort", "starts"),
        ],
    )
}

/// The answered surveys behind the satisfaction tile, with the report's filters over `days`.
fn satisfaction_href(q: &ReportQuery, days: Days) -> String {
    let id = |v: Option<i64>| v.map(|i| i.to_string()).unwrap_or_default();
    let (from, until) = (days.from.to_string(), days.until.to_string());
    QueryState(Vec::new()).with(
        "/reports/satisfaction",
        &[
            ("from", from.as_str()),
            ("until", until.as_str()),
            ("client_id", &id(q.client_id)),
            ("course_id", &id(q.course_id)),
            ("instructor_id", &id(q.instructor_id)),
            ("venue_id", &id(q.venue_id)),
            ("mode", q.mode.trim()),
        ],
    )
}

fn detail(k: Kpi, t: &Tile, tr: &Tr) -> String {
    let Some(r) = t.figure else {
        return String::new();
    };
    let (n, d) = (r.numerator, r.denominator);
    let hours = |minutes: i64| format!("{:.1}", minutes as f64 / 60.0);
    match k {
        Kpi::FillRate => tr.t2("kpi-detail-seats", "n", n, "d", d),
        Kpi::InstructorUtilization if d == 0 => tr.t1("kpi-detail-hours-no-pattern", "n", hours(n)),
        Kpi::InstructorUtilization => tr.t2("kpi-detail-hours", "n", hours(n), "d", hours(d)),
        Kpi::OnTimeDelivery => tr.t2("kpi-detail-sessions-due", "n", n, "d", d),
        Kpi::CancellationRate => tr.t2("kpi-detail-sessions", "n", n, "d", d),
        Kpi::AdminActionsPerSession => tr.t2("kpi-detail-actions", "n", n, "d", d),
        Kpi::AdminMinutesPerSession => tr.t2("kpi-detail-minutes", "n", n, "d", d),
        Kpi::AttendanceRate | Kpi::CompletionRate => tr.t2("kpi-detail-learners", "n", n, "d", d),
        Kpi::CostPerLearner => tr.t1("kpi-detail-cost-per-learner", "d", d),
        Kpi::Profitability if n < 0 => tr.t("kpi-detail-loss").to_owned(),
        Kpi::Profitability => tr.t("kpi-detail-margin").to_owned(),
        Kpi::ClientSatisfaction => tr.t1("kpi-detail-ratings", "d", d),
    }
}

/// A KPI tile in the reader's language: the title, definition and words around the figures come
/// from the catalogue (`kpi-<key>`, `kpi-<key>-definition`, the key's `_` written `-`), English where a key is missing.
pub(crate) fn tile_view(t: &Tile, q: &ReportQuery, r: &KpiReport, tr: &Tr) -> TileView {
    let k = t.kpi;
    let (trend, trend_label) = match t.trend() {
        Some(std::cmp::Ordering::Greater) => ("up", tr.t("kpi-up-from")),
        Some(std::cmp::Ordering::Less) => ("down", tr.t("kpi-down-from")),
        Some(std::cmp::Ordering::Equal) => ("level", tr.t("kpi-level-with")),
        None => ("", ""),
    };
    let tone = match (trend, k.higher_is_better()) {
        ("up", true) | ("down", false) => "good",
        ("up", false) | ("down", true) => "bad",
        _ => "",
    };
    let comparison = match (&r.comparison, &t.comparison_value, t.arrives_with) {
        (_, _, Some(_)) | (None, _, _) => String::new(),
        (Some(c), Some(v), _) => tr.t2(
            "kpi-value-in",
            "value",
            format!("{v}{}", unit(k)),
            "period",
            format!("{} – {}", c.from, c.until),
        ),
        (Some(c), None, _) => tr.t1(
            "kpi-no-data-in",
            "period",
            format!("{} – {}", c.from, c.until),
        ),
    };
    let status = match k {
        Kpi::AdminActionsPerSession
        | Kpi::AdminMinutesPerSession
        | Kpi::AttendanceRate
        | Kpi::CompletionRate => "delivered",
        _ => "",
    };
    let href = match k {
        Kpi::InstructorUtilization => format!("/timeline?start={}", r.period.from),
        Kpi::CostPerLearner | Kpi::Profitability => format!(
            "/reports/profitability?from={}&until={}",
            r.period.from, r.period.until
        ),
        Kpi::ClientSatisfaction => satisfaction_href(q, r.period),
        _ => sessions_href(q, r.period, status),
    };
    TileView {
        key: k.key(),
        title: tr.t_or(&format!("kpi-{}", k.key().replace('_', "-")), t.title),
        definition: tr.t_or(
            &format!("kpi-{}-definition", k.key().replace('_', "-")),
            t.definition,
        ),
        has_data: t.value.is_some(),
        value: match (&t.value, t.arrives_with) {
            (_, Some(w)) => tr.t1("kpi-arrives-with", "part", w),
            (Some(v), None) => format!("{v}{}", unit(k)),
            (None, None) => tr.t("kpi-no-data").to_owned(),
        },
        detail: detail(k, t, tr),
        comparison,
        trend,
        trend_label,
        tone,
        arrives_with: t.arrives_with,
        href,
    }
}

fn charts_of(
    r: &KpiReport,
    q: &ReportQuery,
) -> (Option<BarChart>, Option<BarChart>, Option<HeatMap>) {
    let fill = (!r.fill_over_time.is_empty()).then(|| {
        charts::columns(
            crate::i18n::t("i18n-chart-fill"),
            r.fill_over_time
                .iter()
                .map(|b| {
                    let label = if b.days.from.format("%d").to_string() == "01"
                        && (b.days.until - b.days.from).num_days() > 7
                    {
                        b.days.from.format("%b").to_string()
                    } else {
                        b.days.from.format("%-d %b").to_string()
                    };
                    let value = b
                        .fill_rate
                        .percent()
                        .map(|p| {
                            format!(
                                "{p} % ({} of {} seats)",
                                b.fill_rate.numerator, b.fill_rate.denominator
                            )
                        })
                        .unwrap_or_else(|| "no data".into());
                    (
                        label,
                        b.fill_rate.value(),
                        value,
                        sessions_href(q, b.days, ""),
                    )
                })
                .collect(),
        )
    });
    let shows_cancellations = r.tiles.iter().any(|t| t.kpi == Kpi::CancellationRate);
    let cancellations = shows_cancellations.then(|| {
        charts::rows(
            "Sessions cancelled or postponed, by reason",
            r.cancellations_by_reason
                .iter()
                .map(|c| {
                    (
                        reporting::reason_label(c.reason).to_owned(),
                        c.sessions,
                        sessions_href(q, r.period, ""),
                    )
                })
                .collect(),
        )
    });
    let heat = (!r.utilization_by_week.is_empty()).then(|| {
        charts::heat_map(
            crate::i18n::t("i18n-chart-utilization"),
            r.utilization_by_week
                .iter()
                .map(|h| h.name.clone())
                .collect(),
            r.weeks
                .iter()
                .map(|w| w.from.format("%-d/%-m").to_string())
                .collect(),
            r.utilization_by_week
                .iter()
                .map(|h| {
                    h.weeks
                        .iter()
                        .zip(&r.weeks)
                        .map(|(u, w)| {
                            let value = match u.percent() {
                                Some(p) => format!(
                                    "{}, week of {}: {p} % ({:.1} of {:.1} hours)",
                                    h.name,
                                    w.from,
                                    u.numerator as f64 / 60.0,
                                    u.denominator as f64 / 60.0
                                ),
                                None => format!("{}, week of {}: no data", h.name, w.from),
                            };
                            let href = QueryState(Vec::new()).with(
                                "/timeline",
                                &[("start", &w.from.to_string()), ("q", &h.name)],
                            );
                            (u.value(), value, href)
                        })
                        .collect()
                })
                .collect(),
        )
    });
    (fill, cancellations, heat)
}

async fn page(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    Query(p): Query<PageParams>,
    Query(mut q): Query<ReportQuery>,
    uri: axum::http::Uri,
) -> Response {
    let save_query = crate::pages::report_views::query_of(&uri);
    let tz = TimeZoneName::parse_or_utc(&c.time_zone);
    let today = tz.local(trainyard_core::time::now_ms()).date_naive();
    if let Some(d) = Days::preset(p.period.trim(), today) {
        q.from = d.from.to_string();
        q.until = d.until.to_string();
    }
    let r = match reporting::kpis(&s.app, &c, &q).await {
        Ok(r) => r,
        Err(e) => return error_page(e, Some(&c)),
    };
    if p.format == "csv" {
        return crate::views::csv_download(
            &format!("kpis-{}-{}.csv", r.period.from, r.period.until),
            reporting::csv(&r),
        );
    }
    let id = |v: Option<i64>| v.map(|i| i.to_string()).unwrap_or_default();
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
            "compare",
            "Compare with",
            match q.compare.trim() {
                "" => "previous",
                other => other,
            },
            vec![
                ("previous".into(), "Previous period".into()),
                ("last_year".into(), "Same period last year".into()),
                ("none".into(), "Nothing".into()),
            ],
        ),
    ];
    // The "Any" the generic select adds means "previous" for the comparison: drop it.
    if let Some(f) = filters.iter_mut().find(|f| f.name == "compare") {
        f.options.retain(|o| !o.value.is_empty());
    }
    if let Some(f) = filters.iter_mut().find(|f| f.name == "period") {
        f.options.retain(|o| !o.value.is_empty());
    }
    if c.role.is_staff() {
        let instructor_choices = instructors::list(
            &s.app,
            &c,
            &trainyard_app::store::instructors::InstructorFilter {
                list: trainyard_app::store::ListParams {
                    per_page: 200,
                    ..Default::default()
                },
                ..Default::default()
            },
        )
        .await
        .map(|p| p.items.into_iter().map(|i| (i.id, i.name)).collect())
        .unwrap_or_default();
        filters.extend([
            Filter::select(
                "client_id",
                "Client",
                &id(q.client_id),
                id_choices(clients::options(&s.app, &c).await.unwrap_or_default()),
            ),
            Filter::select(
                "course_id",
                "Course",
                &id(q.course_id),
                id_choices(courses::options(&s.app, &c).await.unwrap_or_default()),
            ),
            Filter::select(
                "instructor_id",
                "Instructor",
                &id(q.instructor_id),
                id_choices(instructor_choices),
            ),
            Filter::select(
                "venue_id",
                "Venue",
                &id(q.venue_id),
                id_choices(venues::options(&s.app, &c).await.unwrap_or_default()),
            ),
            Filter::select(
                "mode",
                "Delivery",
                q.mode.trim(),
                enum_choices(DeliveryMode::ALL, |v| v.as_str(), |v| v.label()),
            ),
        ]);
    }
    let (fill, cancellations, heat) = charts_of(&r, &q);
    let csv_href = {
        let from = r.period.from.to_string();
        let until = r.period.until.to_string();
        let compare = q.compare.clone();
        QueryState(Vec::new()).with(
            "/reports",
            &[
                ("from", from.as_str()),
                ("until", until.as_str()),
                ("compare", compare.trim()),
                ("client_id", &id(q.client_id)),
                ("course_id", &id(q.course_id)),
                ("instructor_id", &id(q.instructor_id)),
                ("venue_id", &id(q.venue_id)),
                ("mode", q.mode.trim()),
                ("format", "csv"),
            ],
        )
    };
    let chrome = Chrome::new(&c, "reports", flash);
    let tiles = r
        .tiles
        .iter()
        .map(|t| tile_view(t, &q, &r, &chrome.tr))
        .collect();
    ReportsPage {
        chrome,
        period_label: format!("{} – {}", r.period.from, r.period.until),
        comparison_label: r
            .comparison
            .map(|d| format!("{} – {}", d.from, d.until))
            .unwrap_or_default(),
        time_zone: r.time_zone.clone(),
        filters,
        tiles,
        fill,
        cancellations,
        heat,
        csv_href,
        caveat: q.instructor_id.is_some().then_some(
            "The sessions list cannot filter by instructor yet: the links behind these figures list every instructor's sessions of the period and other filters.",
        ),
        note: "A session counts in the period in which it starts (in your time zone); utilization counts hours inside the period.",
        save_report: "kpis",
        save_query,
        profitability_href: c.sees_finance().then(|| {
            format!(
                "/reports/profitability?from={}&until={}",
                r.period.from, r.period.until
            )
        }),
    }
    .into_response()
}
