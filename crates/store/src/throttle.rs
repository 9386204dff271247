//! The login throttle: attempt counters per bucket and fixed window, shared by every process
//! through the database. Each attempt claims its slot with one atomic upsert (the row's lock
//! orders concurrent claims), so the count a caller gets back includes every attempt before it.

use crate::row::Col;
use crate::{Conn, StoreError};

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

/// Removes the buckets whose window began before `before` (over, and so no longer counting).
pub async fn prune(conn: &mut Conn, before: i64) -> Result<u64, StoreError> {
    Ok(
        sqlx::query("DELETE FROM login_throttle WHERE window_start < $1")
            .bind(before)
            .execute(&mut *conn)
            .await?
            .rows_affected(),
    )
}
