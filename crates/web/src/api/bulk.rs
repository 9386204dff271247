//! Bulk enrollment over the API: a CSV checked as a whole (dry run) or applied all-or-nothing.

use super::extract::{Body, Params};
use super::operations::Operations;
use super::operations::routes;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::problem::{ApiError, Problem, ProblemField};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use trainyard_app::bulk_enrollment::{self as bulk, Report, RowOutcome};

pub fn api() -> Operations {
    Operations::new().routes(routes!(enroll_bulk))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct BulkRequest {
    /// CSV text with a header line: `first_name,last_name,email` and optionally `session`
    /// (a reference such as `S-00012`, or a session id). At most 1000 rows.
    pub csv: String,
    /// The session for rows that name none.
    #[serde(default)]
    pub session_id: Option<i64>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BulkQuery {
    /// `true`: check every row and report what would happen; nothing changes.
    #[serde(default)]
    pub dry_run: bool,
}

/// The rows of a refused apply, as problem details.
#[derive(Serialize, utoipa::ToSchema)]
pub struct BulkProblem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// One entry per broken row: `field` is "line N".
    pub errors: Vec<ProblemField>,
    /// Every row's outcome and the counts, as for a 200 (nothing was applied).
    #[serde(flatten)]
    pub report: Report,
}

/// Enroll learners from a CSV file.
///
/// Enroll many people at once from a CSV. Each row is matched to a learner by e-mail (or a learner
/// is created — for a client contact, in their organisation) and enrolled exactly as a single
/// enrollment would be: `booked` while seats last, then `waitlisted`. With `dry_run=true` the whole
/// file runs in a transaction that is rolled back: the report predicts every row's outcome and
/// nothing changes. Without it the file is applied all-or-nothing: any broken row refuses the whole
/// file with 422 and the report, naming the broken lines. A CSV that cannot be read (an unclosed
/// quote, a bad header, too many rows) is 422 naming the line.
#[utoipa::path(post, path = "/enrollments/bulk", operation_id = "importEnrollments", tag = "enrollments", params(BulkQuery), request_body = BulkRequest,
    responses(
        (status = 200, description = "Every row's outcome (checked, or applied)", body = Report),
        (status = 403, body = Problem),
        (status = 404, description = "The session for rows without one does not exist", body = Problem),
        (status = 422, description = "Some rows are broken (nothing was applied), or the CSV cannot be read", body = BulkProblem)
    ))]
async fn enroll_bulk(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Params(q): Params<BulkQuery>,
    Body(b): Body<BulkRequest>,
) -> Result<Response, ApiError> {
    let report = bulk::run_csv(&s.app, &c, &b.csv, b.session_id, !q.dry_run).await?;
    if report.dry_run || report.applied {
        return Ok((StatusCode::OK, Json(report)).into_response());
    }
    let errors = report
        .rows
        .iter()
        .filter(|r| r.outcome == bulk::Outcome::Error)
        .map(|r: &RowOutcome| ProblemField {
            field: format!("line {}", r.line),
            message: r.message.clone(),
        })
        .collect();
    let body = BulkProblem {
        kind: "https://trainyard.dev/problems/validation".into(),
        title: "Invalid input".into(),
        status: StatusCode::UNPROCESSABLE_ENTITY.as_u16(),
        detail: format!(
            "{} cannot be enrolled; nothing was applied. Fix or remove the broken rows and send the file again.",
            report.broken_lines()
        ),
        errors,
        report,
    };
    let mut r = (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    Ok(r)
}
