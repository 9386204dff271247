//! The schedule: resource timeline (API and page) with conflicts, and calendars, on SQLite and
//! PostgreSQL.

use crate::common::{Browser, PASSWORD, TestApp, course_body, venue_body};
use reqwest::StatusCode;
use serde_json::{Value, json};
use trainyard_app::accounts::{self, NewAccount};
use trainyard_core::Role;
use trainyard_core::status::{AssignmentStatus, BookingStatus};

both_backends!(
    overlapping_assignments_are_conflicts_on_the_timeline,
    calendars_are_shown_to_staff_and_to_their_owner_only,
    month_calendars_show_time_off_and_closure_days,
);

/// Monday 8 March 2027; the sessions are on Wednesday the 10th, Berlin time.
const WEEK: &str = "2027-03-08";
const DAY: &str = "2027-03-10";

struct Fixture {
    instructor_id: i64,
    room_id: i64,
    venue_id: i64,
    course_id: i64,
    /// Two overlapping sessions on DAY, and one the next day.
    sessions: [i64; 3],
}

async fn fixture(t: &TestApp) -> Fixture {
    let api = t.api_as(Role::Coordinator, None).await;
    let venue = api
        .create("/venues", &venue_body("TLV", "Europe/Berlin"))
        .await;
    let course = api.create("/courses", &course_body("XL-ADV")).await;
    let instructor = api
        .create(
            "/instructors",
            &json!({
                "name": "Anna Timeline", "email": "anna.timeline@example.com", "employment_type": "staff",
                "time_zone": "Europe/Berlin", "currency": "EUR", "max_days_week": 5, "max_days_month": 20
            }),
        )
        .await;
    let room = api
        .create(
            "/resources",
            &json!({
                "kind": "room", "code": "TL-R1", "name": "Room Spree", "venue_id": venue["id"],
                "seats": 12, "quantity": 1, "features": ["projector"], "notes": ""
            }),
        )
        .await;
    let session = |starts: String, ends: String| {
        json!({
            "course_id": course["id"], "visibility": "public", "delivery_mode": "ilt", "venue_id": venue["id"],
            "capacity": 12, "time_zone": "Europe/Berlin", "seat_price": { "amount": "890", "currency": "EUR" },
            "parts": [{ "starts": starts, "ends": ends }]
        })
    };
    let a = api
        .create(
            "/sessions",
            &session(format!("{DAY}T09:00"), format!("{DAY}T17:00")),
        )
        .await;
    let b = api
        .create(
            "/sessions",
            &session(format!("{DAY}T13:00"), format!("{DAY}T15:00")),
        )
        .await;
    let c = api
        .create(
            "/sessions",
            &session("2027-03-11T09:00".into(), "2027-03-11T17:00".into()),
        )
        .await;
    let ids = [&a, &b, &c].map(|s| s["id"].as_i64().unwrap());
    let instructor_id = instructor["id"].as_i64().unwrap();
    let room_id = room["id"].as_i64().unwrap();
    // Assignment use cases are not ours: write the requested assignments (and room bookings) directly.
    let now = trainyard_core::time::now_ms();
    let mut tx = t.app.store.write().await.unwrap();
    for sid in ids {
        trainyard_store::assignments::insert(
            &mut tx,
            sid,
            instructor_id,
            "lead",
            AssignmentStatus::Requested,
            now,
        )
        .await
        .unwrap();
        for p in trainyard_store::sessions::parts(&mut tx, sid)
            .await
            .unwrap()
        {
            trainyard_store::bookings::insert(
                &mut tx,
                p.id,
                room_id,
                1,
                BookingStatus::Tentative,
                (p.starts_at, p.ends_at),
                now,
            )
            .await
            .unwrap();
        }
    }
    tx.commit().await.unwrap();
    Fixture {
        instructor_id,
        room_id,
        venue_id: venue["id"].as_i64().unwrap(),
        course_id: course["id"].as_i64().unwrap(),
        sessions: ids,
    }
}

fn row_of(body: &Value, id: i64) -> &Value {
    body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("row {id} in {body}"))
}

