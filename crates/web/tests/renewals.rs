//! Renewal offers (issue 16 §3) over HTTP on both databases: the daily job offers a seat in the
//! next renewal session once per certificate, also when it runs twice at the same time; a full
//! session waitlists; the accept link enrolls once and only for its own offer; a client contact
//! sees only their client's list; a client without the setting gets no offers.

use crate::common;

use crate::common::{Api, Browser, PASSWORD, TestApp, course_body, mails_to};
use reqwest::StatusCode;
use serde_json::{Value, json};
use trainyard_core::Role;
use trainyard_store::certificates::{self as repo, NewCertificate};

both_backends!(
    the_job_offers_once_even_when_it_runs_twice_at_once,
    a_full_session_waitlists_the_learner,
    the_accept_link_enrolls_once_and_only_for_its_own_offer,
    a_contact_sees_only_their_clients_list_and_coordinators_offer_by_hand,
    a_learner_answers_their_own_offers_on_the_portal,
    a_course_naming_a_renewal_course_is_renewed_in_its_sessions,
    after_a_decline_or_expiry_the_next_session_is_offered,
    an_offered_seat_is_held_until_answered_or_lapsed,
);

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

async fn client(api: &Api, code: &str, offers: bool) -> i64 {
    let c = id(&api
        .create(
            "/clients",
            &json!({ "code": code, "name": format!("Client {code}"), "billing_email": format!("billing@{code}.example.com"),
                     "currency": "EUR", "time_zone": "Europe/Berlin" }),
        )
        .await);
    let r = api
        .put(
            &format!("/clients/{c}/renewal-setting"),
            &json!({ "offer_renewals": offers }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["offer_renewals"], offers);
    c
}

async fn learner(api: &Api, first: &str, client: Option<i64>) -> i64 {
    id(&api
        .create(
            "/learners",
            &json!({ "first_name": first, "last_name": "Learner", "email": format!("{first}@learner.example.com"),
                     "client_id": client, "time_zone": "Europe/Berlin" }),
        )
        .await)
}

async fn course(api: &Api, code: &str) -> i64 {
    let mut body = course_body(code);
    body["certificate_name"] = json!(format!("Certified {code}"));
    body["certificate_validity_months"] = json!(24);
    id(&api.create("/courses", &body).await)
}

/// A scheduled public session of `course` starting in `days` days.
async fn session(api: &Api, course: i64, days: i64, capacity: i64) -> i64 {
    let berlin = trainyard_core::TimeZoneName::parse("Europe/Berlin").unwrap();
    let start = berlin.local(trainyard_core::time::now_ms() + days * 86_400_000);
    let fmt = |d: chrono::DateTime<chrono_tz::Tz>| d.format("%Y-%m-%dT%H:%M").to_string();
    let s = api
        .create("/sessions", &json!({
            "course_id": course, "visibility": "public", "delivery_mode": "vilt", "capacity": capacity,
            "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" },
            "parts": [{ "starts": fmt(start), "ends": fmt(start + chrono::Duration::hours(3)) }]
        }))
        .await;
    let sid = id(&s);
    let r = api
        .post(
            &format!("/sessions/{sid}/transition"),
            &json!({ "event": "schedule", "version": s["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    sid
}

/// A valid certificate of `learner` on `course` expiring in `days` days.
async fn certificate(
    t: &TestApp,
    learner: i64,
    client: Option<i64>,
    course: i64,
    code: &str,
    days: i64,
) -> i64 {
    let today = chrono::Utc::now().date_naive();
    let expires = (today + chrono::Duration::days(days)).to_string();
    let mut tx = t.app.store.write().await.unwrap();
    let id = repo::insert(
        &mut tx,
        &NewCertificate {
            code,
            enrollment_id: None,
            learner_id: learner,
            course_id: course,
            session_id: None,
            client_id: client,
            learner_name: "A Learner",
            course_title: "Renewable",
            certificate_name: "Certified",
            instructor_name: "",
            issued_on: "2024-12-01",
            expires_on: Some(&expires),
            issued_by: None,
        },
        trainyard_core::time::now_ms(),
    )
    .await
    .unwrap()
    .unwrap();
    tx.commit().await.unwrap();
    id
}

/// (status, learner, session) of an enrollment, read from the database.
async fn enrollment(t: &TestApp, id: i64) -> (String, i64, i64) {
    use sqlx::Row;
    let mut conn = t.app.store.read().await.unwrap();
    let r = sqlx::query("SELECT status, learner_id, session_id FROM enrollments WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    (
        r.try_get("status").unwrap(),
        r.try_get("learner_id").unwrap(),
        r.try_get("session_id").unwrap(),
    )
}

async fn run(t: &TestApp) -> usize {
    trainyard_app::renewals::run_due(&t.app, trainyard_core::time::now_ms())
        .await
        .unwrap()
        .offered
}

async fn expiring(api: &Api, client: i64) -> Vec<Value> {
    let r = api
        .get(&format!("/clients/{client}/expiring-certificates"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["items"].as_array().unwrap().clone()
}

fn offer_of(items: &[Value], certificate: i64) -> Value {
    items
        .iter()
        .find(|x| x["certificate_id"] == certificate)
        .unwrap_or_else(|| panic!("certificate {certificate} not listed: {items:?}"))["offer"]
        .clone()
}

/// The renewal link in the learner's renewal e-mail.
async fn link(t: &TestApp, email: &str) -> String {
    let mails: Vec<_> = mails_to(t, email)
        .await
        .into_iter()
        .filter(|m| m.kind == "renewal_offered")
        .collect();
    assert_eq!(mails.len(), 1, "one renewal e-mail to {email}");
    common::link_in(&mails[0].body, &t.app, "/renewal/").expect("a renewal link")
}

async fn the_job_offers_once_even_when_it_runs_twice_at_once(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let on = client(&api, "ONX", true).await;
    let off = client(&api, "OFX", false).await;
    let ada = learner(&api, "ada", Some(on)).await;
    let bob = learner(&api, "bob", Some(on)).await;
    let cy = learner(&api, "cy", Some(off)).await;
    let individual = learner(&api, "dee", None).await;
    let c = course(&api, "RNW").await;
    let s = session(&api, c, 10, 5).await;
    let ca = certificate(t, ada, Some(on), c, "RNWAAAAAAAA1", 30).await;
    let cb = certificate(t, bob, Some(on), c, "RNWAAAAAAAA2", 60).await;
    let cc = certificate(t, cy, Some(off), c, "RNWAAAAAAAA3", 30).await;
    certificate(t, individual, None, c, "RNWAAAAAAAA4", 30).await;
    // Expires after 90 days: not yet.
    let late = certificate(t, ada, Some(on), c, "RNWAAAAAAAA5", 120).await;
    // Expires before the session: no session in time, no offer.
    let early = certificate(t, bob, Some(on), c, "RNWAAAAAAAA6", 5).await;

    // Two runs at once (two processes of the daily job), then a third: two offers in all.
    let (a, b) = tokio::join!(run(t), run(t));
    assert_eq!(a + b, 2, "each certificate offered once ({a} + {b})");
    assert_eq!(run(t).await, 0, "a later run offers nothing again");
    {
        let mut conn = t.app.store.read().await.unwrap();
        use sqlx::Row;
        let n: i64 = sqlx::query("SELECT count(*) AS n FROM renewal_offers")
            .fetch_one(&mut *conn)
            .await
            .unwrap()
            .try_get("n")
            .unwrap();
        assert_eq!(n, 2);
    }

    let items = expiring(&api, on).await;
    for cert in [ca, cb] {
        let o = offer_of(&items, cert);
        assert_eq!(o["status"], "offered", "{o}");
        assert_eq!(o["session_id"], s);
    }
    assert!(offer_of(&items, early).is_null());
    assert!(
        !items.iter().any(|x| x["certificate_id"] == late),
        "120 days is outside the default 90"
    );
    let wide = api
        .get(&format!("/clients/{on}/expiring-certificates?days=180"))
        .await;
    assert!(
        wide.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["certificate_id"] == late)
    );
    // The client without the setting: listed, never offered.
    let items = expiring(&api, off).await;
    assert!(offer_of(&items, cc).is_null());
    assert!(mails_to(t, "cy@learner.example.com").await.is_empty());
    assert!(mails_to(t, "dee@learner.example.com").await.is_empty());
    // One e-mail each, with the personal link.
    link(t, "ada@learner.example.com").await;
    link(t, "bob@learner.example.com").await;
}

async fn a_full_session_waitlists_the_learner(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let on = client(&api, "FUL", true).await;
    let ada = learner(&api, "ada", Some(on)).await;
    let other = learner(&api, "eve", None).await;
    let c = course(&api, "FUL").await;
    let s = session(&api, c, 10, 1).await;
    let r = api
        .post(
            &format!("/sessions/{s}/enrollments"),
            &json!({ "learner_id": other }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let cert = certificate(t, ada, Some(on), c, "FULAAAAAAAA1", 30).await;
    assert_eq!(run(t).await, 1);
    let o = offer_of(&expiring(&api, on).await, cert);
    assert_eq!(o["status"], "waitlisted", "{o}");
    let e = enrollment(t, o["enrollment_id"].as_i64().unwrap()).await;
    assert_eq!(e, ("waitlisted".to_owned(), ada, s));
    // The e-mail says so and carries no accept link.
    let mails: Vec<_> = mails_to(t, "ada@learner.example.com")
        .await
        .into_iter()
        .filter(|m| m.kind == "renewal_offered")
        .collect();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].body.contains("waitlist"), "{}", mails[0].body);
}

async fn post_answer(t: &TestApp, path: &str, answer: &str) -> (StatusCode, String) {
    let r = reqwest::Client::new()
        .post(t.url(path))
        .form(&[("answer", answer)])
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn the_accept_link_enrolls_once_and_only_for_its_own_offer(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let on = client(&api, "ACC", true).await;
    let ada = learner(&api, "ada", Some(on)).await;
    let bob = learner(&api, "bob", Some(on)).await;
    let c = course(&api, "ACC").await;
    let s = session(&api, c, 10, 5).await;
    let ca = certificate(t, ada, Some(on), c, "ACCAAAAAAAA1", 30).await;
    let cb = certificate(t, bob, Some(on), c, "ACCAAAAAAAA2", 30).await;
    assert_eq!(run(t).await, 2);
    let ada_link = link(t, "ada@learner.example.com").await;
    let bob_link = link(t, "bob@learner.example.com").await;
    let base = t.app.link("");
    let ada_path = ada_link.strip_prefix(&base).unwrap().to_owned();
    let bob_path = bob_link.strip_prefix(&base).unwrap().to_owned();
    let (ada_offer, ada_secret) = ada_path
        .trim_start_matches("/renewal/")
        .split_once('/')
        .unwrap();
    let (_, bob_secret) = bob_path
        .trim_start_matches("/renewal/")
        .split_once('/')
        .unwrap();

    // The page, without login.
    let r = reqwest::get(t.url(&ada_path)).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("Accept the seat"), "{html}");

    // Bob's secret does not open Ada's offer; a made-up one neither.
    let crossed = format!("/renewal/{ada_offer}/{bob_secret}");
    assert_eq!(
        reqwest::get(t.url(&crossed)).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        post_answer(t, &crossed, "accept").await.0,
        StatusCode::NOT_FOUND
    );
    let made_up = format!("/renewal/{ada_offer}/{}", "0".repeat(64));
    assert_eq!(
        post_answer(t, &made_up, "accept").await.0,
        StatusCode::NOT_FOUND
    );
    assert_ne!(ada_secret, bob_secret);

    // Accepting enrolls Ada; the link works once.
    let (status, html) = post_answer(t, &ada_path, "accept").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Your seat is booked"), "{html}");
    let o = offer_of(&expiring(&api, on).await, ca);
    assert_eq!(o["status"], "accepted", "{o}");
    let e = enrollment(t, o["enrollment_id"].as_i64().unwrap()).await;
    assert_eq!(e, ("booked".to_owned(), ada, s));
    let (status, html) = post_answer(t, &ada_path, "accept").await;
    assert_eq!(status, StatusCode::CONFLICT, "{html}");
    {
        use sqlx::Row;
        let mut conn = t.app.store.read().await.unwrap();
        let n: i64 = sqlx::query(
            "SELECT count(*) AS n FROM enrollments WHERE session_id = $1 AND learner_id = $2",
        )
        .bind(s)
        .bind(ada)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
        assert_eq!(n, 1, "one enrollment for Ada");
    }

    // Bob declines; his link is then used up too.
    let (status, _) = post_answer(t, &bob_path, "decline").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        offer_of(&expiring(&api, on).await, cb)["status"],
        "declined"
    );
    assert_eq!(
        post_answer(t, &bob_path, "accept").await.0,
        StatusCode::CONFLICT
    );
    // Audited (sealed into the chain, or still pending the sealer).
    let mut conn = t.app.store.read().await.unwrap();
    use sqlx::Row;
    let n: i64 = sqlx::query(
        "SELECT (SELECT count(*) FROM audit_events WHERE action LIKE 'renewal.%') + \
         (SELECT count(*) FROM audit_pending WHERE action LIKE 'renewal.%') AS n",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap()
    .try_get("n")
    .unwrap();
    assert_eq!(n, 4);
}

async fn a_contact_sees_only_their_clients_list_and_coordinators_offer_by_hand(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let mine = client(&api, "MIN", false).await;
    let theirs = client(&api, "THR", false).await;
    let ada = learner(&api, "ada", Some(mine)).await;
    let zed = learner(&api, "zed", Some(theirs)).await;
    let c = course(&api, "OWN").await;
    let s = session(&api, c, 10, 5).await;
    let ca = certificate(t, ada, Some(mine), c, "OWNAAAAAAAA1", 30).await;
    certificate(t, zed, Some(theirs), c, "OWNAAAAAAAA2", 30).await;

    let contact = t.api_as(Role::ClientContact, Some(mine)).await;
    let items = expiring(&contact, mine).await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["learner_id"], ada);
    assert_eq!(
        contact
            .get(&format!("/clients/{theirs}/expiring-certificates"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // A contact cannot offer; an instructor cannot read.
    let r = contact
        .post(
            &format!("/clients/{mine}/renewal-offers"),
            &json!({ "certificate_id": ca }),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let instructor = t.api_as(Role::Instructor, None).await;
    assert_eq!(
        instructor
            .get(&format!("/clients/{mine}/expiring-certificates"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // The portal page shows their learners only.
    let b = t.browser_as(Role::ClientContact, Some(mine)).await;
    let (status, html) = b.get("/portal/expiring").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("ada Learner"), "{html}");
    assert!(!html.contains("zed Learner"), "{html}");
    assert!(!html.contains("Offer renewal seat"));
    let (status, _) = b.get(&format!("/clients/{theirs}/expiring")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The coordinator's page offers a seat by hand (the client has no setting: by hand only).
    let coordinator = t.browser_as(Role::Coordinator, None).await;
    let (status, html) = coordinator.get(&format!("/clients/{mine}/expiring")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Offer renewal seat"), "{html}");
    assert_eq!(run(t).await, 0, "the client does not want offers");
    let ca_s = ca.to_string();
    let csrf = coordinator.csrf().await;
    let (status, html) = coordinator
        .post_form(
            &format!("/clients/{mine}/expiring/offer"),
            &[("_csrf", csrf.as_str()), ("certificate_id", ca_s.as_str())],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let o = offer_of(&expiring(&api, mine).await, ca);
    assert_eq!(o["status"], "offered");
    assert_eq!(o["session_id"], s);
    // Never two open offers for one certificate.
    let r = api
        .post(
            &format!("/clients/{mine}/renewal-offers"),
            &json!({ "certificate_id": ca }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let (_, html) = b.get("/portal/expiring").await;
    assert!(html.contains("Offered"), "{html}");
}

/// A browser signed in as the learner `learner_id` (a learner account tied to that profile).
async fn learner_browser(t: &TestApp, email: &str, learner_id: i64) -> Browser {
    trainyard_app::accounts::create_user(
        &t.app,
        None,
        trainyard_app::accounts::NewAccount {
            email: email.into(),
            display_name: email.split('@').next().unwrap_or(email).into(),
            password: PASSWORD.into(),
            role: Role::Learner,
            client_id: None,
            instructor_id: None,
            learner_id: Some(learner_id),
            time_zone: "Europe/Berlin".into(),
        },
    )
    .await
    .unwrap();
    let b = Browser::new(t);
    assert_eq!(b.login(email, PASSWORD).await.status(), StatusCode::OK);
    b
}

async fn a_learner_answers_their_own_offers_on_the_portal(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let on = client(&api, "PRT", true).await;
    let ada = learner(&api, "ada", Some(on)).await;
    let bob = learner(&api, "bob", Some(on)).await;
    let c = course(&api, "PRT").await;
    let s = session(&api, c, 10, 5).await;
    let ca = certificate(t, ada, Some(on), c, "PRTAAAAAAAA1", 30).await;
    let cb = certificate(t, bob, Some(on), c, "PRTAAAAAAAA2", 40).await;
    assert_eq!(run(t).await, 2);
    let items = expiring(&api, on).await;
    let (ada_offer, bob_offer) = (id(&offer_of(&items, ca)), id(&offer_of(&items, cb)));
    let expires = (chrono::Utc::now().date_naive() + chrono::Duration::days(30)).to_string();

    // Ada's portal shows her offer (course, session, certificate expiry), not Bob's.
    let a = learner_browser(t, "ada-portal@example.com", ada).await;
    let (status, home) = a.get("/").await;
    assert_eq!(status, StatusCode::OK, "{home}");
    assert!(home.contains("id=\"renewals\""), "{home}");
    assert!(
        home.contains(&format!("id=\"renewal-{ada_offer}\"")),
        "{home}"
    );
    assert!(
        !home.contains(&format!("id=\"renewal-{bob_offer}\"")),
        "{home}"
    );
    assert!(
        home.contains("Course PRT") && home.contains(&expires),
        "{home}"
    );
    let csrf = a.csrf().await;
    // Another learner's offer is not found, and stays open.
    let (status, _) = a
        .post_form(
            &format!("/portal/renewals/{bob_offer}"),
            &[("_csrf", csrf.as_str()), ("answer", "decline")],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(offer_of(&expiring(&api, on).await, cb)["status"], "offered");
    // Staff cannot answer for a learner either.
    let staff = t.browser_as(Role::Coordinator, None).await;
    let staff_csrf = staff.csrf().await;
    let (status, _) = staff
        .post_form(
            &format!("/portal/renewals/{ada_offer}"),
            &[("_csrf", staff_csrf.as_str()), ("answer", "accept")],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Ada accepts: booked in the session; the offer leaves her portal; a second answer is refused.
    let (status, home) = a
        .post_form(
            &format!("/portal/renewals/{ada_offer}"),
            &[("_csrf", csrf.as_str()), ("answer", "accept")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{home}");
    assert!(
        !home.contains(&format!("id=\"renewal-{ada_offer}\"")),
        "{home}"
    );
    let o = offer_of(&expiring(&api, on).await, ca);
    assert_eq!(o["status"], "accepted", "{o}");
    let (e_status, e_learner, e_session) =
        enrollment(t, o["enrollment_id"].as_i64().unwrap()).await;
    assert_eq!(
        (e_status.as_str(), e_learner, e_session),
        ("booked", ada, s)
    );
    let (status, _) = a
        .post_form(
            &format!("/portal/renewals/{ada_offer}"),
            &[("_csrf", csrf.as_str()), ("answer", "decline")],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Bob declines on his portal; his e-mail link then says it was answered.
    let b = learner_browser(t, "bob-portal@example.com", bob).await;
    let bob_csrf = b.csrf().await;
    let (status, _) = b
        .post_form(
            &format!("/portal/renewals/{bob_offer}"),
            &[("_csrf", bob_csrf.as_str()), ("answer", "decline")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        offer_of(&expiring(&api, on).await, cb)["status"],
        "declined"
    );
    let bob_link = link(t, "bob@learner.example.com").await;
    let bob_path = bob_link.strip_prefix(&t.app.link("")).unwrap();
    assert_eq!(
        post_answer(t, bob_path, "accept").await.0,
        StatusCode::CONFLICT
    );
}

async fn a_course_naming_a_renewal_course_is_renewed_in_its_sessions(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let on = client(&api, "RCC", true).await;
    let ada = learner(&api, "ada", Some(on)).await;
    let bob = learner(&api, "bob", Some(on)).await;
    let full = course(&api, "RCFULL").await;
    let refresher = course(&api, "RCREF").await;
    let plain = course(&api, "RCPLN").await;
    // The full course names the refresher as its renewal course (through the API body).
    let mut body = api.get(&format!("/courses/{full}")).await.body;
    assert!(body["renewal_course_id"].is_null(), "{body}");
    body["renewal_course_id"] = json!(refresher);
    let r = api.put(&format!("/courses/{full}"), &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["renewal_course_id"], refresher);
    // An unknown course is refused.
    let mut bad = r.body.clone();
    bad["renewal_course_id"] = json!(999_999);
    let r = api.put(&format!("/courses/{full}"), &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    // The course form offers the choice, with the refresher chosen.
    let b = t.browser_as(Role::Coordinator, None).await;
    let (status, form) = b.get(&format!("/courses/{full}/edit")).await;
    assert_eq!(status, StatusCode::OK, "{form}");
    assert!(
        form.contains(&format!("<option value=\"{refresher}\" selected>")),
        "{form}"
    );

    // A session of the full course comes first, but the refresher's renews its certificate;
    // the plain course (no renewal course) is renewed in its own session.
    let own = session(&api, full, 5, 5).await;
    let renewal = session(&api, refresher, 12, 5).await;
    let plain_s = session(&api, plain, 8, 5).await;
    let ca = certificate(t, ada, Some(on), full, "RCCAAAAAAAA1", 30).await;
    let cb = certificate(t, bob, Some(on), plain, "RCCAAAAAAAA2", 30).await;
    assert_eq!(run(t).await, 2);
    let items = expiring(&api, on).await;
    assert_eq!(offer_of(&items, ca)["session_id"], renewal, "not {own}");
    assert_eq!(offer_of(&items, cb)["session_id"], plain_s);
}

async fn after_a_decline_or_expiry_the_next_session_is_offered(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let on = client(&api, "RNX", true).await;
    let ada = learner(&api, "ada", Some(on)).await;
    let c = course(&api, "RNX").await;
    let s1 = session(&api, c, 5, 5).await;
    let s2 = session(&api, c, 10, 5).await;
    let cert = certificate(t, ada, Some(on), c, "RNXAAAAAAAA1", 30).await;
    let a = learner_browser(t, "ada-rnx@example.com", ada).await;
    let csrf = a.csrf().await;
    let decline = |offer: i64| {
        let (a, csrf) = (&a, csrf.as_str());
        async move {
            let (status, html) = a
                .post_form(
                    &format!("/portal/renewals/{offer}"),
                    &[("_csrf", csrf), ("answer", "decline")],
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{html}");
        }
    };

    assert_eq!(run(t).await, 1);
    let first = offer_of(&expiring(&api, on).await, cert);
    assert_eq!(first["session_id"], s1);
    assert_eq!(run(t).await, 0, "an open offer is not repeated");
    // Declined: the next run offers the next session, not the same one again.
    decline(id(&first)).await;
    assert_eq!(run(t).await, 1);
    let second = offer_of(&expiring(&api, on).await, cert);
    assert_eq!(second["session_id"], s2, "{second}");
    assert_eq!(second["status"], "offered");
    assert_eq!(run(t).await, 0);
    // Declined again, and no other session: nothing more until one is scheduled.
    decline(id(&second)).await;
    assert_eq!(run(t).await, 0, "no session left to offer");
    let s3 = session(&api, c, 15, 5).await;
    assert_eq!(run(t).await, 1);
    let third = offer_of(&expiring(&api, on).await, cert);
    assert_eq!(third["session_id"], s3);
    // Unanswered until its session started: expired, and the next one is offered.
    let s4 = session(&api, c, 20, 5).await;
    let later = trainyard_core::time::now_ms() + 16 * 86_400_000;
    let report = trainyard_app::renewals::run_due(&t.app, later)
        .await
        .unwrap();
    assert_eq!((report.expired, report.offered), (1, 1));
    let fourth = offer_of(&expiring(&api, on).await, cert);
    assert_eq!(fourth["session_id"], s4, "{fourth}");
    let mut conn = t.app.store.read().await.unwrap();
    use sqlx::Row;
    let statuses: Vec<String> =
        sqlx::query("SELECT status FROM renewal_offers WHERE certificate_id = $1 ORDER BY id")
            .bind(cert)
            .fetch_all(&mut *conn)
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get("status").unwrap())
            .collect();
    assert_eq!(statuses, ["declined", "declined", "expired", "offered"]);
}

/// (booked, held) seats of a session, as the API reads them.
async fn seats(api: &Api, s: i64) -> (i64, i64) {
    let b = api.get(&format!("/sessions/{s}")).await.body;
    (
        b["booked_count"].as_i64().unwrap(),
        b["held_count"].as_i64().unwrap(),
    )
}

async fn enroll(api: &Api, s: i64, learner: i64) -> Value {
    api.create(
        &format!("/sessions/{s}/enrollments"),
        &json!({ "learner_id": learner }),
    )
    .await
}

async fn an_offered_seat_is_held_until_answered_or_lapsed(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let on = client(&api, "HLD", true).await;
    let ada = learner(&api, "ada", Some(on)).await;
    let bob = learner(&api, "bob", Some(on)).await;
    let cy = learner(&api, "cy", Some(on)).await;
    let [x, y, z, w] = [
        learner(&api, "xavier", None).await,
        learner(&api, "yara", None).await,
        learner(&api, "zoe", None).await,
        learner(&api, "will", None).await,
    ];
    let (c1, c2, c3) = (
        course(&api, "HLD1").await,
        course(&api, "HLD2").await,
        course(&api, "HLD3").await,
    );
    // S1: two seats, one booked: the one free seat is offered to Ada and held for her.
    let s1 = session(&api, c1, 10, 2).await;
    assert_eq!(enroll(&api, s1, x).await["status"], "booked");
    let s2 = session(&api, c2, 10, 1).await;
    let s3 = session(&api, c3, 20, 1).await;
    let ca = certificate(t, ada, Some(on), c1, "HLDAAAAAAAA1", 30).await;
    let cb = certificate(t, bob, Some(on), c2, "HLDAAAAAAAA2", 30).await;
    let cc = certificate(t, cy, Some(on), c3, "HLDAAAAAAAA3", 60).await;
    assert_eq!(run(t).await, 3);
    assert_eq!(seats(&api, s1).await, (1, 1));
    let items = expiring(&api, on).await;
    let offer_a = offer_of(&items, ca);
    assert_eq!(
        (offer_a["status"].clone(), offer_a["held"].clone()),
        (json!("offered"), json!(true))
    );
    assert!(offer_a["expires_at"].is_string(), "{offer_a}");
    // The held seat is not free for anyone else: a web enrollment is waitlisted.
    assert_eq!(enroll(&api, s1, y).await["status"], "waitlisted");
    assert_eq!(seats(&api, s1).await, (1, 1));
    // Accepting turns the hold into the booking.
    let a = learner_browser(t, "ada-hld@example.com", ada).await;
    let csrf = a.csrf().await;
    let (status, html) = a
        .post_form(
            &format!("/portal/renewals/{}", id(&offer_a)),
            &[("_csrf", csrf.as_str()), ("answer", "accept")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(
        offer_of(&expiring(&api, on).await, ca)["status"],
        "accepted"
    );
    assert_eq!(seats(&api, s1).await, (2, 0));

    // S2: its only seat held for Bob; Zoe waits; Bob declines: the seat goes to Zoe.
    assert_eq!(seats(&api, s2).await, (0, 1));
    let zoe = enroll(&api, s2, z).await;
    assert_eq!(zoe["status"], "waitlisted");
    let b = learner_browser(t, "bob-hld@example.com", bob).await;
    let csrf = b.csrf().await;
    let offer_b = offer_of(&expiring(&api, on).await, cb);
    let (status, html) = b
        .post_form(
            &format!("/portal/renewals/{}", id(&offer_b)),
            &[("_csrf", csrf.as_str()), ("answer", "decline")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(
        seats(&api, s2).await,
        (1, 0),
        "the freed seat went to the waitlist"
    );
    let (zoe_status, _, _) = enrollment(t, id(&zoe)).await;
    assert_eq!(zoe_status, "booked");

    // S3: held for Cy, who does not answer: 7 days later the offer lapses and Will gets it.
    assert_eq!(seats(&api, s3).await, (0, 1));
    let will = enroll(&api, s3, w).await;
    assert_eq!(will["status"], "waitlisted");
    let report =
        trainyard_app::renewals::run_due(&t.app, trainyard_core::time::now_ms() + 8 * 86_400_000)
            .await
            .unwrap();
    assert_eq!(report.expired, 1);
    assert_eq!(offer_of(&expiring(&api, on).await, cc)["status"], "expired");
    assert_eq!(seats(&api, s3).await, (1, 0));
    let (will_status, _, _) = enrollment(t, id(&will)).await;
    assert_eq!(will_status, "booked");
}
