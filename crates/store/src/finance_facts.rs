//! The revenue and cost kept per delivered session (migration 0045) and the sums the
//! profitability report and the finance KPIs read from them.
//!
//! The database marks a session stale in the transaction of any change to what its figures come
//! from; [`take_stale`] takes the marks (and finds sessions never costed) so that the application
//! recomputes them with the rules of `core::costs` and [`keep`]s the result.

use crate::courses::decode_err;
use crate::row::{Col, Sql, fetch_all};
use crate::{Conn, StoreError};
use trainyard_core::money::Currency;
use trainyard_core::status::DeliveryMode;

/// Sessions whose revenue is recognised: delivered or closed.
const DELIVERED: &str = "('delivered', 'closed')";

/// One session's kept figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub session_id: i64,
    pub revenue_minor: i64,
    pub cost_minor: i64,
    pub lead_instructor_id: Option<i64>,
}

/// Takes up to `limit` marked delivered sessions (ending in `window`, if given): their marks are
/// deleted in `tx`, which must keep their new figures before it commits. A delivered session
/// without figures is always marked (migration 0045 marked every one, and a session's insert and
/// every change of its status mark it), so the marks are all a read has to look at.
pub async fn take_stale(
    tx: &mut Conn,
    window: Option<(i64, i64)>,
    limit: i64,
) -> Result<Vec<i64>, StoreError> {
    let mut q = Sql::new(
        "DELETE FROM finance_stale WHERE session_id IN (SELECT m.session_id FROM finance_stale m \
         JOIN sessions s ON s.id = m.session_id WHERE s.archived_at IS NULL AND s.status IN ",
    );
    q.push(DELIVERED);
    if let Some((from, until)) = window {
        // In the period now, or counted in it by the figures kept before the change.
        q.push(" AND ((s.ends_at >= ")
            .int(from)
            .push(" AND s.ends_at < ")
            .int(until)
            .push(") OR EXISTS (SELECT 1 FROM session_finance_facts f WHERE f.session_id = m.session_id AND f.ends_at >= ")
            .int(from)
            .push(" AND f.ends_at < ")
            .int(until)
            .push("))");
    }
    q.push(" LIMIT ").int(limit).push(") RETURNING session_id");
    fetch_all(tx, q.query(), |r| r.i("session_id")).await
}

