//! The JSON API driven over HTTP against a real database, on SQLite and PostgreSQL.

use crate::common::{TestApp, course_body, venue_body};
use reqwest::StatusCode;
use serde_json::{Value, json};
use trainyard_core::Role;

both_backends!(
    course_crud_validation_stale_edits_and_audit,
    unknown_time_zone_is_refused_and_changes_nothing,
    bad_input_gets_problem_details,
    learners_and_client_contacts_see_only_their_own,
    idempotency_key_makes_a_retry_safe,
    sessions_with_parts_lifecycle_and_dst,
    health_and_openapi_document,
    audit_chain_stays_gapless_under_concurrent_writes,
);

async fn course_crud_validation_stale_edits_and_audit(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let created = api.create("/courses", &course_body("XL-ADV")).await;
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["code"], "XL-ADV");
    assert_eq!(
        created["list_price"],
        json!({ "amount": "890.00", "currency": "EUR" })
    );
    assert_eq!(created["version"], 1);
    assert!(
        created["created_at"].as_str().unwrap().ends_with('Z'),
        "RFC 3339 timestamps: {}",
        created["created_at"]
    );

    // Validation: every problem named, nothing created.
    let mut bad = course_body("BAD");
    bad["title"] = json!("");
    bad["min_learners"] = json!(20);
    bad["list_price"]["currency"] = json!("EURO");
    let r = api.post("/courses", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.headers["content-type"], "application/problem+json");
    let fields: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["title", "min_learners", "currency"]);

    // A duplicate code is a conflict naming the field.
    let r = api.post("/courses", &course_body("xl-adv")).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "code");

    // Edit with the version read; a second edit from the same stale version is refused.
    let mut edit = course_body("XL-ADV");
    edit["title"] = json!("Excel Advanced");
    edit["version"] = json!(1);
    let r = api.put(&format!("/courses/{id}"), &edit).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["version"], 2);
    edit["title"] = json!("Lost update");
    let r = api.put(&format!("/courses/{id}"), &edit).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body["type"].as_str().unwrap().ends_with("/stale"));
    assert_eq!(
        api.get(&format!("/courses/{id}")).await.body["title"],
        "Excel Advanced"
    );

    // Search, archive, and the archived list.
    let r = api.get("/courses?q=excel").await;
    assert_eq!(r.body["total"], 1);
    let r = api.delete(&format!("/courses/{id}?version=2")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(api.get("/courses").await.body["total"], 0);
    assert_eq!(api.get("/courses?archived=true").await.body["total"], 1);

    // The history: who, when, what, before and after.
    let h = api.get(&format!("/history/course/{id}")).await;
    assert_eq!(h.status, StatusCode::OK);
    let actions: Vec<&str> = h
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec!["course.archived", "course.updated", "course.created"]
    );
    let update = &h.body[1];
    assert_eq!(update["before"]["title"], "Course XL-ADV");
    assert_eq!(update["after"]["title"], "Excel Advanced");
    assert!(
        update["actor_label"]
            .as_str()
            .unwrap()
            .contains("coordinator")
    );
    assert!(
        trainyard_app::history::verify(&t.app, &t.system())
            .await
            .unwrap()
            >= 4
    );
}

async fn unknown_time_zone_is_refused_and_changes_nothing(t: &TestApp) {
    let api = t.api_as(Role::Manager, None).await;
    let r = api
        .post("/venues", &venue_body("MARS", "Mars/Olympus_Mons"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["errors"][0]["field"], "time_zone");
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("'Mars/Olympus_Mons' is not a known IANA time zone")
    );
    assert_eq!(api.get("/venues").await.body["total"], 0);
    // A session with an unknown zone is refused the same way.
    let course = api.create("/courses", &course_body("TZ")).await;
    let r = api
        .post("/sessions", &json!({
            "course_id": course["id"], "visibility": "public", "delivery_mode": "vilt", "capacity": 10,
            "time_zone": "Europe/Atlantis", "seat_price": { "amount": "0", "currency": "EUR" },
            "parts": [{ "starts": "2026-03-09T09:00", "ends": "2026-03-09T17:00" }]
        }))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["errors"][0]["field"], "time_zone");
    assert_eq!(api.get("/sessions").await.body["total"], 0);
}

