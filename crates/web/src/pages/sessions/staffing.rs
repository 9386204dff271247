//! A session's instructors: the panel on its page, proposing, acting on and substituting
//! assignments, and the page ranking candidate instructors and rooms.

use super::panels::{InlineForm, Panel, PanelRefusal, PanelRow, Retry, SubstituteForm};
use crate::AppState;
use crate::auth::Viewer;
use crate::pages::{Submit, error_page, record, saved};
use crate::views::*;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use trainyard_app::people::instructors;
use trainyard_app::schedule::{roster, sessions};
use trainyard_app::staffing::may_override;
use trainyard_app::store::sessions::Session;
use trainyard_app::{AppError, Caller};

/// Proposing, acting on and substituting instructors, and finding candidates.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/sessions/{id}/assignments", post(propose))
        .route("/sessions/{id}/candidates", get(candidates))
        .route("/assignments/{id}/act", post(act))
        .route("/assignments/{id}/substitute", post(substitute))
}

/// Who teaches the session, with their assignments' actions and the form to propose one more.
pub(super) async fn instructors_panel(
    s: &AppState,
    c: &Caller,
    x: &Session,
    r: &roster::Roster,
    edit: bool,
) -> Panel {
    let mut all = trainyard_app::store::instructors::InstructorFilter::default();
    all.list.export = true;
    all.list.sort = "name".into();
    let instructor_choices: Vec<(String, String)> = instructors::list(&s.app, c, &all)
        .await
        .map(|p| {
            p.items
                .into_iter()
                .map(|i| (i.id.to_string(), i.name))
                .collect()
        })
        .unwrap_or_default();
    let mut rows = Vec::new();
    for a in &r.assignments {
        let mut actions = Vec::new();
        if edit {
            for e in a.status.next_events() {
                let mut act = Action::post(
                    e.label(),
                    format!("/assignments/{}/act", a.id),
                    matches!(e, trainyard_core::status::AssignmentEvent::Cancel)
                        .then_some("Cancel this assignment?"),
                );
                act.field = Some(("event".into(), e.as_str().into()));
                act.primary = e == trainyard_core::status::AssignmentEvent::Confirm;
                actions.push(act);
            }
        }
        rows.push(PanelRow {
            href: format!("/instructors/{}", a.instructor_id),
            cells: vec![
                Cell::text(&a.instructor_name),
                Cell::text(if a.role == "lead" {
                    "Lead"
                } else {
                    "Co-instructor"
                }),
                match &a.decline_reason {
                    // What the instructor said when declining: the coordinator plans with it.
                    Some(why) => {
                        Cell::badge(format!("{}: {why}", a.status.label()), a.status.as_str())
                    }
                    None => Cell::badge(a.status.label(), a.status.as_str()),
                },
            ],
            version: a.version,
            actions,
            substitute: (edit && a.status.is_live() && instructor_choices.len() > 1).then(|| {
                SubstituteForm {
                    action: format!("/assignments/{}/substitute", a.id),
                    options: options(
                        instructor_choices
                            .iter()
                            .filter(|(id, _)| *id != a.instructor_id.to_string())
                            .cloned(),
                        "",
                    ),
                }
            }),
        });
    }
    Panel {
        id: "instructors",
        title: format!("Instructors ({})", r.assignments.len()),
        columns: vec!["Instructor", "Role", "Status"],
        rows,
        empty:
            "No instructor assigned yet. Propose one below, or find the best-placed instructors."
                .into(),
        form: edit.then(|| InlineForm {
            action: format!("/sessions/{}/assignments", x.id),
            fields: vec![
                Field::new("instructor_id", "Instructor", "select", "").choices(
                    instructor_choices
                        .iter()
                        .filter(|(id, _)| {
                            !r.assignments
                                .iter()
                                .any(|a| a.status.is_live() && a.instructor_id.to_string() == *id)
                        })
                        .cloned()
                        .collect(),
                    None,
                ),
                Field::new("role", "Role", "select", "lead").choices(
                    vec![
                        ("lead".into(), "Lead".into()),
                        ("co".into(), "Co-instructor".into()),
                    ],
                    None,
                ),
            ],
            submit: "Propose",
            link: Some((
                "Find an instructor →".into(),
                format!("/sessions/{}/candidates", x.id),
            )),
        }),
        override_allowed: matches!(
            c.role,
            trainyard_core::Role::Manager | trainyard_core::Role::Admin
        ),
        refusal: None,
    }
}

