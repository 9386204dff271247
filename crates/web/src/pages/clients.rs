//! Clients: the organisations that buy training, with their billing details.

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
use trainyard_app::store::clients::{Client, ClientFilter};
use trainyard_app::store::programs::{Program, ProgramFilter};
use trainyard_app::{Caller, history};
use trainyard_core::records::ClientFields;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/clients", get(list).post(create))
        .route("/clients/new", get(new))
        .route("/clients/{id}", get(show).post(update))
        .route("/clients/{id}/edit", get(edit))
        .merge(super::archive_routes::<clients::Record>())
}

const PATH: &str = "/clients";
const AREA: &str = "clients";

fn yes_no(b: bool) -> &'static str {
    if b { "Yes" } else { "No" }
}

async fn list(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    uri: Uri,
    Query(f): Query<ClientFilter>,
) -> Response {
    let page = match clients::list(&s.app, &c, &f).await {
        Ok(p) => p,
        Err(e) => return error_page(e, Some(&c)),
    };
    let qs = QueryState::from_uri(&uri);
    let (prev_href, next_href) = paging(&qs, PATH, page.page, page.pages());
    let view = ListView {
        title: "Clients",
        path: PATH,
        new_href: c.role.can_edit_operations().then_some("/clients/new"),
        new_label: "New client",
        q: f.list.q.clone(),
        filters: vec![Filter::archived(f.list.archived)],
        columns: columns(
            &qs,
            PATH,
            "name",
            &[
                ("Code", "code", false),
                ("Name", "name", false),
                ("Billing e-mail", "", false),
                ("Currency", "", false),
                ("Approval required", "", false),
            ],
        ),
        rows: page
            .items
            .iter()
            .map(|cl| Row {
                href: format!("/clients/{}", cl.id),
                cells: vec![
                    Cell::text(&cl.code),
                    Cell::text(&cl.name),
                    Cell::text(&cl.billing_email),
                    Cell::text(cl.currency.to_string()),
                    Cell::text(yes_no(cl.requires_approval)),
                ],
            })
            .collect(),
        total: page.total,
        page: page.page,
        pages: page.pages(),
        prev_href,
        next_href,
        csv_href: qs.with(PATH, &[("format", "csv"), ("page", ""), ("per_page", "10000")]),
        empty_hint: "Add the organisations you train for: billing contact, currency and whether their enrollments need approval."
            .into(),
        filtered: qs.is_filtered(),
    };
    list_response(Chrome::new(&c, AREA, flash), view, wants_csv(&qs))
}

fn fields_of(cl: &Client) -> ClientFields {
    ClientFields {
        code: cl.code.clone(),
        name: cl.name.clone(),
        billing_email: cl.billing_email.clone(),
        billing_address: cl.billing_address.clone(),
        currency: cl.currency.to_string(),
        time_zone: cl.time_zone.clone(),
        requires_approval: if cl.requires_approval {
            "true".into()
        } else {
            String::new()
        },
        notes: cl.notes.clone(),
    }
}

fn form(
    title: String,
    action: String,
    cancel: String,
    version: Option<i64>,
    f: &ClientFields,
) -> FormView {
    // The checkbox template checks for exactly "true"; the rule also accepts "on", "1", "yes".
    let approval = if matches!(f.requires_approval.trim(), "true" | "on" | "1" | "yes") {
        "true"
    } else {
        ""
    };
    FormView {
        title,
        action,
        submit: "Save client",
        cancel_href: cancel,
        version,
        fields: vec![
            Field::new("code", "Code", "text", &f.code)
                .required()
                .help("Short and unique, e.g. ACME"),
            Field::new("name", "Name", "text", &f.name).required(),
            Field::new("billing_email", "Billing e-mail", "email", &f.billing_email).required(),
            Field::new(
                "billing_address",
                "Billing address",
                "textarea",
                &f.billing_address,
            ),
            Field::new("currency", "Currency", "text", &f.currency)
                .required()
                .help("ISO code, e.g. EUR"),
            Field::new("time_zone", "Time zone", "text", &f.time_zone)
                .required()
                .help("IANA name, e.g. Europe/Berlin"),
            Field::new(
                "requires_approval",
                "Enrollments need the client's approval",
                "checkbox",
                approval,
            ),
            Field::new("notes", "Notes", "textarea", &f.notes),
        ],
        problems: Vec::new(),
    }
}

async fn new(Viewer(c): Viewer) -> Response {
    if let Err(e) = c.require_operations("create clients") {
        return error_page(e, Some(&c));
    }
    let blank = ClientFields {
        currency: "EUR".into(),
        time_zone: c.time_zone.clone(),
        ..Default::default()
    };
    FormPage {
        chrome: Chrome::new(&c, AREA, None),
        view: form("New client".into(), PATH.into(), PATH.into(), None, &blank),
    }
    .into_response()
}

async fn create(
    State(s): State<AppState>,
    Submit { caller: c, form: f }: Submit<ClientFields>,
) -> Response {
    match clients::create(&s.app, &c, &f).await {
        Ok(cl) => saved(
            &format!("/clients/{}", cl.id),
            &format!("Client {} created.", cl.code),
        ),
        Err(e) => form_refused(
            Chrome::new(&c, AREA, None),
            form("New client".into(), PATH.into(), PATH.into(), None, &f),
            e,
            &c,
        ),
    }
}

