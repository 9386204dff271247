//! The login throttle: attempt counters per bucket and fixed window, shared by every process
//! through the database. Each attempt claims its slot with one atomic upsert (the row's lock
//! orders concurrent claims), so the count a caller gets back includes every attempt before it.

use crate::row::Col;
use crate::{Backend, Conn, Store, StoreError};

/// Claims one attempt in `bucket` and returns `(attempts, window_start)`: the attempts counted in
/// the current window, this one included, and when that window began. A window that began at or
/// before `now - window_ms` is over: the count starts afresh with this attempt.
pub async fn claim(
    conn: &mut Conn,
    bucket: &str,
    now: i64,
    window_ms: i64,
) -> Result<(i64, i64), StoreError> {
    let r = sqlx::query(
        "INSERT INTO login_throttle (bucket, window_start, attempts) VALUES ($1, $2, 1) \
         ON CONFLICT (bucket) DO UPDATE SET \
         attempts = CASE WHEN login_throttle.window_start <= $3 THEN 1 ELSE login_throttle.attempts + 1 END, \
         window_start = CASE WHEN login_throttle.window_start <= $3 THEN $2 ELSE login_throttle.window_start END \
         RETURNING attempts, window_start",
    )
    .bind(bucket)
    .bind(now)
    .bind(now - window_ms)
    .fetch_one(&mut *conn)
    .await?;
    Ok((r.i("attempts")?, r.i("window_start")?))
}

/// Gives back one claimed attempt (the login succeeded), never going below zero.
pub async fn release(conn: &mut Conn, bucket: &str) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE login_throttle SET attempts = attempts - 1 WHERE bucket = $1 AND attempts > 0",
    )
    .bind(bucket)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Forgets a bucket's attempts altogether.
pub async fn forget(conn: &mut Conn, bucket: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM login_throttle WHERE bucket = $1")
        .bind(bucket)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

const PRUNE_POSTGRES: &str = "DELETE FROM login_throttle WHERE bucket IN \
    (SELECT bucket FROM login_throttle WHERE window_start < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)";
const PRUNE_SQLITE: &str = "DELETE FROM login_throttle WHERE bucket IN \
    (SELECT bucket FROM login_throttle WHERE window_start < $1 LIMIT $2)";

/// Removes up to `limit` buckets whose window began before `before` (over, no longer counting),
/// in a short transaction of its own. On PostgreSQL rows a login is claiming right now are
/// skipped, not waited for: the prune never holds one row while waiting for another, so it cannot
/// deadlock with claims (which lock pair, address and account rows in that order).
pub async fn prune(store: &Store, before: i64, limit: i64) -> Result<u64, StoreError> {
    let sql = match store.backend() {
        Backend::Postgres => PRUNE_POSTGRES,
        Backend::Sqlite => PRUNE_SQLITE,
    };
    let mut tx = store.write().await?;
    let n = sqlx::query(sql)
        .bind(before)
        .bind(limit.max(1))
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(n)
}
