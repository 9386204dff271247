//! Links sent by e-mail that act on an account: confirming a registration (which creates the
//! account and enrolls), signing in, and setting a password. Following a link proves control of
//! the mailbox, nothing else does:
//!
//! - Registration never signs anyone in and never touches an existing account. A new address gets
//!   a confirmation link; the account, the learner record and the enrollment are created only
//!   when it is followed, and the person who follows it chooses the password there (a password
//!   typed into the public form could be the attacker's own, waiting for the owner to click).
//! - A known address gets a sign-in link (learners) or a notice (other accounts, learners
//!   managed by a client), never an account change. The replies to the form are the same either
//!   way, so they tell nobody whether an address is known, whose it is or what role it has.
//! - "Forgot password" always answers the same; the owner of an account gets a link to set a new
//!   one, which ends every login session of that account.
//!
//! A link's secret is 256 random bits, stored only as its SHA-256, used once (one guarded
//! UPDATE), and expires. Every link is absolute, built from the configured public URL.

use crate::accounts::{Login, hash_password, new_secret, secret_hash};
use crate::enrollment;
use crate::{App, AppError, Caller, now_ms};
use serde_json::json;
use trainyard_core::records::LearnerInput;
use trainyard_core::{EmailAddress, Invalid, Role, TimeZoneName};
use trainyard_store::account_tokens::{self as repo, AccountToken, NewToken, Purpose};
use trainyard_store::enrollments::EnrollmentRecord;
use trainyard_store::{Conn, auth, learners, outbox, sessions, users};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
/// A registration waits this long for its confirmation.
pub const CONFIRM_TTL_MS: i64 = 48 * HOUR;
/// A sign-in link works this long.
pub const SIGN_IN_TTL_MS: i64 = HOUR;
/// A set-password link works this long.
pub const SET_PASSWORD_TTL_MS: i64 = HOUR;
/// At most this many e-mails with links to one address an hour: a flood of forms must not flood
/// a mailbox. Beyond it the form answers as always and sends nothing.
pub const MAX_LINKS_PER_HOUR: i64 = 5;

/// What a used, expired or unknown link shows.
pub const LINK_INVALID: &str = "This link has expired or has already been used. Ask for a new one: register again from the catalog, or use “Forgot your password?” on the sign-in page.";

/// [`LINK_INVALID`] as a refusal a page says in its reader's language.
fn link_invalid() -> AppError {
    AppError::Refused(trainyard_core::refusal!(
        "refused-link-invalid",
        "This link has expired or has already been used. Ask for a new one: register again from the catalog, or use “Forgot your password?” on the sign-in page."
    ))
}

/// The actor of changes made through the public forms, before anyone is signed in.
fn public_form() -> Caller {
    let mut c = Caller::system();
    c.name = "public self-service".into();
    c
}

fn zone(name: &str) -> TimeZoneName {
    TimeZoneName::parse_or_utc(name)
}

/// Checks a new password (the rule registration has always used).
pub fn check_new_password(password: &str) -> Result<(), Invalid> {
    if password.chars().count() < 10 {
        return Err(Invalid::field("password", "must be at least 10 characters"));
    }
    if password.len() > 1024 {
        return Err(Invalid::field("password", "must be at most 1024 bytes"));
    }
    Ok(())
}

/// Stores a new link and returns its id and secret (which only the e-mail will carry).
#[allow(clippy::too_many_arguments)]
async fn issue(
    conn: &mut Conn,
    purpose: Purpose,
    email: &str,
    user_id: Option<i64>,
    session_id: Option<i64>,
    payload: &serde_json::Value,
    ttl_ms: i64,
    now: i64,
) -> Result<(i64, String), AppError> {
    let secret = new_secret()?;
    let id = repo::insert(
        conn,
        &NewToken {
            purpose,
            email,
            user_id,
            session_id,
            payload: &payload.to_string(),
            token_hash: &secret_hash(&secret),
            expires_at: now + ttl_ms,
        },
        now,
    )
    .await?;
    Ok((id, secret))
}

/// The link for a secret: `/account/confirm?token=…` under the public URL.
fn link(app: &App, purpose: Purpose, secret: &str) -> String {
    let path = match purpose {
        Purpose::Confirm => "/account/confirm",
        Purpose::SignIn => "/account/sign-in",
        Purpose::SetPassword => "/account/password",
        Purpose::Invite => "/account/invite",
        // A notice carries no secret; it is never linked to.
        Purpose::Notice => "/login",
    };
    app.link(&format!("{path}?token={secret}"))
}

