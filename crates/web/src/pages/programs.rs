//! Programs: a client's contracted series of sessions, with its budget and dates.

use super::{
    DetailPage, FormPage, Submit, Versioned, form_refused, list_response, saved, wants_csv,
};
use crate::AppState;
use crate::auth::Viewer;
use crate::pages::{Flash, error_page};
use crate::views::*;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use trainyard_app::people::clients;
use trainyard_app::programs::{self, ProgramDetail};
use trainyard_app::store::programs::{Program, ProgramFilter};
use trainyard_app::{Caller, history};
use trainyard_core::records::ProgramFields;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/programs", get(list).post(create))
        .route("/programs/new", get(new))
        .route("/programs/{id}", get(show).post(update))
        .route("/programs/{id}/edit", get(edit))
        .merge(super::archive_routes::<programs::Record>())
}

const PATH: &str = "/programs";
const AREA: &str = "programs";

/// "2026-03-01 to 2026-06-30", "from 2026-03-01", "until 2026-06-30" or "not agreed yet".
pub(super) fn dates(p: &Program) -> String {
    match (&p.starts_on, &p.ends_on) {
        (Some(s), Some(e)) => format!("{s} to {e}"),
        (Some(s), None) => format!("from {s}"),
        (None, Some(e)) => format!("until {e}"),
        (None, None) => "not agreed yet".into(),
    }
}

async fn list(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    uri: Uri,
    Query(f): Query<ProgramFilter>,
) -> Response {
    let page = match programs::list(&s.app, &c, &f).await {
        Ok(p) => p,
        Err(e) => return error_page(e, Some(&c)),
    };
    let qs = QueryState::from_uri(&uri);
    let (prev_href, next_href) = paging(&qs, PATH, page.page, page.pages());
    let client = f.client_id.map(|i| i.to_string()).unwrap_or_default();
    let finance = c.sees_finance();
    let mut cols = vec![
        ("Name", "name", false),
        ("Client", "client", false),
        ("Starts", "starts", false),
        ("Ends", "ends", false),
    ];
    if finance {
        cols.push(("Budget", "budget", true));
    }
    let view = ListView {
        title: "Programs",
        path: PATH,
        new_href: c.role.can_edit_operations().then_some("/programs/new"),
        new_label: "New program",
        q: f.list.q.clone(),
        filters: vec![
            Filter::select(
                "client_id",
                "Client",
                &client,
                id_choices(clients::options(&s.app, &c).await.unwrap_or_default()),
            ),
            Filter::archived(f.list.archived),
        ],
        columns: columns(&qs, PATH, "name", &cols),
        rows: page
            .items
            .iter()
            .map(|p| {
                let mut cells = vec![
                    Cell::text(&p.name),
                    Cell::text(&p.client_name),
                    Cell::text(p.starts_on.clone().unwrap_or_else(|| "—".into())),
                    Cell::text(p.ends_on.clone().unwrap_or_else(|| "—".into())),
                ];
                if finance {
                    cells.push(Cell::num(money_shown(p.budget)));
                }
                Row {
                    href: format!("/programs/{}", p.id),
                    cells,
                }
            })
            .collect(),
        total: page.total,
        page: page.page,
        pages: page.pages(),
        prev_href,
        next_href,
        csv_href: qs.with(
            PATH,
            &[("format", "csv"), ("page", ""), ("per_page", "10000")],
        ),
        empty_hint: "Record what a client has contracted — e.g. 12 sessions of Leadership 101 between March and June for 60,000 EUR — then attach its sessions."
            .into(),
        filtered: qs.is_filtered(),
    };
    list_response(Chrome::new(&c, AREA, flash), view, wants_csv(&qs))
}

fn fields_of(p: &Program) -> ProgramFields {
    ProgramFields {
        client_id: p.client_id.to_string(),
        name: p.name.clone(),
        budget: money_field(p.budget),
        currency: p.budget.map(|b| b.currency.to_string()).unwrap_or_default(),
        starts_on: p.starts_on.clone().unwrap_or_default(),
        ends_on: p.ends_on.clone().unwrap_or_default(),
    }
}

