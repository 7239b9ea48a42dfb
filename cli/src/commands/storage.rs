//! App storage from the command line: where `runtime run` keeps an app's
//! data (`--storage PATH|memory`), and `runtime storage list|get|set|delete`
//! for a developer to look at it.
//!
//! The default store is one SQLite file under the user's data directory
//! (`$KILN_DATA_DIR`, else `$XDG_DATA_HOME/kiln`, else
//! `~/.local/share/kiln`: [`default_state_path`]), with the secret-storage
//! key in `storage.key` beside it (or `$KILN_STORAGE_KEY`), so an app's data
//! persists between runs. Keys and values are the app's text: keys are
//! escaped before they are printed ([`GuestText`]), values printed as JSON
//! with the characters a terminal would obey written as `\u` escapes
//! ([`to_json_line`]). Secrets are never listed nor printed.
//!
//! `set --secret` stores a secret as the app's `storage.setSecret` does
//! (sealed with the storage key, bound to the installation and key): the
//! configuration an app's admin page would have written (an API token, a
//! webhook's signing secret), which Kiln, serving no UI, leaves to the
//! operator. The value is read from stdin when not given, so it stays out of
//! shell history; one holding the host's own secrets is refused, as for
//! `runtime variables set`. `get --secret` says whether one is stored, never
//! what.
//!
//! `runtime storage rotate-key` re-encrypts every secret of a host's state under a new key
//! (`rotate_key.rs`).

mod rotate_key;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, anyhow};
use kiln_manifest::Manifest;
use kiln_runtime::StorageHost;
use kiln_runtime::guest_text::{GuestText, to_json_line};
use kiln_runtime::storage::{DEFAULT_ENVIRONMENT, SIMULATOR_SITE, storage_site};
use kiln_state::{
    AppStorage, EncryptionKey, Installation, InstallationStorage, SecretCipher, SecretValue,
    SqliteDatabase, StateLocation, StorageLimits, default_state_path,
};
use secrecy::{ExposeSecret as _, SecretString};

use super::exit::{Exit, Failure};

/// Name of the secret-storage key file, beside the state file.
const KEY_FILE: &str = "storage.key";

/// `--storage` of `runtime run`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageChoice {
    /// In memory, gone when the run ends.
    Memory,
    /// This SQLite file.
    File(PathBuf),
}

impl StorageChoice {
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "memory" => Ok(StorageChoice::Memory),
            "" => Err("expected a file path or `memory`".into()),
            path => Ok(StorageChoice::File(PathBuf::from(path))),
        }
    }
}

/// The state file used when `--storage` is not given.
fn default_file() -> Result<PathBuf, Failure> {
    default_state_path().ok_or_else(|| {
        Failure::environment(anyhow!(
            "no data directory for app storage: set KILN_DATA_DIR, XDG_DATA_HOME or HOME, or pass --storage PATH|memory"
        ))
    })
}

/// Opens the app storage `runtime run` uses.
pub async fn open(choice: Option<&StorageChoice>) -> Result<StorageHost, Failure> {
    let path = match choice {
        Some(StorageChoice::Memory) => {
            return kiln_runtime::runtime::in_memory_storage().ok_or_else(|| {
                Failure::environment(anyhow!("cannot create an in-memory storage key"))
            });
        }
        Some(StorageChoice::File(path)) => path.clone(),
        None => default_file()?,
    };
    Ok(StorageHost::new(open_file(&path).await?))
}

/// The Forge SQL databases `runtime run` gives apps that declare a `sql` module: in memory
/// with `--storage memory`, else beside the storage file, so they outlive the run as its
/// storage does.
pub fn forge_sql(
    choice: Option<&StorageChoice>,
) -> Result<Arc<kiln_state::forge_sql::ForgeSqlStore>, Failure> {
    use kiln_state::forge_sql::{ForgeSqlLimits, ForgeSqlPlacement, ForgeSqlStore};
    let path = match choice {
        Some(StorageChoice::Memory) => {
            return Ok(Arc::new(ForgeSqlStore::new(
                ForgeSqlPlacement::Memory,
                ForgeSqlLimits::default(),
            )));
        }
        Some(StorageChoice::File(path)) => path.clone(),
        None => default_file()?,
    };
    Ok(Arc::new(ForgeSqlStore::beside_state_file(
        &path,
        ForgeSqlLimits::default(),
    )))
}

async fn open_file(path: &Path) -> Result<AppStorage, Failure> {
    let key_path = path
        .parent()
        .map(|dir| dir.join(KEY_FILE))
        .unwrap_or_else(|| PathBuf::from(KEY_FILE));
    let key = EncryptionKey::from_env_or_file(&key_path).map_err(Failure::environment)?;
    let db = SqliteDatabase::open(path)
        .await
        .with_context(|| format!("cannot open the app storage file {}", path.display()))
        .map_err(Failure::environment)?;
    Ok(AppStorage::sqlite(
        db,
        StorageLimits::default(),
        SecretCipher::new(key),
    ))
}

