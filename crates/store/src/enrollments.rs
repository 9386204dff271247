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
    /// What the learner pays: always set when read from the store; `None` (and left out of the
    /// JSON) for a reader who is neither staff nor the paying side (`trainyard_app::audience`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<Money>,
    /// Paid by a prepaid seat of the client's agreement (the price is then 0).
    #[serde(default)]
    pub paid_by_credit: bool,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub offer_expires_at: Option<i64>,
    /// When the Learning Record Store showed every e-learning prerequisite of the course done
    /// (the readiness check); absent when not (yet), or the course has none.
    #[serde(serialize_with = "crate::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ready_at: Option<i64>,
    pub version: i64,
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
    s.reference, c.title AS course_title, s.starts_at, e.status, e.waitlist_position, e.currency, e.price_minor, e.created_at, \
    e.offer_expires_at, e.ready_at, e.version, e.credit_pool_id \
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
        price: Some(Money::new(
            r.i("price_minor")?,
            Currency::parse(&r.s("currency")?).map_err(de)?,
        )),
        paid_by_credit: r.oi("credit_pool_id")?.is_some(),
        created_at: r.i("created_at")?,
        offer_expires_at: r.oi("offer_expires_at")?,
        ready_at: r.oi("ready_at")?,
        version: r.i("version")?,
    })
}

/// A session's enrollments: booked first, then the waitlist in order.
pub async fn for_session(conn: &mut Conn, session_id: i64) -> Result<Vec<Enrollment>, StoreError> {
    let mut q = crate::row::Sql::new(SELECT);
    q.push(" WHERE e.session_id = ").int(session_id);
    q.push(" ORDER BY CASE e.status WHEN 'waitlisted' THEN 1 ELSE 0 END, e.waitlist_position, l.last_name LIMIT 1000");
    crate::row::fetch_all(conn, q.query(), from_row).await
}

/// A learner's enrollments, newest session first.
pub async fn for_learner(conn: &mut Conn, learner_id: i64) -> Result<Vec<Enrollment>, StoreError> {
    let mut q = crate::row::Sql::new(SELECT);
    q.push(" WHERE e.learner_id = ")
        .int(learner_id)
        .push(" ORDER BY s.starts_at DESC LIMIT 500");
    crate::row::fetch_all(conn, q.query(), from_row).await
}

/// The enrollment row as the use cases need it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EnrollmentRecord {
    pub id: i64,
    pub session_id: i64,
    pub learner_id: i64,
    pub status: EnrollmentStatus,
    pub waitlist_position: Option<i64>,
    pub priority: i64,
    #[serde(serialize_with = "crate::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub offer_expires_at: Option<i64>,
    pub transferred_to: Option<i64>,
    pub version: i64,
}

const RECORD: &str = "SELECT id, session_id, learner_id, status, waitlist_position, priority, offer_expires_at, transferred_to, version FROM enrollments";

