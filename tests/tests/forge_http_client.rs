//! Node's `http` and `https` clients in a JS app (`tests/js/http-client`):
//! the layer's client over `fetch`, so a request goes through the manifest's
//! `permissions.external.fetch.backend` and then Kiln's egress door, which
//! checks it again and sends it itself. The third party is a real server on
//! loopback; the operator's override lets `api.example.test` reach it over
//! http (`forge_browser_versions::harness_reaching`).

use serde_json::{Value, json};

use crate::forge_browser_versions::harness_reaching;
use crate::support::third_party::{self, ThirdParty};
use crate::support::{forge_example, ok_json};

/// The third party: `/moved` redirects to the host's own loopback, `/hop`
/// to `/hello?hopped=1` on the same server, anything
/// else answers its request line and the headers the test looks at, as JSON.
async fn third_party() -> ThirdParty {
    ThirdParty::http(|head| {
        if head.starts_with("GET /moved ") {
            return third_party::redirect("http://127.0.0.1:1/admin");
        }
        if head.starts_with("GET /hop ") {
            return third_party::redirect("/hello?hopped=1");
        }
        let header = |name: &str| third_party::header(head, name);
        let body = json!({
            "line": head.lines().next().unwrap_or_default(),
            "app": header("x-app"),
            "host": header("host"),
            "type": header("content-type"),
            "length": header("content-length"),
        })
        .to_string();
        third_party::ok("application/json", &body)
    })
    .await
}

/// The JSON body the app reported for `case`.
fn body_json(out: &Value, case: &str) -> Value {
    serde_json::from_str(out[case]["body"].as_str().expect("a body")).expect("JSON")
}

#[tokio::test]
async fn node_http_requests_go_out_through_the_egress_door() {
    let Some(path) = tokio::task::spawn_blocking(|| forge_example::test_app("http-client"))
        .await
        .expect("the build thread")
    else {
        return;
    };
    let api = third_party().await;
    let h = harness_reaching("api.example.test").await;
    let manifest =
        std::fs::read_to_string(forge_example::test_app_dir("http-client").join("manifest.yml"))
            .expect("the app's manifest")
            .replace(
                "http://api.example.test",
                &format!("http://api.example.test:{}", api.port),
            );
    let app = h.load(path.to_str().expect("UTF-8 path"), &manifest).await;
    let base = format!("http://api.example.test:{}", api.port);
    let out: Value = ok_json(&h.invoke(&app, "call", json!({ "base": base })).await);

    // A GET with a query and the app's header; the Host the app tried to set
    // is the host's to write, from the URL it checked.
    assert_eq!(out["got"]["status"], 200, "{out}");
    assert_eq!(out["got"]["contentType"], "application/json", "{out}");
    let got = body_json(&out, "got");
    assert_eq!(got["line"], "GET /hello?x=1 HTTP/1.1", "{got}");
    assert_eq!(got["app"], "node-http", "{got}");
    assert_eq!(
        got["host"],
        format!("api.example.test:{}", api.port),
        "{got}"
    );

    // A POST written in two pieces arrives as one body of its length.
    let posted = body_json(&out, "posted");
    assert_eq!(posted["line"], "POST /items HTTP/1.1", "{posted}");
    assert_eq!(posted["type"], "application/json", "{posted}");
    assert_eq!(
        posted["length"],
        "{\"name\":\"Zoë\"}".len().to_string(),
        "{posted}"
    );

    // A redirect is answered, not followed (its target is the host's loopback).
    assert_eq!(out["moved"]["status"], 302, "{out}");
    assert_eq!(
        out["moved"]["location"], "http://127.0.0.1:1/admin",
        "{out}"
    );

    // Hosts and schemes the manifest does not declare fail as Forge's fetch
    // does, before anything is sent.
    for case in ["undeclared", "tls"] {
        assert_eq!(
            out[case]["error"]["name"], "REQUEST_EGRESS_ALLOWLIST_ERR",
            "{case}: {out}"
        );
    }
    // follow-redirects (the package's own http calls) follows a redirect on
    // the declared host, as a new request; a redirect to the host's loopback
    // it also tries to follow, and the layer refuses it (undeclared), before
    // the host would have.
    assert_eq!(out["followed"]["status"], 200, "{out}");
    let followed = body_json(&out, "followed");
    assert_eq!(
        followed["line"], "GET /hello?hopped=1 HTTP/1.1",
        "{followed}"
    );
    assert_eq!(
        out["escaped"]["error"]["name"], "REQUEST_EGRESS_ALLOWLIST_ERR",
        "{out}"
    );

    let lines: Vec<String> = api
        .requests()
        .iter()
        .map(|head| head.lines().next().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        lines,
        [
            "GET /hello?x=1 HTTP/1.1",
            "POST /items HTTP/1.1",
            "GET /moved HTTP/1.1",
            "GET /hop HTTP/1.1",
            "GET /hello?hopped=1 HTTP/1.1",
            "GET /moved HTTP/1.1",
        ],
        "nothing else reached the third party"
    );
    h.assert_jira_untouched();
}
