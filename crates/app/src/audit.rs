use crate::{App, AppError, Caller};
use serde::Serialize;
use trainyard_store::Conn;
use trainyard_store::audit::{self, Change};

/// Records one change of `entity` (its type and id, e.g. `("session", 12)`) by `caller`, with
/// before/after snapshots.
pub(crate) async fn record<T: Serialize>(
    conn: &mut Conn,
    caller: &Caller,
    now: i64,
    action: &str,
    (entity_type, id): (&str, i64),
    before: Option<&T>,
    after: Option<&T>,
) -> Result<(), AppError> {
    let snap = |v: Option<&T>| v.and_then(|v| serde_json::to_value(v).ok());
    let (before, after) = (snap(before), snap(after));
    let actor = caller.actor();
    let endpoints_enabled = audit::record(
        conn,
        &actor,
        now,
        Change {
            action,
            entity_type,
            entity_id: id,
            before: before.as_ref(),
            after: after.as_ref(),
        },
    )
    .await?;
    // The change's webhook event and xAPI statement, if an endpoint (a webhook subscriber or the
    // LRS) is on at all: in this same transaction.
    if endpoints_enabled {
        crate::webhooks::emit(
            conn,
            now,
            action,
            (entity_type, id),
            &actor.label,
            before.as_ref(),
            after.as_ref(),
        )
        .await?;
        crate::xapi::emit(conn, now, action, (entity_type, id), after.as_ref()).await?;
    }
    Ok(())
}

/// Events sealed per transaction: large enough to keep up with bursts, small enough that the
/// chain's lock is held only briefly.
const SEAL_BATCH: i64 = 500;

/// Links every event written so far into the hash chain (see `trainyard_store::audit`). Returns
/// how many were sealed. Safe from any number of processes at once.
pub async fn seal_pending(app: &App) -> Result<usize, AppError> {
    // Without the key nothing can be linked; the events wait for a process that has it.
    let Some(key) = app.store.audit_key().cloned() else {
        return Ok(0);
    };
    let mut total = 0;
    loop {
        let mut tx = app.store.write().await?;
        let n = audit::seal(&mut tx, SEAL_BATCH, &key).await?;
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

/// Queues `checkpoint` (see `trainyard_store::audit::Checkpoint`) as an e-mail to every active
/// admin, so that a copy of the signed head lives outside the database and the servers. Returns
/// the addresses it was queued for.
pub async fn email_checkpoint(
    app: &App,
    caller: &Caller,
    checkpoint: &audit::Checkpoint,
) -> Result<Vec<String>, AppError> {
    caller.require(
        caller.role.can_administer() || caller.role == trainyard_core::Role::Manager,
        "send an audit checkpoint",
    )?;
    let json = serde_json::to_string_pretty(checkpoint)
        .map_err(|e| AppError::refused(format!("the checkpoint cannot be written: {e}")))?;
    let body = format!(
        "Audit checkpoint of {url}\n\n\
         The audit trail was verified and its newest event signed with the audit key. Keep this\n\
         message (or save the JSON below as a file). To prove later that no event up to this one\n\
         was changed or removed, run:\n\n    trainyard audit-verify --checkpoint FILE\n\n{json}\n",
        url = app.settings.public_url
    );
    let subject = format!("Audit checkpoint: event {}", checkpoint.event);
    let now = crate::now_ms();
    let mut tx = app.store.write().await?;
    let admins = audit::admin_addresses(&mut tx).await?;
    for to in &admins {
        let key = format!(
            "audit-checkpoint-{}-{}-{to}",
            checkpoint.event, checkpoint.created_at
        );
        trainyard_store::outbox::enqueue(
            &mut tx,
            &trainyard_store::outbox::NewMessage {
                kind: "audit_checkpoint",
                recipient: to,
                subject: &subject,
                body: &body,
                entity_type: "audit",
                entity_id: checkpoint.event,
                idempotency_key: &key,
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(admins)
}
