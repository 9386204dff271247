//! Compliance requirements, the per-session checklist items they materialise into, uploaded
//! documents (bytes in the database, so any `serve` process serves them), and substitution
//! records with their steps. See migration 0035 for why items are materialised.

use crate::row::{Col, Sql, fetch_all};
use crate::{Conn, Page, StoreError};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use trainyard_core::compliance::{ItemState, RequirementInput, RequirementKind, SubstitutionStep};

// ------------------------------------------------------------------ requirements

/// A requirement every session of a client or a course must meet.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Requirement {
    pub id: i64,
    /// The client whose sessions it applies to (or none: a course's).
    pub client_id: Option<i64>,
    pub client_name: Option<String>,
    /// The course whose sessions it applies to (or none: a client's).
    pub course_id: Option<i64>,
    pub course_title: Option<String>,
    pub kind: RequirementKind,
    pub name: String,
    /// Hours after the session ends by which it must be met; whole days count in the session's
    /// time zone.
    pub deadline_hours: i64,
    /// What document (document), which qualification (instructor_qualification), what response
    /// rate in percent (feedback_response_rate).
    pub parameter: String,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
    /// Send it back when changing or archiving.
    pub version: i64,
}

const REQ_COLUMNS: &str = "SELECT r.id, r.client_id, cl.name AS client_name, r.course_id, c.title AS course_title, \
    r.kind, r.name, r.deadline_hours, r.parameter, r.created_at, r.updated_at, r.version \
    FROM compliance_requirements r LEFT JOIN clients cl ON cl.id = r.client_id \
    LEFT JOIN courses c ON c.id = r.course_id";

fn kind_of(raw: &str) -> Result<RequirementKind, sqlx::Error> {
    RequirementKind::parse(raw).map_err(|e| sqlx::Error::Decode(e.into()))
}

fn requirement_row(r: &AnyRow) -> Result<Requirement, sqlx::Error> {
    Ok(Requirement {
        id: r.i("id")?,
        client_id: r.oi("client_id")?,
        client_name: r.os("client_name")?,
        course_id: r.oi("course_id")?,
        course_title: r.os("course_title")?,
        kind: kind_of(&r.s("kind")?)?,
        name: r.s("name")?,
        deadline_hours: r.i("deadline_hours")?,
        parameter: r.s("parameter")?,
        created_at: r.i("created_at")?,
        updated_at: r.i("updated_at")?,
        version: r.i("version")?,
    })
}

/// The active requirements, of one client or course when given; at most 500, by name.
pub async fn requirements(
    conn: &mut Conn,
    client_id: Option<i64>,
    course_id: Option<i64>,
) -> Result<Vec<Requirement>, StoreError> {
    let mut q = Sql::new(REQ_COLUMNS);
    q.push(" WHERE r.archived_at IS NULL");
    if let Some(c) = client_id {
        q.push(" AND r.client_id = ").int(c);
    }
    if let Some(c) = course_id {
        q.push(" AND r.course_id = ").int(c);
    }
    q.push(" ORDER BY r.name, r.id LIMIT 500");
    fetch_all(conn, q.query(), requirement_row).await
}

/// An active requirement.
pub async fn requirement(conn: &mut Conn, id: i64) -> Result<Requirement, StoreError> {
    let mut q = Sql::new(REQ_COLUMNS);
    q.push(" WHERE r.archived_at IS NULL AND r.id = ").int(id);
    Ok(requirement_row(&q.query().fetch_one(&mut *conn).await?)?)
}

pub async fn insert_requirement(
    conn: &mut Conn,
    r: &RequirementInput,
    now: i64,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO compliance_requirements (client_id, course_id, kind, name, deadline_hours, parameter, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(r.client_id)
    .bind(r.course_id)
    .bind(r.kind.as_str())
    .bind(r.name.clone())
    .bind(r.deadline_hours)
    .bind(r.parameter.clone())
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.i("id")?)
}

/// Changes the requirement as read at `version`. Items not met yet get their new due instant
/// when the checklists are next brought up to date (their rows are dropped here and written
/// again); met items keep theirs.
pub async fn update_requirement(
    conn: &mut Conn,
    id: i64,
    version: i64,
    r: &RequirementInput,
    now: i64,
) -> Result<(), StoreError> {
    let n = sqlx::query(
        "UPDATE compliance_requirements SET client_id = $1, course_id = $2, kind = $3, name = $4, \
         deadline_hours = $5, parameter = $6, updated_at = $7, version = version + 1 \
         WHERE id = $8 AND version = $9 AND archived_at IS NULL",
    )
    .bind(r.client_id)
    .bind(r.course_id)
    .bind(r.kind.as_str())
    .bind(r.name.clone())
    .bind(r.deadline_hours)
    .bind(r.parameter.clone())
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    crate::row::check_updated(conn, "compliance_requirements", id, version, n).await?;
    drop_open_items(conn, id).await
}

