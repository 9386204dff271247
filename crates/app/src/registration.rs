//! Self-service for learners: the public catalog of open sessions, registration from it (an
//! e-mail to the address typed; following its link creates the learner record, the account and
//! the enrollment — see `account_links`), and the learner's own portal (their enrollments with
//! session, parts and venue; a calendar file per enrollment).
//!
//! The catalog has no caller: it is public. It only ever shows public sessions that take
//! enrollments (scheduled or confirmed, not archived, starting in the future); whatever the filter
//! asks for, the visibility is forced to public.

use crate::error::About;
use crate::{App, AppError, Caller, now_ms};
use chrono::NaiveDate;
use icalendar::{Calendar, Component, Event, EventLike, EventStatus, Property};
use trainyard_core::refusal::Refusal;
use trainyard_core::status::{DeliveryMode, EnrollmentStatus, SessionStatus, Visibility};
use trainyard_core::{EmailAddress, Invalid, Role, TimeZoneName};
use trainyard_store::enrollments::{self, Enrollment, EnrollmentRecord};
use trainyard_store::sessions::{self, SessionFilter};
use trainyard_store::venues::{self, Venue};
use trainyard_store::{Conn, ListParams, Page};

pub use trainyard_store::sessions::{Part, Session};

const HOUR: i64 = 3_600_000;

/// Sessions per catalog page.
pub const CATALOG_PER_PAGE: i64 = 12;
/// The catalog pages no deeper than this (each page merges two ordered lists from the start).
pub const CATALOG_MAX_PAGE: i64 = 50;

// ------------------------------------------------------------------ the public catalog

/// The catalog's filters as typed in the URL. Everything else about what the catalog shows is
/// fixed: public, taking enrollments, in the future.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct CatalogFilter {
    pub course_id: String,
    pub venue_id: String,
    /// `ilt`, `vilt` or `blended`.
    pub mode: String,
    /// A date (YYYY-MM-DD, UTC): sessions starting on or after it.
    pub from: String,
    pub page: String,
    /// A language tag (`de`): sessions taught in it.
    pub language: String,
}

fn opt_id(inv: &mut Invalid, field: &str, raw: &str) -> Option<i64> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    match raw.parse::<i64>() {
        Ok(v) if v > 0 => Some(v),
        _ => {
            inv.add(field, "is not one of the choices");
            None
        }
    }
}

/// The public catalog: upcoming public sessions that take enrollments, soonest first.
pub async fn catalog(app: &App, filter: &CatalogFilter) -> Result<Page<Session>, AppError> {
    let mut inv = Invalid::new();
    let course_id = opt_id(&mut inv, "course_id", &filter.course_id);
    let venue_id = opt_id(&mut inv, "venue_id", &filter.venue_id);
    let mode = filter.mode.trim();
    if !mode.is_empty() && DeliveryMode::parse(mode).is_err() {
        inv.add(
            "mode",
            "is not a delivery mode (classroom, virtual or blended)",
        );
    }
    let from_ms = match filter.from.trim() {
        "" => None,
        d => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
            Ok(d) => Some(utc_zone().start_of_day_ms(d)),
            Err(_) => {
                inv.add(
                    "from",
                    format!(
                        "'{}' is not a date (expected YYYY-MM-DD)",
                        d.chars().take(20).collect::<String>()
                    ),
                );
                None
            }
        },
    };
    if let Err(e) = trainyard_core::locale::LanguageTag::parse_optional(&filter.language) {
        inv.add("language", e.to_string());
    }
    let page = filter
        .page
        .trim()
        .parse::<i64>()
        .unwrap_or(1)
        .clamp(1, CATALOG_MAX_PAGE);
    if !inv.is_empty() {
        return Err(inv.into());
    }
    let now = now_ms();
    let base = SessionFilter {
        visibility: Visibility::Public.as_str().to_owned(),
        mode: mode.to_owned(),
        language: filter.language.trim().to_owned(),
        course_id,
        venue_id,
        from_ms: Some(from_ms.map_or(now, |f| f.max(now))),
        // A session whose registration has closed is not offered: its page says why.
        open_at_ms: Some(now),
        list: ListParams::default(),
        ..Default::default()
    };
    let mut conn = app.store.read().await?;
    let (items, total) = open_sessions(&mut conn, &base, page * CATALOG_PER_PAGE).await?;
    let skip = ((page - 1) * CATALOG_PER_PAGE) as usize;
    Ok(Page {
        items: items
            .into_iter()
            .skip(skip)
            .take(CATALOG_PER_PAGE as usize)
            .collect(),
        total,
        page,
        per_page: CATALOG_PER_PAGE,
    })
}

