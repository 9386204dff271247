//! Quality wired into reporting and compliance, over HTTP on both databases: the client
//! satisfaction KPI counted by hand (JSON, CSV, slices, roles, drill-down), a feedback-rate
//! requirement met by the system at the answer that reaches it, overdue compliance items in the
//! morning list, a substitution's replacement proposed on the session, and the requirement edit
//! and client evidence pages.

use crate::common;

use crate::common::{Api, TestApp, course_body, mails_to};
use reqwest::StatusCode;
use serde_json::{Value, json};
use trainyard_app::accounts::{self, NewAccount};
use trainyard_core::Role;

both_backends!(
    client_satisfaction_is_the_mean_operations_rating_counted_by_hand,
    a_feedback_rate_requirement_is_met_by_the_answer_that_reaches_it,
    overdue_compliance_items_show_in_the_morning_list,
    choosing_a_replacement_proposes_them_on_the_session,
    requirements_are_edited_and_a_clients_evidence_pack_has_a_page,
);

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

/// An API client for a new user with a known e-mail address (survey links go there).
async fn api_for(
    t: &TestApp,
    email: &str,
    role: Role,
    client: Option<i64>,
    instructor: Option<i64>,
) -> Api {
    accounts::create_user(
        &t.app,
        None,
        NewAccount {
            email: email.into(),
            display_name: email.split('@').next().unwrap_or(email).into(),
            password: common::PASSWORD.into(),
            role,
            client_id: client,
            instructor_id: instructor,
            learner_id: None,
            time_zone: "Europe/Berlin".into(),
        },
    )
    .await
    .unwrap();
    let token = accounts::create_api_token_for(&t.app, email, "tests")
        .await
        .unwrap();
    Api {
        base: t.url("/api/v1"),
        token: token.secret,
        http: reqwest::Client::new(),
    }
}

async fn client(api: &Api, code: &str) -> i64 {
    id(&api
        .create(
            "/clients",
            &json!({ "code": code, "name": format!("Client {code}"), "billing_email": format!("billing@{code}.example.com"),
                     "currency": "EUR", "time_zone": "Europe/Berlin" }),
        )
        .await)
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

/// An instructor holding `skill` (created by an admin: rates are finance data).
async fn instructor(admin: &Api, name: &str, skill: &str) -> i64 {
    id(&admin
        .create(
            "/instructors",
            &json!({ "name": name, "email": format!("{name}@inst.example.com"), "employment_type": "contractor",
                     "time_zone": "Europe/Berlin", "currency": "EUR", "day_rate": { "amount": "800", "currency": "EUR" },
                     "hour_rate": { "amount": "100", "currency": "EUR" }, "max_days_week": 5, "max_days_month": 20, "skills": [skill] }),
        )
        .await)
}

/// A course that needs `skill` of its instructors.
async fn course(api: &Api, code: &str, skill: &str) -> i64 {
    let mut body = course_body(code);
    body["required_skill"] = json!(skill);
    id(&api.create("/courses", &body).await)
}

async fn post_ok(api: &Api, path: &str, body: Value) -> Value {
    let r = api.post(path, &body).await;
    assert_eq!(r.status, StatusCode::OK, "POST {path}: {}", r.body);
    r.body
}

async fn transition(api: &Api, sid: i64, event: &str) {
    let v = api.get(&format!("/sessions/{sid}")).await.body["version"].clone();
    post_ok(
        api,
        &format!("/sessions/{sid}/transition"),
        json!({ "event": event, "version": v }),
    )
    .await;
}

/// A scheduled one-part session starting in `minutes` (private to `client` when given), the
/// learners enrolled.
async fn scheduled(
    api: &Api,
    course: i64,
    client: Option<i64>,
    learners: &[i64],
    minutes: i64,
) -> i64 {
    let berlin = trainyard_core::TimeZoneName::parse("Europe/Berlin").unwrap();
    let soon = berlin.local(trainyard_core::time::now_ms() + minutes * 60_000);
    let fmt = |d: chrono::DateTime<chrono_tz::Tz>| d.format("%Y-%m-%dT%H:%M").to_string();
    let visibility = if client.is_some() {
        "private"
    } else {
        "public"
    };
    let sid = id(&api
        .create("/sessions", &json!({
            "course_id": course, "visibility": visibility, "client_id": client, "delivery_mode": "vilt",
            "capacity": 10, "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" },
            "parts": [{ "starts": fmt(soon), "ends": fmt(soon + chrono::Duration::minutes(40)) }]
        }))
        .await);
    transition(api, sid, "schedule").await;
    for l in learners {
        api.create(
            &format!("/sessions/{sid}/enrollments"),
            &json!({ "learner_id": l }),
        )
        .await;
    }
    sid
}

