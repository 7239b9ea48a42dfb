//! Per-invocation cost: `floor` (raw wasmtime: pooling, `InstancePre`,
//! instantiate + call + drop of the trivial component), `invoke_trivial`
//! (the same component through Kiln: fresh Store with the whole sandbox,
//! deadline, limits, checks) and `invoke_host_call` (plus one `request-jira`
//! through the whole pipeline, answered by the in-process transport).
//!
//! `cargo bench -p kiln-runtime --bench invoke`
//!
//! For instruction counts (deterministic, unlike time on a shared machine):
//! `KILN_INVOKE_COUNT=<floor|floor_default|trivial|host_call|hello>:<n>`
//! runs `n` invocations of that component and exits without criterion,
//! e.g. under
//! `valgrind --tool=callgrind`; two runs with different `n` give the cost of
//! one invocation by difference, start-up (compilation) cancelled out.

mod support;

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use kiln_runtime::bindings::{AppError, Context};
use kiln_runtime::engine::{self, InstanceAllocation};
use kiln_runtime::{Invocation, LoadedApp};
use wasmtime::component::{Component, InstancePre, Linker, TypedFunc};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store};

/// The trivial component through raw wasmtime: the floor Kiln is measured
/// against.
struct Floor {
    engine: Engine,
    pre: InstancePre<()>,
    handle: wasmtime::component::ComponentExportIndex,
    context: Context,
}

type Handle =
    TypedFunc<(&'static str, &'static str, &'static Context), (Result<String, AppError>,)>;

/// Which pool the floor runs on.
#[derive(Clone, Copy)]
enum FloorPool {
    /// wasmtime's default pooling configuration: every returned memory
    /// slot is `madvise`d away, so each invocation page-faults its memory
    /// back in.
    Default,
    /// The default pool with Kiln's slot-reset settings (dirty pages found
    /// with `PAGEMAP_SCAN` and reset with `memset`, kept resident): the
    /// fairest floor for Kiln, which uses the same.
    KilnReset,
}

impl Floor {
    fn new(wasm: &[u8], pool: FloorPool, slots: u32) -> Self {
        let mut pooling = PoolingAllocationConfig::new();
        pooling
            .total_component_instances(slots)
            .total_core_instances(slots.saturating_mul(2))
            .total_memories(slots)
            .total_tables(slots)
            .total_stacks(slots);
        if let FloorPool::KilnReset = pool {
            engine::slot_reset(&mut pooling);
        }
        let mut config = Config::new();
        config
            .wasm_component_model(true)
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pooling));
        let engine = Engine::new(&config).expect("engine");
        let component = Component::new(&engine, wasm).expect("trivial component compiles");
        let mut linker = Linker::new(&engine);
        // The types-only import; nothing to provide but its name.
        linker
            .instance("kiln:app/types@0.1.0")
            .expect("types instance");
        let pre = linker.instantiate_pre(&component).expect("instance pre");
        let (_, handler) = component
            .get_export(None, "kiln:app/handler@0.1.0")
            .expect("handler export");
        let (_, handle) = component
            .get_export(Some(&handler), "handle")
            .expect("handle export");
        Self {
            engine,
            pre,
            handle,
            context: Context {
                invocation_id: "0".into(),
                account_id: None,
                cloud_id: "bench-cloud".into(),
                site_url: "https://kiln-bench.atlassian.net".into(),
                module_key: "main".into(),
            },
        }
    }

    fn invoke(&'static self) -> String {
        let mut store = Store::new(&self.engine, ());
        let instance = self.pre.instantiate(&mut store).expect("instantiate");
        let handle: Handle = instance
            .get_typed_func(&mut store, self.handle)
            .expect("handle");
        let (result,) = handle
            .call(&mut store, ("main", "{}", &self.context))
            .expect("call");
        result.expect("trivial handler succeeds")
    }
}

fn invocation() -> Invocation {
    Invocation {
        function_key: None,
        payload: "{}".into(),
        account_id: None,
        ..Default::default()
    }
}

/// Runs `iters` invocations of `app` on `rt` and returns the time taken.
fn time_invocations(
    rt: &tokio::runtime::Runtime,
    app: &LoadedApp,
    iters: u64,
) -> std::time::Duration {
    rt.block_on(async {
        let started = Instant::now();
        for _ in 0..iters {
            let invoked = app.invoke(invocation()).await.expect("invocation starts");
            black_box(invoked.result.expect("handler succeeds"));
        }
        started.elapsed()
    })
}

/// Pool slots in the `KILN_INVOKE_COUNT` mode (one invocation runs at a time).
const COUNT_MODE_SLOTS: u32 = 4;

/// The `KILN_INVOKE_COUNT` mode: `Some((app, n))` when set and well formed.
fn count_mode() -> Option<(String, u64)> {
    let spec = std::env::var("KILN_INVOKE_COUNT").ok()?;
    let (app, n) = spec.split_once(':')?;
    let n = n
        .parse()
        .expect("KILN_INVOKE_COUNT=<floor|floor_default|trivial|host_call|hello>:<n>");
    Some((app.to_owned(), n))
}

