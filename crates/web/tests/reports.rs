//! Operations reporting (issue 17): a small hand-built March 2026 where every KPI is worked out by
//! hand below and must match the API and the CSV to the last digit, on both databases. It holds a
//! closed session, a cancelled one, one postponed and rescheduled, a three-day session crossing
//! the end of March, an instructor with a week off, and a session in Auckland whose local date
//! (1 March) differs from its UTC date and from the Berlin reader's (both 28 February).

use crate::common;

use crate::common::browser::Chrome;
use crate::common::{Api, Browser, PASSWORD, TestApp, course_body, venue_body};
use reqwest::StatusCode;
use serde_json::{Value, json};
use trainyard_core::Role;

both_backends!(
    every_kpi_matches_the_hand_count_in_json_and_csv,
    a_client_contact_sees_only_their_clients_figures,
    the_reports_page_draws_tiles_charts_and_drill_downs,
    in_a_browser_the_drill_down_lists_what_the_tile_counts,
    the_benchmark_year_is_consistent_and_counted,
);

/// `trainyard bench year` writes its year set-based, around the use cases: the rows must still obey
/// the scheduling rules (the doctor finds nothing) and read back as the figures it meant to make.
async fn the_benchmark_year_is_consistent_and_counted(t: &TestApp) {
    let size = trainyard_app::bench::YearSize {
        sessions: 120,
        enrollments_per_session: 4,
        instructors: 10,
        learners: 50,
    };
    let from = trainyard_app::bench::seed_year(&t.app, size, |_, _| {})
        .await
        .unwrap();
    let findings = trainyard_app::doctor::check(&t.app, &t.system())
        .await
        .unwrap();
    assert!(findings.is_empty(), "{findings:?}");
    // A second call finds the year there and makes nothing.
    trainyard_app::bench::seed_year(&t.app, size, |_, _| {})
        .await
        .unwrap();
    let manager = t.api_as(Role::Manager, None).await;
    let until = from + chrono::Duration::days(364);
    let r = manager
        .get(&format!(
            "/reports/kpis?from={from}&until={until}&compare=none"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let fill = tile(&r.body, "fill_rate");
    // Every session held offers 16 seats and has 4 learners (a delivered one counts those who
    // came: one in twelve is a no-show); one session in twenty is cancelled.
    let held = 120 - 120 / 20;
    assert_eq!(fill["figure"]["denominator"], json!(held * 16), "{fill}");
    let filled = fill["figure"]["numerator"].as_i64().unwrap();
    assert!(filled > held * 4 * 10 / 12 && filled <= held * 4, "{fill}");
}

struct Data {
    coordinator: Api,
    manager: Api,
    client: i64,
    anna: i64,
    closed: i64,
    rescheduled: i64,
    /// The assignments of the closed and the rescheduled session.
    assignments: Vec<i64>,
}

async fn transition(api: &Api, s: i64, event: &str, reason: Option<&str>) {
    let v = api.get(&format!("/sessions/{s}")).await.body["version"]
        .as_i64()
        .unwrap();
    let mut body = json!({ "event": event, "version": v });
    if let Some(r) = reason {
        body["reason"] = json!(r);
    }
    let r = api.post(&format!("/sessions/{s}/transition"), &body).await;
    assert_eq!(r.status, StatusCode::OK, "{event} {s}: {}", r.body);
}

async fn session(api: &Api, course: i64, extra: Value, parts: Value) -> i64 {
    let mut body = json!({
        "course_id": course, "visibility": "public", "delivery_mode": "ilt", "capacity": 10,
        "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" }, "parts": parts
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    api.create("/sessions", &body).await["id"].as_i64().unwrap()
}

/// Moves a session to other days (its other fields as created): enrollment closes once a
/// session has started, so the learners of these past sessions enrolled while it lay ahead.
async fn move_to(api: &Api, s: i64, course: i64, extra: Value, parts: Value) {
    let cur = api.get(&format!("/sessions/{s}")).await.body;
    let mut body = json!({
        "course_id": course, "visibility": "public", "delivery_mode": "ilt", "capacity": 10,
        "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" },
        "version": cur["version"], "parts": parts
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let r = api.put(&format!("/sessions/{s}"), &body).await;
    assert_eq!(r.status, StatusCode::OK, "move {s}: {}", r.body);
}

fn day(date: &str) -> Value {
    json!({ "starts": format!("{date}T09:00"), "ends": format!("{date}T17:00") })
}

/// Proposes and requests (as the manager, overriding the qualification and working-pattern rules
/// these made-up sessions do not meet: every step judges them), accepts, and confirms.
async fn staff(d: &Data, s: i64, instructor: i64) -> i64 {
    let a = d
        .manager
        .create(
            &format!("/sessions/{s}/assignments"),
            &json!({ "instructor_id": instructor, "override_reason": "test" }),
        )
        .await;
    let id = a["id"].as_i64().unwrap();
    let mut v = a["version"].as_i64().unwrap();
    for (api, event) in [(&d.manager, "request"), (&d.coordinator, "accept")] {
        let r = api
            .post(
                &format!("/assignments/{id}/actions"),
                &json!({ "event": event, "version": v, "override_reason": "test" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{event}: {}", r.body);
        v = r.body["version"].as_i64().unwrap();
    }
    let r = d
        .manager
        .post(
            &format!("/assignments/{id}/actions"),
            &json!({ "event": "confirm", "version": v, "override_reason": "test" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "confirm: {}", r.body);
    id
}

async fn enroll(api: &Api, s: i64, learners: &[i64]) -> Vec<i64> {
    let mut ids = Vec::new();
    for l in learners {
        let e = api
            .create(
                &format!("/sessions/{s}/enrollments"),
                &json!({ "learner_id": l }),
            )
            .await;
        assert_eq!(e["status"], "booked", "{e}");
        ids.push(e["id"].as_i64().unwrap());
    }
    ids
}

async fn attendance(api: &Api, s: i64, present: &[i64]) {
    let d = api.get(&format!("/sessions/{s}")).await.body;
    for p in d["parts"].as_array().unwrap() {
        let r = api
            .post(
                &format!("/sessions/{s}/attendance"),
                &json!({ "part_id": p["id"], "present": present }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "attendance: {}", r.body);
    }
}

async fn build(t: &TestApp) -> Data {
    let coordinator = t.api_as(Role::Coordinator, None).await;
    let manager = t.api_as(Role::Manager, None).await;
    let venue = coordinator
        .create("/venues", &venue_body("BER", "Europe/Berlin"))
        .await["id"]
        .as_i64()
        .unwrap();
    let course = coordinator.create("/courses", &course_body("XL")).await["id"]
        .as_i64()
        .unwrap();
    let client = coordinator
        .create("/clients", &json!({
            "code": "ACME", "name": "Acme", "billing_email": "ap@acme.example", "billing_address": "1 Road",
            "currency": "EUR", "time_zone": "Europe/Berlin"
        }))
        .await["id"]
        .as_i64()
        .unwrap();
    let anna = coordinator
        .create("/instructors", &json!({
            "name": "Anna Berg", "email": "anna@example.com", "employment_type": "staff", "home_venue_id": venue,
            "time_zone": "Europe/Berlin", "currency": "EUR", "max_days_week": 5, "max_days_month": 20
        }))
        .await["id"]
        .as_i64()
        .unwrap();
    // Monday to Friday, 09:00–17:00 Berlin; the week of 9 March off.
    let pattern: Vec<Value> = (1..=5)
        .map(|d| json!({ "weekday": d, "from": "09:00", "until": "17:00" }))
        .collect();
    let r = coordinator
        .put(
            &format!("/instructors/{anna}/working-pattern"),
            &json!(pattern),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    coordinator
        .create(
            &format!("/instructors/{anna}/time-off"),
            &json!({ "from": "2026-03-09", "until": "2026-03-13", "reason": "Holiday" }),
        )
        .await;
    let mut learners = Vec::new();
    for n in 0..6 {
        learners.push(
            coordinator
                .create("/learners", &json!({
                    "first_name": "L", "last_name": format!("N{n}"), "email": format!("l{n}@example.com"),
                    "time_zone": "Europe/Berlin", "client_id": client
                }))
                .await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let d = Data {
        coordinator,
        manager,
        client,
        anna,
        closed: 0,
        rescheduled: 0,
        assignments: Vec::new(),
    };
    let api = &d.coordinator;

    // 1. Monday 2 March, Acme's, closed: four booked, three came to the end (completed), one
    //    no-show.
    let acme = json!({ "visibility": "private", "client_id": client, "venue_id": venue });
    let closed = session(api, course, acme.clone(), json!([day("2027-06-07")])).await;
    transition(api, closed, "schedule", None).await;
    let e = enroll(api, closed, &learners[..4]).await;
    move_to(api, closed, course, acme, json!([day("2026-03-02")])).await;
    let a1 = staff(&d, closed, anna).await;
    transition(api, closed, "confirm", None).await;
    attendance(api, closed, &e[..3]).await;
    transition(api, closed, "deliver", None).await;
    transition(api, closed, "close", None).await;

    // 2. Tuesday 17 March: cancelled for low enrollment.
    let at_venue = json!({ "venue_id": venue });
    let cancelled = session(api, course, at_venue.clone(), json!([day("2026-03-17")])).await;
    transition(api, cancelled, "schedule", None).await;
    transition(api, cancelled, "cancel", Some("low_enrollment")).await;

    // 3. Planned for 10 March (Anna's week off), postponed, moved to Tuesday 24 March,
    //    rescheduled and delivered: two booked, both came.
    let rescheduled = session(api, course, at_venue.clone(), json!([day("2027-06-08")])).await;
    transition(api, rescheduled, "schedule", None).await;
    let e = enroll(api, rescheduled, &learners[4..6]).await;
    move_to(
        api,
        rescheduled,
        course,
        at_venue.clone(),
        json!([day("2026-03-10")]),
    )
    .await;
    transition(api, rescheduled, "postpone", Some("instructor_unavailable")).await;
    move_to(
        api,
        rescheduled,
        course,
        at_venue.clone(),
        json!([day("2026-03-24")]),
    )
    .await;
    transition(api, rescheduled, "reschedule", None).await;
    let a3 = staff(&d, rescheduled, anna).await;
    transition(api, rescheduled, "confirm", None).await;
    attendance(api, rescheduled, &e).await;
    transition(api, rescheduled, "deliver", None).await;

    // 4. Monday 30 March to Wednesday 1 April, confirmed, five booked: its seats count in March
    //    (where it starts), its teaching hours by the day (two days in March, one in April).
    let crossing = session(api, course, at_venue.clone(), json!([day("2027-06-09")])).await;
    transition(api, crossing, "schedule", None).await;
    enroll(api, crossing, &learners[..5]).await;
    let days = json!([day("2026-03-30"), day("2026-03-31"), day("2026-04-01")]);
    move_to(api, crossing, course, at_venue, days).await;
    staff(&d, crossing, anna).await;
    transition(api, crossing, "confirm", None).await;

    // 5. Auckland, Sunday 1 March 10:00 NZDT = Saturday 28 February 21:00 UTC = 22:00 Berlin:
    //    February for a Berlin reader. Scheduled, two booked, never delivered.
    let online = json!({ "delivery_mode": "vilt", "time_zone": "Pacific/Auckland" });
    let auckland = session(api, course, online.clone(), json!([day("2027-06-10")])).await;
    transition(api, auckland, "schedule", None).await;
    enroll(api, auckland, &learners[..2]).await;
    let sunday = json!([{ "starts": "2026-03-01T10:00", "ends": "2026-03-01T16:00" }]);
    move_to(api, auckland, course, online, sunday).await;
    let s = api.get(&format!("/sessions/{auckland}")).await.body;
    assert!(
        s["parts"][0]["starts_at"]
            .as_str()
            .unwrap()
            .starts_with("2026-02-28T21:00"),
        "{s}"
    );

    // Admin minutes: 30 on the closed session, 15 on the rescheduled one.
    for (s, m) in [(closed, 30), (rescheduled, 15)] {
        let r = api
            .post(
                &format!("/sessions/{s}/admin-time"),
                &json!({ "minutes": m, "note": "phone calls" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.body["minutes"], m);
    }
    Data {
        closed,
        rescheduled,
        assignments: vec![a1, a3],
        ..d
    }
}

/// Staff actions on a session, its assignment and its enrollments, counted from their histories
/// (every change here was made by staff).
async fn staff_actions(api: &Api, s: i64, assignment: i64) -> i64 {
    let count = |v: Value| v.as_array().map(Vec::len).unwrap_or_default() as i64;
    let mut n = count(api.get(&format!("/history/session/{s}")).await.body);
    n += count(
        api.get(&format!("/history/assignment/{assignment}"))
            .await
            .body,
    );
    let enrollments = api.get(&format!("/sessions/{s}/enrollments")).await.body;
    let items = match enrollments.as_array() {
        Some(a) => a.clone(),
        None => enrollments["items"].as_array().cloned().unwrap_or_default(),
    };
    assert!(!items.is_empty(), "{enrollments}");
    for i in items {
        let id = i["id"].as_i64().unwrap();
        n += count(api.get(&format!("/history/enrollment/{id}")).await.body);
    }
    n
}

fn tile<'a>(r: &'a Value, key: &str) -> &'a Value {
    r["tiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kpi"] == key)
        .unwrap_or_else(|| panic!("no {key} tile in {r}"))
}

fn keys(r: &Value) -> Vec<String> {
    r["tiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kpi"].as_str().unwrap().to_owned())
        .collect()
}

/// Asserts a tile's figure (numerator, denominator, shown value) and its comparison.
fn check(r: &Value, key: &str, now: (i64, i64, &str), before: Option<(i64, i64, &str)>) {
    let t = tile(r, key);
    assert_eq!(t["figure"]["numerator"], now.0, "{key}: {t}");
    assert_eq!(t["figure"]["denominator"], now.1, "{key}: {t}");
    assert_eq!(t["value"], now.2, "{key}: {t}");
    match before {
        Some((n, d, v)) => {
            assert_eq!(t["comparison"]["numerator"], n, "{key}: {t}");
            assert_eq!(t["comparison"]["denominator"], d, "{key}: {t}");
            if v.is_empty() {
                assert!(t["comparison_value"].is_null(), "{key}: {t}");
            } else {
                assert_eq!(t["comparison_value"], v, "{key}: {t}");
            }
        }
        None => assert!(t["comparison_value"].is_null(), "{key}: {t}"),
    }
}

async fn every_kpi_matches_the_hand_count_in_json_and_csv(t: &TestApp) {
    let d = build(t).await;
    let api = &d.manager;
    let q = "/reports/kpis?from=2026-03-01&until=2026-03-31&compare=previous";
    let r = api.get(q).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = r.body;
    assert_eq!(
        r["period"],
        json!({ "from": "2026-03-01", "until": "2026-03-31" })
    );
    assert_eq!(
        r["comparison"],
        json!({ "from": "2026-02-01", "until": "2026-02-28" })
    );
    assert_eq!(r["time_zone"], "Europe/Berlin");

    // March (Berlin): sessions 1–4 start in it; the Auckland one starts on 28 February here.
    // Fill: held are 1 (closed: 3 came), 3 (delivered: 2 came), 4 (confirmed: 5 booked) over
    // 3 × 10 seats. February: the Auckland session, 2 booked of 10.
    check(&r, "fill_rate", (10, 30, "33.3"), Some((2, 10, "20.0")));
    // On time: 1–4 were due by now; only 1 was delivered and never postponed.
    // February: the Auckland session was due and not delivered.
    check(&r, "on_time_delivery", (1, 4, "25.0"), Some((0, 1, "0.0")));
    // Cancelled or postponed: 2 (cancelled) and 3 (postponed, since delivered) of the four.
    check(&r, "cancellation_rate", (2, 4, "50.0"), Some((0, 1, "0.0")));
    assert_eq!(
        r["cancellations_by_reason"],
        json!([
            { "reason": "low_enrollment", "sessions": 1 },
            { "reason": "instructor_unavailable", "sessions": 1 }
        ])
    );
    // Utilization: 22 weekdays × 8 h less the week off (5 × 8 h) = 136 h = 8160 min available;
    // taught 8 h (2 March) + 8 h (24 March) + 16 h (30 and 31 March; 1 April is April's) = 1920 min.
    // February: 20 weekdays × 8 h = 9600 min, nothing taught.
    check(
        &r,
        "instructor_utilization",
        (1920, 8160, "23.5"),
        Some((0, 9600, "0.0")),
    );
    // Admin: the two delivered sessions' staff actions from the trail, and 30 + 15 minutes.
    let actions = staff_actions(api, d.closed, d.assignments[0]).await
        + staff_actions(api, d.rescheduled, d.assignments[1]).await;
    assert!(actions > 10, "{actions}");
    let per = format!("{:.2}", actions as f64 / 2.0);
    check(&r, "admin_actions_per_session", (actions, 2, &per), None);
    check(&r, "admin_minutes_per_session", (45, 2, "22.50"), None);
    // Outcomes at delivered sessions: 3 + 2 came of 4 + 2 recorded; 3 completed (session 1
    // closed; session 3's two are attended until it closes).
    check(&r, "attendance_rate", (5, 6, "83.3"), None);
    check(&r, "completion_rate", (3, 6, "50.0"), None);
    // Finance figures come from the costs of the sessions delivered (ending) in March, the
    // closed and the rescheduled one: nobody here has a rate or a price, so the six learners
    // cost nothing and there is no revenue to take a margin of (tests/costs.rs has the sums).
    let cpl = tile(&r, "cost_per_learner");
    assert_eq!(
        cpl["figure"],
        json!({ "numerator": 0, "denominator": 6 }),
        "{cpl}"
    );
    assert_eq!(cpl["value"], "0.00 EUR");
    let p = tile(&r, "profitability");
    assert_eq!(
        p["figure"],
        json!({ "numerator": 0, "denominator": 0 }),
        "{p}"
    );
    assert!(p["value"].is_null(), "{p}");
    // Nobody answered a feedback survey: "no data", not 0 (tests/quality.rs has the figures).
    let x = tile(&r, "client_satisfaction");
    assert_eq!(
        x["figure"],
        json!({ "numerator": 0, "denominator": 0 }),
        "{x}"
    );
    assert!(x["value"].is_null() && x["arrives_with"].is_null(), "{x}");
    // The heat map: Anna's week off is "no data", the week of 30 March (to the 31st) 16 of 16 h.
    let heat = &r["utilization_by_week"][0];
    assert_eq!(heat["name"], "Anna Berg");
    let weeks = r["weeks"].as_array().unwrap();
    let off = weeks
        .iter()
        .position(|w| w["from"] == "2026-03-09")
        .unwrap();
    assert_eq!(
        heat["weeks"][off],
        json!({ "numerator": 0, "denominator": 0 })
    );
    let last = weeks.len() - 1;
    assert_eq!(
        heat["weeks"][last],
        json!({ "numerator": 960, "denominator": 960 })
    );
    // Fill over time by week: 2 March's week holds session 1 only.
    let w = r["fill_over_time"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["days"]["from"] == "2026-03-02")
        .unwrap();
    assert_eq!(w["fill_rate"], json!({ "numerator": 3, "denominator": 10 }));

    // The CSV says the same to the last digit.
    let csv = api.get(&format!("{q}&format=csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = csv.body.as_str().unwrap().to_owned();
    let line = |key: &str| -> Vec<String> {
        text.lines()
            .find(|l| l.starts_with(&format!("{key},")))
            .unwrap_or_else(|| panic!("no {key} in {text}"))
            .split(',')
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(
        line("fill_rate")[2..],
        [
            "2026-03-01",
            "2026-03-31",
            "10",
            "30",
            "33.3",
            "2",
            "10",
            "20.0"
        ]
    );
    assert_eq!(
        line("instructor_utilization")[4..],
        ["1920", "8160", "23.5", "0", "9600", "0.0"]
    );
    assert_eq!(
        line("admin_minutes_per_session")[4..7],
        ["45", "2", "22.50"]
    );
    assert_eq!(
        line("attendance_rate")[4..10],
        ["5", "6", "83.3", "0", "0", ""]
    );
    assert_eq!(line("cancellations_by_reason.low_enrollment")[4], "1");
    assert_eq!(line("cost_per_learner")[4..7], ["0", "6", "0.00 EUR"]);

    // The Berlin reader's February holds the Auckland session; its local 1 March does not count
    // in March (checked above), the same as the sessions list drill-down says.
    let feb = api
        .get("/reports/kpis?from=2026-02-01&until=2026-02-28&compare=none")
        .await
        .body;
    check(&feb, "fill_rate", (2, 10, "20.0"), None);
    assert!(feb["comparison"].is_null());
    let list = api
        .get("/sessions?from=2026-02-01&to=2026-02-28")
        .await
        .body;
    assert_eq!(list["total"], 1, "{list}");

    // A period without sessions: "no data", never 0 %.
    let empty = api
        .get("/reports/kpis?from=2025-06-01&until=2025-06-30&compare=none")
        .await
        .body;
    for k in [
        "fill_rate",
        "on_time_delivery",
        "cancellation_rate",
        "admin_actions_per_session",
        "admin_minutes_per_session",
        "attendance_rate",
        "completion_rate",
    ] {
        let x = tile(&empty, k);
        assert!(x["value"].is_null(), "{k}: {x}");
        assert_eq!(x["figure"]["denominator"], 0, "{k}: {x}");
    }
    let csv = api
        .get("/reports/kpis?from=2025-06-01&until=2025-06-30&compare=none&format=csv")
        .await;
    let text = csv.body.as_str().unwrap();
    let fill = text.lines().find(|l| l.starts_with("fill_rate,")).unwrap();
    assert!(fill.ends_with(",0,0,,,,"), "{fill}");

    // Slices: only Acme's sessions; only what Anna teaches.
    let acme = api
        .get(&format!(
            "/reports/kpis?from=2026-03-01&until=2026-03-31&client_id={}",
            d.client
        ))
        .await
        .body;
    check(&acme, "fill_rate", (3, 10, "30.0"), Some((0, 0, "")));

    // Refusals are problems naming the parameter.
    for (q, name) in [
        ("from=2026-13-01", "from"),
        ("from=2026-03-10&until=2026-03-01", "until"),
        ("compare=someday", "compare"),
        ("mode=telepathy", "mode"),
        ("format=xml", "format"),
    ] {
        let r = api.get(&format!("/reports/kpis?{q}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}: {}", r.body);
        assert!(
            r.body["detail"].as_str().unwrap_or("").contains(name),
            "{q}: {}",
            r.body
        );
    }

    // Admin minutes: positive whole minutes, operations staff only.
    let r = api
        .post(
            &format!("/sessions/{}/admin-time", d.closed),
            &json!({ "minutes": 0 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let finance = t.api_as(Role::Finance, None).await;
    let r = finance
        .post(
            &format!("/sessions/{}/admin-time", d.closed),
            &json!({ "minutes": 5 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = api
        .post("/sessions/999999/admin-time", &json!({ "minutes": 5 }))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
}

async fn a_client_contact_sees_only_their_clients_figures(t: &TestApp) {
    let d = build(t).await;
    let contact = t.api_as(Role::ClientContact, Some(d.client)).await;
    let q = "/reports/kpis?from=2026-03-01&until=2026-03-31";
    let r = contact.get(q).await.body;
    // Acme's closed session only, whatever client they ask for.
    check(&r, "fill_rate", (3, 10, "30.0"), Some((0, 0, "")));
    check(&r, "attendance_rate", (3, 4, "75.0"), None);
    let other = contact
        .get(&format!("{q}&client_id={}", d.client + 1000))
        .await
        .body;
    assert_eq!(other["tiles"], r["tiles"]);
    assert_eq!(
        keys(&r),
        [
            "fill_rate",
            "on_time_delivery",
            "cancellation_rate",
            "attendance_rate",
            "completion_rate",
            "client_satisfaction"
        ]
    );
    assert!(r["utilization_by_week"].as_array().unwrap().is_empty());
    // Finance figures only for finance, managers and admins.
    let coordinator_keys = keys(&d.coordinator.get(q).await.body);
    assert!(!coordinator_keys.contains(&"cost_per_learner".to_owned()));
    assert!(!coordinator_keys.contains(&"profitability".to_owned()));
    let manager_keys = keys(&d.manager.get(q).await.body);
    assert!(manager_keys.contains(&"profitability".to_owned()));
    // An instructor sees their own utilization and their feedback, whoever they ask about.
    let email = "anna.account@example.com";
    trainyard_app::accounts::create_user(
        &t.app,
        None,
        trainyard_app::accounts::NewAccount {
            email: email.into(),
            display_name: "Anna".into(),
            password: common::PASSWORD.into(),
            role: Role::Instructor,
            client_id: None,
            instructor_id: Some(d.anna),
            learner_id: None,
            time_zone: "Europe/Berlin".into(),
        },
    )
    .await
    .unwrap();
    let token = trainyard_app::accounts::create_api_token_for(&t.app, email, "tests")
        .await
        .unwrap();
    let anna = Api {
        base: t.url("/api/v1"),
        token: token.secret,
        http: reqwest::Client::new(),
    };
    let mine = anna
        .get(&format!("{q}&instructor_id={}", d.anna + 1000))
        .await
        .body;
    assert_eq!(
        keys(&mine),
        ["instructor_utilization", "client_satisfaction"]
    );
    check(
        &mine,
        "instructor_utilization",
        (1920, 8160, "23.5"),
        Some((0, 9600, "0.0")),
    );
    assert_eq!(mine["utilization_by_week"].as_array().unwrap().len(), 1);
    assert!(
        mine["cancellations_by_reason"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(mine["fill_over_time"].as_array().unwrap().is_empty());
    // Learners see no reports.
    let learner = t.api_as(Role::Learner, None).await;
    assert_eq!(learner.get(q).await.status, StatusCode::FORBIDDEN);
}

async fn the_reports_page_draws_tiles_charts_and_drill_downs(t: &TestApp) {
    let d = build(t).await;
    let ui: Browser = t.browser_as(Role::Manager, None).await;
    let (status, html) = ui
        .get("/reports?period=custom&from=2026-03-01&until=2026-03-31&compare=previous")
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    for needle in [
        "id=\"kpi-fill_rate\"",
        "33.3 %",
        "10 of 30 seats",
        "up from",
        "23.5 %",
        "Cost per learner",
        "href=\"/reports/satisfaction?from=2026-03-01",
        "Seats filled ÷ seats offered",
        "<svg class=\"chart-svg\"",
        "<title id=\"chart-fill-title\">",
        "Low enrollment",
        "Instructor utilization by week",
        "Download CSV",
    ] {
        assert!(html.contains(needle), "missing {needle}");
    }
    // The fill tile's link is the sessions list of the same period; it lists the four sessions
    // starting in March behind the figures (three held, one cancelled).
    let marker = "id=\"kpi-fill_rate\"";
    let at = html.find(marker).unwrap();
    let href_at = html[at..].find("href=\"").unwrap() + at + 6;
    let href = html[href_at..html[href_at..].find('"').unwrap() + href_at]
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    assert!(
        href.starts_with("/sessions?from=2026-03-01&to=2026-03-31"),
        "{href}"
    );
    let (status, list) = ui.get(&href).await;
    assert_eq!(status, StatusCode::OK);
    let rows = list.matches("href=\"/sessions/").count();
    assert!(rows >= 4, "{rows} in {list}");
    // A period without sessions says so.
    let (_, empty) = ui
        .get("/reports?from=2025-06-01&until=2025-06-30&compare=none")
        .await;
    let fill = &empty[empty.find("id=\"kpi-fill_rate\"").unwrap()..];
    let fill = &fill[..fill.find("</section>").unwrap()];
    assert!(fill.contains("no data"), "{fill}");
    assert!(!fill.contains('%'), "{fill}");
    // The CSV download from the page.
    let (status, csv) = ui
        .get("/reports?from=2026-03-01&until=2026-03-31&format=csv")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.starts_with("kpi,title,from,until"), "{csv}");

    // With an instructor chosen, the page says its links cannot carry that filter.
    let (_, anna) = ui
        .get(&format!(
            "/reports?from=2026-03-01&until=2026-03-31&instructor_id={}",
            d.anna
        ))
        .await;
    assert!(anna.contains("cannot filter by instructor"), "{anna}");
    assert!(anna.contains("10 of 30 seats"), "{anna}");

    // The dashboard's tiles: this month against last, linking to the reports.
    let (status, home) = ui.get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("id=\"kpis-this-month\""), "{home}");
    assert!(home.contains("id=\"kpi-fill_rate\""), "{home}");
    assert!(home.contains("href=\"/reports\""), "{home}");

    // "Log admin time" on the session page counts in the admin minutes.
    let (_, page) = ui.get(&format!("/sessions/{}", d.closed)).await;
    assert!(page.contains("id=\"admin-time\""), "{page}");
    assert!(
        page.contains("45 minutes logged") || page.contains("30 minutes logged"),
        "{page}"
    );
    let csrf = ui.csrf().await;
    let (status, after) = ui
        .post_form(
            &format!("/sessions/{}/admin-time", d.closed),
            &[
                ("_csrf", &csrf),
                ("minutes", "20"),
                ("note", "rebooking the room"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert!(after.contains("Logged 20 minutes"), "{after}");
    assert!(after.contains("50 minutes logged so far"), "{after}");
    let (status, refused) = ui
        .post_form(
            &format!("/sessions/{}/admin-time", d.closed),
            &[("_csrf", &csrf), ("minutes", "lots")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("whole number"), "{refused}");
    let (_, csv) = ui
        .get("/reports?from=2026-03-01&until=2026-03-31&format=csv")
        .await;
    let minutes = csv
        .lines()
        .find(|l| l.starts_with("admin_minutes_per_session,"))
        .unwrap();
    assert!(minutes.contains(",65,2,32.50,"), "{minutes}");
}

/// The browser check: choose the period and a client, follow the cancellation tile to
/// the sessions behind it, and find as many there as the tile counts.
async fn in_a_browser_the_drill_down_lists_what_the_tile_counts(t: &TestApp) {
    let Some(b) = Chrome::start(t).await else {
        return;
    };
    let _ = build(t).await;
    t.user("mia@example.com", Role::Manager, None).await;
    b.login("mia@example.com", PASSWORD).await;
    b.goto("/reports").await;
    b.wait_for("#kpi-fill_rate").await;
    b.select("select[name='period']", "From – until").await;
    b.set_value("input[name='from']", "2026-03-01").await;
    b.set_value("input[name='until']", "2026-03-31").await;
    b.click(".report-filters button[type='submit']").await;
    b.wait_for_text("#kpi-cancellation_rate", "2 of 4 sessions")
        .await;
    b.select("select[name='client_id']", "Acme").await;
    b.click(".report-filters button[type='submit']").await;
    let tile = b
        .wait_for_text("#kpi-cancellation_rate", "0 of 1 sessions")
        .await;
    assert!(tile.contains("0.0 %"), "{tile}");
    assert!(b.exists("#chart-fill svg title").await);
    b.screenshot(std::env::temp_dir().join(format!(
        "trainyard-reports-{}.png",
        format!("{:?}", t.kind).to_lowercase()
    )))
    .await;
    b.click("#kpi-cancellation_rate .figure a").await;
    b.wait_for_path("/sessions").await;
    let url = b.current_url().await;
    assert!(
        url.contains("from=2026-03-01") && url.contains("client_id="),
        "{url}"
    );
    assert_eq!(b.text("h1 .count").await.trim(), "1", "at {url}");
    b.close().await;
}
