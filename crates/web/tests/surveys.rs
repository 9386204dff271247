//! Feedback surveys (issue 16 §1) over HTTP on both databases: a session marked delivered
//! invites its learners and client contacts through the outbox with a personal link; the link
//! works without login, once (also when followed concurrently); unknown or altered links are
//! refused; answers out of range are a 422 naming the question with nothing stored; results
//! per session, course, instructor, client computed by hand; who sees which results; templates;
//! one reminder.

use crate::common;

use crate::common::{Api, TestApp, course_body, mails_to};
use reqwest::StatusCode;
use serde_json::{Value, json};
use trainyard_app::accounts::{self, NewAccount};
use trainyard_core::Role;

both_backends!(
    delivering_a_session_invites_learners_and_contacts,
    a_link_answers_once_also_concurrently,
    unknown_altered_and_used_links_are_refused,
    answers_out_of_range_are_refused_naming_the_question,
    results_match_the_answers_counted_by_hand,
    instructors_see_their_own_and_contacts_their_people,
    templates_are_edited_by_operations_and_kept_once_sent,
    a_reminder_goes_once_to_those_who_have_not_answered,
);

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

async fn api_for(
    t: &TestApp,
    email: &str,
    role: Role,
    client: Option<i64>,
    instructor: Option<i64>,
) -> Api {
    accounts::create_user(
        &t.app,
        None,
        NewAccount {
            email: email.into(),
            display_name: email.split('@').next().unwrap_or(email).into(),
            password: common::PASSWORD.into(),
            role,
            client_id: client,
            instructor_id: instructor,
            learner_id: None,
            time_zone: "Europe/Berlin".into(),
        },
    )
    .await
    .unwrap();
    let token = accounts::create_api_token_for(&t.app, email, "tests")
        .await
        .unwrap();
    Api {
        base: t.url("/api/v1"),
        token: token.secret,
        http: reqwest::Client::new(),
    }
}

async fn client(api: &Api, code: &str) -> i64 {
    id(&api
        .create(
            "/clients",
            &json!({ "code": code, "name": format!("Client {code}"), "billing_email": format!("billing@{code}.example.com"),
                     "currency": "EUR", "time_zone": "Europe/Berlin" }),
        )
        .await)
}

async fn learner(api: &Api, first: &str, client: Option<i64>) -> i64 {
    id(&api
        .create(
            "/learners",
            &json!({ "first_name": first, "last_name": "Learner", "email": format!("{first}@learner.example.com"),
                     "client_id": client, "time_zone": "Europe/Berlin" }),
        )
        .await)
}

async fn instructor(api: &Api, name: &str) -> i64 {
    id(&api
        .create(
            "/instructors",
            &json!({ "name": name, "email": format!("{name}@inst.example.com"), "employment_type": "contractor",
                     "time_zone": "Europe/Berlin", "currency": "EUR", "day_rate": { "amount": "800", "currency": "EUR" },
                     "hour_rate": { "amount": "100", "currency": "EUR" }, "max_days_week": 5, "max_days_month": 20, "skills": [] }),
        )
        .await)
}

