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
        let fees = trainyard_app::cancellation::previews(&s.app, c, &r.enrollments)
            .await
            .unwrap_or_default();
        panels.push(enrollments::enrollments_panel(c, x, r, &fees));
        if let Some(p) = enrollments::readiness_panel(s, c, x, r).await {
            panels.push(p);
        }
        if let Some(p) = enrollments::viability_panel(s, c, x).await {
            panels.insert(0, p);
        }
        if let Some(p) = status_change_panel(x) {
            panels.push(p);
        }
        panels.extend(super::admin_time::panel(s, c, x).await);
        panels.extend(super::complaints::panel(s, c, x).await);
    }
    panels.extend(super::finance::panels(s, c, x, r).await);
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
        refusal: None,
    })
}

/// The session page's tabs, in order: the key (in `?tab=` and the ids) and the label.
const TABS: [(&str, &str); 6] = [
    ("overview", "Overview"),
    ("staffing", "Staffing"),
    ("bookings", "Bookings"),
    ("enrollments", "Enrollments"),
    ("finance", "Finance"),
    ("history", "History"),
];

/// The tab a panel shows in: the lifecycle (planning window, cancelling) with the overview, the
/// merge offer with the enrollments it moves.
fn tab_of(panel_id: &str) -> &'static str {
    match panel_id {
        "instructors" => "staffing",
        "bookings" => "bookings",
        "enrollments" | "viability" | "readiness" => "enrollments",
        p if super::finance::PANELS.contains(&p) => "finance",
        _ => "overview",
    }
}

fn tab_rank(key: &str) -> usize {
    TABS.iter().position(|(k, _)| *k == key).unwrap_or(0)
}

pub(super) struct Tab {
    pub(super) key: &'static str,
    pub(super) label: &'static str,
}

/// The session page: the generic detail view plus the staffing panels with their actions, in tabs.
#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "session.html")]
pub(super) struct SessionPage {
    chrome: Chrome,
    view: DetailView,
    /// Grouped by tab, in the tabs' order.
    panels: Vec<Panel>,
    /// Sections after the parts (the read-only enrollments), in the Enrollments tab.
    more_sections: Vec<Section>,
    /// What was sent about the session, its enrollments and assignments (operations staff).
    pub(super) messages: Option<Section>,
    pub(super) messages_href: String,
    pub(super) refusal: Option<super::refused::Refusal>,
    tabs: Vec<Tab>,
    selected: &'static str,
    /// A tab was asked for: the others are not shown (without it, all are, for a browser
    /// without script).
    chosen: bool,
}

impl SessionPage {
    pub(super) fn new(
        chrome: Chrome,
        mut view: DetailView,
        mut panels: Vec<Panel>,
        messages: Option<Section>,
        refusal: Option<super::refused::Refusal>,
        messages_href: String,
    ) -> Self {
        panels.sort_by_key(|p| tab_rank(tab_of(p.id)));
        let more_sections = if view.sections.len() > 1 {
            view.sections.split_off(1)
        } else {
            Vec::new()
        };
        let has = |key: &str| match key {
            "overview" | "history" => true,
            "enrollments" if !more_sections.is_empty() => true,
            _ => panels.iter().any(|p| tab_of(p.id) == key),
        };
        let tabs: Vec<Tab> = TABS
            .iter()
            .filter(|(k, _)| has(k))
            .map(|&(key, label)| Tab {
                key,
                label: chrome.tr.t_or(&format!("tab-{key}"), label),
            })
            .collect();
        let asked = tabs.iter().find(|t| t.key == view.tab).map(|t| t.key);
        Self {
            chrome,
            view,
            panels,
            more_sections,
            messages,
            messages_href,
            refusal,
            tabs,
            selected: asked.unwrap_or("overview"),
            chosen: asked.is_some(),
        }
    }

    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }

    /// Whether the tab's panel starts hidden: only when another tab was asked for.
    fn hides(&self, key: &str) -> bool {
        self.chosen && key != self.selected
    }

    /// The tab that starts at panel `i`, when it is the first of a tab after the overview.
    fn opens_before(&self, i: usize) -> Option<&'static str> {
        let tab = tab_of(self.panels.get(i)?.id);
        let before = i
            .checked_sub(1)
            .and_then(|j| self.panels.get(j))
            .map_or("overview", |p| tab_of(p.id));
        (tab != before).then_some(tab)
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
    /// An action of this panel the use case refused, shown where the user acted.
    pub(super) refusal: Option<PanelRefusal>,
}

/// A refused action, in the use case's words, with a way to try again where one exists.
pub(super) struct PanelRefusal {
    pub(super) message: String,
    pub(super) problems: Vec<String>,
    /// The same action again with an override reason, offered only to whoever may override.
    pub(super) retry: Option<Retry>,
}

/// A form that repeats a refused action (its hidden fields) with an override reason.
pub(super) struct Retry {
    pub(super) action: String,
    pub(super) fields: Vec<(String, String)>,
    pub(super) submit: String,
}

impl Panel {
    /// The heading of column `i`, which labels the cell on a phone, where each row is a card.
    fn column_label(&self, i: usize) -> &str {
        self.columns
            .get(i)
            .map(|c| crate::views::label_in("col", *c))
            .unwrap_or("")
    }
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
