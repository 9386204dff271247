//! Learners: the people who attend sessions, optionally employed by a client.

use crate::row::{Col, Query, Sql};
use crate::table::{Table, list_filter, record_rows};
use crate::{Conn, Page, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use trainyard_core::records::LearnerInput;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Learner {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub client_id: Option<i64>,
    /// The client's name, for lists; `None` for a learner without a client.
    pub client_name: Option<String>,
    pub phone: Option<String>,
    pub time_zone: String,
    /// The language (BCP 47) this learner reads; `None`: their client's, else the company's.
    pub language: Option<String>,
    /// Their client's language, for resolving theirs (`None`: none set or no client).
    pub client_language: Option<String>,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub archived_at: Option<i64>,
    pub version: i64,
}

const TABLE: Table = Table {
    name: "learners",
    columns: COLUMNS,
    from: FROM,
    count_from: FROM,
    alias: "",
    search: &["first_name", "last_name", "email"],
    sorts: &[
        ("name", "last_name"),
        ("email", "email"),
        ("client", "client_name"),
    ],
};

const COLUMNS: &str = "id, first_name, last_name, email, client_id, client_name, phone, time_zone, language, client_language, created_at, \
    updated_at, archived_at, version";

/// Learners with their client's name. Wrapped as a derived table so that the shared clauses
/// (`archived_at IS NULL`, `ORDER BY …, id`) stay unambiguous on both backends.
const FROM: &str = " FROM (SELECT l.id, l.first_name, l.last_name, l.email, l.client_id, c.name AS client_name, \
    l.phone, l.time_zone, l.language, c.language AS client_language, l.created_at, l.updated_at, l.archived_at, l.version \
    FROM learners l LEFT JOIN clients c ON c.id = l.client_id) t";

fn from_row(r: &AnyRow) -> Result<Learner, sqlx::Error> {
    Ok(Learner {
        id: r.i("id")?,
        first_name: r.s("first_name")?,
        last_name: r.s("last_name")?,
        email: r.s("email")?,
        client_id: r.oi("client_id")?,
        client_name: r.os("client_name")?,
        phone: r.os("phone")?,
        time_zone: r.s("time_zone")?,
        language: r.os("language")?,
        client_language: r.os("client_language")?,
        created_at: r.i("created_at")?,
        updated_at: r.i("updated_at")?,
        archived_at: r.oi("archived_at")?,
        version: r.i("version")?,
    })
}

/// The input's columns in statement order: `$1` to `$7` of both insert and update.
fn bind_input<'q>(q: Query<'q>, c: &LearnerInput) -> Query<'q> {
    q.bind(c.first_name.clone())
        .bind(c.last_name.clone())
        .bind(c.email.as_str().to_owned())
        .bind(c.client_id.map(|v| v.0))
        .bind(c.phone.clone())
        .bind(c.time_zone.as_str().to_owned())
        .bind(c.language.as_ref().map(|l| l.as_str().to_owned()))
}

record_rows!(
    Learner,
    LearnerInput,
    insert = "INSERT INTO learners (first_name, last_name, email, client_id, phone, time_zone, language, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    update = "UPDATE learners SET first_name = $1, last_name = $2, email = $3, client_id = $4, phone = $5, \
         time_zone = $6, language = $7, updated_at = $8, version = version + 1 WHERE id = $9 AND version = $10",
);

list_filter! {
    /// The learner list's filters.
    pub struct LearnerFilter {
        sorts: TABLE.sorts,
        /// Exactly this client's learners; also how a client contact is scoped to their own people.
        #[serde(deserialize_with = "crate::row::empty_as_none")]
        pub client_id: Option<i64>,
    }
}

/// Learners matching `f`: search in first and last name and e-mail.
pub async fn list(conn: &mut Conn, f: &LearnerFilter) -> Result<Page<Learner>, StoreError> {
    TABLE
        .list(
            conn,
            &f.list,
            |q, _| {
                if let Some(c) = f.client_id {
                    q.push(" AND client_id = ").int(c);
                }
            },
            from_row,
        )
        .await
}

/// The learner with exactly this (normalized) e-mail address, archived or not.
pub async fn find_by_email(conn: &mut Conn, email: &str) -> Result<Option<Learner>, StoreError> {
    let mut q = Sql::new("SELECT ");
    q.push(COLUMNS)
        .push(FROM)
        .push(" WHERE email = ")
        .text(email);
    let row = q.query().fetch_optional(&mut *conn).await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// The learner whose e-mail address is this one in any letter case, archived or not. Registration
/// asks it: `Ada@example.com` and `ada@example.com` reach the same mailbox.
pub async fn find_by_email_any_case(
    conn: &mut Conn,
    email: &str,
) -> Result<Option<Learner>, StoreError> {
    let mut q = Sql::new("SELECT ");
    q.push(COLUMNS)
        .push(FROM)
        .push(" WHERE lower(email) = ")
        .text(&email.trim().to_lowercase())
        .push(" ORDER BY id LIMIT 1");
    let row = q.query().fetch_optional(&mut *conn).await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// The learners with these ids (archived too), in no particular order: an import's many rows
/// read their learners in a few statements.
pub async fn get_many(conn: &mut Conn, ids: &[i64]) -> Result<Vec<Learner>, StoreError> {
    TABLE.get_many(conn, ids, from_row).await
}
