//! Recurring programmes: a session cloned along a recurrence rule. [`preview`] shows every
//! occurrence (local and UTC times, daylight-saving changes, conflicts with other bookings of the
//! session's rooms and with the confirmed instructor's other work); [`create_series`] creates the
//! clones as drafts, all in one transaction with an audit event each — or none of them.
//!
//! A venue is not a room: a venue with four rooms hosts four sessions at once, so another session
//! at the same venue is no conflict. Only the rooms the session has booked are checked.
//!
//! Conflicts are warnings: the clones are drafts, and rooms and instructors are only held when a
//! booking or an assignment is confirmed (where the database refuses double-booking). Problems are
//! not: an occurrence with a part in a daylight-saving gap has no instant to store, so the whole
//! series is refused until that date is skipped with an exception. Refusing the whole request,
//! rather than creating the rest, keeps "what was previewed is what gets created" true, and the
//! number of sessions created is always the number the user asked for.

use crate::error::About;
use crate::{App, AppError, Caller, now_ms};
use serde::Serialize;
use trainyard_core::ids::{ClientId, CourseId, ProgramId, VenueId};
use trainyard_core::records::SessionInput;
use trainyard_core::recurrence::{self as rec, MAX_OCCURRENCES, Plan, RecurrenceFields};
use trainyard_core::status::SessionStatus;
use trainyard_core::{Interval, Invalid, TimeZoneName};
use trainyard_store::Conn;
use trainyard_store::recurrence::{self as repo, Clash};
use trainyard_store::sessions::{self, Session};

/// One part of an occurrence. `starts_at`/`ends_at` are absent when the local time does not exist
/// (a daylight-saving gap); the occurrence then has a problem.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PreviewPart {
    #[serde(serialize_with = "trainyard_store::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub starts_at: Option<i64>,
    #[serde(serialize_with = "trainyard_store::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ends_at: Option<i64>,
    /// Wall-clock start in the session's zone, `2026-03-30T09:00`.
    pub local_starts: String,
    pub local_ends: String,
    /// The zone's UTC offset at the start, `+02:00`.
    pub utc_offset: Option<String>,
}

/// One session of the series; `index` 1 is the session itself.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Occurrence {
    pub index: usize,
    /// The local date of its first part.
    #[schema(format = Date)]
    pub date: String,
    pub is_source: bool,
    pub parts: Vec<PreviewPart>,
    pub utc_offset: Option<String>,
    /// The UTC offset differs from the session's own: a daylight-saving change lies between, and
    /// the local times stay the same.
    pub dst_change: bool,
    /// Other sessions' bookings of the session's rooms, the confirmed instructor's other work
    /// overlapping it, and the closure days (company-wide or the venue's) it falls on.
    pub conflicts: Vec<String>,
    /// Why it cannot be created as planned; any problem blocks the whole series.
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = RecurrencePreview)]
pub struct Preview {
    pub session_id: i64,
    pub reference: String,
    pub course_id: i64,
    pub time_zone: String,
    /// The rule in canonical RRULE form.
    pub rrule: String,
    /// The rule in words.
    pub description: String,
    /// Exception dates that removed an occurrence.
    pub skipped: Vec<String>,
    /// Exception dates that matched no occurrence.
    pub unused_exceptions: Vec<String>,
    /// Things worth knowing before creating, in words.
    pub notes: Vec<String>,
    pub occurrences: Vec<Occurrence>,
    /// Sessions that creating would add (the session itself is not one of them).
    pub to_create: usize,
    /// False when any occurrence has a problem: creating would be refused.
    pub creatable: bool,
}

struct Source {
    session: Session,
    parts: Vec<Interval>,
    zone: TimeZoneName,
    /// The rooms booked for the session: what its clashes are looked for in.
    rooms: Vec<(i64, String)>,
}

async fn load(conn: &mut Conn, id: i64) -> Result<Source, AppError> {
    let session = sessions::get(conn, id).await.about("session")?;
    let parts: Vec<Interval> = sessions::parts(conn, id)
        .await?
        .into_iter()
        .filter(|p| p.status != "cancelled")
        .map(|p| Interval {
            start_ms: p.starts_at,
            end_ms: p.ends_at,
        })
        .collect();
    let zone = TimeZoneName::parse(&session.time_zone)
        .map_err(|e| AppError::refused(format!("the session's time zone is not usable: {e}")))?;
    let rooms = repo::booked_rooms(conn, id).await?;
    Ok(Source {
        session,
        parts,
        zone,
        rooms,
    })
}

fn plan_for(
    source: &Source,
    fields: &RecurrenceFields,
) -> Result<(rec::RecurrenceRule, Plan), AppError> {
    let req = fields.validate(&source.zone)?;
    let plan = rec::plan(
        &source.zone,
        &source.parts,
        &req.rule,
        &req.exceptions,
        MAX_OCCURRENCES,
    )?;
    Ok((req.rule, plan))
}

