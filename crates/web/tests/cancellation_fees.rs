//! Finance rules over HTTP on both databases: the cancellation policy's fee (previewed, credited
//! when invoiced, billed by the month's run when not, charged once when two cancellations race),
//! the agreement's billing mode honoured by the month's run, quotes expired by the worker's sweep
//! exactly once, and a session's cost centre set on its page.
//!
//! The tier boundaries themselves (DST, a time zone whose date differs from UTC) are computed by
//! hand in `trainyard_core::cancellation`'s unit tests: here "now" is the real clock, so the
//! sessions lie well inside a tier.

use crate::common::{Api, TestApp, course_body, venue_body};
use chrono::{Datelike, Months};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;
use trainyard_core::Role;

both_backends!(
    cancellation_fees_are_credited_or_billed,
    racing_cancellations_credit_once,
    the_run_honours_the_billing_mode,
    the_sweep_expires_quotes_once,
    the_session_page_sets_the_cost_centre,
);

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

fn in_days(n: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(n)).to_string()
}

async fn client(api: &Api, code: &str) -> i64 {
    id(&api
        .create(
            "/clients",
            &json!({ "code": code, "name": format!("Client {code}"), "billing_email": format!("ap@{code}.example.com"),
                     "billing_address": "Hauptstr. 1\n10115 Berlin", "currency": "EUR", "time_zone": "Europe/Berlin" }),
        )
        .await)
}

