//! Which request headers reach an app, and which response headers an app may set.
//!
//! In: an app sees what the caller sent about the request, never what belongs to the
//! connection or proves who the caller is to *Kiln's* host:
//! - hop-by-hop headers (RFC 9110 §7.6.1: `Connection` and every header it names,
//!   `Keep-Alive`, `TE`, `Trailer`, `Transfer-Encoding`, `Upgrade`, `Proxy-Connection`)
//!   describe this connection, not the request;
//! - credentials for the host's origin rather than for the app: `Cookie` and
//!   `Proxy-Authorization`, and an `Authorization` in one of the schemes a browser or an
//!   HTTP client attaches by itself once an origin or a proxy in front of it has challenged
//!   it (`Basic`, `Digest`, `Negotiate`, `NTLM`). Every app's web triggers share the host's
//!   origin, so those are an operator's or a neighbour's, not one app's to read, log or
//!   forward.
//!
//! `Authorization` in any other scheme (`Bearer …`, a JWT or a shared token) does reach the
//! app, as on Forge: Forge serves a web trigger without authentication and leaves checking
//! the caller to the function, and callers prove themselves to it that way (Atlassian's own
//! examples verify `Authorization: Bearer <JWT>` in the function). No client sends such a
//! header unasked: it is addressed to the app by its caller. Kiln's own credential for a web
//! trigger is the URL's id, never this header.
//!
//! Out: an app's response may not speak for the connection (hop-by-hop, `Content-Length`,
//! which Kiln computes) or plant a cookie (`Set-Cookie`): every app's web triggers share
//! the host's origin, so one app's cookie would reach the others' callers.

use http::header::HeaderName;
use http::{HeaderMap, HeaderValue};

const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Always the origin's, never the app's (see the module's docs).
const ORIGIN_CREDENTIALS: &[&str] = &["proxy-authorization", "cookie"];

/// `Authorization` schemes a client attaches by itself after a challenge from the origin or
/// a proxy in front of it (RFC 7617, RFC 7616, RFC 4559 and NTLM): the origin's credentials.
const CHALLENGED_SCHEMES: &[&str] = &["basic", "digest", "negotiate", "ntlm"];

const RESPONSE_FORBIDDEN: &[&str] = &["content-length", "set-cookie", "set-cookie2"];

/// Whether a request header may be passed to the app. Names are lowercase (`http` keeps
/// them so).
pub fn passes_in(name: &HeaderName, value: &HeaderValue, connection_named: &[String]) -> bool {
    let name = name.as_str();
    !HOP_BY_HOP.contains(&name)
        && !ORIGIN_CREDENTIALS.contains(&name)
        && (name != "authorization" || !challenged(value))
        && !connection_named.iter().any(|n| n == name)
}

/// Whether an `Authorization` value is in a scheme a client sends after a challenge. A
/// value that is not text, or names no scheme, is not passed either.
fn challenged(value: &HeaderValue) -> bool {
    let Ok(text) = value.to_str() else {
        return true;
    };
    let scheme = text.trim_start().split([' ', '\t']).next().unwrap_or("");
    scheme.is_empty()
        || CHALLENGED_SCHEMES
            .iter()
            .any(|s| scheme.eq_ignore_ascii_case(s))
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
    fn origin_credentials_and_connection_headers_stay_out() {
        let mut headers = HeaderMap::new();
        headers.insert("connection", "keep-alive, X-Secret-Hop".parse().unwrap());
        let named = connection_named(&headers);
        let any = HeaderValue::from_static("x");
        for blocked in [
            "proxy-authorization",
            "cookie",
            "connection",
            "transfer-encoding",
            "x-secret-hop",
            "upgrade",
        ] {
            assert!(
                !passes_in(&HeaderName::from_static(blocked), &any, &named),
                "{blocked}"
            );
        }
        for allowed in ["content-type", "user-agent", "x-request-id"] {
            assert!(
                passes_in(&HeaderName::from_static(allowed), &any, &named),
                "{allowed}"
            );
        }
        assert!(!passes_out(&HeaderName::from_static("set-cookie")));
        assert!(!passes_out(&HeaderName::from_static("content-length")));
        assert!(passes_out(&HeaderName::from_static("content-type")));
    }

    #[test]
    fn authorization_reaches_the_app_unless_a_client_attaches_it_by_itself() {
        let authorization = HeaderName::from_static("authorization");
        for passed in [
            "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig",
            "bearer t",
            "Token abc",
            "  Bearer t",
        ] {
            assert!(
                passes_in(&authorization, &HeaderValue::from_static(passed), &[]),
                "{passed}"
            );
        }
        for refused in [
            "Basic b3BlcmF0b3I6cGFzc3dvcmQ=",
            "basic x",
            "BASIC\tx",
            "Digest username=\"operator\"",
            "Negotiate YII",
            "NTLM TlRMTVNTUAAB",
            "",
            "   ",
        ] {
            assert!(
                !passes_in(&authorization, &HeaderValue::from_static(refused), &[]),
                "{refused:?}"
            );
        }
        let not_text = HeaderValue::from_bytes(b"Bearer \xff").unwrap();
        assert!(!passes_in(&authorization, &not_text, &[]));
    }
}
