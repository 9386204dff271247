//! Venues: the places where classroom sessions happen, each in its own time zone.

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
use trainyard_app::sites::venues;
use trainyard_app::store::venues::{Venue, VenueFilter};
use trainyard_app::{Caller, history};
use trainyard_core::records::VenueFields;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/venues", get(list).post(create))
        .route("/venues/new", get(new))
        .route("/venues/{id}", get(show).post(update))
        .route("/venues/{id}/edit", get(edit))
        .merge(super::archive_routes::<venues::Record>())
}

const PATH: &str = "/venues";
const AREA: &str = "venues";

async fn list(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    uri: Uri,
    Query(f): Query<VenueFilter>,
) -> Response {
    let page = match venues::list(&s.app, &c, &f).await {
        Ok(p) => p,
        Err(e) => return error_page(e, Some(&c)),
    };
    let qs = QueryState::from_uri(&uri);
    let (prev_href, next_href) = paging(&qs, PATH, page.page, page.pages());
    let view = ListView {
        title: "Venues",
        path: PATH,
        new_href: c.role.can_edit_operations().then_some("/venues/new"),
        new_label: "New venue",
        q: f.list.q.clone(),
        filters: vec![Filter::archived(f.list.archived)],
        columns: columns(
            &qs,
            PATH,
            "code",
            &[
                ("Code", "code", false),
                ("Name", "name", false),
                ("City", "city", false),
                ("Country", "country", false),
                ("Time zone", "", false),
            ],
        ),
        rows: page
            .items
            .iter()
            .map(|v| Row {
                href: format!("/venues/{}", v.id),
                cells: vec![
                    Cell::text(&v.code),
                    Cell::text(&v.name),
                    Cell::text(&v.city),
                    Cell::text(&v.country),
                    Cell::text(&v.time_zone),
                ],
            })
            .collect(),
        total: page.total,
        page: page.page,
        pages: page.pages(),
        prev_href,
        next_href,
        csv_href: qs.with(PATH, &[("format", "csv"), ("page", ""), ("per_page", "10000")]),
        empty_hint: "Add the places where you teach: address and time zone, then their rooms and equipment under Resources."
            .into(),
        filtered: qs.is_filtered(),
    };
    list_response(Chrome::new(&c, AREA, flash), view, wants_csv(&qs))
}

fn fields_of(v: &Venue) -> VenueFields {
    VenueFields {
        code: v.code.clone(),
        name: v.name.clone(),
        address: v.address.clone(),
        city: v.city.clone(),
        country: v.country.clone(),
        time_zone: v.time_zone.clone(),
        notes: v.notes.clone(),
    }
}

fn form(
    title: String,
    action: String,
    cancel: String,
    version: Option<i64>,
    f: &VenueFields,
) -> FormView {
    FormView {
        title,
        action,
        submit: "Save venue",
        cancel_href: cancel,
        version,
        fields: vec![
            Field::new("code", "Code", "text", &f.code)
                .required()
                .help("Short and unique, e.g. BER-MITTE"),
            Field::new("name", "Name", "text", &f.name).required(),
            Field::new("address", "Address", "textarea", &f.address),
            Field::new("city", "City", "text", &f.city).required(),
            Field::new("country", "Country", "text", &f.country)
                .required()
                .help("Two-letter ISO code, e.g. DE"),
            Field::new("time_zone", "Time zone", "text", &f.time_zone)
                .required()
                .help("IANA name, e.g. Europe/Berlin"),
            Field::new("notes", "Notes", "textarea", &f.notes),
        ],
        problems: Vec::new(),
    }
}

async fn new(Viewer(c): Viewer) -> Response {
    if let Err(e) = c.require_operations("create venues") {
        return error_page(e, Some(&c));
    }
    let blank = VenueFields {
        time_zone: c.time_zone.clone(),
        ..Default::default()
    };
    FormPage {
        chrome: Chrome::new(&c, AREA, None),
        view: form("New venue".into(), PATH.into(), PATH.into(), None, &blank),
    }
    .into_response()
}