async fn show(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    Path(id): Path<i64>,
) -> Response {
    let cl = match clients::get(&s.app, &c, id).await {
        Ok(cl) => cl,
        Err(e) => return error_page(e, Some(&c)),
    };
    let events = history::of_record(&s.app, &c, "client", id)
        .await
        .unwrap_or_default();
    // The client's programs, for staff (a client contact's portal shows their sessions instead).
    let programs = if c.role.is_staff() {
        let filter = ProgramFilter {
            client_id: Some(id),
            list: trainyard_app::store::ListParams {
                per_page: 100,
                ..Default::default()
            },
        };
        trainyard_app::programs::list(&s.app, &c, &filter)
            .await
            .map(|p| p.items)
            .ok()
    } else {
        None
    };
    let mut view = detail(&c, &cl, events);
    if let Some(programs) = programs {
        view.sections
            .push(programs_section(&programs, c.sees_finance()));
        if c.role.can_edit_operations() && cl.archived_at.is_none() {
            view.actions.insert(
                1,
                Action::link("New program", format!("/programs/new?client_id={id}")),
            );
        }
    }
    DetailPage {
        chrome: Chrome::new(&c, AREA, flash),
        view,
    }
    .into_response()
}

fn programs_section(programs: &[Program], finance: bool) -> Section {
    Section {
        title: format!("Programs ({})", programs.len()),
        columns: if finance {
            vec!["Program", "Dates", "Budget"]
        } else {
            vec!["Program", "Dates"]
        },
        rows: programs
            .iter()
            .map(|p| {
                let mut cells = vec![Cell::text(&p.name), Cell::text(super::programs::dates(p))];
                if finance {
                    cells.push(Cell::text(money_shown(p.budget)));
                }
                Row {
                    href: format!("/programs/{}", p.id),
                    cells,
                }
            })
            .collect(),
        empty: "No active programs: record what this client has contracted with \"New program\"."
            .into(),
    }
}

fn detail(
    c: &Caller,
    cl: &Client,
    events: Vec<trainyard_app::store::audit::AuditEvent>,
) -> DetailView {
    let mut actions = Vec::new();
    if c.role.can_edit_operations() {
        actions.push(Action::link("Edit", format!("/clients/{}/edit", cl.id)));
        actions.push(if cl.archived_at.is_some() {
            Action::post("Restore", format!("/clients/{}/restore", cl.id), None)
        } else {
            Action::post(
                "Archive",
                format!("/clients/{}/archive", cl.id),
                Some("Archive this client? They leave the choosers but keep their history."),
            )
        });
    }
    if c.role.is_staff() {
        actions.push(Action::link(
            "Calendar feed",
            format!("/feeds/client/{}", cl.id),
        ));
    }
    let mut facts = vec![
        fact("Code", &cl.code),
        fact("Billing e-mail", &cl.billing_email),
        fact(
            "Billing address",
            if cl.billing_address.trim().is_empty() {
                "—".to_owned()
            } else {
                cl.billing_address.clone()
            },
        ),
        fact("Currency", cl.currency.to_string()),
        fact("Time zone", &cl.time_zone),
        fact(
            "Approval required",
            if cl.requires_approval {
                "Yes: enrollments wait for the client's approval"
            } else {
                "No"
            },
        ),
    ];
    if !cl.notes.is_empty() {
        facts.push(fact("Notes", &cl.notes));
    }
    facts.push(link_fact(
        "Sessions",
        "Sessions for this client",
        format!("/sessions?client_id={}", cl.id),
    ));
    facts.push(link_fact(
        "Learners",
        "Their learners",
        format!("/learners?client_id={}", cl.id),
    ));
    DetailView {
        title: cl.name.clone(),
        subtitle: format!("Client {}", cl.code),
        status: cl.archived_at.map(|_| Cell::badge("Archived", "archived")),
        back_href: PATH,
        back_label: "Clients",
        version: cl.version,
        actions,
        facts,
        sections: Vec::new(),
        history: history(events, &viewer_tz(c)),
    }
}

async fn edit(State(s): State<AppState>, Viewer(c): Viewer, Path(id): Path<i64>) -> Response {
    if let Err(e) = c.require_operations("change clients") {
        return error_page(e, Some(&c));
    }
    match clients::get(&s.app, &c, id).await {
        Ok(cl) => FormPage {
            chrome: Chrome::new(&c, AREA, None),
            view: form(
                format!("Edit {}", cl.code),
                format!("/clients/{id}"),
                format!("/clients/{id}"),
                Some(cl.version),
                &fields_of(&cl),
            ),
        }
        .into_response(),
        Err(e) => error_page(e, Some(&c)),
    }
}

async fn update(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit {
        caller: c,
        form: posted,
    }: Submit<Versioned<ClientFields>>,
) -> Response {
    let version = posted.version;
    let f = posted.inner;
    match clients::update(&s.app, &c, id, version, &f).await {
        Ok(cl) => saved(
            &format!("/clients/{id}"),
            &format!("Client {} saved.", cl.code),
        ),
        Err(e) => form_refused(
            Chrome::new(&c, AREA, None),
            form(
                format!("Edit {}", f.code),
                format!("/clients/{id}"),
                format!("/clients/{id}"),
                Some(version),
                &f,
            ),
            e,
            &c,
        ),
    }
}

super::archivable!(clients, "/clients", "Client", |r| r.code.clone());
