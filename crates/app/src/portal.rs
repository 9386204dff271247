//! What each person sees of their own: the dashboard for staff, "my schedule" for instructors,
//! "my sessions" for learners, "our sessions" for client contacts.

use crate::{App, AppError, Caller, now_ms};
use trainyard_core::Role;
use trainyard_store::assignments::{self, Assignment};
use trainyard_store::enrollments::{self, Enrollment};
use trainyard_store::sessions::{self, Attention, SessionFilter};

const DAY: i64 = 86_400_000;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Dashboard {
    pub by_status_next_90_days: Vec<(String, i64)>,
    pub booked_next_30_days: i64,
    pub capacity_next_30_days: i64,
    pub booked_last_90_days: i64,
    pub capacity_last_90_days: i64,
    pub attention: Vec<Attention>,
    /// Upcoming sessions whose instructor is on time off then.
    pub on_time_off: Vec<assignments::OnLeave>,
    pub upcoming: Vec<sessions::Session>,
}

impl Dashboard {
    /// Fill rate as a whole percentage, over the seats offered.
    pub fn fill_percent(booked: i64, capacity: i64) -> i64 {
        if capacity == 0 {
            0
        } else {
            (booked * 100 + capacity / 2) / capacity
        }
    }
}

pub async fn dashboard(app: &App, caller: &Caller) -> Result<Dashboard, AppError> {
    caller.require_staff("see the operations dashboard")?;
    let now = now_ms();
    let mut conn = app.store.read().await?;
    let (booked_next, cap_next) = sessions::seats_in(&mut conn, now, now + 30 * DAY).await?;
    let (booked_past, cap_past) = sessions::seats_in(&mut conn, now - 90 * DAY, now).await?;
    let mut upcoming_filter = SessionFilter {
        from_ms: Some(now),
        ..Default::default()
    };
    upcoming_filter.list.per_page = 8;
    Ok(Dashboard {
        by_status_next_90_days: sessions::count_by_status(&mut conn, now, now + 90 * DAY).await?,
        booked_next_30_days: booked_next,
        capacity_next_30_days: cap_next,
        booked_last_90_days: booked_past,
        capacity_last_90_days: cap_past,
        attention: sessions::needing_attention(&mut conn, now, now + 21 * DAY).await?,
        on_time_off: assignments::teaching_on_time_off(&mut conn, now).await?,
        upcoming: sessions::list(&mut conn, &upcoming_filter).await?.items,
    })
}

/// An instructor's own upcoming assignments.
pub async fn my_assignments(app: &App, caller: &Caller) -> Result<Vec<Assignment>, AppError> {
    let id = match (caller.role, caller.instructor_id) {
        (Role::Instructor, Some(id)) => id,
        _ => {
            return Err(AppError::Forbidden(
                "see an instructor schedule without an instructor profile".into(),
            ));
        }
    };
    let mut conn = app.store.read().await?;
    Ok(assignments::for_instructor(&mut conn, id, now_ms() - 30 * DAY).await?)
}

/// A learner's own enrollments.
pub async fn my_enrollments(app: &App, caller: &Caller) -> Result<Vec<Enrollment>, AppError> {
    let id = match (caller.role, caller.learner_id) {
        (Role::Learner, Some(id)) => id,
        _ => {
            return Err(AppError::Forbidden(
                "see enrollments without a learner profile".into(),
            ));
        }
    };
    let mut conn = app.store.read().await?;
    Ok(enrollments::for_learner(&mut conn, id).await?)
}

/// One day of a session, in the instructor's own zone.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct WorkDay {
    #[serde(serialize_with = "trainyard_store::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: i64,
    #[serde(serialize_with = "trainyard_store::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: i64,
    /// Start and end as wall times in the instructor's zone, e.g. "2027-05-04 09:00 CEST".
    pub starts_local: String,
    pub ends_local: String,
}

/// Where a session takes place.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct WorkPlace {
    pub name: String,
    pub address: String,
    pub city: String,
    pub country: String,
}

/// A learner on a session the instructor is confirmed for.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct WorkLearner {
    pub name: String,
    pub email: String,
    /// booked, attended, no_show …
    pub status: String,
}

/// One of an instructor's assignments as they need it: what, when (in their zone), where or how
/// to join, and — once confirmed — who comes. The one view the portal and
/// `GET /me/assignments` show.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct MyAssignment {
    pub id: i64,
    pub version: i64,
    pub status: trainyard_core::status::AssignmentStatus,
    /// `lead` or `co`.
    pub role: String,
    pub session_id: i64,
    pub reference: String,
    pub course_title: String,
    /// ilt, vilt or blended.
    pub delivery_mode: String,
    /// The instructor's time zone, in which the local times are given.
    pub time_zone: String,
    pub days: Vec<WorkDay>,
    /// The venue, for sessions in a classroom.
    pub venue: Option<WorkPlace>,
    /// The joining link of a virtual session ("" when there is none yet).
    pub joining_url: String,
    pub joining_notes: String,
    /// Booked learners (and attendance), only once the assignment is confirmed.
    pub learners: Option<Vec<WorkLearner>>,
    /// Why the instructor declined, when they did.
    pub decline_reason: Option<String>,
}

/// An instructor's own assignments (from 30 days back), with venue, joining link, days in their
/// own zone, and the learner list once confirmed.
pub async fn my_work(app: &App, caller: &Caller) -> Result<Vec<MyAssignment>, AppError> {
    let mine = my_assignments(app, caller).await?;
    let tz = trainyard_core::TimeZoneName::parse_or_utc(&caller.time_zone);
    let mut conn = app.store.read().await?;
    let mut out = Vec::with_capacity(mine.len());
    for a in mine {
        let s = sessions::get(&mut conn, a.session_id).await?;
        let parts = sessions::parts(&mut conn, s.id).await?;
        let venue = match s.venue_id {
            Some(v) => {
                let v = trainyard_store::venues::get(&mut conn, v).await?;
                Some(WorkPlace {
                    name: v.name,
                    address: v.address,
                    city: v.city,
                    country: v.country,
                })
            }
            None => None,
        };
        let confirmed = a.status == trainyard_core::status::AssignmentStatus::Confirmed;
        let learners = if confirmed {
            Some(
                enrollments::for_session(&mut conn, s.id)
                    .await?
                    .into_iter()
                    .filter(|e| {
                        !matches!(e.status.as_str(), "requested" | "waitlisted" | "cancelled")
                    })
                    .map(|e| WorkLearner {
                        name: e.learner_name,
                        email: e.learner_email,
                        status: e.status.as_str().to_owned(),
                    })
                    .collect(),
            )
        } else {
            None
        };
        out.push(MyAssignment {
            id: a.id,
            version: a.version,
            status: a.status,
            role: a.role,
            session_id: s.id,
            reference: s.reference,
            course_title: s.title.unwrap_or(s.course_title),
            delivery_mode: s.delivery_mode.as_str().to_owned(),
            time_zone: tz.as_str().to_owned(),
            days: parts
                .iter()
                .filter(|p| p.status == "scheduled")
                .map(|p| WorkDay {
                    starts_at: p.starts_at,
                    ends_at: p.ends_at,
                    starts_local: tz.display(p.starts_at),
                    ends_local: tz.display(p.ends_at),
                })
                .collect(),
            venue,
            joining_url: s.joining_url,
            joining_notes: s.joining_notes,
            learners,
            decline_reason: a.decline_reason,
        });
    }
    Ok(out)
}