/// "2026-03-23 10:00–12:00" in the clashing session's own zone.
fn span(c: &Clash, fallback: &TimeZoneName) -> String {
    let z = TimeZoneName::parse(&c.time_zone).unwrap_or(*fallback);
    let s = z.local(c.starts_at);
    let e = z.local(c.ends_at);
    if s.date_naive() == e.date_naive() {
        format!("{}–{}", s.format("%Y-%m-%d %H:%M"), e.format("%H:%M"))
    } else {
        format!(
            "{} – {}",
            s.format("%Y-%m-%d %H:%M"),
            e.format("%Y-%m-%d %H:%M")
        )
    }
}

/// Conflicts in words, per occurrence (none for the session itself).
async fn conflicts(
    conn: &mut Conn,
    source: &Source,
    plan: &Plan,
) -> Result<Vec<Vec<String>>, AppError> {
    let mut out = vec![Vec::new(); plan.occurrences.len()];
    let windows: Vec<Interval> = plan
        .occurrences
        .iter()
        .filter(|o| !o.is_source)
        .flat_map(|o| o.intervals())
        .collect();
    if windows.is_empty() {
        return Ok(out);
    }
    let s = &source.session;
    // Closure days of the company or of the session's venue, by name, like a taken room.
    let dates = plan
        .occurrences
        .iter()
        .filter(|o| !o.is_source)
        .flat_map(|o| {
            o.intervals()
                .into_iter()
                .flat_map(|i| [i.start_ms, i.end_ms - 1])
        });
    if let (Some(first), Some(last)) = (dates.clone().min(), dates.max()) {
        let days = crate::sites::closures::days_for(
            conn,
            source.zone.local(first).date_naive(),
            source.zone.local(last).date_naive(),
            s.venue_id,
        )
        .await?;
        for (i, o) in plan.occurrences.iter().enumerate() {
            if o.is_source {
                continue;
            }
            for c in trainyard_core::conflicts::closures_on(
                &source.zone,
                &o.intervals(),
                s.venue_id,
                &days,
            ) {
                out[i].push(match &c.venue_name {
                    Some(venue) if c.venue_id.is_some() => {
                        format!("{} — {venue} closed", c.name)
                    }
                    _ => format!("{} — closed company-wide", c.name),
                });
            }
        }
    }
    let mut assign = |clashes: &[Clash], say: &dyn Fn(&Clash) -> String| {
        for (i, o) in plan.occurrences.iter().enumerate() {
            if o.is_source {
                continue;
            }
            let mine = o.intervals();
            let mut seen: Vec<i64> = Vec::new();
            for c in clashes {
                let theirs = Interval {
                    start_ms: c.starts_at,
                    end_ms: c.ends_at,
                };
                if mine.iter().any(|m| m.overlaps(&theirs)) && !seen.contains(&c.session_id) {
                    seen.push(c.session_id);
                    out[i].push(say(c));
                }
            }
        }
    };
    for (room_id, room) in &source.rooms {
        let clashes = repo::room_clashes(conn, *room_id, s.id, &windows).await?;
        let room = room_words(room);
        assign(&clashes, &|c: &Clash| match &c.venue_name {
            Some(venue) => format!(
                "Venue {venue} already has {} {} in {room} {}",
                c.reference,
                c.title,
                span(c, &source.zone)
            ),
            None => format!(
                "{} is already booked for {} {} {}",
                capitalised(&room),
                c.reference,
                c.title,
                span(c, &source.zone)
            ),
        });
    }
    for (instructor_id, _) in repo::confirmed_instructors(conn, s.id).await? {
        let clashes = repo::instructor_clashes(conn, instructor_id, s.id, &windows).await?;
        assign(&clashes, &|c: &Clash| {
            let status = match c.assignment_status.as_deref() {
                Some("confirmed") | None => String::new(),
                Some(other) => format!(" (assignment {other})"),
            };
            format!(
                "{} is teaching {} {} {}{status}",
                c.instructor_name.as_deref().unwrap_or("The instructor"),
                c.reference,
                c.title,
                span(c, &source.zone)
            )
        });
    }
    Ok(out)
}

