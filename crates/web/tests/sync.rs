//! Lists as an integrator uses them: paging through `updated_since` to sync changes, unknown
//! parameter values refused with a 400 that names the parameter, and CSV exports that hold every
//! matching row rather than one page. On SQLite and PostgreSQL.

use crate::common;

use crate::common::{TestApp, course_body, venue_body};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashMap;
use trainyard_core::Role;

both_backends!(
    paging_through_updated_since_sees_every_change_once,
    unknown_list_parameters_are_refused_naming_the_parameter,
    csv_export_holds_every_row,
);

/// Every item of `path` (which carries `updated_since`), two per page, in the order served.
async fn sync(api: &common::Api, path: &str) -> Vec<Value> {
    let mut items = Vec::new();
    for page in 1.. {
        let r = api.get(&format!("{path}&per_page=2&page={page}")).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        let got = r.body["items"].as_array().unwrap().clone();
        if got.is_empty() {
            assert_eq!(r.body["total"].as_u64().unwrap() as usize, items.len());
            break;
        }
        assert!(got.len() <= 2, "per_page=2 is respected");
        items.extend(got);
        assert!(page < 50, "paging ends");
    }
    items
}

async fn paging_through_updated_since_sees_every_change_once(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    // Something from before the sync point, which must not be listed.
    let old = api
        .create("/venues", &venue_body("OLD", "Europe/Berlin"))
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let since = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;

    let mut venues = Vec::new();
    for code in ["SY-1", "SY-2", "SY-3", "SY-4", "SY-5"] {
        venues.push(
            api.create("/venues", &venue_body(code, "Europe/Berlin"))
                .await,
        );
    }
    // Edit two, archive one: each change moves its record to the end of the change order.
    for v in [&venues[1], &venues[3]] {
        let mut body = venue_body(v["code"].as_str().unwrap(), "Europe/London");
        body["version"] = v["version"].clone();
        let r = api.put(&format!("/venues/{}", v["id"]), &body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let r = api
        .delete(&format!("/venues/{}?version=1", venues[0]["id"]))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let seen = sync(&api, &format!("/venues?updated_since={since}")).await;
    let mut count: HashMap<i64, usize> = HashMap::new();
    for v in &seen {
        *count.entry(v["id"].as_i64().unwrap()).or_default() += 1;
    }
    assert_eq!(count.len(), 5, "every changed venue: {seen:?}");
    assert!(
        count.values().all(|n| *n == 1),
        "each exactly once: {count:?}"
    );
    assert!(!count.contains_key(&old["id"].as_i64().unwrap()));
    // Oldest change first: the edits and the archive come last, in that order.
    let at = |v: &Value| {
        chrono::DateTime::parse_from_rfc3339(v["updated_at"].as_str().unwrap()).unwrap()
    };
    assert!(seen.windows(2).all(|w| at(&w[0]) <= at(&w[1])), "{seen:?}");
    let id = |v: &Value| v["id"].as_i64().unwrap();
    let last: Vec<i64> = seen[2..].iter().map(id).collect();
    assert_eq!(last, vec![id(&venues[1]), id(&venues[3]), id(&venues[0])]);
    // The archived venue is listed, carrying its archive time; the edits their new version.
    let archived = seen.last().unwrap();
    assert!(archived["archived_at"].is_string(), "{archived}");
    assert_eq!(seen[2]["version"], 2);
    assert_eq!(seen[2]["time_zone"], "Europe/London");

    // The next sync starts at the last change seen (inclusive; `updated_at` is shown to the
    // second, so changes of that second come again): it ends with what changed since, once.
    let cursor = archived["updated_at"].as_str().unwrap().to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let mut body = venue_body("SY-3", "Europe/Paris");
    body["version"] = json!(1);
    let r = api
        .put(&format!("/venues/{}", venues[2]["id"]), &body)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let next = sync(&api, &format!("/venues?updated_since={cursor}")).await;
    let ids: Vec<i64> = next.iter().map(id).collect();
    assert_eq!(ids.last(), Some(&id(&venues[2])), "{ids:?}");
    assert!(
        ids.contains(&id(&venues[0])),
        "the cursor is inclusive: {ids:?}"
    );
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "each once: {ids:?}");
    assert_eq!(next.last().unwrap()["time_zone"], "Europe/Paris");

    // Other record kinds page the same way.
    let course = api.create("/courses", &course_body("SY-C")).await;
    let courses = sync(&api, &format!("/courses?updated_since={since}")).await;
    assert_eq!(courses.len(), 1);
    assert_eq!(courses[0]["id"], course["id"]);
    let sessions = sync(&api, &format!("/sessions?updated_since={since}")).await;
    assert!(sessions.is_empty());
}

async fn unknown_list_parameters_are_refused_naming_the_parameter(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    api.create("/venues", &venue_body("P-1", "Europe/Berlin"))
        .await;
    for (path, name, value) in [
        ("/sessions?status=bogus", "status", "bogus"),
        ("/sessions?mode=teleport", "mode", "teleport"),
        ("/sessions?visibility=secret", "visibility", "secret"),
        ("/sessions?sort=colour", "sort", "colour"),
        ("/courses?mode=teleport", "mode", "teleport"),
        ("/courses?dir=sideways", "dir", "sideways"),
        (
            "/instructors?employment_type=pirate",
            "employment_type",
            "pirate",
        ),
        ("/resources?kind=spaceship", "kind", "spaceship"),
        ("/venues?sort=altitude", "sort", "altitude"),
        ("/clients?sort=budget", "sort", "budget"),
        ("/learners?sort=age", "sort", "age"),
        ("/programs?sort=colour", "sort", "colour"),
        ("/venues?per_page=201", "per_page", "201"),
        (
            "/venues?updated_since=yesterday",
            "updated_since",
            "yesterday",
        ),
    ] {
        let r = api.get(path).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.body);
        assert_eq!(r.headers["content-type"], "application/problem+json");
        let detail = r.body["detail"].as_str().unwrap();
        assert!(
            detail.contains(name) && detail.contains(value),
            "{path}: the detail names {name} and {value}: {detail}"
        );
    }
    // The allowed values are named too.
    let r = api.get("/sessions?status=bogus").await;
    assert!(r.body["detail"].as_str().unwrap().contains("scheduled"));
    // Empty values are no filter (HTML forms send every field); the limit itself is allowed.
    for path in [
        "/sessions?status=&mode=&visibility=&sort=&dir=",
        "/venues?per_page=200&sort=city&dir=desc",
        "/venues?updated_since=",
    ] {
        let r = api.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    }
    assert_eq!(api.get("/venues?per_page=").await.body["per_page"], 50);
    // A page refuses the same values, as an error page.
    let b = t.browser_as(Role::Coordinator, None).await;
    let (status, _) = b.get("/courses?mode=teleport").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = b.get("/courses?mode=").await;
    assert_eq!(status, StatusCode::OK);
}

async fn csv_export_holds_every_row(t: &TestApp) {
    // More venues than one page may hold.
    let caller = t.system();
    for i in 0..205 {
        let fields = serde_json::from_value(venue_body(&format!("CSV-{i:03}"), "UTC")).unwrap();
        trainyard_app::sites::venues::create(&t.app, &caller, &fields)
            .await
            .unwrap();
    }
    let b = t.browser_as(Role::Coordinator, None).await;
    let (status, csv) = b.get("/venues?format=csv&per_page=10000").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(csv.lines().count(), 1 + 205, "a header and every venue");
    // A filtered export holds the matching rows only.
    let (status, csv) = b.get("/venues?format=csv&q=CSV-1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(csv.lines().count(), 1 + 100, "CSV-100 … CSV-199");
    // The API pages: at most 200 rows, and asking for more is refused.
    let api = t.api_as(Role::Coordinator, None).await;
    let r = api.get("/venues?per_page=200").await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 200);
    assert_eq!(r.body["total"], 205);
    assert_eq!(
        api.get("/venues?per_page=10000").await.status,
        StatusCode::BAD_REQUEST
    );
}
