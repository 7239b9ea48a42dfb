//! A JavaScript no-op invocation: a component built by Kiln's JS toolchain
//! (StarlingMonkey, pre-initialised by wizer), measured three ways in one
//! run, interleaved in rounds so that the shared machine's noise hits all
//! of them alike:
//!
//! * **Kiln**: `Runtime::load` (the compile budget, the engine's allowance,
//!   the artifact cache) then `LoadedApp::invoke` per call: a fresh Store
//!   with the whole sandbox, a fresh instance from the pool, the handler's
//!   JSON in and out, the Store dropped. What an app's invocation costs in
//!   Kiln.
//! * **floor**: the same compiled component on the same engine and pool
//!   (Kiln's configuration: fuel, epochs, slot reset), invoked the raw
//!   wasmtime way: a new Store with an empty WASI context, WASI linked with
//!   wasmtime-wasi's async linker (Kiln's; the sync one lacks the
//!   component's `wasi:clocks/monotonic-clock@0.2.12`), the kiln:app imports
//!   defined as traps (a no-op calls none), instantiate, `handle`, drop.
//!   Kiln minus the floor is Kiln's own per-invocation work; the floor is
//!   the engine's: instantiating its snapshot and running its JavaScript.
//! * **Node.js**: a fresh `vm` context per call running the same handler
//!   source (`bench/js-node-vm.mjs`, a child process), when `node` is
//!   installed.
//!
//! `KILN_JS_COMPONENT=<component.wasm> cargo bench -p kiln-runtime --bench js_noop`
//! (the manifest is read from beside the component, or `KILN_JS_MANIFEST`;
//! the handler source for Node from `<dir>/src/index.js`, or
//! `KILN_JS_SOURCE`; `bench/js-vs-node` builds the component and runs this).
//! The artifact cache is the user's (`KILN_CACHE_DIR`, …), so only the first
//! run compiles the engine. Prints `JS_NOOP kiln median <µs> µs …`,
//! `JS_NOOP_FLOOR … median <µs> µs …`, `JS_NOOP_NODE median <µs> µs …`,
//! `JS_NOOP_USAGE …` (page faults and CPU time per call) and `JS_NOOP_RATIO …`.
//!
//! For experiments and profiles: `KILN_JS_FLOOR_ONLY=1` runs the floor alone;
//! `KILN_JS_PERF_MAP=1` gives the floor an engine that writes a perf map
//! (`perf record` then names the guest's functions);
//! `KILN_JS_FLOOR_KEEP_RESIDENT=<bytes>` tries another slot-reset window on
//! the floor without rebuilding Kiln; `KILN_JS_FLOOR_UNMETERED=1` compiles the
//! floor without fuel and epoch checks (what Kiln's metering costs;
//! `=fuel`: without fuel only).

mod support;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Instant;

