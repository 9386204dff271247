//! Who is calling: a login session (cookie) for the UI, a bearer token (or the same cookie plus
//! an `X-CSRF-Token` header) for the API. Login, logout and the extractors live here.

use crate::AppState;
use crate::problem::ApiError;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{ConnectInfo, Form, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use std::net::SocketAddr;
use trainyard_app::{AppError, Caller, accounts};

pub const SESSION_COOKIE: &str = "ty_session";

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn session_cookie(value: &str, max_age_secs: i64, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The signed-in user of a UI page. Without a live session the request is redirected to login.
pub struct Viewer(pub Caller);

pub struct LoginRedirect(String);

impl IntoResponse for LoginRedirect {
    fn into_response(self) -> Response {
        Redirect::to(&format!("/login?next={}", urlencode(&self.0))).into_response()
    }
}

pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|e| e.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let here = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".into());
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(LoginRedirect(here).into_response());
        };
        match accounts::caller_for_session(&state.app, token).await {
            Ok(Some(c)) => {
                // Words computed anywhere in this request follow the reader's own language.
                crate::i18n::note_reader(&c);
                Ok(Viewer(c))
            }
            Ok(None) => Err(LoginRedirect(here).into_response()),
            Err(e) => Err(crate::error_page::error_page(e, None)),
        }
    }
}

/// The caller of an API request: `Authorization: Bearer <token>`, or the UI's session cookie,
/// which on unsafe methods must be accompanied by the session's `X-CSRF-Token`.
pub struct ApiCaller(pub Caller);

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let unauthenticated =
            |msg: &str| ApiError(AppError::Unauthenticated(msg.into())).into_response();
        // The API's scope layer resolved the token and checked its scope already.
        if let Some(crate::api::scopes::TokenCaller(c)) =
            parts.extensions.get::<crate::api::scopes::TokenCaller>()
        {
            return Ok(ApiCaller(c.clone()));
        }
        if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
            // Outside the API's routes no operation names a scope: only a token with every
            // scope (as made before scopes existed) gets in.
            let token = crate::api::scopes::bearer(auth);
            return match accounts::caller_for_token(&state.app, token).await {
                Ok(Some(c)) if c.token.as_ref().is_none_or(|g| g.scopes.is_all()) => {
                    Ok(ApiCaller(c))
                }
                Ok(Some(_)) => Err(ApiError(AppError::Forbidden(
                    "this route is not open to tokens with limited scopes".into(),
                ))
                .into_response()),
                Ok(None) => Err(unauthenticated(
                    "the bearer token is unknown, expired or revoked",
                )),
                Err(e) => Err(ApiError(e).into_response()),
            };
        }
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(unauthenticated(
                "send an API token as 'Authorization: Bearer <token>'",
            ));
        };
        let caller = match accounts::caller_for_session(&state.app, token).await {
            Ok(Some(c)) => c,
            Ok(None) => return Err(unauthenticated("the login session has expired")),
            Err(e) => return Err(ApiError(e).into_response()),
        };
        if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
            let sent = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok());
            if sent.is_none() || sent != caller.csrf_token.as_deref() {
                return Err(ApiError(AppError::Forbidden(
                    "change data with a session cookie without the X-CSRF-Token header".into(),
                ))
                .into_response());
            }
        }
        Ok(ApiCaller(caller))
    }
}

pub fn remote_addr(parts_ext: &axum::http::Extensions) -> String {
    parts_ext
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/login/sso", get(sso_begin))
        .route("/login/sso/callback", get(sso_callback))
        .route("/logout", axum::routing::post(logout))
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    next: String,
    email: String,
    error: Option<String>,
    tr: crate::i18n::Tr,
    /// Offer single sign-on; offer the password form.
    sso: bool,
    password: bool,
}

impl LoginPage {
    fn new(next: String, email: String, error: Option<String>) -> Self {
        Self {
            next,
            email,
            error,
            tr: crate::i18n::Tr::for_request(),
            sso: false,
            password: true,
        }
    }

