//! A real public Forge app on Kiln (`examples/forge-flagsmith`): the backend
//! of Flagsmith's Jira app, built from its TypeScript with Kiln's Forge
//! layer and run on the simulator. It keeps the Flagsmith API key in storage
//! secrets, checks the user's Jira rights (`mypermissions`, `authorize()`)
//! before every call, and calls Flagsmith's API with `api.fetch`.
//!
//! The app's URL is fixed: `https://api.flagsmith.com/api/v1`, port 443. So
//! "Flagsmith" here is a TLS server on 443 of a loopback address of its own
//! (binding it needs the privilege to bind ports below 1024; without it the
//! test says so and skips), its certificate signed by a test authority the
//! runtime trusts in place of the Mozilla roots; a test resolver answers
//! `api.flagsmith.com` with that address, and the operator's override lets
//! that one host reach it, as an operator would for a staging API. Nothing
//! in the app or in Kiln is changed for the test.

use std::io::ErrorKind;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use kiln_manifest::Backend;
use kiln_runtime::consent::OperatorPolicy;
use kiln_runtime::egress::{
    EgressConfig, EgressOverride, EgressOverrides, StaticResolver, connector,
};
use kiln_runtime::{LoadedApp, RuntimeOptions};
use serde_json::{Value, json};

use crate::support::forge_example;
use crate::support::third_party::{self, TestAuthority, ThirdParty};
use crate::support::{ADMIN, Harness, ok_json};

/// The loopback addresses "Flagsmith" listens on (port 443), one per test
/// (they run at once), used by no other test.
const CONNECTS_ADDRESS: &str = "127.77.0.1";
const REFUSES_ADDRESS: &str = "127.77.0.2";
const FLAGSMITH_HOST: &str = "api.flagsmith.com";
/// The Flagsmith API key the administrator stores (a secret of the app).
const API_KEY: &str = "ser.kiln-test-key-9f3b";
/// The simulator's regular user: edits KILN, administers nothing.
const REGULAR_USER: &str = "user@example.com";
/// KILN-1's numeric id in the simulator's seed.
const KILN_1_ID: &str = "10001";

/// The example (its manifest's backend, `api.flagsmith.com`, keeps the
/// engine's `fetch` in the build).
const EXAMPLE: &str = "forge-flagsmith";

fn manifest_text() -> String {
    forge_example::manifest_text(EXAMPLE)
}

/// The built component, or `None` without Node.js and npm.
fn component() -> Option<&'static Path> {
    forge_example::component(EXAMPLE)
}

