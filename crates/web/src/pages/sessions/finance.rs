//! The session page's "Finance" tab (finance, managers and admins only): revenue, cost lines by
//! stage, margin, margin % and cost per learner; entering actuals, adding and removing manual
//! lines, and the day rate of the resources booked. Refusals are shown in the panel acted in.

use super::panels::{InlineForm, Panel, PanelRow};
use super::refused;
use crate::AppState;
use crate::pages::{Submit, saved};
use crate::views::*;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use trainyard_app::Caller;
use trainyard_app::budgets;
use trainyard_app::costs::{self, ActualFields, LineFields, RevenueSource, SessionFinance};
use trainyard_app::schedule::roster;
use trainyard_app::store::sessions::Session;
use trainyard_core::status::{CostKind, CostStage};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/sessions/{id}/cost-lines", post(add))
        .route("/sessions/{id}/cost-lines/actual", post(actual))
        .route("/sessions/{id}/cost-lines/remove", post(remove))
        .route("/sessions/{id}/resource-rate", post(resource_rate))
        .route("/sessions/{id}/cost-centre", post(cost_centre))
}

/// The panels' ids, all in the Finance tab.
pub(super) const PANELS: [&str; 5] = [
    "finance",
    "cost-lines",
    "cost-add",
    "resource-rate",
    "cost-centre",
];

fn stage_badge(s: CostStage) -> Cell {
    Cell::badge(s.label(), s.as_str())
}

/// A figure's name in the reader's words (`fact-…`; "Margin %" keeps its sign).
fn figure_label(label: &str) -> String {
    match label.strip_suffix(" %") {
        Some(name) => format!("{} %", crate::views::text_in("fact", name)),
        None => crate::views::text_in("fact", label),
    }
}

fn summary(f: &SessionFinance) -> Panel {
    let t = &f.totals;
    let mut rows = vec![
        (
            "Revenue",
            f.revenue.to_string(),
            match f.revenue_source {
                RevenueSource::Enrollments => "seat prices of the learners booked",
                RevenueSource::Invoices => "net of the issued invoices and credit notes",
            }
            .to_owned(),
        ),
        ("Planned cost", t.planned.to_string(), String::new()),
        ("Committed cost", t.committed.to_string(), String::new()),
        ("Actual cost", t.actual.to_string(), String::new()),
        (
            "Total cost",
            t.total.to_string(),
            "actual where entered, else committed or planned".into(),
        ),
        (
            "Margin",
            f.margin.to_string(),
            if f.margin.minor < 0 {
                "loss-making".into()
            } else {
                String::new()
            },
        ),
        (
            "Margin %",
            f.margin_percent
                .as_deref()
                .map_or("no revenue".into(), |p| format!("{p} %")),
            String::new(),
        ),
        ("Learners", f.learners.to_string(), "seats taken".into()),
        (
            "Cost per learner",
            f.cost_per_learner
                .map_or("no learners".into(), |m| m.to_string()),
            String::new(),
        ),
    ];
    for m in &t.other_currencies {
        rows.push((
            "Not in the totals",
            m.to_string(),
            "lines in another currency than the session's".into(),
        ));
    }
    Panel {
        id: "finance",
        title: "Revenue, cost and margin".into(),
        columns: vec!["Figure", "Amount", "Note"],
        rows: rows
            .into_iter()
            .map(|(label, amount, note)| PanelRow {
                href: String::new(),
                cells: vec![
                    Cell::text(figure_label(label)),
                    if label == "Margin" && f.margin.minor < 0 {
                        Cell {
                            text: amount,
                            class: "num loss".into(),
                        }
                    } else {
                        Cell::num(amount)
                    },
                    Cell::text(note),
                ],
                version: 0,
                actions: Vec::new(),
                substitute: None,
            })
            .collect(),
        empty: String::new(),
        form: None,
        override_allowed: false,
        refusal: None,
    }
}

