//! Web trigger throughput and latency (issue 15's benchmark), three servers side by side
//! in one run, each answering the same trivial handler (tests/programs/serve-app's
//! `web_echo`: Forge's request in, Forge's response out) with a fresh instance per request:
//!
//! - `kiln`: a real `runtime serve` process (release build), the whole host: listener caps,
//!   trigger id check, admission, Kiln's sandbox and limits, the response shape check;
//! - `floor`: hyper + raw wasmtime in a process of its own: the same component compiled
//!   once, an `InstancePre`, a fresh `Store` per request, WASI granting only the
//!   environment entries Kiln gives the guest (so the handler does the same work), Kiln's
//!   imports as traps (the handler makes no call), no policy and no checks at all;
//! - `node`: Node.js `http` with a fresh `vm` context per request running the same handler
//!   in JavaScript (bench/node-webtrigger.mjs).
//!
//! ```sh
//! cargo build --release -p kiln-cli
//! cargo bench -p kiln-serve --bench web_trigger   # KILN_BENCH_ROUNDS=3 KILN_BENCH_SECONDS=5
//! ```
//!
//! `KILN_BENCH_NODE=0` leaves Node out; `KILN_BENCH_FLOOR_EPOCH=1` and
//! `KILN_BENCH_FLOOR_HEADER_TIMER=1` give the floor Kiln's epoch checks or its header-read
//! timer, to see what each costs alone. Each peak run also reads the server's CPU time
//! (Kiln's and Node's process, the floor's runtime threads), printed per answer: what the
//! server itself spends on a request, whatever share of the cores the client took.
//!
//! Peak: 16 clients in a closed loop (each sends its next request when the last is
//! answered) for `KILN_BENCH_SECONDS`, after one second of warm-up; requests per second and
//! the latency percentiles of that run. Then every server is driven open-loop at half of
//! Kiln's median peak rate (a server whose own peak is lower, at half of its own), and
//! p50/p99 are read there (latency is measured from the moment
//! a request is sent). Rounds are interleaved (kiln, floor, node, kiln, …) and medians
//! printed, so a noisy neighbour hits all three alike. The client runs on one thread of this
//! process: on a two-core machine it shares the cores with the server it measures, the same
//! for all three. No timing is asserted anywhere.

#[path = "../tests/support.rs"]
#[allow(dead_code)]
mod support;

use std::io::BufRead as _;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt as _, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use serde_json::{Value, json};
use support::Launch;
use wasmtime::component::{Component, ComponentExportIndex, InstancePre, Linker, Val};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store};
use wasmtime_wasi::{ResourceTable, WasiCtx, WasiCtxView, WasiView};

/// Clients in the closed loop; Kiln's per-app web limit is raised to match, so no request
/// is refused for want of a slot.
const CLIENTS: usize = 16;
const BODY: &str = r#"{"alert":"disk full","host":"db-1"}"#;

