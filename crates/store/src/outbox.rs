//! Outgoing messages, written in the same transaction as the change that causes them, and the
//! queue the delivery worker (`trainyard_app::delivery`) drains.
//!
//! A row is `pending` until it is `sent` or, after its last attempt, `failed`. A worker *claims* due
//! rows by writing its id into `claimed_by` and a lease end into `claimed_until`, in one short
//! transaction ([`claim_due`]): on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so that workers in
//! several processes take disjoint batches without waiting for each other; on SQLite inside a
//! `BEGIN IMMEDIATE` transaction, which admits one writer at a time. A claim whose lease has run
//! out (its worker crashed) is due again. [`mark_sent`] never turns a sent row back, and no
//! statement here selects a `sent` row for sending.

use crate::row::{Col, Sql, contains_pattern};
use crate::{Backend, Conn, Page, Store, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;

pub struct NewMessage<'a> {
    pub kind: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub entity_type: &'a str,
    pub entity_id: i64,
    /// Unique per logical message, so that a retried change never queues it twice.
    pub idempotency_key: &'a str,
}

/// A message as the delivery log shows it (without its body; see [`MessageDetail`]).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Message {
    pub id: i64,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    /// pending, sent, failed (permanently: no further attempts) or withdrawn (a reminder for a
    /// time the session no longer has).
    #[schema(value_type = trainyard_core::status::MessageStatus)]
    pub status: String,
    /// SMTP attempts made so far, successful or not.
    pub attempts: i64,
    #[serde(serialize_with = "crate::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub sent_at: Option<i64>,
    pub last_error: Option<String>,
    pub entity_type: String,
    pub entity_id: i64,
    /// When a pending message is next tried.
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub next_attempt_at: i64,
    /// Whether a calendar invitation (.ics) travels with the message.
    pub has_calendar: bool,
}

/// One message with everything it says.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MessageDetail {
    #[serde(flatten)]
    pub message: Message,
    pub body: String,
    /// The iCalendar invitation attached, if any.
    pub ics: Option<String>,
    pub idempotency_key: String,
}

const COLUMNS: &str = "id, created_at, kind, recipient, subject, status, attempts, sent_at, last_error, \
    entity_type, entity_id, next_attempt_at, CASE WHEN ics IS NULL THEN 0 ELSE 1 END AS has_ics";

/// Queues `m` in the caller's transaction. A message whose idempotency key is already queued
/// (a retried change, a second run of a job) is left as it is: `ON CONFLICT DO NOTHING`.
pub async fn enqueue(conn: &mut Conn, m: &NewMessage<'_>, now: i64) -> Result<(), StoreError> {
    insert(conn, m, None, now).await.map(|_| ())
}

/// As [`enqueue`], telling whether the message was new (false: its key was already queued). On
/// PostgreSQL a concurrent transaction queueing the same key makes this one wait for its outcome.
pub async fn enqueue_once(
    conn: &mut Conn,
    m: &NewMessage<'_>,
    now: i64,
) -> Result<bool, StoreError> {
    insert(conn, m, None, now).await
}

/// As [`enqueue`], with an iCalendar invitation (`text/calendar`) that the worker attaches.
pub async fn enqueue_with_ics(
    conn: &mut Conn,
    m: &NewMessage<'_>,
    ics: &str,
    now: i64,
) -> Result<(), StoreError> {
    insert(conn, m, Some(ics), now).await.map(|_| ())
}

