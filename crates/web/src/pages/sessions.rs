//! Sessions: the schedule's unit — list, detail with parts, roster and history, lifecycle actions.

use super::{
    FormPage, Submit, VersionForm, Versioned, form_refused, list_response, saved, wants_csv,
};
use crate::AppState;
use crate::auth::Viewer;
use crate::pages::{Flash, error_page};
use crate::views::*;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use trainyard_app::catalog::courses;
use trainyard_app::people::clients;
use trainyard_app::programs;
use trainyard_app::schedule::{roster, sessions};
use trainyard_app::sites::venues;
use trainyard_app::store::sessions::{Session, SessionFilter};
use trainyard_app::{Caller, history};
use trainyard_core::TimeZoneName;
use trainyard_core::records::{PartFields, SessionFields};
use trainyard_core::status::{DeliveryMode, SessionEvent, SessionStatus, Visibility};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sessions", get(list).post(create))
        .route("/sessions/new", get(new))
        .route("/sessions/{id}", get(show).post(update))
        .route("/sessions/{id}/edit", get(edit))
        .route("/sessions/{id}/transition", post(transition))
        .route("/sessions/{id}/assignments", post(propose))
        .route("/sessions/{id}/candidates", get(candidates))
        .route("/sessions/{id}/enrollments", post(enroll))
        .route("/sessions/{id}/merge", post(merge))
        .route("/enrollments/{id}/{action}", post(enrollment_action))
        .route("/assignments/{id}/act", post(act))
        .route("/assignments/{id}/substitute", post(substitute))
        .route("/sessions/{id}/bookings", post(book))
        .route(
            "/sessions/{id}/bookings/{resource_id}/confirm",
            post(confirm_booking),
        )
        .route(
            "/sessions/{id}/bookings/{resource_id}/release",
            post(release),
        )
        .merge(super::archive_routes::<sessions::Record>())
}

const PATH: &str = "/sessions";

async fn list(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    uri: Uri,
    Query(f): Query<SessionFilter>,
) -> Response {
    // A bare /sessions shows what is coming up; the filter is visible and can be cleared.
    if uri.query().is_none() {
        let today = viewer_tz(&c)
            .local(trainyard_core::time::now_ms())
            .format("%Y-%m-%d")
            .to_string();
        return Redirect::to(&format!("/sessions?from={today}")).into_response();
    }
    let page = match sessions::list(&s.app, &c, &f).await {
        Ok(p) => p,
        Err(e) => return error_page(e, Some(&c)),
    };
    let qs = QueryState::from_uri(&uri);
    let (prev_href, next_href) = paging(&qs, PATH, page.page, page.pages());
    let viewer = viewer_tz(&c);
    let mut filters = vec![
        Filter::select(
            "status",
            "Status",
            &f.status,
            enum_choices(SessionStatus::ALL, |v| v.as_str(), |v| v.label()),
        ),
        Filter::select(
            "mode",
            "Delivery",
            &f.mode,
            enum_choices(DeliveryMode::ALL, |v| v.as_str(), |v| v.label()),
        ),
        Filter::select(
            "visibility",
            "Type",
            &f.visibility,
            enum_choices(Visibility::ALL, |v| v.as_str(), |v| v.label()),
        ),
    ];
    if c.role.is_staff() {
        let opt = |id: Option<i64>| id.map(|i| i.to_string()).unwrap_or_default();
        filters.push(Filter::select(
            "course_id",
            "Course",
            &opt(f.course_id),
            id_choices(courses::options(&s.app, &c).await.unwrap_or_default()),
        ));
        filters.push(Filter::select(
            "client_id",
            "Client",
            &opt(f.client_id),
            id_choices(clients::options(&s.app, &c).await.unwrap_or_default()),
        ));
        filters.push(Filter::select(
            "venue_id",
            "Venue",
            &opt(f.venue_id),
            id_choices(venues::options(&s.app, &c).await.unwrap_or_default()),
        ));
        filters.push(Filter::select(
            "program_id",
            "Program",
            &opt(f.program_id),
            program_choices(&s, &c, &opt(f.program_id)).await,
        ));
    }
    filters.push(Filter::date("from", "From", &f.from));
    filters.push(Filter::date("to", "To", &f.to));
    filters.push(Filter::archived(f.list.archived));
    let view = ListView {
        title: if c.role.is_staff() {
            "Sessions"
        } else {
            "Our sessions"
        },
        path: PATH,
        new_href: c.role.can_edit_operations().then_some("/sessions/new"),
        new_label: "New session",
        q: f.list.q.clone(),
        filters,
        columns: columns(
            &qs,
            PATH,
            "starts",
            &[
                ("Reference", "reference", false),
                ("Course", "course", false),
                ("Starts", "starts", false),
                ("Where", "", false),
                ("For", "", false),
                ("Status", "status", false),
                ("Booked", "booked", true),
                ("Waitlist", "", true),
            ],
        ),
        rows: page.items.iter().map(|x| row(x, &viewer)).collect(),
        total: page.total,
        page: page.page,
        pages: page.pages(),
        prev_href,
        next_href,
        csv_href: qs.with(
            PATH,
            &[("format", "csv"), ("page", ""), ("per_page", "10000")],
        ),
        empty_hint: "Schedule a session of a course: its parts, venue or platform, and capacity."
            .into(),
        filtered: qs.is_filtered(),
    };
    list_response(Chrome::new(&c, "sessions", flash), view, wants_csv(&qs))
}

fn row(x: &Session, viewer: &TimeZoneName) -> Row {
    Row {
        href: format!("/sessions/{}", x.id),
        cells: vec![
            Cell::text(&x.reference),
            Cell::text(format!(
                "{} {}",
                x.course_code,
                x.title.as_deref().unwrap_or(&x.course_title)
            )),
            Cell::text(when(x.starts_at, &x.time_zone, viewer)),
            Cell::text(
                x.venue_name
                    .clone()
                    .unwrap_or_else(|| x.delivery_mode.label().to_owned()),
            ),
            Cell::text(x.client_name.clone().unwrap_or_else(|| "Public".into())),
            Cell::badge(x.status.label(), x.status.as_str()),
            Cell::num(format!("{}/{}", x.booked_count, x.capacity)),
            Cell::num(x.waitlist_count),
        ],
    }
}

