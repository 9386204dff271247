//! A session's learners: the enrollments panel and its actions, enrolling, and the viability
//! panel with merging into another session.

use super::panels::{InlineForm, Panel, PanelRow};
use super::refused::refused;
use crate::AppState;
use crate::pages::{Submit, error_page, saved};
use crate::views::*;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use trainyard_app::Caller;
use trainyard_app::catalog::courses;
use trainyard_app::schedule::{roster, sessions};
use trainyard_app::store::sessions::Session;

/// Enrolling, acting on enrollments, and merging an unviable session into another.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/sessions/{id}/enrollments", post(enroll))
        .route("/sessions/{id}/merge", post(merge))
        .route("/enrollments/{id}/{action}", post(enrollment_action))
}

/// Below the course minimum within two weeks of the start: merge, postpone or cancel.
pub(super) async fn viability_panel(s: &AppState, c: &Caller, x: &Session) -> Option<Panel> {
    let now = trainyard_core::time::now_ms();
    if !matches!(
        x.status,
        trainyard_core::status::SessionStatus::Scheduled
            | trainyard_core::status::SessionStatus::Confirmed
    ) || x.starts_at < now
        || x.starts_at > now + 14 * 86_400_000
    {
        return None;
    }
    let course = courses::get(&s.app, c, x.course_id).await.ok()?;
    if x.booked_count >= course.min_learners {
        return None;
    }
    let viewer = viewer_tz(c);
    // Room for everyone first; the others say how many would wait.
    let others: Vec<(String, String)> = trainyard_app::enrollment::merge_targets(&s.app, c, x.id)
        .await
        .map(|targets| {
            targets
                .into_iter()
                .map(|t| {
                    let o = t.session;
                    (
                        o.id.to_string(),
                        format!(
                            "{} · {} · {}/{} booked · {}",
                            o.reference,
                            when(o.starts_at, &o.time_zone, &viewer),
                            o.booked_count,
                            o.capacity,
                            if t.would_wait == 0 {
                                "room for everyone".to_owned()
                            } else {
                                format!("{} would wait", t.would_wait)
                            }
                        ),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let days = (x.starts_at - now) / 86_400_000;
    Some(Panel {
        id: "viability",
        title: format!(
            "Not viable yet: {} of minimum {} learners, {} day(s) to go",
            x.booked_count, course.min_learners, days
        ),
        columns: Vec::new(),
        rows: Vec::new(),
        empty: if others.is_empty() {
            "No other upcoming session of this course to merge into: postpone or cancel it with the buttons at the top, or keep enrolling.".into()
        } else {
            "Merge it into another session of the same course (every learner is moved and told; this session is cancelled), or postpone or cancel it with the buttons at the top.".into()
        },
        form: (!others.is_empty()).then(|| InlineForm {
            action: format!("/sessions/{}/merge", x.id),
            fields: vec![
                Field::new("into_session_id", "Merge into", "select", "").choices(others, None),
            ],
            submit: "Review the merge…",
            link: None,
        }),
        override_allowed: false,
        refusal: None,
    })
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct MergeForm {
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    into_session_id: i64,
    /// Set by the summary page's button: without it the merge is only shown.
    confirmed: String,
}

#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "merge_confirm.html")]
struct MergeConfirmPage {
    chrome: Chrome,
    plan: trainyard_app::enrollment::MergePlan,
    from_when: String,
    into_when: String,
    /// Why the confirmed merge was refused, shown above the summary of what it would do now.
    refusal: Option<String>,
}

impl MergeConfirmPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

/// The summary of a merge, changing nothing; with the refusal of a confirmed merge when the
/// merge can still be shown (otherwise the session page says why, in its viability panel).
async fn merge_summary(
    s: &AppState,
    c: &Caller,
    id: i64,
    into: i64,
    refusal: Option<trainyard_app::AppError>,
) -> Response {
    use axum::response::IntoResponse;
    let typed = [("into_session_id", into.to_string())];
    let plan = match trainyard_app::enrollment::merge_preview(&s.app, c, id, into).await {
        Ok(p) => p,
        Err(e) => return refused(s, c, id, "viability", &typed, refusal.unwrap_or(e)).await,
    };
    let viewer = viewer_tz(c);
    let at = |sid: i64| {
        let viewer = &viewer;
        async move {
            sessions::get(&s.app, c, sid)
                .await
                .map(|d| when(d.session.starts_at, &d.session.time_zone, viewer))
                .unwrap_or_default()
        }
    };
    let status = match &refusal {
        Some(e) => crate::problem::status_of(e).0,
        None => axum::http::StatusCode::OK,
    };
    let refusal = match refusal {
        // Not for this page: not found, not allowed, an internal failure.
        Some(
            e @ (trainyard_app::AppError::NotFound(_)
            | trainyard_app::AppError::Forbidden(_)
            | trainyard_app::AppError::Internal(_)),
        ) => return error_page(e, Some(c)),
        Some(trainyard_app::AppError::Stale(_)) => Some(
            "Not merged: one of the sessions changed while you looked at the summary. Below is what the merge would do now; confirm again if it is still right.".to_owned(),
        ),
        Some(e) => Some(format!("Not merged: {e}")),
        None => None,
    };
    (
        status,
        MergeConfirmPage {
            chrome: Chrome::new(c, "sessions", None),
            from_when: at(plan.from_session_id).await,
            into_when: at(plan.into_session_id).await,
            plan,
            refusal,
        },
    )
        .into_response()
}

/// First the summary (who moves, who waits, what is released), then the merge once confirmed.
async fn merge(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form: f }: Submit<MergeForm>,
) -> Response {
    if f.confirmed != "true" {
        return merge_summary(&s, &c, id, f.into_session_id, None).await;
    }
    match trainyard_app::enrollment::merge_into(&s.app, &c, id, f.into_session_id).await {
        Ok(x) => saved(
            &format!("/sessions/{}", f.into_session_id),
            &format!(
                "Session {} merged into this one; its learners were moved and told, its instructors and rooms released.",
                x.reference
            ),
        ),
        Err(e) => merge_summary(&s, &c, id, f.into_session_id, Some(e)).await,
    }
}

/// "Cancelling now costs 50 %: EUR 495.00." in the reader's language: what the cancel dialog
/// says before confirming (the cancellation policy's fee).
pub(crate) fn fee_notice(
    tr: &crate::i18n::Tr,
    fee: &trainyard_app::cancellation::FeePreview,
) -> String {
    tr.args(
        "cancel-fee-now",
        &[
            (
                "share",
                trainyard_core::cancellation::percent_text(fee.fee_bp),
            ),
            ("fee", fee.fee.to_string()),
        ],
    )
}

pub(super) fn enrollments_panel(
    c: &Caller,
    x: &Session,
    r: &roster::Roster,
    fees: &std::collections::HashMap<i64, trainyard_app::cancellation::FeePreview>,
) -> Panel {
    use trainyard_core::status::EnrollmentStatus as E;
    // The learner picker suggests as one types (GET /learners/search), limited to the client's
    // people on a private session; a list of every learner was too long to choose from.
    let search = match x.client_id {
        Some(cid) => format!("/learners/search?client_id={cid}"),
        None => "/learners/search".to_owned(),
    };
    let viewer = viewer_tz(c);
    let tr = crate::i18n::Tr::for_caller(c);
    let rows = r
        .enrollments
        .iter()
        .map(|e| {
            let mut actions = Vec::new();
            if matches!(e.status, E::Booked | E::Waitlisted | E::Requested) {
                if e.status == E::Requested {
                    let mut a =
                        Action::post("Approve", format!("/enrollments/{}/approve", e.id), None);
                    a.primary = true;
                    actions.push(a);
                }
                if e.status == E::Waitlisted && e.offer_expires_at.is_some() {
                    actions.push(Action::post(
                        "Accept offer",
                        format!("/enrollments/{}/accept-offer", e.id),
                        None,
                    ));
                }
                let mut cancel = Action::post(
                    "Cancel",
                    format!("/enrollments/{}/cancel", e.id),
                    Some("Cancel this enrollment? A freed seat goes to the waiting list."),
                );
                if let (Some(fee), Some(text)) = (fees.get(&e.id), cancel.confirm.as_mut()) {
                    *text = format!("{} {text}", fee_notice(&tr, fee));
                }
                actions.push(cancel);
            }
            let status = match (e.status, e.offer_expires_at) {
                (E::Waitlisted, Some(t)) => {
                    Cell::badge(format!("Offered until {}", viewer.display(t)), "tentative")
                }
                (st, _) => Cell::badge(st.label(), st.as_str()),
            };
            PanelRow {
                href: format!("/learners/{}", e.learner_id),
                cells: vec![
                    Cell::text(&e.learner_name),
                    Cell::text(&e.learner_email),
                    Cell::text(e.client_name.clone().unwrap_or_else(|| "Individual".into())),
                    status,
                    Cell::num(
                        e.waitlist_position
                            .map(|p| p.to_string())
                            .unwrap_or_default(),
                    ),
                    match e.ready_at {
                        Some(_) => Cell::badge(tr.t("readiness-ready"), "confirmed"),
                        None => Cell::text(""),
                    },
                ],
                version: e.version,
                actions,
                substitute: None,
            }
        })
        .collect();
    Panel {
        id: "enrollments",
        title: format!(
            "Enrollments ({} booked of {}, {} waiting)",
            x.booked_count, x.capacity, x.waitlist_count
        ),
        columns: vec![
            "Learner",
            "E-mail",
            "Client",
            "Status",
            "Waitlist #",
            tr.t("readiness-column"),
        ],
        rows,
        empty: "Nobody is enrolled yet.".into(),
        form: Some(InlineForm {
            action: format!("/sessions/{}/enrollments", x.id),
            fields: vec![
                Field::new("learner_id", "Learner", "learner", &search)
                    .help("type a name or e-mail")
                    .required(),
                Field::new("priority", "Waitlist priority", "text", "0"),
            ],
            submit: "Enroll",
            link: Some((
                "Enroll many (CSV) →".into(),
                format!("/sessions/{}/enroll-bulk", x.id),
            )),
        }),
        override_allowed: false,
        refusal: None,
    }
}

/// The e-learning readiness of the session's learners, when the course has prerequisites: who
/// the LRS showed ready (those not ready first), and the button that asks the LRS again.
pub(super) async fn readiness_panel(
    s: &AppState,
    c: &Caller,
    x: &Session,
    r: &roster::Roster,
) -> Option<Panel> {
    use trainyard_core::status::EnrollmentStatus as E;
    let activities = trainyard_app::xapi::prerequisites(&s.app, c, x.course_id)
        .await
        .ok()?;
    if activities.is_empty() {
        return None;
    }
    let tr = crate::i18n::Tr::for_caller(c);
    let viewer = viewer_tz(c);
    let waiting: Vec<_> = r
        .enrollments
        .iter()
        .filter(|e| matches!(e.status, E::Booked | E::Requested | E::Waitlisted))
        .cloned()
        .collect();
    let ready_count = waiting.iter().filter(|e| e.ready_at.is_some()).count();
    let not_ready = trainyard_app::xapi::by_readiness(waiting.clone(), Some(false));
    let ready = trainyard_app::xapi::by_readiness(waiting.clone(), Some(true));
    let rows = not_ready
        .into_iter()
        .chain(ready)
        .map(|e| PanelRow {
            href: format!("/learners/{}", e.learner_id),
            cells: vec![
                Cell::text(&e.learner_name),
                match e.ready_at {
                    Some(t) => Cell::badge(
                        tr.t1("readiness-ready-since", "when", viewer.display(t)),
                        "confirmed",
                    ),
                    None => Cell::badge(tr.t("readiness-not-ready"), "tentative"),
                },
            ],
            version: e.version,
            actions: Vec::new(),
            substitute: None,
        })
        .collect();
    Some(Panel {
        id: "readiness",
        title: tr.args(
            "readiness-title",
            &[
                ("ready", ready_count.to_string()),
                ("total", waiting.len().to_string()),
            ],
        ),
        columns: vec![tr.t("readiness-learner"), tr.t("readiness-column")],
        rows,
        empty: tr.t1("readiness-empty", "activities", activities.join(", ")),
        form: Some(InlineForm {
            action: format!("/sessions/{}/readiness-check", x.id),
            fields: Vec::new(),
            submit: tr.t("readiness-check"),
            link: None,
        }),
        override_allowed: false,
        refusal: None,
    })
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct EnrollForm {
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    learner_id: i64,
    /// What was typed in the picker, used when no suggestion was chosen (no script).
    learner: String,
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    priority: i64,
}

async fn enroll(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form: f }: Submit<EnrollForm>,
) -> Response {
    let learner_id = if f.learner_id > 0 || f.learner.trim().is_empty() {
        f.learner_id
    } else {
        match trainyard_app::people::learners::typed(&s.app, &c, &f.learner, None).await {
            Ok(l) => l.id,
            Err(e) => return error_page(e, Some(&c)),
        }
    };
    match trainyard_app::enrollment::enroll(&s.app, &c, id, learner_id, f.priority).await {
        Ok(e) => saved(
            &format!("/sessions/{id}#enrollments"),
            &match e.waitlist_position {
                Some(p) => {
                    format!("The session is full: enrolled on the waiting list at position {p}.")
                }
                None => format!("Enrolled ({}).", e.status.label().to_lowercase()),
            },
        ),
        Err(e) => {
            let typed = [
                ("learner_id", f.learner_id.to_string()),
                ("priority", f.priority.to_string()),
            ];
            refused(&s, &c, id, "enrollments", &typed, e).await
        }
    }
}

/// An action on one enrollment; `learner_id` is who goes instead (substitute).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct EnrollmentActionForm {
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    version: i64,
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    learner_id: i64,
    /// Who goes instead, as typed in the picker when no suggestion was chosen (no script).
    learner: String,
}

async fn enrollment_action(
    State(s): State<AppState>,
    Path((id, action)): Path<(i64, String)>,
    Submit { caller: c, form: f }: Submit<EnrollmentActionForm>,
) -> Response {
    use trainyard_app::enrollment;
    let result = match action.as_str() {
        "cancel" => enrollment::cancel(&s.app, &c, id, f.version).await,
        "substitute" => {
            let learner_id = if f.learner_id > 0 || f.learner.trim().is_empty() {
                f.learner_id
            } else {
                match trainyard_app::people::learners::typed(&s.app, &c, &f.learner, None).await {
                    Ok(l) => l.id,
                    Err(e) => return error_page(e, Some(&c)),
                }
            };
            enrollment::substitute(&s.app, &c, id, f.version, learner_id).await
        }
        "approve" => enrollment::approve(&s.app, &c, id, f.version).await,
        "accept-offer" => enrollment::accept_offer(&s.app, &c, id).await,
        _ => {
            return crate::pages::error_page(trainyard_app::AppError::NotFound("action"), Some(&c));
        }
    };
    match result {
        // A client contact acts from their home page, and returns there.
        Ok(e) if c.role == trainyard_core::Role::ClientContact => saved(
            "/#our-learners",
            &if action == "substitute" {
                "Done: the new person has the place and both were told.".to_owned()
            } else {
                format!("Enrollment {}.", e.status.label().to_lowercase())
            },
        ),
        Ok(e) => saved(
            &format!("/sessions/{}#enrollments", e.session_id),
            &format!("Enrollment {}.", e.status.label().to_lowercase()),
        ),
        // Staff act from the session's enrollments panel: the refusal is shown there.
        Err(e) if c.role.is_staff() => {
            match trainyard_app::enrollment::session_of(&s.app, &c, id).await {
                Ok(session_id) => refused(&s, &c, session_id, "enrollments", &[], e).await,
                Err(_) => error_page(e, Some(&c)),
            }
        }
        Err(e) => error_page(e, Some(&c)),
    }
}
