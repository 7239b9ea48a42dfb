//! Cost of one app-storage operation, per backend: what a storage call adds to an
//! invocation. `cargo bench -p kiln-state --bench storage`; figures in BENCHMARKS.md.
//!
//! The SQLite file lives under Cargo's target tmpdir (a real disk, not tmpfs), opened with
//! the production settings (WAL, `synchronous = FULL`), so a write includes its fsync.

use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use kiln_state::storage::SqliteBackend;
use kiln_state::{
    AppStorage, EncryptionKey, Installation, SecretCipher, SecretValue, SqliteDatabase,
    StorageLimits,
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

fn storage(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let cipher = || SecretCipher::new(EncryptionKey::generate());
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
