//! Single sign-on with OpenID Connect: the authorization code flow with PKCE, state and nonce,
//! against the organisation's provider; users matched by their verified e-mail, optionally
//! created with a default role, their role taken from a claim through the role map.
//!
//! Password sign-in can be turned off; the break-glass way back for an administrator locked out
//! by a broken provider is the command line (`trainyard sso allow-password-login`), which only
//! someone with the server's configuration can run.

use crate::accounts::{self, Login, new_secret, secret_hash};
use crate::error::About;
use crate::{App, AppError, Caller, now_ms};
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthenticationFlow, CoreClaimName, CoreClaimType, CoreClient,
    CoreClientAuthMethod, CoreGrantType, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm, CoreResponseMode, CoreResponseType, CoreSubjectIdentifierType,
};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use trainyard_core::sso::{RoleMap, check_issuer, staff_role};
use trainyard_core::{EmailAddress, Invalid, Role};
use trainyard_store::sso::{self as repo, PendingLogin, SsoSettings};
use trainyard_store::users;

/// Where the provider sends the browser back to.
pub const CALLBACK_PATH: &str = "/login/sso/callback";

/// How long a sign-in may take at the provider.
const LOGIN_MINUTES: i64 = 10;

/// The single sign-on settings as an administrator sees them (the page and the API): never the
/// client secret, only whether one is set.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(as = SsoSettings)]
pub struct SsoView {
    /// Whether the sign-in page offers the provider.
    pub enabled: bool,
    /// The provider's issuer URL (its discovery document is `…/.well-known/openid-configuration`).
    pub issuer_url: String,
    pub client_id: String,
    /// Whether a client secret is stored (it is never shown).
    pub has_secret: bool,
    /// Whether password sign-in is offered beside the provider.
    pub password_login: bool,
    /// The role of an account created at its first sign-in (empty: no accounts are created).
    pub default_role: String,
    /// The ID token claim the role map reads (e.g. `groups`).
    pub role_claim: String,
    /// One `value = role` per line, the first match wins.
    pub role_map: String,
    /// Send it back when saving; a stale one is 409.
    pub version: i64,
    /// The redirect URI to register at the provider.
    pub redirect_uri: String,
}

fn view(app: &App, s: &SsoSettings) -> SsoView {
    SsoView {
        enabled: s.enabled,
        issuer_url: s.issuer_url.clone(),
        client_id: s.client_id.clone(),
        has_secret: !s.client_secret.is_empty(),
        password_login: s.password_login,
        default_role: s.default_role.clone(),
        role_claim: s.role_claim.clone(),
        role_map: s.role_map.clone(),
        version: s.version,
        redirect_uri: app.link(CALLBACK_PATH),
    }
}

pub async fn settings(app: &App, caller: &Caller) -> Result<SsoView, AppError> {
    caller.require(
        caller.role.can_administer(),
        "see the single sign-on settings",
    )?;
    let mut conn = app.store.read().await?;
    Ok(view(app, &repo::settings(&mut conn).await?))
}

/// What an administrator saves. An empty `client_secret` keeps the stored one.
pub struct SsoChanges {
    pub enabled: bool,
    pub issuer_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub password_login: bool,
    pub default_role: String,
    pub role_claim: String,
    pub role_map: String,
    pub version: i64,
}

