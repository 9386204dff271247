//! `/reports/morning` (the morning lists) and `/reports/views` (saved report views: open, rename,
//! delete, schedule). "Save this view" on every report page posts here.

use super::{FormPage, Submit, error_page, form_refused, saved};
use crate::AppState;
use crate::auth::Viewer;
use crate::pages::Flash;
use crate::views::*;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use trainyard_app::Caller;
use trainyard_app::catalog::courses;
use trainyard_app::morning::{self, MorningLists, MorningQuery};
use trainyard_app::people::{clients, instructors};
use trainyard_app::report_views::{self as uc, ViewFields};
use trainyard_app::sites::venues;
use trainyard_app::store::report_views::{ReportSchedule, ReportView};
use trainyard_core::TimeZoneName;
use trainyard_core::morning::{LoadStanding, SessionProblem};
use trainyard_core::report_view::ScheduleFields;
use trainyard_core::status::DeliveryMode;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports/morning", get(morning_page))
        .route("/reports/views", get(views_page).post(create))
        .route("/reports/views/{id}", post(update))
        .route("/reports/views/{id}/edit", get(edit))
        .route("/reports/views/{id}/delete", post(delete))
        .route(
            "/reports/views/{id}/schedules",
            get(new_schedule).post(create_schedule),
        )
        .route(
            "/reports/views/{id}/schedules/{schedule_id}/delete",
            post(delete_schedule),
        )
}

const AREA: &str = "reports";

// ------------------------------------------------------------------ the morning lists

pub struct ProblemBadge {
    pub key: &'static str,
    pub label: &'static str,
}

pub struct SessionLine {
    pub href: String,
    pub reference: String,
    pub starts: String,
    pub course: String,
    pub client: Option<(String, String)>,
    pub seats: String,
    pub problems: Vec<ProblemBadge>,
}

pub struct InstructorLine {
    pub href: String,
    pub name: String,
    pub utilization: String,
    pub teaching: String,
    pub available: String,
    pub standing: &'static str,
    pub standing_key: &'static str,
}

pub struct ClientLine {
    pub href: String,
    pub name: String,
    pub sessions: i64,
    pub staff_actions: i64,
    pub logged_minutes: i64,
    pub effort_minutes: i64,
    pub revenue: String,
    pub per_thousand: String,
    pub overall: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "morning.html")]
struct MorningPage {
    chrome: Chrome,
    ahead: String,
    back: String,
    time_zone: String,
    band: String,
    filters: Vec<Filter>,
    sessions: Vec<SessionLine>,
    instructors: Vec<InstructorLine>,
    clients: Option<Vec<ClientLine>>,
    csv_href: String,
    starts_sort_href: String,
    problems_sort_href: String,
    sort: String,
    save_report: &'static str,
    save_query: String,
}

impl MorningPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

fn hours(minutes: i64) -> String {
    format!("{:.1}", minutes as f64 / 60.0)
}

/// The page's query string without the format, for CSV links and saved views.
pub(crate) fn query_of(uri: &axum::http::Uri) -> String {
    let raw = uri.query().unwrap_or("");
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw).unwrap_or_default();
    serde_urlencoded::to_string(
        pairs
            .into_iter()
            .filter(|(k, v)| !v.is_empty() && k != "format")
            .collect::<Vec<_>>(),
    )
    .unwrap_or_default()
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct FormatParam {
    format: String,
}

