//! Chooses the Jira site an invocation talks to, and says which site and
//! which credentials are in use.
//!
//! The rule is predictable on purpose: the embedded simulator, unless the
//! user names a real site — `--site`, `JIRA_SITE`, the credentials file's
//! `site`, or `--token-store` (an explicit OAuth login, whose site it is). A
//! login saved by `runtime login` in the default place never switches a run
//! to a real site by itself: that would send an app's writes to production
//! because of a file left behind weeks ago. Once a site is named, the login
//! for that site acts as the user when no API token is configured.
//!
//! The simulator gets only its own throwaway credentials; configured ones
//! are for the real site and are never sent to it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, anyhow};
use kiln_runtime::consent::PrincipalIdentity;
use kiln_runtime::oauth::{ClientCredentials, ClientCredentialsConfig, TokenSource, TokenStore};
use kiln_runtime::site::ATLASSIAN_GATEWAY;
use kiln_runtime::{Credential, Credentials, HttpLimits, JiraClient, Site, SiteCredentials};
use kiln_sim::{Seed, SimConfig, Simulator};
use secrecy::SecretString;

use super::exit::Failure;

/// The seeded simulator user apps run as by default (a site admin and Team
/// Admin of the seeded JSM Ops team).
pub const DEFAULT_SIM_USER: &str = "admin@example.com";

/// Where `runtime login` saved the tokens when `--token-store` is not given;
/// it names a location to look in, not a site to use.
const ENV_TOKEN_STORE: &str = "KILN_TOKEN_STORE";

/// Where to send requests and with which credentials.
#[derive(clap::Args, Debug)]
pub struct SiteArgs {
    /// Jira site URL, e.g. https://your-domain.atlassian.net. Without it (or JIRA_SITE, or a
    /// `site` in the credentials file) apps run on the embedded simulator, whatever logins are
    /// stored.
    #[arg(long, value_name = "URL")]
    site: Option<String>,
    /// Credentials file (TOML, must be chmod 600): `site`, `[user]` with email/api_token, and an
    /// optional `[app]` for as_app() with either email/api_token or the app's OAuth 2.0 client
    /// credentials client_id/client_secret (a service account; optional token_url). Without it,
    /// JIRA_SITE / JIRA_EMAIL / JIRA_API_TOKEN and KILN_APP_CLIENT_ID / KILN_APP_CLIENT_SECRET are
    /// read.
    #[arg(long, value_name = "PATH")]
    credentials: Option<PathBuf>,
    /// The site's cloud id (looked up from the site when not given).
    #[arg(long, value_name = "ID")]
    cloud_id: Option<String>,
    /// Atlassian API gateway, for OAuth and JSM Ops requests.
    #[arg(long, value_name = "URL", default_value = ATLASSIAN_GATEWAY, hide = true)]
    gateway: String,
    /// Which seeded simulator user the app runs as.
    #[arg(long, value_name = "EMAIL", default_value = DEFAULT_SIM_USER)]
    sim_user: String,
    /// Seed the embedded simulator from this file (JSON, or YAML for .yml/.yaml; the
    /// format is in docs/simulator.md) instead of its built-in data.
    #[arg(long, value_name = "FILE")]
    seed: Option<PathBuf>,
    /// Act as the user through this OAuth login (from `runtime login`), on its site. Without it,
    /// the login in $KILN_TOKEN_STORE or $XDG_CONFIG_HOME/kiln/tokens.json is used only when
    /// --site names its site and no API token is configured.
    #[arg(long, value_name = "PATH")]
    token_store: Option<PathBuf>,
}

/// The chosen site; keeps the simulator alive while the invocation runs.
pub struct SiteSetup {
    pub client: JiraClient,
    pub account_id: Option<String>,
    pub simulator: Option<Simulator>,
    /// Scopes the OAuth login was granted, when the user acts through one.
    pub oauth_scopes: Option<Vec<String>>,
    /// Who the app acts as, for binding scope grants (no secrets).
    pub principal: PrincipalIdentity,
}

/// Where the run goes, decided from what the user named and nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// Nothing named: the embedded simulator.
    Simulator,
    /// An explicit OAuth login; `site`, when also named, must be its site.
    Login {
        store: PathBuf,
        site: Option<String>,
    },
    /// A named site, with the configured credentials (and a stored login for
    /// that site as the user, if no API token is configured).
    Site(String),
}

