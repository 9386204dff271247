//! Resources: rooms at a venue, equipment, virtual platforms and material pools.

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
use trainyard_app::sites::{resources, venues};
use trainyard_app::store::resources::{Resource, ResourceFilter};
use trainyard_app::{App, Caller, history};
use trainyard_core::records::ResourceFields;
use trainyard_core::status::ResourceKind;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/resources", get(list).post(create))
        .route("/resources/new", get(new))
        .route("/resources/{id}", get(show).post(update))
        .route("/resources/{id}/edit", get(edit))
        .merge(super::archive_routes::<resources::Record>())
}

const PATH: &str = "/resources";
const AREA: &str = "resources";

async fn list(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    uri: Uri,
    Query(f): Query<ResourceFilter>,
) -> Response {
    let page = match resources::list(&s.app, &c, &f).await {
        Ok(p) => p,
        Err(e) => return error_page(e, Some(&c)),
    };
    let venue_opts = match venues::options(&s.app, &c).await {
        Ok(v) => v,
        Err(e) => return error_page(e, Some(&c)),
    };
    let qs = QueryState::from_uri(&uri);
    let (prev_href, next_href) = paging(&qs, PATH, page.page, page.pages());
    let view = ListView {
        title: "Resources",
        path: PATH,
        new_href: c.role.can_edit_operations().then_some("/resources/new"),
        new_label: "New resource",
        q: f.list.q.clone(),
        filters: vec![
            Filter::select(
                "kind",
                "Kind",
                &f.kind,
                enum_choices(ResourceKind::ALL, |k| k.as_str(), |k| k.label()),
            ),
            Filter::select(
                "venue_id",
                "Venue",
                &f.venue_id.map(|v| v.to_string()).unwrap_or_default(),
                id_choices(venue_opts),
            ),
            Filter::archived(f.list.archived),
        ],
        columns: columns(
            &qs,
            PATH,
            "code",
            &[
                ("Code", "code", false),
                ("Name", "name", false),
                ("Kind", "kind", false),
                ("Venue", "", false),
                ("Seats", "seats", true),
                ("Quantity", "quantity", true),
                ("Features", "", false),
            ],
        ),
        rows: page
            .items
            .iter()
            .map(|r| Row {
                href: format!("/resources/{}", r.id),
                cells: vec![
                    Cell::text(&r.code),
                    Cell::text(&r.name),
                    Cell::text(r.kind.label()),
                    Cell::text(r.venue_name.clone().unwrap_or_else(|| "—".into())),
                    Cell::num(if r.seats > 0 {
                        r.seats.to_string()
                    } else {
                        "—".into()
                    }),
                    Cell::num(r.quantity),
                    Cell::text(r.features.join(", ")),
                ],
            })
            .collect(),
        total: page.total,
        page: page.page,
        pages: page.pages(),
        prev_href,
        next_href,
        csv_href: qs.with(PATH, &[("format", "csv"), ("page", ""), ("per_page", "10000")]),
        empty_hint: "Add the rooms at your venues, pooled equipment, virtual-platform licences and materials, so sessions can book them."
            .into(),
        filtered: qs.is_filtered(),
    };
    list_response(Chrome::new(&c, AREA, flash), view, wants_csv(&qs))
}

fn fields_of(r: &Resource) -> ResourceFields {
    ResourceFields {
        kind: r.kind.as_str().into(),
        code: r.code.clone(),
        name: r.name.clone(),
        venue_id: r.venue_id.map(|v| v.to_string()).unwrap_or_default(),
        // No seats is stored as 0 but typed as blank (the rule accepts 1 or more, or nothing).
        seats: if r.seats > 0 {
            r.seats.to_string()
        } else {
            String::new()
        },
        quantity: r.quantity.to_string(),
        features: r.features.join(", "),
        notes: r.notes.clone(),
    }
}

fn form(
    title: String,
    action: String,
    cancel: String,
    version: Option<i64>,
    f: &ResourceFields,
    venue_opts: Vec<(i64, String)>,
) -> FormView {
    FormView {
        title,
        action,
        submit: "Save resource",
        cancel_href: cancel,
        version,
        fields: vec![
            Field::new("kind", "Kind", "select", &f.kind)
                .required()
                .choices(
                    enum_choices(ResourceKind::ALL, |k| k.as_str(), |k| k.label()),
                    None,
                ),
            Field::new("code", "Code", "text", &f.code)
                .required()
                .help("Short and unique, e.g. BER-R1"),
            Field::new("name", "Name", "text", &f.name).required(),
            Field::new("venue_id", "Venue", "select", &f.venue_id)
                .choices(id_choices(venue_opts), Some("— none (pooled or virtual) —")),
            Field::new("seats", "Seats", "number", &f.seats)
                .help("For rooms: how many learners fit"),
            Field::new("quantity", "Quantity", "number", &f.quantity)
                .help("For pooled equipment and platform licences: how many can be in use at once"),
            Field::new("features", "Features", "text", &f.features).help("Comma-separated"),
            Field::new("notes", "Notes", "textarea", &f.notes),
        ],
        problems: Vec::new(),
    }
}

/// Venues for the chooser; a failure to load them leaves the chooser with only "none".
async fn venue_choices(app: &App, c: &Caller) -> Vec<(i64, String)> {
    venues::options(app, c).await.unwrap_or_default()
}

