//! `kiln.toml`: what a long-running host serves, where it listens and where it keeps state.
//!
//! ```toml
//! listen = "127.0.0.1:8080"            # web triggers, webhooks, /healthz, /readyz, /metrics
//! public_url = "https://kiln.example"  # base of printed URLs (default: http://<listen>)
//! state = "sqlite://state.sqlite3"     # or "postgres://…", or "memory" (tests only: nothing
//!                                       # survives a restart); a bare path is a SQLite file
//!
//! policy = "/etc/kiln/kiln-policy.toml" # the operator policy, as `runtime run --policy`:
//!                                       # forbidden scopes, [[preapproved]] code by sha256
//!
//! [admin]
//! listen = "127.0.0.1:8081"            # loopback unless you mean it
//! token_file = "/etc/kiln/admin-token" # or $KILN_ADMIN_TOKEN; no token: no admin API
//!
//! [[app]]
//! path = "apps/issue-triage"            # a .wasm (manifest beside it) or an app folder
//!
//! [[site]]
//! name = "prod"                         # the webhook path: /webhooks/jira/prod
//! url = "https://your-domain.atlassian.net"
//! cloud_id = "…"
//! credentials = "/etc/kiln/prod.toml"   # `runtime run --credentials` format, chmod 600
//! # login = "/etc/kiln/prod-login.json" # or a 3LO login (`runtime login --token-store`):
//!                                       # its dynamic webhooks' deliveries are verified by
//!                                       # their bearer JWT under the login's client secret
//! webhook_secret_file = "/etc/kiln/prod-webhook-secret"
//! # webhook_jql = "project = OPS"        # with a login: the JQL filter of the dynamic
//!                                       # webhooks serve registers (default: every issue);
//!                                       # a login also needs `public_url`, where Jira delivers
//! account_id = "…"                      # who the credentials act as (filter.ignoreSelf)
//!
//! [[installation]]
//! app = "issue-triage"
//! site = "prod"                         # or "simulator", the embedded one
//! environment = "production"
//! sha256 = "…"                          # optional: approve exactly this code (`runtime inspect`)
//! ```
//!
//! An installation's approval is bound to its site, principal, app id, code (SHA-256) and
//! scopes (docs/serve.md, "Consent"): an `[[installation]]` approves the code it finds at its
//! first start (or, with `sha256`, only that code); new code later is held until approved.
//!
//! Relative paths are relative to the file. Every section is optional: `runtime serve APP`
//! with no file serves the apps on the embedded simulator.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use kiln_state::{StateLocation, StateLocationError};
use serde::Deserialize;

/// The embedded simulator's site name, in `[[installation]] site` and the webhook path: the
/// one name `runtime storage --site` and the admin API use too, defined with app storage.
pub use kiln_runtime::storage::SIMULATOR_SITE;

/// Largest configuration file read.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeConfig {
    pub listen: Option<SocketAddr>,
    pub public_url: Option<String>,
    /// Where serve state and app storage live (`--state` / `$KILN_STATE` override it).
    #[serde(skip)]
    pub state: Option<StateLocation>,
    /// `state` as written; parsed by [`ServeConfig::load`] (not by serde, whose errors quote
    /// the line, which may hold a PostgreSQL password), then dropped.
    #[serde(default, rename = "state")]
    state_text: Option<String>,
    /// The operator policy file (`runtime run --policy`'s format): its forbidden scopes
    /// refuse an app at load, its `[[preapproved]]` entries approve code by SHA-256.
    pub policy: Option<PathBuf>,
    #[serde(default)]
    pub admin: AdminConfig,
    #[serde(default)]
    pub simulator: SimulatorConfig,
    #[serde(default, rename = "app")]
    pub apps: Vec<AppEntry>,
    #[serde(default, rename = "site")]
    pub sites: Vec<SiteEntry>,
    #[serde(default, rename = "installation")]
    pub installations: Vec<InstallationEntry>,
    #[serde(default)]
    pub limits: LimitsConfig,
}