/// Queues one message in the caller's transaction.
#[allow(clippy::too_many_arguments)]
async fn send(
    conn: &mut Conn,
    event: &str,
    to: &str,
    ctx: &serde_json::Value,
    entity_type: &str,
    entity_id: i64,
    key: &str,
    now: i64,
) -> Result<(), AppError> {
    let (subject, body) = crate::messages::compose(conn, event, ctx).await?;
    outbox::enqueue(
        conn,
        &outbox::NewMessage {
            kind: event,
            recipient: to,
            subject: &subject,
            body: &body,
            entity_type,
            entity_id,
            idempotency_key: key,
        },
        now,
    )
    .await?;
    Ok(())
}

/// Too many links went to this address in the last hour.
async fn flooded(conn: &mut Conn, email: &str, now: i64) -> Result<bool, AppError> {
    Ok(repo::issued_since(conn, email, now - HOUR).await? >= MAX_LINKS_PER_HOUR)
}

// ------------------------------------------------------------------ registration

/// What someone typed into the public registration form, checked.
pub(crate) struct Applicant<'a> {
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub email: &'a EmailAddress,
}

/// The e-mail a registration sends, in the registration's transaction: a confirmation link for
/// a new address; for a known one a sign-in link or a notice, and no change to anything else.
/// The caller answers the same in every case.
pub(crate) async fn registration_mail(
    app: &App,
    tx: &mut Conn,
    session: &sessions::Session,
    who: &Applicant<'_>,
    now: i64,
) -> Result<(), AppError> {
    let email = who.email.as_str();
    if flooded(tx, email, now).await? {
        tracing::warn!(
            session = session.id,
            "registration e-mail not sent: too many links to this address in the last hour"
        );
        return Ok(());
    }
    let z = zone(&session.time_zone);
    let title = session
        .title
        .clone()
        .unwrap_or_else(|| session.course_title.clone());
    let actor = public_form();
    let session_url = app.link(&format!("/catalog/{}", session.id));
    if let Some(user) = users::find_by_email(tx, email).await? {
        if user.archived_at.is_some() {
            // No account to sign in to and nothing to offer: silence, same reply.
            return Ok(());
        }
        // Learners get a link that signs them in; an account with more rights gets only a
        // notice, so that a form anyone can fill in never mails out a way into it.
        let learner = user.role == Role::Learner;
        let (id, secret) = issue(
            tx,
            if learner {
                Purpose::SignIn
            } else {
                Purpose::Notice
            },
            email,
            Some(user.id),
            Some(session.id),
            &json!({}),
            if learner { SIGN_IN_TTL_MS } else { 0 },
            now,
        )
        .await?;
        let sign_in = learner.then_some(secret);
        let ctx = json!({
            "recipient_name": user.display_name,
            "course_title": title,
            "sign_in_url": sign_in.as_ref().map(|s| link(app, Purpose::SignIn, s)),
            "login_url": app.link("/login"),
            "reset_url": app.link("/account/password/forgot"),
            "session_url": session_url,
            "expires": z.display(now + SIGN_IN_TTL_MS),
        });
        send(
            tx,
            "account_sign_in",
            &user.email,
            &ctx,
            "user",
            user.id,
            &format!("account-token-{id}"),
            now,
        )
        .await?;
        let note = json!({ "session_id": session.id, "sign_in_link": sign_in.is_some() });
        crate::audit::record(
            tx,
            &actor,
            now,
            "registration.known_address",
            ("user", user.id),
            None,
            Some(&note),
        )
        .await?;
        return Ok(());
    }
    if let Some(l) = learners::find_by_email_any_case(tx, email).await?
        && (l.client_id.is_some() || l.archived_at.is_some())
    {
        // Their training is arranged for them: tell the owner, nobody else.
        let ctx = json!({
            "recipient_name": format!("{} {}", l.first_name, l.last_name),
            "course_title": title,
            "session_url": session_url,
        });
        let (id, _) = issue(
            tx,
            Purpose::Notice,
            email,
            None,
            Some(session.id),
            &json!({}),
            0,
            now,
        )
        .await?;
        send(
            tx,
            "registration_managed",
            &l.email,
            &ctx,
            "learner",
            l.id,
            &format!("account-token-{id}"),
            now,
        )
        .await?;
        let note = json!({ "session_id": session.id });
        crate::audit::record(
            tx,
            &actor,
            now,
            "registration.managed_learner",
            ("learner", l.id),
            None,
            Some(&note),
        )
        .await?;
        return Ok(());
    }
    // A new address, or a learner record nobody has an account for: confirming creates the
    // account (linked to that record, if there is one) and enrolls.
    let payload = json!({ "first_name": who.first_name, "last_name": who.last_name });
    let (id, secret) = issue(
        tx,
        Purpose::Confirm,
        email,
        None,
        Some(session.id),
        &payload,
        CONFIRM_TTL_MS,
        now,
    )
    .await?;
    let ctx = json!({
        "recipient_name": format!("{} {}", who.first_name, who.last_name),
        "course_title": title,
        "starts": z.display(session.starts_at),
        "confirm_url": link(app, Purpose::Confirm, &secret),
        "expires": z.display(now + CONFIRM_TTL_MS),
    });
    send(
        tx,
        "account_confirm",
        email,
        &ctx,
        "account_token",
        id,
        &format!("account-token-{id}"),
        now,
    )
    .await?;
    let note = json!({ "email": email, "session_id": session.id });
    crate::audit::record(
        tx,
        &actor,
        now,
        "registration.requested",
        ("account_token", id),
        None,
        Some(&note),
    )
    .await?;
    Ok(())
}

