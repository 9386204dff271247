//! The Plan page: choose draft sessions (program, period, one by one), run the planner, watch its
//! progress (htmx polls a small fragment), see the proposal on an instructor × day grid with its
//! cost breakdown and the sessions it could not place, and accept all or some of it. Repairs (an
//! instructor drops out, a room closes) start here too and show on the same run page.

use std::collections::BTreeMap;

use crate::AppState;
use crate::auth::Viewer;
use crate::pages::{Flash, Submit, error_page, saved};
use crate::views::*;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use trainyard_app::AppError;
use trainyard_app::planning::{
    self, NoticePeriod, PlanScope, RepairTrigger, RunOptions, Selection, WindowFields,
};
use trainyard_app::store::planning::{DraftSession, Run};
use trainyard_core::TimeZoneName;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/plan", get(plan_page))
        .route("/plan/runs", post(start))
        .route("/plan/runs/{id}", get(run_page))
        .route("/plan/runs/{id}/progress", get(progress))
        .route("/plan/runs/{id}/accept", post(accept))
        .route("/plan/windows/{id}", post(set_window))
        .route("/plan/windows/{id}/clear", post(clear_window))
        .route("/plan/repair", post(repair))
}

// ------------------------------------------------------------------ the Plan page

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct PlanParams {
    program_id: String,
    from: String,
    until: String,
    repair_instructor: String,
    repair_room: String,
}

pub struct DraftRow {
    pub id: i64,
    pub reference: String,
    pub course: String,
    pub days: i64,
    pub place: String,
    pub client: String,
    pub window: String,
}

pub struct RunRow {
    pub id: i64,
    pub kind: &'static str,
    pub status: String,
    pub summary: String,
    pub when: String,
    pub message: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "plan.html")]
struct PlanPage {
    chrome: Chrome,
    can_edit: bool,
    programs: Vec<Opt>,
    from: String,
    until: String,
    program_id: String,
    planned: Vec<DraftRow>,
    without: Vec<DraftRow>,
    runs: Vec<RunRow>,
    instructors: Vec<Opt>,
    rooms: Vec<Opt>,
    repair_focus: bool,
}

impl PlanPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

fn draft_row(d: &DraftSession) -> DraftRow {
    DraftRow {
        id: d.session_id,
        reference: d.reference.clone(),
        course: format!("{} {}", d.course_code, d.course_title),
        days: d.duration_days,
        place: d.venue_name.clone().unwrap_or_else(|| "online".to_owned()),
        client: d.client_name.clone().unwrap_or_default(),
        window: d
            .window
            .as_ref()
            .map(|w| {
                let mut text = format!("{} – {}", w.earliest_day, w.latest_day);
                if w.half_days {
                    text.push_str(" · half-days");
                }
                if !w.weekdays.is_empty() {
                    text.push_str(&format!(
                        " · {} only",
                        planning::weekdays_label(&w.weekdays)
                    ));
                }
                if !w.cohort.is_empty() {
                    text.push_str(&format!(" · cohort {}", w.cohort));
                }
                text
            })
            .unwrap_or_default(),
    }
}

fn kind_label(kind: &str) -> &'static str {
    if kind == "repair" { "Repair" } else { "Plan" }
}

fn run_row(r: &Run, tz: &TimeZoneName) -> RunRow {
    RunRow {
        id: r.id,
        kind: kind_label(&r.kind),
        status: r.status.clone(),
        summary: r.summary.clone(),
        when: tz.display(r.created_at),
        message: r.message.clone().unwrap_or_default(),
    }
}

fn day(raw: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").ok()
}

