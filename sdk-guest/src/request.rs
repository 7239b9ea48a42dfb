//! `as_user()` / `as_app()`: building and sending a Jira request.

use serde::Serialize;

use crate::raw::{self, RawRequest};
use crate::{Method, Principal, RequestError, Response, Route};

/// Starts a request with the invoking user's authority, as Forge's
/// `api.asUser()`.
pub fn as_user() -> Jira {
    Jira {
        principal: Principal::User,
    }
}

/// Starts a request with the app's own authority, as Forge's `api.asApp()`.
pub fn as_app() -> Jira {
    Jira {
        principal: Principal::App,
    }
}

/// The Jira API seen by one principal; pick a method to start a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Jira {
    principal: Principal,
}

impl Jira {
    /// Whose credential the host will attach.
    pub fn principal(&self) -> Principal {
        self.principal
    }

    /// A request with any [`Method`].
    pub fn request(&self, method: Method, route: Route) -> RequestBuilder {
        RequestBuilder {
            principal: self.principal,
            method,
            route,
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            body_error: None,
        }
    }

    /// A `GET` request.
    pub fn get(&self, route: Route) -> RequestBuilder {
        self.request(Method::Get, route)
    }

    /// A `POST` request.
    pub fn post(&self, route: Route) -> RequestBuilder {
        self.request(Method::Post, route)
    }

    /// A `PUT` request.
    pub fn put(&self, route: Route) -> RequestBuilder {
        self.request(Method::Put, route)
    }

    /// A `PATCH` request.
    pub fn patch(&self, route: Route) -> RequestBuilder {
        self.request(Method::Patch, route)
    }

    /// A `DELETE` request.
    pub fn delete(&self, route: Route) -> RequestBuilder {
        self.request(Method::Delete, route)
    }
}

/// A Jira request being built; [`RequestBuilder::send`] hands it to the host.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent"]
pub struct RequestBuilder {
    principal: Principal,
    method: Method,
    route: Route,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    /// A `json()` body that failed to serialise, reported by `send()` so the
    /// builder chain stays infallible.
    body_error: Option<String>,
}

impl RequestBuilder {
    /// Adds a query parameter. Pass the raw value: the host encodes it.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Adds a header. The host refuses headers outside its allowlist (and
    /// always sets `Authorization` itself).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sends `body` as JSON, setting `Content-Type: application/json` unless
    /// a content type was already set.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => {
                self.body = Some(bytes);
                self.body_error = None;
                if !self.has_header("content-type") {
                    self.headers
                        .push(("Content-Type".into(), "application/json".into()));
                }
            }
            Err(error) => self.body_error = Some(error.to_string()),
        }
        self
    }

    /// Sends `form` as `multipart/form-data` (how Jira takes attachments),
    /// setting its `Content-Type` (with the boundary) unless one was already
    /// set. See [`crate::multipart`].
    pub fn multipart(mut self, form: &crate::multipart::Form) -> Self {
        let (content_type, body) = form.encode();
        self.body = Some(body);
        self.body_error = None;
        if !self.has_header("content-type") {
            self.headers.push(("Content-Type".into(), content_type));
        }
        self
    }

    /// Sends `body` as it is; set its `Content-Type` with [`header`](Self::header).
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self.body_error = None;
        self
    }

    /// Sends the request through the host and waits for Jira's answer.
    ///
    /// A non-2xx status is still `Ok`: check [`Response::ok`] or use
    /// [`Response::error_for_status`].
    pub fn send(self) -> Result<Response, RequestError> {
        raw::request(self.into_raw()?)
    }

    /// The request exactly as it will be handed to the host.
    pub fn into_raw(self) -> Result<RawRequest, RequestError> {
        if let Some(error) = self.body_error {
            return Err(RequestError::InvalidRequest(format!(
                "the JSON body could not be serialised: {error}"
            )));
        }
        Ok(RawRequest {
            principal: self.principal,
            method: self.method,
            path: self.route.as_str().to_owned(),
            query: self.query,
            headers: self.headers,
            body: self.body,
        })
    }

    fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(key, _)| key.eq_ignore_ascii_case(name))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::route;

    #[test]
    fn builder_carries_principal_method_path_query_and_headers() {
        let raw = as_app()
            .get(route!("/rest/api/3/search/jql"))
            .query("jql", "project = KILN & status = \"Done\"")
            .header("Accept", "application/json")
            .into_raw()
            .unwrap();
        assert_eq!(raw.principal, Principal::App);
        assert_eq!(raw.method, Method::Get);
        assert_eq!(raw.path, "/rest/api/3/search/jql");
        assert_eq!(
            raw.query,
            vec![("jql".into(), "project = KILN & status = \"Done\"".into())]
        );
        assert_eq!(
            raw.headers,
            vec![("Accept".into(), "application/json".into())]
        );
        assert_eq!(raw.body, None);
    }

    #[test]
    fn json_sets_the_body_and_content_type() {
        let raw = as_user()
            .post(route!("/rest/api/3/issue/{}/comment", "KILN-1").unwrap())
            .json(&serde_json::json!({"body": "hi"}))
            .into_raw()
            .unwrap();
        assert_eq!(raw.method, Method::Post);
        assert_eq!(raw.body.as_deref(), Some(&br#"{"body":"hi"}"#[..]));
        assert_eq!(
            raw.headers,
            vec![("Content-Type".into(), "application/json".into())]
        );
    }

    #[test]
    fn json_keeps_an_explicit_content_type() {
        let raw = as_user()
            .put(route!("/rest/api/3/issue/KILN-1"))
            .header("content-type", "application/json; charset=utf-8")
            .json(&[1, 2, 3])
            .into_raw()
            .unwrap();
        assert_eq!(raw.headers.len(), 1);
        assert_eq!(raw.headers[0].1, "application/json; charset=utf-8");
    }

    #[test]
    fn unserialisable_json_is_an_invalid_request() {
        let mut map = BTreeMap::new();
        map.insert((1, 2), "tuple keys are not JSON object keys");
        let error = as_user()
            .patch(route!("/rest/api/3/issue/KILN-1"))
            .json(&map)
            .into_raw()
            .unwrap_err();
        assert!(
            matches!(error, RequestError::InvalidRequest(message) if message.contains("JSON body"))
        );
    }

    #[test]
    fn body_is_sent_as_given() {
        let raw = as_user()
            .delete(route!("/rest/api/3/issue/KILN-1"))
            .body(b"raw".to_vec())
            .into_raw()
            .unwrap();
        assert_eq!(raw.method, Method::Delete);
        assert_eq!(raw.body.as_deref(), Some(&b"raw"[..]));
    }
}
