//! `compile_vs_cache`: loading the hello example the first time (compile)
//! against loading it again from the artifact cache.
//!
//! The example is built for wasm32-wasip2 with `kiln-guest-build` first
//! (skipped with a message when the target is not installed).
//!
//! `cargo bench -p kiln-runtime --bench compile_vs_cache`

mod support;

use criterion::{Criterion, criterion_group, criterion_main};
use kiln_runtime::engine::InstanceAllocation;
use kiln_runtime::runtime::CacheMode;
use kiln_runtime::{Runtime, RuntimeOptions};

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
    let Some((wasm, manifest)) = support::hello("compile_vs_cache") else {
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