/// Proposes `instructor` and takes the assignment through request and accept (and confirm);
/// returns it.
async fn staff(api: &Api, sid: i64, instructor: i64, confirm: bool) -> Value {
    let mut a = api
        .create(
            &format!("/sessions/{sid}/assignments"),
            &json!({ "instructor_id": instructor, "role": "lead", "override_reason": "test" }),
        )
        .await;
    let events: &[&str] = if confirm {
        &["request", "accept", "confirm"]
    } else {
        &["request", "accept"]
    };
    for event in events {
        a = post_ok(
            api,
            &format!("/assignments/{}/actions", id(&a)),
            json!({ "event": event, "version": a["version"], "override_reason": "test" }),
        )
        .await;
    }
    a
}

/// Confirms and delivers the session: delivering invites its people to the feedback survey.
async fn deliver(api: &Api, sid: i64) {
    transition(api, sid, "confirm").await;
    transition(api, sid, "deliver").await;
}

/// The secret of the newest survey link e-mailed to `email`.
async fn link_of(t: &TestApp, email: &str) -> String {
    let mails = mails_to(t, email).await;
    let m = mails
        .iter()
        .rev()
        .find(|m| m.kind == "survey_invitation")
        .unwrap_or_else(|| panic!("no survey invitation to {email}: {mails:?}"));
    let link = common::link_in(&m.body, &t.app, "/survey/").expect("a survey link");
    link.rsplit('/').next().unwrap().to_owned()
}

/// Answers the survey of `email`'s link: every rating `rating`, recommendation 8, the first
/// option, a comment.
async fn answer(t: &TestApp, email: &str, rating: i64) {
    let token = link_of(t, email).await;
    let survey: Value = reqwest::get(t.url(&format!("/api/v1/surveys/{token}")))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut answers = Vec::new();
    for q in survey["questions"].as_array().unwrap() {
        let qid = q["id"].as_i64().unwrap();
        answers.push(match q["kind"].as_str().unwrap() {
            "rating" => json!({ "question_id": qid, "value": rating }),
            "nps" => json!({ "question_id": qid, "value": 8 }),
            "text" => json!({ "question_id": qid, "text": "Fine" }),
            _ => json!({ "question_id": qid, "choices": [q["options"][0]] }),
        });
    }
    let r = reqwest::Client::new()
        .post(t.url(&format!("/api/v1/surveys/{token}")))
        .json(&json!({ "answers": answers }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT, "answer of {email}");
}

/// The days around now, so that sessions starting within the hour fall inside.
fn around_now() -> String {
    let today = chrono::Utc::now().date_naive();
    format!(
        "from={}&until={}&compare=none",
        today - chrono::Duration::days(2),
        today + chrono::Duration::days(2)
    )
}

fn refs(f: &[(String, String)]) -> Vec<(&str, &str)> {
    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

fn tile<'a>(r: &'a Value, key: &str) -> &'a Value {
    r["tiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kpi"] == key)
        .unwrap_or_else(|| panic!("no {key} tile in {r}"))
}

