//! An HTTP request as Forge gives it to a web trigger function (Forge: web trigger events
//! reference): `{ method, path, userPath, headers: { name: [values] }, queryParameters:
//! { name: [values] }, body }`, the body as text.

use std::borrow::Cow;
use std::collections::BTreeMap;

use http::{HeaderMap, Method};
use serde::Serialize;

use crate::headers::{connection_named, passes_in};

/// Borrowed from the request it describes: it lives only until it is serialized, once per
/// request, so the header names and values, the query and the body are not copied first.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ForgeRequest<'a> {
    pub method: &'a str,
    /// The request path as the caller sent it, with the trigger id replaced by `…`: the id
    /// is the URL's credential and is not the app's to log.
    pub path: String,
    /// What follows the trigger id, from its `/` (`/alerts/7`); empty when nothing does, as
    /// on Forge.
    pub user_path: String,
    pub headers: BTreeMap<&'a str, Vec<&'a str>>,
    pub query_parameters: BTreeMap<Cow<'a, str>, Vec<Cow<'a, str>>>,
    /// The body as text, as Forge's `body` string is: bytes that are not UTF-8 (a Latin-1
    /// form, a binary upload) become U+FFFD, as Node's `buffer.toString()` makes them,
    /// rather than refusing the request, which would fail an app that never reads its
    /// body.
    pub body: Cow<'a, str>,
}

impl<'a> ForgeRequest<'a> {
    pub fn build(
        method: &'a Method,
        user_path: &str,
        query: Option<&'a str>,
        headers: &'a HeaderMap,
        body: &'a [u8],
    ) -> Self {
        let body = String::from_utf8_lossy(body);
        let named = connection_named(headers);
        let mut passed: BTreeMap<&'a str, Vec<&'a str>> = BTreeMap::new();
        for (name, value) in headers {
            if !passes_in(name, value, &named) {
                continue;
            }
            // A value that is not text (obs-text bytes) is dropped rather than guessed at.
            if let Ok(text) = value.to_str() {
                passed.entry(name.as_str()).or_default().push(text);
            }
        }
        let mut query_parameters: BTreeMap<Cow<'a, str>, Vec<Cow<'a, str>>> = BTreeMap::new();
        if let Some(query) = query {
            for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
                query_parameters.entry(name).or_default().push(value);
            }
        }
        // Forge: empty when the caller added no path segments, else starting with `/`.
        let trimmed = user_path.trim_start_matches('/');
        let user_path = if trimmed.is_empty() {
            String::new()
        } else {
            format!("/{trimmed}")
        };
        Self {
            method: method.as_str(),
            path: format!("/x1/…{user_path}"),
            user_path,
            headers: passed,
            query_parameters,
            body,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forge_shape_with_the_callers_token_without_the_origins_credentials() {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", "application/json".parse().unwrap());
        headers.insert("authorization", "Bearer for-the-app".parse().unwrap());
        headers.insert("proxy-authorization", "Basic secret".parse().unwrap());
        headers.insert("cookie", "session=secret".parse().unwrap());
        headers.append("x-multi", "a".parse().unwrap());
        headers.append("x-multi", "b".parse().unwrap());
        let request = ForgeRequest::build(
            &Method::POST,
            "alerts/7",
            Some("a=1&a=2&b=%20x"),
            &headers,
            b"{\"x\":1}",
        );
        let json = serde_json::to_value(&request).unwrap();
        assert_eq!(json["method"], "POST");
        assert_eq!(json["userPath"], "/alerts/7");
        assert_eq!(json["headers"]["x-multi"], serde_json::json!(["a", "b"]));
        assert_eq!(json["queryParameters"]["a"], serde_json::json!(["1", "2"]));
        assert_eq!(json["queryParameters"]["b"], serde_json::json!([" x"]));
        assert_eq!(
            json["headers"]["authorization"],
            serde_json::json!(["Bearer for-the-app"])
        );
        assert!(!json.to_string().contains("secret"));
        assert_eq!(json["body"], "{\"x\":1}");
        for bare in ["", "/", "//"] {
            let request = ForgeRequest::build(&Method::GET, bare, None, &headers, b"");
            let json = serde_json::to_value(&request).unwrap();
            assert_eq!(json["userPath"], "", "{bare:?}");
            assert_eq!(json["path"], "/x1/…", "{bare:?}");
        }
        let mut basic = HeaderMap::new();
        basic.insert("authorization", "Basic b3A6c2VjcmV0".parse().unwrap());
        let request = ForgeRequest::build(&Method::GET, "", None, &basic, b"");
        assert_eq!(
            serde_json::to_value(&request).unwrap()["headers"],
            serde_json::json!({})
        );
        let latin1 = ForgeRequest::build(&Method::POST, "", None, &headers, b"caf\xe9=x");
        assert_eq!(latin1.body, "caf\u{fffd}=x");
    }
}
