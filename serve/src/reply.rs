//! The server's own responses: small JSON documents that never echo request or app text.

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};

pub fn error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(serde_json::json!({ "error": message }))).into_response()
}

/// 429 or 503 with `Retry-After` (seconds).
pub fn retry_after(status: StatusCode, seconds: u64, message: &str) -> Response {
    let mut response = error(status, message);
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}
