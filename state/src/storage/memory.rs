//! The in-memory backend: the same contract as SQLite's, for tests and `--storage memory`.
//! One mutex over the whole map; every operation is a few map lookups, never an `.await`
//! while locked, so the mutex is what makes each write atomic.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;

use super::backend::{
    BatchOutcome, BatchWrite, Change, InstallationId, Plan, ScanRange, Space, StorageBackend,
    StoredEntry, Version, entry_bytes, plan_batch,
};
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
    ) -> Result<Option<StoredEntry>, BackendError> {
        let state = self.lock();
        Ok(state
            .entries
            .get(&(id, space, key.as_bytes().to_vec()))
            .cloned())
    }

    async fn write_all(
        &self,
        id: InstallationId,
        space: Space,
        writes: &[BatchWrite<'_>],
        max_total_bytes: u64,
    ) -> Result<BatchOutcome, BackendError> {
        let mut state = self.lock();
        let usage = *state
            .usage
            .get(&id)
            .ok_or(BackendError::Corrupt("unknown installation id"))?;
        let slot = |write: &BatchWrite<'_>| (id, space, write.key.as_bytes().to_vec());
        let found: Vec<Option<(Version, u64)>> = writes
            .iter()
            .map(|write| {
                state.entries.get(&slot(write)).map(|entry| {
                    (
                        entry.version,
                        entry_bytes(write.key.as_bytes(), &entry.bytes),
                    )
                })
            })
            .collect();
        let would_use = match plan_batch(writes, &found, usage.bytes, max_total_bytes) {
            Plan::Refuse(outcome) => return Ok(outcome),
            Plan::Unchanged => return Ok(BatchOutcome::Committed(Version(usage.last_version))),
            Plan::Apply { bytes_used } => bytes_used,
        };
        let version = Version(usage.last_version + 1);
        for write in writes {
            match write.change {
                Some(Change::Put(value)) => {
                    state.entries.insert(
                        slot(write),
                        StoredEntry {
                            bytes: value.to_vec(),
                            version,
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
            .take(limit as usize)
            .map(|((_, _, key), entry)| (key.clone(), entry.clone()))
            .collect())
    }

    async fn bytes_used(&self, id: InstallationId) -> Result<u64, BackendError> {
        Ok(self.lock().usage.get(&id).map_or(0, |usage| usage.bytes))
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
