//! The audit trail: append-only, hash-chained. Every use case calls [`record`] inside its own
//! transaction, as its last write, so no change commits without its trace and the chain stays
//! strictly ordered (the `audit_head` row is the serialisation point).

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
    pub hash: String,
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
) -> Result<i64, StoreError> {
    sqlx::query("UPDATE audit_head SET last_id = last_id + 1 WHERE singleton = 1")
        .execute(&mut *conn)
        .await?;
    let head = sqlx::query("SELECT last_id, last_hash FROM audit_head WHERE singleton = 1")
        .fetch_one(&mut *conn)
        .await?;
    let id = head.i("last_id")?;
    let prev = head.s("last_hash")?;
    let before = change.before.as_ref().map(|v| v.to_string());
    let after = change.after.as_ref().map(|v| v.to_string());
    let actor_key = format!("{}|{}", actor.user_id.unwrap_or(0), actor.label);
    let hash = chain_hash(
        &prev,
        id,
        now,
        &actor_key,
        &change,
        before.as_deref().unwrap_or(""),
        after.as_deref().unwrap_or(""),
    );
    sqlx::query(
        "INSERT INTO audit_events (id, occurred_at, actor_user_id, actor_label, action, entity_type, entity_id, \
         before_json, after_json, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(id)
    .bind(now)
    .bind(actor.user_id)
    .bind(actor.label.clone())
    .bind(change.action)
    .bind(change.entity_type)
    .bind(change.entity_id)
    .bind(before)
    .bind(after)
    .bind(prev)
    .bind(hash.clone())
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_head SET last_hash = $1 WHERE singleton = 1")
        .bind(hash)
        .execute(&mut *conn)
        .await?;
    Ok(id)
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
        hash: r.s("hash")?,
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
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
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
            return Ok(n);
        }
        for r in &rows {
            let id = r.i("id")?;
            let actor_key = format!(
                "{}|{}",
                r.oi("actor_user_id")?.unwrap_or(0),
                r.s("actor_label")?
            );
            let action = r.s("action")?;
            let entity_type = r.s("entity_type")?;
            let change = Change {
                action: &action,
                entity_type: &entity_type,
                entity_id: r.i("entity_id")?,
                before: None,
                after: None,
            };
            let expected = chain_hash(
                &prev,
                id,
                r.i("occurred_at")?,
                &actor_key,
                &change,
                r.os("before_json")?.as_deref().unwrap_or(""),
                r.os("after_json")?.as_deref().unwrap_or(""),
            );
            if r.s("prev_hash")? != prev || r.s("hash")? != expected || id != after_id + 1 {
                return Err(StoreError::AuditChainBroken(id));
            }
            prev = expected;
            after_id = id;
            n += 1;
        }
    }
}
