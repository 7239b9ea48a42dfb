//! Extractors that turn malformed input into Jira's error body instead of axum's
//! plain-text rejections.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::jira_error::JiraError;

/// A query parameter of a raw query string read as a number: one that is not is
/// Jira's 400 naming it (`The value 'x' of 'startAt' is not a number.`). For
/// handlers that read their query by hand (repeated keys, ordered refusals).
pub(crate) fn query_number<T: std::str::FromStr>(name: &str, value: &str) -> Result<T, JiraError> {
    value.parse::<T>().map_err(|_| not_a_number(name, value))
}

/// `startAt` (int64) or `maxResults` (int32) of a raw query string: a whole
/// number, and not negative (an offset or a count); anything else is Jira's 400
/// naming the parameter.
pub(crate) fn query_count(name: &str, value: &str) -> Result<usize, JiraError> {
    let number: i64 = query_number(name, value)?;
    usize::try_from(number).map_err(|_| {
        JiraError::bad_request(format!(
            "The value '{value}' of '{name}' must not be negative."
        ))
    })
}

/// Jira's 400 for query parameter `name` whose `value` is not the number it
/// must be.
pub(crate) fn not_a_number(name: &str, value: &str) -> JiraError {
    JiraError::bad_request(format!("The value '{value}' of '{name}' is not a number."))
}

/// A body property that may be present as `null` (`#[serde(default,
/// deserialize_with = "present")]` on an `Option<Option<T>>`): `None` when it
/// is absent, `Some(None)` for `null`, so an update can tell "leave it" from
/// "clear it".
pub(crate) fn present<'de, D, T>(input: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(input).map(Some)
}

mod objects_only;

/// A JSON body; anything unreadable is Jira's "Invalid request payload" 400,
/// and so is a struct given as an array of its fields, which serde alone would
/// read but Jira's reader refuses ([`objects_only`]).
/// A body sent without `Content-Type: application/json` (or another JSON
/// type) never reaches the operation: Jira's REST resources consume JSON,
/// and another type is `415 Unsupported Media Type`, as for multipart below.
pub(crate) struct JiraJson<T>(pub T);

impl<T, S> FromRequest<S> for JiraJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = JiraError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers().get(header::CONTENT_TYPE)) {
            return Err(JiraError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "The request's Content-Type must be application/json.",
            ));
        }
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|_| JiraError::invalid_payload())?;
        objects_only::from_slice(&body)
            .map(Self)
            .map_err(|_| JiraError::invalid_payload())
    }
}

/// Whether a Content-Type is JSON as axum's `Json` takes it:
/// `application/json` or `application/…+json`, parameters aside.
fn is_json(content_type: Option<&HeaderValue>) -> bool {
    let Some(essence) = content_type
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
    else {
        return false;
    };
    let essence = essence.trim().to_ascii_lowercase();
    essence
        .strip_prefix("application/")
        .is_some_and(|subtype| subtype == "json" || subtype.ends_with("+json"))
}

/// Query parameters; unparseable ones are a Jira 400 naming the problem.
pub(crate) struct JiraQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for JiraQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = JiraError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(rejection) => Err(JiraError::bad_request(rejection.body_text())),
        }
    }
}

/// A `multipart/form-data` body, read part by part by the handler.
///
/// Another media type is Jira's `415 Unsupported Media Type`: its REST resources
/// declare the media types they consume, and a body of another type never reaches
/// the operation (clients that post JSON to `addAttachment` report exactly this 415).
/// A multipart type without a usable boundary is a malformed body: 400.
pub(crate) struct JiraMultipart(pub Multipart);

impl<S> FromRequest<S> for JiraMultipart
where
    S: Send + Sync,
{
    type Rejection = JiraError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("multipart/form-data"));
        if !is_multipart {
            return Err(JiraError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "The request's Content-Type must be multipart/form-data.",
            ));
        }
        let mut req = req;
        if let Some(quoted) = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(quote_bare_boundary)
        {
            req.headers_mut().insert(header::CONTENT_TYPE, quoted);
        }
        Multipart::from_request(req, state)
            .await
            .map(Self)
            .map_err(|_| {
                JiraError::bad_request("The multipart/form-data body has no valid boundary.")
            })
    }
}