fn lines(x: &Session, f: &SessionFinance) -> Panel {
    let id = x.id;
    Panel {
        id: "cost-lines",
        title: format!("Cost lines ({})", f.lines.len()),
        columns: vec![
            "Kind",
            "Description",
            "Stage",
            "Planned / committed",
            "Actual",
            "Counts",
            "Note",
        ],
        rows: f
            .lines
            .iter()
            .map(|l| {
                let mut actions = Vec::new();
                if !l.derived || l.actual.is_some() {
                    let mut a = Action::post(
                        if l.derived { "Clear actual" } else { "Remove" },
                        format!("/sessions/{id}/cost-lines/remove"),
                        Some(if l.derived {
                            "Clear this line's actual? It counts its computed amount again."
                        } else {
                            "Remove this cost line?"
                        }),
                    );
                    a.field = Some(("key".into(), l.key.clone()));
                    actions.push(a);
                }
                PanelRow {
                    href: String::new(),
                    cells: vec![
                        Cell::text(l.kind.label()),
                        Cell::text(if l.derived {
                            l.description.clone()
                        } else {
                            format!("{} (added)", l.description)
                        }),
                        stage_badge(l.stage),
                        Cell::num(l.planned.to_string()),
                        Cell::num(l.actual.map(|m| m.to_string()).unwrap_or_default()),
                        Cell::num(l.amount.to_string()),
                        Cell::text(&l.note),
                    ],
                    version: l.version,
                    actions,
                    substitute: None,
                }
            })
            .collect(),
        empty: "No costs yet: staff the session, book its room and enroll learners, or add a line."
            .into(),
        form: (!f.lines.is_empty()).then(|| InlineForm {
            action: format!("/sessions/{id}/cost-lines/actual"),
            fields: vec![
                Field::new("line", "Line", "select", "")
                    .choices(
                        f.lines
                            .iter()
                            .map(|l| {
                                (
                                    format!("{}@{}", l.key, l.version),
                                    format!("{}: {}", l.kind.label(), l.description),
                                )
                            })
                            .collect(),
                        None,
                    )
                    .required(),
                Field::new("amount", "Actual amount", "text", "").help("empty clears the actual"),
                Field::new("note", "Note", "wide", ""),
            ],
            submit: "Save actual",
            link: Some(("Import actuals from CSV".into(), "/costs/import".into())),
        }),
        override_allowed: false,
        refusal: None,
    }
}

fn add_panel(x: &Session) -> Panel {
    Panel {
        id: "cost-add",
        title: "Add a cost line".into(),
        columns: Vec::new(),
        rows: Vec::new(),
        empty: "Travel, catering or any cost the staffing, bookings and materials do not cover."
            .into(),
        form: Some(InlineForm {
            action: format!("/sessions/{}/cost-lines", x.id),
            fields: vec![
                Field::new("kind", "Kind", "select", "travel").choices(
                    enum_choices(CostKind::ALL, |v| v.as_str(), |v| v.label()),
                    None,
                ),
                Field::new("description", "Description", "wide", "").required(),
                Field::new("amount", "Amount", "text", "").required(),
                Field::new(
                    "currency",
                    "Currency",
                    "text",
                    x.seat_price.currency.as_str(),
                ),
                Field::new("stage", "Stage", "select", "planned").choices(
                    vec![
                        ("planned".into(), "Planned".into()),
                        ("committed".into(), "Committed".into()),
                    ],
                    None,
                ),
            ],
            submit: "Add line",
            link: None,
        }),
        override_allowed: false,
        refusal: None,
    }
}

fn rate_panel(x: &Session, r: &roster::Roster) -> Option<Panel> {
    let mut resources: Vec<(String, String)> = r
        .bookings
        .iter()
        .map(|b| (b.resource_id.to_string(), b.resource_name.clone()))
        .collect();
    resources.sort();
    resources.dedup();
    if resources.is_empty() {
        return None;
    }
    Some(Panel {
        id: "resource-rate",
        title: "Resource day rates".into(),
        columns: Vec::new(),
        rows: Vec::new(),
        empty: "A booked room, platform or equipment costs its day rate for each part booked (venue hire, platform licence)."
            .into(),
        form: Some(InlineForm {
            action: format!("/sessions/{}/resource-rate", x.id),
            fields: vec![
                Field::new("resource_id", "Resource", "select", "")
                    .choices(resources, None)
                    .required(),
                Field::new("day_rate", "Day rate", "text", "").required(),
                Field::new("currency", "Currency", "text", x.seat_price.currency.as_str()),
            ],
            submit: "Set day rate",
            link: None,
        }),
        override_allowed: false,
        refusal: None,
    })
}

/// The session's own cost centre (budgets per cost centre count it), chosen from the list.
fn cost_centre_panel(
    c: &Caller,
    x: &Session,
    current: Option<i64>,
    options: Vec<(i64, String)>,
) -> Panel {
    let tr = crate::i18n::Tr::for_caller(c);
    Panel {
        id: "cost-centre",
        title: tr.t("session-cost-centre").into(),
        columns: Vec::new(),
        rows: Vec::new(),
        empty: tr.t("session-cost-centre-help").into(),
        form: Some(InlineForm {
            action: format!("/sessions/{}/cost-centre", x.id),
            fields: vec![
                Field::new(
                    "cost_centre_id",
                    tr.t("session-cost-centre"),
                    "select",
                    &current.map(|id| id.to_string()).unwrap_or_default(),
                )
                .choices(
                    options
                        .into_iter()
                        .map(|(id, label)| (id.to_string(), label))
                        .collect(),
                    Some(tr.t("session-cost-centre-none")),
                ),
            ],
            submit: tr.t("session-cost-centre-save"),
            link: None,
        }),
        override_allowed: false,
        refusal: None,
    }
}

