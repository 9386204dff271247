//! Outgoing messages, written in the same transaction as the change that causes them.

use crate::row::{Col, Sql};
use crate::{Conn, StoreError};
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

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Message {
    pub id: i64,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub status: String,
    pub attempts: i64,
    #[serde(serialize_with = "crate::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub sent_at: Option<i64>,
    pub last_error: Option<String>,
}

pub async fn enqueue(conn: &mut Conn, m: &NewMessage<'_>, now: i64) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO outbox (created_at, kind, recipient, subject, body, entity_type, entity_id, status, next_attempt_at, \
         idempotency_key) VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $1, $8) ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(now)
    .bind(m.kind)
    .bind(m.recipient)
    .bind(m.subject)
    .bind(m.body)
    .bind(m.entity_type)
    .bind(m.entity_id)
    .bind(m.idempotency_key)
    .execute(&mut *conn)
    .await?;
    Ok(())
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
    })
}

/// The messages caused by changes to one record, newest first.
pub async fn for_entity(
    conn: &mut Conn,
    entity_type: &str,
    entity_id: i64,
) -> Result<Vec<Message>, StoreError> {
    let mut q = Sql::new(
        "SELECT id, created_at, kind, recipient, subject, status, attempts, sent_at, last_error FROM outbox WHERE entity_type = ",
    );
    q.text(entity_type)
        .push(" AND entity_id = ")
        .int(entity_id)
        .push(" ORDER BY id DESC LIMIT 200");
    Ok(q.query()
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(from_row)
        .collect::<Result<_, _>>()?)
}
