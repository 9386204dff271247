//! The OpenAPI document's shared parts: the introduction a newcomer reads first, the tags, and the
//! conventions every operation follows (problem+json errors, rate-limit headers, the
//! `Idempotency-Key` parameter), added here once instead of repeated on each handler.

use crate::problem::{Problem, ProblemField};
use serde_json::{Map, Value, json};
use trainyard_core::scope::{self, Need};
use utoipa::OpenApi;

const INTRODUCTION: &str = r#"The JSON API of Trainyard, the training management system: courses, venues and resources,
instructors, clients, programs, learners, sessions, staffing, enrollments, messages, calendar feeds and
the planner. Everything the web UI can do for a role, the API can do for the same role.

## Authenticate

Send an API token with every request: `Authorization: Bearer <token>`. Create one under *API tokens*
in the UI, or with `trainyard token create --email you@example.com --name integration`. A token acts
as its user, with that user's role: a request the role may not make is refused with 403, and a missing,
revoked, expired or unknown token with 401.

## Scopes

A token also holds scopes, which narrow (never widen) what its user's role allows: `read` (every
read, in every area) and any of the areas `scheduling`, `enrollment`, `finance`, `reports` and
`admin` (each reads and writes its area). Each operation states the scope it needs in
`x-required-scope` (and every scope that will do in `x-accepted-scopes` and its `security`
requirement); `getCurrentUser` takes any token. Without the scope the answer is 403 with the problem
type `https://trainyard.dev/problems/missing-scope`, naming it in `detail` and `required_scope`.
Tokens expire (1 to 366 days, 90 by default); a token can make tokens only with scopes it holds.

## Page

Lists answer one page: `{ "items": [...], "total": 1234, "page": 1, "per_page": 50 }`. Ask for another
with `page` (from 1) and `per_page` (1 to 200, default 50; a larger value is treated as 200). Keep
asking while `page * per_page < total`.

## Filter and sort

Each list names its filters and sort keys (`sort`, with `dir=asc|desc`) in its parameters, e.g.
`GET /sessions?status=confirmed&from=2026-01-01&to=2026-03-31&sort=starts`. An unknown filter value
is 400, naming the parameter, rather than silently matching everything. `q` searches the names and
codes; `archived=true` lists archived records instead of active ones.

## Sync

To mirror records into another system, list with `updated_since=<RFC 3339 instant>`: the records
changed at or after it, oldest change first (ordered by `updated_at`, then `id`, so paging through
them leaves no gaps). Keep the latest `updated_at` you saw and ask from it next time; archiving is a
change too (`archived: true`).

## Write safely

Every record carries a `version`. A replace (`PUT`), archive (`DELETE ?version=`) or restore sends the
version it read; if someone changed the record meanwhile, the answer is 409 and nothing is
overwritten: read it again and redo the change.

Send an `Idempotency-Key` header (any unique string up to 200 characters, e.g. a UUID) with a `POST`
to make it safe to retry after a time-out or a dropped connection: a retry with the same key and body
gets the first response again (marked `Idempotent-Replayed: true`) and changes nothing twice; the same
key with a different body is 422. Keys belong to the token's user: two users never share one.

## Rate limits

Each token may make a number of requests a minute (600 by default; per client address for requests
without a token). Every response says where you stand: `RateLimit-Limit`, `RateLimit-Remaining` and
`RateLimit-Reset` (seconds until the window starts again). Past the limit the answer is 429 with
`Retry-After` (seconds); wait that long. Each server process counts on its own.

## Errors

Every error is an RFC 9457 problem (`Content-Type: application/problem+json`, schema
`ProblemDetails`): a stable `type` URI to branch on, a `title`, the HTTP `status`, a `detail` for a
person, the invalid fields in `errors`, and for scheduling refusals each broken rule in `conflicts`
(with whether a manager may override it):

```json
{
  "type": "https://trainyard.dev/problems/validation",
  "title": "Invalid input",
  "status": 422,
  "detail": "the request has 1 invalid field(s): capacity: must be at least 1",
  "errors": [{ "field": "capacity", "message": "must be at least 1" }]
}
```

