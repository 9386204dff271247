//! Cross-site request forgery protection, in two layers: tower-http's `CsrfLayer` refuses unsafe
//! requests that a browser marks as cross-site (`Sec-Fetch-Site`, or an `Origin` naming another
//! host than the request's), and every UI form carries the session's CSRF token, checked by
//! [`crate::pages::CsrfForm`] (cookie-authenticated API writes need `X-CSRF-Token`, checked by
//! [`crate::auth::ApiCaller`]).
//!
//! The layer is the same check our own middleware made (Go's `CrossOriginProtection`), kept by
//! tower-http. Bearer-token API clients are not browsers and send neither header, so they pass; a
//! browser page on another site could only send a bearer token through CORS, which we do not serve.

use axum::body::Body;
use axum::http::{Response, StatusCode};
use axum::response::IntoResponse;
use tower_http::csrf::{CsrfLayer, ProtectionError};

/// The layer, trusting also the origin of the configured public URL: behind a proxy that rewrites
/// `Host`, a browser without `Sec-Fetch-Site` still gets through when it names that origin.
pub fn layer(public_url: &str) -> CsrfLayer<fn(ProtectionError) -> Response<Body>> {
    let base = CsrfLayer::new();
    let base = match origin_of(public_url).map(|o| base.clone().add_trusted_origin(o)) {
        Some(Ok(with_origin)) => with_origin,
        Some(Err(e)) => {
            tracing::warn!(error = %e, "the public URL's origin is not a valid trusted origin");
            base
        }
        None => base,
    };
    base.with_rejection_response(refused as fn(ProtectionError) -> Response<Body>)
}

/// `scheme://host[:port]` of a URL, without path, in the form browsers send as `Origin`.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = match (scheme, authority.rsplit_once(':')) {
        ("http", Some((host, "80"))) | ("https", Some((host, "443"))) => host,
        _ => authority,
    };
    (!authority.is_empty()).then(|| format!("{scheme}://{}", authority.to_ascii_lowercase()))
}

fn refused(_: ProtectionError) -> Response<Body> {
    crate::problem::problem(
        StatusCode::FORBIDDEN,
        "cross-site",
        "Cross-site request refused",
        "this request came from another site; submit the form from Trainyard itself".into(),
        Vec::new(),
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::origin_of;

    #[test]
    fn origin_of_public_urls() {
        assert_eq!(
            origin_of("https://tms.example.com/trainyard").as_deref(),
            Some("https://tms.example.com")
        );
        assert_eq!(
            origin_of("https://TMS.example.com:443").as_deref(),
            Some("https://tms.example.com")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:8080").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(origin_of("tms.example.com"), None);
    }
}