// ------------------------------------------------------------------ following a link

/// What a link page shows before anything is used.
pub struct LinkInfo {
    pub email: String,
    /// The session a registration or sign-in is about, by title.
    pub session_title: Option<String>,
}

/// Looks at a link without using it (the page that asks for a password, or offers the sign-in
/// button: mail scanners fetch links, so only the form's POST acts).
pub async fn peek(app: &App, purpose: Purpose, secret: &str) -> Result<LinkInfo, AppError> {
    let mut conn = app.store.read().await?;
    let t = repo::find_usable(&mut conn, &secret_hash(secret.trim()), purpose, now_ms())
        .await?
        .ok_or_else(link_invalid)?;
    let session_title = match t.session_id {
        Some(id) => sessions::get(&mut conn, id)
            .await
            .ok()
            .map(|s| s.title.unwrap_or(s.course_title)),
        None => None,
    };
    Ok(LinkInfo {
        email: t.email,
        session_title,
    })
}

async fn use_link(
    conn: &mut Conn,
    purpose: Purpose,
    secret: &str,
    now: i64,
) -> Result<AccountToken, AppError> {
    let secret = secret.trim();
    if secret.is_empty() || secret.len() > 200 {
        return Err(link_invalid());
    }
    repo::consume(conn, &secret_hash(secret), purpose, now)
        .await?
        .ok_or_else(link_invalid)
}

/// Opens a login session for `user` in the caller's transaction.
async fn open_session(
    app: &App,
    conn: &mut Conn,
    user: users::User,
    now: i64,
) -> Result<Login, AppError> {
    let token = new_secret()?;
    let csrf = new_secret()?;
    let expires = now + app.settings.session_hours * HOUR;
    auth::create_session(conn, &secret_hash(&token), user.id, &csrf, now, expires).await?;
    Ok(Login {
        session_token: token,
        caller: Caller::from_user(user, Some(csrf)),
    })
}

/// A confirmed registration: signed in, and the enrollment or why there is none.
pub struct Confirmed {
    pub login: Login,
    pub enrollment: Option<Result<EnrollmentRecord, AppError>>,
}

#[derive(serde::Deserialize, Default)]
struct Names {
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
}

