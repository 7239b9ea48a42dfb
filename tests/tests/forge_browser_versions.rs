//! An npm package whose Node version needs modules Kiln refuses is bundled in
//! its browser version (its package.json `browser` field), which the JS
//! engine can run: axios 1.7.9 (`tests/js/axios`, installed from its
//! lockfile) needs `http`, `https`, `zlib` and, through follow-redirects,
//! `assert` in Node; its browser version sends with `fetch`, so the app's
//! calls go out through Kiln's egress door to a third party on loopback. The
//! AWS SDK v3's SES client (`tests/js/aws-ses`) reaches `http` through
//! `@smithy/node-http-handler`, which has no browser version; the client's
//! own browser version leaves it out and signs and sends with `fetch`.

use std::net::IpAddr;
use std::sync::Arc;

use kiln_manifest::Backend;
use kiln_runtime::RuntimeOptions;
use kiln_runtime::consent::OperatorPolicy;
use kiln_runtime::egress::{EgressConfig, EgressOverride, EgressOverrides, StaticResolver};
use serde_json::{Value, json};

use crate::support::third_party::{self, ThirdParty};
use crate::support::{ADMIN, Harness, forge_example, ok_json};

fn manifest(port: u16) -> String {
    format!(
        "app:\n  id: kiln-axios-js\n  runtime:\n    name: nodejs22.x\n    timeoutSeconds: 20\n\
         modules:\n  function:\n    - key: call\n      handler: index.call\n\
         permissions:\n  scopes:\n    - read:jira-user\n  external:\n    fetch:\n      backend:\n\
         \x20       - http://api.example.test:{port}\n"
    )
}

/// A harness whose egress reaches `host` on loopback over http (the
/// operator's override, and a resolver naming loopback for it).
pub(crate) async fn harness_reaching(host: &str) -> Harness {
    let loopback: IpAddr = "127.0.0.1".parse().expect("address");
    let overrides = EgressOverrides::new(vec![EgressOverride {
        host: host.parse::<Backend>().expect("host").host,
        allow_http: true,
        allow_addresses: vec!["127.0.0.1/32".parse().expect("range")],
    }]);
    let host = host.to_owned();
    Harness::start_options(ADMIN, None, move |options| RuntimeOptions {
        policy: OperatorPolicy::default().with_egress(overrides),
        egress: EgressConfig {
            resolver: Arc::new(StaticResolver::new().with(&host, [loopback])),
            ..EgressConfig::default()
        },
        ..options
    })
    .await
}

#[tokio::test]
async fn axios_runs_in_its_browser_version_through_the_egress_door() {
    let Some(path) = tokio::task::spawn_blocking(|| forge_example::test_app("axios"))
        .await
        .expect("the build thread")
    else {
        return;
    };
    let api = ThirdParty::http(|head| {
        if head.starts_with("POST /refuse ") {
            "HTTP/1.1 422 Unprocessable Entity\r\ncontent-type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
                .to_owned()
        } else {
            third_party::ok("application/json", r#"{"hello":"from the third party"}"#)
        }
    })
    .await;
    let h = harness_reaching("api.example.test").await;
    let app = h
        .load(path.to_str().expect("UTF-8 path"), &manifest(api.port))
        .await;
    let base = format!("http://api.example.test:{}", api.port);
    let out: Value = ok_json(&h.invoke(&app, "call", json!({ "base": base })).await);
    assert_eq!(out["status"], 200, "{out}");
    assert_eq!(
        out["data"],
        json!({ "hello": "from the third party" }),
        "{out}"
    );
    // axios rejects a 4xx and the app reads the response from the error.
    assert_eq!(out["posted"]["status"], 422, "{out}");
    let requests = api.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert!(requests[0].starts_with("GET /hello "), "{requests:?}");
    assert!(
        requests[0].to_ascii_lowercase().contains("x-app: axios"),
        "{requests:?}"
    );
    assert!(requests[1].starts_with("POST /refuse "), "{requests:?}");
}

#[tokio::test]
async fn the_aws_sdk_sends_signed_with_its_browser_version_through_the_egress_door() {
    let Some(path) = tokio::task::spawn_blocking(|| forge_example::test_app("aws-ses"))
        .await
        .expect("the build thread")
    else {
        return;
    };
    let ses = ThirdParty::http(|_| {
        third_party::ok(
            "text/xml",
            "<SendEmailResponse xmlns=\"http://ses.amazonaws.com/doc/2010-12-01/\">\
             <SendEmailResult><MessageId>kiln-message-1</MessageId></SendEmailResult>\
             <ResponseMetadata><RequestId>kiln-request-1</RequestId></ResponseMetadata>\
             </SendEmailResponse>",
        )
    })
    .await;
    let h = harness_reaching("email.example.test").await;
    let manifest =
        std::fs::read_to_string(forge_example::test_app_dir("aws-ses").join("manifest.yml"))
            .expect("the app's manifest")
            .replace(
                "http://email.example.test",
                &format!("http://email.example.test:{}", ses.port),
            );
    let app = h.load(path.to_str().expect("UTF-8 path"), &manifest).await;
    let endpoint = format!("http://email.example.test:{}", ses.port);
    let out: Value = ok_json(
        &h.invoke(&app, "send", json!({ "endpoint": endpoint }))
            .await,
    );
    assert_eq!(
        out,
        json!({ "messageId": "kiln-message-1", "status": 200 }),
        "{out}"
    );
    let requests = ses.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let head = requests[0].to_ascii_lowercase();
    assert!(head.starts_with("post / "), "{head}");
    // Signed by the SDK (SigV4) with the app's own example key.
    assert!(
        head.contains("authorization: aws4-hmac-sha256 credential=akiaiosfodnn7example/"),
        "{head}"
    );
    assert!(head.contains("x-amz-date: "), "{head}");
    h.assert_jira_untouched();
}
