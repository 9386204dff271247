//! Subscribable iCalendar feeds (RFC 5545) of an instructor's, a room's, a venue's or a client's
//! schedule. A feed is a secret URL: the token is the credential, so it is shown once and only
//! its hash is stored. Each session part is one event whose UID never changes and whose SEQUENCE is
//! the part's own change counter, so calendar clients update events in place instead of
//! duplicating them.

use crate::accounts::{new_secret, secret_hash};
use crate::error::About;
use crate::{App, AppError, Caller, now_ms};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus, Property};
use trainyard_core::{Invalid, Role};
use trainyard_store::feeds::{self as repo, FeedPart};
use trainyard_store::users;

pub use trainyard_store::feeds::{Feed, FeedKind};

/// A feed shows parts from this long ago…
pub const WINDOW_BACK_MS: i64 = 90 * 86_400_000;
/// …up to this far ahead.
pub const WINDOW_AHEAD_MS: i64 = 365 * 86_400_000;

/// Reads a feed kind as typed in a form or a request body.
pub fn parse_kind(raw: &str) -> Result<FeedKind, AppError> {
    FeedKind::parse(raw).ok_or_else(|| {
        Invalid::field(
            "kind",
            format!(
                "'{}' is not a calendar feed kind (one of: instructor, room, venue, client)",
                raw.chars().take(40).collect::<String>()
            ),
        )
        .into()
    })
}

/// Staff manage every feed; an instructor the feeds of their own schedule; a client contact the
/// feeds of their own client's sessions.
pub fn may_manage(caller: &Caller, kind: FeedKind, target_id: i64) -> bool {
    caller.role.is_staff()
        || (kind == FeedKind::Instructor
            && caller.role == Role::Instructor
            && caller.instructor_id == Some(target_id))
        || (kind == FeedKind::Client
            && caller.role == Role::ClientContact
            && caller.client_id == Some(target_id))
}

/// Whether the caller may have calendar feeds of anything at all.
pub fn may_have_feeds(caller: &Caller) -> bool {
    caller.role.is_staff()
        || (caller.role == Role::Instructor && caller.instructor_id.is_some())
        || (caller.role == Role::ClientContact && caller.client_id.is_some())
}

fn what(kind: FeedKind) -> &'static str {
    match kind {
        FeedKind::Instructor => "the instructor",
        FeedKind::Room => "the room",
        FeedKind::Venue => "the venue",
        FeedKind::Client => "the client",
    }
}

/// The path of a feed's subscription URL.
pub fn feed_path(token: &str) -> String {
    format!("/feeds/{token}.ics")
}

/// The name of a feed's target, for pages and the calendar's title.
pub async fn target_name(
    app: &App,
    caller: &Caller,
    kind: FeedKind,
    target_id: i64,
) -> Result<String, AppError> {
    caller.require(
        may_manage(caller, kind, target_id),
        "manage calendar feeds of this schedule",
    )?;
    let mut conn = app.store.read().await?;
    repo::target_name(&mut conn, kind, target_id)
        .await?
        .ok_or(AppError::NotFound(what(kind)))
}

/// Issues a new feed of `kind` #`target_id`. Returns its id and the secret path of its
/// subscription URL (`/feeds/<token>.ics`), which is shown this once and never again.
pub async fn create_feed(
    app: &App,
    caller: &Caller,
    kind: FeedKind,
    target_id: i64,
) -> Result<(i64, String), AppError> {
    caller.require(
        may_manage(caller, kind, target_id),
        "create calendar feeds of this schedule",
    )?;
    let token = new_secret()?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let name = repo::target_name(&mut tx, kind, target_id)
        .await?
        .ok_or(AppError::NotFound(what(kind)))?;
    let created_by = (caller.user_id != 0).then_some(caller.user_id);
    let id = repo::insert(
        &mut tx,
        &secret_hash(&token),
        kind,
        target_id,
        created_by,
        now,
    )
    .await
    .about("calendar feed")?;
    let snapshot = serde_json::json!({
        "id": id, "kind": kind.as_str(), "target_id": target_id, "target": name,
    });
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "calendar_feed.created",
        ("calendar_feed", id),
        None,
        Some(&snapshot),
    )
    .await?;
    tx.commit().await?;
    Ok((id, feed_path(&token)))
}

