//! Renewal offers (issue 16 §3): a client's setting, the certificates of its people that expire
//! soon with their offer, the offers the daily job makes, and the personal accept links. At most
//! one open offer per certificate is the unique index `renewal_offers_open`: a claim that loses
//! the race inserts nothing.

use crate::row::{Col, fetch_all};
use crate::{Conn, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;

/// Offer statuses.
pub const OFFERED: &str = "offered";
pub const WAITLISTED: &str = "waitlisted";
pub const ACCEPTED: &str = "accepted";
pub const DECLINED: &str = "declined";
pub const EXPIRED: &str = "expired";

/// A renewal offer as staff, the learner's client contact and the learner read it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RenewalOffer {
    pub id: i64,
    pub certificate_id: i64,
    pub learner_id: i64,
    pub learner_name: String,
    pub client_id: Option<i64>,
    /// The renewal session offered.
    pub session_id: i64,
    pub session_reference: String,
    pub course_title: String,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: i64,
    /// The enrollment made by accepting (or by waitlisting when the session was full).
    pub enrollment_id: Option<i64>,
    /// offered, waitlisted, accepted, declined or expired.
    pub status: String,
    /// Whether the offer holds a seat in the session (counted against its capacity) until it
    /// is answered or lapses.
    pub held: bool,
    /// When an unanswered offer lapses: 7 days after it was made or the session's start,
    /// whichever is first (absent for offers made before seats were held: at the start).
    #[serde(serialize_with = "crate::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<i64>,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
}

const OFFER_COLUMNS: &str = "ro.id, ro.certificate_id, ro.learner_id, \
    l.first_name || ' ' || l.last_name AS learner_name, ro.client_id, ro.session_id, \
    s.reference AS session_reference, c.title AS course_title, s.starts_at, ro.enrollment_id, \
    ro.status, ro.held, ro.expires_at, ro.created_at, ro.updated_at \
    FROM renewal_offers ro JOIN learners l ON l.id = ro.learner_id \
    JOIN sessions s ON s.id = ro.session_id JOIN courses c ON c.id = s.course_id";

fn offer_row(r: &AnyRow) -> Result<RenewalOffer, sqlx::Error> {
    Ok(RenewalOffer {
        id: r.i("id")?,
        certificate_id: r.i("certificate_id")?,
        learner_id: r.i("learner_id")?,
        learner_name: r.s("learner_name")?,
        client_id: r.oi("client_id")?,
        session_id: r.i("session_id")?,
        session_reference: r.s("session_reference")?,
        course_title: r.s("course_title")?,
        starts_at: r.i("starts_at")?,
        enrollment_id: r.oi("enrollment_id")?,
        status: r.s("status")?,
        held: r.b("held")?,
        expires_at: r.oi("expires_at")?,
        created_at: r.i("created_at")?,
        updated_at: r.i("updated_at")?,
    })
}

/// Whether the client wants renewal offers; `None` when there is no such client.
pub async fn offers_renewals(conn: &mut Conn, client_id: i64) -> Result<Option<bool>, StoreError> {
    let q = sqlx::query("SELECT offer_renewals FROM clients WHERE id = $1").bind(client_id);
    Ok(fetch_all(conn, q, |r| r.b("offer_renewals"))
        .await?
        .into_iter()
        .next())
}