/// Follows a confirmation link: creates the learner account with the password chosen now (and
/// the learner record, unless one without a client has this address), signs in, then enrolls in
/// the session registered for — booked while seats last, else waitlisted, through the same use
/// case as every enrollment. The link works once.
pub async fn confirm_registration(
    app: &App,
    secret: &str,
    password: &str,
) -> Result<Confirmed, AppError> {
    check_new_password(password)?;
    let hash = hash_password(password.to_owned()).await?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let t = use_link(&mut tx, Purpose::Confirm, secret, now).await?;
    if users::find_by_email(&mut tx, &t.email).await?.is_some() {
        // Confirmed meanwhile through another link: the account is the owner's already.
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-account-exists",
            "This address already has an account: sign in, or use “Forgot your password?” on the sign-in page."
        )));
    }
    let session = match t.session_id {
        Some(id) => sessions::get(&mut tx, id).await.ok(),
        None => None,
    };
    let time_zone = zone(session.as_ref().map_or("UTC", |s| s.time_zone.as_str()));
    let actor = public_form();
    let learner = match learners::find_by_email_any_case(&mut tx, &t.email).await? {
        Some(l) if l.client_id.is_none() && l.archived_at.is_none() => l,
        Some(_) => {
            return Err(AppError::Refused(trainyard_core::refusal!(
                "refused-registration-managed",
                "Your training is arranged by your coordinator or your organisation: ask them to enroll you."
            )));
        }
        None => {
            let names: Names = serde_json::from_str(&t.payload).unwrap_or_default();
            let email = EmailAddress::parse(&t.email).map_err(|_| link_invalid())?;
            let id = learners::insert(
                &mut tx,
                &LearnerInput {
                    first_name: names.first_name,
                    last_name: names.last_name,
                    email,
                    client_id: None,
                    phone: None,
                    time_zone,
                    language: None,
                },
                now,
            )
            .await?;
            let l = learners::get(&mut tx, id).await?;
            crate::audit::record(
                &mut tx,
                &actor,
                now,
                "learner.created",
                ("learner", id),
                None,
                Some(&l),
            )
            .await?;
            l
        }
    };
    let user_id = users::insert(
        &mut tx,
        &users::NewUser {
            email: &t.email,
            display_name: &format!("{} {}", learner.first_name, learner.last_name),
            password_hash: &hash,
            role: Role::Learner,
            client_id: None,
            instructor_id: None,
            learner_id: Some(learner.id),
            time_zone: &learner.time_zone,
        },
        now,
    )
    .await?;
    let user = users::get(&mut tx, user_id).await?;
    let login = open_session(app, &mut tx, user.clone(), now).await?;
    crate::audit::record(
        &mut tx,
        &login.caller,
        now,
        "user.created",
        ("user", user_id),
        None,
        Some(&user),
    )
    .await?;
    tx.commit().await?;
    // The enrollment is its own step: should the session have filled up or closed since the
    // registration, the account stands and the learner is told why there is no seat.
    let enrollment = match session {
        Some(s) => Some(enrollment::enroll(app, &login.caller, s.id, learner.id, 0).await),
        None => None,
    };
    Ok(Confirmed { login, enrollment })
}

/// A sign-in through a link: the login, and the session the link was about (to go back to).
pub struct LinkSignIn {
    pub login: Login,
    pub session_id: Option<i64>,
}

/// Follows a sign-in link: opens a login session for its account. Works once.
pub async fn sign_in_with_link(app: &App, secret: &str) -> Result<LinkSignIn, AppError> {
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let t = use_link(&mut tx, Purpose::SignIn, secret, now).await?;
    let user = match t.user_id {
        Some(id) => users::get(&mut tx, id).await?,
        None => return Err(link_invalid()),
    };
    if user.archived_at.is_some() || user.email != t.email {
        return Err(link_invalid());
    }
    let login = open_session(app, &mut tx, user, now).await?;
    let note = json!({ "link": t.id });
    crate::audit::record(
        &mut tx,
        &login.caller,
        now,
        "user.signed_in_by_link",
        ("user", login.caller.user_id),
        None,
        Some(&note),
    )
    .await?;
    tx.commit().await?;
    Ok(LinkSignIn {
        login,
        session_id: t.session_id,
    })
}

// ------------------------------------------------------------------ passwords