/// The first `want` sessions in start order that match `base` and take enrollments (scheduled
/// or confirmed), and how many match in all. The store filters one status at a time: the two
/// ordered lists are merged here.
async fn open_sessions(
    conn: &mut Conn,
    base: &SessionFilter,
    want: i64,
) -> Result<(Vec<Session>, i64), AppError> {
    let mut merged = Vec::new();
    let mut total = 0;
    for status in [SessionStatus::Scheduled, SessionStatus::Confirmed] {
        let mut f = base.clone();
        f.status = status.as_str().to_owned();
        // Never private, whatever the caller asked for.
        f.visibility = Visibility::Public.as_str().to_owned();
        f.client_id = None;
        f.list.archived = false;
        f.list.q = String::new();
        f.list.sort = String::new();
        f.list.dir = String::new();
        f.list.per_page = want.clamp(1, 200);
        let mut got = 0;
        let mut page = 1;
        loop {
            f.list.page = page;
            let p = sessions::list(conn, &f).await?;
            if page == 1 {
                total += p.total;
            }
            let n = p.items.len() as i64;
            got += n;
            merged.extend(
                p.items
                    .into_iter()
                    .filter(|s| s.visibility == Visibility::Public && s.client_id.is_none()),
            );
            if n < f.list.per_page || got >= want {
                break;
            }
            page += 1;
        }
    }
    merged.sort_by_key(|s| (s.starts_at, s.id));
    merged.truncate(want.max(0) as usize);
    Ok((merged, total))
}

/// Courses and venues to filter the catalog by: (id, name) of those with open public sessions.
pub struct CatalogChoices {
    pub courses: Vec<(i64, String)>,
    pub venues: Vec<(i64, String)>,
}

/// How many open sessions (soonest first) the filter choices are drawn from.
const CHOICES_FROM: i64 = 400;

/// The courses and venues of open public sessions, by name. Drawn from the sessions themselves,
/// so that a course or venue used only privately never shows in public.
pub async fn catalog_choices(app: &App) -> Result<CatalogChoices, AppError> {
    let mut conn = app.store.read().await?;
    let f = SessionFilter {
        from_ms: Some(now_ms()),
        ..Default::default()
    };
    let (open, _) = open_sessions(&mut conn, &f, CHOICES_FROM).await?;
    let mut courses: Vec<(i64, String)> = Vec::new();
    let mut venues: Vec<(i64, String)> = Vec::new();
    for s in open {
        if !courses.iter().any(|(id, _)| *id == s.course_id) {
            courses.push((s.course_id, s.course_title.clone()));
        }
        if let (Some(id), Some(name)) = (s.venue_id, s.venue_name)
            && !venues.iter().any(|(v, _)| *v == id)
        {
            venues.push((id, name));
        }
    }
    courses.sort_by_key(|a| a.1.to_lowercase());
    venues.sort_by_key(|a| a.1.to_lowercase());
    Ok(CatalogChoices { courses, venues })
}

/// A session as the public sees it before registering.
pub struct PublicSession {
    pub session: Session,
    /// The parts that take place (cancelled parts left out), in order.
    pub parts: Vec<Part>,
    pub description: String,
    pub venue: Option<Venue>,
    /// Self-service closes this long before the start.
    pub cutoff_hours: i64,
    /// Why nobody can register right now; `None` while registration is open.
    pub closed: Option<String>,
}

impl PublicSession {
    pub fn seats_left(&self) -> i64 {
        (self.session.capacity - self.session.booked_count - self.session.held_count).max(0)
    }
}

fn is_public(s: &Session) -> bool {
    s.visibility == Visibility::Public
        && s.client_id.is_none()
        && s.archived_at.is_none()
        && s.status != SessionStatus::Draft
}

