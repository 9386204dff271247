//! Certificates of completion, their expiry reminders, and the instructor qualifications that run
//! out before a session they teach. A certificate copies what it says (learner, course,
//! certificate name, instructor) so that it reads the same whatever is renamed later, and the
//! public verification answers from its one row, found by code on a unique index.

use crate::row::{Col, Sql, fetch_all};
use crate::table::{Table, list_filter};
use crate::{Conn, Page, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use trainyard_core::certificate::Standing;

/// A certificate as staff, its learner and their client contact read it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Certificate {
    pub id: i64,
    /// The verification code (12 characters of Crockford base32), unique and unguessable.
    pub code: String,
    /// The enrollment it certifies (none for a certificate recorded without one).
    pub enrollment_id: Option<i64>,
    pub learner_id: i64,
    pub course_id: i64,
    pub session_id: Option<i64>,
    pub session_reference: Option<String>,
    /// The learner's client when it was issued.
    pub client_id: Option<i64>,
    pub client_name: Option<String>,
    /// As printed: the learner's name, the course's title and the certificate's name.
    pub learner_name: String,
    pub course_title: String,
    pub certificate_name: String,
    /// The lead instructor of the session, as printed (empty when none was assigned).
    pub instructor_name: String,
    #[schema(format = Date)]
    pub issued_on: String,
    /// The last day it is valid; `null` when it does not expire.
    #[schema(format = Date)]
    pub expires_on: Option<String>,
    /// Valid, expired (past `expires_on`) or revoked, today.
    pub status: Standing,
    #[serde(serialize_with = "crate::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<i64>,
    /// Why it was revoked.
    pub revoked_reason: Option<String>,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
    /// Send it back when revoking.
    pub version: i64,
}

/// Today's date in UTC, `YYYY-MM-DD`: the day a certificate's standing is judged on.
pub fn today_utc() -> String {
    trainyard_core::time::utc(trainyard_core::time::now_ms())
        .date_naive()
        .to_string()
}

const TABLE: Table = Table {
    name: "certificates",
    columns: "ce.id, ce.code, ce.enrollment_id, ce.learner_id, ce.course_id, ce.session_id, \
        s.reference AS session_reference, ce.client_id, cl.name AS client_name, ce.learner_name, \
        ce.course_title, ce.certificate_name, ce.instructor_name, ce.issued_on, ce.expires_on, \
        ce.status, ce.revoked_at, ce.revoked_reason, ce.created_at, ce.updated_at, ce.version",
    from: " FROM certificates ce LEFT JOIN clients cl ON cl.id = ce.client_id \
        LEFT JOIN sessions s ON s.id = ce.session_id",
    count_from: " FROM certificates ce",
    alias: "ce.",
    search: &["ce.learner_name", "ce.course_title", "ce.code"],
    sorts: &[
        ("issued", "ce.issued_on {dir}, ce.id {dir}"),
        (
            "expires",
            "ce.expires_on IS NULL, ce.expires_on {dir}, ce.id {dir}",
        ),
        ("learner", "ce.learner_name"),
        ("course", "ce.course_title"),
        (
            "client",
            "cl.name IS NULL, cl.name {dir}, ce.expires_on {dir}, ce.id {dir}",
        ),
    ],
};

fn from_row(r: &AnyRow) -> Result<Certificate, sqlx::Error> {
    let expires_on = r.os("expires_on")?;
    let revoked = r.s("status")? == "revoked";
    Ok(Certificate {
        id: r.i("id")?,
        code: r.s("code")?,
        enrollment_id: r.oi("enrollment_id")?,
        learner_id: r.i("learner_id")?,
        course_id: r.i("course_id")?,
        session_id: r.oi("session_id")?,
        session_reference: r.os("session_reference")?,
        client_id: r.oi("client_id")?,
        client_name: r.os("client_name")?,
        learner_name: r.s("learner_name")?,
        course_title: r.s("course_title")?,
        certificate_name: r.s("certificate_name")?,
        instructor_name: r.s("instructor_name")?,
        issued_on: r.s("issued_on")?,
        status: Standing::on(revoked, expires_on.as_deref(), &today_utc()),
        expires_on,
        revoked_at: r.oi("revoked_at")?,
        revoked_reason: r.os("revoked_reason")?,
        created_at: r.i("created_at")?,
        updated_at: r.i("updated_at")?,
        version: r.i("version")?,
    })
}