/// The Finance tab's panels, for callers who see finance data.
pub(super) async fn panels(
    s: &AppState,
    c: &Caller,
    x: &Session,
    r: &roster::Roster,
) -> Vec<Panel> {
    if !c.sees_finance() {
        return Vec::new();
    }
    let Ok(f) = costs::session_finance(&s.app, c, x.id).await else {
        return Vec::new();
    };
    let mut out = vec![summary(&f), lines(x, &f), add_panel(x)];
    out.extend(rate_panel(x, r));
    if x.archived_at.is_none()
        && let Ok((current, options)) = budgets::session_cost_centre(&s.app, c, x.id).await
    {
        out.push(cost_centre_panel(c, x, current, options));
    }
    out
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct CostCentreForm {
    /// Empty: no cost centre of its own.
    cost_centre_id: String,
}

async fn cost_centre(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form }: Submit<CostCentreForm>,
) -> Response {
    let chosen = match form.cost_centre_id.trim() {
        "" => Ok(None),
        raw => raw.parse::<i64>().map(Some).map_err(|_| {
            trainyard_app::AppError::Invalid(trainyard_core::Invalid::field(
                "cost_centre_id",
                "choose a cost centre from the list",
            ))
        }),
    };
    let result = match chosen {
        Ok(chosen) => budgets::set_session_cost_centre(&s.app, &c, id, chosen).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => saved(
            &format!("/sessions/{id}?tab=finance#cost-centre"),
            crate::i18n::Tr::for_caller(&c).t("session-cost-centre-saved"),
        ),
        Err(e) => {
            let typed = [("cost_centre_id", form.cost_centre_id.clone())];
            refused::refused(&s, &c, id, "cost-centre", &typed, e).await
        }
    }
}

async fn add(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form }: Submit<LineFields>,
) -> Response {
    match costs::add_line(&s.app, &c, id, &form).await {
        Ok(_) => saved(
            &format!("/sessions/{id}?tab=finance#cost-lines"),
            &format!("Added the cost line “{}”.", form.description.trim()),
        ),
        Err(e) => {
            let typed = [
                ("kind", form.kind.clone()),
                ("description", form.description.clone()),
                ("amount", form.amount.clone()),
                ("currency", form.currency.clone()),
                ("stage", form.stage.clone()),
            ];
            refused::refused(&s, &c, id, "cost-add", &typed, e).await
        }
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ActualForm {
    /// `key@version`.
    line: String,
    amount: String,
    note: String,
}

async fn actual(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form }: Submit<ActualForm>,
) -> Response {
    let (key, version) = form
        .line
        .rsplit_once('@')
        .unwrap_or((form.line.as_str(), "0"));
    let fields = ActualFields {
        version: version.trim().parse().unwrap_or(-1),
        amount: form.amount.clone(),
        note: form.note.clone(),
    };
    match costs::set_actual(&s.app, &c, id, key, &fields).await {
        Ok(_) => saved(
            &format!("/sessions/{id}?tab=finance#cost-lines"),
            if form.amount.trim().is_empty() {
                "Cleared the line's actual."
            } else {
                "Saved the actual cost."
            },
        ),
        Err(e) => {
            let typed = [
                ("line", form.line.clone()),
                ("amount", form.amount.clone()),
                ("note", form.note.clone()),
            ];
            refused::refused(&s, &c, id, "cost-lines", &typed, e).await
        }
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct RemoveForm {
    key: String,
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    version: i64,
}

async fn remove(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form }: Submit<RemoveForm>,
) -> Response {
    match costs::remove_line(&s.app, &c, id, &form.key, form.version).await {
        Ok(_) => saved(
            &format!("/sessions/{id}?tab=finance#cost-lines"),
            "Removed.",
        ),
        Err(e) => refused::refused(&s, &c, id, "cost-lines", &[], e).await,
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct RateForm {
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    resource_id: i64,
    day_rate: String,
    currency: String,
}

async fn resource_rate(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form }: Submit<RateForm>,
) -> Response {
    match costs::set_resource_rate(&s.app, &c, form.resource_id, &form.day_rate, &form.currency)
        .await
    {
        Ok(rate) => saved(
            &format!("/sessions/{id}?tab=finance#finance"),
            &format!("The day rate is now {rate}."),
        ),
        Err(e) => {
            let typed = [
                ("resource_id", form.resource_id.to_string()),
                ("day_rate", form.day_rate.clone()),
                ("currency", form.currency.clone()),
            ];
            refused::refused(&s, &c, id, "resource-rate", &typed, e).await
        }
    }
}
