//! The test application: the real router on a real listener (port 0) over a fresh database.
//! `both_backends!` writes each test twice, for SQLite and for PostgreSQL.

#![allow(dead_code, clippy::unwrap_used)]

pub mod browser;
pub mod promises;
pub mod routes;

use reqwest::StatusCode;
use serde_json::Value;
use std::net::SocketAddr;
use trainyard_app::accounts::{self, NewAccount};
use trainyard_app::{App, Caller, Settings};
use trainyard_core::Role;
use trainyard_store::Store;
use trainyard_store::testing::{Kind, TestDatabase};

pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub addr: SocketAddr,
    pub app: App,
    pub kind: Kind,
    db: Option<TestDatabase>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

/// Writes `name_sqlite` and `name_postgres` tests around `async fn name(app: TestApp)`.
/// The PostgreSQL one runs when `TRAINYARD_TEST_PG_URL` is set and fails if it cannot connect.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::common::TestApp::spawn(trainyard_store::testing::Kind::Sqlite).await;
                    super::$name(&app).await;
                    app.stop().await;
                }
            )*
        }
        mod on_postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if trainyard_store::testing::postgres_url().is_none() {
                        eprintln!("TRAINYARD_TEST_PG_URL is not set: PostgreSQL variant not run");
                        return;
                    }
                    let app = $crate::common::TestApp::spawn(trainyard_store::testing::Kind::Postgres).await;
                    super::$name(&app).await;
                    app.stop().await;
                }
            )*
        }
    };
}

