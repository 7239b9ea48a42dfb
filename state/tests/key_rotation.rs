//! Rotating the secret-storage key (issue 16), on every backend: hosts holding the new key
//! and the old one read both and seal with the new one; `AppStorage::rotate_secrets` moves
//! every secret to the new key — batched, resumable, beside live writers on other replicas —
//! after which a host holding only the new key reads everything.

use crate::support;

use std::sync::Arc;

use kiln_state::storage::{Space, StorageKey, UnixMillis};
use kiln_state::{
    AppStorage, EncryptionKey, SecretCipher, SecretError, SecretValue, StorageError, StorageLimits,
};
use serde_json::json;
use support::{Harness, installation};

const NEW_KEY: &str = "3c1f9e0b7a65d4c28e1b0f9a7d6c5b4a39281706f5e4d3c2b1a0918273645a5b";
const STRANGER_KEY: &str = "9d8c7b6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa998877665544";

fn key(hex: &str) -> EncryptionKey {
    EncryptionKey::from_hex(&hex.to_owned().into(), "test").unwrap()
}

/// The host after the configuration change: the new key current, the old one previous.
fn rotating(
    h: &Harness,
    backend: Option<Arc<dyn kiln_state::storage::StorageBackend>>,
) -> AppStorage {
    AppStorage::new(
        backend.unwrap_or_else(|| h.backend.clone()),
        StorageLimits::default(),
        SecretCipher::with_previous(key(NEW_KEY), vec![key(&h.key_hex)]),
    )
}

/// A host holding only `hex`.
fn only(h: &Harness, hex: &str) -> AppStorage {
    AppStorage::new(
        h.backend.clone(),
        StorageLimits::default(),
        SecretCipher::new(key(hex)),
    )
}

fn secret(text: String) -> SecretValue {
    SecretValue::new(json!({ "token": text }))
}

/// The id of the key that sealed the stored secret `name` of `app`.
async fn sealed_by(h: &Harness, app: &str, name: &str) -> Vec<u8> {
    let id = h.backend.installation_id(&installation(app)).await.unwrap();
    let stored = h
        .backend
        .get(
            id,
            Space::Secrets,
            &StorageKey::new(name, 500).unwrap(),
            UnixMillis::now(),
        )
        .await
        .unwrap()
        .unwrap();
    stored.bytes[1..9].to_vec()
}

pub async fn secrets_move_to_the_new_key_and_the_old_one_can_go(h: &Harness) {
    // Before: the old key seals 25 secrets of one installation, one of another; a third
    // has plain values only.
    let a = h.storage.installation(&installation("a")).await.unwrap();
    for n in 0..25 {
        a.set_secret(&format!("s{n:02}"), &secret(format!("a-{n}")))
            .await
            .unwrap();
    }
    a.set("s00", &json!("plain")).await.unwrap();
    let b = h.storage.installation(&installation("b")).await.unwrap();
    b.set_secret("only", &secret("b".into())).await.unwrap();
    let c = h.storage.installation(&installation("c")).await.unwrap();
    c.set("v", &json!(1)).await.unwrap();
    let old_id = sealed_by(h, "a", "s00").await;

    // The configuration change: reads of old secrets keep working; new writes use the new key,
    // which a host still on the old key alone cannot read (so every host changes first).
    let host = rotating(h, None);
    let a_new = host.installation(&installation("a")).await.unwrap();
    assert_eq!(
        a_new.get_secret("s07").await.unwrap(),
        Some(secret("a-7".into()))
    );
    a_new
        .set_secret("fresh", &secret("new".into()))
        .await
        .unwrap();
    assert!(matches!(
        a.get_secret("fresh").await,
        Err(StorageError::Secret(SecretError::UnknownKey { .. }))
    ));
    let new_id = sealed_by(h, "a", "fresh").await;
    assert_ne!(old_id, new_id);
    let before_bytes = a.bytes_used().await.unwrap();

    // The pass, four at a time.
    let mut pages = 0;
    let report = host.rotate_secrets(4, |_| pages += 1).await.unwrap();
    assert_eq!(
        (
            report.installations,
            report.secrets,
            report.rotated,
            report.current
        ),
        (3, 27, 26, 1),
        "{report:?}"
    );
    assert!(report.complete() && report.unknown_key_ids.is_empty());
    assert!(pages >= 8, "batched: {pages} pages");
    assert_eq!(
        a.bytes_used().await.unwrap(),
        before_bytes,
        "the quota moved"
    );
    for n in 0..25 {
        assert_eq!(sealed_by(h, "a", &format!("s{n:02}")).await, new_id);
    }

    // The old key removed: a host with the new key alone reads every secret, and plain
    // values were never touched.
    let after = only(h, NEW_KEY);
    let a_after = after.installation(&installation("a")).await.unwrap();
    for n in 0..25 {
        assert_eq!(
            a_after.get_secret(&format!("s{n:02}")).await.unwrap(),
            Some(secret(format!("a-{n}")))
        );
    }
    assert_eq!(
        a_after.get("s00").await.unwrap().unwrap().value,
        json!("plain")
    );
    let b_after = after.installation(&installation("b")).await.unwrap();
    assert_eq!(
        b_after.get_secret("only").await.unwrap(),
        Some(secret("b".into()))
    );

    // Running it again (a resumed or repeated run) finds nothing to do.
    let again = after.rotate_secrets(100, |_| {}).await.unwrap();
    assert_eq!((again.secrets, again.rotated, again.current), (27, 0, 27));
}

