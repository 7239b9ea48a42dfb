//! [`ClientCredentials`]: the app principal's own OAuth 2.0 credential, as an
//! Atlassian service account has. The host trades the client id and secret for
//! a short-lived access token at the token endpoint
//! (`grant_type=client_credentials`) and sends it as a bearer token through
//! the API gateway.
//!
//! There is no refresh token and nothing is written to disk: renewing is
//! asking again with the secret, so a token lives only in this process's
//! memory, and only until shortly before it expires.

use std::time::{Duration, Instant};

use http::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::endpoints::{EndpointUrlError, checked};
use super::http::{describe, oauth_client};
use super::refresh::DEFAULT_REFRESH_MARGIN;
use super::token_response::{self, Grant, TokenEndpointError, request_tokens};

/// Why the app's credential gave no bearer header. Never quotes the secret,
/// a token, or the server's free text.
#[derive(Debug, thiserror::Error)]
pub enum ClientCredentialsError {
    #[error("the app's OAuth client_id and client_secret must both be set")]
    Missing,
    #[error("the app's token endpoint: {0}")]
    Endpoint(#[from] EndpointUrlError),
    #[error("cannot build the OAuth HTTP client: {0}")]
    Client(String),
    #[error(
        "the authorization server gave the app no access token: {0}; check the app's client_id and client_secret"
    )]
    Rejected(#[source] TokenEndpointError),
    #[error("the app's access token contains characters that cannot be sent in an HTTP header")]
    Malformed,
}

/// The client id and secret of the app's OAuth 2.0 integration, and the
/// token endpoint that accepts them. The secret is redacted in `Debug` and
/// zeroed on drop.
pub struct ClientCredentialsConfig {
    pub client_id: String,
    pub client_secret: SecretString,
    pub token_url: String,
}

impl std::fmt::Debug for ClientCredentialsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentialsConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .field("token_url", &self.token_url)
            .finish()
    }
}

/// An access token and when to stop using it.
struct CachedToken {
    access_token: SecretString,
    /// The server's expiry less the refresh margin, on the monotonic clock
    /// (a wall-clock jump must not keep a dead token in use).
    renew_at: Instant,
}

/// Hands out the app's current `Authorization: Bearer …` header, fetching a
/// new access token when none is cached or the cached one is about to expire.
pub struct ClientCredentials {
    client_id: String,
    client_secret: SecretString,
    token_url: Url,
    http: reqwest::Client,
    margin: Duration,
    /// Held across a fetch, so concurrent invocations that all find the token
    /// stale fetch it once and share it.
    cached: tokio::sync::Mutex<Option<CachedToken>>,
}

impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id)
            .field("token_url", &self.token_url.as_str())
            .finish_non_exhaustive()
    }
}

impl ClientCredentials {
    /// Checks the token endpoint like every OAuth endpoint (https, or http on
    /// loopback): the client secret must never cross a network in clear.
    pub fn new(config: ClientCredentialsConfig) -> Result<Self, ClientCredentialsError> {
        if config.client_id.is_empty() || config.client_secret.expose_secret().is_empty() {
            return Err(ClientCredentialsError::Missing);
        }
        let token_url = checked("token", &config.token_url)?;
        let http = oauth_client().map_err(|e| ClientCredentialsError::Client(describe(e)))?;
        Ok(Self {
            client_id: config.client_id,
            client_secret: config.client_secret,
            token_url,
            http,
            margin: DEFAULT_REFRESH_MARGIN,
            cached: tokio::sync::Mutex::new(None),
        })
    }

    /// Renew this long before expiry instead of [`DEFAULT_REFRESH_MARGIN`].
    pub fn with_refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// The app's client id (public; shown in diagnostics).
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The header for the next request: the cached token while it is fresh,
    /// else a new one from the token endpoint.
    pub async fn bearer(&self) -> Result<HeaderValue, ClientCredentialsError> {
        let mut cached = self.cached.lock().await;
        if let Some(token) = cached.as_ref()
            && Instant::now() < token.renew_at
        {
            return bearer_header(&token.access_token);
        }
        self.fetch_into(&mut cached).await
    }

    /// The gateway answered 401 to `rejected`: fetch a new token, unless a
    /// concurrent request already replaced the rejected one.
    pub async fn renew_after_rejection(
        &self,
        rejected: &HeaderValue,
    ) -> Result<HeaderValue, ClientCredentialsError> {
        let mut cached = self.cached.lock().await;
        if let Some(token) = cached.as_ref() {
            let current = bearer_header(&token.access_token)?;
            if current != rejected {
                return Ok(current);
            }
        }
        self.fetch_into(&mut cached).await
    }

    /// Whether the client secret or the cached access token is exactly
    /// `needle` (for canary checks; never printed).
    pub fn holds_secret(&self, needle: &str) -> bool {
        if self.client_secret.expose_secret() == needle {
            return true;
        }
        // A fetch in progress holds the lock; it cannot hold the needle yet.
        self.cached.try_lock().is_ok_and(|cached| {
            cached
                .as_ref()
                .is_some_and(|t| t.access_token.expose_secret() == needle)
        })
    }

