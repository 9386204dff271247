//! Scheduling data a coordinator enters, on both databases: travel times between venues (with the
//! symmetric default), closure days, and time off entered over teaching.

use crate::common;

use crate::common::{Api, TestApp, course_body, venue_body};
use reqwest::StatusCode;
use serde_json::{Value, json};
use trainyard_core::Role;

both_backends!(
    travel_times_are_entered_both_ways_and_checked,
    closure_days_refuse_confirmation_unless_a_manager_overrides,
    time_off_over_teaching_is_recorded_with_a_warning,
    the_new_session_form_proposes_price_and_parts_from_the_course,
    the_planner_keeps_off_closure_days,
);

async fn venue(api: &Api, code: &str) -> i64 {
    api.create("/venues", &venue_body(code, "Europe/Berlin"))
        .await["id"]
        .as_i64()
        .unwrap()
}

async fn setup(api: &Api) -> (i64, i64, i64, i64) {
    let berlin = venue(api, "BER").await;
    let potsdam = venue(api, "POT").await;
    let mut course = course_body("XL");
    course["required_skill"] = json!("excel");
    let course = api.create("/courses", &course).await["id"]
        .as_i64()
        .unwrap();
    let anna = api
        .create("/instructors", &json!({
            "name": "Anna Berg", "email": "anna@example.com", "employment_type": "staff", "home_venue_id": berlin,
            "time_zone": "Europe/Berlin", "currency": "EUR", "max_days_week": 5, "max_days_month": 20, "skills": ["excel"]
        }))
        .await["id"]
        .as_i64()
        .unwrap();
    (berlin, potsdam, course, anna)
}

async fn session(api: &Api, course: i64, venue: i64, starts: &str, ends: &str) -> i64 {
    let body = json!({
        "course_id": course, "visibility": "public", "delivery_mode": "ilt", "capacity": 10, "venue_id": venue,
        "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" }, "parts": [{ "starts": starts, "ends": ends }]
    });
    api.create("/sessions", &body).await["id"].as_i64().unwrap()
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

async fn confirm(api: &Api, a: i64, v: i64, reason: Option<&str>) -> common::Reply {
    let mut body = json!({ "event": "confirm", "version": v });
    if let Some(r) = reason {
        body["override_reason"] = json!(r);
    }
    api.post(&format!("/assignments/{a}/actions"), &body).await
}

fn row(list: &Value, venue: i64) -> Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|t| t["venue_id"] == venue)
        .cloned()
        .unwrap()
}

