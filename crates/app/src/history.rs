//! A record's history from the audit trail.

use crate::{App, AppError, Caller};
use trainyard_store::Page;
use trainyard_store::audit::{self, AuditEvent, AuditFilter};

/// Staff see the history of every record; others see none (their portals show their own data).
pub async fn of_record(
    app: &App,
    caller: &Caller,
    entity_type: &str,
    id: i64,
) -> Result<Vec<AuditEvent>, AppError> {
    caller.require_staff("see the history of records")?;
    let mut conn = app.store.read().await?;
    // The before and after snapshots carry every field: finance data only for finance.
    Ok(crate::audience::ForReader::for_reader(
        audit::history(&mut conn, entity_type, id).await?,
        caller,
    ))
}

pub async fn recent(
    app: &App,
    caller: &Caller,
    filter: &AuditFilter,
) -> Result<Page<AuditEvent>, AppError> {
    caller.require(
        caller.role.can_administer() || caller.role == trainyard_core::Role::Manager,
        "see the audit trail",
    )?;
    // The trail lists sealed events only; seal what is waiting so the newest changes show.
    crate::audit::seal_pending(app).await?;
    let mut conn = app.store.read().await?;
    Ok(audit::list(&mut conn, filter).await?)
}

/// Recomputes the hash chain: the number of events verified, or where it breaks.
pub async fn verify(app: &App, caller: &Caller) -> Result<i64, AppError> {
    caller.require(
        caller.role.can_administer() || caller.role == trainyard_core::Role::Manager,
        "verify the audit trail",
    )?;
    crate::audit::seal_pending(app).await?;
    let mut conn = app.store.read().await?;
    match audit::verify(&mut conn).await {
        Ok(n) => Ok(n),
        Err(trainyard_store::StoreError::AuditChainBroken(id)) => Err(AppError::Refused(format!(
            "the audit trail has been tampered with at event {id}"
        ))),
        Err(e) => Err(e.into()),
    }
}
