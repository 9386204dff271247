//! A draft session's planning window: when and how the auto-scheduler may place it.

use super::panels::{InlineForm, Panel, PanelRow};
use crate::AppState;
use crate::views::*;
use trainyard_app::Caller;
use trainyard_app::store::sessions::Session;

/// A draft's planning window: when and how the auto-scheduler may place it.
pub(super) async fn planning_panel(
    s: &AppState,
    c: &Caller,
    x: &Session,
    edit: bool,
) -> Option<Panel> {
    if x.status != trainyard_core::status::SessionStatus::Draft {
        return None;
    }
    let w = trainyard_app::planning::window(&s.app, c, x.id)
        .await
        .ok()?;
    let mut all_res = trainyard_app::store::resources::ResourceFilter::default();
    all_res.list.export = true;
    let pooled: Vec<(String, String)> = trainyard_app::sites::resources::list(&s.app, c, &all_res)
        .await
        .map(|p| {
            p.items
                .into_iter()
                .filter(|r| r.kind != trainyard_core::status::ResourceKind::Room)
                .map(|r| {
                    (
                        r.id.to_string(),
                        format!("{} ({} × {})", r.name, r.quantity, r.kind.label()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let days = trainyard_app::planning::weekdays_label;
    let rows = w
        .iter()
        .map(|w| {
            let pool = w
                .pool_resource_id
                .and_then(|id| pooled.iter().find(|(v, _)| *v == id.to_string()))
                .map(|(_, label)| label.clone())
                .unwrap_or_else(|| "—".into());
            PanelRow {
                href: "/plan".into(),
                cells: vec![
                    Cell::text(format!(
                        "{} – {}{}",
                        w.earliest_day,
                        w.latest_day,
                        if w.half_days { " (half-days)" } else { "" }
                    )),
                    Cell::text(if w.weekdays.is_empty() {
                        "Mon–Fri".into()
                    } else {
                        days(&w.weekdays)
                    }),
                    Cell::text(if w.preferred_weekdays.is_empty() {
                        "—".into()
                    } else {
                        days(&w.preferred_weekdays)
                    }),
                    Cell::text(if w.cohort.is_empty() {
                        "—"
                    } else {
                        w.cohort.as_str()
                    }),
                    Cell::text(pool),
                ],
                version: 0,
                actions: if edit {
                    vec![Action::post(
                        "Remove",
                        format!("/plan/windows/{}/clear?back=session", x.id),
                        Some("Take this session out of automatic planning?"),
                    )]
                } else {
                    Vec::new()
                },
                substitute: None,
            }
        })
        .collect();
    let value = |f: &dyn Fn(&trainyard_app::store::planning::PlanningWindow) -> String| {
        w.as_ref().map(f).unwrap_or_default()
    };
    Some(Panel {
        id: "planning",
        title: "Planning window".into(),
        columns: vec!["Days", "Runs on", "Preferred", "Cohort", "Pooled resource"],
        rows,
        empty: "No planning window: the planner leaves this draft alone. Give it the days it may fall between and the Plan page will place it.".into(),
        form: edit.then(|| InlineForm {
            action: format!("/plan/windows/{}?back=session", x.id),
            fields: vec![
                Field::new("earliest", "From", "date", &value(&|w| w.earliest_day.clone())).required(),
                Field::new("latest", "Until", "date", &value(&|w| w.latest_day.clone())).required(),
                Field::new(
                    "half_days",
                    "Half-days",
                    "checkbox",
                    if w.as_ref().is_some_and(|w| w.half_days) { "true" } else { "" },
                ),
                Field::new("weekdays", "Runs on", "wide", &value(&|w| days(&w.weekdays)))
                    .help("e.g. Tue-Thu; empty: Mon–Fri"),
                Field::new(
                    "preferred_weekdays",
                    "Preferably",
                    "wide",
                    &value(&|w| days(&w.preferred_weekdays)),
                ),
                Field::new("cohort", "Cohort", "wide", &value(&|w| w.cohort.clone()))
                    .help("sessions of one cohort never overlap"),
                Field::new(
                    "pool_resource_id",
                    "Needs one of",
                    "select",
                    &value(&|w| w.pool_resource_id.map(|i| i.to_string()).unwrap_or_default()),
                )
                .choices(pooled.clone(), Some("nothing pooled")),
            ],
            submit: if w.is_some() { "Update window" } else { "Set window" },
            link: Some(("Open the Plan page →".into(), "/plan".into())),
        }),
        override_allowed: false,
        refusal: None,
    })
}
