//! Operations reports: the KPIs of a period beside a comparison period, as JSON or CSV, and the
//! admin minutes logged against a session.

use super::extract::{Body, Id, Params};
use super::operations::{Operations, routes};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::problem::{ApiError, Problem};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use trainyard_app::reporting::{self, AdminTimeFields, KpiReport, ReportQuery};
use trainyard_app::store::kpi::AdminTime;

pub fn api() -> Operations {
    Operations::new()
        .routes(routes!(get_kpis))
        .routes(routes!(get_morning_lists))
        .routes(routes!(list_satisfaction_sessions))
        .routes(routes!(log_admin_time))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportFormat {
    /// `json` (default) or `csv`: one line per KPI, then one per cancellation reason.
    #[serde(default)]
    #[param(value_type = Option<ReportFormatName>)]
    format: String,
}

impl ReportFormat {
    /// Whether CSV was asked for; an unknown format is a 400 naming it.
    pub fn is_csv(&self) -> Result<bool, trainyard_app::AppError> {
        match self.format.trim() {
            "" | "json" => Ok(false),
            "csv" => Ok(true),
            other => Err(trainyard_app::AppError::BadParameter {
                name: "format",
                message: format!(
                    "'{}' is not a format (one of: json, csv)",
                    other.chars().take(20).collect::<String>()
                ),
            }),
        }
    }
}

/// The answer's format. Only its schema is used: the parameter carries the text.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
#[schema(rename_all = "lowercase")]
pub enum ReportFormatName {
    Json,
    Csv,
}

/// Operations KPIs.
///
/// Every KPI of the period (days in your time zone) beside the comparison period, with its
/// definition, as numerator and denominator: a KPI without data has `value: null`, never 0.
/// A session counts in the period in which it starts; teaching and available hours count by the
/// hour inside the period. Client contacts see their own client's figures, instructors their own
/// utilization; cost per learner and profitability (arriving with finance) only finance,
/// managers and admins. `format=csv` answers the same figures as CSV.
#[utoipa::path(get, path = "/reports/kpis", operation_id = "getKpis", tag = "reports", params(ReportQuery, ReportFormat),
    responses((status = 200, description = "The KPIs of the period and the comparison period",
        content((KpiReport = "application/json"), (String = "text/csv"))),
        (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn get_kpis(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Params(q): Params<ReportQuery>,
    Params(f): Params<ReportFormat>,
) -> Result<Response, ApiError> {
    let csv = match f.format.trim() {
        "" | "json" => false,
        "csv" => true,
        other => {
            return Err(trainyard_app::AppError::BadParameter {
                name: "format",
                message: format!(
                    "'{}' is not a format (one of: json, csv)",
                    other.chars().take(20).collect::<String>()
                ),
            }
            .into());
        }
    };
    let report: KpiReport = reporting::kpis(&s.app, &c, &q).await?;
    Ok(if csv {
        crate::views::csv_download(
            &format!("kpis-{}-{}.csv", report.period.from, report.period.until),
            reporting::csv(&report),
        )
    } else {
        Json(report).into_response()
    })
}

/// Client satisfaction's answered surveys.
///
/// The drill-down of the client satisfaction KPI: the sessions starting in the period (same
/// period and filters as `getKpis`) whose feedback surveys someone answered, each with its
/// operations ratings (sum over number) and mean; `total` is the KPI's figure. Staff see all,
/// client contacts their client's sessions, instructors the sessions they teach.
#[utoipa::path(get, path = "/reports/satisfaction", operation_id = "listSatisfactionSessions", tag = "reports", params(ReportQuery),
    responses((status = 200, description = "The sessions with answered surveys", body = trainyard_app::satisfaction::SatisfactionList),
        (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn list_satisfaction_sessions(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Params(q): Params<ReportQuery>,
) -> Result<Json<trainyard_app::satisfaction::SatisfactionList>, ApiError> {
    Ok(Json(
        trainyard_app::satisfaction::answered(&s.app, &c, &q).await?,
    ))
}

/// Minutes of admin work to log against a session.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct AdminTimeRequest {
    /// Whole minutes, 1 to 1440.
    pub minutes: i64,
    /// What the time went on.
    #[serde(default)]
    pub note: Option<String>,
}

/// Log admin time on a session.
///
/// Records minutes of administration spent on a session (calls, chasing, re-planning) for the
/// "admin minutes per session" KPI. Operations staff only; audited.
#[utoipa::path(post, path = "/sessions/{id}/admin-time", operation_id = "logAdminTime", tag = "reports", params(("id" = i64, Path)), request_body = AdminTimeRequest,
    responses((status = 201, description = "The logged time", body = AdminTime), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn log_admin_time(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<AdminTimeRequest>,
) -> Result<(StatusCode, Json<AdminTime>), ApiError> {
    let fields = AdminTimeFields {
        minutes: b.minutes.to_string(),
        note: b.note.unwrap_or_default(),
    };
    let t = reporting::log_admin_time(&s.app, &c, id, &fields).await?;
    Ok((StatusCode::CREATED, Json(t)))
}

/// Morning lists.
///
/// What ops teams look at first thing: sessions of today and the next 7 days (in your time zone)
/// with open problems (instructor not confirmed, no room, below the course minimum, joining
/// instructions due and not sent, an instructor on time off, compliance items past their
/// deadline), instructors over or under the target utilization over the same days,
/// and — for finance, managers and admins only — clients whose admin effort over the last 90 days
/// is out of proportion to their revenue. Staff only. `format=csv` answers the same rows as CSV.
#[utoipa::path(get, path = "/reports/morning", operation_id = "getMorningLists", tag = "reports", params(trainyard_app::morning::MorningQuery, ReportFormat),
    responses((status = 200, description = "The three lists",
        content((trainyard_app::morning::MorningLists = "application/json"), (String = "text/csv"))),
        (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn get_morning_lists(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Params(q): Params<trainyard_app::morning::MorningQuery>,
    Params(f): Params<ReportFormat>,
) -> Result<Response, ApiError> {
    let csv = f.is_csv()?;
    let tz = trainyard_core::TimeZoneName::parse_or_utc(&c.time_zone);
    let today = tz.local(trainyard_core::time::now_ms()).date_naive();
    let m = trainyard_app::morning::morning_lists(&s.app, &c, today, &q).await?;
    Ok(if csv {
        crate::views::csv_download(
            &format!("morning-{today}.csv"),
            trainyard_app::morning::csv(&m),
        )
    } else {
        Json(m).into_response()
    })
}
