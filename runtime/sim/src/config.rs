//! How a simulator run is set up.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use crate::clock::SimClock;
use crate::faults::Faults;
use crate::seed::Seed;
use crate::user::random_secret;
use crate::webhooks::WebhookConfig;

/// Everything [`crate::Simulator::start`] needs; `Default` is a loopback site with the
/// built-in data, no faults and a freshly generated OAuth client.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Where to listen. The default, `127.0.0.1:0`, picks a free loopback port so
    /// parallel tests never collide and nothing is reachable from the network.
    pub listen: SocketAddr,
    /// Users, projects, issues and JSM Ops data the site starts with.
    pub seed: Seed,
    /// Failures to inject from the first request on (switchable later).
    pub faults: Faults,
    /// The one OAuth 2.0 (3LO) app the authorization server knows.
    pub oauth: OAuthClientConfig,
    /// Where "now" comes from; tests freeze it to get time-dependent answers
    /// (who is on call) that do not depend on when they run.
    pub clock: SimClock,
    /// The app's own client-credentials integration (a service account), for `asApp()`.
    pub app_client: AppClientConfig,
    /// Where and how webhooks are delivered (loopback only by default).
    pub webhooks: WebhookConfig,
    /// The site's cloud id. `None` (the default) draws a new one at every start, a
    /// site of its own as its random API tokens are; `runtime run`, `runtime sim` and
    /// `runtime serve` give their site [`EMBEDDED_SITE_CLOUD_ID`], so an app that keys
    /// what it stores by `context.cloudId` finds it again on the next run, as its app
    /// storage outlives the run (`kiln_runtime::storage::SIMULATOR_SITE`).
    pub cloud_id: Option<uuid::Uuid>,
    /// Bytes of accepted writes the site takes over its life before it refuses more
    /// (`507`); reads are never refused. The simulator keeps its site in memory, so
    /// this bounds what a client can make it hold
    /// ([`crate::write_budget::DEFAULT_WRITE_BUDGET_BYTES`] by default).
    pub write_budget_bytes: u64,
}

/// The cloud id of the simulated site Kiln's commands start: the same on every start
/// and every machine, as a real site's is (`4b494c4e` is "KILN").
pub const EMBEDDED_SITE_CLOUD_ID: uuid::Uuid =
    uuid::Uuid::from_u128(0x4b49_4c4e_0000_4000_8000_0000_0000_0001);

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            seed: Seed::default(),
            faults: Faults::default(),
            oauth: OAuthClientConfig::default(),
            clock: SimClock::system(),
            app_client: AppClientConfig::default(),
            webhooks: WebhookConfig::default(),
            cloud_id: None,
            write_budget_bytes: crate::write_budget::DEFAULT_WRITE_BUDGET_BYTES,
        }
    }
}

/// The registered OAuth 2.0 integration, as in Atlassian's developer console.
#[derive(Clone)]
pub struct OAuthClientConfig {
    /// Public client identifier.
    pub client_id: String,
    /// Client secret; random per start unless a test pins it.
    pub client_secret: String,
    /// Exact callback URLs the app registered. Empty means "any `http` loopback URL":
    /// a local CLI listens on an ephemeral port it cannot register ahead of time, and
    /// loopback-only keeps an authorization code from being sent off the machine.
    pub callback_urls: Vec<String>,
    /// How long an access token is accepted. Atlassian's is one hour; tests shorten it
    /// to exercise refresh.
    pub access_token_lifetime: Duration,
}

/// Atlassian issues access tokens valid for one hour.
const ATLASSIAN_ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

impl Default for OAuthClientConfig {
    fn default() -> Self {
        Self {
            client_id: random_secret("", 24),
            client_secret: random_secret("", 48),
            callback_urls: Vec::new(),
            access_token_lifetime: ATLASSIAN_ACCESS_TOKEN_LIFETIME,
        }
    }
}

impl std::fmt::Debug for OAuthClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthClientConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("callback_urls", &self.callback_urls)
            .field("access_token_lifetime", &self.access_token_lifetime)
            .finish()
    }
}