fn main() {
    if let Ok(wasm) = std::env::var(FLOOR_CHILD) {
        Floor::child_main(&wasm);
        return;
    }
    let rounds = env_number("KILN_BENCH_ROUNDS", 3);
    let seconds = Duration::from_secs(env_number("KILN_BENCH_SECONDS", 5) as u64);

    let dir = tempfile::tempdir().expect("temp dir");
    let limits = format!(
        "web_concurrency_per_app = {CLIENTS}\nweb_max_waiting = 1024\nmax_connections = 1024"
    );
    let kiln = Launch {
        limits: &limits,
        log: Some(&dir.path().join("serve.log")),
        ..Launch::new(dir.path())
    }
    .start();
    let kiln_url = kiln.line("webtrigger", Some("echo-in"))["url"]
        .as_str()
        .expect("the echo-in web trigger's URL")
        .to_owned();
    let client_runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    // The floor's guest (and Node's handler) is given the environment Kiln gives it (the
    // handler echoes it), so that all run the same code over the same bytes and answer
    // alike; it is the app's input, not Kiln's policy. `KILN_BENCH_FLOOR_ENV=0` gives them
    // none, as before session 21 (the handler then skips the URL list: less work than
    // Kiln's guest does).
    let floor_env = if env_number("KILN_BENCH_FLOOR_ENV", 1) != 0 {
        let (_, answer) = client_runtime.block_on(post(&kiln_url));
        guest_env_seen(&answer)
    } else {
        Vec::new()
    };
    let floor = Floor::start(&support::built_serve_app(), floor_env.clone());
    // `KILN_BENCH_NODE=0` leaves Node out (Kiln against the floor only, for a quick look).
    let node = (env_number("KILN_BENCH_NODE", 1) != 0).then(|| NodeServer::start(&floor_env));

    let mut targets = vec![
        ("kiln", kiln_url),
        ("floor", format!("http://{}/", floor.addr)),
    ];
    // Each target's server process, in the same order.
    let mut servers = vec![kiln.child.id(), floor.child.id()];
    if let Some(node) = &node {
        targets.push(("node", format!("http://{}/", node.addr)));
        servers.push(node.child.id());
    }
    for (name, url) in &targets {
        let (status, body) = client_runtime.block_on(post(url));
        assert_eq!(status, 200, "{name} answers the trivial handler: {body}");
        eprintln!("{name} answers {} bytes", body.len());
    }

    let mut peak: Vec<Vec<Run>> = targets.iter().map(|_| Vec::new()).collect();
    for round in 0..rounds {
        for (i, (name, url)) in targets.iter().enumerate() {
            settle(&servers);
            client_runtime.block_on(closed_loop(url, Duration::from_secs(1)));
            let cpu_before = cpu_ticks(servers[i]);
            let mut run = client_runtime.block_on(closed_loop(url, seconds));
            run.server_cpu_us = cpu_ticks(servers[i])
                .zip(cpu_before)
                .map(|(after, before)| ticks_to_us(after.saturating_sub(before)));
            eprintln!("round {round} peak {name}: {}", run.describe());
            peak[i].push(run);
        }
    }
    let kiln_peak = median(peak[0].iter().map(|r| r.per_second).collect());
    let rate = kiln_peak / 2.0;
    // A server whose own peak is below the rate would only queue without end (Node's
    // answers then took tens of seconds, and its backlog of connections slowed the Kiln
    // round after it to a p99 of 25 ms): it is paced at half its own peak instead.
    let rates: Vec<f64> = peak
        .iter()
        .map(|runs| {
            let own = median(runs.iter().map(|r| r.per_second).collect());
            if own > rate { rate } else { own / 2.0 }
        })
        .collect();
    let mut paced: Vec<Vec<Run>> = targets.iter().map(|_| Vec::new()).collect();
    for round in 0..rounds {
        for (i, (name, url)) in targets.iter().enumerate() {
            settle(&servers);
            let rate = rates[i];
            let run = client_runtime.block_on(open_loop(url, rate, seconds));
            eprintln!("round {round} at {rate:.0}/s {name}: {}", run.describe());
            paced[i].push(run);
        }
    }

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "WEB_TRIGGER clients={CLIENTS} seconds={} rounds={rounds} cores={cores} (medians; client and server share the cores)",
        seconds.as_secs()
    );
    for (i, (name, _)) in targets.iter().enumerate() {
        let at_peak = median(peak[i].iter().map(|r| r.per_second).collect());
        let p50 = median(paced[i].iter().map(|r| r.percentile(0.50)).collect());
        let p99 = median(paced[i].iter().map(|r| r.percentile(0.99)).collect());
        let cpu = median(peak[i].iter().map(Run::server_cpu_per_answer).collect());
        let paced_at = rates[i];
        let own = if paced_at < rate {
            " (half its own peak)"
        } else {
            ""
        };
        println!(
            "WEB_TRIGGER {name}: peak {at_peak:.0} req/s, server CPU {cpu:.1} us/answer; at {paced_at:.0} req/s{own} p50 {p50:.2} ms p99 {p99:.2} ms"
        );
    }
    let floor_peak = median(peak[1].iter().map(|r| r.per_second).collect());
    println!(
        "RATIO web_trigger: kiln {kiln_peak:.0} req/s / floor {floor_peak:.0} req/s = {:.2}x (target >= 0.8x)",
        kiln_peak / floor_peak
    );
    let cpu = |i: usize| median(peak[i].iter().map(Run::server_cpu_per_answer).collect());
    println!(
        "RATIO web_trigger: server CPU per answer kiln {:.1} us / floor {:.1} us = {:.2}x",
        cpu(0),
        cpu(1),
        cpu(0) / cpu(1)
    );
    if node.is_some() {
        let node_peak = median(peak[2].iter().map(|r| r.per_second).collect());
        println!(
            "RATIO web_trigger: kiln {kiln_peak:.0} req/s / node {node_peak:.0} req/s = {:.2}x (target >= 10x)",
            kiln_peak / node_peak
        );
    }
    drop(kiln);
}

