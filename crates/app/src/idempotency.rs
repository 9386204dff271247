//! Idempotent retries of API requests, keyed per user.

use crate::accounts::secret_hash;
use crate::{App, AppError, Caller, now_ms};
use trainyard_store::idempotency::{self as store, Claim};

pub enum Outcome {
    /// First time this key is seen: run the request.
    Run,
    /// Seen and finished: answer with the stored response.
    Replay { status: u16, body: String },
}

/// Claims `key` for this request, or finds the earlier request that used it.
pub async fn begin(
    app: &App,
    caller: &Caller,
    key: &str,
    request: &str,
) -> Result<Outcome, AppError> {
    let hash = secret_hash(request);
    let mut conn = app.store.read().await?;
    match store::claim(&mut conn, caller.user_id, key, &hash, now_ms()).await? {
        Claim::Claimed => Ok(Outcome::Run),
        Claim::InFlight => Err(AppError::Refused(
            "a request with this Idempotency-Key is still being processed".into(),
        )),
        Claim::Done {
            request_hash,
            status,
            body,
        } if request_hash == hash => Ok(Outcome::Replay { status, body }),
        Claim::Done { .. } => Err(AppError::Invalid(trainyard_core::Invalid::field(
            "Idempotency-Key",
            "was already used for a different request; use a new key for a new request",
        ))),
    }
}

pub async fn finish(
    app: &App,
    caller: &Caller,
    key: &str,
    status: u16,
    body: &str,
) -> Result<(), AppError> {
    let mut conn = app.store.read().await?;
    Ok(store::complete(&mut conn, caller.user_id, key, status, body).await?)
}

pub async fn abandon(app: &App, caller: &Caller, key: &str) -> Result<(), AppError> {
    let mut conn = app.store.read().await?;
    Ok(store::release(&mut conn, caller.user_id, key).await?)
}
