//! The morning lists, saved report views and scheduled e-mailed reports (issue 17 §4, §5), on
//! both databases: each problem kind worked out by hand on a small week ahead (and a session 8
//! days out left off), a view saved and reopened, a due schedule run by two workers at once
//! queueing exactly one message per recipient whose CSV matches the API, and bad input refused
//! with a 422 naming the field.

use crate::common;

use crate::common::{Api, TestApp, mails_to, venue_body};
use chrono::{Duration, NaiveDate};
use reqwest::StatusCode;
use serde_json::{Value, json};
use trainyard_core::{Role, TimeZoneName};

both_backends!(
    morning_lists_match_the_hand_count,
    a_saved_view_reopens_and_only_its_owner_changes_it,
    a_due_schedule_sent_by_two_workers_queues_one_message_per_recipient,
    bad_views_and_schedules_are_refused_naming_the_field,
);

fn today() -> NaiveDate {
    // The test users read days in Berlin.
    TimeZoneName::parse("Europe/Berlin")
        .unwrap()
        .local(trainyard_core::time::now_ms())
        .date_naive()
}

fn day_in(days: i64) -> Value {
    let d = today() + Duration::days(days);
    json!([{ "starts": format!("{d}T09:00"), "ends": format!("{d}T17:00") }])
}

