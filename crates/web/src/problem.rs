//! The single place where use-case errors become HTTP: RFC 9457 problem+json for the API, an
//! explanatory page for the UI.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use trainyard_app::AppError;

/// An RFC 9457 problem: every error the API answers, as `application/problem+json`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ProblemDetails, example = json!({
    "type": "https://trainyard.dev/problems/validation",
    "title": "Invalid input",
    "status": 422,
    "detail": "the request has 1 invalid field(s): capacity: must be at least 1",
    "instance": "/api/v1/sessions",
    "errors": [{ "field": "capacity", "message": "must be at least 1" }]
}))]
pub struct Problem {
    /// A stable URI naming the kind of problem (`https://trainyard.dev/problems/<kind>`, e.g.
    /// `validation`, `not-found`, `stale`, `conflict`): branch on this, not on `title`.
    #[serde(rename = "type")]
    #[schema(value_type = String, format = "uri")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong, in words for a person.
    pub detail: String,
    /// The request path this problem is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// For invalid input: each invalid field with what is wrong with it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(required = false)]
    pub errors: Vec<ProblemField>,
    /// For scheduling conflicts: each problem, with its rule and whether a manager may override it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(required = false)]
    pub conflicts: Vec<trainyard_core::conflicts::Problem>,
}

/// One invalid field of a request.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProblemField {
    /// The field's name as sent (`capacity`, `parts[1].starts_at`).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

pub fn status_of(e: &AppError) -> (StatusCode, &'static str, &'static str) {
    match e {
        AppError::Invalid(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            "Invalid input",
        ),
        AppError::NotFound(_) => (StatusCode::NOT_FOUND, "not-found", "Not found"),
        AppError::BadParameter { .. } => (
            StatusCode::BAD_REQUEST,
            "bad-parameter",
            "Invalid parameter",
        ),
        AppError::Unauthenticated(_) => {
            (StatusCode::UNAUTHORIZED, "unauthenticated", "Not signed in")
        }
        AppError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Forbidden"),
        AppError::Stale(_) => (StatusCode::CONFLICT, "stale", "Changed meanwhile"),
        AppError::Duplicate { .. } => (StatusCode::CONFLICT, "duplicate", "Already exists"),
        AppError::Refused(_) => (StatusCode::CONFLICT, "refused", "Not possible"),
        AppError::Conflict { .. } => (StatusCode::CONFLICT, "conflict", "Scheduling conflict"),
        AppError::Throttled { .. } => (
            StatusCode::TOO_MANY_REQUESTS,
            "throttled",
            "Too many attempts",
        ),
        AppError::Internal(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
        ),
    }
}

pub fn problem(
    status: StatusCode,
    kind: &str,
    title: &str,
    detail: String,
    errors: Vec<ProblemField>,
) -> Response {
    problem_with(status, kind, title, detail, errors, Vec::new())
}

pub fn problem_with(
    status: StatusCode,
    kind: &str,
    title: &str,
    detail: String,
    errors: Vec<ProblemField>,
    conflicts: Vec<trainyard_core::conflicts::Problem>,
) -> Response {
    let body = Problem {
        kind: format!("https://trainyard.dev/problems/{kind}"),
        title: title.into(),
        status: status.as_u16(),
        detail,
        instance: None,
        errors,
        conflicts,
    };
    let mut r = (status, axum::Json(body)).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    r
}

/// An `AppError` answered as problem+json.
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        let (status, kind, title) = status_of(&e);
        if let AppError::Internal(inner) = &e {
            tracing::error!(error = %inner, "internal error");
        }
        let errors = match &e {
            AppError::Invalid(inv) => inv
                .errors
                .iter()
                .map(|f| ProblemField {
                    field: f.field.clone(),
                    message: f.message.clone(),
                })
                .collect(),
            AppError::Duplicate { field, .. } => {
                vec![ProblemField {
                    field: field.clone(),
                    message: "is already taken".into(),
                }]
            }
            _ => Vec::new(),
        };
        let detail = match &e {
            AppError::Invalid(_) => {
                format!("the request has {} invalid field(s): {e}", errors.len())
            }
            _ => e.to_string(),
        };
        let conflicts = match &e {
            AppError::Conflict { problems, .. } => problems.clone(),
            _ => Vec::new(),
        };
        let mut r = problem_with(status, kind, title, detail, errors, conflicts);
        if let AppError::Throttled { retry_after_secs } = e
            && let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        r
    }
}

pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "Internal error",
        "something went wrong on our side; nothing was changed".into(),
        Vec::new(),
    )
}

/// Every error reply under `/api/` is problem+json, including those no handler wrote: a body over
/// the size limit (413), a timeout (408), a wrong method (405), a JSON body the extractor refused
/// (400/415/422). Their plain-text explanation becomes the `detail`; `Allow` and `Retry-After`
/// are kept.
pub async fn api_errors_as_problems(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let path = req.uri().path().to_owned();
    let res = next.run(req).await;
    let status = res.status();
    if !api || !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let already = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if already {
        return with_instance(res, &path).await;
    }
    let (parts, body) = res.into_parts();
    // Layer and extractor messages are a line or two; anything longer is not worth echoing.
    let text = axum::body::to_bytes(body, 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let (kind, title, fallback) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            "too-large",
            "Request body too large",
            format!(
                "the request body is larger than the limit of {} bytes",
                crate::MAX_BODY_BYTES
            ),
        ),
        StatusCode::REQUEST_TIMEOUT => (
            "timeout",
            "Request timed out",
            "the request took too long and was stopped; nothing more was done".into(),
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method-not-allowed",
            "Method not allowed",
            "this endpoint does not accept that method; see the Allow header".into(),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported-media-type",
            "Unsupported media type",
            "send the body as JSON with 'Content-Type: application/json'".into(),
        ),
        StatusCode::UNPROCESSABLE_ENTITY => (
            "validation",
            "Invalid input",
            "the request body does not have the expected fields".into(),
        ),
        s if s.is_server_error() => (
            "internal",
            "Internal error",
            "something went wrong on our side".into(),
        ),
        _ => (
            "bad-request",
            "Bad request",
            "the request could not be read".into(),
        ),
    };
    // A server error's text is not shown: it may describe our internals.
    let detail = if text.is_empty() || status.is_server_error() {
        fallback
    } else {
        text
    };
    let mut r = problem(status, kind, title, detail, Vec::new());
    for name in [
        header::ALLOW,
        header::RETRY_AFTER,
        header::WWW_AUTHENTICATE,
        header::HeaderName::from_static(crate::api::RATE_LIMIT_HEADERS[0]),
        header::HeaderName::from_static(crate::api::RATE_LIMIT_HEADERS[1]),
        header::HeaderName::from_static(crate::api::RATE_LIMIT_HEADERS[2]),
        header::HeaderName::from_static(crate::api::RATE_LIMIT_HEADERS[3]),
    ] {
        if let Some(v) = parts.headers.get(&name) {
            r.headers_mut().insert(name, v.clone());
        }
    }
    with_instance(r, &path).await
}

/// Names the request path as the problem's `instance`, so a logged problem says where it came from.
async fn with_instance(res: Response, path: &str) -> Response {
    let (mut parts, body) = res.into_parts();
    // Problems are small; a conflict list of a few hundred rules stays well under this.
    let Ok(bytes) = axum::body::to_bytes(body, 1024 * 1024).await else {
        return problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            "something went wrong on our side".into(),
            Vec::new(),
        );
    };
    let mut value: serde_json::Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(_) => return Response::from_parts(parts, axum::body::Body::from(bytes)),
    };
    if let Some(obj) = value.as_object_mut()
        && !obj.contains_key("instance")
    {
        obj.insert("instance".into(), path.into());
    }
    let Ok(out) = serde_json::to_vec(&value) else {
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(out))
}