/// Revokes a feed: its URL answers 404 from now on. Revoking a revoked feed changes nothing.
/// A feed the caller may not manage is reported as not found.
pub async fn revoke_feed(app: &App, caller: &Caller, feed_id: i64) -> Result<Feed, AppError> {
    caller.require(may_have_feeds(caller), "manage calendar feeds")?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let before = repo::get(&mut tx, feed_id).await.about("calendar feed")?;
    if !may_manage(caller, before.kind, before.target_id) {
        return Err(AppError::NotFound("calendar feed"));
    }
    if !repo::revoke(&mut tx, feed_id, now).await? {
        return Ok(before);
    }
    let after = repo::get(&mut tx, feed_id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "calendar_feed.revoked",
        ("calendar_feed", feed_id),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// The feeds of one schedule, newest first, revoked ones included.
pub async fn list_feeds(
    app: &App,
    caller: &Caller,
    kind: FeedKind,
    target_id: i64,
) -> Result<Vec<Feed>, AppError> {
    caller.require(
        may_manage(caller, kind, target_id),
        "see calendar feeds of this schedule",
    )?;
    let mut conn = app.store.read().await?;
    Ok(repo::for_target(&mut conn, kind, target_id).await?)
}

/// The absolute subscription URL of a feed token, under the configured public URL (never a
/// request's Host header, which whoever sends the request chooses).
pub fn feed_url(app: &App, token_path: &str) -> String {
    app.link(token_path)
}

/// The calendar behind a feed token, as `text/calendar`. No caller: the token is the credential.
/// Unknown and revoked tokens are not found, and so is a feed whose creator has since lost the
/// right to see that schedule (archived, or moved to another client or role). Each event links to
/// its session's page under the configured public URL.
pub async fn render_feed(app: &App, token: &str) -> Result<String, AppError> {
    let base_url = Some(app.settings.public_url.as_str());
    const GONE: AppError = AppError::NotFound("calendar feed");
    let token = token.trim();
    if token.is_empty() || token.len() > 200 {
        return Err(GONE);
    }
    let now = now_ms();
    let mut conn = app.store.read().await?;
    let Some(feed) = repo::find_live(&mut conn, &secret_hash(token)).await? else {
        return Err(GONE);
    };
    if let Some(user_id) = feed.created_by {
        let still_allowed = match users::get(&mut conn, user_id).await {
            Ok(u) if u.archived_at.is_none() => {
                may_manage(&Caller::from_user(u, None), feed.kind, feed.target_id)
            }
            Ok(_) | Err(trainyard_store::StoreError::NotFound) => false,
            Err(e) => return Err(e.into()),
        };
        if !still_allowed {
            return Err(GONE);
        }
    }
    let name = repo::target_name(&mut conn, feed.kind, feed.target_id)
        .await?
        .unwrap_or_else(|| format!("{} {}", feed.kind, feed.target_id));
    let parts = repo::parts_for(
        &mut conn,
        feed.kind,
        feed.target_id,
        now - WINDOW_BACK_MS,
        now + WINDOW_AHEAD_MS,
    )
    .await?;
    let events: Vec<EventFields> = parts
        .iter()
        .map(|p| event_of_part(p, feed.kind, feed.target_id, now, base_url))
        .collect();
    Ok(calendar_text(
        &format!("Trainyard — {name}"),
        &format!("The {} schedule of {name} in Trainyard", feed.kind),
        &events,
    ))
}

// ------------------------------------------------------------------ pure formatting

/// An event's STATUS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventState {
    Tentative,
    Confirmed,
    Cancelled,
}

/// Everything one VEVENT says, already decided; [`calendar_text`] only formats it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventFields {
    pub uid: String,
    pub sequence: i64,
    pub state: EventState,
    /// UTC milliseconds.
    pub starts_at: i64,
    pub ends_at: i64,
    /// When this calendar was produced (DTSTAMP).
    pub stamp: i64,
    pub last_modified: Option<i64>,
    pub summary: String,
    pub location: Option<String>,
    pub description: String,
    /// An absolute URL of the event's page.
    pub url: Option<String>,
}

