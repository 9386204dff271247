//! Instructors: staff and contractors, with their limits, skills, qualifications and time off.
//! Rates are finance data: only roles that may see finance get them on lists, pages and forms.

use super::record::{Columns, RecordPage, edit_actions, stored, use_cases};
use crate::AppState;
use crate::views::*;
use axum::Router;
use std::collections::HashMap;
use trainyard_app::people::instructors;
use trainyard_app::sites::venues;
use trainyard_app::store::ListParams;
use trainyard_app::store::instructors::{Instructor, InstructorFilter, Qualification, TimeOff};
use trainyard_app::{AppError, Caller};
use trainyard_core::records::InstructorFields;
use trainyard_core::status::EmploymentType;

pub fn routes() -> Router<AppState> {
    super::record::routes::<Instructors>()
}

/// A qualification expiring within this many days is flagged.
const EXPIRES_SOON_DAYS: i64 = 60;

/// The venues: as chooser options for the filter, and by id for the rows.
pub(crate) struct VenueNames {
    options: Vec<(i64, String)>,
    names: HashMap<i64, String>,
}

/// What an instructor's page shows besides the record.
pub(crate) struct Credentials {
    /// The home venue's name, for those allowed to see venues (an instructor viewing their own
    /// page is not); archived venues included.
    home_venue: Option<String>,
    quals: Vec<Qualification>,
    off: Vec<TimeOff>,
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

fn date(tz: &trainyard_core::TimeZoneName, ms: i64) -> String {
    tz.local(ms).format("%Y-%m-%d").to_string()
}

stored!(Instructor);

pub(crate) struct Instructors;

impl RecordPage for Instructors {
    const PATH: &'static str = "/instructors";
    const TITLE: &'static str = "Instructors";
    const NOUN: &'static str = "Instructor";
    const ARCHIVE_CONFIRM: &'static str =
        "Archive this instructor? They can no longer be assigned but keep their history.";
    const DEFAULT_SORT: &'static str = "name";

    type Filter = InstructorFilter;
    type Item = Instructor;
    type Record = Instructor;
    type Saved = Instructor;
    // Without rate fields on the form, the use case keeps the stored rates.
    type Fields = InstructorFields;
    type Form = InstructorFields;
    type Lookups = VenueNames;
    type Extra = Credentials;

    use_cases!(trainyard_app::people::instructors);