/// Saves the provider settings (admins). Password sign-in can be turned off only while single
/// sign-on is on, so that some way in always remains.
pub async fn save_settings(
    app: &App,
    caller: &Caller,
    ch: SsoChanges,
) -> Result<SsoView, AppError> {
    caller.require(
        caller.role.can_administer(),
        "change the single sign-on settings",
    )?;
    let mut inv = Invalid::new();
    let issuer = if ch.issuer_url.trim().is_empty() && !ch.enabled {
        Some(String::new())
    } else {
        inv.check("issuer_url", check_issuer(&ch.issuer_url))
    };
    let client_id = ch.client_id.trim().to_owned();
    if ch.enabled && client_id.is_empty() {
        inv.add("client_id", "is required to turn single sign-on on");
    }
    if client_id.len() > 500 {
        inv.add("client_id", "must be at most 500 characters");
    }
    let default_role = ch.default_role.trim().to_owned();
    if !default_role.is_empty() {
        inv.check("default_role", staff_role(&default_role));
    }
    let role_claim = ch.role_claim.trim().to_owned();
    if let Err(e) = RoleMap::parse(&ch.role_map) {
        inv.errors.extend(e.errors);
    }
    if !ch.role_map.trim().is_empty() && role_claim.is_empty() {
        inv.add(
            "role_claim",
            "name the claim the role map reads (e.g. groups)",
        );
    }
    if !ch.password_login && !ch.enabled {
        inv.add(
            "password_login",
            "turn single sign-on on before turning password sign-in off",
        );
    }
    let Some(issuer) = issuer else {
        return Err(inv.into());
    };
    if !inv.is_empty() {
        return Err(inv.into());
    }
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let before = repo::settings(&mut tx).await?;
    if before.version != ch.version {
        return Err(AppError::Stale("the single sign-on settings"));
    }
    let client_secret = if ch.client_secret.trim().is_empty() {
        before.client_secret.clone()
    } else {
        ch.client_secret.trim().to_owned()
    };
    if ch.enabled && client_secret.is_empty() {
        return Err(
            Invalid::field("client_secret", "is required to turn single sign-on on").into(),
        );
    }
    let after = SsoSettings {
        enabled: ch.enabled,
        issuer_url: issuer,
        client_id,
        client_secret,
        password_login: ch.password_login,
        default_role,
        role_claim,
        role_map: ch.role_map.trim().to_owned(),
        version: before.version,
    };
    repo::save(&mut tx, &after, now)
        .await
        .about("the single sign-on settings")?;
    let saved = repo::settings(&mut tx).await?;
    // The secret is skipped when serialised: the trail says only whether it changed.
    let secret_changed = saved.client_secret != before.client_secret;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "sso_settings.updated",
        ("sso_settings", 1),
        Some(&serde_json::json!({ "settings": before })),
        Some(&serde_json::json!({ "settings": saved, "client_secret_changed": secret_changed })),
    )
    .await?;
    tx.commit().await?;
    Ok(view(app, &saved))
}

/// Turns password sign-in back on, as the system: the break-glass path of the command line.
pub async fn allow_password_login_from_command_line(app: &App) -> Result<(), AppError> {
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let before = repo::settings(&mut tx).await?;
    if before.password_login {
        return Ok(());
    }
    let after = SsoSettings {
        password_login: true,
        ..before.clone()
    };
    repo::save(&mut tx, &after, now)
        .await
        .about("the single sign-on settings")?;
    crate::audit::record(
        &mut tx,
        &Caller::system(),
        now,
        "sso_settings.password_login_restored",
        ("sso_settings", 1),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// How the sign-in page offers to sign in.
#[derive(Debug, Clone, Copy)]
pub struct LoginOptions {
    pub sso: bool,
    pub password: bool,
}

pub async fn login_options(app: &App) -> Result<LoginOptions, AppError> {
    let mut conn = app.store.read().await?;
    let s = repo::settings(&mut conn).await?;
    Ok(LoginOptions {
        sso: s.enabled,
        password: !s.enabled || s.password_login,
    })
}

/// Refuses a password sign-in when the organisation turned it off.
pub(crate) async fn require_password_login(app: &App) -> Result<(), AppError> {
    if login_options(app).await?.password {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "sign in with a password: this organisation signs in with single sign-on".into(),
        ))
    }
}

/// A sign-in sent to the provider: the browser goes to `url`; `state` is kept in a cookie
/// so that only the browser that started it can finish it.
pub struct Started {
    pub url: String,
    pub state: String,
}

fn refused(what: impl std::fmt::Display) -> AppError {
    AppError::refused(format!("single sign-on is unavailable: {what}"))
}

fn denied(what: impl std::fmt::Display) -> AppError {
    AppError::Unauthenticated(format!("single sign-on failed: {what}"))
}

async fn enabled_settings(app: &App) -> Result<SsoSettings, AppError> {
    let mut conn = app.store.read().await?;
    let s = repo::settings(&mut conn).await?;
    if !s.enabled {
        return Err(AppError::NotFound("single sign-on (it is not turned on)"));
    }
    Ok(s)
}

