//! The single sign-on settings page (administrators): the provider, password sign-in, the role
//! of new accounts and the role map. The client secret is written, never shown back.

use super::{Submit, saved};
use crate::AppState;
use crate::auth::Viewer;
use crate::pages::{Flash, error_page};
use crate::views::Chrome;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use trainyard_app::sso::{self, SsoChanges, SsoView};
use trainyard_app::{AppError, Caller};
use trainyard_core::Role;

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/sso", get(page).post(save))
}

#[derive(Template, WebTemplate)]
#[template(path = "sso.html")]
struct SsoPage {
    chrome: Chrome,
    s: SsoView,
    roles: Vec<(&'static str, &'static str)>,
    problems: Vec<String>,
}

impl SsoPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

fn render(c: &Caller, flash: Option<String>, s: SsoView, problems: Vec<String>) -> SsoPage {
    let chrome = Chrome::new(c, "sso", flash);
    let roles = [Role::Admin, Role::Manager, Role::Coordinator, Role::Finance]
        .iter()
        .map(|r| {
            (
                r.as_str(),
                chrome.tr.t_or(&format!("role-{}", r.as_str()), r.label()),
            )
        })
        .collect();
    SsoPage {
        chrome,
        s,
        roles,
        problems,
    }
}

async fn page(State(st): State<AppState>, Viewer(c): Viewer, Flash(flash): Flash) -> Response {
    match sso::settings(&st.app, &c).await {
        Ok(s) => render(&c, flash, s, Vec::new()).into_response(),
        Err(e) => error_page(e, Some(&c)),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct SsoForm {
    enabled: String,
    issuer_url: String,
    client_id: String,
    client_secret: String,
    password_login: String,
    default_role: String,
    role_claim: String,
    role_map: String,
    version: i64,
}

async fn save(
    State(st): State<AppState>,
    Submit { caller: c, form: f }: Submit<SsoForm>,
) -> Response {
    let changes = SsoChanges {
        enabled: f.enabled == "true",
        issuer_url: f.issuer_url.clone(),
        client_id: f.client_id.clone(),
        client_secret: f.client_secret,
        password_login: f.password_login == "true",
        default_role: f.default_role.clone(),
        role_claim: f.role_claim.clone(),
        role_map: f.role_map.clone(),
        version: f.version,
    };
    match sso::save_settings(&st.app, &c, changes).await {
        Ok(_) => saved("/admin/sso", crate::i18n::Tr::for_caller(&c).t("sso-saved")),
        Err(AppError::Invalid(inv)) => {
            // The form as sent (the secret never), with what is wrong.
            let stored = match sso::settings(&st.app, &c).await {
                Ok(s) => s,
                Err(e) => return error_page(e, Some(&c)),
            };
            let kept = SsoView {
                enabled: f.enabled == "true",
                issuer_url: f.issuer_url,
                client_id: f.client_id,
                password_login: f.password_login == "true",
                default_role: f.default_role,
                role_claim: f.role_claim,
                role_map: f.role_map,
                ..stored
            };
            let problems = inv
                .errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect();
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&c, None, kept, problems),
            )
                .into_response()
        }
        Err(e) => error_page(e, Some(&c)),
    }
}
