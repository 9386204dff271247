//! Logins, logouts, API tokens and user administration.

use crate::error::About;
use crate::{App, AppError, Caller, now_ms};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use sha2::{Digest, Sha256};
use trainyard_core::locale::LanguageTag;
use trainyard_core::scope::{self, Scopes};
use trainyard_core::{EmailAddress, Invalid, Role, TimeZoneName};
use trainyard_store::{auth, throttle, users};

/// A random secret, hex-encoded (256 bits).
pub fn new_secret() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| AppError::refused(format!("no randomness available: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Secrets are stored only as their SHA-256: a database leak does not leak logins.
pub fn secret_hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
    })
    .await
    .map_err(|e| AppError::refused(format!("password hashing failed: {e}")))?
    .map_err(|e| AppError::refused(format!("password hashing failed: {e}")))
}

async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

fn check_password_strength(password: &str) -> Result<(), Invalid> {
    if password.chars().count() < 10 {
        return Err(Invalid::field("password", "must be at least 10 characters"));
    }
    if password.len() > 1024 {
        return Err(Invalid::field("password", "must be at most 1024 bytes"));
    }
    Ok(())
}

pub struct Login {
    pub session_token: String,
    pub caller: Caller,
}

/// Checks e-mail and password; on success opens a login session.
///
/// Guessing is throttled in the database, so the limits hold across processes. Each attempt
/// first claims a slot (an atomic increment) in three buckets, and is refused with `Throttled`
/// before its password is checked when any is full:
/// - this account from this address: `max_login_failures` per window, the limit a guesser meets;
/// - this address, over all accounts: 20 times that, so one office behind a NAT address is not
///   locked out by one person's typos, while spraying many accounts from one address still is;
/// - this account, over all addresses: 10 times that, a ceiling for guessing from many addresses.
///
/// Failed attempts keep their slots until the window ends; a successful login gives them back.
pub async fn login(
    app: &App,
    email: &str,
    password: &str,
    remote: &str,
) -> Result<Login, AppError> {
    crate::sso::require_password_login(app).await?;
    let now = now_ms();
    let s = &app.settings;
    let window_ms = s.throttle_window_minutes * 60_000;
    let buckets = ThrottleBuckets::new(email, remote);
    {
        // Claimed in one transaction, always in the same order (pair, address, account), so that
        // concurrent claims queue on the rows instead of deadlocking. A refused attempt rolls its
        // claims back: being refused does not lengthen the wait.
        let mut tx = app.store.write().await?;
        for (bucket, limit) in [
            (&buckets.pair, s.max_login_failures),
            (&buckets.address, s.max_login_failures * 20),
            (&buckets.account, s.max_login_failures * 10),
        ] {
            let (attempts, window_start) = throttle::claim(&mut tx, bucket, now, window_ms).await?;
            if attempts > limit {
                let wait_ms = (window_start + window_ms - now).max(1);
                return Err(AppError::Throttled {
                    retry_after_secs: (wait_ms + 999) / 1000,
                });
            }
        }
        tx.commit().await?;
    }
    let user = {
        let mut conn = app.store.read().await?;
        users::find_by_email(&mut conn, email).await?
    };
    // Verify against a dummy hash when the user is unknown, so timing does not reveal accounts.
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.to_owned());
    let ok = verify_password(password.to_owned(), hash).await;
    match user {
        Some(u) if ok && u.archived_at.is_none() => {
            let mut tx = app.store.write().await?;
            let token = new_secret()?;
            let csrf = new_secret()?;
            let expires = now + s.session_hours * 3_600_000;
            auth::create_session(&mut tx, &secret_hash(&token), u.id, &csrf, now, expires).await?;
            // The person at this address knows the password: their earlier typos are forgiven.
            throttle::forget(&mut tx, &buckets.pair).await?;
            throttle::release(&mut tx, &buckets.address).await?;
            throttle::release(&mut tx, &buckets.account).await?;
            tx.commit().await?;
            // Housekeeping, after the login's own commit: a failure here does not refuse it.
            if let Err(e) = throttle::prune(&app.store, now - window_ms, 1000).await {
                tracing::warn!(error = %e, "pruning the login throttle failed");
            }
            Ok(Login {
                session_token: token,
                caller: Caller::from_user(u, Some(csrf)),
            })
        }
        _ => Err(AppError::Unauthenticated(
            "that e-mail and password do not match an account".into(),
        )),
    }
}

