//! A learner in a real (headless) Chromium: finds a full session in the public catalog, registers
//! from its page, follows the e-mailed confirmation link and chooses a password, lands on their portal on the waiting list (number 1), and — once the booked
//! learner is cancelled by the coordinator — sees themself booked after a reload. The catalog and
//! the portal are also rendered at a phone's width (390 px) and must not scroll sideways there.
//! Skipped with a note when Chromium is not installed, unless TRAINYARD_REQUIRE_BROWSER is set.

use crate::common;

use crate::common::browser::Chrome;
use crate::common::{TestApp, course_body, venue_body};
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use trainyard_core::Role;

both_backends!(a_learner_joins_the_waitlist_from_the_catalog_and_is_promoted);

fn kind_name(t: &TestApp) -> String {
    format!("{:?}", t.kind).to_lowercase()
}

fn shot(t: &TestApp, what: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("trainyard-{what}-{}.png", kind_name(t)))
}

/// Opens `path` with the viewport of a phone (390 × 844, through Chromium's device emulation:
/// our pages may not be framed, not even by themselves), waits for it, and returns (the page's
/// scroll width, the viewport's width). The emulation stays on for a screenshot.
async fn at_phone_width(b: &Chrome, path: &str) -> (i64, i64) {
    b.cdp(
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": true }),
    )
    .await;
    b.goto(path).await;
    b.wait_for("main").await;
    let v = b
        .execute(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];",
            vec![],
        )
        .await;
    let a = v.as_array().unwrap();
    (a[0].as_i64().unwrap(), a[1].as_i64().unwrap())
}

