//! Webhooks end to end, on SQLite and PostgreSQL, against a real receiver on loopback
//! (tests/webhook_receiver.py) that verifies every request with the Standard Webhooks reference
//! library (`standardwebhooks` from PyPI): a scripted scenario arrives signed, in order and
//! exactly once after de-duplication by id; a secret rotation signs with both secrets; a receiver
//! that is down gets everything once it is back; a failing or slow endpoint does not hold back
//! another and is turned off after a run of failures, with an e-mail to admins; a rolled-back
//! change sends nothing; the pages and the access rules.
//!
//! Needs `python3 -m pip install standardwebhooks`. Without it the tests print a note and pass
//! without running — unless `TRAINYARD_REQUIRE_CONTRACT_TOOLS`, `TRAINYARD_REQUIRE_BROWSER` or
//! `CI` is set, when they fail.

use crate::common;

use crate::common::{Api, TestApp, course_body, venue_body};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use trainyard_app::webhooks::{self, HookOptions, Hooks};
use trainyard_core::Role;
use trainyard_core::webhook::DisablePolicy;

both_backends!(
    a_scripted_scenario_arrives_signed_in_order_and_exactly_once,
    a_receiver_down_for_a_while_gets_everything_afterwards,
    a_failing_or_slow_endpoint_does_not_hold_back_another_and_is_turned_off,
    a_rolled_back_change_sends_nothing,
    endpoints_are_validated_versioned_and_admin_only,
    the_pages_list_edit_rotate_and_replay,
    an_https_endpoint_gets_its_events_over_verified_tls,
);

// ------------------------------------------------------------------ the receiver

fn required() -> bool {
    [
        "TRAINYARD_REQUIRE_CONTRACT_TOOLS",
        "TRAINYARD_REQUIRE_BROWSER",
        "CI",
    ]
    .iter()
    .any(|v| std::env::var_os(v).is_some())
}

/// tests/webhook_receiver.py on a loopback port.
struct Receiver {
    child: Option<Child>,
    port: u16,
    http: reqwest::Client,
    /// `https` when it serves TLS.
    scheme: &'static str,
}

impl Receiver {
    /// Starts a receiver on `port` (0: any). `None` when Python or `standardwebhooks` is missing
    /// and the environment does not require them.
    fn start(port: u16) -> Option<Receiver> {
        Self::start_with(port, None)
    }

