//! Saved report views, their e-mailed schedules and the runs that sent them. A schedule is
//! claimed for a run by advancing its `next_run_at` with a conditional UPDATE ([`claim`]), so
//! that of several processes finding it due, exactly one queues its messages.

use crate::row::{Col, Sql, fetch_all};
use crate::{Conn, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use trainyard_core::report_view::{Cadence, ReportKind};

/// A saved view of a report: its filters and period as a query string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReportView {
    pub id: i64,
    pub owner_user_id: i64,
    pub owner_name: String,
    pub name: String,
    pub report: ReportKind,
    /// The report's query string without the leading `?` (`from=2026-01-01&client_id=3`).
    pub query: String,
    /// Visible to everyone whose role may see the report (else only to its owner).
    pub shared: bool,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
    /// Send it back when changing the view.
    pub version: i64,
}

const VIEW_COLUMNS: &str = "v.id, v.owner_user_id, u.display_name AS owner_name, v.name, v.report, v.query, \
    v.shared, v.created_at, v.updated_at, v.version";

fn view_row(r: &AnyRow) -> Result<ReportView, sqlx::Error> {
    Ok(ReportView {
        id: r.i("id")?,
        owner_user_id: r.i("owner_user_id")?,
        owner_name: r.s("owner_name")?,
        name: r.s("name")?,
        report: ReportKind::parse(&r.s("report")?).map_err(|e| sqlx::Error::Decode(e.into()))?,
        query: r.s("query")?,
        shared: r.b("shared")?,
        created_at: r.i("created_at")?,
        updated_at: r.i("updated_at")?,
        version: r.i("version")?,
    })
}

/// The most views one list shows.
pub const MAX_VIEWS: i64 = 500;

/// The views of `user_id` and, with `shared`, everyone's shared views, by name.
pub async fn list(
    conn: &mut Conn,
    user_id: i64,
    shared: bool,
) -> Result<Vec<ReportView>, StoreError> {
    let mut q = Sql::new("SELECT ");
    q.push(VIEW_COLUMNS)
        .push(" FROM saved_report_views v JOIN users u ON u.id = v.owner_user_id WHERE (v.owner_user_id = ")
        .int(user_id);
    if shared {
        q.push(" OR v.shared = 1");
    }
    q.push(") ORDER BY v.name, v.id LIMIT ").int(MAX_VIEWS);
    fetch_all(conn, q.query(), view_row).await
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<ReportView, StoreError> {
    let mut q = Sql::new("SELECT ");
    q.push(VIEW_COLUMNS)
        .push(" FROM saved_report_views v JOIN users u ON u.id = v.owner_user_id WHERE v.id = ")
        .int(id);
    match q.query().fetch_optional(&mut *conn).await? {
        Some(r) => Ok(view_row(&r)?),
        None => Err(StoreError::NotFound),
    }
}

/// A view as validated.
pub struct ViewInput<'a> {
    pub name: &'a str,
    pub report: ReportKind,
    pub query: &'a str,
    pub shared: bool,
}

pub async fn insert(
    conn: &mut Conn,
    owner: i64,
    v: &ViewInput<'_>,
    now: i64,
) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO saved_report_views (owner_user_id, name, report, query, shared, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
    )
    .bind(owner)
    .bind(v.name.to_owned())
    .bind(v.report.as_str())
    .bind(v.query.to_owned())
    .bind(i64::from(v.shared))
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.i("id")?)
}

/// Saves an edit made from `version`: [`StoreError::NotFound`] or [`StoreError::Stale`] otherwise.
pub async fn update(
    conn: &mut Conn,
    id: i64,
    version: i64,
    v: &ViewInput<'_>,
    now: i64,
) -> Result<(), StoreError> {
    let n = sqlx::query(
        "UPDATE saved_report_views SET name = $1, report = $2, query = $3, shared = $4, updated_at = $5, \
         version = version + 1 WHERE id = $6 AND version = $7",
    )
    .bind(v.name.to_owned())
    .bind(v.report.as_str())
    .bind(v.query.to_owned())
    .bind(i64::from(v.shared))
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    crate::row::check_updated(conn, "saved_report_views", id, version, n).await
}

