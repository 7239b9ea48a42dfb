//! The unchecked door to `request-jira`, for tests of the host.
//!
//! Apps should use [`as_user`](crate::as_user) / [`as_app`](crate::as_app):
//! they only accept a checked [`Route`](crate::Route). This module sends
//! whatever path it is given, so test programs can check that the *host*
//! refuses hostile paths, headers and bodies on its own.

use crate::bindings::kiln::app::jira;
use crate::{Method, Principal, RequestError, Response};

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
    jira::request_jira(&request.into())
        .map(Response::from)
        .map_err(RequestError::from)
}
