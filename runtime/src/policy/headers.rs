//! Header allowlists, both ways.
//!
//! Outgoing: a guest may set only the few headers an app needs to talk to
//! Jira's REST API. Identity (`Authorization`, `Cookie`), routing (`Host`,
//! `Forwarded`, `X-Forwarded-*`) and framing (`Content-Length`,
//! `Transfer-Encoding`) are the host's alone: a guest setting them is trying
//! to impersonate, reroute or smuggle, and gets a named refusal.
//!
//! Incoming: only headers an app can use are passed back; `Set-Cookie`,
//! `WWW-Authenticate` and anything unknown stay on the host.

use http::{HeaderName, HeaderValue};

/// Most headers a guest request may carry (resource exhaustion).
pub const MAX_REQUEST_HEADERS: usize = 16;
/// Longest header value accepted from a guest, in bytes.
pub const MAX_HEADER_VALUE_BYTES: usize = 1024;

/// Headers a guest may set.
const GUEST_REQUEST_HEADERS: &[&str] = &[
    "accept",
    "accept-language",
    "content-type",
    "x-experimentalapi",
    "x-force-accept-language",
    // Jira Cloud's GDPR account-id migration header (answer with account ids
    // only; a no-op today). Forge's proxy passes it on, and Atlassian's own
    // My Reminders sends `true` with `POST /rest/api/3/issue/{id}/notify`.
    "x-atlassian-force-account-id",
];

/// Response headers passed back to the guest.
const GUEST_RESPONSE_HEADERS: &[&str] = &[
    "content-type",
    "content-language",
    "etag",
    "last-modified",
    "retry-after",
    "x-arequestid",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "x-ratelimit-nearlimit",
    "beta-retry-after",
];

/// Why a guest header was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    #[error("more than {MAX_REQUEST_HEADERS} headers")]
    TooMany,
    #[error(
        "header `{0}` is set by the host only (credentials, routing and framing are not the app's)"
    )]
    HostOnly(String),
    #[error("header `{0}` is not in the allowlist (allowed: {allowed})", allowed = GUEST_REQUEST_HEADERS.join(", "))]
    NotAllowed(String),
    #[error("header name `{0}` is not a valid HTTP header name")]
    BadName(String),
    #[error("the value of header `{0}` is not a valid HTTP header value (control characters?)")]
    BadValue(String),
    #[error("the value of header `{0}` is longer than {MAX_HEADER_VALUE_BYTES} bytes")]
    ValueTooLong(String),
    #[error("header `{0}` is given twice")]
    Duplicate(String),
}

/// Headers only the host may set. Matched case-insensitively; `x-forwarded-`
/// and `proxy-` are prefixes.
fn is_host_only(name: &str) -> bool {
    matches!(
        name,
        "authorization"
            | "cookie"
            | "cookie2"
            | "host"
            | "forwarded"
            | "via"
            | "x-real-ip"
            | "x-atlassian-token"
            | "content-length"
            | "transfer-encoding"
            | "connection"
            | "keep-alive"
            | "te"
            | "trailer"
            | "upgrade"
            | "expect"
            | "user-agent"
    ) || name.starts_with("x-forwarded-")
        || name.starts_with("proxy-")
}

/// Checks guest headers and converts them for the HTTP client. A name the
/// guest gives in any case is normalised to lower case.
pub fn validate_request_headers(
    headers: &[(String, String)],
) -> Result<Vec<(HeaderName, HeaderValue)>, HeaderError> {
    if headers.len() > MAX_REQUEST_HEADERS {
        return Err(HeaderError::TooMany);
    }
    let mut out: Vec<(HeaderName, HeaderValue)> = Vec::with_capacity(headers.len());
    for (name, value) in headers {
        let lower = name.to_ascii_lowercase();
        let header_name = HeaderName::from_bytes(lower.as_bytes())
            .map_err(|_| HeaderError::BadName(printable(name)))?;
        if is_host_only(&lower) {
            return Err(HeaderError::HostOnly(lower));
        }
        if !GUEST_REQUEST_HEADERS.contains(&lower.as_str()) {
            return Err(HeaderError::NotAllowed(lower));
        }
        if value.len() > MAX_HEADER_VALUE_BYTES {
            return Err(HeaderError::ValueTooLong(lower));
        }
        let header_value =
            HeaderValue::from_str(value).map_err(|_| HeaderError::BadValue(lower.clone()))?;
        if out.iter().any(|(n, _)| n == header_name) {
            return Err(HeaderError::Duplicate(lower));
        }
        out.push((header_name, header_value));
    }
    Ok(out)
}

