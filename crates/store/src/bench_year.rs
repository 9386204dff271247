//! A year of operations for the reporting and profitability benchmarks (`trainyard bench year`):
//! instructors, learners, sessions, their parts, a confirmed lead instructor each and their
//! enrollments, written by a handful of set-based statements (a recursive counter joined to the
//! catalogue) rather than a million round trips. Meant for a fresh database: the rows it makes
//! are numbered from the ids it finds free, and it checks that they came out consecutive.

use crate::row::Col;
use crate::{Conn, StoreError};

/// How big a year to make.
#[derive(Debug, Clone, Copy)]
pub struct YearShape {
    pub sessions: i64,
    pub enrollments_per_session: i64,
    pub instructors: i64,
    pub learners: i64,
    /// First instant of the year (UTC ms, midnight); sessions are spread evenly over 365 days.
    pub from_ms: i64,
    /// Sessions ending before this are delivered or closed (one in twenty cancelled); later ones
    /// are scheduled or confirmed.
    pub now_ms: i64,
}

const DAY_MS: i64 = 86_400_000;

/// The counter `n(i)` from 1 to `$1`, as both SQLite and PostgreSQL write it.
const COUNTER: &str = "WITH RECURSIVE n(i) AS (SELECT CAST(1 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i < CAST($1 AS BIGINT)) ";

async fn count(conn: &mut Conn, sql: &str) -> Result<i64, StoreError> {
    let r = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&mut *conn)
        .await?;
    Ok(r.i("n")?)
}

/// The first id of `n` rows just made in `table` by one statement, after checking they are
/// consecutive (the generator addresses them by offset).
async fn block(conn: &mut Conn, table: &str, first_after: i64, n: i64) -> Result<i64, StoreError> {
    let sql = format!(
        "SELECT COALESCE(MIN(id), 0) AS lo, COALESCE(MAX(id), 0) AS hi, COUNT(*) AS n FROM {table} WHERE id > $1"
    );
    let r = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(first_after)
        .fetch_one(&mut *conn)
        .await?;
    let (lo, hi, made) = (r.i("lo")?, r.i("hi")?, r.i("n")?);
    if made != n || hi - lo + 1 != n {
        return Err(StoreError::BadParameter {
            name: "database",
            message: format!(
                "the year's {table} did not come out consecutive ({made} rows, ids {lo}..{hi}): use a fresh database"
            ),
        });
    }
    Ok(lo)
}

async fn max_id(conn: &mut Conn, table: &str) -> Result<i64, StoreError> {
    count(
        conn,
        &format!("SELECT COALESCE(MAX(id), 0) AS n FROM {table}"),
    )
    .await
}

