//! The Learning Record Store and what the xAPI hand-off keeps (migration 0043).
//!
//! The LRS is the one `webhook_endpoints` row of kind `xapi`; its statements are
//! `webhook_deliveries` rows, sent by the webhook workers ([`crate::webhooks`]) with their
//! ordering, retries and attempt log. Here: its settings, the facts a statement is made of, the
//! once-only queueing of a statement, the courses' e-learning prerequisites and the enrollments'
//! readiness.

use crate::row::Col;
use crate::{Conn, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use trainyard_core::xapi::{Facts, LrsInput};

/// The LRS as admins see it: never its secret.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Lrs {
    pub id: i64,
    /// The xAPI base address; statements go to `…/statements`.
    pub url: String,
    /// The basic-auth key (user name).
    pub key: String,
    /// The base of the activity ids Trainyard states (the public address when configured):
    /// courses are `…/xapi/courses/{id}`, sessions `…/xapi/sessions/{id}`.
    pub activity_base: String,
    /// Whether statements are queued and sent.
    pub enabled: bool,
    /// Why Trainyard turned it off (after a run of failures); absent otherwise.
    pub disabled_reason: Option<String>,
    /// Failed attempts in a row (0 after any success).
    pub consecutive_failures: i64,
    /// Statements waiting to be sent.
    pub pending: i64,
    /// Statements given up after their last retry.
    pub failed: i64,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
    pub version: i64,
}

const LRS_COLUMNS: &str = "e.id, e.url, e.auth_key, e.activity_base, e.enabled, e.disabled_reason, e.consecutive_failures, \
    e.updated_at, e.version, \
    (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.status = 'pending') AS pending, \
    (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.status = 'failed') AS failed";

fn lrs_from_row(r: &AnyRow) -> Result<Lrs, sqlx::Error> {
    Ok(Lrs {
        id: r.i("id")?,
        url: r.s("url")?,
        key: r.os("auth_key")?.unwrap_or_default(),
        activity_base: r.os("activity_base")?.unwrap_or_default(),
        enabled: r.b("enabled")?,
        disabled_reason: r.os("disabled_reason")?,
        consecutive_failures: r.i("consecutive_failures")?,
        pending: r.i("pending")?,
        failed: r.i("failed")?,
        updated_at: r.i("updated_at")?,
        version: r.i("version")?,
    })
}

/// The configured LRS, if any.
pub async fn lrs(conn: &mut Conn) -> Result<Option<Lrs>, StoreError> {
    let sql = format!("SELECT {LRS_COLUMNS} FROM webhook_endpoints e WHERE e.kind = 'xapi'");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.as_ref().map(lrs_from_row).transpose()?)
}

/// Configures the LRS (the first time); `secret` is required then.
pub async fn insert_lrs(
    conn: &mut Conn,
    p: &LrsInput,
    secret: &str,
    activity_base: &str,
    now: i64,
) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO webhook_endpoints (kind, url, description, event_types, enabled, secret, auth_key, activity_base, created_at, updated_at) \
         VALUES ('xapi', $1, 'Learning Record Store (xAPI)', '', $2, $3, $4, $5, $6, $6) RETURNING id",
    )
    .bind(p.url.clone())
    .bind(i64::from(p.enabled))
    .bind(secret.to_owned())
    .bind(p.key.clone())
    .bind(activity_base.to_owned())
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.i("id")?)
}

/// Saves new settings made from `version` (the secret only when one is given). Turning the LRS
/// back on clears its failure run and wait, so its statements go at once.
pub async fn update_lrs(
    conn: &mut Conn,
    id: i64,
    version: i64,
    p: &LrsInput,
    now: i64,
) -> Result<(), StoreError> {
    let n = sqlx::query(
        "UPDATE webhook_endpoints SET url = $1, auth_key = $2, secret = COALESCE($3, secret), \
         disabled_reason = CASE WHEN $4 = 1 THEN NULL ELSE disabled_reason END, \
         consecutive_failures = CASE WHEN $4 = 1 AND enabled = 0 THEN 0 ELSE consecutive_failures END, \
         failing_since = CASE WHEN $4 = 1 AND enabled = 0 THEN NULL ELSE failing_since END, \
         retry_at = CASE WHEN $4 = 1 AND enabled = 0 THEN 0 ELSE retry_at END, \
         enabled = $4, updated_at = $5, version = version + 1 WHERE id = $6 AND version = $7 AND kind = 'xapi'",
    )
    .bind(p.url.clone())
    .bind(p.key.clone())
    .bind(p.secret.clone())
    .bind(i64::from(p.enabled))
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 1 {
        return Ok(());
    }
    Err(StoreError::Stale { expected: version })
}

/// Where and how to reach the LRS to read from it: (url, key, secret), when it is on.
pub async fn reader(conn: &mut Conn) -> Result<Option<(String, String, String)>, StoreError> {
    let row = sqlx::query(
        "SELECT url, auth_key, secret FROM webhook_endpoints WHERE kind = 'xapi' AND enabled = 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        Some(r) => Some((
            r.s("url")?,
            r.os("auth_key")?.unwrap_or_default(),
            r.s("secret")?,
        )),
        None => None,
    })
}

