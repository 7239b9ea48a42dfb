//! The failure a handler reports to its caller.

use std::fmt;
use std::time::Duration;

use crate::events::EventsError;
use crate::sql::{MigrationError, SqlError};
use crate::storage::StorageError;
use crate::{BodyError, RequestError, RouteError, StatusError};

/// A failure the app reports to its caller; it mirrors the WIT `app-error`.
///
/// Every error the SDK returns converts into it, so `?` works inside
/// handlers. For anything else, return [`AppError::failed`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppError {
    /// The payload is not what this handler accepts.
    InvalidPayload(String),
    /// No handler of this name is exported.
    UnknownFunction(String),
    /// A Jira request failed and the app gave up.
    Request(RequestError),
    /// Any other failure, in the app's words.
    Failed(String),
    /// A queue consumer asks for its event again later (Forge's
    /// `InvocationError`); build it with [`AppError::retry`]. For any other
    /// invocation the host treats it as a failure.
    Retry(RetryRequest),
}

/// When and why a consumer wants its event again: the WIT `retry-request`.
/// The host delivers the event again after `after`, with a
/// [`RetryContext`](crate::events::RetryContext) carrying `reason` and `data`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryRequest {
    /// How long to wait; sent in whole seconds, rounded up (the host raises
    /// 0 to 1 second and bounds the delay).
    pub after: Duration,
    /// Forge's `retryReason`, such as
    /// [`FUNCTION_RETRY_REQUEST`](crate::events::FUNCTION_RETRY_REQUEST).
    pub reason: String,
    /// Any JSON, handed back as the retried event's `retryData`.
    pub data: Option<serde_json::Value>,
}

impl AppError {
    /// A failure described in the app's own words.
    pub fn failed(message: impl fmt::Display) -> Self {
        AppError::Failed(message.to_string())
    }

    /// A payload the handler refuses, with the reason.
    pub fn invalid_payload(reason: impl fmt::Display) -> Self {
        AppError::InvalidPayload(reason.to_string())
    }

    /// Asks the host to deliver the consumer's queue event again `after`
    /// this long, as Forge's `InvocationError` with `retryAfter`,
    /// `retryReason` and `retryData`. The retried event's
    /// [`retry_context`](crate::events::QueueEvent::retry_context) carries
    /// `reason`, `data` and how many times it was retried.
    ///
    /// ```
    /// use std::time::Duration;
    /// use kiln_sdk::AppError;
    /// use kiln_sdk::events::FUNCTION_RETRY_REQUEST;
    ///
    /// let error = AppError::retry(
    ///     Duration::from_secs(60),
    ///     FUNCTION_RETRY_REQUEST,
    ///     Some(serde_json::json!({ "page": 3 })),
    /// );
    /// assert!(error.is_retry());
    /// ```
    pub fn retry(
        after: Duration,
        reason: impl Into<String>,
        data: Option<serde_json::Value>,
    ) -> Self {
        AppError::Retry(RetryRequest {
            after,
            reason: reason.into(),
            data,
        })
    }

    /// Whether this is a consumer's [`AppError::Retry`].
    pub fn is_retry(&self) -> bool {
        matches!(self, AppError::Retry(_))
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::InvalidPayload(reason) => write!(f, "invalid payload: {reason}"),
            AppError::UnknownFunction(name) => write!(
                f,
                "no handler named `{name}`; export it with kiln_sdk::export_app!"
            ),
            AppError::Request(error) => error.fmt(f),
            AppError::Failed(message) => f.write_str(message),
            AppError::Retry(retry) => write!(
                f,
                "the consumer asks for its event again in {} s ({})",
                retry.after.as_secs_f64().ceil(),
                retry.reason
            ),
        }
    }
}

impl std::error::Error for AppError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AppError::Request(error) => Some(error),
            _ => None,
        }
    }
}

impl From<RequestError> for AppError {
    fn from(error: RequestError) -> Self {
        AppError::Request(error)
    }
}

impl From<RouteError> for AppError {
    fn from(error: RouteError) -> Self {
        AppError::Failed(error.to_string())
    }
}

impl From<StorageError> for AppError {
    fn from(error: StorageError) -> Self {
        AppError::Failed(error.to_string())
    }
}

impl From<EventsError> for AppError {
    fn from(error: EventsError) -> Self {
        AppError::Failed(error.to_string())
    }
}

impl From<SqlError> for AppError {
    fn from(error: SqlError) -> Self {
        AppError::Failed(error.to_string())
    }
}

impl From<MigrationError> for AppError {
    fn from(error: MigrationError) -> Self {
        AppError::Failed(error.to_string())
    }
}

impl From<BodyError> for AppError {
    fn from(error: BodyError) -> Self {
        AppError::Failed(error.to_string())
    }
}

impl From<StatusError> for AppError {
    fn from(error: StatusError) -> Self {
        AppError::Failed(error.to_string())
    }
}

impl From<serde_json::Error> for AppError {
    fn from(error: serde_json::Error) -> Self {
        AppError::Failed(format!("JSON error: {error}"))
    }
}

impl From<String> for AppError {
    fn from(message: String) -> Self {
        AppError::Failed(message)
    }
}

impl From<&str> for AppError {
    fn from(message: &str) -> Self {
        AppError::Failed(message.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn send() -> Result<(), RequestError> {
        Err(RequestError::Timeout)
    }

    fn handler() -> Result<(), AppError> {
        send()?;
        Ok(())
    }

    #[test]
    fn question_mark_turns_a_request_error_into_an_app_error() {
        assert_eq!(handler(), Err(AppError::Request(RequestError::Timeout)));
    }

    #[test]
    fn unknown_function_message_names_the_handler() {
        let message = AppError::UnknownFunction("triage".into()).to_string();
        assert!(message.contains("`triage`"), "{message}");
    }
}