400 is a request that cannot be read (malformed JSON, a bad parameter), 401 no valid token, 403 not
allowed for your role, 404 no such record (or not visible to you), 409 a conflict with the current
state (a stale `version`, a duplicate, a scheduling conflict, a move the lifecycle does not allow), 413
a body over 2 MiB, 415 a body that is not JSON, 422 invalid fields, 429 too many requests.

## Data

Instants are RFC 3339 (UTC); dates are `YYYY-MM-DD` in the session's or your time zone as each field
says. Money is `{ "amount": "1234.50", "currency": "EUR" }`. Rates, costs and budgets (`day_rate`,
`hour_rate`, `material_cost`, `budget`, a candidate's `cost`, a planner run's `best_cost`, raw `cost` and its
`instructor_cost` objective) are finance data: they are present only for finance, managers and
admins. Anyone else gets records without them, keeps their stored values by leaving them out of a
write, and is refused with 403 when a write would change one."#;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Trainyard API",
        description = "",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later")
    ),
    servers((url = "/api/v1", description = "This server")),
    // Schemas only a query parameter names (utoipa collects those of bodies and responses).
    components(schemas(
        Problem,
        ProblemField,
        trainyard_app::reporting::Compare,
        super::reports::ReportFormatName,
        trainyard_core::morning::SessionProblem,
        trainyard_core::report_view::ReportKind,
        trainyard_core::report_view::Cadence,
        trainyard_core::costs::Dimension
    )),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token: `Authorization: Bearer <token>` (see *Authenticate*).",
                    ))
                    .build(),
            ),
        );
    }
}

/// Tags in the order the reference shows them, each with a line on what it holds.
const TAGS: &[(&str, &str)] = &[
    (
        "account",
        "Who the token belongs to, and an instructor's own assignments.",
    ),
    (
        "api tokens",
        "Your own API tokens: scopes, expiry, last use, revocation. The secret is shown once, when the token is made.",
    ),
    (
        "users",
        "User accounts (administrators): roles, links to instructor, client and learner records, deactivation, password resets, invitations.",
    ),
    (
        "courses",
        "The catalogue: what can be taught, for how long, at what price.",
    ),
    (
        "venues",
        "Training centres and other places sessions are held.",
    ),
    (
        "resources",
        "Rooms, equipment, platform licences and materials.",
    ),
    (
        "instructors",
        "Instructors with their qualifications, contracts, time off and working pattern.",
    ),
    ("clients", "Companies that buy training."),
    ("programs", "A client's contracted series of sessions."),
    ("learners", "People who attend sessions."),
    (
        "sessions",
        "Scheduled deliveries of a course, with their parts, lifecycle and recurrence.",
    ),
    (
        "assignments",
        "Staffing sessions with instructors: candidates, checks, proposals, confirmation.",
    ),
    (
        "bookings",
        "Booking rooms and other resources for sessions.",
    ),
    (
        "enrollments",
        "Enrolling learners, waitlists, transfers, attendance, viability.",
    ),
    ("schedule", "The timeline across instructors and rooms."),
    (
        "planning",
        "The automatic planner: runs, proposals, repair.",
    ),
    (
        "messages",
        "E-mail: the outbox, templates and reminder settings.",
    ),
    (
        "calendar feeds",
        "iCalendar feed URLs for calendar applications.",
    ),
    (
        "invoices",
        "Invoices and credit notes: drafts, gapless numbers on issue, payments, client credit (finance).",
    ),
    (
        "quotes",
        "Quotes: drafts of courses × sessions × price, sent as PDF to the client, accepted or declined by the client's contact; accepting creates the program and its draft sessions (finance).",
    ),
    (
        "costs",
        "Costs per session, margins and profitability (finance): cost lines planned, committed and actual, CSV import of actuals, the profitability report.",
    ),
    (
        "budgets",
        "Budgets per program, client or cost centre over whole months (finance): budget vs committed vs actual, variance alerts, cost centres.",
    ),
    (
        "compliance",
        "Compliance checklists per client or course, uploaded documents, evidence packs, and the substitution protocol when a confirmed instructor drops out.",
    ),
    (
        "certificates",
        "Certificates of completion: issue, revoke, PDF, and the public verification of a code.",
    ),
    (
        "feedback",
        "Feedback surveys: templates, results per session, course, instructor, venue and client, and the public survey behind a personal link.",
    ),
    (
        "agreements",
        "Client agreements: discounts, negotiated rates per course, billing mode and prepaid seat credits with their ledger (finance).",
    ),
    (
        "prices",
        "Course prices in other currencies, tax rates by region and dated exchange rates to the base currency (finance).",
    ),
    ("audit", "The change history of records."),
    (
        "reports",
        "Operations KPIs for a period and a comparison period, sliced by client, course, instructor, venue and delivery mode; the morning lists; JSON or CSV. Saved report views and their e-mailed weekly or monthly schedules.",
    ),
    (
        "webhooks",
        "Signed HTTP callbacks (Standard Webhooks) for changes: endpoints, secrets, the delivery log and replays (admins).",
    ),
    (
        "xapi",
        "LMS hand-off with xAPI: the Learning Record Store that receives attended, completed, passed and failed statements, its statement log, courses' e-learning prerequisites and the readiness of learners read back from the LRS.",
    ),
    (
        "single sign-on",
        "The organisation's OpenID Connect provider (issuer, client, default role, role map) and whether password sign-in stays on (admins). The client secret is never shown back.",
    ),
    (
        "imports",
        "Spreadsheet onboarding: CSV and XLSX imports of every kind of record (column mapping, dry run, all-or-nothing import as a background job) and the export in the same layouts (operations staff).",
    ),
];

