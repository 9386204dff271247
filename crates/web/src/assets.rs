//! Static assets compiled into the binary: no CDN, nothing to install beside it.

use crate::AppState;
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

const CSS: &str = include_str!("../assets/trainyard.css");
const CATALOG_CSS: &str = include_str!("../assets/catalog.css");
const JS: &str = include_str!("../assets/trainyard.js");
const HTMX: &str = include_str!("../assets/htmx-2.0.11.min.js");

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/assets/trainyard.css",
            get(|| async { asset("text/css; charset=utf-8", CSS) }),
        )
        .route(
            "/assets/catalog.css",
            get(|| async { asset("text/css; charset=utf-8", CATALOG_CSS) }),
        )
        .route(
            "/assets/trainyard.js",
            get(|| async { asset("text/javascript; charset=utf-8", JS) }),
        )
        .route(
            "/assets/htmx-2.0.11.min.js",
            get(|| async { asset("text/javascript; charset=utf-8", HTMX) }),
        )
}
