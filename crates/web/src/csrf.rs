//! Cross-site request forgery protection, in two layers: this middleware refuses unsafe requests
//! that a browser marks as cross-site (Sec-Fetch-Site, or an Origin naming another host), and every
//! UI form carries the session's CSRF token, checked by [`crate::pages::CsrfForm`].

use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub async fn same_origin_only(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        || req.headers().contains_key(header::AUTHORIZATION)
    {
        return next.run(req).await;
    }
    let h = req.headers();
    let cross_site = match h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(site) => !matches!(site, "same-origin" | "none"),
        None => match (
            h.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
            h.get(header::HOST).and_then(|v| v.to_str().ok()),
        ) {
            (Some("null"), _) => true,
            (Some(origin), Some(host)) => {
                origin.split_once("://").map(|(_, rest)| rest) != Some(host)
            }
            _ => false,
        },
    };
    if cross_site {
        return crate::problem::problem(
            StatusCode::FORBIDDEN,
            "cross-site",
            "Cross-site request refused",
            "this request came from another site; submit the form from Trainyard itself".into(),
            Vec::new(),
        )
        .into_response();
    }
    next.run(req).await
}
