//! Escape suite, tampering with the Forge layer from inside a JavaScript
//! app: the route guard disarmed (`RegExp.prototype.test`), the route check
//! disarmed (`WeakSet.prototype.has`), an `Authorization` header planted on
//! `Object.prototype`, the layer's exports and clients overwritten, the
//! method check disarmed (`Set.prototype.has`), Forge's `Response` stripped,
//! and the result encoder replaced (`JSON.stringify`). The layer is the
//! app's own code, so the app may break it; the host's checks do not depend
//! on it and still refuse, with the same typed verdicts.

use crate::escape_js_app::{self as js, caught};
use crate::support::Harness;

use kiln_runtime::{InvocationFailure, LoadedApp};
use serde_json::{Value, json};

async fn tamper(h: &Harness, app: &LoadedApp, case: &str) -> Value {
    js::report(h, app, "tamper", json!({ "case": case })).await
}

/// One refused request, audited as `decision`, nothing sent.
fn assert_one_refusal(h: &Harness, decision: &str) {
    h.assert_jira_untouched();
    let decisions: Vec<&str> = h.audit.records().iter().map(|r| r.decision).collect();
    assert_eq!(decisions, [decision]);
}

#[tokio::test]
async fn js_tamper_route_guard_disarmed() {
    let h = Harness::start().await;
    let Some(app) = js::load(&h, "timeoutSeconds: 10").await else {
        return;
    };
    let report = tamper(&h, &app, "regexp_test").await;
    js::assert_host_refused(&report, "invalid-request", "dot segment");
    assert!(caught(&report).message.contains("/issue/../../../admin"));
    assert_one_refusal(&h, "invalid-request");
    js::assert_serves(&h, &app).await;
}

#[tokio::test]
async fn js_tamper_route_check_forged() {
    let h = Harness::start().await;
    let Some(app) = js::load(&h, "timeoutSeconds: 10").await else {
        return;
    };
    let report = tamper(&h, &app, "weakset_has").await;
    js::assert_host_refused(&report, "invalid-request", "single `/`");
    assert_one_refusal(&h, "invalid-request");
    js::assert_serves(&h, &app).await;
}

#[tokio::test]
async fn js_tamper_object_prototype_authorization() {
    let h = Harness::start().await;
    let Some(app) = js::load(&h, "timeoutSeconds: 10").await else {
        return;
    };
    let report = tamper(&h, &app, "object_prototype_headers").await;
    js::assert_host_refused(
        &report,
        "invalid-request",
        "`authorization` is set by the host only",
    );
    assert_one_refusal(&h, "invalid-request");
    js::assert_serves(&h, &app).await;
}

#[tokio::test]
async fn js_tamper_overwrite_the_layers_exports() {
    let h = Harness::start().await;
    let Some(app) = js::load(&h, "timeoutSeconds: 10").await else {
        return;
    };
    let report = tamper(&h, &app, "overwrite_exports").await;
    let results = &report["ok"];
    for attempt in [
        "namespace_route",
        "default_as_user",
        "define_as_app",
        "client_request_jira",
        "response_class",
    ] {
        let caught = caught(&results[attempt]);
        assert_eq!(caught.class, "TypeError", "{attempt}: {report}");
    }
    assert!(
        caught(&results["route_value"])
            .message
            .contains("modification of a Route is not allowed"),
        "{report}"
    );
    // Forge's path rule still stands afterwards.
    assert!(
        caught(&results["route_after"])
            .message
            .contains("Disallowing path manipulation attempt"),
        "{report}"
    );
    h.assert_jira_untouched();
    assert!(h.audit.records().is_empty());
    js::assert_serves(&h, &app).await;
}

#[tokio::test]
async fn js_tamper_method_check_disarmed() {
    // TRACE passes the layer; Kiln's WIT has no such method, so the request
    // cannot even be lowered into a host call.
    let h = Harness::start().await;
    let Some(app) = js::load(&h, "timeoutSeconds: 10").await else {
        return;
    };
    let report = tamper(&h, &app, "set_has").await;
    let caught = caught(&report);
    assert_eq!(caught.class, "TypeError", "{report}");
    assert!(
        caught
            .message
            .contains("\"trace\" is not one of the cases of method"),
        "{report}"
    );
    h.assert_jira_untouched();
    assert!(h.audit.records().is_empty());
    js::assert_serves(&h, &app).await;
}

#[tokio::test]
async fn js_tamper_response_stripped_raw_answer_filtered() {
    // Whatever the app does to Forge's Response, the answer under it is the
    // host's filtered one: no credential header, nothing but the allowlist.
    let h = Harness::start().await;
    let Some(app) = js::load(&h, "timeoutSeconds: 10").await else {
        return;
    };
    let report = tamper(&h, &app, "response_prototype").await;
    let raw = &report["ok"]["raw"];
    assert_eq!(raw["status"], 200, "{report}");
    assert_eq!(
        raw["headers"],
        json!([["content-type", "application/json"]])
    );
    assert_eq!(h.sim.requests().len(), 2);
    js::assert_serves(&h, &app).await;
}

#[tokio::test]
async fn js_tamper_result_encoder_replaced() {
    let h = Harness::start().await;
    let Some(app) = js::load(&h, "timeoutSeconds: 10").await else {
        return;
    };
    let invoked = h
        .invoke(&app, "tamper", json!({ "case": "json_stringify" }))
        .await;
    match js::failure(&invoked.result) {
        InvocationFailure::InvalidResult { message } => {
            assert!(message.contains("EOF while parsing"), "{message}");
        }
        other => panic!("expected InvalidResult, got {other:?}"),
    }
    js::assert_serves(&h, &app).await;
}
