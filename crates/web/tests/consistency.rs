//! The scheduling invariants hold for every writer: the demo seeder goes through the staffing use
//! cases and passes the consistency check (`trainyard doctor`); the check finds what a writer
//! going around the store functions would leave behind; the database refuses a busy assignment
//! without its slots; and skills match whatever their spelling. On SQLite and PostgreSQL.

use crate::common::{Api, TestApp, course_body, venue_body};
use reqwest::StatusCode;
use serde_json::{Value, json};
use trainyard_core::Role;
use trainyard_store::Backend;

both_backends!(
    the_demo_company_passes_the_consistency_check,
    the_check_finds_busy_assignments_without_slots_and_overlaps,
    a_busy_assignment_without_slots_is_refused_by_the_database,
    a_course_requiring_lead_finds_instructors_qualified_lead_in_any_case,
);

async fn count(t: &TestApp, sql: &'static str) -> i64 {
    sqlx::Row::get(
        &sqlx::query(sql)
            .fetch_one(t.app.store.pool())
            .await
            .unwrap(),
        "n",
    )
}

async fn exec(t: &TestApp, sql: &'static str, id: i64) -> Result<u64, sqlx::Error> {
    sqlx::query(sql)
        .bind(id)
        .execute(t.app.store.pool())
        .await
        .map(|r| r.rows_affected())
}

async fn doctor(t: &TestApp) -> Vec<trainyard_app::doctor::Finding> {
    trainyard_app::doctor::check(&t.app, &t.system())
        .await
        .unwrap()
}

async fn the_demo_company_passes_the_consistency_check(t: &TestApp) {
    let report = trainyard_app::demo::seed(&t.app).await.unwrap();
    assert!(report.created, "{}", report.summary);
    let findings = doctor(t).await;
    assert!(findings.is_empty(), "{findings:#?}");
    // The demo does staff its sessions, and every busy assignment holds its slots.
    let busy = count(
        t,
        "SELECT count(*) AS n FROM assignments WHERE status IN ('accepted', 'confirmed')",
    )
    .await;
    assert!(busy > 200, "{busy} busy assignments");
    assert!(count(t, "SELECT count(*) AS n FROM instructor_slots").await > busy);
    assert!(count(t, "SELECT count(*) AS n FROM unit_slots").await > 100);
    // Nobody teaches during their own time off.
    let on_leave = count(
        t,
        "SELECT count(*) AS n FROM instructor_slots sl JOIN instructor_time_off o ON o.instructor_id = sl.instructor_id \
         WHERE o.starts_at < sl.ends_at AND sl.starts_at < o.ends_at",
    )
    .await;
    assert_eq!(on_leave, 0, "instructors teaching on their time off");
    // Like a real company's: 400 sessions (and the accepted demo quote's 4 draft sessions), none
    // on a weekend or on New Year's Day, and programs made of their client's private sessions.
    assert_eq!(count(t, "SELECT count(*) AS n FROM sessions").await, 404);
    // The use cases queued their e-mails; the demo's made-up people are never mailed.
    assert!(count(t, "SELECT count(*) AS n FROM outbox").await > 100);
    assert_eq!(
        count(
            t,
            "SELECT count(*) AS n FROM outbox WHERE status = 'pending'"
        )
        .await,
        0
    );
    let parts = sqlx::query(
        "SELECT p.starts_at, s.time_zone FROM session_parts p JOIN sessions s ON s.id = p.session_id",
    )
    .fetch_all(t.app.store.pool())
    .await
    .unwrap();
    for r in &parts {
        use chrono::Datelike;
        let starts: i64 = sqlx::Row::get(r, "starts_at");
        let zone: String = sqlx::Row::get(r, "time_zone");
        let day = trainyard_core::TimeZoneName::parse(&zone)
            .unwrap()
            .local(starts)
            .date_naive();
        assert!(
            !matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun)
                && (day.month(), day.day()) != (1, 1),
            "a session part on {day}"
        );
    }
    assert_eq!(
        count(
            t,
            "SELECT count(*) AS n FROM sessions WHERE program_id IS NOT NULL AND (visibility <> 'private' OR client_id IS NULL)"
        )
        .await,
        0,
        "programs hold only their client's private sessions"
    );
    // The trail the seeder wrote is intact.
    trainyard_app::history::verify(&t.app, &t.system())
        .await
        .unwrap();
}

struct World {
    api: Api,
    instructor: i64,
    course: i64,
    venue: i64,
}

async fn world(t: &TestApp) -> World {
    let api = t.api_as(Role::Coordinator, None).await;
    let venue = api
        .create("/venues", &venue_body("BER", "Europe/Berlin"))
        .await["id"]
        .as_i64()
        .unwrap();
    let mut course = course_body("XL");
    course["required_skill"] = json!("excel");
    let course = api.create("/courses", &course).await["id"]
        .as_i64()
        .unwrap();
    let instructor = api
        .create("/instructors", &json!({
            "name": "Anna Berg", "email": "anna@example.com", "employment_type": "staff", "home_venue_id": venue,
            "time_zone": "Europe/Berlin", "currency": "EUR", "max_days_week": 5, "max_days_month": 20, "skills": ["excel"]
        }))
        .await["id"]
        .as_i64()
        .unwrap();
    World {
        api,
        instructor,
        course,
        venue,
    }
}

