//! The audit trail: append-only, hash-chained. Every use case calls [`record`] inside its own
//! transaction, so no change commits without its trace.
//!
//! The chain is strictly ordered through the single `audit_head` row. On SQLite, whose writers are
//! serialised anyway, [`record`] links the event into the chain at once. On PostgreSQL that row
//! would make every concurrent writer queue through its commit's flush, so [`record`] writes the
//! event to `audit_pending` and [`seal`] (run by every `trainyard serve` a few times a second, and
//! before the trail is listed or verified) moves pending events into the chain in commit order.
//!
//! # Keyed chain
//!
//! Each link is an HMAC-SHA256 under the [`AuditKey`], a secret kept outside the database (an
//! environment variable or a key file, see the README). Someone who can write to the database but
//! does not hold the key cannot rewrite an event and recompute the links after it: [`verify`]
//! finds the first link that does not match. Events chained before migration 0011 introduced the
//! key (ids below `audit_head.keyed_from`) keep their plain SHA-256 links; `keyed_from` itself is
//! authenticated by `audit_head.key_check`, an HMAC over it, so it cannot be moved to pass keyed
//! events off as old ones.
//!
//! Sealing needs the key, so every event is first written to `audit_pending`, on both databases.
//! On SQLite the store's [`crate::Tx::commit`] links them into the chain in the same transaction,
//! just before it commits, so a change and its chained event still commit together. On PostgreSQL
//! the sealer does it, as before.
//!
//! Deleting the newest events and moving the head back leaves a chain that verifies; a
//! [`Checkpoint`] (the head's event number and link, signed with the key, kept outside the
//! database) exposes that: [`verify_checkpoint`] requires the event it names to be there, unchanged.

use crate::row::{Col, Sql};
use crate::{Conn, Page, StoreError};
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use std::sync::Arc;

/// The secret that keys the audit chain. Never stored in the database; see the module docs.
#[derive(Clone)]
pub struct AuditKey(Arc<Vec<u8>>);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(…)")
    }
}

impl AuditKey {
    /// Bytes of a generated key (256 bits), and the fewest a configured one may have.
    pub const LEN: usize = 32;

    /// A new random key.
    pub fn generate() -> Result<Self, StoreError> {
        let mut k = vec![0u8; Self::LEN];
        getrandom::fill(&mut k)
            .map_err(|e| StoreError::AuditKey(format!("no randomness for a new key: {e}")))?;
        Ok(Self(Arc::new(k)))
    }

    /// A key from its text form: hex (64 or more digits) or standard base64 (of 32 or more bytes).
    pub fn from_text(text: &str) -> Result<Self, StoreError> {
        use base64::Engine;
        let t = text.trim();
        let bytes = if t.len().is_multiple_of(2) && t.chars().all(|c| c.is_ascii_hexdigit()) {
            (0..t.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&t[i..i + 2], 16))
                .collect::<Result<Vec<u8>, _>>()
                .ok()
        } else {
            base64::engine::general_purpose::STANDARD.decode(t).ok()
        };
        match bytes {
            Some(b) if b.len() >= Self::LEN => Ok(Self(Arc::new(b))),
            Some(b) => Err(StoreError::AuditKey(format!(
                "the key has {} bytes; it needs at least {} (64 hex digits)",
                b.len(),
                Self::LEN
            ))),
            None => Err(StoreError::AuditKey(
                "the key is neither hex nor base64".into(),
            )),
        }
    }

    /// The text form written to key files: lower-case hex.
    pub fn to_text(&self) -> String {
        hex(&self.0)
    }

    /// HMAC-SHA256 over `parts`, each length-prefixed so that no two lists run together.
    fn mac(&self, parts: &[&str]) -> String {
        // HMAC takes keys of any length, so this cannot fail.
        let Ok(mut m) = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0) else {
            return String::new();
        };
        for part in parts {
            m.update(&(part.len() as u64).to_be_bytes());
            m.update(part.as_bytes());
        }
        hex(&m.finalize().into_bytes())
    }

    /// A short, non-secret fingerprint to tell keys apart in messages.
    pub fn fingerprint(&self) -> String {
        self.mac(&["trainyard audit key fingerprint"])[..16].to_owned()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two hex strings without an early exit, so timing does not reveal a MAC.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The MAC that authenticates `audit_head.keyed_from`.
fn key_check(key: &AuditKey, keyed_from: i64) -> String {
    key.mac(&["trainyard audit keyed_from", &keyed_from.to_string()])
}

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
    #[schema(schema_with = crate::schema::record_snapshot)]
    pub before: Option<serde_json::Value>,
    #[schema(schema_with = crate::schema::record_snapshot)]
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
    pub before: Option<&'a serde_json::Value>,
    pub after: Option<&'a serde_json::Value>,
}

