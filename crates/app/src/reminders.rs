//! Reminders and joining instructions, sent by a scheduled job before each session starts.
//!
//! # Timing
//!
//! One setting for the whole operation ([`get_settings`], [`save_settings`]; admins and managers
//! edit it): reminders at a few offsets before the start (default 7 days and 1 day) and the joining
//! instructions at one offset (default 3 days; 0 turns them off). Offsets are whole hours.
//!
//! # Who gets what, and when
//!
//! The job ([`enqueue_due`], run by the delivery worker about once a minute) looks at *live*
//! sessions — scheduled or confirmed, not archived, not yet started — and their booked learners
//! and confirmed instructors:
//!
//! * **Reminders** are sent per session: when the reminder at offset *o* falls due, everyone booked
//!   at that moment gets it, once. Someone who books later does not get that reminder (it would be
//!   stale), only the next ones. A reminder is sent only while it is the latest message due —
//!   once a smaller offset (another reminder, or the joining instructions) is due too, it is
//!   skipped: a session scheduled two days before its start gets its joining instructions and its
//!   1-day reminder, not a "7 days" reminder. [`reminder_windows`] turns this into one window of
//!   start times per offset.
//! * **Joining instructions** are sent per person: everyone booked (or confirmed to teach) gets
//!   them once the offset is reached — also who books after it, on the job's next run.
//!
//! A rescheduled session (a new start) is reminded again for its new date.
//!
//! # Exactly once, with any number of workers
//!
//! A reminder is claimed by inserting `(session, start, offset)` into `reminder_sweeps` (primary
//! key, `ON CONFLICT DO NOTHING`) as the first write of the transaction that queues its messages:
//! of two concurrent runs — in one process or several — one inserts, the other finds the claim
//! (on PostgreSQL after waiting for the first to commit) and moves on. Every message also carries
//! an idempotency key — `reminder-s{session}-{start}-{offset}h-{e|a}{id}` and
//! `joining-s{session}-{start}-{e|a}{id}` (enrollment or assignment) — unique in the outbox, so a
//! second insert is a no-op whatever happens. No audit event per message: the outbox row is the
//! trace.
//!
//! # Bounded work
//!
//! Each query walks the sessions starting within one offset window on the `(status, starts_at)`
//! index and reads at most [`SESSIONS_PER_RUN`] sessions per offset; each session is handled in a
//! short transaction of its own. A run that hit the bound says so ([`RunReport::more`]) and the
//! worker runs again at once.

use crate::error::About as _;
use crate::messages::Wording;
use crate::{App, AppError, Caller, now_ms};
use serde::Serialize;
use serde_json::json;
use trainyard_core::status::{DeliveryMode, SessionStatus};
use trainyard_core::{Invalid, Role, TimeZoneName};
use trainyard_store::Conn;
use trainyard_store::outbox::{self, NewMessage};
use trainyard_store::reminders::{self as repo, DueSession, Recipient, StoredSettings};
use trainyard_store::sessions::{self, Session};
use trainyard_store::venues;

const HOUR: i64 = 3_600_000;
/// At most this many reminder offsets.
pub const MAX_OFFSETS: usize = 6;
/// No offset beyond 60 days.
pub const MAX_OFFSET_HOURS: i64 = 60 * 24;
/// Sessions read per offset (and for joining instructions) in one run.
pub const SESSIONS_PER_RUN: i64 = 200;

// ------------------------------------------------------------------ offsets, in words

/// Reads one offset: `7 days`, `7d`, `1 day`, `36 hours`, `2h`, `2 weeks`; a bare number is days.
/// Returns hours.
pub fn parse_offset(raw: &str) -> Result<i64, String> {
    let t = raw.trim().to_lowercase();
    let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
    let unit = t[digits.len()..].trim();
    let quote = || raw.trim().chars().take(40).collect::<String>();
    let n: i64 = digits.parse().map_err(|_| {
        format!(
            "'{}' is not a time before the start (e.g. 7 days, 36 hours)",
            quote()
        )
    })?;
    let per = match unit {
        "" | "d" | "day" | "days" => 24,
        "h" | "hr" | "hrs" | "hour" | "hours" => 1,
        "w" | "week" | "weeks" => 24 * 7,
        _ => {
            return Err(format!(
                "'{}': say days, hours or weeks (e.g. 7 days, 36 hours)",
                quote()
            ));
        }
    };
    n.checked_mul(per)
        .ok_or_else(|| format!("'{}' is too far ahead", quote()))
}

