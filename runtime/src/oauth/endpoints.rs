//! Where the authorization server and the API gateway are.
//!
//! Atlassian's are the defaults; tests (and `runtime login` against the
//! simulator) point all three at the simulator. Each is checked by the one
//! endpoint rule, the site's ([`Endpoint::parse`]): a code, a client secret or
//! a token must never cross a network in clear.

use url::Url;

use crate::policy::url::{Endpoint, EndpointError};
use crate::site::ATLASSIAN_GATEWAY;

/// Atlassian's authorization endpoint (the consent screen).
pub const ATLASSIAN_AUTHORIZE_URL: &str = "https://auth.atlassian.com/authorize";
/// Atlassian's token endpoint (code exchange and refresh).
pub const ATLASSIAN_TOKEN_URL: &str = "https://auth.atlassian.com/oauth/token";

/// The authorization server's endpoints and the gateway that lists the sites
/// a token reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthEndpoints {
    pub authorize: Url,
    pub token: Url,
    /// The API gateway; `accessible-resources` is under it.
    pub api: Url,
}

/// Why a configured endpoint was refused: the endpoint rule's reason, and
/// which of the OAuth endpoints it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the {role} URL {source}")]
pub struct EndpointUrlError {
    pub role: &'static str,
    pub source: EndpointError,
}

impl OAuthEndpoints {
    /// Atlassian's production endpoints.
    pub fn atlassian() -> Self {
        Self::parse(
            ATLASSIAN_AUTHORIZE_URL,
            ATLASSIAN_TOKEN_URL,
            ATLASSIAN_GATEWAY,
        )
        .unwrap_or_else(|e| unreachable!("Atlassian's endpoints are valid constants: {e}"))
    }

    /// All three on one base URL, the way the simulator serves them.
    pub fn on(base: &str) -> Result<Self, EndpointUrlError> {
        let base = base.trim_end_matches('/');
        Self::parse(
            &format!("{base}/authorize"),
            &format!("{base}/oauth/token"),
            base,
        )
    }

    pub fn parse(authorize: &str, token: &str, api: &str) -> Result<Self, EndpointUrlError> {
        Ok(Self {
            authorize: checked("authorize", authorize)?,
            token: checked("token", token)?,
            api: checked("API", api)?,
        })
    }

    /// `GET` this with the new access token to learn the cloud id.
    pub fn accessible_resources(&self) -> Url {
        let mut url = self.api.clone();
        let path = format!(
            "{}/oauth/token/accessible-resources",
            url.path().trim_end_matches('/')
        );
        url.set_path(&path);
        url
    }
}

/// Parses `text` as the `role` endpoint (see [`Endpoint::parse`]).
pub(crate) fn checked(role: &'static str, text: &str) -> Result<Url, EndpointUrlError> {
    Endpoint::parse(text)
        .map(|endpoint| endpoint.url().clone())
        .map_err(|source| EndpointUrlError { role, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atlassian_defaults_and_simulator_layout() {
        let prod = OAuthEndpoints::atlassian();
        assert_eq!(
            prod.accessible_resources().as_str(),
            "https://api.atlassian.com/oauth/token/accessible-resources"
        );
        let sim = OAuthEndpoints::on("http://127.0.0.1:4000/").unwrap();
        assert_eq!(sim.authorize.as_str(), "http://127.0.0.1:4000/authorize");
        assert_eq!(sim.token.as_str(), "http://127.0.0.1:4000/oauth/token");
        assert_eq!(
            sim.accessible_resources().as_str(),
            "http://127.0.0.1:4000/oauth/token/accessible-resources"
        );
    }

    #[test]
    fn cleartext_and_decorated_endpoints_are_refused() {
        let refused = |result| match result {
            Err(EndpointUrlError { source, .. }) => source,
            Ok(url) => panic!("accepted {url:?}"),
        };
        assert!(matches!(
            OAuthEndpoints::on("http://auth.example.com").map(|e| e.token),
            Err(EndpointUrlError {
                role: "authorize",
                source: EndpointError::Insecure(_)
            })
        ));
        assert!(matches!(
            refused(checked(
                "token",
                "https://user:pw@auth.example.com/oauth/token"
            )),
            EndpointError::Extra(_)
        ));
        assert!(matches!(
            refused(checked("token", "ftp://x")),
            EndpointError::Insecure(_)
        ));
        assert!(matches!(
            refused(checked("token", "not a url")),
            EndpointError::Unparsable(..)
        ));
        let message = checked("token", "http://auth.example.com/t")
            .unwrap_err()
            .to_string();
        assert!(
            message.starts_with("the token URL `http://auth.example.com/t` must use https"),
            "{message}"
        );
    }
}
