//! Escape suite, egress from JavaScript: a Forge app built with the engine's
//! `fetch` (`tests/js/fetcher`, its manifest declares
//! `permissions.external.fetch.backend`) reaches a declared third party on
//! loopback, and everything else it tries is refused by the host: an
//! undeclared host or port, a declared name resolving to a private or
//! loopback address, a redirect to the host's loopback, a body over the cap.
//! Each case goes both through Forge's `api.fetch` (the layer's checks, then
//! the host's) and through the engine's global `fetch` (the host's alone),
//! so no case depends on the layer.
//!
//! The targets are real HTTP servers on loopback that count connections; a
//! test resolver answers names (no DNS), and the operator's overrides let
//! `api.example.test` reach 127.0.0.1 over http, as `escape_egress.rs` does
//! for Rust guests.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use kiln_guest_build::Sandbox;
use kiln_guest_build::js::{JsBuild, build_js};
use kiln_manifest::{Backend, Manifest};
use kiln_runtime::consent::OperatorPolicy;
use kiln_runtime::egress::{
    EgressConfig, EgressLimits, EgressOverride, EgressOverrides, StaticResolver,
};
use kiln_runtime::sandbox::component_check::ComponentError;
use kiln_runtime::{LoadError, LoadedApp, RuntimeOptions};
use serde_json::{Value, json};

use crate::escape_js_app::sources_digest;
use crate::support::third_party::{self, ThirdParty};
use crate::support::{ADMIN, Harness, ok_json};

/// The response body cap the cases run under: small, so "over the cap" is
/// a few kilobytes.
const MAX_RESPONSE_BODY: usize = 1024;

fn app_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("js/fetcher")
}

fn tmp() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
}

/// The built component, or `None` without Node.js and npm.
fn component() -> Option<&'static Path> {
    static BUILT: OnceLock<Option<PathBuf>> = OnceLock::new();
    BUILT.get_or_init(build).as_deref()
}

/// Builds `tests/js/fetcher` as `runtime build` does: the backends its own
/// manifest declares select the engine's `fetch`.
fn build() -> Option<PathBuf> {
    // The hostile app's build says whether Node.js is here (and fails the
    // run under `.ci/run` when it is not).
    crate::escape_js_app::component()?;
    let dir = app_dir();
    let work = tmp().join("kiln-js-fetcher-build");
    let kept = work.join(format!("{}.wasm", sources_digest(&dir)));
    if kept.is_file() {
        return Some(kept);
    }
    let manifest = Manifest::load(&dir.join("manifest.yml")).expect("the fetcher's manifest");
    let build = JsBuild::for_app(
        dir.canonicalize().expect("tests/js/fetcher exists"),
        &manifest,
        work.join("work"),
        tmp().join("kiln-js-cli-cache"),
        Sandbox::available(),
        crate::support::kiln_wizer(),
    )
    .expect("the fetcher's build inputs");
    assert!(
        !build.fetch_backends.is_empty(),
        "the fetcher declares backends"
    );
    let built =
        build_js(&build).unwrap_or_else(|error| panic!("the fetcher JS app builds: {error}"));
    for entry in std::fs::read_dir(&work).expect("build folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|ext| ext == "wasm") {
            std::fs::remove_file(&path).expect("remove an older build");
        }
    }
    std::fs::copy(&built.path, &kept).expect("keep the built component");
    Some(kept)
}

fn ip(text: &str) -> IpAddr {
    text.parse().expect("address")
}

struct JsEgress {
    h: Harness,
    /// The declared API (`api.example.test`, operator-allowed on loopback).
    api: ThirdParty,
    /// What must never be reached: the host's "internal" service.
    internal: ThirdParty,
    app: LoadedApp,
}

