//! User administration (administrators only), invitations from an instructor's, client's or
//! learner's record, and an instructor's own assignments.

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
use trainyard_app::account_links::{self, Invitation, InviteKind};
use trainyard_app::accounts::{self, NewAccount, UserChanges};
use trainyard_app::portal::{self, MyAssignment};
use trainyard_app::store::Page;
use trainyard_app::store::users::User;
use trainyard_app::{AppError, Caller};
use trainyard_core::{Invalid, Role};

pub fn api() -> Operations {
    Operations::new()
        .routes(routes!(list, create))
        .routes(routes!(get, replace))
        .routes(routes!(deactivate))
        .routes(routes!(reactivate))
        .routes(routes!(password_reset))
        .routes(routes!(invite_instructor))
        .routes(routes!(invite_client_contact))
        .routes(routes!(invite_learner))
        .routes(routes!(my_assignments))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListParams {
    /// Page number, from 1.
    #[serde(default)]
    pub page: Option<i64>,
}

/// A user as an administrator writes it. The role decides the link: an `instructor` needs
/// `instructor_id`, a `client_contact` `client_id`, a `learner` `learner_id` (links of other
/// roles are dropped; a learner's client is the learner record's).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct UserBody {
    pub email: String,
    pub display_name: String,
    /// admin, manager, coordinator, finance, instructor, client_contact or learner.
    pub role: String,
    /// IANA name, e.g. `Europe/Berlin`.
    pub time_zone: String,
    #[serde(default)]
    pub client_id: Option<i64>,
    #[serde(default)]
    pub instructor_id: Option<i64>,
    #[serde(default)]
    pub learner_id: Option<i64>,
    /// The language of their pages, a BCP 47 tag such as `de` or `en-GB`; absent or null:
    /// their browser's, else the company's.
    #[serde(default)]
    pub language: Option<String>,
}

/// A new user: the fields, and optionally a first password. Without one the user is e-mailed a
/// link (valid 48 hours) to choose their own.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewUserBody {
    #[serde(flatten)]
    pub user: UserBody,
    #[serde(default)]
    pub password: Option<String>,
}

/// The edit shape: the fields plus the `version` that was read.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct UserEdit {
    #[serde(flatten)]
    pub user: UserBody,
    /// The version of the user this edit is based on.
    pub version: i64,
}

/// The version of the user being deactivated or reactivated.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct UserVersion {
    pub version: i64,
}

fn role(raw: &str) -> Result<Role, AppError> {
    Role::parse(raw).map_err(|e| AppError::Invalid(Invalid::field("role", e.to_string())))
}

/// List users (administrators).
///
/// Every account, staff first, by role and e-mail; deactivated ones carry `archived_at`.
#[utoipa::path(get, path = "/users", operation_id = "listUsers", tag = "users", params(UserListParams),
    responses((status = 200, description = "One page of users", body = super::bodies::UserPage), (status = 403, body = Problem)))]
async fn list(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Params(p): Params<UserListParams>,
) -> Result<Json<Page<User>>, ApiError> {
    Ok(Json(
        accounts::list_users(&s.app, &c, p.page.unwrap_or(1).max(1)).await?,
    ))
}

/// Create a user (administrators).
///
/// Without `password` the user is e-mailed a link to choose one. Send an `Idempotency-Key` header
/// to make a retry safe.
#[utoipa::path(post, path = "/users", operation_id = "createUser", tag = "users", request_body = NewUserBody,
    responses((status = 201, description = "Created", body = User), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Body(b): Body<NewUserBody>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(create_user(&s, &c, b.user, b.password).await?),
    ))
}

/// The one way both the API and the admin form create a user: with the password given, or a
/// random one and an e-mailed link to choose their own.
pub(crate) async fn create_user(
    s: &AppState,
    c: &Caller,
    b: UserBody,
    password: Option<String>,
) -> Result<User, AppError> {
    c.require(c.role.can_administer(), "create user accounts")?;
    let password = password.filter(|p| !p.is_empty());
    let welcome = password.is_none();
    let password = match password {
        Some(p) => p,
        None => accounts::new_secret()?,
    };
    let user = accounts::create_user_speaking(
        &s.app,
        c,
        NewAccount {
            email: b.email,
            display_name: b.display_name,
            password,
            role: role(&b.role)?,
            client_id: b.client_id,
            instructor_id: b.instructor_id,
            learner_id: b.learner_id,
            time_zone: b.time_zone,
        },
        b.language.as_deref().unwrap_or_default(),
    )
    .await?;
    if welcome {
        account_links::send_password_link(&s.app, c, user.id, true).await?;
    }
    Ok(user)
}

/// Get a user (administrators).
#[utoipa::path(get, path = "/users/{id}", operation_id = "getUser", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, description = "The user", body = User), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<User>, ApiError> {
    Ok(Json(accounts::get_user(&s.app, &c, id).await?))
}