/// One link of the chain: HMAC-SHA256 under `key` for keyed events, plain SHA-256 for events
/// chained before the key existed (`key` is `None`).
#[allow(clippy::too_many_arguments)]
fn chain_hash(
    key: Option<&AuditKey>,
    prev: &str,
    id: i64,
    at: i64,
    actor: &str,
    c: &Change<'_>,
    before: &str,
    after: &str,
) -> String {
    let parts = [
        prev,
        &id.to_string(),
        &at.to_string(),
        actor,
        c.action,
        c.entity_type,
        &c.entity_id.to_string(),
        before,
        after,
    ];
    if let Some(key) = key {
        return key.mac(&parts);
    }
    let mut h = Sha256::new();
    for part in parts {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex(&h.finalize())
}

/// Writes one change as a pending audit event in the caller's transaction.
///
/// Returns whether any webhook endpoint (a subscriber or the LRS) is enabled, read by the same
/// statement: every audited change asks next whom to tell, and most deployments have no
/// endpoint, so this saves a round trip per change (a third of the statements when seeding).
pub async fn record(
    conn: &mut Conn,
    actor: &Actor,
    now: i64,
    change: Change<'_>,
) -> Result<bool, StoreError> {
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
    // Linking needs the key, which the store holds and this connection does not: the event waits in
    // `audit_pending` until this transaction commits (SQLite, see `Tx::commit`) or the sealer runs
    // (PostgreSQL).
    let row = sqlx::query(
        "INSERT INTO audit_pending (occurred_at, actor_user_id, actor_label, action, entity_type, entity_id, \
         before_json, after_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         RETURNING (SELECT COUNT(*) FROM webhook_endpoints WHERE enabled = 1) AS endpoints",
    )
    .bind(event.occurred_at)
    .bind(event.actor_user_id)
    .bind(event.actor_label)
    .bind(event.action)
    .bind(event.entity_type)
    .bind(event.entity_id)
    .bind(event.before_json)
    .bind(event.after_json)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.i("endpoints")? > 0)
}

