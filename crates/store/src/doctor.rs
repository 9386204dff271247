//! The consistency check (`trainyard doctor`): queries that find data breaking a scheduling rule
//! the database is meant to guard — however it got there (a writer that went around the store
//! functions, a database from before a guard existed, a restored backup). Each query is bounded.

use crate::row::Col;
use crate::{Conn, StoreError};
use serde::Serialize;

/// One thing the check found: which rule, what it concerns, and what is wrong, in words.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Finding {
    pub check: &'static str,
    pub message: String,
}

// Each check reports at most 200 findings (LIMIT 200). Busy means accepted or confirmed; an
// active session is one neither cancelled nor postponed — the rule of `sessions::resync_slots`.

fn when(ms: i64) -> String {
    trainyard_core::time::rfc3339(ms)
}

/// Accepted or confirmed assignments missing an instructor slot for a scheduled part of their
/// (active) session: the no-overlap rule cannot see them.
pub async fn busy_assignments_without_slots(conn: &mut Conn) -> Result<Vec<Finding>, StoreError> {
    let sql = "SELECT a.id, a.status, i.name, s.reference, p.starts_at FROM assignments a \
         JOIN instructors i ON i.id = a.instructor_id JOIN sessions s ON s.id = a.session_id \
         JOIN session_parts p ON p.session_id = s.id \
         WHERE a.status IN ('accepted', 'confirmed') AND s.status NOT IN ('cancelled', 'postponed') AND p.status = 'scheduled' \
         AND NOT EXISTS (SELECT 1 FROM instructor_slots sl WHERE sl.assignment_id = a.id AND sl.session_part_id = p.id) \
         ORDER BY a.id, p.starts_at LIMIT 200";
    let q = sqlx::query(sql);
    crate::row::fetch_all(conn, q, |r| {
        Ok(Finding {
            check: "assignment_without_slot",
            message: format!(
                "Assignment {} ({} on {}, {}) holds no instructor slot for the part starting {}.",
                r.i("id")?,
                r.s("name")?,
                r.s("reference")?,
                r.s("status")?,
                when(r.i("starts_at")?)
            ),
        })
    })
    .await
}

/// Confirmed room bookings of a scheduled part of an active session without their unit slot.
pub async fn confirmed_rooms_without_slots(conn: &mut Conn) -> Result<Vec<Finding>, StoreError> {
    let sql = "SELECT b.id, r.name, s.reference, b.starts_at FROM bookings b JOIN resources r ON r.id = b.resource_id \
         JOIN session_parts p ON p.id = b.session_part_id JOIN sessions s ON s.id = p.session_id \
         WHERE b.status = 'confirmed' AND r.kind = 'room' AND p.status = 'scheduled' AND s.status NOT IN ('cancelled', 'postponed') \
         AND NOT EXISTS (SELECT 1 FROM unit_slots u WHERE u.booking_id = b.id) ORDER BY b.id LIMIT 200";
    let q = sqlx::query(sql);
    crate::row::fetch_all(conn, q, |r| {
        Ok(Finding {
            check: "booking_without_slot",
            message: format!(
                "Booking {} ({} for {}, starting {}) is confirmed but holds no room slot.",
                r.i("id")?,
                r.s("name")?,
                r.s("reference")?,
                when(r.i("starts_at")?)
            ),
        })
    })
    .await
}

/// Two instructor slots of one instructor that overlap.
pub async fn overlapping_instructor_slots(conn: &mut Conn) -> Result<Vec<Finding>, StoreError> {
    let sql = "SELECT i.name, x.assignment_id AS a1, y.assignment_id AS a2, x.starts_at, y.starts_at AS other_start \
         FROM instructor_slots x JOIN instructor_slots y ON y.instructor_id = x.instructor_id AND y.id > x.id \
         AND y.starts_at < x.ends_at AND x.starts_at < y.ends_at JOIN instructors i ON i.id = x.instructor_id \
         ORDER BY x.id, y.id LIMIT 200";
    let q = sqlx::query(sql);
    crate::row::fetch_all(conn, q, |r| {
        Ok(Finding {
            check: "instructor_slots_overlap",
            message: format!(
                "{}'s slots overlap: assignment {} from {} and assignment {} from {}.",
                r.s("name")?,
                r.i("a1")?,
                when(r.i("starts_at")?),
                r.i("a2")?,
                when(r.i("other_start")?)
            ),
        })
    })
    .await
}

