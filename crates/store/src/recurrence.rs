//! What a planned series of sessions would collide with: other sessions at the same venue, and the
//! other assignments of the source session's confirmed instructors. Both are read by time window
//! on `session_parts.starts_at` (its index), using the fact that no part is longer than
//! [`MAX_PART_HOURS`]: a part overlapping `[a, b)` starts in `[a - MAX_PART_HOURS, b)`.

use crate::row::{Col, Sql};
use crate::{Conn, StoreError};
use sqlx::any::AnyRow;
use trainyard_core::time::{Interval, MAX_PART_HOURS};

/// Windows per statement: three binds each keeps every statement far below both backends' limits.
const WINDOWS_PER_QUERY: usize = 100;
const MAX_PART_MS: i64 = MAX_PART_HOURS * 3_600_000;

/// A part of another session that overlaps one of the windows asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clash {
    pub part_id: i64,
    pub session_id: i64,
    pub reference: String,
    pub course_code: String,
    /// The session's title, or its course's.
    pub title: String,
    pub time_zone: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub venue_name: Option<String>,
    /// For instructor clashes: who, and the status of their assignment there.
    pub instructor_name: Option<String>,
    pub assignment_status: Option<String>,
}

const PART_COLUMNS: &str = "SELECT p.id AS part_id, p.session_id, p.starts_at, p.ends_at, s.reference, c.code AS course_code, \
    COALESCE(s.title, c.title) AS title, s.time_zone, v.name AS venue_name";

const ACTIVE: &str = " AND p.status <> 'cancelled' AND s.archived_at IS NULL AND s.status NOT IN ('cancelled', 'postponed')";

fn from_row(r: &AnyRow, with_instructor: bool) -> Result<Clash, sqlx::Error> {
    Ok(Clash {
        part_id: r.i("part_id")?,
        session_id: r.i("session_id")?,
        reference: r.s("reference")?,
        course_code: r.s("course_code")?,
        title: r.s("title")?,
        time_zone: r.s("time_zone")?,
        starts_at: r.i("starts_at")?,
        ends_at: r.i("ends_at")?,
        venue_name: r.os("venue_name")?,
        instructor_name: if with_instructor {
            Some(r.s("instructor_name")?)
        } else {
            None
        },
        assignment_status: if with_instructor {
            Some(r.s("assignment_status")?)
        } else {
            None
        },
    })
}

/// Sorted, with overlapping windows merged: fewer, wider ranges for the index to walk.
fn merged(windows: &[Interval]) -> Vec<Interval> {
    let mut w = windows.to_vec();
    w.sort();
    let mut out: Vec<Interval> = Vec::with_capacity(w.len());
    for iv in w {
        match out.last_mut() {
            Some(last) if iv.start_ms <= last.end_ms => last.end_ms = last.end_ms.max(iv.end_ms),
            _ => out.push(iv),
        }
    }
    out
}

/// `AND (p overlaps w1 OR p overlaps w2 …)`, each a range on `p.starts_at`.
fn push_windows(q: &mut Sql, windows: &[Interval]) {
    q.push(" AND (");
    for (i, w) in windows.iter().enumerate() {
        if i > 0 {
            q.push(" OR ");
        }
        q.push("(p.starts_at >= ")
            .int(w.start_ms - MAX_PART_MS)
            .push(" AND p.starts_at < ")
            .int(w.end_ms)
            .push(" AND p.ends_at > ")
            .int(w.start_ms)
            .push(")");
    }
    q.push(")");
}

async fn run(
    conn: &mut Conn,
    windows: &[Interval],
    with_instructor: bool,
    build: impl Fn() -> Sql,
) -> Result<Vec<Clash>, StoreError> {
    let mut out: Vec<Clash> = Vec::new();
    for chunk in merged(windows).chunks(WINDOWS_PER_QUERY) {
        let mut q = build();
        push_windows(&mut q, chunk);
        for r in q.query().fetch_all(&mut *conn).await? {
            let c = from_row(&r, with_instructor)?;
            if !out
                .iter()
                .any(|o| o.part_id == c.part_id && o.instructor_name == c.instructor_name)
            {
                out.push(c);
            }
        }
    }
    out.sort_by_key(|c| (c.starts_at, c.part_id));
    Ok(out)
}

/// Active parts of other sessions at `venue_id` overlapping any of `windows`.
pub async fn venue_clashes(
    conn: &mut Conn,
    venue_id: i64,
    except_session_id: i64,
    windows: &[Interval],
) -> Result<Vec<Clash>, StoreError> {
    run(conn, windows, false, || {
        let mut q = Sql::new(PART_COLUMNS);
        q.push(
            " FROM session_parts p JOIN sessions s ON s.id = p.session_id JOIN courses c ON c.id = s.course_id \
             LEFT JOIN venues v ON v.id = s.venue_id WHERE s.venue_id = ",
        )
        .int(venue_id)
        .push(" AND s.id <> ")
        .int(except_session_id)
        .push(ACTIVE);
        q
    })
    .await
}

