//! Jobs that one process at a time runs (migration 0052): a process claims the next run by moving
//! the job's due time forward, and only the one whose update wins runs it.

use crate::{Conn, StoreError};

/// Claims the run of `job` due at `now`, making the next one due at `next`; false when another
/// process claimed it already (or it is not due).
pub async fn claim(conn: &mut Conn, job: &str, now: i64, next: i64) -> Result<bool, StoreError> {
    let done =
        sqlx::query("UPDATE job_runs SET next_run_at = $1 WHERE job = $2 AND next_run_at <= $3")
            .bind(next)
            .bind(job)
            .bind(now)
            .execute(&mut *conn)
            .await?;
    Ok(done.rows_affected() == 1)
}
