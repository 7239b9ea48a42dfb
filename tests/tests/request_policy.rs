//! request-jira's behaviour with an honest guest and a misbehaving site:
//! granular scopes, per-invocation quotas, rate limits, server errors and
//! oversized or reset responses. Hostile guests are the escape suite's
//! (`escape_url.rs`, `escape_credentials.rs`, `escape_quotas.rs`).

use crate::support;

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

/// `GET /rest/api/3/serverInfo`, which Forge apps call for the site's base URL,
/// is open to an app that declares no scope (Atlassian's spec opens it to
/// anonymous callers and to any OAuth 2.0 token), in REST API v3 and v2; the
/// site's answer reaches the guest and the audit names no granting scope.
#[tokio::test]
async fn server_info_is_read_with_no_scope() {
    let h = Harness::start().await;
    let app = scopes_app(&h, &[], "").await;
    for version in [3, 2] {
        let out = call(&h, &app, get(&format!("/rest/api/{version}/serverInfo"))).await;
        assert_eq!(out["ok"]["status"], 200, "v{version}: {out}");
        let body: Value = serde_json::from_str(out["ok"]["body"].as_str().unwrap_or_default())
            .unwrap_or_else(|e| panic!("{e}: {out}"));
        assert!(body["baseUrl"].is_string(), "{body}");
    }
    let audit = h.audit.records();
    assert_eq!(audit.len(), 2, "{audit:?}");
    for record in &audit {
        assert_eq!(record.route, Some("/rest/api/3/serverInfo"), "{record:?}");
        assert!(record.granted_by.is_empty(), "{record:?}");
    }
    // Its write is no route, and nothing else opens without a scope.
    let out = call(
        &h,
        &app,
        json!({ "principal": "user", "method": "POST", "path": "/rest/api/3/serverInfo" }),
    )
    .await;
    assert_eq!(err_kind(&out), "unknown-route", "{out}");
    let out = call(&h, &app, get("/rest/api/3/myself")).await;
    assert_eq!(err_kind(&out), "scope-denied", "{out}");
}