/// A one-part session starting in `minutes`, the learners enrolled, the instructor (if any)
/// accepted, then confirmed and marked delivered. Returns the session.
async fn delivered(
    api: &Api,
    course: i64,
    learners: &[i64],
    teacher: Option<i64>,
    minutes: i64,
) -> i64 {
    let berlin = trainyard_core::TimeZoneName::parse("Europe/Berlin").unwrap();
    let soon = berlin.local(trainyard_core::time::now_ms() + minutes * 60_000);
    let fmt = |d: chrono::DateTime<chrono_tz::Tz>| d.format("%Y-%m-%dT%H:%M").to_string();
    let s = api
        .create("/sessions", &json!({
            "course_id": course, "visibility": "public", "delivery_mode": "vilt", "capacity": 10,
            "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" },
            "parts": [{ "starts": fmt(soon), "ends": fmt(soon + chrono::Duration::minutes(40)) }]
        }))
        .await;
    let sid = id(&s);
    let r = api
        .post(
            &format!("/sessions/{sid}/transition"),
            &json!({ "event": "schedule", "version": s["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for l in learners {
        api.create(
            &format!("/sessions/{sid}/enrollments"),
            &json!({ "learner_id": l }),
        )
        .await;
    }
    if let Some(i) = teacher {
        let mut a = api
            .create(
                &format!("/sessions/{sid}/assignments"),
                &json!({ "instructor_id": i, "role": "lead", "override_reason": "test" }),
            )
            .await;
        for event in ["request", "accept"] {
            let r = api
                .post(
                    &format!("/assignments/{}/actions", id(&a)),
                    &json!({ "event": event, "version": a["version"], "override_reason": "test" }),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{event}: {}", r.body);
            a = r.body;
        }
    }
    let mut v = api.get(&format!("/sessions/{sid}")).await.body["version"]
        .as_i64()
        .unwrap();
    for event in ["confirm", "deliver"] {
        let r = api
            .post(
                &format!("/sessions/{sid}/transition"),
                &json!({ "event": event, "version": v }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{event}: {}", r.body);
        v = r.body["version"].as_i64().unwrap();
    }
    sid
}

/// The secret of the newest survey link e-mailed to `email` (`kind`: invitation or reminder).
async fn link_of(t: &TestApp, email: &str, kind: &str) -> String {
    let mails = mails_to(t, email).await;
    let m = mails
        .iter()
        .rev()
        .find(|m| m.kind == kind)
        .unwrap_or_else(|| panic!("no {kind} to {email}: {mails:?}"));
    let link = common::link_in(&m.body, &t.app, "/survey/").expect("a survey link");
    link.rsplit('/').next().unwrap().to_owned()
}

/// Public calls, no token.
async fn public_get(t: &TestApp, token: &str) -> (StatusCode, Value) {
    let r = reqwest::get(t.url(&format!("/api/v1/surveys/{token}")))
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn public_answer(t: &TestApp, token: &str, answers: &Value) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .post(t.url(&format!("/api/v1/surveys/{token}")))
        .json(&json!({ "answers": answers }))
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

/// Answers for every question of a survey: ratings `rating`, recommendation `nps`, the first
/// option, and `text` for free text.
fn answers_for(survey: &Value, rating: i64, nps: i64, text: &str) -> Value {
    let mut out = Vec::new();
    for q in survey["questions"].as_array().unwrap() {
        let qid = q["id"].as_i64().unwrap();
        out.push(match q["kind"].as_str().unwrap() {
            "rating" => json!({ "question_id": qid, "value": rating }),
            "nps" => json!({ "question_id": qid, "value": nps }),
            "text" => json!({ "question_id": qid, "text": text }),
            _ => json!({ "question_id": qid, "choices": [q["options"][0]] }),
        });
    }
    Value::Array(out)
}

async fn answers_stored(t: &TestApp) -> i64 {
    use sqlx::Row;
    let mut conn = t.app.store.read().await.unwrap();
    sqlx::query("SELECT CAST(count(*) AS BIGINT) AS n FROM survey_answers")
        .fetch_one(&mut *conn)
        .await
        .unwrap()
        .try_get::<i64, _>("n")
        .unwrap()
}

async fn delivering_a_session_invites_learners_and_contacts(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let acme = client(&api, "acme").await;
    api_for(
        t,
        "carla@acme.example.com",
        Role::ClientContact,
        Some(acme),
        None,
    )
    .await;
    let course = id(&api.create("/courses", &course_body("FBK")).await);
    let ada = learner(&api, "ada", Some(acme)).await;
    let bob = learner(&api, "bob", None).await;
    let sid = delivered(&api, course, &[ada, bob], None, 30).await;

    for (email, first_line) in [
        ("ada@learner.example.com", "Hello ada Learner"),
        ("bob@learner.example.com", "Hello bob Learner"),
        ("carla@acme.example.com", "Hello carla"),
    ] {
        let mails: Vec<_> = mails_to(t, email)
            .await
            .into_iter()
            .filter(|m| m.kind == "survey_invitation")
            .collect();
        assert_eq!(mails.len(), 1, "one invitation to {email}");
        assert!(mails[0].body.starts_with(first_line), "{}", mails[0].body);
        assert!(
            mails[0].subject.contains("Course FBK"),
            "{}",
            mails[0].subject
        );
        let token = link_of(t, email, "survey_invitation").await;
        assert_eq!(token.len(), 64);
        let (status, survey) = public_get(t, &token).await;
        assert_eq!(status, StatusCode::OK, "{survey}");
        let audience = if email.starts_with("carla") {
            "client"
        } else {
            "learner"
        };
        assert_eq!(survey["audience"], audience);
        assert!(!survey["questions"].as_array().unwrap().is_empty());
    }
    // The public page opens without login, on a phone.
    let token = link_of(t, "ada@learner.example.com", "survey_invitation").await;
    let r = reqwest::get(t.url(&format!("/survey/{token}")))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("name=\"viewport\"") && html.contains("How useful was the content"),
        "{html}"
    );
    // Only hashes are stored.
    {
        use sqlx::Row;
        let mut conn = t.app.store.read().await.unwrap();
        let n: i64 = sqlx::query(
            "SELECT CAST(count(*) AS BIGINT) AS n FROM survey_invitations WHERE token_hash = $1",
        )
        .bind(token.clone())
        .fetch_one(&mut *conn)
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
        assert_eq!(n, 0, "the secret itself is not stored");
    }
    // Audited with the delivery.
    let h = api.get(&format!("/history/session/{sid}")).await;
    assert!(
        h.body.to_string().contains("session.survey_invited"),
        "{}",
        h.body
    );
    let fb = api.get(&format!("/sessions/{sid}/feedback")).await;
    assert_eq!(fb.status, StatusCode::OK, "{}", fb.body);
    assert_eq!(fb.body["invited"], 3);
    assert_eq!(fb.body["answered"], 0);
}

async fn a_link_answers_once_also_concurrently(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let course = id(&api.create("/courses", &course_body("ONC")).await);
    let ada = learner(&api, "ada", None).await;
    let bob = learner(&api, "bob", None).await;
    delivered(&api, course, &[ada, bob], None, 30).await;

    let token = link_of(t, "ada@learner.example.com", "survey_invitation").await;
    let (_, survey) = public_get(t, &token).await;
    let answers = answers_for(&survey, 4, 9, "Great");
    let n_rows = answers.as_array().unwrap().len() as i64;
    let (status, body) = public_answer(t, &token, &answers).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(answers_stored(t).await, n_rows);
    let (status, body) = public_answer(t, &token, &answers).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("already answered"),
        "{body}"
    );
    assert_eq!(
        answers_stored(t).await,
        n_rows,
        "the second answer stored nothing"
    );
    let (status, _) = public_get(t, &token).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let r = reqwest::get(t.url(&format!("/survey/{token}")))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("already answered"));

    // Bob's link, followed eight times at once: one set of answers.
    let token = link_of(t, "bob@learner.example.com", "survey_invitation").await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let url = t.url(&format!("/api/v1/surveys/{token}"));
        let body = json!({ "answers": answers.clone() });
        tasks.push(tokio::spawn(async move {
            reqwest::Client::new()
                .post(url)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let mut ok = 0;
    for task in tasks {
        match task.await.unwrap() {
            StatusCode::NO_CONTENT => ok += 1,
            StatusCode::CONFLICT => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(ok, 1, "exactly one answer is recorded");
    assert_eq!(answers_stored(t).await, 2 * n_rows);

    // Through the page form too: a thank-you, then "already answered".
    let carl = learner(&api, "carl", None).await;
    delivered(&api, course, &[carl], None, 120).await;
    let token = link_of(t, "carl@learner.example.com", "survey_invitation").await;
    let (_, survey) = public_get(t, &token).await;
    let mut form: Vec<(String, String)> = Vec::new();
    for q in survey["questions"].as_array().unwrap() {
        let f = format!("q{}", q["id"]);
        match q["kind"].as_str().unwrap() {
            "rating" => form.push((f, "5".into())),
            "nps" => form.push((f, "10".into())),
            "text" => form.push((f, "Loved it".into())),
            _ => form.push((f, q["options"][0].as_str().unwrap().into())),
        }
    }
    let post = || async {
        let r = reqwest::Client::new()
            .post(t.url(&format!("/survey/{token}")))
            .header("origin", t.url(""))
            .form(&form)
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    };
    let (status, html) = post().await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Thank you"), "{html}");
    let (status, html) = post().await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("already answered"), "{html}");
}

async fn unknown_altered_and_used_links_are_refused(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let course = id(&api.create("/courses", &course_body("UNK")).await);
    let ada = learner(&api, "ada", None).await;
    let bob = learner(&api, "bob", None).await;
    delivered(&api, course, &[ada, bob], None, 30).await;
    let ada_token = link_of(t, "ada@learner.example.com", "survey_invitation").await;
    let bob_token = link_of(t, "bob@learner.example.com", "survey_invitation").await;
    assert_ne!(ada_token, bob_token, "a personal link each");

    let made_up = "0".repeat(64);
    let mut altered = ada_token.clone().into_bytes();
    altered[10] = if altered[10] == b'a' { b'b' } else { b'a' };
    let altered = String::from_utf8(altered).unwrap();
    for bad in [
        made_up.as_str(),
        altered.as_str(),
        "not-a-token",
        "..%2F..%2Fetc%2Fpasswd",
    ] {
        let (status, _) = public_get(t, bad).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
        let (status, body) = public_answer(t, bad, &json!([])).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}: {body}");
        let r = reqwest::get(t.url(&format!("/survey/{bad}")))
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{bad}");
        assert!(r.text().await.unwrap().contains("not valid"));
    }
    // Ada's link answers Ada's survey only: Bob's stays open.
    let (_, survey) = public_get(t, &ada_token).await;
    let (status, _) = public_answer(t, &ada_token, &answers_for(&survey, 3, 7, "")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = public_get(t, &bob_token).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "another person's survey is untouched"
    );
    // A question of another template is not part of this survey.
    let (_, bob_survey) = public_get(t, &bob_token).await;
    let mut answers = answers_for(&bob_survey, 3, 7, "");
    answers
        .as_array_mut()
        .unwrap()
        .push(json!({ "question_id": 999999, "value": 3 }));
    let (status, body) = public_answer(t, &bob_token, &answers).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "q999999");
}

async fn answers_out_of_range_are_refused_naming_the_question(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let course = id(&api.create("/courses", &course_body("RNG")).await);
    let ada = learner(&api, "ada", None).await;
    delivered(&api, course, &[ada], None, 30).await;
    let token = link_of(t, "ada@learner.example.com", "survey_invitation").await;
    let (_, survey) = public_get(t, &token).await;
    let rating = survey["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["kind"] == "rating")
        .unwrap()
        .clone();
    let nps = survey["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["kind"] == "nps")
        .unwrap()
        .clone();
    for (q, bad) in [(&rating, 6), (&rating, 0), (&nps, 11), (&nps, -1)] {
        let mut answers = answers_for(&survey, 4, 8, "");
        for a in answers.as_array_mut().unwrap() {
            if a["question_id"] == q["id"] {
                a["value"] = json!(bad);
            }
        }
        let (status, body) = public_answer(t, &token, &answers).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["field"], format!("q{}", q["id"]));
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(q["prompt"].as_str().unwrap()), "{message}");
        assert!(message.contains(&bad.to_string()), "{message}");
    }
    // A required question left out, a choice that is not an option.
    let (status, body) = public_answer(t, &token, &json!([])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["errors"].as_array().unwrap().len() >= 5, "{body}");
    assert_eq!(answers_stored(t).await, 0, "nothing stored");
    let (status, _) = public_get(t, &token).await;
    assert_eq!(status, StatusCode::OK, "the link still works");

    // The page shows the problem at the question and keeps the other answers.
    let mut form: Vec<(String, String)> = vec![(format!("q{}", rating["id"]), "9".into())];
    form.push(("q999".into(), "x".into()));
    let r = reqwest::Client::new()
        .post(t.url(&format!("/survey/{token}")))
        .header("origin", t.url(""))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(&format!("id=\"e-q{}\"", rating["id"])),
        "{html}"
    );
    assert!(html.contains("9 is not between 1 and 5"), "{html}");
    assert_eq!(answers_stored(t).await, 0);
}

/// Answers one learner's survey with the same rating everywhere.
async fn answer_as(t: &TestApp, email: &str, rating: i64, nps: i64, text: &str) {
    let token = link_of(t, email, "survey_invitation").await;
    let (_, survey) = public_get(t, &token).await;
    let (status, body) = public_answer(t, &token, &answers_for(&survey, rating, nps, text)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
}

fn group<'a>(report: &'a Value, label: &str) -> &'a Value {
    report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["label"] == label)
        .unwrap_or_else(|| panic!("no group {label}: {report}"))
}

fn question<'a>(g: &'a Value, kind: &str, topic: &str) -> &'a Value {
    g["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["kind"] == kind && q["topic"] == topic)
        .unwrap_or_else(|| panic!("no {kind} {topic}: {g}"))
}

async fn results_match_the_answers_counted_by_hand(t: &TestApp) {
    let api = t.api_as(Role::Admin, None).await;
    let acme = client(&api, "acme").await;
    let one = id(&api.create("/courses", &course_body("ONE")).await);
    let two = id(&api.create("/courses", &course_body("TWO")).await);
    let anna = instructor(&api, "anna").await;
    let ls: Vec<i64> = {
        let mut v = Vec::new();
        for (n, c) in [
            ("la", Some(acme)),
            ("lb", Some(acme)),
            ("lc", None),
            ("ld", None),
        ] {
            v.push(learner(&api, n, c).await);
        }
        v
    };
    // Course ONE: la, lb, lc invited (anna teaches); la 5/10, lb 3/6, lc does not answer.
    let s1 = delivered(&api, one, &ls[..3], Some(anna), 30).await;
    // Course TWO: ld invited, answers 4/9.
    delivered(&api, two, &ls[3..], None, 120).await;
    answer_as(t, "la@learner.example.com", 5, 10, "Keep the exercises").await;
    answer_as(t, "lb@learner.example.com", 3, 6, "").await;
    answer_as(t, "ld@learner.example.com", 4, 9, "More breaks").await;

    let r = api.get("/feedback?by=course").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["invited"], 4);
    assert_eq!(r.body["answered"], 3);
    assert_eq!(r.body["response_rate"], 75.0);
    let g1 = group(&r.body, "Course ONE");
    assert_eq!(g1["invited"], 3);
    assert_eq!(g1["answered"], 2);
    let rate = g1["response_rate"].as_f64().unwrap();
    assert!((rate - 200.0 / 3.0).abs() < 1e-9, "{rate}");
    let content = question(g1, "rating", "content");
    assert_eq!(content["answers"], 2);
    assert_eq!(content["average"], 4.0, "(5 + 3) / 2");
    // One promoter (10), one detractor (6): 0.
    let nps = question(g1, "nps", "overall");
    assert_eq!(nps["nps"], 0);
    assert_eq!(nps["average"], 8.0);
    // Operations: logistics, communication and materials, 3 questions × (5, 3) → 4.
    assert_eq!(g1["operations_average"], 4.0);
    let comments: Vec<&str> = g1["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        comments,
        ["Keep the exercises"],
        "blank text is not an answer"
    );
    let g2 = group(&r.body, "Course TWO");
    assert_eq!(g2["response_rate"], 100.0);
    assert_eq!(question(g2, "nps", "overall")["nps"], 100);

    // By instructor: anna's one session; by client: acme's two learners.
    let r = api.get("/feedback?by=instructor").await;
    let g = group(&r.body, "anna");
    assert_eq!(
        (g["invited"].as_i64(), g["answered"].as_i64()),
        (Some(3), Some(2))
    );
    let r = api.get("/feedback?by=client").await;
    let g = group(&r.body, "Client acme");
    assert_eq!(
        (g["invited"].as_i64(), g["answered"].as_i64()),
        (Some(2), Some(2))
    );
    assert_eq!(question(g, "rating", "instructor")["average"], 4.0);
    let g = group(&r.body, "No client");
    assert_eq!(
        (g["invited"].as_i64(), g["answered"].as_i64()),
        (Some(2), Some(1))
    );
    // By session, and the session's own figures.
    let r = api.get(&format!("/sessions/{s1}/feedback")).await;
    assert_eq!(r.body["invited"], 3);
    assert_eq!(question(&r.body, "rating", "materials")["average"], 4.0);
    // A period without sessions, and a malformed date.
    let r = api
        .get("/feedback?by=venue&from=2000-01-01&to=2000-12-31")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["groups"], json!([]));
    let r = api.get("/feedback?from=yesterday").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let r = api.get("/feedback?by=planet").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);

    // The page shows the same figures.
    let b = t.browser_as(Role::Coordinator, None).await;
    let (status, html) = b.get("/feedback?by=course").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Course ONE") && html.contains("67 %") && html.contains("4.00"),
        "{html}"
    );
    assert!(html.contains("Keep the exercises"), "{html}");
    let (status, html) = b.get(&format!("/sessions/{s1}/feedback")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("How useful was the content"), "{html}");
    let (_, html) = b.get(&format!("/sessions/{s1}")).await;
    assert!(
        html.contains(&format!("/sessions/{s1}/feedback")),
        "linked from the session"
    );
}

