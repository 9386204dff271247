//! Reminders and joining instructions: their timing (one settings row), the sweep claims that make
//! each reminder go out once, and the bounded queries of the reminder job
//! (`trainyard_app::reminders::enqueue_due`).
//!
//! Sessions are "live" for reminders while `scheduled` or `confirmed`, not archived and not yet
//! started; recipients are booked learners and confirmed instructors. Each query walks the
//! `sessions_status_starts` index over a window of start times, so a run costs the sessions
//! starting within the largest offset, never the whole table.

use crate::row::{Col, Sql};
use crate::{Conn, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;

/// When reminders and joining instructions go out, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StoredSettings {
    /// Hours before the start, largest first; empty: no reminders.
    pub reminder_hours: Vec<i64>,
    /// Hours before the start; 0: no joining instructions.
    pub joining_hours: i64,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
    pub updated_by: Option<i64>,
    pub version: i64,
}

fn hours_list(raw: &str) -> Vec<i64> {
    let mut v: Vec<i64> = raw
        .split(',')
        .filter_map(|h| h.trim().parse::<i64>().ok())
        .filter(|h| *h > 0)
        .collect();
    v.sort_unstable_by(|a, b| b.cmp(a));
    v.dedup();
    v
}

fn settings_row(r: &AnyRow) -> Result<StoredSettings, sqlx::Error> {
    Ok(StoredSettings {
        reminder_hours: hours_list(&r.s("reminder_hours")?),
        joining_hours: r.i("joining_hours")?,
        updated_at: r.i("updated_at")?,
        updated_by: r.oi("updated_by")?,
        version: r.i("version")?,
    })
}

pub async fn settings(conn: &mut Conn) -> Result<StoredSettings, StoreError> {
    let r = sqlx::query(
        "SELECT reminder_hours, joining_hours, updated_at, updated_by, version FROM reminder_settings WHERE singleton = 1",
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(settings_row(&r)?)
}

/// Saves the timing; `version` is the one the editor read, someone else's save in between is
/// [`StoreError::Stale`].
pub async fn save_settings(
    conn: &mut Conn,
    reminder_hours: &[i64],
    joining_hours: i64,
    user_id: Option<i64>,
    version: i64,
    now: i64,
) -> Result<StoredSettings, StoreError> {
    let list = reminder_hours
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let n = sqlx::query(
        "UPDATE reminder_settings SET reminder_hours = $1, joining_hours = $2, updated_at = $3, updated_by = $4, \
         version = version + 1 WHERE singleton = 1 AND version = $5",
    )
    .bind(list)
    .bind(joining_hours)
    .bind(now)
    .bind(user_id)
    .bind(version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::Stale { expected: version });
    }
    settings(conn).await
}

// ------------------------------------------------------------------ the job's queries

/// Sessions taking reminders: active, not archived. (`sessions_status_starts` covers it.)
const LIVE: &str = "s.archived_at IS NULL AND s.status IN ('scheduled', 'confirmed')";

/// A session whose reminder at one offset is due and not yet handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueSession {
    pub session_id: i64,
    pub starts_at: i64,
}

fn due_row(r: &AnyRow) -> Result<DueSession, sqlx::Error> {
    Ok(DueSession {
        session_id: r.i("id")?,
        starts_at: r.i("starts_at")?,
    })
}

/// Live sessions starting in `(after, until]` whose reminder at `offset_hours` (for their current
/// start) has not been handled, soonest first, at most `limit`.
pub async fn sessions_due(
    conn: &mut Conn,
    after: i64,
    until: i64,
    offset_hours: i64,
    limit: i64,
) -> Result<Vec<DueSession>, StoreError> {
    let sql = format!(
        "SELECT s.id, s.starts_at FROM sessions s WHERE {LIVE} AND s.starts_at > $1 AND s.starts_at <= $2 \
         AND NOT EXISTS (SELECT 1 FROM reminder_sweeps w WHERE w.session_id = s.id AND w.starts_at = s.starts_at \
         AND w.offset_hours = $3) ORDER BY s.starts_at, s.id LIMIT $4"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after)
        .bind(until)
        .bind(offset_hours)
        .bind(limit.max(1))
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.iter().map(due_row).collect::<Result<_, _>>()?)
}

