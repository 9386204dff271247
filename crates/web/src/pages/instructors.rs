//! Instructors: staff and contractors, with their limits, skills, qualifications and time off.
//! Rates are finance data: only roles that may see finance get them on lists, pages and forms.

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
use std::collections::HashMap;
use trainyard_app::people::instructors;
use trainyard_app::sites::venues;
use trainyard_app::store::instructors::{Instructor, InstructorFilter, Qualification, TimeOff};
use trainyard_app::{App, Caller, history};
use trainyard_core::records::InstructorFields;
use trainyard_core::status::EmploymentType;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/instructors", get(list).post(create))
        .route("/instructors/new", get(new))
        .route("/instructors/{id}", get(show).post(update))
        .route("/instructors/{id}/edit", get(edit))
        .merge(super::archive_routes::<instructors::Record>())
}

const PATH: &str = "/instructors";
const AREA: &str = "instructors";

/// A qualification expiring within this many days is flagged.
const EXPIRES_SOON_DAYS: i64 = 60;

async fn list(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    uri: Uri,
    Query(f): Query<InstructorFilter>,
) -> Response {
    let page = match instructors::list(&s.app, &c, &f).await {
        Ok(p) => p,
        Err(e) => return error_page(e, Some(&c)),
    };
    let venue_opts = match venues::options(&s.app, &c).await {
        Ok(v) => v,
        Err(e) => return error_page(e, Some(&c)),
    };
    let venue_names: HashMap<i64, String> = venue_opts.iter().cloned().collect();
    let finance = c.sees_finance();
    let qs = QueryState::from_uri(&uri);
    let (prev_href, next_href) = paging(&qs, PATH, page.page, page.pages());
    let mut cols = vec![
        ("Name", "name", false),
        ("E-mail", "email", false),
        ("Type", "type", false),
        ("Home venue", "", false),
        ("Skills", "", false),
    ];
    if finance {
        cols.push(("Day rate", "day_rate", true));
    }
    let view = ListView {
        title: "Instructors",
        path: PATH,
        new_href: c.role.can_edit_operations().then_some("/instructors/new"),
        new_label: "New instructor",
        q: f.list.q.clone(),
        filters: vec![
            Filter::select(
                "employment_type",
                "Type",
                &f.employment_type,
                enum_choices(EmploymentType::ALL, |t| t.as_str(), |t| t.label()),
            ),
            Filter {
                name: "skill",
                label: "Skill",
                kind: "text",
                value: f.skill.clone(),
                options: Vec::new(),
            },
            Filter::select(
                "home_venue_id",
                "Home venue",
                &f.home_venue_id.map(|v| v.to_string()).unwrap_or_default(),
                id_choices(venue_opts),
            ),
            Filter::archived(f.list.archived),
        ],
        columns: columns(&qs, PATH, "name", &cols),
        rows: page
            .items
            .iter()
            .map(|i| {
                let mut cells = vec![
                    Cell::text(&i.name),
                    Cell::text(&i.email),
                    Cell::text(i.employment_type.label()),
                    Cell::text(venue_label(&venue_names, i.home_venue_id)),
                    Cell::text(i.skills.join(", ")),
                ];
                if finance {
                    cells.push(Cell::num(money_shown(i.day_rate)));
                }
                Row {
                    href: format!("/instructors/{}", i.id),
                    cells,
                }
            })
            .collect(),
        total: page.total,
        page: page.page,
        pages: page.pages(),
        prev_href,
        next_href,
        csv_href: qs.with(
            PATH,
            &[("format", "csv"), ("page", ""), ("per_page", "10000")],
        ),
        empty_hint:
            "Add your trainers, staff and contractors: contact, home venue, limits and skills."
                .into(),
        filtered: qs.is_filtered(),
    };
    list_response(Chrome::new(&c, AREA, flash), view, wants_csv(&qs))
}

/// The home venue as shown: its chooser label, or its number when it is archived.
fn venue_label(names: &HashMap<i64, String>, id: Option<i64>) -> String {
    match id {
        Some(v) => names
            .get(&v)
            .cloned()
            .unwrap_or_else(|| format!("Venue {v} (archived)")),
        None => "—".into(),
    }
}

