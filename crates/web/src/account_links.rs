//! The pages behind the links Trainyard e-mails about accounts, and "forgot your password".
//!
//! `GET /account/confirm?token=…` (choose a password, confirm the registration),
//! `GET /account/sign-in?token=…` (a button that signs in), `GET /account/password?token=…` (set
//! a new password), `GET /account/invite?token=…` (accept an invitation: choose a password): each GET only looks at the link — mail scanners fetch links — and the form's
//! POST uses it, once. `GET|POST /account/password/forgot` asks for a link and always answers the
//! same. Token pages are sent with `Referrer-Policy: no-referrer` and `Cache-Control: no-store`.

use crate::AppState;
use crate::auth::SESSION_COOKIE;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use trainyard_app::AppError;
use trainyard_app::account_links::{self, Confirmed, LinkInfo};
use trainyard_app::store::account_tokens::Purpose;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account/confirm", get(confirm_page).post(confirm))
        .route("/account/sign-in", get(sign_in_page).post(sign_in))
        .route("/account/password", get(password_page).post(set_password))
        .route("/account/password/forgot", get(forgot_page).post(forgot))
        .route("/account/invite", get(invite_page).post(accept_invite))
}

pub struct LinkForm {
    pub action: &'static str,
    pub token: String,
    pub ask_email: bool,
    pub email: String,
    pub email_error: Option<String>,
    pub ask_password: bool,
    pub password_error: Option<String>,
    pub button: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "account_link.html")]
pub struct AccountPage {
    pub title: String,
    pub problem: Option<String>,
    pub lines: Vec<String>,
    pub form: Option<LinkForm>,
}

impl AccountPage {
    fn message(title: &str, lines: Vec<String>) -> Self {
        Self {
            title: title.into(),
            problem: None,
            lines,
            form: None,
        }
    }
}

/// A page that may carry a secret in its URL: not cached, not leaked through the Referer.
fn private(status: StatusCode, page: AccountPage) -> Response {
    let mut r = (status, page).into_response();
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    r
}

/// What every registration answers, whoever the address belongs to: the page is byte for byte
/// the same for an unknown address, a learner's, a client's learner's and an administrator's
/// (it does not even repeat the address).
pub fn sent_page(session_title: &str) -> Response {
    private(
        StatusCode::OK,
        AccountPage::message(
            "Check your e-mail",
            vec![
                format!("We have sent a message about {session_title} to the address you gave."),
                "Follow the link in it to continue: nothing is booked and no account changes until you do. The link works once.".into(),
                "No message after a few minutes? Check your spam folder, or register again.".into(),
            ],
        ),
    )
}

fn refused(title: &str, e: AppError) -> Response {
    let status = crate::problem::status_of(&e).0;
    if let AppError::Internal(inner) = &e {
        tracing::error!(error = %inner, "internal error");
    }
    let mut page = AccountPage::message(title, Vec::new());
    page.problem = Some(e.to_string());
    private(status, page)
}

fn session_cookie(value: &str, max_age_secs: i64, secure: bool) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    ))
    .ok()
}