/// A scheduled public session on `day` at 990.00 a seat, in Berlin.
async fn session(ops: &Api, code: &str, day: &str) -> i64 {
    let venue = id(&ops
        .create("/venues", &venue_body(code, "Europe/Berlin"))
        .await);
    let course = id(&ops.create("/courses", &course_body(code)).await);
    let s = ops
        .create(
            "/sessions",
            &json!({ "course_id": course, "visibility": "public", "delivery_mode": "ilt", "capacity": 10, "venue_id": venue,
                     "time_zone": "Europe/Berlin", "seat_price": { "amount": "990", "currency": "EUR" },
                     "parts": [{ "starts": format!("{day}T09:00"), "ends": format!("{day}T17:00") }] }),
        )
        .await;
    let r = ops
        .post(
            &format!("/sessions/{}/transition", id(&s)),
            &json!({ "event": "schedule", "version": s["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "schedule: {}", r.body);
    id(&s)
}

/// Enrolls a new learner of `client`; the enrollment.
async fn enroll(ops: &Api, session: i64, name: &str, client: i64) -> Value {
    let l = id(&ops
        .create(
            "/learners",
            &json!({ "first_name": name, "last_name": "Fee", "email": format!("{name}.{session}@fees.example.com"),
                     "client_id": client, "time_zone": "Europe/Berlin" }),
        )
        .await);
    let e = ops
        .create(
            &format!("/sessions/{session}/enrollments"),
            &json!({ "learner_id": l }),
        )
        .await;
    assert_eq!(e["status"], "booked", "{e}");
    e
}

/// Drafts and issues the session's invoice for the client, at 0 % tax; the issued invoice.
async fn invoice(finance: &Api, session: i64, client: i64) -> Value {
    let d = finance
        .create(
            &format!("/sessions/{session}/invoices"),
            &json!({ "client_id": client, "tax_rate": "0" }),
        )
        .await;
    let r = finance
        .post(
            &format!("/invoices/{}/issue", id(&d)),
            &json!({ "version": d["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
}

async fn standard_policy(finance: &Api) {
    let r = finance
        .put(
            "/cancellation-policy",
            &json!({ "tiers": [ { "min_days": 0, "fee_bp": 10000 }, { "min_days": 14, "fee_bp": 0 }, { "min_days": 7, "fee_bp": 5000 } ] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["policy"]["text"], "14:0, 7:50, 0:100");
}

async fn credit_notes_of(finance: &Api, invoice: i64) -> Vec<Value> {
    let r = finance.get(&format!("/invoices/{invoice}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["credit_notes"].as_array().unwrap().clone()
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

async fn issued_of(api: &Api, client: i64) -> Vec<Value> {
    let r = api
        .get(&format!("/invoices?client_id={client}&per_page=100"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut out = Vec::new();
    for i in r.body["items"].as_array().unwrap() {
        if i["status"] != "draft" && i["kind"] == "invoice" {
            out.push(api.get(&format!("/invoices/{}", i["id"])).await.body);
        }
    }
    out
}

async fn cancellation_fees_are_credited_or_billed(t: &TestApp) {
    let ops = t.api_as(Role::Coordinator, None).await;
    let finance = t.api_as(Role::Finance, None).await;
    let acme = client(&ops, "FEES").await;
    let other = client(&ops, "OTHR").await;
    let contact = t.api_as(Role::ClientContact, Some(acme)).await;
    let stranger = t.api_as(Role::ClientContact, Some(other)).await;

    // No policy yet: cancelling costs nothing.
    let early = session(&ops, "FEE1", &in_days(30)).await;
    let free = enroll(&ops, early, "una", acme).await;
    let r = contact
        .get(&format!("/enrollments/{}/cancellation-fee", id(&free)))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body["fee"].is_null(), "{}", r.body);
    standard_policy(&finance).await;
    // 30 days ahead: free even now.
    let r = contact
        .get(&format!("/enrollments/{}/cancellation-fee", id(&free)))
        .await;
    assert_eq!(r.body["fee"]["fee_bp"], 0, "{}", r.body);
    assert_eq!(r.body["fee"]["fee"]["amount"], "0.00");

    // 10 days ahead and invoiced: half is kept, half credited by a credit note, at once.
    let mid = session(&ops, "FEE2", &in_days(10)).await;
    let ann = enroll(&ops, mid, "ann", acme).await;
    let ben = enroll(&ops, mid, "ben", acme).await;
    let inv = invoice(&finance, mid, acme).await;
    assert_eq!(inv["gross"]["amount"], "1980.00", "{inv}");
    let r = contact
        .get(&format!("/enrollments/{}/cancellation-fee", id(&ann)))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let fee = &r.body["fee"];
    assert_eq!(
        (
            fee["fee_bp"].clone(),
            fee["fee"]["amount"].clone(),
            fee["refund"]["amount"].clone(),
            fee["invoiced"].clone()
        ),
        (json!(5000), json!("495.00"), json!("495.00"), json!(true)),
        "{fee}"
    );
    // Another client's contact learns nothing of it.
    let r = stranger
        .get(&format!("/enrollments/{}/cancellation-fee", id(&ann)))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    // The session page's cancel dialog says it before confirming.
    let page = t.browser_as(Role::Coordinator, None).await;
    let (status, html) = page.get(&format!("/sessions/{mid}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Cancelling now costs 50 %: "),
        "no fee in the dialog"
    );

    let r = contact
        .post(
            &format!("/enrollments/{}/cancel", id(&ann)),
            &json!({ "version": ann["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let notes = credit_notes_of(&finance, id(&inv)).await;
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0]["status"], "issued", "issued at once");
    assert_eq!(notes[0]["gross"]["amount"], "-495.00");
    let note = finance
        .get(&format!("/invoices/{}", notes[0]["id"]))
        .await
        .body;
    let text = note["lines"][0]["description"].as_str().unwrap();
    assert!(text.contains("fee 50 % kept"), "{text}");
    assert!(
        note["notes"]
            .as_str()
            .unwrap()
            .contains("cancellation policy")
    );
    let after = finance.get(&format!("/invoices/{}", id(&inv))).await.body;
    assert_eq!(after["credited"]["amount"], "495.00", "{after}");
    let _ = ben;

    // 3 days ahead, not invoiced: the whole price is the fee, billed by the month's run.
    let late = session(&ops, "FEE3", &in_days(3)).await;
    let cas = enroll(&ops, late, "cas", acme).await;
    let r = ops
        .post(
            &format!("/enrollments/{}/cancel", id(&cas)),
            &json!({ "version": cas["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The free one costs nothing and appears nowhere.
    let r = ops
        .post(
            &format!("/enrollments/{}/cancel", id(&free)),
            &json!({ "version": free["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let fees = contact
        .get(&format!("/clients/{acme}/cancellation-fees"))
        .await;
    assert_eq!(fees.status, StatusCode::OK, "{}", fees.body);
    let fees = fees.body.as_array().unwrap().clone();
    assert_eq!(fees.len(), 2, "{fees:?}");
    assert_eq!(fees[0]["fee"]["amount"], "990.00");
    assert!(fees[0]["invoice_id"].is_null());
    assert_eq!(fees[1]["fee"]["amount"], "495.00");
    assert_eq!(fees[1]["invoice_id"], inv["id"]);
    assert_eq!(
        stranger
            .get(&format!("/clients/{acme}/cancellation-fees"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // The client portal shows them.
    let portal = t.browser_as(Role::ClientContact, Some(acme)).await;
    let (_, html) = portal.get("/portal/client").await;
    assert!(html.contains("Cancellation fees"), "no fees in the portal");
    assert!(html.contains("990.00"));

    let month = chrono::Utc::now().format("%Y-%m").to_string();
    let r = finance
        .post("/invoice-runs", &json!({ "month": month }))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let run = finished(&finance, &r.body).await;
    assert_eq!(
        (run["status"].clone(), run["issued"].clone()),
        (json!("done"), json!(1)),
        "{run}"
    );
    let billed: Vec<Value> = issued_of(&finance, acme)
        .await
        .into_iter()
        .filter(|i| i["id"] != inv["id"])
        .collect();
    assert_eq!(billed.len(), 1, "{billed:?}");
    let line = &billed[0]["lines"][0];
    assert!(
        line["description"]
            .as_str()
            .unwrap()
            .starts_with("Cancellation fee 100 % (3 days' notice)"),
        "{line}"
    );
    assert_eq!(billed[0]["net"]["amount"], "990.00");
    // A rerun bills nothing again.
    let r = finance
        .post("/invoice-runs", &json!({ "month": month }))
        .await;
    let run = finished(&finance, &r.body).await;
    assert_eq!(run["clients_total"], 0, "{run}");
}

async fn racing_cancellations_credit_once(t: &TestApp) {
    let ops = Arc::new(t.api_as(Role::Coordinator, None).await);
    let finance = t.api_as(Role::Finance, None).await;
    let acme = client(&ops, "RACE").await;
    standard_policy(&finance).await;
    let s = session(&ops, "RACE", &in_days(10)).await;
    let e = enroll(&ops, s, "dan", acme).await;
    let inv = invoice(&finance, s, acme).await;
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let ops = ops.clone();
        let path = format!("/enrollments/{}/cancel", id(&e));
        let body = json!({ "version": e["version"] });
        tasks.push(tokio::spawn(
            async move { ops.post(&path, &body).await.status },
        ));
    }
    let mut ok = 0;
    for t in tasks {
        let status = t.await.unwrap();
        if status == StatusCode::OK {
            ok += 1;
        } else {
            assert!(
                matches!(
                    status,
                    StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY
                ),
                "{status}"
            );
        }
    }
    assert_eq!(ok, 1);
    let notes = credit_notes_of(&finance, id(&inv)).await;
    assert_eq!(notes.len(), 1, "one credit note: {notes:?}");
    assert_eq!(notes[0]["gross"]["amount"], "-495.00");
    let fees = finance
        .get(&format!("/clients/{acme}/cancellation-fees"))
        .await
        .body;
    assert_eq!(fees.as_array().unwrap().len(), 1, "{fees}");
}

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

async fn agreement(finance: &Api, client: i64, reference: &str, mode: &str) {
    let (month, _) = last_month();
    let r = finance
        .post(
            "/agreements",
            &json!({ "client_id": client, "reference": reference, "valid_from": format!("{month}-01"),
                     "discount_bp": 0, "billing_mode": mode }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

async fn the_run_honours_the_billing_mode(t: &TestApp) {
    let ops = t.api_as(Role::Coordinator, None).await;
    let finance = t.api_as(Role::Finance, None).await;
    let monthly = client(&ops, "MONTH").await;
    let each = client(&ops, "EACH").await;
    let none = client(&ops, "NONE").await;
    agreement(&finance, monthly, "M-1", "monthly").await;
    agreement(&finance, each, "E-1", "per_enrollment").await;
    // Two sessions, each with two learners of every client, moved into last month.
    let (month, day) = last_month();
    for code in ["MODE1", "MODE2"] {
        let s = session(&ops, code, &in_days(20)).await;
        for (n, c) in [
            ("m1", monthly),
            ("m2", monthly),
            ("e1", each),
            ("e2", each),
            ("n1", none),
            ("n2", none),
        ] {
            enroll(&ops, s, n, c).await;
        }
        let cur = ops.get(&format!("/sessions/{s}")).await.body;
        let mut moved = cur.clone();
        moved["parts"] =
            json!([{ "starts": format!("{day}T09:00"), "ends": format!("{day}T17:00") }]);
        let r = ops.put(&format!("/sessions/{s}"), &moved).await;
        assert_eq!(r.status, StatusCode::OK, "move: {}", r.body);
    }
    let r = finance
        .post("/invoice-runs", &json!({ "month": month }))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let run = finished(&finance, &r.body).await;
    assert_eq!(run["status"], "done", "{run}");
    // Monthly: one invoice of four lines; per enrollment: four invoices of one line; no
    // agreement: consolidated as before.
    let lines = |invs: &[Value]| -> Vec<usize> {
        invs.iter()
            .map(|i| i["lines"].as_array().unwrap().len())
            .collect()
    };
    assert_eq!(lines(&issued_of(&finance, monthly).await), vec![4]);
    assert_eq!(lines(&issued_of(&finance, each).await), vec![1, 1, 1, 1]);
    assert_eq!(lines(&issued_of(&finance, none).await), vec![4]);
    for i in issued_of(&finance, each).await {
        assert_eq!(i["gross"]["amount"], i["lines"][0]["net"]["amount"]);
        assert!(i["lines"][0]["enrollment_id"].is_i64());
    }
}

async fn the_sweep_expires_quotes_once(t: &TestApp) {
    let ops = t.api_as(Role::Coordinator, None).await;
    let finance = t.api_as(Role::Finance, None).await;
    let acme = client(&ops, "QSWP").await;
    let mut body = course_body("QSWP");
    body["delivery_modes"] = json!(["vilt"]);
    let course = id(&ops.create("/courses", &body).await);
    let mut ids = Vec::new();
    for _ in 0..3 {
        let d = finance
            .create(
                "/quotes",
                &json!({ "client_id": acme, "title": "Leadership", "valid_until": in_days(30), "start_week": in_days(40),
                         "lines": [{ "course_id": course, "sessions": "1", "pricing": "per_session", "unit_price": "2400", "tax_rate": "19" }] }),
            )
            .await;
        let r = finance
            .post(
                &format!("/quotes/{}/send", id(&d)),
                &json!({ "version": d["version"] }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        ids.push(id(&d));
    }
    // Nothing due: the sweep does nothing.
    let now = trainyard_core::time::now_ms();
    assert_eq!(
        trainyard_app::quotes::expire_overdue(&t.app, now)
            .await
            .unwrap(),
        0
    );
    // Two of them pass their last valid day unanswered.
    {
        let mut tx = t.app.store.write().await.unwrap();
        for q in &ids[..2] {
            sqlx::query("UPDATE quotes SET valid_until = '2001-01-01' WHERE id = $1")
                .bind(*q)
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
    }
    // Several processes sweep at once: each quote is expired (and audited) once.
    let sweeps: Vec<_> = (0..4)
        .map(|_| {
            let app = t.app.clone();
            tokio::spawn(async move { trainyard_app::quotes::expire_overdue(&app, now).await })
        })
        .collect();
    let mut total = 0;
    for s in sweeps {
        total += s.await.unwrap().unwrap();
    }
    assert_eq!(total, 2);
    assert_eq!(finance.get("/quotes?status=expired").await.body["total"], 2);
    assert_eq!(finance.get("/quotes?status=sent").await.body["total"], 1);
    let mut conn = t.app.store.read().await.unwrap();
    let n: i64 = sqlx::Row::get(
        &sqlx::query(
            "SELECT CAST(count(*) AS BIGINT) AS n FROM quote_events WHERE status = 'expired'",
        )
        .fetch_one(&mut *conn)
        .await
        .unwrap(),
        "n",
    );
    assert_eq!(n, 2, "one event per quote");
}

async fn the_session_page_sets_the_cost_centre(t: &TestApp) {
    let ops = t.api_as(Role::Coordinator, None).await;
    let finance = t.api_as(Role::Finance, None).await;
    let s = session(&ops, "CCPG", &in_days(40)).await;
    let cc = id(&finance
        .create(
            "/cost-centres",
            &json!({ "code": "cc-sales", "name": "Sales" }),
        )
        .await);
    let page = t.browser_as(Role::Finance, None).await;
    let (status, html) = page.get(&format!("/sessions/{s}?tab=finance")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("action=\"/sessions/"), "no form");
    assert!(html.contains("Cost centre"), "no cost centre panel");
    let csrf = page.csrf().await;
    let (status, body) = page
        .post_form(
            &format!("/sessions/{s}/cost-centre"),
            &[("_csrf", &csrf), ("cost_centre_id", &cc.to_string())],
        )
        .await;
    assert!(
        status.is_success() || status.is_redirection(),
        "{status}: {}",
        &body[body.find("<main").unwrap_or(0)..]
            .chars()
            .take(1500)
            .collect::<String>()
    );
    let centres = finance.get("/cost-centres").await.body;
    let sales = centres
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == cc)
        .unwrap()
        .clone();
    assert_eq!(sales["sessions"], 1, "{sales}");
    // A coordinator may not.
    let coord = t.browser_as(Role::Coordinator, None).await;
    let coord_csrf = coord.csrf().await;
    let (status, body) = coord
        .post_form(
            &format!("/sessions/{s}/cost-centre"),
            &[("_csrf", &coord_csrf), ("cost_centre_id", "")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        body.contains("tag sessions with cost centres"),
        "refused for its role"
    );
    // Cleared again by finance.
    let csrf = page.csrf().await;
    let (status, _) = page
        .post_form(
            &format!("/sessions/{s}/cost-centre"),
            &[("_csrf", &csrf), ("cost_centre_id", "")],
        )
        .await;
    assert!(status.is_success() || status.is_redirection(), "{status}");
    let centres = finance.get("/cost-centres").await.body;
    assert_eq!(
        centres
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == cc)
            .unwrap()["sessions"],
        0
    );
}