/// Turns the client's renewal offers on or off; false when there is no such client.
pub async fn set_offers_renewals(
    conn: &mut Conn,
    client_id: i64,
    on: bool,
    now: i64,
) -> Result<bool, StoreError> {
    let n = sqlx::query("UPDATE clients SET offer_renewals = $1, updated_at = $2 WHERE id = $3")
        .bind(i64::from(on))
        .bind(now)
        .bind(client_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// A valid certificate of one of a client's learners that expires soon, with its latest offer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ExpiringCertificate {
    pub certificate_id: i64,
    pub learner_id: i64,
    pub learner_name: String,
    pub course_id: i64,
    pub course_title: String,
    pub certificate_name: String,
    #[schema(format = Date)]
    pub expires_on: String,
    /// The latest renewal offer for it, if any.
    pub offer: Option<RenewalOffer>,
}

/// The valid certificates of the client's learners (by their current client) expiring in
/// `[today, until]`, soonest first, each with its latest offer.
pub async fn expiring_for_client(
    conn: &mut Conn,
    client_id: i64,
    today: &str,
    until: &str,
) -> Result<Vec<ExpiringCertificate>, StoreError> {
    let q = sqlx::query(
        "SELECT ce.id, ce.learner_id, l.first_name || ' ' || l.last_name AS learner_name, ce.course_id, \
         ce.course_title, ce.certificate_name, ce.expires_on \
         FROM certificates ce JOIN learners l ON l.id = ce.learner_id \
         WHERE l.client_id = $1 AND ce.status = 'valid' AND ce.expires_on >= $2 AND ce.expires_on <= $3 \
         ORDER BY ce.expires_on, ce.id LIMIT 1000",
    )
    .bind(client_id)
    .bind(today.to_owned())
    .bind(until.to_owned());
    let mut rows = fetch_all(conn, q, |r| {
        Ok(ExpiringCertificate {
            certificate_id: r.i("id")?,
            learner_id: r.i("learner_id")?,
            learner_name: r.s("learner_name")?,
            course_id: r.i("course_id")?,
            course_title: r.s("course_title")?,
            certificate_name: r.s("certificate_name")?,
            expires_on: r.s("expires_on")?,
            offer: None,
        })
    })
    .await?;
    let sql = format!(
        "SELECT {OFFER_COLUMNS} WHERE ro.client_id = $1 AND ro.id IN \
         (SELECT max(x.id) FROM renewal_offers x WHERE x.client_id = $1 GROUP BY x.certificate_id)"
    );
    let offers = fetch_all(
        conn,
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(client_id),
        offer_row,
    )
    .await?;
    for row in &mut rows {
        row.offer = offers
            .iter()
            .find(|o| o.certificate_id == row.certificate_id)
            .cloned();
    }
    Ok(rows)
}

/// A certificate the daily job should offer a renewal seat for.
#[derive(Debug, Clone)]
pub struct DueRenewal {
    pub certificate_id: i64,
    pub learner_id: i64,
    pub client_id: i64,
    /// The course whose session renews it: the certificate's course's renewal course, else
    /// that course.
    pub course_id: i64,
    pub expires_on: String,
}

/// Valid certificates expiring in `(today, until]` of learners whose client offers renewals,
/// without an open offer (offered, waitlisted, accepted), soonest first: never offered, or
/// their last offer declined or expired while a later session of the renewal course, not
/// offered for it before, is scheduled (that it starts before the expiry the caller checks).
pub async fn due(
    conn: &mut Conn,
    today: &str,
    until: &str,
    limit: i64,
    now: i64,
) -> Result<Vec<DueRenewal>, StoreError> {
    let q = sqlx::query(
        "SELECT ce.id, ce.learner_id, l.client_id, COALESCE(co.renewal_course_id, ce.course_id) AS renew_with, \
         ce.expires_on FROM certificates ce JOIN learners l ON l.id = ce.learner_id \
         JOIN clients cl ON cl.id = l.client_id JOIN courses co ON co.id = ce.course_id \
         WHERE cl.offer_renewals = 1 AND ce.status = 'valid' AND ce.expires_on > $1 AND ce.expires_on <= $2 \
         AND NOT EXISTS (SELECT 1 FROM renewal_offers ro WHERE ro.certificate_id = ce.id \
             AND ro.status IN ('offered', 'waitlisted', 'accepted')) \
         AND (NOT EXISTS (SELECT 1 FROM renewal_offers ro WHERE ro.certificate_id = ce.id) \
             OR EXISTS (SELECT 1 FROM sessions s WHERE s.course_id = COALESCE(co.renewal_course_id, ce.course_id) \
                 AND s.status IN ('scheduled', 'confirmed') AND s.archived_at IS NULL AND s.starts_at > $4 \
                 AND (s.client_id IS NULL OR s.client_id = l.client_id) \
                 AND s.id NOT IN (SELECT ro.session_id FROM renewal_offers ro WHERE ro.certificate_id = ce.id))) \
         ORDER BY ce.expires_on, ce.id LIMIT $3",
    )
    .bind(today.to_owned())
    .bind(until.to_owned())
    .bind(limit.max(1))
    .bind(now);
    fetch_all(conn, q, |r| {
        Ok(DueRenewal {
            certificate_id: r.i("id")?,
            learner_id: r.i("learner_id")?,
            client_id: r.i("client_id")?,
            course_id: r.i("renew_with")?,
            expires_on: r.s("expires_on")?,
        })
    })
    .await
}

/// The course whose sessions renew `course_id`'s certificate: its renewal course, else itself.
pub async fn renewal_course(conn: &mut Conn, course_id: i64) -> Result<i64, StoreError> {
    let q = sqlx::query("SELECT COALESCE(renewal_course_id, id) AS c FROM courses WHERE id = $1")
        .bind(course_id);
    Ok(fetch_all(conn, q, |r| r.i("c"))
        .await?
        .into_iter()
        .next()
        .unwrap_or(course_id))
}

/// The next session of `course_id` open for enrollment that starts in `(after, before)`:
/// scheduled or confirmed, not archived, public or private to `client_id`, and never offered
/// for `certificate_id` before (a declined or expired offer's session is not offered again).
pub async fn next_session(
    conn: &mut Conn,
    course_id: i64,
    client_id: Option<i64>,
    after: i64,
    before: i64,
    certificate_id: i64,
) -> Result<Option<i64>, StoreError> {
    let q = sqlx::query(
        "SELECT id FROM sessions WHERE course_id = $1 AND status IN ('scheduled', 'confirmed') \
         AND archived_at IS NULL AND starts_at > $2 AND starts_at < $3 \
         AND (client_id IS NULL OR client_id = $4) \
         AND id NOT IN (SELECT ro.session_id FROM renewal_offers ro WHERE ro.certificate_id = $5) \
         ORDER BY starts_at, id LIMIT 1",
    )
    .bind(course_id)
    .bind(after)
    .bind(before)
    .bind(client_id.unwrap_or(0))
    .bind(certificate_id);
    Ok(fetch_all(conn, q, |r| r.i("id")).await?.into_iter().next())
}

/// What an offer is made of.
pub struct NewOffer<'a> {
    pub certificate_id: i64,
    pub learner_id: i64,
    pub client_id: Option<i64>,
    pub session_id: i64,
    pub secret_hash: &'a str,
    pub offered_by: Option<i64>,
}