/// The instructors confirmed on a session: `(id, name)`.
pub async fn confirmed_instructors(
    conn: &mut Conn,
    session_id: i64,
) -> Result<Vec<(i64, String)>, StoreError> {
    let q = sqlx::query(
        "SELECT DISTINCT i.id, i.name FROM assignments a JOIN instructors i ON i.id = a.instructor_id \
         WHERE a.session_id = $1 AND a.status = 'confirmed' ORDER BY i.name",
    )
    .bind(session_id);
    crate::row::fetch_all(conn, q, |r| Ok((r.i("id")?, r.s("name")?))).await
}

/// Active parts of other sessions where `instructor_id` has a live (not cancelled or declined)
/// assignment, overlapping any of `windows`.
pub async fn instructor_clashes(
    conn: &mut Conn,
    instructor_id: i64,
    except_session_id: i64,
    windows: &[Interval],
) -> Result<Vec<Clash>, StoreError> {
    run(conn, windows, true, || {
        let mut q = Sql::new(PART_COLUMNS);
        q.push(
            ", i.name AS instructor_name, a.status AS assignment_status \
             FROM session_parts p JOIN sessions s ON s.id = p.session_id JOIN courses c ON c.id = s.course_id \
             LEFT JOIN venues v ON v.id = s.venue_id \
             JOIN assignments a ON a.session_id = s.id JOIN instructors i ON i.id = a.instructor_id \
             WHERE a.instructor_id = ",
        )
        .int(instructor_id)
        .push(" AND a.status NOT IN ('cancelled', 'declined') AND s.id <> ")
        .int(except_session_id)
        .push(ACTIVE);
        q
    })
    .await
}

/// Puts a cloned session into the same programme as its source.
pub async fn set_program(
    conn: &mut Conn,
    session_id: i64,
    program_id: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET program_id = $1 WHERE id = $2")
        .bind(program_id)
        .bind(session_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The rooms booked (tentatively or confirmed) for the session's active parts: `(id, name)`.
pub async fn booked_rooms(
    conn: &mut Conn,
    session_id: i64,
) -> Result<Vec<(i64, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT DISTINCT r.id, r.name FROM bookings b JOIN resources r ON r.id = b.resource_id \
         JOIN session_parts p ON p.id = b.session_part_id \
         WHERE p.session_id = $1 AND p.status <> 'cancelled' AND r.kind = 'room' ORDER BY r.name",
    )
    .bind(session_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.i("id")?, r.s("name")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// Bookings (tentative or confirmed) of the room `resource_id` by other active sessions,
/// overlapping any of `windows`. Times are the booking's; `venue_name` is the room's venue (the
/// session's when the room has none).
pub async fn room_clashes(
    conn: &mut Conn,
    resource_id: i64,
    except_session_id: i64,
    windows: &[Interval],
) -> Result<Vec<Clash>, StoreError> {
    let mut out: Vec<Clash> = Vec::new();
    for chunk in merged(windows).chunks(WINDOWS_PER_QUERY) {
        let mut q = Sql::new(
            "SELECT b.session_part_id AS part_id, p.session_id, b.starts_at, b.ends_at, s.reference, \
             c.code AS course_code, COALESCE(s.title, c.title) AS title, s.time_zone, \
             COALESCE(rv.name, v.name) AS venue_name \
             FROM bookings b JOIN resources r ON r.id = b.resource_id \
             JOIN session_parts p ON p.id = b.session_part_id JOIN sessions s ON s.id = p.session_id \
             JOIN courses c ON c.id = s.course_id LEFT JOIN venues v ON v.id = s.venue_id \
             LEFT JOIN venues rv ON rv.id = r.venue_id WHERE b.resource_id = ",
        );
        q.int(resource_id)
            .push(" AND s.id <> ")
            .int(except_session_id)
            .push(ACTIVE)
            .push(" AND (");
        for (i, w) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(" OR ");
            }
            q.push("(b.starts_at < ")
                .int(w.end_ms)
                .push(" AND b.ends_at > ")
                .int(w.start_ms)
                .push(")");
        }
        q.push(")");
        for r in q.query().fetch_all(&mut *conn).await? {
            let c = from_row(&r, false)?;
            if !out.iter().any(|o| o.part_id == c.part_id) {
                out.push(c);
            }
        }
    }
    out.sort_by_key(|c| (c.starts_at, c.part_id));
    Ok(out)
}