fn satisfaction(r: &Value) -> (i64, i64, Value) {
    let t = tile(r, "client_satisfaction");
    (
        t["figure"]["numerator"].as_i64().unwrap(),
        t["figure"]["denominator"].as_i64().unwrap(),
        t["value"].clone(),
    )
}

async fn client_satisfaction_is_the_mean_operations_rating_counted_by_hand(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let acme = client(&api, "acme").await;
    api_for(
        t,
        "carla@acme.example.com",
        Role::ClientContact,
        Some(acme),
        None,
    )
    .await;
    let course = course(&api, "SAT", "sat").await;
    let ada = learner(&api, "ada", Some(acme)).await;
    let bob = learner(&api, "bob", Some(acme)).await;
    let cy = learner(&api, "cy", None).await;
    let admin = t.api_as(Role::Admin, None).await;
    let ivo = instructor(&admin, "ivo", "sat").await;
    // S1: Acme's private session (Ada, Bob; Carla is Acme's contact). S2: a public one, Cy,
    // taught by Ivo.
    let s1 = scheduled(&api, course, Some(acme), &[ada, bob], 30).await;
    let s2 = scheduled(&api, course, None, &[cy], 35).await;
    staff(&api, s2, ivo, false).await;
    deliver(&api, s1).await;
    deliver(&api, s2).await;

    let q = format!("/reports/kpis?{}", around_now());
    // Nobody answered yet: no data, never 0.
    let r = api.get(&q).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(satisfaction(&r.body), (0, 0, Value::Null));

    // The learner survey has three operations ratings (logistics, communication, materials;
    // content and instructor are not operations), the client survey two (organisation,
    // communication). Ada rates 5, Bob 3, Carla 4 (S1); Cy 3 (S2).
    answer(t, "ada@learner.example.com", 5).await;
    answer(t, "bob@learner.example.com", 3).await;
    answer(t, "carla@acme.example.com", 4).await;
    answer(t, "cy@learner.example.com", 3).await;
    // S1: 3×5 + 3×3 + 2×4 = 32 over 8; S2: 3×3 = 9 over 3; both: 41 / 11 = 3.727…
    let r = api.get(&q).await.body;
    assert_eq!(satisfaction(&r), (41, 11, json!("3.73")));
    let t1 = tile(&r, "client_satisfaction");
    assert!(t1["arrives_with"].is_null(), "{t1}");
    assert!(
        t1["definition"]
            .as_str()
            .unwrap()
            .contains("operations questions"),
        "{t1}"
    );
    // The CSV says the same.
    let csv = api.get(&format!("{q}&format=csv")).await;
    let line = csv
        .body
        .as_str()
        .unwrap()
        .lines()
        .find(|l| l.starts_with("client_satisfaction,"))
        .unwrap()
        .to_owned();
    assert!(line.contains(",41,11,3.73,"), "{line}");
    // Sliced by client: S1 only, 32 / 8.
    let acme_only = api.get(&format!("{q}&client_id={acme}")).await.body;
    assert_eq!(satisfaction(&acme_only), (32, 8, json!("4.00")));
    // By instructor: Ivo teaches S2.
    let ivo_only = api.get(&format!("{q}&instructor_id={ivo}")).await.body;
    assert_eq!(satisfaction(&ivo_only), (9, 3, json!("3.00")));

    // The drill-down lists the answered sessions; their ratings add up to the tile.
    let d = api
        .get(&format!("/reports/satisfaction?{}", around_now()))
        .await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.body);
    assert_eq!(
        d.body["total"],
        json!({ "numerator": 41, "denominator": 11 })
    );
    assert_eq!(d.body["average"], "3.73");
    let rows = d.body["sessions"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{}", d.body);
    let row = |s: i64| rows.iter().find(|x| x["session_id"] == json!(s)).unwrap();
    assert_eq!(
        row(s1)["ratings"],
        json!({ "numerator": 32, "denominator": 8 })
    );
    assert_eq!(row(s1)["answered"], 3);
    assert_eq!(row(s2)["average"], "3.00");
    assert_eq!(row(s2)["answered"], 1);

    // A client contact sees their own client's satisfaction, whatever they ask for.
    let contact = t.api_as(Role::ClientContact, Some(acme)).await;
    let mine = contact.get(&format!("{q}&client_id=0")).await.body;
    assert_eq!(satisfaction(&mine), (32, 8, json!("4.00")));
    let theirs = contact
        .get(&format!("/reports/satisfaction?{}", around_now()))
        .await
        .body;
    assert_eq!(theirs["sessions"].as_array().unwrap().len(), 1);
    // An instructor their own feedback.
    let ivo_api = api_for(
        t,
        "ivo.account@example.com",
        Role::Instructor,
        None,
        Some(ivo),
    )
    .await;
    let own = ivo_api.get(&q).await.body;
    assert_eq!(satisfaction(&own), (9, 3, json!("3.00")));
    // Learners see no reports.
    let learner = t.api_as(Role::Learner, None).await;
    assert_eq!(
        learner
            .get(&format!("/reports/satisfaction?{}", around_now()))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Another period: no data.
    let old = api
        .get("/reports/kpis?from=2020-01-01&until=2020-01-31")
        .await
        .body;
    assert_eq!(satisfaction(&old), (0, 0, Value::Null));

    // The tile on the reports page links to the drill-down page, which shows the same mean.
    let ui = t.browser_as(Role::Manager, None).await;
    let (status, html) = ui
        .get(&format!("/reports?period=custom&{}", around_now()))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("3.73 / 5"), "tile value");
    assert!(html.contains("/reports/satisfaction?from="), "tile link");
    let (status, page) = ui
        .get(&format!("/reports/satisfaction?{}", around_now()))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("3.73") && page.contains("4.00") && page.contains("3.00"));
    assert!(page.contains(&format!("/sessions/{s1}/feedback")));
}

