//! The schedule at a glance: the resource timeline (instructors or rooms × days) with conflicts
//! marked, and month calendars of one instructor, room, venue or client.
//!
//! A conflict is two items in the same row that overlap in time (half-open: touching parts do not
//! overlap). A declined assignment does not occupy the instructor, so it never conflicts; two
//! entries for the same session part (an instructor twice on one session) are not a double booking.

use crate::{App, AppError, Caller};
use chrono::{Duration, NaiveDate};
use trainyard_core::{Invalid, Role, TimeZoneName};
use trainyard_store::planning::Proposal;
use trainyard_store::timeline::{self as repo, Item, RowHead, SessionsOf};

/// The longest window one timeline request covers.
pub const MAX_DAYS: i64 = 62;

/// What the rows of a timeline are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Instructors,
    Rooms,
}

impl RowKind {
    /// `instructors` or `rooms`; anything else (or nothing) is instructors.
    pub fn parse_or_default(raw: &str) -> Self {
        match raw.trim() {
            "rooms" => RowKind::Rooms,
            _ => RowKind::Instructors,
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw.trim() {
            "" | "instructors" => Ok(RowKind::Instructors),
            "rooms" => Ok(RowKind::Rooms),
            other => Err(Invalid::field(
                "rows",
                format!(
                    "'{}' is not a kind of row: use instructors or rooms",
                    other.chars().take(40).collect::<String>()
                ),
            )),
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            RowKind::Instructors => "instructors",
            RowKind::Rooms => "rooms",
        }
    }
}

/// How an item is shown, whatever status it comes from: the status colours of the whole UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Confirmed assignment or booking; a confirmed, delivered or closed session.
    Confirmed,
    /// Proposed, requested or accepted assignment; tentative booking; a draft, scheduled or
    /// postponed session.
    Tentative,
    /// A declined assignment: shown, but it occupies nobody.
    Declined,
    /// Where a plan run proposes to put a session (not yet accepted).
    Planned,
}

impl Tone {
    pub fn of(status: &str) -> Self {
        match status {
            "confirmed" | "delivered" | "closed" => Tone::Confirmed,
            "declined" => Tone::Declined,
            PLANNED => Tone::Planned,
            _ => Tone::Tentative,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Tone::Confirmed => "confirmed",
            Tone::Tentative => "tentative",
            Tone::Declined => "declined",
            Tone::Planned => "planned",
        }
    }

    /// Whether the item takes up the row's time (and so can conflict).
    pub fn occupies(&self) -> bool {
        !matches!(self, Tone::Declined)
    }
}

/// The status of an item a plan run proposes.
pub const PLANNED: &str = "planned";

/// Shows the open proposals of a plan run in place of where their sessions stand now: the items of
/// each proposed session are replaced by its proposed parts (status [`PLANNED`]) that fall in
/// `[from_ms, to_ms)`, so conflicts with everything else show as they would after accepting.
pub fn overlay_proposals(
    items: &mut Vec<Item>,
    proposals: &[Proposal],
    kind: RowKind,
    from_ms: i64,
    to_ms: i64,
) {
    let open: Vec<&Proposal> = proposals
        .iter()
        .filter(|p| p.outcome == "placed" && p.accepted_at.is_none())
        .collect();
    let moved: std::collections::HashSet<i64> = open.iter().map(|p| p.session_id).collect();
    items.retain(|i| !moved.contains(&i.session_id));
    for p in open {
        for (n, part) in p.parts.iter().enumerate() {
            if part.ends_at <= from_ms || part.starts_at >= to_ms {
                continue;
            }
            let row = match kind {
                RowKind::Instructors => p.instructor_id,
                RowKind::Rooms => part.room_id.or(p.room_id),
            };
            let Some(row_id) = row else { continue };
            items.push(Item {
                row_id,
                session_id: p.session_id,
                session_reference: p.session_reference.clone(),
                // Not a stored part: a key of its own, so that two proposed parts never count
                // as the same appointment.
                part_id: -(p.session_id * 1_000 + n as i64 + 1),
                course_code: p.course_code.clone(),
                time_zone: p.time_zone.clone(),
                starts_at: part.starts_at,
                ends_at: part.ends_at,
                status: PLANNED.into(),
            });
        }
    }
    items.sort_by_key(|i| (i.row_id, i.starts_at, i.ends_at));
}

