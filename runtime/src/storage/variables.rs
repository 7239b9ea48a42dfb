//! Config variables read recently, so that a busy app does not pay a database round trip
//! per invocation for its environment.
//!
//! Every component that imports `wasi:cli/environment` (every Rust guest: std imports it)
//! receives its app's variables ([`crate::guest_env`]). Read from the state database on
//! every invocation, that is one query per web trigger request, and on SQLite one hand-off
//! to sqlx's connection thread and back: the cost that made the per-request web trigger id
//! lookup a third of the server's time (BENCHMARKS.md, issue 15) before its own cache.
//!
//! What may be stale, and for how long:
//! - **Nothing, by default**: a host that does not ask for freshness ([`StorageHost::new`]:
//!   `fresh_for` zero, what `runtime run` and the tests use) reads on every invocation.
//! - Under `runtime serve`, a list read within `fresh_for` (one second) is reused. A
//!   `runtime variables set|unset` (another process, or another replica's database) is seen
//!   by the invocations that start after it, on every replica, within that second. Forge
//!   itself applies a variable change only at the next `forge deploy`; a second is well
//!   inside what an app can expect.
//! - A failed read is never cached: the next invocation asks again.
//! - **Refreshed ahead, by one caller** ([`crate::refresh_ahead`]): from half of `fresh_for`
//!   on, the first invocation to see a list reads it again while the others start from the
//!   kept one, so a busy app's invocations do not all miss together at the end of every
//!   second and queue on the database (the stall behind the web trigger benchmark's p99).
//!   A refresh that fails leaves the still-fresh list in use; none is used past
//!   `fresh_for`.
//!
//! The map is keyed by the host's choice (app id × environment of the apps it loaded), never
//! by guest input, and is bounded; values stay [`SecretString`]s, redacted in `Debug`.
//!
//! [`StorageHost::new`]: super::StorageHost::new

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kiln_state::{AppVariables, VariableError};
use secrecy::SecretString;

use crate::refresh_ahead::{Freshness, Kept, Use};

/// An app's variables in one environment, names with values, as the guest receives them.
pub type VariablePairs = Arc<[(String, SecretString)]>;

/// Most (app, environment) lists kept; past it the map starts over. A host serves a few
/// apps in a few environments; the bound only keeps a long-lived host finite.
const MAX_ENTRIES: usize = 1024;

/// The variables lists read within `fresh_for`.
pub struct VariablesCache {
    freshness: Freshness,
    entries: Mutex<HashMap<(String, String), Kept<VariablePairs>>>,
}

impl Default for VariablesCache {
    /// Trusts no read: every call reads.
    fn default() -> Self {
        Self::new(Duration::ZERO)
    }
}

impl VariablesCache {
    /// A cache that trusts a read for `fresh_for` (zero: never).
    pub fn new(fresh_for: Duration) -> Self {
        Self {
            freshness: Freshness::within(fresh_for),
            entries: Mutex::default(),
        }
    }

    /// How long a read is reused.
    pub fn fresh_for(&self) -> Duration {
        self.freshness.fresh_for
    }

    /// The variables of `app_id` in `environment`: from the cache when read within
    /// `fresh_for`, else through `read` (whose success is kept); from half of `fresh_for`
    /// on, one caller reads again while the others use the kept list (module docs).
    pub async fn get_or_read<F, Fut>(
        &self,
        app_id: &str,
        environment: &str,
        read: F,
    ) -> Result<VariablePairs, VariableError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<(String, SecretString)>, VariableError>>,
    {
        // The instant is taken before the read: an entry is never trusted for longer than
        // `fresh_for` after the moment its content could last have changed.
        self.get_or_read_at(Instant::now(), app_id, environment, read)
            .await
    }