/// Claims the reminder of `session_id` at `offset_hours` for its start `starts_at`: true for the
/// one caller that inserts the claim; every other (concurrent or later) caller gets false. On
/// PostgreSQL a concurrent claimer waits for the first to commit or roll back.
pub async fn claim_sweep(
    conn: &mut Conn,
    session_id: i64,
    starts_at: i64,
    offset_hours: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "INSERT INTO reminder_sweeps (session_id, starts_at, offset_hours, swept_at, recipients) \
         VALUES ($1, $2, $3, $4, 0) ON CONFLICT (session_id, starts_at, offset_hours) DO NOTHING",
    )
    .bind(session_id)
    .bind(starts_at)
    .bind(offset_hours)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Records how many were reminded by a claimed sweep.
pub async fn set_sweep_recipients(
    conn: &mut Conn,
    session_id: i64,
    starts_at: i64,
    offset_hours: i64,
    recipients: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE reminder_sweeps SET recipients = $4 WHERE session_id = $1 AND starts_at = $2 AND offset_hours = $3",
    )
    .bind(session_id)
    .bind(starts_at)
    .bind(offset_hours)
    .bind(recipients)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Someone a session's reminder or joining instructions go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// `enrollment` (a booked learner) or `assignment` (a confirmed instructor).
    pub entity_type: &'static str,
    /// The enrollment's or assignment's id.
    pub entity_id: i64,
    /// True for an instructor.
    pub instructor: bool,
    pub name: String,
    pub email: String,
}

fn recipient_row(r: &AnyRow) -> Result<Recipient, sqlx::Error> {
    let instructor = r.s("who")? == "instructor";
    Ok(Recipient {
        entity_type: if instructor {
            "assignment"
        } else {
            "enrollment"
        },
        entity_id: r.i("ref_id")?,
        instructor,
        name: r.s("name")?,
        email: r.s("email")?,
    })
}

const BOOKED_LEARNERS: &str = "SELECT e.id AS ref_id, 'learner' AS who, l.first_name || ' ' || l.last_name AS name, l.email AS email \
    FROM enrollments e JOIN learners l ON l.id = e.learner_id WHERE e.session_id = $1 AND e.status = 'booked'";
const CONFIRMED_INSTRUCTORS: &str = "SELECT a.id AS ref_id, 'instructor' AS who, i.name AS name, i.email AS email \
    FROM assignments a JOIN instructors i ON i.id = a.instructor_id WHERE a.session_id = $1 AND a.status = 'confirmed'";

/// Booked learners and confirmed instructors of a session, learners first.
pub async fn recipients(conn: &mut Conn, session_id: i64) -> Result<Vec<Recipient>, StoreError> {
    let sql =
        format!("{BOOKED_LEARNERS} UNION ALL {CONFIRMED_INSTRUCTORS} ORDER BY who DESC, ref_id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(session_id)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.iter().map(recipient_row).collect::<Result<_, _>>()?)
}

/// The idempotency key of the joining instructions to one recipient for a session's start, as
/// the job writes it into the outbox. `kind` is `e` (enrollment) or `a` (assignment).
pub fn joining_key(session_id: i64, starts_at: i64, kind: char, id: i64) -> String {
    format!("joining-s{session_id}-{starts_at}-{kind}{id}")
}

/// The same key, as an SQL expression over `s` (the session) and `ref` (the row's id column).
fn joining_key_sql(kind: char, id_col: &str) -> String {
    format!(
        "'joining-s' || CAST(s.id AS TEXT) || '-' || CAST(s.starts_at AS TEXT) || '-{kind}' || CAST({id_col} AS TEXT)"
    )
}

pub(crate) fn without_joining(kind: char, id_col: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM outbox o WHERE o.idempotency_key = {})",
        joining_key_sql(kind, id_col)
    )
}

/// Live sessions starting in `(after, until]` with a booked learner or a confirmed instructor who
/// has not had the joining instructions for the session's current start, soonest first.
pub async fn sessions_missing_joining(
    conn: &mut Conn,
    after: i64,
    until: i64,
    limit: i64,
) -> Result<Vec<DueSession>, StoreError> {
    let sql = format!(
        "SELECT s.id, s.starts_at FROM sessions s WHERE {LIVE} AND s.starts_at > $1 AND s.starts_at <= $2 AND (\
         EXISTS (SELECT 1 FROM enrollments e WHERE e.session_id = s.id AND e.status = 'booked' AND {}) OR \
         EXISTS (SELECT 1 FROM assignments a WHERE a.session_id = s.id AND a.status = 'confirmed' AND {})) \
         ORDER BY s.starts_at, s.id LIMIT $3",
        without_joining('e', "e.id"),
        without_joining('a', "a.id"),
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after)
        .bind(until)
        .bind(limit.max(1))
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.iter().map(due_row).collect::<Result<_, _>>()?)
}