/// `state` in `kiln.toml`: kiln-state's location syntax (`memory`, `sqlite://PATH` or a
/// bare path, `postgres://…`), the same as `--state`'s. The error never echoes the
/// value: a PostgreSQL URL may carry a password.
fn state_location(text: &str) -> Result<StateLocation, StateLocationError> {
    text.parse::<StateLocation>()
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminConfig {
    pub listen: Option<SocketAddr>,
    pub token_file: Option<PathBuf>,
}

/// The embedded simulator (`[simulator]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulatorConfig {
    /// The secret its webhooks are signed with; by default a random one per start.
    pub webhook_secret_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppEntry {
    pub path: PathBuf,
    pub manifest: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteEntry {
    pub name: String,
    pub url: String,
    /// The Atlassian API gateway (OAuth, JSM Ops); Atlassian's by default.
    pub gateway: Option<String>,
    pub cloud_id: String,
    /// An API token or client credential (`runtime run --credentials` format).
    pub credentials: Option<PathBuf>,
    /// A 3LO login's token store (`runtime login --token-store`); exclusive with
    /// `credentials`.
    pub login: Option<PathBuf>,
    pub webhook_secret_file: Option<PathBuf>,
    /// The account the credentials act as: events it caused are `selfGenerated`.
    pub account_id: Option<String>,
    /// With a `login`: the JQL filter of the dynamic webhooks serve registers (Jira requires
    /// one; `registration::DEFAULT_JQL`, every issue, when absent).
    pub webhook_jql: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstallationEntry {
    pub app: String,
    pub site: String,
    #[serde(default = "default_environment")]
    pub environment: String,
    /// Approved scopes; default: every scope the manifest declares.
    pub scopes: Option<Vec<String>>,
    /// The approved component's SHA-256 (`runtime inspect` prints it). Absent: the code found
    /// at the installation's first start is approved, and later code waits for approval.
    pub sha256: Option<kiln_state::serve::ComponentSha256>,
}

fn default_environment() -> String {
    "production".into()
}

/// Most queue workers: each is a task and a run slot, and every one of them may hold an
/// instance of an app at once; past this the limit is a typo, not a capacity plan.
pub const MAX_WORKERS: usize = 1024;

/// Most instance slots: each reserves its memories' address space up front (about 8 GiB
/// with the guard pages), and a process may map 128 TiB; past this the limit is a typo.
pub const MAX_INSTANCES: u32 = 4096;

/// The host's explicit limits; each has a default sized for one small machine.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default, rename_all = "snake_case")]
pub struct LimitsConfig {
    /// Queue workers (invocations of queued events in flight at once).
    pub workers: usize,
    /// Web trigger requests one app runs at once.
    pub web_concurrency_per_app: usize,
    /// Web trigger requests waiting for a slot, all apps together; more get 429.
    pub web_max_waiting: usize,
    /// Largest request body (web triggers and webhooks), bytes.
    pub max_body_bytes: usize,
    /// Most request headers.
    pub max_headers: usize,
    /// Seconds a client has to send its headers, and then its body.
    pub client_timeout_seconds: u64,
    /// Seconds SIGTERM waits for in-flight work before the rest is left in the queue.
    pub shutdown_grace_seconds: u64,
    /// Most connections open at once.
    pub max_connections: usize,
    /// Instances in flight at once, all apps and sites together: the slots of the one
    /// instance pool every site's runtime shares (`kiln_runtime::engine_host`). An
    /// invocation past them waits for a slot; `kiln_slots_in_use` shows how many are taken.
    pub instances: u32,
    /// Seconds a queue claim lasts unless renewed. A worker renews it every third of this
    /// while the handler runs, so it bounds how long a replica that died holds its events,
    /// not how long an invocation may run (docs/operations.md, "Queue and leases").
    pub lease_seconds: u64,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            workers: 8,
            web_concurrency_per_app: 8,
            web_max_waiting: 256,
            max_body_bytes: 1 << 20,
            max_headers: 64,
            client_timeout_seconds: 10,
            shutdown_grace_seconds: 30,
            max_connections: 1024,
            instances: kiln_runtime::engine::DEFAULT_MAX_CONCURRENT_INSTANCES,
            lease_seconds: 15,
        }
    }
}

impl LimitsConfig {
    pub fn client_timeout(&self) -> Duration {
        Duration::from_secs(self.client_timeout_seconds.max(1))
    }

    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_seconds)
    }

    pub fn lease(&self) -> Duration {
        Duration::from_secs(self.lease_seconds)
    }
}

