//! Jira's answer to a request.

use serde::de::DeserializeOwned;

/// How much of a failed response's body [`StatusError`] quotes: enough for
/// Jira's `errorMessages`, without copying a large body into every error.
const STATUS_ERROR_BODY_EXCERPT: usize = 512;

/// Jira's answer, with headers already filtered by the host's allowlist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// The body of a [`Response`] is not what the app expected.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// The body is not JSON of the requested type.
    #[error("Jira's response (status {status}) is not the expected JSON: {source}")]
    Json {
        /// The response's status code.
        status: u16,
        /// What serde found wrong.
        source: serde_json::Error,
    },
    /// The body is not UTF-8 text.
    #[error("Jira's response (status {status}) is not UTF-8 text: {source}")]
    NotText {
        /// The response's status code.
        status: u16,
        /// Where the text broke.
        source: std::str::Utf8Error,
    },
}

/// Jira answered with a status outside `200..=299`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Jira answered {status}: {excerpt}")]
pub struct StatusError {
    /// The response's status code.
    pub status: u16,
    /// The start of the response body, lossily decoded.
    pub excerpt: String,
}

impl Response {
    /// A response with these parts; the SDK makes them from the host's answer.
    pub fn new(status: u16, headers: Vec<(String, String)>, body: Vec<u8>) -> Self {
        Response {
            status,
            headers,
            body,
        }
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Whether the status is a success (`200..=299`), as Forge's `response.ok`.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The headers the host let through, in Jira's order.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The first header named `name`, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The body, parsed as JSON into `T` (`serde_json::Value` for any JSON).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, BodyError> {
        serde_json::from_slice(&self.body).map_err(|source| BodyError::Json {
            status: self.status,
            source,
        })
    }

    /// The body as UTF-8 text.
    pub fn text(&self) -> Result<&str, BodyError> {
        std::str::from_utf8(&self.body).map_err(|source| BodyError::NotText {
            status: self.status,
            source,
        })
    }

    /// The raw body.
    pub fn bytes(&self) -> &[u8] {
        &self.body
    }

    /// The raw body, without copying it.
    pub fn into_bytes(self) -> Vec<u8> {
        self.body
    }

    /// `Ok(self)` if the status is a success, otherwise a [`StatusError`]
    /// quoting the start of the body, so `?` can give up on a failed call.
    pub fn error_for_status(self) -> Result<Self, StatusError> {
        if self.ok() {
            return Ok(self);
        }
        let end = self.body.len().min(STATUS_ERROR_BODY_EXCERPT);
        Err(StatusError {
            status: self.status,
            excerpt: String::from_utf8_lossy(&self.body[..end]).into_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, body: &[u8]) -> Response {
        Response::new(
            status,
            vec![("Content-Type".into(), "application/json".into())],
            body.to_vec(),
        )
    }

    #[test]
    fn json_parses_the_body() {
        let value: serde_json::Value = response(200, br#"{"key":"KILN-1"}"#).json().unwrap();
        assert_eq!(value["key"], "KILN-1");
    }

    #[test]
    fn json_error_names_the_status_and_the_problem() {
        let error = response(502, b"<html>")
            .json::<serde_json::Value>()
            .unwrap_err();
        let message = error.to_string();
        assert!(message.contains("status 502"), "{message}");
        assert!(message.contains("expected value"), "{message}");
    }

    #[test]
    fn text_refuses_invalid_utf8() {
        assert!(matches!(
            response(200, &[0xff, 0xfe]).text(),
            Err(BodyError::NotText { status: 200, .. })
        ));
    }

    #[test]
    fn header_lookup_ignores_case() {
        assert_eq!(
            response(200, b"").header("content-type"),
            Some("application/json")
        );
        assert_eq!(response(200, b"").header("x-missing"), None);
    }

    #[test]
    fn ok_covers_exactly_the_2xx_range() {
        assert!(!response(199, b"").ok());
        assert!(response(200, b"").ok());
        assert!(response(299, b"").ok());
        assert!(!response(300, b"").ok());
    }

    #[test]
    fn error_for_status_quotes_a_bounded_excerpt() {
        let body = vec![b'x'; STATUS_ERROR_BODY_EXCERPT * 2];
        let error = response(404, &body).error_for_status().unwrap_err();
        assert_eq!(error.status, 404);
        assert_eq!(error.excerpt.len(), STATUS_ERROR_BODY_EXCERPT);
        assert!(response(204, b"").error_for_status().is_ok());
    }
}