/// The throttle's bucket names for one attempt.
struct ThrottleBuckets {
    pair: String,
    address: String,
    account: String,
}

impl ThrottleBuckets {
    fn new(email: &str, remote: &str) -> Self {
        let email = email.trim().to_lowercase();
        let address = address_block(remote);
        Self {
            pair: format!("pair {email} {address}"),
            address: format!("address {address}"),
            account: format!("account {email}"),
        }
    }
}

/// The address a throttle counts by: an IPv4 address, or the /64 network of an IPv6 one (a
/// single host commonly holds a whole /64, so counting single addresses would not count it).
fn address_block(remote: &str) -> String {
    match remote.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        Ok(ip) => ip.to_string(),
        Err(_) => remote.to_owned(),
    }
}

const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2Q0eX4v8Tq0Jc8i6g0V3Q0ZC3nVt5hWqkzjz0p3yH8E";

/// Opens a login session for a user who proved who they are some other way (single sign-on).
pub(crate) async fn open_session(app: &App, u: users::User) -> Result<Login, AppError> {
    let now = now_ms();
    let token = new_secret()?;
    let csrf = new_secret()?;
    let expires = now + app.settings.session_hours * 3_600_000;
    let mut tx = app.store.write().await?;
    auth::create_session(&mut tx, &secret_hash(&token), u.id, &csrf, now, expires).await?;
    tx.commit().await?;
    Ok(Login {
        session_token: token,
        caller: Caller::from_user(u, Some(csrf)),
    })
}

pub async fn logout(app: &App, session_token: &str) -> Result<(), AppError> {
    let mut conn = app.store.read().await?;
    auth::delete_session(&mut conn, &secret_hash(session_token)).await?;
    Ok(())
}

/// The caller behind a session cookie, if the session is live.
pub async fn caller_for_session(
    app: &App,
    session_token: &str,
) -> Result<Option<Caller>, AppError> {
    let mut conn = app.store.read().await?;
    Ok(
        auth::session_user(&mut conn, &secret_hash(session_token), now_ms())
            .await?
            .map(|(u, csrf)| Caller::from_user(u, Some(csrf))),
    )
}

/// The caller behind an API bearer token that is neither revoked nor expired, with its scopes.
pub async fn caller_for_token(app: &App, token: &str) -> Result<Option<Caller>, AppError> {
    let mut conn = app.store.read().await?;
    let Some((user, live)) = auth::token_user(&mut conn, &secret_hash(token), now_ms()).await?
    else {
        return Ok(None);
    };
    let mut caller = Caller::from_user(user, None);
    caller.token = Some(crate::caller::TokenGrant {
        id: live.id,
        // Stored scopes were checked when written; anything unreadable grants nothing.
        scopes: Scopes::parse(&live.scopes).unwrap_or_default(),
        expires_at: live.expires_at,
    });
    Ok(Some(caller))
}

pub struct NewAccount {
    pub email: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    pub client_id: Option<i64>,
    pub instructor_id: Option<i64>,
    pub learner_id: Option<i64>,
    pub time_zone: String,
}

/// Creates a user. `caller` is `None` for the system (the seeder, tests), which may leave an
/// instructor, client contact or learner account unlinked; an administrator may not.
pub async fn create_user(
    app: &App,
    caller: Option<&Caller>,
    a: NewAccount,
) -> Result<users::User, AppError> {
    create(app, caller, a, caller.is_some(), "").await
}

/// [`create_user`] by an administrator, with the language of the user's pages (a BCP 47 tag;
/// empty: their browser's, else the company's).
pub async fn create_user_speaking(
    app: &App,
    caller: &Caller,
    a: NewAccount,
    language: &str,
) -> Result<users::User, AppError> {
    create(app, Some(caller), a, true, language).await
}

/// Creates a user from the command line: as the system, with the links checked as strictly as
/// an administrator's (an instructor account needs its instructor, and so on).
pub async fn create_user_from_command_line(
    app: &App,
    a: NewAccount,
) -> Result<users::User, AppError> {
    create(app, None, a, true, "").await
}

