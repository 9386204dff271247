//! Idempotent retries of API requests, keyed per user. A retry after a crash gets the stored
//! response, or runs once: see `trainyard_store::idempotency` for how a claim's lease and its
//! `committed` mark (written in the change's own transaction) decide which.

use crate::accounts::secret_hash;
use crate::{App, AppError, Caller, now_ms};
use trainyard_store::idempotency::{self as store, Claim};

pub enum Outcome {
    /// First time this key is seen: run the request.
    Run,
    /// Seen and finished: answer with the stored response.
    Replay { status: u16, body: String },
}

/// How long a claim holds before a retry may take it over: well beyond the longest a request may
/// run (the web layer's time-out is 30 s), so a live request is never run twice.
pub const LEASE_MS: i64 = 120_000;

/// Claims `key` for this request, or finds the earlier request that used it.
pub async fn begin(
    app: &App,
    caller: &Caller,
    key: &str,
    request: &str,
) -> Result<Outcome, AppError> {
    begin_at(app, caller, key, request, now_ms()).await
}

/// As [`begin`], as if the clock read `now` (tests: "after the lease").
pub async fn begin_at(
    app: &App,
    caller: &Caller,
    key: &str,
    request: &str,
    now: i64,
) -> Result<Outcome, AppError> {
    let hash = secret_hash(request);
    let mut conn = app.store.read().await?;
    match store::claim(&mut conn, caller.user_id, key, &hash, now, now + LEASE_MS).await? {
        Claim::Claimed => Ok(Outcome::Run),
        Claim::Lost { request_hash } if request_hash == hash => Ok(Outcome::Replay {
            status: 409,
            body: store::RESPONSE_LOST.to_owned(),
        }),
        Claim::InFlight => Err(AppError::refused(
            "a request with this Idempotency-Key is still being processed".into(),
        )),
        Claim::Done {
            request_hash,
            status,
            body,
        } if request_hash == hash => Ok(Outcome::Replay { status, body }),
        Claim::Done { .. } | Claim::Lost { .. } | Claim::OtherRequest => {
            Err(AppError::Invalid(trainyard_core::Invalid::field(
                "Idempotency-Key",
                "was already used for a different request; use a new key for a new request",
            )))
        }
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

/// Gives the key up after a request failed: a retry may run, unless the request's change had
/// committed (then the key answers "response lost").
pub async fn abandon(app: &App, caller: &Caller, key: &str) -> Result<(), AppError> {
    let mut conn = app.store.read().await?;
    store::release(&mut conn, caller.user_id, key).await?;
    Ok(())
}

/// Runs `request`, the work of the request that claimed `key`, so that each write transaction it
/// commits marks the claim committed in that same transaction.
pub async fn within<F: std::future::Future>(caller: &Caller, key: &str, request: F) -> F::Output {
    store::scope(caller.user_id, key, request).await
}
