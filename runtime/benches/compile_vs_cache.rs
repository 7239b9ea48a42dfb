//! `compile_vs_cache`: loading the hello example the first time (compile)
//! against loading it again from the artifact cache.
//!
//! The example is built for wasm32-wasip2 with `kiln-guest-build` first
//! (skipped with a message when the target is not installed).
//!
//! `cargo bench -p kiln-runtime --bench compile_vs_cache`

mod support;

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use kiln_manifest::Manifest;
use kiln_runtime::engine::InstanceAllocation;
use kiln_runtime::runtime::CacheMode;
use kiln_runtime::{Runtime, RuntimeOptions};

/// Builds examples/hello and returns its component and manifest.
fn hello() -> Option<(Vec<u8>, Manifest)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/hello");
    if let Err(error) = kiln_guest_build::ensure_wasm_target(&dir) {
        println!("SKIP compile_vs_cache: {error}");
        return None;
    }
    let built = kiln_guest_build::build(
        &kiln_guest_build::GuestBuild::new(dir.join("Cargo.toml")).release(true),
    )
    .map_err(|error| println!("SKIP compile_vs_cache: cannot build examples/hello: {error}"))
    .ok()?;
    let wasm = std::fs::read(&built.first()?.path).ok()?;
    let manifest = Manifest::load(&dir.join("manifest.yml")).ok()?;
    Some((wasm, manifest))
}

fn runtime(cache: CacheMode) -> Runtime {
    Runtime::new(
        support::in_process_client(),
        RuntimeOptions {
            cache,
            allocation: InstanceAllocation::OnDemand,
            ..RuntimeOptions::default()
        },
    )
    .expect("runtime")
}

fn benches(c: &mut Criterion) {
    let Some((wasm, manifest)) = hello() else {
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio");
    let dir = tempfile::tempdir().expect("temp dir");
    let uncached = runtime(CacheMode::Disabled);
    let cached = runtime(CacheMode::Directory(dir.path().join("kiln")));
    let first = rt
        .block_on(cached.load(wasm.clone(), manifest.clone()))
        .expect("hello loads");
    assert!(!first.from_cache(), "the first load compiles");

    let mut group = c.benchmark_group("compile_vs_cache");
    group.sample_size(10);
    group.bench_function("compile", |b| {
        b.iter(|| {
            rt.block_on(uncached.load(wasm.clone(), manifest.clone()))
                .expect("loads")
        })
    });
    group.bench_function("cached", |b| {
        b.iter(|| {
            let app = rt
                .block_on(cached.load(wasm.clone(), manifest.clone()))
                .expect("loads");
            assert!(app.from_cache(), "served from the cache");
            app
        })
    });
    group.finish();

    let (compile, from_cache) = support::side_by_side(
        5,
        || {
            rt.block_on(uncached.load(wasm.clone(), manifest.clone()))
                .expect("loads");
        },
        || {
            rt.block_on(cached.load(wasm.clone(), manifest.clone()))
                .expect("loads");
        },
    );
    support::report_ratio("compile_vs_cache", "compile", compile, "cached", from_cache);
}

criterion_group!(compile_vs_cache, benches);
criterion_main!(compile_vs_cache);
