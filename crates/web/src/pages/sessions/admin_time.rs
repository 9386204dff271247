//! "Log admin time" on the session page: a panel of its own (the minutes logged so far and a
//! small form) and the route it posts to, for the admin-time KPI of the reports.

use super::panels::{InlineForm, Panel};
use crate::AppState;
use crate::pages::{Submit, error_page, saved};
use crate::views::*;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use trainyard_app::Caller;
use trainyard_app::reporting::{self, AdminTimeFields};
use trainyard_app::store::sessions::Session;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/sessions/{id}/admin-time", post(log))
}

/// Operations staff only, like the form's use case.
pub(super) async fn panel(s: &AppState, c: &Caller, x: &Session) -> Option<Panel> {
    if !c.role.can_edit_operations() {
        return None;
    }
    let logged = reporting::admin_minutes(&s.app, c, x.id)
        .await
        .unwrap_or_default();
    Some(Panel {
        id: "admin-time",
        title: "Admin time".into(),
        columns: Vec::new(),
        rows: Vec::new(),
        empty: format!(
            "{logged} minutes logged so far. Log time spent on calls, chasing and re-planning: it counts in the reports' admin minutes per session."
        ),
        form: Some(InlineForm {
            action: format!("/sessions/{}/admin-time", x.id),
            fields: vec![
                Field::new("minutes", "Minutes", "text", "").required(),
                Field::new("note", "What for", "wide", ""),
            ],
            submit: "Log admin time",
            link: None,
        }),
        override_allowed: false,
        refusal: None,
    })
}

async fn log(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form }: Submit<AdminTimeFields>,
) -> Response {
    match reporting::log_admin_time(&s.app, &c, id, &form).await {
        Ok(t) => saved(
            &format!("/sessions/{id}#admin-time"),
            &format!("Logged {} minutes of admin time.", t.minutes),
        ),
        Err(e) => error_page(e, Some(&c)),
    }
}