/// Archives the requirement as read at `version`; its open items go, met ones stay as evidence.
pub async fn archive_requirement(
    conn: &mut Conn,
    id: i64,
    version: i64,
    now: i64,
) -> Result<(), StoreError> {
    let n = sqlx::query(
        "UPDATE compliance_requirements SET archived_at = $1, updated_at = $1, version = version + 1 \
         WHERE id = $2 AND version = $3 AND archived_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    crate::row::check_updated(conn, "compliance_requirements", id, version, n).await?;
    drop_open_items(conn, id).await
}

async fn drop_open_items(conn: &mut Conn, requirement_id: i64) -> Result<(), StoreError> {
    sqlx::query(
        "DELETE FROM session_compliance_items WHERE requirement_id = $1 AND met_at IS NULL",
    )
    .bind(requirement_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

// ------------------------------------------------------------------ items

// ------------------------------------------------------------------ marks (migration 0046)

/// The statuses of a session that has a checklist.
const COUNTING: &str = "('scheduled', 'confirmed', 'delivered', 'closed')";

/// `(id, id, …)` of `ids`, bound.
fn in_list(q: &mut Sql, ids: &[i64]) {
    q.push("(");
    for (n, id) in ids.iter().enumerate() {
        if n > 0 {
            q.push(", ");
        }
        q.int(*id);
    }
    q.push(")");
}

/// Takes (deletes) up to `limit` marks and returns their sessions: the caller's transaction then
/// brings those checklists up to date. A change committing meanwhile marks the session again.
pub async fn take_stale(tx: &mut Conn, limit: i64) -> Result<Vec<i64>, StoreError> {
    let mut q = Sql::new(
        "DELETE FROM compliance_stale WHERE session_id IN (SELECT m.session_id FROM compliance_stale m LIMIT ",
    );
    q.int(limit).push(") RETURNING session_id");
    fetch_all(tx, q.query(), |r| r.i("session_id")).await
}

/// Forgets the mark of one session (its checklist is being brought up to date by the caller).
pub async fn clear_mark(tx: &mut Conn, session_id: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM compliance_stale WHERE session_id = $1")
        .bind(session_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Whether any session is marked (a read: the dashboard only writes when something changed).
pub async fn any_marked(conn: &mut Conn) -> Result<bool, StoreError> {
    Ok(
        sqlx::query("SELECT session_id FROM compliance_stale LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?
            .is_some(),
    )
}

/// How many sessions are marked.
pub async fn marked_count(conn: &mut Conn) -> Result<i64, StoreError> {
    let r = sqlx::query("SELECT count(*) AS n FROM compliance_stale")
        .fetch_one(&mut *conn)
        .await?;
    Ok(r.i("n")?)
}

/// Marks the sessions with a checklist of the client or course a requirement applies to (a new
/// or changed requirement), in one statement.
pub async fn mark_sessions_of(
    tx: &mut Conn,
    client_id: Option<i64>,
    course_id: Option<i64>,
) -> Result<u64, StoreError> {
    let mut q =
        Sql::new("INSERT INTO compliance_stale (session_id) SELECT s.id FROM sessions s WHERE ");
    match (client_id, course_id) {
        (Some(c), _) => q.push("s.client_id = ").int(c),
        (None, Some(c)) => q.push("s.course_id = ").int(c),
        (None, None) => return Ok(0),
    };
    q.push(" AND s.archived_at IS NULL AND s.status IN ")
        .push(COUNTING)
        .push(" ON CONFLICT (session_id) DO NOTHING");
    Ok(q.query().execute(&mut *tx).await?.rows_affected())
}

/// A (session, requirement) pair that applies, with what its due instant needs and the item it
/// has (none yet when `item_id` is `None`).
#[derive(Debug, Clone)]
pub struct ApplicableItem {
    pub session_id: i64,
    pub ends_at: i64,
    pub time_zone: String,
    pub requirement_id: i64,
    pub deadline_hours: i64,
    pub item_id: Option<i64>,
    pub due_at: Option<i64>,
    pub met_at: Option<i64>,
}

/// The active requirements of the client and course of each of `sessions` that has a checklist
/// (scheduled, confirmed, delivered or closed; not archived), with the item each pair has.
pub async fn applicable_items(
    conn: &mut Conn,
    sessions: &[i64],
) -> Result<Vec<ApplicableItem>, StoreError> {
    if sessions.is_empty() {
        return Ok(Vec::new());
    }
    // A requirement names a client or a course, never both: the two halves do not overlap.
    let mut q = Sql::new("");
    for (n, on) in ["r.client_id = s.client_id", "r.course_id = s.course_id"]
        .iter()
        .enumerate()
    {
        if n > 0 {
            q.push(" UNION ALL ");
        }
        q.push(
            "SELECT s.id, s.ends_at, s.time_zone, r.id AS requirement_id, r.deadline_hours, \
             i.id AS item_id, i.due_at, i.met_at \
             FROM sessions s JOIN compliance_requirements r ON ",
        )
        .push(on)
        .push(
            " LEFT JOIN session_compliance_items i ON i.session_id = s.id AND i.requirement_id = r.id \
             WHERE r.archived_at IS NULL AND s.archived_at IS NULL AND s.status IN ",
        )
        .push(COUNTING)
        .push(" AND s.id IN ");
        in_list(&mut q, sessions);
    }
    fetch_all(conn, q.query(), |r| {
        Ok(ApplicableItem {
            session_id: r.i("id")?,
            ends_at: r.i("ends_at")?,
            time_zone: r.s("time_zone")?,
            requirement_id: r.i("requirement_id")?,
            deadline_hours: r.i("deadline_hours")?,
            item_id: r.oi("item_id")?,
            due_at: r.oi("due_at")?,
            met_at: r.oi("met_at")?,
        })
    })
    .await
}

/// Moves an open item's due instant (its session was moved to another end or zone).
pub async fn set_due(conn: &mut Conn, item_id: i64, due_at: i64) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE session_compliance_items SET due_at = $1, version = version + 1 WHERE id = $2 AND met_at IS NULL",
    )
    .bind(due_at)
    .bind(item_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Copies each session's client and course onto its items (what the dashboard narrows by), where
/// they differ.
pub async fn keep_item_scope(conn: &mut Conn, sessions: &[i64]) -> Result<u64, StoreError> {
    if sessions.is_empty() {
        return Ok(0);
    }
    let mut q = Sql::new(
        "UPDATE session_compliance_items SET \
           client_id = (SELECT s.client_id FROM sessions s WHERE s.id = session_compliance_items.session_id), \
           course_id = (SELECT s.course_id FROM sessions s WHERE s.id = session_compliance_items.session_id) \
         WHERE session_id IN ",
    );
    in_list(&mut q, sessions);
    q.push(
        " AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = session_compliance_items.session_id \
           AND s.course_id = session_compliance_items.course_id \
           AND (s.client_id = session_compliance_items.client_id \
             OR (s.client_id IS NULL AND session_compliance_items.client_id IS NULL)))",
    );
    Ok(q.query().execute(&mut *conn).await?.rows_affected())
}

/// Drops the open items of `sessions` that no longer apply: the session has no checklist any
/// more (cancelled, archived, back to draft) or moved to another client or course. Met items stay
/// as evidence.
pub async fn drop_inapplicable_items(conn: &mut Conn, sessions: &[i64]) -> Result<u64, StoreError> {
    if sessions.is_empty() {
        return Ok(0);
    }
    let mut q =
        Sql::new("DELETE FROM session_compliance_items WHERE met_at IS NULL AND session_id IN ");
    in_list(&mut q, sessions);
    q.push(
        " AND NOT EXISTS (SELECT 1 FROM sessions s JOIN compliance_requirements r \
           ON (r.client_id = s.client_id OR r.course_id = s.course_id) \
         WHERE s.id = session_compliance_items.session_id AND r.id = session_compliance_items.requirement_id \
           AND s.archived_at IS NULL AND s.status IN ",
    )
    .push(COUNTING)
    .push(")");
    Ok(q.query().execute(&mut *conn).await?.rows_affected())
}

/// Writes items (session, requirement, due instant) in one statement; pairs that exist already
/// are left alone.
pub async fn insert_items(conn: &mut Conn, items: &[(i64, i64, i64)]) -> Result<(), StoreError> {
    for chunk in items.chunks(300) {
        let mut q = Sql::new(
            "INSERT INTO session_compliance_items (session_id, requirement_id, due_at) VALUES ",
        );
        for (n, (s, r, due)) in chunk.iter().enumerate() {
            if n > 0 {
                q.push(", ");
            }
            q.push("(")
                .int(*s)
                .push(", ")
                .int(*r)
                .push(", ")
                .int(*due)
                .push(")");
        }
        q.push(" ON CONFLICT (session_id, requirement_id) DO NOTHING");
        q.query().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Marks the open system items that the data now meets: certificates issued (every completed
/// enrollment of the session has its certificate, and there is at least one: met when the last
/// was issued) and instructor qualification (every accepted or confirmed instructor holds the
/// named skill, in their profile or as a qualification valid until the session ends: met now).
/// Only the items of `sessions`. Returns how many items it marked.
pub async fn refresh_system_items(
    conn: &mut Conn,
    sessions: &[i64],
    now: i64,
) -> Result<u64, StoreError> {
    if sessions.is_empty() {
        return Ok(0);
    }
    let only = |q: &mut Sql| {
        q.push(" AND i.session_id IN ");
        in_list(q, sessions);
    };
    let mut certificates = Sql::new(
        "UPDATE session_compliance_items SET met_at = x.issued, met_late = CASE WHEN x.issued > session_compliance_items.due_at THEN 1 ELSE 0 END, \
           met_by = 'system', met_by_name = 'system', version = version + 1 \
         FROM (SELECT i.id, (SELECT MAX(ce.created_at) FROM certificates ce WHERE ce.session_id = i.session_id) AS issued \
           FROM session_compliance_items i JOIN compliance_requirements r ON r.id = i.requirement_id \
           WHERE i.met_at IS NULL AND r.kind = 'certificates_issued'",
    );
    only(&mut certificates);
    certificates.push(
        " AND EXISTS (SELECT 1 FROM certificates ce WHERE ce.session_id = i.session_id) \
           AND NOT EXISTS (SELECT 1 FROM enrollments e WHERE e.session_id = i.session_id AND e.status = 'completed' \
             AND NOT EXISTS (SELECT 1 FROM certificates ce2 WHERE ce2.enrollment_id = e.id))) x \
         WHERE session_compliance_items.id = x.id",
    );
    let a = certificates
        .query()
        .execute(&mut *conn)
        .await?
        .rows_affected();
    let mut qualified = Sql::new("UPDATE session_compliance_items SET met_at = ");
    qualified
        .int(now)
        .push(", met_late = CASE WHEN ")
        .int(now)
        .push(
            " > due_at THEN 1 ELSE 0 END, met_by = 'system', met_by_name = 'system', version = version + 1 \
             WHERE id IN (SELECT i.id FROM session_compliance_items i \
               JOIN compliance_requirements r ON r.id = i.requirement_id \
               JOIN sessions s ON s.id = i.session_id \
               WHERE i.met_at IS NULL AND r.kind = 'instructor_qualification'",
        );
    only(&mut qualified);
    qualified.push(
        " AND EXISTS (SELECT 1 FROM assignments a WHERE a.session_id = s.id AND a.status IN ('accepted', 'confirmed')) \
          AND NOT EXISTS (SELECT 1 FROM assignments a JOIN instructors ins ON ins.id = a.instructor_id \
            WHERE a.session_id = s.id AND a.status IN ('accepted', 'confirmed') \
            AND NOT ((',' || lower(ins.skills) || ',') LIKE ('%,' || lower(r.parameter) || ',%')) \
            AND NOT EXISTS (SELECT 1 FROM instructor_qualifications q WHERE q.instructor_id = a.instructor_id \
              AND lower(q.skill) = lower(r.parameter) AND (q.expires_at IS NULL OR q.expires_at >= s.ends_at))))",
    );
    let b = qualified.query().execute(&mut *conn).await?.rows_affected();
    Ok(a + b)
}

/// An open feedback-rate item with what decides it: the requirement's threshold, the session's
/// invitations and the instants its surveys were answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackItem {
    pub item_id: i64,
    pub session_id: i64,
    pub parameter: String,
    pub invited: i64,
    pub answered_at: Vec<i64>,
}

/// The open feedback-response-rate items of `sessions` whose session has at least
/// one answered survey; the rule deciding them is `trainyard_core::compliance`'s.
pub async fn open_feedback_items(
    conn: &mut Conn,
    sessions: &[i64],
) -> Result<Vec<FeedbackItem>, StoreError> {
    if sessions.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(
        "SELECT i.id, i.session_id, r.parameter, \
         (SELECT count(*) FROM survey_invitations v WHERE v.session_id = i.session_id) AS invited \
         FROM session_compliance_items i JOIN compliance_requirements r ON r.id = i.requirement_id \
         WHERE i.met_at IS NULL AND r.kind = 'feedback_response_rate' \
         AND EXISTS (SELECT 1 FROM survey_invitations v WHERE v.session_id = i.session_id AND v.answered_at IS NOT NULL)",
    );
    q.push(" AND i.session_id IN ");
    in_list(&mut q, sessions);
    q.push(" ORDER BY i.session_id, i.id");
    let mut items = fetch_all(conn, q.query(), |r| {
        Ok(FeedbackItem {
            item_id: r.i("id")?,
            session_id: r.i("session_id")?,
            parameter: r.s("parameter")?,
            invited: r.i("invited")?,
            answered_at: Vec::new(),
        })
    })
    .await?;
    if items.is_empty() {
        return Ok(items);
    }
    let mut q = Sql::new(
        "SELECT v.session_id, v.answered_at FROM survey_invitations v WHERE v.answered_at IS NOT NULL \
         AND v.session_id IN (SELECT i.session_id FROM session_compliance_items i \
         JOIN compliance_requirements r ON r.id = i.requirement_id \
         WHERE i.met_at IS NULL AND r.kind = 'feedback_response_rate'",
    );
    q.push(" AND i.session_id IN ");
    in_list(&mut q, sessions);
    q.push(")");
    let answers = fetch_all(conn, q.query(), |r| {
        Ok((r.i("session_id")?, r.i("answered_at")?))
    })
    .await?;
    for (session, at) in answers {
        for item in items.iter_mut().filter(|i| i.session_id == session) {
            item.answered_at.push(at);
        }
    }
    Ok(items)
}

/// Marks an open item met by the system at `met_at` (late when after its due instant).
pub async fn meet_by_system(
    conn: &mut Conn,
    item_id: i64,
    met_at: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE session_compliance_items SET met_at = $1, met_late = CASE WHEN $1 > due_at THEN 1 ELSE 0 END, \
         met_by = 'system', met_by_name = 'system', version = version + 1 WHERE id = $2 AND met_at IS NULL",
    )
    .bind(met_at)
    .bind(item_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One item of a session's checklist, with its requirement and session.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Item {
    pub id: i64,
    pub session_id: i64,
    pub session_reference: String,
    pub course_title: String,
    pub client_id: Option<i64>,
    pub client_name: Option<String>,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub session_ends_at: i64,
    pub requirement_id: i64,
    pub requirement_name: String,
    pub kind: RequirementKind,
    pub parameter: String,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub due_at: i64,
    /// Open, met, met late or overdue, now.
    pub state: ItemState,
    #[serde(serialize_with = "crate::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub met_at: Option<i64>,
    /// upload, system or tick.
    pub met_by: Option<String>,
    /// Who met it (a person's name, or "system").
    pub met_by_name: Option<String>,
    pub note: Option<String>,
    /// The document that met it.
    pub document_id: Option<i64>,
    /// Send it back when ticking.
    pub version: i64,
}

const ITEM_COLUMNS: &str = "SELECT i.id, i.session_id, s.reference, co.title AS course_title, s.client_id, \
    cl.name AS client_name, s.ends_at, i.requirement_id, r.name AS requirement_name, r.kind, r.parameter, \
    i.due_at, i.met_at, i.met_by, i.met_by_name, i.note, i.document_id, i.version \
    FROM session_compliance_items i JOIN compliance_requirements r ON r.id = i.requirement_id \
    JOIN sessions s ON s.id = i.session_id JOIN courses co ON co.id = s.course_id \
    LEFT JOIN clients cl ON cl.id = s.client_id";

fn item_row(r: &AnyRow, now: i64) -> Result<Item, sqlx::Error> {
    let due_at = r.i("due_at")?;
    let met_at = r.oi("met_at")?;
    Ok(Item {
        id: r.i("id")?,
        session_id: r.i("session_id")?,
        session_reference: r.s("reference")?,
        course_title: r.s("course_title")?,
        client_id: r.oi("client_id")?,
        client_name: r.os("client_name")?,
        session_ends_at: r.i("ends_at")?,
        requirement_id: r.i("requirement_id")?,
        requirement_name: r.s("requirement_name")?,
        kind: kind_of(&r.s("kind")?)?,
        parameter: r.s("parameter")?,
        due_at,
        state: ItemState::of(due_at, met_at, now),
        met_at,
        met_by: r.os("met_by")?,
        met_by_name: r.os("met_by_name")?,
        note: r.os("note")?,
        document_id: r.oi("document_id")?,
        version: r.i("version")?,
    })
}

/// The checklist of a session (items of archived requirements that were met stay), by due
/// instant.
pub async fn items_of_session(
    conn: &mut Conn,
    session_id: i64,
    now: i64,
) -> Result<Vec<Item>, StoreError> {
    let mut q = Sql::new(ITEM_COLUMNS);
    q.push(" WHERE i.session_id = ")
        .int(session_id)
        .push(" ORDER BY i.due_at, i.id LIMIT 200");
    let rows = q.query().fetch_all(&mut *conn).await?;
    Ok(rows
        .iter()
        .map(|r| item_row(r, now))
        .collect::<Result<_, _>>()?)
}

pub async fn item(conn: &mut Conn, id: i64, now: i64) -> Result<Item, StoreError> {
    let mut q = Sql::new(ITEM_COLUMNS);
    q.push(" WHERE i.id = ").int(id);
    Ok(item_row(&q.query().fetch_one(&mut *conn).await?, now)?)
}

/// The dashboard's filters.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DashboardFilter {
    /// `incomplete` (default: open and overdue), `overdue`, `open` or `met_late`.
    #[serde(default)]
    pub state: String,
    /// Items of this client's sessions.
    #[serde(default, deserialize_with = "crate::row::empty_as_none")]
    pub client_id: Option<i64>,
    /// Items of this course's sessions.
    #[serde(default, deserialize_with = "crate::row::empty_as_none")]
    pub course_id: Option<i64>,
    /// Page number, from 1.
    #[serde(default, deserialize_with = "crate::row::empty_as_none")]
    pub page: Option<i64>,
    /// Rows per page (at most 200; default 50).
    #[serde(default, deserialize_with = "crate::row::empty_as_none")]
    pub per_page: Option<i64>,
}

/// What the dashboard counts under the same client and course filters.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct DashboardCounts {
    pub overdue: i64,
    pub open: i64,
    pub met_late: i64,
}

/// Which part of the items a dashboard query reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DashboardState {
    Incomplete,
    Overdue,
    Open,
    MetLate,
}

impl DashboardState {
    pub fn parse(raw: &str) -> Result<Self, StoreError> {
        Ok(match raw.trim() {
            "" | "incomplete" => Self::Incomplete,
            "overdue" => Self::Overdue,
            "open" => Self::Open,
            "met_late" => Self::MetLate,
            other => {
                return Err(StoreError::bad_parameter(
                    "state",
                    format!(
                        "'{}' is not one of incomplete, overdue, open, met_late",
                        other.chars().take(40).collect::<String>()
                    ),
                ));
            }
        })
    }

    fn condition(&self, q: &mut Sql, now: i64) {
        match self {
            Self::Incomplete => {
                q.push(" AND i.met_at IS NULL");
            }
            Self::Overdue => {
                q.push(" AND i.met_at IS NULL AND i.due_at < ").int(now);
            }
            Self::Open => {
                q.push(" AND i.met_at IS NULL AND i.due_at >= ").int(now);
            }
            Self::MetLate => {
                q.push(" AND i.met_late = 1");
            }
        }
    }
}

/// The client and course filters, on the items' copies of their session's (migration 0046).
fn scope(q: &mut Sql, f: &DashboardFilter) {
    if let Some(c) = f.client_id {
        q.push(" AND i.client_id = ").int(c);
    }
    if let Some(c) = f.course_id {
        q.push(" AND i.course_id = ").int(c);
    }
}

/// Dashboard rows: items across sessions and clients in `state`, earliest due first (so the
/// longest overdue lead), one page; and the counts under the same client and course filters.
pub async fn dashboard(
    conn: &mut Conn,
    f: &DashboardFilter,
    now: i64,
) -> Result<(Page<Item>, DashboardCounts), StoreError> {
    let state = DashboardState::parse(&f.state)?;
    let per_page = f.per_page.unwrap_or(50);
    if !(1..=200).contains(&per_page) {
        return Err(StoreError::bad_parameter(
            "per_page",
            format!("{per_page} is not between 1 and 200"),
        ));
    }
    let page = f.page.unwrap_or(1);
    if page < 1 {
        return Err(StoreError::bad_parameter(
            "page",
            format!("{page} is not a page number (1 or more)"),
        ));
    }
    let mut q = Sql::new(ITEM_COLUMNS);
    q.push(" WHERE 1 = 1");
    state.condition(&mut q, now);
    scope(&mut q, f);
    q.push(if state == DashboardState::MetLate {
        " ORDER BY i.met_at DESC, i.id DESC LIMIT "
    } else {
        " ORDER BY i.due_at, i.id LIMIT "
    })
    .int(per_page)
    .push(" OFFSET ")
    .int((page - 1) * per_page);
    let rows = q.query().fetch_all(&mut *conn).await?;
    let items: Vec<Item> = rows
        .iter()
        .map(|r| item_row(r, now))
        .collect::<Result<_, _>>()?;
    // Three counts, each off a partial index (open items by due instant, late ones; by client or
    // course first when narrowed).
    let mut c = Sql::new("SELECT ");
    let parts = [
        ("overdue", DashboardState::Overdue),
        ("open", DashboardState::Open),
        ("met_late", DashboardState::MetLate),
    ];
    for (n, (name, part)) in parts.iter().enumerate() {
        if n > 0 {
            c.push(", ");
        }
        c.push("(SELECT count(*) FROM session_compliance_items i WHERE 1 = 1");
        part.condition(&mut c, now);
        scope(&mut c, f);
        c.push(") AS ").push(name);
    }
    let r = c.query().fetch_one(&mut *conn).await?;
    let num = |name: &str| r.i(name);
    let counts = DashboardCounts {
        overdue: num("overdue")?,
        open: num("open")?,
        met_late: num("met_late")?,
    };
    let total = match state {
        DashboardState::Incomplete => counts.overdue + counts.open,
        DashboardState::Overdue => counts.overdue,
        DashboardState::Open => counts.open,
        DashboardState::MetLate => counts.met_late,
    };
    Ok((
        Page {
            items,
            total,
            page,
            per_page,
        },
        counts,
    ))
}

/// Marks an open item met, as read at `version` (or any version when `None`): false when it was
/// met meanwhile or changed (the caller's transaction then refuses, leaving nothing behind).
#[allow(clippy::too_many_arguments)]
pub async fn meet_item(
    conn: &mut Conn,
    id: i64,
    version: Option<i64>,
    met_at: i64,
    late: bool,
    by: &str,
    user: Option<i64>,
    name: &str,
    note: Option<&str>,
    document_id: Option<i64>,
) -> Result<bool, StoreError> {
    let mut q = Sql::new("UPDATE session_compliance_items SET met_at = ");
    q.int(met_at)
        .push(", met_late = ")
        .int(i64::from(late))
        .push(", met_by = ")
        .text(by)
        .push(", met_by_user = ");
    match user {
        Some(u) => q.int(u),
        None => q.push("NULL"),
    };
    q.push(", met_by_name = ").text(name).push(", note = ");
    match note {
        Some(n) => q.text(n),
        None => q.push("NULL"),
    };
    q.push(", document_id = ");
    match document_id {
        Some(d) => q.int(d),
        None => q.push("NULL"),
    };
    q.push(", version = version + 1 WHERE met_at IS NULL AND id = ")
        .int(id);
    if let Some(v) = version {
        q.push(" AND version = ").int(v);
    }
    Ok(q.query().execute(&mut *conn).await?.rows_affected() == 1)
}

/// Takes the item's row lock (write first).
pub async fn touch_item(conn: &mut Conn, id: i64) -> Result<(), StoreError> {
    let n = sqlx::query("UPDATE session_compliance_items SET version = version WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

// ------------------------------------------------------------------ documents

/// An uploaded document, without its bytes.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Document {
    pub id: i64,
    pub session_id: i64,
    /// The sanitised file name.
    pub name: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    pub uploaded_by_name: String,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub uploaded_at: i64,
}

const DOC_COLUMNS: &str =
    "SELECT id, session_id, name, content_type, size_bytes, sha256, uploaded_by_name, uploaded_at";

fn document_row(r: &AnyRow) -> Result<Document, sqlx::Error> {
    Ok(Document {
        id: r.i("id")?,
        session_id: r.i("session_id")?,
        name: r.s("name")?,
        content_type: r.s("content_type")?,
        size_bytes: r.i("size_bytes")?,
        sha256: r.s("sha256")?,
        uploaded_by_name: r.s("uploaded_by_name")?,
        uploaded_at: r.i("uploaded_at")?,
    })
}

/// What a new document is.
pub struct NewDocument<'a> {
    pub session_id: i64,
    pub name: &'a str,
    pub content_type: &'a str,
    pub sha256: &'a str,
    pub content: &'a [u8],
    pub uploaded_by: Option<i64>,
    pub uploaded_by_name: &'a str,
}

pub async fn insert_document(
    conn: &mut Conn,
    d: &NewDocument<'_>,
    now: i64,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO documents (session_id, name, content_type, size_bytes, sha256, content, uploaded_by, \
         uploaded_by_name, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(d.session_id)
    .bind(d.name.to_owned())
    .bind(d.content_type.to_owned())
    .bind(i64::try_from(d.content.len()).unwrap_or(i64::MAX))
    .bind(d.sha256.to_owned())
    .bind(d.content.to_vec())
    .bind(d.uploaded_by)
    .bind(d.uploaded_by_name.to_owned())
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.i("id")?)
}

pub async fn document(conn: &mut Conn, id: i64) -> Result<Document, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{DOC_COLUMNS} FROM documents WHERE id = $1"
    )))
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(document_row(&row)?)
}

/// The bytes of a document.
pub async fn document_content(conn: &mut Conn, id: i64) -> Result<Vec<u8>, StoreError> {
    let row = sqlx::query("SELECT content FROM documents WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get::<Vec<u8>, _>("content")?)
}

/// The documents of a session, oldest first (at most 500).
pub async fn documents_of_session(
    conn: &mut Conn,
    session_id: i64,
) -> Result<Vec<Document>, StoreError> {
    let q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{DOC_COLUMNS} FROM documents WHERE session_id = $1 ORDER BY id LIMIT 500"
    )))
    .bind(session_id);
    fetch_all(conn, q, document_row).await
}

