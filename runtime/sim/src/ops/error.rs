//! The JSM Ops API's error answers, in the shapes of Atlassian's Ops OpenAPI
//! document (`jsm-ops.v1.json`):
//!
//! - every 4xx but 401 is an `ErrorResponses`: `{"errors": [{"title", "code"}]}`;
//!   the reference's "Status codes and responses" section shows the `title` as
//!   "Actual reason why ...";
//! - 401 is an `UnauthorizedErrorResponse`: `{"code": 401, "message"}`.
//!
//! The document does not list `code` values. The simulator sends the status's
//! reason phrase in upper snake case (`NOT_FOUND`, `UNPROCESSABLE_ENTITY`), one
//! rule for every error, so an app can branch on it without parsing titles.
//!
//! Statuses follow the operations' declared responses: 422 when a payload or
//! query cannot be validated, 409 for a name already taken, 403 for a missing
//! permission (checked before the payload is read), 404 for something absent.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An Ops error with the status it is sent with.
#[derive(Debug, Clone)]
pub(crate) struct OpsError {
    status: StatusCode,
    title: String,
}

impl OpsError {
    pub(crate) fn new(status: StatusCode, title: impl Into<String>) -> Self {
        Self {
            status,
            title: title.into(),
        }
    }

    /// A 422 about one field of the payload or query: the title starts with the
    /// field's name (`name: ...`), so an app, or a test, can tell which.
    pub(crate) fn field(field: &str, problem: impl std::fmt::Display) -> Self {
        Self::unprocessable(format!("{field}: {problem}"))
    }

    pub(crate) fn unprocessable(title: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, title)
    }

    pub(crate) fn forbidden(title: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, title)
    }

    pub(crate) fn not_found(title: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, title)
    }

    pub(crate) fn conflict(title: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, title)
    }
}

/// `NOT_FOUND` for 404: the status's reason phrase in upper snake case.
fn code(status: StatusCode) -> String {
    status
        .canonical_reason()
        .unwrap_or("ERROR")
        .to_ascii_uppercase()
        .replace(['-', ' '], "_")
}

impl IntoResponse for OpsError {
    fn into_response(self) -> Response {
        if self.status == StatusCode::UNAUTHORIZED {
            return unauthorized(&self.title, crate::access::BASIC_CHALLENGE);
        }
        let body = json!({ "errors": [{ "title": self.title, "code": code(self.status) }] });
        (self.status, Json(body)).into_response()
    }
}

/// The Ops 401, `{"code": 401, "message"}`, with the challenge for the surface's
/// credential kind.
pub(crate) fn unauthorized(message: &str, challenge: &'static str) -> Response {
    let mut response = (
        StatusCode::UNAUTHORIZED,
        Json(json!({ "code": 401, "message": message })),
    )
        .into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_reason_phrases() {
        assert_eq!(code(StatusCode::NOT_FOUND), "NOT_FOUND");
        assert_eq!(
            code(StatusCode::UNPROCESSABLE_ENTITY),
            "UNPROCESSABLE_ENTITY"
        );
        assert_eq!(code(StatusCode::CONFLICT), "CONFLICT");
    }
}
