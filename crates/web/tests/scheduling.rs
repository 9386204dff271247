//! Scheduling without conflicts, over HTTP on both databases: concurrent confirmations of one
//! instructor or one room (exactly one wins), explained refusals, travel time, pools, overrides.

use crate::common;

use crate::common::{Api, TestApp, course_body, mails_to, venue_body};
use reqwest::StatusCode;
use serde_json::{Value, json};
use trainyard_core::Role;

both_backends!(
    fifty_concurrent_instructor_acceptances_exactly_one_wins,
    fifty_concurrent_room_confirmations_exactly_one_wins,
    conflicts_are_explained_travel_pools_and_overrides,
    qualifications_time_off_contracts_and_change_notices,
    the_working_pattern_limits_when_an_instructor_teaches,
    proposing_and_requesting_refuse_what_confirming_would,
);

async fn setup(api: &Api) -> (i64, i64, i64) {
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
    (venue, course, instructor)
}

async fn session(
    api: &Api,
    course: i64,
    venue: Option<i64>,
    mode: &str,
    starts: &str,
    ends: &str,
) -> i64 {
    let mut body = json!({
        "course_id": course, "visibility": "public", "delivery_mode": mode, "capacity": 10,
        "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" }, "parts": [{ "starts": starts, "ends": ends }]
    });
    if let Some(v) = venue {
        body["venue_id"] = json!(v);
    }
    api.create("/sessions", &body).await["id"].as_i64().unwrap()
}

