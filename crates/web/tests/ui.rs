//! The HTML UI over HTTP: login, throttling, CSRF, role checks on pages, forms that keep input.

use crate::common;

use crate::common::{Browser, PASSWORD, TestApp, course_body, venue_body};
use reqwest::StatusCode;
use serde_json::json;
use trainyard_core::Role;

both_backends!(
    login_logout_and_the_staff_pages,
    failed_logins_are_throttled,
    forms_need_the_csrf_token_and_keep_input_on_errors,
    pages_refuse_roles_that_may_not_see_them,
    every_record_page_archives_and_restores,
    a_refused_session_part_is_named_as_its_day,
    refusals_on_the_session_page_stay_in_their_dialog_with_what_was_typed,
    a_refused_staffing_action_shows_in_the_instructors_panel,
    the_session_page_is_in_tabs_the_address_keeps,
    lists_filter_in_a_compact_bar_and_label_their_cells_for_phones,
    the_learner_picker_suggests_only_learners_the_caller_may_see,
    a_learner_typed_by_name_or_e_mail_is_enrolled_without_script,
    the_search_box_finds_each_kind_and_links_to_it,
);

async fn login_logout_and_the_staff_pages(t: &TestApp) {
    t.user("colin@example.com", Role::Coordinator, None).await;
    let b = Browser::new(t);
    // Not signed in: pages redirect to the login form and come back afterwards.
    let (status, html) = b.get("/sessions").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Sign in to run your training operation"));
    let r = b.login("colin@example.com", "wrong password!").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.unwrap().contains("do not match an account"));
    let r = b.login("colin@example.com", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("Operations dashboard"));
    let api = t.api_as(Role::Coordinator, None).await;
    api.create("/courses", &course_body("UI-1")).await;
    for (path, needle) in [
        ("/sessions?from=", "Sessions"),
        ("/courses", "UI-1"),
        ("/courses?format=csv&per_page=10000", "Code,Title"),
        ("/instructors", "Instructors"),
        ("/venues", "Venues"),
        ("/resources", "Resources"),
        ("/clients", "Clients"),
        ("/learners", "Learners"),
        ("/search?q=UI-1", "Course UI-1"),
        ("/sessions/new", "New session"),
        ("/account/tokens", "API tokens"),
    ] {
        let (status, html) = b.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(html.contains(needle), "{path} shows {needle}");
    }
    let csrf = b.csrf().await;
    let (status, html) = b.post_form("/logout", &[("_csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Sign in"));
    let (_, html) = b.get("/courses").await;
    assert!(html.contains("Sign in"), "the session ended");
}

async fn failed_logins_are_throttled(t: &TestApp) {
    t.user("target@example.com", Role::Manager, None).await;
    let b = Browser::new(t);
    for _ in 0..5 {
        assert_eq!(
            b.login("target@example.com", "guess-guess-guess")
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    // Even the right password is refused while the account is throttled.
    let r = b.login("target@example.com", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Too many sign-in attempts")
    );
}

async fn forms_need_the_csrf_token_and_keep_input_on_errors(t: &TestApp) {
    let b = t.browser_as(Role::Coordinator, None).await;
    let course = [
        ("code", "FORM-1"),
        ("title", "Form Course"),
        ("duration_days", "2"),
        ("hours_per_day", "7"),
        ("mode", "ilt"),
        ("min_learners", "3"),
        ("max_learners", "12"),
        ("currency", "EUR"),
        ("list_price", "500"),
    ];
    // Without the token: refused, nothing created.
    let (status, _) = b.post_form("/courses", &course).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // From another site: refused by the same-origin check before anything runs.
    let r = b
        .http
        .post(format!("{}/courses", b.base))
        .header("sec-fetch-site", "cross-site")
        .form(&course)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let csrf = b.csrf().await;
    let mut bad: Vec<(&str, &str)> = course.to_vec();
    bad.push(("_csrf", &csrf));
    bad[1] = ("title", "");
    bad[6] = ("max_learners", "two");
    let (status, html) = b.post_form("/courses", &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("is required"));
    assert!(
        html.contains("&#39;two&#39; is not a whole number")
            || html.contains("'two' is not a whole number"),
        "{html}"
    );
    assert!(html.contains("value=\"FORM-1\""), "the typed code is kept");
    let mut good: Vec<(&str, &str)> = course.to_vec();
    good.push(("_csrf", &csrf));
    let (status, html) = b.post_form("/courses", &good).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Course FORM-1 created."),
        "flash notice after redirect"
    );
    let api = t.api_as(Role::Coordinator, None).await;
    assert_eq!(api.get("/courses").await.body["total"], 1);
}

async fn pages_refuse_roles_that_may_not_see_them(t: &TestApp) {
    let learner = t.browser_as(Role::Learner, None).await;
    for path in [
        "/courses",
        "/sessions?from=",
        "/instructors",
        "/clients",
        "/learners",
        "/venues",
        "/admin/users",
        "/search?q=a",
    ] {
        let (status, html) = learner.get(path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "learner on {path}");
        assert!(html.contains("Your role does not allow this"));
    }
    let (status, html) = learner.get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("My sessions"));
    let coordinator = t.browser_as(Role::Coordinator, None).await;
    assert_eq!(
        coordinator.get("/admin/users").await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        coordinator.get("/admin/audit").await.0,
        StatusCode::FORBIDDEN
    );
    let admin = t.browser_as(Role::Admin, None).await;
    assert_eq!(admin.get("/admin/users").await.0, StatusCode::OK);
    let (status, html) = admin.get("/admin/audit").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("user.created"));
}

