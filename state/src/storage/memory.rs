//! The in-memory backend: the same contract as SQLite's, for tests and `--storage memory`.
//! One mutex over the whole map; every operation is a few map lookups, never an `.await`
//! while locked, so the mutex is what makes each write atomic.
//!
//! Expiry is decided as in the SQL backends: an entry with `expires_at <= now` is skipped by
//! reads and scans, is absent to conditions, and its bytes are excluded from the quota
//! (`plan_batch`); `purge_expired` removes it. Scans and sums walk the installation's
//! entries, which is fine for a backend that only tests and single runs use.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;

use super::backend::{
    BatchOutcome, BatchWrite, Change, Found, InstallationId, Plan, ScanRange, Space,
    StorageBackend, StoredEntry, Version, entry_bytes, plan_batch,
};
use super::meta::{EntryMeta, UnixMillis};
use super::{BackendError, StorageKey};
use crate::installation::Installation;

#[derive(Default)]
pub struct MemoryBackend {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    installations: HashMap<Installation, InstallationId>,
    usage: HashMap<InstallationId, Usage>,
    entries: BTreeMap<(InstallationId, Space, Vec<u8>), StoredEntry>,
}

#[derive(Default, Clone, Copy)]
struct Usage {
    bytes: u64,
    last_version: i64,
}

impl State {
    /// Bytes of `id`'s entries expired at `now` (only values expire).
    fn expired_bytes(&self, id: InstallationId, now: UnixMillis) -> u64 {
        self.entries
            .range((id, Space::Values, Vec::new())..(id, Space::Secrets, Vec::new()))
            .filter(|(_, entry)| !entry.meta.is_live(now))
            .map(|((_, _, key), entry)| entry_bytes(key, &entry.bytes))
            .sum()
    }
}

impl MemoryBackend {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a half-applied write (each write or
        // batch is planned first and applied with infallible inserts and removes), so a
        // poisoned lock's data is still consistent.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[async_trait]
impl StorageBackend for MemoryBackend {
    async fn installation_id(
        &self,
        installation: &Installation,
    ) -> Result<InstallationId, BackendError> {
        let mut state = self.lock();
        if let Some(id) = state.installations.get(installation) {
            return Ok(*id);
        }
        let id = InstallationId(state.installations.len() as i64 + 1);
        state.installations.insert(installation.clone(), id);
        state.usage.insert(id, Usage::default());
        Ok(id)
    }

    async fn get(
        &self,
        id: InstallationId,
        space: Space,
        key: &StorageKey,
        now: UnixMillis,
    ) -> Result<Option<StoredEntry>, BackendError> {
        let state = self.lock();
        Ok(state
            .entries
            .get(&(id, space, key.as_bytes().to_vec()))
            .filter(|entry| entry.meta.is_live(now))
            .cloned())
    }

    async fn write_all(
        &self,
        id: InstallationId,
        space: Space,
        writes: &[BatchWrite<'_>],
        max_total_bytes: u64,
        now: UnixMillis,
    ) -> Result<BatchOutcome, BackendError> {
        let mut state = self.lock();
        let usage = *state
            .usage
            .get(&id)
            .ok_or(BackendError::Corrupt("unknown installation id"))?;
        let slot = |write: &BatchWrite<'_>| (id, space, write.key.as_bytes().to_vec());
        let found: Vec<Option<Found>> = writes
            .iter()
            .map(|write| {
                state.entries.get(&slot(write)).map(|entry| Found {
                    version: entry.version,
                    size: entry_bytes(write.key.as_bytes(), &entry.bytes),
                    meta: entry.meta,
                })
            })
            .collect();
        let mut plan = plan_batch(writes, &found, usage.bytes, None, max_total_bytes, now);
        if let Plan::CountExpired = plan {
            let expired = state.expired_bytes(id, now);
            plan = plan_batch(
                writes,
                &found,
                usage.bytes,
                Some(expired),
                max_total_bytes,
                now,
            );
        }
        let would_use = match plan {
            Plan::Refuse(outcome) => return Ok(outcome),
            Plan::Unchanged => return Ok(BatchOutcome::Committed(Version(usage.last_version))),
            Plan::CountExpired => {
                return Err(BackendError::Corrupt("the quota was planned twice"));
            }
            Plan::Apply { bytes_used } => bytes_used,
        };
        let version = Version(usage.last_version + 1);
        for (write, found) in writes.iter().zip(&found) {
            match write.change {
                Some(Change::Put { bytes, expires_at }) => {
                    let meta = EntryMeta::written(found.as_ref().map(|f| &f.meta), now, expires_at);
                    state.entries.insert(
                        slot(write),
                        StoredEntry {
                            bytes: bytes.to_vec(),
                            version,
                            meta,
                        },
                    );
                }
                Some(Change::Delete) => {
                    state.entries.remove(&slot(write));
                }
                None => {}
            }
        }
        state.usage.insert(
            id,
            Usage {
                bytes: would_use,
                last_version: version.0,
            },
        );
        Ok(BatchOutcome::Committed(version))
    }

    async fn scan(
        &self,
        id: InstallationId,
        space: Space,
        range: ScanRange<'_>,
        limit: u32,
        now: UnixMillis,
    ) -> Result<Vec<(Vec<u8>, StoredEntry)>, BackendError> {
        if range.start >= range.end {
            return Ok(Vec::new());
        }
        let state = self.lock();
        let from = (id, space, range.start.to_vec());
        let to = (id, space, range.end.to_vec());
        Ok(state
            .entries
            .range(from..to)
            .filter(|(_, entry)| entry.meta.is_live(now))
            .take(limit as usize)
            .map(|((_, _, key), entry)| (key.clone(), entry.clone()))
            .collect())
    }

    async fn bytes_used(&self, id: InstallationId, now: UnixMillis) -> Result<u64, BackendError> {
        let state = self.lock();
        let stored = state.usage.get(&id).map_or(0, |usage| usage.bytes);
        Ok(stored.saturating_sub(state.expired_bytes(id, now)))
    }

    async fn purge_expired(&self, now: UnixMillis, limit: u32) -> Result<u64, BackendError> {
        let mut state = self.lock();
        let mut due: Vec<(UnixMillis, (InstallationId, Space, Vec<u8>))> = state
            .entries
            .iter()
            .filter_map(|(slot, entry)| match entry.meta.expires_at {
                Some(at) if at <= now => Some((at, slot.clone())),
                _ => None,
            })
            .collect();
        due.sort();
        due.truncate(limit as usize);
        for (_, slot) in &due {
            if let Some(entry) = state.entries.remove(slot) {
                let size = entry_bytes(&slot.2, &entry.bytes);
                if let Some(usage) = state.usage.get_mut(&slot.0) {
                    usage.bytes = usage.bytes.saturating_sub(size);
                }
            }
        }
        Ok(due.len() as u64)
    }

    async fn installations(
        &self,
        after: Option<InstallationId>,
        limit: u32,
    ) -> Result<Vec<(InstallationId, Installation)>, BackendError> {
        let state = self.lock();
        let mut all: Vec<(InstallationId, Installation)> = state
            .installations
            .iter()
            .filter(|(_, id)| after.is_none_or(|after| **id > after))
            .map(|(installation, id)| (*id, installation.clone()))
            .collect();
        all.sort_by_key(|(id, _)| *id);
        all.truncate(limit as usize);
        Ok(all)
    }
}
