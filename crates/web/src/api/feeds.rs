//! Calendar feeds over the API: issue a secret iCalendar subscription URL for an instructor, room,
//! venue or client; list and revoke them.

use super::extract::{Body, Id, Params};
use super::operations::Operations;
use super::operations::routes;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::problem::{ApiError, Problem};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use trainyard_app::feeds::{self, Feed};

pub fn api() -> Operations {
    Operations::new()
        .routes(routes!(list, create))
        .routes(routes!(revoke))
}

/// What to make a feed of.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewFeed {
    /// instructor, room, venue or client.
    #[schema(value_type = trainyard_app::store::feeds::FeedKind)]
    pub kind: String,
    /// The id of that instructor, room (a resource of kind room), venue or client.
    pub target_id: i64,
}

/// A new feed. `url` carries the secret token: it is returned this once and cannot be read again.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedFeed {
    pub id: i64,
    /// The subscription URL (`…/feeds/<token>.ics`), for any calendar application.
    pub url: String,
    /// The same address as `webcal://`, which opens the subscription dialog of calendar apps.
    pub webcal_url: String,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// instructor, room, venue or client.
    pub kind: String,
    pub target_id: i64,
}

/// Issue a calendar feed.
///
/// Issue a calendar feed. Staff may for any schedule; an instructor for their own; a client
/// contact for their own client's.
#[utoipa::path(post, path = "/feeds", operation_id = "createFeed", tag = "calendar feeds", request_body = NewFeed,
    responses((status = 201, description = "The feed with its secret URL (shown only now)", body = CreatedFeed), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Body(f): Body<NewFeed>,
) -> Result<(StatusCode, Json<CreatedFeed>), ApiError> {
    let kind = feeds::parse_kind(&f.kind)?;
    let (id, path) = feeds::create_feed(&s.app, &c, kind, f.target_id).await?;
    // Absolute under the configured public URL: a request's Host header is the sender's to choose.
    let url = feeds::feed_url(&s.app, &path);
    let webcal_url = match url.split_once("://") {
        Some((_, rest)) => format!("webcal://{rest}"),
        None => url.clone(),
    };
    Ok((
        StatusCode::CREATED,
        Json(CreatedFeed {
            id,
            url,
            webcal_url,
        }),
    ))
}

/// The feeds of one schedule, newest first, revoked ones included (never their tokens).
#[utoipa::path(get, path = "/feeds", operation_id = "listFeeds", tag = "calendar feeds", params(FeedQuery),
    responses((status = 200, description = "The feeds, newest first", body = Vec<Feed>), (status = 400, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Params(q): Params<FeedQuery>,
) -> Result<Json<Vec<Feed>>, ApiError> {
    let kind = feeds::parse_kind(&q.kind)?;
    Ok(Json(
        feeds::list_feeds(&s.app, &c, kind, q.target_id).await?,
    ))
}

/// Revoke a feed: its URL answers 404 from now on. Revoking twice is harmless.
#[utoipa::path(delete, path = "/feeds/{id}", operation_id = "revokeFeed", tag = "calendar feeds", params(("id" = i64, Path)),
    responses((status = 200, description = "The feed, revoked", body = Feed), (status = 404, body = Problem)))]
pub async fn revoke(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<Feed>, ApiError> {
    Ok(Json(feeds::revoke_feed(&s.app, &c, id).await?))
}
