//! A month's invoicing run on both databases: one issued invoice per client for the month's
//! delivered sessions, consecutive numbers, nothing billed twice by a rerun or by runs started
//! together, progress on the page, and clear refusals for a bad or future month.

use crate::common::{Api, TestApp, course_body, venue_body};
use chrono::{Datelike, Months};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;
use trainyard_core::Role;

both_backends!(
    a_month_is_invoiced_once_per_client,
    runs_started_together_bill_each_enrollment_once,
    bad_months_and_other_roles_are_refused,
    finance_starts_a_run_from_the_invoices_page,
    the_accounting_export_reconciles_to_the_cent,
);

/// Last month, `YYYY-MM`, and a weekday in it.
fn last_month() -> (String, String) {
    let first = chrono::Utc::now()
        .date_naive()
        .with_day(1)
        .unwrap()
        .checked_sub_months(Months::new(1))
        .unwrap();
    let mut day = first + chrono::Duration::days(9);
    while day.weekday().number_from_monday() > 5 {
        day += chrono::Duration::days(1);
    }
    (first.format("%Y-%m").to_string(), day.to_string())
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

/// A public session last month with `learners` (name, client) enrolled while it lay ahead.
async fn delivered_session(ops: &Api, code: &str, learners: &[(&str, i64)]) -> i64 {
    let venue = ops
        .create("/venues", &venue_body(code, "Europe/Berlin"))
        .await["id"]
        .as_i64()
        .unwrap();
    let course = ops.create("/courses", &course_body(code)).await["id"]
        .as_i64()
        .unwrap();
    let ahead = (chrono::Utc::now().date_naive() + chrono::Duration::days(20)).to_string();
    let body = |day: &str| {
        json!({ "course_id": course, "visibility": "public", "delivery_mode": "ilt", "capacity": 10, "venue_id": venue,
                "time_zone": "Europe/Berlin", "seat_price": { "amount": "500", "currency": "EUR" },
                "parts": [{ "starts": format!("{day}T09:00"), "ends": format!("{day}T17:00") }] })
    };
    let s = ops.create("/sessions", &body(&ahead)).await;
    let sid = s["id"].as_i64().unwrap();
    let r = ops
        .post(
            &format!("/sessions/{sid}/transition"),
            &json!({ "event": "schedule", "version": s["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "schedule: {}", r.body);
    for (n, c) in learners {
        let l = ops
            .create(
                "/learners",
                &json!({ "first_name": n, "last_name": code, "email": format!("{n}.{code}@runs.example.com"),
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
        assert_eq!(e["status"], "booked", "{e}");
    }
    // Moved to last month: enrollment closes once a session has started.
    let cur = ops.get(&format!("/sessions/{sid}")).await.body;
    let mut moved = body(&last_month().1);
    moved["version"] = cur["version"].clone();
    let r = ops.put(&format!("/sessions/{sid}"), &moved).await;
    assert_eq!(r.status, StatusCode::OK, "move: {}", r.body);
    sid
}

async fn finished(api: &Api, run: &Value) -> Value {
    for _ in 0..300 {
        let r = api.get(&format!("/invoice-runs/{}", run["id"])).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        if r.body["status"] != "running" {
            return r.body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the run did not finish: {run}");
}

async fn issued(api: &Api) -> Vec<Value> {
    let r = api.get("/invoices?status=issued&per_page=100").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["items"].as_array().unwrap().clone()
}

async fn a_month_is_invoiced_once_per_client(t: &TestApp) {
    let ops = t.api_as(Role::Coordinator, None).await;
    let finance = t.api_as(Role::Finance, None).await;
    let (a, b, _idle) = (
        client(&ops, "ALPHA").await,
        client(&ops, "BETA").await,
        client(&ops, "IDLE").await,
    );
    delivered_session(&ops, "RUN1", &[("ann", a), ("ben", a), ("cas", b)]).await;
    delivered_session(&ops, "RUN2", &[("dee", a)]).await;
    let (month, _) = last_month();

    let r = finance
        .post("/invoice-runs", &json!({ "month": month }))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(r.body["clients_total"], 2, "{}", r.body);
    let run = finished(&finance, &r.body).await;
    assert_eq!(run["status"], "done", "{run}");
    assert_eq!(
        (
            run["clients_done"].clone(),
            run["issued"].clone(),
            run["refused"].clone()
        ),
        (json!(2), json!(2), json!(0))
    );

    let mut invoices = issued(&finance).await;
    invoices.sort_by_key(|i| i["number"].as_str().unwrap().to_owned());
    assert_eq!(invoices.len(), 2);
    let year = chrono::Utc::now().year();
    let numbers: Vec<_> = invoices
        .iter()
        .map(|i| i["number"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        numbers,
        [format!("{year}-000001"), format!("{year}-000002")]
    );
    let of_a = invoices.iter().find(|i| i["client_id"] == a).unwrap();
    let detail = finance.get(&format!("/invoices/{}", of_a["id"])).await.body;
    assert_eq!(
        detail["lines"].as_array().unwrap().len(),
        3,
        "ALPHA's three learners over two sessions: {detail}"
    );
    assert_eq!(detail["net"]["amount"], "1500.00");

    // A rerun finds nothing left to bill.
    let r = finance
        .post("/invoice-runs", &json!({ "month": month }))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let rerun = finished(&finance, &r.body).await;
    assert_eq!(
        (rerun["clients_total"].clone(), rerun["issued"].clone()),
        (json!(0), json!(0))
    );
    assert_eq!(issued(&finance).await.len(), 2);
    let runs = finance.get("/invoice-runs").await.body;
    assert_eq!(runs.as_array().unwrap().len(), 2);
}

async fn runs_started_together_bill_each_enrollment_once(t: &TestApp) {
    let ops = t.api_as(Role::Coordinator, None).await;
    let finance = Arc::new(t.api_as(Role::Finance, None).await);
    let mut learners = Vec::new();
    let names: Vec<String> = (0..6).map(|i| format!("l{i}")).collect();
    for (i, n) in names.iter().enumerate() {
        learners.push((n.as_str(), client(&ops, &format!("C{i}")).await));
    }
    delivered_session(&ops, "TOG", &learners).await;
    let (month, _) = last_month();
    let mut tasks = Vec::new();
    for _ in 0..5 {
        let f = finance.clone();
        let m = month.clone();
        tasks.push(tokio::spawn(async move {
            f.post("/invoice-runs", &json!({ "month": m })).await
        }));
    }
    let mut started = Vec::new();
    for task in tasks {
        let r = task.await.unwrap();
        match r.status {
            StatusCode::ACCEPTED => started.push(r.body),
            StatusCode::CONFLICT => assert!(
                r.body["detail"]
                    .as_str()
                    .unwrap()
                    .contains("being issued already"),
                "{}",
                r.body
            ),
            other => panic!("{other}: {}", r.body),
        }
    }
    assert!(!started.is_empty());
    let mut total = 0;
    for run in &started {
        total += finished(&finance, run).await["issued"].as_i64().unwrap();
    }
    assert_eq!(total, 6, "each client billed once over every run");
    let invoices = issued(&finance).await;
    assert_eq!(invoices.len(), 6);
    let year = chrono::Utc::now().year();
    let mut numbers: Vec<_> = invoices
        .iter()
        .map(|i| i["number"].as_str().unwrap().to_owned())
        .collect();
    numbers.sort();
    let expected: Vec<_> = (1..=6).map(|n| format!("{year}-{n:06}")).collect();
    assert_eq!(numbers, expected, "consecutive, no gap, no duplicate");
}

async fn bad_months_and_other_roles_are_refused(t: &TestApp) {
    let finance = t.api_as(Role::Finance, None).await;
    for (month, words) in [
        ("2027-13", "not a month"),
        ("January", "not a month"),
        ("2999-01", "has not begun"),
    ] {
        let r = finance
            .post("/invoice-runs", &json!({ "month": month }))
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{month}: {}",
            r.body
        );
        assert!(r.body.to_string().contains(words), "{month}: {}", r.body);
    }
    assert_eq!(
        finance.get("/invoice-runs").await.body,
        json!([]),
        "nothing recorded"
    );
    let coordinator = t.api_as(Role::Coordinator, None).await;
    let r = coordinator
        .post("/invoice-runs", &json!({ "month": last_month().0 }))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(
        coordinator.get("/invoice-runs").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        finance.get("/invoice-runs/999").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn finance_starts_a_run_from_the_invoices_page(t: &TestApp) {
    let ops = t.api_as(Role::Coordinator, None).await;
    let a = client(&ops, "PAGE").await;
    delivered_session(&ops, "PG1", &[("eve", a)]).await;
    let b = t.browser_as(Role::Finance, None).await;
    let csrf = b.csrf().await;
    let (status, html) = b.get("/invoices").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("href=\"/invoices/runs\""),
        "the list offers the run"
    );
    let (month, _) = last_month();
    let (status, html) = b.get("/invoices/runs").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!("value=\"{month}\"")),
        "last month is offered: {html}"
    );
    // A bad month is refused on the form, what was typed kept.
    let (status, html) = b
        .post_form("/invoices/runs", &[("_csrf", &csrf), ("month", "2027-1")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("is not a month") && html.contains("value=\"2027-1\""),
        "{html}"
    );
    let (status, html) = b
        .post_form("/invoices/runs", &[("_csrf", &csrf), ("month", &month)])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!(
            "Issuing {month}&#39;s invoices: 1 client(s) to bill."
        )) || html.contains(&format!("Issuing {month}'s invoices: 1 client(s) to bill.")),
        "{html}"
    );
    let finance = t.api_as(Role::Finance, None).await;
    let run = finance.get("/invoice-runs").await.body[0].clone();
    let run = finished(&finance, &run).await;
    assert_eq!(run["issued"], 1);
    let (status, html) = b
        .get(&format!("/invoices/runs/{}/progress", run["id"]))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("1 of 1 clients · 1 issued"), "{html}");
    // Others do not see the runs.
    let c = t.browser_as(Role::Coordinator, None).await;
    assert_eq!(c.get("/invoices/runs").await.0, StatusCode::FORBIDDEN);
}

async fn the_accounting_export_reconciles_to_the_cent(t: &TestApp) {
    let ops = t.api_as(Role::Coordinator, None).await;
    let finance = t.api_as(Role::Finance, None).await;
    let (a, b) = (client(&ops, "EXA").await, client(&ops, "EXB").await);
    delivered_session(&ops, "EX1", &[("fay", a), ("gus", a), ("hal", b)]).await;
    let r = finance
        .post("/invoice-runs", &json!({ "month": last_month().0 }))
        .await;
    finished(&finance, &r.body).await;
    // One invoice credited in full.
    let of_b = issued(&finance)
        .await
        .into_iter()
        .find(|i| i["client_id"] == b)
        .unwrap();
    let cn = finance
        .post(
            &format!("/invoices/{}/credit-note", of_b["id"]),
            &json!({ "reason": "Cancelled by the client" }),
        )
        .await;
    assert_eq!(cn.status, StatusCode::CREATED, "{}", cn.body);
    let r = finance
        .post(
            &format!("/invoices/{}/issue", cn.body["id"]),
            &json!({ "version": cn.body["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let today = chrono::Utc::now().date_naive();
    let (from, to) = (
        (today - chrono::Duration::days(1)).to_string(),
        (today + chrono::Duration::days(1)).to_string(),
    );

    let r = finance
        .get(&format!("/invoices/export?from={from}&to={to}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let docs = r.body["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 3, "two invoices and a credit note: {}", r.body);
    let cents = |v: &Value| -> i64 {
        let s = v.as_str().unwrap();
        let neg = s.starts_with('-');
        let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
        let n: i64 = digits.parse().unwrap();
        if neg { -n } else { n }
    };
    for d in docs {
        let lines = d["lines"].as_array().unwrap();
        assert_eq!(
            lines.iter().map(|l| cents(&l["net"])).sum::<i64>(),
            cents(&d["net"]),
            "{d}"
        );
        assert_eq!(
            lines.iter().map(|l| cents(&l["tax"])).sum::<i64>(),
            cents(&d["tax"]),
            "{d}"
        );
        assert_eq!(cents(&d["net"]) + cents(&d["tax"]), cents(&d["gross"]));
    }
    let credit = docs
        .iter()
        .find(|d| d["document_type"] == "credit_note")
        .unwrap();
    assert_eq!(credit["credits_number"], of_b["number"]);
    assert_eq!(cents(&credit["gross"]), -cents(&of_b["gross"]["amount"]));

    let r = finance
        .get(&format!("/invoices/export?from={from}&to={to}&format=csv"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let csv = r.body.as_str().unwrap().to_owned();
    let mut rows = csv.lines();
    assert_eq!(
        rows.next().unwrap(),
        "document_type,number,issued_on,due_on,status,client_code,client_name,credits_number,currency,line,description,quantity,unit_price,net,tax_rate,tax,gross,document_net,document_tax,document_gross"
    );
    let total_lines: usize = docs
        .iter()
        .map(|d| d["lines"].as_array().unwrap().len())
        .sum();
    assert_eq!(rows.count(), total_lines, "{csv}");
    assert!(csv.contains("credit_note,CN-"), "{csv}");

    // Nothing in another period; a bad period names the parameter; only finance exports.
    let r = finance
        .get("/invoices/export?from=2001-01-01&to=2001-12-31")
        .await;
    assert_eq!(r.body["documents"], json!([]));
    let r = finance
        .get(&format!("/invoices/export?from={to}&to={from}"))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.to_string().contains("to"), "{}", r.body);
    let r = finance
        .get(&format!("/invoices/export?from={from}&to={to}&format=xls"))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        ops.get(&format!("/invoices/export?from={from}&to={to}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // The same download from the Invoices page.
    let page = t.browser_as(Role::Finance, None).await;
    let (status, html) = page.get("/invoices").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Export for accounting") && html.contains("action=\"/invoices/export\""),
        "{html}"
    );
    let (status, body) = page
        .get(&format!("/invoices/export?from={from}&to={to}&format=csv"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, csv);
}
