//! Instructors on sessions.

use crate::row::{Col, Sql};
use crate::{Conn, StoreError};
use serde::Serialize;
use trainyard_core::status::AssignmentStatus;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Assignment {
    pub id: i64,
    pub session_id: i64,
    pub instructor_id: i64,
    pub instructor_name: String,
    pub session_reference: String,
    pub course_title: String,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: i64,
    #[schema(value_type = trainyard_core::status::AssignmentRole)]
    pub role: String,
    pub status: AssignmentStatus,
    /// Why the instructor declined, in their words (declined assignments only).
    pub decline_reason: Option<String>,
    pub version: i64,
}

/// A new assignment. A busy status (accepted, confirmed) is reached through `set_status`, so the
/// instructor's slots are written with it: no caller can create a busy assignment without them.
pub async fn insert(
    conn: &mut Conn,
    session_id: i64,
    instructor_id: i64,
    role: &str,
    status: AssignmentStatus,
    now: i64,
) -> Result<i64, StoreError> {
    let initial = if status.is_busy() {
        AssignmentStatus::Proposed
    } else {
        status
    };
    let r = sqlx::query(
        "INSERT INTO assignments (session_id, instructor_id, role, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(session_id)
    .bind(instructor_id)
    .bind(role)
    .bind(initial.as_str())
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    let id = r.i("id")?;
    if status.is_busy() {
        let version = get(conn, id).await?.version;
        set_status(conn, id, version, status, None, None, now).await?;
    }
    Ok(id)
}

const SELECT: &str = "SELECT a.id, a.session_id, a.instructor_id, i.name, s.reference, c.title, s.starts_at, s.ends_at, a.role, a.status, a.decline_reason, a.version \
    FROM assignments a JOIN instructors i ON i.id = a.instructor_id JOIN sessions s ON s.id = a.session_id JOIN courses c ON c.id = s.course_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Assignment, sqlx::Error> {
    Ok(Assignment {
        id: r.i("id")?,
        session_id: r.i("session_id")?,
        instructor_id: r.i("instructor_id")?,
        instructor_name: r.s("name")?,
        session_reference: r.s("reference")?,
        course_title: r.s("title")?,
        starts_at: r.i("starts_at")?,
        ends_at: r.i("ends_at")?,
        role: r.s("role")?,
        status: AssignmentStatus::parse(&r.s("status")?).map_err(crate::courses::decode_err)?,
        decline_reason: r.os("decline_reason")?,
        version: r.i("version")?,
    })
}

pub async fn for_session(conn: &mut Conn, session_id: i64) -> Result<Vec<Assignment>, StoreError> {
    let mut q = Sql::new(SELECT);
    q.push(" WHERE a.session_id = ")
        .int(session_id)
        .push(" ORDER BY a.id");
    crate::row::fetch_all(conn, q.query(), from_row).await
}

/// An instructor's assignments from `from_ms` on, soonest first.
pub async fn for_instructor(
    conn: &mut Conn,
    instructor_id: i64,
    from_ms: i64,
) -> Result<Vec<Assignment>, StoreError> {
    let mut q = Sql::new(SELECT);
    q.push(" WHERE a.instructor_id = ")
        .int(instructor_id)
        .push(" AND s.ends_at > ")
        .int(from_ms);
    q.push(" ORDER BY s.starts_at LIMIT 200");
    crate::row::fetch_all(conn, q.query(), from_row).await
}

/// The assignment record as the workflow needs it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AssignmentRecord {
    pub id: i64,
    pub session_id: i64,
    pub instructor_id: i64,
    #[schema(value_type = trainyard_core::status::AssignmentRole)]
    pub role: String,
    pub status: AssignmentStatus,
    pub replaces_assignment_id: Option<i64>,
    pub override_reason: Option<String>,
    /// Why the instructor declined, in their words (declined assignments only).
    pub decline_reason: Option<String>,
    pub version: i64,
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<AssignmentRecord, StoreError> {
    let r = sqlx::query(
        "SELECT id, session_id, instructor_id, role, status, replaces_assignment_id, override_reason, decline_reason, version FROM assignments WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(AssignmentRecord {
        id: r.i("id")?,
        session_id: r.i("session_id")?,
        instructor_id: r.i("instructor_id")?,
        role: r.s("role")?,
        status: AssignmentStatus::parse(&r.s("status")?).map_err(crate::courses::decode_err)?,
        replaces_assignment_id: r.oi("replaces_assignment_id")?,
        override_reason: r.os("override_reason")?,
        decline_reason: r.os("decline_reason")?,
        version: r.i("version")?,
    })
}

