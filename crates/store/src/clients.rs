//! Clients: the organisations that buy training, with their billing details.

use crate::courses::decode_err;
use crate::row::{Col, Query};
use crate::table::{Table, list_filter, record_rows};
use crate::{Conn, Page, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use trainyard_core::money::Currency;
use trainyard_core::records::ClientInput;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Client {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub billing_email: String,
    pub billing_address: String,
    #[schema(value_type = String, example = "EUR")]
    pub currency: Currency,
    pub time_zone: String,
    pub requires_approval: bool,
    pub notes: String,
    /// The language (BCP 47) this client and its people reads; `None`: the company's.
    pub language: Option<String>,
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
    name: "clients",
    columns: "id, code, name, billing_email, billing_address, currency, time_zone, requires_approval, notes, \
        language, created_at, updated_at, archived_at, version",
    from: " FROM clients",
    count_from: " FROM clients",
    alias: "",
    search: &["code", "name", "billing_email"],
    sorts: &[("name", "name"), ("code", "code")],
};

fn from_row(r: &AnyRow) -> Result<Client, sqlx::Error> {
    Ok(Client {
        id: r.i("id")?,
        code: r.s("code")?,
        name: r.s("name")?,
        billing_email: r.s("billing_email")?,
        billing_address: r.s("billing_address")?,
        currency: Currency::parse(&r.s("currency")?).map_err(decode_err)?,
        time_zone: r.s("time_zone")?,
        requires_approval: r.b("requires_approval")?,
        notes: r.s("notes")?,
        language: r.os("language")?,
        created_at: r.i("created_at")?,
        updated_at: r.i("updated_at")?,
        archived_at: r.oi("archived_at")?,
        version: r.i("version")?,
    })
}

/// The input's columns in statement order: `$1` to `$9` of both insert and update.
fn bind_input<'q>(q: Query<'q>, c: &ClientInput) -> Query<'q> {
    q.bind(c.code.clone())
        .bind(c.name.clone())
        .bind(c.billing_email.as_str().to_owned())
        .bind(c.billing_address.clone())
        .bind(c.currency.as_str().to_owned())
        .bind(c.time_zone.as_str().to_owned())
        .bind(i64::from(c.requires_approval))
        .bind(c.notes.clone())
        .bind(c.language.as_ref().map(|l| l.as_str().to_owned()))
}

record_rows!(
    Client,
    ClientInput,
    insert = "INSERT INTO clients (code, name, billing_email, billing_address, currency, time_zone, requires_approval, \
         notes, language, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
    update = "UPDATE clients SET code = $1, name = $2, billing_email = $3, billing_address = $4, currency = $5, \
         time_zone = $6, requires_approval = $7, notes = $8, language = $9, updated_at = $10, version = version + 1 \
         WHERE id = $11 AND version = $12",
);

list_filter! {
    /// The client list's filters: the common ones only.
    pub struct ClientFilter {
        sorts: TABLE.sorts,
    }
}

/// Clients matching `f`: search in code, name and billing e-mail.
pub async fn list(conn: &mut Conn, f: &ClientFilter) -> Result<Page<Client>, StoreError> {
    TABLE.list(conn, &f.list, |_, _| {}, from_row).await
}

/// (id, "CODE — Name") of every active client, for choosers.
pub async fn options(conn: &mut Conn) -> Result<Vec<(i64, String)>, StoreError> {
    let q =
        sqlx::query("SELECT id, code, name FROM clients WHERE archived_at IS NULL ORDER BY code");
    crate::row::fetch_all(conn, q, |r| {
        Ok((r.i("id")?, format!("{} — {}", r.s("code")?, r.s("name")?)))
    })
    .await
}
