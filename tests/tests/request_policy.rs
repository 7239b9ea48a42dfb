//! request-jira's policy through the real guest boundary: every refusal is a
//! typed error, and nothing refused reaches the simulator.

mod support;

use kiln_sim::Faults;
use kiln_tests::programs;
use serde_json::{Value, json};
use support::{Harness, manifest, ok_json};

async fn scopes_app(h: &Harness, scopes: &[&str], runtime_yaml: &str) -> kiln_runtime::LoadedApp {
    h.load(
        programs::SCOPES,
        &manifest("scopes-probe", &["call", "repeat"], scopes, runtime_yaml),
    )
    .await
}

/// Performs one call through the guest and returns `{"ok": …}` or `{"err": …}`.
async fn call(h: &Harness, app: &kiln_runtime::LoadedApp, request: Value) -> Value {
    ok_json(&h.invoke(app, "call", request).await)
}

fn get(path: &str) -> Value {
    json!({ "principal": "user", "method": "GET", "path": path })
}

fn err_kind(out: &Value) -> &str {
    out["err"]["kind"].as_str().unwrap_or("<none>")
}

#[tokio::test]
async fn hostile_paths_are_refused_and_never_reach_jira() {
    let h = Harness::start().await;
    let app = scopes_app(
        &h,
        &["read:jira-work", "read:jira-user", "write:jira-work"],
        "",
    )
    .await;
    let hostile = [
        "//evil.com/x",
        "https://evil.com",
        "HTTP://evil.com",
        "/\\evil.com",
        "\\\\evil.com",
        "@evil.com/x",
        ":443@evil.com/",
        ".evil.com/x",
        "/rest/api/3/%2e%2e/x",
        "/rest/api/3/.%2E/admin",
        "/rest/api/3/..%2f..%2fadmin",
        "/rest/api/3/..%5cadmin",
        "/rest/api/3/..;/admin",
        "/rest/api/3/\u{ff0e}\u{ff0e}/admin",
        "/rest/api/3/issue/KILN-1\r\nHost: evil.com",
        "/rest/api/3/issue/KILN-1%00",
        "/rest/api/3/myself#fragment",
        "/rest/api/3/search?jql=x",
        "/rest/api/3/%252e%252e/x",
        "",
        "/rest//api/3/myself",
        "/rest/api/3/../../../admin",
    ];
    for path in hostile {
        let out = call(&h, &app, get(path)).await;
        assert_eq!(err_kind(&out), "invalid-request", "{path:?}: {out}");
    }
    let long = format!("/rest/api/3/issue/{}", "A".repeat(5000));
    assert_eq!(
        err_kind(&call(&h, &app, get(&long)).await),
        "invalid-request"
    );
    assert!(
        h.paths_seen().is_empty(),
        "refused requests reached Jira: {:?}",
        h.paths_seen()
    );
}

#[tokio::test]
async fn unknown_and_unscoped_routes_are_refused() {
    let h = Harness::start().await;
    let app = scopes_app(&h, &["read:jira-user"], "").await;
    // Not a Jira route at all.
    let out = call(&h, &app, get("/admin/secrets")).await;
    assert_eq!(err_kind(&out), "unknown-route", "{out}");
    // A real Jira operation with no OAuth scope (Connect-only): denied.
    let out = call(&h, &app, get("/rest/api/3/serverInfo")).await;
    assert_eq!(err_kind(&out), "unknown-route", "{out}");
    // A known route whose scope is not declared: the error names it.
    let out = call(&h, &app, get("/rest/api/3/issue/KILN-1")).await;
    assert_eq!(err_kind(&out), "scope-denied", "{out}");
    assert_eq!(
        out["err"]["detail"]["route"],
        "GET /rest/api/3/issue/{issueIdOrKey}"
    );
    assert_eq!(out["err"]["detail"]["missing"], json!(["read:jira-work"]));
    // A write needs its own scope even with read declared.
    let comment = json!({
        "principal": "user", "method": "POST", "path": "/rest/api/3/issue/KILN-1/comment",
        "headers": [["Content-Type", "application/json"]], "body": "{}"
    });
    assert_eq!(err_kind(&call(&h, &app, comment).await), "scope-denied");
    assert!(h.paths_seen().is_empty(), "{:?}", h.paths_seen());
}

#[tokio::test]
async fn granular_scopes_alone_open_the_same_route() {
    let h = Harness::start().await;
    let granular = [
        "read:issue-meta:jira",
        "read:issue-security-level:jira",
        "read:issue.vote:jira",
        "read:issue.changelog:jira",
        "read:avatar:jira",
        "read:issue:jira",
        "read:status:jira",
        "read:user:jira",
        "read:field-configuration:jira",
    ];
    let app = scopes_app(&h, &granular, "").await;
    let out = call(&h, &app, get("/rest/api/3/issue/KILN-1")).await;
    assert_eq!(out["ok"]["status"], 200, "{out}");
}

