//! A JavaScript handler with two Jira requests per invocation
//! (`bench/js-two-requests`: `api.asApp().requestJira(route\`…\`)` twice,
//! each awaited and its body read with `.json()`), issue 18's "handler with
//! two stubbed requests": Kiln, the raw-wasmtime floor and a fresh Node.js
//! `vm` context side by side in the same rounds (see `js_support`).
//!
//! The answers are the same canned JSON on every side
//! (`bench/js-two-requests/stub/*.json`):
//!
//! * **Kiln**: the requests are answered at the transport seam
//!   ([`Transport::in_process`]): no socket, but everything before it runs as
//!   for a real call (quota, path validation, catalogue route, scope check,
//!   headers, the app's credential attached, the one URL builder, response
//!   cap and header allowlist), and the answer is lifted into the guest.
//! * **floor**: `kiln:app/jira@0.5.0#request-jira` answered directly with the
//!   canned response (no policy at all).
//! * **Node.js**: `@forge/api` replaced by a stub whose `requestJira`
//!   resolves a Response-like object (`ok`, `status`, `headers`, `json()`,
//!   `text()`) over the same bytes.
//!
//! `KILN_JS_COMPONENT=$PWD/bench/js-two-requests/js-two-requests.wasm cargo bench -p kiln-runtime --bench js_two_requests`
//! (`KILN_JS_STUB=<dir>` for other canned answers; default
//! `<component dir>/stub`). Prints `JS_TWO kiln median …`,
//! `JS_TWO_FLOOR …`, `JS_TWO_NODE …`, `JS_TWO_USAGE …`, `JS_TWO_RATIO …`.

mod js_support;
mod support;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use kiln_runtime::jira::client::{Transport, TransportError};
use kiln_runtime::{Credential, Credentials, HttpLimits, JiraClient, Site};

fn main() {
    let Some(component) = std::env::var_os("KILN_JS_COMPONENT").map(PathBuf::from) else {
        eprintln!("JS_TWO: skipped (set KILN_JS_COMPONENT to bench/js-two-requests's component)");
        return;
    };
    let dir = std::env::var_os("KILN_JS_STUB")
        .map(PathBuf::from)
        .unwrap_or_else(|| component.with_file_name("stub"));
    let stub = js_support::Stub::load(&dir);
    let answered = Arc::new(AtomicU64::new(0));
    js_support::run(js_support::JsBench {
        label: "JS_TWO",
        default_handler: "index.twoRequests",
        client: client(stub.clone(), answered.clone()),
        stub: Some(stub),
        requests_per_call: 2,
        answered: Some(answered),
    });
}

/// A client whose app credential is a static bearer token (so `asApp()`
/// goes through the gateway URL, as an app's service account does) and whose
/// transport answers from `stub` in process.
fn client(stub: js_support::Stub, answered: Arc<AtomicU64>) -> JiraClient {
    let site = Site::new(
        "https://kiln-bench.atlassian.net",
        "https://api.atlassian.com",
        "bench-cloud",
    )
    .expect("benchmark site is valid");
    let credentials = Credentials {
        user: None,
        app: Some(Credential::Bearer {
            access_token: "bench-app-token".to_owned().into(),
        }),
    };
    let transport = Transport::in_process(move |request| {
        let has_credential = request.headers.contains_key(http::header::AUTHORIZATION);
        let body = stub
            .answer(request.url.path())
            .filter(|_| has_credential)
            .ok_or_else(|| TransportError::Failed("no canned answer".into()))?;
        answered.fetch_add(1, Ordering::Relaxed);
        Ok(http::Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(body)
            .expect("a canned response is valid"))
    });
    JiraClient::with_transport(site, credentials, HttpLimits::default(), transport)
}
