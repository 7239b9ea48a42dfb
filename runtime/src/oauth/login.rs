//! The OAuth 2.0 authorization-code grant (3LO), as a protocol with no
//! listener and no terminal: `runtime login` (in the `kiln-cli` crate) owns
//! the loopback callback listener and the browser step.
//!
//! [`Login::new`] builds the authorize URL (audience, client id, the app's
//! scopes plus `offline_access`, the redirect URI, a random `state`,
//! `response_type=code`, `prompt=consent`). Whoever listens on the redirect
//! URI hands each redirect's query to [`CallbackCheck::check`], which refuses
//! one whose `state` is not this login's; [`Login::finish`] exchanges the code
//! and asks `accessible-resources` which site (cloud id) the grant reaches.

use base64::Engine as _;
use kiln_manifest::DeclaredScopes;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use super::OFFLINE_ACCESS;
use super::endpoints::OAuthEndpoints;
use super::http::{describe, oauth_client};
use super::token_response::{Grant, TokenEndpointError, request_tokens};
use super::token_store::OAuthSession;
use crate::site::Site;

/// The audience Atlassian issues Jira API tokens for.
const AUDIENCE: &str = "api.atlassian.com";
/// Bytes of randomness in `state`: unguessable, so a page that redirects the
/// browser to the listener cannot inject its own code (login CSRF).
const STATE_BYTES: usize = 32;
/// Largest `accessible-resources` answer read (a hostile gateway must not
/// make the host buffer without bound).
const MAX_RESOURCES_RESPONSE: usize = 256 * 1024;

/// What a login needs.
pub struct LoginConfig {
    pub client_id: String,
    pub client_secret: SecretString,
    pub endpoints: OAuthEndpoints,
    /// The app's declared scopes; `offline_access` is added.
    pub scopes: DeclaredScopes,
    /// Which site to keep when the grant reaches several (its URL).
    pub site: Option<String>,
}

/// Why a login failed. Never quotes a code, a token or the client secret.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error(
        "the redirect URI must be http on a loopback address, not {0}: the code must not leave this machine"
    )]
    NotLoopback(String),
    #[error("the app declares no scopes, so there is nothing to authorize")]
    NoScopes,
    #[error("the authorization was not granted ({0})")]
    Denied(String),
    #[error("exchanging the authorization code failed: {0}")]
    Token(#[from] TokenEndpointError),
    #[error("cannot build the OAuth HTTP client: {0}")]
    Client(String),
    #[error("cannot list the sites the grant reaches: {0}")]
    Resources(String),
    #[error("the grant reaches no Jira site")]
    NoSite,
    #[error("the grant reaches several sites ({0}); pass --site to choose one")]
    AmbiguousSite(String),
    #[error("the grant does not reach {0}; it reaches {1}")]
    SiteNotGranted(String, String),
    #[error("the site the grant reaches is not usable: {0}")]
    Site(#[from] crate::site::SiteError),
}

/// A login that has built its authorize URL and waits for the code.
pub struct Login {
    config: LoginConfig,
    authorize_url: Url,
    redirect_uri: String,
    check: CallbackCheck,
}

/// The query of a redirect to the callback, as the authorization server sends
/// it.
#[derive(Debug, Default, Deserialize)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

/// What a redirect with this login's `state` brought back.
pub enum Callback {
    /// The user approved: exchange this code with [`Login::finish`].
    Code(SecretString),
    /// The user (or the server) refused; an OAuth error code such as
    /// `access_denied`, anything else replaced (it is shown in a terminal).
    Denied(String),
}

impl Callback {
    /// The outcome as the login's result: the code, or why there is none.
    pub fn into_code(self) -> Result<SecretString, LoginError> {
        match self {
            Callback::Code(code) => Ok(code),
            Callback::Denied(error) => Err(LoginError::Denied(error)),
        }
    }
}

/// A redirect that is not this login's answer; the login keeps waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CallbackRefused {
    #[error("state does not match this login")]
    StateMismatch,
    #[error("neither code nor error")]
    Incomplete,
}

/// Checks redirects against one login's `state`; cheap to clone into a
/// listener's handler.
#[derive(Clone)]
pub struct CallbackCheck {
    state: String,
}

impl CallbackCheck {
    /// A redirect whose `state` is not ours is refused: it is another page
    /// trying to plant its code (login CSRF), not the user's answer.
    pub fn check(&self, query: CallbackQuery) -> Result<Callback, CallbackRefused> {
        if query.state.as_deref() != Some(self.state.as_str()) {
            return Err(CallbackRefused::StateMismatch);
        }
        match (query.code, query.error) {
            (Some(code), None) if !code.is_empty() => Ok(Callback::Code(SecretString::from(code))),
            (_, Some(error)) => Ok(Callback::Denied(sanitize_error_code(&error))),
            _ => Err(CallbackRefused::Incomplete),
        }
    }
}

