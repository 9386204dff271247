//! Prices and agreements over HTTP on both databases: agreements as a record kind (pages and
//! API, stale edits), enrollments priced by the client's agreement (prepaid seat, negotiated
//! rate, price in the client's currency minus the discount), prepaid seats drawn and given back
//! and never overdrawn under concurrency, invoice drafts taxed at the client's region's rate,
//! exchange rates and conversion, and bad input refused with nothing changed.

use crate::common::{Api, TestApp, course_body, venue_body};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;
use trainyard_core::Role;

both_backends!(
    agreements_are_kept_through_the_api_and_the_pages,
    enrollments_are_priced_by_the_clients_agreement,
    prepaid_seats_are_drawn_and_given_back,
    fifty_concurrent_enrollments_draw_exactly_ten_credits,
    invoice_drafts_use_the_clients_tax_region,
    exchange_rates_convert_at_the_latest_rate,
    bad_input_is_refused_and_changes_nothing,
    a_client_contact_sees_their_seat_credits_only,
);

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

async fn client(api: &Api, code: &str, currency: &str) -> i64 {
    id(&api
        .create(
            "/clients",
            &json!({ "code": code, "name": format!("Client {code}"), "billing_email": format!("ap@{code}.example.com"),
                     "currency": currency, "time_zone": "Europe/Berlin" }),
        )
        .await)
}

async fn learner(api: &Api, name: &str, client: i64) -> i64 {
    id(&api
        .create(
            "/learners",
            &json!({ "first_name": name, "last_name": "Learner", "email": format!("{name}@prices.example.com"),
                     "client_id": client, "time_zone": "Europe/Berlin" }),
        )
        .await)
}

