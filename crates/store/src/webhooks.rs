//! Webhook endpoints, their deliveries and every attempt (migration 0029).
//!
//! A change writes one delivery per subscribed endpoint in its own transaction ([`enqueue`]), so
//! a committed change always has its deliveries and a rolled-back one none. Workers claim whole
//! *endpoints* ([`claim_endpoints`]), with a lease like the outbox (`FOR UPDATE SKIP LOCKED` on
//! PostgreSQL, the write lock on SQLite): an endpoint is worked by at most one live lease, which
//! sends its pending deliveries in id order ([`queue`]) and records each attempt
//! ([`record_attempt`]). After a failure the endpoint waits until `retry_at`, so no later event
//! overtakes the failed one until it succeeds or is given up.

use crate::row::{Col, Sql};
use crate::{Backend, Conn, Page, Store, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use trainyard_core::webhook::EndpointInput;

/// An endpoint as admins see it (the secret only through [`secret`]).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Endpoint {
    pub id: i64,
    pub url: String,
    pub description: String,
    /// The event type patterns it receives: `*`, `family.*` or `family.action`.
    pub event_types: Vec<String>,
    pub enabled: bool,
    /// Why Trainyard turned it off (after a run of failures); absent otherwise.
    pub disabled_reason: Option<String>,
    /// Failed attempts in a row (0 after any success).
    pub consecutive_failures: i64,
    /// Until when the previous secret still signs beside the current one (after a rotation).
    #[serde(serialize_with = "crate::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub previous_secret_until: Option<i64>,
    /// Deliveries waiting to be sent.
    pub pending: i64,
    /// Deliveries given up after their last retry.
    pub failed: i64,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
    pub version: i64,
}

const ENDPOINT_COLUMNS: &str = "e.id, e.url, e.description, e.event_types, e.enabled, e.disabled_reason, \
    e.consecutive_failures, e.previous_secret_until, e.created_at, e.updated_at, e.version, \
    (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.status = 'pending') AS pending, \
    (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.status = 'failed') AS failed";

fn endpoint_from_row(r: &AnyRow) -> Result<Endpoint, sqlx::Error> {
    Ok(Endpoint {
        id: r.i("id")?,
        url: r.s("url")?,
        description: r.s("description")?,
        event_types: r
            .s("event_types")?
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
        enabled: r.b("enabled")?,
        disabled_reason: r.os("disabled_reason")?,
        consecutive_failures: r.i("consecutive_failures")?,
        previous_secret_until: r.oi("previous_secret_until")?,
        pending: r.i("pending")?,
        failed: r.i("failed")?,
        created_at: r.i("created_at")?,
        updated_at: r.i("updated_at")?,
        version: r.i("version")?,
    })
}

pub async fn insert(
    conn: &mut Conn,
    p: &EndpointInput,
    secret: &str,
    now: i64,
) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO webhook_endpoints (url, description, event_types, enabled, secret, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
    )
    .bind(p.url.clone())
    .bind(p.description.clone())
    .bind(p.event_types.to_text())
    .bind(i64::from(p.enabled))
    .bind(secret.to_owned())
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.i("id")?)
}

