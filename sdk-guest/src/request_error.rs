//! Why a Jira request did not return a response.

use std::fmt;

use crate::Principal;

/// Why [`RequestBuilder::send`](crate::RequestBuilder::send) did not return a
/// response. It mirrors the WIT `request-error`: every case but
/// [`RequestError::InvalidRequest`] is decided by the host, and none carries a
/// credential or a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    /// The request is malformed or breaks the host's URL/header policy; the
    /// text names the rule. The SDK also reports a body that could not be
    /// serialised this way, since such a request is never sent.
    InvalidRequest(String),
    /// No catalogued Jira route matches this method and path.
    UnknownRoute(String),
    /// The route is known but the manifest lacks its scopes.
    ScopeDenied(ScopeDenied),
    /// The principal has no credential configured (Forge's
    /// `NEEDS_AUTHENTICATION_ERR`).
    NeedsAuthentication(Principal),
    /// A per-invocation quota (requests or bytes) is used up; the text names
    /// it.
    QuotaExceeded(String),
    /// Jira did not answer within the request deadline.
    Timeout,
    /// The connection failed or the response broke a limit; the text says
    /// which.
    Transport(String),
}

/// A route refused for lack of scopes, and what to declare to allow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeDenied {
    /// The matched route, as `METHOD /path/{template}`.
    pub route: String,
    /// Scopes to add to the manifest's `permissions.scopes` for the nearest
    /// alternative that would allow the route.
    pub missing: Vec<String>,
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::InvalidRequest(rule) => write!(f, "invalid request: {rule}"),
            RequestError::UnknownRoute(route) => write!(
                f,
                "unknown route {route}: no catalogued Jira API matches this method and path"
            ),
            RequestError::ScopeDenied(denied) => write!(
                f,
                "{} needs scopes the manifest does not declare; add {} to permissions.scopes in manifest.yml",
                denied.route,
                denied.missing.join(", ")
            ),
            RequestError::NeedsAuthentication(principal) => write!(
                f,
                "no credential is configured for the {principal}; configure one in the host (Forge's NEEDS_AUTHENTICATION_ERR)"
            ),
            RequestError::QuotaExceeded(quota) => {
                write!(f, "per-invocation quota exceeded: {quota}")
            }
            RequestError::Timeout => f.write_str("Jira did not answer within the request deadline"),
            RequestError::Transport(reason) => write!(f, "request to Jira failed: {reason}"),
        }
    }
}

impl std::error::Error for RequestError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_denied_message_says_what_to_declare() {
        let error = RequestError::ScopeDenied(ScopeDenied {
            route: "GET /rest/api/3/issue/{issueIdOrKey}".into(),
            missing: vec!["read:jira-work".into()],
        });
        let message = error.to_string();
        assert!(message.contains("GET /rest/api/3/issue/{issueIdOrKey}"));
        assert!(message.contains("add read:jira-work to permissions.scopes"));
    }

    #[test]
    fn needs_authentication_names_the_principal() {
        let message = RequestError::NeedsAuthentication(Principal::App).to_string();
        assert!(message.contains("for the app"), "{message}");
    }
}
