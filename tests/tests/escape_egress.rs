//! Escape suite, egress: an app that declares third-party backends tries to
//! reach what it must not (the host's loopback, private and metadata
//! addresses, undeclared hosts and ports) through `wasi:http`, with every
//! trick of URL spelling and name resolution in the table below.
//!
//! The targets are real HTTP servers on loopback that count every
//! connection: a refused case must leave them at zero, an allowed case at
//! exactly one. Names resolve through a test resolver (no DNS server), so
//! "a declared name that resolves to loopback" is a real case, not a mock:
//! the host's own lookup answers it and its own address check refuses it.

use crate::support;
use crate::support::third_party::{self, TestAuthority, ThirdParty};

use std::net::IpAddr;
use std::sync::Arc;

use kiln_manifest::{Backend, Manifest};
use kiln_runtime::consent::OperatorPolicy;
use kiln_runtime::egress::{
    EgressConfig, EgressOverride, EgressOverrides, StaticResolver, connector,
};
use kiln_runtime::runtime::CacheMode;
use kiln_runtime::sandbox::component_check::ComponentError;
use kiln_runtime::{
    Credential, Credentials, HttpLimits, Invocation, JiraClient, LoadError, LoadedApp, MemoryAudit,
    Runtime, RuntimeOptions, Site,
};
use kiln_sim::{SimConfig, Simulator};
use kiln_tests::programs;
use serde_json::{Value, json};

struct Egress {
    _sim: Simulator,
    runtime: Runtime,
    audit: Arc<MemoryAudit>,
    /// The declared API (`api.example.test`, operator-allowed on loopback).
    api: ThirdParty,
    /// What must never be reached: the host's "internal" service.
    internal: ThirdParty,
    /// The declared API over TLS (`secure.example.test`), its certificate
    /// signed by the test's own authority.
    secure: ThirdParty,
    /// Declared as `wrong.example.test`, but its certificate names another host.
    wrong_name: ThirdParty,
}

/// Which certificate authorities the host's egress trusts.
#[derive(Clone, Copy, PartialEq)]
enum Trust {
    /// The test's own authority only (what a test root store looks like).
    TestAuthority,
    /// Kiln's default: the Mozilla roots, which never signed a test certificate.
    Default,
}

fn ip(text: &str) -> IpAddr {
    text.parse().expect("address")
}

impl Egress {
    async fn start() -> Self {
        Self::start_trusting(Trust::TestAuthority).await
    }

