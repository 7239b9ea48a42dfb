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
//!
//! **Expiry.** Every call that reads or decides takes `now` from the caller
//! ([`AppStorage`](super::AppStorage)'s clock); a backend has no clock and no policy. An entry
//! with `expires_at <= now` is absent: `get` and `scan` skip it (in the statement, so a page
//! is filled with live entries), conditions see no entry, and the quota does not count its
//! bytes. It stays stored until a write replaces it or [`StorageBackend::purge_expired`]
//! removes it. The quota excludes expired bytes exactly rather than purging them first:
//! [`plan_batch`] first plans with only the expired entries the batch itself replaces
//! subtracted (a lower bound, so an acceptance is right), and only when that would refuse
//! does the backend sum the installation's expired bytes (an index range,
//! `storage_entries (installation_id, expires_at)`) and plan again. An ordinary write costs
//! nothing extra, and a refusal is never caused by bytes that no longer exist.

use async_trait::async_trait;

use super::BackendError;
use super::key::StorageKey;
use super::meta::{EntryMeta, UnixMillis};
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

/// Stored bytes, their version and metadata.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredEntry {
    pub bytes: Vec<u8>,
    pub version: Version,
    pub meta: EntryMeta,
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
    /// Store `bytes`, until `expires_at` (`None`: for good; a put always replaces an
    /// earlier expiry, as Forge's `set` without `ttl` does).
    Put {
        bytes: &'a [u8],
        expires_at: Option<UnixMillis>,
    },
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

    /// The entry, if it exists and is live at `now`.
    async fn get(
        &self,
        id: InstallationId,
        space: Space,
        key: &StorageKey,
        now: UnixMillis,
    ) -> Result<Option<StoredEntry>, BackendError>;

    /// Applies `change` if `condition` holds and the total stays within `max_total_bytes`
    /// (a write that shrinks the total is always allowed), atomically, as of `now`.
    ///
    /// Provided as a batch of one, so a backend implements the write path once; a wrapper
    /// may still override it to delegate.
    // A batch of one spelled out: `write_all`'s arguments with one write's fields.
    #[allow(clippy::too_many_arguments)]
    async fn write(
        &self,
        id: InstallationId,
        space: Space,
        key: &StorageKey,
        change: Change<'_>,
        condition: Condition,
        max_total_bytes: u64,
        now: UnixMillis,
    ) -> Result<WriteOutcome, BackendError> {
        let batch = [BatchWrite {
            key,
            change: Some(change),
            condition,
        }];
        Ok(
            match self
                .write_all(id, space, &batch, max_total_bytes, now)
                .await?
            {
                BatchOutcome::Committed(version) => match change {
                    Change::Put { .. } => WriteOutcome::Done(Some(version)),
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
    /// Entries expired at `now` are absent (see the module documentation); each put's
    /// metadata is [`EntryMeta::written`] at `now`.
    async fn write_all(
        &self,
        id: InstallationId,
        space: Space,
        writes: &[BatchWrite<'_>],
        max_total_bytes: u64,
        now: UnixMillis,
    ) -> Result<BatchOutcome, BackendError>;

    /// Up to `limit` entries of `space` live at `now` with keys in `range`, ascending by key
    /// bytes. Expired entries are skipped before the limit applies, so a page is full
    /// whenever enough live entries follow.
    async fn scan(
        &self,
        id: InstallationId,
        space: Space,
        range: ScanRange<'_>,
        limit: u32,
        now: UnixMillis,
    ) -> Result<Vec<(Vec<u8>, StoredEntry)>, BackendError>;

    /// Bytes the installation uses at `now` (keys + stored values of both spaces), entries
    /// expired at `now` not counted.
    async fn bytes_used(&self, id: InstallationId, now: UnixMillis) -> Result<u64, BackendError>;

    /// Removes up to `limit` entries (of every installation) expired at `now`, earliest
    /// expiry first, and returns how many. Each installation's entries are removed under
    /// its write lock, as a write would be, so its byte count stays exact; no version is
    /// taken (the entries were already absent).
    async fn purge_expired(&self, now: UnixMillis, limit: u32) -> Result<u64, BackendError>;

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

/// What a backend found for one key of a batch under the lock, live or expired.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Found {
    pub(crate) version: Version,
    /// Key + value bytes, as [`entry_bytes`] counts them.
    pub(crate) size: u64,
    pub(crate) meta: EntryMeta,
}

/// What a batch will do, decided once for every backend from what it found under the
/// installation's lock (step 3 of the module's list).
pub(crate) enum Plan {
    /// Change nothing and answer this: a condition failed, or the quota.
    Refuse(BatchOutcome),
    /// The quota would refuse unless the installation's expired bytes are excluded: sum
    /// them and plan again with `expired_bytes: Some(sum)` (see the module documentation).
    CountExpired,
    /// Every condition holds and nothing would change (only checks, deletes of absent keys):
    /// commit nothing, so the batch takes no version.
    Unchanged,
    /// Apply every change; the installation will then use `bytes_used` bytes.
    Apply { bytes_used: u64 },
}

/// `found[i]` is `writes[i]`'s stored entry, if any, live or expired at `now`;
/// `bytes_used` the installation's stored total (expired entries included);
/// `expired_bytes` the bytes of every entry of the installation expired at `now`, when the
/// backend counted them (`None`: not yet; the plan may then ask, [`Plan::CountExpired`]).
/// Conditions are checked first, in order, against live entries only, so the first failing
/// index answers; then the quota over the whole batch: the live sizes it replaces against
/// the sizes it writes, on the installation's live total.
pub(crate) fn plan_batch(
    writes: &[BatchWrite<'_>],
    found: &[Option<Found>],
    bytes_used: u64,
    expired_bytes: Option<u64>,
    max_total_bytes: u64,
    now: UnixMillis,
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
    let live = |found: &Option<Found>| found.filter(|found| found.meta.is_live(now));
    for (index, (write, found)) in writes.iter().zip(found).enumerate() {
        let current = live(found).map(|found| found.version);
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
    // Stored bytes the batch removes (live or expired: a put replaces the row, a delete
    // removes it), the live ones among them, and the bytes it writes.
    let (mut old_bytes, mut live_old_bytes, mut new_bytes) = (0u64, 0u64, 0u64);
    // Expired bytes the batch itself replaces: a lower bound of `expired_bytes`.
    let mut expired_here = 0u64;
    for (write, found) in writes.iter().zip(found) {
        let old = found.map(|found| found.size);
        let live_old = live(found).map(|found| found.size);
        let new = match (write.change, live_old) {
            // A check, or a delete of nothing (absent or expired): no change. A backend may
            // still remove an expired row it deletes, when the batch applies: counted below.
            (None, _) => continue,
            (Some(Change::Delete), None) => {
                if let Some(old) = old {
                    old_bytes += old;
                    expired_here += old;
                }
                continue;
            }
            (Some(Change::Delete), Some(_)) => 0,
            (Some(Change::Put { bytes, .. }), _) => entry_bytes(write.key.as_bytes(), bytes),
        };
        changes = true;
        old_bytes += old.unwrap_or(0);
        live_old_bytes += live_old.unwrap_or(0);
        if live_old.is_none() {
            expired_here += old.unwrap_or(0);
        }
        new_bytes += new;
    }
    if !changes {
        return Plan::Unchanged;
    }
    let stored_after = bytes_used.saturating_sub(old_bytes) + new_bytes;
    let expired_after = expired_bytes
        .unwrap_or(expired_here)
        .saturating_sub(expired_here);
    let would_use = stored_after.saturating_sub(expired_after);
    // A write that shrinks the live total is always allowed, even over a lowered limit.
    if new_bytes > live_old_bytes && would_use > max_total_bytes {
        if expired_bytes.is_none() {
            return Plan::CountExpired;
        }
        return Plan::Refuse(BatchOutcome::OverQuota {
            would_use,
            limit: max_total_bytes,
        });
    }
    Plan::Apply {
        bytes_used: stored_after,
    }
}
