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
        let catalog = catalog(&mut tx, now).await?;
        tx.commit().await?;
        catalog
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
            ("session", 0),
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

/// The benchmark's venue zones, by venue code `BV{index}`.
const BENCH_ZONES: [&str; 3] = ["Europe/Berlin", "Europe/London", "America/New_York"];

/// The benchmark's courses, venues (with their zones) and clients: found by their codes, created
/// when missing. Looked up first because a refused insert would end a PostgreSQL transaction.
async fn catalog(
    tx: &mut trainyard_store::Conn,
    now: i64,
) -> Result<(Vec<i64>, Vec<(i64, &'static str)>, Vec<i64>), AppError> {
    let with_code = |options: Vec<(i64, String)>, prefix: &str| -> Vec<(i64, String)> {
        options
            .into_iter()
            .filter(|(_, label)| label.starts_with(prefix))
            .collect()
    };
    let mut course_ids: Vec<i64> = with_code(courses::options(tx).await?, "BENCH-")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    if course_ids.is_empty() {
        for i in 0..40 {
            let fields = CourseFields {
                code: format!("BENCH-{i:02}"),
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
            course_ids.push(courses::insert(&mut *tx, &fields.validate()?, now).await?);
        }
    }
    let mut venue_ids: Vec<(i64, &'static str)> = with_code(venues::options(tx).await?, "BV")
        .into_iter()
        .map(|(id, label)| {
            let index = label[2..].chars().next().and_then(|c| c.to_digit(10));
            let zone = index.and_then(|i| BENCH_ZONES.get(i as usize));
            (id, zone.copied().unwrap_or("Europe/Berlin"))
        })
        .collect();
    if venue_ids.is_empty() {
        for (i, tz) in BENCH_ZONES.iter().enumerate() {
            let f = VenueFields {
                code: format!("BV{i}"),
                name: format!("Bench venue {i}"),
                city: "City".into(),
                country: "DE".into(),
                time_zone: (*tz).into(),
                ..Default::default()
            };
            venue_ids.push((venues::insert(&mut *tx, &f.validate()?, now).await?, *tz));
        }
    }
    let mut client_ids: Vec<i64> = with_code(clients::options(tx).await?, "BC")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    if client_ids.is_empty() {
        for i in 0..8 {
            let f = ClientFields {
                code: format!("BC{i}"),
                name: format!("Bench client {i}"),
                billing_email: format!("ap{i}@bench.example"),
                currency: "EUR".into(),
                time_zone: "Europe/Berlin".into(),
                ..Default::default()
            };
            client_ids.push(clients::insert(&mut *tx, &f.validate()?, now).await?);
        }
    }
    Ok((course_ids, venue_ids, client_ids))
}

/// Fills the month starting `month` with `per_instructor` confirmed one-day sessions for each of
/// `instructors` timeline instructors (created once): the timeline benchmark's data. Idempotent.
pub async fn seed_timeline(
    app: &App,
    instructors: usize,
    per_instructor: usize,
    month: chrono::NaiveDate,
    mut progress: impl FnMut(usize),
) -> Result<usize, AppError> {
    use trainyard_core::records::InstructorFields;
    use trainyard_core::status::AssignmentStatus;
    use trainyard_store::{assignments, instructors as people};
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let (course_ids, venue_ids, _) = catalog(&mut tx, now).await?;
    let mut f = people::InstructorFilter::default();
    f.list.q = "Timeline Instructor".into();
    f.list.per_page = 1;
    let existing = people::list(&mut tx, &f).await?.total as usize;
    if existing >= instructors {
        tx.commit().await?;
        return Ok(existing);
    }
    tx.commit().await?;
    let (venue, tz) = venue_ids.first().copied().unwrap_or((0, "Europe/Berlin"));
    let weekdays: Vec<chrono::NaiveDate> = (0..31)
        .map(|d| month + Duration::days(d))
        .filter(|d| {
            use chrono::Datelike;
            d.month() == month.month() && d.weekday().num_days_from_monday() < 5
        })
        .collect();
    for i in existing..instructors {
        let mut tx = app.store.write().await?;
        let fields = InstructorFields {
            name: format!("Timeline Instructor {i:03}"),
            email: format!("timeline{i}@bench.example"),
            employment_type: "contractor".into(),
            time_zone: tz.into(),
            currency: "EUR".into(),
            day_rate: "700".into(),
            max_days_week: "5".into(),
            max_days_month: "22".into(),
            skills: "bench".into(),
            ..Default::default()
        };
        let instructor = people::insert(&mut tx, &fields.validate()?, now).await?;
        for k in 0..per_instructor.min(weekdays.len()) {
            // Spread over the month's weekdays, shifted per instructor so the columns differ.
            let day = weekdays[(k * weekdays.len() / per_instructor.max(1) + i) % weekdays.len()];
            let f = SessionFields {
                course_id: course_ids[(i + k) % course_ids.len()].to_string(),
                visibility: "public".into(),
                delivery_mode: "ilt".into(),
                venue_id: venue.to_string(),
                capacity: "12".into(),
                time_zone: tz.into(),
                currency: "EUR".into(),
                seat_price: "990".into(),
                parts: vec![PartFields {
                    starts: format!("{}T09:00", day.format("%Y-%m-%d")),
                    ends: format!("{}T17:00", day.format("%Y-%m-%d")),
                }],
                ..Default::default()
            };
            let session =
                sessions::insert(&mut tx, &f.validate()?, SessionStatus::Confirmed, now).await?;
            assignments::insert(
                &mut tx,
                session,
                instructor,
                "lead",
                AssignmentStatus::Confirmed,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        progress(i + 1);
    }
    app.store.settle().await?;
    Ok(instructors)
}

/// Gives the benchmark sessions confirmed instructors and rooms (`instructors` of each), so that
/// conflict checks run against a realistic number of slots. Idempotent.
pub async fn seed_staffing(
    app: &App,
    staff: usize,
    mut progress: impl FnMut(usize, usize),
) -> Result<(), AppError> {
    use trainyard_core::records::{InstructorFields, ResourceFields};
    use trainyard_core::status::{AssignmentStatus, BookingStatus};
    use trainyard_store::{assignments, bookings, instructors, resources};
    let now = now_ms();
    let system = Caller::system();
    let mut conn = app.store.read().await?;
    let mut f = instructors::InstructorFilter::default();
    f.list.per_page = 1;
    if instructors::list(&mut conn, &f).await?.total as usize >= staff {
        return Ok(());
    }
    drop(conn);
    let mut tx = app.store.write().await?;
    let venue = venues::options(&mut tx).await?.first().map(|(id, _)| *id);
    let mut inst_ids = Vec::new();
    let mut room_ids = Vec::new();
    for i in 0..staff {
        let f = InstructorFields {
            name: format!("Bench Instructor {i:03}"),
            email: format!("instructor{i}@bench.example"),
            employment_type: "staff".into(),
            time_zone: "Europe/Berlin".into(),
            currency: "EUR".into(),
            day_rate: format!("{}", 600 + i % 7 * 50),
            max_days_week: "5".into(),
            max_days_month: "22".into(),
            skills: "bench".into(),
            ..Default::default()
        };
        inst_ids.push(instructors::insert(&mut tx, &f.validate()?, now).await?);
        let r = ResourceFields {
            kind: "room".into(),
            code: format!("BROOM-{i:03}"),
            name: format!("Bench room {i:03}"),
            venue_id: venue.map(|v| v.to_string()).unwrap_or_default(),
            seats: "20".into(),
            features: "projector".into(),
            ..Default::default()
        };
        room_ids.push(resources::insert(&mut tx, &r.validate()?, now).await?);
    }
    tx.commit().await?;
    let total = {
        let mut conn = app.store.read().await?;
        sessions::list(&mut conn, &Default::default()).await?.total as usize
    };
    let mut done = 0;
    let mut after_id = 0i64;
    let mut last_end: std::collections::HashMap<i64, i64> = std::collections::HashMap::new();
    loop {
        let mut tx = app.store.write().await?;
        let ids = sessions::ids_after(&mut tx, after_id, 2_000).await?;
        if ids.is_empty() {
            break;
        }
        for (k, sid) in ids.iter().enumerate() {
            let n = done + k;
            let parts = sessions::parts(&mut tx, *sid).await?;
            let inst = inst_ids[n % staff];
            let slots: Vec<(i64, i64, i64)> = parts
                .iter()
                .map(|p| (p.id, p.starts_at, p.ends_at))
                .collect();
            // Sessions come in date order: staff one only if it starts after the instructor's last.
            let first = slots.iter().map(|s| s.1).min().unwrap_or(0);
            let free = last_end.get(&inst).is_none_or(|end| *end <= first);
            if free {
                // A fast path, but through the one store function that writes the slots with
                // the confirmed status (`assignments::insert` → `set_status`).
                assignments::insert(
                    &mut tx,
                    *sid,
                    inst,
                    "lead",
                    AssignmentStatus::Confirmed,
                    now,
                )
                .await?;
                last_end.insert(inst, slots.iter().map(|s| s.2).max().unwrap_or(first));
            }
            let room = room_ids[n % staff];
            for p in &parts {
                bookings::insert(
                    &mut tx,
                    p.id,
                    room,
                    1,
                    BookingStatus::Tentative,
                    (p.starts_at, p.ends_at),
                    now,
                )
                .await?;
            }
        }
        done += ids.len();
        after_id = *ids.last().unwrap_or(&after_id);
        crate::audit::record(
            &mut tx,
            &system,
            now,
            "bench.staffed",
            ("session", 0),
            None,
            Some(&json!({ "sessions": ids.len() })),
        )
        .await?;
        tx.commit().await?;
        progress(done, total);
    }
    app.store.settle().await?;
    Ok(())
}

/// A month to bill: `clients` clients (`BI0000`…) with `per_client` learners each, enrolled in
/// one-day public sessions of last month (20 learners a session), not yet invoiced. Returns the
/// month. Written through the store functions the use cases use; run it on a fresh database.
pub async fn seed_invoice_month(
    app: &App,
    clients: usize,
    per_client: usize,
    mut progress: impl FnMut(usize),
) -> Result<String, AppError> {
    use trainyard_core::money::{Currency, Money};
    use trainyard_core::records::LearnerFields;
    use trainyard_core::status::EnrollmentStatus;
    use trainyard_store::enrollments::{self, NewEnrollment};
    use trainyard_store::learners;

    let now = now_ms();
    let today = trainyard_core::time::utc(now).date_naive();
    let first = chrono::Datelike::with_day(&today, 1)
        .and_then(|d| d.checked_sub_months(chrono::Months::new(1)))
        .ok_or_else(|| AppError::refused("no last month".into()))?;
    let (course_ids, venue_ids, _) = {
        let mut tx = app.store.write().await?;
        let catalog = catalog(&mut tx, now).await?;
        tx.commit().await?;
        catalog
    };
    let eur = Currency::parse("EUR").map_err(|e| AppError::refused(e.to_string()))?;
    let learners_total = clients * per_client;
    let mut session: Option<i64> = None;
    let mut seated = 0;
    for c in 0..clients {
        let mut tx = app.store.write().await?;
        let f = ClientFields {
            code: format!("BI{c:04}"),
            name: format!("Invoice bench client {c}"),
            billing_email: format!("ap{c}@invoice-bench.example"),
            currency: "EUR".into(),
            time_zone: "Europe/Berlin".into(),
            ..Default::default()
        };
        let client = clients::insert(&mut tx, &f.validate()?, now).await?;
        for l in 0..per_client {
            if session.is_none() || seated == 20 {
                let k = c * per_client + l;
                let day = first + Duration::days(((k * 27) / learners_total.max(1)) as i64);
                let (venue, tz) = venue_ids[k % venue_ids.len()];
                let f = SessionFields {
                    course_id: course_ids[k % course_ids.len()].to_string(),
                    visibility: "public".into(),
                    delivery_mode: "ilt".into(),
                    venue_id: venue.to_string(),
                    capacity: "20".into(),
                    time_zone: tz.into(),
                    currency: "EUR".into(),
                    seat_price: "990".into(),
                    parts: vec![PartFields {
                        starts: format!("{}T09:00", day.format("%Y-%m-%d")),
                        ends: format!("{}T17:00", day.format("%Y-%m-%d")),
                    }],
                    ..Default::default()
                };
                session = Some(
                    sessions::insert(&mut tx, &f.validate()?, SessionStatus::Delivered, now)
                        .await?,
                );
                seated = 0;
            }
            let Some(session_id) = session else { continue };
            let learner = learners::insert(
                &mut tx,
                &LearnerFields {
                    first_name: format!("Learner{l}"),
                    last_name: format!("Client{c}"),
                    email: format!("l{l}.c{c}@invoice-bench.example"),
                    client_id: client.to_string(),
                    time_zone: "Europe/Berlin".into(),
                    ..Default::default()
                }
                .validate()?,
                now,
            )
            .await?;
            enrollments::insert(
                &mut tx,
                &NewEnrollment {
                    session_id,
                    learner_id: learner,
                    status: EnrollmentStatus::Attended,
                    waitlist_position: None,
                    price: Money::new(99_000, eur),
                    enrolled_by: None,
                },
                now,
            )
            .await?;
            enrollments::recount(&mut tx, session_id).await?;
            seated += 1;
        }
        tx.commit().await?;
        progress(c + 1);
    }
    app.store.settle().await?;
    Ok(first.format("%Y-%m").to_string())
}

/// Adds benchmark certificates until there are `target` in all (one learner and course, codes
/// `B00000000001`…), in batches of one statement each; returns how many there are.
pub async fn seed_certificates(
    app: &App,
    target: usize,
    mut progress: impl FnMut(usize),
) -> Result<usize, AppError> {
    use trainyard_store::certificates as certs;
    let mut existing = {
        let mut conn = app.store.read().await?;
        certs::count(&mut conn).await? as usize
    };
    progress(existing);
    if existing >= target {
        return Ok(existing);
    }
    let now = now_ms();
    let (course_id, learner_id) = {
        let mut tx = app.store.write().await?;
        let (course_ids, _, _) = catalog(&mut tx, now).await?;
        let learner = trainyard_core::records::LearnerFields {
            first_name: "Bench".into(),
            last_name: "Learner".into(),
            email: format!("bench-learner-{now}@bench.example"),
            time_zone: "UTC".into(),
            ..Default::default()
        }
        .validate()?;
        let learner_id = trainyard_store::learners::insert(&mut tx, &learner, now).await?;
        tx.commit().await?;
        (course_ids[0], learner_id)
    };
    while existing < target {
        let n = 50_000.min(target - existing);
        let mut tx = app.store.write().await?;
        certs::seed_bench(
            &mut tx,
            app.store.backend(),
            existing as i64 + 1,
            n as i64,
            learner_id,
            course_id,
            now,
        )
        .await?;
        tx.commit().await?;
        existing += n;
        progress(existing);
    }
    app.store.settle().await?;
    Ok(existing)
}

/// The year's compliance requirements, so the compliance dashboard has checklists to read: a
/// signed attendance sheet two days after each private session of a benchmark client, and per
/// course either certificates issued within two weeks (every fourth course) or a manual review of
/// the feedback within a week.
async fn year_requirements(
    tx: &mut trainyard_store::Conn,
    courses: &[i64],
    clients: &[i64],
    now: i64,
) -> Result<(), AppError> {
    use trainyard_core::compliance::{RequirementInput, RequirementKind};
    let mut all = Vec::new();
    for &c in clients {
        all.push(RequirementInput {
            client_id: Some(c),
            course_id: None,
            kind: RequirementKind::Document,
            name: "Signed attendance sheet".into(),
            deadline_hours: 48,
            parameter: "Signed attendance sheet".into(),
        });
    }
    for (n, &c) in courses.iter().enumerate() {
        let (kind, name, hours) = if n % 4 == 0 {
            (
                RequirementKind::CertificatesIssued,
                "Certificates issued",
                336,
            )
        } else {
            (RequirementKind::Manual, "Feedback reviewed", 168)
        };
        all.push(RequirementInput {
            client_id: None,
            course_id: Some(c),
            kind,
            name: name.into(),
            deadline_hours: hours,
            parameter: String::new(),
        });
    }
    for r in &all {
        trainyard_store::compliance::insert_requirement(tx, r, now).await?;
    }
    Ok(())
}

/// What `trainyard bench year` makes: sessions over the last 365 days (and a little beyond), each
/// with `enrollments_per_session` learners and a confirmed lead instructor.
#[derive(Debug, Clone, Copy)]
pub struct YearSize {
    pub sessions: i64,
    pub enrollments_per_session: i64,
    pub instructors: i64,
    pub learners: i64,
}

/// Sessions written per transaction (and per step of the progress bar).
const YEAR_CHUNK: i64 = 5_000;

/// Fills the year the reporting and profitability benchmarks read, unless it is there already;
/// `progress(done, total)` counts sessions. Returns the first day of the year (UTC).
pub async fn seed_year(
    app: &App,
    size: YearSize,
    mut progress: impl FnMut(i64, i64),
) -> Result<chrono::NaiveDate, AppError> {
    use trainyard_store::bench_year::{self, YearShape};
    let now = now_ms();
    let today = trainyard_core::time::utc(now).date_naive();
    // The year ends a month from now, so it has upcoming sessions as well as delivered ones.
    let from = today - Duration::days(335);
    let from_ms = from
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_millis())
        .unwrap_or(now);
    let shape = YearShape {
        sessions: size.sessions,
        enrollments_per_session: size.enrollments_per_session.clamp(1, 16),
        instructors: size.instructors.max(1),
        learners: size.learners.max(size.enrollments_per_session.max(16)),
        from_ms,
        now_ms: now,
    };
    let existing = {
        let mut conn = app.store.read().await?;
        bench_year::existing_sessions(&mut conn).await?
    };
    if existing >= size.sessions {
        progress(existing, size.sessions);
        return Ok(from);
    }
    if existing > 0 {
        return Err(AppError::refused(format!(
            "this database holds part of a benchmark year ({existing} of {} sessions): use a fresh one",
            size.sessions
        )));
    }
    let (first_instructor, first_learner) = {
        let mut tx = app.store.write().await?;
        let (courses, _, clients) = catalog(&mut tx, now).await?;
        year_requirements(&mut tx, &courses, &clients, now).await?;
        let i = bench_year::instructors(&mut tx, &shape, now).await?;
        let l = bench_year::learners(&mut tx, &shape, now).await?;
        tx.commit().await?;
        (i, l)
    };
    let mut done = 0;
    progress(done, size.sessions);
    while done < size.sessions {
        let n = YEAR_CHUNK.min(size.sessions - done);
        let mut tx = app.store.write().await?;
        bench_year::sessions(
            &mut tx,
            &shape,
            (done, n),
            first_instructor,
            first_learner,
            now,
        )
        .await?;
        // The checklists, as the sessions' writes and the dashboard would have kept them.
        crate::compliance::sync_in(&mut tx, None, now).await?;
        tx.commit().await?;
        done += n;
        progress(done, size.sessions);
    }
    let mut tx = app.store.write().await?;
    bench_year::analyze(&mut tx).await?;
    tx.commit().await?;
    Ok(from)
}
