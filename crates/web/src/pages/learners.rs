//! Learners: the people who attend sessions, optionally employed by a client. Staff see all of
//! them; a client contact sees only their own people, read-only.

use super::error_page;
use super::record::{Columns, RecordPage, edit_actions, stored, use_cases};
use crate::AppState;
use crate::auth::Viewer;
use crate::views::*;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use trainyard_app::people::{clients, learners};
use trainyard_app::store::ListParams;
use trainyard_app::store::enrollments::Enrollment;
use trainyard_app::store::learners::{Learner, LearnerFilter};
use trainyard_app::{AppError, Caller};
use trainyard_core::Role;
use trainyard_core::records::LearnerFields;

pub fn routes() -> Router<AppState> {
    super::record::routes::<Learners>().route("/learners/search", get(search))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct SearchQuery {
    q: String,
    #[serde(deserialize_with = "trainyard_app::store::row::empty_as_none")]
    client_id: Option<i64>,
}

/// One suggestion of a learner picker: the id it submits and the text it shows, which is also
/// what the enrollment form understands when typed by hand ("Name <e-mail>").
#[derive(serde::Serialize)]
struct Suggestion {
    id: i64,
    label: String,
}

/// How many learners a picker suggests at once: a short list to scan, not the whole register.
const SUGGESTIONS: i64 = 12;

/// `GET /learners/search?q=…`: the learners a picker suggests for what was typed, as JSON, seen
/// as the learners list sees them (a client contact only their own people).
async fn search(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Query(f): Query<SearchQuery>,
) -> Response {
    match learners::search(&s.app, &c, &f.q, f.client_id, SUGGESTIONS).await {
        Ok(found) => Json(
            found
                .iter()
                .map(|l| Suggestion {
                    id: l.id,
                    label: picker_label(l),
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => error_page(e, Some(&c)),
    }
}

/// A learner as a picker shows them.
pub(crate) fn picker_label(l: &Learner) -> String {
    format!("{} {} <{}>", l.first_name, l.last_name, l.email)
}

fn full_name(l: &Learner) -> String {
    format!("{}, {}", l.last_name, l.first_name)
}

fn client_label(l: &Learner) -> String {
    l.client_name.clone().unwrap_or_else(|| "Individual".into())
}

/// What a learner's page shows besides the record.
pub(crate) struct Attending {
    enrollments: Vec<Enrollment>,
    /// What was sent to them (operations staff).
    messages: Option<Section>,
    /// Their certificates (and those to issue by hand).
    certificates: Option<Section>,
}

stored!(Learner);

pub(crate) struct Learners;

impl RecordPage for Learners {
    const PATH: &'static str = "/learners";
    const TITLE: &'static str = "Learners";
    const NOUN: &'static str = "Learner";
    const ARCHIVE_CONFIRM: &'static str =
        "Archive this learner? They leave the lists but keep their enrollments and history.";
    const DEFAULT_SORT: &'static str = "name";

    type Filter = LearnerFilter;
    type Item = Learner;
    type Record = Learner;
    type Saved = Learner;
    type Fields = LearnerFields;
    type Form = LearnerFields;
    /// The clients, for the staff's client filter.
    type Lookups = Option<Vec<(i64, String)>>;
    type Extra = Attending;

    use_cases!(trainyard_app::people::learners);

    fn params(f: &LearnerFilter) -> &ListParams {
        &f.list
    }
    fn search_filter(list: ListParams) -> Option<LearnerFilter> {
        Some(LearnerFilter {
            list,
            ..Default::default()
        })
    }
    fn search_columns() -> Vec<&'static str> {
        vec!["Name", "E-mail"]
    }
    fn search_cells(_: &Caller, x: &Learner) -> Vec<Cell> {
        vec![
            Cell::text(format!("{} {}", x.first_name, x.last_name)),
            Cell::text(&x.email),
        ]
    }
    fn list_title(c: &Caller) -> &'static str {
        if c.role.is_staff() {
            "Learners"
        } else {
            "Our learners"
        }
    }
    fn empty_hint(c: &Caller) -> &'static str {
        if c.role.can_edit_operations() {
            "Add the people who attend your sessions, with the client they work for (if any)."
        } else {
            "No learners yet. They appear here once they are enrolled or added by the training team."
        }
    }
    async fn lookups(
        s: &AppState,
        c: &Caller,
        _: &LearnerFilter,
    ) -> Result<Option<Vec<(i64, String)>>, AppError> {
        if !c.role.is_staff() {
            return Ok(None);
        }
        Ok(Some(clients::options(&s.app, c).await?))
    }
    fn filters(_: &Caller, f: &LearnerFilter, clients: &Self::Lookups) -> Vec<Filter> {
        clients
            .iter()
            .map(|opts| {
                Filter::select(
                    "client_id",
                    "Client",
                    &f.client_id.map(|v| v.to_string()).unwrap_or_default(),
                    id_choices(opts.clone()),
                )
            })
            .collect()
    }
    fn columns(_: &Caller) -> Columns {
        vec![
            ("Name", "name", false),
            ("E-mail", "email", false),
            ("Client", "client", false),
            ("Time zone", "", false),
        ]
    }
    fn cells(_: &Caller, l: &Learner, _: &Self::Lookups) -> Vec<Cell> {
        vec![
            Cell::text(full_name(l)),
            Cell::text(&l.email),
            Cell::text(client_label(l)),
            Cell::text(&l.time_zone),
        ]
    }

    async fn blank(_: &AppState, c: &Caller, qs: &QueryState) -> LearnerFields {
        LearnerFields {
            client_id: qs.get("client_id").to_owned(),
            time_zone: c.time_zone.clone(),
            ..Default::default()
        }
    }
    fn fields_of(l: &Learner) -> LearnerFields {
        LearnerFields {
            first_name: l.first_name.clone(),
            last_name: l.last_name.clone(),
            email: l.email.clone(),
            client_id: l.client_id.map(|v| v.to_string()).unwrap_or_default(),
            phone: l.phone.clone().unwrap_or_default(),
            time_zone: l.time_zone.clone(),
            language: l.language.clone().unwrap_or_default(),
        }
    }
    async fn form_fields(s: &AppState, c: &Caller, f: &LearnerFields) -> Vec<Field> {
        // A failure to load the clients leaves the chooser with only "none".
        let client_opts = clients::options(&s.app, c).await.unwrap_or_default();
        vec![
            Field::new("first_name", "First name", "text", &f.first_name).required(),
            Field::new("last_name", "Last name", "text", &f.last_name).required(),
            Field::new("email", "E-mail", "email", &f.email).required(),
            Field::new("client_id", "Client", "select", &f.client_id)
                .choices(id_choices(client_opts), Some("— none (individual) —")),
            Field::new("phone", "Phone", "text", &f.phone),
            Field::new("time_zone", "Time zone", "text", &f.time_zone)
                .required()
                .help("IANA name, e.g. Europe/Berlin"),
            Field::new("language", "Language", "select", &f.language)
                .choices(
                    crate::i18n::language_choices(),
                    Some("— their client's, else the company's —"),
                )
                .help("Messages are sent in it; English where a message has no wording in it."),
        ]
    }
    fn edit_title(f: &LearnerFields, _: Option<&Learner>) -> String {
        format!("Edit {} {}", f.first_name, f.last_name)
    }

    fn label(l: &Learner) -> String {
        format!("{} {}", l.first_name, l.last_name)
    }
    async fn extra(s: &AppState, c: &Caller, l: &Learner) -> Result<Attending, AppError> {
        let enrollments = learners::enrollments(&s.app, c, l.id).await?;
        let messages = super::messages::log_section(s, c, "learner", l.id).await;
        let certificates = super::certificates::learner_section(s, c, l.id).await;
        Ok(Attending {
            enrollments,
            messages,
            certificates,
        })
    }
    fn title(l: &Learner) -> String {
        format!("{} {}", l.first_name, l.last_name)
    }
    fn subtitle(_: &Caller, l: &Learner) -> String {
        format!("Learner — {}", client_label(l))
    }
    fn back(c: &Caller) -> (&'static str, &'static str) {
        // A learner viewing their own record cannot open the list.
        match c.role {
            r if r.is_staff() => (Self::PATH, "Learners"),
            Role::ClientContact => (Self::PATH, "Our learners"),
            _ => ("/", "Home"),
        }
    }
    fn shows_history(c: &Caller) -> bool {
        c.role.is_staff()
    }
    fn actions(c: &Caller, l: &Learner, _: &Attending) -> Vec<Action> {
        let mut actions = edit_actions::<Self>(c, l, Vec::new());
        if c.role.can_administer() && l.archived_at.is_none() {
            actions.push(Action::link(
                "Invite to Trainyard",
                format!("/learners/{}/invite", l.id),
            ));
        }
        actions
    }
    fn facts(c: &Caller, l: &Learner, _: &Attending) -> Vec<Fact> {
        vec![
            fact("E-mail", &l.email),
            match l.client_id {
                Some(cid) if c.role.is_staff() => {
                    link_fact("Client", client_label(l), format!("/clients/{cid}"))
                }
                _ => fact("Client", client_label(l)),
            },
            fact("Phone", l.phone.clone().unwrap_or_else(|| "—".into())),
            fact("Time zone", &l.time_zone),
        ]
    }
    fn sections(c: &Caller, _: &Learner, x: &Attending) -> Vec<Section> {
        let tz = viewer_tz(c);
        let rows = x
            .enrollments
            .iter()
            .map(|e| Row {
                href: format!("/sessions/{}", e.session_id),
                cells: vec![
                    Cell::text(&e.session_reference),
                    Cell::text(&e.course_title),
                    Cell::text(tz.display(e.session_starts_at)),
                    Cell::badge(e.status.label(), e.status.as_str()),
                ],
            })
            .collect();
        let mut sections = vec![Section {
            title: "Enrollments".into(),
            columns: vec!["Session", "Course", "Starts", "Status"],
            rows,
            empty: "Not enrolled in any session yet.".into(),
        }];
        sections.extend(x.certificates.clone());
        sections.extend(x.messages.clone());
        sections
    }
}