/// "Forgot your password?": when an active account has this address, queues a link to set a
/// new password. Answers the same whether or not it has: only the mailbox learns.
pub async fn request_password_link(app: &App, email: &str) -> Result<(), AppError> {
    let email = EmailAddress::parse(email).map_err(|e| Invalid::field("email", e.to_string()))?;
    let email = email.as_str().to_lowercase();
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let Some(user) = users::find_by_email(&mut tx, &email).await? else {
        return Ok(());
    };
    if user.archived_at.is_some() || flooded(&mut tx, &email, now).await? {
        return Ok(());
    }
    let (id, secret) = issue(
        &mut tx,
        Purpose::SetPassword,
        &email,
        Some(user.id),
        None,
        &json!({}),
        SET_PASSWORD_TTL_MS,
        now,
    )
    .await?;
    let ctx = json!({
        "recipient_name": user.display_name,
        "reset_url": link(app, Purpose::SetPassword, &secret),
        "expires": zone(&user.time_zone).display(now + SET_PASSWORD_TTL_MS),
    });
    send(
        &mut tx,
        "password_reset",
        &user.email,
        &ctx,
        "user",
        user.id,
        &format!("account-token-{id}"),
        now,
    )
    .await?;
    let note = json!({ "link": id });
    crate::audit::record(
        &mut tx,
        &public_form(),
        now,
        "user.password_link_sent",
        ("user", user.id),
        None,
        Some(&note),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Follows a set-password link: sets the new password, retires the account's other such links
/// and ends all its login sessions (whoever knew the old password is signed out). Works once.
pub async fn set_password_with_link(
    app: &App,
    secret: &str,
    password: &str,
) -> Result<(), AppError> {
    check_new_password(password)?;
    let hash = hash_password(password.to_owned()).await?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let t = use_link(&mut tx, Purpose::SetPassword, secret, now).await?;
    let user = match t.user_id {
        Some(id) => users::get(&mut tx, id).await?,
        None => return Err(link_invalid()),
    };
    if user.archived_at.is_some() || user.email != t.email {
        return Err(link_invalid());
    }
    users::set_password(&mut tx, user.id, &hash, now).await?;
    repo::retire_others(&mut tx, &t.email, Purpose::SetPassword, now).await?;
    let ended = auth::delete_sessions_of_user(&mut tx, user.id).await?;
    auth::clear_login_failures(&mut tx, &t.email).await?;
    let note = json!({ "link": t.id, "sessions_ended": ended });
    crate::audit::record(
        &mut tx,
        &Caller::from_user(user.clone(), None),
        now,
        "user.password_set",
        ("user", user.id),
        None,
        Some(&note),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An administrator sends `user` a link to set a new password (the user's page, or
/// `POST /users/{id}/password-reset`). Unlike "forgot your password?" it says whether it was
/// sent: the administrator knows the account anyway. A new account without a password gets the
/// same link, valid for as long as an invitation.
pub async fn send_password_link(
    app: &App,
    caller: &Caller,
    user_id: i64,
    welcome: bool,
) -> Result<(), AppError> {
    caller.require(caller.role.can_administer(), "reset other users' passwords")?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let user = users::get(&mut tx, user_id)
        .await
        .map_err(|e| AppError::from(e).about("the user"))?;
    if user.archived_at.is_some() {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-account-deactivated",
            "{email} is deactivated: reactivate the account first.",
            email = user.email
        )));
    }
    if flooded(&mut tx, &user.email, now).await? {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-too-many-links",
            "Too many links went to {email} in the last hour; try again later.",
            email = user.email
        )));
    }
    let ttl = if welcome {
        INVITE_TTL_MS
    } else {
        SET_PASSWORD_TTL_MS
    };
    let (id, secret) = issue(
        &mut tx,
        Purpose::SetPassword,
        &user.email,
        Some(user.id),
        None,
        &json!({}),
        ttl,
        now,
    )
    .await?;
    let ctx = json!({
        "recipient_name": user.display_name,
        "reset_url": link(app, Purpose::SetPassword, &secret),
        "expires": zone(&user.time_zone).display(now + ttl),
    });
    send(
        &mut tx,
        "password_reset",
        &user.email,
        &ctx,
        "user",
        user.id,
        &format!("account-token-{id}"),
        now,
    )
    .await?;
    let note = json!({ "link": id, "by_administrator": true });
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "user.password_link_sent",
        ("user", user.id),
        None,
        Some(&note),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ------------------------------------------------------------------ invitations

/// An invitation waits this long to be accepted.
pub const INVITE_TTL_MS: i64 = 48 * HOUR;

/// The kind of record an invitation links the new account to; each gives the account its role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteKind {
    Instructor,
    Client,
    Learner,
}

impl InviteKind {
    pub fn role(self) -> Role {
        match self {
            InviteKind::Instructor => Role::Instructor,
            InviteKind::Client => Role::ClientContact,
            InviteKind::Learner => Role::Learner,
        }
    }

