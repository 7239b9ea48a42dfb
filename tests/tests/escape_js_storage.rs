//! Escape suite, storage, as a JavaScript (Forge) app: transactions
//! (`kiln:app@0.3.0`'s `storage.transact`, behind `kvs.transact()`) past the
//! Forge layer. The layer checks Forge's rules (25 operations, each key
//! once) first, but it is the guest's own code: a guest that disarms it, or
//! calls the host binding itself, must still find each rule held by the
//! host, the transaction refused whole, and its versions and keys confined
//! to its own installation.

use crate::escape_js_app::{self as js, caught};
use crate::support::{Harness, ok_json};

use kiln_runtime::{Invocation, LoadedApp};
use serde_json::{Value, json};

/// Runs the hostile app's `transact` handler in `environment` (each
/// environment of an app is an installation of its own).
async fn transact_in(
    h: &Harness,
    app: &LoadedApp,
    environment: &str,
    payload: Value,
) -> (Value, u32) {
    let invoked = app
        .invoke(Invocation {
            function_key: Some("transact".into()),
            payload: payload.to_string(),
            environment: environment.into(),
            ..Invocation::default()
        })
        .await
        .expect("invocation starts");
    h.assert_no_canary(&invoked);
    (ok_json(&invoked), invoked.storage_calls)
}

/// Nothing the refused transaction named was written.
fn assert_nothing_written(out: &Value) {
    for (key, value) in out["stored"].as_object().expect("stored") {
        assert_eq!(value, &Value::Null, "{key} was written: {out}");
    }
}

#[tokio::test]
async fn js_storage_transaction_duplicate_key_past_a_tampered_layer_refused_by_the_host() {
    let h = Harness::start().await;
    let Some(app) = js::load(&h, "timeoutSeconds: 10").await else {
        return;
    };
    let (out, calls) = transact_in(
        &h,
        &app,
        "development",
        json!({ "case": "tampered_duplicate" }),
    )
    .await;
    let refused = caught(&out["attempt"]);
    assert_eq!(refused.class, "StorageError", "{out}");
    assert_eq!(refused.tag.as_deref(), Some("invalid-transaction"), "{out}");
    // The layer's check was disarmed: the refusal is the host's, after a call.
    assert!(calls > 0, "{out}");
    assert!(
        !refused
            .message
            .contains("each key once per transaction; nothing was written"),
        "the layer refused, not the host: {out}"
    );
    assert_nothing_written(&out);
    h.assert_jira_untouched();
    js::assert_serves(&h, &app).await;
}

#[tokio::test]
async fn js_storage_raw_transaction_over_the_limits_refused_whole() {
    let h = Harness::start().await;
    let Some(app) = js::load(&h, "timeoutSeconds: 10").await else {
        return;
    };
    for case in ["raw_too_many", "raw_duplicate"] {
        let (out, _) = transact_in(&h, &app, "development", json!({ "case": case })).await;
        let refused = caught(&out["attempt"]);
        assert_eq!(
            refused.tag.as_deref(),
            Some("invalid-transaction"),
            "{case}: {out}"
        );
        assert_nothing_written(&out);
    }
    h.assert_jira_untouched();
    js::assert_serves(&h, &app).await;
}

#[tokio::test]
async fn js_storage_raw_transaction_guessed_version_reaches_no_other_installation() {
    let h = Harness::start().await;
    let Some(app) = js::load(&h, "timeoutSeconds: 10").await else {
        return;
    };
    // Production (one installation) stores a value and learns its version.
    let (planted, _) = transact_in(
        &h,
        &app,
        "production",
        json!({ "case": "plant", "key": "victim", "value": "production's own" }),
    )
    .await;
    let version = planted["attempt"]["ok"]
        .as_str()
        .expect("a version")
        .to_owned();
    // Development (another installation) names the same key and that exact
    // version: the key is its own, absent there, so the condition fails and
    // nothing is written, in either installation.
    let (out, _) = transact_in(
        &h,
        &app,
        "development",
        json!({ "case": "raw_guessed_version", "key": "victim", "version": version }),
    )
    .await;
    assert_eq!(
        out["attempt"]["ok"],
        json!({ "tag": "condition-failed", "val": "0" }),
        "{out}"
    );
    assert_nothing_written(&out);
    let (after, _) = transact_in(
        &h,
        &app,
        "production",
        json!({ "case": "raw_guessed_version", "key": "victim", "version": "0" }),
    )
    .await;
    // Read back in production: still its own value (the second attempt, with
    // a wrong version, failed its condition too).
    assert_eq!(
        after["stored"]["victim"],
        json!("\"production's own\""),
        "{after}"
    );
    assert_eq!(after["stored"]["tx-beside"], Value::Null, "{after}");
    h.assert_jira_untouched();
    js::assert_serves(&h, &app).await;
}
