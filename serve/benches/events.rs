//! The event path's latency and the server's memory (issue 15's benchmarks), through real
//! `runtime serve` processes:
//!
//! - **webhook received → handler entered**: this process plays the Jira site (a loopback
//!   HTTP server named in `kiln.toml` as a real site with an API token). It sends a signed
//!   `jira:issue_created` delivery and notes when the app's handler (tests/programs/
//!   serve-app's `on_event`, which comments on the issue) reaches the site with its first
//!   request. That span holds the delivery's HTTP exchange, the signature check, the
//!   dedup record, the enqueue and the claim (one transaction, whose commit the handler no
//!   longer waits for when a run slot is idle), a fresh instance and the handler's
//!   `request-jira` up to the socket: an upper bound on "received → entered". Deliveries
//!   go one at a time (latency, not throughput), on the durable SQLite state and on the
//!   in-memory state, so what durability still costs is visible; first back to back (each
//!   delivery meets the previous event's completion), then 20 ms apart (each finds the
//!   server idle).
//! - **memory**: the server's resident set (VmRSS, and the peak VmHWM) idle with one app,
//!   with 100 installed apps (one component under 100 manifests, each its own app id and
//!   installation, as a host with many small apps has), and with 10,000 events waiting in
//!   the queue (the installation paused, so none runs).
//!
//! ```sh
//! cargo build --release -p kiln-cli
//! cargo bench -p kiln-serve --bench events      # KILN_BENCH_EVENTS=300
//! ```
//!
//! No timing is asserted anywhere.

#[path = "../tests/support.rs"]
#[allow(dead_code)]
mod support;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use serde_json::json;
use support::{
    ADMIN_TOKEN, Serve, WEBHOOK_SECRET, client, issue_created, serve_app, sign, spawn_config,
};

const WARM_UP: usize = 20;
/// The pause before each delivery in the spaced runs: long enough for the previous event's
/// handler and completion to finish.
const SPACED: Duration = Duration::from_millis(20);

fn main() {
    let events: usize = std::env::var("KILN_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let wasm = support::built_serve_app();

    println!("WEBHOOK_TO_HANDLER events={events} (one at a time; ms)");
    // Back to back (the next delivery as soon as the handler is entered, so it meets the
    // previous event's completion), then spaced (an idle server per delivery, as one app's
    // deliveries from Jira mostly arrive).
    for (state, gap) in [
        ("state.sqlite3", Duration::ZERO),
        ("memory", Duration::ZERO),
        ("state.sqlite3", SPACED),
        ("memory", SPACED),
    ] {
        let (accepted, entered) = webhook_latency(state, events, gap);
        let spacing = if gap.is_zero() {
            String::from("back to back")
        } else {
            format!("{} ms apart", gap.as_millis())
        };
        println!(
            "WEBHOOK_TO_HANDLER state={state} ({spacing}): received→entered p50 {:.2} p90 {:.2} p99 {:.2}; delivery answered (202) p50 {:.2} p99 {:.2}",
            percentile(&entered, 0.50),
            percentile(&entered, 0.90),
            percentile(&entered, 0.99),
            percentile(&accepted, 0.50),
            percentile(&accepted, 0.99),
        );
    }

    let one = memory_with_apps(&wasm, 1);
    let hundred = memory_with_apps(&wasm, 100);
    let queued = memory_with_queue(10_000);
    println!("SERVE_MEMORY (KiB; VmRSS now / VmHWM peak)");
    println!(
        "SERVE_MEMORY 1 app idle: rss {} hwm {}",
        one.rss_kib, one.hwm_kib
    );
    println!(
        "SERVE_MEMORY 100 apps idle: rss {} hwm {} (+{} KiB per extra app)",
        hundred.rss_kib,
        hundred.hwm_kib,
        hundred.rss_kib.saturating_sub(one.rss_kib) / 99
    );
    println!(
        "SERVE_MEMORY 1 app, 10000 events queued: rss {} hwm {} (before the deliveries: rss {})",
        queued.1.rss_kib, queued.1.hwm_kib, queued.0.rss_kib
    );
}

fn percentile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let index = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index]
}

