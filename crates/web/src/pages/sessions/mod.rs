//! Sessions: the schedule's unit — list, detail with parts, staffing, bookings, enrollments and
//! history, lifecycle actions. The list, forms, writes and archiving are the generic record pages;
//! the session's sections live in the modules below.

mod admin_time;
mod bookings;
mod complaints;
mod enrollments;
mod finance;
mod panels;
mod parts;
mod refused;
mod staffing;
mod window;

pub(crate) use complaints::standing as complaint_standing;
pub(crate) use enrollments::fee_notice;

use super::record::{Columns, RecordPage, stored, use_cases};
use super::{Submit, saved};
use crate::AppState;
use crate::i18n::Tr;
use crate::views::*;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use panels::{Panel, SessionPage};
use parts::SessionForm;
use trainyard_app::catalog::courses;
use trainyard_app::people::clients;
use trainyard_app::programs;
use trainyard_app::schedule::sessions::SessionDetail;
use trainyard_app::schedule::{roster, sessions};
use trainyard_app::sites::venues;
use trainyard_app::store::ListParams;
use trainyard_app::store::sessions::{Session, SessionFilter};
use trainyard_app::{AppError, Caller};
use trainyard_core::TimeZoneName;
use trainyard_core::records::SessionFields;
use trainyard_core::status::{DeliveryMode, SessionEvent, SessionStatus, Visibility};

pub fn routes() -> Router<AppState> {
    super::record::routes::<Sessions>()
        .route("/sessions/{id}/transition", post(transition))
        .merge(staffing::routes())
        .merge(bookings::routes())
        .merge(enrollments::routes())
        .merge(admin_time::routes())
        .merge(complaints::routes())
        .merge(finance::routes())
}

/// The list's choosers: the viewer's zone for the times, and for staff the filters' options.
pub(crate) struct Lookups {
    viewer: TimeZoneName,
    staff: Option<[Vec<(String, String)>; 4]>,
    tr: Tr,
}

/// What a session's page shows besides the session.
pub(crate) struct Extra {
    id: i64,
    roster: roster::Roster,
    program: Option<Fact>,
    panels: Vec<Panel>,
    messages: Option<Section>,
    /// A refused action shown where it was taken.
    refusal: Option<refused::Refusal>,
}

stored!(Session);
stored!(SessionDetail => session);

pub(crate) struct Sessions;

impl RecordPage for Sessions {
    const PATH: &'static str = "/sessions";
    const TITLE: &'static str = "Sessions";
    const NOUN: &'static str = "Session";
    const ARCHIVE_CONFIRM: &'static str =
        "Archive this session? It leaves lists but keeps its history.";
    const DEFAULT_SORT: &'static str = "starts";

    type Filter = SessionFilter;
    type Item = Session;
    type Record = SessionDetail;
    type Saved = Session;
    type Fields = SessionFields;
    type Form = SessionForm;
    type Lookups = Lookups;
    type Extra = Extra;

    use_cases!(trainyard_app::schedule::sessions);

    fn may_create(c: &Caller) -> Result<(), AppError> {
        c.require_operations("schedule sessions")
    }
    fn may_change(c: &Caller) -> Result<(), AppError> {
        // The form shows every field (notes, joining details) of a session only operations may change.
        c.require_operations("change sessions")
    }

