//! `runtime login`: the OAuth 2.0 authorization-code grant (3LO) with a
//! loopback redirect, as a library API that needs no terminal.
//!
//! [`PendingLogin::start`] binds the callback listener and builds the
//! authorize URL (audience, client id, the app's scopes plus
//! `offline_access`, redirect URI, a random `state`, `response_type=code`,
//! `prompt=consent`). Whoever drives the browser — a person, or a test —
//! opens [`PendingLogin::authorize_url`]; [`PendingLogin::finish`] waits for
//! the redirect, checks `state`, exchanges the code, and asks
//! `accessible-resources` which site (cloud id) the grant reaches.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use base64::Engine as _;
use kiln_manifest::DeclaredScopes;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::sync::oneshot;
use url::Url;

use super::OFFLINE_ACCESS;
use super::endpoints::OAuthEndpoints;
use super::http::{describe, oauth_client};
use super::token_response::{Grant, TokenEndpointError, request_tokens};
use super::token_store::OAuthSession;
use crate::site::Site;

/// The audience Atlassian issues Jira API tokens for.
const AUDIENCE: &str = "api.atlassian.com";
/// The callback path on the loopback listener.
const CALLBACK_PATH: &str = "/callback";
/// Bytes of randomness in `state`: unguessable, so a page that redirects the
/// browser to the listener cannot inject its own code (login CSRF).
const STATE_BYTES: usize = 32;
/// Largest `accessible-resources` answer read (a hostile gateway must not
/// make the host buffer without bound).
const MAX_RESOURCES_RESPONSE: usize = 256 * 1024;
/// How long a login waits for the browser by default.
pub const DEFAULT_LOGIN_TIMEOUT: Duration = Duration::from_secs(300);

/// What a login needs.
pub struct LoginConfig {
    pub client_id: String,
    pub client_secret: SecretString,
    pub endpoints: OAuthEndpoints,
    /// The app's declared scopes; `offline_access` is added.
    pub scopes: DeclaredScopes,
    /// Where the callback listener binds; must be a loopback address (port 0
    /// picks a free one; Atlassian needs the exact callback URL registered, so
    /// a real app pins the port).
    pub listen: SocketAddr,
    /// Which site to keep when the grant reaches several (its URL).
    pub site: Option<String>,
    /// How long to wait for the browser.
    pub timeout: Duration,
}

/// Why a login failed. Never quotes a code, a token or the client secret.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error(
        "the callback listener must be on a loopback address, not {0}: the code must not leave this machine"
    )]
    NotLoopback(SocketAddr),
    #[error("cannot listen for the OAuth callback on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the app declares no scopes, so there is nothing to authorize")]
    NoScopes,
    #[error("no answer from the browser within {0:?}")]
    TimedOut(Duration),
    #[error("the callback listener stopped before the browser came back")]
    ListenerGone,
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

/// A login waiting for the browser.
pub struct PendingLogin {
    config: LoginConfig,
    authorize_url: Url,
    redirect_uri: String,
    callback: oneshot::Receiver<Callback>,
    shutdown: Option<oneshot::Sender<()>>,
}

/// What the browser brought back (with `state` already checked).
enum Callback {
    Code(SecretString),
    Error(String),
}

/// Query of the redirect to the listener.
#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// Shared with the listener's handler.
struct ListenerState {
    state: String,
    deliver: Mutex<Option<oneshot::Sender<Callback>>>,
}

impl PendingLogin {
    /// Binds the loopback listener and builds the authorize URL.
    pub async fn start(config: LoginConfig) -> Result<Self, LoginError> {
        if !config.listen.ip().is_loopback() {
            return Err(LoginError::NotLoopback(config.listen));
        }
        if config.scopes.is_empty() {
            return Err(LoginError::NoScopes);
        }
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| LoginError::Listen {
                addr: config.listen,
                source,
            })?;
        let local = listener.local_addr().map_err(|source| LoginError::Listen {
            addr: config.listen,
            source,
        })?;
        let redirect_uri = format!("http://{local}{CALLBACK_PATH}");
        let state = random_state();
        let authorize_url = authorize_url(&config, &redirect_uri, &state);

        let (deliver, callback) = oneshot::channel();
        let shared = Arc::new(ListenerState {
            state,
            deliver: Mutex::new(Some(deliver)),
        });
        let app = axum::Router::new()
            .route(CALLBACK_PATH, axum::routing::get(receive))
            .with_state(shared);
        let (shutdown, stop) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = stop.await;
            });
            if let Err(error) = serve.await {
                tracing::warn!("the OAuth callback listener failed: {error}");
            }
        });
        Ok(Self {
            config,
            authorize_url,
            redirect_uri,
            callback,
            shutdown: Some(shutdown),
        })
    }

    /// The URL to open in a browser.
    pub fn authorize_url(&self) -> &Url {
        &self.authorize_url
    }

    /// The loopback callback URL (register it with the OAuth app).
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Waits for the browser, exchanges the code and finds the site.
    pub async fn finish(mut self) -> Result<OAuthSession, LoginError> {
        let timeout = self.config.timeout;
        let callback = tokio::time::timeout(timeout, &mut self.callback).await;
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        let code = match callback {
            Err(_) => return Err(LoginError::TimedOut(timeout)),
            Ok(Err(_)) => return Err(LoginError::ListenerGone),
            Ok(Ok(Callback::Error(error))) => return Err(LoginError::Denied(error)),
            Ok(Ok(Callback::Code(code))) => code,
        };
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

impl Drop for PendingLogin {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
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

/// The redirect from the authorization server. A request whose `state` is
/// not ours is refused and the login keeps waiting: it is another page trying
/// to plant its code, not the user's answer.
async fn receive(
    State(shared): State<Arc<ListenerState>>,
    Query(query): Query<CallbackQuery>,
) -> Response {
    if query.state.as_deref() != Some(shared.state.as_str()) {
        return (StatusCode::BAD_REQUEST, "state does not match this login").into_response();
    }
    let outcome = match (query.code, query.error) {
        (Some(code), None) if !code.is_empty() => Callback::Code(SecretString::from(code)),
        (_, Some(error)) => Callback::Error(sanitize_error_code(&error)),
        _ => return (StatusCode::BAD_REQUEST, "neither code nor error").into_response(),
    };
    let deliver = shared
        .deliver
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    let Some(deliver) = deliver else {
        return (StatusCode::CONFLICT, "this login has already completed").into_response();
    };
    let granted = matches!(outcome, Callback::Code(_));
    let _ = deliver.send(outcome);
    let page = if granted {
        "<!doctype html><title>Kiln</title><p>Kiln is logged in. You can close this tab.</p>"
    } else {
        "<!doctype html><title>Kiln</title><p>The authorization was not granted. You can close this tab.</p>"
    };
    Html(page).into_response()
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
            listen: "127.0.0.1:0".parse().unwrap(),
            site: None,
            timeout: DEFAULT_LOGIN_TIMEOUT,
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

    #[tokio::test]
    async fn refuses_a_listener_off_loopback_and_an_app_without_scopes() {
        let mut off = config();
        off.listen = "0.0.0.0:0".parse().unwrap();
        assert!(matches!(
            PendingLogin::start(off).await,
            Err(LoginError::NotLoopback(_))
        ));
        let mut empty = config();
        empty.scopes = DeclaredScopes::default();
        assert!(matches!(
            PendingLogin::start(empty).await,
            Err(LoginError::NoScopes)
        ));
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
