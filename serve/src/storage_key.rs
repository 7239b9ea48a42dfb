//! The key that seals app storage's secrets (`storage.setSecret`).
//!
//! From `$KILN_STORAGE_KEY` (64 hex digits) when the operator gives one: replicas sharing a
//! PostgreSQL database must share it, so PostgreSQL state requires it. Without it, SQLite state
//! uses (or creates, mode 0600) `storage.key` beside the state file, as `runtime run` does, so a
//! restart can still read what was sealed; memory state gets a fresh key (nothing outlives it).
//! The key is never logged; only its id (a hash) is.
//!
//! **Rotation**: `$KILN_STORAGE_KEY_PREVIOUS` lists earlier keys (comma or space separated),
//! which open what they sealed but never seal. A second variable rather than a list in the
//! first: the current key keeps its one meaning on every host and in every tool (the key that
//! seals), the usual Kubernetes Secret-to-variable wiring needs one more entry and no parsing
//! convention for which key is current, and removing the variable is the visible last step
//! of a rotation. Each previous key passes the same checks as the current one.

use std::path::Path;

use kiln_state::secrets::key_list_items;
use kiln_state::{EncryptionKey, SecretCipher, SecretError, StateLocation};
use secrecy::{ExposeSecret, SecretString};

/// Where the variable's name appears in errors.
pub const KEY_ENV: &str = "KILN_STORAGE_KEY";
/// Earlier keys, still read during a rotation.
pub const PREVIOUS_KEYS_ENV: &str = kiln_state::secrets::PREVIOUS_KEYS_ENV;

/// Name of the key file beside a SQLite state file (the same as `runtime run`'s).
const KEY_FILE: &str = "storage.key";

/// Why no key could be had.
#[derive(Debug, thiserror::Error)]
pub enum StorageKeyError {
    #[error(transparent)]
    Key(#[from] SecretError),
    /// Sample values copied from documentation (all one digit) are not keys.
    #[error(
        "{source_name} is a placeholder (one repeated digit); generate one: openssl rand -hex 32"
    )]
    Placeholder { source_name: String },
    #[error(
        "PostgreSQL state needs {KEY_ENV} (64 hex digits, the same on every replica): openssl rand -hex 32"
    )]
    Required,
}

/// The key for app storage at `location`; `from_env` is `$KILN_STORAGE_KEY` when set.
pub fn choose(
    location: &StateLocation,
    from_env: Option<&SecretString>,
) -> Result<EncryptionKey, StorageKeyError> {
    if let Some(text) = from_env {
        refuse_placeholder(text.expose_secret(), KEY_ENV)?;
        return Ok(EncryptionKey::from_hex(text, KEY_ENV)?);
    }
    match location {
        StateLocation::Memory => Ok(EncryptionKey::generate()?),
        StateLocation::Sqlite(path) => {
            let key_path = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .join(KEY_FILE);
            Ok(EncryptionKey::load_or_create(&key_path)?)
        }
        StateLocation::Postgres(_) => Err(StorageKeyError::Required),
    }
}

/// The keys `$KILN_STORAGE_KEY_PREVIOUS` lists (none when unset), each refused as the current
/// key would be: malformed, or a placeholder.
pub fn previous(from_env: Option<&SecretString>) -> Result<Vec<EncryptionKey>, StorageKeyError> {
    let Some(text) = from_env else {
        return Ok(Vec::new());
    };
    for (n, item) in key_list_items(text.expose_secret()).enumerate() {
        refuse_placeholder(item, &format!("{PREVIOUS_KEYS_ENV}, key {}", n + 1))?;
    }
    Ok(EncryptionKey::list_from_hex(text, PREVIOUS_KEYS_ENV)?)
}

/// The cipher for app storage at `location`: the current key from [`choose`], which seals,
/// and the previous keys, which only open.
pub fn cipher(
    location: &StateLocation,
    current: Option<&SecretString>,
    previous_keys: Option<&SecretString>,
) -> Result<SecretCipher, StorageKeyError> {
    let key = choose(location, current)?;
    Ok(SecretCipher::with_previous(key, previous(previous_keys)?))
}

fn refuse_placeholder(text: &str, source_name: &str) -> Result<(), StorageKeyError> {
    let mut digits = text.trim().chars();
    if let Some(first) = digits.next()
        && digits.all(|c| c.eq_ignore_ascii_case(&first))
    {
        return Err(StorageKeyError::Placeholder {
            source_name: source_name.to_owned(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(text: &str) -> SecretString {
        SecretString::from(text.to_owned())
    }

    #[test]
    fn placeholders_and_malformed_keys_are_refused_without_echo() {
        let memory = StateLocation::Memory;
        for (text, placeholder) in [
            (&"0".repeat(64), true),
            (&"f".repeat(64), true),
            (&"xyz".repeat(20), false),
            (&"ab".repeat(20), false),
        ] {
            let error = choose(&memory, Some(&secret(text))).unwrap_err();
            assert_eq!(
                matches!(error, StorageKeyError::Placeholder { .. }),
                placeholder,
                "{error}"
            );
            assert!(!error.to_string().contains(text.as_str()), "{error}");
        }
        let good = "0123456789abcdef".repeat(4);
        assert!(choose(&memory, Some(&secret(&good))).is_ok());
    }

    #[test]
    fn previous_keys_are_checked_like_the_current_one() {
        let memory = StateLocation::Memory;
        let current = "0123456789abcdef".repeat(4);
        let old = "fedcba9876543210".repeat(4);
        let cipher = cipher(
            &memory,
            Some(&secret(&current)),
            Some(&secret(&format!("{old}, {current}"))),
        )
        .unwrap();
        // The current key listed again is kept once, as the current key.
        assert_eq!(cipher.previous_key_ids_hex().len(), 1);
        for (list, placeholder) in [
            (format!("{old},{}", "0".repeat(64)), true),
            (format!("{old} {}", &old[..63]), false),
        ] {
            let error = previous(Some(&secret(&list))).unwrap_err();
            assert_eq!(
                matches!(error, StorageKeyError::Placeholder { .. }),
                placeholder,
                "{error}"
            );
            assert!(error.to_string().contains("key 2"), "{error}");
            assert!(!error.to_string().contains(&old[..63]), "{error}");
        }
        assert!(previous(None).unwrap().is_empty());
    }

    #[test]
    fn postgres_needs_the_variable_and_sqlite_keeps_a_key_file() {
        let pg: StateLocation = "postgres://kiln@db/kiln".parse().unwrap();
        assert!(matches!(choose(&pg, None), Err(StorageKeyError::Required)));
        let dir = tempfile::tempdir().unwrap();
        let sqlite = StateLocation::Sqlite(dir.path().join("state.sqlite3"));
        let first = choose(&sqlite, None).unwrap();
        let again = choose(&sqlite, None).unwrap();
        assert_eq!(first.id_hex(), again.id_hex());
        assert!(dir.path().join(KEY_FILE).exists());
    }
}
