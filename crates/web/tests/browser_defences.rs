//! The pages under the Content-Security-Policy, in a real (headless) Chromium: the timeline's bars
//! sit in their days and lanes (classes, not style attributes), the dashboard's bars have their
//! lengths (SVG), htmx previews a message template without injecting a style, the error page's
//! "Go back" works without a `javascript:` URL, and the Swagger UI renders under its own policy.
//! `Chrome::close` fails the test on any CSP violation in the console.
//! Skipped with a note when Chromium is not installed, unless TRAINYARD_REQUIRE_BROWSER is set.

use crate::common::browser::Chrome;
use crate::common::{PASSWORD, TestApp, course_body, venue_body};
use serde_json::{Value, json};
use trainyard_core::Role;
use trainyard_core::status::AssignmentStatus;

both_backends!(pages_work_under_the_content_security_policy);

/// Wednesday 10 March 2027 (the third day of its week), Berlin time.
const DAY: &str = "2027-03-10";

fn shot(t: &TestApp, what: &str) -> std::path::PathBuf {
    let backend = format!("{:?}", t.kind).to_lowercase();
    std::env::temp_dir().join(format!("trainyard-csp-{what}-{backend}.png"))
}

async fn pages_work_under_the_content_security_policy(t: &TestApp) {
    let Some(b) = Chrome::start(t).await else {
        return;
    };
    // An instructor with two overlapping sessions on Wednesday (two lanes) and one on Thursday.
    let api = t.api_as(Role::Coordinator, None).await;
    let venue = api
        .create("/venues", &venue_body("CSP", "Europe/Berlin"))
        .await;
    let course = api.create("/courses", &course_body("CSP-1")).await;
    let instructor = api
        .create(
            "/instructors",
            &json!({
                "name": "Carla Policy", "email": "carla.policy@example.com", "employment_type": "staff",
                "time_zone": "Europe/Berlin", "currency": "EUR", "max_days_week": 5, "max_days_month": 20
            }),
        )
        .await;
    let mut ids = Vec::new();
    for (starts, ends) in [
        (format!("{DAY}T09:00"), format!("{DAY}T17:00")),
        (format!("{DAY}T13:00"), format!("{DAY}T15:00")),
        ("2027-03-11T09:00".into(), "2027-03-11T17:00".into()),
    ] {
        let s = api
            .create(
                "/sessions",
                &json!({
                    "course_id": course["id"], "visibility": "public", "delivery_mode": "ilt",
                    "venue_id": venue["id"], "capacity": 12, "time_zone": "Europe/Berlin",
                    "seat_price": { "amount": "890", "currency": "EUR" }, "parts": [{ "starts": starts, "ends": ends }]
                }),
            )
            .await;
        ids.push(s["id"].as_i64().unwrap());
    }
    // And one next week, for the dashboard's "next 90 days".
    let soon = chrono::Utc::now().date_naive() + chrono::Duration::days(7);
    api.create(
        "/sessions",
        &json!({
            "course_id": course["id"], "visibility": "public", "delivery_mode": "ilt",
            "venue_id": venue["id"], "capacity": 12, "time_zone": "Europe/Berlin", "seat_price": { "amount": "890", "currency": "EUR" }, "parts": [{ "starts": format!("{soon}T09:00"), "ends": format!("{soon}T17:00") }]
        }),
    )
    .await;
    let now = trainyard_core::time::now_ms();
    let mut tx = t.app.store.write().await.unwrap();
    for sid in &ids {
        trainyard_store::assignments::insert(
            &mut tx,
            *sid,
            instructor["id"].as_i64().unwrap(),
            "lead",
            AssignmentStatus::Requested,
            now,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();

    t.user("mia.manager@example.com", Role::Manager, None).await;
    b.login("mia.manager@example.com", PASSWORD).await;

    // The timeline, week and month: each bar in its day columns and its lane.
    let bars = "var out = {};
         document.querySelectorAll('a.tl-bar').forEach(function (a) {
           var s = getComputedStyle(a), r = a.getBoundingClientRect();
           out[a.getAttribute('href')] = [s.gridColumnStart, s.gridColumnEnd, s.gridRowStart, Math.round(r.width)];
         });
         var days = document.querySelector('.tl-days');
         out.columns = getComputedStyle(days).gridTemplateColumns.split(' ').length;
         return out;";
    b.goto(&format!("/timeline?start={DAY}")).await;
    b.wait_for("a.tl-bar").await;
    let week = b.execute(bars, vec![]).await;
    b.screenshot(shot(t, "timeline-week")).await;
    let bar = |v: &Value, id: i64| v[format!("/sessions/{id}")].clone();
    assert_eq!(week["columns"], 7, "{week}");
    assert_eq!(
        bar(&week, ids[0]),
        json!(["3", "span 1", "1", bar(&week, ids[0])[3]]),
        "{week}"
    );
    assert_eq!(bar(&week, ids[1])[0], "3", "{week}");
    assert_eq!(
        bar(&week, ids[1])[2],
        "2",
        "the overlap goes to a second lane: {week}"
    );
    assert_eq!(bar(&week, ids[2])[0], "4", "{week}");
    assert!(
        bar(&week, ids[0])[3].as_i64().unwrap() > 40,
        "a bar is a day wide, not squeezed: {week}"
    );
    b.goto(&format!("/timeline?view=month&start={DAY}")).await;
    b.wait_for("a.tl-bar").await;
    let month = b.execute(bars, vec![]).await;
    assert_eq!(month["columns"], 31, "March: {month}");
    assert_eq!(bar(&month, ids[0])[0], "10", "{month}");
    assert_eq!(bar(&month, ids[2])[0], "11", "{month}");

    // The dashboard's bars: an SVG rectangle as long as its share.
    b.goto("/").await;
    b.wait_for(".bar svg.track rect").await;
    let widths = b
        .execute(
            "return Array.from(document.querySelectorAll('.bar svg.track')).map(function (s) {
               return [s.getBoundingClientRect().width, s.querySelector('rect').getBoundingClientRect().width];
             });",
            vec![],
        )
        .await;
    let widths = widths.as_array().unwrap();
    assert!(!widths.is_empty());
    b.screenshot(shot(t, "dashboard")).await;
    assert!(
        widths.iter().any(|w| {
            let (track, fill) = (w[0].as_f64().unwrap(), w[1].as_f64().unwrap());
            track > 50.0 && fill > 0.0 && fill <= track
        }),
        "{widths:?}"
    );
    // htmx is configured not to inject its indicator <style>; no page has one.
    let styles = b
        .execute("return document.querySelectorAll('style').length;", vec![])
        .await;
    assert_eq!(styles, 0);

    // htmx at work: editing a message template previews it as you type.
    t.user("ada.admin@example.com", Role::Admin, None).await;
    b.click(".me button.link").await;
    b.wait_for("main.login").await;
    b.login("ada.admin@example.com", PASSWORD).await;
    b.goto("/admin/messages/enrollment_confirmed").await;
    b.wait_for("#f-subject").await;
    b.type_into("#f-subject", " (CSP check)").await;
    b.wait_for_text("#preview-subject", "(CSP check)").await;
    let styles = b
        .execute("return document.querySelectorAll('style').length;", vec![])
        .await;
    assert_eq!(styles, 0, "htmx injected no style");

    // The error page's "Go back" is our script, not a javascript: URL.
    b.goto("/sessions").await;
    b.goto("/sessions/999999").await;
    b.click("a[data-back]").await;
    b.wait_for_path("/sessions").await;

    // The Swagger UI renders (its own policy, on its path only).
    b.goto("/api/v1/docs/").await;
    b.wait_for(".swagger-ui .info .title").await;
    b.wait_for(".swagger-ui .opblock").await;
    // Opening an operation renders its parameters and highlighted examples.
    b.click(".swagger-ui .opblock .opblock-summary").await;
    b.wait_for(".swagger-ui .opblock-body").await;
    b.click(".swagger-ui .try-out__btn").await;
    b.click(".swagger-ui .execute").await;
    b.wait_for(".swagger-ui .responses-wrapper .live-responses-table")
        .await;

    b.close().await;
}
