//! Limits hold against hostile guests, and the host keeps serving: after
//! each hostile invocation the same loaded app answers a benign one.

mod support;

use kiln_runtime::InvocationFailure;
use kiln_tests::programs;
use serde_json::json;
use support::{Harness, manifest, ok_json};

const HANDLERS: [&str; 6] = [
    "panic",
    "unreachable",
    "loop_forever",
    "grow_memory",
    "stack_overflow",
    "big_result",
];

async fn trap_app(h: &Harness) -> kiln_runtime::LoadedApp {
    h.load(
        programs::TRAP,
        &manifest("trap", &HANDLERS, &[], "memoryMiB: 32\ntimeoutSeconds: 1"),
    )
    .await
}

/// A benign call on the same app after a hostile one still works.
async fn still_serves(h: &Harness, app: &kiln_runtime::LoadedApp) {
    let out = ok_json(&h.invoke(app, "big_result", json!({ "bytes": 3 })).await);
    assert_eq!(out, json!("xxx"));
}

#[tokio::test]
async fn an_infinite_loop_hits_the_deadline() {
    let h = Harness::start().await;
    let app = trap_app(&h).await;
    let invoked = h.invoke(&app, "loop_forever", json!({})).await;
    assert!(
        matches!(invoked.result, Err(InvocationFailure::Timeout { .. })),
        "{:?}",
        invoked.result
    );
    assert!(invoked.is_sandbox_violation());
    still_serves(&h, &app).await;
}

#[tokio::test]
async fn memory_growth_stops_at_the_limit() {
    let h = Harness::start().await;
    let app = trap_app(&h).await;
    let invoked = h.invoke(&app, "grow_memory", json!({})).await;
    match &invoked.result {
        Err(InvocationFailure::MemoryLimit { limit_mib }) => assert_eq!(*limit_mib, 32),
        // A guest that handles the refusal itself reports how far it got.
        Ok(json) => {
            let v: serde_json::Value = serde_json::from_str(json).unwrap();
            assert!(
                v["allocated_bytes"].as_u64().unwrap() <= 32 * 1024 * 1024,
                "{v}"
            );
        }
        other => panic!("expected the memory limit, got {other:?}"),
    }
    still_serves(&h, &app).await;
}

#[tokio::test]
async fn unbounded_recursion_overflows_the_guest_stack_only() {
    let h = Harness::start().await;
    let app = trap_app(&h).await;
    let invoked = h.invoke(&app, "stack_overflow", json!({})).await;
    // Either wasmtime's stack guard or the guest's own shadow-stack check
    // stops it; both are traps that leave the host serving.
    assert!(
        matches!(
            invoked.result,
            Err(InvocationFailure::StackOverflow | InvocationFailure::Trap { .. })
        ),
        "{:?}",
        invoked.result
    );
    still_serves(&h, &app).await;
}

#[tokio::test]
async fn panics_and_unreachable_are_traps() {
    let h = Harness::start().await;
    let app = trap_app(&h).await;
    for key in ["panic", "unreachable"] {
        let invoked = h.invoke(&app, key, json!({})).await;
        assert!(
            matches!(invoked.result, Err(InvocationFailure::Trap { .. })),
            "{key}: {:?}",
            invoked.result
        );
        still_serves(&h, &app).await;
    }
}

#[tokio::test]
async fn an_oversized_result_is_refused() {
    let h = Harness::start().await;
    let app = trap_app(&h).await;
    let invoked = h
        .invoke(&app, "big_result", json!({ "bytes": 6 * 1024 * 1024 }))
        .await;
    assert!(
        matches!(
            invoked.result,
            Err(InvocationFailure::ResultTooLarge { .. })
        ),
        "{:?}",
        invoked.result.as_ref().map(|r| r.len())
    );
    still_serves(&h, &app).await;
}

#[tokio::test]
async fn a_fuel_budget_stops_a_loop_deterministically() {
    let h = Harness::start().await;
    let app = h
        .load(
            programs::TRAP,
            &manifest(
                "trap-fuel",
                &HANDLERS,
                &[],
                "timeoutSeconds: 30\nfuel: 5000000",
            ),
        )
        .await;
    let invoked = h.invoke(&app, "loop_forever", json!({})).await;
    assert!(
        matches!(invoked.result, Err(InvocationFailure::FuelExhausted)),
        "{:?}",
        invoked.result
    );
}

#[tokio::test]
async fn bad_payloads_and_unknown_functions_are_refused_before_running() {
    let h = Harness::start().await;
    let app = trap_app(&h).await;
    let bad = app
        .invoke(kiln_runtime::Invocation {
            function_key: Some("panic".into()),
            payload: "{not json".into(),
            account_id: None,
        })
        .await;
    assert!(
        matches!(bad, Err(kiln_runtime::InvokeError::InvalidPayload(_))),
        "{bad:?}"
    );
    let unknown = app
        .invoke(kiln_runtime::Invocation {
            function_key: Some("nope".into()),
            payload: "{}".into(),
            account_id: None,
        })
        .await;
    assert!(
        matches!(
            unknown,
            Err(kiln_runtime::InvokeError::UnknownFunction { .. })
        ),
        "{unknown:?}"
    );
}
