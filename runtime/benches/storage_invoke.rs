//! `storage_invoke`: what a storage `get` and `set` add to an invocation, on
//! the default backend (SQLite, one file, `synchronous = FULL`) and in
//! memory.
//!
//! The component is `tests/programs/storage` (a raw `kiln:app@0.2.0`
//! component), built here as the tests build it. Each invocation runs the
//! `ops` handler with: nothing (the baseline: a fresh instance, the payload
//! parsed, the result returned), one `get` of a present key, one `set` of a
//! small JSON value, or both. The storage cost per invocation is the
//! difference to the baseline; it includes the invocation's first storage
//! call opening its installation (a cache hit after the first invocation).
//!
//! `cargo bench -p kiln-runtime --bench storage_invoke`

mod support;

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use kiln_manifest::Manifest;
use kiln_runtime::engine::InstanceAllocation;
use kiln_runtime::runtime::CacheMode;
use kiln_runtime::{Invocation, LoadedApp, Runtime, RuntimeOptions, StorageHost};
use kiln_state::{AppStorage, EncryptionKey, SecretCipher, SqliteDatabase, StorageLimits};

/// The storage test program, built for wasm32-wasip2; `None` (and a SKIP
/// line) where the target cannot be installed.
fn storage_component() -> Option<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/programs");
    if let Err(error) = kiln_guest_build::ensure_wasm_target(&dir) {
        println!("SKIP storage_invoke: {error}");
        return None;
    }
    let built = kiln_guest_build::build(
        &kiln_guest_build::GuestBuild::new(dir.join("Cargo.toml")).release(true),
    )
    .map_err(|error| println!("SKIP storage_invoke: cannot build tests/programs: {error}"))
    .ok()?;
    let storage = built.iter().find(|c| c.package == "storage")?;
    std::fs::read(&storage.path).ok()
}

fn manifest() -> Manifest {
    Manifest::from_yaml(
        "app:\n  id: kiln-bench-storage\nmodules:\n  function:\n    - key: ops\n      handler: ops\npermissions:\n  scopes:\n    - storage:app\n",
    )
    .expect("benchmark manifest is valid")
}

async fn invoke(app: &LoadedApp, ops: &str) {
    let invoked = app
        .invoke(Invocation {
            payload: ops.to_owned(),
            ..Invocation::default()
        })
        .await
        .expect("invocation starts");
    let result = invoked.result.expect("the app answers");
    assert!(!result.contains("\"err\""), "{result}");
    black_box(result);
}

fn benches(c: &mut Criterion) {
    let Some(wasm) = storage_component() else {
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio");
    let dir = tempfile::tempdir().expect("temporary directory");
    let cipher = || SecretCipher::new(EncryptionKey::generate().expect("randomness"));
    let sqlite = rt
        .block_on(SqliteDatabase::open(&dir.path().join("state.sqlite3")))
        .expect("state file");
    let backends = [
        (
            "sqlite",
            StorageHost::new(AppStorage::sqlite(
                sqlite,
                StorageLimits::default(),
                cipher(),
            )),
        ),
        (
            "memory",
            StorageHost::new(AppStorage::in_memory(StorageLimits::default(), cipher())),
        ),
    ];
    let (_sim, client, _) = rt.block_on(support::simulator(kiln_sim::SimConfig::default()));
    let mut client = Some(client);
    let mut group = c.benchmark_group("storage_invoke");
    for (name, storage) in backends {
        // One simulator client serves the first runtime; the second gets an
        // in-process one (no Jira call is made here).
        let jira = client.take().unwrap_or_else(support::in_process_client);
        let runtime = Runtime::new(
            jira,
            RuntimeOptions {
                cache: CacheMode::Disabled,
                allocation: InstanceAllocation::default(),
                storage: Some(storage),
                ..RuntimeOptions::default()
            },
        )
        .expect("runtime starts");
        let app = rt
            .block_on(runtime.load(wasm.clone(), manifest()))
            .expect("storage program loads");
        rt.block_on(invoke(
            &app,
            r#"[{"op":"set","key":"issue:KILN-1","value":{"labelled":["triage"],"at":1764400000}}]"#,
        ));
        let cases = [
            ("baseline_no_storage", "[]"),
            ("get", r#"[{"op":"get","key":"issue:KILN-1"}]"#),
            (
                "set",
                r#"[{"op":"set","key":"issue:KILN-2","value":{"labelled":["triage"],"at":1764400000}}]"#,
            ),
            (
                "get_and_set",
                r#"[{"op":"get","key":"issue:KILN-1"},{"op":"set","key":"issue:KILN-2","value":{"labelled":["triage"],"at":1764400000}}]"#,
            ),
        ];
        for (case, ops) in cases {
            group.bench_function(format!("{name}/{case}"), |b| {
                b.iter_custom(|iters| {
                    rt.block_on(async {
                        let t = Instant::now();
                        for _ in 0..iters {
                            invoke(&app, ops).await;
                        }
                        t.elapsed()
                    })
                })
            });
        }
    }
    group.finish();
}

criterion_group!(storage_invoke, benches);
criterion_main!(storage_invoke);
