//! A record's history from the audit trail.

use crate::{App, AppError, Caller};
use trainyard_store::Page;
use trainyard_store::audit::{self, AuditEvent, AuditFilter, AuditKey, Checkpoint};

/// Staff see the history of every record; others see none (their portals show their own data).
pub async fn of_record(
    app: &App,
    caller: &Caller,
    entity_type: &str,
    id: i64,
) -> Result<Vec<AuditEvent>, AppError> {
    caller.require_staff("see the history of records")?;
    if crate::prices::FINANCE_ENTITIES.contains(&entity_type) {
        caller.require_finance("see the history of agreements and rates")?;
    }
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

fn may_see_trail(caller: &Caller) -> Result<(), AppError> {
    caller.require(
        caller.role.can_administer() || caller.role == trainyard_core::Role::Manager,
        "see the audit trail",
    )
}

/// One event of the trail with its before and after, for its detail view.
pub async fn event(app: &App, caller: &Caller, id: i64) -> Result<AuditEvent, AppError> {
    may_see_trail(caller)?;
    let mut conn = app.store.read().await?;
    let e = audit::get(&mut conn, id)
        .await
        .map_err(|e| AppError::from(e).about("audit event"))?;
    // The snapshots carry every field: finance data only for finance, as in a record's history.
    crate::audience::ForReader::for_reader(vec![e], caller)
        .pop()
        .ok_or(AppError::NotFound("audit event"))
}

/// The people the trail can be filtered by: (user id, name and address), by name.
pub async fn actors(app: &App, caller: &Caller) -> Result<Vec<(i64, String)>, AppError> {
    may_see_trail(caller)?;
    let mut conn = app.store.read().await?;
    let mut out: Vec<(i64, String)> = trainyard_store::users::list(&mut conn, 1, 200)
        .await?
        .items
        .into_iter()
        .map(|u| (u.id, format!("{} <{}>", u.display_name, u.email)))
        .collect();
    out.sort_by_key(|(_, l)| l.to_lowercase());
    Ok(out)
}

/// Recomputes the hash chain: the number of events verified, or where it breaks.
pub async fn verify(app: &App, caller: &Caller) -> Result<i64, AppError> {
    let key = may_verify(app, caller, "verify the audit trail")?;
    crate::audit::seal_pending(app).await?;
    let mut conn = app.store.read().await?;
    explain(audit::verify(&mut conn, &key).await)
}

/// Verifies the chain, and that nothing up to the event `checkpoint` recorded was changed or
/// removed since it was taken.
pub async fn verify_checkpoint(
    app: &App,
    caller: &Caller,
    checkpoint: &Checkpoint,
) -> Result<i64, AppError> {
    let key = may_verify(app, caller, "verify the audit trail")?;
    crate::audit::seal_pending(app).await?;
    let mut conn = app.store.read().await?;
    explain(audit::verify_checkpoint(&mut conn, &key, checkpoint).await)
}

/// Seals what is pending, verifies the chain and signs its head (see [`Checkpoint`]).
pub async fn checkpoint(app: &App, caller: &Caller) -> Result<Checkpoint, AppError> {
    let key = may_verify(app, caller, "take an audit checkpoint")?;
    crate::audit::seal_pending(app).await?;
    let mut conn = app.store.read().await?;
    explain(audit::checkpoint(&mut conn, &key, crate::now_ms()).await)
}

fn may_verify(app: &App, caller: &Caller, what: &str) -> Result<AuditKey, AppError> {
    caller.require(
        caller.role.can_administer() || caller.role == trainyard_core::Role::Manager,
        what,
    )?;
    app.store.audit_key().cloned().ok_or_else(|| {
        AppError::refused(
            "no audit key is configured (TRAINYARD_AUDIT_KEY or --audit-key-file): the trail \
             cannot be verified without it"
                .into(),
        )
    })
}

fn explain<T>(r: Result<T, trainyard_store::StoreError>) -> Result<T, AppError> {
    use trainyard_store::StoreError;
    match r {
        Ok(v) => Ok(v),
        Err(StoreError::AuditChainBroken(id)) => Err(AppError::refused(format!(
            "the audit trail has been tampered with at event {id}"
        ))),
        Err(e @ (StoreError::AuditKey(_) | StoreError::AuditCheckpoint(_))) => {
            Err(AppError::refused(e.to_string()))
        }
        Err(e) => Err(e.into()),
    }
}