/// The active clients, plus the program's own client when that one is archived (so an edit keeps it).
async fn client_choices(s: &AppState, c: &Caller, current: &str) -> Vec<(String, String)> {
    let mut choices = id_choices(clients::options(&s.app, c).await.unwrap_or_default());
    if let Ok(id) = current.trim().parse::<i64>()
        && !choices.iter().any(|(v, _)| *v == current.trim())
        && let Ok(cl) = clients::get(&s.app, c, id).await
    {
        choices.push((
            id.to_string(),
            format!("{} — {} (archived)", cl.code, cl.name),
        ));
    }
    choices
}

async fn form(
    s: &AppState,
    c: &Caller,
    title: String,
    action: String,
    version: Option<i64>,
    f: &ProgramFields,
) -> FormView {
    let cancel = if action == PATH {
        PATH.to_owned()
    } else {
        action.clone()
    };
    let mut fields = vec![
        Field::new("client_id", "Client", "select", &f.client_id)
            .required()
            .choices(
                client_choices(s, c, &f.client_id).await,
                Some("— choose a client —"),
            ),
        Field::new("name", "Name", "text", &f.name)
            .required()
            .help("e.g. Leadership 101 for Acme, spring"),
    ];
    // The budget is finance data: without these fields the stored budget is kept.
    if c.sees_finance() {
        fields.push(
            Field::new("budget", "Budget", "text", &f.budget)
                .help("The contracted amount, e.g. 60000.00"),
        );
        fields.push(
            Field::new("currency", "Currency", "text", &f.currency)
                .required()
                .help("ISO code, e.g. EUR"),
        );
    }
    fields.extend([
        Field::new("starts_on", "First day", "date", &f.starts_on)
            .help("YYYY-MM-DD; leave empty if not agreed yet"),
        Field::new("ends_on", "Last day", "date", &f.ends_on)
            .help("YYYY-MM-DD, inclusive; not before the first day"),
    ]);
    FormView {
        title,
        action,
        submit: "Save program",
        cancel_href: cancel,
        version,
        fields,
        problems: Vec::new(),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct NewParams {
    client_id: String,
}

async fn new(State(s): State<AppState>, Viewer(c): Viewer, Query(q): Query<NewParams>) -> Response {
    if let Err(e) = c.require_operations("create programs") {
        return error_page(e, Some(&c));
    }
    let mut blank = ProgramFields {
        currency: "EUR".into(),
        ..Default::default()
    };
    // From a client's page: that client, in its currency.
    if let Ok(id) = q.client_id.trim().parse::<i64>()
        && let Ok(cl) = clients::get(&s.app, &c, id).await
    {
        blank.client_id = id.to_string();
        blank.currency = cl.currency.to_string();
    }
    let view = form(&s, &c, "New program".into(), PATH.into(), None, &blank).await;
    FormPage {
        chrome: Chrome::new(&c, AREA, None),
        view,
    }
    .into_response()
}

async fn create(
    State(s): State<AppState>,
    Submit { caller: c, form: f }: Submit<ProgramFields>,
) -> Response {
    match programs::create(&s.app, &c, &f).await {
        Ok(p) => saved(
            &format!("/programs/{}", p.id),
            &format!("Program {} created.", p.name),
        ),
        Err(e) => {
            let view = form(&s, &c, "New program".into(), PATH.into(), None, &f).await;
            form_refused(Chrome::new(&c, AREA, None), view, e, &c)
        }
    }
}

async fn show(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    Path(id): Path<i64>,
) -> Response {
    let d = match programs::get(&s.app, &c, id).await {
        Ok(d) => d,
        Err(e) => return error_page(e, Some(&c)),
    };
    let events = if c.role.is_staff() {
        history::of_record(&s.app, &c, "program", id)
            .await
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    DetailPage {
        chrome: Chrome::new(&c, AREA, flash),
        view: detail(&c, &d, events),
    }
    .into_response()
}

fn detail(
    c: &Caller,
    d: &ProgramDetail,
    events: Vec<trainyard_app::store::audit::AuditEvent>,
) -> DetailView {
    let p = &d.program;
    let viewer = viewer_tz(c);
    let mut actions = Vec::new();
    if c.role.can_edit_operations() {
        actions.push(Action::link("Edit", format!("/programs/{}/edit", p.id)));
        actions.push(if p.archived_at.is_some() {
            Action::post("Restore", format!("/programs/{}/restore", p.id), None)
        } else {
            Action::post(
                "Archive",
                format!("/programs/{}/archive", p.id),
                Some("Archive this program? It leaves the choosers; its sessions keep it."),
            )
        });
    }
    let counts = &d.counts;
    let by_status = if counts.sessions == 0 {
        "None yet".to_owned()
    } else {
        format!(
            "{} in all: {}",
            counts.sessions,
            counts
                .by_status
                .iter()
                .map(|s| format!("{} {}", s.sessions, s.status.label().to_lowercase()))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let mut facts = vec![
        if c.role.is_staff() {
            link_fact(
                "Client",
                &p.client_name,
                format!("/clients/{}", p.client_id),
            )
        } else {
            fact("Client", &p.client_name)
        },
        fact("Dates", dates(p)),
    ];
    if let Some(budget) = p.budget {
        // Present only for viewers who may see finance data.
        facts.push(fact("Budget", budget.to_string()));
    }
    facts.extend([
        fact("Sessions", by_status),
        fact(
            "Seats",
            format!(
                "{} booked of {} (sessions not cancelled or postponed)",
                counts.booked, counts.capacity
            ),
        ),
        link_fact(
            "All sessions",
            "This program's sessions in the session list",
            format!("/sessions?program_id={}", p.id),
        ),
    ]);
    if c.role.can_edit_operations() {
        facts.push(link_fact(
            "Planning",
            "Plan this program's drafts →",
            format!("/plan?program_id={}", p.id),
        ));
    }
    let shown = d.sessions.len() as i64;
    let sessions = Section {
        title: if counts.sessions > shown && shown > 0 {
            format!("Sessions (the first {shown} of {})", counts.sessions)
        } else {
            format!("Sessions ({shown})")
        },
        columns: vec!["Reference", "Course", "Starts", "Status", "Booked"],
        rows: d
            .sessions
            .iter()
            .map(|x| Row {
                href: format!("/sessions/{}", x.id),
                cells: vec![
                    Cell::text(&x.reference),
                    Cell::text(format!(
                        "{} {}",
                        x.course_code,
                        x.title.as_deref().unwrap_or(&x.course_title)
                    )),
                    Cell::text(when(x.starts_at, &x.time_zone, &viewer)),
                    Cell::badge(x.status.label(), x.status.as_str()),
                    Cell::num(format!("{}/{}", x.booked_count, x.capacity)),
                ],
            })
            .collect(),
        empty: "No sessions belong to this program yet: choose it as the Program of a session."
            .into(),
    };
    DetailView {
        title: p.name.clone(),
        subtitle: format!("Program for {}", p.client_name),
        status: p.archived_at.map(|_| Cell::badge("Archived", "archived")),
        back_href: PATH,
        back_label: "Programs",
        version: p.version,
        actions,
        facts,
        sections: vec![sessions],
        history: history(events, &viewer),
    }
}

async fn edit(State(s): State<AppState>, Viewer(c): Viewer, Path(id): Path<i64>) -> Response {
    if let Err(e) = c.require_operations("change programs") {
        return error_page(e, Some(&c));
    }
    match programs::find(&s.app, &c, id).await {
        Ok(p) => {
            let view = form(
                &s,
                &c,
                format!("Edit {}", p.name),
                format!("/programs/{id}"),
                Some(p.version),
                &fields_of(&p),
            )
            .await;
            FormPage {
                chrome: Chrome::new(&c, AREA, None),
                view,
            }
            .into_response()
        }
        Err(e) => error_page(e, Some(&c)),
    }
}

async fn update(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit {
        caller: c,
        form: posted,
    }: Submit<Versioned<ProgramFields>>,
) -> Response {
    let version = posted.version;
    let f = posted.inner;
    match programs::update(&s.app, &c, id, version, &f).await {
        Ok(p) => saved(
            &format!("/programs/{id}"),
            &format!("Program {} saved.", p.name),
        ),
        Err(e) => {
            let view = form(
                &s,
                &c,
                format!("Edit {}", f.name),
                format!("/programs/{id}"),
                Some(version),
                &f,
            )
            .await;
            form_refused(Chrome::new(&c, AREA, None), view, e, &c)
        }
    }
}

super::archivable!(programs, "/programs", "Program", |r| r.name.clone());