/// The session page again, with the refusal of a staffing action in the instructors panel and
/// the propose form keeping `chosen` (instructor, role). A refusal the caller may override comes
/// with `retry`, the same action again with a reason; the others are final.
async fn refused_on_page(
    s: &AppState,
    c: &Caller,
    session_id: i64,
    err: AppError,
    retry: Option<Retry>,
    chosen: Option<(i64, &str)>,
) -> Response {
    let (status, _, _) = crate::problem::status_of(&err);
    let tr = crate::i18n::Tr::for_caller(c);
    let (message, problems, retry) = match err {
        AppError::Conflict { message, problems } => {
            let retry = retry.filter(|_| may_override(c, &problems));
            (
                tr.refusal(&message),
                problems.iter().map(|p| tr.conflict(p)).collect(),
                retry,
            )
        }
        e @ (AppError::Invalid(_) | AppError::Refused(_) | AppError::Stale(_)) => {
            (crate::error_page::detail_in(&tr, &e), Vec::new(), None)
        }
        e => return error_page(e, Some(c)),
    };
    let mut page = record::show_with::<super::Sessions>(s, c, None, session_id, |x| {
        let Some(panel) = x.panels.iter_mut().find(|p| p.id == "instructors") else {
            return;
        };
        if let (Some((instructor, role)), Some(form)) = (chosen, panel.form.as_mut()) {
            for f in &mut form.fields {
                let keep = match f.name {
                    "instructor_id" => instructor.to_string(),
                    "role" => role.to_owned(),
                    _ => continue,
                };
                for o in &mut f.options {
                    o.selected = o.value == keep;
                }
            }
        }
        panel.refusal = Some(PanelRefusal {
            message,
            problems,
            retry,
        });
    })
    .await;
    if page.status() == StatusCode::OK {
        *page.status_mut() = status;
    }
    page
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ProposeForm {
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    instructor_id: i64,
    role: String,
    override_reason: String,
}

async fn propose(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form: f }: Submit<ProposeForm>,
) -> Response {
    let reason = (!f.override_reason.trim().is_empty()).then_some(f.override_reason.as_str());
    match trainyard_app::staffing::propose(&s.app, &c, id, f.instructor_id, &f.role, reason).await {
        Ok(a) => saved(
            &format!("/sessions/{id}#instructors"),
            if a.override_reason.is_some() {
                "Instructor proposed over the problems, with your reason recorded. Request them when you are ready."
            } else {
                "Instructor proposed. Request them when you are ready."
            },
        ),
        Err(e) => {
            let retry = Retry {
                action: format!("/sessions/{id}/assignments"),
                fields: vec![
                    ("instructor_id".into(), f.instructor_id.to_string()),
                    ("role".into(), f.role.clone()),
                ],
                submit: crate::i18n::Tr::for_caller(&c)
                    .t("session-propose-anyway")
                    .into(),
            };
            refused_on_page(&s, &c, id, e, Some(retry), Some((f.instructor_id, &f.role))).await
        }
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ActForm {
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    version: i64,
    event: String,
    override_reason: String,
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    instructor_id: i64,
}

async fn act(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form: f }: Submit<ActForm>,
) -> Response {
    let event = match trainyard_core::status::AssignmentEvent::parse(&f.event) {
        Ok(e) => e,
        Err(r) => return error_page(r.into(), Some(&c)),
    };
    let reason = (!f.override_reason.trim().is_empty()).then_some(f.override_reason.as_str());
    match trainyard_app::staffing::act(&s.app, &c, id, f.version, event, reason).await {
        Ok(a) => {
            let back = if c.role.is_staff() {
                format!("/sessions/{}#instructors", a.session_id)
            } else {
                "/".to_owned()
            };
            saved(
                &back,
                &format!("Assignment {}.", a.status.label().to_lowercase()),
            )
        }
        // Staff acted from the session page: the refusal is shown there, in its panel.
        Err(e) if c.role.is_staff() => {
            let session_id = match trainyard_app::staffing::assignment(&s.app, &c, id).await {
                Ok(a) => a.session_id,
                Err(_) => return error_page(e, Some(&c)),
            };
            let retry = Retry {
                action: format!("/assignments/{id}/act"),
                fields: vec![
                    ("version".into(), f.version.to_string()),
                    ("event".into(), event.as_str().into()),
                ],
                submit: format!("{} anyway", event.label()),
            };
            refused_on_page(&s, &c, session_id, e, Some(retry), None).await
        }
        Err(e) => error_page(e, Some(&c)),
    }
}

async fn substitute(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form: f }: Submit<ActForm>,
) -> Response {
    let reason = (!f.override_reason.trim().is_empty()).then_some(f.override_reason.as_str());
    match trainyard_app::staffing::substitute(&s.app, &c, id, f.version, f.instructor_id, reason)
        .await
    {
        Ok(a) => saved(
            &format!("/sessions/{}#instructors", a.session_id),
            "Substitute proposed; the previous assignment is cancelled and kept in the history.",
        ),
        Err(e) => match trainyard_app::staffing::assignment(&s.app, &c, id).await {
            Ok(a) => {
                let retry = Retry {
                    action: format!("/assignments/{id}/substitute"),
                    fields: vec![
                        ("version".into(), f.version.to_string()),
                        ("instructor_id".into(), f.instructor_id.to_string()),
                    ],
                    submit: "Substitute anyway".into(),
                };
                refused_on_page(&s, &c, a.session_id, e, Some(retry), None).await
            }
            Err(_) => error_page(e, Some(&c)),
        },
    }
}

