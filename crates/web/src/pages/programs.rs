//! Programs: a client's contracted series of sessions, with its budget and dates.

use super::record::{Columns, RecordPage, edit_actions, stored, use_cases};
use crate::AppState;
use crate::views::*;
use axum::Router;
use trainyard_app::people::clients;
use trainyard_app::programs::ProgramDetail;
use trainyard_app::store::ListParams;
use trainyard_app::store::programs::{Program, ProgramFilter};
use trainyard_app::{AppError, Caller};
use trainyard_core::records::ProgramFields;

pub fn routes() -> Router<AppState> {
    super::record::routes::<Programs>()
}

/// "2026-03-01 to 2026-06-30", "from 2026-03-01", "until 2026-06-30" or "not agreed yet".
pub(super) fn dates(p: &Program) -> String {
    match (&p.starts_on, &p.ends_on) {
        (Some(s), Some(e)) => format!("{s} to {e}"),
        (Some(s), None) => format!("from {s}"),
        (None, Some(e)) => format!("until {e}"),
        (None, None) => "not agreed yet".into(),
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

stored!(Program);
stored!(ProgramDetail => program);

pub(crate) struct Programs;

impl RecordPage for Programs {
    const PATH: &'static str = "/programs";
    const TITLE: &'static str = "Programs";
    const NOUN: &'static str = "Program";
    const ARCHIVE_CONFIRM: &'static str =
        "Archive this program? It leaves the choosers; its sessions keep it.";
    const DEFAULT_SORT: &'static str = "name";

    type Filter = ProgramFilter;
    type Item = Program;
    type Record = ProgramDetail;
    type Saved = Program;
    type Fields = ProgramFields;
    type Form = ProgramFields;
    /// The clients, for the client filter.
    type Lookups = Vec<(i64, String)>;
    type Extra = ();

    use_cases!(trainyard_app::programs);

    fn params(f: &ProgramFilter) -> &ListParams {
        &f.list
    }
    fn search_filter(list: ListParams) -> Option<ProgramFilter> {
        Some(ProgramFilter {
            list,
            ..Default::default()
        })
    }
    fn search_columns() -> Vec<&'static str> {
        vec!["Program", "Client", "Dates"]
    }
    fn search_cells(_: &Caller, x: &Program) -> Vec<Cell> {
        vec![
            Cell::text(&x.name),
            Cell::text(&x.client_name),
            Cell::text(dates(x)),
        ]
    }
    fn empty_hint(_: &Caller) -> &'static str {
        "Record what a client has contracted — e.g. 12 sessions of Leadership 101 between March and June for 60,000 EUR — then attach its sessions."
    }
    async fn lookups(
        s: &AppState,
        c: &Caller,
        _: &ProgramFilter,
    ) -> Result<Vec<(i64, String)>, AppError> {
        Ok(clients::options(&s.app, c).await.unwrap_or_default())
    }
    fn filters(_: &Caller, f: &ProgramFilter, clients: &Vec<(i64, String)>) -> Vec<Filter> {
        vec![Filter::select(
            "client_id",
            "Client",
            &f.client_id.map(|i| i.to_string()).unwrap_or_default(),
            id_choices(clients.clone()),
        )]
    }
    fn columns(c: &Caller) -> Columns {
        let mut cols = vec![
            ("Name", "name", false),
            ("Client", "client", false),
            ("Starts", "starts", false),
            ("Ends", "ends", false),
        ];
        if c.sees_finance() {
            cols.push(("Budget", "budget", true));
        }
        cols
    }
    fn cells(c: &Caller, p: &Program, _: &Vec<(i64, String)>) -> Vec<Cell> {
        let mut cells = vec![
            Cell::text(&p.name),
            Cell::text(&p.client_name),
            Cell::text(p.starts_on.clone().unwrap_or_else(|| "—".into())),
            Cell::text(p.ends_on.clone().unwrap_or_else(|| "—".into())),
        ];
        if c.sees_finance() {
            cells.push(Cell::num(money_shown(p.budget)));
        }
        cells
    }

    async fn blank(s: &AppState, c: &Caller, qs: &QueryState) -> ProgramFields {
        let mut blank = ProgramFields {
            currency: "EUR".into(),
            ..Default::default()
        };
        // From a client's page: that client, in its currency.
        if let Ok(id) = qs.get("client_id").trim().parse::<i64>()
            && let Ok(cl) = clients::get(&s.app, c, id).await
        {
            blank.client_id = id.to_string();
            blank.currency = cl.currency.to_string();
        }
        blank
    }
    fn fields_of(d: &ProgramDetail) -> ProgramFields {
        let p = &d.program;

        ProgramFields {
            client_id: p.client_id.to_string(),
            name: p.name.clone(),
            budget: money_field(p.budget),
            currency: p.budget.map(|b| b.currency.to_string()).unwrap_or_default(),
            starts_on: p.starts_on.clone().unwrap_or_default(),
            ends_on: p.ends_on.clone().unwrap_or_default(),
        }
    }
    async fn form_fields(s: &AppState, c: &Caller, f: &ProgramFields) -> Vec<Field> {
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
        fields
    }
    fn edit_title(f: &ProgramFields, _: Option<&ProgramDetail>) -> String {
        format!("Edit {}", f.name)
    }

    fn label(p: &Program) -> String {
        p.name.clone()
    }
    async fn extra(_: &AppState, _: &Caller, _: &ProgramDetail) -> Result<(), AppError> {
        Ok(())
    }
    fn title(d: &ProgramDetail) -> String {
        d.program.name.clone()
    }
    fn subtitle(_: &Caller, d: &ProgramDetail) -> String {
        format!("Program for {}", d.program.client_name)
    }
    fn shows_history(c: &Caller) -> bool {
        c.role.is_staff()
    }
    fn actions(c: &Caller, d: &ProgramDetail, _: &()) -> Vec<Action> {
        let p = &d.program;
        edit_actions::<Self>(c, p, Vec::new())
    }
    fn facts(c: &Caller, d: &ProgramDetail, _: &()) -> Vec<Fact> {
        let p = &d.program;
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
        facts
    }
    fn sections(c: &Caller, d: &ProgramDetail, _: &()) -> Vec<Section> {
        let viewer = viewer_tz(c);
        let counts = &d.counts;
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
        vec![sessions]
    }
}