    fn params(f: &InstructorFilter) -> &ListParams {
        &f.list
    }
    fn search_filter(list: ListParams) -> Option<InstructorFilter> {
        Some(InstructorFilter {
            list,
            ..Default::default()
        })
    }
    fn search_columns() -> Vec<&'static str> {
        vec!["Name", "E-mail"]
    }
    fn search_cells(_: &Caller, x: &Instructor) -> Vec<Cell> {
        vec![Cell::text(&x.name), Cell::text(&x.email)]
    }
    fn empty_hint(_: &Caller) -> &'static str {
        "Add your trainers, staff and contractors: contact, home venue, limits and skills."
    }
    async fn lookups(
        s: &AppState,
        c: &Caller,
        _: &InstructorFilter,
    ) -> Result<VenueNames, AppError> {
        let options = venues::options(&s.app, c).await?;
        let names = options.iter().cloned().collect();
        Ok(VenueNames { options, names })
    }
    fn filters(_: &Caller, f: &InstructorFilter, v: &VenueNames) -> Vec<Filter> {
        vec![
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
                id_choices(v.options.clone()),
            ),
        ]
    }
    fn columns(c: &Caller) -> Columns {
        let mut cols = vec![
            ("Name", "name", false),
            ("E-mail", "email", false),
            ("Type", "type", false),
            ("Home venue", "", false),
            ("Skills", "", false),
        ];
        if c.sees_finance() {
            cols.push(("Day rate", "day_rate", true));
        }
        cols
    }
    fn cells(c: &Caller, i: &Instructor, v: &VenueNames) -> Vec<Cell> {
        let mut cells = vec![
            Cell::text(&i.name),
            Cell::text(&i.email),
            Cell::text(i.employment_type.label()),
            Cell::text(venue_label(&v.names, i.home_venue_id)),
            Cell::text(i.skills.join(", ")),
        ];
        if c.sees_finance() {
            cells.push(Cell::num(money_shown(i.day_rate)));
        }
        cells
    }

    async fn blank(_: &AppState, c: &Caller, _: &QueryState) -> InstructorFields {
        InstructorFields {
            employment_type: "staff".into(),
            time_zone: c.time_zone.clone(),
            currency: "EUR".into(),
            day_rate: "0".into(),
            hour_rate: "0".into(),
            max_days_week: "5".into(),
            max_days_month: "20".into(),
            ..Default::default()
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
            language: i.language.clone().unwrap_or_default(),
        }
    }

    async fn form_fields(s: &AppState, c: &Caller, f: &InstructorFields) -> Vec<Field> {
        // A failure to load the venues leaves the chooser with only "none".
        let venue_opts = venues::options(&s.app, c).await.unwrap_or_default();
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
            Field::new("language", "Language", "select", &f.language)
                .choices(crate::i18n::language_choices(), Some("— the company's —")),
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
        fields
    }
    fn edit_title(f: &InstructorFields, _: Option<&Instructor>) -> String {
        format!("Edit {}", f.name)
    }

    fn label(i: &Instructor) -> String {
        i.name.clone()
    }
    async fn extra(s: &AppState, c: &Caller, i: &Instructor) -> Result<Credentials, AppError> {
        let quals = instructors::qualifications(&s.app, c, i.id).await?;
        let off = instructors::time_off(&s.app, c, i.id).await?;
        // The home venue's name, for those allowed to see venues (an instructor viewing their own
        // page is not); archived venues included.
        let home_venue = match i.home_venue_id {
            Some(v) => venues::get(&s.app, c, v).await.ok().map(|v| {
                let label = format!("{} — {} ({})", v.code, v.name, v.city);
                match v.archived_at {
                    Some(_) => format!("{label}, archived"),
                    None => label,
                }
            }),
            None => None,
        };
        Ok(Credentials {
            home_venue,
            quals,
            off,
        })
    }
    fn title(i: &Instructor) -> String {
        i.name.clone()
    }
    fn subtitle(_: &Caller, i: &Instructor) -> String {
        format!("{} instructor", i.employment_type.label())
    }
    fn back(c: &Caller) -> (&'static str, &'static str) {
        // An instructor viewing their own page cannot open the list.
        if c.role.is_staff() {
            (Self::PATH, Self::TITLE)
        } else {
            ("/", "Home")
        }
    }
    fn actions(c: &Caller, i: &Instructor, _: &Credentials) -> Vec<Action> {
        let drops_out = Action::link(
            "Drops out…",
            format!("/plan?repair_instructor={}#repair", i.id),
        );
        let mut actions = edit_actions::<Self>(c, i, vec![drops_out]);
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
        if c.role.can_administer() && i.archived_at.is_none() {
            actions.push(Action::link(
                "Invite to Trainyard",
                format!("/instructors/{}/invite", i.id),
            ));
        }
        actions
    }
    fn facts(_: &Caller, i: &Instructor, x: &Credentials) -> Vec<Fact> {
        let home_venue = x.home_venue.clone();
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

        facts
    }
    fn sections(c: &Caller, i: &Instructor, x: &Credentials) -> Vec<Section> {
        let tz = viewer_tz(c);
        let (quals, off) = (&x.quals, &x.off);
        let now = trainyard_core::time::now_ms();
        let soon = now + EXPIRES_SOON_DAYS * 86_400_000;
        let qual_rows = quals
            .iter()
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
            .iter()
            .map(|t| Row {
                href: String::new(),
                cells: vec![
                    Cell::text(when(t.starts_at, &i.time_zone, &tz)),
                    Cell::text(when(t.ends_at, &i.time_zone, &tz)),
                    Cell::text(&t.reason),
                ],
            })
            .collect();

        vec![
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
        ]
    }
}