/// The enabled LRS's id and the base of its activity ids, for a change deciding whether to
/// state anything.
pub async fn enabled_lrs(conn: &mut Conn) -> Result<Option<(i64, String)>, StoreError> {
    let row = sqlx::query(
        "SELECT id, activity_base FROM webhook_endpoints WHERE kind = 'xapi' AND enabled = 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        Some(r) => Some((r.i("id")?, r.os("activity_base")?.unwrap_or_default())),
        None => None,
    })
}

/// What a statement about `enrollment_id` says.
pub async fn facts(conn: &mut Conn, enrollment_id: i64) -> Result<Facts, StoreError> {
    let r = sqlx::query(
        "SELECT e.id, l.email, l.first_name, l.last_name, c.id AS course_id, \
         COALESCE(s.title, c.title) AS course_title, s.id AS session_id, s.reference \
         FROM enrollments e JOIN learners l ON l.id = e.learner_id JOIN sessions s ON s.id = e.session_id \
         JOIN courses c ON c.id = s.course_id WHERE e.id = $1",
    )
    .bind(enrollment_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok(Facts {
        enrollment_id: r.i("id")?,
        learner_email: r.s("email")?,
        learner_name: format!("{} {}", r.s("first_name")?, r.s("last_name")?)
            .trim()
            .to_owned(),
        course_id: r.i("course_id")?,
        course_title: r.s("course_title")?,
        session_id: r.i("session_id")?,
        session_reference: r.s("reference")?,
    })
}

/// Queues a statement for the LRS unless one with its id is queued (or sent) already. Returns
/// whether it was queued.
pub async fn enqueue_statement(
    conn: &mut Conn,
    endpoint_id: i64,
    statement_id: &str,
    verb: &str,
    payload: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "INSERT INTO webhook_deliveries (endpoint_id, message_id, event_type, payload, created_at, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (endpoint_id, message_id) WHERE replay_of IS NULL DO NOTHING",
    )
    .bind(endpoint_id)
    .bind(statement_id.to_owned())
    .bind(verb.to_owned())
    .bind(payload.to_owned())
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

// ------------------------------------------------------------------ prerequisites and readiness

/// A course's e-learning prerequisites (activity ids), in order.
pub async fn prerequisites(conn: &mut Conn, course_id: i64) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query(
        "SELECT activity_id FROM course_elearning_prerequisites WHERE course_id = $1 ORDER BY activity_id",
    )
    .bind(course_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| r.s("activity_id"))
        .collect::<Result<_, _>>()
        .map_err(StoreError::from)
}

/// Replaces a course's prerequisites.
pub async fn set_prerequisites(
    conn: &mut Conn,
    course_id: i64,
    activity_ids: &[String],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM course_elearning_prerequisites WHERE course_id = $1")
        .bind(course_id)
        .execute(&mut *conn)
        .await?;
    for a in activity_ids {
        sqlx::query(
            "INSERT INTO course_elearning_prerequisites (course_id, activity_id) VALUES ($1, $2)",
        )
        .bind(course_id)
        .bind(a.clone())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A course with prerequisites, for the settings page.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CoursePrerequisites {
    pub course_id: i64,
    pub course_title: String,
    pub activity_ids: Vec<String>,
}

/// Every course with prerequisites, by title.
pub async fn courses_with_prerequisites(
    conn: &mut Conn,
) -> Result<Vec<CoursePrerequisites>, StoreError> {
    let rows = sqlx::query(
        "SELECT p.course_id, c.title, p.activity_id FROM course_elearning_prerequisites p \
         JOIN courses c ON c.id = p.course_id ORDER BY c.title, p.course_id, p.activity_id LIMIT 5000",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out: Vec<CoursePrerequisites> = Vec::new();
    for r in &rows {
        let id = r.i("course_id")?;
        let activity = r.s("activity_id")?;
        match out.last_mut() {
            Some(last) if last.course_id == id => last.activity_ids.push(activity),
            _ => out.push(CoursePrerequisites {
                course_id: id,
                course_title: r.s("title")?,
                activity_ids: vec![activity],
            }),
        }
    }
    Ok(out)
}

/// Records what the LRS showed: ready (keeping the first time it was), or not.
pub async fn set_readiness(
    conn: &mut Conn,
    enrollment_id: i64,
    ready: bool,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE enrollments SET ready_at = CASE WHEN $1 = 1 THEN COALESCE(ready_at, $2) ELSE NULL END, \
         readiness_checked_at = $2 WHERE id = $3",
    )
    .bind(i64::from(ready))
    .bind(now)
    .bind(enrollment_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Sessions starting in `[from, to)`, not cancelled nor closed, whose course has prerequisites:
/// the readiness job's work.
pub async fn sessions_to_check(
    conn: &mut Conn,
    from: i64,
    to: i64,
) -> Result<Vec<i64>, StoreError> {
    let rows = sqlx::query(
        "SELECT s.id FROM sessions s WHERE s.starts_at >= $1 AND s.starts_at < $2 \
         AND s.status NOT IN ('cancelled', 'closed', 'draft', 'postponed') AND s.archived_at IS NULL \
         AND EXISTS (SELECT 1 FROM course_elearning_prerequisites p WHERE p.course_id = s.course_id) \
         ORDER BY s.starts_at LIMIT 500",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| r.i("id"))
        .collect::<Result<_, _>>()
        .map_err(StoreError::from)
}
