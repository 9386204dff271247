//! Certificates of completion: the staff list and record, issue by hand, revoke, the PDF, and
//! the public verification of a code (no token needed).

use super::extract::{Body, Id, Params};
use super::operations::Operations;
use super::operations::routes;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::problem::{ApiError, Problem};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use trainyard_app::AppError;
use trainyard_app::certificates::{self as uc, ExpiryReminders, Verification};
use trainyard_app::store::certificates::{Certificate, CertificateFilter};

pub fn api() -> Operations {
    Operations::new()
        .routes(routes!(list))
        .routes(routes!(get))
        .routes(routes!(issue))
        .routes(routes!(revoke))
        .routes(routes!(pdf))
        .routes(routes!(verify))
        .routes(routes!(get_reminders, save_reminders))
}

super::bodies::page_type!(CertificatePage, "CertificatePage", Certificate);

/// List certificates.
///
/// Staff see every certificate; a client contact their people's; a learner their own. Filter by
/// status (valid, expired, revoked), course, client, learner, and `expiring_before` a date (what
/// is still valid and expires by then).
#[utoipa::path(get, path = "/certificates", operation_id = "listCertificates", tag = "certificates", params(CertificateFilter),
    responses((status = 200, description = "One page of certificates", body = CertificatePage), (status = 400, body = Problem), (status = 403, body = Problem)))]
async fn list(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Params(f): Params<CertificateFilter>,
) -> Result<Json<trainyard_app::store::Page<Certificate>>, ApiError> {
    Ok(Json(uc::list(&s.app, &c, f).await?))
}

/// Get a certificate.
#[utoipa::path(get, path = "/certificates/{id}", operation_id = "getCertificate", tag = "certificates", params(("id" = i64, Path)),
    responses((status = 200, description = "The certificate", body = Certificate), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<Certificate>, ApiError> {
    Ok(Json(uc::get(&s.app, &c, id).await?))
}

/// Issue an enrollment's certificate by hand.
///
/// For an attended or completed enrollment on a course with a certificate name, which has none
/// yet (a completed one normally has it already: it is issued with the completion).
#[utoipa::path(post, path = "/enrollments/{id}/certificate", operation_id = "issueCertificate", tag = "certificates", params(("id" = i64, Path)),
    responses((status = 201, description = "The certificate", body = Certificate), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn issue(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<(StatusCode, Json<Certificate>), ApiError> {
    Ok((StatusCode::CREATED, Json(uc::issue(&s.app, &c, id).await?)))
}

/// Why and as read: revoking a certificate.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct RevokeRequest {
    /// The version you read; otherwise 409.
    pub version: i64,
    /// Why it is revoked (required, at most 500 characters; kept in the audit trail).
    #[serde(default)]
    pub reason: String,
}

/// Revoke a certificate.
///
/// From then on its verification says "revoked". Audited with the reason.
#[utoipa::path(post, path = "/certificates/{id}/revoke", operation_id = "revokeCertificate", tag = "certificates", params(("id" = i64, Path)), request_body = RevokeRequest,
    responses((status = 200, description = "The revoked certificate", body = Certificate), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn revoke(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<RevokeRequest>,
) -> Result<Json<Certificate>, ApiError> {
    Ok(Json(
        uc::revoke(&s.app, &c, id, b.version, &b.reason).await?,
    ))
}

/// Get a certificate as PDF.
///
/// A4 landscape with the learner, course, dates, instructor, the verification code and a QR
/// code of its verification page.
#[utoipa::path(get, path = "/certificates/{id}/pdf", operation_id = "getCertificatePdf", tag = "certificates", params(("id" = i64, Path)),
    responses((status = 200, description = "The certificate", content_type = "application/pdf", body = Vec<u8>), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn pdf(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<axum::response::Response, ApiError> {
    let p = uc::printable(&s.app, &c, id).await?;
    crate::certificate_print::response(&p).map_err(|e| AppError::refused(e.to_string()).into())
}

/// Verify a certificate's code.
///
/// Public: no token needed. Answers what the certificate says and whether it is valid, expired
/// or revoked; 404 when no certificate has this code. Case, spaces and dashes in the code do
/// not matter.
#[utoipa::path(get, path = "/verify/{code}", operation_id = "verifyCertificate", tag = "certificates",
    params(("code" = String, Path, description = "The verification code printed on the certificate (12 characters; dashes optional).")),
    security(()),
    responses((status = 200, description = "The certificate", body = Verification), (status = 404, body = Problem)))]
async fn verify(
    State(s): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<Verification>, ApiError> {
    match uc::verify(&s.app, &code).await? {
        Some(v) => Ok(Json(v)),
        None => Err(AppError::NotFound("a certificate with this code").into()),
    }
}

/// Get when learners are reminded that a certificate expires.
#[utoipa::path(get, path = "/settings/certificate-reminders", operation_id = "getCertificateReminders", tag = "certificates",
    responses((status = 200, description = "The days before expiry", body = ExpiryReminders), (status = 403, body = Problem)))]
async fn get_reminders(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> Result<Json<ExpiryReminders>, ApiError> {
    Ok(Json(uc::get_reminders(&s.app, &c).await?))
}

/// New reminder days with the version read.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ExpiryRemindersUpdate {
    /// Days before expiry, as a list in words: "90, 30, 7" (at most 6, each 1 to 365; empty: none).
    #[serde(default)]
    pub days: String,
    /// The version you read; otherwise 409.
    pub version: i64,
}

/// Change when learners are reminded that a certificate expires.
///
/// Administrators and managers. Each certificate gets each reminder once, when it falls due;
/// an offset added later applies to certificates that have not passed it yet.
#[utoipa::path(put, path = "/settings/certificate-reminders", operation_id = "replaceCertificateReminders", tag = "certificates", request_body = ExpiryRemindersUpdate,
    responses((status = 200, description = "As saved", body = ExpiryReminders), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn save_reminders(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Body(b): Body<ExpiryRemindersUpdate>,
) -> Result<Json<ExpiryReminders>, ApiError> {
    Ok(Json(
        uc::save_reminder_days(&s.app, &c, &b.days, b.version).await?,
    ))
}