/// An interval of one row, for conflict detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start_ms: i64,
    pub end_ms: i64,
    /// Two spans of the same part are the same appointment, not a double booking.
    pub part_id: i64,
    /// Only spans that occupy the row conflict.
    pub occupies: bool,
}

/// For each span of one row: does it overlap another occupying span of a different part?
/// Sorted sweep: each span is compared only with the spans that start before it ends, so the cost
/// is O(n log n + overlapping pairs).
pub fn conflicts(spans: &[Span]) -> Vec<bool> {
    let mut out = vec![false; spans.len()];
    let mut order: Vec<usize> = (0..spans.len())
        .filter(|&i| spans[i].occupies && spans[i].end_ms > spans[i].start_ms)
        .collect();
    order.sort_by_key(|&i| (spans[i].start_ms, spans[i].end_ms));
    for (k, &i) in order.iter().enumerate() {
        let a = spans[i];
        for &j in &order[k + 1..] {
            let b = spans[j];
            if b.start_ms >= a.end_ms {
                break;
            }
            if b.part_id != a.part_id {
                out[i] = true;
                out[j] = true;
            }
        }
    }
    out
}

/// An item with its conflict flag.
#[derive(Debug, Clone)]
pub struct Entry {
    pub item: Item,
    pub tone: Tone,
    pub conflict: bool,
}

/// Marks the conflicts among the items of ONE row.
pub fn entries(items: Vec<Item>) -> Vec<Entry> {
    let tones: Vec<Tone> = items.iter().map(|i| Tone::of(&i.status)).collect();
    let spans: Vec<Span> = items
        .iter()
        .zip(&tones)
        .map(|(i, t)| Span {
            start_ms: i.starts_at,
            end_ms: i.ends_at,
            part_id: i.part_id,
            occupies: t.occupies(),
        })
        .collect();
    let flags = conflicts(&spans);
    items
        .into_iter()
        .zip(tones)
        .zip(flags)
        .map(|((item, tone), conflict)| Entry {
            item,
            tone,
            conflict,
        })
        .collect()
}

/// Days `[from, from + days)` in a time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: NaiveDate,
    pub days: i64,
}

impl Window {
    pub fn new(from: NaiveDate, days: i64) -> Result<Self, Invalid> {
        if !(1..=MAX_DAYS).contains(&days) {
            return Err(Invalid::field(
                "days",
                format!("must be between 1 and {MAX_DAYS}"),
            ));
        }
        Ok(Self { from, days })
    }

    /// The dates of the window.
    pub fn dates(&self) -> Vec<NaiveDate> {
        (0..self.days)
            .map(|d| self.from + Duration::days(d))
            .collect()
    }

    /// `[start, end)` in UTC milliseconds: local midnight of the first day to that after the last.
    pub fn bounds(&self, tz: &TimeZoneName) -> (i64, i64) {
        (
            tz.start_of_day_ms(self.from),
            tz.start_of_day_ms(self.from + Duration::days(self.days)),
        )
    }
}

/// `YYYY-MM-DD`, named for the field it came from.
pub fn parse_day(field: &str, raw: &str) -> Result<NaiveDate, Invalid> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| {
        Invalid::field(
            field,
            format!(
                "'{}' is not a date (expected YYYY-MM-DD)",
                raw.trim().chars().take(40).collect::<String>()
            ),
        )
    })
}

