//! The xAPI hand-off end to end, on SQLite and PostgreSQL, against a real Learning Record Store
//! on loopback: Ralph (`ralph-malph` from PyPI, tests/lrs_server.py), which validates every
//! statement it is sent. A scripted scenario (attend, complete, fail, certify) leaves exactly its
//! statements in the LRS; an LRS that is down for a while gets them all afterwards; a retry or a
//! repeated event creates no duplicate; completions of e-learning read back mark learners ready;
//! the settings never show the secret, are audited and admin-only; the page renders in German.
//!
//! Needs `python3 -m pip install 'ralph-malph[cli,lrs]==5.1.0'`. Without it the tests print a
//! note and pass without running — unless `TRAINYARD_REQUIRE_CONTRACT_TOOLS`,
//! `TRAINYARD_REQUIRE_BROWSER` or `CI` is set, when they fail.

use crate::common::{Api, TestApp, course_body};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use trainyard_app::webhooks::{self, HookOptions, Hooks};
use trainyard_core::Role;

both_backends!(
    a_scenario_leaves_exactly_its_statements_in_the_lrs,
    an_lrs_down_for_a_while_gets_everything_and_nothing_twice,
    completed_elearning_read_back_marks_learners_ready,
    the_settings_keep_the_secret_and_are_admin_only,
);

const KEY: &str = "trainyard";
const SECRET: &str = "lrs-secret-3k9";

// ------------------------------------------------------------------ the LRS