/// Two busy assignments of one instructor whose sessions' scheduled parts overlap — found from
/// the sessions themselves, so it holds even where slots are missing.
pub async fn double_booked_instructors(conn: &mut Conn) -> Result<Vec<Finding>, StoreError> {
    let sql = "SELECT i.name, a1.id AS a1, a2.id AS a2, s1.reference AS r1, s2.reference AS r2, CAST(min(p1.starts_at) AS BIGINT) AS first_clash \
         FROM assignments a1 JOIN assignments a2 ON a2.instructor_id = a1.instructor_id AND a2.id > a1.id \
         JOIN sessions s1 ON s1.id = a1.session_id JOIN sessions s2 ON s2.id = a2.session_id \
         JOIN session_parts p1 ON p1.session_id = s1.id JOIN session_parts p2 ON p2.session_id = s2.id \
         JOIN instructors i ON i.id = a1.instructor_id \
         WHERE a1.status IN ('accepted', 'confirmed') AND a2.status IN ('accepted', 'confirmed') AND s1.status NOT IN ('cancelled', 'postponed') AND s2.status NOT IN ('cancelled', 'postponed') \
         AND p1.status = 'scheduled' AND p2.status = 'scheduled' AND p1.starts_at < p2.ends_at AND p2.starts_at < p1.ends_at \
         GROUP BY i.name, a1.id, a2.id, s1.reference, s2.reference ORDER BY a1.id, a2.id LIMIT 200";
    let q = sqlx::query(sql);
    crate::row::fetch_all(conn, q, |r| {
        Ok(Finding {
            check: "instructor_double_booked",
            message: format!(
                "{} is on {} (assignment {}) and {} (assignment {}) at the same time, from {}.",
                r.s("name")?,
                r.s("r1")?,
                r.i("a1")?,
                r.s("r2")?,
                r.i("a2")?,
                when(r.i("first_clash")?)
            ),
        })
    })
    .await
}

/// Two unit slots of one room that overlap.
pub async fn overlapping_room_slots(conn: &mut Conn) -> Result<Vec<Finding>, StoreError> {
    let sql = "SELECT r.name, x.booking_id AS b1, y.booking_id AS b2, x.starts_at FROM unit_slots x \
         JOIN unit_slots y ON y.resource_id = x.resource_id AND y.id > x.id AND y.starts_at < x.ends_at AND x.starts_at < y.ends_at \
         JOIN resources r ON r.id = x.resource_id ORDER BY x.id, y.id LIMIT 200";
    let q = sqlx::query(sql);
    crate::row::fetch_all(conn, q, |r| {
        Ok(Finding {
            check: "room_slots_overlap",
            message: format!(
                "{} is booked twice: bookings {} and {}, from {}.",
                r.s("name")?,
                r.i("b1")?,
                r.i("b2")?,
                when(r.i("starts_at")?)
            ),
        })
    })
    .await
}

/// Instructor slots held by an assignment that is no longer busy, or for a part or session that
/// no longer takes place: time blocked for nothing.
pub async fn stale_instructor_slots(conn: &mut Conn) -> Result<Vec<Finding>, StoreError> {
    let sql = "SELECT sl.id, a.id AS assignment_id, a.status, i.name FROM instructor_slots sl JOIN assignments a ON a.id = sl.assignment_id \
         JOIN instructors i ON i.id = sl.instructor_id JOIN session_parts p ON p.id = sl.session_part_id \
         JOIN sessions s ON s.id = p.session_id \
         WHERE a.status NOT IN ('accepted', 'confirmed') OR p.status <> 'scheduled' OR s.status IN ('cancelled', 'postponed') OR sl.instructor_id <> a.instructor_id \
         ORDER BY sl.id LIMIT 200";
    let q = sqlx::query(sql);
    crate::row::fetch_all(conn, q, |r| {
        Ok(Finding {
            check: "stale_instructor_slot",
            message: format!(
                "Slot {} blocks {}'s time for assignment {}, which is {} or no longer scheduled.",
                r.i("id")?,
                r.s("name")?,
                r.i("assignment_id")?,
                r.s("status")?
            ),
        })
    })
    .await
}
