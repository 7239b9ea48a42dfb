//! The unchecked door to `request-jira`, for tests of the host.
//!
//! Apps should use [`as_user`](crate::as_user) / [`as_app`](crate::as_app):
//! they only accept a checked [`Route`](crate::Route). This module sends
//! whatever path it is given, so test programs can check that the *host*
//! refuses hostile paths, headers and bodies on its own.

use serde::de::DeserializeOwned;

use crate::{Method, Principal, RequestError, Response, host};

/// A `request-jira` call exactly as the host receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRequest {
    /// Whose credential the host attaches.
    pub principal: Principal,
    /// The HTTP method.
    pub method: Method,
    /// The product path, unchecked.
    pub path: String,
    /// Query pairs, raw (the host encodes them).
    pub query: Vec<(String, String)>,
    /// Header pairs, unchecked.
    pub headers: Vec<(String, String)>,
    /// The body, if any.
    pub body: Option<Vec<u8>>,
}

/// Calls the host's `request-jira` with `request`, without any check in the
/// guest.
pub fn request(request: RawRequest) -> Result<Response, RequestError> {
    host::request_jira(request)
}

/// Calls the host's `request-jira-all` with `requests`, without any check in
/// the guest; the outcomes come back in the order of `requests`.
pub fn request_all(requests: Vec<RawRequest>) -> Vec<Result<Response, RequestError>> {
    host::request_jira_all(requests)
}

impl RawRequest {
    /// The first query value named `name`, as the app passed it (unencoded).
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The first header named `name`, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The body parsed as JSON into `T` (`serde_json::Value` for any JSON);
    /// `None` when there is no body. Handy to assert what a test's app sent.
    pub fn json<T: DeserializeOwned>(&self) -> Option<Result<T, serde_json::Error>> {
        self.body.as_deref().map(serde_json::from_slice)
    }
}