type Provider = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

/// What the discovery document says beyond the core fields: whether the provider names itself
/// in its authorization responses (RFC 9207, the defence against mix-up attacks).
#[derive(Clone, Debug, serde::Deserialize, serde::Serialize)]
struct IssInResponses {
    #[serde(default)]
    authorization_response_iss_parameter_supported: bool,
}

impl openidconnect::AdditionalProviderMetadata for IssInResponses {}

type Metadata = openidconnect::ProviderMetadata<
    IssInResponses,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

/// The provider's client, from its discovery document (fetched each time: sign-ins are rare,
/// and a rotated signing key is picked up at once), with its issuer identifier and whether its
/// authorization responses carry it.
async fn provider(
    app: &App,
    s: &SsoSettings,
    http: &http::Http,
) -> Result<(Provider, String, bool), AppError> {
    let issuer = IssuerUrl::new(s.issuer_url.clone()).map_err(refused)?;
    let metadata = Metadata::discover_async(issuer, http)
        .await
        .map_err(|e| refused(format!("the provider's discovery failed ({e})")))?;
    let issuer = metadata.issuer().as_str().to_owned();
    let names_itself = metadata
        .additional_metadata()
        .authorization_response_iss_parameter_supported;
    let redirect = RedirectUrl::new(app.link(CALLBACK_PATH)).map_err(refused)?;
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(s.client_id.clone()),
        Some(ClientSecret::new(s.client_secret.clone())),
    )
    .set_redirect_uri(redirect);
    Ok((client, issuer, names_itself))
}

/// RFC 9207: an authorization response naming an issuer must name this provider, and one from a
/// provider that names itself must name it; otherwise the code may be another provider's (a
/// mix-up attack) and is not redeemed.
fn check_response_issuer(
    answered: Option<&str>,
    issuer: &str,
    names_itself: bool,
) -> Result<(), AppError> {
    match answered {
        Some(iss) if iss != issuer => Err(denied(format!(
            "the answer comes from another issuer ({}) than the configured provider ({issuer})",
            iss.chars().take(200).collect::<String>()
        ))),
        None if names_itself => Err(denied(
            "the answer does not name its issuer (iss), which this provider always does",
        )),
        _ => Ok(()),
    }
}

/// Starts a sign-in: a fresh state, nonce and PKCE verifier, kept (hashed by state) for ten
/// minutes, and the provider's authorization URL to send the browser to.
pub async fn begin(app: &App, next: &str) -> Result<Started, AppError> {
    let s = enabled_settings(app).await?;
    let http = http::Http::new(&app.settings.extra_roots)?;
    let (client, _, _) = provider(app, &s, &http).await?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge);
    // A role claim named like a scope (e.g. `groups`) is asked for as one; providers ignore
    // scopes they do not know.
    if !s.role_claim.is_empty()
        && s.role_claim
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        request = request.add_scope(Scope::new(s.role_claim.clone()));
    }
    let (url, state, nonce) = request.url();
    let now = now_ms();
    let mut tx = app.store.write().await?;
    repo::begin_login(
        &mut tx,
        &secret_hash(state.secret()),
        &PendingLogin {
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            next_path: next.to_owned(),
        },
        now,
        now + LOGIN_MINUTES * 60_000,
    )
    .await?;
    tx.commit().await?;
    Ok(Started {
        url: url.to_string(),
        state: state.secret().clone(),
    })
}

/// A finished sign-in: the login session, and where the user was going.
pub struct Finished {
    pub login: Login,
    pub next: String,
}

