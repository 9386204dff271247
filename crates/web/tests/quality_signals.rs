//! Operations quality signals (issue 16 §6) over HTTP on both databases: hand-built sessions
//! where each signal is counted by hand — a late change, complaints, an instructor no-show,
//! joining instructions never sent — and the API, the CSV, the page's tiles and their
//! drill-downs say the same; only coordinators, managers and admins see them.

use crate::common::{Api, Browser, TestApp, course_body};
use reqwest::StatusCode;
use serde_json::{Value, json};
use trainyard_core::Role;

both_backends!(
    each_signal_counts_what_was_built_by_hand,
    only_operations_staff_see_the_signals,
    a_complaint_is_resolved_once_by_operations_staff,
);

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

fn berlin_in(hours: i64) -> chrono::DateTime<chrono_tz::Tz> {
    trainyard_core::TimeZoneName::parse("Europe/Berlin")
        .unwrap()
        .local(trainyard_core::time::now_ms() + hours * 3_600_000)
}

fn fmt(d: chrono::DateTime<chrono_tz::Tz>) -> String {
    d.format("%Y-%m-%dT%H:%M").to_string()
}

async fn transition(api: &Api, s: i64, event: &str) {
    let v = api.get(&format!("/sessions/{s}")).await.body["version"].clone();
    let r = api
        .post(
            &format!("/sessions/{s}/transition"),
            &json!({ "event": event, "version": v }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{event}: {}", r.body);
}

/// A scheduled session of `course` starting in `hours` hours, for `client` (private) or public.
async fn session(api: &Api, course: i64, client: Option<i64>, hours: i64) -> i64 {
    let start = berlin_in(hours);
    let s = api
        .create("/sessions", &json!({
            "course_id": course, "visibility": if client.is_some() { "private" } else { "public" },
            "client_id": client, "delivery_mode": "vilt", "capacity": 10,
            "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" },
            "parts": [{ "starts": fmt(start), "ends": fmt(start + chrono::Duration::hours(2)) }]
        }))
        .await;
    let sid = id(&s);
    transition(api, sid, "schedule").await;
    sid
}

/// Moves a session's one part by an hour (a change of its times, made now).
async fn move_by_an_hour(api: &Api, s: i64, hours: i64) {
    let cur = api.get(&format!("/sessions/{s}")).await.body;
    let mut moved = cur.clone();
    let start = berlin_in(hours + 1);
    moved["parts"] =
        json!([{ "starts": fmt(start), "ends": fmt(start + chrono::Duration::hours(2)) }]);
    let r = api.put(&format!("/sessions/{s}"), &moved).await;
    assert_eq!(r.status, StatusCode::OK, "move: {}", r.body);
}

async fn deliver(api: &Api, s: i64) {
    transition(api, s, "confirm").await;
    transition(api, s, "deliver").await;
}

struct World {
    manager: Api,
    /// Client A: S1 (late change), S2 (two complaints). Client B: S4 (joining instructions never
    /// sent), S5 (nothing). Public: S3 (instructor no-show). S6 not delivered (a complaint).
    s: [i64; 6],
    client_a: i64,
    client_b: i64,
    from: String,
    until: String,
}

async fn build(t: &TestApp) -> World {
    let manager = t.api_as(Role::Manager, None).await;
    let course = id(&manager.create("/courses", &course_body("QSG")).await);
    let mk_client = |code: &'static str| {
        let m = &manager;
        async move {
            id(&m
                .create("/clients", &json!({ "code": code, "name": format!("Client {code}"),
                    "billing_email": format!("ap@{code}.example.com"), "currency": "EUR", "time_zone": "Europe/Berlin" }))
                .await)
        }
    };
    let client_a = mk_client("QSA").await;
    let client_b = mk_client("QSB").await;
    let instructor = id(&manager
        .create("/instructors", &json!({
            "name": "Nora Noshow", "email": "nora@example.com", "employment_type": "contractor",
            "time_zone": "Europe/Berlin", "currency": "EUR", "day_rate": { "amount": "800", "currency": "EUR" },
            "hour_rate": { "amount": "100", "currency": "EUR" }, "max_days_week": 5, "max_days_month": 20
        }))
        .await);
    let learner = id(&manager
        .create(
            "/learners",
            &json!({ "first_name": "Jo", "last_name": "Joiner", "email": "jo@learner.example.com",
                 "client_id": client_b, "time_zone": "Europe/Berlin" }),
        )
        .await);

    // S1: its times change 48 hours before the start: a late change.
    let s1 = session(&manager, course, Some(client_a), 48).await;
    move_by_an_hour(&manager, s1, 48).await;
    // S2: changed 5 days ahead (not late), and two complaints.
    let s2 = session(&manager, course, Some(client_a), 120).await;
    move_by_an_hour(&manager, s2, 120).await;
    // S3: public, its confirmed instructor did not turn up.
    let s3 = session(&manager, course, None, 30).await;
    let a = manager
        .create(
            &format!("/sessions/{s3}/assignments"),
            &json!({ "instructor_id": instructor, "override_reason": "test" }),
        )
        .await;
    let aid = id(&a);
    let mut v = a["version"].as_i64().unwrap();
    for event in ["request", "accept", "confirm"] {
        let r = manager
            .post(
                &format!("/assignments/{aid}/actions"),
                &json!({ "event": event, "version": v, "override_reason": "test" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{event}: {}", r.body);
        v = r.body["version"].as_i64().unwrap();
    }
    // S4: a learner booked 5 days ahead, the joining instructions (due 72 hours before) never sent.
    let s4 = session(&manager, course, Some(client_b), 120).await;
    let e = manager
        .create(
            &format!("/sessions/{s4}/enrollments"),
            &json!({ "learner_id": learner }),
        )
        .await;
    assert_eq!(e["status"], "booked", "{e}");
    // S5: nothing wrong. S6: a complaint, but not delivered.
    let s5 = session(&manager, course, Some(client_b), 60).await;
    let s6 = session(&manager, course, Some(client_b), 60).await;
    for s in [s1, s2, s3, s4, s5] {
        deliver(&manager, s).await;
    }

    // Complaints and the no-show through the pages, as a coordinator does.
    let b = t.browser_as(Role::Coordinator, None).await;
    let csrf = b.csrf().await;
    let csrf = csrf.as_str();
    let aid_s = aid.to_string();
    let a_s = client_a.to_string();
    for (s, text, client) in [
        (s2, "The room was cold", ""),
        (s2, "Handouts missing", a_s.as_str()),
        (s6, "Not delivered yet, still a complaint", ""),
    ] {
        let (status, html) = b
            .post_form(
                &format!("/sessions/{s}/complaints"),
                &[("_csrf", csrf), ("body", text), ("client_id", client)],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{html}");
    }
    let (status, html) = b
        .post_form(
            &format!("/sessions/{s3}/instructor-attendance"),
            &[("_csrf", csrf), ("no_show", aid_s.as_str())],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let (_, page) = b.get(&format!("/sessions/{s3}/attendance")).await;
    assert!(page.contains("Nora Noshow"), "{page}");
    assert!(page.contains(" checked"), "the mark is shown: {page}");
    let (_, page) = b.get(&format!("/sessions/{s2}")).await;
    assert!(
        page.contains("The room was cold") && page.contains("Handouts missing"),
        "{page}"
    );
    // An empty complaint is refused.
    let (status, _) = b
        .post_form(
            &format!("/sessions/{s2}/complaints"),
            &[("_csrf", csrf), ("body", " ")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let today = chrono::Utc::now().date_naive();
    World {
        manager,
        s: [s1, s2, s3, s4, s5, s6],
        client_a,
        client_b,
        from: (today - chrono::Duration::days(3)).to_string(),
        until: (today + chrono::Duration::days(10)).to_string(),
    }
}

fn signal<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["signals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["signal"] == name)
        .unwrap()
}

async fn each_signal_counts_what_was_built_by_hand(t: &TestApp) {
    let w = build(t).await;
    let [s1, s2, s3, s4, _s5, s6] = w.s;
    let q = format!("from={}&until={}", w.from, w.until);
    let r = w.manager.get(&format!("/reports/quality?{q}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let report = r.body;
    assert_eq!(report["delivered"], 5, "{report}");
    // (signal, sessions, events, the session behind it), counted by hand.
    let expected = [
        ("late_change", 1, 1, s1),
        ("complaint", 1, 2, s2),
        ("instructor_no_show", 1, 1, s3),
        ("joining_late", 1, 1, s4),
    ];
    for (name, sessions, events, behind) in expected {
        let x = signal(&report, name);
        assert_eq!(x["sessions"], sessions, "{name}: {x}");
        assert_eq!(x["events"], events, "{name}: {x}");
        assert_eq!(x["rate"]["numerator"], sessions, "{name}: {x}");
        assert_eq!(x["rate"]["denominator"], 5, "{name}: {x}");
        // The drill-down lists exactly the sessions the tile counts.
        let d = w
            .manager
            .get(&format!("/reports/quality?{q}&signal={name}"))
            .await
            .body;
        let ids: Vec<i64> = d["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, vec![behind], "{name}");
        assert_eq!(ids.len() as i64, x["sessions"].as_i64().unwrap());
    }
    assert!(!format!("{report}").contains(&format!("\"id\":{s6},")));

    // Per client: A has S1 and S2, B has S4 and S5, the public S3.
    let groups = report["by_client"].as_array().unwrap();
    let of = |client: Option<i64>| {
        groups
            .iter()
            .find(|g| g["client_id"].as_i64() == client)
            .unwrap()
    };
    let a = of(Some(w.client_a));
    assert_eq!(a["delivered"], 2);
    assert_eq!(signal(a, "late_change")["sessions"], 1);
    assert_eq!(signal(a, "complaint")["events"], 2);
    assert_eq!(signal(a, "joining_late")["sessions"], 0);
    let b = of(Some(w.client_b));
    assert_eq!(b["delivered"], 2);
    assert_eq!(signal(b, "joining_late")["sessions"], 1);
    assert_eq!(signal(b, "complaint")["sessions"], 0);
    let public = of(None);
    assert_eq!(public["delivered"], 1);
    assert_eq!(signal(public, "instructor_no_show")["sessions"], 1);
    // One client only.
    let only_b = w
        .manager
        .get(&format!("/reports/quality?{q}&client_id={}", w.client_b))
        .await
        .body;
    assert_eq!(only_b["delivered"], 2);
    assert_eq!(signal(&only_b, "joining_late")["sessions"], 1);
    assert_eq!(signal(&only_b, "complaint")["sessions"], 0);

    // The CSV says the same.
    let r = reqwest::Client::new()
        .get(t.url(&format!("/api/v1/reports/quality?{q}&format=csv")))
        .bearer_auth(&w.manager.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.text().await.unwrap();
    assert!(csv.contains("(all),5,complaint,1,2,20.0"), "{csv}");
    assert!(csv.contains("(all),5,late_change,1,1,20.0"), "{csv}");
    assert!(csv.contains("Client QSA,2,complaint,1,2,50.0"), "{csv}");

    // The page: each tile's count, and its drill-down lists as many sessions.
    let browser = t.browser_as(Role::Coordinator, None).await;
    let (status, html) = browser.get(&format!("/quality?{q}")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    for (name, sessions, _, _) in expected {
        let at = html
            .find(&format!("id=\"signal-{name}\""))
            .unwrap_or_else(|| panic!("tile {name}"));
        let tile = &html[at..at + html[at..].find("</section>").unwrap()];
        assert!(
            tile.contains(&format!("<span class=\"signal-count\">{sessions}</span>")),
            "{name}: {tile}"
        );
        let (_, drill) = browser.get(&format!("/quality?{q}&signal={name}")).await;
        assert_eq!(
            drill.matches("class=\"drill-row\"").count() as i64,
            sessions,
            "{name}"
        );
    }
    assert!(html.contains("Client QSA") && html.contains("Client QSB"));
    let (status, csv) = browser.get(&format!("/quality?{q}&format=csv")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.contains("(all),5,instructor_no_show,1,1,20.0"), "{csv}");
}

async fn only_operations_staff_see_the_signals(t: &TestApp) {
    for role in [Role::Admin, Role::Manager, Role::Coordinator] {
        let api = t.api_as(role, None).await;
        assert_eq!(
            api.get("/reports/quality").await.status,
            StatusCode::OK,
            "{role:?}"
        );
        let b: Browser = t.browser_as(role, None).await;
        assert_eq!(b.get("/quality").await.0, StatusCode::OK, "{role:?}");
    }
    for role in [Role::Instructor, Role::Finance] {
        let api = t.api_as(role, None).await;
        assert_eq!(
            api.get("/reports/quality").await.status,
            StatusCode::FORBIDDEN,
            "{role:?}"
        );
    }
    // Finance signs in to the UI but is not shown the page.
    let b = t.browser_as(Role::Finance, None).await;
    assert_eq!(b.get("/quality").await.0, StatusCode::FORBIDDEN);
    let coordinator = t.api_as(Role::Coordinator, None).await;
    let r = coordinator.get("/reports/quality?signal=nonsense").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
}

async fn audit_count(t: &TestApp, action: &str) -> i64 {
    use sqlx::Row;
    let mut conn = t.app.store.read().await.unwrap();
    sqlx::query(
        "SELECT (SELECT count(*) FROM audit_events WHERE action = $1) + \
         (SELECT count(*) FROM audit_pending WHERE action = $1) AS n",
    )
    .bind(action.to_owned())
    .fetch_one(&mut *conn)
    .await
    .unwrap()
    .try_get("n")
    .unwrap()
}

async fn a_complaint_is_resolved_once_by_operations_staff(t: &TestApp) {
    let manager = t.api_as(Role::Manager, None).await;
    let course = id(&manager.create("/courses", &course_body("QCR")).await);
    let client = id(&manager
        .create("/clients", &json!({ "code": "QCRC", "name": "Client QCRC",
            "billing_email": "ap@qcrc.example.com", "currency": "EUR", "time_zone": "Europe/Berlin" }))
        .await);
    let s = session(&manager, course, Some(client), 30).await;
    let other = session(&manager, course, Some(client), 40).await;
    deliver(&manager, s).await;
    let b = t.browser_as(Role::Coordinator, None).await;
    let csrf = b.csrf().await;
    let csrf = csrf.as_str();
    for text in ["Cold room", "Late handouts", "Still unhappy"] {
        let (status, html) = b
            .post_form(
                &format!("/sessions/{s}/complaints"),
                &[("_csrf", csrf), ("body", text)],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{html}");
    }
    let coordinator = t.api_as(Role::Coordinator, None).await;
    let listed = coordinator.get(&format!("/sessions/{s}/complaints")).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let ids: Vec<i64> = listed.body.as_array().unwrap().iter().map(id).collect();
    assert_eq!(ids.len(), 3);
    assert!(listed.body[0]["resolved_at"].is_null(), "{}", listed.body);
    let [cold, late, unhappy] = [ids[0], ids[1], ids[2]];

    // Neither an instructor nor a client contact may resolve.
    let instructor = t.api_as(Role::Instructor, None).await;
    let contact = t.api_as(Role::ClientContact, Some(client)).await;
    for api in [&instructor, &contact] {
        let r = api
            .post(
                &format!("/complaints/{cold}/resolve"),
                &json!({ "resolution": "No" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    }
    // An empty resolution is refused; an unknown complaint is not found.
    let r = coordinator
        .post(
            &format!("/complaints/{cold}/resolve"),
            &json!({ "resolution": " " }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = coordinator
        .post("/complaints/999999/resolve", &json!({ "resolution": "x" }))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);

    // Resolved through the API, once.
    let r = coordinator
        .post(
            &format!("/complaints/{cold}/resolve"),
            &json!({ "resolution": "Heating repaired" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["resolution"], "Heating repaired");
    assert!(r.body["resolved_at"].is_string(), "{}", r.body);
    assert!(r.body["resolved_by"].is_i64(), "{}", r.body);
    let again = manager
        .post(
            &format!("/complaints/{cold}/resolve"),
            &json!({ "resolution": "Me too" }),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    let listed = manager.get(&format!("/sessions/{s}/complaints")).await.body;
    assert_eq!(
        listed[0]["resolution"], "Heating repaired",
        "the first resolution stands"
    );

    // Resolved through the session page's form, once; not through another session's.
    let late_s = late.to_string();
    let (status, _) = b
        .post_form(
            &format!("/sessions/{other}/complaints/resolve"),
            &[
                ("_csrf", csrf),
                ("complaint_id", &late_s),
                ("resolution", "Wrong session"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, page) = b.get(&format!("/sessions/{s}")).await;
    assert!(
        page.contains("/complaints/resolve"),
        "the form is offered: {page}"
    );
    let (status, html) = b
        .post_form(
            &format!("/sessions/{s}/complaints/resolve"),
            &[
                ("_csrf", csrf),
                ("complaint_id", &late_s),
                ("resolution", "Printed on site"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Printed on site"), "{html}");
    assert!(html.contains("Heating repaired"), "{html}");
    let (status, _) = b
        .post_form(
            &format!("/sessions/{s}/complaints/resolve"),
            &[
                ("_csrf", csrf),
                ("complaint_id", &late_s),
                ("resolution", "Twice"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(audit_count(t, "session.complaint_resolved").await, 2);

    // The report: the complaint signal keeps counting every complaint; open and resolved apart.
    let today = chrono::Utc::now().date_naive();
    let q = format!(
        "from={}&until={}",
        today - chrono::Duration::days(3),
        today + chrono::Duration::days(10)
    );
    let report = manager.get(&format!("/reports/quality?{q}")).await.body;
    assert_eq!(signal(&report, "complaint")["events"], 3, "{report}");
    assert_eq!(report["complaints_open"], 1, "{report}");
    assert_eq!(report["complaints_resolved"], 2, "{report}");
    let listed: Vec<i64> = report["complaints"]
        .as_array()
        .unwrap()
        .iter()
        .map(id)
        .collect();
    assert_eq!(listed[0], unhappy, "open complaints first: {report}");
    assert_eq!(listed.len(), 3);
    // The page lists them, the open one first with its form; resolving there comes back.
    let (status, html) = b.get(&format!("/quality?{q}")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let open_at = html.find("Still unhappy").unwrap();
    assert!(open_at < html.find("Heating repaired").unwrap(), "{html}");
    assert_eq!(
        html.matches("complaint-row complaint-open").count(),
        1,
        "{html}"
    );
    let unhappy_s = unhappy.to_string();
    let back = format!("/quality?{q}#complaints");
    let (status, html) = b
        .post_form(
            &format!("/sessions/{s}/complaints/resolve"),
            &[
                ("_csrf", csrf),
                ("complaint_id", &unhappy_s),
                ("resolution", "Called the client"),
                ("back", &back),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("id=\"complaints\"") && html.contains("Called the client"),
        "{html}"
    );
    assert_eq!(
        html.matches("complaint-row complaint-open").count(),
        0,
        "{html}"
    );
}