/// The Archive and Restore buttons of every kind of record: one POST each, with the version,
/// through the HTML form; the notice names the record; a stale version changes nothing.
async fn every_record_page_archives_and_restores(t: &TestApp) {
    t.user("colin@example.com", Role::Coordinator, None).await;
    let api = t.api_as(Role::Coordinator, None).await;
    let id = |v: serde_json::Value| v["id"].as_i64().unwrap();
    let venue = id(api
        .create("/venues", &venue_body("ARC", "Europe/Berlin"))
        .await);
    let course = id(api.create("/courses", &course_body("ARC-1")).await);
    let client = id(api
        .create(
            "/clients",
            &json!({ "code": "ARCH", "name": "Archive Ltd", "billing_email": "b@arch.example", "currency": "EUR", "time_zone": "Europe/Berlin" }),
        )
        .await);
    let records = [
        ("/venues", venue, "Venue ARC"),
        ("/courses", course, "Course ARC-1"),
        ("/clients", client, "Client ARCH"),
        (
            "/resources",
            id(api
                .create(
                    "/resources",
                    &json!({ "kind": "room", "code": "R-ARC", "name": "Room", "venue_id": venue, "seats": 10 }),
                )
                .await),
            "Resource R-ARC",
        ),
        (
            "/instructors",
            id(api
                .create(
                    "/instructors",
                    &json!({ "name": "Ada Arc", "email": "ada@arc.example", "employment_type": "staff", "time_zone": "Europe/Berlin", "currency": "EUR", "max_days_week": 5, "max_days_month": 20 }),
                )
                .await),
            "Instructor Ada Arc",
        ),
        (
            "/learners",
            id(api
                .create(
                    "/learners",
                    &json!({ "first_name": "Lea", "last_name": "Arc", "email": "lea@arc.example", "time_zone": "Europe/Berlin" }),
                )
                .await),
            "Learner Lea Arc",
        ),
        (
            "/programs",
            id(api
                .create(
                    "/programs",
                    &json!({ "client_id": client, "name": "Arc program", "currency": "EUR" }),
                )
                .await),
            "Program Arc program",
        ),
    ];
    let session = api
        .create(
            "/sessions",
            &json!({
                "course_id": course, "visibility": "public", "delivery_mode": "ilt", "venue_id": venue, "capacity": 10,
                "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" },
                "parts": [{ "starts": "2027-02-01T09:00", "ends": "2027-02-01T17:00" }]
            }),
        )
        .await;
    let reference = format!("Session {}", session["reference"].as_str().unwrap());
    let b = Browser::new(t);
    b.login("colin@example.com", PASSWORD).await;
    let csrf = b.csrf().await;
    for (path, id, label) in records
        .iter()
        .map(|(p, i, l)| (*p, *i, l.to_string()))
        .chain([("/sessions", id(session.clone()), reference)])
    {
        let api_path = format!("{path}/{id}");
        let version = api.get(&api_path).await.body["version"].as_i64().unwrap();
        // A stale version is refused and changes nothing.
        let stale = (version - 1).to_string();
        let (status, _) = b
            .post_form(
                &format!("{path}/{id}/archive"),
                &[("_csrf", csrf.as_str()), ("version", stale.as_str())],
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{path}: stale version");
        assert_eq!(api.get(&api_path).await.body["archived_at"], json!(null));
        let v = version.to_string();
        let (status, html) = b
            .post_form(
                &format!("{path}/{id}/archive"),
                &[("_csrf", csrf.as_str()), ("version", v.as_str())],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{path}: {html}");
        assert!(
            html.contains(&format!("{label} archived.")),
            "{path}: notice names {label}"
        );
        let after = api.get(&api_path).await.body;
        assert!(
            after["archived_at"].is_i64() || after["archived_at"].is_string(),
            "{path}: {after}"
        );
        let v = after["version"].as_i64().unwrap().to_string();
        let (status, html) = b
            .post_form(
                &format!("{path}/{id}/restore"),
                &[("_csrf", csrf.as_str()), ("version", v.as_str())],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{path}: {html}");
        assert!(html.contains(&format!("{label} restored.")), "{path}");
        assert_eq!(
            api.get(&api_path).await.body["archived_at"],
            json!(null),
            "{path}"
        );
    }
}

/// A refusal names the day the coordinator typed, not the JSON pointer the API uses.
async fn a_refused_session_part_is_named_as_its_day(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let course = api.create("/courses", &course_body("DAYS-1")).await["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let b = t.browser_as(Role::Coordinator, None).await;
    let csrf = b.csrf().await;
    let form = [
        ("_csrf", csrf.as_str()),
        ("course_id", course.as_str()),
        ("visibility", "public"),
        ("delivery_mode", "vilt"),
        ("capacity", "12"),
        ("time_zone", "Europe/Berlin"),
        ("currency", "EUR"),
        ("seat_price", "490"),
        ("part_starts", "2027-03-01T09:00"),
        ("part_ends", "2027-03-01T17:00"),
        ("part_starts", "2027-03-02T17:00"),
        ("part_ends", "2027-03-02T09:00"),
    ];
    let (status, html) = b.post_form("/sessions", &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("Day 2 must end after it starts"), "{html}");
    assert!(!html.contains("parts[1]"), "{html}");
    // The API keeps the pointer.
    let r = api
        .post(
            "/sessions",
            &json!({ "course_id": course.parse::<i64>().unwrap(), "visibility": "public", "delivery_mode": "vilt",
                     "capacity": 12, "time_zone": "Europe/Berlin", "seat_price": { "amount": "490", "currency": "EUR" },
                     "parts": [{ "starts": "2027-03-02T17:00", "ends": "2027-03-02T09:00" }] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["errors"][0]["field"], "parts[0].ends", "{}", r.body);
}

async fn refusals_on_the_session_page_stay_in_their_dialog_with_what_was_typed(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let venue = api
        .create("/venues", &venue_body("RFSV", "Europe/Berlin"))
        .await["id"]
        .as_i64()
        .unwrap();
    let course = api.create("/courses", &course_body("RFS-1")).await["id"]
        .as_i64()
        .unwrap();
    let other_course = api.create("/courses", &course_body("RFS-2")).await["id"]
        .as_i64()
        .unwrap();
    let room = api
        .create("/resources", &json!({ "kind": "room", "code": "SPREE", "name": "Spree", "venue_id": venue, "seats": 12, "features": ["projector"] }))
        .await["id"]
        .as_i64()
        .unwrap();
    let instructor = api
        .create("/instructors", &json!({
            "name": "Tess Timeoff", "email": "tess@example.com", "employment_type": "staff", "home_venue_id": venue,
            "time_zone": "Europe/Berlin", "currency": "EUR", "max_days_week": 5, "max_days_month": 20, "skills": []
        }))
        .await["id"]
        .as_i64()
        .unwrap();
    let mk = |course: i64| {
        let api = &api;
        async move {
            let s = api
                .create("/sessions", &json!({
                    "course_id": course, "visibility": "public", "delivery_mode": "ilt", "venue_id": venue, "capacity": 8,
                    "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" },
                    "parts": [{ "starts": "2027-10-04T09:00", "ends": "2027-10-04T17:00" }]
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
            id
        }
    };
    let holder = mk(course).await;
    let session = mk(course).await;
    let elsewhere = mk(other_course).await;
    let r = api
        .post(
            &format!("/sessions/{holder}/bookings"),
            &json!({ "resource_id": room, "confirm": true }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let version = |id: i64| {
        let api = &api;
        async move {
            api.get(&format!("/sessions/{id}")).await.body["version"]
                .as_i64()
                .unwrap()
                .to_string()
        }
    };
    let b = t.browser_as(Role::Coordinator, None).await;
    let csrf = b.csrf().await;
    let is_the_session_page =
        |html: &str| html.contains("id=\"status-change\"") && html.contains("id=\"bookings\"");

    // Cancelling for "other" without saying what: the dialog keeps the choice and says why.
    let v = version(session).await;
    let (status, html) = b
        .post_form(
            &format!("/sessions/{session}/transition"),
            &[
                ("_csrf", &csrf),
                ("version", &v),
                ("event", "cancel"),
                ("reason", "other"),
                ("reason_note", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(is_the_session_page(&html), "{html}");
    let dialog = &html[html.find("id=\"status-change\"").unwrap()..];
    assert!(dialog.contains("id=\"refusal\""), "{dialog}");
    assert!(
        dialog.contains("<span class=\"error\">describe the reason when it is"),
        "{dialog}"
    );
    assert!(
        dialog.contains("<option value=\"other\" selected>"),
        "{dialog}"
    );
    assert!(
        dialog.contains("<option value=\"cancel\" selected>"),
        "{dialog}"
    );

    // A stale version: the words typed stay, with the current version to try again from.
    let (status, html) = b
        .post_form(
            &format!("/sessions/{session}/transition"),
            &[
                ("_csrf", &csrf),
                ("version", "0"),
                ("event", "postpone"),
                ("reason", "weather"),
                ("reason_note", "storm warning for the coast"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(is_the_session_page(&html), "{html}");
    let dialog = &html[html.find("id=\"status-change\"").unwrap()..];
    assert!(
        dialog.contains("someone else changed this session"),
        "{dialog}"
    );
    assert!(
        dialog.contains("value=\"storm warning for the coast\""),
        "{dialog}"
    );
    assert!(
        dialog.contains("<option value=\"weather\" selected>"),
        "{dialog}"
    );
    assert!(
        dialog.contains(&format!("name=\"version\" value=\"{v}\"")),
        "the current version, to try again: {dialog}"
    );
    assert_eq!(
        api.get(&format!("/sessions/{session}")).await.body["status"],
        "scheduled"
    );

    // The room is taken at that time: said in the bookings panel, the choice kept.
    let room_id = room.to_string();
    let (status, html) = b
        .post_form(
            &format!("/sessions/{session}/bookings"),
            &[
                ("_csrf", &csrf),
                ("resource_id", &room_id),
                ("quantity", "1"),
                ("confirm", "true"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{html}");
    assert!(is_the_session_page(&html), "{html}");
    let panel = &html[html.find("id=\"bookings\"").unwrap()..];
    let panel = &panel[..panel.find("</section>").unwrap()];
    assert!(panel.contains("id=\"refusal\""), "{panel}");
    assert!(panel.contains("Spree"), "{panel}");
    assert!(
        panel.contains(&format!("<option value=\"{room}\" selected>")),
        "{panel}"
    );
    assert!(
        panel.contains("name=\"confirm\" value=\"true\" checked"),
        "{panel}"
    );

    // Merging into another course's session is refused on the session page, not a dead end.
    let target = elsewhere.to_string();
    let (status, html) = b
        .post_form(
            &format!("/sessions/{session}/merge"),
            &[("_csrf", &csrf), ("into_session_id", &target)],
        )
        .await;
    assert!(status.is_client_error(), "{status}");
    assert!(is_the_session_page(&html), "{html}");
    assert!(
        html.contains("id=\"refusal\"") && html.contains("are different courses"),
        "{html}"
    );

    // A confirmed merge that can no longer happen (the session was cancelled meanwhile) shows
    // its summary again with why, not a dead end.
    let twin = mk(course).await.to_string();
    let r = api
        .post(
            &format!("/sessions/{holder}/transition"),
            &json!({ "event": "cancel", "version": version(holder).await.parse::<i64>().unwrap(), "reason": "venue" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (status, html) = b
        .post_form(
            &format!("/sessions/{holder}/merge"),
            &[
                ("_csrf", &csrf),
                ("into_session_id", &twin),
                ("confirmed", "true"),
            ],
        )
        .await;
    assert!(status.is_client_error(), "{status}");
    assert!(
        html.contains("id=\"merge-summary\"") && html.contains("Not merged:"),
        "{html}"
    );

    // Time off refused keeps the dates that were entered.
    let (status, html) = b
        .post_form(
            &format!("/instructors/{instructor}/time-off"),
            &[
                ("_csrf", &csrf),
                ("from", "2027-05-10"),
                ("until", "2027-05-03"),
                ("reason", "Holiday"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    let section = &html[html.find("id=\"time-off\"").unwrap()..];
    assert!(section.contains("Not recorded:"), "{section}");
    assert!(
        section.contains("value=\"2027-05-10\"") && section.contains("value=\"2027-05-03\""),
        "{section}"
    );
}

/// The instructors panel of a session page (the page a refused staffing action comes back to).
fn instructors_panel(html: &str) -> &str {
    let start = html
        .find("<section id=\"instructors\"")
        .unwrap_or_else(|| panic!("no instructors panel: {html}"));
    let end = html[start..]
        .find("</section>")
        .map_or(html.len(), |e| start + e);
    &html[start..end]
}

/// Issue 13 §2 and §3: proposing or requesting an instructor who could not be confirmed is
/// refused on the session page, inside the instructors panel, with the form keeping the choice;
/// only a manager is offered to go ahead with a reason.
async fn a_refused_staffing_action_shows_in_the_instructors_panel(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let venue = api
        .create("/venues", &venue_body("UIV", "Europe/Berlin"))
        .await["id"]
        .as_i64()
        .unwrap();
    let mut pm = course_body("PM");
    pm["required_skill"] = json!("project");
    let course = api.create("/courses", &pm).await["id"].as_i64().unwrap();
    let anna = api
        .create("/instructors", &json!({
            "name": "Anna Berg", "email": "anna@example.com", "employment_type": "staff",
            "time_zone": "Europe/Berlin", "currency": "EUR", "max_days_week": 5, "max_days_month": 20
        }))
        .await["id"]
        .as_i64()
        .unwrap();
    let session = api
        .create("/sessions", &json!({
            "course_id": course, "visibility": "public", "delivery_mode": "ilt", "venue_id": venue,
            "capacity": 10, "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" },
            "parts": [{ "starts": "2027-09-06T09:00", "ends": "2027-09-06T17:00" }]
        }))
        .await;
    let sid = session["id"].as_i64().unwrap();
    let reference = session["reference"].as_str().unwrap().to_owned();
    let propose = format!("/sessions/{sid}/assignments");
    let anna_id = anna.to_string();

    // A coordinator: the refusal where they acted, their choice kept, no override offered.
    let b = t.browser_as(Role::Coordinator, None).await;
    let csrf = b.csrf().await;
    let (status, html) = b
        .post_form(
            &propose,
            &[
                ("_csrf", &csrf),
                ("instructor_id", &anna_id),
                ("role", "co"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{html}");
    assert!(!html.contains("error-page"), "no dead-end page: {html}");
    let panel = instructors_panel(&html);
    assert!(panel.contains("id=\"instructors-refusal\""), "{panel}");
    assert!(
        panel.contains(&format!(
            "Anna Berg cannot be proposed on {reference}; a manager may override:"
        )),
        "{panel}"
    );
    assert!(
        panel.contains("Anna Berg is not qualified to teach PM Course PM."),
        "{panel}"
    );
    assert!(
        panel.contains(&format!("<option value=\"{anna}\" selected>")),
        "the chosen instructor is kept: {panel}"
    );
    assert!(
        panel.contains("<option value=\"co\" selected>"),
        "the chosen role is kept: {panel}"
    );
    assert!(!panel.contains("name=\"override_reason\""), "{panel}");

    // A manager is offered to go ahead with a reason; the reason is recorded.
    let m = t.browser_as(Role::Manager, None).await;
    let mcsrf = m.csrf().await;
    let (status, html) = m
        .post_form(
            &propose,
            &[
                ("_csrf", &mcsrf),
                ("instructor_id", &anna_id),
                ("role", "lead"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{html}");
    let panel = instructors_panel(&html);
    assert!(
        panel.contains("unless you override with a reason:")
            && panel.contains("name=\"override_reason\"")
            && panel.contains("Propose anyway"),
        "{panel}"
    );
    let (status, html) = m
        .post_form(
            &propose,
            &[
                ("_csrf", &mcsrf),
                ("instructor_id", &anna_id),
                ("role", "lead"),
                ("override_reason", "Certified last week"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("with your reason recorded"), "{html}");
    let (aid, version) = {
        let mut conn = t.app.store.read().await.unwrap();
        let a = trainyard_store::assignments::for_session(&mut conn, sid)
            .await
            .unwrap();
        (a[0].id, a[0].version.to_string())
    };

    // Requesting from the assignment's row: refused in the same panel; a manager may retry
    // the same action with a reason.
    let act = format!("/assignments/{aid}/act");
    let (status, html) = b
        .post_form(
            &act,
            &[
                ("_csrf", &csrf),
                ("version", &version),
                ("event", "request"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{html}");
    let panel = instructors_panel(&html);
    assert!(
        panel.contains(&format!(
            "Anna Berg cannot be requested on {reference}; a manager may override:"
        )) && !panel.contains("name=\"override_reason\" required"),
        "{panel}"
    );
    let (status, html) = m
        .post_form(
            &act,
            &[
                ("_csrf", &mcsrf),
                ("version", &version),
                ("event", "request"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{html}");
    let panel = instructors_panel(&html);
    assert!(
        panel.contains("Request anyway") && panel.contains("name=\"event\" value=\"request\""),
        "{panel}"
    );
    let (status, html) = m
        .post_form(
            &act,
            &[
                ("_csrf", &mcsrf),
                ("version", &version),
                ("event", "request"),
                ("override_reason", "Certified last week"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Assignment requested."), "{html}");
}

/// A public session with one part, scheduled, through the API; its id.
async fn scheduled_session(api: &common::Api, code: &str) -> i64 {
    let venue = api
        .create("/venues", &venue_body(code, "Europe/Berlin"))
        .await["id"]
        .as_i64()
        .unwrap();
    let course = api.create("/courses", &course_body(code)).await["id"]
        .as_i64()
        .unwrap();
    let s = api
        .create(
            "/sessions",
            &json!({ "course_id": course, "visibility": "public", "delivery_mode": "ilt", "venue_id": venue,
                     "capacity": 10, "time_zone": "Europe/Berlin", "seat_price": { "amount": "100", "currency": "EUR" },
                     "parts": [{ "starts": "2027-04-05T09:00", "ends": "2027-04-05T17:00" }] }),
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

/// The opening tag of the tab panel `key` in a session page.
fn tab_panel(html: &str, key: &str) -> String {
    let start = html
        .find(&format!("<div id=\"panel-{key}\""))
        .unwrap_or_else(|| panic!("no {key} tab panel"));
    let end = start + html[start..].find('>').unwrap();
    html[start..=end].to_owned()
}

async fn the_session_page_is_in_tabs_the_address_keeps(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let id = scheduled_session(&api, "TABS").await;
    let b = t.browser_as(Role::Coordinator, None).await;

    // Without ?tab= every tab's panel is rendered and shown (a browser without script sees the
    // whole page); the overview is the selected tab.
    let (status, html) = b.get(&format!("/sessions/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"role="tablist""#), "{html}");
    for key in ["overview", "staffing", "bookings", "enrollments", "history"] {
        assert!(
            html.contains(&format!(
                r#"<a id="tab-{key}" href="?tab={key}" role="tab" data-tab="{key}" aria-controls="panel-{key}""#
            )),
            "a {key} tab linking to ?tab={key}"
        );
        assert!(!tab_panel(&html, key).contains("hidden"), "{key} shown");
    }
    assert!(
        html.contains(r#"data-tab="overview" aria-controls="panel-overview" aria-selected="true""#)
    );
    // The panels keep their ids, inside their tabs, in the tabs' order.
    let at = |needle: &str| html.find(needle).unwrap_or_else(|| panic!("{needle}"));
    assert!(at(r#"id="panel-overview""#) < at(r#"<section id="overview""#));
    assert!(at(r#"<section id="overview""#) < at(r#"id="panel-staffing""#));
    assert!(at(r#"id="panel-staffing""#) < at(r#"<section id="instructors""#));
    assert!(at(r#"<section id="instructors""#) < at(r#"id="panel-bookings""#));
    assert!(at(r#"id="panel-bookings""#) < at(r#"<section id="bookings""#));
    assert!(at(r#"id="panel-enrollments""#) < at(r#"<section id="enrollments""#));
    assert!(at(r#"<section id="enrollments""#) < at(r#"id="panel-history""#));
    assert!(at(r#"id="panel-history""#) < at(r#"<section id="history""#));
    // Cancelling asks why in the overview, where the header's "Cancel…" link points.
    assert!(at(r#"<section id="status-change""#) < at(r#"id="panel-staffing""#));

    // ?tab= renders that tab alone, selected; the others are hidden.
    let (_, html) = b.get(&format!("/sessions/{id}?tab=enrollments")).await;
    assert!(!tab_panel(&html, "enrollments").contains("hidden"));
    for key in ["overview", "staffing", "bookings", "history"] {
        assert!(tab_panel(&html, key).contains(" hidden"), "{key} hidden");
    }
    assert!(html.contains(
        r#"data-tab="enrollments" aria-controls="panel-enrollments" aria-selected="true">"#
    ));
    assert!(html.contains(
        r#"data-tab="overview" aria-controls="panel-overview" aria-selected="false" tabindex="-1">"#
    ));

    // An unknown tab is the overview, with nothing hidden.
    let (status, html) = b.get(&format!("/sessions/{id}?tab=nonsense")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!tab_panel(&html, "staffing").contains("hidden"));

    // Finance reads the enrollments without changing them: the read-only list is that tab.
    let (_, html) = t
        .browser_as(Role::Finance, None)
        .await
        .get(&format!("/sessions/{id}?tab=enrollments"))
        .await;
    assert!(
        !tab_panel(&html, "enrollments").contains("hidden"),
        "{html}"
    );
    let panel = &html[html.find(r#"<div id="panel-enrollments""#).unwrap()..];
    assert!(panel.contains("Enrollments (0)"), "{html}");
    assert!(tab_panel(&html, "overview").contains(" hidden"));
}

async fn lists_filter_in_a_compact_bar_and_label_their_cells_for_phones(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    scheduled_session(&api, "LIST").await;
    let b = t.browser_as(Role::Coordinator, None).await;

    // Nothing filtered: the search box, and the other filters behind a closed toggle.
    let (_, html) = b.get("/courses").await;
    assert!(html.contains(r#"<details class="filter-bar">"#), "{html}");
    assert!(
        html.contains(r#"<td class="" data-label="Code"><a href="/courses/"#),
        "{html}"
    );

    // A filter set: the toggle is open and says how many.
    let (_, html) = b.get("/sessions?from=2027-01-01&mode=ilt").await;
    assert!(
        html.contains(r#"<details class="filter-bar" open>"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<span class="badge">2 set</span>"#),
        "{html}"
    );
    // The start on one line, short, and labelled for the card a row becomes on a phone.
    // (The year shows only when the date is far from today: views.rs tests that.)
    let cell = r#"<td data-label="Starts"><span class="when">Mon 5 Apr "#;
    let at = html.find(cell).unwrap_or_else(|| panic!("{html}"));
    let text = &html[at + cell.len()..];
    let text = &text[..text.find("</span>").unwrap()];
    assert!(text == "09:00" || text == "2027 09:00", "{text}");
}

async fn the_learner_picker_suggests_only_learners_the_caller_may_see(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let client = |code: &str| json!({ "code": code, "name": format!("{code} Corp"), "billing_email": format!("ap@{}.example", code.to_lowercase()), "currency": "EUR", "time_zone": "Europe/Berlin" });
    let acme = api.create("/clients", &client("ACME")).await["id"]
        .as_i64()
        .unwrap();
    let globex = api.create("/clients", &client("GLOBEX")).await["id"]
        .as_i64()
        .unwrap();
    let learner = |first: &str, last: &str, client: Option<i64>| {
        json!({ "first_name": first, "last_name": last, "email": format!("{}.{}@example.com", first.to_lowercase(), last.to_lowercase()),
                "client_id": client, "time_zone": "Europe/Berlin" })
    };
    let ada = api
        .create("/learners", &learner("Ada", "Lovelace", Some(acme)))
        .await["id"]
        .as_i64()
        .unwrap();
    let adam = api
        .create("/learners", &learner("Adam", "Smith", Some(globex)))
        .await["id"]
        .as_i64()
        .unwrap();
    let adele = api
        .create("/learners", &learner("Adele", "Adkins", None))
        .await["id"]
        .as_i64()
        .unwrap();
    for i in 0..20 {
        api.create("/learners", &learner("Bob", &format!("Many{i:02}"), None))
            .await;
    }
    let ids = |body: &str| -> Vec<i64> {
        let v: serde_json::Value =
            serde_json::from_str(body).unwrap_or_else(|_| panic!("JSON: {body}"));
        v.as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].as_i64().unwrap())
            .collect()
    };

    // Staff: every learner whose name or e-mail has every typed word, labelled "Name <e-mail>".
    let staff = t.browser_as(Role::Coordinator, None).await;
    let (status, body) = staff.get("/learners/search?q=ad").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut found = ids(&body);
    found.sort_unstable();
    assert_eq!(found, {
        let mut v = vec![ada, adam, adele];
        v.sort_unstable();
        v
    });
    assert!(
        body.contains(r#""label":"Ada Lovelace <ada.lovelace@example.com>""#),
        "{body}"
    );
    let (_, body) = staff.get("/learners/search?q=ada%20lov").await;
    assert_eq!(ids(&body), vec![ada], "both words narrow it down");
    let (_, body) = staff
        .get(&format!("/learners/search?q=ad&client_id={globex}"))
        .await;
    assert_eq!(
        ids(&body),
        vec![adam],
        "a private session's picker: its client's people"
    );
    let (_, body) = staff.get("/learners/search?q=bob").await;
    assert_eq!(ids(&body).len(), 12, "a short list, not the whole register");

    // A client contact: their own people only, and never another client's.
    let contact = t.browser_as(Role::ClientContact, Some(acme)).await;
    let (status, body) = contact.get("/learners/search?q=ad").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(ids(&body), vec![ada]);
    let (status, _) = contact
        .get(&format!("/learners/search?q=ad&client_id={globex}"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A learner may not search the register (the access matrix has every role); signed-out callers sign in first.
    let (status, _) = t
        .browser_as(Role::Learner, None)
        .await
        .get("/learners/search?q=ad")
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, html) = Browser::new(t).get("/learners/search?q=ad").await;
    assert!(html.contains("Sign in"), "{html}");
}

async fn a_learner_typed_by_name_or_e_mail_is_enrolled_without_script(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let id = scheduled_session(&api, "PICK").await;
    let learner = |first: &str, last: &str, email: &str| json!({ "first_name": first, "last_name": last, "email": email, "time_zone": "Europe/Berlin" });
    let ada = api
        .create("/learners", &learner("Ada", "Lovelace", "ada@example.com"))
        .await["id"]
        .as_i64()
        .unwrap();
    let grace = api
        .create(
            "/learners",
            &learner("Grace", "Hopper", "grace@example.com"),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let chosen = api
        .create("/learners", &learner("Alan", "Turing", "alan@example.com"))
        .await["id"]
        .as_i64()
        .unwrap();
    api.create("/learners", &learner("Sam", "Same", "sam1@example.com"))
        .await;
    api.create("/learners", &learner("Sam", "Same", "sam2@example.com"))
        .await;
    let b = t.browser_as(Role::Coordinator, None).await;

    // The enrollment form offers a type-ahead field, not a list of every learner.
    let (_, html) = b.get(&format!("/sessions/{id}?tab=enrollments")).await;
    assert!(
        html.contains(r#"<input name="learner" list="suggest-learner_id""#),
        "{html}"
    );
    assert!(
        html.contains(r#"data-learner-search="/learners/search""#),
        "{html}"
    );
    assert!(!html.contains(r#"<select name="learner_id""#), "{html}");

    let csrf = b.csrf().await;
    let enroll = |learner_id: String, typed: &'static str| {
        let csrf = csrf.clone();
        let b = &b;
        async move {
            b.post_form(
                &format!("/sessions/{id}/enrollments"),
                &[
                    ("_csrf", csrf.as_str()),
                    ("learner_id", learner_id.as_str()),
                    ("learner", typed),
                    ("priority", "0"),
                ],
            )
            .await
        }
    };
    // A chosen suggestion sends its id (the typed text is then only what was shown).
    let (status, html) = enroll(chosen.to_string(), "Alan Turing <alan@example.com>").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    // Typed by hand: an exact name, or an e-mail.
    let (status, html) = enroll(String::new(), "ada lovelace").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let (status, html) = enroll(String::new(), " GRACE@example.com ").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    // Nobody, or more than one, by that name: refused in words, nothing enrolled.
    let (status, html) = enroll(String::new(), "Charles Babbage").await;
    assert!(status.is_client_error(), "{status}");
    assert!(
        html.contains("No learner is called Charles Babbage."),
        "{html}"
    );
    let (status, html) = enroll(String::new(), "Sam Same").await;
    assert!(status.is_client_error(), "{status}");
    assert!(
        html.contains("2 learners are called Sam Same: type the e-mail instead."),
        "{html}"
    );

    let mut enrolled: Vec<i64> = api
        .get(&format!("/sessions/{id}/enrollments"))
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["learner_id"].as_i64().unwrap())
        .collect();
    enrolled.sort_unstable();
    let mut want = vec![ada, grace, chosen];
    want.sort_unstable();
    assert_eq!(enrolled, want);
}

async fn the_search_box_finds_each_kind_and_links_to_it(t: &TestApp) {
    t.user("colin@example.com", Role::Coordinator, None).await;
    let api = t.api_as(Role::Coordinator, None).await;
    let id = |v: serde_json::Value| v["id"].as_i64().unwrap();
    let course = id(api.create("/courses", &course_body("ZEBRA-1")).await);
    let client = id(api
        .create(
            "/clients",
            &json!({ "code": "ZEBRA", "name": "Zebra Ltd", "billing_email": "b@zebra.example", "currency": "EUR", "time_zone": "Europe/Berlin" }),
        )
        .await);
    let instructor = id(api
        .create(
            "/instructors",
            &json!({ "name": "Zora Zebra", "email": "zora@zebra.example", "employment_type": "staff", "time_zone": "Europe/Berlin", "currency": "EUR", "max_days_week": 5, "max_days_month": 20 }),
        )
        .await);
    let learner = id(api
        .create(
            "/learners",
            &json!({ "first_name": "Lea", "last_name": "Zebra", "email": "lea@zebra.example", "time_zone": "Europe/Berlin" }),
        )
        .await);
    let b = Browser::new(t);
    b.login("colin@example.com", PASSWORD).await;
    let (status, html) = b.get("/search?q=zebra").await;
    assert_eq!(status, StatusCode::OK);
    for needle in [
        "Courses (1)".to_owned(),
        format!("href=\"/courses/{course}\""),
        "Clients (1)".to_owned(),
        format!("href=\"/clients/{client}\""),
        "Instructors (1)".to_owned(),
        format!("href=\"/instructors/{instructor}\""),
        "Learners (1)".to_owned(),
        format!("href=\"/learners/{learner}\""),
        "Lea Zebra".to_owned(),
        "Sessions (0)".to_owned(),
        "No sessions match.".to_owned(),
    ] {
        assert!(html.contains(&needle), "the search page shows {needle}");
    }
    // An empty box searches nothing.
    let (_, html) = b.get("/search?q=").await;
    assert!(!html.contains("Courses ("));
}
