//! A real browser for UI tests: headless Chromium driven over WebDriver by a chromedriver of its
//! own (a free port and a fresh profile per `Chrome`, so browser tests may run concurrently).
//!
//! `Chrome::start(&app)` returns `None` (with a note on stderr) when chromedriver or Chromium is
//! not installed, so developers without them can still run the suite; with
//! `TRAINYARD_REQUIRE_BROWSER` set (as .ci/run does) it panics instead. `TRAINYARD_CHROMEDRIVER`
//! and `TRAINYARD_CHROMIUM` override the Debian paths.
//!
//! The WebDriver wire protocol (W3C JSON over HTTP) is spoken directly with reqwest: fantoccini,
//! built without a TLS feature, has no connector this crate can name (that would need a
//! `hyper-util` dev-dependency or fantoccini's `rustls-tls` feature).
//!
//! Every helper waits (up to `WAIT`) for its element, so a step right after a navigation does not
//! race the page load, and panics with the current URL when the element never comes.

#![allow(dead_code, clippy::unwrap_used)]

use super::TestApp;
use reqwest::Method;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a helper waits for an element (or a page) before failing the test.
pub const WAIT: Duration = Duration::from_secs(10);
/// How long chromedriver may take to accept connections.
const DRIVER_READY: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(50);
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
const INSTALL_HINT: &str = "install chromium and chromium-driver (Debian) — .ci/run does";

pub struct Chrome {
    /// The application under test, e.g. `http://127.0.0.1:41234`.
    base: String,
    driver: SocketAddr,
    /// `/session/{id}` on the driver.
    session: String,
    http: reqwest::Client,
    child: Child,
    /// Holds the Chromium profile (`profile/`) and `chromedriver.log`.
    dir: PathBuf,
    closed: bool,
}

/// A WebDriver error reply (`{"value": {"error": …, "message": …}}`).
#[derive(Debug)]
pub struct WdError {
    pub error: String,
    pub message: String,
}

impl std::fmt::Display for WdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let first_line = self.message.lines().next().unwrap_or("");
        write!(f, "{}: {first_line}", self.error)
    }
}

impl WdError {
    /// The element is not (or no longer) there yet: worth retrying until the deadline.
    fn is_transient(&self) -> bool {
        matches!(
            self.error.as_str(),
            "no such element"
                | "stale element reference"
                | "element not interactable"
                | "element click intercepted"
        )
    }
}

fn binary(var: &str, default: &str) -> PathBuf {
    match std::env::var(var) {
        Ok(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(default),
    }
}

/// A port nothing listens on right now (a concurrent test may still take it: `start` retries).
fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().unwrap().port()
}

fn fresh_dir() -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "trainyard-browser-{}-{}-{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(dir.join("profile")).expect("create the browser's temp dir");
    dir
}