/// Records why the instructor declined (in the transaction that declines).
pub async fn set_decline_reason(conn: &mut Conn, id: i64, reason: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE assignments SET decline_reason = $1 WHERE id = $2")
        .bind(reason)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn insert_replacing(
    conn: &mut Conn,
    session_id: i64,
    instructor_id: i64,
    role: &str,
    replaces: i64,
    now: i64,
) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO assignments (session_id, instructor_id, role, status, replaces_assignment_id, created_at, updated_at) \
         VALUES ($1, $2, $3, 'proposed', $4, $5, $5) RETURNING id",
    )
    .bind(session_id)
    .bind(instructor_id)
    .bind(role)
    .bind(replaces)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.i("id")?)
}

/// Moves an assignment to `status` — the only way an assignment becomes busy or stops being busy.
/// Entering a busy state (accepted, confirmed) writes one instructor slot per scheduled part of
/// an active session *before* the status, so the database's no-overlap rule sees it (an overlap
/// fails with `StoreError::Overlap`); leaving it frees the slots. The database refuses a busy
/// status without its slots (migration 0010), so a writer that went around this function fails.
pub async fn set_status(
    conn: &mut Conn,
    id: i64,
    version: i64,
    status: AssignmentStatus,
    override_reason: Option<&str>,
    override_by: Option<i64>,
    now: i64,
) -> Result<(), StoreError> {
    if status.is_busy() {
        occupy(conn, id).await?;
    }
    let n = sqlx::query(
        "UPDATE assignments SET status = $1, override_reason = COALESCE($2, override_reason), override_by = COALESCE($3, override_by), \
         updated_at = $4, version = version + 1 WHERE id = $5 AND version = $6",
    )
    .bind(status.as_str())
    .bind(override_reason.map(str::to_owned))
    .bind(override_by)
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    crate::row::check_updated(conn, "assignments", id, version, n).await?;
    if !status.is_busy() {
        release(conn, id).await?;
    }
    Ok(())
}

