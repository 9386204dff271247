//! E-mail delivery end to end, on SQLite and PostgreSQL, against a real SMTP server on loopback
//! (Python's `aiosmtpd`, through tests/smtp_sink.py, which also reads every message back with
//! Python's `email` package): a use case queues a message in its transaction and one worker pass
//! delivers it; invitations arrive as calendars an independent parser (Python `icalendar`, through
//! tests/ical_check.py) reads; a message the server could not take while it was down is retried
//! with backoff and arrives exactly once; concurrent workers and a crashed worker's expired claim
//! deliver every message exactly once; admins edit the wording with a preview; the delivery log.
//!
//! Needs `python3 -m pip install aiosmtpd 'icalendar==6.1.0'`. Without them the tests print a note
//! and pass without running — unless `CI` or `TRAINYARD_REQUIRE_BROWSER` is set, when they fail.

use crate::common;

use crate::common::{Api, TestApp, course_body, pdf_text, venue_body};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use trainyard_app::delivery::{self, Mailer, SmtpSettings, WorkerOptions};
use trainyard_core::Role;
use trainyard_core::time::now_ms;
use trainyard_store::outbox::{self, NewMessage, OutboxFilter};

both_backends!(
    a_use_cases_message_is_delivered_over_smtp,
    invitations_arrive_as_calendars_a_parser_reads,
    retried_after_the_smtp_server_was_down_arrives_exactly_once,
    concurrent_workers_and_a_crashed_claim_deliver_exactly_once,
    a_dead_workers_claim_holds_to_the_end_of_its_lease_then_delivers_once,
    templates_are_edited_with_a_preview_and_audited,
    messages_are_text_and_html_from_the_configured_sender_with_days_place_links_and_changes,
    an_issued_invoice_is_mailed_to_the_client_with_its_pdf,
);

// ------------------------------------------------------------------ the SMTP sink

fn required() -> bool {
    std::env::var_os("TRAINYARD_REQUIRE_BROWSER").is_some() || std::env::var_os("CI").is_some()
}

