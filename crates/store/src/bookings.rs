//! Resources booked for session parts.

use crate::row::{Col, Sql};
use crate::{Conn, StoreError};
use serde::Serialize;
use trainyard_core::status::BookingStatus;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Booking {
    pub id: i64,
    pub session_part_id: i64,
    pub resource_id: i64,
    pub resource_name: String,
    #[schema(value_type = trainyard_core::status::ResourceKind)]
    pub resource_kind: String,
    pub quantity: i64,
    pub status: BookingStatus,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: i64,
}

/// A new booking of a resource for one part. A confirmed booking is reached through `confirm_one`,
/// so a room's unit slot is written with it: no caller can confirm a room without its slot.
pub async fn insert(
    conn: &mut Conn,
    part_id: i64,
    resource_id: i64,
    quantity: i64,
    status: BookingStatus,
    (starts_at, ends_at): (i64, i64),
    now: i64,
) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO bookings (session_part_id, resource_id, quantity, status, starts_at, ends_at, created_at) \
         VALUES ($1, $2, $3, 'tentative', $4, $5, $6) RETURNING id",
    )
    .bind(part_id)
    .bind(resource_id)
    .bind(quantity)
    .bind(starts_at)
    .bind(ends_at)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    let id = r.i("id")?;
    if status == BookingStatus::Confirmed {
        confirm_one(conn, id).await?;
    }
    Ok(id)
}

pub async fn for_session(conn: &mut Conn, session_id: i64) -> Result<Vec<Booking>, StoreError> {
    let mut q = Sql::new(
        "SELECT b.id, b.session_part_id, b.resource_id, r.name, r.kind, b.quantity, b.status, b.starts_at, b.ends_at \
         FROM bookings b JOIN resources r ON r.id = b.resource_id JOIN session_parts p ON p.id = b.session_part_id \
         WHERE p.session_id = ",
    );
    q.int(session_id).push(" ORDER BY b.starts_at, r.name");
    let q = q.query();
    crate::row::fetch_all(conn, q, |r| {
        Ok(Booking {
            id: r.i("id")?,
            session_part_id: r.i("session_part_id")?,
            resource_id: r.i("resource_id")?,
            resource_name: r.s("name")?,
            resource_kind: r.s("kind")?,
            quantity: r.i("quantity")?,
            status: BookingStatus::parse(&r.s("status")?).map_err(crate::courses::decode_err)?,
            starts_at: r.i("starts_at")?,
            ends_at: r.i("ends_at")?,
        })
    })
    .await
}

/// Takes the resource's row lock first: bookings of one resource are decided one at a time.
pub async fn lock_resource(conn: &mut Conn, resource_id: i64) -> Result<(), StoreError> {
    let n = sqlx::query("UPDATE resources SET version = version WHERE id = $1")
        .bind(resource_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if n == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// Confirmed bookings of the resource in `[from, to)` by other sessions that still run: a
/// cancelled or postponed session holds no slot (the same rule as `sessions::resync_slots`).
pub async fn busy(
    conn: &mut Conn,
    resource_id: i64,
    from: i64,
    to: i64,
    except_session: i64,
) -> Result<Vec<crate::assignments::BusySlot>, StoreError> {
    let q = sqlx::query(
        "SELECT p.session_id, b.starts_at, b.ends_at, s.venue_id, v.name AS venue_name, s.reference, c.title, b.quantity \
         FROM bookings b JOIN session_parts p ON p.id = b.session_part_id JOIN sessions s ON s.id = p.session_id \
         JOIN courses c ON c.id = s.course_id LEFT JOIN venues v ON v.id = s.venue_id \
         WHERE b.resource_id = $1 AND b.status = 'confirmed' AND b.starts_at < $3 AND b.ends_at > $2 AND p.session_id <> $4 \
         AND s.status NOT IN ('cancelled', 'postponed') ORDER BY b.starts_at",
    )
    .bind(resource_id)
    .bind(from)
    .bind(to)
    .bind(except_session);
    crate::row::fetch_all(conn, q, |r| {
        Ok(crate::assignments::BusySlot {
            session_id: r.i("session_id")?,
            starts_at: r.i("starts_at")?,
            ends_at: r.i("ends_at")?,
            venue_id: r.oi("venue_id")?,
            venue_name: r.os("venue_name")?,
            label: format!("{} {}", r.s("reference")?, r.s("title")?),
            quantity: r.i("quantity")?,
        })
    })
    .await
}

/// Confirms the session's tentative bookings of a resource; rooms also take their unit slots,
/// which the database refuses to overlap (`StoreError::Overlap`).
pub async fn confirm(
    conn: &mut Conn,
    session_id: i64,
    resource_id: i64,
) -> Result<u64, StoreError> {
    let rows = sqlx::query(
        "SELECT b.id FROM bookings b JOIN session_parts p ON p.id = b.session_part_id \
         WHERE p.session_id = $1 AND b.resource_id = $2 AND b.status = 'tentative' ORDER BY b.starts_at",
    )
    .bind(session_id)
    .bind(resource_id)
    .fetch_all(&mut *conn)
    .await?;
    for r in &rows {
        confirm_one(conn, r.i("id")?).await?;
    }
    Ok(rows.len() as u64)
}

/// The one way a booking becomes confirmed: a room (a unit resource) first takes its unit slot for
/// a scheduled part of an active session — the same rule as `sessions::resync_slots` — then the
/// status changes. The database refuses a confirmed room booking without its slot (migration 0010).
async fn confirm_one(conn: &mut Conn, booking_id: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM unit_slots WHERE booking_id = $1")
        .bind(booking_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO unit_slots (booking_id, resource_id, starts_at, ends_at) \
         SELECT b.id, b.resource_id, b.starts_at, b.ends_at FROM bookings b JOIN resources r ON r.id = b.resource_id \
         JOIN session_parts p ON p.id = b.session_part_id JOIN sessions s ON s.id = p.session_id \
         WHERE b.id = $1 AND r.kind = 'room' AND p.status = 'scheduled' AND s.status NOT IN ('cancelled', 'postponed')",
    )
    .bind(booking_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE bookings SET status = 'confirmed' WHERE id = $1")
        .bind(booking_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Removes the session's bookings of a resource (and their slots).
pub async fn remove(conn: &mut Conn, session_id: i64, resource_id: i64) -> Result<u64, StoreError> {
    sqlx::query(
        "DELETE FROM unit_slots WHERE resource_id = $2 AND booking_id IN \
         (SELECT b.id FROM bookings b JOIN session_parts p ON p.id = b.session_part_id WHERE p.session_id = $1 AND b.resource_id = $2)",
    )
    .bind(session_id)
    .bind(resource_id)
    .execute(&mut *conn)
    .await?;
    let n = sqlx::query(
        "DELETE FROM bookings WHERE resource_id = $2 AND session_part_id IN (SELECT id FROM session_parts WHERE session_id = $1)",
    )
    .bind(session_id)
    .bind(resource_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n)
}
