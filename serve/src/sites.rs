//! Building the sites a server talks to: the embedded simulator (offline, the default) and
//! the real sites `kiln.toml` names, each with its own runtime and Jira client, so one
//! site's credentials can never be attached to another site's requests. The runtimes share
//! one engine host (`kiln_runtime::engine_host`: the engine, its pool and the compiled apps),
//! which names no site.

use std::sync::Arc;

use kiln_runtime::consent::SiteIdentity;
use kiln_runtime::oauth::{ClientCredentials, ClientCredentialsConfig, TokenSource, TokenStore};
use kiln_runtime::site::ATLASSIAN_GATEWAY;
use kiln_runtime::{
    Credential, Credentials, EngineHost, HttpLimits, JiraClient, Runtime, RuntimeOptions, Site,
    SiteCredentials,
};
use kiln_sim::{SimConfig, Simulator};
use kiln_state::serve::{GrantIdentity, SiteBinding};
use rand::TryRng;
use secrecy::{ExposeSecret as _, SecretSlice, SecretString};

use crate::config::{SIMULATOR_SITE, SiteEntry};
use crate::error::StartError;
use crate::host::SiteHost;

/// The seeded simulator user apps act as (the site admin, as `runtime run` does).
const SIM_USER: &str = "admin@example.com";

/// The embedded simulator, with its own throwaway credentials for both principals and a
/// random webhook secret.
///
/// Its cloud id is the same every start ([`kiln_sim::EMBEDDED_SITE_CLOUD_ID`]), and app
/// storage names the site not by it (as it does a real site) but by the simulator's storage name
/// ([`kiln_runtime::storage::storage_site`] of [`SIMULATOR_SITE`]), as `runtime run` and
/// `runtime storage --site simulator` do: named by a cloud id that was new every start, an
/// app's stored values vanished at every restart, and replicas sharing a database each saw
/// their own storage for what serve state holds as one installation.
pub async fn embedded_simulator(
    host: &Arc<EngineHost>,
    mut options: RuntimeOptions,
    webhook_secret_file: Option<&std::path::Path>,
) -> Result<SiteHost, StartError> {
    options.installation_site =
        Some(kiln_runtime::storage::storage_site(SIMULATOR_SITE).to_owned());
    let simulator = Simulator::start(SimConfig {
        cloud_id: Some(kiln_sim::EMBEDDED_SITE_CLOUD_ID),
        ..SimConfig::default()
    })
    .await
    .map_err(|e| StartError::Site(format!("cannot start the embedded Jira simulator: {e}")))?;
    let account_id = simulator
        .user(SIM_USER)
        .map(|u| u.account_id.clone())
        .ok_or_else(|| StartError::Site(format!("the simulator has no user {SIM_USER}")))?;
    let app_client = simulator.app_client();
    let client = simulator_client(&simulator, &app_client).map_err(StartError::Site)?;
    let runtime = Runtime::on_host(host.clone(), client, options)
        .map_err(|e| StartError::Site(e.to_string()))?;
    // No account is every app's own here: each app's own account (`asApp()`) is its
    // installation's alone (`Installed::app_account`), and the user every app's `asUser()`
    // acts as is a person, whose writes count as an app's only when the simulator says
    // that app's integration made them (`Installed::cause`).
    Ok(SiteHost {
        name: SIMULATOR_SITE.into(),
        key: SIMULATOR_SITE.into(),
        runtime,
        account_id: Some(account_id),
        self_accounts: Vec::new(),
        webhook_secret: Some(match webhook_secret_file {
            Some(path) => read_secret(path)?,
            None => random_secret()?,
        }),
        oauth_client_secret: None,
        grant: GrantIdentity::Simulator,
        // Not its origin and cloud id, which are new at every start: the simulator's
        // approvals are re-given at every start anyway (`consent::Approver::Simulator`).
        binding: SiteBinding::new(SIMULATOR_SITE, "")
            .map_err(|e| StartError::Site(e.to_string()))?,
        simulator: Some(simulator),
    })
}