/// Reads a list of offsets (`7 days, 1 day`), largest first, without repeats. Empty: none.
pub fn parse_offsets(raw: &str) -> Result<Vec<i64>, String> {
    let mut hours = Vec::new();
    for part in raw.split([',', ';', '\n']).map(str::trim) {
        if part.is_empty() {
            continue;
        }
        let h = parse_offset(part)?;
        check_offset(h).map_err(|e| format!("'{part}': {e}"))?;
        hours.push(h);
    }
    normalise(hours)
}

fn check_offset(hours: i64) -> Result<(), String> {
    if !(1..=MAX_OFFSET_HOURS).contains(&hours) {
        return Err(format!(
            "must be between 1 hour and {} days before the start",
            MAX_OFFSET_HOURS / 24
        ));
    }
    Ok(())
}

fn normalise(mut hours: Vec<i64>) -> Result<Vec<i64>, String> {
    hours.sort_unstable_by(|a, b| b.cmp(a));
    hours.dedup();
    if hours.len() > MAX_OFFSETS {
        return Err(format!("at most {MAX_OFFSETS} reminders"));
    }
    Ok(hours)
}

/// `7 days`, `1 day`, `36 hours`, `1 hour`.
pub fn offset_label(hours: i64) -> String {
    match hours {
        h if h > 0 && h % 24 == 0 => match h / 24 {
            1 => "1 day".into(),
            d => format!("{d} days"),
        },
        1 => "1 hour".into(),
        h => format!("{h} hours"),
    }
}

/// `7 days, 1 day`, or `none`.
pub fn offsets_label(hours: &[i64]) -> String {
    if hours.is_empty() {
        return "none".into();
    }
    hours
        .iter()
        .map(|h| offset_label(*h))
        .collect::<Vec<_>>()
        .join(", ")
}

/// For each reminder offset (hours, largest first), the window of start times, as hours from
/// now, in which the reminder is the latest message due: `(offset, lower)` stands for sessions
/// starting in `(now + lower, now + offset]`, where `lower` is the next smaller offset among the
/// reminders and the joining instructions (0 for the smallest).
pub fn reminder_windows(reminder_hours: &[i64], joining_hours: i64) -> Vec<(i64, i64)> {
    let mut all: Vec<i64> = reminder_hours
        .iter()
        .copied()
        .chain((joining_hours > 0).then_some(joining_hours))
        .filter(|h| *h > 0)
        .collect();
    all.sort_unstable();
    all.dedup();
    let mut offsets: Vec<i64> = reminder_hours.iter().copied().filter(|h| *h > 0).collect();
    offsets.sort_unstable_by(|a, b| b.cmp(a));
    offsets.dedup();
    offsets
        .into_iter()
        .map(|o| {
            let lower = all.iter().copied().filter(|x| *x < o).max().unwrap_or(0);
            (o, lower)
        })
        .collect()
}

// ------------------------------------------------------------------ the setting

/// When reminders and joining instructions go out.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReminderSettings {
    /// Reminders, in hours before the start, largest first (empty: none).
    pub reminder_hours: Vec<i64>,
    /// Joining instructions, in hours before the start (0: not sent).
    pub joining_hours: i64,
    /// The same in words: "7 days, 1 day".
    pub reminders: String,
    /// "3 days", or "off".
    pub joining: String,
    #[serde(serialize_with = "trainyard_store::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub updated_at: Option<i64>,
    /// Send it back when saving.
    pub version: i64,
}

impl From<StoredSettings> for ReminderSettings {
    fn from(s: StoredSettings) -> Self {
        Self {
            reminders: offsets_label(&s.reminder_hours),
            joining: if s.joining_hours > 0 {
                offset_label(s.joining_hours)
            } else {
                "off".into()
            },
            reminder_hours: s.reminder_hours,
            joining_hours: s.joining_hours,
            updated_at: (s.updated_at > 0).then_some(s.updated_at),
            version: s.version,
        }
    }
}

