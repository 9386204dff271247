//! Four hundred sessions from six months back to three months ahead, each created as a scheduled
//! session, staffed (see `staffing`), then moved to where its life has got to by today.

use super::sites::Sites;
use super::{Seed, bad};
use crate::AppError;
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde_json::json;
use trainyard_core::records::{CourseInput, PartFields, SessionFields, SessionInput};
use trainyard_core::status::{DeliveryMode, SessionEvent, SessionStatus, StatusReason};
use trainyard_store::{Conn, sessions};

/// One demo session: what was decided about it and where it should end up.
pub(super) struct Planned {
    pub id: i64,
    pub k: usize,
    pub course_index: usize,
    pub input: SessionInput,
    pub mode: DeliveryMode,
    pub venue_index: usize,
    pub private: bool,
    pub client: Option<usize>,
    pub capacity: i64,
    /// The status it has reached by today; it is created `scheduled` (or `draft`) and moved there
    /// after staffing, as a coordinator would have done over the months.
    pub status: SessionStatus,
    pub past: bool,
}

impl Planned {
    /// Staffed: instructors and rooms were found for it while it was scheduled.
    pub fn staffed(&self) -> bool {
        self.status != SessionStatus::Draft
    }
}

/// Scheduled sessions of the demo, besides the planner's drafts (`planning::demo`): 400 in all.
pub(super) const COUNT: usize = 370;

/// Whether the company trains that day: weekdays only, and not over Christmas and New Year.
pub(super) fn is_working_day(day: NaiveDate) -> bool {
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
        && !matches!((day.month(), day.day()), (1, 1) | (12, 24..=26) | (12, 31))
}

/// The first working day from `day` on: sessions start on one and their parts skip the others.
fn next_weekday(mut day: NaiveDate) -> NaiveDate {
    while !is_working_day(day) {
        day += Duration::days(1);
    }
    day
}

/// Creates session `k` of `COUNT` (as `scheduled`, or `draft` if it stays one).
pub(super) async fn create(
    c: &mut Conn,
    s: &mut Seed,
    k: usize,
    sites: &Sites,
    course_rows: &[(i64, CourseInput)],
    client_ids: &[(i64, &'static str)],
) -> Result<Planned, AppError> {
    let today = s.today;
    let first_day = today - Duration::days(182);
    let day = next_weekday(first_day + Duration::days((k as i64 * 273) / COUNT as i64));
    let course_index = s.dice.below(course_rows.len());
    let (course_id, course) = &course_rows[course_index];
    let mode = *s.dice.pick(&course.delivery_modes);
    let mut part_days = Vec::new();
    let mut cur = day;
    while (part_days.len() as i64) < course.duration_days {
        cur = next_weekday(cur);
        part_days.push(cur);
        cur += Duration::days(1);
    }
    let last_day = *part_days.last().unwrap_or(&day);
    let venue_index = s.dice.below(sites.venues.len());
    let tz_name = if mode == DeliveryMode::Vilt {
        "Europe/Berlin"
    } else {
        sites.venues[venue_index].1
    };
    let private = s.dice.chance(30);
    let client = private.then(|| s.dice.below(client_ids.len()));
    let capacity = course.max_learners;
    let fields = SessionFields {
        course_id: course_id.to_string(),
        title: String::new(),
        visibility: if private {
            "private".into()
        } else {
            "public".into()
        },
        client_id: client
            .map(|ci| client_ids[ci].0.to_string())
            .unwrap_or_default(),
        program_id: String::new(),
        delivery_mode: mode.as_str().into(),
        venue_id: if mode == DeliveryMode::Vilt {
            String::new()
        } else {
            sites.venues[venue_index].0.to_string()
        },
        capacity: capacity.to_string(),
        time_zone: tz_name.into(),
        currency: "EUR".into(),
        seat_price: course.list_price.amount_string(),
        notes: String::new(),
        joining_url: if mode == DeliveryMode::Vilt {
            format!(
                "https://meet.example.com/{}-{k:03}",
                course.code.to_lowercase()
            )
        } else {
            String::new()
        },
        // The German client's sessions and every third course are taught in German.
        delivery_language: if client == Some(2) || course_id % 3 == 0 {
            "de".into()
        } else {
            "en".into()
        },
        joining_notes: if mode == DeliveryMode::Vilt {
            "Join five minutes early to test your camera and microphone.".into()
        } else {
            "Please report to reception on arrival and bring photo ID.".into()
        },
        parts: part_days
            .iter()
            .map(|pd| PartFields {
                starts: format!("{}T09:00", pd.format("%Y-%m-%d")),
                ends: format!(
                    "{}T{:02}:00",
                    pd.format("%Y-%m-%d"),
                    9 + course.hours_per_day + 1
                ),
            })
            .collect(),
    };
    let input = fields.validate().map_err(bad)?;
    let past = last_day < today;
    let status = if past {
        if s.dice.chance(6) {
            SessionStatus::Cancelled
        } else if last_day < today - Duration::days(30) {
            SessionStatus::Closed
        } else {
            SessionStatus::Delivered
        }
    } else if day < today + Duration::days(21) {
        if s.dice.chance(4) {
            SessionStatus::Postponed
        } else {
            SessionStatus::Confirmed
        }
    } else if s.dice.chance(10) {
        SessionStatus::Draft
    } else {
        SessionStatus::Scheduled
    };
    let initial = if status == SessionStatus::Draft {
        SessionStatus::Draft
    } else {
        SessionStatus::Scheduled
    };
    let id = sessions::insert(c, &input, initial, s.now).await?;
    s.created(
        c,
        "session",
        id,
        json!({ "course": course.code, "status": initial.as_str(), "starts": trainyard_core::time::rfc3339(input.parts[0].start_ms) }),
    )
    .await?;
    Ok(Planned {
        id,
        k,
        course_index,
        input,
        mode,
        venue_index,
        private,
        client,
        capacity,
        status,
        past,
    })
}

/// Moves the session from `scheduled` to the status it has reached by today, through the store
/// function the status use case uses (which frees the slots of a cancelled or postponed session).
pub(super) async fn finish(c: &mut Conn, s: &mut Seed, p: &Planned) -> Result<(), AppError> {
    let before = sessions::get(c, p.id).await?;
    if before.status == p.status {
        return Ok(());
    }
    sessions::set_status(c, p.id, before.version, p.status, s.now).await?;
    // Cancellations and postponements carry a reason, as the status use case requires of users.
    let event = match p.status {
        SessionStatus::Cancelled => Some(SessionEvent::Cancel),
        SessionStatus::Postponed => Some(SessionEvent::Postpone),
        _ => None,
    };
    if let Some(event) = event {
        const REASONS: [(StatusReason, &str); 4] = [
            (StatusReason::LowEnrollment, ""),
            (StatusReason::ClientRequest, ""),
            (StatusReason::InstructorUnavailable, ""),
            (StatusReason::Venue, ""),
        ];
        let (reason, note) = REASONS[(p.id as usize) % REASONS.len()];
        sessions::set_status_reason(c, p.id, event, Some((reason, note)), None, s.now).await?;
    }
    let after = sessions::get(c, p.id).await?;
    if p.status == SessionStatus::Cancelled {
        // As a user's cancellation does: its instructors and rooms are released (and told).
        crate::schedule::sessions::cancelled(&s.app, c, &s.system, &after, s.now).await?;
    }
    crate::audit::record(
        c,
        &s.system,
        s.now,
        &format!("session.{}", p.status.as_str()),
        ("session", p.id),
        Some(&before),
        Some(&after),
    )
    .await
}
