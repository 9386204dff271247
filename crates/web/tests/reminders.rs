//! Reminders and joining instructions, on SQLite and PostgreSQL: the job queues each at its
//! offset, once, even when runs overlap in two "processes"; cancelled sessions and enrollments
//! get nothing; a late booking gets the joining instructions but no stale reminder; virtual
//! sessions send and show their link. Session changes and assignment requests use the wording
//! administrators edit. The session and learner pages show what was sent about them, and the
//! reminder timing is a setting edited in the UI and the API.
//!
//! The job takes the time as an argument, so the tests walk a session's last weeks in a few
//! calls, with real sessions a month or more ahead.

use crate::common;

use crate::common::{Api, TestApp, course_body, venue_body};
use reqwest::StatusCode;
use serde_json::{Value, json};
use trainyard_app::reminders::{self, RunReport};
use trainyard_app::{App, Settings};
use trainyard_core::{Role, TimeZoneName};
use trainyard_store::outbox::{self, OutboxFilter};

both_backends!(
    reminders_go_out_at_their_offsets_exactly_once_even_from_two_processes,
    cancelled_sessions_and_enrollments_get_nothing,
    a_late_booking_gets_the_joining_instructions_but_no_stale_reminder,
    virtual_sessions_send_and_show_their_joining_link,
    edited_templates_word_session_changes_assignment_requests_and_reminders,
    session_and_learner_pages_show_their_messages,
    the_timing_is_a_setting_edited_in_the_ui_and_the_api,
    the_delivery_worker_runs_the_job,
    queued_reminders_are_withdrawn_when_people_leave_or_the_session_changes,
);

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
const MINUTE: i64 = 60_000;

// ------------------------------------------------------------------ helpers

struct World {
    api: Api,
    venue: i64,
    course: i64,
    room: i64,
    anna: i64,
    tag: String,
}