fn required() -> bool {
    [
        "TRAINYARD_REQUIRE_CONTRACT_TOOLS",
        "TRAINYARD_REQUIRE_BROWSER",
        "CI",
    ]
    .iter()
    .any(|v| std::env::var_os(v).is_some())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Ralph on a loopback port with its own directory.
struct Lrs {
    child: Option<Child>,
    port: u16,
    dir: std::path::PathBuf,
    http: reqwest::Client,
}

impl Lrs {
    /// `None` when ralph-malph is missing and the environment does not require it.
    async fn start(port: u16, dir: &std::path::Path) -> Option<Lrs> {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/lrs_server.py");
        std::fs::create_dir_all(dir).unwrap();
        let log = std::fs::File::create(dir.join("server.log")).unwrap();
        let child = Command::new("python3")
            .arg(script)
            .arg(port.to_string())
            .arg(dir)
            .arg(KEY)
            .arg(SECRET)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn();
        let missing = |why: String| -> Option<Lrs> {
            if required() {
                panic!(
                    "{why}. The xAPI tests need a real LRS (TRAINYARD_REQUIRE_CONTRACT_TOOLS, \
                     TRAINYARD_REQUIRE_BROWSER or CI is set): python3 -m pip install \
                     'ralph-malph[cli,lrs]==5.1.0'"
                );
            }
            eprintln!("note: {why}; the xAPI tests are not run");
            None
        };
        let mut child = match child {
            Ok(c) => c,
            Err(e) => return missing(format!("python3 could not be started ({e})")),
        };
        let http = reqwest::Client::new();
        for _ in 0..300 {
            if let Some(status) = child.try_wait().unwrap() {
                let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
                if status.code() == Some(3) && log.contains("MISSING-RALPH") {
                    return missing(format!("ralph-malph is not installed ({})", log.trim()));
                }
                panic!("the LRS did not start ({status}): {log}");
            }
            if http
                .get(format!("http://127.0.0.1:{port}/__lbheartbeat__"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return Some(Lrs {
                    child: Some(child),
                    port,
                    dir: dir.to_owned(),
                    http,
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the LRS did not answer within 30 s");
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Every statement the LRS holds (GET /xAPI/statements, following `more`).
    async fn statements(&self) -> Vec<Value> {
        let mut out = Vec::new();
        let mut url = format!("http://127.0.0.1:{}/xAPI/statements?limit=500", self.port);
        loop {
            let r = self
                .http
                .get(&url)
                .basic_auth(KEY, Some(SECRET))
                .header("X-Experience-API-Version", "1.0.3")
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            let v: Value = r.json().await.unwrap();
            out.extend(v["statements"].as_array().unwrap().iter().cloned());
            match v["more"].as_str().filter(|m| !m.is_empty()) {
                Some(more) => url = format!("http://127.0.0.1:{}{more}", self.port),
                None => return out,
            }
        }
    }

    /// The LMS's side: a statement that `email` completed `activity`.
    async fn lms_completed(&self, email: &str, activity: &str) {
        let r = self
            .http
            .post(format!("http://127.0.0.1:{}/xAPI/statements", self.port))
            .basic_auth(KEY, Some(SECRET))
            .header("X-Experience-API-Version", "1.0.3")
            .json(&json!({
                "actor": { "objectType": "Agent", "mbox": format!("mailto:{email}") },
                "verb": { "id": "http://adlnet.gov/expapi/verbs/completed", "display": { "en-US": "completed" } },
                "object": { "objectType": "Activity", "id": activity }
            }))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    }
}

impl Drop for Lrs {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn temp_dir(tag: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "trainyard-lrs-{tag}-{}-{}",
        std::process::id(),
        free_port()
    ))
}

fn hooks() -> Hooks {
    Hooks::new(HookOptions {
        timeout_ms: 5_000,
        ..HookOptions::default()
    })
    .unwrap()
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

async fn configure(admin: &Api, port: u16) -> Value {
    let r = admin
        .put(
            "/lrs",
            &json!({ "url": format!("http://127.0.0.1:{port}/xAPI/"), "key": KEY, "secret": SECRET }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
}

async fn learner(api: &Api, first: &str) -> i64 {
    id(&api
        .create(
            "/learners",
            &json!({ "first_name": first, "last_name": "Learner", "email": format!("{}@example.com", first.to_lowercase()),
                     "time_zone": "Europe/Berlin" }),
        )
        .await)
}

/// A certifying course and a two-part session starting in ten minutes with `learners` booked.
async fn session_soon(api: &Api, course: i64, learners: &[i64]) -> (i64, Vec<i64>) {
    let berlin = trainyard_core::TimeZoneName::parse("Europe/Berlin").unwrap();
    let at = |min: i64| {
        berlin
            .local(trainyard_core::time::now_ms() + min * 60_000)
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    };
    let s = api
        .create("/sessions", &json!({
            "course_id": course, "visibility": "public", "delivery_mode": "vilt", "capacity": 10,
            "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" },
            "parts": [{ "starts": at(10), "ends": at(20) }, { "starts": at(25), "ends": at(35) }]
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
    let mut enrollments = Vec::new();
    for l in learners {
        enrollments.push(id(&api
            .create(
                &format!("/sessions/{sid}/enrollments"),
                &json!({ "learner_id": l }),
            )
            .await));
    }
    (sid, enrollments)
}

async fn attendance(api: &Api, sid: i64, part: usize, present: &[i64]) {
    let sheet = api.get(&format!("/sessions/{sid}/attendance")).await.body;
    let part = sheet["parts"][part]["id"].as_i64().unwrap();
    let r = api
        .post(
            &format!("/sessions/{sid}/attendance"),
            &json!({ "part_id": part, "present": present }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

async fn close(api: &Api, sid: i64) {
    let mut v = api.get(&format!("/sessions/{sid}")).await.body["version"]
        .as_i64()
        .unwrap();
    for event in ["confirm", "deliver", "close"] {
        let r = api
            .post(
                &format!("/sessions/{sid}/transition"),
                &json!({ "event": event, "version": v }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{event}: {}", r.body);
        v = r.body["version"].as_i64().unwrap();
    }
}

/// The statement log, oldest first.
async fn log(admin: &Api) -> Vec<Value> {
    let r = admin.get("/lrs/statements?per_page=200").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut items = r.body["items"].as_array().unwrap().clone();
    items.reverse();
    items
}

/// (learner e-mail, verb) of each statement, as a set.
fn said(statements: &[Value]) -> BTreeSet<(String, String)> {
    statements
        .iter()
        .map(|s| {
            (
                s["actor"]["mbox"].as_str().unwrap().to_owned(),
                s["verb"]["id"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect()
}

/// The scenario of the first two tests: Lea attends both parts (attended, completed, passed
/// with her certificate), Max only the first (attended, failed), Tom neither (no statement).
async fn scenario(t: &TestApp, api: &Api) -> (i64, i64, Vec<i64>) {
    let mut body = course_body("XAPI");
    body["certificate_name"] = json!("Certified xAPI Practitioner");
    let course = id(&api.create("/courses", &body).await);
    let lea = learner(api, "Lea").await;
    let max = learner(api, "Max").await;
    let tom = learner(api, "Tom").await;
    let (sid, e) = session_soon(api, course, &[lea, max, tom]).await;
    attendance(api, sid, 0, &[e[0], e[1]]).await;
    attendance(api, sid, 1, &[e[0]]).await;
    // Max is corrected to absent (no-show), then present again: attended a second time, which
    // is the same event and queues no second statement.
    attendance(api, sid, 0, &[e[0]]).await;
    attendance(api, sid, 0, &[e[0], e[1]]).await;
    close(api, sid).await;
    let _ = t;
    (course, sid, e)
}

fn expected_set() -> BTreeSet<(String, String)> {
    [
        ("lea", "attended"),
        ("lea", "completed"),
        ("lea", "passed"),
        ("max", "attended"),
        ("max", "failed"),
    ]
    .iter()
    .map(|(w, v)| (format!("mailto:{w}@example.com"), (*v).to_owned()))
    .collect()
}

// ------------------------------------------------------------------ tests

async fn a_scenario_leaves_exactly_its_statements_in_the_lrs(t: &TestApp) {
    let port = free_port();
    let Some(lrs) = Lrs::start(port, &temp_dir("scenario")).await else {
        return;
    };
    let admin = t.api_as(Role::Admin, None).await;
    configure(&admin, port).await;
    let api = t.api_as(Role::Coordinator, None).await;
    let (course, sid, e) = scenario(t, &api).await;

    // Queued in the changes' transactions, not yet sent.
    let queued = log(&admin).await;
    assert_eq!(queued.len(), 5, "{queued:?}");
    assert!(queued.iter().all(|d| d["status"] == "pending"));
    assert!(lrs.statements().await.is_empty());

    let pass = webhooks::deliver_pending(&t.app, &hooks(), "w1")
        .await
        .unwrap();
    assert_eq!(
        (pass.delivered, pass.retrying, pass.given_up),
        (5, 0, 0),
        "{pass:?}"
    );
    // The LRS took each one (it validates what it stores) and holds exactly these.
    let held = lrs.statements().await;
    assert_eq!(held.len(), 5, "{held:#?}");
    assert_eq!(said(&held), expected_set());
    let sent = log(&admin).await;
    assert!(
        sent.iter()
            .all(|d| d["status"] == "delivered" && d["last_status_code"] == 204),
        "{sent:?}"
    );
    let ids: BTreeSet<&str> = sent
        .iter()
        .map(|d| d["message_id"].as_str().unwrap())
        .collect();
    let held_ids: BTreeSet<&str> = held.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids, held_ids);
    // What one statement says: the course as an activity under the public address, the session
    // as grouping, the enrollment as registration, and the outcome.
    let base = &t.app.settings.public_url;
    let passed = held
        .iter()
        .find(|s| s["verb"]["id"] == "http://adlnet.gov/expapi/verbs/passed")
        .unwrap();
    assert_eq!(passed["actor"]["name"], "Lea Learner");
    assert_eq!(
        passed["object"]["id"],
        format!("{base}/xapi/courses/{course}")
    );
    assert_eq!(
        passed["context"]["contextActivities"]["grouping"][0]["id"],
        format!("{base}/xapi/sessions/{sid}")
    );
    assert_eq!(passed["result"]["success"], true);
    let failed = held
        .iter()
        .find(|s| s["verb"]["id"] == "http://adlnet.gov/expapi/verbs/failed")
        .unwrap();
    assert_eq!(failed["result"]["success"], false);
    let lea_regs: BTreeSet<&str> = held
        .iter()
        .filter(|s| s["actor"]["mbox"] == "mailto:lea@example.com")
        .map(|s| s["context"]["registration"].as_str().unwrap())
        .collect();
    assert_eq!(lea_regs.len(), 1, "one registration per enrollment");
    // The ids are derived from the event: the use case's id is the one stored.
    assert!(
        held_ids.contains(
            trainyard_app::xapi::statement_id(base, trainyard_core::xapi::Verb::Completed, e[0])
                .as_str()
        )
    );

    // Nothing twice: another pass sends nothing.
    let again = webhooks::deliver_pending(&t.app, &hooks(), "w1")
        .await
        .unwrap();
    assert_eq!(again.delivered, 0);
}

async fn an_lrs_down_for_a_while_gets_everything_and_nothing_twice(t: &TestApp) {
    let port = free_port();
    let dir = temp_dir("down");
    let admin = t.api_as(Role::Admin, None).await;
    // Configured while nothing listens on the port: the LRS is down.
    configure(&admin, port).await;
    let api = t.api_as(Role::Coordinator, None).await;
    scenario(t, &api).await;
    let pass = webhooks::deliver_pending(&t.app, &hooks(), "w1")
        .await
        .unwrap();
    assert_eq!((pass.delivered, pass.retrying), (0, 1), "{pass:?}");
    let waiting = log(&admin).await;
    assert!(waiting.iter().all(|d| d["status"] == "pending"));
    assert_eq!(waiting[0]["attempts"], 1);
    assert!(
        waiting[0]["last_error"]
            .as_str()
            .unwrap()
            .contains("connect"),
        "{waiting:?}"
    );
    let settings = admin.get("/lrs").await.body;
    assert_eq!(settings["consecutive_failures"], 1);
    assert_eq!(settings["pending"], 5);

    // The LRS comes back; once the wait is over everything arrives.
    let Some(lrs) = Lrs::start(port, &dir).await else {
        return;
    };
    webhooks::make_due(&t.app).await.unwrap();
    let pass = webhooks::deliver_pending(&t.app, &hooks(), "w1")
        .await
        .unwrap();
    assert_eq!((pass.delivered, pass.retrying), (5, 0), "{pass:?}");
    let held = lrs.statements().await;
    assert_eq!(said(&held), expected_set());
    assert_eq!(held.len(), 5);

    // A retry after a lost answer (the same statement sent again) is no second statement…
    let sent = log(&admin).await;
    let lrs_id = admin.get("/lrs").await.body["id"].as_i64().unwrap();
    webhooks::replay_delivery(&t.app, &t.system(), lrs_id, sent[0]["id"].as_i64().unwrap())
        .await
        .unwrap();
    let pass = webhooks::deliver_pending(&t.app, &hooks(), "w1")
        .await
        .unwrap();
    assert_eq!(pass.delivered, 1, "{pass:?}");
    assert_eq!(lrs.statements().await.len(), 5);
}

async fn completed_elearning_read_back_marks_learners_ready(t: &TestApp) {
    let port = free_port();
    let Some(lrs) = Lrs::start(port, &temp_dir("ready")).await else {
        return;
    };
    let admin = t.api_as(Role::Admin, None).await;
    let api = t.api_as(Role::Coordinator, None).await;
    let course = id(&api.create("/courses", &course_body("PRE")).await);
    let lea = learner(&api, "Lea").await;
    let max = learner(&api, "Max").await;
    let (sid, e) = session_soon(&api, course, &[lea, max]).await;

    // Without an LRS, or without prerequisites, there is nothing to check.
    let r = api
        .post(&format!("/sessions/{sid}/readiness-check"), &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    configure(&admin, port).await;
    let r = api
        .post(&format!("/sessions/{sid}/readiness-check"), &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);

    let intro = "https://lms.example.com/activities/safety-intro";
    let quiz = "https://lms.example.com/activities/safety-quiz";
    let r = api
        .put(
            &format!("/courses/{course}/elearning-prerequisites"),
            &json!({ "activity_ids": [intro, quiz] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let bad = api
        .put(
            &format!("/courses/{course}/elearning-prerequisites"),
            &json!({ "activity_ids": ["not an iri"] }),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(
        api.get(&format!("/courses/{course}/elearning-prerequisites"))
            .await
            .body["activity_ids"],
        json!([intro, quiz])
    );

    // The LMS records Lea's e-learning; Max did only the first part.
    lrs.lms_completed("lea@example.com", intro).await;
    lrs.lms_completed("lea@example.com", quiz).await;
    lrs.lms_completed("max@example.com", intro).await;
    let r = api
        .post(&format!("/sessions/{sid}/readiness-check"), &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["checked"], 2);
    assert_eq!(r.body["ready"], json!([e[0]]));
    assert_eq!(r.body["not_ready"], json!([e[1]]));

    // Stored, shown and filterable.
    let ready = api
        .get(&format!("/sessions/{sid}/enrollments?ready=true"))
        .await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.body);
    let ready_ids: Vec<i64> = ready.body.as_array().unwrap().iter().map(id).collect();
    assert_eq!(ready_ids, vec![e[0]]);
    assert!(ready.body[0]["ready_at"].is_string());
    let not_ready = api
        .get(&format!("/sessions/{sid}/enrollments?ready=false"))
        .await;
    let not_ready_ids: Vec<i64> = not_ready.body.as_array().unwrap().iter().map(id).collect();
    assert_eq!(not_ready_ids, vec![e[1]]);
    let bad = api
        .get(&format!("/sessions/{sid}/enrollments?ready=maybe"))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Max finishes; the job (run by the worker) picks it up for sessions in the next two weeks.
    lrs.lms_completed("max@example.com", quiz).await;
    // Every process's worker runs the job on its timer: only one of two at the same moment asks
    // the LRS, and the run is not due again at once.
    let now = trainyard_core::time::now_ms();
    let (a, b) = tokio::join!(
        trainyard_app::xapi::run_readiness_job(&t.app, now, 14),
        trainyard_app::xapi::run_readiness_job(&t.app, now, 14)
    );
    let mut runs = [a.unwrap(), b.unwrap()];
    runs.sort();
    assert_eq!(runs, [None, Some(1)], "one process checks, one session");
    assert_eq!(
        trainyard_app::xapi::run_readiness_job(&t.app, now + 1_000, 14)
            .await
            .unwrap(),
        None
    );
    let all = api
        .get(&format!("/sessions/{sid}/enrollments?ready=true"))
        .await;
    assert_eq!(all.body.as_array().unwrap().len(), 2);

    // The button on the session's enrollments.
    let b = t.browser_as(Role::Coordinator, None).await;
    let (status, html) = b.get(&format!("/sessions/{sid}?tab=enrollments")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!("/sessions/{sid}/readiness-check")),
        "the button"
    );
    assert!(
        html.contains("E-learning readiness: 2 of 2 ready"),
        "{html}"
    );
    let csrf = b.csrf().await;
    let (status, _) = b
        .post_form(
            &format!("/sessions/{sid}/readiness-check"),
            &[("_csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // Instructors and learners may not.
    let instructor = t.api_as(Role::Instructor, None).await;
    let r = instructor
        .post(&format!("/sessions/{sid}/readiness-check"), &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

async fn the_settings_keep_the_secret_and_are_admin_only(t: &TestApp) {
    let admin = t.api_as(Role::Admin, None).await;
    assert_eq!(admin.get("/lrs").await.status, StatusCode::NOT_FOUND);
    // A first configuration needs a secret, and http only to this machine.
    let r = admin
        .put(
            "/lrs",
            &json!({ "url": "http://lrs.example.com/xAPI", "key": KEY }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let text = r.body.to_string();
    assert!(text.contains("url") && text.contains("secret"), "{text}");
    let saved = configure(&admin, 9).await;
    assert!(!saved.to_string().contains(SECRET), "{saved}");
    assert_eq!(saved["key"], KEY);
    assert_eq!(saved["enabled"], true);
    // Changing it without a secret keeps the stored one; a stale version is 409.
    let r = admin
        .put(
            "/lrs",
            &json!({ "url": "https://lrs.example.com/xAPI", "key": "other", "enabled": false, "version": saved["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["enabled"], false);
    let stale = admin
        .put(
            "/lrs",
            &json!({ "url": "https://lrs.example.com/xAPI", "key": "other", "version": saved["version"] }),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    {
        // Off: nothing to read from.
        let mut conn = t.app.store.read().await.unwrap();
        assert!(
            trainyard_app::store::xapi::reader(&mut conn)
                .await
                .unwrap()
                .is_none()
        );
    }
    // The LRS is no webhook endpoint: not listed there, its secret not readable there.
    let hooks = admin.get("/webhooks").await.body;
    assert_eq!(hooks, json!([]));
    let lrs_id = saved["id"].as_i64().unwrap();
    assert_eq!(
        admin
            .get(&format!("/webhooks/{lrs_id}/secret"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Admins only.
    for role in [Role::Coordinator, Role::Manager, Role::Instructor] {
        let api = t.api_as(role, None).await;
        assert_eq!(api.get("/lrs").await.status, StatusCode::FORBIDDEN);
        let r = api
            .put(
                "/lrs",
                &json!({ "url": "https://x.example.com", "key": "k", "secret": "s" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    // Audited, without the secret.
    let audit = admin.get(&format!("/history/lrs/{lrs_id}")).await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.body);
    let text = audit.body.to_string();
    assert!(
        text.contains("lrs.configured") && text.contains("lrs.updated"),
        "{text}"
    );
    assert!(!text.contains(SECRET));

    // The page: the form without the secret, in German for a German reader.
    let b = t.browser_as(Role::Admin, None).await;
    let (status, html) = b.get("/admin/lrs").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("https://lrs.example.com/xAPI"));
    assert!(!html.contains(SECRET));
    let csrf = b.csrf().await;
    let (status, html) = b
        .post_form(
            "/admin/lrs",
            &[
                ("_csrf", csrf.as_str()),
                ("url", "ftp://nowhere"),
                ("key", "k"),
                ("version", &r_version(&admin).await),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    let (status, _) = b
        .post_form(
            "/admin/lrs",
            &[
                ("_csrf", csrf.as_str()),
                ("url", "https://lrs2.example.com/xAPI"),
                ("key", "k2"),
                ("enabled", "true"),
                ("version", &r_version(&admin).await),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(admin.get("/lrs").await.body["key"], "k2");
    let de = t.browser_as(Role::Admin, None).await;
    let csrf = de.csrf().await;
    let (status, _) = de
        .post_form(
            "/language",
            &[("lang", "de"), ("back", "/"), ("_csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, html) = de.get("/admin/lrs").await;
    assert!(html.contains("Lerndatenspeicher"), "{html}");
    let coordinator = t.browser_as(Role::Coordinator, None).await;
    let (status, _) = coordinator.get("/admin/lrs").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn r_version(admin: &Api) -> String {
    admin.get("/lrs").await.body["version"].to_string()
}
