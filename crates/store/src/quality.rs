//! Operations quality signals (issue 16 §6): the delivered sessions of a period and, one query per
//! family, which of them had a late change, joining instructions sent late (or never), an
//! instructor who did not turn up, or complaints. Plus the writes behind them: complaints, an
//! assignment's no-show mark, late changes recorded as they are made.

use crate::row::{Col, fetch_all};
use crate::{Conn, StoreError};
use serde::Serialize;

const HOUR: i64 = 3_600_000;
/// Delivered sessions (delivered or closed) starting in `[$1, $2)`, optionally of client `$3`.
const DELIVERED: &str = "s.status IN ('delivered', 'closed') AND s.starts_at >= $1 AND s.starts_at < $2 \
    AND ($3 = 0 OR s.client_id = $3)";

/// A delivered session as the quality page lists it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeliveredSession {
    pub id: i64,
    pub reference: String,
    pub course_title: String,
    pub client_id: Option<i64>,
    pub client_name: Option<String>,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: i64,
}

/// The period's delivered sessions, in start order.
pub async fn delivered(
    conn: &mut Conn,
    from: i64,
    until: i64,
    client_id: Option<i64>,
) -> Result<Vec<DeliveredSession>, StoreError> {
    let sql = format!(
        "SELECT s.id, s.reference, c.title AS course_title, s.client_id, cl.name AS client_name, s.starts_at \
         FROM sessions s JOIN courses c ON c.id = s.course_id LEFT JOIN clients cl ON cl.id = s.client_id \
         WHERE {DELIVERED} ORDER BY s.starts_at, s.id"
    );
    let q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(from)
        .bind(until)
        .bind(client_id.unwrap_or(0));
    fetch_all(conn, q, |r| {
        Ok(DeliveredSession {
            id: r.i("id")?,
            reference: r.s("reference")?,
            course_title: r.s("course_title")?,
            client_id: r.oi("client_id")?,
            client_name: r.os("client_name")?,
            starts_at: r.i("starts_at")?,
        })
    })
    .await
}

async fn counts(
    conn: &mut Conn,
    sql: String,
    from: i64,
    until: i64,
    client_id: Option<i64>,
) -> Result<Vec<(i64, i64)>, StoreError> {
    let q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(from)
        .bind(until)
        .bind(client_id.unwrap_or(0));
    fetch_all(conn, q, |r| Ok((r.i("session_id")?, r.i("n")?))).await
}

/// (session, late changes) of the period's delivered sessions that had any.
pub async fn late_changes(
    conn: &mut Conn,
    from: i64,
    until: i64,
    client_id: Option<i64>,
) -> Result<Vec<(i64, i64)>, StoreError> {
    let sql = format!(
        "SELECT x.session_id, count(*) AS n FROM session_late_changes x JOIN sessions s ON s.id = x.session_id \
         WHERE {DELIVERED} GROUP BY x.session_id"
    );
    counts(conn, sql, from, until, client_id).await
}

/// (session, instructors marked no-show) of the period's delivered sessions that had any.
pub async fn instructor_no_shows(
    conn: &mut Conn,
    from: i64,
    until: i64,
    client_id: Option<i64>,
) -> Result<Vec<(i64, i64)>, StoreError> {
    let sql = format!(
        "SELECT a.session_id, count(*) AS n FROM assignments a JOIN sessions s ON s.id = a.session_id \
         WHERE a.no_show = 1 AND {DELIVERED} GROUP BY a.session_id"
    );
    counts(conn, sql, from, until, client_id).await
}

/// (session, complaints) of the period's delivered sessions that had any.
pub async fn complaint_counts(
    conn: &mut Conn,
    from: i64,
    until: i64,
    client_id: Option<i64>,
) -> Result<Vec<(i64, i64)>, StoreError> {
    let sql = format!(
        "SELECT x.session_id, count(*) AS n FROM complaints x JOIN sessions s ON s.id = x.session_id \
         WHERE {DELIVERED} GROUP BY x.session_id"
    );
    counts(conn, sql, from, until, client_id).await
}

