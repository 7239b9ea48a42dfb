//! Escape suite, CPU, as a JavaScript (Forge) app: a synchronous infinite
//! loop, a microtask queue that never drains, and a loop around refused
//! `requestJira` calls. The deadline (epoch interruption) ends each with
//! `Timeout`, and the same app serves its next invocation from a fresh
//! instance.

use crate::escape_js_app as js;
use crate::support::Harness;

use kiln_runtime::InvocationFailure;
use serde_json::json;

fn assert_timeout(failure: &InvocationFailure) {
    match failure {
        InvocationFailure::Timeout { seconds } => {
            assert_eq!(*seconds, 1.0);
            assert!(failure.to_string().contains("deadline"), "{failure}");
        }
        other => panic!("expected the deadline, got {other:?}"),
    }
}

#[tokio::test]
async fn js_cpu_infinite_loop() {
    let h = Harness::start().await;
    let Some(app) = js::load(&h, "timeoutSeconds: 1").await else {
        return;
    };
    let invoked = h.invoke(&app, "spin", json!({})).await;
    assert_timeout(js::failure(&invoked.result));
    assert!(invoked.is_sandbox_violation());
    h.assert_jira_untouched();
    js::assert_serves(&h, &app).await;
}

#[tokio::test]
async fn js_cpu_microtask_queue_never_drains() {
    let h = Harness::start().await;
    let Some(app) = js::load(&h, "timeoutSeconds: 1").await else {
        return;
    };
    let invoked = h.invoke(&app, "spin_microtasks", json!({})).await;
    assert_timeout(js::failure(&invoked.result));
    h.assert_jira_untouched();
    js::assert_serves(&h, &app).await;
}

#[tokio::test]
async fn js_cpu_loop_around_refused_calls() {
    let h = Harness::start().await;
    let Some(app) = js::load(&h, "timeoutSeconds: 1").await else {
        return;
    };
    let invoked = h.invoke(&app, "spin_around_calls", json!({})).await;
    assert_timeout(js::failure(&invoked.result));
    h.assert_jira_untouched();
    // Every attempt was the host's to refuse, and each is audited: refused
    // for its path until the invocation's request quota is spent (refused
    // calls count; reached within the second here, not asserted so that a
    // slow machine passes), then for the quota, until the deadline.
    let decisions: Vec<&str> = h.audit.records().iter().map(|r| r.decision).collect();
    let refused = decisions
        .iter()
        .take_while(|d| **d == "invalid-request")
        .count();
    assert!(refused > 0, "{decisions:?}");
    assert!(
        decisions[refused..].iter().all(|d| *d == "quota-exceeded"),
        "{decisions:?}"
    );
    js::assert_serves(&h, &app).await;
}

#[tokio::test]
async fn js_cpu_promise_never_settles() {
    // Nothing is left to run and the handler's promise is still pending:
    // the engine gives up at once (it does not wait for the deadline), and
    // the host reports the trap.
    let h = Harness::start().await;
    let Some(app) = js::load(&h, "timeoutSeconds: 5").await else {
        return;
    };
    let invoked = h.invoke(&app, "never_settles", json!({})).await;
    match js::failure(&invoked.result) {
        InvocationFailure::Trap { message, .. } => {
            assert!(message.contains("unreachable"), "{message}");
        }
        other => panic!("expected the engine's abort, got {other:?}"),
    }
    assert!(
        invoked
            .logs
            .iter()
            .any(|line| line.message.contains("event loop error")),
        "{:?}",
        invoked.logs
    );
    h.assert_jira_untouched();
    js::assert_serves(&h, &app).await;
}
