//! The coordinator's core workflow in a real (headless) Chromium: schedule a session, assign an
//! instructor, book a room, confirm — and a double booking of the instructor refused in words, on
//! the session page where the coordinator proposed her.
//! Skipped with a note when Chromium is not installed, unless TRAINYARD_REQUIRE_BROWSER is set.

use crate::common::browser::Chrome;
use crate::common::{PASSWORD, TestApp, course_body, venue_body};
use serde_json::json;
use trainyard_core::Role;

both_backends!(coordinator_schedules_assigns_books_and_confirms);

fn kind_name(t: &TestApp) -> String {
    format!("{:?}", t.kind).to_lowercase()
}

/// The submit button of the form (on the session page, within `scope`) that posts `event`.
fn event_button(scope: &str, event: &str) -> String {
    format!("{scope} input[name='event'][value='{event}'] ~ button[type='submit']")
}

const HEADER: &str = "main .page-head .actions";
const INSTRUCTORS: &str = "main section#instructors";
const BOOKINGS: &str = "main section#bookings";

/// Clicks the button posting `event` within `scope`, checking its label, and waits for the page
/// it leads to: the flash notice containing `notice`.
async fn act(b: &Chrome, scope: &str, event: &str, label: &str, notice: &str) {
    let button = event_button(scope, event);
    assert_eq!(b.text(&button).await, label, "the {event} button's label");
    b.click(&button).await;
    b.wait_for_text("main p.notice", notice).await;
}