async fn create(
    app: &App,
    caller: Option<&Caller>,
    a: NewAccount,
    strict: bool,
    language: &str,
) -> Result<users::User, AppError> {
    if let Some(c) = caller {
        c.require(c.role.can_administer(), "create user accounts")?;
    }
    let mut inv = Invalid::new();
    let email = inv.check("email", EmailAddress::parse(&a.email));
    let tz = inv.check("time_zone", TimeZoneName::parse(&a.time_zone));
    let language = inv
        .check("language", LanguageTag::parse_optional(language))
        .flatten();
    if a.display_name.trim().is_empty() {
        inv.add("display_name", "is required");
    }
    if let Err(e) = check_password_strength(&a.password) {
        inv.errors.extend(e.errors);
    }
    if a.role == Role::ClientContact && a.client_id.is_none() {
        inv.add("client_id", "a client contact belongs to a client");
    }
    let (Some(email), Some(tz)) = (email, tz) else {
        return Err(inv.into());
    };
    if !inv.is_empty() {
        return Err(inv.into());
    }
    let hash = hash_password(a.password).await?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    // An administrator links the account by its role, and must; the system (the command line,
    // the seeder, tests) may leave an account unlinked, but what it links must exist.
    let links = checked_links(
        &mut tx,
        a.role,
        Links {
            client_id: a.client_id,
            instructor_id: a.instructor_id,
            learner_id: a.learner_id,
        },
        strict,
        None,
    )
    .await?;
    let id = users::insert(
        &mut tx,
        &users::NewUser {
            email: email.as_str(),
            display_name: a.display_name.trim(),
            password_hash: &hash,
            role: a.role,
            client_id: links.client_id,
            instructor_id: links.instructor_id,
            learner_id: links.learner_id,
            time_zone: tz.as_str(),
        },
        now,
    )
    .await
    .about("user")?;
    if let Some(l) = &language {
        users::set_language(&mut tx, id, Some(l.as_str()), now).await?;
    }
    let user = users::get(&mut tx, id).await?;
    let system = Caller::system();
    crate::audit::record(
        &mut tx,
        caller.unwrap_or(&system),
        now,
        "user.created",
        ("user", id),
        None,
        Some(&user),
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

pub async fn list_users(
    app: &App,
    caller: &Caller,
    page: i64,
) -> Result<trainyard_store::Page<users::User>, AppError> {
    caller.require(caller.role.can_administer(), "see user accounts")?;
    let mut conn = app.store.read().await?;
    Ok(users::list(&mut conn, page, 50).await?)
}

/// The records an account is linked to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Links {
    pub client_id: Option<i64>,
    pub instructor_id: Option<i64>,
    pub learner_id: Option<i64>,
}

/// Which link a role needs, if any: an instructor account belongs to an instructor record, a
/// client contact to a client, a learner to a learner record. Staff accounts have none.
pub fn link_of_role(role: Role) -> Option<users::LinkColumn> {
    match role {
        Role::Instructor => Some(users::LinkColumn::Instructor),
        Role::ClientContact => Some(users::LinkColumn::Client),
        Role::Learner => Some(users::LinkColumn::Learner),
        _ => None,
    }
}

/// The field and the words for a link.
fn link_words(link: users::LinkColumn) -> (&'static str, &'static str) {
    match link {
        users::LinkColumn::Instructor => ("instructor_id", "instructor"),
        users::LinkColumn::Client => ("client_id", "client"),
        users::LinkColumn::Learner => ("learner_id", "learner"),
    }
}

/// Checks the links of an account with `role` and returns the ones it keeps.
///
/// Every link given must point at an existing, active record. With `strict` (an administrator
/// at work) the role's own link is required, the links of other roles are dropped, a learner's
/// client is the learner record's, and an instructor or learner record has one account at most
/// (`user_id` is the account being edited, which may keep its own link).
pub(crate) async fn checked_links(
    conn: &mut trainyard_store::Conn,
    role: Role,
    given: Links,
    strict: bool,
    user_id: Option<i64>,
) -> Result<Links, AppError> {
    use trainyard_store::{clients, instructors, learners};
    let mut links = given;
    if strict {
        links = match role {
            Role::Instructor => Links {
                instructor_id: given.instructor_id,
                ..Links::default()
            },
            Role::ClientContact => Links {
                client_id: given.client_id,
                ..Links::default()
            },
            Role::Learner => Links {
                learner_id: given.learner_id,
                ..Links::default()
            },
            _ => Links::default(),
        };
    }
    let mut inv = Invalid::new();
    if strict && let Some(link) = link_of_role(role) {
        let (field, _) = link_words(link);
        let missing = match link {
            users::LinkColumn::Instructor => links.instructor_id.is_none(),
            users::LinkColumn::Client => links.client_id.is_none(),
            users::LinkColumn::Learner => links.learner_id.is_none(),
        };
        if missing {
            inv.add(
                field,
                match link {
                    users::LinkColumn::Instructor => {
                        "an instructor account belongs to an instructor record: choose the instructor"
                    }
                    users::LinkColumn::Client => {
                        "a client contact belongs to a client: choose the client"
                    }
                    users::LinkColumn::Learner => {
                        "a learner account belongs to a learner record: choose the learner"
                    }
                },
            );
        }
    }
    // Whether a record exists and is active, as (archived?) or None when there is none.
    fn state<T>(
        r: Result<T, trainyard_store::StoreError>,
        archived: impl Fn(&T) -> bool,
    ) -> Result<Option<bool>, AppError> {
        match r {
            Ok(x) => Ok(Some(archived(&x))),
            Err(trainyard_store::StoreError::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
    let mut check = |field: &str, noun: &str, found: Option<bool>| match found {
        None => inv.add(field, format!("there is no {noun} with this id")),
        Some(true) => inv.add(
            field,
            format!("this {noun} is archived: restore it first, or choose another"),
        ),
        Some(false) => {}
    };
    if let Some(id) = links.instructor_id {
        let found = state(instructors::get(conn, id).await, |x| {
            x.archived_at.is_some()
        })?;
        check("instructor_id", "instructor", found);
    }
    if let Some(id) = links.client_id {
        let found = state(clients::get(conn, id).await, |x| x.archived_at.is_some())?;
        check("client_id", "client", found);
    }
    if let Some(id) = links.learner_id {
        match learners::get(conn, id).await {
            Ok(l) => {
                check("learner_id", "learner", Some(l.archived_at.is_some()));
                if strict {
                    // What a learner account may see of a client follows the learner record.
                    links.client_id = l.client_id;
                }
            }
            Err(trainyard_store::StoreError::NotFound) => check("learner_id", "learner", None),
            Err(e) => return Err(e.into()),
        }
    }
    if strict {
        for (link, id) in [
            (users::LinkColumn::Instructor, links.instructor_id),
            (users::LinkColumn::Learner, links.learner_id),
        ] {
            let Some(id) = id else { continue };
            let taken = users::linked_to(conn, link, id)
                .await?
                .into_iter()
                .any(|u| Some(u.id) != user_id);
            if taken {
                let (field, noun) = link_words(link);
                inv.add(field, format!("this {noun} already has an account"));
            }
        }
    }
    if inv.is_empty() {
        Ok(links)
    } else {
        Err(inv.into())
    }
}

/// One user, for an administrator.
pub async fn get_user(app: &App, caller: &Caller, id: i64) -> Result<users::User, AppError> {
    caller.require(caller.role.can_administer(), "see user accounts")?;
    let mut conn = app.store.read().await?;
    users::get(&mut conn, id).await.about("the user")
}

/// What an administrator sets on a user's page or through `PUT /users/{id}`.
pub struct UserChanges {
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub time_zone: String,
    pub client_id: Option<i64>,
    pub instructor_id: Option<i64>,
    pub learner_id: Option<i64>,
    /// The language of their pages (BCP 47); empty: their browser's, else the company's.
    pub language: String,
}

/// Changes a user's name, e-mail, role, time zone, language and links (admins). An administrator cannot
/// take the administrator role from themself: someone must be left to give it back.
pub async fn update_user(
    app: &App,
    caller: &Caller,
    id: i64,
    version: i64,
    ch: UserChanges,
) -> Result<users::User, AppError> {
    caller.require(caller.role.can_administer(), "change user accounts")?;
    let mut inv = Invalid::new();
    let email = inv.check("email", EmailAddress::parse(&ch.email));
    let tz = inv.check("time_zone", TimeZoneName::parse(&ch.time_zone));
    let name = inv.check(
        "display_name",
        trainyard_core::invalid::text::required(&ch.display_name, 120),
    );
    let language = inv.check("language", LanguageTag::parse_optional(&ch.language));
    if id == caller.user_id && ch.role != caller.role {
        inv.add(
            "role",
            "you cannot change your own role: ask another administrator",
        );
    }
    let (Some(email), Some(tz), Some(name), Some(language)) = (email, tz, name, language) else {
        return Err(inv.into());
    };
    if !inv.is_empty() {
        return Err(inv.into());
    }
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let before = users::get(&mut tx, id).await.about("the user")?;
    if before.version != version {
        return Err(AppError::Stale("the user"));
    }
    let links = checked_links(
        &mut tx,
        ch.role,
        Links {
            client_id: ch.client_id,
            instructor_id: ch.instructor_id,
            learner_id: ch.learner_id,
        },
        true,
        Some(id),
    )
    .await?;
    users::update(
        &mut tx,
        id,
        version,
        &users::UserChanges {
            email: email.as_str(),
            display_name: &name,
            role: ch.role,
            client_id: links.client_id,
            instructor_id: links.instructor_id,
            learner_id: links.learner_id,
            time_zone: tz.as_str(),
        },
        now,
    )
    .await
    .about("user")?;
    users::set_language(&mut tx, id, language.as_ref().map(LanguageTag::as_str), now).await?;
    let after = users::get(&mut tx, id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "user.updated",
        ("user", id),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Deactivates a user (admins): they cannot sign in, every login session of theirs ends and
/// every API token is revoked, at once. Or reactivates them: they sign in again with their
/// password (their old tokens stay revoked). Nobody deactivates their own account.
pub async fn set_user_active(
    app: &App,
    caller: &Caller,
    id: i64,
    version: i64,
    active: bool,
) -> Result<users::User, AppError> {
    caller.require(
        caller.role.can_administer(),
        "deactivate or reactivate users",
    )?;
    if !active && id == caller.user_id {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-deactivate-self",
            "You cannot deactivate your own account: ask another administrator."
        )));
    }
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let before = users::get(&mut tx, id).await.about("the user")?;
    if before.version != version {
        return Err(AppError::Stale("the user"));
    }
    if before.archived_at.is_none() == active {
        return Err(AppError::Refused(if active {
            trainyard_core::refusal!(
                "refused-user-active",
                "{email} is already active.",
                email = before.email
            )
        } else {
            trainyard_core::refusal!(
                "refused-user-deactivated",
                "{email} is already deactivated.",
                email = before.email
            )
        }));
    }
    users::set_archived(&mut tx, id, version, (!active).then_some(now), now)
        .await
        .about("the user")?;
    let (sessions_ended, tokens_revoked) = if active {
        (0, 0)
    } else {
        (
            auth::delete_sessions_of_user(&mut tx, id).await?,
            auth::revoke_tokens_of_user(&mut tx, id, now).await?,
        )
    };
    let after = users::get(&mut tx, id).await?;
    let action = if active {
        "user.reactivated"
    } else {
        "user.deactivated"
    };
    crate::audit::record(
        &mut tx,
        caller,
        now,
        action,
        ("user", id),
        Some(&serde_json::json!({ "user": before })),
        Some(&serde_json::json!({
            "user": after,
            "sessions_ended": sessions_ended,
            "tokens_revoked": tokens_revoked,
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

pub struct IssuedToken {
    pub id: i64,
    /// Shown once; only its hash is stored.
    pub secret: String,
    pub scopes: Scopes,
    pub expires_at: i64,
}

/// What a user asks for when making a token.
pub struct TokenRequest {
    pub name: String,
    /// Scope names separated by spaces or commas (`read`, `scheduling`, …).
    pub scopes: String,
    /// 1 to 366; 90 when not given.
    pub expires_in_days: Option<i64>,
}

/// Makes a token for the caller. A token acts as its user, narrowed to its scopes; a token
/// that makes a token can give it only scopes it holds itself, and no longer a life.
pub async fn create_api_token(
    app: &App,
    caller: &Caller,
    req: &TokenRequest,
) -> Result<IssuedToken, AppError> {
    let mut inv = Invalid::new();
    let name = inv.check(
        "name",
        trainyard_core::invalid::text::required(&req.name, 80),
    );
    let scopes = match Scopes::parse(&req.scopes) {
        Ok(s) => Some(s),
        Err(e) => {
            inv.errors.extend(e.errors);
            None
        }
    };
    let days = match scope::token_days(req.expires_in_days) {
        Ok(d) => Some(d),
        Err(e) => {
            inv.errors.extend(e.errors);
            None
        }
    };
    let (Some(name), Some(scopes), Some(days), true) = (name, scopes, days, inv.is_empty()) else {
        return Err(inv.into());
    };
    let now = now_ms();
    let mut expires_at = now + days * 86_400_000;
    if let Some(grant) = &caller.token {
        if !grant.scopes.covers(&scopes) {
            return Err(AppError::Forbidden(format!(
                "give a new token scopes beyond this token's own ({})",
                grant.scopes
            )));
        }
        if let Some(own) = grant.expires_at {
            expires_at = expires_at.min(own);
        }
    }
    let secret = format!("ty_{}", new_secret()?);
    let scope_text = scopes.to_string();
    let mut tx = app.store.write().await?;
    let id = auth::create_token(
        &mut tx,
        &auth::NewToken {
            user_id: caller.user_id,
            name: &name,
            token_hash: &secret_hash(&secret),
            scopes: &scope_text,
            expires_at,
        },
        now,
    )
    .await?;
    let snapshot = serde_json::json!({
        "id": id, "name": name, "scopes": scope_text, "expires_at": expires_at,
        "by_token": caller.token.as_ref().map(|g| g.id),
    });
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "api_token.created",
        ("user", caller.user_id),
        None,
        Some(&snapshot),
    )
    .await?;
    tx.commit().await?;
    Ok(IssuedToken {
        id,
        secret,
        scopes,
        expires_at,
    })
}

pub async fn list_api_tokens(app: &App, caller: &Caller) -> Result<Vec<auth::ApiToken>, AppError> {
    let mut conn = app.store.read().await?;
    Ok(auth::list_tokens(&mut conn, caller.user_id).await?)
}

/// Revokes one of the caller's own tokens; someone else's is not found.
pub async fn revoke_api_token(app: &App, caller: &Caller, token_id: i64) -> Result<(), AppError> {
    let now = now_ms();
    let mut tx = app.store.write().await?;
    if !auth::revoke_token(&mut tx, caller.user_id, token_id, now).await? {
        return Err(AppError::NotFound("the API token"));
    }
    let snapshot = serde_json::json!({ "id": token_id, "revoked": true });
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "api_token.revoked",
        ("user", caller.user_id),
        None,
        Some(&snapshot),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The caller the command line acts as for the user with `email`.
pub async fn caller_by_email(app: &App, email: &str) -> Result<Caller, AppError> {
    let mut conn = app.store.read().await?;
    let user = users::find_by_email(&mut conn, email)
        .await?
        .ok_or(AppError::NotFound("a user with this e-mail"))?;
    Ok(Caller::from_user(user, None))
}

/// Issues a token with every scope, for 90 days, for the user with `email`, as the system
/// (the command line's default, tests, the benchmark).
pub async fn create_api_token_for(
    app: &App,
    email: &str,
    name: &str,
) -> Result<IssuedToken, AppError> {
    let caller = caller_by_email(app, email).await?;
    create_api_token(
        app,
        &caller,
        &TokenRequest {
            name: name.to_owned(),
            scopes: Scopes::all().to_string(),
            expires_in_days: None,
        },
    )
    .await
}

/// The instructors and clients an administrator may link an account to, for the user form.
pub async fn link_choices(
    app: &App,
    caller: &Caller,
) -> Result<(Vec<(i64, String)>, Vec<(i64, String)>), AppError> {
    caller.require(caller.role.can_administer(), "link user accounts")?;
    let mut conn = app.store.read().await?;
    Ok((
        trainyard_store::instructors::options(&mut conn).await?,
        trainyard_store::clients::options(&mut conn).await?,
    ))
}

/// The names of the records a user is linked to, for their page: (instructor, client, learner).
pub async fn linked_names(
    app: &App,
    caller: &Caller,
    u: &users::User,
) -> Result<(Option<String>, Option<String>, Option<String>), AppError> {
    caller.require(caller.role.can_administer(), "see user accounts")?;
    let mut conn = app.store.read().await?;
    let instructor = match u.instructor_id {
        Some(id) => trainyard_store::instructors::get(&mut conn, id)
            .await
            .ok()
            .map(|i| i.name),
        None => None,
    };
    let client = match u.client_id {
        Some(id) => trainyard_store::clients::get(&mut conn, id)
            .await
            .ok()
            .map(|c| c.name),
        None => None,
    };
    let learner = match u.learner_id {
        Some(id) => trainyard_store::learners::get(&mut conn, id)
            .await
            .ok()
            .map(|l| format!("{} {}", l.first_name, l.last_name)),
        None => None,
    };
    Ok((instructor, client, learner))
}

#[cfg(test)]
mod throttle_tests {
    use super::address_block;

    #[test]
    fn addresses_are_counted_by_host_or_ipv6_network() {
        assert_eq!(address_block("203.0.113.7"), "203.0.113.7");
        assert_eq!(address_block("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(
            address_block("2001:db8:1:2:aaaa:bbbb:cccc:dddd"),
            "2001:db8:1:2::/64"
        );
        assert_eq!(address_block("unknown"), "unknown");
    }
}
