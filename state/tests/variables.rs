//! Config variables and sealed web trigger ids on every backend: what one host sets, a
//! replica of the same database reads at once (that is how `runtime serve` replicas see a
//! `runtime variables set`); encrypted values are sealed at rest and move with a key
//! rotation like every other secret.

use crate::support;

use kiln_state::serve::WebTriggerId;
use kiln_state::{
    AppStorage, AppVariables, EncryptionKey, SecretCipher, StorageLimits, VariableName,
};
use secrecy::{ExposeSecret, SecretString};
use support::{Harness, installation};

const NEW_KEY: &str = "5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b";

fn value(text: &str) -> SecretString {
    SecretString::from(text.to_owned())
}

fn pairs(env: Vec<(String, SecretString)>) -> Vec<(String, String)> {
    env.into_iter()
        .map(|(name, value)| (name, value.expose_secret().to_owned()))
        .collect()
}

pub async fn a_replica_sees_variables_at_once_and_rotation_moves_them(h: &Harness) {
    let vars = AppVariables::open(&h.storage, "app", "production")
        .await
        .unwrap();
    vars.set(&VariableName::new("PLAIN").unwrap(), &value("p"), false)
        .await
        .unwrap();
    vars.set(
        &VariableName::new("SEALED").unwrap(),
        &value("sealed-7c1e"),
        true,
    )
    .await
    .unwrap();

    let replica = h.replica().await.unwrap_or_else(|| h.storage.clone());
    let seen = AppVariables::open(&replica, "app", "production")
        .await
        .unwrap();
    let expected = vec![
        ("PLAIN".to_owned(), "p".to_owned()),
        ("SEALED".to_owned(), "sealed-7c1e".to_owned()),
    ];
    assert_eq!(pairs(seen.environment().await.unwrap()), expected);

    // Rotate the storage key: afterwards a host holding only the new key reads both.
    let new_key = || EncryptionKey::from_hex(&NEW_KEY.to_owned().into(), "test").unwrap();
    let old_key = EncryptionKey::from_hex(&h.key_hex.clone().into(), "test").unwrap();
    let rotating = AppStorage::new(
        h.backend.clone(),
        StorageLimits::default(),
        SecretCipher::with_previous(new_key(), vec![old_key]),
    );
    rotating.rotate_secrets(100, |_| {}).await.unwrap();
    let new_only = AppStorage::new(
        h.backend.clone(),
        StorageLimits::default(),
        SecretCipher::new(new_key()),
    );
    let after = AppVariables::open(&new_only, "app", "production")
        .await
        .unwrap();
    assert_eq!(pairs(after.environment().await.unwrap()), expected);
}

pub async fn web_trigger_ids_are_kept_per_installation(h: &Harness) {
    let here = installation("app");
    let id = WebTriggerId::generate().unwrap();
    kiln_state::web_trigger_urls::remember(&h.storage, &here, "hook", &id)
        .await
        .unwrap();
    let replica = h.replica().await.unwrap_or_else(|| h.storage.clone());
    assert_eq!(
        kiln_state::web_trigger_urls::recall(&replica, &here, "hook")
            .await
            .unwrap(),
        Some(id)
    );
    assert_eq!(
        kiln_state::web_trigger_urls::recall(&replica, &installation("other"), "hook")
            .await
            .unwrap(),
        None
    );
}

support::every_backend!(
    support;
    a_replica_sees_variables_at_once_and_rotation_moves_them,
    web_trigger_ids_are_kept_per_installation,
);
