//! Scaling out the way Trainyard is deployed: two separate `trainyard serve` processes on one
//! PostgreSQL database, each also running the outbox worker and the audit sealer, delivering to a
//! real SMTP server on loopback (Python's aiosmtpd, crates/web/tests/smtp_sink.py).
//!
//! 200 concurrent enrollments into a 20-seat session, split between the two processes, give 20
//! booked and 180 waitlisted in arrival order; 5 concurrent cancellations promote exactly 5; every
//! message queued is delivered exactly once although both workers claim from the same outbox; the
//! audit trail both processes wrote verifies.
//!
//! Needs TRAINYARD_TEST_PG_URL and `python3 -m pip install aiosmtpd`. Without them the test prints
//! a note and passes without running, unless `CI` or `TRAINYARD_REQUIRE_BROWSER` is set, when it
//! fails.

#![allow(clippy::unwrap_used)]

use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use trainyard_store::testing::{Kind, TestDatabase, postgres_url};

const BIN: &str = env!("CARGO_BIN_EXE_trainyard");

/// The installation's audit key, shared by every process (as TRAINYARD_AUDIT_KEY would be in
/// production), so that no key file is created in the working directory.
const AUDIT_KEY: &str = "5c0ffee5c0ffee5c0ffee5c0ffee5c0ffee5c0ffee5c0ffee5c0ffee5c0ffee5";

fn required() -> bool {
    std::env::var_os("TRAINYARD_REQUIRE_BROWSER").is_some() || std::env::var_os("CI").is_some()
}

/// A child process killed when the test ends, pass or fail.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The SMTP sink on a free port; `None` when aiosmtpd is missing and not required.
fn start_sink(dir: &Path) -> Option<(Running, u16)> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../web/tests/smtp_sink.py");
    let mut child = Command::new("python3")
        .arg(script)
        .arg("0")
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    if let Some(port) = line.trim().strip_prefix("READY ") {
        return Some((Running(child), port.parse().unwrap()));
    }
    let out = child.wait_with_output().unwrap();
    let why = format!(
        "smtp_sink.py did not start: {line}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    if required() {
        panic!("{why}");
    }
    eprintln!("note: {why}; the scale-out test is not run");
    None
}

