//! Synthetic data for benchmarks: many sessions over a few years, written through the same store
//! functions as the use cases. Deterministic for a given size.

use crate::{App, AppError, Caller, now_ms};
use chrono::Duration;
use serde_json::json;
use trainyard_core::records::{ClientFields, CourseFields, PartFields, SessionFields, VenueFields};
use trainyard_core::status::SessionStatus;
use trainyard_store::{clients, courses, sessions, venues};

const BATCH: usize = 2_000;

/// Adds sessions until the database holds at least `target`; `progress` is told how many exist.
pub async fn seed_sessions(
    app: &App,
    target: usize,
    mut progress: impl FnMut(usize),
) -> Result<usize, AppError> {
    let mut existing = {
        let mut conn = app.store.read().await?;
        sessions::list(&mut conn, &Default::default()).await?.total as usize
    };
    progress(existing);
    if existing >= target {
        return Ok(existing);
    }
    let now = now_ms();
    let system = Caller::system();
    let (course_ids, venue_ids, client_ids) = {
        let mut tx = app.store.write().await?;
        let mut course_ids = Vec::new();
        for i in 0..40 {
            let code = format!("BENCH-{i:02}");
            let fields = CourseFields {
                code: code.clone(),
                title: format!("Benchmark course {i}"),
                duration_days: (1 + i % 3).to_string(),
                hours_per_day: "7".into(),
                delivery_modes: "ilt,vilt".into(),
                min_learners: "4".into(),
                max_learners: "16".into(),
                currency: "EUR".into(),
                list_price: "990".into(),
                ..Default::default()
            };
            match courses::insert(&mut tx, &fields.validate()?, now).await {
                Ok(id) => course_ids.push(id),
                Err(trainyard_store::StoreError::Duplicate(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        if course_ids.is_empty() {
            course_ids = courses::options(&mut tx)
                .await?
                .into_iter()
                .map(|(id, _)| id)
                .collect();
        }
        let mut venue_ids = Vec::new();
        for (i, tz) in ["Europe/Berlin", "Europe/London", "America/New_York"]
            .iter()
            .enumerate()
        {
            let f = VenueFields {
                code: format!("BV{i}"),
                name: format!("Bench venue {i}"),
                city: "City".into(),
                country: "DE".into(),
                time_zone: (*tz).into(),
                ..Default::default()
            };
            if let Ok(id) = venues::insert(&mut tx, &f.validate()?, now).await {
                venue_ids.push((id, *tz));
            }
        }
        if venue_ids.is_empty() {
            venue_ids = venues::options(&mut tx)
                .await?
                .into_iter()
                .map(|(id, _)| (id, "Europe/Berlin"))
                .collect();
        }
        let mut client_ids = Vec::new();
        for i in 0..8 {
            let f = ClientFields {
                code: format!("BC{i}"),
                name: format!("Bench client {i}"),
                billing_email: format!("ap{i}@bench.example"),
                currency: "EUR".into(),
                time_zone: "Europe/Berlin".into(),
                ..Default::default()
            };
            if let Ok(id) = clients::insert(&mut tx, &f.validate()?, now).await {
                client_ids.push(id);
            }
        }
        tx.commit().await?;
        (course_ids, venue_ids, client_ids)
    };
    let start_day = trainyard_core::time::utc(now).date_naive() - Duration::days(365);
    let statuses = [
        SessionStatus::Scheduled,
        SessionStatus::Confirmed,
        SessionStatus::Delivered,
        SessionStatus::Closed,
        SessionStatus::Cancelled,
    ];
    while existing < target {
        let n = BATCH.min(target - existing);
        let mut tx = app.store.write().await?;
        for k in existing..existing + n {
            let day = start_day + Duration::days((k as i64 * 730) / target.max(1) as i64);
            let (venue, tz) = venue_ids[k % venue_ids.len()];
            let private = k % 4 == 0 && !client_ids.is_empty();
            let f = SessionFields {
                course_id: course_ids[k % course_ids.len()].to_string(),
                visibility: if private {
                    "private".into()
                } else {
                    "public".into()
                },
                client_id: if private {
                    client_ids[k % client_ids.len()].to_string()
                } else {
                    String::new()
                },
                delivery_mode: "ilt".into(),
                venue_id: venue.to_string(),
                capacity: "16".into(),
                time_zone: tz.into(),
                currency: "EUR".into(),
                seat_price: "990".into(),
                parts: vec![PartFields {
                    starts: format!("{}T09:00", day.format("%Y-%m-%d")),
                    ends: format!("{}T17:00", day.format("%Y-%m-%d")),
                }],
                ..Default::default()
            };
            let input = match f.validate() {
                Ok(i) => i,
                Err(_) => continue, // a local time that falls in a DST gap: skip it
            };
            sessions::insert(&mut tx, &input, statuses[k % statuses.len()], now).await?;
        }
        crate::audit::record(
            &mut tx,
            &system,
            now,
            "bench.seeded",
            "session",
            0,
            None,
            Some(&json!({ "sessions": n })),
        )
        .await?;
        tx.commit().await?;
        existing += n;
        progress(existing);
    }
    app.store.settle().await?;
    Ok(existing)
}