/// Saves an edit made from `version`: [`StoreError::NotFound`] or [`StoreError::Stale`] otherwise.
/// Turning an endpoint on clears its failure run and any wait, so it is tried at once.
pub async fn update(
    conn: &mut Conn,
    id: i64,
    version: i64,
    p: &EndpointInput,
    now: i64,
) -> Result<(), StoreError> {
    let n = sqlx::query(
        "UPDATE webhook_endpoints SET url = $1, description = $2, event_types = $3, \
         disabled_reason = CASE WHEN $4 = 1 THEN NULL ELSE disabled_reason END, \
         consecutive_failures = CASE WHEN $4 = 1 AND enabled = 0 THEN 0 ELSE consecutive_failures END, \
         failing_since = CASE WHEN $4 = 1 AND enabled = 0 THEN NULL ELSE failing_since END, \
         retry_at = CASE WHEN $4 = 1 AND enabled = 0 THEN 0 ELSE retry_at END, \
         enabled = $4, updated_at = $5, version = version + 1 WHERE id = $6 AND version = $7",
    )
    .bind(p.url.clone())
    .bind(p.description.clone())
    .bind(p.event_types.to_text())
    .bind(i64::from(p.enabled))
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    crate::row::check_updated(conn, "webhook_endpoints", id, version, n).await
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Endpoint, StoreError> {
    let mut q = Sql::new("SELECT ");
    q.push(ENDPOINT_COLUMNS)
        .push(" FROM webhook_endpoints e WHERE e.kind = 'webhook' AND e.id = ")
        .int(id);
    match q.query().fetch_optional(&mut *conn).await? {
        Some(r) => Ok(endpoint_from_row(&r)?),
        None => Err(StoreError::NotFound),
    }
}

/// Every endpoint, oldest first (an installation has a handful).
pub async fn list(conn: &mut Conn) -> Result<Vec<Endpoint>, StoreError> {
    let mut q = Sql::new("SELECT ");
    q.push(ENDPOINT_COLUMNS)
        .push(" FROM webhook_endpoints e WHERE e.kind = 'webhook' ORDER BY e.id LIMIT 500");
    crate::row::fetch_all(conn, q.query(), endpoint_from_row).await
}

/// The signing secrets of an endpoint: the current one and, until it expires, the previous one.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Secrets {
    /// `whsec_` and the base64 of the key (Standard Webhooks).
    pub secret: String,
    /// The secret before the last rotation, still signing beside the new one until
    /// `previous_secret_until`.
    pub previous_secret: Option<String>,
    #[serde(serialize_with = "crate::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub previous_secret_until: Option<i64>,
}

pub async fn secret(conn: &mut Conn, id: i64) -> Result<Secrets, StoreError> {
    let r = sqlx::query(
        "SELECT secret, previous_secret, previous_secret_until FROM webhook_endpoints WHERE id = $1 AND kind = 'webhook'",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok(Secrets {
        secret: r.s("secret")?,
        previous_secret: r.os("previous_secret")?,
        previous_secret_until: r.oi("previous_secret_until")?,
    })
}

/// Replaces the secret (made from `version`); the old one keeps signing until `old_until`.
pub async fn rotate(
    conn: &mut Conn,
    id: i64,
    version: i64,
    new_secret: &str,
    old_until: i64,
    now: i64,
) -> Result<(), StoreError> {
    let n = sqlx::query(
        "UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_until = $1, secret = $2, \
         updated_at = $3, version = version + 1 WHERE id = $4 AND version = $5",
    )
    .bind(old_until)
    .bind(new_secret.to_owned())
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    crate::row::check_updated(conn, "webhook_endpoints", id, version, n).await
}

/// The enabled endpoints and their patterns, for a change deciding whom to tell.
pub async fn subscribers(conn: &mut Conn) -> Result<Vec<(i64, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, event_types FROM webhook_endpoints WHERE enabled = 1 AND kind = 'webhook'",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.i("id")?, r.s("event_types")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// Queues one delivery of an event to an endpoint, in the caller's transaction.
pub async fn enqueue(
    conn: &mut Conn,
    endpoint_id: i64,
    message_id: &str,
    event_type: &str,
    payload: &str,
    now: i64,
) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO webhook_deliveries (endpoint_id, message_id, event_type, payload, created_at, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(endpoint_id)
    .bind(message_id.to_owned())
    .bind(event_type.to_owned())
    .bind(payload.to_owned())
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.i("id")?)
}

// ------------------------------------------------------------------ the delivery log

/// One delivery of one event to one endpoint.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Delivery {
    pub id: i64,
    pub endpoint_id: i64,
    /// The `webhook-id` header: the same for every endpoint, attempt and replay of the event.
    pub message_id: String,
    pub event_type: String,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    /// pending, delivered, or failed (given up after its last retry).
    #[schema(value_type = DeliveryStatus)]
    pub status: String,
    pub attempts: i64,
    /// When a pending delivery is next tried (its endpoint may hold it behind an earlier one).
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub next_attempt_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub delivered_at: Option<i64>,
    /// The HTTP status of the last attempt; absent when the endpoint did not answer.
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    /// The delivery this one replays.
    pub replay_of: Option<i64>,
}