pub struct Row {
    pub head: RowHead,
    /// In start order.
    pub entries: Vec<Entry>,
    pub conflicts: usize,
    /// Instructors: their time off touching the window (start, end, reason), in start order.
    pub time_off: Vec<(i64, i64, String)>,
}

pub struct Timeline {
    pub kind: RowKind,
    pub window: Window,
    pub from_ms: i64,
    pub to_ms: i64,
    pub rows: Vec<Row>,
    /// Items in conflict, over all rows.
    pub conflicts: usize,
    /// Closure days in the window: company-wide ones, and those of the venues shown.
    pub closures: Vec<trainyard_store::closures::Closure>,
}

/// What to show on a timeline.
#[derive(Debug, Clone)]
pub struct TimelineQuery {
    pub kind: RowKind,
    pub window: Window,
    /// Instructors: part of the name.
    pub q: String,
    /// Rooms: those of one venue.
    pub venue_id: Option<i64>,
    /// Show this plan run's open proposal in place of where its sessions stand now.
    pub plan_run: Option<i64>,
}

/// The timeline: one query for the rows, one for every item in the window (staff only).
pub async fn timeline(
    app: &App,
    caller: &Caller,
    query: &TimelineQuery,
    tz: &TimeZoneName,
) -> Result<Timeline, AppError> {
    caller.require_staff("see the schedule of every instructor and room")?;
    let (from_ms, to_ms) = query.window.bounds(tz);
    let mut conn = app.store.read().await?;
    let (heads, mut items) = match query.kind {
        RowKind::Instructors => (
            repo::instructor_rows(&mut conn, &query.q).await?,
            repo::instructor_items(&mut conn, from_ms, to_ms).await?,
        ),
        RowKind::Rooms => (
            repo::room_rows(&mut conn, query.venue_id).await?,
            repo::room_items(&mut conn, from_ms, to_ms).await?,
        ),
    };
    if let Some(run) = query.plan_run {
        let proposals = trainyard_store::planning::proposals(&mut conn, run).await?;
        overlay_proposals(&mut items, &proposals, query.kind, from_ms, to_ms);
    }
    let time_off = match query.kind {
        RowKind::Instructors => {
            trainyard_store::planning::time_off_between(&mut conn, from_ms, to_ms).await?
        }
        RowKind::Rooms => Vec::new(),
    };
    let last_day = query.window.from + chrono::Duration::days(query.window.days - 1);
    let closures = trainyard_store::closures::between(
        &mut conn,
        &query.window.from.to_string(),
        &last_day.to_string(),
        query.venue_id,
    )
    .await?;
    drop(conn);
    let mut rows = group(heads, items);
    for (owner, starts, ends, reason) in time_off {
        if let Some(row) = rows.iter_mut().find(|r| r.head.id == owner) {
            row.time_off.push((starts, ends, reason));
        }
    }
    for row in &mut rows {
        row.time_off.sort_by_key(|t| t.0);
    }
    let conflicts = rows.iter().map(|r| r.conflicts).sum();
    Ok(Timeline {
        kind: query.kind,
        window: query.window,
        from_ms,
        to_ms,
        rows,
        conflicts,
        closures,
    })
}

/// Puts the items (sorted by row) under their rows, in the rows' order, and marks conflicts.
fn group(heads: Vec<RowHead>, items: Vec<Item>) -> Vec<Row> {
    let index: std::collections::HashMap<i64, usize> =
        heads.iter().enumerate().map(|(i, h)| (h.id, i)).collect();
    let mut per_row: Vec<Vec<Item>> = vec![Vec::new(); heads.len()];
    for it in items {
        if let Some(&i) = index.get(&it.row_id) {
            per_row[i].push(it);
        }
    }
    heads
        .into_iter()
        .zip(per_row)
        .map(|(head, items)| {
            let entries = entries(items);
            let conflicts = entries.iter().filter(|e| e.conflict).count();
            Row {
                head,
                entries,
                conflicts,
                time_off: Vec::new(),
            }
        })
        .collect()
}

