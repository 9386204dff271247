//! Calendar feeds end to end, on SQLite and PostgreSQL: a feed's URL is created through the API
//! and the UI, fetched over HTTP without a login, and read by an independent parser (Python's
//! `icalendar`, through tests/ical_check.py) — UTC instants across a DST change, stable UIDs,
//! SEQUENCE raised on change, STATUS:CANCELLED. Also: unknown and revoked tokens are 404, and only
//! staff, the instructor themself or the client's own contact may create a feed.
//!
//! The Python part needs `python3 -m pip install 'icalendar==6.1.0'`. Without it the test prints a
//! note and checks the text in Rust only — unless `CI` or `TRAINYARD_REQUIRE_BROWSER` is set, when
//! it fails.

use crate::common;

use crate::common::{PASSWORD, TestApp, course_body, venue_body};
use chrono::{Datelike, Duration, NaiveDate, Utc, Weekday};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::Write;
use std::process::{Command, Stdio};
use trainyard_app::accounts::{self, NewAccount};
use trainyard_core::Role;
use trainyard_core::status::AssignmentStatus;

both_backends!(
    instructor_feed_follows_edits_and_cancellation_across_dst,
    feeds_are_secret_revocable_and_only_for_those_allowed,
    feed_page_creates_shows_and_revokes,
);

/// Friday before and Monday after the next spring DST change in Europe (last Sunday of March)
/// that is at least a week ahead, so that the parts fall inside the feed's window (90 days back to
/// a year ahead) whenever the test runs.
fn around_next_spring_change() -> (NaiveDate, NaiveDate) {
    let soon = Utc::now().date_naive() + Duration::days(7);
    let mut year = soon.year();
    loop {
        let mut sunday = NaiveDate::from_ymd_opt(year, 3, 31).unwrap();
        while sunday.weekday() != Weekday::Sun {
            sunday = sunday.pred_opt().unwrap();
        }
        let friday = sunday - Duration::days(2);
        if friday >= soon {
            return (friday, sunday + Duration::days(1));
        }
        year += 1;
    }
}

fn compact(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

/// Runs tests/ical_check.py on `ics`. `None` when Python or its `icalendar` package is missing
/// and neither `CI` nor `TRAINYARD_REQUIRE_BROWSER` demands them.
fn python_reading(ics: &str) -> Option<Value> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ical_check.py");
    let required =
        std::env::var_os("TRAINYARD_REQUIRE_BROWSER").is_some() || std::env::var_os("CI").is_some();
    let missing = |why: String| -> Option<Value> {
        if required {
            panic!(
                "{why}. The calendar feed test needs it to read feeds independently \
                 (CI or TRAINYARD_REQUIRE_BROWSER is set): python3 -m pip install 'icalendar==6.1.0'"
            );
        }
        eprintln!(
            "note: {why}; skipping the independent (Python icalendar) reading of the feed. \
             Install it with: python3 -m pip install 'icalendar==6.1.0'"
        );
        None
    };
    let mut child = match Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => return missing(format!("python3 could not be started ({e})")),
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(ics.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(3) && stderr.contains("MISSING-ICALENDAR") {
        return missing("the Python package icalendar is not installed".into());
    }
    assert!(
        out.status.success(),
        "ical_check.py failed ({}):\n{stdout}\n{stderr}\n--- feed ---\n{ics}",
        out.status
    );
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        v["problems"],
        json!([]),
        "the parser found problems in:\n{ics}"
    );
    Some(v)
}

/// GET without any credentials, as a calendar application does.
async fn fetch(url: &str) -> (StatusCode, String, String) {
    let r = reqwest::get(url).await.unwrap();
    let status = r.status();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, ct, r.text().await.unwrap())
}

