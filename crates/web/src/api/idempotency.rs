//! `Idempotency-Key` on POST: the first request with a key runs; a retry with the same key and body
//! gets the stored response (marked `Idempotent-Replayed: true`) instead of changing anything twice.

use crate::AppState;
use crate::auth::ApiCaller;
use crate::problem::problem;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use trainyard_app::idempotency::{self, Outcome};

pub async fn layer(State(s): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(key) = req
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
    else {
        return next.run(req).await;
    };
    if key.is_empty() || key.len() > 200 {
        return problem(
            StatusCode::BAD_REQUEST,
            "bad-idempotency-key",
            "Invalid Idempotency-Key",
            "the key must be 1 to 200 characters".into(),
            Vec::new(),
        );
    }
    let (mut parts, body) = req.into_parts();
    let caller = match ApiCaller::from_request_parts(&mut parts, &s).await {
        Ok(ApiCaller(c)) => c,
        Err(r) => return r,
    };
    let Ok(bytes) = axum::body::to_bytes(body, crate::MAX_BODY_BYTES).await else {
        return problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            "Request too large",
            "the request body is too large".into(),
            Vec::new(),
        );
    };
    let fingerprint = format!(
        "{} {} {}",
        parts.method,
        parts.uri.path(),
        String::from_utf8_lossy(&bytes)
    );
    match idempotency::begin(&s.app, &caller, &key, &fingerprint).await {
        Ok(Outcome::Run) => {}
        Ok(Outcome::Replay { status, body }) => {
            let mut r =
                (StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body).into_response();
            let ct = if status >= 400 {
                "application/problem+json"
            } else {
                "application/json"
            };
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
            r.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            return r;
        }
        Err(e) => return crate::problem::ApiError(e).into_response(),
    }
    let req = Request::from_parts(parts, axum::body::Body::from(bytes));
    // Every transaction the request commits also marks its claim committed, atomically with the
    // change: after a crash, a retry knows whether the change happened (see
    // trainyard_store::idempotency).
    let res = idempotency::within(&caller, &key, next.run(req)).await;
    let (res_parts, res_body) = res.into_parts();
    let Ok(res_bytes) = axum::body::to_bytes(res_body, 16 * 1024 * 1024).await else {
        let _ = idempotency::abandon(&s.app, &caller, &key).await;
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let status = res_parts.status.as_u16();
    let outcome = if status >= 500 {
        idempotency::abandon(&s.app, &caller, &key).await
    } else {
        idempotency::finish(
            &s.app,
            &caller,
            &key,
            status,
            &String::from_utf8_lossy(&res_bytes),
        )
        .await
    };
    if let Err(e) = outcome {
        tracing::warn!(error = %e, "could not record the idempotent response");
    }
    Response::from_parts(res_parts, axum::body::Body::from(res_bytes))
}