/// A started server in its own folder (kept until it is dropped), with its JSON log there.
fn start(dir: tempfile::TempDir, config: &str) -> Serve {
    support::write_private(&dir.path().join("webhook-secret"), WEBHOOK_SECRET);
    let path = dir.path().join("kiln.toml");
    std::fs::write(&path, config).expect("kiln.toml");
    let mut serve = spawn_config(&path, &[], Some(&dir.path().join("serve.log"))).serving();
    serve._dir = Some(dir);
    serve
}

/// The server's JSON log so far.
fn log(serve: &Serve) -> String {
    serve
        ._dir
        .as_ref()
        .and_then(|dir| std::fs::read_to_string(dir.path().join("serve.log")).ok())
        .unwrap_or_default()
}

/// VmRSS and VmHWM of the server's process.
fn memory(serve: &Serve) -> Memory {
    let status = std::fs::read_to_string(format!("/proc/{}/status", serve.child.id()))
        .expect("/proc status");
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next()?.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Memory {
        rss_kib: field("VmRSS:"),
        hwm_kib: field("VmHWM:"),
    }
}

#[derive(Clone, Copy)]
struct Memory {
    rss_kib: u64,
    hwm_kib: u64,
}

/// A loopback "Jira site": answers every request at once (201 `{}` to a POST, 200 `{}`
/// otherwise) and reports each POST's path and arrival time.
fn fake_site() -> (SocketAddr, mpsc::Receiver<(String, Instant)>) {
    let (send_addr, receive_addr) = mpsc::channel();
    let (send_post, receive_post) = mpsc::channel::<(String, Instant)>();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("site runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            send_addr
                .send(listener.local_addr().expect("addr"))
                .expect("send");
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let posts = send_post.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                        let arrived = Instant::now();
                        let posts = posts.clone();
                        async move {
                            let status = if request.method() == hyper::Method::POST {
                                let _ = posts.send((request.uri().path().to_owned(), arrived));
                                201
                            } else {
                                200
                            };
                            Ok::<_, std::convert::Infallible>(
                                Response::builder()
                                    .status(status)
                                    .header("content-type", "application/json")
                                    .body(Full::new(Bytes::from_static(b"{}")))
                                    .expect("response"),
                            )
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    });
    (receive_addr.recv().expect("site listening"), receive_post)
}

/// (delivery answered, handler's first request arrived) in ms, per event.
fn webhook_latency(state: &str, events: usize, gap: Duration) -> (Vec<f64>, Vec<f64>) {
    let (site, posts) = fake_site();
    let dir = tempfile::tempdir().expect("temp dir");
    support::write_private(
        &dir.path().join("credentials.toml"),
        "[user]\nemail = \"bench@example.com\"\napi_token = \"bench-api-token-not-a-secret-0123456789\"\n",
    );
    let config = format!(
        "listen = \"127.0.0.1:0\"\nstate = {state:?}\n\
         [[app]]\npath = {app:?}\n\
         [[site]]\nname = \"bench\"\nurl = \"http://{site}\"\ngateway = \"http://{site}\"\n\
         cloud_id = \"bench-cloud\"\ncredentials = \"credentials.toml\"\n\
         webhook_secret_file = \"webhook-secret\"\naccount_id = \"app-account\"\n\
         [[installation]]\napp = \"serve-app\"\nsite = \"bench\"\n",
        app = serve_app().display().to_string(),
    );
    let server = start(dir, &config);
    let webhooks = format!("{}/webhooks/jira/bench", server.url());
    let client = client();
    let (mut accepted, mut entered) = (Vec::new(), Vec::new());
    for n in 0..WARM_UP + events {
        let key = format!("KILN-{}", 1000 + n);
        let body = serde_json::to_vec(&issue_created(&key, "bench", "someone")).expect("json");
        std::thread::sleep(gap);
        let sent = Instant::now();
        let status = client
            .post(&webhooks)
            .header("content-type", "application/json")
            .header(
                "x-atlassian-webhook-identifier",
                format!("bench-{state}-{n}"),
            )
            .header("x-hub-signature", sign(&body))
            .body(body)
            .send()
            .expect("delivery sent")
            .status();
        let answered = sent.elapsed();
        assert_eq!(status, 202, "delivery {n} accepted");
        let wanted = format!("/rest/api/3/issue/{key}/comment");
        let arrived = loop {
            let (path, at) = posts
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| {
                    panic!(
                        "the handler for {key} did not reach the site; the server's log:\n{}",
                        log(&server)
                    )
                });
            if path == wanted {
                break at;
            }
        };
        if n >= WARM_UP {
            accepted.push(answered.as_secs_f64() * 1000.0);
            entered.push(arrived.duration_since(sent).as_secs_f64() * 1000.0);
        }
    }
    (accepted, entered)
}