/// (session, learners without timely joining instructions) of the period's delivered sessions:
/// learners who attended (or were booked), enrolled before the deadline (`joining_hours` before
/// the start), whose joining instructions for the session's start were queued after it or never.
/// Nothing when joining instructions are turned off (`joining_hours` 0).
pub async fn joining_late(
    conn: &mut Conn,
    from: i64,
    until: i64,
    client_id: Option<i64>,
    joining_hours: i64,
) -> Result<Vec<(i64, i64)>, StoreError> {
    if joining_hours <= 0 {
        return Ok(Vec::new());
    }
    let deadline = format!("(s.starts_at - {})", joining_hours * HOUR);
    let key = "'joining-s' || CAST(s.id AS TEXT) || '-' || CAST(s.starts_at AS TEXT) || '-e' || CAST(e.id AS TEXT)";
    let sql = format!(
        "SELECT e.session_id, count(*) AS n FROM enrollments e JOIN sessions s ON s.id = e.session_id \
         WHERE {DELIVERED} AND e.status IN ('booked', 'attended', 'completed', 'no_show') \
         AND e.created_at <= {deadline} \
         AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.idempotency_key = {key} AND o.created_at <= {deadline}) \
         GROUP BY e.session_id"
    );
    counts(conn, sql, from, until, client_id).await
}

/// Records a late change of a session (times, venue or instructor).
pub async fn record_late_change(
    conn: &mut Conn,
    session_id: i64,
    what: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO session_late_changes (session_id, changed_at, what) VALUES ($1, $2, $3)",
    )
    .bind(session_id)
    .bind(now)
    .bind(what.to_owned())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A complaint logged against a session, and its resolution once resolved.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Complaint {
    pub id: i64,
    pub session_id: i64,
    pub session_reference: String,
    pub client_id: Option<i64>,
    pub client_name: Option<String>,
    pub body: String,
    pub logged_by: Option<i64>,
    pub logged_by_name: Option<String>,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub logged_at: i64,
    /// When it was resolved; absent while the complaint is open.
    #[serde(serialize_with = "crate::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub resolved_at: Option<i64>,
    /// What was done about it (set with `resolved_at`).
    pub resolution: Option<String>,
    pub resolved_by: Option<i64>,
    pub resolved_by_name: Option<String>,
}

const COMPLAINT_COLUMNS: &str = "x.id, x.session_id, s.reference AS session_reference, x.client_id, \
    cl.name AS client_name, x.body, x.logged_by, u.display_name AS logged_by_name, x.logged_at, x.resolved_at, \
    x.resolution, x.resolved_by, r.display_name AS resolved_by_name FROM complaints x \
    JOIN sessions s ON s.id = x.session_id LEFT JOIN clients cl ON cl.id = x.client_id \
    LEFT JOIN users u ON u.id = x.logged_by LEFT JOIN users r ON r.id = x.resolved_by";

fn complaint_row(r: &sqlx::any::AnyRow) -> Result<Complaint, sqlx::Error> {
    Ok(Complaint {
        id: r.i("id")?,
        session_id: r.i("session_id")?,
        session_reference: r.s("session_reference")?,
        client_id: r.oi("client_id")?,
        client_name: r.os("client_name")?,
        body: r.s("body")?,
        logged_by: r.oi("logged_by")?,
        logged_by_name: r.os("logged_by_name")?,
        logged_at: r.i("logged_at")?,
        resolved_at: r.oi("resolved_at")?,
        resolution: r.os("resolution")?,
        resolved_by: r.oi("resolved_by")?,
        resolved_by_name: r.os("resolved_by_name")?,
    })
}

pub async fn insert_complaint(
    conn: &mut Conn,
    session_id: i64,
    client_id: Option<i64>,
    body: &str,
    logged_by: Option<i64>,
    now: i64,
) -> Result<i64, StoreError> {
    let q = sqlx::query(
        "INSERT INTO complaints (session_id, client_id, body, logged_by, logged_at) VALUES ($1, $2, $3, $4, $5) \
         RETURNING id",
    )
    .bind(session_id)
    .bind(client_id)
    .bind(body.to_owned())
    .bind(logged_by)
    .bind(now);
    fetch_all(conn, q, |r| r.i("id"))
        .await?
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound)
}

