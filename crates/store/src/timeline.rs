//! The schedule at a glance: the rows of a resource timeline (instructors or rooms) and everything
//! they are doing in a window, each in ONE query, so that a month of 200 instructors is two
//! round trips. Items are found through `session_parts_starts`: a part is at most
//! [`MAX_PART_HOURS`](trainyard_core::time::MAX_PART_HOURS) long, so every part overlapping
//! `[from, to)` starts in `[from - max part, to)` — an index range, then a cheap filter on `ends_at`.

use crate::row::{Col, Sql, contains_pattern};
use crate::{Conn, StoreError};
use sqlx::any::AnyRow;

/// A row of the timeline: an instructor or a room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowHead {
    pub id: i64,
    pub name: String,
    /// A short second line: the room's venue and seats; empty for instructors.
    pub detail: String,
}

/// One session part in one row: an instructor's assignment to it, a room's booking of it, or a
/// venue's or client's session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The instructor, resource, venue or client the item belongs to.
    pub row_id: i64,
    pub session_id: i64,
    pub session_reference: String,
    pub part_id: i64,
    pub course_code: String,
    /// The session's IANA zone, in which its local times are read.
    pub time_zone: String,
    pub starts_at: i64,
    pub ends_at: i64,
    /// The assignment's status (instructors), the booking's (rooms), or the session's (venues, clients).
    pub status: String,
}

/// The longest part, in milliseconds: how far before the window a part overlapping it can start.
const MAX_PART_MS: i64 = trainyard_core::time::MAX_PART_HOURS * 3_600_000;

/// Active instructors by name; `q` filters on part of the name.
pub async fn instructor_rows(conn: &mut Conn, q: &str) -> Result<Vec<RowHead>, StoreError> {
    let mut s = Sql::new("SELECT id, name FROM instructors WHERE archived_at IS NULL");
    if !q.trim().is_empty() {
        s.push(" AND lower(name) LIKE ")
            .text(&contains_pattern(q))
            .push(" ESCAPE '\\'");
    }
    s.push(" ORDER BY name, id");
    let q = s.query();
    crate::row::fetch_all(conn, q, |r| {
        Ok(RowHead {
            id: r.i("id")?,
            name: r.s("name")?,
            detail: String::new(),
        })
    })
    .await
}

/// Active rooms, by venue and name; optionally those of one venue.
pub async fn room_rows(conn: &mut Conn, venue_id: Option<i64>) -> Result<Vec<RowHead>, StoreError> {
    let mut s = Sql::new(
        "SELECT r.id, r.name, r.seats, v.name AS venue_name FROM resources r \
         LEFT JOIN venues v ON v.id = r.venue_id WHERE r.kind = 'room' AND r.archived_at IS NULL",
    );
    if let Some(v) = venue_id {
        s.push(" AND r.venue_id = ").int(v);
    }
    s.push(" ORDER BY v.name, r.name, r.id");
    let q = s.query();
    crate::row::fetch_all(conn, q, |r| {
        let seats = r.i("seats")?;
        let venue = r.os("venue_name")?.unwrap_or_else(|| "No venue".into());
        Ok(RowHead {
            id: r.i("id")?,
            name: r.s("name")?,
            detail: if seats > 0 {
                format!("{venue} · {seats} seats")
            } else {
                venue
            },
        })
    })
    .await
}

/// Parts that overlap `[from_ms, to_ms)` of active, not cancelled sessions: the shared `WHERE`.
fn window(s: &mut Sql, from_ms: i64, to_ms: i64) {
    s.push(" WHERE p.starts_at >= ")
        .int(from_ms - MAX_PART_MS)
        .push(" AND p.starts_at < ")
        .int(to_ms)
        .push(" AND p.ends_at > ")
        .int(from_ms)
        .push(" AND p.status <> 'cancelled' AND s.status <> 'cancelled' AND s.archived_at IS NULL");
}

const PART_COLUMNS: &str = "s.id AS session_id, s.reference, p.id AS part_id, s.course_code, s.time_zone, \
    p.starts_at, p.ends_at";