impl Target {
    fn choose(named_site: Option<&str>, explicit_login: Option<&Path>) -> Self {
        match (named_site, explicit_login) {
            (site, Some(store)) => Target::Login {
                store: store.to_owned(),
                site: site.map(str::to_owned),
            },
            (Some(site), None) => Target::Site(site.to_owned()),
            (None, None) => Target::Simulator,
        }
    }
}

impl SiteArgs {
    /// Whether this invocation may go to a real site, judged without
    /// reading any credential (the build comes first, see `commands::build`):
    /// a named site, a credentials file (which usually names one), or an
    /// explicit login. Conservative: a credentials file without `site` still
    /// counts.
    pub fn may_use_real_site(&self) -> bool {
        self.site.is_some()
            || self.credentials.is_some()
            || self.token_store.is_some()
            || std::env::var_os(kiln_runtime::credentials::ENV_SITE).is_some_and(|v| !v.is_empty())
    }

    /// The secret files this invocation names, which a build must not see.
    pub fn secret_paths(&self) -> Vec<PathBuf> {
        self.credentials
            .iter()
            .chain(self.token_store.iter())
            .cloned()
            .collect()
    }

    pub async fn setup(&self, limits: HttpLimits) -> Result<SiteSetup, Failure> {
        let configured = self.configured()?;
        let named_site = self.site.clone().or_else(|| configured.site.clone());
        let named_by = if self.site.is_some() {
            "named by --site"
        } else if self.credentials.is_some() {
            "named by the credentials file"
        } else {
            "named by JIRA_SITE"
        };
        let credentials = configured.credentials;
        let target = Target::choose(named_site.as_deref(), self.token_store.as_deref());
        if self.seed.is_some() && !matches!(target, Target::Simulator) {
            return Err(Failure::bad_input(anyhow!(
                "--seed seeds the embedded simulator, but this run goes to a real site; drop --seed or the site"
            )));
        }
        match target {
            Target::Simulator => {
                if credentials.user.is_some() || credentials.app.is_some() {
                    eprintln!(
                        "note: the configured credentials are for a real site and are not sent to the simulator; name the site with --site or JIRA_SITE to use them"
                    );
                }
                self.note_unused_login();
                self.simulator(limits).await
            }
            Target::Login { store, site } => {
                let source =
                    TokenSource::load(TokenStore::new(store)).map_err(Failure::bad_input)?;
                self.oauth_site(
                    source,
                    site,
                    "the login given by --token-store",
                    credentials,
                    limits,
                )
            }
            Target::Site(site) => {
                if credentials.user.is_none()
                    && let Some(source) = stored_login_for(&site)
                {
                    return self.oauth_site(source, Some(site), named_by, credentials, limits);
                }
                self.real_site(&site, named_by, credentials, limits).await
            }
        }
    }

    /// The credentials file when given, else the environment; an app client
    /// credential from the environment fills a file without `[app]`.
    fn configured(&self) -> Result<SiteCredentials, Failure> {
        let env = |k: &str| std::env::var(k).ok();
        let Some(path) = &self.credentials else {
            return Ok(SiteCredentials::from_env(env)
                .map_err(Failure::bad_input)?
                .unwrap_or_default());
        };
        let mut from_file = SiteCredentials::from_file(path).map_err(Failure::bad_input)?;
        if from_file.credentials.app.is_none() {
            from_file.credentials.app =
                kiln_runtime::credentials::app_from_env(env).map_err(Failure::bad_input)?;
        }
        Ok(from_file)
    }

    /// A login left by `runtime login` is not used without a named site;
    /// say so, so that nobody wonders why the simulator answered.
    fn note_unused_login(&self) {
        if let Some(store) = default_login_store().filter(TokenStore::exists)
            && let Ok(source) = TokenSource::load(store)
        {
            eprintln!(
                "note: the OAuth login in {} is not used; pass --site {} to run against that site",
                source.store().path().display(),
                source.session().site_url
            );
        }
    }

