//! Instructors on sessions.

use crate::row::{Col, Sql};
use crate::{Conn, StoreError};
use serde::Serialize;
use trainyard_core::status::AssignmentStatus;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Assignment {
    pub id: i64,
    pub session_id: i64,
    pub instructor_id: i64,
    pub instructor_name: String,
    pub session_reference: String,
    pub course_title: String,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: i64,
    pub role: String,
    pub status: AssignmentStatus,
}

pub async fn insert(
    conn: &mut Conn,
    session_id: i64,
    instructor_id: i64,
    role: &str,
    status: AssignmentStatus,
    now: i64,
) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO assignments (session_id, instructor_id, role, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(session_id)
    .bind(instructor_id)
    .bind(role)
    .bind(status.as_str())
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.i("id")?)
}

const SELECT: &str = "SELECT a.id, a.session_id, a.instructor_id, i.name, s.reference, c.title, s.starts_at, s.ends_at, a.role, a.status \
    FROM assignments a JOIN instructors i ON i.id = a.instructor_id JOIN sessions s ON s.id = a.session_id JOIN courses c ON c.id = s.course_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Assignment, sqlx::Error> {
    Ok(Assignment {
        id: r.i("id")?,
        session_id: r.i("session_id")?,
        instructor_id: r.i("instructor_id")?,
        instructor_name: r.s("name")?,
        session_reference: r.s("reference")?,
        course_title: r.s("title")?,
        starts_at: r.i("starts_at")?,
        ends_at: r.i("ends_at")?,
        role: r.s("role")?,
        status: AssignmentStatus::parse(&r.s("status")?).map_err(crate::courses::decode_err)?,
    })
}

pub async fn for_session(conn: &mut Conn, session_id: i64) -> Result<Vec<Assignment>, StoreError> {
    let mut q = Sql::new(SELECT);
    q.push(" WHERE a.session_id = ")
        .int(session_id)
        .push(" ORDER BY a.id");
    Ok(q.query()
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(from_row)
        .collect::<Result<_, _>>()?)
}

/// An instructor's assignments from `from_ms` on, soonest first.
pub async fn for_instructor(
    conn: &mut Conn,
    instructor_id: i64,
    from_ms: i64,
) -> Result<Vec<Assignment>, StoreError> {
    let mut q = Sql::new(SELECT);
    q.push(" WHERE a.instructor_id = ")
        .int(instructor_id)
        .push(" AND s.ends_at > ")
        .int(from_ms);
    q.push(" ORDER BY s.starts_at LIMIT 200");
    Ok(q.query()
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(from_row)
        .collect::<Result<_, _>>()?)
}