/// The shared error responses, by status: (component name, description).
const ERRORS: &[(u16, &str, &str)] = &[
    (
        400,
        "BadRequest",
        "The request cannot be read: malformed JSON, an invalid path or query parameter (named in `detail`) or an invalid `Idempotency-Key`.",
    ),
    (
        401,
        "Unauthorized",
        "No valid API token: missing, unknown, expired or revoked.",
    ),
    (
        403,
        "Forbidden",
        "The token's role may not do this (or may not change a finance field), or the token lacks the scope the operation needs (`required_scope`).",
    ),
    (
        404,
        "NotFound",
        "No such record, or not one the token's user may see.",
    ),
    (
        409,
        "Conflict",
        "Refused by the current state: a stale `version`, a duplicate, a scheduling conflict (each in `conflicts`) or a move the lifecycle does not allow.",
    ),
    (
        413,
        "PayloadTooLarge",
        "The request body is over the 2 MiB limit.",
    ),
    (
        415,
        "UnsupportedMediaType",
        "The body is not sent as `Content-Type: application/json`.",
    ),
    (
        422,
        "UnprocessableContent",
        "Invalid input: each invalid field in `errors`; also an `Idempotency-Key` reused with a different body.",
    ),
    (
        429,
        "TooManyRequests",
        "Over the rate limit: wait `Retry-After` seconds.",
    ),
];

fn rate_limit_headers() -> Value {
    json!({
        "RateLimit-Limit": { "$ref": "#/components/headers/RateLimit-Limit" },
        "RateLimit-Remaining": { "$ref": "#/components/headers/RateLimit-Remaining" },
        "RateLimit-Reset": { "$ref": "#/components/headers/RateLimit-Reset" }
    })
}