/// Why the configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is larger than {MAX_CONFIG_BYTES} bytes")]
    TooLarge { path: PathBuf },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

impl ServeConfig {
    /// Reads `path`; relative paths inside become relative to its folder.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        use std::io::Read as _;
        let read = |source| ConfigError::Read {
            path: path.to_owned(),
            source,
        };
        let mut text = String::new();
        std::fs::File::open(path)
            .map_err(read)?
            .take(MAX_CONFIG_BYTES + 1)
            .read_to_string(&mut text)
            .map_err(read)?;
        if text.len() as u64 > MAX_CONFIG_BYTES {
            return Err(ConfigError::TooLarge {
                path: path.to_owned(),
            });
        }
        let mut config: ServeConfig = toml::from_str(&text).map_err(|e| ConfigError::Invalid {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        if let Some(text) = config.state_text.take() {
            config.state = Some(state_location(&text).map_err(|e| ConfigError::Invalid {
                path: path.to_owned(),
                message: format!("state: {e}"),
            })?);
        }
        let base = path.parent().unwrap_or(Path::new("."));
        config.rebase(base);
        config.check().map_err(|message| ConfigError::Invalid {
            path: path.to_owned(),
            message,
        })?;
        Ok(config)
    }

    fn rebase(&mut self, base: &Path) {
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        if let Some(StateLocation::Sqlite(p)) = &mut self.state {
            fix(p);
        }
        if let Some(p) = &mut self.policy {
            fix(p);
        }
        if let Some(p) = &mut self.admin.token_file {
            fix(p);
        }
        if let Some(p) = &mut self.simulator.webhook_secret_file {
            fix(p);
        }
        for app in &mut self.apps {
            fix(&mut app.path);
            if let Some(m) = &mut app.manifest {
                fix(m);
            }
        }
        for site in &mut self.sites {
            if let Some(p) = &mut site.credentials {
                fix(p);
            }
            if let Some(p) = &mut site.login {
                fix(p);
            }
            if let Some(p) = &mut site.webhook_secret_file {
                fix(p);
            }
        }
    }

    fn check(&self) -> Result<(), String> {
        let mut names = std::collections::HashSet::new();
        for site in &self.sites {
            if site.name == SIMULATOR_SITE {
                return Err(format!(
                    "site name {SIMULATOR_SITE:?} is the embedded simulator's"
                ));
            }
            if site.name.is_empty()
                || site.name.len() > 64
                || !site
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(format!(
                    "site name {:?}: 1-64 characters of [A-Za-z0-9_-] (it is a URL path segment)",
                    site.name
                ));
            }
            if site.credentials.is_some() == site.login.is_some() {
                return Err(format!(
                    "site {:?}: give either `credentials` or `login` (a 3LO token store), not both",
                    site.name
                ));
            }
            if site.login.is_some() && self.public_url.is_none() {
                return Err(format!(
                    "site {:?} is a 3LO login: serve registers its dynamic webhooks with Jira, \
                     which delivers them to `public_url` (the address Jira reaches this host at, \
                     e.g. public_url = \"https://kiln.example\"); set it",
                    site.name
                ));
            }
            if site.webhook_jql.is_some() && site.login.is_none() {
                return Err(format!(
                    "site {:?}: `webhook_jql` filters the dynamic webhooks of a 3LO `login`; \
                     this site has none",
                    site.name
                ));
            }
            if site.webhook_jql.as_ref().is_some_and(|j| {
                j.trim().is_empty() || j.len() > 4096 || j.contains(char::is_control)
            }) {
                return Err(format!(
                    "site {:?}: `webhook_jql` must be one line of JQL, at most 4096 bytes",
                    site.name
                ));
            }
            if !names.insert(site.name.as_str()) {
                return Err(format!("site {:?} is declared twice", site.name));
            }
        }
        for installation in &self.installations {
            if installation.site != SIMULATOR_SITE && !names.contains(installation.site.as_str()) {
                return Err(format!(
                    "installation of {:?} names site {:?}, which no [[site]] declares",
                    installation.app, installation.site
                ));
            }
        }
        let limits = &self.limits;
        if limits.workers == 0 || limits.web_concurrency_per_app == 0 || limits.max_connections == 0
        {
            return Err(
                "limits: workers, web_concurrency_per_app and max_connections must be at least 1"
                    .into(),
            );
        }
        if limits.workers > MAX_WORKERS {
            return Err(format!("limits: workers must be at most {MAX_WORKERS}"));
        }
        if !(1..=MAX_INSTANCES).contains(&limits.instances) {
            return Err(format!(
                "limits: instances must be between 1 and {MAX_INSTANCES}"
            ));
        }
        // At least a second, so a heartbeat (a third of it) is not a busy loop on the
        // database; at most an hour, past which a dead replica's events wait too long.
        if !(1..=3600).contains(&limits.lease_seconds) {
            return Err("limits: lease_seconds must be between 1 and 3600".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_file_parses_and_paths_follow_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiln.toml");
        std::fs::write(
            &path,
            r#"
listen = "127.0.0.1:0"
state = "state.sqlite3"
[admin]
token_file = "token"
[[app]]
path = "app.wasm"
[[site]]
name = "prod"
url = "https://x.atlassian.net"
cloud_id = "c"
credentials = "creds.toml"
[[installation]]
app = "a"
site = "prod"
[limits]
workers = 2
instances = 32
"#,
        )
        .unwrap();
        let config = ServeConfig::load(&path).unwrap();
        assert!(
            matches!(&config.state, Some(StateLocation::Sqlite(p)) if *p == dir.path().join("state.sqlite3")),
            "{:?}",
            config.state
        );
        assert_eq!(config.apps[0].path, dir.path().join("app.wasm"));
        assert_eq!(config.installations[0].environment, "production");
        assert_eq!(config.limits.workers, 2);
        assert_eq!(config.limits.instances, 32);
        assert_eq!(config.limits.max_body_bytes, 1 << 20);
    }

    #[test]
    fn state_takes_kiln_state_locations_and_bare_paths() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiln.toml");
        let load = |text: &str| {
            std::fs::write(&path, text).unwrap();
            ServeConfig::load(&path)
        };
        let config = load("state = \"sqlite://s.db\"\n").unwrap();
        assert!(
            matches!(&config.state, Some(StateLocation::Sqlite(p)) if *p == dir.path().join("s.db"))
        );
        let config = load("state = \"sqlite:///abs/s.db\"\n").unwrap();
        assert!(
            matches!(&config.state, Some(StateLocation::Sqlite(p)) if *p == Path::new("/abs/s.db"))
        );
        let config = load("state = \"memory\"\n").unwrap();
        assert!(matches!(config.state, Some(StateLocation::Memory)));
        let config = load("state = \"postgres://kiln:hunter2@db/kiln\"\n").unwrap();
        assert!(matches!(config.state, Some(StateLocation::Postgres(_))));
        let error = load("state = \"mysql://kiln:hunter2@db/kiln\"\n").unwrap_err();
        assert!(!error.to_string().contains("hunter2"), "{error}");
    }

    #[test]
    fn unknown_sites_fields_and_names_are_refused() {
        for text in [
            "[[installation]]\napp = \"a\"\nsite = \"nowhere\"\n",
            "lisen = \"127.0.0.1:1\"\n",
            "[[site]]\nname = \"../x\"\nurl = \"u\"\ncloud_id = \"c\"\ncredentials = \"c\"\n",
            "[limits]\nworkers = 0\n",
            "[limits]\nlease_seconds = 0\n",
            "[limits]\nlease_seconds = 86400\n",
            "[limits]\ninstances = 0\n",
            "[limits]\ninstances = 100000\n",
        ] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("kiln.toml");
            std::fs::write(&path, text).unwrap();
            assert!(ServeConfig::load(&path).is_err(), "{text}");
        }
    }
}
