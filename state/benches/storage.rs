//! Cost of one app-storage operation, per backend: what a storage call adds to an
//! invocation. `cargo bench -p kiln-state --bench storage`; figures in BENCHMARKS.md.
//!
//! The SQLite file lives under Cargo's target tmpdir (a real disk, not tmpfs), opened with
//! the production settings (WAL, `synchronous = FULL`), so a write includes its fsync.
//! PostgreSQL runs in the same run when `KILN_TEST_POSTGRES_URL` names a server (a fresh
//! database is created on it; `.ci/postgres-cluster start` starts one on loopback, with
//! fsync on), so the two are compared side by side under the same machine load.

// The tests' helper: a fresh database on the server `KILN_TEST_POSTGRES_URL` names.
#[allow(dead_code)]
#[path = "../tests/support/postgres.rs"]
mod pg;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use kiln_state::storage::{SqlBackend, SqliteBackend, TransactAction, TransactOp};
use kiln_state::{
    AppStorage, EncryptionKey, Installation, PostgresDatabase, SecretCipher, SecretValue,
    SqliteDatabase, StorageLimits,
};
use serde_json::{Value, json};

fn installation() -> Installation {
    Installation::new("bench-app", "https://bench.atlassian.net", "production").unwrap()
}

fn value() -> Value {
    // A typical small app record: what issue-triage remembers about one issue.
    json!({"issue": "KAN-1234", "labels": ["triaged", "bug"], "at": 1_764_000_000, "by": "kiln"})
}

fn bench_backend(c: &mut Criterion, rt: &tokio::runtime::Runtime, name: &str, storage: AppStorage) {
    let s = rt.block_on(storage.installation(&installation())).unwrap();
    rt.block_on(s.set("k", &value())).unwrap();
    rt.block_on(s.set_secret("secret", &SecretValue::new(json!("token-value"))))
        .unwrap();
    for n in 0..1000 {
        rt.block_on(s.set(&format!("item:{n:04}"), &value()))
            .unwrap();
    }
    let mut group = c.benchmark_group(format!("storage/{name}"));
    group.bench_function("installation lookup", |b| {
        b.to_async(rt)
            .iter(|| async { storage.installation(&installation()).await.unwrap() })
    });
    group.bench_function("get", |b| {
        b.to_async(rt).iter(|| async { s.get("k").await.unwrap() })
    });
    group.bench_function("set", |b| {
        b.to_async(rt)
            .iter(|| async { s.set("k", &value()).await.unwrap() })
    });
    group.bench_function("compare-and-set increment", |b| {
        b.to_async(rt).iter(|| async {
            s.update("counter", 10, |c| {
                Some(json!(c.and_then(Value::as_u64).unwrap_or(0) + 1))
            })
            .await
            .unwrap()
        })
    });
    // Ten keys written together: one transaction against ten single sets, each its own
    // write transaction (lock, version, commit and, on SQLite, fsync).
    let keys: Vec<String> = (0..10).map(|n| format!("tx:{n}")).collect();
    let record = value();
    let ops: Vec<TransactOp<'_>> = keys
        .iter()
        .map(|key| TransactOp {
            key,
            action: TransactAction::Set(&record),
            expected: None,
        })
        .collect();
    group.bench_function("transact: 10 sets in one transaction", |b| {
        b.to_async(rt)
            .iter(|| async { s.transact(&ops).await.unwrap() })
    });
    group.bench_function("transact: 10 single sets", |b| {
        b.to_async(rt).iter(|| async {
            for key in &keys {
                s.set(key, &record).await.unwrap();
            }
        })
    });
    group.bench_function("get_secret", |b| {
        b.to_async(rt)
            .iter(|| async { s.get_secret("secret").await.unwrap() })
    });
    group.bench_function("query 10 of 1000", |b| {
        b.to_async(rt)
            .iter(|| async { s.query("item:05", None, Some(10)).await.unwrap() })
    });
    group.finish();
}

/// Floors for the SQLite rows: the driver alone, on a file with the same settings. `SELECT 1`
/// is the least a pooled sqlx round trip costs; the one-row write transaction, with
/// `synchronous = FULL` (Kiln's setting) and `NORMAL`, shows what durability costs per write.
fn sqlx_floors(c: &mut Criterion, rt: &tokio::runtime::Runtime, dir: &Path) {
    use sqlx::sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
    };
    let pool = |file: &str, synchronous| -> SqlitePool {
        let options = SqliteConnectOptions::new()
            .filename(dir.join(file))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous);
        let pool = rt
            .block_on(
                SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_with(options),
            )
            .unwrap();
        rt.block_on(
            sqlx::query("CREATE TABLE IF NOT EXISTS t (k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID")
                .execute(&pool),
        )
        .unwrap();
        pool
    };
    let full = pool("floor-full.sqlite3", SqliteSynchronous::Full);
    let normal = pool("floor-normal.sqlite3", SqliteSynchronous::Normal);
    let value = serde_json::to_vec(&value()).unwrap();
    let mut group = c.benchmark_group("storage/sqlx-floor");
    group.bench_function("SELECT 1", |b| {
        b.to_async(rt).iter(|| async {
            sqlx::query_scalar::<_, i64>("SELECT 1")
                .fetch_one(&full)
                .await
                .unwrap()
        })
    });
    for (name, pool) in [
        ("write tx, synchronous=FULL", &full),
        ("write tx, synchronous=NORMAL", &normal),
    ] {
        group.bench_function(name, |b| {
            b.to_async(rt).iter(|| async {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.unwrap();
                sqlx::query("INSERT INTO t (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = excluded.v")
                    .bind(&b"k"[..])
                    .bind(&value[..])
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            })
        });
    }
    group.finish();
}

fn storage(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let cipher = || SecretCipher::new(EncryptionKey::generate().unwrap());
    bench_backend(
        c,
        &rt,
        "memory",
        AppStorage::in_memory(StorageLimits::default(), cipher()),
    );
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let db = rt
        .block_on(SqliteDatabase::open(&dir.path().join("state.sqlite3")))
        .unwrap();
    bench_backend(
        c,
        &rt,
        "sqlite",
        AppStorage::new(
            Arc::new(SqliteBackend::new(db)),
            StorageLimits::default(),
            cipher(),
        ),
    );
    sqlx_floors(c, &rt, dir.path());
    if let Some(options) = rt.block_on(pg::fresh_database()) {
        let db = rt
            .block_on(PostgresDatabase::connect_options(options, 8))
            .unwrap();
        bench_backend(
            c,
            &rt,
            "postgres",
            AppStorage::new(
                Arc::new(SqlBackend::new(db)),
                StorageLimits::default(),
                cipher(),
            ),
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = storage
}
criterion_main!(benches);