/// An OAuth 2.0 client-credentials integration, as an Atlassian service account has:
/// the app authenticates as itself (`grant_type=client_credentials`), with no user
/// and no refresh token, and calls the gateway with the access token.
#[derive(Clone)]
pub struct AppClientConfig {
    /// Public client identifier.
    pub client_id: String,
    /// Client secret; random per start unless a test pins it.
    pub client_secret: String,
    /// Scopes every token of this client carries: a service account's credential is
    /// created with a fixed scope set, and the gateway checks each call against it.
    pub scopes: Vec<String>,
    /// Email of the seeded user whose account the service account acts as (its
    /// project permissions apply); the site admin unless a test says otherwise.
    pub acts_as: String,
    /// How long an access token is accepted; tests shorten it to exercise renewal.
    pub access_token_lifetime: Duration,
}

/// The default seed's site admin (`Seed::default()`), the service account's stand-in.
const DEFAULT_SEED_ADMIN: &str = "admin@example.com";

impl AppClientConfig {
    /// The seeded user the service account acts as, on a site seeded with `seed`:
    /// [`AppClientConfig::acts_as`], except that the default stand-in, the default
    /// seed's admin, becomes the seed's first site admin when a `--seed` file has no
    /// such user (else every `asApp()` call of that site failed, with a banner
    /// saying the service account was there).
    pub(crate) fn acting_in(mut self, seed: &crate::seed::Seed) -> Self {
        let seeded = |email: &str| {
            seed.users
                .iter()
                .any(|u| u.email.eq_ignore_ascii_case(email))
        };
        if self.acts_as == DEFAULT_SEED_ADMIN
            && !seeded(&self.acts_as)
            && let Some(admin) = seed.users.iter().find(|u| u.site_admin)
        {
            self.acts_as = admin.email.clone();
        }
        self
    }
}

/// Every scope the simulator checks for: the embedded site's app may reach any route
/// the manifest allows, since the host has already narrowed calls to those
/// (`tests/not_modelled.rs` asks every modelled operation to be sure).
const DEFAULT_APP_SCOPES: &[&str] = &[
    "read:jira-work",
    "write:jira-work",
    "read:jira-user",
    // getUserEmail and getUserEmailBulk, which Jira serves to apps only.
    "read:email-address:jira",
    "manage:jira-project",
    "manage:jira-configuration",
    "read:ops-config:jira-service-management",
    "write:ops-config:jira-service-management",
    "delete:ops-config:jira-service-management",
    "read:ops-alert:jira-service-management",
    "write:ops-alert:jira-service-management",
    "manage:jira-webhook",
    "read:app-data:jira",
    "write:app-data:jira",
    "read:board-scope:jira-software",
    "read:board-scope.admin:jira-software",
    "write:board-scope.admin:jira-software",
    "delete:board-scope.admin:jira-software",
    "write:board-scope:jira-software",
    "read:sprint:jira-software",
    "write:sprint:jira-software",
    "delete:sprint:jira-software",
    "read:issue:jira-software",
    "write:issue:jira-software",
    "read:epic:jira-software",
    "write:epic:jira-software",
    "read:project:jira",
    "read:issue-details:jira",
    "read:jql:jira",
    "read:permission:jira",
    // Jira Software's DevOps APIs, under Forge's scopes (the catalogue's
    // extra-routes.tsv).
    "read:build-info:jira",
    "write:build-info:jira",
    "delete:build-info:jira",
    "read:deployment-info:jira",
    "write:deployment-info:jira",
    "delete:deployment-info:jira",
    "read:dev-info:jira",
    "write:dev-info:jira",
    "delete:dev-info:jira",
    "read:feature-flag-info:jira",
    "write:feature-flag-info:jira",
    "delete:feature-flag-info:jira",
    "read:remote-link-info:jira",
    "write:remote-link-info:jira",
    "delete:remote-link-info:jira",
];

impl Default for AppClientConfig {
    fn default() -> Self {
        Self {
            client_id: random_secret("", 24),
            client_secret: random_secret("", 48),
            scopes: DEFAULT_APP_SCOPES
                .iter()
                .map(|s| String::from(*s))
                .collect(),
            acts_as: String::from(DEFAULT_SEED_ADMIN),
            access_token_lifetime: ATLASSIAN_ACCESS_TOKEN_LIFETIME,
        }
    }
}

impl std::fmt::Debug for AppClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppClientConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("scopes", &self.scopes)
            .field("acts_as", &self.acts_as)
            .field("access_token_lifetime", &self.access_token_lifetime)
            .finish()
    }
}
