//! The year's reports read figures kept on each session row by the database (migration 0037) and
//! count sessions in groups (issue 17): they must never go stale and must equal what the raw rows
//! give. On both databases: a small world, then batches of random changes through the HTTP API
//! (enroll, cancel an enrollment, record attendance, cancel, postpone and reschedule, deliver,
//! close, change the capacity, staff and withdraw an instructor, add a cost line, log admin time),
//! chosen by a seeded generator; after each batch every KPI, chart and heat-map cell of the
//! fast path equals the reference computed from one raw row per session.

use crate::common::{Api, TestApp, course_body_with_costs, venue_body};
use reqwest::StatusCode;
use serde_json::{Value, json};
use trainyard_app::costs::{self, ProfitQuery};
use trainyard_app::reporting::{self, ReportQuery, Source};
use trainyard_core::Role;
use trainyard_core::costs::Dimension;

both_backends!(
    random_changes_keep_the_facts_equal_to_the_raw_rows,
    a_change_committing_during_a_refresh_is_not_lost,
);

/// A small deterministic generator (xorshift64*): the same changes on every run and database.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

struct World {
    coordinator: Api,
    manager: Api,
    finance: Api,
    pool: sqlx::AnyPool,
    course: i64,
    client: i64,
    venue: i64,
    instructors: Vec<i64>,
    learners: Vec<i64>,
    /// Each session with its day in March 2026 and its assignments.
    sessions: Vec<(i64, String, Vec<i64>)>,
}

fn day(date: &str) -> Value {
    json!({ "starts": format!("{date}T09:00"), "ends": format!("{date}T17:00") })
}

impl World {
    fn body(&self, n: usize, parts: Value, capacity: i64) -> Value {
        let mut b = json!({
            "course_id": self.course, "visibility": "public", "delivery_mode": "ilt", "capacity": capacity,
            "time_zone": "Europe/Berlin", "venue_id": self.venue,
            "seat_price": { "amount": "250", "currency": "EUR" }, "parts": parts
        });
        if n.is_multiple_of(3) {
            b["visibility"] = json!("private");
            b["client_id"] = json!(self.client);
        }
        b
    }

    async fn session(&self, s: usize) -> Value {
        self.coordinator
            .get(&format!("/sessions/{}", self.sessions[s].0))
            .await
            .body
    }

    /// Moves session `s` to `parts` with `capacity` (its other fields as made); whether it could.
    async fn put(&self, s: usize, parts: Value, capacity: Option<i64>) -> bool {
        let cur = self.session(s).await;
        let capacity = capacity.unwrap_or_else(|| cur["capacity"].as_i64().unwrap());
        let mut body = self.body(s, parts, capacity);
        body["version"] = cur["version"].clone();
        let r = self
            .coordinator
            .put(&format!("/sessions/{}", self.sessions[s].0), &body)
            .await;
        r.status == StatusCode::OK
    }

    async fn transition(&self, s: usize, event: &str, reason: Option<&str>) -> bool {
        let v = self.session(s).await["version"].clone();
        let mut body = json!({ "event": event, "version": v });
        if let Some(r) = reason {
            body["reason"] = json!(r);
        }
        let r = self
            .coordinator
            .post(
                &format!("/sessions/{}/transition", self.sessions[s].0),
                &body,
            )
            .await;
        r.status == StatusCode::OK
    }
}