/// Why self-service registration is not possible for `s` at `now`, if it is not.
fn closed_reason(s: &Session, cutoff_hours: i64, now: i64) -> Option<Refusal> {
    if !matches!(
        s.status,
        SessionStatus::Scheduled | SessionStatus::Confirmed
    ) {
        return Some(trainyard_core::refusal!(
            "refused-registration-status",
            "This session is {status}: it takes no registrations.",
            status = s.status.label().to_lowercase()
        ));
    }
    if s.starts_at <= now {
        return Some(trainyard_core::refusal!(
            "refused-registration-started",
            "This session has already started."
        ));
    }
    if s.starts_at - now < cutoff_hours * HOUR {
        return Some(trainyard_core::refusal!(
            "refused-registration-cutoff",
            "Registration closed {hours} hours before the start.",
            hours = cutoff_hours
        ));
    }
    None
}

/// A public session's page. Private, draft and archived sessions are not found.
pub async fn public_session(app: &App, id: i64) -> Result<PublicSession, AppError> {
    let mut conn = app.store.read().await?;
    let s = sessions::get(&mut conn, id).await.about("session")?;
    if !is_public(&s) {
        return Err(AppError::NotFound("session"));
    }
    let parts = sessions::parts(&mut conn, id)
        .await?
        .into_iter()
        .filter(|p| p.status != "cancelled")
        .collect();
    let course = trainyard_store::courses::get(&mut conn, s.course_id).await?;
    let venue = match s.venue_id {
        Some(v) => Some(venues::get(&mut conn, v).await?),
        None => None,
    };
    let (_, _, cutoff_hours) = enrollments::session_rules(&mut conn, id).await?;
    Ok(PublicSession {
        closed: closed_reason(&s, cutoff_hours, now_ms()).map(|r| r.english),
        parts,
        description: course.description,
        venue,
        cutoff_hours,
        session: s,
    })
}

// ------------------------------------------------------------------ registration

/// The public registration form. There is no password here: whoever follows the confirmation
/// link chooses it (see `account_links`), so that nobody can set up an account for someone
/// else's address with a password of their own.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct RegistrationForm {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
}

struct Checked {
    first_name: String,
    last_name: String,
    email: EmailAddress,
}

impl RegistrationForm {
    fn validate(&self) -> Result<Checked, Invalid> {
        use trainyard_core::invalid::text;
        let mut inv = Invalid::new();
        let first_name = inv.check("first_name", text::required(&self.first_name, 100));
        let last_name = inv.check("last_name", text::required(&self.last_name, 100));
        let email = inv.check("email", EmailAddress::parse(&self.email));
        match (first_name, last_name, email) {
            (Some(first_name), Some(last_name), Some(email)) if inv.is_empty() => Ok(Checked {
                first_name,
                last_name,
                email,
            }),
            _ => Err(inv),
        }
    }
}

/// What a registration answers: the same for every address, known or not.
pub struct RegistrationSent {
    /// The address the e-mail went to, as typed.
    pub email: String,
    pub session_title: String,
}

