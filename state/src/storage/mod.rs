//! App storage: Forge's key-value store, one namespace per installation.
//!
//! [`AppStorage`] holds the rules (key grammar, value and page limits, the quota, secret
//! sealing) and a [`StorageBackend`] that only stores bytes. [`AppStorage::installation`]
//! gives the [`InstallationStorage`] an invocation uses: every operation there is confined to
//! that installation by construction, since the installation is a column the host fills and
//! the guest's key is only ever a bound parameter.
//!
//! Writes of several keys that must happen together go through
//! [`InstallationStorage::transact`] (Forge's `kvs.transact()`, `transaction.rs`): one
//! backend write under one lock, at one version.
//!
//! Values may expire ([`InstallationStorage::set_expiring`], Forge's `ttl` option): an
//! expired value is absent to every operation from its expiry instant on, and every value
//! carries [`EntryMeta`] (`meta.rs`). Time comes from one [`Clock`] per [`AppStorage`]
//! (`clock.rs`), read once per operation and handed to the backend.

mod backend;
mod clock;
mod cursor;
mod error;
mod key;
mod limits;
mod memory;
mod meta;
mod purge;
mod rotation;
mod sql;
mod sql_backend;
mod transaction;
mod value;

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

pub use backend::{
    BatchOutcome, BatchWrite, Change, Condition, InstallationId, ScanRange, Space, StorageBackend,
    StoredEntry, Version, WriteOutcome,
};
pub use clock::{Clock, system_clock};
pub use cursor::{Cursor, InvalidCursor};
pub use error::{BackendError, StorageError};
pub use key::{KeyError, KeyPrefix, StorageKey};
pub use limits::*;
pub use memory::MemoryBackend;
pub use meta::{EntryMeta, UnixMillis};
pub use purge::MAX_PURGE_BATCH;
pub use rotation::RotationReport;
pub use sql_backend::{PostgresBackend, SqlBackend, SqliteBackend};
pub use transaction::{TransactAction, TransactOp, TransactOutcome, TransactionError};

use crate::database::SqliteDatabase;
use crate::installation::Installation;
use crate::secrets::{SecretCipher, SecretValue};

/// App storage for every installation of a host.
#[derive(Clone)]
pub struct AppStorage {
    backend: Arc<dyn StorageBackend>,
    limits: StorageLimits,
    cipher: Arc<SecretCipher>,
    clock: Clock,
}

impl std::fmt::Debug for AppStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppStorage")
            .field("limits", &self.limits)
            .field("cipher", &self.cipher)
            .finish_non_exhaustive()
    }
}

impl AppStorage {
    pub fn new(
        backend: Arc<dyn StorageBackend>,
        limits: StorageLimits,
        cipher: SecretCipher,
    ) -> Self {
        Self {
            backend,
            limits,
            cipher: Arc::new(cipher),
            clock: system_clock(),
        }
    }

    /// The same storage reading time from `clock` instead of the system clock: how tests
    /// (and a controllable clock in `runtime serve`) drive expiry and entry metadata.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// `now` by this storage's clock: what every operation reads once.
    pub fn now(&self) -> UnixMillis {
        (self.clock)()
    }

    /// Storage that lives as long as this value (tests, `--storage memory`).
    pub fn in_memory(limits: StorageLimits, cipher: SecretCipher) -> Self {
        Self::new(Arc::new(MemoryBackend::new()), limits, cipher)
    }

    /// Storage in an opened SQLite state file.
    pub fn sqlite(db: SqliteDatabase, limits: StorageLimits, cipher: SecretCipher) -> Self {
        Self::new(Arc::new(SqliteBackend::new(db)), limits, cipher)
    }

    pub fn limits(&self) -> &StorageLimits {
        &self.limits
    }

    /// The storage of one installation, created on first use.
    pub async fn installation(
        &self,
        installation: &Installation,
    ) -> Result<InstallationStorage, StorageError> {
        let id = self.backend.installation_id(installation).await?;
        Ok(InstallationStorage {
            storage: self.clone(),
            installation: installation.clone(),
            id,
        })
    }
}

/// A value with the version of the write that stored it and its metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<T> {
    pub value: T,
    pub version: Version,
    pub meta: EntryMeta,
}

/// What a compare-and-set expects to find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// The key does not exist.
    Absent,
    /// The key exists and was last written at this version.
    Version(Version),
}