/// Flagsmith's API as the app uses it: two pages of organisations (the
/// second named by an absolute `next` URL), a project, its environment and
/// features. Any request without the stored key gets 401.
fn flagsmith(head: &str) -> String {
    let json = |body: &str| third_party::ok("application/json", body);
    let authorised = head
        .lines()
        .any(|line| line.eq_ignore_ascii_case(&format!("authorization: Token {API_KEY}")));
    if !authorised {
        return "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            .to_owned();
    }
    let line = head.lines().next().unwrap_or_default();
    match line {
        "GET /api/v1/organisations/ HTTP/1.1" => json(
            r#"{"count":2,"next":"https://api.flagsmith.com/api/v1/organisations/?page=2","previous":null,"results":[{"id":7,"name":"Acme"}]}"#,
        ),
        "GET /api/v1/organisations/?page=2 HTTP/1.1" => json(
            r#"{"count":2,"next":null,"previous":"https://api.flagsmith.com/api/v1/organisations/","results":[{"id":8,"name":"Beta"}]}"#,
        ),
        "GET /api/v1/projects/?organisation=7 HTTP/1.1" => json(r#"[{"id":11,"name":"Web"}]"#),
        "GET /api/v1/environments/?project=11 HTTP/1.1" => json(
            r#"{"count":1,"next":null,"previous":null,"results":[{"id":22,"name":"Production","api_key":"env-abc","project":11}]}"#,
        ),
        "GET /api/v1/projects/11/features/?is_archived=false&environment=22 HTTP/1.1" => json(
            r#"{"count":1,"next":null,"previous":null,"results":[{"id":101,"name":"new_checkout","description":"The new checkout","archived_at":null,"project":11}]}"#,
        ),
        _ => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned(),
    }
}

struct Flagsmith {
    server: ThirdParty,
    authority: TestAuthority,
    address: &'static str,
}

impl Flagsmith {
    /// `None` when port 443 cannot be bound here (no privilege).
    async fn start(address: &'static str) -> Option<Self> {
        let authority = TestAuthority::new();
        let certificate = authority.certificate(&[FLAGSMITH_HOST]);
        let listen = format!("{address}:443");
        match ThirdParty::https_at(&listen, &certificate, flagsmith).await {
            Ok(server) => Some(Self {
                server,
                authority,
                address,
            }),
            Err(error) if error.kind() == ErrorKind::PermissionDenied => {
                eprintln!(
                    "skipped: the Flagsmith example needs to bind {listen} (its URL names no port)"
                );
                None
            }
            Err(error) => panic!("binding {listen}: {error}"),
        }
    }

    /// A simulator and runtime acting as `email`, with the example loaded;
    /// `api.flagsmith.com` reaches this server and nothing else does.
    async fn harness(&self, email: &str, component: &Path) -> (Harness, LoadedApp) {
        let address: IpAddr = self.address.parse().expect("address");
        let resolver = StaticResolver::new().with(FLAGSMITH_HOST, [address]);
        let overrides = EgressOverrides::new(vec![EgressOverride {
            host: FLAGSMITH_HOST.parse::<Backend>().expect("host").host,
            allow_http: false,
            allow_addresses: vec![format!("{}/32", self.address).parse().expect("range")],
        }]);
        let tls = connector::tls_with_roots(self.authority.roots());
        let h = Harness::start_options(email, None, |options| RuntimeOptions {
            policy: OperatorPolicy::default().with_egress(overrides),
            egress: EgressConfig {
                resolver: Arc::new(resolver),
                tls,
                ..EgressConfig::default()
            },
            ..options
        })
        .await;
        let path = component.to_str().expect("a UTF-8 path");
        let app = h.load(path, &manifest_text()).await;
        (h, app)
    }
}

/// Calls resolver function `key` as Forge's bridge does.
async fn call(h: &Harness, app: &LoadedApp, key: &str, payload: Value) -> Value {
    // A resolver is called by a user from the app's UI.
    let invoked = h
        .invoke_by_user(
            app,
            "resolver",
            json!({ "call": { "functionKey": key, "payload": payload } }),
        )
        .await;
    let out = ok_json(&invoked);
    // The stored key goes to Flagsmith and nowhere else.
    for line in &invoked.logs {
        assert!(
            !line.message.contains(API_KEY),
            "the key was logged: {}",
            line.message
        );
    }
    assert!(
        !out.to_string().contains(API_KEY),
        "the key came back: {out}"
    );
    out
}

#[tokio::test]
async fn flagsmith_app_connects_an_organisation_and_reads_its_flags() {
    let Some(component) = tokio::task::spawn_blocking(component)
        .await
        .expect("the build thread")
    else {
        return;
    };
    let Some(flagsmith) = Flagsmith::start(CONNECTS_ADDRESS).await else {
        return;
    };
    let (h, app) = flagsmith.harness(ADMIN, component).await;

    // The site admin configures the app: the key is a storage secret.
    assert_eq!(call(&h, &app, "readHasApiKey", json!({})).await, false);
    call(&h, &app, "writeApiKey", json!({ "apiKey": API_KEY })).await;
    assert_eq!(call(&h, &app, "readHasApiKey", json!({})).await, true);
    call(
        &h,
        &app,
        "writeOrganisationId",
        json!({ "organisationId": "7" }),
    )
    .await;
    assert_eq!(call(&h, &app, "readOrganisationId", json!({})).await, "7");
    assert_eq!(
        flagsmith.server.connections(),
        0,
        "nothing asked Flagsmith yet"
    );

    // Flagsmith through api.fetch, both pages of organisations.
    let organisations = call(&h, &app, "readOrganisations", json!({})).await;
    assert_eq!(
        organisations,
        json!([{ "id": 7, "name": "Acme" }, { "id": 8, "name": "Beta" }])
    );
    let projects = call(&h, &app, "readProjects", json!({})).await;
    assert_eq!(projects, json!([{ "id": 11, "name": "Web" }]));
    let environments = call(&h, &app, "readEnvironments", json!({ "projectId": "11" })).await;
    assert_eq!(environments[0]["api_key"], "env-abc", "{environments}");
    let features = call(
        &h,
        &app,
        "readFeatures",
        json!({ "projectIds": ["11"], "environmentId": "22" }),
    )
    .await;
    assert_eq!(features[0]["name"], "new_checkout", "{features}");
    assert_eq!(features[0]["project_name"], "Web", "{features}");

    // The issue panel's check: authorize().onJiraIssue(id).canEdit().
    let can_edit = call(
        &h,
        &app,
        "canEditIssue",
        json!({ "issue": { "id": KILN_1_ID } }),
    )
    .await;
    assert_eq!(can_edit, true);

    // Every Flagsmith request went over TLS to the declared name, with the key.
    let requests = flagsmith.server.requests();
    assert!(requests.len() >= 6, "{requests:?}");
    assert!(
        flagsmith
            .server
            .server_names()
            .iter()
            .all(|name| name.as_deref() == Some(FLAGSMITH_HOST))
    );
    assert!(
        flagsmith
            .server
            .hosts()
            .iter()
            .all(|host| host == FLAGSMITH_HOST)
    );
    let decisions: Vec<&str> = h
        .audit
        .egress_records()
        .into_iter()
        .map(|r| r.decision)
        .collect();
    assert_eq!(decisions, vec!["allowed"; requests.len()]);
    // The Jira side: the app's own checks asked mypermissions as the user,
    // authorize() the bulk permission check, and nothing else reached Jira.
    let paths = h.paths_seen();
    assert!(!paths.is_empty());
    assert!(
        paths
            .iter()
            .all(|p| p == "/rest/api/3/mypermissions" || p == "/rest/api/3/permissions/check"),
        "{paths:?}"
    );
    assert_eq!(
        paths
            .iter()
            .filter(|p| *p == "/rest/api/3/permissions/check")
            .count(),
        1,
        "{paths:?}"
    );
    // The Jira credential never went to Flagsmith.
    h.assert_absent(&requests.join("\n"));
}

#[tokio::test]
async fn flagsmith_app_refuses_a_user_without_the_rights() {
    let Some(component) = tokio::task::spawn_blocking(component)
        .await
        .expect("the build thread")
    else {
        return;
    };
    let Some(flagsmith) = Flagsmith::start(REFUSES_ADDRESS).await else {
        return;
    };
    let (h, app) = flagsmith.harness(REGULAR_USER, component).await;

    // Not a Jira administrator: the app's own check refuses (Forbidden,
    // 403) before storage or Flagsmith is touched.
    for (key, payload) in [
        ("writeApiKey", json!({ "apiKey": API_KEY })),
        ("readHasApiKey", json!({})),
        ("readOrganisations", json!({ "apiKey": API_KEY })),
        ("readProjects", json!({})),
    ] {
        let out = call(&h, &app, key, payload).await;
        assert_eq!(out["error"]["message"], "Forbidden", "{key}: {out}");
        assert_eq!(out["error"]["code"], 403, "{key}: {out}");
    }
    assert_eq!(flagsmith.server.connections(), 0);
    assert!(h.audit.egress_records().is_empty());

    // The user edits KILN issues: the panel's check says so.
    let can_edit = call(
        &h,
        &app,
        "canEditIssue",
        json!({ "issue": { "id": KILN_1_ID } }),
    )
    .await;
    assert_eq!(can_edit, true);
}
