//! Where the authorization server and the API gateway are.
//!
//! Atlassian's are the defaults; tests (and `runtime login` against the
//! simulator) point all three at the simulator. Each is checked like a site
//! URL: a code, a client secret or a token must never cross a network in clear.

use url::Url;

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

/// Why a configured endpoint was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointUrlError {
    #[error("the {role} URL `{url}` is not a URL")]
    Unparsable { role: &'static str, url: String },
    #[error(
        "the {role} URL `{url}` must use https (http only for loopback, such as the simulator)"
    )]
    Insecure { role: &'static str, url: String },
    #[error("the {role} URL `{url}` must not contain a user name, password, query or fragment")]
    Extra { role: &'static str, url: String },
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

/// Parses `text` as an endpoint: https, or http on a loopback host; no
/// credentials, query or fragment of its own.
pub(crate) fn checked(role: &'static str, text: &str) -> Result<Url, EndpointUrlError> {
    let url = Url::parse(text).map_err(|_| EndpointUrlError::Unparsable {
        role,
        url: text.to_owned(),
    })?;
    let secure = match url.scheme() {
        "https" => true,
        "http" => is_loopback(&url),
        _ => false,
    };
    if !secure {
        return Err(EndpointUrlError::Insecure {
            role,
            url: text.to_owned(),
        });
    }
    if url.host().is_none()
        || !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(EndpointUrlError::Extra {
            role,
            url: text.to_owned(),
        });
    }
    Ok(url)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
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
        assert!(matches!(
            OAuthEndpoints::on("http://auth.example.com"),
            Err(EndpointUrlError::Insecure { .. })
        ));
        assert!(matches!(
            checked("token", "https://user:pw@auth.example.com/oauth/token"),
            Err(EndpointUrlError::Extra { .. })
        ));
        assert!(matches!(
            checked("token", "ftp://x"),
            Err(EndpointUrlError::Insecure { .. })
        ));
        assert!(matches!(
            checked("token", "not a url"),
            Err(EndpointUrlError::Unparsable { .. })
        ));
    }
}