/// The states of a delivery.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    Failed,
}

pub const STATUSES: &[&str] = &["pending", "delivered", "failed"];

const DELIVERY_COLUMNS: &str = "id, endpoint_id, message_id, event_type, created_at, status, attempts, \
    next_attempt_at, delivered_at, last_status_code, last_error, replay_of";

fn delivery_from_row(r: &AnyRow) -> Result<Delivery, sqlx::Error> {
    Ok(Delivery {
        id: r.i("id")?,
        endpoint_id: r.i("endpoint_id")?,
        message_id: r.s("message_id")?,
        event_type: r.s("event_type")?,
        created_at: r.i("created_at")?,
        status: r.s("status")?,
        attempts: r.i("attempts")?,
        next_attempt_at: r.i("next_attempt_at")?,
        delivered_at: r.oi("delivered_at")?,
        last_status_code: r.oi("last_status_code")?,
        last_error: r.os("last_error")?,
        replay_of: r.oi("replay_of")?,
    })
}

/// One attempt to send a delivery.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Attempt {
    pub id: i64,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub attempted_at: i64,
    /// The HTTP status the endpoint answered; absent when it did not answer.
    pub status_code: Option<i64>,
    pub duration_ms: i64,
    /// Why the attempt failed (a refused connection, a time-out, a status outside 2xx).
    pub error: Option<String>,
    /// The start of what the endpoint answered.
    pub response: Option<String>,
}

/// A delivery with its body and every attempt, oldest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeliveryDetail {
    #[serde(flatten)]
    pub delivery: Delivery,
    /// The body as signed and sent.
    pub payload: String,
    pub attempts_made: Vec<Attempt>,
}

/// Filters of an endpoint's delivery log.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct DeliveryFilter {
    /// Deliveries in this state: pending, delivered or failed.
    #[param(schema_with = delivery_status_schema)]
    pub status: String,
    /// Deliveries of this event type (exact, e.g. `session.cancelled`).
    pub event_type: String,
    /// Page number, from 1 (default 1).
    #[serde(deserialize_with = "crate::row::lenient_int")]
    #[param(value_type = Option<i64>, minimum = 1)]
    pub page: i64,
    /// Rows per page, 1 to 200 (default 50); a larger value is refused with 400.
    #[serde(deserialize_with = "crate::row::lenient_int")]
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub per_page: i64,
}

fn delivery_status_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(STATUSES.iter().copied()))
        .build()
}

fn delivery_filter(q: &mut Sql, endpoint_id: i64, f: &DeliveryFilter) -> Result<(), StoreError> {
    q.push(" WHERE endpoint_id = ").int(endpoint_id);
    let status = f.status.trim();
    if !status.is_empty() {
        if !STATUSES.contains(&status) {
            return Err(StoreError::unknown("status", status, STATUSES));
        }
        q.push(" AND status = ").text(status);
    }
    let t = f.event_type.trim();
    if !t.is_empty() {
        q.push(" AND event_type = ").text(t);
    }
    Ok(())
}