/// Inserts an offer: `None` when the certificate already has an open one (another run, or a
/// coordinator, was first).
pub async fn claim(conn: &mut Conn, o: &NewOffer<'_>, now: i64) -> Result<Option<i64>, StoreError> {
    let q = sqlx::query(
        "INSERT INTO renewal_offers (certificate_id, learner_id, client_id, session_id, status, secret_hash, \
         offered_by, created_at, updated_at) VALUES ($1, $2, $3, $4, 'offered', $5, $6, $7, $7) \
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(o.certificate_id)
    .bind(o.learner_id)
    .bind(o.client_id)
    .bind(o.session_id)
    .bind(o.secret_hash.to_owned())
    .bind(o.offered_by)
    .bind(now);
    Ok(fetch_all(conn, q, |r| r.i("id")).await?.into_iter().next())
}

/// Moves an offer from `from` to `to` (with its enrollment): false when it was no longer `from`.
pub async fn settle(
    conn: &mut Conn,
    id: i64,
    from: &str,
    to: &str,
    enrollment_id: Option<i64>,
    now: i64,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE renewal_offers SET status = $1, enrollment_id = COALESCE($2, enrollment_id), updated_at = $3 \
         WHERE id = $4 AND status = $5",
    )
    .bind(to.to_owned())
    .bind(enrollment_id)
    .bind(now)
    .bind(id)
    .bind(from.to_owned())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<RenewalOffer, StoreError> {
    let sql = format!("SELECT {OFFER_COLUMNS} WHERE ro.id = $1");
    fetch_all(
        conn,
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id),
        offer_row,
    )
    .await?
    .into_iter()
    .next()
    .ok_or(StoreError::NotFound)
}

/// The offer `id` when `secret_hash` is its link's: `None` otherwise (another offer's link
/// included).
pub async fn by_link(
    conn: &mut Conn,
    id: i64,
    secret_hash: &str,
) -> Result<Option<RenewalOffer>, StoreError> {
    let sql = format!("SELECT {OFFER_COLUMNS} WHERE ro.id = $1 AND ro.secret_hash = $2");
    Ok(fetch_all(
        conn,
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .bind(secret_hash.to_owned()),
        offer_row,
    )
    .await?
    .into_iter()
    .next())
}

