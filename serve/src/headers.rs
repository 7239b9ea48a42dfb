//! Which request headers reach an app, and which response headers an app may set.
//!
//! In: an app sees what the caller sent about the request, never what belongs to the
//! connection or proves who the caller is to *Kiln's* host:
//! - hop-by-hop headers (RFC 9110 §7.6.1: `Connection` and every header it names,
//!   `Keep-Alive`, `TE`, `Trailer`, `Transfer-Encoding`, `Upgrade`, `Proxy-Connection`)
//!   describe this connection, not the request;
//! - credentials (`Authorization`, `Proxy-Authorization`, `Cookie`): the web trigger URL is
//!   the credential Kiln checks; a caller's bearer token or a browser's cookies for the host
//!   are not the app's to read, log or forward.
//!
//! Out: an app's response may not speak for the connection (hop-by-hop, `Content-Length`,
//! which Kiln computes) or plant a cookie (`Set-Cookie`): every app's web triggers share
//! the host's origin, so one app's cookie would reach the others' callers.

use http::HeaderMap;
use http::header::HeaderName;

const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

const CREDENTIALS: &[&str] = &["authorization", "proxy-authorization", "cookie"];

const RESPONSE_FORBIDDEN: &[&str] = &["content-length", "set-cookie", "set-cookie2"];

/// Whether a request header may be passed to the app. Names are lowercase (`http` keeps
/// them so).
pub fn passes_in(name: &HeaderName, connection_named: &[String]) -> bool {
    let name = name.as_str();
    !HOP_BY_HOP.contains(&name)
        && !CREDENTIALS.contains(&name)
        && !connection_named.iter().any(|n| n == name)
}

/// The header names a request's `Connection` header lists (they are hop-by-hop too).
pub fn connection_named(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(http::header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|n| n.trim().to_ascii_lowercase())
        .filter(|n| !n.is_empty())
        .collect()
}

/// Whether an app may set this response header.
pub fn passes_out(name: &HeaderName) -> bool {
    let name = name.as_str();
    !HOP_BY_HOP.contains(&name) && !RESPONSE_FORBIDDEN.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_and_connection_headers_stay_out() {
        let mut headers = HeaderMap::new();
        headers.insert("connection", "keep-alive, X-Secret-Hop".parse().unwrap());
        let named = connection_named(&headers);
        for blocked in [
            "authorization",
            "proxy-authorization",
            "cookie",
            "connection",
            "transfer-encoding",
            "x-secret-hop",
            "upgrade",
        ] {
            assert!(
                !passes_in(&HeaderName::from_static(blocked), &named),
                "{blocked}"
            );
        }
        for allowed in ["content-type", "user-agent", "x-request-id"] {
            assert!(
                passes_in(&HeaderName::from_static(allowed), &named),
                "{allowed}"
            );
        }
        assert!(!passes_out(&HeaderName::from_static("set-cookie")));
        assert!(!passes_out(&HeaderName::from_static("content-length")));
        assert!(passes_out(&HeaderName::from_static("content-type")));
    }
}
