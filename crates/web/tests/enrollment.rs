//! Enrollment under pressure, over HTTP on both databases: 200 concurrent enrollments into 20 seats
//! (split over two servers sharing the database), 5 concurrent cancellations promoting exactly 5,
//! offers that expire and pass on, and every refusal named.

use crate::common;

use crate::common::{Api, TestApp, course_body, venue_body};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;
use trainyard_core::Role;

both_backends!(
    two_hundred_concurrent_enrollments_fill_twenty_seats_then_cancellations_promote_exactly_five,
    offers_expire_and_pass_to_the_next_in_line,
    bad_enrollments_are_refused_by_name,
    attendance_decides_attended_no_show_completed_and_failed,
    an_underfilled_session_merges_into_another,
    waitlist_positions_close_up_after_a_promotion_or_cancellation,
    cancelling_and_postponing_need_a_reason_that_is_kept_and_counted,
    a_merge_is_previewed_releases_instructors_and_rooms_and_tells_each_learner_once,
    cancelling_a_session_releases_its_instructors_and_rooms_for_other_sessions,
);

async fn public_session(api: &Api, capacity: i64, starts: &str) -> i64 {
    let venue = api
        .create(
            "/venues",
            &venue_body(
                &format!("V{}", starts.replace([':', '-', 'T'], "")),
                "Europe/Berlin",
            ),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let course = api
        .create(
            "/courses",
            &course_body(&format!("C{}", starts.replace([':', '-', 'T'], ""))),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let s = api
        .create("/sessions", &json!({
            "course_id": course, "visibility": "public", "delivery_mode": "ilt", "venue_id": venue, "capacity": capacity,
            "time_zone": "Europe/Berlin", "seat_price": { "amount": "490", "currency": "EUR" },
            "parts": [{ "starts": starts, "ends": starts.replace("T09:00", "T17:00") }]
        }))
        .await;
    let id = s["id"].as_i64().unwrap();
    let r = api
        .post(
            &format!("/sessions/{id}/transition"),
            &json!({ "event": "schedule", "version": s["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    id
}

async fn learners(api: &Api, n: usize, tag: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..n {
        let l = api
            .create("/learners", &json!({ "first_name": format!("L{i}"), "last_name": tag, "email": format!("l{i}.{tag}@example.com"), "time_zone": "Europe/Berlin" }))
            .await;
        ids.push(l["id"].as_i64().unwrap());
    }
    ids
}

fn statuses(list: &Value) -> (usize, usize, Vec<i64>) {
    let items = list.as_array().unwrap();
    let booked = items.iter().filter(|e| e["status"] == "booked").count();
    let waiting: Vec<&Value> = items
        .iter()
        .filter(|e| e["status"] == "waitlisted")
        .collect();
    let positions = waiting
        .iter()
        .map(|e| e["waitlist_position"].as_i64().unwrap())
        .collect();
    (booked, waiting.len(), positions)
}

async fn two_hundred_concurrent_enrollments_fill_twenty_seats_then_cancellations_promote_exactly_five(
    t: &TestApp,
) {
    let api = t.api_as(Role::Coordinator, None).await;
    let session = public_session(&api, 20, "2027-04-12T09:00").await;
    let people = learners(&api, 200, "crowd").await;
    // A second server on the same database takes half of the requests.
    let (second, stop_second, second_store) = t.second_server().await;
    let other = Api {
        base: format!("http://{second}/api/v1"),
        token: api.token.clone(),
        http: reqwest::Client::new(),
    };
    let (api, other) = (Arc::new(api), Arc::new(other));
    let tasks: Vec<_> = people
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let client = if i % 2 == 0 {
                api.clone()
            } else {
                other.clone()
            };
            let l = *l;
            tokio::spawn(async move {
                client
                    .post(
                        &format!("/sessions/{session}/enrollments"),
                        &json!({ "learner_id": l }),
                    )
                    .await
            })
        })
        .collect();
    let mut created = Vec::new();
    for task in tasks {
        let r = task.await.unwrap();
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        created.push(r.body);
    }
    let list = api
        .get(&format!("/sessions/{session}/enrollments"))
        .await
        .body;
    let (booked, waiting, positions) = statuses(&list);
    assert_eq!((booked, waiting), (20, 180));
    // Arrival order: positions 1..=180, each once, in the order the enrollments were written.
    let mut by_id: Vec<(i64, i64)> = created
        .iter()
        .filter(|e| e["status"] == "waitlisted")
        .map(|e| {
            (
                e["id"].as_i64().unwrap(),
                e["waitlist_position"].as_i64().unwrap(),
            )
        })
        .collect();
    by_id.sort();
    assert_eq!(
        by_id.iter().map(|(_, p)| *p).collect::<Vec<_>>(),
        (1..=180).collect::<Vec<_>>()
    );
    assert_eq!(positions.len(), 180);
    let s = api.get(&format!("/sessions/{session}")).await.body;
    assert_eq!(
        (s["booked_count"].as_i64(), s["waitlist_count"].as_i64()),
        (Some(20), Some(180))
    );

    // Five concurrent cancellations promote exactly five, the first five in line, each told once.
    let to_cancel: Vec<(i64, i64)> = created
        .iter()
        .filter(|e| e["status"] == "booked")
        .take(5)
        .map(|e| (e["id"].as_i64().unwrap(), e["version"].as_i64().unwrap()))
        .collect();
    let tasks: Vec<_> = to_cancel
        .iter()
        .enumerate()
        .map(|(i, (id, v))| {
            let client = if i % 2 == 0 {
                api.clone()
            } else {
                other.clone()
            };
            let (id, v) = (*id, *v);
            tokio::spawn(async move {
                client
                    .post(
                        &format!("/enrollments/{id}/cancel"),
                        &json!({ "version": v }),
                    )
                    .await
            })
        })
        .collect();
    for task in tasks {
        let r = task.await.unwrap();
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let list = api
        .get(&format!("/sessions/{session}/enrollments"))
        .await
        .body;
    let (booked, waiting, _) = statuses(&list);
    assert_eq!((booked, waiting), (20, 175));
    let promoted: Vec<i64> = created
        .iter()
        .filter(|e| e["waitlist_position"].as_i64().is_some_and(|p| p <= 5))
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    let mut conn = t.app.store.read().await.unwrap();
    for id in &promoted {
        let e = trainyard_store::enrollments::get(&mut conn, *id)
            .await
            .unwrap();
        assert_eq!(e.status.as_str(), "booked", "enrollment {id} promoted");
        let messages = trainyard_store::outbox::for_entity(&mut conn, "enrollment", *id)
            .await
            .unwrap();
        assert_eq!(
            messages
                .iter()
                .filter(|m| m.kind == "enrollment_promoted")
                .count(),
            1,
            "told once"
        );
    }
    drop(conn);
    let _ = stop_second.send(());
    second_store.close().await;
}

async fn offers_expire_and_pass_to_the_next_in_line(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let session = public_session(&api, 1, "2027-05-10T09:00").await;
    assert_eq!(
        api.put(
            &format!("/sessions/{session}/enrollment-rules"),
            &json!({ "promotion_mode": "offer", "offer_hours": 24 })
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let people = learners(&api, 3, "offer").await;
    let mut e = Vec::new();
    for l in &people {
        e.push(
            api.create(
                &format!("/sessions/{session}/enrollments"),
                &json!({ "learner_id": l }),
            )
            .await,
        );
    }
    assert_eq!(
        e.iter()
            .map(|x| x["status"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec!["booked", "waitlisted", "waitlisted"]
    );
    // The seat frees: the second learner is offered it, the seat held for them.
    api.post(
        &format!("/enrollments/{}/cancel", e[0]["id"]),
        &json!({ "version": e[0]["version"] }),
    )
    .await;
    let mut conn = t.app.store.read().await.unwrap();
    let second = trainyard_store::enrollments::get(&mut conn, e[1]["id"].as_i64().unwrap())
        .await
        .unwrap();
    assert!(second.offer_expires_at.is_some());
    drop(conn);
    // Nobody answers: the offer expires and passes to the third.
    let later = trainyard_core::time::now_ms() + 25 * 3_600_000;
    assert_eq!(
        trainyard_app::enrollment::expire_offers(&t.app, later)
            .await
            .unwrap(),
        1
    );
    let r = api
        .post(
            &format!("/enrollments/{}/accept-offer", e[1]["id"]),
            &json!({}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "an offer accepted after it expired: {}",
        r.body
    );
    let r = api
        .post(
            &format!("/enrollments/{}/accept-offer", e[2]["id"]),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "booked");
    let s = api.get(&format!("/sessions/{session}")).await.body;
    assert_eq!(
        (s["booked_count"].as_i64(), s["waitlist_count"].as_i64()),
        (Some(1), Some(0))
    );
}

async fn bad_enrollments_are_refused_by_name(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let session = public_session(&api, 5, "2027-06-07T09:00").await;
    let l = learners(&api, 1, "twice").await[0];
    api.create(
        &format!("/sessions/{session}/enrollments"),
        &json!({ "learner_id": l }),
    )
    .await;
    let r = api
        .post(
            &format!("/sessions/{session}/enrollments"),
            &json!({ "learner_id": l }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        r.body["detail"],
        "L0 twice is already enrolled in S-00001 (booked)."
    );
    assert_eq!(
        api.post(
            &format!("/sessions/{session}/enrollments"),
            &json!({ "learner_id": 999_999 })
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    // A cancelled session takes no enrollments.
    let s = api.get(&format!("/sessions/{session}")).await.body;
    api.post(
        &format!("/sessions/{session}/transition"),
        &json!({ "event": "cancel", "version": s["version"], "reason": "low_enrollment" }),
    )
    .await;
    let other = learners(&api, 1, "late").await[0];
    let r = api
        .post(
            &format!("/sessions/{session}/enrollments"),
            &json!({ "learner_id": other }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body["detail"].as_str().unwrap().contains("cancelled"));
    // A past session neither.
    let past = public_session(&api, 5, "2026-01-05T09:00").await;
    let r = api
        .post(
            &format!("/sessions/{past}/enrollments"),
            &json!({ "learner_id": other }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("already started")
    );
    // A client contact enrolls only their own people, and a learner nobody else.
    let client = api.create("/clients", &json!({ "code": "ACME", "name": "Acme", "billing_email": "ap@acme.example", "currency": "EUR", "time_zone": "Europe/Berlin" })).await["id"].as_i64().unwrap();
    let open = public_session(&api, 5, "2027-06-14T09:00").await;
    let contact = t.api_as(Role::ClientContact, Some(client)).await;
    assert_eq!(
        contact
            .post(
                &format!("/sessions/{open}/enrollments"),
                &json!({ "learner_id": other })
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let ours = api.create("/learners", &json!({ "first_name": "Ann", "last_name": "Acme", "email": "ann@acme.example", "client_id": client, "time_zone": "Europe/Berlin" })).await["id"].as_i64().unwrap();
    assert_eq!(
        contact
            .post(
                &format!("/sessions/{open}/enrollments"),
                &json!({ "learner_id": ours })
            )
            .await
            .status,
        StatusCode::CREATED
    );
    // Capacity can grow (the waitlist fills it) but not shrink below the booked seats.
    let s = api.get(&format!("/sessions/{open}")).await.body;
    let shrink = json!({
        "course_id": s["course_id"], "visibility": "public", "delivery_mode": "ilt", "venue_id": s["venue_id"], "capacity": 0,
        "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" }, "version": s["version"],
        "parts": [{ "starts": "2027-06-14T09:00", "ends": "2027-06-14T17:00" }]
    });
    assert_eq!(
        api.put(&format!("/sessions/{open}"), &shrink).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

async fn attendance_decides_attended_no_show_completed_and_failed(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    // A two-part session whose first part starts in half an hour (attendance opens an hour before).
    let berlin = trainyard_core::TimeZoneName::parse("Europe/Berlin").unwrap();
    let soon = berlin.local(trainyard_core::time::now_ms() + 30 * 60_000);
    let fmt = |d: chrono::DateTime<chrono_tz::Tz>| d.format("%Y-%m-%dT%H:%M").to_string();
    let course = api.create("/courses", &course_body("ATT")).await["id"]
        .as_i64()
        .unwrap();
    let s = api
        .create("/sessions", &json!({
            "course_id": course, "visibility": "public", "delivery_mode": "vilt", "capacity": 5,
            "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" },
            "parts": [
                { "starts": fmt(soon), "ends": fmt(soon + chrono::Duration::minutes(20)) },
                { "starts": fmt(soon + chrono::Duration::minutes(25)), "ends": fmt(soon + chrono::Duration::minutes(50)) }
            ]
        }))
        .await;
    let id = s["id"].as_i64().unwrap();
    api.post(
        &format!("/sessions/{id}/transition"),
        &json!({ "event": "schedule", "version": 1 }),
    )
    .await;
    let people = learners(&api, 3, "att").await;
    let mut e = Vec::new();
    for l in &people {
        e.push(
            api.create(
                &format!("/sessions/{id}/enrollments"),
                &json!({ "learner_id": l }),
            )
            .await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let sheet = api.get(&format!("/sessions/{id}/attendance")).await.body;
    let parts: Vec<i64> = sheet["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(sheet["rows"].as_array().unwrap().len(), 3);
    // Part 1: the first two present; part 2: only the first.
    assert_eq!(
        api.post(
            &format!("/sessions/{id}/attendance"),
            &json!({ "part_id": parts[0], "present": [e[0], e[1]] })
        )
        .await
        .status,
        StatusCode::OK
    );
    let r = api
        .post(
            &format!("/sessions/{id}/attendance"),
            &json!({ "part_id": parts[1], "present": [e[0]] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let status = |sheet: &Value, i: usize| {
        sheet["rows"][i]["enrollment"]["status"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        (status(&r.body, 0), status(&r.body, 1), status(&r.body, 2)),
        ("attended".into(), "attended".into(), "no_show".into())
    );
    // Someone not on the sheet is refused; an instructor not on the session may not take attendance.
    assert_eq!(
        api.post(
            &format!("/sessions/{id}/attendance"),
            &json!({ "part_id": parts[0], "present": [999_999] })
        )
        .await
        .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let stranger = t.api_as(Role::Instructor, None).await;
    assert_eq!(
        stranger
            .get(&format!("/sessions/{id}/attendance"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Closing: all parts → completed; some parts missed → failed.
    let mut v = api.get(&format!("/sessions/{id}")).await.body["version"]
        .as_i64()
        .unwrap();
    for event in ["confirm", "deliver", "close"] {
        let r = api
            .post(
                &format!("/sessions/{id}/transition"),
                &json!({ "event": event, "version": v }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{event}: {}", r.body);
        v = r.body["version"].as_i64().unwrap();
    }
    let list = api.get(&format!("/sessions/{id}/enrollments")).await.body;
    let mut outcomes: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["status"].as_str().unwrap().to_owned())
        .collect();
    outcomes.sort();
    assert_eq!(outcomes, vec!["completed", "failed", "no_show"]);
}

async fn an_underfilled_session_merges_into_another(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let course = api.create("/courses", &course_body("MRG")).await["id"]
        .as_i64()
        .unwrap();
    let mk = |day: &'static str| {
        let api = &api;
        async move {
            let s = api
                .create("/sessions", &json!({
                    "course_id": course, "visibility": "public", "delivery_mode": "vilt", "capacity": 3,
                    "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" }, "parts": [{ "starts": format!("{day}T09:00"), "ends": format!("{day}T12:00") }]
                }))
                .await;
            let id = s["id"].as_i64().unwrap();
            api.post(
                &format!("/sessions/{id}/transition"),
                &json!({ "event": "schedule", "version": 1 }),
            )
            .await;
            id
        }
    };
    let small = mk("2027-11-08").await;
    let big = mk("2027-11-15").await;
    let people = learners(&api, 4, "merge").await;
    for l in &people[..2] {
        api.create(
            &format!("/sessions/{small}/enrollments"),
            &json!({ "learner_id": l }),
        )
        .await;
    }
    for l in &people[2..] {
        api.create(
            &format!("/sessions/{big}/enrollments"),
            &json!({ "learner_id": l }),
        )
        .await;
    }
    let r = api
        .post(
            &format!("/sessions/{small}/merge"),
            &json!({ "into_session_id": big }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "cancelled");
    let (booked, waiting, _) =
        statuses(&api.get(&format!("/sessions/{big}/enrollments")).await.body);
    assert_eq!(
        (booked, waiting),
        (3, 1),
        "three seats: one of the four waits"
    );
    let moved = api
        .get(&format!("/sessions/{small}/enrollments"))
        .await
        .body;
    assert!(
        moved
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["status"] == "transferred")
    );
    let other = api.create("/courses", &course_body("OTHER")).await["id"]
        .as_i64()
        .unwrap();
    let s = api.create("/sessions", &json!({ "course_id": other, "visibility": "public", "delivery_mode": "vilt", "capacity": 3, "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" }, "parts": [{ "starts": "2027-11-22T09:00", "ends": "2027-11-22T12:00" }] })).await;
    assert_eq!(
        api.post(
            &format!("/sessions/{big}/merge"),
            &json!({ "into_session_id": s["id"] })
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
}

async fn waitlist_positions_close_up_after_a_promotion_or_cancellation(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let session = public_session(&api, 1, "2027-10-04T09:00").await;
    let people = learners(&api, 5, "line").await;
    let mut ids = Vec::new();
    for l in &people {
        let e = api
            .create(
                &format!("/sessions/{session}/enrollments"),
                &json!({ "learner_id": l }),
            )
            .await;
        ids.push((e["id"].as_i64().unwrap(), e["version"].as_i64().unwrap()));
    }
    let list = api
        .get(&format!("/sessions/{session}/enrollments"))
        .await
        .body;
    assert_eq!(statuses(&list), (1, 4, vec![1, 2, 3, 4]));
    // The booked learner cancels: the first in line is promoted, the rest move up.
    let r = api
        .post(
            &format!("/enrollments/{}/cancel", ids[0].0),
            &json!({ "version": ids[0].1 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let list = api
        .get(&format!("/sessions/{session}/enrollments"))
        .await
        .body;
    assert_eq!(statuses(&list), (1, 3, vec![1, 2, 3]));
    // Someone in the middle of the line leaves: those behind move up.
    // Renumbering is not an edit of theirs: their version (and any form open on it) still holds.
    let version = ids[3].1;
    let r = api
        .post(
            &format!("/enrollments/{}/cancel", ids[3].0),
            &json!({ "version": version }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let list = api
        .get(&format!("/sessions/{session}/enrollments"))
        .await
        .body;
    assert_eq!(statuses(&list), (1, 2, vec![1, 2]));
    let first = list
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["status"] == "waitlisted" && e["waitlist_position"] == 1)
        .unwrap();
    assert_eq!(first["learner_id"], people[2]);
}

async fn cancelling_and_postponing_need_a_reason_that_is_kept_and_counted(t: &TestApp) {
    use trainyard_core::status::{SessionEvent, StatusReason};
    let api = t.api_as(Role::Coordinator, None).await;
    let started = trainyard_core::time::now_ms();
    let a = public_session(&api, 5, "2027-09-06T09:00").await;
    let b = public_session(&api, 5, "2027-09-07T09:00").await;
    let c = public_session(&api, 5, "2027-09-08T09:00").await;
    let version = |id: i64| {
        let api = &api;
        async move { api.get(&format!("/sessions/{id}")).await.body["version"].clone() }
    };
    // No reason: refused, naming the field; "other" needs words.
    let r = api
        .post(
            &format!("/sessions/{a}/transition"),
            &json!({ "event": "cancel", "version": version(a).await }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.to_string().contains("reason"), "{}", r.body);
    let r = api
        .post(
            &format!("/sessions/{a}/transition"),
            &json!({ "event": "cancel", "version": version(a).await, "reason": "other" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = api
        .post(
            &format!("/sessions/{a}/transition"),
            &json!({ "event": "cancel", "version": version(a).await, "reason": "sunspots" }),
        )
        .await;
    assert!(
        r.status.is_client_error(),
        "not a reason from the list: {}",
        r.status
    );
    assert_eq!(
        api.get(&format!("/sessions/{a}")).await.body["status"],
        "scheduled"
    );

    let r = api
        .post(&format!("/sessions/{a}/transition"), &json!({ "event": "cancel", "version": version(a).await, "reason": "low_enrollment", "reason_note": "two of eight" }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status_reason"], "low_enrollment");
    assert_eq!(r.body["status_note"], "two of eight");
    let r = api
        .post(
            &format!("/sessions/{b}/transition"),
            &json!({ "event": "postpone", "version": version(b).await, "reason": "weather" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        api.get(&format!("/sessions/{b}")).await.body["status_reason"],
        "weather"
    );
    // Rescheduling clears the current reason; the postponement still counts.
    let r = api
        .post(
            &format!("/sessions/{b}/transition"),
            &json!({ "event": "reschedule", "version": version(b).await }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body["status_reason"].is_null());

    // The page: cancelling asks why, and the reason shows on the session and in its history.
    let browser = t.browser_as(Role::Coordinator, None).await;
    let (_, page) = browser.get(&format!("/sessions/{c}")).await;
    assert!(
        page.contains("id=\"status-change\"") && page.contains("Choose a reason"),
        "{page}"
    );
    assert!(page.contains("Instructor unavailable"));
    let csrf = browser.csrf().await;
    let v = version(c).await.to_string();
    let (status, _) = browser
        .post_form(
            &format!("/sessions/{c}/transition"),
            &[("_csrf", &csrf), ("version", &v), ("event", "cancel")],
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no reason, no cancellation"
    );
    let (status, _) = browser
        .post_form(
            &format!("/sessions/{c}/transition"),
            &[
                ("_csrf", &csrf),
                ("version", &v),
                ("event", "cancel"),
                ("reason", "client_request"),
                ("reason_note", ""),
            ],
        )
        .await;
    assert!(status.is_success() || status.is_redirection(), "{status}");
    let (_, page) = browser.get(&format!("/sessions/{c}")).await;
    assert!(
        page.contains("Cancelled because") && page.contains("Client request"),
        "{page}"
    );
    let history = api.get(&format!("/history/session/{c}")).await;
    assert!(
        history.body.to_string().contains("client_request"),
        "{}",
        history.body
    );

    // Reporting counts by reason over a period, as the rows say.
    let counted = trainyard_app::schedule::reasons::count_by_reason(
        &t.app,
        &t.system(),
        SessionEvent::Cancel,
        started,
        trainyard_core::time::now_ms() + 1,
    )
    .await
    .unwrap();
    assert_eq!(
        counted,
        vec![
            (StatusReason::ClientRequest, 1),
            (StatusReason::LowEnrollment, 1)
        ]
    );
    let postponed = trainyard_app::schedule::reasons::count_by_reason(
        &t.app,
        &t.system(),
        SessionEvent::Postpone,
        started,
        trainyard_core::time::now_ms() + 1,
    )
    .await
    .unwrap();
    assert_eq!(postponed, vec![(StatusReason::Weather, 1)]);
    let before = trainyard_app::schedule::reasons::count_by_reason(
        &t.app,
        &t.system(),
        SessionEvent::Cancel,
        0,
        started,
    )
    .await
    .unwrap();
    assert!(before.is_empty(), "nothing before the period");
}

async fn a_merge_is_previewed_releases_instructors_and_rooms_and_tells_each_learner_once(
    t: &TestApp,
) {
    let api = t.api_as(Role::Coordinator, None).await;
    let venue = api
        .create("/venues", &venue_body("MRGV", "Europe/Berlin"))
        .await["id"]
        .as_i64()
        .unwrap();
    let course = api.create("/courses", &course_body("MRGX")).await["id"]
        .as_i64()
        .unwrap();
    let room = api
        .create("/resources", &json!({ "kind": "room", "code": "ELBE", "name": "Elbe", "venue_id": venue, "seats": 12, "features": ["projector"] }))
        .await["id"]
        .as_i64()
        .unwrap();
    let instructor = api
        .create("/instructors", &json!({
            "name": "Iris Merge", "email": "iris@example.com", "employment_type": "staff", "home_venue_id": venue,
            "time_zone": "Europe/Berlin", "currency": "EUR", "max_days_week": 5, "max_days_month": 20, "skills": []
        }))
        .await["id"]
        .as_i64()
        .unwrap();
    // Qualified: proposing and requesting judge what confirming does.
    api.create(
        &format!("/instructors/{instructor}/qualifications"),
        &json!({ "course_id": course }),
    )
    .await;
    let mk = |day: &'static str, capacity: i64| {
        let api = &api;
        async move {
            let s = api
                .create("/sessions", &json!({
                    "course_id": course, "visibility": "public", "delivery_mode": "ilt", "venue_id": venue, "capacity": capacity,
                    "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" },
                    "parts": [{ "starts": format!("{day}T09:00"), "ends": format!("{day}T17:00") }]
                }))
                .await;
            let id = s["id"].as_i64().unwrap();
            let r = api
                .post(
                    &format!("/sessions/{id}/transition"),
                    &json!({ "event": "schedule", "version": s["version"] }),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            id
        }
    };
    let small = mk("2027-12-06", 5).await;
    let roomy = mk("2027-12-13", 10).await;
    let tight = mk("2027-12-20", 2).await;
    // The small session has an instructor who accepted, and a room.
    let a = api
        .create(
            &format!("/sessions/{small}/assignments"),
            &json!({ "instructor_id": instructor }),
        )
        .await;
    let aid = a["id"].as_i64().unwrap();
    let mut v = a["version"].as_i64().unwrap();
    for event in ["request", "accept"] {
        let r = api
            .post(
                &format!("/assignments/{aid}/actions"),
                &json!({ "event": event, "version": v }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{event}: {}", r.body);
        v = r.body["version"].as_i64().unwrap();
    }
    let r = api
        .post(
            &format!("/sessions/{small}/bookings"),
            &json!({ "resource_id": room }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let people = learners(&api, 3, "mrg").await;
    for l in &people {
        let r = api
            .post(
                &format!("/sessions/{small}/enrollments"),
                &json!({ "learner_id": l }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }

    // The preview changes nothing and says who would wait.
    let p = api
        .post(
            &format!("/sessions/{small}/merge/preview"),
            &json!({ "into_session_id": tight }),
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert_eq!(
        (p.body["booked"].as_i64(), p.body["waiting"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(p.body["moves"][2]["outcome"], "waitlisted");
    assert_eq!(p.body["moves"][2]["waitlist_position"], 1);
    assert_eq!(p.body["instructors"], json!(["Iris Merge"]));
    assert_eq!(p.body["resources"], json!(["Elbe"]));
    let p = api
        .post(
            &format!("/sessions/{small}/merge/preview"),
            &json!({ "into_session_id": roomy }),
        )
        .await;
    assert_eq!(
        (p.body["booked"].as_i64(), p.body["waiting"].as_i64()),
        (Some(3), Some(0))
    );
    assert_eq!(
        api.get(&format!("/sessions/{small}")).await.body["status"],
        "scheduled"
    );
    let before: Vec<usize> = {
        let mut n = Vec::new();
        for i in 0..3 {
            n.push(
                common::mails_to(t, &format!("l{i}.mrg@example.com"))
                    .await
                    .len(),
            );
        }
        n
    };

    let r = api
        .post(
            &format!("/sessions/{small}/merge"),
            &json!({ "into_session_id": roomy }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "cancelled");
    assert_eq!(r.body["status_reason"], "low_enrollment");
    let (booked, waiting, _) = statuses(
        &api.get(&format!("/sessions/{roomy}/enrollments"))
            .await
            .body,
    );
    assert_eq!((booked, waiting), (3, 0));
    // Each learner: exactly one new message, saying the old date is cancelled and the new date.
    for i in 0..3 {
        let mails = common::mails_to(t, &format!("l{i}.mrg@example.com")).await;
        let new: Vec<_> = mails[before[i]..].iter().collect();
        assert_eq!(new.len(), 1, "{new:?}");
        assert_eq!(new[0].kind, "enrollment_merged");
        assert!(
            new[0].body.contains("is cancelled") && new[0].body.contains("Your new date"),
            "{}",
            new[0].body
        );
    }
    // The instructor is released and told; the room is free again.
    let roster = api.get(&format!("/sessions/{small}/assignments")).await;
    let released = roster
        .body
        .as_array()
        .map(|a| a.iter().all(|x| x["status"] == "cancelled"));
    if roster.status == StatusCode::OK {
        assert_eq!(released, Some(true), "{}", roster.body);
    }
    let mut conn = t.app.store.read().await.unwrap();
    let assignment = trainyard_store::assignments::get(&mut conn, aid)
        .await
        .unwrap();
    assert_eq!(
        assignment.status,
        trainyard_core::status::AssignmentStatus::Cancelled
    );
    assert!(
        trainyard_store::bookings::for_session(&mut conn, small)
            .await
            .unwrap()
            .is_empty()
    );
    drop(conn);
    let told = common::mails_to(t, "iris@example.com").await;
    assert!(
        told.iter().any(|m| m.kind == "session_cancelled"),
        "{told:?}"
    );
}

async fn cancelling_a_session_releases_its_instructors_and_rooms_for_other_sessions(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let venue = api
        .create("/venues", &venue_body("CNLV", "Europe/Berlin"))
        .await["id"]
        .as_i64()
        .unwrap();
    let course = api.create("/courses", &course_body("CNLX")).await["id"]
        .as_i64()
        .unwrap();
    let room = api
        .create("/resources", &json!({ "kind": "room", "code": "ODER", "name": "Oder", "venue_id": venue, "seats": 12, "features": ["projector"] }))
        .await["id"]
        .as_i64()
        .unwrap();
    let instructor = api
        .create("/instructors", &json!({
            "name": "Carl Cancel", "email": "carl@example.com", "employment_type": "staff", "home_venue_id": venue,
            "time_zone": "Europe/Berlin", "currency": "EUR", "max_days_week": 5, "max_days_month": 20, "skills": []
        }))
        .await["id"]
        .as_i64()
        .unwrap();
    // Qualified: proposing and requesting judge what confirming does.
    api.create(
        &format!("/instructors/{instructor}/qualifications"),
        &json!({ "course_id": course }),
    )
    .await;
    let mk = || {
        let api = &api;
        async move {
            let s = api
                .create("/sessions", &json!({
                    "course_id": course, "visibility": "public", "delivery_mode": "ilt", "venue_id": venue, "capacity": 8,
                    "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" },
                    "parts": [{ "starts": "2027-11-08T09:00", "ends": "2027-11-08T17:00" }]
                }))
                .await;
            let id = s["id"].as_i64().unwrap();
            let r = api
                .post(
                    &format!("/sessions/{id}/transition"),
                    &json!({ "event": "schedule", "version": s["version"] }),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            id
        }
    };
    // Staffed and booked: the instructor accepted, the room is confirmed.
    let staff = |sid: i64| {
        let api = &api;
        async move {
            let a = api
                .create(
                    &format!("/sessions/{sid}/assignments"),
                    &json!({ "instructor_id": instructor }),
                )
                .await;
            let aid = a["id"].as_i64().unwrap();
            let mut v = a["version"].as_i64().unwrap();
            for event in ["request", "accept"] {
                let r = api
                    .post(
                        &format!("/assignments/{aid}/actions"),
                        &json!({ "event": event, "version": v }),
                    )
                    .await;
                assert_eq!(r.status, StatusCode::OK, "{event}: {}", r.body);
                v = r.body["version"].as_i64().unwrap();
            }
            let r = api
                .post(
                    &format!("/sessions/{sid}/bookings"),
                    &json!({ "resource_id": room, "confirm": true }),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            aid
        }
    };
    let first = mk().await;
    let aid = staff(first).await;
    let learner = learners(&api, 1, "cnl").await[0];
    let r = api
        .post(
            &format!("/sessions/{first}/enrollments"),
            &json!({ "learner_id": learner }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // While it runs, a second session at the same time can have neither the room nor Carl.
    let second = mk().await;
    let r = api
        .post(
            &format!("/sessions/{second}/bookings"),
            &json!({ "resource_id": room, "confirm": true }),
        )
        .await;
    assert!(r.status.is_client_error(), "the room is taken: {}", r.body);

    let version = api.get(&format!("/sessions/{first}")).await.body["version"].clone();
    let r = api
        .post(
            &format!("/sessions/{first}/transition"),
            &json!({ "event": "cancel", "version": version, "reason": "venue" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let mut conn = t.app.store.read().await.unwrap();
    let assignment = trainyard_store::assignments::get(&mut conn, aid)
        .await
        .unwrap();
    assert_eq!(
        assignment.status,
        trainyard_core::status::AssignmentStatus::Cancelled
    );
    assert!(
        trainyard_store::bookings::for_session(&mut conn, first)
            .await
            .unwrap()
            .is_empty()
    );
    drop(conn);
    // Carl hears of it once; the learner too, as before.
    let told: Vec<_> = common::mails_to(t, "carl@example.com")
        .await
        .into_iter()
        .filter(|m| m.kind == "session_cancelled")
        .collect();
    assert_eq!(told.len(), 1, "{told:?}");
    let learner_told = common::mails_to(t, "l0.cnl@example.com").await;
    assert!(
        learner_told.iter().any(|m| m.kind == "session_cancelled"),
        "{learner_told:?}"
    );
    // The session's history says what was let go.
    let history = api.get(&format!("/history/session/{first}")).await;
    let h = history.body.to_string();
    assert!(
        h.contains("session.released") && h.contains("Carl Cancel") && h.contains("Oder"),
        "{h}"
    );

    // Both are free for the other session at the same time now.
    let second_assignment = staff(second).await;
    let mut conn = t.app.store.read().await.unwrap();
    let held = trainyard_store::bookings::for_session(&mut conn, second)
        .await
        .unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(
        held[0].status,
        trainyard_core::status::BookingStatus::Confirmed
    );
    drop(conn);

    // A postponement keeps its instructor and its room for when it is rescheduled (they are
    // told); meanwhile it holds no slot, so the room may be booked by another session.
    let version = api.get(&format!("/sessions/{second}")).await.body["version"].clone();
    let r = api
        .post(
            &format!("/sessions/{second}/transition"),
            &json!({ "event": "postpone", "version": version, "reason": "weather" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut conn = t.app.store.read().await.unwrap();
    assert_eq!(
        trainyard_store::assignments::get(&mut conn, second_assignment)
            .await
            .unwrap()
            .status,
        trainyard_core::status::AssignmentStatus::Accepted
    );
    assert_eq!(
        trainyard_store::bookings::for_session(&mut conn, second)
            .await
            .unwrap()
            .len(),
        1
    );
    drop(conn);
    let third = mk().await;
    let r = api
        .post(
            &format!("/sessions/{third}/bookings"),
            &json!({ "resource_id": room, "confirm": true }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}
