//! Jira's error answer: `{"errorMessages":[...],"errors":{...}}` with the real status.

use std::collections::BTreeMap;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Jira's `ErrorCollection`, plus the status it is sent with.
#[derive(Debug, Clone)]
pub(crate) struct JiraError {
    status: StatusCode,
    messages: Vec<String>,
    errors: BTreeMap<String, String>,
    /// Sent with `x-kiln-simulator: not-modelled`: Jira serves the request,
    /// the simulator does not model it.
    not_modelled: bool,
}

/// Jira's wording for an issue that does not exist *or* that the caller may not
/// browse: the two are indistinguishable so issue keys cannot be probed.
pub(crate) const ISSUE_NOT_FOUND: &str =
    "Issue does not exist or you do not have permission to see it.";

impl JiraError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            messages: vec![message.into()],
            errors: BTreeMap::new(),
            not_modelled: false,
        }
    }

    /// An error with several messages (a request refused for more than one
    /// reason, each said).
    pub(crate) fn messages(status: StatusCode, messages: Vec<String>) -> Self {
        Self {
            status,
            messages,
            errors: BTreeMap::new(),
            not_modelled: false,
        }
    }

    /// A 400 naming the offending field, as Jira reports validation failures.
    pub(crate) fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            messages: Vec::new(),
            errors: BTreeMap::from([(field.into(), message.into())]),
            not_modelled: false,
        }
    }

    /// The same error sent with another status (a field error Jira sends as a
    /// 404, as Jira Software names an unseen board under `rapidViewId`).
    pub(crate) fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
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

    /// A `501` for part of a request a real site serves but the simulator
    /// does not model (a JQL operator), marked as the not-modelled routes are
    /// (`not_modelled/mod.rs`) so the CLI can say so.
    pub(crate) fn not_modelled(message: impl Into<String>) -> Self {
        Self {
            not_modelled: true,
            ..Self::new(StatusCode::NOT_IMPLEMENTED, message)
        }
    }

    pub(crate) fn issue_not_found() -> Self {
        Self::not_found(ISSUE_NOT_FOUND)
    }

    /// The messages in one line, for a seed's error report.
    pub(crate) fn describe(&self) -> String {
        self.messages
            .iter()
            .cloned()
            .chain(
                self.errors
                    .iter()
                    .map(|(field, message)| format!("{field}: {message}")),
            )
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The status the error is sent with.
    pub(crate) fn status(&self) -> StatusCode {
        self.status
    }

    /// The error as the `ErrorCollection` Jira nests in a bulk answer (a
    /// `BulkOperationErrorResult`'s `elementErrors`): the body it would be sent
    /// as on its own.
    pub(crate) fn collection(&self) -> serde_json::Value {
        serde_json::json!({
            "errorMessages": self.messages,
            "errors": self.errors,
        })
    }

    /// The body Jira sends when a JSON payload cannot be read.
    pub(crate) fn invalid_payload() -> Self {
        Self::bad_request(
            "Invalid request payload. Refer to the REST API documentation and try again.",
        )
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorCollection<'a> {
    error_messages: &'a [String],
    errors: &'a BTreeMap<String, String>,
}

impl IntoResponse for JiraError {
    fn into_response(self) -> Response {
        let body = ErrorCollection {
            error_messages: &self.messages,
            errors: &self.errors,
        };
        let mut response = (self.status, Json(body)).into_response();
        if self.not_modelled {
            response.headers_mut().insert(
                crate::not_modelled::SIMULATOR_HEADER,
                axum::http::HeaderValue::from_static(crate::not_modelled::NOT_MODELLED),
            );
        }
        response
    }
}
