//! The egress example (`examples/weather-note`): a real component calls a
//! "third-party weather API" — a loopback HTTP server here — through
//! `kiln_sdk::fetch` and the host's egress checks. The manifest's backend
//! is pointed at the server's port and the operator policy allows plain
//! HTTP and the loopback address for that one host, as an operator would
//! for a staging API; the name resolves through a test resolver.

use std::sync::Arc;

use crate::support::third_party::{self, ThirdParty};
use kiln_manifest::{Backend, Manifest};
use kiln_runtime::consent::OperatorPolicy;
use kiln_runtime::egress::{EgressConfig, EgressOverride, EgressOverrides, StaticResolver};
use kiln_runtime::runtime::CacheMode;
use kiln_runtime::{
    Credential, Credentials, HttpLimits, Invocation, JiraClient, MemoryAudit, Runtime,
    RuntimeOptions, Site,
};
use kiln_sim::{SimConfig, Simulator};
use kiln_tests::programs;
use serde_json::{Value, json};

const MANIFEST: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../examples/weather-note/manifest.yml"
);

#[tokio::test]
async fn weather_note_calls_the_declared_api_through_egress() {
    let forecast = ThirdParty::http(|_| {
        third_party::ok(
            "application/json",
            r#"{"summary":"light snow","temperatureC":-3.4}"#,
        )
    })
    .await;
    let port = forecast.port;
    let sim = Simulator::start(SimConfig::default())
        .await
        .expect("simulator");
    let user = sim.user("admin@example.com").expect("seeded user");
    let token = user.api_token.clone();
    let credentials = Credentials {
        user: Some(Credential::ApiToken {
            email: user.email.clone(),
            token: user.api_token.clone().into(),
        }),
        app: None,
    };
    let site = Site::new(sim.base_url(), sim.base_url(), sim.cloud_id()).expect("site");
    let client = JiraClient::new(site, credentials, HttpLimits::default()).expect("client");
    let overrides = EgressOverrides::new(vec![EgressOverride {
        host: "api.weather.example".parse::<Backend>().expect("host").host,
        allow_http: true,
        allow_addresses: vec!["127.0.0.1/32".parse().expect("range")],
    }]);
    let audit = Arc::new(MemoryAudit::default());
    let runtime = Runtime::new(
        client,
        RuntimeOptions {
            audit: audit.clone(),
            cache: CacheMode::Disabled,
            policy: OperatorPolicy::default().with_egress(overrides),
            egress: EgressConfig {
                resolver: Arc::new(
                    StaticResolver::new()
                        .with("api.weather.example", ["127.0.0.1".parse().expect("ip")]),
                ),
                ..EgressConfig::default()
            },
            ..RuntimeOptions::default()
        },
    )
    .expect("runtime");

    // The shipped manifest declares https://api.weather.example; the test
    // server speaks plain HTTP on its own port.
    let shipped = std::fs::read_to_string(MANIFEST).expect("example manifest");
    assert!(shipped.contains("- api.weather.example\n"), "{shipped}");
    let local = shipped.replace(
        "- api.weather.example\n",
        &format!("- http://api.weather.example:{port}\n"),
    );
    let manifest = Manifest::from_yaml(&local).expect("manifest");
    let wasm = std::fs::read(programs::WEATHER_NOTE).expect("component built by tests/build.rs");
    let app = runtime.load(wasm, manifest).await.expect("app loads");

    let invoked = app
        .invoke(Invocation {
            function_key: None,
            payload: json!({ "issue": "KILN-1", "city": "Oslo",
                             "api": format!("http://api.weather.example:{port}") })
            .to_string(),
            ..Invocation::default()
        })
        .await
        .expect("invocation starts");
    let result: Value = match &invoked.result {
        Ok(json) => serde_json::from_str(json).expect("JSON result"),
        Err(e) => panic!("the app failed: {e}; logs {:?}", invoked.logs),
    };
    assert_eq!(result["forecast"]["summary"], "light snow", "{result}");
    assert_eq!(
        result["note"], "KILN-1: light snow in Oslo, -3 °C",
        "{result}"
    );
    assert!(result["summary"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(forecast.connections(), 1);
    let seen = forecast.requests().join("\n");
    assert!(
        seen.starts_with("GET /v1/forecast?city=Oslo HTTP/1.1"),
        "{seen}"
    );
    // Kiln adds nothing of its own: no Jira credential, no authorization.
    assert!(!seen.contains(&token), "{seen}");
    assert!(
        !seen.to_ascii_lowercase().contains("authorization"),
        "{seen}"
    );

    let egress = audit.egress_records();
    assert_eq!(egress.len(), 1, "{egress:?}");
    assert_eq!(egress[0].host.as_deref(), Some("api.weather.example"));
    assert_eq!(egress[0].decision, "allowed");
    assert_eq!(egress[0].status, Some(200));

    // The same app asking for another host, or the same host over the
    // default (https) port, reaches nothing.
    let refused = app
        .invoke(Invocation {
            function_key: None,
            payload: json!({ "issue": "KILN-1", "city": "Oslo", "api": "http://127.0.0.1:9" })
                .to_string(),
            ..Invocation::default()
        })
        .await
        .expect("invocation starts");
    assert!(refused.result.is_err(), "{:?}", refused.result);
    assert_eq!(forecast.connections(), 1);
}