fn fields_of(i: &Instructor) -> InstructorFields {
    InstructorFields {
        name: i.name.clone(),
        email: i.email.clone(),
        phone: i.phone.clone().unwrap_or_default(),
        employment_type: i.employment_type.as_str().into(),
        home_venue_id: i.home_venue_id.map(|v| v.to_string()).unwrap_or_default(),
        time_zone: i.time_zone.clone(),
        currency: i
            .day_rate
            .map(|r| r.currency.to_string())
            .unwrap_or_default(),
        day_rate: money_field(i.day_rate),
        hour_rate: money_field(i.hour_rate),
        max_days_week: i.max_days_week.to_string(),
        max_days_month: i.max_days_month.to_string(),
        skills: i.skills.join(", "),
        notes: i.notes.clone(),
    }
}

fn form(
    c: &Caller,
    title: String,
    action: String,
    cancel: String,
    version: Option<i64>,
    f: &InstructorFields,
    venue_opts: Vec<(i64, String)>,
) -> FormView {
    let mut fields = vec![
        Field::new("name", "Name", "text", &f.name).required(),
        Field::new("email", "E-mail", "email", &f.email).required(),
        Field::new("phone", "Phone", "text", &f.phone),
        Field::new("employment_type", "Type", "select", &f.employment_type)
            .required()
            .choices(
                enum_choices(EmploymentType::ALL, |t| t.as_str(), |t| t.label()),
                None,
            ),
        Field::new("home_venue_id", "Home venue", "select", &f.home_venue_id)
            .choices(id_choices(venue_opts), Some("— none —"))
            .help("Where they usually start from; used for travel times"),
        Field::new("time_zone", "Time zone", "text", &f.time_zone)
            .required()
            .help("IANA name, e.g. Europe/Berlin"),
    ];
    // Without these fields the use case keeps the stored rates.
    if c.sees_finance() {
        fields.push(
            Field::new("currency", "Currency", "text", &f.currency)
                .required()
                .help("ISO code, e.g. EUR"),
        );
        fields.push(Field::new("day_rate", "Day rate", "text", &f.day_rate));
        fields.push(Field::new("hour_rate", "Hour rate", "text", &f.hour_rate));
    }
    fields.extend([
        Field::new(
            "max_days_week",
            "Most days a week",
            "number",
            &f.max_days_week,
        )
        .required(),
        Field::new(
            "max_days_month",
            "Most days a month",
            "number",
            &f.max_days_month,
        )
        .required(),
        Field::new("skills", "Skills", "text", &f.skills)
            .help("Comma-separated, e.g. excel, power-bi"),
        Field::new("notes", "Notes", "textarea", &f.notes),
    ]);
    FormView {
        title,
        action,
        submit: "Save instructor",
        cancel_href: cancel,
        version,
        fields,
        problems: Vec::new(),
    }
}

/// Venues for the chooser; a failure to load them leaves the chooser with only "none".
async fn venue_choices(app: &App, c: &Caller) -> Vec<(i64, String)> {
    venues::options(app, c).await.unwrap_or_default()
}

async fn new(State(s): State<AppState>, Viewer(c): Viewer) -> Response {
    if let Err(e) = c.require_operations("create instructors") {
        return error_page(e, Some(&c));
    }
    let blank = InstructorFields {
        employment_type: "staff".into(),
        time_zone: c.time_zone.clone(),
        currency: "EUR".into(),
        day_rate: "0".into(),
        hour_rate: "0".into(),
        max_days_week: "5".into(),
        max_days_month: "20".into(),
        ..Default::default()
    };
    FormPage {
        chrome: Chrome::new(&c, AREA, None),
        view: form(
            &c,
            "New instructor".into(),
            PATH.into(),
            PATH.into(),
            None,
            &blank,
            venue_choices(&s.app, &c).await,
        ),
    }
    .into_response()
}

