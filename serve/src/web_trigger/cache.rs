//! Web trigger ids resolved in the last second, so a busy trigger does not cost a database
//! round trip per request.
//!
//! Measured before this cache (serve/benches/web_trigger.rs, perf on the server): a third
//! of the server's time went to waking and switching threads for the per-request SQLite
//! lookup (sqlx runs each SQLite connection on its own thread). What may be stale, and for
//! how long:
//! - On the replica that changes an installation (admin API: install, uninstall, pause,
//!   resume, a new web trigger URL; a consent hold), [`ResolvedCache::forget`] runs with the
//!   change, so that replica never answers from a stale entry.
//! - Another replica learns it within [`FRESH_FOR`]: a revoked URL, a pause or a hold made
//!   elsewhere takes up to that long to reach it. The runs themselves are still checked
//!   against what this replica loaded (the approved component must be the loaded one).
//! - Unknown and malformed ids are never cached: a caller trying ids gets the database's
//!   answer every time, and cannot fill this map.
//! - A database read that started before a [`ResolvedCache::forget`] is not kept: it may
//!   predate the change.
//!
//! **Refreshed ahead, by one caller** ([`kiln_runtime::refresh_ahead`], the rule the config
//! variables' cache follows too). Were every entry to expire at once, every request in
//! flight at that moment would miss and ask the database together, once a second: a busy
//! trigger's requests queued behind one another's lookups on sqlx's one SQLite thread (the
//! benchmark's p99 at half of peak was 18 ms, its median 0.85 ms). So from half of
//! [`FRESH_FOR`] on, the first caller to see an entry asks the database while the others
//! keep answering from it; nothing is ever trusted longer than [`FRESH_FOR`].
//!
//! The map is keyed by the SHA-256 of the presented id, never the id itself; a lookup by
//! hash equality leaks nothing an attacker can use (finding an id from its hash is a
//! preimage search).
//!
//! Beside it, each installation's **URL list** handed to its app (`webTrigger.getUrl`,
//! `crate::invocation`), whose recall costs one sealed read per module: kept for the same
//! [`FRESH_FOR`] and forgotten by the same [`ResolvedCache::forget`], so a rotation is seen
//! by the app exactly when the requests see it.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use kiln_runtime::refresh_ahead::{Freshness, Kept, Use};
use kiln_state::serve::ResolvedWebTrigger;
use kiln_state::{Installation, ServeError, ServeState};
use sha2::{Digest as _, Sha256};

/// How long a resolved id is trusted without asking the database again.
pub const FRESH_FOR: Duration = Duration::from_secs(1);
/// [`FRESH_FOR`], refreshed ahead from half of it by one caller at a time.
const FRESHNESS: Freshness = Freshness::within(FRESH_FOR);
/// Most entries kept; past it the map starts over (live ids are few: one per web trigger
/// module and installation).
pub const MAX_ENTRIES: usize = 4096;

/// An installation's web trigger URLs, as its app receives them (the JSON written once).
pub type InstallationUrls = kiln_runtime::guest_env::WebTriggerUrls;

/// The entries of one kind, by key.
struct Kind<K, T>(Mutex<HashMap<K, Kept<T>>>);

impl<K: Eq + Hash, T: Clone> Kind<K, T> {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, Kept<T>>> {
        // A panic while holding this lock leaves a map of plain values: still usable.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn used_at(&self, key: &K, now: Instant) -> Use<T> {
        match self.lock().get_mut(key) {
            Some(kept) => kept.used_at(now, FRESHNESS),
            None => Use::Ask,
        }
    }

    /// Keeps `value`, read from `asked` on, unless a forget came since: checked under the
    /// map's lock, which [`ResolvedCache::forget`] takes to clear it after counting.
    fn keep(&self, key: K, value: T, asked: Asked, generation: &AtomicU64) {
        let mut entries = self.lock();
        if generation.load(Ordering::Acquire) != asked.generation {
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key, Kept::new(value, asked.at));
    }
}