    /// The user acts through an OAuth login; its site, cloud id and gateway
    /// come from the login. The app principal keeps its configured credential.
    fn oauth_site(
        &self,
        source: TokenSource,
        site_url: Option<String>,
        named_by: &str,
        credentials: Credentials,
        limits: HttpLimits,
    ) -> Result<SiteSetup, Failure> {
        let session = source.session();
        if let Some(wanted) = site_url
            && !same_site(&wanted, &session.site_url)
        {
            return Err(Failure::bad_input(anyhow!(
                "the OAuth login in {} is for {}, not {wanted}; run `runtime login --site {wanted}`",
                source.store().path().display(),
                session.site_url
            )));
        }
        let site = Site::new(&session.site_url, &session.api_url, &session.cloud_id)
            .map_err(Failure::bad_input)?;
        let credentials = Credentials {
            user: Some(Credential::OAuth(Arc::new(source))),
            app: credentials.app,
        };
        announce(&session.site_url, named_by, &credentials);
        Ok(SiteSetup {
            oauth_scopes: Some(session.scopes),
            ..connect(site, credentials, limits)?
        })
    }

    async fn real_site(
        &self,
        site_url: &str,
        named_by: &str,
        credentials: Credentials,
        limits: HttpLimits,
    ) -> Result<SiteSetup, Failure> {
        let cloud_id = match &self.cloud_id {
            Some(id) => id.clone(),
            None => fetch_cloud_id(site_url)
                .await
                .map_err(Failure::environment)?,
        };
        let site = Site::new(site_url, &self.gateway, &cloud_id).map_err(Failure::bad_input)?;
        announce(site_url, named_by, &credentials);
        connect(site, credentials, limits)
    }

    /// The embedded simulator, with its own per-run credentials for both
    /// principals: the seeded user's API token, and its service account's
    /// client credential for as_app().
    async fn simulator(&self, limits: HttpLimits) -> Result<SiteSetup, Failure> {
        let seed = match &self.seed {
            Some(path) => {
                super::seed_file::load(path).map_err(|e| Failure::bad_input(anyhow!(e)))?
            }
            None => Seed::default(),
        };
        let simulator = Simulator::start(SimConfig {
            seed,
            cloud_id: Some(kiln_sim::EMBEDDED_SITE_CLOUD_ID),
            ..SimConfig::default()
        })
        .await
        .map_err(|e| {
            Failure::environment(anyhow!("cannot start the embedded Jira simulator: {e}"))
        })?;
        let user = simulator.user(&self.sim_user).ok_or_else(|| {
            let known: Vec<&str> = simulator.users().iter().map(|u| u.email.as_str()).collect();
            Failure::bad_input(anyhow!(
                "the simulator has no user {} (users: {})",
                self.sim_user,
                known.join(", ")
            ))
        })?;
        let app_client = simulator.app_client();
        let app = ClientCredentials::new(ClientCredentialsConfig {
            client_id: app_client.client_id.clone(),
            client_secret: SecretString::from(app_client.client_secret.clone()),
            token_url: format!("{}/oauth/token", simulator.base_url()),
        })
        .map_err(Failure::environment)?;
        let credentials = Credentials {
            user: Some(Credential::ApiToken {
                email: user.email.clone(),
                token: SecretString::from(user.api_token.clone()),
            }),
            app: Some(Credential::AppClient(Arc::new(app))),
        };
        eprintln!(
            "site: the embedded Jira simulator at {} (offline; no site named: pass --site or set JIRA_SITE for a real one)",
            simulator.base_url()
        );
        eprintln!("  as_user: {} (the simulator's API token)", user.email);
        eprintln!("  as_app:  the simulator's service account (OAuth 2.0 client credentials)");
        let account_id = Some(user.account_id.clone());
        let site = Site::new(
            simulator.base_url(),
            simulator.base_url(),
            simulator.cloud_id(),
        )
        .map_err(Failure::environment)?;
        let setup = connect(site, credentials, limits)?;
        Ok(SiteSetup {
            // `runtime run` gives the app the simulator's integration before it runs
            // (`give_the_app_its_account`), and no other app calls with it: the site
            // confines the app's own data to it, as Jira does for a Forge app.
            client: setup.client.owned_by_the_app(),
            account_id,
            simulator: Some(simulator),
            ..setup
        })
    }
}

/// The Jira client for `site` with `credentials`, and whom it acts as; no
/// simulator, account id or login scopes (a caller adds those it has).
fn connect(site: Site, credentials: Credentials, limits: HttpLimits) -> Result<SiteSetup, Failure> {
    let principal = principal_identity(&credentials);
    let client = JiraClient::new(site, credentials, limits).map_err(Failure::environment)?;
    Ok(SiteSetup {
        client,
        account_id: None,
        simulator: None,
        oauth_scopes: None,
        principal,
    })
}

