//! The API contract: the OpenAPI document as served is the one in `contract/openapi.json` (so a
//! change to it shows in review), it follows our conventions, standard tools accept it (a
//! validator, a Python client generator, TypeScript types under `tsc --strict`), and a flow
//! scripted through the GENERATED Python client works against the real server on SQLite and
//! PostgreSQL. Also the rate limit and its headers.
//!
//! The tools come from `contract/requirements.txt` (pip) and `contract/package.json` (npm, in
//! `contract/node_modules`). Without them the tool tests print why they did not run; with
//! `TRAINYARD_REQUIRE_CONTRACT_TOOLS` set (as .ci/run does) they fail instead.

use crate::common;

use crate::common::TestApp;
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use trainyard_app::{App, Settings};
use trainyard_core::Role;
use trainyard_store::testing::Kind;

const REFRESH: &str = "cargo run -q -p trainyard -- openapi > contract/openapi.json \
    (or UPDATE_SNAPSHOT=1 cargo test -p trainyard-web --test web contract::)";
const INSTALL: &str =
    "python3 -m pip install -r contract/requirements.txt && npm ci --prefix contract";

both_backends!(
    the_generated_python_client_runs_a_flow,
    every_api_answer_carries_the_rate_limit,
);

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A scratch directory for one test, emptied first.
fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("trainyard-contract-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn served_document(t: &TestApp) -> Value {
    let r = reqwest::get(t.url("/api/v1/openapi.json")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

/// The first place two JSON values differ, as a JSON pointer.
fn first_difference(a: &Value, b: &Value, at: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| match (x.get(k), y.get(k)) {
                (Some(p), Some(q)) => first_difference(p, q, &format!("{at}/{k}")),
                _ => Some(format!("{at}/{k}")),
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, &format!("{at}/{i}"))),
        _ if a == b => None,
        _ => Some(at.to_owned()),
    }
}

/// The server serves the committed snapshot (so an idle server never makes the document), and
/// the document the handlers' declarations make is that snapshot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_document_is_the_snapshot() {
    let t = TestApp::spawn(Kind::Sqlite).await;
    let served = served_document(&t).await;
    t.stop().await;
    let made: Value = serde_json::from_str(&trainyard_web::openapi_json()).unwrap();
    let path = root().join("contract/openapi.json");
    if std::env::var_os("UPDATE_SNAPSHOT").is_some() {
        let text = serde_json::to_string_pretty(&made).unwrap();
        std::fs::write(&path, text + "\n").unwrap();
        return;
    }
    let stored: Value = std::fs::read_to_string(&path)
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null);
    if let Some(at) = first_difference(&stored, &made, "") {
        panic!(
            "the OpenAPI document the code makes differs from contract/openapi.json (first at \
             {at}). If the change is intended, refresh the snapshot and commit it: {REFRESH}"
        );
    }
    if let Some(at) = first_difference(&stored, &served, "") {
        panic!(
            "the served OpenAPI document differs from contract/openapi.json (first at {at}): \
             rebuild the server after refreshing the snapshot"
        );
    }
}

fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => doc
            .pointer(r.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("dangling {r}")),
        None => v,
    }
}

#[test]
fn the_document_follows_the_conventions() {
    let doc: Value = serde_json::from_str(&trainyard_web::openapi_json()).unwrap();
    let text = doc.to_string();
    assert!(
        !text.contains("prefixItems"),
        "tuple schemas break client generators"
    );
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    assert!(schemas.contains_key("ProblemDetails") && !schemas.contains_key("Problem"));
    let mut ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let at = format!("{} {path}", method.to_uppercase());
            let id = op["operationId"].as_str().unwrap_or_default();
            assert!(
                id.len() > 3
                    && id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                    && id.chars().all(|c| c.is_ascii_alphanumeric())
                    && id.chars().any(|c| c.is_ascii_uppercase()),
                "{at}: operationId {id:?} is not verbNoun"
            );
            assert!(ids.insert(id.to_owned()), "{at}: operationId {id} twice");
            assert!(
                op["summary"]
                    .as_str()
                    .is_some_and(|s| !s.is_empty() && s.len() <= 100 && !s.contains('\n')),
                "{at}: needs a one-line summary, has {:?}",
                op["summary"]
            );
            let responses = op["responses"].as_object().unwrap();
            for status in ["401", "403", "429"] {
                assert!(responses.contains_key(status), "{at}: no {status}");
            }
            for (status, r) in responses {
                let r = resolve(&doc, r);
                assert!(
                    r["description"].as_str().is_some_and(|d| !d.is_empty()),
                    "{at} {status}: no description"
                );
                assert!(
                    r["headers"].get("RateLimit-Remaining").is_some(),
                    "{at} {status}: no rate-limit headers"
                );
                if status.starts_with('4') {
                    let content = r["content"].as_object().unwrap();
                    assert_eq!(
                        content.keys().collect::<Vec<_>>(),
                        ["application/problem+json"],
                        "{at} {status}"
                    );
                }
            }
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let idempotency = params
                .iter()
                .any(|p| p["$ref"] == "#/components/parameters/IdempotencyKey");
            assert_eq!(
                idempotency,
                method == "post",
                "{at}: Idempotency-Key on every POST, only there"
            );
        }
    }
}

