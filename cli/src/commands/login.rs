//! `runtime login`: OAuth 2.0 (3LO) authorization-code login for a real
//! Jira site. Prints the authorize URL, waits for the browser on a loopback
//! listener, and saves the tokens (refreshed and rotated by `runtime run`)
//! to a `0600` file.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, anyhow};
use kiln_manifest::Manifest;
use kiln_runtime::oauth::store_lock::LOCK_PATIENCE;
use kiln_runtime::oauth::{
    ATLASSIAN_AUTHORIZE_URL, ATLASSIAN_TOKEN_URL, LoginConfig, OAuthEndpoints, StoreLock,
    TokenStore,
};
use kiln_runtime::site::ATLASSIAN_GATEWAY;
use secrecy::SecretString;

use super::app_source::MANIFEST_FILE;
use super::exit::{Exit, Failure};
use crate::login_listener::PendingLogin;

/// The environment variable holding the OAuth client secret (never a flag:
/// command lines are visible to every user of the machine).
pub const ENV_CLIENT_SECRET: &str = "KILN_OAUTH_CLIENT_SECRET";

#[derive(clap::Args, Debug)]
#[command(after_help = "\
The client secret is read from KILN_OAUTH_CLIENT_SECRET. Register the callback URL \
(http://127.0.0.1:PORT/callback) with your OAuth 2.0 app in Atlassian's developer console \
and pass the same port with --listen. Afterwards `runtime run` uses the login (see its \
--token-store).")]
pub struct LoginArgs {
    /// The app whose declared scopes are requested: an app folder or its manifest.yml.
    app: PathBuf,
    /// The OAuth 2.0 app's client id.
    #[arg(long, env = "KILN_OAUTH_CLIENT_ID", value_name = "ID")]
    client_id: String,
    /// Which site to use when the grant reaches several (its URL).
    #[arg(long, value_name = "URL")]
    site: Option<String>,
    /// The loopback address of the callback listener (port 0: any free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Where to save the tokens (default: $XDG_CONFIG_HOME/kiln/tokens.json).
    #[arg(long, env = "KILN_TOKEN_STORE", value_name = "PATH")]
    token_store: Option<PathBuf>,
    /// How long to wait for the browser.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "5m")]
    timeout: Duration,
    /// Authorization endpoint (tests: the simulator's).
    #[arg(long, value_name = "URL", default_value = ATLASSIAN_AUTHORIZE_URL, hide = true)]
    auth_url: String,
    /// Token endpoint (tests: the simulator's).
    #[arg(long, value_name = "URL", default_value = ATLASSIAN_TOKEN_URL, hide = true)]
    token_url: String,
    /// API gateway, for accessible-resources (tests: the simulator's).
    #[arg(long, value_name = "URL", default_value = ATLASSIAN_GATEWAY, hide = true)]
    api_url: String,
}

pub async fn run(args: LoginArgs) -> Result<Exit, Failure> {
    let manifest = Manifest::load(&manifest_path(&args.app)).map_err(Failure::bad_input)?;
    let client_secret = std::env::var(ENV_CLIENT_SECRET)
        .ok()
        .filter(|s| !s.is_empty())
        .map(SecretString::from)
        .ok_or_else(|| {
            Failure::bad_input(anyhow!(
                "set {ENV_CLIENT_SECRET} to the OAuth app's client secret"
            ))
        })?;
    let endpoints = OAuthEndpoints::parse(&args.auth_url, &args.token_url, &args.api_url)
        .map_err(Failure::bad_input)?;
    let store = match &args.token_store {
        Some(path) => TokenStore::new(path),
        None => TokenStore::default_location().map_err(Failure::bad_input)?,
    };

    let config = LoginConfig {
        client_id: args.client_id.clone(),
        client_secret,
        endpoints,
        scopes: manifest.declared_scopes(),
        site: args.site.clone(),
    };
    let pending = PendingLogin::start(config, args.listen)
        .await
        .map_err(Failure::bad_input)?;
    eprintln!(
        "Open this URL in a browser to let app {} act as you (callback {}):",
        manifest.app.id,
        pending.redirect_uri()
    );
    // The URL alone on stdout, so a script (or a test) can drive the browser step.
    println!("{}", pending.authorize_url());
    let session = pending
        .finish(args.timeout)
        .await
        .map_err(Failure::environment)?;
    // A running `runtime run` may be rotating the old login's tokens: wait
    // for it, so its write cannot land on top of the new login. A first
    // login has no directory yet for the lock file: make it first.
    store.ensure_dir().map_err(Failure::environment)?;
    let _lock = StoreLock::acquire(store.path(), LOCK_PATIENCE)
        .await
        .map_err(Failure::environment)?;
    store
        .save(&session)
        .with_context(|| "cannot save the OAuth login")
        .map_err(Failure::environment)?;
    eprintln!(
        "logged in to {} (cloud id {}); tokens saved to {}",
        session.site_url,
        session.cloud_id,
        store.path().display()
    );
    Ok(Exit::Success)
}

/// An app folder means its manifest.yml; anything else is the manifest itself.
fn manifest_path(app: &Path) -> PathBuf {
    if app.is_dir() {
        app.join(MANIFEST_FILE)
    } else {
        app.to_owned()
    }
}
