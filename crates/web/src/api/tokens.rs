//! The caller's own API tokens: list, create (the secret is answered once), revoke.

use super::extract::{Body, Id};
use super::operations::Operations;
use super::operations::routes;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::problem::{ApiError, Problem};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use trainyard_app::accounts::{self, TokenRequest};
use trainyard_app::store::auth::ApiToken;

pub fn api() -> Operations {
    Operations::new()
        .routes(routes!(list, create))
        .routes(routes!(revoke))
}

/// A token to make.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewApiToken {
    /// What the token is for (1 to 80 characters), e.g. "CRM sync".
    pub name: String,
    /// At least one of `read`, `scheduling`, `enrollment`, `finance`, `reports`, `admin`. A
    /// token can only give scopes it holds itself.
    #[schema(example = json!(["read", "finance"]))]
    pub scopes: Vec<String>,
    /// Days until it expires: 1 to 366, 90 when left out (never beyond the life of the token
    /// that makes it).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 366)]
    pub expires_in_days: Option<i64>,
}

/// A new token with its secret, answered this once: only its hash is stored.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedApiToken {
    pub id: i64,
    /// Send it as `Authorization: Bearer <secret>`.
    pub secret: String,
    /// The scopes it holds, space-separated.
    pub scopes: String,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: String,
}

/// List your API tokens.
///
/// The caller's own tokens, newest first, revoked and expired ones included (never their
/// secrets), with their scopes, expiry and when each was last used (to the minute).
#[utoipa::path(get, path = "/tokens", operation_id = "listApiTokens", tag = "api tokens",
    responses((status = 200, description = "Your tokens, newest first", body = Vec<ApiToken>)))]
pub async fn list(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> Result<Json<Vec<ApiToken>>, ApiError> {
    Ok(Json(accounts::list_api_tokens(&s.app, &c).await?))
}

/// Create an API token.
///
/// Makes a token that acts as you, narrowed to its scopes, until it expires or is revoked.
#[utoipa::path(post, path = "/tokens", operation_id = "createApiToken", tag = "api tokens", request_body = NewApiToken,
    responses((status = 201, description = "The token with its secret (shown only now)", body = CreatedApiToken), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Body(b): Body<NewApiToken>,
) -> Result<(StatusCode, Json<CreatedApiToken>), ApiError> {
    let t = accounts::create_api_token(
        &s.app,
        &c,
        &TokenRequest {
            name: b.name,
            scopes: b.scopes.join(" "),
            expires_in_days: b.expires_in_days,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedApiToken {
            id: t.id,
            secret: t.secret,
            scopes: t.scopes.to_string(),
            expires_at: trainyard_core::time::rfc3339(t.expires_at),
        }),
    ))
}

/// Revoke an API token.
///
/// Revokes one of your tokens: it answers 401 from now on. Someone else's token is not found.
#[utoipa::path(post, path = "/tokens/{id}/revoke", operation_id = "revokeApiToken", tag = "api tokens", params(("id" = i64, Path)),
    responses((status = 204, description = "Revoked"), (status = 404, body = Problem)))]
pub async fn revoke(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    accounts::revoke_api_token(&s.app, &c, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