/// A secret no held key opens is counted, named by key id and left as it is: the report
/// says the old key cannot be retired yet.
pub async fn a_secret_under_an_unknown_key_is_reported_and_kept(h: &Harness) {
    let stranger = only(h, STRANGER_KEY);
    let s = stranger.installation(&installation("a")).await.unwrap();
    s.set_secret("theirs", &secret("x".into())).await.unwrap();
    h.storage
        .installation(&installation("a"))
        .await
        .unwrap()
        .set_secret("ours", &secret("y".into()))
        .await
        .unwrap();
    let untouched = sealed_by(h, "a", "theirs").await;
    let report = rotating(h, None).rotate_secrets(10, |_| {}).await.unwrap();
    assert_eq!((report.rotated, report.unknown_key), (1, 1), "{report:?}");
    assert!(!report.complete());
    let ids: Vec<&String> = report.unknown_key_ids.iter().collect();
    assert_eq!(ids, vec![&key(STRANGER_KEY).id_hex()]);
    assert!(!format!("{report:?}").contains(STRANGER_KEY));
    assert_eq!(sealed_by(h, "a", "theirs").await, untouched);
    assert_eq!(
        s.get_secret("theirs").await.unwrap(),
        Some(secret("x".into()))
    );
}

/// The pass runs on one replica while apps on two others rewrite and delete the same
/// secrets: no write is lost or undone, and afterwards the new key alone reads everything.
pub async fn rotation_beside_live_writers_on_other_replicas_loses_nothing(h: &Harness) {
    const SECRETS: usize = 60;
    let old = h.storage.installation(&installation("app")).await.unwrap();
    for n in 0..SECRETS {
        old.set_secret(&format!("k{n:02}"), &secret(format!("v1-{n}")))
            .await
            .unwrap();
    }
    let mut writers = Vec::new();
    for w in 0..2 {
        let replica = rotating(h, h.origin.storage_replica().await);
        let s = replica.installation(&installation("app")).await.unwrap();
        writers.push(tokio::spawn(async move {
            // Writer 0 rewrites the even keys, writer 1 deletes every fifth odd one.
            for n in (0..SECRETS).filter(|n| n % 2 == w) {
                let name = format!("k{n:02}");
                if w == 0 {
                    s.set_secret(&name, &secret(format!("v2-{n}")))
                        .await
                        .unwrap();
                } else if n % 5 == 0 {
                    s.delete_secret(&name).await.unwrap();
                }
                tokio::task::yield_now().await;
            }
        }));
    }
    let pass = rotating(h, h.origin.storage_replica().await);
    let report = pass.rotate_secrets(3, |_| {}).await.unwrap();
    for writer in writers {
        writer.await.unwrap();
    }
    assert!(report.complete(), "{report:?}");
    // A second run picks up anything the first had not reached by the time it was
    // rewritten; with every host on the new key there is none, and it completes.
    let second = pass.rotate_secrets(50, |_| {}).await.unwrap();
    assert_eq!(second.rotated, 0, "{second:?}");
    let after = only(h, NEW_KEY)
        .installation(&installation("app"))
        .await
        .unwrap();
    for n in 0..SECRETS {
        let expected = if n % 2 == 0 {
            Some(secret(format!("v2-{n}")))
        } else if n % 5 == 0 {
            None
        } else {
            Some(secret(format!("v1-{n}")))
        };
        assert_eq!(
            after.get_secret(&format!("k{n:02}")).await.unwrap(),
            expected,
            "k{n:02}"
        );
    }
}

support::every_backend!(
    support;
    secrets_move_to_the_new_key_and_the_old_one_can_go,
    a_secret_under_an_unknown_key_is_reported_and_kept,
    rotation_beside_live_writers_on_other_replicas_loses_nothing,
);