/// Replace a user (administrators).
///
/// Name, e-mail, role, time zone, language and link. `version` must be the version you read; otherwise
/// 409. The password is not set here: send a reset link.
#[utoipa::path(put, path = "/users/{id}", operation_id = "replaceUser", tag = "users", params(("id" = i64, Path)), request_body = UserEdit,
    responses((status = 200, description = "The user as saved, with its new version", body = User), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn replace(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<UserEdit>,
) -> Result<Json<User>, ApiError> {
    c.require(c.role.can_administer(), "change user accounts")?;
    let u = b.user;
    let changes = UserChanges {
        email: u.email,
        display_name: u.display_name,
        role: role(&u.role)?,
        time_zone: u.time_zone,
        client_id: u.client_id,
        instructor_id: u.instructor_id,
        learner_id: u.learner_id,
        language: u.language.unwrap_or_default(),
    };
    Ok(Json(
        accounts::update_user(&s.app, &c, id, b.version, changes).await?,
    ))
}

/// Deactivate a user (administrators).
///
/// They can no longer sign in; every login session of theirs ends and every API token is
/// revoked at once. `version` must be the version you read; otherwise 409.
#[utoipa::path(post, path = "/users/{id}/deactivate", operation_id = "deactivateUser", tag = "users", params(("id" = i64, Path)), request_body = UserVersion,
    responses((status = 200, description = "The user, deactivated", body = User), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn deactivate(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<UserVersion>,
) -> Result<Json<User>, ApiError> {
    Ok(Json(
        accounts::set_user_active(&s.app, &c, id, b.version, false).await?,
    ))
}

/// Reactivate a user (administrators).
///
/// They sign in again with their password; revoked API tokens stay revoked.
#[utoipa::path(post, path = "/users/{id}/reactivate", operation_id = "reactivateUser", tag = "users", params(("id" = i64, Path)), request_body = UserVersion,
    responses((status = 200, description = "The user, active again", body = User), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn reactivate(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<UserVersion>,
) -> Result<Json<User>, ApiError> {
    Ok(Json(
        accounts::set_user_active(&s.app, &c, id, b.version, true).await?,
    ))
}

/// Send a password reset link (administrators).
///
/// E-mails the user a single-use link (one hour) to set a new password.
#[utoipa::path(post, path = "/users/{id}/password-reset", operation_id = "sendPasswordReset", tag = "users", params(("id" = i64, Path)),
    responses((status = 202, description = "The link is on its way"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn password_reset(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    account_links::send_password_link(&s.app, &c, id, false).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Whom an invitation goes to; both default to the record's own (a client's contact must be
/// named).
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct InvitationRequest {
    pub email: Option<String>,
    pub name: Option<String>,
}

async fn invite(
    s: &AppState,
    c: &Caller,
    kind: InviteKind,
    id: i64,
    b: InvitationRequest,
) -> Result<(StatusCode, Json<Invitation>), ApiError> {
    let inv =
        account_links::invite(&s.app, c, kind, id, b.email.as_deref(), b.name.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(inv)))
}

/// Invite an instructor to Trainyard (administrators).
///
/// E-mails a single-use sign-up link (48 hours); following it the instructor chooses a password
/// and gets an instructor account linked to this record.
#[utoipa::path(post, path = "/instructors/{id}/invitation", operation_id = "inviteInstructor", tag = "users", params(("id" = i64, Path)), request_body = InvitationRequest,
    responses((status = 201, description = "The invitation sent", body = Invitation), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn invite_instructor(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<InvitationRequest>,
) -> Result<(StatusCode, Json<Invitation>), ApiError> {
    invite(&s, &c, InviteKind::Instructor, id, b).await
}

/// Invite a client's contact to Trainyard (administrators).
///
/// E-mails a single-use sign-up link (48 hours) to `email`; following it the contact chooses a
/// password and gets a client contact account for this client.
#[utoipa::path(post, path = "/clients/{id}/invitation", operation_id = "inviteClientContact", tag = "users", params(("id" = i64, Path)), request_body = InvitationRequest,
    responses((status = 201, description = "The invitation sent", body = Invitation), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn invite_client_contact(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<InvitationRequest>,
) -> Result<(StatusCode, Json<Invitation>), ApiError> {
    invite(&s, &c, InviteKind::Client, id, b).await
}

/// Invite a learner to Trainyard (administrators).
///
/// E-mails a single-use sign-up link (48 hours); following it the learner chooses a password and
/// gets a learner account linked to this record.
#[utoipa::path(post, path = "/learners/{id}/invitation", operation_id = "inviteLearner", tag = "users", params(("id" = i64, Path)), request_body = InvitationRequest,
    responses((status = 201, description = "The invitation sent", body = Invitation), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn invite_learner(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<InvitationRequest>,
) -> Result<(StatusCode, Json<Invitation>), ApiError> {
    invite(&s, &c, InviteKind::Learner, id, b).await
}

/// List my assignments (instructors).
///
/// The caller's own assignments from 30 days back: session, status, each day in the
/// instructor's own time zone, venue and address or joining link, and the learners once the
/// assignment is confirmed. Answer a request with `POST /assignments/{id}/actions` (declining
/// takes a reason in `override_reason`).
#[utoipa::path(get, path = "/me/assignments", operation_id = "listMyAssignments", tag = "account",
    responses((status = 200, description = "The caller's assignments, soonest first", body = Vec<MyAssignment>), (status = 403, body = Problem)))]
async fn my_assignments(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> Result<Json<Vec<MyAssignment>>, ApiError> {
    Ok(Json(portal::my_work(&s.app, &c).await?))
}
