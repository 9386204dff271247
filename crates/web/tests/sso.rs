//! Single sign-on with OpenID Connect (issue 18 §3) against a real provider: the certified
//! `oidc-provider` package run by node on loopback (tests/oidc/provider.mjs, installed by
//! `npm ci --prefix crates/web/tests/oidc`). The flow is driven by an HTTP client that follows
//! the redirects itself, so the test can tamper with what comes back.
//!
//! Without node or the package the test is skipped with a note, unless
//! `TRAINYARD_REQUIRE_CONTRACT_TOOLS`, `TRAINYARD_REQUIRE_BROWSER` or `CI` is set (as .ci/run
//! does): then it fails.

use crate::common::{Browser, PASSWORD, TestApp};
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use trainyard_app::sso::{self, SsoChanges};
use trainyard_app::store::users;
use trainyard_core::Role;

both_backends!(
    signs_in_through_a_real_provider,
    the_settings_are_an_admins_over_the_api_too,
);

fn required() -> bool {
    [
        "TRAINYARD_REQUIRE_CONTRACT_TOOLS",
        "TRAINYARD_REQUIRE_BROWSER",
        "CI",
    ]
    .iter()
    .any(|v| std::env::var_os(v).is_some())
}

/// tests/oidc/provider.mjs, killed when dropped.
struct Provider {
    child: Child,
    issuer: String,
    http: reqwest::Client,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Provider {
    fn start(redirect_uri: &str) -> Option<Provider> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oidc");
        let missing = |why: String| -> Option<Provider> {
            if required() {
                panic!(
                    "{why}. The single sign-on test needs a real OpenID provider (CI requires it): \
                     npm ci --prefix crates/web/tests/oidc"
                );
            }
            eprintln!(
                "note: {why}; the single sign-on test is not run (npm ci --prefix crates/web/tests/oidc)"
            );
            None
        };
        if !std::path::Path::new(dir)
            .join("node_modules/oidc-provider")
            .exists()
        {
            return missing("the npm package oidc-provider is not installed".into());
        }
        let mut child = match Command::new("node")
            .current_dir(dir)
            .arg("provider.mjs")
            .arg("0")
            .arg(redirect_uri)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(c) => c,
            Err(e) => return missing(format!("node could not be started ({e})")),
        };
        let mut line = String::new();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        out.read_line(&mut line).unwrap();
        // The provider keeps writing notices: read them, or its next write breaks the pipe.
        std::thread::spawn(move || for _ in out.lines() {});
        let Some(issuer) = line.trim().strip_prefix("ready ") else {
            let _ = child.kill();
            panic!("the OpenID provider did not start: {line}");
        };
        Some(Provider {
            issuer: issuer.to_owned(),
            child,
            http: reqwest::Client::new(),
        })
    }

    /// Who the next authorization logs in as, and whether its ID token gets another nonce.
    async fn next(&self, account: &str, tamper_nonce: bool) {
        let r = self
            .http
            .post(format!(
                "{}/test/next?account={account}&tamper_nonce={}",
                self.issuer,
                u8::from(tamper_nonce)
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
    }
}

/// A browser that follows no redirect by itself.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Starts a sign-in as `account` and follows it through the provider, up to the redirect back
/// to Trainyard's callback, which it returns without following.
async fn to_callback(
    t: &TestApp,
    p: &Provider,
    b: &reqwest::Client,
    account: &str,
    tamper: bool,
) -> String {
    p.next(account, tamper).await;
    let mut url = t.url("/login/sso?next=/sessions");
    for _ in 0..10 {
        let r = b.get(&url).send().await.unwrap();
        assert!(
            r.status().is_redirection(),
            "{url} answered {}: {}",
            r.status(),
            r.text().await.unwrap()
        );
        let to = r.headers()[LOCATION].to_str().unwrap();
        url = if to.starts_with('/') {
            let origin = url.split('/').take(3).collect::<Vec<_>>().join("/");
            format!("{origin}{to}")
        } else {
            to.to_owned()
        };
        if url.starts_with(&t.url(sso::CALLBACK_PATH)) {
            return url;
        }
    }
    panic!("the sign-in never came back to the callback");
}

/// Follows the callback: (status, where it redirects to, the page).
async fn callback(b: &reqwest::Client, url: &str) -> (StatusCode, String, String) {
    let r = b.get(url).send().await.unwrap();
    let status = r.status();
    let to = r
        .headers()
        .get(LOCATION)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, to, r.text().await.unwrap())
}