/// Booked learners and confirmed instructors of a session still without its joining
/// instructions (for its current start), learners first.
pub async fn missing_joining(
    conn: &mut Conn,
    session_id: i64,
) -> Result<Vec<Recipient>, StoreError> {
    let sql = format!(
        "SELECT e.id AS ref_id, 'learner' AS who, l.first_name || ' ' || l.last_name AS name, l.email AS email \
         FROM sessions s JOIN enrollments e ON e.session_id = s.id JOIN learners l ON l.id = e.learner_id \
         WHERE s.id = $1 AND e.status = 'booked' AND {} \
         UNION ALL \
         SELECT a.id AS ref_id, 'instructor' AS who, i.name AS name, i.email AS email \
         FROM sessions s JOIN assignments a ON a.session_id = s.id JOIN instructors i ON i.id = a.instructor_id \
         WHERE s.id = $1 AND a.status = 'confirmed' AND {} \
         ORDER BY who DESC, ref_id",
        without_joining('e', "e.id"),
        without_joining('a', "a.id"),
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(session_id)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.iter().map(recipient_row).collect::<Result<_, _>>()?)
}

/// The names of the rooms booked for a session, in booking order, without repeats.
pub async fn rooms(conn: &mut Conn, session_id: i64) -> Result<Vec<String>, StoreError> {
    let q = sqlx::query(
        "SELECT r.name AS name, min(b.id) AS first_id FROM bookings b JOIN resources r ON r.id = b.resource_id \
         JOIN session_parts p ON p.id = b.session_part_id \
         WHERE p.session_id = $1 AND r.kind = 'room' GROUP BY r.name ORDER BY first_id",
    )
    .bind(session_id);
    crate::row::fetch_all(conn, q, |r| r.s("name")).await
}

/// The messages a reminder sweep queues: stale once the session changes or the person leaves it.
const REMINDER_KINDS: &str = "('session_reminder', 'joining_instructions')";

/// Withdraws the reminders and joining instructions not yet sent about one enrollment or
/// assignment (`entity_type` "enrollment" or "assignment"); returns how many.
pub async fn withdraw_for(
    conn: &mut Conn,
    entity_type: &str,
    entity_id: i64,
) -> Result<u64, StoreError> {
    let mut q = Sql::new(
        "UPDATE outbox SET status = 'withdrawn', claimed_by = NULL, claimed_until = NULL \
         WHERE status = 'pending' AND kind IN ",
    );
    q.push(REMINDER_KINDS)
        .push(" AND entity_type = ")
        .text(entity_type)
        .push(" AND entity_id = ")
        .int(entity_id);
    Ok(q.query().execute(&mut *conn).await?.rows_affected())
}

/// Withdraws the reminders and joining instructions not yet sent to anyone on a session (it was
/// cancelled, postponed or moved; a move queues new ones for the new time).
pub async fn withdraw_for_session(conn: &mut Conn, session_id: i64) -> Result<u64, StoreError> {
    let mut q = Sql::new(
        "UPDATE outbox SET status = 'withdrawn', claimed_by = NULL, claimed_until = NULL \
         WHERE status = 'pending' AND kind IN ",
    );
    q.push(REMINDER_KINDS)
        .push(" AND ((entity_type = 'enrollment' AND entity_id IN (SELECT id FROM enrollments WHERE session_id = ")
        .int(session_id)
        .push(")) OR (entity_type = 'assignment' AND entity_id IN (SELECT id FROM assignments WHERE session_id = ")
        .int(session_id)
        .push(")))");
    Ok(q.query().execute(&mut *conn).await?.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_hours_read_largest_first_without_repeats() {
        assert_eq!(hours_list("24, 168,24,x,0"), vec![168, 24]);
        assert!(hours_list("").is_empty());
    }

    #[test]
    fn joining_keys_name_session_start_and_recipient() {
        assert_eq!(
            joining_key(7, 1_800_000_000_000, 'e', 42),
            "joining-s7-1800000000000-e42"
        );
    }
}