/// Runs a `trainyard` command to completion and returns its standard output.
fn trainyard(db: &str, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(["--database", db])
        .args(args)
        .env("TRAINYARD_LOG", "warn")
        .env("TRAINYARD_AUDIT_KEY", AUDIT_KEY)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "trainyard {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `trainyard serve` as its own process, with its worker delivering to the sink.
async fn serve(db: &str, smtp_port: u16) -> (Running, String) {
    let port = free_port();
    let child = Command::new(BIN)
        .args(["--database", db, "serve", "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["--smtp-port", &smtp_port.to_string()])
        .env("TRAINYARD_LOG", "error")
        .env("TRAINYARD_AUDIT_KEY", AUDIT_KEY)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let running = Running(child);
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = reqwest::get(format!("{base}/healthz")).await
            && r.status().is_success()
        {
            break;
        }
        assert!(Instant::now() < deadline, "trainyard serve did not come up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (running, format!("{base}/api/v1"))
}

struct Api {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl Api {
    async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn create(&self, path: &str, body: &Value) -> Value {
        let (status, body) = self.post(path, body).await;
        assert_eq!(status, StatusCode::CREATED, "POST {path}: {body}");
        body
    }

    async fn get(&self, path: &str) -> Value {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "GET {path}: {}", r.status());
        r.json().await.unwrap()
    }
}

fn counts(list: &Value) -> (usize, usize) {
    let items = list.as_array().unwrap();
    let n = |s: &str| items.iter().filter(|e| e["status"] == s).count();
    (n("booked"), n("waitlisted"))
}

/// Every message the sink received, as read back by Python's `email` package.
fn received(dir: &Path) -> Vec<Value> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_serve_processes_on_one_postgres_enroll_promote_and_deliver_exactly_once() {
    // The tree's reqwest has rustls without a provider of its own: Trainyard's (ring).
    trainyard_app::http::use_ring();
    if postgres_url().is_none() {
        assert!(
            !required(),
            "TRAINYARD_TEST_PG_URL must be set for the scale-out test"
        );
        eprintln!("note: TRAINYARD_TEST_PG_URL is not set; the scale-out test is not run");
        return;
    }
    let scratch: PathBuf =
        std::env::temp_dir().join(format!("trainyard-scale-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let Some((_sink, smtp_port)) = start_sink(&scratch) else {
        return;
    };
    let db = TestDatabase::create(Kind::Postgres).await.unwrap();
    let url = db.url.clone();

    trainyard(&url, &["migrate"]);
    trainyard(
        &url,
        &[
            "user",
            "create",
            "--email",
            "ops@example.com",
            "--name",
            "Ops",
            "--role",
            "coordinator",
            "--password",
            "correct horse battery",
        ],
    );
    let token = trainyard(&url, &["token", "create", "--email", "ops@example.com"])
        .trim()
        .to_owned();

    let (_first, first_base) = serve(&url, smtp_port).await;
    let (_second, second_base) = serve(&url, smtp_port).await;
    let api = |base: &str| {
        Arc::new(Api {
            base: base.to_owned(),
            token: token.clone(),
            http: reqwest::Client::new(),
        })
    };
    let (a, b) = (api(&first_base), api(&second_base));

    let venue = a
        .create("/venues", &json!({ "code": "BER", "name": "Berlin", "address": "Street 1", "city": "Berlin", "country": "DE", "time_zone": "Europe/Berlin" }))
        .await["id"]
        .clone();
    let course = a
        .create(
            "/courses",
            &json!({
                "code": "SCALE", "title": "Scaling out", "duration_days": 1, "hours_per_day": 7,
                "delivery_modes": ["ilt"], "min_learners": 3, "max_learners": 20,
                "list_price": { "amount": "490.00", "currency": "EUR" }, "material_cost": { "amount": "0", "currency": "EUR" }, "required_features": []
            }),
        )
        .await["id"]
        .clone();
    let s = a
        .create("/sessions", &json!({
            "course_id": course, "visibility": "public", "delivery_mode": "ilt", "venue_id": venue,
            "capacity": 20, "time_zone": "Europe/Berlin", "seat_price": { "amount": "490", "currency": "EUR" },
            "parts": [{ "starts": "2027-05-10T09:00", "ends": "2027-05-10T17:00" }]
        }))
        .await;
    let session = s["id"].as_i64().unwrap();
    let (status, _) = a
        .post(
            &format!("/sessions/{session}/transition"),
            &json!({ "event": "schedule", "version": s["version"] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut learners = Vec::new();
    for i in 0..200 {
        let l = a
            .create("/learners", &json!({ "first_name": format!("L{i}"), "last_name": "Crowd", "email": format!("l{i}.crowd@example.com"), "time_zone": "Europe/Berlin" }))
            .await;
        learners.push(l["id"].as_i64().unwrap());
    }

    // 200 enrollments at once, alternating between the two processes.
    let tasks: Vec<_> = learners
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let client = if i % 2 == 0 { a.clone() } else { b.clone() };
            let l = *l;
            tokio::spawn(async move {
                client
                    .post(
                        &format!("/sessions/{session}/enrollments"),
                        &json!({ "learner_id": l }),
                    )
                    .await
            })
        })
        .collect();
    let mut created = Vec::new();
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{body}");
        created.push(body);
    }
    let list = a.get(&format!("/sessions/{session}/enrollments")).await;
    assert_eq!(counts(&list), (20, 180));
    // Arrival order: waitlist positions 1..=180 in the order the enrollments were written.
    let mut waiting: Vec<(i64, i64)> = created
        .iter()
        .filter(|e| e["status"] == "waitlisted")
        .map(|e| {
            (
                e["id"].as_i64().unwrap(),
                e["waitlist_position"].as_i64().unwrap(),
            )
        })
        .collect();
    waiting.sort();
    assert_eq!(
        waiting.iter().map(|(_, p)| *p).collect::<Vec<_>>(),
        (1..=180).collect::<Vec<_>>()
    );
    let last_booked = created
        .iter()
        .filter(|e| e["status"] == "booked")
        .map(|e| e["id"].as_i64().unwrap())
        .max()
        .unwrap();
    assert!(
        last_booked < waiting[0].0,
        "every seat went to an earlier arrival"
    );

    // Five cancellations at once, split between the processes, promote exactly the first five.
    let tasks: Vec<_> = created
        .iter()
        .filter(|e| e["status"] == "booked")
        .take(5)
        .enumerate()
        .map(|(i, e)| {
            let client = if i % 2 == 0 { a.clone() } else { b.clone() };
            let (id, v) = (e["id"].as_i64().unwrap(), e["version"].clone());
            tokio::spawn(async move {
                client
                    .post(
                        &format!("/enrollments/{id}/cancel"),
                        &json!({ "version": v }),
                    )
                    .await
            })
        })
        .collect();
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let list = a.get(&format!("/sessions/{session}/enrollments")).await;
    assert_eq!(counts(&list), (20, 175));
    let promoted: HashSet<String> = created
        .iter()
        .filter(|e| e["waitlist_position"].as_i64().is_some_and(|p| p <= 5))
        .map(|e| {
            let i = learners
                .iter()
                .position(|l| *l == e["learner_id"].as_i64().unwrap())
                .unwrap();
            format!("l{i}.crowd@example.com")
        })
        .collect();
    assert_eq!(promoted.len(), 5);

    // Both workers drain the one outbox; wait until every message has been sent.
    let store = trainyard_store::Store::connect(&url).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let queued = loop {
        let mut conn = store.read().await.unwrap();
        let (pending, sent, failed) = trainyard_store::outbox::counts(&mut conn).await.unwrap();
        assert_eq!(failed, 0, "no message failed");
        if pending == 0 && sent > 0 {
            break sent;
        }
        assert!(
            Instant::now() < deadline,
            "outbox not drained: {pending} pending"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // 200 confirmations or waitlist notices, then for the cancellations and promotions more.
    assert!(queued >= 210, "{queued} messages queued");
    let mut got = received(&scratch);
    let deadline = Instant::now() + Duration::from_secs(10);
    while (got.len() as i64) < queued && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        got = received(&scratch);
    }
    assert_eq!(got.len() as i64, queued, "each queued message arrives once");
    let mut ids = HashSet::new();
    for m in &got {
        assert!(
            ids.insert(m["message_id"].as_str().unwrap().to_owned()),
            "sent twice: {}",
            m["message_id"]
        );
    }
    let mut promotions: HashMap<String, usize> = HashMap::new();
    for m in &got {
        if m["subject"].as_str().unwrap().starts_with("A seat for you") {
            *promotions
                .entry(m["rcpt_tos"][0].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
    }
    assert_eq!(promotions.len(), 5, "{promotions:?}");
    for (to, n) in &promotions {
        assert!(promoted.contains(to), "{to} was not first in line");
        assert_eq!(*n, 1, "{to} told once");
    }

    // Both processes wrote to one audit trail; it seals and verifies.
    let verified = trainyard(&url, &["audit-verify"]);
    assert!(verified.contains("intact"), "{verified}");
    store.close().await;
    let _ = std::fs::remove_dir_all(&scratch);
}
