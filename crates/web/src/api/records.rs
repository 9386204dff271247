//! CRUD endpoints for the core records, generated from one pattern so that every record behaves
//! the same: list (filters, sorting, paging), create (201), read, replace with the version read
//! (409 when stale), archive (DELETE with `?version=`) and restore.

use super::bodies::{Versioned, WriteBody};
use super::extract::{Body, Id, Params};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::problem::{ApiError, Problem};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VersionParam {
    /// The version of the record being archived or restored.
    pub version: i64,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Me {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: trainyard_core::Role,
    pub client_id: Option<i64>,
    pub instructor_id: Option<i64>,
    pub learner_id: Option<i64>,
    pub time_zone: String,
}

/// Who the token belongs to.
#[utoipa::path(get, path = "/me", operation_id = "getCurrentUser", tag = "account", responses((status = 200, description = "The token's user", body = Me), (status = 401, body = Problem)))]
pub async fn me(ApiCaller(c): ApiCaller) -> Json<Me> {
    Json(Me {
        id: c.user_id,
        email: c.email,
        name: c.name,
        role: c.role,
        client_id: c.client_id,
        instructor_id: c.instructor_id,
        learner_id: c.learner_id,
        time_zone: c.time_zone,
    })
}

/// The change history of one record, newest first (staff only).
#[utoipa::path(get, path = "/history/{entity}/{id}", operation_id = "getRecordHistory", tag = "audit",
    params(("entity" = String, Path, description = "course, session, instructor, venue, resource, client, program, learner, user"), ("id" = i64, Path)),
    responses((status = 200, description = "The record's audit events, newest first", body = Vec<trainyard_app::store::audit::AuditEvent>), (status = 403, body = Problem)))]
pub async fn history(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    axum::extract::Path((entity, id)): axum::extract::Path<(String, i64)>,
) -> Result<Json<Vec<trainyard_app::store::audit::AuditEvent>>, ApiError> {
    Ok(Json(
        trainyard_app::history::of_record(&s.app, &c, &entity, id).await?,
    ))
}