async fn new(State(s): State<AppState>, Viewer(c): Viewer, uri: Uri) -> Response {
    if let Err(e) = c.require_operations("create resources") {
        return error_page(e, Some(&c));
    }
    let qs = QueryState::from_uri(&uri);
    let blank = ResourceFields {
        kind: "room".into(),
        venue_id: qs.get("venue_id").to_owned(),
        quantity: "1".into(),
        ..Default::default()
    };
    FormPage {
        chrome: Chrome::new(&c, AREA, None),
        view: form(
            "New resource".into(),
            PATH.into(),
            PATH.into(),
            None,
            &blank,
            venue_choices(&s.app, &c).await,
        ),
    }
    .into_response()
}

async fn create(
    State(s): State<AppState>,
    Submit { caller: c, form: f }: Submit<ResourceFields>,
) -> Response {
    match resources::create(&s.app, &c, &f).await {
        Ok(r) => saved(
            &format!("/resources/{}", r.id),
            &format!("Resource {} created.", r.code),
        ),
        Err(e) => form_refused(
            Chrome::new(&c, AREA, None),
            form(
                "New resource".into(),
                PATH.into(),
                PATH.into(),
                None,
                &f,
                venue_choices(&s.app, &c).await,
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
    let r = match resources::get(&s.app, &c, id).await {
        Ok(r) => r,
        Err(e) => return error_page(e, Some(&c)),
    };
    let events = history::of_record(&s.app, &c, "resource", id)
        .await
        .unwrap_or_default();
    DetailPage {
        chrome: Chrome::new(&c, AREA, flash),
        view: detail(&c, &r, events),
    }
    .into_response()
}

fn detail(
    c: &Caller,
    r: &Resource,
    events: Vec<trainyard_app::store::audit::AuditEvent>,
) -> DetailView {
    let mut actions = Vec::new();
    if c.role.can_edit_operations() {
        actions.push(Action::link("Edit", format!("/resources/{}/edit", r.id)));
        if r.kind == trainyard_core::status::ResourceKind::Room {
            actions.push(Action::link(
                "Closes…",
                format!("/plan?repair_room={}#repair", r.id),
            ));
        }
        actions.push(if r.archived_at.is_some() {
            Action::post("Restore", format!("/resources/{}/restore", r.id), None)
        } else {
            Action::post(
                "Archive",
                format!("/resources/{}/archive", r.id),
                Some("Archive this resource? It can no longer be booked but keeps its history."),
            )
        });
    }
    if c.role.is_staff() && r.kind == ResourceKind::Room {
        actions.push(Action::link(
            "Calendar feed",
            format!("/feeds/room/{}", r.id),
        ));
    }
    let mut facts = vec![fact("Code", &r.code), fact("Kind", r.kind.label())];
    facts.push(match (r.venue_id, &r.venue_name) {
        (Some(vid), Some(name)) => link_fact("Venue", name.clone(), format!("/venues/{vid}")),
        (Some(vid), None) => link_fact("Venue", format!("Venue {vid}"), format!("/venues/{vid}")),
        (None, _) => fact("Venue", "none (pooled or virtual)"),
    });
    if r.kind == ResourceKind::Room || r.seats > 0 {
        facts.push(fact("Seats", r.seats.to_string()));
    }
    if r.kind != ResourceKind::Room {
        facts.push(fact("Quantity", r.quantity.to_string()));
    }
    facts.push(fact(
        "Features",
        if r.features.is_empty() {
            "none".into()
        } else {
            r.features.join(", ")
        },
    ));
    if !r.notes.is_empty() {
        facts.push(fact("Notes", &r.notes));
    }
    DetailView {
        title: r.name.clone(),
        subtitle: format!("{} {}", r.kind.label(), r.code),
        status: r.archived_at.map(|_| Cell::badge("Archived", "archived")),
        back_href: PATH,
        back_label: "Resources",
        version: r.version,
        actions,
        facts,
        sections: Vec::new(),
        history: history(events, &viewer_tz(c)),
    }
}

async fn edit(State(s): State<AppState>, Viewer(c): Viewer, Path(id): Path<i64>) -> Response {
    if let Err(e) = c.require_operations("change resources") {
        return error_page(e, Some(&c));
    }
    match resources::get(&s.app, &c, id).await {
        Ok(r) => FormPage {
            chrome: Chrome::new(&c, AREA, None),
            view: form(
                format!("Edit {}", r.code),
                format!("/resources/{id}"),
                format!("/resources/{id}"),
                Some(r.version),
                &fields_of(&r),
                venue_choices(&s.app, &c).await,
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
    }: Submit<Versioned<ResourceFields>>,
) -> Response {
    let version = posted.version;
    let f = posted.inner;
    match resources::update(&s.app, &c, id, version, &f).await {
        Ok(r) => saved(
            &format!("/resources/{id}"),
            &format!("Resource {} saved.", r.code),
        ),
        Err(e) => form_refused(
            Chrome::new(&c, AREA, None),
            form(
                format!("Edit {}", f.code),
                format!("/resources/{id}"),
                format!("/resources/{id}"),
                Some(version),
                &f,
                venue_choices(&s.app, &c).await,
            ),
            e,
            &c,
        ),
    }
}

super::archivable!(resources, "/resources", "Resource", |r| r.code.clone());