impl From<Expected> for Condition {
    fn from(expected: Expected) -> Self {
        match expected {
            Expected::Absent => Condition::Absent,
            Expected::Version(version) => Condition::Version(version),
        }
    }
}

/// What a compare-and-set did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CasOutcome {
    /// Applied: the new version, or `None` for a delete.
    Applied(Option<Version>),
    /// Someone else wrote first; `current` is the key's version now (`None`: absent).
    Conflict { current: Option<Version> },
}

/// One entry of a query page.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryEntry {
    pub key: String,
    pub value: Value,
    pub version: Version,
    pub meta: EntryMeta,
}

/// A page of a prefix query, in ascending key order (by UTF-8 bytes).
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub entries: Vec<QueryEntry>,
    /// Present when more entries may follow; pass it back to continue after this page.
    pub next_cursor: Option<String>,
}

/// One installation's storage. Cheap to clone.
#[derive(Clone)]
pub struct InstallationStorage {
    storage: AppStorage,
    installation: Installation,
    id: InstallationId,
}

impl std::fmt::Debug for InstallationStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstallationStorage")
            .field("installation", &self.installation)
            .finish_non_exhaustive()
    }
}

impl InstallationStorage {
    pub fn installation(&self) -> &Installation {
        &self.installation
    }

    fn limits(&self) -> &StorageLimits {
        &self.storage.limits
    }

    fn backend(&self) -> &dyn StorageBackend {
        self.storage.backend.as_ref()
    }

    fn key(&self, key: &str) -> Result<StorageKey, StorageError> {
        Ok(StorageKey::new(key, self.limits().max_key_chars)?)
    }

    fn now(&self) -> UnixMillis {
        self.storage.now()
    }

    /// The value under `key` with its version and metadata; `None` when absent or expired.
    pub async fn get(&self, key: &str) -> Result<Option<Versioned<Value>>, StorageError> {
        let key = self.key(key)?;
        let now = self.now();
        match self
            .backend()
            .get(self.id, Space::Values, &key, now)
            .await?
        {
            None => Ok(None),
            Some(entry) => Ok(Some(Versioned {
                value: value::decode(&entry.bytes)?,
                version: entry.version,
                meta: entry.meta,
            })),
        }
    }

    /// Stores `value` under `key`, replacing any value (last write wins, as in Forge). The
    /// value never expires: an earlier expiry of the key is cleared.
    pub async fn set(&self, key: &str, value: &Value) -> Result<Version, StorageError> {
        self.put(key, value, None).await
    }

    /// As [`Self::set`], and the value expires `ttl` from now (Forge's `ttl` option): from
    /// that instant it is absent everywhere. `ttl` is 1 ms to [`StorageLimits::max_ttl`],
    /// else [`StorageError::InvalidTtl`]. Overwriting the key with `set` clears the expiry.
    pub async fn set_expiring(
        &self,
        key: &str,
        value: &Value,
        ttl: Duration,
    ) -> Result<Version, StorageError> {
        self.put(key, value, Some(ttl)).await
    }

    async fn put(
        &self,
        key: &str,
        value: &Value,
        ttl: Option<Duration>,
    ) -> Result<Version, StorageError> {
        let key = self.key(key)?;
        let now = self.now();
        let expires_at = ttl.map(|ttl| self.limits().expiry(now, ttl)).transpose()?;
        let bytes = value::encode(value, self.limits())?;
        let change = Change::Put {
            bytes: &bytes,
            expires_at,
        };
        let outcome = self
            .write(Space::Values, &key, change, Condition::Always, now)
            .await?;
        match outcome {
            CasOutcome::Applied(Some(version)) => Ok(version),
            _ => Err(StorageError::Corrupt(
                "an unconditional write did not apply",
            )),
        }
    }

