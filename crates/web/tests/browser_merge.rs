//! A coordinator merges an under-filled session in a real (headless) Chromium: the viability
//! panel offers the session with room for everyone first and says how many would wait in the
//! other, the merge asks for confirmation with a summary (who moves, who waits, who and what is
//! released), and after confirming the learners are in the target and the source is cancelled.
//! The summary is also rendered at a phone's width. Skipped with a note when Chromium is not
//! installed, unless TRAINYARD_REQUIRE_BROWSER is set.

use crate::common::browser::Chrome;
use crate::common::{PASSWORD, TestApp, course_body, venue_body};
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::json;
use trainyard_core::Role;

both_backends!(a_coordinator_merges_a_session_after_seeing_who_moves_and_who_waits);

async fn a_coordinator_merges_a_session_after_seeing_who_moves_and_who_waits(t: &TestApp) {
    let Some(b) = Chrome::start(t).await else {
        return;
    };
    let api = t.api_as(Role::Coordinator, None).await;
    let venue = api
        .create("/venues", &venue_body("BMV", "Europe/Berlin"))
        .await["id"]
        .as_i64()
        .unwrap();
    let course = api.create("/courses", &course_body("BMX")).await["id"]
        .as_i64()
        .unwrap();
    let day = |n: i64| {
        (Utc::now().date_naive() + Duration::days(n))
            .format("%Y-%m-%d")
            .to_string()
    };
    let mk = |n: i64, capacity: i64| {
        let api = &api;
        let d = day(n);
        async move {
            let s = api
                .create("/sessions", &json!({
                    "course_id": course, "visibility": "public", "delivery_mode": "ilt", "venue_id": venue,
                    "capacity": capacity, "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" },
                    "parts": [{ "starts": format!("{d}T09:00"), "ends": format!("{d}T17:00") }]
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
            (id, s["reference"].as_str().unwrap().to_owned())
        }
    };
    // Below the minimum of 3, a week away: the viability panel shows.
    let (small, small_ref) = mk(7, 6).await;
    let (tight, tight_ref) = mk(9, 1).await;
    let (roomy, roomy_ref) = mk(12, 10).await;
    for (i, name) in ["Ada", "Ben"].iter().enumerate() {
        let l = api
            .create("/learners", &json!({ "first_name": name, "last_name": "Merger", "email": format!("{}{i}@merge.example", name.to_lowercase()), "time_zone": "Europe/Berlin" }))
            .await["id"]
            .as_i64()
            .unwrap();
        let r = api
            .post(
                &format!("/sessions/{small}/enrollments"),
                &json!({ "learner_id": l }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }

    t.user("carla@example.com", Role::Coordinator, None).await;
    b.login("carla@example.com", PASSWORD).await;
    b.goto(&format!("/sessions/{small}?tab=enrollments")).await;
    b.wait_for("#viability").await;
    // Cancelling or postponing asks why, in its own panel.
    assert!(b.exists("#status-change select[name=reason]").await);
    b.screenshot(std::env::temp_dir().join(format!("trainyard-merge-source-{:?}.png", t.kind)))
        .await;
    let offered = b
        .execute(
            "return Array.from(document.querySelectorAll('#viability select[name=into_session_id] option')).map(function (o) { return o.text.trim(); });",
            vec![],
        )
        .await;
    let offered: Vec<String> = offered
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert!(
        offered[0].contains(&roomy_ref) && offered[0].contains("room for everyone"),
        "{offered:?}"
    );
    assert!(
        offered
            .iter()
            .any(|o| o.contains(&tight_ref) && o.contains("1 would wait")),
        "{offered:?}"
    );

    // Into the tight one first: the summary says who waits, and nothing has changed yet.
    b.select("#viability select[name=into_session_id]", &tight_ref)
        .await;
    b.click("#viability form.inline-form button.primary").await;
    let summary = b.wait_for_text("#merge-summary", "would wait").await;
    assert!(summary.contains("1 would wait"), "{summary}");
    assert!(summary.contains("Ada Merger") && summary.contains("Ben Merger"));
    assert!(summary.contains("number 1"), "{summary}");
    assert_eq!(
        api.get(&format!("/sessions/{small}")).await.body["status"],
        "scheduled",
        "a summary changes nothing"
    );
    b.screenshot(std::env::temp_dir().join(format!("trainyard-merge-summary-{:?}.png", t.kind)))
        .await;
    // At a phone's width the summary fits without scrolling sideways.
    b.cdp(
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": true }),
    )
    .await;
    let widths = b
        .execute(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];",
            vec![],
        )
        .await;
    b.screenshot(
        std::env::temp_dir().join(format!("trainyard-merge-summary-phone-{:?}.png", t.kind)),
    )
    .await;
    assert!(
        widths[0].as_i64().unwrap() <= widths[1].as_i64().unwrap() + 1,
        "the summary scrolls sideways at 390 px: {widths}"
    );
    b.cdp("Emulation.clearDeviceMetricsOverride", json!({}))
        .await;

    // Back, and into the roomy one: confirmed, everyone moves.
    b.goto(&format!("/sessions/{small}?tab=enrollments")).await;
    b.wait_for("#viability").await;
    b.select("#viability select[name=into_session_id]", &roomy_ref)
        .await;
    b.click("#viability form.inline-form button.primary").await;
    let summary = b.wait_for_text("#merge-summary", "Merge and tell").await;
    assert!(!summary.contains("would wait"), "{summary}");
    b.click("#merge-summary button.primary").await;
    b.wait_for_path(&format!("/sessions/{roomy}")).await;
    b.wait_for_text("body", &format!("Session {small_ref} merged into this one"))
        .await;
    let moved = api
        .get(&format!("/sessions/{roomy}/enrollments"))
        .await
        .body;
    assert_eq!(
        moved
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["status"] == "booked")
            .count(),
        2
    );
    let source = api.get(&format!("/sessions/{small}")).await.body;
    assert_eq!(source["status"], "cancelled");
    let (_, tight_after) = (tight, api.get(&format!("/sessions/{tight}")).await.body);
    assert_eq!(tight_after["booked_count"], 0);
    b.close().await;
}
