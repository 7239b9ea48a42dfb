//! The DevOps APIs' refusals, and reading their JSON bodies.
//!
//! These APIs do not answer with Jira's `ErrorCollection`: builds,
//! deployments, feature flags and remote links send `ErrorMessages`, a bare
//! array of `{"message"}` objects; development information wraps the same
//! array as `{"errorMessages": [...]}`. A refusal carries which of the two
//! its API uses ([`Shape`]), so one type serves all five.

use axum::Json;
use axum::body::to_bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// The largest body a submission may have. Jira's own cap is not published;
/// the spec's 413 ("Data is too large") is what a client over it gets. 4 MiB
/// holds the largest submission the spec's list limits allow in practice
/// (100 builds, or 1,000 devinfo entities) and bounds what a hostile client
/// makes the simulator parse.
pub(crate) const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// Which error body an API answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// `[{"message": ...}]`: builds, deployments, feature flags, remote links.
    List,
    /// `{"errorMessages": [{"message": ...}]}`: development information.
    Wrapped,
}

/// A refusal of a whole request, with its status and messages.
#[derive(Debug, Clone)]
pub(crate) struct DevOpsError {
    status: StatusCode,
    shape: Shape,
    messages: Vec<String>,
}

impl DevOpsError {
    /// The spec's 400: the request as a whole has an incorrect format.
    pub(crate) fn bad_request(shape: Shape, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            shape,
            messages: vec![message.into()],
        }
    }

    /// The spec's 413: more data than one request may carry.
    pub(crate) fn too_large(shape: Shape, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            shape,
            messages: vec![message.into()],
        }
    }

    #[cfg(test)]
    pub(crate) fn status(&self) -> StatusCode {
        self.status
    }
}

/// `messages` as the spec's `ErrorMessage` objects.
pub(crate) fn error_messages<S: AsRef<str>>(messages: &[S]) -> Value {
    Value::Array(
        messages
            .iter()
            .map(|m| json!({ "message": m.as_ref() }))
            .collect(),
    )
}

impl IntoResponse for DevOpsError {
    fn into_response(self) -> Response {
        let list = error_messages(&self.messages);
        let body = match self.shape {
            Shape::List => list,
            Shape::Wrapped => json!({ "errorMessages": list }),
        };
        (self.status, Json(body)).into_response()
    }
}

/// The answer to a read of something the caller has not stored: the spec's
/// 404, which has no body.
pub(crate) fn not_found() -> Response {
    StatusCode::NOT_FOUND.into_response()
}

/// The spec's 202 for a deletion, which has no body either: deletions are
/// accepted whether or not there was anything to delete.
pub(crate) fn accepted() -> Response {
    StatusCode::ACCEPTED.into_response()
}

/// What a submission's body must be read as: which API's error shape a body
/// that cannot be read is refused in.
pub(crate) trait Api {
    const SHAPE: Shape;
}

/// A submission's JSON body, an object. A body over [`MAX_BODY_BYTES`] is the
/// spec's 413; one that is not JSON, or not an object, its 400, in `A`'s shape.
pub(crate) struct Submission<A>(pub(crate) Map<String, Value>, std::marker::PhantomData<A>);

impl<A> Submission<A> {
    pub(crate) fn into_inner(self) -> Map<String, Value> {
        self.0
    }
}

impl<A: Api, S: Send + Sync> FromRequest<S> for Submission<A> {
    type Rejection = DevOpsError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let bytes = to_bytes(req.into_body(), MAX_BODY_BYTES)
            .await
            .map_err(|_| {
                DevOpsError::too_large(
                    A::SHAPE,
                    format!(
                        "Data is too large: a request body may be at most {MAX_BODY_BYTES} bytes. \
                         Submit less data in each payload."
                    ),
                )
            })?;
        // serde_json refuses nesting deeper than 128 levels, so a hostile body
        // cannot exhaust the stack.
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(object)) => Ok(Self(object, std::marker::PhantomData)),
            Ok(_) => Err(DevOpsError::bad_request(
                A::SHAPE,
                "Request has incorrect format: the body must be a JSON object.",
            )),
            Err(error) => Err(DevOpsError::bad_request(
                A::SHAPE,
                format!("Request has incorrect format: the body is not valid JSON ({error})."),
            )),
        }
    }
}