/// "room Spree", or the name alone when it already says it is a room ("Room 1").
fn room_words(name: &str) -> String {
    if name.to_lowercase().starts_with("room") {
        name.to_owned()
    } else {
        format!("room {name}")
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn local(t: chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M").to_string()
}

/// Every session the rule would give, with its times, daylight-saving changes, conflicts and
/// problems. Changes nothing. Refused (422) when the rule is malformed, never ends, or gives more
/// than 500 sessions.
pub async fn preview(
    app: &App,
    caller: &Caller,
    session_id: i64,
    fields: &RecurrenceFields,
) -> Result<Preview, AppError> {
    caller.require_operations("repeat sessions")?;
    let mut conn = app.store.read().await?;
    let source = load(&mut conn, session_id).await?;
    let (rule, plan) = plan_for(&source, fields)?;
    let conflicts = conflicts(&mut conn, &source, &plan).await?;
    let s = &source.session;
    let zone = source.zone;
    let mut notes = Vec::new();
    if !plan.first_matches_rule {
        notes.push(format!(
            "{} on {} is not on a day the rule gives; it stays the first session of the series, and the rule continues after it.",
            s.reference,
            plan.occurrences.first().map(|o| o.date.to_string()).unwrap_or_default()
        ));
    }
    if s.venue_id.is_some() && source.rooms.is_empty() {
        notes.push(format!(
            "No room is booked for {}, so no room was checked: book one to see which dates it is taken.",
            s.reference
        ));
    }
    for d in &plan.unused_exceptions {
        notes.push(format!(
            "The exception {d} matches no session of the series, so it skips nothing."
        ));
    }
    if plan.occurrences.iter().any(|o| o.offset_differs) {
        notes.push(format!(
            "Sessions marked DST fall on the other side of a daylight-saving change: they keep the same local time in {zone}, so their UTC time differs by the change."
        ));
    }
    let blocked = plan
        .occurrences
        .iter()
        .filter(|o| !o.problems.is_empty())
        .count();
    if blocked > 0 {
        notes.push(format!(
            "{blocked} session(s) cannot be created as planned (see the problems): nothing will be created until those dates are skipped with exceptions or the rule is changed."
        ));
    }
    let occurrences: Vec<Occurrence> = plan
        .occurrences
        .iter()
        .zip(conflicts)
        .map(|(o, conflicts)| Occurrence {
            index: o.number,
            date: o.date.to_string(),
            is_source: o.is_source,
            utc_offset: o
                .parts
                .first()
                .and_then(|p| p.utc_offset_secs)
                .map(rec::format_offset),
            dst_change: o.offset_differs,
            parts: o
                .parts
                .iter()
                .map(|p| PreviewPart {
                    starts_at: p.interval.map(|i| i.start_ms),
                    ends_at: p.interval.map(|i| i.end_ms),
                    local_starts: local(p.local_start),
                    local_ends: local(p.local_end),
                    utc_offset: p.utc_offset_secs.map(rec::format_offset),
                })
                .collect(),
            conflicts,
            problems: o.problems.clone(),
        })
        .collect();
    Ok(Preview {
        session_id: s.id,
        reference: s.reference.clone(),
        course_id: s.course_id,
        time_zone: s.time_zone.clone(),
        rrule: rule.to_rrule(),
        description: rule.describe(),
        skipped: plan.skipped.iter().map(|d| d.to_string()).collect(),
        unused_exceptions: plan
            .unused_exceptions
            .iter()
            .map(|d| d.to_string())
            .collect(),
        notes,
        to_create: occurrences.len().saturating_sub(1),
        creatable: blocked == 0,
        occurrences,
    })
}

/// Creates every session of the series after the session itself, as drafts with the same course,
/// venue, client, capacity, price, time zone and notes, in one transaction, each with a
/// `session.created` audit event naming the session it was cloned from. If any occurrence has a
/// problem (a part in a daylight-saving gap), nothing is created (422).
pub async fn create_series(
    app: &App,
    caller: &Caller,
    session_id: i64,
    fields: &RecurrenceFields,
) -> Result<Vec<Session>, AppError> {
    caller.require_operations("repeat sessions")?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let source = load(&mut tx, session_id).await?;
    let (rule, plan) = plan_for(&source, fields)?;
    if !plan.is_creatable() {
        let mut inv = Invalid::new();
        for o in &plan.occurrences {
            for p in &o.problems {
                inv.add(
                    "exceptions",
                    format!("session {} on {}: {p}", o.number, o.date),
                );
            }
        }
        return Err(inv.into());
    }
    let s = &source.session;
    let rrule = rule.to_rrule();
    let mut created = Vec::with_capacity(plan.occurrences.len());
    for o in plan.occurrences.iter().filter(|o| !o.is_source) {
        let input = SessionInput {
            course_id: CourseId(s.course_id),
            title: s.title.clone(),
            visibility: s.visibility,
            client_id: s.client_id.map(ClientId),
            program_id: s.program_id.map(ProgramId),
            delivery_mode: s.delivery_mode,
            venue_id: s.venue_id.map(VenueId),
            capacity: s.capacity,
            time_zone: source.zone,
            seat_price: s.seat_price,
            notes: s.notes.clone(),
            joining_url: s.joining_url.clone(),
            joining_notes: s.joining_notes.clone(),
            parts: o.intervals(),
            delivery_language: s
                .delivery_language
                .as_deref()
                .and_then(|l| trainyard_core::locale::LanguageTag::parse(l).ok()),
        };
        let id = sessions::insert(&mut tx, &input, SessionStatus::Draft, now)
            .await
            .about("session")?;
        if let Some(program) = s.program_id {
            repo::set_program(&mut tx, id, program).await?;
        }
        let after = sessions::get(&mut tx, id).await?;
        let mut snapshot = serde_json::to_value(&after).unwrap_or(serde_json::Value::Null);
        if let Some(obj) = snapshot.as_object_mut() {
            obj.insert("cloned_from".into(), serde_json::json!(s.id));
            obj.insert("recurrence".into(), serde_json::json!(rrule));
            obj.insert("series_index".into(), serde_json::json!(o.number));
        }
        crate::audit::record(
            &mut tx,
            caller,
            now,
            "session.created",
            ("session", id),
            None,
            Some(&snapshot),
        )
        .await?;
        created.push(after);
    }
    tx.commit().await?;
    Ok(created)
}
