//! Token scopes at the door of the API: a bearer token is resolved once per request, and the
//! request goes on only if the token holds the scope its operation needs (from the tag and
//! security its `#[utoipa::path]` declares, as the OpenAPI document states it: a test holds the
//! two equal).

use super::operations::Operation;
use crate::AppState;
use crate::problem::{ApiError, Problem};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Arc;
use trainyard_app::{AppError, Caller, accounts};
use trainyard_core::scope::{self, MissingScope, Need};

/// What each operation asks of a token, by (method, path under `/api/v1`).
#[derive(Clone)]
pub struct Doors {
    pub state: AppState,
    needs: Arc<HashMap<(String, String), Door>>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Door {
    /// Open to anyone (certificate verification, surveys): tokens are not looked at.
    Public,
    /// `None`: no scope opens it (an operation filed under a tag without a row).
    Token(Option<Need>),
}

impl Doors {
    pub fn new(state: AppState, operations: &[Operation]) -> Self {
        let needs = operations
            .iter()
            .map(|op| ((op.method.clone(), op.path.clone()), door(op)))
            .collect();
        Self {
            state,
            needs: Arc::new(needs),
        }
    }
}

/// What a token needs for an operation: nothing when it is public, else the scope of the area
/// its tag is filed under (the one table, `trainyard_core::scope`), as the document states it.
pub fn door(op: &Operation) -> Door {
    if op.public {
        Door::Public
    } else {
        Door::Token(op.tag.and_then(|tag| scope::need_of(tag, op.is_read())))
    }
}

/// The caller a bearer token stands for, once its scope was checked.
#[derive(Clone)]
pub struct TokenCaller(pub Caller);

/// The bearer token of `Authorization`, trimmed; empty when the header is another kind.
pub fn bearer(v: &HeaderValue) -> &str {
    v.to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or_default()
}

pub async fn layer(State(d): State<Doors>, mut req: Request, next: Next) -> Response {
    let Some(auth) = req.headers().get(header::AUTHORIZATION) else {
        return next.run(req).await;
    };
    let method = match req.method().as_str() {
        "HEAD" => "GET".to_owned(),
        m => m.to_owned(),
    };
    let path = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str())
        .unwrap_or_default();
    let path = path.strip_prefix("/api/v1").unwrap_or(path).to_owned();
    let door = d.needs.get(&(method, path.clone())).copied();
    if let Some(Door::Public) = door {
        return next.run(req).await;
    }
    // No route matched, or the path has operations but none with this method: the router
    // answers (404, or 405 with `Allow`), and no handler runs.
    if door.is_none() && (path.is_empty() || d.needs.keys().any(|(_, p)| *p == path)) {
        return next.run(req).await;
    }
    let caller = match accounts::caller_for_token(&d.state.app, bearer(auth)).await {
        Ok(Some(c)) => c,
        Ok(None) => {
            return ApiError(AppError::Unauthenticated(
                "the bearer token is unknown, expired or revoked".into(),
            ))
            .into_response();
        }
        Err(e) => return ApiError(e).into_response(),
    };
    let Some(Door::Token(Some(need))) = door else {
        return ApiError(AppError::Forbidden(
            "use this operation with an API token".into(),
        ))
        .into_response();
    };
    if let Some(grant) = &caller.token
        && let Err(missing) = grant.scopes.allow(need)
    {
        return missing_scope(missing);
    }
    req.extensions_mut().insert(TokenCaller(caller));
    next.run(req).await
}

/// 403 naming the scope: in `detail` for a person, in `required_scope` for a program.
fn missing_scope(m: MissingScope) -> Response {
    let status = StatusCode::FORBIDDEN;
    let body = Problem {
        kind: "https://trainyard.dev/problems/missing-scope".into(),
        title: "Missing token scope".into(),
        status: status.as_u16(),
        detail: m.to_string(),
        instance: None,
        errors: Vec::new(),
        conflicts: Vec::new(),
    };
    let mut v = serde_json::to_value(body).unwrap_or_default();
    v["required_scope"] = m.1.as_str().into();
    let mut r = (status, axum::Json(v)).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    r
}
