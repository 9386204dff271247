//! Message wording edited by administrators: one row per event and language overrides the
//! built-in wording (`trainyard_app::messages::default_template`). No row means "built-in".
//! The functions without a language read and write the English row.

use crate::row::Col;
use crate::{Conn, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StoredTemplate {
    pub event: String,
    /// The language of this wording (a BCP 47 primary tag: `en`, `de` …).
    pub language: String,
    pub subject: String,
    pub body: String,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
    pub updated_by: Option<i64>,
    pub version: i64,
}

const SELECT_ALL: &str = "SELECT event, language, subject, body, updated_at, updated_by, version FROM message_templates ORDER BY event, language";

fn from_row(r: &AnyRow) -> Result<StoredTemplate, sqlx::Error> {
    Ok(StoredTemplate {
        event: r.s("event")?,
        language: r.s("language")?,
        subject: r.s("subject")?,
        body: r.s("body")?,
        updated_at: r.i("updated_at")?,
        updated_by: r.oi("updated_by")?,
        version: r.i("version")?,
    })
}

/// The edited English wording of `event`, if an administrator has changed it.
pub async fn get(conn: &mut Conn, event: &str) -> Result<Option<StoredTemplate>, StoreError> {
    get_in(conn, event, "en").await
}

/// The edited wording of `event` in `language`, if an administrator has written one.
pub async fn get_in(
    conn: &mut Conn,
    event: &str,
    language: &str,
) -> Result<Option<StoredTemplate>, StoreError> {
    let r = sqlx::query(
        "SELECT event, language, subject, body, updated_at, updated_by, version FROM message_templates \
         WHERE event = $1 AND language = $2",
    )
    .bind(event.to_owned())
    .bind(language.to_owned())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(r.as_ref().map(from_row).transpose()?)
}

/// Every edited template.
pub async fn all(conn: &mut Conn) -> Result<Vec<StoredTemplate>, StoreError> {
    let rows = sqlx::query(SELECT_ALL).fetch_all(&mut *conn).await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// Saves the English wording of `event` (see [`save_in`]).
pub async fn save(
    conn: &mut Conn,
    event: &str,
    subject: &str,
    body: &str,
    user_id: Option<i64>,
    version: i64,
    now: i64,
) -> Result<StoredTemplate, StoreError> {
    save_in(conn, event, "en", subject, body, user_id, version, now).await
}

/// Saves the wording of `event` in `language`. `version` is the one the editor started from: 0
/// for the built-in wording (no row yet). Someone else's save in between is [`StoreError::Stale`].
#[allow(clippy::too_many_arguments)]
pub async fn save_in(
    conn: &mut Conn,
    event: &str,
    language: &str,
    subject: &str,
    body: &str,
    user_id: Option<i64>,
    version: i64,
    now: i64,
) -> Result<StoredTemplate, StoreError> {
    if version == 0 {
        let n = sqlx::query(
            "INSERT INTO message_templates (event, language, subject, body, updated_at, updated_by, version) \
             VALUES ($1, $6, $2, $3, $4, $5, 1) ON CONFLICT (event, language) DO NOTHING",
        )
        .bind(event.to_owned())
        .bind(subject.to_owned())
        .bind(body.to_owned())
        .bind(now)
        .bind(user_id)
        .bind(language.to_owned())
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Stale { expected: 0 });
        }
    } else {
        let n = sqlx::query(
            "UPDATE message_templates SET subject = $2, body = $3, updated_at = $4, updated_by = $5, \
             version = version + 1 WHERE event = $1 AND version = $6 AND language = $7",
        )
        .bind(event.to_owned())
        .bind(subject.to_owned())
        .bind(body.to_owned())
        .bind(now)
        .bind(user_id)
        .bind(version)
        .bind(language.to_owned())
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Stale { expected: version });
        }
    }
    get_in(conn, event, language)
        .await?
        .ok_or(StoreError::NotFound)
}

/// Back to the built-in English wording. False if there was nothing to reset.
pub async fn delete(conn: &mut Conn, event: &str, version: i64) -> Result<bool, StoreError> {
    delete_in(conn, event, "en", version).await
}

/// Back to the built-in wording in `language`. False if there was nothing to reset.
pub async fn delete_in(
    conn: &mut Conn,
    event: &str,
    language: &str,
    version: i64,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "DELETE FROM message_templates WHERE event = $1 AND version = $2 AND language = $3",
    )
    .bind(event.to_owned())
    .bind(version)
    .bind(language.to_owned())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Who messages come from, as an administrator set it. Empty strings are "not configured".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MessageSettings {
    pub company_name: String,
    pub sender_email: String,
    pub reply_to: String,
    /// The company's language (BCP 47), the last step before English when a person and their
    /// client have none; empty: English.
    pub default_language: String,
    #[serde(serialize_with = "crate::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub updated_at: Option<i64>,
    /// 0 while nothing was ever saved; send it back when saving.
    pub version: i64,
}

/// The message settings; all empty (version 0) until an administrator saves them.
pub async fn settings(conn: &mut Conn) -> Result<MessageSettings, StoreError> {
    let r = sqlx::query(
        "SELECT company_name, sender_email, reply_to, default_language, updated_at, version FROM message_settings \
         WHERE id = 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = r else {
        return Ok(MessageSettings::default());
    };
    Ok(MessageSettings {
        company_name: r.s("company_name")?,
        sender_email: r.s("sender_email")?,
        reply_to: r.s("reply_to")?,
        default_language: r.s("default_language")?,
        updated_at: Some(r.i("updated_at")?),
        version: r.i("version")?,
    })
}

/// Saves the message settings. `version` is the one the form loaded (0: never saved); someone
/// else's save in between is [`StoreError::Stale`].
pub async fn save_settings(
    conn: &mut Conn,
    s: &MessageSettings,
    user_id: Option<i64>,
    version: i64,
    now: i64,
) -> Result<MessageSettings, StoreError> {
    let n = if version == 0 {
        sqlx::query(
            "INSERT INTO message_settings (id, company_name, sender_email, reply_to, updated_at, \
             updated_by, version, default_language) VALUES (1, $1, $2, $3, $4, $5, 1, $6) ON CONFLICT (id) DO NOTHING",
        )
        .bind(s.company_name.clone())
        .bind(s.sender_email.clone())
        .bind(s.reply_to.clone())
        .bind(now)
        .bind(user_id)
        .bind(s.default_language.clone())
        .execute(&mut *conn)
        .await?
        .rows_affected()
    } else {
        sqlx::query(
            "UPDATE message_settings SET company_name = $1, sender_email = $2, reply_to = $3, \
             updated_at = $4, updated_by = $5, version = version + 1, default_language = $7 \
             WHERE id = 1 AND version = $6",
        )
        .bind(s.company_name.clone())
        .bind(s.sender_email.clone())
        .bind(s.reply_to.clone())
        .bind(now)
        .bind(user_id)
        .bind(version)
        .bind(s.default_language.clone())
        .execute(&mut *conn)
        .await?
        .rows_affected()
    };
    if n == 0 {
        return Err(StoreError::Stale { expected: version });
    }
    settings(conn).await
}

/// The company's default language ('' = English); one small read for the resolution chain.
pub async fn default_language(conn: &mut Conn) -> Result<String, StoreError> {
    let r = sqlx::query("SELECT default_language FROM message_settings WHERE id = 1")
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match r {
        Some(r) => r.s("default_language")?,
        None => String::new(),
    })
}
