//! The client portal and bulk enrollment, over HTTP on both databases: a dry run predicts every
//! row (seats included) and changes nothing; an apply with a broken row is refused whole and
//! changes nothing; a fixed file enrolls everyone in one go; a broken CSV names its line; a client
//! contact cannot reach another client's private session or people; the portal shows our own only.

use crate::common;

use crate::common::{Api, TestApp, course_body, venue_body};
use reqwest::StatusCode;
use serde_json::{Value, json};
use trainyard_core::Role;

both_backends!(
    client_contacts_enroll_in_bulk_all_or_nothing,
    client_portal_pages_show_our_own_and_enroll,
    a_thousand_rows_are_checked_and_applied_in_one_go,
    a_contact_opens_the_public_sessions_of_their_people_and_counts_agree,
    a_contact_cancels_or_substitutes_their_people_until_the_cut_off,
);

struct World {
    coordinator: Api,
    acme: i64,
    globex: i64,
    /// Acme's private session, capacity 2.
    private: (i64, String),
    public: (i64, String),
    /// Globex's private session.
    theirs: (i64, String),
}

async fn session(
    api: &Api,
    tag: &str,
    client: Option<i64>,
    capacity: i64,
    day: &str,
) -> (i64, String) {
    let venue = api
        .create("/venues", &venue_body(&format!("V{tag}"), "Europe/Berlin"))
        .await["id"]
        .as_i64()
        .unwrap();
    let course = api
        .create("/courses", &course_body(&format!("C{tag}")))
        .await["id"]
        .as_i64()
        .unwrap();
    let s = api
        .create("/sessions", &json!({
            "course_id": course, "visibility": if client.is_some() { "private" } else { "public" },
            "client_id": client, "delivery_mode": "ilt", "venue_id": venue, "capacity": capacity,
            "time_zone": "Europe/Berlin", "seat_price": { "amount": "490", "currency": "EUR" },
            "parts": [{ "starts": format!("{day}T09:00"), "ends": format!("{day}T17:00") }]
        }))
        .await;
    let id = s["id"].as_i64().unwrap();
    let r = api
        .post(
            &format!("/sessions/{id}/transition"),
            &json!({ "event": "schedule", "version": 1 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    (id, s["reference"].as_str().unwrap().to_owned())
}

async fn world(t: &TestApp) -> World {
    let coordinator = t.api_as(Role::Coordinator, None).await;
    let client = |code: &str| json!({ "code": code, "name": format!("{code} Corp"), "billing_email": format!("ap@{}.example", code.to_lowercase()), "currency": "EUR", "time_zone": "Europe/Berlin" });
    let acme = coordinator.create("/clients", &client("ACME")).await["id"]
        .as_i64()
        .unwrap();
    let globex = coordinator.create("/clients", &client("GLOBEX")).await["id"]
        .as_i64()
        .unwrap();
    let private = session(&coordinator, "PRIV", Some(acme), 2, "2027-05-10").await;
    let public = session(&coordinator, "PUB", None, 10, "2027-05-17").await;
    let theirs = session(&coordinator, "GLOB", Some(globex), 5, "2027-05-24").await;
    World {
        coordinator,
        acme,
        globex,
        private,
        public,
        theirs,
    }
}

async fn count(t: &TestApp, table: &str) -> i64 {
    let sql = match table {
        "learners" => "SELECT count(*) AS n FROM learners",
        "enrollments" => "SELECT count(*) AS n FROM enrollments",
        // Sealed and not yet sealed (PostgreSQL seals in the background).
        "audit_events" => {
            "SELECT (SELECT count(*) FROM audit_events) + (SELECT count(*) FROM audit_pending) AS n"
        }
        _ => "SELECT count(*) AS n FROM outbox",
    };
    let row = sqlx::query(sql)
        .fetch_one(t.app.store.pool())
        .await
        .unwrap();
    sqlx::Row::get::<i64, _>(&row, "n")
}

async fn counts(t: &TestApp) -> [i64; 4] {
    [
        count(t, "learners").await,
        count(t, "enrollments").await,
        count(t, "audit_events").await,
        count(t, "outbox").await,
    ]
}

fn outcomes(body: &Value) -> Vec<(i64, String)> {
    body["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("rows in {body}"))
        .iter()
        .map(|r| {
            (
                r["line"].as_i64().unwrap(),
                r["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn bulk(dry_run: bool) -> String {
    format!("/enrollments/bulk?dry_run={dry_run}")
}

async fn client_contacts_enroll_in_bulk_all_or_nothing(t: &TestApp) {
    let w = world(t).await;
    let contact = t.api_as(Role::ClientContact, Some(w.acme)).await;
    let sref = &w.private.1;
    let broken = format!(
        "first_name,last_name,email,session\n\
         Ann,Archer,ann.archer@acme.example,{sref}\n\
         Ben,Baker,ben.baker@acme.example,{sref}\n\
         Cat,Cole,cat.cole@@acme,{sref}\n\
         Dan,Drake,dan.drake@acme.example,{sref}\n"
    );

    // A dry run predicts every row, seats included, and changes nothing.
    let before = counts(t).await;
    let r = contact.post(&bulk(true), &json!({ "csv": broken })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        outcomes(&r.body),
        vec![
            (2, "booked".into()),
            (3, "booked".into()),
            (4, "error".into()),
            (5, "waitlisted".into())
        ]
    );
    assert_eq!(
        (
            r.body["booked"].as_i64(),
            r.body["waitlisted"].as_i64(),
            r.body["broken"].as_i64()
        ),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(r.body["applied"], false);
    let cat = &r.body["rows"][2];
    assert!(
        cat["message"].as_str().unwrap().contains("cat.cole@@acme"),
        "the reason names the bad address: {cat}"
    );
    assert_eq!(r.body["rows"][0]["session_reference"], sref.as_str());
    assert_eq!(counts(t).await, before, "a dry run changes nothing");

    // Applying the same file is refused whole, naming the broken line, and changes nothing.
    let r = contact.post(&bulk(false), &json!({ "csv": broken })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "line 4", "{}", r.body);
    assert!(r.body["detail"].as_str().unwrap().contains("line 4"));
    assert_eq!(
        r.body["rows"].as_array().unwrap().len(),
        4,
        "the report comes with the refusal"
    );
    assert_eq!(r.body["applied"], false);
    assert_eq!(counts(t).await, before, "a refused apply changes nothing");

    // Fixed, the whole file goes in at once: two seats, two on the waiting list in file order.
    let fixed = broken.replace("cat.cole@@acme", "cat.cole@acme.example");
    let r = contact.post(&bulk(false), &json!({ "csv": fixed })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["applied"], true);
    assert_eq!(
        outcomes(&r.body),
        vec![
            (2, "booked".into()),
            (3, "booked".into()),
            (4, "waitlisted".into()),
            (5, "waitlisted".into())
        ]
    );
    assert_eq!(r.body["rows"][2]["waitlist_position"], 1);
    assert_eq!(r.body["rows"][3]["waitlist_position"], 2);
    assert_eq!(r.body["new_learners"], 4);
    let after = counts(t).await;
    assert_eq!((after[0] - before[0], after[1] - before[1]), (4, 4));
    let s = w
        .coordinator
        .get(&format!("/sessions/{}", w.private.0))
        .await
        .body;
    assert_eq!(
        (s["booked_count"].as_i64(), s["waitlist_count"].as_i64()),
        (Some(2), Some(2))
    );
    // New people belong to the contact's client.
    let mine = contact.get("/learners?q=acme.example").await.body;
    assert_eq!(mine["total"], 4, "{mine}");
    assert!(
        mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["client_id"] == w.acme)
    );

    // The same file again: everyone is already enrolled, so nothing happens.
    let r = contact.post(&bulk(false), &json!({ "csv": fixed })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body["rows"][0]["message"]
            .as_str()
            .unwrap()
            .contains("already enrolled")
    );
    assert_eq!(counts(t).await, after);

    // A broken CSV names its line, for a check as for an apply.
    let unbalanced = "first_name,last_name,email\nEve,Evans,eve@acme.example\nFay,\"Fox,fay@acme.example\nGus,Gray,gus@acme.example\n";
    for dry in [true, false] {
        let r = contact
            .post(
                &bulk(dry),
                &json!({ "csv": unbalanced, "session_id": w.public.0 }),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(r.body["errors"][0]["field"], "csv");
        let msg = r.body["errors"][0]["message"].as_str().unwrap();
        assert!(msg.contains("line 3") && msg.contains("quote"), "{msg}");
    }
    // A line with the wrong number of values is that row's error.
    let r = contact
        .post(&bulk(true), &json!({ "csv": "first_name,last_name,email\nEve,Evans,eve@acme.example\nFay,Fox\n", "session_id": w.public.0 }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        outcomes(&r.body),
        vec![(2, "booked".into()), (3, "error".into())]
    );
    assert!(
        r.body["rows"][1]["message"]
            .as_str()
            .unwrap()
            .contains("2 value(s)")
    );
    // No header, too many rows: refused whole.
    let r = contact
        .post(
            &bulk(true),
            &json!({ "csv": "Eve,Evans,eve@acme.example\n", "session_id": w.public.0 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("header")
    );
    let huge = format!(
        "first_name,last_name,email\n{}",
        (0..1001)
            .map(|i| format!("P{i},Q,p{i}@acme.example\n"))
            .collect::<String>()
    );
    let r = contact
        .post(
            &bulk(true),
            &json!({ "csv": huge, "session_id": w.public.0 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("1000")
    );
    assert_eq!(counts(t).await, after);

    // Another client's private session does not exist for this contact, named or as the default.
    let r = contact
        .post(&bulk(true), &json!({ "csv": format!("first_name,last_name,email,session\nHal,Hart,hal@acme.example,{}\n", w.theirs.1) }))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(outcomes(&r.body), vec![(2, "error".into())]);
    assert!(
        r.body["rows"][0]["message"]
            .as_str()
            .unwrap()
            .contains("no session")
    );
    let r = contact
        .post(&bulk(true), &json!({ "csv": "first_name,last_name,email\nHal,Hart,hal@acme.example\n", "session_id": w.theirs.0 }))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);

    // Another client's learner cannot be named; the rest of the file waits for the fix.
    let zed = w
        .coordinator
        .create("/learners", &json!({ "first_name": "Zed", "last_name": "Zane", "email": "zed@globex.example", "client_id": w.globex, "time_zone": "Europe/Berlin" }))
        .await;
    let before = counts(t).await;
    let csv = format!(
        "first_name,last_name,email,session\nAnn,Archer,ann.archer@acme.example,{pub_ref}\nZed,Zane,zed@globex.example,{pub_ref}\n",
        pub_ref = w.public.1
    );
    let r = contact.post(&bulk(false), &json!({ "csv": csv })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        outcomes(&r.body),
        vec![(2, "booked".into()), (3, "error".into())]
    );
    assert!(
        r.body["rows"][1]["message"]
            .as_str()
            .unwrap()
            .contains("outside your organisation")
    );
    assert_eq!(counts(t).await, before);
    let zed_enrollments = w
        .coordinator
        .get(&format!("/sessions/{}/enrollments", w.public.0))
        .await
        .body;
    assert!(
        !zed_enrollments
            .to_string()
            .contains(&zed["email"].as_str().unwrap().to_string())
    );

    // Coordinators use the same machinery for any client: the session as the default.
    let r = w
        .coordinator
        .post(&bulk(false), &json!({ "csv": "first_name,last_name,email\nZed,Zane,zed@globex.example\nIda,Ives,ida@globex.example\n", "session_id": w.theirs.0 }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        outcomes(&r.body),
        vec![(2, "booked".into()), (3, "booked".into())]
    );
    let ida = w
        .coordinator
        .get("/learners?q=ida@globex.example")
        .await
        .body;
    assert_eq!(
        ida["items"][0]["client_id"], w.globex,
        "a new learner joins the private session's client"
    );

    // Roles without enrollment rights are refused.
    let learner = t.api_as(Role::Learner, None).await;
    let r = learner.post(&bulk(true), &json!({ "csv": "first_name,last_name,email\nA,B,a@b.example\n", "session_id": w.public.0 })).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Malformed JSON is named too.
    let r = contact.post(&bulk(true), &json!({ "csv": 5 })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn client_portal_pages_show_our_own_and_enroll(t: &TestApp) {
    let w = world(t).await;
    let contact = t.api_as(Role::ClientContact, Some(w.acme)).await;
    // Our people: two in our private session, one in the public one.
    let r = contact
        .post(&bulk(false), &json!({ "csv": format!(
            "first_name,last_name,email,session\nAnn,Archer,ann.archer@acme.example,{p}\nBen,Baker,ben.baker@acme.example,{p}\nCat,Cole,cat.cole@acme.example,{q}\n",
            p = w.private.1, q = w.public.1) }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Theirs: a Globex learner in their private session and in the public one.
    let r = w
        .coordinator
        .post(&bulk(false), &json!({ "csv": format!(
            "first_name,last_name,email,session\nZed,Zane,zed@globex.example,{}\nZed,Zane,zed@globex.example,{}\n",
            w.theirs.1, w.public.1) }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let b = t.browser_as(Role::ClientContact, Some(w.acme)).await;
    for path in ["/", "/portal/client"] {
        let (status, html) = b.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            html.contains("Our sessions") && html.contains("Our learners"),
            "{path}"
        );
        assert!(html.contains(&w.private.1), "our private session on {path}");
        assert!(
            html.contains(&w.public.1),
            "the public session our people are in, on {path}"
        );
        assert!(html.contains("Ann Archer") && html.contains("Cat Cole"));
        assert!(html.contains("ACME Corp"));
        assert!(!html.contains(&w.theirs.1), "not another client's session");
        assert!(
            !html.contains("Zane") && !html.contains("GLOBEX"),
            "not another client's people"
        );
    }

    // The enroll page offers our private session and the public one, never theirs.
    let (status, html) = b.get("/portal/client/enroll").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Paste CSV (first_name,last_name,email,session)"));
    assert!(html.contains(&w.private.1) && html.contains(&w.public.1));
    assert!(!html.contains(&w.theirs.1) && !html.contains("Zane"));

    // Check a pasted list: the report, nothing changed.
    let csrf = b.csrf().await;
    let before = counts(t).await;
    let csv =
        "first_name,last_name,email\nDan,Drake,dan.drake@acme.example\nEve,Evans,not-an-address\n";
    let public_id = w.public.0.to_string();
    let (status, html) = b
        .post_form(
            "/portal/client/enroll",
            &[
                ("_csrf", &csrf),
                ("source", "csv"),
                ("action", "check"),
                ("session_id", &public_id),
                ("csv", csv),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("nothing was changed"), "{html}");
    assert!(html.contains("class=\"broken\"") && html.contains("not-an-address"));
    assert!(html.contains("dan.drake@acme.example"), "the input is kept");
    assert_eq!(counts(t).await, before);
    let (status, html) = b
        .post_form(
            "/portal/client/enroll",
            &[
                ("_csrf", &csrf),
                ("source", "csv"),
                ("action", "enroll"),
                ("session_id", &public_id),
                ("csv", csv),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Nobody was enrolled"));
    assert_eq!(counts(t).await, before);

    // Tick two of our people for the public session: both enrolled in one go.
    let people = contact.get("/learners?q=acme.example").await.body;
    let id_of = |email: &str| {
        people["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["email"] == email)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
            .to_string()
    };
    let (ann, ben) = (
        id_of("ann.archer@acme.example"),
        id_of("ben.baker@acme.example"),
    );
    let (status, html) = b
        .post_form(
            "/portal/client/enroll",
            &[
                ("_csrf", &csrf),
                ("source", "select"),
                ("action", "enroll"),
                ("session_id", &public_id),
                ("learner_id", &ann),
                ("learner_id", &ben),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Enrolled 2 row(s)"), "{html}");
    let list = w
        .coordinator
        .get(&format!("/sessions/{}/enrollments", w.public.0))
        .await
        .body;
    let emails: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["learner_email"].as_str().unwrap())
        .collect();
    assert!(
        emails.contains(&"ann.archer@acme.example") && emails.contains(&"ben.baker@acme.example")
    );

    // Someone else's learner cannot be ticked in.
    let zed = w
        .coordinator
        .get("/learners?q=zed@globex.example")
        .await
        .body["items"][0]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let (status, _) = b
        .post_form(
            "/portal/client/enroll",
            &[
                ("_csrf", &csrf),
                ("source", "select"),
                ("action", "check"),
                ("session_id", &public_id),
                ("learner_id", &zed),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The coordinator's bulk page for a session; client contacts cannot use it.
    let staff = t.browser_as(Role::Coordinator, None).await;
    let (status, html) = staff
        .get(&format!("/sessions/{}/enroll-bulk", w.private.0))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Paste CSV") && html.contains("Ann Archer"),
        "the client's people to tick"
    );
    let staff_csrf = staff.csrf().await;
    let (status, html) = staff
        .post_form(
            &format!("/sessions/{}/enroll-bulk", w.theirs.0),
            &[
                ("_csrf", &staff_csrf),
                ("source", "csv"),
                ("action", "check"),
                (
                    "csv",
                    "first_name,last_name,email\nJo,Jay,jo@globex.example\n",
                ),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Booked"));
    let (status, _) = b
        .get(&format!("/sessions/{}/enroll-bulk", w.private.0))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn a_thousand_rows_are_checked_and_applied_in_one_go(t: &TestApp) {
    let w = world(t).await;
    let contact = t.api_as(Role::ClientContact, Some(w.acme)).await;
    let csv = format!(
        "first_name,last_name,email\n{}",
        (0..1000)
            .map(|i| format!("P{i},Many,p{i}@acme.example\n"))
            .collect::<String>()
    );
    let before = counts(t).await;
    let started = std::time::Instant::now();
    let r = contact
        .post(
            &bulk(true),
            &json!({ "csv": csv, "session_id": w.public.0 }),
        )
        .await;
    eprintln!("dry run of 1000 rows: {:?}", started.elapsed());
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.body["booked"].as_i64(), r.body["waitlisted"].as_i64()),
        (Some(10), Some(990))
    );
    assert_eq!(counts(t).await, before);
    let started = std::time::Instant::now();
    let r = contact
        .post(
            &bulk(false),
            &json!({ "csv": csv, "session_id": w.public.0 }),
        )
        .await;
    eprintln!("apply of 1000 rows: {:?}", started.elapsed());
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        r.body.to_string().chars().take(500).collect::<String>()
    );
    assert_eq!(r.body["rows"][999]["waitlist_position"], 990);
    let started = std::time::Instant::now();
    let b = t.browser_as(Role::ClientContact, Some(w.acme)).await;
    let (status, html) = b.get("/").await;
    eprintln!("portal with 1000 learners: {:?}", started.elapsed());
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("P999 Many"));
}

async fn a_contact_opens_the_public_sessions_of_their_people_and_counts_agree(t: &TestApp) {
    let w = world(t).await;
    let contact = t.api_as(Role::ClientContact, Some(w.acme)).await;
    let r = contact
        .post(
            &bulk(false),
            &json!({ "csv": format!(
            "first_name,last_name,email,session\nAnn,Archer,ann.archer@acme.example,{}\n",
            w.public.1) }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // A public session none of our people are in stays out of sight.
    let (other, _) = session(&w.coordinator, "PUB2", None, 10, "2027-05-18").await;

    let r = contact.get(&format!("/sessions/{}", w.public.0)).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "our learner's public session: {}",
        r.body
    );
    let r = contact
        .get(&format!("/sessions/{}/enrollments", w.public.0))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body.as_array().unwrap().len(), 1, "only our own people");
    assert_eq!(
        contact.get(&format!("/sessions/{other}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        contact
            .get(&format!("/sessions/{}", w.theirs.0))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let list = contact.get("/sessions?from=2020-01-01").await;
    assert_eq!(list.status, StatusCode::OK);
    let refs: Vec<&str> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["reference"].as_str().unwrap())
        .collect();
    assert!(refs.contains(&w.private.1.as_str()) && refs.contains(&w.public.1.as_str()));
    assert_eq!(list.body["total"], 2, "{refs:?}");

    let b = t.browser_as(Role::ClientContact, Some(w.acme)).await;
    let (status, html) = b.get(&format!("/sessions/{}", w.public.0)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Ann Archer") || html.contains("Archer"),
        "our learner on the page"
    );
    let (_, home) = b.get("/").await;
    assert!(
        home.contains("Our sessions <span class=\"count\">(2)</span>"),
        "{home}"
    );
    assert!(
        home.contains(&format!("href=\"/sessions/{}\"", w.public.0)),
        "the row links to it"
    );
    let today = chrono::Utc::now().format("%Y-%m-%d");
    let (_, listed) = b.get(&format!("/sessions?from={today}")).await;
    assert!(listed.contains(&w.private.1) && listed.contains(&w.public.1));
    assert!(!listed.contains(&w.theirs.1));
}

async fn a_contact_cancels_or_substitutes_their_people_until_the_cut_off(t: &TestApp) {
    let w = world(t).await;
    let soon_day = (chrono::Utc::now().date_naive() + chrono::Duration::days(5))
        .format("%Y-%m-%d")
        .to_string();
    let soon = session(&w.coordinator, "SOON", None, 10, &soon_day).await;
    let contact = t.api_as(Role::ClientContact, Some(w.acme)).await;
    let r = contact
        .post(&bulk(false), &json!({ "csv": format!(
            "first_name,last_name,email,session\nAnn,Archer,ann.archer@acme.example,{p}\nBen,Baker,ben.baker@acme.example,{q}\nCat,Cole,cat.cole@acme.example,{s}\n",
            p = w.public.1, q = w.private.1, s = soon.1) }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = w
        .coordinator
        .post(
            &bulk(false),
            &json!({ "csv": format!(
            "first_name,last_name,email,session\nZed,Zane,zed@globex.example,{}\n", w.theirs.1) }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let of = |list: &Value, email: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|e| e["learner_email"] == email)
            .cloned()
            .unwrap()
    };
    let learner_id = |email: &'static str| {
        let api = &w.coordinator;
        async move {
            api.get(&format!("/learners?q={email}")).await.body["items"][0]["id"]
                .as_i64()
                .unwrap()
        }
    };
    let ben = learner_id("ben.baker@acme.example").await;
    let zed = learner_id("zed@globex.example").await;

    // Ben goes instead of Ann: same seat, Ann cancelled, the seat count unchanged.
    let list = contact
        .get(&format!("/sessions/{}/enrollments", w.public.0))
        .await
        .body;
    let ann = of(&list, "ann.archer@acme.example");
    let booked_before = w
        .coordinator
        .get(&format!("/sessions/{}", w.public.0))
        .await
        .body["booked_count"]
        .clone();
    let r = contact
        .post(
            &format!("/enrollments/{}/substitute", ann["id"]),
            &json!({ "version": ann["version"], "learner_id": zed }),
        )
        .await;
    assert!(
        matches!(r.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
        "not another client's learner: {}",
        r.status
    );
    let r = contact
        .post(
            &format!("/enrollments/{}/substitute", ann["id"]),
            &json!({ "version": ann["version"], "learner_id": ben }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "booked");
    let list = contact
        .get(&format!("/sessions/{}/enrollments", w.public.0))
        .await
        .body;
    assert_eq!(of(&list, "ann.archer@acme.example")["status"], "cancelled");
    assert_eq!(of(&list, "ben.baker@acme.example")["status"], "booked");
    assert_eq!(
        w.coordinator
            .get(&format!("/sessions/{}", w.public.0))
            .await
            .body["booked_count"],
        booked_before
    );
    let told = common::mails_to(t, "ben.baker@acme.example").await;
    assert!(told.iter().any(|m| m.kind == "enrollment_confirmed"));

    // Past the cut-off: neither cancelling nor substituting.
    let r = w
        .coordinator
        .put(
            &format!("/sessions/{}/enrollment-rules", soon.0),
            &json!({ "promotion_mode": "auto", "offer_hours": 24, "cutoff_hours": 200 }),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    let list = contact
        .get(&format!("/sessions/{}/enrollments", soon.0))
        .await
        .body;
    let cat = of(&list, "cat.cole@acme.example");
    let r = contact
        .post(
            &format!("/enrollments/{}/substitute", cat["id"]),
            &json!({ "version": cat["version"], "learner_id": ben }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("closed 200 hours before the start")
    );
    let r = contact
        .post(
            &format!("/enrollments/{}/cancel", cat["id"]),
            &json!({ "version": cat["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);

    // From the home page: cancel and substitute forms on our people's upcoming enrollments.
    let b = t.browser_as(Role::ClientContact, Some(w.acme)).await;
    let (_, home) = b.get("/").await;
    let private = contact
        .get(&format!("/sessions/{}/enrollments", w.private.0))
        .await
        .body;
    let ben_private = of(&private, "ben.baker@acme.example");
    assert!(
        home.contains(&format!(
            "action=\"/enrollments/{}/substitute\"",
            ben_private["id"]
        )),
        "{home}"
    );
    assert!(home.contains(&format!(
        "action=\"/enrollments/{}/cancel\"",
        ben_private["id"]
    )));
    // Who goes instead is a type-ahead of our people, not a list of every one of them.
    assert!(
        home.contains(&format!(
            r#"<input id="sub-{}" name="learner" list="our-people""#,
            ben_private["id"]
        )),
        "{home}"
    );
    assert!(!home.contains(r#"<select id="sub-"#), "{home}");
    let csrf = b.csrf().await;
    // Typed by hand, another client's person is nobody we know.
    let (status, html) = b
        .post_form(
            &format!("/enrollments/{}/substitute", ben_private["id"]),
            &[
                ("_csrf", &csrf),
                ("version", &ben_private["version"].to_string()),
                ("learner_id", ""),
                ("learner", "zed@globex.example"),
            ],
        )
        .await;
    assert!(status.is_client_error(), "{status}");
    assert!(
        html.contains("No learner has the e-mail zed@globex.example."),
        "{html}"
    );
    let cat_id = learner_id("cat.cole@acme.example").await.to_string();
    let (status, _) = b
        .post_form(
            &format!("/enrollments/{}/substitute", ben_private["id"]),
            &[
                ("_csrf", &csrf),
                ("version", &ben_private["version"].to_string()),
                ("learner_id", &cat_id),
            ],
        )
        .await;
    assert!(status.is_success() || status.is_redirection(), "{status}");
    let private = contact
        .get(&format!("/sessions/{}/enrollments", w.private.0))
        .await
        .body;
    assert_eq!(of(&private, "cat.cole@acme.example")["status"], "booked");
    assert_eq!(
        of(&private, "ben.baker@acme.example")["status"],
        "cancelled"
    );
}
