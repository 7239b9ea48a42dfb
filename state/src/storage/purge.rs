//! Removing expired values for good: the periodic sweep `runtime serve` runs.
//!
//! An expired value is already absent to every operation (see `meta.rs`), and its bytes are
//! already excluded from the quota, so the sweep only returns the space to the database.
//! Nothing depends on when it runs; it only has to keep up.

use super::{AppStorage, StorageError, UnixMillis};

/// The most entries one [`AppStorage::purge_expired`] call removes. A pass holds each
/// installation's write lock (SQLite: the whole file's) while it deletes that
/// installation's share, so this bounds how long a sweep can stall the writers it runs
/// beside; a sweeper calls again while a call comes back full.
pub const MAX_PURGE_BATCH: u32 = 10_000;

impl AppStorage {
    /// Removes up to `limit` (at most [`MAX_PURGE_BATCH`]) values expired at `now`, of
    /// every installation, earliest expiry first, and returns how many it removed. Bounded
    /// and stateless: a sweeper calls it every so often, again at once while it returns
    /// the full `limit`. Uses the index on `expires_at`, so a call costs what it removes,
    /// not what is stored. Secrets never expire and are never touched.
    pub async fn purge_expired(&self, now: UnixMillis, limit: u32) -> Result<u64, StorageError> {
        let limit = limit.min(MAX_PURGE_BATCH);
        if limit == 0 {
            return Ok(0);
        }
        Ok(self.backend.purge_expired(now, limit).await?)
    }
}