/// Forgets up to `limit` marks of sessions that are not delivered (any more) or archived, with
/// their kept figures: they are computed afresh if the session is delivered again. Returns how
/// many.
pub async fn drop_undelivered(tx: &mut Conn, limit: i64) -> Result<usize, StoreError> {
    let mut q = Sql::new(
        "DELETE FROM finance_stale WHERE session_id IN (SELECT m.session_id FROM finance_stale m \
         WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = m.session_id AND s.archived_at IS NULL AND s.status IN ",
    );
    q.push(DELIVERED)
        .push(") LIMIT ")
        .int(limit)
        .push(") RETURNING session_id");
    let ids = fetch_all(tx, q.query(), |r| r.i("session_id")).await?;
    for chunk in ids.chunks(500) {
        let list: Vec<String> = chunk.iter().map(i64::to_string).collect();
        let sql = format!(
            "DELETE FROM session_finance_facts WHERE session_id IN ({})",
            list.join(", ")
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await?;
    }
    Ok(ids.len())
}

/// Keeps `facts` (inserting or replacing each session's row).
pub async fn keep(tx: &mut Conn, facts: &[Fact]) -> Result<(), StoreError> {
    for chunk in facts.chunks(400) {
        let mut q = Sql::new(
            "INSERT INTO session_finance_facts (session_id, revenue_minor, cost_minor, lead_instructor_id) VALUES ",
        );
        for (n, f) in chunk.iter().enumerate() {
            q.push(if n == 0 { "(" } else { ", (" })
                .int(f.session_id)
                .push(", ")
                .int(f.revenue_minor)
                .push(", ")
                .int(f.cost_minor)
                .push(", ");
            match f.lead_instructor_id {
                Some(i) => q.int(i),
                None => q.push("NULL"),
            };
            q.push(")");
        }
        q.push(
            " ON CONFLICT (session_id) DO UPDATE SET revenue_minor = excluded.revenue_minor, \
             cost_minor = excluded.cost_minor, lead_instructor_id = excluded.lead_instructor_id",
        );
        q.query().execute(&mut *tx).await?;
        // What the sums filter and group by, as the session has it now.
        let mut q = Sql::new(
            "UPDATE session_finance_facts SET ends_at = s.ends_at, currency = s.currency, \
             learners = s.booked_count, course_id = s.course_id, client_id = s.client_id, \
             program_id = s.program_id, venue_id = s.venue_id, delivery_mode = s.delivery_mode \
             FROM sessions s WHERE s.id = session_finance_facts.session_id \
             AND session_finance_facts.session_id IN (",
        );
        for (n, f) in chunk.iter().enumerate() {
            q.push(if n == 0 { "" } else { ", " }).int(f.session_id);
        }
        q.push(")");
        q.query().execute(&mut *tx).await?;
    }
    Ok(())
}

/// How many delivered sessions are marked stale or were never costed (the doctor and the bench
/// show it).
pub async fn pending(conn: &mut Conn) -> Result<i64, StoreError> {
    let mut q = Sql::new(
        "SELECT CAST(count(*) AS BIGINT) AS n FROM sessions s WHERE s.archived_at IS NULL AND s.status IN ",
    );
    q.push(DELIVERED).push(
        " AND (EXISTS (SELECT 1 FROM finance_stale m WHERE m.session_id = s.id) \
         OR NOT EXISTS (SELECT 1 FROM session_finance_facts f WHERE f.session_id = s.id))",
    );
    Ok(fetch_all(conn, q.query(), |r| r.i("n"))
        .await?
        .into_iter()
        .next()
        .unwrap_or(0))
}

/// Narrows the delivered sessions ending in `[from_ms, until_ms)`. `Some(None)` is the group
/// without one (public sessions, no program, no lead instructor, virtual).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FactFilter {
    pub from_ms: i64,
    pub until_ms: i64,
    pub course_id: Option<i64>,
    pub client_id: Option<Option<i64>>,
    pub program_id: Option<Option<i64>>,
    pub lead_instructor_id: Option<Option<i64>>,
    pub venue_id: Option<Option<i64>>,
    pub mode: Option<DeliveryMode>,
    pub session_id: Option<i64>,
}

/// What the sums are grouped by, besides the currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping<'a> {
    Course,
    Client,
    Program,
    LeadInstructor,
    Venue,
    Mode,
    /// The slice of the period each session ends in: the instants where a new slice starts
    /// (the key is the slice's index).
    Slices(&'a [i64]),
    Session,
    /// Only by currency (the totals).
    Nothing,
}

/// One group's sums.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactSum {
    /// The group's id (course, client, …, slice index); `None` for the group without one.
    pub id: Option<i64>,
    /// The group's delivery mode (grouped by mode).
    pub mode: Option<DeliveryMode>,
    /// The group's name as stored (course code and title, client name, session reference).
    pub label: Option<String>,
    pub currency: Currency,
    pub sessions: i64,
    pub learners: i64,
    pub revenue_minor: i64,
    pub cost_minor: i64,
}