#[derive(clap::Args, Debug)]
pub struct StorageArgs {
    #[command(subcommand)]
    command: StorageCommand,
}

#[derive(clap::Subcommand, Debug)]
enum StorageCommand {
    /// List an app's keys and values, in key order, a page at a time.
    List {
        #[command(flatten)]
        at: Where,
        /// Only keys that start with this text.
        #[arg(long, default_value = "")]
        prefix: String,
        /// Keys per page (1 to 100).
        #[arg(long, default_value_t = 100)]
        limit: u32,
        /// Continue after the page that printed this cursor.
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Print one value as JSON (with --secret: only whether a secret is stored).
    Get {
        #[command(flatten)]
        at: Where,
        key: String,
        /// The app's secret under the key (`storage.getSecret`): never printed.
        #[arg(long)]
        secret: bool,
    },
    /// Store a JSON value under a key.
    Set {
        #[command(flatten)]
        at: Where,
        key: String,
        /// JSON text (a string needs its quotes: '"text"'); read from stdin when omitted.
        value: Option<String>,
        /// Store it as the app's secret (`storage.setSecret`), sealed with the storage key.
        #[arg(long)]
        secret: bool,
    },
    /// Remove a key.
    Delete {
        #[command(flatten)]
        at: Where,
        key: String,
        /// Remove the app's secret under the key (`storage.deleteSecret`).
        #[arg(long)]
        secret: bool,
    },
    /// Re-encrypt every app's secrets under $KILN_STORAGE_KEY, reading what the keys in
    /// $KILN_STORAGE_KEY_PREVIOUS sealed; safe while `runtime serve` replicas run, and
    /// resumable by running it again. Exits 0 once nothing is left under another key.
    RotateKey(rotate_key::RotateKeyArgs),
}

/// Which installation's storage, and in which file.
#[derive(clap::Args, Debug)]
pub(super) struct Where {
    /// The app: its folder, its manifest.yml or .wasm (manifest beside it), or its app id.
    app: String,
    /// The state file (default: state.sqlite3 under the user's data directory, as `runtime run`).
    #[arg(long, value_name = "PATH")]
    storage: Option<PathBuf>,
    /// The site whose installation to open: `simulator` (the embedded one, as `runtime serve`
    /// and its admin API name it; `runtime run` goes there unless a site is named), or a real
    /// site's cloud id, or its URL when it has none.
    #[arg(long, value_name = "simulator|CLOUD_ID|URL", default_value = SIMULATOR_SITE)]
    site: String,
    /// The environment.
    #[arg(long, default_value = DEFAULT_ENVIRONMENT)]
    environment: String,
}

impl Where {
    /// The state file and the installation named.
    pub(super) fn installation(&self) -> Result<(PathBuf, Installation), Failure> {
        let app_id = app_id(&self.app)?;
        let path = match &self.storage {
            Some(path) => path.clone(),
            None => default_file()?,
        };
        let installation =
            Installation::new(app_id, storage_site(&self.site), self.environment.as_str())
                .map_err(Failure::bad_input)?;
        Ok((path, installation))
    }

