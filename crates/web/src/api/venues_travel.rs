//! Scheduling data a coordinator enters beside the venues: travel times between them, and
//! closure days (public holidays, a venue shut).

use super::extract::{Body, Id, Params};
use super::operations::Operations;
use super::operations::routes;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::problem::{ApiError, Problem};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use trainyard_app::sites::closures::{self, ClosureFields};
use trainyard_app::sites::travel;
use trainyard_app::store::closures::Closure;
use trainyard_app::store::venues::TravelTime;

pub fn api() -> Operations {
    Operations::new()
        .routes(routes!(travel_times, set_travel_times))
        .routes(routes!(list_closures, add_closure))
        .routes(routes!(remove_closure))
}

/// List travel times from a venue to every other venue, both ways.
#[utoipa::path(get, path = "/venues/{id}/travel-times", operation_id = "listTravelTimes", tag = "venues", params(("id" = i64, Path)),
    responses((status = 200, description = "One row per other active venue", body = Vec<TravelTime>), (status = 404, body = Problem)))]
async fn travel_times(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<Vec<TravelTime>>, ApiError> {
    Ok(Json(travel::of_venue(&s.app, &c, id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TravelTimeEntry {
    /// The other venue.
    pub venue_id: i64,
    /// Minutes from this venue to the other, 0 to 1440; `null` removes the entry.
    pub minutes: Option<i64>,
}

/// Set travel times from a venue to others.
///
/// The way back takes the same minutes unless it was set for itself (the symmetric default).
/// Venues not listed keep their travel times.
#[utoipa::path(put, path = "/venues/{id}/travel-times", operation_id = "replaceTravelTimes", tag = "venues", params(("id" = i64, Path)), request_body = Vec<TravelTimeEntry>,
    responses((status = 200, description = "The venue's travel times after the change", body = Vec<TravelTime>), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn set_travel_times(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(entries): Body<Vec<TravelTimeEntry>>,
) -> Result<Json<Vec<TravelTime>>, ApiError> {
    let entries: Vec<(i64, Option<i64>)> =
        entries.iter().map(|e| (e.venue_id, e.minutes)).collect();
    Ok(Json(travel::set(&s.app, &c, id, &entries).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClosureParams {
    /// First day, `YYYY-MM-DD` (default: no lower bound).
    from: Option<String>,
    /// Last day, inclusive.
    until: Option<String>,
    /// Only this venue's closures and the company-wide ones.
    venue_id: Option<i64>,
}

/// List closure days: public holidays and days a venue is closed (at most 1000, by day).
#[utoipa::path(get, path = "/closures", operation_id = "listClosures", tag = "venues", params(ClosureParams),
    responses((status = 200, description = "Closure days, by day", body = Vec<Closure>), (status = 422, body = Problem)))]
async fn list_closures(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Params(p): Params<ClosureParams>,
) -> Result<Json<Vec<Closure>>, ApiError> {
    Ok(Json(
        closures::list(
            &s.app,
            &c,
            p.from.as_deref(),
            p.until.as_deref(),
            p.venue_id,
        )
        .await?,
    ))
}

/// Add a closure day, company-wide or for one venue.
#[utoipa::path(post, path = "/closures", operation_id = "createClosure", tag = "venues", request_body = ClosureFields,
    responses((status = 201, description = "The closure recorded", body = Closure), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn add_closure(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Body(b): Body<ClosureFields>,
) -> Result<(StatusCode, Json<Closure>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(closures::add(&s.app, &c, &b).await?),
    ))
}

/// Remove a closure day.
#[utoipa::path(delete, path = "/closures/{id}", operation_id = "deleteClosure", tag = "venues", params(("id" = i64, Path)),
    responses((status = 204, description = "Removed"), (status = 404, body = Problem)))]
async fn remove_closure(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    closures::remove(&s.app, &c, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
