//! Budgets (issue 15 §5) over HTTP on both databases: figures worked out by hand from manual
//! cost lines on sessions of a program, a client and a cost centre; the variance alert queues
//! exactly one e-mail per crossing, also when the crossing changes race; who may see budgets; bad
//! input is 422 naming the field and changes nothing; the pages and the dashboard.

use crate::common;

use crate::common::{Api, TestApp, course_body, mails_to};
use reqwest::StatusCode;
use serde_json::{Value, json};
use trainyard_core::Role;

both_backends!(
    figures_by_hand_and_one_alert_per_crossing,
    concurrent_changes_alert_once,
    only_finance_managers_and_admins_see_budgets,
    bad_input_is_422_and_changes_nothing,
    the_pages_show_budgets_and_their_sessions,
);

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

struct World {
    manager: Api,
    finance: Api,
    finance_email: String,
    client: i64,
    program: i64,
    /// In the program, March 2027.
    s1: i64,
    s1_ref: String,
    /// In the program, August 2027 (outside the program budget's months).
    s2: i64,
    /// Public, April 2027, tagged with the cost centre.
    s3: i64,
    cost_centre: i64,
}

async fn session(api: &Api, body: Value) -> (i64, String) {
    let s = api.create("/sessions", &body).await;
    (id(&s), s["reference"].as_str().unwrap().to_owned())
}

