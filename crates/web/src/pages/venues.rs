//! Venues: the places where classroom sessions happen, each in its own time zone.

use super::record::{Columns, RecordPage, edit_actions, or_dash, stored, use_cases};
use crate::AppState;
use crate::views::*;
use axum::Router;
use trainyard_app::store::ListParams;
use trainyard_app::store::venues::{Venue, VenueFilter};
use trainyard_app::{AppError, Caller};
use trainyard_core::records::VenueFields;

pub fn routes() -> Router<AppState> {
    super::record::routes::<Venues>()
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
    type Extra = ();

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
    async fn extra(_: &AppState, _: &Caller, _: &Venue) -> Result<(), AppError> {
        Ok(())
    }
    fn title(v: &Venue) -> String {
        v.name.clone()
    }
    fn subtitle(_: &Caller, v: &Venue) -> String {
        format!("Venue {}", v.code)
    }
    fn actions(c: &Caller, v: &Venue, _: &()) -> Vec<Action> {
        let mut actions = edit_actions::<Self>(c, v, Vec::new());
        if c.role.is_staff() {
            actions.push(Action::link(
                "Calendar feed",
                format!("/feeds/venue/{}", v.id),
            ));
        }
        actions
    }
    fn facts(_: &Caller, v: &Venue, _: &()) -> Vec<Fact> {
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
            "Show sessions at this venue",
            format!("/sessions?venue_id={}", v.id),
        ));
        facts
    }
}
