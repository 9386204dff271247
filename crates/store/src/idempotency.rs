//! `Idempotency-Key` for API POSTs. A key is claimed before the request runs (the primary key makes
//! the claim atomic across processes); the response is stored when it completes, and a retry with the
//! same key and body gets the stored response instead of a second change.

use crate::row::Col;
use crate::{Conn, StoreError};

pub enum Claim {
    /// This request owns the key: run it, then [`complete`] or [`release`].
    Claimed,
    /// A finished request with this key: replay its response if the request hash matches.
    Done {
        request_hash: String,
        status: u16,
        body: String,
    },
    /// Another request with this key is still running.
    InFlight,
}

pub async fn claim(
    conn: &mut Conn,
    user_id: i64,
    key: &str,
    request_hash: &str,
    now: i64,
) -> Result<Claim, StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO idempotency_keys (user_id, idem_key, request_hash, status, response_body, created_at) \
         VALUES ($1, $2, $3, 0, '', $4) ON CONFLICT (user_id, idem_key) DO NOTHING",
    )
    .bind(user_id)
    .bind(key)
    .bind(request_hash)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(Claim::Claimed);
    }
    let r = sqlx::query("SELECT request_hash, status, response_body FROM idempotency_keys WHERE user_id = $1 AND idem_key = $2")
        .bind(user_id)
        .bind(key)
        .fetch_one(&mut *conn)
        .await?;
    let status = r.i("status")?;
    if status == 0 {
        return Ok(Claim::InFlight);
    }
    Ok(Claim::Done {
        request_hash: r.s("request_hash")?,
        status: status as u16,
        body: r.s("response_body")?,
    })
}

pub async fn complete(
    conn: &mut Conn,
    user_id: i64,
    key: &str,
    status: u16,
    body: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE idempotency_keys SET status = $1, response_body = $2 WHERE user_id = $3 AND idem_key = $4")
        .bind(i64::from(status))
        .bind(body)
        .bind(user_id)
        .bind(key)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Forgets a claim whose request failed before changing anything, so that a retry can run.
pub async fn release(conn: &mut Conn, user_id: i64, key: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM idempotency_keys WHERE user_id = $1 AND idem_key = $2 AND status = 0")
        .bind(user_id)
        .bind(key)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
