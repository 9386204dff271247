//! Venues: the places where classroom sessions happen, each in its own time zone.

use super::record::{Columns, RecordPage, edit_actions, or_dash, stored, use_cases};
use crate::AppState;
use crate::auth::Viewer;
use crate::pages::{Submit, error_page, saved};
use crate::views::*;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::collections::HashMap;
use trainyard_app::sites::{closures, travel, venues};
use trainyard_app::store::ListParams;
use trainyard_app::store::venues::{TravelTime, Venue, VenueFilter};
use trainyard_app::{AppError, Caller};
use trainyard_core::records::VenueFields;

pub fn routes() -> Router<AppState> {
    super::record::routes::<Venues>()
        .route(
            "/venues/{id}/travel-times",
            get(travel_form).post(save_travel),
        )
        .route("/closures", get(closures_page).post(add_closure))
        .route("/closures/{id}/remove", post(remove_closure))
}

#[derive(Template, WebTemplate)]
#[template(path = "travel_times.html")]
struct TravelPage {
    chrome: Chrome,
    id: i64,
    name: String,
    rows: Vec<TravelTime>,
    error: Option<String>,
}

impl TravelPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

async fn travel_page(s: &AppState, c: &Caller, id: i64, error: Option<String>) -> Response {
    let venue = match venues::get(&s.app, c, id).await {
        Ok(v) => v,
        Err(e) => return error_page(e, Some(c)),
    };
    match travel::of_venue(&s.app, c, id).await {
        Ok(rows) => TravelPage {
            chrome: Chrome::new(c, "venues", None),
            id,
            name: venue.name,
            rows,
            error,
        }
        .into_response(),
        Err(e) => error_page(e, Some(c)),
    }
}

async fn travel_form(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Path(id): Path<i64>,
) -> Response {
    if let Err(e) = c.require_operations("change travel times") {
        return error_page(e, Some(&c));
    }
    travel_page(&s, &c, id, None).await
}

/// Fields `minutes_{venue id}`: a number sets, an empty field removes.
async fn save_travel(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form: f }: Submit<HashMap<String, String>>,
) -> Response {
    let mut entries = Vec::new();
    for (key, value) in &f {
        let Some(other) = key
            .strip_prefix("minutes_")
            .and_then(|v| v.parse::<i64>().ok())
        else {
            continue;
        };
        let value = value.trim();
        if value.is_empty() {
            entries.push((other, None));
        } else {
            match value.parse::<i64>() {
                Ok(m) => entries.push((other, Some(m))),
                Err(_) => {
                    let msg = format!(
                        "'{}' is not a number of minutes.",
                        value.chars().take(20).collect::<String>()
                    );
                    return travel_page(&s, &c, id, Some(msg)).await;
                }
            }
        }
    }
    entries.sort_unstable();
    match travel::set(&s.app, &c, id, &entries).await {
        Ok(_) => saved(&format!("/venues/{id}#travel-times"), "Travel times saved."),
        Err(e @ AppError::Invalid(_)) => {
            travel_page(&s, &c, id, Some(crate::error_page::said(&e))).await
        }
        Err(e) => error_page(e, Some(&c)),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "closures.html")]
struct ClosuresPage {
    chrome: Chrome,
    rows: Vec<trainyard_app::store::closures::Closure>,
    venues: Vec<(i64, String)>,
    can_edit: bool,
    error: Option<String>,
    form: closures::ClosureFields,
}

impl ClosuresPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
    fn chosen(&self, id: &i64) -> bool {
        self.form.venue_id == Some(*id)
    }
}

async fn closures_view(
    s: &AppState,
    c: &Caller,
    flash: Option<String>,
    error: Option<String>,
    form: closures::ClosureFields,
) -> Response {
    // From a year back: old closures matter little, future ones all.
    let from = (chrono::Utc::now().date_naive() - chrono::Duration::days(365)).to_string();
    let rows = match closures::list(&s.app, c, Some(&from), None, None).await {
        Ok(r) => r,
        Err(e) => return error_page(e, Some(c)),
    };
    ClosuresPage {
        chrome: Chrome::new(c, "venues", flash),
        rows,
        venues: venues::options(&s.app, c).await.unwrap_or_default(),
        can_edit: c.role.can_edit_operations(),
        error,
        form,
    }
    .into_response()
}

async fn closures_page(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    crate::pages::Flash(flash): crate::pages::Flash,
) -> Response {
    closures_view(&s, &c, flash, None, Default::default()).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ClosureForm {
    day: String,
    name: String,
    venue_id: String,
}

async fn add_closure(
    State(s): State<AppState>,
    Submit { caller: c, form: f }: Submit<ClosureForm>,
) -> Response {
    let fields = closures::ClosureFields {
        day: f.day,
        name: f.name,
        venue_id: f.venue_id.trim().parse().ok(),
    };
    match closures::add(&s.app, &c, &fields).await {
        Ok(_) => saved("/closures", "Closure recorded."),
        Err(e @ AppError::Invalid(_)) => {
            closures_view(&s, &c, None, Some(crate::error_page::said(&e)), fields).await
        }
        Err(e) => error_page(e, Some(&c)),
    }
}

async fn remove_closure(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, .. }: Submit<crate::pages::VersionForm>,
) -> Response {
    match closures::remove(&s.app, &c, id).await {
        Ok(()) => saved("/closures", "Closure removed."),
        Err(e) => error_page(e, Some(&c)),
    }
}