/// A scheduled public session of `course` in `days` days, seats at 990 EUR.
async fn session(api: &Api, course: i64, venue: i64, days: i64, capacity: i64) -> i64 {
    let day = (chrono::Utc::now().date_naive() + chrono::Duration::days(days)).to_string();
    let s = api
        .create(
            "/sessions",
            &json!({ "course_id": course, "visibility": "public", "delivery_mode": "ilt", "capacity": capacity, "venue_id": venue,
                     "time_zone": "Europe/Berlin", "seat_price": { "amount": "990", "currency": "EUR" },
                     "parts": [{ "starts": format!("{day}T09:00"), "ends": format!("{day}T17:00") }] }),
        )
        .await;
    let sid = id(&s);
    let r = api
        .post(
            &format!("/sessions/{sid}/transition"),
            &json!({ "event": "schedule", "version": s["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "schedule: {}", r.body);
    sid
}

struct World {
    ops: Api,
    finance: Api,
    course: i64,
    venue: i64,
}

async fn world(t: &TestApp) -> World {
    let ops = t.api_as(Role::Coordinator, None).await;
    let finance = t.api_as(Role::Finance, None).await;
    let venue = id(&ops
        .create("/venues", &venue_body("PRV", "Europe/Berlin"))
        .await);
    let course = id(&ops.create("/courses", &course_body("PRC1")).await);
    World {
        ops,
        finance,
        course,
        venue,
    }
}

async fn enroll(api: &Api, session: i64, learner: i64) -> Value {
    api.create(
        &format!("/sessions/{session}/enrollments"),
        &json!({ "learner_id": learner }),
    )
    .await
}

/// The learner's enrollment in the session as listed (with its price).
async fn listed(api: &Api, session: i64, learner: i64) -> Value {
    let r = api.get(&format!("/sessions/{session}/enrollments")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["learner_id"] == learner)
        .cloned()
        .unwrap()
}

async fn agreements_are_kept_through_the_api_and_the_pages(t: &TestApp) {
    let w = world(t).await;
    let acme = client(&w.ops, "ACME", "EUR").await;
    // Coordinators do not see or change agreements.
    let r = w
        .ops
        .post(
            "/agreements",
            &json!({ "client_id": acme, "reference": "ACME-1", "valid_from": "2026-01-01" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    let a = w
        .finance
        .create(
            "/agreements",
            &json!({ "client_id": acme, "reference": "acme-1", "valid_from": "2026-01-01", "valid_to": "2030-12-31",
                     "discount_bp": 1000, "billing_mode": "monthly", "notes": "Framework contract" }),
        )
        .await;
    assert_eq!(a["reference"], "ACME-1");
    assert_eq!(a["discount_bp"], 1000);
    assert_eq!(a["billing_mode"], "monthly");
    assert_eq!(a["currency"], "EUR");
    assert_eq!(a["credits_left"], 0);
    let aid = id(&a);

    // A stale edit is refused with 409 and changes nothing; the right version saves.
    let mut body = json!({ "client_id": acme, "reference": "ACME-1", "valid_from": "2026-01-01", "discount_bp": 1500, "version": 99 });
    let r = w.finance.put(&format!("/agreements/{aid}"), &body).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    body["version"] = a["version"].clone();
    let r = w.finance.put(&format!("/agreements/{aid}"), &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["discount_bp"], 1500);
    assert_eq!(r.body["valid_to"], Value::Null);
    let patched = w
        .finance
        .send(
            reqwest::Method::PATCH,
            &format!("/agreements/{aid}"),
            Some(&json!({ "notes": "patched", "version": r.body["version"] })),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    assert_eq!(patched.body["discount_bp"], 1500);
    assert_eq!(patched.body["notes"], "patched");

    let list = w
        .finance
        .get(&format!("/agreements?client_id={acme}"))
        .await;
    assert_eq!(list.body["total"], 1, "{}", list.body);
    assert_eq!(w.ops.get("/agreements").await.status, StatusCode::FORBIDDEN);
    // Its history is finance data too.
    assert_eq!(
        w.ops.get(&format!("/history/agreement/{aid}")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        w.finance
            .get(&format!("/history/agreement/{aid}"))
            .await
            .status,
        StatusCode::OK
    );

    // The pages: finance creates one, a refused form keeps the input, the page shows it.
    let b = t.browser_as(Role::Finance, None).await;
    let csrf = b.csrf().await;
    let acme_s = acme.to_string();
    let (status, html) = b.get("/agreements/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Discount on list prices"), "{html}");
    let (status, html) = b
        .post_form(
            "/agreements",
            &[
                ("_csrf", &csrf),
                ("client_id", &acme_s),
                ("reference", "ACME-2"),
                ("valid_from", "2027-01-01"),
                ("discount", "150"),
                ("billing_mode", "per_enrollment"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("between 0 and 100"), "{html}");
    assert!(html.contains("value=\"ACME-2\""));
    let (status, _) = b
        .post_form(
            "/agreements",
            &[
                ("_csrf", &csrf),
                ("client_id", &acme_s),
                ("reference", "ACME-2"),
                ("valid_from", "2027-01-01"),
                ("discount", "12.5"),
                ("billing_mode", "per_enrollment"),
            ],
        )
        .await;
    assert!(status.is_success() || status.is_redirection(), "{status}");
    let second = w
        .finance
        .get(&format!("/agreements?client_id={acme}&sort=reference"))
        .await;
    assert_eq!(second.body["total"], 2);
    let a2 = second.body["items"][1].clone();
    assert_eq!(a2["discount_bp"], 1250);
    let (status, html) = b.get(&format!("/agreements/{}", a2["id"])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Agreement ACME-2"));
    assert!(html.contains("12.5 %"));
    assert!(html.contains("Add prepaid seats"));
    // Seats added on the page, refused input named on the page.
    let page = format!("/agreements/{}/credits", a2["id"]);
    let (status, html) = b
        .post_form(&page, &[("_csrf", &csrf), ("seats", "many")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("is not a whole number of seats"), "{html}");
    let (status, _) = b
        .post_form(
            &page,
            &[("_csrf", &csrf), ("seats", "5"), ("note", "PO 4711")],
        )
        .await;
    assert!(status.is_success() || status.is_redirection());
    let (_, html) = b.get(&format!("/agreements/{}", a2["id"])).await;
    assert!(html.contains("PO 4711"), "{html}");
    let (_, html) = b.get("/agreements").await;
    assert!(html.contains("ACME-1") && html.contains("ACME-2"));
    let (status, _) = b.get("/finance/rates").await;
    assert_eq!(status, StatusCode::OK);
    let (status, html) = b.get(&format!("/clients/{acme}/pricing")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("ACME-2"));
    // A coordinator's browser is refused.
    let cb = t.browser_as(Role::Coordinator, None).await;
    assert_eq!(cb.get("/agreements").await.0, StatusCode::FORBIDDEN);
}

async fn enrollments_are_priced_by_the_clients_agreement(t: &TestApp) {
    let w = world(t).await;
    let sid = session(&w.ops, w.course, w.venue, 20, 20).await;
    let swiss = client(&w.ops, "SWISS", "CHF").await;
    let plain = client(&w.ops, "PLAIN", "EUR").await;
    let deal = client(&w.ops, "DEAL", "EUR").await;

    // No agreement, a client in EUR: the session's seat price.
    let l = learner(&w.ops, "pia", plain).await;
    enroll(&w.ops, sid, l).await;
    let e = listed(&w.finance, sid, l).await;
    assert_eq!(e["price"], json!({ "amount": "990.00", "currency": "EUR" }));
    assert_eq!(e["paid_by_credit"], false);

    // A client billed in CHF gets the course's CHF price, minus the agreement's discount.
    let r = w
        .finance
        .post(
            &format!("/courses/{}/prices", w.course),
            &json!({ "currency": "CHF", "seat_price": "950", "day_price": "3800" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body[0]["seat_price"]["amount"], "950.00");
    let l = learner(&w.ops, "sven", swiss).await;
    enroll(&w.ops, sid, l).await;
    assert_eq!(
        listed(&w.finance, sid, l).await["price"],
        json!({ "amount": "950.00", "currency": "CHF" })
    );
    w.finance
        .create(
            "/agreements",
            &json!({ "client_id": swiss, "reference": "SWISS-1", "valid_from": "2020-01-01", "discount_bp": 1000 }),
        )
        .await;
    let l = learner(&w.ops, "susi", swiss).await;
    enroll(&w.ops, sid, l).await;
    assert_eq!(
        listed(&w.finance, sid, l).await["price"],
        json!({ "amount": "855.00", "currency": "CHF" })
    );

    // A negotiated rate is taken as negotiated.
    let a = w
        .finance
        .create(
            "/agreements",
            &json!({ "client_id": deal, "reference": "DEAL-1", "valid_from": "2020-01-01", "discount_bp": 2000 }),
        )
        .await;
    let l = learner(&w.ops, "dora", deal).await;
    enroll(&w.ops, sid, l).await;
    assert_eq!(
        listed(&w.finance, sid, l).await["price"]["amount"],
        "792.00"
    );
    let r = w
        .finance
        .put(
            &format!("/agreements/{}/rates/{}", id(&a), w.course),
            &json!({ "seat_price": "700" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["rates"][0]["seat_price"]["amount"], "700.00");
    let l = learner(&w.ops, "dirk", deal).await;
    enroll(&w.ops, sid, l).await;
    assert_eq!(
        listed(&w.finance, sid, l).await["price"]["amount"],
        "700.00"
    );
    // A rate in another currency than the client's is refused.
    let r = w
        .finance
        .put(
            &format!("/agreements/{}/rates/{}", id(&a), w.course),
            &json!({ "currency": "USD", "seat_price": "700" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);

    // An agreement not yet in force on the session's day does not apply.
    let later = client(&w.ops, "LATER", "EUR").await;
    w.finance
        .create(
            "/agreements",
            &json!({ "client_id": later, "reference": "LATER-1", "valid_from": "2099-01-01", "discount_bp": 5000 }),
        )
        .await;
    let l = learner(&w.ops, "lena", later).await;
    enroll(&w.ops, sid, l).await;
    assert_eq!(
        listed(&w.finance, sid, l).await["price"]["amount"],
        "990.00"
    );
}

async fn prepaid_seats_are_drawn_and_given_back(t: &TestApp) {
    let w = world(t).await;
    let acme = client(&w.ops, "ACME", "EUR").await;
    let a = w
        .finance
        .create(
            "/agreements",
            &json!({ "client_id": acme, "reference": "ACME-PRE", "valid_from": "2020-01-01" }),
        )
        .await;
    let aid = id(&a);
    // Two seats for this course, one for any course.
    let r = w
        .finance
        .post(
            &format!("/agreements/{aid}/credits"),
            &json!({ "seats": 2, "course_id": w.course, "note": "PO 1" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = w
        .finance
        .post(
            &format!("/agreements/{aid}/credits"),
            &json!({ "seats": "1" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        w.finance.get(&format!("/agreements/{aid}")).await.body["credits_left"],
        3
    );

    // Far ahead: cancellations are within the rules (48 h cut-off).
    let sid = session(&w.ops, w.course, w.venue, 20, 10).await;
    let mut enrolled = Vec::new();
    for n in ["ann", "ben", "cat", "dan"] {
        let l = learner(&w.ops, n, acme).await;
        enrolled.push((l, enroll(&w.ops, sid, l).await));
    }
    for (i, (l, _)) in enrolled.iter().enumerate() {
        let e = listed(&w.finance, sid, *l).await;
        if i < 3 {
            assert_eq!(e["price"]["amount"], "0.00", "{e}");
            assert_eq!(e["paid_by_credit"], true);
        } else {
            assert_eq!(e["price"]["amount"], "990.00", "the fourth pays: {e}");
            assert_eq!(e["paid_by_credit"], false);
        }
    }
    let detail = w
        .finance
        .get(&format!("/agreements/{aid}/credits"))
        .await
        .body;
    // The course's own seats are drawn first.
    let pools = detail["pools"].as_array().unwrap();
    assert!(pools.iter().all(|p| p["balance"] == 0), "{detail}");
    let draws = detail["ledger"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["movement"] == "draw")
        .count();
    assert_eq!(draws, 3);

    // Cancelling a prepaid enrollment within the rules gives the seat back.
    let (_, first) = &enrolled[0];
    let r = w
        .ops
        .post(
            &format!("/enrollments/{}/cancel", first["id"]),
            &json!({ "version": first["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let a = w.finance.get(&format!("/agreements/{aid}")).await.body;
    assert_eq!(a["credits_left"], 1);
    let detail = w
        .finance
        .get(&format!("/agreements/{aid}/credits"))
        .await
        .body;
    assert_eq!(detail["ledger"][0]["movement"], "return");
    assert_eq!(detail["ledger"][0]["seats"], 1);
    // Cancelling one that paid is no return.
    let (_, fourth) = &enrolled[3];
    let r = w
        .ops
        .post(
            &format!("/enrollments/{}/cancel", fourth["id"]),
            &json!({ "version": fourth["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        w.finance.get(&format!("/agreements/{aid}")).await.body["credits_left"],
        1
    );

    // A transfer takes the prepaid seat along: given back here, drawn again there.
    let (_, second) = &enrolled[1];
    let other = session(&w.ops, w.course, w.venue, 25, 10).await;
    let r = w
        .ops
        .post(
            &format!("/enrollments/{}/transfer", second["id"]),
            &json!({ "to_session_id": other, "version": second["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        listed(&w.finance, other, enrolled[1].0).await["paid_by_credit"],
        true
    );
    assert_eq!(
        w.finance.get(&format!("/agreements/{aid}")).await.body["credits_left"],
        1
    );

    // A late cancellation (inside the cut-off) uses the seat up.
    let soon = session(&w.ops, w.course, w.venue, 1, 10).await;
    let l = learner(&w.ops, "eve", acme).await;
    let e = enroll(&w.ops, soon, l).await;
    assert_eq!(listed(&w.finance, soon, l).await["paid_by_credit"], true);
    assert_eq!(
        w.finance.get(&format!("/agreements/{aid}")).await.body["credits_left"],
        0
    );
    let r = w
        .ops
        .post(
            &format!("/enrollments/{}/cancel", e["id"]),
            &json!({ "version": e["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        w.finance.get(&format!("/agreements/{aid}")).await.body["credits_left"],
        0
    );

    // Every balance is explained by its ledger.
    let detail = w
        .finance
        .get(&format!("/agreements/{aid}/credits"))
        .await
        .body;
    let ledger_sum: i64 = detail["ledger"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["seats"].as_i64().unwrap())
        .sum();
    let balance: i64 = detail["pools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["balance"].as_i64().unwrap())
        .sum();
    assert_eq!(ledger_sum, balance);
    assert!(
        trainyard_app::agreements::unexplained_balances(&t.app, &t.system())
            .await
            .unwrap()
            .is_empty()
    );
    // Removing more seats than are left is refused and changes nothing.
    let r = w
        .finance
        .post(
            &format!("/agreements/{aid}/credits"),
            &json!({ "seats": -1 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body["detail"].as_str().unwrap().contains("below zero"));
}

async fn fifty_concurrent_enrollments_draw_exactly_ten_credits(t: &TestApp) {
    let w = world(t).await;
    let acme = client(&w.ops, "ACME", "EUR").await;
    let a = w
        .finance
        .create(
            "/agreements",
            &json!({ "client_id": acme, "reference": "ACME-50", "valid_from": "2020-01-01" }),
        )
        .await;
    let aid = id(&a);
    let r = w
        .finance
        .post(
            &format!("/agreements/{aid}/credits"),
            &json!({ "seats": 10 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Five sessions, so that enrollments race on the credit pool, not only on one session row.
    let mut sessions = Vec::new();
    for d in 0..5 {
        sessions.push(session(&w.ops, w.course, w.venue, 20 + d, 20).await);
    }
    let mut jobs = Vec::new();
    for i in 0..50 {
        let l = learner(&w.ops, &format!("l{i:02}"), acme).await;
        jobs.push((sessions[i % 5], l));
    }
    let ops = Arc::new(w.ops);
    let tasks: Vec<_> = jobs
        .into_iter()
        .map(|(s, l)| {
            let api = ops.clone();
            tokio::spawn(async move {
                api.post(
                    &format!("/sessions/{s}/enrollments"),
                    &json!({ "learner_id": l }),
                )
                .await
            })
        })
        .collect();
    for task in tasks {
        let r = task.await.unwrap();
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let mut prepaid = 0;
    let mut paying = 0;
    for s in &sessions {
        for e in w
            .finance
            .get(&format!("/sessions/{s}/enrollments"))
            .await
            .body
            .as_array()
            .unwrap()
        {
            if e["paid_by_credit"] == true {
                assert_eq!(e["price"]["amount"], "0.00");
                prepaid += 1;
            } else {
                assert_eq!(e["price"]["amount"], "990.00");
                paying += 1;
            }
        }
    }
    assert_eq!((prepaid, paying), (10, 40), "exactly ten seats drawn");
    let detail = w
        .finance
        .get(&format!("/agreements/{aid}/credits"))
        .await
        .body;
    assert_eq!(detail["pools"][0]["balance"], 0);
    let draws = detail["ledger"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["movement"] == "draw")
        .count();
    assert_eq!(draws, 10);
}

async fn invoice_drafts_use_the_clients_tax_region(t: &TestApp) {
    let w = world(t).await;
    for (region, name, rate, from) in [
        ("DE", "Germany VAT", "19", "2007-01-01"),
        ("CH", "Switzerland VAT", "7.7", "2018-01-01"),
        ("CH", "Switzerland VAT", "8.1", "2024-01-01"),
    ] {
        let r = w
            .finance
            .post(
                "/tax-rates",
                &json!({ "region": region, "name": name, "rate": rate, "valid_from": from }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let r = w
        .finance
        .put(
            "/finance-settings",
            &json!({ "base_currency": "EUR", "tax_region": "DE" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let swiss = client(&w.ops, "SWISS", "EUR").await;
    let home = client(&w.ops, "HOME", "EUR").await;
    let r = w
        .finance
        .put(
            &format!("/clients/{swiss}/tax-region"),
            &json!({ "tax_region": "ch" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["tax_region"], "CH");
    assert_eq!(r.body["rate"], "8.1");
    let r = w.finance.get(&format!("/clients/{home}/tax-region")).await;
    assert_eq!(r.body["tax_region"], Value::Null);
    assert_eq!(r.body["applies"], "DE");

    let sid = session(&w.ops, w.course, w.venue, 20, 10).await;
    for (n, c) in [("sam", swiss), ("hal", home)] {
        let l = learner(&w.ops, n, c).await;
        enroll(&w.ops, sid, l).await;
    }
    // No rate typed: the client's region's rate today.
    let d = w
        .finance
        .create(
            &format!("/sessions/{sid}/invoices"),
            &json!({ "client_id": swiss }),
        )
        .await;
    assert_eq!(d["tax_bands"][0]["rate"], "8.1 %", "{d}");
    assert_eq!(d["tax"]["amount"], "80.19");
    // No region of its own: the company's.
    let d = w
        .finance
        .create(
            &format!("/sessions/{sid}/invoices"),
            &json!({ "client_id": home }),
        )
        .await;
    assert_eq!(d["tax_bands"][0]["rate"], "19 %", "{d}");
    // An unknown region is refused.
    let r = w
        .finance
        .put(
            &format!("/clients/{home}/tax-region"),
            &json!({ "tax_region": "XX" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
}

async fn exchange_rates_convert_at_the_latest_rate(t: &TestApp) {
    let w = world(t).await;
    for (on, rate) in [("2027-01-01", "1.17"), ("2027-02-01", "1.18")] {
        let r = w
            .finance
            .post(
                "/exchange-rates",
                &json!({ "currency": "GBP", "on": on, "rate": rate }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let r = w.finance.get("/exchange-rates?currency=GBP").await;
    assert_eq!(r.body["base_currency"], "EUR");
    assert_eq!(r.body["rates"][0]["on"], "2027-02-01");
    assert_eq!(r.body["rates"][0]["rate_text"], "1.18");
    let convert = |on: &str| format!("/exchange-rates/convert?amount=100.00&currency=GBP&on={on}");
    let r = w.finance.get(&convert("2027-01-31")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body, json!({ "amount": "117.00", "currency": "EUR" }));
    let r = w.finance.get(&convert("2027-03-15")).await;
    assert_eq!(r.body["amount"], "118.00");
    let r = w.finance.get(&convert("2026-12-31")).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("no exchange rate from GBP to EUR on or before 2026-12-31")
    );
    // Through the app, as reports use it.
    let m = trainyard_app::prices::to_base(
        &t.app,
        &t.system(),
        trainyard_core::Money::new(10_000, trainyard_core::Currency::parse("GBP").unwrap()),
        chrono::NaiveDate::from_ymd_opt(2027, 2, 1).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(m.minor, 11_800);
    assert_eq!(
        w.ops.get("/exchange-rates").await.status,
        StatusCode::FORBIDDEN
    );
}

async fn bad_input_is_refused_and_changes_nothing(t: &TestApp) {
    let w = world(t).await;
    let acme = client(&w.ops, "ACME", "EUR").await;
    // A negative price, an unknown currency: 422 naming the field, nothing stored.
    let r = w
        .finance
        .post(
            &format!("/courses/{}/prices", w.course),
            &json!({ "currency": "CHF", "seat_price": "-5" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "seat_price");
    let r = w
        .finance
        .post(
            &format!("/courses/{}/prices", w.course),
            &json!({ "currency": "ABC", "seat_price": "5" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("not a known currency")
    );
    let r = w
        .finance
        .get(&format!("/courses/{}/prices", w.course))
        .await;
    assert_eq!(r.body, json!([]));
    let r = w
        .finance
        .post(
            "/exchange-rates",
            &json!({ "currency": "XYZ", "on": "2027-01-01", "rate": "-1" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let fields: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["currency", "rate"]);
    assert_eq!(
        w.finance.get("/exchange-rates").await.body["rates"],
        json!([])
    );
    let r = w
        .finance
        .post(
            "/tax-rates",
            &json!({ "region": "DE", "name": "VAT", "rate": "119", "valid_from": "2027-01-01" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(w.finance.get("/tax-rates").await.body["rates"], json!([]));
    // An agreement with bad dates and discount: every problem named, none created.
    let r = w
        .finance
        .post(
            "/agreements",
            &json!({ "client_id": acme, "reference": "ACME 1", "valid_from": "2027-02-30", "discount_bp": 12000, "billing_mode": "weekly" }),
        )
        .await;
    assert!(
        r.status == StatusCode::UNPROCESSABLE_ENTITY || r.status == StatusCode::BAD_REQUEST,
        "{}: {}",
        r.status,
        r.body
    );
    let r = w
        .finance
        .post(
            "/agreements",
            &json!({ "client_id": acme, "reference": "ACME-1", "valid_from": "2027-01-01", "discount_bp": 12000 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "discount_bp");
    let r = w
        .finance
        .post(
            "/agreements",
            &json!({ "client_id": acme, "reference": "ACME 1", "valid_from": "2027-02-30", "valid_to": "2026-01-01" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let fields: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"reference"), "{fields:?}");
    assert!(fields.contains(&"valid_from"), "{fields:?}");
    assert_eq!(w.finance.get("/agreements").await.body["total"], 0);
}

async fn a_client_contact_sees_their_seat_credits_only(t: &TestApp) {
    let w = world(t).await;
    let acme = client(&w.ops, "ACME", "EUR").await;
    let other = client(&w.ops, "OTHER", "EUR").await;
    let a = w
        .finance
        .create(
            "/agreements",
            &json!({ "client_id": acme, "reference": "ACME-C", "valid_from": "2020-01-01" }),
        )
        .await;
    w.finance
        .post(
            &format!("/agreements/{}/credits", id(&a)),
            &json!({ "seats": 7 }),
        )
        .await;
    let contact = t.api_as(Role::ClientContact, Some(acme)).await;
    let r = contact.get(&format!("/clients/{acme}/seat-credits")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["agreements"][0]["credits_left"], 7);
    assert_eq!(r.body["agreements"][0]["reference"], "ACME-C");
    // Not another client's, not the agreement itself.
    assert_eq!(
        contact
            .get(&format!("/clients/{other}/seat-credits"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        contact.get(&format!("/agreements/{}", id(&a))).await.status,
        StatusCode::FORBIDDEN
    );
    // Their portal shows the balance.
    let b = t.browser_as(Role::ClientContact, Some(acme)).await;
    let (status, html) = b.get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Prepaid seats"), "{html}");
    assert!(html.contains("ACME-C"));
}
