//! Accounts over HTTP, on both databases: registration with a known address signs nobody in and
//! mails only the owner; the replies never tell a known address from an unknown one (nor a
//! learner from an administrator or a client's learner); confirmation, sign-in and set-password
//! links work once and not after they expire; a password reset end to end; and a hostile Host
//! header never reaches a feed's or an e-mail's links, which are absolute under the public URL.

use crate::common;

use crate::common::{
    Api, Browser, LEARNER_PASSWORD, TestApp, course_body, link_in, mails_to, token_of,
};
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::json;
use trainyard_core::Role;

both_backends!(
    registering_with_a_known_learners_address_signs_nobody_in_and_mails_the_owner_once,
    replies_do_not_tell_known_addresses_from_unknown_ones,
    a_confirmation_link_works_once_and_not_after_it_expires,
    a_password_is_reset_through_an_emailed_link,
    a_hostile_host_header_never_reaches_feed_or_email_links,
);

const EVIL: &str = "evil.example";

/// A public, scheduled session 20 days ahead.
async fn open_session(api: &Api, code: &str) -> i64 {
    let course = api.create("/courses", &course_body(code)).await["id"]
        .as_i64()
        .unwrap();
    let d = (Utc::now().date_naive() + Duration::days(20)).format("%Y-%m-%d");
    let s = api
        .create(
            "/sessions",
            &json!({
                "course_id": course, "visibility": "public", "delivery_mode": "vilt", "capacity": 10,
                "time_zone": "Europe/Berlin", "seat_price": { "amount": "490", "currency": "EUR" },
                "parts": [{ "starts": format!("{d}T09:00"), "ends": format!("{d}T17:00") }]
            }),
        )
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

/// A raw POST of the registration form (no cookie jar, redirects not followed): status, whether
/// a login cookie was set, body.
async fn post_registration(
    t: &TestApp,
    session: i64,
    email: &str,
    host: Option<&str>,
) -> (StatusCode, bool, String) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let origin = match host {
        Some(h) => format!("http://{h}"),
        None => t.url(""),
    };
    let mut req = http
        .post(t.url(&format!("/catalog/{session}/register")))
        .header("origin", origin)
        .form(&[
            ("first_name", "Mallory"),
            ("last_name", "Example"),
            ("email", email),
            // Ignored: the old form took a password, and with it the account.
            ("password", "the attacker's own password"),
        ]);
    if let Some(h) = host {
        req = req.header(reqwest::header::HOST, h);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let cookie = r
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .any(|v| v.to_str().unwrap_or("").starts_with("ty_session="));
    (status, cookie, r.text().await.unwrap())
}

async fn enrolled(api: &Api, session: i64) -> Vec<String> {
    let r = api.get(&format!("/sessions/{session}/enrollments")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["learner_email"].as_str().unwrap_or("").to_owned())
        .collect()
}

async fn registering_with_a_known_learners_address_signs_nobody_in_and_mails_the_owner_once(
    t: &TestApp,
) {
    let api = t.api_as(Role::Coordinator, None).await;
    let first = open_session(&api, "OWN").await;
    let second = open_session(&api, "TAKE").await;
    // The owner has a learner account and a booking.
    let (owner, status, html) =
        common::register_and_confirm(t, first, "Olga", "olga@example.com").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("My sessions"), "{html}");
    let mails_before = mails_to(t, "olga@example.com").await.len();

    // Someone else registers with her address and a password of their own.
    let (status, cookie, html) = post_registration(t, second, "Olga@Example.com", None).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(!cookie, "no login session is issued");
    assert!(html.contains("Check your e-mail"));
    assert!(
        !html.contains("already") && !html.contains("Olga"),
        "{html}"
    );
    // No access: the portal is behind the login, and neither password opens her account.
    let stranger = Browser::new(t);
    let (_, page) = stranger.get("/").await;
    assert!(!page.contains("My sessions") && page.contains("Sign in"));
    let r = stranger
        .login("olga@example.com", "the attacker's own password")
        .await;
    assert!(r.text().await.unwrap().contains("do not match an account"));
    assert!(
        !enrolled(&api, second)
            .await
            .contains(&"olga@example.com".to_owned())
    );

    // The owner gets exactly one e-mail: a sign-in link, absolute, about the session.
    let mails = mails_to(t, "olga@example.com").await;
    assert_eq!(mails.len(), mails_before + 1, "{mails:?}");
    let m = mails.last().unwrap();
    assert_eq!(m.kind, "account_sign_in");
    assert!(m.body.contains("Course TAKE"), "{}", m.body);
    let link = link_in(&m.body, &t.app, "/account/sign-in?token=").expect("an absolute link");
    // Her own login still works; the link signs her in (once) and leads to the session.
    let (_, page) = owner.get("/").await;
    assert!(page.contains("My sessions"));
    let b = Browser::new(t);
    let (status, page) = b
        .get(link.trim_start_matches(&t.app.settings.public_url))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Sign in as olga@example.com"), "{page}");
    let (status, page) = b
        .post_form("/account/sign-in", &[("token", &token_of(&link))])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(&format!("action=\"/catalog/{second}/enroll\"")),
        "{page}"
    );
    let (status, _) = Browser::new(t)
        .post_form("/account/sign-in", &[("token", &token_of(&link))])
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "a sign-in link works once");

    // The finding's own case: a learner a coordinator entered (no account yet) with a booking.
    // Registering with that address used to create an account with the caller's password on
    // that record and sign the caller in to it.
    let piet = api
        .create("/learners", &json!({ "first_name": "Piet", "last_name": "Owner", "email": "piet@example.com", "time_zone": "Europe/Berlin" }))
        .await["id"]
        .as_i64()
        .unwrap();
    let r = api
        .post(
            &format!("/sessions/{first}/enrollments"),
            &json!({ "learner_id": piet }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let before = mails_to(t, "piet@example.com").await.len();
    let (status, cookie, html) = post_registration(t, second, "piet@example.com", None).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(!cookie, "no login session is issued");
    let r = Browser::new(t)
        .login("piet@example.com", "the attacker's own password")
        .await;
    assert!(r.text().await.unwrap().contains("do not match an account"));
    assert!(
        !enrolled(&api, second)
            .await
            .contains(&"piet@example.com".to_owned())
    );
    let mails = mails_to(t, "piet@example.com").await;
    assert_eq!(mails.len(), before + 1, "{mails:?}");
    // Only the mailbox's owner can go on: the link asks them for a password of their own, and
    // the account then is linked to their record, with its booking.
    let m = mails.last().unwrap();
    assert_eq!(m.kind, "account_confirm");
    let link = link_in(&m.body, &t.app, "/account/confirm?token=").unwrap();
    let (status, page) = Browser::new(t)
        .post_form(
            "/account/confirm",
            &[
                ("token", token_of(&link).as_str()),
                ("password", "piet's own password"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("Hello Piet Owner")
            && page.contains("Course OWN")
            && page.contains("Course TAKE"),
        "{page}"
    );
}

async fn replies_do_not_tell_known_addresses_from_unknown_ones(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let s = open_session(&api, "SAME").await;
    let (_, status, _) = common::register_and_confirm(t, s, "Lea", "lea@example.com").await;
    assert_eq!(status, StatusCode::OK);
    t.user("boss@example.com", Role::Admin, None).await;
    let client = api
        .create("/clients", &json!({ "code": "ACME", "name": "Acme Corp", "billing_email": "ap@acme.example", "currency": "EUR", "time_zone": "Europe/Berlin" }))
        .await["id"]
        .as_i64()
        .unwrap();
    api.create("/learners", &json!({ "first_name": "Cy", "last_name": "Corp", "email": "cy@acme.example", "client_id": client, "time_zone": "Europe/Berlin" }))
        .await;
    api.create("/learners", &json!({ "first_name": "Nia", "last_name": "Known", "email": "nia@example.com", "time_zone": "Europe/Berlin" }))
        .await;

    let (status, cookie, reference) = post_registration(t, s, "nobody@example.com", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!cookie);
    for email in [
        "lea@example.com",
        "boss@example.com",
        "cy@acme.example",
        "nia@example.com",
        "another.nobody@example.com",
    ] {
        let (st, cookie, body) = post_registration(t, s, email, None).await;
        assert_eq!(st, status, "{email}");
        assert!(!cookie, "{email}");
        assert_eq!(body, reference, "the reply for {email} differs");
        assert!(!body.contains("Acme") && !body.contains("admin"));
    }
    // What each one got, by kind: one message each.
    let kinds = |m: Vec<common::Mail>| m.into_iter().map(|m| m.kind).collect::<Vec<_>>();
    assert_eq!(
        kinds(mails_to(t, "boss@example.com").await),
        ["account_sign_in"]
    );
    let boss = mails_to(t, "boss@example.com").await;
    assert!(
        !boss[0].body.contains("/account/sign-in"),
        "an administrator gets a notice, never a link that signs in"
    );
    assert_eq!(
        kinds(mails_to(t, "cy@acme.example").await),
        ["registration_managed"]
    );
    assert_eq!(
        kinds(mails_to(t, "nia@example.com").await),
        ["account_confirm"]
    );
    assert_eq!(
        kinds(mails_to(t, "nobody@example.com").await),
        ["account_confirm"]
    );
    let lea = kinds(mails_to(t, "lea@example.com").await);
    assert_eq!(
        lea.iter().filter(|k| *k == "account_sign_in").count(),
        1,
        "{lea:?}"
    );

    // A flood of registrations does not flood a mailbox: at most five messages an hour, links
    // and notices alike, and the reply stays the same.
    for email in ["boss@example.com", "nobody@example.com"] {
        for _ in 0..6 {
            let (st, cookie, body) = post_registration(t, s, email, None).await;
            assert_eq!((st, cookie), (status, false));
            assert_eq!(body, reference);
        }
        assert_eq!(mails_to(t, email).await.len(), 5, "{email}");
    }

    // Forgot-password answers the same for an account and for nobody; only the owner is mailed.
    let b = Browser::new(t);
    let (s1, known) = b
        .post_form("/account/password/forgot", &[("email", "lea@example.com")])
        .await;
    let (s2, unknown) = b
        .post_form(
            "/account/password/forgot",
            &[("email", "ghost@example.com")],
        )
        .await;
    assert_eq!((s1, s2), (StatusCode::OK, StatusCode::OK));
    assert_eq!(known, unknown);
    assert!(mails_to(t, "ghost@example.com").await.is_empty());
    assert_eq!(
        mails_to(t, "lea@example.com")
            .await
            .iter()
            .filter(|m| m.kind == "password_reset")
            .count(),
        1
    );
}

async fn a_confirmation_link_works_once_and_not_after_it_expires(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let s = open_session(&api, "ONCE").await;
    let (status, cookie, _) = post_registration(t, s, "una@example.com", None).await;
    assert_eq!((status, cookie), (StatusCode::OK, false));
    assert!(
        enrolled(&api, s).await.is_empty(),
        "nothing before the link is followed"
    );
    let mail = mails_to(t, "una@example.com").await;
    let link = link_in(&mail[0].body, &t.app, "/account/confirm?token=").unwrap();
    let token = token_of(&link);
    assert_eq!(token.len(), 64, "256 random bits");

    // Followed twice at the same moment: exactly one account, one enrollment.
    let (a, b) = (Browser::new(t), Browser::new(t));
    let fields = [("token", token.as_str()), ("password", LEARNER_PASSWORD)];
    let (ra, rb) = tokio::join!(
        a.post_form("/account/confirm", &fields),
        b.post_form("/account/confirm", &fields)
    );
    let mut statuses = [ra.0, rb.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{ra:?} {rb:?}"
    );
    let winner = if ra.0 == StatusCode::OK { &ra.1 } else { &rb.1 };
    assert!(
        winner.contains("My sessions") && winner.contains("You are booked"),
        "{winner}"
    );
    let loser = if ra.0 == StatusCode::OK { &rb.1 } else { &ra.1 };
    assert!(
        loser.contains("expired or has already been used"),
        "{loser}"
    );
    assert_eq!(enrolled(&api, s).await, ["una@example.com"]);
    // Used: the page says so, and no token is found by a second look.
    let (status, page) = Browser::new(t)
        .get(&format!("/account/confirm?token={token}"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("expired or has already been used"));
    // Made up: the same.
    let (status, _) = Browser::new(t)
        .post_form(
            "/account/confirm",
            &[("token", &"ab".repeat(32)), ("password", LEARNER_PASSWORD)],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Expired: refused, and nothing is created.
    let (status, _, _) = post_registration(t, s, "late@example.com", None).await;
    assert_eq!(status, StatusCode::OK);
    let mail = mails_to(t, "late@example.com").await;
    let token = token_of(&link_in(&mail[0].body, &t.app, "/account/confirm?token=").unwrap());
    {
        let mut conn = t.app.store.read().await.unwrap();
        sqlx::query("UPDATE account_tokens SET expires_at = 1 WHERE email = $1")
            .bind("late@example.com")
            .execute(&mut *conn)
            .await
            .unwrap();
    }
    let (status, page) = Browser::new(t)
        .post_form(
            "/account/confirm",
            &[("token", token.as_str()), ("password", LEARNER_PASSWORD)],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");
    assert!(
        !enrolled(&api, s)
            .await
            .contains(&"late@example.com".to_owned())
    );
    let r = Browser::new(t)
        .login("late@example.com", LEARNER_PASSWORD)
        .await;
    assert!(r.text().await.unwrap().contains("do not match an account"));
}

async fn a_password_is_reset_through_an_emailed_link(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let s = open_session(&api, "RESET").await;
    let (signed_in, status, _) =
        common::register_and_confirm(t, s, "Rita", "rita@example.com").await;
    assert_eq!(status, StatusCode::OK);

    let b = Browser::new(t);
    let (status, page) = b.get("/login").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("href=\"/account/password/forgot\""));
    let (status, page) = b
        .post_form("/account/password/forgot", &[("email", "Rita@example.com")])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Check your e-mail"));
    let mail = mails_to(t, "rita@example.com").await;
    let m = mail.iter().find(|m| m.kind == "password_reset").unwrap();
    let link = link_in(&m.body, &t.app, "/account/password?token=").expect("absolute");
    let token = token_of(&link);

    let (status, page) = b
        .get(link.trim_start_matches(&t.app.settings.public_url))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("rita@example.com") && page.contains("name=\"password\""));
    // Too short: refused in words, the link still works.
    let (status, page) = b
        .post_form(
            "/account/password",
            &[("token", &token), ("password", "short")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("must be at least 10 characters"));
    let (status, page) = b
        .post_form(
            "/account/password",
            &[("token", &token), ("password", "a brand new passphrase")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Password set"));

    // Every login of the account ended; the old password no longer works, the new one does.
    let (_, page) = signed_in.get("/").await;
    assert!(
        !page.contains("My sessions"),
        "the old login session is gone"
    );
    let r = Browser::new(t)
        .login("rita@example.com", LEARNER_PASSWORD)
        .await;
    assert!(r.text().await.unwrap().contains("do not match an account"));
    let r = Browser::new(t)
        .login("rita@example.com", "a brand new passphrase")
        .await;
    assert!(r.text().await.unwrap().contains("My sessions"));
    // The link is used up.
    let (status, _) = b
        .post_form(
            "/account/password",
            &[("token", &token), ("password", "yet another passphrase")],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // And the change is in the account's history.
    let mut conn = t.app.store.read().await.unwrap();
    let user = trainyard_store::users::find_by_email(&mut conn, "rita@example.com")
        .await
        .unwrap()
        .unwrap();
    drop(conn);
    let history = api.get(&format!("/history/user/{}", user.id)).await.body;
    let actions: Vec<&str> = history
        .as_array()
        .map(|h| h.iter().filter_map(|e| e["action"].as_str()).collect())
        .unwrap_or_default();
    assert!(actions.contains(&"user.password_set"), "{history}");
    assert!(actions.contains(&"user.password_link_sent"), "{history}");
}

async fn a_hostile_host_header_never_reaches_feed_or_email_links(t: &TestApp) {
    let base = t.app.settings.public_url.clone();
    let api = t.api_as(Role::Coordinator, None).await;
    let venue = api
        .create("/venues", &common::venue_body("HOST", "Europe/Berlin"))
        .await["id"]
        .as_i64()
        .unwrap();
    let course = api.create("/courses", &course_body("HOSTC")).await["id"]
        .as_i64()
        .unwrap();
    let d = (Utc::now().date_naive() + Duration::days(12)).format("%Y-%m-%d");
    let s = api
        .create(
            "/sessions",
            &json!({
                "course_id": course, "visibility": "public", "delivery_mode": "ilt", "capacity": 10,
                "venue_id": venue, "time_zone": "Europe/Berlin", "seat_price": { "amount": "490", "currency": "EUR" },
                "parts": [{ "starts": format!("{d}T09:00"), "ends": format!("{d}T17:00") }]
            }),
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

    // A feed created through a request whose Host header is the attacker's.
    let http = reqwest::Client::new();
    let created: serde_json::Value = http
        .post(format!("{}/feeds", api.base))
        .bearer_auth(&api.token)
        .header(reqwest::header::HOST, EVIL)
        .json(&json!({ "kind": "venue", "target_id": venue }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = created["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{base}/feeds/")), "{created}");
    assert!(!created.to_string().contains(EVIL), "{created}");
    // Read with the attacker's Host: the events link to the public URL.
    let path = url.trim_start_matches(&base);
    let ics = http
        .get(t.url(path))
        .header(reqwest::header::HOST, EVIL)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(ics.contains("BEGIN:VEVENT"), "{ics}");
    assert!(!ics.contains(EVIL), "{ics}");
    assert!(ics.contains(&format!("{base}/sessions/{sid}")), "{ics}");

    // The same on the feeds page.
    let b = t.browser_as(Role::Coordinator, None).await;
    let csrf = b.csrf().await;
    let r = b
        .http
        .post(t.url(&format!("/feeds/venue/{venue}")))
        .header(reqwest::header::HOST, EVIL)
        .header("origin", format!("http://{EVIL}"))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "the Host header did reach the app"
    );
    let html = r.text().await.unwrap();
    assert!(html.contains(&format!("value=\"{base}/feeds/")), "{html}");
    assert!(!html.contains(EVIL));

    // A registration posted with the attacker's Host: the e-mailed link is absolute and ours.
    let (status, _, _) = post_registration(t, sid, "victim@example.com", Some(EVIL)).await;
    assert_eq!(status, StatusCode::OK, "the Host header did reach the app");
    let mails = mails_to(t, "victim@example.com").await;
    assert_eq!(mails.len(), 1);
    assert!(!mails[0].body.contains(EVIL), "{}", mails[0].body);
    assert!(
        link_in(&mails[0].body, &t.app, "/account/confirm?token=").is_some(),
        "{}",
        mails[0].body
    );

    // Another e-mail with a link: an instructor's assignment request (a waitlist offer's link is
    // checked in tests/catalog.rs).
    let instructor = api
        .create("/instructors", &json!({
            "name": "Ina Host", "email": "ina@example.com", "employment_type": "staff", "home_venue_id": venue,
            "time_zone": "Europe/Berlin", "currency": "EUR", "max_days_week": 5, "max_days_month": 20
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
    let a = api
        .create(
            &format!("/sessions/{sid}/assignments"),
            &json!({ "instructor_id": instructor }),
        )
        .await;
    let r = api
        .post(
            &format!("/assignments/{}/actions", a["id"]),
            &json!({ "event": "request", "version": a["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let request = mails_to(t, "ina@example.com").await;
    let m = request
        .iter()
        .find(|m| m.kind == "assignment_request")
        .unwrap();
    assert!(
        m.body
            .contains(&format!("{base}/portal/assignments/{}", a["id"])),
        "{}",
        m.body
    );
    // Every link in every message queued in this test is absolute under the public URL.
    for email in ["victim@example.com", "ina@example.com"] {
        for m in mails_to(t, email).await {
            for (i, _) in m
                .body
                .match_indices("/portal/")
                .chain(m.body.match_indices("/account/"))
            {
                let before = &m.body[..i];
                assert!(
                    before.ends_with(&base),
                    "relative link in {}: {}",
                    m.kind,
                    m.body
                );
            }
        }
    }
}
