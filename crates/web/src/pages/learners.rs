//! Learners: the people who attend sessions, optionally employed by a client. Staff see all of
//! them; a client contact sees only their own people, read-only.

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
use trainyard_app::people::{clients, learners};
use trainyard_app::store::enrollments::Enrollment;
use trainyard_app::store::learners::{Learner, LearnerFilter};
use trainyard_app::{App, Caller, history};
use trainyard_core::Role;
use trainyard_core::records::LearnerFields;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/learners", get(list).post(create))
        .route("/learners/new", get(new))
        .route("/learners/{id}", get(show).post(update))
        .route("/learners/{id}/edit", get(edit))
        .merge(super::archive_routes::<learners::Record>())
}

const PATH: &str = "/learners";
const AREA: &str = "learners";

fn full_name(l: &Learner) -> String {
    format!("{}, {}", l.last_name, l.first_name)
}

fn client_label(l: &Learner) -> String {
    l.client_name.clone().unwrap_or_else(|| "Individual".into())
}

async fn list(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    uri: Uri,
    Query(f): Query<LearnerFilter>,
) -> Response {
    let page = match learners::list(&s.app, &c, &f).await {
        Ok(p) => p,
        Err(e) => return error_page(e, Some(&c)),
    };
    let mut filters = Vec::new();
    if c.role.is_staff() {
        let client_opts = match clients::options(&s.app, &c).await {
            Ok(o) => o,
            Err(e) => return error_page(e, Some(&c)),
        };
        filters.push(Filter::select(
            "client_id",
            "Client",
            &f.client_id.map(|v| v.to_string()).unwrap_or_default(),
            id_choices(client_opts),
        ));
    }
    filters.push(Filter::archived(f.list.archived));
    let qs = QueryState::from_uri(&uri);
    let (prev_href, next_href) = paging(&qs, PATH, page.page, page.pages());
    let view = ListView {
        title: if c.role.is_staff() {
            "Learners"
        } else {
            "Our learners"
        },
        path: PATH,
        new_href: c.role.can_edit_operations().then_some("/learners/new"),
        new_label: "New learner",
        q: f.list.q.clone(),
        filters,
        columns: columns(
            &qs,
            PATH,
            "name",
            &[
                ("Name", "name", false),
                ("E-mail", "email", false),
                ("Client", "client", false),
                ("Time zone", "", false),
            ],
        ),
        rows: page
            .items
            .iter()
            .map(|l| Row {
                href: format!("/learners/{}", l.id),
                cells: vec![
                    Cell::text(full_name(l)),
                    Cell::text(&l.email),
                    Cell::text(client_label(l)),
                    Cell::text(&l.time_zone),
                ],
            })
            .collect(),
        total: page.total,
        page: page.page,
        pages: page.pages(),
        prev_href,
        next_href,
        csv_href: qs.with(PATH, &[("format", "csv"), ("page", ""), ("per_page", "10000")]),
        empty_hint: if c.role.can_edit_operations() {
            "Add the people who attend your sessions, with the client they work for (if any)."
        } else {
            "No learners yet. They appear here once they are enrolled or added by the training team."
        }
        .into(),
        filtered: qs.is_filtered(),
    };
    list_response(Chrome::new(&c, AREA, flash), view, wants_csv(&qs))
}

fn fields_of(l: &Learner) -> LearnerFields {
    LearnerFields {
        first_name: l.first_name.clone(),
        last_name: l.last_name.clone(),
        email: l.email.clone(),
        client_id: l.client_id.map(|v| v.to_string()).unwrap_or_default(),
        phone: l.phone.clone().unwrap_or_default(),
        time_zone: l.time_zone.clone(),
    }
}

fn form(
    title: String,
    action: String,
    cancel: String,
    version: Option<i64>,
    f: &LearnerFields,
    client_opts: Vec<(i64, String)>,
) -> FormView {
    FormView {
        title,
        action,
        submit: "Save learner",
        cancel_href: cancel,
        version,
        fields: vec![
            Field::new("first_name", "First name", "text", &f.first_name).required(),
            Field::new("last_name", "Last name", "text", &f.last_name).required(),
            Field::new("email", "E-mail", "email", &f.email).required(),
            Field::new("client_id", "Client", "select", &f.client_id)
                .choices(id_choices(client_opts), Some("— none (individual) —")),
            Field::new("phone", "Phone", "text", &f.phone),
            Field::new("time_zone", "Time zone", "text", &f.time_zone)
                .required()
                .help("IANA name, e.g. Europe/Berlin"),
        ],
        problems: Vec::new(),
    }
}

/// Clients for the chooser; a failure to load them leaves the chooser with only "none".
async fn client_choices(app: &App, c: &Caller) -> Vec<(i64, String)> {
    clients::options(app, c).await.unwrap_or_default()
}

async fn new(State(s): State<AppState>, Viewer(c): Viewer, uri: Uri) -> Response {
    if let Err(e) = c.require_operations("create learners") {
        return error_page(e, Some(&c));
    }
    let qs = QueryState::from_uri(&uri);
    let blank = LearnerFields {
        client_id: qs.get("client_id").to_owned(),
        time_zone: c.time_zone.clone(),
        ..Default::default()
    };
    FormPage {
        chrome: Chrome::new(&c, AREA, None),
        view: form(
            "New learner".into(),
            PATH.into(),
            PATH.into(),
            None,
            &blank,
            client_choices(&s.app, &c).await,
        ),
    }
    .into_response()
}

