//! Security headers on every response, set by tower-http's `set-header` layers.
//!
//! The Content-Security-Policy allows only our own scripts, styles and images (plus `data:`
//! images): no inline script, no inline style, no `eval`, no framing. Templates therefore carry no
//! `style=` attributes and no inline handlers; dynamic positions (timeline bars) are classes from
//! the stylesheet, bar lengths are SVG attributes. A route that needs another policy (the Swagger
//! UI) sets its own `Content-Security-Policy`, which the global layer leaves alone.

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Response, header};
use tower_http::set_header::response::{SetMultipleResponseHeadersLayer, SetResponseHeaderLayer};

/// The policy of every page: our own origin only.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; \
     frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// The Swagger UI at `/api/v1/docs` (utoipa-swagger-ui's vendored Swagger UI 5.32.6): its bundle
/// injects one fixed `<style>` element, allowed here by its hash and only on this path. Another
/// Swagger UI version may inject another: the browser test (`tests/browser_defences.rs`) then
/// reports the refused style with its new hash.
pub const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='; \
     img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; \
     frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// One year; only sent when cookies are `Secure`, i.e. when Trainyard is served over HTTPS.
/// Without `includeSubDomains`: other hosts under the same domain are not ours to decide for.
const HSTS: &str = "max-age=31536000";

type Headers = SetMultipleResponseHeadersLayer<Response<Body>>;

/// The security headers for every response. A header a handler set itself (a looser CSP on the
/// API docs) is kept.
pub fn layer(secure_cookies: bool) -> Headers {
    let mut headers: Vec<(HeaderName, HeaderValue)> = vec![
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        // For browsers that predate `frame-ancestors`.
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        // Our URLs carry filters, names and feed secrets: never send them to another site.
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ),
    ];
    if secure_cookies {
        headers.push((
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        ));
    }
    SetMultipleResponseHeadersLayer::if_not_present(headers.into_iter().map(Into::into).collect())
}

/// The Swagger UI's own policy, set before the global layer sees the response.
pub fn docs_layer() -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(DOCS_CSP),
    )
}