async fn sign_in(
    t: &TestApp,
    p: &Provider,
    account: &str,
    tamper: bool,
) -> (StatusCode, String, String, reqwest::Client) {
    let b = browser();
    let url = to_callback(t, p, &b, account, tamper).await;
    let (s, to, page) = callback(&b, &url).await;
    (s, to, page, b)
}

fn settings(p: &Provider, version: i64) -> SsoChanges {
    SsoChanges {
        enabled: true,
        issuer_url: p.issuer.clone(),
        client_id: "trainyard".into(),
        client_secret: String::new(),
        password_login: true,
        default_role: String::new(),
        role_claim: "groups".into(),
        role_map: "trainyard-finance = finance".into(),
        version,
    }
}

async fn role_of(t: &TestApp, email: &str) -> Option<Role> {
    let mut conn = t.app.store.read().await.unwrap();
    users::find_by_email(&mut conn, email)
        .await
        .unwrap()
        .map(|u| u.role)
}

async fn signs_in_through_a_real_provider(t: &TestApp) {
    let Some(p) = Provider::start(&t.url(sso::CALLBACK_PATH)) else {
        return;
    };
    t.user("alice@northwind.example", Role::Admin, None).await;

    // The administrator's page: the secret is written, never shown back.
    let admin = Browser::new(t);
    assert_eq!(
        admin
            .login("alice@northwind.example", PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
    let csrf = admin.csrf().await;
    let (status, page) = admin
        .post_form(
            "/admin/sso",
            &[
                ("_csrf", csrf.as_str()),
                ("version", "0"),
                ("enabled", "true"),
                ("issuer_url", p.issuer.as_str()),
                ("client_id", "trainyard"),
                ("client_secret", "trainyard-test-secret"),
                ("password_login", "true"),
                ("role_claim", "groups"),
                ("role_map", "trainyard-finance = finance"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let (_, page) = admin.get("/admin/sso").await;
    assert!(
        !page.contains("trainyard-test-secret"),
        "the secret is never shown"
    );
    assert!(
        page.contains(&t.url(sso::CALLBACK_PATH)),
        "the redirect URI to register"
    );
    let (_, login) = Browser::new(t).get("/login").await;
    assert!(login.contains("/login/sso") && login.contains("name=\"password\""));

    // A verified e-mail of an existing account signs in, and lands where it was going.
    let (status, to, page, b) = sign_in(t, &p, "alice", false).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert_eq!(to, "/sessions");
    let me: serde_json::Value = b
        .get(t.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "alice@northwind.example");

    // A wrong state is refused: tampered, or from another browser, or used twice.
    let b = browser();
    let url = to_callback(t, &p, &b, "alice", false).await;
    let state = url
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let (status, _, page) = callback(&b, &url.replace(&state, "forged-state")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(page.contains("state"), "{page}");
    let (status, _, _) = callback(&browser(), &url).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "another browser's answer");
    let (status, _, _) = callback(&b, &url).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the cookie went with the first try"
    );
    let b = browser();
    let url = to_callback(t, &p, &b, "alice", false).await;
    assert_eq!(callback(&b, &url).await.0, StatusCode::SEE_OTHER);
    // The same answer again, even with the state's cookie: the sign-in was used.
    let state = url
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let r = browser()
        .get(&url)
        .header("cookie", format!("ty_sso={state}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.unwrap().contains("already used"));

    // RFC 9207: the provider names itself in its answers (`iss`); an answer naming another
    // issuer, or none, is refused before its code is redeemed.
    for forged in ["https%3A%2F%2Fevil.example", ""] {
        let b = browser();
        let url = to_callback(t, &p, &b, "alice", false).await;
        let iss = url
            .split("iss=")
            .nth(1)
            .expect("the answer names its issuer")
            .split('&')
            .next()
            .unwrap()
            .to_owned();
        let tampered = if forged.is_empty() {
            url.replace(&format!("iss={iss}"), "").replace("&&", "&")
        } else {
            url.replace(&format!("iss={iss}"), &format!("iss={forged}"))
        };
        let (status, _, page) = callback(&b, &tampered).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{tampered}");
        assert!(page.contains("issuer"), "{page}");
    }

    // An ID token with another nonce (validly signed by the provider) is refused.
    let (status, _, page, _) = sign_in(t, &p, "alice", true).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(page.to_lowercase().contains("nonce"), "{page}");

    // An e-mail the provider has not verified is refused, even for an existing account.
    let (status, _, page, _) = sign_in(t, &p, "mallory", false).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(page.contains("not verified"), "{page}");

    // Without a default role, someone without an account is refused (Carl's groups map to
    // nothing) ...
    let (status, _, page, _) = sign_in(t, &p, "carl", false).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{page}");
    assert_eq!(role_of(t, "carl@northwind.example").await, None);
    // ... while the role map makes Fiona's account, a finance one, from her groups claim.
    let (status, _, page, _) = sign_in(t, &p, "fiona", false).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert_eq!(
        role_of(t, "fiona@northwind.example").await,
        Some(Role::Finance)
    );

    // With a default role, Carl's account is made with it.
    let caller = trainyard_app::Caller::system();
    let v = sso::settings(&t.app, &caller).await.unwrap();
    let mut ch = settings(&p, v.version);
    ch.default_role = "coordinator".into();
    sso::save_settings(&t.app, &caller, ch).await.unwrap();
    let (status, _, page, _) = sign_in(t, &p, "carl", false).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert_eq!(
        role_of(t, "carl@northwind.example").await,
        Some(Role::Coordinator)
    );

    // Password sign-in off: the page offers only single sign-on, passwords are refused ...
    let v = sso::settings(&t.app, &caller).await.unwrap();
    let mut ch = settings(&p, v.version);
    ch.password_login = false;
    sso::save_settings(&t.app, &caller, ch).await.unwrap();
    let (_, login) = Browser::new(t).get("/login").await;
    assert!(login.contains("/login/sso") && !login.contains("name=\"password\""));
    let r = Browser::new(t)
        .login("alice@northwind.example", PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // ... and single sign-on still works.
    assert_eq!(
        sign_in(t, &p, "alice", false).await.0,
        StatusCode::SEE_OTHER
    );
    // The break-glass path of the command line turns passwords back on.
    sso::allow_password_login_from_command_line(&t.app)
        .await
        .unwrap();
    let r = Browser::new(t)
        .login("alice@northwind.example", PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}

/// The settings over the API as on `/admin/sso`: admins only, the secret never shown back (only
/// whether one is set), kept when left out, validated with the same words, and a stale version
/// refused.
async fn the_settings_are_an_admins_over_the_api_too(t: &TestApp) {
    let admin = t.api_as(Role::Admin, None).await;
    let coordinator = t.api_as(Role::Coordinator, None).await;
    assert_eq!(
        coordinator.get("/settings/sso").await.status,
        StatusCode::FORBIDDEN
    );
    let r = admin.get("/settings/sso").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["enabled"], false);
    assert_eq!(r.body["has_secret"], false);
    assert!(
        r.body["redirect_uri"]
            .as_str()
            .unwrap()
            .ends_with("/login/sso/callback"),
        "{}",
        r.body
    );
    let version = r.body["version"].as_i64().unwrap();
    let body = |secret: Option<&str>, version: i64| {
        let mut b = json!({
            "enabled": true, "issuer_url": "https://id.example.com", "client_id": "trainyard",
            "password_login": true, "default_role": "coordinator", "role_claim": "groups",
            "role_map": "trainers = coordinator", "version": version
        });
        if let Some(s) = secret {
            b["client_secret"] = json!(s);
        }
        b
    };
    // Turning it on needs a secret the first time.
    let r = admin.put("/settings/sso", &body(None, version)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.to_string().contains("client_secret"), "{}", r.body);
    assert_eq!(
        coordinator
            .put("/settings/sso", &body(Some("s3cret"), version))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = admin
        .put("/settings/sso", &body(Some("s3cret"), version))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["enabled"], true);
    assert_eq!(r.body["has_secret"], true);
    assert!(!r.body.to_string().contains("s3cret"), "{}", r.body);
    let saved = r.body["version"].as_i64().unwrap();
    assert!(saved > version);
    // The old version is stale; without a secret the stored one stays.
    let r = admin.put("/settings/sso", &body(None, version)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let mut off = body(None, saved);
    off["enabled"] = json!(false);
    off["password_login"] = json!(false);
    let r = admin.put("/settings/sso", &off).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.to_string().contains("password_login"), "{}", r.body);
    let r = admin.put("/settings/sso", &body(None, saved)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["has_secret"], true);
    assert_eq!(
        sso::settings(&t.app, &t.system()).await.unwrap().client_id,
        "trainyard"
    );
}