/// tests/smtp_sink.py running on a loopback port, writing what it receives into a directory.
struct Sink {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

impl Sink {
    /// Starts a sink on `port` (0: any free port). `None` when Python or aiosmtpd is missing and
    /// the environment does not require them.
    fn start(port: u16, dir: &Path) -> Option<Sink> {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp_sink.py");
        let missing = |why: String| -> Option<Sink> {
            if required() {
                panic!(
                    "{why}. The delivery tests need a real SMTP server (CI or TRAINYARD_REQUIRE_BROWSER \
                     is set): python3 -m pip install aiosmtpd"
                );
            }
            eprintln!(
                "note: {why}; the delivery tests are not run. Install it with: python3 -m pip install aiosmtpd"
            );
            None
        };
        let mut child = match Command::new("python3")
            .arg(script)
            .arg(port.to_string())
            .arg(dir)
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
            Some(p) => Some(Sink {
                child: Some(child),
                port: p.parse().unwrap(),
                dir: dir.to_owned(),
            }),
            None => {
                let out = child.wait_with_output().unwrap();
                let stderr = String::from_utf8_lossy(&out.stderr);
                if out.status.code() == Some(3) && stderr.contains("MISSING-AIOSMTPD") {
                    return missing("the Python package aiosmtpd is not installed".into());
                }
                panic!(
                    "smtp_sink.py did not start ({}): {line}{stderr}",
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

    /// Every message received so far, oldest first.
    fn messages(&self) -> Vec<Value> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map(|d| {
                d.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "json"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
            .iter()
            .map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap())
            .collect()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A directory for what a sink receives, removed when the test ends (pass or fail).
struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch_dir(name: &str) -> Scratch {
    let d = std::env::temp_dir().join(format!(
        "trainyard-sink-{name}-{}-{}",
        std::process::id(),
        now_ms()
    ));
    std::fs::create_dir_all(&d).unwrap();
    Scratch(d)
}

fn mailer(port: u16, options: WorkerOptions) -> Mailer {
    Mailer::new(
        &SmtpSettings {
            port,
            ..SmtpSettings::default()
        },
        options,
    )
    .unwrap()
}

fn quick() -> WorkerOptions {
    WorkerOptions {
        send_timeout_ms: 5_000,
        ..WorkerOptions::default()
    }
}

/// The text of the first MIME part of `content_type`.
fn part<'a>(m: &'a Value, content_type: &str) -> Option<&'a Value> {
    m["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["content_type"] == content_type)
}

fn lf(s: &str) -> String {
    s.replace("\r\n", "\n")
}

// ------------------------------------------------------------------ scheduling helpers

async fn setup(api: &Api) -> (i64, i64, i64) {
    let venue = api
        .create("/venues", &venue_body("BER", "Europe/Berlin"))
        .await["id"]
        .as_i64()
        .unwrap();
    let course = api.create("/courses", &course_body("XL")).await["id"]
        .as_i64()
        .unwrap();
    let instructor = api
        .create("/instructors", &json!({
            "name": "Anna Berg", "email": "anna@example.com", "employment_type": "staff", "home_venue_id": venue,
            "time_zone": "Europe/Berlin", "currency": "EUR", "max_days_week": 5, "max_days_month": 20
        }))
        .await["id"]
        .as_i64()
        .unwrap();
    // Qualified, so that proposing and requesting (which judge as confirming does) go through.
    api.create(
        &format!("/instructors/{instructor}/qualifications"),
        &json!({ "course_id": course }),
    )
    .await;
    (venue, course, instructor)
}

async fn session(api: &Api, course: i64, venue: i64, parts: Value) -> i64 {
    api.create(
        "/sessions",
        &json!({
            "course_id": course, "visibility": "public", "delivery_mode": "ilt", "capacity": 10, "venue_id": venue,
            "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" }, "parts": parts
        }),
    )
    .await["id"]
    .as_i64()
    .unwrap()
}

/// Proposes an instructor and requests them: the request queues an `assignment_request` message.
async fn request(api: &Api, session: i64, instructor: i64) -> i64 {
    let a = api
        .create(
            &format!("/sessions/{session}/assignments"),
            &json!({ "instructor_id": instructor }),
        )
        .await;
    let id = a["id"].as_i64().unwrap();
    let r = api
        .post(
            &format!("/assignments/{id}/actions"),
            &json!({ "event": "request", "version": a["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "request: {}", r.body);
    id
}

async fn log(t: &TestApp, f: OutboxFilter) -> Vec<outbox::Message> {
    let mut conn = t.app.store.read().await.unwrap();
    outbox::list(&mut conn, &f).await.unwrap().items
}

// ------------------------------------------------------------------ tests

async fn a_use_cases_message_is_delivered_over_smtp(t: &TestApp) {
    let dir = scratch_dir("basic");
    let Some(sink) = Sink::start(0, &dir) else {
        return;
    };
    let api = t.api_as(Role::Coordinator, None).await;
    let (venue, course, anna) = setup(&api).await;
    let s = session(
        &api,
        course,
        venue,
        json!([{ "starts": "2027-05-04T09:00", "ends": "2027-05-04T12:00" }]),
    )
    .await;
    let assignment = request(&api, s, anna).await;

    // Queued in the request's transaction, not yet sent.
    let queued = log(
        t,
        OutboxFilter {
            entity_type: "session".into(),
            entity_id: Some(s),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(queued[0].status, "pending");
    assert_eq!(queued[0].entity_type, "assignment");
    assert_eq!(queued[0].entity_id, assignment);

    let m = mailer(sink.port, quick());
    let pass = delivery::deliver_due(&t.app, &m, "w1").await.unwrap();
    assert_eq!((pass.claimed, pass.sent), (1, 1), "{pass:?}");

    let got = sink.messages();
    assert_eq!(got.len(), 1);
    let mail = &got[0];
    assert_eq!(mail["rcpt_tos"], json!(["anna@example.com"]));
    assert_eq!(mail["mail_from"], "noreply@trainyard.local");
    assert_eq!(mail["to"], "anna@example.com");
    assert_eq!(mail["from"], "Trainyard <noreply@trainyard.local>");
    assert_eq!(
        mail["subject"],
        "Can you teach Course XL on 2027-05-04 09:00 CEST?"
    );
    let text = lf(part(mail, "text/plain").unwrap()["text"].as_str().unwrap());
    assert!(text.starts_with("Hello Anna Berg,\n\n"), "{text}");
    assert!(
        text.contains(&format!(
            "Accept or decline in your portal: {}",
            t.app.link(&format!("/portal/assignments/{assignment}"))
        )),
        "{text}"
    );
    let key = format!("assignment-{assignment}-request-v2");
    assert_eq!(
        mail["message_id"],
        delivery::message_id(&key, "trainyard.local"),
        "the Message-ID is derived from the idempotency key"
    );
    assert_eq!(
        mail["headers"]["X-Trainyard-Outbox-Id"],
        queued[0].id.to_string()
    );
    assert_eq!(mail["headers"]["Auto-Submitted"], "auto-generated");

    // Sent is final: another pass sends nothing.
    let again = delivery::deliver_due(&t.app, &m, "w1").await.unwrap();
    assert_eq!(again.claimed, 0);
    assert_eq!(sink.messages().len(), 1);

    // The delivery log, over the API and in the UI, by session and by recipient.
    let r = api
        .get(&format!("/outbox?entity_type=session&entity_id={s}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["total"], 1);
    let item = &r.body["items"][0];
    assert_eq!(item["status"], "sent");
    assert_eq!(item["attempts"], 1);
    assert_eq!(item["recipient"], "anna@example.com");
    assert!(item["sent_at"].is_string(), "{item}");
    assert_eq!(api.get("/outbox?status=pending").await.body["total"], 0);
    assert_eq!(api.get("/outbox?recipient=ANNA@").await.body["total"], 1);
    assert_eq!(
        api.get("/outbox?status=bogus").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let detail = api.get(&format!("/outbox/{}", queued[0].id)).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(
        detail.body["body"]
            .as_str()
            .unwrap()
            .contains("Hello Anna Berg")
    );
    // A failed message can be queued again; a sent one cannot.
    assert_eq!(
        api.post(&format!("/outbox/{}/retry", queued[0].id), &json!({}))
            .await
            .status,
        StatusCode::CONFLICT
    );
    let ui = t.browser_as(Role::Coordinator, None).await;
    let (status, html) = ui
        .get(&format!("/admin/outbox?entity_type=session&entity_id={s}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("anna@example.com") && html.contains("Can you teach"),
        "{html}"
    );
    let (status, html) = ui.get(&format!("/admin/outbox/{}", queued[0].id)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Hello Anna Berg"));
    let (status, csv) = ui.get("/admin/outbox?format=csv").await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.starts_with("Created,Recipient,Subject"), "{csv}");
    // Documented in the OpenAPI document.
    let doc: Value = reqwest::get(t.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for (path, method) in [
        ("/outbox", "get"),
        ("/outbox/{id}", "get"),
        ("/outbox/{id}/retry", "post"),
        ("/message-templates", "get"),
        ("/message-templates/{event}", "put"),
        ("/message-templates/{event}/preview", "post"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} documented"
        );
    }
    // Instructors and learners do not see the log.
    let instructor = t.api_as(Role::Instructor, None).await;
    assert_eq!(
        instructor.get("/outbox").await.status,
        StatusCode::FORBIDDEN
    );
}

/// Runs tests/ical_check.py on `ics`; `None` when Python's icalendar is missing and not required.
fn python_reading(ics: &str) -> Option<Value> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ical_check.py");
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(ics.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(3) && stderr.contains("MISSING-ICALENDAR") {
        assert!(
            !required(),
            "python3 -m pip install 'icalendar==6.1.0' (CI or TRAINYARD_REQUIRE_BROWSER is set)"
        );
        eprintln!("note: Python's icalendar is missing; the invitation is checked in Rust only");
        return None;
    }
    assert!(
        out.status.success(),
        "ical_check.py: {stdout}{stderr}\n{ics}"
    );
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["problems"], json!([]), "{ics}");
    Some(v)
}

async fn invitations_arrive_as_calendars_a_parser_reads(t: &TestApp) {
    let dir = scratch_dir("ics");
    let Some(sink) = Sink::start(0, &dir) else {
        return;
    };
    let api = t.api_as(Role::Coordinator, None).await;
    let (venue, course, _) = setup(&api).await;
    let s = session(
        &api,
        course,
        venue,
        json!([
            { "starts": "2027-03-26T09:00", "ends": "2027-03-26T17:00" },
            { "starts": "2027-03-29T09:00", "ends": "2027-03-29T17:00" }
        ]),
    )
    .await;
    let learner = api
        .create("/learners", &json!({
            "first_name": "Maria", "last_name": "Lopez", "email": "maria@example.com", "time_zone": "Europe/Berlin"
        }))
        .await["id"]
        .as_i64()
        .unwrap();
    let now = now_ms();
    {
        let mut tx = t.app.store.write().await.unwrap();
        let sess = trainyard_store::sessions::get(&mut tx, s).await.unwrap();
        let parts = trainyard_store::sessions::parts(&mut tx, s).await.unwrap();
        for (kind, key) in [
            ("enrollment_confirmed", "ics-confirmed"),
            ("session_cancelled", "ics-cancelled"),
        ] {
            delivery::enqueue_with_invitation(
                &mut tx,
                &NewMessage {
                    kind,
                    recipient: "maria@example.com",
                    subject: &format!("{kind}: Course XL"),
                    body: "Hello Maria,\n\nsee the invitation.\n",
                    entity_type: "session",
                    entity_id: s,
                    idempotency_key: key,
                },
                &sess,
                &parts,
                now,
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
    }
    let m = mailer(sink.port, quick());
    let pass = delivery::deliver_due(&t.app, &m, "w1").await.unwrap();
    assert_eq!(pass.sent, 2, "{pass:?}");
    let got = sink.messages();
    assert_eq!(got.len(), 2);
    let mut conn = t.app.store.read().await.unwrap();
    let parts = trainyard_store::sessions::parts(&mut conn, s)
        .await
        .unwrap();
    drop(conn);
    let uids: HashSet<String> = parts
        .iter()
        .map(|p| format!("part-{}@trainyard", p.id))
        .collect();
    for (kind, method) in [
        ("enrollment_confirmed", "REQUEST"),
        ("session_cancelled", "CANCEL"),
    ] {
        // Sent side by side: arrival order is not fixed.
        let mail = got
            .iter()
            .find(|m| m["subject"].as_str().unwrap().starts_with(kind))
            .unwrap();
        assert_eq!(mail["content_type"], "multipart/mixed");
        assert!(
            lf(part(mail, "text/plain").unwrap()["text"].as_str().unwrap())
                .contains("see the invitation")
        );
        let cal = part(mail, "text/calendar").expect("a text/calendar alternative");
        assert_eq!(cal["params"]["method"], method);
        assert_eq!(
            cal["params"]["charset"].as_str().unwrap().to_lowercase(),
            "utf-8"
        );
        let attachment = part(mail, "application/ics").expect("an invite.ics attachment");
        assert_eq!(attachment["filename"], "invite.ics");
        assert_eq!(attachment["disposition"], "attachment");
        let ics = lf(cal["text"].as_str().unwrap()).replace('\n', "\r\n");
        assert_eq!(lf(&ics), lf(attachment["text"].as_str().unwrap()));
        assert!(ics.contains(&format!("METHOD:{method}\r\n")));
        assert!(
            ics.contains("ORGANIZER;CN=Trainyard:mailto:noreply@trainyard.local\r\n"),
            "{ics}"
        );
        if let Some(r) = python_reading(&ics) {
            assert_eq!(r["calendar"]["method"], method);
            let events = r["events"].as_array().unwrap();
            assert_eq!(events.len(), 2);
            let got_uids: HashSet<String> = events
                .iter()
                .map(|e| e["uid"].as_str().unwrap().to_owned())
                .collect();
            assert_eq!(
                got_uids, uids,
                "stable UIDs, the same for REQUEST and CANCEL"
            );
            // 09:00 Berlin is 08:00 UTC before the DST change (2027-03-28) and 07:00 after it.
            assert_eq!(events[0]["dtstart"], "2027-03-26T08:00:00Z");
            assert_eq!(events[1]["dtstart"], "2027-03-29T07:00:00Z");
            let status = if method == "CANCEL" {
                "CANCELLED"
            } else {
                "CONFIRMED"
            };
            assert!(events.iter().all(|e| e["status"] == status), "{events:?}");
            assert!(events.iter().all(|e| e["sequence"] == parts[0].sequence));
        }
    }

    // The learner's delivery log finds both by address.
    let by_learner = delivery::delivery_log(&t.app, &t.system(), "learner", learner)
        .await
        .unwrap();
    assert_eq!(by_learner.len(), 2);
    assert!(
        by_learner
            .iter()
            .all(|m| m.has_calendar && m.status == "sent")
    );
}

async fn retried_after_the_smtp_server_was_down_arrives_exactly_once(t: &TestApp) {
    let dir = scratch_dir("retry");
    let Some(mut sink) = Sink::start(0, &dir) else {
        return;
    };
    let port = sink.port;
    let api = t.api_as(Role::Coordinator, None).await;
    let (venue, course, anna) = setup(&api).await;
    let s = session(
        &api,
        course,
        venue,
        json!([{ "starts": "2027-06-01T09:00", "ends": "2027-06-01T12:00" }]),
    )
    .await;
    request(&api, s, anna).await;
    let only = || OutboxFilter {
        entity_type: "session".into(),
        entity_id: Some(s),
        ..Default::default()
    };

    // The server is down: the attempt fails and is scheduled with backoff.
    sink.stop();
    let m = mailer(port, quick());
    let before = now_ms();
    let pass = delivery::deliver_due(&t.app, &m, "w1").await.unwrap();
    assert_eq!(
        (pass.claimed, pass.retrying, pass.sent),
        (1, 1, 0),
        "{pass:?}"
    );
    let row = &log(t, only()).await[0];
    assert_eq!(row.status, "pending");
    assert_eq!(row.attempts, 1);
    assert!(row.last_error.as_deref().is_some_and(|e| !e.is_empty()));
    assert!(
        row.next_attempt_at >= before + delivery::backoff_ms(0) - 1_000,
        "next attempt in about 30 s: {} vs {before}",
        row.next_attempt_at
    );
    // Not due yet: nothing is claimed.
    assert_eq!(
        delivery::deliver_due(&t.app, &m, "w1")
            .await
            .unwrap()
            .claimed,
        0
    );

    // The server is back; once the backoff has passed, it is delivered — once.
    let sink = Sink::start(port, &dir).expect("the sink restarts on its port");
    let mut later = now_ms();
    let mut sent = 0;
    for _ in 0..5 {
        later += delivery::backoff_ms(1) + 1_000;
        let r = delivery::deliver_due_at(&t.app, &m, "w1", later)
            .await
            .unwrap();
        sent += r.sent;
        if sent > 0 {
            break;
        }
    }
    assert_eq!(sent, 1);
    for _ in 0..3 {
        later += 2 * 3_600_000;
        let r = delivery::deliver_due_at(&t.app, &m, "w1", later)
            .await
            .unwrap();
        assert_eq!(r.claimed, 0, "a sent message is never claimed again");
    }
    let got = sink.messages();
    assert_eq!(got.len(), 1, "exactly one copy: {got:?}");
    let row = &log(t, only()).await[0];
    assert_eq!(row.status, "sent");
    assert!(row.attempts >= 2);
    assert!(row.sent_at.is_some());

    // A message the server keeps refusing is failed for good after the last attempt.
    {
        let mut tx = t.app.store.write().await.unwrap();
        outbox::enqueue(
            &mut tx,
            &NewMessage {
                kind: "test",
                recipient: "nobody@example.com",
                subject: "Never arrives",
                body: "x",
                entity_type: "session",
                entity_id: s,
                idempotency_key: "doomed",
            },
            now_ms(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    drop(sink);
    for _ in 0..delivery::MAX_ATTEMPTS {
        later += 2 * 3_600_000;
        delivery::deliver_due_at(&t.app, &m, "w1", later)
            .await
            .unwrap();
    }
    let doomed = log(
        t,
        OutboxFilter {
            status: "failed".into(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(doomed.len(), 1);
    assert_eq!(doomed[0].attempts, delivery::MAX_ATTEMPTS);
    // Staff may queue it again.
    let r = api
        .post(&format!("/outbox/{}/retry", doomed[0].id), &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "pending");
    assert_eq!(r.body["attempts"], 0);
}

async fn concurrent_workers_and_a_crashed_claim_deliver_exactly_once(t: &TestApp) {
    let dir = scratch_dir("concurrent");
    let Some(sink) = Sink::start(0, &dir) else {
        return;
    };
    const N: usize = 60;
    {
        let mut tx = t.app.store.write().await.unwrap();
        for i in 0..N {
            outbox::enqueue(
                &mut tx,
                &NewMessage {
                    kind: "test",
                    recipient: &format!("learner{i}@example.com"),
                    subject: &format!("Message {i}"),
                    body: "Hello\n",
                    entity_type: "test",
                    entity_id: i as i64,
                    idempotency_key: &format!("concurrent-{i}"),
                },
                now_ms(),
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
    }
    // Small batches, so that the workers interleave.
    let options = WorkerOptions {
        batch: 7,
        concurrency: 3,
        ..quick()
    };
    let m = mailer(sink.port, options);
    let mut workers = Vec::new();
    for w in 0..4 {
        let (app, m) = (t.app.clone(), m.clone());
        workers.push(tokio::spawn(async move {
            let id = format!("worker-{w}");
            let mut sent = 0;
            loop {
                let r = delivery::deliver_due(&app, &m, &id).await.unwrap();
                sent += r.sent;
                assert_eq!(r.retrying + r.failed, 0, "{r:?}");
                if r.claimed == 0 {
                    return sent;
                }
            }
        }));
    }
    let mut sent = 0;
    for w in workers {
        sent += w.await.unwrap();
    }
    assert_eq!(sent, N);
    let got = sink.messages();
    let ids: HashSet<&str> = got
        .iter()
        .map(|m| m["message_id"].as_str().unwrap())
        .collect();
    assert_eq!(got.len(), N, "every message once");
    assert_eq!(ids.len(), N, "no duplicates");
    let sent_rows = log(
        t,
        OutboxFilter {
            status: "sent".into(),
            per_page: 200,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(sent_rows.len(), N);
    assert!(sent_rows.iter().all(|r| r.attempts == 1));

    // A worker claims a message and dies before sending it: nobody else sends it while the claim
    // holds; after the lease it is delivered, once.
    {
        let mut tx = t.app.store.write().await.unwrap();
        outbox::enqueue(
            &mut tx,
            &NewMessage {
                kind: "test",
                recipient: "late@example.com",
                subject: "Claimed by a worker that crashed",
                body: "Hello\n",
                entity_type: "test",
                entity_id: 1000,
                idempotency_key: "crashed",
            },
            now_ms(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let now = now_ms();
    let claimed = outbox::claim_due(&t.app.store, "crashed-worker", now, now + 60_000, 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let r = delivery::deliver_due(&t.app, &m, "survivor").await.unwrap();
    assert_eq!(r.claimed, 0, "the claim holds");
    let r = delivery::deliver_due_at(&t.app, &m, "survivor", now + 61_000)
        .await
        .unwrap();
    assert_eq!((r.claimed, r.sent), (1, 1));
    tokio::time::sleep(Duration::from_millis(50)).await;
    let got = sink.messages();
    assert_eq!(got.len(), N + 1);
    assert_eq!(
        got.iter().filter(|m| m["to"] == "late@example.com").count(),
        1
    );
}

/// A worker claims messages and dies (claims, never completes). Until its lease ends — up to the
/// last millisecond — no other worker can claim them; after it, two workers racing deliver each
/// exactly once, with the Message-ID of its key; the dead worker's late outcome changes nothing.
async fn a_dead_workers_claim_holds_to_the_end_of_its_lease_then_delivers_once(t: &TestApp) {
    let dir = scratch_dir("lease");
    let Some(sink) = Sink::start(0, &dir) else {
        return;
    };
    {
        let mut tx = t.app.store.write().await.unwrap();
        for i in 0..3 {
            outbox::enqueue(
                &mut tx,
                &NewMessage {
                    kind: "test",
                    recipient: &format!("held{i}@example.com"),
                    subject: "Held by a dead worker",
                    body: "Hello\n",
                    entity_type: "test",
                    entity_id: i,
                    idempotency_key: &format!("lease-{i}"),
                },
                now_ms(),
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
    }
    let m = mailer(sink.port, quick());
    let lease = m.options().lease_ms;
    assert!(
        lease > m.options().send_timeout_ms * 2,
        "the lease is longer than an SMTP send may take"
    );
    let now = now_ms();
    let held = outbox::claim_due(&t.app.store, "dead-worker", now, now + lease, 10)
        .await
        .unwrap();
    assert_eq!(held.len(), 3);

    for at in [now, now + lease / 2, now + lease - 1, now + lease] {
        let r = delivery::deliver_due_at(&t.app, &m, "survivor", at)
            .await
            .unwrap();
        assert_eq!(r.claimed, 0, "the claim holds at +{} ms", at - now);
    }
    assert!(sink.messages().is_empty());

    // The lease is over: two workers race for the messages; each goes out once.
    let after = now + lease + 1;
    let (a, b) = tokio::join!(
        delivery::deliver_due_at(&t.app, &m, "survivor-a", after),
        delivery::deliver_due_at(&t.app, &m, "survivor-b", after),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.sent + b.sent, 3, "{a:?} {b:?}");
    assert_eq!(a.claimed + b.claimed, 3, "disjoint claims: {a:?} {b:?}");

    // The dead worker comes back late: its failure report and release find no claim of its own.
    let mut conn = t.app.store.read().await.unwrap();
    for d in &held {
        assert!(
            !outbox::mark_failed(&mut conn, d.id, "dead-worker", "late", Some(after))
                .await
                .unwrap()
        );
        outbox::release(&mut conn, d.id, "dead-worker")
            .await
            .unwrap();
    }
    drop(conn);
    let r = delivery::deliver_due_at(&t.app, &m, "survivor", after + 10 * lease)
        .await
        .unwrap();
    assert_eq!(r.claimed, 0, "sent is final");

    tokio::time::sleep(Duration::from_millis(50)).await;
    let got = sink.messages();
    assert_eq!(got.len(), 3, "each message once");
    for i in 0..3 {
        let mail = got
            .iter()
            .find(|g| g["to"] == format!("held{i}@example.com"))
            .unwrap();
        assert_eq!(
            mail["message_id"],
            delivery::message_id(&format!("lease-{i}"), "trainyard.local")
        );
    }
    let sent = log(
        t,
        OutboxFilter {
            status: "sent".into(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(sent.len(), 3);
    assert!(sent.iter().all(|r| r.attempts == 1));
}

async fn templates_are_edited_with_a_preview_and_audited(t: &TestApp) {
    let admin = t.browser_as(Role::Admin, None).await;
    let (status, html) = admin.get("/admin/messages").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Enrollment confirmation") && html.contains("Built-in"),
        "{html}"
    );
    let (status, html) = admin.get("/admin/messages/enrollment_confirmed").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Booked: Excel Advanced on 2027-05-04 09:00 CEST"),
        "preview with samples: {html}"
    );
    assert!(html.contains("{{ learner_name }}"), "placeholders listed");
    let csrf = admin.csrf().await;
    let path = "/admin/messages/enrollment_confirmed";

    // Preview: rendered, not saved.
    let (status, html) = admin
        .post_form(
            path,
            &[
                ("_csrf", &csrf),
                ("version", "0"),
                ("subject", "Hi {{ learner_name | upper }}"),
                (
                    "body",
                    "Dear {{ learner_name }},\r\n{% if place %}at {{ place }}{% endif %}\r\n",
                ),
                ("preview", "1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Hi MARIA LOPEZ"), "{html}");
    assert!(html.contains("at Berlin Training Centre, Room 2"));
    let api = t.api_as(Role::Admin, None).await;
    let current = api.get("/message-templates/enrollment_confirmed").await;
    assert_eq!(current.body["customized"], false);

    // The same preview as htmx asks for it.
    let r = admin
        .http
        .post(format!("{}{path}", admin.base))
        .header("origin", &admin.base)
        .header("hx-request", "true")
        .form(&[
            ("_csrf", csrf.as_str()),
            ("version", "0"),
            ("subject", "x"),
            ("body", "{% if %}"),
            ("preview", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "htmx swaps only 2xx");
    assert!(r.text().await.unwrap().contains("cannot be used yet"));

    // Broken syntax: 422, the reason next to the field, nothing saved.
    let (status, html) = admin
        .post_form(
            path,
            &[
                ("_csrf", &csrf),
                ("version", "0"),
                ("subject", "Booked"),
                ("body", "Hello {{ learner_name }\n"),
                ("intent", "save"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"e-body\""), "{html}");
    assert!(html.contains("syntax error"), "{html}");
    assert!(
        html.contains("Hello {{ learner_name }"),
        "the draft is kept"
    );
    assert_eq!(
        api.get("/message-templates/enrollment_confirmed")
            .await
            .body["customized"],
        false
    );

    // Saved: used by compose, audited.
    let (status, html) = admin
        .post_form(
            path,
            &[
                ("_csrf", &csrf),
                ("version", "0"),
                ("subject", "You're in: {{ course_title }}"),
                ("body", "Hi {{ learner_name }}!\r\n"),
                ("intent", "save"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Saved"), "{html}");
    let saved = api
        .get("/message-templates/enrollment_confirmed")
        .await
        .body;
    assert_eq!(saved["customized"], true);
    assert_eq!(saved["version"], 1);
    assert_eq!(saved["body"], "Hi {{ learner_name }}!\n");
    let mut conn = t.app.store.read().await.unwrap();
    let (subject, body) = trainyard_app::messages::compose(
        &mut conn,
        "enrollment_confirmed",
        &json!({ "course_title": "Excel", "learner_name": "Ada" }),
    )
    .await
    .unwrap();
    assert_eq!(
        (subject.as_str(), body.as_str()),
        ("You're in: Excel", "Hi Ada!\n")
    );
    let history = trainyard_store::audit::history(&mut conn, "message_template", 0)
        .await
        .unwrap();
    drop(conn);
    let event = history
        .iter()
        .find(|e| e.action == "message_template.updated")
        .expect("the save is audited");
    assert_eq!(event.before.as_ref().unwrap()["customized"], false);
    assert_eq!(
        event.after.as_ref().unwrap()["subject"],
        "You're in: {{ course_title }}"
    );

    // The API: stale versions and broken templates are refused.
    let r = api
        .put(
            "/message-templates/enrollment_confirmed",
            &json!({ "subject": "a", "body": "b", "version": 0 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = api
        .put(
            "/message-templates/enrollment_confirmed",
            &json!({ "subject": "{{ broken", "body": "b", "version": 1 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "subject");
    let r = api
        .post(
            "/message-templates/session_changed/preview",
            &json!({ "subject": "{{ reference }} moved", "body": "{{ starts }}" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["subject"], "S-2027-0042 moved");
    assert_eq!(
        api.get("/message-templates/nope").await.status,
        StatusCode::NOT_FOUND
    );

    // Reset to the built-in wording.
    let (status, _) = admin
        .post_form(
            path,
            &[("_csrf", &csrf), ("version", "1"), ("intent", "reset")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        api.get("/message-templates/enrollment_confirmed")
            .await
            .body["customized"],
        false
    );

    // Managers may edit; coordinators may not.
    let manager = t.browser_as(Role::Manager, None).await;
    assert_eq!(manager.get("/admin/messages").await.0, StatusCode::OK);
    let coordinator = t.browser_as(Role::Coordinator, None).await;
    assert_eq!(
        coordinator.get("/admin/messages").await.0,
        StatusCode::FORBIDDEN
    );
    let coordinator_api = t.api_as(Role::Coordinator, None).await;
    assert_eq!(
        coordinator_api.get("/message-templates").await.status,
        StatusCode::FORBIDDEN
    );
}

// ------------------------------------------------------------------ e-mails worth reading

/// Runs an assignment action as the coordinator; the assignment's new version.
async fn act(api: &Api, assignment: i64, event: &str, version: i64) -> i64 {
    let r = api
        .post(
            &format!("/assignments/{assignment}/actions"),
            &json!({ "event": event, "version": version }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{event}: {}", r.body);
    r.body["version"].as_i64().unwrap()
}

/// Issue 13 §5: an administrator sets company, sender and reply-to; every message then goes out
/// from them as text and HTML (one template, a branded layout); session messages name the days
/// one by one in the recipient's zone, the venue and its address, and link to the recipient's
/// page absolutely; the instructor's confirmation says when and where; a change says
/// before → after.
async fn messages_are_text_and_html_from_the_configured_sender_with_days_place_links_and_changes(
    t: &TestApp,
) {
    let dir = scratch_dir("html");
    let Some(sink) = Sink::start(0, &dir) else {
        return;
    };
    // Settings: admins only, addresses checked, audited.
    let admin = t.api_as(Role::Admin, None).await;
    let manager = t.api_as(Role::Manager, None).await;
    assert_eq!(
        manager.get("/settings/messages").await.status,
        StatusCode::FORBIDDEN
    );
    let fresh = admin.get("/settings/messages").await;
    assert_eq!(fresh.status, StatusCode::OK, "{}", fresh.body);
    assert_eq!(fresh.body["version"], 0);
    assert_eq!(fresh.body["sender_email"], "");
    let bad = admin
        .put(
            "/settings/messages",
            &json!({ "company_name": "Acme", "sender_email": "not an address", "version": 0 }),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(bad.body["errors"][0]["field"], "sender_email");
    let saved = admin
        .put(
            "/settings/messages",
            &json!({
                "company_name": "Acme Training", "sender_email": "training@acme.example",
                "reply_to": "team@acme.example", "version": 0
            }),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(saved.body["version"], 1);
    let stale = admin
        .put(
            "/settings/messages",
            &json!({ "company_name": "Other", "version": 0 }),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    // The settings page, for admins.
    let ui = t.browser_as(Role::Admin, None).await;
    let (status, html) = ui.get("/admin/message-settings").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Acme Training") && html.contains("team@acme.example"),
        "{html}"
    );
    // A refusal stays on the form, with what was typed; a good save goes through.
    let csrf = ui.csrf().await;
    let (status, html) = ui
        .post_form(
            "/admin/message-settings",
            &[
                ("_csrf", &csrf),
                ("company_name", "Acme Training"),
                ("sender_email", "training@acme.example"),
                ("reply_to", "team at acme"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        html.contains("team at acme") && html.contains("not an e-mail address"),
        "{html}"
    );
    let (status, html) = ui
        .post_form(
            "/admin/message-settings",
            &[
                ("_csrf", &csrf),
                ("company_name", "Acme Training"),
                ("sender_email", "training@acme.example"),
                ("reply_to", "team@acme.example"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Saved"), "{html}");
    assert_eq!(admin.get("/settings/messages").await.body["version"], 2);
    let (status, _) = t
        .browser_as(Role::Manager, None)
        .await
        .get("/admin/message-settings")
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A two-day classroom session, an instructor confirmed, a learner booked.
    let api = t.api_as(Role::Coordinator, None).await;
    let (venue, course, anna) = setup(&api).await;
    let s = session(
        &api,
        course,
        venue,
        json!([
            { "starts": "2027-12-27T09:30", "ends": "2027-12-27T17:00" },
            { "starts": "2027-12-28T09:30", "ends": "2027-12-28T17:00" }
        ]),
    )
    .await;
    let r = api
        .post(
            &format!("/sessions/{s}/transition"),
            &json!({ "event": "schedule", "version": 1 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let a = api
        .create(
            &format!("/sessions/{s}/assignments"),
            &json!({ "instructor_id": anna }),
        )
        .await;
    let assignment = a["id"].as_i64().unwrap();
    let v = act(&api, assignment, "request", a["version"].as_i64().unwrap()).await;
    let v = act(&api, assignment, "accept", v).await;
    // Qualifications are not the point here: a manager overrides.
    let r = manager
        .post(
            &format!("/assignments/{assignment}/actions"),
            &json!({ "event": "confirm", "version": v, "override_reason": "test" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "confirm: {}", r.body);
    let learner = api
        .create("/learners", &json!({
            "first_name": "Maria", "last_name": "Lopez", "email": "maria@example.com", "time_zone": "Europe/Berlin"
        }))
        .await["id"]
        .as_i64()
        .unwrap();
    let enrollment = api
        .create(
            &format!("/sessions/{s}/enrollments"),
            &json!({ "learner_id": learner }),
        )
        .await["id"]
        .as_i64()
        .unwrap();

    // Moved: day two to Wednesday, and to another venue.
    let potsdam = api
        .create("/venues", &json!({
            "code": "POT", "name": "Potsdam Campus", "address": "Am Kanal 5", "city": "Potsdam", "country": "DE", "time_zone": "Europe/Berlin"
        }))
        .await["id"]
        .as_i64()
        .unwrap();
    let d = api.get(&format!("/sessions/{s}")).await.body;
    let r = api
        .put(
            &format!("/sessions/{s}"),
            &json!({
                "course_id": course, "visibility": "public", "delivery_mode": "ilt", "capacity": 10, "venue_id": potsdam,
                "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" }, "version": d["version"],
                "parts": [
                    { "starts": "2027-12-27T09:30", "ends": "2027-12-27T17:00" },
                    { "starts": "2027-12-29T09:30", "ends": "2027-12-29T17:00" }
                ]
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let m = mailer(sink.port, quick());
    let pass = delivery::deliver_due(&t.app, &m, "w1").await.unwrap();
    assert_eq!(pass.failed + pass.retrying, 0, "{pass:?}");
    let got = sink.messages();
    let of = |kind: &str, to: &str| -> Value {
        got.iter()
            .find(|m| m["headers"]["X-Trainyard-Kind"] == kind && m["to"] == to)
            .unwrap_or_else(|| panic!("no {kind} to {to} in {got:#?}"))
            .clone()
    };
    let text = |m: &Value| lf(part(m, "text/plain").unwrap()["text"].as_str().unwrap());
    let html = |m: &Value| {
        part(m, "text/html").expect("an HTML alternative")["text"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let two_days = "Mon 27 Dec 09:30–17:00, Tue 28 Dec 09:30–17:00 CET";

    // Every message: from the configured sender, answers to the reply-to, text and HTML.
    for mail in &got {
        assert_eq!(
            mail["from"], "Acme Training <training@acme.example>",
            "{mail}"
        );
        assert_eq!(
            mail["headers"]["Reply-To"],
            "Acme Training <team@acme.example>"
        );
        assert_eq!(
            mail["mail_from"], "noreply@trainyard.local",
            "bounces still go to the SMTP sender"
        );
        assert!(part(mail, "text/plain").is_some() && part(mail, "text/html").is_some());
        let h = html(mail);
        assert!(
            h.contains(">Acme Training</td>"),
            "the company heads the layout"
        );
        assert!(
            !h.contains("<img") && !h.contains("<link"),
            "no remote content"
        );
    }

    // The instructor's confirmation: the days in their zone, the venue and its address.
    let confirm = of("assignment_confirm", "anna@example.com");
    let body = text(&confirm);
    assert!(body.contains(&format!("When: {two_days}\n")), "{body}");
    assert!(
        body.contains("Where: Venue BER\nStreet 1, Berlin, DE\n"),
        "{body}"
    );
    assert!(
        body.contains(&t.app.link(&format!("/portal/assignments/{assignment}"))),
        "{body}"
    );

    // The learner's booking: days, place, a link to their page; the HTML says the same.
    let booked = of("enrollment_confirmed", "maria@example.com");
    let body = text(&booked);
    let page = t.app.link(&format!("/portal/enrollments/{enrollment}"));
    assert!(
        body.contains(&format!(
            " (S-00001).\nWhen: {two_days}\nWhere: Venue BER\n"
        )),
        "{body}"
    );
    assert!(body.contains("Street 1, Berlin, DE"), "{body}");
    assert!(body.contains(&format!("Details: {page}")), "{body}");
    assert!(
        body.ends_with("Your training team at Acme Training\n") || body.contains("See you there!"),
        "{body}"
    );
    let h = html(&booked);
    assert!(h.contains(&format!("href=\"{page}\"")), "{h}");
    assert!(
        h.contains("Street 1, Berlin, DE") && h.contains("Mon 27 Dec 09:30–17:00"),
        "{h}"
    );
    assert!(
        h.contains("team@acme.example"),
        "the footer invites a reply: {h}"
    );
    // The invitation's organizer is the configured sender too.
    let cal = part(&booked, "text/calendar").expect("an invitation");
    assert!(
        lf(cal["text"].as_str().unwrap())
            .contains("ORGANIZER;CN=Acme Training:mailto:training@acme.example"),
        "{cal}"
    );

    // The change: what changed, before → after, to the learner and the instructor.
    for to in ["maria@example.com", "anna@example.com"] {
        let changed = of("session_changed", to);
        let body = text(&changed);
        assert!(
            body.contains(&format!(
                "When: {two_days} → Mon 27 Dec 09:30–17:00, Wed 29 Dec 09:30–17:00 CET\n"
            )),
            "{body}"
        );
        assert!(
            body.contains("Where: Venue BER → Potsdam Campus\n"),
            "{body}"
        );
        assert!(body.contains("Am Kanal 5, Potsdam, DE"), "{body}");
        assert!(body.contains("Details: http"), "{body}");
        assert!(
            body.ends_with("Your training team at Acme Training\n"),
            "{body}"
        );
        let h = html(&changed);
        assert!(
            h.contains("line-through;\">Venue BER</span>") && h.contains("Potsdam Campus</strong>"),
            "before struck through, after in bold: {h}"
        );
        if let Some(out) = std::env::var_os("TRAINYARD_MAIL_HTML_DIR") {
            std::fs::write(
                Path::new(&out).join(format!("session_changed-{to}.html")),
                html(&changed),
            )
            .unwrap();
            std::fs::write(
                Path::new(&out).join("enrollment_confirmed.html"),
                html(&booked),
            )
            .unwrap();
        }
    }
}

async fn an_issued_invoice_is_mailed_to_the_client_with_its_pdf(t: &TestApp) {
    let dir = scratch_dir("invoice");
    let Some(sink) = Sink::start(0, &dir) else {
        return;
    };
    let ops = t.api_as(Role::Coordinator, None).await;
    let finance = t.api_as(Role::Finance, None).await;
    let client = ops
        .create(
            "/clients",
            &json!({ "code": "MAIL", "name": "Mailed GmbH", "billing_email": "ap@mailed.example.com",
                     "billing_address": "Hauptstr. 1\n10115 Berlin", "currency": "EUR", "time_zone": "Europe/Berlin" }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let d = finance
        .create(
            "/invoices",
            &json!({ "client_id": client, "lines": [{ "description": "Coaching day", "quantity": "2", "unit_price": "600", "tax_rate": "19" }] }),
        )
        .await;
    // A draft sends nothing; issuing queues the mail in the same transaction.
    assert!(
        common::mails_to(t, "ap@mailed.example.com")
            .await
            .is_empty()
    );
    let r = finance
        .post(
            &format!("/invoices/{}/issue", d["id"]),
            &json!({ "version": d["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let number = r.body["number"].as_str().unwrap().to_owned();
    let queued = common::mails_to(t, "ap@mailed.example.com").await;
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].kind, "invoice_issued");
    assert_eq!(
        queued[0].subject,
        format!("Invoice {number} from Trainyard")
    );
    assert!(queued[0].body.contains("1428.00 EUR"), "{}", queued[0].body);

    let m = mailer(sink.port, quick());
    let pass = delivery::deliver_due(&t.app, &m, "w1").await.unwrap();
    assert_eq!(pass.sent, 1, "{pass:?}");
    let got = sink.messages();
    assert_eq!(got.len(), 1);
    let mail = &got[0];
    assert_eq!(mail["rcpt_tos"], json!(["ap@mailed.example.com"]));
    let pdf = part(mail, "application/pdf").expect("the PDF travels with the mail");
    assert_eq!(pdf["filename"], format!("{number}.pdf"));
    let bytes = std::fs::read(pdf["saved"].as_str().unwrap()).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    if let Some(text) = pdf_text(&bytes) {
        assert!(
            text.contains(&number) && text.contains("Mailed GmbH") && text.contains("1,428.00"),
            "{text}"
        );
    }
    assert!(
        lf(part(mail, "text/plain").unwrap()["text"].as_str().unwrap())
            .contains(&format!("quote {number}"))
    );
}
