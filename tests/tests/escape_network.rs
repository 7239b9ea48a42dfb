//! Escape suite, network: every way out that is not `request-jira`. TCP and
//! UDP sockets and name lookups fail inside the guest (WASI's socket
//! capability is denied), and a component importing `wasi:http` or any
//! interface outside the world is refused at load, naming the import.

use crate::support;

use kiln_runtime::LoadError;
use kiln_runtime::LoadedApp;
use kiln_runtime::sandbox::component_check::ComponentError;
use kiln_tests::programs;
use serde_json::{Value, json};
use support::{Harness, manifest, ok_json};

const HANDLERS: &[&str] = &["tcp", "tcp_listen", "udp", "dns", "echo"];

async fn probe_app(h: &Harness) -> LoadedApp {
    h.load(
        programs::PROBE,
        &manifest(
            "network",
            HANDLERS,
            &["read:jira-user"],
            "timeoutSeconds: 5",
        ),
    )
    .await
}

async fn assert_probe_serves(h: &Harness, app: &LoadedApp) {
    h.assert_serves(app, "echo", json!({ "n": 1 }), json!({ "n": 1 }))
        .await;
}

/// The socket error the guest saw: WASI's "access denied".
fn assert_denied(out: &Value) {
    let error = out["error"]
        .as_str()
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(
        error.contains("denied")
            || error.contains("not permitted")
            || error.contains("unsupported"),
        "{out}"
    );
}

#[tokio::test]
async fn network_tcp_connect_to_loopback() {
    let h = Harness::start().await;
    let app = probe_app(&h).await;
    // A real listener on loopback: the guest still must not reach it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listener");
    listener.set_nonblocking(true).expect("non-blocking");
    let port = listener.local_addr().expect("address").port();
    let out = ok_json(&h.invoke(&app, "tcp", json!({ "port": port })).await);
    assert_eq!(out["connected"], false, "{out}");
    assert_denied(&out);
    assert!(listener.accept().is_err(), "the guest's connection arrived");
    h.assert_jira_untouched();
    assert_probe_serves(&h, &app).await;
}

#[tokio::test]
async fn network_tcp_connect_to_simulator_around_request_jira() {
    // Straight to "Jira"'s port, skipping the host's policy and credential.
    let h = Harness::start().await;
    let app = probe_app(&h).await;
    let port: u16 = h
        .sim
        .base_url()
        .rsplit(':')
        .next()
        .and_then(|port| port.trim_end_matches('/').parse().ok())
        .expect("the simulator listens on a port");
    let out = ok_json(&h.invoke(&app, "tcp", json!({ "port": port })).await);
    assert_eq!(out["connected"], false, "{out}");
    assert_denied(&out);
    h.assert_jira_untouched();
    assert_probe_serves(&h, &app).await;
}

#[tokio::test]
async fn network_tcp_listen() {
    let h = Harness::start().await;
    let app = probe_app(&h).await;
    let out = ok_json(&h.invoke(&app, "tcp_listen", json!({})).await);
    assert_eq!(out["bound"], false, "{out}");
    assert_denied(&out);
    h.assert_jira_untouched();
    assert_probe_serves(&h, &app).await;
}

#[tokio::test]
async fn network_udp_send() {
    let h = Harness::start().await;
    let app = probe_app(&h).await;
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("socket");
    socket.set_nonblocking(true).expect("non-blocking");
    let port = socket.local_addr().expect("address").port();
    let out = ok_json(&h.invoke(&app, "udp", json!({ "port": port })).await);
    assert_eq!(out["sent"], false, "{out}");
    assert_denied(&out);
    let mut buffer = [0u8; 64];
    assert!(
        socket.recv(&mut buffer).is_err(),
        "the guest's datagram arrived"
    );
    h.assert_jira_untouched();
    assert_probe_serves(&h, &app).await;
}

#[tokio::test]
async fn network_dns_lookup() {
    let h = Harness::start().await;
    let app = probe_app(&h).await;
    let out = ok_json(&h.invoke(&app, "dns", json!({})).await);
    for host in ["localhost", "example.com"] {
        assert_eq!(out[host]["resolved"], false, "{out}");
        // The sandbox's resolver refuses every name (a permanent failure).
        let error = out[host]["error"].as_str().unwrap_or_default();
        assert!(error.contains("failed to lookup address"), "{out}");
    }
    h.assert_jira_untouched();
    assert_probe_serves(&h, &app).await;
}

async fn refused_import(wasm_path: &str) -> (String, String) {
    let h = Harness::start().await;
    let wasm = std::fs::read(wasm_path).expect("built by tests/build.rs");
    let error = h
        .load_refused(wasm, &manifest("imports", &["benign"], &[], ""))
        .await;
    h.assert_jira_untouched();
    h.assert_runtime_serves().await;
    match error {
        LoadError::Component(ComponentError::ForbiddenImport { name, reason }) => (name, reason),
        other => panic!("expected a forbidden import, got {other}"),
    }
}

#[tokio::test]
async fn network_wasi_http_import() {
    let (name, reason) = refused_import(programs::WAT_WASI_HTTP_IMPORT).await;
    assert_eq!(name, "wasi:http/outgoing-handler@0.2.0");
    assert!(reason.contains("request-jira"), "{reason}");
}

#[tokio::test]
async fn network_import_outside_the_world() {
    let (name, reason) = refused_import(programs::WAT_UNKNOWN_IMPORT).await;
    assert_eq!(name, "evil:pkg/iface");
    assert!(reason.contains("not a versioned WIT interface"), "{reason}");
}