impl JsEgress {
    /// `None` when the app cannot be built here (no Node.js).
    async fn start() -> Option<Self> {
        let path = tokio::task::spawn_blocking(component)
            .await
            .expect("the build thread")?;
        let internal = ThirdParty::http(|_| third_party::ok("text/plain", "internal secret")).await;
        let to_internal = format!("http://127.0.0.1:{}/", internal.port);
        let big = "x".repeat(4 * MAX_RESPONSE_BODY);
        let api = ThirdParty::http(move |head| {
            if head.starts_with("GET /redirect ") {
                third_party::redirect(&to_internal)
            } else if head.starts_with("GET /big ") {
                third_party::ok("text/plain", &big)
            } else if head.starts_with("GET /big-stream ") {
                // No length: the body runs until the server closes.
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nConnection: close\r\n\r\n{big}"
                )
            } else {
                third_party::ok("application/json", r#"{"hello":"from the third party"}"#)
            }
        })
        .await;
        let resolver = StaticResolver::new()
            .with("api.example.test", [ip("127.0.0.1")])
            .with("undeclared.example.test", [ip("127.0.0.1")])
            .with("loop.rebind.test", [ip("127.0.0.1")])
            .with("private.rebind.test", [ip("10.0.0.1")])
            .with("meta.rebind.test", [ip("169.254.169.254")]);
        let loopback = || vec!["127.0.0.1/32".parse().expect("range")];
        let overrides = EgressOverrides::new(vec![
            EgressOverride {
                host: "api.example.test".parse::<Backend>().expect("host").host,
                allow_http: true,
                allow_addresses: loopback(),
            },
            // Allowed to loopback by the operator but declared by no
            // manifest: only the allowlist refuses it.
            EgressOverride {
                host: "undeclared.example.test"
                    .parse::<Backend>()
                    .expect("host")
                    .host,
                allow_http: true,
                allow_addresses: loopback(),
            },
            EgressOverride {
                host: "*.rebind.test".parse::<Backend>().expect("host").host,
                allow_http: true,
                allow_addresses: Vec::new(),
            },
        ]);
        let h = Harness::start_options(ADMIN, None, |options| RuntimeOptions {
            policy: OperatorPolicy::default().with_egress(overrides),
            egress: EgressConfig {
                resolver: Arc::new(resolver),
                limits: EgressLimits {
                    max_response_body: MAX_RESPONSE_BODY,
                    ..EgressLimits::default()
                },
                ..EgressConfig::default()
            },
            ..options
        })
        .await;
        let manifest = load_manifest(&[
            format!("http://api.example.test:{}", api.port),
            format!("http://*.rebind.test:{}", internal.port),
        ]);
        let app = load(&h, path, &manifest).await;
        Some(Self {
            h,
            api,
            internal,
            app,
        })
    }

    /// The handler's report for `url`, through `via` (`api` or `global`).
    async fn fetch(&self, via: &str, url: &str) -> Value {
        self.fetch_with(via, url, Value::Null).await
    }

    async fn fetch_with(&self, via: &str, url: &str, init: Value) -> Value {
        let invoked = self
            .h
            .invoke(
                &self.app,
                "fetch",
                json!({ "via": via, "url": url, "init": init }),
            )
            .await;
        ok_json(&invoked)
    }

    fn api_url(&self, path: &str) -> String {
        format!("http://api.example.test:{}{path}", self.api.port)
    }

    /// Nothing reached the internal server, no request carried the
    /// credential, and Jira saw nothing.
    fn assert_contained(&self) {
        assert_eq!(
            self.internal.connections(),
            0,
            "the internal server was reached"
        );
        self.h.assert_absent(&self.api.requests().join("\n"));
        self.h.assert_jira_untouched();
    }

    /// The egress audit decisions, in order.
    fn decisions(&self) -> Vec<&'static str> {
        self.h
            .audit
            .egress_records()
            .into_iter()
            .map(|r| r.decision)
            .collect()
    }

    /// The same app still fetches from the declared API.
    async fn assert_serves(&self) {
        let out = self.fetch("api", &self.api_url("/after")).await;
        assert_eq!(out["ok"]["status"], 200, "the app no longer fetches: {out}");
    }
}

/// The load-time manifest: the fetcher's function, these backends.
fn load_manifest(backends: &[String]) -> String {
    let mut yaml = String::from(
        "app:\n  id: kiln-fetcher-js\n  runtime:\n    name: nodejs22.x\n    timeoutSeconds: 20\n\
         modules:\n  function:\n    - key: fetch\n      handler: index.fetch\n\
         permissions:\n  scopes:\n    - read:jira-user\n",
    );
    if !backends.is_empty() {
        yaml.push_str("  external:\n    fetch:\n      backend:\n");
        for backend in backends {
            yaml.push_str(&format!("        - {backend}\n"));
        }
    }
    yaml
}