async fn morning_page(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    Query(f): Query<FormatParam>,
    Query(q): Query<MorningQuery>,
    uri: axum::http::Uri,
) -> Response {
    let tz = TimeZoneName::parse_or_utc(&c.time_zone);
    let today = tz.local(trainyard_core::time::now_ms()).date_naive();
    let m: MorningLists = match morning::morning_lists(&s.app, &c, today, &q).await {
        Ok(m) => m,
        Err(e) => return error_page(e, Some(&c)),
    };
    if f.format == "csv" {
        return crate::views::csv_download(&format!("morning-{today}.csv"), morning::csv(&m));
    }
    let chrome = Chrome::new(&c, AREA, flash);
    let tr = chrome.tr;
    let query = query_of(&uri);
    let qs = QueryState::from_uri(&uri);
    let id = |v: Option<i64>| v.map(|i| i.to_string()).unwrap_or_default();
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
    let filters = vec![
        Filter::select(
            "problem",
            tr.t("morning-problem"),
            q.problem.trim(),
            SessionProblem::ALL
                .iter()
                .map(|p| (p.as_str().to_owned(), problem_label(&tr, *p).to_owned()))
                .collect(),
        ),
        Filter::select(
            "client_id",
            tr.t("morning-client"),
            &id(q.client_id),
            id_choices(clients::options(&s.app, &c).await.unwrap_or_default()),
        ),
        Filter::select(
            "course_id",
            tr.t("morning-course"),
            &id(q.course_id),
            id_choices(courses::options(&s.app, &c).await.unwrap_or_default()),
        ),
        Filter::select(
            "instructor_id",
            tr.t("morning-instructor"),
            &id(q.instructor_id),
            id_choices(instructor_choices),
        ),
        Filter::select(
            "venue_id",
            tr.t("morning-venue"),
            &id(q.venue_id),
            id_choices(venues::options(&s.app, &c).await.unwrap_or_default()),
        ),
        Filter::select(
            "mode",
            tr.t("morning-mode"),
            q.mode.trim(),
            enum_choices(DeliveryMode::ALL, |v| v.as_str(), |v| v.label()),
        ),
    ];
    let sessions = m
        .sessions
        .iter()
        .map(|x| SessionLine {
            href: format!("/sessions/{}", x.session_id),
            reference: x.reference.clone(),
            starts: when_short(x.starts_at, &x.time_zone, &tz),
            course: x.course_title.clone(),
            client: x
                .client_id
                .zip(x.client_name.clone())
                .map(|(id, name)| (format!("/clients/{id}"), name)),
            seats: format!("{} / {}", x.booked, x.min_learners),
            problems: x
                .problems
                .iter()
                .map(|p| ProblemBadge {
                    key: p.as_str(),
                    label: problem_label(&tr, *p),
                })
                .collect(),
        })
        .collect();
    let instructors = m
        .instructors
        .iter()
        .map(|i| InstructorLine {
            href: format!("/instructors/{}", i.instructor_id),
            name: i.name.clone(),
            utilization: i
                .utilization_percent
                .as_ref()
                .map(|p| format!("{p} %"))
                .unwrap_or_else(|| tr.t("morning-no-hours").to_owned()),
            teaching: hours(i.teaching_minutes),
            available: hours(i.available_minutes),
            standing: match i.standing {
                LoadStanding::Over => tr.t("morning-over"),
                LoadStanding::Under => tr.t("morning-under"),
            },
            standing_key: match i.standing {
                LoadStanding::Over => "failed",
                LoadStanding::Under => "tentative",
            },
        })
        .collect();
    let clients = m.clients.as_ref().map(|list| {
        list.iter()
            .map(|x| ClientLine {
                href: format!("/clients/{}", x.client_id),
                name: x.name.clone(),
                sessions: x.sessions,
                staff_actions: x.staff_actions,
                logged_minutes: x.logged_minutes,
                effort_minutes: x.effort_minutes,
                revenue: x.revenue.to_string(),
                per_thousand: x.minutes_per_thousand.clone().unwrap_or_else(|| "–".into()),
                overall: x
                    .overall_minutes_per_thousand
                    .clone()
                    .unwrap_or_else(|| "–".into()),
            })
            .collect()
    });
    let sort = q.sort.trim().to_owned();
    MorningPage {
        ahead: format!("{} – {}", m.ahead.from, m.ahead.until),
        back: format!("{} – {}", m.back.from, m.back.until),
        time_zone: m.time_zone.clone(),
        band: format!("{} % – {} %", m.band.low, m.band.high),
        filters,
        sessions,
        instructors,
        clients,
        csv_href: qs.with("/reports/morning", &[("format", "csv")]),
        starts_sort_href: qs.with(
            "/reports/morning",
            &[(
                "sort",
                if sort.is_empty() || sort == "starts" {
                    "-starts"
                } else {
                    "starts"
                },
            )],
        ),
        problems_sort_href: qs.with("/reports/morning", &[("sort", "problems")]),
        sort,
        save_report: "morning",
        save_query: query,
        chrome,
    }
    .into_response()
}

fn problem_label(tr: &crate::i18n::Tr, p: SessionProblem) -> &'static str {
    tr.t(match p {
        SessionProblem::UnconfirmedInstructor => "morning-unconfirmed-instructor",
        SessionProblem::NoRoom => "morning-no-room",
        SessionProblem::BelowMinimum => "morning-below-minimum",
        SessionProblem::JoiningNotSent => "morning-joining-not-sent",
        SessionProblem::InstructorOnTimeOff => "morning-instructor-on-time-off",
        SessionProblem::OverdueCompliance => "morning-overdue-compliance",
    })
}

// ------------------------------------------------------------------ saved views

pub struct ViewLine {
    pub id: i64,
    pub href: String,
    pub name: String,
    pub report: &'static str,
    pub owner: String,
    pub shared: bool,
    pub editable: bool,
    pub schedules: Vec<ScheduleLine>,
}

