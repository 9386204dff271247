//! Costs per session and profitability (issue 15 §4, §6) over HTTP on both databases: a small
//! hand-built March 2026 whose every figure is worked out by hand below and must match the
//! session's finance figures, the profitability API, its CSV, the pages and the KPI tiles to the
//! cent; actuals and manual lines with a stale edit refused; the CSV import whose dry run changes
//! nothing and reports every bad row; and who may see any of it.

use crate::common::{Api, Browser, TestApp, course_body_with_costs, venue_body};
use reqwest::StatusCode;
use serde_json::{Value, json};
use trainyard_core::Role;

both_backends!(
    a_hand_built_month_matches_the_figures_to_the_cent,
    actuals_manual_lines_and_stale_edits,
    the_csv_import_checks_before_it_changes_anything,
    only_finance_managers_and_admins_see_costs,
);

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

async fn transition(api: &Api, s: i64, event: &str) {
    let v = api.get(&format!("/sessions/{s}")).await.body["version"]
        .as_i64()
        .unwrap();
    let r = api
        .post(
            &format!("/sessions/{s}/transition"),
            &json!({ "event": event, "version": v }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{event} {s}: {}", r.body);
}

fn day(date: &str, from: &str, until: &str) -> Value {
    json!({ "starts": format!("{date}T{from}"), "ends": format!("{date}T{until}") })
}

/// Creates a session in 2027 (enrollment closes once a session has started), enrolls the
/// learners, moves it to its March 2026 days, staffs and books it, and delivers it.
#[allow(clippy::too_many_arguments)]
async fn delivered(
    api: &Api,
    body: Value,
    learners: &[i64],
    parts: Value,
    instructor: i64,
    room: Option<i64>,
) -> (i64, String) {
    let mut b = body.clone();
    b["parts"] = json!([day("2027-06-07", "09:00", "17:00")]);
    let s = api.create("/sessions", &b).await;
    let sid = id(&s);
    transition(api, sid, "schedule").await;
    for l in learners {
        let e = api
            .create(
                &format!("/sessions/{sid}/enrollments"),
                &json!({ "learner_id": l }),
            )
            .await;
        assert_eq!(e["status"], "booked", "{e}");
    }
    let cur = api.get(&format!("/sessions/{sid}")).await.body;
    let mut moved = body;
    moved["parts"] = parts;
    moved["version"] = cur["version"].clone();
    let r = api.put(&format!("/sessions/{sid}"), &moved).await;
    assert_eq!(r.status, StatusCode::OK, "move: {}", r.body);
    // Propose, request, accept and confirm, overriding the rules these made-up days break.
    let a = api
        .create(
            &format!("/sessions/{sid}/assignments"),
            &json!({ "instructor_id": instructor, "override_reason": "test" }),
        )
        .await;
    let aid = id(&a);
    let mut v = a["version"].as_i64().unwrap();
    for event in ["request", "accept", "confirm"] {
        let r = api
            .post(
                &format!("/assignments/{aid}/actions"),
                &json!({ "event": event, "version": v, "override_reason": "test" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{event}: {}", r.body);
        v = r.body["version"].as_i64().unwrap();
    }
    if let Some(room) = room {
        let r = api
            .post(
                &format!("/sessions/{sid}/bookings"),
                &json!({ "resource_id": room, "confirm": true }),
            )
            .await;
        assert!(r.status.is_success(), "book: {}", r.body);
    }
    transition(api, sid, "confirm").await;
    transition(api, sid, "deliver").await;
    (sid, s["reference"].as_str().unwrap().to_owned())
}

struct World {
    manager: Api,
    finance: Api,
    /// Public, 3 learners at 500.00, Anna one day, the room one day.
    s1: (i64, String),
    /// Private for Acme in the program, 2 learners invoiced at 400.00, Anna four hours.
    s2: (i64, String),
    /// Public, 1 learner at 500.00, Anna two days: a loss.
    s3: (i64, String),
    room: i64,
}

async fn build(t: &TestApp) -> World {
    let manager = t.api_as(Role::Manager, None).await;
    let finance = t.api_as(Role::Finance, None).await;
    let venue = id(&manager
        .create("/venues", &venue_body("PRV", "Europe/Berlin"))
        .await);
    let room = id(&manager
        .create(
            "/resources",
            &json!({ "kind": "room", "code": "PRR", "name": "Room Profit", "venue_id": venue, "seats": 12, "quantity": 1, "features": ["projector"] }),
        )
        .await);
    // 7 teaching hours a day, materials 25.50 a learner.
    let course = id(&manager
        .create("/courses", &course_body_with_costs("PRF"))
        .await);
    let anna = id(&manager
        .create("/instructors", &json!({
            "name": "Anna Profit", "email": "anna.profit@example.com", "employment_type": "contractor",
            "time_zone": "Europe/Berlin", "currency": "EUR", "day_rate": { "amount": "800", "currency": "EUR" },
            "hour_rate": { "amount": "100", "currency": "EUR" }, "max_days_week": 5, "max_days_month": 20
        }))
        .await);
    let acme = id(&manager
        .create("/clients", &json!({
            "code": "PACME", "name": "Acme Profit", "billing_email": "ap@acme.example", "billing_address": "1 Road",
            "currency": "EUR", "time_zone": "Europe/Berlin"
        }))
        .await);
    let program = id(&manager
        .create("/programs", &json!({
            "client_id": acme, "name": "Acme academy", "budget": { "amount": "5000", "currency": "EUR" },
            "starts_on": "2026-03-01", "ends_on": "2026-06-30"
        }))
        .await);
    // The room costs 300.00 a day (finance sets it).
    let r = finance
        .put(
            &format!("/resources/{room}/day-rate"),
            &json!({ "amount": "300", "currency": "EUR" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body, json!({ "amount": "300.00", "currency": "EUR" }));
    let mut learners = Vec::new();
    for n in 0..6 {
        learners.push(id(&manager
            .create("/learners", &json!({
                "first_name": "P", "last_name": format!("L{n}"), "email": format!("p{n}@profit.example.com"),
                "time_zone": "Europe/Berlin", "client_id": acme
            }))
            .await));
    }
    let public = json!({
        "course_id": course, "visibility": "public", "delivery_mode": "ilt", "capacity": 10, "venue_id": venue,
        "time_zone": "Europe/Berlin", "seat_price": { "amount": "500", "currency": "EUR" }
    });
    let private = json!({
        "course_id": course, "visibility": "private", "client_id": acme, "program_id": program,
        "delivery_mode": "vilt", "capacity": 10, "time_zone": "Europe/Berlin",
        "seat_price": { "amount": "400", "currency": "EUR" }
    });
    let s1 = delivered(
        &manager,
        public.clone(),
        &learners[..3],
        json!([day("2026-03-03", "09:00", "17:00")]),
        anna,
        Some(room),
    )
    .await;
    let s2 = delivered(
        &manager,
        private,
        &learners[3..5],
        json!([day("2026-03-10", "09:00", "13:00")]),
        anna,
        None,
    )
    .await;
    let s3 = delivered(
        &manager,
        public,
        &learners[5..6],
        json!([
            day("2026-03-17", "09:00", "17:00"),
            day("2026-03-18", "09:00", "17:00")
        ]),
        anna,
        None,
    )
    .await;
    // S2 is billed: two seats at 400.00 net.
    let inv = finance
        .create(
            &format!("/sessions/{}/invoices", s2.0),
            &json!({ "client_id": acme, "tax_rate": "19" }),
        )
        .await;
    assert_eq!(inv["net"]["amount"], "800.00", "{inv}");
    let r = finance
        .post(
            &format!("/invoices/{}/issue", inv["id"]),
            &json!({ "version": inv["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    World {
        manager,
        finance,
        s1,
        s2,
        s3,
        room,
    }
}

fn line<'a>(f: &'a Value, key: &str) -> &'a Value {
    f["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["key"] == key)
        .unwrap_or_else(|| panic!("no line {key} in {f}"))
}

fn key_of(f: &Value, kind: &str) -> String {
    f["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} line in {f}"))["key"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// S1's room actual 350.00 and a committed catering line of 60.00; S2's travel of 155.40.
async fn finance_entries(w: &World) {
    let f = w
        .finance
        .get(&format!("/sessions/{}/finance", w.s1.0))
        .await
        .body;
    let room = format!("resource-{}", w.room);
    let r = w
        .finance
        .put(
            &format!("/sessions/{}/cost-lines/{room}/actual", w.s1.0),
            &json!({ "version": line(&f, &room)["version"], "amount": "350", "note": "venue invoice 77" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for (s, kind, desc, amount, stage) in [
        (w.s1.0, "catering", "Lunch", "60", "committed"),
        (w.s2.0, "travel", "Train to Acme", "155.40", "planned"),
    ] {
        let r = w
            .finance
            .post(
                &format!("/sessions/{s}/cost-lines"),
                &json!({ "kind": kind, "description": desc, "amount": { "amount": amount, "currency": "EUR" }, "stage": stage }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
}

async fn a_hand_built_month_matches_the_figures_to_the_cent(t: &TestApp) {
    let w = build(t).await;

    // S1 as derived: Anna 1 day × 800.00 (8 h ≥ the course's 7 h), committed; the room 1 day ×
    // 300.00, committed; materials 3 × 25.50 = 76.50, committed (the session was confirmed).
    let f = w
        .finance
        .get(&format!("/sessions/{}/finance", w.s1.0))
        .await;
    assert_eq!(f.status, StatusCode::OK, "{}", f.body);
    let f = f.body;
    assert_eq!(f["revenue"]["amount"], "1500.00");
    assert_eq!(f["revenue_source"], "enrollments");
    let fee = line(&f, &key_of(&f, "instructor_fee")).clone();
    assert_eq!(fee["amount"]["amount"], "800.00");
    assert_eq!(fee["stage"], "committed");
    assert_eq!(fee["description"], "Anna Profit: 1 day");
    let room = line(&f, &format!("resource-{}", w.room));
    assert_eq!(
        (room["kind"].as_str(), room["amount"]["amount"].as_str()),
        (Some("venue_hire"), Some("300.00"))
    );
    assert_eq!(line(&f, "materials")["amount"]["amount"], "76.50");
    assert_eq!(f["totals"]["total"]["amount"], "1176.50");
    assert_eq!(f["margin"]["amount"], "323.50");

    finance_entries(&w).await;

    // S1: 800.00 + 350.00 (actual) + 76.50 + 60.00 = 1286.50; margin 213.50 = 14.2 %;
    // per learner 1286.50 / 3 = 428.83.
    let f = w
        .manager
        .get(&format!("/sessions/{}/finance", w.s1.0))
        .await
        .body;
    assert_eq!(f["totals"]["actual"]["amount"], "350.00");
    assert_eq!(f["totals"]["committed"]["amount"], "936.50");
    assert_eq!(f["totals"]["planned"]["amount"], "0.00");
    assert_eq!(f["totals"]["total"]["amount"], "1286.50");
    assert_eq!(f["margin"]["amount"], "213.50");
    assert_eq!(f["margin_percent"], "14.2");
    assert_eq!(f["cost_per_learner"]["amount"], "428.83");
    // S2: invoiced 800.00; Anna 4 h × 100.00 (shorter than a day) + 2 × 25.50 + 155.40 = 606.40;
    // margin 193.60 = 24.2 %; per learner 303.20.
    let f = w
        .manager
        .get(&format!("/sessions/{}/finance", w.s2.0))
        .await
        .body;
    assert_eq!(f["revenue_source"], "invoices");
    assert_eq!(f["revenue"]["amount"], "800.00");
    assert_eq!(
        line(&f, &key_of(&f, "instructor_fee"))["description"],
        "Anna Profit: 4 h"
    );
    assert_eq!(f["totals"]["total"]["amount"], "606.40");
    assert_eq!(f["margin"]["amount"], "193.60");
    assert_eq!(f["margin_percent"], "24.2");
    assert_eq!(f["cost_per_learner"]["amount"], "303.20");
    // S3: 500.00 against 2 × 800.00 + 25.50 = 1625.50: a loss of 1125.50 = -225.1 %.
    let f = w
        .manager
        .get(&format!("/sessions/{}/finance", w.s3.0))
        .await
        .body;
    assert_eq!(f["totals"]["total"]["amount"], "1625.50");
    assert_eq!(f["margin"]["amount"], "-1125.50");
    assert_eq!(f["margin_percent"], "-225.1");

    // By client: the public sessions (S1 + S3) lose 912.00 and come first; Acme (S2) earns.
    let march = "from=2026-03-01&until=2026-03-31";
    let r = w
        .finance
        .get(&format!("/reports/profitability?{march}&by=client"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let rows = r.body["rows"].as_array().unwrap().clone();
    assert_eq!(rows.len(), 2, "{}", r.body);
    assert_eq!(rows[0]["label"], "Public sessions");
    assert_eq!(rows[0]["key"], "");
    assert_eq!(rows[0]["sessions"], 2);
    assert_eq!(rows[0]["learners"], 4);
    assert_eq!(rows[0]["revenue"]["amount"], "2000.00");
    assert_eq!(rows[0]["cost"]["amount"], "2912.00");
    assert_eq!(rows[0]["margin"]["amount"], "-912.00");
    assert_eq!(rows[0]["margin_percent"], "-45.6");
    assert_eq!(rows[0]["cost_per_learner"]["amount"], "728.00");
    assert_eq!(rows[0]["loss_making"], true);
    assert_eq!(rows[1]["label"], "Acme Profit");
    assert_eq!(rows[1]["margin"]["amount"], "193.60");
    // The totals: 2800.00 − 3518.40 = −718.40 (−25.7 %), 586.40 per learner.
    let total = &r.body["totals"][0];
    assert_eq!(total["revenue"]["amount"], "2800.00");
    assert_eq!(total["cost"]["amount"], "3518.40");
    assert_eq!(total["margin"]["amount"], "-718.40");
    assert_eq!(total["margin_percent"], "-25.7");
    assert_eq!(total["cost_per_learner"]["amount"], "586.40");

    // The same as CSV, to the cent.
    let r = w
        .finance
        .get(&format!(
            "/reports/profitability?{march}&by=client&format=csv"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let csv = r.body.as_str().unwrap().to_owned();
    let acme_key = rows[1]["key"].as_str().unwrap();
    assert_eq!(
        csv,
        format!(
            "client,label,sessions,learners,currency,revenue,cost,margin,margin_percent,cost_per_learner\n\
             ,Public sessions,2,4,EUR,2000.00,2912.00,-912.00,-45.6,728.00\n\
             {acme_key},Acme Profit,1,2,EUR,800.00,606.40,193.60,24.2,303.20\n\
             ,Total,3,6,EUR,2800.00,3518.40,-718.40,-25.7,586.40\n"
        )
    );

    // By session, loss first; a drill-down keeps one group's sessions.
    let r = w
        .finance
        .get(&format!("/reports/profitability?{march}&by=session"))
        .await;
    let labels: Vec<&str> = r.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        vec![w.s3.1.as_str(), w.s2.1.as_str(), w.s1.1.as_str()]
    );
    let r = w
        .finance
        .get(&format!(
            "/reports/profitability?{march}&by=session&within=client:"
        ))
        .await;
    assert_eq!(r.body["rows"].as_array().unwrap().len(), 2, "{}", r.body);
    assert_eq!(r.body["within_label"], "Public sessions");
    // By program, instructor, month: each sums to the same total.
    for by in ["program", "instructor", "month", "course", "venue", "mode"] {
        let r = w
            .finance
            .get(&format!("/reports/profitability?{march}&by={by}"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{by}: {}", r.body);
        let sum: f64 = r.body["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                x["margin"]["amount"]
                    .as_str()
                    .unwrap()
                    .parse::<f64>()
                    .unwrap()
            })
            .sum();
        assert!((sum + 718.40).abs() < 0.001, "{by}: {}", r.body);
    }
    // February has nothing: no rows, no division by zero.
    let r = w
        .finance
        .get("/reports/profitability?from=2026-02-01&until=2026-02-28")
        .await;
    assert_eq!(r.body["rows"], json!([]));
    assert_eq!(r.body["totals"], json!([]));

    // The KPI tiles: cost per learner 3518.40 / 6 and margin ÷ revenue.
    let r = w
        .manager
        .get(&format!("/reports/kpis?{march}&compare=none"))
        .await;
    let tile = |k: &str| {
        r.body["tiles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["kpi"] == k)
            .cloned()
            .unwrap_or_else(|| panic!("no {k} in {}", r.body))
    };
    let cpl = tile("cost_per_learner");
    assert_eq!(
        cpl["figure"],
        json!({ "numerator": 351840, "denominator": 6 })
    );
    assert_eq!(cpl["value"], "586.40 EUR");
    let p = tile("profitability");
    assert_eq!(
        p["figure"],
        json!({ "numerator": -71840, "denominator": 280000 })
    );
    assert_eq!(p["value"], "-25.7");

    // The pages show the same figures.
    let b = t.browser_as(Role::Finance, None).await;
    let (status, html) = b
        .get(&format!("/reports/profitability?{march}&by=client"))
        .await;
    assert_eq!(status, StatusCode::OK);
    for s in [
        "-912.00 EUR",
        "193.60 EUR",
        "-718.40 EUR",
        "-45.6 %",
        "586.40 EUR",
        "<svg",
    ] {
        assert!(html.contains(s), "{s} missing from the page");
    }
    assert!(
        html.find("Public sessions").unwrap() < html.find("Acme Profit").unwrap(),
        "loss-making rows first"
    );
    let (status, html) = b.get(&format!("/sessions/{}?tab=finance", w.s1.0)).await;
    assert_eq!(status, StatusCode::OK);
    for s in [
        "Finance",
        "1286.50 EUR",
        "213.50 EUR",
        "14.2 %",
        "428.83 EUR",
        "venue invoice 77",
    ] {
        assert!(
            html.contains(s),
            "{s} missing from the session's Finance tab"
        );
    }
    let (_, csv_page) = b
        .get(&format!(
            "/reports/profitability?{march}&by=client&format=csv"
        ))
        .await;
    assert_eq!(csv_page, csv);
}

async fn actuals_manual_lines_and_stale_edits(t: &TestApp) {
    let w = build(t).await;
    let s = w.s1.0;
    let f = w.finance.get(&format!("/sessions/{s}/finance")).await.body;
    let materials = line(&f, "materials").clone();
    assert_eq!(materials["version"], 0);
    let put =
        |v: &Value, amount: &str| json!({ "version": v, "amount": amount, "note": "supplier" });
    let r = w
        .finance
        .put(
            &format!("/sessions/{s}/cost-lines/materials/actual"),
            &put(&materials["version"], "80.10"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let after = line(&r.body, "materials").clone();
    assert_eq!(after["stage"], "actual");
    assert_eq!(after["planned"]["amount"], "76.50");
    assert_eq!(after["actual"]["amount"], "80.10");
    assert_eq!(after["version"], 1);
    // A second finance user still holding version 0: 409, nothing changed.
    let stale = w
        .manager
        .put(
            &format!("/sessions/{s}/cost-lines/materials/actual"),
            &put(&materials["version"], "99"),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    let f = w.finance.get(&format!("/sessions/{s}/finance")).await.body;
    assert_eq!(line(&f, "materials")["actual"]["amount"], "80.10");
    // Bad input names the field and changes nothing.
    for (body, field) in [
        (put(&after["version"], "-5"), "amount"),
        (put(&after["version"], "12.345"), "amount"),
    ] {
        let r = w
            .finance
            .put(&format!("/sessions/{s}/cost-lines/materials/actual"), &body)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.to_string().contains(field), "{}", r.body);
    }
    let r = w
        .finance
        .post(
            &format!("/sessions/{s}/cost-lines"),
            &json!({ "kind": "catering", "description": "", "amount": { "amount": "10", "currency": "EUR" } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = w
        .finance
        .put(
            &format!("/sessions/{s}/cost-lines/nothing-9/actual"),
            &put(&json!(0), "1"),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    // A manual line: added, removed with its version; a derived line cannot be removed.
    let r = w
        .finance
        .post(
            &format!("/sessions/{s}/cost-lines"),
            &json!({ "kind": "travel", "description": "Taxi", "amount": { "amount": "42.00", "currency": "EUR" } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let taxi = key_of(&r.body, "travel");
    assert!(taxi.starts_with("line-"));
    assert_eq!(line(&r.body, &taxi)["stage"], "planned");
    let r = w
        .finance
        .delete(&format!("/sessions/{s}/cost-lines/{taxi}?version=7"))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = w
        .finance
        .delete(&format!("/sessions/{s}/cost-lines/{taxi}?version=1"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(!r.body.to_string().contains("Taxi"));
    let fee = key_of(&r.body, "instructor_fee");
    let r = w
        .finance
        .delete(&format!("/sessions/{s}/cost-lines/{fee}?version=0"))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // Every change is in the audit trail.
    let h = w.finance.get(&format!("/history/session_costs/{s}")).await;
    assert_eq!(h.status, StatusCode::OK, "{}", h.body);
    let actions: Vec<&str> = h
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "cost_line.actual_set",
        "cost_line.added",
        "cost_line.removed",
    ] {
        assert!(actions.contains(&a), "{a} not in {actions:?}");
    }
}

async fn the_csv_import_checks_before_it_changes_anything(t: &TestApp) {
    let w = build(t).await;
    let (s1, r1) = (&w.s1.0, &w.s1.1);
    let before = w.finance.get(&format!("/sessions/{s1}/finance")).await.body;
    let bad = format!(
        "session reference,kind,description,amount,currency\n\
         {r1},venue_hire,,320.00,EUR\n\
         NOPE-1,travel,Train,10,EUR\n\
         {r1},snacks,Crisps,5,EUR\n\
         {r1},travel,Train,ten,EUR\n\
         {r1},travel,Train,10,EURO\n\
         {r1},catering\n"
    );
    let r = w
        .finance
        .post("/costs/import", &json!({ "csv": bad, "dry_run": true }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["problems"], 5, "{}", r.body);
    assert_eq!(r.body["applied"], 0);
    let rows = r.body["rows"].as_array().unwrap();
    assert_eq!(rows[0]["problem"], Value::Null);
    assert_eq!(rows[0]["target"], format!("resource-{}", w.room));
    for (i, words) in [
        (1, "no session has the reference 'NOPE-1'"),
        (2, "'snacks' is not a cost kind"),
        (3, "amount"),
        (4, "currency"),
        (5, "expected 5"),
    ] {
        let p = rows[i]["problem"].as_str().unwrap_or_default();
        assert!(p.contains(words), "row {i}: {p}");
        assert_eq!(rows[i]["line"], i + 2);
    }
    // Applying the bad file: 422 naming the rows, nothing changed.
    let r = w
        .finance
        .post("/costs/import", &json!({ "csv": bad }))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.to_string().contains("row 3"), "{}", r.body);
    let after = w.finance.get(&format!("/sessions/{s1}/finance")).await.body;
    assert_eq!(after, before);

    // A good file: the dry run changes nothing, the import applies both rows.
    let good = format!(
        "session reference,kind,description,amount,currency\n\
         {r1},venue_hire,,320.00,EUR\n\
         {r1},travel,Train to Berlin,88.20,EUR\n"
    );
    let r = w
        .finance
        .post("/costs/import", &json!({ "csv": good, "dry_run": true }))
        .await;
    assert_eq!(r.body["problems"], 0, "{}", r.body);
    assert_eq!(r.body["rows"][1]["target"], "new");
    assert_eq!(
        w.finance.get(&format!("/sessions/{s1}/finance")).await.body,
        before
    );
    let r = w
        .finance
        .post("/costs/import", &json!({ "csv": good }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["applied"], 2);
    let f = w.finance.get(&format!("/sessions/{s1}/finance")).await.body;
    let room = line(&f, &format!("resource-{}", w.room));
    assert_eq!(room["actual"]["amount"], "320.00");
    assert_eq!(room["stage"], "actual");
    // 800.00 + 320.00 + 76.50 + 88.20
    assert_eq!(f["totals"]["total"]["amount"], "1284.70");

    // The page: a check lists the problems and changes nothing.
    let b = t.browser_as(Role::Finance, None).await;
    let (status, html) = b.get("/costs/import").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Check (dry run)"));
    let token = b.csrf().await;
    let (status, html) = b
        .post_form(
            "/costs/import",
            &[("_csrf", &token), ("csv", &bad), ("action", "import")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("Nothing was imported: 5 rows have a problem"),
        "{html}"
    );
    assert!(html.contains("no session has the reference"));
    assert_eq!(
        w.finance.get(&format!("/sessions/{s1}/finance")).await.body,
        f
    );
}

async fn only_finance_managers_and_admins_see_costs(t: &TestApp) {
    let w = build(t).await;
    let s = w.s1.0;
    let coordinator = t.api_as(Role::Coordinator, None).await;
    for path in [
        format!("/sessions/{s}/finance"),
        "/reports/profitability".to_owned(),
    ] {
        let r = coordinator.get(&path).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.body);
    }
    let r = coordinator
        .put(
            &format!("/sessions/{s}/cost-lines/materials/actual"),
            &json!({ "version": 0, "amount": "1" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = coordinator
        .put(
            &format!("/resources/{}/day-rate", w.room),
            &json!({ "amount": "1", "currency": "EUR" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The KPI report leaves the finance tiles out for a coordinator.
    let r = coordinator
        .get("/reports/kpis?from=2026-03-01&until=2026-03-31")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let text = r.body.to_string();
    assert!(!text.contains("cost_per_learner") && !text.contains("profitability"));
    // The session page has no Finance tab for a coordinator; the finance user's has one.
    let b: Browser = t.browser_as(Role::Coordinator, None).await;
    let (status, html) = b.get(&format!("/sessions/{s}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("tab-finance") && !html.contains("Cost lines"));
    let (status, _) = b.get("/reports/profitability").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, html) = b.get(&format!("/history/session/{s}")).await;
    assert!(!html.contains("350.00"));
    let f: Browser = t.browser_as(Role::Finance, None).await;
    let (_, html) = f.get(&format!("/sessions/{s}")).await;
    assert!(html.contains("tab-finance") && html.contains("Cost lines"));
    let _ = w.manager;
}