/// The session form posts parts as repeated `part_starts` / `part_ends` fields.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct SessionForm {
    course_id: String,
    title: String,
    visibility: String,
    client_id: String,
    program_id: String,
    delivery_mode: String,
    venue_id: String,
    capacity: String,
    time_zone: String,
    currency: String,
    seat_price: String,
    notes: String,
    joining_url: String,
    joining_notes: String,
    part_starts: Vec<String>,
    part_ends: Vec<String>,
}

impl SessionForm {
    fn into_fields(self) -> SessionFields {
        let parts = self
            .part_starts
            .into_iter()
            .zip(
                self.part_ends
                    .into_iter()
                    .chain(std::iter::repeat(String::new())),
            )
            .map(|(starts, ends)| PartFields { starts, ends })
            .collect();
        SessionFields {
            course_id: self.course_id,
            title: self.title,
            visibility: self.visibility,
            client_id: self.client_id,
            program_id: self.program_id,
            delivery_mode: self.delivery_mode,
            venue_id: self.venue_id,
            capacity: self.capacity,
            time_zone: self.time_zone,
            currency: self.currency,
            seat_price: self.seat_price,
            notes: self.notes,
            joining_url: self.joining_url,
            joining_notes: self.joining_notes,
            parts,
        }
    }
}

fn fields_of(x: &Session, parts: &[trainyard_app::store::sessions::Part]) -> SessionFields {
    let tz = TimeZoneName::parse_or_utc(&x.time_zone);
    SessionFields {
        course_id: x.course_id.to_string(),
        title: x.title.clone().unwrap_or_default(),
        visibility: x.visibility.as_str().into(),
        client_id: x.client_id.map(|v| v.to_string()).unwrap_or_default(),
        program_id: x.program_id.map(|v| v.to_string()).unwrap_or_default(),
        delivery_mode: x.delivery_mode.as_str().into(),
        venue_id: x.venue_id.map(|v| v.to_string()).unwrap_or_default(),
        capacity: x.capacity.to_string(),
        time_zone: x.time_zone.clone(),
        currency: x.seat_price.currency.to_string(),
        seat_price: x.seat_price.amount_string(),
        notes: x.notes.clone(),
        joining_url: x.joining_url.clone(),
        joining_notes: x.joining_notes.clone(),
        parts: parts
            .iter()
            .filter(|p| p.status != "cancelled")
            .map(|p| PartFields {
                starts: tz.input_value(p.starts_at),
                ends: tz.input_value(p.ends_at),
            })
            .collect(),
    }
}

async fn form(
    s: &AppState,
    c: &Caller,
    title: String,
    action: String,
    version: Option<i64>,
    f: &SessionFields,
) -> FormView {
    let mut parts: Vec<(String, String)> = f
        .parts
        .iter()
        .map(|p| (p.starts.clone(), p.ends.clone()))
        .collect();
    while parts.len() < 3 {
        parts.push((String::new(), String::new()));
    }
    let cancel = if action == PATH {
        PATH.to_owned()
    } else {
        action.clone()
    };
    FormView {
        title,
        action,
        submit: "Save session",
        cancel_href: cancel,
        version,
        fields: vec![
            Field::new("course_id", "Course", "select", &f.course_id).required().choices(id_choices(courses::options(&s.app, c).await.unwrap_or_default()), Some("— choose a course —")),
            Field::new("title", "Title (optional)", "text", &f.title).help("Shown instead of the course title, e.g. \"Leadership Essentials for Acme managers\""),
            Field::new("visibility", "Type", "select", &f.visibility).choices(enum_choices(Visibility::ALL, |v| v.as_str(), |v| v.label()), None).help("Public sessions are open for enrollment; private sessions are for one client"),
            Field::new("client_id", "Client", "select", &f.client_id).choices(id_choices(clients::options(&s.app, c).await.unwrap_or_default()), Some("— none (public) —")),
            Field::new("program_id", "Program", "select", &f.program_id).choices(program_choices(s, c, &f.program_id).await, Some("— none —")).help("The client's contracted series this session belongs to, if any; it must be the session's client's program"),
            Field::new("delivery_mode", "Delivery", "select", &f.delivery_mode).choices(enum_choices(DeliveryMode::ALL, |v| v.as_str(), |v| v.label()), None),
            Field::new("venue_id", "Venue", "select", &f.venue_id).choices(id_choices(venues::options(&s.app, c).await.unwrap_or_default()), Some("— none (virtual) —")),
            Field::new("capacity", "Capacity", "number", &f.capacity).required(),
            Field::new("time_zone", "Time zone", "text", &f.time_zone).required().help("IANA name, e.g. Europe/Berlin. Part times below are in this zone."),
            Field { parts, ..Field::new("parts", "Parts", "parts", "") },
            Field::new("currency", "Currency", "text", &f.currency).required(),
            Field::new("seat_price", "Price per seat", "text", &f.seat_price),
            Field::new("joining_url", "Joining link", "text", &f.joining_url).help("For a virtual session: the link to the virtual classroom (https://…). Sent with the joining instructions and shown to booked learners in their portal."),
            Field::new("joining_notes", "Joining notes", "textarea", &f.joining_notes).help("What learners need to know to get there and in, e.g. \"Reception on the 2nd floor, bring photo ID\". Sent with the joining instructions."),
            Field::new("notes", "Notes", "textarea", &f.notes),
        ],
        problems: Vec::new(),
    }
}