pub struct ScheduleLine {
    pub id: i64,
    pub summary: String,
    pub next_run: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "report_views.html")]
struct ViewsPage {
    chrome: Chrome,
    views: Vec<ViewLine>,
}

impl ViewsPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

fn schedule_line(s: &ReportSchedule, viewer: &TimeZoneName) -> ScheduleLine {
    let when = match s.cadence {
        trainyard_core::report_view::Cadence::Weekly => {
            let days = [
                "Monday",
                "Tuesday",
                "Wednesday",
                "Thursday",
                "Friday",
                "Saturday",
                "Sunday",
            ];
            format!(
                "weekly on {}",
                days.get(usize::try_from(s.day - 1).unwrap_or(0))
                    .copied()
                    .unwrap_or("")
            )
        }
        trainyard_core::report_view::Cadence::Monthly => format!("monthly on day {}", s.day),
    };
    ScheduleLine {
        id: s.id,
        summary: format!(
            "{when} at {} ({}) to {}",
            s.time_of_day,
            s.time_zone,
            s.recipients.join(", ")
        ),
        next_run: when_short(s.next_run_at, viewer.as_str(), viewer),
    }
}

fn may_edit(c: &Caller, v: &ReportView) -> bool {
    v.owner_user_id == c.user_id || c.role.can_administer()
}