async fn insert(
    conn: &mut Conn,
    m: &NewMessage<'_>,
    ics: Option<&str>,
    now: i64,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "INSERT INTO outbox (created_at, kind, recipient, subject, body, entity_type, entity_id, status, next_attempt_at, \
         idempotency_key, ics) VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $1, $8, $9) \
         ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(now)
    .bind(m.kind)
    .bind(m.recipient)
    .bind(m.subject)
    .bind(m.body)
    .bind(m.entity_type)
    .bind(m.entity_id)
    .bind(m.idempotency_key)
    .bind(ics.map(str::to_owned))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

fn from_row(r: &AnyRow) -> Result<Message, sqlx::Error> {
    Ok(Message {
        id: r.i("id")?,
        created_at: r.i("created_at")?,
        kind: r.s("kind")?,
        recipient: r.s("recipient")?,
        subject: r.s("subject")?,
        status: r.s("status")?,
        attempts: r.i("attempts")?,
        sent_at: r.oi("sent_at")?,
        last_error: r.os("last_error")?,
        entity_type: r.s("entity_type")?,
        entity_id: r.i("entity_id")?,
        next_attempt_at: r.i("next_attempt_at")?,
        has_calendar: r.b("has_ics")?,
    })
}

/// The messages caused by changes to one record, newest first.
pub async fn for_entity(
    conn: &mut Conn,
    entity_type: &str,
    entity_id: i64,
) -> Result<Vec<Message>, StoreError> {
    let mut q = Sql::new("SELECT ");
    q.push(COLUMNS)
        .push(" FROM outbox WHERE entity_type = ")
        .text(entity_type)
        .push(" AND entity_id = ")
        .int(entity_id)
        .push(" ORDER BY id DESC LIMIT 200");
    crate::row::fetch_all(conn, q.query(), from_row).await
}

/// Filters of the delivery log. `entity_type` `session` also covers the session's assignments and
/// enrollments; `learner` the learner's enrollments and everything sent to their address.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct OutboxFilter {
    /// Messages in this state.
    #[param(schema_with = outbox_status_schema)]
    pub status: String,
    /// Part of the recipient's address.
    pub recipient: String,
    /// The record a message is about: session, learner, assignment, enrollment, user… With
    /// `entity_id`, `session` also covers the session's assignments and enrollments, and `learner`
    /// the learner's enrollments and everything sent to their address.
    pub entity_type: String,
    #[serde(deserialize_with = "crate::row::empty_as_none")]
    #[param(value_type = Option<i64>)]
    pub entity_id: Option<i64>,
    /// Page number, from 1 (default 1).
    #[serde(deserialize_with = "crate::row::lenient_int")]
    #[param(value_type = Option<i64>, minimum = 1)]
    pub page: i64,
    /// Rows per page, 1 to 200 (default 50); a larger value is refused with 400.
    #[serde(deserialize_with = "crate::row::lenient_int")]
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub per_page: i64,
    /// Every matching message (at most 10,000) instead of a page: the CSV export.
    #[serde(skip)]
    pub export: bool,
}

/// The states of a message in the outbox.
pub const STATUSES: &[&str] = &["pending", "sent", "failed"];

fn outbox_status_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(STATUSES.iter().copied()))
        .build()
}

fn filter_clause(q: &mut Sql, f: &OutboxFilter) -> Result<(), StoreError> {
    q.push(" WHERE 1 = 1");
    let status = f.status.trim();
    if !status.is_empty() {
        if !STATUSES.contains(&status) {
            return Err(StoreError::unknown("status", status, STATUSES));
        }
        q.push(" AND status = ").text(status);
    }
    if !f.recipient.trim().is_empty() {
        q.push(" AND lower(recipient) LIKE ")
            .text(&contains_pattern(&f.recipient))
            .push(" ESCAPE '\\'");
    }
    let kind = crate::table::type_name("entity_type", &f.entity_type)?.unwrap_or_default();
    match (kind, f.entity_id) {
        ("session", Some(id)) => {
            q.push(" AND ((entity_type = 'session' AND entity_id = ")
                .int(id)
                .push(") OR (entity_type = 'assignment' AND entity_id IN (SELECT id FROM assignments WHERE session_id = ")
                .int(id)
                .push(")) OR (entity_type = 'enrollment' AND entity_id IN (SELECT id FROM enrollments WHERE session_id = ")
                .int(id)
                .push(")))");
        }
        ("learner", Some(id)) => {
            q.push(" AND ((entity_type = 'learner' AND entity_id = ")
                .int(id)
                .push(") OR (entity_type = 'enrollment' AND entity_id IN (SELECT id FROM enrollments WHERE learner_id = ")
                .int(id)
                .push(")) OR lower(recipient) IN (SELECT lower(email) FROM learners WHERE id = ")
                .int(id)
                .push("))");
        }
        ("", Some(id)) => {
            q.push(" AND entity_id = ").int(id);
        }
        (kind, id) => {
            if !kind.is_empty() {
                q.push(" AND entity_type = ").text(kind);
            }
            if let Some(id) = id {
                q.push(" AND entity_id = ").int(id);
            }
        }
    }
    Ok(())
}

