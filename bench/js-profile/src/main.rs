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

/// `STUB_DIR=dir`: `request-jira` answers 200 with `dir/<last path segment>.json`
/// (the two-request bench's stubs), as the bench floor does, no policy.
fn canned(dir: &std::path::Path, request: &Val) -> Val {
    let Val::Record(fields) = request else {
        panic!("request is a record")
    };
    let path = fields
        .iter()
        .find_map(|(name, value)| match (name.as_str(), value) {
            ("path", Val::String(path)) => Some(path.clone()),
            _ => None,
        })
        .expect("request has a path");
    let last = path.rsplit('/').next().unwrap_or_default();
    let body = std::fs::read(dir.join(format!("{last}.json"))).expect("a stub per path");
    let header = |k: &str, v: &str| Val::Tuple(vec![Val::String(k.into()), Val::String(v.into())]);
    Val::Result(Ok(Some(Box::new(Val::Record(vec![
        ("status".into(), Val::U16(200)),
        (
            "headers".into(),
            Val::List(vec![header("content-type", "application/json")]),
        ),
        (
            "body".into(),
            Val::List(body.into_iter().map(Val::U8).collect()),
        ),
    ])))))
}

/// This process's user and system CPU time so far, in clock ticks (1/100 s).
fn cpu_ticks() -> (u64, u64) {
    let fields = stat_fields();
    (fields[11].parse().expect("utime"), fields[12].parse().expect("stime"))
}

/// Minor page faults of the process so far.
fn minor_faults() -> u64 {
    stat_fields()[7].parse().expect("minflt")
}

/// `/proc/self/stat`'s fields after the command name (in parentheses).
fn stat_fields() -> Vec<String> {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    stat[stat.rfind(')').expect("comm") + 2..]
        .split(' ')
        .map(str::to_owned)
        .collect()
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
    // Kiln's slot reset (runtime/src/engine.rs): dirty pages found with
    // PAGEMAP_SCAN, reset in place up to KEEP_RESIDENT bytes (default 1 MiB).
    let keep_resident = std::env::var("KEEP_RESIDENT")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1 << 20);
    pool.linear_memory_keep_resident(keep_resident)
        .table_keep_resident(64 << 10)
        .pagemap_scan(wasmtime::Enabled::Auto);
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
            if export == "request-jira" {
                if let Some(dir) = std::env::var_os("STUB_DIR") {
                    let dir = std::path::PathBuf::from(dir);
                    imports
                        .func_new(export, move |_, _, params, results| {
                            results[0] = canned(&dir, &params[0]);
                            Ok(())
                        })
                        .unwrap();
                    continue;
                }
            }
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
    let cpu_before = cpu_ticks();
    let faults_before = minor_faults();
    let t = Instant::now();
    let mut each = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let one = Instant::now();
        std::hint::black_box(run(call));
        each.push(one.elapsed().as_secs_f64() * 1e6);
    }
    let wall = t.elapsed().as_secs_f64();
    let (user, system) = cpu_ticks();
    let faults = minor_faults() - faults_before;
    each.sort_by(f64::total_cmp);
    let per_call = |ticks: u64| ticks as f64 * 1e4 / iterations.max(1) as f64;
    println!(
        "mean {:.1} µs, median {:.1} µs, p10 {:.1} µs over {iterations} (call={call}); CPU per call: user {:.0} µs, system {:.0} µs; {:.1} minor faults per call",
        wall * 1e6 / iterations as f64,
        each.get(iterations / 2).copied().unwrap_or_default(),
        each.get(iterations / 10).copied().unwrap_or_default(),
        per_call(user - cpu_before.0),
        per_call(system - cpu_before.1),
        faults as f64 / iterations.max(1) as f64,
    );
}
