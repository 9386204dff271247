//! An administrator invites an instructor from the instructor's page in a real (headless)
//! Chromium; the instructor follows the e-mailed link, chooses a password, signs in with it and
//! accepts a request in their portal, which shows where and when (in their zone). The portal is
//! also rendered at a phone's width and must not scroll sideways there.
//! Skipped with a note when Chromium is not installed, unless TRAINYARD_REQUIRE_BROWSER is set.

use crate::common;

use crate::common::browser::Chrome;
use crate::common::{PASSWORD, TestApp, course_body, venue_body};
use reqwest::StatusCode;
use serde_json::json;
use trainyard_core::Role;

both_backends!(an_invited_instructor_signs_up_and_accepts_a_request);

fn shot(t: &TestApp, what: &str) -> std::path::PathBuf {
    let kind = format!("{:?}", t.kind).to_lowercase();
    std::env::temp_dir().join(format!("trainyard-{what}-{kind}.png"))
}

async fn sign_out(b: &Chrome) {
    b.click("form[action='/logout'] button").await;
    b.wait_for("main.login").await;
}

async fn an_invited_instructor_signs_up_and_accepts_a_request(t: &TestApp) {
    let Some(b) = Chrome::start(t).await else {
        return;
    };

    // 1. An instructor record with a requested session, and an administrator.
    let api = t.api_as(Role::Admin, None).await;
    let anna = api
        .create(
            "/instructors",
            &json!({ "name": "Anna Berg", "email": "anna@inst.example.com", "employment_type": "contractor",
                     "time_zone": "Europe/Berlin", "currency": "EUR", "max_days_week": 5, "max_days_month": 20 }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let venue = api
        .create("/venues", &venue_body("BER", "Europe/Berlin"))
        .await["id"]
        .as_i64()
        .unwrap();
    let course = api.create("/courses", &course_body("XL")).await["id"]
        .as_i64()
        .unwrap();
    // Qualified: proposing and requesting judge what confirming does.
    api.create(
        &format!("/instructors/{anna}/qualifications"),
        &json!({ "course_id": course }),
    )
    .await;
    let day = (chrono::Utc::now() + chrono::Duration::days(14))
        .format("%Y-%m-%d")
        .to_string();
    let s = api
        .create(
            "/sessions",
            &json!({ "course_id": course, "visibility": "public", "delivery_mode": "ilt", "venue_id": venue,
                     "capacity": 10, "time_zone": "Europe/Berlin", "seat_price": { "amount": "490", "currency": "EUR" },
                     "parts": [{ "starts": format!("{day}T09:00"), "ends": format!("{day}T17:00") }] }),
        )
        .await;
    let sid = s["id"].as_i64().unwrap();
    let r = api
        .post(
            &format!("/sessions/{sid}/transition"),
            &json!({ "event": "schedule", "version": s["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let a = api
        .create(
            &format!("/sessions/{sid}/assignments"),
            &json!({ "instructor_id": anna, "role": "lead" }),
        )
        .await;
    let aid = a["id"].as_i64().unwrap();
    let r = api
        .post(
            &format!("/assignments/{aid}/actions"),
            &json!({ "event": "request", "version": a["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    t.user("olga@example.com", Role::Admin, None).await;

    // 2. The administrator invites Anna from her page.
    b.login("olga@example.com", PASSWORD).await;
    b.goto(&format!("/instructors/{anna}")).await;
    let invite = format!("main .page-head .actions a[href='/instructors/{anna}/invite']");
    assert_eq!(b.text(&invite).await, "Invite to Trainyard");
    b.click(&invite).await;
    b.wait_for("input[name='email']").await;
    assert_eq!(b.value("email").await, "anna@inst.example.com");
    assert_eq!(b.value("name").await, "Anna Berg");
    b.screenshot(shot(t, "invite-form")).await;
    b.click("main form button[type='submit']").await;
    b.wait_for_text("main p.notice", "Invitation sent to anna@inst.example.com")
        .await;
    assert_eq!(b.path().await, format!("/instructors/{anna}"));
    sign_out(&b).await;

    // 3. Anna follows the e-mailed link and chooses a password: signed in, on her portal.
    let mail = common::mails_to(t, "anna@inst.example.com").await;
    let invitation = mail.iter().find(|m| m.kind == "account_invite").unwrap();
    assert!(
        invitation.subject.contains("invites you to Trainyard"),
        "{}",
        invitation.subject
    );
    let link = common::link_in(&invitation.body, &t.app, "/account/invite").unwrap();
    b.goto(link.trim_start_matches(&t.app.settings.public_url))
        .await;
    b.wait_for("input[name='password']").await;
    assert!(b.text("main").await.contains("anna@inst.example.com"));
    b.fill("password", "anna's own secret").await;
    b.click("main form button[type='submit']").await;
    b.wait_for_text("main p.notice", "your account is ready")
        .await;
    assert_eq!(b.text("main h1").await, "My schedule");

    // 4. She signs out and in again with her password.
    sign_out(&b).await;
    b.login("anna@inst.example.com", "anna's own secret").await;
    assert_eq!(b.text("main h1").await, "My schedule");

    // 5. The request shows where and when; she accepts it.
    let card = format!("main article#assignment-{aid}");
    let facts = b.text(&format!("{card} dl.facts")).await;
    assert!(
        facts.contains("Venue BER, Street 1") && facts.contains("09:00–17:00"),
        "place and time: {facts:?}"
    );
    assert_eq!(b.text(&format!("{card} span.badge")).await, "Requested");
    assert!(
        b.exists(&format!(
            "{card} form.decline input[name='reason'][required]"
        ))
        .await,
        "declining asks why"
    );
    b.screenshot(shot(t, "instructor-portal-requested")).await;
    let accept = format!("{card} input[name='event'][value='accept'] ~ button[type='submit']");
    assert_eq!(b.text(&accept).await, "Accept");
    b.click(&accept).await;
    b.wait_for_text("main p.notice", "Assignment accepted")
        .await;
    assert!(b.exists(&format!("{card} span.badge.s-accepted")).await);
    assert!(!b.exists(&format!("{card} form.decline")).await);
    b.screenshot(shot(t, "instructor-portal-accepted")).await;
    let mine = api.get("/assignments/needing-action").await.body;
    assert!(
        mine.as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == json!(aid) && x["status"] == json!("accepted")),
        "{mine}"
    );

    // 6. At a phone's width the portal does not scroll sideways.
    b.cdp(
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": true }),
    )
    .await;
    b.goto("/").await;
    b.wait_for("main").await;
    let v = b
        .execute(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];",
            vec![],
        )
        .await;
    let (scroll, width) = (v[0].as_i64().unwrap(), v[1].as_i64().unwrap());
    assert!(
        scroll <= width,
        "the portal scrolls sideways on a phone: {scroll} > {width}"
    );
    b.screenshot(shot(t, "instructor-portal-phone")).await;

    // 7. The administrator finds Anna's account from the users list: linked to her record.
    b.cdp("Emulation.clearDeviceMetricsOverride", json!({}))
        .await;
    sign_out(&b).await;
    b.login("olga@example.com", PASSWORD).await;
    let users = api.get("/users").await.body;
    let uid = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == json!("anna@inst.example.com"))
        .and_then(|u| u["id"].as_i64())
        .unwrap();
    b.goto("/admin/users").await;
    b.click(&format!("main a[href='/admin/users/{uid}']")).await;
    b.wait_for_text("main h1", "Anna Berg").await;
    let facts = b.text("main dl.facts").await;
    assert!(
        facts.contains("Anna Berg"),
        "linked to her record: {facts:?}"
    );
    assert!(
        b.exists(&format!("main dl.facts a[href='/instructors/{anna}']"))
            .await
    );
    assert!(
        b.exists("main .page-head .actions form[action$='/deactivate']")
            .await
    );
    b.screenshot(shot(t, "admin-user")).await;

    b.close().await;
}