/// The complaints about a session, oldest first.
pub async fn complaints_of(conn: &mut Conn, session_id: i64) -> Result<Vec<Complaint>, StoreError> {
    let sql =
        format!("SELECT {COMPLAINT_COLUMNS} WHERE x.session_id = $1 ORDER BY x.logged_at, x.id");
    fetch_all(
        conn,
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(session_id),
        complaint_row,
    )
    .await
}

/// One complaint.
pub async fn complaint(conn: &mut Conn, id: i64) -> Result<Complaint, StoreError> {
    let sql = format!("SELECT {COMPLAINT_COLUMNS} WHERE x.id = $1");
    fetch_all(
        conn,
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id),
        complaint_row,
    )
    .await?
    .into_iter()
    .next()
    .ok_or(StoreError::NotFound)
}

/// The complaints about the period's delivered sessions (those the complaint signal counts):
/// open ones first, then newest first; at most `limit`.
pub async fn complaints_in(
    conn: &mut Conn,
    from: i64,
    until: i64,
    client_id: Option<i64>,
    limit: i64,
) -> Result<Vec<Complaint>, StoreError> {
    let sql = format!(
        "SELECT {COMPLAINT_COLUMNS} WHERE {DELIVERED} \
         ORDER BY CASE WHEN x.resolved_at IS NULL THEN 0 ELSE 1 END, x.logged_at DESC, x.id DESC LIMIT $4"
    );
    let q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(from)
        .bind(until)
        .bind(client_id.unwrap_or(0))
        .bind(limit.max(1));
    fetch_all(conn, q, complaint_row).await
}

/// (open, resolved) complaints about the period's delivered sessions.
pub async fn complaint_standing(
    conn: &mut Conn,
    from: i64,
    until: i64,
    client_id: Option<i64>,
) -> Result<(i64, i64), StoreError> {
    let sql = format!(
        "SELECT count(x.id) AS n, count(x.resolved_at) AS resolved FROM complaints x \
         JOIN sessions s ON s.id = x.session_id WHERE {DELIVERED}"
    );
    let q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(from)
        .bind(until)
        .bind(client_id.unwrap_or(0));
    let (n, resolved) = fetch_all(conn, q, |r| Ok((r.i("n")?, r.i("resolved")?)))
        .await?
        .into_iter()
        .next()
        .unwrap_or((0, 0));
    Ok((n - resolved, resolved))
}

/// Resolves an open complaint with what was done: false when it was already resolved (the
/// guard makes two concurrent resolutions end with one).
pub async fn resolve_complaint(
    conn: &mut Conn,
    id: i64,
    resolution: &str,
    resolved_by: Option<i64>,
    now: i64,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE complaints SET resolved_at = $1, resolution = $2, resolved_by = $3 \
         WHERE id = $4 AND resolved_at IS NULL",
    )
    .bind(now)
    .bind(resolution.to_owned())
    .bind(resolved_by)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Marks (or unmarks) an assignment's instructor as not having turned up; false when the
/// assignment is not the session's.
pub async fn set_no_show(
    conn: &mut Conn,
    session_id: i64,
    assignment_id: i64,
    no_show: bool,
) -> Result<bool, StoreError> {
    let n = sqlx::query("UPDATE assignments SET no_show = $1 WHERE id = $2 AND session_id = $3")
        .bind(i64::from(no_show))
        .bind(assignment_id)
        .bind(session_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// The assignments of a session marked no-show.
pub async fn no_shows_of(conn: &mut Conn, session_id: i64) -> Result<Vec<i64>, StoreError> {
    let q =
        sqlx::query("SELECT id FROM assignments WHERE session_id = $1 AND no_show = 1 ORDER BY id")
            .bind(session_id);
    fetch_all(conn, q, |r| r.i("id")).await
}