impl Chrome {
    /// Starts chromedriver and a headless Chromium pointed at `app`; `None` when not installed
    /// (panics instead when `TRAINYARD_REQUIRE_BROWSER` is set).
    pub async fn start(app: &TestApp) -> Option<Chrome> {
        let driver_bin = binary("TRAINYARD_CHROMEDRIVER", "/usr/bin/chromedriver");
        let chromium_bin = binary("TRAINYARD_CHROMIUM", "/usr/bin/chromium");
        let missing: Vec<String> = [&driver_bin, &chromium_bin]
            .into_iter()
            .filter(|p| !p.is_file())
            .map(|p| p.display().to_string())
            .collect();
        if !missing.is_empty() {
            let what = missing.join(" and ");
            if std::env::var_os("TRAINYARD_REQUIRE_BROWSER").is_some() {
                panic!(
                    "TRAINYARD_REQUIRE_BROWSER is set but {what} is missing: {INSTALL_HINT} \
                     (or point TRAINYARD_CHROMEDRIVER / TRAINYARD_CHROMIUM at them)"
                );
            }
            eprintln!(
                "note: browser test not run: {what} is missing ({INSTALL_HINT}; \
                 set TRAINYARD_REQUIRE_BROWSER=1 to make this a failure)"
            );
            return None;
        }

        let dir = fresh_dir();
        let log = dir.join("chromedriver.log");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();

        // The port may be taken between dropping the probe listener and chromedriver binding
        // it (another test doing the same): chromedriver then exits, and we try another port.
        let mut started = None;
        for _attempt in 0..5 {
            let port = free_port();
            let mut child = Command::new(&driver_bin)
                .arg(format!("--port={port}"))
                .arg(format!("--log-path={}", log.display()))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("spawn {}: {e}", driver_bin.display()));
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            match wait_ready(&http, &mut child, addr).await {
                Ok(()) => {
                    started = Some((child, addr));
                    break;
                }
                Err(Exit::Exited) => continue,
                Err(Exit::TimedOut) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "chromedriver did not become ready on port {port} within {DRIVER_READY:?}; log: {}",
                        log.display()
                    );
                }
            }
        }
        let (child, driver) = started.unwrap_or_else(|| {
            panic!(
                "chromedriver kept exiting at start-up; log: {}",
                log.display()
            )
        });

        let profile = dir.join("profile");
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            // The console, so that `close` can fail a test on Content-Security-Policy violations.
            "goog:loggingPrefs": { "browser": "ALL" },
            "goog:chromeOptions": {
                "binary": chromium_bin.display().to_string(),
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--window-size=1400,1000",
                    format!("--user-data-dir={}", profile.display()),
                ],
            },
        }}});
        // From here on `Drop` cleans up (kills chromedriver) even if creating the session fails.
        let mut chrome = Chrome {
            base: app.url(""),
            driver,
            session: String::new(),
            http,
            child,
            dir,
            closed: true,
        };
        let reply = chrome
            .raw(
                Method::POST,
                &format!("http://{driver}/session"),
                Some(caps),
            )
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "chromedriver could not start Chromium ({e}); log: {}",
                    log.display()
                )
            });
        let id = reply["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no sessionId in the new-session reply: {reply}"));
        chrome.session = format!("/session/{id}");
        chrome.closed = false;
        Some(chrome)
    }

    /// One WebDriver request to a full URL; the reply's `value`.
    async fn raw(&self, method: Method, url: &str, body: Option<Value>) -> Result<Value, WdError> {
        let mut req = self.http.request(method.clone(), url);
        if method == Method::POST {
            req = req.json(&body.unwrap_or_else(|| json!({})));
        }
        let res = req.send().await.map_err(|e| WdError {
            error: "transport".into(),
            message: e.to_string(),
        })?;
        let ok = res.status().is_success();
        let text = res.text().await.unwrap_or_default();
        let mut reply: Value = serde_json::from_str(&text).map_err(|_| WdError {
            error: "bad reply".into(),
            message: text.clone(),
        })?;
        let value = reply["value"].take();
        if ok {
            Ok(value)
        } else {
            Err(WdError {
                error: value["error"].as_str().unwrap_or("unknown error").into(),
                message: value["message"].as_str().unwrap_or_default().into(),
            })
        }
    }

    /// A command on this session (`path` is relative to `/session/{id}`).
    async fn cmd(&self, method: Method, path: &str, body: Option<Value>) -> Result<Value, WdError> {
        let url = format!("http://{}{}{path}", self.driver, self.session);
        self.raw(method, &url, body).await
    }

    async fn find_id(&self, css: &str) -> Result<String, WdError> {
        let v = self
            .cmd(
                Method::POST,
                "/element",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await?;
        Ok(v[ELEMENT_KEY].as_str().unwrap_or_default().to_owned())
    }

    /// Finds `css` and runs `op` on it, retrying while the element is missing or stale, until
    /// `WAIT` has passed.
    async fn on_element(&self, css: &str, op: Op<'_>) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let attempt = async {
                let id = self.find_id(css).await?;
                let e = format!("/element/{id}");
                match op {
                    Op::Find => Ok(Value::Null),
                    Op::Click => self.cmd(Method::POST, &format!("{e}/click"), None).await,
                    Op::Clear => self.cmd(Method::POST, &format!("{e}/clear"), None).await,
                    Op::Type(text) => {
                        self.cmd(
                            Method::POST,
                            &format!("{e}/value"),
                            Some(json!({ "text": text })),
                        )
                        .await
                    }
                    Op::Text => self.cmd(Method::GET, &format!("{e}/text"), None).await,
                    Op::Property(p) => {
                        self.cmd(Method::GET, &format!("{e}/property/{p}"), None)
                            .await
                    }
                    Op::Selected => self.cmd(Method::GET, &format!("{e}/selected"), None).await,
                }
            };
            match attempt.await {
                Ok(v) => return v,
                Err(e) if e.is_transient() && Instant::now() < deadline => {
                    tokio::time::sleep(POLL).await;
                }
                Err(e) => panic!(
                    "browser: {op:?} on `{css}` failed at {} ({e})",
                    self.current_url().await
                ),
            }
        }
    }

    /// The app URL for `path` (absolute URLs pass through).
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        }
    }

    /// Opens `path` of the app and waits for the page to load.
    pub async fn goto(&self, path: &str) {
        let url = self.url(path);
        if let Err(e) = self
            .cmd(Method::POST, "/url", Some(json!({ "url": url })))
            .await
        {
            panic!("browser: open {url}: {e}");
        }
    }

    pub async fn current_url(&self) -> String {
        match self.cmd(Method::GET, "/url", None).await {
            Ok(v) => v.as_str().unwrap_or_default().to_owned(),
            Err(e) => format!("<unknown URL: {e}>"),
        }
    }

    /// The current path and query (the part after the app's base URL).
    pub async fn path(&self) -> String {
        let url = self.current_url().await;
        url.strip_prefix(&self.base).unwrap_or(&url).to_owned()
    }

    /// Signs in through the real login form and waits for the first signed-in page.
    pub async fn login(&self, email: &str, password: &str) {
        self.goto("/login").await;
        self.type_into("#email", email).await;
        self.type_into("#password", password).await;
        self.click("main.login button[type='submit']").await;
        let deadline = Instant::now() + WAIT;
        loop {
            // Every signed-in page has the side navigation; a refused login shows `.problems`.
            if self.exists("nav.side").await {
                return;
            }
            if self.path().await.starts_with("/login") && self.exists(".problems").await {
                panic!("login as {email} refused: {}", self.text(".problems").await);
            }
            if Instant::now() >= deadline {
                panic!(
                    "login as {email}: no signed-in page after {WAIT:?} (at {})",
                    self.current_url().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Replaces the value of the element at `css` with `value` by typing it.
    pub async fn type_into(&self, css: &str, value: &str) {
        self.on_element(css, Op::Clear).await;
        if !value.is_empty() {
            self.on_element(css, Op::Type(value)).await;
        }
    }

    /// Replaces the value of the form field named `name`.
    pub async fn fill(&self, name: &str, value: &str) {
        self.type_into(&format!("[name='{name}']"), value).await;
    }

    /// Ticks the checkbox at `css` (leaves it ticked when it already is).
    pub async fn check(&self, css: &str) {
        if self.on_element(css, Op::Selected).await != Value::Bool(true) {
            self.on_element(css, Op::Click).await;
        }
        assert_eq!(
            self.on_element(css, Op::Selected).await,
            Value::Bool(true),
            "`{css}` is ticked"
        );
    }

    pub async fn click(&self, css: &str) {
        self.on_element(css, Op::Click).await;
    }

    /// The rendered (visible) text of the first element at `css`, trimmed.
    pub async fn text(&self, css: &str) -> String {
        let v = self.on_element(css, Op::Text).await;
        v.as_str().unwrap_or_default().trim().to_owned()
    }

    /// The current value of the form field named `name`.
    pub async fn value(&self, name: &str) -> String {
        let v = self
            .on_element(&format!("[name='{name}']"), Op::Property("value"))
            .await;
        v.as_str().unwrap_or_default().to_owned()
    }

    /// Runs `script` in the page (synchronously; `arguments[i]` are `args`) and returns what it
    /// returns.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        let reply = self
            .cmd(
                Method::POST,
                "/execute/sync",
                Some(json!({ "script": script, "args": args })),
            )
            .await;
        match reply {
            Ok(v) => v,
            Err(e) => panic!(
                "browser: script failed ({e}) at {}: {script}",
                self.current_url().await
            ),
        }
    }

    /// Sets the value of the field at `css` by script and fires `input` and `change`: for
    /// fields whose typing depends on the browser's locale (Chromium's `datetime-local`).
    pub async fn set_value(&self, css: &str, value: &str) {
        self.wait_for(css).await;
        let got = self
            .execute(
                "var e = document.querySelector(arguments[0]);
                 e.value = arguments[1];
                 e.dispatchEvent(new Event('input', { bubbles: true }));
                 e.dispatchEvent(new Event('change', { bubbles: true }));
                 return e.value;",
                vec![json!(css), json!(value)],
            )
            .await;
        assert_eq!(
            got.as_str(),
            Some(value),
            "`{css}` did not accept the value {value:?}"
        );
    }

    /// Chooses, by clicking it, the option of the `<select>` at `css` whose visible text is
    /// `label` (or else the only option whose text contains `label`).
    pub async fn select(&self, css: &str, label: &str) {
        self.wait_for(css).await;
        let found = self
            .execute(
                "var opts = Array.from(document.querySelector(arguments[0]).options);
                 var want = arguments[1];
                 var t = function (o) { return o.text.trim(); };
                 var exact = opts.filter(function (o) { return t(o) === want; });
                 var hits = exact.length ? exact : opts.filter(function (o) { return t(o).indexOf(want) >= 0; });
                 return hits.length === 1 ? hits[0] : opts.map(t);",
                vec![json!(css), json!(label)],
            )
            .await;
        let Some(id) = found[ELEMENT_KEY].as_str() else {
            panic!(
                "browser: `{css}` has no single option {label:?}; its options: {found} (at {})",
                self.current_url().await
            );
        };
        if let Err(e) = self
            .cmd(Method::POST, &format!("/element/{id}/click"), None)
            .await
        {
            panic!("browser: choose {label:?} in `{css}`: {e}");
        }
        let chosen = self
            .execute(
                "var s = document.querySelector(arguments[0]); return s.options[s.selectedIndex].text.trim();",
                vec![json!(css)],
            )
            .await;
        assert!(
            chosen.as_str().is_some_and(|c| c.contains(label)),
            "`{css}` shows {chosen} after choosing {label:?}"
        );
    }

    /// Waits until the text of the first element at `css` contains `needle` (up to `WAIT`);
    /// returns that text.
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let text = match self.find_id(css).await {
                Ok(id) => self
                    .cmd(Method::GET, &format!("/element/{id}/text"), None)
                    .await
                    .ok()
                    .and_then(|v| v.as_str().map(|s| s.trim().to_owned())),
                Err(_) => None,
            };
            if let Some(t) = &text
                && t.contains(needle)
            {
                return t.clone();
            }
            if Instant::now() >= deadline {
                let page = self
                    .cmd(
                        Method::POST,
                        "/execute/sync",
                        Some(json!({ "script": "return document.body.innerText.slice(0, 1500);", "args": [] })),
                    )
                    .await
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                panic!(
                    "browser: `{css}` did not come to contain {needle:?} within {WAIT:?} at {} (text: {text:?}); the page says: {page}",
                    self.current_url().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Whether an element matches `css` right now (no waiting).
    pub async fn exists(&self, css: &str) -> bool {
        match self.find_id(css).await {
            Ok(_) => true,
            Err(e) if e.error == "no such element" => false,
            Err(e) => panic!("browser: look for `{css}`: {e}"),
        }
    }

    /// Waits until an element matches `css` (up to `WAIT`).
    pub async fn wait_for(&self, css: &str) {
        self.wait_for_within(css, WAIT).await;
    }

    pub async fn wait_for_within(&self, css: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while !self.exists(css).await {
            if Instant::now() >= deadline {
                panic!(
                    "browser: `{css}` did not appear within {timeout:?} at {}",
                    self.current_url().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until the current path (with query) starts with `prefix`.
    pub async fn wait_for_path(&self, prefix: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let path = self.path().await;
            if path.starts_with(prefix) {
                return;
            }
            if Instant::now() >= deadline {
                panic!("browser: still at {path} after {WAIT:?}, expected {prefix}…");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Writes a PNG of the viewport to `path`.
    pub async fn screenshot(&self, path: impl AsRef<Path>) {
        let path = path.as_ref();
        let v = self
            .cmd(Method::GET, "/screenshot", None)
            .await
            .unwrap_or_else(|e| panic!("browser: screenshot: {e}"));
        let png = base64_decode(v.as_str().unwrap_or_default());
        assert!(png.starts_with(b"\x89PNG"), "the screenshot is a PNG");
        std::fs::write(path, png)
            .unwrap_or_else(|e| panic!("write the screenshot {}: {e}", path.display()));
    }

    /// A Chrome DevTools Protocol command (through chromedriver's `goog/cdp/execute`), e.g.
    /// `Emulation.setDeviceMetricsOverride` for a phone's viewport.
    pub async fn cdp(&self, command: &str, params: Value) -> Value {
        self.cmd(
            Method::POST,
            "/goog/cdp/execute",
            Some(json!({ "cmd": command, "params": params })),
        )
        .await
        .unwrap_or_else(|e| panic!("browser: DevTools {command}: {e}"))
    }

    /// The browser console's messages since the last call (Chromium's log, through chromedriver).
    pub async fn console(&self) -> Vec<String> {
        match self
            .cmd(Method::POST, "/se/log", Some(json!({ "type": "browser" })))
            .await
        {
            Ok(Value::Array(entries)) => entries
                .iter()
                .filter_map(|e| e["message"].as_str().map(str::to_owned))
                .collect(),
            Ok(other) => panic!("browser: unexpected console log reply: {other}"),
            Err(e) => panic!("browser: reading the console log: {e}"),
        }
    }

    /// What the Content-Security-Policy refused since the last look at the console: an inline
    /// style or script, an `eval`, a resource from elsewhere.
    pub async fn csp_violations(&self) -> Vec<String> {
        self.console()
            .await
            .into_iter()
            .filter(|m| m.contains("Content Security Policy"))
            .collect()
    }

    /// Ends the browser session and stops chromedriver. Fails the test if the page broke the
    /// Content-Security-Policy at any point: each violation is something that did not render or
    /// did not run.
    pub async fn close(mut self) {
        let violations = if self.closed {
            Vec::new()
        } else {
            self.csp_violations().await
        };
        if !self.closed {
            self.closed = true;
            if let Err(e) = self.cmd(Method::DELETE, "", None).await {
                eprintln!("browser: closing the session: {e}");
            }
        }
        // Drop stops chromedriver and removes the profile.
        assert!(
            violations.is_empty(),
            "the Content-Security-Policy refused: {violations:#?}"
        );
    }
}

#[derive(Debug, Clone, Copy)]
enum Op<'a> {
    Find,
    Click,
    Clear,
    Type(&'a str),
    Text,
    Property(&'a str),
    Selected,
}

enum Exit {
    Exited,
    TimedOut,
}

/// Polls chromedriver's `/status` until it reports ready, it exits, or the deadline passes.
async fn wait_ready(
    http: &reqwest::Client,
    child: &mut Child,
    addr: SocketAddr,
) -> Result<(), Exit> {
    let deadline = Instant::now() + DRIVER_READY;
    let url = format!("http://{addr}/status");
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            return Err(Exit::Exited);
        }
        let ready = match http.get(&url).timeout(Duration::from_secs(2)).send().await {
            Ok(r) => r
                .json::<Value>()
                .await
                .map(|v| v["value"]["ready"] == Value::Bool(true))
                .unwrap_or(false),
            Err(_) => false,
        };
        if ready {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(Exit::TimedOut);
        }
        tokio::time::sleep(POLL).await;
    }
}

/// A blocking HTTP request with no body, for `Drop` (which cannot await).
fn blocking_request(addr: SocketAddr, method: &str, path: &str) {
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else {
        return;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = s.set_write_timeout(Some(Duration::from_secs(2)));
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    if s.write_all(req.as_bytes()).is_err() {
        return;
    }
    // Read the whole reply (the command has then finished), without relying on the server
    // closing the connection: chromedriver keeps it open despite `Connection: close`.
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        let Some(head_end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse::<usize>().ok());
        match length {
            Some(len) if buf.len() >= head_end + 4 + len => return,
            Some(_) => {}
            None => return,
        }
    }
}

impl Drop for Chrome {
    fn drop(&mut self) {
        // Quit Chromium first: killing chromedriver alone would leave the browser running.
        if !self.closed {
            self.closed = true;
            blocking_request(self.driver, "DELETE", &self.session);
        }
        blocking_request(self.driver, "GET", "/shutdown");
        let deadline = Instant::now() + Duration::from_secs(3);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(POLL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!(
                "browser: kept {} (chromedriver.log) for the failed test",
                self.dir.display()
            );
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Standard base64 (the screenshot encoding); whitespace and padding are skipped.
fn base64_decode(s: &str) -> Vec<u8> {
    fn sextet(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for v in s.bytes().filter_map(sextet) {
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}
