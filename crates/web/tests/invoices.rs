//! Invoices and credit notes over HTTP on both databases: drafted from a session's enrollments
//! without billing anyone twice, issued with gapless numbers under concurrency, paid (overpayment
//! to the client's credit), corrected by credit note, refused cleanly on bad input, and seen only
//! by finance and the client's own contacts.

use crate::common;

use crate::common::{Api, TestApp, course_body, pdf_text, venue_body};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;
use trainyard_core::Role;

both_backends!(
    a_session_is_invoiced_paid_and_credited,
    fifty_concurrent_issues_take_consecutive_numbers,
    bad_input_is_refused_and_changes_nothing,
    client_contacts_see_only_their_own_issued_invoices,
    finance_writes_and_issues_an_invoice_in_the_ui,
    an_issued_invoice_prints_as_a_pdf_with_selectable_text,
);

fn year() -> i32 {
    chrono::Datelike::year(&chrono::Utc::now().date_naive())
}

async fn client(api: &Api, code: &str) -> i64 {
    api.create(
        "/clients",
        &json!({ "code": code, "name": format!("Client {code}"), "billing_email": format!("ap@{code}.example.com"),
                 "currency": "EUR", "time_zone": "Europe/Berlin" }),
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

fn draft(client: i64, lines: Value) -> Value {
    json!({ "client_id": client, "lines": lines })
}

fn one_line(price: &str) -> Value {
    json!([{ "description": "Workshop day", "quantity": "1", "unit_price": price, "tax_rate": "19" }])
}

/// A public session with three learners of `acme` (one cancelled) and one of another client.
async fn enrolled_session(ops: &Api, acme: i64, other: i64) -> (i64, String) {
    let venue = ops
        .create("/venues", &venue_body("INV", "Europe/Berlin"))
        .await["id"]
        .as_i64()
        .unwrap();
    let course = ops.create("/courses", &course_body("INV1")).await["id"]
        .as_i64()
        .unwrap();
    let day = (chrono::Utc::now().date_naive() + chrono::Duration::days(20)).to_string();
    let s = ops
        .create(
            "/sessions",
            &json!({ "course_id": course, "visibility": "public", "delivery_mode": "ilt", "capacity": 10, "venue_id": venue,
                     "time_zone": "Europe/Berlin", "seat_price": { "amount": "990", "currency": "EUR" },
                     "parts": [{ "starts": format!("{day}T09:00"), "ends": format!("{day}T17:00") }] }),
        )
        .await;
    let sid = s["id"].as_i64().unwrap();
    let r = ops
        .post(
            &format!("/sessions/{sid}/transition"),
            &json!({ "event": "schedule", "version": s["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "schedule: {}", r.body);
    let mut enrollments = Vec::new();
    for (n, c) in [("ann", acme), ("ben", acme), ("cat", acme), ("dan", other)] {
        let l = ops
            .create(
                "/learners",
                &json!({ "first_name": n, "last_name": "Learner", "email": format!("{n}@inv.example.com"),
                         "client_id": c, "time_zone": "Europe/Berlin" }),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        let e = ops
            .create(
                &format!("/sessions/{sid}/enrollments"),
                &json!({ "learner_id": l }),
            )
            .await;
        enrollments.push(e);
    }
    let cat = &enrollments[2];
    let r = ops
        .post(
            &format!("/enrollments/{}/cancel", cat["id"]),
            &json!({ "version": cat["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "cancel: {}", r.body);
    (sid, s["reference"].as_str().unwrap().to_owned())
}

async fn issue(api: &Api, inv: &Value) -> common::Reply {
    api.post(
        &format!("/invoices/{}/issue", inv["id"]),
        &json!({ "version": inv["version"] }),
    )
    .await
}

async fn a_session_is_invoiced_paid_and_credited(t: &TestApp) {
    let ops = t.api_as(Role::Coordinator, None).await;
    let finance = t.api_as(Role::Finance, None).await;
    let acme = client(&ops, "ACME").await;
    let other = client(&ops, "OTHER").await;
    let (sid, _) = enrolled_session(&ops, acme, other).await;

    // Two booked learners of ACME (the cancelled one and the other client's are left out).
    let d = finance
        .create(
            &format!("/sessions/{sid}/invoices"),
            &json!({ "client_id": acme, "tax_rate": "19" }),
        )
        .await;
    assert_eq!(d["status"], "draft");
    assert_eq!(d["number"], Value::Null);
    assert_eq!(d["lines"].as_array().unwrap().len(), 2, "{d}");
    assert_eq!(d["net"]["amount"], "1980.00");
    assert_eq!(d["tax"]["amount"], "376.20");
    assert_eq!(d["gross"]["amount"], "2356.20");
    assert_eq!(d["tax_bands"][0]["rate"], "19 %");

    // Nobody is billed twice while the draft lives.
    let again = finance
        .post(
            &format!("/sessions/{sid}/invoices"),
            &json!({ "client_id": acme, "tax_rate": "19" }),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(
        again.body["detail"]
            .as_str()
            .unwrap()
            .contains("Nothing to invoice")
    );

    let issued = issue(&finance, &d).await;
    assert_eq!(issued.status, StatusCode::OK, "{}", issued.body);
    let inv = issued.body;
    assert_eq!(inv["status"], "issued");
    assert_eq!(inv["number"], format!("{}-000001", year()));
    assert!(inv["due_on"].as_str().unwrap() > inv["issued_on"].as_str().unwrap());

    // An issued invoice never changes.
    let edit = finance
        .put(
            &format!("/invoices/{}", inv["id"]),
            &json!({ "version": inv["version"], "lines": one_line("1") }),
        )
        .await;
    assert_eq!(edit.status, StatusCode::CONFLICT, "{}", edit.body);
    assert!(
        edit.body["detail"]
            .as_str()
            .unwrap()
            .contains("credit note")
    );

    let pay = |amount: &str| json!({ "amount": amount, "received_on": "2026-12-01", "reference": "bank 1" });
    let r = finance
        .post(&format!("/invoices/{}/payments", inv["id"]), &pay("1000"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "partly_paid");
    assert_eq!(r.body["balance"]["amount"], "1356.20");
    let r = finance
        .post(&format!("/invoices/{}/payments", inv["id"]), &pay("1500"))
        .await;
    assert_eq!(r.body["status"], "paid");
    assert_eq!(r.body["balance"]["amount"], "0.00");
    let credit = finance.get(&format!("/clients/{acme}/credit")).await;
    assert_eq!(
        credit.body,
        json!([{ "amount": "143.80", "currency": "EUR" }])
    );

    // A credit note takes it all back: the invoice is credited, what was paid is the client's.
    let note = finance
        .create(
            &format!("/invoices/{}/credit-note", inv["id"]),
            &json!({ "reason": "the session was cancelled by us" }),
        )
        .await;
    assert_eq!(note["kind"], "credit_note");
    assert_eq!(note["gross"]["amount"], "-2356.20");
    let issued_note = issue(&finance, &note).await;
    assert_eq!(issued_note.status, StatusCode::OK, "{}", issued_note.body);
    assert_eq!(issued_note.body["number"], format!("CN-{}-000001", year()));
    let after = finance.get(&format!("/invoices/{}", inv["id"])).await.body;
    assert_eq!(after["status"], "credited");
    assert_eq!(
        after["credit_notes"][0]["number"],
        issued_note.body["number"]
    );
    let credit = finance.get(&format!("/clients/{acme}/credit")).await;
    assert_eq!(
        credit.body,
        json!([{ "amount": "2500.00", "currency": "EUR" }])
    );
    // Once credited, the learners may be invoiced again.
    finance
        .create(
            &format!("/sessions/{sid}/invoices"),
            &json!({ "client_id": acme }),
        )
        .await;
}

async fn fifty_concurrent_issues_take_consecutive_numbers(t: &TestApp) {
    let finance = Arc::new(t.api_as(Role::Finance, None).await);
    let ops = t.api_as(Role::Coordinator, None).await;
    let acme = client(&ops, "ACME").await;
    let mut drafts = Vec::new();
    for i in 0..50 {
        drafts.push(
            finance
                .create(
                    "/invoices",
                    &draft(acme, one_line(&format!("{}.50", 100 + i))),
                )
                .await,
        );
    }
    // One issue that fails (a stale version) must not use a number.
    let stale = finance
        .post(
            &format!("/invoices/{}/issue", drafts[0]["id"]),
            &json!({ "version": 99 }),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let tasks: Vec<_> = drafts
        .into_iter()
        .map(|d| {
            let api = finance.clone();
            tokio::spawn(async move { issue(&api, &d).await })
        })
        .collect();
    let mut numbers = Vec::new();
    for task in tasks {
        let r = task.await.unwrap();
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        numbers.push(r.body["number"].as_str().unwrap().to_owned());
    }
    numbers.sort();
    let expected: Vec<String> = (1..=50).map(|n| format!("{}-{n:06}", year())).collect();
    assert_eq!(numbers, expected, "50 distinct consecutive numbers, no gap");
}

async fn bad_input_is_refused_and_changes_nothing(t: &TestApp) {
    let finance = t.api_as(Role::Finance, None).await;
    let other_finance = t.api_as(Role::Finance, None).await;
    let ops = t.api_as(Role::Coordinator, None).await;
    let acme = client(&ops, "ACME").await;

    let r = finance
        .post(
            "/invoices",
            &json!({ "client_id": acme, "currency": "EURO",
                     "lines": [{ "description": "", "quantity": "0", "unit_price": "-5", "tax_rate": "150" }] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let fields: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["currency"], "{}", r.body);
    let r = finance
        .post(
            "/invoices",
            &draft(
                acme,
                json!([{ "description": "", "quantity": "0", "unit_price": "-5", "tax_rate": "150" }]),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "lines[0].description",
            "lines[0].quantity",
            "lines[0].unit_price",
            "lines[0].tax_rate"
        ]
    );
    assert_eq!(
        finance.get("/invoices").await.body["total"],
        0,
        "nothing written"
    );

    let d = finance
        .create("/invoices", &draft(acme, one_line("100")))
        .await;
    // A payment on a draft, two editors of one draft.
    let r = finance
        .post(
            &format!("/invoices/{}/payments", d["id"]),
            &json!({ "amount": "10" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let first = finance
        .put(
            &format!("/invoices/{}", d["id"]),
            &json!({ "version": d["version"], "lines": one_line("120") }),
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let second = other_finance
        .put(
            &format!("/invoices/{}", d["id"]),
            &json!({ "version": d["version"], "lines": one_line("130") }),
        )
        .await;
    assert_eq!(second.status, StatusCode::CONFLICT);
    let now = finance.get(&format!("/invoices/{}", d["id"])).await.body;
    assert_eq!(
        now["net"]["amount"], "120.00",
        "the second edit changed nothing"
    );

    // Issuing twice; a negative or zero payment; a payment on a credited invoice.
    let issued = issue(&finance, &now).await.body;
    let twice = issue(&finance, &issued).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert!(
        twice.body["detail"]
            .as_str()
            .unwrap()
            .contains("already issued")
    );
    for amount in ["-1", "0", "abc"] {
        let r = finance
            .post(
                &format!("/invoices/{}/payments", issued["id"]),
                &json!({ "amount": amount }),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{amount}");
    }
    let note = finance
        .create(
            &format!("/invoices/{}/credit-note", issued["id"]),
            &json!({ "reason": "wrong client" }),
        )
        .await;
    issue(&finance, &note).await;
    let r = finance
        .post(
            &format!("/invoices/{}/payments", issued["id"]),
            &json!({ "amount": "10" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("fully credited")
    );
    let after = finance
        .get(&format!("/invoices/{}", issued["id"]))
        .await
        .body;
    assert_eq!(after["paid"]["amount"], "0.00");
    // Crediting again is refused.
    let r = finance
        .post(
            &format!("/invoices/{}/credit-note", issued["id"]),
            &json!({ "reason": "again" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

async fn client_contacts_see_only_their_own_issued_invoices(t: &TestApp) {
    let finance = t.api_as(Role::Finance, None).await;
    let ops = t.api_as(Role::Coordinator, None).await;
    let acme = client(&ops, "ACME").await;
    let globex = client(&ops, "GLOBEX").await;
    let ours = finance
        .create("/invoices", &draft(acme, one_line("100")))
        .await;
    let ours = issue(&finance, &ours).await.body;
    let our_draft = finance
        .create("/invoices", &draft(acme, one_line("50")))
        .await;
    let theirs = finance
        .create("/invoices", &draft(globex, one_line("70")))
        .await;
    let theirs = issue(&finance, &theirs).await.body;

    let contact = t.api_as(Role::ClientContact, Some(acme)).await;
    let list = contact.get("/invoices").await;
    assert_eq!(list.status, StatusCode::OK);
    let ids: Vec<i64> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [ours["id"].as_i64().unwrap()], "own issued only");
    // Asking for another client's invoice, or a filter for it, shows nothing of it.
    let list = contact.get(&format!("/invoices?client_id={globex}")).await;
    assert_eq!(list.body["total"], 1);
    for other in [&theirs, &our_draft] {
        let r = contact.get(&format!("/invoices/{}", other["id"])).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
    assert_eq!(
        contact
            .get(&format!("/invoices/{}", ours["id"]))
            .await
            .status,
        StatusCode::OK
    );
    let r = contact
        .post(
            &format!("/invoices/{}/payments", ours["id"]),
            &json!({ "amount": "100" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    for role in [Role::Coordinator, Role::Instructor, Role::Learner] {
        let api = t.api_as(role, None).await;
        assert_eq!(api.get("/invoices").await.status, StatusCode::FORBIDDEN);
        assert_eq!(
            api.get(&format!("/invoices/{}", ours["id"])).await.status,
            StatusCode::FORBIDDEN
        );
    }
}

async fn finance_writes_and_issues_an_invoice_in_the_ui(t: &TestApp) {
    let ops = t.api_as(Role::Coordinator, None).await;
    let acme = client(&ops, "ACME").await;
    let b = t.browser_as(Role::Finance, None).await;
    let csrf = b.csrf().await;
    let (status, html) = b.get("/invoices/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Draft from session"));
    let acme_s = acme.to_string();
    // A bad line is refused on the form, with what was typed kept and the line named.
    let (status, html) = b
        .post_form(
            "/invoices",
            &[
                ("_csrf", &csrf),
                ("client_id", &acme_s),
                ("payment_days", "14"),
                ("line_description", "Coaching"),
                ("line_quantity", "2"),
                ("line_unit_price", "-90"),
                ("line_tax_rate", "19"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("must not be negative"), "{html}");
    assert!(html.contains("value=\"Coaching\""));
    let (status, html) = b
        .post_form(
            "/invoices",
            &[
                ("_csrf", &csrf),
                ("client_id", &acme_s),
                ("payment_days", "14"),
                ("line_description", "Coaching"),
                ("line_quantity", "2"),
                ("line_unit_price", "90"),
                ("line_tax_rate", "19"),
                ("line_description", ""),
                ("line_quantity", ""),
                ("line_unit_price", ""),
                ("line_tax_rate", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Draft saved."), "{html}");
    assert!(
        html.contains("214.20 EUR"),
        "net 180 + 19 % = 214.20: {html}"
    );
    let finance = t.api_as(Role::Finance, None).await;
    let d = &finance.get("/invoices").await.body["items"][0];
    let (status, html) = b
        .post_form(
            &format!("/invoices/{}/issue", d["id"]),
            &[("_csrf", &csrf), ("version", &d["version"].to_string())],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let number = format!("{}-000001", year());
    assert!(html.contains(&format!("Issued as {number}.")), "{html}");
    // Issuing again from a stale page is refused on the page itself.
    let (status, html) = b
        .post_form(
            &format!("/invoices/{}/issue", d["id"]),
            &[("_csrf", &csrf), ("version", &d["version"].to_string())],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("already issued"), "{html}");
    let (_, list) = b.get("/invoices?status=issued").await;
    assert!(list.contains(&number));
}

async fn an_issued_invoice_prints_as_a_pdf_with_selectable_text(t: &TestApp) {
    let ops = t.api_as(Role::Coordinator, None).await;
    let finance = t.api_as(Role::Finance, None).await;
    let acme = client(&ops, "ACME").await;
    let d = finance
        .create(
            "/invoices",
            &draft(
                acme,
                json!([
                    { "description": "Leadership workshop, 2 days", "quantity": "2", "unit_price": "1450", "tax_rate": "19" },
                    { "description": "Workbooks", "quantity": "12", "unit_price": "18.50", "tax_rate": "7" }
                ]),
            ),
        )
        .await;
    let inv = issue(&finance, &d).await.body;
    let number = inv["number"].as_str().unwrap().to_owned();
    let r = reqwest::Client::new()
        .get(format!("{}/invoices/{}/pdf", finance.base, inv["id"]))
        .bearer_auth(&finance.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    if let Some(text) = pdf_text(&bytes) {
        for expected in [
            number.as_str(),
            "Client ACME",
            "Leadership workshop, 2 days",
            "€3,688.54",
        ] {
            assert!(text.contains(expected), "{expected} in:\n{text}");
        }
    }
    // The client's contact may download theirs; another client's may not.
    let contact = t.api_as(Role::ClientContact, Some(acme)).await;
    let own = reqwest::Client::new()
        .get(format!("{}/invoices/{}/pdf", contact.base, inv["id"]))
        .bearer_auth(&contact.token)
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), StatusCode::OK);
    let other = client(&ops, "OTHER").await;
    let stranger = t.api_as(Role::ClientContact, Some(other)).await;
    assert_eq!(
        stranger
            .get(&format!("/invoices/{}/pdf", inv["id"]))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}
