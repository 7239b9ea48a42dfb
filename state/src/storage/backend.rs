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
//!
//! A transaction ([`StorageBackend::write_all`]) is the same four steps over several keys:
//! one version for the whole batch (step 1, once), each key's version and size (step 2),
//! every condition and then the quota over the batch's net effect (step 3, [`plan_batch`]),
//! and every change (step 4). A single write is a batch of one
//! ([`StorageBackend::write`]'s provided body): the same statements in the same order, so
//! one rule decides both and a single write costs what it did.

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

/// One write of a batch ([`StorageBackend::write_all`]).
#[derive(Clone, Copy)]
pub struct BatchWrite<'a> {
    pub key: &'a StorageKey,
    /// `None`: write nothing, only check `condition`.
    pub change: Option<Change<'a>>,
    pub condition: Condition,
}

/// What a batch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchOutcome {
    /// Every change applied; every put was stored at this version. A batch that changed
    /// nothing (only checks, deletes of absent keys) takes no version and answers the
    /// installation's latest one.
    Committed(Version),
    /// The condition of `writes[index]` did not hold (the first such, by index); nothing
    /// changed. `current` is that key's version now (`None`: absent).
    ConditionFailed {
        index: usize,
        current: Option<Version>,
    },
    /// The batch would take the installation past `limit` bytes; nothing changed.
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
    ///
    /// Provided as a batch of one, so a backend implements the write path once; a wrapper
    /// may still override it to delegate.
    async fn write(
        &self,
        id: InstallationId,
        space: Space,
        key: &StorageKey,
        change: Change<'_>,
        condition: Condition,
        max_total_bytes: u64,
    ) -> Result<WriteOutcome, BackendError> {
        let batch = [BatchWrite {
            key,
            change: Some(change),
            condition,
        }];
        Ok(
            match self.write_all(id, space, &batch, max_total_bytes).await? {
                BatchOutcome::Committed(version) => match change {
                    Change::Put(_) => WriteOutcome::Done(Some(version)),
                    Change::Delete => WriteOutcome::Done(None),
                },
                BatchOutcome::ConditionFailed { current, .. } => {
                    WriteOutcome::ConditionFailed { current }
                }
                BatchOutcome::OverQuota { would_use, limit } => {
                    WriteOutcome::OverQuota { would_use, limit }
                }
            },
        )
    }

    /// Applies every write of `writes` if every condition holds and the total stays within
    /// `max_total_bytes` (a batch whose net effect shrinks the total is always allowed),
    /// atomically: all under one lock of the installation, in one database transaction, at
    /// one version. Keys must be distinct (the caller checks: `transaction.rs`); the caller
    /// also bounds the batch's length, so a backend may bind every key in one statement.
    async fn write_all(
        &self,
        id: InstallationId,
        space: Space,
        writes: &[BatchWrite<'_>],
        max_total_bytes: u64,
    ) -> Result<BatchOutcome, BackendError>;

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

/// What a batch will do, decided once for every backend from what it found under the
/// installation's lock (step 3 of the module's list).
pub(crate) enum Plan {
    /// Change nothing and answer this: a condition failed, or the quota.
    Refuse(BatchOutcome),
    /// Every condition holds and nothing would change (only checks, deletes of absent keys):
    /// commit nothing, so the batch takes no version.
    Unchanged,
    /// Apply every change; the installation will then use `bytes_used` bytes.
    Apply { bytes_used: u64 },
}

/// `found[i]` is the version and size (key + value bytes) of `writes[i]`'s entry, if any;
/// `bytes_used` the installation's total. Conditions are checked first, in order, so the
/// first failing index answers; then the quota over the whole batch: the sizes it replaces
/// against the sizes it writes.
pub(crate) fn plan_batch(
    writes: &[BatchWrite<'_>],
    found: &[Option<(Version, u64)>],
    bytes_used: u64,
    max_total_bytes: u64,
) -> Plan {
    debug_assert_eq!(writes.len(), found.len());
    // A key twice would count its old size twice: `transaction.rs` refuses that first.
    debug_assert!(
        writes
            .iter()
            .enumerate()
            .all(|(i, w)| writes[..i].iter().all(|earlier| earlier.key != w.key)),
        "a batch names a key twice"
    );
    for (index, (write, found)) in writes.iter().zip(found).enumerate() {
        let current = found.map(|(version, _)| version);
        let holds = match write.condition {
            Condition::Always => true,
            Condition::Absent => current.is_none(),
            Condition::Version(expected) => current == Some(expected),
        };
        if !holds {
            return Plan::Refuse(BatchOutcome::ConditionFailed { index, current });
        }
    }
    let mut changes = false;
    let (mut old_bytes, mut new_bytes) = (0u64, 0u64);
    for (write, found) in writes.iter().zip(found) {
        let old = found.map(|(_, size)| size);
        let new = match (write.change, old) {
            // A check, or a delete of nothing: no change.
            (None, _) | (Some(Change::Delete), None) => continue,
            (Some(Change::Delete), Some(_)) => 0,
            (Some(Change::Put(value)), _) => entry_bytes(write.key.as_bytes(), value),
        };
        changes = true;
        old_bytes += old.unwrap_or(0);
        new_bytes += new;
    }
    if !changes {
        return Plan::Unchanged;
    }
    let would_use = bytes_used.saturating_sub(old_bytes) + new_bytes;
    // A write that shrinks the total is always allowed, even over a lowered limit.
    if new_bytes > old_bytes && would_use > max_total_bytes {
        return Plan::Refuse(BatchOutcome::OverQuota {
            would_use,
            limit: max_total_bytes,
        });
    }
    Plan::Apply {
        bytes_used: would_use,
    }
}