/// Proposes and requests; returns the assignment id and version, awaiting the answer.
async fn requested(api: &Api, session: i64, instructor: i64) -> (i64, i64) {
    let a = api
        .create(
            &format!("/sessions/{session}/assignments"),
            &json!({ "instructor_id": instructor }),
        )
        .await;
    let id = a["id"].as_i64().unwrap();
    let r = api
        .post(
            &format!("/assignments/{id}/actions"),
            &json!({ "event": "request", "version": a["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "request: {}", r.body);
    (id, r.body["version"].as_i64().unwrap())
}

/// Proposes, requests and accepts; returns the assignment id and version, ready to confirm.
async fn accepted(api: &Api, session: i64, instructor: i64) -> (i64, i64) {
    let a = api
        .create(
            &format!("/sessions/{session}/assignments"),
            &json!({ "instructor_id": instructor }),
        )
        .await;
    let id = a["id"].as_i64().unwrap();
    let mut v = a["version"].as_i64().unwrap();
    for event in ["request", "accept"] {
        let r = api
            .post(
                &format!("/assignments/{id}/actions"),
                &json!({ "event": event, "version": v }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{event}: {}", r.body);
        v = r.body["version"].as_i64().unwrap();
    }
    (id, v)
}

/// `accepted`, for an instructor with an overridable problem the test is about (proposing and
/// requesting judge it as confirming does): a manager proposes and requests them over it with
/// `reason`, then the acceptance is recorded.
async fn accepted_over(manager: &Api, session: i64, instructor: i64, reason: &str) -> (i64, i64) {
    let a = manager
        .create(
            &format!("/sessions/{session}/assignments"),
            &json!({ "instructor_id": instructor, "override_reason": reason }),
        )
        .await;
    let id = a["id"].as_i64().unwrap();
    let mut v = a["version"].as_i64().unwrap();
    for event in ["request", "accept"] {
        let r = manager
            .post(
                &format!("/assignments/{id}/actions"),
                &json!({ "event": event, "version": v, "override_reason": reason }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{event}: {}", r.body);
        v = r.body["version"].as_i64().unwrap();
    }
    (id, v)
}

async fn fifty_concurrent_instructor_acceptances_exactly_one_wins(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let (venue, course, instructor) = setup(&api).await;
    let mut ready = Vec::new();
    for i in 0..50 {
        // All overlap 10:00–11:00; starts differ so that they are distinct sessions.
        let s = session(
            &api,
            course,
            Some(venue),
            "ilt",
            &format!("2027-05-04T{:02}:{:02}", 9, i % 60),
            "2027-05-04T12:00",
        )
        .await;
        ready.push(requested(&api, s, instructor).await);
    }
    // Accepting takes the instructor's time (their slots): of fifty overlapping acceptances at
    // once, exactly one holds it; the winner can then be confirmed.
    let api = std::sync::Arc::new(api);
    let mut tasks = Vec::new();
    for (id, v) in ready {
        let api = api.clone();
        tasks.push(tokio::spawn(async move {
            api.post(
                &format!("/assignments/{id}/actions"),
                &json!({ "event": "accept", "version": v }),
            )
            .await
        }));
    }
    let mut won = 0;
    let mut refused = 0;
    let mut winner = None;
    for task in tasks {
        let r = task.await.unwrap();
        match r.status {
            StatusCode::OK => {
                won += 1;
                winner = Some((
                    r.body["id"].as_i64().unwrap(),
                    r.body["version"].as_i64().unwrap(),
                ));
            }
            StatusCode::CONFLICT => {
                refused += 1;
                assert!(
                    r.body["detail"].as_str().unwrap().contains("Anna Berg"),
                    "{}",
                    r.body
                );
            }
            other => panic!("unexpected {other}: {}", r.body),
        }
    }
    assert_eq!((won, refused), (1, 49));
    let (id, v) = winner.unwrap();
    let r = api
        .post(
            &format!("/assignments/{id}/actions"),
            &json!({ "event": "confirm", "version": v }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mine = api.get("/assignments/needing-action").await;
    assert_eq!(
        mine.body.as_array().unwrap().len(),
        49,
        "the 49 requested-but-unanswered still need action"
    );
}

async fn fifty_concurrent_room_confirmations_exactly_one_wins(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let (venue, course, _) = setup(&api).await;
    let room = api
        .create("/resources", &json!({ "kind": "room", "code": "SPREE", "name": "Spree", "venue_id": venue, "seats": 12, "features": ["projector", "whiteboard"] }))
        .await["id"]
        .as_i64()
        .unwrap();
    let mut sessions = Vec::new();
    for i in 0..50 {
        let s = session(
            &api,
            course,
            Some(venue),
            "ilt",
            &format!("2027-06-01T09:{:02}", i),
            "2027-06-01T17:00",
        )
        .await;
        let r = api
            .post(
                &format!("/sessions/{s}/bookings"),
                &json!({ "resource_id": room }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.body[0]["status"], "tentative");
        sessions.push(s);
    }
    let api = std::sync::Arc::new(api);
    let tasks: Vec<_> = sessions
        .iter()
        .map(|s| {
            let api = api.clone();
            let path = format!("/sessions/{s}/bookings/{room}");
            tokio::spawn(async move { api.post(&path, &json!({})).await })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        let r = task.await.unwrap();
        if r.status == StatusCode::CONFLICT {
            let rule = r.body["conflicts"][0]["rule"].as_str().map(str::to_owned);
            assert!(
                rule.as_deref() == Some("room_double_booked")
                    || r.body["detail"].as_str().unwrap().contains("room"),
                "{}",
                r.body
            );
        }
        statuses.push(r.status);
    }
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 1);
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count(),
        49
    );
}

async fn conflicts_are_explained_travel_pools_and_overrides(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let (berlin, course, anna) = setup(&api).await;
    let potsdam = api
        .create("/venues", &venue_body("POT", "Europe/Berlin"))
        .await["id"]
        .as_i64()
        .unwrap();
    trainyard_store::venues::set_travel_time(
        &mut t.app.store.write().await.unwrap(),
        berlin,
        potsdam,
        60,
    )
    .await
    .ok();
    {
        let mut tx = t.app.store.write().await.unwrap();
        trainyard_store::venues::set_travel_time(&mut tx, berlin, potsdam, 60)
            .await
            .unwrap();
        trainyard_store::venues::set_travel_time(&mut tx, potsdam, berlin, 60)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    // Morning in Potsdam, confirmed.
    let morning = session(
        &api,
        course,
        Some(potsdam),
        "ilt",
        "2027-07-05T09:00",
        "2027-07-05T12:00",
    )
    .await;
    let (a, v) = accepted(&api, morning, anna).await;
    let r = api
        .post(
            &format!("/assignments/{a}/actions"),
            &json!({ "event": "confirm", "version": v }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Touching at the same venue is fine.
    let noon_same = session(
        &api,
        course,
        Some(potsdam),
        "ilt",
        "2027-07-05T12:00",
        "2027-07-05T13:00",
    )
    .await;
    let (a2, v2) = accepted(&api, noon_same, anna).await;
    assert_eq!(
        api.post(
            &format!("/assignments/{a2}/actions"),
            &json!({ "event": "confirm", "version": v2 })
        )
        .await
        .status,
        StatusCode::OK
    );
    // Berlin after 30 minutes: travel needs 60.
    let afternoon = session(
        &api,
        course,
        Some(berlin),
        "ilt",
        "2027-07-05T13:30",
        "2027-07-05T16:00",
    )
    .await;
    let check = api
        .get(&format!("/sessions/{afternoon}/check?instructor_id={anna}"))
        .await;
    assert_eq!(
        check.body["problems"][0]["rule"], "travel_time",
        "{}",
        check.body
    );
    assert_eq!(
        check.body["problems"][0]["message"],
        "Anna Berg is teaching S-00002 Course XL in Venue POT until 13:00; travel to Venue BER needs 60 minutes, but the part starts 30 minutes later."
    );
    // Refused already when proposed (issue 13 §2: it was found only at confirmation).
    let r = api
        .post(
            &format!("/sessions/{afternoon}/assignments"),
            &json!({ "instructor_id": anna }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.body["conflicts"][0]["severity"], "hard");

    // Not qualified: overridable, but only by a manager with a reason.
    let mut other = course_body("PM");
    other["required_skill"] = json!("project");
    let pm = api.create("/courses", &other).await["id"].as_i64().unwrap();
    let friday = session(
        &api,
        pm,
        Some(berlin),
        "ilt",
        "2027-07-09T09:00",
        "2027-07-09T12:00",
    )
    .await;
    let manager = t.api_as(Role::Manager, None).await;
    let (a4, v4) = accepted_over(&manager, friday, anna, "Shadowing a certified colleague").await;
    let r = api
        .post(
            &format!("/assignments/{a4}/actions"),
            &json!({ "event": "confirm", "version": v4, "override_reason": "please" }),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "a coordinator cannot override"
    );
    assert_eq!(r.body["conflicts"][0]["rule"], "not_qualified");
    let r = manager.post(&format!("/assignments/{a4}/actions"), &json!({ "event": "confirm", "version": v4, "override_reason": "Certified last week; paperwork pending" })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body["override_reason"]
            .as_str()
            .unwrap()
            .contains("not_qualified")
    );

    // A confirmed session cannot be moved onto another of the instructor's sessions.
    let s = api.get(&format!("/sessions/{noon_same}")).await.body;
    let mut edit: Value = json!({
        "course_id": course, "visibility": "public", "delivery_mode": "ilt", "venue_id": potsdam, "capacity": 10,
        "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" }, "version": s["version"],
        "parts": [{ "starts": "2027-07-05T10:00", "ends": "2027-07-05T11:00" }]
    });
    let r = api.put(&format!("/sessions/{noon_same}"), &edit).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    edit["parts"] = json!([{ "starts": "2027-07-06T10:00", "ends": "2027-07-06T11:00" }]);
    assert_eq!(
        api.put(&format!("/sessions/{noon_same}"), &edit)
            .await
            .status,
        StatusCode::OK
    );

    // Pools never exceed their quantity; bad quantities are 422.
    let zoom = api
        .create(
            "/resources",
            &json!({ "kind": "platform", "code": "ZOOM", "name": "Zoom", "quantity": 2 }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let mut codes = Vec::new();
    for _ in 0..3 {
        let v = session(
            &api,
            course,
            None,
            "vilt",
            "2027-08-02T09:00",
            "2027-08-02T12:00",
        )
        .await;
        codes.push(
            api.post(
                &format!("/sessions/{v}/bookings"),
                &json!({ "resource_id": zoom, "confirm": true }),
            )
            .await,
        );
    }
    assert_eq!(
        codes.iter().map(|r| r.status).collect::<Vec<_>>(),
        vec![
            StatusCode::CREATED,
            StatusCode::CREATED,
            StatusCode::CONFLICT
        ]
    );
    assert_eq!(codes[2].body["conflicts"][0]["rule"], "pool_exhausted");
    let v = session(
        &api,
        course,
        None,
        "vilt",
        "2027-08-03T09:00",
        "2027-08-03T12:00",
    )
    .await;
    assert_eq!(
        api.post(
            &format!("/sessions/{v}/bookings"),
            &json!({ "resource_id": zoom, "quantity": 3 })
        )
        .await
        .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // A room too small and missing a feature is refused with both reasons.
    let closet = api.create("/resources", &json!({ "kind": "room", "code": "CLOSET", "name": "Closet", "venue_id": berlin, "seats": 4, "features": ["whiteboard"] })).await["id"].as_i64().unwrap();
    let r = api
        .post(
            &format!("/sessions/{friday}/bookings"),
            &json!({ "resource_id": closet, "confirm": true }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let rules: Vec<&str> = r.body["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, vec!["room_too_small", "missing_feature"]);
    assert_eq!(
        api.get(&format!("/sessions/{friday}")).await.status,
        StatusCode::OK
    );
}

async fn qualifications_time_off_contracts_and_change_notices(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let (venue, _, anna) = setup(&api).await;
    let mut pm = course_body("PM");
    pm["required_skill"] = json!("project");
    let pm = api.create("/courses", &pm).await["id"].as_i64().unwrap();
    let s = session(
        &api,
        pm,
        Some(venue),
        "ilt",
        "2027-09-06T09:00",
        "2027-09-06T17:00",
    )
    .await;
    let rules = |body: &Value| {
        body["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["rule"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let check = api
        .get(&format!("/sessions/{s}/check?instructor_id={anna}"))
        .await;
    assert_eq!(rules(&check.body), vec!["not_qualified"]);
    // An expired qualification says so; a valid one clears it.
    let q = api
        .post(
            &format!("/instructors/{anna}/qualifications"),
            &json!({ "course_id": pm, "valid_from": "2026-01-01", "expires_on": "2027-06-30" }),
        )
        .await;
    assert_eq!(q.status, StatusCode::CREATED, "{}", q.body);
    let check = api
        .get(&format!("/sessions/{s}/check?instructor_id={anna}"))
        .await;
    assert!(
        check.body["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("expired"),
        "{}",
        check.body
    );
    api.post(
        &format!("/instructors/{anna}/qualifications"),
        &json!({ "skill": "Project", "valid_from": "2026-01-01" }),
    )
    .await;
    assert!(
        rules(
            &api.get(&format!("/sessions/{s}/check?instructor_id={anna}"))
                .await
                .body
        )
        .is_empty()
    );
    // Time off blocks; removing it frees the day.
    let off = api
        .post(
            &format!("/instructors/{anna}/time-off"),
            &json!({ "from": "2027-09-06", "until": "2027-09-10", "reason": "Holiday" }),
        )
        .await;
    assert_eq!(off.status, StatusCode::CREATED, "{}", off.body);
    assert_eq!(
        rules(
            &api.get(&format!("/sessions/{s}/check?instructor_id={anna}"))
                .await
                .body
        ),
        vec!["time_off"]
    );
    let bad = api
        .post(
            &format!("/instructors/{anna}/time-off"),
            &json!({ "from": "2027-09-10", "until": "2027-09-01", "reason": "x" }),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        api.delete(&format!("/instructors/{anna}/time-off/{}", off.body["id"]))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    // A contract that ended before the session blocks; only finance records contracts.
    let contract = json!({ "kind": "contractor", "day_rate": { "amount": "700", "currency": "EUR" }, "valid_from": "2026-01-01", "valid_to": "2027-08-31" });
    assert_eq!(
        api.post(&format!("/instructors/{anna}/contracts"), &contract)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let finance = t.api_as(Role::Finance, None).await;
    assert_eq!(
        finance
            .post(&format!("/instructors/{anna}/contracts"), &contract)
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        rules(
            &api.get(&format!("/sessions/{s}/check?instructor_id={anna}"))
                .await
                .body
        ),
        vec!["contract"]
    );
    let creds = api
        .get(&format!("/instructors/{anna}/credentials"))
        .await
        .body;
    // Rates are left out for coordinators, not shown as a fake zero.
    assert!(
        creds["contracts"][0].get("day_rate").is_none(),
        "rates hidden from coordinators: {creds}"
    );

    // Rescheduling a staffed session tells the instructor, through the outbox, in the same change.
    let other = session(
        &api,
        pm,
        Some(venue),
        "ilt",
        "2027-10-04T09:00",
        "2027-10-04T12:00",
    )
    .await;
    let manager = t.api_as(Role::Manager, None).await;
    let (a, v) = accepted_over(&manager, other, anna, "renewal signed").await;
    let r = manager
        .post(
            &format!("/assignments/{a}/actions"),
            &json!({ "event": "confirm", "version": v, "override_reason": "renewal signed" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let current = api.get(&format!("/sessions/{other}")).await.body;
    let edit = json!({
        "course_id": pm, "visibility": "public", "delivery_mode": "ilt", "venue_id": venue, "capacity": 10,
        "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" }, "version": current["version"],
        "parts": [{ "starts": "2027-10-05T09:00", "ends": "2027-10-05T12:00" }]
    });
    assert_eq!(
        api.put(&format!("/sessions/{other}"), &edit).await.status,
        StatusCode::OK
    );
    let mut conn = t.app.store.read().await.unwrap();
    let messages = trainyard_store::outbox::for_entity(&mut conn, "session", other)
        .await
        .unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].recipient, "anna@example.com");
    assert!(messages[0].subject.starts_with("Changed:"));
}

async fn the_working_pattern_limits_when_an_instructor_teaches(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let (venue, course, anna) = setup(&api).await;
    // Monday 2027-09-13.
    let s = session(
        &api,
        course,
        Some(venue),
        "ilt",
        "2027-09-13T09:00",
        "2027-09-13T17:00",
    )
    .await;
    let rules = |body: &Value| {
        body["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["rule"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert!(
        rules(
            &api.get(&format!("/sessions/{s}/check?instructor_id={anna}"))
                .await
                .body
        )
        .is_empty()
    );
    let r = api
        .put(
            &format!("/instructors/{anna}/working-pattern"),
            &json!([{ "weekday": 2, "from": "08:00", "until": "18:00" }]),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        rules(
            &api.get(&format!("/sessions/{s}/check?instructor_id={anna}"))
                .await
                .body
        ),
        vec!["outside_working_hours"]
    );
    let r = api
        .put(
            &format!("/instructors/{anna}/working-pattern"),
            &json!([{ "weekday": 1, "from": "09:00", "until": "08:00" }]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    api.put(
        &format!("/instructors/{anna}/working-pattern"),
        &json!([{ "weekday": 1, "from": "08:30", "until": "17:30" }]),
    )
    .await;
    assert!(
        rules(
            &api.get(&format!("/sessions/{s}/check?instructor_id={anna}"))
                .await
                .body
        )
        .is_empty()
    );
}

/// An action on assignment `a`, with an override reason when given.
async fn act(
    who: &Api,
    a: i64,
    event: &str,
    version: &Value,
    reason: Option<&str>,
) -> common::Reply {
    let mut body = json!({ "event": event, "version": version });
    if let Some(r) = reason {
        body["override_reason"] = json!(r);
    }
    who.post(&format!("/assignments/{a}/actions"), &body).await
}

/// Issue 13 §2, early warnings: an instructor who could not be confirmed is refused when proposed
/// and when requested (the step that e-mails them), with the problems confirming lists; a
/// manager's reason lets an overridable problem through at each step and is recorded; a
/// coordinator's does not; a double booking never passes.
async fn proposing_and_requesting_refuse_what_confirming_would(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let manager = t.api_as(Role::Manager, None).await;
    let (venue, excel, anna) = setup(&api).await;
    let mut pm = course_body("PM");
    pm["required_skill"] = json!("project");
    let pm = api.create("/courses", &pm).await["id"].as_i64().unwrap();
    let s = session(
        &api,
        pm,
        Some(venue),
        "ilt",
        "2027-09-06T09:00",
        "2027-09-06T17:00",
    )
    .await;
    // The same day, a course she is qualified for: proposed while she is still free.
    let same_day = session(
        &api,
        excel,
        Some(venue),
        "ilt",
        "2027-09-06T13:00",
        "2027-09-06T15:00",
    )
    .await;
    let early = api
        .create(
            &format!("/sessions/{same_day}/assignments"),
            &json!({ "instructor_id": anna }),
        )
        .await;
    let reference = api.get(&format!("/sessions/{s}")).await.body["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    let checked = api
        .get(&format!("/sessions/{s}/check?instructor_id={anna}"))
        .await
        .body["problems"]
        .clone();
    assert_eq!(checked[0]["rule"], "not_qualified", "{checked}");
    assert_eq!(checked.as_array().unwrap().len(), 1, "{checked}");

    // Proposing: refused with the very problems confirming would list.
    let propose = format!("/sessions/{s}/assignments");
    let r = api.post(&propose, &json!({ "instructor_id": anna })).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.body["conflicts"], checked);
    assert_eq!(
        r.body["detail"],
        format!("Anna Berg cannot be proposed on {reference}; a manager may override:")
    );
    // A coordinator's reason is no override.
    let r = api
        .post(
            &propose,
            &json!({ "instructor_id": anna, "override_reason": "please" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.body["conflicts"], checked);
    // A manager without a reason is told one would do.
    let r = manager
        .post(&propose, &json!({ "instructor_id": anna }))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(
        r.body["detail"],
        format!("Anna Berg cannot be proposed on {reference} unless you override with a reason:")
    );
    {
        let mut conn = t.app.store.read().await.unwrap();
        let listed = trainyard_store::assignments::for_session(&mut conn, s)
            .await
            .unwrap();
        assert!(listed.is_empty(), "a refused proposal records nothing");
    }

    // A manager's reason passes, recorded on the assignment and in the audit trail.
    let r = manager
        .post(
            &propose,
            &json!({ "instructor_id": anna, "override_reason": "Certified last week" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["status"], "proposed");
    assert_eq!(
        r.body["override_reason"],
        "Certified last week (overrode: not_qualified)"
    );
    let a = r.body["id"].as_i64().unwrap();
    let history = api.get(&format!("/history/assignment/{a}")).await.body;
    assert!(
        history.to_string().contains("assignment.proposed")
            && history
                .to_string()
                .contains("Certified last week (overrode: not_qualified)"),
        "{history}"
    );

    // Requesting (the step that e-mails the instructor) judges again: refused, and nobody is
    // e-mailed, unless a manager gives a reason.
    let v = r.body["version"].clone();
    let r = act(&api, a, "request", &v, Some("please")).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.body["conflicts"], checked);
    assert_eq!(
        r.body["detail"],
        format!("Anna Berg cannot be requested on {reference}; a manager may override:")
    );
    assert!(
        mails_to(t, "anna@example.com")
            .await
            .iter()
            .all(|m| m.kind != "assignment_request"),
        "a refused request e-mails nobody"
    );
    let r = act(&manager, a, "request", &v, Some("Certified last week")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "requested");
    assert_eq!(
        mails_to(t, "anna@example.com")
            .await
            .iter()
            .filter(|m| m.kind == "assignment_request")
            .count(),
        1
    );
    let r = act(&api, a, "accept", &r.body["version"], None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Confirming keeps its own check, with the same problems.
    let v = r.body["version"].clone();
    let r = act(&api, a, "confirm", &v, Some("please")).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.body["conflicts"], checked);
    let r = act(&manager, a, "confirm", &v, Some("Certified last week")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // A double booking is hard: no reason lets it through, at request or at proposal.
    let r = manager
        .post(
            &format!("/assignments/{}/actions", early["id"]),
            &json!({ "event": "request", "version": early["version"], "override_reason": "She can do both" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.body["conflicts"][0]["rule"], "instructor_overlap");
    assert_eq!(r.body["conflicts"][0]["severity"], "hard");
    let again = session(
        &api,
        excel,
        Some(venue),
        "ilt",
        "2027-09-06T10:00",
        "2027-09-06T11:00",
    )
    .await;
    let r = manager
        .post(
            &format!("/sessions/{again}/assignments"),
            &json!({ "instructor_id": anna, "override_reason": "She can do both" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.body["conflicts"][0]["severity"], "hard");
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .starts_with("Anna Berg cannot be proposed on "),
        "{}",
        r.body
    );

    // A substitute is a proposal too: judged the same way, overridable the same way.
    let ben = api
        .create("/instructors", &json!({
            "name": "Ben Ng", "email": "ben@example.com", "employment_type": "staff", "home_venue_id": venue,
            "time_zone": "Europe/Berlin", "currency": "EUR", "max_days_week": 5, "max_days_month": 20, "skills": ["excel"]
        }))
        .await["id"]
        .as_i64()
        .unwrap();
    let current = {
        let mut conn = t.app.store.read().await.unwrap();
        trainyard_store::assignments::get(&mut conn, a)
            .await
            .unwrap()
    };
    let substitute = format!("/assignments/{a}/substitute");
    let r = api
        .post(
            &substitute,
            &json!({ "instructor_id": ben, "version": current.version }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.body["conflicts"][0]["rule"], "not_qualified");
    assert_eq!(
        r.body["detail"],
        format!("Ben Ng cannot be proposed on {reference}; a manager may override:")
    );
    let r = manager
        .post(
            &substitute,
            &json!({ "instructor_id": ben, "version": current.version, "override_reason": "Anna is ill" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        r.body["override_reason"],
        "Anna is ill (overrode: not_qualified)"
    );
}
