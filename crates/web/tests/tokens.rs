//! Scoped API tokens (issue 18 §5), over HTTP on both databases: each scope against a read and a
//! write of each area, a read-only token refused on every write of the OpenAPI document,
//! expired and revoked tokens, the last-used time, and tokens that never exceed their owner.

use crate::common;

use crate::common::{Api, Browser, PASSWORD, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use trainyard_core::Role;

both_backends!(
    each_scope_opens_its_area_only,
    a_read_only_token_is_refused_on_every_write,
    expired_and_revoked_tokens_are_unauthenticated,
    last_use_is_recorded_at_most_once_a_minute,
    a_token_never_exceeds_its_owner_or_its_maker,
    tokens_are_made_and_revoked_in_the_ui,
);

/// A token of the same user as `api`, with `scopes`, made through the API.
async fn token_with(api: &Api, scopes: &[&str]) -> Api {
    let r = api
        .post(
            "/tokens",
            &json!({ "name": format!("scoped {}", scopes.join("+")), "scopes": scopes }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    Api {
        base: api.base.clone(),
        token: r.body["secret"].as_str().unwrap().to_owned(),
        http: reqwest::Client::new(),
    }
}

/// One read and one write per area: (area, read path, write path). The writes carry an empty
/// body, so an admin who may make them gets 422 and nothing changes.
const AREAS: &[(&str, &str, &str)] = &[
    ("scheduling", "/courses", "/courses"),
    ("enrollment", "/learners", "/learners"),
    ("finance", "/invoices", "/invoices"),
    ("reports", "/reports/kpis", "/report-views"),
    ("admin", "/users", "/users"),
];

fn assert_missing_scope(r: &common::Reply, scope: &str, what: &str) {
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{what}: {}", r.body);
    assert_eq!(
        r.body["type"], "https://trainyard.dev/problems/missing-scope",
        "{what}: {}",
        r.body
    );
    assert_eq!(r.body["required_scope"], scope, "{what}");
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("'{scope}'")),
        "{what}: the problem names the scope: {}",
        r.body
    );
}

async fn each_scope_opens_its_area_only(t: &TestApp) {
    let admin = t.api_as(Role::Admin, None).await;
    for scope in [
        "read",
        "scheduling",
        "enrollment",
        "finance",
        "reports",
        "admin",
    ] {
        let token = token_with(&admin, &[scope]).await;
        for (area, read, write) in AREAS {
            let what = format!("a '{scope}' token reading {area} ({read})");
            let r = token.get(read).await;
            if scope == "read" || scope == *area {
                assert_eq!(r.status, StatusCode::OK, "{what}: {}", r.body);
            } else {
                assert_missing_scope(&r, area, &what);
            }
            let what = format!("a '{scope}' token writing {area} ({write})");
            let r = token.post(write, &json!({})).await;
            if scope == *area {
                assert_eq!(
                    r.status,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "{what}: {}",
                    r.body
                );
            } else {
                assert_missing_scope(&r, area, &what);
            }
        }
        // Who am I answers any live token.
        assert_eq!(token.get("/me").await.status, StatusCode::OK);
    }
}

/// Every operation of the served document, with its path's parameters filled in.
async fn operations(t: &TestApp) -> Vec<(String, String, Value)> {
    let doc: Value = reqwest::get(t.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op.get("responses").is_none() {
                continue;
            }
            // Any value will do: the refusal comes before the record is looked up.
            let filled: String = path
                .split('/')
                .map(|seg| if seg.starts_with('{') { "1" } else { seg })
                .collect::<Vec<_>>()
                .join("/");
            out.push((method.to_uppercase(), filled, op.clone()));
        }
    }
    out
}

fn public(op: &Value) -> bool {
    op["security"].as_array().is_some_and(|s| {
        s.iter()
            .any(|r| r.as_object().is_some_and(|o| o.is_empty()))
    })
}

