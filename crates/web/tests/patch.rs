//! Typed write bodies and PATCH (JSON Merge Patch) on every record kind, on SQLite and
//! PostgreSQL: what is read can be written back, a patch changes only what it names, and the
//! version, validation and finance rules are those of PUT.

use crate::common::{Api, TestApp, course_body, course_body_with_costs, venue_body};
use reqwest::StatusCode;
use serde_json::{Value, json};
use trainyard_core::Role;

both_backends!(
    the_document_names_every_body_and_page,
    what_is_read_can_be_written_back,
    a_patch_changes_only_the_fields_it_names_on_every_kind,
    a_patch_is_checked_like_a_replace,
    null_clears_an_optional_field,
);

/// A PATCH sent as `content_type`; returns the status and the body.
async fn patch(api: &Api, path: &str, body: &Value, content_type: &str) -> (StatusCode, Value) {
    let r = api
        .http
        .patch(format!("{}{path}", api.base))
        .bearer_auth(&api.token)
        .header("content-type", content_type)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

const MERGE: &str = "application/merge-patch+json";

fn fields_of(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

struct Kinds {
    ids: Vec<(&'static str, i64)>,
}

/// One record of every kind, created by a manager through the typed bodies.
async fn one_of_each(api: &Api) -> Kinds {
    let venue = api
        .create("/venues", &venue_body("BER", "Europe/Berlin"))
        .await;
    let venue = venue["id"].as_i64().unwrap();
    let course = api.create("/courses", &course_body_with_costs("XL")).await["id"]
        .as_i64()
        .unwrap();
    let resource = api
        .create(
            "/resources",
            &json!({ "kind": "room", "code": "SPREE", "name": "Spree", "venue_id": venue, "seats": 12, "features": ["projector"] }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let equipment = api
        .create(
            "/resources",
            &json!({ "kind": "equipment", "code": "PROJ", "name": "Projector", "quantity": 2 }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let instructor = api
        .create(
            "/instructors",
            &json!({ "name": "Anna Berg", "email": "anna@example.com", "employment_type": "staff",
                     "home_venue_id": venue, "time_zone": "Europe/Berlin",
                     "day_rate": { "amount": "800", "currency": "EUR" }, "hour_rate": { "amount": "100.50", "currency": "EUR" },
                     "max_days_week": 5, "max_days_month": 20, "skills": ["excel", "sql"] }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let client = api
        .create(
            "/clients",
            &json!({ "code": "ACME", "name": "Acme", "billing_email": "billing@acme.example.com",
                     "currency": "EUR", "time_zone": "Europe/Berlin", "requires_approval": true }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let program = api
        .create(
            "/programs",
            &json!({ "client_id": client, "name": "Leadership", "budget": { "amount": "60000", "currency": "EUR" },
                     "starts_on": "2027-03-01", "ends_on": "2027-06-30" }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let learner = api
        .create(
            "/learners",
            &json!({ "first_name": "Lea", "last_name": "Lang", "email": "lea@acme.example.com",
                     "client_id": client, "time_zone": "Europe/Berlin" }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let session = api
        .create(
            "/sessions",
            &json!({ "course_id": course, "visibility": "private", "client_id": client, "program_id": program,
                     "delivery_mode": "ilt", "venue_id": venue, "capacity": 10, "time_zone": "Europe/Berlin",
                     "seat_price": { "amount": "490", "currency": "EUR" }, "joining_notes": "Reception, 2nd floor",
                     "parts": [
                         { "starts": "2027-04-12T09:00", "ends": "2027-04-12T17:00" },
                         { "starts": "2027-04-13T09:00:00+02:00", "ends": "2027-04-13T16:00:00+02:00" }
                     ] }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    Kinds {
        ids: vec![
            ("venues", venue),
            ("courses", course),
            ("resources", resource),
            ("resources", equipment),
            ("instructors", instructor),
            ("clients", client),
            ("programs", program),
            ("learners", learner),
            ("sessions", session),
        ],
    }
}

/// The read-only members of a record, which a write ignores; compared without them.
fn writable(mut v: Value) -> Value {
    for k in [
        "version",
        "updated_at",
        "counts",
        "sessions",
        "parts",
        "booked_count",
        "waitlist_count",
    ] {
        v.as_object_mut().unwrap().remove(k);
    }
    v
}

async fn the_document_names_every_body_and_page(t: &TestApp) {
    let doc: Value = reqwest::get(t.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let generic: Vec<&String> = schemas.keys().filter(|k| k.contains('_')).collect();
    assert!(generic.is_empty(), "generic instance names: {generic:?}");
    let kinds = [
        ("courses", "Course"),
        ("venues", "Venue"),
        ("resources", "Resource"),
        ("instructors", "Instructor"),
        ("clients", "Client"),
        ("programs", "Program"),
        ("learners", "Learner"),
        ("sessions", "Session"),
    ];
    let schema_of = |op: &Value, media: &str| op["content"][media]["schema"]["$ref"].clone();
    for (kind, name) in kinds {
        let list = &doc["paths"][format!("/{kind}")]["get"]["responses"]["200"];
        assert_eq!(
            schema_of(list, "application/json"),
            json!(format!("#/components/schemas/{name}Page"))
        );
        assert_eq!(
            schemas[&format!("{name}Page")]["properties"]["items"]["items"]["$ref"],
            json!(format!("#/components/schemas/{name}")),
            "{name}Page refers to {name}"
        );
        let item = &doc["paths"][format!("/{kind}/{{id}}")];
        assert_eq!(
            schema_of(
                &doc["paths"][format!("/{kind}")]["post"]["requestBody"],
                "application/json"
            ),
            json!(format!("#/components/schemas/{name}Fields"))
        );
        assert_eq!(
            schema_of(&item["put"]["requestBody"], "application/json"),
            json!(format!("#/components/schemas/{name}Update"))
        );
        for media in [MERGE, "application/json"] {
            assert_eq!(
                schema_of(&item["patch"]["requestBody"], media),
                json!(format!("#/components/schemas/{name}Patch"))
            );
        }
        assert_eq!(
            schemas[&format!("{name}Patch")]["required"],
            json!(["version"])
        );
        let update_required = schemas[&format!("{name}Update")]["required"]
            .as_array()
            .unwrap();
        assert!(update_required.contains(&json!("version")), "{name}Update");
    }
    // Typed members: integers, enums, money objects, dates.
    let session = &schemas["SessionFields"]["properties"];
    assert_eq!(session["capacity"]["type"], "integer");
    assert_eq!(
        session["delivery_mode"]["$ref"],
        "#/components/schemas/DeliveryMode"
    );
    assert_eq!(session["seat_price"]["$ref"], "#/components/schemas/Money");
    assert_eq!(
        schemas["CourseFields"]["properties"]["delivery_modes"]["items"]["$ref"],
        "#/components/schemas/DeliveryMode"
    );
    assert_eq!(
        schemas["ProgramFields"]["properties"]["starts_on"]["format"],
        "date"
    );
    assert_eq!(
        schemas["Program"]["properties"]["starts_on"]["format"],
        "date"
    );
    assert_eq!(
        schemas["TransitionRequest"]["properties"]["event"]["$ref"],
        "#/components/schemas/SessionEvent"
    );
    assert_eq!(
        schemas["ResourceFields"]["properties"]["kind"]["$ref"],
        "#/components/schemas/ResourceKind"
    );
    let required = schemas["SessionFields"]["required"].as_array().unwrap();
    for f in ["course_id", "capacity", "seat_price", "parts", "time_zone"] {
        assert!(required.contains(&json!(f)), "SessionFields.{f} required");
    }
    // Free-form snapshots say so instead of reading as empty objects.
    assert_eq!(
        schemas["AuditEvent"]["properties"]["before"]["additionalProperties"],
        true
    );
}

async fn what_is_read_can_be_written_back(t: &TestApp) {
    let api = t.api_as(Role::Manager, None).await;
    let kinds = one_of_each(&api).await;
    for (kind, id) in &kinds.ids {
        let read = api.get(&format!("/{kind}/{id}")).await.body;
        // Exactly what was read, read-only members and all, goes back with its version.
        let r = api.put(&format!("/{kind}/{id}"), &read).await;
        assert_eq!(r.status, StatusCode::OK, "PUT {kind} back: {}", r.body);
        assert_eq!(r.body["version"], read["version"].as_i64().unwrap() + 1);
        let again = api.get(&format!("/{kind}/{id}")).await.body;
        assert_eq!(
            writable(again.clone()),
            writable(read.clone()),
            "{kind}: nothing changed"
        );
        if *kind == "sessions" {
            assert_eq!(again["parts"].as_array().unwrap().len(), 2);
            assert_eq!(
                again["parts"][1]["starts_at"],
                read["parts"][1]["starts_at"]
            );
        }
    }
    // Money is read and written in one shape.
    let course = api.get(&format!("/courses/{}", kinds.ids[1].1)).await.body;
    assert_eq!(
        course["day_rate"],
        json!({ "amount": "1500.00", "currency": "EUR" })
    );

    // A coordinator reads no finance data and writes back what they read: the rates stay.
    let coordinator = t.api_as(Role::Coordinator, None).await;
    for (kind, id) in &kinds.ids {
        let read = coordinator.get(&format!("/{kind}/{id}")).await.body;
        let r = coordinator.put(&format!("/{kind}/{id}"), &read).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "coordinator PUT {kind} back: {}",
            r.body
        );
    }
    let i = api
        .get(&format!("/instructors/{}", kinds.ids[4].1))
        .await
        .body;
    assert_eq!(
        i["day_rate"],
        json!({ "amount": "800.00", "currency": "EUR" })
    );
    assert_eq!(i["hour_rate"]["amount"], "100.50");
    let p = api.get(&format!("/programs/{}", kinds.ids[6].1)).await.body;
    assert_eq!(p["budget"]["amount"], "60000.00");

    // A ranked instructor's cost is money with its currency, for those who may see it.
    let session = kinds.ids[8].1;
    let c = api.get(&format!("/sessions/{session}/candidates")).await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.body);
    let anna = &c.body["instructors"][0];
    assert_eq!(anna["cost"]["currency"], "EUR", "{anna}");
    assert!(anna["cost"]["amount"].is_string(), "{anna}");
    let c = coordinator
        .get(&format!("/sessions/{session}/candidates"))
        .await;
    assert!(c.body["instructors"][0].get("cost").is_none());
}

async fn a_patch_changes_only_the_fields_it_names_on_every_kind(t: &TestApp) {
    let api = t.api_as(Role::Manager, None).await;
    let kinds = one_of_each(&api).await;
    for (i, (kind, id)) in kinds.ids.iter().enumerate() {
        let before = api.get(&format!("/{kind}/{id}")).await.body;
        let (field, value) = match *kind {
            "learners" => ("first_name", json!("Leonie")),
            "sessions" => ("capacity", json!(11)),
            "courses" => ("title", json!("Excel, patched")),
            _ => ("name", json!(format!("Patched {i}"))),
        };
        // Both media types are accepted.
        let content_type = if i % 2 == 0 {
            MERGE
        } else {
            "application/json"
        };
        let (status, after) = patch(
            &api,
            &format!("/{kind}/{id}"),
            &json!({ field: value, "version": before["version"] }),
            content_type,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "PATCH {kind}: {after}");
        assert_eq!(after[field], value, "{kind}");
        let mut want = writable(before.clone());
        want[field] = value.clone();
        assert_eq!(
            writable(api.get(&format!("/{kind}/{id}")).await.body),
            want,
            "{kind}: only {field} changed"
        );
    }

    // Lists replace: a course's delivery modes; an amount replaces the stored one.
    let course = kinds.ids[1].1;
    let c = api.get(&format!("/courses/{course}")).await.body;
    let (status, c) = patch(
        &api,
        &format!("/courses/{course}"),
        &json!({ "delivery_modes": ["blended"], "list_price": { "amount": "990.00", "currency": "EUR" }, "version": c["version"] }),
        MERGE,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(c["delivery_modes"], json!(["blended"]));
    assert_eq!(c["list_price"]["amount"], "990.00");
    assert_eq!(c["day_rate"]["amount"], "1500.00");

    // The change is in the record's history like any other edit.
    let h = api.get(&format!("/history/course/{course}")).await.body;
    assert_eq!(h[0]["action"], "course.updated");
}

async fn a_patch_is_checked_like_a_replace(t: &TestApp) {
    let manager = t.api_as(Role::Manager, None).await;
    let course = manager
        .create("/courses", &course_body_with_costs("XL"))
        .await;
    let id = course["id"].as_i64().unwrap();
    let path = format!("/courses/{id}");

    // Stale version: 409, nothing changed.
    let (status, _) = patch(
        &manager,
        &path,
        &json!({ "title": "A", "version": 1 }),
        MERGE,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = patch(
        &manager,
        &path,
        &json!({ "title": "Lost", "version": 1 }),
        MERGE,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["type"].as_str().unwrap().ends_with("/stale"));
    assert_eq!(manager.get(&path).await.body["title"], "A");

    // Invalid values: 422 naming the fields, nothing changed.
    let (status, body) = patch(
        &manager,
        &path,
        &json!({ "title": " ", "max_learners": 1, "min_learners": 5, "version": 2 }),
        MERGE,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(fields_of(&body), vec!["title", "min_learners"]);
    // Amounts in another currency than the course's.
    let (status, body) = patch(
        &manager,
        &path,
        &json!({ "day_rate": { "amount": "10", "currency": "USD" }, "version": 2 }),
        MERGE,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(fields_of(&body), vec!["day_rate"]);
    // Values of the wrong JSON type: 422 naming each.
    let (status, body) = patch(
        &manager,
        &path,
        &json!({ "duration_days": "two", "delivery_modes": "ilt", "title": "fine", "version": 2 }),
        MERGE,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(fields_of(&body), vec!["delivery_modes", "duration_days"]);
    // Members that are not fields of the body (read-only, misspelt): 422 naming them.
    let (status, body) = patch(
        &manager,
        &path,
        &json!({ "titel": "typo", "id": 5, "version": 2 }),
        MERGE,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(fields_of(&body), vec!["id", "titel"]);
    // Without a version: 422 naming it.
    let (status, body) = patch(&manager, &path, &json!({ "title": "B" }), MERGE).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(fields_of(&body), vec!["version"]);
    assert_eq!(manager.get(&path).await.body["version"], 2);

    // A coordinator may patch the course but not its finance data.
    let coordinator = t.api_as(Role::Coordinator, None).await;
    let (status, body) = patch(
        &coordinator,
        &path,
        &json!({ "day_rate": { "amount": "1", "currency": "EUR" }, "version": 2 }),
        MERGE,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("day_rate"));
    let (status, body) = patch(
        &coordinator,
        &path,
        &json!({ "title": "By the coordinator", "version": 2 }),
        MERGE,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.get("day_rate").is_none(), "{body}");
    let c = manager.get(&path).await.body;
    assert_eq!(c["title"], "By the coordinator");
    assert_eq!(c["day_rate"]["amount"], "1500.00");
    assert_eq!(c["material_cost"]["amount"], "25.50");

    // Someone who may not change courses: 403; a record that does not exist: 404.
    let finance = t.api_as(Role::Finance, None).await;
    let (status, _) = patch(
        &finance,
        &path,
        &json!({ "title": "X", "version": 3 }),
        MERGE,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = patch(
        &manager,
        "/courses/999999",
        &json!({ "title": "X", "version": 1 }),
        MERGE,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A session's capacity cannot patch below zero either.
    let venue = manager
        .create("/venues", &venue_body("BER", "Europe/Berlin"))
        .await;
    let s = manager
        .create(
            "/sessions",
            &json!({ "course_id": id, "visibility": "public", "delivery_mode": "ilt", "venue_id": venue["id"],
                     "capacity": 10, "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" },
                     "parts": [{ "starts": "2027-04-12T09:00", "ends": "2027-04-12T17:00" }] }),
        )
        .await;
    let (status, body) = patch(
        &manager,
        &format!("/sessions/{}", s["id"]),
        &json!({ "capacity": 0, "version": s["version"] }),
        MERGE,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(fields_of(&body), vec!["capacity"]);
}

async fn null_clears_an_optional_field(t: &TestApp) {
    let api = t.api_as(Role::Manager, None).await;
    let mut body = course_body("CERT");
    body["certificate_name"] = json!("Excel Expert");
    body["certificate_validity_months"] = json!(24);
    let c = api.create("/courses", &body).await;
    assert_eq!(c["certificate_name"], "Excel Expert");
    let path = format!("/courses/{}", c["id"]);
    let (status, c) = patch(
        &api,
        &path,
        &json!({ "certificate_name": null, "certificate_validity_months": null, "version": c["version"] }),
        MERGE,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(c["certificate_name"], Value::Null);
    assert_eq!(c["certificate_validity_months"], Value::Null);
    assert_eq!(c["title"], "Course CERT");

    // A required field cannot be cleared: 422 naming it.
    let (status, body) = patch(
        &api,
        &path,
        &json!({ "title": null, "version": c["version"] }),
        MERGE,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(fields_of(&body), vec!["title"]);

    // A learner's client and a session's joining link.
    let client = api
        .create(
            "/clients",
            &json!({ "code": "ACME", "name": "Acme", "billing_email": "b@acme.example.com",
                     "currency": "EUR", "time_zone": "Europe/Berlin" }),
        )
        .await;
    let l = api
        .create(
            "/learners",
            &json!({ "first_name": "Lea", "last_name": "Lang", "email": "lea@acme.example.com",
                     "client_id": client["id"], "phone": "+49 30 1234", "time_zone": "Europe/Berlin" }),
        )
        .await;
    let (status, l) = patch(
        &api,
        &format!("/learners/{}", l["id"]),
        &json!({ "client_id": null, "phone": null, "version": l["version"] }),
        MERGE,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{l}");
    assert_eq!(l["client_id"], Value::Null);
    assert_eq!(l["phone"], Value::Null);
    assert_eq!(l["first_name"], "Lea");
}
