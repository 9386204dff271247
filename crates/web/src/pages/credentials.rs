//! An instructor's qualifications, contracts and unavailability, maintained by coordinators.

use crate::AppState;
use crate::auth::Viewer;
use crate::pages::{Submit, error_page, saved};
use crate::views::{Chrome, viewer_tz};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use trainyard_app::credentials::{self, ContractFields, QualificationFields};
use trainyard_app::{Caller, catalog::courses, people::instructors};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/instructors/{id}/credentials", get(show))
        .route("/instructors/{id}/qualifications", post(add_qualification))
        .route(
            "/instructors/{id}/qualifications/{qid}/remove",
            post(remove_qualification),
        )
        .route("/instructors/{id}/contracts", post(add_contract))
        .route("/instructors/{id}/time-off", post(add_time_off))
        .route("/instructors/{id}/working-pattern", post(set_pattern))
        .route(
            "/instructors/{id}/time-off/{tid}/remove",
            post(remove_time_off),
        )
}

struct QualificationRow {
    id: i64,
    subject: String,
    from: String,
    until: String,
    state: &'static str,
    state_key: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "credentials.html")]
struct CredentialsPage {
    chrome: Chrome,
    id: i64,
    name: String,
    qualifications: Vec<QualificationRow>,
    contracts: Vec<(String, String, String, String)>,
    time_off: Vec<(i64, String, String, String)>,
    courses: Vec<(i64, String)>,
    pattern: Vec<(i64, &'static str, String, String)>,
    can_edit: bool,
    can_finance: bool,
    error: Option<String>,
    /// A refused time-off entry: why, beside its form, and what was typed.
    time_off_error: Option<String>,
    typed: TimeOffForm,
}

impl CredentialsPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

async fn page(s: &AppState, c: &Caller, id: i64, error: Option<String>) -> Response {
    page_with(s, c, id, error, None).await
}

async fn page_with(
    s: &AppState,
    c: &Caller,
    id: i64,
    error: Option<String>,
    time_off: Option<(String, TimeOffForm)>,
) -> Response {
    let inst = match instructors::get(&s.app, c, id).await {
        Ok(i) => i,
        Err(e) => return error_page(e, Some(c)),
    };
    let cred = match credentials::of_instructor(&s.app, c, id).await {
        Ok(x) => x,
        Err(e) => return error_page(e, Some(c)),
    };
    let tz = viewer_tz(c);
    let day = |ms: i64| tz.local(ms).format("%Y-%m-%d").to_string();
    let now = trainyard_core::time::now_ms();
    let status = |exp: Option<i64>| match exp {
        Some(e) if e < now => ("Expired", "cancelled"),
        Some(e) if e < now + 60 * 86_400_000 => ("Expires soon", "tentative"),
        _ => ("Valid", "confirmed"),
    };
    CredentialsPage {
        chrome: Chrome::new(c, "instructors", None),
        id,
        name: inst.name,
        qualifications: cred
            .qualifications
            .iter()
            .map(|q| {
                let (state, state_key) = status(q.expires_at);
                QualificationRow {
                    id: q.id,
                    subject: q
                        .course_code
                        .clone()
                        .or_else(|| q.skill.as_ref().map(|s| format!("skill: {s}")))
                        .unwrap_or_default(),
                    from: day(q.valid_from),
                    until: q
                        .expires_at
                        .map(|e| day(e - 1))
                        .unwrap_or_else(|| "no expiry".into()),
                    state,
                    state_key,
                }
            })
            .collect(),
        contracts: cred
            .contracts
            .iter()
            .map(|k| {
                (
                    k.kind.clone(),
                    crate::views::money_shown(k.day_rate),
                    format!(
                        "{} – {}",
                        day(k.valid_from),
                        k.valid_to
                            .map(|t| day(t - 1))
                            .unwrap_or_else(|| "open".into())
                    ),
                    k.document_name.clone().unwrap_or_default(),
                )
            })
            .collect(),
        time_off: cred
            .time_off
            .iter()
            .map(|t| (t.id, day(t.starts_at), day(t.ends_at - 1), t.reason.clone()))
            .collect(),
        courses: courses::options(&s.app, c).await.unwrap_or_default(),
        pattern: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
            .iter()
            .enumerate()
            .map(|(i, label)| {
                let d = i as i64 + 1;
                let hm = |m: i64| format!("{:02}:{:02}", m / 60, m % 60);
                match cred.working_hours.iter().find(|(wd, _, _)| *wd == d) {
                    Some((_, a, b)) => (d, *label, hm(*a), hm(*b)),
                    None => (d, *label, String::new(), String::new()),
                }
            })
            .collect(),
        can_edit: c.role.can_edit_operations(),
        can_finance: c.sees_finance(),
        error,
        time_off_error: time_off.as_ref().map(|(e, _)| e.clone()),
        typed: time_off.map(|(_, t)| t).unwrap_or_default(),
    }
    .into_response()
}

async fn show(State(s): State<AppState>, Viewer(c): Viewer, Path(id): Path<i64>) -> Response {
    page(&s, &c, id, None).await
}

fn back(id: i64, anchor: &str, notice: &str) -> Response {
    saved(&format!("/instructors/{id}/credentials#{anchor}"), notice)
}

async fn add_qualification(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form: f }: Submit<QualificationFields>,
) -> Response {
    match credentials::add_qualification(&s.app, &c, id, &f).await {
        Ok(_) => back(id, "qualifications", "Qualification added."),
        Err(e @ trainyard_app::AppError::Invalid(_)) => {
            page(&s, &c, id, Some(crate::error_page::said(&e))).await
        }
        Err(e) => error_page(e, Some(&c)),
    }
}

