//! A JavaScript no-op invocation, Kiln's way: a fresh Store and instance of a
//! component built by Kiln's JS toolchain (StarlingMonkey, pre-initialised by
//! wizer) per call, on a pooling engine with Kiln's slot reset, then the
//! `handle` export called and the Store dropped.
//!
//! `KILN_JS_COMPONENT=<component.wasm> cargo bench -p kiln-runtime --bench js_noop`
//! (`bench/js-vs-node` builds the component and runs this beside Node).
//!
//! Until the host serves kiln:app@0.2.0 (branch wit), this is the raw
//! wasmtime path with WASI linked and the kiln:app imports defined as traps
//! (a no-op handler calls none): the floor of what Kiln's invocation will
//! cost, without Kiln's per-invocation checks. Prints
//! `JS_NOOP instantiate+call median <µs> µs (compile <s> s)`.

use std::time::Instant;

use kiln_runtime::engine;
use wasmtime::component::{Component, Linker, ResourceTable, Val};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

struct State {
    wasi: WasiCtx,
    table: ResourceTable,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

fn context() -> Val {
    let s = |v: &str| Val::String(v.into());
    Val::Record(vec![
        ("invocation-id".into(), s("0")),
        ("account-id".into(), Val::Option(None)),
        ("cloud-id".into(), s("bench-cloud")),
        ("site-url".into(), s("https://kiln-bench.atlassian.net")),
        ("module-key".into(), s("main")),
        ("installation-id".into(), s("bench-installation")),
        ("trigger".into(), Val::Enum("function".into())),
        ("environment".into(), s("development")),
    ])
}

fn main() {
    let Some(path) = std::env::var_os("KILN_JS_COMPONENT") else {
        eprintln!(
            "js_noop: skipped (set KILN_JS_COMPONENT to a component built by Kiln's JS toolchain)"
        );
        return;
    };
    let wasm = std::fs::read(&path).expect("component readable");
    let handler = std::env::var("KILN_JS_HANDLER").unwrap_or_else(|_| "index.noop".into());
    let iterations: usize = std::env::var("KILN_JS_ITERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2_000);

    let mut pooling = PoolingAllocationConfig::new();
    pooling
        .total_component_instances(4)
        .total_core_instances(32)
        .total_memories(8)
        .total_tables(16)
        .total_stacks(4)
        .max_memory_size(256 << 20);
    engine::slot_reset(&mut pooling);
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pooling));
    let engine = Engine::new(&config).expect("engine");

    let started = Instant::now();
    let component = Component::new(&engine, &wasm).expect("component compiles");
    let compile_s = started.elapsed().as_secs_f64();

    let mut linker: Linker<State> = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).expect("wasi");
    linker
        .define_unknown_imports_as_traps(&component)
        .expect("kiln imports as traps");
    let pre = linker.instantiate_pre(&component).expect("instance pre");
    let (_, iface) = component
        .get_export(None, "kiln:app/handler@0.2.0")
        .expect("handler@0.2.0 export");
    let (_, handle) = component
        .get_export(Some(&iface), "handle")
        .expect("handle export");
    let args = [
        Val::String(handler.clone()),
        Val::String("{}".into()),
        context(),
    ];

    let invoke = || {
        let mut store = Store::new(
            &engine,
            State {
                wasi: WasiCtxBuilder::new().build(),
                table: ResourceTable::new(),
            },
        );
        let instance = pre.instantiate(&mut store).expect("instantiate");
        let func = instance.get_func(&mut store, handle).expect("handle");
        let mut results = [Val::Bool(false)];
        func.call(&mut store, &args, &mut results).expect("call");
        results
    };
    let first = invoke();
    match &first[0] {
        Val::Result(Ok(Some(value))) => eprintln!("js_noop: {handler} returned {value:?}"),
        other => panic!("{handler} failed: {other:?}"),
    }
    for _ in 0..50 {
        invoke();
    }
    let mut times: Vec<f64> = (0..iterations)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(invoke());
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let p90 = times[times.len() * 9 / 10];
    println!(
        "JS_NOOP instantiate+call median {median:.1} µs p90 {p90:.1} µs over {iterations} (compile {compile_s:.1} s)"
    );
}
