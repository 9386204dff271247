//! Compliance checklists, documents, evidence packs and substitutions (issue 16 §4, §5) over
//! HTTP on both databases: a late upload counts as late on the dashboard; an evidence pack holds
//! exactly the session's documents; bad uploads are refused with 422 and store nothing; an
//! upload whose transaction fails leaves nothing; substitution steps are tracked to done. The
//! checklists are kept current by marks (migration 0046): a change made by direct SQL reaches the
//! next dashboard read, and a requirement created after its sessions gives each its item.

use crate::common::{Api, TestApp, course_body};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::Read as _;
use trainyard_core::Role;

both_backends!(
    an_upload_after_its_deadline_counts_as_late,
    the_evidence_pack_holds_exactly_the_sessions_documents,
    bad_uploads_are_refused_and_store_nothing,
    an_upload_whose_transaction_fails_leaves_nothing,
    substitution_steps_are_tracked_to_done,
    the_pages_show_the_checklist_and_errors_at_the_field,
    changes_behind_the_apps_back_reach_the_next_dashboard_read,
    a_requirement_created_after_sessions_gives_each_its_item,
);

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

async fn client(api: &Api, code: &str) -> i64 {
    id(&api
        .create(
            "/clients",
            &json!({ "code": code, "name": format!("Client {code}"), "billing_email": format!("billing@{code}.example.com"),
                     "currency": "EUR", "time_zone": "Europe/Berlin" }),
        )
        .await)
}