/// Sessions of a client that ended in `[from, to)`, earliest first, at most `limit`: what a
/// client's evidence pack covers.
pub async fn client_sessions_ended(
    conn: &mut Conn,
    client_id: i64,
    from: i64,
    to: i64,
    limit: i64,
) -> Result<Vec<i64>, StoreError> {
    let q = sqlx::query(
        "SELECT id FROM sessions WHERE client_id = $1 AND ends_at >= $2 AND ends_at < $3 \
         AND archived_at IS NULL AND status IN ('scheduled', 'confirmed', 'delivered', 'closed') \
         ORDER BY ends_at, id LIMIT $4",
    )
    .bind(client_id)
    .bind(from)
    .bind(to)
    .bind(limit);
    fetch_all(conn, q, |r| r.i("id")).await
}

// ------------------------------------------------------------------ substitutions

/// One step of a substitution.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Step {
    pub step: SubstitutionStep,
    pub done: bool,
    #[serde(serialize_with = "crate::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub done_at: Option<i64>,
    pub done_by_name: Option<String>,
    pub note: Option<String>,
}

/// A confirmed instructor dropped out of a session: what is being done about it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Substitution {
    pub id: i64,
    pub session_id: i64,
    pub session_reference: String,
    pub course_title: String,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub session_starts_at: i64,
    /// The assignment that was withdrawn or declined.
    pub assignment_id: Option<i64>,
    /// Who dropped out.
    pub instructor_id: Option<i64>,
    pub instructor_name: Option<String>,
    pub reason: String,
    pub replacement_instructor_id: Option<i64>,
    pub replacement_name: Option<String>,
    /// open until every step is done, then done.
    pub status: String,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub opened_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub closed_at: Option<i64>,
    pub steps: Vec<Step>,
    pub version: i64,
}