/// Finishes a sign-in from the provider's redirect: the state must be the one this browser
/// started (its cookie) and still pending; the issuer the answer names (`iss`, RFC 9207) must be
/// the provider's; the code is redeemed with the PKCE verifier; the ID
/// token's signature, issuer, audience, expiry and nonce are verified; its e-mail must be
/// verified. Then the account of that e-mail signs in (or is created with the default or mapped
/// role), its role following the role map.
pub async fn finish(
    app: &App,
    code: &str,
    state: &str,
    browser_state: &str,
    issuer: Option<&str>,
) -> Result<Finished, AppError> {
    if state.is_empty() || secret_hash(state) != secret_hash(browser_state) {
        return Err(denied(
            "the answer does not belong to a sign-in this browser started (state mismatch)",
        ));
    }
    let now = now_ms();
    let pending = {
        let mut tx = app.store.write().await?;
        let p = repo::take_login(&mut tx, &secret_hash(state), now).await?;
        tx.commit().await?;
        p.ok_or_else(|| denied("this sign-in is unknown, already used or expired (state)"))?
    };
    let s = enabled_settings(app).await?;
    let http = http::Http::new(&app.settings.extra_roots)?;
    let (client, provider_issuer, names_itself) = provider(app, &s, &http).await?;
    check_response_issuer(issuer, &provider_issuer, names_itself)?;
    let token = client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .map_err(refused)?
        .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier))
        .request_async(&http)
        .await
        .map_err(|e| denied(format!("the provider did not redeem the code ({e})")))?;
    let id_token = token
        .id_token()
        .ok_or_else(|| denied("the provider sent no ID token"))?;
    let claims = id_token
        .claims(&client.id_token_verifier(), &Nonce::new(pending.nonce))
        .map_err(|e| denied(format!("the ID token was refused ({e})")))?;
    let email = claims
        .email()
        .ok_or_else(|| denied("the ID token carries no e-mail address"))?;
    if claims.email_verified() != Some(true) {
        return Err(denied(format!(
            "the provider has not verified the e-mail address {}",
            email.as_str()
        )));
    }
    let email = EmailAddress::parse(email.as_str()).map_err(denied)?;
    let name = claims
        .name()
        .and_then(|n| n.get(None))
        .map(|n| n.as_str().to_owned());
    // The payload of the token just verified, for the role claim (any shape the provider uses).
    let payload = verified_payload(&serde_json::to_value(id_token).unwrap_or_default());
    let mapped = if s.role_claim.is_empty() {
        None
    } else {
        RoleMap::parse(&s.role_map)
            .map_err(|e| refused(format!("the role map is invalid ({e})")))?
            .role_for(&claim_values(payload.get(&s.role_claim)))
    };
    let user = account_for(app, &s, email.as_str(), name, mapped).await?;
    let login = accounts::open_session(app, user).await?;
    Ok(Finished {
        login,
        next: pending.next_path,
    })
}

