//! App storage from the host's side: which installation an invocation's
//! `kiln:app/storage` calls reach, and the door those calls go through.
//!
//! The rules of storage itself (key grammar, Forge's limits, the quota,
//! secrets sealed at rest, compare-and-set) belong to `kiln-state`
//! ([`kiln_state::AppStorage`]); this module only decides *whose* storage a
//! call uses and *whether* it may:
//!
//! - the **installation** (app id × site × environment) comes from what the
//!   host loaded (the manifest's app id), where it runs (the site's cloud id,
//!   else its URL) and the invocation's environment: never from guest input,
//!   so no key, prefix or cursor can name another installation;
//! - every call is refused with `scope-denied` unless the manifest declares
//!   Forge's `storage:app` ([`session::StorageSession`]);
//! - every call waits within the invocation's deadline.

pub mod session;
pub mod variables;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use kiln_state::{AppStorage, Installation, InstallationStorage, StorageError};
use sha2::{Digest, Sha256};

/// The environment an invocation runs in when the caller names none, as in
/// Forge, whose `forge deploy` goes to `development` unless told otherwise.
pub const DEFAULT_ENVIRONMENT: &str = "development";

/// The embedded simulator's name wherever a person names a site: `site` of
/// an `[[installation]]` in kiln.toml, the admin API (`/v1/installations`),
/// the webhook path (`/webhooks/jira/simulator`) and `runtime storage --site`.
/// Serve's state and its approvals record it, so it is also the simulator's
/// name in serve's installation rows.
pub const SIMULATOR_SITE: &str = "simulator";

/// The site part of the simulator's installations *in app storage*: its
/// cloud id is new every run, so it is named by this instead, and an app's
/// data on the simulator outlives the run. It differs from
/// [`SIMULATOR_SITE`] for a reason that is not a choice: app data already
/// stored under it, and `context.installation.id`, which is derived from it
/// ([`installation_id`]) and which apps keep, would both be lost by a
/// rename. So it stays, and only [`storage_site`] turns a site name into it.
const SIMULATOR_STORAGE_SITE: &str = "kiln-simulator";

/// The site part of the app-storage installation of the site a person
/// named: [`SIMULATOR_SITE`] (or the storage name itself, which earlier
/// versions of `runtime storage --site` took) is the simulator's storage
/// name; a real site is named in storage as given (its cloud id, else its
/// URL: [`site_identity`]). Neither `simulator` nor `kiln-simulator` can be a
/// real site's cloud id or URL (an `https://` URL), so nothing is shadowed.
pub fn storage_site(site: &str) -> &str {
    if site == SIMULATOR_SITE || site == SIMULATOR_STORAGE_SITE {
        SIMULATOR_STORAGE_SITE
    } else {
        site
    }
}

/// What a person names the site of an app-storage installation by, the
/// inverse of [`storage_site`]: the simulator's storage name is
/// [`SIMULATOR_SITE`]; a real site is named as stored (its cloud id, else its
/// URL). `runtime storage --site` takes the result.
pub fn site_name_of_storage(stored: &str) -> &str {
    if stored == SIMULATOR_STORAGE_SITE {
        SIMULATOR_SITE
    } else {
        stored
    }
}

/// Installations whose backend handle is kept, so that an invocation's first
/// storage call does not look its installation up again. The key is the
/// host's choice (never the guest's), so the map grows only with what an
/// operator runs; the cap keeps a long-lived host over many sites bounded.
const MAX_OPEN_INSTALLATIONS: usize = 1024;

/// The host's app storage: the backend shared by every app a runtime loads,
/// and the installations already opened in it.
#[derive(Clone)]
pub struct StorageHost {
    storage: AppStorage,
    open: Arc<Mutex<HashMap<Installation, InstallationStorage>>>,
    variables: Arc<variables::VariablesCache>,
}

impl std::fmt::Debug for StorageHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StorageHost")
            .field("storage", &self.storage)
            .finish_non_exhaustive()
    }
}

impl StorageHost {
    /// The host's storage over `storage`. Config variables are read on every invocation
    /// ([`Self::with_variables_fresh_for`] trades that for a bounded staleness).
    pub fn new(storage: AppStorage) -> Self {
        Self {
            storage,
            open: Arc::default(),
            variables: Arc::default(),
        }
    }

