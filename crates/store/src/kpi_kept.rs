//! The KPI counts kept summed ahead (migration 0050): the sessions' counts per quarter hour of
//! their start, and the teaching one narrow row per part and instructor. The database marks what
//! changed; [`take_marks`] takes the marks and [`recount`] counts their quarters and sessions
//! afresh from the raw rows, in the same transaction. `kpi::session_groups` and
//! `kpi::taught_minutes` read the kept rows.

use crate::row::{Col, Sql, fetch_all};
use crate::{Conn, StoreError};

/// The span the sessions' counts are kept per: a quarter hour, on which every time zone's local
/// midnight falls, so a report's days, weeks and months are whole quarters.
pub const QUARTER_MS: i64 = 900_000;

/// Statuses of the sessions whose teaching counts (as `kpi::teaching`).
const HELD: &str = "('scheduled', 'confirmed', 'delivered', 'closed')";

/// Takes up to `limit` marks, earliest quarter first: deleted in `tx`, which must [`recount`]
/// them before it commits. Returns each mark's session and quarter.
pub async fn take_marks(tx: &mut Conn, limit: i64) -> Result<Vec<(i64, i64)>, StoreError> {
    if tx.backend_name().eq_ignore_ascii_case("postgresql") {
        // Two processes recounting the same quarter would each delete what the other had not
        // committed yet and both insert: one recount at a time (SQLite writes one at a time).
        sqlx::query("SELECT pg_advisory_xact_lock(7235102)")
            .execute(&mut *tx)
            .await?;
    }
    let mut q = Sql::new(
        "DELETE FROM kpi_stale WHERE (quarter, session_id) IN \
         (SELECT quarter, session_id FROM kpi_stale ORDER BY quarter, session_id LIMIT ",
    );
    q.int(limit).push(") RETURNING session_id, quarter");
    fetch_all(tx, q.query(), |r| Ok((r.i("session_id")?, r.i("quarter")?))).await
}

fn list(q: &mut Sql, ids: &[i64]) {
    for (n, id) in ids.iter().enumerate() {
        q.push(if n == 0 { "" } else { ", " }).int(*id);
    }
}

/// Counts the teaching of `sessions` and the sessions starting in `quarters` afresh from the raw
/// rows (both sorted, without repeats).
pub async fn recount(tx: &mut Conn, sessions: &[i64], quarters: &[i64]) -> Result<(), StoreError> {
    for chunk in sessions.chunks(500) {
        let mut q = Sql::new("DELETE FROM kpi_teaching WHERE session_id IN (");
        list(&mut q, chunk);
        q.push(")");
        q.query().execute(&mut *tx).await?;
        let mut q = Sql::new(&format!(
            "INSERT INTO kpi_teaching (session_id, instructor_id, starts_at, ends_at) \
             SELECT s.id, a.instructor_id, p.starts_at, p.ends_at \
             FROM session_parts p JOIN sessions s ON s.id = p.session_id JOIN assignments a ON a.session_id = s.id \
             WHERE s.archived_at IS NULL AND s.status IN {HELD} AND p.status = 'scheduled' \
             AND a.status IN ('accepted', 'confirmed') AND s.id IN ("
        ));
        list(&mut q, chunk);
        q.push(")");
        q.query().execute(&mut *tx).await?;
    }
    for chunk in quarters.chunks(500) {
        let (Some(first), Some(last)) = (chunk.first(), chunk.last()) else {
            continue;
        };
        let mut q = Sql::new("DELETE FROM session_kpi_quarters WHERE quarter IN (");
        list(&mut q, chunk);
        q.push(")");
        q.query().execute(&mut *tx).await?;
        let mut q = Sql::new(
            "INSERT INTO session_kpi_quarters (quarter, status, postponed, reason, sessions, capacity, \
             booked, came, no_show, completed, staff_actions, admin_minutes, first_start, first_end, last_end) \
             SELECT s.starts_at / 900000, s.status, CASE WHEN s.kpi_postponements > 0 THEN 1 ELSE 0 END, \
             COALESCE(s.kpi_disruption_reason, s.status_reason), COUNT(*), SUM(s.capacity), SUM(s.booked_count), \
             SUM(s.kpi_came), SUM(s.kpi_no_show), SUM(s.kpi_completed), SUM(s.kpi_staff_actions), \
             SUM(s.kpi_admin_minutes), MIN(s.starts_at), MIN(s.ends_at), MAX(s.ends_at) \
             FROM sessions s WHERE s.archived_at IS NULL AND s.starts_at >= ",
        );
        // The range lets the start index narrow the read; the list keeps to the quarters taken.
        q.int(first * QUARTER_MS)
            .push(" AND s.starts_at < ")
            .int((last + 1) * QUARTER_MS)
            .push(" AND s.starts_at / 900000 IN (");
        list(&mut q, chunk);
        q.push(
            ") GROUP BY s.starts_at / 900000, s.status, CASE WHEN s.kpi_postponements > 0 THEN 1 ELSE 0 END, \
             COALESCE(s.kpi_disruption_reason, s.status_reason)",
        );
        q.query().execute(&mut *tx).await?;
    }
    Ok(())
}

/// Whether any mark waits to be counted.
pub async fn any_marked(conn: &mut Conn) -> Result<bool, StoreError> {
    let q = Sql::new("SELECT session_id FROM kpi_stale LIMIT 1");
    Ok(!fetch_all(conn, q.query(), |r| r.i("session_id"))
        .await?
        .is_empty())
}

/// How many marks wait to be counted (the doctor and the bench show it).
pub async fn pending(conn: &mut Conn) -> Result<i64, StoreError> {
    let q = Sql::new("SELECT CAST(count(*) AS BIGINT) AS n FROM kpi_stale");
    Ok(fetch_all(conn, q.query(), |r| r.i("n"))
        .await?
        .first()
        .copied()
        .unwrap_or(0))
}