list_filter! {
    /// The certificate list's filters.
    pub struct CertificateFilter {
        sorts: TABLE.sorts,
        /// Valid, expired or revoked (today).
        pub status: String => #[param(value_type = Option<Standing>)],
        /// Certificates of this course.
        #[serde(deserialize_with = "crate::row::empty_as_none")]
        pub course_id: Option<i64>,
        /// Certificates of this client's people; also how a client contact is scoped to their own.
        #[serde(deserialize_with = "crate::row::empty_as_none")]
        pub client_id: Option<i64>,
        /// This learner's certificates; also how a learner is scoped to their own.
        #[serde(deserialize_with = "crate::row::empty_as_none")]
        pub learner_id: Option<i64>,
        /// Certificates that expire on or before this date (`YYYY-MM-DD`), and have not expired
        /// yet unless `status` asks for expired ones.
        pub expiring_before: String => #[param(format = Date)],
    }
}

/// Certificates matching `f` (standing judged on `today`, `YYYY-MM-DD`); `q` searches the
/// learner's name, the course's title and the code.
pub async fn list(
    conn: &mut Conn,
    f: &CertificateFilter,
    today: &str,
) -> Result<Page<Certificate>, StoreError> {
    let status = match f.status.trim() {
        "" => None,
        s => Some(Standing::parse(s).map_err(|e| StoreError::bad_parameter("status", e.english))?),
    };
    let before = match f.expiring_before.trim() {
        "" => None,
        d => Some(
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| {
                    StoreError::bad_parameter(
                        "expiring_before",
                        format!(
                            "'{}' is not a date (YYYY-MM-DD)",
                            d.chars().take(40).collect::<String>()
                        ),
                    )
                })?
                .to_string(),
        ),
    };
    TABLE
        .list(
            conn,
            &f.list,
            |q, _| {
                match status {
                    Some(Standing::Revoked) => {
                        q.push(" AND ce.status = 'revoked'");
                    }
                    Some(Standing::Expired) => {
                        q.push(" AND ce.status = 'valid' AND ce.expires_on < ").text(today);
                    }
                    Some(Standing::Valid) => {
                        q.push(" AND ce.status = 'valid' AND (ce.expires_on IS NULL OR ce.expires_on >= ")
                            .text(today)
                            .push(")");
                    }
                    None => {}
                }
                if let Some(b) = &before {
                    q.push(" AND ce.expires_on <= ").text(b);
                    if status.is_none() {
                        // What is about to expire: still valid today.
                        q.push(" AND ce.status = 'valid' AND ce.expires_on >= ")
                            .text(today);
                    }
                }
                if let Some(c) = f.course_id {
                    q.push(" AND ce.course_id = ").int(c);
                }
                if let Some(c) = f.client_id {
                    q.push(" AND ce.client_id = ").int(c);
                }
                if let Some(l) = f.learner_id {
                    q.push(" AND ce.learner_id = ").int(l);
                }
            },
            from_row,
        )
        .await
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Certificate, StoreError> {
    TABLE.get(conn, id, from_row).await
}

