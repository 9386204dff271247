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

pub async fn insert(
    conn: &mut Conn,
    part_id: i64,
    resource_id: i64,
    quantity: i64,
    status: BookingStatus,
    starts_at: i64,
    ends_at: i64,
    now: i64,
) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO bookings (session_part_id, resource_id, quantity, status, starts_at, ends_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(part_id)
    .bind(resource_id)
    .bind(quantity)
    .bind(status.as_str())
    .bind(starts_at)
    .bind(ends_at)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.i("id")?)
}

pub async fn for_session(conn: &mut Conn, session_id: i64) -> Result<Vec<Booking>, StoreError> {
    let mut q = Sql::new(
        "SELECT b.id, b.session_part_id, b.resource_id, r.name, r.kind, b.quantity, b.status, b.starts_at, b.ends_at \
         FROM bookings b JOIN resources r ON r.id = b.resource_id JOIN session_parts p ON p.id = b.session_part_id \
         WHERE p.session_id = ",
    );
    q.int(session_id).push(" ORDER BY b.starts_at, r.name");
    let rows = q.query().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            Ok(Booking {
                id: r.i("id")?,
                session_part_id: r.i("session_part_id")?,
                resource_id: r.i("resource_id")?,
                resource_name: r.s("name")?,
                resource_kind: r.s("kind")?,
                quantity: r.i("quantity")?,
                status: BookingStatus::parse(&r.s("status")?)
                    .map_err(crate::courses::decode_err)?,
                starts_at: r.i("starts_at")?,
                ends_at: r.i("ends_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}
