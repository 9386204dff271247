//! A coordinator in a real (headless) Chromium plans draft sessions: chooses them on the Plan page,
//! runs the planner, watches the progress (htmx polling, then a reload when the run ends), reads the
//! proposal and accepts it all; the sessions are then scheduled with their instructor proposed and
//! their rooms booked. A coordinator repairs a session inside the notice period, allowing the
//! move, and reads who would be told what. Skipped with a note when Chromium is not installed,
//! unless TRAINYARD_REQUIRE_BROWSER is set.

use crate::common::browser::Chrome;
use crate::common::promises::{monday_after, promised};
use crate::common::{PASSWORD, TestApp, course_body, venue_body};
use reqwest::StatusCode;
use serde_json::json;
use trainyard_core::Role;

both_backends!(
    a_coordinator_plans_draft_sessions_and_accepts_the_proposal,
    a_coordinator_repairs_inside_the_notice_period_and_reads_who_is_told,
);

async fn a_coordinator_plans_draft_sessions_and_accepts_the_proposal(t: &TestApp) {
    let Some(b) = Chrome::start(t).await else {
        return;
    };
    let api = t.api_as(Role::Coordinator, None).await;
    let venue = api
        .create("/venues", &venue_body("BER", "Europe/Berlin"))
        .await["id"]
        .as_i64()
        .unwrap();
    let mut course = course_body("XL");
    course["required_skill"] = json!("excel");
    course["duration_days"] = json!(1);
    let course = api.create("/courses", &course).await["id"]
        .as_i64()
        .unwrap();
    for code in ["SPREE", "HAVEL"] {
        api.create(
            "/resources",
            &json!({ "kind": "room", "code": code, "name": format!("Room {code}"), "venue_id": venue, "seats": 12, "features": ["projector"] }),
        )
        .await;
    }
    for name in ["Anna", "Ben"] {
        api.create("/instructors", &json!({
            "name": name, "email": format!("{}@example.com", name.to_lowercase()), "employment_type": "staff",
            "home_venue_id": venue, "time_zone": "Europe/Berlin", "currency": "EUR",
            "max_days_week": 5, "max_days_month": 20, "skills": ["excel"]
        }))
        .await;
    }
    let mut sessions = Vec::new();
    for _ in 0..3 {
        let s = api
            .create(
                "/sessions",
                &json!({
                    "course_id": course, "visibility": "public", "delivery_mode": "ilt", "venue_id": venue, "capacity": 10,
                    "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" },
                    "parts": [{ "starts": "2027-02-01T09:00", "ends": "2027-02-01T17:00" }]
                }),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        let r = api
            .put(
                &format!("/sessions/{s}/planning-window"),
                &json!({ "earliest": "2027-03-01", "latest": "2027-03-12" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        sessions.push(s);
    }

    t.user("planner@example.com", Role::Coordinator, None).await;
    b.login("planner@example.com", PASSWORD).await;
    b.goto("/plan").await;
    b.wait_for_text("main", "Run the planner on 3 sessions")
        .await;
    b.set_value("#p-seconds", "1").await;
    b.click("#scope button.primary").await;
    b.wait_for_path("/plan/runs/").await;
    // The progress fragment polls until the run ends, then the page reloads with the proposal.
    b.wait_for_within("button[name=all]", std::time::Duration::from_secs(30))
        .await;
    let page = b.text("main").await;
    assert!(page.contains("Cost breakdown"), "{page}");
    assert!(page.contains("3 sessions placed"), "{page}");
    b.screenshot(std::env::temp_dir().join(format!(
        "trainyard-plan-run-{}.png",
        format!("{:?}", t.kind).to_lowercase()
    )))
    .await;
    // The same proposal on the resource timeline: dashed bars where the sessions would go.
    let back = b.path().await;
    b.click("#timeline a[href^='/timeline?plan_run=']").await;
    b.wait_for_path("/timeline").await;
    b.wait_for("a.tl-bar.tl-planned").await;
    let planned = b
        .execute(
            "return document.querySelectorAll('a.tl-bar.tl-planned').length;",
            vec![],
        )
        .await;
    assert!(planned.as_i64().unwrap() >= 1, "{planned}");
    b.goto(&back).await;
    b.wait_for("button[name=all]").await;
    b.click("button[name=all]").await;
    b.wait_for_text("main", "accepted").await;

    for s in &sessions {
        let session = api.get(&format!("/sessions/{s}")).await.body;
        assert_eq!(session["status"], "scheduled", "{session}");
        let starts = session["starts_at"].as_str().unwrap();
        assert!(
            ("2027-03-01".."2027-03-13").contains(&starts),
            "placed inside its window: {starts}"
        );
    }
    b.close().await;
}

async fn a_coordinator_repairs_inside_the_notice_period_and_reads_who_is_told(t: &TestApp) {
    let Some(b) = Chrome::start(t).await else {
        return;
    };
    let monday = monday_after(1);
    let co = promised(t, monday).await;
    let api = t.api_as(Role::Coordinator, None).await;
    let day = |n: i64| {
        (monday + chrono::Duration::days(n))
            .format("%Y-%m-%d")
            .to_string()
    };
    // Over the weeks a move could reach (from today on), only Xenia on Thursday and Friday is
    // free: Amir drops out from today, Emil is away from today, Xenia before the Monday and from
    // the week after (on a Monday, the days before the next one are within reach too).
    let today = chrono::Utc::now().date_naive();
    let mut away = vec![
        (co.emil, today.format("%Y-%m-%d").to_string(), day(20)),
        (co.xenia, day(7), day(20)),
    ];
    if today < monday - chrono::Duration::days(1) {
        away.push((co.xenia, today.format("%Y-%m-%d").to_string(), day(-1)));
    }
    let dropout_from = today.format("%Y-%m-%d").to_string();
    for (who, from, until) in away {
        let r = api
            .post(
                &format!("/instructors/{who}/time-off"),
                &json!({ "from": from, "until": until, "reason": "Holiday" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    t.user("repairer@example.com", Role::Coordinator, None)
        .await;
    b.login("repairer@example.com", PASSWORD).await;
    b.goto("/plan").await;
    b.wait_for("#repair").await;
    b.select("#r-i", "Amir").await;
    b.set_value("#r-i-from", &dropout_from).await;
    b.set_value("#r-i-until", &day(20)).await;
    assert_eq!(b.value("notice_days").await, "14");
    b.check("#repair form:first-of-type input[name=allow_moves_within_notice]")
        .await;
    b.click("#repair form:first-of-type button.primary").await;
    b.wait_for_path("/plan/runs/").await;
    b.wait_for_within("button[name=all]", std::time::Duration::from_secs(30))
        .await;
    let page = b.text("main").await;
    assert!(
        page.contains("moves within the notice period allowed"),
        "{page}"
    );
    assert!(page.contains("Who would be told"), "{page}");
    assert!(
        page.contains("3 booked learners and the client contact (Acme Corp) would be told"),
        "{page}"
    );
    assert!(page.contains("Xenia replaces Amir"), "{page}");
    b.screenshot(std::env::temp_dir().join(format!(
        "trainyard-repair-run-{}.png",
        format!("{:?}", t.kind).to_lowercase()
    )))
    .await;
    let session = api.get(&format!("/sessions/{}", co.session)).await.body;
    assert!(
        session["starts_at"].as_str().unwrap().starts_with(&day(0)),
        "nothing moves before it is accepted: {session}"
    );
    b.close().await;
}