/// The certificate with this (normalised) code: one lookup on the unique index.
pub async fn by_code(conn: &mut Conn, code: &str) -> Result<Option<Certificate>, StoreError> {
    let mut q = Sql::new("SELECT ");
    q.push(TABLE.columns)
        .push(TABLE.from)
        .push(" WHERE ce.code = ")
        .text(code);
    let row = q.query().fetch_optional(&mut *conn).await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// What a public verification shows: only what the certificate says. One indexed row, no join.
#[derive(Debug, Clone)]
pub struct Verified {
    pub code: String,
    pub learner_name: String,
    pub course_title: String,
    pub certificate_name: String,
    pub issued_on: String,
    pub expires_on: Option<String>,
    pub revoked: bool,
}

pub async fn verify(conn: &mut Conn, code: &str) -> Result<Option<Verified>, StoreError> {
    let row = sqlx::query(
        "SELECT code, learner_name, course_title, certificate_name, issued_on, expires_on, status \
         FROM certificates WHERE code = $1",
    )
    .bind(code.to_owned())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = row else {
        return Ok(None);
    };
    Ok(Some(Verified {
        code: r.s("code")?,
        learner_name: r.s("learner_name")?,
        course_title: r.s("course_title")?,
        certificate_name: r.s("certificate_name")?,
        issued_on: r.s("issued_on")?,
        expires_on: r.os("expires_on")?,
        revoked: r.s("status")? == "revoked",
    }))
}

/// The certificate of an enrollment, if it has one.
pub async fn for_enrollment(
    conn: &mut Conn,
    enrollment_id: i64,
) -> Result<Option<Certificate>, StoreError> {
    let mut q = Sql::new("SELECT ");
    q.push(TABLE.columns)
        .push(TABLE.from)
        .push(" WHERE ce.enrollment_id = ")
        .int(enrollment_id);
    let row = q.query().fetch_optional(&mut *conn).await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// What a new certificate says.
pub struct NewCertificate<'a> {
    pub code: &'a str,
    pub enrollment_id: Option<i64>,
    pub learner_id: i64,
    pub course_id: i64,
    pub session_id: Option<i64>,
    pub client_id: Option<i64>,
    pub learner_name: &'a str,
    pub course_title: &'a str,
    pub certificate_name: &'a str,
    pub instructor_name: &'a str,
    pub issued_on: &'a str,
    pub expires_on: Option<&'a str>,
    pub issued_by: Option<i64>,
}

/// Inserts the certificate; `None` when its code is already taken (draw another and retry: the
/// statement does not fail, so the transaction goes on).
pub async fn insert(
    conn: &mut Conn,
    n: &NewCertificate<'_>,
    now: i64,
) -> Result<Option<i64>, StoreError> {
    let r = sqlx::query(
        "INSERT INTO certificates (code, enrollment_id, learner_id, course_id, session_id, client_id, \
         learner_name, course_title, certificate_name, instructor_name, issued_on, expires_on, issued_by, \
         created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) \
         ON CONFLICT (code) DO NOTHING RETURNING id",
    )
    .bind(n.code.to_owned())
    .bind(n.enrollment_id)
    .bind(n.learner_id)
    .bind(n.course_id)
    .bind(n.session_id)
    .bind(n.client_id)
    .bind(n.learner_name.to_owned())
    .bind(n.course_title.to_owned())
    .bind(n.certificate_name.to_owned())
    .bind(n.instructor_name.to_owned())
    .bind(n.issued_on.to_owned())
    .bind(n.expires_on.map(str::to_owned))
    .bind(n.issued_by)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match r {
        Some(r) => Some(r.i("id")?),
        None => None,
    })
}

/// Revokes the certificate as read at `version`: `Stale` when it changed since.
pub async fn revoke(
    conn: &mut Conn,
    id: i64,
    version: i64,
    reason: &str,
    now: i64,
) -> Result<(), StoreError> {
    let n = sqlx::query(
        "UPDATE certificates SET status = 'revoked', revoked_at = $1, revoked_reason = $2, \
         updated_at = $1, version = version + 1 WHERE id = $3 AND version = $4",
    )
    .bind(now)
    .bind(reason.to_owned())
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    TABLE.check_updated(conn, id, version, n).await
}

/// Takes the row lock of the certificate (the "write first" rule): a no-op update.
pub async fn touch(conn: &mut Conn, id: i64) -> Result<(), StoreError> {
    let n = sqlx::query("UPDATE certificates SET version = version WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

// ------------------------------------------------------------------ expiry reminders

/// The days before expiry that learners are reminded at (`'90,30,7'`), as stored, and the
/// version of the settings row they live in.
pub async fn reminder_days(conn: &mut Conn) -> Result<(String, i64), StoreError> {
    let r = sqlx::query(
        "SELECT certificate_reminder_days, version FROM reminder_settings WHERE singleton = 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match r {
        Some(r) => (r.s("certificate_reminder_days")?, r.i("version")?),
        None => ("90,30,7".into(), 0),
    })
}

/// Saves the reminder days (already checked) over the settings as read at `version`: `Stale`
/// when they changed since.
pub async fn save_reminder_days(
    conn: &mut Conn,
    days: &[i64],
    version: i64,
    user: Option<i64>,
    now: i64,
) -> Result<(), StoreError> {
    let text = days
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let n = sqlx::query(
        "UPDATE reminder_settings SET certificate_reminder_days = $1, updated_at = $2, updated_by = $3, \
         version = version + 1 WHERE singleton = 1 AND version = $4",
    )
    .bind(text)
    .bind(now)
    .bind(user)
    .bind(version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::Stale { expected: version });
    }
    Ok(())
}

