//! The public catalog and self-registration over HTTP, on both databases: anonymous browsing that
//! never shows a private session, registration confirmed by e-mail that creates the learner, the
//! account and the enrollment and signs in, known addresses (an e-mail to the owner, nothing else; see also
//! tests/accounts.rs), closed registration,
//! validation that changes nothing, the waitlist and offers in the learner's portal, one-button
//! registration, cancel and transfer for signed-in learners, and calendar files only for their owner.

use crate::common;

use crate::common::{Api, Browser, TestApp, course_body, venue_body};
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use trainyard_core::Role;

both_backends!(
    the_catalog_is_public_and_never_shows_private_sessions,
    registering_creates_learner_account_and_enrollment_and_signs_in,
    a_full_session_waitlists_in_order_and_offers_are_accepted_in_the_portal,
    validation_errors_are_422_and_change_nothing,
    signed_in_learners_register_with_one_button_transfer_and_cancel,
    calendar_files_only_for_their_owner,
    sessions_whose_registration_closed_leave_the_catalog,
);

/// A date `days` from today, as typed in a session's parts.
fn day(days: i64) -> String {
    (Utc::now().date_naive() + Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

struct Made {
    id: i64,
    reference: String,
}

/// A session of `course` starting `days` from now (09:00–17:00 Berlin), scheduled unless `draft`.
#[allow(clippy::too_many_arguments)]
async fn session(
    api: &Api,
    course: i64,
    venue: Option<i64>,
    client: Option<i64>,
    capacity: i64,
    days: i64,
    draft: bool,
) -> Made {
    let d = day(days);
    let mut body = json!({
        "course_id": course, "visibility": if client.is_some() { "private" } else { "public" },
        "delivery_mode": if venue.is_some() { "ilt" } else { "vilt" }, "capacity": capacity,
        "time_zone": "Europe/Berlin", "seat_price": { "amount": "490", "currency": "EUR" },
        "parts": [{ "starts": format!("{d}T09:00"), "ends": format!("{d}T17:00") }]
    });
    if let Some(v) = venue {
        body["venue_id"] = json!(v);
    }
    if let Some(c) = client {
        body["client_id"] = json!(c);
    }
    let s = api.create("/sessions", &body).await;
    let id = s["id"].as_i64().unwrap();
    if !draft {
        let r = api
            .post(
                &format!("/sessions/{id}/transition"),
                &json!({ "event": "schedule", "version": s["version"] }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    Made {
        id,
        reference: s["reference"].as_str().unwrap().to_owned(),
    }
}

async fn course(api: &Api, code: &str) -> i64 {
    let mut body = course_body(code);
    body["description"] = json!(format!("Everything about {code}."));
    api.create("/courses", &body).await["id"].as_i64().unwrap()
}

async fn venue(api: &Api, code: &str) -> i64 {
    api.create("/venues", &venue_body(code, "Europe/Berlin"))
        .await["id"]
        .as_i64()
        .unwrap()
}

async fn learner_count(api: &Api) -> i64 {
    let r = api.get("/learners?per_page=1").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["total"].as_i64().unwrap()
}

async fn enrollments(api: &Api, session: i64) -> Vec<Value> {
    let r = api.get(&format!("/sessions/{session}/enrollments")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body.as_array().unwrap().clone()
}

fn of<'a>(list: &'a [Value], email: &str) -> &'a Value {
    list.iter()
        .find(|e| e["learner_email"] == email)
        .unwrap_or_else(|| panic!("no enrollment of {email} in {list:?}"))
}

/// Registers through the public form in a fresh (anonymous) browser and follows the
/// confirmation link e-mailed to `email`, as its owner would; follows the redirect.
async fn register(
    t: &TestApp,
    session: i64,
    first: &str,
    email: &str,
) -> (Browser, StatusCode, String) {
    common::register_and_confirm(t, session, first, email).await
}

/// Reads `ics` with Python's `icalendar` through tests/ical_check.py (an independent parser).
/// `None` when it is not installed, unless `CI` or `TRAINYARD_REQUIRE_BROWSER` demands it.
fn python_reading(ics: &str) -> Option<Value> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ical_check.py");
    let required =
        std::env::var_os("TRAINYARD_REQUIRE_BROWSER").is_some() || std::env::var_os("CI").is_some();
    let missing = |why: String| -> Option<Value> {
        assert!(
            !required,
            "{why}: python3 -m pip install 'icalendar==6.1.0'"
        );
        eprintln!("note: {why}; the calendar file is checked in Rust only");
        None
    };
    let mut child = match Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => return missing(format!("python3 could not be started ({e})")),
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(ics.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(3) && stderr.contains("MISSING-ICALENDAR") {
        return missing("the Python package icalendar is not installed".into());
    }
    assert!(
        out.status.success(),
        "ical_check.py failed: {stderr}\n{ics}"
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["problems"],
        json!([]),
        "the parser found problems in:\n{ics}"
    );
    Some(v)
}

/// The value of the first `name="…" value="…"` hidden field in `html`.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .map(|i| i + marker.len())
        .unwrap_or_else(|| panic!("no field {name} in the page"));
    html[start..].split('"').next().unwrap().to_owned()
}

async fn the_catalog_is_public_and_never_shows_private_sessions(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let public_course = course(&api, "PUBLIC").await;
    let private_course = course(&api, "SECRET").await;
    let draft_course = course(&api, "DRAFTY").await;
    let online_course = course(&api, "ONLINE").await;
    let berlin = venue(&api, "BER").await;
    let client = api
        .create("/clients", &json!({ "code": "ACME", "name": "Acme", "billing_email": "ap@acme.example", "currency": "EUR", "time_zone": "Europe/Berlin" }))
        .await["id"]
        .as_i64()
        .unwrap();
    let open = session(&api, public_course, Some(berlin), None, 12, 30, false).await;
    let online = session(&api, online_course, None, None, 8, 40, false).await;
    let private = session(
        &api,
        private_course,
        Some(berlin),
        Some(client),
        12,
        30,
        false,
    )
    .await;
    let draft = session(&api, draft_course, Some(berlin), None, 12, 30, true).await;
    // Also private: a public course's session for one client.
    let private_of_public = session(
        &api,
        public_course,
        Some(berlin),
        Some(client),
        12,
        31,
        false,
    )
    .await;

    // No login, no cookie: the catalog is there.
    let anon = reqwest::Client::new();
    let r = anon.get(t.url("/catalog")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("Course PUBLIC") && html.contains("Course ONLINE"));
    assert!(html.contains(&format!("/catalog/{}", open.id)));
    assert!(
        html.contains("12 seats left") && html.contains("Venue BER") && html.contains("Online")
    );
    assert!(html.contains("490.00 EUR"));
    assert!(
        html.contains("2 open sessions"),
        "only the two open public sessions count"
    );
    for hidden in [&private, &draft, &private_of_public] {
        assert!(
            !html.contains(&format!("/catalog/{}\"", hidden.id)),
            "session {} must not be listed",
            hidden.reference
        );
    }
    // Not even in the filter choices.
    assert!(!html.contains("Course SECRET") && !html.contains("Course DRAFTY"));

    // Their pages are not found; the open one is there with its form.
    for hidden in [&private, &draft, &private_of_public] {
        let r = anon
            .get(t.url(&format!("/catalog/{}", hidden.id)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{}", hidden.reference);
    }
    let r = anon
        .get(t.url(&format!("/catalog/{}", open.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Everything about PUBLIC."),
        "the course description"
    );
    assert!(page.contains("09:00–17:00 CET") || page.contains("09:00–17:00 CEST"));
    assert!(page.contains(&format!("action=\"/catalog/{}/register\"", open.id)));
    assert!(page.contains("Street 1"), "the venue's address");

    // Filters in the URL.
    let filtered = |q: String| {
        let anon = anon.clone();
        let url = t.url(&format!("/catalog?{q}"));
        async move {
            let r = anon.get(url).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (s, html) = filtered(format!("course_id={online_course}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains(&format!("/catalog/{}\"", online.id))
            && !html.contains(&format!("/catalog/{}\"", open.id))
    );
    let (_, html) = filtered("mode=ilt".into()).await;
    assert!(
        html.contains(&format!("/catalog/{}\"", open.id))
            && !html.contains(&format!("/catalog/{}\"", online.id))
    );
    let (_, html) = filtered(format!("venue_id={berlin}")).await;
    assert!(
        html.contains(&format!("/catalog/{}\"", open.id))
            && !html.contains(&format!("/catalog/{}\"", online.id))
    );
    let (_, html) = filtered(format!("from={}", day(35))).await;
    assert!(
        html.contains(&format!("/catalog/{}\"", online.id))
            && !html.contains(&format!("/catalog/{}\"", open.id))
    );
    // Asking for private sessions changes nothing.
    let (_, html) = filtered(format!("visibility=private&client_id={client}")).await;
    assert!(!html.contains(&format!("/catalog/{}\"", private.id)));
    let (s, html) = filtered("from=not-a-date".into()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("is not a date"));
    let (s, html) = filtered("page=9999&course_id=".into()).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains(&format!("/catalog/{}\"", open.id)),
        "past the end: the first page"
    );
}

async fn registering_creates_learner_account_and_enrollment_and_signs_in(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let c = course(&api, "EXCEL").await;
    let v = venue(&api, "HAM").await;
    let s = session(&api, c, Some(v), None, 10, 20, false).await;
    let before = learner_count(&api).await;

    let (b, status, html) = register(t, s.id, "Ada", "ada@example.com").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    // Signed in and on the portal, with the notice.
    assert!(html.contains("My sessions") && html.contains("Hello Ada Learner"));
    assert!(html.contains("You are booked"), "the flash notice");
    assert!(html.contains(">Booked<"));
    assert!(html.contains("Course EXCEL") && html.contains("Venue HAM"));
    let (status, again) = b.get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !again.contains("You are booked"),
        "the notice is shown once"
    );

    assert_eq!(learner_count(&api).await, before + 1);
    let list = enrollments(&api, s.id).await;
    let e = of(&list, "ada@example.com");
    assert_eq!(e["status"], "booked");
    let learner = e["learner_id"].as_i64().unwrap();
    let history = api.get(&format!("/history/learner/{learner}")).await.body;
    assert!(
        history
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["action"] == "learner.created"),
        "{history}"
    );

    // The account works with the password chosen.
    let again = Browser::new(t);
    let r = again.login("ada@example.com", "a long enough secret").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("My sessions"));

    // Registering again with the same e-mail (any case) signs nobody in and creates nothing: the
    // reply is the neutral one and the owner gets a sign-in link. (This used to answer "You
    // already have an account"; before that, it signed the caller in as the owner.)
    let other = session(&api, c, Some(v), None, 10, 27, false).await;
    let (again, status, html) = register(t, other.id, "Ada", "ADA@example.com").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Check your e-mail"), "{html}");
    assert!(!html.contains("already have an account"));
    let (_, page) = again.get("/").await;
    assert!(!page.contains("My sessions"), "not signed in");
    assert_eq!(learner_count(&api).await, before + 1);
    assert!(enrollments(&api, other.id).await.is_empty());
    let sign_in: Vec<_> = common::mails_to(t, "ada@example.com")
        .await
        .into_iter()
        .filter(|m| m.kind == "account_sign_in")
        .collect();
    assert_eq!(sign_in.len(), 1);

    // A learner a coordinator entered (no client, no account) is reused, not duplicated.
    let known = api
        .create("/learners", &json!({ "first_name": "Ben", "last_name": "Known", "email": "ben@example.com", "time_zone": "Europe/Berlin" }))
        .await["id"]
        .as_i64()
        .unwrap();
    let (_, status, html) = register(t, s.id, "Benjamin", "ben@example.com").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("Hello Ben Known"),
        "the learner record's own name is kept"
    );
    assert_eq!(learner_count(&api).await, before + 2);
    let list = enrollments(&api, s.id).await;
    assert_eq!(
        of(&list, "ben@example.com")["learner_id"].as_i64(),
        Some(known)
    );

    // A client's learner is pointed to their organisation, by e-mail: the page names no client.
    let client = api
        .create("/clients", &json!({ "code": "INIT", "name": "Initech", "billing_email": "ap@initech.example", "currency": "EUR", "time_zone": "Europe/Berlin" }))
        .await["id"]
        .as_i64()
        .unwrap();
    api.create("/learners", &json!({ "first_name": "Cy", "last_name": "Corp", "email": "cy@initech.example", "client_id": client, "time_zone": "Europe/Berlin" }))
        .await;
    let (_, status, html) = register(t, s.id, "Cy", "cy@initech.example").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Check your e-mail") && !html.contains("Initech"),
        "{html}"
    );
    let notes = common::mails_to(t, "cy@initech.example").await;
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0].kind, "registration_managed");
    assert!(
        !enrollments(&api, s.id)
            .await
            .iter()
            .any(|e| e["learner_email"] == "cy@initech.example")
    );

    // Registration closes at the cut-off: the page says so and a post is refused.
    let soon = session(&api, c, Some(v), None, 10, 3, false).await;
    let r = api
        .put(
            &format!("/sessions/{}/enrollment-rules", soon.id),
            &json!({ "promotion_mode": "auto", "offer_hours": 24, "cutoff_hours": 200 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let (_, page) = Browser::new(t).get(&format!("/catalog/{}", soon.id)).await;
    assert!(page.contains("Registration closed 200 hours before the start."));
    assert!(!page.contains(&format!("action=\"/catalog/{}/register\"", soon.id)));
    let count = learner_count(&api).await;
    let (_, status, html) = register(t, soon.id, "Late", "late@example.com").await;
    assert_eq!(status, StatusCode::CONFLICT, "{html}");
    assert!(html.contains("Registration closed 200 hours before the start."));
    assert_eq!(learner_count(&api).await, count);

    // A cross-site post is refused before anything happens.
    let r = reqwest::Client::new()
        .post(t.url(&format!("/catalog/{}/register", s.id)))
        .header("origin", "https://evil.example")
        .form(&[
            ("first_name", "E"),
            ("last_name", "Vil"),
            ("email", "evil@example.com"),
            ("password", "a long enough secret"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(learner_count(&api).await, count);
}

async fn a_full_session_waitlists_in_order_and_offers_are_accepted_in_the_portal(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let c = course(&api, "ONESEAT").await;
    let v = venue(&api, "MUC").await;
    let s = session(&api, c, Some(v), None, 1, 14, false).await;
    let r = api
        .put(
            &format!("/sessions/{}/enrollment-rules", s.id),
            &json!({ "promotion_mode": "offer", "offer_hours": 24, "cutoff_hours": 48 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);

    let (_, status, html) = register(t, s.id, "First", "first@example.com").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("You are booked"));
    let (_, page) = Browser::new(t).get("/catalog").await;
    assert!(page.contains("Full — join the waiting list"));
    let (_, page) = Browser::new(t).get(&format!("/catalog/{}", s.id)).await;
    assert!(page.contains("Join the waiting list"));

    let (second, status, html) = register(t, s.id, "Second", "second@example.com").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("The session is full: you are number 1 on the waiting list"));
    assert!(html.contains(">Waitlisted<"));
    assert!(html.contains("You are number 1 on the waiting list"));
    let (_, _, html) = register(t, s.id, "Third", "third@example.com").await;
    assert!(
        html.contains("you are number 2 on the waiting list"),
        "{html}"
    );

    let list = enrollments(&api, s.id).await;
    assert_eq!(of(&list, "first@example.com")["status"], "booked");
    assert_eq!(of(&list, "second@example.com")["waitlist_position"], 1);
    assert_eq!(of(&list, "third@example.com")["waitlist_position"], 2);

    // The booked learner cancels through the API (as the coordinator): the seat is offered to
    // the second, who accepts it in the portal.
    let first_id = of(&list, "first@example.com")["id"].as_i64().unwrap();
    let record =
        trainyard_store::enrollments::get(&mut t.app.store.read().await.unwrap(), first_id)
            .await
            .unwrap();
    let r = api
        .post(
            &format!("/enrollments/{first_id}/cancel"),
            &json!({ "version": record.version }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (_, portal) = second.get("/").await;
    assert!(portal.contains("A seat is free for you."), "{portal}");
    let second_id = of(&list, "second@example.com")["id"].as_i64().unwrap();
    // The offer's e-mail links to the portal with an absolute address under the public URL.
    let offer = common::mails_to(t, "second@example.com")
        .await
        .into_iter()
        .find(|m| m.kind == "enrollment_offer")
        .expect("an offer e-mail");
    assert!(
        offer
            .body
            .contains(&t.app.link(&format!("/portal/enrollments/{second_id}"))),
        "{}",
        offer.body
    );
    assert!(portal.contains(&format!(
        "action=\"/portal/enrollments/{second_id}/accept\""
    )));
    let csrf = hidden(&portal, "_csrf");
    let (status, portal) = second
        .post_form(
            &format!("/portal/enrollments/{second_id}/accept"),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(portal.contains("The seat is yours: you are booked."));
    assert!(portal.contains(">Booked<"));
    let list = enrollments(&api, s.id).await;
    assert_eq!(of(&list, "second@example.com")["status"], "booked");
    assert_eq!(of(&list, "third@example.com")["status"], "waitlisted");
    // Accepting twice is refused with the use case's words.
    let (status, portal) = second
        .post_form(
            &format!("/portal/enrollments/{second_id}/accept"),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(portal.contains("There is no open offer for this enrollment."));
}

async fn validation_errors_are_422_and_change_nothing(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let c = course(&api, "FORMS").await;
    let s = session(&api, c, None, None, 5, 10, false).await;
    let before = learner_count(&api).await;
    let b = Browser::new(t);
    let (status, html) = b
        .post_form(
            &format!("/catalog/{}/register", s.id),
            &[
                ("first_name", "  "),
                ("last_name", "Lovelace"),
                ("email", "not-an-email"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"e-first_name\">is required<"), "{html}");
    assert!(html.contains("is not an e-mail address"));
    assert!(html.contains("value=\"Lovelace\"") && html.contains("value=\"not-an-email\""));
    assert!(
        !html.contains("name=\"password\""),
        "the form asks for no password: the confirmation link does"
    );
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(common::mails_to(t, "not-an-email").await.is_empty());
    // Valid, but the password chosen on the confirmation page is too short: still nothing, and
    // the link still works.
    let (status, _) = b
        .post_form(
            &format!("/catalog/{}/register", s.id),
            &[
                ("first_name", "Ada"),
                ("last_name", "Lovelace"),
                ("email", "ada.l@example.com"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let mail = common::mails_to(t, "ada.l@example.com").await;
    let link = common::link_in(&mail[0].body, &t.app, "/account/confirm").unwrap();
    let token = common::token_of(&link);
    let (status, html) = b
        .post_form(
            "/account/confirm",
            &[("token", token.as_str()), ("password", "123456789")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("id=\"e-password\">must be at least 10 characters<"),
        "{html}"
    );
    assert!(
        !html.contains("123456789"),
        "the password is never sent back"
    );
    assert_eq!(learner_count(&api).await, before);
    assert!(enrollments(&api, s.id).await.is_empty());
    let r = Browser::new(t)
        .login("ada.l@example.com", "123456789")
        .await;
    assert!(r.text().await.unwrap().contains("do not match an account"));
    let (status, _) = b.get(&format!("/account/confirm?token={token}")).await;
    assert_eq!(status, StatusCode::OK, "the link was not used up");
    // Not a session: not found; the page itself, anonymous, has no CSRF field to need.
    let (status, _) = b
        .post_form(
            "/catalog/999999/register",
            &[
                ("first_name", "A"),
                ("last_name", "B"),
                ("email", "a@b.example"),
                ("password", "a long enough secret"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(learner_count(&api).await, before);
}

async fn signed_in_learners_register_with_one_button_transfer_and_cancel(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let c = course(&api, "MOVE").await;
    let v = venue(&api, "CGN").await;
    let a = session(&api, c, Some(v), None, 10, 15, false).await;
    let b_session = session(&api, c, Some(v), None, 10, 22, false).await;
    let other = session(
        &api,
        course(&api, "OTHER").await,
        Some(v),
        None,
        10,
        25,
        false,
    )
    .await;

    let (learner, status, _) = register(t, a.id, "Mo", "mo@example.com").await;
    assert_eq!(status, StatusCode::OK);
    // Signed in, the session page offers a button instead of the form.
    let (_, page) = learner.get(&format!("/catalog/{}", other.id)).await;
    assert!(page.contains(&format!("action=\"/catalog/{}/enroll\"", other.id)));
    assert!(!page.contains(&format!("action=\"/catalog/{}/register\"", other.id)));
    let (_, page) = learner.get(&format!("/catalog/{}", a.id)).await;
    assert!(page.contains("You are booked."), "already enrolled here");
    // Without the CSRF token: refused.
    let (status, _) = learner
        .post_form(&format!("/catalog/{}/enroll", other.id), &[])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let csrf = learner.csrf().await;
    let (status, portal) = learner
        .post_form(
            &format!("/catalog/{}/enroll", other.id),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(portal.contains("You are booked") && portal.contains("Course OTHER"));
    // Twice: refused in words.
    let (status, page) = learner
        .post_form(
            &format!("/catalog/{}/enroll", other.id),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "already enrolled: refused");
    assert!(
        page.contains("You are booked."),
        "and the page says where they stand"
    );

    // Transfer from A to B (same course) in the portal.
    let mine = enrollments(&api, a.id).await;
    let e = of(&mine, "mo@example.com");
    let id = e["id"].as_i64().unwrap();
    let (_, portal) = learner.get("/").await;
    assert!(portal.contains(&format!("action=\"/portal/enrollments/{id}/transfer\"")));
    assert!(
        portal.contains(&format!("<option value=\"{}\"", b_session.id)),
        "B is offered"
    );
    assert!(
        !portal.contains(&format!("<option value=\"{}\"", other.id)),
        "another course is not"
    );
    let version = trainyard_store::enrollments::get(&mut t.app.store.read().await.unwrap(), id)
        .await
        .unwrap()
        .version;
    // A stale version is refused with an explanation.
    let (status, page) = learner
        .post_form(
            &format!("/portal/enrollments/{id}/transfer"),
            &[
                ("_csrf", &csrf),
                ("version", &(version + 5).to_string()),
                ("to_session_id", &b_session.id.to_string()),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("changed meanwhile"));
    let (status, portal) = learner
        .post_form(
            &format!("/portal/enrollments/{id}/transfer"),
            &[
                ("_csrf", &csrf),
                ("version", &version.to_string()),
                ("to_session_id", &b_session.id.to_string()),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{portal}");
    assert!(portal.contains("Moved to the new date."));
    assert_eq!(
        of(&enrollments(&api, a.id).await, "mo@example.com")["status"],
        "transferred"
    );
    let moved = enrollments(&api, b_session.id).await;
    let moved = of(&moved, "mo@example.com");
    assert_eq!(moved["status"], "booked");
    assert!(
        portal.contains(">Transferred<"),
        "the old one is listed under past and cancelled"
    );

    // Cancel the new one.
    let moved_id = moved["id"].as_i64().unwrap();
    let version =
        trainyard_store::enrollments::get(&mut t.app.store.read().await.unwrap(), moved_id)
            .await
            .unwrap()
            .version;
    let (status, portal) = learner
        .post_form(
            &format!("/portal/enrollments/{moved_id}/cancel"),
            &[("_csrf", &csrf), ("version", &version.to_string())],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(portal.contains("Your place is cancelled."));
    assert_eq!(
        of(&enrollments(&api, b_session.id).await, "mo@example.com")["status"],
        "cancelled"
    );

    // Staff signed in see no button: a note pointing at the session page.
    let staff = t.browser_as(Role::Coordinator, None).await;
    let (_, page) = staff.get(&format!("/catalog/{}", other.id)).await;
    assert!(page.contains("staff enroll learners from the"));
    assert!(!page.contains("/enroll\""));
}

async fn calendar_files_only_for_their_owner(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let c = course(&api, "ICS").await;
    let v = venue(&api, "FRA").await;
    let s = session(&api, c, Some(v), None, 10, 12, false).await;
    let (ann, _, _) = register(t, s.id, "Ann", "ann@example.com").await;
    let (bob, _, _) = register(t, s.id, "Bob", "bob@example.com").await;
    let list = enrollments(&api, s.id).await;
    let ann_e = of(&list, "ann@example.com")["id"].as_i64().unwrap();
    let bob_e = of(&list, "bob@example.com")["id"].as_i64().unwrap();

    let r = ann
        .http
        .get(t.url(&format!("/portal/enrollments/{ann_e}.ics")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let ics = r.text().await.unwrap();
    let parts = trainyard_store::sessions::parts(&mut t.app.store.read().await.unwrap(), s.id)
        .await
        .unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR"));
    assert!(
        ics.contains(&format!("UID:part-{}@trainyard", parts[0].id)),
        "{ics}"
    );
    let start = trainyard_core::time::utc(parts[0].starts_at)
        .format("%Y%m%dT%H%M%SZ")
        .to_string();
    assert!(
        ics.contains(&format!("DTSTART:{start}")),
        "UTC start {start} in {ics}"
    );
    assert!(ics.contains("STATUS:CONFIRMED") && ics.contains("Venue FRA"));
    assert!(ics.contains("\r\n"), "CRLF line endings");
    if let Some(v) = python_reading(&ics) {
        let events = v["events"].as_array().unwrap();
        assert_eq!(events.len(), 1, "{v}");
        assert_eq!(events[0]["uid"], format!("part-{}@trainyard", parts[0].id));
        assert_eq!(events[0]["status"], "CONFIRMED");
        assert_eq!(
            events[0]["dtstart"],
            trainyard_core::time::utc(parts[0].starts_at)
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string()
        );
        assert!(events[0]["location"].as_str().unwrap().contains("Street 1"));
    }

    // Bob's file is not Ann's to see; nor is a file without a login.
    let (status, _) = ann.get(&format!("/portal/enrollments/{bob_e}.ics")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = bob.get(&format!("/portal/enrollments/{bob_e}.ics")).await;
    assert_eq!(status, StatusCode::OK);
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(t.url(&format!("/portal/enrollments/{ann_e}.ics")))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection());
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
    // Staff have no learner profile: not found either.
    let staff = t.browser_as(Role::Coordinator, None).await;
    let (status, _) = staff.get(&format!("/portal/enrollments/{ann_e}.ics")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The link in offer e-mails leads to the enrollment on the portal.
    let (status, page) = ann.get(&format!("/portal/enrollments/{ann_e}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!("id=\"enrollment-{ann_e}\"")));
}

async fn sessions_whose_registration_closed_leave_the_catalog(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let c = course(&api, "CUTOFF").await;
    let open = session(&api, c, None, None, 10, 20, false).await;
    let soon = session(&api, c, None, None, 10, 5, false).await;
    let b = Browser::new(t);
    let (_, html) = b.get("/catalog").await;
    assert!(html.contains(&format!("/catalog/{}", open.id)));
    assert!(html.contains(&format!("/catalog/{}", soon.id)));
    // Five days ahead, but self-service closes 200 hours (8+ days) before the start.
    let r = api
        .put(
            &format!("/sessions/{}/enrollment-rules", soon.id),
            &json!({ "promotion_mode": "auto", "offer_hours": 24, "cutoff_hours": 200 }),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    let (_, html) = b.get("/catalog").await;
    assert!(
        html.contains(&format!("/catalog/{}", open.id)),
        "still open"
    );
    assert!(
        !html.contains(&format!("/catalog/{}", soon.id)),
        "registration closed: not offered"
    );
    assert!(html.contains("1 open session"), "the count agrees");
    // Its own page still answers, saying why it cannot be booked.
    let (status, page) = b.get(&format!("/catalog/{}", soon.id)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Registration closed 200 hours before the start."));
}