/// Redirects to `href` with a notice, signed in with `token`.
fn signed_in(s: &AppState, token: &str, href: &str, notice: &str) -> Response {
    let mut res = crate::pages::saved(href, notice);
    if let Some(v) = session_cookie(token, s.app.settings.session_hours * 3600, s.secure_cookies) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TokenQuery {
    token: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TokenForm {
    token: String,
    password: String,
    email: String,
}

fn password_form(
    action: &'static str,
    token: &str,
    button: &str,
    error: Option<String>,
) -> LinkForm {
    LinkForm {
        action,
        token: token.to_owned(),
        ask_email: false,
        email: String::new(),
        email_error: None,
        ask_password: true,
        password_error: error,
        button: button.into(),
    }
}

fn password_error(e: &AppError) -> Option<String> {
    match e {
        AppError::Invalid(inv) => Some(
            inv.errors
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join("; "),
        ),
        _ => None,
    }
}

// ------------------------------------------------------------------ confirm a registration

fn confirm_form(info: &LinkInfo, token: &str, error: Option<String>) -> AccountPage {
    let about = match &info.session_title {
        Some(t) => format!(
            "Choose a password for {} to confirm your registration for {t}.",
            info.email
        ),
        None => format!(
            "Choose a password for {} to confirm your registration.",
            info.email
        ),
    };
    AccountPage {
        title: "Confirm your registration".into(),
        problem: None,
        lines: vec![about],
        form: Some(password_form(
            "/account/confirm",
            token,
            "Confirm and sign in",
            error,
        )),
    }
}

async fn confirm_page(State(s): State<AppState>, Query(q): Query<TokenQuery>) -> Response {
    match account_links::peek(&s.app, Purpose::Confirm, &q.token).await {
        Ok(info) => private(StatusCode::OK, confirm_form(&info, &q.token, None)),
        Err(e) => refused("Confirm your registration", e),
    }
}

async fn confirm(State(s): State<AppState>, Form(f): Form<TokenForm>) -> Response {
    match account_links::confirm_registration(&s.app, &f.token, &f.password).await {
        Ok(Confirmed { login, enrollment }) => {
            let notice = match enrollment {
                Some(Ok(e)) => format!(
                    "Your account is ready. {}",
                    crate::pages::enrolled_notice(&e)
                ),
                Some(Err(e)) => {
                    format!("Your account is ready, but there is no place for you: {e}")
                }
                None => "Your account is ready.".into(),
            };
            signed_in(&s, &login.session_token, "/", &notice)
        }
        Err(e @ AppError::Invalid(_)) => {
            match account_links::peek(&s.app, Purpose::Confirm, &f.token).await {
                Ok(info) => private(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    confirm_form(&info, &f.token, password_error(&e)),
                ),
                Err(e) => refused("Confirm your registration", e),
            }
        }
        Err(e) => refused("Confirm your registration", e),
    }
}

// ------------------------------------------------------------------ accept an invitation

fn invite_form(info: &LinkInfo, token: &str, error: Option<String>) -> AccountPage {
    AccountPage {
        title: "Join Trainyard".into(),
        problem: None,
        lines: vec![format!(
            "You are invited to Trainyard. Choose a password for {} to create your account.",
            info.email
        )],
        form: Some(password_form(
            "/account/invite",
            token,
            "Create my account",
            error,
        )),
    }
}

async fn invite_page(State(s): State<AppState>, Query(q): Query<TokenQuery>) -> Response {
    match account_links::peek(&s.app, Purpose::Invite, &q.token).await {
        Ok(info) => private(StatusCode::OK, invite_form(&info, &q.token, None)),
        Err(e) => refused("Join Trainyard", e),
    }
}

async fn accept_invite(State(s): State<AppState>, Form(f): Form<TokenForm>) -> Response {
    match account_links::accept_invitation(&s.app, &f.token, &f.password).await {
        Ok(login) => signed_in(
            &s,
            &login.session_token,
            "/",
            "Welcome to Trainyard: your account is ready.",
        ),
        Err(e @ AppError::Invalid(_)) => {
            match account_links::peek(&s.app, Purpose::Invite, &f.token).await {
                Ok(info) => private(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    invite_form(&info, &f.token, password_error(&e)),
                ),
                Err(e) => refused("Join Trainyard", e),
            }
        }
        Err(e) => refused("Join Trainyard", e),
    }
}

// ------------------------------------------------------------------ sign in with a link

async fn sign_in_page(State(s): State<AppState>, Query(q): Query<TokenQuery>) -> Response {
    match account_links::peek(&s.app, Purpose::SignIn, &q.token).await {
        Ok(info) => private(
            StatusCode::OK,
            AccountPage {
                title: "Sign in".into(),
                problem: None,
                lines: vec![format!("Sign in as {}.", info.email)],
                form: Some(LinkForm {
                    action: "/account/sign-in",
                    token: q.token.clone(),
                    ask_email: false,
                    email: String::new(),
                    email_error: None,
                    ask_password: false,
                    password_error: None,
                    button: "Sign in".into(),
                }),
            },
        ),
        Err(e) => refused("Sign in", e),
    }
}

async fn sign_in(State(s): State<AppState>, Form(f): Form<TokenForm>) -> Response {
    match account_links::sign_in_with_link(&s.app, &f.token).await {
        Ok(done) => {
            let href = match done.session_id {
                Some(id) => format!("/catalog/{id}"),
                None => "/".into(),
            };
            signed_in(&s, &done.login.session_token, &href, "You are signed in.")
        }
        Err(e) => refused("Sign in", e),
    }
}

// ------------------------------------------------------------------ set a password

fn set_form(info: &LinkInfo, token: &str, error: Option<String>) -> AccountPage {
    AccountPage {
        title: "Set your password".into(),
        problem: None,
        lines: vec![format!("Choose a new password for {}.", info.email)],
        form: Some(password_form(
            "/account/password",
            token,
            "Set password",
            error,
        )),
    }
}

async fn password_page(State(s): State<AppState>, Query(q): Query<TokenQuery>) -> Response {
    match account_links::peek(&s.app, Purpose::SetPassword, &q.token).await {
        Ok(info) => private(StatusCode::OK, set_form(&info, &q.token, None)),
        Err(e) => refused("Set your password", e),
    }
}

async fn set_password(State(s): State<AppState>, Form(f): Form<TokenForm>) -> Response {
    match account_links::set_password_with_link(&s.app, &f.token, &f.password).await {
        Ok(()) => {
            let mut r = private(
                StatusCode::OK,
                AccountPage::message(
                    "Password set",
                    vec!["Your new password is set, and every device that was signed in is signed out. Sign in with the new password.".into()],
                ),
            );
            // This browser's own login ended with the others.
            if let Some(v) = session_cookie("", 0, s.secure_cookies) {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
            r
        }
        Err(e @ AppError::Invalid(_)) => {
            match account_links::peek(&s.app, Purpose::SetPassword, &f.token).await {
                Ok(info) => private(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    set_form(&info, &f.token, password_error(&e)),
                ),
                Err(e) => refused("Set your password", e),
            }
        }
        Err(e) => refused("Set your password", e),
    }
}

// ------------------------------------------------------------------ forgot your password

fn forgot_form(email: &str, error: Option<String>) -> AccountPage {
    let tr = crate::i18n::Tr::for_request();
    AccountPage {
        title: tr.t("login-forgot").into(),
        problem: None,
        lines: vec![tr.t("account-forgot-intro").into()],
        form: Some(LinkForm {
            action: "/account/password/forgot",
            token: String::new(),
            ask_email: true,
            email: email.to_owned(),
            email_error: error,
            ask_password: false,
            password_error: None,
            button: tr.t("account-send-link").into(),
        }),
    }
}

async fn forgot_page() -> Response {
    private(StatusCode::OK, forgot_form("", None))
}

async fn forgot(State(s): State<AppState>, Form(f): Form<TokenForm>) -> Response {
    match account_links::request_password_link(&s.app, &f.email).await {
        Ok(()) => private(StatusCode::OK, {
            let tr = crate::i18n::Tr::for_request();
            AccountPage::message(
                tr.t("account-check-mail"),
                vec![
                    tr.t("account-link-sent").into(),
                    tr.t("account-link-once").into(),
                ],
            )
        }),
        Err(AppError::Invalid(inv)) => private(
            StatusCode::UNPROCESSABLE_ENTITY,
            forgot_form(
                &f.email,
                Some(
                    inv.errors
                        .iter()
                        .map(|e| e.message.clone())
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            ),
        ),
        Err(e) => refused("Forgot your password?", e),
    }
}
