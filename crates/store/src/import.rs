//! Spreadsheet onboarding: the natural keys a sheet names records by (codes, e-mail addresses,
//! session references), read for a whole kind at once so an import of 100,000 rows resolves them
//! in memory; the ids to export; and the remembered column mappings.

use crate::row::{Col, fetch_all};
use crate::{Conn, StoreError};
use std::collections::HashMap;

/// A kind of record a sheet refers to by a natural key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Keyed {
    Courses,
    Venues,
    Rooms,
    Clients,
    /// By e-mail, lower-cased.
    Instructors,
    /// By e-mail, lower-cased.
    Learners,
    /// By reference (S-00012).
    Sessions,
}

impl Keyed {
    /// The key column and the table; fixed strings, never input.
    fn sql(self) -> (&'static str, &'static str) {
        match self {
            Keyed::Courses => ("code", "courses"),
            Keyed::Venues => ("code", "venues"),
            Keyed::Rooms => ("code", "resources"),
            Keyed::Clients => ("code", "clients"),
            Keyed::Instructors => ("LOWER(email)", "instructors"),
            Keyed::Learners => ("LOWER(email)", "learners"),
            Keyed::Sessions => ("reference", "sessions"),
        }
    }
}

/// Every record of a kind by its key (archived ones too: a key is taken either way).
pub async fn keys(conn: &mut Conn, of: Keyed) -> Result<HashMap<String, i64>, StoreError> {
    let (key, table) = of.sql();
    let q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT id, {key} AS k FROM {table}"
    )));
    let rows = fetch_all(conn, q, |r| Ok((r.s("k")?, r.i("id")?))).await?;
    let mut out: HashMap<String, i64> = rows.into_iter().collect();
    if of == Keyed::Sessions {
        // The keys earlier sheets gave their sessions come first.
        let q = sqlx::query("SELECT key, session_id FROM import_session_keys");
        out.extend(fetch_all(conn, q, |r| Ok((r.s("key")?, r.i("session_id")?))).await?);
    }
    Ok(out)
}

/// Remembers the key a sheet gave an imported session.
pub async fn add_session_key(
    conn: &mut Conn,
    key: &str,
    session_id: i64,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO import_session_keys (key, session_id, created_at) VALUES ($1, $2, $3)",
    )
    .bind(key.to_owned())
    .bind(session_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The ids of a kind's active (not archived) records, oldest first: what an export writes.
pub async fn active_ids(conn: &mut Conn, of: Keyed) -> Result<Vec<i64>, StoreError> {
    let (_, table) = of.sql();
    let q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT id FROM {table} WHERE archived_at IS NULL ORDER BY id"
    )));
    fetch_all(conn, q, |r| r.i("id")).await
}

/// The column mapping last used for a kind of sheet (JSON), if any.
pub async fn mapping(conn: &mut Conn, kind: &str) -> Result<Option<String>, StoreError> {
    let q =
        sqlx::query("SELECT mapping FROM import_mappings WHERE kind = $1").bind(kind.to_owned());
    Ok(fetch_all(conn, q, |r| r.s("mapping"))
        .await?
        .into_iter()
        .next())
}

/// Remembers the column mapping for a kind of sheet.
pub async fn set_mapping(
    conn: &mut Conn,
    kind: &str,
    mapping: &str,
    user_id: Option<i64>,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO import_mappings (kind, mapping, updated_by, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (kind) DO UPDATE SET mapping = excluded.mapping, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
    )
    .bind(kind.to_owned())
    .bind(mapping.to_owned())
    .bind(user_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Opens a savepoint for one row of an import: a row the database refuses (a unique key, a
/// scheduling guard) is undone alone, and on PostgreSQL the transaction stays usable.
pub async fn row_begin(conn: &mut Conn) -> Result<(), StoreError> {
    sqlx::query("SAVEPOINT import_row")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Keeps the row's changes (`keep`) or undoes them.
pub async fn row_end(conn: &mut Conn, keep: bool) -> Result<(), StoreError> {
    let sql = if keep {
        "RELEASE SAVEPOINT import_row"
    } else {
        "ROLLBACK TO SAVEPOINT import_row"
    };
    sqlx::query(sql).execute(&mut *conn).await?;
    if !keep {
        sqlx::query("RELEASE SAVEPOINT import_row")
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// A background import.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Job {
    pub id: i64,
    pub created_by: Option<i64>,
    /// Empty when the sheets are named after their kinds.
    pub kind: String,
    pub file_name: String,
    pub dry_run: bool,
    /// queued, running, done or failed.
    pub status: String,
    /// The kind being imported now.
    pub phase: String,
    pub done_rows: i64,
    pub total_rows: i64,
    /// The report (JSON) once done.
    #[schema(value_type = Option<Object>)]
    pub report: Option<serde_json::Value>,
    /// Why the job failed as a whole.
    pub error: Option<String>,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
}

const JOB_COLUMNS: &str = "id, created_by, kind, file_name, dry_run, status, phase, done_rows, total_rows, report, error, created_at, updated_at";

fn job_of(r: &sqlx::any::AnyRow) -> Result<Job, sqlx::Error> {
    Ok(Job {
        id: r.i("id")?,
        created_by: r.oi("created_by")?,
        kind: r.s("kind")?,
        file_name: r.s("file_name")?,
        dry_run: r.b("dry_run")?,
        status: r.s("status")?,
        phase: r.s("phase")?,
        done_rows: r.i("done_rows")?,
        total_rows: r.i("total_rows")?,
        report: r.os("report")?.and_then(|t| serde_json::from_str(&t).ok()),
        error: r.os("error")?,
        created_at: r.i("created_at")?,
        updated_at: r.i("updated_at")?,
    })
}

/// What a new job holds.
pub struct NewJob<'a> {
    /// `queued` to run it now, `uploaded` to wait for its mapping.
    pub status: &'a str,
    pub created_by: Option<i64>,
    pub kind: &'a str,
    pub file_name: &'a str,
    pub content: &'a [u8],
    pub mappings: &'a str,
    pub dry_run: bool,
}

pub async fn insert_job(conn: &mut Conn, j: &NewJob<'_>, now: i64) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO import_jobs (created_by, kind, file_name, content, mappings, dry_run, created_at, updated_at, status) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) RETURNING id",
    )
    .bind(j.created_by)
    .bind(j.kind.to_owned())
    .bind(j.file_name.to_owned())
    .bind(j.content.to_vec())
    .bind(j.mappings.to_owned())
    .bind(i64::from(j.dry_run))
    .bind(now)
    .bind(j.status.to_owned())
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.i("id")?)
}

pub async fn job(conn: &mut Conn, id: i64) -> Result<Job, StoreError> {
    let q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {JOB_COLUMNS} FROM import_jobs WHERE id = $1"
    )))
    .bind(id);
    fetch_all(conn, q, job_of)
        .await?
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound)
}