/// Instructors with a Monday-to-Friday 08:00–18:00 week and a day rate; returns the first id.
pub async fn instructors(conn: &mut Conn, shape: &YearShape, now: i64) -> Result<i64, StoreError> {
    let before = max_id(conn, "instructors").await?;
    let sql = format!(
        "INSERT INTO instructors (name, email, employment_type, time_zone, currency, day_rate_minor, \
         hour_rate_minor, max_days_week, max_days_month, skills, notes, created_at, updated_at) \
         {COUNTER}SELECT 'Year instructor ' || i, 'year-instructor-' || i || '@bench.example', \
         CASE WHEN i % 3 = 0 THEN 'freelance' ELSE 'employee' END, 'Europe/Berlin', 'EUR', \
         60000 + (i % 7) * 5000, 9000, 5, 22, '', '', $2, $2 FROM n"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(shape.instructors)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    let first = block(conn, "instructors", before, shape.instructors).await?;
    sqlx::query(
        "INSERT INTO instructor_working_hours (instructor_id, weekday, start_minute, end_minute) \
         WITH RECURSIVE d(w) AS (SELECT CAST(1 AS BIGINT) UNION ALL SELECT w + 1 FROM d WHERE w < 5) \
         SELECT i.id, d.w, 480, 1080 FROM instructors i CROSS JOIN d WHERE i.id >= $1",
    )
    .bind(first)
    .execute(&mut *conn)
    .await?;
    Ok(first)
}

/// Learners spread over the benchmark's clients; returns the first id.
pub async fn learners(conn: &mut Conn, shape: &YearShape, now: i64) -> Result<i64, StoreError> {
    let before = max_id(conn, "learners").await?;
    let sql = format!(
        "INSERT INTO learners (first_name, last_name, email, client_id, time_zone, created_at, updated_at) \
         {COUNTER}SELECT 'Learner', 'Year ' || i, 'year-learner-' || i || '@bench.example', c.id, \
         'Europe/Berlin', $2, $2 FROM n \
         JOIN (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k, COUNT(*) OVER () AS m FROM clients WHERE code LIKE 'BC%') c \
         ON c.k = i % c.m"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(shape.learners)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    block(conn, "learners", before, shape.learners).await
}

/// Sessions `offset + 1 ..= offset + count` of the year (one 09:00–17:00 part each, at the
/// benchmark's venues and courses, every fourth one private to a client, one in twenty cancelled
/// for low enrollment), their parts, a lead instructor each (confirmed, or cancelled with the
/// session) and their enrollments. Returns the ids made, first and last.
pub async fn sessions(
    conn: &mut Conn,
    shape: &YearShape,
    (offset, count): (i64, i64),
    first_instructor: i64,
    first_learner: i64,
    now: i64,
) -> Result<(i64, i64), StoreError> {
    let before = max_id(conn, "sessions").await?;
    // 08:00 UTC is 09:00 or 10:00 in Berlin; the days are spread evenly over the 365.
    let starts = format!("$3 + ((i - 1) * 365 / CAST($6 AS BIGINT)) * {DAY_MS} + 28800000");
    let sql = format!(
        "INSERT INTO sessions (reference, course_id, course_code, visibility, client_id, delivery_mode, \
         venue_id, status, status_reason, capacity, booked_count, time_zone, currency, seat_price_minor, notes, \
         starts_at, ends_at, created_at, updated_at) \
         {COUNTER}, seq(i) AS (SELECT i + CAST($5 AS BIGINT) FROM n) \
         SELECT 'YR-' || i, c.id, c.code, \
         CASE WHEN i % 4 = 0 THEN 'private' ELSE 'public' END, \
         CASE WHEN i % 4 = 0 THEN cl.id END, \
         CASE WHEN i % 5 = 0 THEN 'vilt' ELSE 'ilt' END, \
         CASE WHEN i % 5 = 0 THEN NULL ELSE v.id END, \
         CASE WHEN i % 20 = 0 THEN 'cancelled' \
              WHEN {starts} + 28800000 < $4 THEN CASE WHEN i % 3 = 0 THEN 'closed' ELSE 'delivered' END \
              WHEN i % 2 = 0 THEN 'confirmed' ELSE 'scheduled' END, \
         CASE WHEN i % 20 = 0 THEN 'low_enrollment' END, 16, 0, v.time_zone, 'EUR', 99000, '', \
         {starts}, {starts} + 28800000, $2, $2 FROM seq \
         JOIN (SELECT id, code, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k, COUNT(*) OVER () AS m FROM courses WHERE code LIKE 'BENCH-%') c ON c.k = i % c.m \
         JOIN (SELECT id, time_zone, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k, COUNT(*) OVER () AS m FROM venues WHERE code LIKE 'BV%') v ON v.k = i % v.m \
         JOIN (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k, COUNT(*) OVER () AS m FROM clients WHERE code LIKE 'BC%') cl ON cl.k = (i / 4) % cl.m ORDER BY i"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(count)
        .bind(now)
        .bind(shape.from_ms)
        .bind(shape.now_ms)
        .bind(offset)
        .bind(shape.sessions)
        .execute(&mut *conn)
        .await?;
    let first = block(conn, "sessions", before, count).await?;
    let last = first + count - 1;
    sqlx::query(
        "INSERT INTO session_parts (session_id, position, starts_at, ends_at, status) \
         SELECT id, 1, starts_at, ends_at, CASE WHEN status = 'cancelled' THEN 'cancelled' ELSE 'scheduled' END \
         FROM sessions WHERE id BETWEEN $1 AND $2",
    )
    .bind(first)
    .bind(last)
    .execute(&mut *conn)
    .await?;
    // Session i's instructor is i mod instructors (by its reference: the database numbers rows
    // in its own order), so a day's sessions go to different instructors.
    // Asked first, then the slots the no-overlap rule keeps, then confirmed: the database refuses a
    // busy assignment without its slots (migration 0010).
    sqlx::query(
        "INSERT INTO assignments (session_id, instructor_id, role, status, created_at, updated_at) \
         SELECT id, $3 + (CAST(SUBSTR(reference, 4) AS BIGINT) % $4), 'lead', CASE WHEN status = 'cancelled' THEN 'cancelled' ELSE 'requested' END, $5, $5 \
         FROM sessions WHERE id BETWEEN $1 AND $2",
    )
    .bind(first)
    .bind(last)
    .bind(first_instructor)
    .bind(shape.instructors)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO instructor_slots (assignment_id, instructor_id, session_part_id, starts_at, ends_at) \
         SELECT a.id, a.instructor_id, p.id, p.starts_at, p.ends_at FROM assignments a \
         JOIN session_parts p ON p.session_id = a.session_id \
         WHERE a.session_id BETWEEN $1 AND $2 AND a.status = 'requested'",
    )
    .bind(first)
    .bind(last)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE assignments SET status = 'confirmed' WHERE session_id BETWEEN $1 AND $2 AND status = 'requested'",
    )
    .bind(first)
    .bind(last)
    .execute(&mut *conn)
    .await?;
    // Learner k of session s is learner (s × per + k) mod learners: distinct within a session.
    sqlx::query(
        "INSERT INTO enrollments (session_id, learner_id, status, currency, price_minor, created_at, updated_at) \
         WITH RECURSIVE k(j) AS (SELECT CAST(0 AS BIGINT) UNION ALL SELECT j + 1 FROM k WHERE j < CAST($5 AS BIGINT) - 1) \
         SELECT s.id, $3 + ((s.id * $5 + k.j) % $4), \
         CASE WHEN s.status = 'cancelled' THEN 'cancelled' \
              WHEN s.status IN ('delivered', 'closed') THEN \
                   CASE WHEN (s.id + k.j) % 12 = 0 THEN 'no_show' WHEN (s.id + k.j) % 5 = 0 THEN 'attended' ELSE 'completed' END \
              ELSE 'booked' END, \
         'EUR', 99000, $6, $6 FROM sessions s CROSS JOIN k WHERE s.id BETWEEN $1 AND $2",
    )
    .bind(first)
    .bind(last)
    .bind(first_learner)
    .bind(shape.learners)
    .bind(shape.enrollments_per_session)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    // Cost lines besides the derived ones: catering at every session held (its actual entered by
    // finance once delivered), travel at every classroom session of the third.
    sqlx::query(
        "INSERT INTO session_cost_lines (session_id, kind, description, currency, planned_minor, stage, actual_minor, created_at, updated_at) \
         SELECT id, 'catering', 'Lunch and coffee', 'EUR', 16000, \
         CASE WHEN status IN ('delivered', 'closed') THEN 'actual' ELSE 'planned' END, \
         CASE WHEN status IN ('delivered', 'closed') THEN 14000 + (id % 5) * 1000 END, $3, $3 \
         FROM sessions WHERE id BETWEEN $1 AND $2 AND status <> 'cancelled'",
    )
    .bind(first)
    .bind(last)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO session_cost_lines (session_id, kind, description, currency, planned_minor, stage, created_at, updated_at) \
         SELECT id, 'travel', 'Instructor travel', 'EUR', 24000, 'committed', $3, $3 \
         FROM sessions WHERE id BETWEEN $1 AND $2 AND status <> 'cancelled' AND venue_id IS NOT NULL AND id % 3 = 0",
    )
    .bind(first)
    .bind(last)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE sessions SET booked_count = CASE WHEN status = 'cancelled' THEN 0 ELSE $3 END \
         WHERE id BETWEEN $1 AND $2",
    )
    .bind(first)
    .bind(last)
    .bind(shape.enrollments_per_session)
    .execute(&mut *conn)
    .await?;
    Ok((first, last))
}

/// How many sessions the benchmark's year already has.
pub async fn existing_sessions(conn: &mut Conn) -> Result<i64, StoreError> {
    count(
        conn,
        "SELECT COUNT(*) AS n FROM sessions WHERE reference LIKE 'YR-%'",
    )
    .await
}

/// Refreshes the planner statistics after a bulk load, so that the timed reads use the indexes
/// as they would on a database that grew over the year.
pub async fn analyze(conn: &mut Conn) -> Result<(), StoreError> {
    sqlx::query("ANALYZE").execute(&mut *conn).await?;
    Ok(())
}