/// The idle server's memory with `apps` installed apps sharing one component.
fn memory_with_apps(wasm: &Path, apps: usize) -> Memory {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = std::fs::read_to_string(serve_app().join("manifest.yml")).expect("manifest");
    let mut config = String::from("listen = \"127.0.0.1:0\"\nstate = \"state.sqlite3\"\n");
    for n in 0..apps {
        let path = dir.path().join(format!("app-{n}.yml"));
        std::fs::write(
            &path,
            manifest.replace("id: serve-app", &format!("id: serve-app-{n}")),
        )
        .expect("manifest");
        config.push_str(&format!(
            "[[app]]\npath = {:?}\nmanifest = {:?}\n",
            wasm.display().to_string(),
            path.display().to_string()
        ));
    }
    let server = start(dir, &config);
    settle();
    memory(&server)
}

/// (before, after) 10,000 deliveries are queued for a paused installation.
fn memory_with_queue(count: usize) -> (Memory, Memory) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = format!(
        "listen = \"127.0.0.1:0\"\nstate = \"state.sqlite3\"\n[simulator]\nwebhook_secret_file = \"webhook-secret\"\n[[app]]\npath = {:?}\n",
        serve_app().display().to_string()
    );
    let server = start(dir, &config);
    let admin = server.admin_url();
    client()
        .post(format!("{admin}/v1/installations/pause"))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({ "app": "serve-app" }))
        .send()
        .expect("pause")
        .error_for_status()
        .expect("paused");
    settle();
    let before = memory(&server);
    let webhooks = format!("{}/webhooks/jira/simulator", server.url());
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let senders: Vec<_> = (0..8)
        .map(|_| {
            let (next, webhooks) = (next.clone(), webhooks.clone());
            std::thread::spawn(move || {
                let client = client();
                loop {
                    let n = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if n >= count {
                        return;
                    }
                    let body = serde_json::to_vec(&issue_created(
                        &format!("KILN-{}", 100_000 + n),
                        "queued",
                        "someone",
                    ))
                    .expect("json");
                    let status = client
                        .post(&webhooks)
                        .header("content-type", "application/json")
                        .header("x-atlassian-webhook-identifier", format!("queued-{n}"))
                        .header("x-hub-signature", sign(&body))
                        .body(body)
                        .send()
                        .expect("delivery sent")
                        .status();
                    assert_eq!(status, 202, "delivery {n} queued");
                }
            })
        })
        .collect();
    for sender in senders {
        sender.join().expect("sender");
    }
    settle();
    (before, memory(&server))
}

/// Lets start-up work (schedulers, first compilations' buffers) finish before a reading.
fn settle() {
    std::thread::sleep(Duration::from_secs(2));
}