impl TestApp {
    pub async fn spawn(kind: Kind) -> TestApp {
        let db = TestDatabase::create(kind)
            .await
            .expect("create the test database (is TRAINYARD_TEST_PG_URL reachable?)");
        // Each test its own audit key, as each installation has its own.
        let store = Store::connect(&db.url)
            .await
            .expect("connect to the test database")
            .with_audit_key(trainyard_store::audit::AuditKey::generate().expect("a random key"));
        store.migrate().await.expect("migrate");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // Links in e-mails and feeds point at this very server, as `--public-url` would.
        let app = App::new(
            store,
            Settings {
                public_url: format!("http://{addr}"),
                ..Settings::default()
            },
        );
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let served = app.clone();
        let server = tokio::spawn(async move {
            trainyard_web::serve(listener, served, false, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        TestApp {
            addr,
            app,
            kind,
            db: Some(db),
            shutdown: Some(tx),
            server: Some(server),
        }
    }

    /// A second server on the same database: another `trainyard serve` process in miniature,
    /// with its own connection pool.
    pub async fn second_server(&self) -> (SocketAddr, tokio::sync::oneshot::Sender<()>, Store) {
        let mut store = Store::connect(&self.db.as_ref().expect("database").url)
            .await
            .expect("connect");
        // Every process of one installation shares its audit key.
        if let Some(key) = self.app.store.audit_key() {
            store = store.with_audit_key(key.clone());
        }
        let app = App::new(store.clone(), Settings::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = trainyard_web::serve(listener, app, false, async {
                let _ = rx.await;
            })
            .await;
        });
        (addr, tx, store)
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(s) = self.server.take() {
            let _ = s.await;
        }
        self.app.store.close().await;
        if let Some(db) = self.db.take() {
            db.remove().await;
        }
    }

    /// The URL of this test's database, for a second process's connection.
    pub fn database_url(&self) -> &str {
        &self.db.as_ref().expect("database").url
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Creates a user with `role` (a client contact needs `client_id`).
    pub async fn user(&self, email: &str, role: Role, client_id: Option<i64>) -> i64 {
        accounts::create_user(
            &self.app,
            None,
            NewAccount {
                email: email.into(),
                display_name: email.split('@').next().unwrap_or(email).into(),
                password: PASSWORD.into(),
                role,
                client_id,
                instructor_id: None,
                learner_id: None,
                time_zone: "Europe/Berlin".into(),
            },
        )
        .await
        .unwrap()
        .id
    }

    /// An API client authenticated as a new user with `role`.
    pub async fn api_as(&self, role: Role, client_id: Option<i64>) -> Api {
        let email = format!(
            "{}-{}@example.com",
            role.as_str().replace('_', "-"),
            next_id()
        );
        self.user(&email, role, client_id).await;
        let token = accounts::create_api_token_for(&self.app, &email, "tests")
            .await
            .unwrap();
        Api {
            base: self.url("/api/v1"),
            token: token.secret,
            http: reqwest::Client::new(),
        }
    }

    /// A browser-like client with a cookie jar, logged in through the login form.
    pub async fn browser_as(&self, role: Role, client_id: Option<i64>) -> Browser {
        let email = format!(
            "{}-{}@example.com",
            role.as_str().replace('_', "-"),
            next_id()
        );
        self.user(&email, role, client_id).await;
        let b = Browser::new(self);
        let r = b.login(&email, PASSWORD).await;
        assert_eq!(r.status(), StatusCode::OK, "login as {email}");
        b
    }

    pub fn system(&self) -> Caller {
        Caller::system()
    }
}

fn next_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(1);
    N.fetch_add(1, Ordering::Relaxed)
}

pub struct Api {
    pub base: String,
    pub token: String,
    pub http: reqwest::Client,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Api {
    pub async fn send(&self, method: reqwest::Method, path: &str, body: Option<&Value>) -> Reply {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        self.send(reqwest::Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(reqwest::Method::DELETE, path, None).await
    }

    /// POST that must succeed with 201; returns the created record.
    pub async fn create(&self, path: &str, body: &Value) -> Value {
        let r = self.post(path, body).await;
        assert_eq!(r.status, StatusCode::CREATED, "POST {path}: {}", r.body);
        r.body
    }
}

pub struct Browser {
    pub http: reqwest::Client,
    pub base: String,
}

impl Browser {
    pub fn new(app: &TestApp) -> Self {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        Self {
            http,
            base: app.url(""),
        }
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.http
            .post(format!("{}/login", self.base))
            .header("origin", &self.base)
            .form(&[("email", email), ("password", password), ("next", "/")])
            .send()
            .await
            .unwrap()
    }

    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let s = r.status();
        (s, r.text().await.unwrap())
    }

    /// The CSRF token embedded in a page's forms.
    pub async fn csrf(&self) -> String {
        let (_, html) = self.get("/account/tokens").await;
        let marker = "name=\"_csrf\" value=\"";
        let start = html
            .find(marker)
            .map(|i| i + marker.len())
            .expect("a form with a CSRF token");
        html[start..start + 64].to_owned()
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("origin", &self.base)
            .form(fields)
            .send()
            .await
            .unwrap();
        let s = r.status();
        (s, r.text().await.unwrap())
    }
}

/// A valid course body for the API, without finance data (the day rate and material cost only
/// finance, managers and admins may set), so any operations role may send it.
pub fn course_body(code: &str) -> Value {
    serde_json::json!({
        "code": code, "title": format!("Course {code}"), "duration_days": 2, "hours_per_day": 7,
        "delivery_modes": ["ilt", "vilt"], "min_learners": 3, "max_learners": 12,
        "list_price": { "amount": "890.00", "currency": "EUR" }, "required_features": ["projector"]
    })
}

/// `course_body` with its finance data, for a manager or an admin to send.
pub fn course_body_with_costs(code: &str) -> Value {
    let mut b = course_body(code);
    b["day_rate"] = serde_json::json!({ "amount": "1500", "currency": "EUR" });
    b["material_cost"] = serde_json::json!({ "amount": "25.50", "currency": "EUR" });
    b
}

pub fn venue_body(code: &str, tz: &str) -> Value {
    serde_json::json!({ "code": code, "name": format!("Venue {code}"), "address": "Street 1", "city": "Berlin", "country": "DE", "time_zone": tz })
}

/// One message in the outbox, as a test reads it.
#[derive(Debug, Clone)]
pub struct Mail {
    pub kind: String,
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Every message queued to `email` (exactly that address, any case), oldest first.
pub async fn mails_to(t: &TestApp, email: &str) -> Vec<Mail> {
    use trainyard_store::outbox::{self, OutboxFilter};
    let mut conn = t.app.store.read().await.unwrap();
    let page = outbox::list(
        &mut conn,
        &OutboxFilter {
            recipient: email.into(),
            per_page: 200,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut out = Vec::new();
    for m in page.items.iter().rev() {
        if !m.recipient.eq_ignore_ascii_case(email) {
            continue;
        }
        let d = outbox::get(&mut conn, m.id).await.unwrap();
        out.push(Mail {
            kind: m.kind.clone(),
            to: m.recipient.clone(),
            subject: m.subject.clone(),
            body: d.body,
        });
    }
    out
}

/// The absolute link in `body` that starts with the public URL and `path`, e.g.
/// `link_in(body, &t.app, "/account/confirm")`.
pub fn link_in(body: &str, app: &App, path: &str) -> Option<String> {
    let prefix = app.link(path);
    let start = body.find(&prefix)?;
    let rest = &body[start..];
    let end = rest
        .find(|c: char| c.is_whitespace() || c == '"' || c == '<')
        .unwrap_or(rest.len());
    Some(rest[..end].to_owned())
}

/// The `token` query value of a link.
pub fn token_of(link: &str) -> String {
    link.split_once("token=")
        .map(|(_, t)| t.split('&').next().unwrap_or(t).to_owned())
        .unwrap_or_default()
}

/// The password `register_and_confirm` chooses on the confirmation page.
pub const LEARNER_PASSWORD: &str = "a long enough secret";

/// Registers through the public form in a fresh (anonymous) browser, then follows the
/// confirmation link e-mailed to `email` and chooses `LEARNER_PASSWORD`, as the owner of the
/// mailbox would. Returns the browser (signed in when it worked), the final status and page.
pub async fn register_and_confirm(
    t: &TestApp,
    session: i64,
    first: &str,
    email: &str,
) -> (Browser, StatusCode, String) {
    let b = Browser::new(t);
    let earlier = mails_to(t, email).await.len();
    let (status, html) = b
        .post_form(
            &format!("/catalog/{session}/register"),
            &[
                ("first_name", first),
                ("last_name", "Learner"),
                ("email", email),
            ],
        )
        .await;
    if status != StatusCode::OK || !html.contains("Check your e-mail") {
        return (b, status, html);
    }
    // Only a confirmation sent for this registration (a known address gets none).
    let Some(link) = mails_to(t, email)
        .await
        .iter()
        .skip(earlier)
        .find(|m| m.kind == "account_confirm")
        .and_then(|m| link_in(&m.body, &t.app, "/account/confirm"))
    else {
        return (b, status, html);
    };
    let (status, page) = b
        .get(link.trim_start_matches(&t.app.settings.public_url))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let (status, html) = b
        .post_form(
            "/account/confirm",
            &[("token", &token_of(&link)), ("password", LEARNER_PASSWORD)],
        )
        .await;
    (b, status, html)
}

/// The PDF read back with poppler's `pdftotext`, when it is installed (`.ci/run` installs it).
pub fn pdf_text(bytes: &[u8]) -> Option<String> {
    use std::io::Write;
    let child = std::process::Command::new("pdftotext")
        .args(["-layout", "-", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(_) if std::env::var("TRAINYARD_REQUIRE_BROWSER").as_deref() != Ok("1") => {
            eprintln!("pdftotext (poppler-utils) is not installed: the PDF is not read back");
            return None;
        }
        Err(e) => panic!("pdftotext is required (poppler-utils): {e}"),
    };
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "pdftotext failed");
    Some(String::from_utf8(out.stdout).unwrap())
}
