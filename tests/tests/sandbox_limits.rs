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

/// Forge's `timeoutSeconds` on a function: its wall-clock limit when a scheduled trigger or
/// a queue consumer runs it, in place of `app.runtime`'s (longer here); a person's run and
/// every other trigger keep the app's. Either way the deadline stops the loop with a typed
/// timeout naming the limit that applied, and the app serves afterwards.
#[tokio::test]
async fn a_functions_own_timeout_bounds_its_scheduled_and_queued_runs() {
    use kiln_runtime::Invocation;
    use kiln_runtime::invoke::Trigger;

    let h = Harness::start().await;
    let app = h
        .load(
            programs::TRAP,
            "app:\n  id: fn-timeout\n  runtime:\n    timeoutSeconds: 1\nmodules:\n  function:\n    \
             - key: loop_forever\n      handler: loop_forever\n      timeoutSeconds: 2\n    \
             - key: big_result\n      handler: big_result\npermissions:\n  scopes: []\n",
        )
        .await;
    let run = |trigger| {
        app.invoke(Invocation {
            function_key: Some("loop_forever".to_owned()),
            payload: "{}".to_owned(),
            trigger,
            ..Default::default()
        })
    };
    for (trigger, seconds) in [
        (Trigger::Scheduled, 2.0),
        (Trigger::QueueEvent, 2.0),
        (Trigger::Function, 1.0),
        (Trigger::WebTrigger, 1.0),
    ] {
        let invoked = run(trigger).await.expect("invocation starts");
        h.assert_no_canary(&invoked);
        match invoked.result {
            Err(InvocationFailure::Timeout { seconds: s }) => {
                assert_eq!(s, seconds, "{trigger:?}")
            }
            other => panic!("{trigger:?}: expected a timeout, got {other:?}"),
        }
    }
    still_serves(&h, &app).await;
}
