//! Recurring programmes over HTTP on both databases: a session cloned along an RRULE, DST-correct,
//! previewed with conflicts, created in one transaction, refused as a whole when it must be.

use crate::common::{Api, TestApp, course_body, venue_body};
use reqwest::StatusCode;
use serde_json::{Value, json};
use trainyard_core::Role;

both_backends!(
    weekly_series_keeps_local_time_across_dst_reports_conflicts_and_creates,
    refusals_create_nothing,
    a_part_in_the_dst_gap_blocks_the_series_until_that_date_is_skipped,
    monthly_by_position_structured_fields_and_exceptions,
    the_repeat_page_previews_and_creates,
    a_friday_and_monday_session_repeats_on_tuesdays_and_thursdays,
    the_preview_flags_rooms_not_the_venue,
    rule_edge_cases_over_http,
    the_preview_flags_closure_days_by_name,
);

async fn course(api: &Api, code: &str) -> i64 {
    api.create("/courses", &course_body(code)).await["id"]
        .as_i64()
        .unwrap()
}

async fn venue(api: &Api, code: &str) -> i64 {
    api.create("/venues", &venue_body(code, "Europe/Berlin"))
        .await["id"]
        .as_i64()
        .unwrap()
}

/// A session in Berlin with `parts` as local (start, end); at `venue`, or virtual without one.
async fn session(api: &Api, course: i64, venue: Option<i64>, parts: &[(&str, &str)]) -> Value {
    let mut body = json!({
        "course_id": course, "visibility": "public", "delivery_mode": if venue.is_some() { "ilt" } else { "vilt" },
        "capacity": 12, "time_zone": "Europe/Berlin", "seat_price": { "amount": "490", "currency": "EUR" }, "notes": "Bring a laptop",
        "parts": parts.iter().map(|(s, e)| json!({ "starts": s, "ends": e })).collect::<Vec<_>>()
    });
    if let Some(v) = venue {
        body["venue_id"] = json!(v);
    }
    api.create("/sessions", &body).await
}

