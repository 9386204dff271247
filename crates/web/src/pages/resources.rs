//! Resources: rooms at a venue, equipment, virtual platforms and material pools.

use super::record::{Columns, RecordPage, edit_actions, stored, use_cases};
use crate::AppState;
use crate::views::*;
use axum::Router;
use trainyard_app::sites::venues;
use trainyard_app::store::ListParams;
use trainyard_app::store::resources::{Resource, ResourceFilter};
use trainyard_app::{AppError, Caller};
use trainyard_core::records::ResourceFields;
use trainyard_core::status::ResourceKind;

pub fn routes() -> Router<AppState> {
    super::record::routes::<Resources>()
}

stored!(Resource);

pub(crate) struct Resources;

impl RecordPage for Resources {
    const PATH: &'static str = "/resources";
    const TITLE: &'static str = "Resources";
    const NOUN: &'static str = "Resource";
    const ARCHIVE_CONFIRM: &'static str =
        "Archive this resource? It can no longer be booked but keeps its history.";
    const DEFAULT_SORT: &'static str = "code";

    type Filter = ResourceFilter;
    type Item = Resource;
    type Record = Resource;
    type Saved = Resource;
    type Fields = ResourceFields;
    type Form = ResourceFields;
    /// The venues, for the venue filter.
    type Lookups = Vec<(i64, String)>;
    type Extra = ();

    use_cases!(trainyard_app::sites::resources);

    fn params(f: &ResourceFilter) -> &ListParams {
        &f.list
    }
    fn empty_hint(_: &Caller) -> &'static str {
        "Add the rooms at your venues, pooled equipment, virtual-platform licences and materials, so sessions can book them."
    }
    async fn lookups(
        s: &AppState,
        c: &Caller,
        _: &ResourceFilter,
    ) -> Result<Vec<(i64, String)>, AppError> {
        venues::options(&s.app, c).await
    }
    fn filters(_: &Caller, f: &ResourceFilter, venue_opts: &Vec<(i64, String)>) -> Vec<Filter> {
        vec![
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
                id_choices(venue_opts.clone()),
            ),
        ]
    }
    fn columns(_: &Caller) -> Columns {
        vec![
            ("Code", "code", false),
            ("Name", "name", false),
            ("Kind", "kind", false),
            ("Venue", "", false),
            ("Seats", "seats", true),
            ("Quantity", "quantity", true),
            ("Features", "", false),
        ]
    }
    fn cells(_: &Caller, r: &Resource, _: &Vec<(i64, String)>) -> Vec<Cell> {
        vec![
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
        ]
    }

    async fn blank(_: &AppState, _: &Caller, qs: &QueryState) -> ResourceFields {
        ResourceFields {
            kind: "room".into(),
            venue_id: qs.get("venue_id").to_owned(),
            quantity: "1".into(),
            ..Default::default()
        }
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

    async fn form_fields(s: &AppState, c: &Caller, f: &ResourceFields) -> Vec<Field> {
        // A failure to load the venues leaves the chooser with only "none".
        let venue_opts = venues::options(&s.app, c).await.unwrap_or_default();
        vec![
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
        ]
    }
    fn edit_title(f: &ResourceFields, _: Option<&Resource>) -> String {
        format!("Edit {}", f.code)
    }

    fn label(r: &Resource) -> String {
        r.code.clone()
    }
    async fn extra(_: &AppState, _: &Caller, _: &Resource) -> Result<(), AppError> {
        Ok(())
    }
    fn title(r: &Resource) -> String {
        r.name.clone()
    }
    fn subtitle(_: &Caller, r: &Resource) -> String {
        format!("{} {}", r.kind.label(), r.code)
    }
    fn actions(c: &Caller, r: &Resource, _: &()) -> Vec<Action> {
        let mut middle = Vec::new();
        if r.kind == ResourceKind::Room {
            middle.push(Action::link(
                "Closes…",
                format!("/plan?repair_room={}#repair", r.id),
            ));
        }
        let mut actions = edit_actions::<Self>(c, r, middle);
        if c.role.is_staff() && r.kind == ResourceKind::Room {
            actions.push(Action::link(
                "Calendar feed",
                format!("/feeds/room/{}", r.id),
            ));
        }
        actions
    }
    fn facts(_: &Caller, r: &Resource, _: &()) -> Vec<Fact> {
        let mut facts = vec![fact("Code", &r.code), fact("Kind", r.kind.label())];
        facts.push(match (r.venue_id, &r.venue_name) {
            (Some(vid), Some(name)) => link_fact("Venue", name.clone(), format!("/venues/{vid}")),
            (Some(vid), None) => {
                link_fact("Venue", format!("Venue {vid}"), format!("/venues/{vid}"))
            }
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
        facts
    }
}
