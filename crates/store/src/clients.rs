//! Clients: the organisations that buy training, with their billing details.

use crate::courses::decode_err;
use crate::row::{Col, ListParams, Sql, contains_pattern};
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

const COLUMNS: &str = "id, code, name, billing_email, billing_address, currency, time_zone, requires_approval, notes, \
    created_at, updated_at, archived_at, version";

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
        created_at: r.i("created_at")?,
        updated_at: r.i("updated_at")?,
        archived_at: r.oi("archived_at")?,
        version: r.i("version")?,
    })
}

pub async fn insert(conn: &mut Conn, c: &ClientInput, now: i64) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO clients (code, name, billing_email, billing_address, currency, time_zone, requires_approval, \
         notes, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
    )
    .bind(c.code.clone())
    .bind(c.name.clone())
    .bind(c.billing_email.as_str().to_owned())
    .bind(c.billing_address.clone())
    .bind(c.currency.as_str().to_owned())
    .bind(c.time_zone.as_str().to_owned())
    .bind(i64::from(c.requires_approval))
    .bind(c.notes.clone())
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.i("id")?)
}

pub async fn update(
    conn: &mut Conn,
    id: i64,
    version: i64,
    c: &ClientInput,
    now: i64,
) -> Result<(), StoreError> {
    let n = sqlx::query(
        "UPDATE clients SET code = $1, name = $2, billing_email = $3, billing_address = $4, currency = $5, \
         time_zone = $6, requires_approval = $7, notes = $8, updated_at = $9, version = version + 1 \
         WHERE id = $10 AND version = $11",
    )
    .bind(c.code.clone())
    .bind(c.name.clone())
    .bind(c.billing_email.as_str().to_owned())
    .bind(c.billing_address.clone())
    .bind(c.currency.as_str().to_owned())
    .bind(c.time_zone.as_str().to_owned())
    .bind(i64::from(c.requires_approval))
    .bind(c.notes.clone())
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    crate::row::check_updated(conn, "clients", id, version, n).await
}

pub async fn set_archived(
    conn: &mut Conn,
    id: i64,
    version: i64,
    at: Option<i64>,
    now: i64,
) -> Result<(), StoreError> {
    crate::row::set_archived(conn, "clients", id, version, at, now).await
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Client, StoreError> {
    let mut q = Sql::new("SELECT ");
    q.push(COLUMNS).push(" FROM clients WHERE id = ").int(id);
    Ok(from_row(&q.query().fetch_one(&mut *conn).await?)?)
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ClientFilter {
    #[serde(flatten)]
    pub list: ListParams,
}

pub async fn list(conn: &mut Conn, f: &ClientFilter) -> Result<Page<Client>, StoreError> {
    let build = |head: &str| {
        let mut q = Sql::new(head);
        q.push(" FROM clients WHERE 1 = 1");
        f.list.archived_clause(&mut q);
        if !f.list.q.trim().is_empty() {
            let p = contains_pattern(&f.list.q);
            q.push(" AND (lower(code) LIKE ")
                .text(&p)
                .push(" ESCAPE '\\' OR lower(name) LIKE ")
                .text(&p);
            q.push(" ESCAPE '\\' OR lower(billing_email) LIKE ")
                .text(&p)
                .push(" ESCAPE '\\')");
        }
        q
    };
    let mut select = build(&format!("SELECT {COLUMNS}"));
    select.push(&f.list.order_by(&[("name", "name"), ("code", "code")]));
    crate::row::paged(
        conn,
        select,
        build("SELECT count(*)"),
        f.list.page,
        f.list.per_page,
        from_row,
    )
    .await
}

/// (id, "CODE — Name") of every active client, for choosers.
pub async fn options(conn: &mut Conn) -> Result<Vec<(i64, String)>, StoreError> {
    let rows =
        sqlx::query("SELECT id, code, name FROM clients WHERE archived_at IS NULL ORDER BY code")
            .fetch_all(&mut *conn)
            .await?;
    rows.iter()
        .map(|r| Ok((r.i("id")?, format!("{} — {}", r.s("code")?, r.s("name")?))))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}
