//! The audit trail: append-only, hash-chained. Every use case calls [`record`] inside its own
//! transaction, so no change commits without its trace.
//!
//! The chain is strictly ordered through the single `audit_head` row. On SQLite, whose writers are
//! serialised anyway, [`record`] links the event into the chain at once. On PostgreSQL that row
//! would make every concurrent writer queue through its commit's flush, so [`record`] writes the
//! event to `audit_pending` and [`seal`] (run by every `trainyard serve` a few times a second, and
//! before the trail is listed or verified) moves pending events into the chain in commit order.

use crate::row::{Col, Sql};
use crate::{Conn, Page, StoreError};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;

/// Who made a change: a user, or the system itself (the demo seeder, a background job).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub label: String,
}

impl Actor {
    pub fn system(label: &str) -> Self {
        Self {
            user_id: None,
            label: label.to_owned(),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditEvent {
    pub id: i64,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub occurred_at: i64,
    pub actor_user_id: Option<i64>,
    pub actor_label: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: i64,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    /// The event's link in the hash chain; empty while it waits to be sealed.
    pub hash: String,
    /// Written with its change but not yet linked into the chain (sealed within a second or so).
    pub pending: bool,
}

pub struct Change<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: i64,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

fn chain_hash(
    prev: &str,
    id: i64,
    at: i64,
    actor: &str,
    c: &Change<'_>,
    before: &str,
    after: &str,
) -> String {
    let mut h = Sha256::new();
    for part in [
        prev,
        &id.to_string(),
        &at.to_string(),
        actor,
        c.action,
        c.entity_type,
        &c.entity_id.to_string(),
        before,
        after,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

pub async fn record(
    conn: &mut Conn,
    actor: &Actor,
    now: i64,
    change: Change<'_>,
) -> Result<(), StoreError> {
    let event = Written {
        occurred_at: now,
        actor_user_id: actor.user_id,
        actor_label: actor.label.clone(),
        action: change.action.to_owned(),
        entity_type: change.entity_type.to_owned(),
        entity_id: change.entity_id,
        before_json: change.before.as_ref().map(|v| v.to_string()),
        after_json: change.after.as_ref().map(|v| v.to_string()),
    };
    if conn.backend_name() == "SQLite" {
        return chain(conn, event).await;
    }
    sqlx::query(
        "INSERT INTO audit_pending (occurred_at, actor_user_id, actor_label, action, entity_type, entity_id, \
         before_json, after_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(event.occurred_at)
    .bind(event.actor_user_id)
    .bind(event.actor_label)
    .bind(event.action)
    .bind(event.entity_type)
    .bind(event.entity_id)
    .bind(event.before_json)
    .bind(event.after_json)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// An event as its change wrote it, before it has its place in the chain.
struct Written {
    occurred_at: i64,
    actor_user_id: Option<i64>,
    actor_label: String,
    action: String,
    entity_type: String,
    entity_id: i64,
    before_json: Option<String>,
    after_json: Option<String>,
}

impl Written {
    fn from_row(r: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            occurred_at: r.i("occurred_at")?,
            actor_user_id: r.oi("actor_user_id")?,
            actor_label: r.s("actor_label")?,
            action: r.s("action")?,
            entity_type: r.s("entity_type")?,
            entity_id: r.i("entity_id")?,
            before_json: r.os("before_json")?,
            after_json: r.os("after_json")?,
        })
    }

    fn hash(&self, prev: &str, id: i64) -> String {
        let actor_key = format!("{}|{}", self.actor_user_id.unwrap_or(0), self.actor_label);
        chain_hash(
            prev,
            id,
            self.occurred_at,
            &actor_key,
            &Change {
                action: &self.action,
                entity_type: &self.entity_type,
                entity_id: self.entity_id,
                before: None,
                after: None,
            },
            self.before_json.as_deref().unwrap_or(""),
            self.after_json.as_deref().unwrap_or(""),
        )
    }
}

/// Links one event into the chain: the next gapless id, and a hash over the previous hash and the
/// event. Holds the `audit_head` row until the transaction ends.
async fn chain(conn: &mut Conn, e: Written) -> Result<(), StoreError> {
    sqlx::query("UPDATE audit_head SET last_id = last_id + 1 WHERE singleton = 1")
        .execute(&mut *conn)
        .await?;
    let head = sqlx::query("SELECT last_id, last_hash FROM audit_head WHERE singleton = 1")
        .fetch_one(&mut *conn)
        .await?;
    let id = head.i("last_id")?;
    let prev = head.s("last_hash")?;
    let hash = e.hash(&prev, id);
    sqlx::query(
        "INSERT INTO audit_events (id, occurred_at, actor_user_id, actor_label, action, entity_type, entity_id, \
         before_json, after_json, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(id)
    .bind(e.occurred_at)
    .bind(e.actor_user_id)
    .bind(e.actor_label)
    .bind(e.action)
    .bind(e.entity_type)
    .bind(e.entity_id)
    .bind(e.before_json)
    .bind(e.after_json)
    .bind(prev)
    .bind(hash.clone())
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_head SET last_hash = $1 WHERE singleton = 1")
        .bind(hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Moves up to `limit` pending events into the chain, oldest first, inside the caller's write
/// transaction. Concurrent sealers queue on the `audit_head` row, and each sees what the one before
/// it moved, so every event is sealed exactly once. Returns how many were sealed.
pub async fn seal(conn: &mut Conn, limit: i64) -> Result<usize, StoreError> {
    // Take the chain's lock before reading, so that no other sealer is moving the same rows.
    sqlx::query("UPDATE audit_head SET last_id = last_id WHERE singleton = 1")
        .execute(&mut *conn)
        .await?;
    let rows = sqlx::query(
        "SELECT id, occurred_at, actor_user_id, actor_label, action, entity_type, entity_id, before_json, after_json \
         FROM audit_pending ORDER BY id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    for r in &rows {
        let pending_id = r.i("id")?;
        chain(conn, Written::from_row(r)?).await?;
        sqlx::query("DELETE FROM audit_pending WHERE id = $1")
            .bind(pending_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(rows.len())
}

/// How many events wait to be sealed.
pub async fn pending_count(conn: &mut Conn) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT count(*) AS n FROM audit_pending")
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.i("n")?)
}

const COLUMNS: &str = "id, occurred_at, actor_user_id, actor_label, action, entity_type, entity_id, before_json, after_json, prev_hash, hash";

fn from_row(r: &AnyRow) -> Result<AuditEvent, sqlx::Error> {
    let json = |v: Option<String>| v.and_then(|s| serde_json::from_str(&s).ok());
    Ok(AuditEvent {
        id: r.i("id")?,
        occurred_at: r.i("occurred_at")?,
        actor_user_id: r.oi("actor_user_id")?,
        actor_label: r.s("actor_label")?,
        action: r.s("action")?,
        entity_type: r.s("entity_type")?,
        entity_id: r.i("entity_id")?,
        before: json(r.os("before_json")?),
        after: json(r.os("after_json")?),
        hash: r.os("hash")?.unwrap_or_default(),
        pending: false,
    })
}

/// The history of one record, newest first.
pub async fn history(
    conn: &mut Conn,
    entity_type: &str,
    entity_id: i64,
) -> Result<Vec<AuditEvent>, StoreError> {
    let mut q = Sql::new("SELECT ");
    q.push(COLUMNS)
        .push(" FROM audit_events WHERE entity_type = ")
        .text(entity_type);
    q.push(" AND entity_id = ")
        .int(entity_id)
        .push(" ORDER BY id DESC LIMIT 200");
    let rows = q.query().fetch_all(&mut *conn).await?;
    let sealed = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    let pending = sqlx::query(
        "SELECT id, occurred_at, actor_user_id, actor_label, action, entity_type, entity_id, before_json, after_json \
         FROM audit_pending WHERE entity_type = $1 AND entity_id = $2 ORDER BY id DESC LIMIT 200",
    )
    .bind(entity_type)
    .bind(entity_id)
    .fetch_all(&mut *conn)
    .await?;
    let json = |v: Option<String>| v.and_then(|s| serde_json::from_str(&s).ok());
    let mut events = Vec::with_capacity(pending.len() + sealed.len());
    for r in &pending {
        let w = Written::from_row(r)?;
        events.push(AuditEvent {
            id: r.i("id")?,
            occurred_at: w.occurred_at,
            actor_user_id: w.actor_user_id,
            actor_label: w.actor_label,
            action: w.action,
            entity_type: w.entity_type,
            entity_id: w.entity_id,
            before: json(w.before_json),
            after: json(w.after_json),
            hash: String::new(),
            pending: true,
        });
    }
    events.extend(sealed);
    events.truncate(200);
    Ok(events)
}

#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub entity_type: Option<String>,
    pub actor_user_id: Option<i64>,
    pub page: i64,
    pub per_page: i64,
}

pub async fn list(conn: &mut Conn, f: &AuditFilter) -> Result<Page<AuditEvent>, StoreError> {
    let build = |head: &str| {
        let mut q = Sql::new(head);
        q.push(" FROM audit_events WHERE 1 = 1");
        if let Some(t) = &f.entity_type {
            q.push(" AND entity_type = ").text(t);
        }
        if let Some(a) = f.actor_user_id {
            q.push(" AND actor_user_id = ").int(a);
        }
        q
    };
    let mut select = build(&format!("SELECT {COLUMNS}"));
    select.push(" ORDER BY id DESC");
    crate::row::paged(
        conn,
        select,
        build("SELECT count(*)"),
        f.page,
        f.per_page,
        from_row,
    )
    .await
}

/// Recomputes the whole chain. Returns the number of events verified, or the first broken one.
pub async fn verify(conn: &mut Conn) -> Result<i64, StoreError> {
    let mut prev = "0".repeat(64);
    let mut after_id = 0i64;
    let mut n = 0;
    loop {
        let mut q = Sql::new("SELECT ");
        q.push(COLUMNS)
            .push(" FROM audit_events WHERE id > ")
            .int(after_id)
            .push(" ORDER BY id LIMIT 1000");
        let rows = q.query().fetch_all(&mut *conn).await?;
        if rows.is_empty() {
            // The head must point at the last event: a deleted tail is tampering too.
            let head = sqlx::query("SELECT last_id, last_hash FROM audit_head WHERE singleton = 1")
                .fetch_one(&mut *conn)
                .await?;
            if head.i("last_id")? != after_id || head.s("last_hash")? != prev {
                return Err(StoreError::AuditChainBroken(after_id + 1));
            }
            return Ok(n);
        }
        for r in &rows {
            let id = r.i("id")?;
            let expected = Written::from_row(r)?.hash(&prev, id);
            if r.s("prev_hash")? != prev || r.s("hash")? != expected || id != after_id + 1 {
                return Err(StoreError::AuditChainBroken(id));
            }
            prev = expected;
            after_id = id;
            n += 1;
        }
    }
}
