//! Chooses the Jira site an invocation talks to: a real site when one is
//! configured (an OAuth login from `runtime login`, or a flag, credentials
//! file or environment with an API token), else the embedded simulator,
//! started in-process on a loopback port.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, anyhow};
use kiln_runtime::oauth::{TokenSource, TokenStore};
use kiln_runtime::site::ATLASSIAN_GATEWAY;
use kiln_runtime::{Credential, Credentials, HttpLimits, JiraClient, Site, SiteCredentials};
use kiln_sim::{SimConfig, Simulator};
use secrecy::SecretString;

use super::exit::Failure;

/// The seeded simulator user apps run as by default (a site admin and Team
/// Admin of the seeded JSM Ops team).
pub const DEFAULT_SIM_USER: &str = "admin@example.com";

/// Where to send requests and with which credentials.
#[derive(clap::Args, Debug)]
pub struct SiteArgs {
    /// Jira site URL, e.g. https://your-domain.atlassian.net (default: the embedded simulator).
    #[arg(long, value_name = "URL")]
    site: Option<String>,
    /// Credentials file (TOML with `site`, `[user]` and optional `[app]` email/api_token; must be chmod 600).
    /// Without it, JIRA_SITE / JIRA_EMAIL / JIRA_API_TOKEN are read.
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
    /// OAuth login to act as the user (from `runtime login`; its site is used). Default:
    /// $XDG_CONFIG_HOME/kiln/tokens.json when it exists and no other site is configured.
    #[arg(long, env = "KILN_TOKEN_STORE", value_name = "PATH")]
    token_store: Option<PathBuf>,
}

/// The chosen site; keeps the simulator alive while the invocation runs.
pub struct SiteSetup {
    pub client: JiraClient,
    pub account_id: Option<String>,
    pub simulator: Option<Simulator>,
    /// The site's URL, for the consent prompt.
    pub site_url: String,
    /// Scopes the OAuth login was granted, when the user acts through one.
    pub oauth_scopes: Option<Vec<String>>,
}

impl SiteArgs {
    pub async fn setup(&self, limits: HttpLimits) -> Result<SiteSetup, Failure> {
        let mut configured = match &self.credentials {
            Some(path) => Some(SiteCredentials::from_file(path).map_err(Failure::bad_input)?),
            None => {
                SiteCredentials::from_env(|k| std::env::var(k).ok()).map_err(Failure::bad_input)?
            }
        };
        if let (Some(site), Some(c)) = (&self.site, configured.as_mut()) {
            c.site = Some(site.clone());
        }
        let site_url = self
            .site
            .clone()
            .or_else(|| configured.as_ref().and_then(|c| c.site.clone()));
        let credentials = configured.map(|c| c.credentials).unwrap_or_default();
        if let Some(path) = &self.token_store {
            return self.oauth_site(TokenStore::new(path), site_url, credentials, limits);
        }
        match site_url {
            Some(site_url) => self.real_site(&site_url, credentials, limits).await,
            None => match TokenStore::default_location()
                .ok()
                .filter(TokenStore::exists)
            {
                Some(store) => self.oauth_site(store, None, credentials, limits),
                None => self.simulator(limits).await,
            },
        }
    }

    /// The user acts through an OAuth login; its site, cloud id and gateway
    /// come from the login. The app principal keeps the credentials file's
    /// `[app]` entry, if any.
    fn oauth_site(
        &self,
        store: TokenStore,
        site_url: Option<String>,
        credentials: Credentials,
        limits: HttpLimits,
    ) -> Result<SiteSetup, Failure> {
        let source = TokenSource::load(store).map_err(Failure::bad_input)?;
        let session = source.session();
        if let Some(wanted) = site_url
            && wanted.trim_end_matches('/') != session.site_url.trim_end_matches('/')
        {
            return Err(Failure::bad_input(anyhow!(
                "the OAuth login in {} is for {}, not {wanted}; run `runtime login --site {wanted}`",
                source.store().path().display(),
                session.site_url
            )));
        }
        let site = Site::new(&session.site_url, &session.api_url, &session.cloud_id)
            .map_err(Failure::bad_input)?;
        eprintln!(
            "using the OAuth login in {} for {}",
            source.store().path().display(),
            session.site_url
        );
        let credentials = Credentials {
            user: Some(Credential::OAuth(Arc::new(source))),
            app: credentials.app,
        };
        let client = JiraClient::new(site, credentials, limits).map_err(Failure::environment)?;
        Ok(SiteSetup {
            client,
            account_id: None,
            simulator: None,
            site_url: session.site_url,
            oauth_scopes: Some(session.scopes),
        })
    }

    async fn real_site(
        &self,
        site_url: &str,
        credentials: Credentials,
        limits: HttpLimits,
    ) -> Result<SiteSetup, Failure> {
        if credentials.user.is_none() {
            eprintln!(
                "note: no user credential configured (set JIRA_EMAIL and JIRA_API_TOKEN or pass --credentials); as_user() calls will fail with needs-authentication"
            );
        }
        let cloud_id = match &self.cloud_id {
            Some(id) => id.clone(),
            None => fetch_cloud_id(site_url)
                .await
                .map_err(Failure::environment)?,
        };
        let site = Site::new(site_url, &self.gateway, &cloud_id).map_err(Failure::bad_input)?;
        let client = JiraClient::new(site, credentials, limits).map_err(Failure::environment)?;
        Ok(SiteSetup {
            client,
            account_id: None,
            simulator: None,
            site_url: site_url.to_owned(),
            oauth_scopes: None,
        })
    }

    async fn simulator(&self, limits: HttpLimits) -> Result<SiteSetup, Failure> {
        let simulator = Simulator::start(SimConfig::default()).await.map_err(|e| {
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
        eprintln!(
            "no Jira site configured: using the embedded Jira simulator at {} as {} (offline; pass --site or set JIRA_SITE for a real site)",
            simulator.base_url(),
            user.email
        );
        let credentials = Credentials {
            user: Some(Credential::ApiToken {
                email: user.email.clone(),
                token: SecretString::from(user.api_token.clone()),
            }),
            app: None,
        };
        let account_id = Some(user.account_id.clone());
        let site = Site::new(
            simulator.base_url(),
            simulator.base_url(),
            simulator.cloud_id(),
        )
        .map_err(Failure::environment)?;
        let client = JiraClient::new(site, credentials, limits).map_err(Failure::environment)?;
        Ok(SiteSetup {
            client,
            account_id,
            site_url: simulator.base_url().to_owned(),
            simulator: Some(simulator),
            oauth_scopes: None,
        })
    }
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