async fn remove_qualification(
    State(s): State<AppState>,
    Path((id, qid)): Path<(i64, i64)>,
    Submit { caller: c, .. }: Submit<crate::pages::VersionForm>,
) -> Response {
    match credentials::remove_qualification(&s.app, &c, id, qid).await {
        Ok(()) => back(id, "qualifications", "Qualification removed."),
        Err(e) => error_page(e, Some(&c)),
    }
}

async fn add_contract(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form: f }: Submit<ContractFields>,
) -> Response {
    match credentials::add_contract(&s.app, &c, id, &f).await {
        Ok(_) => back(id, "contracts", "Contract added."),
        Err(e @ trainyard_app::AppError::Invalid(_)) => {
            page(&s, &c, id, Some(crate::error_page::said(&e))).await
        }
        Err(e) => error_page(e, Some(&c)),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub(crate) struct TimeOffForm {
    from: String,
    until: String,
    reason: String,
}

async fn add_time_off(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form: f }: Submit<TimeOffForm>,
) -> Response {
    match trainyard_app::staffing::record_time_off(&s.app, &c, id, &f.from, &f.until, &f.reason)
        .await
    {
        Ok(r) => back(
            id,
            "time-off",
            r.warning.as_deref().unwrap_or("Unavailability recorded."),
        ),
        Err(
            e @ (trainyard_app::AppError::Invalid(_)
            | trainyard_app::AppError::Refused(_)
            | trainyard_app::AppError::Conflict { .. }),
        ) => {
            let status = crate::problem::status_of(&e).0;
            let why = match &e {
                trainyard_app::AppError::Invalid(inv) => inv
                    .errors
                    .iter()
                    .map(|x| crate::views::in_words(&x.field, &x.message))
                    .collect::<Vec<_>>()
                    .join("; "),
                other => other.to_string(),
            };
            (status, page_with(&s, &c, id, None, Some((why, f))).await).into_response()
        }
        Err(e) => error_page(e, Some(&c)),
    }
}

async fn remove_time_off(
    State(s): State<AppState>,
    Path((id, tid)): Path<(i64, i64)>,
    Submit { caller: c, .. }: Submit<crate::pages::VersionForm>,
) -> Response {
    match credentials::remove_time_off(&s.app, &c, id, tid).await {
        Ok(()) => back(id, "time-off", "Unavailability removed."),
        Err(e) => error_page(e, Some(&c)),
    }
}

async fn set_pattern(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form: f }: Submit<std::collections::HashMap<String, String>>,
) -> Response {
    let days: Vec<(i64, String, String)> = (1..=7)
        .map(|d| {
            (
                d,
                f.get(&format!("from{d}")).cloned().unwrap_or_default(),
                f.get(&format!("to{d}")).cloned().unwrap_or_default(),
            )
        })
        .collect();
    match credentials::set_working_pattern(&s.app, &c, id, &days).await {
        Ok(_) => back(id, "working-pattern", "Working pattern saved."),
        Err(e @ trainyard_app::AppError::Invalid(_)) => {
            page(&s, &c, id, Some(crate::error_page::said(&e))).await
        }
        Err(e) => error_page(e, Some(&c)),
    }
}
