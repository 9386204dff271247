//! `Idempotency-Key` after a crash, on SQLite and PostgreSQL. A process killed mid-request leaves
//! its claim in flight; the tests leave exactly such rows behind and retry:
//!
//! * killed before the change committed: retries get 409 "still being processed" while the claim's
//!   lease runs, then one retry runs the request — once — and later retries get its response;
//! * killed after the change committed but before the response was stored: the change is not run
//!   again; retries get a stored 409 "response lost" instead of 409 "still being processed" forever.

use crate::common::{Api, TestApp, course_body};
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Row;
use trainyard_app::accounts::secret_hash;
use trainyard_core::Role;
use trainyard_core::time::now_ms;

both_backends!(
    a_retry_after_a_crash_before_the_commit_runs_once,
    a_retry_after_a_crash_after_the_commit_does_not_run_again,
);

async fn send(api: &Api, body: &Value, key: &str) -> (StatusCode, Value, bool) {
    let r = api
        .http
        .post(format!("{}/courses", api.base))
        .bearer_auth(&api.token)
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let replayed = r.headers().get("idempotent-replayed").is_some();
    (status, r.json().await.unwrap_or(Value::Null), replayed)
}

async fn courses_with_code(t: &TestApp, code: &str) -> i64 {
    sqlx::query("SELECT count(*) AS n FROM courses WHERE code = $1")
        .bind(code)
        .fetch_one(t.app.store.pool())
        .await
        .unwrap()
        .get("n")
}

/// The request hash the server stores for a POST /courses with `body`, learnt from a real request
/// (the fingerprint is method, path and body).
async fn request_hash(t: &TestApp, api: &Api, user: i64, body: &Value) -> String {
    let (status, ..) = send(api, &course_body("PROBE"), "probe").await;
    assert_eq!(status, StatusCode::CREATED);
    let stored: String = sqlx::query(
        "SELECT request_hash FROM idempotency_keys WHERE user_id = $1 AND idem_key = 'probe'",
    )
    .bind(user)
    .fetch_one(t.app.store.pool())
    .await
    .unwrap()
    .get("request_hash");
    let probe = serde_json::to_string(&course_body("PROBE")).unwrap();
    let path = ["/courses", "/api/v1/courses"]
        .into_iter()
        .find(|p| secret_hash(&format!("POST {p} {probe}")) == stored)
        .expect("the fingerprint is POST, the path and the body");
    secret_hash(&format!(
        "POST {path} {}",
        serde_json::to_string(body).unwrap()
    ))
}

async fn user_id(api: &Api) -> i64 {
    api.get("/me").await.body["id"].as_i64().unwrap()
}

async fn a_retry_after_a_crash_before_the_commit_runs_once(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let user = user_id(&api).await;
    let body = course_body("CRASH1");
    let hash = request_hash(t, &api, user, &body).await;

    // What a process killed mid-request leaves behind: its claim, in flight, change rolled back.
    let now = now_ms();
    sqlx::query(
        "INSERT INTO idempotency_keys (user_id, idem_key, request_hash, status, response_body, created_at, \
         claimed_until, committed) VALUES ($1, 'crashed', $2, 0, '', $3, $4, 0)",
    )
    .bind(user)
    .bind(&hash)
    .bind(now)
    .bind(now + trainyard_app::idempotency::LEASE_MS)
    .execute(t.app.store.pool())
    .await
    .unwrap();

    // While the lease runs the first request might still be working: nothing runs twice.
    let (status, problem, _) = send(&api, &body, "crashed").await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("still being processed")
    );
    assert_eq!(courses_with_code(t, "CRASH1").await, 0);

    // The lease runs out: the next retry runs the request, once.
    sqlx::query("UPDATE idempotency_keys SET claimed_until = $1 WHERE idem_key = 'crashed'")
        .bind(now - 1)
        .execute(t.app.store.pool())
        .await
        .unwrap();
    let (status, created, replayed) = send(&api, &body, "crashed").await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert!(!replayed);
    let (status, again, replayed) = send(&api, &body, "crashed").await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(replayed, "later retries get the stored response");
    assert_eq!(again["id"], created["id"]);
    assert_eq!(courses_with_code(t, "CRASH1").await, 1);

    // A different request cannot take over a dead claim of another.
    let now = now_ms();
    sqlx::query(
        "INSERT INTO idempotency_keys (user_id, idem_key, request_hash, status, response_body, created_at, \
         claimed_until, committed) VALUES ($1, 'crashed-2', $2, 0, '', $3, $3, 0)",
    )
    .bind(user)
    .bind(&hash)
    .bind(now - 1)
    .execute(t.app.store.pool())
    .await
    .unwrap();
    let (status, ..) = send(&api, &course_body("OTHER"), "crashed-2").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(courses_with_code(t, "OTHER").await, 0);
}

async fn a_retry_after_a_crash_after_the_commit_does_not_run_again(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let body = course_body("CRASH2");
    let (status, created, _) = send(&api, &body, "committed").await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let pool = t.app.store.pool();
    let committed: i64 =
        sqlx::query("SELECT committed FROM idempotency_keys WHERE idem_key = 'committed'")
            .fetch_one(pool)
            .await
            .unwrap()
            .get("committed");
    assert_eq!(committed, 1, "the change's transaction marked its claim");

    // Now as if the process had died between the commit and storing the response, and the lease
    // has run out since.
    sqlx::query(
        "UPDATE idempotency_keys SET status = 0, response_body = '', claimed_until = $1 \
         WHERE idem_key = 'committed'",
    )
    .bind(now_ms() - 1)
    .execute(pool)
    .await
    .unwrap();
    for _ in 0..2 {
        let (status, problem, _) = send(&api, &body, "committed").await;
        assert_eq!(status, StatusCode::CONFLICT, "{problem}");
        assert_eq!(
            problem["type"],
            "https://trainyard.dev/problems/idempotent-response-lost"
        );
    }
    assert_eq!(courses_with_code(t, "CRASH2").await, 1, "run once");

    // A request that changed nothing (refused) leaves its claim uncommitted: its answer is stored
    // as usual, and replayed.
    let mut bad = course_body("BAD");
    bad["title"] = Value::String(String::new());
    let (status, ..) = send(&api, &bad, "refused").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let committed: i64 =
        sqlx::query("SELECT committed FROM idempotency_keys WHERE idem_key = 'refused'")
            .fetch_one(pool)
            .await
            .unwrap()
            .get("committed");
    assert_eq!(committed, 0);
    let (status, _, replayed) = send(&api, &bad, "refused").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(replayed);
}
