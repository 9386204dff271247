//! Accounts. A user has one role; client contacts, instructors and learners are linked to the
//! record whose data they may see.

use crate::row::{Col, Sql};
use crate::{Conn, Page, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use trainyard_core::Role;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    #[serde(skip)]
    pub password_hash: String,
    pub role: Role,
    pub client_id: Option<i64>,
    pub instructor_id: Option<i64>,
    pub learner_id: Option<i64>,
    pub time_zone: String,
    /// The language of their pages (BCP 47); `None`: their browser's, else the company's.
    pub language: Option<String>,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub archived_at: Option<i64>,
    pub version: i64,
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub client_id: Option<i64>,
    pub instructor_id: Option<i64>,
    pub learner_id: Option<i64>,
    pub time_zone: &'a str,
}

const COLUMNS: &str = "id, email, display_name, password_hash, role, client_id, instructor_id, learner_id, time_zone, language, created_at, archived_at, version";

pub(crate) fn from_row(r: &AnyRow) -> Result<User, sqlx::Error> {
    Ok(User {
        id: r.i("id")?,
        email: r.s("email")?,
        display_name: r.s("display_name")?,
        password_hash: r.s("password_hash")?,
        role: Role::parse(&r.s("role")?).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        client_id: r.oi("client_id")?,
        instructor_id: r.oi("instructor_id")?,
        learner_id: r.oi("learner_id")?,
        time_zone: r.s("time_zone")?,
        language: r.os("language")?,
        created_at: r.i("created_at")?,
        archived_at: r.oi("archived_at")?,
        version: r.i("version")?,
    })
}

pub async fn insert(conn: &mut Conn, u: &NewUser<'_>, now: i64) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO users (email, display_name, password_hash, role, client_id, instructor_id, learner_id, time_zone, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
    )
    .bind(u.email.to_lowercase())
    .bind(u.display_name)
    .bind(u.password_hash)
    .bind(u.role.as_str())
    .bind(u.client_id)
    .bind(u.instructor_id)
    .bind(u.learner_id)
    .bind(u.time_zone)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.i("id")?)
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<User, StoreError> {
    let mut q = Sql::new("SELECT ");
    q.push(COLUMNS).push(" FROM users WHERE id = ").int(id);
    Ok(from_row(&q.query().fetch_one(&mut *conn).await?)?)
}

pub async fn find_by_email(conn: &mut Conn, email: &str) -> Result<Option<User>, StoreError> {
    let mut q = Sql::new("SELECT ");
    q.push(COLUMNS)
        .push(" FROM users WHERE email = ")
        .text(&email.trim().to_lowercase());
    Ok(q.query()
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()?)
}

pub async fn set_password(
    conn: &mut Conn,
    id: i64,
    hash: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE users SET password_hash = $1, updated_at = $2, version = version + 1 WHERE id = $3",
    )
    .bind(hash)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn list(conn: &mut Conn, page: i64, per_page: i64) -> Result<Page<User>, StoreError> {
    let mut select = Sql::new("SELECT ");
    select
        .push(COLUMNS)
        .push(" FROM users ORDER BY role, email");
    crate::row::paged(
        conn,
        select,
        Sql::new("SELECT count(*) FROM users"),
        crate::row::Paging::new(page, per_page, false)?,
        from_row,
    )
    .await
}

/// What an administrator may change about a user (not the password: that goes by e-mailed link).
pub struct UserChanges<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub client_id: Option<i64>,
    pub instructor_id: Option<i64>,
    pub learner_id: Option<i64>,
    pub time_zone: &'a str,
}

/// Replaces the user's details if it is still at `version`.
pub async fn update(
    conn: &mut Conn,
    id: i64,
    version: i64,
    u: &UserChanges<'_>,
    now: i64,
) -> Result<(), StoreError> {
    let n = sqlx::query(
        "UPDATE users SET email = $1, display_name = $2, role = $3, client_id = $4, instructor_id = $5, \
         learner_id = $6, time_zone = $7, updated_at = $8, version = version + 1 WHERE id = $9 AND version = $10",
    )
    .bind(u.email.trim().to_lowercase())
    .bind(u.display_name)
    .bind(u.role.as_str())
    .bind(u.client_id)
    .bind(u.instructor_id)
    .bind(u.learner_id)
    .bind(u.time_zone)
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    crate::row::check_updated(conn, "users", id, version, n).await
}

/// Deactivates (`archived_at` = `now`) or reactivates (`None`) the user if it is still at
/// `version`. An inactive user cannot sign in: every session and token lookup skips them.
pub async fn set_archived(
    conn: &mut Conn,
    id: i64,
    version: i64,
    archived_at: Option<i64>,
    now: i64,
) -> Result<(), StoreError> {
    let n = sqlx::query(
        "UPDATE users SET archived_at = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND version = $4",
    )
    .bind(archived_at)
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    crate::row::check_updated(conn, "users", id, version, n).await
}

/// The record an account may be linked to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkColumn {
    Client,
    Instructor,
    Learner,
}

impl LinkColumn {
    fn column(self) -> &'static str {
        match self {
            LinkColumn::Client => "client_id",
            LinkColumn::Instructor => "instructor_id",
            LinkColumn::Learner => "learner_id",
        }
    }
}

/// The accounts linked to one instructor, client or learner record (a client has several
/// contacts; an instructor or learner at most one account, which the app keeps so).
pub async fn linked_to(
    conn: &mut Conn,
    link: LinkColumn,
    record_id: i64,
) -> Result<Vec<User>, StoreError> {
    let mut q = Sql::new("SELECT ");
    q.push(COLUMNS)
        .push(" FROM users WHERE ")
        .push(link.column())
        .push(" = ")
        .int(record_id)
        .push(" ORDER BY id LIMIT 100");
    Ok(q.query()
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(from_row)
        .collect::<Result<_, _>>()?)
}

/// Sets the language a user's pages are shown in (`None`: their browser's, else the company's).
/// A preference, not a record edit: the version does not move, so a form open elsewhere stays
/// valid. False when there is no such user.
pub async fn set_language(
    conn: &mut Conn,
    id: i64,
    language: Option<&str>,
    now: i64,
) -> Result<bool, StoreError> {
    let n = sqlx::query("UPDATE users SET language = $1, updated_at = $2 WHERE id = $3")
        .bind(language.map(str::to_owned))
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(n == 1)
}
