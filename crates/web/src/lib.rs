//! Trainyard over HTTP: the HTML UI (askama + htmx), the JSON API under `/api/v1` with its OpenAPI
//! document, and authentication. Handlers are thin: they turn requests into calls of
//! `trainyard_app` use cases and map the one `AppError` type to a page or to problem+json.

mod account_links;
mod api;
mod assets;
mod auth;
mod certificate_print;
mod charts;
mod csrf;
mod error_page;
mod headers;
pub mod i18n;
mod invoice_print;
mod locale_input;
mod pages;
mod problem;
mod views;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use std::net::SocketAddr;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use trainyard_app::App;

pub use api::openapi_json;

/// Request bodies above this are refused with 413 before any handler runs.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub app: App,
    /// Set `Secure` on cookies (when served over HTTPS).
    pub secure_cookies: bool,
}

/// The whole HTTP application.
pub fn router(app: App, secure_cookies: bool) -> Router {
    let csrf = csrf::layer(&app.settings.public_url);
    let state = AppState {
        app,
        secure_cookies,
    };
    Router::new()
        .merge(pages::routes())
        .merge(auth::routes())
        .merge(account_links::routes())
        .merge(assets::routes())
        .merge(api::routes(state.clone()))
        .route("/healthz", axum::routing::get(health))
        .route("/language", axum::routing::post(i18n::switch))
        .fallback(pages::not_found)
        .layer(csrf)
        .layer(axum::middleware::from_fn(pages::clear_flash))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            i18n::layer,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(CatchPanicLayer::custom(problem::panic_response))
        // Outside the limit and timeout layers, so that their replies are problem+json too.
        .layer(axum::middleware::from_fn(problem::api_errors_as_problems))
        .layer(headers::layer(secure_cookies))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn health(
    axum::extract::State(s): axum::extract::State<AppState>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match s.app.store.ping().await {
        Ok(()) => axum::Json(serde_json::json!({ "status": "ok", "database": "reachable" }))
            .into_response(),
        Err(e) => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({ "status": "unavailable", "database": e.to_string() })),
        )
            .into_response(),
    }
}

/// Serves until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: App,
    secure_cookies: bool,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = router(app, secure_cookies);
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