async fn plan_page(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    Query(p): Query<PlanParams>,
) -> Response {
    let program_id = p.program_id.trim().parse::<i64>().ok();
    let drafts = match planning::drafts(&s.app, &c, program_id, day(&p.from), day(&p.until)).await {
        Ok(d) => d,
        Err(e) => return error_page(e, Some(&c)),
    };
    let runs = planning::list(&s.app, &c).await.unwrap_or_default();
    let tz = viewer_tz(&c);
    let mut programs = vec![Opt {
        value: String::new(),
        label: "All programs".into(),
        selected: program_id.is_none(),
    }];
    programs.extend(drafts.programs.iter().map(|pr| Opt {
        value: pr.id.to_string(),
        label: format!("{} ({})", pr.name, pr.client_name),
        selected: program_id == Some(pr.id),
    }));
    let mut inf = trainyard_app::store::instructors::InstructorFilter::default();
    inf.list.export = true;
    let instructors: Vec<(i64, String)> =
        trainyard_app::people::instructors::list(&s.app, &c, &inf)
            .await
            .map(|p| p.items.into_iter().map(|i| (i.id, i.name)).collect())
            .unwrap_or_default();
    let mut rf = trainyard_app::store::resources::ResourceFilter::default();
    rf.list.export = true;
    rf.kind = "room".into();
    let rooms: Vec<(i64, String)> = trainyard_app::sites::resources::list(&s.app, &c, &rf)
        .await
        .map(|p| {
            p.items
                .into_iter()
                .map(|r| {
                    let at = r.venue_name.map(|v| format!(" ({v})")).unwrap_or_default();
                    (r.id, format!("{}{at}", r.name))
                })
                .collect()
        })
        .unwrap_or_default();
    let pick = |list: Vec<(i64, String)>, current: &str| -> Vec<Opt> {
        list.into_iter()
            .map(|(id, label)| Opt {
                selected: id.to_string() == current.trim(),
                value: id.to_string(),
                label,
            })
            .collect()
    };
    PlanPage {
        chrome: Chrome::new(&c, "plan", flash),
        can_edit: c.role.can_edit_operations(),
        programs,
        from: p.from.trim().to_owned(),
        until: p.until.trim().to_owned(),
        program_id: p.program_id.trim().to_owned(),
        planned: drafts.planned.iter().map(draft_row).collect(),
        without: drafts.without_window.iter().map(draft_row).collect(),
        runs: runs.iter().map(|r| run_row(r, &tz)).collect(),
        instructors: pick(instructors, &p.repair_instructor),
        rooms: pick(rooms, &p.repair_room),
        repair_focus: !p.repair_instructor.is_empty() || !p.repair_room.is_empty(),
    }
    .into_response()
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct StartForm {
    program_id: String,
    from: String,
    until: String,
    session_ids: Vec<i64>,
    seconds: String,
    seed: String,
}

fn options_from(seconds: &str, seed: &str) -> RunOptions {
    let mut o = RunOptions::default();
    if let Ok(n) = seconds.trim().parse() {
        o.seconds = n;
    }
    if let Ok(n) = seed.trim().parse() {
        o.seed = n;
    }
    o
}

async fn start(
    State(s): State<AppState>,
    Submit { caller: c, form: f }: Submit<StartForm>,
) -> Response {
    let scope = PlanScope {
        program_id: f.program_id.trim().parse().ok(),
        from: Some(f.from.clone()).filter(|x| !x.trim().is_empty()),
        until: Some(f.until.clone()).filter(|x| !x.trim().is_empty()),
        session_ids: f.session_ids.clone(),
    };
    if f.session_ids.is_empty() {
        return error_page(
            AppError::refused("Choose at least one session to plan.".into()),
            Some(&c),
        );
    }
    match planning::start_run(&s.app, &c, &scope, options_from(&f.seconds, &f.seed)).await {
        Ok(run) => saved(&format!("/plan/runs/{}", run.id), "The planner is running."),
        Err(e) => error_page(e, Some(&c)),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct Back {
    /// Where to go after saving: the session page when set from there.
    back: String,
}

fn back_to(b: &Back, id: i64) -> String {
    if b.back == "session" {
        format!("/sessions/{id}#planning")
    } else {
        "/plan".into()
    }
}

async fn set_window(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(b): Query<Back>,
    Submit { caller: c, form }: Submit<WindowFields>,
) -> Response {
    match planning::set_window(&s.app, &c, id, &form).await {
        Ok(w) => saved(
            &back_to(&b, id),
            &format!(
                "Planning window set: {} to {}.",
                w.earliest_day, w.latest_day
            ),
        ),
        Err(e) => error_page(e, Some(&c)),
    }
}

async fn clear_window(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(b): Query<Back>,
    Submit { caller: c, .. }: Submit<Empty>,
) -> Response {
    match planning::clear_window(&s.app, &c, id).await {
        Ok(()) => saved(
            &back_to(&b, id),
            "Planning window removed: the planner leaves this session alone.",
        ),
        Err(e) => error_page(e, Some(&c)),
    }
}

#[derive(serde::Deserialize, Default)]
struct Empty {}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct RepairForm {
    what: String,
    instructor_id: String,
    resource_id: String,
    from: String,
    until: String,
    reason: String,
    seconds: String,
    notice_days: String,
    allow_moves_within_notice: String,
}

async fn repair(
    State(s): State<AppState>,
    Submit { caller: c, form: f }: Submit<RepairForm>,
) -> Response {
    let id = |raw: &str, field: &str| {
        raw.trim()
            .parse::<i64>()
            .map_err(|_| AppError::Invalid(trainyard_core::Invalid::field(field, "choose one")))
    };
    let trigger = if f.what == "room" {
        id(&f.resource_id, "resource_id").map(|resource_id| RepairTrigger::RoomCloses {
            resource_id,
            from: f.from.clone(),
            until: f.until.clone(),
            reason: f.reason.clone(),
        })
    } else {
        id(&f.instructor_id, "instructor_id").map(|instructor_id| {
            RepairTrigger::InstructorDropsOut {
                instructor_id,
                from: f.from.clone(),
                until: f.until.clone(),
                reason: f.reason.clone(),
            }
        })
    };
    let trigger = match trigger {
        Ok(t) => t,
        Err(e) => return error_page(e, Some(&c)),
    };
    let mut notice = NoticePeriod {
        allow_moves_within_notice: f.allow_moves_within_notice == "true",
        ..NoticePeriod::default()
    };
    if !f.notice_days.trim().is_empty() {
        match f.notice_days.trim().parse() {
            Ok(n) => notice.notice_days = n,
            Err(_) => {
                return error_page(
                    AppError::Invalid(trainyard_core::Invalid::field(
                        "notice_days",
                        "a whole number of days",
                    )),
                    Some(&c),
                );
            }
        }
    }
    match planning::repair(&s.app, &c, &trigger, notice, options_from(&f.seconds, "")).await {
        Ok(run) => saved(
            &format!("/plan/runs/{}", run.id),
            "The absence is recorded; the planner is looking for the smallest set of changes.",
        ),
        Err(e) => error_page(e, Some(&c)),
    }
}

// ------------------------------------------------------------------ one run

pub struct Bar {
    pub label: String,
    pub raw: i64,
    pub weight: i64,
    pub penalty: i64,
    /// Width in percent of the largest penalty.
    pub width: i64,
}

pub struct ProposalRow {
    pub session_id: i64,
    pub reference: String,
    pub course: String,
    pub instructor: String,
    pub room: String,
    pub when: String,
    pub reasons: Vec<String>,
    /// A repair's notices: who would be told what.
    pub notices: Vec<String>,
    pub accepted: bool,
    pub selectable: bool,
}

pub struct GridDay {
    pub label: String,
    pub weekend: bool,
}

pub struct GridRow {
    pub name: String,
    /// Per day: the entries ("S-00012 XL").
    pub cells: Vec<Vec<GridEntry>>,
}

pub struct GridEntry {
    pub text: String,
    pub title: String,
    pub half: &'static str,
    pub accepted: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "plan_run.html")]
struct RunPage {
    chrome: Chrome,
    can_edit: bool,
    run: RunView,
    bars: Vec<Bar>,
    soft_total: i64,
    placed: Vec<ProposalRow>,
    unplaced: Vec<ProposalRow>,
    unchanged: Vec<ProposalRow>,
    days: Vec<GridDay>,
    grid: Vec<GridRow>,
    open: usize,
    time_zone: String,
    timeline_href: Option<String>,
}

impl RunPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

pub struct RunView {
    pub id: i64,
    pub kind: &'static str,
    pub status: String,
    pub running: bool,
    pub progress: i64,
    pub summary: String,
    pub message: String,
    pub best_cost: String,
    pub hard: String,
    pub seconds: i64,
    pub seed: i64,
}

fn run_view(r: &Run) -> RunView {
    RunView {
        id: r.id,
        kind: kind_label(&r.kind),
        status: r.status.clone(),
        running: matches!(r.status.as_str(), "queued" | "running"),
        progress: r.progress,
        summary: r.summary.clone(),
        message: r.message.clone().unwrap_or_default(),
        best_cost: r
            .best_cost
            .map(|c| c.to_string())
            .unwrap_or_else(|| "—".into()),
        hard: r
            .hard_violations
            .map(|c| c.to_string())
            .unwrap_or_else(|| "—".into()),
        seconds: r.seconds,
        seed: r.seed,
    }
}

async fn run_page(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    Path(id): Path<i64>,
) -> Response {
    let d = match planning::get(&s.app, &c, id).await {
        Ok(d) => d,
        Err(e) => return error_page(e, Some(&c)),
    };
    let viewer = viewer_tz(&c);
    let max = d.terms.iter().map(|t| t.penalty).max().unwrap_or(0).max(1);
    let bars = d
        .terms
        .iter()
        .map(|t| Bar {
            label: t.label.clone(),
            raw: t.raw,
            weight: t.weight,
            penalty: t.penalty,
            width: (t.penalty * 100 / max).clamp(0, 100),
        })
        .collect();
    let soft_total = d.terms.iter().map(|t| t.penalty).sum();
    let row = |p: &trainyard_app::store::planning::Proposal| {
        let tz = TimeZoneName::parse(&p.time_zone).unwrap_or(viewer);
        let when = match (p.parts.first(), p.parts.last()) {
            (Some(a), Some(b)) if p.parts.len() > 1 => format!(
                "{} – {} ({} parts, {})",
                tz.local(a.starts_at).format("%a %-d %b %H:%M"),
                tz.local(b.ends_at).format("%a %-d %b %H:%M"),
                p.parts.len(),
                tz.as_str()
            ),
            (Some(a), _) => format!(
                "{}–{} ({})",
                tz.local(a.starts_at).format("%a %-d %b %H:%M"),
                tz.local(a.ends_at).format("%H:%M"),
                tz.as_str()
            ),
            _ => String::new(),
        };
        ProposalRow {
            session_id: p.session_id,
            reference: p.session_reference.clone(),
            course: format!("{} {}", p.course_code, p.course_title),
            instructor: p.instructor_name.clone().unwrap_or_default(),
            room: p.room_name.clone().unwrap_or_else(|| {
                if p.parts.is_empty() {
                    String::new()
                } else {
                    "online".into()
                }
            }),
            when,
            reasons: p.reasons.clone(),
            notices: p.notices.iter().map(|n| n.text.clone()).collect(),
            accepted: p.accepted_at.is_some(),
            selectable: p.outcome == "placed" && p.accepted_at.is_none(),
        }
    };
    let placed: Vec<ProposalRow> = d
        .proposals
        .iter()
        .filter(|p| p.outcome == "placed")
        .map(row)
        .collect();
    let unplaced = d
        .proposals
        .iter()
        .filter(|p| p.outcome == "unplaced")
        .map(row)
        .collect();
    let unchanged = d
        .proposals
        .iter()
        .filter(|p| p.outcome == "unchanged")
        .map(row)
        .collect();
    // The instructor × day grid of the proposal (weekdays between its first and last part).
    let mut dates: Vec<NaiveDate> = d
        .proposals
        .iter()
        .flat_map(|p| {
            let tz = TimeZoneName::parse(&p.time_zone).unwrap_or(viewer);
            p.parts
                .iter()
                .map(move |x| tz.local(x.starts_at).date_naive())
        })
        .collect();
    dates.sort();
    dates.dedup();
    // The same proposal on the resource timeline, from the week of its first part.
    let timeline_href = dates.first().map(|first| {
        format!(
            "/timeline?plan_run={}&view=month&start={}",
            d.run.id,
            first.format("%Y-%m-%d")
        )
    });
    let mut days = Vec::new();
    let mut grid = Vec::new();
    if let (Some(first), Some(last)) = (dates.first().copied(), dates.last().copied()) {
        let mut all = Vec::new();
        let mut x = first;
        while x <= last && all.len() < 62 {
            all.push(x);
            x += chrono::Duration::days(1);
        }
        days = all
            .iter()
            .map(|d| GridDay {
                label: d.format("%a %-d %b").to_string(),
                weekend: !trainyard_app::planning::mapping::is_working_day(*d),
            })
            .collect();
        let mut rows: BTreeMap<String, Vec<Vec<GridEntry>>> = BTreeMap::new();
        for p in d.proposals.iter().filter(|p| p.outcome != "unplaced") {
            let tz = TimeZoneName::parse(&p.time_zone).unwrap_or(viewer);
            let name = p.instructor_name.clone().unwrap_or_else(|| "—".into());
            let cells = rows
                .entry(name)
                .or_insert_with(|| (0..all.len()).map(|_| Vec::new()).collect());
            for part in &p.parts {
                let local = tz.local(part.starts_at);
                let Some(i) = all.iter().position(|x| *x == local.date_naive()) else {
                    continue;
                };
                let len_h = (part.ends_at - part.starts_at) / 3_600_000;
                let half = if len_h >= 5 {
                    "day"
                } else if chrono::Timelike::hour(&local) < 12 {
                    "am"
                } else {
                    "pm"
                };
                cells[i].push(GridEntry {
                    text: format!("{} {}", p.session_reference, p.course_code),
                    title: format!(
                        "{} {} · {}–{} · {}",
                        p.session_reference,
                        p.course_title,
                        tz.display(part.starts_at),
                        tz.local(part.ends_at).format("%H:%M"),
                        p.room_name.clone().unwrap_or_else(|| "online".into())
                    ),
                    half,
                    accepted: p.accepted_at.is_some(),
                });
            }
        }
        grid = rows
            .into_iter()
            .map(|(name, cells)| GridRow { name, cells })
            .collect();
    }
    let open = d
        .proposals
        .iter()
        .filter(|p| p.outcome == "placed" && p.accepted_at.is_none())
        .count();
    RunPage {
        chrome: Chrome::new(&c, "plan", flash),
        can_edit: c.role.can_edit_operations(),
        run: run_view(&d.run),
        bars,
        soft_total,
        placed,
        unplaced,
        unchanged,
        days,
        grid,
        open,
        time_zone: viewer.as_str().to_owned(),
        timeline_href,
    }
    .into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "plan_progress.html")]
struct ProgressFragment {
    run: RunView,
}

/// The progress fragment htmx polls; once the run is over it asks the page to reload.
async fn progress(State(s): State<AppState>, Viewer(c): Viewer, Path(id): Path<i64>) -> Response {
    let d = match planning::get(&s.app, &c, id).await {
        Ok(d) => d,
        Err(e) => return error_page(e, Some(&c)),
    };
    let run = run_view(&d.run);
    let done = !run.running;
    let mut res = ProgressFragment { run }.into_response();
    if done {
        res.headers_mut()
            .insert("HX-Refresh", HeaderValue::from_static("true"));
    }
    res
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct AcceptForm {
    session_ids: Vec<i64>,
    all: String,
}

async fn accept(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form: f }: Submit<AcceptForm>,
) -> Response {
    let selection = if f.all == "1" {
        Selection::All
    } else if f.session_ids.is_empty() {
        return error_page(
            AppError::refused("Tick the sessions to accept, or accept all.".into()),
            Some(&c),
        );
    } else {
        Selection::Sessions(f.session_ids.clone())
    };
    match planning::accept(&s.app, &c, id, selection).await {
        Ok(r) => {
            // In the reader's words: the counts, and why each refused proposal was refused.
            let tr = crate::i18n::Tr::for_caller(&c);
            let mut notice = if tr.is_english() {
                format!(
                    "{} accepted{}.",
                    r.accepted,
                    if r.refused > 0 {
                        format!(", {} refused", r.refused)
                    } else {
                        String::new()
                    }
                )
            } else if r.refused > 0 {
                tr.t2(
                    "plan-accepted-refused",
                    "accepted",
                    r.accepted,
                    "refused",
                    r.refused,
                )
            } else {
                tr.t1("plan-accepted", "accepted", r.accepted)
            };
            for x in r.results.iter().filter(|x| !x.accepted).take(5) {
                let why = x
                    .refusal
                    .as_ref()
                    .map_or_else(|| x.message.clone(), |w| tr.refusal(w));
                notice.push_str(&format!(" {}: {}", x.session_reference, why));
                for p in x.problems.iter().take(2) {
                    notice.push_str(&format!(" {}", tr.conflict(p)));
                }
            }
            let notice: String = notice.chars().take(900).collect();
            saved(&format!("/plan/runs/{id}"), &notice)
        }
        Err(e) => error_page(e, Some(&c)),
    }
}