fn record_from(r: &sqlx::any::AnyRow) -> Result<EnrollmentRecord, sqlx::Error> {
    Ok(EnrollmentRecord {
        id: r.i("id")?,
        session_id: r.i("session_id")?,
        learner_id: r.i("learner_id")?,
        status: EnrollmentStatus::parse(&r.s("status")?).map_err(crate::courses::decode_err)?,
        waitlist_position: r.oi("waitlist_position")?,
        priority: r.i("priority")?,
        offer_expires_at: r.oi("offer_expires_at")?,
        transferred_to: r.oi("transferred_to")?,
        version: r.i("version")?,
    })
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<EnrollmentRecord, StoreError> {
    let mut q = crate::row::Sql::new(RECORD);
    q.push(" WHERE id = ").int(id);
    Ok(record_from(&q.query().fetch_one(&mut *conn).await?)?)
}

pub async fn find(
    conn: &mut Conn,
    session_id: i64,
    learner_id: i64,
) -> Result<Option<EnrollmentRecord>, StoreError> {
    let mut q = crate::row::Sql::new(RECORD);
    q.push(" WHERE session_id = ")
        .int(session_id)
        .push(" AND learner_id = ")
        .int(learner_id);
    Ok(q.query()
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(record_from)
        .transpose()?)
}

/// Takes a seat if one is free (seats held for renewal offers are not). The first write of an
/// enrollment's transaction: concurrent enrollments queue on the session row, so seats can
/// never be over-counted.
pub async fn claim_seat(conn: &mut Conn, session_id: i64) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE sessions SET booked_count = booked_count + 1 WHERE id = $1 AND booked_count + held_count < capacity",
    )
    .bind(session_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Holds a free seat for a renewal offer: false when none is free. Like [`claim_seat`], the
/// write that orders concurrent enrollments on the session row.
pub async fn hold_seat(conn: &mut Conn, session_id: i64) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE sessions SET held_count = held_count + 1 WHERE id = $1 AND booked_count + held_count < capacity",
    )
    .bind(session_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Gives back a seat held for a renewal offer.
pub async fn release_hold(conn: &mut Conn, session_id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET held_count = held_count - 1 WHERE id = $1 AND held_count > 0")
        .bind(session_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn release_seat(conn: &mut Conn, session_id: i64) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE sessions SET booked_count = booked_count - 1 WHERE id = $1 AND booked_count > 0",
    )
    .bind(session_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Locks the session row (a write) and returns the next waitlist position.
pub async fn next_waitlist_position(conn: &mut Conn, session_id: i64) -> Result<i64, StoreError> {
    sqlx::query("UPDATE sessions SET waitlist_count = waitlist_count + 1 WHERE id = $1")
        .bind(session_id)
        .execute(&mut *conn)
        .await?;
    let r = sqlx::query("SELECT CAST(COALESCE(MAX(waitlist_position), 0) + 1 AS BIGINT) AS p FROM enrollments WHERE session_id = $1")
        .bind(session_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(r.i("p")?)
}

pub async fn left_waitlist(conn: &mut Conn, session_id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET waitlist_count = waitlist_count - 1 WHERE id = $1 AND waitlist_count > 0").bind(session_id).execute(&mut *conn).await?;
    renumber_waitlist(conn, session_id).await
}

/// Closes the gaps someone leaving the waitlist leaves, in the order seats are given (priority,
/// then arrival): the first in line reads "number 1". Done row by row rather than with one
/// correlated UPDATE because SQLite would see its own half-finished renumbering.
pub async fn renumber_waitlist(conn: &mut Conn, session_id: i64) -> Result<(), StoreError> {
    let rows = sqlx::query(
        "SELECT id, waitlist_position FROM enrollments WHERE session_id = $1 AND status = 'waitlisted' \
         ORDER BY priority DESC, waitlist_position ASC, id ASC LIMIT 10000",
    )
    .bind(session_id)
    .fetch_all(&mut *conn)
    .await?;
    for (i, r) in rows.iter().enumerate() {
        let want = i as i64 + 1;
        if r.oi("waitlist_position")? != Some(want) {
            sqlx::query("UPDATE enrollments SET waitlist_position = $1 WHERE id = $2")
                .bind(want)
                .bind(r.i("id")?)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// The next learner in line without an open offer: highest priority first, then arrival.
pub async fn next_in_line(
    conn: &mut Conn,
    session_id: i64,
) -> Result<Option<EnrollmentRecord>, StoreError> {
    let mut q = crate::row::Sql::new(RECORD);
    q.push(" WHERE session_id = ").int(session_id);
    q.push(" AND status = 'waitlisted' AND offer_expires_at IS NULL ORDER BY priority DESC, waitlist_position ASC, id ASC LIMIT 1");
    Ok(q.query()
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(record_from)
        .transpose()?)
}

pub async fn insert_record(
    conn: &mut Conn,
    e: &NewEnrollment,
    priority: i64,
    now: i64,
) -> Result<i64, StoreError> {
    let id = insert(conn, e, now).await?;
    if priority != 0 {
        sqlx::query("UPDATE enrollments SET priority = $1 WHERE id = $2")
            .bind(priority)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(id)
}

/// Sets status, waitlist position and offer, with the version check.
pub async fn set_state(
    conn: &mut Conn,
    id: i64,
    version: i64,
    status: EnrollmentStatus,
    waitlist_position: Option<i64>,
    offer_expires_at: Option<i64>,
    now: i64,
) -> Result<(), StoreError> {
    let n = sqlx::query(
        "UPDATE enrollments SET status = $1, waitlist_position = $2, offer_expires_at = $3, updated_at = $4, version = version + 1 \
         WHERE id = $5 AND version = $6",
    )
    .bind(status.as_str())
    .bind(waitlist_position)
    .bind(offer_expires_at)
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    crate::row::check_updated(conn, "enrollments", id, version, n).await
}

pub async fn set_transferred(conn: &mut Conn, id: i64, to: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE enrollments SET transferred_to = $1 WHERE id = $2")
        .bind(to)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Offers whose time ran out, oldest first.
pub async fn expired_offers(
    conn: &mut Conn,
    now: i64,
    limit: i64,
) -> Result<Vec<EnrollmentRecord>, StoreError> {
    let mut q = crate::row::Sql::new(RECORD);
    q.push(" WHERE status = 'waitlisted' AND offer_expires_at IS NOT NULL AND offer_expires_at < ")
        .int(now);
    q.push(" ORDER BY offer_expires_at LIMIT ").int(limit);
    crate::row::fetch_all(conn, q.query(), record_from).await
}

/// Per-session enrollment settings.
pub async fn session_rules(
    conn: &mut Conn,
    session_id: i64,
) -> Result<(String, i64, i64), StoreError> {
    let r =
        sqlx::query("SELECT promotion_mode, offer_hours, cutoff_hours FROM sessions WHERE id = $1")
            .bind(session_id)
            .fetch_one(&mut *conn)
            .await?;
    Ok((
        r.s("promotion_mode")?,
        r.i("offer_hours")?,
        r.i("cutoff_hours")?,
    ))
}

pub async fn set_session_rules(
    conn: &mut Conn,
    session_id: i64,
    mode: &str,
    offer_hours: i64,
    cutoff_hours: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET promotion_mode = $1, offer_hours = $2, cutoff_hours = $3 WHERE id = $4")
        .bind(mode)
        .bind(offer_hours)
        .bind(cutoff_hours)
        .bind(session_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Records presence of an enrollment at a part (replacing an earlier record).
pub async fn set_attendance(
    conn: &mut Conn,
    enrollment_id: i64,
    part_id: i64,
    present: bool,
    by: Option<i64>,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO attendance (enrollment_id, session_part_id, present, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (enrollment_id, session_part_id) DO UPDATE SET present = excluded.present, recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at",
    )
    .bind(enrollment_id)
    .bind(part_id)
    .bind(i64::from(present))
    .bind(by)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Every attendance record of a session: (enrollment id, part id, present).
pub async fn attendance_for_session(
    conn: &mut Conn,
    session_id: i64,
) -> Result<Vec<(i64, i64, bool)>, StoreError> {
    let q = sqlx::query(
        "SELECT a.enrollment_id, a.session_part_id, a.present FROM attendance a JOIN session_parts p ON p.id = a.session_part_id WHERE p.session_id = $1",
    )
    .bind(session_id);
    crate::row::fetch_all(conn, q, |r| {
        Ok((
            r.i("enrollment_id")?,
            r.i("session_part_id")?,
            r.i("present")? != 0,
        ))
    })
    .await
}

/// Takes the seat guard's lock on each of these sessions (a write that changes nothing, as
/// [`claim_seat`] would make), then reads what an import's enrollments need besides the session
/// itself: `(session id, cutoff hours, last waitlist position or 0)`. Concurrent enrollments then
/// wait for the import's commit, so seats counted in memory stay true until it writes them.
pub async fn lock_seats(
    conn: &mut Conn,
    session_ids: &[i64],
) -> Result<Vec<(i64, i64, i64)>, StoreError> {
    let mut out = Vec::with_capacity(session_ids.len());
    for chunk in session_ids.chunks(crate::table::MANY) {
        let mut lock =
            crate::row::Sql::new("UPDATE sessions SET booked_count = booked_count WHERE id IN (");
        ids_in(&mut lock, chunk);
        lock.query().execute(&mut *conn).await?;
        let mut q = crate::row::Sql::new(
            "SELECT s.id, s.cutoff_hours, CAST(COALESCE((SELECT MAX(e.waitlist_position) FROM enrollments e \
             WHERE e.session_id = s.id), 0) AS BIGINT) AS last FROM sessions s WHERE s.id IN (",
        );
        ids_in(&mut q, chunk);
        out.extend(
            crate::row::fetch_all(conn, q.query(), |r| {
                Ok((r.i("id")?, r.i("cutoff_hours")?, r.i("last")?))
            })
            .await?,
        );
    }
    Ok(out)
}

/// `$1, $2, …)` for a list of ids.
fn ids_in(q: &mut crate::row::Sql, ids: &[i64]) {
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.int(*id);
    }
    q.push(")");
}

/// Every enrollment (any status) of these sessions.
pub async fn records_of_sessions(
    conn: &mut Conn,
    session_ids: &[i64],
) -> Result<Vec<EnrollmentRecord>, StoreError> {
    let mut out = Vec::new();
    for chunk in session_ids.chunks(crate::table::MANY) {
        let mut q = crate::row::Sql::new(RECORD);
        q.push(" WHERE session_id IN (");
        ids_in(&mut q, chunk);
        out.extend(crate::row::fetch_all(conn, q.query(), record_from).await?);
    }
    Ok(out)
}

/// Inserts many enrollments as [`insert`] does (priority 0), [`crate::table::MANY`] per
/// statement, and returns their rows as [`get`] reads them (in no particular order).
pub async fn insert_many(
    conn: &mut Conn,
    rows: &[&NewEnrollment],
    now: i64,
) -> Result<Vec<EnrollmentRecord>, StoreError> {
    let mut out = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(crate::table::MANY) {
        let mut q = crate::row::Sql::new(
            "INSERT INTO enrollments (session_id, learner_id, status, waitlist_position, currency, price_minor, \
             enrolled_by, created_at, updated_at) VALUES ",
        );
        for (i, e) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" });
            q.int(e.session_id)
                .push(", ")
                .int(e.learner_id)
                .push(", ")
                .text(e.status.as_str())
                .push(", ")
                .opt_int(e.waitlist_position)
                .push(", ")
                .text(e.price.currency.as_str())
                .push(", ")
                .int(e.price.minor)
                .push(", ")
                .opt_int(e.enrolled_by)
                .push(", ")
                .int(now)
                .push(", ")
                .int(now)
                .push(")");
        }
        q.push(" RETURNING id, session_id, learner_id, status, waitlist_position, priority, offer_expires_at, transferred_to, version");
        out.extend(crate::row::fetch_all(conn, q.query(), record_from).await?);
    }
    Ok(out)
}

/// Adds seats taken and waitlist places to sessions: `(session id, booked, waitlisted)`, the
/// counters [`claim_seat`] and [`next_waitlist_position`] keep, for many enrollments at once.
/// The caller holds the sessions' locks ([`lock_seats`]) and has counted against capacity.
pub async fn add_counts(conn: &mut Conn, counts: &[(i64, i64, i64)]) -> Result<(), StoreError> {
    for chunk in counts.chunks(crate::table::MANY) {
        let mut q =
            crate::row::Sql::new("UPDATE sessions SET booked_count = booked_count + CASE id");
        for (id, booked, _) in chunk {
            q.push(" WHEN ").int(*id).push(" THEN ").int(*booked);
        }
        q.push(" ELSE 0 END, waitlist_count = waitlist_count + CASE id");
        for (id, _, waitlisted) in chunk {
            q.push(" WHEN ").int(*id).push(" THEN ").int(*waitlisted);
        }
        q.push(" ELSE 0 END WHERE id IN (");
        let ids: Vec<i64> = chunk.iter().map(|c| c.0).collect();
        ids_in(&mut q, &ids);
        q.query().execute(&mut *conn).await?;
    }
    Ok(())
}