    async fn start_trusting(trust: Trust) -> Self {
        let authority = TestAuthority::new();
        let hello = |_: &str| third_party::ok("text/plain", "hello");
        let secure =
            ThirdParty::https(&authority.certificate(&["secure.example.test"]), hello).await;
        let wrong_name =
            ThirdParty::https(&authority.certificate(&["other.example.test"]), hello).await;
        let internal = ThirdParty::http(|_| third_party::ok("text/plain", "hello")).await;
        let to_internal = format!("http://127.0.0.1:{}/", internal.port);
        let api = ThirdParty::http(move |head| {
            if head.starts_with("GET /redirect ") {
                third_party::redirect(&to_internal)
            } else {
                third_party::ok("text/plain", "hello")
            }
        })
        .await;
        let sim = Simulator::start(SimConfig::default())
            .await
            .expect("simulator");
        let user = sim.user(support::ADMIN).expect("seeded user");
        let credentials = Credentials {
            user: Some(Credential::ApiToken {
                email: user.email.clone(),
                token: user.api_token.clone().into(),
            }),
            app: None,
        };
        let site = Site::new(sim.base_url(), sim.base_url(), sim.cloud_id()).expect("site");
        let client = JiraClient::new(site, credentials, HttpLimits::default()).expect("client");
        let resolver = StaticResolver::new()
            .with("api.example.test", [ip("127.0.0.1")])
            .with("plain.example.test", [ip("127.0.0.1")])
            .with("tls.example.test", [ip("127.0.0.1")])
            .with("secure.example.test", [ip("127.0.0.1")])
            .with("wrong.example.test", [ip("127.0.0.1")])
            .with("loop.rebind.test", [ip("127.0.0.1")])
            .with("mixed.rebind.test", [ip("93.184.216.34"), ip("127.0.0.1")])
            .with("private.rebind.test", [ip("10.0.0.1")])
            .with("meta.rebind.test", [ip("169.254.169.254")])
            .with("cgnat.rebind.test", [ip("100.64.0.1")])
            .with("v6.rebind.test", [ip("::1")])
            .with("mapped.rebind.test", [ip("::ffff:127.0.0.1")])
            .with("nat64.rebind.test", [ip("64:ff9b::7f00:1")])
            .with("ec2.rebind.test", [ip("fd00:ec2::254")])
            .with("zero.rebind.test", [ip("0.0.0.0")]);
        let overrides = EgressOverrides::new(vec![
            EgressOverride {
                host: "api.example.test".parse::<Backend>().expect("host").host,
                allow_http: true,
                allow_addresses: vec!["127.0.0.1/32".parse().expect("range")],
            },
            EgressOverride {
                host: "secure.example.test".parse::<Backend>().expect("host").host,
                allow_http: false,
                allow_addresses: vec!["127.0.0.1/32".parse().expect("range")],
            },
            EgressOverride {
                host: "wrong.example.test".parse::<Backend>().expect("host").host,
                allow_http: false,
                allow_addresses: vec!["127.0.0.1/32".parse().expect("range")],
            },
            EgressOverride {
                host: "*.rebind.test".parse::<Backend>().expect("host").host,
                allow_http: true,
                allow_addresses: Vec::new(),
            },
        ]);
        let audit = Arc::new(MemoryAudit::default());
        let runtime = Runtime::new(
            client,
            RuntimeOptions {
                audit: audit.clone(),
                cache: CacheMode::Disabled,
                policy: OperatorPolicy::default().with_egress(overrides),
                egress: EgressConfig {
                    resolver: Arc::new(resolver),
                    tls: match trust {
                        Trust::TestAuthority => connector::tls_with_roots(authority.roots()),
                        Trust::Default => connector::default_tls(),
                    },
                    ..EgressConfig::default()
                },
                ..RuntimeOptions::default()
            },
        )
        .expect("runtime");
        Self {
            _sim: sim,
            runtime,
            audit,
            api,
            internal,
            secure,
            wrong_name,
        }
    }

    fn manifest(&self, max_requests: u32) -> String {
        format!(
            "app:\n  id: egress-escape\n  runtime:\n    maxRequests: {max_requests}\n    timeoutSeconds: 20\n\
             modules:\n  function:\n    - key: send\n      handler: send\n\
             permissions:\n  scopes:\n    - read:jira-user\n  external:\n    fetch:\n      backend:\n\
             \x20       - http://api.example.test:{api}\n\
             \x20       - http://plain.example.test:{api}\n\
             \x20       - https://tls.example.test:{api}\n\
             \x20       - https://secure.example.test:{secure}\n\
             \x20       - https://wrong.example.test:{wrong}\n\
             \x20       - http://*.rebind.test:{internal}\n",
            api = self.api.port,
            internal = self.internal.port,
            secure = self.secure.port,
            wrong = self.wrong_name.port,
        )
    }

    async fn load(&self, max_requests: u32) -> LoadedApp {
        let wasm = std::fs::read(programs::EGRESS).expect("component built by tests/build.rs");
        let manifest = Manifest::from_yaml(&self.manifest(max_requests)).expect("manifest");
        self.runtime.load(wasm, manifest).await.expect("app loads")
    }

