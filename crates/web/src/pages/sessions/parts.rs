//! A session's parts and the session form: the form posts the parts as repeated `part_starts` /
//! `part_ends` fields, and the page lists them with their lengths.

use crate::AppState;
use crate::views::*;
use trainyard_app::people::clients;
use trainyard_app::programs;
use trainyard_app::schedule::sessions::SessionDetail;
use trainyard_app::sites::venues;
use trainyard_app::store::sessions::Session;
use trainyard_app::{Caller, catalog::courses};
use trainyard_core::TimeZoneName;
use trainyard_core::records::{PartFields, SessionFields};
use trainyard_core::status::{DeliveryMode, Visibility};

/// The session form posts parts as repeated `part_starts` / `part_ends` fields.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub(crate) struct SessionForm {
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
    delivery_language: String,
    part_starts: Vec<String>,
    part_ends: Vec<String>,
}

impl From<SessionForm> for SessionFields {
    fn from(form: SessionForm) -> Self {
        let parts = form
            .part_starts
            .into_iter()
            .zip(
                form.part_ends
                    .into_iter()
                    .chain(std::iter::repeat(String::new())),
            )
            .map(|(starts, ends)| PartFields { starts, ends })
            .collect();
        SessionFields {
            course_id: form.course_id,
            title: form.title,
            visibility: form.visibility,
            client_id: form.client_id,
            program_id: form.program_id,
            delivery_mode: form.delivery_mode,
            venue_id: form.venue_id,
            capacity: form.capacity,
            time_zone: form.time_zone,
            currency: form.currency,
            seat_price: form.seat_price,
            notes: form.notes,
            joining_url: form.joining_url,
            joining_notes: form.joining_notes,
            parts,
            delivery_language: form.delivery_language,
        }
    }
}

pub(super) fn fields_of(
    x: &Session,
    parts: &[trainyard_app::store::sessions::Part],
) -> SessionFields {
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
        delivery_language: x.delivery_language.clone().unwrap_or_default(),
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

/// The form's fields; every chooser that fails to load offers only its blank choice.
pub(super) async fn form_fields(s: &AppState, c: &Caller, f: &SessionFields) -> Vec<Field> {
    let mut parts: Vec<(String, String)> = f
        .parts
        .iter()
        .map(|p| (p.starts.clone(), p.ends.clone()))
        .collect();
    while parts.len() < 3 {
        parts.push((String::new(), String::new()));
    }
    vec![
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
            Field::new("delivery_language", "Delivery language", "select", &f.delivery_language).choices(crate::i18n::language_choices(), Some("— not stated —")).help("The language the session is taught in; shown in the catalog."),
            Field::new("notes", "Notes", "textarea", &f.notes),
    ]
}

/// Active programs as "Name (Client)", plus the session's own program when that one is archived
/// (so an edit keeps it).
pub(super) async fn program_choices(
    s: &AppState,
    c: &Caller,
    current: &str,
) -> Vec<(String, String)> {
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

/// The session's parts with their times in the session's and the viewer's zone.
pub(super) fn section(d: &SessionDetail, viewer: &TimeZoneName) -> Section {
    let tz = d.session.time_zone.as_str();
    Section {
        title: format!("Parts ({})", d.parts.len()),
        columns: vec!["#", "Starts", "Ends", "Length", "Status"],
        rows: d
            .parts
            .iter()
            .map(|p| Row {
                href: String::new(),
                cells: vec![
                    Cell::num(p.position),
                    Cell::text(when(p.starts_at, tz, viewer)),
                    Cell::text(when(p.ends_at, tz, viewer)),
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
    }
}

/// A new session of `?course_id=`: the course's list price, and one part per day of the course's
/// length (`hours_per_day` from 09:00), on working days from `?date=` (default: the next working
/// day). Anything that does not load leaves the blank form as it was.
pub(super) async fn from_course(
    s: &AppState,
    c: &Caller,
    q: &QueryState,
    mut f: SessionFields,
) -> SessionFields {
    use chrono::{Datelike, Duration, NaiveDate, Weekday};
    let Ok(id) = q.get("course_id").trim().parse::<i64>() else {
        return f;
    };
    let Ok(course) = courses::get(&s.app, c, id).await else {
        return f;
    };
    f.course_id = id.to_string();
    f.currency = course.list_price.currency.to_string();
    f.seat_price = course.list_price.amount_string();
    let working = |d: NaiveDate| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
    let mut day = match NaiveDate::parse_from_str(q.get("date").trim(), "%Y-%m-%d") {
        Ok(d) => d,
        Err(_) => {
            let today = trainyard_core::TimeZoneName::parse_or_utc(&c.time_zone)
                .local(trainyard_core::time::now_ms())
                .date_naive();
            today + Duration::days(1)
        }
    };
    let hours = course.hours_per_day.clamp(1, 12);
    let mut parts = Vec::new();
    // Bounded: a course is at most a few weeks long; the form shows what it proposes.
    while parts.len() < course.duration_days.clamp(1, 30) as usize {
        if working(day) {
            parts.push(trainyard_core::records::PartFields {
                starts: format!("{}T09:00", day.format("%Y-%m-%d")),
                ends: format!("{}T{:02}:00", day.format("%Y-%m-%d"), 9 + hours),
            });
        }
        day += Duration::days(1);
    }
    f.parts = parts;
    f
}
