//! Quotes over HTTP on both databases: drafted and edited by finance, sent as a PDF e-mailed to
//! the client's contact, accepted (creating the program and its draft sessions, exactly once under
//! concurrency) or declined with a reason in the portal, expired when left unanswered, refused
//! cleanly on bad input, and seen only by finance and the client's own contacts.

use crate::common;

use crate::common::{Api, TestApp, course_body, pdf_text};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;
use trainyard_core::Role;

both_backends!(
    a_quote_is_drafted_sent_and_accepted_into_a_program,
    a_quote_is_declined_with_a_reason,
    concurrent_accepts_create_one_program,
    bad_input_is_refused_and_changes_nothing,
    only_finance_and_the_clients_own_contact_see_quotes,
    an_unanswered_quote_expires,
    finance_writes_and_sends_a_quote_in_the_ui,
);

fn year() -> i32 {
    chrono::Datelike::year(&chrono::Utc::now().date_naive())
}

fn in_days(n: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(n)).to_string()
}

async fn client(api: &Api, code: &str) -> i64 {
    api.create(
        "/clients",
        &json!({ "code": code, "name": format!("Client {code}"), "billing_email": format!("ap@{code}.example.com"),
                 "billing_address": "Hauptstr. 1\n10115 Berlin", "currency": "EUR", "time_zone": "Europe/Berlin" }),
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

/// A virtual course (its draft sessions need no venue).
async fn course(api: &Api, code: &str) -> i64 {
    let mut body = course_body(code);
    body["delivery_modes"] = json!(["vilt"]);
    api.create("/courses", &body).await["id"].as_i64().unwrap()
}

/// Two per-session deliveries at 2400.00, and one session of 10 seats at 490.00 less 10 %, all
/// at 19 %: net 4800.00 + 4410.00 = 9210.00, tax 1749.90, total 10959.90.
fn lines(course: i64) -> Value {
    json!([
        { "course_id": course, "sessions": "2", "pricing": "per_session", "unit_price": "2400", "tax_rate": "19" },
        { "course_id": course, "description": "Open seats", "sessions": "1", "pricing": "per_seat", "seats": "10",
          "unit_price": "490", "discount": "10", "tax_rate": "19" }
    ])
}

async fn draft(finance: &Api, client: i64, course: i64) -> Value {
    finance
        .create(
            "/quotes",
            &json!({ "client_id": client, "title": "Leadership programme", "valid_until": in_days(30),
                     "start_week": in_days(40), "lines": lines(course) }),
        )
        .await
}

async fn send(finance: &Api, q: &Value) -> Value {
    let r = finance
        .post(
            &format!("/quotes/{}/send", q["id"]),
            &json!({ "version": q["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "send: {}", r.body);
    r.body
}

async fn outbox_of(t: &TestApp, quote: i64) -> Vec<trainyard_store::outbox::Message> {
    let mut conn = t.app.store.read().await.unwrap();
    let page = trainyard_store::outbox::list(
        &mut conn,
        &trainyard_store::outbox::OutboxFilter {
            per_page: 200,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    page.items
        .into_iter()
        .filter(|m| m.kind == "quote_sent" && m.entity_id == quote)
        .collect()
}

async fn a_quote_is_drafted_sent_and_accepted_into_a_program(t: &TestApp) {
    let ops = t.api_as(Role::Coordinator, None).await;
    let finance = t.api_as(Role::Finance, None).await;
    let acme = client(&ops, "ACME").await;
    let c = course(&ops, "QLD").await;
    t.user("boss@acme.example.com", Role::ClientContact, Some(acme))
        .await;
    let contact = t.api_as(Role::ClientContact, Some(acme)).await;

    let d = draft(&finance, acme, c).await;
    assert_eq!(d["status"], "draft");
    assert_eq!(d["number"], format!("Q-{}-0001", year()));
    assert_eq!(d["lines"].as_array().unwrap().len(), 2, "{d}");
    assert_eq!(d["lines"][0]["description"], "Course QLD");
    assert_eq!(d["net"]["amount"], "9210.00");
    assert_eq!(d["tax"]["amount"], "1749.90");
    assert_eq!(d["gross"]["amount"], "10959.90");
    assert_eq!(d["tax_bands"][0]["rate"], "19 %");
    assert_eq!(d["history"][0]["status"], "draft");
    let monday = d["start_week"].as_str().unwrap();
    assert_eq!(
        chrono::Datelike::weekday(&chrono::NaiveDate::parse_from_str(monday, "%Y-%m-%d").unwrap()),
        chrono::Weekday::Mon
    );

    // The contact sees no draft.
    assert_eq!(contact.get("/quotes").await.body["total"], 0);
    assert_eq!(
        contact.get(&format!("/quotes/{}", d["id"])).await.status,
        StatusCode::NOT_FOUND
    );

    // A draft changes; a stale edit is refused with 409.
    let r = finance
        .send(
            reqwest::Method::PATCH,
            &format!("/quotes/{}", d["id"]),
            Some(&json!({ "version": d["version"], "title": "Leadership programme 2027" })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["title"], "Leadership programme 2027");
    assert_eq!(r.body["gross"]["amount"], "10959.90", "lines kept");
    let stale = finance
        .send(
            reqwest::Method::PATCH,
            &format!("/quotes/{}", d["id"]),
            Some(&json!({ "version": d["version"], "title": "Stale" })),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    let d = r.body;

    // Nothing mailed for a draft; sending queues the PDF to the client's contacts.
    assert!(outbox_of(t, d["id"].as_i64().unwrap()).await.is_empty());
    let sent = send(&finance, &d).await;
    assert_eq!(sent["status"], "sent");
    assert!(sent["sent_on"].is_string());
    let queued = common::mails_to(t, "boss@acme.example.com").await;
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(queued[0].kind, "quote_sent");
    let number = sent["number"].as_str().unwrap().to_owned();
    assert!(queued[0].subject.contains(&number), "{}", queued[0].subject);
    assert!(
        queued[0].body.contains("10959.90 EUR"),
        "{}",
        queued[0].body
    );
    let message = outbox_of(t, d["id"].as_i64().unwrap())
        .await
        .into_iter()
        .find(|m| m.recipient == "boss@acme.example.com")
        .unwrap();
    let due = trainyard_store::outbox::Due {
        id: message.id,
        kind: message.kind.clone(),
        recipient: message.recipient.clone(),
        subject: message.subject.clone(),
        body: queued[0].body.clone(),
        ics: None,
        idempotency_key: String::new(),
        attempts: 0,
        entity_type: "quote".into(),
        entity_id: d["id"].as_i64().unwrap(),
    };
    let files = trainyard_app::delivery::files_of(&t.app, &due)
        .await
        .unwrap();
    assert_eq!(files.len(), 1, "the PDF travels with the mail");
    assert_eq!(files[0].name, format!("{number}.pdf"));
    assert_eq!(files[0].content_type, "application/pdf");
    assert!(files[0].bytes.starts_with(b"%PDF-"));

    // The PDF reads back with the number, the client and the total.
    let r = reqwest::Client::new()
        .get(format!("{}/quotes/{}/pdf", contact.base, d["id"]))
        .bearer_auth(&contact.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let bytes = r.bytes().await.unwrap();
    if let Some(text) = pdf_text(&bytes) {
        for expected in [number.as_str(), "Client ACME", "€10,959.90", "Open seats"] {
            assert!(text.contains(expected), "{expected} in:\n{text}");
        }
    }

    // A sent quote never changes.
    let edit = finance
        .send(
            reqwest::Method::PATCH,
            &format!("/quotes/{}", d["id"]),
            Some(&json!({ "version": sent["version"], "title": "Changed" })),
        )
        .await;
    assert_eq!(edit.status, StatusCode::CONFLICT, "{}", edit.body);
    assert_eq!(
        finance.get(&format!("/quotes/{}", d["id"])).await.body["title"],
        "Leadership programme 2027"
    );
    // Finance cannot answer for the client.
    let r = finance
        .post(
            &format!("/quotes/{}/accept", d["id"]),
            &json!({ "version": sent["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    // The contact sees it and accepts: the program and its three draft sessions exist.
    let listed = contact.get("/quotes").await.body;
    assert_eq!(listed["total"], 1);
    let r = contact
        .post(
            &format!("/quotes/{}/accept", d["id"]),
            &json!({ "version": sent["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "accepted");
    let program = r.body["program_id"].as_i64().unwrap();
    assert_eq!(r.body["session_ids"].as_array().unwrap().len(), 3);
    let p = ops.get(&format!("/programs/{program}")).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert_eq!(p.body["client_id"], acme);
    let sessions = p.body["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 3, "{}", p.body);
    for s in sessions {
        assert_eq!(s["status"], "draft");
        assert_eq!(s["client_id"], acme);
        assert_eq!(s["course_id"], c);
    }
    let seats: Vec<i64> = sessions
        .iter()
        .map(|s| s["capacity"].as_i64().unwrap())
        .collect();
    assert!(
        seats.contains(&10),
        "the per-seat session holds its seats: {seats:?}"
    );

    // Accepting again is refused; nothing more is created.
    let again = contact
        .post(
            &format!("/quotes/{}/accept", d["id"]),
            &json!({ "version": r.body["version"] }),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    let programs = ops.get(&format!("/programs?client_id={acme}")).await.body;
    assert_eq!(programs["total"], 1, "{programs}");
    let got = finance.get(&format!("/quotes/{}", d["id"])).await.body;
    assert_eq!(got["program_id"], program);
    let steps: Vec<&str> = got["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["draft", "sent", "accepted"]);
}

async fn a_quote_is_declined_with_a_reason(t: &TestApp) {
    let ops = t.api_as(Role::Coordinator, None).await;
    let finance = t.api_as(Role::Finance, None).await;
    let acme = client(&ops, "ACME").await;
    let c = course(&ops, "QDC").await;
    let contact = t.api_as(Role::ClientContact, Some(acme)).await;
    let sent = send(&finance, &draft(&finance, acme, c).await).await;
    let r = contact
        .post(
            &format!("/quotes/{}/decline", sent["id"]),
            &json!({ "version": sent["version"], "reason": "  " }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.to_string().contains("reason"), "{}", r.body);
    let r = contact
        .post(
            &format!("/quotes/{}/decline", sent["id"]),
            &json!({ "version": sent["version"], "reason": "Budget moved to next year" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "declined");
    assert_eq!(r.body["decline_reason"], "Budget moved to next year");
    assert_eq!(r.body["program_id"], Value::Null);
    assert_eq!(
        r.body["history"].as_array().unwrap().last().unwrap()["note"],
        "Budget moved to next year"
    );
    // A declined quote cannot be accepted after all.
    let r2 = contact
        .post(
            &format!("/quotes/{}/accept", sent["id"]),
            &json!({ "version": r.body["version"] }),
        )
        .await;
    assert_eq!(r2.status, StatusCode::CONFLICT, "{}", r2.body);
    assert_eq!(
        ops.get(&format!("/programs?client_id={acme}")).await.body["total"],
        0
    );
}

async fn concurrent_accepts_create_one_program(t: &TestApp) {
    let ops = t.api_as(Role::Coordinator, None).await;
    let finance = t.api_as(Role::Finance, None).await;
    let acme = client(&ops, "ACME").await;
    let c = course(&ops, "QCC").await;
    let sent = send(&finance, &draft(&finance, acme, c).await).await;
    let contact = Arc::new(t.api_as(Role::ClientContact, Some(acme)).await);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let contact = contact.clone();
        let (id, version) = (sent["id"].clone(), sent["version"].clone());
        tasks.push(tokio::spawn(async move {
            contact
                .post(
                    &format!("/quotes/{id}/accept"),
                    &json!({ "version": version }),
                )
                .await
                .status
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    let won = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(won, 1, "exactly one accept wins: {statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );
    let programs = ops.get(&format!("/programs?client_id={acme}")).await.body;
    assert_eq!(programs["total"], 1, "{programs}");
    let sessions = ops
        .get(&format!("/sessions?client_id={acme}&per_page=100"))
        .await
        .body;
    assert_eq!(sessions["total"], 3, "{sessions}");
}

async fn bad_input_is_refused_and_changes_nothing(t: &TestApp) {
    let ops = t.api_as(Role::Coordinator, None).await;
    let finance = t.api_as(Role::Finance, None).await;
    let acme = client(&ops, "ACME").await;
    let c = course(&ops, "QBI").await;
    let cases = [
        (
            json!({ "client_id": acme, "title": "X", "lines": [{ "course_id": c, "unit_price": "-100" }] }),
            "lines[0].unit_price",
        ),
        (
            json!({ "client_id": acme, "title": "X", "lines": [{ "course_id": 999_999, "unit_price": "100" }] }),
            "lines[0].course_id",
        ),
        (
            json!({ "client_id": acme, "title": "X", "lines": [] }),
            "lines",
        ),
        (
            json!({ "client_id": acme, "title": "X", "lines": [{ "course_id": c, "unit_price": "100", "sessions": "0" }] }),
            "lines[0].sessions",
        ),
        (
            json!({ "client_id": acme, "title": "X", "valid_until": "2001-01-01", "lines": lines(c) }),
            "valid_until",
        ),
        (
            json!({ "client_id": acme, "title": "X", "currency": "XYZ", "lines": lines(c) }),
            "currency",
        ),
        (json!({ "title": "X", "lines": lines(c) }), "client_id"),
        (
            json!({ "client_id": acme, "title": "", "lines": lines(c) }),
            "title",
        ),
    ];
    for (body, field) in cases {
        let r = finance.post("/quotes", &body).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.body
        );
        assert!(
            r.body.to_string().contains(&format!("\"{field}\"")),
            "{field} named: {}",
            r.body
        );
    }
    assert_eq!(finance.get("/quotes").await.body["total"], 0);

    // Bad lines on an edit leave the draft as it was; the number series has no gap.
    let d = draft(&finance, acme, c).await;
    assert_eq!(d["number"], format!("Q-{}-0001", year()));
    let r = finance
        .send(
            reqwest::Method::PATCH,
            &format!("/quotes/{}", d["id"]),
            Some(&json!({ "version": d["version"], "lines": [{ "course_id": c, "unit_price": "-1" }] })),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let now = finance.get(&format!("/quotes/{}", d["id"])).await.body;
    assert_eq!(now["version"], d["version"]);
    assert_eq!(now["gross"]["amount"], "10959.90");
    // Sending twice: the second is refused.
    let sent = send(&finance, &d).await;
    let r = finance
        .post(
            &format!("/quotes/{}/send", d["id"]),
            &json!({ "version": sent["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
}

async fn only_finance_and_the_clients_own_contact_see_quotes(t: &TestApp) {
    let ops = t.api_as(Role::Coordinator, None).await;
    let finance = t.api_as(Role::Finance, None).await;
    let acme = client(&ops, "ACME").await;
    let other = client(&ops, "OTHER").await;
    let c = course(&ops, "QSE").await;
    let sent = send(&finance, &draft(&finance, acme, c).await).await;
    let id = sent["id"].as_i64().unwrap();
    let stranger = t.api_as(Role::ClientContact, Some(other)).await;
    assert_eq!(stranger.get("/quotes").await.body["total"], 0);
    for path in [format!("/quotes/{id}"), format!("/quotes/{id}/pdf")] {
        assert_eq!(stranger.get(&path).await.status, StatusCode::NOT_FOUND);
    }
    for action in ["accept", "decline"] {
        let r = stranger
            .post(
                &format!("/quotes/{id}/{action}"),
                &json!({ "version": sent["version"], "reason": "no" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{action}: {}", r.body);
    }
    for role in [Role::Coordinator, Role::Instructor, Role::Learner] {
        let api = t.api_as(role, None).await;
        assert_eq!(api.get("/quotes").await.status, StatusCode::FORBIDDEN);
        assert_eq!(
            api.get(&format!("/quotes/{id}")).await.status,
            StatusCode::FORBIDDEN
        );
        let r = api
            .post(
                "/quotes",
                &json!({ "client_id": acme, "title": "X", "lines": lines(c) }),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    // Still sent, untouched.
    assert_eq!(
        finance.get(&format!("/quotes/{id}")).await.body["status"],
        "sent"
    );
}

async fn an_unanswered_quote_expires(t: &TestApp) {
    let ops = t.api_as(Role::Coordinator, None).await;
    let finance = t.api_as(Role::Finance, None).await;
    let acme = client(&ops, "ACME").await;
    let c = course(&ops, "QEX").await;
    let contact = t.api_as(Role::ClientContact, Some(acme)).await;
    let sent = send(&finance, &draft(&finance, acme, c).await).await;
    let id = sent["id"].as_i64().unwrap();
    // Its last valid day passes without an answer.
    {
        let mut tx = t.app.store.write().await.unwrap();
        sqlx::query("UPDATE quotes SET valid_until = '2001-01-01' WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let got = contact.get(&format!("/quotes/{id}")).await.body;
    assert_eq!(got["status"], "expired", "read as expired at once");
    let r = contact
        .post(
            &format!("/quotes/{id}/accept"),
            &json!({ "version": got["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body["detail"].as_str().unwrap().contains("expired"));
    // The sweep records it.
    let n = trainyard_app::quotes::expire_due(&t.app, &t.system())
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(finance.get("/quotes?status=expired").await.body["total"], 1);
    assert_eq!(
        ops.get(&format!("/programs?client_id={acme}")).await.body["total"],
        0
    );
}

async fn finance_writes_and_sends_a_quote_in_the_ui(t: &TestApp) {
    let ops = t.api_as(Role::Coordinator, None).await;
    let acme = client(&ops, "ACME").await;
    let c = course(&ops, "QUI").await;
    let b = t.browser_as(Role::Finance, None).await;
    let csrf = b.csrf().await;
    let (status, html) = b.get("/quotes/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Course QUI"), "{html}");
    let (acme_s, c_s, valid) = (acme.to_string(), c.to_string(), in_days(20));
    let form = |price: &'static str| {
        vec![
            ("_csrf", csrf.clone()),
            ("client_id", acme_s.clone()),
            ("title", "Onboarding".to_owned()),
            ("valid_until", valid.clone()),
            ("start_week", String::new()),
            ("notes", String::new()),
            ("line_course_id", c_s.clone()),
            ("line_description", String::new()),
            ("line_sessions", "2".to_owned()),
            ("line_pricing", "per_session".to_owned()),
            ("line_unit_price", price.to_owned()),
            ("line_seats", String::new()),
            ("line_discount", String::new()),
            ("line_tax_rate", "19".to_owned()),
            ("line_course_id", String::new()),
            ("line_description", String::new()),
            ("line_sessions", String::new()),
            ("line_pricing", "per_session".to_owned()),
            ("line_unit_price", String::new()),
            ("line_seats", String::new()),
            ("line_discount", String::new()),
            ("line_tax_rate", String::new()),
        ]
    };
    let as_refs = |f: &Vec<(&'static str, String)>| -> Vec<(&'static str, String)> { f.clone() };
    let bad = as_refs(&form("-5"));
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, html) = b.post_form("/quotes", &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("must not be negative"), "{html}");
    assert!(html.contains("value=\"Onboarding\""));
    let good = form("1000");
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, html) = b.post_form("/quotes", &good).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("2380.00 EUR"), "2 × 1000 + 19 %: {html}");
    let number = format!("Q-{}-0001", year());
    assert!(html.contains(&number));
    let finance = t.api_as(Role::Finance, None).await;
    let q = &finance.get("/quotes").await.body["items"][0];
    let (status, html) = b
        .post_form(
            &format!("/quotes/{}/send", q["id"]),
            &[("_csrf", &csrf), ("version", &q["version"].to_string())],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Sent to the client"), "{html}");
    let (_, list) = b.get("/quotes?status=sent").await;
    assert!(list.contains(&number), "{list}");
    let (status, _) = b.get(&format!("/quotes/{}/pdf", q["id"])).await;
    assert_eq!(status, StatusCode::OK);

    // The contact declines it in the portal with a reason.
    let portal = t.browser_as(Role::ClientContact, Some(acme)).await;
    let pcsrf = portal.csrf().await;
    let (status, html) = portal.get(&format!("/quotes/{}", q["id"])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Decline"), "{html}");
    let (_, home) = portal.get("/").await;
    assert!(home.contains(&number), "the portal lists the quote: {home}");
    let sent = finance.get(&format!("/quotes/{}", q["id"])).await.body;
    let (status, html) = portal
        .post_form(
            &format!("/quotes/{}/decline", q["id"]),
            &[
                ("_csrf", &pcsrf),
                ("version", &sent["version"].to_string()),
                ("reason", "Too early for us"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Too early for us"), "{html}");
    assert_eq!(
        finance.get(&format!("/quotes/{}", q["id"])).await.body["status"],
        "declined"
    );
}