fn may_edit(caller: &Caller) -> bool {
    matches!(caller.role, Role::Admin | Role::Manager)
}

/// The timing of reminders and joining instructions. Staff.
pub async fn get_settings(app: &App, caller: &Caller) -> Result<ReminderSettings, AppError> {
    caller.require_staff("see the reminder settings")?;
    let mut conn = app.store.read().await?;
    Ok(repo::settings(&mut conn).await?.into())
}

/// Saves the timing; audited. Admins and managers. `version` is the one read.
pub async fn save_settings(
    app: &App,
    caller: &Caller,
    reminder_hours: &[i64],
    joining_hours: i64,
    version: i64,
) -> Result<ReminderSettings, AppError> {
    caller.require(may_edit(caller), "change the reminder settings")?;
    let mut inv = Invalid::new();
    if let Some(bad) = reminder_hours.iter().find(|h| check_offset(**h).is_err()) {
        inv.add(
            "reminder_hours",
            format!(
                "{bad}: each reminder must be between 1 and {MAX_OFFSET_HOURS} hours before the start"
            ),
        );
    }
    let hours = match normalise(reminder_hours.to_vec()) {
        Ok(h) => h,
        Err(e) => {
            inv.add("reminder_hours", e);
            Vec::new()
        }
    };
    if joining_hours != 0 && check_offset(joining_hours).is_err() {
        inv.add(
            "joining_hours",
            format!("0 (off) or between 1 and {MAX_OFFSET_HOURS} hours before the start"),
        );
    }
    if !inv.is_empty() {
        return Err(inv.into());
    }
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let before = ReminderSettings::from(repo::settings(&mut tx).await?);
    if before.version != version {
        return Err(AppError::Stale("the reminder settings"));
    }
    let user = (caller.user_id != 0).then_some(caller.user_id);
    let after: ReminderSettings =
        repo::save_settings(&mut tx, &hours, joining_hours, user, version, now)
            .await
            .about("the reminder settings")?
            .into();
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "settings.reminders",
        ("settings", 0),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// As [`save_settings`], from words as a form has them ("7 days, 1 day"; "3 days", "0" or "off").
/// Problems are named by field: `reminders`, `joining`.
pub async fn save_settings_text(
    app: &App,
    caller: &Caller,
    reminders: &str,
    joining: &str,
    version: i64,
) -> Result<ReminderSettings, AppError> {
    caller.require(may_edit(caller), "change the reminder settings")?;
    let mut inv = Invalid::new();
    let hours = inv.check("reminders", parse_offsets(reminders));
    let joining = match joining.trim().to_lowercase().as_str() {
        "" | "0" | "off" | "none" | "no" => Some(0),
        other => inv.check(
            "joining",
            parse_offset(other).and_then(|h| check_offset(h).map(|_| h)),
        ),
    };
    match (hours, joining) {
        (Some(h), Some(j)) if inv.is_empty() => save_settings(app, caller, &h, j, version).await,
        _ => Err(inv.into()),
    }
}

// ------------------------------------------------------------------ the job

/// What one run of the job did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RunReport {
    /// Reminders claimed (session and offset), including those with nobody to remind.
    pub sweeps: usize,
    /// Reminder messages queued.
    pub reminders: usize,
    /// Joining-instruction messages queued.
    pub joining: usize,
    /// A query hit [`SESSIONS_PER_RUN`]: run again soon.
    pub more: bool,
}

fn live(s: &Session, now: i64) -> bool {
    s.archived_at.is_none()
        && matches!(
            s.status,
            SessionStatus::Scheduled | SessionStatus::Confirmed
        )
        && s.starts_at > now
}