/// Whose calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalendarKind {
    Instructor,
    Room,
    Venue,
    Client,
}

impl CalendarKind {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw.trim() {
            "instructor" => Ok(Self::Instructor),
            "room" => Ok(Self::Room),
            "venue" => Ok(Self::Venue),
            "client" => Ok(Self::Client),
            other => Err(Invalid::field(
                "kind",
                format!(
                    "'{}' has no calendar: use instructor, room, venue or client",
                    other.chars().take(40).collect::<String>()
                ),
            )),
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Instructor => "instructor",
            Self::Room => "room",
            Self::Venue => "venue",
            Self::Client => "client",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Self::Instructor => "Instructor",
            Self::Room => "Room",
            Self::Venue => "Venue",
            Self::Client => "Client",
        }
    }
}

pub struct Calendar {
    pub kind: CalendarKind,
    pub id: i64,
    /// The instructor's, room's, venue's or client's name.
    pub title: String,
    /// A second line: the instructor's e-mail, the room's venue, the venue's city, the client's code.
    pub detail: String,
    pub from_ms: i64,
    pub to_ms: i64,
    /// In start order; conflicts marked for instructors and rooms.
    pub entries: Vec<Entry>,
    /// Whether the caller may open the sessions (an instructor sees only their calendar).
    pub sessions_visible: bool,
    /// An instructor's time off, or a room's own closures, touching the window: (start, end,
    /// reason), in start order.
    pub time_off: Vec<(i64, i64, String)>,
    /// Closure days in the window that bind it: company-wide ones (every calendar but a
    /// client's), and those of the room's or venue's venue.
    pub closures: Vec<trainyard_store::closures::Closure>,
}

/// Staff see every calendar; an instructor their own; a client contact their organisation's.
pub fn may_see_calendar(caller: &Caller, kind: CalendarKind, id: i64) -> bool {
    caller.role.is_staff()
        || (kind == CalendarKind::Instructor
            && caller.role == Role::Instructor
            && caller.instructor_id == Some(id))
        || (kind == CalendarKind::Client
            && caller.role == Role::ClientContact
            && caller.client_id == Some(id))
}

