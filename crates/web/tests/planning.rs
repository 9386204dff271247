//! The auto-scheduler in the product, over HTTP on both databases: plan a small company's draft
//! sessions, accept the proposal, explain what cannot be placed, repair after a drop-out, refuse
//! people who may not plan, and render the Plan pages.

use crate::common::promises::{monday_after, promised};
use crate::common::{Api, TestApp, course_body, venue_body};
use reqwest::StatusCode;
use serde_json::{Value, json};
use trainyard_core::Role;

both_backends!(
    plans_accepts_and_repairs_a_small_company,
    an_impossible_session_is_explained_not_a_crash,
    only_operations_staff_may_plan,
    the_plan_pages_render,
    windows_carry_weekdays_cohorts_and_pools,
    repair_gives_a_confirmed_session_to_a_free_substitute_unchanged,
    a_session_inside_the_notice_period_moves_only_when_allowed,
);

/// Fast, reproducible searches for tests.
const SEARCH: &str = r#"{"seconds": 2, "seed": 7, "max_iterations": 30000, "threads": 1}"#;

struct Company {
    venue: i64,
    rooms: Vec<i64>,
    anna: i64,
    ben: i64,
    carl: i64,
    sessions: Vec<i64>,
}

async fn company(api: &Api) -> Company {
    let venue = api
        .create("/venues", &venue_body("BER", "Europe/Berlin"))
        .await["id"]
        .as_i64()
        .unwrap();
    let mut course = course_body("XL");
    course["required_skill"] = json!("excel");
    let course = api.create("/courses", &course).await["id"]
        .as_i64()
        .unwrap();
    let mut rooms = Vec::new();
    for code in ["SPREE", "HAVEL"] {
        rooms.push(
            api.create(
                "/resources",
                &json!({ "kind": "room", "code": code, "name": format!("Room {code}"), "venue_id": venue, "seats": 12, "features": ["projector"] }),
            )
            .await["id"]
            .as_i64()
            .unwrap(),
        );
    }
    let mut people = Vec::new();
    for (name, skills) in [("Anna", "excel"), ("Ben", "excel"), ("Carl", "")] {
        people.push(
            api.create("/instructors", &json!({
                "name": name, "email": format!("{}@example.com", name.to_lowercase()), "employment_type": "staff",
                "home_venue_id": venue, "time_zone": "Europe/Berlin", "currency": "EUR",
                "max_days_week": 5, "max_days_month": 20, "skills": skills.split(',').filter(|s| !s.is_empty()).collect::<Vec<_>>()
            }))
            .await["id"]
            .as_i64()
            .unwrap(),
        );
    }
    // Anna is away the first three days.
    let r = api
        .post(
            &format!("/instructors/{}/time-off", people[0]),
            &json!({ "from": "2027-03-01", "until": "2027-03-03", "reason": "Holiday" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let mut sessions = Vec::new();
    for _ in 0..6 {
        let s = api
            .create(
                "/sessions",
                &json!({
                    "course_id": course, "visibility": "public", "delivery_mode": "ilt", "venue_id": venue, "capacity": 10,
                    "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" },
                    "parts": [{ "starts": "2027-02-01T09:00", "ends": "2027-02-01T17:00" }]
                }),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        let r = api
            .put(
                &format!("/sessions/{s}/planning-window"),
                &json!({ "earliest": "2027-03-01", "latest": "2027-03-19" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        sessions.push(s);
    }
    Company {
        venue,
        rooms,
        anna: people[0],
        ben: people[1],
        carl: people[2],
        sessions,
    }
}

fn search() -> Value {
    serde_json::from_str(SEARCH).unwrap()
}

async fn finished(api: &Api, run: i64) -> Value {
    for _ in 0..300 {
        let r = api.get(&format!("/plan-runs/{run}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        if !matches!(r.body["status"].as_str(), Some("queued" | "running")) {
            return r.body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("run {run} did not finish");
}

fn ms(v: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .timestamp_millis()
}

/// (owner, start, end) of every placed part, checked for overlaps per owner.
fn assert_no_overlaps(items: &[(i64, i64, i64)], what: &str) {
    for (i, a) in items.iter().enumerate() {
        for b in &items[i + 1..] {
            assert!(
                a.0 != b.0 || a.2 <= b.1 || b.2 <= a.1,
                "{what} {} double-booked: {a:?} {b:?}",
                a.0
            );
        }
    }
}

async fn plans_accepts_and_repairs_a_small_company(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let co = company(&api).await;
    let mut body = search();
    body["from"] = json!("2027-03-01");
    body["until"] = json!("2027-03-19");
    let r = api.post("/plan-runs", &body).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let run = r.body["id"].as_i64().unwrap();
    let done = finished(&api, run).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["progress"], 100);
    assert_eq!(done["hard_violations"], 0, "{done}");
    let proposals = done["proposals"].as_array().unwrap();
    assert_eq!(proposals.len(), 6);
    // The instructor-cost objective is money: a coordinator sees the other objectives, not it,
    // nor the total or raw breakdown that contain it; a manager sees everything.
    let names = |d: &Value| -> Vec<String> {
        d["terms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(!names(&done).is_empty(), "cost breakdown: {done}");
    assert!(
        !names(&done).contains(&"instructor_cost".to_owned()),
        "a coordinator reads no instructor cost: {}",
        done["terms"]
    );
    assert!(done.get("best_cost").is_none_or(Value::is_null), "{done}");
    assert!(done.get("cost").is_none_or(Value::is_null), "{done}");
    let manager = t.api_as(Role::Manager, None).await;
    let seen = manager.get(&format!("/plan-runs/{run}")).await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
    assert!(
        names(&seen.body).contains(&"instructor_cost".to_owned()),
        "a manager reads the instructor cost: {}",
        seen.body["terms"]
    );
    assert!(seen.body["best_cost"].is_i64(), "{}", seen.body);
    let tz: chrono_tz::Tz = "Europe/Berlin".parse().unwrap();
    let mut by_instructor = Vec::new();
    let mut by_room = Vec::new();
    for p in proposals {
        assert_eq!(p["outcome"], "placed", "{p}");
        let inst = p["instructor_id"].as_i64().unwrap();
        assert_ne!(inst, co.carl, "Carl is not qualified: {p}");
        let parts = p["parts"].as_array().unwrap();
        assert_eq!(parts.len(), 2, "a two-day course: {p}");
        for part in parts {
            let (a, b) = (ms(&part["starts_at"]), ms(&part["ends_at"]));
            let local = chrono::DateTime::from_timestamp_millis(a)
                .unwrap()
                .with_timezone(&tz);
            let day = local.format("%Y-%m-%d").to_string();
            assert!(
                ("2027-03-01".."2027-03-20").contains(&day.as_str()),
                "{day}"
            );
            assert_eq!(local.format("%H:%M").to_string(), "09:00");
            assert_eq!(b - a, 8 * 3_600_000);
            assert!(
                chrono::Datelike::weekday(&local).number_from_monday() <= 5,
                "a weekday: {day}"
            );
            if inst == co.anna {
                assert!(day.as_str() > "2027-03-03", "Anna is on holiday on {day}");
            }
            let room = part["room_id"].as_i64().unwrap();
            assert!(co.rooms.contains(&room));
            by_instructor.push((inst, a, b));
            by_room.push((room, a, b));
        }
    }
    assert_no_overlaps(&by_instructor, "instructor");
    assert_no_overlaps(&by_room, "room");

    // Accept everything.
    let r = api
        .post(&format!("/plan-runs/{run}/accept"), &json!({ "all": true }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["accepted"], 6, "{}", r.body);
    let mut conn = t.app.store.read().await.unwrap();
    for s in &co.sessions {
        let got = api.get(&format!("/sessions/{s}")).await.body;
        assert_eq!(got["status"], "scheduled", "{got}");
        let a = trainyard_store::assignments::for_session(&mut conn, *s)
            .await
            .unwrap();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].status.as_str(), "proposed");
        let b = trainyard_store::bookings::for_session(&mut conn, *s)
            .await
            .unwrap();
        assert_eq!(b.len(), 2, "a tentative booking per part");
        assert!(b.iter().all(|x| x.status.as_str() == "tentative"));
        let h = api.get(&format!("/history/session/{s}")).await.body;
        let actions: Vec<&str> = h
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["action"].as_str())
            .collect();
        assert!(actions.contains(&"session.planned"), "{actions:?}");
        assert!(
            actions.contains(&"session.instructor_proposed"),
            "{actions:?}"
        );
        assert!(actions.contains(&"session.resource_booked"), "{actions:?}");
    }
    drop(conn);
    // Accepting again changes nothing.
    let again = api
        .post(&format!("/plan-runs/{run}/accept"), &json!({ "all": true }))
        .await;
    assert_eq!(again.body["accepted"], 0, "{}", again.body);

    // Ben drops out in the second week: only his sessions there move; the others stay.
    let before: Vec<Value> = {
        let mut v = Vec::new();
        for s in &co.sessions {
            v.push(api.get(&format!("/sessions/{s}")).await.body);
        }
        v
    };
    let ben_there: Vec<i64> = proposals
        .iter()
        .filter(|p| {
            p["instructor_id"] == co.ben
                && p["parts"].as_array().unwrap().iter().any(|x| {
                    let at = x["starts_at"].as_str().unwrap();
                    ("2027-03-08".."2027-03-13").contains(&at)
                })
        })
        .map(|p| p["session_id"].as_i64().unwrap())
        .collect();
    let mut body = search();
    body["trigger"] = json!({ "kind": "instructor_drops_out", "instructor_id": co.ben, "from": "2027-03-08", "until": "2027-03-12", "reason": "ill" });
    let r = api.post("/plan-runs/repair", &body).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let rep = finished(&api, r.body["id"].as_i64().unwrap()).await;
    assert_eq!(rep["status"], "done", "{rep}");
    assert_eq!(rep["kind"], "repair");
    let touched: Vec<i64> = rep["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["session_id"].as_i64().unwrap())
        .collect();
    let mut expected = ben_there.clone();
    expected.sort();
    let mut got = touched.clone();
    got.sort();
    assert_eq!(got, expected, "only Ben's sessions in that week: {rep}");
    let r = api
        .post(
            &format!("/plan-runs/{}/accept", rep["id"]),
            &json!({ "all": true }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body["accepted"],
        touched.len(),
        "every affected session re-placed: {rep} {}",
        r.body
    );
    let mut conn = t.app.store.read().await.unwrap();
    for (s, b) in co.sessions.iter().zip(&before) {
        let now = api.get(&format!("/sessions/{s}")).await.body;
        if !touched.contains(s) {
            assert_eq!(now["starts_at"], b["starts_at"], "untouched session moved");
            assert_eq!(now["version"], b["version"], "untouched session changed");
            continue;
        }
        // Ben no longer teaches it in his absence.
        let live: Vec<_> = trainyard_store::assignments::for_session(&mut conn, *s)
            .await
            .unwrap()
            .into_iter()
            .filter(|a| a.status.is_live())
            .collect();
        assert_eq!(live.len(), 1);
        if live[0].instructor_id == co.ben {
            for part in now["parts"].as_array().unwrap() {
                let at = part["starts_at"].as_str().unwrap();
                assert!(
                    part["status"] != "scheduled" || !("2027-03-08".."2027-03-13").contains(&at),
                    "Ben kept it only by moving it out of his absence: {now}"
                );
            }
        }
    }
    let _ = co.venue;
}

async fn an_impossible_session_is_explained_not_a_crash(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let co = company(&api).await;
    let mut cobol = course_body("CB");
    cobol["required_skill"] = json!("cobol");
    let course = api.create("/courses", &cobol).await["id"].as_i64().unwrap();
    let s = api
        .create(
            "/sessions",
            &json!({
                "course_id": course, "visibility": "public", "delivery_mode": "ilt", "venue_id": co.venue, "capacity": 10,
                "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" },
                "parts": [{ "starts": "2027-02-01T09:00", "ends": "2027-02-01T17:00" }]
            }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    api.put(
        &format!("/sessions/{s}/planning-window"),
        &json!({ "earliest": "2027-03-01", "latest": "2027-03-12" }),
    )
    .await;
    // A backwards window is refused field by field.
    let bad = api
        .put(
            &format!("/sessions/{s}/planning-window"),
            &json!({ "earliest": "2027-03-12", "latest": "2027-03-01" }),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let mut body = search();
    body["session_ids"] = json!([s, co.sessions[0]]);
    let r = api.post("/plan-runs", &body).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let done = finished(&api, r.body["id"].as_i64().unwrap()).await;
    assert_eq!(done["status"], "done", "{done}");
    let p: Vec<&Value> = done["proposals"].as_array().unwrap().iter().collect();
    let cb = p.iter().find(|x| x["session_id"] == s).unwrap();
    assert_eq!(cb["outcome"], "unplaced");
    let reasons = cb["reasons"].to_string();
    assert!(reasons.contains("qualif"), "{reasons}");
    let other = p
        .iter()
        .find(|x| x["session_id"] == co.sessions[0])
        .unwrap();
    assert_eq!(
        other["outcome"], "placed",
        "the possible one is still placed"
    );
    // Accepting the impossible one is refused with the reason.
    let r = api
        .post(
            &format!("/plan-runs/{}/accept", done["id"]),
            &json!({ "session_ids": [s] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["accepted"], 0);
    assert!(
        r.body["results"][0]["message"]
            .as_str()
            .unwrap()
            .contains("could not be placed")
    );
    // Nothing to plan: refused with words, not an empty run.
    let mut body = search();
    body["from"] = json!("2030-01-01");
    let r = api.post("/plan-runs", &body).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
}

async fn only_operations_staff_may_plan(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let co = company(&api).await;
    let r = api.post("/plan-runs", &search()).await;
    let run = r.body["id"].as_i64().unwrap();
    finished(&api, run).await;
    for role in [Role::Learner, Role::Instructor] {
        let other = t.api_as(role, None).await;
        assert_eq!(
            other.post("/plan-runs", &search()).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            other.get(&format!("/plan-runs/{run}")).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(other.get("/plan-runs").await.status, StatusCode::FORBIDDEN);
        assert_eq!(
            other
                .post(&format!("/plan-runs/{run}/accept"), &json!({ "all": true }))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            other
                .put(
                    &format!("/sessions/{}/planning-window", co.sessions[0]),
                    &json!({ "earliest": "2027-03-01", "latest": "2027-03-12" })
                )
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
    // Finance sees runs but does not plan.
    let finance = t.api_as(Role::Finance, None).await;
    assert_eq!(
        finance.get(&format!("/plan-runs/{run}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        finance.post("/plan-runs", &search()).await.status,
        StatusCode::FORBIDDEN
    );
}

async fn the_plan_pages_render(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let co = company(&api).await;
    let b = t.browser_as(Role::Coordinator, None).await;
    let (status, html) = b.get("/plan").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Run the planner on 6 sessions"), "{html}");
    assert!(html.contains("href=\"/plan\""), "nav entry");
    let csrf = b.csrf().await;
    let ids: Vec<String> = co.sessions.iter().map(|s| s.to_string()).collect();
    let mut form: Vec<(&str, &str)> = vec![("_csrf", &csrf), ("seconds", "1"), ("seed", "3")];
    for id in &ids {
        form.push(("session_ids", id));
    }
    let (status, html) = b.post_form("/plan/runs", &form).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("The planner is running") || html.contains("Cost breakdown"),
        "{html}"
    );
    let runs = api.get("/plan-runs").await.body;
    let run = runs[0]["id"].as_i64().unwrap();
    finished(&api, run).await;
    let (status, html) = b.get(&format!("/plan/runs/{run}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Cost breakdown"), "{html}");
    assert!(html.contains("Proposed plan by instructor"), "{html}");
    assert!(html.contains("Accept all 6"), "{html}");
    let (status, frag) = b.get(&format!("/plan/runs/{run}/progress")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(frag.contains("plan-progress"));
    // Accept two through the form.
    let (status, html) = b
        .post_form(
            &format!("/plan/runs/{run}/accept"),
            &[
                ("_csrf", &csrf),
                ("session_ids", &ids[0]),
                ("session_ids", &ids[1]),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("2 accepted"), "{html}");
    // A learner is refused the page.
    let learner = t.browser_as(Role::Learner, None).await;
    let (status, _) = learner.get(&format!("/plan/runs/{run}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// A window's weekdays, cohort and pooled resource reach the planner and the accepted plan; bad
/// values are refused with the field named, changing nothing.
async fn windows_carry_weekdays_cohorts_and_pools(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let co = company(&api).await;
    let kit = api
        .create(
            "/resources",
            &json!({ "kind": "equipment", "code": "KIT", "name": "VR kit", "quantity": 1 }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let window = |extra: Value| {
        let mut w = json!({ "earliest": "2027-03-08", "latest": "2027-03-19" });
        for (k, v) in extra.as_object().unwrap() {
            w[k] = v.clone();
        }
        w
    };
    // Bad input first: each refused with its field named, the window unchanged.
    for (bad, field) in [
        (json!({ "weekdays": "Sat" }), "weekdays"),
        (json!({ "weekdays": "Funday" }), "weekdays"),
        (
            json!({ "preferred_weekdays": "Fri-Mon" }),
            "preferred_weekdays",
        ),
        (
            json!({ "pool_resource_id": co.rooms[0] }),
            "pool_resource_id",
        ),
        (json!({ "cohort": "x".repeat(81) }), "cohort"),
    ] {
        let r = api
            .put(
                &format!("/sessions/{}/planning-window", co.sessions[0]),
                &window(bad.clone()),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.body
        );
        assert!(
            r.body.to_string().contains(field),
            "{bad} names {field}: {}",
            r.body
        );
    }
    let r = api
        .put(
            &format!("/sessions/{}/planning-window", co.sessions[0]),
            &window(json!({ "pool_resource_id": 999_999 })),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let mut conn = t.app.store.read().await.unwrap();
    let w = trainyard_store::planning::window(&mut conn, co.sessions[0])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        w.earliest_day, "2027-03-01",
        "refused changes left the window alone"
    );
    drop(conn);

    // Sessions 0 and 1: one cohort, Tuesday to Thursday only. Sessions 2 and 3 share the one kit.
    for (k, extra) in [
        json!({ "weekdays": "tue-thu", "cohort": "Group A", "preferred_weekdays": "Tue" }),
        json!({ "weekdays": "Tuesday, Wed, 4", "cohort": "Group A" }),
        json!({ "pool_resource_id": kit }),
        json!({ "pool_resource_id": kit.to_string() }),
    ]
    .into_iter()
    .enumerate()
    {
        let r = api
            .put(
                &format!("/sessions/{}/planning-window", co.sessions[k]),
                &window(extra),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let w = api
        .put(
            &format!("/sessions/{}/planning-window", co.sessions[1]),
            &window(json!({ "weekdays": "Tuesday, Wed, 4", "cohort": "Group A" })),
        )
        .await
        .body;
    assert_eq!(w["weekdays"], json!([2, 3, 4]), "{w}");
    assert_eq!(w["cohort"], "Group A");

    let mut body = search();
    body["session_ids"] = json!(co.sessions[..4]);
    let r = api.post("/plan-runs", &body).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let done = finished(&api, r.body["id"].as_i64().unwrap()).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["hard_violations"], 0, "{done}");
    let tz: chrono_tz::Tz = "Europe/Berlin".parse().unwrap();
    let mut cohort = Vec::new();
    let mut kit_use = Vec::new();
    for p in done["proposals"].as_array().unwrap() {
        assert_eq!(p["outcome"], "placed", "{p}");
        let s = p["session_id"].as_i64().unwrap();
        for part in p["parts"].as_array().unwrap() {
            let (a, b) = (ms(&part["starts_at"]), ms(&part["ends_at"]));
            let local = chrono::DateTime::from_timestamp_millis(a)
                .unwrap()
                .with_timezone(&tz);
            if s == co.sessions[0] || s == co.sessions[1] {
                let wd = chrono::Datelike::weekday(&local).number_from_monday();
                assert!((2..=4).contains(&wd), "Tue–Thu only, got {local}");
                cohort.push((1, a, b));
            }
            if s == co.sessions[2] || s == co.sessions[3] {
                kit_use.push((kit, a, b));
            }
        }
    }
    assert_eq!(cohort.len(), 4);
    assert_no_overlaps(&cohort, "cohort Group A");
    assert_eq!(kit_use.len(), 4);
    assert_no_overlaps(&kit_use, "the one VR kit");

    // Accepting books the kit for both of its sessions, tentatively, part by part.
    let r = api
        .post(
            &format!("/plan-runs/{}/accept", done["id"]),
            &json!({ "all": true }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["accepted"], 4, "{}", r.body);
    let mut conn = t.app.store.read().await.unwrap();
    for s in &co.sessions[2..4] {
        let b = trainyard_store::bookings::for_session(&mut conn, *s)
            .await
            .unwrap();
        let kits: Vec<_> = b.iter().filter(|x| x.resource_id == kit).collect();
        assert_eq!(kits.len(), 2, "the kit booked for both parts: {b:?}");
        assert!(
            kits.iter()
                .all(|x| x.quantity == 1 && x.status.as_str() == "tentative")
        );
    }
}

fn starts(session: &Value) -> Vec<String> {
    session["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["starts_at"].as_str().unwrap().to_owned())
        .collect()
}

/// Issue 13: with a qualified instructor free on the original dates, repair substitutes and no
/// date moves, though another instructor on other days would cost less; the proposal says who
/// would be told what.
async fn repair_gives_a_confirmed_session_to_a_free_substitute_unchanged(t: &TestApp) {
    let monday = monday_after(35);
    let co = promised(t, monday).await;
    let api = t.api_as(Role::Coordinator, None).await;
    let before = api.get(&format!("/sessions/{}", co.session)).await.body;
    assert_eq!(before["status"], "confirmed", "{before}");
    let until = (monday + chrono::Duration::days(4))
        .format("%Y-%m-%d")
        .to_string();
    let mut body = search();
    body["trigger"] = json!({ "kind": "instructor_drops_out", "instructor_id": co.amir, "from": monday.format("%Y-%m-%d").to_string(), "until": until, "reason": "ill" });
    let r = api.post("/plan-runs/repair", &body).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let rep = finished(&api, r.body["id"].as_i64().unwrap()).await;
    assert_eq!(rep["status"], "done", "{rep}");
    let p = &rep["proposals"][0];
    assert_eq!(p["outcome"], "placed", "{rep}");
    assert_eq!(p["instructor_id"], co.emil, "Emil takes it: {rep}");
    assert_ne!(p["instructor_id"], co.xenia);
    let proposed: Vec<i64> = p["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| ms(&x["starts_at"]))
        .collect();
    let published: Vec<i64> = before["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| ms(&x["starts_at"]))
        .collect();
    assert_eq!(proposed, published, "no date moves: {p}");
    // Who would be told what: a new instructor, no new dates.
    let notices = p["notices"].as_array().unwrap();
    assert_eq!(notices.len(), 1, "{p}");
    let n = &notices[0];
    assert_eq!(n["change"], "instructor", "{n}");
    assert_eq!(n["learners"], 3, "{n}");
    assert_eq!(n["client"], "Acme Corp", "{n}");
    assert_eq!(n["instructors"], json!(["Amir", "Emil"]), "{n}");
    assert_eq!(
        n["text"],
        "Emil replaces Amir (Amir and Emil told; 3 booked learners and the client contact (Acme Corp) told of the new instructor)"
    );
    let r = api
        .post(
            &format!("/plan-runs/{}/accept", rep["id"]),
            &json!({ "all": true }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["accepted"], 1, "{}", r.body);
    let after = api.get(&format!("/sessions/{}", co.session)).await.body;
    assert_eq!(starts(&after), starts(&before));

    // Room Spree closes on both days: it changes rooms, not dates, and says so.
    let mut body = search();
    body["trigger"] = json!({ "kind": "room_closes", "resource_id": co.spree, "from": monday.format("%Y-%m-%d").to_string(), "until": until });
    let r = api.post("/plan-runs/repair", &body).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let rep = finished(&api, r.body["id"].as_i64().unwrap()).await;
    let p = &rep["proposals"][0];
    assert_eq!(p["outcome"], "placed", "{rep}");
    assert_eq!(p["room_name"], "Room Havel", "{p}");
    let proposed: Vec<i64> = p["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| ms(&x["starts_at"]))
        .collect();
    assert_eq!(proposed, published, "no date moves: {p}");
    let notices = p["notices"].as_array().unwrap();
    assert_eq!(notices.len(), 1, "{p}");
    assert_eq!(notices[0]["change"], "room");
    assert_eq!(
        notices[0]["text"],
        "3 booked learners and the client contact (Acme Corp) would be told: Room Spree → Room Havel"
    );
}

/// A session starting within the notice period keeps its days and times: when nobody can teach
/// it then, it is left unresolved with the reason; the coordinator may allow moving it (here
/// through the form), and the proposal tells the learners and the client of the new dates.
async fn a_session_inside_the_notice_period_moves_only_when_allowed(t: &TestApp) {
    let monday = monday_after(1);
    let co = promised(t, monday).await;
    let api = t.api_as(Role::Coordinator, None).await;
    let day = |n: i64| {
        (monday + chrono::Duration::days(n))
            .format("%Y-%m-%d")
            .to_string()
    };
    // Over the weeks a move could reach (from today on), only Xenia on Thursday and Friday is
    // free: Amir drops out from today, Emil is away from today, Xenia before the Monday and from
    // the week after (on a Monday, the days before the next one are within reach too).
    let today = chrono::Utc::now().date_naive();
    let mut away = vec![
        (co.emil, today.format("%Y-%m-%d").to_string(), day(20)),
        (co.xenia, day(7), day(20)),
    ];
    if today < monday - chrono::Duration::days(1) {
        away.push((co.xenia, today.format("%Y-%m-%d").to_string(), day(-1)));
    }
    let dropout_from = today.format("%Y-%m-%d").to_string();
    for (who, from, until) in away {
        let r = api
            .post(
                &format!("/instructors/{who}/time-off"),
                &json!({ "from": from, "until": until, "reason": "Holiday" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let before = api.get(&format!("/sessions/{}", co.session)).await.body;
    let mut body = search();
    body["trigger"] = json!({ "kind": "instructor_drops_out", "instructor_id": co.amir, "from": dropout_from, "until": day(20) });
    let r = api.post("/plan-runs/repair", &body).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert!(
        r.body["summary"]
            .as_str()
            .unwrap()
            .contains("14-day notice period"),
        "{}",
        r.body
    );
    let rep = finished(&api, r.body["id"].as_i64().unwrap()).await;
    assert_eq!(rep["status"], "done", "{rep}");
    let p = &rep["proposals"][0];
    assert_eq!(
        p["outcome"], "unplaced",
        "not moved inside the notice period: {rep}"
    );
    let reasons = p["reasons"].to_string();
    assert!(
        reasons.contains("within the 14-day notice period"),
        "{reasons}"
    );
    assert!(
        reasons.contains("allow moves within the notice period"),
        "{reasons}"
    );
    assert_eq!(p["notices"], json!([]), "{p}");
    // A bad notice period is refused with the field named.
    let mut bad = body.clone();
    bad["notice_days"] = json!(-1);
    let r = api.post("/plan-runs/repair", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.to_string().contains("notice_days"), "{}", r.body);

    // Allowed through the form: it moves to Thursday and Friday with Xenia.
    let b = t.browser_as(Role::Coordinator, None).await;
    let csrf = b.csrf().await;
    let amir = co.amir.to_string();
    let (from, until) = (dropout_from.clone(), day(20));
    let (status, html) = b
        .post_form(
            "/plan/repair",
            &[
                ("_csrf", &csrf),
                ("what", "instructor"),
                ("instructor_id", &amir),
                ("from", &from),
                ("until", &until),
                ("reason", "ill"),
                ("seconds", "2"),
                ("notice_days", "14"),
                ("allow_moves_within_notice", "true"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let runs = api.get("/plan-runs").await.body;
    let run = runs[0]["id"].as_i64().unwrap();
    assert!(
        runs[0]["summary"]
            .as_str()
            .unwrap()
            .contains("moves within the notice period allowed"),
        "{}",
        runs[0]
    );
    let rep = finished(&api, run).await;
    let p = &rep["proposals"][0];
    assert_eq!(p["outcome"], "placed", "{rep}");
    assert_eq!(p["instructor_id"], co.xenia, "{rep}");
    let tz: chrono_tz::Tz = "Europe/Berlin".parse().unwrap();
    let days: Vec<String> = p["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            chrono::DateTime::from_timestamp_millis(ms(&x["starts_at"]))
                .unwrap()
                .with_timezone(&tz)
                .format("%Y-%m-%d")
                .to_string()
        })
        .collect();
    assert_eq!(days, vec![day(3), day(4)], "Thursday and Friday: {p}");
    let notices = p["notices"].as_array().unwrap();
    let dates = notices
        .iter()
        .find(|n| n["change"] == "dates")
        .expect("a dates notice");
    assert_eq!(dates["learners"], 3);
    assert_eq!(dates["client"], "Acme Corp");
    assert_eq!(
        dates["instructors"],
        json!([]),
        "Amir no longer teaches it: {dates}"
    );
    let fmt = |d: chrono::NaiveDate| d.format("%a %-d %b").to_string();
    let text = dates["text"].as_str().unwrap();
    assert_eq!(
        text,
        format!(
            "3 booked learners and the client contact (Acme Corp) would be told: {} 09:00–17:00, {} 09:00–17:00 → {} 09:00–17:00, {} 09:00–17:00",
            fmt(monday),
            fmt(monday + chrono::Duration::days(1)),
            fmt(monday + chrono::Duration::days(3)),
            fmt(monday + chrono::Duration::days(4)),
        )
    );
    let who = notices
        .iter()
        .find(|n| n["change"] == "instructor")
        .expect("an instructor notice");
    assert!(
        who["text"]
            .as_str()
            .unwrap()
            .starts_with("Xenia replaces Amir"),
        "{who}"
    );
    // The run page shows who would be told what.
    let (status, html) = b.get(&format!("/plan/runs/{run}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Who would be told"), "{html}");
    assert!(
        html.contains("3 booked learners and the client contact (Acme Corp) would be told"),
        "{html}"
    );
    // Nothing moved yet.
    let now = api.get(&format!("/sessions/{}", co.session)).await.body;
    assert_eq!(starts(&now), starts(&before));
}