const SUB_COLUMNS: &str = "SELECT su.id, su.session_id, s.reference, co.title AS course_title, s.starts_at, \
    su.assignment_id, su.instructor_id, i1.name AS instructor_name, su.reason, su.replacement_instructor_id, \
    i2.name AS replacement_name, su.status, su.opened_at, su.closed_at, su.version \
    FROM substitutions su JOIN sessions s ON s.id = su.session_id JOIN courses co ON co.id = s.course_id \
    LEFT JOIN instructors i1 ON i1.id = su.instructor_id \
    LEFT JOIN instructors i2 ON i2.id = su.replacement_instructor_id";

fn substitution_row(r: &AnyRow) -> Result<Substitution, sqlx::Error> {
    Ok(Substitution {
        id: r.i("id")?,
        session_id: r.i("session_id")?,
        session_reference: r.s("reference")?,
        course_title: r.s("course_title")?,
        session_starts_at: r.i("starts_at")?,
        assignment_id: r.oi("assignment_id")?,
        instructor_id: r.oi("instructor_id")?,
        instructor_name: r.os("instructor_name")?,
        reason: r.s("reason")?,
        replacement_instructor_id: r.oi("replacement_instructor_id")?,
        replacement_name: r.os("replacement_name")?,
        status: r.s("status")?,
        opened_at: r.i("opened_at")?,
        closed_at: r.oi("closed_at")?,
        steps: Vec::new(),
        version: r.i("version")?,
    })
}