fn conflict_of(row: &Value, session_id: i64) -> bool {
    row["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["session_id"] == session_id)
        .unwrap_or_else(|| panic!("session {session_id} in {row}"))["conflict"]
        .as_bool()
        .unwrap()
}

async fn overlapping_assignments_are_conflicts_on_the_timeline(t: &TestApp) {
    let f = fixture(t).await;
    let api = t.api_as(Role::Coordinator, None).await;
    let [a, b, c] = f.sessions;

    // Instructors: both overlapping parts are there, flagged; the next day's is not.
    let r = api
        .get(&format!("/timeline?rows=instructors&from={DAY}&days=7"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["kind"], "instructors");
    assert_eq!(r.body["time_zone"], "Europe/Berlin");
    assert_eq!(r.body["starts_at"], "2027-03-09T23:00:00Z");
    let row = row_of(&r.body, f.instructor_id);
    assert_eq!(row["name"], "Anna Timeline");
    assert_eq!(row["items"].as_array().unwrap().len(), 3);
    assert!(conflict_of(row, a));
    assert!(conflict_of(row, b));
    assert!(!conflict_of(row, c));
    assert_eq!(row["conflicts"], 2);
    let first = &row["items"][0];
    assert_eq!(first["session_id"], a);
    assert_eq!(first["course_code"], "XL-ADV");
    assert_eq!(first["starts_at"], "2027-03-10T08:00:00Z");
    assert_eq!(first["ends_at"], "2027-03-10T16:00:00Z");
    assert_eq!(first["status"], "requested");
    assert_eq!(first["tone"], "tentative");

    // A window that ends before the sessions holds the row without items.
    let r = api.get("/timeline?from=2027-03-01&days=7").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        row_of(&r.body, f.instructor_id)["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Rooms: the same overlap, through bookings; the venue filter keeps the room.
    let r = api
        .get(&format!(
            "/timeline?rows=rooms&from={WEEK}&days=7&venue_id={}",
            f.venue_id
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let row = row_of(&r.body, f.room_id);
    assert_eq!(row["name"], "Room Spree");
    assert!(conflict_of(row, a) && conflict_of(row, b) && !conflict_of(row, c));
    assert_eq!(row["items"][0]["tone"], "tentative");

    // Name filter, bad input.
    let r = api.get("/timeline?q=nobody&days=7").await;
    assert!(r.body["rows"].as_array().unwrap().is_empty());
    let r = api.get("/timeline?days=63").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["errors"][0]["field"], "days");
    let r = api.get("/timeline?from=2027-02-30").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["errors"][0]["field"], "from");
    let r = api.get("/timeline?rows=cars").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The page, as a coordinator: the name, the bars and the conflict markers.
    let browser = t.browser_as(Role::Coordinator, None).await;
    let (status, html) = browser.get(&format!("/timeline?start={DAY}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Anna Timeline"), "{html}");
    assert!(html.contains("Week 10"), "the ISO week of {DAY}");
    assert!(html.contains(&format!("href=\"/sessions/{a}\"")));
    assert!(html.contains("tl-bar tl-tentative tl-conflict"));
    assert!(html.contains("2 items are in conflict"));
    assert!(html.contains("<b>XL-ADV</b> <span class=\"tl-time\">09:00</span>"));
    let (status, html) = browser
        .get(&format!("/timeline?rows=rooms&view=month&start={DAY}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Room Spree") && html.contains("March 2027"));
    assert!(html.contains("tl-conflict"));

    // Learners see neither.
    let learner = t.browser_as(Role::Learner, None).await;
    assert_eq!(learner.get("/timeline").await.0, StatusCode::FORBIDDEN);
    let learner_api = t.api_as(Role::Learner, None).await;
    let r = learner_api.get("/timeline").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.body["status"], 403);
}

async fn calendars_are_shown_to_staff_and_to_their_owner_only(t: &TestApp) {
    let f = fixture(t).await;
    let [a, _, c] = f.sessions;
    let coordinator = t.browser_as(Role::Coordinator, None).await;
    let (status, html) = coordinator
        .get(&format!(
            "/calendar?kind=instructor&id={}&month=2027-03",
            f.instructor_id
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Anna Timeline") && html.contains("March 2027"));
    assert!(html.contains(&format!("href=\"/sessions/{a}\"")));
    assert!(html.contains(&format!("href=\"/sessions/{c}\"")));
    assert!(html.contains("tl-conflict"));
    assert!(html.contains("month=2027-02") && html.contains("month=2027-04"));
    for (kind, id) in [("room", f.room_id), ("venue", f.venue_id)] {
        let (status, html) = coordinator
            .get(&format!("/calendar?kind={kind}&id={id}&month=2027-03"))
            .await;
        assert_eq!(status, StatusCode::OK, "{kind}");
        assert!(html.contains("XL-ADV"), "{kind}");
    }
    let (status, _) = coordinator
        .get("/calendar?kind=instructor&id=999999&month=2027-03")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = coordinator.get("/calendar?kind=planet&id=1").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // The instructor sees their own calendar, and nobody else's.
    let email = "anna.login@example.com";
    accounts::create_user(
        &t.app,
        None,
        NewAccount {
            email: email.into(),
            display_name: "Anna".into(),
            password: PASSWORD.into(),
            role: Role::Instructor,
            client_id: None,
            instructor_id: Some(f.instructor_id),
            learner_id: None,
            time_zone: "Europe/Berlin".into(),
        },
    )
    .await
    .unwrap();
    let me = Browser::new(t);
    assert_eq!(me.login(email, PASSWORD).await.status(), StatusCode::OK);
    let (status, html) = me
        .get(&format!(
            "/calendar?kind=instructor&id={}&month=2027-03",
            f.instructor_id
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("XL-ADV"));
    let other = f.instructor_id + 1000;
    for path in [
        format!("/calendar?kind=instructor&id={other}"),
        format!("/calendar?kind=venue&id={}", f.venue_id),
        "/timeline".to_owned(),
    ] {
        assert_eq!(me.get(&path).await.0, StatusCode::FORBIDDEN, "{path}");
    }

    // A client contact sees their organisation's sessions, and no other calendar.
    let api = t.api_as(Role::Coordinator, None).await;
    let client = |code: &str| json!({ "code": code, "name": format!("Client {code}"), "billing_email": "ap@acme.example", "currency": "EUR", "time_zone": "Europe/Berlin" });
    let acme = api.create("/clients", &client("ACME")).await["id"]
        .as_i64()
        .unwrap();
    let globex = api.create("/clients", &client("GLOBEX")).await["id"]
        .as_i64()
        .unwrap();
    let private = api
        .create(
            "/sessions",
            &json!({
                "course_id": f.course_id, "visibility": "private", "client_id": acme, "delivery_mode": "vilt",
                "capacity": 8, "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" },
                "parts": [{ "starts": "2027-03-15T09:00", "ends": "2027-03-15T12:00" }]
            }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let contact = t.browser_as(Role::ClientContact, Some(acme)).await;
    let (status, html) = contact
        .get(&format!("/calendar?kind=client&id={acme}&month=2027-03"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Client ACME"));
    assert!(html.contains(&format!("href=\"/sessions/{private}\"")));
    assert!(
        !html.contains(&format!("href=\"/sessions/{a}\"")),
        "public sessions are not the client's"
    );
    for path in [
        format!("/calendar?kind=client&id={globex}"),
        format!("/calendar?kind=instructor&id={}", f.instructor_id),
    ] {
        assert_eq!(contact.get(&path).await.0, StatusCode::FORBIDDEN, "{path}");
    }

    // A learner sees no calendar.
    let learner = t.browser_as(Role::Learner, None).await;
    let (status, _) = learner
        .get(&format!("/calendar?kind=venue&id={}", f.venue_id))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// The calendar cell of `day`: its class and what it says.
fn cal_cell<'a>(html: &'a str, day: &str) -> (&'a str, &'a str) {
    let at = html
        .find(&format!("datetime=\"{day}\""))
        .unwrap_or_else(|| panic!("{day} in {html}"));
    let td = html[..at].rfind("<td").unwrap();
    let end = at + html[at..].find("</td>").unwrap();
    (&html[td..at], &html[at..end])
}

async fn month_calendars_show_time_off_and_closure_days(t: &TestApp) {
    let f = fixture(t).await;
    let api = t.api_as(Role::Coordinator, None).await;
    let other_venue = api
        .create("/venues", &venue_body("TLO", "Europe/Berlin"))
        .await["id"]
        .as_i64()
        .unwrap();
    let r = api
        .post(
            &format!("/instructors/{}/time-off", f.instructor_id),
            &json!({ "from": "2027-03-15", "until": "2027-03-16", "reason": "Parental leave" }),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    for (day, name, venue) in [
        ("2027-03-19", "Founders Day", None),
        ("2027-03-22", "Renovation", Some(f.venue_id)),
        ("2027-03-23", "Elsewhere shut", Some(other_venue)),
    ] {
        let r = api
            .post(
                "/closures",
                &json!({ "day": day, "name": name, "venue_id": venue }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let b = t.browser_as(Role::Coordinator, None).await;

    // The instructor's month: their time off on its days, and the company-wide closure.
    let (status, html) = b
        .get(&format!(
            "/calendar?kind=instructor&id={}&month=2027-03",
            f.instructor_id
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    for day in ["2027-03-15", "2027-03-16"] {
        let (class, text) = cal_cell(&html, day);
        assert!(class.contains("cal-off"), "{class}");
        assert!(text.contains("Time off: </span>Parental leave"), "{text}");
    }
    let (class, text) = cal_cell(&html, "2027-03-17");
    assert!(
        !class.contains("cal-off") && !text.contains("Parental"),
        "{text}"
    );
    let (class, text) = cal_cell(&html, "2027-03-19");
    assert!(class.contains("cal-closed"), "{class}");
    assert!(text.contains("Closed: </span>Founders Day"), "{text}");
    assert!(
        !html.contains("Renovation") && !html.contains("Elsewhere shut"),
        "a venue's closure is not the instructor's"
    );
    assert!(html.contains("Time off</li>") && html.contains("Closure day</li>"));

    // The room's and the venue's months: the company's and their venue's closures, no time off.
    for path in [
        format!("/calendar?kind=room&id={}&month=2027-03", f.room_id),
        format!("/calendar?kind=venue&id={}&month=2027-03", f.venue_id),
    ] {
        let (status, html) = b.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        let (class, text) = cal_cell(&html, "2027-03-22");
        assert!(class.contains("cal-closed"), "{path}: {class}");
        assert!(text.contains("Renovation"), "{path}: {text}");
        assert!(
            cal_cell(&html, "2027-03-19").1.contains("Founders Day"),
            "{path}"
        );
        assert!(
            !html.contains("Elsewhere shut") && !html.contains("Parental leave"),
            "{path}: {html}"
        );
    }
}
