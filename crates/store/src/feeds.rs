//! Subscribable calendar feeds: a secret token (stored only as its hash) that reads the schedule
//! of one instructor, room, venue or client, and the session parts such a feed shows.

use crate::row::{Col, Sql};
use crate::{Conn, StoreError};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;

/// Whose schedule a feed shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FeedKind {
    Instructor,
    Room,
    Venue,
    Client,
}

impl FeedKind {
    pub const ALL: [FeedKind; 4] = [
        FeedKind::Instructor,
        FeedKind::Room,
        FeedKind::Venue,
        FeedKind::Client,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            FeedKind::Instructor => "instructor",
            FeedKind::Room => "room",
            FeedKind::Venue => "venue",
            FeedKind::Client => "client",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    /// Where the target's own page lives in the UI.
    pub fn target_href(&self, target_id: i64) -> String {
        match self {
            FeedKind::Instructor => format!("/instructors/{target_id}"),
            FeedKind::Room => format!("/resources/{target_id}"),
            FeedKind::Venue => format!("/venues/{target_id}"),
            FeedKind::Client => format!("/clients/{target_id}"),
        }
    }
}

impl std::fmt::Display for FeedKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Feed {
    pub id: i64,
    pub kind: FeedKind,
    pub target_id: i64,
    pub created_by: Option<i64>,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<i64>,
}

const SELECT: &str =
    "SELECT id, kind, target_id, created_by, created_at, revoked_at FROM calendar_feeds";

fn from_row(r: &AnyRow) -> Result<Feed, sqlx::Error> {
    let kind = r.s("kind")?;
    Ok(Feed {
        id: r.i("id")?,
        kind: FeedKind::parse(&kind).ok_or_else(|| {
            sqlx::Error::Decode(format!("'{kind}' is not a calendar feed kind").into())
        })?,
        target_id: r.i("target_id")?,
        created_by: r.oi("created_by")?,
        created_at: r.i("created_at")?,
        revoked_at: r.oi("revoked_at")?,
    })
}

pub async fn insert(
    conn: &mut Conn,
    token_hash: &str,
    kind: FeedKind,
    target_id: i64,
    created_by: Option<i64>,
    now: i64,
) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO calendar_feeds (token_hash, kind, target_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(token_hash)
    .bind(kind.as_str())
    .bind(target_id)
    .bind(created_by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.i("id")?)
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Feed, StoreError> {
    let mut q = Sql::new(SELECT);
    q.push(" WHERE id = ").int(id);
    Ok(from_row(&q.query().fetch_one(&mut *conn).await?)?)
}

/// The live (not revoked) feed behind a token hash.
pub async fn find_live(conn: &mut Conn, token_hash: &str) -> Result<Option<Feed>, StoreError> {
    let mut q = Sql::new(SELECT);
    q.push(" WHERE token_hash = ")
        .text(token_hash)
        .push(" AND revoked_at IS NULL");
    match q.query().fetch_optional(&mut *conn).await? {
        Some(r) => Ok(Some(from_row(&r)?)),
        None => Ok(None),
    }
}

/// Every feed of one target, newest first (revoked ones too, so the page can show them).
pub async fn for_target(
    conn: &mut Conn,
    kind: FeedKind,
    target_id: i64,
) -> Result<Vec<Feed>, StoreError> {
    let mut q = Sql::new(SELECT);
    q.push(" WHERE kind = ")
        .text(kind.as_str())
        .push(" AND target_id = ")
        .int(target_id)
        .push(" ORDER BY id DESC LIMIT 200");
    crate::row::fetch_all(conn, q.query(), from_row).await
}

/// Marks a live feed revoked; false when it was already revoked (or does not exist).
pub async fn revoke(conn: &mut Conn, id: i64, now: i64) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE calendar_feeds SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// The display name of a feed's target, or `None` when there is no such target (a room feed
/// needs a resource of kind `room`).
pub async fn target_name(
    conn: &mut Conn,
    kind: FeedKind,
    target_id: i64,
) -> Result<Option<String>, StoreError> {
    let sql = match kind {
        FeedKind::Instructor => "SELECT name FROM instructors WHERE id = $1",
        FeedKind::Room => {
            "SELECT r.name || CASE WHEN v.name IS NULL THEN '' ELSE ' (' || v.name || ')' END AS name \
             FROM resources r LEFT JOIN venues v ON v.id = r.venue_id WHERE r.id = $1 AND r.kind = 'room'"
        }
        FeedKind::Venue => "SELECT name FROM venues WHERE id = $1",
        FeedKind::Client => "SELECT name FROM clients WHERE id = $1",
    };
    let row = sqlx::query(sql)
        .bind(target_id)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(r) => Ok(Some(r.s("name")?)),
        None => Ok(None),
    }
}

/// One session part as a calendar event sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedPart {
    pub part_id: i64,
    pub session_id: i64,
    pub position: i64,
    /// Parts of the session still scheduled, and all of its parts (for "part n/N").
    pub scheduled_parts: i64,
    pub all_parts: i64,
    pub starts_at: i64,
    pub ends_at: i64,
    pub part_status: String,
    pub sequence: i64,
    pub reference: String,
    pub session_status: String,
    pub session_title: Option<String>,
    pub delivery_mode: String,
    pub updated_at: i64,
    pub course_code: String,
    pub course_title: String,
    pub venue_name: Option<String>,
    pub venue_city: Option<String>,
    /// For an instructor feed: the instructor's assignment is confirmed. For a room feed: the room's
    /// booking is confirmed. Always true for venue and client feeds.
    pub firm: bool,
}

