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