/// Waits (up to a minute) until the server processes `pids` are idle, so that no run
/// shares the cores with the backlog of the one before: driven open-loop at several times
/// its peak rate, Node goes on answering queued requests after its run has ended, and the
/// next server measured (Kiln, from the second round on) would pay for it. Idle: at most
/// one clock tick of CPU each over a quarter of a second. A wait over a second is printed.
fn settle(pids: &[u32]) {
    let started = Instant::now();
    let deadline = started + Duration::from_secs(60);
    let mut before: Vec<Option<u64>> = pids.iter().map(|pid| cpu_ticks(*pid)).collect();
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(250));
        let after: Vec<Option<u64>> = pids.iter().map(|pid| cpu_ticks(*pid)).collect();
        let busy = before
            .iter()
            .zip(&after)
            .any(|(b, a)| matches!((b, a), (Some(b), Some(a)) if a.saturating_sub(*b) > 1));
        if !busy {
            if started.elapsed() > Duration::from_secs(1) {
                eprintln!(
                    "waited {:.1} s for the servers to go idle",
                    started.elapsed().as_secs_f64()
                );
            }
            return;
        }
        before = after;
    }
    eprintln!("servers still busy after a minute: measuring anyway");
}

/// One request of the benchmark's shape: its status and body.
async fn post(url: &str) -> (u16, String) {
    let response = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(BODY)
        .send()
        .await
        .expect("the server answers");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

/// The environment entries serve-app's `web_echo` saw, from its answer's body.
fn guest_env_seen(answer: &str) -> Vec<(String, String)> {
    let seen: Value = serde_json::from_str(answer).expect("web_echo answers JSON");
    [
        ("KILN_WEBTRIGGER_URLS", "webTriggerUrls"),
        ("GREETING", "greeting"),
    ]
    .into_iter()
    .filter_map(|(name, field)| Some((name.to_owned(), seen[field].as_str()?.to_owned())))
    .collect()
}

/// User plus system CPU time of process `pid`, in clock ticks (`/proc/PID/stat`).
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command name in parentheses: state is field 3, utime 14, stime 15.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// Clock ticks (`sysconf(_SC_CLK_TCK)`, 100 on Linux) in microseconds.
fn ticks_to_us(ticks: u64) -> f64 {
    ticks as f64 * 10_000.0
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// One measured run: how many answers per second, and each answer's latency.
struct Run {
    per_second: f64,
    latencies_us: Vec<u64>,
    failures: usize,
    /// CPU time the server spent over the run (closed loop only).
    server_cpu_us: Option<f64>,
}

impl Run {
    /// The latency at quantile `q`, in milliseconds.
    fn percentile(&self, q: f64) -> f64 {
        let mut sorted = self.latencies_us.clone();
        sorted.sort_unstable();
        if sorted.is_empty() {
            return f64::NAN;
        }
        let index = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
        sorted[index] as f64 / 1000.0
    }

    /// The server's CPU time per answer, in microseconds (NaN when not measured).
    fn server_cpu_per_answer(&self) -> f64 {
        match self.server_cpu_us {
            Some(us) if !self.latencies_us.is_empty() => us / self.latencies_us.len() as f64,
            _ => f64::NAN,
        }
    }

    fn describe(&self) -> String {
        format!(
            "{:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {} answers, {} not 200, server CPU {:.1} us/answer",
            self.per_second,
            self.percentile(0.50),
            self.percentile(0.99),
            self.latencies_us.len(),
            self.failures,
            self.server_cpu_per_answer()
        )
    }
}

async fn one(client: &reqwest::Client, url: &str) -> u16 {
    match client
        .post(url)
        .header("content-type", "application/json")
        .body(BODY)
        .send()
        .await
    {
        Ok(response) => {
            let status = response.status().as_u16();
            let _ = response.bytes().await;
            status
        }
        Err(_) => 0,
    }
}

/// `CLIENTS` loops, each sending its next request when the last is answered.
async fn closed_loop(url: &str, length: Duration) -> Run {
    let client = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .expect("client");
    let started = Instant::now();
    let deadline = started + length;
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (client, url) = (client.clone(), url.to_owned());
            tokio::spawn(async move {
                let (mut latencies, mut failures) = (Vec::new(), 0usize);
                while Instant::now() < deadline {
                    let sent = Instant::now();
                    let status = one(&client, &url).await;
                    latencies.push(sent.elapsed().as_micros() as u64);
                    failures += usize::from(status != 200);
                }
                (latencies, failures)
            })
        })
        .collect();
    let mut run = Run {
        per_second: 0.0,
        latencies_us: Vec::new(),
        failures: 0,
        server_cpu_us: None,
    };
    for task in tasks {
        let (latencies, failures) = task.await.expect("client task");
        run.latencies_us.extend(latencies);
        run.failures += failures;
    }
    run.per_second = run.latencies_us.len() as f64 / started.elapsed().as_secs_f64();
    run
}

