//! Escape suite, CPU: guests that never give the CPU back, in the handler,
//! in a start function, inside `cabi_realloc` while the host lowers the
//! arguments, around host calls, or parked in a slow host call. The
//! deadline (epoch interruption plus the outer timeout) or the fuel budget
//! stops each with a typed failure, and the same app or runtime then serves.

use crate::support;

use std::time::Duration;

use kiln_runtime::engine::FuelMetering;
use kiln_runtime::{InvocationFailure, LoadError, LoadedApp, RuntimeOptions};
use kiln_sim::Faults;
use kiln_tests::programs;
use serde_json::json;
use support::{Harness, manifest, ok_json};

/// How long the slow Jira takes to answer: far past any deadline here.
const SLOW_JIRA: Duration = Duration::from_secs(30);

const TRAP_HANDLERS: &[&str] = &["loop_forever", "big_result"];

async fn trap_app(h: &Harness, runtime_yaml: &str) -> LoadedApp {
    h.load(
        programs::TRAP,
        &manifest("cpu", TRAP_HANDLERS, &[], runtime_yaml),
    )
    .await
}

async fn scopes_app(h: &Harness) -> LoadedApp {
    h.load(
        programs::SCOPES,
        &manifest(
            "cpu-calls",
            &["call", "call_forever"],
            &["read:jira-user"],
            "timeoutSeconds: 1",
        ),
    )
    .await
}

/// A harness whose runtime does not count fuel, as `runtime run` and
/// `runtime serve` build it when no app sets a budget.
async fn without_fuel_counting() -> Harness {
    Harness::start_options(support::ADMIN, None, |options| RuntimeOptions {
        fuel: FuelMetering::Off,
        ..options
    })
    .await
}