    async fn open(&self) -> Result<InstallationStorage, Failure> {
        let (path, installation) = self.installation()?;
        let storage = open_file(&path).await?;
        storage
            .installation(&installation)
            .await
            .map_err(Failure::environment)
    }
}

/// The app id an `APP` argument names: a folder holding manifest.yml, a
/// manifest, a component with its manifest beside it, or else the id itself.
pub(super) fn app_id(app: &str) -> Result<String, Failure> {
    let path = Path::new(app);
    let manifest = if path.is_dir() {
        Some(path.join("manifest.yml"))
    } else if path.is_file() {
        Some(if path.extension().is_some_and(|ext| ext == "wasm") {
            path.with_file_name("manifest.yml")
        } else {
            path.to_owned()
        })
    } else {
        None
    };
    match manifest {
        // The load error names the file (and the line) already.
        Some(manifest) => Manifest::load(&manifest)
            .map(|manifest| manifest.app.id)
            .map_err(Failure::bad_input),
        None => Ok(app.to_owned()),
    }
}

/// The state a host command works on: `--state` if given, else the default SQLite file.
/// In-memory state is refused with `why_not_memory`, since it is gone when the command ends.
pub(super) fn persistent_state(
    state: Option<&SecretString>,
    why_not_memory: &str,
) -> Result<StateLocation, Failure> {
    let location = match state {
        Some(text) => text
            .expose_secret()
            .parse::<StateLocation>()
            .map_err(Failure::bad_input)?,
        None => StateLocation::Sqlite(default_state_path().ok_or_else(|| {
            Failure::environment(anyhow!(
                "no data directory: set KILN_DATA_DIR or pass --state sqlite://PATH|postgres://…"
            ))
        })?),
    };
    if matches!(location, StateLocation::Memory) {
        return Err(Failure::bad_input(anyhow!("{why_not_memory}")));
    }
    Ok(location)
}

/// A variable's value, kept secret; set but not text is refused, never taken as unset.
pub(super) fn env_secret(name: &str) -> Result<Option<SecretString>, Failure> {
    match std::env::var_os(name) {
        None => Ok(None),
        Some(value) => value
            .into_string()
            .map(|text| Some(SecretString::from(text)))
            .map_err(|_| Failure::bad_input(anyhow!("{name} is not text"))),
    }
}

pub async fn run(args: StorageArgs) -> Result<Exit, Failure> {
    match args.command {
        StorageCommand::List {
            at,
            prefix,
            limit,
            cursor,
        } => {
            let storage = at.open().await?;
            let page = storage
                .query(&prefix, cursor.as_deref(), Some(limit))
                .await
                .map_err(Failure::bad_input)?;
            for entry in &page.entries {
                println!("{}\t{}", GuestText(&entry.key), json_line(&entry.value)?);
            }
            match &page.next_cursor {
                Some(cursor) => eprintln!(
                    "{} keys; more follow: --cursor {}",
                    page.entries.len(),
                    GuestText(cursor)
                ),
                None => eprintln!("{} keys", page.entries.len()),
            }
            Ok(Exit::Success)
        }
        StorageCommand::Get {
            at,
            key,
            secret: true,
        } => {
            let storage = at.open().await?;
            match storage.get_secret(&key).await.map_err(Failure::bad_input)? {
                Some(_) => {
                    eprintln!("a secret is stored under {}", GuestText(&key));
                    Ok(Exit::Success)
                }
                None => Err(Failure::bad_input(anyhow!(
                    "no secret under the key {}",
                    GuestText(&key)
                ))),
            }
        }
        StorageCommand::Get { at, key, .. } => {
            let storage = at.open().await?;
            match storage.get(&key).await.map_err(Failure::bad_input)? {
                Some(found) => {
                    println!("{}", json_line(&found.value)?);
                    Ok(Exit::Success)
                }
                None => Err(Failure::bad_input(anyhow!(
                    "no value under the key {}",
                    GuestText(&key)
                ))),
            }
        }
        StorageCommand::Set {
            at,
            key,
            value,
            secret,
        } => {
            let text = super::variables::read_value(value)?;
            if secret
                && let Some(why) =
                    super::variables::credential_refusal(text.expose_secret(), true, |name| {
                        std::env::var(name).ok().filter(|v| !v.is_empty())
                    })
            {
                return Err(Failure::bad_input(anyhow!(
                    "{} not stored: {why}",
                    GuestText(&key)
                )));
            }
            // serde_json's error names a line and column, never the text.
            let value: serde_json::Value = serde_json::from_str(text.expose_secret())
                .map_err(|error| Failure::bad_input(anyhow!("the value is not JSON: {error}")))?;
            let storage = at.open().await?;
            if secret {
                storage
                    .set_secret(&key, &SecretValue::new(value))
                    .await
                    .map_err(Failure::bad_input)?;
                eprintln!("stored the secret {}", GuestText(&key));
            } else {
                let version = storage
                    .set(&key, &value)
                    .await
                    .map_err(Failure::bad_input)?;
                eprintln!("stored {} (version {})", GuestText(&key), version.get());
            }
            Ok(Exit::Success)
        }
        StorageCommand::RotateKey(args) => rotate_key::run(args).await,
        StorageCommand::Delete { at, key, secret } => {
            let storage = at.open().await?;
            if secret {
                storage
                    .delete_secret(&key)
                    .await
                    .map_err(Failure::bad_input)?;
                eprintln!("deleted the secret {}", GuestText(&key));
            } else {
                storage.delete(&key).await.map_err(Failure::bad_input)?;
                eprintln!("deleted {}", GuestText(&key));
            }
            Ok(Exit::Success)
        }
    }
}

fn json_line(value: &serde_json::Value) -> Result<String, Failure> {
    to_json_line(value)
        .map_err(|error| Failure::environment(anyhow!("cannot print a value: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_choices_parse() {
        assert_eq!(StorageChoice::parse("memory"), Ok(StorageChoice::Memory));
        assert_eq!(
            StorageChoice::parse("/tmp/x.sqlite3"),
            Ok(StorageChoice::File(PathBuf::from("/tmp/x.sqlite3")))
        );
        assert!(StorageChoice::parse("").is_err());
    }

    #[test]
    fn an_app_id_that_is_no_path_is_taken_as_it_is() {
        assert_eq!(
            app_id("no-such-app-folder-xyz").unwrap(),
            "no-such-app-folder-xyz"
        );
    }
}