    /// Removes `key`; removing an absent key is not an error (as in Forge).
    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        let key = self.key(key)?;
        let now = self.now();
        self.write(Space::Values, &key, Change::Delete, Condition::Always, now)
            .await?;
        Ok(())
    }

    /// Writes `new` (or deletes, for `None`) only if the key is as `expected`, atomically:
    /// of two invocations racing on one key, exactly one applies and the other sees
    /// [`CasOutcome::Conflict`] with the winner's version. An expired key is absent:
    /// [`Expected::Absent`] holds for it and [`Expected::Version`] does not. The value
    /// written never expires.
    pub async fn compare_and_set(
        &self,
        key: &str,
        expected: Expected,
        new: Option<&Value>,
    ) -> Result<CasOutcome, StorageError> {
        self.compare_and_set_at(key, expected, new, None, self.now())
            .await
    }

    /// As [`Self::compare_and_set`], and the value written expires `ttl` from now (a lease,
    /// a lock with a timeout: Forge reaches this with a one-operation transaction).
    pub async fn compare_and_set_expiring(
        &self,
        key: &str,
        expected: Expected,
        new: &Value,
        ttl: Duration,
    ) -> Result<CasOutcome, StorageError> {
        self.compare_and_set_at(key, expected, Some(new), Some(ttl), self.now())
            .await
    }

    async fn compare_and_set_at(
        &self,
        key: &str,
        expected: Expected,
        new: Option<&Value>,
        ttl: Option<Duration>,
        now: UnixMillis,
    ) -> Result<CasOutcome, StorageError> {
        let key = self.key(key)?;
        let condition = Condition::from(expected);
        let expires_at = ttl.map(|ttl| self.limits().expiry(now, ttl)).transpose()?;
        let bytes = new.map(|v| value::encode(v, self.limits())).transpose()?;
        let change = match &bytes {
            Some(bytes) => Change::Put { bytes, expires_at },
            None => Change::Delete,
        };
        self.write(Space::Values, &key, change, condition, now)
            .await
    }

    /// Read-modify-write by compare-and-set, retried on conflict up to `max_attempts` times:
    /// the counter pattern. `update` gets the current value (`None`: absent) and returns the
    /// new one (`None`: delete). Returns what was written. The value written never expires.
    pub async fn update(
        &self,
        key: &str,
        max_attempts: u32,
        mut update: impl FnMut(Option<&Value>) -> Option<Value> + Send,
    ) -> Result<Option<Versioned<Value>>, StorageError> {
        for _ in 0..max_attempts {
            let current = self.get(key).await?;
            let expected = match &current {
                None => Expected::Absent,
                Some(current) => Expected::Version(current.version),
            };
            let new = update(current.as_ref().map(|c| &c.value));
            let now = self.now();
            match self
                .compare_and_set_at(key, expected, new.as_ref(), None, now)
                .await?
            {
                CasOutcome::Applied(Some(version)) => {
                    // The condition held, so under the lock the key was exactly `current`
                    // (versions are unique) and live: the backend computed this metadata.
                    let meta = EntryMeta::written(current.as_ref().map(|c| &c.meta), now, None);
                    return Ok(new.map(|value| Versioned {
                        value,
                        version,
                        meta,
                    }));
                }
                CasOutcome::Applied(None) => return Ok(None),
                CasOutcome::Conflict { .. } => continue,
            }
        }
        Err(StorageError::Contended {
            attempts: max_attempts,
        })
    }

    /// Applies every operation of `ops` atomically (Forge's `kvs.transact()`): either all
    /// happen, at one version, or, when a condition does not hold, none does and the first
    /// failing operation is named. Refused as a whole, before anything is read, when it
    /// breaks a rule of transactions ([`StorageError::InvalidTransaction`]: see
    /// `transaction.rs`) or one of its keys or values breaks the usual rules; refused with
    /// [`StorageError::QuotaExceeded`] when its net effect would grow the installation past
    /// its quota. Only values: secrets are not part of transactions.
    pub async fn transact(&self, ops: &[TransactOp<'_>]) -> Result<TransactOutcome, StorageError> {
        let now = self.now();
        let prepared = transaction::prepare(ops, self.limits(), now)?;
        let writes: Vec<BatchWrite<'_>> = prepared.iter().map(|op| op.as_write()).collect();
        let outcome = self
            .backend()
            .write_all(
                self.id,
                Space::Values,
                &writes,
                self.limits().max_total_bytes,
                now,
            )
            .await?;
        match outcome {
            BatchOutcome::Committed(version) => Ok(TransactOutcome::Committed(version)),
            BatchOutcome::ConditionFailed { index, current } => {
                Ok(TransactOutcome::ConditionFailed { index, current })
            }
            BatchOutcome::OverQuota { would_use, limit } => {
                Err(StorageError::QuotaExceeded { would_use, limit })
            }
        }
    }

    /// Entries whose key starts with `prefix` (every entry for `""`), after `cursor`, at
    /// most `limit` (Forge's default 10 when `None`, at most the page-size limit). Secrets
    /// and expired values are never listed; a cursor is a key position, so paging stays
    /// exact when values between two pages expire.
    pub async fn query(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> Result<Page, StorageError> {
        let limits = *self.limits();
        let limit = limit.unwrap_or(FORGE_DEFAULT_PAGE_SIZE.min(limits.max_page_size));
        if limit == 0 || limit > limits.max_page_size {
            return Err(StorageError::PageSize {
                requested: limit,
                max: limits.max_page_size,
            });
        }
        let prefix = KeyPrefix::new(prefix, limits.max_key_chars)?;
        let (prefix_start, end) = prefix.byte_range();
        // A key is at most 4 bytes per character.
        let max_key_bytes = limits.max_key_chars.saturating_mul(4);
        let start = match cursor {
            None => prefix_start,
            Some(text) => Cursor::parse(text, max_key_bytes)?
                .successor()
                .max(prefix_start),
        };
        // One row past the page says whether another page exists.
        let mut rows = self
            .backend()
            .scan(
                self.id,
                Space::Values,
                ScanRange {
                    start: &start,
                    end: &end,
                },
                limit + 1,
                self.now(),
            )
            .await?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let mut entries = Vec::with_capacity(rows.len());
        for (key, entry) in rows {
            let key =
                String::from_utf8(key).map_err(|_| StorageError::Corrupt("a key is not UTF-8"))?;
            entries.push(QueryEntry {
                key,
                value: value::decode(&entry.bytes)?,
                version: entry.version,
                meta: entry.meta,
            });
        }
        let next_cursor = match entries.last() {
            Some(last) if more => {
                let last = StorageKey::new(last.key.clone(), usize::MAX)
                    .map_err(|_| StorageError::Corrupt("a stored key is invalid"))?;
                Some(Cursor::after(&last).to_string())
            }
            _ => None,
        };
        Ok(Page {
            entries,
            next_cursor,
        })
    }

    /// Stores a secret, encrypted under the host key and bound to this installation and key.
    pub async fn set_secret(&self, key: &str, secret: &SecretValue) -> Result<(), StorageError> {
        let key = self.key(key)?;
        let plaintext =
            zeroize::Zeroizing::new(value::encode(secret.expose_secret(), self.limits())?);
        let sealed = self
            .storage
            .cipher
            .seal(&self.installation, &key, &plaintext);
        // Secrets never expire.
        let change = Change::Put {
            bytes: &sealed,
            expires_at: None,
        };
        self.write(Space::Secrets, &key, change, Condition::Always, self.now())
            .await?;
        Ok(())
    }

    pub async fn get_secret(&self, key: &str) -> Result<Option<SecretValue>, StorageError> {
        let key = self.key(key)?;
        let now = self.now();
        let Some(entry) = self
            .backend()
            .get(self.id, Space::Secrets, &key, now)
            .await?
        else {
            return Ok(None);
        };
        let plaintext = self
            .storage
            .cipher
            .open(&self.installation, &key, &entry.bytes)?;
        Ok(Some(SecretValue::new(value::decode(&plaintext)?)))
    }

    pub async fn delete_secret(&self, key: &str) -> Result<(), StorageError> {
        let key = self.key(key)?;
        self.write(
            Space::Secrets,
            &key,
            Change::Delete,
            Condition::Always,
            self.now(),
        )
        .await?;
        Ok(())
    }

    /// Bytes this installation stores (keys + values, secrets as ciphertext), expired
    /// values not counted: what the quota is checked against.
    pub async fn bytes_used(&self) -> Result<u64, StorageError> {
        Ok(self.backend().bytes_used(self.id, self.now()).await?)
    }

    async fn write(
        &self,
        space: Space,
        key: &StorageKey,
        change: Change<'_>,
        condition: Condition,
        now: UnixMillis,
    ) -> Result<CasOutcome, StorageError> {
        let outcome = self
            .backend()
            .write(
                self.id,
                space,
                key,
                change,
                condition,
                self.limits().max_total_bytes,
                now,
            )
            .await?;
        match outcome {
            WriteOutcome::Done(version) => Ok(CasOutcome::Applied(version)),
            WriteOutcome::ConditionFailed { current } => Ok(CasOutcome::Conflict { current }),
            WriteOutcome::OverQuota { would_use, limit } => {
                Err(StorageError::QuotaExceeded { would_use, limit })
            }
        }
    }
}