/// Queues the reminders and joining instructions due at `now` (see the module documentation).
/// Safe to run concurrently, in one process or several: nothing is queued twice.
pub async fn enqueue_due(app: &App, now: i64) -> Result<RunReport, AppError> {
    let settings = {
        let mut conn = app.store.read().await?;
        repo::settings(&mut conn).await?
    };
    let mut report = RunReport::default();
    for (offset, lower) in reminder_windows(&settings.reminder_hours, settings.joining_hours) {
        let due = {
            let mut conn = app.store.read().await?;
            repo::sessions_due(
                &mut conn,
                now + lower * HOUR,
                now + offset * HOUR,
                offset,
                SESSIONS_PER_RUN,
            )
            .await?
        };
        report.more |= due.len() as i64 >= SESSIONS_PER_RUN;
        for d in due {
            if let Some(n) = remind(app, d, offset, now).await? {
                report.sweeps += 1;
                report.reminders += n;
            }
        }
    }
    if settings.joining_hours > 0 {
        let due = {
            let mut conn = app.store.read().await?;
            repo::sessions_missing_joining(
                &mut conn,
                now,
                now + settings.joining_hours * HOUR,
                SESSIONS_PER_RUN,
            )
            .await?
        };
        report.more |= due.len() as i64 >= SESSIONS_PER_RUN;
        for d in due {
            report.joining += send_joining(app, d, now).await?;
        }
    }
    // Certificates about to expire, and instructor qualifications that run out before a
    // confirmed session: the same worker, the same exactly-once claims (`certificates`).
    report.more |= crate::certificates::enqueue_expiry_reminders(app, now)
        .await?
        .more;
    // Renewal seats for certificates expiring soon, where the client wants them (`renewals`).
    report.more |= crate::renewals::run_due(app, now).await?.more;
    // Feedback surveys not answered after a few days: one reminder each (`surveys`).
    report.more |= crate::surveys::enqueue_reminders(app, now).await?.1;
    if report.reminders + report.joining > 0 {
        tracing::info!(
            reminders = report.reminders,
            joining = report.joining,
            "reminders and joining instructions queued"
        );
    }
    Ok(report)
}

/// Claims and sends one session's reminder at `offset`: `None` when another run had claimed it
/// or the session changed meanwhile, else how many were reminded.
async fn remind(
    app: &App,
    d: DueSession,
    offset: i64,
    now: i64,
) -> Result<Option<usize>, AppError> {
    let mut tx = app.store.write().await?;
    // Write first: the claim decides which run sends it.
    if !repo::claim_sweep(&mut tx, d.session_id, d.starts_at, offset, now).await? {
        return Ok(None);
    }
    let s = sessions::get(&mut tx, d.session_id).await?;
    if !live(&s, now) || s.starts_at != d.starts_at {
        // Changed since it was found: the next run sees it as it is now.
        tx.rollback().await?;
        return Ok(None);
    }
    let place = Place::load(&mut tx, &s).await?;
    let mut wordings = Wordings::default();
    let mut sent = 0;
    for r in repo::recipients(&mut tx, s.id).await? {
        let wording = wordings
            .for_recipient(&mut tx, "session_reminder", &r)
            .await?;
        let mut ctx = place.context(&s, &r);
        localize(&mut ctx, wording.language(), &s);
        if let Some(obj) = ctx.as_object_mut() {
            obj.insert("offset".into(), offset_label(offset).into());
        }
        let key = format!(
            "reminder-s{}-{}-{offset}h-{}{}",
            s.id,
            s.starts_at,
            kind_letter(&r),
            r.entity_id
        );
        if queue(&mut tx, wording, "session_reminder", &r, &ctx, &key, now).await? {
            sent += 1;
        }
    }
    repo::set_sweep_recipients(&mut tx, s.id, s.starts_at, offset, sent as i64).await?;
    tx.commit().await?;
    Ok(Some(sent))
}

/// Sends the joining instructions of one session to everyone booked (or confirmed to teach) who
/// has not had them for its current start; returns how many were queued.
async fn send_joining(app: &App, d: DueSession, now: i64) -> Result<usize, AppError> {
    let mut tx = app.store.write().await?;
    let s = sessions::get(&mut tx, d.session_id).await?;
    if !live(&s, now) || s.starts_at != d.starts_at {
        tx.rollback().await?;
        return Ok(0);
    }
    let missing = repo::missing_joining(&mut tx, s.id).await?;
    if missing.is_empty() {
        tx.rollback().await?;
        return Ok(0);
    }
    let place = Place::load(&mut tx, &s).await?;
    let mut wordings = Wordings::default();
    let mut sent = 0;
    for r in missing {
        let wording = wordings
            .for_recipient(&mut tx, "joining_instructions", &r)
            .await?;
        let mut ctx = place.context(&s, &r);
        localize(&mut ctx, wording.language(), &s);
        let key = repo::joining_key(s.id, s.starts_at, kind_letter(&r), r.entity_id);
        if queue(
            &mut tx,
            wording,
            "joining_instructions",
            &r,
            &ctx,
            &key,
            now,
        )
        .await?
        {
            sent += 1;
        }
    }
    tx.commit().await?;
    Ok(sent)
}