/// A certificate whose reminder is due, with where to send it.
#[derive(Debug, Clone)]
pub struct DueReminder {
    pub certificate_id: i64,
    pub code: String,
    pub learner_id: i64,
    pub learner_name: String,
    pub email: String,
    pub course_title: String,
    pub certificate_name: String,
    pub expires_on: String,
}

/// Valid certificates expiring after `after` and on or before `until` (dates) that have not had
/// their reminder at `offset_days`, soonest first, at most `limit`.
pub async fn reminders_due(
    conn: &mut Conn,
    after: &str,
    until: &str,
    offset_days: i64,
    limit: i64,
) -> Result<Vec<DueReminder>, StoreError> {
    let q = sqlx::query(
        "SELECT ce.id, ce.code, ce.learner_id, ce.learner_name, l.email, ce.course_title, \
         ce.certificate_name, ce.expires_on \
         FROM certificates ce JOIN learners l ON l.id = ce.learner_id \
         WHERE ce.status = 'valid' AND ce.expires_on > $1 AND ce.expires_on <= $2 \
         AND NOT EXISTS (SELECT 1 FROM certificate_reminders r WHERE r.certificate_id = ce.id AND r.offset_days = $3) \
         ORDER BY ce.expires_on, ce.id LIMIT $4",
    )
    .bind(after.to_owned())
    .bind(until.to_owned())
    .bind(offset_days)
    .bind(limit);
    fetch_all(conn, q, |r| {
        Ok(DueReminder {
            certificate_id: r.i("id")?,
            code: r.s("code")?,
            learner_id: r.i("learner_id")?,
            learner_name: r.s("learner_name")?,
            email: r.s("email")?,
            course_title: r.s("course_title")?,
            certificate_name: r.s("certificate_name")?,
            expires_on: r.s("expires_on")?,
        })
    })
    .await
}

/// Claims the reminder of one certificate at one offset: false when another run had it.
pub async fn claim_reminder(
    conn: &mut Conn,
    certificate_id: i64,
    offset_days: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "INSERT INTO certificate_reminders (certificate_id, offset_days, sent_at) VALUES ($1, $2, $3) \
         ON CONFLICT (certificate_id, offset_days) DO NOTHING",
    )
    .bind(certificate_id)
    .bind(offset_days)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

// ------------------------------------------------------------------ expiring qualifications

/// An instructor teaching a confirmed session whose qualification for its course runs out
/// before the session ends, and no other qualification of theirs covers it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QualificationAlert {
    pub session_id: i64,
    pub session_reference: String,
    pub course_title: String,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: i64,
    pub instructor_id: i64,
    pub instructor_name: String,
    /// When the (last) qualification for the course expires.
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: i64,
}

/// Confirmed sessions ending after `now` with an accepted or confirmed instructor whose
/// qualification for the course (by course or by the course's required skill) expires before
/// the session ends, and nothing else qualifies them (another qualification lasting long
/// enough, or the skill in their profile, which does not expire); soonest first, at most `limit`.
pub async fn qualification_alerts(
    conn: &mut Conn,
    now: i64,
    limit: i64,
) -> Result<Vec<QualificationAlert>, StoreError> {
    let q = sqlx::query(
        "SELECT s.id AS session_id, s.reference, c.title, s.starts_at, s.ends_at, i.id AS instructor_id, \
         i.name AS instructor_name, MAX(q.expires_at) AS expires_at \
         FROM assignments a \
         JOIN sessions s ON s.id = a.session_id \
         JOIN courses c ON c.id = s.course_id \
         JOIN instructors i ON i.id = a.instructor_id \
         JOIN instructor_qualifications q ON q.instructor_id = a.instructor_id \
           AND (q.course_id = s.course_id OR (c.required_skill IS NOT NULL AND q.skill = c.required_skill)) \
         WHERE a.status IN ('accepted', 'confirmed') AND s.status = 'confirmed' AND s.archived_at IS NULL \
           AND s.ends_at > $1 AND q.expires_at IS NOT NULL AND q.expires_at < s.ends_at \
           AND NOT EXISTS (SELECT 1 FROM instructor_qualifications q2 WHERE q2.instructor_id = a.instructor_id \
             AND (q2.course_id = s.course_id OR (c.required_skill IS NOT NULL AND q2.skill = c.required_skill)) \
             AND (q2.expires_at IS NULL OR q2.expires_at >= s.ends_at)) \
           AND NOT (c.required_skill IS NOT NULL AND (',' || i.skills || ',') LIKE ('%,' || c.required_skill || ',%')) \
         GROUP BY s.id, s.reference, c.title, s.starts_at, s.ends_at, i.id, i.name \
         ORDER BY s.starts_at, s.id, i.id LIMIT $2",
    )
    .bind(now)
    .bind(limit);
    fetch_all(conn, q, |r| {
        Ok(QualificationAlert {
            session_id: r.i("session_id")?,
            session_reference: r.s("reference")?,
            course_title: r.s("title")?,
            starts_at: r.i("starts_at")?,
            ends_at: r.i("ends_at")?,
            instructor_id: r.i("instructor_id")?,
            instructor_name: r.s("instructor_name")?,
            expires_at: r.i("expires_at")?,
        })
    })
    .await
}