/// Requests sent at `rate` per second whatever the answers do (each on its own task).
async fn open_loop(url: &str, rate: f64, length: Duration) -> Run {
    let client = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(64)
        .build()
        .expect("client");
    let count = (rate * length.as_secs_f64()) as usize;
    let interval = Duration::from_secs_f64(1.0 / rate);
    let started = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(count);
    for n in 0..count {
        tokio::time::sleep_until(started + interval * n as u32).await;
        let (client, url) = (client.clone(), url.to_owned());
        tasks.push(tokio::spawn(async move {
            let sent = Instant::now();
            let status = one(&client, &url).await;
            (sent.elapsed().as_micros() as u64, status)
        }));
    }
    let mut run = Run {
        per_second: 0.0,
        latencies_us: Vec::with_capacity(count),
        failures: 0,
        server_cpu_us: None,
    };
    for task in tasks {
        let (latency, status) = task.await.expect("client task");
        run.latencies_us.push(latency);
        run.failures += usize::from(status != 200);
    }
    run.per_second = count as f64 / started.elapsed().as_secs_f64();
    run
}

/// The floor's per-request state: WASI with nothing granted.
struct FloorState {
    wasi: WasiCtx,
    table: ResourceTable,
}

impl WasiView for FloorState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

struct FloorApp {
    engine: Engine,
    pre: InstancePre<FloorState>,
    handle: ComponentExportIndex,
    /// The guest's environment (see `guest_env_seen`).
    env: Vec<(String, String)>,
}

/// hyper + raw wasmtime on its own runtime (two worker threads, as `runtime serve`'s), in a
/// process of its own as Kiln's server and Node's are (this benchmark's binary run again
/// with `KILN_BENCH_FLOOR_CHILD` set), so that its CPU time is read apart from the
/// client's. (Until session 21 it ran on threads of the client's process; measured side by
/// side, that made no difference to its throughput.)
struct Floor {
    addr: SocketAddr,
    child: Child,
}

/// Set in the floor's own process: the component to serve.
const FLOOR_CHILD: &str = "KILN_BENCH_FLOOR_CHILD";
/// Set in the floor's own process: the guest's environment, as a JSON list of pairs.
const FLOOR_GUEST_ENV: &str = "KILN_BENCH_FLOOR_GUEST_ENV";

impl Floor {
    fn start(wasm: &Path, env: Vec<(String, String)>) -> Self {
        let mut child = Command::new(std::env::current_exe().expect("this benchmark's path"))
            .env(FLOOR_CHILD, wasm)
            .env(FLOOR_GUEST_ENV, serde_json::to_string(&env).expect("JSON"))
            .stdout(Stdio::piped())
            .spawn()
            .expect("the floor's process starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the floor prints its address");
        Self {
            addr: line.trim().parse().expect("an address"),
            child,
        }
    }