async fn build(t: &TestApp) -> World {
    let manager = t.api_as(Role::Manager, None).await;
    let finance = t.api_as(Role::Finance, None).await;
    let finance_email = finance.get("/me").await.body["email"]
        .as_str()
        .unwrap()
        .to_owned();
    let course = id(&manager.create("/courses", &course_body("BUD")).await);
    let client = id(&manager
        .create("/clients", &json!({
            "code": "BACME", "name": "Acme Budgets", "billing_email": "ab@acme.example", "billing_address": "1 Road",
            "currency": "EUR", "time_zone": "Europe/Berlin"
        }))
        .await);
    // No budget on the program itself: the budgets below are set up by hand.
    let program = id(&manager
        .create("/programs", &json!({
            "client_id": client, "name": "Acme leadership", "budget": { "amount": "0", "currency": "EUR" },
            "starts_on": "2027-03-01", "ends_on": "2027-06-30"
        }))
        .await);
    let private = |day: &str| {
        json!({
            "course_id": course, "visibility": "private", "client_id": client, "program_id": program,
            "delivery_mode": "vilt", "capacity": 10, "time_zone": "Europe/Berlin",
            "seat_price": { "amount": "400", "currency": "EUR" },
            "parts": [{ "starts": format!("{day}T09:00"), "ends": format!("{day}T17:00") }]
        })
    };
    let (s1, s1_ref) = session(&manager, private("2027-03-10")).await;
    let (s2, _) = session(&manager, private("2027-08-02")).await;
    let (s3, _) = session(
        &manager,
        json!({
            "course_id": course, "visibility": "public", "delivery_mode": "vilt", "capacity": 10,
            "time_zone": "Europe/Berlin", "seat_price": { "amount": "500", "currency": "EUR" },
            "parts": [{ "starts": "2027-04-14T09:00", "ends": "2027-04-14T17:00" }]
        }),
    )
    .await;
    let cc = finance
        .create(
            "/cost-centres",
            &json!({ "code": "cc-academy", "name": "Academy" }),
        )
        .await;
    assert_eq!(cc["code"], "CC-ACADEMY");
    let cost_centre = id(&cc);
    let r = finance
        .post(
            &format!("/cost-centres/{cost_centre}/tags"),
            &json!({ "session_ids": [s3] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["sessions"], 1);
    World {
        manager,
        finance,
        finance_email,
        client,
        program,
        s1,
        s1_ref,
        s2,
        s3,
        cost_centre,
    }
}

/// Adds a manual line and returns its key.
async fn line(api: &Api, session: i64, amount: &str, stage: &str) -> String {
    let r = api
        .post(
            &format!("/sessions/{session}/cost-lines"),
            &json!({ "kind": "other", "description": format!("{stage} {amount}"), "amount": { "amount": amount, "currency": "EUR" }, "stage": stage }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let lines = r.body["lines"].as_array().unwrap();
    lines.iter().rfind(|l| l["derived"] == false).unwrap()["key"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn budget(api: &Api, body: Value) -> Value {
    let r = api.post("/budgets", &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body
}

fn alerts(mails: &[common::Mail]) -> usize {
    mails.iter().filter(|m| m.kind == "budget_alert").count()
}

async fn figures_by_hand_and_one_alert_per_crossing(t: &TestApp) {
    let w = build(t).await;
    let f = &w.finance;
    // S1: planned 100.00; committed 500.00; 200.00 committed whose actual is 250.00.
    line(f, w.s1, "100", "planned").await;
    line(f, w.s1, "500", "committed").await;
    let key = line(f, w.s1, "200", "committed").await;
    let fin = f.get(&format!("/sessions/{}/finance", w.s1)).await.body;
    let version = fin["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["key"] == key.as_str())
        .unwrap()["version"]
        .clone();
    let r = f
        .put(
            &format!("/sessions/{}/cost-lines/{key}/actual", w.s1),
            &json!({ "version": version, "amount": "250" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // S2 (August): committed 999.00 — outside the program budget, inside the client's year.
    line(f, w.s2, "999", "committed").await;

    let program = budget(
        f,
        json!({ "scope": "program", "target_id": w.program, "name": "Leadership spring", "from_month": "2027-03",
                "to_month": "2027-06", "amount": { "amount": "1000", "currency": "EUR" }, "threshold_percent": 80 }),
    )
    .await;
    // 500.00 + 250.00 = 750.00 bound of 1000.00: 75 %, under the 80 % threshold.
    assert_eq!(program["target_name"], "Acme leadership");
    let fig = &program["figures"];
    assert_eq!(fig["budget"]["amount"], "1000.00");
    assert_eq!(fig["planned"]["amount"], "100.00");
    assert_eq!(fig["committed"]["amount"], "500.00");
    assert_eq!(fig["actual"]["amount"], "250.00");
    assert_eq!(fig["exposure"]["amount"], "750.00");
    assert_eq!(fig["remaining"]["amount"], "250.00");
    assert_eq!(fig["used_percent"], 75);
    assert_eq!(fig["over_threshold"], false);
    assert_eq!(program["sessions"], 1);
    assert_eq!(program["session_rows"][0]["session_id"], w.s1);
    assert_eq!(
        program["session_rows"][0]["lines"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    let client = budget(
        f,
        json!({ "scope": "client", "target_id": w.client, "name": "Acme 2027", "from_month": "2027-01",
                "to_month": "2027-12", "amount": { "amount": "5000", "currency": "EUR" } }),
    )
    .await;
    // 500.00 + 250.00 + 999.00 = 1749.00 of 5000.00: 34 %; planned 100.00.
    assert_eq!(client["threshold_percent"], 90);
    assert_eq!(client["figures"]["exposure"]["amount"], "1749.00");
    assert_eq!(client["figures"]["planned"]["amount"], "100.00");
    assert_eq!(client["figures"]["used_percent"], 34);
    assert_eq!(client["sessions"], 2);
    assert!(mails_to(t, &w.finance_email).await.is_empty());

    // 60.00 more committed on S1: 810.00 = 81 % > 80 %: one alert e-mail to finance.
    line(f, w.s1, "60", "committed").await;
    let mails = mails_to(t, &w.finance_email).await;
    assert_eq!(
        alerts(&mails),
        1,
        "{:?}",
        mails.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    assert!(
        mails[0].subject.contains("Leadership spring"),
        "{}",
        mails[0].subject
    );
    assert!(mails[0].body.contains("810.00"), "{}", mails[0].body);
    let p = f.get(&format!("/budgets/{}", id(&program))).await.body;
    assert_eq!(p["alerting"], true);
    assert_eq!(p["crossings"], 1);
    assert_eq!(p["figures"]["over_threshold"], true);
    // Still over: another change queues nothing.
    let extra = line(f, w.s1, "10", "committed").await;
    assert_eq!(alerts(&mails_to(t, &w.finance_email).await), 1);
    // The list filtered by scope.
    let list = f.get("/budgets?scope=program").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let list = list.body.as_array().unwrap().clone();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["figures"]["exposure"]["amount"], "820.00");
    assert_eq!(f.get("/budgets").await.body.as_array().unwrap().len(), 2);

    // Back under (the 10.00 and 60.00 removed, the budget raised), then over again: a second
    // e-mail for the second crossing.
    let fin = f.get(&format!("/sessions/{}/finance", w.s1)).await.body;
    let v = |k: &str| {
        fin["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["key"] == k)
            .unwrap()["version"]
            .as_i64()
            .unwrap()
    };
    let r = f
        .delete(&format!(
            "/sessions/{}/cost-lines/{extra}?version={}",
            w.s1,
            v(&extra)
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut body = json!({ "version": p["version"], "scope": "program", "target_id": w.program, "name": "Leadership spring",
        "from_month": "2027-03", "to_month": "2027-06", "amount": { "amount": "2000", "currency": "EUR" }, "threshold_percent": 80 });
    let r = f.put(&format!("/budgets/{}", id(&program)), &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["alerting"], false);
    // A stale version is 409.
    let stale = f.put(&format!("/budgets/{}", id(&program)), &body).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    body["version"] = r.body["version"].clone();
    body["amount"] = json!({ "amount": "900", "currency": "EUR" });
    let r = f.put(&format!("/budgets/{}", id(&program)), &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["crossings"], 2);
    assert_eq!(alerts(&mails_to(t, &w.finance_email).await), 2);

    // Archived: gone from the list.
    let r = f
        .delete(&format!(
            "/budgets/{}?version={}",
            id(&client),
            client["version"]
        ))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(f.get("/budgets").await.body.as_array().unwrap().len(), 1);
    assert_eq!(
        f.get(&format!("/budgets/{}", id(&client))).await.status,
        StatusCode::NOT_FOUND
    );
    let _ = &w.manager;
}

async fn concurrent_changes_alert_once(t: &TestApp) {
    let w = build(t).await;
    // The cost centre's April: 300.00, alert over 100 %.
    let b = budget(
        &w.finance,
        json!({ "scope": "cost_centre", "target_id": w.cost_centre, "name": "Academy April", "from_month": "2027-04",
                "to_month": "2027-04", "amount": { "amount": "300", "currency": "EUR" }, "threshold_percent": 100 }),
    )
    .await;
    assert_eq!(b["sessions"], 1);
    // Ten lines of 40.00 at once: the eighth passes 300.00; exactly one e-mail.
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let api = Api {
            base: w.finance.base.clone(),
            token: w.finance.token.clone(),
            http: w.finance.http.clone(),
        };
        let s3 = w.s3;
        tasks.push(tokio::spawn(async move {
            api.post(
                &format!("/sessions/{s3}/cost-lines"),
                &json!({ "kind": "catering", "description": "Lunch", "amount": { "amount": "40", "currency": "EUR" }, "stage": "committed" }),
            )
            .await
            .status
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), StatusCode::CREATED);
    }
    let b = w.finance.get(&format!("/budgets/{}", id(&b))).await.body;
    assert_eq!(b["figures"]["committed"]["amount"], "400.00");
    assert_eq!(b["crossings"], 1);
    assert_eq!(alerts(&mails_to(t, &w.finance_email).await), 1);
}

async fn only_finance_managers_and_admins_see_budgets(t: &TestApp) {
    let w = build(t).await;
    let b = budget(
        &w.finance,
        json!({ "scope": "program", "target_id": w.program, "name": "Secret", "from_month": "2027-03",
                "to_month": "2027-06", "amount": { "amount": "1000", "currency": "EUR" } }),
    )
    .await;
    let path = format!("/budgets/{}", id(&b));
    for role in [Role::Admin, Role::Manager] {
        let api = t.api_as(role, None).await;
        assert_eq!(api.get("/budgets").await.status, StatusCode::OK);
        assert_eq!(api.get(&path).await.status, StatusCode::OK);
    }
    let contact = t.api_as(Role::ClientContact, Some(w.client)).await;
    for api in [
        t.api_as(Role::Coordinator, None).await,
        t.api_as(Role::Instructor, None).await,
        t.api_as(Role::Learner, None).await,
        contact,
    ] {
        assert_eq!(api.get("/budgets").await.status, StatusCode::FORBIDDEN);
        assert_eq!(api.get(&path).await.status, StatusCode::FORBIDDEN);
        assert_eq!(api.get("/cost-centres").await.status, StatusCode::FORBIDDEN);
        let r = api
            .post(
                "/budgets",
                &json!({ "scope": "client", "target_id": w.client, "name": "x", "from_month": "2027-01",
                        "to_month": "2027-01", "amount": { "amount": "1", "currency": "EUR" } }),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    }
    assert_eq!(
        w.finance
            .get("/budgets")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let _ = (&w.manager, w.s1, w.s2, &w.s1_ref);
}

async fn bad_input_is_422_and_changes_nothing(t: &TestApp) {
    let w = build(t).await;
    let f = &w.finance;
    let r = f
        .post(
            "/budgets",
            &json!({ "scope": "department", "target_id": w.program, "name": "", "from_month": "2027-13",
                    "to_month": "2027-01", "amount": { "amount": "-5", "currency": "EURO" }, "threshold_percent": 0 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let text = r.body.to_string();
    for field in [
        "scope",
        "name",
        "from_month",
        "currency",
        "threshold_percent",
    ] {
        assert!(text.contains(field), "{field} not named in {text}");
    }
    let r = f
        .post(
            "/budgets",
            &json!({ "scope": "program", "target_id": 999999, "name": "x", "from_month": "2027-01",
                    "to_month": "2027-02", "amount": { "amount": "-1", "currency": "EUR" } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.to_string().contains("amount"), "{}", r.body);
    let r = f
        .post(
            "/budgets",
            &json!({ "scope": "program", "target_id": 999999, "name": "x", "from_month": "2027-01",
                    "to_month": "2027-02", "amount": { "amount": "1", "currency": "EUR" } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.to_string().contains("target_id"), "{}", r.body);
    let r = f
        .post(
            "/cost-centres",
            &json!({ "code": "CC-ACADEMY", "name": "Again" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.to_string().contains("code"), "{}", r.body);
    assert!(f.get("/budgets").await.body.as_array().unwrap().is_empty());
    assert_eq!(
        f.get("/cost-centres").await.body.as_array().unwrap().len(),
        1
    );
}

async fn the_pages_show_budgets_and_their_sessions(t: &TestApp) {
    let w = build(t).await;
    line(&w.finance, w.s1, "950", "committed").await;
    let b = budget(
        &w.finance,
        json!({ "scope": "program", "target_id": w.program, "name": "Leadership pages", "from_month": "2027-03",
                "to_month": "2027-06", "amount": { "amount": "1000", "currency": "EUR" } }),
    )
    .await;
    // Created over its threshold (95 % > 90 %): alerted at once.
    assert_eq!(b["alerting"], true);
    assert_eq!(alerts(&mails_to(t, &w.finance_email).await), 1);
    let browser = t.browser_as(Role::Finance, None).await;
    let (status, html) = browser.get("/budgets").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Leadership pages"), "{html}");
    assert!(html.contains("budget-bar"));
    assert!(html.contains("950.00"));
    let (status, html) = browser.get("/budgets?scope=client").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("Leadership pages"));
    let (status, html) = browser.get(&format!("/budgets/{}", id(&b))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&w.s1_ref), "{html}");
    assert!(html.contains("committed 950"));
    // The dashboard's attention list.
    let (status, html) = browser.get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("/budgets/{}", id(&b))), "{html}");
    // A budget through the form; bad input re-shows the form with 422.
    let csrf = browser.csrf().await;
    let (status, _) = browser
        .post_form(
            "/budgets",
            &[
                ("_csrf", &csrf),
                ("target", &format!("client:{}", w.client)),
                ("name", "Acme by form"),
                ("from_month", "2027-01"),
                ("to_month", "2027-12"),
                ("amount", "12000"),
                ("currency", "EUR"),
                ("threshold_percent", "90"),
            ],
        )
        .await;
    assert!(status.is_success() || status.is_redirection(), "{status}");
    let (status, html) = browser
        .post_form(
            "/budgets",
            &[
                ("_csrf", &csrf),
                ("target", ""),
                ("name", "Broken"),
                ("from_month", "2027-01"),
                ("to_month", "2027-12"),
                ("amount", "abc"),
                ("currency", "EUR"),
                ("threshold_percent", "90"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Broken"));
    assert_eq!(
        w.finance
            .get("/budgets")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let coordinator = t.browser_as(Role::Coordinator, None).await;
    let (status, _) = coordinator.get("/budgets").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, html) = coordinator.get("/").await;
    assert!(!html.contains(&format!("/budgets/{}", id(&b))));
}
