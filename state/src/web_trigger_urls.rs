//! Web trigger ids kept sealed, so the host can hand an installation its own URLs
//! (`webTrigger.getUrl`).
//!
//! The serve state stores only the SHA-256 of each web trigger id ([`crate::serve`]'s
//! `web_trigger.rs`): a database read must not reveal a live URL. Forge's
//! `webTrigger.getUrl(moduleKey)` needs the URL itself at every invocation, on every replica.
//! So when `runtime serve` issues an id it also keeps a copy **sealed with the storage key**,
//! as app secrets are ([`crate::secrets`]: XChaCha20-Poly1305, bound to the holder and key,
//! rotated with every other secret). A database read still reveals nothing usable without
//! the key, which never enters the database.
//!
//! Where: app storage's secret space, under a host-only installation per installation whose
//! site part is [`SITE_PREFIX`] followed by the installation's site, keyed by module key.
//! Real installations are named by a site URL (`https://…`) or `kiln-simulator`, never a
//! string starting with `kiln:`, so no app's installation can reach these entries, and
//! secrets are never listed by a query.
//!
//! A recalled id is only a candidate: the caller checks it still resolves to the same
//! installation and module (a rotation by another replica may have replaced it), and hands
//! out nothing rather than a dead URL.

use serde_json::Value;

use crate::installation::{Installation, InstallationError};
use crate::secrets::SecretValue;
use crate::serve::WebTriggerId;
use crate::storage::{AppStorage, InstallationStorage, StorageError};

/// The site part of the holders: this prefix, then the installation's own site.
pub const SITE_PREFIX: &str = "kiln:web-trigger-ids ";

/// Why an id could not be kept or recalled. Carries no id.
#[derive(Debug, thiserror::Error)]
pub enum SealedIdError {
    #[error("the holder cannot be named: {0}")]
    Installation(#[from] InstallationError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// The host-only installation whose storage keeps `installation`'s sealed ids (a host
/// that caches opened installations opens it once and passes it to [`recall_in`]).
pub fn holder(installation: &Installation) -> Result<Installation, InstallationError> {
    Installation::new(
        installation.app_id(),
        format!("{SITE_PREFIX}{}", installation.site()),
        installation.environment(),
    )
}

/// Keeps `id`, just issued for `module_key` of `installation`, sealed.
pub async fn remember(
    storage: &AppStorage,
    installation: &Installation,
    module_key: &str,
    id: &WebTriggerId,
) -> Result<(), SealedIdError> {
    let store = storage.installation(&holder(installation)?).await?;
    store
        .set_secret(module_key, &SecretValue::new(Value::String(id.expose())))
        .await?;
    Ok(())
}

/// The id last kept for `module_key` of `installation`, if any (a candidate: see the
/// module docs). A damaged entry is `None`.
pub async fn recall(
    storage: &AppStorage,
    installation: &Installation,
    module_key: &str,
) -> Result<Option<WebTriggerId>, SealedIdError> {
    let store = storage.installation(&holder(installation)?).await?;
    Ok(recall_in(&store, module_key).await?)
}

/// [`recall`] from the storage of the installation's [`holder`], already opened.
pub async fn recall_in(
    store: &InstallationStorage,
    module_key: &str,
) -> Result<Option<WebTriggerId>, StorageError> {
    let Some(secret) = store.get_secret(module_key).await? else {
        return Ok(None);
    };
    Ok(match secret.expose_secret() {
        Value::String(text) => WebTriggerId::parse(text).ok(),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::{EncryptionKey, SecretCipher};
    use crate::storage::StorageLimits;

    #[tokio::test]
    async fn kept_per_installation_and_module_and_out_of_the_apps_reach() {
        let storage = AppStorage::in_memory(
            StorageLimits::default(),
            SecretCipher::new(EncryptionKey::generate().unwrap()),
        );
        let a = Installation::new("app", "https://a.example", "production").unwrap();
        let b = Installation::new("app", "https://b.example", "production").unwrap();
        let id = WebTriggerId::generate().unwrap();
        remember(&storage, &a, "hook", &id).await.unwrap();
        assert_eq!(
            recall(&storage, &a, "hook").await.unwrap(),
            Some(id.clone())
        );
        assert_eq!(recall(&storage, &a, "other").await.unwrap(), None);
        assert_eq!(recall(&storage, &b, "hook").await.unwrap(), None);
        // The app's own installation sees neither a value nor a secret under that key.
        let own = storage.installation(&a).await.unwrap();
        assert!(own.get_secret("hook").await.unwrap().is_none());
        assert!(own.get("hook").await.unwrap().is_none());
        // A rotation replaces the kept id.
        let next = WebTriggerId::generate().unwrap();
        remember(&storage, &a, "hook", &next).await.unwrap();
        assert_eq!(recall(&storage, &a, "hook").await.unwrap(), Some(next));
    }
}
