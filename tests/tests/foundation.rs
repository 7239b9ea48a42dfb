//! The foundation's promises, end to end through the real guest boundary:
//! the hello app works on the simulator; a missing scope is refused before
//! the network; what a guest may use (clocks, randomness, stdout) works, and
//! its context names the site but no credential. What a guest must not do
//! is the escape suite's (`escape_*.rs`).

use crate::support;

use kiln_runtime::InvocationFailure;
use kiln_runtime::invoke::AppErrorKind;
use kiln_runtime::sandbox::guest_log::LogLevel;
use kiln_tests::{manifests, programs};
use serde_json::json;
use support::{Harness, manifest, ok_json};

#[tokio::test]
async fn hello_summarises_the_user_and_an_issue() {
    let h = Harness::start().await;
    let app = h
        .load(
            programs::HELLO,
            &std::fs::read_to_string(manifests::HELLO).unwrap(),
        )
        .await;
    let invoked = h.invoke(&app, "main", json!({ "issue": "KILN-1" })).await;
    let result = ok_json(&invoked);
    assert!(
        result["greeting"]
            .as_str()
            .is_some_and(|g| g.starts_with("Hello Alice Admin, KILN-1 is ")),
        "{result}"
    );
    assert_eq!(result["issue"]["key"], "KILN-1");
    assert!(
        result["issue"]["summary"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    assert_eq!(invoked.requests, 2);
    let paths = h.paths_seen();
    assert_eq!(
        paths,
        vec!["/rest/api/3/myself", "/rest/api/3/issue/KILN-1"]
    );
    // The audit log names the matched templates and the scopes that granted them.
    let audit = h.audit.records();
    assert_eq!(audit.len(), 2);
    assert_eq!(audit[1].route, Some("/rest/api/3/issue/{issueIdOrKey}"));
    assert_eq!(audit[1].decision, "allowed");
    assert_eq!(audit[1].status, Some(200));
}

/// A manifest function whose handler the component does not export is refused at load,
/// naming the function, the handler and what the component exports (the SDK's
/// `kiln-handlers` section), instead of failing at the first call.
#[tokio::test]
async fn a_handler_the_component_does_not_export_is_refused_at_load() {
    let h = Harness::start().await;
    let wasm = std::fs::read(programs::PROBE).unwrap();
    let error = h
        .load_refused(wasm, &manifest("probe", &["echo", "ecko"], &[], ""))
        .await;
    let text = error.to_string();
    assert!(
        text.contains("the manifest's function `ecko` names the handler `ecko`, which the component does not export (it exports: ")
            && text.contains("echo"),
        "{text}"
    );
}

#[tokio::test]
async fn a_missing_scope_is_refused_before_the_network() {
    let h = Harness::start().await;
    let app = h
        .load(
            programs::HELLO,
            &std::fs::read_to_string(manifests::HELLO_MISSING_SCOPE).unwrap(),
        )
        .await;
    let invoked = h.invoke(&app, "main", json!({ "issue": "KILN-1" })).await;
    match &invoked.result {
        Err(InvocationFailure::App { message, error }) => {
            assert_eq!(*error, AppErrorKind::ScopeDenied);
            assert!(error.is_policy_refusal());
            assert!(message.contains("scope denied"), "{message}");
            assert!(message.contains("read:jira-work"), "{message}");
        }
        other => panic!("expected a scope-denied app error, got {other:?}"),
    }
    assert!(invoked.is_sandbox_violation());
    assert_eq!(invoked.policy_refusals, 1);
    // /myself was allowed (read:jira-user); the issue never reached "Jira".
    assert_eq!(h.paths_seen(), vec!["/rest/api/3/myself"]);
    let denied = &h.audit.records()[1];
    assert_eq!(denied.decision, "scope-denied");
    assert_eq!(denied.missing, vec!["read:jira-work"]);
}

async fn probe() -> (Harness, kiln_runtime::LoadedApp) {
    let h = Harness::start().await;
    let handlers = [
        "env",
        "args",
        "files",
        "tcp",
        "udp",
        "dns",
        "clock_random",
        "stdout",
        "memory_scan",
        "echo",
        "context",
    ];
    let app = h
        .load(
            programs::PROBE,
            &manifest("probe", &handlers, &["read:jira-user"], ""),
        )
        .await;
    (h, app)
}

#[tokio::test]
async fn clocks_random_and_stdout_work_and_stdout_is_captured() {
    let (h, app) = probe().await;
    let clocks = ok_json(&h.invoke(&app, "clock_random", json!({})).await);
    assert_eq!(clocks["random_differs"], json!(true), "{clocks}");
    assert_eq!(clocks["monotonic_ok"], json!(true), "{clocks}");
    let invoked = h.invoke(&app, "stdout", json!({ "lines": 2 })).await;
    ok_json(&invoked);
    let lines: Vec<(LogLevel, &str)> = invoked
        .logs
        .iter()
        .map(|l| (l.level, l.message.as_str()))
        .collect();
    assert!(
        lines.contains(&(LogLevel::Stdout, "probe stdout line 1")),
        "{lines:?}"
    );
    assert!(
        lines.contains(&(LogLevel::Stderr, "probe stderr line 1")),
        "{lines:?}"
    );
}

#[tokio::test]
async fn the_context_names_the_site_but_no_credential() {
    let (h, app) = probe().await;
    let ctx = ok_json(&h.invoke(&app, "context", json!({})).await);
    assert_eq!(ctx["cloud_id"].as_str(), Some(h.sim.cloud_id()), "{ctx}");
    assert_eq!(ctx["site_url"].as_str(), Some(h.sim.base_url()), "{ctx}");
    assert_eq!(ctx["module_key"], "context", "{ctx}");
    assert_eq!(
        ctx["invocation_id"].as_str().map(str::len),
        Some(32),
        "{ctx}"
    );
    h.assert_absent(&ctx.to_string());
}

#[tokio::test]
async fn a_fresh_instance_serves_each_invocation() {
    let (h, app) = probe().await;
    for i in 0..3 {
        let out = ok_json(&h.invoke(&app, "echo", json!({ "n": i })).await);
        assert_eq!(out["n"].as_i64(), Some(i), "{out}");
    }
}
