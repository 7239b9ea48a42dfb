//! What every storage test needs: a backend under test and the storage over it, and, for
//! the multi-replica tests, more backends on the same database.

#![allow(dead_code)]

pub mod clock;
pub mod postgres;

use std::path::PathBuf;
use std::sync::Arc;

use kiln_state::serve::{MemoryServeBackend, ServeBackend, SqlServeBackend};
use kiln_state::storage::{MemoryBackend, SqlBackend, StorageBackend};
use kiln_state::{
    AppStorage, EncryptionKey, Installation, PostgresDatabase, SecretCipher, SqliteDatabase,
    StorageLimits,
};
use sqlx::postgres::PgConnectOptions;

/// Where a test's database is, so a test can open more "replicas" on it: another pool on
/// the same SQLite file (as another process would), another pool on the same PostgreSQL
/// database (as another `runtime serve` replica does). Memory has no second view.
#[derive(Clone)]
pub enum Origin {
    Memory,
    Sqlite(PathBuf),
    Postgres(Box<PgConnectOptions>),
}

/// Connections per replica pool in tests: several concurrent tasks per replica, and room
/// for dozens of tests at once in the test cluster's 400 connections.
const REPLICA_POOL: u32 = 4;

impl Origin {
    /// A fresh origin of this kind: a new memory map, SQLite file or PostgreSQL database.
    /// `None` only for PostgreSQL when no test cluster is configured (the reason is printed).
    pub async fn fresh(kind: &str, dir: &tempfile::TempDir) -> Option<Self> {
        Some(match kind {
            "memory" => Self::Memory,
            "sqlite" => Self::Sqlite(dir.path().join("state.sqlite3")),
            "postgres" => Self::Postgres(Box::new(postgres::fresh_database().await?)),
            other => panic!("unknown backend {other}"),
        })
    }

    pub async fn storage_replica(&self) -> Option<Arc<dyn StorageBackend>> {
        Some(match self {
            Self::Memory => return None,
            Self::Sqlite(path) => Arc::new(SqlBackend::new(
                SqliteDatabase::open(path).await.expect("open state file"),
            )),
            Self::Postgres(options) => Arc::new(SqlBackend::new(
                PostgresDatabase::connect_options((**options).clone(), REPLICA_POOL)
                    .await
                    .expect("connect to the test database"),
            )),
        })
    }

    pub async fn serve_replica(&self) -> Option<Arc<dyn ServeBackend>> {
        Some(match self {
            Self::Memory => return None,
            Self::Sqlite(path) => Arc::new(SqlServeBackend::new(
                SqliteDatabase::open(path).await.expect("open state file"),
            )),
            Self::Postgres(options) => Arc::new(SqlServeBackend::new(
                PostgresDatabase::connect_options((**options).clone(), REPLICA_POOL)
                    .await
                    .expect("connect to the test database"),
            )),
        })
    }
}

pub struct Harness {
    pub storage: AppStorage,
    pub backend: Arc<dyn StorageBackend>,
    pub key_hex: String,
    pub origin: Origin,
    pub dir: tempfile::TempDir,
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

    /// App storage on another replica of this harness's database (`None`: memory).
    pub async fn replica(&self) -> Option<AppStorage> {
        let backend = self.origin.storage_replica().await?;
        Some(AppStorage::new(
            backend,
            StorageLimits::default(),
            cipher(&self.key_hex),
        ))
    }
}

pub async fn memory() -> Option<Harness> {
    harness("memory").await
}

pub async fn sqlite() -> Option<Harness> {
    harness("sqlite").await
}

pub async fn postgres() -> Option<Harness> {
    harness("postgres").await
}

async fn harness(kind: &str) -> Option<Harness> {
    let dir = tempfile::tempdir().expect("tempdir");
    let origin = Origin::fresh(kind, &dir).await?;
    let backend: Arc<dyn StorageBackend> = match origin.storage_replica().await {
        Some(backend) => backend,
        None => Arc::new(MemoryBackend::new()),
    };
    let key_hex = test_key_hex();
    Some(Harness {
        storage: AppStorage::new(backend.clone(), StorageLimits::default(), cipher(&key_hex)),
        backend,
        key_hex,
        origin,
        dir,
    })
}

/// A fresh serve backend of `kind` and its origin, for `serve_contract.rs`.
pub async fn serve_backend(
    kind: &str,
    dir: &tempfile::TempDir,
) -> Option<(Arc<dyn ServeBackend>, Origin)> {
    let origin = Origin::fresh(kind, dir).await?;
    let backend: Arc<dyn ServeBackend> = match origin.serve_replica().await {
        Some(backend) => backend,
        None => Arc::new(MemoryServeBackend::new()),
    };
    Some((backend, origin))
}

pub fn installation(app: &str) -> Installation {
    Installation::new(app, "https://kiln-test.atlassian.net", "development").expect("installation")
}

/// The name libtest gives `test` in the module `module` (pass `module_path!()`):
/// this crate's tests are one binary, so a test that reruns itself as a child
/// process with `--exact` must name the module too (`file::test`).
pub fn libtest_name(module: &str, test: &str) -> String {
    let module = module
        .split_once("::")
        .map_or(module, |(_crate, rest)| rest);
    format!("{module}::{test}")
}

/// A contract run on every backend: `every_backend!(harnesses; test, ...)`
/// makes one module per backend (`memory`, `sqlite`, `postgres`) with one
/// `#[tokio::test]` per contract function, which gets its harness from
/// `crate::harnesses::<backend>()` (skipped when that is `None`, as Postgres is
/// without a server) and calls `super::<test>(&harness)`.
macro_rules! every_backend {
    ($harnesses:ident; $($test:ident),* $(,)?) => {
        $crate::support::every_backend!(@on $harnesses, memory: $($test),*);
        $crate::support::every_backend!(@on $harnesses, sqlite: $($test),*);
        $crate::support::every_backend!(@on $harnesses, postgres: $($test),*);
    };
    (@on $harnesses:ident, $backend:ident: $($test:ident),*) => {
        mod $backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $test() {
                    let Some(harness) = crate::$harnesses::$backend().await else {
                        return;
                    };
                    super::$test(&harness).await;
                }
            )*
        }
    };
}
pub(crate) use every_backend;