async fn instructors_see_their_own_and_contacts_their_people(t: &TestApp) {
    let api = t.api_as(Role::Admin, None).await;
    let acme = client(&api, "acme").await;
    let beta = client(&api, "beta").await;
    let course = id(&api.create("/courses", &course_body("OWN")).await);
    let anna = instructor(&api, "anna").await;
    let otto = instructor(&api, "otto").await;
    let la = learner(&api, "la", Some(acme)).await;
    let lb = learner(&api, "lb", Some(beta)).await;
    let mine = delivered(&api, course, &[la], Some(anna), 30).await;
    let theirs = delivered(&api, course, &[lb], Some(otto), 120).await;
    answer_as(t, "la@learner.example.com", 5, 10, "Anna was great").await;
    answer_as(t, "lb@learner.example.com", 2, 3, "Otto was late").await;

    let anna_api = api_for(
        t,
        "anna-user@example.com",
        Role::Instructor,
        None,
        Some(anna),
    )
    .await;
    let r = anna_api.get("/feedback?by=session").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let groups = r.body["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{}", r.body);
    assert_eq!(groups[0]["id"], mine);
    assert!(!r.body.to_string().contains("Otto was late"));
    let r = anna_api.get("/feedback?by=instructor").await;
    assert_eq!(r.body["groups"].as_array().unwrap().len(), 1, "{}", r.body);
    assert_eq!(r.body["groups"][0]["id"], anna);
    assert_eq!(
        anna_api
            .get(&format!("/sessions/{mine}/feedback"))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        anna_api
            .get(&format!("/sessions/{theirs}/feedback"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let acme_api = api_for(
        t,
        "carla@acme.example.com",
        Role::ClientContact,
        Some(acme),
        None,
    )
    .await;
    let r = acme_api.get("/feedback?by=course").await;
    assert_eq!(r.body["invited"], 1, "{}", r.body);
    assert!(!r.body.to_string().contains("Otto was late"));
    assert_eq!(
        acme_api
            .get(&format!("/sessions/{theirs}/feedback"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let learner_api = t.api_as(Role::Learner, None).await;
    assert_eq!(
        learner_api.get("/feedback").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        learner_api
            .get(&format!("/sessions/{mine}/feedback"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // The instructor's page.
    let b = common::Browser::new(t);
    b.login("anna-user@example.com", common::PASSWORD).await;
    let (status, html) = b.get("/feedback?by=session").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Anna was great") && !html.contains("Otto was late"),
        "{html}"
    );
}

async fn templates_are_edited_by_operations_and_kept_once_sent(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let r = api.get("/survey-templates").await;
    assert_eq!(r.status, StatusCode::OK);
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "the two defaults are seeded");
    assert!(items.iter().all(|t| t["is_default"] == true));

    let bad = api
        .post(
            "/survey-templates",
            &json!({ "name": "", "audience": "learner", "questions": [
                { "kind": "single_choice", "topic": "logistics", "prompt": "Room?", "options": ["Yes"] } ] }),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "questions[0].options"]);

    let created = api
        .create(
            "/survey-templates",
            &json!({ "name": "Short", "audience": "learner", "is_default": true, "questions": [
                { "kind": "rating", "topic": "content", "prompt": "Good?" },
                { "kind": "multiple_choice", "topic": "materials", "prompt": "Which helped?", "options": ["Slides", "Labs"], "required": false } ] }),
        )
        .await;
    let tid = id(&created);
    let r = api.get("/survey-templates").await;
    let defaults: Vec<i64> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["is_default"] == true && t["audience"] == "learner")
        .map(id)
        .collect();
    assert_eq!(defaults, [tid], "one default per audience");

    // Sent with a delivery, then the questions are kept.
    let course = id(&api.create("/courses", &course_body("TPL")).await);
    let ada = learner(&api, "ada", None).await;
    delivered(&api, course, &[ada], None, 30).await;
    let token = link_of(t, "ada@learner.example.com", "survey_invitation").await;
    let (_, survey) = public_get(t, &token).await;
    assert_eq!(survey["questions"].as_array().unwrap().len(), 2);
    let t_now = api.get(&format!("/survey-templates/{tid}")).await.body;
    assert_eq!(t_now["in_use"], true);
    let mut body = json!({ "name": "Short v2", "audience": "learner", "is_default": true, "version": t_now["version"],
        "questions": [ { "kind": "rating", "topic": "content", "prompt": "Changed?" } ] });
    let r = api.put(&format!("/survey-templates/{tid}"), &body).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    body["questions"] = json!([
        { "kind": "rating", "topic": "content", "prompt": "Good?" },
        { "kind": "multiple_choice", "topic": "materials", "prompt": "Which helped?", "options": ["Slides", "Labs"], "required": false } ]);
    let r = api.put(&format!("/survey-templates/{tid}"), &body).await;
    assert_eq!(r.status, StatusCode::OK, "renaming is fine: {}", r.body);
    assert_eq!(r.body["name"], "Short v2");
    let stale = api.put(&format!("/survey-templates/{tid}"), &body).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let r = api
        .delete(&format!(
            "/survey-templates/{tid}?version={}",
            r.body["version"]
        ))
        .await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "the default is not archived: {}",
        r.body
    );

    // Finance reads, does not write; learners neither.
    let finance = t.api_as(Role::Finance, None).await;
    assert_eq!(
        finance.get("/survey-templates").await.status,
        StatusCode::OK
    );
    assert_eq!(
        finance
            .post(
                "/survey-templates",
                &json!({ "name": "x", "audience": "client", "questions": [] })
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // The page form, one question per line.
    let b = t.browser_as(Role::Coordinator, None).await;
    let csrf = b.csrf().await;
    let (status, html) = b
        .post_form(
            "/admin/survey-templates/new",
            &[
                ("_csrf", csrf.as_str()),
                ("name", "Ops"),
                ("audience", "client"),
                (
                    "questions",
                    "rating | operations | Organised well?\nstars | logistics | Bad kind",
                ),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("line 2"), "{html}");
    let (status, html) = b
        .post_form(
            "/admin/survey-templates/new",
            &[("_csrf", csrf.as_str()), ("name", "Ops"), ("audience", "client"),
              ("questions", "rating | operations | Organised well?\nsingle_choice | logistics | On time? | Yes; No")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Organised well?"), "{html}");
    let (status, html) = b.get("/admin/survey-templates").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Ops") && html.contains("Short v2"), "{html}");
}

async fn a_reminder_goes_once_to_those_who_have_not_answered(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let course = id(&api.create("/courses", &course_body("REM")).await);
    let ada = learner(&api, "ada", None).await;
    let bob = learner(&api, "bob", None).await;
    delivered(&api, course, &[ada, bob], None, 30).await;
    answer_as(t, "ada@learner.example.com", 4, 8, "").await;
    let now = trainyard_core::time::now_ms();
    let (n, _) = trainyard_app::surveys::enqueue_reminders(&t.app, now)
        .await
        .unwrap();
    assert_eq!(n, 0, "not yet");
    let later = now + 4 * 86_400_000;
    let (n, _) = trainyard_app::surveys::enqueue_reminders(&t.app, later)
        .await
        .unwrap();
    assert_eq!(n, 1, "only bob, who has not answered");
    let (n, _) = trainyard_app::surveys::enqueue_reminders(&t.app, later)
        .await
        .unwrap();
    assert_eq!(n, 0, "once");
    assert!(
        mails_to(t, "ada@learner.example.com")
            .await
            .iter()
            .all(|m| m.kind != "survey_reminder")
    );
    let reminder = link_of(t, "bob@learner.example.com", "survey_reminder").await;
    let first = link_of(t, "bob@learner.example.com", "survey_invitation").await;
    assert_ne!(reminder, first);
    let (status, survey) = public_get(t, &first).await;
    assert_eq!(status, StatusCode::OK, "the first link still works");
    let (status, _) = public_answer(t, &reminder, &answers_for(&survey, 2, 5, "")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = public_get(t, &first).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "one answer per person, whichever link"
    );
}
