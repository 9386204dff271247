//! Single sign-on settings over the API (admins): what `/admin/sso` shows and saves.

use super::extract::Body;
use super::operations::Operations;
use super::operations::routes;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::problem::{ApiError, Problem};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use trainyard_app::sso::{self as uc, SsoChanges, SsoView};

pub fn api() -> Operations {
    Operations::new().routes(routes!(get_sso_settings, save_sso_settings))
}

/// The single sign-on settings as written.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct SsoSettingsBody {
    pub enabled: bool,
    /// `https://…` (or `http://` to this machine).
    pub issuer_url: String,
    pub client_id: String,
    /// Required to turn single sign-on on the first time; absent or empty keeps the stored one.
    #[serde(default)]
    pub client_secret: Option<String>,
    /// Password sign-in can be turned off only while single sign-on is on.
    pub password_login: bool,
    /// A staff role (admin, manager, coordinator, finance) or empty.
    #[serde(default)]
    pub default_role: String,
    #[serde(default)]
    pub role_claim: String,
    #[serde(default)]
    pub role_map: String,
    /// The version read.
    pub version: i64,
}

/// Get the single sign-on settings.
///
/// The provider, the client id (never the secret, only whether one is set), the default role,
/// the role map and whether password sign-in is on, with the redirect URI to register. Admins.
#[utoipa::path(get, path = "/settings/sso", operation_id = "getSsoSettings", tag = "single sign-on",
    responses((status = 200, description = "The settings", body = SsoView), (status = 403, body = Problem)))]
async fn get_sso_settings(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> Result<Json<SsoView>, ApiError> {
    Ok(Json(uc::settings(&s.app, &c).await?))
}

/// Save the single sign-on settings.
///
/// Admins; audited (the trail says only whether the secret changed). Password sign-in can be
/// turned off only while single sign-on is on; `trainyard sso allow-password-login` turns it
/// back on from the server. A stale `version` is 409.
#[utoipa::path(put, path = "/settings/sso", operation_id = "saveSsoSettings", tag = "single sign-on", request_body = SsoSettingsBody,
    responses((status = 200, description = "The settings", body = SsoView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn save_sso_settings(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Body(b): Body<SsoSettingsBody>,
) -> Result<Json<SsoView>, ApiError> {
    let changes = SsoChanges {
        enabled: b.enabled,
        issuer_url: b.issuer_url,
        client_id: b.client_id,
        client_secret: b.client_secret.unwrap_or_default(),
        password_login: b.password_login,
        default_role: b.default_role,
        role_claim: b.role_claim,
        role_map: b.role_map,
        version: b.version,
    };
    Ok(Json(uc::save_settings(&s.app, &c, changes).await?))
}