    /// Reuses an app's config variables read within `fresh_for` (see
    /// [`variables::VariablesCache`] for what may be stale and for how long).
    pub fn with_variables_fresh_for(mut self, fresh_for: std::time::Duration) -> Self {
        self.variables = Arc::new(variables::VariablesCache::new(fresh_for));
        self
    }

    /// The config variables of `app_id` in `environment`, encrypted ones opened.
    pub async fn variables(
        &self,
        app_id: &str,
        environment: &str,
    ) -> Result<variables::VariablePairs, kiln_state::VariableError> {
        self.variables
            .get_or_read(app_id, environment, || {
                variables::read(self, app_id, environment)
            })
            .await
    }

    pub fn storage(&self) -> &AppStorage {
        &self.storage
    }

    /// The storage of `installation`, from the cache or opened (created on
    /// first use) in the backend.
    pub async fn open(
        &self,
        installation: &Installation,
    ) -> Result<InstallationStorage, StorageError> {
        if let Some(open) = self.lock().get(installation) {
            return Ok(open.clone());
        }
        let opened = self.storage.installation(installation).await?;
        let mut open = self.lock();
        if open.len() >= MAX_OPEN_INSTALLATIONS {
            open.clear();
        }
        open.insert(installation.clone(), opened.clone());
        Ok(opened)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Installation, InstallationStorage>> {
        // A panic while holding the lock cannot leave the map inconsistent
        // (one insert or clear), so a poisoned lock is still usable.
        self.open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The site part of an installation: the cloud id, which stays the same when
/// a site is renamed (and the simulator's, whatever loopback port it got);
/// the site URL where there is no cloud id.
pub fn site_identity<'a>(cloud_id: &'a str, site_url: &'a str) -> &'a str {
    if cloud_id.is_empty() {
        site_url
    } else {
        cloud_id
    }
}

/// The installation's id as the app sees it (`context.installation-id`):
/// stable across invocations and processes, different for every installation,
/// and derived from its three parts (length-prefixed, so no choice of
/// characters makes two installations share one) rather than from a database
/// row, so it is the same on every backend and before any storage call.
pub fn installation_id(installation: &Installation) -> String {
    let mut hash = Sha256::new();
    hash.update(b"kiln installation v1");
    for part in [
        installation.app_id(),
        installation.site(),
        installation.environment(),
    ] {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part.as_bytes());
    }
    let digest = hash.finalize();
    format!("kiln-installation-{}", hex::encode(&digest[..16]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installation_ids_are_stable_and_do_not_collide_across_parts() {
        let a = Installation::new("app", "site:x", "development").unwrap();
        let b = Installation::new("app:site", "x", "development").unwrap();
        assert_eq!(installation_id(&a), installation_id(&a.clone()));
        assert_ne!(installation_id(&a), installation_id(&b));
        let production = Installation::new("app", "site:x", "production").unwrap();
        assert_ne!(installation_id(&a), installation_id(&production));
    }

    #[test]
    fn the_simulators_name_and_its_old_name_reach_the_same_storage() {
        assert_eq!(storage_site(SIMULATOR_SITE), "kiln-simulator");
        assert_eq!(storage_site("kiln-simulator"), "kiln-simulator");
        // Real sites are named in storage as given.
        assert_eq!(storage_site("c0ffee"), "c0ffee");
        assert_eq!(
            storage_site("https://x.atlassian.net"),
            "https://x.atlassian.net"
        );
    }

    #[test]
    fn a_stored_site_is_named_as_people_name_it_and_back() {
        assert_eq!(site_name_of_storage("kiln-simulator"), SIMULATOR_SITE);
        for stored in ["kiln-simulator", "c0ffee", "https://x.atlassian.net"] {
            assert_eq!(storage_site(site_name_of_storage(stored)), stored);
        }
    }

    #[test]
    fn the_site_is_named_by_its_cloud_id_when_it_has_one() {
        assert_eq!(site_identity("c0ffee", "http://127.0.0.1:1234"), "c0ffee");
        assert_eq!(
            site_identity("", "https://x.atlassian.net"),
            "https://x.atlassian.net"
        );
    }
}
