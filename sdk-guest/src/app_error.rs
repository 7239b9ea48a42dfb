//! The failure a handler reports to its caller.

use std::fmt;

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
