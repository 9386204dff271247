//! The session page's template and its staff panels, each with its rows, actions and inline form.

use super::{bookings, enrollments, staffing, window};
use crate::AppState;
use crate::views::*;
use trainyard_app::Caller;
use trainyard_app::schedule::roster;
use trainyard_app::store::sessions::Session;

/// The staff's panels: planning window, viability, instructors, bookings and enrollments.
pub(super) async fn panels(
    s: &AppState,
    c: &Caller,
    x: &Session,
    r: &roster::Roster,
) -> Vec<Panel> {
    let edit = c.role.can_edit_operations() && x.archived_at.is_none();
    let mut panels = vec![
        staffing::instructors_panel(s, c, x, r, edit).await,
        bookings::bookings_panel(s, c, x, r, edit).await,
    ];
    if let Some(p) = window::planning_panel(s, c, x, edit).await {
        panels.insert(0, p);
    }
    if edit {
        panels.push(enrollments::enrollments_panel(s, c, x, r).await);
        if let Some(p) = enrollments::viability_panel(s, c, x).await {
            panels.insert(0, p);
        }
        if let Some(p) = status_change_panel(x) {
            panels.push(p);
        }
        panels.extend(super::admin_time::panel(s, c, x).await);
    }
    panels
}

/// Cancelling or postponing: the action and why (from the list reporting counts by).
fn status_change_panel(x: &Session) -> Option<Panel> {
    use trainyard_core::status::StatusReason;
    let events: Vec<(String, String)> = x
        .status
        .next_events()
        .into_iter()
        .filter(|e| e.needs_reason())
        .map(|e| (e.as_str().to_owned(), e.label().to_owned()))
        .collect();
    if events.is_empty() {
        return None;
    }
    let reasons = StatusReason::ALL
        .iter()
        .map(|r| (r.as_str().to_owned(), r.label().to_owned()))
        .collect();
    Some(Panel {
        id: "status-change",
        title: "Cancel or postpone".into(),
        columns: Vec::new(),
        rows: Vec::new(),
        empty: "Learners and instructors are told at once; the reason is kept with the session and counted in reporting.".into(),
        form: Some(InlineForm {
            action: format!("/sessions/{}/transition", x.id),
            fields: vec![
                Field::new("version", "", "hidden", &x.version.to_string()),
                Field::new("event", "Action", "select", "").choices(events, None),
                Field::new("reason", "Reason", "select", "")
                    .choices(reasons, Some("Choose a reason…"))
                    .required(),
                Field::new("reason_note", "Details", "wide", "")
                    .help("required when the reason is Other"),
            ],
            submit: "Apply",
            link: None,
        }),
        override_allowed: false,
    })
}

/// The session page: the generic detail view plus the staffing panels with their actions.
#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "session.html")]
pub(super) struct SessionPage {
    pub(super) chrome: Chrome,
    pub(super) view: DetailView,
    pub(super) panels: Vec<Panel>,
    /// What was sent about the session, its enrollments and assignments (operations staff).
    pub(super) messages: Option<Section>,
    pub(super) messages_href: String,
}

impl SessionPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

pub(super) struct Panel {
    pub(super) id: &'static str,
    pub(super) title: String,
    pub(super) columns: Vec<&'static str>,
    pub(super) rows: Vec<PanelRow>,
    pub(super) empty: String,
    pub(super) form: Option<InlineForm>,
    pub(super) override_allowed: bool,
}

pub(super) struct PanelRow {
    pub(super) href: String,
    pub(super) cells: Vec<Cell>,
    pub(super) version: i64,
    pub(super) actions: Vec<Action>,
    pub(super) substitute: Option<SubstituteForm>,
}

pub(super) struct SubstituteForm {
    pub(super) action: String,
    pub(super) options: Vec<Opt>,
}

pub(super) struct InlineForm {
    pub(super) action: String,
    pub(super) fields: Vec<Field>,
    pub(super) submit: &'static str,
    pub(super) link: Option<(String, String)>,
}
