//! Home: the operations dashboard for staff; each portal's own page for everyone else. And search.

use crate::AppState;
use crate::auth::Viewer;
use crate::pages::{Flash, error_page};
use crate::views::*;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use trainyard_app::people::instructors;
use trainyard_app::portal::{self, Dashboard};
use trainyard_core::Role;
use trainyard_core::kpi::Kpi;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/search", get(search))
        .route("/portal/time-off", axum::routing::post(add_time_off))
        .route(
            "/portal/time-off/{id}",
            axum::routing::post(update_time_off),
        )
        .route(
            "/portal/time-off/{id}/remove",
            axum::routing::post(remove_time_off),
        )
        .route("/portal/assignments/{id}", get(assignment_link))
        .route(
            "/portal/assignments/{id}/decline",
            axum::routing::post(decline),
        )
}

pub struct StatusBar {
    pub label: String,
    pub key: String,
    pub count: i64,
    pub percent: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    fill_next: i64,
    fill_past: i64,
    booked_next: i64,
    capacity_next: i64,
    sessions_next_90: i64,
    bars: Vec<StatusBar>,
    attention: Vec<Row>,
    upcoming: Vec<Row>,
    /// This month's headline KPIs against last month, each linking to what is behind it.
    kpis: Vec<super::reports::TileView>,
}

/// One page with a titled table, used by the portals and search.
#[derive(Template, WebTemplate)]
#[template(path = "portal.html")]
struct PortalPage {
    chrome: Chrome,
    title: String,
    intro: String,
    sections: Vec<Section>,
}

impl DashboardPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}
impl PortalPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