    /// The floor's process: serves until killed, its address printed on the first line.
    fn child_main(wasm: &str) {
        let env: Vec<(String, String)> =
            serde_json::from_str(&std::env::var(FLOOR_GUEST_ENV).unwrap_or_else(|_| "[]".into()))
                .expect("the guest's environment");
        FloorApp::new(Path::new(wasm), env).serve_forever(|addr| {
            use std::io::Write as _;
            let mut stdout = std::io::stdout();
            writeln!(stdout, "{addr}").expect("stdout");
            stdout.flush().expect("stdout");
        });
    }
}

impl Drop for Floor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl FloorApp {
    fn new(wasm: &Path, env: Vec<(String, String)>) -> Arc<Self> {
        let mut pooling = PoolingAllocationConfig::new();
        // `KILN_BENCH_FLOOR_SLOTS` makes the pool small enough for valgrind's address
        // space (BENCHMARKS.md, "instructions per answer"); Kiln's is `[limits] instances`.
        let slots = env_number("KILN_BENCH_FLOOR_SLOTS", 64) as u32;
        pooling
            .total_component_instances(slots)
            .total_core_instances(slots * 4)
            .total_memories(slots * 2)
            .total_tables(slots * 2)
            .total_stacks(slots)
            .max_memory_size(64 << 20);
        kiln_runtime::engine::slot_reset(&mut pooling);
        let mut config = Config::new();
        config
            .wasm_component_model(true)
            // Kiln's deadline instrumentation (a check at each function entry and loop
            // back-edge of the guest): off, as no policy is the floor's definition;
            // `KILN_BENCH_FLOOR_EPOCH=1` compiles it in, to see what it costs alone.
            .epoch_interruption(env_number("KILN_BENCH_FLOOR_EPOCH", 0) != 0)
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pooling));
        let engine = Engine::new(&config).expect("engine");
        let component = Component::from_file(&engine, wasm).expect("serve-app compiles");
        let mut linker: Linker<FloorState> = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).expect("WASI");
        kiln_imports_as_traps(&mut linker, &engine, &component);
        let pre = linker.instantiate_pre(&component).expect("instance pre");
        let (_, handler) = component
            // serve-app is built with the SDK, which targets the newest world.
            .get_export(
                None,
                kiln_runtime::bindings::WorldVersion::NEWEST.handler_export(),
            )
            .expect("handler export");
        let (_, handle) = component
            .get_export(Some(&handler), "handle")
            .expect("handle export");
        Arc::new(FloorApp {
            engine,
            pre,
            handle,
            env,
        })
    }

    /// Serves on a loopback port until the process ends; `listening` is told the address.
    fn serve_forever(self: Arc<Self>, listening: impl FnOnce(SocketAddr)) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("floor runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            listening(listener.local_addr().expect("addr"));
            // Kiln arms hyper's header-read timer on every request of a connection (its
            // slow-client limit); the floor has no limits. `KILN_BENCH_FLOOR_HEADER_TIMER=1`
            // arms the same timer here, to see what it costs alone.
            let header_timer = env_number("KILN_BENCH_FLOOR_HEADER_TIMER", 0) != 0;
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let app = self.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let app = app.clone();
                        async move { app.serve(request).await }
                    });
                    let mut builder = hyper::server::conn::http1::Builder::new();
                    if header_timer {
                        builder
                            .timer(hyper_util::rt::TokioTimer::new())
                            .header_read_timeout(Duration::from_secs(10));
                    }
                    let _ = builder
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    }
}

/// Kiln's own interfaces (`kiln:app/*`) as functions that trap (the handler calls none).
/// Not `define_unknown_imports_as_traps`: it names each import exactly as the component
/// spells it, so a WASI import of another patch version than wasmtime-wasi's (serve-app's
/// `wasi:cli/environment@0.2.6`) would be shadowed by a trap instead of reaching WASI.
fn kiln_imports_as_traps(linker: &mut Linker<FloorState>, engine: &Engine, component: &Component) {
    use wasmtime::component::types::ComponentItem;
    for (name, item) in component.component_type().imports(engine) {
        let ComponentItem::ComponentInstance(instance) = item.ty else {
            continue;
        };
        if !name.starts_with("kiln:") {
            continue;
        }
        let mut defined = linker.instance(name).expect("Kiln's interface");
        for (function, item) in instance.exports(engine) {
            if let ComponentItem::ComponentFunc(_) = item.ty {
                defined
                    .func_new(function, |_, _, _, _| {
                        Err(wasmtime::format_err!("the floor grants no Kiln import"))
                    })
                    .expect("trap");
            }
        }
    }
}