/// An app that declares no scope writes and deletes its own Forge app
/// property as itself, as on Forge, where Jira confines the operation to the
/// calling app (`Access::OwnAppData`); the audit names no granting scope.
/// Reading it back needs `read:app-data:jira`, and other writes stay shut.
#[tokio::test]
async fn own_app_data_is_written_with_no_scope() {
    let h = Harness::start_with_app_client(|options| options).await;
    let app = scopes_app(&h, &[], "").await;
    let as_app = |method: &str, path: &str, body: Option<&str>| json!({ "principal": "app", "method": method, "path": path, "body": body });
    let path = "/rest/forge/1/app/properties/kiln.e2e";
    let out = call(&h, &app, as_app("PUT", path, Some(r#"{"on":true}"#))).await;
    assert_eq!(out["ok"]["status"], 201, "{out}");
    let out = call(&h, &app, as_app("DELETE", path, None)).await;
    assert_eq!(out["ok"]["status"], 204, "{out}");
    let audit = h.audit.records();
    assert_eq!(audit.len(), 2, "{audit:?}");
    for record in &audit {
        assert_eq!(
            record.route,
            Some("/rest/forge/1/app/properties/{propertyKey}"),
            "{record:?}"
        );
        assert!(record.granted_by.is_empty(), "{record:?}");
    }
    let out = call(&h, &app, as_app("GET", path, None)).await;
    assert_eq!(err_kind(&out), "scope-denied", "{out}");
    let out = call(
        &h,
        &app,
        as_app("PUT", "/rest/api/3/issue/KILN-1/properties/p", Some("1")),
    )
    .await;
    assert_eq!(err_kind(&out), "scope-denied", "{out}");
}

/// On a configured site the host's credentials are every app's, so Jira would
/// take every app for one caller: the same own-app-data calls are refused
/// before anything is sent, naming the operation and why
/// (`kiln_runtime::policy::app_data`), whichever principal makes them.
#[tokio::test]
async fn own_app_data_is_refused_on_the_hosts_credentials() {
    // Nothing may reach this site: the refusal comes before any connection.
    let h = Harness::start_against("http://127.0.0.1:9").await;
    let app = scopes_app(&h, &["write:app-data:jira"], "").await;
    for principal in ["app", "user"] {
        for (method, path) in [
            ("PUT", "/rest/forge/1/app/properties/kiln.e2e"),
            ("POST", "/rest/api/3/app/field/value"),
            ("DELETE", "/rest/api/3/uiModifications/7"),
        ] {
            let request =
                json!({ "principal": principal, "method": method, "path": path, "body": "{}" });
            let out = call(&h, &app, request).await;
            assert_eq!(
                err_kind(&out),
                "unknown-route",
                "{principal} {method} {path}: {out}"
            );
            let text = out.to_string();
            assert!(text.contains("one credential"), "{text}");
        }
    }
    let audit = h.audit.records();
    assert_eq!(audit.len(), 6, "{audit:?}");
    assert!(audit.iter().all(|r| r.status.is_none()), "{audit:?}");
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
async fn rate_limits_and_server_errors_reach_the_guest_unslept() {
    let h = Harness::start().await;
    let app = scopes_app(&h, &["read:jira-user"], "").await;
    h.sim.set_faults(Faults {
        status_5xx: Some(503),
        ..Faults::default()
    });
    assert_eq!(
        call(&h, &app, get("/rest/api/3/myself")).await["ok"]["status"],
        503
    );
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
}

/// The site's `Retry-After` binds the installation, not one invocation: the
/// next invocation's request waits for it when it can (and then reaches the
/// site), and when the wait would outlast its deadline it gets the host's
/// own 429 with the seconds left, and the site sees nothing.
#[tokio::test]
async fn a_sites_retry_after_holds_every_invocation_of_the_installation() {
    let h = Harness::start().await;
    let app = scopes_app(&h, &["read:jira-user"], "timeoutSeconds: 20").await;
    let myself = || get("/rest/api/3/myself");

    h.sim.set_faults(Faults {
        rate_limit: Some(2),
        ..Faults::default()
    });
    assert_eq!(call(&h, &app, myself()).await["ok"]["status"], 429);
    h.sim.set_faults(Faults::default());
    let started = std::time::Instant::now();
    let out = call(&h, &app, myself()).await;
    assert_eq!(out["ok"]["status"], 200, "{out}");
    // A lower bound, not a speed target: the request waited for the site.
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(1),
        "the next invocation did not wait for Retry-After"
    );
    assert_eq!(h.paths_seen().len(), 2);

    h.sim.set_faults(Faults {
        rate_limit: Some(60),
        ..Faults::default()
    });
    assert_eq!(call(&h, &app, myself()).await["ok"]["status"], 429);
    h.sim.set_faults(Faults::default());
    for _ in 0..3 {
        let out = call(&h, &app, myself()).await;
        assert_eq!(out["ok"]["status"], 429, "{out}");
        let retry_after: u64 = out["ok"]["headers"]
            .as_array()
            .and_then(|headers| {
                headers
                    .iter()
                    .find(|h| h[0] == "retry-after")
                    .and_then(|h| h[1].as_str()?.parse().ok())
            })
            .unwrap_or_else(|| panic!("no retry-after: {out}"));
        assert!((1..=60).contains(&retry_after), "{out}");
    }
    assert_eq!(h.paths_seen().len(), 3, "a held request reached the site");
    let records = h.audit.records();
    let decisions: Vec<&str> = records.iter().map(|r| r.decision).collect();
    assert_eq!(
        decisions.iter().filter(|d| **d == "rate-limited").count(),
        3,
        "{decisions:?}"
    );
    // Another installation (its own client) is not held.
    let other = Harness::start().await;
    let other_app = scopes_app(&other, &["read:jira-user"], "").await;
    assert_eq!(
        call(&other, &other_app, myself()).await["ok"]["status"],
        200
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

/// A file the SDK's `multipart::Form` encodes, sent through the host to the
/// simulator's attachments: the host passes a multipart body and its type
/// untouched (and sets Jira's XSRF header itself), and Jira's reader parses
/// the SDK's framing into the files sent.
#[tokio::test]
async fn an_sdk_multipart_form_uploads_attachments_through_the_host() {
    let h = Harness::start().await;
    let app = scopes_app(&h, &["read:jira-work", "write:jira-work"], "").await;
    let form = kiln_sdk::multipart::Form::new()
        .attachment("bytes.bin", "", vec![0u8, 255, b'-', b'-', 13, 10])
        .attachment(
            "notes.txt",
            "text/plain",
            b"kiln-form-boundary-0\n".to_vec(),
        )
        .text("ignored", "Jira reads only the file parts");
    let (content_type, body) = form.encode();
    let out = call(
        &h,
        &app,
        json!({
            "principal": "user",
            "method": "POST",
            "path": "/rest/api/3/issue/KILN-1/attachments",
            "headers": [["Content-Type", content_type], ["Accept", "application/json"]],
            "body_bytes": body,
        }),
    )
    .await;
    assert_eq!(out["ok"]["status"], 200, "{out}");
    let created: Value =
        serde_json::from_str(out["ok"]["body"].as_str().expect("a body")).expect("Jira's JSON");
    let files: Vec<(&str, u64, &str)> = created
        .as_array()
        .expect("a list")
        .iter()
        .map(|a| {
            (
                a["filename"].as_str().unwrap_or_default(),
                a["size"].as_u64().unwrap_or_default(),
                a["mimeType"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        files,
        [
            ("bytes.bin", 6, "application/octet-stream"),
            ("notes.txt", 21, "text/plain"),
        ]
    );
}