fn assert_timeout(result: &Result<String, InvocationFailure>, seconds: f64) {
    match result {
        Err(failure @ InvocationFailure::Timeout { seconds: s }) => {
            assert_eq!(*s, seconds);
            assert!(failure.to_string().contains("deadline"), "{failure}");
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
}

async fn assert_trap_app_serves(h: &Harness, app: &LoadedApp) {
    h.assert_serves(app, "big_result", json!({ "bytes": 3 }), json!("xxx"))
        .await;
}

#[tokio::test]
async fn cpu_infinite_loop_in_handler() {
    let h = Harness::start().await;
    let app = trap_app(&h, "timeoutSeconds: 1").await;
    let invoked = h.invoke(&app, "loop_forever", json!({})).await;
    assert_timeout(&invoked.result, 1.0);
    assert!(invoked.is_sandbox_violation());
    h.assert_jira_untouched();
    assert_trap_app_serves(&h, &app).await;
}

#[tokio::test]
async fn cpu_infinite_loop_stopped_by_fuel() {
    let h = Harness::start().await;
    let app = trap_app(&h, "timeoutSeconds: 30\nfuel: 5000000").await;
    let invoked = h.invoke(&app, "loop_forever", json!({})).await;
    match &invoked.result {
        Err(failure @ InvocationFailure::FuelExhausted) => {
            assert!(failure.to_string().contains("fuel"), "{failure}");
        }
        other => panic!("expected fuel exhaustion, got {other:?}"),
    }
    h.assert_jira_untouched();
    assert_trap_app_serves(&h, &app).await;
}

/// A runtime made without fuel counting (what `runtime run` and `runtime serve`
/// choose when no app sets a budget) still stops a guest that never yields:
/// the deadline does not depend on fuel.
#[tokio::test]
async fn cpu_infinite_loop_without_fuel_counting() {
    let h = without_fuel_counting().await;
    let app = trap_app(&h, "timeoutSeconds: 1").await;
    let invoked = h.invoke(&app, "loop_forever", json!({})).await;
    assert_timeout(&invoked.result, 1.0);
    h.assert_jira_untouched();
    assert_trap_app_serves(&h, &app).await;
}

/// An app whose manifest sets a fuel budget never runs on a runtime that
/// cannot count it: refused at load, before any compile, by name.
#[tokio::test]
async fn cpu_fuel_budget_refused_without_fuel_counting() {
    let h = without_fuel_counting().await;
    let wasm = std::fs::read(programs::TRAP).expect("component built by tests/build.rs");
    let error = h
        .load_refused(
            wasm,
            &manifest(
                "cpu",
                TRAP_HANDLERS,
                &[],
                "timeoutSeconds: 30\nfuel: 5000000",
            ),
        )
        .await;
    assert!(
        matches!(&error, LoadError::FuelNotCounted { app } if app == "cpu"),
        "{error:?}"
    );
    assert!(error.to_string().contains("fuel"), "{error}");
}

#[tokio::test]
async fn cpu_infinite_loop_in_start_function() {
    let h = Harness::start().await;
    let app = h
        .load(
            programs::WAT_START_LOOP,
            &manifest("start-loop", &["benign"], &[], "timeoutSeconds: 1"),
        )
        .await;
    // The start function runs at every instantiation: each invocation of
    // this app times out, and the runtime keeps serving other apps.
    let invoked = h.invoke(&app, "benign", json!({})).await;
    assert_timeout(&invoked.result, 1.0);
    h.assert_jira_untouched();
    h.assert_runtime_serves().await;
}

#[tokio::test]
async fn cpu_infinite_loop_in_cabi_realloc() {
    let h = Harness::start().await;
    let app = h
        .load(
            programs::WAT_REALLOC_LOOP,
            &manifest(
                "realloc-loop",
                &["realloc_loops", "benign"],
                &[],
                "timeoutSeconds: 1",
            ),
        )
        .await;
    let invoked = h.invoke(&app, "realloc_loops", json!({})).await;
    assert_timeout(&invoked.result, 1.0);
    h.assert_jira_untouched();
    let payload = json!({ "after": "realloc loop" });
    h.assert_serves(&app, "benign", payload.clone(), payload)
        .await;
}

#[tokio::test]
async fn cpu_loop_around_host_calls() {
    let h = Harness::start().await;
    let app = scopes_app(&h).await;
    // An unknown route: every call is refused without the network, so the
    // guest spends its time crossing into the host and back.
    let invoked = h
        .invoke(
            &app,
            "call_forever",
            json!({ "principal": "user", "method": "GET", "path": "/admin/secrets" }),
        )
        .await;
    assert_timeout(&invoked.result, 1.0);
    h.assert_jira_untouched();
    // The refusals were audited, each naming no route (none matched).
    let audit = h.audit.records();
    assert!(!audit.is_empty());
    assert!(
        audit
            .iter()
            .all(|r| r.decision == "unknown-route" || r.decision == "quota-exceeded"),
        "{audit:?}"
    );
    let out = ok_json(
        &h.invoke(
            &app,
            "call",
            json!({ "principal": "user", "method": "GET", "path": "/rest/api/3/myself" }),
        )
        .await,
    );
    assert_eq!(out["ok"]["status"], 200, "{out}");
}

#[tokio::test]
async fn cpu_slow_host_call_past_deadline() {
    let h = Harness::start().await;
    let app = scopes_app(&h).await;
    // Jira answers after 30 s; the invocation's deadline is 1 s. The guest is
    // parked in request-jira, not running wasm, so epoch interruption cannot
    // fire: the host call's own deadline must end it.
    h.sim.set_faults(Faults {
        latency: Some(SLOW_JIRA),
        ..Faults::default()
    });
    let invoked = h
        .invoke(
            &app,
            "call",
            json!({ "principal": "user", "method": "GET", "path": "/rest/api/3/myself" }),
        )
        .await;
    match &invoked.result {
        // The host call's deadline fired first and the guest reported it.
        Ok(json) => {
            let out: serde_json::Value = serde_json::from_str(json).expect("JSON");
            assert_eq!(out["err"]["kind"], "timeout", "{out}");
        }
        Err(InvocationFailure::Timeout { seconds }) => assert_eq!(*seconds, 1.0),
        other => panic!("expected a timeout, got {other:?}"),
    }
    // Not a speed assertion: only that the host did not wait for Jira.
    assert!(
        invoked.elapsed < SLOW_JIRA,
        "the invocation waited for the slow answer: {:?}",
        invoked.elapsed
    );
    h.sim.set_faults(Faults::default());
    let out = ok_json(
        &h.invoke(
            &app,
            "call",
            json!({ "principal": "user", "method": "GET", "path": "/rest/api/3/myself" }),
        )
        .await,
    );
    assert_eq!(out["ok"]["status"], 200, "{out}");
}
