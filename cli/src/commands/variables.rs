//! `runtime variables set|list|unset`: an app's config variables, as `forge variables` sets
//! them, read by the app as `process.env.KEY` (JavaScript) or `std::env::var` (Rust).
//!
//! They live in the state database `runtime run` and `runtime serve` use (`--state` /
//! `$KILN_STATE`; default state.sqlite3 under the user's data directory), per app and
//! environment ([`kiln_state::variables`]); `--encrypt` seals the value with the storage key,
//! as app secrets are. `list` never prints an encrypted value.
//!
//! Two guards against a credential ending up where it should not:
//! - a value holding one of the host's own secrets found in this process's environment
//!   (the Jira API token, the app client secret, the OAuth client secret, the storage keys,
//!   the admin token) is refused, encrypted or not: the host's credentials are the host's,
//!   and a variable hands its value to the app;
//! - a value shaped like an Atlassian token (`ATATT…`, `ATCTT…`, `ATOAT…`) is refused unless
//!   `--encrypt` is given, so an API token never sits in the clear in the database or in
//!   `list`'s output by accident.
//!
//! The value may be given on stdin (omit VALUE) so it stays out of shell history and the
//! process list.

use std::io::Read as _;

use anyhow::anyhow;
use kiln_runtime::guest_text::GuestText;
use kiln_runtime::storage::DEFAULT_ENVIRONMENT;
use kiln_state::{AppStorage, AppVariables, StorageLimits, VariableName};
use secrecy::{ExposeSecret, SecretString};

use super::exit::{Exit, Failure};

/// The host's secrets a variable may never hold, by the environment variable that holds them.
const HOST_SECRET_ENVS: &[&str] = &[
    "JIRA_API_TOKEN",
    "KILN_APP_CLIENT_SECRET",
    "KILN_OAUTH_CLIENT_SECRET",
    "KILN_STORAGE_KEY",
    "KILN_STORAGE_KEY_PREVIOUS",
    "KILN_ADMIN_TOKEN",
];
/// Shorter "secrets" would match ordinary text; real ones are far longer.
const MIN_SECRET_CHARS: usize = 12;
/// Prefixes of Atlassian's API tokens (user, Connect/app, OAuth).
const ATLASSIAN_TOKEN_PREFIXES: &[&str] = &["ATATT", "ATCTT", "ATOAT"];

#[derive(clap::Args, Debug)]
pub struct VariablesArgs {
    #[command(subcommand)]
    command: VariablesCommand,
}

#[derive(clap::Subcommand, Debug)]
enum VariablesCommand {
    /// Set a variable (replacing its value); the app reads it as process.env.KEY.
    Set {
        #[command(flatten)]
        at: Where,
        /// The variable's name: letters, digits and `_`, not starting with a digit.
        key: String,
        /// The value; read from stdin when omitted (keeps it out of shell history).
        value: Option<String>,
        /// Store the value encrypted with the storage key; `list` never shows it.
        #[arg(long)]
        encrypt: bool,
    },
    /// List the app's variables; encrypted values are not shown.
    List {
        #[command(flatten)]
        at: Where,
    },
    /// Remove a variable.
    Unset {
        #[command(flatten)]
        at: Where,
        key: String,
    },
}

/// Which app, environment and state database.
#[derive(clap::Args, Debug)]
struct Where {
    /// The app: its folder, its manifest.yml or .wasm (manifest beside it), or its app id.
    app: String,
    /// The environment (Forge's `-e`).
    #[arg(long, short = 'e', default_value = DEFAULT_ENVIRONMENT)]
    environment: String,
    /// Where the state lives: `sqlite://PATH` or `postgres://…` (default: state.sqlite3 under
    /// the user's data directory, which `runtime run` and `runtime serve` use).
    #[arg(
        long,
        value_name = "LOCATION",
        env = "KILN_STATE",
        hide_env_values = true
    )]
    state: Option<SecretString>,
}

impl Where {
    async fn open(&self) -> Result<AppVariables, Failure> {
        let app_id = super::storage::app_id(&self.app)?;
        let location = super::storage::persistent_state(
            self.state.as_ref(),
            "memory state is gone when this command ends: pass --state sqlite://PATH|postgres://…",
        )?;
        let current = super::storage::env_secret(kiln_serve::storage_key::KEY_ENV)?;
        let previous = super::storage::env_secret(kiln_serve::storage_key::PREVIOUS_KEYS_ENV)?;
        let cipher =
            kiln_serve::storage_key::cipher(&location, current.as_ref(), previous.as_ref())
                .map_err(Failure::bad_input)?;
        let backends = location
            .open()
            .await
            .map_err(|e| Failure::environment(anyhow!("{}: {e}", location.describe())))?;
        let storage = AppStorage::new(backends.storage, StorageLimits::default(), cipher);
        AppVariables::open(&storage, &app_id, &self.environment)
            .await
            .map_err(Failure::bad_input)
    }
}