async fn create(
    State(s): State<AppState>,
    Submit { caller: c, form: f }: Submit<LearnerFields>,
) -> Response {
    match learners::create(&s.app, &c, &f).await {
        Ok(l) => saved(
            &format!("/learners/{}", l.id),
            &format!("Learner {} {} created.", l.first_name, l.last_name),
        ),
        Err(e) => form_refused(
            Chrome::new(&c, AREA, None),
            form(
                "New learner".into(),
                PATH.into(),
                PATH.into(),
                None,
                &f,
                client_choices(&s.app, &c).await,
            ),
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
    let l = match learners::get(&s.app, &c, id).await {
        Ok(l) => l,
        Err(e) => return error_page(e, Some(&c)),
    };
    let enrollments = match learners::enrollments(&s.app, &c, id).await {
        Ok(e) => e,
        Err(e) => return error_page(e, Some(&c)),
    };
    let events = if c.role.is_staff() {
        history::of_record(&s.app, &c, "learner", id)
            .await
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let mut view = detail(&c, &l, enrollments, events);
    if let Some(messages) = super::messages::log_section(&s, &c, "learner", id).await {
        view.sections.push(messages);
    }
    DetailPage {
        chrome: Chrome::new(&c, AREA, flash),
        view,
    }
    .into_response()
}

fn detail(
    c: &Caller,
    l: &Learner,
    enrollments: Vec<Enrollment>,
    events: Vec<trainyard_app::store::audit::AuditEvent>,
) -> DetailView {
    let tz = viewer_tz(c);
    let mut actions = Vec::new();
    if c.role.can_edit_operations() {
        actions.push(Action::link("Edit", format!("/learners/{}/edit", l.id)));
        actions.push(if l.archived_at.is_some() {
            Action::post("Restore", format!("/learners/{}/restore", l.id), None)
        } else {
            Action::post(
                "Archive",
                format!("/learners/{}/archive", l.id),
                Some("Archive this learner? They leave the lists but keep their enrollments and history."),
            )
        });
    }
    let mut facts = vec![fact("E-mail", &l.email)];
    facts.push(match l.client_id {
        Some(cid) if c.role.is_staff() => {
            link_fact("Client", client_label(l), format!("/clients/{cid}"))
        }
        _ => fact("Client", client_label(l)),
    });
    facts.push(fact("Phone", l.phone.clone().unwrap_or_else(|| "—".into())));
    facts.push(fact("Time zone", &l.time_zone));
    let rows = enrollments
        .into_iter()
        .map(|e| Row {
            href: format!("/sessions/{}", e.session_id),
            cells: vec![
                Cell::text(e.session_reference),
                Cell::text(e.course_title),
                Cell::text(tz.display(e.session_starts_at)),
                Cell::badge(e.status.label(), e.status.as_str()),
            ],
        })
        .collect();
    DetailView {
        title: format!("{} {}", l.first_name, l.last_name),
        subtitle: format!("Learner — {}", client_label(l)),
        status: l.archived_at.map(|_| Cell::badge("Archived", "archived")),
        // A learner viewing their own record cannot open the list.
        back_href: match c.role {
            r if r.is_staff() => PATH,
            Role::ClientContact => PATH,
            _ => "/",
        },
        back_label: match c.role {
            r if r.is_staff() => "Learners",
            Role::ClientContact => "Our learners",
            _ => "Home",
        },
        version: l.version,
        actions,
        facts,
        sections: vec![Section {
            title: "Enrollments".into(),
            columns: vec!["Session", "Course", "Starts", "Status"],
            rows,
            empty: "Not enrolled in any session yet.".into(),
        }],
        history: history(events, &tz),
    }
}

async fn edit(State(s): State<AppState>, Viewer(c): Viewer, Path(id): Path<i64>) -> Response {
    if let Err(e) = c.require_operations("change learners") {
        return error_page(e, Some(&c));
    }
    match learners::get(&s.app, &c, id).await {
        Ok(l) => FormPage {
            chrome: Chrome::new(&c, AREA, None),
            view: form(
                format!("Edit {} {}", l.first_name, l.last_name),
                format!("/learners/{id}"),
                format!("/learners/{id}"),
                Some(l.version),
                &fields_of(&l),
                client_choices(&s.app, &c).await,
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
    }: Submit<Versioned<LearnerFields>>,
) -> Response {
    let version = posted.version;
    let f = posted.inner;
    match learners::update(&s.app, &c, id, version, &f).await {
        Ok(l) => saved(
            &format!("/learners/{id}"),
            &format!("Learner {} {} saved.", l.first_name, l.last_name),
        ),
        Err(e) => form_refused(
            Chrome::new(&c, AREA, None),
            form(
                format!("Edit {} {}", f.first_name, f.last_name),
                format!("/learners/{id}"),
                format!("/learners/{id}"),
                Some(version),
                &f,
                client_choices(&s.app, &c).await,
            ),
            e,
            &c,
        ),
    }
}

super::archivable!(learners, "/learners", "Learner", |r| format!(
    "{} {}",
    r.first_name, r.last_name
));
