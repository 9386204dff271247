//! Request extractors whose rejections are problem+json that name the problem.

use crate::problem::problem;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::Response;
use serde::de::DeserializeOwned;

/// A JSON body. Malformed JSON is 400, the wrong types 422, a missing content type 415, too large 413.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Body(v)),
            Err(rej) => {
                let kind = match &rej {
                    JsonRejection::JsonSyntaxError(_) => "malformed-json",
                    JsonRejection::JsonDataError(_) => "validation",
                    JsonRejection::MissingJsonContentType(_) => "unsupported-media-type",
                    _ => "bad-request",
                };
                Err(problem(
                    rej.status(),
                    kind,
                    "The request body could not be used",
                    rej.body_text(),
                    Vec::new(),
                ))
            }
        }
    }
}

/// Query parameters; a wrong type is 400 with the parameter named.
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Params(v)),
            Err(rej @ QueryRejection::FailedToDeserializeQueryString(_)) => Err(problem(
                rej.status(),
                "bad-query",
                "Invalid query parameters",
                rej.body_text(),
                Vec::new(),
            )),
            Err(rej) => Err(problem(
                rej.status(),
                "bad-query",
                "Invalid query parameters",
                rej.body_text(),
                Vec::new(),
            )),
        }
    }
}

/// A numeric path id; anything else is 404 (there is no such record), not a parse error.
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<i64>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(id)) => Ok(Id(id)),
            Err(_) => Err(problem(
                axum::http::StatusCode::NOT_FOUND,
                "not-found",
                "Not found",
                "record ids are positive whole numbers".into(),
                Vec::new(),
            )),
        }
    }
}