/// Why `value` may not be stored (see the module docs), without quoting it.
pub(super) fn credential_refusal(
    value: &str,
    encrypted: bool,
    host_secret: impl Fn(&str) -> Option<String>,
) -> Option<String> {
    for name in HOST_SECRET_ENVS {
        let Some(secret) = host_secret(name) else {
            continue;
        };
        let held = kiln_state::secrets::key_list_items(&secret)
            .chain(std::iter::once(secret.trim()))
            .any(|item| item.chars().count() >= MIN_SECRET_CHARS && value.contains(item));
        if held {
            return Some(format!(
                "the value holds the host's own secret (${name}); Kiln's credentials are never handed to an app"
            ));
        }
    }
    if !encrypted {
        let trimmed = value.trim_start();
        if ATLASSIAN_TOKEN_PREFIXES
            .iter()
            .any(|p| trimmed.starts_with(p))
        {
            return Some(
                "the value looks like an Atlassian token; store it with --encrypt, or not at all"
                    .to_owned(),
            );
        }
    }
    None
}

pub(super) fn read_value(value: Option<String>) -> Result<SecretString, Failure> {
    match value {
        Some(value) => Ok(SecretString::from(value)),
        None => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text).map_err(|e| {
                Failure::bad_input(anyhow!("cannot read the value from stdin: {e}"))
            })?;
            // One trailing newline is the terminal's or `echo`'s, not the value's.
            if text.ends_with('\n') {
                text.pop();
                if text.ends_with('\r') {
                    text.pop();
                }
            }
            Ok(SecretString::from(text))
        }
    }
}

pub async fn run(args: VariablesArgs) -> Result<Exit, Failure> {
    match args.command {
        VariablesCommand::Set {
            at,
            key,
            value,
            encrypt,
        } => {
            let name = VariableName::new(&key).map_err(Failure::bad_input)?;
            let value = read_value(value)?;
            if let Some(why) = credential_refusal(value.expose_secret(), encrypt, |name| {
                std::env::var(name).ok().filter(|v| !v.is_empty())
            }) {
                return Err(Failure::bad_input(anyhow!(
                    "{} not set: {why}",
                    name.as_str()
                )));
            }
            let variables = at.open().await?;
            variables
                .set(&name, &value, encrypt)
                .await
                .map_err(Failure::bad_input)?;
            eprintln!(
                "set {}{} for {} in {}",
                name.as_str(),
                if encrypt { " (encrypted)" } else { "" },
                GuestText(&at.app),
                GuestText(&at.environment)
            );
            Ok(Exit::Success)
        }
        VariablesCommand::List { at } => {
            let variables = at.open().await?;
            let listed = variables.list().await.map_err(Failure::bad_input)?;
            for variable in &listed {
                match &variable.value {
                    Some(value) if !variable.encrypted => {
                        println!("{}\t{}", variable.name, GuestText(value))
                    }
                    _ => println!("{}\t(encrypted)", variable.name),
                }
            }
            let count = listed.len();
            eprintln!("{count} variable{}", if count == 1 { "" } else { "s" });
            Ok(Exit::Success)
        }
        VariablesCommand::Unset { at, key } => {
            let name = VariableName::new(&key).map_err(Failure::bad_input)?;
            let variables = at.open().await?;
            if variables.unset(&name).await.map_err(Failure::bad_input)? {
                eprintln!("unset {}", name.as_str());
                Ok(Exit::Success)
            } else {
                Err(Failure::bad_input(anyhow!(
                    "no variable {} for {} in {}",
                    name.as_str(),
                    GuestText(&at.app),
                    GuestText(&at.environment)
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "ATATT3xFfGF0-canary-0123456789";

    #[test]
    fn the_hosts_secrets_are_refused_encrypted_or_not() {
        let env =
            |name: &str| (name == "JIRA_API_TOKEN").then(|| "s3cret-host-token-value".to_owned());
        for encrypted in [false, true] {
            let why = credential_refusal("prefix s3cret-host-token-value", encrypted, env).unwrap();
            assert!(why.contains("$JIRA_API_TOKEN"), "{why}");
            assert!(!why.contains("s3cret"), "never quoted: {why}");
        }
        assert_eq!(credential_refusal("ordinary value", false, env), None);
    }

    #[test]
    fn each_previous_storage_key_counts() {
        let a = "a1".repeat(32);
        let b = "b2".repeat(32);
        let env = |name: &str| (name == "KILN_STORAGE_KEY_PREVIOUS").then(|| format!("{a}, {b}"));
        assert!(credential_refusal(&b, true, env).is_some());
    }

    #[test]
    fn short_host_values_do_not_match_everything() {
        let env = |name: &str| (name == "KILN_ADMIN_TOKEN").then(|| "x".to_owned());
        assert_eq!(credential_refusal("xxx", false, env), None);
    }

    #[test]
    fn atlassian_tokens_need_encrypt() {
        let none = |_: &str| None;
        assert!(
            credential_refusal(TOKEN, false, none)
                .unwrap()
                .contains("--encrypt")
        );
        assert_eq!(credential_refusal(TOKEN, true, none), None);
    }
}