#[tokio::test]
async fn host_only_headers_are_refused() {
    let h = Harness::start().await;
    let app = scopes_app(&h, &["read:jira-user"], "").await;
    for header in [
        "Authorization",
        "Cookie",
        "Proxy-Authorization",
        "Host",
        "X-Forwarded-For",
        "Content-Length",
        "Transfer-Encoding",
        "X-Evil",
    ] {
        let request = json!({
            "principal": "user", "method": "GET", "path": "/rest/api/3/myself",
            "headers": [[header, "x"]]
        });
        let out = call(&h, &app, request).await;
        assert_eq!(err_kind(&out), "invalid-request", "{header}: {out}");
    }
    assert!(h.paths_seen().is_empty(), "{:?}", h.paths_seen());
}

#[tokio::test]
async fn another_tenants_cloud_id_is_refused() {
    let h = Harness::start().await;
    let app = scopes_app(&h, &["read:ops-config:jira-service-management"], "").await;
    let own = format!("/jsm/ops/api/{}/v1/schedules", h.sim.cloud_id());
    let out = call(&h, &app, get(&own)).await;
    assert_eq!(out["ok"]["status"], 200, "{out}");
    let other = "/jsm/ops/api/00000000-0000-0000-0000-000000000000/v1/schedules";
    let out = call(&h, &app, get(other)).await;
    assert_eq!(err_kind(&out), "invalid-request", "{out}");
    assert_eq!(h.paths_seen(), vec![own]);
}

#[tokio::test]
async fn the_app_principal_needs_its_own_credential() {
    let h = Harness::start().await;
    let app = scopes_app(&h, &["read:jira-user"], "").await;
    let out = call(
        &h,
        &app,
        json!({ "principal": "app", "method": "GET", "path": "/rest/api/3/myself" }),
    )
    .await;
    assert_eq!(err_kind(&out), "needs-authentication", "{out}");
    assert!(h.paths_seen().is_empty());
}

#[tokio::test]
async fn the_request_quota_is_per_invocation() {
    let h = Harness::start().await;
    let app = scopes_app(&h, &["read:jira-user"], "maxRequests: 3").await;
    let out = ok_json(
        &h.invoke(
            &app,
            "repeat",
            json!({ "times": 5, "call": { "principal": "user", "method": "GET", "path": "/rest/api/3/myself" } }),
        )
        .await,
    );
    assert_eq!(out["statuses"], json!([200, 200, 200]), "{out}");
    assert_eq!(out["err"]["kind"], "quota-exceeded", "{out}");
    assert_eq!(h.paths_seen().len(), 3);
    // The next invocation has a fresh quota.
    let out = call(&h, &app, get("/rest/api/3/myself")).await;
    assert_eq!(out["ok"]["status"], 200, "{out}");
}

#[tokio::test]
async fn redirects_are_returned_not_followed() {
    let h = Harness::start().await;
    let app = scopes_app(&h, &["read:jira-user"], "").await;
    let thief = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    thief.set_nonblocking(true).unwrap();
    h.sim.set_faults(Faults {
        redirect_to: Some(format!("http://{}/steal", thief.local_addr().unwrap())),
        ..Faults::default()
    });
    let out = call(&h, &app, get("/rest/api/3/myself")).await;
    let status = out["ok"]["status"].as_u64().unwrap_or(0);
    assert!((300..400).contains(&status), "{out}");
    // The Location header is not passed back, and nothing reached the other origin.
    assert!(!out.to_string().contains("/steal"), "{out}");
    assert!(thief.accept().is_err(), "the redirect was followed");
    assert_eq!(h.paths_seen().len(), 1);
}

#[tokio::test]
async fn rate_limits_and_server_errors_reach_the_guest_unslept() {
    let h = Harness::start().await;
    let app = scopes_app(&h, &["read:jira-user"], "").await;
    h.sim.set_faults(Faults {
        rate_limit: Some(30),
        ..Faults::default()
    });
    let started = std::time::Instant::now();
    let out = call(&h, &app, get("/rest/api/3/myself")).await;
    assert_eq!(out["ok"]["status"], 429, "{out}");
    let headers = out["ok"]["headers"].to_string().to_ascii_lowercase();
    assert!(headers.contains("retry-after"), "{out}");
    // Not a timing assertion on speed: the host must not have slept 30 s.
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    h.sim.set_faults(Faults {
        status_5xx: Some(503),
        ..Faults::default()
    });
    assert_eq!(
        call(&h, &app, get("/rest/api/3/myself")).await["ok"]["status"],
        503
    );
}

#[tokio::test]
async fn oversized_and_endless_bodies_are_cut_off() {
    let h = Harness::start().await;
    let app = scopes_app(&h, &["read:jira-user"], "timeoutSeconds: 60").await;
    h.sim.set_faults(Faults {
        oversized_body: Some(9 * 1024 * 1024),
        ..Faults::default()
    });
    let out = call(&h, &app, get("/rest/api/3/myself")).await;
    assert_eq!(err_kind(&out), "transport", "{out}");
    assert!(
        out["err"]["detail"]
            .as_str()
            .unwrap()
            .contains("larger than"),
        "{out}"
    );
    // Connection reset: a transport error without URL or headers.
    h.sim.set_faults(Faults {
        reset_connection: true,
        ..Faults::default()
    });
    let out = call(&h, &app, get("/rest/api/3/myself")).await;
    assert_eq!(err_kind(&out), "transport", "{out}");
    assert!(
        !out.to_string().contains("127.0.0.1"),
        "the URL leaked: {out}"
    );
}