    /// With the organisation's ways to sign in (password only, when they cannot be read).
    async fn with_options(mut self, s: &AppState) -> Self {
        match trainyard_app::sso::login_options(&s.app).await {
            Ok(o) => {
                self.sso = o.sso;
                self.password = o.password;
            }
            Err(e) => tracing::warn!(error = %e, "reading the sign-in options failed"),
        }
        self
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NextQuery {
    next: String,
}

/// Where to go after login: only a path on this site, never another host. Anything that is not a
/// single `/` followed by a path (`//host`, `/\host`, `https://host`, empty) goes home instead.
/// `None` for control characters, which are refused outright: browsers drop tabs and newlines from
/// a URL, so `/<TAB>/host` would become `//host`, and most others cannot be sent in a `Location`.
fn safe_next(next: &str) -> Option<String> {
    if next.chars().any(char::is_control) {
        return None;
    }
    let same_site = next.starts_with('/') && !next.starts_with("//") && !next.contains('\\');
    Some(if same_site {
        next.to_owned()
    } else {
        "/".into()
    })
}

/// 400 for a `next` with control characters: the login form, going home afterwards.
fn bad_next() -> Response {
    (
        StatusCode::BAD_REQUEST,
        LoginPage::new(
            "/".into(),
            String::new(),
            Some(
                "The link that brought you here has an invalid return address; sign in to go to the start page."
                    .into(),
            ),
        ),
    )
        .into_response()
}

async fn login_page(State(s): State<AppState>, Query(q): Query<NextQuery>) -> Response {
    match safe_next(&q.next) {
        Some(next) => LoginPage::new(next, String::new(), None)
            .with_options(&s)
            .await
            .into_response(),
        None => bad_next(),
    }
}

/// The cookie that ties a single sign-on answer to the browser that asked: the state, only
/// sent back to the callback, for the ten minutes a sign-in may take.
const SSO_COOKIE: &str = "ty_sso";

fn sso_cookie(value: &str, max_age_secs: i64, secure: bool) -> String {
    format!(
        "{SSO_COOKIE}={value}; Path=/login/sso; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Sends the browser to the identity provider.
async fn sso_begin(State(s): State<AppState>, Query(q): Query<NextQuery>) -> Response {
    let Some(next) = safe_next(&q.next) else {
        return bad_next();
    };
    match trainyard_app::sso::begin(&s.app, &next).await {
        Ok(started) => (
            [(
                header::SET_COOKIE,
                sso_cookie(&started.state, 600, s.secure_cookies),
            )],
            Redirect::to(&started.url),
        )
            .into_response(),
        Err(e) => login_refused(&s, next, e).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SsoAnswer {
    code: String,
    state: String,
    /// The issuer the provider names itself as (RFC 9207), when it does.
    iss: Option<String>,
    error: String,
    error_description: String,
}

/// The provider's answer: signs in, or shows the sign-in page with the reason.
async fn sso_callback(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(a): Query<SsoAnswer>,
) -> Response {
    let clear = [(header::SET_COOKIE, sso_cookie("", 0, s.secure_cookies))];
    if !a.error.is_empty() {
        let e = AppError::Unauthenticated(format!(
            "single sign-on failed: the provider answered {} {}",
            a.error.chars().take(100).collect::<String>(),
            a.error_description.chars().take(300).collect::<String>()
        ));
        return (clear, login_refused(&s, "/".into(), e).await).into_response();
    }
    let browser_state = cookie(&headers, SSO_COOKIE).unwrap_or_default();
    match trainyard_app::sso::finish(&s.app, &a.code, &a.state, browser_state, a.iss.as_deref())
        .await
    {
        Ok(done) => {
            let max_age = s.app.settings.session_hours * 3600;
            let next = safe_next(&done.next).unwrap_or_else(|| "/".into());
            (
                axum::response::AppendHeaders([
                    (header::SET_COOKIE, sso_cookie("", 0, s.secure_cookies)),
                    (
                        header::SET_COOKIE,
                        session_cookie(&done.login.session_token, max_age, s.secure_cookies),
                    ),
                ]),
                Redirect::to(&next),
            )
                .into_response()
        }
        Err(e) => (clear, login_refused(&s, "/".into(), e).await).into_response(),
    }
}

/// The sign-in page with why signing in did not work, under the error's status.
async fn login_refused(s: &AppState, next: String, e: AppError) -> Response {
    let status = crate::problem::status_of(&e).0;
    (
        status,
        LoginPage::new(next, String::new(), Some(e.to_string()))
            .with_options(s)
            .await,
    )
        .into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginForm {
    email: String,
    password: String,
    next: String,
}

async fn login(State(s): State<AppState>, req: axum::extract::Request) -> Response {
    let (parts, body) = req.into_parts();
    let remote = remote_addr(&parts.extensions);
    let req = axum::extract::Request::from_parts(parts, body);
    let Ok(Form(f)) = Form::<LoginForm>::from_request(req, &s).await else {
        return (StatusCode::BAD_REQUEST, "the login form could not be read").into_response();
    };
    let Some(next) = safe_next(&f.next) else {
        return bad_next();
    };
    match accounts::login(&s.app, &f.email, &f.password, &remote).await {
        Ok(login) => {
            let max_age = s.app.settings.session_hours * 3600;
            (
                [(
                    header::SET_COOKIE,
                    session_cookie(&login.session_token, max_age, s.secure_cookies),
                )],
                Redirect::to(&next),
            )
                .into_response()
        }
        Err(e) => {
            let status = crate::problem::status_of(&e).0;
            let (error, retry_after) = match &e {
                AppError::Throttled { retry_after_secs } => (
                    format!(
                        "Too many sign-in attempts for this account from your network. \
                         Please wait {} and try again.",
                        wait_in_words(*retry_after_secs)
                    ),
                    Some(retry_after_secs.to_string()),
                ),
                _ => (e.to_string(), None),
            };
            let mut r = (
                status,
                LoginPage::new(next, f.email, Some(error))
                    .with_options(&s)
                    .await,
            )
                .into_response();
            if let Some(v) = retry_after.and_then(|v| v.parse().ok()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
    }
}

/// "a minute", "12 minutes": how long to wait, rounded up to whole minutes.
fn wait_in_words(secs: i64) -> String {
    match (secs + 59) / 60 {
        ..=1 => "a minute".into(),
        m => format!("{m} minutes"),
    }
}

use axum::extract::FromRequest;

async fn logout(State(s): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = cookie(&headers, SESSION_COOKIE)
        && let Err(e) = accounts::logout(&s.app, token).await
    {
        tracing::warn!(error = %e, "logout failed");
    }
    (
        [(header::SET_COOKIE, session_cookie("", 0, s.secure_cookies))],
        Redirect::to("/login"),
    )
        .into_response()
}
