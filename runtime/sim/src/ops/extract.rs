//! Extractors that turn malformed Ops input into [`OpsError`] instead of axum's
//! plain-text rejections.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::OpsError;

/// A JSON body; anything unreadable is a 400 in the Ops error shape.
pub(crate) struct OpsJson<T>(pub T);

impl<T, S> FromRequest<S> for OpsJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = OpsError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(_) => Err(OpsError::invalid_payload()),
        }
    }
}

/// Query parameters; unparseable ones are a 400 naming the problem.
pub(crate) struct OpsQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for OpsQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = OpsError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(rejection) => Err(OpsError::bad_request(rejection.body_text())),
        }
    }
}