    /// The audit entity of the record.
    pub fn entity(self) -> &'static str {
        match self {
            InviteKind::Instructor => "instructor",
            InviteKind::Client => "client",
            InviteKind::Learner => "learner",
        }
    }

    /// The record's path segment, and the pages' area.
    pub fn path(self) -> &'static str {
        match self {
            InviteKind::Instructor => "instructors",
            InviteKind::Client => "clients",
            InviteKind::Learner => "learners",
        }
    }

    /// From the record's path segment ("instructors", "clients", "learners").
    pub fn from_path(s: &str) -> Option<Self> {
        match s {
            "instructors" => Some(InviteKind::Instructor),
            "clients" => Some(InviteKind::Client),
            "learners" => Some(InviteKind::Learner),
            _ => None,
        }
    }
}

/// What an invitation link carries besides the address.
#[derive(serde::Serialize, serde::Deserialize)]
struct InvitePayload {
    role: String,
    record_id: i64,
    name: String,
}

/// An invitation sent: where to and until when (the secret went only into the e-mail).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Invitation {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The instructor, client or learner record the account will be linked to.
    pub record_id: i64,
    #[serde(serialize_with = "trainyard_store::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: i64,
}

/// The record an invitation is for: who it names, their address and zone, if active.
struct Invitee {
    name: String,
    email: String,
    time_zone: String,
}

async fn invitee(conn: &mut Conn, kind: InviteKind, id: i64) -> Result<Invitee, AppError> {
    use trainyard_store::{clients, instructors};
    let (name, email, tz, archived) = match kind {
        InviteKind::Instructor => {
            let i = instructors::get(conn, id)
                .await
                .map_err(|e| AppError::from(e).about("the instructor"))?;
            (i.name, i.email, i.time_zone, i.archived_at.is_some())
        }
        InviteKind::Client => {
            let c = clients::get(conn, id)
                .await
                .map_err(|e| AppError::from(e).about("the client"))?;
            // A client's contact is a person the client names: no address is presumed.
            (
                String::new(),
                String::new(),
                c.time_zone,
                c.archived_at.is_some(),
            )
        }
        InviteKind::Learner => {
            let l = learners::get(conn, id)
                .await
                .map_err(|e| AppError::from(e).about("the learner"))?;
            (
                format!("{} {}", l.first_name, l.last_name),
                l.email,
                l.time_zone,
                l.archived_at.is_some(),
            )
        }
    };
    if archived {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-invite-archived",
            "This {what} is archived: restore it before inviting anyone to it.",
            what = kind.entity()
        )));
    }
    Ok(Invitee {
        name,
        email,
        time_zone: tz,
    })
}

/// The name and address an invitation for this record starts from (empty for a client, whose
/// contact the administrator names).
pub async fn invitee_defaults(
    app: &App,
    caller: &Caller,
    kind: InviteKind,
    record_id: i64,
) -> Result<(String, String), AppError> {
    caller.require(caller.role.can_administer(), "invite people to Trainyard")?;
    let mut conn = app.store.read().await?;
    let who = invitee(&mut conn, kind, record_id).await?;
    Ok((who.name, who.email))
}