    /// The client secret and, when no fetch holds the cache, the cached
    /// access token, for the response redactor. A token fetched meanwhile
    /// reaches the redactor through the header it is sent in.
    pub(crate) fn redaction_secrets(&self) -> Vec<zeroize::Zeroizing<String>> {
        let mut secrets = vec![zeroize::Zeroizing::new(
            self.client_secret.expose_secret().to_owned(),
        )];
        if let Ok(cached) = self.cached.try_lock()
            && let Some(token) = cached.as_ref()
        {
            secrets.push(zeroize::Zeroizing::new(
                token.access_token.expose_secret().to_owned(),
            ));
        }
        secrets
    }

    async fn fetch_into(
        &self,
        cached: &mut Option<CachedToken>,
    ) -> Result<HeaderValue, ClientCredentialsError> {
        // Drop the old token first: a failed fetch must not leave a token the
        // server may already consider dead in use.
        *cached = None;
        let grant = Grant::ClientCredentials {
            client_id: &self.client_id,
            client_secret: self.client_secret.expose_secret(),
        };
        let requested_at = Instant::now();
        let issued = request_tokens(&self.http, &self.token_url, &grant)
            .await
            .map_err(ClientCredentialsError::Rejected)?;
        let header = bearer_header(&issued.access_token)?;
        // Measured from the request, not the answer: the server's clock
        // started before the answer arrived.
        let renew_at = (requested_at + issued.expires_in)
            .checked_sub(self.margin)
            .unwrap_or(requested_at);
        *cached = Some(CachedToken {
            access_token: issued.access_token,
            renew_at,
        });
        Ok(header)
    }
}

fn bearer_header(token: &SecretString) -> Result<HeaderValue, ClientCredentialsError> {
    token_response::bearer_header(token).ok_or(ClientCredentialsError::Malformed)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use serde_json::{Value, json};

    use super::*;
    use crate::oauth::token_response::{assert_concurrent_bearers, serve_test_endpoint};

    const SECRET: &str = "kiln-canary-app-client-secret";

    /// A token endpoint that issues `app-<n>` for the right secret, valid for
    /// `expires_in` seconds, and counts the calls.
    async fn token_server(expires_in: u64) -> (String, Arc<AtomicUsize>) {
        serve_test_endpoint(move |calls: &AtomicUsize, body: Value| {
            let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
            let ok = body["grant_type"] == "client_credentials"
                && body["client_id"] == "app-client"
                && body["client_secret"] == SECRET;
            if !ok {
                return (
                    axum::http::StatusCode::UNAUTHORIZED,
                    json!({"error": "access_denied", "error_description": body["client_secret"]}),
                );
            }
            (
                axum::http::StatusCode::OK,
                json!({
                    "access_token": format!("app-{n}"),
                    "expires_in": expires_in,
                    "token_type": "Bearer",
                }),
            )
        })
        .await
    }

    fn source(base: &str, secret: &str) -> Arc<ClientCredentials> {
        Arc::new(
            ClientCredentials::new(ClientCredentialsConfig {
                client_id: "app-client".into(),
                client_secret: SecretString::from(secret),
                token_url: format!("{base}/oauth/token"),
            })
            .unwrap(),
        )
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_fresh_token_is_shared_and_fetched_once() {
        let (base, calls) = token_server(3600).await;
        let source = source(&base, SECRET);
        assert_concurrent_bearers(
            6,
            || {
                let source = source.clone();
                async move { source.bearer().await.unwrap() }
            },
            "Bearer app-1",
        )
        .await;
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert!(source.holds_secret("app-1") && source.holds_secret(SECRET));
    }

    #[tokio::test]
    async fn a_token_inside_the_margin_is_replaced_before_use() {
        // 30 s of life is inside the 60 s margin: every call fetches anew.
        let (base, calls) = token_server(30).await;
        let source = source(&base, SECRET);
        assert_eq!(source.bearer().await.unwrap(), "Bearer app-1");
        assert_eq!(source.bearer().await.unwrap(), "Bearer app-2");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        assert!(!source.holds_secret("app-1"), "the stale token is dropped");
    }

    #[tokio::test]
    async fn a_401_renews_once_for_all_rejected_requests() {
        let (base, calls) = token_server(3600).await;
        let source = source(&base, SECRET);
        let first = source.bearer().await.unwrap();
        let renewed = source.renew_after_rejection(&first).await.unwrap();
        assert_eq!(renewed, "Bearer app-2");
        let again = source.renew_after_rejection(&first).await.unwrap();
        assert_eq!(again, renewed);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_wrong_secret_is_a_typed_error_that_quotes_nothing() {
        let (base, _calls) = token_server(3600).await;
        let source = source(&base, "kiln-canary-wrong-secret");
        let err = source.bearer().await.unwrap_err();
        assert!(
            matches!(&err, ClientCredentialsError::Rejected(e) if !e.is_invalid_grant()),
            "{err:?}"
        );
        let text = format!("{err} {err:?} {source:?}");
        assert!(!text.contains("kiln-canary"), "{text}");
    }

    #[test]
    fn cleartext_endpoints_and_empty_secrets_are_refused() {
        let config = |url: &str, secret: &str| ClientCredentialsConfig {
            client_id: "app-client".into(),
            client_secret: SecretString::from(secret),
            token_url: url.into(),
        };
        assert!(
            ClientCredentials::new(config("http://auth.example.com/oauth/token", SECRET)).is_err()
        );
        assert!(ClientCredentials::new(config("http://127.0.0.1:1/oauth/token", "")).is_err());
        let debug = format!(
            "{:?}",
            config("https://auth.example.com/oauth/token", SECRET)
        );
        assert!(!debug.contains(SECRET), "{debug}");
    }
}