async fn checklist_item(api: &Api, sid: i64, requirement: i64) -> Value {
    let r = api.get(&format!("/sessions/{sid}/compliance")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["requirement_id"] == json!(requirement))
        .cloned()
        .unwrap_or_else(|| panic!("no item of {requirement}: {}", r.body))
}

async fn a_feedback_rate_requirement_is_met_by_the_answer_that_reaches_it(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let acme = client(&api, "rate").await;
    // The threshold is a percentage.
    let bad = api
        .post(
            "/compliance-requirements",
            &json!({ "client_id": acme, "kind": "feedback_response_rate", "name": "Feedback",
                     "deadline_hours": 168, "parameter": "most" }),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.body.to_string().contains("parameter"), "{}", bad.body);
    let req = id(&api
        .create(
            "/compliance-requirements",
            &json!({ "client_id": acme, "kind": "feedback_response_rate", "name": "Feedback response rate at least 60 %",
                     "deadline_hours": 168, "parameter": "60" }),
        )
        .await);
    let course = id(&api.create("/courses", &course_body("RATE")).await);
    let names = ["ann", "ben", "cat", "dan", "eve"];
    let mut learners = Vec::new();
    for n in names {
        learners.push(learner(&api, n, Some(acme)).await);
    }
    let sid = scheduled(&api, course, Some(acme), &learners, 30).await;
    deliver(&api, sid).await;
    let fb = api.get(&format!("/sessions/{sid}/feedback")).await.body;
    assert_eq!(fb["invited"], 5, "{fb}");
    // 60 % of five is three answers: two are not enough, and no tick can meet it.
    let item = checklist_item(&api, sid, req).await;
    assert_eq!(item["state"], "open", "{item}");
    let tick = api
        .post(
            &format!("/compliance-items/{}/tick", id(&item)),
            &json!({ "note": "looks fine", "version": item["version"] }),
        )
        .await;
    assert!(tick.status.is_client_error(), "{}", tick.body);
    answer(t, "ann@learner.example.com", 4).await;
    answer(t, "ben@learner.example.com", 4).await;
    let item = checklist_item(&api, sid, req).await;
    assert_eq!(item["state"], "open", "{item}");
    assert!(item["met_at"].is_null());
    answer(t, "cat@learner.example.com", 2).await;
    let item = checklist_item(&api, sid, req).await;
    assert_eq!(item["state"], "met", "{item}");
    assert_eq!(item["met_by"], "system");
    // Met when the third answer came: the invitation's answer instant.
    let answered_at = {
        use sqlx::Row;
        let mut conn = t.app.store.read().await.unwrap();
        sqlx::query(
            "SELECT answered_at FROM survey_invitations WHERE session_id = $1 AND answered_at IS NOT NULL ORDER BY answered_at DESC LIMIT 1",
        )
        .bind(sid)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
        .try_get::<i64, _>("answered_at")
        .unwrap()
    };
    let met = chrono::DateTime::parse_from_rfc3339(item["met_at"].as_str().unwrap())
        .unwrap()
        .timestamp_millis();
    // (The API gives whole seconds.)
    assert_eq!(met / 1000, answered_at / 1000);
}