/// Registers someone from the catalog. Signs nobody in and changes no account: it queues one
/// e-mail to the address typed — a confirmation link for a new address (following it creates
/// the account and the enrollment), a sign-in link or a notice for a known one — audited, in one
/// transaction. The answer does not depend on whether the address is known.
pub async fn register(
    app: &App,
    session_id: i64,
    form: &RegistrationForm,
) -> Result<RegistrationSent, AppError> {
    let input = form.validate()?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let s = sessions::get(&mut tx, session_id).await.about("session")?;
    if !is_public(&s) {
        return Err(AppError::NotFound("session"));
    }
    let (_, _, cutoff_hours) = enrollments::session_rules(&mut tx, session_id).await?;
    if let Some(why) = closed_reason(&s, cutoff_hours, now) {
        return Err(AppError::Refused(why));
    }
    crate::account_links::registration_mail(
        app,
        &mut tx,
        &s,
        &crate::account_links::Applicant {
            first_name: &input.first_name,
            last_name: &input.last_name,
            email: &input.email,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(RegistrationSent {
        email: input.email.as_str().to_owned(),
        session_title: s.title.clone().unwrap_or_else(|| s.course_title.clone()),
    })
}

// ------------------------------------------------------------------ the learner's own portal

/// One of the caller's enrollments, with what they need to attend it.
pub struct EnrollmentDetail {
    /// As listed (learner, course title, status, waitlist position, price).
    pub enrollment: Enrollment,
    /// The row with its version and open offer.
    pub record: EnrollmentRecord,
    pub session: Session,
    /// The parts that take place, in order.
    pub parts: Vec<Part>,
    pub venue: Option<Venue>,
    /// When self-service changes (cancel, transfer) close.
    pub changes_close_at: i64,
    /// Still to come and still active (requested, booked or waitlisted).
    pub upcoming: bool,
    /// Other upcoming public sessions of the same course to transfer to.
    pub transfer_to: Vec<Session>,
}

impl EnrollmentDetail {
    /// A waitlisted enrollment with an open offer of a seat.
    pub fn offer_open(&self, now: i64) -> bool {
        self.record.status == EnrollmentStatus::Waitlisted
            && self.record.offer_expires_at.is_some_and(|t| t >= now)
    }

    /// Cancel and transfer are still the learner's to do.
    pub fn changeable(&self, now: i64) -> bool {
        self.upcoming && now < self.changes_close_at
    }
}

fn own_learner(caller: &Caller) -> Result<i64, AppError> {
    match (caller.role, caller.learner_id) {
        (Role::Learner, Some(id)) => Ok(id),
        _ => Err(AppError::Forbidden(
            "see enrollments without a learner profile".into(),
        )),
    }
}

/// The caller's enrollments with session, parts and venue: upcoming ones first (soonest first),
/// then past, cancelled and transferred ones (latest first).
pub async fn my_enrollment_details(
    app: &App,
    caller: &Caller,
) -> Result<Vec<EnrollmentDetail>, AppError> {
    // A learner account without a learner profile (created by an administrator) has no enrollments yet.
    if caller.role == trainyard_core::Role::Learner && caller.learner_id.is_none() {
        return Ok(Vec::new());
    }
    let learner_id = own_learner(caller)?;
    let now = now_ms();
    let mut conn = app.store.read().await?;
    let listed = enrollments::for_learner(&mut conn, learner_id).await?;
    let mut out = Vec::with_capacity(listed.len());
    let mut options: Vec<(i64, Vec<Session>)> = Vec::new();
    for e in listed {
        let record = enrollments::get(&mut conn, e.id).await?;
        let session = sessions::get(&mut conn, e.session_id).await?;
        let parts = sessions::parts(&mut conn, e.session_id)
            .await?
            .into_iter()
            .filter(|p| p.status != "cancelled")
            .collect();
        let venue = match session.venue_id {
            Some(v) => Some(venues::get(&mut conn, v).await?),
            None => None,
        };
        let (_, _, cutoff_hours) = enrollments::session_rules(&mut conn, e.session_id).await?;
        let active = matches!(
            record.status,
            EnrollmentStatus::Requested | EnrollmentStatus::Booked | EnrollmentStatus::Waitlisted
        );
        let upcoming = active
            && session.ends_at > now
            && !matches!(
                session.status,
                SessionStatus::Cancelled | SessionStatus::Closed | SessionStatus::Delivered
            );
        let transfer_to = if upcoming
            && matches!(
                record.status,
                EnrollmentStatus::Booked | EnrollmentStatus::Waitlisted
            ) {
            let course = session.course_id;
            if !options.iter().any(|(c, _)| *c == course) {
                let f = SessionFilter {
                    course_id: Some(course),
                    from_ms: Some(now),
                    // A date whose registration closed would refuse the move.
                    open_at_ms: Some(now),
                    ..Default::default()
                };
                let (found, _) = open_sessions(&mut conn, &f, 20).await?;
                options.push((course, found));
            }
            options
                .iter()
                .find(|(c, _)| *c == course)
                .map(|(_, list)| {
                    list.iter()
                        .filter(|s| s.id != session.id)
                        .cloned()
                        .collect()
                })
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        out.push(EnrollmentDetail {
            changes_close_at: session.starts_at - cutoff_hours * HOUR,
            enrollment: e,
            record,
            session,
            parts,
            venue,
            upcoming,
            transfer_to,
        });
    }
    // Sessions the learner already has an active enrollment in are no place to transfer to.
    let taken: Vec<i64> = out
        .iter()
        .filter(|d| d.upcoming)
        .map(|d| d.session.id)
        .collect();
    for d in &mut out {
        d.transfer_to.retain(|s| !taken.contains(&s.id));
    }
    out.sort_by(|a, b| match (a.upcoming, b.upcoming) {
        (true, false) => std::cmp::Ordering::Less,
        (false, true) => std::cmp::Ordering::Greater,
        (true, true) => (a.session.starts_at, a.record.id).cmp(&(b.session.starts_at, b.record.id)),
        (false, false) => {
            (b.session.starts_at, b.record.id).cmp(&(a.session.starts_at, a.record.id))
        }
    });
    Ok(out)
}

/// One of the caller's own enrollments as an iCalendar file: one event per part, in UTC, with a
/// stable UID per part (`part-{id}@trainyard`) and the part's change counter as SEQUENCE.
/// Anyone else's enrollment is not found.
pub async fn enrollment_ics(
    app: &App,
    caller: &Caller,
    enrollment_id: i64,
) -> Result<String, AppError> {
    let learner_id = own_learner(caller).map_err(|_| AppError::NotFound("enrollment"))?;
    let mut conn = app.store.read().await?;
    let record = enrollments::get(&mut conn, enrollment_id)
        .await
        .about("enrollment")?;
    if record.learner_id != learner_id {
        return Err(AppError::NotFound("enrollment"));
    }
    let s = sessions::get(&mut conn, record.session_id).await?;
    let parts = sessions::parts(&mut conn, s.id).await?;
    let venue = match s.venue_id {
        Some(v) => Some(venues::get(&mut conn, v).await?),
        None => None,
    };
    Ok(enrollment_calendar(
        &s,
        &record,
        &parts,
        venue.as_ref(),
        now_ms(),
    ))
}

/// The calendar text of one enrollment (pure: everything already read).
pub fn enrollment_calendar(
    s: &Session,
    record: &EnrollmentRecord,
    parts: &[Part],
    venue: Option<&Venue>,
    now: i64,
) -> String {
    let title = s
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or(&s.course_title)
        .to_owned();
    let gone = matches!(
        record.status,
        EnrollmentStatus::Cancelled | EnrollmentStatus::Transferred
    ) || s.status == SessionStatus::Cancelled;
    let location = match venue {
        Some(v) => {
            let mut l = v.name.clone();
            for bit in [&v.address, &v.city, &v.country] {
                if !bit.trim().is_empty() {
                    l.push_str(", ");
                    l.push_str(bit.trim());
                }
            }
            l
        }
        None => "Online".to_owned(),
    };
    let scheduled = parts.iter().filter(|p| p.status != "cancelled").count();
    let mut cal = Calendar::empty();
    cal.append_property(Property::new("PRODID", "-//Trainyard//Trainyard//EN"))
        .append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .append_property(Property::new("METHOD", "PUBLISH"))
        .append_property(Property::new("X-WR-CALNAME", clean(&title)));
    for p in parts {
        let cancelled = gone || p.status == "cancelled";
        let mut summary = format!("{} {}", s.course_code, title);
        if scheduled > 1 && !cancelled {
            summary.push_str(&format!(" (part {}/{scheduled})", p.position));
        }
        if cancelled {
            summary = format!("Cancelled: {summary}");
        } else if record.status == EnrollmentStatus::Waitlisted {
            summary = format!("Waiting list: {summary}");
        }
        let state = if cancelled {
            EventStatus::Cancelled
        } else if record.status == EnrollmentStatus::Booked {
            EventStatus::Confirmed
        } else {
            EventStatus::Tentative
        };
        let description = format!(
            "Session {} — your enrollment: {}.\nWhere: {location}\nManage it in Trainyard under My sessions.",
            s.reference,
            record.status.label().to_lowercase()
        );
        let mut ev = Event::new();
        ev.uid(&format!("part-{}@trainyard", p.id))
            .add_property("DTSTAMP", utc_stamp(now))
            .add_property("DTSTART", utc_stamp(p.starts_at))
            .add_property("DTEND", utc_stamp(p.ends_at))
            .add_property("SEQUENCE", p.sequence.max(0).to_string())
            .status(state)
            .summary(&clean(&summary))
            .description(&clean(&description))
            .location(&clean(&location))
            .add_property("TRANSP", if cancelled { "TRANSPARENT" } else { "OPAQUE" });
        cal.push(ev.done());
    }
    cal.to_string()
}

fn utc_stamp(ms: i64) -> String {
    trainyard_core::time::utc(ms)
        .format("%Y%m%dT%H%M%SZ")
        .to_string()
}

/// TEXT values without control characters other than newlines (RFC 5545 §3.3.11).
fn clean(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .filter(|c| *c == '\n' || !c.is_control())
        .collect()
}

fn utc_zone() -> TimeZoneName {
    TimeZoneName::utc()
}
