//! Which language a person reads, and their own choice of it. The rule itself is pure
//! (`trainyard_core::locale::resolve`: the person's, else their client's, else the company's,
//! else English); this module reads the three from the store.

use crate::{App, AppError, Caller, now_ms};
use serde_json::json;
use trainyard_core::Invalid;
use trainyard_core::locale::{self, LanguageTag};
use trainyard_store::Conn;
use trainyard_store::learners::Learner;

/// The company's language, `None` when it was never set (English).
pub async fn company_default(conn: &mut Conn) -> Result<Option<String>, AppError> {
    let l = trainyard_store::templates::default_language(conn).await?;
    Ok((!l.trim().is_empty()).then_some(l))
}

/// The language a learner reads their messages in.
pub async fn of_learner(conn: &mut Conn, l: &Learner) -> Result<LanguageTag, AppError> {
    let company = company_default(conn).await?;
    Ok(locale::resolve(
        l.language.as_deref(),
        l.client_language.as_deref(),
        company.as_deref(),
    ))
}

/// The language of a recipient known by their stored tags (a contact or an instructor).
pub async fn of(
    conn: &mut Conn,
    own: Option<&str>,
    client: Option<&str>,
) -> Result<LanguageTag, AppError> {
    let company = company_default(conn).await?;
    Ok(locale::resolve(own, client, company.as_deref()))
}

/// The company's language for pages whose reader has none of their own (no login, no
/// preference, no browser language we ship). Anyone may ask: it is what the sign-in page shows.
pub async fn company_language(app: &App) -> Result<Option<LanguageTag>, AppError> {
    let mut conn = app.store.read().await?;
    Ok(company_default(&mut conn)
        .await?
        .and_then(|l| LanguageTag::parse(&l).ok()))
}

/// The signed-in user's choice of language for their pages (empty: their browser's, else the
/// company's). Audited as a change to the user.
pub async fn set_my_language(
    app: &App,
    caller: &Caller,
    language: &str,
) -> Result<Option<LanguageTag>, AppError> {
    if caller.user_id == 0 {
        return Err(AppError::Forbidden(
            "choose a language without an account".into(),
        ));
    }
    let tag = LanguageTag::parse_optional(language).map_err(|e| {
        let mut inv = Invalid::new();
        inv.add("language", e.to_string());
        AppError::from(inv)
    })?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let before = trainyard_store::users::get(&mut tx, caller.user_id).await?;
    let value = tag.as_ref().map(|t| t.to_string());
    if before.language == value {
        return Ok(tag);
    }
    trainyard_store::users::set_language(&mut tx, caller.user_id, value.as_deref(), now).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "user.language_changed",
        ("user", caller.user_id),
        Some(&json!({ "language": before.language })),
        Some(&json!({ "language": value })),
    )
    .await?;
    tx.commit().await?;
    Ok(tag)
}
