//! Venues: the places where classroom sessions happen, each in its own time zone.

use crate::row::{Col, Query};
use crate::table::{Table, list_filter, record_rows};
use crate::{Conn, Page, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use trainyard_core::records::VenueInput;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Venue {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub address: String,
    pub city: String,
    pub country: String,
    pub time_zone: String,
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
    name: "venues",
    columns: "id, code, name, address, city, country, time_zone, notes, created_at, updated_at, archived_at, version",
    from: " FROM venues",
    count_from: " FROM venues",
    alias: "",
    search: &["code", "name", "city"],
    sorts: &[
        ("code", "code"),
        ("name", "name"),
        ("city", "city"),
        ("country", "country"),
    ],
};

fn from_row(r: &AnyRow) -> Result<Venue, sqlx::Error> {
    Ok(Venue {
        id: r.i("id")?,
        code: r.s("code")?,
        name: r.s("name")?,
        address: r.s("address")?,
        city: r.s("city")?,
        country: r.s("country")?,
        time_zone: r.s("time_zone")?,
        notes: r.s("notes")?,
        created_at: r.i("created_at")?,
        updated_at: r.i("updated_at")?,
        archived_at: r.oi("archived_at")?,
        version: r.i("version")?,
    })
}

/// The input's columns in statement order: `$1` to `$7` of both insert and update.
fn bind_input<'q>(q: Query<'q>, v: &VenueInput) -> Query<'q> {
    q.bind(v.code.clone())
        .bind(v.name.clone())
        .bind(v.address.clone())
        .bind(v.city.clone())
        .bind(v.country.clone())
        .bind(v.time_zone.as_str().to_owned())
        .bind(v.notes.clone())
}

record_rows!(
    Venue,
    VenueInput,
    insert = "INSERT INTO venues (code, name, address, city, country, time_zone, notes, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    update = "UPDATE venues SET code = $1, name = $2, address = $3, city = $4, country = $5, time_zone = $6, notes = $7, \
         updated_at = $8, version = version + 1 WHERE id = $9 AND version = $10",
);

/// The venue's IANA time zone name, in which its sessions' local times are read and shown.
pub async fn time_zone(conn: &mut Conn, id: i64) -> Result<String, StoreError> {
    let r = sqlx::query("SELECT time_zone FROM venues WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(r.s("time_zone")?)
}

list_filter! {
    /// The venue list's filters: the common ones only.
    pub struct VenueFilter {
        sorts: TABLE.sorts,
    }
}

/// Venues matching `f`: search in code, name and city.
pub async fn list(conn: &mut Conn, f: &VenueFilter) -> Result<Page<Venue>, StoreError> {
    TABLE.list(conn, &f.list, |_, _| {}, from_row).await
}

/// (id, "CODE — Name (City)") of every active venue, for choosers.
pub async fn options(conn: &mut Conn) -> Result<Vec<(i64, String)>, StoreError> {
    let q = sqlx::query(
        "SELECT id, code, name, city FROM venues WHERE archived_at IS NULL ORDER BY code",
    );
    crate::row::fetch_all(conn, q, |r| {
        Ok((
            r.i("id")?,
            format!("{} — {} ({})", r.s("code")?, r.s("name")?, r.s("city")?),
        ))
    })
    .await
}

/// Minutes an instructor needs to travel from one venue to another.
pub async fn set_travel_time(
    conn: &mut Conn,
    from: i64,
    to: i64,
    minutes: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO travel_times (from_venue_id, to_venue_id, minutes) VALUES ($1, $2, $3) \
         ON CONFLICT (from_venue_id, to_venue_id) DO UPDATE SET minutes = excluded.minutes, mirrored = 0",
    )
    .bind(from)
    .bind(to)
    .bind(minutes)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The whole travel-time table: (from venue, to venue, minutes).
pub async fn travel_times(conn: &mut Conn) -> Result<Vec<(i64, i64, i64)>, StoreError> {
    let q = sqlx::query("SELECT from_venue_id, to_venue_id, minutes FROM travel_times");
    crate::row::fetch_all(conn, q, |r| {
        Ok((r.i("from_venue_id")?, r.i("to_venue_id")?, r.i("minutes")?))
    })
    .await
}

/// Travel between one venue and another, both ways.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TravelTime {
    /// The other venue.
    pub venue_id: i64,
    pub venue_code: String,
    pub venue_name: String,
    /// Minutes from this venue to the other; `null` when nobody entered it (then no travel is
    /// required between them).
    pub minutes: Option<i64>,
    /// Minutes from the other venue back to this one.
    pub minutes_back: Option<i64>,
}

/// Travel from `venue_id` to every other active venue (at most 500, by code).
pub async fn travel_from(conn: &mut Conn, venue_id: i64) -> Result<Vec<TravelTime>, StoreError> {
    let q = sqlx::query(
        "SELECT v.id, v.code, v.name, t.minutes AS minutes_to, b.minutes AS minutes_back FROM venues v \
         LEFT JOIN travel_times t ON t.from_venue_id = $1 AND t.to_venue_id = v.id \
         LEFT JOIN travel_times b ON b.from_venue_id = v.id AND b.to_venue_id = $1 \
         WHERE v.id <> $1 AND v.archived_at IS NULL ORDER BY v.code LIMIT 500",
    )
    .bind(venue_id);
    crate::row::fetch_all(conn, q, |r| {
        Ok(TravelTime {
            venue_id: r.i("id")?,
            venue_code: r.s("code")?,
            venue_name: r.s("name")?,
            minutes: r.oi("minutes_to")?,
            minutes_back: r.oi("minutes_back")?,
        })
    })
    .await
}

/// Sets travel from one venue to another, and the way back too unless the way back was entered
/// for itself (the symmetric default: a copy never overwrites an explicit entry).
pub async fn set_travel_time_both_ways(
    conn: &mut Conn,
    from: i64,
    to: i64,
    minutes: i64,
) -> Result<(), StoreError> {
    set_travel_time(conn, from, to, minutes).await?;
    sqlx::query(
        "INSERT INTO travel_times (from_venue_id, to_venue_id, minutes, mirrored) VALUES ($1, $2, $3, 1) \
         ON CONFLICT (from_venue_id, to_venue_id) DO UPDATE SET minutes = excluded.minutes \
         WHERE travel_times.mirrored = 1",
    )
    .bind(to)
    .bind(from)
    .bind(minutes)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Removes travel from one venue to another, and the way back when it was only a copy of it.
pub async fn remove_travel_time(conn: &mut Conn, from: i64, to: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM travel_times WHERE from_venue_id = $1 AND to_venue_id = $2")
        .bind(from)
        .bind(to)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "DELETE FROM travel_times WHERE from_venue_id = $1 AND to_venue_id = $2 AND mirrored = 1",
    )
    .bind(to)
    .bind(from)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