async fn session(api: &Api, course: i64, mode: &str, venue: Option<i64>, parts: Value) -> i64 {
    let mut body = json!({
        "course_id": course, "visibility": "public", "delivery_mode": mode, "capacity": 10,
        "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" }, "parts": parts
    });
    if let Some(v) = venue {
        body["venue_id"] = json!(v);
    }
    let s = api.create("/sessions", &body).await["id"].as_i64().unwrap();
    let v = api.get(&format!("/sessions/{s}")).await.body["version"].clone();
    let r = api
        .post(
            &format!("/sessions/{s}/transition"),
            &json!({ "event": "schedule", "version": v }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    s
}

/// Proposes the instructor (as the manager, overriding the rules these made-up sessions do not
/// meet) and, with `confirm`, takes the assignment through request, accept and confirm.
async fn staff(manager: &Api, s: i64, instructor: i64, confirm: bool) {
    let a = manager
        .create(
            &format!("/sessions/{s}/assignments"),
            &json!({ "instructor_id": instructor, "override_reason": "test" }),
        )
        .await;
    if !confirm {
        return;
    }
    let id = a["id"].as_i64().unwrap();
    let mut v = a["version"].as_i64().unwrap();
    for event in ["request", "accept", "confirm"] {
        let r = manager
            .post(
                &format!("/assignments/{id}/actions"),
                &json!({ "event": event, "version": v, "override_reason": "test" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{event}: {}", r.body);
        v = r.body["version"].as_i64().unwrap();
    }
}

async fn enroll(api: &Api, s: i64, learners: &[i64]) {
    for l in learners {
        api.create(
            &format!("/sessions/{s}/enrollments"),
            &json!({ "learner_id": l }),
        )
        .await;
    }
}

struct Week {
    coordinator: Api,
    manager: Api,
    venue: i64,
    /// (session, problems expected, by hand)
    expected: Vec<(i64, Vec<&'static str>)>,
    far: i64,
    fine: i64,
    anna: i64,
}

/// A week ahead: one session per problem kind, one with none, one 8 days out with several.
async fn week(t: &TestApp) -> Week {
    let coordinator = t.api_as(Role::Coordinator, None).await;
    let manager = t.api_as(Role::Manager, None).await;
    let venue = coordinator
        .create("/venues", &venue_body("MOR", "Europe/Berlin"))
        .await["id"]
        .as_i64()
        .unwrap();
    // Minimum 3 learners.
    let course = coordinator
        .create("/courses", &common::course_body("MRN"))
        .await["id"]
        .as_i64()
        .unwrap();
    let mut instructors = Vec::new();
    for (name, email) in [
        ("Anna Morning", "anna.m@example.com"),
        ("Bert Morning", "bert.m@example.com"),
    ] {
        instructors.push(
            coordinator
                .create("/instructors", &json!({
                    "name": name, "email": email, "employment_type": "staff",
                    "time_zone": "Europe/Berlin", "currency": "EUR", "max_days_week": 5, "max_days_month": 20
                }))
                .await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let (anna, bert) = (instructors[0], instructors[1]);
    let mut learners = Vec::new();
    for n in 0..3 {
        learners.push(
            coordinator
                .create("/learners", &json!({
                    "first_name": "M", "last_name": format!("N{n}"), "email": format!("m{n}@example.com"),
                    "time_zone": "Europe/Berlin"
                }))
                .await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let api = &coordinator;
    let mut expected = Vec::new();

    // Tomorrow, online, staffed and full enough: the joining instructions are due (72 hours
    // before) and nobody has had them.
    let joining = session(api, course, "vilt", None, day_in(1)).await;
    staff(&manager, joining, anna, true).await;
    enroll(api, joining, &learners).await;
    expected.push((joining, vec!["joining_not_sent"]));

    // In 4 days, online, three learners: the instructor is only proposed.
    let unconfirmed = session(api, course, "vilt", None, day_in(4)).await;
    staff(&manager, unconfirmed, bert, false).await;
    enroll(api, unconfirmed, &learners).await;
    expected.push((unconfirmed, vec!["unconfirmed_instructor"]));

    // In 5 days, in the classroom at the venue, without a room booked.
    let no_room = session(api, course, "ilt", Some(venue), day_in(5)).await;
    staff(&manager, no_room, anna, true).await;
    enroll(api, no_room, &learners).await;
    expected.push((no_room, vec!["no_room"]));

    // In 6 days, online, confirmed: one learner of a minimum of three.
    let below = session(api, course, "vilt", None, day_in(6)).await;
    staff(&manager, below, anna, true).await;
    enroll(api, below, &learners[..1]).await;
    expected.push((below, vec!["below_minimum"]));

    // In 7 days, online, confirmed, full enough: Bert takes that day off afterwards.
    let off = session(api, course, "vilt", None, day_in(7)).await;
    staff(&manager, off, bert, true).await;
    enroll(api, off, &learners).await;
    let off_day = (today() + Duration::days(7)).to_string();
    coordinator
        .create(
            &format!("/instructors/{bert}/time-off"),
            &json!({ "from": off_day, "until": off_day, "reason": "Dentist" }),
        )
        .await;
    expected.push((off, vec!["instructor_on_time_off"]));

    // In 4 days, online, confirmed, full enough (joining instructions not yet due): no problem.
    let fine = session(api, course, "vilt", None, day_in(4)).await;
    staff(&manager, fine, anna, true).await;
    enroll(api, fine, &learners).await;

    // In 8 days: nobody, no learners, no room — but outside the week.
    let far = session(api, course, "ilt", Some(venue), day_in(8)).await;

    Week {
        coordinator,
        manager,
        venue,
        expected,
        far,
        fine,
        anna,
    }
}

async fn morning_lists_match_the_hand_count(t: &TestApp) {
    let w = week(t).await;
    let r = w.coordinator.get("/reports/morning").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let listed: Vec<(i64, Vec<String>)> = r.body["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["session_id"].as_i64().unwrap(),
                s["problems"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p.as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect();
    let expected: Vec<(i64, Vec<String>)> = w
        .expected
        .iter()
        .map(|(s, p)| (*s, p.iter().map(|x| (*x).to_owned()).collect()))
        .collect();
    // Soonest first, exactly the problems worked out by hand.
    assert_eq!(listed, expected, "{}", r.body);
    assert!(!listed.iter().any(|(s, _)| *s == w.far || *s == w.fine));
    // Finance figures are not the coordinator's: no clients list.
    assert!(r.body["clients"].is_null(), "{}", r.body);
    // Instructors: neither has working hours, both teach in the week: over target.
    let over: Vec<(&str, &str, i64)> = r.body["instructors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["name"].as_str().unwrap(),
                i["standing"].as_str().unwrap(),
                i["teaching_minutes"].as_i64().unwrap(),
            )
        })
        .collect();
    // Anna teaches tomorrow and in 4, 5 and 6 days; Bert (confirmed) in 7 days.
    assert_eq!(
        over,
        vec![
            ("Anna Morning", "over", 4 * 8 * 60),
            ("Bert Morning", "over", 8 * 60)
        ]
    );

    // One problem kind at a time; the other filters narrow too.
    let r = w.coordinator.get("/reports/morning?problem=no_room").await;
    let ids: Vec<i64> = r.body["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["session_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![w.expected[2].0]);
    let r = w
        .coordinator
        .get(&format!("/reports/morning?venue_id={}&mode=ilt", w.venue))
        .await;
    assert_eq!(r.body["sessions"].as_array().unwrap().len(), 1);
    let r = w
        .coordinator
        .get(&format!("/reports/morning?instructor_id={}", w.anna))
        .await;
    assert_eq!(r.body["instructors"].as_array().unwrap().len(), 1);
    let r = w
        .coordinator
        .get("/reports/morning?problem=compliance")
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);

    // The manager sees the clients list too (no delivered sessions: empty).
    let r = w.manager.get("/reports/morning").await;
    assert_eq!(r.body["clients"], json!([]), "{}", r.body);

    // CSV: one line per row of each list, under a header.
    let csv = w.coordinator.get("/reports/morning?format=csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    let text = csv.body.as_str().unwrap().to_owned();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("list,id,name,starts_at,problems"));
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("sessions,")).count(),
        5
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("sessions,{},", w.expected[0].0))
                && l.contains("joining_not_sent"))
    );
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("instructors,"))
            .count(),
        2
    );

    // The page: three tables (clients only for finance), badges, links, and the empty state.
    let b = t.browser_as(Role::Coordinator, None).await;
    let (status, html) = b.get("/reports/morning").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Joining instructions not sent"), "{html}");
    assert!(html.contains(&format!("href=\"/sessions/{}\"", w.expected[1].0)));
    assert!(!html.contains("id=\"morning-clients\""));
    let (_, html) = b
        .get("/reports/morning?problem=below_minimum&mode=ilt")
        .await;
    assert!(html.contains("No upcoming session has an open problem."));
    let m = t.browser_as(Role::Manager, None).await;
    let (_, html) = m.get("/reports/morning").await;
    assert!(html.contains("id=\"morning-clients\""));
    // Linked from the dashboard and the reports page.
    let (_, html) = b.get("/").await;
    assert!(html.contains("href=\"/reports/morning\""));
    let (_, html) = b.get("/reports").await;
    assert!(html.contains("href=\"/reports/morning\""));
    // Instructors and client contacts do not see the morning lists.
    let i = t.api_as(Role::Instructor, None).await;
    assert_eq!(
        i.get("/reports/morning").await.status,
        StatusCode::FORBIDDEN
    );
}

async fn a_saved_view_reopens_and_only_its_owner_changes_it(t: &TestApp) {
    let manager = t.api_as(Role::Manager, None).await;
    let coordinator = t.api_as(Role::Coordinator, None).await;
    let v = manager
        .create(
            "/report-views",
            &json!({ "name": "Acme this quarter", "report": "kpis",
                     "query": "?period=quarter&client_id=&compare=last_year&format=csv" }),
        )
        .await;
    assert_eq!(v["query"], "period=quarter&compare=last_year");
    assert_eq!(v["shared"], false);
    let id = v["id"].as_i64().unwrap();
    let again = manager.get(&format!("/report-views/{id}")).await;
    assert_eq!(again.body, v);
    let list = manager.get("/report-views").await.body;
    assert_eq!(list.as_array().unwrap().len(), 1);
    // Not shared: nobody else sees it.
    assert_eq!(
        coordinator.get(&format!("/report-views/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(coordinator.get("/report-views").await.body, json!([]));
    // Renamed and shared by its owner.
    let r = manager
        .put(
            &format!("/report-views/{id}"),
            &json!({ "name": "Quarter vs last year", "report": "kpis", "query": v["query"],
                     "shared": true, "version": v["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["name"], "Quarter vs last year");
    // Shared: the coordinator opens it but may not change or delete it.
    let seen = coordinator.get(&format!("/report-views/{id}")).await;
    assert_eq!(seen.status, StatusCode::OK);
    let r = coordinator
        .put(
            &format!("/report-views/{id}"),
            &json!({ "name": "Mine now", "report": "kpis", "shared": true, "version": seen.body["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(
        coordinator
            .delete(&format!("/report-views/{id}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // A shared profitability view is not shown to those who may not see profitability.
    manager
        .create(
            "/report-views",
            &json!({ "name": "Margins", "report": "profitability", "query": "by=client", "shared": true }),
        )
        .await;
    let names: Vec<String> = coordinator
        .get("/report-views")
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, vec!["Quarter vs last year".to_owned()]);

    // In the pages: "Save this view" on the report keeps the URL's filters; the list opens it.
    let b = t.browser_as(Role::Manager, None).await;
    let (_, html) = b.get("/reports?period=year&compare=none").await;
    assert!(
        html.contains("name=\"query\" value=\"period=year&#38;compare=none\""),
        "{html}"
    );
    let csrf = b.csrf().await;
    let (status, _) = b
        .post_form(
            "/reports/views",
            &[
                ("_csrf", &csrf),
                ("name", "This year"),
                ("report", "kpis"),
                ("query", "period=year&compare=none"),
            ],
        )
        .await;
    assert!(status.is_success() || status.is_redirection(), "{status}");
    let (_, html) = b.get("/reports/views").await;
    assert!(html.contains("This year"));
    assert!(
        html.contains("href=\"/reports?period=year&#38;compare=none\""),
        "{html}"
    );
    let (status, _) = b.get("/reports?period=year&compare=none").await;
    assert_eq!(status, StatusCode::OK);
    // A schedule form with an error shown at its field.
    let mine = b.get("/reports/views").await.1;
    let start = mine.find("/reports/views/").unwrap();
    let rest = &mine[start + "/reports/views/".len()..];
    let view_id: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    let (status, html) = b
        .post_form(
            &format!("/reports/views/{view_id}/schedules"),
            &[
                ("_csrf", &csrf),
                ("cadence", "weekly"),
                ("day", "9"),
                ("time_of_day", "07:30"),
                ("time_zone", "Europe/Berlin"),
                ("recipients", "ops@example.com"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"e-day\""), "{html}");
    // Deleted by its owner, with its schedules.
    assert_eq!(
        manager.delete(&format!("/report-views/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        manager.get(&format!("/report-views/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

async fn a_due_schedule_sent_by_two_workers_queues_one_message_per_recipient(t: &TestApp) {
    let w = week(t).await;
    let (from, until) = (today(), today() + Duration::days(8));
    let query = format!("from={from}&until={until}&compare=none");
    let v = w
        .manager
        .create(
            "/report-views",
            &json!({ "name": "The week ahead", "report": "kpis", "query": query }),
        )
        .await;
    let id = v["id"].as_i64().unwrap();
    let s = w
        .manager
        .create(
            &format!("/report-views/{id}/schedules"),
            &json!({ "cadence": "weekly", "day": 1, "time_of_day": "07:00", "time_zone": "Europe/Berlin",
                     "recipients": ["ops@example.com", "Boss@Example.com"] }),
        )
        .await;
    assert_eq!(
        s["recipients"],
        json!(["ops@example.com", "Boss@example.com"])
    );
    let due_at = trainyard_core::time::parse_rfc3339(s["next_run_at"].as_str().unwrap()).unwrap();
    // Not yet due: nothing.
    let early = trainyard_app::report_views::send_due(&t.app, due_at - 1)
        .await
        .unwrap();
    assert_eq!(early.runs, 0);

    // Two processes find it due at the same moment.
    let (_addr, stop, store) = t.second_server().await;
    let other = trainyard_app::App::new(store, trainyard_app::Settings::default());
    let (a, b) = tokio::join!(
        trainyard_app::report_views::send_due(&t.app, due_at),
        trainyard_app::report_views::send_due(&other, due_at)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.runs + b.runs, 1, "{a:?} {b:?}");
    assert_eq!(a.messages + b.messages, 2);
    let _ = stop.send(());
    // And again: the run is done, the next is a week on.
    let again = trainyard_app::report_views::send_due(&t.app, due_at)
        .await
        .unwrap();
    assert_eq!(again.runs, 0);
    let after = w
        .manager
        .get(&format!("/report-views/{id}/schedules/{}", s["id"]))
        .await
        .body;
    let next = trainyard_core::time::parse_rfc3339(after["next_run_at"].as_str().unwrap()).unwrap();
    assert_eq!(next - due_at, 7 * 86_400_000);

    // The CSV the API answers, as the view's owner.
    let api_csv = w
        .manager
        .get(&format!("/reports/kpis?{query}&format=csv"))
        .await
        .body
        .as_str()
        .unwrap()
        .to_owned();
    for to in ["ops@example.com", "boss@example.com"] {
        let mails = mails_to(t, to).await;
        assert_eq!(mails.len(), 1, "{to}: {mails:?}");
        let m = &mails[0];
        assert_eq!(m.kind, "scheduled_report");
        assert!(m.subject.starts_with("The week ahead: Operations KPIs"));
        // The figures as a plain table in the body.
        assert!(m.body.contains("fill_rate"), "{}", m.body);
        assert!(m.body.contains("Session fill rate"), "{}", m.body);
    }
    // The attachment, as the worker makes it when it sends.
    let mut conn = t.app.store.read().await.unwrap();
    let page = trainyard_store::outbox::list(
        &mut conn,
        &trainyard_store::outbox::OutboxFilter {
            recipient: "ops@example.com".into(),
            per_page: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let msg = trainyard_store::outbox::get(&mut conn, page.items[0].id)
        .await
        .unwrap();
    drop(conn);
    let due = trainyard_store::outbox::Due {
        id: msg.message.id,
        kind: msg.message.kind.clone(),
        recipient: msg.message.recipient.clone(),
        subject: msg.message.subject.clone(),
        body: msg.body.clone(),
        ics: None,
        idempotency_key: msg.idempotency_key.clone(),
        attempts: 0,
        entity_type: msg.message.entity_type.clone(),
        entity_id: msg.message.entity_id,
    };
    let files = trainyard_app::delivery::files_of(&t.app, &due)
        .await
        .unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].content_type, "text/csv");
    assert_eq!(files[0].name, format!("kpis-{from}-{until}.csv"));
    let attached = String::from_utf8(files[0].bytes.clone()).unwrap();
    assert_eq!(
        attached.lines().collect::<Vec<_>>(),
        api_csv.lines().collect::<Vec<_>>()
    );
    // And the e-mail carries it.
    let mailer = trainyard_app::delivery::Mailer::new(
        &trainyard_app::delivery::SmtpSettings::default(),
        trainyard_app::delivery::WorkerOptions::default(),
    )
    .unwrap();
    let sender = trainyard_app::delivery::Sender::unconfigured(&mailer);
    let email = trainyard_app::delivery::build_email_with(&mailer, &sender, &due, &files).unwrap();
    let raw = String::from_utf8_lossy(&email.formatted()).to_string();
    assert!(
        raw.contains(&format!("filename=\"kpis-{from}-{until}.csv\"")),
        "{raw}"
    );
    let _ = w.far;
}

async fn bad_views_and_schedules_are_refused_naming_the_field(t: &TestApp) {
    let manager = t.api_as(Role::Manager, None).await;
    let field = |r: &common::Reply| {
        r.body["errors"][0]["field"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    };
    let r = manager
        .post(
            "/report-views",
            &json!({ "name": "Sales", "report": "sales" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(field(&r), "report");
    let r = manager
        .post("/report-views", &json!({ "name": " ", "report": "kpis" }))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field(&r), "name");
    let r = manager
        .post(
            "/report-views",
            &json!({ "name": "Odd", "report": "kpis", "query": "client_id=abc" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(field(&r), "query");
    // A coordinator may not save a profitability view.
    let coordinator = t.api_as(Role::Coordinator, None).await;
    let r = coordinator
        .post(
            "/report-views",
            &json!({ "name": "Margins", "report": "profitability" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(manager.get("/report-views").await.body, json!([]));

    let v = manager
        .create(
            "/report-views",
            &json!({ "name": "Morning", "report": "morning" }),
        )
        .await;
    let path = format!("/report-views/{}/schedules", v["id"]);
    let good = json!({ "cadence": "monthly", "day": 1, "time_of_day": "06:45",
                       "time_zone": "Europe/Berlin", "recipients": ["ops@example.com"] });
    for (key, value, named) in [
        ("cadence", json!("daily"), "cadence"),
        ("day", json!(29), "day"),
        (
            "recipients",
            json!(["ops@example.com", "not an address"]),
            "recipients",
        ),
        ("recipients", json!([]), "recipients"),
        ("time_of_day", json!("7 am"), "time_of_day"),
        ("time_zone", json!("Mars/Olympus"), "time_zone"),
    ] {
        let mut body = good.clone();
        body[key] = value;
        let r = manager.post(&path, &body).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{key}: {}",
            r.body
        );
        assert_eq!(field(&r), named, "{}", r.body);
    }
    // Nothing was stored.
    assert_eq!(manager.get(&path).await.body, json!([]));
    let r = manager.post(&path, &good).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}