fn item(r: &AnyRow) -> Result<Item, sqlx::Error> {
    Ok(Item {
        row_id: r.i("row_id")?,
        session_id: r.i("session_id")?,
        session_reference: r.s("reference")?,
        part_id: r.i("part_id")?,
        course_code: r.s("course_code")?,
        time_zone: r.s("time_zone")?,
        starts_at: r.i("starts_at")?,
        ends_at: r.i("ends_at")?,
        status: r.s("status")?,
    })
}

async fn run(conn: &mut Conn, s: &Sql) -> Result<Vec<Item>, StoreError> {
    let q = s.query();
    crate::row::fetch_all(conn, q, item).await
}

fn instructor_sql(from_ms: i64, to_ms: i64, instructor_id: Option<i64>) -> Sql {
    let mut s = Sql::new("SELECT a.instructor_id AS row_id, ");
    s.push(PART_COLUMNS).push(
        ", a.status FROM session_parts p JOIN sessions s ON s.id = p.session_id \
         JOIN assignments a ON a.session_id = p.session_id",
    );
    window(&mut s, from_ms, to_ms);
    s.push(" AND a.status <> 'cancelled'");
    if let Some(id) = instructor_id {
        s.push(" AND a.instructor_id = ").int(id);
    }
    s.push(" ORDER BY a.instructor_id, p.starts_at, p.id");
    s
}

/// Every instructor's non-cancelled assignments, one item per session part in the window, in ONE
/// query. Sorted by instructor, then start.
pub async fn instructor_items(
    conn: &mut Conn,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<Item>, StoreError> {
    run(conn, &instructor_sql(from_ms, to_ms, None)).await
}

/// One instructor's items in the window (their calendar).
pub async fn instructor_items_of(
    conn: &mut Conn,
    instructor_id: i64,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<Item>, StoreError> {
    run(conn, &instructor_sql(from_ms, to_ms, Some(instructor_id))).await
}

fn room_sql(from_ms: i64, to_ms: i64, resource_id: Option<i64>) -> Sql {
    let mut s = Sql::new("SELECT b.resource_id AS row_id, ");
    s.push(PART_COLUMNS).push(
        ", b.status FROM session_parts p JOIN sessions s ON s.id = p.session_id \
         JOIN bookings b ON b.session_part_id = p.id JOIN resources r ON r.id = b.resource_id",
    );
    window(&mut s, from_ms, to_ms);
    s.push(" AND r.kind = 'room'");
    if let Some(id) = resource_id {
        s.push(" AND b.resource_id = ").int(id);
    }
    s.push(" ORDER BY b.resource_id, p.starts_at, p.id");
    s
}

/// Every room's bookings, one item per booked part in the window, in ONE query. Sorted by room,
/// then start.
pub async fn room_items(
    conn: &mut Conn,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<Item>, StoreError> {
    run(conn, &room_sql(from_ms, to_ms, None)).await
}

/// One room's bookings in the window (its calendar).
pub async fn room_items_of(
    conn: &mut Conn,
    resource_id: i64,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<Item>, StoreError> {
    run(conn, &room_sql(from_ms, to_ms, Some(resource_id))).await
}

/// Whose sessions a venue or client calendar lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionsOf {
    Venue(i64),
    Client(i64),
}

/// The parts in the window of the sessions held at a venue or run for a client; the item's
/// status is the session's.
pub async fn session_items(
    conn: &mut Conn,
    of: SessionsOf,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<Item>, StoreError> {
    let (column, id) = match of {
        SessionsOf::Venue(id) => ("s.venue_id", id),
        SessionsOf::Client(id) => ("s.client_id", id),
    };
    let mut s = Sql::new("SELECT ");
    s.push(column)
        .push(" AS row_id, ")
        .push(PART_COLUMNS)
        .push(", s.status FROM session_parts p JOIN sessions s ON s.id = p.session_id");
    window(&mut s, from_ms, to_ms);
    s.push(" AND ").push(column).push(" = ").int(id);
    s.push(" ORDER BY p.starts_at, p.id");
    run(conn, &s).await
}