/// Filters a response's headers down to the allowlist, as text. Values that
/// are not visible ASCII are dropped rather than passed on lossy.
pub fn filter_response_headers(headers: &http::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(name, _)| GUEST_RESPONSE_HEADERS.contains(&name.as_str()))
        .filter_map(|(name, value)| {
            Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
        })
        .collect()
}

/// A header name as it may be quoted in an error: printable, bounded.
fn printable(name: &str) -> String {
    name.chars()
        .take(64)
        .map(|c| if c.is_ascii_graphic() { c } else { '?' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(name: &str, value: &str) -> Result<Vec<(HeaderName, HeaderValue)>, HeaderError> {
        validate_request_headers(&[(name.to_owned(), value.to_owned())])
    }

    #[test]
    fn allowlisted_headers_pass_in_any_case() {
        assert!(one("Accept", "application/json").is_ok());
        assert!(one("content-type", "application/json").is_ok());
        assert!(one("X-ExperimentalApi", "opt-in").is_ok());
        assert!(one("x-atlassian-force-account-id", "true").is_ok());
        assert!(one("X-Atlassian-Force-Account-Id", "TRUE").is_ok());
        assert!(one("X-Atlassian-Force-Account-Id", "false").is_ok());
    }

    /// The Forge layer (`forge/kiln-forge-api/src/errors.js`,
    /// `HEADER_REFUSAL`) tells a refused header from a refused URL by how
    /// the refusal's text opens: every case must keep one of these shapes.
    #[test]
    fn every_refusal_opens_with_what_the_forge_layer_reads_as_a_header() {
        let reads_as_header = |text: &str| {
            text.starts_with("header ")
                || text.starts_with("the value of header ")
                || (text.starts_with("more than ") && text.ends_with(" headers"))
        };
        for error in [
            HeaderError::TooMany,
            HeaderError::HostOnly("x".into()),
            HeaderError::NotAllowed("x".into()),
            HeaderError::BadName("x".into()),
            HeaderError::BadValue("x".into()),
            HeaderError::ValueTooLong("x".into()),
            HeaderError::Duplicate("x".into()),
        ] {
            let text = error.to_string();
            assert!(reads_as_header(&text), "{text}");
        }
    }

    #[test]
    fn identity_routing_and_framing_are_host_only() {
        for name in [
            "Authorization",
            "authorization",
            "Cookie",
            "Proxy-Authorization",
            "Host",
            "X-Forwarded-For",
            "X-Forwarded-Host",
            "Forwarded",
            "Content-Length",
            "Transfer-Encoding",
            "X-Atlassian-Token",
            "Connection",
        ] {
            assert!(
                matches!(one(name, "x"), Err(HeaderError::HostOnly(_))),
                "{name} must be host-only"
            );
        }
    }

    #[test]
    fn unknown_and_malformed_headers_are_refused() {
        assert!(matches!(
            one("X-Custom", "1"),
            Err(HeaderError::NotAllowed(_))
        ));
        assert!(matches!(one("Bad Name", "1"), Err(HeaderError::BadName(_))));
        assert!(matches!(
            one("Accept", "a\r\nHost: evil"),
            Err(HeaderError::BadValue(_))
        ));
        assert!(matches!(
            one("Accept", "a\0b"),
            Err(HeaderError::BadValue(_))
        ));
        assert!(matches!(
            one("Accept", &"a".repeat(2000)),
            Err(HeaderError::ValueTooLong(_))
        ));
        let twice = vec![
            ("Accept".to_owned(), "a".to_owned()),
            ("accept".to_owned(), "b".to_owned()),
        ];
        assert!(matches!(
            validate_request_headers(&twice),
            Err(HeaderError::Duplicate(_))
        ));
        let many: Vec<(String, String)> = (0..17)
            .map(|_| ("accept".to_owned(), "a".to_owned()))
            .collect();
        assert_eq!(validate_request_headers(&many), Err(HeaderError::TooMany));
    }

    #[test]
    fn response_headers_are_filtered() {
        let mut map = http::HeaderMap::new();
        map.insert("content-type", HeaderValue::from_static("application/json"));
        map.insert("set-cookie", HeaderValue::from_static("session=secret"));
        map.insert(
            "www-authenticate",
            HeaderValue::from_static("Basic realm=x"),
        );
        map.insert("retry-after", HeaderValue::from_static("3"));
        map.insert(
            "location",
            HeaderValue::from_static("https://evil.example/"),
        );
        let kept = filter_response_headers(&map);
        let names: Vec<&str> = kept.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names.len(), 2);
        assert!(names.contains(&"content-type") && names.contains(&"retry-after"));
    }
}