fn components() -> (Value, Value, Value) {
    let mut responses = Map::new();
    for (status, name, description) in ERRORS {
        let mut headers = rate_limit_headers();
        if *status == 429 {
            headers["Retry-After"] = json!({ "$ref": "#/components/headers/Retry-After" });
        }
        responses.insert(
            (*name).into(),
            json!({
                "description": description,
                "headers": headers,
                "content": { "application/problem+json": {
                    "schema": { "$ref": "#/components/schemas/ProblemDetails" }
                } }
            }),
        );
    }
    let headers = json!({
        "RateLimit-Limit": {
            "description": "Requests this client may make in the current one-minute window.",
            "schema": { "type": "integer", "minimum": 1 }
        },
        "RateLimit-Remaining": {
            "description": "Requests left in the current window.",
            "schema": { "type": "integer", "minimum": 0 }
        },
        "RateLimit-Reset": {
            "description": "Seconds until the current window ends and the count starts again.",
            "schema": { "type": "integer", "minimum": 0 }
        },
        "Retry-After": {
            "description": "Seconds to wait before trying again.",
            "schema": { "type": "integer", "minimum": 0 }
        }
    });
    let parameters = json!({
        "IdempotencyKey": {
            "name": "Idempotency-Key",
            "in": "header",
            "required": false,
            "description": "Any unique string (1 to 200 characters, e.g. a UUID). A retry with the same key and body returns the first response (marked `Idempotent-Replayed: true`) instead of doing the change twice; the same key with another body is 422.",
            "schema": { "type": "string", "minLength": 1, "maxLength": 200 }
        }
    });
    (Value::Object(responses), headers, parameters)
}

fn error_ref(status: u16) -> Option<Value> {
    ERRORS
        .iter()
        .find(|(s, _, _)| *s == status)
        .map(|(_, name, _)| json!({ "$ref": format!("#/components/responses/{name}") }))
}

/// An error response whose body extends the problem details (e.g. a bulk report beside them):
/// kept, served as problem+json like every other error.
fn special_problem(response: &Value) -> Option<Value> {
    let content = response.get("content")?.as_object()?;
    let (_, media) = content.iter().next()?;
    let schema = media.get("schema")?;
    if schema.get("$ref").and_then(Value::as_str) == Some("#/components/schemas/ProblemDetails") {
        return None;
    }
    let mut r = response.clone();
    r["content"] = json!({ "application/problem+json": { "schema": schema } });
    r["headers"] = rate_limit_headers();
    if r.get("description")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        r["description"] = "Error".into();
    }
    Some(r)
}

fn path_parameter(name: &str) -> String {
    match name {
        "id" => "The record's id.".into(),
        "event" => "The event a message template is for (see `listMessageTemplates`).".into(),
        other => format!(
            "The {}'s id.",
            other.trim_end_matches("_id").replace('_', " ")
        ),
    }
}

fn default_description(status: &str) -> &'static str {
    match status {
        "200" => "OK",
        "201" => "Created",
        "202" => "Accepted: the work goes on in the background",
        "204" => "Done; no content",
        _ => "Error",
    }
}

/// Applies the conventions to one operation: the errors every request can meet, problem+json
/// for every error, the rate-limit headers on every answer, `Idempotency-Key` on every POST.
fn operation(method: &str, path: &str, op: &mut Map<String, Value>) {
    let has_body = op.contains_key("requestBody");
    let params = op
        .entry("parameters")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(list) = params {
        list.retain(|p| p.get("name").and_then(Value::as_str) != Some("Idempotency-Key"));
        if method == "post" {
            list.push(json!({ "$ref": "#/components/parameters/IdempotencyKey" }));
        }
    }
    if let Value::Array(list) = params {
        for p in list.iter_mut() {
            if p.get("in").and_then(Value::as_str) == Some("path") && p.get("description").is_none()
            {
                let name = p["name"].as_str().unwrap_or_default().to_owned();
                p["description"] = path_parameter(&name).into();
            }
        }
    }
    let has_query = params.as_array().is_some_and(|list| {
        list.iter()
            .any(|p| p.get("in").and_then(Value::as_str) == Some("query"))
    });
    if params.as_array().is_some_and(Vec::is_empty) {
        op.remove("parameters");
    }

    let mut statuses: Vec<u16> = vec![401, 403, 429];
    if path.contains('{') {
        // 404 for an id that is no record; 400 for a path that cannot be read at all.
        statuses.extend([400, 404]);
    }
    if has_query || has_body || method == "post" {
        statuses.push(400);
    }
    if method != "get" {
        statuses.push(409);
    }
    if method == "post" {
        // An `Idempotency-Key` reused for another request.
        statuses.push(422);
    }
    if has_body {
        statuses.extend([413, 415, 422]);
    }

    let Some(Value::Object(responses)) = op.get_mut("responses") else {
        return;
    };
    for status in statuses {
        responses.entry(status.to_string()).or_insert(Value::Null);
    }
    for (status, response) in responses.iter_mut() {
        let code: u16 = status.parse().unwrap_or(0);
        if code >= 400 {
            if let Some(special) = special_problem(response) {
                *response = special;
            } else if let Some(r) = error_ref(code) {
                *response = r;
            }
            continue;
        }
        if let Value::Object(r) = response {
            if r.get("description")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                r.insert("description".into(), default_description(status).into());
            }
            r.insert("headers".into(), rate_limit_headers());
        }
    }
}