/// Active programs as "Name (Client)", plus the session's own program when that one is archived
/// (so an edit keeps it).
async fn program_choices(s: &AppState, c: &Caller, current: &str) -> Vec<(String, String)> {
    let mut choices = id_choices(programs::options(&s.app, c).await.unwrap_or_default());
    if let Ok(id) = current.trim().parse::<i64>()
        && !choices.iter().any(|(v, _)| *v == current.trim())
        && let Ok(p) = programs::find(&s.app, c, id).await
    {
        choices.push((
            id.to_string(),
            format!("{} ({}) — archived", p.name, p.client_name),
        ));
    }
    choices
}

async fn new(State(s): State<AppState>, Viewer(c): Viewer) -> Response {
    if let Err(e) = c.require_operations("schedule sessions") {
        return error_page(e, Some(&c));
    }
    let blank = SessionFields {
        visibility: "public".into(),
        delivery_mode: "ilt".into(),
        capacity: "12".into(),
        time_zone: c.time_zone.clone(),
        currency: "EUR".into(),
        ..Default::default()
    };
    let view = form(&s, &c, "New session".into(), PATH.into(), None, &blank).await;
    FormPage {
        chrome: Chrome::new(&c, "sessions", None),
        view,
    }
    .into_response()
}

async fn create(
    State(s): State<AppState>,
    Submit {
        caller: c,
        form: posted,
    }: Submit<SessionForm>,
) -> Response {
    let f = posted.into_fields();
    match sessions::create(&s.app, &c, &f).await {
        Ok(x) => saved(
            &format!("/sessions/{}", x.id),
            &format!("Session {} created as a draft.", x.reference),
        ),
        Err(e) => {
            let view = form(&s, &c, "New session".into(), PATH.into(), None, &f).await;
            form_refused(Chrome::new(&c, "sessions", None), view, e, &c)
        }
    }
}

