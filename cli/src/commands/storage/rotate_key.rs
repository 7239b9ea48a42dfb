//! `runtime storage rotate-key`: the re-encryption pass of a secret-storage key rotation
//! (docs/operations.md, "Rotating the secret-storage key").
//!
//! It opens the state `runtime serve` uses (`--state` / `$KILN_STATE`; default the SQLite
//! file under the user's data directory) with the keys `runtime serve` would use —
//! `$KILN_STORAGE_KEY` current, `$KILN_STORAGE_KEY_PREVIOUS` previous, the same checks —
//! and moves every secret a previous key sealed to the current key (kiln-state's
//! `AppStorage::rotate_secrets`: batched, one compare-and-set per secret, safe while replicas
//! run, resumable by running it again). Progress goes to stderr, the report to stdout as one
//! JSON line; it exits 0 only when every secret is under the current key, so a script can
//! gate removing the previous key on it.

use anyhow::anyhow;
use kiln_state::{AppStorage, StorageLimits};
use secrecy::SecretString;
use serde_json::json;

use crate::commands::exit::{Exit, Failure};

#[derive(clap::Args, Debug)]
pub struct RotateKeyArgs {
    /// Where the state lives: `sqlite://PATH` or `postgres://…` (default: state.sqlite3 under
    /// the user's data directory, as `runtime serve`).
    #[arg(
        long,
        value_name = "LOCATION",
        env = "KILN_STATE",
        hide_env_values = true
    )]
    state: Option<SecretString>,
    /// Installations, and secrets of one installation, read per page (1 to 1000). Each
    /// secret is its own short transaction whatever the page size.
    #[arg(long, default_value_t = 100)]
    batch: u32,
}

pub async fn run(args: RotateKeyArgs) -> Result<Exit, Failure> {
    let location = super::persistent_state(
        args.state.as_ref(),
        "memory state holds no secrets between runs: nothing to rotate",
    )?;
    let current = super::env_secret(kiln_serve::storage_key::KEY_ENV)?;
    let previous = super::env_secret(kiln_serve::storage_key::PREVIOUS_KEYS_ENV)?;
    let cipher = kiln_serve::storage_key::cipher(&location, current.as_ref(), previous.as_ref())
        .map_err(Failure::bad_input)?;
    eprintln!(
        "rotating secrets in {} to key {} (previous: {})",
        location.describe(),
        cipher.key_id_hex(),
        match cipher.previous_key_ids_hex() {
            ids if ids.is_empty() => "none".to_owned(),
            ids => ids.join(", "),
        }
    );
    let backends = location
        .open()
        .await
        .map_err(|e| Failure::environment(anyhow!("{}: {e}", location.describe())))?;
    let storage = AppStorage::new(backends.storage, StorageLimits::default(), cipher);
    let report = storage
        .rotate_secrets(args.batch, |so_far| {
            eprintln!(
                "{} secrets in {} installations: {} moved, {} already current",
                so_far.secrets, so_far.installations, so_far.rotated, so_far.current
            );
        })
        .await
        .map_err(Failure::environment)?;
    println!(
        "{}",
        json!({
            "installations": report.installations,
            "secrets": report.secrets,
            "rotated": report.rotated,
            "current": report.current,
            "deletedMeanwhile": report.deleted_meanwhile,
            "unknownKey": report.unknown_key,
            "unknownKeyIds": report.unknown_key_ids,
            "undecryptable": report.undecryptable,
            "complete": report.complete(),
        })
    );
    if report.complete() {
        eprintln!("every secret is under the current key: the previous keys can be removed");
        Ok(Exit::Success)
    } else {
        Err(Failure::environment(anyhow!(
            "{} secret(s) are sealed by keys this host does not hold ({}) and {} do not \
             authenticate; they were left as they are. Keep the previous keys until this is \
             resolved (add the missing key to {} and run again)",
            report.unknown_key,
            report
                .unknown_key_ids
                .iter()
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            report.undecryptable,
            kiln_serve::storage_key::PREVIOUS_KEYS_ENV
        )))
    }
}