/// Claims the e-mail about one alert: false when it was sent before.
pub async fn claim_qualification_alert(
    conn: &mut Conn,
    a: &QualificationAlert,
    now: i64,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "INSERT INTO qualification_alerts (session_id, instructor_id, expires_at, sent_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (session_id, instructor_id, expires_at) DO NOTHING",
    )
    .bind(a.session_id)
    .bind(a.instructor_id)
    .bind(a.expires_at)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// The addresses of active coordinators and managers, who are told about expiring qualifications.
pub async fn coordinator_emails(conn: &mut Conn) -> Result<Vec<(String, String)>, StoreError> {
    let q = sqlx::query(
        "SELECT email, display_name FROM users WHERE role IN ('coordinator', 'manager') \
         AND archived_at IS NULL ORDER BY id LIMIT 50",
    );
    fetch_all(conn, q, |r| Ok((r.s("email")?, r.s("display_name")?))).await
}

/// Completed enrollments on courses that grant a certificate and have none yet, with when their
/// session ended, most recent first (the demo issues theirs).
pub async fn completed_without_certificate(
    conn: &mut Conn,
    limit: i64,
) -> Result<Vec<(i64, i64)>, StoreError> {
    let q = sqlx::query(
        "SELECT e.id, s.ends_at FROM enrollments e JOIN sessions s ON s.id = e.session_id \
         JOIN courses c ON c.id = s.course_id \
         WHERE e.status = 'completed' AND c.certificate_name IS NOT NULL AND c.certificate_name <> '' \
         AND NOT EXISTS (SELECT 1 FROM certificates ce WHERE ce.enrollment_id = e.id) \
         ORDER BY s.ends_at DESC, e.id DESC LIMIT $1",
    )
    .bind(limit);
    fetch_all(conn, q, |r| Ok((r.i("id")?, r.i("ends_at")?))).await
}

/// How many certificates there are (the bench).
pub async fn count(conn: &mut Conn) -> Result<i64, StoreError> {
    let r = sqlx::query("SELECT count(*) AS n FROM certificates")
        .fetch_one(&mut *conn)
        .await?;
    Ok(r.i("n")?)
}

/// The benchmark's certificates: `count` more, numbered from `from` (codes `B` and 11 digits),
/// for one learner and course, in one statement per call. Valid, some expired, some revoked.
pub async fn seed_bench(
    conn: &mut Conn,
    backend: crate::Backend,
    from: i64,
    count: i64,
    learner_id: i64,
    course_id: i64,
    now: i64,
) -> Result<u64, StoreError> {
    let code = match backend {
        crate::Backend::Sqlite => "'B' || printf('%011d', i)",
        crate::Backend::Postgres => "'B' || lpad(CAST(i AS TEXT), 11, '0')",
    };
    let sql = format!(
        "INSERT INTO certificates (code, learner_id, course_id, learner_name, course_title, certificate_name, \
         instructor_name, issued_on, expires_on, status, created_at, updated_at) \
         WITH RECURSIVE n(i) AS (SELECT $1 UNION ALL SELECT i + 1 FROM n WHERE i < $2) \
         SELECT {code}, $3, $4, 'Bench Learner', 'Bench Course', 'Bench Certificate', '', '2025-01-01', \
         CASE WHEN i % 10 = 0 THEN '2026-01-01' ELSE '2099-01-01' END, \
         CASE WHEN i % 50 = 0 THEN 'revoked' ELSE 'valid' END, $5, $5 FROM n"
    );
    let n = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(from)
        .bind(from + count - 1)
        .bind(learner_id)
        .bind(course_id)
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(n)
}
