//! The JSM Ops API's error answer.
//!
//! Atlassian's JSM Ops reference shows no error bodies. The Ops API is Opsgenie's
//! rebuilt under `/jsm/ops/api`, and Opsgenie documents its errors (docs.opsgenie.com,
//! "Response" in the REST API overview) as `{"message", "took", "requestId"}` with an
//! `errors` object of field → problem on a 422/400. The simulator answers in that
//! shape, which is an inference: where Atlassian later documents a different one,
//! follow Atlassian.

use std::collections::BTreeMap;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An Ops error with the status it is sent with.
#[derive(Debug, Clone)]
pub(crate) struct OpsError {
    status: StatusCode,
    message: String,
    errors: BTreeMap<String, String>,
}

impl OpsError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            errors: BTreeMap::new(),
        }
    }

    /// A 400 naming the offending field.
    pub(crate) fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            status: StatusCode::BAD_REQUEST,
            errors: BTreeMap::from([(field.into(), message.clone())]),
            message,
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub(crate) fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// A body that is not JSON of the expected shape.
    pub(crate) fn invalid_payload() -> Self {
        Self::bad_request("Request body is not a valid JSON object of the expected shape.")
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body<'a> {
    message: &'a str,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    errors: &'a BTreeMap<String, String>,
    took: f64,
    request_id: String,
}

impl IntoResponse for OpsError {
    fn into_response(self) -> Response {
        let body = Body {
            message: &self.message,
            errors: &self.errors,
            took: 0.0,
            request_id: uuid::Uuid::new_v4().to_string(),
        };
        (self.status, Json(body)).into_response()
    }
}
