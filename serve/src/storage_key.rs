//! The key that seals app storage's secrets (`storage.setSecret`).
//!
//! From `$KILN_STORAGE_KEY` (64 hex digits) when the operator gives one: replicas sharing a
//! PostgreSQL database must share it, so PostgreSQL state requires it. Without it, SQLite state
//! uses (or creates, mode 0600) `storage.key` beside the state file, as `runtime run` does, so a
//! restart can still read what was sealed; memory state gets a fresh key (nothing outlives it).
//! The key is never logged; only its id (a hash) is.

use std::path::Path;

use kiln_state::{EncryptionKey, SecretError, StateLocation};
use secrecy::{ExposeSecret, SecretString};

/// Where the variable's name appears in errors.
pub const KEY_ENV: &str = "KILN_STORAGE_KEY";

/// Name of the key file beside a SQLite state file (the same as `runtime run`'s).
const KEY_FILE: &str = "storage.key";

/// Why no key could be had.
#[derive(Debug, thiserror::Error)]
pub enum StorageKeyError {
    #[error(transparent)]
    Key(#[from] SecretError),
    /// Sample values copied from documentation (all one digit) are not keys.
    #[error("{KEY_ENV} is a placeholder (one repeated digit); generate one: openssl rand -hex 32")]
    Placeholder,
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
        let trimmed = text.expose_secret().trim();
        let mut digits = trimmed.chars();
        if let Some(first) = digits.next()
            && digits.all(|c| c.eq_ignore_ascii_case(&first))
        {
            return Err(StorageKeyError::Placeholder);
        }
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
                matches!(error, StorageKeyError::Placeholder),
                placeholder,
                "{error}"
            );
            assert!(!error.to_string().contains(text.as_str()), "{error}");
        }
        let good = "0123456789abcdef".repeat(4);
        assert!(choose(&memory, Some(&secret(&good))).is_ok());
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
