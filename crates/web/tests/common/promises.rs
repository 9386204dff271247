//! A client's confirmed session that people have been told of, for the repair tests (issue 13).

use super::{TestApp, course_body, venue_body};
use reqwest::StatusCode;
use serde_json::json;
use trainyard_core::Role;

/// A client's confirmed two-day session (Monday and Tuesday of the week of `monday`) with three
/// booked learners and Amir confirmed to teach it; Emil (as dear) and Xenia (150 EUR a day
/// cheaper, away Monday to Wednesday) are qualified too. The demo's case from issue 13.
pub struct Promised {
    pub session: i64,
    pub spree: i64,
    pub amir: i64,
    pub emil: i64,
    pub xenia: i64,
}

pub async fn promised(t: &TestApp, monday: chrono::NaiveDate) -> Promised {
    let api = t.api_as(Role::Coordinator, None).await;
    let manager = t.api_as(Role::Manager, None).await;
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
    let mut rooms = Vec::new();
    for (code, name) in [("SPREE", "Room Spree"), ("HAVEL", "Room Havel")] {
        rooms.push(
            api.create(
                "/resources",
                &json!({ "kind": "room", "code": code, "name": name, "venue_id": venue, "seats": 12, "features": ["projector"] }),
            )
            .await["id"]
            .as_i64()
            .unwrap(),
        );
    }
    let room = rooms[0];
    let client = manager
        .create("/clients", &json!({ "code": "ACME", "name": "Acme Corp", "billing_email": "ap@acme.example", "currency": "EUR", "time_zone": "Europe/Berlin" }))
        .await["id"]
        .as_i64()
        .unwrap();
    let mut people = Vec::new();
    for (name, rate) in [("Amir", "450"), ("Emil", "450"), ("Xenia", "300")] {
        people.push(
            manager
                .create("/instructors", &json!({
                    "name": name, "email": format!("{}@example.com", name.to_lowercase()), "employment_type": "contractor",
                    "home_venue_id": venue, "time_zone": "Europe/Berlin", "currency": "EUR",
                    "day_rate": { "amount": rate, "currency": "EUR" },
                    "max_days_week": 5, "max_days_month": 20, "skills": ["excel"]
                }))
                .await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let day = |n: i64| {
        (monday + chrono::Duration::days(n))
            .format("%Y-%m-%d")
            .to_string()
    };
    let r = api
        .post(
            &format!("/instructors/{}/time-off", people[2]),
            &json!({ "from": day(0), "until": day(2), "reason": "Teaching elsewhere" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let s = api
        .create("/sessions", &json!({
            "course_id": course, "visibility": "private", "client_id": client, "delivery_mode": "ilt", "venue_id": venue, "capacity": 10,
            "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" },
            "parts": [
                { "starts": format!("{}T09:00", day(0)), "ends": format!("{}T17:00", day(0)) },
                { "starts": format!("{}T09:00", day(1)), "ends": format!("{}T17:00", day(1)) }
            ]
        }))
        .await;
    let session = s["id"].as_i64().unwrap();
    let r = api
        .post(
            &format!("/sessions/{session}/transition"),
            &json!({ "event": "schedule", "version": s["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = api
        .post(
            &format!("/sessions/{session}/bookings"),
            &json!({ "resource_id": room, "confirm": true }),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    let a = api
        .create(
            &format!("/sessions/{session}/assignments"),
            &json!({ "instructor_id": people[0] }),
        )
        .await;
    let id = a["id"].as_i64().unwrap();
    let mut v = a["version"].as_i64().unwrap();
    for event in ["request", "accept", "confirm"] {
        let r = api
            .post(
                &format!("/assignments/{id}/actions"),
                &json!({ "event": event, "version": v }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{event}: {}", r.body);
        v = r.body["version"].as_i64().unwrap();
    }
    for i in 0..3 {
        let l = api
            .create("/learners", &json!({ "first_name": format!("L{i}"), "last_name": "Acme", "email": format!("l{i}@acme.example"), "time_zone": "Europe/Berlin", "client_id": client }))
            .await["id"]
            .as_i64()
            .unwrap();
        let r = api
            .post(
                &format!("/sessions/{session}/enrollments"),
                &json!({ "learner_id": l }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let now = api.get(&format!("/sessions/{session}")).await.body;
    let r = api
        .post(
            &format!("/sessions/{session}/transition"),
            &json!({ "event": "confirm", "version": now["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    Promised {
        session,
        spree: room,
        amir: people[0],
        emil: people[1],
        xenia: people[2],
    }
}

/// The Monday at least `days` days from today.
pub fn monday_after(days: i64) -> chrono::NaiveDate {
    let mut d = chrono::Utc::now().date_naive() + chrono::Duration::days(days);
    while chrono::Datelike::weekday(&d) != chrono::Weekday::Mon {
        d += chrono::Duration::days(1);
    }
    d
}