async fn build(t: &TestApp) -> World {
    let coordinator = t.api_as(Role::Coordinator, None).await;
    let manager = t.api_as(Role::Manager, None).await;
    let venue = coordinator
        .create("/venues", &venue_body("BER", "Europe/Berlin"))
        .await["id"]
        .as_i64()
        .unwrap();
    // Rates and material costs are finance data: the manager sets them.
    let course = manager
        .create("/courses", &course_body_with_costs("KF"))
        .await["id"]
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
    let mut instructors = Vec::new();
    for n in 0..2 {
        let i = manager
            .create("/instructors", &json!({
                "name": format!("Instructor {n}"), "email": format!("i{n}@example.com"), "employment_type": "staff",
                "home_venue_id": venue, "time_zone": "Europe/Berlin", "currency": "EUR", "day_rate": { "amount": "400", "currency": "EUR" },
                "max_days_week": 5, "max_days_month": 20
            }))
            .await["id"]
            .as_i64()
            .unwrap();
        let pattern: Vec<Value> = (1..=5)
            .map(|d| json!({ "weekday": d, "from": "08:00", "until": "18:00" }))
            .collect();
        let r = coordinator
            .put(
                &format!("/instructors/{i}/working-pattern"),
                &json!(pattern),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        instructors.push(i);
    }
    let mut learners = Vec::new();
    for n in 0..8 {
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
    let mut w = World {
        coordinator,
        manager,
        finance: t.api_as(Role::Finance, None).await,
        pool: t.app.store.pool().clone(),
        course,
        client,
        venue,
        instructors,
        learners,
        sessions: Vec::new(),
    };
    // Six sessions over March 2026 (two weeks and a month of the fill chart apart), made in the
    // future so learners can enroll, then moved to their day.
    let days = [
        "2026-03-02",
        "2026-03-05",
        "2026-03-11",
        "2026-03-18",
        "2026-03-24",
        "2026-03-31",
    ];
    for (n, d) in days.iter().enumerate() {
        let future = format!("2027-06-{:02}", 7 + n);
        let body = w.body(n, json!([day(&future)]), 6);
        let id = w.coordinator.create("/sessions", &body).await["id"]
            .as_i64()
            .unwrap();
        w.sessions.push((id, (*d).to_owned(), Vec::new()));
        assert!(w.transition(n, "schedule", None).await);
        for l in w.learners.iter().skip(n % 3).take(3 + n % 3) {
            let r = w
                .coordinator
                .post(
                    &format!("/sessions/{id}/enrollments"),
                    &json!({ "learner_id": l }),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        }
        assert!(w.put(n, json!([day(d)]), None).await);
    }
    // A two-day session starting with the one of 11 March.
    let n = w.sessions.len();
    let body = w.body(n, json!([day("2027-06-20"), day("2027-06-21")]), 6);
    let id = w.coordinator.create("/sessions", &body).await["id"]
        .as_i64()
        .unwrap();
    w.sessions.push((id, "2026-03-11".to_owned(), Vec::new()));
    assert!(w.transition(n, "schedule", None).await);
    assert!(
        w.put(n, json!([day("2026-03-11"), day("2026-03-12")]), None)
            .await
    );
    w
}

fn t_pool(w: &World) -> &sqlx::AnyPool {
    &w.pool
}

/// One random change; whether the API took it (a refused change is fine: the figures must still
/// agree).
async fn change(w: &mut World, rng: &mut Rng) -> bool {
    // The six sessions of March change; the two-day one stays as built, so that its quarter
    // keeps sessions on both sides of the mid-March `now`.
    let s = rng.below(6);
    let id = w.sessions[s].0;
    let march_day = w.sessions[s].1.clone();
    match rng.below(16) {
        // Enroll, or cancel an enrollment: only while the session lies ahead, so it goes to the
        // future and back.
        0 | 1 => {
            let future = format!("2027-07-{:02}", 1 + s);
            if !w.put(s, json!([day(&future)]), None).await {
                return false;
            }
            let enrollments = w
                .coordinator
                .get(&format!("/sessions/{id}/enrollments"))
                .await
                .body;
            let booked: Vec<i64> = enrollments
                .as_array()
                .or_else(|| enrollments["items"].as_array())
                .map(|a| {
                    a.iter()
                        .filter(|e| e["status"] == "booked")
                        .map(|e| e["id"].as_i64().unwrap())
                        .collect()
                })
                .unwrap_or_default();
            let ok = if rng.below(2) == 0 || booked.is_empty() {
                let l = w.learners[rng.below(w.learners.len())];
                w.coordinator
                    .post(
                        &format!("/sessions/{id}/enrollments"),
                        &json!({ "learner_id": l }),
                    )
                    .await
                    .status
                    == StatusCode::CREATED
            } else {
                let e = booked[rng.below(booked.len())];
                w.coordinator
                    .post(&format!("/enrollments/{e}/cancel"), &json!({}))
                    .await
                    .status
                    == StatusCode::OK
            };
            w.put(s, json!([day(&march_day)]), None).await && ok
        }
        // Attendance: a random half of the learners came.
        2 => {
            let d = w.session(s).await;
            let enrollments = w
                .coordinator
                .get(&format!("/sessions/{id}/enrollments"))
                .await
                .body;
            let ids: Vec<i64> = enrollments
                .as_array()
                .or_else(|| enrollments["items"].as_array())
                .map(|a| a.iter().map(|e| e["id"].as_i64().unwrap()).collect())
                .unwrap_or_default();
            let present: Vec<i64> = ids.into_iter().filter(|_| rng.below(2) == 0).collect();
            let mut ok = true;
            for p in d["parts"].as_array().cloned().unwrap_or_default() {
                ok &= w
                    .coordinator
                    .post(
                        &format!("/sessions/{id}/attendance"),
                        &json!({ "part_id": p["id"], "present": present }),
                    )
                    .await
                    .status
                    == StatusCode::OK;
            }
            ok
        }
        3 => {
            let reasons = ["low_enrollment", "instructor_unavailable", "weather"];
            let event = if rng.below(2) == 0 {
                "cancel"
            } else {
                "postpone"
            };
            w.transition(s, event, Some(reasons[rng.below(reasons.len())]))
                .await
        }
        4 => {
            // Rescheduled to another day of March.
            let other = format!("2026-03-{:02}", 2 + rng.below(27));
            let moved = w.put(s, json!([day(&other)]), None).await;
            if moved {
                w.sessions[s].1 = other;
            }
            moved && w.transition(s, "reschedule", None).await
        }
        5 => {
            let event = ["confirm", "deliver", "close", "schedule"][rng.below(4)];
            w.transition(s, event, None).await
        }
        6 => {
            let capacity = 4 + rng.below(10) as i64;
            w.put(s, json!([day(&march_day)]), Some(capacity)).await
        }
        7 => {
            // Staff an instructor (as the manager, overriding the rules these made-up sessions
            // do not meet), or withdraw one.
            if !w.sessions[s].2.is_empty() && rng.below(2) == 0 {
                let a = w.sessions[s].2.remove(0);
                let v = w.manager.get(&format!("/assignments/{a}")).await.body["version"].clone();
                w.manager
                    .post(
                        &format!("/assignments/{a}/actions"),
                        &json!({ "event": "cancel", "version": v, "override_reason": "test" }),
                    )
                    .await
                    .status
                    == StatusCode::OK
            } else {
                let i = w.instructors[rng.below(w.instructors.len())];
                let r = w
                    .manager
                    .post(
                        &format!("/sessions/{id}/assignments"),
                        &json!({ "instructor_id": i, "override_reason": "test" }),
                    )
                    .await;
                if r.status != StatusCode::CREATED {
                    return false;
                }
                let a = r.body["id"].as_i64().unwrap();
                let mut v = r.body["version"].clone();
                for (api, event) in [(&w.manager, "request"), (&w.coordinator, "accept")] {
                    let r = api
                        .post(
                            &format!("/assignments/{a}/actions"),
                            &json!({ "event": event, "version": v, "override_reason": "test" }),
                        )
                        .await;
                    if r.status != StatusCode::OK {
                        return false;
                    }
                    v = r.body["version"].clone();
                }
                w.sessions[s].2.push(a);
                true
            }
        }
        8 => {
            let amount = format!("{}", 20 + rng.below(200));
            w.coordinator
                .post(
                    &format!("/sessions/{id}/cost-lines"),
                    &json!({ "kind": "catering", "description": "Lunch", "amount": { "amount": amount, "currency": "EUR" }, "stage": "committed" }),
                )
                .await
                .status
                == StatusCode::CREATED
        }
        // Finance inputs changed behind the application's back (a bulk update): the database
        // marks the sessions they cost.
        10 => {
            let i = w.instructors[rng.below(w.instructors.len())];
            let rate = 30_000 + 1_000 * rng.below(40) as i64;
            sqlx::query("UPDATE instructors SET day_rate_minor = $1 WHERE id = $2")
                .bind(rate)
                .bind(i)
                .execute(t_pool(w))
                .await
                .is_ok()
        }
        11 => {
            let cost = 500 + 100 * rng.below(50) as i64;
            sqlx::query("UPDATE courses SET material_cost_minor = $1 WHERE id = $2")
                .bind(cost)
                .bind(w.course)
                .execute(t_pool(w))
                .await
                .is_ok()
        }
        // A private session invoiced to its client and the invoice issued.
        12 => {
            let r = w
                .finance
                .post(
                    &format!("/sessions/{id}/invoices"),
                    &json!({ "client_id": w.client, "tax_rate": "19" }),
                )
                .await;
            if r.status != StatusCode::CREATED {
                return false;
            }
            w.finance
                .post(
                    &format!("/invoices/{}/issue", r.body["id"]),
                    &json!({ "version": r.body["version"] }),
                )
                .await
                .status
                == StatusCode::OK
        }
        // What the figures are grouped and narrowed by, changed behind the application's back:
        // the session archived or restored, its end moved by a day (across a week or a month).
        13 => sqlx::query(
            "UPDATE sessions SET archived_at = CASE WHEN archived_at IS NULL THEN 1 ELSE NULL END WHERE id = $1",
        )
        .bind(id)
        .execute(t_pool(w))
        .await
        .is_ok(),
        14 => {
            let shift = if rng.below(2) == 0 { 86_400_000_i64 } else { -86_400_000 };
            sqlx::query("UPDATE sessions SET ends_at = ends_at + $1 WHERE id = $2")
                .bind(shift)
                .bind(id)
                .execute(t_pool(w))
                .await
                .is_ok()
        }
        _ => {
            let minutes = 5 + rng.below(90);
            w.coordinator
                .post(
                    &format!("/sessions/{id}/admin-time"),
                    &json!({ "minutes": minutes, "note": "calls" }),
                )
                .await
                .status
                == StatusCode::CREATED
        }
    }
}

/// Every KPI, chart and heat-map cell over March (by week) and over the year around it (by
/// month), with and without a comparison, from the facts and from the raw rows.
async fn assert_same(t: &TestApp, batch: usize) -> reporting::KpiReport {
    let real_now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    // 2026-03-11 16:30 UTC: that day's one-day session has ended, the two-day one starting with
    // it has not, so their quarter holds sessions on both sides of `now` (the kept counts read
    // such quarters from their sessions).
    let mid_march = 1_773_246_600_000;
    let mut last = None;
    for (from, until, compare, time_zone, now) in [
        (
            "2026-03-01",
            "2026-03-31",
            "previous",
            "Europe/Berlin",
            real_now,
        ),
        (
            "2026-03-01",
            "2026-03-31",
            "none",
            "Europe/Berlin",
            real_now,
        ),
        (
            "2025-12-01",
            "2026-11-30",
            "last_year",
            "Europe/Berlin",
            real_now,
        ),
        // Local midnight at :30 UTC, and a `now` inside the period.
        (
            "2026-03-01",
            "2026-03-31",
            "previous",
            "Asia/Kolkata",
            mid_march,
        ),
        (
            "2026-03-09",
            "2026-03-15",
            "none",
            "Asia/Kolkata",
            mid_march,
        ),
    ] {
        let mut caller = t.system();
        caller.time_zone = time_zone.into();
        let q = ReportQuery {
            from: from.into(),
            until: until.into(),
            compare: compare.into(),
            ..Default::default()
        };
        let fast = reporting::kpis_at(&t.app, &caller, &q, now, Source::Facts)
            .await
            .unwrap();
        let raw = reporting::kpis_at(&t.app, &caller, &q, now, Source::RawRows)
            .await
            .unwrap();
        assert_eq!(
            fast, raw,
            "batch {batch}, {from}..{until} vs {compare} in {time_zone} at {now}"
        );
        if time_zone != "Europe/Berlin" {
            continue;
        }
        last = Some(fast);
        if compare == "none" {
            continue;
        }
        // The profitability report by every dimension, and drilled into its groups.
        for by in Dimension::ALL {
            let q = ProfitQuery {
                from: from.into(),
                until: until.into(),
                by: by.as_str().into(),
                within: String::new(),
            };
            let fast = profitability(t, &caller, &q, Source::Facts).await;
            let raw = profitability(t, &caller, &q, Source::RawRows).await;
            assert_eq!(
                fast,
                raw,
                "batch {batch}, {from}..{until} by {}",
                by.as_str()
            );
            let mut keys: Vec<String> = raw["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["key"].as_str().unwrap().to_owned())
                .collect();
            keys.push("999999".into());
            for key in keys.iter().take(4).chain(keys.last()) {
                let q = ProfitQuery {
                    within: format!("{}:{key}", by.as_str()),
                    by: "session".into(),
                    ..q.clone()
                };
                let fast = profitability(t, &caller, &q, Source::Facts).await;
                let raw = profitability(t, &caller, &q, Source::RawRows).await;
                assert_eq!(fast, raw, "batch {batch}, within {}", q.within);
            }
        }
    }
    last.unwrap()
}

async fn profitability(
    t: &TestApp,
    caller: &trainyard_app::Caller,
    q: &ProfitQuery,
    source: Source,
) -> Value {
    serde_json::to_value(
        costs::profitability_from(&t.app, caller, q, source)
            .await
            .unwrap(),
    )
    .unwrap()
}

async fn random_changes_keep_the_facts_equal_to_the_raw_rows(t: &TestApp) {
    let mut w = build(t).await;
    // Two sessions delivered from the start, so that the finance figures have something to sum.
    for s in [1, 4] {
        for event in ["confirm", "deliver"] {
            let done = w.transition(s, event, None).await;
            assert!(done, "session {s}: {event}");
        }
    }
    assert_same(t, 0).await;
    let mut rng = Rng(0x005E_ED0F_7EA1);
    let mut applied = 0;
    for batch in 1..=8 {
        for _ in 0..8 {
            applied += usize::from(change(&mut w, &mut rng).await);
        }
        assert_same(t, batch).await;
    }
    // The changes did happen, and the figures compared are not empty.
    assert!(applied >= 20, "only {applied} changes applied");
    let mut caller = t.system();
    caller.time_zone = "Europe/Berlin".into();
    let q = ReportQuery {
        from: "2026-03-01".into(),
        until: "2026-03-31".into(),
        compare: "none".into(),
        ..Default::default()
    };
    let r = reporting::kpis(&t.app, &caller, &q).await.unwrap();
    let figure = |key: &str| {
        r.tiles
            .iter()
            .find(|x| x.kpi.key() == key)
            .and_then(|x| x.figure)
            .unwrap()
    };
    assert!(figure("fill_rate").denominator > 0, "{r:?}");
    assert!(figure("cancellation_rate").denominator > 0, "{r:?}");
    assert_eq!(r.fill_over_time.len(), 6, "{r:?}");
    let p = profitability(
        t,
        &caller,
        &ProfitQuery {
            from: "2026-03-01".into(),
            until: "2026-03-31".into(),
            by: "course".into(),
            within: String::new(),
        },
        Source::Facts,
    )
    .await;
    assert!(p["totals"][0]["sessions"].as_i64().unwrap() > 0, "{p}");
    assert_ne!(p["totals"][0]["cost"]["amount"], "0.00", "{p}");
}

/// Statements that mark session `$1`'s KPI counts (its capacity) and its finance figures (its
/// course's material cost, `$2`) behind the application's back.
async fn touch(conn: &mut sqlx::AnyConnection, session: i64, course: i64) {
    sqlx::query("UPDATE sessions SET capacity = capacity + 1 WHERE id = $1")
        .bind(session)
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("UPDATE courses SET material_cost_minor = material_cost_minor + 100 WHERE id = $1")
        .bind(course)
        .execute(&mut *conn)
        .await
        .unwrap();
}

async fn one(pool: &sqlx::AnyPool, sql: &'static str, id: i64) -> i64 {
    use sqlx::Row;
    sqlx::query(sql)
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
        .try_get::<i64, _>(0)
        .unwrap()
}

/// The session's kept capacity sum of its quarter and its kept cost.
async fn kept(pool: &sqlx::AnyPool, s: i64) -> (i64, i64) {
    (
        one(
            pool,
            "SELECT CAST(COALESCE(SUM(capacity), 0) AS BIGINT) FROM session_kpi_quarters \
             WHERE quarter = (SELECT starts_at / 900000 FROM sessions WHERE id = $1)",
            s,
        )
        .await,
        one(
            pool,
            "SELECT cost_minor FROM session_finance_facts WHERE session_id = $1",
            s,
        )
        .await,
    )
}

/// A change that commits while a report refreshes the kept counts and figures is not lost: the
/// refresh waits for it and counts it, or leaves it marked for the next one (PostgreSQL: a mark
/// marked again is locked by the change, migrations 0050 and 0051; SQLite: one writer at a time).
async fn a_change_committing_during_a_refresh_is_not_lost(t: &TestApp) {
    let w = build(t).await;
    for event in ["confirm", "deliver"] {
        assert!(w.transition(1, event, None).await, "{event}");
    }
    let (s, course) = (w.sessions[1].0, w.course);
    let pool = t.app.store.pool().clone();
    let mut caller = t.system();
    caller.time_zone = "Europe/Berlin".into();
    let q = ReportQuery {
        from: "2026-03-01".into(),
        until: "2026-03-31".into(),
        compare: "none".into(),
        ..Default::default()
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    reporting::kpis_at(&t.app, &caller, &q, now, Source::Facts)
        .await
        .unwrap();
    // A committed change nobody has counted yet: the session is marked for both.
    touch(&mut pool.acquire().await.unwrap(), s, course).await;
    // The same change again, not yet committed while a report refreshes.
    let mut change = pool.begin().await.unwrap();
    touch(&mut change, s, course).await;
    let report = {
        let (app, caller, q) = (t.app.clone(), caller.clone(), q.clone());
        tokio::spawn(async move {
            reporting::kpis_at(&app, &caller, &q, now, Source::Facts)
                .await
                .map(|_| ())
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    change.commit().await.unwrap();
    report.await.unwrap().unwrap();
    let marked = (
        one(
            &pool,
            "SELECT count(*) FROM kpi_stale WHERE session_id = $1",
            s,
        )
        .await,
        one(
            &pool,
            "SELECT count(*) FROM finance_stale WHERE session_id = $1",
            s,
        )
        .await,
    );
    let before = kept(&pool, s).await;
    // Counted afresh.
    for sql in [
        "INSERT INTO kpi_stale (session_id, quarter) SELECT id, starts_at / 900000 FROM sessions \
         WHERE id = $1 ON CONFLICT DO NOTHING",
        "INSERT INTO finance_stale (session_id) VALUES ($1) ON CONFLICT DO NOTHING",
    ] {
        sqlx::query(sql).bind(s).execute(&pool).await.unwrap();
    }
    trainyard_app::kpi_kept::refresh(&t.app).await.unwrap();
    trainyard_app::finance_facts::refresh_all(&t.app)
        .await
        .unwrap();
    let fresh = kept(&pool, s).await;
    assert!(
        marked.0 > 0 || before.0 == fresh.0,
        "the KPI counts missed the change and no mark is left: kept {}, counted afresh {}",
        before.0,
        fresh.0
    );
    assert!(
        marked.1 > 0 || before.1 == fresh.1,
        "the finance figures missed the change and no mark is left: kept {}, counted afresh {}",
        before.1,
        fresh.1
    );
}