/// The sums of the delivered sessions `f` selects, grouped by `by` and currency. The sessions'
/// figures must have been refreshed first (see [`take_stale`]).
pub async fn sums(
    conn: &mut Conn,
    f: &FactFilter,
    by: Grouping<'_>,
) -> Result<Vec<FactSum>, StoreError> {
    let mut q = Sql::new("SELECT ");
    let (keys, join, group): (&str, &str, &str) = match by {
        Grouping::Course => (
            "f.course_id AS kid, CAST(NULL AS TEXT) AS ktext, c.code || ' ' || c.title AS label",
            " JOIN courses c ON c.id = f.course_id",
            "f.course_id, c.code, c.title, ",
        ),
        Grouping::Client => (
            "f.client_id AS kid, CAST(NULL AS TEXT) AS ktext, x.name AS label",
            " LEFT JOIN clients x ON x.id = f.client_id",
            "f.client_id, x.name, ",
        ),
        Grouping::Program => (
            "f.program_id AS kid, CAST(NULL AS TEXT) AS ktext, x.name AS label",
            " LEFT JOIN programs x ON x.id = f.program_id",
            "f.program_id, x.name, ",
        ),
        Grouping::LeadInstructor => (
            "f.lead_instructor_id AS kid, CAST(NULL AS TEXT) AS ktext, x.name AS label",
            " LEFT JOIN instructors x ON x.id = f.lead_instructor_id",
            "f.lead_instructor_id, x.name, ",
        ),
        Grouping::Venue => (
            "f.venue_id AS kid, CAST(NULL AS TEXT) AS ktext, x.name AS label",
            " LEFT JOIN venues x ON x.id = f.venue_id",
            "f.venue_id, x.name, ",
        ),
        Grouping::Mode => (
            "CAST(NULL AS BIGINT) AS kid, f.delivery_mode AS ktext, CAST(NULL AS TEXT) AS label",
            "",
            "f.delivery_mode, ",
        ),
        Grouping::Session => (
            "f.session_id AS kid, CAST(NULL AS TEXT) AS ktext, s.reference AS label",
            " JOIN sessions s ON s.id = f.session_id",
            "f.session_id, s.reference, ",
        ),
        Grouping::Slices(_) | Grouping::Nothing => ("", "", ""),
    };
    match by {
        // One slice: every session in it (a constant would read as a position in GROUP BY).
        Grouping::Slices([]) => {
            q.push("CAST(0 AS BIGINT) AS kid, CAST(NULL AS TEXT) AS ktext, CAST(NULL AS TEXT) AS label");
        }
        Grouping::Slices(bounds) => {
            push_case(&mut q, bounds);
            q.push(" AS kid, CAST(NULL AS TEXT) AS ktext, CAST(NULL AS TEXT) AS label");
        }
        Grouping::Nothing => {
            q.push("CAST(NULL AS BIGINT) AS kid, CAST(NULL AS TEXT) AS ktext, CAST(NULL AS TEXT) AS label");
        }
        _ => {
            q.push(keys);
        }
    }
    q.push(
        ", f.currency, CAST(count(*) AS BIGINT) AS n, CAST(SUM(f.learners) AS BIGINT) AS learners, \
         CAST(SUM(f.revenue_minor) AS BIGINT) AS revenue, CAST(SUM(f.cost_minor) AS BIGINT) AS cost \
         FROM session_finance_facts f",
    );
    q.push(join);
    push_filter(&mut q, f);
    q.push(" GROUP BY ");
    match by {
        Grouping::Slices([]) => {}
        Grouping::Slices(bounds) => {
            push_case(&mut q, bounds);
            q.push(", ");
        }
        _ => {
            q.push(group);
        }
    }
    q.push("f.currency");
    fetch_all(conn, q.query(), |r| {
        Ok(FactSum {
            id: r.oi("kid")?,
            mode: r
                .os("ktext")?
                .map(|m| DeliveryMode::parse(&m))
                .transpose()
                .map_err(decode_err)?,
            label: r.os("label")?,
            currency: Currency::parse(&r.s("currency")?).map_err(decode_err)?,
            sessions: r.i("n")?,
            learners: r.i("learners")?,
            revenue_minor: r.i("revenue")?,
            cost_minor: r.i("cost")?,
        })
    })
    .await
}

/// The index of the slice a session's end falls in, given where each later slice starts (the
/// integers are written into the text: the same expression appears in SELECT and GROUP BY).
fn push_case(q: &mut Sql, bounds: &[i64]) {
    q.push("CASE");
    for (n, b) in bounds.iter().enumerate() {
        q.push(&format!(" WHEN f.ends_at < {b} THEN {n}"));
    }
    q.push(&format!(" ELSE {} END", bounds.len()));
}