macro_rules! record_api {
    ($module:ident, $uc:path, $record:ty, $fields:ty, $filter:ty, $get_out:ty,
     $coll:literal, $item:literal, $restore:literal, $tag:literal, $filters_doc:literal,
     $One:literal, $Many:literal, $one:literal) => {
        pub mod $module {
            use super::*;
            use crate::api::bodies::$module as body;
            use $uc as uc;

            #[utoipa::path(get, path = $coll, operation_id = concat!("list", $Many), summary = concat!("List ", $tag), description = $filters_doc, tag = $tag, params($filter),
                responses((status = 200, description = concat!("One page of ", $tag), body = body::Page), (status = 400, body = Problem), (status = 403, body = Problem)))]
            pub async fn list(
                State(s): State<AppState>,
                ApiCaller(c): ApiCaller,
                Params(f): Params<$filter>,
            ) -> Result<Json<trainyard_app::store::Page<$record>>, ApiError> {
                Ok(Json(uc::list(&s.app, &c, &f).await?))
            }

            #[utoipa::path(post, path = $coll, operation_id = concat!("create", $One), summary = concat!("Create ", $one),
                description = "Send an `Idempotency-Key` header to make a retry safe.", tag = $tag, request_body = body::Create,
                responses((status = 201, description = "Created", body = $record), (status = 409, body = Problem), (status = 422, body = Problem), (status = 403, body = Problem)))]
            pub async fn create(
                State(s): State<AppState>,
                ApiCaller(c): ApiCaller,
                Body(b): Body<body::Create>,
            ) -> Result<(StatusCode, Json<$record>), ApiError> {
                let f: $fields = b.into_fields().map_err(trainyard_app::AppError::from)?;
                Ok((StatusCode::CREATED, Json(uc::create(&s.app, &c, &f).await?)))
            }

            #[utoipa::path(get, path = $item, operation_id = concat!("get", $One), summary = concat!("Get ", $one), tag = $tag, params(("id" = i64, Path)),
                responses((status = 200, description = "The record", body = $get_out), (status = 404, body = Problem), (status = 403, body = Problem)))]
            pub async fn get(State(s): State<AppState>, ApiCaller(c): ApiCaller, Id(id): Id) -> Result<Json<$get_out>, ApiError> {
                Ok(Json(uc::get(&s.app, &c, id).await?))
            }

            #[utoipa::path(put, path = $item, operation_id = concat!("replace", $One), summary = concat!("Replace ", $one),
                description = "Replace the record's fields. `version` must be the version you read; otherwise 409.", tag = $tag, params(("id" = i64, Path)), request_body = body::Update,
                responses((status = 200, description = "The record as saved, with its new version", body = $record), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
            pub async fn update(
                State(s): State<AppState>,
                ApiCaller(c): ApiCaller,
                Id(id): Id,
                Body(v): Body<Versioned<body::Create>>,
            ) -> Result<Json<$record>, ApiError> {
                let f: $fields = v.fields.into_fields().map_err(trainyard_app::AppError::from)?;
                Ok(Json(uc::update(&s.app, &c, id, v.version, &f).await?))
            }

            #[utoipa::path(patch, path = $item, operation_id = concat!("patch", $One), summary = concat!("Change some fields of ", $one),
                description = "A JSON Merge Patch (RFC 7396) with the `version` you read (otherwise 409): members left out keep their value, `null` clears an optional one.", tag = $tag, params(("id" = i64, Path)),
                request_body(content((body::Patch = "application/merge-patch+json"), (body::Patch = "application/json"))),
                responses((status = 200, description = "The record as saved, with its new version", body = $record), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
            pub async fn patch(
                State(s): State<AppState>,
                ApiCaller(c): ApiCaller,
                Id(id): Id,
                Body(mut p): Body<serde_json::Value>,
            ) -> Result<Json<$record>, ApiError> {
                // Read first: a caller who may not see the record learns nothing from the body.
                let current = uc::get(&s.app, &c, id).await?;
                let version = crate::api::bodies::patch_version(&mut p)?;
                let f: $fields = crate::api::bodies::patched::<body::Create>(&current, p)?;
                Ok(Json(uc::update(&s.app, &c, id, version, &f).await?))
            }

            #[utoipa::path(delete, path = $item, operation_id = concat!("archive", $One), summary = concat!("Archive ", $one),
                description = "It leaves lists and choosers but keeps its history. `version` must be the version you read; otherwise 409.", tag = $tag, params(("id" = i64, Path), VersionParam),
                responses((status = 200, description = "The record, archived", body = $record), (status = 404, body = Problem), (status = 409, body = Problem)))]
            pub async fn archive(
                State(s): State<AppState>,
                ApiCaller(c): ApiCaller,
                Id(id): Id,
                Params(v): Params<VersionParam>,
            ) -> Result<Json<$record>, ApiError> {
                Ok(Json(uc::set_archived(&s.app, &c, id, v.version, true).await?))
            }

            #[utoipa::path(post, path = $restore, operation_id = concat!("restore", $One), summary = concat!("Restore ", $one),
                description = "Brings an archived record back into lists. `version` must be the version you read; otherwise 409.", tag = $tag, params(("id" = i64, Path), VersionParam),
                responses((status = 200, description = "The record, active again", body = $record), (status = 404, body = Problem), (status = 409, body = Problem)))]
            pub async fn restore(
                State(s): State<AppState>,
                ApiCaller(c): ApiCaller,
                Id(id): Id,
                Params(v): Params<VersionParam>,
            ) -> Result<Json<$record>, ApiError> {
                Ok(Json(uc::set_archived(&s.app, &c, id, v.version, false).await?))
            }
        }
    };
}

use trainyard_app::store as st;
use trainyard_core::records as rec;