/// A venue with a room, a course, and an instructor qualified to teach it.
async fn world(t: &TestApp, tag: &str) -> World {
    let api = t.api_as(Role::Coordinator, None).await;
    let venue = api
        .create("/venues", &venue_body(tag, "Europe/Berlin"))
        .await["id"]
        .as_i64()
        .unwrap();
    let course = api.create("/courses", &course_body(tag)).await["id"]
        .as_i64()
        .unwrap();
    let room = api
        .create(
            "/resources",
            &json!({ "kind": "room", "code": format!("{tag}-R2"), "name": "Room 2", "venue_id": venue, "seats": 12, "features": ["projector"] }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let anna = api
        .create("/instructors", &json!({
            "name": "Anna Berg", "email": format!("anna.{}@example.com", tag.to_lowercase()), "employment_type": "staff",
            "home_venue_id": venue, "time_zone": "Europe/Berlin", "currency": "EUR",
            "max_days_week": 5, "max_days_month": 20
        }))
        .await["id"]
        .as_i64()
        .unwrap();
    let q = api
        .post(
            &format!("/instructors/{anna}/qualifications"),
            &json!({ "course_id": course, "valid_from": "2020-01-01" }),
        )
        .await;
    assert_eq!(q.status, StatusCode::CREATED, "{}", q.body);
    World {
        api,
        venue,
        course,
        room,
        anna,
        tag: tag.to_owned(),
    }
}

/// `YYYY-MM-DD` of the day `days` from today (Berlin).
fn day(days: i64) -> String {
    let tz = TimeZoneName::parse("Europe/Berlin").unwrap();
    tz.local(trainyard_core::time::now_ms() + days * DAY)
        .format("%Y-%m-%d")
        .to_string()
}

/// A scheduled public session `days` ahead, 09:00–17:00 Berlin; (id, start in ms).
async fn session(w: &World, days: i64, mode: &str, extra: Value) -> (i64, i64) {
    let d = day(days);
    let mut body = json!({
        "course_id": w.course, "visibility": "public", "delivery_mode": mode, "capacity": 10,
        "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" },
        "parts": [{ "starts": format!("{d}T09:00"), "ends": format!("{d}T17:00") }]
    });
    if mode != "vilt" {
        body["venue_id"] = json!(w.venue);
    }
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let s = w.api.create("/sessions", &body).await;
    let id = s["id"].as_i64().unwrap();
    let r = w
        .api
        .post(
            &format!("/sessions/{id}/transition"),
            &json!({ "event": "schedule", "version": s["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let starts = trainyard_core::time::parse_rfc3339(s["starts_at"].as_str().unwrap()).unwrap();
    (id, starts)
}

async fn learner(w: &World, first: &str) -> i64 {
    w.api
        .create(
            "/learners",
            &json!({ "first_name": first, "last_name": w.tag, "email": format!("{}.{}@example.com", first.to_lowercase(), w.tag.to_lowercase()), "time_zone": "Europe/Berlin" }),
        )
        .await["id"]
        .as_i64()
        .unwrap()
}

/// Enrolls a learner; (enrollment id, version).
async fn enroll(w: &World, session: i64, learner: i64) -> (i64, i64) {
    let e = w
        .api
        .create(
            &format!("/sessions/{session}/enrollments"),
            &json!({ "learner_id": learner }),
        )
        .await;
    assert_eq!(e["status"], "booked", "{e}");
    (e["id"].as_i64().unwrap(), e["version"].as_i64().unwrap())
}

async fn act(api: &Api, assignment: i64, event: &str, version: i64) -> i64 {
    let r = api
        .post(
            &format!("/assignments/{assignment}/actions"),
            &json!({ "event": event, "version": version }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{event}: {}", r.body);
    r.body["version"].as_i64().unwrap()
}

/// Anna proposed, requested, accepted and confirmed on the session; the assignment's id.
async fn confirm_anna(w: &World, session: i64) -> i64 {
    let a = w
        .api
        .create(
            &format!("/sessions/{session}/assignments"),
            &json!({ "instructor_id": w.anna }),
        )
        .await;
    let id = a["id"].as_i64().unwrap();
    let v = act(&w.api, id, "request", a["version"].as_i64().unwrap()).await;
    let v = act(&w.api, id, "accept", v).await;
    act(&w.api, id, "confirm", v).await;
    id
}

async fn book_room(w: &World, session: i64) {
    let r = w
        .api
        .post(
            &format!("/sessions/{session}/bookings"),
            &json!({ "resource_id": w.room, "confirm": true }),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
}

/// A queued message with its text.
#[derive(Debug, Clone)]
struct Mail {
    kind: String,
    to: String,
    subject: String,
    body: String,
}

/// Every message about a session (its enrollments and assignments included), oldest first.
async fn mails(t: &TestApp, session: i64) -> Vec<Mail> {
    let mut conn = t.app.store.read().await.unwrap();
    let page = outbox::list(
        &mut conn,
        &OutboxFilter {
            entity_type: "session".into(),
            entity_id: Some(session),
            per_page: 200,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut out = Vec::new();
    for m in page.items.iter().rev() {
        let d = outbox::get(&mut conn, m.id).await.unwrap();
        out.push(Mail {
            kind: m.kind.clone(),
            to: m.recipient.clone(),
            subject: m.subject.clone(),
            body: d.body,
        });
    }
    out
}

fn of_kind<'a>(list: &'a [Mail], kind: &str) -> Vec<&'a Mail> {
    list.iter().filter(|m| m.kind == kind).collect()
}

fn recipients(list: &[&Mail]) -> Vec<String> {
    let mut r: Vec<String> = list.iter().map(|m| m.to.clone()).collect();
    r.sort();
    r
}

async fn run(app: &App, now: i64) -> RunReport {
    reminders::enqueue_due(app, now).await.unwrap()
}

fn berlin(ms: i64) -> String {
    TimeZoneName::parse("Europe/Berlin").unwrap().display(ms)
}

// ------------------------------------------------------------------ tests

async fn reminders_go_out_at_their_offsets_exactly_once_even_from_two_processes(t: &TestApp) {
    let w = world(t, "RA").await;
    let (s, start) = session(
        &w,
        30,
        "ilt",
        json!({ "joining_notes": "Reception on the 2nd floor, bring photo ID." }),
    )
    .await;
    book_room(&w, s).await;
    let (ada, bea) = (learner(&w, "Ada").await, learner(&w, "Bea").await);
    enroll(&w, s, ada).await;
    enroll(&w, s, bea).await;
    confirm_anna(&w, s).await;
    let ada_mail = "ada.ra@example.com";
    let bea_mail = "bea.ra@example.com";
    let anna_mail = "anna.ra@example.com";
    let everyone = vec![
        ada_mail.to_owned(),
        anna_mail.to_owned(),
        bea_mail.to_owned(),
    ];
    let before = mails(t, s).await.len();

    // Eight days ahead: nothing is due.
    assert_eq!(run(&t.app, start - 8 * DAY).await, RunReport::default());

    // Seven days ahead: the first reminder, to the booked learners and the confirmed instructor.
    let r = run(&t.app, start - 7 * DAY + MINUTE).await;
    assert_eq!((r.sweeps, r.reminders, r.joining), (1, 3, 0), "{r:?}");
    let all = mails(t, s).await;
    let sent = of_kind(&all, "session_reminder");
    assert_eq!(recipients(&sent), everyone);
    let to_ada = sent.iter().find(|m| m.to == ada_mail).unwrap();
    let reference = format!("S-{s:05}");
    assert_eq!(
        to_ada.subject,
        format!("Reminder: Course RA on {}", berlin(start))
    );
    assert_eq!(
        to_ada.body,
        format!(
            "Hello Ada RA,\n\na reminder: Course RA ({reference}) starts {}.\nWhere: Venue RA, Room 2\n",
            berlin(start)
        )
    );
    let to_anna = sent.iter().find(|m| m.to == anna_mail).unwrap();
    assert!(
        to_anna.body.starts_with("Hello Anna Berg,"),
        "{}",
        to_anna.body
    );

    // Running again, at once or a little later, queues nothing more.
    assert_eq!(
        run(&t.app, start - 7 * DAY + MINUTE).await,
        RunReport::default()
    );
    assert_eq!(run(&t.app, start - 6 * DAY).await, RunReport::default());

    // From here on the job runs in two "processes" at once (two connection pools on one database).
    let (_addr, stop_second, second_store) = t.second_server().await;
    let second = App::new(second_store, Settings::default());
    let both = |now: i64| {
        let (a, b) = (t.app.clone(), second.clone());
        async move {
            let one = tokio::spawn(async move { reminders::enqueue_due(&a, now).await.unwrap() });
            let two = tokio::spawn(async move { reminders::enqueue_due(&b, now).await.unwrap() });
            let (one, two) = (one.await.unwrap(), two.await.unwrap());
            RunReport {
                sweeps: one.sweeps + two.sweeps,
                reminders: one.reminders + two.reminders,
                joining: one.joining + two.joining,
                more: one.more || two.more,
            }
        }
    };

    // Three days ahead: the joining instructions, with the venue, room, address and notes.
    let r = both(start - 3 * DAY + MINUTE).await;
    assert_eq!((r.sweeps, r.reminders, r.joining), (0, 0, 3), "{r:?}");
    let all = mails(t, s).await;
    let joining = of_kind(&all, "joining_instructions");
    assert_eq!(recipients(&joining), everyone);
    let to_bea = joining.iter().find(|m| m.to == bea_mail).unwrap();
    assert_eq!(
        to_bea.subject,
        format!("How to join: Course RA on {}", berlin(start))
    );
    assert_eq!(
        to_bea.body,
        format!(
            "Hello Bea RA,\n\nCourse RA ({reference}) starts {}.\nWhere: Venue RA, Room 2\nStreet 1, Berlin, DE\n\nReception on the 2nd floor, bring photo ID.\n",
            berlin(start)
        )
    );

    // One day ahead: the last reminder, once, however many runs overlap.
    let r = both(start - DAY + MINUTE).await;
    assert_eq!((r.sweeps, r.reminders, r.joining), (1, 3, 0), "{r:?}");
    let r = both(start - DAY + 2 * MINUTE).await;
    assert_eq!(r, RunReport::default());
    // Once it has started, nothing more.
    assert_eq!(both(start + MINUTE).await, RunReport::default());
    let _ = stop_second.send(());

    let all = mails(t, s).await;
    assert_eq!(all.len() - before, 9, "{all:#?}");
    for who in &everyone {
        let theirs: Vec<&str> = all
            .iter()
            .skip(before)
            .filter(|m| &m.to == who)
            .map(|m| m.kind.as_str())
            .collect();
        assert_eq!(
            theirs,
            vec![
                "session_reminder",
                "joining_instructions",
                "session_reminder"
            ],
            "{who}"
        );
    }
}

async fn cancelled_sessions_and_enrollments_get_nothing(t: &TestApp) {
    let w = world(t, "RC").await;
    let (s, start) = session(&w, 30, "ilt", json!({})).await;
    let (ada, bea) = (learner(&w, "Ada").await, learner(&w, "Bea").await);
    enroll(&w, s, ada).await;
    let (bea_enrollment, version) = enroll(&w, s, bea).await;
    let r = w
        .api
        .post(
            &format!("/enrollments/{bea_enrollment}/cancel"),
            &json!({ "version": version }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Anna is only requested, not confirmed: she is not reminded either.
    let a = w
        .api
        .create(
            &format!("/sessions/{s}/assignments"),
            &json!({ "instructor_id": w.anna }),
        )
        .await;
    act(
        &w.api,
        a["id"].as_i64().unwrap(),
        "request",
        a["version"].as_i64().unwrap(),
    )
    .await;

    // The same day: one session cancelled, one postponed, each with a booked learner.
    let (cancelled, _) = session(&w, 30, "ilt", json!({})).await;
    let cy = learner(&w, "Cy").await;
    enroll(&w, cancelled, cy).await;
    let (postponed, _) = session(&w, 30, "ilt", json!({})).await;
    let dee = learner(&w, "Dee").await;
    enroll(&w, postponed, dee).await;
    for (id, event) in [(cancelled, "cancel"), (postponed, "postpone")] {
        let v = w.api.get(&format!("/sessions/{id}")).await.body["version"].clone();
        let r = w
            .api
            .post(
                &format!("/sessions/{id}/transition"),
                &json!({ "event": event, "version": v, "reason": "weather" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let before: Vec<usize> = [
        mails(t, s).await.len(),
        mails(t, cancelled).await.len(),
        mails(t, postponed).await.len(),
    ]
    .to_vec();

    for now in [
        start - 7 * DAY + MINUTE,
        start - 3 * DAY + MINUTE,
        start - DAY + MINUTE,
        start + MINUTE,
    ] {
        run(&t.app, now).await;
    }
    let live = mails(t, s).await;
    let new: Vec<&Mail> = live.iter().skip(before[0]).collect();
    assert!(
        new.iter().all(|m| m.to == "ada.rc@example.com"),
        "only Ada is booked: {new:#?}"
    );
    assert_eq!(
        new.iter().map(|m| m.kind.as_str()).collect::<Vec<_>>(),
        vec![
            "session_reminder",
            "joining_instructions",
            "session_reminder"
        ]
    );
    assert_eq!(mails(t, cancelled).await.len(), before[1]);
    assert_eq!(mails(t, postponed).await.len(), before[2]);
    // What they did get: the cancellation and the postponement.
    assert_eq!(
        of_kind(&mails(t, cancelled).await, "session_cancelled").len(),
        1
    );
    assert_eq!(
        of_kind(&mails(t, postponed).await, "session_postponed").len(),
        1
    );
}

async fn a_late_booking_gets_the_joining_instructions_but_no_stale_reminder(t: &TestApp) {
    let w = world(t, "RL").await;
    let (s, start) = session(&w, 30, "ilt", json!({})).await;
    let (ada, bea, cy) = (
        learner(&w, "Ada").await,
        learner(&w, "Bea").await,
        learner(&w, "Cy").await,
    );
    enroll(&w, s, ada).await;
    let r = run(&t.app, start - 7 * DAY + MINUTE).await;
    assert_eq!((r.sweeps, r.reminders), (1, 1));

    // Bea books five days ahead: the 7-day reminder is past; she gets nothing yet.
    enroll(&w, s, bea).await;
    assert_eq!(run(&t.app, start - 5 * DAY).await, RunReport::default());

    // Two days ahead (the job was not run at three): both get the joining instructions.
    let r = run(&t.app, start - 2 * DAY).await;
    assert_eq!((r.reminders, r.joining), (0, 2), "{r:?}");
    // Cy books after that: the joining instructions follow on the next run, once.
    enroll(&w, s, cy).await;
    let r = run(&t.app, start - 2 * DAY + 10 * MINUTE).await;
    assert_eq!((r.reminders, r.joining), (0, 1), "{r:?}");
    assert_eq!(
        run(&t.app, start - 2 * DAY + 20 * MINUTE).await,
        RunReport::default()
    );
    // One day ahead: everyone booked gets the last reminder.
    let r = run(&t.app, start - DAY + MINUTE).await;
    assert_eq!((r.reminders, r.joining), (3, 0), "{r:?}");

    let all = mails(t, s).await;
    let kinds_of = |who: &str| {
        all.iter()
            .filter(|m| m.to == who && m.kind != "enrollment_confirmed")
            .map(|m| m.kind.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        kinds_of("ada.rl@example.com"),
        vec![
            "session_reminder",
            "joining_instructions",
            "session_reminder"
        ]
    );
    for late in ["bea.rl@example.com", "cy.rl@example.com"] {
        assert_eq!(
            kinds_of(late),
            vec!["joining_instructions", "session_reminder"],
            "{late}"
        );
    }

    // A session the job first sees two days before its start (scheduled late): no "7 days"
    // reminder at all, the joining instructions at once, the last reminder on time.
    let (late, late_start) = session(&w, 44, "ilt", json!({})).await;
    let dee = learner(&w, "Dee").await;
    enroll(&w, late, dee).await;
    let r = run(&t.app, late_start - 2 * DAY).await;
    assert_eq!((r.reminders, r.joining), (0, 1), "{r:?}");
    let r = run(&t.app, late_start - DAY + MINUTE).await;
    assert_eq!((r.reminders, r.joining), (1, 0), "{r:?}");
    let kinds: Vec<String> = mails(t, late)
        .await
        .into_iter()
        .filter(|m| m.kind != "enrollment_confirmed")
        .map(|m| m.kind)
        .collect();
    assert_eq!(kinds, vec!["joining_instructions", "session_reminder"]);

    // A rescheduled session is reminded again for its new date.
    let d = w.api.get(&format!("/sessions/{late}")).await.body;
    let new_day = day(60);
    let r = w
        .api
        .put(
            &format!("/sessions/{late}"),
            &json!({
                "course_id": w.course, "visibility": "public", "delivery_mode": "ilt", "venue_id": w.venue,
                "capacity": 10, "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" }, "version": d["version"],
                "parts": [{ "starts": format!("{new_day}T09:00"), "ends": format!("{new_day}T17:00") }]
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let moved = trainyard_core::time::parse_rfc3339(r.body["starts_at"].as_str().unwrap()).unwrap();
    let r = run(&t.app, moved - 7 * DAY + MINUTE).await;
    assert_eq!((r.reminders, r.joining), (1, 0), "{r:?}");
}

async fn virtual_sessions_send_and_show_their_joining_link(t: &TestApp) {
    let w = world(t, "RV").await;
    // A link must be a web address; the refusal names the field.
    let d = day(30);
    let bad = w
        .api
        .post(
            "/sessions",
            &json!({
                "course_id": w.course, "visibility": "public", "delivery_mode": "vilt", "capacity": 10,
                "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" }, "joining_url": "meet.example.com/xl",
                "parts": [{ "starts": format!("{d}T09:00"), "ends": format!("{d}T17:00") }]
            }),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.body.to_string().contains("joining_url"), "{}", bad.body);

    let link = "https://meet.example.com/xl-rv?pwd=42";
    let (s, start) = session(
        &w,
        30,
        "vilt",
        json!({ "joining_url": link, "joining_notes": "Join five minutes early to test your microphone." }),
    )
    .await;
    let got = w.api.get(&format!("/sessions/{s}")).await.body;
    assert_eq!(got["joining_url"], link);
    assert_eq!(
        got["joining_notes"],
        "Join five minutes early to test your microphone."
    );

    // A learner registers from the catalog; their portal shows how to join.
    let (b, status, _) = common::register_and_confirm(t, s, "Vic", "vic@example.com").await;
    assert_eq!(status, StatusCode::OK);
    let (_, portal) = b.get("/").await;
    assert!(
        portal.contains(&format!("href=\"{}\"", link.replace('&', "&amp;"))),
        "{portal}"
    );
    assert!(portal.contains("Join five minutes early to test your microphone."));

    let r = run(&t.app, start - 3 * DAY + MINUTE).await;
    assert_eq!(r.joining, 1, "{r:?}");
    let joining = mails(t, s).await;
    let m = of_kind(&joining, "joining_instructions")[0].clone();
    assert_eq!(m.to, "vic@example.com");
    assert!(
        m.body
            .contains(&format!("Where: Online\nJoin online: {link}\n")),
        "{}",
        m.body
    );
    assert!(
        m.body
            .ends_with("\nJoin five minutes early to test your microphone.\n")
    );

    // The staff form has the fields.
    let ui = t.browser_as(Role::Coordinator, None).await;
    let (_, form) = ui.get(&format!("/sessions/{s}/edit")).await;
    assert!(form.contains("name=\"joining_url\"") && form.contains("name=\"joining_notes\""));
    assert!(form.contains("https://meet.example.com/xl-rv?pwd=42"));
}

async fn edited_templates_word_session_changes_assignment_requests_and_reminders(t: &TestApp) {
    let w = world(t, "RT").await;
    let admin = t.api_as(Role::Admin, None).await;
    for (event, subject, body) in [
        (
            "session_changed",
            "Moved: {{ course_title }} ({{ reference }})",
            "Dear {{ recipient_name }}, we moved it to {{ starts }}.\n",
        ),
        (
            "assignment_request",
            "Teach {{ course_code }}?",
            "Dear {{ instructor_name }}, please answer at {{ portal_url }}\n",
        ),
        (
            "session_reminder",
            "In {{ offset }}: {{ course_title }}",
            "Hi {{ recipient_name }}, see you at {{ place }}.\n",
        ),
    ] {
        let r = admin
            .put(
                &format!("/message-templates/{event}"),
                &json!({ "subject": subject, "body": body, "version": 0 }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{event}: {}", r.body);
    }
    let (s, start) = session(&w, 30, "ilt", json!({})).await;
    let ada = learner(&w, "Ada").await;
    enroll(&w, s, ada).await;

    // An assignment request in the edited wording.
    let a = w
        .api
        .create(
            &format!("/sessions/{s}/assignments"),
            &json!({ "instructor_id": w.anna }),
        )
        .await;
    let assignment = a["id"].as_i64().unwrap();
    act(
        &w.api,
        assignment,
        "request",
        a["version"].as_i64().unwrap(),
    )
    .await;
    let all = mails(t, s).await;
    let request = of_kind(&all, "assignment_request")[0];
    assert_eq!(request.subject, "Teach RT?");
    assert_eq!(
        request.body,
        // Absolute, under the public URL: a relative link is a 404 from a mail client.
        format!(
            "Dear Anna Berg, please answer at {}\n",
            t.app.link(&format!("/portal/assignments/{assignment}"))
        )
    );

    // Rescheduled: everyone on it hears in the edited wording, with the new time.
    let d = w.api.get(&format!("/sessions/{s}")).await.body;
    let new_day = day(31);
    let r = w
        .api
        .put(
            &format!("/sessions/{s}"),
            &json!({
                "course_id": w.course, "visibility": "public", "delivery_mode": "ilt", "venue_id": w.venue,
                "capacity": 10, "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" }, "version": d["version"],
                "parts": [{ "starts": format!("{new_day}T10:00"), "ends": format!("{new_day}T17:00") }]
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let moved = trainyard_core::time::parse_rfc3339(r.body["starts_at"].as_str().unwrap()).unwrap();
    let all = mails(t, s).await;
    let changed = of_kind(&all, "session_changed");
    assert_eq!(
        recipients(&changed),
        vec![
            "ada.rt@example.com".to_owned(),
            "anna.rt@example.com".to_owned()
        ]
    );
    let to_ada = changed
        .iter()
        .find(|m| m.to == "ada.rt@example.com")
        .unwrap();
    assert_eq!(to_ada.subject, format!("Moved: Course RT (S-{s:05})"));
    assert_eq!(
        to_ada.body,
        format!("Dear Ada RT, we moved it to {}.\n", berlin(moved))
    );

    // Cancelled, in the built-in wording (not edited), which is what the code used to write.
    let v = w.api.get(&format!("/sessions/{s}")).await.body["version"].clone();
    let r = w
        .api
        .post(
            &format!("/sessions/{s}/transition"),
            &json!({ "event": "cancel", "version": v, "reason": "venue" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let all = mails(t, s).await;
    let cancelled = of_kind(&all, "session_cancelled");
    let to_ada = cancelled
        .iter()
        .find(|m| m.to == "ada.rt@example.com")
        .unwrap();
    assert_eq!(to_ada.subject, format!("Cancelled: Course RT (S-{s:05})"));
    assert!(
        to_ada.body.starts_with(&format!(
            "Hello Ada RT,\n\nThe session planned for {} – ",
            berlin(moved)
        )),
        "{}",
        to_ada.body
    );

    // Reminders in the edited wording (another session; this one is cancelled).
    let (s2, start2) = session(&w, 30, "ilt", json!({})).await;
    assert_eq!(start2, start);
    enroll(&w, s2, ada).await;
    run(&t.app, start2 - 7 * DAY + MINUTE).await;
    let all = mails(t, s2).await;
    let reminder = of_kind(&all, "session_reminder")[0];
    assert_eq!(reminder.subject, "In 7 days: Course RT");
    assert_eq!(reminder.body, "Hi Ada RT, see you at Venue RT.\n");
    assert!(of_kind(&mails(t, s).await, "session_reminder").is_empty());
}

async fn session_and_learner_pages_show_their_messages(t: &TestApp) {
    let w = world(t, "RP").await;
    let (s, start) = session(&w, 30, "ilt", json!({})).await;
    let ada = learner(&w, "Ada").await;
    enroll(&w, s, ada).await;
    run(&t.app, start - 7 * DAY + MINUTE).await;
    let list = w.api.get(&format!("/sessions/{s}/messages")).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let items = list.body.as_array().unwrap();
    let kinds: Vec<&str> = items.iter().map(|m| m["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, vec!["session_reminder", "enrollment_confirmed"]);
    let reminder_id = items[0]["id"].as_i64().unwrap();
    assert_eq!(items[0]["recipient"], "ada.rp@example.com");
    assert_eq!(items[0]["status"], "pending");
    assert_eq!(items[0]["attempts"], 0);

    let by_learner = w.api.get(&format!("/learners/{ada}/messages")).await;
    assert_eq!(by_learner.status, StatusCode::OK, "{}", by_learner.body);
    assert_eq!(by_learner.body.as_array().unwrap().len(), 2);
    // Not for instructors.
    let instructor = t.api_as(Role::Instructor, None).await;
    assert_eq!(
        instructor
            .get(&format!("/sessions/{s}/messages"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        instructor
            .get(&format!("/learners/{ada}/messages"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    let ui = t.browser_as(Role::Coordinator, None).await;
    for page in [format!("/sessions/{s}"), format!("/learners/{ada}")] {
        let (status, html) = ui.get(&page).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(html.contains("Messages (2)"), "{page}: {html}");
        assert!(
            html.contains(&format!("href=\"/admin/outbox/{reminder_id}\"")),
            "{page}"
        );
        assert!(html.contains("Reminder: Course RP on"), "{page}");
        assert!(html.contains("ada.rp@example.com"), "{page}");
    }
    let (_, html) = ui.get(&format!("/sessions/{s}")).await;
    assert!(html.contains("Open in the delivery log"));
    assert!(html.contains(&format!("entity_id={s}\"")), "{html}");
    // Finance sees the session, not its messages.
    let finance = t.browser_as(Role::Finance, None).await;
    let (status, html) = finance.get(&format!("/sessions/{s}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("Messages ("), "{html}");

    // Documented.
    let doc: Value = reqwest::get(t.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for (path, method) in [
        ("/sessions/{id}/messages", "get"),
        ("/learners/{id}/messages", "get"),
        ("/settings/reminders", "get"),
        ("/settings/reminders", "put"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} documented"
        );
    }
}

async fn the_timing_is_a_setting_edited_in_the_ui_and_the_api(t: &TestApp) {
    let admin = t.api_as(Role::Admin, None).await;
    let got = admin.get("/settings/reminders").await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    assert_eq!(got.body["reminder_hours"], json!([168, 24]));
    assert_eq!(got.body["joining_hours"], 72);
    assert_eq!(got.body["reminders"], "7 days, 1 day");
    assert_eq!(got.body["joining"], "3 days");
    let version = got.body["version"].as_i64().unwrap();

    // Coordinators read it but do not change it.
    let coordinator = t.api_as(Role::Coordinator, None).await;
    assert_eq!(
        coordinator.get("/settings/reminders").await.status,
        StatusCode::OK
    );
    let body = json!({ "reminder_hours": [48], "joining_hours": 24, "version": version });
    assert_eq!(
        coordinator.put("/settings/reminders", &body).await.status,
        StatusCode::FORBIDDEN
    );
    // Out of range: 422 naming the field; nothing saved.
    let bad = admin
        .put(
            "/settings/reminders",
            &json!({ "reminder_hours": [0], "joining_hours": 99999, "version": version }),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let text = bad.body.to_string();
    assert!(
        text.contains("reminder_hours") && text.contains("joining_hours"),
        "{text}"
    );
    let saved = admin.put("/settings/reminders", &body).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(saved.body["reminders"], "2 days");
    // A stale version is refused.
    assert_eq!(
        admin.put("/settings/reminders", &body).await.status,
        StatusCode::CONFLICT
    );

    // The job follows the setting: a reminder two days ahead, the joining instructions one day
    // ahead, nothing at seven.
    let w = world(t, "RS").await;
    let (s, start) = session(&w, 30, "ilt", json!({})).await;
    let ada = learner(&w, "Ada").await;
    enroll(&w, s, ada).await;
    assert_eq!(
        run(&t.app, start - 7 * DAY + MINUTE).await,
        RunReport::default()
    );
    let r = run(&t.app, start - 2 * DAY + MINUTE).await;
    assert_eq!((r.reminders, r.joining), (1, 0));
    let r = run(&t.app, start - DAY + MINUTE).await;
    assert_eq!((r.reminders, r.joining), (0, 1));

    // The page, for managers: the current timing in words; errors shown by the field.
    let ui = t.browser_as(Role::Manager, None).await;
    let (status, html) = ui.get("/admin/reminders").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("value=\"2 days\"") && html.contains("value=\"1 day\""),
        "{html}"
    );
    let csrf = ui.csrf().await;
    let (status, html) = ui
        .post_form(
            "/admin/reminders",
            &[
                ("_csrf", csrf.as_str()),
                ("reminders", "7 days, soon"),
                ("joining", "3 days"),
                ("version", "2"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("&#39;soon&#39; is not a time"), "{html}");
    assert!(html.contains("value=\"7 days, soon\""));
    let (status, html) = ui
        .post_form(
            "/admin/reminders",
            &[
                ("_csrf", csrf.as_str()),
                ("reminders", "1 week, 36 hours"),
                ("joining", "off"),
                ("version", "2"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Saved: reminders 7 days, 36 hours"), "{html}");
    let got = admin.get("/settings/reminders").await.body;
    assert_eq!(got["reminder_hours"], json!([168, 36]));
    assert_eq!(got["joining_hours"], 0);
    // Coordinators cannot open the page.
    let (status, _) = t
        .browser_as(Role::Coordinator, None)
        .await
        .get("/admin/reminders")
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn the_delivery_worker_runs_the_job(t: &TestApp) {
    use trainyard_app::delivery::{self, Mailer, SmtpSettings, WorkerOptions};
    let w = world(t, "RW").await;
    // A session starting in 20 hours: its joining instructions and 1-day reminder are due now.
    let tz = TimeZoneName::parse("Europe/Berlin").unwrap();
    let now = trainyard_core::time::now_ms();
    let (starts, ends) = (
        tz.input_value(now + 20 * HOUR),
        tz.input_value(now + 22 * HOUR),
    );
    let (s, _) = session(
        &w,
        0,
        "ilt",
        json!({ "parts": [{ "starts": starts, "ends": ends }] }),
    )
    .await;
    let ada = learner(&w, "Ada").await;
    enroll(&w, s, ada).await;

    // No SMTP server listens on this port: deliveries wait for a retry, which does not matter here.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mailer = Mailer::new(
        &SmtpSettings {
            port,
            ..SmtpSettings::default()
        },
        WorkerOptions {
            idle_ms: 50,
            send_timeout_ms: 2_000,
            ..WorkerOptions::default()
        },
    )
    .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = tokio::spawn(delivery::run(
        t.app.clone(),
        mailer,
        "reminder-test".into(),
        async move {
            let _ = stopped.await;
        },
    ));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let kinds = loop {
        let mut kinds: Vec<String> = mails(t, s)
            .await
            .into_iter()
            .filter(|m| m.kind != "enrollment_confirmed")
            .map(|m| m.kind)
            .collect();
        kinds.sort();
        if kinds.len() >= 2 || std::time::Instant::now() > deadline {
            break kinds;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let _ = stop.send(());
    worker.await.unwrap();
    assert_eq!(kinds, vec!["joining_instructions", "session_reminder"]);
}

/// (kind, recipient, status) of every message about a session, oldest first.
async fn statuses(t: &TestApp, session: i64) -> Vec<(String, String, String)> {
    let mut conn = t.app.store.read().await.unwrap();
    let page = outbox::list(
        &mut conn,
        &OutboxFilter {
            entity_type: "session".into(),
            entity_id: Some(session),
            per_page: 200,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    page.items
        .iter()
        .rev()
        .map(|m| (m.kind.clone(), m.recipient.clone(), m.status.clone()))
        .collect()
}

/// A reminder queued but not yet delivered is withdrawn when its learner cancels, its instructor
/// is taken off, or the session is postponed; nobody else's is touched, and the worker never
/// sends a withdrawn message.
async fn queued_reminders_are_withdrawn_when_people_leave_or_the_session_changes(t: &TestApp) {
    let w = world(t, "RW").await;
    let (s, start) = session(&w, 30, "ilt", json!({})).await;
    let (ada, bea) = (learner(&w, "Ada").await, learner(&w, "Bea").await);
    enroll(&w, s, ada).await;
    let (bea_enrollment, version) = enroll(&w, s, bea).await;
    confirm_anna(&w, s).await;
    book_room(&w, s).await;
    run(&t.app, start - 7 * DAY + MINUTE).await;
    let reminders = |list: &[(String, String, String)], to: &str| -> Vec<String> {
        list.iter()
            .filter(|(k, r, _)| k == "session_reminder" && r == to)
            .map(|(_, _, st)| st.clone())
            .collect()
    };
    let now = statuses(t, s).await;
    for who in ["ada.rw@example.com", "bea.rw@example.com"] {
        assert_eq!(reminders(&now, who), vec!["pending"], "{who}: {now:?}");
    }
    let anna_reminders = now
        .iter()
        .filter(|(k, r, _)| k == "session_reminder" && r.starts_with("anna"))
        .count();
    assert_eq!(anna_reminders, 1, "{now:?}");

    // Bea cancels: her reminder is withdrawn, Ada's and Anna's stay.
    let r = w
        .api
        .post(
            &format!("/enrollments/{bea_enrollment}/cancel"),
            &json!({ "version": version }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let now = statuses(t, s).await;
    assert_eq!(reminders(&now, "bea.rw@example.com"), vec!["withdrawn"]);
    assert_eq!(reminders(&now, "ada.rw@example.com"), vec!["pending"]);

    // The session is postponed: every reminder still queued is withdrawn; the postponement
    // itself goes out.
    let v = w.api.get(&format!("/sessions/{s}")).await.body["version"].clone();
    let r = w
        .api
        .post(
            &format!("/sessions/{s}/transition"),
            &json!({ "event": "postpone", "version": v, "reason": "instructor_unavailable" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let now = statuses(t, s).await;
    assert!(
        now.iter()
            .filter(|(k, _, _)| k == "session_reminder")
            .all(|(_, _, st)| st == "withdrawn"),
        "{now:?}"
    );
    assert!(
        now.iter()
            .any(|(k, _, st)| k == "session_postponed" && st == "pending"),
        "{now:?}"
    );
    // The worker's claim never picks a withdrawn message.
    let due = outbox::claim_due(&t.app.store, "test", i64::MAX / 2, i64::MAX / 2, 500)
        .await
        .unwrap();
    assert!(due.iter().all(|d| d.kind != "session_reminder"), "{due:?}");
}
