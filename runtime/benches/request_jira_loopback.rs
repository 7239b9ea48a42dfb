//! `request_jira_loopback`: one `request-jira` to the embedded simulator
//! (through the whole policy pipeline) against a plain reqwest GET of the
//! same URL with the same credential, side by side in one run.
//!
//! Two Kiln sides are timed: the host call alone (a `JiraSession`, as the
//! guest's import reaches it: quota, path, route, scopes, headers,
//! credential, URL builder, send, capped read, audit) and a whole invocation
//! that makes the call from a fresh instance.
//!
//! A third group, `redaction`, times the credential redaction every response
//! goes through, alone, on a 1 MiB body: plain JSON (no escape introducer:
//! one search), Jira-like JSON with escapes and percent-encoded URLs (the
//! text and its decoded view), and the same with the credential echoed in
//! it (search, replace, search again).
//!
//! `cargo bench -p kiln-runtime --bench request_jira_loopback`

mod support;

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use kiln_manifest::DeclaredScopes;
use kiln_runtime::bindings::{Method, Principal, Request};
use kiln_runtime::engine::InstanceAllocation;
use kiln_runtime::jira::redact::Redactor;
use kiln_runtime::jira::session::{Door, JiraSession, SessionConfig};
use kiln_runtime::{AuditSink, Invocation, JiraClient, LoadedApp, NoAudit};
use kiln_sim::SimConfig;

fn invocation() -> Invocation {
    Invocation {
        function_key: None,
        payload: "{}".into(),
        account_id: None,
        ..Default::default()
    }
}

async fn invoke(app: &LoadedApp) {
    let invoked = app.invoke(invocation()).await.expect("invocation starts");
    assert!(invoked.result.is_ok(), "{:?}", invoked.result);
    black_box(invoked);
}

/// The guest's request, as the host import receives it.
fn myself() -> Request {
    Request {
        principal: Principal::User,
        method: Method::Get,
        path: "/rest/api/3/myself".to_owned(),
        query: Vec::new(),
        headers: Vec::new(),
        body: None,
    }
}

/// One `request-jira` through a fresh session (one per call, as one per
/// invocation), without an instance around it.
async fn session_call(client: &Arc<JiraClient>, scopes: &Arc<DeclaredScopes>) {
    let audit: Arc<dyn AuditSink> = Arc::new(NoAudit);
    let session = JiraSession::new(SessionConfig {
        client: client.clone(),
        scopes: scopes.clone(),
        audit,
        app_id: Arc::from("kiln-bench"),
        invocation_id: "bench".to_owned(),
        deadline: tokio::time::Instant::now() + Duration::from_secs(30),
        max_requests: 1,
        max_egress_requests: 0,
        door: Door::App,
    });
    let response = session.request(myself()).await.expect("simulator answers");
    assert_eq!(response.status, 200);
    black_box(response);
}

async fn plain_get(client: &reqwest::Client, url: &str, authorization: &str) {
    let response = client
        .get(url)
        .header(reqwest::header::AUTHORIZATION, authorization)
        .send()
        .await
        .expect("simulator answers");
    assert!(response.status().is_success());
    black_box(response.bytes().await.expect("body"));
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio");
    let (sim, client, authorization) = rt.block_on(support::simulator(SimConfig::default()));
    let url = format!("{}/rest/api/3/myself", sim.base_url());
    let runtime = support::runtime(client, InstanceAllocation::default());
    let host_call = rt
        .block_on(runtime.load(support::host_call(), support::manifest()))
        .expect("host-call loads");
    let trivial = rt
        .block_on(runtime.load(support::trivial(), support::manifest()))
        .expect("trivial loads");
    // The same client settings as Kiln's own (no proxy, no redirects).
    let plain = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("reqwest client");
    let client = runtime.client().clone();
    let scopes = Arc::new(support::manifest().declared_scopes());
    // Warm both connection pools.
    rt.block_on(invoke(&host_call));
    rt.block_on(session_call(&client, &scopes));
    rt.block_on(plain_get(&plain, &url, &authorization));

    let mut group = c.benchmark_group("request_jira_loopback");
    group.bench_function("kiln_request_jira", |b| {
        b.iter_custom(|iters| timed(&rt, iters, || session_call(&client, &scopes)))
    });
    group.bench_function("kiln_invoke_with_request_jira", |b| {
        b.iter_custom(|iters| timed(&rt, iters, || invoke(&host_call)))
    });
    group.bench_function("plain_reqwest_get", |b| {
        b.iter_custom(|iters| timed(&rt, iters, || plain_get(&plain, &url, &authorization)))
    });
    group.finish();

    let rounds = 5_000;
    let (host_call_only, reqwest) = support::side_by_side(
        rounds,
        || rt.block_on(session_call(&client, &scopes)),
        || rt.block_on(plain_get(&plain, &url, &authorization)),
    );
    support::report_ratio(
        "request_jira_loopback",
        "request-jira (host call)",
        host_call_only,
        "plain reqwest",
        reqwest,
    );
    let (kiln, reqwest) = support::side_by_side(
        rounds,
        || rt.block_on(invoke(&host_call)),
        || rt.block_on(plain_get(&plain, &url, &authorization)),
    );
    support::report_ratio(
        "request_jira_loopback (whole invocation)",
        "kiln (instance + request-jira)",
        kiln,
        "plain reqwest",
        reqwest,
    );
    // The instance itself, measured in the same run, so the request alone
    // can be read off too.
    let (_, instance) = support::side_by_side(rounds, || {}, || rt.block_on(invoke(&trivial)));
    let request_only = kiln.saturating_sub(instance);
    support::report_ratio(
        "request_jira_loopback (invocation minus instance)",
        "request-jira",
        request_only,
        "plain reqwest",
        reqwest,
    );
    drop(sim);
}

