//! Limits hold against hostile guests, and the host keeps serving: after
//! each hostile invocation the same loaded app answers a benign one.

use crate::support;

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
async fn bad_payloads_and_unknown_functions_are_refused_before_running() {
    let h = Harness::start().await;
    let app = trap_app(&h).await;
    let bad = app
        .invoke(kiln_runtime::Invocation {
            function_key: Some("panic".into()),
            payload: "{not json".into(),
            account_id: None,
            ..Default::default()
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
            ..Default::default()
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
