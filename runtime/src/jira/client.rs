//! The host's Jira client: one per runtime, shared by invocations.
//!
//! It holds the site, the credentials, the limits and the [`Transport`]
//! requests leave by. The transport is HTTP in real use; an in-process one
//! (benchmarks, tests, fuzzers) replaces only the socket, see
//! [`transport`].

pub mod transport;

use std::time::Duration;

use http::HeaderValue;

pub use transport::{OutgoingRequest, Transport, TransportError};

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
/// and the transport (with its connection pool).
pub struct JiraClient {
    pub(crate) transport: Transport,
    pub(crate) site: Site,
    pub(crate) credentials: Credentials,
    pub(crate) limits: HttpLimits,
    /// Each principal's `Authorization` value when its credential never
    /// changes (API token, fixed bearer): base64 of `email:token` and header
    /// validation once per client instead of once per call. The value is a
    /// sensitive [`HeaderValue`] (HTTP layers do not print it) and lives as
    /// long as the client, like the credential; unlike the credential's
    /// `SecretString` its bytes are not zeroized on drop. Before, each call
    /// left such a copy, unzeroized, in freed memory; now there is one.
    fixed_authorization: FixedAuthorization,
}

/// The precomputed header of each principal (`None`: renewable or absent).
struct FixedAuthorization {
    user: Option<HeaderValue>,
    app: Option<HeaderValue>,
}

/// Why the HTTP client could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the HTTP client: {0}")]
pub struct ClientError(String);

impl JiraClient {
    /// A client that sends over HTTP(S) ([`Transport::http`]).
    pub fn new(
        site: Site,
        credentials: Credentials,
        limits: HttpLimits,
    ) -> Result<Self, ClientError> {
        let transport = Transport::http(&limits)?;
        Ok(Self::with_transport(site, credentials, limits, transport))
    }

    /// A client that sends through `transport`, e.g.
    /// [`Transport::in_process`] for benchmarks, tests and fuzzers. Every
    /// check of `request-jira` runs as with HTTP; only the socket differs.
    pub fn with_transport(
        site: Site,
        credentials: Credentials,
        limits: HttpLimits,
        transport: Transport,
    ) -> Self {
        let fixed_authorization = FixedAuthorization {
            user: credentials
                .user
                .as_ref()
                .and_then(Credential::fixed_authorization),
            app: credentials
                .app
                .as_ref()
                .and_then(Credential::fixed_authorization),
        };
        Self {
            transport,
            site,
            credentials,
            limits,
            fixed_authorization,
        }
    }

    /// The transport requests leave by.
    pub fn transport(&self) -> &Transport {
        &self.transport
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

    /// The principal's `Authorization` value when its credential never
    /// changes; `None` means ask the credential
    /// ([`Credential::authorization`]).
    pub(crate) fn fixed_authorization(&self, app: bool) -> Option<&HeaderValue> {
        if app {
            self.fixed_authorization.app.as_ref()
        } else {
            self.fixed_authorization.user.as_ref()
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