/// Deletes a view with its schedules and their runs.
pub async fn delete(conn: &mut Conn, id: i64) -> Result<(), StoreError> {
    sqlx::query(
        "DELETE FROM report_runs WHERE schedule_id IN (SELECT id FROM report_schedules WHERE view_id = $1)",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM report_schedules WHERE view_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let n = sqlx::query("DELETE FROM saved_report_views WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

// ------------------------------------------------------------------ schedules

/// A view e-mailed on a cadence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReportSchedule {
    pub id: i64,
    pub view_id: i64,
    pub cadence: Cadence,
    /// Weekly: the weekday, 1 (Monday) to 7 (Sunday); monthly: the day, 1 to 28.
    pub day: i64,
    /// `HH:MM` in `time_zone`.
    pub time_of_day: String,
    pub time_zone: String,
    pub recipients: Vec<String>,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub next_run_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_run_at: Option<i64>,
    pub created_by: i64,
    /// Send it back when changing the schedule.
    pub version: i64,
}

const SCHEDULE_COLUMNS: &str = "id, view_id, cadence, day, time_of_day, time_zone, recipients, next_run_at, \
    last_run_at, created_by, version";

fn schedule_row(r: &AnyRow) -> Result<ReportSchedule, sqlx::Error> {
    Ok(ReportSchedule {
        id: r.i("id")?,
        view_id: r.i("view_id")?,
        cadence: Cadence::parse(&r.s("cadence")?).map_err(|e| sqlx::Error::Decode(e.into()))?,
        day: r.i("day")?,
        time_of_day: r.s("time_of_day")?,
        time_zone: r.s("time_zone")?,
        recipients: r
            .s("recipients")?
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        next_run_at: r.i("next_run_at")?,
        last_run_at: r.oi("last_run_at")?,
        created_by: r.i("created_by")?,
        version: r.i("version")?,
    })
}

/// The schedules of one view, oldest first.
pub async fn schedules(conn: &mut Conn, view_id: i64) -> Result<Vec<ReportSchedule>, StoreError> {
    let mut q = Sql::new("SELECT ");
    q.push(SCHEDULE_COLUMNS)
        .push(" FROM report_schedules WHERE view_id = ")
        .int(view_id)
        .push(" ORDER BY id LIMIT 100");
    fetch_all(conn, q.query(), schedule_row).await
}

pub async fn schedule(conn: &mut Conn, id: i64) -> Result<ReportSchedule, StoreError> {
    let mut q = Sql::new("SELECT ");
    q.push(SCHEDULE_COLUMNS)
        .push(" FROM report_schedules WHERE id = ")
        .int(id);
    match q.query().fetch_optional(&mut *conn).await? {
        Some(r) => Ok(schedule_row(&r)?),
        None => Err(StoreError::NotFound),
    }
}

/// A schedule as validated, with its first run.
pub struct ScheduleInput<'a> {
    pub cadence: Cadence,
    pub day: i64,
    pub time_of_day: &'a str,
    pub time_zone: &'a str,
    pub recipients: &'a [String],
    pub next_run_at: i64,
}

pub async fn insert_schedule(
    conn: &mut Conn,
    view_id: i64,
    by: i64,
    s: &ScheduleInput<'_>,
    now: i64,
) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO report_schedules (view_id, cadence, day, time_of_day, time_zone, recipients, next_run_at, \
         created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
    )
    .bind(view_id)
    .bind(s.cadence.as_str())
    .bind(s.day)
    .bind(s.time_of_day.to_owned())
    .bind(s.time_zone.to_owned())
    .bind(s.recipients.join("\n"))
    .bind(s.next_run_at)
    .bind(by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.i("id")?)
}

/// Saves an edit made from `version`.
pub async fn update_schedule(
    conn: &mut Conn,
    id: i64,
    version: i64,
    s: &ScheduleInput<'_>,
    now: i64,
) -> Result<(), StoreError> {
    let n = sqlx::query(
        "UPDATE report_schedules SET cadence = $1, day = $2, time_of_day = $3, time_zone = $4, recipients = $5, \
         next_run_at = $6, updated_at = $7, version = version + 1 WHERE id = $8 AND version = $9",
    )
    .bind(s.cadence.as_str())
    .bind(s.day)
    .bind(s.time_of_day.to_owned())
    .bind(s.time_zone.to_owned())
    .bind(s.recipients.join("\n"))
    .bind(s.next_run_at)
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    crate::row::check_updated(conn, "report_schedules", id, version, n).await
}

pub async fn delete_schedule(conn: &mut Conn, id: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM report_runs WHERE schedule_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let n = sqlx::query("DELETE FROM report_schedules WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Schedules due at `now` (`next_run_at <= now`), the most overdue first.
pub async fn due(conn: &mut Conn, now: i64, limit: i64) -> Result<Vec<ReportSchedule>, StoreError> {
    let mut q = Sql::new("SELECT ");
    q.push(SCHEDULE_COLUMNS)
        .push(" FROM report_schedules WHERE next_run_at <= ")
        .int(now)
        .push(" ORDER BY next_run_at, id LIMIT ")
        .int(limit.max(1));
    fetch_all(conn, q.query(), schedule_row).await
}

/// Claims the run due at `due_at`: moves `next_run_at` on to `next` only if it is still `due_at`.
/// True for exactly one of several concurrent callers.
pub async fn claim(
    conn: &mut Conn,
    id: i64,
    due_at: i64,
    next: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE report_schedules SET next_run_at = $1, last_run_at = $2 WHERE id = $3 AND next_run_at = $4",
    )
    .bind(next)
    .bind(now)
    .bind(id)
    .bind(due_at)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Records a run's CSV; its id is what the outbox messages name.
pub async fn insert_run(
    conn: &mut Conn,
    schedule_id: i64,
    due_at: i64,
    file_name: &str,
    csv: &str,
    now: i64,
) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO report_runs (schedule_id, due_at, file_name, csv, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(schedule_id)
    .bind(due_at)
    .bind(file_name.to_owned())
    .bind(csv.to_owned())
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.i("id")?)
}

/// The file a run's messages carry: its name and CSV text.
pub async fn run_file(conn: &mut Conn, id: i64) -> Result<Option<(String, String)>, StoreError> {
    let r = sqlx::query("SELECT file_name, csv FROM report_runs WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match r {
        Some(r) => Some((r.s("file_name")?, r.s("csv")?)),
        None => None,
    })
}
