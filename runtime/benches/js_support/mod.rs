//! What the JavaScript benchmarks (`js_noop`, `js_two_requests`) share: one
//! handler of a component built by Kiln's JS toolchain, measured three ways
//! in the same rounds (so the shared machine's noise hits all of them
//! alike):
//!
//! * **Kiln**: `Runtime::load` (the compile budget, the engine's allowance,
//!   the artifact cache) then `LoadedApp::invoke` per call: a fresh Store
//!   with the whole sandbox, a fresh instance from the pool, the handler's
//!   JSON in and out, the Store dropped. What an app's invocation costs.
//! * **floor**: the same compiled component on the same engine and pool
//!   (Kiln's configuration: fuel, epochs, slot reset), invoked the raw
//!   wasmtime way: a new Store with an empty WASI context, WASI linked with
//!   wasmtime-wasi's async linker (Kiln's; the sync one lacks the
//!   component's `wasi:clocks/monotonic-clock@0.2.12`), `request-jira`
//!   answered by a canned response when the bench has one ([`Stub`]), the
//!   other `kiln:*` imports defined as traps, instantiate, `handle`, drop.
//!   Kiln minus the floor is Kiln's own per-invocation work.
//! * **Node.js**: a fresh `vm` context per call running the same handler
//!   source (`bench/js-node-vm.mjs`, a child process), when `node` is
//!   installed; with a [`Stub`], `@forge/api`'s `requestJira` resolves a
//!   Response-like object with the same canned JSON.
//!
//! The artifact cache is the user's (`KILN_CACHE_DIR`, …), so only the
//! first run compiles the engine. Environment (both benches):
//! `KILN_JS_COMPONENT` (required), `KILN_JS_MANIFEST` (default: beside the
//! component), `KILN_JS_SOURCE` (default: `<dir>/src/index.js`),
//! `KILN_JS_HANDLER`, `KILN_JS_ITERATIONS` (default 2,000). Kiln's engine counts
//! fuel only if the manifest sets a budget, as `runtime run` and `runtime serve`
//! do (`FuelMetering::for_manifests`); `KILN_JS_FUEL=counted` counts it anyway.
//!
//! For experiments and profiles: `KILN_JS_FLOOR_ONLY=1` runs the floor alone
//! (`KILN_JS_INSTANTIATE_ONLY=1`: instantiate and drop, no call),
//! `KILN_JS_KILN_ONLY=1` Kiln's side alone;
//! `KILN_JS_SHARE_ENGINES=0` compiles Kiln's side whole instead of split
//! around the shared engine (`kiln_runtime::shared_engine`; the floor is
//! always the whole component, so Kiln / floor is what the split costs);
//! `KILN_JS_PERF_MAP=1` gives the floor an engine that writes a perf map
//! (`perf record` then names the guest's functions);
//! `KILN_JS_FLOOR_KEEP_RESIDENT=<bytes>` tries another slot-reset window on
//! the floor without rebuilding Kiln; `KILN_JS_FLOOR_UNMETERED=1` compiles the
//! floor without fuel and epoch checks (what Kiln's metering costs;
//! `=fuel`: without fuel only); `KILN_JS_FLOOR_EPOCH_YIELD=1` gives the
//! floor Kiln's epoch deadline (yield to the executor at every tick).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use kiln_manifest::Manifest;
use kiln_runtime::bindings::v0_2;
use kiln_runtime::engine::{FuelMetering, InstanceAllocation};
use kiln_runtime::runtime::CacheMode;
use kiln_runtime::{Invocation, JiraClient, LoadedApp, Runtime, RuntimeOptions};
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{ComponentExportIndex, InstancePre, Linker, ResourceTable, Val};
use wasmtime::{Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

/// Calls per side per round; rounds alternate Kiln, floor, Node.
const CHUNK: usize = 50;

/// The import the floor answers with the canned response.
const JIRA_INTERFACE: &str = "kiln:app/jira@0.5.0";

/// Canned Jira answers, the same bytes for all three sides: one JSON file per
/// resource in a directory, named by the request path's last segment
/// (`myself.json` answers `/rest/api/3/myself`, `KILN-1.json` answers
/// `/rest/api/3/issue/KILN-1`).
#[derive(Debug, Clone)]
pub struct Stub {
    dir: PathBuf,
    bodies: Arc<BTreeMap<String, bytes::Bytes>>,
}

impl Stub {
    pub fn load(dir: &Path) -> Self {
        let mut bodies = BTreeMap::new();
        for entry in std::fs::read_dir(dir).expect("stub directory readable") {
            let path = entry.expect("stub entry").path();
            if let Some(name) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".json"))
            {
                let body = std::fs::read(&path).expect("stub file readable");
                serde_json::from_slice::<serde_json::Value>(&body).expect("stub file is JSON");
                bodies.insert(name.to_owned(), bytes::Bytes::from(body));
            }
        }
        assert!(!bodies.is_empty(), "no *.json in {}", dir.display());
        Self {
            dir: dir.to_owned(),
            bodies: Arc::new(bodies),
        }
    }

    /// The canned body for a request to `path` (query ignored).
    pub fn answer(&self, path: &str) -> Option<bytes::Bytes> {
        let path = path.split('?').next().unwrap_or(path);
        let last = path.rsplit('/').next().unwrap_or(path);
        self.bodies.get(last).cloned()
    }
}