/// The kept figures hold only delivered sessions that are not archived once the marks are taken
/// (see [`take_stale`] and [`drop_undelivered`]), so the period and the slices are all there is
/// to narrow by.
fn push_filter(q: &mut Sql, f: &FactFilter) {
    q.push(" WHERE f.ends_at >= ")
        .int(f.from_ms)
        .push(" AND f.ends_at < ")
        .int(f.until_ms);
    if let Some(c) = f.course_id {
        q.push(" AND f.course_id = ").int(c);
    }
    for (col, v) in [
        ("f.client_id", f.client_id),
        ("f.program_id", f.program_id),
        ("f.lead_instructor_id", f.lead_instructor_id),
        ("f.venue_id", f.venue_id),
    ] {
        match v {
            Some(Some(id)) => {
                q.push(&format!(" AND {col} = ")).int(id);
            }
            Some(None) => {
                q.push(&format!(" AND {col} IS NULL"));
            }
            None => {}
        }
    }
    if let Some(m) = f.mode {
        q.push(" AND f.delivery_mode = ").text(m.as_str());
    }
    if let Some(id) = f.session_id {
        q.push(" AND f.session_id = ").int(id);
    }
}

/// One delivered session with its kept figures and the names it is grouped by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactRow {
    pub session_id: i64,
    pub reference: String,
    pub ends_at: i64,
    pub currency: Currency,
    pub revenue_minor: i64,
    pub cost_minor: i64,
    pub learners: i64,
    pub course: (i64, String),
    pub client: Option<(i64, String)>,
    pub program: Option<(i64, String)>,
    pub lead: Option<(i64, String)>,
    pub venue: Option<(i64, String)>,
    pub mode: DeliveryMode,
}

/// The sessions `f` selects, one row each, by end.
pub async fn rows(conn: &mut Conn, f: &FactFilter) -> Result<Vec<FactRow>, StoreError> {
    let mut q = Sql::new(
        "SELECT f.session_id AS id, s.reference, f.ends_at, f.currency, f.revenue_minor, f.cost_minor, f.learners, \
         f.delivery_mode, f.course_id, c.code || ' ' || c.title AS course_label, f.client_id, cl.name AS client_name, \
         f.program_id, pr.name AS program_name, f.lead_instructor_id, i.name AS lead_name, f.venue_id, v.name AS venue_name \
         FROM session_finance_facts f JOIN sessions s ON s.id = f.session_id JOIN courses c ON c.id = f.course_id \
         LEFT JOIN clients cl ON cl.id = f.client_id LEFT JOIN programs pr ON pr.id = f.program_id \
         LEFT JOIN instructors i ON i.id = f.lead_instructor_id LEFT JOIN venues v ON v.id = f.venue_id",
    );
    push_filter(&mut q, f);
    q.push(" ORDER BY f.ends_at, f.session_id");
    fetch_all(conn, q.query(), |r| {
        let pair = |id: &str, name: &str| -> Result<Option<(i64, String)>, sqlx::Error> {
            Ok(match r.oi(id)? {
                Some(i) => Some((i, r.os(name)?.unwrap_or_default())),
                None => None,
            })
        };
        Ok(FactRow {
            session_id: r.i("id")?,
            reference: r.s("reference")?,
            ends_at: r.i("ends_at")?,
            currency: Currency::parse(&r.s("currency")?).map_err(decode_err)?,
            revenue_minor: r.i("revenue_minor")?,
            cost_minor: r.i("cost_minor")?,
            learners: r.i("learners")?,
            mode: DeliveryMode::parse(&r.s("delivery_mode")?).map_err(decode_err)?,
            course: (r.i("course_id")?, r.s("course_label")?),
            client: pair("client_id", "client_name")?,
            program: pair("program_id", "program_name")?,
            lead: pair("lead_instructor_id", "lead_name")?,
            venue: pair("venue_id", "venue_name")?,
        })
    })
    .await
}