async fn a_learner_joins_the_waitlist_from_the_catalog_and_is_promoted(t: &TestApp) {
    let Some(b) = Chrome::start(t).await else {
        return;
    };

    // 1. A one-seat public session, already booked by someone, and a few other open sessions.
    let api = t.api_as(Role::Coordinator, None).await;
    let venue = api
        .create("/venues", &venue_body("BER", "Europe/Berlin"))
        .await["id"]
        .as_i64()
        .unwrap();
    let mut course = course_body("PM");
    course["title"] = json!("Project Management Essentials");
    course["description"] =
        json!("Plan, run and close a project: scope, schedule, risks and stakeholders.");
    let course = api.create("/courses", &course).await["id"]
        .as_i64()
        .unwrap();
    let day = |n: i64| {
        (Utc::now().date_naive() + Duration::days(n))
            .format("%Y-%m-%d")
            .to_string()
    };
    let schedule = |body: Value| {
        let api = &api;
        async move {
            let s = api.create("/sessions", &body).await;
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
    let (d1, d2) = (day(21), day(22));
    let full = schedule(json!({
        "course_id": course, "visibility": "public", "delivery_mode": "ilt", "venue_id": venue,
        "capacity": 1, "time_zone": "Europe/Berlin", "seat_price": { "amount": "1290", "currency": "EUR" },
        "parts": [
            { "starts": format!("{d1}T09:00"), "ends": format!("{d1}T17:00") },
            { "starts": format!("{d2}T09:00"), "ends": format!("{d2}T16:00") }
        ]
    }))
    .await;
    for (code, title, days, mode) in [
        ("XL", "Excel for Analysts", 10, "vilt"),
        ("LEAD", "Leading Teams", 35, "ilt"),
    ] {
        let mut c = course_body(code);
        c["title"] = json!(title);
        let c = api.create("/courses", &c).await["id"].as_i64().unwrap();
        let d = day(days);
        let mut body = json!({
            "course_id": c, "visibility": "public", "delivery_mode": mode, "capacity": 12,
            "time_zone": "Europe/Berlin", "seat_price": { "amount": "690", "currency": "EUR" },
            "parts": [{ "starts": format!("{d}T09:30"), "ends": format!("{d}T16:30") }]
        });
        if mode == "ilt" {
            body["venue_id"] = json!(venue);
        }
        schedule(body).await;
    }
    let first = api
        .create("/learners", &json!({ "first_name": "Fay", "last_name": "First", "email": "fay@example.com", "time_zone": "Europe/Berlin" }))
        .await["id"]
        .as_i64()
        .unwrap();
    let booked = api
        .create(
            &format!("/sessions/{full}/enrollments"),
            &json!({ "learner_id": first }),
        )
        .await;
    assert_eq!(booked["status"], "booked");

    // 2. The learner browses the catalog without signing in.
    b.goto("/catalog").await;
    b.wait_for("ul.cards").await;
    let card = format!("li.scard:has(a[href='/catalog/{full}'])");
    assert_eq!(
        b.text(&format!("{card} h2")).await,
        "Project Management Essentials"
    );
    assert_eq!(
        b.text(&format!("{card} .seats")).await,
        "Full — join the waiting list"
    );
    assert!(b.exists(&format!("{card} .seats.full")).await);
    assert!(
        b.exists("a[href^='/login']").await,
        "a sign-in link, no account needed"
    );
    b.screenshot(shot(t, "catalog")).await;

    // 3. Opens the session and registers.
    b.click(&format!("{card} h2 a")).await;
    b.wait_for("form.register").await;
    assert_eq!(b.text("main h1").await, "Project Management Essentials");
    assert_eq!(b.text("#reg").await, "Join the waiting list");
    let schedule_text = b.text("main ol.parts").await;
    assert!(
        schedule_text.contains("09:00–17:00") && schedule_text.contains("09:00–16:00"),
        "both parts with times: {schedule_text:?}"
    );
    b.screenshot(shot(t, "catalog-session")).await;
    b.fill("first_name", "Lena").await;
    b.fill("last_name", "Learner").await;
    b.fill("email", "lena@example.com").await;
    b.click("form.register button[type='submit']").await;
    b.wait_for_text("main h1", "Check your e-mail").await;

    // 4. Follows the link e-mailed to her, chooses a password: signed in, on the portal, on the
    //    waiting list as number 1.
    let mail = common::mails_to(t, "lena@example.com").await;
    let link = common::link_in(&mail[0].body, &t.app, "/account/confirm").unwrap();
    b.goto(link.trim_start_matches(&t.app.settings.public_url))
        .await;
    b.wait_for("input[name='password']").await;
    b.fill("password", "my own secret 42").await;
    b.click("main form button[type='submit']").await;
    let notice = b.wait_for_text("main p.notice", "waiting list").await;
    assert!(
        notice.contains("you are number 1 on the waiting list"),
        "the notice says {notice:?}"
    );
    assert_eq!(b.path().await, "/");
    let entry = "main section.enrollment";
    assert_eq!(
        b.text(&format!("{entry} h2")).await,
        "Project Management Essentials"
    );
    assert_eq!(b.text(&format!("{entry} span.badge")).await, "Waitlisted");
    assert!(b.exists(&format!("{entry} span.badge.s-waitlisted")).await);
    assert!(
        b.text(&format!("{entry} p.waitlist"))
            .await
            .contains("You are number 1 on the waiting list"),
    );
    let facts = b.text(&format!("{entry} dl.facts")).await;
    assert!(
        facts.contains("Venue BER") && facts.contains("Street 1"),
        "joining details: {facts:?}"
    );
    assert!(
        b.exists(&format!("{entry} a[href$='.ics']")).await,
        "Add to calendar"
    );
    assert!(b.exists(&format!("{entry} form[action$='/cancel']")).await);
    b.screenshot(shot(t, "portal-waitlisted")).await;

    // 5. The coordinator cancels the booked learner: the seat goes to the waiting list.
    let id = booked["id"].as_i64().unwrap();
    let r = api
        .post(
            &format!("/enrollments/{id}/cancel"),
            &json!({ "version": booked["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // 6. A reload shows the learner booked.
    b.goto("/").await;
    b.wait_for_text(&format!("{entry} span.badge"), "Booked")
        .await;
    assert!(b.exists(&format!("{entry} span.badge.s-booked")).await);
    assert!(!b.exists(&format!("{entry} p.waitlist")).await);
    b.screenshot(shot(t, "portal-booked")).await;

    // 7. At a phone's width: nothing scrolls sideways.
    let (scroll, width) = at_phone_width(&b, "/").await;
    assert!(
        scroll <= width,
        "the portal scrolls sideways on a phone: {scroll} > {width}"
    );
    b.screenshot(shot(t, "portal-phone")).await;
    let (scroll, width) = at_phone_width(&b, "/catalog").await;
    assert!(
        scroll <= width,
        "the catalog scrolls sideways on a phone: {scroll} > {width}"
    );
    b.screenshot(shot(t, "catalog-phone")).await;
    let (scroll, width) = at_phone_width(&b, &format!("/catalog/{full}")).await;
    assert!(
        scroll <= width,
        "the session page scrolls sideways on a phone: {scroll} > {width}"
    );
    b.screenshot(shot(t, "catalog-session-phone")).await;

    b.close().await;
}
