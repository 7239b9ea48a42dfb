//! `request_jira_all`: ten `request-jira` calls in one `request-jira-all`
//! against one `request-jira`, to a site 50 ms away.
//!
//! The site is the embedded simulator behind a loopback wrapper server that
//! waits [`LATENCY`] before forwarding each request (the latency is the
//! bench's, not the simulator's). Both sides go through a `JiraSession`, as
//! the guest's imports reach it: every request of the batch is checked,
//! counted and audited on its own, and at most
//! [`MAX_IN_FLIGHT_PER_INVOCATION`] are in flight at once. The target (issue
//! 14): ten at most 1.3× one.
//!
//! `cargo bench -p kiln-runtime --bench request_jira_all`

mod support;

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request as AxumRequest, State};
use axum::response::Response as AxumResponse;
use criterion::{Criterion, criterion_group, criterion_main};
use kiln_manifest::DeclaredScopes;
use kiln_runtime::bindings::{Method, Principal, Request};
use kiln_runtime::jira::session::{Door, JiraSession, MAX_IN_FLIGHT_PER_INVOCATION, SessionConfig};
use kiln_runtime::{Credential, Credentials, HttpLimits, JiraClient, NoAudit, Site};
use kiln_sim::{SimConfig, Simulator};

/// What the wrapper server adds to every request.
const LATENCY: Duration = Duration::from_millis(50);
/// One window's worth: the whole batch is in flight at once.
const BATCH: usize = MAX_IN_FLIGHT_PER_INVOCATION;

struct Upstream {
    base: String,
    client: reqwest::Client,
}

/// Waits [`LATENCY`], then forwards the request to the simulator as it came.
async fn delayed(State(upstream): State<Arc<Upstream>>, request: AxumRequest) -> AxumResponse {
    tokio::time::sleep(LATENCY).await;
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .expect("request body");
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let mut forward = upstream
        .client
        .request(parts.method, format!("{}{path}", upstream.base))
        .body(body);
    for (name, value) in &parts.headers {
        if name != http::header::HOST {
            forward = forward.header(name, value);
        }
    }
    let answer = forward.send().await.expect("simulator answers");
    let mut response = AxumResponse::builder().status(answer.status());
    for (name, value) in answer.headers() {
        response = response.header(name, value);
    }
    response
        .body(Body::from(answer.bytes().await.expect("body")))
        .expect("response")
}

/// The simulator behind a wrapper server `LATENCY` away; a client to it.
async fn distant_site() -> (Simulator, JiraClient) {
    let sim = Simulator::start(SimConfig::default())
        .await
        .expect("simulator starts");
    let upstream = Arc::new(Upstream {
        base: sim.base_url().to_owned(),
        client: reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("reqwest client"),
    });
    let app = axum::Router::new().fallback(delayed).with_state(upstream);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("loopback port");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let user = sim.user(support::SIM_USER).expect("seeded user");
    let credentials = Credentials {
        user: Some(Credential::ApiToken {
            email: user.email.clone(),
            token: user.api_token.clone().into(),
        }),
        app: None,
    };
    let site = Site::new(&url, &url, sim.cloud_id()).expect("site");
    let client = JiraClient::new(site, credentials, HttpLimits::default()).expect("client");
    (sim, client)
}

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

fn session(client: &Arc<JiraClient>, scopes: &Arc<DeclaredScopes>) -> JiraSession {
    JiraSession::new(SessionConfig {
        client: client.clone(),
        scopes: scopes.clone(),
        audit: Arc::new(NoAudit),
        app_id: Arc::from("kiln-bench"),
        invocation_id: "bench".to_owned(),
        deadline: tokio::time::Instant::now() + Duration::from_secs(30),
        max_requests: BATCH as u32,
        max_egress_requests: 0,
        door: Door::App,
    })
}

async fn one(client: &Arc<JiraClient>, scopes: &Arc<DeclaredScopes>) {
    let response = session(client, scopes)
        .request(myself())
        .await
        .expect("site answers");
    assert_eq!(response.status, 200);
    black_box(response);
}

async fn ten(client: &Arc<JiraClient>, scopes: &Arc<DeclaredScopes>) {
    let outcomes = session(client, scopes)
        .request_all(vec![myself(); BATCH])
        .await;
    assert_eq!(outcomes.len(), BATCH);
    for outcome in &outcomes {
        assert_eq!(outcome.as_ref().expect("site answers").status, 200);
    }
    black_box(outcomes);
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio");
    let (_sim, client) = rt.block_on(distant_site());
    let client = Arc::new(client);
    let scopes = Arc::new(support::manifest().declared_scopes());
    // Warm the connection pool with as many connections as a batch uses.
    rt.block_on(ten(&client, &scopes));

    let mut group = c.benchmark_group("request_jira_all");
    group.sample_size(20);
    group.bench_function("one_request_50ms", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let t = Instant::now();
                for _ in 0..iters {
                    one(&client, &scopes).await;
                }
                t.elapsed()
            })
        })
    });
    group.bench_function("ten_requests_all_50ms", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let t = Instant::now();
                for _ in 0..iters {
                    ten(&client, &scopes).await;
                }
                t.elapsed()
            })
        })
    });
    group.finish();
}

criterion_group!(request_jira_all, benches);
criterion_main!(request_jira_all);
