//! `js-profile COMPONENT [CALLS]`: instantiates a Kiln JS component (world
//! `kiln:app@0.4.0`) CALLS times on raw wasmtime 48, calling `handle` with
//! `HANDLER` (default `index.noop`) each time, as the floor of
//! `runtime/benches/js_noop.rs` does: fresh Store, pooled instance, `kiln:*`
//! imports as traps, epoch checks on, no fuel. `PERFMAP=1` writes a perf map
//! (`perf record -g` then names the engine's functions when the component was
//! built with StarlingMonkey's debug engine); `INSTANTIATE_ONLY=1` skips the
//! call. The compiled component is kept beside it (`COMPONENT.cwasm`).

use std::time::Instant;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, Linker, ResourceTable, Val};
use wasmtime::{Config, Engine, Store};
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
    let path = std::env::args().nth(1).expect("component");
    let iterations: usize = std::env::args()
        .nth(2)
        .map(|s| s.parse().unwrap())
        .unwrap_or(1000);
    let handler = std::env::var("HANDLER").unwrap_or_else(|_| "index.noop".into());
    let mut config = Config::new();
    config.epoch_interruption(true);
    if std::env::var_os("PERFMAP").is_some() {
        config.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    let mut pool = wasmtime::PoolingAllocationConfig::new();
    pool.total_component_instances(4)
        .total_stacks(4)
        .total_memories(8)
        .total_tables(16)
        .total_core_instances(32)
        .max_memory_size(256 << 20);
    pool.linear_memory_keep_resident(1 << 20)
        .table_keep_resident(1 << 20);
    config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool));
    let engine = Engine::new(&config).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let t = Instant::now();
    let cache = format!("{path}.cwasm");
    let component = if let Ok(c) = std::fs::read(&cache) {
        // SAFETY: written by this program from `path` on this engine
        // configuration; a profiling tool run by hand, on one's own files.
        unsafe { Component::deserialize(&engine, &c).unwrap() }
    } else {
        let c = Component::new(&engine, &bytes).unwrap();
        std::fs::write(&cache, c.serialize().unwrap()).unwrap();
        c
    };
    eprintln!("loaded in {:?}", t.elapsed());
    let mut linker: Linker<State> = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker).unwrap();
    let mut handler_iface = None;
    for (name, item) in component.component_type().imports(&engine) {
        let ComponentItem::ComponentInstance(instance) = item.ty else {
            continue;
        };
        if !name.starts_with("kiln:") {
            continue;
        }
        let mut imports = linker.instance(name).unwrap();
        for (export, item) in instance.exports(&engine) {
            let ComponentItem::ComponentFunc(_) = item.ty else {
                continue;
            };
            let which = format!("{name}#{export}");
            imports
                .func_new(export, move |_, _, _, _| {
                    wasmtime::bail!("{which} not linked")
                })
                .unwrap();
        }
    }
    for (name, _) in component.component_type().exports(&engine) {
        if name.starts_with("kiln:app/handler@") {
            handler_iface = Some(name.to_string());
        }
    }
    let pre = linker.instantiate_pre(&component).unwrap();
    let (_, iface) = component.get_export(None, &handler_iface.unwrap()).unwrap();
    let (_, handle) = component.get_export(Some(&iface), "handle").unwrap();
    let args = [Val::String(handler), Val::String("{}".into()), context()];
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let run = |call: bool| {
        rt.block_on(async {
            let mut store = Store::new(
                &engine,
                State {
                    wasi: WasiCtxBuilder::new().build(),
                    table: ResourceTable::new(),
                },
            );
            store.set_epoch_deadline(1 << 40);
            let instance = pre.instantiate_async(&mut store).await.unwrap();
            if !call {
                return Val::Bool(false);
            }
            let func = instance.get_func(&mut store, handle).unwrap();
            let mut results = [Val::Bool(false)];
            func.call_async(&mut store, &args, &mut results)
                .await
                .unwrap();
            let [r] = results;
            r
        })
    };
    eprintln!("first: {:?}", run(true));
    let call = std::env::var_os("INSTANTIATE_ONLY").is_none();
    let t = Instant::now();
    for _ in 0..iterations {
        std::hint::black_box(run(call));
    }
    println!(
        "mean {:.1} µs over {iterations} (call={call})",
        t.elapsed().as_secs_f64() * 1e6 / iterations as f64
    );
}
