//! "Repeat…": clone a session along a recurrence rule. The form (weekly or monthly, weekdays, "the
//! 2nd Monday", a count or an end date, exceptions, or a raw RRULE), a preview of every occurrence
//! with its local and UTC times, daylight-saving changes and conflicts, then one button that
//! creates them all.

use super::{Submit, error_page, saved};
use crate::AppState;
use crate::auth::Viewer;
use crate::views::{Chrome, Opt, options, viewer_tz};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{Datelike, NaiveDateTime};
use trainyard_app::recurrence::{self as uc, Preview};
use trainyard_app::schedule::sessions::{self, SessionDetail};
use trainyard_app::{AppError, Caller};
use trainyard_core::TimeZoneName;
use trainyard_core::recurrence::{Frequency, RecurrenceFields, weekday_code, weekday_name};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sessions/{id}/repeat", get(show).post(create))
        .route("/sessions/{id}/repeat/preview", post(preview))
}

const WEEKDAYS: [chrono::Weekday; 7] = [
    chrono::Weekday::Mon,
    chrono::Weekday::Tue,
    chrono::Weekday::Wed,
    chrono::Weekday::Thu,
    chrono::Weekday::Fri,
    chrono::Weekday::Sat,
    chrono::Weekday::Sun,
];

pub struct DayBox {
    pub code: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

/// The form as typed, with the problems found in it.
pub struct FormState {
    pub freq: Vec<Opt>,
    pub interval: String,
    pub days: Vec<DayBox>,
    pub month_nth: Vec<Opt>,
    pub month_weekday: Vec<Opt>,
    pub count: String,
    pub until: String,
    pub exceptions: String,
    pub rrule: String,
    pub errors: Vec<(String, String)>,
    /// The same fields as (name, value) pairs, for the "Create" form to post again.
    pub hidden: Vec<(&'static str, String)>,
}

const FORM_FIELDS: &[&str] = &[
    "freq",
    "interval",
    "byday",
    "month_nth",
    "month_weekday",
    "count",
    "until",
    "exceptions",
    "rrule",
];

impl FormState {
    fn new(f: &RecurrenceFields) -> Self {
        let byday: Vec<String> = f
            .byday
            .iter()
            .flat_map(|b| b.split(',').map(|d| d.trim().to_ascii_uppercase()))
            .collect();
        let exceptions = f
            .exceptions
            .iter()
            .map(|e| e.trim())
            .filter(|e| !e.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        let mut hidden: Vec<(&'static str, String)> = vec![
            ("freq", f.freq.clone()),
            ("interval", f.interval.clone()),
            ("month_nth", f.month_nth.clone()),
            ("month_weekday", f.month_weekday.clone()),
            ("count", f.count.clone()),
            ("until", f.until.clone()),
            ("exceptions", exceptions.clone()),
            ("rrule", f.rrule.clone()),
        ];
        hidden.extend(byday.iter().map(|d| ("byday", d.clone())));
        Self {
            freq: options(
                [Frequency::Weekly, Frequency::Monthly, Frequency::Daily]
                    .iter()
                    .map(|f| (f.key().to_owned(), f.label().to_owned())),
                f.freq.trim(),
            ),
            interval: f.interval.clone(),
            days: WEEKDAYS
                .iter()
                .map(|w| DayBox {
                    code: weekday_code(*w),
                    label: weekday_name(*w),
                    checked: byday.iter().any(|d| d == weekday_code(*w)),
                })
                .collect(),
            month_nth: options(
                [
                    ("", "the same date each month"),
                    ("1", "the 1st"),
                    ("2", "the 2nd"),
                    ("3", "the 3rd"),
                    ("4", "the 4th"),
                    ("-1", "the last"),
                ]
                .iter()
                .map(|(v, l)| ((*v).to_owned(), (*l).to_owned())),
                f.month_nth.trim(),
            ),
            month_weekday: options(
                WEEKDAYS
                    .iter()
                    .map(|w| (weekday_code(*w).to_owned(), weekday_name(*w).to_owned())),
                &f.month_weekday.trim().to_ascii_uppercase(),
            ),
            count: f.count.clone(),
            until: f.until.clone(),
            exceptions,
            rrule: f.rrule.clone(),
            errors: Vec::new(),
            hidden,
        }
    }

    pub fn error(&self, field: &str) -> Option<String> {
        let msgs: Vec<&str> = self
            .errors
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .collect();
        (!msgs.is_empty()).then(|| msgs.join("; "))
    }
}

pub struct PreviewRow {
    pub index: usize,
    pub is_source: bool,
    /// One line per part, local time in the session's zone.
    pub local: Vec<String>,
    pub utc: Vec<String>,
    pub offset: String,
    pub dst: bool,
    pub conflicts: Vec<String>,
    pub problems: Vec<String>,
}

pub struct PreviewView {
    pub description: String,
    pub rrule: String,
    pub time_zone: String,
    pub notes: Vec<String>,
    pub skipped: String,
    pub rows: Vec<PreviewRow>,
    pub to_create: usize,
    pub creatable: bool,
    pub conflict_count: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "recurrence.html")]
pub struct RepeatPage {
    pub chrome: Chrome,
    pub session_id: i64,
    pub title: String,
    pub facts: Vec<(&'static str, String)>,
    pub form: FormState,
    pub problems: Vec<String>,
    pub preview: Option<PreviewView>,
}

impl RepeatPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

fn page(c: &Caller, d: &SessionDetail, f: &RecurrenceFields) -> RepeatPage {
    let x = &d.session;
    let tz = TimeZoneName::parse(&x.time_zone).unwrap_or_else(|_| viewer_tz(c));
    let parts: Vec<String> = d
        .parts
        .iter()
        .filter(|p| p.status != "cancelled")
        .map(|p| {
            let s = tz.local(p.starts_at);
            let e = tz.local(p.ends_at);
            format!(
                "{}–{}",
                s.format("%a %Y-%m-%d %H:%M"),
                if s.date_naive() == e.date_naive() {
                    e.format("%H:%M %Z").to_string()
                } else {
                    e.format("%a %Y-%m-%d %H:%M %Z").to_string()
                }
            )
        })
        .collect();
    RepeatPage {
        chrome: Chrome::new(c, "sessions", None),
        session_id: x.id,
        title: format!(
            "Repeat {} {}",
            x.reference,
            x.title.as_deref().unwrap_or(&x.course_title)
        ),
        facts: vec![
            ("Course", format!("{} — {}", x.course_code, x.course_title)),
            ("Parts", parts.join("; ")),
            ("Time zone", x.time_zone.clone()),
            (
                "Venue",
                x.venue_name
                    .clone()
                    .unwrap_or_else(|| x.delivery_mode.label().to_owned()),
            ),
        ],
        form: FormState::new(f),
        problems: Vec::new(),
        preview: None,
    }
}

/// What the form starts with: weekly on the session's weekday; monthly on its position.
fn defaults(d: &SessionDetail) -> RecurrenceFields {
    let tz = TimeZoneName::parse_or_utc(&d.session.time_zone);
    let first = d
        .parts
        .iter()
        .filter(|p| p.status != "cancelled")
        .map(|p| p.starts_at)
        .min()
        .unwrap_or(d.session.starts_at);
    let day = tz.local(first).date_naive();
    let nth = (day.day() - 1) / 7 + 1;
    RecurrenceFields {
        freq: "weekly".into(),
        interval: "1".into(),
        byday: vec![weekday_code(day.weekday()).into()],
        month_nth: if nth >= 5 {
            "-1".into()
        } else {
            nth.to_string()
        },
        month_weekday: weekday_code(day.weekday()).into(),
        ..Default::default()
    }
}

fn forbid_unless_operations(c: &Caller) -> Result<(), AppError> {
    c.require_operations("repeat sessions")
}

async fn show(State(s): State<AppState>, Viewer(c): Viewer, Path(id): Path<i64>) -> Response {
    if let Err(e) = forbid_unless_operations(&c) {
        return error_page(e, Some(&c));
    }
    match sessions::get(&s.app, &c, id).await {
        Ok(d) => page(&c, &d, &defaults(&d)).into_response(),
        Err(e) => error_page(e, Some(&c)),
    }
}

/// The form again with its problems (422), or an error page for anything else.
fn refused(mut p: RepeatPage, err: AppError, c: &Caller) -> Response {
    match err {
        AppError::Invalid(inv) => {
            for e in inv.errors {
                if FORM_FIELDS.contains(&e.field.as_str()) {
                    p.form.errors.push((e.field, e.message));
                } else {
                    p.problems.push(format!("{}: {}", e.field, e.message));
                }
            }
            if p.problems.is_empty() && !p.form.errors.is_empty() {
                p.problems
                    .push("The rule cannot be used as it is: see the fields marked below.".into());
            }
            (StatusCode::UNPROCESSABLE_ENTITY, p).into_response()
        }
        other => error_page(other, Some(c)),
    }
}

fn local_line(p: &uc::PreviewPart, tz: &TimeZoneName) -> String {
    let parse = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").ok();
    let (Some(ls), Some(le)) = (parse(&p.local_starts), parse(&p.local_ends)) else {
        return format!("{} – {}", p.local_starts, p.local_ends);
    };
    let abbr = p
        .starts_at
        .map(|ms| format!(" {}", tz.local(ms).format("%Z")))
        .unwrap_or_else(|| " (this time does not exist)".into());
    if ls.date() == le.date() {
        format!(
            "{}–{}{abbr}",
            ls.format("%a %Y-%m-%d %H:%M"),
            le.format("%H:%M")
        )
    } else {
        format!(
            "{} – {}{abbr}",
            ls.format("%a %Y-%m-%d %H:%M"),
            le.format("%a %Y-%m-%d %H:%M")
        )
    }
}

fn preview_view(p: &Preview) -> PreviewView {
    let tz = TimeZoneName::parse_or_utc(&p.time_zone);
    let rfc = |ms: Option<i64>| {
        ms.map(trainyard_core::time::rfc3339)
            .unwrap_or_else(|| "—".into())
    };
    PreviewView {
        description: p.description.clone(),
        rrule: p.rrule.clone(),
        time_zone: p.time_zone.clone(),
        notes: p.notes.clone(),
        skipped: p.skipped.join(", "),
        rows: p
            .occurrences
            .iter()
            .map(|o| PreviewRow {
                index: o.index,
                is_source: o.is_source,
                local: o.parts.iter().map(|x| local_line(x, &tz)).collect(),
                utc: o
                    .parts
                    .iter()
                    .map(|x| format!("{} – {}", rfc(x.starts_at), rfc(x.ends_at)))
                    .collect(),
                offset: o.utc_offset.clone().unwrap_or_else(|| "—".into()),
                dst: o.dst_change,
                conflicts: o.conflicts.clone(),
                problems: o.problems.clone(),
            })
            .collect(),
        to_create: p.to_create,
        creatable: p.creatable,
        conflict_count: p.occurrences.iter().map(|o| o.conflicts.len()).sum(),
    }
}

async fn preview(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form: f }: Submit<RecurrenceFields>,
) -> Response {
    let d = match sessions::get(&s.app, &c, id).await {
        Ok(d) => d,
        Err(e) => return error_page(e, Some(&c)),
    };
    let mut p = page(&c, &d, &f);
    match uc::preview(&s.app, &c, id, &f).await {
        Ok(pv) => {
            p.preview = Some(preview_view(&pv));
            p.into_response()
        }
        Err(e) => refused(p, e, &c),
    }
}

async fn create(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form: f }: Submit<RecurrenceFields>,
) -> Response {
    let d = match sessions::get(&s.app, &c, id).await {
        Ok(d) => d,
        Err(e) => return error_page(e, Some(&c)),
    };
    match uc::create_series(&s.app, &c, id, &f).await {
        Ok(created) => {
            let from = viewer_tz(&c)
                .local(d.session.starts_at)
                .format("%Y-%m-%d")
                .to_string();
            let refs = match (created.first(), created.last()) {
                (Some(a), Some(b)) if created.len() > 1 => {
                    format!(" ({} to {})", a.reference, b.reference)
                }
                (Some(a), _) => format!(" ({})", a.reference),
                _ => String::new(),
            };
            saved(
                &format!("/sessions?from={from}&course_id={}", d.session.course_id),
                &format!(
                    "{} session{} created as drafts{refs}, repeating {}.",
                    created.len(),
                    if created.len() == 1 { "" } else { "s" },
                    d.session.reference
                ),
            )
        }
        Err(e) => refused(page(&c, &d, &f), e, &c),
    }
}
