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
use std::sync::Mutex;
use std::time::{Duration, Instant};

use kiln_state::serve::ResolvedWebTrigger;
use kiln_state::{Installation, ServeError, ServeState};
use sha2::{Digest as _, Sha256};

/// How long a resolved id is trusted without asking the database again.
pub const FRESH_FOR: Duration = Duration::from_secs(1);
/// Most entries kept; past it the map starts over (live ids are few: one per web trigger
/// module and installation).
pub const MAX_ENTRIES: usize = 4096;

/// An installation's web trigger URLs, as its app receives them (the JSON written once).
pub type InstallationUrls = kiln_runtime::guest_env::WebTriggerUrls;

#[derive(Default)]
pub struct ResolvedCache {
    entries: Mutex<HashMap<[u8; 32], (ResolvedWebTrigger, Instant)>>,
    urls: Mutex<HashMap<Installation, (InstallationUrls, Instant)>>,
}

impl ResolvedCache {
    /// The id's owner, from the cache when resolved within [`FRESH_FOR`], else from `state`.
    pub async fn resolve(
        &self,
        state: &ServeState,
        presented: &str,
    ) -> Result<Option<ResolvedWebTrigger>, ServeError> {
        let key: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let now = Instant::now();
        if let Some((resolved, at)) = self.lock().get(&key)
            && now.duration_since(*at) < FRESH_FOR
        {
            return Ok(Some(resolved.clone()));
        }
        let resolved = state.resolve_web_trigger(presented).await?;
        let mut entries = self.lock();
        match &resolved {
            Some(found) => {
                if entries.len() >= MAX_ENTRIES {
                    entries.clear();
                }
                entries.insert(key, (found.clone(), now));
            }
            None => {
                entries.remove(&key);
            }
        }
        Ok(resolved)
    }

    /// `installation`'s URL list, if computed within [`FRESH_FOR`].
    pub fn urls_of(&self, installation: &Installation) -> Option<InstallationUrls> {
        let urls = self.urls.lock().unwrap_or_else(|p| p.into_inner());
        urls.get(installation)
            .filter(|(_, at)| at.elapsed() < FRESH_FOR)
            .map(|(list, _)| list.clone())
    }

    /// Keeps `installation`'s URL list, computed from what was read at `asked`.
    pub fn remember_urls(
        &self,
        installation: &Installation,
        list: InstallationUrls,
        asked: Instant,
    ) {
        let mut urls = self.urls.lock().unwrap_or_else(|p| p.into_inner());
        if urls.len() >= MAX_ENTRIES {
            urls.clear();
        }
        urls.insert(installation.clone(), (list, asked));
    }

    /// Drops every entry: called with every change this replica makes to installations or
    /// web trigger ids.
    pub fn forget(&self) {
        self.lock().clear();
        self.urls.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], (ResolvedWebTrigger, Instant)>> {
        // A panic while holding this lock leaves a map of plain values: still usable.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}
