//! Cancellation policies (the company's default and per agreement), what cancelling an
//! enrollment now would cost, and the fees a client was charged.

use super::extract::{Body, Id};
use super::operations::Operations;
use super::operations::routes;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::problem::{ApiError, Problem};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use trainyard_app::cancellation::{self as uc, FeePreview, PolicyView};
use trainyard_app::store::cancellation::Fee;
use trainyard_core::cancellation::FeeTier;

pub fn api() -> Operations {
    Operations::new()
        .routes(routes!(
            get_default_cancellation_policy,
            set_default_cancellation_policy
        ))
        .routes(routes!(
            get_agreement_cancellation_policy,
            set_agreement_cancellation_policy
        ))
        .routes(routes!(preview_cancellation_fee))
        .routes(routes!(list_cancellation_fees))
}

/// A policy as written: its tiers (any order); an empty list removes the policy.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct PolicyBody {
    /// Each tier: cancelled at least `min_days` days before the start (0–365), `fee_bp` basis
    /// points of the price kept (0–10000).
    pub tiers: Vec<FeeTier>,
}

/// A policy, or none set.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PolicyReply {
    /// Absent when no policy applies: cancellations then cost nothing.
    pub policy: Option<PolicyView>,
}

/// What cancelling would cost now.
#[derive(Serialize, utoipa::ToSchema)]
pub struct FeePreviewReply {
    /// Absent when the cancellation costs nothing.
    pub fee: Option<FeePreview>,
}

/// Get the default cancellation policy.
///
/// The company's fee tiers, for agreements without their own and clients without an agreement.
/// Finance, managers and admins.
#[utoipa::path(get, path = "/cancellation-policy", operation_id = "getDefaultCancellationPolicy", tag = "agreements",
    responses((status = 200, description = "The policy", body = PolicyReply), (status = 403, body = Problem)))]
async fn get_default_cancellation_policy(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
) -> Result<Json<PolicyReply>, ApiError> {
    Ok(Json(PolicyReply {
        policy: uc::policy(&s.app, &c, None).await?,
    }))
}

/// Set the default cancellation policy.
///
/// Replaces the company's fee tiers; an empty list removes them. Finance, managers and admins;
/// audited.
#[utoipa::path(put, path = "/cancellation-policy", operation_id = "setDefaultCancellationPolicy", tag = "agreements", request_body = PolicyBody,
    responses((status = 200, description = "The policy", body = PolicyReply), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn set_default_cancellation_policy(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Body(b): Body<PolicyBody>,
) -> Result<Json<PolicyReply>, ApiError> {
    Ok(Json(PolicyReply {
        policy: uc::set_policy(&s.app, &c, None, Some(b.tiers)).await?,
    }))
}

/// Get an agreement's cancellation policy.
///
/// Its own tiers, else the company's default (`inherited`). Finance, managers and admins.
#[utoipa::path(get, path = "/agreements/{id}/cancellation-policy", operation_id = "getAgreementCancellationPolicy", tag = "agreements", params(("id" = i64, Path)),
    responses((status = 200, description = "The policy", body = PolicyReply), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_agreement_cancellation_policy(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<PolicyReply>, ApiError> {
    Ok(Json(PolicyReply {
        policy: uc::policy(&s.app, &c, Some(id)).await?,
    }))
}

/// Set an agreement's cancellation policy.
///
/// Replaces its fee tiers; an empty list removes them (the company's default applies again).
/// Finance, managers and admins; audited.
#[utoipa::path(put, path = "/agreements/{id}/cancellation-policy", operation_id = "setAgreementCancellationPolicy", tag = "agreements", params(("id" = i64, Path)), request_body = PolicyBody,
    responses((status = 200, description = "The policy", body = PolicyReply), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn set_agreement_cancellation_policy(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
    Body(b): Body<PolicyBody>,
) -> Result<Json<PolicyReply>, ApiError> {
    Ok(Json(PolicyReply {
        policy: uc::set_policy(&s.app, &c, Some(id), Some(b.tiers)).await?,
    }))
}

/// Preview an enrollment's cancellation fee.
///
/// What cancelling the enrollment now would cost under its policy: the notice in the session's
/// time zone, the fee kept and the part given back. Whoever may cancel it may ask.
#[utoipa::path(get, path = "/enrollments/{id}/cancellation-fee", operation_id = "previewCancellationFee", tag = "enrollments", params(("id" = i64, Path)),
    responses((status = 200, description = "The fee, if any", body = FeePreviewReply), (status = 404, body = Problem)))]
async fn preview_cancellation_fee(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<FeePreviewReply>, ApiError> {
    Ok(Json(FeePreviewReply {
        fee: uc::preview(&s.app, &c, id).await?,
    }))
}

/// List a client's cancellation fees.
///
/// The fees its cancellations cost, newest first, with the invoice that bills each and the
/// credit note that gave back the rest. Finance, or the client's own contact.
#[utoipa::path(get, path = "/clients/{id}/cancellation-fees", operation_id = "listCancellationFees", tag = "agreements", params(("id" = i64, Path)),
    responses((status = 200, description = "The fees", body = Vec<Fee>), (status = 403, body = Problem)))]
async fn list_cancellation_fees(
    State(s): State<AppState>,
    ApiCaller(c): ApiCaller,
    Id(id): Id,
) -> Result<Json<Vec<Fee>>, ApiError> {
    Ok(Json(uc::fees_of_client(&s.app, &c, id).await?))
}