/// Marks a new offer as holding a seat in its session, lapsing at `expires_at`.
pub async fn set_hold(conn: &mut Conn, id: i64, expires_at: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE renewal_offers SET held = 1, expires_at = $1 WHERE id = $2")
        .bind(expires_at)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Offers still unanswered that lapsed by `now` (their session started, or their 7 days
/// passed): `(offer, session, holds a seat)`, at most `limit`.
pub async fn lapsed(
    conn: &mut Conn,
    now: i64,
    limit: i64,
) -> Result<Vec<(i64, i64, bool)>, StoreError> {
    let q = sqlx::query(
        "SELECT ro.id, ro.session_id, ro.held FROM renewal_offers ro JOIN sessions s ON s.id = ro.session_id \
         WHERE ro.status = 'offered' AND (s.starts_at <= $1 OR ro.expires_at <= $1) ORDER BY ro.id LIMIT $2",
    )
    .bind(now)
    .bind(limit.max(1));
    fetch_all(conn, q, |r| {
        Ok((r.i("id")?, r.i("session_id")?, r.b("held")?))
    })
    .await
}

/// An open offer as the learner's portal shows it: the session offered and the certificate it
/// renews.
#[derive(Debug, Clone, Serialize)]
pub struct LearnerOffer {
    pub id: i64,
    pub session_id: i64,
    pub session_reference: String,
    pub course_title: String,
    pub session_title: Option<String>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub time_zone: String,
    pub delivery_mode: String,
    pub venue_name: Option<String>,
    pub certificate_name: String,
    pub expires_on: Option<String>,
}

/// The learner's offers still to answer (offered, their session not started), soonest first.
pub async fn open_of_learner(
    conn: &mut Conn,
    learner_id: i64,
    now: i64,
) -> Result<Vec<LearnerOffer>, StoreError> {
    let q = sqlx::query(
        "SELECT ro.id, ro.session_id, s.reference, c.title AS course_title, s.title AS session_title, \
         s.starts_at, s.ends_at, s.time_zone, s.delivery_mode, v.name AS venue_name, ce.certificate_name, \
         ce.expires_on FROM renewal_offers ro JOIN sessions s ON s.id = ro.session_id \
         JOIN courses c ON c.id = s.course_id LEFT JOIN venues v ON v.id = s.venue_id \
         JOIN certificates ce ON ce.id = ro.certificate_id \
         WHERE ro.learner_id = $1 AND ro.status = 'offered' AND s.starts_at > $2 \
         AND (ro.expires_at IS NULL OR ro.expires_at > $2) \
         ORDER BY s.starts_at, ro.id LIMIT 50",
    )
    .bind(learner_id)
    .bind(now);
    fetch_all(conn, q, |r| {
        Ok(LearnerOffer {
            id: r.i("id")?,
            session_id: r.i("session_id")?,
            session_reference: r.s("reference")?,
            course_title: r.s("course_title")?,
            session_title: r.os("session_title")?,
            starts_at: r.i("starts_at")?,
            ends_at: r.i("ends_at")?,
            time_zone: r.s("time_zone")?,
            delivery_mode: r.s("delivery_mode")?,
            venue_name: r.os("venue_name")?,
            certificate_name: r.s("certificate_name")?,
            expires_on: r.os("expires_on")?,
        })
    })
    .await
}

/// For the demo: the first public scheduled or confirmed session starting in `(after, before)`
/// with a free seat, of a course granting a certificate, that `learner_id` is not enrolled in:
/// `(session, course, starts_at)`.
pub async fn demo_renewable_session(
    conn: &mut Conn,
    learner_id: i64,
    after: i64,
    before: i64,
) -> Result<Option<(i64, i64, i64)>, StoreError> {
    let q = sqlx::query(
        "SELECT s.id, s.course_id, s.starts_at FROM sessions s JOIN courses c ON c.id = s.course_id \
         WHERE s.status IN ('scheduled', 'confirmed') AND s.archived_at IS NULL AND s.client_id IS NULL \
         AND s.starts_at > $1 AND s.starts_at < $2 AND s.booked_count + s.held_count < s.capacity \
         AND c.certificate_name IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM enrollments e WHERE e.session_id = s.id AND e.learner_id = $3) \
         ORDER BY s.starts_at, s.id LIMIT 1",
    )
    .bind(after)
    .bind(before)
    .bind(learner_id);
    Ok(fetch_all(conn, q, |r| {
        Ok((r.i("id")?, r.i("course_id")?, r.i("starts_at")?))
    })
    .await?
    .into_iter()
    .next())
}
