//! What every storage test needs: a backend under test and the storage over it.

#![allow(dead_code)]

use std::sync::Arc;

use kiln_state::storage::{MemoryBackend, SqliteBackend, StorageBackend};
use kiln_state::{
    AppStorage, EncryptionKey, Installation, SecretCipher, SqliteDatabase, StorageLimits,
};

pub struct Harness {
    pub storage: AppStorage,
    pub backend: Arc<dyn StorageBackend>,
    pub key_hex: String,
    pub dir: Option<tempfile::TempDir>,
}

pub fn test_key_hex() -> String {
    "5a".repeat(32)
}

pub fn cipher(key_hex: &str) -> SecretCipher {
    SecretCipher::new(
        EncryptionKey::from_hex(&key_hex.to_owned().into(), "test").expect("test key"),
    )
}

impl Harness {
    pub fn storage_with(&self, limits: StorageLimits) -> AppStorage {
        AppStorage::new(self.backend.clone(), limits, cipher(&self.key_hex))
    }
}

pub async fn memory() -> Harness {
    let backend: Arc<dyn StorageBackend> = Arc::new(MemoryBackend::new());
    harness(backend, None)
}

pub async fn sqlite() -> Harness {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = SqliteDatabase::open(&dir.path().join("state.sqlite3"))
        .await
        .expect("open state file");
    let backend: Arc<dyn StorageBackend> = Arc::new(SqliteBackend::new(db));
    harness(backend, Some(dir))
}

fn harness(backend: Arc<dyn StorageBackend>, dir: Option<tempfile::TempDir>) -> Harness {
    let key_hex = test_key_hex();
    Harness {
        storage: AppStorage::new(backend.clone(), StorageLimits::default(), cipher(&key_hex)),
        backend,
        key_hex,
        dir,
    }
}

pub fn installation(app: &str) -> Installation {
    Installation::new(app, "https://kiln-test.atlassian.net", "development").expect("installation")
}
