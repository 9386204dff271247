//! Single-use links sent by e-mail (confirm a registration, sign in, set a password, accept an
//! invitation). Only the
//! SHA-256 of a link's secret is stored. [`consume`] marks a token used with one guarded UPDATE,
//! so a link works once even when it is followed twice at the same moment.

use crate::row::Col;
use crate::{Conn, StoreError};
use sqlx::any::AnyRow;

/// What a link does when it is followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Confirms a registration from the catalog: creates the account and enrolls.
    Confirm,
    /// Signs an existing account in.
    SignIn,
    /// Sets (or resets) an existing account's password.
    SetPassword,
    /// No link: records that a notice went to the address (a registration with an address whose
    /// account may not sign in by link), so that notices count towards the hourly limit too.
    /// Stored already expired; never usable.
    Notice,
    /// An invitation from an administrator: following it creates the account linked to an
    /// instructor, client or learner record (named in the payload) with a password chosen then.
    Invite,
}

impl Purpose {
    pub fn as_str(&self) -> &'static str {
        match self {
            Purpose::Confirm => "confirm",
            Purpose::SignIn => "sign_in",
            Purpose::SetPassword => "set_password",
            Purpose::Notice => "notice",
            Purpose::Invite => "invite",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Purpose::Confirm,
            Purpose::SignIn,
            Purpose::SetPassword,
            Purpose::Notice,
            Purpose::Invite,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }
}

#[derive(Debug, Clone)]
pub struct AccountToken {
    pub id: i64,
    pub purpose: Purpose,
    /// Lower-case; the address the link was sent to.
    pub email: String,
    /// The account it acts on; `None` for a registration not yet confirmed.
    pub user_id: Option<i64>,
    /// The session a registration (or a sign-in after one) is about.
    pub session_id: Option<i64>,
    /// JSON: what a registration typed (names).
    pub payload: String,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub created_at: i64,
}

pub struct NewToken<'a> {
    pub purpose: Purpose,
    pub email: &'a str,
    pub user_id: Option<i64>,
    pub session_id: Option<i64>,
    pub payload: &'a str,
    pub token_hash: &'a str,
    pub expires_at: i64,
}

/// The columns every query here reads (a macro, so that the statements stay `&'static str`).
macro_rules! select {
    ($rest:literal) => {
        concat!(
            "SELECT id, purpose, email, user_id, session_id, payload, expires_at, used_at, created_at \
             FROM account_tokens ",
            $rest
        )
    };
}

fn from_row(r: &AnyRow) -> Result<AccountToken, sqlx::Error> {
    let purpose = r.s("purpose")?;
    Ok(AccountToken {
        id: r.i("id")?,
        purpose: Purpose::parse(&purpose).ok_or_else(|| {
            sqlx::Error::Decode(format!("unknown account token purpose '{purpose}'").into())
        })?,
        email: r.s("email")?,
        user_id: r.oi("user_id")?,
        session_id: r.oi("session_id")?,
        payload: r.s("payload")?,
        expires_at: r.i("expires_at")?,
        used_at: r.oi("used_at")?,
        created_at: r.i("created_at")?,
    })
}

pub async fn insert(conn: &mut Conn, t: &NewToken<'_>, now: i64) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO account_tokens (purpose, email, user_id, session_id, payload, token_hash, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(t.purpose.as_str())
    .bind(t.email.trim().to_lowercase())
    .bind(t.user_id)
    .bind(t.session_id)
    .bind(t.payload)
    .bind(t.token_hash)
    .bind(t.expires_at)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.i("id")?)
}

/// The token with this hash and purpose if it can still be used (not used, not expired). Does
/// not use it: pages that ask for a password first only look.
pub async fn find_usable(
    conn: &mut Conn,
    token_hash: &str,
    purpose: Purpose,
    now: i64,
) -> Result<Option<AccountToken>, StoreError> {
    let row = sqlx::query(select!(
        "WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3"
    ))
    .bind(token_hash)
    .bind(purpose.as_str())
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// Uses the token: exactly one caller gets it, however many follow the link at once; an unknown,
/// used or expired token gives `None`. The guarded UPDATE is the transaction's first write.
pub async fn consume(
    conn: &mut Conn,
    token_hash: &str,
    purpose: Purpose,
    now: i64,
) -> Result<Option<AccountToken>, StoreError> {
    let done = sqlx::query(
        "UPDATE account_tokens SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 \
         AND used_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(token_hash)
    .bind(purpose.as_str())
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(None);
    }
    let row = sqlx::query(select!("WHERE token_hash = $1"))
        .bind(token_hash)
        .fetch_one(&mut *conn)
        .await?;
    Ok(Some(from_row(&row)?))
}

/// Marks every other unused link of `email` with `purpose` used: after a password is set, older
/// reset links must not work any more.
pub async fn retire_others(
    conn: &mut Conn,
    email: &str,
    purpose: Purpose,
    now: i64,
) -> Result<u64, StoreError> {
    Ok(sqlx::query(
        "UPDATE account_tokens SET used_at = $1 WHERE email = $2 AND purpose = $3 AND used_at IS NULL",
    )
    .bind(now)
    .bind(email.trim().to_lowercase())
    .bind(purpose.as_str())
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

/// How many links were issued to `email` since `since` (any purpose).
pub async fn issued_since(conn: &mut Conn, email: &str, since: i64) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "SELECT CAST(count(*) AS BIGINT) AS n FROM account_tokens WHERE email = $1 AND created_at >= $2",
    )
    .bind(email.trim().to_lowercase())
    .bind(since)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.i("n")?)
}
