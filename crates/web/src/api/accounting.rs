//! The accounting export of a period's issued invoices and credit notes, JSON or CSV.

use super::extract::Params;
use super::operations::{Operations, routes};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::problem::{ApiError, Problem};
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use trainyard_app::accounting_export::{self as uc, AccountingExport};

pub fn api() -> Operations {
    Operations::new().routes(routes!(export_invoices))
}

/// The period and the format of an export.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// First issue day, `YYYY-MM-DD`.
    #[serde(default)]
    #[param(value_type = String, format = Date, required = true)]
    pub from: String,
    /// Last issue day, `YYYY-MM-DD` (inclusive).
    #[serde(default)]
    #[param(value_type = String, format = Date, required = true)]
    pub to: String,
    /// `json` (the default) or `csv`.
    #[serde(default)]
    #[param(value_type = Option<super::reports::ReportFormatName>)]
    pub format: String,
}

/// Export the invoices and credit notes issued in a period, for accounting.
///
/// CSV: one row per line with the columns `document_type, number, issued_on, due_on, status,
/// client_code, client_name, credits_number, currency, line, description, quantity, unit_price,
/// net, tax_rate, tax, gross, document_net, document_tax, document_gross`; amounts are plain
/// decimals (negative on credit notes), `tax_rate` is a percent, and a document's line taxes sum
/// exactly to its tax. Finance, managers and admins.
#[utoipa::path(get, path = "/invoices/export", operation_id = "exportInvoices", tag = "invoices", params(ExportQuery),
    responses((status = 200, description = "The period's issued documents",
        content((AccountingExport = "application/json"), (String = "text/csv"))),
        (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn export_invoices(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Params(q): Params<ExportQuery>,
) -> Result<Response, ApiError> {
    let export = uc::export(&s.app, &c, &q.from, &q.to).await?;
    Ok(download(&export, format_is_csv(&q.format)?))
}

/// `json` or `csv`; anything else is a 400 naming the choices.
pub fn format_is_csv(raw: &str) -> Result<bool, trainyard_app::AppError> {
    match raw.trim() {
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

/// The export as a CSV download or JSON.
pub fn download(export: &AccountingExport, csv: bool) -> Response {
    if csv {
        crate::views::csv_download(
            &format!("invoices-{}-{}.csv", export.from, export.to),
            uc::csv(export),
        )
    } else {
        Json(export).into_response()
    }
}
