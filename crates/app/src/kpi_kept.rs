//! The KPI counts kept summed ahead (migration 0050): recounted for what the database marked,
//! before a report reads them and in the background.

use crate::{App, AppError};
use trainyard_store::kpi_kept as repo;

/// Marks taken per transaction: a write lock held for a moment, not for a year of sessions.
const CHUNK: i64 = 2000;

/// Recounts the quarters and sessions marked since, chunk by chunk; returns how many marks it
/// took.
pub async fn refresh(app: &App) -> Result<usize, AppError> {
    // Most reads find nothing marked: they do not queue for the write lock.
    if !repo::any_marked(&mut *app.store.read().await?).await? {
        return Ok(0);
    }
    let mut done = 0;
    loop {
        let mut tx = app.store.write().await?;
        let marks = repo::take_marks(&mut tx, CHUNK).await?;
        if marks.is_empty() {
            tx.rollback().await?;
            return Ok(done);
        }
        let mut sessions: Vec<i64> = marks.iter().map(|m| m.0).collect();
        sessions.sort_unstable();
        sessions.dedup();
        let mut quarters: Vec<i64> = marks.iter().map(|m| m.1).collect();
        quarters.sort_unstable();
        quarters.dedup();
        repo::recount(&mut tx, &sessions, &quarters).await?;
        tx.commit().await?;
        done += marks.len();
        if (marks.len() as i64) < CHUNK {
            return Ok(done);
        }
    }
}
