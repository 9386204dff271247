//! Login sessions (cookie), API tokens (bearer) and the failed-login counter. Only hashes of
//! secrets are stored.

use crate::row::Col;
use crate::users::{self, User};
use crate::{Conn, StoreError};
use serde::Serialize;

pub async fn create_session(
    conn: &mut Conn,
    token_hash: &str,
    user_id: i64,
    csrf_token: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO auth_sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(csrf_token)
    .bind(now)
    .bind(expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The user and CSRF token of a live session.
pub async fn session_user(
    conn: &mut Conn,
    token_hash: &str,
    now: i64,
) -> Result<Option<(User, String)>, StoreError> {
    let row = sqlx::query(
        "SELECT u.id, u.email, u.display_name, u.password_hash, u.role, u.client_id, u.instructor_id, u.learner_id, \
         u.time_zone, u.language, u.created_at, u.archived_at, u.version, s.csrf_token FROM auth_sessions s \
         JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.archived_at IS NULL",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(r) => Ok(Some((users::from_row(&r)?, r.s("csrf_token")?))),
        None => Ok(None),
    }
}

pub async fn delete_session(conn: &mut Conn, token_hash: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM auth_sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn delete_expired_sessions(conn: &mut Conn, now: i64) -> Result<u64, StoreError> {
    Ok(
        sqlx::query("DELETE FROM auth_sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *conn)
            .await?
            .rows_affected(),
    )
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<i64>,
    #[serde(serialize_with = "crate::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<i64>,
    /// What the token may do, space-separated: `read` and/or areas (`scheduling`,
    /// `enrollment`, `finance`, `reports`, `admin`).
    #[schema(example = "read finance")]
    pub scopes: String,
    /// When it stops working; absent only for tokens made before tokens expired.
    #[serde(serialize_with = "crate::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<i64>,
}

/// What a new token is.
pub struct NewToken<'a> {
    pub user_id: i64,
    pub name: &'a str,
    pub token_hash: &'a str,
    pub scopes: &'a str,
    pub expires_at: i64,
}

pub async fn create_token(conn: &mut Conn, t: &NewToken<'_>, now: i64) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO api_tokens (user_id, name, token_hash, created_at, scopes, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(t.user_id)
    .bind(t.name)
    .bind(t.token_hash)
    .bind(now)
    .bind(t.scopes)
    .bind(t.expires_at)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.i("id")?)
}

/// The user of a live token (not revoked, not expired), with the token's id, scopes and expiry.
pub async fn token_user(
    conn: &mut Conn,
    token_hash: &str,
    now: i64,
) -> Result<Option<(User, LiveToken)>, StoreError> {
    let row = sqlx::query(
        "SELECT u.id, u.email, u.display_name, u.password_hash, u.role, u.client_id, u.instructor_id, u.learner_id, \
         u.time_zone, u.language, u.created_at, u.archived_at, u.version, t.id AS token_id, t.last_used_at, \
         t.scopes, t.expires_at FROM api_tokens t \
         JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.archived_at IS NULL \
         AND (t.expires_at IS NULL OR t.expires_at > $2)",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = row else { return Ok(None) };
    // Touch at most once a minute: a busy integration must not turn every read into a write.
    if r.oi("last_used_at")?.is_none_or(|t| now - t > 60_000) {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(now)
            .bind(r.i("token_id")?)
            .execute(&mut *conn)
            .await?;
    }
    let live = LiveToken {
        id: r.i("token_id")?,
        scopes: r.s("scopes")?,
        expires_at: r.oi("expires_at")?,
    };
    Ok(Some((users::from_row(&r)?, live)))
}

/// The token a request came with.
#[derive(Debug, Clone)]
pub struct LiveToken {
    pub id: i64,
    pub scopes: String,
    pub expires_at: Option<i64>,
}

pub async fn list_tokens(conn: &mut Conn, user_id: i64) -> Result<Vec<ApiToken>, StoreError> {
    let q = sqlx::query(
        "SELECT id, user_id, name, created_at, last_used_at, revoked_at, scopes, expires_at FROM api_tokens \
         WHERE user_id = $1 ORDER BY id DESC",
    )
    .bind(user_id);
    crate::row::fetch_all(conn, q, |r| {
        Ok(ApiToken {
            id: r.i("id")?,
            user_id: r.i("user_id")?,
            name: r.s("name")?,
            created_at: r.i("created_at")?,
            last_used_at: r.oi("last_used_at")?,
            revoked_at: r.oi("revoked_at")?,
            scopes: r.s("scopes")?,
            expires_at: r.oi("expires_at")?,
        })
    })
    .await
}

pub async fn revoke_token(
    conn: &mut Conn,
    user_id: i64,
    token_id: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let n = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
        .bind(now)
        .bind(token_id)
        .bind(user_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(n == 1)
}

pub async fn record_login_failure(
    conn: &mut Conn,
    email: &str,
    remote: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO login_failures (email, remote, at) VALUES ($1, $2, $3)")
        .bind(email.trim().to_lowercase())
        .bind(remote)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Failures for this e-mail, and from this address, since `since`.
pub async fn login_failures_since(
    conn: &mut Conn,
    email: &str,
    remote: &str,
    since: i64,
) -> Result<(i64, i64), StoreError> {
    let r = sqlx::query(
        "SELECT (SELECT count(*) FROM login_failures WHERE email = $1 AND at > $3) AS by_email, \
         (SELECT count(*) FROM login_failures WHERE remote = $2 AND at > $3) AS by_remote",
    )
    .bind(email.trim().to_lowercase())
    .bind(remote)
    .bind(since)
    .fetch_one(&mut *conn)
    .await?;
    Ok((r.i("by_email")?, r.i("by_remote")?))
}

pub async fn clear_login_failures(conn: &mut Conn, email: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM login_failures WHERE email = $1")
        .bind(email.trim().to_lowercase())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Ends every login session of a user (after their password is set anew). Returns how many.
pub async fn delete_sessions_of_user(conn: &mut Conn, user_id: i64) -> Result<u64, StoreError> {
    Ok(sqlx::query("DELETE FROM auth_sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?
        .rows_affected())
}

/// Revokes every live API token of a user (when the account is deactivated). Returns how many.
pub async fn revoke_tokens_of_user(
    conn: &mut Conn,
    user_id: i64,
    now: i64,
) -> Result<u64, StoreError> {
    Ok(sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}