/// The wording of one event per language, loaded once per language for a whole session.
#[derive(Default)]
struct Wordings(std::collections::HashMap<String, Wording>);

impl Wordings {
    /// The wording `r` reads: in their language (a learner's own, their client's, the
    /// company's; an instructor's own or the company's), English where there is none.
    async fn for_recipient(
        &mut self,
        tx: &mut Conn,
        event: &str,
        r: &Recipient,
    ) -> Result<&Wording, AppError> {
        let language = if r.instructor {
            let a = trainyard_store::assignments::get(tx, r.entity_id).await?;
            let i = trainyard_store::instructors::get(tx, a.instructor_id).await?;
            crate::languages::of(tx, i.language.as_deref(), None).await?
        } else {
            let e = trainyard_store::enrollments::get(tx, r.entity_id).await?;
            let l = trainyard_store::learners::get(tx, e.learner_id).await?;
            crate::languages::of_learner(tx, &l).await?
        };
        let key = language.language().to_owned();
        if !self.0.contains_key(&key) {
            let w = crate::messages::wording_in(tx, event, &language).await?;
            self.0.insert(key.clone(), w);
        }
        self.0
            .get(&key)
            .ok_or(AppError::NotFound("message wording"))
    }
}

/// The session's start and end written the wording's way (English keeps its forms).
fn localize(ctx: &mut serde_json::Value, language: &str, s: &Session) {
    if language == "en" {
        return;
    }
    let l = crate::messages::locale_of(language);
    let tz = TimeZoneName::parse_or_utc(&s.time_zone);
    if let Some(obj) = ctx.as_object_mut() {
        obj.insert(
            "starts".into(),
            crate::messages::display_in(&l, &tz, s.starts_at).into(),
        );
        obj.insert(
            "ends".into(),
            crate::messages::display_in(&l, &tz, s.ends_at).into(),
        );
    }
}

fn kind_letter(r: &Recipient) -> char {
    if r.instructor { 'a' } else { 'e' }
}

async fn queue(
    tx: &mut Conn,
    wording: &Wording,
    kind: &str,
    r: &Recipient,
    ctx: &serde_json::Value,
    key: &str,
    now: i64,
) -> Result<bool, AppError> {
    let (subject, body) = wording.compose(ctx);
    Ok(outbox::enqueue_once(
        tx,
        &NewMessage {
            kind,
            recipient: &r.email,
            subject: &subject,
            body: &body,
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            idempotency_key: key,
        },
        now,
    )
    .await?)
}

/// Where and how to join a session, as its messages say it.
struct Place {
    place: String,
    address: String,
}

impl Place {
    async fn load(conn: &mut Conn, s: &Session) -> Result<Self, AppError> {
        let venue = match s.venue_id {
            Some(id) if s.delivery_mode != DeliveryMode::Vilt => Some(venues::get(conn, id).await?),
            _ => None,
        };
        let rooms = repo::rooms(conn, s.id).await?;
        Ok(Self::describe(s.delivery_mode, venue.as_ref(), &rooms))
    }

    /// The venue and rooms (in person) or "Online"; the address on its own line.
    fn describe(mode: DeliveryMode, venue: Option<&venues::Venue>, rooms: &[String]) -> Self {
        match venue {
            Some(v) => {
                let mut place = v.name.clone();
                if !rooms.is_empty() {
                    place.push_str(", ");
                    place.push_str(&rooms.join(", "));
                }
                let address = [v.address.trim(), v.city.trim(), v.country.trim()]
                    .into_iter()
                    .filter(|x| !x.is_empty())
                    .collect::<Vec<_>>()
                    .join(", ");
                Self { place, address }
            }
            None if mode == DeliveryMode::Vilt => Self {
                place: "Online".into(),
                address: String::new(),
            },
            None => Self {
                place: "to be announced".into(),
                address: String::new(),
            },
        }
    }

