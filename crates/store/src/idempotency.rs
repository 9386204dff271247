//! `Idempotency-Key` for API POSTs. A key is claimed before the request runs (the primary key makes
//! the claim atomic across processes); the response is stored when it completes, and a retry with the
//! same key and body gets the stored response instead of a second change.
//!
//! # Crashes
//!
//! A claim is a lease ([`claim`]'s `lease_until`): a process killed mid-request leaves a claim
//! nobody completes, and once its lease has run out a retry may take it over. Whether it then runs
//! depends on `committed`, which every write transaction of the request sets on its claim *inside
//! that transaction* ([`crate::Tx::commit`], through [`scope`]): so `committed` is true exactly when
//! the request's change committed.
//!
//! * Lease over, change not committed: the change vanished with the crash; the retry runs it.
//! * Lease over, change committed, response not stored (the process died in the moment between
//!   the commit and storing the response): the change is never run again; the retry gets
//!   [`RESPONSE_LOST`], a 409 that says so, stored as the key's answer from then on.
//! * Otherwise the stored response, as before.

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
    /// Another request with this key is still running (its lease has not run out).
    InFlight,
    /// The request that claimed the key died after its change committed but before its response
    /// was stored: the change must not run again, and its response is gone. [`RESPONSE_LOST`] is
    /// now stored as the key's answer.
    Lost { request_hash: String },
    /// The key was claimed for a different request, which never finished.
    OtherRequest,
}

/// The stored answer for a key whose change committed but whose response was lost.
pub const RESPONSE_LOST: &str = r#"{"type":"https://trainyard.dev/problems/idempotent-response-lost","title":"Response lost","status":409,"detail":"This request was carried out, but the server stopped before its response was recorded. Look up the result instead of retrying; use a new Idempotency-Key for a new request."}"#;

/// The request whose transactions mark its claim `committed` (see [`scope`]).
#[derive(Clone)]
struct Scope {
    user_id: i64,
    key: String,
}

tokio::task_local! {
    static SCOPE: Scope;
}

/// Runs `f` — one request that claimed `(user_id, key)` — so that every write transaction it
/// commits marks the claim `committed` in that same transaction.
pub async fn scope<F: std::future::Future>(user_id: i64, key: &str, f: F) -> F::Output {
    SCOPE
        .scope(
            Scope {
                user_id,
                key: key.to_owned(),
            },
            f,
        )
        .await
}

/// Inside a write transaction about to commit: if it belongs to an idempotent request, marks that
/// request's claim as committed, so a retry after a crash does not run the change again.
pub(crate) async fn mark_committed(conn: &mut Conn) -> Result<(), sqlx::Error> {
    let Ok(scope) = SCOPE.try_with(Scope::clone) else {
        return Ok(());
    };
    sqlx::query(
        "UPDATE idempotency_keys SET committed = 1 WHERE user_id = $1 AND idem_key = $2 AND status = 0",
    )
    .bind(scope.user_id)
    .bind(scope.key)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn claim(
    conn: &mut Conn,
    user_id: i64,
    key: &str,
    request_hash: &str,
    now: i64,
    lease_until: i64,
) -> Result<Claim, StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO idempotency_keys (user_id, idem_key, request_hash, status, response_body, created_at, claimed_until) \
         VALUES ($1, $2, $3, 0, '', $4, $5) ON CONFLICT (user_id, idem_key) DO NOTHING",
    )
    .bind(user_id)
    .bind(key)
    .bind(request_hash)
    .bind(now)
    .bind(lease_until)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(Claim::Claimed);
    }
    let r = sqlx::query(
        "SELECT request_hash, status, response_body, claimed_until, committed FROM idempotency_keys \
         WHERE user_id = $1 AND idem_key = $2",
    )
    .bind(user_id)
    .bind(key)
    .fetch_one(&mut *conn)
    .await?;
    let status = r.i("status")?;
    let stored_hash = r.s("request_hash")?;
    if status != 0 {
        return Ok(Claim::Done {
            request_hash: stored_hash,
            status: status as u16,
            body: r.s("response_body")?,
        });
    }
    let claimed_until = r.i("claimed_until")?;
    if claimed_until >= now {
        return Ok(Claim::InFlight);
    }
    if stored_hash != request_hash {
        return Ok(Claim::OtherRequest);
    }
    if r.i("committed")? == 1 {
        // Only the first retry to get here stores the answer; all of them give it.
        complete_lost(conn, user_id, key).await?;
        return Ok(Claim::Lost {
            request_hash: stored_hash,
        });
    }
    // The request that held the key died before its change committed: take the key over, unless
    // another retry just did (the lease end it read is then no longer there).
    let taken = sqlx::query(
        "UPDATE idempotency_keys SET claimed_until = $1 WHERE user_id = $2 AND idem_key = $3 \
         AND status = 0 AND committed = 0 AND claimed_until = $4",
    )
    .bind(lease_until)
    .bind(user_id)
    .bind(key)
    .bind(claimed_until)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(if taken == 1 {
        Claim::Claimed
    } else {
        Claim::InFlight
    })
}

async fn complete_lost(conn: &mut Conn, user_id: i64, key: &str) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE idempotency_keys SET status = 409, response_body = $1 \
         WHERE user_id = $2 AND idem_key = $3 AND status = 0 AND committed = 1",
    )
    .bind(RESPONSE_LOST)
    .bind(user_id)
    .bind(key)
    .execute(&mut *conn)
    .await?;
    Ok(())
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

/// Forgets a claim whose request failed before changing anything, so that a retry can run. A
/// claim whose change did commit is kept, answered with [`RESPONSE_LOST`]: running it again would
/// apply the change twice. Returns whether the claim was forgotten.
pub async fn release(conn: &mut Conn, user_id: i64, key: &str) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "DELETE FROM idempotency_keys WHERE user_id = $1 AND idem_key = $2 AND status = 0 AND committed = 0",
    )
    .bind(user_id)
    .bind(key)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        complete_lost(conn, user_id, key).await?;
    }
    Ok(n == 1)
}