/// The parts a feed shows that overlap `[from_ms, to_ms)`, soonest first. Archived sessions are left
/// out; cancelled parts and sessions stay in (as cancelled events) so that subscribers see the change.
pub async fn parts_for(
    conn: &mut Conn,
    kind: FeedKind,
    target_id: i64,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<FeedPart>, StoreError> {
    let mut q = Sql::new(
        "SELECT p.id AS part_id, p.session_id, p.position, p.starts_at, p.ends_at, p.status AS part_status, p.sequence, \
         (SELECT count(*) FROM session_parts x WHERE x.session_id = p.session_id AND x.status = 'scheduled') AS scheduled_parts, \
         (SELECT count(*) FROM session_parts x WHERE x.session_id = p.session_id) AS all_parts, \
         s.reference, s.status AS session_status, s.title AS session_title, s.delivery_mode, s.updated_at, \
         c.code AS course_code, c.title AS course_title, v.name AS venue_name, v.city AS venue_city, ",
    );
    match kind {
        FeedKind::Instructor => {
            q.push(
                "(SELECT count(*) FROM assignments a WHERE a.session_id = s.id AND a.status = 'confirmed' AND a.instructor_id = ",
            )
            .int(target_id)
            .push(") AS firm");
        }
        FeedKind::Room => {
            q.push(
                "(SELECT count(*) FROM bookings b WHERE b.session_part_id = p.id AND b.status = 'confirmed' AND b.resource_id = ",
            )
            .int(target_id)
            .push(") AS firm");
        }
        FeedKind::Venue | FeedKind::Client => {
            q.push("CAST(1 AS BIGINT) AS firm");
        }
    }
    q.push(
        " FROM session_parts p JOIN sessions s ON s.id = p.session_id JOIN courses c ON c.id = s.course_id \
         LEFT JOIN venues v ON v.id = s.venue_id WHERE s.archived_at IS NULL AND p.ends_at > ",
    )
    .int(from_ms)
    .push(" AND p.starts_at < ")
    .int(to_ms);
    match kind {
        FeedKind::Instructor => {
            q.push(
                // A cancelled session releases its instructors at the moment it is cancelled: their
                // feed keeps it, as a cancelled event, so that their calendar hears of it.
                " AND EXISTS (SELECT 1 FROM assignments a WHERE a.session_id = s.id AND (a.status NOT IN ('cancelled', 'declined') \
                 OR (a.status = 'cancelled' AND s.status = 'cancelled' AND a.updated_at >= s.updated_at)) AND a.instructor_id = ",
            )
            .int(target_id)
            .push(")");
        }
        FeedKind::Room => {
            q.push(
                " AND EXISTS (SELECT 1 FROM bookings b WHERE b.session_part_id = p.id AND b.resource_id = ",
            )
            .int(target_id)
            .push(")");
        }
        FeedKind::Venue => {
            q.push(" AND s.venue_id = ").int(target_id);
        }
        FeedKind::Client => {
            q.push(" AND s.client_id = ").int(target_id);
        }
    }
    q.push(" ORDER BY p.starts_at, p.id LIMIT 5000");
    let q = q.query();
    crate::row::fetch_all(conn, q, |r| {
        Ok(FeedPart {
            part_id: r.i("part_id")?,
            session_id: r.i("session_id")?,
            position: r.i("position")?,
            scheduled_parts: r.i("scheduled_parts")?,
            all_parts: r.i("all_parts")?,
            starts_at: r.i("starts_at")?,
            ends_at: r.i("ends_at")?,
            part_status: r.s("part_status")?,
            sequence: r.i("sequence")?,
            reference: r.s("reference")?,
            session_status: r.s("session_status")?,
            session_title: r.os("session_title")?,
            delivery_mode: r.s("delivery_mode")?,
            updated_at: r.i("updated_at")?,
            course_code: r.s("course_code")?,
            course_title: r.s("course_title")?,
            venue_name: r.os("venue_name")?,
            venue_city: r.os("venue_city")?,
            firm: r.i("firm")? > 0,
        })
    })
    .await
}