async fn views_page(State(s): State<AppState>, Viewer(c): Viewer, Flash(flash): Flash) -> Response {
    let views = match uc::list_views(&s.app, &c).await {
        Ok(v) => v,
        Err(e) => return error_page(e, Some(&c)),
    };
    let tz = viewer_tz(&c);
    let mut lines = Vec::new();
    for v in views {
        let schedules = if c.role.is_staff() {
            uc::list_schedules(&s.app, &c, v.id)
                .await
                .unwrap_or_default()
                .iter()
                .map(|x| schedule_line(x, &tz))
                .collect()
        } else {
            Vec::new()
        };
        lines.push(ViewLine {
            id: v.id,
            href: uc::href(&v),
            report: kind_label(v.report),
            owner: v.owner_name.clone(),
            shared: v.shared,
            editable: may_edit(&c, &v),
            name: v.name,
            schedules,
        });
    }
    ViewsPage {
        chrome: Chrome::new(&c, AREA, flash),
        views: lines,
    }
    .into_response()
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ViewForm {
    name: String,
    report: String,
    query: String,
    #[serde(deserialize_with = "trainyard_app::store::row::flag")]
    shared: bool,
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    version: i64,
}

impl ViewForm {
    fn fields(&self) -> ViewFields {
        ViewFields {
            name: self.name.clone(),
            report: self.report.clone(),
            query: self.query.clone(),
            shared: self.shared,
        }
    }
}

fn view_form(tr: &crate::i18n::Tr, f: &ViewForm, editing: Option<&ReportView>) -> FormView {
    FormView {
        title: match editing {
            Some(v) => format!("{} {}", tr.t("views-edit"), v.name),
            None => tr.t("views-save").to_owned(),
        },
        action: match editing {
            Some(v) => format!("/reports/views/{}", v.id),
            None => "/reports/views".into(),
        },
        submit: tr.t("views-save-submit").to_owned(),
        cancel_href: "/reports/views".into(),
        version: editing.map(|_| f.version),
        fields: vec![
            Field::new("name", tr.t("views-name"), "text", &f.name).required(),
            Field::new("report", tr.t("views-report"), "select", &f.report).choices(
                trainyard_core::report_view::ReportKind::ALL
                    .iter()
                    .map(|k| (k.as_str().to_owned(), kind_label(*k).to_owned()))
                    .collect(),
                None,
            ),
            Field::new("query", tr.t("views-filters"), "text", &f.query),
            Field::new(
                "shared",
                tr.t("views-shared"),
                "checkbox",
                if f.shared { "true" } else { "" },
            ),
        ],
        problems: Vec::new(),
    }
}

async fn create(
    State(s): State<AppState>,
    Submit { caller: c, form: f }: Submit<ViewForm>,
) -> Response {
    let chrome = Chrome::new(&c, AREA, None);
    match uc::create_view(&s.app, &c, &f.fields()).await {
        Ok(v) => saved("/reports/views", &format!("“{}” saved.", v.name)),
        Err(e) => {
            let view = view_form(&chrome.tr, &f, None);
            form_refused(chrome, view, e, &c)
        }
    }
}

async fn edit(State(s): State<AppState>, Viewer(c): Viewer, Path(id): Path<i64>) -> Response {
    match uc::get_view(&s.app, &c, id).await {
        Ok(v) => {
            let chrome = Chrome::new(&c, AREA, None);
            let f = ViewForm {
                name: v.name.clone(),
                report: v.report.as_str().to_owned(),
                query: v.query.clone(),
                shared: v.shared,
                version: v.version,
            };
            let view = view_form(&chrome.tr, &f, Some(&v));
            FormPage { chrome, view }.into_response()
        }
        Err(e) => error_page(e, Some(&c)),
    }
}

async fn update(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form: f }: Submit<ViewForm>,
) -> Response {
    match uc::update_view(&s.app, &c, id, f.version, &f.fields()).await {
        Ok(v) => saved("/reports/views", &format!("“{}” saved.", v.name)),
        Err(e) => match uc::get_view(&s.app, &c, id).await {
            Ok(current) => {
                let chrome = Chrome::new(&c, AREA, None);
                let view = view_form(&chrome.tr, &f, Some(&current));
                form_refused(chrome, view, e, &c)
            }
            Err(other) => error_page(other, Some(&c)),
        },
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct Nothing {}

async fn delete(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, .. }: Submit<Nothing>,
) -> Response {
    match uc::delete_view(&s.app, &c, id).await {
        Ok(()) => saved("/reports/views", "View deleted."),
        Err(e) => error_page(e, Some(&c)),
    }
}

fn schedule_form(tr: &crate::i18n::Tr, v: &ReportView, f: &ScheduleFields) -> FormView {
    FormView {
        title: format!("{} {}", tr.t("views-schedule"), v.name),
        action: format!("/reports/views/{}/schedules", v.id),
        submit: tr.t("views-schedule-submit").to_owned(),
        cancel_href: "/reports/views".into(),
        version: None,
        fields: vec![
            Field::new("cadence", tr.t("views-cadence"), "select", &f.cadence).choices(
                vec![
                    ("weekly".into(), tr.t("views-weekly").into()),
                    ("monthly".into(), tr.t("views-monthly").into()),
                ],
                None,
            ),
            Field::new("day", tr.t("views-day"), "number", &f.day)
                .required()
                .help(tr.t("views-day-help")),
            Field::new("time_of_day", tr.t("views-time"), "text", &f.time_of_day)
                .required()
                .help(tr.t("views-time-help")),
            Field::new("time_zone", tr.t("views-time-zone"), "text", &f.time_zone).required(),
            Field::new(
                "recipients",
                tr.t("views-recipients"),
                "textarea",
                &f.recipients,
            )
            .required()
            .help(tr.t("views-recipients-help")),
        ],
        problems: Vec::new(),
    }
}

async fn new_schedule(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Path(id): Path<i64>,
) -> Response {
    match uc::get_view(&s.app, &c, id).await {
        Ok(v) => {
            let chrome = Chrome::new(&c, AREA, None);
            let f = ScheduleFields {
                cadence: "weekly".into(),
                day: "1".into(),
                time_of_day: "07:30".into(),
                time_zone: c.time_zone.clone(),
                recipients: c.email.clone(),
            };
            let view = schedule_form(&chrome.tr, &v, &f);
            FormPage { chrome, view }.into_response()
        }
        Err(e) => error_page(e, Some(&c)),
    }
}

async fn create_schedule(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form: f }: Submit<ScheduleFields>,
) -> Response {
    match uc::create_schedule(&s.app, &c, id, &f).await {
        Ok(_) => saved("/reports/views", "Schedule saved."),
        Err(e) => match uc::get_view(&s.app, &c, id).await {
            Ok(v) => {
                let chrome = Chrome::new(&c, AREA, None);
                let view = schedule_form(&chrome.tr, &v, &f);
                form_refused(chrome, view, e, &c)
            }
            Err(other) => error_page(other, Some(&c)),
        },
    }
}

async fn delete_schedule(
    State(s): State<AppState>,
    Path((id, schedule_id)): Path<(i64, i64)>,
    Submit { caller: c, .. }: Submit<Nothing>,
) -> Response {
    match uc::delete_schedule(&s.app, &c, id, schedule_id).await {
        Ok(()) => saved("/reports/views", "Schedule deleted."),
        Err(e) => error_page(e, Some(&c)),
    }
}

/// A report's name in the reader's words.
fn kind_label(k: trainyard_core::report_view::ReportKind) -> &'static str {
    use trainyard_core::report_view::ReportKind;
    let key = match k {
        ReportKind::Kpis => "morning-kpis",
        ReportKind::Morning => "morning-title",
        ReportKind::Profitability => "i18n-report-profitability",
    };
    crate::i18n::t(key)
}
