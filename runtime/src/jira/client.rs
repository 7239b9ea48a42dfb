//! The host's Jira client: one per runtime, shared by invocations.
//!
//! It holds the site, the credentials, the limits and the [`Transport`]
//! requests leave by. The transport is HTTP in real use; an in-process one
//! (benchmarks, tests, fuzzers) replaces only the socket, see
//! [`transport`].

pub mod transport;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::HeaderValue;

pub use transport::{OutgoingRequest, Transport, TransportError};

use super::rate_limit::RateLimitGate;
use super::redact::Redactor;
use crate::credentials::{Credential, Credentials};
use crate::policy::app_data::CredentialOwner;
use crate::site::Site;

/// Renewed access tokens a renewable credential's redactor keeps searching
/// for after newer ones replaced them: a site may echo an earlier request.
const REMEMBERED_RENEWED_HEADERS: usize = 8;

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
    /// What every response is cleaned of before the guest sees it.
    redaction: Redaction,
    /// The site's `Retry-After`, honoured by every invocation of the
    /// installation (see [`super::rate_limit`]).
    pub(crate) rate_limit: RateLimitGate,
    /// Whom the site takes these credentials for: the host's (every app it
    /// serves calls with them) unless [`JiraClient::owned_by_the_app`] says
    /// the app has them alone. Opens the app's own data
    /// ([`crate::policy::app_data`]).
    pub(crate) credential_owner: CredentialOwner,
}

/// The redactors of responses (see [`super::redact`]): one for the secrets
/// known when the client was built, and one rebuilt when a renewable
/// credential attaches an access token not seen before.
struct Redaction {
    fixed: Arc<Redactor>,
    any_renewable: bool,
    renewed: Mutex<Option<Renewed>>,
}

struct Renewed {
    /// `Authorization` values attached so far by renewable credentials,
    /// oldest first, at most [`REMEMBERED_RENEWED_HEADERS`].
    seen: Vec<HeaderValue>,
    redactor: Arc<Redactor>,
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
        let redaction = Redaction {
            fixed: Arc::new(redactor_for(&credentials, &[])),
            any_renewable: [&credentials.user, &credentials.app]
                .into_iter()
                .flatten()
                .any(Credential::is_renewable),
            renewed: Mutex::new(None),
        };
        Self {
            transport,
            site,
            credentials,
            limits,
            fixed_authorization,
            redaction,
            rate_limit: RateLimitGate::default(),
            credential_owner: CredentialOwner::Host,
        }
    }

    /// This client's credentials are the app's alone on the site: the site
    /// knows its app principal as this one app (Kiln's simulator gives each
    /// app an integration of its own), so the operations Jira confines to
    /// the calling app's own data are open to it
    /// ([`crate::policy::app_data`]). A client made without it is the
    /// host's, shared by every app the host serves on the site: say this
    /// only where no other app calls with the same credentials.
    pub fn owned_by_the_app(mut self) -> Self {
        self.credential_owner = CredentialOwner::App;
        self
    }

    /// Whom the site takes this client's credentials for.
    pub fn credential_owner(&self) -> CredentialOwner {
        self.credential_owner
    }

    /// The redactor for a response to a request that carried `attached`
    /// (its `Authorization` values): every secret of every principal, and
    /// the access tokens renewable credentials attached. Built once per new
    /// access token, not per request.
    pub(crate) fn redactor(&self, attached: &[&HeaderValue]) -> Arc<Redactor> {
        let fixed = |header: &HeaderValue| {
            [
                &self.fixed_authorization.user,
                &self.fixed_authorization.app,
            ]
            .into_iter()
            .flatten()
            .any(|f| f == header)
        };
        if !self.redaction.any_renewable || attached.iter().all(|h| fixed(h)) {
            return self.redaction.fixed.clone();
        }
        // Poisoning only means a panic elsewhere while rebuilding; the cache
        // is replaced whole, so what is there is consistent.
        let mut renewed = self
            .redaction
            .renewed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(current) = renewed.as_ref()
            && attached.iter().all(|h| current.seen.contains(h))
        {
            return current.redactor.clone();
        }
        let mut seen = renewed.take().map(|r| r.seen).unwrap_or_default();
        for header in attached {
            if !fixed(header) && !seen.contains(header) {
                seen.push((*header).clone());
            }
        }
        let excess = seen.len().saturating_sub(REMEMBERED_RENEWED_HEADERS);
        seen.drain(..excess);
        let redactor = Arc::new(redactor_for(&self.credentials, &seen));
        *renewed = Some(Renewed {
            seen,
            redactor: redactor.clone(),
        });
        redactor
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

/// A redactor for every secret `credentials` hold now, plus the credential
/// part (after the scheme) of each of `headers`.
fn redactor_for(credentials: &Credentials, headers: &[HeaderValue]) -> Redactor {
    let mut secrets: Vec<zeroize::Zeroizing<Vec<u8>>> = [&credentials.user, &credentials.app]
        .into_iter()
        .flatten()
        .flat_map(Credential::redaction_secrets)
        .map(|secret| zeroize::Zeroizing::new(secret.as_bytes().to_vec()))
        .collect();
    for header in headers {
        let value = header.as_bytes();
        let credential = match value.iter().position(|&b| b == b' ') {
            Some(space) => &value[space + 1..],
            None => value,
        };
        secrets.push(zeroize::Zeroizing::new(credential.to_vec()));
    }
    Redactor::new(secrets.iter().map(|s| s.as_slice()))
}