async fn create(
    State(s): State<AppState>,
    Submit { caller: c, form: f }: Submit<VenueFields>,
) -> Response {
    match venues::create(&s.app, &c, &f).await {
        Ok(v) => saved(
            &format!("/venues/{}", v.id),
            &format!("Venue {} created.", v.code),
        ),
        Err(e) => form_refused(
            Chrome::new(&c, AREA, None),
            form("New venue".into(), PATH.into(), PATH.into(), None, &f),
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
    let v = match venues::get(&s.app, &c, id).await {
        Ok(v) => v,
        Err(e) => return error_page(e, Some(&c)),
    };
    let events = history::of_record(&s.app, &c, "venue", id)
        .await
        .unwrap_or_default();
    DetailPage {
        chrome: Chrome::new(&c, AREA, flash),
        view: detail(&c, &v, events),
    }
    .into_response()
}

fn or_none(s: &str) -> String {
    if s.trim().is_empty() {
        "—".into()
    } else {
        s.to_owned()
    }
}

fn detail(
    c: &Caller,
    v: &Venue,
    events: Vec<trainyard_app::store::audit::AuditEvent>,
) -> DetailView {
    let mut actions = Vec::new();
    if c.role.can_edit_operations() {
        actions.push(Action::link("Edit", format!("/venues/{}/edit", v.id)));
        actions.push(if v.archived_at.is_some() {
            Action::post("Restore", format!("/venues/{}/restore", v.id), None)
        } else {
            Action::post(
                "Archive",
                format!("/venues/{}/archive", v.id),
                Some("Archive this venue? It leaves the choosers but keeps its history."),
            )
        });
    }
    if c.role.is_staff() {
        actions.push(Action::link(
            "Calendar feed",
            format!("/feeds/venue/{}", v.id),
        ));
    }
    let mut facts = vec![
        fact("Code", &v.code),
        fact("Address", or_none(&v.address)),
        fact("City", &v.city),
        fact("Country", &v.country),
        fact("Time zone", &v.time_zone),
    ];
    if !v.notes.is_empty() {
        facts.push(fact("Notes", &v.notes));
    }
    facts.push(link_fact(
        "Resources",
        "Rooms and equipment here",
        format!("/resources?venue_id={}", v.id),
    ));
    facts.push(link_fact(
        "Sessions",
        "Show sessions at this venue",
        format!("/sessions?venue_id={}", v.id),
    ));
    DetailView {
        title: v.name.clone(),
        subtitle: format!("Venue {}", v.code),
        status: v.archived_at.map(|_| Cell::badge("Archived", "archived")),
        back_href: PATH,
        back_label: "Venues",
        version: v.version,
        actions,
        facts,
        sections: Vec::new(),
        history: history(events, &viewer_tz(c)),
    }
}

async fn edit(State(s): State<AppState>, Viewer(c): Viewer, Path(id): Path<i64>) -> Response {
    if let Err(e) = c.require_operations("change venues") {
        return error_page(e, Some(&c));
    }
    match venues::get(&s.app, &c, id).await {
        Ok(v) => FormPage {
            chrome: Chrome::new(&c, AREA, None),
            view: form(
                format!("Edit {}", v.code),
                format!("/venues/{id}"),
                format!("/venues/{id}"),
                Some(v.version),
                &fields_of(&v),
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
    }: Submit<Versioned<VenueFields>>,
) -> Response {
    let version = posted.version;
    let f = posted.inner;
    match venues::update(&s.app, &c, id, version, &f).await {
        Ok(v) => saved(
            &format!("/venues/{id}"),
            &format!("Venue {} saved.", v.code),
        ),
        Err(e) => form_refused(
            Chrome::new(&c, AREA, None),
            form(
                format!("Edit {}", f.code),
                format!("/venues/{id}"),
                format!("/venues/{id}"),
                Some(version),
                &f,
            ),
            e,
            &c,
        ),
    }
}

super::archivable!(venues, "/venues", "Venue", |r| r.code.clone());
