//! Single sign-on: the organisation's OpenID provider settings (one row) and the sign-ins under
//! way at the provider (state, nonce, PKCE verifier; used once).

use crate::row::Col;
use crate::{Conn, StoreError};
use serde::Serialize;

/// The provider settings as stored. `client_secret` never leaves the app crate's use cases.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SsoSettings {
    pub enabled: bool,
    pub issuer_url: String,
    pub client_id: String,
    #[serde(skip)]
    pub client_secret: String,
    pub password_login: bool,
    pub default_role: String,
    pub role_claim: String,
    pub role_map: String,
    pub version: i64,
}

/// The settings; the defaults (off, password sign-in on) before anyone saved any.
pub async fn settings(conn: &mut Conn) -> Result<SsoSettings, StoreError> {
    let row = sqlx::query(
        "SELECT enabled, issuer_url, client_id, client_secret, password_login, default_role, role_claim, \
         role_map, version FROM sso_settings WHERE id = 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = row else {
        return Ok(SsoSettings {
            password_login: true,
            ..SsoSettings::default()
        });
    };
    Ok(SsoSettings {
        enabled: r.i("enabled")? != 0,
        issuer_url: r.s("issuer_url")?,
        client_id: r.s("client_id")?,
        client_secret: r.s("client_secret")?,
        password_login: r.i("password_login")? != 0,
        default_role: r.s("default_role")?,
        role_claim: r.s("role_claim")?,
        role_map: r.s("role_map")?,
        version: r.i("version")?,
    })
}

/// Saves the settings if they are still at `s.version` (0: never saved); `Stale` otherwise.
pub async fn save(conn: &mut Conn, s: &SsoSettings, now: i64) -> Result<(), StoreError> {
    let q = if s.version == 0 {
        "INSERT INTO sso_settings (enabled, issuer_url, client_id, client_secret, password_login, default_role, \
         role_claim, role_map, updated_at, version, id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, 1) \
         ON CONFLICT (id) DO NOTHING"
    } else {
        "UPDATE sso_settings SET enabled = $1, issuer_url = $2, client_id = $3, client_secret = $4, \
         password_login = $5, default_role = $6, role_claim = $7, role_map = $8, updated_at = $9, \
         version = version + 1 WHERE id = 1 AND version = $10"
    };
    let n = sqlx::query(q)
        .bind(i64::from(s.enabled))
        .bind(&s.issuer_url)
        .bind(&s.client_id)
        .bind(&s.client_secret)
        .bind(i64::from(s.password_login))
        .bind(&s.default_role)
        .bind(&s.role_claim)
        .bind(&s.role_map)
        .bind(now)
        .bind(s.version)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if n == 1 {
        Ok(())
    } else {
        Err(StoreError::Stale {
            expected: s.version,
        })
    }
}

/// A sign-in under way at the provider.
#[derive(Debug, Clone)]
pub struct PendingLogin {
    pub nonce: String,
    pub pkce_verifier: String,
    pub next_path: String,
}

pub async fn begin_login(
    conn: &mut Conn,
    state_hash: &str,
    p: &PendingLogin,
    now: i64,
    expires_at: i64,
) -> Result<(), StoreError> {
    // Abandoned sign-ins go as new ones start: the table holds minutes of them, no more.
    sqlx::query("DELETE FROM sso_logins WHERE expires_at <= $1")
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO sso_logins (state_hash, nonce, pkce_verifier, next_path, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(state_hash)
    .bind(&p.nonce)
    .bind(&p.pkce_verifier)
    .bind(&p.next_path)
    .bind(now)
    .bind(expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Takes the sign-in of a state once: a replayed callback finds nothing.
pub async fn take_login(
    conn: &mut Conn,
    state_hash: &str,
    now: i64,
) -> Result<Option<PendingLogin>, StoreError> {
    let row = sqlx::query(
        "DELETE FROM sso_logins WHERE state_hash = $1 RETURNING nonce, pkce_verifier, next_path, expires_at",
    )
    .bind(state_hash)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = row else { return Ok(None) };
    if r.i("expires_at")? <= now {
        return Ok(None);
    }
    Ok(Some(PendingLogin {
        nonce: r.s("nonce")?,
        pkce_verifier: r.s("pkce_verifier")?,
        next_path: r.s("next_path")?,
    }))
}