/// Tells the operator which site and which credential each principal uses
/// (kinds and public identifiers only).
fn announce(site_url: &str, named_by: &str, credentials: &Credentials) {
    let describe = |credential: &Option<Credential>, call: &str| match credential {
        Some(credential) => credential.describe(),
        None => format!("none configured: {call}() calls fail with needs-authentication"),
    };
    eprintln!("site: {site_url} ({named_by})");
    eprintln!("  as_user: {}", describe(&credentials.user, "as_user"));
    eprintln!("  as_app:  {}", describe(&credentials.app, "as_app"));
}

/// The public identity of each principal's credential: the account email of
/// an API token, the OAuth client id of a login or an app client. Never a
/// secret. A fixed bearer token carries no identity the runtime can read, so
/// all such tokens share one identity (its site still binds the grant).
fn principal_identity(credentials: &Credentials) -> PrincipalIdentity {
    let identity = |credential: &Credential| match credential {
        Credential::ApiToken { email, .. } => format!("api-token:{}", email.to_ascii_lowercase()),
        Credential::Bearer { .. } => "oauth-access-token".to_owned(),
        Credential::OAuth(source) => format!("oauth-login:{}", source.session().client_id),
        Credential::AppClient(source) => format!("app-client:{}", source.client_id()),
    };
    PrincipalIdentity {
        user: credentials.user.as_ref().map(identity),
        app: credentials.app.as_ref().map(identity),
    }
}

/// `$KILN_TOKEN_STORE`, else the default place `runtime login` saves to.
fn default_login_store() -> Option<TokenStore> {
    match std::env::var_os(ENV_TOKEN_STORE).filter(|p| !p.is_empty()) {
        Some(path) => Some(TokenStore::new(PathBuf::from(path))),
        None => TokenStore::default_location().ok(),
    }
}

/// The stored login, when there is one and it is for `site`. A login that
/// cannot be read is reported and skipped: the named site still runs, with
/// the configured credentials.
fn stored_login_for(site: &str) -> Option<TokenSource> {
    let store = default_login_store().filter(TokenStore::exists)?;
    match TokenSource::load(store) {
        Ok(source) if same_site(site, &source.session().site_url) => Some(source),
        Ok(_) => None,
        Err(error) => {
            eprintln!("note: the stored OAuth login is not used: {error}");
            None
        }
    }
}

fn same_site(a: &str, b: &str) -> bool {
    a.trim_end_matches('/')
        .eq_ignore_ascii_case(b.trim_end_matches('/'))
}

/// Asks the site for its cloud id (`/_edge/tenant_info`, public, no
/// credential sent).
async fn fetch_cloud_id(site_url: &str) -> anyhow::Result<String> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct TenantInfo {
        cloud_id: String,
    }
    let url = format!("{}/_edge/tenant_info", site_url.trim_end_matches('/'));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(std::time::Duration::from_secs(10))
        .build()?;
    let response = client.get(&url).send().await.map_err(|e| {
        anyhow!(
            "cannot reach {site_url} to look up its cloud id: {}",
            e.without_url()
        )
    })?;
    let info: TenantInfo = response
        .error_for_status()
        .map_err(|e| {
            anyhow!(
                "{site_url} did not give its cloud id ({}); pass --cloud-id",
                e.without_url()
            )
        })?
        .json()
        .await
        .context("the site's tenant_info is not the expected JSON; pass --cloud-id")?;
    Ok(info.cloud_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_named_site_or_an_explicit_login_leaves_the_simulator() {
        let login = Path::new("/tmp/tokens.json");
        assert_eq!(Target::choose(None, None), Target::Simulator);
        assert_eq!(
            Target::choose(Some("https://x.atlassian.net"), None),
            Target::Site("https://x.atlassian.net".into())
        );
        assert_eq!(
            Target::choose(None, Some(login)),
            Target::Login {
                store: login.to_owned(),
                site: None
            }
        );
        assert_eq!(
            Target::choose(Some("https://x.atlassian.net"), Some(login)),
            Target::Login {
                store: login.to_owned(),
                site: Some("https://x.atlassian.net".into())
            }
        );
    }

    #[test]
    fn sites_compare_without_trailing_slash_or_case() {
        assert!(same_site(
            "https://X.atlassian.net/",
            "https://x.atlassian.net"
        ));
        assert!(!same_site(
            "https://x.atlassian.net",
            "https://y.atlassian.net"
        ));
    }
}
