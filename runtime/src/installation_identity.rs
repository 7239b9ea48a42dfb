//! The installation an invocation runs as, made once per environment rather
//! than on every invocation.
//!
//! An installation is the host's choice (the manifest's app id, the site this
//! runtime talks to, the caller's environment), never the guest's. Checking
//! its parts, copying them for each session that names it (storage, events,
//! Forge SQL) and hashing them into the id the app is told cost a dozen
//! allocations and a SHA-256 per invocation, for a value that changes only
//! with the environment. A loaded app keeps the last environment's identity:
//! `runtime serve` loads an app per installation, so it never changes there.

use std::sync::{Arc, Mutex, PoisonError};

use kiln_state::{Installation, InstallationError};

use crate::storage::installation_id;

/// An installation, checked, shared by the invocation's sessions, with the id
/// its apps are told (`context.installation-id`).
#[derive(Debug)]
pub struct InstallationIdentity {
    pub installation: Arc<Installation>,
    pub id: String,
}

/// The identity of the environment a loaded app last ran in.
#[derive(Debug, Default)]
pub struct LastInstallation(Mutex<Option<Arc<InstallationIdentity>>>);

impl LastInstallation {
    /// The identity of `app_id` × `site` × `environment`: the last one when
    /// it names the same installation, else made (and checked) anew.
    pub fn identity(
        &self,
        app_id: &str,
        site: &str,
        environment: &str,
    ) -> Result<Arc<InstallationIdentity>, InstallationError> {
        // A panic elsewhere while holding the lock leaves nothing half-written
        // (the slot is replaced whole), so a poisoned lock is still sound.
        let mut last = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(identity) = last.as_ref() {
            let known = &identity.installation;
            if known.app_id() == app_id
                && known.site() == site
                && known.environment() == environment
            {
                return Ok(Arc::clone(identity));
            }
        }
        let installation = Installation::new(app_id, site, environment)?;
        let identity = Arc::new(InstallationIdentity {
            id: installation_id(&installation),
            installation: Arc::new(installation),
        });
        *last = Some(Arc::clone(&identity));
        Ok(identity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_environment_gets_the_same_identity_and_another_a_new_one() {
        let last = LastInstallation::default();
        let first = last.identity("app", "site", "development").unwrap();
        let again = last.identity("app", "site", "development").unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        assert_eq!(first.id, installation_id(&first.installation));

        let production = last.identity("app", "site", "production").unwrap();
        assert_eq!(production.installation.environment(), "production");
        assert_ne!(production.id, first.id);
        // Each part is compared, not only the environment.
        let other_site = last.identity("app", "other", "production").unwrap();
        assert_eq!(other_site.installation.site(), "other");
        assert_ne!(other_site.id, production.id);
    }

    #[test]
    fn an_invalid_environment_is_refused_and_not_remembered() {
        let last = LastInstallation::default();
        let good = last.identity("app", "site", "development").unwrap();
        assert!(last.identity("app", "site", "").is_err());
        assert!(last.identity("app", "site", "bad\nname").is_err());
        let again = last.identity("app", "site", "development").unwrap();
        assert!(Arc::ptr_eq(&good, &again));
    }
}