/// One instructor's, room's, venue's or client's parts in a window.
pub async fn calendar(
    app: &App,
    caller: &Caller,
    kind: CalendarKind,
    id: i64,
    window: Window,
    tz: &TimeZoneName,
) -> Result<Calendar, AppError> {
    caller.require(
        may_see_calendar(caller, kind, id),
        &format!("see this {} calendar", kind.as_str()),
    )?;
    let (from_ms, to_ms) = window.bounds(tz);
    let mut conn = app.store.read().await?;
    let not_found =
        |e: trainyard_store::StoreError, what: &'static str| AppError::from(e).about(what);
    // The same queries as the timeline's time off and closure days.
    let owned = |absences: Vec<trainyard_store::planning::Absence>| {
        let mut out: Vec<(i64, i64, String)> = absences
            .into_iter()
            .filter(|a| a.0 == id)
            .map(|(_, starts, ends, reason)| (starts, ends, reason))
            .collect();
        out.sort_by_key(|t| t.0);
        out
    };
    let first_day = window.from.to_string();
    let last_day = (window.from + chrono::Duration::days(window.days - 1)).to_string();
    let (title, detail, items, time_off, closure_venue) = match kind {
        CalendarKind::Instructor => {
            let x = trainyard_store::instructors::get(&mut conn, id)
                .await
                .map_err(|e| not_found(e, "instructor"))?;
            let items = repo::instructor_items_of(&mut conn, id, from_ms, to_ms).await?;
            let off = owned(
                trainyard_store::planning::time_off_between(&mut conn, from_ms, to_ms).await?,
            );
            // An instructor teaches at many venues: only the company-wide days are theirs.
            (x.name, x.email, items, off, Some(None))
        }
        CalendarKind::Room => {
            let x = trainyard_store::resources::get(&mut conn, id)
                .await
                .map_err(|e| not_found(e, "room"))?;
            if x.kind.as_str() != "room" {
                return Err(AppError::NotFound("room"));
            }
            let items = repo::room_items_of(&mut conn, id, from_ms, to_ms).await?;
            let detail = match (x.venue_name, x.seats) {
                (Some(v), s) if s > 0 => format!("{v} · {s} seats"),
                (Some(v), _) => v,
                (None, _) => String::new(),
            };
            let off = owned(
                trainyard_store::planning::closures_between(&mut conn, from_ms, to_ms).await?,
            );
            (x.name, detail, items, off, Some(x.venue_id))
        }
        CalendarKind::Venue => {
            let x = trainyard_store::venues::get(&mut conn, id)
                .await
                .map_err(|e| not_found(e, "venue"))?;
            let items =
                repo::session_items(&mut conn, SessionsOf::Venue(id), from_ms, to_ms).await?;
            (
                x.name,
                format!("{}, {}", x.city, x.country),
                items,
                Vec::new(),
                Some(Some(id)),
            )
        }
        CalendarKind::Client => {
            let x = trainyard_store::clients::get(&mut conn, id)
                .await
                .map_err(|e| not_found(e, "client"))?;
            let items =
                repo::session_items(&mut conn, SessionsOf::Client(id), from_ms, to_ms).await?;
            (x.name, x.code, items, Vec::new(), None)
        }
    };
    let closures = match closure_venue {
        Some(venue) => trainyard_store::closures::between(&mut conn, &first_day, &last_day, venue)
            .await?
            .into_iter()
            // Without a venue the query gives every venue's days: keep the company-wide ones.
            .filter(|c| venue.is_some() || c.venue_id.is_none())
            .collect(),
        None => Vec::new(),
    };
    let mut entries = entries(items);
    if matches!(kind, CalendarKind::Venue | CalendarKind::Client) {
        // A venue or a client may well have two sessions at once.
        for e in &mut entries {
            e.conflict = false;
        }
    }
    Ok(Calendar {
        kind,
        id,
        title,
        detail,
        from_ms,
        to_ms,
        entries,
        sessions_visible: caller.role.is_staff() || caller.role == Role::ClientContact,
        time_off,
        closures,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn item(row: i64, session: i64, start: i64, end: i64, status: &str) -> Item {
        Item {
            row_id: row,
            session_id: session,
            session_reference: format!("S-{session}"),
            part_id: session * 10,
            course_code: "XL".into(),
            time_zone: "Europe/Berlin".into(),
            starts_at: start,
            ends_at: end,
            status: status.into(),
        }
    }

    fn proposal(session: i64, instructor: i64, parts: &[(i64, i64)], accepted: bool) -> Proposal {
        Proposal {
            run_id: 1,
            session_id: session,
            session_reference: format!("S-{session}"),
            course_code: "XL".into(),
            course_title: "Excel".into(),
            time_zone: "Europe/Berlin".into(),
            session_version: 1,
            outcome: "placed".into(),
            instructor_id: Some(instructor),
            instructor_name: None,
            room_id: Some(70),
            room_name: None,
            parts: parts
                .iter()
                .map(|&(a, b)| trainyard_store::planning::ProposedPart {
                    starts_at: a,
                    ends_at: b,
                    room_id: Some(71),
                })
                .collect(),
            reasons: Vec::new(),
            notices: Vec::new(),
            accepted_at: accepted.then_some(5),
        }
    }

    #[test]
    fn a_proposal_replaces_where_its_sessions_stand_and_shows_its_conflicts() {
        let mut items = vec![
            item(1, 100, 0, 10, "confirmed"),
            item(1, 200, 40, 50, "proposed"),
            item(2, 300, 0, 10, "confirmed"),
        ];
        let proposals = vec![
            // Session 200 moves onto instructor 1's confirmed session 100: a conflict to see.
            proposal(200, 1, &[(5, 15), (500, 600)], false),
            // Accepted already: it stands where it is, nothing to overlay.
            proposal(300, 2, &[(20, 30)], true),
        ];
        overlay_proposals(&mut items, &proposals, RowKind::Instructors, 0, 100);
        let shown: Vec<(i64, i64, &str)> = items
            .iter()
            .map(|i| (i.row_id, i.session_id, i.status.as_str()))
            .collect();
        assert_eq!(
            shown,
            vec![
                (1, 100, "confirmed"),
                (1, 200, PLANNED),
                (2, 300, "confirmed")
            ],
            "the old place of 200 is gone; its part outside the window is not shown"
        );
        let e = entries(items.into_iter().filter(|i| i.row_id == 1).collect());
        assert!(e.iter().all(|e| e.conflict));
        assert_eq!(e[1].tone, Tone::Planned);

        let mut rooms = vec![item(71, 400, 0, 10, "confirmed")];
        overlay_proposals(&mut rooms, &proposals, RowKind::Rooms, 0, 100);
        assert_eq!(rooms.len(), 2, "the proposed part lands in its own room");
        assert_eq!(rooms[1].row_id, 71);
    }

    fn span(start: i64, end: i64, part: i64) -> Span {
        Span {
            start_ms: start,
            end_ms: end,
            part_id: part,
            occupies: true,
        }
    }

    #[test]
    fn overlapping_spans_conflict_touching_do_not() {
        let s = [span(9, 12, 1), span(11, 13, 2), span(13, 15, 3)];
        assert_eq!(conflicts(&s), vec![true, true, false]);
    }

    #[test]
    fn a_long_span_conflicts_with_everything_inside_it() {
        // Unsorted input; the long one overlaps two that do not overlap each other.
        let s = [
            span(10, 11, 2),
            span(8, 18, 1),
            span(12, 13, 3),
            span(20, 21, 4),
        ];
        assert_eq!(conflicts(&s), vec![true, true, true, false]);
    }

    #[test]
    fn declined_and_same_part_do_not_conflict() {
        let mut declined = span(9, 17, 2);
        declined.occupies = false;
        let s = [span(9, 17, 1), declined, span(9, 17, 1)];
        assert_eq!(conflicts(&s), vec![false, false, false]);
        assert_eq!(conflicts(&[]), Vec::<bool>::new());
    }

    #[test]
    fn identical_times_of_different_parts_conflict() {
        let s = [span(9, 17, 1), span(9, 17, 2)];
        assert_eq!(conflicts(&s), vec![true, true]);
    }

    #[test]
    fn tones_follow_the_status_colours() {
        assert_eq!(Tone::of("confirmed"), Tone::Confirmed);
        assert_eq!(Tone::of("requested"), Tone::Tentative);
        assert_eq!(Tone::of("accepted"), Tone::Tentative);
        assert_eq!(Tone::of("tentative"), Tone::Tentative);
        assert_eq!(Tone::of("declined"), Tone::Declined);
        assert!(!Tone::Declined.occupies());
    }

    #[test]
    fn windows_are_bounded_and_follow_the_zone() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 23).unwrap();
        assert!(Window::new(d, 0).is_err());
        assert!(Window::new(d, MAX_DAYS + 1).is_err());
        let w = Window::new(d, 7).unwrap();
        let berlin = TimeZoneName::parse("Europe/Berlin").unwrap();
        let (from, to) = w.bounds(&berlin);
        // The week holds the spring change: one hour short.
        assert_eq!(to - from, 7 * 86_400_000 - 3_600_000);
        assert_eq!(w.dates().len(), 7);
        assert!(parse_day("from", "2026-02-30").is_err());
    }
}