/// The first load compiles the engine into the shared artifact cache while
/// the others wait; later loads read it.
async fn load(h: &Harness, path: &Path, manifest: &str) -> LoadedApp {
    static FIRST_LOAD: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    static CACHED: AtomicBool = AtomicBool::new(false);
    let path = path.to_str().expect("a UTF-8 path");
    if !CACHED.load(Ordering::Acquire) {
        let _first = FIRST_LOAD.lock().await;
        if !CACHED.load(Ordering::Acquire) {
            let app = h.load(path, manifest).await;
            CACHED.store(true, Ordering::Release);
            return app;
        }
    }
    h.load(path, manifest).await
}

/// The error a handler caught: Forge's class and name, the message.
fn caught(out: &Value) -> (&str, &str, &str) {
    let err = &out["err"];
    assert!(err.is_object(), "expected a thrown error, got {out}");
    (
        err["className"].as_str().unwrap_or_default(),
        err["name"].as_str().unwrap_or_default(),
        err["message"].as_str().unwrap_or_default(),
    )
}

/// Forge's `FetchError` for a request the host refused or failed.
fn assert_fetch_error(out: &Value) {
    let (class, name, message) = caught(out);
    assert_eq!(class, "FetchError", "{out}");
    assert_eq!(name, "FUNCTION_FETCH_ERR", "{out}");
    assert!(message.contains("Kiln's egress refused"), "{out}");
}

/// The engine's own error for a request the host refused (global `fetch`).
fn assert_network_error(out: &Value) {
    let (class, _, message) = caught(out);
    assert_eq!(class, "TypeError", "{out}");
    assert!(message.contains("NetworkError"), "{out}");
}

/// The global `fetch`'s refusal of an undeclared host, by the layer before
/// anything is sent: a standard `TypeError` naming the host.
fn assert_undeclared_by_the_layer(out: &Value, host: &str) {
    let (class, _, message) = caught(out);
    assert_eq!(class, "TypeError", "{out}");
    assert!(
        message.contains(&format!(
            "{host} is not declared in permissions.external.fetch.backend"
        )),
        "{out}"
    );
}

#[tokio::test]
async fn js_egress_fetch_gets_the_body_from_a_declared_backend() {
    let Some(e) = JsEgress::start().await else {
        return;
    };
    for via in ["api", "global"] {
        let out = e.fetch(via, &e.api_url("/v1/hello?x=1")).await;
        let ok = &out["ok"];
        assert_eq!(ok["status"], 200, "{via}: {out}");
        assert_eq!(ok["ok"], true, "{via}: {out}");
        assert_eq!(ok["contentType"], "application/json", "{via}: {out}");
        assert_eq!(
            ok["body"], r#"{"hello":"from the third party"}"#,
            "{via}: {out}"
        );
    }
    assert_eq!(e.api.connections(), 2);
    let host = format!("api.example.test:{}", e.api.port);
    assert_eq!(e.api.hosts(), [host.clone(), host]);
    assert!(e.api.requests()[0].starts_with("GET /v1/hello?x=1 HTTP/1.1\r\n"));
    assert_eq!(e.decisions(), ["allowed", "allowed"]);
    e.assert_contained();
}

#[tokio::test]
async fn js_egress_undeclared_host_and_port_refused() {
    let Some(e) = JsEgress::start().await else {
        return;
    };
    // An undeclared host the operator would let through: Forge's layer
    // refuses it before sending, with Forge's documented error.
    let undeclared = format!("http://undeclared.example.test:{}/", e.api.port);
    let out = e.fetch("api", &undeclared).await;
    let (class, name, message) = caught(&out);
    assert_eq!(class, "ExternalEndpointNotAllowedError", "{out}");
    assert_eq!(name, "REQUEST_EGRESS_ALLOWLIST_ERR", "{out}");
    assert_eq!(out["err"]["status"], 403, "{out}");
    assert!(
        message.starts_with("URL not included in the external fetch backend permissions: http://undeclared.example.test:"),
        "{out}"
    );
    assert!(
        e.decisions().is_empty(),
        "the layer sent it: {:?}",
        e.decisions()
    );
    // The global fetch: the layer refuses it too, naming the host, before
    // anything is sent.
    let out = e.fetch("global", &undeclared).await;
    assert_undeclared_by_the_layer(&out, "http://undeclared.example.test");
    assert!(e.decisions().is_empty(), "{:?}", e.decisions());
    // A declared host on an undeclared port (the internal server's): the
    // layer leaves ports to the host, which refuses, whichever fetch sends.
    let other_port = format!("http://api.example.test:{}/", e.internal.port);
    assert_fetch_error(&e.fetch("api", &other_port).await);
    assert_network_error(&e.fetch("global", &other_port).await);
    assert_eq!(e.decisions(), ["not-allowed", "not-allowed"]);
    // An IP literal, whatever port: refused by the layer (no entry can
    // declare one), and by the host past it.
    let literal = format!("http://127.0.0.1:{}/", e.internal.port);
    assert_eq!(
        caught(&e.fetch("api", &literal).await).0,
        "ExternalEndpointNotAllowedError"
    );
    assert_undeclared_by_the_layer(&e.fetch("global", &literal).await, "http://127.0.0.1");
    assert_eq!(e.api.connections(), 0);
    e.assert_contained();
    e.assert_serves().await;
}