/// Runs `n` invocations of `app` (see the module doc) and nothing else.
fn run_count_mode(app: &str, n: u64) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio");
    let floor_pool = match app {
        "floor" => Some(FloorPool::KilnReset),
        "floor_default" => Some(FloorPool::Default),
        _ => None,
    };
    if let Some(pool) = floor_pool {
        let floor: &'static Floor = Box::leak(Box::new(Floor::new(
            &support::trivial(),
            pool,
            COUNT_MODE_SLOTS,
        )));
        for _ in 0..n {
            black_box(floor.invoke());
        }
        println!("COUNT {app}: {n} invocations");
        return;
    }
    let (component, manifest) = match app {
        "trivial" => (support::trivial(), support::manifest()),
        "host_call" => (support::host_call(), support::manifest()),
        "hello" => support::hello("KILN_INVOKE_COUNT").expect("examples/hello builds"),
        other => panic!("KILN_INVOKE_COUNT: unknown component {other:?}"),
    };
    // A small pool: valgrind cannot reserve the default pool's address
    // space, and on-demand allocation would be measured instead.
    let runtime = support::runtime(
        support::in_process_client(),
        InstanceAllocation::Pooling {
            max_concurrent_instances: COUNT_MODE_SLOTS,
        },
    );
    let loaded = rt
        .block_on(runtime.load(component, manifest))
        .expect("component loads");
    time_invocations(&rt, &loaded, n);
    println!("COUNT {app}: {n} invocations ({:?})", runtime.allocator());
}

fn benches(c: &mut Criterion) {
    if let Some((app, n)) = count_mode() {
        run_count_mode(&app, n);
        std::process::exit(0);
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio");
    // The floor's pool has as many slots as Kiln's.
    let slots = engine::DEFAULT_MAX_CONCURRENT_INSTANCES;
    let floor: &'static Floor = Box::leak(Box::new(Floor::new(
        &support::trivial(),
        FloorPool::KilnReset,
        slots,
    )));
    let floor_default: &'static Floor = Box::leak(Box::new(Floor::new(
        &support::trivial(),
        FloorPool::Default,
        slots,
    )));

    let (client, answered) = support::in_process_client_counting();
    let runtime = support::runtime(client, InstanceAllocation::default());
    let trivial = rt
        .block_on(runtime.load(support::trivial(), support::manifest()))
        .expect("trivial loads");
    let host_call = rt
        .block_on(runtime.load(support::host_call(), support::manifest()))
        .expect("host-call loads");
    // The host call goes through the whole pipeline to the in-process
    // stub: the invocation succeeds and `request-jira` ran once, allowed.
    let probe = rt.block_on(host_call.invoke(invocation())).expect("probe");
    assert!(probe.result.is_ok(), "{:?}", probe.result);
    assert_eq!(
        probe.requests, 1,
        "the host-call component calls request-jira once"
    );
    assert_eq!(probe.policy_refusals, 0, "the call is allowed");
    assert_eq!(
        answered.load(std::sync::atomic::Ordering::Relaxed),
        1,
        "the call reached the in-process transport"
    );

    // A real Rust SDK guest: examples/hello (two request-jira calls, JSON
    // in and out), when the wasm32-wasip2 target is there to build it.
    let hello = support::hello("invoke_hello").map(|(wasm, manifest)| {
        rt.block_on(runtime.load(wasm, manifest))
            .expect("hello loads")
    });
    if let Some(hello) = &hello {
        let probe = rt.block_on(hello.invoke(invocation())).expect("probe");
        assert!(probe.result.is_ok(), "{:?}", probe.result);
        assert_eq!(probe.requests, 2, "hello reads the user and one issue");
    }

    let mut group = c.benchmark_group("invoke");
    group.bench_function("floor_default_pool", |b| {
        b.iter(|| black_box(floor_default.invoke()))
    });
    group.bench_function("floor", |b| b.iter(|| black_box(floor.invoke())));
    group.bench_function("invoke_trivial", |b| {
        b.iter_custom(|iters| time_invocations(&rt, &trivial, iters))
    });
    group.bench_function("invoke_host_call", |b| {
        b.iter_custom(|iters| time_invocations(&rt, &host_call, iters))
    });
    if let Some(hello) = &hello {
        group.bench_function("invoke_hello", |b| {
            b.iter_custom(|iters| time_invocations(&rt, hello, iters))
        });
    }
    group.finish();

    // Side by side, interleaved, in this same run.
    let (kiln, raw) = support::side_by_side(
        20_000,
        || {
            time_invocations(&rt, &trivial, 1);
        },
        || {
            black_box(floor.invoke());
        },
    );
    support::report_ratio("invoke_trivial/floor", "invoke_trivial", kiln, "floor", raw);
    let (with_call, without) = support::side_by_side(
        20_000,
        || {
            time_invocations(&rt, &host_call, 1);
        },
        || {
            time_invocations(&rt, &trivial, 1);
        },
    );
    support::report_ratio(
        "invoke_host_call/invoke_trivial",
        "invoke_host_call",
        with_call,
        "invoke_trivial",
        without,
    );
}

criterion_group!(invoke, benches);
criterion_main!(invoke);
