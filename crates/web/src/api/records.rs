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

/// Common list parameters (each list also takes its own filters, named in its description).
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ListDoc {
    /// Free-text search.
    q: Option<String>,
    /// `true` to list archived records instead of active ones.
    archived: Option<bool>,
    /// Sort key (see the list's description).
    sort: Option<String>,
    /// `asc` or `desc`.
    dir: Option<String>,
    /// Page number, from 1.
    page: Option<i64>,
    /// Rows per page, at most 10000 (default 50).
    per_page: Option<i64>,
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
#[utoipa::path(get, path = "/me", tag = "account", responses((status = 200, body = Me), (status = 401, body = Problem)))]
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
#[utoipa::path(get, path = "/history/{entity}/{id}", tag = "audit",
    params(("entity" = String, Path, description = "course, session, instructor, venue, resource, client, program, learner, user"), ("id" = i64, Path)),
    responses((status = 200, body = Vec<trainyard_app::store::audit::AuditEvent>), (status = 403, body = Problem)))]
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
     $coll:literal, $item:literal, $restore:literal, $tag:literal, $filters_doc:literal) => {
        pub mod $module {
            use super::*;
            use crate::api::bodies::$module as body;
            use $uc as uc;

            #[doc = $filters_doc]
            #[utoipa::path(get, path = $coll, tag = $tag, params(ListDoc),
                responses((status = 200, body = body::Page), (status = 400, body = Problem), (status = 403, body = Problem)))]
            pub async fn list(
                State(s): State<AppState>,
                ApiCaller(c): ApiCaller,
                Params(f): Params<$filter>,
            ) -> Result<Json<trainyard_app::store::Page<$record>>, ApiError> {
                Ok(Json(uc::list(&s.app, &c, &f).await?))
            }

            /// Create a record. Send an `Idempotency-Key` header to make a retry safe.
            #[utoipa::path(post, path = $coll, tag = $tag, request_body = body::Create,
                params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried POST return the first response instead of creating twice")),
                responses((status = 201, body = $record), (status = 409, body = Problem), (status = 422, body = Problem), (status = 403, body = Problem)))]
            pub async fn create(
                State(s): State<AppState>,
                ApiCaller(c): ApiCaller,
                Body(b): Body<body::Create>,
            ) -> Result<(StatusCode, Json<$record>), ApiError> {
                let f: $fields = b.into_fields().map_err(trainyard_app::AppError::from)?;
                Ok((StatusCode::CREATED, Json(uc::create(&s.app, &c, &f).await?)))
            }

            #[utoipa::path(get, path = $item, tag = $tag, params(("id" = i64, Path)),
                responses((status = 200, body = $get_out), (status = 404, body = Problem), (status = 403, body = Problem)))]
            pub async fn get(State(s): State<AppState>, ApiCaller(c): ApiCaller, Id(id): Id) -> Result<Json<$get_out>, ApiError> {
                Ok(Json(uc::get(&s.app, &c, id).await?))
            }

            /// Replace the record's fields. `version` must be the version you read; otherwise 409.
            #[utoipa::path(put, path = $item, tag = $tag, params(("id" = i64, Path)), request_body = body::Update,
                responses((status = 200, body = $record), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
            pub async fn update(
                State(s): State<AppState>,
                ApiCaller(c): ApiCaller,
                Id(id): Id,
                Body(v): Body<Versioned<body::Create>>,
            ) -> Result<Json<$record>, ApiError> {
                let f: $fields = v.fields.into_fields().map_err(trainyard_app::AppError::from)?;
                Ok(Json(uc::update(&s.app, &c, id, v.version, &f).await?))
            }

            /// Change some of the record's fields: a JSON Merge Patch (RFC 7396) with the `version` you read (otherwise 409).
            #[utoipa::path(patch, path = $item, tag = $tag, params(("id" = i64, Path)),
                request_body(content((body::Patch = "application/merge-patch+json"), (body::Patch = "application/json"))),
                responses((status = 200, body = $record), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
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

            /// Archive the record: it leaves lists and choosers but keeps its history.
            #[utoipa::path(delete, path = $item, tag = $tag, params(("id" = i64, Path), VersionParam),
                responses((status = 200, body = $record), (status = 404, body = Problem), (status = 409, body = Problem)))]
            pub async fn archive(
                State(s): State<AppState>,
                ApiCaller(c): ApiCaller,
                Id(id): Id,
                Params(v): Params<VersionParam>,
            ) -> Result<Json<$record>, ApiError> {
                Ok(Json(uc::set_archived(&s.app, &c, id, v.version, true).await?))
            }

            /// Restore an archived record.
            #[utoipa::path(post, path = $restore, tag = $tag, params(("id" = i64, Path), VersionParam),
                responses((status = 200, body = $record), (status = 404, body = Problem), (status = 409, body = Problem)))]
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
    "List courses. Filters: `mode` (ilt, vilt, blended). Sort: code, title, days, price, max. `day_rate` and `material_cost` are finance data, left out for roles other than finance, managers and admins."
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
    "List venues. Sort: code, name, city, country."
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
    "List rooms, equipment, platform licences and materials. Filters: `kind`, `venue_id`. Sort: code, name, kind, seats, quantity."
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
    "List instructors. Filters: `employment_type`, `skill`, `home_venue_id`. Sort: name, email, type, day_rate (finance, managers and admins only). `day_rate` and `hour_rate` are finance data, left out for other roles."
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
    "List clients. Sort: name, code."
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
    "List programs (a client's contracted series of sessions). Filters: `client_id`. Sort: name, client, starts, ends, budget (finance, managers and admins only; `budget` is finance data, left out for other roles). `GET /programs/{id}` adds the session counts and the first sessions; all of a program's sessions are `GET /sessions?program_id={id}`."
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
    "List learners. A client contact sees only their own client's people. Filters: `client_id`. Sort: name, email, client."
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
    "List sessions. Filters: `status`, `mode`, `visibility`, `course_id`, `client_id`, `venue_id`, `program_id`, `from` and `to` (YYYY-MM-DD, inclusive, in your time zone). Sort: starts, course, status, booked, capacity, reference."
);

/// A lifecycle action on a session.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct TransitionRequest {
    pub event: trainyard_core::status::SessionEvent,
    /// The version of the session this action is based on.
    pub version: i64,
}

pub mod lifecycle {
    use super::*;

    /// Move a session along its lifecycle. A move the state machine does not allow is 409 with the reason.
    #[utoipa::path(post, path = "/sessions/{id}/transition", tag = "sessions", params(("id" = i64, Path)), request_body = TransitionRequest,
        responses((status = 200, body = st::sessions::Session), (status = 409, body = Problem), (status = 422, body = Problem)))]
    pub async fn transition(
        State(s): State<AppState>,
        ApiCaller(c): ApiCaller,
        Id(id): Id,
        Body(t): Body<TransitionRequest>,
    ) -> Result<Json<st::sessions::Session>, ApiError> {
        Ok(Json(
            trainyard_app::schedule::sessions::transition(&s.app, &c, id, t.version, t.event)
                .await?,
        ))
    }
}
