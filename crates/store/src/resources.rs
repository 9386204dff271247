//! Bookable resources: rooms at a venue, equipment, virtual platforms and material pools.

use crate::courses::decode_err;
use crate::row::{Col, Query, join_tags, split_tags};
use crate::table::{Table, choice, list_filter, record_rows};
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

const TABLE: Table = Table {
    name: "resources",
    columns: COLUMNS,
    from: FROM,
    count_from: FROM,
    alias: "",
    search: &["code", "name"],
    sorts: &[
        ("code", "code"),
        ("name", "name"),
        ("kind", "kind"),
        ("seats", "seats"),
        ("quantity", "quantity"),
    ],
};

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

/// The input's columns in statement order: `$1` to `$8` of both insert and update.
fn bind_input<'q>(q: Query<'q>, c: &ResourceInput) -> Query<'q> {
    q.bind(c.kind.as_str().to_owned())
        .bind(c.code.clone())
        .bind(c.name.clone())
        .bind(c.venue_id.map(|v| v.0))
        .bind(c.seats)
        .bind(c.quantity)
        .bind(join_tags(&c.features))
        .bind(c.notes.clone())
}

record_rows!(
    Resource,
    ResourceInput,
    insert = "INSERT INTO resources (kind, code, name, venue_id, seats, quantity, features, notes, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
    update = "UPDATE resources SET kind = $1, code = $2, name = $3, venue_id = $4, seats = $5, quantity = $6, \
         features = $7, notes = $8, updated_at = $9, version = version + 1 WHERE id = $10 AND version = $11",
);

list_filter! {
    /// The resource list's filters.
    pub struct ResourceFilter {
        sorts: TABLE.sorts,
        /// Resources of this kind.
        pub kind: String => #[param(value_type = Option<ResourceKind>)],
        /// Resources at this venue.
        #[serde(deserialize_with = "crate::row::empty_as_none")]
        pub venue_id: Option<i64>,
    }
}

/// Resources matching `f`: search in code and name.
pub async fn list(conn: &mut Conn, f: &ResourceFilter) -> Result<Page<Resource>, StoreError> {
    let kind = choice("kind", &f.kind, ResourceKind::ALL, ResourceKind::as_str)?;
    TABLE
        .list(
            conn,
            &f.list,
            |q, _| {
                if let Some(k) = kind {
                    q.push(" AND kind = ").text(k.as_str());
                }
                if let Some(v) = f.venue_id {
                    q.push(" AND venue_id = ").int(v);
                }
            },
            from_row,
        )
        .await
}

/// (id, "CODE — Name") of every active resource, for choosers.
pub async fn options(conn: &mut Conn) -> Result<Vec<(i64, String)>, StoreError> {
    let q =
        sqlx::query("SELECT id, code, name FROM resources WHERE archived_at IS NULL ORDER BY code");
    crate::row::fetch_all(conn, q, |r| {
        Ok((r.i("id")?, format!("{} — {}", r.s("code")?, r.s("name")?)))
    })
    .await
}
