//! App storage's typed errors. None carries a value, a secret or key material: a key may
//! appear (escaped, through `Debug`), since the app chose it and it is not secret.

use super::cursor::InvalidCursor;
use super::key::KeyError;
use super::transaction::TransactionError;
use crate::installation::InstallationError;
use crate::secrets::SecretError;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("invalid key: {0}")]
    InvalidKey(#[from] KeyError),
    #[error("invalid installation: {0}")]
    InvalidInstallation(#[from] InstallationError),
    #[error(transparent)]
    InvalidCursor(#[from] InvalidCursor),
    #[error("the value is {bytes} bytes, over the {max}-byte limit")]
    ValueTooLarge { bytes: usize, max: usize },
    #[error("the value is nested deeper than {max} levels")]
    ValueTooDeep { max: usize },
    #[error("the value cannot be serialised as JSON")]
    ValueNotJson,
    #[error("a page holds 1 to {max} entries; {requested} were asked for")]
    PageSize { requested: u32, max: u32 },
    /// Names the limit and the time asked for, never the key or the value.
    #[error("a time to live is 1 ms to {max_secs} s; {requested_ms} ms was asked for")]
    InvalidTtl { requested_ms: u128, max_secs: u64 },
    #[error("the installation's storage would hold {would_use} bytes, over its {limit}-byte limit")]
    QuotaExceeded { would_use: u64, limit: u64 },
    #[error("invalid transaction: {0}")]
    InvalidTransaction(#[from] TransactionError),
    #[error("the update did not settle after {attempts} attempts")]
    Contended { attempts: u32 },
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("stored data is damaged: {0}")]
    Corrupt(&'static str),
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// A failure of the database itself (I/O, lock timeout, migration). Carries the driver's
/// message, which names tables and SQL but never bound parameters.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("storage database error: {0}")]
    Database(#[from] sqlx::Error),
    /// From the one transaction SQLite runs outside sqlx (`serve/sqlite_accept.rs`).
    #[error("storage database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("storage migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("cannot prepare the storage file {path}: {source}")]
    File {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("stored data is damaged: {0}")]
    Corrupt(&'static str),
}