/// A scheduled private session of `client` starting in half an hour.
async fn session(api: &Api, course: i64, client: i64) -> i64 {
    let berlin = trainyard_core::TimeZoneName::parse("Europe/Berlin").unwrap();
    let soon = berlin.local(trainyard_core::time::now_ms() + 30 * 60_000);
    let fmt = |d: chrono::DateTime<chrono_tz::Tz>| d.format("%Y-%m-%dT%H:%M").to_string();
    let s = api
        .create("/sessions", &json!({
            "course_id": course, "visibility": "private", "client_id": client, "delivery_mode": "vilt",
            "capacity": 10, "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" },
            "parts": [{ "starts": fmt(soon), "ends": fmt(soon + chrono::Duration::minutes(60)) }]
        }))
        .await;
    let sid = id(&s);
    let r = api
        .post(
            &format!("/sessions/{sid}/transition"),
            &json!({ "event": "schedule", "version": s["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    sid
}

async fn requirement(api: &Api, client: i64, kind: &str, name: &str, hours: i64) -> i64 {
    id(&api
        .create(
            "/compliance-requirements",
            &json!({ "client_id": client, "kind": kind, "name": name, "deadline_hours": hours,
                     "parameter": if kind == "document" { name } else { "" } }),
        )
        .await)
}

/// Sends a multipart upload by hand (one file part, and the requirement when given).
async fn upload(
    t: &TestApp,
    api: &Api,
    session: i64,
    requirement: Option<i64>,
    name: &str,
    bytes: &[u8],
) -> (StatusCode, Value) {
    let boundary = "----trainyard-test-boundary";
    let mut body = Vec::new();
    if let Some(r) = requirement {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"requirement_id\"\r\n\r\n{r}\r\n")
                .as_bytes(),
        );
    }
    let escaped = name.replace('"', "%22");
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{escaped}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = reqwest::Client::new()
        .post(t.url(&format!("/api/v1/sessions/{session}/documents")))
        .bearer_auth(&api.token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn checklist(api: &Api, session: i64) -> Value {
    let r = api.get(&format!("/sessions/{session}/compliance")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
}

fn item(list: &Value, requirement: i64) -> &Value {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["requirement_id"] == json!(requirement))
        .unwrap()
}

async fn document_rows(t: &TestApp) -> i64 {
    let mut conn = t.app.store.read().await.unwrap();
    sqlx::Row::try_get::<i64, _>(
        &sqlx::query("SELECT count(*) AS n FROM documents")
            .fetch_one(&mut *conn)
            .await
            .unwrap(),
        "n",
    )
    .unwrap()
}

const PDF: &[u8] = b"%PDF-1.4\n% a signed sheet\n";

async fn an_upload_after_its_deadline_counts_as_late(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let c = client(&api, "late").await;
    let course = id(&api.create("/courses", &course_body("LATE")).await);
    let s = session(&api, course, c).await;
    // Due two days before the session ends: already past. And one due two days after.
    let past = requirement(&api, c, "document", "Signed attendance sheet", -48).await;
    let future = requirement(&api, c, "document", "Room checklist", 48).await;
    let manual = requirement(
        &api,
        c,
        "manual",
        "Feedback response rate at least 60 %",
        -24,
    )
    .await;

    let list = checklist(&api, s).await;
    assert_eq!(item(&list, past)["state"], "overdue");
    assert_eq!(item(&list, future)["state"], "open");
    assert_eq!(item(&list, manual)["state"], "overdue");
    let d = api.get(&format!("/compliance?client_id={c}")).await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.body);
    assert_eq!(d.body["counts"]["overdue"], 2);
    assert_eq!(d.body["counts"]["open"], 1);
    assert_eq!(d.body["counts"]["met_late"], 0);
    // Overdue first.
    assert_eq!(d.body["items"][0]["state"], "overdue");

    let (st, doc) = upload(t, &api, s, Some(past), "sheet.pdf", PDF).await;
    assert_eq!(st, StatusCode::CREATED, "{doc}");
    let (st, _) = upload(t, &api, s, Some(future), "room.txt", b"all fine").await;
    assert_eq!(st, StatusCode::CREATED);
    let list = checklist(&api, s).await;
    assert_eq!(item(&list, past)["state"], "met_late");
    assert_eq!(item(&list, past)["document_id"], doc["id"]);
    assert_eq!(item(&list, future)["state"], "met");

    let d = api.get(&format!("/compliance?client_id={c}")).await;
    assert_eq!(d.body["counts"]["overdue"], 1);
    assert_eq!(d.body["counts"]["open"], 0);
    assert_eq!(d.body["counts"]["met_late"], 1);
    let late = api
        .get(&format!("/compliance?client_id={c}&state=met_late"))
        .await;
    assert_eq!(late.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(late.body["items"][0]["requirement_id"], json!(past));
    // A state the dashboard does not know is a clear 400.
    let bad = api.get("/compliance?state=finished").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);

    // The manual item is ticked with a note (required), late.
    let m = item(&list, manual).clone();
    let r = api
        .post(
            &format!("/compliance-items/{}/tick", id(&m)),
            &json!({ "version": m["version"], "note": "" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = api
        .post(
            &format!("/compliance-items/{}/tick", id(&m)),
            &json!({ "version": m["version"], "note": "62 % answered on paper" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["state"], "met_late");
    let d = api.get(&format!("/compliance?client_id={c}")).await;
    assert_eq!(d.body["counts"]["overdue"], 0);
    assert_eq!(d.body["counts"]["met_late"], 2);
}

async fn the_evidence_pack_holds_exactly_the_sessions_documents(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let c = client(&api, "pack").await;
    let other_client = client(&api, "other").await;
    let course = id(&api.create("/courses", &course_body("PACK")).await);
    let s1 = session(&api, course, c).await;
    let s2 = session(&api, course, c).await;
    let sheet = requirement(&api, c, "document", "Signed attendance sheet", 48).await;
    let (st, a) = upload(t, &api, s1, Some(sheet), "sheet.pdf", PDF).await;
    assert_eq!(st, StatusCode::CREATED, "{a}");
    let (_, b) = upload(t, &api, s1, None, "notes.txt", b"room 4, projector ok").await;
    let (_, other) = upload(t, &api, s2, None, "other.txt", b"not in s1's pack").await;
    assert!(other["id"].is_i64());

    let contact = t.api_as(Role::ClientContact, Some(c)).await;
    let stranger = t.api_as(Role::ClientContact, Some(other_client)).await;
    let learner = t.api_as(Role::Learner, None).await;
    let http = reqwest::Client::new();
    let fetch = |who: &Api, path: String| {
        http.get(t.url(&format!("/api/v1{path}")))
            .bearer_auth(who.token.clone())
            .send()
    };
    let r = fetch(&contact, format!("/sessions/{s1}/evidence-pack"))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/zip");
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut names: Vec<String> = (0..zip.len())
        .map(|i| zip.by_index(i).unwrap().name().unwrap().into_owned())
        .collect();
    names.sort();
    let mut expected = vec![
        format!("documents/{}-notes.txt", id(&b)),
        format!("documents/{}-sheet.pdf", id(&a)),
        "summary.pdf".to_owned(),
    ];
    expected.sort();
    assert_eq!(names, expected);
    let mut content = Vec::new();
    zip.by_name(&format!("documents/{}-sheet.pdf", id(&a)))
        .unwrap()
        .read_to_end(&mut content)
        .unwrap();
    assert_eq!(content, PDF);
    let mut summary = Vec::new();
    zip.by_name("summary.pdf")
        .unwrap()
        .read_to_end(&mut summary)
        .unwrap();
    assert!(summary.starts_with(b"%PDF-"));

    // Another client's contact does not learn the session exists; a learner may not.
    let r = fetch(&stranger, format!("/sessions/{s1}/evidence-pack"))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = fetch(&learner, format!("/sessions/{s1}/evidence-pack"))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // The client's pack for the period: each session in its own folder.
    let today = chrono::Utc::now().date_naive();
    let period = format!(
        "from={}&to={}",
        today - chrono::Duration::days(1),
        today + chrono::Duration::days(1)
    );
    let r = fetch(&contact, format!("/clients/{c}/evidence-pack?{period}"))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let zip =
        zip::ZipArchive::new(std::io::Cursor::new(r.bytes().await.unwrap().to_vec())).unwrap();
    assert_eq!(zip.len(), 4, "three documents and the summary");
    let r = fetch(&contact, format!("/clients/{c}/evidence-pack?from=soon"))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = fetch(&stranger, format!("/clients/{c}/evidence-pack?{period}"))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // A document downloads as an attachment with its stored type.
    let r = fetch(&contact, format!("/documents/{}", id(&b)))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/plain");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let r = fetch(&stranger, format!("/documents/{}", id(&b)))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

async fn bad_uploads_are_refused_and_store_nothing(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let c = client(&api, "bad").await;
    let course = id(&api.create("/courses", &course_body("BADU")).await);
    let s = session(&api, course, c).await;
    let sheet = requirement(&api, c, "document", "Signed attendance sheet", 48).await;
    let too_large = vec![b'a'; 1024 * 1024 + 1];
    let cases: Vec<(&str, &[u8])> = vec![
        ("big.txt", &too_large),
        ("virus.exe", b"MZ\x90\x00"),
        ("sheet.pdf", b"<html>not a pdf</html>"),
        ("../../etc/passwd", b"root:x:0:0"),
        ("..\\..\\boot.txt", b"x"),
        ("sheet\u{1}.pdf", PDF),
        ("sheet\u{202e}fdp.txt", b"x"),
        ("empty.txt", b""),
    ];
    for (name, bytes) in cases {
        let (st, body) = upload(t, &api, s, Some(sheet), name, bytes).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{name:?}: {body}");
        assert_eq!(body["errors"][0]["field"], "file", "{name:?}: {body}");
    }
    // A requirement that is not a document one, or not on this checklist.
    let manual = requirement(&api, c, "manual", "Tick me", 48).await;
    let (st, body) = upload(t, &api, s, Some(manual), "ok.txt", b"fine").await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "requirement_id");
    assert_eq!(document_rows(t).await, 0);
    let list = checklist(&api, s).await;
    assert_eq!(item(&list, sheet)["state"], "open");
    assert!(list["documents"].as_array().unwrap().is_empty());
    // No file at all.
    let r = api
        .post(&format!("/sessions/{s}/documents"), &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    // Who may not upload: a finance user, a client contact, a learner.
    for role in [Role::Finance, Role::ClientContact, Role::Learner] {
        let who = t
            .api_as(role, (role == Role::ClientContact).then_some(c))
            .await;
        let (st, body) = upload(t, &who, s, None, "ok.txt", b"fine").await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{role:?}: {body}");
    }
    assert_eq!(document_rows(t).await, 0);
}

async fn an_upload_whose_transaction_fails_leaves_nothing(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let c = client(&api, "fail").await;
    let course = id(&api.create("/courses", &course_body("FAIL")).await);
    let s = session(&api, course, c).await;
    let sheet = requirement(&api, c, "document", "Signed attendance sheet", 48).await;
    let list = checklist(&api, s).await;
    let it = item(&list, sheet).clone();
    // The paper copy is ticked first: the upload's item update then finds it met, after the
    // document row was written in the same transaction.
    let r = api
        .post(
            &format!("/compliance-items/{}/tick", id(&it)),
            &json!({ "version": it["version"], "note": "paper copy in the Berlin office" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (st, body) = upload(t, &api, s, Some(sheet), "sheet.pdf", PDF).await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");
    assert_eq!(document_rows(t).await, 0, "no orphan document");
    let list = checklist(&api, s).await;
    assert!(list["documents"].as_array().unwrap().is_empty());
    assert_eq!(item(&list, sheet)["met_by"], "tick");

    // Two uploads racing for one open item: one meets it, the other leaves nothing.
    let other = requirement(&api, c, "document", "Room checklist", 48).await;
    let (a, b) = tokio::join!(
        upload(t, &api, s, Some(other), "one.pdf", PDF),
        upload(t, &api, s, Some(other), "two.pdf", PDF)
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::CREATED, StatusCode::CONFLICT]);
    assert_eq!(document_rows(t).await, 1);
}

async fn substitution_steps_are_tracked_to_done(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let c = client(&api, "subs").await;
    let mut body = course_body("SUBS");
    body["required_skill"] = json!("subs");
    let course = id(&api.create("/courses", &body).await);
    let s = session(&api, course, c).await;
    let inst = |name: &str| {
        json!({ "name": name, "email": format!("{name}@inst.example.com"), "employment_type": "contractor",
                "time_zone": "Europe/Berlin", "currency": "EUR", "day_rate": { "amount": "800", "currency": "EUR" },
                "hour_rate": { "amount": "100", "currency": "EUR" }, "max_days_week": 5, "max_days_month": 20, "skills": ["subs"] })
    };
    let admin = t.api_as(Role::Admin, None).await;
    let i1 = id(&admin.create("/instructors", &inst("sone")).await);
    let i2 = id(&admin.create("/instructors", &inst("stwo")).await);
    let mut a = api
        .create(
            &format!("/sessions/{s}/assignments"),
            &json!({ "instructor_id": i1, "role": "lead" }),
        )
        .await;
    for event in ["request", "accept", "confirm"] {
        let r = api
            .post(
                &format!("/assignments/{}/actions", id(&a)),
                &json!({ "event": event, "version": a["version"], "override_reason": "test" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{event}: {}", r.body);
        a = r.body;
    }
    assert_eq!(a["status"], "confirmed");
    // The confirmed instructor is withdrawn: a substitution opens by itself.
    let r = api
        .post(
            &format!("/assignments/{}/actions", id(&a)),
            &json!({ "event": "cancel", "version": a["version"], "override_reason": "ill" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let open = api
        .get(&format!("/substitutions?session_id={s}&open=true"))
        .await;
    assert_eq!(open.status, StatusCode::OK, "{}", open.body);
    let subs = open.body.as_array().unwrap();
    assert_eq!(subs.len(), 1);
    let sub = subs[0].clone();
    assert_eq!(sub["instructor_id"], json!(i1));
    assert_eq!(sub["reason"], "ill");
    assert_eq!(sub["steps"].as_array().unwrap().len(), 3);
    let d = api.get("/compliance").await;
    assert!(
        d.body["open_substitutions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == sub["id"])
    );
    let path = format!("/substitutions/{}/steps", id(&sub));
    let api_ref = &api;
    let step = |body: Value| {
        let path = path.clone();
        async move { api_ref.post(&path, &body).await }
    };
    // The replacement must be named, and not the one who dropped out.
    let r = step(json!({ "step": "replacement_chosen" })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = step(json!({ "step": "replacement_chosen", "replacement_instructor_id": i1 })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = step(json!({ "step": "nonsense" })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = step(json!({ "step": "replacement_chosen", "replacement_instructor_id": i2, "note": "first in the ranking" })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["replacement_instructor_id"], json!(i2));
    assert_eq!(r.body["status"], "open");
    let r = step(json!({ "step": "replacement_chosen", "replacement_instructor_id": i2 })).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "done once: {}", r.body);
    let r = step(json!({ "step": "client_informed", "note": "phoned Ms Weber" })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "open");
    let r = step(json!({ "step": "learners_informed", "note": "e-mailed" })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "done");
    assert!(r.body["closed_at"].is_string());
    assert!(
        r.body["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["done"] == true)
    );
    let d = api.get("/compliance").await;
    assert!(
        !d.body["open_substitutions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == sub["id"]),
        "off the dashboard once done"
    );
    // An instructor or a client contact does not see substitutions.
    let contact = t.api_as(Role::ClientContact, Some(c)).await;
    let r = contact.get("/substitutions").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

async fn the_pages_show_the_checklist_and_errors_at_the_field(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let c = client(&api, "page").await;
    let course = id(&api.create("/courses", &course_body("PAGE")).await);
    let s = session(&api, course, c).await;
    let sheet = requirement(&api, c, "document", "Signed attendance sheet", -48).await;
    let b = t.browser_as(Role::Coordinator, None).await;
    let (st, html) = b.get("/compliance").await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("Signed attendance sheet"), "{html}");
    assert!(html.contains("id=\"count-overdue\">1<"), "{html}");
    assert!(html.contains("href=\"/compliance\""), "the nav links to it");
    let (st, html) = b.get("/compliance/requirements").await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("Signed attendance sheet"));
    // A requirement without a name: the error at the field, nothing saved.
    let csrf = b.csrf().await;
    let (st, html) = b
        .post_form(
            "/compliance/requirements",
            &[
                ("_csrf", csrf.as_str()),
                ("client_id", &c.to_string()),
                ("kind", "manual"),
                ("name", ""),
                ("deadline_hours", "24"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("id=\"e-name\""), "{html}");
    let (st, html) = b.get(&format!("/sessions/{s}/compliance")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("upload-form"));
    // A hostile name through the page's form: the page again, the error at the file field.
    let boundary = "----page-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"requirement_id\"\r\n\r\n{sheet}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../../etc/passwd\"\r\n\r\nroot\r\n\
         --{boundary}--\r\n"
    );
    let r = b
        .http
        .post(format!("{}/sessions/{s}/documents", b.base))
        .header("origin", &b.base)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"e-file\""), "{html}");
    assert!(html.contains("without folders"), "{html}");
    assert_eq!(document_rows(t).await, 0);
}

/// Runs one statement behind the application's back (as an import or another tool would).
async fn sql(t: &TestApp, statement: &str, binds: &[i64]) {
    let mut tx = t.app.store.write().await.unwrap();
    let mut q = sqlx::query(sqlx::AssertSqlSafe(statement.to_owned()));
    for b in binds {
        q = q.bind(*b);
    }
    q.execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
}

async fn count(t: &TestApp, statement: &str, binds: &[i64]) -> i64 {
    let mut conn = t.app.store.read().await.unwrap();
    let mut q = sqlx::query(sqlx::AssertSqlSafe(statement.to_owned()));
    for b in binds {
        q = q.bind(*b);
    }
    sqlx::Row::try_get::<i64, _>(&q.fetch_one(&mut *conn).await.unwrap(), 0).unwrap()
}

async fn changes_behind_the_apps_back_reach_the_next_dashboard_read(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let c = client(&api, "marks").await;
    let course = id(&api.create("/courses", &course_body("MARKS")).await);
    let s1 = session(&api, course, c).await;
    let s2 = session(&api, course, c).await;
    let certs = requirement(&api, c, "certificates_issued", "Certificates issued", 48).await;
    let d = api.get(&format!("/compliance?client_id={c}")).await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.body);
    assert_eq!(d.body["counts"]["open"], 2, "{}", d.body);
    assert_eq!(d.body["counts"]["overdue"], 0);
    // The dashboard's read took every mark: the next one has nothing to do.
    assert_eq!(
        count(t, "SELECT count(*) FROM compliance_stale", &[]).await,
        0
    );

    // A certificate row written by direct SQL for the first session (nobody completed it, so
    // one certificate is all of them): the next read shows its item met by the system.
    let learner = id(&api
        .create("/learners", &json!({ "first_name": "Mara", "last_name": "Marks", "email": "mara@marks.example.com", "time_zone": "Europe/Berlin" }))
        .await);
    sql(
        t,
        "INSERT INTO certificates (code, learner_id, course_id, session_id, learner_name, course_title, \
         certificate_name, issued_on, created_at, updated_at) \
         VALUES ('MARKS0000001', $1, $2, $3, 'Mara Marks', 'Marks', 'Marks', '2026-01-01', $4, $4)",
        &[learner, course, s1, trainyard_core::time::now_ms()],
    )
    .await;
    let d = api.get(&format!("/compliance?client_id={c}")).await;
    assert_eq!(d.body["counts"]["open"], 1, "{}", d.body);
    let items = d.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["session_id"], json!(s2));
    let met = count(
        t,
        "SELECT count(*) FROM session_compliance_items WHERE session_id = $1 AND requirement_id = $2 AND met_by = 'system'",
        &[s1, certs],
    )
    .await;
    assert_eq!(met, 1);

    // The second session moved three days earlier by direct SQL: its open item is now overdue
    // (due two days after the new end, which is in the past).
    let day = 86_400_000;
    sql(
        t,
        "UPDATE sessions SET starts_at = starts_at - $1, ends_at = ends_at - $1 WHERE id = $2",
        &[3 * day, s2],
    )
    .await;
    let d = api.get(&format!("/compliance?client_id={c}")).await;
    assert_eq!(d.body["counts"]["overdue"], 1, "{}", d.body);
    assert_eq!(d.body["counts"]["open"], 0, "{}", d.body);
    assert_eq!(d.body["items"][0]["state"], "overdue");

    // Cancelled behind the app's back: a session without a checklist drops its open items.
    sql(
        t,
        "UPDATE sessions SET status = 'cancelled' WHERE id = $1",
        &[s2],
    )
    .await;
    let d = api.get(&format!("/compliance?client_id={c}")).await;
    assert_eq!(d.body["counts"]["overdue"], 0, "{}", d.body);
    assert_eq!(d.body["counts"]["open"], 0, "{}", d.body);
    assert_eq!(d.body["total"], 0, "{}", d.body);
    // The met item of the first session stays as evidence.
    assert_eq!(
        count(
            t,
            "SELECT count(*) FROM session_compliance_items WHERE session_id = $1",
            &[s1]
        )
        .await,
        1
    );
}

async fn a_requirement_created_after_sessions_gives_each_its_item(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let c = client(&api, "later").await;
    let other = client(&api, "other").await;
    let course = id(&api.create("/courses", &course_body("LATER")).await);
    let mut sessions = Vec::new();
    for _ in 0..3 {
        sessions.push(session(&api, course, c).await);
    }
    let elsewhere = session(&api, course, other).await;
    // Every session's checklist was brought up to date before any requirement existed.
    let d = api.get("/compliance").await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.body);
    assert_eq!(
        count(t, "SELECT count(*) FROM compliance_stale", &[]).await,
        0
    );

    let sheet = requirement(&api, c, "document", "Signed attendance sheet", 48).await;
    let d = api.get(&format!("/compliance?client_id={c}")).await;
    assert_eq!(d.body["counts"]["open"], 3, "{}", d.body);
    assert_eq!(d.body["total"], 3);
    for s in &sessions {
        let n = count(
            t,
            "SELECT count(*) FROM session_compliance_items WHERE session_id = $1 AND requirement_id = $2",
            &[*s, sheet],
        )
        .await;
        assert_eq!(n, 1, "session {s}");
    }
    let n = count(
        t,
        "SELECT count(*) FROM session_compliance_items WHERE session_id = $1",
        &[elsewhere],
    )
    .await;
    assert_eq!(n, 0, "another client's session has no item");

    // A course's requirement reaches the sessions of both clients.
    let r = api
        .create(
            "/compliance-requirements",
            &json!({ "course_id": course, "kind": "manual", "name": "Feedback reviewed", "deadline_hours": 168 }),
        )
        .await;
    let review = id(&r);
    let d = api.get(&format!("/compliance?course_id={course}")).await;
    assert_eq!(d.body["counts"]["open"], 7, "{}", d.body);
    let n = count(
        t,
        "SELECT count(*) FROM session_compliance_items WHERE requirement_id = $1",
        &[review],
    )
    .await;
    assert_eq!(n, 4);

    // Changing the deadline moves the open items (written again for every session).
    let r = api
        .put(
            &format!("/compliance-requirements/{sheet}"),
            &json!({ "client_id": c, "kind": "document", "name": "Signed attendance sheet",
                     "deadline_hours": -48, "parameter": "Signed attendance sheet", "version": 1 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let d = api
        .get(&format!("/compliance?client_id={c}&state=overdue"))
        .await;
    assert_eq!(d.body["counts"]["overdue"], 3, "{}", d.body);
    assert_eq!(d.body["items"].as_array().unwrap().len(), 3);

    // A session handed to the other client by direct SQL: the first client's sheet goes from its
    // checklist, its course review follows it to the other client's dashboard.
    sql(
        t,
        "UPDATE sessions SET client_id = $1 WHERE id = $2",
        &[other, sessions[0]],
    )
    .await;
    let d = api.get(&format!("/compliance?client_id={c}")).await;
    assert_eq!(d.body["counts"]["overdue"], 2, "{}", d.body);
    assert_eq!(d.body["counts"]["open"], 2, "{}", d.body);
    let d = api.get(&format!("/compliance?client_id={other}")).await;
    assert_eq!(d.body["counts"]["open"], 2, "{}", d.body);
    assert_eq!(d.body["counts"]["overdue"], 0, "{}", d.body);
    let d = api.get(&format!("/compliance?course_id={course}")).await;
    assert_eq!(d.body["total"], 6, "{}", d.body);
}