impl Login {
    /// Builds the authorize URL for a browser that will come back to
    /// `redirect_uri`, which must be `http` on a loopback address: the code
    /// must not leave this machine.
    pub fn new(config: LoginConfig, redirect_uri: &Url) -> Result<Self, LoginError> {
        if !is_loopback_http(redirect_uri) {
            return Err(LoginError::NotLoopback(redirect_uri.to_string()));
        }
        if config.scopes.is_empty() {
            return Err(LoginError::NoScopes);
        }
        let redirect_uri = redirect_uri.to_string();
        let state = random_state();
        let authorize_url = authorize_url(&config, &redirect_uri, &state);
        Ok(Self {
            config,
            authorize_url,
            redirect_uri,
            check: CallbackCheck { state },
        })
    }

    /// The URL to open in a browser.
    pub fn authorize_url(&self) -> &Url {
        &self.authorize_url
    }

    /// The callback URL (register it with the OAuth app).
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// The check for the listener on the redirect URI.
    pub fn callback_check(&self) -> CallbackCheck {
        self.check.clone()
    }

    /// Exchanges `code` and finds the site the grant reaches.
    pub async fn finish(self, code: &SecretString) -> Result<OAuthSession, LoginError> {
        let http = oauth_client().map_err(|e| LoginError::Client(describe(e)))?;
        let config = &self.config;
        let issued = request_tokens(
            &http,
            &config.endpoints.token,
            &Grant::AuthorizationCode {
                client_id: &config.client_id,
                client_secret: config.client_secret.expose_secret(),
                code: code.expose_secret(),
                redirect_uri: &self.redirect_uri,
            },
        )
        .await?;
        let resource = choose_site(
            accessible_resources(&http, &config.endpoints, &issued.access_token).await?,
            config.site.as_deref(),
        )?;
        let api_url = config
            .endpoints
            .api
            .as_str()
            .trim_end_matches('/')
            .to_owned();
        // Validates the cloud id and site URL the way `run` will use them.
        Site::new(&resource.url, &api_url, &resource.id)?;
        Ok(OAuthSession {
            version: OAuthSession::FORMAT_VERSION,
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
            token_url: config.endpoints.token.to_string(),
            api_url,
            site_url: resource.url,
            cloud_id: resource.id,
            scopes: issued.scope.split_whitespace().map(str::to_owned).collect(),
            access_token: issued.access_token,
            refresh_token: issued.refresh_token,
            expires_at: OAuthSession::expiry_from_now(issued.expires_in),
        })
    }
}

fn is_loopback_http(url: &Url) -> bool {
    url.scheme() == "http"
        && match url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            _ => false,
        }
}