record_api!(
    courses,
    trainyard_app::catalog::courses,
    st::courses::Course,
    rec::CourseFields,
    st::courses::CourseFilter,
    st::courses::Course,
    "/courses",
    "/courses/{id}",
    "/courses/{id}/restore",
    "courses",
    "List courses. Filters: `mode` (ilt, vilt, blended). Sort: code, title, days, price, max. `day_rate` and `material_cost` are finance data, left out for roles other than finance, managers and admins.",
    "Course",
    "Courses",
    "a course"
);
record_api!(
    venues,
    trainyard_app::sites::venues,
    st::venues::Venue,
    rec::VenueFields,
    st::venues::VenueFilter,
    st::venues::Venue,
    "/venues",
    "/venues/{id}",
    "/venues/{id}/restore",
    "venues",
    "List venues. Sort: code, name, city, country.",
    "Venue",
    "Venues",
    "a venue"
);
record_api!(
    resources,
    trainyard_app::sites::resources,
    st::resources::Resource,
    rec::ResourceFields,
    st::resources::ResourceFilter,
    st::resources::Resource,
    "/resources",
    "/resources/{id}",
    "/resources/{id}/restore",
    "resources",
    "List rooms, equipment, platform licences and materials. Filters: `kind`, `venue_id`. Sort: code, name, kind, seats, quantity.",
    "Resource",
    "Resources",
    "a resource"
);
record_api!(
    instructors,
    trainyard_app::people::instructors,
    st::instructors::Instructor,
    rec::InstructorFields,
    st::instructors::InstructorFilter,
    st::instructors::Instructor,
    "/instructors",
    "/instructors/{id}",
    "/instructors/{id}/restore",
    "instructors",
    "List instructors. Filters: `employment_type`, `skill`, `home_venue_id`. Sort: name, email, type, day_rate (finance, managers and admins only). `day_rate` and `hour_rate` are finance data, left out for other roles.",
    "Instructor",
    "Instructors",
    "an instructor"
);
record_api!(
    clients,
    trainyard_app::people::clients,
    st::clients::Client,
    rec::ClientFields,
    st::clients::ClientFilter,
    st::clients::Client,
    "/clients",
    "/clients/{id}",
    "/clients/{id}/restore",
    "clients",
    "List clients. Sort: name, code.",
    "Client",
    "Clients",
    "a client"
);
record_api!(
    programs,
    trainyard_app::programs,
    st::programs::Program,
    rec::ProgramFields,
    st::programs::ProgramFilter,
    trainyard_app::programs::ProgramDetail,
    "/programs",
    "/programs/{id}",
    "/programs/{id}/restore",
    "programs",
    "List programs (a client's contracted series of sessions). Filters: `client_id`. Sort: name, client, starts, ends, budget (finance, managers and admins only; `budget` is finance data, left out for other roles). `GET /programs/{id}` adds the session counts and the first sessions; all of a program's sessions are `GET /sessions?program_id={id}`.",
    "Program",
    "Programs",
    "a program"
);
record_api!(
    learners,
    trainyard_app::people::learners,
    st::learners::Learner,
    rec::LearnerFields,
    st::learners::LearnerFilter,
    st::learners::Learner,
    "/learners",
    "/learners/{id}",
    "/learners/{id}/restore",
    "learners",
    "List learners. A client contact sees only their own client's people. Filters: `client_id`. Sort: name, email, client.",
    "Learner",
    "Learners",
    "a learner"
);
record_api!(
    sessions,
    trainyard_app::schedule::sessions,
    st::sessions::Session,
    rec::SessionFields,
    st::sessions::SessionFilter,
    trainyard_app::schedule::sessions::SessionDetail,
    "/sessions",
    "/sessions/{id}",
    "/sessions/{id}/restore",
    "sessions",
    "List sessions. Filters: `status`, `mode`, `visibility`, `course_id`, `client_id`, `venue_id`, `program_id`, `from` and `to` (YYYY-MM-DD, inclusive, in your time zone). Sort: starts, course, status, booked, capacity, reference.",
    "Session",
    "Sessions",
    "a session"
);

/// A lifecycle action on a session.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct TransitionRequest {
    pub event: trainyard_core::status::SessionEvent,
    /// The version of the session this action is based on.
    pub version: i64,
    /// Why: required to cancel or postpone (reporting counts by it).
    #[serde(default)]
    pub reason: Option<trainyard_core::status::StatusReason>,
    /// The coordinator's words beside the reason; required when the reason is `other`.
    #[serde(default)]
    pub reason_note: Option<String>,
}

pub mod lifecycle {
    use super::*;

    /// Move a session along its lifecycle.
    ///
    /// Move a session along its lifecycle. A move the state machine does not allow is 409 with the reason. Cancelling and postponing need a `reason` (422 without one).
    #[utoipa::path(post, path = "/sessions/{id}/transition", operation_id = "transitionSession", tag = "sessions", params(("id" = i64, Path)), request_body = TransitionRequest,
        responses((status = 200, description = "The session after the move", body = st::sessions::Session), (status = 409, body = Problem), (status = 422, body = Problem)))]
    pub async fn transition(
        State(s): State<AppState>,
        ApiCaller(c): ApiCaller,
        Id(id): Id,
        Body(t): Body<TransitionRequest>,
    ) -> Result<Json<st::sessions::Session>, ApiError> {
        Ok(Json(
            trainyard_app::schedule::sessions::transition_because(
                &s.app,
                &c,
                id,
                t.version,
                t.event,
                &trainyard_app::schedule::sessions::Why {
                    reason: t.reason,
                    note: t.reason_note.unwrap_or_default(),
                },
            )
            .await?,
        ))
    }
}
record_api!(
    agreements,
    trainyard_app::agreements,
    st::agreements::Agreement,
    trainyard_core::pricing::AgreementFields,
    st::agreements::AgreementFilter,
    st::agreements::Agreement,
    "/agreements",
    "/agreements/{id}",
    "/agreements/{id}/restore",
    "agreements",
    "List client agreements (finance, managers and admins). Filters: `client_id`. Sort: reference, client, valid_from.",
    "Agreement",
    "Agreements",
    "an agreement"
);
