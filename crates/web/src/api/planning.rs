//! The auto-scheduler over the API: planning windows, runs (create, progress and proposal),
//! accepting proposals, repairs.

use super::extract::{Body, Id};
use super::operations::Operations;
use super::operations::routes;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::problem::{ApiError, Problem};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use trainyard_app::planning::{
    self, AcceptReport, NoticePeriod, PlanScope, RepairTrigger, RunDetail, RunOptions, Selection,
    WindowFields,
};
use trainyard_app::store::planning::{PlanningWindow, Run};

pub fn api() -> Operations {
    Operations::new()
        .routes(routes!(list, create))
        .routes(routes!(get))
        .routes(routes!(accept))
        .routes(routes!(repair))
        .routes(routes!(set_window, clear_window))
}

/// How long the planner searches.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct Search {
    /// Time limit in seconds (1–600, default 10).
    pub seconds: Option<u64>,
    /// Seed of the search (default 1): the same seed and budget give the same plan.
    pub seed: Option<u64>,
    /// An iteration budget per search thread, besides the time limit.
    pub max_iterations: Option<u64>,
    /// Search threads: 0 = one per core (at most 2), 1 or 2.
    pub threads: Option<usize>,
}

impl Search {
    fn options(&self) -> RunOptions {
        let d = RunOptions::default();
        RunOptions {
            seconds: self.seconds.unwrap_or(d.seconds),
            seed: self.seed.unwrap_or(d.seed),
            max_iterations: self.max_iterations,
            threads: self.threads.unwrap_or(d.threads),
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CreateRun {
    #[serde(flatten)]
    pub scope: PlanScope,
    #[serde(flatten)]
    pub search: Search,
}

/// Start a planner run.
///
/// Plan the draft sessions that have a planning window, narrowed by program, period
/// (`from`/`until`, the window must touch it) or `session_ids`. Answers 202 at once with the
/// queued run; poll `GET /plan-runs/{id}` for progress and, once `done`, the proposal.
#[utoipa::path(post, path = "/plan-runs", operation_id = "createPlanRun", tag = "planning", request_body = CreateRun,
    responses((status = 202, description = "The queued run; poll it for progress", body = Run), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Body(b): Body<CreateRun>,
) -> Result<(StatusCode, Json<Run>), ApiError> {
    Ok((
        StatusCode::ACCEPTED,
        Json(planning::start_run(&s.app, &c, &b.scope, b.search.options()).await?),
    ))
}

/// The latest planner runs, newest first.
#[utoipa::path(get, path = "/plan-runs", operation_id = "listPlanRuns", tag = "planning",
    responses((status = 200, description = "The runs, newest first", body = Vec<Run>), (status = 403, body = Problem)))]
async fn list(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> Result<Json<Vec<Run>>, ApiError> {
    Ok(Json(planning::list(&s.app, &c).await?))
}

/// A planner run.
///
/// A run: status, progress (0–100), best cost so far and, once done, the cost breakdown (each
/// soft objective raw, weighted and as a penalty), the proposal per session (`placed` with its
/// instructor, parts and room; `unplaced` with the reasons; `unchanged` for a repair).
#[utoipa::path(get, path = "/plan-runs/{id}", operation_id = "getPlanRun", tag = "planning", params(("id" = i64, Path)),
    responses((status = 200, description = "The run with its progress and, once done, its proposal", body = RunDetail), (status = 404, body = Problem)))]
async fn get(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<RunDetail>, ApiError> {
    Ok(Json(planning::get(&s.app, &c, id).await?))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct AcceptRequest {
    /// Accept every placed session not yet accepted.
    pub all: bool,
    /// Or only these sessions.
    pub session_ids: Vec<i64>,
}

/// Accept a planner proposal.
///
/// Accept a finished run's proposals, each session in its own transaction: its parts move, a
/// draft becomes scheduled, the instructor is proposed and the room booked tentatively. A session
/// the world has overtaken since the run (a new conflict, an edit) is refused with the reason;
/// the report lists each session.
#[utoipa::path(post, path = "/plan-runs/{id}/accept", operation_id = "acceptPlanRun", tag = "planning", params(("id" = i64, Path)), request_body = AcceptRequest,
    responses((status = 200, description = "What happened to each session", body = AcceptReport), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn accept(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<AcceptRequest>,
) -> Result<Json<AcceptReport>, ApiError> {
    let selection = if b.all {
        Selection::All
    } else if b.session_ids.is_empty() {
        return Err(
            trainyard_app::AppError::Invalid(trainyard_core::Invalid::field(
                "session_ids",
                "name the sessions to accept, or send \"all\": true",
            ))
            .into(),
        );
    } else {
        Selection::Sessions(b.session_ids)
    };
    Ok(Json(planning::accept(&s.app, &c, id, selection).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RepairRequest {
    pub trigger: RepairTrigger,
    /// Sessions starting within `notice_days` keep their days and times unless
    /// `allow_moves_within_notice` is true.
    #[serde(flatten)]
    pub notice: NoticePeriod,
    #[serde(flatten)]
    pub search: Search,
}

/// Repair the schedule around an absence.
///
/// An instructor drops out or a room closes for some days: the absence is recorded and a repair
/// run proposes the smallest set of changes to the scheduled and confirmed sessions it hits.
/// Moving a session or changing its instructor costs in proportion to the people already told
/// of it (booked learners, the client's contact, its instructors); a session starting within the
/// notice period (`notice_days`, default 14) keeps its days and times unless
/// `allow_moves_within_notice` is true, and is left unresolved with the reason when nobody can
/// take it then. Each proposal's `notices` say who would be told what.
#[utoipa::path(post, path = "/plan-runs/repair", operation_id = "repairSchedule", tag = "planning", request_body = RepairRequest,
    responses((status = 202, description = "The queued repair run", body = Run), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn repair(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Body(b): Body<RepairRequest>,
) -> Result<(StatusCode, Json<Run>), ApiError> {
    Ok((
        StatusCode::ACCEPTED,
        Json(planning::repair(&s.app, &c, &b.trigger, b.notice, b.search.options()).await?),
    ))
}

/// Set the planning window of a draft session (the days its parts may fall between).
#[utoipa::path(put, path = "/sessions/{id}/planning-window", operation_id = "replacePlanningWindow", tag = "planning", params(("id" = i64, Path)), request_body = WindowFields,
    responses((status = 200, description = "The planning window", body = PlanningWindow), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn set_window(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<WindowFields>,
) -> Result<Json<PlanningWindow>, ApiError> {
    Ok(Json(planning::set_window(&s.app, &c, id, &b).await?))
}

/// Take a session out of automatic planning.
#[utoipa::path(delete, path = "/sessions/{id}/planning-window", operation_id = "deletePlanningWindow", tag = "planning", params(("id" = i64, Path)),
    responses((status = 204, description = "Removed"), (status = 404, body = Problem)))]
async fn clear_window(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    planning::clear_window(&s.app, &c, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