fn part_times(preview: &Value, key: &str) -> Vec<Vec<String>> {
    preview["occurrences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            o["parts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p[key].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .collect()
}

fn dates(preview: &Value) -> Vec<String> {
    preview["occurrences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["date"].as_str().unwrap().to_owned())
        .collect()
}

/// A room at `venue`.
async fn room(api: &Api, venue: i64, code: &str) -> i64 {
    api.create(
        "/resources",
        &json!({ "kind": "room", "code": code, "name": code, "venue_id": venue, "seats": 12, "features": [] }),
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

/// Books `room` for every part of `session` (tentatively: a hold the preview must still respect).
async fn book(api: &Api, session: i64, room: i64) {
    let r = api
        .post(
            &format!("/sessions/{session}/bookings"),
            &json!({ "resource_id": room }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

fn conflicts_of(preview: &Value) -> Vec<Vec<String>> {
    preview["occurrences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            o["conflicts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_owned())
                .collect()
        })
        .collect()
}

async fn sessions_of(api: &Api, course: i64) -> i64 {
    api.get(&format!("/sessions?course_id={course}")).await.body["total"]
        .as_i64()
        .unwrap()
}

async fn weekly_series_keeps_local_time_across_dst_reports_conflicts_and_creates(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let mut rpt_body = course_body("RPT");
    rpt_body["required_skill"] = json!("excel");
    let rpt = api.create("/courses", &rpt_body).await["id"]
        .as_i64()
        .unwrap();
    let other = course(&api, "OTHER").await;
    let ber = venue(&api, "BER").await;
    // Monday and Tuesday, 09:00–17:00 Berlin time, two weeks before the spring DST change.
    let src = session(
        &api,
        rpt,
        Some(ber),
        &[
            ("2026-03-16T09:00", "2026-03-16T17:00"),
            ("2026-03-17T09:00", "2026-03-17T17:00"),
        ],
    )
    .await;
    let id = src["id"].as_i64().unwrap();
    // Rooms, not the venue, are what clash: the source holds the room SPREE.
    let spree = room(&api, ber, "SPREE").await;
    book(&api, id, spree).await;
    let rule = json!({ "rrule": "FREQ=WEEKLY;COUNT=4" });

    let r = api
        .post(&format!("/sessions/{id}/recurrence/preview"), &rule)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let p = r.body;
    assert_eq!(p["rrule"], "FREQ=WEEKLY;COUNT=4");
    assert_eq!(p["occurrences"].as_array().unwrap().len(), 4);
    // 09:00 local throughout: 08:00 UTC before 29 March, 07:00 UTC after.
    assert_eq!(
        part_times(&p, "starts_at"),
        vec![
            vec!["2026-03-16T08:00:00Z", "2026-03-17T08:00:00Z"],
            vec!["2026-03-23T08:00:00Z", "2026-03-24T08:00:00Z"],
            vec!["2026-03-30T07:00:00Z", "2026-03-31T07:00:00Z"],
            vec!["2026-04-06T07:00:00Z", "2026-04-07T07:00:00Z"],
        ]
    );
    assert_eq!(
        part_times(&p, "ends_at"),
        vec![
            vec!["2026-03-16T16:00:00Z", "2026-03-17T16:00:00Z"],
            vec!["2026-03-23T16:00:00Z", "2026-03-24T16:00:00Z"],
            vec!["2026-03-30T15:00:00Z", "2026-03-31T15:00:00Z"],
            vec!["2026-04-06T15:00:00Z", "2026-04-07T15:00:00Z"],
        ]
    );
    assert!(
        part_times(&p, "local_starts")
            .iter()
            .flatten()
            .all(|l| l.ends_with("T09:00"))
    );
    let dst: Vec<bool> = p["occurrences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["dst_change"].as_bool().unwrap())
        .collect();
    assert_eq!(dst, vec![false, false, true, true]);
    assert_eq!(p["occurrences"][0]["is_source"], true);
    assert_eq!(p["occurrences"][2]["utc_offset"], "+02:00");
    assert_eq!(p["to_create"], 3);
    assert_eq!(p["creatable"], true);
    assert!(
        p["occurrences"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["conflicts"].as_array().unwrap().is_empty()),
        "{p}"
    );
    assert_eq!(sessions_of(&api, rpt).await, 1, "a preview changes nothing");

    // Another session at the same venue, overlapping the second week's Tuesday.
    let clash = session(
        &api,
        other,
        Some(ber),
        &[("2026-03-24T10:00", "2026-03-24T12:00")],
    )
    .await;
    let clash_ref = clash["reference"].as_str().unwrap().to_owned();
    book(&api, clash["id"].as_i64().unwrap(), spree).await;
    // The source's confirmed instructor teaches elsewhere on the third week's Tuesday.
    let anna = api
        .create("/instructors", &json!({
            "name": "Anna Berg", "email": "anna@example.com", "employment_type": "staff",
            "time_zone": "Europe/Berlin", "currency": "EUR", "max_days_week": 5, "max_days_month": 20, "skills": ["excel"]
        }))
        .await["id"]
        .as_i64()
        .unwrap();
    let (a, v) = accepted(&api, id, anna).await;
    let r = api
        .post(
            &format!("/assignments/{a}/actions"),
            &json!({ "event": "confirm", "version": v }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "confirm: {}", r.body);
    // Qualified for the other course too: proposing and requesting judge what confirming does.
    api.create(
        &format!("/instructors/{anna}/qualifications"),
        &json!({ "course_id": other, "valid_from": "2026-01-01" }),
    )
    .await;
    let online = session(
        &api,
        other,
        None,
        &[("2026-03-31T13:00", "2026-03-31T15:00")],
    )
    .await;
    let online_ref = online["reference"].as_str().unwrap().to_owned();
    accepted(&api, online["id"].as_i64().unwrap(), anna).await;

    let p = api
        .post(&format!("/sessions/{id}/recurrence/preview"), &rule)
        .await
        .body;
    let conflicts: Vec<Vec<String>> = p["occurrences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            o["conflicts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_owned())
                .collect()
        })
        .collect();
    assert!(
        conflicts[0].is_empty() && conflicts[3].is_empty(),
        "{conflicts:?}"
    );
    assert_eq!(conflicts[1].len(), 1, "{conflicts:?}");
    assert!(
        conflicts[1][0].starts_with(&format!("Venue Venue BER already has {clash_ref} ")),
        "{conflicts:?}"
    );
    assert!(
        conflicts[1][0].ends_with("2026-03-24 10:00–12:00"),
        "{conflicts:?}"
    );
    assert_eq!(conflicts[2].len(), 1, "{conflicts:?}");
    assert!(
        conflicts[2][0].starts_with(&format!("Anna Berg is teaching {online_ref} ")),
        "{conflicts:?}"
    );
    assert!(
        conflicts[2][0].contains("2026-03-31 13:00–15:00"),
        "{conflicts:?}"
    );
    assert_eq!(
        p["creatable"], true,
        "conflicts warn; they do not block drafts"
    );

    // Create: three new drafts, the source being the first of the series.
    let r = api.post(&format!("/sessions/{id}/recurrence"), &rule).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let created = r.body.as_array().unwrap().clone();
    assert_eq!(created.len(), 3);
    let starts: Vec<&str> = created
        .iter()
        .map(|s| s["starts_at"].as_str().unwrap())
        .collect();
    assert_eq!(
        starts,
        vec![
            "2026-03-23T08:00:00Z",
            "2026-03-30T07:00:00Z",
            "2026-04-06T07:00:00Z"
        ]
    );
    for s in &created {
        assert_eq!(s["status"], "draft");
        assert_eq!(s["course_id"], rpt);
        assert_eq!(s["venue_id"], ber);
        assert_eq!(s["capacity"], 12);
        assert_eq!(s["time_zone"], "Europe/Berlin");
        assert_eq!(
            s["seat_price"],
            json!({ "amount": "490.00", "currency": "EUR" })
        );
        assert_eq!(s["notes"], "Bring a laptop");
        assert_ne!(s["id"], id);
    }
    assert_eq!(sessions_of(&api, rpt).await, 4);
    let third = created[1]["id"].as_i64().unwrap();
    let d = api.get(&format!("/sessions/{third}")).await.body;
    let parts: Vec<(&str, &str)> = d["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["starts_at"].as_str().unwrap(),
                p["ends_at"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        parts,
        vec![
            ("2026-03-30T07:00:00Z", "2026-03-30T15:00:00Z"),
            ("2026-03-31T07:00:00Z", "2026-03-31T15:00:00Z")
        ]
    );
    let h = api.get(&format!("/history/session/{third}")).await.body;
    assert_eq!(h[0]["action"], "session.created");
    assert_eq!(h[0]["after"]["cloned_from"], id);
    assert_eq!(h[0]["after"]["recurrence"], "FREQ=WEEKLY;COUNT=4");
    assert!(
        trainyard_app::history::verify(&t.app, &t.system())
            .await
            .unwrap()
            > 0
    );
}

/// Proposes, requests and accepts; returns the assignment id and version, ready to confirm.
async fn accepted(api: &Api, session: i64, instructor: i64) -> (i64, i64) {
    let a = api
        .create(
            &format!("/sessions/{session}/assignments"),
            &json!({ "instructor_id": instructor }),
        )
        .await;
    let id = a["id"].as_i64().unwrap();
    let mut v = a["version"].as_i64().unwrap();
    for event in ["request", "accept"] {
        let r = api
            .post(
                &format!("/assignments/{id}/actions"),
                &json!({ "event": event, "version": v }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{event}: {}", r.body);
        v = r.body["version"].as_i64().unwrap();
    }
    (id, v)
}

async fn refusals_create_nothing(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let c = course(&api, "REF").await;
    let v = venue(&api, "BER").await;
    let src = session(
        &api,
        c,
        Some(v),
        &[("2026-03-16T09:00", "2026-03-16T17:00")],
    )
    .await;
    let id = src["id"].as_i64().unwrap();
    let cases = [
        (
            json!({ "rrule": "FREQ=WEEKLY;BYDAY=MO" }),
            "never ends: give a COUNT or an UNTIL date",
        ),
        (
            json!({ "rrule": "FREQ=WEEKLY;COUNT=501" }),
            "expands to more than 500 sessions",
        ),
        (
            json!({ "rrule": "FREQ=DAILY;UNTIL=20301231" }),
            "expands to more than 500 sessions",
        ),
        (
            json!({ "rrule": "FREQ=WEEKLY;BYDAY=XX;COUNT=3" }),
            "'XX' is not a weekday",
        ),
        (
            json!({ "rrule": "FREQ=FORTNIGHTLY;COUNT=3" }),
            "'FORTNIGHTLY' is not a frequency",
        ),
        (
            json!({ "rrule": "FREQ=WEEKLY;COUNT=3;COLOUR=BLUE" }),
            "unknown part 'COLOUR'",
        ),
        (
            json!({ "rrule": "FREQ=WEEKLY;COUNT=3", "exceptions": ["2026-02-30"] }),
            "'2026-02-30' is not a date",
        ),
    ];
    for (body, message) in &cases {
        for path in [
            format!("/sessions/{id}/recurrence/preview"),
            format!("/sessions/{id}/recurrence"),
        ] {
            let r = api.post(&path, body).await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{path} {body}: {}",
                r.body
            );
            assert_eq!(r.headers["content-type"], "application/problem+json");
            let messages: Vec<&str> = r.body["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["message"].as_str().unwrap())
                .collect();
            assert!(
                messages.iter().any(|m| m.contains(message)),
                "{body}: {messages:?}"
            );
        }
    }
    assert_eq!(sessions_of(&api, c).await, 1, "no refusal created anything");
    // Unknown sessions are 404; roles without operations rights are refused.
    let r = api
        .post(
            "/sessions/999999/recurrence/preview",
            &json!({ "rrule": "FREQ=WEEKLY;COUNT=2" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let finance = t.api_as(Role::Finance, None).await;
    let r = finance
        .post(
            &format!("/sessions/{id}/recurrence"),
            &json!({ "rrule": "FREQ=WEEKLY;COUNT=2" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(sessions_of(&api, c).await, 1);
    // Both endpoints are in the OpenAPI document.
    let doc = api.get("/openapi.json").await.body;
    assert!(doc["paths"]["/sessions/{id}/recurrence/preview"]["post"].is_object());
    assert!(doc["paths"]["/sessions/{id}/recurrence"]["post"]["responses"]["201"].is_object());
}

async fn a_part_in_the_dst_gap_blocks_the_series_until_that_date_is_skipped(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let c = course(&api, "NIGHT").await;
    // A Sunday night shift at 02:30: on 29 March 2026, 02:30 does not exist in Berlin.
    let src = session(&api, c, None, &[("2026-03-22T02:30", "2026-03-22T05:00")]).await;
    let id = src["id"].as_i64().unwrap();
    let rule = json!({ "rrule": "FREQ=WEEKLY;COUNT=3" });
    let p = api
        .post(&format!("/sessions/{id}/recurrence/preview"), &rule)
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    let p = p.body;
    assert_eq!(p["creatable"], false);
    assert_eq!(p["occurrences"][1]["date"], "2026-03-29");
    assert_eq!(p["occurrences"][1]["parts"][0]["starts_at"], Value::Null);
    let problem = p["occurrences"][1]["problems"][0].as_str().unwrap();
    assert!(
        problem.contains("does not exist in Europe/Berlin"),
        "{problem}"
    );
    assert!(
        problem.contains("Add 2026-03-29 to the exceptions"),
        "{problem}"
    );
    assert!(
        p["occurrences"][2]["problems"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // The whole series is refused: not even the valid third week is created.
    let r = api.post(&format!("/sessions/{id}/recurrence"), &rule).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "exceptions");
    assert_eq!(sessions_of(&api, c).await, 1);

    // Skipping the date makes it creatable; the skipped date still counts toward COUNT.
    let rule = json!({ "rrule": "FREQ=WEEKLY;COUNT=3", "exceptions": ["2026-03-29"] });
    let p = api
        .post(&format!("/sessions/{id}/recurrence/preview"), &rule)
        .await
        .body;
    assert_eq!(p["creatable"], true);
    assert_eq!(dates(&p), vec!["2026-03-22", "2026-04-05"]);
    assert_eq!(p["skipped"], json!(["2026-03-29"]));
    let r = api.post(&format!("/sessions/{id}/recurrence"), &rule).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body[0]["starts_at"], "2026-04-05T00:30:00Z");
    assert_eq!(sessions_of(&api, c).await, 2);
}

async fn monthly_by_position_structured_fields_and_exceptions(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let c = course(&api, "MON").await;
    let v = venue(&api, "BER").await;
    // The 2nd Monday of March 2026.
    let src = session(
        &api,
        c,
        Some(v),
        &[("2026-03-09T09:00", "2026-03-09T12:30")],
    )
    .await;
    let id = src["id"].as_i64().unwrap();
    let preview = |body: Value| {
        let api = &api;
        async move {
            let r = api
                .post(&format!("/sessions/{id}/recurrence/preview"), &body)
                .await;
            assert_eq!(r.status, StatusCode::OK, "{body}: {}", r.body);
            r.body
        }
    };

    let p = preview(json!({ "rrule": "FREQ=MONTHLY;BYDAY=2MO;COUNT=3" })).await;
    assert_eq!(dates(&p), vec!["2026-03-09", "2026-04-13", "2026-05-11"]);
    assert_eq!(
        part_times(&p, "starts_at"),
        vec![
            vec!["2026-03-09T08:00:00Z"],
            vec!["2026-04-13T07:00:00Z"],
            vec!["2026-05-11T07:00:00Z"]
        ]
    );
    assert_eq!(
        p["description"],
        "every month on the 2nd Monday, 3 sessions in all"
    );
    // UNTIL is inclusive.
    let p = preview(json!({ "rrule": "RRULE:FREQ=MONTHLY;BYDAY=2MO;UNTIL=20260608" })).await;
    assert_eq!(
        dates(&p),
        vec!["2026-03-09", "2026-04-13", "2026-05-11", "2026-06-08"]
    );
    // The same rule from structured fields, with an exception typed as one comma-separated string.
    let p = preview(json!({
        "freq": "monthly", "month_nth": "2", "month_weekday": "MO", "count": 3, "exceptions": "2026-04-13"
    }))
    .await;
    assert_eq!(p["rrule"], "FREQ=MONTHLY;BYDAY=2MO;COUNT=3");
    assert_eq!(dates(&p), vec!["2026-03-09", "2026-05-11"]);
    assert_eq!(p["skipped"], json!(["2026-04-13"]));
    // Weekly with an exception: the date is skipped, and an unused exception is noted.
    let p = preview(json!({
        "rrule": "FREQ=WEEKLY;COUNT=4", "exceptions": ["2026-03-23", "2026-03-24"]
    }))
    .await;
    assert_eq!(dates(&p), vec!["2026-03-09", "2026-03-16", "2026-03-30"]);
    assert_eq!(p["unused_exceptions"], json!(["2026-03-24"]));
    assert!(p["notes"].as_array().unwrap().iter().any(|n| {
        n.as_str()
            .unwrap()
            .contains("2026-03-24 matches no session")
    }));
    // Weekly on two days.
    let p = preview(json!({ "freq": "weekly", "byday": ["MO", "WE"], "count": "4" })).await;
    assert_eq!(
        dates(&p),
        vec!["2026-03-09", "2026-03-11", "2026-03-16", "2026-03-18"]
    );

    let r = api
        .post(
            &format!("/sessions/{id}/recurrence"),
            &json!({ "rrule": "FREQ=MONTHLY;BYDAY=2MO;COUNT=3" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let starts: Vec<&str> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["starts_at"].as_str().unwrap())
        .collect();
    assert_eq!(starts, vec!["2026-04-13T07:00:00Z", "2026-05-11T07:00:00Z"]);
    assert_eq!(sessions_of(&api, c).await, 3);
}

async fn the_repeat_page_previews_and_creates(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let c = course(&api, "UI").await;
    let v = venue(&api, "BER").await;
    let src = session(
        &api,
        c,
        Some(v),
        &[("2026-03-23T09:00", "2026-03-23T17:00")],
    )
    .await;
    let id = src["id"].as_i64().unwrap();
    let b = t.browser_as(Role::Coordinator, None).await;
    let (status, html) = b.get(&format!("/sessions/{id}/repeat")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains(&format!("Repeat {}", src["reference"].as_str().unwrap())));
    assert!(
        html.contains(r#"name="byday" value="MO" checked"#),
        "the session's weekday is preselected"
    );
    let csrf = b.csrf().await;
    let form = |count: &'static str| {
        vec![
            ("_csrf", csrf.clone()),
            ("freq", "weekly".to_owned()),
            ("interval", "1".to_owned()),
            ("byday", "MO".to_owned()),
            ("month_nth", "4".to_owned()),
            ("month_weekday", "MO".to_owned()),
            ("count", count.to_owned()),
            ("until", String::new()),
            ("exceptions", String::new()),
            ("rrule", String::new()),
        ]
    };
    let post = |path: String, fields: Vec<(&'static str, String)>| {
        let b = &b;
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            b.post_form(&path, &pairs).await
        }
    };
    let (status, html) = post(format!("/sessions/{id}/repeat/preview"), form("3")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Create 2 sessions"), "{html}");
    assert!(
        html.contains("2026-03-30T07:00:00Z"),
        "UTC shown beside local time"
    );
    assert!(html.contains(">DST</span>"), "the DST change is marked");
    assert!(html.contains("Mon 2026-03-30 09:00–17:00 CEST"), "{html}");
    assert_eq!(sessions_of(&api, c).await, 1);

    let (status, html) = post(format!("/sessions/{id}/repeat/preview"), form("")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("never ends: give a COUNT or an UNTIL date"),
        "{html}"
    );

    let (status, html) = post(format!("/sessions/{id}/repeat"), form("3")).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "redirected to the session list: {html}"
    );
    assert!(html.contains("2 sessions created as drafts"), "{html}");
    assert_eq!(sessions_of(&api, c).await, 3);
}

async fn a_friday_and_monday_session_repeats_on_tuesdays_and_thursdays(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let c = course(&api, "TWO").await;
    let v = venue(&api, "BER").await;
    // Friday 6 and Monday 9 March: each occurrence spans the next one's first day, but no two
    // parts meet.
    let src = session(
        &api,
        c,
        Some(v),
        &[
            ("2026-03-06T09:00", "2026-03-06T17:00"),
            ("2026-03-09T09:00", "2026-03-09T17:00"),
        ],
    )
    .await;
    let id = src["id"].as_i64().unwrap();
    let rule = json!({ "rrule": "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=4" });
    let r = api
        .post(&format!("/sessions/{id}/recurrence/preview"), &rule)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        part_times(&r.body, "local_starts"),
        vec![
            vec!["2026-03-06T09:00", "2026-03-09T09:00"],
            vec!["2026-03-10T09:00", "2026-03-13T09:00"],
            vec!["2026-03-12T09:00", "2026-03-15T09:00"],
            vec!["2026-03-17T09:00", "2026-03-20T09:00"],
        ]
    );
    assert_eq!(r.body["creatable"], true);
    let r = api.post(&format!("/sessions/{id}/recurrence"), &rule).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body.as_array().unwrap().len(), 3);
    assert_eq!(sessions_of(&api, c).await, 4);
    // Parts that do meet are still refused, naming them.
    let r = api
        .post(
            &format!("/sessions/{id}/recurrence/preview"),
            &json!({ "rrule": "FREQ=WEEKLY;BYDAY=MO;COUNT=3" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let message = r.body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("the sessions would overlap"), "{message}");
    assert!(
        message.contains("part 2 of the one starting 2026-03-06"),
        "{message}"
    );
}

async fn the_preview_flags_rooms_not_the_venue(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let c = course(&api, "ROOMS").await;
    let other = course(&api, "OTHER").await;
    let v = venue(&api, "BER").await;
    let mut rooms = Vec::new();
    for code in ["SPREE", "HAVEL", "ELBE", "ODER"] {
        rooms.push(room(&api, v, code).await);
    }
    let src = session(
        &api,
        c,
        Some(v),
        &[("2026-03-16T09:00", "2026-03-16T17:00")],
    )
    .await;
    let id = src["id"].as_i64().unwrap();
    let rule = json!({ "rrule": "FREQ=WEEKLY;COUNT=4" });
    // Without a booked room nothing at the venue is a conflict, and the preview says why.
    let busy = session(
        &api,
        other,
        Some(v),
        &[("2026-03-23T10:00", "2026-03-23T12:00")],
    )
    .await;
    let p = api
        .post(&format!("/sessions/{id}/recurrence/preview"), &rule)
        .await
        .body;
    assert!(conflicts_of(&p).iter().all(Vec::is_empty), "{p}");
    assert!(
        p["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().starts_with("No room is booked for")),
        "{p}"
    );

    // The source holds SPREE; the other session at the venue holds HAVEL at the same time: the
    // venue has room for both.
    book(&api, id, rooms[0]).await;
    book(&api, busy["id"].as_i64().unwrap(), rooms[1]).await;
    let p = api
        .post(&format!("/sessions/{id}/recurrence/preview"), &rule)
        .await
        .body;
    assert!(conflicts_of(&p).iter().all(Vec::is_empty), "{p}");
    assert!(
        !p["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().starts_with("No room is booked for")),
        "{p}"
    );

    // A session holding SPREE in the third week is flagged, naming the room.
    let taken = session(
        &api,
        other,
        Some(v),
        &[("2026-03-30T13:00", "2026-03-30T15:00")],
    )
    .await;
    book(&api, taken["id"].as_i64().unwrap(), rooms[0]).await;
    let p = api
        .post(&format!("/sessions/{id}/recurrence/preview"), &rule)
        .await
        .body;
    let conflicts = conflicts_of(&p);
    assert!(
        conflicts[0].is_empty() && conflicts[1].is_empty() && conflicts[3].is_empty(),
        "{conflicts:?}"
    );
    assert_eq!(conflicts[2].len(), 1, "{conflicts:?}");
    assert!(
        conflicts[2][0].starts_with(&format!(
            "Venue Venue BER already has {} ",
            taken["reference"].as_str().unwrap()
        )),
        "{conflicts:?}"
    );
    assert!(
        conflicts[2][0].ends_with(" in room SPREE 2026-03-30 13:00–15:00"),
        "{conflicts:?}"
    );
    assert_eq!(
        p["creatable"], true,
        "conflicts warn; they do not block drafts"
    );
}

async fn rule_edge_cases_over_http(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let c = course(&api, "EDGE").await;
    let src = session(&api, c, None, &[("2026-02-13T09:00", "2026-02-13T12:00")]).await;
    let id = src["id"].as_i64().unwrap();
    let preview = |body: Value| {
        let api = &api;
        async move {
            api.post(&format!("/sessions/{id}/recurrence/preview"), &body)
                .await
        }
    };
    // A COUNT the rule cannot reach before 2100 is refused, never cut short.
    let r = preview(json!({ "rrule": "FREQ=DAILY;BYDAY=FR;BYMONTHDAY=13;COUNT=480" })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let message = r.body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("COUNT=480 reaches past the end of 2099: only "),
        "{message}"
    );
    // Nothing past 2099, and no year that is not valid RFC 3339.
    let r = preview(json!({ "rrule": "FREQ=YEARLY;UNTIL=21000213" })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("UNTIL 2100-02-13 is past the end of 2099"),
        "{}",
        r.body
    );
    let r = preview(json!({ "rrule": "FREQ=YEARLY;UNTIL=20991231" })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let all = dates(&r.body);
    assert_eq!(all.last().unwrap(), "2099-02-13");
    // EXDATE in another zone skips the Berlin date holding that instant: 03:00 on Friday 13
    // March in Berlin is 22:00 on Thursday 12 March in New York.
    let r = preview(json!({
        "rrule": "FREQ=MONTHLY;BYMONTHDAY=13;COUNT=3\nEXDATE;TZID=America/New_York:20260312T220000"
    }))
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["skipped"], json!(["2026-03-13"]));
    assert_eq!(dates(&r.body), vec!["2026-02-13", "2026-04-13"]);
    // A UTC UNTIL is an instant: 07:00Z is 09:00 in Berlin (summer time) on 13 April, the last
    // session.
    let r = preview(json!({ "rrule": "FREQ=MONTHLY;UNTIL=20260413T070000Z" })).await;
    assert_eq!(
        dates(&r.body),
        vec!["2026-02-13", "2026-03-13", "2026-04-13"]
    );
    assert_eq!(r.body["rrule"], "FREQ=MONTHLY;UNTIL=20260413T070000Z");
}

async fn the_preview_flags_closure_days_by_name(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let c = course(&api, "SHUT").await;
    let v = venue(&api, "BER").await;
    let elsewhere = venue(&api, "HAM").await;
    let src = session(
        &api,
        c,
        Some(v),
        &[("2026-12-14T09:00", "2026-12-14T17:00")],
    )
    .await;
    let id = src["id"].as_i64().unwrap();
    for (day, name, venue) in [
        ("2026-12-21", "Renovation", Some(v)),
        ("2026-12-28", "Between the years", None),
        ("2027-01-04", "Inventory", Some(elsewhere)),
        // The session's own day is not the series' business: it exists already.
        ("2026-12-14", "Staff party", None),
    ] {
        let r = api
            .post(
                "/closures",
                &json!({ "day": day, "name": name, "venue_id": venue }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let rule = json!({ "rrule": "FREQ=WEEKLY;COUNT=4" });
    let p = api
        .post(&format!("/sessions/{id}/recurrence/preview"), &rule)
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert_eq!(
        conflicts_of(&p.body),
        vec![
            vec![],
            vec!["Renovation — Venue BER closed".to_owned()],
            vec!["Between the years — closed company-wide".to_owned()],
            vec![],
        ],
        "another venue's closure is not this session's"
    );
    assert_eq!(p.body["creatable"], true, "closures warn, like taken rooms");

    // The repeat page shows them by name beside the dates.
    let b = t.browser_as(Role::Coordinator, None).await;
    let csrf = b.csrf().await;
    let (status, html) = b
        .post_form(
            &format!("/sessions/{id}/repeat/preview"),
            &[
                ("_csrf", csrf.as_str()),
                ("freq", "weekly"),
                ("interval", "1"),
                ("byday", "MO"),
                ("month_nth", "4"),
                ("month_weekday", "MO"),
                ("count", "4"),
                ("until", ""),
                ("exceptions", ""),
                ("rrule", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Renovation — Venue BER closed"), "{html}");
    assert!(
        html.contains("Between the years — closed company-wide"),
        "{html}"
    );
}
