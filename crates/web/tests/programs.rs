//! Programs — a client's contracted series of sessions — over HTTP on both databases: the API and
//! the pages, validation that names the field and changes nothing, sessions joining the program of
//! their own client only, who may write, and the audit history.

use crate::common::{Api, TestApp, course_body};
use reqwest::StatusCode;
use serde_json::{Value, json};
use trainyard_core::Role;

both_backends!(
    programs_through_the_api_with_stale_edits_and_history,
    bad_program_input_is_refused_and_changes_nothing,
    sessions_belong_to_programs_of_their_own_client,
    programs_through_the_pages,
    only_operations_staff_write_programs,
);

async fn client(api: &Api, code: &str) -> i64 {
    api.create(
        "/clients",
        &json!({
            "code": code, "name": format!("Client {code}"), "billing_email": format!("billing@{}.example", code.to_lowercase()),
            "currency": "EUR", "time_zone": "Europe/Berlin"
        }),
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

fn program_body(client_id: i64, name: &str) -> Value {
    json!({
        "client_id": client_id, "name": name, "budget": { "amount": "60000", "currency": "EUR" },
        "starts_on": "2027-03-01", "ends_on": "2027-06-30"
    })
}

/// A private virtual session for `client` (or a public one), optionally in `program`.
fn session_body(course: i64, client: Option<i64>, program: Option<i64>, day: &str) -> Value {
    json!({
        "course_id": course, "visibility": if client.is_some() { "private" } else { "public" },
        "client_id": client, "program_id": program, "delivery_mode": "vilt", "capacity": 10,
        "time_zone": "Europe/Berlin", "seat_price": { "amount": "100", "currency": "EUR" },
        "parts": [{ "starts": format!("{day}T09:00"), "ends": format!("{day}T17:00") }]
    })
}

fn fields_of(r: &Value) -> Vec<&str> {
    r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect()
}

async fn programs_through_the_api_with_stale_edits_and_history(t: &TestApp) {
    let api = t.api_as(Role::Manager, None).await;
    let acme = client(&api, "ACME").await;
    let globex = client(&api, "GLOBEX").await;
    let created = api
        .create("/programs", &program_body(acme, "Leadership 101 for Acme"))
        .await;
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["client_id"], acme);
    assert_eq!(created["client_name"], "Client ACME");
    assert_eq!(
        created["budget"],
        json!({ "amount": "60000.00", "currency": "EUR" })
    );
    assert_eq!(created["starts_on"], "2027-03-01");
    assert_eq!(created["ends_on"], "2027-06-30");
    assert_eq!(created["version"], 1);
    api.create("/programs", &program_body(globex, "Globex onboarding"))
        .await;

    // Read: the record with its (still empty) counts; lists filter by client and search.
    let r = api.get(&format!("/programs/{id}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["name"], "Leadership 101 for Acme");
    assert_eq!(r.body["counts"]["sessions"], 0);
    assert_eq!(r.body["sessions"], json!([]));
    assert_eq!(api.get("/programs").await.body["total"], 2);
    let r = api.get(&format!("/programs?client_id={acme}")).await;
    assert_eq!(r.body["total"], 1);
    assert_eq!(r.body["items"][0]["id"], id);
    assert_eq!(api.get("/programs?q=globex").await.body["total"], 1);
    let r = api.get("/programs?sort=client&dir=desc").await;
    assert_eq!(r.body["items"][0]["client_name"], "Client GLOBEX");

    // Edit with the version read; the same stale version again is refused and changes nothing.
    let mut edit = program_body(acme, "Leadership 101 (Acme)");
    edit["budget"] = json!({ "amount": "65000.50", "currency": "EUR" });
    edit["ends_on"] = json!("");
    edit["version"] = json!(1);
    let r = api.put(&format!("/programs/{id}"), &edit).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["version"], 2);
    assert_eq!(r.body["budget"]["amount"], "65000.50");
    assert_eq!(r.body["ends_on"], Value::Null);
    edit["name"] = json!("Lost update");
    let r = api.put(&format!("/programs/{id}"), &edit).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.headers["content-type"], "application/problem+json");
    assert!(r.body["type"].as_str().unwrap().ends_with("/stale"));
    assert_eq!(
        api.get(&format!("/programs/{id}")).await.body["name"],
        "Leadership 101 (Acme)"
    );

    // Archive and restore.
    let r = api.delete(&format!("/programs/{id}?version=2")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(api.get("/programs").await.body["total"], 1);
    assert_eq!(api.get("/programs?archived=true").await.body["total"], 1);
    let r = api
        .post(&format!("/programs/{id}/restore?version=3"), &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["archived_at"], Value::Null);

    // The history: every change, by whom, with before and after.
    let h = api.get(&format!("/history/program/{id}")).await;
    assert_eq!(h.status, StatusCode::OK);
    let actions: Vec<&str> = h
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec![
            "program.restored",
            "program.archived",
            "program.updated",
            "program.created"
        ]
    );
    assert_eq!(h.body[2]["before"]["name"], "Leadership 101 for Acme");
    assert_eq!(h.body[2]["after"]["name"], "Leadership 101 (Acme)");
    assert!(
        h.body[3]["actor_label"]
            .as_str()
            .unwrap()
            .contains("manager")
    );

    // Documented in the OpenAPI document.
    let doc: Value = reqwest::get(t.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for path in ["/programs", "/programs/{id}", "/programs/{id}/restore"] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }
    assert!(
        doc["components"]["schemas"]["ProgramFields"]["properties"]
            .get("budget")
            .is_some()
    );
    assert!(
        doc["components"]["schemas"]["SessionFields"]["properties"]
            .get("program_id")
            .is_some()
    );
}

async fn bad_program_input_is_refused_and_changes_nothing(t: &TestApp) {
    let api = t.api_as(Role::Manager, None).await;
    let acme = client(&api, "ACME").await;
    let bad = json!({
        "client_id": acme, "name": "", "budget": { "amount": "-10", "currency": "EUR" },
        "starts_on": "2027-06-30", "ends_on": "2027-03-01"
    });
    let r = api.post("/programs", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.headers["content-type"], "application/problem+json");
    assert_eq!(fields_of(&r.body), vec!["name", "budget", "ends_on"]);
    assert_eq!(r.body["errors"][1]["message"], "must not be negative");
    assert_eq!(
        r.body["errors"][2]["message"],
        "must not be before the first day (2027-06-30)"
    );

    let r = api
        .post(
            "/programs",
            &json!({ "client_id": acme, "name": "X", "currency": "EURO", "starts_on": "1 March" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields_of(&r.body), vec!["currency", "starts_on"]);
    assert!(
        r.body["errors"][1]["message"]
            .as_str()
            .unwrap()
            .contains("expected YYYY-MM-DD")
    );

    // The client must exist and be active.
    let r = api.post("/programs", &program_body(999_999, "Ghost")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(fields_of(&r.body), vec!["client_id"]);
    let r = api
        .post(
            "/programs",
            &json!({ "name": "No client", "currency": "EUR" }),
        )
        .await;
    assert_eq!(fields_of(&r.body), vec!["client_id"]);
    let r = api.delete(&format!("/clients/{acme}?version=1")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = api.post("/programs", &program_body(acme, "Too late")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(fields_of(&r.body), vec!["client_id"]);
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("archived")
    );

    // Wrong JSON types are a clear problem too.
    let r = api
        .post("/programs", &json!({ "client_id": acme, "name": ["a"] }))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body["detail"].as_str().unwrap().contains("name"));

    // Nothing was created, and nothing was audited as created.
    assert_eq!(api.get("/programs").await.body["total"], 0);
    assert_eq!(api.get("/programs?archived=true").await.body["total"], 0);
    let created: i64 = sqlx::Row::get(
        &sqlx::query("SELECT count(*) AS n FROM audit_events WHERE action = 'program.created'")
            .fetch_one(t.app.store.pool())
            .await
            .unwrap(),
        "n",
    );
    assert_eq!(created, 0);
}

async fn sessions_belong_to_programs_of_their_own_client(t: &TestApp) {
    let api = t.api_as(Role::Manager, None).await;
    let acme = client(&api, "ACME").await;
    let globex = client(&api, "GLOBEX").await;
    let course = api.create("/courses", &course_body("LEAD")).await["id"]
        .as_i64()
        .unwrap();
    let program = api
        .create("/programs", &program_body(acme, "Leadership 101 for Acme"))
        .await;
    let pid = program["id"].as_i64().unwrap();

    // A session of Acme in Acme's program.
    let s = api
        .create(
            "/sessions",
            &session_body(course, Some(acme), Some(pid), "2027-03-10"),
        )
        .await;
    let sid = s["id"].as_i64().unwrap();
    assert_eq!(s["program_id"], pid);
    let r = api.get(&format!("/sessions/{sid}")).await;
    assert_eq!(r.body["program_id"], pid);

    // The program shows it: in its detail, its counts, and the sessions list filtered by it.
    let d = api.get(&format!("/programs/{pid}")).await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.body);
    assert_eq!(d.body["sessions"][0]["id"], sid);
    assert_eq!(d.body["counts"]["sessions"], 1);
    assert_eq!(
        d.body["counts"]["by_status"],
        json!([{ "status": "draft", "sessions": 1 }])
    );
    assert_eq!(d.body["counts"]["capacity"], 10);
    let l = api.get(&format!("/sessions?program_id={pid}")).await;
    assert_eq!(l.body["total"], 1);
    assert_eq!(l.body["items"][0]["id"], sid);

    // A Globex session cannot join Acme's program; the problem names the field; nothing is created.
    let before = api.get("/sessions?from=2027-01-01").await.body["total"].clone();
    let r = api
        .post(
            "/sessions",
            &session_body(course, Some(globex), Some(pid), "2027-03-11"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(fields_of(&r.body), vec!["program_id"]);
    let message = r.body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("Client ACME") && message.contains("Client GLOBEX"),
        "{message}"
    );
    assert_eq!(
        api.get("/sessions?from=2027-01-01").await.body["total"],
        before
    );
    // Nor can an edit move an existing Globex session into it.
    let g = api
        .create(
            "/sessions",
            &session_body(course, Some(globex), None, "2027-03-12"),
        )
        .await;
    let mut edit = session_body(course, Some(globex), Some(pid), "2027-03-12");
    edit["version"] = g["version"].clone();
    let r = api.put(&format!("/sessions/{}", g["id"]), &edit).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(fields_of(&r.body), vec!["program_id"]);
    assert_eq!(
        api.get(&format!("/sessions/{}", g["id"])).await.body["program_id"],
        Value::Null
    );
    // An unknown program is refused the same way.
    let r = api
        .post(
            "/sessions",
            &session_body(course, Some(acme), Some(999_999), "2027-03-13"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(fields_of(&r.body), vec!["program_id"]);

    // An archived program takes no new sessions, but its sessions keep it when edited.
    let version = api.get(&format!("/programs/{pid}")).await.body["version"]
        .as_i64()
        .unwrap();
    let r = api
        .delete(&format!("/programs/{pid}?version={version}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = api
        .post(
            "/sessions",
            &session_body(course, Some(acme), Some(pid), "2027-03-14"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("archived")
    );
    let mut edit = session_body(course, Some(acme), Some(pid), "2027-03-10");
    edit["title"] = json!("Leadership 101, cohort 1");
    edit["version"] = s["version"].clone();
    let r = api.put(&format!("/sessions/{sid}"), &edit).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["program_id"], pid);

    // A program's client cannot change while it holds another client's sessions.
    let mut moved = program_body(globex, "Leadership 101 for Acme");
    moved["version"] = json!(version + 1);
    let r = api.put(&format!("/programs/{pid}"), &moved).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(fields_of(&r.body), vec!["client_id"]);
}

/// The (first) CSRF token of a page's forms.
fn csrf_in(html: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker).unwrap() + marker.len();
    html[start..start + 64].to_owned()
}

async fn programs_through_the_pages(t: &TestApp) {
    let api = t.api_as(Role::Manager, None).await;
    let acme = client(&api, "ACME").await;
    let course = api.create("/courses", &course_body("LEAD")).await["id"]
        .as_i64()
        .unwrap();
    let b = t.browser_as(Role::Manager, None).await;

    // The list, empty, and the navigation entry.
    let (status, html) = b.get("/programs").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("No programs yet"), "{html}");
    assert!(html.contains("href=\"/programs\" aria-current=\"page\""));
    let (status, html) = b.get(&format!("/programs/new?client_id={acme}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("New program"));
    assert!(
        html.contains(&format!("<option value=\"{acme}\" selected>")),
        "the client is chosen: {html}"
    );
    let csrf = csrf_in(&html);
    let acme_id = acme.to_string();
    let good = [
        ("_csrf", csrf.as_str()),
        ("client_id", acme_id.as_str()),
        ("name", "Leadership 101 for Acme"),
        ("budget", "60000.00"),
        ("currency", "EUR"),
        ("starts_on", "2027-03-01"),
        ("ends_on", "2027-06-30"),
    ];

    // Refused input: 422, the reason at the field, the typed input kept, nothing created.
    let mut bad = good.to_vec();
    bad[6] = ("ends_on", "2027-02-01");
    let (status, html) = b.post_form("/programs", &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("must not be before the first day (2027-03-01)"));
    assert!(html.contains("value=\"Leadership 101 for Acme\""));
    assert_eq!(api.get("/programs").await.body["total"], 0);

    // Without the token: refused.
    let (status, _) = b.post_form("/programs", &good[1..]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(api.get("/programs").await.body["total"], 0);

    let (status, html) = b.post_form("/programs", &good).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Program Leadership 101 for Acme created."));
    let program = api.get("/programs").await.body["items"][0].clone();
    let pid = program["id"].as_i64().unwrap();
    assert!(html.contains("60000.00 EUR"));
    assert!(html.contains(&format!("href=\"/plan?program_id={pid}\"")));
    assert!(html.contains("Plan this program"));

    // The session form offers the program; a session created in it shows on the program page.
    let (status, html) = b.get("/sessions/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("name=\"program_id\""));
    assert!(html.contains("Leadership 101 for Acme (Client ACME)"));
    let pid_s = pid.to_string();
    let course_s = course.to_string();
    let (status, html) = b
        .post_form(
            "/sessions",
            &[
                ("_csrf", csrf.as_str()),
                ("course_id", course_s.as_str()),
                ("visibility", "private"),
                ("client_id", acme_id.as_str()),
                ("program_id", pid_s.as_str()),
                ("delivery_mode", "vilt"),
                ("capacity", "8"),
                ("time_zone", "Europe/Berlin"),
                ("currency", "EUR"),
                ("part_starts", "2027-03-10T09:00"),
                ("part_ends", "2027-03-10T17:00"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("created as a draft"), "{html}");
    assert!(
        html.contains(&format!(
            "<a href=\"/programs/{pid}\">Leadership 101 for Acme</a>"
        )),
        "the session links its program: {html}"
    );
    let session = api.get(&format!("/sessions?program_id={pid}")).await.body["items"][0].clone();
    let reference = session["reference"].as_str().unwrap().to_owned();
    let (status, html) = b.get(&format!("/programs/{pid}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!(
            "<a href=\"/sessions/{}\">{reference}</a>",
            session["id"]
        )),
        "{html}"
    );
    assert!(html.contains("0/8"));
    assert!(html.contains("program.created"));
    // "All sessions" of the program: the session list, filtered by it.
    assert!(html.contains(&format!("href=\"/sessions?program_id={pid}\"")));
    let (status, html) = b.get(&format!("/sessions?program_id={pid}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&reference));
    assert!(html.contains(&format!("<option value=\"{pid}\" selected>")));
    // The edit form of that session keeps the program chosen.
    let (status, html) = b.get(&format!("/sessions/{}/edit", session["id"])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("<option value=\"{pid}\" selected>")));

    // The search box finds it.
    let (status, html) = b.get("/search?q=leadership+101").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Programs (1)"), "{html}");
    assert!(html.contains(&format!("href=\"/programs/{pid}\"")));

    // The client's page lists its programs.
    let (status, html) = b.get(&format!("/clients/{acme}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!(
        "<a href=\"/programs/{pid}\">Leadership 101 for Acme</a>"
    )));
    assert!(html.contains(&format!("/programs/new?client_id={acme}")));

    // Edit, list with filter and sort, archive, restore.
    let (status, html) = b.get(&format!("/programs/{pid}/edit")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("value=\"60000.00\""));
    assert!(html.contains("type=\"date\" value=\"2027-03-01\""));
    let mut edit = good.to_vec();
    edit[2] = ("name", "Leadership 101 (Acme)");
    edit.push(("version", "1"));
    let (status, html) = b.post_form(&format!("/programs/{pid}"), &edit).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Program Leadership 101 (Acme) saved."));
    let (status, html) = b.post_form(&format!("/programs/{pid}"), &edit).await;
    assert_eq!(status, StatusCode::CONFLICT, "a stale edit keeps the input");
    assert!(html.contains("changed by someone else"));
    let (status, html) = b
        .get(&format!("/programs?client_id={acme}&sort=starts&dir=desc"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Leadership 101 (Acme)"));
    let (status, html) = b.get("/programs?format=csv&per_page=10000").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.starts_with("Name,Client,Starts,Ends,Budget"), "{html}");
    let (status, html) = b
        .post_form(
            &format!("/programs/{pid}/archive"),
            &[("_csrf", csrf.as_str()), ("version", "2")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("archived."));
    let (_, html) = b.get("/programs").await;
    assert!(html.contains("No programs yet"));
    let (status, html) = b
        .post_form(
            &format!("/programs/{pid}/restore"),
            &[("_csrf", csrf.as_str()), ("version", "3")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("restored."));
    assert_eq!(b.get("/programs/999999").await.0, StatusCode::NOT_FOUND);
}

async fn only_operations_staff_write_programs(t: &TestApp) {
    // A manager: operations staff who may also set the budget (finance data).
    let ops = t.api_as(Role::Manager, None).await;
    let acme = client(&ops, "ACME").await;
    let pid = ops
        .create("/programs", &program_body(acme, "Leadership 101 for Acme"))
        .await["id"]
        .as_i64()
        .unwrap();
    for role in [Role::Learner, Role::Instructor] {
        let api = t.api_as(role, None).await;
        let r = api.post("/programs", &program_body(acme, "Sneaky")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role:?}: {}", r.body);
        assert_eq!(r.headers["content-type"], "application/problem+json");
        assert_eq!(
            api.get("/programs").await.status,
            StatusCode::FORBIDDEN,
            "{role:?}"
        );
        let mut edit = program_body(acme, "Sneaky");
        edit["version"] = json!(1);
        let r = api.put(&format!("/programs/{pid}"), &edit).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role:?}");
        let r = api.delete(&format!("/programs/{pid}?version=1")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role:?}");
    }
    // Finance reads programs but does not change them.
    let finance = t.api_as(Role::Finance, None).await;
    assert_eq!(finance.get("/programs").await.body["total"], 1);
    assert_eq!(
        finance.get(&format!("/programs/{pid}")).await.status,
        StatusCode::OK
    );
    let r = finance.post("/programs", &program_body(acme, "Nope")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A client contact sees their own client's program, not another's.
    let other = client(&ops, "OTHER").await;
    let mine = t.api_as(Role::ClientContact, Some(acme)).await;
    assert_eq!(
        mine.get(&format!("/programs/{pid}")).await.status,
        StatusCode::OK
    );
    let theirs = t.api_as(Role::ClientContact, Some(other)).await;
    assert_eq!(
        theirs.get(&format!("/programs/{pid}")).await.status,
        StatusCode::NOT_FOUND
    );
    // Pages: no list for a learner, no new/edit form for finance.
    let learner = t.browser_as(Role::Learner, None).await;
    assert_eq!(learner.get("/programs").await.0, StatusCode::FORBIDDEN);
    let fin = t.browser_as(Role::Finance, None).await;
    assert_eq!(fin.get("/programs").await.0, StatusCode::OK);
    assert_eq!(fin.get("/programs/new").await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        fin.get(&format!("/programs/{pid}/edit")).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        ops.get("/programs").await.body["items"][0]["name"],
        "Leadership 101 for Acme"
    );
}