    fn context(&self, s: &Session, r: &Recipient) -> serde_json::Value {
        let tz = TimeZoneName::parse_or_utc(&s.time_zone);
        let mut ctx = json!({
            "recipient_name": r.name,
            "course_title": s.title.clone().unwrap_or_else(|| s.course_title.clone()),
            "course_code": s.course_code,
            "reference": s.reference,
            "starts": tz.display(s.starts_at),
            "ends": tz.display(s.ends_at),
            "place": self.place,
            "address": self.address,
            "join_url": s.joining_url,
            "instructions": s.joining_notes,
        });
        if let Some(obj) = ctx.as_object_mut() {
            let who = if r.instructor {
                "instructor_name"
            } else {
                "learner_name"
            };
            obj.insert(who.into(), r.name.clone().into());
        }
        ctx
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_read_in_words() {
        assert_eq!(parse_offsets("7 days, 1 day").unwrap(), vec![168, 24]);
        assert_eq!(
            parse_offsets("1d;7D\n 36 hours, 2h").unwrap(),
            vec![168, 36, 24, 2]
        );
        assert_eq!(parse_offsets("2 weeks, 14").unwrap(), vec![336]);
        assert_eq!(parse_offsets("  ").unwrap(), Vec::<i64>::new());
        assert_eq!(parse_offset("3").unwrap(), 72);
        assert!(parse_offsets("soon").unwrap_err().contains("'soon'"));
        assert!(
            parse_offsets("7 fortnights")
                .unwrap_err()
                .contains("days, hours or weeks")
        );
        assert!(
            parse_offsets("0 days")
                .unwrap_err()
                .contains("between 1 hour")
        );
        assert!(parse_offsets("61 days").is_err());
        assert!(parse_offsets("99999999999999999999 days").is_err());
        assert!(
            parse_offsets("1h,2h,3h,4h,5h,6h,7h")
                .unwrap_err()
                .contains("at most")
        );
    }

    #[test]
    fn offsets_in_words() {
        assert_eq!(
            offsets_label(&[168, 24, 36, 1, 2]),
            "7 days, 1 day, 36 hours, 1 hour, 2 hours"
        );
        assert_eq!(offsets_label(&[]), "none");
    }

    #[test]
    fn each_reminder_owns_the_window_until_the_next_message() {
        // 7 days, 1 day, joining instructions at 3 days.
        assert_eq!(reminder_windows(&[168, 24], 72), vec![(168, 72), (24, 0)]);
        // Joining instructions off.
        assert_eq!(reminder_windows(&[24, 168], 0), vec![(168, 24), (24, 0)]);
        // Joining instructions after the last reminder.
        assert_eq!(reminder_windows(&[48], 12), vec![(48, 12)]);
        // Same offset as the joining instructions: both go out together.
        assert_eq!(reminder_windows(&[72, 24], 72), vec![(72, 24), (24, 0)]);
        assert!(reminder_windows(&[], 72).is_empty());
    }

    #[test]
    fn where_to_go() {
        let venue = venues::Venue {
            id: 1,
            code: "BER".into(),
            name: "Berlin Centre".into(),
            address: "Friedrichstraße 100".into(),
            city: "Berlin".into(),
            country: "DE".into(),
            time_zone: "Europe/Berlin".into(),
            notes: String::new(),
            created_at: 0,
            updated_at: 0,
            archived_at: None,
            version: 1,
        };
        let a = Place::describe(DeliveryMode::Ilt, Some(&venue), &["Room 2".into()]);
        assert_eq!(a.place, "Berlin Centre, Room 2");
        assert_eq!(a.address, "Friedrichstraße 100, Berlin, DE");
        let a = Place::describe(DeliveryMode::Vilt, None, &[]);
        assert_eq!((a.place.as_str(), a.address.as_str()), ("Online", ""));
        let a = Place::describe(DeliveryMode::Ilt, None, &[]);
        assert_eq!(a.place, "to be announced");
    }
}
