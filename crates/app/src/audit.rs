use crate::{App, AppError, Caller};
use serde::Serialize;
use trainyard_store::Conn;
use trainyard_store::audit::{self, Change};

/// Records one change of `entity_type` #`id` by `caller`, with before/after snapshots.
pub(crate) async fn record<T: Serialize>(
    conn: &mut Conn,
    caller: &Caller,
    now: i64,
    action: &str,
    entity_type: &str,
    id: i64,
    before: Option<&T>,
    after: Option<&T>,
) -> Result<(), AppError> {
    let snap = |v: Option<&T>| v.and_then(|v| serde_json::to_value(v).ok());
    audit::record(
        conn,
        &caller.actor(),
        now,
        Change {
            action,
            entity_type,
            entity_id: id,
            before: snap(before),
            after: snap(after),
        },
    )
    .await?;
    Ok(())
}

/// Events sealed per transaction: large enough to keep up with bursts, small enough that the
/// chain's lock is held only briefly.
const SEAL_BATCH: i64 = 500;

/// Links every event written so far into the hash chain (see `trainyard_store::audit`). Returns
/// how many were sealed. Safe from any number of processes at once.
pub async fn seal_pending(app: &App) -> Result<usize, AppError> {
    let mut total = 0;
    loop {
        let mut tx = app.store.write().await?;
        let n = audit::seal(&mut tx, SEAL_BATCH).await?;
        tx.commit().await?;
        total += n;
        if (n as i64) < SEAL_BATCH {
            return Ok(total);
        }
    }
}

/// Seals pending audit events a few times a second until `shutdown` resolves. Only PostgreSQL
/// defers sealing; on SQLite there is nothing to do and this returns at once.
pub async fn run_sealer(app: App, shutdown: impl std::future::Future<Output = ()>) {
    if app.store.backend() == trainyard_store::Backend::Sqlite {
        return;
    }
    tokio::pin!(shutdown);
    loop {
        if let Err(e) = seal_pending(&app).await {
            tracing::warn!(error = %e, "sealing the audit trail failed; retrying");
        }
        tokio::select! {
            _ = &mut shutdown => break,
            _ = tokio::time::sleep(std::time::Duration::from_millis(250)) => {}
        }
    }
    // Leave nothing unsealed that this process can still seal.
    let _ = seal_pending(&app).await;
}