async fn with_steps(
    conn: &mut Conn,
    mut subs: Vec<Substitution>,
) -> Result<Vec<Substitution>, StoreError> {
    if subs.is_empty() {
        return Ok(subs);
    }
    let mut q = Sql::new(
        "SELECT substitution_id, step, done_at, done_by_name, note FROM substitution_steps WHERE substitution_id IN (",
    );
    for (n, s) in subs.iter().enumerate() {
        if n > 0 {
            q.push(", ");
        }
        q.int(s.id);
    }
    q.push(")");
    let rows = q.query().fetch_all(&mut *conn).await?;
    for r in &rows {
        let id = r.i("substitution_id")?;
        let step =
            SubstitutionStep::parse(&r.s("step")?).map_err(|e| sqlx::Error::Decode(e.into()))?;
        let done_at = r.oi("done_at")?;
        if let Some(s) = subs.iter_mut().find(|s| s.id == id) {
            s.steps.push(Step {
                step,
                done: done_at.is_some(),
                done_at,
                done_by_name: r.os("done_by_name")?,
                note: r.os("note")?,
            });
        }
    }
    for s in &mut subs {
        s.steps.sort_by_key(|st| {
            SubstitutionStep::ALL
                .iter()
                .position(|x| *x == st.step)
                .unwrap_or(usize::MAX)
        });
    }
    Ok(subs)
}

