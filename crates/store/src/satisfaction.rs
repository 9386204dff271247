//! The rows of the client satisfaction KPI (`trainyard_core::kpi::client_satisfaction`): the
//! operations ratings of the feedback surveys per session and value, narrowed by the report's
//! slices, and the sessions behind them for the drill-down. Kept apart from `crate::kpi` so the
//! KPI family stays one small query.

use crate::kpi::{KpiFilter, slices};
use crate::row::{Col, Sql, fetch_all};
use crate::{Conn, StoreError};
use trainyard_core::kpi::SatisfactionRow;

/// The topics whose ratings are "operations" (`trainyard_core::survey::Topic::is_operations`).
const OPERATIONS: &str = "('logistics', 'communication', 'materials', 'operations')";

fn starting_in(q: &mut Sql, f: &KpiFilter) {
    q.push(" AND s.archived_at IS NULL AND s.starts_at >= ")
        .int(f.from_ms)
        .push(" AND s.starts_at < ")
        .int(f.until_ms);
    slices(q, f);
}

/// How many operations ratings of each value the sessions starting in the period received.
pub async fn ratings(conn: &mut Conn, f: &KpiFilter) -> Result<Vec<SatisfactionRow>, StoreError> {
    let mut q = Sql::new(&format!(
        "SELECT s.id, s.starts_at, a.value, count(*) AS n \
         FROM survey_answers a JOIN survey_questions qu ON qu.id = a.question_id \
         JOIN survey_invitations i ON i.id = a.invitation_id JOIN sessions s ON s.id = i.session_id \
         WHERE qu.kind = 'rating' AND qu.topic IN {OPERATIONS} AND a.value IS NOT NULL"
    ));
    starting_in(&mut q, f);
    q.push(" GROUP BY s.id, s.starts_at, a.value ORDER BY s.id, a.value");
    fetch_all(conn, q.query(), |r| {
        Ok(SatisfactionRow {
            session_id: r.i("id")?,
            starts_at: r.i("starts_at")?,
            rating: r.i("value")?,
            answers: r.i("n")?,
        })
    })
    .await
}

/// A session starting in the period with at least one answered survey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnsweredSession {
    pub id: i64,
    pub reference: String,
    pub course_title: String,
    pub client_name: Option<String>,
    pub starts_at: i64,
    pub time_zone: String,
    pub invited: i64,
    pub answered: i64,
}

/// The most sessions the drill-down lists.
pub const MAX_ANSWERED: i64 = 1_000;

/// The sessions starting in the period whose surveys someone answered, soonest first.
pub async fn answered_sessions(
    conn: &mut Conn,
    f: &KpiFilter,
) -> Result<Vec<AnsweredSession>, StoreError> {
    let mut q = Sql::new(
        "SELECT s.id, s.reference, c.title, cl.name AS client_name, s.starts_at, s.time_zone, \
         (SELECT count(*) FROM survey_invitations i WHERE i.session_id = s.id) AS invited, \
         (SELECT count(*) FROM survey_invitations i WHERE i.session_id = s.id AND i.answered_at IS NOT NULL) AS answered \
         FROM sessions s JOIN courses c ON c.id = s.course_id LEFT JOIN clients cl ON cl.id = s.client_id \
         WHERE EXISTS (SELECT 1 FROM survey_invitations i WHERE i.session_id = s.id AND i.answered_at IS NOT NULL)",
    );
    starting_in(&mut q, f);
    q.push(" ORDER BY s.starts_at, s.id LIMIT ")
        .int(MAX_ANSWERED);
    fetch_all(conn, q.query(), |r| {
        Ok(AnsweredSession {
            id: r.i("id")?,
            reference: r.s("reference")?,
            course_title: r.s("title")?,
            client_name: r.os("client_name")?,
            starts_at: r.i("starts_at")?,
            time_zone: r.s("time_zone")?,
            invited: r.i("invited")?,
            answered: r.i("answered")?,
        })
    })
    .await
}