/// (Re)writes the assignment's slots: exactly the scheduled parts of its session, when the
/// session is active (not cancelled or postponed) — the same rule as `sessions::resync_slots`.
async fn occupy(conn: &mut Conn, assignment_id: i64) -> Result<(), StoreError> {
    release(conn, assignment_id).await?;
    sqlx::query(
        "INSERT INTO instructor_slots (assignment_id, instructor_id, session_part_id, starts_at, ends_at) \
         SELECT a.id, a.instructor_id, p.id, p.starts_at, p.ends_at FROM assignments a \
         JOIN sessions s ON s.id = a.session_id JOIN session_parts p ON p.session_id = s.id \
         WHERE a.id = $1 AND p.status = 'scheduled' AND s.status NOT IN ('cancelled', 'postponed') ORDER BY p.starts_at",
    )
    .bind(assignment_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn release(conn: &mut Conn, assignment_id: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM instructor_slots WHERE assignment_id = $1")
        .bind(assignment_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Takes the instructor's row lock first, so that confirmations of one instructor run one at a time
/// and each sees the others' slots (the "write first" rule).
pub async fn lock_instructor(conn: &mut Conn, instructor_id: i64) -> Result<(), StoreError> {
    let n = sqlx::query("UPDATE instructors SET version = version WHERE id = $1")
        .bind(instructor_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if n == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// A slot another session holds, with what to call it in an explanation.
#[derive(Debug, Clone)]
pub struct BusySlot {
    pub session_id: i64,
    pub starts_at: i64,
    pub ends_at: i64,
    pub venue_id: Option<i64>,
    pub venue_name: Option<String>,
    pub label: String,
    pub quantity: i64,
}

fn busy_from(r: &sqlx::any::AnyRow) -> Result<BusySlot, sqlx::Error> {
    Ok(BusySlot {
        session_id: r.i("session_id")?,
        starts_at: r.i("starts_at")?,
        ends_at: r.i("ends_at")?,
        venue_id: r.oi("venue_id")?,
        venue_name: r.os("venue_name")?,
        label: format!("{} {}", r.s("reference")?, r.s("title")?),
        quantity: r.i("quantity")?,
    })
}

/// The instructor's confirmed teaching in `[from, to)`, other than `except_session`.
pub async fn busy_slots(
    conn: &mut Conn,
    instructor_id: i64,
    from: i64,
    to: i64,
    except_session: i64,
) -> Result<Vec<BusySlot>, StoreError> {
    let rows = sqlx::query(
        "SELECT p.session_id, sl.starts_at, sl.ends_at, s.venue_id, v.name AS venue_name, s.reference, c.title, 1 AS quantity \
         FROM instructor_slots sl JOIN session_parts p ON p.id = sl.session_part_id JOIN sessions s ON s.id = p.session_id \
         JOIN courses c ON c.id = s.course_id LEFT JOIN venues v ON v.id = s.venue_id \
         WHERE sl.instructor_id = $1 AND sl.starts_at < $3 AND sl.ends_at > $2 AND p.session_id <> $4 ORDER BY sl.starts_at",
    )
    .bind(instructor_id)
    .bind(from)
    .bind(to)
    .bind(except_session)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().map(busy_from).collect::<Result<_, _>>()?)
}

/// Contract validity windows of an instructor.
pub async fn contracts(
    conn: &mut Conn,
    instructor_id: i64,
) -> Result<Vec<(i64, Option<i64>)>, StoreError> {
    let q = sqlx::query(
        "SELECT valid_from, valid_to FROM instructor_contracts WHERE instructor_id = $1",
    )
    .bind(instructor_id);
    crate::row::fetch_all(conn, q, |r| Ok((r.i("valid_from")?, r.oi("valid_to")?))).await
}

/// Assignments that need a coordinator: proposed, requested (awaiting an answer) or declined, for
/// sessions that have not ended.
pub async fn needing_action(conn: &mut Conn, now: i64) -> Result<Vec<Assignment>, StoreError> {
    let mut q = Sql::new(SELECT);
    q.push(" WHERE a.status IN ('proposed', 'requested', 'accepted', 'declined') AND s.ends_at > ")
        .int(now);
    q.push(" AND s.status NOT IN ('cancelled', 'closed') AND NOT EXISTS (SELECT 1 FROM assignments r WHERE r.replaces_assignment_id = a.id)");
    q.push(" ORDER BY s.starts_at LIMIT 200");
    crate::row::fetch_all(conn, q.query(), from_row).await
}

/// A session whose accepted or confirmed instructor has time off during one of its parts.
#[derive(Debug, Clone, Serialize)]
pub struct OnLeave {
    pub session_id: i64,
    pub reference: String,
    pub course_title: String,
    /// The first part that falls in the time off.
    pub starts_at: i64,
    pub time_zone: String,
    pub instructor_name: String,
    pub reason: String,
}

/// Sessions (parts ending after `from`) taught by someone on time off then: at most 50, soonest
/// first.
pub async fn teaching_on_time_off(conn: &mut Conn, from: i64) -> Result<Vec<OnLeave>, StoreError> {
    let q = sqlx::query(
        "SELECT s.id, s.reference, c.title, MIN(sl.starts_at) AS starts_at, s.time_zone, i.name, o.reason \
         FROM instructor_slots sl JOIN instructor_time_off o ON o.instructor_id = sl.instructor_id \
         AND o.starts_at < sl.ends_at AND sl.starts_at < o.ends_at \
         JOIN session_parts p ON p.id = sl.session_part_id JOIN sessions s ON s.id = p.session_id \
         JOIN courses c ON c.id = s.course_id JOIN instructors i ON i.id = sl.instructor_id \
         WHERE sl.ends_at > $1 GROUP BY s.id, s.reference, c.title, s.time_zone, i.name, o.reason \
         ORDER BY MIN(sl.starts_at), s.id LIMIT 50",
    )
    .bind(from);
    crate::row::fetch_all(conn, q, |r| {
        Ok(OnLeave {
            session_id: r.i("id")?,
            reference: r.s("reference")?,
            course_title: r.s("title")?,
            starts_at: r.i("starts_at")?,
            time_zone: r.s("time_zone")?,
            instructor_name: r.s("name")?,
            reason: r.s("reason")?,
        })
    })
    .await
}