/// "Invite to Trainyard" (administrators): e-mails a single-use link (48 h) with which the person
/// chooses a password; following it creates their account, linked to the record with the role
/// that goes with it. The address and name default to the record's (a client's contact must be
/// named). Refused when the address already has an account or the record already has one.
pub async fn invite(
    app: &App,
    caller: &Caller,
    kind: InviteKind,
    record_id: i64,
    email: Option<&str>,
    name: Option<&str>,
) -> Result<Invitation, AppError> {
    caller.require(caller.role.can_administer(), "invite people to Trainyard")?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let who = invitee(&mut tx, kind, record_id).await?;
    let given = |v: Option<&str>| {
        v.map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let mut inv = Invalid::new();
    let email = match given(email).or_else(|| given(Some(&who.email))) {
        Some(e) => inv.check("email", EmailAddress::parse(&e)),
        None => {
            inv.add(
                "email",
                "is required: whose address should the invitation go to?",
            );
            None
        }
    };
    let name = inv.check(
        "name",
        trainyard_core::invalid::text::required(&given(name).unwrap_or(who.name), 120),
    );
    let (Some(email), Some(name)) = (email, name) else {
        return Err(inv.into());
    };
    let email = email.as_str().to_lowercase();
    if users::find_by_email(&mut tx, &email).await?.is_some() {
        return Err(Invalid::field(
            "email",
            format!("{email} already has an account: edit it under Users instead"),
        )
        .into());
    }
    if let Some(link) = crate::accounts::link_of_role(kind.role())
        && kind != InviteKind::Client
        && !users::linked_to(&mut tx, link, record_id).await?.is_empty()
    {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-invite-has-account",
            "This {what} already has an account.",
            what = kind.entity()
        )));
    }
    if flooded(&mut tx, &email, now).await? {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-too-many-links",
            "Too many links went to {email} in the last hour; try again later.",
            email = email
        )));
    }
    let role = kind.role();
    let payload = serde_json::to_value(InvitePayload {
        role: role.as_str().to_owned(),
        record_id,
        name: name.clone(),
    })
    .map_err(|e| AppError::refused(format!("the invitation could not be written: {e}")))?;
    let (id, secret) = issue(
        &mut tx,
        Purpose::Invite,
        &email,
        None,
        None,
        &payload,
        INVITE_TTL_MS,
        now,
    )
    .await?;
    let ctx = json!({
        "recipient_name": name,
        "invited_by": caller.name,
        "role": role.label(),
        "invite_url": link(app, Purpose::Invite, &secret),
        "expires": zone(&who.time_zone).display(now + INVITE_TTL_MS),
    });
    send(
        &mut tx,
        "account_invite",
        &email,
        &ctx,
        "account_token",
        id,
        &format!("account-token-{id}"),
        now,
    )
    .await?;
    let invitation = Invitation {
        id,
        email,
        name,
        role,
        record_id,
        expires_at: now + INVITE_TTL_MS,
    };
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "user.invited",
        (kind.entity(), record_id),
        None,
        Some(&invitation),
    )
    .await?;
    tx.commit().await?;
    Ok(invitation)
}

/// Follows an invitation: creates the account (role and link from the invitation, the password
/// chosen now, the record's time zone), signs in, and retires the address's other invitations.
/// Works once; refused when the record was archived or the address got an account meanwhile.
pub async fn accept_invitation(app: &App, secret: &str, password: &str) -> Result<Login, AppError> {
    check_new_password(password)?;
    let hash = hash_password(password.to_owned()).await?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let t = use_link(&mut tx, Purpose::Invite, secret, now).await?;
    let p: InvitePayload = serde_json::from_str(&t.payload).map_err(|_| link_invalid())?;
    let role = Role::parse(&p.role).map_err(|_| link_invalid())?;
    let kind = match role {
        Role::Instructor => InviteKind::Instructor,
        Role::ClientContact => InviteKind::Client,
        Role::Learner => InviteKind::Learner,
        _ => return Err(link_invalid()),
    };
    if users::find_by_email(&mut tx, &t.email).await?.is_some() {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-account-exists",
            "This address already has an account: sign in, or use “Forgot your password?” on the sign-in page."
        )));
    }
    let who = invitee(&mut tx, kind, p.record_id).await?;
    let given = crate::accounts::Links {
        client_id: (kind == InviteKind::Client).then_some(p.record_id),
        instructor_id: (kind == InviteKind::Instructor).then_some(p.record_id),
        learner_id: (kind == InviteKind::Learner).then_some(p.record_id),
    };
    let links = crate::accounts::checked_links(&mut tx, role, given, true, None).await?;
    let user_id = users::insert(
        &mut tx,
        &users::NewUser {
            email: &t.email,
            display_name: &p.name,
            password_hash: &hash,
            role,
            client_id: links.client_id,
            instructor_id: links.instructor_id,
            learner_id: links.learner_id,
            time_zone: zone(&who.time_zone).as_str(),
        },
        now,
    )
    .await?;
    repo::retire_others(&mut tx, &t.email, Purpose::Invite, now).await?;
    let user = users::get(&mut tx, user_id).await?;
    let login = open_session(app, &mut tx, user.clone(), now).await?;
    crate::audit::record(
        &mut tx,
        &login.caller,
        now,
        "user.created",
        ("user", user_id),
        None,
        Some(&json!({ "user": user, "invitation": t.id })),
    )
    .await?;
    tx.commit().await?;
    Ok(login)
}
