//! The seam between app storage's rules and a database.
//!
//! [`AppStorage`](super::AppStorage) validates keys, values, cursors and page sizes, and
//! encrypts secrets; a [`StorageBackend`] only stores bytes under an installation. Each
//! operation is one short transaction built from SQL that SQLite and PostgreSQL both run
//! (`INSERT … ON CONFLICT`, `UPDATE … RETURNING`, byte-range scans over `BLOB`/`bytea`), so a
//! PostgreSQL backend is the same statements over a different pool, not a second design.
//!
//! A write takes, in one transaction:
//! 1. `UPDATE storage_usage SET last_version = last_version + 1 … RETURNING …` — the
//!    installation's row lock in PostgreSQL (SQLite already holds its write lock) and its
//!    next version number, so concurrent writers to one installation queue here;
//! 2. the entry's current version and size;
//! 3. the condition (absent / exact version) and the quota, both against what step 2 read
//!    under the lock, which is why compare-and-set cannot lose an update;
//! 4. the upsert or delete, and the new byte total.
//!
//! Versions come from a per-installation counter, never reset, so a key deleted and set
//! again gets a new version and a stale compare-and-set fails (no ABA).

use async_trait::async_trait;

use super::BackendError;
use super::key::StorageKey;
use crate::installation::Installation;

/// A backend's handle for an installation, from [`StorageBackend::installation_id`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InstallationId(pub(crate) i64);

/// Which of an installation's two key spaces: Forge keeps secrets apart from plain values
/// (a secret is never returned by a query), so a key may exist in both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Space {
    Values = 0,
    Secrets = 1,
}

impl Space {
    pub(crate) fn code(self) -> i64 {
        self as i64
    }
}

/// A write's version: unique and increasing within an installation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Version(pub(crate) i64);

impl Version {
    pub fn get(self) -> i64 {
        self.0
    }
}

/// Stored bytes and their version.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredEntry {
    pub bytes: Vec<u8>,
    pub version: Version,
}

/// When a write may happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    Always,
    /// Only if the key does not exist.
    Absent,
    /// Only if the key exists with exactly this version.
    Version(Version),
}

/// What a write does.
#[derive(Clone, Copy)]
pub enum Change<'a> {
    Put(&'a [u8]),
    Delete,
}

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    /// Stored (`Some(version)`) or deleted (`None`; also when there was nothing to delete).
    Done(Option<Version>),
    /// The condition did not hold; `current` is the key's version now (`None`: absent).
    ConditionFailed { current: Option<Version> },
    /// The write would take the installation past `limit` bytes; nothing changed.
    OverQuota { would_use: u64, limit: u64 },
}

/// A page of a byte-range scan: keys in `[start, end)`, ascending by bytes.
pub struct ScanRange<'a> {
    pub start: &'a [u8],
    pub end: &'a [u8],
}

#[async_trait]
pub trait StorageBackend: Send + Sync + 'static {
    /// The id of `installation`'s storage, created on first use.
    async fn installation_id(
        &self,
        installation: &Installation,
    ) -> Result<InstallationId, BackendError>;

    async fn get(
        &self,
        id: InstallationId,
        space: Space,
        key: &StorageKey,
    ) -> Result<Option<StoredEntry>, BackendError>;

    /// Applies `change` if `condition` holds and the total stays within `max_total_bytes`
    /// (a write that shrinks the total is always allowed), atomically.
    async fn write(
        &self,
        id: InstallationId,
        space: Space,
        key: &StorageKey,
        change: Change<'_>,
        condition: Condition,
        max_total_bytes: u64,
    ) -> Result<WriteOutcome, BackendError>;

    /// Up to `limit` entries of `space` with keys in `range`, ascending by key bytes.
    async fn scan(
        &self,
        id: InstallationId,
        space: Space,
        range: ScanRange<'_>,
        limit: u32,
    ) -> Result<Vec<(Vec<u8>, StoredEntry)>, BackendError>;

    /// Bytes the installation uses (keys + stored values of both spaces).
    async fn bytes_used(&self, id: InstallationId) -> Result<u64, BackendError>;

    /// Up to `limit` installations, ascending by id, after `after` (from the first when
    /// `None`): how a host-wide pass (re-encrypting secrets under a new key) visits every
    /// installation in pages, without holding anything between them.
    async fn installations(
        &self,
        after: Option<InstallationId>,
        limit: u32,
    ) -> Result<Vec<(InstallationId, Installation)>, BackendError>;
}

/// Bytes an entry counts against the quota.
pub(crate) fn entry_bytes(key: &[u8], value: &[u8]) -> u64 {
    (key.len() + value.len()) as u64
}

/// What a write found under its installation's lock: the entry's version and size, if any,
/// and the installation's byte total.
pub(crate) struct Found {
    pub current: Option<(Version, u64)>,
    pub bytes_used: u64,
}

/// What a write will do, decided once for every backend from what it found (steps 3 and 4
/// of the module's list).
pub(crate) enum Plan {
    /// Change nothing and answer this.
    Answer(WriteOutcome),
    /// Apply the change; the installation will then use `bytes_used` bytes.
    Apply { bytes_used: u64 },
}

pub(crate) fn plan_write(
    key: &StorageKey,
    change: Change<'_>,
    condition: Condition,
    found: Found,
    max_total_bytes: u64,
) -> Plan {
    let current_version = found.current.map(|(version, _)| version);
    let holds = match condition {
        Condition::Always => true,
        Condition::Absent => found.current.is_none(),
        Condition::Version(expected) => current_version == Some(expected),
    };
    if !holds {
        return Plan::Answer(WriteOutcome::ConditionFailed {
            current: current_version,
        });
    }
    if found.current.is_none() && matches!(change, Change::Delete) {
        return Plan::Answer(WriteOutcome::Done(None));
    }
    let old_bytes = found.current.map_or(0, |(_, size)| size);
    let new_bytes = match change {
        Change::Put(value) => entry_bytes(key.as_bytes(), value),
        Change::Delete => 0,
    };
    let would_use = found.bytes_used.saturating_sub(old_bytes) + new_bytes;
    // A write that shrinks the total is always allowed, even over a lowered limit.
    if new_bytes > old_bytes && would_use > max_total_bytes {
        return Plan::Answer(WriteOutcome::OverQuota {
            would_use,
            limit: max_total_bytes,
        });
    }
    Plan::Apply {
        bytes_used: would_use,
    }
}