/// Takes the oldest job that is queued, or running under a lease that ran out (its process
/// died), until `lease_until`. The guarded UPDATE lets one process win.
pub async fn claim_job(
    conn: &mut Conn,
    now: i64,
    lease_until: i64,
) -> Result<Option<(i64, String, String, Vec<u8>, String, bool)>, StoreError> {
    let q = sqlx::query(
        "SELECT id FROM import_jobs WHERE status = 'queued' OR (status = 'running' AND lease_until < $1) ORDER BY id LIMIT 1",
    )
    .bind(now);
    let Some(id) = fetch_all(conn, q, |r| r.i("id")).await?.into_iter().next() else {
        return Ok(None);
    };
    let taken = sqlx::query(
        "UPDATE import_jobs SET status = 'running', lease_until = $2, updated_at = $3 \
         WHERE id = $1 AND (status = 'queued' OR (status = 'running' AND lease_until < $3))",
    )
    .bind(id)
    .bind(lease_until)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if taken == 0 {
        return Ok(None);
    }
    let q = sqlx::query(
        "SELECT kind, file_name, content, mappings, dry_run FROM import_jobs WHERE id = $1",
    )
    .bind(id);
    let row = q.fetch_one(&mut *conn).await?;
    use sqlx::Row;
    Ok(Some((
        id,
        row.s("kind")?,
        row.s("file_name")?,
        row.try_get::<Vec<u8>, _>("content")?,
        row.s("mappings")?,
        row.b("dry_run")?,
    )))
}

/// Progress of a running job, renewing its lease.
pub async fn job_progress(
    conn: &mut Conn,
    id: i64,
    (phase, done, total): (&str, i64, i64),
    lease_until: i64,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE import_jobs SET phase = $2, done_rows = $3, total_rows = $4, lease_until = $5, updated_at = $6 WHERE id = $1 AND status = 'running'",
    )
    .bind(id)
    .bind(phase.to_owned())
    .bind(done)
    .bind(total)
    .bind(lease_until)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The end of a job: its report, or the error that stopped it.
pub async fn finish_job(
    conn: &mut Conn,
    id: i64,
    outcome: Result<&str, &str>,
    now: i64,
) -> Result<(), StoreError> {
    let (status, report, error) = match outcome {
        Ok(r) => ("done", Some(r.to_owned()), None),
        Err(e) => ("failed", None, Some(e.to_owned())),
    };
    sqlx::query(
        "UPDATE import_jobs SET status = $2, report = $3, error = $4, phase = '', lease_until = NULL, updated_at = $5 WHERE id = $1",
    )
    .bind(id)
    .bind(status)
    .bind(report)
    .bind(error)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The uploaded file of a job: its name, kind and bytes, and the mappings last asked for.
pub async fn job_file(
    conn: &mut Conn,
    id: i64,
) -> Result<(String, String, Vec<u8>, String), StoreError> {
    use sqlx::Row;
    let row =
        sqlx::query("SELECT file_name, kind, content, mappings FROM import_jobs WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound)?;
    Ok((
        row.s("file_name")?,
        row.s("kind")?,
        row.try_get::<Vec<u8>, _>("content")?,
        row.s("mappings")?,
    ))
}

/// Queues an uploaded (or finished) job with its mappings: a dry run or the import. False when
/// the job is queued or running already.
pub async fn queue_job(
    conn: &mut Conn,
    id: i64,
    mappings: &str,
    dry_run: bool,
    now: i64,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE import_jobs SET status = 'queued', mappings = $2, dry_run = $3, report = NULL, error = NULL, \
         phase = '', done_rows = 0, updated_at = $4 WHERE id = $1 AND status IN ('uploaded', 'done', 'failed')",
    )
    .bind(id)
    .bind(mappings.to_owned())
    .bind(i64::from(dry_run))
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}