impl<K, T> Default for Kind<K, T> {
    fn default() -> Self {
        Self(Mutex::new(HashMap::new()))
    }
}

#[derive(Default)]
pub struct ResolvedCache {
    entries: Kind<[u8; 32], ResolvedWebTrigger>,
    urls: Kind<Installation, InstallationUrls>,
    /// Counts [`ResolvedCache::forget`]s: a read begun under an older generation may
    /// predate the change that forgot, and is not kept.
    generation: AtomicU64,
}

/// When a database read began: its time, and the cache's generation then.
#[derive(Clone, Copy, Debug)]
pub struct Asked {
    at: Instant,
    generation: u64,
}

impl ResolvedCache {
    /// The id's owner, from the cache when resolved within [`FRESH_FOR`], else from `state`.
    pub async fn resolve(
        &self,
        state: &ServeState,
        presented: &str,
    ) -> Result<Option<ResolvedWebTrigger>, ServeError> {
        let key: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let asked = self.asked();
        let still_fresh = match self.entries.used_at(&key, asked.at) {
            Use::Kept(resolved) => return Ok(Some(resolved)),
            Use::Refresh(resolved) => Some(resolved),
            Use::Ask => None,
        };
        let resolved = match state.resolve_web_trigger(presented).await {
            Ok(resolved) => resolved,
            // A refresh ahead of time that fails changes nothing: the entry is still
            // within `FRESH_FOR`, and the next caller past `CLAIM_FOR` tries again.
            Err(error) => match still_fresh {
                Some(resolved) => {
                    tracing::warn!(%error, "web trigger id not refreshed; the kept one answers");
                    return Ok(Some(resolved));
                }
                None => return Err(error),
            },
        };
        match &resolved {
            Some(found) => self
                .entries
                .keep(key, found.clone(), asked, &self.generation),
            None => {
                self.entries.lock().remove(&key);
            }
        }
        Ok(resolved)
    }

    /// When a read begins: to be given back to [`ResolvedCache::remember_urls`].
    pub fn asked(&self) -> Asked {
        Asked {
            at: Instant::now(),
            generation: self.generation.load(Ordering::Acquire),
        }
    }

    /// `installation`'s URL list, if computed within [`FRESH_FOR`] and this caller is not
    /// the one to compute it again (see the module docs).
    pub fn urls_of(&self, installation: &Installation) -> Option<InstallationUrls> {
        match self.urls.used_at(installation, Instant::now()) {
            Use::Kept(list) => Some(list),
            Use::Refresh(_) | Use::Ask => None,
        }
    }

    /// Keeps `installation`'s URL list, computed from what was read from `asked` on.
    pub fn remember_urls(&self, installation: &Installation, list: InstallationUrls, asked: Asked) {
        self.urls
            .keep(installation.clone(), list, asked, &self.generation);
    }

    /// Drops every entry: called with every change this replica makes to installations or
    /// web trigger ids.
    pub fn forget(&self) {
        // Counted before either map is cleared: a read that checks after this is not
        // kept, and one kept before it is cleared below.
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.entries.lock().clear();
        self.urls.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_begun_before_a_forget_is_not_kept() {
        let cache = ResolvedCache::default();
        let installation = Installation::new("app", "s", "e").unwrap();
        let list = InstallationUrls::new(&[("in".into(), "http://x/x1/a".into())]);

        let asked = cache.asked();
        cache.forget();
        cache.remember_urls(&installation, list.clone(), asked);
        assert!(
            cache.urls_of(&installation).is_none(),
            "it may predate the change"
        );

        let asked = cache.asked();
        cache.remember_urls(&installation, list, asked);
        assert!(cache.urls_of(&installation).is_some());
        cache.forget();
        assert!(cache.urls_of(&installation).is_none());
    }
}
