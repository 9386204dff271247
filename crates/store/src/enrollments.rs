//! Learners enrolled in sessions.

use crate::row::Col;
use crate::{Conn, StoreError};
use serde::Serialize;
use trainyard_core::money::{Currency, Money};
use trainyard_core::status::EnrollmentStatus;

pub struct NewEnrollment {
    pub session_id: i64,
    pub learner_id: i64,
    pub status: EnrollmentStatus,
    pub waitlist_position: Option<i64>,
    pub price: Money,
    pub enrolled_by: Option<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Enrollment {
    pub id: i64,
    pub session_id: i64,
    pub learner_id: i64,
    pub learner_name: String,
    pub learner_email: String,
    pub client_id: Option<i64>,
    pub client_name: Option<String>,
    pub session_reference: String,
    pub course_title: String,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub session_starts_at: i64,
    pub status: EnrollmentStatus,
    pub waitlist_position: Option<i64>,
    pub price: Money,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
}

pub async fn insert(conn: &mut Conn, e: &NewEnrollment, now: i64) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO enrollments (session_id, learner_id, status, waitlist_position, currency, price_minor, enrolled_by, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(e.session_id)
    .bind(e.learner_id)
    .bind(e.status.as_str())
    .bind(e.waitlist_position)
    .bind(e.price.currency.as_str().to_owned())
    .bind(e.price.minor)
    .bind(e.enrolled_by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.i("id")?)
}

/// Recomputes a session's booked and waitlisted counts from its enrollments.
pub async fn recount(conn: &mut Conn, session_id: i64) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE sessions SET \
         booked_count = (SELECT count(*) FROM enrollments WHERE session_id = $1 AND status IN ('booked', 'attended', 'completed', 'failed', 'no_show')), \
         waitlist_count = (SELECT count(*) FROM enrollments WHERE session_id = $1 AND status = 'waitlisted') WHERE id = $1",
    )
    .bind(session_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

const SELECT: &str = "SELECT e.id, e.session_id, e.learner_id, l.first_name, l.last_name, l.email, l.client_id, cl.name AS client_name, \
    s.reference, c.title AS course_title, s.starts_at, e.status, e.waitlist_position, e.currency, e.price_minor, e.created_at \
    FROM enrollments e JOIN learners l ON l.id = e.learner_id JOIN sessions s ON s.id = e.session_id \
    JOIN courses c ON c.id = s.course_id LEFT JOIN clients cl ON cl.id = l.client_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Enrollment, sqlx::Error> {
    use crate::courses::decode_err as de;
    Ok(Enrollment {
        id: r.i("id")?,
        session_id: r.i("session_id")?,
        learner_id: r.i("learner_id")?,
        learner_name: format!("{} {}", r.s("first_name")?, r.s("last_name")?),
        learner_email: r.s("email")?,
        client_id: r.oi("client_id")?,
        client_name: r.os("client_name")?,
        session_reference: r.s("reference")?,
        course_title: r.s("course_title")?,
        session_starts_at: r.i("starts_at")?,
        status: EnrollmentStatus::parse(&r.s("status")?).map_err(de)?,
        waitlist_position: r.oi("waitlist_position")?,
        price: Money::new(
            r.i("price_minor")?,
            Currency::parse(&r.s("currency")?).map_err(de)?,
        ),
        created_at: r.i("created_at")?,
    })
}

/// A session's enrollments: booked first, then the waitlist in order.
pub async fn for_session(conn: &mut Conn, session_id: i64) -> Result<Vec<Enrollment>, StoreError> {
    let mut q = crate::row::Sql::new(SELECT);
    q.push(" WHERE e.session_id = ").int(session_id);
    q.push(" ORDER BY CASE e.status WHEN 'waitlisted' THEN 1 ELSE 0 END, e.waitlist_position, l.last_name LIMIT 1000");
    Ok(q.query()
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(from_row)
        .collect::<Result<_, _>>()?)
}

/// A learner's enrollments, newest session first.
pub async fn for_learner(conn: &mut Conn, learner_id: i64) -> Result<Vec<Enrollment>, StoreError> {
    let mut q = crate::row::Sql::new(SELECT);
    q.push(" WHERE e.learner_id = ")
        .int(learner_id)
        .push(" ORDER BY s.starts_at DESC LIMIT 500");
    Ok(q.query()
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(from_row)
        .collect::<Result<_, _>>()?)
}
