//! The rows of the morning lists (`trainyard_core::morning`): the upcoming sessions with what the
//! problem checks need, in one query (subqueries per session, no query per session). The
//! instructors list reads the KPI rows (`crate::kpi::teaching`, `crate::kpi::availability`), the
//! clients list the KPI admin effort and the profitability rows.

use crate::kpi::{KpiFilter, slices};
use crate::row::{Col, Sql, fetch_all};
use crate::{Conn, StoreError};
use trainyard_core::morning::SessionCheck;
use trainyard_core::status::{DeliveryMode, SessionStatus};

/// An upcoming session with its checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpcomingSession {
    pub id: i64,
    pub reference: String,
    pub course_id: i64,
    pub course_title: String,
    pub client_id: Option<i64>,
    pub client_name: Option<String>,
    pub venue_id: Option<i64>,
    pub venue_name: Option<String>,
    pub status: SessionStatus,
    pub time_zone: String,
    pub ends_at: i64,
    pub check: SessionCheck,
}

/// The most sessions one morning list reads: a week of a large operation.
pub const MAX_UPCOMING: i64 = 2_000;

/// Scheduled and confirmed sessions starting in `[f.from_ms, f.until_ms)`, narrowed by the
/// slices, soonest first, with their booked learners, the course minimum, confirmed instructors,
/// confirmed rooms, recipients still without joining instructions, instructors on time off and
/// compliance items overdue at `now`.
pub async fn upcoming(
    conn: &mut Conn,
    f: &KpiFilter,
    now: i64,
) -> Result<Vec<UpcomingSession>, StoreError> {
    let mut q = Sql::new(&format!(
        "SELECT s.id, s.reference, s.course_id, c.title AS course_title, s.client_id, cl.name AS client_name, \
         s.venue_id, v.name AS venue_name, s.status, s.time_zone, s.starts_at, s.ends_at, s.delivery_mode, \
         c.min_learners, s.booked_count, \
         (SELECT count(*) FROM assignments a WHERE a.session_id = s.id AND a.status = 'confirmed') AS confirmed_instructors, \
         (SELECT count(*) FROM bookings b JOIN session_parts p ON p.id = b.session_part_id JOIN resources r ON r.id = b.resource_id \
          WHERE p.session_id = s.id AND p.status = 'scheduled' AND b.status = 'confirmed' AND r.kind = 'room') AS rooms, \
         (SELECT count(*) FROM enrollments e WHERE e.session_id = s.id AND e.status = 'booked' AND {}) + \
         (SELECT count(*) FROM assignments a WHERE a.session_id = s.id AND a.status = 'confirmed' AND {}) AS joining_missing, \
         (SELECT count(*) FROM assignments a WHERE a.session_id = s.id AND a.status NOT IN ('declined', 'cancelled') \
          AND EXISTS (SELECT 1 FROM instructor_time_off t WHERE t.instructor_id = a.instructor_id \
          AND t.starts_at < s.ends_at AND t.ends_at > s.starts_at)) AS on_time_off, \
         (SELECT count(*) FROM session_compliance_items ci WHERE ci.session_id = s.id AND ci.met_at IS NULL \
          AND ci.due_at < ",
        crate::reminders::without_joining('e', "e.id"),
        crate::reminders::without_joining('a', "a.id"),
    ));
    q.int(now).push(
        ") AS overdue_compliance \
         FROM sessions s JOIN courses c ON c.id = s.course_id \
         LEFT JOIN clients cl ON cl.id = s.client_id LEFT JOIN venues v ON v.id = s.venue_id \
         WHERE s.archived_at IS NULL AND s.status IN ('scheduled', 'confirmed') AND s.starts_at >= ",
    );
    q.int(f.from_ms).push(" AND s.starts_at < ").int(f.until_ms);
    slices(&mut q, f);
    q.push(" ORDER BY s.starts_at, s.id LIMIT ")
        .int(MAX_UPCOMING);
    fetch_all(conn, q.query(), |r| {
        Ok(UpcomingSession {
            id: r.i("id")?,
            reference: r.s("reference")?,
            course_id: r.i("course_id")?,
            course_title: r.s("course_title")?,
            client_id: r.oi("client_id")?,
            client_name: r.os("client_name")?,
            venue_id: r.oi("venue_id")?,
            venue_name: r.os("venue_name")?,
            status: SessionStatus::parse(&r.s("status")?).map_err(crate::courses::decode_err)?,
            time_zone: r.s("time_zone")?,
            ends_at: r.i("ends_at")?,
            check: SessionCheck {
                starts_at: r.i("starts_at")?,
                mode: DeliveryMode::parse(&r.s("delivery_mode")?)
                    .map_err(crate::courses::decode_err)?,
                min_learners: r.i("min_learners")?,
                booked: r.i("booked_count")?,
                confirmed_instructors: r.i("confirmed_instructors")?,
                rooms: r.i("rooms")?,
                joining_missing: r.i("joining_missing")?,
                instructors_on_time_off: r.i("on_time_off")?,
                overdue_compliance: r.i("overdue_compliance")?,
            },
        })
    })
    .await
}