/// Longest boundary RFC 2046 allows.
const MAX_BOUNDARY_CHARS: usize = 70;

/// The Content-Type with its boundary quoted, when the client sent unquoted a
/// boundary that only quotes make a valid parameter (`/`, `:`, `=`, `?`, `(`,
/// `)`, `'` are RFC 2046 boundary characters but not token ones); `None` when
/// there is nothing to mend. Jira's multipart reader (Apache Commons
/// FileUpload) takes such a boundary as it comes, and clients send them: the
/// JavaScript engine Kiln builds Forge apps with picks base64 boundaries, `/`
/// included. The strict grammar the multipart parser here follows would refuse
/// them, so they are quoted first, and the parser reads the same boundary
/// Jira does.
fn quote_bare_boundary(content_type: &str) -> Option<HeaderValue> {
    let (before, boundary) = content_type.rsplit_once("boundary=")?;
    let boundary = boundary.trim_end();
    let bchar = |c: char| c.is_ascii_alphanumeric() || "'()+_-./:=?".contains(c);
    let needs_quotes = !boundary.is_empty()
        && boundary.len() <= MAX_BOUNDARY_CHARS
        && !boundary.starts_with('"')
        && boundary.chars().all(bchar)
        && boundary.chars().any(|c| "'()/:=?".contains(c))
        && before.trim_end().ends_with(';');
    needs_quotes
        .then(|| HeaderValue::from_str(&format!("{before}boundary=\"{boundary}\"")).ok())
        .flatten()
}

/// The `X-Atlassian-Token: no-check` header, without which Jira refuses a request
/// whose body a web page could post cross-site (a form's `multipart/form-data`):
/// its XSRF protection. Jira's refusal comes from a filter in front of the REST
/// resources, not from the resource, so it is not an `ErrorCollection` but the
/// plain text `XSRF check failed`, with status 403.
pub(crate) struct XsrfOptOut;

/// The header's value Atlassian documents, and the older spelling its REST layer
/// still accepts (deprecated, with a warning in its log) and older clients send.
const XSRF_OPT_OUT_VALUES: [&str; 2] = ["no-check", "nocheck"];

impl<S> FromRequestParts<S> for XsrfOptOut
where
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let opted_out = parts
            .headers
            .get("x-atlassian-token")
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| XSRF_OPT_OUT_VALUES.contains(&value.trim()));
        if opted_out {
            Ok(Self)
        } else {
            Err((StatusCode::FORBIDDEN, "XSRF check failed").into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_boundary_that_needs_quotes_gets_them_and_nothing_else_changes() {
        let quoted = |text: &str| quote_bare_boundary(text).map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(
            quoted("multipart/form-data; boundary=--StarlingMonkeyFormBoundaryHCXiyX//1ggbPVEE")
                .as_deref(),
            Some("multipart/form-data; boundary=\"--StarlingMonkeyFormBoundaryHCXiyX//1ggbPVEE\"")
        );
        for kept in [
            // Tokens already, quoted already, or not a boundary at all.
            "multipart/form-data; boundary=----formdata-undici-0123",
            "multipart/form-data; boundary=a+b",
            "multipart/form-data; boundary=\"a/b\"",
            "multipart/form-data",
            "multipart/form-data; boundary=",
            // Characters no boundary has, and a boundary longer than RFC 2046 allows.
            "multipart/form-data; boundary=a/b\"c",
            "multipart/form-data; boundary=a/b;c",
            &format!("multipart/form-data; boundary=/{}", "a".repeat(70)),
            "multipart/form-databoundary=a/b",
        ] {
            assert_eq!(quoted(kept), None, "{kept}");
        }
    }
}