    /// [`Self::get_or_read`] as asked at `asked`.
    async fn get_or_read_at<F, Fut>(
        &self,
        asked: Instant,
        app_id: &str,
        environment: &str,
        read: F,
    ) -> Result<VariablePairs, VariableError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<(String, SecretString)>, VariableError>>,
    {
        if self.freshness.fresh_for.is_zero() {
            return Ok(read().await?.into());
        }
        let key = (app_id.to_owned(), environment.to_owned());
        let still_fresh = match self
            .lock()
            .get_mut(&key)
            .map(|kept| kept.used_at(asked, self.freshness))
        {
            Some(Use::Kept(pairs)) => return Ok(pairs),
            Some(Use::Refresh(pairs)) => Some(pairs),
            Some(Use::Ask) | None => None,
        };
        let pairs: VariablePairs = match read().await {
            Ok(pairs) => pairs.into(),
            Err(error) => match still_fresh {
                Some(pairs) => {
                    tracing::warn!(%error, "config variables not refreshed; the kept list is used");
                    return Ok(pairs);
                }
                None => return Err(error),
            },
        };
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key, Kept::new(pairs.clone(), asked));
        Ok(pairs)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Kept<VariablePairs>>> {
        // A panic while holding the lock leaves a map of plain values: still usable.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Reads the variables of `app_id` in `environment` from `storage`'s holder installation.
pub(crate) async fn read(
    storage: &super::StorageHost,
    app_id: &str,
    environment: &str,
) -> Result<Vec<(String, SecretString)>, VariableError> {
    // Through the host's cache of opened installations: no backend lookup of the holder
    // on every read.
    let holder = AppVariables::holder(app_id, environment)?;
    AppVariables::over(storage.open(&holder).await?)
        .environment()
        .await
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use secrecy::ExposeSecret;

    use super::*;

    fn pairs(value: &str) -> Vec<(String, SecretString)> {
        vec![("A".to_owned(), SecretString::from(value.to_owned()))]
    }

    async fn get(cache: &VariablesCache, reads: &AtomicUsize, value: &str) -> String {
        let got = cache
            .get_or_read("app", "development", || async {
                reads.fetch_add(1, Ordering::SeqCst);
                Ok(pairs(value))
            })
            .await
            .unwrap();
        got[0].1.expose_secret().to_owned()
    }

    #[tokio::test]
    async fn without_freshness_every_call_reads() {
        let cache = VariablesCache::new(Duration::ZERO);
        let reads = AtomicUsize::new(0);
        assert_eq!(get(&cache, &reads, "1").await, "1");
        assert_eq!(get(&cache, &reads, "2").await, "2");
        assert_eq!(reads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_fresh_read_is_reused_and_an_old_one_is_not() {
        let cache = VariablesCache::new(Duration::from_millis(200));
        let reads = AtomicUsize::new(0);
        assert_eq!(get(&cache, &reads, "1").await, "1");
        assert_eq!(get(&cache, &reads, "2").await, "1");
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(get(&cache, &reads, "3").await, "3");
        assert_eq!(reads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn environments_and_apps_are_kept_apart() {
        let cache = VariablesCache::new(Duration::from_secs(60));
        let read = |v: &'static str| move || async move { Ok(pairs(v)) };
        let dev = cache.get_or_read("app", "development", read("dev")).await;
        let prod = cache.get_or_read("app", "production", read("prod")).await;
        let other = cache
            .get_or_read("other", "development", read("other"))
            .await;
        assert_eq!(dev.unwrap()[0].1.expose_secret(), "dev");
        assert_eq!(prod.unwrap()[0].1.expose_secret(), "prod");
        assert_eq!(other.unwrap()[0].1.expose_secret(), "other");
    }

    #[tokio::test]
    async fn a_failed_read_is_not_kept() {
        let cache = VariablesCache::new(Duration::from_secs(60));
        let failed = cache
            .get_or_read("app", "development", || async {
                Err(VariableError::Damaged)
            })
            .await;
        assert!(failed.is_err());
        let reads = AtomicUsize::new(0);
        assert_eq!(get(&cache, &reads, "1").await, "1");
        assert_eq!(reads.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn past_half_its_freshness_one_caller_reads_again_and_a_failure_keeps_the_list() {
        let cache = VariablesCache::new(Duration::from_secs(60));
        let start = Instant::now();
        let at = |secs: u64, value: &'static str| {
            let cache = &cache;
            async move {
                cache
                    .get_or_read_at(
                        start + Duration::from_secs(secs),
                        "app",
                        "development",
                        || async move {
                            match value {
                                "fail" => Err(VariableError::Damaged),
                                _ => Ok(pairs(value)),
                            }
                        },
                    )
                    .await
                    .map(|got| got[0].1.expose_secret().to_owned())
            }
        };
        assert_eq!(at(0, "1").await.unwrap(), "1");
        assert_eq!(at(20, "2").await.unwrap(), "1", "young: kept");
        assert_eq!(at(31, "fail").await.unwrap(), "1", "a failed refresh: kept");
        assert_eq!(at(32, "3").await.unwrap(), "1", "the claim holds for 12 s");
        assert_eq!(at(44, "4").await.unwrap(), "4", "claimed again: read");
        assert_eq!(at(45, "5").await.unwrap(), "4", "the new read answers");
        assert!(at(110, "fail").await.is_err(), "expired: a failure fails");
    }
}