async fn home(State(s): State<AppState>, Viewer(c): Viewer, Flash(flash): Flash) -> Response {
    let viewer = viewer_tz(&c);
    match c.role {
        r if r.is_staff() => {
            let d = match portal::dashboard(&s.app, &c).await {
                Ok(d) => d,
                Err(e) => return error_page(e, Some(&c)),
            };
            let tr = crate::i18n::Tr::for_caller(&c);
            let month = trainyard_app::reporting::ReportQuery::default();
            let kpis = match trainyard_app::reporting::kpis(&s.app, &c, &month).await {
                Ok(r) => r
                    .tiles
                    .iter()
                    .filter(|t| {
                        matches!(
                            t.kpi,
                            Kpi::FillRate
                                | Kpi::InstructorUtilization
                                | Kpi::OnTimeDelivery
                                | Kpi::CancellationRate
                        )
                    })
                    .map(|t| super::reports::tile_view(t, &month, &r, &tr))
                    .collect(),
                Err(e) => return error_page(e, Some(&c)),
            };
            // Instructors whose qualification runs out before a confirmed session they teach.
            let expiring = trainyard_app::certificates::qualification_alerts(&s.app, &c)
                .await
                .unwrap_or_default();
            // Budgets over their alert threshold (finance, managers and admins; empty otherwise).
            let budget_alerts = trainyard_app::budgets::alerts(&s.app, &c)
                .await
                .unwrap_or_default();
            let tr = crate::i18n::Tr::for_caller(&c);
            let total: i64 = d.by_status_next_90_days.iter().map(|(_, n)| n).sum();
            let max = d
                .by_status_next_90_days
                .iter()
                .map(|(_, n)| *n)
                .max()
                .unwrap_or(1)
                .max(1);
            DashboardPage {
                chrome: Chrome::new(&c, "home", flash),
                fill_next: Dashboard::fill_percent(d.booked_next_30_days, d.capacity_next_30_days),
                fill_past: Dashboard::fill_percent(d.booked_last_90_days, d.capacity_last_90_days),
                booked_next: d.booked_next_30_days,
                capacity_next: d.capacity_next_30_days,
                sessions_next_90: total,
                bars: d
                    .by_status_next_90_days
                    .iter()
                    .map(|(st, n)| StatusBar {
                        label: trainyard_core::status::SessionStatus::parse(st)
                            .map(|s| tr.t_or(&format!("status-{}", s.as_str()), s.label()))
                            .unwrap_or("?")
                            .to_owned(),
                        key: st.clone(),
                        count: *n,
                        percent: n * 100 / max,
                    })
                    .collect(),
                attention: d
                    .attention
                    .iter()
                    .map(|a| Row {
                        href: format!("/sessions/{}", a.id),
                        cells: vec![
                            Cell::text(&a.reference),
                            Cell::text(&a.course_title),
                            Cell::text(when(a.starts_at, &a.time_zone, &viewer)),
                            Cell::text(match (a.staffed, a.booked_count < a.min_learners) {
                                (false, true) => tr.t2(
                                    "attention-unstaffed-underfilled",
                                    "booked",
                                    a.booked_count,
                                    "minimum",
                                    a.min_learners,
                                ),
                                (false, false) => tr.t("attention-unstaffed").to_owned(),
                                _ => tr.t2(
                                    "attention-underfilled",
                                    "booked",
                                    a.booked_count,
                                    "minimum",
                                    a.min_learners,
                                ),
                            }),
                        ],
                    })
                    .chain(d.on_time_off.iter().map(|o| Row {
                        href: format!("/sessions/{}", o.session_id),
                        cells: vec![
                            Cell::text(&o.reference),
                            Cell::text(&o.course_title),
                            Cell::text(when(o.starts_at, &o.time_zone, &viewer)),
                            Cell::text(tr.t2(
                                "attention-time-off",
                                "instructor",
                                &o.instructor_name,
                                "reason",
                                o.reason.to_lowercase(),
                            )),
                        ],
                    }))
                    .chain(expiring.iter().map(|q| Row {
                        href: format!("/sessions/{}", q.session_id),
                        cells: vec![
                            Cell::text(&q.session_reference),
                            Cell::text(&q.course_title),
                            Cell::text(viewer.display(q.starts_at)),
                            Cell::text(tr.t2(
                                "attention-qualification-expires",
                                "instructor",
                                &q.instructor_name,
                                "until",
                                tr.locale().date(viewer.local(q.expires_at - 1).date_naive()),
                            )),
                        ],
                    }))
                    .chain(budget_alerts.iter().map(|b| Row {
                        href: format!("/budgets/{}", b.budget.id),
                        cells: vec![
                            Cell::text(&b.budget.name),
                            Cell::text(&b.budget.target_name),
                            Cell::text(format!("{} – {}", b.budget.from_month, b.budget.to_month)),
                            Cell::text(tr.t2(
                                "dashboard-budget-over",
                                "used",
                                b.figures.exposure,
                                "budget",
                                b.figures.budget,
                            )),
                        ],
                    }))
                    .collect(),
                upcoming: d
                    .upcoming
                    .iter()
                    .map(|x| Row {
                        href: format!("/sessions/{}", x.id),
                        cells: vec![
                            Cell::text(&x.reference),
                            Cell::text(&x.course_title),
                            Cell::text(when(x.starts_at, &x.time_zone, &viewer)),
                            Cell::badge(
                                tr.t_or(&format!("status-{}", x.status.as_str()), x.status.label()),
                                x.status.as_str(),
                            ),
                            Cell::num(format!("{}/{}", x.booked_count, x.capacity)),
                        ],
                    })
                    .collect(),
                kpis,
            }
            .into_response()
        }
        Role::Instructor => my_schedule(&s, &c, flash, None).await,
        Role::Learner => {
            super::catalog::learner_portal(&s, &c, flash, None, axum::http::StatusCode::OK).await
        }
        // Client contacts: the client portal.
        _ => super::client_portal::home(&s, &c, flash).await,
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct SearchQuery {
    q: String,
}

/// One search box for sessions, courses, instructors, clients, programs and learners.
async fn search(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Query(q): Query<SearchQuery>,
) -> Response {
    if let Err(e) = c.require_staff("search the whole operation") {
        return error_page(e, Some(&c));
    }
    let mut list = trainyard_app::store::ListParams {
        q: q.q.clone(),
        per_page: 8,
        ..Default::default()
    };
    list.q = q.q.trim().to_owned();
    let mut sections = Vec::new();
    if !list.q.is_empty() {
        use super::record::search_section;
        sections.extend(search_section::<super::sessions::Sessions>(&s, &c, &list).await);
        sections.extend(search_section::<super::courses::Courses>(&s, &c, &list).await);
        sections.extend(search_section::<super::instructors::Instructors>(&s, &c, &list).await);
        sections.extend(search_section::<super::clients::Clients>(&s, &c, &list).await);
        sections.extend(search_section::<super::programs::Programs>(&s, &c, &list).await);
        sections.extend(search_section::<super::learners::Learners>(&s, &c, &list).await);
    }
    PortalPage {
        chrome: Chrome::new(&c, "", None),
        title: if q.q.trim().is_empty() { "Search".into() } else { format!("Results for “{}”", q.q.trim()) },
        intro: "Search by session reference, course code or title, names, e-mail addresses, client codes and program names.".into(),
        sections,
    }
    .into_response()
}

/// One assignment as the instructor's portal shows it.
struct ScheduleRow {
    id: i64,
    session_id: i64,
    confirmed: bool,
    version: i64,
    reference: String,
    course: String,
    /// One line per day, in the instructor's zone.
    days: Vec<String>,
    /// Venue name and address, or "Online".
    place: String,
    joining_url: String,
    joining_notes: String,
    status: &'static str,
    status_key: &'static str,
    requested: bool,
    decline_reason: Option<String>,
    /// Names (and attendance status) once confirmed.
    learners: Option<Vec<String>>,
}

/// "Sun 20 Dec 2026, 09:00–17:00 CET"; a day that runs past midnight names both dates.
fn day_line(tz: &trainyard_core::TimeZoneName, d: &portal::WorkDay) -> String {
    let (a, b) = (tz.local(d.starts_at), tz.local(d.ends_at));
    if a.date_naive() == b.date_naive() {
        format!(
            "{}, {}–{} {}",
            a.format("%a %-d %b %Y"),
            a.format("%H:%M"),
            b.format("%H:%M"),
            b.format("%Z")
        )
    } else {
        format!("{} – {}", d.starts_local, d.ends_local)
    }
}

/// One recorded unavailability: id, first and last day (YYYY-MM-DD, inclusive), reason.
struct TimeOffRow {
    id: i64,
    from: String,
    until: String,
    reason: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "my_schedule.html")]
struct MySchedulePage {
    chrome: Chrome,
    name: String,
    instructor_id: i64,
    time_zone: String,
    rows: Vec<ScheduleRow>,
    time_off: Vec<TimeOffRow>,
    /// A refusal of the time-off form, shown by it, with what was typed.
    error: Option<String>,
    typed: TimeOffForm,
    /// A refused decline: the assignment and why.
    decline_error: Option<(i64, String)>,
}

impl MySchedulePage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

/// What a refused form leaves for the page to show again.
#[derive(Default)]
struct Refusal {
    time_off: Option<(String, TimeOffForm)>,
    decline: Option<(i64, String)>,
}

async fn my_schedule(
    s: &AppState,
    c: &trainyard_app::Caller,
    flash: Option<String>,
    error: Option<String>,
) -> Response {
    let refusal = Refusal {
        time_off: error.map(|e| (e, TimeOffForm::default())),
        decline: None,
    };
    schedule_page(s, c, flash, refusal).await
}

async fn schedule_page(
    s: &AppState,
    c: &trainyard_app::Caller,
    flash: Option<String>,
    refusal: Refusal,
) -> Response {
    let viewer = viewer_tz(c);
    let mine = match portal::my_work(&s.app, c).await {
        Ok(m) => m,
        Err(e) => return error_page(e, Some(c)),
    };
    let instructor_id = c.instructor_id.unwrap_or_default();
    let time_off = instructors::time_off(&s.app, c, instructor_id)
        .await
        .unwrap_or_default();
    let (error, typed) = match refusal.time_off {
        Some((e, f)) => (Some(e), f),
        None => (None, TimeOffForm::default()),
    };
    use trainyard_core::status::AssignmentStatus;
    MySchedulePage {
        chrome: Chrome::new(c, "home", flash),
        name: c.name.clone(),
        instructor_id,
        time_zone: viewer.as_str().to_owned(),
        rows: mine
            .into_iter()
            .map(|a| ScheduleRow {
                id: a.id,
                session_id: a.session_id,
                confirmed: a.status == AssignmentStatus::Confirmed,
                version: a.version,
                reference: a.reference,
                course: a.course_title,
                days: a.days.iter().map(|d| day_line(&viewer, d)).collect(),
                place: match &a.venue {
                    Some(v) => [v.name.as_str(), v.address.as_str(), v.city.as_str()]
                        .iter()
                        .filter(|x| !x.trim().is_empty())
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", "),
                    None => "Online".into(),
                },
                joining_url: a.joining_url,
                joining_notes: a.joining_notes,
                status: a.status.label(),
                status_key: a.status.as_str(),
                requested: a.status == AssignmentStatus::Requested,
                decline_reason: a.decline_reason,
                learners: a.learners.map(|ls| {
                    ls.into_iter()
                        .map(|l| {
                            if l.status == "booked" {
                                l.name
                            } else {
                                format!("{} ({})", l.name, l.status.replace('_', "-"))
                            }
                        })
                        .collect()
                }),
            })
            .collect(),
        time_off: time_off
            .iter()
            .map(|t| TimeOffRow {
                id: t.id,
                from: viewer.local(t.starts_at).format("%Y-%m-%d").to_string(),
                until: viewer.local(t.ends_at - 1).format("%Y-%m-%d").to_string(),
                reason: t.reason.clone(),
            })
            .collect(),
        error,
        typed,
        decline_error: refusal.decline,
    }
    .into_response()
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct TimeOffForm {
    from: String,
    until: String,
    reason: String,
}

/// The instructor's own record, or why they have none.
fn own_instructor(c: &trainyard_app::Caller) -> Result<i64, trainyard_app::AppError> {
    c.instructor_id.ok_or_else(|| {
        trainyard_app::AppError::Forbidden(
            "record unavailability without an instructor profile".into(),
        )
    })
}

async fn add_time_off(
    State(s): State<AppState>,
    crate::pages::Submit { caller: c, form: f }: crate::pages::Submit<TimeOffForm>,
) -> Response {
    let id = match own_instructor(&c) {
        Ok(id) => id,
        Err(e) => return error_page(e, Some(&c)),
    };
    match instructors::add_time_off(&s.app, &c, id, &f.from, &f.until, &f.reason).await {
        Ok(_) => crate::pages::saved("/", "Unavailability recorded."),
        Err(e) => {
            let refusal = Refusal {
                time_off: Some((crate::error_page::said(&e), f)),
                decline: None,
            };
            schedule_page(&s, &c, None, refusal).await
        }
    }
}

async fn update_time_off(
    State(s): State<AppState>,
    Path(tid): Path<i64>,
    crate::pages::Submit { caller: c, form: f }: crate::pages::Submit<TimeOffForm>,
) -> Response {
    let id = match own_instructor(&c) {
        Ok(id) => id,
        Err(e) => return error_page(e, Some(&c)),
    };
    match instructors::update_time_off(&s.app, &c, id, tid, &f.from, &f.until, &f.reason).await {
        Ok(_) => crate::pages::saved("/#time-off", "Unavailability changed."),
        Err(e) => {
            let refusal = Refusal {
                time_off: Some((crate::error_page::said(&e), f)),
                decline: None,
            };
            schedule_page(&s, &c, None, refusal).await
        }
    }
}

async fn remove_time_off(
    State(s): State<AppState>,
    Path(tid): Path<i64>,
    crate::pages::Submit { caller: c, .. }: crate::pages::Submit<crate::pages::VersionForm>,
) -> Response {
    let id = match own_instructor(&c) {
        Ok(id) => id,
        Err(e) => return error_page(e, Some(&c)),
    };
    match trainyard_app::credentials::remove_time_off(&s.app, &c, id, tid).await {
        Ok(()) => crate::pages::saved("/#time-off", "Unavailability removed."),
        Err(e) => error_page(e, Some(&c)),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct DeclineForm {
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    version: i64,
    reason: String,
}

/// Declining from the portal: the reason is asked for, and a refusal is shown by the form.
async fn decline(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    crate::pages::Submit { caller: c, form: f }: crate::pages::Submit<DeclineForm>,
) -> Response {
    use trainyard_core::status::AssignmentEvent;
    match trainyard_app::staffing::act(
        &s.app,
        &c,
        id,
        f.version,
        AssignmentEvent::Decline,
        Some(&f.reason),
    )
    .await
    {
        Ok(_) => crate::pages::saved(
            "/",
            "Assignment declined; the coordinator sees your reason.",
        ),
        Err(e @ (trainyard_app::AppError::Invalid(_) | trainyard_app::AppError::Stale(_))) => {
            let message = match &e {
                trainyard_app::AppError::Invalid(inv) => inv
                    .errors
                    .iter()
                    .map(|x| x.message.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
                other => other.to_string(),
            };
            let refusal = Refusal {
                time_off: None,
                decline: Some((id, message)),
            };
            let mut r = schedule_page(&s, &c, None, refusal).await;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            r
        }
        Err(e) => error_page(e, Some(&c)),
    }
}

/// The link in an instructor's e-mails: their portal, at that assignment.
async fn assignment_link(Viewer(c): Viewer, Path(id): Path<i64>) -> Response {
    if c.role != Role::Instructor {
        return error_page(
            trainyard_app::AppError::NotFound("the assignment"),
            Some(&c),
        );
    }
    axum::response::Redirect::to(&format!("/#assignment-{id}")).into_response()
}