    fn params(f: &SessionFilter) -> &ListParams {
        &f.list
    }
    fn search_filter(list: ListParams) -> Option<SessionFilter> {
        Some(SessionFilter {
            list,
            ..Default::default()
        })
    }
    fn search_columns() -> Vec<&'static str> {
        vec!["Reference", "Course", "Starts", "Status"]
    }
    fn search_cells(c: &Caller, x: &Session) -> Vec<Cell> {
        vec![
            Cell::text(&x.reference),
            Cell::text(&x.course_title),
            Cell::text(when(x.starts_at, &x.time_zone, &viewer_tz(c))),
            Cell::badge(x.status.label(), x.status.as_str()),
        ]
    }
    fn list_title(c: &Caller) -> &'static str {
        let tr = Tr::for_caller(c);
        if c.role.is_staff() {
            tr.t("sessions-title")
        } else {
            tr.t("sessions-title-ours")
        }
    }
    fn list_new_label(c: &Caller) -> String {
        Tr::for_caller(c).t("sessions-new").to_owned()
    }
    fn empty_hint(c: &Caller) -> &'static str {
        Tr::for_caller(c).t("sessions-empty-hint")
    }
    fn list_redirect(c: &Caller, uri: &Uri) -> Option<Response> {
        // A bare /sessions shows what is coming up; the filter is visible and can be cleared.
        uri.query().is_none().then(|| {
            let today = viewer_tz(c)
                .local(trainyard_core::time::now_ms())
                .format("%Y-%m-%d")
                .to_string();
            Redirect::to(&format!("/sessions?from={today}")).into_response()
        })
    }
    async fn lookups(s: &AppState, c: &Caller, f: &SessionFilter) -> Result<Lookups, AppError> {
        let staff = if c.role.is_staff() {
            let program = f.program_id.map(|i| i.to_string()).unwrap_or_default();
            Some([
                id_choices(courses::options(&s.app, c).await.unwrap_or_default()),
                id_choices(clients::options(&s.app, c).await.unwrap_or_default()),
                id_choices(venues::options(&s.app, c).await.unwrap_or_default()),
                parts::program_choices(s, c, &program).await,
            ])
        } else {
            None
        };
        Ok(Lookups {
            viewer: viewer_tz(c),
            staff,
            tr: Tr::for_caller(c),
        })
    }
    fn filters(_: &Caller, f: &SessionFilter, l: &Lookups) -> Vec<Filter> {
        let tr = l.tr;
        let mut filters = vec![
            Filter::select(
                "status",
                tr.t("filter-status"),
                &f.status,
                enum_choices(
                    SessionStatus::ALL,
                    |v| v.as_str(),
                    |v| tr.t_or(&format!("status-{}", v.as_str()), v.label()),
                ),
            ),
            Filter::select(
                "mode",
                tr.t("filter-delivery"),
                &f.mode,
                enum_choices(
                    DeliveryMode::ALL,
                    |v| v.as_str(),
                    |v| tr.t_or(&format!("mode-{}", v.as_str()), v.label()),
                ),
            ),
            Filter::select(
                "visibility",
                tr.t("filter-type"),
                &f.visibility,
                enum_choices(
                    Visibility::ALL,
                    |v| v.as_str(),
                    |v| tr.t_or(&format!("visibility-{}", v.as_str()), v.label()),
                ),
            ),
            Filter::select(
                "language",
                tr.t("filter-language"),
                &f.language,
                crate::i18n::language_choices(),
            ),
        ];
        if let Some([courses, clients, venues, programs]) = &l.staff {
            let opt = |id: Option<i64>| id.map(|i| i.to_string()).unwrap_or_default();
            filters.push(Filter::select(
                "course_id",
                tr.t("filter-course"),
                &opt(f.course_id),
                courses.clone(),
            ));
            filters.push(Filter::select(
                "client_id",
                tr.t("filter-client"),
                &opt(f.client_id),
                clients.clone(),
            ));
            filters.push(Filter::select(
                "venue_id",
                tr.t("filter-venue"),
                &opt(f.venue_id),
                venues.clone(),
            ));
            filters.push(Filter::select(
                "program_id",
                tr.t("filter-program"),
                &opt(f.program_id),
                programs.clone(),
            ));
        }
        filters.push(Filter::date("from", tr.t("filter-from"), &f.from));
        filters.push(Filter::date("to", tr.t("filter-to"), &f.to));
        filters
    }
    fn columns(c: &Caller) -> Columns {
        let tr = Tr::for_caller(c);
        vec![
            (tr.t("col-reference"), "reference", false),
            (tr.t("col-course"), "course", false),
            (tr.t("col-starts"), "starts", false),
            (tr.t("col-where"), "", false),
            (tr.t("col-for"), "", false),
            (tr.t("col-status"), "status", false),
            (tr.t("col-booked"), "booked", true),
            (tr.t("col-waitlist"), "", true),
        ]
    }
    fn cells(_: &Caller, x: &Session, l: &Lookups) -> Vec<Cell> {
        cells_in(x, &l.viewer, l.tr)
    }

    async fn blank(s: &AppState, c: &Caller, q: &QueryState) -> SessionFields {
        let blank = SessionFields {
            visibility: "public".into(),
            delivery_mode: "ilt".into(),
            capacity: "12".into(),
            time_zone: c.time_zone.clone(),
            currency: "EUR".into(),
            ..Default::default()
        };
        parts::from_course(s, c, q, blank).await
    }
    fn fields_of(d: &SessionDetail) -> SessionFields {
        parts::fields_of(&d.session, &d.parts)
    }
    async fn form_fields(s: &AppState, c: &Caller, f: &SessionFields) -> Vec<Field> {
        parts::form_fields(s, c, f).await
    }
    fn edit_title(_: &SessionFields, d: Option<&SessionDetail>) -> String {
        match d {
            Some(d) => format!("Edit session {}", d.session.reference),
            None => "Edit session".into(),
        }
    }

    fn label(x: &Session) -> String {
        x.reference.clone()
    }
    fn created_notice(x: &Session) -> String {
        format!("Session {} created as a draft.", x.reference)
    }
    async fn extra(s: &AppState, c: &Caller, d: &SessionDetail) -> Result<Extra, AppError> {
        let x = &d.session;
        let id = x.id;
        let r = roster::of_session(&s.app, c, id).await?;
        let program = match x.program_id {
            Some(pid) => Some(match programs::find(&s.app, c, pid).await {
                Ok(p) if c.role.is_staff() => {
                    link_fact("Program", p.name, format!("/programs/{pid}"))
                }
                Ok(p) => fact("Program", p.name),
                Err(_) => fact("Program", format!("Program #{pid}")),
            }),
            None => None,
        };
        let panels = if c.role.is_staff() {
            panels::panels(s, c, x, &r).await
        } else {
            Vec::new()
        };
        let messages = super::messages::log_section(s, c, "session", id).await;
        Ok(Extra {
            id,
            roster: r,
            program,
            panels,
            messages,
            refusal: None,
        })
    }
    fn title(d: &SessionDetail) -> String {
        let x = &d.session;
        format!(
            "{} {}",
            x.course_code,
            x.title.as_deref().unwrap_or(&x.course_title)
        )
    }
    fn subtitle(c: &Caller, d: &SessionDetail) -> String {
        let x = &d.session;
        let tr = Tr::for_caller(c);
        let mut out = tr.t2(
            "session-subtitle",
            "reference",
            &x.reference,
            "when",
            when(x.starts_at, &x.time_zone, &viewer_tz(c)),
        );
        if let Some(l) = x
            .delivery_language
            .as_deref()
            .and_then(|l| trainyard_core::locale::LanguageTag::parse(l).ok())
        {
            out.push_str(" · ");
            out.push_str(&tr.t1("session-taught-in", "language", l.own_name()));
        }
        out
    }
    fn status(d: &SessionDetail) -> Option<Cell> {
        let x = &d.session;
        Some(if x.archived_at.is_some() {
            Cell::badge("Archived", "archived")
        } else {
            Cell::badge(x.status.label(), x.status.as_str())
        })
    }
    fn shows_history(c: &Caller) -> bool {
        c.role.is_staff()
    }
    fn actions(c: &Caller, d: &SessionDetail, _: &Extra) -> Vec<Action> {
        let x = &d.session;
        let id = x.id;
        let mut actions = Vec::new();
        if c.role.can_edit_operations() && x.archived_at.is_none() {
            for e in x.status.next_events() {
                if e.needs_reason() {
                    // Cancelling and postponing ask why first: the form in the panel below.
                    actions.push(Action::link(
                        &format!("{}…", e.label()),
                        format!("/sessions/{id}#status-change"),
                    ));
                    continue;
                }
                let mut a = Action::post(e.label(), format!("/sessions/{id}/transition"), None);
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
        if c.role.is_staff()
            || matches!(
                c.role,
                trainyard_core::Role::Instructor | trainyard_core::Role::ClientContact
            )
        {
            actions.push(Action::link(
                "Compliance",
                format!("/sessions/{id}/compliance"),
            ));
        }
        if c.role.is_staff()
            && matches!(
                x.status,
                trainyard_core::status::SessionStatus::Delivered
                    | trainyard_core::status::SessionStatus::Closed
            )
        {
            actions.push(Action::link("Feedback", format!("/sessions/{id}/feedback")));
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
        actions
    }
    fn facts(c: &Caller, d: &SessionDetail, e: &Extra) -> Vec<Fact> {
        let x = &d.session;
        let tz = x.time_zone.as_str();
        let viewer = viewer_tz(c);
        let program = e.program.clone();
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
        if let Some(reason) = x.status_reason {
            facts.insert(
                0,
                fact(
                    if x.status == SessionStatus::Postponed {
                        "Postponed because"
                    } else {
                        "Cancelled because"
                    },
                    if x.status_note.is_empty() {
                        reason.label().to_owned()
                    } else {
                        format!("{}: {}", reason.label(), x.status_note)
                    },
                ),
            );
        }
        facts
    }
    fn sections(c: &Caller, d: &SessionDetail, e: &Extra) -> Vec<Section> {
        let r = &e.roster;
        let mut sections = vec![parts::section(d, &viewer_tz(c))];
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
                            Cell::text(
                                e.client_name.clone().unwrap_or_else(|| "Individual".into()),
                            ),
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
        sections
    }
    fn page(chrome: Chrome, view: DetailView, x: Extra) -> Response {
        SessionPage::new(
            chrome,
            view,
            x.panels,
            x.messages,
            x.refusal,
            format!("/admin/outbox?entity_type=session&entity_id={}", x.id),
        )
        .into_response()
    }
}

/// A session's row, in the reader's words.
fn cells_in(x: &Session, viewer: &TimeZoneName, tr: Tr) -> Vec<Cell> {
    vec![
        Cell::text(&x.reference),
        Cell::text(format!(
            "{} {}",
            x.course_code,
            x.title.as_deref().unwrap_or(&x.course_title)
        )),
        Cell::when(when_short(x.starts_at, &x.time_zone, viewer)),
        Cell::text(x.venue_name.clone().unwrap_or_else(|| {
            tr.t_or(
                &format!("mode-{}", x.delivery_mode.as_str()),
                x.delivery_mode.label(),
            )
            .to_owned()
        })),
        Cell::text(
            x.client_name
                .clone()
                .unwrap_or_else(|| tr.t("sessions-public").to_owned()),
        ),
        Cell::badge(
            tr.t_or(&format!("status-{}", x.status.as_str()), x.status.label()),
            x.status.as_str(),
        ),
        Cell::num(format!("{}/{}", x.booked_count, x.capacity)),
        Cell::num(x.waitlist_count),
    ]
}

/// A lifecycle action from the page: the event, and for cancelling or postponing the reason.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct TransitionForm {
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    version: i64,
    event: String,
    reason: String,
    reason_note: String,
}

async fn transition(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit {
        caller: c,
        form: posted,
    }: Submit<TransitionForm>,
) -> Response {
    // Cancelling and postponing come from their panel; the other moves from the buttons above.
    let panel = match SessionEvent::parse(&posted.event) {
        Ok(e) if e.needs_reason() => "status-change",
        _ => "",
    };
    let typed = [
        ("event", posted.event.clone()),
        ("reason", posted.reason.clone()),
        ("reason_note", posted.reason_note.clone()),
    ];
    let refuse = |e: AppError| refused::refused(&s, &c, id, panel, &typed, e);
    let event = match SessionEvent::parse(&posted.event) {
        Ok(e) => e,
        Err(r) => return refuse(r.into()).await,
    };
    let reason = match posted.reason.trim() {
        "" => None,
        raw => match trainyard_core::status::StatusReason::parse(raw) {
            Ok(r) => Some(r),
            Err(r) => {
                return refuse(trainyard_core::Invalid::field("reason", r.to_string()).into())
                    .await;
            }
        },
    };
    let why = sessions::Why {
        reason,
        note: posted.reason_note.clone(),
    };
    match sessions::transition_because(&s.app, &c, id, posted.version, event, &why).await {
        Ok(x) => saved(
            &format!("/sessions/{id}"),
            &if event == SessionEvent::Cancel {
                format!(
                    "Session {} is now cancelled: everyone on it was told, its instructors and its rooms, equipment and platforms released.",
                    x.reference
                )
            } else {
                format!(
                    "Session {} is now {}.",
                    x.reference,
                    x.status.label().to_lowercase()
                )
            },
        ),
        Err(e) => refuse(e).await,
    }
}