async fn travel_times_are_entered_both_ways_and_checked(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let (berlin, potsdam, course, anna) = setup(&api).await;
    let path = format!("/venues/{berlin}/travel-times");
    assert!(row(&api.get(&path).await.body, potsdam)["minutes"].is_null());

    // Berlin → Potsdam also sets Potsdam → Berlin.
    let r = api
        .put(&path, &json!([{ "venue_id": potsdam, "minutes": 60 }]))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let back = api.get(&format!("/venues/{potsdam}/travel-times")).await;
    assert_eq!(row(&back.body, berlin)["minutes"], 60);
    // An explicit way back is kept when the way there changes.
    api.put(
        &format!("/venues/{potsdam}/travel-times"),
        &json!([{ "venue_id": berlin, "minutes": 45 }]),
    )
    .await;
    api.put(&path, &json!([{ "venue_id": potsdam, "minutes": 60 }]))
        .await;
    let there = api.get(&path).await.body;
    assert_eq!(row(&there, potsdam)["minutes"], 60);
    assert_eq!(row(&there, potsdam)["minutes_back"], 45);
    // Out of range, or a venue that is not another one: refused, field by field.
    let r = api
        .put(&path, &json!([{ "venue_id": berlin, "minutes": 2000 }]))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    // Only operations staff change them.
    let finance = t.api_as(Role::Finance, None).await;
    let r = finance
        .put(&path, &json!([{ "venue_id": potsdam, "minutes": 5 }]))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Audited on the venue.
    let history = api.get(&format!("/history/venue/{berlin}")).await.body;
    assert!(
        history.to_string().contains("venue.travel_times_changed"),
        "{history}"
    );

    // Teaching in Berlin until 15:00 leaves no time to start in Potsdam at 15:30.
    let morning = session(&api, course, berlin, "2027-07-05T11:00", "2027-07-05T15:00").await;
    let (a, v) = accepted(&api, morning, anna).await;
    assert_eq!(confirm(&api, a, v, None).await.status, StatusCode::OK);
    let afternoon = session(
        &api,
        course,
        potsdam,
        "2027-07-05T15:30",
        "2027-07-05T17:00",
    )
    .await;
    // Refused already when proposed (issue 13 §2: it was found only at confirmation).
    let r = api
        .post(
            &format!("/sessions/{afternoon}/assignments"),
            &json!({ "instructor_id": anna }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.body["conflicts"][0]["rule"], "travel_time");
    let message = r.body["conflicts"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("travel") && message.contains("60 minutes"),
        "{message}"
    );

    // The venue page lists them, with the edit form for coordinators.
    let browser = t.browser_as(Role::Coordinator, None).await;
    let (status, html) = browser.get(&format!("/venues/{berlin}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Travel times"), "{html}");
    let (status, html) = browser.get(&format!("/venues/{berlin}/travel-times")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("name=\"minutes_"), "{html}");
    let csrf = browser.csrf().await;
    let (status, _) = browser
        .post_form(
            &format!("/venues/{berlin}/travel-times"),
            &[("_csrf", &csrf), (&format!("minutes_{potsdam}"), "75")],
        )
        .await;
    assert!(status.is_success() || status.is_redirection(), "{status}");
    assert_eq!(row(&api.get(&path).await.body, potsdam)["minutes"], 75);
}

async fn closure_days_refuse_confirmation_unless_a_manager_overrides(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let (berlin, potsdam, course, anna) = setup(&api).await;
    let holiday = api
        .post(
            "/closures",
            &json!({ "day": "2027-07-07", "name": "Founders' Day" }),
        )
        .await;
    assert_eq!(holiday.status, StatusCode::CREATED, "{}", holiday.body);
    let r = api
        .post(
            "/closures",
            &json!({ "day": "2027-07-08", "name": "Renovation", "venue_id": potsdam }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = api
        .post("/closures", &json!({ "day": "7 July", "name": "" }))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let list = api.get("/closures?from=2027-07-01&until=2027-07-31").await;
    assert_eq!(list.body.as_array().unwrap().len(), 2, "{}", list.body);
    let berlin_only = api.get(&format!("/closures?venue_id={berlin}")).await;
    assert_eq!(berlin_only.body.as_array().unwrap().len(), 1);

    let rules = |v: &Value| -> Vec<String> {
        v["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["rule"].as_str().unwrap().to_owned())
            .collect()
    };
    let on_holiday = session(&api, course, berlin, "2027-07-07T09:00", "2027-07-07T12:00").await;
    let check = api
        .get(&format!(
            "/sessions/{on_holiday}/check?instructor_id={anna}"
        ))
        .await
        .body;
    assert_eq!(rules(&check), vec!["closure"], "{check}");
    assert!(check.to_string().contains("Founders' Day"), "{check}");
    // A venue's closure binds that venue only.
    let in_berlin = session(&api, course, berlin, "2027-07-08T09:00", "2027-07-08T12:00").await;
    let check = api
        .get(&format!("/sessions/{in_berlin}/check?instructor_id={anna}"))
        .await
        .body;
    assert!(rules(&check).is_empty(), "{check}");
    let in_potsdam = session(
        &api,
        course,
        potsdam,
        "2027-07-08T13:00",
        "2027-07-08T16:00",
    )
    .await;
    let check = api
        .get(&format!(
            "/sessions/{in_potsdam}/check?instructor_id={anna}"
        ))
        .await
        .body;
    assert!(check.to_string().contains("Renovation"), "{check}");

    // Confirmation refuses it; a manager may override with a reason, like time off.
    let manager = t.api_as(Role::Manager, None).await;
    let (a, v) = accepted_over(&manager, on_holiday, anna, "The client asked for this day").await;
    let r = confirm(&api, a, v, Some("please")).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.body["conflicts"][0]["rule"], "closure");
    let r = confirm(&manager, a, v, Some("The client asked for this day")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // Removing the closure lifts it.
    let id = holiday.body["id"].as_i64().unwrap();
    assert_eq!(
        api.delete(&format!("/closures/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
    let again = session(&api, course, berlin, "2027-07-07T13:00", "2027-07-07T16:00").await;
    let check = api
        .get(&format!("/sessions/{again}/check?instructor_id={anna}"))
        .await
        .body;
    assert!(!rules(&check).contains(&"closure".to_owned()), "{check}");

    // The closures page lists them and takes new ones.
    let browser = t.browser_as(Role::Coordinator, None).await;
    let (status, html) = browser.get("/closures").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Renovation"), "{html}");
    let csrf = browser.csrf().await;
    let (status, _) = browser
        .post_form(
            "/closures",
            &[
                ("_csrf", &csrf),
                ("day", "2027-12-25"),
                ("name", "Christmas Day"),
                ("venue_id", ""),
            ],
        )
        .await;
    assert!(status.is_success() || status.is_redirection(), "{status}");
    let list = api.get("/closures?from=2027-12-01").await.body;
    assert_eq!(list[0]["name"], "Christmas Day", "{list}");
}

async fn time_off_over_teaching_is_recorded_with_a_warning(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let (berlin, _, course, anna) = setup(&api).await;
    let s = session(&api, course, berlin, "2027-07-05T09:00", "2027-07-05T12:00").await;
    let (a, v) = accepted(&api, s, anna).await;
    assert_eq!(confirm(&api, a, v, None).await.status, StatusCode::OK);
    let reference = api.get(&format!("/sessions/{s}")).await.body["reference"]
        .as_str()
        .unwrap()
        .to_owned();

    let r = api
        .post(
            &format!("/instructors/{anna}/time-off"),
            &json!({ "from": "2027-07-05", "until": "2027-07-06", "reason": "Sick" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(
        r.body["id"].as_i64().is_some(),
        "still the time off: {}",
        r.body
    );
    assert!(
        r.body["affected_sessions"][0]
            .as_str()
            .unwrap()
            .starts_with(&reference),
        "{}",
        r.body
    );
    assert!(r.body["warning"].as_str().unwrap().contains(&reference));
    // Time off elsewhere warns of nothing.
    let r = api
        .post(
            &format!("/instructors/{anna}/time-off"),
            &json!({ "from": "2027-08-02", "until": "2027-08-03", "reason": "Holiday" }),
        )
        .await;
    assert_eq!(r.body["affected_sessions"], json!([]));
    assert!(r.body["warning"].is_null());

    // The dashboard's "Needs attention" lists the session.
    let browser = t.browser_as(Role::Coordinator, None).await;
    let (_, html) = browser.get("/").await;
    assert!(
        html.contains(&reference) && html.contains("Anna Berg is on time off (sick)"),
        "{html}"
    );

    // The timeline shows the time off and closure days, in the API and on the page.
    let r = api
        .post(
            "/closures",
            &json!({ "day": "2027-07-07", "name": "Founders' Day" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let tl = api.get("/timeline?from=2027-07-05&days=7").await.body;
    assert_eq!(tl["closures"][0]["name"], "Founders' Day", "{tl}");
    let anna_row = tl["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == anna)
        .cloned()
        .unwrap();
    assert_eq!(anna_row["time_off"][0]["reason"], "Sick", "{anna_row}");
    let (status, html) = browser.get("/timeline?start=2027-07-05").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Founders&#39; Day") || html.contains("Founders' Day"),
        "{html}"
    );
    assert!(
        html.contains("time off: sick") && html.contains("tl-off"),
        "{html}"
    );
}

async fn the_new_session_form_proposes_price_and_parts_from_the_course(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    // Two days of 7 hours at 890.00 EUR.
    let course = api.create("/courses", &course_body("TWO")).await["id"]
        .as_i64()
        .unwrap();
    let browser = t.browser_as(Role::Coordinator, None).await;
    // From a Friday: the second day is the Monday after.
    let (status, html) = browser
        .get(&format!("/sessions/new?course_id={course}&date=2027-07-09"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("value=\"890.00\""), "{html}");
    for part in [
        "2027-07-09T09:00",
        "2027-07-09T16:00",
        "2027-07-12T09:00",
        "2027-07-12T16:00",
    ] {
        assert!(html.contains(part), "{part} in {html}");
    }
    // Time zones are picked from the IANA names.
    let (_, html) = browser.get("/venues/new").await;
    assert!(
        html.contains("list=\"iana-zones\"") && html.contains("<option value=\"Europe/Berlin\">"),
        "{html}"
    );
}

async fn the_planner_keeps_off_closure_days(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let (berlin, _, _, _) = setup(&api).await;
    let mut one_day = course_body("ONE");
    one_day["duration_days"] = json!(1);
    one_day["required_skill"] = json!("excel");
    one_day["required_features"] = json!([]);
    let course = api.create("/courses", &one_day).await["id"]
        .as_i64()
        .unwrap();
    api.create(
        "/resources",
        &json!({ "kind": "room", "code": "SPREE", "name": "Room Spree", "venue_id": berlin, "seats": 12 }),
    )
    .await;
    // Monday is a public holiday and the venue is closed on Tuesday: Wednesday is the first day.
    for (day, name, venue) in [
        ("2027-03-01", "Holiday", None),
        ("2027-03-02", "Renovation", Some(berlin)),
    ] {
        let r = api
            .post(
                "/closures",
                &json!({ "day": day, "name": name, "venue_id": venue }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let s = session(&api, course, berlin, "2027-02-01T09:00", "2027-02-01T17:00").await;
    let r = api
        .put(
            &format!("/sessions/{s}/planning-window"),
            &json!({ "earliest": "2027-03-01", "latest": "2027-03-03" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = api
        .post(
            "/plan-runs",
            &json!({ "session_ids": [s], "seconds": 2, "seed": 7, "max_iterations": 30000, "threads": 1 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let run = r.body["id"].as_i64().unwrap();
    let mut done = Value::Null;
    for _ in 0..300 {
        done = api.get(&format!("/plan-runs/{run}")).await.body;
        if !matches!(done["status"].as_str(), Some("queued" | "running")) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let proposal = &done["proposals"][0];
    assert_eq!(proposal["outcome"], "placed", "{done}");
    let starts = proposal["parts"][0]["starts_at"].as_str().unwrap();
    assert!(starts.starts_with("2027-03-03"), "{proposal}");
}