/// The claims of a compact JWT whose signature was verified already.
fn verified_payload(jwt: &serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    use base64::Engine;
    jwt.as_str()
        .and_then(|t| t.split('.').nth(1))
        .and_then(|p| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .ok()
        })
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// A claim as a list of strings: a string is one, an array its strings.
fn claim_values(v: Option<&serde_json::Value>) -> Vec<String> {
    match v {
        Some(serde_json::Value::String(s)) => vec![s.clone()],
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// The account that signs in: found by e-mail (its role updated to the mapped one), or made
/// with the mapped or default role; refused when there is none and neither is set.
async fn account_for(
    app: &App,
    s: &SsoSettings,
    email: &str,
    name: Option<String>,
    mapped: Option<Role>,
) -> Result<users::User, AppError> {
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let system = Caller {
        name: "single sign-on".into(),
        ..Caller::system()
    };
    let user = match users::find_by_email(&mut tx, email).await? {
        Some(u) if u.archived_at.is_some() => {
            return Err(denied(format!("the account {email} is deactivated")));
        }
        Some(u) => match mapped {
            // The provider is the source of the role of a staff account.
            Some(role) if role != u.role && u.role.is_staff() => {
                users::update(
                    &mut tx,
                    u.id,
                    u.version,
                    &users::UserChanges {
                        email: &u.email,
                        display_name: &u.display_name,
                        role,
                        client_id: u.client_id,
                        instructor_id: u.instructor_id,
                        learner_id: u.learner_id,
                        time_zone: &u.time_zone,
                    },
                    now,
                )
                .await
                .about("the user")?;
                let after = users::get(&mut tx, u.id).await?;
                crate::audit::record(
                    &mut tx,
                    &system,
                    now,
                    "user.updated",
                    ("user", u.id),
                    Some(&u),
                    Some(&after),
                )
                .await?;
                after
            }
            _ => u,
        },
        None => {
            let role = match (mapped, s.default_role.as_str()) {
                (Some(r), _) => r,
                (None, "") => {
                    return Err(denied(format!(
                        "there is no account for {email}: ask an administrator to create one"
                    )));
                }
                (None, d) => staff_role(d).map_err(refused)?,
            };
            // Nobody knows this password: the account signs in through the provider (or is
            // given a password by a reset link later).
            let unusable = accounts::hash_password(new_secret()?).await?;
            let display = name
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| email.to_owned());
            let id = users::insert(
                &mut tx,
                &users::NewUser {
                    email,
                    display_name: display.trim(),
                    password_hash: &unusable,
                    role,
                    client_id: None,
                    instructor_id: None,
                    learner_id: None,
                    time_zone: "UTC",
                },
                now,
            )
            .await
            .about("user")?;
            let user = users::get(&mut tx, id).await?;
            crate::audit::record(
                &mut tx,
                &system,
                now,
                "user.created",
                ("user", id),
                None,
                Some(&user),
            )
            .await?;
            user
        }
    };
    tx.commit().await?;
    Ok(user)
}

/// The tree's reqwest as openidconnect's HTTP client: no redirects followed (a provider's
/// redirect would otherwise lead the server anywhere), a ten-second limit.
mod http {
    use crate::AppError;
    use openidconnect::{HttpRequest, HttpResponse};
    use std::future::Future;
    use std::pin::Pin;

    pub struct Http(reqwest::Client);

    impl Http {
        pub fn new(
            extra_roots: &[rustls::pki_types::CertificateDer<'static>],
        ) -> Result<Self, AppError> {
            crate::http::client(extra_roots)?
                .redirect(reqwest::redirect::Policy::none())
                .timeout(std::time::Duration::from_secs(10))
                .build()
                .map(Http)
                .map_err(|e| AppError::refused(format!("no HTTP client: {e}")))
        }
    }

    #[derive(Debug, thiserror::Error)]
    pub enum HttpError {
        #[error("{0}")]
        Request(#[from] reqwest::Error),
        #[error("{0}")]
        Response(#[from] openidconnect::http::Error),
    }

    impl<'c> openidconnect::AsyncHttpClient<'c> for Http {
        type Error = HttpError;
        type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

        fn call(&'c self, request: HttpRequest) -> Self::Future {
            Box::pin(async move {
                let (parts, body) = request.into_parts();
                let response = self
                    .0
                    .request(parts.method, parts.uri.to_string())
                    .headers(parts.headers)
                    .body(body)
                    .send()
                    .await?;
                let mut answer = openidconnect::http::Response::builder().status(response.status());
                for (name, value) in response.headers() {
                    answer = answer.header(name, value);
                }
                Ok(answer.body(response.bytes().await?.to_vec())?)
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_must_name_this_issuer_when_it_names_one_or_always_does() {
        let p = "https://id.example.com";
        assert!(check_response_issuer(Some(p), p, true).is_ok());
        assert!(check_response_issuer(None, p, false).is_ok());
        let other = check_response_issuer(Some("https://evil.example"), p, false).unwrap_err();
        assert!(other.to_string().contains("another issuer"), "{other}");
        let missing = check_response_issuer(None, p, true).unwrap_err();
        assert!(missing.to_string().contains("(iss)"), "{missing}");
    }

    #[test]
    fn claims_read_as_lists() {
        assert_eq!(claim_values(Some(&serde_json::json!("a"))), vec!["a"]);
        assert_eq!(
            claim_values(Some(&serde_json::json!(["a", 1, "b"]))),
            vec!["a", "b"]
        );
        assert!(claim_values(Some(&serde_json::json!({"a": 1}))).is_empty());
        assert!(claim_values(None).is_empty());
    }

    #[test]
    fn the_payload_of_a_compact_token() {
        use base64::Engine;
        let body = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"groups":["x"]}"#);
        let jwt = serde_json::Value::String(format!("h.{body}.s"));
        assert_eq!(verified_payload(&jwt)["groups"], serde_json::json!(["x"]));
        assert!(verified_payload(&serde_json::json!("garbage")).is_empty());
    }
}
