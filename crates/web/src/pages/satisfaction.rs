//! `/reports/satisfaction`: the client satisfaction tile's drill-down, the sessions of the
//! report's period and filters whose feedback surveys someone answered, each with its operations
//! ratings and a link to its feedback; the total row is the tile's figure.

use crate::AppState;
use crate::auth::Viewer;
use crate::pages::{Flash, error_page};
use crate::views::*;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use trainyard_app::reporting::ReportQuery;
use trainyard_app::satisfaction::{self, SatisfactionList};
use trainyard_core::TimeZoneName;

pub fn routes() -> Router<AppState> {
    Router::new().route("/reports/satisfaction", get(page))
}

pub struct Line {
    pub href: String,
    pub feedback_href: String,
    pub reference: String,
    pub starts: String,
    pub course: String,
    pub client: String,
    pub answered: String,
    pub ratings: i64,
    pub average: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "satisfaction.html")]
struct SatisfactionPage {
    chrome: Chrome,
    period: String,
    time_zone: String,
    average: String,
    ratings: i64,
    lines: Vec<Line>,
    truncated: bool,
    back_href: String,
}

impl SatisfactionPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

async fn page(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    Query(q): Query<ReportQuery>,
    uri: axum::http::Uri,
) -> Response {
    let list: SatisfactionList = match satisfaction::answered(&s.app, &c, &q).await {
        Ok(l) => l,
        Err(e) => return error_page(e, Some(&c)),
    };
    let chrome = Chrome::new(&c, "reports", flash);
    let tr = chrome.tr;
    let tz = TimeZoneName::parse_or_utc(&list.time_zone);
    let no_data = tr.t("kpi-no-data");
    let lines = list
        .sessions
        .iter()
        .map(|x| Line {
            href: format!("/sessions/{}", x.session_id),
            feedback_href: format!("/sessions/{}/feedback", x.session_id),
            reference: x.reference.clone(),
            starts: when_short(x.starts_at, &x.time_zone, &tz),
            course: x.course_title.clone(),
            client: x.client_name.clone().unwrap_or_default(),
            answered: format!("{} / {}", x.answered, x.invited),
            ratings: x.ratings.denominator,
            average: x.average.clone().unwrap_or_else(|| no_data.to_owned()),
        })
        .collect();
    let back_query = crate::pages::report_views::query_of(&uri);
    SatisfactionPage {
        period: format!("{} – {}", list.period.from, list.period.until),
        time_zone: list.time_zone.clone(),
        average: list.average.clone().unwrap_or_else(|| no_data.to_owned()),
        ratings: list.total.denominator,
        lines,
        truncated: list.truncated,
        back_href: if back_query.is_empty() {
            "/reports".to_owned()
        } else {
            format!("/reports?{back_query}")
        },
        chrome,
    }
    .into_response()
}