async fn coordinator_schedules_assigns_books_and_confirms(t: &TestApp) {
    let Some(b) = Chrome::start(t).await else {
        return;
    };

    // 1. The catalogue, the instructor and the room, through the API.
    let api = t.api_as(Role::Coordinator, None).await;
    let venue = api
        .create("/venues", &venue_body("BER", "Europe/Berlin"))
        .await["id"]
        .as_i64()
        .unwrap();
    let mut course = course_body("XL");
    course["required_skill"] = json!("excel");
    course["required_features"] = json!(["projector"]);
    let course = api.create("/courses", &course).await["id"]
        .as_i64()
        .unwrap();
    let anna = api
        .create(
            "/instructors",
            &json!({
                "name": "Anna Berg", "email": "anna@example.com", "employment_type": "staff",
                "time_zone": "Europe/Berlin", "currency": "EUR",
                "max_days_week": 5, "max_days_month": 20, "skills": ["excel"], "home_venue_id": venue
            }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let room = api
        .create(
            "/resources",
            &json!({
                "kind": "room", "code": "SPREE", "name": "Spree", "venue_id": venue,
                "seats": 12, "features": ["projector"]
            }),
        )
        .await["id"]
        .as_i64()
        .unwrap();

    // 2. A coordinator creates the session through the form.
    t.user("carla@example.com", Role::Coordinator, None).await;
    b.login("carla@example.com", PASSWORD).await;
    b.goto("/sessions/new").await;
    b.wait_for("form.record").await;
    b.select("select[name='course_id']", "Course XL").await;
    assert_eq!(b.value("course_id").await, course.to_string());
    b.select("select[name='visibility']", "Public").await;
    b.select("select[name='delivery_mode']", "Classroom (ILT)")
        .await;
    b.select("select[name='venue_id']", "Venue BER").await;
    assert_eq!(b.value("venue_id").await, venue.to_string());
    b.fill("capacity", "10").await;
    b.fill("time_zone", "Europe/Berlin").await;
    // Chromium types into datetime-local fields in the locale's order: set the value instead.
    b.set_value(".part-row input[name='part_starts']", "2027-03-15T09:00")
        .await;
    b.set_value(".part-row input[name='part_ends']", "2027-03-15T17:00")
        .await;
    b.click("form.record button.primary").await;

    let notice = b.wait_for_text("main p.notice", "created as a draft").await;
    let path = b.path().await;
    let id = path.strip_prefix("/sessions/").unwrap_or("");
    assert!(
        !id.is_empty() && id.bytes().all(|c| c.is_ascii_digit()),
        "redirected to the new session, at {path}"
    );
    // "Session S-00001 created as a draft."
    let reference = notice
        .strip_prefix("Session ")
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no reference in the notice {notice:?}"))
        .to_owned();
    assert_eq!(b.text("main h1 span.badge").await, "Draft");
    assert!(b.exists("main h1 span.badge.s-draft").await);
    let sub = b.text("main .page-head p.sub").await;
    assert!(
        sub.contains(&reference) && sub.contains("09:00"),
        "subtitle is {sub:?}"
    );

    // 3. Schedule it, then propose, request, accept and confirm Anna.
    act(&b, HEADER, "schedule", "Schedule", "is now scheduled").await;
    assert_eq!(b.text("main h1 span.badge").await, "Scheduled");

    // The session page is in tabs: the overview first, the staffing in its own tab, which the
    // address keeps (a reload lands on it).
    assert_eq!(
        b.text("[role=tab][aria-selected=true]").await,
        "Overview",
        "the overview tab is open first"
    );
    assert!(
        !b.execute(
            "return document.querySelector('#instructors').offsetParent !== null;",
            vec![]
        )
        .await
        .as_bool()
        .unwrap(),
        "the staffing panel is hidden behind its tab"
    );
    b.click("[role=tab][data-tab=staffing]").await;
    assert_eq!(b.text("[role=tab][aria-selected=true]").await, "Staffing");
    let here = b.path().await;
    assert!(
        here.ends_with("?tab=staffing"),
        "the address keeps the tab: {here}"
    );
    b.goto(&here).await;
    assert_eq!(
        b.text("[role=tab][aria-selected=true]").await,
        "Staffing",
        "a reload lands on the same tab"
    );

    assert!(
        b.text(&format!("{INSTRUCTORS} p.muted"))
            .await
            .contains("No instructor assigned yet"),
        "the instructors panel starts empty"
    );
    let pick = format!("{INSTRUCTORS} form.inline-form select[name='instructor_id']");
    b.select(&pick, "Anna Berg").await;
    assert_eq!(b.value("instructor_id").await, anna.to_string());
    b.select(
        &format!("{INSTRUCTORS} form.inline-form select[name='role']"),
        "Lead",
    )
    .await;
    let propose = format!("{INSTRUCTORS} form.inline-form button[type='submit']");
    assert_eq!(b.text(&propose).await, "Propose");
    b.click(&propose).await;
    b.wait_for_text("main p.notice", "Instructor proposed")
        .await;
    let row = format!("{INSTRUCTORS} tbody tr");
    assert_eq!(b.text(&format!("{row} td a")).await, "Anna Berg");
    assert_eq!(b.text(&format!("{row} span.badge")).await, "Proposed");

    act(&b, &row, "request", "Request", "Assignment requested").await;
    assert!(b.exists(&format!("{row} span.badge.s-requested")).await);
    assert!(
        b.exists(&event_button(&row, "decline")).await,
        "a requested assignment may be declined"
    );
    act(&b, &row, "accept", "Accept", "Assignment accepted").await;
    assert!(b.exists(&format!("{row} span.badge.s-accepted")).await);
    act(&b, &row, "confirm", "Confirm", "Assignment confirmed").await;
    assert_eq!(b.text(&format!("{row} span.badge")).await, "Confirmed");
    assert!(b.exists(&format!("{row} span.badge.s-confirmed")).await);
    assert!(
        !b.exists(&event_button(&row, "confirm")).await,
        "nothing left to confirm on the assignment"
    );

    // 4. Book the room, confirmed at once. After each answer the page came back on the staffing
    // tab (the form returned to #instructors); the bookings have their own.
    assert_eq!(b.text("[role=tab][aria-selected=true]").await, "Staffing");
    b.click("[role=tab][data-tab=bookings]").await;
    assert!(
        b.exists(&format!(
            "{BOOKINGS} input[type='checkbox'][name='confirm']:checked"
        ))
        .await,
        "\"Confirm now\" is ticked by default"
    );
    b.select(
        &format!("{BOOKINGS} form.inline-form select[name='resource_id']"),
        "Spree (Room)",
    )
    .await;
    assert_eq!(b.value("resource_id").await, room.to_string());
    b.fill("quantity", "1").await;
    let book = format!("{BOOKINGS} form.inline-form button[type='submit']");
    assert_eq!(b.text(&book).await, "Book");
    b.click(&book).await;
    b.wait_for_text("main p.notice", "Booked and confirmed")
        .await;
    let booking = format!("{BOOKINGS} tbody tr");
    assert_eq!(b.text(&format!("{booking} td a")).await, "Spree");
    assert_eq!(b.text(&format!("{booking} span.badge")).await, "Confirmed");
    assert!(b.exists(&format!("{booking} span.badge.s-confirmed")).await);

    // 5. Confirm the session.
    act(&b, HEADER, "confirm", "Confirm", "is now confirmed").await;
    assert_eq!(b.text("main h1 span.badge").await, "Confirmed");
    assert!(b.exists("main h1 span.badge.s-confirmed").await);
    assert!(
        !b.exists(&event_button(HEADER, "confirm")).await,
        "a confirmed session offers no Confirm"
    );
    assert!(b.exists(&event_button(HEADER, "deliver")).await);

    // 5b. Enroll a learner with the type-ahead picker: a few letters bring suggestions, choosing
    // one submits its id. The tabs answer the arrow keys.
    let ada = api
        .create(
            "/learners",
            &json!({ "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "time_zone": "Europe/Berlin" }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    b.execute(
        "var t = document.querySelector('[role=tab][data-tab=bookings]'); t.focus();
         t.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }));",
        vec![],
    )
    .await;
    assert_eq!(
        b.text("[role=tab][aria-selected=true]").await,
        "Enrollments"
    );
    assert_eq!(
        b.execute(
            "return document.activeElement.getAttribute('data-tab');",
            vec![]
        )
        .await,
        json!("enrollments"),
        "the arrow key moves the focus to the next tab"
    );
    let picker = "main section#enrollments input[name='learner']";
    b.type_into(picker, "ada lov").await;
    let label = "Ada Lovelace <ada@example.com>";
    b.wait_for(&format!(
        "main section#enrollments datalist option[value='{label}']"
    ))
    .await;
    b.set_value(picker, label).await;
    assert_eq!(
        b.value("learner_id").await,
        ada.to_string(),
        "the chosen learner's id"
    );
    b.click("main section#enrollments form.inline-form button[type='submit']")
        .await;
    b.wait_for_text("main p.notice", "Enrolled (booked)").await;
    assert_eq!(
        b.text("[role=tab][aria-selected=true]").await,
        "Enrollments"
    );
    assert_eq!(
        b.text("main section#enrollments tbody tr td a").await,
        "Ada Lovelace"
    );

    // 6. What the coordinator sees.
    b.screenshot(
        std::env::temp_dir().join(format!("trainyard-session-confirmed-{}.png", kind_name(t))),
    )
    .await;

    // 6b. On a phone nothing scrolls sideways: the list's rows, the staffing panel's and the
    // attendance sheet's become cards, with the "present" box on screen.
    b.cdp(
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": true }),
    )
    .await;
    for (name, path) in [
        ("list", "/sessions?from=2020-01-01".to_owned()),
        ("staffing", format!("/sessions/{id}?tab=staffing")),
        ("attendance", format!("/sessions/{id}/attendance")),
    ] {
        b.goto(&path).await;
        b.wait_for("main h1").await;
        assert!(
            b.exists("main table.cards tbody tr").await,
            "{path} has rows"
        );
        let widths = b
            .execute(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];",
                vec![],
            )
            .await;
        b.screenshot(
            std::env::temp_dir().join(format!("trainyard-phone-{name}-{}.png", kind_name(t))),
        )
        .await;
        assert!(
            widths[0].as_i64().unwrap() <= widths[1].as_i64().unwrap() + 1,
            "{path} scrolls sideways at 390 px: {widths}"
        );
    }
    let present = b
        .execute(
            "var r = document.querySelector('input[name=present]').getBoundingClientRect(); return r.right;",
            vec![],
        )
        .await;
    assert!(
        present.as_f64().unwrap() <= 390.0,
        "the present box is on screen: {present}"
    );
    b.cdp("Emulation.clearDeviceMetricsOverride", json!({}))
        .await;

    // 7. A second session at the same time: proposing Anna is refused already (it used to be
    // refused only when she accepted, after she had been asked), in words, in the instructors
    // panel where the coordinator acted, keeping the choice; a double booking offers no override.
    let other = api
        .create("/sessions", &json!({
            "course_id": course, "visibility": "public", "delivery_mode": "ilt", "venue_id": venue,
            "capacity": 10, "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" },
            "parts": [{ "starts": "2027-03-15T10:00", "ends": "2027-03-15T12:00" }]
        }))
        .await;
    let other_ref = other["reference"].as_str().unwrap().to_owned();
    let other = other["id"].as_i64().unwrap();
    b.goto(&format!("/sessions/{other}?tab=staffing")).await;
    b.select(&pick, "Anna Berg").await;
    b.click(&propose).await;
    let refusal = format!("{INSTRUCTORS} #instructors-refusal");
    let detail = b
        .wait_for_text(
            &refusal,
            &format!("Anna Berg cannot be proposed on {other_ref}:"),
        )
        .await;
    assert!(
        detail.contains(&format!(
            "Anna Berg is teaching {reference} Course XL on Mon 15 Mar 2027 from 09:00 to 17:00."
        )),
        "the refusal explains the double booking: {detail:?}"
    );
    assert!(!b.exists(".error-page").await, "no dead-end error page");
    assert!(
        !b.exists(&format!("{refusal} input[name='override_reason']"))
            .await,
        "a double booking is never overridden"
    );
    assert_eq!(
        b.value("instructor_id").await,
        anna.to_string(),
        "the form keeps the chosen instructor"
    );
    assert!(!b.exists("main p.notice").await, "nothing was saved");
    b.screenshot(
        std::env::temp_dir().join(format!("trainyard-propose-refused-{}.png", kind_name(t))),
    )
    .await;
    // Back on the session, nobody was proposed.
    b.goto(&format!("/sessions/{other}?tab=staffing")).await;
    assert!(
        b.text(&format!("{INSTRUCTORS} p.muted"))
            .await
            .contains("No instructor assigned yet"),
        "nobody was proposed"
    );

    b.close().await;
}
