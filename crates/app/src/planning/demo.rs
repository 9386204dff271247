//! Draft sessions with planning windows for the demo company, so the Plan page has work to do.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use trainyard_core::records::{PartFields, SessionFields};
use trainyard_core::status::{DeliveryMode, SessionStatus};
use trainyard_store::planning::{self as repo, PlanningWindow};
use trainyard_store::{Conn, courses, resources, sessions};

use crate::{AppError, Caller};

/// Adds `count` draft sessions spread over the four to ten weeks from `today`, each with a
/// three-week planning window; those at Berlin belong to a program of `client_id`. Returns how
/// many it created.
pub async fn seed_drafts(
    c: &mut Conn,
    system: &Caller,
    now: i64,
    today: NaiveDate,
    venues: &[(i64, &str)],
    client_id: i64,
    count: usize,
) -> Result<usize, AppError> {
    let mut cf = courses::CourseFilter::default();
    cf.list.per_page = 200;
    let course_list: Vec<courses::Course> = courses::list(c, &cf)
        .await?
        .items
        .into_iter()
        .filter(|x| x.delivery_modes.contains(&DeliveryMode::Ilt) && x.duration_days <= 3)
        .collect();
    if course_list.is_empty() || venues.is_empty() {
        return Ok(0);
    }
    let program = repo::insert_program(
        c,
        client_id,
        "Leadership & Excel 2027",
        6_000_000,
        "EUR",
        now,
    )
    .await?;
    // Some courses take one of the mobile projectors, a pool of four.
    let mut pf = resources::ResourceFilter::default();
    pf.list.per_page = 200;
    pf.kind = "equipment".into();
    let projectors = resources::list(c, &pf)
        .await?
        .items
        .into_iter()
        .find(|r| r.code == "PROJ-MOBILE")
        .map(|r| r.id);
    let mut made = 0;
    for k in 0..count {
        let course = &course_list[(k * 7) % course_list.len()];
        let (venue, tz) = venues[k % venues.len().min(2)];
        let mut rf = resources::ResourceFilter::default();
        rf.list.per_page = 200;
        rf.kind = "room".into();
        rf.venue_id = Some(venue);
        let seats = resources::list(c, &rf)
            .await?
            .items
            .iter()
            .filter(|r| {
                course
                    .required_features
                    .iter()
                    .all(|f| r.features.iter().any(|g| g.eq_ignore_ascii_case(f)))
            })
            .map(|r| r.seats)
            .max()
            .unwrap_or(0);
        if seats == 0 {
            continue;
        }
        let earliest = today + Duration::days(28 + (k as i64 % 6) * 7);
        let latest = earliest + Duration::days(20);
        // The placeholder date (replaced when a plan is accepted) is a working day too.
        let mut first = earliest;
        while matches!(first.weekday(), Weekday::Sat | Weekday::Sun) {
            first += Duration::days(1);
        }
        let day = first.format("%Y-%m-%d");
        // The program's sessions are the client's own (private); the others are public.
        let in_program = k % venues.len().min(2) == 0;
        let fields = SessionFields {
            course_id: course.id.to_string(),
            visibility: if in_program { "private" } else { "public" }.into(),
            client_id: if in_program {
                client_id.to_string()
            } else {
                String::new()
            },
            delivery_mode: "ilt".into(),
            venue_id: venue.to_string(),
            capacity: course.max_learners.min(seats).max(1).to_string(),
            time_zone: tz.into(),
            currency: course.list_price.currency.as_str().into(),
            seat_price: course.list_price.amount_string(),
            notes: "Planned by the auto-scheduler: the placeholder date is replaced when a plan is accepted.".into(),
            parts: vec![PartFields {
                starts: format!("{day}T09:00"),
                ends: format!("{day}T17:00"),
            }],
            ..Default::default()
        };
        let input = fields
            .validate()
            .map_err(|e| AppError::refused(format!("demo draft is inconsistent: {e}")))?;
        let id = sessions::insert(c, &input, SessionStatus::Draft, now).await?;
        if in_program {
            repo::set_session_program(c, id, Some(program)).await?;
        }
        let w = PlanningWindow {
            session_id: id,
            earliest_day: earliest.format("%Y-%m-%d").to_string(),
            latest_day: latest.format("%Y-%m-%d").to_string(),
            half_days: false,
            // The client's people only train mid-week; two groups go through the program.
            weekdays: if k % 5 == 1 {
                vec![2, 3, 4]
            } else {
                Vec::new()
            },
            preferred_weekdays: if k % 3 == 0 {
                vec![1, 2, 3]
            } else {
                Vec::new()
            },
            cohort: match k % 4 {
                0 => "Leadership group A".into(),
                2 => "Leadership group B".into(),
                _ => String::new(),
            },
            pool_resource_id: projectors.filter(|_| k % 6 == 5),
        };
        repo::set_window(c, &w, None, now).await?;
        crate::audit::record(
            c,
            system,
            now,
            "session.created",
            ("session", id),
            None,
            Some(&w),
        )
        .await?;
        made += 1;
    }
    Ok(made)
}