/// Where the contract tools are, or `None` (after saying why) when they are not installed.
struct Tools {
    python: PathBuf,
    node_bin: PathBuf,
}

fn tools() -> Option<Tools> {
    let python = PathBuf::from(std::env::var_os("TRAINYARD_PYTHON").unwrap_or("python3".into()));
    let node_bin = root().join("contract/node_modules/.bin");
    let mut missing = Vec::new();
    let imports = Command::new(&python)
        .args([
            "-c",
            "import openapi_spec_validator, openapi_python_client, httpx, attrs, dateutil, schemathesis",
        ])
        .output();
    if !imports.is_ok_and(|o| o.status.success()) {
        missing.push("the Python packages of contract/requirements.txt");
    }
    if !node_bin.join("openapi-typescript").is_file() || !node_bin.join("tsc").is_file() {
        missing.push("contract/node_modules (openapi-typescript, typescript)");
    }
    if missing.is_empty() {
        return Some(Tools { python, node_bin });
    }
    let what = missing.join(" and ");
    if std::env::var_os("TRAINYARD_REQUIRE_CONTRACT_TOOLS").is_some() {
        panic!("TRAINYARD_REQUIRE_CONTRACT_TOOLS is set but {what} are missing: {INSTALL}");
    }
    eprintln!(
        "note: contract tool test not run: {what} are missing ({INSTALL}; set \
         TRAINYARD_REQUIRE_CONTRACT_TOOLS=1 to make this a failure)"
    );
    None
}

/// Runs a tool; panics with its output when it fails.
fn run(what: &str, cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    stdout
}

/// Generates the Python client package `trainyard_client` in `dir` from the document `spec`.
fn generate_python_client(tools: &Tools, spec: &Path, dir: &Path) {
    let out = run(
        "openapi-python-client",
        Command::new(&tools.python)
            .args([
                "-m",
                "openapi_python_client",
                "generate",
                "--meta",
                "none",
                "--overwrite",
            ])
            .arg("--path")
            .arg(spec)
            .arg("--output-path")
            .arg(dir.join("trainyard_client")),
    );
    // It reports schemas it could not turn into code as warnings and carries on without them.
    assert!(
        !out.contains("Warning") && !out.contains("Unable to"),
        "openapi-python-client skipped parts of the document:\n{out}"
    );
}

#[test]
fn standard_tools_accept_the_document() {
    let Some(tools) = tools() else { return };
    let dir = scratch("tools");
    let spec = dir.join("openapi.json");
    std::fs::write(&spec, trainyard_web::openapi_json()).unwrap();

    run(
        "openapi-spec-validator",
        Command::new(&tools.python)
            .args(["-m", "openapi_spec_validator"])
            .arg(&spec),
    );

    generate_python_client(&tools, &spec, &dir);
    run(
        "the generated Python client",
        Command::new(&tools.python)
            .args(["-c", "import trainyard_client.api, trainyard_client.models"])
            .env("PYTHONPATH", &dir),
    );

    run(
        "openapi-typescript",
        Command::new(tools.node_bin.join("openapi-typescript"))
            .arg(&spec)
            .arg("-o")
            .arg(dir.join("api.d.ts")),
    );
    // A few uses, so `tsc` checks that the names a TypeScript client needs resolve.
    std::fs::write(
        dir.join("use.ts"),
        r#"import type { components, operations, paths } from "./api";
type Problem = components["schemas"]["ProblemDetails"];
type Created = paths["/sessions"]["post"]["responses"]["201"]["content"]["application/json"];
type Refused = operations["createSession"]["responses"]["409"]["content"]["application/problem+json"];
export const explain = (p: Problem | Refused): string => `${p.status} ${p.title}: ${p.detail}`;
export const reference = (s: Created): string => s.reference;
"#,
    )
    .unwrap();
    run(
        "tsc --strict",
        Command::new(tools.node_bin.join("tsc"))
            .args([
                "--strict", "--noEmit", "--target", "es2022", "--module", "es2022",
            ])
            .args(["--moduleResolution", "bundler"])
            .arg(dir.join("api.d.ts"))
            .arg(dir.join("use.ts")),
    );
    let _ = std::fs::remove_dir_all(&dir);
}

async fn the_generated_python_client_runs_a_flow(t: &TestApp) {
    let Some(tools) = tools() else { return };
    let dir = scratch(match t.kind {
        Kind::Sqlite => "flow-sqlite",
        Kind::Postgres => "flow-postgres",
    });
    let spec = dir.join("openapi.json");
    std::fs::write(&spec, served_document(t).await.to_string()).unwrap();
    let admin = t.api_as(Role::Admin, None).await;
    let base = t.url("/api/v1");
    let flow = root().join("contract/flow.py");
    let out = tokio::task::spawn_blocking(move || {
        generate_python_client(&tools, &spec, &dir);
        let out = run(
            "contract/flow.py",
            Command::new(&tools.python)
                .arg(flow)
                .args(["--base-url", &base, "--token", &admin.token])
                .env("PYTHONPATH", &dir),
        );
        let _ = std::fs::remove_dir_all(&dir);
        out
    })
    .await
    .unwrap();
    assert!(out.contains("flow passed"), "{out}");
}