/// The event a feed shows for one session part.
pub fn event_of_part(
    p: &FeedPart,
    kind: FeedKind,
    target_id: i64,
    now: i64,
    base_url: Option<&str>,
) -> EventFields {
    let cancelled = p.part_status == "cancelled" || p.session_status == "cancelled";
    let firm_session = matches!(
        p.session_status.as_str(),
        "confirmed" | "delivered" | "closed"
    );
    let state = if cancelled {
        EventState::Cancelled
    } else if firm_session && p.firm {
        EventState::Confirmed
    } else {
        EventState::Tentative
    };
    let title = p
        .session_title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or(&p.course_title);
    let parts = if p.scheduled_parts > 0 {
        p.scheduled_parts
    } else {
        p.all_parts
    }
    .max(p.position);
    let mut summary = format!("{} {}", p.course_code, title);
    if parts > 1 {
        summary.push_str(&format!(" (part {}/{parts})", p.position));
    }
    if cancelled {
        // Not every client shows STATUS:CANCELLED; the title says it everywhere.
        summary = format!("Cancelled: {summary}");
    }
    let location = match (p.venue_name.as_deref(), p.venue_city.as_deref()) {
        (Some(v), Some(c)) if !c.trim().is_empty() && !v.contains(c.trim()) => {
            Some(format!("{v}, {}", c.trim()))
        }
        (Some(v), _) => Some(v.to_owned()),
        (None, _) if p.delivery_mode == "vilt" => Some("Online".to_owned()),
        (None, _) => None,
    };
    let path = format!("/sessions/{}", p.session_id);
    let link = match base_url {
        Some(b) => format!("{}{path}", b.trim_end_matches('/')),
        None => path,
    };
    let description = format!(
        "Session {} ({})\n{} {}\nDetails: {link}",
        p.reference, p.session_status, p.course_code, p.course_title
    );
    EventFields {
        uid: format!(
            "part-{}-{}-{}@trainyard",
            p.part_id,
            kind.as_str(),
            target_id
        ),
        sequence: p.sequence,
        state,
        starts_at: p.starts_at,
        ends_at: p.ends_at,
        stamp: now,
        last_modified: Some(p.updated_at),
        summary,
        location,
        description,
        url: base_url.map(|_| link),
    }
}

/// TEXT values may hold any character but controls (RFC 5545 §3.3.11); newlines are kept (the
/// formatter escapes them as `\n`), carriage returns and other controls are dropped.
fn clean(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .filter(|c| *c == '\n' || *c == '\t' || !c.is_control())
        .collect()
}

/// A whole VCALENDAR: CRLF line endings, lines folded at 75 octets, TEXT escaped, instants in UTC.
pub fn calendar_text(name: &str, description: &str, events: &[EventFields]) -> String {
    let mut cal = Calendar::empty();
    cal.append_property(Property::new("PRODID", "-//Trainyard//Trainyard//EN"))
        .append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .append_property(Property::new("METHOD", "PUBLISH"))
        .append_property(Property::new("X-WR-CALNAME", clean(name)))
        .append_property(Property::new("X-WR-CALDESC", clean(description)))
        .append_property(
            Property::new("REFRESH-INTERVAL", "PT1H")
                .add_parameter("VALUE", "DURATION")
                .done(),
        )
        .append_property(Property::new("X-PUBLISHED-TTL", "PT1H"));
    for e in events {
        let mut ev = Event::new();
        ev.uid(&clean(&e.uid))
            .add_property("DTSTAMP", utc_stamp(e.stamp))
            .add_property("DTSTART", utc_stamp(e.starts_at))
            .add_property("DTEND", utc_stamp(e.ends_at))
            .add_property("SEQUENCE", e.sequence.max(0).to_string())
            .status(match e.state {
                EventState::Tentative => EventStatus::Tentative,
                EventState::Confirmed => EventStatus::Confirmed,
                EventState::Cancelled => EventStatus::Cancelled,
            })
            .summary(&clean(&e.summary))
            .description(&clean(&e.description))
            .add_property(
                "TRANSP",
                if e.state == EventState::Cancelled {
                    "TRANSPARENT"
                } else {
                    "OPAQUE"
                },
            );
        if let Some(m) = e.last_modified {
            ev.add_property("LAST-MODIFIED", utc_stamp(m));
        }
        if let Some(l) = &e.location {
            ev.location(&clean(l));
        }
        if let Some(u) = &e.url {
            ev.url(&clean(u));
        }
        cal.push(ev.done());
    }
    cal.to_string()
}

/// `20260327T080000Z`: a DATE-TIME in UTC form (whole seconds).
fn utc_stamp(ms: i64) -> String {
    trainyard_core::time::utc(ms)
        .format("%Y%m%dT%H%M%SZ")
        .to_string()
}