/// Many changes by one actor at one instant (an import's rows): exactly the events [`record`]
/// writes one by one, [`crate::table::MANY`] per statement, in the order given.
pub async fn record_many(
    conn: &mut Conn,
    actor: &Actor,
    now: i64,
    changes: &[Change<'_>],
) -> Result<(), StoreError> {
    for chunk in changes.chunks(crate::table::MANY) {
        let mut q = Sql::new(
            "INSERT INTO audit_pending (occurred_at, actor_user_id, actor_label, action, entity_type, entity_id, \
             before_json, after_json) VALUES ",
        );
        for (i, c) in chunk.iter().enumerate() {
            let before = c.before.map(|v| v.to_string());
            let after = c.after.map(|v| v.to_string());
            q.push(if i == 0 { "(" } else { ", (" });
            q.int(now)
                .push(", ")
                .opt_int(actor.user_id)
                .push(", ")
                .text(&actor.label)
                .push(", ")
                .text(c.action)
                .push(", ")
                .text(c.entity_type)
                .push(", ")
                .int(c.entity_id)
                .push(", ")
                .opt_text(before.as_deref())
                .push(", ")
                .opt_text(after.as_deref())
                .push(")");
        }
        q.query().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Whether a webhook endpoint (or the LRS) is enabled, as [`record`] answers: then each change
/// also emits its webhook event and xAPI statement.
pub async fn endpoints_enabled(conn: &mut Conn) -> Result<bool, StoreError> {
    let r = sqlx::query("SELECT COUNT(*) AS endpoints FROM webhook_endpoints WHERE enabled = 1")
        .fetch_one(&mut *conn)
        .await?;
    Ok(r.i("endpoints")? > 0)
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

    fn hash(&self, key: Option<&AuditKey>, prev: &str, id: i64) -> String {
        let actor_key = format!("{}|{}", self.actor_user_id.unwrap_or(0), self.actor_label);
        chain_hash(
            key,
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

/// Events sealed per statement. Small on purpose: SQLite looks each `$n` up by name in a list, so
/// binding costs grow with the square of a statement's values (500 rows took seconds, 32 take
/// milliseconds), while each statement saves 31 round trips to the database.
const SEAL_BATCH: usize = 32;

/// Moves up to `limit` pending events into the chain, oldest first, inside the caller's write
/// transaction: each gets the next gapless id and an HMAC over the previous link and the event.
/// Concurrent sealers queue on the `audit_head` row (held until the transaction ends), and each sees
/// what the one before it moved, so every event is sealed exactly once. The links are computed
/// here and written a batch per statement, because a busy transaction (the demo, an invoice run)
/// seals thousands at once. Returns how many were sealed.
pub async fn seal(conn: &mut Conn, limit: i64, key: &AuditKey) -> Result<usize, StoreError> {
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
    if rows.is_empty() {
        return Ok(0);
    }
    let head = sqlx::query("SELECT last_id, last_hash FROM audit_head WHERE singleton = 1")
        .fetch_one(&mut *conn)
        .await?;
    let mut id = head.i("last_id")?;
    let mut prev = head.s("last_hash")?;
    let mut links = Vec::with_capacity(rows.len());
    for r in &rows {
        id += 1;
        let event = Written::from_row(r)?;
        let hash = event.hash(Some(key), &prev, id);
        let prev_hash = std::mem::replace(&mut prev, hash.clone());
        links.push((r.i("id")?, id, event, prev_hash, hash));
    }
    for batch in links.chunks(SEAL_BATCH) {
        let mut text = String::from(
            "INSERT INTO audit_events (id, occurred_at, actor_user_id, actor_label, action, entity_type, entity_id, \
             before_json, after_json, prev_hash, hash) VALUES ",
        );
        for k in 0..batch.len() {
            let n = k * 11;
            if k > 0 {
                text.push_str(", ");
            }
            text.push('(');
            text.push_str(
                &(1..=11)
                    .map(|i| format!("${}", n + i))
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            text.push(')');
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(text));
        for (_, id, e, prev_hash, hash) in batch {
            q = q
                .bind(*id)
                .bind(e.occurred_at)
                .bind(e.actor_user_id)
                .bind(e.actor_label.clone())
                .bind(e.action.clone())
                .bind(e.entity_type.clone())
                .bind(e.entity_id)
                .bind(e.before_json.clone())
                .bind(e.after_json.clone())
                .bind(prev_hash.clone())
                .bind(hash.clone());
        }
        q.execute(&mut *conn).await?;
        let mut delete = String::from("DELETE FROM audit_pending WHERE id IN (");
        delete.push_str(
            &(1..=batch.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", "),
        );
        delete.push(')');
        let mut q = sqlx::query(sqlx::AssertSqlSafe(delete));
        for (pending_id, ..) in batch {
            q = q.bind(*pending_id);
        }
        q.execute(&mut *conn).await?;
    }
    sqlx::query("UPDATE audit_head SET last_id = $1, last_hash = $2 WHERE singleton = 1")
        .bind(id)
        .bind(prev)
        .execute(&mut *conn)
        .await?;
    Ok(rows.len())
}

/// Whether any event waits to be sealed.
pub async fn has_pending(conn: &mut Conn) -> Result<bool, sqlx::Error> {
    let row = sqlx::query("SELECT id FROM audit_pending LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.is_some())
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

/// One event, sealed or pending.
pub async fn get(conn: &mut Conn, id: i64) -> Result<AuditEvent, StoreError> {
    let mut q = Sql::new("SELECT ");
    q.push(COLUMNS)
        .push(" FROM audit_events WHERE id = ")
        .int(id);
    match q.query().fetch_optional(&mut *conn).await? {
        Some(r) => Ok(from_row(&r)?),
        None => Err(StoreError::NotFound),
    }
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
    /// Events about this record type (`session`, `message_template`, …).
    pub entity_type: Option<String>,
    /// Events about the record with this id (with `entity_type`, one record).
    pub entity_id: Option<i64>,
    pub actor_user_id: Option<i64>,
    /// Actions starting with this (`session.` for every session action, `session.cancel` exactly).
    pub action: Option<String>,
    /// Events at or after this instant.
    pub from_ms: Option<i64>,
    /// Events before this instant.
    pub to_ms: Option<i64>,
    /// Free text: part of who acted, the action or the record type, or a record's `#id`.
    pub q: String,
    pub page: i64,
    pub per_page: i64,
}

pub async fn list(conn: &mut Conn, f: &AuditFilter) -> Result<Page<AuditEvent>, StoreError> {
    let entity_type = match &f.entity_type {
        Some(t) => crate::table::type_name("entity_type", t)?,
        None => None,
    };
    let paging = crate::row::Paging::new(f.page, f.per_page, false)?;
    let build = |head: &str| {
        let mut q = Sql::new(head);
        q.push(" FROM audit_events WHERE 1 = 1");
        if let Some(t) = entity_type {
            q.push(" AND entity_type = ").text(t);
        }
        if let Some(a) = f.actor_user_id {
            q.push(" AND actor_user_id = ").int(a);
        }
        if let Some(id) = f.entity_id {
            q.push(" AND entity_id = ").int(id);
        }
        if let Some(a) = f.action.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
            // A prefix as a range, so that it needs no LIKE escaping.
            q.push(" AND action >= ")
                .text(a)
                .push(" AND action < ")
                .text(&format!("{a}\u{10FFFF}"));
        }
        if let Some(t) = f.from_ms {
            q.push(" AND occurred_at >= ").int(t);
        }
        if let Some(t) = f.to_ms {
            q.push(" AND occurred_at < ").int(t);
        }
        let term = f.q.trim();
        if let Some(id) = term
            .strip_prefix('#')
            .and_then(|n| n.trim().parse::<i64>().ok())
        {
            q.push(" AND entity_id = ").int(id);
        } else {
            crate::table::search(&mut q, &["actor_label", "action", "entity_type"], term);
        }
        q
    };
    let mut select = build(&format!("SELECT {COLUMNS}"));
    select.push(" ORDER BY id DESC");
    crate::row::paged(conn, select, build("SELECT count(*)"), paging, from_row).await
}

/// The chain's head and where keyed links begin.
struct Head {
    last_id: i64,
    last_hash: String,
    keyed_from: i64,
    key_check: String,
}

async fn head(conn: &mut Conn) -> Result<Head, StoreError> {
    let r = sqlx::query(
        "SELECT last_id, last_hash, keyed_from, key_check FROM audit_head WHERE singleton = 1",
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(Head {
        last_id: r.i("last_id")?,
        last_hash: r.s("last_hash")?,
        keyed_from: r.i("keyed_from")?,
        key_check: r.s("key_check")?,
    })
}

/// Records which key seals this database's chain, inside the migration's (or start-up's)
/// transaction. Where events from before the key exist (`keyed_from > 1`), only migration 0011
/// itself may do this — otherwise anyone could reset `keyed_from` and have it re-authenticated —
/// and it then needs the key. A chain sealed with another key is refused.
pub(crate) async fn adopt_key(
    conn: &mut Conn,
    key: Option<&AuditKey>,
    migrating: bool,
) -> Result<(), StoreError> {
    let h = head(conn).await?;
    let Some(key) = key else {
        if migrating && h.keyed_from > 1 {
            return Err(StoreError::AuditKey(
                "this database has audit events from before the audit key existed; start with \
                 the audit key configured (TRAINYARD_AUDIT_KEY or --audit-key-file) to migrate it"
                    .into(),
            ));
        }
        return Ok(());
    };
    let expected = key_check(key, h.keyed_from);
    if h.key_check.is_empty() {
        if migrating || h.keyed_from == 1 {
            sqlx::query("UPDATE audit_head SET key_check = $1 WHERE singleton = 1")
                .bind(expected)
                .execute(&mut *conn)
                .await?;
        }
        return Ok(());
    }
    if !same(&h.key_check, &expected) {
        return Err(StoreError::AuditKey(format!(
            "the configured audit key (fingerprint {}) is not the key this database's audit trail \
             is sealed with; use the original key (see the README on backing it up)",
            key.fingerprint()
        )));
    }
    Ok(())
}

/// Recomputes the whole chain with `key`. Returns the number of events verified, or the first
/// broken one.
pub async fn verify(conn: &mut Conn, key: &AuditKey) -> Result<i64, StoreError> {
    Ok(walk(conn, key, None).await?.count)
}

/// What [`walk`] found: the events verified, the link at the wanted event number, and the head it
/// verified up to.
struct Walked {
    count: i64,
    found: Option<String>,
    last_id: i64,
    last_hash: String,
}

/// Walks the chain, checking every link and the head; stops early with an error. With `want`,
/// also returns the link found at that event number.
async fn walk(conn: &mut Conn, key: &AuditKey, want: Option<i64>) -> Result<Walked, StoreError> {
    let start = head(conn).await?;
    // `keyed_from` is only genuine with its check (see `adopt_key`); without that, anyone could
    // declare keyed events old and rewrite them with plain SHA-256.
    if start.keyed_from < 1 || (start.keyed_from > 1 && start.key_check.is_empty()) {
        return Err(StoreError::AuditChainBroken(
            start.keyed_from.clamp(1, start.last_id + 1),
        ));
    }
    if !start.key_check.is_empty() && !same(&start.key_check, &key_check(key, start.keyed_from)) {
        return Err(StoreError::AuditKey(format!(
            "the trail's key check does not match this key (fingerprint {}): either this is not \
             the key the trail was sealed with, or audit_head was altered",
            key.fingerprint()
        )));
    }
    let mut prev = "0".repeat(64);
    let mut after_id = 0i64;
    let mut n = 0;
    let mut found = None;
    // A sealer in another process may link new events while we walk; look once more before
    // calling a head beyond the last event a deleted tail.
    let mut looked_again_at = None;
    loop {
        let mut q = Sql::new("SELECT ");
        q.push(COLUMNS)
            .push(" FROM audit_events WHERE id > ")
            .int(after_id)
            .push(" ORDER BY id LIMIT 1000");
        let rows = q.query().fetch_all(&mut *conn).await?;
        if rows.is_empty() {
            // The head must point at the last event: a deleted tail is tampering too.
            let h = head(conn).await?;
            if h.last_id > after_id && looked_again_at != Some(after_id) {
                looked_again_at = Some(after_id);
                continue;
            }
            if h.last_id != after_id || h.last_hash != prev {
                return Err(StoreError::AuditChainBroken(after_id + 1));
            }
            return Ok(Walked {
                count: n,
                found,
                last_id: after_id,
                last_hash: prev,
            });
        }
        for r in &rows {
            let id = r.i("id")?;
            let k = (id >= start.keyed_from).then_some(key);
            let expected = Written::from_row(r)?.hash(k, &prev, id);
            if r.s("prev_hash")? != prev || !same(&r.s("hash")?, &expected) || id != after_id + 1 {
                return Err(StoreError::AuditChainBroken(id));
            }
            if want == Some(id) {
                found = Some(expected.clone());
            }
            prev = expected;
            after_id = id;
            n += 1;
        }
    }
}

/// The head of the chain at one moment, signed with the audit key. Kept outside the database
/// (a file, an e-mail to the admins), it lets [`verify_checkpoint`] prove later that nothing up
/// to that event was changed or removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Checkpoint {
    /// The newest sealed event when the checkpoint was taken (0: the trail was empty).
    pub event: i64,
    /// That event's link in the chain.
    pub hash: String,
    /// When the checkpoint was taken, UTC milliseconds.
    pub created_at: i64,
    /// HMAC-SHA256 under the audit key over the three fields above.
    pub hmac: String,
}

impl Checkpoint {
    fn mac(key: &AuditKey, event: i64, hash: &str, created_at: i64) -> String {
        key.mac(&[
            "trainyard audit checkpoint",
            &event.to_string(),
            hash,
            &created_at.to_string(),
        ])
    }

    /// Whether the checkpoint was made with `key` and not altered since.
    pub fn is_genuine(&self, key: &AuditKey) -> bool {
        same(
            &self.hmac,
            &Self::mac(key, self.event, &self.hash, self.created_at),
        )
    }
}

/// The addresses audit checkpoints are e-mailed to: every admin account not archived.
pub async fn admin_addresses(conn: &mut Conn) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query(
        "SELECT email FROM users WHERE role = 'admin' AND archived_at IS NULL ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .iter()
        .map(|r| r.s("email"))
        .collect::<Result<_, _>>()?)
}

/// Verifies the whole chain and signs its head. Seal pending events first to include them.
pub async fn checkpoint(
    conn: &mut Conn,
    key: &AuditKey,
    now: i64,
) -> Result<Checkpoint, StoreError> {
    // Sign the head that was verified, not one a sealer may have moved since.
    let w = walk(conn, key, None).await?;
    Ok(Checkpoint {
        event: w.last_id,
        hmac: Checkpoint::mac(key, w.last_id, &w.last_hash, now),
        hash: w.last_hash,
        created_at: now,
    })
}

/// Verifies the whole chain, and that the event `cp` names is still in it with the same link: so
/// nothing up to it was changed, and nothing up to it was removed (a truncated trail whose head was
/// moved back verifies on its own, but not against a checkpoint taken before). Returns the number
/// of events verified.
pub async fn verify_checkpoint(
    conn: &mut Conn,
    key: &AuditKey,
    cp: &Checkpoint,
) -> Result<i64, StoreError> {
    if !cp.is_genuine(key) {
        return Err(StoreError::AuditCheckpoint(
            "the checkpoint was not signed with this audit key, or was altered".into(),
        ));
    }
    let Walked {
        count: n, found, ..
    } = walk(conn, key, Some(cp.event)).await?;
    if cp.event == 0 {
        return Ok(n);
    }
    match found {
        None => Err(StoreError::AuditCheckpoint(format!(
            "event {} is gone: the trail ends at event {n}, so events were removed",
            cp.event
        ))),
        Some(link) if !same(&link, &cp.hash) => Err(StoreError::AuditCheckpoint(format!(
            "event {} is not the event the checkpoint recorded",
            cp.event
        ))),
        Some(_) => Ok(n),
    }
}