use kiln_manifest::Manifest;
use kiln_runtime::engine::InstanceAllocation;
use kiln_runtime::runtime::CacheMode;
use kiln_runtime::{Invocation, LoadedApp, Runtime, RuntimeOptions};
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{ComponentExportIndex, InstancePre, Linker, ResourceTable, Val};
use wasmtime::{Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

/// Calls per side per round; rounds alternate Kiln, floor, Node.
const CHUNK: usize = 50;

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
    let Some(path) = std::env::var_os("KILN_JS_COMPONENT").map(PathBuf::from) else {
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
    let manifest_path = std::env::var_os("KILN_JS_MANIFEST")
        .map(PathBuf::from)
        .unwrap_or_else(|| path.with_file_name("manifest.yml"));
    let manifest = Manifest::load(&manifest_path).expect("the component's manifest loads");
    let source = std::env::var_os("KILN_JS_SOURCE")
        .map(PathBuf::from)
        .unwrap_or_else(|| path.with_file_name("src").join("index.js"));

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio");
    let runtime = Runtime::new(
        support::in_process_client(),
        RuntimeOptions {
            cache: CacheMode::User,
            allocation: InstanceAllocation::default(),
            ..RuntimeOptions::default()
        },
    )
    .expect("runtime starts");
    let started = Instant::now();
    let app = rt
        .block_on(runtime.load(wasm.clone(), manifest))
        .expect("the JS component loads");
    eprintln!(
        "js_noop: loaded in {:.1} s ({}), {:?}",
        started.elapsed().as_secs_f64(),
        if app.from_cache() {
            "artifact cache"
        } else {
            "compiled"
        },
        runtime.allocator()
    );
    let floor = Floor::new(&runtime, &wasm, &handler);
    let mut node = NodeVm::start(&source, &handler);

    let mut kiln_times = Vec::with_capacity(iterations);
    let mut floor_times = Vec::with_capacity(iterations);
    let mut node_times = Vec::with_capacity(iterations);
    // Warm-up (and a check that each side really runs the handler).
    match &invoke_kiln(&rt, &app).result {
        Ok(value) => eprintln!("js_noop: Kiln's invocation returned {value}"),
        Err(failure) => panic!("the no-op handler failed in Kiln: {failure}"),
    }
    floor.check(&rt);
    if std::env::var_os("KILN_JS_FLOOR_ONLY").is_some() {
        // For a profiler: the floor alone, nothing printed but the time.
        // `KILN_JS_INSTANTIATE_ONLY`: instantiate and drop, no call.
        let call = std::env::var_os("KILN_JS_INSTANTIATE_ONLY").is_none();
        let before = Usage::now();
        let started = Instant::now();
        for _ in 0..iterations {
            std::hint::black_box(floor.run(&rt, call));
        }
        let per_call = started.elapsed().as_secs_f64() * 1e6 / iterations as f64;
        let mut usage = Usage::default();
        usage.add(&before, &Usage::now());
        println!(
            "JS_NOOP_FLOOR_ONLY ({}) mean {per_call:.1} µs over {iterations}; per call: {}",
            if call {
                "instantiate + call"
            } else {
                "instantiate only"
            },
            usage.per_call(iterations)
        );
        return;
    }
    for _ in 0..50 {
        invoke_kiln(&rt, &app);
        floor.invoke(&rt);
    }
    let mut kiln_usage = Usage::default();
    let mut floor_usage = Usage::default();
    while kiln_times.len() < iterations {
        let n = CHUNK.min(iterations - kiln_times.len());
        let before = Usage::now();
        for _ in 0..n {
            let t = Instant::now();
            std::hint::black_box(invoke_kiln(&rt, &app));
            kiln_times.push(t.elapsed().as_secs_f64() * 1e6);
        }
        let between = Usage::now();
        for _ in 0..n {
            let t = Instant::now();
            std::hint::black_box(floor.invoke(&rt));
            floor_times.push(t.elapsed().as_secs_f64() * 1e6);
        }
        let after = Usage::now();
        kiln_usage.add(&before, &between);
        floor_usage.add(&between, &after);
        if let Some(node) = node.as_mut() {
            node_times.extend(node.run(n));
        }
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    let (kiln, kiln_p90) = median_p90(&mut kiln_times);
    let (floor_median, floor_p90) = median_p90(&mut floor_times);
    println!(
        "JS_NOOP kiln median {kiln:.1} µs p90 {kiln_p90:.1} µs over {iterations} (load average {load})"
    );
    println!(
        "JS_NOOP_FLOOR raw wasmtime instantiate+call median {floor_median:.1} µs p90 {floor_p90:.1} µs over {iterations}"
    );
    println!(
        "JS_NOOP_USAGE per call: kiln {} | floor {}",
        kiln_usage.per_call(iterations),
        floor_usage.per_call(iterations)
    );
    if node_times.is_empty() {
        println!("JS_NOOP_NODE skipped: node is not installed");
        println!("JS_NOOP_RATIO kiln/floor {:.2}", kiln / floor_median);
        return;
    }
    let (node_median, node_p90) = median_p90(&mut node_times);
    println!(
        "JS_NOOP_NODE fresh vm context median {node_median:.1} µs p90 {node_p90:.1} µs over {}",
        node_times.len()
    );
    println!(
        "JS_NOOP_RATIO kiln/node {:.2} floor/node {:.2} kiln/floor {:.2}",
        kiln / node_median,
        floor_median / node_median,
        kiln / floor_median
    );
}

/// Median and 90th percentile, in µs, of `samples` (sorted in place).
fn median_p90(samples: &mut [f64]) -> (f64, f64) {
    samples.sort_by(f64::total_cmp);
    (samples[samples.len() / 2], samples[samples.len() * 9 / 10])
}

/// The process's page faults and CPU time (`/proc/self/stat`), summed over
/// the timed chunks of one side: where a call's time goes (user code, the
/// kernel's page faults and `madvise`).
#[derive(Debug, Default, Clone, Copy)]
struct Usage {
    minor_faults: u64,
    user_ticks: u64,
    system_ticks: u64,
}

impl Usage {
    fn now() -> Self {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        // Fields after the command name (which may hold spaces), from field 3.
        let fields: Vec<u64> = stat
            .rsplit_once(") ")
            .map(|(_, rest)| rest.split(' ').map(|f| f.parse().unwrap_or(0)).collect())
            .unwrap_or_default();
        let field = |n: usize| fields.get(n - 3).copied().unwrap_or(0);
        Self {
            minor_faults: field(10),
            user_ticks: field(14),
            system_ticks: field(15),
        }
    }

    fn add(&mut self, from: &Usage, to: &Usage) {
        self.minor_faults += to.minor_faults - from.minor_faults;
        self.user_ticks += to.user_ticks - from.user_ticks;
        self.system_ticks += to.system_ticks - from.system_ticks;
    }

    fn per_call(&self, calls: usize) -> String {
        // Clock ticks are 10 ms on Linux (`getconf CLK_TCK` = 100).
        let us = |ticks: u64| ticks as f64 * 10_000.0 / calls as f64;
        format!(
            "{:.0} minor faults, {:.0} µs user, {:.0} µs system",
            self.minor_faults as f64 / calls as f64,
            us(self.user_ticks),
            us(self.system_ticks)
        )
    }
}

/// Kiln's invocation path, as `runtime run` and `runtime serve` take it.
fn invoke_kiln(rt: &tokio::runtime::Runtime, app: &LoadedApp) -> kiln_runtime::Invoked {
    rt.block_on(app.invoke(Invocation {
        payload: "{}".into(),
        ..Invocation::default()
    }))
    .expect("the invocation starts")
}

/// The raw wasmtime path (see the module's documentation).
struct Floor {
    engine: Engine,
    pre: InstancePre<State>,
    handle: ComponentExportIndex,
    args: [Val; 3],
}

impl Floor {
    fn new(runtime: &Runtime, wasm: &[u8], handler: &str) -> Self {
        let engine = match keep_resident_override() {
            None => runtime.engine().clone(),
            Some(bytes) => {
                eprintln!("js_noop: the floor's pool keeps {bytes} bytes resident per memory");
                experimental_engine(bytes)
            }
        };
        // The artifact Kiln's load just cached (same engine configuration),
        // so the floor runs exactly Kiln's machine code.
        let digest = kiln_runtime::compiled::ComponentSha::of(wasm);
        let (component, from_cache) = kiln_runtime::cache::compile_cached(
            &engine,
            runtime.cache(),
            wasm,
            &digest,
            |_| Ok(()),
        )
        .expect("component compiles");
        if !from_cache {
            eprintln!("js_noop: the floor compiled its own copy (no artifact cache)");
        }
        let mut linker: Linker<State> = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).expect("wasi");
        // Not `define_unknown_imports_as_traps`: it looks names up exactly,
        // so it would stub the component's `wasi:io/poll@0.2.12` (which the
        // WASI linker serves by semver) with another `pollable` type.
        for (name, item) in component.component_type().imports(&engine) {
            let ComponentItem::ComponentInstance(instance) = item.ty else {
                continue;
            };
            if !name.starts_with("kiln:") {
                continue;
            }
            let mut stub = linker.instance(name).expect("kiln instance");
            for (export, item) in instance.exports(&engine) {
                if let ComponentItem::ComponentFunc(_) = item.ty {
                    let which = format!("{name}#{export}");
                    stub.func_new(export, move |_, _, _, _| {
                        wasmtime::bail!("{which} is not linked on the floor")
                    })
                    .expect("stub");
                }
            }
        }
        let pre = linker
            .instantiate_pre(&component)
            .expect("every import resolves");
        let (_, iface) = component
            .get_export(None, "kiln:app/handler@0.2.0")
            .expect("handler@0.2.0 export");
        let (_, handle) = component
            .get_export(Some(&iface), "handle")
            .expect("handle export");
        Self {
            engine,
            pre,
            handle,
            args: [
                Val::String(handler.to_owned()),
                Val::String("{}".into()),
                context(),
            ],
        }
    }

    fn invoke(&self, rt: &tokio::runtime::Runtime) -> Val {
        self.run(rt, true)
    }

    /// One instance: instantiated, `handle` called if `call`, dropped.
    fn run(&self, rt: &tokio::runtime::Runtime, call: bool) -> Val {
        rt.block_on(async {
            let mut store = Store::new(
                &self.engine,
                State {
                    wasi: WasiCtxBuilder::new().build(),
                    table: ResourceTable::new(),
                },
            );
            // Kiln's engine meters fuel and epochs: unlimited here.
            // (Refused on the unmetered experimental engine, which has none.)
            let _ = store.set_fuel(u64::MAX);
            store.set_epoch_deadline(1 << 40);
            let instance = self
                .pre
                .instantiate_async(&mut store)
                .await
                .expect("instantiate");
            if !call {
                return Val::Bool(false);
            }
            let func = instance.get_func(&mut store, self.handle).expect("handle");
            let mut results = [Val::Bool(false)];
            func.call_async(&mut store, &self.args, &mut results)
                .await
                .expect("call");
            let [result] = results;
            result
        })
    }

    fn check(&self, rt: &tokio::runtime::Runtime) {
        match self.invoke(rt) {
            Val::Result(Ok(Some(value))) => eprintln!("js_noop: the floor returned {value:?}"),
            other => panic!("the handler failed on the floor: {other:?}"),
        }
    }
}

/// `KILN_JS_FLOOR_KEEP_RESIDENT=<bytes>`: run the floor on an engine of
/// Kiln's configuration whose pool resets up to that many dirty bytes per
/// memory with `memset` (Kiln's is `engine::memory_keep_resident()`), to
/// try a setting without rebuilding Kiln. Compiled code does not depend on
/// the pool, so the cached artifact loads into it.
fn keep_resident_override() -> Option<usize> {
    let keep = std::env::var("KILN_JS_FLOOR_KEEP_RESIDENT").ok();
    let own_engine = std::env::var_os("KILN_JS_PERF_MAP").is_some()
        || std::env::var_os("KILN_JS_FLOOR_UNMETERED").is_some();
    match keep {
        Some(bytes) => bytes.parse().ok(),
        None if own_engine => Some(kiln_runtime::engine::memory_keep_resident()),
        None => None,
    }
}

/// An engine of Kiln's configuration with the pool's keep-resident window at
/// `keep_resident`; with `KILN_JS_PERF_MAP` set, it writes `/tmp/perf-<pid>.map`
/// so that `perf report` names the guest's functions.
fn experimental_engine(keep_resident: usize) -> Engine {
    let mut config = kiln_runtime::engine::engine_config(&InstanceAllocation::OnDemand, 256 << 20);
    if std::env::var_os("KILN_JS_PERF_MAP").is_some() {
        config.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    if let Some(what) = std::env::var_os("KILN_JS_FLOOR_UNMETERED") {
        // What fuel metering and epoch checks cost the engine's code: the
        // floor compiled without them (another artifact, compiled once);
        // `fuel` drops fuel only, anything else both.
        config.consume_fuel(false);
        if what != "fuel" {
            config.epoch_interruption(false);
        }
    }
    let mut pool = wasmtime::PoolingAllocationConfig::new();
    pool.total_component_instances(4)
        .total_stacks(4)
        .total_memories(8)
        .total_tables(16)
        .total_core_instances(32)
        .max_memory_size(256 << 20);
    kiln_runtime::engine::slot_reset(&mut pool);
    pool.linear_memory_keep_resident(keep_resident);
    config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&config).expect("experimental engine")
}

/// `bench/js-node-vm.mjs` in a child process.
struct NodeVm {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl NodeVm {
    fn start(source: &Path, handler: &str) -> Option<Self> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bench/js-node-vm.mjs");
        let export = handler.rsplit('.').next().unwrap_or(handler);
        let mut child = Command::new("node")
            .arg(&script)
            .arg(source)
            .arg(export)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|error| eprintln!("js_noop: no Node.js side ({error})"))
            .ok()?;
        let stdin = child.stdin.take()?;
        let stdout = BufReader::new(child.stdout.take()?);
        Some(Self {
            child,
            stdin,
            stdout,
        })
    }

    /// `n` timed calls in Node, in µs.
    fn run(&mut self, n: usize) -> Vec<f64> {
        writeln!(self.stdin, "{n}").expect("node reads its orders");
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("node answers");
        let times: Vec<f64> = line
            .split_whitespace()
            .map(|t| t.parse().expect("a timing"))
            .collect();
        assert_eq!(times.len(), n, "node answered {line:?}");
        times
    }
}

impl Drop for NodeVm {
    fn drop(&mut self) {
        // An empty line stops the script; a child that did not stop is killed.
        let _ = writeln!(self.stdin);
        let _ = self.stdin.flush();
        for _ in 0..50 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