async fn bad_input_gets_problem_details(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let raw = |body: &'static str| {
        api.http
            .post(format!("{}/courses", api.base))
            .bearer_auth(&api.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let r = raw("{\"code\": \"X\", ").await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let r = raw("{\"code\": {\"nested\": 1}}").await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["detail"].as_str().unwrap().contains("code"),
        "names the field: {body}"
    );
    // Oversized body.
    // Oversized body: refused from its declared length, before it is read (raw HTTP, so that the
    // client does not race the early answer while still writing).
    {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut sock = tokio::net::TcpStream::connect(t.addr).await.unwrap();
        let head = format!(
            "POST /api/v1/courses HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            t.addr,
            api.token,
            3 * 1024 * 1024
        );
        sock.write_all(head.as_bytes()).await.unwrap();
        let mut buf = vec![0u8; 512];
        let n = sock.read(&mut buf).await.unwrap();
        let answer = String::from_utf8_lossy(&buf[..n]);
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    }
    // Unknown and malformed ids.
    assert_eq!(
        api.get("/courses/999999").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(api.get("/courses/abc").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        api.get("/no-such-endpoint").await.status,
        StatusCode::NOT_FOUND
    );
    // Wrong query types name the parameter.
    let r = api.get("/sessions?course_id=abc").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    // No credentials, bad credentials.
    let r = reqwest::get(format!("{}/courses", api.base)).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = api
        .http
        .get(format!("{}/courses", api.base))
        .bearer_auth("ty_nonsense")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // Nothing was created by any of it.
    assert_eq!(api.get("/courses").await.body["total"], 0);
}

async fn learners_and_client_contacts_see_only_their_own(t: &TestApp) {
    let staff = t.api_as(Role::Coordinator, None).await;
    let client = |code: &str| json!({ "code": code, "name": format!("Client {code}"), "billing_email": format!("ap@{}.example", code.to_lowercase()), "currency": "EUR", "time_zone": "Europe/Berlin" });
    let acme = staff.create("/clients", &client("ACME")).await["id"]
        .as_i64()
        .unwrap();
    let globex = staff.create("/clients", &client("GLOBEX")).await["id"]
        .as_i64()
        .unwrap();
    let learner = |first: &str, client: i64| json!({ "first_name": first, "last_name": "Doe", "email": format!("{}@x.example", first.to_lowercase()), "client_id": client, "time_zone": "Europe/Berlin" });
    let ann = staff.create("/learners", &learner("Ann", acme)).await["id"]
        .as_i64()
        .unwrap();
    let gus = staff.create("/learners", &learner("Gus", globex)).await["id"]
        .as_i64()
        .unwrap();

    let contact = t.api_as(Role::ClientContact, Some(acme)).await;
    let r = contact.get("/learners").await;
    assert_eq!(r.status, StatusCode::OK);
    let emails: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, vec!["ann@x.example"]);
    assert_eq!(
        contact.get(&format!("/learners/{ann}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        contact.get(&format!("/learners/{gus}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        contact
            .get(&format!("/learners?client_id={globex}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(contact.get("/courses").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        contact
            .post("/learners", &learner("Eve", acme))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    let learner_api = t.api_as(Role::Learner, None).await;
    for path in [
        "/courses",
        "/sessions",
        "/learners",
        "/instructors",
        "/clients",
        "/venues",
        "/resources",
    ] {
        let r = learner_api.get(path).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "learner on {path}");
        assert!(
            r.body["detail"]
                .as_str()
                .unwrap()
                .starts_with("you are not allowed to")
        );
    }
    assert_eq!(
        learner_api
            .post("/courses", &course_body("NOPE"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let instructor = t.api_as(Role::Instructor, None).await;
    assert_eq!(
        instructor
            .post("/courses", &course_body("NOPE"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let finance = t.api_as(Role::Finance, None).await;
    assert_eq!(finance.get("/courses").await.status, StatusCode::OK);
    assert_eq!(
        finance.post("/courses", &course_body("NOPE")).await.status,
        StatusCode::FORBIDDEN
    );
}

async fn idempotency_key_makes_a_retry_safe(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let send = |body: Value, key: &'static str| {
        api.http
            .post(format!("{}/courses", api.base))
            .bearer_auth(&api.token)
            .header("idempotency-key", key)
            .json(&body)
            .send()
    };
    let first = send(course_body("IDEM"), "key-1").await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first_body: Value = first.json().await.unwrap();
    let retry = send(course_body("IDEM"), "key-1").await.unwrap();
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    let retry_body: Value = retry.json().await.unwrap();
    assert_eq!(first_body["id"], retry_body["id"]);
    assert_eq!(api.get("/courses").await.body["total"], 1);
    let other = send(course_body("OTHER"), "key-1").await.unwrap();
    assert_eq!(other.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(api.get("/courses").await.body["total"], 1);
}

async fn sessions_with_parts_lifecycle_and_dst(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let course = api.create("/courses", &course_body("DST")).await;
    let venue = api
        .create("/venues", &venue_body("BER", "Europe/Berlin"))
        .await;
    // Friday before and Monday after the spring DST change, both 09:00 Berlin time.
    let body = json!({
        "course_id": course["id"], "visibility": "public", "delivery_mode": "ilt", "venue_id": venue["id"],
        "capacity": 12, "time_zone": "Europe/Berlin", "seat_price": { "amount": "890", "currency": "EUR" },
        "parts": [
            { "starts": "2026-03-27T09:00", "ends": "2026-03-27T17:00" },
            { "starts": "2026-03-30T09:00:00+02:00", "ends": "2026-03-30T17:00:00+02:00" }
        ]
    });
    let s = api.create("/sessions", &body).await;
    let id = s["id"].as_i64().unwrap();
    assert_eq!(s["status"], "draft");
    assert_eq!(s["reference"], format!("S-{id:05}"));
    let d = api.get(&format!("/sessions/{id}")).await.body;
    let starts: Vec<&str> = d["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["starts_at"].as_str().unwrap())
        .collect();
    assert_eq!(starts, vec!["2026-03-27T08:00:00Z", "2026-03-30T07:00:00Z"]);
    assert_eq!(d["venue_name"], "Venue BER");

    // A time inside the DST gap does not exist.
    let mut gap = body.clone();
    gap["parts"] = json!([{ "starts": "2026-03-29T02:30", "ends": "2026-03-29T05:00" }]);
    let r = api.post("/sessions", &gap).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("does not exist in Europe/Berlin")
    );
    // An end before its start, and a 30-day part.
    let mut backwards = body.clone();
    backwards["parts"] = json!([{ "starts": "2026-03-27T17:00", "ends": "2026-03-27T09:00" }]);
    assert_eq!(
        api.post("/sessions", &backwards).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let mut long = body.clone();
    long["parts"] = json!([{ "starts": "2026-03-01T09:00", "ends": "2026-03-31T09:00" }]);
    assert_eq!(
        api.post("/sessions", &long).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // Lifecycle: allowed moves succeed, others explain themselves.
    let r = api
        .post(
            &format!("/sessions/{id}/transition"),
            &json!({ "event": "deliver", "version": 1 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        r.body["detail"],
        "A draft session cannot be marked delivered: schedule it first."
    );
    let r = api
        .post(
            &format!("/sessions/{id}/transition"),
            &json!({ "event": "schedule", "version": 1 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "scheduled");
    let r = api
        .post(
            &format!("/sessions/{id}/transition"),
            &json!({ "event": "confirm", "version": 1 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "stale version refused");
    let r = api
        .post(
            &format!("/sessions/{id}/transition"),
            &json!({ "event": "confirm", "version": 2 }),
        )
        .await;
    assert_eq!(r.body["status"], "confirmed");
    let list = api
        .get("/sessions?status=confirmed&from=2026-03-01&to=2026-03-31")
        .await;
    assert_eq!(list.body["total"], 1);
    assert_eq!(api.get("/sessions?from=2026-04-01").await.body["total"], 0);
}

async fn health_and_openapi_document(t: &TestApp) {
    let r = reqwest::get(t.url("/healthz")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["database"], "reachable");
    let doc: Value = reqwest::get(t.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/courses",
        "/courses/{id}",
        "/sessions/{id}/transition",
        "/learners",
        "/me",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }
    let docs = reqwest::get(t.url("/api/v1/docs/")).await.unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
}

/// Concurrent changes each leave one event, the history shows them at once (sealed or not), and the
/// sealed chain is gapless and verifies; deleting its newest event is detected.
async fn audit_chain_stays_gapless_under_concurrent_writes(t: &TestApp) {
    let api = std::sync::Arc::new(t.api_as(Role::Coordinator, None).await);
    let before = trainyard_app::history::verify(&t.app, &t.system())
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..40 {
        let api = api.clone();
        tasks.push(tokio::spawn(async move {
            api.create("/courses", &course_body(&format!("CC-{i}")))
                .await
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap()["id"].as_i64().unwrap());
    }
    // Every record's history shows its creation straight away.
    for id in &ids {
        let h = api.get(&format!("/history/course/{id}")).await;
        assert_eq!(
            h.body[0]["action"], "course.created",
            "history of course {id}"
        );
    }
    let after = trainyard_app::history::verify(&t.app, &t.system())
        .await
        .unwrap();
    assert_eq!(after, before + 40);
    let pending: i64 = sqlx::Row::get(
        &sqlx::query("SELECT count(*) AS n FROM audit_pending")
            .fetch_one(t.app.store.pool())
            .await
            .unwrap(),
        "n",
    );
    assert_eq!(pending, 0, "verifying seals everything first");
    // Sealed events show in the history too, now with their hash.
    let h = api.get(&format!("/history/course/{}", ids[0])).await;
    assert_eq!(h.body[0]["pending"], false);
    assert_eq!(h.body[0]["hash"].as_str().unwrap().len(), 64);

    sqlx::query("DELETE FROM audit_events WHERE id = $1")
        .bind(after)
        .execute(t.app.store.pool())
        .await
        .unwrap();
    let broken = trainyard_app::history::verify(&t.app, &t.system()).await;
    assert!(broken.is_err(), "a deleted newest event is detected");
}