/// A client of the embedded simulator: the seeded user apps act as for the user principal,
/// and the client-credentials integration `app` for the app principal (the site's own, or an
/// app's, [`kiln_sim::Simulator::app_client_for`]).
///
/// An app's user principal calls with the API token of that user the simulator gave its
/// integration ([`kiln_sim::Simulator::user_token_for`]): the same person, but the
/// simulator knows which app wrote, as Forge does, and says so in its webhooks
/// (`Installed::cause`). An integration given to no app (the site's own client, before
/// any app is loaded) calls with the user's own token.
pub fn simulator_client(
    simulator: &Simulator,
    app: &kiln_sim::AppClientConfig,
) -> Result<JiraClient, String> {
    let (email, api_token) = match simulator.user_token_for(&app.client_id) {
        Some(own) => (own.email, own.token),
        None => simulator
            .user(SIM_USER)
            .map(|u| (u.email.clone(), u.api_token.clone()))
            .ok_or_else(|| format!("the simulator has no user {SIM_USER}"))?,
    };
    let app = ClientCredentials::new(ClientCredentialsConfig {
        client_id: app.client_id.clone(),
        client_secret: SecretString::from(app.client_secret.clone()),
        token_url: format!("{}/oauth/token", simulator.base_url()),
    })
    .map_err(|e| e.to_string())?;
    let credentials = Credentials {
        user: Some(Credential::ApiToken {
            email,
            token: SecretString::from(api_token),
        }),
        app: Some(Credential::AppClient(Arc::new(app))),
    };
    let site = Site::new(
        simulator.base_url(),
        simulator.base_url(),
        simulator.cloud_id(),
    )
    .map_err(|e| e.to_string())?;
    // Each app calls with an integration of its own here (`app`), which the simulator
    // confines the app's own data to, as Jira does for a Forge app.
    JiraClient::new(site, credentials, HttpLimits::default())
        .map(JiraClient::owned_by_the_app)
        .map_err(|e| e.to_string())
}

/// A configured site's key in serve state (installations, deliveries): its URL, without a
/// trailing slash.
pub fn site_key(entry: &SiteEntry) -> &str {
    entry.url.trim_end_matches('/')
}

/// A real site from `kiln.toml`.
pub fn configured(
    entry: &SiteEntry,
    host: &Arc<EngineHost>,
    options: RuntimeOptions,
) -> Result<SiteHost, StartError> {
    let site_error =
        |e: &dyn std::fmt::Display| StartError::Site(format!("site {:?}: {e}", entry.name));
    let (credentials, oauth_client_secret) = match (&entry.credentials, &entry.login) {
        (Some(path), _) => (
            SiteCredentials::from_file(path)
                .map_err(|e| site_error(&e))?
                .credentials,
            None,
        ),
        (None, Some(store)) => {
            // A 3LO login: the bearer token is refreshed by the runtime; its client secret
            // also authenticates the deliveries of the dynamic webhooks it registers.
            let source = TokenSource::load(TokenStore::new(store)).map_err(|e| site_error(&e))?;
            let secret = SecretSlice::from(
                source
                    .session()
                    .client_secret
                    .expose_secret()
                    .as_bytes()
                    .to_vec(),
            );
            (
                Credentials {
                    user: Some(Credential::OAuth(Arc::new(source))),
                    app: None,
                },
                Some(secret),
            )
        }
        (None, None) => return Err(site_error(&"no credentials and no login")),
    };
    let grant = grant_of(&credentials).map_err(|e| site_error(&e))?;
    let gateway = entry.gateway.as_deref().unwrap_or(ATLASSIAN_GATEWAY);
    let site = Site::new(&entry.url, gateway, &entry.cloud_id)
        .map_err(|e| StartError::Site(format!("site {:?}: {e}", entry.name)))?;
    // The same normalisation `runtime run` binds its grants with.
    let identity = SiteIdentity::of(&site);
    let binding = SiteBinding::new(identity.origin, identity.cloud_id)
        .map_err(|e| StartError::Site(format!("site {:?}: {e}", entry.name)))?;
    let client = JiraClient::new(site, credentials, HttpLimits::default())
        .map_err(|e| StartError::Site(format!("site {:?}: {e}", entry.name)))?;
    let runtime = Runtime::on_host(host.clone(), client, options)
        .map_err(|e| StartError::Site(e.to_string()))?;
    let webhook_secret = match &entry.webhook_secret_file {
        Some(path) => Some(read_secret(path)?),
        None => None,
    };
    Ok(SiteHost {
        name: entry.name.clone(),
        key: site_key(entry).to_owned(),
        runtime,
        account_id: entry.account_id.clone(),
        self_accounts: entry.account_id.iter().cloned().collect(),
        webhook_secret,
        oauth_client_secret,
        grant,
        binding,
        simulator: None,
    })
}

