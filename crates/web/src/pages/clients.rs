//! Clients: the organisations that buy training, with their billing details.

use super::record::{Columns, RecordPage, edit_actions, or_dash, stored, use_cases};
use crate::AppState;
use crate::views::*;
use axum::Router;
use trainyard_app::store::ListParams;
use trainyard_app::store::clients::{Client, ClientFilter};
use trainyard_app::store::programs::{Program, ProgramFilter};
use trainyard_app::{AppError, Caller};
use trainyard_core::records::ClientFields;

pub fn routes() -> Router<AppState> {
    super::record::routes::<Clients>()
}

fn yes_no(b: bool) -> &'static str {
    if b { "Yes" } else { "No" }
}

stored!(Client);

pub(crate) struct Clients;

impl RecordPage for Clients {
    const PATH: &'static str = "/clients";
    const TITLE: &'static str = "Clients";
    const NOUN: &'static str = "Client";
    const ARCHIVE_CONFIRM: &'static str =
        "Archive this client? They leave the choosers but keep their history.";
    const DEFAULT_SORT: &'static str = "name";

    type Filter = ClientFilter;
    type Item = Client;
    type Record = Client;
    type Saved = Client;
    type Fields = ClientFields;
    type Form = ClientFields;
    type Lookups = ();
    /// The client's programs, for staff (a client contact's portal shows their sessions instead).
    type Extra = Option<Vec<Program>>;

    use_cases!(trainyard_app::people::clients);

    fn params(f: &ClientFilter) -> &ListParams {
        &f.list
    }
    fn search_filter(list: ListParams) -> Option<ClientFilter> {
        Some(ClientFilter { list })
    }
    fn search_columns() -> Vec<&'static str> {
        vec!["Code", "Name"]
    }
    fn search_cells(_: &Caller, x: &Client) -> Vec<Cell> {
        vec![Cell::text(&x.code), Cell::text(&x.name)]
    }
    fn empty_hint(_: &Caller) -> &'static str {
        "Add the organisations you train for: billing contact, currency and whether their enrollments need approval."
    }
    async fn lookups(_: &AppState, _: &Caller, _: &ClientFilter) -> Result<(), AppError> {
        Ok(())
    }
    fn columns(_: &Caller) -> Columns {
        vec![
            ("Code", "code", false),
            ("Name", "name", false),
            ("Billing e-mail", "", false),
            ("Currency", "", false),
            ("Approval required", "", false),
        ]
    }
    fn cells(_: &Caller, cl: &Client, _: &()) -> Vec<Cell> {
        vec![
            Cell::text(&cl.code),
            Cell::text(&cl.name),
            Cell::text(&cl.billing_email),
            Cell::text(cl.currency.to_string()),
            Cell::text(yes_no(cl.requires_approval)),
        ]
    }

    async fn blank(_: &AppState, c: &Caller, _: &QueryState) -> ClientFields {
        ClientFields {
            currency: "EUR".into(),
            time_zone: c.time_zone.clone(),
            ..Default::default()
        }
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
            language: cl.language.clone().unwrap_or_default(),
        }
    }
    async fn form_fields(_: &AppState, _: &Caller, f: &ClientFields) -> Vec<Field> {
        // The checkbox template checks for exactly "true"; the rule also accepts "on", "1", "yes".
        let approval = if matches!(f.requires_approval.trim(), "true" | "on" | "1" | "yes") {
            "true"
        } else {
            ""
        };
        vec![
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
            Field::new("language", "Language", "select", &f.language)
                .choices(crate::i18n::language_choices(), Some("— the company's —"))
                .help("Its contacts and learners read it unless they chose their own."),
            Field::new("notes", "Notes", "textarea", &f.notes),
        ]
    }
    fn edit_title(f: &ClientFields, _: Option<&Client>) -> String {
        format!("Edit {}", f.code)
    }

    fn label(cl: &Client) -> String {
        cl.code.clone()
    }
    async fn extra(
        s: &AppState,
        c: &Caller,
        cl: &Client,
    ) -> Result<Option<Vec<Program>>, AppError> {
        if !c.role.is_staff() {
            return Ok(None);
        }
        let filter = ProgramFilter {
            client_id: Some(cl.id),
            list: ListParams {
                per_page: 100,
                ..Default::default()
            },
        };
        Ok(trainyard_app::programs::list(&s.app, c, &filter)
            .await
            .map(|p| p.items)
            .ok())
    }
    fn title(cl: &Client) -> String {
        cl.name.clone()
    }
    fn subtitle(_: &Caller, cl: &Client) -> String {
        format!("Client {}", cl.code)
    }
    fn actions(c: &Caller, cl: &Client, programs: &Option<Vec<Program>>) -> Vec<Action> {
        let mut middle = Vec::new();
        if programs.is_some() && cl.archived_at.is_none() {
            middle.push(Action::link(
                "New program",
                format!("/programs/new?client_id={}", cl.id),
            ));
        }
        let mut actions = edit_actions::<Self>(c, cl, middle);
        if c.sees_finance() {
            actions.push(Action::link(
                "Pricing",
                format!("/clients/{}/pricing", cl.id),
            ));
            actions.push(Action::link(
                "Quotes",
                format!("/quotes?client_id={}", cl.id),
            ));
        }
        actions.push(Action::link(
            "Evidence pack",
            format!("/clients/{}/evidence", cl.id),
        ));
        if c.role.is_staff() {
            actions.push(Action::link(
                "Expiring certificates",
                format!("/clients/{}/expiring", cl.id),
            ));
            actions.push(Action::link(
                "Calendar feed",
                format!("/feeds/client/{}", cl.id),
            ));
        }
        if c.role.can_administer() && cl.archived_at.is_none() {
            actions.push(Action::link(
                "Invite a contact to Trainyard",
                format!("/clients/{}/invite", cl.id),
            ));
        }
        actions
    }
    fn facts(_: &Caller, cl: &Client, _: &Option<Vec<Program>>) -> Vec<Fact> {
        let mut facts = vec![
            fact("Code", &cl.code),
            fact("Billing e-mail", &cl.billing_email),
            fact("Billing address", or_dash(&cl.billing_address)),
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
        facts
    }
    fn sections(c: &Caller, _: &Client, programs: &Option<Vec<Program>>) -> Vec<Section> {
        programs
            .iter()
            .map(|p| programs_section(p, c.sees_finance()))
            .collect()
    }
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