stored!(Venue);

pub(crate) struct Venues;

impl RecordPage for Venues {
    const PATH: &'static str = "/venues";
    const TITLE: &'static str = "Venues";
    const NOUN: &'static str = "Venue";
    const ARCHIVE_CONFIRM: &'static str =
        "Archive this venue? It leaves the choosers but keeps its history.";
    const DEFAULT_SORT: &'static str = "code";

    type Filter = VenueFilter;
    type Item = Venue;
    type Record = Venue;
    type Saved = Venue;
    type Fields = VenueFields;
    type Form = VenueFields;
    type Lookups = ();
    type Extra = Vec<TravelTime>;

    use_cases!(trainyard_app::sites::venues);

    fn params(f: &VenueFilter) -> &ListParams {
        &f.list
    }
    fn empty_hint(_: &Caller) -> &'static str {
        "Add the places where you teach: address and time zone, then their rooms and equipment under Resources."
    }
    async fn lookups(_: &AppState, _: &Caller, _: &VenueFilter) -> Result<(), AppError> {
        Ok(())
    }
    fn columns(_: &Caller) -> Columns {
        vec![
            ("Code", "code", false),
            ("Name", "name", false),
            ("City", "city", false),
            ("Country", "country", false),
            ("Time zone", "", false),
        ]
    }
    fn cells(_: &Caller, v: &Venue, _: &()) -> Vec<Cell> {
        vec![
            Cell::text(&v.code),
            Cell::text(&v.name),
            Cell::text(&v.city),
            Cell::text(&v.country),
            Cell::text(&v.time_zone),
        ]
    }

    async fn blank(_: &AppState, c: &Caller, _: &QueryState) -> VenueFields {
        VenueFields {
            time_zone: c.time_zone.clone(),
            ..Default::default()
        }
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
    async fn form_fields(_: &AppState, _: &Caller, f: &VenueFields) -> Vec<Field> {
        vec![
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
        ]
    }
    fn edit_title(f: &VenueFields, _: Option<&Venue>) -> String {
        format!("Edit {}", f.code)
    }

    fn label(v: &Venue) -> String {
        v.code.clone()
    }
    async fn extra(s: &AppState, c: &Caller, v: &Venue) -> Result<Vec<TravelTime>, AppError> {
        travel::of_venue(&s.app, c, v.id).await
    }
    fn title(v: &Venue) -> String {
        v.name.clone()
    }
    fn subtitle(_: &Caller, v: &Venue) -> String {
        format!("Venue {}", v.code)
    }
    fn actions(c: &Caller, v: &Venue, _: &Vec<TravelTime>) -> Vec<Action> {
        let mut actions = edit_actions::<Self>(c, v, Vec::new());
        if c.role.can_edit_operations() {
            actions.push(Action::link(
                "Edit travel times",
                format!("/venues/{}/travel-times", v.id),
            ));
        }
        if c.role.is_staff() {
            actions.push(Action::link(
                "Calendar feed",
                format!("/feeds/venue/{}", v.id),
            ));
        }
        actions
    }
    fn facts(_: &Caller, v: &Venue, _: &Vec<TravelTime>) -> Vec<Fact> {
        let mut facts = vec![
            fact("Code", &v.code),
            fact("Address", or_dash(&v.address)),
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
            crate::i18n::t("i18n-venue-sessions"),
            format!("/sessions?venue_id={}", v.id),
        ));
        facts.push(link_fact(
            "Closures",
            "Holidays and closure days",
            "/closures".into(),
        ));
        facts
    }
    fn sections(_: &Caller, _: &Venue, travel: &Vec<TravelTime>) -> Vec<Section> {
        let minutes = |m: Option<i64>| m.map_or_else(|| "—".to_owned(), |m| format!("{m} min"));
        vec![Section {
            title: "Travel times".into(),
            columns: vec!["To venue", "Minutes there", "Minutes back"],
            rows: travel
                .iter()
                .map(|t| Row {
                    href: format!("/venues/{}", t.venue_id),
                    cells: vec![
                        Cell::text(format!("{} — {}", t.venue_code, t.venue_name)),
                        Cell::text(minutes(t.minutes)),
                        Cell::text(minutes(t.minutes_back)),
                    ],
                })
                .collect(),
            empty: "No other venue yet.".into(),
        }]
    }
}