async fn a_read_only_token_is_refused_on_every_write(t: &TestApp) {
    let admin = t.api_as(Role::Admin, None).await;
    let read = token_with(&admin, &["read"]).await;
    let ops = operations(t).await;
    let mut writes = 0;
    for (method, path, op) in &ops {
        if public(op) {
            continue;
        }
        let id = op["operationId"].as_str().unwrap();
        // The document states the scope of every operation but who-am-I.
        let tag = op["tags"][0].as_str().unwrap();
        if tag != "account" {
            let required = op["x-required-scope"].as_str();
            assert!(required.is_some(), "{id} states no x-required-scope");
            let accepted: Vec<&str> = op["x-accepted-scopes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap())
                .collect();
            assert_eq!(
                accepted.contains(&"read"),
                method == "GET",
                "{id}: {accepted:?}"
            );
            assert_eq!(accepted[0], required.unwrap(), "{id}");
        }
        let body = (method != "GET" && method != "DELETE").then(|| json!({}));
        let r = read
            .send(
                Method::from_bytes(method.as_bytes()).unwrap(),
                path,
                body.as_ref(),
            )
            .await;
        if method == "GET" {
            assert_ne!(
                r.body["type"], "https://trainyard.dev/problems/missing-scope",
                "{id}: a read-only token may read ({method} {path})"
            );
        } else {
            writes += 1;
            assert_missing_scope(&r, op["x-required-scope"].as_str().unwrap(), id);
        }
    }
    assert!(writes > 100, "the document lists the writes ({writes})");
}

async fn expired_and_revoked_tokens_are_unauthenticated(t: &TestApp) {
    let admin = t.api_as(Role::Admin, None).await;
    let a = token_with(&admin, &["read"]).await;
    let b = token_with(&admin, &["read"]).await;
    assert_eq!(a.get("/courses").await.status, StatusCode::OK);
    assert_eq!(b.get("/courses").await.status, StatusCode::OK);
    let listed = admin.get("/tokens").await.body;
    let id_of = |name: &str| -> i64 {
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == name)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    // Both are named "scoped read"; the newest is listed first.
    let b_id = id_of("scoped read");
    let a_id = b_id - 1;
    assert!(listed[0]["expires_at"].is_string());

    // Revoked through the API by its owner: 401 from then on.
    let r = admin
        .post(&format!("/tokens/{b_id}/revoke"), &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = b.get("/courses").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    // Someone else's token is not found.
    let other = t.api_as(Role::Admin, None).await;
    let r = other
        .post(&format!("/tokens/{a_id}/revoke"), &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(a.get("/courses").await.status, StatusCode::OK);

    // Expired: 401 as well.
    {
        let mut conn = t.app.store.read().await.unwrap();
        sqlx::query("UPDATE api_tokens SET expires_at = $1 WHERE id = $2")
            .bind(trainyard_core::time::now_ms() - 1)
            .bind(a_id)
            .execute(&mut *conn)
            .await
            .unwrap();
    }
    let r = a.get("/courses").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    assert!(r.body["detail"].as_str().unwrap().contains("expired"));

    // Lifetimes are bounded.
    let r = admin
        .post(
            "/tokens",
            &json!({ "name": "forever", "scopes": ["read"], "expires_in_days": 400 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["errors"][0]["field"], "expires_in_days");
    let r = admin
        .post("/tokens", &json!({ "name": "nothing", "scopes": [] }))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = admin
        .post("/tokens", &json!({ "name": "bad", "scopes": ["write"] }))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["errors"][0]["field"], "scopes");
}

async fn last_use_is_recorded_at_most_once_a_minute(t: &TestApp) {
    let admin = t.api_as(Role::Admin, None).await;
    let token = token_with(&admin, &["scheduling"]).await;
    let last_used = |list: &Value| list[0]["last_used_at"].clone();
    let before = admin.get("/tokens").await.body;
    assert!(last_used(&before).is_null(), "{before}");
    assert_eq!(token.get("/courses").await.status, StatusCode::OK);
    let after = admin.get("/tokens").await.body;
    let first = last_used(&after);
    assert!(first.is_string(), "{after}");
    // Used again within the minute: not written again.
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    assert_eq!(token.get("/courses").await.status, StatusCode::OK);
    assert_eq!(last_used(&admin.get("/tokens").await.body), first);
}

async fn a_token_never_exceeds_its_owner_or_its_maker(t: &TestApp) {
    // A coordinator's finance token still meets the coordinator's role.
    let coordinator = t.api_as(Role::Coordinator, None).await;
    let finance = token_with(&coordinator, &["finance"]).await;
    let r = finance.post("/invoices", &json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.body["type"], "https://trainyard.dev/problems/forbidden");

    // A token makes tokens only with scopes it holds (and needs `admin` to make any).
    let admin = t.api_as(Role::Admin, None).await;
    let narrow = token_with(&admin, &["admin", "read"]).await;
    let r = narrow
        .post(
            "/tokens",
            &json!({ "name": "wider", "scopes": ["finance"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = narrow
        .post("/tokens", &json!({ "name": "same", "scopes": ["read"] }))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let finance_only = token_with(&admin, &["finance"]).await;
    let r = finance_only
        .post("/tokens", &json!({ "name": "any", "scopes": ["finance"] }))
        .await;
    assert_missing_scope(&r, "admin", "a finance token making a token");
}

async fn tokens_are_made_and_revoked_in_the_ui(t: &TestApp) {
    let email = "ui-tokens@example.com";
    t.user(email, Role::Finance, None).await;
    let b = Browser::new(t);
    assert_eq!(b.login(email, PASSWORD).await.status(), StatusCode::OK);
    let csrf = b.csrf().await;
    let (status, page) = b
        .post_form(
            "/account/tokens",
            &[
                ("_csrf", csrf.as_str()),
                ("name", "Accounting export"),
                ("scopes", "read"),
                ("scopes", "finance"),
                ("expires_in_days", "30"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let marker = "<code id=\"new-token\">";
    let start = page.find(marker).expect("the secret, once") + marker.len();
    let secret = page[start..].split('<').next().unwrap().to_owned();
    assert!(secret.starts_with("ty_"));
    assert!(page.contains("read finance"));
    let api = Api {
        base: t.url("/api/v1"),
        token: secret.clone(),
        http: reqwest::Client::new(),
    };
    assert_eq!(api.get("/invoices").await.status, StatusCode::OK);
    assert_missing_scope(
        &api.post("/courses", &json!({})).await,
        "scheduling",
        "a read and finance token writing courses",
    );
    // Shown once: the list page never shows it again.
    let (_, list) = b.get("/account/tokens").await;
    assert!(!list.contains(&secret));
    // No scope ticked: refused, the form kept.
    let (status, page) = b
        .post_form(
            "/account/tokens",
            &[
                ("_csrf", csrf.as_str()),
                ("name", "Nothing"),
                ("expires_in_days", "30"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("choose at least one scope"), "{page}");
    assert!(page.contains("value=\"Nothing\""));
    // Revoked in the UI.
    let listed = api.get("/me").await;
    assert_eq!(listed.status, StatusCode::OK);
    let id = {
        let mut conn = t.app.store.read().await.unwrap();
        let row = sqlx::query("SELECT id FROM api_tokens WHERE name = 'Accounting export'")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        sqlx::Row::try_get::<i64, _>(&row, "id").unwrap()
    };
    let (status, _) = b
        .post_form(
            &format!("/account/tokens/{id}/revoke"),
            &[("_csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(api.get("/invoices").await.status, StatusCode::UNAUTHORIZED);
}