fn random_state() -> String {
    let bytes: [u8; STATE_BYTES] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn authorize_url(config: &LoginConfig, redirect_uri: &str, state: &str) -> Url {
    let scope = config
        .scopes
        .iter()
        .map(|s| s.as_str())
        .chain([OFFLINE_ACCESS])
        .collect::<Vec<_>>()
        .join(" ");
    let mut url = config.endpoints.authorize.clone();
    url.query_pairs_mut()
        .append_pair("audience", AUDIENCE)
        .append_pair("client_id", &config.client_id)
        .append_pair("scope", &scope)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("state", state)
        .append_pair("response_type", "code")
        .append_pair("prompt", "consent");
    url
}

/// Keeps an OAuth error code (`access_denied`) and drops anything else.
fn sanitize_error_code(error: &str) -> String {
    let ok = !error.is_empty()
        && error.len() <= 40
        && error.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    if ok {
        error.to_owned()
    } else {
        "unrecognised error".to_owned()
    }
}

#[derive(Deserialize)]
struct Resource {
    id: String,
    url: String,
}

async fn accessible_resources(
    http: &reqwest::Client,
    endpoints: &OAuthEndpoints,
    access_token: &SecretString,
) -> Result<Vec<Resource>, LoginError> {
    let mut response = http
        .get(endpoints.accessible_resources())
        .bearer_auth(access_token.expose_secret())
        .header(http::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| LoginError::Resources(describe(e)))?;
    if !response.status().is_success() {
        return Err(LoginError::Resources(format!(
            "HTTP {}",
            response.status().as_u16()
        )));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| LoginError::Resources(describe(e)))?
    {
        if body.len() + chunk.len() > MAX_RESOURCES_RESPONSE {
            return Err(LoginError::Resources("the answer is too large".to_owned()));
        }
        body.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&body)
        .map_err(|_| LoginError::Resources("the answer is not the expected JSON".to_owned()))
}

fn choose_site(resources: Vec<Resource>, wanted: Option<&str>) -> Result<Resource, LoginError> {
    let listed = || {
        resources
            .iter()
            .map(|r| r.url.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match wanted {
        Some(wanted) => {
            let wanted_norm = wanted.trim_end_matches('/');
            let names = listed();
            resources
                .into_iter()
                .find(|r| {
                    r.url
                        .trim_end_matches('/')
                        .eq_ignore_ascii_case(wanted_norm)
                })
                .ok_or_else(|| LoginError::SiteNotGranted(wanted.to_owned(), names))
        }
        None if resources.len() > 1 => Err(LoginError::AmbiguousSite(listed())),
        None => resources.into_iter().next().ok_or(LoginError::NoSite),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config() -> LoginConfig {
        LoginConfig {
            client_id: "cid".into(),
            client_secret: SecretString::from("cs"),
            endpoints: OAuthEndpoints::on("http://127.0.0.1:9").unwrap(),
            scopes: [
                "read:jira-work".parse().unwrap(),
                "read:jira-user".parse().unwrap(),
            ]
            .into_iter()
            .collect(),
            site: None,
        }
    }

    #[test]
    fn authorize_url_carries_every_parameter() {
        let url = authorize_url(&config(), "http://127.0.0.1:5/callback", "st");
        let pairs: HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(pairs["audience"], "api.atlassian.com");
        assert_eq!(pairs["client_id"], "cid");
        assert_eq!(
            pairs["scope"],
            "read:jira-user read:jira-work offline_access"
        );
        assert_eq!(pairs["redirect_uri"], "http://127.0.0.1:5/callback");
        assert_eq!(pairs["state"], "st");
        assert_eq!(pairs["response_type"], "code");
        assert_eq!(pairs["prompt"], "consent");
        assert!(
            !url.as_str().contains("cs"),
            "the client secret never goes to the browser"
        );
    }

    #[test]
    fn states_are_random() {
        assert_ne!(random_state(), random_state());
        assert!(random_state().len() >= 43);
    }

    fn redirect(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn refuses_a_redirect_off_loopback_and_an_app_without_scopes() {
        for off in [
            "http://0.0.0.0:5/callback",
            "http://10.0.0.1:5/callback",
            "http://localhost.evil.example/callback",
            "https://127.0.0.1:5/callback",
        ] {
            assert!(
                matches!(
                    Login::new(config(), &redirect(off)),
                    Err(LoginError::NotLoopback(_))
                ),
                "{off}"
            );
        }
        let mut empty = config();
        empty.scopes = DeclaredScopes::default();
        assert!(matches!(
            Login::new(empty, &redirect("http://127.0.0.1:5/callback")),
            Err(LoginError::NoScopes)
        ));
    }

    #[test]
    fn only_a_callback_with_this_logins_state_is_an_answer() {
        let login = Login::new(config(), &redirect("http://[::1]:5/callback")).unwrap();
        let state = login
            .authorize_url()
            .query_pairs()
            .find(|(name, _)| name == "state")
            .map(|(_, value)| value.into_owned());
        let check = login.callback_check();
        let query =
            |state: Option<String>, code: Option<&str>, error: Option<&str>| CallbackQuery {
                state,
                code: code.map(str::to_owned),
                error: error.map(str::to_owned),
            };
        assert!(matches!(
            check.check(query(Some("forged".into()), Some("c"), None)),
            Err(CallbackRefused::StateMismatch)
        ));
        assert!(matches!(
            check.check(query(None, Some("c"), None)),
            Err(CallbackRefused::StateMismatch)
        ));
        assert!(matches!(
            check.check(query(state.clone(), Some(""), None)),
            Err(CallbackRefused::Incomplete)
        ));
        assert!(matches!(
            check.check(query(state.clone(), None, Some("<b>nope</b>"))),
            Ok(Callback::Denied(error)) if error == "unrecognised error"
        ));
        match check.check(query(state, Some("the-code"), None)) {
            Ok(Callback::Code(code)) => assert_eq!(code.expose_secret(), "the-code"),
            _ => panic!("the code is the answer"),
        }
    }

    #[test]
    fn site_choice() {
        let two = || {
            vec![
                Resource {
                    id: "a".into(),
                    url: "https://a.atlassian.net".into(),
                },
                Resource {
                    id: "b".into(),
                    url: "https://b.atlassian.net".into(),
                },
            ]
        };
        assert!(matches!(
            choose_site(two(), None),
            Err(LoginError::AmbiguousSite(_))
        ));
        assert_eq!(
            choose_site(two(), Some("https://b.atlassian.net/"))
                .unwrap()
                .id,
            "b"
        );
        assert!(matches!(
            choose_site(two(), Some("https://c.atlassian.net")),
            Err(LoginError::SiteNotGranted(..))
        ));
        assert!(matches!(
            choose_site(Vec::new(), None),
            Err(LoginError::NoSite)
        ));
    }

    #[test]
    fn error_codes_are_kept_and_free_text_dropped() {
        assert_eq!(sanitize_error_code("access_denied"), "access_denied");
        assert_eq!(sanitize_error_code("<script>"), "unrecognised error");
    }
}
