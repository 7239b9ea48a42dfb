//! What every benchmark stands on: the benchmark components (hand-written
//! WAT in `benches/components`, compiled at start), their manifest, Jira
//! clients for the in-process and the simulator cases, and side-by-side
//! medians for the ratio lines.

#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use kiln_manifest::Manifest;
use kiln_runtime::engine::InstanceAllocation;
use kiln_runtime::jira::client::Transport;
use kiln_runtime::runtime::CacheMode;
use kiln_runtime::{
    Credential, Credentials, HttpLimits, JiraClient, Runtime, RuntimeOptions, Site,
};
use kiln_sim::{SimConfig, Simulator};

/// The user every simulator-backed benchmark acts as.
pub const SIM_USER: &str = "admin@example.com";

/// A component from `benches/components/<name>.wat`.
pub fn component(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("benches/components")
        .join(format!("{name}.wat"));
    wat::parse_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The trivial component: `handle` returns `null`.
pub fn trivial() -> Vec<u8> {
    component("trivial")
}

/// The host-call component: one `request-jira` (GET /rest/api/3/myself), then `null`.
pub fn host_call() -> Vec<u8> {
    component("host_call")
}

/// Builds `examples/hello` (release) and returns its component and manifest,
/// or prints `SKIP <bench>: why` and returns `None` when it cannot be built
/// (no wasm32-wasip2 target and no rustup to add it).
pub fn hello(bench: &str) -> Option<(Vec<u8>, Manifest)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/hello");
    if let Err(error) = kiln_guest_build::ensure_wasm_target(&dir) {
        println!("SKIP {bench}: {error}");
        return None;
    }
    let built = kiln_guest_build::build(
        &kiln_guest_build::GuestBuild::new(dir.join("Cargo.toml")).release(true),
    )
    .map_err(|error| println!("SKIP {bench}: cannot build examples/hello: {error}"))
    .ok()?;
    let wasm = std::fs::read(&built.first()?.path).ok()?;
    let manifest = Manifest::load(&dir.join("manifest.yml")).ok()?;
    Some((wasm, manifest))
}

/// A manifest with one function `main` (handler `main`) allowed to read the
/// current user.
pub fn manifest() -> Manifest {
    Manifest::from_yaml(
        "app:\n  id: kiln-bench\n  name: Kiln bench\nmodules:\n  function:\n    - key: main\n      handler: main\npermissions:\n  scopes:\n    - read:jira-user\n",
    )
    .expect("benchmark manifest is valid")
}

/// What the in-process stub answers to `GET /rest/api/3/myself` (and to
/// every path it does not know): the shape of Jira's answer.
pub const STUB_MYSELF: &str = r#"{"accountId":"5b10ac8d82e05b22cc7d4ef5","accountType":"atlassian","emailAddress":"admin@example.com","displayName":"Kiln Admin","active":true,"timeZone":"Etc/UTC"}"#;

/// What the in-process stub answers to `GET /rest/api/3/issue/<key>`: the
/// fields the hello example reads, in Jira's shape.
pub const STUB_ISSUE: &str = r#"{"id":"10001","key":"KILN-1","self":"https://kiln-bench.atlassian.net/rest/api/3/issue/10001","fields":{"summary":"Kiln benchmark issue","status":{"name":"To Do","statusCategory":{"key":"new"}},"issuetype":{"name":"Task"},"project":{"key":"KILN"}}}"#;

/// The stub's answer for `path`.
fn stub_answer(path: &str) -> &'static str {
    if path.starts_with("/rest/api/3/issue/") {
        STUB_ISSUE
    } else {
        STUB_MYSELF
    }
}

/// A client whose requests are answered in process by
/// [`Transport::in_process`], with an API token for the user: every
/// `request-jira` runs the whole pipeline (quota, path, catalogue route,
/// scopes, headers, credential, URL builder, response cap and header
/// allowlist) and the stub's answer is lifted into the guest; only the
/// socket is missing.
pub fn in_process_client() -> JiraClient {
    in_process_client_counting().0
}

/// [`in_process_client`], with the number of requests the stub has answered
/// (so a benchmark can check its calls really got through the pipeline).
pub fn in_process_client_counting() -> (JiraClient, Arc<AtomicU64>) {
    let site = Site::new(
        "https://kiln-bench.atlassian.net",
        "https://api.atlassian.com",
        "bench-cloud",
    )
    .expect("benchmark site is valid");
    let credentials = Credentials {
        user: Some(Credential::ApiToken {
            email: SIM_USER.to_owned(),
            token: "bench-api-token".to_owned().into(),
        }),
        app: None,
    };
    let answered = Arc::new(AtomicU64::new(0));
    let counter = answered.clone();
    let transport = Transport::in_process(move |request| {
        counter.fetch_add(1, Ordering::Relaxed);
        Ok(http::Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(bytes::Bytes::from_static(
                stub_answer(request.url.path()).as_bytes(),
            ))
            .expect("a static response is valid"))
    });
    let client = JiraClient::with_transport(site, credentials, HttpLimits::default(), transport);
    (client, answered)
}

/// A simulator and a client of it acting as [`SIM_USER`] with its API
/// token; the basic `Authorization` value is returned for the plain-reqwest
/// comparison.
pub async fn simulator(config: SimConfig) -> (Simulator, JiraClient, String) {
    use base64::Engine as _;
    let sim = Simulator::start(config).await.expect("simulator starts");
    let user = sim.user(SIM_USER).expect("seeded user");
    let basic = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{}", user.email, user.api_token));
    let credentials = Credentials {
        user: Some(Credential::ApiToken {
            email: user.email.clone(),
            token: user.api_token.clone().into(),
        }),
        app: None,
    };
    let site = Site::new(sim.base_url(), sim.base_url(), sim.cloud_id()).expect("site");
    let client = JiraClient::new(site, credentials, HttpLimits::default()).expect("client");
    (sim, client, format!("Basic {basic}"))
}

/// A runtime without artifact cache (benchmarks measure what they say).
pub fn runtime(client: JiraClient, allocation: InstanceAllocation) -> Runtime {
    Runtime::new(
        client,
        RuntimeOptions {
            cache: CacheMode::Disabled,
            allocation,
            ..RuntimeOptions::default()
        },
    )
    .expect("runtime starts")
}

/// Median of `samples` (sorted in place).
pub fn median(samples: &mut [Duration]) -> Duration {
    samples.sort_unstable();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

/// Times `rounds` alternating runs of `a` and `b` (so drift and noise hit
/// both alike) and returns both medians.
pub fn side_by_side<A, B>(rounds: usize, mut a: A, mut b: B) -> (Duration, Duration)
where
    A: FnMut(),
    B: FnMut(),
{
    let mut times_a = Vec::with_capacity(rounds);
    let mut times_b = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t = Instant::now();
        a();
        times_a.push(t.elapsed());
        let t = Instant::now();
        b();
        times_b.push(t.elapsed());
    }
    (median(&mut times_a), median(&mut times_b))
}

/// Prints one side-by-side line: `name: a vs b = ratio×`.
pub fn report_ratio(name: &str, a_name: &str, a: Duration, b_name: &str, b: Duration) {
    let ratio = a.as_secs_f64() / b.as_secs_f64().max(f64::MIN_POSITIVE);
    println!(
        "RATIO {name}: {a_name} {:.2} µs / {b_name} {:.2} µs = {ratio:.2}x",
        a.as_secs_f64() * 1e6,
        b.as_secs_f64() * 1e6
    );
}

/// Peak resident set of this process, from /proc (Linux), in MiB.
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