/// An endpoint's delivery log, newest first, one page.
pub async fn deliveries(
    conn: &mut Conn,
    endpoint_id: i64,
    f: &DeliveryFilter,
) -> Result<Page<Delivery>, StoreError> {
    let mut select = Sql::new("SELECT ");
    select
        .push(DELIVERY_COLUMNS)
        .push(" FROM webhook_deliveries");
    delivery_filter(&mut select, endpoint_id, f)?;
    select.push(" ORDER BY id DESC");
    let mut count = Sql::new("SELECT count(*) FROM webhook_deliveries");
    delivery_filter(&mut count, endpoint_id, f)?;
    let paging = crate::row::Paging::new(f.page, f.per_page, false)?;
    crate::row::paged(conn, select, count, paging, delivery_from_row).await
}

pub async fn delivery(
    conn: &mut Conn,
    endpoint_id: i64,
    id: i64,
) -> Result<DeliveryDetail, StoreError> {
    let mut q = Sql::new("SELECT ");
    q.push(DELIVERY_COLUMNS)
        .push(", payload FROM webhook_deliveries WHERE id = ")
        .int(id)
        .push(" AND endpoint_id = ")
        .int(endpoint_id);
    let r = q
        .query()
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let attempts = sqlx::query(
        "SELECT id, attempted_at, status_code, duration_ms, error, response FROM webhook_attempts \
         WHERE delivery_id = $1 ORDER BY id LIMIT 100",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|a| {
        Ok(Attempt {
            id: a.i("id")?,
            attempted_at: a.i("attempted_at")?,
            status_code: a.oi("status_code")?,
            duration_ms: a.i("duration_ms")?,
            error: a.os("error")?,
            response: a.os("response")?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(DeliveryDetail {
        delivery: delivery_from_row(&r)?,
        payload: r.s("payload")?,
        attempts_made: attempts,
    })
}

/// Queues delivery `id` again as a new delivery at the end of its endpoint's queue, with the
/// same event id and body. Returns the new delivery's id.
pub async fn replay(
    conn: &mut Conn,
    endpoint_id: i64,
    id: i64,
    now: i64,
) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO webhook_deliveries (endpoint_id, message_id, event_type, payload, created_at, next_attempt_at, replay_of) \
         SELECT endpoint_id, message_id, event_type, payload, $1, $1, id FROM webhook_deliveries \
         WHERE id = $2 AND endpoint_id = $3 RETURNING id",
    )
    .bind(now)
    .bind(id)
    .bind(endpoint_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok(r.i("id")?)
}

/// The most deliveries one range replay queues.
pub const REPLAY_LIMIT: i64 = 10_000;

/// Queues again every original delivery of the endpoint created in `[from, to)` (only the
/// failed ones with `failed_only`), oldest first. Returns how many.
pub async fn replay_range(
    conn: &mut Conn,
    endpoint_id: i64,
    from: i64,
    to: i64,
    failed_only: bool,
    now: i64,
) -> Result<u64, StoreError> {
    let n = sqlx::query(
        "INSERT INTO webhook_deliveries (endpoint_id, message_id, event_type, payload, created_at, next_attempt_at, replay_of) \
         SELECT endpoint_id, message_id, event_type, payload, $1, $1, id FROM webhook_deliveries \
         WHERE endpoint_id = $2 AND created_at >= $3 AND created_at < $4 AND replay_of IS NULL \
         AND ($5 = 0 OR status = 'failed') ORDER BY id LIMIT $6",
    )
    .bind(now)
    .bind(endpoint_id)
    .bind(from)
    .bind(to)
    .bind(i64::from(failed_only))
    .bind(REPLAY_LIMIT)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n)
}

// ------------------------------------------------------------------ the workers

/// An endpoint claimed by a worker, with what signing needs.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    /// `webhook`, or `xapi` for the Learning Record Store (basic auth with `auth_key` and
    /// `secret`, statements instead of signed events).
    pub kind: String,
    pub auth_key: Option<String>,
    pub url: String,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<i64>,
}

const CLAIM: &str = "UPDATE webhook_endpoints SET claimed_by = $1, claimed_until = $2 WHERE id IN \
    (SELECT e.id FROM webhook_endpoints e WHERE e.enabled = 1 AND e.retry_at <= $3 \
    AND (e.claimed_by IS NULL OR e.claimed_until < $3) \
    AND EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.status = 'pending') \
    ORDER BY COALESCE(e.claimed_until, 0), e.id LIMIT $4";

/// Claims up to `limit` endpoints that have pending deliveries and are not waiting after a
/// failure nor held by a live lease, for `worker` until `lease_until`, in one short transaction.
/// Concurrent callers, in any process, get disjoint sets. The least recently worked first.
pub async fn claim_endpoints(
    store: &Store,
    worker: &str,
    now: i64,
    lease_until: i64,
    limit: i64,
) -> Result<Vec<Claimed>, StoreError> {
    let mut tx = store.write().await?;
    let sql = match store.backend() {
        Backend::Postgres => format!(
            "{CLAIM} FOR UPDATE SKIP LOCKED) RETURNING id, kind, auth_key, url, secret, previous_secret, previous_secret_until"
        ),
        Backend::Sqlite => {
            format!(
                "{CLAIM}) RETURNING id, kind, auth_key, url, secret, previous_secret, previous_secret_until"
            )
        }
    };
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(worker.to_owned())
        .bind(lease_until)
        .bind(now)
        .bind(limit.max(1))
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    rows.iter()
        .map(|r| {
            Ok(Claimed {
                id: r.i("id")?,
                kind: r.s("kind")?,
                auth_key: r.os("auth_key")?,
                url: r.s("url")?,
                secret: r.s("secret")?,
                previous_secret: r.os("previous_secret")?,
                previous_secret_until: r.oi("previous_secret_until")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// A delivery to send.
#[derive(Debug, Clone)]
pub struct Due {
    pub id: i64,
    pub message_id: String,
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: i64,
}

/// The next `limit` pending deliveries of an endpoint, in order.
pub async fn queue(conn: &mut Conn, endpoint_id: i64, limit: i64) -> Result<Vec<Due>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, message_id, payload, attempts FROM webhook_deliveries \
         WHERE endpoint_id = $1 AND status = 'pending' ORDER BY id LIMIT $2",
    )
    .bind(endpoint_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Due {
                id: r.i("id")?,
                message_id: r.s("message_id")?,
                payload: r.s("payload")?,
                attempts: r.i("attempts")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// What one attempt came to.
#[derive(Debug, Clone)]
pub struct AttemptRecord<'a> {
    pub delivery_id: i64,
    pub endpoint_id: i64,
    pub at: i64,
    pub status_code: Option<i64>,
    pub duration_ms: i64,
    pub error: Option<&'a str>,
    pub response: Option<&'a str>,
    /// Delivered (a 2xx answer).
    pub ok: bool,
    /// After a failure: when to try again, or `None` to give the delivery up.
    pub retry_at: Option<i64>,
}

/// The endpoint's failure run after an attempt.
#[derive(Debug, Clone, Copy)]
pub struct FailureRun {
    pub consecutive_failures: i64,
    pub failing_since: Option<i64>,
}

/// Records an attempt: the attempt row, the delivery's state, and the endpoint's failure run and
/// wait (a failure holds the whole endpoint until `retry_at`; a given-up delivery lets the next
/// one go at once). Returns the endpoint's failure run afterwards.
pub async fn record_attempt(
    conn: &mut Conn,
    a: &AttemptRecord<'_>,
) -> Result<FailureRun, StoreError> {
    let cut = |s: Option<&str>, n: usize| s.map(|s| s.chars().take(n).collect::<String>());
    sqlx::query(
        "INSERT INTO webhook_attempts (delivery_id, endpoint_id, attempted_at, status_code, duration_ms, error, response) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(a.delivery_id)
    .bind(a.endpoint_id)
    .bind(a.at)
    .bind(a.status_code)
    .bind(a.duration_ms)
    .bind(cut(a.error, 1000))
    .bind(cut(a.response, 500))
    .execute(&mut *conn)
    .await?;
    let status = match (a.ok, a.retry_at) {
        (true, _) => "delivered",
        (false, Some(_)) => "pending",
        (false, None) => "failed",
    };
    sqlx::query(
        "UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, last_status_code = $2, \
         last_error = $3, delivered_at = CASE WHEN $4 = 1 THEN $5 ELSE delivered_at END, \
         next_attempt_at = $6 WHERE id = $7 AND status = 'pending'",
    )
    .bind(status)
    .bind(a.status_code)
    .bind(cut(a.error, 1000))
    .bind(i64::from(a.ok))
    .bind(a.at)
    .bind(a.retry_at.unwrap_or(a.at))
    .bind(a.delivery_id)
    .execute(&mut *conn)
    .await?;
    let r = if a.ok {
        sqlx::query(
            "UPDATE webhook_endpoints SET consecutive_failures = 0, failing_since = NULL, retry_at = 0 \
             WHERE id = $1 RETURNING consecutive_failures, failing_since",
        )
        .bind(a.endpoint_id)
        .fetch_one(&mut *conn)
        .await?
    } else {
        sqlx::query(
            "UPDATE webhook_endpoints SET consecutive_failures = consecutive_failures + 1, \
             failing_since = COALESCE(failing_since, $1), retry_at = $2 \
             WHERE id = $3 RETURNING consecutive_failures, failing_since",
        )
        .bind(a.at)
        .bind(a.retry_at.unwrap_or(0))
        .bind(a.endpoint_id)
        .fetch_one(&mut *conn)
        .await?
    };
    Ok(FailureRun {
        consecutive_failures: r.i("consecutive_failures")?,
        failing_since: r.oi("failing_since")?,
    })
}

/// Turns an endpoint off after a run of failures, saying why. False if it was already off.
pub async fn disable(conn: &mut Conn, id: i64, reason: &str, now: i64) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE webhook_endpoints SET enabled = 0, disabled_reason = $1, updated_at = $2, \
         version = version + 1 WHERE id = $3 AND enabled = 1",
    )
    .bind(reason.to_owned())
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Gives an endpoint back (only while `worker` holds it); `claimed_until` keeps the time, so the
/// least recently worked endpoint is claimed first next.
pub async fn release(conn: &mut Conn, id: i64, worker: &str, now: i64) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE webhook_endpoints SET claimed_by = NULL, claimed_until = $1 WHERE id = $2 AND claimed_by = $3",
    )
    .bind(now)
    .bind(id)
    .bind(worker.to_owned())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Makes every waiting endpoint and pending delivery due at `at` (tests, and an operator's
/// "retry now" after an outage).
pub async fn make_due(conn: &mut Conn, at: i64) -> Result<u64, StoreError> {
    sqlx::query("UPDATE webhook_deliveries SET next_attempt_at = $1 WHERE status = 'pending' AND next_attempt_at > $1")
        .bind(at)
        .execute(&mut *conn)
        .await?;
    Ok(
        sqlx::query("UPDATE webhook_endpoints SET retry_at = $1 WHERE retry_at > $1")
            .bind(at)
            .execute(&mut *conn)
            .await?
            .rows_affected(),
    )
}

/// How many deliveries are in each state: (pending, delivered, failed).
pub async fn counts(conn: &mut Conn) -> Result<(i64, i64, i64), StoreError> {
    let r = sqlx::query(
        "SELECT CAST(COALESCE(sum(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), 0) AS BIGINT) AS p, \
         CAST(COALESCE(sum(CASE WHEN status = 'delivered' THEN 1 ELSE 0 END), 0) AS BIGINT) AS s, \
         CAST(COALESCE(sum(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0) AS BIGINT) AS f FROM webhook_deliveries",
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok((r.i("p")?, r.i("s")?, r.i("f")?))
}