impl FloorApp {
    async fn serve(
        &self,
        request: Request<Incoming>,
    ) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
        let (parts, body) = request.into_parts();
        let body = body
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let mut headers = serde_json::Map::new();
        for (name, value) in &parts.headers {
            if let Ok(text) = value.to_str() {
                headers.insert(name.as_str().to_owned(), json!([text]));
            }
        }
        let payload = json!({
            "method": parts.method.as_str(),
            "path": parts.uri.path(),
            "userPath": "",
            "headers": headers,
            "queryParameters": {},
            "body": String::from_utf8_lossy(&body),
        })
        .to_string();
        let answer = match self.call(payload).await {
            Ok(result) => result,
            Err(error) => {
                return Ok(Response::builder()
                    .status(500)
                    .body(Full::new(Bytes::from(format!("{error:?}"))))
                    .expect("response"));
            }
        };
        let answer: Value = serde_json::from_str(&answer).unwrap_or(Value::Null);
        let mut response =
            Response::builder().status(answer["statusCode"].as_u64().unwrap_or(500) as u16);
        if let Some(headers) = answer["headers"].as_object() {
            for (name, values) in headers {
                for value in values.as_array().into_iter().flatten() {
                    if let Some(value) = value.as_str() {
                        response = response.header(name, value);
                    }
                }
            }
        }
        let body = answer["body"].as_str().unwrap_or_default().to_owned();
        Ok(response
            .body(Full::new(Bytes::from(body)))
            .expect("response"))
    }

    /// A fresh store and instance, one call of `handle`, the store dropped.
    async fn call(&self, payload: String) -> wasmtime::Result<String> {
        let mut store = Store::new(
            &self.engine,
            FloorState {
                wasi: WasiCtx::builder().envs(&self.env).build(),
                table: ResourceTable::new(),
            },
        );
        store.set_epoch_deadline(u64::MAX / 2);
        let instance = self.pre.instantiate_async(&mut store).await?;
        let handle = instance
            .get_func(&mut store, self.handle)
            .ok_or_else(|| wasmtime::format_err!("no handle"))?;
        let context = Val::Record(vec![
            ("invocation-id".into(), Val::String("0".into())),
            ("account-id".into(), Val::Option(None)),
            ("cloud-id".into(), Val::String("bench-cloud".into())),
            (
                "site-url".into(),
                Val::String("https://kiln-bench.atlassian.net".into()),
            ),
            ("module-key".into(), Val::String("echo-in".into())),
            ("installation-id".into(), Val::String("bench".into())),
            ("trigger".into(), Val::Enum("web-trigger".into())),
            ("environment".into(), Val::String("production".into())),
        ]);
        let mut results = [Val::Bool(false)];
        handle
            .call_async(
                &mut store,
                &[
                    Val::String("web_echo".into()),
                    Val::String(payload),
                    context,
                ],
                &mut results,
            )
            .await?;
        match &results[0] {
            Val::Result(Ok(Some(value))) => match value.as_ref() {
                Val::String(text) => Ok(text.clone()),
                other => Err(wasmtime::format_err!("unexpected result {other:?}")),
            },
            other => Err(wasmtime::format_err!("the handler failed: {other:?}")),
        }
    }
}

/// `node bench/node-webtrigger.mjs`, killed when dropped.
struct NodeServer {
    child: Child,
    addr: SocketAddr,
}

impl NodeServer {
    /// `env`: the guest's environment entries, for the handler to echo as serve-app does.
    fn start(env: &[(String, String)]) -> Self {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bench/node-webtrigger.mjs");
        let mut child = Command::new("node")
            .arg(script)
            .envs(env.iter().map(|(name, value)| (name, value)))
            .stdout(Stdio::piped())
            .spawn()
            .expect("node runs (install Node.js)");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("node prints its port");
        let port: Value = serde_json::from_str(&line).expect("a JSON line");
        let port = port["port"].as_u64().expect("port") as u16;
        Self {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        }
    }
}

impl Drop for NodeServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
