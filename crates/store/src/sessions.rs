//! Sessions and their parts. `sessions.starts_at/ends_at` summarise the active parts so that lists
//! filter and sort on one indexed column.

use crate::courses::decode_err;
use crate::row::{Col, Sql};
use crate::table::{Table, choice, list_filter, search};
use crate::{Conn, Page, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use trainyard_core::money::{Currency, Money};
use trainyard_core::records::SessionInput;
use trainyard_core::status::{DeliveryMode, SessionEvent, SessionStatus, StatusReason, Visibility};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Session {
    pub id: i64,
    pub reference: String,
    pub course_id: i64,
    pub course_code: String,
    pub course_title: String,
    pub program_id: Option<i64>,
    pub title: Option<String>,
    pub visibility: Visibility,
    pub client_id: Option<i64>,
    pub client_name: Option<String>,
    pub delivery_mode: DeliveryMode,
    pub venue_id: Option<i64>,
    pub venue_name: Option<String>,
    pub status: SessionStatus,
    pub capacity: i64,
    pub booked_count: i64,
    /// Seats held for renewal offers not yet answered: they count against the capacity.
    pub held_count: i64,
    pub waitlist_count: i64,
    pub time_zone: String,
    pub seat_price: Money,
    pub notes: String,
    /// The link to join online; empty when there is none.
    pub joining_url: String,
    /// Practical notes for joining ("Reception on the 2nd floor, bring ID").
    pub joining_notes: String,
    /// The language the session is taught in (BCP 47: `de`, `en`); `None`: not stated.
    pub delivery_language: Option<String>,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub archived_at: Option<i64>,
    pub version: i64,
    /// Why the session was cancelled or postponed (while it is).
    #[schema(value_type = Option<trainyard_core::status::StatusReason>)]
    pub status_reason: Option<StatusReason>,
    /// The coordinator's words beside the reason; empty when none.
    pub status_note: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Part {
    pub id: i64,
    pub position: i64,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: i64,
    #[schema(value_type = trainyard_core::status::PartStatus)]
    pub status: String,
    pub sequence: i64,
}

const TABLE: Table = Table {
    name: "sessions",
    columns: COLUMNS,
    from: FROM,
    count_from: " FROM sessions s",
    alias: "s.",
    // Searched its own way (by reference prefix, or through the courses): see `list`.
    search: &[],
    // Each order ends in columns of its index, so a page is read in index order, not sorted.
    sorts: &[
        ("starts", "s.starts_at {dir}, s.id {dir}"),
        (
            "course",
            "s.course_code {dir}, s.starts_at {dir}, s.id {dir}",
        ),
        ("status", "s.status {dir}, s.starts_at {dir}, s.id {dir}"),
        ("booked", "s.booked_count {dir}, s.id {dir}"),
        ("capacity", "s.capacity {dir}, s.id {dir}"),
        ("reference", "s.reference {dir}"),
    ],
};

const COLUMNS: &str = "s.id, s.reference, s.course_id, c.code AS course_code, c.title AS course_title, s.program_id, \
    s.title, s.visibility, s.client_id, cl.name AS client_name, s.delivery_mode, s.venue_id, v.name AS venue_name, \
    s.status, s.capacity, s.booked_count, s.held_count, s.waitlist_count, s.time_zone, s.currency, s.seat_price_minor, s.notes, \
    s.joining_url, s.joining_notes, s.starts_at, s.ends_at, s.created_at, s.updated_at, s.archived_at, s.version, \
    s.status_reason, s.status_note, s.delivery_language";

const FROM: &str = " FROM sessions s JOIN courses c ON c.id = +s.course_id LEFT JOIN venues v ON v.id = s.venue_id \
    LEFT JOIN clients cl ON cl.id = s.client_id";

fn from_row(r: &AnyRow) -> Result<Session, sqlx::Error> {
    let currency = Currency::parse(&r.s("currency")?).map_err(decode_err)?;
    Ok(Session {
        id: r.i("id")?,
        reference: r.s("reference")?,
        course_id: r.i("course_id")?,
        course_code: r.s("course_code")?,
        course_title: r.s("course_title")?,
        program_id: r.oi("program_id")?,
        title: r.os("title")?,
        visibility: Visibility::parse(&r.s("visibility")?).map_err(decode_err)?,
        client_id: r.oi("client_id")?,
        client_name: r.os("client_name")?,
        delivery_mode: DeliveryMode::parse(&r.s("delivery_mode")?).map_err(decode_err)?,
        venue_id: r.oi("venue_id")?,
        venue_name: r.os("venue_name")?,
        status: SessionStatus::parse(&r.s("status")?).map_err(decode_err)?,
        capacity: r.i("capacity")?,
        booked_count: r.i("booked_count")?,
        held_count: r.i("held_count")?,
        waitlist_count: r.i("waitlist_count")?,
        time_zone: r.s("time_zone")?,
        seat_price: Money::new(r.i("seat_price_minor")?, currency),
        notes: r.s("notes")?,
        joining_url: r.s("joining_url")?,
        joining_notes: r.s("joining_notes")?,
        delivery_language: r.os("delivery_language")?,
        starts_at: r.i("starts_at")?,
        ends_at: r.i("ends_at")?,
        created_at: r.i("created_at")?,
        updated_at: r.i("updated_at")?,
        archived_at: r.oi("archived_at")?,
        version: r.i("version")?,
        status_reason: r
            .os("status_reason")?
            .map(|x| StatusReason::parse(&x))
            .transpose()
            .map_err(decode_err)?,
        status_note: r.s("status_note")?,
    })
}

fn span(s: &SessionInput) -> (i64, i64) {
    let start = s.parts.iter().map(|p| p.start_ms).min().unwrap_or_default();
    let end = s.parts.iter().map(|p| p.end_ms).max().unwrap_or_default();
    (start, end)
}

/// The reference a new session holds until its id is known (it is then `S-{id}`).
///
/// Unique per insert: on PostgreSQL every row version written in an open transaction stays in
/// the unique index on `reference` until the transaction ends, so a placeholder shared by the
/// inserts of one transaction (an import's 10,000 sessions) made each insert check all those
/// before it (quadratic: 2.5 ms an insert at 10,000).
fn provisional_reference(now: i64) -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("new-{now}-{}-{n}", std::process::id())
}

pub async fn insert(
    conn: &mut Conn,
    s: &SessionInput,
    status: SessionStatus,
    now: i64,
) -> Result<i64, StoreError> {
    let (start, end) = span(s);
    let provisional = provisional_reference(now);
    let r = sqlx::query(
        "INSERT INTO sessions (reference, course_id, course_code, title, visibility, client_id, delivery_mode, venue_id, status, \
         capacity, time_zone, currency, seat_price_minor, notes, starts_at, ends_at, created_at, updated_at, joining_url, joining_notes, program_id, delivery_language) \
         VALUES ($1, $2, (SELECT code FROM courses WHERE id = $2), $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, $17, $18, $19, $20) RETURNING id",
    )
    .bind(provisional)
    .bind(s.course_id.0)
    .bind(s.title.clone())
    .bind(s.visibility.as_str())
    .bind(s.client_id.map(|c| c.0))
    .bind(s.delivery_mode.as_str())
    .bind(s.venue_id.map(|v| v.0))
    .bind(status.as_str())
    .bind(s.capacity)
    .bind(s.time_zone.as_str())
    .bind(s.seat_price.currency.as_str().to_owned())
    .bind(s.seat_price.minor)
    .bind(s.notes.clone())
    .bind(start)
    .bind(end)
    .bind(now)
    .bind(s.joining_url.clone())
    .bind(s.joining_notes.clone())
    .bind(s.program_id.map(|p| p.0))
    .bind(s.delivery_language.as_ref().map(|l| l.as_str().to_owned()))
    .fetch_one(&mut *conn)
    .await?;
    let id = r.i("id")?;
    sqlx::query("UPDATE sessions SET reference = $1 WHERE id = $2")
        .bind(format!("S-{id:05}"))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for (i, p) in s.parts.iter().enumerate() {
        sqlx::query(
            "INSERT INTO session_parts (session_id, position, starts_at, ends_at, status, sequence) VALUES ($1, $2, $3, $4, 'scheduled', 0)",
        )
        .bind(id)
        .bind(i as i64 + 1)
        .bind(p.start_ms)
        .bind(p.end_ms)
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}

/// Updates the session and its parts. Parts are matched by position: a moved part keeps its id
/// (and its bookings) and raises its sequence; surplus old parts are cancelled, not deleted.
pub async fn update(
    conn: &mut Conn,
    id: i64,
    version: i64,
    s: &SessionInput,
    now: i64,
) -> Result<(), StoreError> {
    let (start, end) = span(s);
    let n = sqlx::query(
        "UPDATE sessions SET course_id = $1, course_code = (SELECT code FROM courses WHERE id = $1), title = $2, visibility = $3, client_id = $4, delivery_mode = $5, \
         venue_id = $6, capacity = $7, time_zone = $8, currency = $9, seat_price_minor = $10, notes = $11, \
         starts_at = $12, ends_at = $13, updated_at = $14, joining_url = $17, joining_notes = $18, program_id = $19, delivery_language = $20, version = version + 1 \
         WHERE id = $15 AND version = $16",
    )
    .bind(s.course_id.0)
    .bind(s.title.clone())
    .bind(s.visibility.as_str())
    .bind(s.client_id.map(|c| c.0))
    .bind(s.delivery_mode.as_str())
    .bind(s.venue_id.map(|v| v.0))
    .bind(s.capacity)
    .bind(s.time_zone.as_str())
    .bind(s.seat_price.currency.as_str().to_owned())
    .bind(s.seat_price.minor)
    .bind(s.notes.clone())
    .bind(start)
    .bind(end)
    .bind(now)
    .bind(id)
    .bind(version)
    .bind(s.joining_url.clone())
    .bind(s.joining_notes.clone())
    .bind(s.program_id.map(|p| p.0))
    .bind(s.delivery_language.as_ref().map(|l| l.as_str().to_owned()))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    crate::row::check_updated(conn, "sessions", id, version, n).await?;
    let existing = parts(conn, id).await?;
    for (i, p) in s.parts.iter().enumerate() {
        let position = i as i64 + 1;
        match existing.iter().find(|e| e.position == position) {
            Some(e)
                if e.starts_at == p.start_ms
                    && e.ends_at == p.end_ms
                    && e.status == "scheduled" => {}
            Some(e) => {
                sqlx::query(
                    "UPDATE session_parts SET starts_at = $1, ends_at = $2, status = 'scheduled', sequence = sequence + 1 WHERE id = $3",
                )
                .bind(p.start_ms)
                .bind(p.end_ms)
                .bind(e.id)
                .execute(&mut *conn)
                .await?;
            }
            None => {
                sqlx::query(
                    "INSERT INTO session_parts (session_id, position, starts_at, ends_at, status, sequence) VALUES ($1, $2, $3, $4, 'scheduled', 0)",
                )
                .bind(id)
                .bind(position)
                .bind(p.start_ms)
                .bind(p.end_ms)
                .execute(&mut *conn)
                .await?;
            }
        }
    }
    sqlx::query(
        "UPDATE session_parts SET status = 'cancelled', sequence = sequence + 1 WHERE session_id = $1 AND position > $2 AND status <> 'cancelled'",
    )
    .bind(id)
    .bind(s.parts.len() as i64)
    .execute(&mut *conn)
    .await?;
    resync_slots(conn, id).await
}

pub async fn set_status(
    conn: &mut Conn,
    id: i64,
    version: i64,
    status: SessionStatus,
    now: i64,
) -> Result<(), StoreError> {
    let n = sqlx::query("UPDATE sessions SET status = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND version = $4")
        .bind(status.as_str())
        .bind(now)
        .bind(id)
        .bind(version)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    crate::row::check_updated(conn, "sessions", id, version, n).await?;
    if status == SessionStatus::Cancelled {
        sqlx::query("UPDATE session_parts SET status = 'cancelled', sequence = sequence + 1 WHERE session_id = $1 AND status <> 'cancelled'")
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    resync_slots(conn, id).await
}

/// Records why a session was cancelled or postponed: on the session (its current reason) and in
/// the history reporting counts from. Leaving those states clears the session's reason.
pub async fn set_status_reason(
    conn: &mut Conn,
    id: i64,
    event: SessionEvent,
    reason: Option<(StatusReason, &str)>,
    by: Option<i64>,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET status_reason = $1, status_note = $2 WHERE id = $3")
        .bind(reason.map(|(r, _)| r.as_str()))
        .bind(reason.map(|(_, n)| n.to_owned()).unwrap_or_default())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    if let Some((r, note)) = reason {
        sqlx::query(
            "INSERT INTO session_status_changes (session_id, event, reason, note, changed_at, changed_by) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(event.as_str())
        .bind(r.as_str())
        .bind(note.to_owned())
        .bind(now)
        .bind(by)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Aggregate for reporting: how many sessions were cancelled (or postponed: `event`) for each
/// reason in `[from, to)`, by when it happened; reasons never given are left out.
pub async fn count_status_changes_by_reason(
    conn: &mut Conn,
    event: SessionEvent,
    from: i64,
    to: i64,
) -> Result<Vec<(StatusReason, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT reason, COUNT(*) AS n FROM session_status_changes WHERE event = $1 AND changed_at >= $2 AND changed_at < $3 \
         GROUP BY reason ORDER BY reason",
    )
    .bind(event.as_str())
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                StatusReason::parse(&r.s("reason")?).map_err(decode_err)?,
                r.i("n")?,
            ))
        })
        .collect()
}

pub async fn set_archived(
    conn: &mut Conn,
    id: i64,
    version: i64,
    at: Option<i64>,
    now: i64,
) -> Result<(), StoreError> {
    TABLE.set_archived(conn, id, version, at, now).await
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Session, StoreError> {
    TABLE.get(conn, id, from_row).await
}

/// The sessions with these ids (archived too), in no particular order: an import's many rows
/// read their sessions in a few statements.
pub async fn get_many(conn: &mut Conn, ids: &[i64]) -> Result<Vec<Session>, StoreError> {
    TABLE.get_many(conn, ids, from_row).await
}

pub async fn parts(conn: &mut Conn, session_id: i64) -> Result<Vec<Part>, StoreError> {
    let q = sqlx::query(
        "SELECT id, position, starts_at, ends_at, status, sequence FROM session_parts WHERE session_id = $1 ORDER BY position",
    )
    .bind(session_id);
    crate::row::fetch_all(conn, q, |r| {
        Ok(Part {
            id: r.i("id")?,
            position: r.i("position")?,
            starts_at: r.i("starts_at")?,
            ends_at: r.i("ends_at")?,
            status: r.s("status")?,
            sequence: r.i("sequence")?,
        })
    })
    .await
}

/// The sessions in which some of a client's people (the client id follows) are still enrolled.
const CLIENT_PEOPLE_IN: &str = "SELECT e.session_id FROM enrollments e JOIN learners l ON l.id = e.learner_id \
     WHERE e.status NOT IN ('cancelled', 'transferred') AND l.client_id =";

/// Whether some of a client's people are (still) enrolled in a session: what lets its client
/// contacts open a public session.
pub async fn has_people_of_client(
    conn: &mut Conn,
    session_id: i64,
    client_id: i64,
) -> Result<bool, StoreError> {
    let mut q = Sql::new("SELECT COUNT(*) AS n FROM sessions s WHERE s.id = ");
    q.int(session_id)
        .push(&format!(" AND s.id IN ({CLIENT_PEOPLE_IN} "))
        .int(client_id)
        .push(")");
    Ok(q.query().fetch_one(&mut *conn).await?.i("n")? > 0)
}

list_filter! {
    /// The session list's filters.
    pub struct SessionFilter {
        sorts: TABLE.sorts,
        /// Sessions in this status.
        pub status: String => #[param(value_type = Option<SessionStatus>)],
        /// Sessions delivered this way.
        pub mode: String => #[param(value_type = Option<DeliveryMode>)],
        /// Public (in the catalogue) or private (for one client) sessions.
        pub visibility: String => #[param(value_type = Option<Visibility>)],
        /// Sessions of this course.
        #[serde(deserialize_with = "crate::row::empty_as_none")]
        pub course_id: Option<i64>,
        /// Sessions for this client.
        #[serde(deserialize_with = "crate::row::empty_as_none")]
        pub client_id: Option<i64>,
        /// Sessions at this venue.
        #[serde(deserialize_with = "crate::row::empty_as_none")]
        pub venue_id: Option<i64>,
        /// Sessions of this program.
        #[serde(deserialize_with = "crate::row::empty_as_none")]
        pub program_id: Option<i64>,
        /// Sessions taught in this language (BCP 47: `de` also finds `de-AT`).
        pub language: String,
        /// Sessions starting on or after this day (`YYYY-MM-DD`, in your time zone).
        pub from: String => #[param(value_type = Option<String>, format = Date)],
        /// Sessions starting before the end of this day (`YYYY-MM-DD`, in your time zone).
        pub to: String => #[param(value_type = Option<String>, format = Date)],
        /// `from` as an instant; set by the use case.
        #[serde(skip)]
        pub from_ms: Option<i64>,
        /// The end of `to` as an instant; set by the use case.
        #[serde(skip)]
        pub to_ms: Option<i64>,
        /// Only sessions still taking self-service enrollments at this instant (their cut-off,
        /// `cutoff_hours` before the start, lies after it); set by the catalog.
        #[serde(skip)]
        pub open_at_ms: Option<i64>,
        /// A client contact's sessions: this client's private ones and the public ones this
        /// client's people are enrolled in (drafts left out); set by the use case.
        #[serde(skip)]
        pub ours_of_client: Option<i64>,
    }
}

/// Sessions matching `f`. `q` is a reference prefix (`S-12`) or part of the course's code or title.
pub async fn list(conn: &mut Conn, f: &SessionFilter) -> Result<Page<Session>, StoreError> {
    let status = choice(
        "status",
        &f.status,
        SessionStatus::ALL,
        SessionStatus::as_str,
    )?;
    let mode = choice("mode", &f.mode, DeliveryMode::ALL, DeliveryMode::as_str)?;
    let visibility = choice(
        "visibility",
        &f.visibility,
        Visibility::ALL,
        Visibility::as_str,
    )?;
    let language =
        trainyard_core::locale::LanguageTag::parse_optional(&f.language).map_err(|e| {
            StoreError::BadParameter {
                name: "language",
                message: e.to_string(),
            }
        })?;
    let filters = |q: &mut Sql, for_count: bool| {
        if let Some(l) = &language {
            q.push(" AND (s.delivery_language = ")
                .text(l.as_str())
                .push(" OR s.delivery_language LIKE ")
                .text(&format!("{}-%", l.as_str()))
                .push(")");
        }
        if let Some(st) = status {
            q.push(" AND s.status = ").text(st.as_str());
        }
        if let Some(m) = mode {
            q.push(" AND s.delivery_mode = ").text(m.as_str());
        }
        if let Some(v) = visibility {
            q.push(" AND s.visibility = ").text(v.as_str());
        }
        if let Some(c) = f.course_id {
            q.push(" AND s.course_id = ").int(c);
        }
        if let Some(c) = f.client_id {
            q.push(" AND s.client_id = ").int(c);
        }
        if let Some(v) = f.venue_id {
            q.push(" AND s.venue_id = ").int(v);
        }
        if let Some(p) = f.program_id {
            q.push(" AND s.program_id = ").int(p);
        }
        let date = " AND s.starts_at";
        if let Some(t) = f.from_ms {
            q.push(date).push(" >= ").int(t);
        }
        if let Some(t) = f.to_ms {
            q.push(date).push(" < ").int(t);
        }
        if let Some(c) = f.ours_of_client {
            q.push(" AND s.status <> 'draft' AND (s.client_id = ")
                .int(c)
                .push(&format!(" OR s.id IN ({CLIENT_PEOPLE_IN} "))
                .int(c)
                .push("))");
        }
        if let Some(t) = f.open_at_ms {
            q.push(" AND s.starts_at - s.cutoff_hours * 3600000 > ")
                .int(t);
        }
        if f.list.q.trim().is_empty() {
            return;
        }
        let term = f.list.q.trim().to_uppercase();
        if term.starts_with("S-") {
            // A reference: a prefix range on its unique index.
            q.push(" AND s.reference >= ")
                .text(&term)
                .push(" AND s.reference < ")
                .text(&format!("{term}\u{10FFFF}"));
        } else {
            // Course code or title: find the (few) matching courses, then their sessions by index.
            // For the page, `+` keeps the planner walking the date index (stopping after one page)
            // instead of sorting every match; the count uses the course index.
            q.push(if for_count {
                " AND s.course_id IN"
            } else {
                " AND +s.course_id IN"
            });
            q.push(" (SELECT id FROM courses WHERE 1 = 1");
            search(q, &["code", "title"], &f.list.q);
            q.push(")");
        }
    };
    TABLE.list(conn, &f.list, filters, from_row).await
}

/// Row counts for the dashboard: sessions by status in a window.
pub async fn count_by_status(
    conn: &mut Conn,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<(String, i64)>, StoreError> {
    let q = sqlx::query(
        "SELECT status, count(*) AS n FROM sessions WHERE archived_at IS NULL AND starts_at >= $1 AND starts_at < $2 GROUP BY status ORDER BY status",
    )
    .bind(from_ms)
    .bind(to_ms);
    crate::row::fetch_all(conn, q, |r| Ok((r.s("status")?, r.i("n")?))).await
}

/// The write shape the generic record use cases expect: new sessions start as drafts.
pub mod draft {
    pub use super::{get, set_archived, update};
    use trainyard_core::records::SessionInput;
    use trainyard_core::status::SessionStatus;

    pub async fn insert(
        conn: &mut crate::Conn,
        s: &SessionInput,
        now: i64,
    ) -> Result<i64, crate::StoreError> {
        super::insert(conn, s, SessionStatus::Draft, now).await
    }
}

/// A session that needs a coordinator's attention, with the reason.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Attention {
    pub id: i64,
    pub reference: String,
    pub course_title: String,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: i64,
    pub time_zone: String,
    pub booked_count: i64,
    pub min_learners: i64,
    pub capacity: i64,
    #[schema(value_type = trainyard_core::status::SessionStatus)]
    pub status: String,
    pub staffed: bool,
}

/// Active sessions starting in `[from, to)` that are below their course minimum or have no
/// confirmed lead instructor, soonest first.
pub async fn needing_attention(
    conn: &mut Conn,
    from: i64,
    to: i64,
) -> Result<Vec<Attention>, StoreError> {
    let q = sqlx::query(
        "SELECT s.id, s.reference, c.title, s.starts_at, s.time_zone, s.booked_count, c.min_learners, s.capacity, s.status, \
         (SELECT count(*) FROM assignments a WHERE a.session_id = s.id AND a.status = 'confirmed') AS staffed \
         FROM sessions s JOIN courses c ON c.id = s.course_id \
         WHERE s.archived_at IS NULL AND s.starts_at >= $1 AND s.starts_at < $2 AND s.status IN ('draft', 'scheduled', 'confirmed') \
         AND (s.booked_count < c.min_learners OR NOT EXISTS (SELECT 1 FROM assignments a WHERE a.session_id = s.id AND a.status = 'confirmed')) \
         ORDER BY s.starts_at LIMIT 50",
    )
    .bind(from)
    .bind(to);
    crate::row::fetch_all(conn, q, |r| {
        Ok(Attention {
            id: r.i("id")?,
            reference: r.s("reference")?,
            course_title: r.s("title")?,
            starts_at: r.i("starts_at")?,
            time_zone: r.s("time_zone")?,
            booked_count: r.i("booked_count")?,
            min_learners: r.i("min_learners")?,
            capacity: r.i("capacity")?,
            status: r.s("status")?,
            staffed: r.i("staffed")? > 0,
        })
    })
    .await
}

/// Seats booked and offered over active sessions starting in `[from, to)`: the fill rate's parts.
pub async fn seats_in(conn: &mut Conn, from: i64, to: i64) -> Result<(i64, i64), StoreError> {
    let r = sqlx::query(
        "SELECT CAST(COALESCE(sum(booked_count), 0) AS BIGINT) AS booked, CAST(COALESCE(sum(capacity), 0) AS BIGINT) AS capacity \
         FROM sessions WHERE archived_at IS NULL AND starts_at >= $1 AND starts_at < $2 AND status NOT IN ('cancelled', 'postponed', 'draft')",
    )
    .bind(from)
    .bind(to)
    .fetch_one(&mut *conn)
    .await?;
    Ok((r.i("booked")?, r.i("capacity")?))
}

/// Brings the instructor and room slots of a session in line with its parts and status: an active
/// session's busy (accepted or confirmed) assignments and room bookings occupy exactly its scheduled parts; a
/// cancelled or postponed session occupies nothing. The database refuses the result if it would
/// overlap someone else (`StoreError::Overlap`), which rolls the whole change back.
pub async fn resync_slots(conn: &mut Conn, session_id: i64) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE bookings SET starts_at = (SELECT p.starts_at FROM session_parts p WHERE p.id = bookings.session_part_id), \
         ends_at = (SELECT p.ends_at FROM session_parts p WHERE p.id = bookings.session_part_id) \
         WHERE session_part_id IN (SELECT id FROM session_parts WHERE session_id = $1)",
    )
    .bind(session_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM instructor_slots WHERE session_part_id IN (SELECT id FROM session_parts WHERE session_id = $1)")
        .bind(session_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "DELETE FROM unit_slots WHERE booking_id IN (SELECT b.id FROM bookings b JOIN session_parts p ON p.id = b.session_part_id WHERE p.session_id = $1)",
    )
    .bind(session_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO instructor_slots (assignment_id, instructor_id, session_part_id, starts_at, ends_at) \
         SELECT a.id, a.instructor_id, p.id, p.starts_at, p.ends_at FROM assignments a \
         JOIN sessions s ON s.id = a.session_id JOIN session_parts p ON p.session_id = s.id \
         WHERE a.session_id = $1 AND a.status IN ('accepted', 'confirmed') AND p.status = 'scheduled' AND s.status NOT IN ('cancelled', 'postponed')",
    )
    .bind(session_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO unit_slots (booking_id, resource_id, starts_at, ends_at) \
         SELECT b.id, b.resource_id, b.starts_at, b.ends_at FROM bookings b JOIN resources r ON r.id = b.resource_id \
         JOIN session_parts p ON p.id = b.session_part_id JOIN sessions s ON s.id = p.session_id \
         WHERE p.session_id = $1 AND b.status = 'confirmed' AND r.kind = 'room' AND p.status = 'scheduled' AND s.status NOT IN ('cancelled', 'postponed')",
    )
    .bind(session_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Session ids after `after`, in id order: for walking every session in batches.
pub async fn ids_after(conn: &mut Conn, after: i64, limit: i64) -> Result<Vec<i64>, StoreError> {
    let q = sqlx::query("SELECT id FROM sessions WHERE id > $1 ORDER BY id LIMIT $2")
        .bind(after)
        .bind(limit);
    crate::row::fetch_all(conn, q, |r| r.i("id")).await
}

/// Who hears about a change to the session: instructors on live assignments and learners booked
/// or waiting. (name, e-mail, "instructor" | "learner")
pub async fn people_to_notify(
    conn: &mut Conn,
    session_id: i64,
) -> Result<Vec<(String, String, &'static str)>, StoreError> {
    let q = sqlx::query(
        "SELECT i.name AS name, i.email AS email, 'instructor' AS who FROM assignments a JOIN instructors i ON i.id = a.instructor_id \
         WHERE a.session_id = $1 AND a.status IN ('requested', 'accepted', 'confirmed') \
         UNION ALL \
         SELECT l.first_name || ' ' || l.last_name AS name, l.email AS email, 'learner' AS who FROM enrollments e \
         JOIN learners l ON l.id = e.learner_id WHERE e.session_id = $1 AND e.status IN ('requested', 'booked', 'waitlisted')",
    )
    .bind(session_id);
    crate::row::fetch_all(conn, q, |r| {
        Ok((
            r.s("name")?,
            r.s("email")?,
            if r.s("who")? == "instructor" {
                "instructor"
            } else {
                "learner"
            },
        ))
    })
    .await
}

/// A write to the session row that changes nothing: takes its lock first, so that every seat
/// change of one session runs one after another.
pub async fn touch(conn: &mut Conn, session_id: i64) -> Result<(), StoreError> {
    let n = sqlx::query("UPDATE sessions SET booked_count = booked_count WHERE id = $1")
        .bind(session_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if n == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::provisional_reference;

    #[test]
    fn no_two_inserts_share_a_provisional_reference() {
        // The same instant, as an import's rows have: still two different placeholders.
        let a = provisional_reference(1_800_000_000_000);
        let b = provisional_reference(1_800_000_000_000);
        assert_ne!(a, b);
        assert!(a.starts_with("new-1800000000000-"));
    }
}
