//! Bookable resources: rooms at a venue, equipment, virtual platforms and material pools.

use crate::courses::decode_err;
use crate::row::{Col, ListParams, Sql, contains_pattern, join_tags, split_tags};
use crate::{Conn, Page, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use trainyard_core::records::ResourceInput;
use trainyard_core::status::ResourceKind;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Resource {
    pub id: i64,
    pub kind: ResourceKind,
    pub code: String,
    pub name: String,
    pub venue_id: Option<i64>,
    /// The venue's name, for lists; `None` when the resource belongs to no venue.
    pub venue_name: Option<String>,
    pub seats: i64,
    pub quantity: i64,
    pub features: Vec<String>,
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

const COLUMNS: &str = "id, kind, code, name, venue_id, venue_name, seats, quantity, features, notes, created_at, \
    updated_at, archived_at, version";

/// Resources with their venue's name. Wrapped as a derived table so that the shared clauses
/// (`archived_at IS NULL`, `ORDER BY …, id`) stay unambiguous on both backends.
const FROM: &str = " FROM (SELECT r.id, r.kind, r.code, r.name, r.venue_id, v.name AS venue_name, r.seats, \
    r.quantity, r.features, r.notes, r.created_at, r.updated_at, r.archived_at, r.version \
    FROM resources r LEFT JOIN venues v ON v.id = r.venue_id) t";

fn from_row(r: &AnyRow) -> Result<Resource, sqlx::Error> {
    Ok(Resource {
        id: r.i("id")?,
        kind: ResourceKind::parse(&r.s("kind")?).map_err(decode_err)?,
        code: r.s("code")?,
        name: r.s("name")?,
        venue_id: r.oi("venue_id")?,
        venue_name: r.os("venue_name")?,
        seats: r.i("seats")?,
        quantity: r.i("quantity")?,
        features: split_tags(&r.s("features")?),
        notes: r.s("notes")?,
        created_at: r.i("created_at")?,
        updated_at: r.i("updated_at")?,
        archived_at: r.oi("archived_at")?,
        version: r.i("version")?,
    })
}

pub async fn insert(conn: &mut Conn, c: &ResourceInput, now: i64) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO resources (kind, code, name, venue_id, seats, quantity, features, notes, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
    )
    .bind(c.kind.as_str().to_owned())
    .bind(c.code.clone())
    .bind(c.name.clone())
    .bind(c.venue_id.map(|v| v.0))
    .bind(c.seats)
    .bind(c.quantity)
    .bind(join_tags(&c.features))
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
    c: &ResourceInput,
    now: i64,
) -> Result<(), StoreError> {
    let n = sqlx::query(
        "UPDATE resources SET kind = $1, code = $2, name = $3, venue_id = $4, seats = $5, quantity = $6, \
         features = $7, notes = $8, updated_at = $9, version = version + 1 WHERE id = $10 AND version = $11",
    )
    .bind(c.kind.as_str().to_owned())
    .bind(c.code.clone())
    .bind(c.name.clone())
    .bind(c.venue_id.map(|v| v.0))
    .bind(c.seats)
    .bind(c.quantity)
    .bind(join_tags(&c.features))
    .bind(c.notes.clone())
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    crate::row::check_updated(conn, "resources", id, version, n).await
}

pub async fn set_archived(
    conn: &mut Conn,
    id: i64,
    version: i64,
    at: Option<i64>,
    now: i64,
) -> Result<(), StoreError> {
    crate::row::set_archived(conn, "resources", id, version, at, now).await
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Resource, StoreError> {
    let mut q = Sql::new("SELECT ");
    q.push(COLUMNS).push(FROM).push(" WHERE id = ").int(id);
    Ok(from_row(&q.query().fetch_one(&mut *conn).await?)?)
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ResourceFilter {
    #[serde(flatten)]
    pub list: ListParams,
    /// A [`ResourceKind`] name; anything else is ignored.
    pub kind: String,
    #[serde(default, deserialize_with = "crate::row::empty_as_none")]
    pub venue_id: Option<i64>,
}

pub async fn list(conn: &mut Conn, f: &ResourceFilter) -> Result<Page<Resource>, StoreError> {
    let build = |head: &str| {
        let mut q = Sql::new(head);
        q.push(FROM).push(" WHERE 1 = 1");
        f.list.archived_clause(&mut q);
        if !f.list.q.trim().is_empty() {
            let p = contains_pattern(&f.list.q);
            q.push(" AND (lower(code) LIKE ")
                .text(&p)
                .push(" ESCAPE '\\' OR lower(name) LIKE ")
                .text(&p);
            q.push(" ESCAPE '\\')");
        }
        if let Ok(k) = ResourceKind::parse(&f.kind) {
            q.push(" AND kind = ").text(k.as_str());
        }
        if let Some(v) = f.venue_id {
            q.push(" AND venue_id = ").int(v);
        }
        q
    };
    let mut select = build(&format!("SELECT {COLUMNS}"));
    select.push(&f.list.order_by(&[
        ("code", "code"),
        ("name", "name"),
        ("kind", "kind"),
        ("seats", "seats"),
        ("quantity", "quantity"),
    ]));
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

/// (id, "CODE — Name") of every active resource, for choosers.
pub async fn options(conn: &mut Conn) -> Result<Vec<(i64, String)>, StoreError> {
    let rows =
        sqlx::query("SELECT id, code, name FROM resources WHERE archived_at IS NULL ORDER BY code")
            .fetch_all(&mut *conn)
            .await?;
    rows.iter()
        .map(|r| Ok((r.i("id")?, format!("{} — {}", r.s("code")?, r.s("name")?))))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}