/// One JavaScript benchmark: which lines it prints, and whether its handler's
/// requests are answered by a stub.
pub struct JsBench {
    /// Prefix of every result line (`JS_NOOP`, `JS_TWO`).
    pub label: &'static str,
    /// The handler when `KILN_JS_HANDLER` is not set.
    pub default_handler: &'static str,
    /// The Jira client Kiln's side uses.
    pub client: JiraClient,
    /// Canned answers for the floor and Node (Kiln's answers come from
    /// `client`'s transport, which must serve the same bytes).
    pub stub: Option<Stub>,
    /// Requests each invocation makes (checked against `answered`).
    pub requests_per_call: u64,
    /// How many requests Kiln's transport has answered so far.
    pub answered: Option<Arc<std::sync::atomic::AtomicU64>>,
}

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

/// Runs `bench` as the module documentation says and prints its lines.
pub fn run(bench: JsBench) {
    let label = bench.label;
    let Some(path) = std::env::var_os("KILN_JS_COMPONENT").map(PathBuf::from) else {
        eprintln!(
            "{label}: skipped (set KILN_JS_COMPONENT to a component built by Kiln's JS toolchain)"
        );
        return;
    };
    let wasm = std::fs::read(&path).expect("component readable");
    let handler = std::env::var("KILN_JS_HANDLER").unwrap_or_else(|_| bench.default_handler.into());
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
    // As `runtime run` and `runtime serve` choose; `KILN_JS_FUEL=counted`
    // counts fuel anyway (Kiln's engine before session 12), for A/B runs.
    let fuel = match std::env::var("KILN_JS_FUEL").as_deref() {
        Ok("counted") => FuelMetering::Counted,
        _ => FuelMetering::for_manifests([&manifest]),
    };
    let runtime = Runtime::new(
        bench.client,
        RuntimeOptions {
            cache: CacheMode::User,
            allocation: InstanceAllocation::default(),
            fuel,
            // `KILN_JS_SHARE_ENGINES=0`: the component compiled whole, as
            // before the shared engine (`kiln_runtime::shared_engine`).
            share_engines: std::env::var("KILN_JS_SHARE_ENGINES").as_deref() != Ok("0"),
            ..RuntimeOptions::default()
        },
    )
    .expect("runtime starts");
    let started = Instant::now();
    let app = rt
        .block_on(runtime.load(wasm.clone(), manifest))
        .expect("the JS component loads");
    eprintln!(
        "{label}: loaded in {:.1} s ({}), {:?}",
        started.elapsed().as_secs_f64(),
        if app.from_cache() {
            "artifact cache"
        } else {
            "compiled"
        },
        runtime.allocator()
    );
    let floor = Floor::new(&runtime, fuel, &wasm, &handler, bench.stub.as_ref());
    let mut node = NodeVm::start(label, &source, &handler, bench.stub.as_ref());

    let mut kiln_times = Vec::with_capacity(iterations);
    let mut floor_times = Vec::with_capacity(iterations);
    let mut node_times = Vec::with_capacity(iterations);
    // Warm-up (and a check that each side really runs the handler).
    let kiln_answer = match &invoke_kiln(&rt, &app).result {
        Ok(value) => value.clone(),
        Err(failure) => panic!("the handler failed in Kiln: {failure}"),
    };
    eprintln!("{label}: Kiln's invocation returned {kiln_answer}");
    floor.check(&rt, label);
    if let Some(node) = node.as_mut() {
        eprintln!("{label}: Node's invocation returned {}", node.answer());
    }
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
            "{label}_FLOOR_ONLY ({}) mean {per_call:.1} µs over {iterations}; per call: {}",
            if call {
                "instantiate + call"
            } else {
                "instantiate only"
            },
            usage.per_call(iterations)
        );
        return;
    }
    if std::env::var_os("KILN_JS_KILN_ONLY").is_some() {
        // For a profiler: Kiln's side alone.
        let before = Usage::now();
        let started = Instant::now();
        for _ in 0..iterations {
            std::hint::black_box(invoke_kiln(&rt, &app));
        }
        let per_call = started.elapsed().as_secs_f64() * 1e6 / iterations as f64;
        let mut usage = Usage::default();
        usage.add(&before, &Usage::now());
        println!(
            "{label}_KILN_ONLY mean {per_call:.1} µs over {iterations}; per call: {}",
            usage.per_call(iterations)
        );
        return;
    }
    for _ in 0..50 {
        invoke_kiln(&rt, &app);
        floor.invoke(&rt);
    }
    let answered_before = bench
        .answered
        .as_ref()
        .map(|a| a.load(std::sync::atomic::Ordering::Relaxed));
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
    if let (Some(answered), Some(before)) = (&bench.answered, answered_before) {
        let made = answered.load(std::sync::atomic::Ordering::Relaxed) - before;
        assert_eq!(
            made,
            bench.requests_per_call * iterations as u64,
            "every timed Kiln invocation made its requests through the transport"
        );
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
        "{label} kiln median {kiln:.1} µs p90 {kiln_p90:.1} µs over {iterations} (load average {load})"
    );
    println!(
        "{label}_FLOOR raw wasmtime instantiate+call median {floor_median:.1} µs p90 {floor_p90:.1} µs over {iterations}"
    );
    println!(
        "{label}_USAGE per call: kiln {} | floor {}",
        kiln_usage.per_call(iterations),
        floor_usage.per_call(iterations)
    );
    if node_times.is_empty() {
        println!("{label}_NODE skipped: node is not installed");
        println!("{label}_RATIO kiln/floor {:.2}", kiln / floor_median);
        return;
    }
    let (node_median, node_p90) = median_p90(&mut node_times);
    println!(
        "{label}_NODE fresh vm context median {node_median:.1} µs p90 {node_p90:.1} µs over {}",
        node_times.len()
    );
    println!(
        "{label}_RATIO kiln/node {:.2} floor/node {:.2} kiln/floor {:.2}",
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
    /// The floor of the component `runtime` loaded, whose engine was made with `fuel`.
    fn new(
        runtime: &Runtime,
        fuel: FuelMetering,
        wasm: &[u8],
        handler: &str,
        stub: Option<&Stub>,
    ) -> Self {
        let engine = match keep_resident_override() {
            None => runtime.engine().clone(),
            Some(bytes) => {
                eprintln!("js bench: the floor's pool keeps {bytes} bytes resident per memory");
                experimental_engine(bytes, fuel)
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
            eprintln!("js bench: the floor compiled its own copy (no artifact cache)");
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
            let mut imports = linker.instance(name).expect("kiln instance");
            for (export, item) in instance.exports(&engine) {
                let ComponentItem::ComponentFunc(_) = item.ty else {
                    continue;
                };
                if let (Some(stub), JIRA_INTERFACE, "request-jira") = (stub, name, export) {
                    // The canned response, lifted into the guest by
                    // wasmtime's typed lowering (as Kiln's bindings do).
                    let stub = stub.clone();
                    imports
                        .func_wrap_async("request-jira", move |_, (request,): (v0_2::Request,)| {
                            let answer = stub.answer(&request.path);
                            Box::new(async move {
                                Ok((match answer {
                                    Some(body) => Ok(v0_2::Response {
                                        status: 200,
                                        headers: vec![(
                                            "content-type".into(),
                                            "application/json".into(),
                                        )],
                                        body: body.to_vec(),
                                    }),
                                    None => Err(v0_2::RequestError::UnknownRoute(request.path)),
                                },))
                            })
                        })
                        .expect("request-jira stub");
                    continue;
                }
                let which = format!("{name}#{export}");
                imports
                    .func_new(export, move |_, _, _, _| {
                        wasmtime::bail!("{which} is not linked on the floor")
                    })
                    .expect("stub");
            }
        }
        let pre = linker
            .instantiate_pre(&component)
            .expect("every import resolves");
        let (_, iface) = component
            .get_export(None, "kiln:app/handler@0.5.0")
            .expect("handler@0.5.0 export");
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
            // Where Kiln's engine counts fuel: unlimited here. (Refused by an
            // engine that does not count it.)
            let _ = store.set_fuel(u64::MAX);
            if std::env::var_os("KILN_JS_FLOOR_EPOCH_YIELD").is_some() {
                // As Kiln does: yield to the executor at every epoch tick.
                store.set_epoch_deadline(1);
                store.epoch_deadline_callback(|_| Ok(wasmtime::UpdateDeadline::Yield(1)));
            } else {
                store.set_epoch_deadline(1 << 40);
            }
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

    fn check(&self, rt: &tokio::runtime::Runtime, label: &str) {
        match self.invoke(rt) {
            Val::Result(Ok(Some(value))) => eprintln!("{label}: the floor returned {value:?}"),
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

/// An engine of Kiln's configuration (fuel counted as `fuel` says) with the
/// pool's keep-resident window at `keep_resident`; with `KILN_JS_PERF_MAP` set,
/// it writes `/tmp/perf-<pid>.map` so that `perf report` names the guest's
/// functions.
fn experimental_engine(keep_resident: usize, fuel: FuelMetering) -> Engine {
    // What fuel metering and epoch checks cost the engine's code: the floor
    // compiled without them (another artifact, compiled once); `fuel` drops
    // fuel only, anything else both.
    let unmetered = std::env::var_os("KILN_JS_FLOOR_UNMETERED");
    let fuel = if unmetered.is_some() {
        FuelMetering::Off
    } else {
        fuel
    };
    let mut config =
        kiln_runtime::engine::engine_config(&InstanceAllocation::OnDemand, 256 << 20, fuel);
    if std::env::var_os("KILN_JS_PERF_MAP").is_some() {
        config.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    if unmetered.is_some_and(|what| what != "fuel") {
        config.epoch_interruption(false);
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
    fn start(label: &str, source: &Path, handler: &str, stub: Option<&Stub>) -> Option<Self> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bench/js-node-vm.mjs");
        let export = handler.rsplit('.').next().unwrap_or(handler);
        let mut command = Command::new("node");
        command.arg(&script).arg(source).arg(export);
        if let Some(stub) = stub {
            command.arg(&stub.dir);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|error| eprintln!("{label}: no Node.js side ({error})"))
            .ok()?;
        let stdin = child.stdin.take()?;
        let stdout = BufReader::new(child.stdout.take()?);
        Some(Self {
            child,
            stdin,
            stdout,
        })
    }

    fn line(&mut self, order: &str) -> String {
        writeln!(self.stdin, "{order}").expect("node reads its orders");
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("node answers");
        line
    }

    /// What one invocation in Node returned (JSON), to check it runs.
    fn answer(&mut self) -> String {
        self.line("show").trim_end().to_owned()
    }

    /// `n` timed calls in Node, in µs.
    fn run(&mut self, n: usize) -> Vec<f64> {
        let line = self.line(&n.to_string());
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
