//! `runtime serve`: hosts apps as a long-running service (kiln-serve does the work).

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::anyhow;
use kiln_serve::{AppBundles, ServeConfig, ServeOptions};
use kiln_state::StateLocation;
use kiln_state::serve::UnixMillis;
use secrecy::{ExposeSecret, SecretString};

use super::app_source;
use super::build::{BuildFor, BuildIsolation};
use super::exit::{Exit, Failure};

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Apps to serve: `.wasm` components or app folders (built first). Apps the configuration
    /// does not install are installed on the embedded simulator.
    apps: Vec<PathBuf>,
    /// Configuration: apps, sites, installations, listen addresses, admin token, state path.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Where web triggers, webhooks, /healthz, /readyz and /metrics listen (default 127.0.0.1:8080).
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Where the admin API listens (overrides `[admin] listen`; default a loopback port).
    /// The admin API exists only with a token ($KILN_ADMIN_TOKEN or `[admin] token_file`).
    #[arg(long, value_name = "ADDR")]
    admin_listen: Option<SocketAddr>,
    /// Where state (queue, installations, app storage) lives: `memory`, a SQLite file
    /// (`sqlite://PATH`, or a path with a `/` or `.`) or `postgres://…` (overrides `state` in the configuration; default: state.sqlite3 under
    /// the user's data directory). App storage's secrets are sealed with $KILN_STORAGE_KEY
    /// (64 hex digits; required with PostgreSQL), else `storage.key` beside the SQLite file.
    #[arg(long, value_name = "LOCATION", env = "KILN_STATE", hide_env_values = true,
          value_parser = state_location)]
    state: Option<SecretString>,
    /// Operator policy (TOML), as `runtime run --policy`: forbidden scopes, pre-approved
    /// components, egress overrides (overrides `policy` in the configuration).
    #[arg(long, env = "KILN_POLICY", value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Log as JSON lines on stderr.
    #[arg(long)]
    pub json_logs: bool,
    /// Start a clock that stands still at this Unix time (ms) and moves only through the
    /// admin API's POST /v1/clock (tests of scheduled triggers).
    #[arg(long, value_name = "UNIX_MS", hide = true)]
    manual_clock: Option<i64>,
}

/// Checks a `--state` value at parse time; kept secret (a PostgreSQL URL holds a password).
fn state_location(text: &str) -> Result<SecretString, kiln_state::StateLocationError> {
    text.parse::<StateLocation>()?;
    Ok(SecretString::from(text.to_owned()))
}

pub async fn run(args: ServeArgs) -> Result<Exit, Failure> {
    let mut config = match &args.config {
        Some(path) => ServeConfig::load(path).map_err(Failure::bad_input)?,
        None => ServeConfig::default(),
    };
    // The same file, and variable, as `runtime run`'s.
    if let Some(policy) = &args.policy {
        config.policy = Some(policy.clone());
    }
    let uses_real_site = !config.sites.is_empty();
    let isolation = BuildIsolation::choose(
        if uses_real_site {
            BuildFor::RealSite
        } else {
            BuildFor::Local
        },
        false,
        &[],
    );
    let mut bundles = AppBundles::default();
    let entries = config
        .apps
        .iter()
        .map(|a| (a.path.clone(), a.manifest.clone()))
        .chain(args.apps.iter().map(|p| (p.clone(), None)));
    for (path, manifest) in entries {
        let source = app_source::resolve(&path, manifest.as_deref(), &isolation)?;
        bundles.push(source.wasm, source.manifest, source.wasm_path);
    }
    if bundles.is_empty() {
        return Err(Failure::bad_input(anyhow!(
            "nothing to serve: name an app (runtime serve examples/issue-triage) or list apps in --config"
        )));
    }
    let admin_token = std::env::var("KILN_ADMIN_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
        .map(SecretString::from);
    // Set but not text: refused rather than silently replaced by the key file.
    let storage_key = match std::env::var_os(kiln_serve::storage_key::KEY_ENV) {
        None => None,
        Some(value) => Some(SecretString::from(value.into_string().map_err(|_| {
            Failure::bad_input(anyhow!(
                "{} is not text: 64 hex digits expected",
                kiln_serve::storage_key::KEY_ENV
            ))
        })?)),
    };
    let previous_storage_keys = match std::env::var_os(kiln_serve::storage_key::PREVIOUS_KEYS_ENV) {
        None => None,
        Some(value) => Some(SecretString::from(value.into_string().map_err(|_| {
            Failure::bad_input(anyhow!(
                "{} is not text: 64 hex digits per key expected",
                kiln_serve::storage_key::PREVIOUS_KEYS_ENV
            ))
        })?)),
    };
    let running = kiln_serve::start(ServeOptions {
        config,
        apps: bundles,
        listen: args.listen,
        admin_listen: args.admin_listen,
        state: args
            .state
            .map(|text| text.expose_secret().parse::<StateLocation>())
            .transpose()
            .map_err(Failure::bad_input)?,
        storage_key,
        previous_storage_keys,
        manual_clock: args.manual_clock.map(UnixMillis),
        admin_token,
    })
    .await
    .map_err(|e| Failure::environment(anyhow!(e)))?;
    for endpoint in running.endpoints() {
        match serde_json::to_string(endpoint) {
            Ok(line) => println!("{line}"),
            Err(e) => return Err(Failure::environment(anyhow!(e))),
        }
    }
    // The last line: scripts read up to here.
    println!("{}", serde_json::json!({ "kind": "serving" }));
    eprintln!("serving (SIGTERM or Ctrl-C to stop)");
    kiln_serve::shutdown_signal().await;
    running.shutdown().await;
    Ok(Exit::Success)
}