/// Substitutions, of one session when given, only open ones when `open_only`; newest first, at
/// most 200.
pub async fn substitutions(
    conn: &mut Conn,
    session_id: Option<i64>,
    open_only: bool,
) -> Result<Vec<Substitution>, StoreError> {
    let mut q = Sql::new(SUB_COLUMNS);
    q.push(" WHERE 1 = 1");
    if let Some(s) = session_id {
        q.push(" AND su.session_id = ").int(s);
    }
    if open_only {
        q.push(" AND su.status = 'open'");
    }
    q.push(" ORDER BY su.opened_at DESC, su.id DESC LIMIT 200");
    let subs = fetch_all(conn, q.query(), substitution_row).await?;
    with_steps(conn, subs).await
}

pub async fn substitution(conn: &mut Conn, id: i64) -> Result<Substitution, StoreError> {
    let mut q = Sql::new(SUB_COLUMNS);
    q.push(" WHERE su.id = ").int(id);
    let s = substitution_row(&q.query().fetch_one(&mut *conn).await?)?;
    let mut v = with_steps(conn, vec![s]).await?;
    v.pop().ok_or(StoreError::NotFound)
}

/// The open substitution of an assignment, if any.
pub async fn open_for_assignment(
    conn: &mut Conn,
    assignment_id: i64,
) -> Result<Option<i64>, StoreError> {
    let r =
        sqlx::query("SELECT id FROM substitutions WHERE assignment_id = $1 AND status = 'open'")
            .bind(assignment_id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(match r {
        Some(r) => Some(r.i("id")?),
        None => None,
    })
}

/// Opens a substitution with its steps, none done.
pub async fn insert_substitution(
    conn: &mut Conn,
    session_id: i64,
    assignment_id: Option<i64>,
    instructor_id: Option<i64>,
    reason: &str,
    now: i64,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO substitutions (session_id, assignment_id, instructor_id, reason, opened_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(session_id)
    .bind(assignment_id)
    .bind(instructor_id)
    .bind(reason.to_owned())
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    let id = row.i("id")?;
    let mut q = Sql::new("INSERT INTO substitution_steps (substitution_id, step) VALUES ");
    for (n, s) in SubstitutionStep::ALL.iter().enumerate() {
        if n > 0 {
            q.push(", ");
        }
        q.push("(").int(id).push(", ").text(s.as_str()).push(")");
    }
    q.query().execute(&mut *conn).await?;
    Ok(id)
}

/// Takes the substitution's row lock (write first); `NotFound` when there is none.
pub async fn touch_substitution(conn: &mut Conn, id: i64) -> Result<(), StoreError> {
    let n = sqlx::query("UPDATE substitutions SET version = version WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Marks a step done: false when it already was.
pub async fn complete_step(
    conn: &mut Conn,
    id: i64,
    step: SubstitutionStep,
    user: Option<i64>,
    name: &str,
    note: Option<&str>,
    now: i64,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE substitution_steps SET done_at = $1, done_by = $2, done_by_name = $3, note = $4 \
         WHERE substitution_id = $5 AND step = $6 AND done_at IS NULL",
    )
    .bind(now)
    .bind(user)
    .bind(name.to_owned())
    .bind(note.map(str::to_owned))
    .bind(id)
    .bind(step.as_str())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

pub async fn set_replacement(
    conn: &mut Conn,
    id: i64,
    instructor_id: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE substitutions SET replacement_instructor_id = $1, version = version + 1 WHERE id = $2",
    )
    .bind(instructor_id)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Closes the substitution when every step is done: true when it closed now.
pub async fn close_if_done(conn: &mut Conn, id: i64, now: i64) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE substitutions SET status = 'done', closed_at = $1, version = version + 1 \
         WHERE id = $2 AND status = 'open' \
         AND NOT EXISTS (SELECT 1 FROM substitution_steps st WHERE st.substitution_id = $2 AND st.done_at IS NULL)",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// A confirmed assignment of the next upcoming session (the demo's dropped-out instructor).
pub async fn demo_confirmed_assignment(
    conn: &mut Conn,
    now: i64,
) -> Result<Option<i64>, StoreError> {
    let r = sqlx::query(
        "SELECT a.id FROM assignments a JOIN sessions s ON s.id = a.session_id \
         WHERE a.status = 'confirmed' AND s.starts_at > $1 ORDER BY s.starts_at, a.id LIMIT 1",
    )
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match r {
        Some(r) => Some(r.i("id")?),
        None => None,
    })
}
