//! The JSON API under `/api/v1`. Routes and the OpenAPI document come from one source
//! (utoipa-axum); every handler is a few lines around one use case.

mod bodies;
mod bulk;
mod enrollment;
mod extract;
mod feeds;
mod idempotency;
mod messages;
mod planning;
mod records;
mod recurrence;
mod staffing;
mod timeline;

use crate::AppState;
use crate::problem::{Problem, ProblemField};
use axum::Router;
use axum::response::IntoResponse;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Trainyard API",
        description = "The training management system's JSON API. Authenticate with `Authorization: Bearer <token>` \
            (create tokens under *API tokens* in the UI, or `trainyard token create`). Errors are RFC 9457 problem \
            details. Timestamps are RFC 3339; money is `{ \"amount\": \"1234.50\", \"currency\": \"EUR\" }`. Send an \
            `Idempotency-Key` header with a POST to make retries safe. Edits carry the `version` you read: a stale \
            version is refused with 409. \
            Rates, costs and budgets (`day_rate`, `hour_rate`, `material_cost`, `budget`, `cost`) are finance \
            data: they are present only for finance, managers and admins (so are a planner run's `best_cost`, raw `cost` and \
            its `instructor_cost` objective, which sum day rates). Anyone else gets records without them, \
            keeps their stored values by leaving them out of a write, and is refused with 403 when a write would change one.",
        license(name = "AGPL-3.0-or-later")
    ),
    servers((url = "/api/v1")),
    components(schemas(Problem, ProblemField)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(records::me))
        .routes(routes!(records::courses::list, records::courses::create))
        .routes(routes!(
            records::courses::get,
            records::courses::update,
            records::courses::patch,
            records::courses::archive
        ))
        .routes(routes!(records::courses::restore))
        .routes(routes!(records::venues::list, records::venues::create))
        .routes(routes!(
            records::venues::get,
            records::venues::update,
            records::venues::patch,
            records::venues::archive
        ))
        .routes(routes!(records::venues::restore))
        .routes(routes!(
            records::resources::list,
            records::resources::create
        ))
        .routes(routes!(
            records::resources::get,
            records::resources::update,
            records::resources::patch,
            records::resources::archive
        ))
        .routes(routes!(records::resources::restore))
        .routes(routes!(
            records::instructors::list,
            records::instructors::create
        ))
        .routes(routes!(
            records::instructors::get,
            records::instructors::update,
            records::instructors::patch,
            records::instructors::archive
        ))
        .routes(routes!(records::instructors::restore))
        .routes(routes!(records::clients::list, records::clients::create))
        .routes(routes!(
            records::clients::get,
            records::clients::update,
            records::clients::patch,
            records::clients::archive
        ))
        .routes(routes!(records::clients::restore))
        .routes(routes!(records::programs::list, records::programs::create))
        .routes(routes!(
            records::programs::get,
            records::programs::update,
            records::programs::patch,
            records::programs::archive
        ))
        .routes(routes!(records::programs::restore))
        .routes(routes!(records::learners::list, records::learners::create))
        .routes(routes!(
            records::learners::get,
            records::learners::update,
            records::learners::patch,
            records::learners::archive
        ))
        .routes(routes!(records::learners::restore))
        .routes(routes!(records::sessions::list, records::sessions::create))
        .routes(routes!(
            records::sessions::get,
            records::sessions::update,
            records::sessions::patch,
            records::sessions::archive
        ))
        .routes(routes!(records::sessions::restore))
        .routes(routes!(records::lifecycle::transition))
        .routes(routes!(records::history))
        .merge(staffing::api())
        .merge(enrollment::api())
        .merge(bulk::api())
        .merge(messages::api())
        .merge(timeline::api())
        .merge(feeds::api())
        .merge(recurrence::api())
        .merge(planning::api())
        .split_for_parts()
}

/// The OpenAPI 3.1 document, as served at `/api/v1/openapi.json`.
pub fn openapi_json() -> String {
    api().1.to_pretty_json().unwrap_or_default()
}

pub fn routes(_state: AppState) -> Router<AppState> {
    let (router, doc) = api();
    let json = doc.to_pretty_json().unwrap_or_default();
    let docs =
        utoipa_swagger_ui::SwaggerUi::new("/api/v1/docs").url("/api/v1/openapi-ui.json", doc);
    Router::new()
        .nest(
            "/api/v1",
            router.layer(axum::middleware::from_fn_with_state(
                _state,
                idempotency::layer,
            )),
        )
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(move || {
                let json = json.clone();
                async move {
                    (
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        json,
                    )
                        .into_response()
                }
            }),
        )
        .merge(Router::<AppState>::from(docs).layer(crate::headers::docs_layer()))
}