async fn show(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    Path(id): Path<i64>,
) -> Response {
    let d = match sessions::get(&s.app, &c, id).await {
        Ok(d) => d,
        Err(e) => return error_page(e, Some(&c)),
    };
    let r = match roster::of_session(&s.app, &c, id).await {
        Ok(r) => r,
        Err(e) => return error_page(e, Some(&c)),
    };
    let events = if c.role.is_staff() {
        history::of_record(&s.app, &c, "session", id)
            .await
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let viewer = viewer_tz(&c);
    let x = &d.session;
    let tz = x.time_zone.as_str();
    let mut actions = Vec::new();
    if c.role.can_edit_operations() && x.archived_at.is_none() {
        for e in x.status.next_events() {
            let mut a = Action::post(
                e.label(),
                format!("/sessions/{id}/transition"),
                matches!(e, SessionEvent::Cancel)
                    .then_some("Cancel this session? Learners and instructors will be told."),
            );
            a.field = Some(("event".into(), e.as_str().into()));
            a.primary = matches!(e, SessionEvent::Schedule | SessionEvent::Confirm);
            actions.push(a);
        }
        actions.push(Action::link("Edit", format!("/sessions/{id}/edit")));
        actions.push(Action::link("Repeat…", format!("/sessions/{id}/repeat")));
        if matches!(
            x.status,
            trainyard_core::status::SessionStatus::Confirmed
                | trainyard_core::status::SessionStatus::Delivered
                | trainyard_core::status::SessionStatus::Scheduled
        ) {
            actions.push(Action::link(
                "Attendance",
                format!("/sessions/{id}/attendance"),
            ));
        }
    }
    if c.role.can_edit_operations() {
        actions.push(if x.archived_at.is_some() {
            Action::post("Restore", format!("/sessions/{id}/restore"), None)
        } else {
            Action::post(
                "Archive",
                format!("/sessions/{id}/archive"),
                Some("Archive this session? It leaves lists but keeps its history."),
            )
        });
    }
    let program = match x.program_id {
        Some(pid) => Some(match programs::find(&s.app, &c, pid).await {
            Ok(p) if c.role.is_staff() => link_fact("Program", p.name, format!("/programs/{pid}")),
            Ok(p) => fact("Program", p.name),
            Err(_) => fact("Program", format!("Program #{pid}")),
        }),
        None => None,
    };
    let mut facts = vec![
        link_fact(
            "Course",
            format!("{} — {}", x.course_code, x.course_title),
            format!("/courses/{}", x.course_id),
        ),
        fact("Delivery", x.delivery_mode.label()),
        match (&x.client_name, x.client_id) {
            (Some(name), Some(cid)) if c.role.is_staff() => link_fact(
                "Client",
                format!("Private session for {name}"),
                format!("/clients/{cid}"),
            ),
            (Some(name), _) => fact("Client", format!("Private session for {name}")),
            _ => fact("Client", "Public session, open for enrollment"),
        },
        match (&x.venue_name, x.venue_id) {
            (Some(name), Some(vid)) if c.role.is_staff() => {
                link_fact("Venue", name.clone(), format!("/venues/{vid}"))
            }
            (Some(name), _) => fact("Venue", name.clone()),
            _ => fact("Venue", "Virtual"),
        },
        fact("Time zone", tz),
        fact(
            "When",
            format!(
                "{} until {}",
                when(x.starts_at, tz, &viewer),
                when(x.ends_at, tz, &viewer)
            ),
        ),
        fact(
            "Seats",
            format!(
                "{} booked of {}, {} waiting",
                x.booked_count, x.capacity, x.waitlist_count
            ),
        ),
        fact("Price per seat", x.seat_price.to_string()),
        // Only http(s) links pass validation, so the link is safe to follow.
        if x.joining_url.is_empty() {
            fact("Joining link", "—")
        } else {
            link_fact("Joining link", x.joining_url.clone(), x.joining_url.clone())
        },
        fact(
            "Joining notes",
            if x.joining_notes.is_empty() {
                "—".into()
            } else {
                x.joining_notes.clone()
            },
        ),
        fact(
            "Notes",
            if x.notes.is_empty() {
                "—".into()
            } else {
                x.notes.clone()
            },
        ),
    ];
    if let Some(program) = program {
        // After the client, whom the program belongs to.
        facts.insert(3, program);
    }
    let parts = Section {
        title: format!("Parts ({})", d.parts.len()),
        columns: vec!["#", "Starts", "Ends", "Length", "Status"],
        rows: d
            .parts
            .iter()
            .map(|p| Row {
                href: String::new(),
                cells: vec![
                    Cell::num(p.position),
                    Cell::text(when(p.starts_at, tz, &viewer)),
                    Cell::text(when(p.ends_at, tz, &viewer)),
                    Cell::text(format!(
                        "{:.1} h",
                        (p.ends_at - p.starts_at) as f64 / 3_600_000.0
                    )),
                    Cell::badge(
                        if p.status == "cancelled" {
                            "Cancelled"
                        } else {
                            "Scheduled"
                        },
                        &p.status,
                    ),
                ],
            })
            .collect(),
        empty: "No parts.".into(),
    };
    let mut sections = vec![parts];
    let panels = if c.role.is_staff() {
        staffing_panels(&s, &c, x, &r).await
    } else {
        Vec::new()
    };
    if !c.role.can_edit_operations() {
        sections.push(Section {
            title: format!("Enrollments ({})", r.enrollments.len()),
            columns: vec!["Learner", "E-mail", "Client", "Status", "Waitlist #"],
            rows: r
                .enrollments
                .iter()
                .map(|e| Row {
                    href: format!("/learners/{}", e.learner_id),
                    cells: vec![
                        Cell::text(&e.learner_name),
                        Cell::text(&e.learner_email),
                        Cell::text(e.client_name.clone().unwrap_or_else(|| "Individual".into())),
                        Cell::badge(e.status.label(), e.status.as_str()),
                        Cell::num(
                            e.waitlist_position
                                .map(|p| p.to_string())
                                .unwrap_or_default(),
                        ),
                    ],
                })
                .collect(),
            empty: "Nobody is enrolled yet.".into(),
        });
    }
    let view = DetailView {
        title: format!(
            "{} {}",
            x.course_code,
            x.title.as_deref().unwrap_or(&x.course_title)
        ),
        subtitle: format!(
            "Session {} · {}",
            x.reference,
            when(x.starts_at, tz, &viewer)
        ),
        status: Some(if x.archived_at.is_some() {
            Cell::badge("Archived", "archived")
        } else {
            Cell::badge(x.status.label(), x.status.as_str())
        }),
        back_href: PATH,
        back_label: "Sessions",
        version: x.version,
        actions,
        facts,
        sections,
        history: history(events, &viewer),
    };
    let messages = super::messages::log_section(&s, &c, "session", id).await;
    SessionPage {
        chrome: Chrome::new(&c, "sessions", flash),
        view,
        panels,
        messages,
        messages_href: format!("/admin/outbox?entity_type=session&entity_id={id}"),
    }
    .into_response()
}

async fn edit(State(s): State<AppState>, Viewer(c): Viewer, Path(id): Path<i64>) -> Response {
    // The form shows every field (notes, joining details) of a session only operations may change.
    if let Err(e) = c.require_operations("change sessions") {
        return error_page(e, Some(&c));
    }
    match sessions::get(&s.app, &c, id).await {
        Ok(d) => {
            let f = fields_of(&d.session, &d.parts);
            let view = form(
                &s,
                &c,
                format!("Edit session {}", d.session.reference),
                format!("/sessions/{id}"),
                Some(d.session.version),
                &f,
            )
            .await;
            FormPage {
                chrome: Chrome::new(&c, "sessions", None),
                view,
            }
            .into_response()
        }
        Err(e) => error_page(e, Some(&c)),
    }
}

async fn update(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit {
        caller: c,
        form: posted,
    }: Submit<Versioned<SessionForm>>,
) -> Response {
    let version = posted.version;
    let f = posted.inner.into_fields();
    match sessions::update(&s.app, &c, id, version, &f).await {
        Ok(x) => saved(
            &format!("/sessions/{id}"),
            &format!("Session {} saved.", x.reference),
        ),
        Err(e) => {
            let view = form(
                &s,
                &c,
                "Edit session".into(),
                format!("/sessions/{id}"),
                Some(version),
                &f,
            )
            .await;
            form_refused(Chrome::new(&c, "sessions", None), view, e, &c)
        }
    }
}

async fn transition(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit {
        caller: c,
        form: posted,
    }: Submit<VersionForm>,
) -> Response {
    let event = match SessionEvent::parse(&posted.event) {
        Ok(e) => e,
        Err(r) => return error_page(r.into(), Some(&c)),
    };
    match sessions::transition(&s.app, &c, id, posted.version, event).await {
        Ok(x) => saved(
            &format!("/sessions/{id}"),
            &format!(
                "Session {} is now {}.",
                x.reference,
                x.status.label().to_lowercase()
            ),
        ),
        Err(e) => error_page(e, Some(&c)),
    }
}

/// The session page: the generic detail view plus the staffing panels with their actions.
#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "session.html")]
struct SessionPage {
    chrome: Chrome,
    view: DetailView,
    panels: Vec<Panel>,
    /// What was sent about the session, its enrollments and assignments (operations staff).
    messages: Option<Section>,
    messages_href: String,
}

impl SessionPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

struct Panel {
    id: &'static str,
    title: String,
    columns: Vec<&'static str>,
    rows: Vec<PanelRow>,
    empty: String,
    form: Option<InlineForm>,
    override_allowed: bool,
}

struct PanelRow {
    href: String,
    cells: Vec<Cell>,
    version: i64,
    actions: Vec<Action>,
    substitute: Option<SubstituteForm>,
}

struct SubstituteForm {
    action: String,
    options: Vec<Opt>,
}

struct InlineForm {
    action: String,
    fields: Vec<Field>,
    submit: &'static str,
    link: Option<(String, String)>,
}

async fn staffing_panels(s: &AppState, c: &Caller, x: &Session, r: &roster::Roster) -> Vec<Panel> {
    use trainyard_app::people::instructors;
    use trainyard_app::sites::resources;
    let edit = c.role.can_edit_operations() && x.archived_at.is_none();
    let mut all = trainyard_app::store::instructors::InstructorFilter::default();
    all.list.per_page = 2000;
    all.list.sort = "name".into();
    let instructor_choices: Vec<(String, String)> = instructors::list(&s.app, c, &all)
        .await
        .map(|p| {
            p.items
                .into_iter()
                .map(|i| (i.id.to_string(), i.name))
                .collect()
        })
        .unwrap_or_default();
    let mut rows = Vec::new();
    for a in &r.assignments {
        let mut actions = Vec::new();
        if edit {
            for e in a.status.next_events() {
                let mut act = Action::post(
                    e.label(),
                    format!("/assignments/{}/act", a.id),
                    matches!(e, trainyard_core::status::AssignmentEvent::Cancel)
                        .then_some("Cancel this assignment?"),
                );
                act.field = Some(("event".into(), e.as_str().into()));
                act.primary = e == trainyard_core::status::AssignmentEvent::Confirm;
                actions.push(act);
            }
        }
        rows.push(PanelRow {
            href: format!("/instructors/{}", a.instructor_id),
            cells: vec![
                Cell::text(&a.instructor_name),
                Cell::text(if a.role == "lead" {
                    "Lead"
                } else {
                    "Co-instructor"
                }),
                Cell::badge(a.status.label(), a.status.as_str()),
            ],
            version: a.version,
            actions,
            substitute: (edit && a.status.is_live() && instructor_choices.len() > 1).then(|| {
                SubstituteForm {
                    action: format!("/assignments/{}/substitute", a.id),
                    options: options(
                        instructor_choices
                            .iter()
                            .filter(|(id, _)| *id != a.instructor_id.to_string())
                            .cloned(),
                        "",
                    ),
                }
            }),
        });
    }
    let instructors_panel = Panel {
        id: "instructors",
        title: format!("Instructors ({})", r.assignments.len()),
        columns: vec!["Instructor", "Role", "Status"],
        rows,
        empty:
            "No instructor assigned yet. Propose one below, or find the best-placed instructors."
                .into(),
        form: edit.then(|| InlineForm {
            action: format!("/sessions/{}/assignments", x.id),
            fields: vec![
                Field::new("instructor_id", "Instructor", "select", "").choices(
                    instructor_choices
                        .iter()
                        .filter(|(id, _)| {
                            !r.assignments
                                .iter()
                                .any(|a| a.status.is_live() && a.instructor_id.to_string() == *id)
                        })
                        .cloned()
                        .collect(),
                    None,
                ),
                Field::new("role", "Role", "select", "lead").choices(
                    vec![
                        ("lead".into(), "Lead".into()),
                        ("co".into(), "Co-instructor".into()),
                    ],
                    None,
                ),
            ],
            submit: "Propose",
            link: Some((
                "Find an instructor →".into(),
                format!("/sessions/{}/candidates", x.id),
            )),
        }),
        override_allowed: matches!(
            c.role,
            trainyard_core::Role::Manager | trainyard_core::Role::Admin
        ),
    };
    let mut all_res = trainyard_app::store::resources::ResourceFilter::default();
    all_res.list.per_page = 2000;
    let resource_choices: Vec<(String, String)> = resources::list(&s.app, c, &all_res)
        .await
        .map(|p| {
            p.items
                .into_iter()
                .filter(|res| {
                    x.venue_id.is_none() || res.venue_id.is_none() || res.venue_id == x.venue_id
                })
                .map(|res| {
                    (
                        res.id.to_string(),
                        format!("{} ({})", res.name, res.kind.label()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    // One row per booked resource: its parts share status and quantity.
    let mut booked: Vec<(i64, &trainyard_app::store::bookings::Booking, usize, bool)> = Vec::new();
    for b in &r.bookings {
        match booked.iter_mut().find(|(id, ..)| *id == b.resource_id) {
            Some(entry) => {
                entry.2 += 1;
                entry.3 &= b.status == trainyard_core::status::BookingStatus::Confirmed;
            }
            None => booked.push((
                b.resource_id,
                b,
                1,
                b.status == trainyard_core::status::BookingStatus::Confirmed,
            )),
        }
    }
    let booking_rows = booked
        .iter()
        .map(|(rid, b, n, confirmed)| {
            let mut actions = Vec::new();
            if edit {
                if !confirmed {
                    let mut a = Action::post(
                        "Confirm",
                        format!("/sessions/{}/bookings/{rid}/confirm", x.id),
                        None,
                    );
                    a.primary = true;
                    actions.push(a);
                }
                actions.push(Action::post(
                    "Release",
                    format!("/sessions/{}/bookings/{rid}/release", x.id),
                    Some("Release this booking?"),
                ));
            }
            PanelRow {
                href: format!("/resources/{rid}"),
                cells: vec![
                    Cell::text(&b.resource_name),
                    Cell::text(
                        trainyard_core::status::ResourceKind::parse(&b.resource_kind)
                            .map(|k| k.label())
                            .unwrap_or("Resource"),
                    ),
                    Cell::num(b.quantity),
                    Cell::num(format!("{n} part(s)")),
                    if *confirmed {
                        Cell::badge("Confirmed", "confirmed")
                    } else {
                        Cell::badge("Tentative", "tentative")
                    },
                ],
                version: 0,
                actions,
                substitute: None,
            }
        })
        .collect();
    let bookings_panel = Panel {
        id: "bookings",
        title: format!("Rooms and resources ({})", booked.len()),
        columns: vec!["Resource", "Kind", "Quantity", "Covers", "Status"],
        rows: booking_rows,
        empty: "No room, equipment or platform booked yet.".into(),
        form: edit.then(|| InlineForm {
            action: format!("/sessions/{}/bookings", x.id),
            fields: vec![
                Field::new("resource_id", "Resource", "select", "").choices(resource_choices, None),
                Field::new("quantity", "Quantity", "text", "1"),
                Field::new("confirm", "Confirm now", "checkbox", "true"),
            ],
            submit: "Book",
            link: Some((
                "Find a room →".into(),
                format!("/sessions/{}/candidates#rooms", x.id),
            )),
        }),
        override_allowed: false,
    };
    let mut panels = vec![instructors_panel, bookings_panel];
    if let Some(p) = planning_panel(s, c, x, edit).await {
        panels.insert(0, p);
    }
    if edit {
        panels.push(enrollments_panel(s, c, x, r).await);
        if let Some(p) = viability_panel(s, c, x).await {
            panels.insert(0, p);
        }
    }
    panels
}

/// A draft's planning window: when and how the auto-scheduler may place it.
async fn planning_panel(s: &AppState, c: &Caller, x: &Session, edit: bool) -> Option<Panel> {
    if x.status != trainyard_core::status::SessionStatus::Draft {
        return None;
    }
    let w = trainyard_app::planning::window(&s.app, c, x.id)
        .await
        .ok()?;
    let mut all_res = trainyard_app::store::resources::ResourceFilter::default();
    all_res.list.per_page = 2000;
    let pooled: Vec<(String, String)> = trainyard_app::sites::resources::list(&s.app, c, &all_res)
        .await
        .map(|p| {
            p.items
                .into_iter()
                .filter(|r| r.kind != trainyard_core::status::ResourceKind::Room)
                .map(|r| {
                    (
                        r.id.to_string(),
                        format!("{} ({} × {})", r.name, r.quantity, r.kind.label()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let days = trainyard_app::planning::weekdays_label;
    let rows = w
        .iter()
        .map(|w| {
            let pool = w
                .pool_resource_id
                .and_then(|id| pooled.iter().find(|(v, _)| *v == id.to_string()))
                .map(|(_, label)| label.clone())
                .unwrap_or_else(|| "—".into());
            PanelRow {
                href: "/plan".into(),
                cells: vec![
                    Cell::text(format!(
                        "{} – {}{}",
                        w.earliest_day,
                        w.latest_day,
                        if w.half_days { " (half-days)" } else { "" }
                    )),
                    Cell::text(if w.weekdays.is_empty() {
                        "Mon–Fri".into()
                    } else {
                        days(&w.weekdays)
                    }),
                    Cell::text(if w.preferred_weekdays.is_empty() {
                        "—".into()
                    } else {
                        days(&w.preferred_weekdays)
                    }),
                    Cell::text(if w.cohort.is_empty() {
                        "—"
                    } else {
                        w.cohort.as_str()
                    }),
                    Cell::text(pool),
                ],
                version: 0,
                actions: if edit {
                    vec![Action::post(
                        "Remove",
                        format!("/plan/windows/{}/clear?back=session", x.id),
                        Some("Take this session out of automatic planning?"),
                    )]
                } else {
                    Vec::new()
                },
                substitute: None,
            }
        })
        .collect();
    let value = |f: &dyn Fn(&trainyard_app::store::planning::PlanningWindow) -> String| {
        w.as_ref().map(f).unwrap_or_default()
    };
    Some(Panel {
        id: "planning",
        title: "Planning window".into(),
        columns: vec!["Days", "Runs on", "Preferred", "Cohort", "Pooled resource"],
        rows,
        empty: "No planning window: the planner leaves this draft alone. Give it the days it may fall between and the Plan page will place it.".into(),
        form: edit.then(|| InlineForm {
            action: format!("/plan/windows/{}?back=session", x.id),
            fields: vec![
                Field::new("earliest", "From", "date", &value(&|w| w.earliest_day.clone())).required(),
                Field::new("latest", "Until", "date", &value(&|w| w.latest_day.clone())).required(),
                Field::new(
                    "half_days",
                    "Half-days",
                    "checkbox",
                    if w.as_ref().is_some_and(|w| w.half_days) { "true" } else { "" },
                ),
                Field::new("weekdays", "Runs on", "wide", &value(&|w| days(&w.weekdays)))
                    .help("e.g. Tue-Thu; empty: Mon–Fri"),
                Field::new(
                    "preferred_weekdays",
                    "Preferably",
                    "wide",
                    &value(&|w| days(&w.preferred_weekdays)),
                ),
                Field::new("cohort", "Cohort", "wide", &value(&|w| w.cohort.clone()))
                    .help("sessions of one cohort never overlap"),
                Field::new(
                    "pool_resource_id",
                    "Needs one of",
                    "select",
                    &value(&|w| w.pool_resource_id.map(|i| i.to_string()).unwrap_or_default()),
                )
                .choices(pooled.clone(), Some("nothing pooled")),
            ],
            submit: if w.is_some() { "Update window" } else { "Set window" },
            link: Some(("Open the Plan page →".into(), "/plan".into())),
        }),
        override_allowed: false,
    })
}

/// Below the course minimum within two weeks of the start: merge, postpone or cancel.
async fn viability_panel(s: &AppState, c: &Caller, x: &Session) -> Option<Panel> {
    let now = trainyard_core::time::now_ms();
    if !matches!(
        x.status,
        trainyard_core::status::SessionStatus::Scheduled
            | trainyard_core::status::SessionStatus::Confirmed
    ) || x.starts_at < now
        || x.starts_at > now + 14 * 86_400_000
    {
        return None;
    }
    let course = courses::get(&s.app, c, x.course_id).await.ok()?;
    if x.booked_count >= course.min_learners {
        return None;
    }
    let mut f = SessionFilter {
        course_id: Some(x.course_id),
        from: viewer_tz(c).local(now).format("%Y-%m-%d").to_string(),
        ..Default::default()
    };
    f.list.per_page = 50;
    let viewer = viewer_tz(c);
    let others: Vec<(String, String)> = sessions::list(&s.app, c, &f)
        .await
        .map(|p| {
            p.items
                .into_iter()
                .filter(|o| {
                    o.id != x.id
                        && matches!(
                            o.status,
                            trainyard_core::status::SessionStatus::Scheduled
                                | trainyard_core::status::SessionStatus::Confirmed
                        )
                })
                .map(|o| {
                    (
                        o.id.to_string(),
                        format!(
                            "{} · {} · {}/{} booked",
                            o.reference,
                            when(o.starts_at, &o.time_zone, &viewer),
                            o.booked_count,
                            o.capacity
                        ),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let days = (x.starts_at - now) / 86_400_000;
    Some(Panel {
        id: "viability",
        title: format!(
            "Not viable yet: {} of minimum {} learners, {} day(s) to go",
            x.booked_count, course.min_learners, days
        ),
        columns: Vec::new(),
        rows: Vec::new(),
        empty: if others.is_empty() {
            "No other upcoming session of this course to merge into: postpone or cancel it with the buttons at the top, or keep enrolling.".into()
        } else {
            "Merge it into another session of the same course (every learner is moved and told; this session is cancelled), or postpone or cancel it with the buttons at the top.".into()
        },
        form: (!others.is_empty()).then(|| InlineForm {
            action: format!("/sessions/{}/merge", x.id),
            fields: vec![
                Field::new("into_session_id", "Merge into", "select", "").choices(others, None),
            ],
            submit: "Merge",
            link: None,
        }),
        override_allowed: false,
    })
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct MergeForm {
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    into_session_id: i64,
}

async fn merge(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form: f }: Submit<MergeForm>,
) -> Response {
    match trainyard_app::enrollment::merge_into(&s.app, &c, id, f.into_session_id).await {
        Ok(x) => saved(
            &format!("/sessions/{}", f.into_session_id),
            &format!(
                "Session {} merged into this one; its learners were moved and told.",
                x.reference
            ),
        ),
        Err(e) => error_page(e, Some(&c)),
    }
}

async fn enrollments_panel(s: &AppState, c: &Caller, x: &Session, r: &roster::Roster) -> Panel {
    use trainyard_core::status::EnrollmentStatus as E;
    let mut lf = trainyard_app::store::learners::LearnerFilter::default();
    lf.list.per_page = 5000;
    lf.client_id = x.client_id;
    let enrolled: Vec<i64> = r
        .enrollments
        .iter()
        .filter(|e| !matches!(e.status, E::Cancelled | E::Transferred))
        .map(|e| e.learner_id)
        .collect();
    let learner_choices: Vec<(String, String)> =
        trainyard_app::people::learners::list(&s.app, c, &lf)
            .await
            .map(|p| {
                p.items
                    .into_iter()
                    .filter(|l| !enrolled.contains(&l.id))
                    .map(|l| {
                        (
                            l.id.to_string(),
                            format!("{} {} <{}>", l.first_name, l.last_name, l.email),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
    let viewer = viewer_tz(c);
    let rows = r
        .enrollments
        .iter()
        .map(|e| {
            let mut actions = Vec::new();
            if matches!(e.status, E::Booked | E::Waitlisted | E::Requested) {
                if e.status == E::Requested {
                    let mut a =
                        Action::post("Approve", format!("/enrollments/{}/approve", e.id), None);
                    a.primary = true;
                    actions.push(a);
                }
                if e.status == E::Waitlisted && e.offer_expires_at.is_some() {
                    actions.push(Action::post(
                        "Accept offer",
                        format!("/enrollments/{}/accept-offer", e.id),
                        None,
                    ));
                }
                actions.push(Action::post(
                    "Cancel",
                    format!("/enrollments/{}/cancel", e.id),
                    Some("Cancel this enrollment? A freed seat goes to the waiting list."),
                ));
            }
            let status = match (e.status, e.offer_expires_at) {
                (E::Waitlisted, Some(t)) => {
                    Cell::badge(format!("Offered until {}", viewer.display(t)), "tentative")
                }
                (st, _) => Cell::badge(st.label(), st.as_str()),
            };
            PanelRow {
                href: format!("/learners/{}", e.learner_id),
                cells: vec![
                    Cell::text(&e.learner_name),
                    Cell::text(&e.learner_email),
                    Cell::text(e.client_name.clone().unwrap_or_else(|| "Individual".into())),
                    status,
                    Cell::num(
                        e.waitlist_position
                            .map(|p| p.to_string())
                            .unwrap_or_default(),
                    ),
                ],
                version: e.version,
                actions,
                substitute: None,
            }
        })
        .collect();
    Panel {
        id: "enrollments",
        title: format!(
            "Enrollments ({} booked of {}, {} waiting)",
            x.booked_count, x.capacity, x.waitlist_count
        ),
        columns: vec!["Learner", "E-mail", "Client", "Status", "Waitlist #"],
        rows,
        empty: "Nobody is enrolled yet.".into(),
        form: Some(InlineForm {
            action: format!("/sessions/{}/enrollments", x.id),
            fields: vec![
                Field::new("learner_id", "Learner", "select", "").choices(learner_choices, None),
                Field::new("priority", "Waitlist priority", "text", "0"),
            ],
            submit: "Enroll",
            link: Some((
                "Enroll many (CSV) →".into(),
                format!("/sessions/{}/enroll-bulk", x.id),
            )),
        }),
        override_allowed: false,
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct EnrollForm {
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    learner_id: i64,
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    priority: i64,
}

async fn enroll(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form: f }: Submit<EnrollForm>,
) -> Response {
    match trainyard_app::enrollment::enroll(&s.app, &c, id, f.learner_id, f.priority).await {
        Ok(e) => saved(
            &format!("/sessions/{id}#enrollments"),
            &match e.waitlist_position {
                Some(p) => {
                    format!("The session is full: enrolled on the waiting list at position {p}.")
                }
                None => format!("Enrolled ({}).", e.status.label().to_lowercase()),
            },
        ),
        Err(e) => error_page(e, Some(&c)),
    }
}

async fn enrollment_action(
    State(s): State<AppState>,
    Path((id, action)): Path<(i64, String)>,
    Submit { caller: c, form: f }: Submit<VersionForm>,
) -> Response {
    use trainyard_app::enrollment;
    let result = match action.as_str() {
        "cancel" => enrollment::cancel(&s.app, &c, id, f.version).await,
        "approve" => enrollment::approve(&s.app, &c, id, f.version).await,
        "accept-offer" => enrollment::accept_offer(&s.app, &c, id).await,
        _ => {
            return crate::pages::error_page(trainyard_app::AppError::NotFound("action"), Some(&c));
        }
    };
    match result {
        Ok(e) => saved(
            &format!("/sessions/{}#enrollments", e.session_id),
            &format!("Enrollment {}.", e.status.label().to_lowercase()),
        ),
        Err(e) => error_page(e, Some(&c)),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ProposeForm {
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    instructor_id: i64,
    role: String,
}

async fn propose(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form: f }: Submit<ProposeForm>,
) -> Response {
    match trainyard_app::staffing::propose(&s.app, &c, id, f.instructor_id, &f.role).await {
        Ok(_) => saved(
            &format!("/sessions/{id}#instructors"),
            "Instructor proposed. Request them when you are ready.",
        ),
        Err(e) => error_page(e, Some(&c)),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ActForm {
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    version: i64,
    event: String,
    override_reason: String,
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    instructor_id: i64,
}

async fn act(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form: f }: Submit<ActForm>,
) -> Response {
    let event = match trainyard_core::status::AssignmentEvent::parse(&f.event) {
        Ok(e) => e,
        Err(r) => return error_page(r.into(), Some(&c)),
    };
    let reason = (!f.override_reason.trim().is_empty()).then_some(f.override_reason.as_str());
    match trainyard_app::staffing::act(&s.app, &c, id, f.version, event, reason).await {
        Ok(a) => {
            let back = if c.role.is_staff() {
                format!("/sessions/{}#instructors", a.session_id)
            } else {
                "/".to_owned()
            };
            saved(
                &back,
                &format!("Assignment {}.", a.status.label().to_lowercase()),
            )
        }
        Err(e) => error_page(e, Some(&c)),
    }
}

async fn substitute(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form: f }: Submit<ActForm>,
) -> Response {
    match trainyard_app::staffing::substitute(&s.app, &c, id, f.version, f.instructor_id).await {
        Ok(a) => saved(
            &format!("/sessions/{}#instructors", a.session_id),
            "Substitute proposed; the previous assignment is cancelled and kept in the history.",
        ),
        Err(e) => error_page(e, Some(&c)),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct BookForm {
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    resource_id: i64,
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    quantity: i64,
    #[serde(deserialize_with = "trainyard_app::store::row::flag")]
    confirm: bool,
}

async fn book(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form: f }: Submit<BookForm>,
) -> Response {
    match trainyard_app::staffing::book(&s.app, &c, id, f.resource_id, f.quantity.max(1), f.confirm)
        .await
    {
        Ok(_) => saved(
            &format!("/sessions/{id}#bookings"),
            if f.confirm {
                "Booked and confirmed."
            } else {
                "Booked tentatively."
            },
        ),
        Err(e) => error_page(e, Some(&c)),
    }
}

async fn confirm_booking(
    State(s): State<AppState>,
    Path((id, resource_id)): Path<(i64, i64)>,
    Submit { caller: c, .. }: Submit<VersionForm>,
) -> Response {
    match trainyard_app::staffing::confirm_booking(&s.app, &c, id, resource_id).await {
        Ok(_) => saved(&format!("/sessions/{id}#bookings"), "Booking confirmed."),
        Err(e) => error_page(e, Some(&c)),
    }
}

async fn release(
    State(s): State<AppState>,
    Path((id, resource_id)): Path<(i64, i64)>,
    Submit { caller: c, .. }: Submit<VersionForm>,
) -> Response {
    match trainyard_app::staffing::release(&s.app, &c, id, resource_id).await {
        Ok(()) => saved(&format!("/sessions/{id}#bookings"), "Booking released."),
        Err(e) => error_page(e, Some(&c)),
    }
}

struct CandidateRow {
    id: i64,
    name: String,
    rank: Option<usize>,
    cost: String,
    load_days: i64,
    travel_minutes: i64,
    excluded_because: Vec<String>,
}

#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "candidates.html")]
struct CandidatesPage {
    chrome: Chrome,
    session_id: i64,
    reference: String,
    summary: String,
    venue: Option<String>,
    instructors: Vec<CandidateRow>,
    rooms: Vec<trainyard_planner::ranking::RankedRoom>,
    can_edit: bool,
    show_cost: bool,
}

impl CandidatesPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

async fn candidates(State(s): State<AppState>, Viewer(c): Viewer, Path(id): Path<i64>) -> Response {
    let d = match sessions::get(&s.app, &c, id).await {
        Ok(d) => d,
        Err(e) => return error_page(e, Some(&c)),
    };
    let found = match trainyard_app::staffing::candidates(&s.app, &c, id).await {
        Ok(f) => f,
        Err(e) => return error_page(e, Some(&c)),
    };
    let viewer = viewer_tz(&c);
    let x = &d.session;
    CandidatesPage {
        chrome: Chrome::new(&c, "sessions", None),
        session_id: id,
        reference: x.reference.clone(),
        summary: format!(
            "{} — {}, {} part(s) from {}",
            x.course_code,
            x.course_title,
            d.parts.len(),
            when(x.starts_at, &x.time_zone, &viewer)
        ),
        venue: x.venue_name.clone(),
        instructors: found
            .instructors
            .into_iter()
            .map(|i| CandidateRow {
                id: i.id,
                name: i.name,
                rank: i.rank,
                // Left out by the use case for whoever may not see finance data.
                cost: i.cost.map(|m| m.to_string()).unwrap_or_default(),
                load_days: i.load_days,
                travel_minutes: i.travel_minutes,
                excluded_because: i.excluded_because,
            })
            .collect(),
        rooms: found.rooms,
        can_edit: c.role.can_edit_operations(),
        show_cost: c.sees_finance(),
    }
    .into_response()
}

super::archivable!(sessions, "/sessions", "Session", |r| r.reference.clone());