/// Who the site's credentials act as: public identifiers only, as `runtime run` binds its
/// grants (an API token's account, a 3LO login's OAuth client id; never the token store's
/// path, which is no identity, nor a secret).
fn grant_of(credentials: &Credentials) -> Result<GrantIdentity, String> {
    match &credentials.user {
        Some(Credential::ApiToken { email, .. }) => {
            GrantIdentity::api_token(email.to_ascii_lowercase()).map_err(|e| e.to_string())
        }
        Some(Credential::OAuth(source)) => {
            GrantIdentity::three_legged(format!("oauth-login:{}", source.session().client_id))
                .map_err(|e| e.to_string())
        }
        Some(other) => GrantIdentity::three_legged(other.describe()).map_err(|e| e.to_string()),
        None => match &credentials.app {
            Some(app) => GrantIdentity::api_token(app.describe()).map_err(|e| e.to_string()),
            None => Err("the credentials file names no principal".into()),
        },
    }
}

/// 256 random bits as 64 hex digits (text, as Jira's webhook secrets are).
fn random_secret() -> Result<SecretSlice<u8>, StartError> {
    let mut bytes = [0u8; 32];
    rand::rngs::SysRng
        .try_fill_bytes(&mut bytes)
        .map_err(|_| StartError::Site("the operating system's RNG failed".into()))?;
    Ok(SecretSlice::from(hex::encode(bytes).into_bytes()))
}

/// Registers the server's webhook endpoint with the embedded simulator as an admin webhook
/// with the site's secret, so the simulator's own writes (an app's comment, a test's new
/// issue) arrive as signed Jira webhooks: the whole event loop runs offline. The URL is
/// loopback whatever the listen address, as the simulator only delivers to loopback.
pub fn register_with_simulator(site: &SiteHost, port: u16) -> Result<(), StartError> {
    let (Some(simulator), Some(secret)) = (&site.simulator, &site.webhook_secret) else {
        return Ok(());
    };
    let secret = String::from_utf8(secret.expose_secret().to_vec())
        .map_err(|_| StartError::Site("the simulator's webhook secret must be text".into()))?;
    simulator
        .add_admin_webhook(&kiln_sim::AdminWebhook {
            name: "kiln serve".into(),
            url: format!("http://127.0.0.1:{port}/webhooks/jira/{}", site.name),
            events: kiln_sim::WebhookEvent::ALL.to_vec(),
            jql_filter: None,
            secret: Some(secret),
        })
        .map_err(|e| StartError::Site(format!("cannot register with the simulator: {e}")))
}

/// A webhook secret file: its text, trimmed of the final newline. Like the credentials
/// file, it must not be readable by others.
fn read_secret(path: &std::path::Path) -> Result<SecretSlice<u8>, StartError> {
    crate::secret_file::read_private(path)
        .map(|text| SecretSlice::from(text.trim_end_matches(['\n', '\r']).as_bytes().to_vec()))
        .map_err(|e| StartError::Site(format!("webhook secret {}: {e}", path.display())))
}