/// A server of its own on `t`'s database, with `settings`; stops when the sender is dropped or sent.
async fn serve_with(
    t: &TestApp,
    settings: Settings,
) -> (
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = App::new(t.app.store.clone(), settings);
    let server = tokio::spawn(trainyard_web::serve(listener, app, false, async {
        let _ = stopped.await;
    }));
    (addr, stop, server)
}

/// A bounded schemathesis run: every answer to generated (valid and invalid) requests has a
/// status code and a content type the document declares, and none is a server error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_to_generated_requests_is_declared() {
    let Some(tools) = tools() else { return };
    let t = TestApp::spawn(Kind::Sqlite).await;
    let admin = t.api_as(Role::Admin, None).await;
    // Without the rate limit: thousands of requests a minute are the point here.
    let (addr, stop, server) = serve_with(
        &t,
        Settings {
            api_rate_limit_per_minute: 0,
            ..Settings::default()
        },
    )
    .await;
    // schemathesis keeps a cache in its working directory: a scratch one, not the repository.
    let dir = scratch("schemathesis");
    let out = tokio::task::spawn_blocking(move || {
        let out = Command::new(&tools.python)
            .current_dir(&dir)
            .args([
                "-c",
                "import sys; from schemathesis.cli import schemathesis; sys.argv[0] = 'schemathesis'; sys.exit(schemathesis())",
                "run",
            ])
            .arg(format!("http://{addr}/api/v1/openapi.json"))
            .args(["--url", &format!("http://{addr}/api/v1")])
            .args(["--header", &format!("Authorization: Bearer {}", admin.token)])
            .args(["--checks", "not_a_server_error,status_code_conformance,content_type_conformance"])
            .args(["--phases", "examples,coverage,fuzzing"])
            // One worker: hypothesis's source introspection is not thread-safe in this version.
            .args(["--max-examples", "5", "--seed", "1", "--workers", "1", "--no-shrink"])
            .args(["--request-timeout", "30"])
            .output()
            .unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        out
    })
    .await
    .unwrap();
    let _ = stop.send(());
    let _ = server.await;
    t.stop().await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let tail: String = stdout
        .chars()
        .skip(stdout.chars().count().saturating_sub(20_000))
        .collect();
    assert!(
        out.status.success(),
        "schemathesis found answers the document does not declare:\n{tail}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn header(r: &reqwest::Response, name: &str) -> i64 {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {name} header"))
}

async fn every_api_answer_carries_the_rate_limit(t: &TestApp) {
    // The shared server allows 600 a minute: its answers say so.
    let admin = t.api_as(Role::Admin, None).await;
    let http = reqwest::Client::new();
    let r = http
        .get(t.url("/api/v1/me"))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(header(&r, "ratelimit-limit"), 600);
    assert!(header(&r, "ratelimit-remaining") < 600);

    // A server of its own with a limit of 3 a minute, on the same database.
    let settings = Settings {
        api_rate_limit_per_minute: 3,
        ..Settings::default()
    };
    let (addr, stop, server) = serve_with(t, settings).await;
    let url = |path: &str| format!("http://{addr}/api/v1{path}");
    let coordinator = t.api_as(Role::Coordinator, None).await;

    for remaining in [2, 1, 0] {
        let r = http
            .get(url("/me"))
            .bearer_auth(&admin.token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(header(&r, "ratelimit-limit"), 3);
        assert_eq!(header(&r, "ratelimit-remaining"), remaining);
        assert!((1..=60).contains(&header(&r, "ratelimit-reset")));
    }
    // The fourth within the minute is refused, as a problem, before anything runs.
    let r = http
        .post(url("/courses"))
        .bearer_auth(&admin.token)
        .header("idempotency-key", "over-the-limit")
        .json(&common::course_body("RATE1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    assert!((1..=60).contains(&header(&r, "retry-after")));
    assert_eq!(header(&r, "ratelimit-remaining"), 0);
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["status"], 429);
    assert_eq!(
        problem["type"],
        "https://trainyard.dev/problems/rate-limited"
    );
    assert_eq!(problem["instance"], "/api/v1/courses");
    let courses = admin.get("/courses?q=RATE1").await;
    assert_eq!(
        courses.body["total"], 0,
        "a refused request changes nothing"
    );

    // Another token has its own count; requests without one are counted per address.
    let r = http
        .get(url("/me"))
        .bearer_auth(&coordinator.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "ratelimit-remaining"), 2);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let r = http.get(url("/me")).send().await.unwrap();
        statuses.push(r.status().as_u16());
        assert_eq!(header(&r, "ratelimit-limit"), 3);
    }
    assert_eq!(statuses, [401, 401, 401, 429]);

    let _ = stop.send(());
    let _ = server.await;
}