/// The delivery log: messages matching `f`, newest first, one page.
pub async fn list(conn: &mut Conn, f: &OutboxFilter) -> Result<Page<Message>, StoreError> {
    let mut select = Sql::new("SELECT ");
    select.push(COLUMNS).push(" FROM outbox");
    filter_clause(&mut select, f)?;
    select.push(" ORDER BY id DESC");
    let mut count = Sql::new("SELECT count(*) FROM outbox");
    filter_clause(&mut count, f)?;
    let paging = crate::row::Paging::new(f.page, f.per_page, f.export)?;
    crate::row::paged(conn, select, count, paging, from_row).await
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<MessageDetail, StoreError> {
    let mut q = Sql::new("SELECT ");
    q.push(COLUMNS)
        .push(", body, ics, idempotency_key FROM outbox WHERE id = ")
        .int(id);
    let r = q.query().fetch_one(&mut *conn).await?;
    Ok(MessageDetail {
        message: from_row(&r)?,
        body: r.s("body")?,
        ics: r.os("ics")?,
        idempotency_key: r.s("idempotency_key")?,
    })
}

/// How many messages are in each state: (pending, sent, failed).
pub async fn counts(conn: &mut Conn) -> Result<(i64, i64, i64), StoreError> {
    let r = sqlx::query(
        "SELECT CAST(COALESCE(sum(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), 0) AS BIGINT) AS p, \
         CAST(COALESCE(sum(CASE WHEN status = 'sent' THEN 1 ELSE 0 END), 0) AS BIGINT) AS s, \
         CAST(COALESCE(sum(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0) AS BIGINT) AS f FROM outbox",
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok((r.i("p")?, r.i("s")?, r.i("f")?))
}

// ------------------------------------------------------------------ delivery

/// A message claimed for sending.
#[derive(Debug, Clone)]
pub struct Due {
    pub id: i64,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub ics: Option<String>,
    pub idempotency_key: String,
    /// Attempts made before this one.
    pub attempts: i64,
    /// What it is about: the worker attaches an issued invoice's PDF to its message.
    pub entity_type: String,
    pub entity_id: i64,
}

const CLAIM_POSTGRES: &str = "UPDATE outbox SET claimed_by = $1, claimed_until = $2 WHERE id IN \
    (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $3 \
    AND (claimed_until IS NULL OR claimed_until < $3) ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED) \
    RETURNING id, kind, recipient, subject, body, ics, idempotency_key, attempts, entity_type, entity_id";

const CLAIM_SQLITE: &str = "UPDATE outbox SET claimed_by = $1, claimed_until = $2 WHERE id IN \
    (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $3 \
    AND (claimed_until IS NULL OR claimed_until < $3) ORDER BY id LIMIT $4) \
    RETURNING id, kind, recipient, subject, body, ics, idempotency_key, attempts, entity_type, entity_id";

/// Claims up to `limit` due messages (pending, `next_attempt_at <= now`, not under a live lease)
/// for `worker` until `lease_until`, in one short transaction of its own. Concurrent callers, in
/// this process or others, get disjoint sets. Oldest first.
pub async fn claim_due(
    store: &Store,
    worker: &str,
    now: i64,
    lease_until: i64,
    limit: i64,
) -> Result<Vec<Due>, StoreError> {
    let mut tx = store.write().await?;
    let sql = match store.backend() {
        Backend::Postgres => CLAIM_POSTGRES,
        Backend::Sqlite => CLAIM_SQLITE,
    };
    let rows = sqlx::query(sql)
        .bind(worker.to_owned())
        .bind(lease_until)
        .bind(now)
        .bind(limit.max(1))
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    let mut due = rows
        .iter()
        .map(|r| {
            Ok(Due {
                id: r.i("id")?,
                kind: r.s("kind")?,
                recipient: r.s("recipient")?,
                subject: r.s("subject")?,
                body: r.s("body")?,
                ics: r.os("ics")?,
                idempotency_key: r.s("idempotency_key")?,
                attempts: r.i("attempts")?,
                entity_type: r.s("entity_type")?,
                entity_id: r.i("entity_id")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    due.sort_by_key(|d| d.id);
    Ok(due)
}

/// Records that the SMTP server accepted message `id`. Whoever holds the claim, a sent message
/// stays sent: the mail is out, and marking it is what keeps it from going out again. Returns
/// false if it was no longer pending (another worker, whose lease had run out, marked it first).
pub async fn mark_sent(conn: &mut Conn, id: i64, now: i64) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE outbox SET status = 'sent', sent_at = $2, attempts = attempts + 1, last_error = NULL, \
         claimed_by = NULL, claimed_until = NULL WHERE id = $1 AND status = 'pending'",
    )
    .bind(id)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Marks every message still pending as sent at `now`: for a seeded history (the demo company),
/// whose messages were written by the use cases that would have sent them long ago. Returns how
/// many were marked.
pub async fn mark_all_pending_sent(conn: &mut Conn, now: i64) -> Result<u64, StoreError> {
    Ok(sqlx::query(
        "UPDATE outbox SET status = 'sent', sent_at = $1, attempts = 1 WHERE status = 'pending'",
    )
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

/// Records a failed attempt by `worker` (only while it still holds the claim): with
/// `retry_at`, the message is tried again from then; without, it is failed for good.
pub async fn mark_failed(
    conn: &mut Conn,
    id: i64,
    worker: &str,
    error: &str,
    retry_at: Option<i64>,
) -> Result<bool, StoreError> {
    let error: String = error.chars().take(1000).collect();
    let n = sqlx::query(
        "UPDATE outbox SET attempts = attempts + 1, last_error = $3, \
         status = CASE WHEN $4 = 1 THEN 'pending' ELSE 'failed' END, \
         next_attempt_at = CASE WHEN $4 = 1 THEN $5 ELSE next_attempt_at END, \
         claimed_by = NULL, claimed_until = NULL WHERE id = $1 AND status = 'pending' AND claimed_by = $2",
    )
    .bind(id)
    .bind(worker.to_owned())
    .bind(error)
    .bind(i64::from(retry_at.is_some()))
    .bind(retry_at.unwrap_or(0))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Gives back a claim without an attempt (the worker ran out of lease before sending it).
pub async fn release(conn: &mut Conn, id: i64, worker: &str) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL \
         WHERE id = $1 AND status = 'pending' AND claimed_by = $2",
    )
    .bind(id)
    .bind(worker.to_owned())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Queues a failed message again, as if new: attempts from zero, due at `now`. False if it was
/// not failed.
pub async fn requeue(conn: &mut Conn, id: i64, now: i64) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $2, \
         claimed_by = NULL, claimed_until = NULL WHERE id = $1 AND status = 'failed'",
    )
    .bind(id)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Makes every pending message due at `at` (tests, and an operator's "retry now" after an outage).
pub async fn make_pending_due(conn: &mut Conn, at: i64) -> Result<u64, StoreError> {
    Ok(sqlx::query(
        "UPDATE outbox SET next_attempt_at = $1 WHERE status = 'pending' AND next_attempt_at > $1",
    )
    .bind(at)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

/// Someone a message about a session goes to, with what their message needs: their zone, and the
/// record of theirs their portal shows (an enrollment for a learner, an assignment for an
/// instructor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecipient {
    pub name: String,
    pub email: String,
    /// "instructor" or "learner".
    pub who: &'static str,
    pub time_zone: String,
    pub record_id: i64,
}

/// Everyone told about a change to a session: its requested, accepted and confirmed instructors
/// and its requested, booked and waitlisted learners (the same people as
/// `sessions::people_to_notify`, with their zones and records).
pub async fn session_recipients(
    conn: &mut Conn,
    session_id: i64,
) -> Result<Vec<SessionRecipient>, StoreError> {
    let rows = sqlx::query(
        "SELECT i.name AS name, i.email AS email, 'instructor' AS who, i.time_zone AS time_zone, a.id AS record_id \
         FROM assignments a JOIN instructors i ON i.id = a.instructor_id \
         WHERE a.session_id = $1 AND a.status IN ('requested', 'accepted', 'confirmed') \
         UNION ALL \
         SELECT l.first_name || ' ' || l.last_name AS name, l.email AS email, 'learner' AS who, l.time_zone AS time_zone, e.id AS record_id \
         FROM enrollments e JOIN learners l ON l.id = e.learner_id \
         WHERE e.session_id = $1 AND e.status IN ('requested', 'booked', 'waitlisted')",
    )
    .bind(session_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(SessionRecipient {
                name: r.s("name")?,
                email: r.s("email")?,
                who: if r.s("who")? == "instructor" {
                    "instructor"
                } else {
                    "learner"
                },
                time_zone: r.s("time_zone")?,
                record_id: r.i("record_id")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}
