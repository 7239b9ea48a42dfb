//! [`TokenSource`]: hands out a current `Authorization: Bearer …` header,
//! refreshing the access token ahead of its expiry and once after a 401.
//!
//! Invocations share one source. Refreshes are single-flight: whoever finds
//! the token stale takes the refresh lock, and everyone queued behind it finds
//! the fresh token when they get the lock, instead of spending the rotating
//! refresh token a second time (which Atlassian treats as theft and answers by
//! revoking the whole grant). Across processes the same holds through the
//! token file's [`StoreLock`]: a refresh re-reads the file under the lock, so
//! a process that waited uses the tokens the other one just rotated.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use http::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::endpoints::{EndpointUrlError, checked};
use super::http::{describe, oauth_client};
use super::store_lock::{LOCK_PATIENCE, StoreLock};
use super::token_response::{self, Grant, TokenEndpointError, request_tokens};
use super::token_store::{OAuthSession, TokenStore, TokenStoreError};

/// Refresh this long before the access token's stated expiry, so a token does
/// not expire between the check and Jira receiving the request (clock skew,
/// slow networks).
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// Why no bearer header could be produced. Never quotes a token.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    #[error(
        "the OAuth login has no refresh token (offline_access was not granted); run `runtime login` again"
    )]
    NoRefreshToken,
    #[error(
        "the authorization server did not refresh the access token: {0}; run `runtime login` again"
    )]
    Rejected(#[source] TokenEndpointError),
    #[error("the token file names an invalid token endpoint: {0}")]
    Endpoint(#[from] EndpointUrlError),
    #[error("cannot build the OAuth HTTP client: {0}")]
    Client(String),
    #[error(transparent)]
    Store(#[from] TokenStoreError),
    #[error("the access token contains characters that cannot be sent in an HTTP header")]
    Malformed,
    #[error("the token refresh stopped before it finished")]
    Interrupted,
}

/// The logged-in user's OAuth tokens, kept current.
pub struct TokenSource {
    store: TokenStore,
    token_url: Url,
    http: reqwest::Client,
    margin: Duration,
    session: Mutex<OAuthSession>,
    /// Held for the whole of a refresh, so only one runs at a time.
    refreshing: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSource")
            .field("store", &self.store.path())
            .field("token_url", &self.token_url.as_str())
            .finish_non_exhaustive()
    }
}

impl TokenSource {
    /// Loads the session from `store`.
    pub fn load(store: TokenStore) -> Result<Self, RefreshError> {
        let session = store.load()?;
        Self::new(store, session)
    }

    /// A source for `session`, writing rotations back to `store`.
    pub fn new(store: TokenStore, session: OAuthSession) -> Result<Self, RefreshError> {
        let token_url = checked("token", &session.token_url)?;
        let http = oauth_client().map_err(|e| RefreshError::Client(describe(e)))?;
        Ok(Self {
            store,
            token_url,
            http,
            margin: DEFAULT_REFRESH_MARGIN,
            session: Mutex::new(session),
            refreshing: tokio::sync::Mutex::new(()),
        })
    }

    /// Refresh this long before expiry instead of [`DEFAULT_REFRESH_MARGIN`].
    pub fn with_refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// The token file this source rewrites.
    pub fn store(&self) -> &TokenStore {
        &self.store
    }

    /// A copy of the current session (site, cloud id, scopes, tokens).
    pub fn session(&self) -> OAuthSession {
        self.lock_session().clone()
    }

    /// The header for the next request, refreshing first when the access
    /// token expires within the margin.
    pub async fn bearer(self: &Arc<Self>) -> Result<HeaderValue, RefreshError> {
        if let Some(header) = self.fresh_header()? {
            return Ok(header);
        }
        self.refresh_on_own_task(None).await
    }

    /// The server answered 401 to `rejected`: refresh once and return the new
    /// header — unless another request already refreshed since, in which case
    /// its token is returned without spending the refresh token again.
    pub async fn renew_after_rejection(
        self: &Arc<Self>,
        rejected: &HeaderValue,
    ) -> Result<HeaderValue, RefreshError> {
        self.refresh_on_own_task(Some(rejected.clone())).await
    }

    /// Refreshes under the single-flight lock, on a task of its own: a caller
    /// that stops waiting (its invocation's deadline) must not abandon a
    /// refresh halfway, after the server rotated the refresh token but before
    /// the new one is saved — that would lose the only live refresh token.
    async fn refresh_on_own_task(
        self: &Arc<Self>,
        rejected: Option<HeaderValue>,
    ) -> Result<HeaderValue, RefreshError> {
        let this = Arc::clone(self);
        tokio::spawn(async move {
            let _single_flight = this.refreshing.lock().await;
            match rejected {
                None => {
                    if let Some(header) = this.fresh_header()? {
                        return Ok(header);
                    }
                }
                Some(rejected) => {
                    let current = this.current_header()?;
                    if current != rejected {
                        return Ok(current);
                    }
                }
            }
            // Another process may be refreshing the same file: wait for it,
            // then re-read what it wrote before spending a refresh token.
            let _file_lock = StoreLock::acquire(this.store.path(), LOCK_PATIENCE).await?;
            this.refresh_locked().await
        })
        .await
        .map_err(|_| RefreshError::Interrupted)?
    }

    /// Whether any secret of the session equals `needle` (for canary checks;
    /// never printed).
    pub fn holds_secret(&self, needle: &str) -> bool {
        let session = self.lock_session();
        session.access_token.expose_secret() == needle
            || session.client_secret.expose_secret() == needle
            || session
                .refresh_token
                .as_ref()
                .is_some_and(|t| t.expose_secret() == needle)
    }

    /// The session's secrets as they are now (access token, refresh token,
    /// client secret), for the response redactor.
    pub(crate) fn redaction_secrets(&self) -> Vec<zeroize::Zeroizing<String>> {
        let session = self.lock_session();
        [
            Some(&session.access_token),
            session.refresh_token.as_ref(),
            Some(&session.client_secret),
        ]
        .into_iter()
        .flatten()
        .map(|secret| zeroize::Zeroizing::new(secret.expose_secret().to_owned()))
        .collect()
    }

    fn lock_session(&self) -> std::sync::MutexGuard<'_, OAuthSession> {
        // Poisoning only means a panic elsewhere mid-update of plain data;
        // every update below replaces the session whole.
        self.session
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn fresh_header(&self) -> Result<Option<HeaderValue>, RefreshError> {
        let session = self.lock_session();
        if SystemTime::now() + self.margin >= session.expires_at() {
            return Ok(None);
        }
        bearer_header(&session.access_token).map(Some)
    }

    fn current_header(&self) -> Result<HeaderValue, RefreshError> {
        bearer_header(&self.lock_session().access_token)
    }

    /// Refreshes; the caller holds the refresh lock and the file lock.
    async fn refresh_locked(&self) -> Result<HeaderValue, RefreshError> {
        if let Some(header) = self.adopt_rotation_from_disk()? {
            return Ok(header);
        }
        let session = self.session();
        let refresh_token = session
            .refresh_token
            .as_ref()
            .ok_or(RefreshError::NoRefreshToken)?;
        let grant = Grant::RefreshToken {
            client_id: &session.client_id,
            client_secret: session.client_secret.expose_secret(),
            refresh_token: refresh_token.expose_secret(),
        };
        let issued = request_tokens(&self.http, &self.token_url, &grant)
            .await
            .map_err(RefreshError::Rejected)?;
        let mut renewed = session.clone();
        renewed.access_token = issued.access_token;
        // Atlassian always rotates; a server that does not keeps the old one.
        if let Some(rotated) = issued.refresh_token {
            renewed.refresh_token = Some(rotated);
        }
        renewed.expires_at = OAuthSession::expiry_from_now(issued.expires_in);
        if !issued.scope.is_empty() {
            renewed.scopes = issued.scope.split_whitespace().map(str::to_owned).collect();
        }
        let header = bearer_header(&renewed.access_token)?;
        // The old refresh token is already spent: the new session is the only
        // live one, so it is kept in memory even if the file cannot be
        // written (the next process will have to log in again).
        let saved = self.store.save(&renewed);
        *self.lock_session() = renewed;
        if let Err(error) = saved {
            tracing::warn!("the refreshed OAuth tokens could not be saved: {error}");
        }
        Ok(header)
    }

    /// Another `runtime` process may have rotated the tokens since this one
    /// loaded them; its refresh token is then the only live one, and its
    /// access token may still be good.
    fn adopt_rotation_from_disk(&self) -> Result<Option<HeaderValue>, RefreshError> {
        let Ok(on_disk) = self.store.load() else {
            return Ok(None);
        };
        let same_grant = {
            let session = self.lock_session();
            on_disk.client_id == session.client_id
                && on_disk.cloud_id == session.cloud_id
                && on_disk.token_url == session.token_url
        };
        let rotated = {
            let session = self.lock_session();
            match (&on_disk.refresh_token, &session.refresh_token) {
                (Some(disk), Some(ours)) => disk.expose_secret() != ours.expose_secret(),
                _ => false,
            }
        };
        if !same_grant || !rotated {
            return Ok(None);
        }
        let fresh = SystemTime::now() + self.margin < on_disk.expires_at();
        let header = bearer_header(&on_disk.access_token)?;
        *self.lock_session() = on_disk;
        Ok(fresh.then_some(header))
    }
}

fn bearer_header(token: &SecretString) -> Result<HeaderValue, RefreshError> {
    token_response::bearer_header(token).ok_or(RefreshError::Malformed)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use serde_json::{Value, json};

    use super::*;
    use crate::oauth::token_response::{assert_concurrent_bearers, serve_test_endpoint};
    use crate::oauth::token_store::tests::session;

    /// A token endpoint that rotates on every call and counts them; the
    /// `refresh_token` it expects is `rt-<calls so far>`.
    async fn token_server() -> (String, Arc<AtomicUsize>) {
        serve_test_endpoint(|calls: &AtomicUsize, body: Value| {
            let n = calls.load(Ordering::SeqCst);
            if body["refresh_token"] != format!("rt-{n}").as_str()
                || body["client_secret"] != "client-secret-canary"
            {
                return (
                    axum::http::StatusCode::FORBIDDEN,
                    json!({"error": "invalid_grant", "error_description": body["refresh_token"]}),
                );
            }
            let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
            (
                axum::http::StatusCode::OK,
                json!({
                    "access_token": format!("at-{n}"),
                    "refresh_token": format!("rt-{n}"),
                    "expires_in": 3600,
                    "token_type": "Bearer",
                    "scope": "read:jira-work offline_access",
                }),
            )
        })
        .await
    }

    fn source(base: &str, dir: &std::path::Path, expires_at: u64) -> Arc<TokenSource> {
        let mut s = session("rt-0");
        s.token_url = format!("{base}/oauth/token");
        s.expires_at = expires_at;
        let store = TokenStore::new(dir.join("tokens.json"));
        store.save(&s).unwrap();
        Arc::new(TokenSource::load(store).unwrap())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_requests_refresh_once() {
        let (base, calls) = token_server().await;
        let dir = tempfile::tempdir().unwrap();
        let source = source(&base, dir.path(), 0);
        assert_concurrent_bearers(
            8,
            || {
                let source = source.clone();
                async move { source.bearer().await.unwrap() }
            },
            "Bearer at-1",
        )
        .await;
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let stored = source.store().load().unwrap();
        assert_eq!(stored.refresh_token.unwrap().expose_secret(), "rt-1");
        assert_eq!(stored.scopes, ["read:jira-work", "offline_access"]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_sources_on_one_file_rotate_once_per_expiry() {
        let (base, calls) = token_server().await;
        let dir = tempfile::tempdir().unwrap();
        let first = source(&base, dir.path(), 0);
        // A second "process": its own source, loaded from the same file
        // before either refreshed, so both hold refresh token rt-0.
        let second = Arc::new(TokenSource::load(first.store().clone()).unwrap());
        let (a, b) = tokio::join!(
            tokio::spawn({
                let first = first.clone();
                async move { first.bearer().await }
            }),
            tokio::spawn({
                let second = second.clone();
                async move { second.bearer().await }
            }),
        );
        let (a, b) = (a.unwrap().unwrap(), b.unwrap().unwrap());
        assert_eq!(a, "Bearer at-1");
        assert_eq!(b, a, "the waiter adopted the other's rotation");
        assert_eq!(calls.load(Ordering::SeqCst), 1, "rt-0 was spent once");
        for source in [&first, &second] {
            assert_eq!(
                source.session().refresh_token.unwrap().expose_secret(),
                "rt-1"
            );
        }
    }

    #[tokio::test]
    async fn a_fresh_token_is_used_as_is_and_a_401_refreshes_once() {
        let (base, calls) = token_server().await;
        let dir = tempfile::tempdir().unwrap();
        let source = source(
            &base,
            dir.path(),
            OAuthSession::expiry_from_now(Duration::from_secs(3600)),
        );
        let first = source.bearer().await.unwrap();
        assert_eq!(first.to_str().unwrap(), "Bearer access-canary");
        assert_eq!(calls.load(Ordering::SeqCst), 0);

        let renewed = source.renew_after_rejection(&first).await.unwrap();
        assert_eq!(renewed.to_str().unwrap(), "Bearer at-1");
        // A second request that was rejected with the same old token gets the
        // already renewed one, without spending the refresh token again.
        let again = source.renew_after_rejection(&first).await.unwrap();
        assert_eq!(again, renewed);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_refused_refresh_is_typed_and_quotes_nothing() {
        let (base, _calls) = token_server().await;
        let dir = tempfile::tempdir().unwrap();
        let mut s = session(crate::oauth::token_store::tests::CANARY);
        s.token_url = format!("{base}/oauth/token");
        s.expires_at = 0;
        let store = TokenStore::new(dir.path().join("tokens.json"));
        store.save(&s).unwrap();
        let source = Arc::new(TokenSource::load(store).unwrap());
        let err = source.bearer().await.unwrap_err();
        assert!(
            matches!(&err, RefreshError::Rejected(e) if e.is_invalid_grant()),
            "{err}"
        );
        let text = format!("{err} {err:?}");
        assert!(
            !text.contains(crate::oauth::token_store::tests::CANARY),
            "{text}"
        );
        assert!(text.contains("runtime login"));
    }

    #[tokio::test]
    async fn adopts_a_rotation_another_process_wrote() {
        let (base, calls) = token_server().await;
        let dir = tempfile::tempdir().unwrap();
        let source = source(&base, dir.path(), 0);
        // Another process refreshed in the meantime and saved its tokens.
        let mut newer = source.session();
        newer.refresh_token = Some(SecretString::from("rt-from-elsewhere"));
        newer.access_token = SecretString::from("at-from-elsewhere");
        newer.expires_at = OAuthSession::expiry_from_now(Duration::from_secs(3600));
        source.store().save(&newer).unwrap();
        let header = source.bearer().await.unwrap();
        assert_eq!(header.to_str().unwrap(), "Bearer at-from-elsewhere");
        assert_eq!(
            calls.load(Ordering::SeqCst),
            0,
            "the retired refresh token was not spent"
        );
    }

    #[test]
    fn no_refresh_token_is_a_clear_error() {
        let mut s = session("x");
        s.refresh_token = None;
        s.expires_at = 0;
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::new(dir.path().join("t.json"));
        let source = Arc::new(TokenSource::new(store, s).unwrap());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let err = runtime.block_on(source.bearer()).unwrap_err();
        assert!(matches!(err, RefreshError::NoRefreshToken));
    }
}
