//! Extractors that turn malformed input into Jira's error body instead of axum's
//! plain-text rejections.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::jira_error::JiraError;

/// A JSON body; anything unreadable is Jira's "Invalid request payload" 400.
pub(crate) struct JiraJson<T>(pub T);

impl<T, S> FromRequest<S> for JiraJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = JiraError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(_) => Err(JiraError::invalid_payload()),
        }
    }
}

/// Query parameters; unparseable ones are a Jira 400 naming the problem.
pub(crate) struct JiraQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for JiraQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = JiraError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(rejection) => Err(JiraError::bad_request(rejection.body_text())),
        }
    }
}