    async fn send(&self, app: &LoadedApp, payload: Value) -> Value {
        let invoked = app
            .invoke(Invocation {
                function_key: Some("send".into()),
                payload: payload.to_string(),
                ..Invocation::default()
            })
            .await
            .expect("invocation starts");
        support::ok_json(&invoked)
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    /// Reaches the declared API once.
    Api,
    /// Reaches nothing.
    Refused,
}

struct Case {
    name: &'static str,
    request: Value,
    expect: Expect,
}

/// The SSRF table. `{api}` and `{internal}` in authorities are the two
/// servers' ports.
fn table(api: u16, internal: u16) -> Vec<Case> {
    let req = |scheme: Option<&str>, authority: String| json!({ "scheme": scheme, "authority": authority, "path": "/" });
    let http = |authority: String| req(Some("http"), authority);
    let case = |name, request, expect| Case {
        name,
        request,
        expect,
    };
    use Expect::*;
    vec![
        case(
            "declared host, operator-allowed loopback",
            http(format!("api.example.test:{api}")),
            Api,
        ),
        case(
            "uppercase host",
            http(format!("API.EXAMPLE.TEST:{api}")),
            Api,
        ),
        case(
            "trailing dot",
            http(format!("api.example.test.:{api}")),
            Api,
        ),
        case(
            "dotted IPv4 literal",
            http(format!("127.0.0.1:{internal}")),
            Refused,
        ),
        case(
            "decimal IPv4",
            http(format!("2130706433:{internal}")),
            Refused,
        ),
        case(
            "octal IPv4",
            http(format!("0177.0.0.1:{internal}")),
            Refused,
        ),
        case("hex IPv4", http(format!("0x7f.0.0.1:{internal}")), Refused),
        case(
            "hex IPv4, one number",
            http(format!("0x7f000001:{internal}")),
            Refused,
        ),
        case(
            "short-form IPv4",
            http(format!("127.1:{internal}")),
            Refused,
        ),
        case(
            "unspecified IPv4",
            http(format!("0.0.0.0:{internal}")),
            Refused,
        ),
        case("IPv6 loopback", http(format!("[::1]:{internal}")), Refused),
        case(
            "IPv4-mapped IPv6",
            http(format!("[::ffff:127.0.0.1]:{internal}")),
            Refused,
        ),
        case(
            "IPv4-mapped IPv6, hex",
            http(format!("[::ffff:7f00:1]:{internal}")),
            Refused,
        ),
        case(
            "IPv4-compatible IPv6",
            http(format!("[::127.0.0.1]:{internal}")),
            Refused,
        ),
        case(
            "scoped IPv6",
            http(format!("[fe80::1%25lo]:{internal}")),
            Refused,
        ),
        case("localhost", http(format!("localhost:{internal}")), Refused),
        case(
            "declared name resolving to loopback",
            http(format!("loop.rebind.test:{internal}")),
            Refused,
        ),
        case(
            "DNS answer mixing public and loopback",
            http(format!("mixed.rebind.test:{internal}")),
            Refused,
        ),
        case(
            "declared name resolving to private",
            http(format!("private.rebind.test:{internal}")),
            Refused,
        ),
        case(
            "declared name resolving to metadata",
            http(format!("meta.rebind.test:{internal}")),
            Refused,
        ),
        case(
            "declared name resolving to CGNAT",
            http(format!("cgnat.rebind.test:{internal}")),
            Refused,
        ),
        case(
            "declared name resolving to ::1",
            http(format!("v6.rebind.test:{internal}")),
            Refused,
        ),
        case(
            "declared name resolving to mapped loopback",
            http(format!("mapped.rebind.test:{internal}")),
            Refused,
        ),
        case(
            "declared name resolving to NAT64 loopback",
            http(format!("nat64.rebind.test:{internal}")),
            Refused,
        ),
        case(
            "declared name resolving to fd00:ec2::254",
            http(format!("ec2.rebind.test:{internal}")),
            Refused,
        ),
        case(
            "declared name resolving to 0.0.0.0",
            http(format!("zero.rebind.test:{internal}")),
            Refused,
        ),
        case(
            "declared name without an answer",
            http(format!("gone.rebind.test:{internal}")),
            Refused,
        ),
        case(
            "userinfo before a literal",
            http(format!("api.example.test:{api}@127.0.0.1:{internal}")),
            Refused,
        ),
        case(
            "userinfo before the declared host",
            http(format!("user:pw@api.example.test:{api}")),
            Refused,
        ),
        case(
            "declared host, undeclared port",
            http(format!("api.example.test:{internal}")),
            Refused,
        ),
        case(
            "declared host, default port",
            http("api.example.test".to_owned()),
            Refused,
        ),
        case(
            "wildcard's parent",
            http(format!("rebind.test:{internal}")),
            Refused,
        ),
        case(
            "lookalike of the wildcard",
            http(format!("evil-rebind.test:{internal}")),
            Refused,
        ),
        case(
            "wildcard as a suffix of another name",
            http(format!("loop.rebind.test.evil:{internal}")),
            Refused,
        ),
        case(
            "http to an http entry without the operator's override",
            http(format!("plain.example.test:{api}")),
            Refused,
        ),
        case(
            "http to an https-only entry",
            http(format!("tls.example.test:{api}")),
            Refused,
        ),
        case(
            "no scheme (https by default) to an http entry",
            req(None, format!("api.example.test:{api}")),
            Refused,
        ),
        case(
            "another scheme",
            req(Some("ftp"), format!("api.example.test:{api}")),
            Refused,
        ),
        case(
            "no authority",
            json!({ "scheme": "http", "path": "/" }),
            Refused,
        ),
        case(
            "CONNECT to the declared host",
            json!({ "scheme": "http", "authority": format!("api.example.test:{api}"), "method": "CONNECT", "path": "/" }),
            Refused,
        ),
        case(
            "TRACE to the declared host",
            json!({ "scheme": "http", "authority": format!("api.example.test:{api}"), "method": "TRACE", "path": "/" }),
            Refused,
        ),
        case(
            "extension method",
            json!({ "scheme": "http", "authority": format!("api.example.test:{api}"), "method": "PROPFIND", "path": "/" }),
            Refused,
        ),
        case(
            "Host header naming the internal server",
            json!({ "scheme": "http", "authority": format!("api.example.test:{api}"), "path": "/",
                    "headers": [["host", format!("127.0.0.1:{internal}")]] }),
            Refused,
        ),
        case(
            "absolute URL as the path",
            json!({ "scheme": "http", "authority": format!("api.example.test:{api}"),
                    "path": format!("http://127.0.0.1:{internal}/") }),
            Refused,
        ),
    ]
}

#[tokio::test]
async fn egress_ssrf_table_reaches_only_the_declared_api() {
    let e = Egress::start().await;
    let app = e.load(1000).await;
    let cases = table(e.api.port, e.internal.port);
    assert!(cases.len() >= 30, "the table has {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        e.api.reset();
        e.internal.reset();
        let out = e.send(&app, json!({ "requests": [case.request] })).await;
        let result = &out["results"][0];
        let (api, internal) = (e.api.connections(), e.internal.connections());
        let ok = match case.expect {
            Expect::Api => {
                api == 1
                    && internal == 0
                    && result["status"] == 200
                    && e.api.hosts().as_slice() == [format!("api.example.test:{}", e.api.port)]
            }
            Expect::Refused => api == 0 && internal == 0 && result.get("error").is_some(),
        };
        if !ok {
            failures.push(format!(
                "{}: expected {:?}, api hits {api}, internal hits {internal}, result {result}",
                case.name, case.expect
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    // One audit line per call that reached the host's hook (some are
    // refused by wasi:http itself, before it); none names a host the
    // allowlist did not.
    let records = e.audit.egress_records();
    assert!(
        records.len() <= cases.len() && records.len() >= 30,
        "{} audit lines for {} cases",
        records.len(),
        cases.len()
    );
    assert_eq!(records.iter().filter(|r| r.status == Some(200)).count(), 3);
    for record in &records {
        if let Some(host) = &record.host {
            assert!(
                host.ends_with(".example.test") || host.ends_with(".rebind.test"),
                "{record:?}"
            );
        }
    }
}

#[tokio::test]
async fn egress_redirects_are_returned_not_followed() {
    let e = Egress::start().await;
    let app = e.load(1000).await;
    let out = e
        .send(
            &app,
            json!({ "requests": [{ "scheme": "http", "authority": format!("api.example.test:{}", e.api.port), "path": "/redirect" }] }),
        )
        .await;
    let result = &out["results"][0];
    assert_eq!(result["status"], 302, "{out}");
    assert_eq!(
        result["location"],
        format!("http://127.0.0.1:{}/", e.internal.port)
    );
    assert_eq!(e.api.connections(), 1);
    assert_eq!(e.internal.connections(), 0, "the redirect was followed");
}

#[tokio::test]
async fn egress_several_requests_in_flight_at_once() {
    let e = Egress::start().await;
    let app = e.load(1000).await;
    let one = json!({ "scheme": "http", "authority": format!("api.example.test:{}", e.api.port), "path": "/" });
    let out = e
        .send(&app, json!({ "requests": [one, one, one, one] }))
        .await;
    for result in out["results"].as_array().expect("results") {
        assert_eq!(result["status"], 200, "{out}");
        assert_eq!(result["body"], "hello");
    }
    assert_eq!(e.api.connections(), 4);
}

/// A request the host refuses before reading its body (here its lookup
/// fails) still takes the body in, up to the cap, so the guest's writes that
/// follow the refusal succeed and the guest sees the request's own error.
/// A body dropped with the refusal closed the stream under the guest:
/// StarlingMonkey, whose `fetch` writes a body in the background, aborted
/// the whole instance on that write (a trap, not the app's rejected fetch).
#[tokio::test]
async fn egress_a_refused_requests_body_is_taken_not_cut_off() {
    let e = Egress::start().await;
    let app = e.load(1000).await;
    let refused = json!({
        "scheme": "http",
        "authority": format!("nowhere.rebind.test:{}", e.internal.port),
        "method": "POST",
        "path": "/",
        "body_len": 64 * 1024,
        "body_after_answer": true,
    });
    let out = e.send(&app, json!({ "requests": [refused] })).await;
    let error = out["results"][0]["error"].as_str().unwrap_or_default();
    assert!(error.starts_with("ErrorCode::DnsError"), "{out}");
    assert_eq!(e.internal.connections(), 0);
}

#[tokio::test]
async fn egress_quota_counted_apart_from_request_jira() {
    let e = Egress::start().await;
    // `maxRequests: 2` is request-jira's; egress has Forge's own limit, 100 requests per
    // minute of the invocation's timeout (20 s here: 100). Neither door spends the other's.
    let app = e.load(2).await;
    let one = json!({ "scheme": "http", "authority": format!("api.example.test:{}", e.api.port), "path": "/" });
    let requests: Vec<Value> = (0..101).map(|_| one.clone()).collect();
    let out = e
        .send(&app, json!({ "jira_calls": 3, "requests": requests }))
        .await;
    assert_eq!(out["jira"][0]["status"], 200, "{out}");
    assert_eq!(out["jira"][1]["status"], 200, "{out}");
    assert!(
        out["jira"][2]["error"]
            .as_str()
            .unwrap_or_default()
            .contains("QuotaExceeded"),
        "the third request-jira call is over maxRequests: {}",
        out["jira"]
    );
    let results = out["results"].as_array().expect("results");
    assert_eq!(
        results.iter().filter(|r| r["status"] == 200).count(),
        100,
        "request-jira's use left egress all of its own: {}",
        out["results"]
    );
    let refused: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("error").is_some())
        .collect();
    assert_eq!(refused.len(), 1, "{}", out["results"]);
    assert!(
        refused[0]["error"]
            .as_str()
            .unwrap_or_default()
            .contains("quota"),
        "{refused:?}"
    );
    assert_eq!(
        e.api.requests().len(),
        100,
        "the refused request reached nothing"
    );
    // A fresh invocation has a fresh budget.
    let out = e
        .send(&app, json!({ "jira_calls": 1, "requests": [one] }))
        .await;
    assert_eq!(out["jira"][0]["status"], 200, "{out}");
    assert_eq!(out["results"][0]["status"], 200, "{out}");
}

#[tokio::test]
async fn egress_wasi_http_without_a_backend_refused_at_load() {
    let e = Egress::start().await;
    let wasm = std::fs::read(programs::EGRESS).expect("component built by tests/build.rs");
    let manifest = Manifest::from_yaml(
        "app:\n  id: no-backend\nmodules:\n  function:\n    - key: send\n      handler: send\npermissions:\n  scopes: []\n",
    )
    .expect("manifest");
    match e.runtime.load(wasm, manifest).await {
        Err(LoadError::Component(ComponentError::ForbiddenImport { name, reason })) => {
            assert!(name.starts_with("wasi:http/"), "{name}");
            assert!(
                reason.contains("permissions.external.fetch.backend"),
                "{reason}"
            );
        }
        Err(other) => panic!("expected a forbidden import, got {other}"),
        Ok(_) => panic!("a component importing wasi:http without a backend loaded"),
    }
    assert_eq!(e.api.connections() + e.internal.connections(), 0);
}

/// One compiled copy is shared by every app loaded from the same bytes
/// (`kiln_runtime::compiled`), but what a manifest allows is checked on every
/// load: the component that loaded with a backend is refused under a
/// manifest that declares none, though its code is already compiled.
#[tokio::test]
async fn egress_shared_compiled_code_does_not_carry_a_manifest_grant() {
    let e = Egress::start().await;
    let granted = e.load(10).await;
    assert!(!granted.from_cache(), "the first load compiles");
    let again = e.load(10).await;
    assert!(again.from_cache(), "the same bytes share the compiled copy");
    let wasm = std::fs::read(programs::EGRESS).expect("component built by tests/build.rs");
    let manifest = Manifest::from_yaml(
        "app:\n  id: no-backend\nmodules:\n  function:\n    - key: send\n      handler: send\npermissions:\n  scopes: []\n",
    )
    .expect("manifest");
    match e.runtime.load(wasm, manifest).await {
        Err(LoadError::Component(ComponentError::ForbiddenImport { name, .. })) => {
            assert!(name.starts_with("wasi:http/"), "{name}");
        }
        Err(other) => panic!("expected a forbidden import, got {other}"),
        Ok(_) => panic!("a shared compile let wasi:http load without a backend"),
    }
    // The granted app still works: sharing took nothing from it.
    let one = json!({ "scheme": "http", "authority": format!("api.example.test:{}", e.api.port), "path": "/" });
    let out = e.send(&again, json!({ "requests": [one] })).await;
    assert_eq!(out["results"][0]["status"], 200, "{out}");
    assert_eq!(out["results"][0]["body"], "hello", "{out}");
}

/// Over TLS: the host verifies the certificate against its roots for the
/// declared name, sends that name (SNI and `Host`), and the guest gets the
/// answer. The guest never chooses what is trusted.
#[tokio::test]
async fn egress_over_tls_verifies_the_certificate_for_the_declared_name() {
    let e = Egress::start().await;
    let app = e.load(1000).await;
    let authority = format!("secure.example.test:{}", e.secure.port);
    let out = e
        .send(
            &app,
            json!({ "requests": [{ "scheme": "https", "authority": authority, "path": "/hello" }] }),
        )
        .await;
    let result = &out["results"][0];
    assert_eq!(result["status"], 200, "{out}");
    assert_eq!(result["body"], "hello", "{out}");
    assert_eq!(
        e.secure.server_names(),
        vec![Some("secure.example.test".to_owned())]
    );
    assert_eq!(e.secure.hosts(), vec![authority]);
    assert!(e.secure.requests()[0].starts_with("GET /hello HTTP/1.1\r\n"));
}

/// A certificate for another name, and a certificate from an authority the
/// host does not trust (Kiln's default roots are Mozilla's; nothing the
/// machine or a test adds is trusted unless the operator configures it):
/// the handshake fails, not one byte of the request is sent, the guest gets
/// wasi:http's typed certificate error, and the app keeps serving.
#[tokio::test]
async fn egress_over_tls_refuses_a_wrong_name_and_an_untrusted_authority() {
    let cases = [
        (Trust::TestAuthority, "wrong.example.test", "name"),
        (Trust::Default, "secure.example.test", "authority"),
    ];
    for (trust, host, what) in cases {
        let e = Egress::start_trusting(trust).await;
        let app = e.load(1000).await;
        let server = if host.starts_with("wrong") {
            &e.wrong_name
        } else {
            &e.secure
        };
        let out = e
            .send(
                &app,
                json!({ "requests": [{ "scheme": "https", "authority": format!("{host}:{}", server.port), "path": "/" }] }),
            )
            .await;
        let error = out["results"][0]["error"].as_str().unwrap_or_default();
        assert!(
            error == "ErrorCode::TlsCertificateError",
            "wrong {what}: expected a certificate error, got {out}"
        );
        assert_eq!(server.connections(), 1, "wrong {what}");
        assert!(
            server.requests().is_empty(),
            "wrong {what}: a request was sent"
        );
        let record = e
            .audit
            .egress_records()
            .into_iter()
            .find(|r| r.host.as_deref() == Some(host))
            .unwrap_or_else(|| panic!("wrong {what}: no audit record"));
        assert_eq!(record.decision, "tls-certificate", "wrong {what}");
        assert_eq!(record.status, None, "wrong {what}");
        // The same app still reaches the plain declared API.
        let ok = e
            .send(
                &app,
                json!({ "requests": [{ "scheme": "http", "authority": format!("api.example.test:{}", e.api.port), "path": "/" }] }),
            )
            .await;
        assert_eq!(ok["results"][0]["status"], 200, "wrong {what}: {ok}");
    }
}
