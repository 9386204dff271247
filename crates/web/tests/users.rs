//! Issue 13 §1, people and accounts: user administration (API and pages), linking accounts to
//! instructor, client and learner records, invitations, and an instructor's own work.

use crate::common::{
    Api, Browser, PASSWORD, TestApp, course_body, link_in, mails_to, token_of, venue_body,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use trainyard_app::accounts::{self, NewAccount};
use trainyard_core::Role;

both_backends!(
    administrators_edit_link_and_deactivate_users_over_the_api,
    only_administrators_reach_the_users_api,
    the_user_pages_edit_deactivate_and_reset,
    an_invitation_creates_the_linked_account_once,
    an_instructor_sees_their_work_and_declines_with_a_reason,
    an_instructor_edits_and_removes_their_time_off,
    the_command_line_links_accounts_by_role,
);

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

fn day_ahead(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

async fn instructor(api: &Api, name: &str) -> i64 {
    id(&api
        .create(
            "/instructors",
            &json!({ "name": name, "email": format!("{}@inst.example.com", name.to_lowercase()),
                     "employment_type": "contractor", "time_zone": "Europe/Berlin", "currency": "EUR",
                     "max_days_week": 5, "max_days_month": 20 }),
        )
        .await)
}

fn user_body(email: &str, role: &str) -> Value {
    json!({ "email": email, "display_name": "Ines Instructor", "role": role,
            "time_zone": "Europe/Berlin", "password": PASSWORD })
}

/// An API client with a fresh token for `email` (whose password is `PASSWORD`).
async fn api_for(t: &TestApp, email: &str) -> Api {
    let token = accounts::create_api_token_for(&t.app, email, "tests")
        .await
        .unwrap();
    Api {
        base: t.url("/api/v1"),
        token: token.secret,
        http: reqwest::Client::new(),
    }
}

async fn administrators_edit_link_and_deactivate_users_over_the_api(t: &TestApp) {
    let admin = t.api_as(Role::Admin, None).await;
    let anna = instructor(&admin, "Anna").await;
    let gone = instructor(&admin, "Gone").await;
    let g = admin.get(&format!("/instructors/{gone}")).await.body;
    let r = admin
        .delete(&format!("/instructors/{gone}?version={}", g["version"]))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // The role decides the link, and an administrator must give it.
    let r = admin
        .post("/users", &user_body("ines@example.com", "instructor"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.to_string().contains("instructor_id"), "{}", r.body);
    let mut b = user_body("ines@example.com", "instructor");
    b["instructor_id"] = json!(gone);
    let r = admin.post("/users", &b).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.to_string().contains("archived"), "{}", r.body);
    b["instructor_id"] = json!(999_999);
    let r = admin.post("/users", &b).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.to_string().contains("no instructor with this id"),
        "{}",
        r.body
    );
    b["instructor_id"] = json!(anna);
    b["client_id"] = json!(12345);
    let user = admin.create("/users", &b).await;
    assert_eq!(user["instructor_id"], json!(anna));
    assert_eq!(
        user["client_id"],
        Value::Null,
        "links of other roles are dropped"
    );
    assert!(user.get("password_hash").is_none());
    let uid = id(&user);
    // One account per instructor record.
    let mut twin = user_body("ines2@example.com", "instructor");
    twin["instructor_id"] = json!(anna);
    let r = admin.post("/users", &twin).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.to_string().contains("already has an account"));

    // Listed and read.
    let list = admin.get("/users").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["email"] == json!("ines@example.com"))
    );
    let got = admin.get(&format!("/users/{uid}")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body["role"], json!("instructor"));

    // The instructor signs in (a token and a browser session) and sees their work.
    let ines = api_for(t, "ines@example.com").await;
    assert_eq!(ines.get("/me/assignments").await.status, StatusCode::OK);
    let web = Browser::new(t);
    assert_eq!(
        web.login("ines@example.com", PASSWORD).await.status(),
        StatusCode::OK
    );
    let (_, home) = web.get("/").await;
    assert!(home.contains("My schedule"), "{home}");

    // Replace: a stale version is refused; the name and zone change.
    let mut edit = json!({ "email": "ines@example.com", "display_name": "Ines Berg", "role": "instructor",
                           "time_zone": "Europe/Lisbon", "instructor_id": anna, "version": 0 });
    let r = admin.put(&format!("/users/{uid}"), &edit).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    edit["version"] = got.body["version"].clone();
    let r = admin.put(&format!("/users/{uid}"), &edit).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["display_name"], json!("Ines Berg"));
    assert_eq!(r.body["time_zone"], json!("Europe/Lisbon"));
    // Changing the role to one that needs another link is refused without it.
    let mut wrong = edit.clone();
    wrong["role"] = json!("learner");
    wrong["version"] = r.body["version"].clone();
    let r2 = admin.put(&format!("/users/{uid}"), &wrong).await;
    assert_eq!(r2.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r2.body);
    assert!(r2.body.to_string().contains("learner_id"), "{}", r2.body);

    // Deactivate: signed out everywhere, tokens revoked, no sign-in; audited.
    let r = admin
        .post(
            &format!("/users/{uid}/deactivate"),
            &json!({ "version": r.body["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body["archived_at"].is_string());
    assert_eq!(
        ines.get("/me").await.status,
        StatusCode::UNAUTHORIZED,
        "the token is revoked"
    );
    let (_, page) = web.get("/").await;
    assert!(page.contains("name=\"password\""), "signed out: {page}");
    let again = Browser::new(t);
    let (_, refused) = {
        let r = again.login("ines@example.com", PASSWORD).await;
        (r.status(), r.text().await.unwrap())
    };
    assert!(
        refused.contains("do not match"),
        "a deactivated user cannot sign in: {refused}"
    );
    let history = admin.get(&format!("/history/user/{uid}")).await.body;
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.contains(&"user.deactivated"), "{actions:?}");
    assert!(actions.contains(&"user.updated"), "{actions:?}");
    let deactivated = history
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == json!("user.deactivated"))
        .unwrap();
    assert_eq!(deactivated["after"]["tokens_revoked"], json!(1));
    assert_eq!(deactivated["after"]["sessions_ended"], json!(1));
    // A password reset for a deactivated account is refused.
    let r = admin
        .post(&format!("/users/{uid}/password-reset"), &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);

    // Reactivate: the password works again; the old token stays revoked.
    let v = admin.get(&format!("/users/{uid}")).await.body["version"].clone();
    let r = admin
        .post(
            &format!("/users/{uid}/reactivate"),
            &json!({ "version": v }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["archived_at"], Value::Null);
    assert_eq!(ines.get("/me").await.status, StatusCode::UNAUTHORIZED);
    let back = Browser::new(t);
    back.login("ines@example.com", PASSWORD).await;
    let (_, home) = back.get("/").await;
    assert!(home.contains("My schedule"), "{home}");

    // A reset link by e-mail, at the administrator's request.
    let r = admin
        .post(&format!("/users/{uid}/password-reset"), &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let mail = mails_to(t, "ines@example.com").await;
    let reset = mail.iter().find(|m| m.kind == "password_reset").unwrap();
    assert!(link_in(&reset.body, &t.app, "/account/password").is_some());

    // Without a password, the new user is e-mailed a link to choose one.
    let mut b = user_body("newbie@example.com", "coordinator");
    b.as_object_mut().unwrap().remove("password");
    admin.create("/users", &b).await;
    let mail = mails_to(t, "newbie@example.com").await;
    assert!(mail.iter().any(|m| m.kind == "password_reset"), "{mail:?}");

    // Nobody deactivates themselves.
    let me = admin.get("/me").await.body;
    let mine = admin.get(&format!("/users/{}", id(&me))).await.body;
    let r = admin
        .post(
            &format!("/users/{}/deactivate", id(&me)),
            &json!({ "version": mine["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
}

async fn only_administrators_reach_the_users_api(t: &TestApp) {
    let admin = t.api_as(Role::Admin, None).await;
    let anna = instructor(&admin, "Anna").await;
    let mut b = user_body("ines@example.com", "instructor");
    b["instructor_id"] = json!(anna);
    let uid = id(&admin.create("/users", &b).await);
    for role in [Role::Manager, Role::Coordinator, Role::Finance] {
        let api = t.api_as(role, None).await;
        assert_eq!(api.get("/users").await.status, StatusCode::FORBIDDEN);
        assert_eq!(
            api.get(&format!("/users/{uid}")).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            api.post(
                &format!("/users/{uid}/deactivate"),
                &json!({ "version": 1 })
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        let mut c = user_body(&format!("x-{}@example.com", role.as_str()), "admin");
        c["password"] = json!(PASSWORD);
        assert_eq!(api.post("/users", &c).await.status, StatusCode::FORBIDDEN);
        assert_eq!(
            api.post(&format!("/instructors/{anna}/invitation"), &json!({}))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
}

async fn the_user_pages_edit_deactivate_and_reset(t: &TestApp) {
    let admin_api = t.api_as(Role::Admin, None).await;
    let anna = instructor(&admin_api, "Anna").await;
    let admin = t.browser_as(Role::Admin, None).await;
    let csrf = admin.csrf().await;

    // The form refuses an instructor without their instructor, keeping what was typed.
    let (status, html) = admin
        .post_form(
            "/admin/users",
            &[
                ("_csrf", &csrf),
                ("email", "ines@example.com"),
                ("display_name", "Ines"),
                ("role", "instructor"),
                ("time_zone", "Europe/Berlin"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("choose the instructor"), "{html}");
    assert!(html.contains("ines@example.com"), "input kept");
    let anna_s = anna.to_string();
    let (status, html) = admin
        .post_form(
            "/admin/users",
            &[
                ("_csrf", &csrf),
                ("email", "ines@example.com"),
                ("display_name", "Ines"),
                ("role", "instructor"),
                ("instructor_id", &anna_s),
                ("time_zone", "Europe/Berlin"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("User ines@example.com created."), "{html}");

    // The list links each row to the user's own page.
    let uid = {
        let list = admin_api.get("/users").await.body;
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["email"] == json!("ines@example.com"))
            .map(id)
            .unwrap()
    };
    let (_, list) = admin.get("/admin/users").await;
    assert!(
        list.contains(&format!("href=\"/admin/users/{uid}\"")),
        "{list}"
    );
    let (status, page) = admin.get(&format!("/admin/users/{uid}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(&format!("/instructors/{anna}")),
        "linked: {page}"
    );
    assert!(page.contains("Deactivate") && page.contains("Send password reset"));

    // Edit.
    let (status, form) = admin.get(&format!("/admin/users/{uid}/edit")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("value=\"ines@example.com\""));
    let version = admin_api.get(&format!("/users/{uid}")).await.body["version"].to_string();
    let (status, html) = admin
        .post_form(
            &format!("/admin/users/{uid}"),
            &[
                ("_csrf", &csrf),
                ("email", "ines@example.com"),
                ("display_name", "Ines Berg"),
                ("role", "instructor"),
                ("instructor_id", &anna_s),
                ("time_zone", "Europe/Berlin"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Ines Berg"), "{html}");

    // Password reset and deactivation from the page.
    let (status, html) = admin
        .post_form(
            &format!("/admin/users/{uid}/password-reset"),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("on its way"), "{html}");
    assert!(
        mails_to(t, "ines@example.com")
            .await
            .iter()
            .any(|m| m.kind == "password_reset")
    );
    let version = admin_api.get(&format!("/users/{uid}")).await.body["version"].to_string();
    let (status, html) = admin
        .post_form(
            &format!("/admin/users/{uid}/deactivate"),
            &[("_csrf", &csrf), ("version", &version)],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("is deactivated"), "{html}");
    assert!(html.contains("Reactivate"), "{html}");
    let r = Browser::new(t).login("ines@example.com", PASSWORD).await;
    assert!(r.text().await.unwrap().contains("do not match"));

    // Other roles may not open the pages.
    let coordinator = t.browser_as(Role::Coordinator, None).await;
    let (status, _) = coordinator.get(&format!("/admin/users/{uid}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn an_invitation_creates_the_linked_account_once(t: &TestApp) {
    let admin = t.api_as(Role::Admin, None).await;
    let anna = instructor(&admin, "Anna").await;

    // From the instructor's page: the action, then the form with the record's address.
    let web = t.browser_as(Role::Admin, None).await;
    let (_, page) = web.get(&format!("/instructors/{anna}")).await;
    assert!(
        page.contains(&format!("/instructors/{anna}/invite")),
        "{page}"
    );
    assert!(page.contains("Invite to Trainyard"));
    let (status, form) = web.get(&format!("/instructors/{anna}/invite")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("anna@inst.example.com"), "{form}");

    // Through the API (one shape for the three kinds).
    let r = admin
        .post(&format!("/instructors/{anna}/invitation"), &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["email"], json!("anna@inst.example.com"));
    assert_eq!(r.body["role"], json!("instructor"));
    let mail = mails_to(t, "anna@inst.example.com").await;
    let invite = mail.iter().find(|m| m.kind == "account_invite").unwrap();
    let link = link_in(&invite.body, &t.app, "/account/invite").unwrap();
    let token = token_of(&link);

    // Following it: a password form; too short a password is refused, then the account is made.
    let b = Browser::new(t);
    let (status, page) = b.get(&format!("/account/invite?token={token}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("anna@inst.example.com"), "{page}");
    let (status, _) = b
        .post_form(
            "/account/invite",
            &[("token", &token), ("password", "short")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, home) = b
        .post_form(
            "/account/invite",
            &[("token", &token), ("password", "anna's own secret")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{home}");
    assert!(
        home.contains("My schedule"),
        "signed in as the instructor: {home}"
    );
    let user = accounts::list_users(&t.app, &trainyard_app::Caller::system(), 1)
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|u| u.email == "anna@inst.example.com")
        .unwrap();
    assert_eq!(user.role, Role::Instructor);
    assert_eq!(user.instructor_id, Some(anna));
    // The password works; the link does not, twice.
    let again = Browser::new(t);
    again
        .login("anna@inst.example.com", "anna's own secret")
        .await;
    let (_, home) = again.get("/").await;
    assert!(home.contains("My schedule"));
    let (status, _) = Browser::new(t)
        .post_form(
            "/account/invite",
            &[("token", &token), ("password", "another long secret")],
        )
        .await;
    assert_ne!(status, StatusCode::OK);
    // Audited, and no second account for the same instructor.
    let history = admin.get(&format!("/history/instructor/{anna}")).await.body;
    assert!(
        history
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == json!("user.invited")),
        "{history}"
    );
    let r = admin
        .post(&format!("/instructors/{anna}/invitation"), &json!({}))
        .await;
    assert!(r.status.is_client_error(), "{}", r.body);

    // A client's contact must be named; then the account is a client contact of that client.
    let client = id(&admin
        .create(
            "/clients",
            &json!({ "code": "ACME", "name": "Acme", "billing_email": "billing@acme.example.com",
                     "currency": "EUR", "time_zone": "Europe/Berlin" }),
        )
        .await);
    let r = admin
        .post(&format!("/clients/{client}/invitation"), &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = admin
        .post(
            &format!("/clients/{client}/invitation"),
            &json!({ "email": "carla@acme.example.com", "name": "Carla Contact" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let mail = mails_to(t, "carla@acme.example.com").await;
    let link = link_in(&mail[0].body, &t.app, "/account/invite").unwrap();
    let c = Browser::new(t);
    let (status, _) = c
        .post_form(
            "/account/invite",
            &[
                ("token", &token_of(&link)),
                ("password", "carla's long secret"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let contact = api_for(t, "carla@acme.example.com").await;
    let me = contact.get("/me").await.body;
    assert_eq!(me["role"], json!("client_contact"));
    assert_eq!(me["client_id"], json!(client));

    // A learner, from the learner's page form.
    let learner = id(&admin
        .create(
            "/learners",
            &json!({ "first_name": "Lena", "last_name": "Learner", "email": "lena@example.com",
                     "time_zone": "Europe/Berlin" }),
        )
        .await);
    let csrf = web.csrf().await;
    let (status, html) = web
        .post_form(
            &format!("/learners/{learner}/invite"),
            &[
                ("_csrf", &csrf),
                ("email", "lena@example.com"),
                ("name", "Lena Learner"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Invitation sent to lena@example.com"),
        "{html}"
    );
    let mail = mails_to(t, "lena@example.com").await;
    let link = link_in(&mail[0].body, &t.app, "/account/invite").unwrap();
    let l = Browser::new(t);
    l.post_form(
        "/account/invite",
        &[
            ("token", &token_of(&link)),
            ("password", "lena's long secret"),
        ],
    )
    .await;
    let me = api_for(t, "lena@example.com").await.get("/me").await.body;
    assert_eq!(me["role"], json!("learner"));
    assert_eq!(me["learner_id"], json!(learner));
}

/// A session at a venue, scheduled, with the instructor proposed and requested.
async fn requested_session(admin: &Api, inst: i64, course: i64, venue: i64, day: &str) -> Value {
    let s = admin
        .create(
            "/sessions",
            &json!({ "course_id": course, "visibility": "public", "delivery_mode": "ilt", "venue_id": venue,
                     "capacity": 10, "time_zone": "Europe/Berlin", "seat_price": { "amount": "490", "currency": "EUR" },
                     "parts": [{ "starts": format!("{day}T09:00"), "ends": format!("{day}T17:00") }] }),
        )
        .await;
    let sid = id(&s);
    let r = admin
        .post(
            &format!("/sessions/{sid}/transition"),
            &json!({ "event": "schedule", "version": s["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let a = admin
        .create(
            &format!("/sessions/{sid}/assignments"),
            &json!({ "instructor_id": inst, "role": "lead" }),
        )
        .await;
    let r = admin
        .post(
            &format!("/assignments/{}/actions", id(&a)),
            &json!({ "event": "request", "version": a["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
}

async fn an_instructor_sees_their_work_and_declines_with_a_reason(t: &TestApp) {
    let admin = t.api_as(Role::Admin, None).await;
    let anna = instructor(&admin, "Anna").await;
    let venue = id(&admin
        .create("/venues", &venue_body("BER", "Europe/Berlin"))
        .await);
    let course = id(&admin.create("/courses", &course_body("XL")).await);
    // Qualified: proposing and requesting judge what confirming does.
    admin
        .create(
            &format!("/instructors/{anna}/qualifications"),
            &json!({ "course_id": course }),
        )
        .await;
    let first = requested_session(&admin, anna, course, venue, &day_ahead(10)).await;
    let second = requested_session(&admin, anna, course, venue, &day_ahead(20)).await;
    let mut b = user_body("anna@example.com", "instructor");
    b["instructor_id"] = json!(anna);
    // Her own zone differs from the session's: times are shown in hers.
    b["time_zone"] = json!("Europe/London");
    admin.create("/users", &b).await;
    let me = api_for(t, "anna@example.com").await;

    let mine = me.get("/me/assignments").await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
    let rows = mine.body.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let row = &rows[0];
    assert_eq!(row["id"], first["id"]);
    assert_eq!(row["status"], json!("requested"));
    assert_eq!(row["venue"]["name"], json!("Venue BER"));
    assert_eq!(row["venue"]["address"], json!("Street 1"));
    assert_eq!(row["time_zone"], json!("Europe/London"));
    let local = row["days"][0]["starts_local"].as_str().unwrap();
    assert!(
        local.contains("08:00"),
        "09:00 Berlin is 08:00 London: {local}"
    );
    assert_eq!(
        row["learners"],
        Value::Null,
        "no learner list before confirmation"
    );

    // Declining needs a reason; the coordinator sees it.
    let r = me
        .post(
            &format!("/assignments/{}/actions", id(&second)),
            &json!({ "event": "decline", "version": second["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = me
        .post(
            &format!("/assignments/{}/actions", id(&second)),
            &json!({ "event": "decline", "version": second["version"], "override_reason": "On holiday that week" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["decline_reason"], json!("On holiday that week"));
    let needing = admin.get("/assignments/needing-action").await.body;
    assert!(
        needing
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["decline_reason"] == json!("On holiday that week")),
        "{needing}"
    );
    let history = admin
        .get(&format!("/history/session/{}", second["session_id"]))
        .await
        .body;
    assert!(history.to_string().contains("On holiday that week"));
    let coordinator = t.browser_as(Role::Coordinator, None).await;
    let (_, page) = coordinator
        .get(&format!("/sessions/{}", second["session_id"]))
        .await;
    assert!(
        page.contains("Declined: On holiday that week"),
        "the session page shows why: {page}"
    );

    // In the portal: the place, a decline form asking why; a refusal is shown there.
    let web = Browser::new(t);
    web.login("anna@example.com", PASSWORD).await;
    let (_, page) = web.get("/").await;
    assert!(page.contains("Venue BER, Street 1"), "{page}");
    assert!(page.contains("name=\"reason\""), "{page}");
    assert!(
        page.contains("On holiday that week"),
        "her own reason: {page}"
    );
    let csrf = web.csrf().await;
    let (status, page) = web
        .post_form(
            &format!("/portal/assignments/{}/decline", id(&first)),
            &[
                ("_csrf", &csrf),
                ("version", &first["version"].to_string()),
                ("reason", " "),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("say why you decline"), "{page}");

    // Accepted and confirmed: the learners appear.
    let r = me
        .post(
            &format!("/assignments/{}/actions", id(&first)),
            &json!({ "event": "accept", "version": first["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = admin
        .post(
            &format!("/assignments/{}/actions", id(&first)),
            &json!({ "event": "confirm", "version": r.body["version"], "override_reason": "test" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let learner = id(&admin
        .create(
            "/learners",
            &json!({ "first_name": "Lena", "last_name": "Learner", "email": "lena@example.com",
                     "time_zone": "Europe/Berlin" }),
        )
        .await);
    admin
        .create(
            &format!("/sessions/{}/enrollments", first["session_id"]),
            &json!({ "learner_id": learner }),
        )
        .await;
    let rows = me.get("/me/assignments").await.body;
    let learners = &rows[0]["learners"];
    assert_eq!(learners[0]["name"], json!("Lena Learner"), "{rows}");
    let (_, page) = web.get("/").await;
    assert!(page.contains("Lena Learner"), "{page}");

    // Staff have no assignments of their own.
    assert_eq!(
        admin.get("/me/assignments").await.status,
        StatusCode::FORBIDDEN
    );
}

async fn an_instructor_edits_and_removes_their_time_off(t: &TestApp) {
    let admin = t.api_as(Role::Admin, None).await;
    let anna = instructor(&admin, "Anna").await;
    let mut b = user_body("anna@example.com", "instructor");
    b["instructor_id"] = json!(anna);
    admin.create("/users", &b).await;
    let web = Browser::new(t);
    web.login("anna@example.com", PASSWORD).await;
    let csrf = web.csrf().await;
    let (from, until) = (day_ahead(30), day_ahead(32));
    let (status, _) = web
        .post_form(
            "/portal/time-off",
            &[
                ("_csrf", &csrf),
                ("from", &from),
                ("until", &until),
                ("reason", "Holiday"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // A refusal keeps what was typed.
    let (_, page) = web
        .post_form(
            "/portal/time-off",
            &[
                ("_csrf", &csrf),
                ("from", &until),
                ("until", &from),
                ("reason", "Backwards"),
            ],
        )
        .await;
    assert!(page.contains("must not be before the first day"), "{page}");
    assert!(page.contains("value=\"Backwards\""), "{page}");

    let entries = admin
        .get(&format!("/instructors/{anna}/credentials"))
        .await
        .body;
    let tid = entries["time_off"][0]["id"].as_i64().unwrap();
    let later = day_ahead(33);
    let (status, page) = web
        .post_form(
            &format!("/portal/time-off/{tid}"),
            &[
                ("_csrf", &csrf),
                ("from", &from),
                ("until", &later),
                ("reason", "Longer holiday"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Unavailability changed."), "{page}");
    assert!(
        page.contains(&format!("{from} – {later}: Longer holiday")),
        "{page}"
    );
    let entries = admin
        .get(&format!("/instructors/{anna}/credentials"))
        .await
        .body;
    assert_eq!(entries["time_off"].as_array().unwrap().len(), 1);
    let tid = entries["time_off"][0]["id"].as_i64().unwrap();
    let (_, page) = web
        .post_form(
            &format!("/portal/time-off/{tid}/remove"),
            &[("_csrf", &csrf)],
        )
        .await;
    assert!(page.contains("Unavailability removed."), "{page}");
    let entries = admin
        .get(&format!("/instructors/{anna}/credentials"))
        .await
        .body;
    assert!(entries["time_off"].as_array().unwrap().is_empty());
    // Over the API too: her own token changes and removes her own entries.
    let me = api_for(t, "anna@example.com").await;
    let off = me
        .create(
            &format!("/instructors/{anna}/time-off"),
            &json!({ "from": from, "until": until, "reason": "Conference" }),
        )
        .await;
    let r = me
        .put(
            &format!("/instructors/{anna}/time-off/{}", id(&off)),
            &json!({ "from": from, "until": later, "reason": "Conference and travel" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["reason"], json!("Conference and travel"));
    let r = me
        .delete(&format!("/instructors/{anna}/time-off/{}", id(&r.body)))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);

    // Not someone else's.
    let other = instructor(&admin, "Otto").await;
    let off = admin
        .create(
            &format!("/instructors/{other}/time-off"),
            &json!({ "from": from, "until": until, "reason": "Otto's" }),
        )
        .await;
    let (status, _) = web
        .post_form(
            &format!("/portal/time-off/{}/remove", id(&off)),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let r = me
        .put(
            &format!("/instructors/{other}/time-off/{}", id(&off)),
            &json!({ "from": from, "until": until, "reason": "Mine now" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

async fn the_command_line_links_accounts_by_role(t: &TestApp) {
    let admin = t.api_as(Role::Admin, None).await;
    let anna = instructor(&admin, "Anna").await;
    let account = |instructor_id: Option<i64>| NewAccount {
        email: "anna@example.com".into(),
        display_name: "Anna".into(),
        password: PASSWORD.into(),
        role: Role::Instructor,
        client_id: None,
        instructor_id,
        learner_id: None,
        time_zone: "Europe/Berlin".into(),
    };
    let e = accounts::create_user_from_command_line(&t.app, account(None))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("instructor"), "{e}");
    let e = accounts::create_user_from_command_line(&t.app, account(Some(999_999)))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("no instructor"), "{e}");
    let u = accounts::create_user_from_command_line(&t.app, account(Some(anna)))
        .await
        .unwrap();
    assert_eq!(u.instructor_id, Some(anna));
}