/// How long `iters` sequential awaits of `call()` take on `rt`.
fn timed<F: Future<Output = ()>>(
    rt: &tokio::runtime::Runtime,
    iters: u64,
    mut call: impl FnMut() -> F,
) -> Duration {
    rt.block_on(async {
        let started = Instant::now();
        for _ in 0..iters {
            call().await;
        }
        started.elapsed()
    })
}

/// A JSON body of about `size` bytes made of Jira-like issue objects;
/// `escapes` adds quoted text and percent-encoded URLs, `echo` puts `echo`
/// in the middle of it.
fn body(size: usize, escapes: bool, echo: Option<&str>) -> Vec<u8> {
    let mut out = b"{\"issues\":[".to_vec();
    let mut n = 0u64;
    while out.len() < size {
        let item = if escapes {
            format!(
                r#"{{"id":"{n}","key":"KILN-{n}","self":"https://kiln.atlassian.net/rest/api/3/issue/{n}?fields=summary%2Cstatus","fields":{{"summary":"Fix the \"login\" page for user {n} \/ team","status":{{"name":"In Progress"}}}}}},"#
            )
        } else {
            format!(
                r#"{{"id":"{n}","key":"KILN-{n}","self":"https://kiln.atlassian.net/rest/api/3/issue/{n}","fields":{{"summary":"Fix the login page for user {n}","status":{{"name":"In Progress"}}}}}},"#
            )
        };
        out.extend_from_slice(item.as_bytes());
        if n == 2000
            && let Some(echo) = echo
        {
            out.extend_from_slice(format!(r#"{{"echo":"{echo}"}},"#).as_bytes());
        }
        n += 1;
    }
    out.extend_from_slice(b"{}]}");
    out
}

/// The redaction fixture: a redactor for the credentials of both
/// principals (API token, `email:token`, its base64, an app bearer token),
/// as in the worst case, and the three 1 MiB bodies.
struct RedactionFixture {
    secrets: Vec<String>,
    redactor: Redactor,
    cases: [(&'static str, Vec<u8>); 3],
}

impl RedactionFixture {
    fn new() -> Self {
        use base64::Engine as _;
        // An Atlassian API token is 192 characters.
        let token = format!("ATATT3xFfGF0{}", "q1W2e3R4t5Y6".repeat(15));
        let pair = format!("admin@example.com:{token}");
        let basic = base64::engine::general_purpose::STANDARD.encode(&pair);
        let app_token = format!("eyJhbGciOiJSUzI1NiJ9.{}", "a1b2c3d4".repeat(40));
        let echo = format!("Basic {basic}");
        let secrets = vec![token, pair, basic, app_token];
        const MIB: usize = 1024 * 1024;
        Self {
            redactor: Redactor::new(secrets.iter().map(|s| s.as_bytes())),
            secrets,
            cases: [
                ("plain_json_1mib", body(MIB, false, None)),
                ("escaped_json_1mib", body(MIB, true, None)),
                ("escaped_json_1mib_with_echo", body(MIB, true, Some(&echo))),
            ],
        }
    }
}

/// The `KILN_REDACT_COUNT=<case>:<n>` mode: redacts a copy of the case's
/// 1 MiB body n times and exits, for `valgrind --tool=callgrind`; per
/// redaction = (count at n=11 − count at n=1) / 10, so the set-up cancels.
fn redaction_count_mode() -> Option<(String, u64)> {
    let spec = std::env::var("KILN_REDACT_COUNT").ok()?;
    let (case, n) = spec.split_once(':')?;
    let n = n.parse().expect(
        "KILN_REDACT_COUNT=<plain_json_1mib|escaped_json_1mib|escaped_json_1mib_with_echo>:<n>",
    );
    Some((case.to_owned(), n))
}

fn redaction(c: &mut Criterion) {
    let fixture = RedactionFixture::new();
    if let Some((case, n)) = redaction_count_mode() {
        let (_, text) = fixture
            .cases
            .iter()
            .find(|(name, _)| *name == case)
            .expect("a known case");
        for _ in 0..n {
            let mut copy = text.clone();
            black_box(fixture.redactor.redact(&mut copy));
        }
        std::process::exit(0);
    }
    let mut group = c.benchmark_group("redaction");
    group.throughput(criterion::Throughput::Bytes(1024 * 1024));
    for (name, text) in &fixture.cases {
        group.bench_function(*name, |b| {
            b.iter_batched_ref(
                || text.clone(),
                |text| black_box(fixture.redactor.redact(text)),
                criterion::BatchSize::LargeInput,
            )
        });
    }
    group.finish();
    let build = Instant::now();
    let rounds = 100u32;
    for _ in 0..rounds {
        black_box(Redactor::new(fixture.secrets.iter().map(|s| s.as_bytes())));
    }
    println!(
        "redaction: building the automata for 4 secrets takes {:.1} µs (once per credential, not per request)",
        build.elapsed().as_secs_f64() * 1e6 / f64::from(rounds)
    );
}

criterion_group!(request_jira_loopback, redaction, benches);
criterion_main!(request_jira_loopback);
