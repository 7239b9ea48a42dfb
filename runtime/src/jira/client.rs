//! The host's HTTP client for Jira: one per runtime, shared by invocations.
//!
//! Configured so that nothing outside the host's own decision can change
//! where a request goes or what it carries: redirects are never followed (a
//! redirect would carry the credential to another origin), no system proxy
//! (an environment variable must not reroute credentials), no cookies, and
//! connect and total timeouts are explicit.

use std::time::Duration;

use crate::credentials::{Credential, Credentials};
use crate::site::Site;

/// Limits of the host's HTTP traffic on behalf of guests.
#[derive(Debug, Clone)]
pub struct HttpLimits {
    /// Time to establish a connection (slowloris-style stalls).
    pub connect_timeout: Duration,
    /// Time for one whole request, body included (a body that trickles
    /// forever).
    pub request_timeout: Duration,
    /// Largest request body a guest may send.
    pub max_request_body: usize,
    /// Largest response body passed back (memory exhaustion of host and guest).
    pub max_response_body: usize,
    /// Bytes sent plus received per invocation.
    pub max_bytes_per_invocation: u64,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(20),
            max_request_body: 1024 * 1024,
            max_response_body: 8 * 1024 * 1024,
            max_bytes_per_invocation: 32 * 1024 * 1024,
        }
    }
}

/// What every invocation's `request-jira` shares: the site, the credentials
/// and the connection pool.
pub struct JiraClient {
    pub(crate) http: reqwest::Client,
    pub(crate) site: Site,
    pub(crate) credentials: Credentials,
    pub(crate) limits: HttpLimits,
}

/// Why the HTTP client could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the HTTP client: {0}")]
pub struct ClientError(String);

impl JiraClient {
    pub fn new(
        site: Site,
        credentials: Credentials,
        limits: HttpLimits,
    ) -> Result<Self, ClientError> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(limits.connect_timeout)
            .timeout(limits.request_timeout)
            .user_agent(concat!("kiln-runtime/", env!("CARGO_PKG_VERSION")))
            .https_only(false)
            .build()
            .map_err(|e| ClientError(e.without_url().to_string()))?;
        Ok(Self {
            http,
            site,
            credentials,
            limits,
        })
    }

    /// The configured site.
    pub fn site(&self) -> &Site {
        &self.site
    }

    pub(crate) fn credential(&self, app: bool) -> Option<&Credential> {
        if app {
            self.credentials.app.as_ref()
        } else {
            self.credentials.user.as_ref()
        }
    }

    /// Whether any configured credential's secret equals `needle`; lets tests
    /// check that a canary really is the credential in use.
    pub fn holds_secret(&self, needle: &str) -> bool {
        [&self.credentials.user, &self.credentials.app]
            .into_iter()
            .flatten()
            .any(|c| c.secret_equals(needle))
    }
}
