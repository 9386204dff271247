//! The JSON API under `/api/v1`. Routes and the OpenAPI document come from one source (each
//! handler's `#[utoipa::path]`, gathered by [`operations`]); every handler is a few lines around
//! one use case.

pub(crate) mod accounting;
mod bodies;
mod budgets;
mod bulk;
mod cancellation;
mod certificates;
pub(crate) mod compliance;
mod costs;
mod doc;
mod enrollment;
mod extract;
mod feeds;
mod idempotency;
pub(crate) mod imports;
mod invoice_runs;
mod invoices;
mod messages;
mod operations;
mod planning;
mod prices;
mod quality;
mod quotes;
mod rate_limit;
mod records;
mod recurrence;
mod renewals;
mod report_views;
mod reports;
pub(crate) mod scopes;
mod sso;
mod staffing;
mod surveys;
mod timeline;
mod tokens;
mod users;
mod venues_travel;
mod webhooks;
mod xapi;

pub use rate_limit::HEADERS as RATE_LIMIT_HEADERS;
// Public pages that answer from the database (certificate verification) count per address too.
pub(crate) use rate_limit::{RateLimiter, layer as rate_limit};
pub(crate) use users::{UserBody, create_user};

use crate::AppState;
use axum::Router;
use axum::response::IntoResponse;
use operations::{Operations, routes};
use utoipa::OpenApi;

fn api() -> Operations {
    Operations::new()
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
        .routes(routes!(
            records::agreements::list,
            records::agreements::create
        ))
        .routes(routes!(
            records::agreements::get,
            records::agreements::update,
            records::agreements::patch,
            records::agreements::archive
        ))
        .routes(routes!(records::agreements::restore))
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
        .merge(users::api())
        .merge(tokens::api())
        .merge(venues_travel::api())
        .merge(invoices::api())
        .merge(invoice_runs::api())
        .merge(quotes::api())
        .merge(accounting::api())
        .merge(prices::api())
        .merge(reports::api())
        .merge(report_views::api())
        .merge(costs::api())
        .merge(budgets::api())
        .merge(cancellation::api())
        .merge(certificates::api())
        .merge(renewals::api())
        .merge(quality::api())
        .merge(compliance::api())
        .merge(surveys::api())
        .merge(webhooks::api())
        .merge(xapi::api())
        .merge(sso::api())
        .merge(imports::api())
}

fn document(operations: &Operations) -> serde_json::Value {
    doc::finish(operations.document(doc::ApiDoc::openapi()))
}

/// The OpenAPI 3.1 document, made from the handlers' declarations (`trainyard openapi`).
pub fn openapi_json() -> String {
    serde_json::to_string_pretty(&document(&api())).unwrap_or_default()
}

/// What `/api/v1/openapi.json` serves: the committed snapshot, which the contract test holds
/// equal to [`openapi_json`]. Serving it costs the process nothing until it is asked for, where
/// making the document (and running every operation's schema code) at start-up left an idle
/// `serve` 24–26 MB larger (70 MB against 46 MB resident, release, demo database).
const SERVED_DOCUMENT: &str = include_str!("../../../../contract/openapi.json");

pub fn routes(state: AppState) -> Router<AppState> {
    let (router, operations) = api().into_parts();
    let doors = scopes::Doors::new(state.clone(), &operations);
    drop(operations);
    // Swagger UI reads the document the API serves: keeping a second copy (as a JSON tree) for
    // it cost the idle process several megabytes.
    let docs = utoipa_swagger_ui::SwaggerUi::new("/api/v1/docs")
        .config(utoipa_swagger_ui::Config::from("/api/v1/openapi.json"));
    let limiter = rate_limit::RateLimiter::new(state.app.settings.api_rate_limit_per_minute);
    Router::new()
        .nest(
            "/api/v1",
            router
                .layer(axum::middleware::from_fn_with_state(
                    state,
                    idempotency::layer,
                ))
                // Outside the idempotency layer: a token without the scope claims no key.
                .layer(axum::middleware::from_fn_with_state(doors, scopes::layer))
                // Outside the idempotency layer: a refused request claims no key.
                .layer(axum::middleware::from_fn_with_state(
                    limiter,
                    rate_limit::layer,
                )),
        )
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(|| async {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    SERVED_DOCUMENT,
                )
                    .into_response()
            }),
        )
        .merge(Router::<AppState>::from(docs).layer(crate::headers::docs_layer()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scope check reads each operation's tag and security from its declaration, without
    /// making the document: it must agree with what the document states of every operation.
    #[test]
    fn the_router_knows_each_operation_as_the_document_states_it() {
        let operations = api();
        let document = document(&operations);
        let (_, operations) = operations.into_parts();
        let mut from_router: Vec<(String, String, String)> = operations
            .iter()
            .map(|op| {
                let door = format!("{:?}", scopes::door(op));
                (op.method.clone(), op.path.clone(), door)
            })
            .collect();
        let mut from_document: Vec<(String, String, String)> = doc::operation_needs(&document)
            .into_iter()
            .map(|(method, path, public, need)| {
                let door = if public {
                    scopes::Door::Public
                } else {
                    scopes::Door::Token(need)
                };
                (method, path, format!("{door:?}"))
            })
            .collect();
        from_router.sort();
        from_document.sort();
        assert!(from_router.len() > 200, "{} operations", from_router.len());
        assert_eq!(from_router, from_document);
    }

    #[test]
    fn no_two_schemas_share_a_name() {
        assert_eq!(api().schema_name_clashes(), Vec::<String>::new());
    }
}