async fn session(w: &World, course: i64, starts: &str, ends: &str) -> i64 {
    w.api
        .create(
            "/sessions",
            &json!({
                "course_id": course, "visibility": "public", "delivery_mode": "ilt", "venue_id": w.venue,
                "capacity": 10, "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" },
                "parts": [{ "starts": starts, "ends": ends }]
            }),
        )
        .await["id"]
        .as_i64()
        .unwrap()
}

/// Proposes the instructor and takes the assignment through `events`; returns its id.
async fn assign(w: &World, session: i64, events: &[&str]) -> i64 {
    let a = w
        .api
        .create(
            &format!("/sessions/{session}/assignments"),
            &json!({ "instructor_id": w.instructor }),
        )
        .await;
    let id = a["id"].as_i64().unwrap();
    let mut v = a["version"].clone();
    for event in events {
        let r = w
            .api
            .post(
                &format!("/assignments/{id}/actions"),
                &json!({ "event": event, "version": v }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{event}: {}", r.body);
        v = r.body["version"].clone();
    }
    id
}

const CONFIRM: [&str; 3] = ["request", "accept", "confirm"];

async fn the_check_finds_busy_assignments_without_slots_and_overlaps(t: &TestApp) {
    let w = world(t).await;
    let a = session(&w, w.course, "2027-05-04T09:00", "2027-05-04T12:00").await;
    let b = session(&w, w.course, "2027-05-05T09:00", "2027-05-05T12:00").await;
    let c = session(&w, w.course, "2027-05-06T09:00", "2027-05-06T12:00").await;
    let on_a = assign(&w, a, &CONFIRM).await;
    let on_b = assign(&w, b, &CONFIRM).await;
    let on_c = assign(&w, c, &["request", "accept"]).await;
    assert!(doctor(t).await.is_empty(), "{:#?}", doctor(t).await);
    assert_eq!(
        count(t, "SELECT count(*) AS n FROM instructor_slots").await,
        3,
        "accepted and confirmed assignments hold their slots"
    );

    // A writer that went around the store: A's slots gone.
    exec(
        t,
        "DELETE FROM instructor_slots WHERE assignment_id = $1",
        on_a,
    )
    .await
    .unwrap();
    // And C moved onto B's morning, slots and all (PostgreSQL's exclusion constraint would refuse
    // the slot update, so it goes first — as on a database restored without its constraints).
    if t.app.store.backend() == Backend::Postgres {
        sqlx::query("ALTER TABLE instructor_slots DROP CONSTRAINT instructor_slots_no_overlap")
            .execute(t.app.store.pool())
            .await
            .unwrap();
    }
    for sql in [
        "UPDATE session_parts SET starts_at = starts_at - 86400000, ends_at = ends_at - 86400000 WHERE session_id = $1",
        "UPDATE instructor_slots SET starts_at = starts_at - 86400000, ends_at = ends_at - 86400000 WHERE assignment_id IN (SELECT id FROM assignments WHERE session_id = $1)",
    ] {
        assert_eq!(exec(t, sql, c).await.unwrap(), 1);
    }

    let findings = doctor(t).await;
    let of = |check: &str| -> Vec<String> {
        findings
            .iter()
            .filter(|f| f.check == check)
            .map(|f| f.message.clone())
            .collect()
    };
    let missing = of("assignment_without_slot");
    assert_eq!(missing.len(), 1, "{findings:#?}");
    assert!(
        missing[0].starts_with(&format!(
            "Assignment {on_a} (Anna Berg on S-00001, confirmed)"
        )),
        "{}",
        missing[0]
    );
    let double = of("instructor_double_booked");
    assert_eq!(double.len(), 1, "{findings:#?}");
    assert!(
        double[0].contains(&format!("(assignment {on_b})"))
            && double[0].contains(&format!("(assignment {on_c})")),
        "{}",
        double[0]
    );
    assert_eq!(of("instructor_slots_overlap").len(), 1, "{findings:#?}");
    assert_eq!(findings.len(), 3, "{findings:#?}");
}

async fn a_busy_assignment_without_slots_is_refused_by_the_database(t: &TestApp) {
    let w = world(t).await;
    let a = session(&w, w.course, "2027-05-04T09:00", "2027-05-04T12:00").await;
    let proposed = assign(&w, a, &["request"]).await;
    for status in ["accepted", "confirmed"] {
        let sql = if status == "accepted" {
            "UPDATE assignments SET status = 'accepted' WHERE id = $1"
        } else {
            "UPDATE assignments SET status = 'confirmed' WHERE id = $1"
        };
        let err = exec(t, sql, proposed).await.unwrap_err();
        assert!(
            matches!(
                trainyard_store::StoreError::from(err),
                trainyard_store::StoreError::SlotsMissing(_)
            ),
            "{status}"
        );
    }
    // Inserting a confirmed assignment directly is refused too; through the store it holds slots.
    let err = exec(
        t,
        "INSERT INTO assignments (session_id, instructor_id, role, status, created_at, updated_at) \
         SELECT $1, instructor_id, 'co', 'confirmed', 0, 0 FROM assignments LIMIT 1",
        a,
    )
    .await
    .unwrap_err();
    assert!(matches!(
        trainyard_store::StoreError::from(err),
        trainyard_store::StoreError::SlotsMissing(_)
    ));
    // A confirmed room booking without its slot is refused as well.
    let room = w
        .api
        .create("/resources", &json!({ "kind": "room", "code": "SPREE", "name": "Spree", "venue_id": w.venue, "seats": 12, "features": ["projector"] }))
        .await["id"]
        .as_i64()
        .unwrap();
    let r = w
        .api
        .post(
            &format!("/sessions/{a}/bookings"),
            &json!({ "resource_id": room }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let booking = r.body[0]["id"].as_i64().unwrap();
    let err = exec(
        t,
        "UPDATE bookings SET status = 'confirmed' WHERE id = $1",
        booking,
    )
    .await
    .unwrap_err();
    assert!(matches!(
        trainyard_store::StoreError::from(err),
        trainyard_store::StoreError::SlotsMissing(_)
    ));
    // Through the use case it is confirmed with its slot, and nothing is out of line.
    let r = w
        .api
        .post(&format!("/sessions/{a}/bookings/{room}"), &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(doctor(t).await.is_empty(), "{:#?}", doctor(t).await);
}

fn eligible(candidates: &Value, id: i64) -> bool {
    let c = candidates["instructors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("instructor {id} not among {candidates}"));
    c["excluded_because"].as_array().unwrap().is_empty() && !c["rank"].is_null()
}

async fn a_course_requiring_lead_finds_instructors_qualified_lead_in_any_case(t: &TestApp) {
    let w = world(t).await;
    let mut course = course_body("LEAD-1");
    course["required_skill"] = json!(" LEAD ");
    let course = w.api.create("/courses", &course).await;
    assert_eq!(
        course["required_skill"], "lead",
        "stored in its one spelling"
    );
    let course = course["id"].as_i64().unwrap();
    // One instructor has the skill (typed in capitals), one a qualification for it.
    let by_skill = w
        .api
        .create("/instructors", &json!({
            "name": "Lars Lead", "email": "lars@example.com", "employment_type": "staff", "home_venue_id": w.venue,
            "time_zone": "Europe/Berlin", "currency": "EUR", "max_days_week": 5, "max_days_month": 20, "skills": ["LEAD", "Excel"]
        }))
        .await;
    assert_eq!(by_skill["skills"], json!(["excel", "lead"]));
    let by_skill = by_skill["id"].as_i64().unwrap();
    let by_qualification = w
        .api
        .create("/instructors", &json!({
            "name": "Quinn Qualified", "email": "quinn@example.com", "employment_type": "staff", "home_venue_id": w.venue,
            "time_zone": "Europe/Berlin", "currency": "EUR", "max_days_week": 5, "max_days_month": 20
        }))
        .await["id"]
        .as_i64()
        .unwrap();
    let q = w
        .api
        .post(
            &format!("/instructors/{by_qualification}/qualifications"),
            &json!({ "skill": "Lead", "valid_from": "2026-01-01" }),
        )
        .await;
    assert_eq!(q.status, StatusCode::CREATED, "{}", q.body);
    assert_eq!(q.body["skill"], "lead");
    let s = session(&w, course, "2027-05-04T09:00", "2027-05-04T12:00").await;
    let found = w.api.get(&format!("/sessions/{s}/candidates")).await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    assert!(eligible(&found.body, by_skill), "{}", found.body);
    assert!(eligible(&found.body, by_qualification), "{}", found.body);
    assert!(
        !eligible(&found.body, w.instructor),
        "Anna teaches Excel, not leadership: {}",
        found.body
    );

    // Rows saved before skills were normalised (as typed, in capitals) still match.
    for sql in [
        "UPDATE courses SET required_skill = 'LEAD' WHERE id = $1",
        "UPDATE instructor_qualifications SET skill = 'LEAD' WHERE instructor_id = $1",
    ] {
        let id = if sql.contains("courses") {
            course
        } else {
            by_qualification
        };
        assert_eq!(exec(t, sql, id).await.unwrap(), 1);
    }
    let found = w.api.get(&format!("/sessions/{s}/candidates")).await;
    assert!(eligible(&found.body, by_qualification), "{}", found.body);
    assert!(eligible(&found.body, by_skill), "{}", found.body);
}