async fn create(
    State(s): State<AppState>,
    Submit { caller: c, form: f }: Submit<InstructorFields>,
) -> Response {
    match instructors::create(&s.app, &c, &f).await {
        Ok(i) => saved(
            &format!("/instructors/{}", i.id),
            &format!("Instructor {} created.", i.name),
        ),
        Err(e) => form_refused(
            Chrome::new(&c, AREA, None),
            form(
                &c,
                "New instructor".into(),
                PATH.into(),
                PATH.into(),
                None,
                &f,
                venue_choices(&s.app, &c).await,
            ),
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
    let i = match instructors::get(&s.app, &c, id).await {
        Ok(i) => i,
        Err(e) => return error_page(e, Some(&c)),
    };
    let quals = match instructors::qualifications(&s.app, &c, id).await {
        Ok(q) => q,
        Err(e) => return error_page(e, Some(&c)),
    };
    let off = match instructors::time_off(&s.app, &c, id).await {
        Ok(t) => t,
        Err(e) => return error_page(e, Some(&c)),
    };
    // The home venue's name, for those allowed to see venues (an instructor viewing their own
    // page is not); archived venues included.
    let home_venue = match i.home_venue_id {
        Some(v) => venues::get(&s.app, &c, v).await.ok().map(|v| {
            let label = format!("{} — {} ({})", v.code, v.name, v.city);
            match v.archived_at {
                Some(_) => format!("{label}, archived"),
                None => label,
            }
        }),
        None => None,
    };
    let events = history::of_record(&s.app, &c, "instructor", id)
        .await
        .unwrap_or_default();
    DetailPage {
        chrome: Chrome::new(&c, AREA, flash),
        view: detail(&c, &i, home_venue, quals, off, events),
    }
    .into_response()
}

fn date(tz: &trainyard_core::TimeZoneName, ms: i64) -> String {
    tz.local(ms).format("%Y-%m-%d").to_string()
}

fn detail(
    c: &Caller,
    i: &Instructor,
    home_venue: Option<String>,
    quals: Vec<Qualification>,
    off: Vec<TimeOff>,
    events: Vec<trainyard_app::store::audit::AuditEvent>,
) -> DetailView {
    let tz = viewer_tz(c);
    let mut actions = Vec::new();
    if c.role.can_edit_operations() {
        actions.push(Action::link("Edit", format!("/instructors/{}/edit", i.id)));
        actions.push(Action::link(
            "Drops out…",
            format!("/plan?repair_instructor={}#repair", i.id),
        ));
        actions.push(if i.archived_at.is_some() {
            Action::post("Restore", format!("/instructors/{}/restore", i.id), None)
        } else {
            Action::post(
                "Archive",
                format!("/instructors/{}/archive", i.id),
                Some("Archive this instructor? They can no longer be assigned but keep their history."),
            )
        });
    }
    if c.role.is_staff() {
        actions.push(Action::link(
            "Qualifications & availability",
            format!("/instructors/{}/credentials", i.id),
        ));
        actions.push(Action::link(
            "Calendar",
            format!("/calendar?kind=instructor&id={}", i.id),
        ));
        actions.push(Action::link(
            "Calendar feed",
            format!("/feeds/instructor/{}", i.id),
        ));
    }
    let mut facts = vec![
        fact("E-mail", &i.email),
        fact("Phone", i.phone.clone().unwrap_or_else(|| "—".into())),
        fact("Type", i.employment_type.label()),
    ];
    match (i.home_venue_id, home_venue) {
        (Some(v), Some(label)) => {
            facts.push(link_fact("Home venue", label, format!("/venues/{v}")))
        }
        (None, _) => facts.push(fact("Home venue", "—")),
        // Set, but the viewer may not see venues: leave it out rather than show a bare number.
        (Some(_), None) => {}
    }
    facts.push(fact("Time zone", &i.time_zone));
    // Present only for viewers who may see finance data.
    if let Some(rate) = i.day_rate {
        facts.push(fact("Day rate", rate.to_string()));
    }
    if let Some(rate) = i.hour_rate {
        facts.push(fact("Hour rate", rate.to_string()));
    }
    facts.push(fact(
        "Limits",
        format!(
            "max {} days a week, {} a month",
            i.max_days_week, i.max_days_month
        ),
    ));
    facts.push(fact(
        "Skills",
        if i.skills.is_empty() {
            "none recorded".into()
        } else {
            i.skills.join(", ")
        },
    ));
    if !i.notes.is_empty() {
        facts.push(fact("Notes", &i.notes));
    }

    let now = trainyard_core::time::now_ms();
    let soon = now + EXPIRES_SOON_DAYS * 86_400_000;
    let qual_rows = quals
        .into_iter()
        .map(|q| {
            let what = q
                .course_code
                .clone()
                .or_else(|| q.skill.clone())
                .unwrap_or_else(|| "—".into());
            let status = match q.expires_at {
                Some(x) if x <= now => Cell::badge("expired", "cancelled"),
                Some(x) if x <= soon => Cell::badge("expires soon", "tentative"),
                _ => Cell::badge("valid", "confirmed"),
            };
            Row {
                href: match q.course_id {
                    Some(cid) if c.role.is_staff() => format!("/courses/{cid}"),
                    _ => String::new(),
                },
                cells: vec![
                    Cell::text(what),
                    Cell::text(date(&tz, q.valid_from)),
                    Cell::text(
                        q.expires_at
                            .map(|x| date(&tz, x))
                            .unwrap_or_else(|| "no expiry".into()),
                    ),
                    status,
                ],
            }
        })
        .collect();
    let off_rows = off
        .into_iter()
        .map(|t| Row {
            href: String::new(),
            cells: vec![
                Cell::text(when(t.starts_at, &i.time_zone, &tz)),
                Cell::text(when(t.ends_at, &i.time_zone, &tz)),
                Cell::text(t.reason),
            ],
        })
        .collect();

    DetailView {
        title: i.name.clone(),
        subtitle: format!("{} instructor", i.employment_type.label()),
        status: i.archived_at.map(|_| Cell::badge("Archived", "archived")),
        // An instructor viewing their own page cannot open the list.
        back_href: if c.role.is_staff() { PATH } else { "/" },
        back_label: if c.role.is_staff() {
            "Instructors"
        } else {
            "Home"
        },
        version: i.version,
        actions,
        facts,
        sections: vec![
            Section {
                title: "Qualifications".into(),
                columns: vec!["Course or skill", "Valid from", "Expires", "Status"],
                rows: qual_rows,
                empty: "No qualifications recorded.".into(),
            },
            Section {
                title: "Time off".into(),
                columns: vec!["From", "To", "Reason"],
                rows: off_rows,
                empty: "No time off recorded.".into(),
            },
        ],
        history: history(events, &tz),
    }
}

async fn edit(State(s): State<AppState>, Viewer(c): Viewer, Path(id): Path<i64>) -> Response {
    if let Err(e) = c.require_operations("change instructors") {
        return error_page(e, Some(&c));
    }
    match instructors::get(&s.app, &c, id).await {
        Ok(i) => FormPage {
            chrome: Chrome::new(&c, AREA, None),
            view: form(
                &c,
                format!("Edit {}", i.name),
                format!("/instructors/{id}"),
                format!("/instructors/{id}"),
                Some(i.version),
                &fields_of(&i),
                venue_choices(&s.app, &c).await,
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
    }: Submit<Versioned<InstructorFields>>,
) -> Response {
    let version = posted.version;
    // Without rate fields on the form, the use case keeps the stored rates.
    let f = posted.inner;
    match instructors::update(&s.app, &c, id, version, &f).await {
        Ok(i) => saved(
            &format!("/instructors/{id}"),
            &format!("Instructor {} saved.", i.name),
        ),
        Err(e) => form_refused(
            Chrome::new(&c, AREA, None),
            form(
                &c,
                format!("Edit {}", f.name),
                format!("/instructors/{id}"),
                format!("/instructors/{id}"),
                Some(version),
                &f,
                venue_choices(&s.app, &c).await,
            ),
            e,
            &c,
        ),
    }
}

super::archivable!(instructors, "/instructors", "Instructor", |r| r
    .name
    .clone());