    /// Starts a receiver serving HTTPS with `cert` and `key`, whose certificate `roots` sign.
    fn start_tls(
        cert: &std::path::Path,
        key: &std::path::Path,
        roots: &[trainyard_app::http::CertificateDer<'static>],
    ) -> Option<Receiver> {
        Self::start_with(0, Some((cert, key, roots)))
    }

    fn start_with(
        port: u16,
        tls: Option<(
            &std::path::Path,
            &std::path::Path,
            &[trainyard_app::http::CertificateDer<'static>],
        )>,
    ) -> Option<Receiver> {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/webhook_receiver.py");
        let missing = |why: String| -> Option<Receiver> {
            if required() {
                panic!(
                    "{why}. The webhook tests need a real receiver with the Standard Webhooks \
                     library (TRAINYARD_REQUIRE_CONTRACT_TOOLS, TRAINYARD_REQUIRE_BROWSER or CI is \
                     set): python3 -m pip install standardwebhooks"
                );
            }
            eprintln!(
                "note: {why}; the webhook tests are not run. Install it with: python3 -m pip install standardwebhooks"
            );
            None
        };
        let mut command = Command::new("python3");
        command.arg(script).arg(port.to_string());
        if let Some((cert, key, _)) = tls {
            command.arg("--tls").arg(cert).arg(key);
        }
        let mut child = match command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
        {
            Ok(c) => c,
            Err(e) => return missing(format!("python3 could not be started ({e})")),
        };
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        match line.trim().strip_prefix("READY ") {
            Some(p) => Some(Receiver {
                child: Some(child),
                port: p.parse().unwrap(),
                http: trainyard_app::http::client(tls.map(|t| t.2).unwrap_or_default())
                    .unwrap()
                    .build()
                    .unwrap(),
                scheme: if tls.is_some() { "https" } else { "http" },
            }),
            None => {
                let out = child.wait_with_output().unwrap();
                let stderr = String::from_utf8_lossy(&out.stderr);
                if out.status.code() == Some(3) && stderr.contains("MISSING-STANDARDWEBHOOKS") {
                    return missing("the Python package standardwebhooks is not installed".into());
                }
                panic!(
                    "webhook_receiver.py did not start ({}): {line}{stderr}",
                    out.status
                );
            }
        }
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn url(&self, name: &str) -> String {
        format!("{}://127.0.0.1:{}/hook/{name}", self.scheme, self.port)
    }

    async fn control(&self, what: &str, name: &str, body: &str) {
        let r = self
            .http
            .post(format!(
                "{}://127.0.0.1:{}/control/{what}/{name}",
                self.scheme, self.port
            ))
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
    }

    async fn secret(&self, name: &str, secret: &str) {
        self.control("secret", name, secret).await;
    }

    async fn mode(&self, name: &str, mode: &str) {
        self.control("mode", name, mode).await;
    }

    /// (verified events in arrival order, rejected requests).
    async fn received(&self) -> (Vec<Value>, Vec<Value>) {
        let v: Value = self
            .http
            .get(format!(
                "{}://127.0.0.1:{}/control/received",
                self.scheme, self.port
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (
            v["received"].as_array().unwrap().clone(),
            v["rejected"].as_array().unwrap().clone(),
        )
    }

    async fn of(&self, endpoint: &str) -> Vec<Value> {
        let (got, rejected) = self.received().await;
        assert!(rejected.is_empty(), "every request verifies: {rejected:?}");
        got.into_iter()
            .filter(|e| e["endpoint"] == endpoint)
            .collect()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop();
    }
}

fn hooks(timeout_ms: i64, disable: DisablePolicy) -> Hooks {
    Hooks::new(HookOptions {
        timeout_ms,
        disable,
        ..HookOptions::default()
    })
    .unwrap()
}

fn quick() -> Hooks {
    hooks(5_000, DisablePolicy::default())
}

async fn subscribe(admin: &Api, url: &str, events: &[&str]) -> (i64, String) {
    let r = admin
        .post(
            "/webhooks",
            &json!({ "url": url, "description": "test receiver", "event_types": events }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(r.body["secret"].as_str().unwrap().starts_with("whsec_"));
    (
        r.body["id"].as_i64().unwrap(),
        r.body["secret"].as_str().unwrap().to_owned(),
    )
}

/// Every delivery of an endpoint, oldest first.
async fn log(admin: &Api, endpoint: i64) -> Vec<Value> {
    let r = admin
        .get(&format!("/webhooks/{endpoint}/deliveries?per_page=200"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut items = r.body["items"].as_array().unwrap().clone();
    items.reverse();
    items
}

fn ids(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn courses(api: &Api, tag: &str, n: usize) {
    for i in 0..n {
        api.create("/courses", &course_body(&format!("{tag}{i}")))
            .await;
    }
}

/// Submits a page's form with the session's CSRF token.
async fn submit(b: &common::Browser, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let csrf = b.csrf().await;
    let mut f = fields.to_vec();
    f.push(("_csrf", &csrf));
    b.post_form(path, &f).await
}

// ------------------------------------------------------------------ tests

async fn a_scripted_scenario_arrives_signed_in_order_and_exactly_once(t: &TestApp) {
    let Some(rx) = Receiver::start(0) else {
        return;
    };
    let admin = t.api_as(Role::Admin, None).await;
    let (a, secret_a) = subscribe(
        &admin,
        &rx.url("a"),
        &["session.*", "assignment.*", "enrollment.*"],
    )
    .await;
    let (b, secret_b) = subscribe(&admin, &rx.url("b"), &["enrollment.cancelled"]).await;
    rx.secret("a", &secret_a).await;
    rx.secret("b", &secret_b).await;

    // The scenario: create a session, schedule it, staff it, enroll a learner, cancel.
    let api = t.api_as(Role::Coordinator, None).await;
    let venue = api
        .create("/venues", &venue_body("BER", "Europe/Berlin"))
        .await["id"]
        .as_i64()
        .unwrap();
    let course = api.create("/courses", &course_body("XL")).await["id"]
        .as_i64()
        .unwrap();
    let anna = api
        .create("/instructors", &json!({
            "name": "Anna Berg", "email": "anna@example.com", "employment_type": "staff", "home_venue_id": venue,
            "time_zone": "Europe/Berlin", "currency": "EUR", "max_days_week": 5, "max_days_month": 20
        }))
        .await["id"]
        .as_i64()
        .unwrap();
    api.create(
        &format!("/instructors/{anna}/qualifications"),
        &json!({ "course_id": course }),
    )
    .await;
    let s = api
        .create("/sessions", &json!({
            "course_id": course, "visibility": "public", "delivery_mode": "ilt", "capacity": 10, "venue_id": venue,
            "time_zone": "Europe/Berlin", "seat_price": { "amount": "490", "currency": "EUR" },
            "parts": [{ "starts": "2027-05-04T09:00", "ends": "2027-05-04T17:00" }]
        }))
        .await;
    let session = s["id"].as_i64().unwrap();
    let r = api
        .post(
            &format!("/sessions/{session}/transition"),
            &json!({ "event": "schedule", "version": s["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let asg = api
        .create(
            &format!("/sessions/{session}/assignments"),
            &json!({ "instructor_id": anna }),
        )
        .await;
    let asg_id = asg["id"].as_i64().unwrap();
    let mut version = asg["version"].as_i64().unwrap();
    for event in ["request", "accept", "confirm"] {
        let r = api
            .post(
                &format!("/assignments/{asg_id}/actions"),
                &json!({ "event": event, "version": version }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{event}: {}", r.body);
        version = r.body["version"].as_i64().unwrap();
    }
    let learner = api
        .create("/learners", &json!({ "first_name": "Lea", "last_name": "Kim", "email": "lea@example.com", "time_zone": "Europe/Berlin" }))
        .await["id"]
        .as_i64()
        .unwrap();
    let e = api
        .post(
            &format!("/sessions/{session}/enrollments"),
            &json!({ "learner_id": learner }),
        )
        .await;
    assert_eq!(e.status, StatusCode::CREATED, "{}", e.body);
    let r = api
        .post(
            &format!("/enrollments/{}/cancel", e.body["id"]),
            &json!({ "version": e.body["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // Queued in the changes' transactions, not yet sent.
    let queued = log(&admin, a).await;
    assert!(queued.iter().all(|d| d["status"] == "pending"));
    let pass = webhooks::deliver_pending(&t.app, &quick(), "w1")
        .await
        .unwrap();
    assert_eq!((pass.retrying, pass.given_up), (0, 0), "{pass:?}");

    let got_a = rx.of("a").await;
    let got_b = rx.of("b").await;
    let types: Vec<&str> = got_a.iter().map(|e| e["type"].as_str().unwrap()).collect();
    for expected in [
        "session.created",
        "session.scheduled",
        "assignment.proposed",
        "assignment.requested",
        "assignment.accepted",
        "assignment.confirmed",
        "enrollment.booked",
        "enrollment.cancelled",
    ] {
        assert!(types.contains(&expected), "{expected} in {types:?}");
    }
    assert!(
        types.iter().all(|t| t.starts_with("session.")
            || t.starts_with("assignment.")
            || t.starts_with("enrollment.")),
        "only subscribed kinds: {types:?}"
    );
    // Exactly once after de-duplication by id, in the order the changes were made.
    let sent = log(&admin, a).await;
    assert!(sent.iter().all(|d| d["status"] == "delivered"), "{sent:?}");
    let received: Vec<String> = ids(&got_a);
    let mut seen = HashSet::new();
    let deduped: Vec<String> = received
        .iter()
        .filter(|id| seen.insert((*id).clone()))
        .cloned()
        .collect();
    let expected: Vec<String> = sent
        .iter()
        .map(|d| d["message_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(deduped, expected);
    // The cancellation is one event: the same id at both endpoints; b got only that.
    assert_eq!(got_b.len(), 1, "{got_b:?}");
    assert_eq!(got_b[0]["type"], "enrollment.cancelled");
    let cancel_a = got_a
        .iter()
        .find(|e| e["type"] == "enrollment.cancelled")
        .unwrap();
    assert_eq!(got_b[0]["id"], cancel_a["id"]);
    assert_eq!(got_b[0]["data"]["object"], "enrollment");
    assert_eq!(got_b[0]["data"]["after"]["status"], "cancelled");
    assert_eq!(got_b[0]["data"]["before"]["status"], "booked");

    // Nothing twice: another pass sends nothing.
    let again = webhooks::deliver_pending(&t.app, &quick(), "w1")
        .await
        .unwrap();
    assert_eq!(again.delivered, 0);

    // Rotation: the old secret keeps signing beside the new one for a day.
    let ep = admin.get(&format!("/webhooks/{a}")).await.body;
    let r = admin
        .post(
            &format!("/webhooks/{a}/rotate-secret"),
            &json!({ "version": ep["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let new_secret = r.body["secret"].as_str().unwrap().to_owned();
    assert_eq!(r.body["previous_secret"], secret_a.as_str());
    assert_ne!(new_secret, secret_a);
    let stale = admin
        .post(
            &format!("/webhooks/{a}/rotate-secret"),
            &json!({ "version": ep["version"] }),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    // The receiver still has the old secret: it verifies…
    let s2 = admin.get(&format!("/sessions/{session}")).await.body;
    let r = api
        .post(
            &format!("/sessions/{session}/transition"),
            &json!({ "event": "confirm", "version": s2["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    webhooks::deliver_pending(&t.app, &quick(), "w1")
        .await
        .unwrap();
    let got = rx.of("a").await;
    let last = got.last().unwrap();
    assert_eq!(last["type"], "session.confirmed");
    assert_eq!(
        last["signatures"], 2,
        "both secrets sign during the overlap"
    );
    // …and so does the new one.
    rx.secret("a", &new_secret).await;
    api.create("/courses", &course_body("NOT-SUBSCRIBED")).await;
    let r = api
        .post(
            &format!("/assignments/{asg_id}/actions"),
            &json!({ "event": "cancel", "version": version }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    webhooks::deliver_pending(&t.app, &quick(), "w1")
        .await
        .unwrap();
    let got = rx.of("a").await;
    let tail: Vec<&str> = got
        .iter()
        .rev()
        .take(2)
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        tail,
        ["session.instructor_cancelled", "assignment.cancelled"],
        "the cancellation as the assignment's and the session's event, verified with the new secret"
    );
    assert!(
        !got.iter().any(|e| e["type"] == "course.created"),
        "courses are not subscribed"
    );
    // The delivery log names the attempt.
    let last = log(&admin, a)
        .await
        .into_iter()
        .find(|d| d["event_type"] == "assignment.cancelled")
        .unwrap();
    let detail = admin
        .get(&format!("/webhooks/{a}/deliveries/{}", last["id"]))
        .await;
    assert_eq!(detail.status, StatusCode::OK);
    assert_eq!(detail.body["attempts_made"][0]["status_code"], 204);
    let payload: Value = serde_json::from_str(detail.body["payload"].as_str().unwrap()).unwrap();
    assert_eq!(payload["type"], "assignment.cancelled");
    assert!(payload["timestamp"].as_str().unwrap().ends_with('Z'));
    assert_eq!(log(&admin, b).await.len(), 1, "b wants only cancellations");
}

async fn a_receiver_down_for_a_while_gets_everything_afterwards(t: &TestApp) {
    let Some(mut rx) = Receiver::start(0) else {
        return;
    };
    let port = rx.port;
    let admin = t.api_as(Role::Admin, None).await;
    let (ep, secret) = subscribe(&admin, &rx.url("down"), &["course.*"]).await;
    rx.secret("down", &secret).await;
    let api = t.api_as(Role::Coordinator, None).await;
    courses(&api, "UP", 2).await;
    webhooks::deliver_pending(&t.app, &quick(), "w1")
        .await
        .unwrap();
    assert_eq!(rx.of("down").await.len(), 2);
    let before = ids(&rx.of("down").await);

    // The receiver goes away; changes go on.
    rx.stop();
    courses(&api, "DOWN", 3).await;
    let pass = webhooks::deliver_pending(&t.app, &quick(), "w1")
        .await
        .unwrap();
    assert_eq!((pass.delivered, pass.retrying), (0, 1), "{pass:?}");
    let waiting = log(&admin, ep).await;
    let first_waiting = &waiting[2];
    assert_eq!(first_waiting["status"], "pending");
    assert_eq!(first_waiting["attempts"], 1);
    assert!(
        first_waiting["last_error"]
            .as_str()
            .unwrap()
            .contains("connect"),
        "{first_waiting}"
    );
    // Nothing after the failed one was tried: order holds.
    assert!(waiting[3..].iter().all(|d| d["attempts"] == 0));
    // Not due again until the backoff has passed.
    let pass = webhooks::deliver_pending(&t.app, &quick(), "w1")
        .await
        .unwrap();
    assert_eq!(pass.endpoints, 0, "{pass:?}");
    courses(&api, "LATER", 1).await;
    let ep_now = admin.get(&format!("/webhooks/{ep}")).await.body;
    assert_eq!(ep_now["pending"], 4);
    assert_eq!(ep_now["consecutive_failures"], 1);

    // Back on the same port; the retry falls due (a test hook instead of waiting).
    let mut back = Receiver::start(port).expect("the receiver restarts");
    back.secret("down", &secret).await;
    webhooks::make_due(&t.app).await.unwrap();
    let pass = webhooks::deliver_pending(&t.app, &quick(), "w1")
        .await
        .unwrap();
    assert_eq!((pass.delivered, pass.retrying), (4, 0), "{pass:?}");
    let after = ids(&back.of("down").await);
    let all: Vec<String> = before.iter().chain(after.iter()).cloned().collect();
    let expected: Vec<String> = log(&admin, ep)
        .await
        .iter()
        .map(|d| d["message_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(all, expected, "everything, once, in order");
    let ep_now = admin.get(&format!("/webhooks/{ep}")).await.body;
    assert_eq!(ep_now["consecutive_failures"], 0);
    assert_eq!(ep_now["pending"], 0);
    back.stop();
}

async fn a_failing_or_slow_endpoint_does_not_hold_back_another_and_is_turned_off(t: &TestApp) {
    let Some(rx) = Receiver::start(0) else {
        return;
    };
    let admin = t.api_as(Role::Admin, None).await;
    let (good, s1) = subscribe(&admin, &rx.url("good"), &["course.*"]).await;
    let (failing, s2) = subscribe(&admin, &rx.url("failing"), &["course.*"]).await;
    let (slow, s3) = subscribe(&admin, &rx.url("slow"), &["course.*"]).await;
    rx.secret("good", &s1).await;
    rx.secret("failing", &s2).await;
    rx.secret("slow", &s3).await;
    rx.mode("failing", "fail").await;
    rx.mode("slow", "slow:3").await;
    let api = t.api_as(Role::Coordinator, None).await;
    courses(&api, "K", 5).await;

    let policy = DisablePolicy {
        failures: 3,
        window_ms: 0,
    };
    let h = hooks(1_000, policy);
    let started = std::time::Instant::now();
    let pass = webhooks::deliver_pending(&t.app, &h, "w1").await.unwrap();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "the slow endpoint's time-out, not its queue, bounds the pass: {:?}",
        started.elapsed()
    );
    assert_eq!(pass.delivered, 5, "{pass:?}");
    assert_eq!(pass.retrying, 2, "{pass:?}");
    assert_eq!(rx.of("good").await.len(), 5);
    let f = log(&admin, failing).await;
    assert_eq!(f[0]["attempts"], 1);
    assert_eq!(f[0]["last_status_code"], 500);
    let detail = admin
        .get(&format!("/webhooks/{failing}/deliveries/{}", f[0]["id"]))
        .await
        .body;
    assert_eq!(detail["attempts_made"][0]["status_code"], 500);
    assert!(
        detail["attempts_made"][0]["response"]
            .as_str()
            .unwrap()
            .contains("failing on purpose")
    );
    let sl = log(&admin, slow).await;
    assert!(sl[0]["last_status_code"].is_null());
    assert!(
        sl[0]["last_error"].as_str().unwrap().contains("time-out"),
        "{}",
        sl[0]
    );

    // Two more failures in a row turn both off, with an e-mail to every admin.
    for _ in 0..2 {
        webhooks::make_due(&t.app).await.unwrap();
        webhooks::deliver_pending(&t.app, &h, "w1").await.unwrap();
    }
    let f_ep = admin.get(&format!("/webhooks/{failing}")).await.body;
    assert_eq!(f_ep["enabled"], false, "{f_ep}");
    assert!(
        f_ep["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("3 failed attempts"),
        "{f_ep}"
    );
    assert_eq!(f_ep["consecutive_failures"], 3);
    let mails = admin
        .get("/outbox?entity_type=webhook_endpoint&per_page=200")
        .await
        .body;
    let subjects: Vec<&str> = mails["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["subject"].as_str().unwrap())
        .collect();
    assert!(
        subjects
            .iter()
            .any(|s| s.contains("turned off") && s.contains("/hook/failing")),
        "{subjects:?}"
    );
    // A turned-off endpoint gets no new events; the good one does.
    courses(&api, "AFTER", 1).await;
    assert_eq!(log(&admin, failing).await.len(), 5);
    assert_eq!(log(&admin, good).await.len(), 6);
    // Turned back on, its waiting deliveries go at once.
    rx.mode("failing", "ok").await;
    let r = admin
        .put(
            &format!("/webhooks/{failing}"),
            &json!({ "version": f_ep["version"], "url": rx.url("failing"), "event_types": ["course.*"], "enabled": true }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["consecutive_failures"], 0);
    webhooks::deliver_pending(&t.app, &h, "w1").await.unwrap();
    assert_eq!(rx.of("failing").await.len(), 5);
}

async fn a_rolled_back_change_sends_nothing(t: &TestApp) {
    let Some(rx) = Receiver::start(0) else {
        return;
    };
    let admin = t.api_as(Role::Admin, None).await;
    let (ep, secret) = subscribe(&admin, &rx.url("all"), &["*"]).await;
    rx.secret("all", &secret).await;
    let api = t.api_as(Role::Coordinator, None).await;
    let venue = api
        .create("/venues", &venue_body("RB", "Europe/Berlin"))
        .await["id"]
        .as_i64()
        .unwrap();
    let course = api.create("/courses", &course_body("RB")).await["id"]
        .as_i64()
        .unwrap();
    let s = api
        .create("/sessions", &json!({
            "course_id": course, "visibility": "public", "delivery_mode": "ilt", "capacity": 10, "venue_id": venue,
            "time_zone": "Europe/Berlin", "seat_price": { "amount": "490", "currency": "EUR" },
            "parts": [{ "starts": "2027-06-01T09:00", "ends": "2027-06-01T17:00" }]
        }))
        .await;
    let session = s["id"].as_i64().unwrap();
    let r = api
        .post(
            &format!("/sessions/{session}/transition"),
            &json!({ "event": "schedule", "version": s["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    webhooks::deliver_pending(&t.app, &quick(), "w1")
        .await
        .unwrap();
    let before = rx.of("all").await.len();
    let queued_before = log(&admin, ep).await.len();

    // A dry run enrolls three people inside a transaction that rolls back…
    let csv = "first_name,last_name,email\nAda,One,ada@example.com\nBo,Two,bo@example.com\nCy,Three,cy@example.com\n";
    let r = api
        .post(
            "/enrollments/bulk?dry_run=true",
            &json!({ "csv": csv, "session_id": session }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // …and an apply with one broken row rolls back the two good ones.
    let broken = "first_name,last_name,email\nAda,One,ada@example.com\nBo,Two,bo@example.com\n,,not-an-address\n";
    let r = api
        .post(
            "/enrollments/bulk?dry_run=false",
            &json!({ "csv": broken, "session_id": session }),
        )
        .await;
    assert!(r.status.is_client_error(), "{} {}", r.status, r.body);
    assert_eq!(
        api.get(&format!("/sessions/{session}/enrollments"))
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(log(&admin, ep).await.len(), queued_before, "nothing queued");
    webhooks::deliver_pending(&t.app, &quick(), "w1")
        .await
        .unwrap();
    assert_eq!(rx.of("all").await.len(), before, "nothing sent");
    // A committed bulk apply is sent.
    let r = api
        .post(
            "/enrollments/bulk?dry_run=false",
            &json!({ "csv": csv, "session_id": session }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    webhooks::deliver_pending(&t.app, &quick(), "w1")
        .await
        .unwrap();
    let types: BTreeSet<String> = rx
        .of("all")
        .await
        .iter()
        .skip(before)
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect();
    assert!(types.contains("enrollment.booked"), "{types:?}");
    assert!(types.contains("learner.created"), "{types:?}");
}

async fn endpoints_are_validated_versioned_and_admin_only(t: &TestApp) {
    let admin = t.api_as(Role::Admin, None).await;
    let r = admin
        .post(
            "/webhooks",
            &json!({ "url": "http://example.com/hook", "event_types": ["user.*"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let fields: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["url", "event_types"]);
    assert_eq!(admin.get("/webhooks").await.body, json!([]));

    let (id, secret) = subscribe(&admin, "https://hooks.example.com/in", &["invoice.*"]).await;
    let got = admin.get(&format!("/webhooks/{id}")).await.body;
    assert!(
        got.get("secret").is_none(),
        "the secret is not in the record"
    );
    assert_eq!(
        admin.get(&format!("/webhooks/{id}/secret")).await.body["secret"],
        secret.as_str()
    );
    let r = admin
        .put(
            &format!("/webhooks/{id}"),
            &json!({ "version": got["version"], "url": "https://hooks.example.com/v2", "event_types": ["invoice.issued", "session.*"], "enabled": false }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body["event_types"],
        json!(["invoice.issued", "session.*"])
    );
    assert_eq!(r.body["enabled"], false);
    let stale = admin
        .put(
            &format!("/webhooks/{id}"),
            &json!({ "version": got["version"], "url": "https://hooks.example.com/v3", "event_types": ["*"] }),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let families = admin.get("/webhook-event-types").await.body;
    assert!(
        families
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["pattern"] == "session.*")
    );
    // The history of the endpoint never holds its secret.
    let history = admin
        .get(&format!("/history/webhook_endpoint/{id}"))
        .await
        .body;
    assert!(!history.to_string().contains(&secret[6..]));

    for role in [Role::Manager, Role::Coordinator, Role::Finance] {
        let other = t.api_as(role, None).await;
        assert_eq!(other.get("/webhooks").await.status, StatusCode::FORBIDDEN);
        assert_eq!(
            other.get(&format!("/webhooks/{id}/secret")).await.status,
            StatusCode::FORBIDDEN
        );
    }
    assert_eq!(
        admin.get("/webhooks/99999").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn the_pages_list_edit_rotate_and_replay(t: &TestApp) {
    let Some(rx) = Receiver::start(0) else {
        return;
    };
    let admin = t.browser_as(Role::Admin, None).await;
    let (status, body) = admin.get("/admin/webhooks").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Subscribe an HTTPS endpoint"), "empty state");
    // A refused form keeps the input and names the field.
    let (status, body) = submit(
        &admin,
        "/admin/webhooks",
        &[
            ("url", "http://example.com/x"),
            ("description", "CRM sync"),
            ("event_types", "course.*"),
            ("enabled", "true"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("only allowed to this machine"), "{body}");
    assert!(body.contains("CRM sync"));
    let url = rx.url("page");
    let (status, _) = submit(
        &admin,
        "/admin/webhooks",
        &[
            ("url", &url),
            ("description", "CRM sync"),
            ("event_types", "course.*"),
            ("enabled", "true"),
        ],
    )
    .await;
    assert!(status.is_success(), "{status}");
    let api = t.api_as(Role::Admin, None).await;
    let ep = api.get("/webhooks").await.body[0].clone();
    let id = ep["id"].as_i64().unwrap();
    let secret = api.get(&format!("/webhooks/{id}/secret")).await.body["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    rx.secret("page", &secret).await;
    let coordinator = t.api_as(Role::Coordinator, None).await;
    courses(&coordinator, "PG", 2).await;
    webhooks::deliver_pending(&t.app, &quick(), "w1")
        .await
        .unwrap();
    let (status, body) = admin.get(&format!("/admin/webhooks/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("course.created"), "the delivery log");
    assert!(body.contains("Delivered"));
    assert!(
        body.contains(&secret) || body.contains(&secret.replace('/', "&#x2f;")),
        "the secret behind a toggle"
    );
    let deliveries = log(&api, id).await;
    let first = deliveries[0]["id"].as_i64().unwrap();
    let (status, body) = admin
        .get(&format!("/admin/webhooks/{id}/deliveries/{first}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("204"), "the attempt's answer");
    // Replay one event, then a time range: the same ids again.
    let (status, _) = submit(
        &admin,
        &format!("/admin/webhooks/{id}/deliveries/{first}/replay"),
        &[],
    )
    .await;
    assert!(status.is_success(), "{status}");
    let (status, _) = submit(
        &admin,
        &format!("/admin/webhooks/{id}/replay"),
        &[("from", "2020-01-01T00:00"), ("to", "2099-01-01T00:00")],
    )
    .await;
    assert!(status.is_success(), "{status}");
    webhooks::deliver_pending(&t.app, &quick(), "w1")
        .await
        .unwrap();
    let got = ids(&rx.of("page").await);
    assert_eq!(got.len(), 5, "2 + 1 replayed + 2 in the range");
    assert_eq!(got[2], got[0], "a replay keeps the event's id");
    assert_eq!(&got[3..], &got[..2]);
    // Rotate from the page; edit with a stale version keeps the input.
    let (status, _) = submit(
        &admin,
        &format!("/admin/webhooks/{id}/rotate"),
        &[("version", &ep["version"].to_string())],
    )
    .await;
    assert!(status.is_success(), "{status}");
    let (status, body) = submit(
        &admin,
        &format!("/admin/webhooks/{id}"),
        &[
            ("url", &url),
            ("description", "Renamed"),
            ("event_types", "course.*"),
            ("enabled", "true"),
            ("version", &ep["version"].to_string()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body.contains("Renamed"));
    // Other staff may not open it.
    let coordinator = t.browser_as(Role::Coordinator, None).await;
    let (status, _) = coordinator.get("/admin/webhooks").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// A certificate authority, and a certificate for 127.0.0.1 it signed, made by openssl in a
/// fresh directory: (the authority's PEM, the certificate file, its key file).
fn loopback_certificate() -> (Vec<u8>, std::path::PathBuf, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "trainyard-tls-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let p = |f: &str| dir.join(f);
    std::fs::write(
        p("leaf.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let steps: [Vec<&str>; 3] = [
        [
            &["req", "-x509"][..],
            &ec[..],
            &[
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-subj",
                "/CN=Trainyard test CA",
                "-days",
                "2",
            ][..],
        ]
        .concat(),
        [
            &["req"][..],
            &ec[..],
            &[
                "-keyout",
                "leaf.key",
                "-out",
                "leaf.csr",
                "-subj",
                "/CN=127.0.0.1",
            ][..],
        ]
        .concat(),
        vec![
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "leaf.pem",
            "-days",
            "2",
            "-extfile",
            "leaf.ext",
        ],
    ];
    for args in steps {
        let out = Command::new("openssl")
            .args(&args)
            .current_dir(&dir)
            .output()
            .expect("openssl runs (Debian package openssl)");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    (
        std::fs::read(p("ca.pem")).unwrap(),
        p("leaf.pem"),
        p("leaf.key"),
    )
}

/// An HTTPS endpoint gets its events only over a verified connection: refused while its
/// certificate's authority is unknown (nothing sent, the attempt logged with the reason), then
/// delivered once the authority is trusted (`--ca-file`).
async fn an_https_endpoint_gets_its_events_over_verified_tls(t: &TestApp) {
    let (ca, cert, key) = loopback_certificate();
    let roots = trainyard_app::http::roots_from_pem(&ca).unwrap();
    let Some(rx) = Receiver::start_tls(&cert, &key, &roots) else {
        return;
    };
    let admin = t.api_as(Role::Admin, None).await;
    let (ep, secret) = subscribe(&admin, &rx.url("tls"), &["course.*"]).await;
    rx.secret("tls", &secret).await;
    let api = t.api_as(Role::Coordinator, None).await;
    courses(&api, "TLS", 2).await;

    let pass = webhooks::deliver_pending(&t.app, &quick(), "w1")
        .await
        .unwrap();
    assert_eq!((pass.delivered, pass.retrying), (0, 1), "{pass:?}");
    let first = &log(&admin, ep).await[0];
    let error = first["last_error"].as_str().unwrap().to_lowercase();
    assert!(error.contains("certificate"), "{first}");
    assert!(rx.of("tls").await.is_empty());

    let trusted = Hooks::new(HookOptions {
        timeout_ms: 5_000,
        extra_roots: roots,
        ..HookOptions::default()
    })
    .unwrap();
    webhooks::make_due(&t.app).await.unwrap();
    let pass = webhooks::deliver_pending(&t.app, &trusted, "w1")
        .await
        .unwrap();
    assert_eq!((pass.delivered, pass.retrying), (2, 0), "{pass:?}");
    let got = rx.of("tls").await;
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got.iter().all(|e| e["type"] == "course.created"), "{got:?}");
}