/// The finished document: the routes' operations with the conventions applied.
pub fn finish(doc: utoipa::openapi::OpenApi) -> Value {
    let mut v = serde_json::to_value(doc).unwrap_or_default();
    v["info"]["description"] = INTRODUCTION.into();
    v["tags"] = TAGS
        .iter()
        .map(|(name, description)| json!({ "name": name, "description": description }))
        .collect();
    let (responses, headers, parameters) = components();
    v["components"]["responses"] = responses;
    v["components"]["headers"] = headers;
    v["components"]["parameters"] = parameters;
    if let Some(Value::Object(paths)) = v.get_mut("paths") {
        for (path, item) in paths.iter_mut() {
            let Value::Object(item) = item else { continue };
            for (method, op) in item.iter_mut() {
                if let Value::Object(op) = op {
                    operation(method, path, op);
                    scope(method, op);
                }
            }
        }
    }
    v
}

/// What a token needs for an operation, from the tag it is filed under (the one table,
/// `trainyard_core::scope::AREA_OF_TAG`). `None`: a tag without a row, refused to every token.
pub fn need_of(method: &str, op: &Map<String, Value>) -> Option<Need> {
    let tag = op.get("tags")?.as_array()?.first()?.as_str()?;
    scope::need_of(tag, matches!(method, "get" | "head"))
}

/// States the scope an operation needs: `x-required-scope` (the area's scope; `read` also does
/// for reads, listed in `x-accepted-scopes`), and the security requirement with the scopes that
/// will do, one alternative each. Public operations (`security: [{}]`) stay as they are.
fn scope(method: &str, op: &mut Map<String, Value>) {
    if is_public(op) {
        return;
    }
    let Some(need) = need_of(method, op) else {
        return;
    };
    let accepted = need.accepted();
    if let Some(required) = need.scope() {
        op.insert("x-required-scope".into(), required.as_str().into());
        op.insert(
            "x-accepted-scopes".into(),
            accepted
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .into(),
        );
        op.insert(
            "security".into(),
            accepted
                .iter()
                .map(|s| json!({ "bearer": [s.as_str()] }))
                .collect::<Vec<_>>()
                .into(),
        );
    }
}

/// An operation anyone may call without a token (`security: [{}]`).
fn is_public(op: &Map<String, Value>) -> bool {
    op.get("security")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|r| r.as_object().is_some_and(Map::is_empty)))
}

#[cfg(test)]
/// Every operation of the finished document: (method in capitals, path under `/api/v1`,
/// public?, what a token needs).
pub fn operation_needs(doc: &Value) -> Vec<(String, String, bool, Option<Need>)> {
    let mut out = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            for (method, op) in item {
                if let Some(op) = op.as_object()
                    && op.contains_key("responses")
                {
                    out.push((
                        method.to_uppercase(),
                        path.clone(),
                        is_public(op),
                        need_of(method, op),
                    ));
                }
            }
        }
    }
    out
}