#[tokio::test]
async fn js_egress_private_and_loopback_addresses_refused() {
    let Some(e) = JsEgress::start().await else {
        return;
    };
    // Declared names (`*.rebind.test`, the internal server's port) whose
    // lookup answers loopback, a private or the metadata address: the
    // host's own lookup and address check refuse every one.
    for name in ["loop", "private", "meta"] {
        let url = format!("http://{name}.rebind.test:{}/", e.internal.port);
        assert_fetch_error(&e.fetch("api", &url).await);
        assert_network_error(&e.fetch("global", &url).await);
    }
    assert_eq!(e.decisions(), ["address-refused"; 6]);
    e.assert_contained();
    e.assert_serves().await;
}

#[tokio::test]
async fn js_egress_redirect_to_loopback_not_followed() {
    let Some(e) = JsEgress::start().await else {
        return;
    };
    // The host returns the 302 and never follows it; the engine's `fetch`
    // does not follow it either: the app gets the 302 and its `Location`.
    let to_internal = format!("http://127.0.0.1:{}/", e.internal.port);
    for via in ["api", "global"] {
        let out = e.fetch(via, &e.api_url("/redirect")).await;
        assert_eq!(out["ok"]["status"], 302, "{via}: {out}");
        assert_eq!(out["ok"]["ok"], false, "{via}: {out}");
        assert_eq!(out["ok"]["location"], to_internal, "{via}: {out}");
    }
    assert_eq!(e.api.connections(), 2);
    assert_eq!(e.decisions(), ["allowed", "allowed"]);
    let records = e.h.audit.egress_records();
    assert!(records.iter().all(|r| r.status == Some(302)), "{records:?}");
    // Following it by hand is a new request, checked like any other: an IP
    // literal is refused by the layer, through either fetch, before it is
    // sent (and past the layer by the host: the port cases above).
    assert_eq!(
        caught(&e.fetch("api", &to_internal).await).0,
        "ExternalEndpointNotAllowedError"
    );
    assert_undeclared_by_the_layer(&e.fetch("global", &to_internal).await, "http://127.0.0.1");
    assert_eq!(e.decisions(), ["allowed", "allowed"]);
    e.assert_contained();
    e.assert_serves().await;
}

#[tokio::test]
async fn js_egress_oversized_body_refused() {
    let Some(e) = JsEgress::start().await else {
        return;
    };
    // A declared length over the cap: refused before the body is read.
    assert_fetch_error(&e.fetch("api", &e.api_url("/big")).await);
    assert_network_error(&e.fetch("global", &e.api_url("/big")).await);
    // No length: the body is cut at the cap as it arrives, and reading it
    // fails; no more than the cap reaches the guest.
    for via in ["api", "global"] {
        let out = e.fetch(via, &e.api_url("/big-stream")).await;
        let body = out["ok"]["body"].as_str().unwrap_or_default();
        assert!(
            out.get("bodyErr").is_some() || out.get("err").is_some(),
            "{via}: an oversized body was read whole: {} bytes",
            body.len()
        );
    }
    assert_eq!(e.decisions(), ["response-too-large"; 4]);
    e.assert_contained();
    e.assert_serves().await;
}

#[tokio::test]
async fn js_egress_fetch_component_without_a_backend_refused_at_load() {
    let Some(e) = JsEgress::start().await else {
        return;
    };
    let wasm = std::fs::read(component().expect("built")).expect("the component");
    match e.h.load_refused(wasm, &load_manifest(&[])).await {
        LoadError::Component(ComponentError::ForbiddenImport { name, reason }) => {
            assert!(name.starts_with("wasi:http/"), "{name}");
            assert!(
                reason.contains("permissions.external.fetch.backend"),
                "{reason}"
            );
        }
        other => panic!("expected a forbidden import, got {other}"),
    }
    assert_eq!(e.api.connections() + e.internal.connections(), 0);
}