/// The content lines of an iCalendar text, unfolded.
fn unfolded(ics: &str) -> Vec<String> {
    ics.replace("\r\n ", "")
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn events_of(reading: &Value) -> Vec<Value> {
    let mut events = reading["events"].as_array().unwrap().clone();
    events.sort_by_key(|e| e["dtstart"].as_str().unwrap().to_owned());
    events
}

/// A user linked to an instructor record, with an API token.
async fn instructor_api(t: &TestApp, instructor_id: i64) -> common::Api {
    let email = format!("teacher-{instructor_id}@example.com");
    accounts::create_user(
        &t.app,
        None,
        NewAccount {
            email: email.clone(),
            display_name: "Teacher".into(),
            password: PASSWORD.into(),
            role: Role::Instructor,
            client_id: None,
            instructor_id: Some(instructor_id),
            learner_id: None,
            time_zone: "Europe/Berlin".into(),
        },
    )
    .await
    .unwrap();
    let token = accounts::create_api_token_for(&t.app, &email, "tests")
        .await
        .unwrap();
    common::Api {
        base: t.url("/api/v1"),
        token: token.secret,
        http: reqwest::Client::new(),
    }
}

fn instructor_body(name: &str, email: &str) -> Value {
    json!({
        "name": name, "email": email, "employment_type": "staff", "time_zone": "Europe/Berlin",
        "currency": "EUR", "max_days_week": 5, "max_days_month": 20
    })
}

fn session_body(course: i64, venue: i64, parts: &[(String, String)]) -> Value {
    json!({
        "course_id": course, "visibility": "public", "delivery_mode": "ilt", "venue_id": venue,
        "capacity": 12, "time_zone": "Europe/Berlin", "seat_price": { "amount": "890", "currency": "EUR" },
        "parts": parts.iter().map(|(s, e)| json!({ "starts": s, "ends": e })).collect::<Vec<_>>()
    })
}

async fn instructor_feed_follows_edits_and_cancellation_across_dst(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let venue = api
        .create("/venues", &venue_body("BER", "Europe/Berlin"))
        .await["id"]
        .as_i64()
        .unwrap();
    let course = api.create("/courses", &course_body("FEED")).await["id"]
        .as_i64()
        .unwrap();
    let anna = api
        .create(
            "/instructors",
            &instructor_body("Anna Berg", "anna@example.com"),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let (fri, mon) = around_next_spring_change();
    let at = |d: NaiveDate, hm: &str| format!("{}T{hm}", d.format("%Y-%m-%d"));
    let mut parts = vec![
        (at(fri, "09:00"), at(fri, "17:00")),
        (at(mon, "09:00"), at(mon, "17:00")),
    ];
    let session = api
        .create("/sessions", &session_body(course, venue, &parts))
        .await;
    let sid = session["id"].as_i64().unwrap();
    let reference = session["reference"].as_str().unwrap().to_owned();
    // The assignment use cases are written elsewhere: insert a confirmed assignment directly.
    {
        let mut tx = t.app.store.write().await.unwrap();
        trainyard_store::assignments::insert(
            &mut tx,
            sid,
            anna,
            "lead",
            AssignmentStatus::Confirmed,
            trainyard_core::time::now_ms(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }

    let created = api
        .create(
            "/feeds",
            &json!({ "kind": "instructor", "target_id": anna }),
        )
        .await;
    let feed_id = created["id"].as_i64().unwrap();
    let url = created["url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with(&t.url("/feeds/")) && url.ends_with(".ics"),
        "{url}"
    );
    assert_eq!(
        created["webcal_url"].as_str().unwrap(),
        url.replacen("http://", "webcal://", 1)
    );

    // No login: the token is the credential.
    let (status, ct, ics) = fetch(&url).await;
    assert_eq!(status, StatusCode::OK, "{ics}");
    assert_eq!(ct, "text/calendar; charset=utf-8");
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"), "{ics}");
    assert!(ics.ends_with("END:VCALENDAR\r\n"), "{ics}");
    let lines = unfolded(&ics);
    for expected in [
        "VERSION:2.0".to_owned(),
        "METHOD:PUBLISH".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        "X-WR-CALNAME:Trainyard — Anna Berg".to_owned(),
        format!("DTSTART:{}T080000Z", compact(fri)),
        format!("DTEND:{}T160000Z", compact(fri)),
        format!("DTSTART:{}T070000Z", compact(mon)),
        format!("DTEND:{}T150000Z", compact(mon)),
        "SUMMARY:FEED Course FEED (part 1/2)".to_owned(),
        "LOCATION:Venue BER\\, Berlin".to_owned(),
        "STATUS:TENTATIVE".to_owned(),
    ] {
        assert!(lines.contains(&expected), "{expected} in\n{ics}");
    }
    assert!(lines.iter().any(|l| l.starts_with("PRODID:")));
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("DESCRIPTION:") && l.contains(&reference)),
        "{ics}"
    );
    assert!(
        lines.contains(&format!("URL:{}", t.url(&format!("/sessions/{sid}")))),
        "{ics}"
    );

    let first = python_reading(&ics);
    let mut uids_before = Vec::new();
    if let Some(r) = &first {
        assert_eq!(r["calendar"]["version"], "2.0");
        assert_eq!(r["calendar"]["method"], "PUBLISH");
        assert_eq!(r["calendar"]["name"], "Trainyard — Anna Berg");
        let ev = events_of(r);
        assert_eq!(ev.len(), 2, "{r}");
        // 09:00 in Berlin is 08:00Z before the change and 07:00Z after it.
        assert_eq!(ev[0]["dtstart"], format!("{}T08:00:00Z", fri));
        assert_eq!(ev[0]["dtend"], format!("{}T16:00:00Z", fri));
        assert_eq!(ev[1]["dtstart"], format!("{}T07:00:00Z", mon));
        assert_eq!(ev[1]["dtend"], format!("{}T15:00:00Z", mon));
        assert_eq!(ev[0]["summary"], "FEED Course FEED (part 1/2)");
        assert_eq!(ev[1]["summary"], "FEED Course FEED (part 2/2)");
        assert_eq!(ev[0]["location"], "Venue BER, Berlin");
        for e in &ev {
            assert_eq!(e["sequence"], 0);
            assert_eq!(e["status"], "TENTATIVE", "a draft session");
            let uid = e["uid"].as_str().unwrap();
            assert!(
                uid.starts_with("part-") && uid.ends_with(&format!("-instructor-{anna}@trainyard")),
                "{uid}"
            );
            uids_before.push(uid.to_owned());
        }
    }

    // Move part 2 by an hour: same UIDs, part 2's SEQUENCE rises.
    parts[1] = (at(mon, "10:00"), at(mon, "18:00"));
    let mut edit = session_body(course, venue, &parts);
    edit["version"] = json!(1);
    let r = api.put(&format!("/sessions/{sid}"), &edit).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let version = r.body["version"].as_i64().unwrap();
    let (status, _, ics) = fetch(&url).await;
    assert_eq!(status, StatusCode::OK);
    let lines = unfolded(&ics);
    assert!(
        lines.contains(&format!("DTSTART:{}T080000Z", compact(mon))),
        "{ics}"
    );
    let moved = python_reading(&ics);
    if let Some(r) = &moved {
        let ev = events_of(r);
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[1]["dtstart"], format!("{}T08:00:00Z", mon));
        assert_eq!(ev[1]["dtend"], format!("{}T16:00:00Z", mon));
        assert_eq!(ev[0]["sequence"], 0, "part 1 did not change");
        assert_eq!(ev[1]["sequence"], 1, "part 2 moved");
        let uids: Vec<String> = ev
            .iter()
            .map(|e| e["uid"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(uids, uids_before);
    }

    // Schedule, then cancel: both events stay, cancelled, with the same UIDs and a higher SEQUENCE.
    let r = api
        .post(
            &format!("/sessions/{sid}/transition"),
            &json!({ "event": "schedule", "version": version }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = api
        .post(
            &format!("/sessions/{sid}/transition"),
            &json!({ "event": "cancel", "version": r.body["version"], "reason": "client_request" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "cancelled");
    let (status, _, ics) = fetch(&url).await;
    assert_eq!(status, StatusCode::OK);
    let lines = unfolded(&ics);
    assert_eq!(
        lines.iter().filter(|l| *l == "STATUS:CANCELLED").count(),
        2,
        "{ics}"
    );
    assert!(
        !lines
            .iter()
            .any(|l| l == "STATUS:TENTATIVE" || l == "STATUS:CONFIRMED")
    );
    if let Some(r) = python_reading(&ics) {
        let ev = events_of(&r);
        assert_eq!(ev.len(), 2);
        let uids: Vec<String> = ev
            .iter()
            .map(|e| e["uid"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(uids, uids_before, "UIDs never change");
        let before = events_of(moved.as_ref().unwrap());
        for (now, then) in ev.iter().zip(&before) {
            assert_eq!(now["status"], "CANCELLED");
            assert!(
                now["sequence"].as_i64().unwrap() > then["sequence"].as_i64().unwrap(),
                "SEQUENCE rises on cancellation: {now} after {then}"
            );
            assert!(now["summary"].as_str().unwrap().starts_with("Cancelled: "));
        }
        assert!(ev[1]["sequence"].as_i64().unwrap() > 1);
    }

    // The creation is in the audit trail, without the token.
    let h = api.get(&format!("/history/calendar_feed/{feed_id}")).await;
    assert_eq!(h.status, StatusCode::OK, "{}", h.body);
    assert_eq!(h.body[0]["action"], "calendar_feed.created");
    let token = url.rsplit('/').next().unwrap().trim_end_matches(".ics");
    assert!(
        !h.body.to_string().contains(token),
        "the secret is not audited"
    );
}

async fn feeds_are_secret_revocable_and_only_for_those_allowed(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let venue = api
        .create("/venues", &venue_body("HAM", "Europe/Berlin"))
        .await["id"]
        .as_i64()
        .unwrap();

    // Unknown tokens, and paths that are not feeds, are 404 problems.
    for path in [
        format!("/feeds/{}.ics", "0".repeat(64)),
        "/feeds/nonsense.ics".to_owned(),
        "/feeds/nonsense".to_owned(),
    ] {
        let (status, ct, body) = fetch(&t.url(&path)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert_eq!(ct, "application/problem+json", "{path}");
    }

    // An empty venue calendar is still a valid calendar.
    let created = api
        .create("/feeds", &json!({ "kind": "venue", "target_id": venue }))
        .await;
    let id = created["id"].as_i64().unwrap();
    let url = created["url"].as_str().unwrap().to_owned();
    let (status, _, ics) = fetch(&url).await;
    assert_eq!(status, StatusCode::OK);
    assert!(unfolded(&ics).contains(&"X-WR-CALNAME:Trainyard — Venue HAM".to_owned()));
    if let Some(r) = python_reading(&ics) {
        assert_eq!(r["events"], json!([]));
        assert_eq!(r["calendar"]["name"], "Trainyard — Venue HAM");
    }

    // Listed without any secret; revoked, it answers 404; revoking twice is harmless.
    let list = api
        .get(&format!("/feeds?kind=venue&target_id={venue}"))
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert_eq!(list.body.as_array().unwrap().len(), 1);
    assert_eq!(list.body[0]["id"], id);
    assert_eq!(list.body[0]["kind"], "venue");
    assert_eq!(list.body[0]["revoked_at"], Value::Null);
    let token = url
        .rsplit('/')
        .next()
        .unwrap()
        .trim_end_matches(".ics")
        .to_owned();
    assert!(!list.body.to_string().contains(&token));
    let r = api.delete(&format!("/feeds/{id}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body["revoked_at"].is_string());
    let (status, ct, _) = fetch(&url).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(ct, "application/problem+json");
    assert_eq!(
        api.delete(&format!("/feeds/{id}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        api.delete("/feeds/999999").await.status,
        StatusCode::NOT_FOUND
    );
    let h = api.get(&format!("/history/calendar_feed/{id}")).await;
    let actions: Vec<&str> = h
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec!["calendar_feed.revoked", "calendar_feed.created"]
    );

    // Bad requests: an unknown kind, a target that does not exist, a room that is not a room.
    let r = api
        .post("/feeds", &json!({ "kind": "planet", "target_id": venue }))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "kind");
    let r = api
        .post(
            "/feeds",
            &json!({ "kind": "instructor", "target_id": 999999 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let projector = api
        .create(
            "/resources",
            &json!({ "kind": "equipment", "code": "PROJ-1", "name": "Projector", "quantity": 2 }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let r = api
        .post("/feeds", &json!({ "kind": "room", "target_id": projector }))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);

    // A learner may not create, list or revoke feeds.
    let learner = t.api_as(Role::Learner, None).await;
    let r = learner
        .post("/feeds", &json!({ "kind": "venue", "target_id": venue }))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(
        learner
            .get(&format!("/feeds?kind=venue&target_id={venue}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let live = api
        .create("/feeds", &json!({ "kind": "venue", "target_id": venue }))
        .await;
    assert_eq!(
        learner
            .delete(&format!("/feeds/{}", live["id"]))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let (status, _, _) = fetch(live["url"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "still live");

    // An instructor: their own schedule only.
    let anna = api
        .create(
            "/instructors",
            &instructor_body("Anna Berg", "anna@example.com"),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let ben = api
        .create(
            "/instructors",
            &instructor_body("Ben Ng", "ben@example.com"),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let teacher = instructor_api(t, anna).await;
    let own = teacher
        .post(
            "/feeds",
            &json!({ "kind": "instructor", "target_id": anna }),
        )
        .await;
    assert_eq!(own.status, StatusCode::CREATED, "{}", own.body);
    for body in [
        json!({ "kind": "instructor", "target_id": ben }),
        json!({ "kind": "venue", "target_id": venue }),
    ] {
        let r = teacher.post("/feeds", &body).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{body}: {}", r.body);
    }
    // Staff's feed of Ben cannot be revoked by Anna: as far as she knows, it does not exist.
    let bens = api
        .create("/feeds", &json!({ "kind": "instructor", "target_id": ben }))
        .await;
    assert_eq!(
        teacher
            .delete(&format!("/feeds/{}", bens["id"]))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // A client contact: their own client only.
    let client = |code: &str| json!({ "code": code, "name": format!("Client {code}"), "billing_email": format!("ap@{}.example", code.to_lowercase()), "currency": "EUR", "time_zone": "Europe/Berlin" });
    let acme = api.create("/clients", &client("ACME")).await["id"]
        .as_i64()
        .unwrap();
    let globex = api.create("/clients", &client("GLOBEX")).await["id"]
        .as_i64()
        .unwrap();
    let contact = t.api_as(Role::ClientContact, Some(acme)).await;
    let r = contact
        .post("/feeds", &json!({ "kind": "client", "target_id": acme }))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let acme_url = r.body["url"].as_str().unwrap().to_owned();
    let r = contact
        .post("/feeds", &json!({ "kind": "client", "target_id": globex }))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let (status, _, ics) = fetch(&acme_url).await;
    assert_eq!(status, StatusCode::OK);
    assert!(unfolded(&ics).contains(&"X-WR-CALNAME:Trainyard — Client ACME".to_owned()));

    // The OpenAPI document describes the endpoints.
    let doc: Value = reqwest::get(t.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/feeds"]["post"].is_object());
    assert!(doc["paths"]["/feeds"]["get"].is_object());
    assert!(doc["paths"]["/feeds/{id}"]["delete"].is_object());
}

async fn feed_page_creates_shows_and_revokes(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let venue = api
        .create("/venues", &venue_body("MUC", "Europe/Berlin"))
        .await["id"]
        .as_i64()
        .unwrap();
    let b = t.browser_as(Role::Coordinator, None).await;
    let (status, html) = b.get(&format!("/venues/{venue}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!("href=\"/feeds/venue/{venue}\"")),
        "the venue page links to its feeds"
    );
    let (status, html) = b.get(&format!("/feeds/venue/{venue}")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Calendar feeds") && html.contains("No feeds yet"));

    // Without the CSRF token nothing is created.
    let (status, _) = b.post_form(&format!("/feeds/venue/{venue}"), &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let csrf = b.csrf().await;
    let (status, html) = b
        .post_form(
            &format!("/feeds/venue/{venue}"),
            &[("_csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let marker = "id=\"feed-url\" class=\"copy\" type=\"text\" readonly value=\"";
    let start = html.find(marker).expect("the new feed's address") + marker.len();
    let url = html[start..start + html[start..].find('"').unwrap()].to_owned();
    assert!(
        url.starts_with(&t.url("/feeds/")) && url.ends_with(".ics"),
        "{url}"
    );
    assert!(html.contains(&url.replacen("http://", "webcal://", 1)));
    assert!(
        html.contains("Google Calendar")
            && html.contains("Outlook")
            && html.contains("Apple Calendar")
    );
    let (status, ct, _) = fetch(&url).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ct, "text/calendar; charset=utf-8");

    // The page shows the feed (never its address again) with a revoke button.
    let (_, html) = b.get(&format!("/feeds/venue/{venue}")).await;
    assert!(!html.contains(&url));
    let feeds = api
        .get(&format!("/feeds?kind=venue&target_id={venue}"))
        .await
        .body;
    let id = feeds[0]["id"].as_i64().unwrap();
    assert!(html.contains(&format!("action=\"/feeds/{id}/revoke\"")));
    let (status, html) = b
        .post_form(&format!("/feeds/{id}/revoke"), &[("_csrf", csrf.as_str())])
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Revoked"), "{html}");
    let (status, _, _) = fetch(&url).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A learner gets no feed page.
    let learner = t.browser_as(Role::Learner, None).await;
    let (status, _) = learner.get(&format!("/feeds/venue/{venue}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

mod formatting {
    use trainyard_app::Caller;
    use trainyard_app::feeds::*;
    use trainyard_core::Role;
    use trainyard_store::feeds::FeedPart;

    fn part() -> FeedPart {
        FeedPart {
            part_id: 7,
            session_id: 3,
            position: 2,
            scheduled_parts: 2,
            all_parts: 2,
            starts_at: 1_774_854_000_000, // 2026-03-30T07:00:00Z
            ends_at: 1_774_882_800_000,   // 2026-03-30T15:00:00Z
            part_status: "scheduled".into(),
            sequence: 4,
            reference: "S-00003".into(),
            session_status: "confirmed".into(),
            session_title: None,
            delivery_mode: "ilt".into(),
            updated_at: 1_774_000_000_000,
            course_code: "XL-ADV".into(),
            course_title: "Excel Advanced".into(),
            venue_name: Some("Haus am See".into()),
            venue_city: Some("Berlin".into()),
            firm: true,
        }
    }

    /// Undoes line folding, then splits into content lines; checks CRLF and the 75-octet limit.
    fn lines(text: &str) -> Vec<String> {
        assert!(text.ends_with("\r\n"));
        for raw in text.split("\r\n") {
            assert!(raw.len() <= 75, "line longer than 75 octets: {raw:?}");
            assert!(
                !raw.contains('\n') && !raw.contains('\r'),
                "bare newline in {raw:?}"
            );
        }
        text.replace("\r\n ", "")
            .split("\r\n")
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn a_part_becomes_an_event_with_a_stable_uid_and_utc_times() {
        let e = event_of_part(
            &part(),
            FeedKind::Instructor,
            11,
            1_774_000_000_000,
            Some("https://ty.example/"),
        );
        assert_eq!(e.uid, "part-7-instructor-11@trainyard");
        assert_eq!(e.state, EventState::Confirmed);
        assert_eq!(e.summary, "XL-ADV Excel Advanced (part 2/2)");
        assert_eq!(e.location.as_deref(), Some("Haus am See, Berlin"));
        assert_eq!(e.url.as_deref(), Some("https://ty.example/sessions/3"));
        let text = calendar_text("Trainyard — Anna Berg", "desc", &[e]);
        let l = lines(&text);
        for expected in [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Trainyard//Trainyard//EN",
            "METHOD:PUBLISH",
            "CALSCALE:GREGORIAN",
            "X-WR-CALNAME:Trainyard — Anna Berg",
            "BEGIN:VEVENT",
            "UID:part-7-instructor-11@trainyard",
            "SEQUENCE:4",
            "STATUS:CONFIRMED",
            "DTSTART:20260330T070000Z",
            "DTEND:20260330T150000Z",
            "SUMMARY:XL-ADV Excel Advanced (part 2/2)",
            "LOCATION:Haus am See\\, Berlin",
            "END:VEVENT",
            "END:VCALENDAR",
        ] {
            assert!(l.iter().any(|x| x == expected), "{expected} in\n{text}");
        }
        assert!(
            l.iter()
                .any(|x| x.starts_with("DTSTAMP:") && x.ends_with('Z'))
        );
        assert_eq!(l.first().unwrap(), "BEGIN:VCALENDAR");
        assert_eq!(l.last().unwrap(), "END:VCALENDAR");
    }

    #[test]
    fn cancelled_parts_and_sessions_are_cancelled_events() {
        let mut p = part();
        p.part_status = "cancelled".into();
        let e = event_of_part(&p, FeedKind::Venue, 1, 0, None);
        assert_eq!(e.state, EventState::Cancelled);
        assert!(e.summary.starts_with("Cancelled: "));
        let mut p = part();
        p.session_status = "cancelled".into();
        p.part_status = "cancelled".into();
        p.scheduled_parts = 0;
        let e = event_of_part(&p, FeedKind::Venue, 1, 0, None);
        assert_eq!(e.state, EventState::Cancelled);
        assert_eq!(e.summary, "Cancelled: XL-ADV Excel Advanced (part 2/2)");
        let text = calendar_text("x", "y", &[e]);
        assert!(lines(&text).iter().any(|l| l == "STATUS:CANCELLED"));
        assert!(lines(&text).iter().any(|l| l == "TRANSP:TRANSPARENT"));
    }

    #[test]
    fn unconfirmed_sessions_and_assignments_are_tentative() {
        let mut p = part();
        p.session_status = "scheduled".into();
        assert_eq!(
            event_of_part(&p, FeedKind::Client, 1, 0, None).state,
            EventState::Tentative
        );
        let mut p = part();
        p.firm = false;
        assert_eq!(
            event_of_part(&p, FeedKind::Instructor, 1, 0, None).state,
            EventState::Tentative
        );
        let mut p = part();
        p.scheduled_parts = 1;
        p.all_parts = 1;
        p.position = 1;
        p.venue_name = None;
        p.delivery_mode = "vilt".into();
        let e = event_of_part(&p, FeedKind::Client, 1, 0, None);
        assert_eq!(e.summary, "XL-ADV Excel Advanced");
        assert_eq!(e.location.as_deref(), Some("Online"));
        assert_eq!(e.url, None);
        assert!(e.description.contains("Details: /sessions/3"));
    }

    #[test]
    fn text_is_escaped_folded_and_free_of_controls() {
        let mut p = part();
        p.session_title = Some(
            "Führung, Teil 1; Grundlagen \\ Praxis\r\nZeile zwei\u{7} — ein sehr langer Titel, der gefaltet werden muss 🚆🚆🚆"
                .into(),
        );
        let e = event_of_part(&p, FeedKind::Room, 2, 0, None);
        let text = calendar_text("Trainyard — Raum 1, Etage 2; Nord", "d", &[e]);
        let l = lines(&text);
        let summary = l.iter().find(|x| x.starts_with("SUMMARY:")).unwrap();
        assert!(
            summary.starts_with(
                "SUMMARY:XL-ADV Führung\\, Teil 1\\; Grundlagen \\\\ Praxis\\nZeile zwei — ein"
            ),
            "{summary}"
        );
        assert!(summary.ends_with("🚆🚆🚆 (part 2/2)"), "{summary}");
        assert!(!text.contains('\u{7}'));
        assert!(
            l.iter()
                .any(|x| x == "X-WR-CALNAME:Trainyard — Raum 1\\, Etage 2\\; Nord")
        );
        // Folding never splits a UTF-8 character: every physical line is valid on its own.
        for raw in text.split("\r\n") {
            assert!(std::str::from_utf8(raw.as_bytes()).is_ok());
        }
        assert!(text.contains("\r\n "), "a long line was folded");
    }

    #[test]
    fn staff_manage_any_feed_others_only_their_own() {
        let mut c = Caller::system();
        assert!(may_manage(&c, FeedKind::Room, 5));
        c.role = Role::Instructor;
        c.instructor_id = Some(4);
        assert!(may_manage(&c, FeedKind::Instructor, 4));
        assert!(!may_manage(&c, FeedKind::Instructor, 5));
        assert!(!may_manage(&c, FeedKind::Venue, 4));
        c.role = Role::ClientContact;
        c.instructor_id = None;
        c.client_id = Some(9);
        assert!(may_manage(&c, FeedKind::Client, 9));
        assert!(!may_manage(&c, FeedKind::Client, 8));
        c.role = Role::Learner;
        assert!(!may_manage(&c, FeedKind::Client, 9));
        assert!(!may_have_feeds(&c));
    }
}