async fn overdue_compliance_items_show_in_the_morning_list(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let acme = client(&api, "morn").await;
    let other = client(&api, "calm").await;
    // Due two days before the session ends: for a session starting tomorrow, overdue already.
    id(&api
        .create(
            "/compliance-requirements",
            &json!({ "client_id": acme, "kind": "manual", "name": "Risk assessment signed",
                     "deadline_hours": -48, "parameter": "" }),
        )
        .await);
    let course = id(&api.create("/courses", &course_body("MORN")).await);
    let late = scheduled(&api, course, Some(acme), &[], 24 * 60).await;
    let fine = scheduled(&api, course, Some(other), &[], 24 * 60).await;
    // The compliance dashboard brings the checklists up to date.
    assert_eq!(api.get("/compliance").await.status, StatusCode::OK);
    let m = api.get("/reports/morning").await;
    assert_eq!(m.status, StatusCode::OK, "{}", m.body);
    let problems = |sid: i64| -> Vec<String> {
        m.body["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["session_id"] == json!(sid))
            .map(|s| {
                s["problems"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p.as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert!(
        problems(late).contains(&"overdue_compliance".to_owned()),
        "{}",
        m.body
    );
    assert!(!problems(fine).contains(&"overdue_compliance".to_owned()));
    // Filtered by the problem: only the late one.
    let only = api.get("/reports/morning?problem=overdue_compliance").await;
    let ids: Vec<&Value> = only.body["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["session_id"])
        .collect();
    assert_eq!(ids, [&json!(late)], "{}", only.body);
    // And on the page, in words.
    let ui = t.browser_as(Role::Coordinator, None).await;
    let (_, html) = ui.get("/reports/morning").await;
    assert!(html.contains("Compliance items overdue"), "morning page");
    assert!(!html.contains("arrive with the compliance module"));
}

async fn choosing_a_replacement_proposes_them_on_the_session(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let c = client(&api, "repl").await;
    let course = course(&api, "REPL", "repl").await;
    let sid = scheduled(&api, course, Some(c), &[], 3 * 24 * 60).await;
    let admin = t.api_as(Role::Admin, None).await;
    let una = instructor(&admin, "una", "repl").await;
    let vic = instructor(&admin, "vic", "repl").await;
    let a = staff(&api, sid, una, true).await;
    assert_eq!(a["status"], "confirmed");
    // Una drops out (the assignment still stands): a substitution by hand.
    let sub = api
        .create(
            "/substitutions",
            &json!({ "assignment_id": id(&a), "reason": "ill" }),
        )
        .await;
    let r = api
        .post(
            &format!("/substitutions/{}/steps", id(&sub)),
            &json!({ "step": "replacement_chosen", "replacement_instructor_id": vic }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Vic is proposed on the session, in Una's role, through staffing (audited there).
    let needing = api.get("/assignments/needing-action").await;
    assert_eq!(needing.status, StatusCode::OK, "{}", needing.body);
    let vics: Vec<&Value> = needing
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["session_id"] == json!(sid) && x["instructor_id"] == json!(vic))
        .collect();
    assert_eq!(vics.len(), 1, "{}", needing.body);
    assert_eq!(vics[0]["status"], "proposed");
    assert_eq!(vics[0]["role"], "lead");
    let h = api.get(&format!("/history/session/{sid}")).await;
    let trail = h.body.to_string();
    assert!(
        trail.contains("session.instructor_proposed")
            && trail.contains("substitution.replacement_chosen"),
        "{trail}"
    );
}

async fn requirements_are_edited_and_a_clients_evidence_pack_has_a_page(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let acme = client(&api, "edit").await;
    let req = id(&api
        .create(
            "/compliance-requirements",
            &json!({ "client_id": acme, "kind": "manual", "name": "Room checked",
                     "deadline_hours": 24, "parameter": "" }),
        )
        .await);
    let ui = t.browser_as(Role::Coordinator, None).await;
    let (status, html) = ui
        .get(&format!("/compliance/requirements/{req}/edit"))
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains(&format!("action=\"/compliance/requirements/{req}\"")));
    assert!(html.contains("value=\"Room checked\""));
    let csrf = ui.csrf().await;
    let version = api
        .get(&format!("/compliance-requirements/{req}"))
        .await
        .body["version"]
        .as_i64()
        .unwrap()
        .to_string();
    let acme_s = acme.to_string();
    let form = |name: &str, parameter: &str, kind: &str| -> Vec<(String, String)> {
        [
            ("_csrf", csrf.as_str()),
            ("version", version.as_str()),
            ("client_id", acme_s.as_str()),
            ("kind", kind),
            ("name", name),
            ("deadline_hours", "48"),
            ("parameter", parameter),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    };
    // A refused change shows the form again with the reason at the field.
    let bad = form("Feedback", "all of them", "feedback_response_rate");
    let (status, html) = ui
        .post_form(&format!("/compliance/requirements/{req}"), &refs(&bad))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"e-parameter\""), "{html}");
    let good = form("Room checked the day before", "", "manual");
    let (status, _) = ui
        .post_form(&format!("/compliance/requirements/{req}"), &refs(&good))
        .await;
    assert!(status.is_success(), "{status}");
    let after = api
        .get(&format!("/compliance-requirements/{req}"))
        .await
        .body;
    assert_eq!(after["name"], "Room checked the day before");
    assert_eq!(after["deadline_hours"], 48);
    // A stale version changes nothing.
    let (status, _) = ui
        .post_form(&format!("/compliance/requirements/{req}"), &refs(&good))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // The client page links to the evidence pack page; its form downloads the zip, and bad
    // dates come back at the field.
    let (_, client_page) = ui.get(&format!("/clients/{acme}")).await;
    assert!(client_page.contains(&format!("/clients/{acme}/evidence")));
    let (status, page) = ui.get(&format!("/clients/{acme}/evidence")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains(&format!("action=\"/clients/{acme}/evidence-pack\"")));
    let (status, page) = ui
        .get(&format!(
            "/clients/{acme}/evidence-pack?from=2026-02-01&to=2026-01-01"
        ))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"err-to\""), "{page}");
    let r = ui
        .http
        .get(format!(
            "{}/clients/{acme}/evidence-pack?from=2026-01-01&to=2026-01-31",
            ui.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap(),
        "application/zip"
    );
    // The contact of another client does not get the page.
    let other = client(&api, "else").await;
    let contact = t.browser_as(Role::ClientContact, Some(other)).await;
    let (status, _) = contact.get(&format!("/clients/{acme}/evidence")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
