//! Closure days: public holidays for the whole company, or days one venue is closed.

use crate::row::Col;
use crate::{Conn, StoreError};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Closure {
    pub id: i64,
    /// The local calendar day, YYYY-MM-DD.
    #[schema(format = Date)]
    pub day: String,
    pub name: String,
    /// The closed venue; `null` for a company-wide closure (a public holiday).
    pub venue_id: Option<i64>,
    pub venue_name: Option<String>,
}

const SELECT: &str = "SELECT c.id, c.day, c.name, c.venue_id, v.name AS venue_name FROM closures c \
     LEFT JOIN venues v ON v.id = c.venue_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Closure, sqlx::Error> {
    Ok(Closure {
        id: r.i("id")?,
        day: r.s("day")?,
        name: r.s("name")?,
        venue_id: r.oi("venue_id")?,
        venue_name: r.os("venue_name")?,
    })
}

pub async fn insert(
    conn: &mut Conn,
    day: &str,
    name: &str,
    venue_id: Option<i64>,
    now: i64,
) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO closures (day, name, venue_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(day)
    .bind(name)
    .bind(venue_id)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.i("id")?)
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Closure, StoreError> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE c.id = $1")))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(from_row(&r)?)
}

pub async fn delete(conn: &mut Conn, id: i64) -> Result<bool, StoreError> {
    let n = sqlx::query("DELETE FROM closures WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// Closures from `from_day` to `to_day` (inclusive, YYYY-MM-DD), by day; `venue_id` narrows
/// them to that venue's and the company-wide ones. At most 1000.
pub async fn between(
    conn: &mut Conn,
    from_day: &str,
    to_day: &str,
    venue_id: Option<i64>,
) -> Result<Vec<Closure>, StoreError> {
    let q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE c.day >= $1 AND c.day <= $2 AND ($3 IS NULL OR c.venue_id IS NULL OR c.venue_id = $3) \
         ORDER BY c.day, c.id LIMIT 1000"
    )))
    .bind(from_day)
    .bind(to_day)
    .bind(venue_id);
    crate::row::fetch_all(conn, q, from_row).await
}
