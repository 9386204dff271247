use crate::{AppError, Caller};
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