struct CandidateRow {
    id: i64,
    name: String,
    rank: Option<usize>,
    cost: String,
    load_days: i64,
    travel_minutes: i64,
    excluded_because: Vec<String>,
}

#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "candidates.html")]
struct CandidatesPage {
    chrome: Chrome,
    session_id: i64,
    reference: String,
    summary: String,
    venue: Option<String>,
    instructors: Vec<CandidateRow>,
    rooms: Vec<trainyard_planner::ranking::RankedRoom>,
    can_edit: bool,
    show_cost: bool,
}

impl CandidatesPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

async fn candidates(State(s): State<AppState>, Viewer(c): Viewer, Path(id): Path<i64>) -> Response {
    let d = match sessions::get(&s.app, &c, id).await {
        Ok(d) => d,
        Err(e) => return error_page(e, Some(&c)),
    };
    let found = match trainyard_app::staffing::candidates(&s.app, &c, id).await {
        Ok(f) => f,
        Err(e) => return error_page(e, Some(&c)),
    };
    let viewer = viewer_tz(&c);
    let tr = crate::i18n::Tr::for_caller(&c);
    let x = &d.session;
    CandidatesPage {
        chrome: Chrome::new(&c, "sessions", None),
        session_id: id,
        reference: x.reference.clone(),
        summary: format!(
            "{} — {}, {} part(s) from {}",
            x.course_code,
            x.course_title,
            d.parts.len(),
            when(x.starts_at, &x.time_zone, &viewer)
        ),
        venue: x.venue_name.clone(),
        instructors: found
            .instructors
            .into_iter()
            .map(|i| CandidateRow {
                id: i.id,
                name: i.name,
                rank: i.rank,
                // Left out by the use case for whoever may not see finance data.
                cost: i.cost.map(|m| m.to_string()).unwrap_or_default(),
                load_days: i.load_days,
                travel_minutes: i.travel_minutes,
                excluded_because: i.excluded_because.iter().map(|r| tr.problem(r)).collect(),
            })
            .collect(),
        rooms: found.rooms,
        can_edit: c.role.can_edit_operations(),
        show_cost: c.sees_finance(),
    }
    .into_response()
}
