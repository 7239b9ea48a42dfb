//! Config variables (`runtime variables set`) reach a guest as its WASI
//! environment, and nothing else does: not the host's environment, not
//! another app's or another environment's variables. Encrypted ones arrive
//! opened; a change is seen by the next invocation; under `runtime serve`
//! the installation's web trigger URLs ride along as `KILN_WEBTRIGGER_URLS`.

use kiln_runtime::Invocation;
use kiln_state::{AppVariables, VariableName};
use kiln_tests::programs;
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::support::{Harness, manifest, ok_json};

const APP: &str = "variables-app";

async fn set(vars: &AppVariables, name: &str, value: &str, encrypted: bool) {
    vars.set(
        &VariableName::new(name).unwrap(),
        &SecretString::from(value.to_owned()),
        encrypted,
    )
    .await
    .unwrap();
}

fn env_of(out: &Value) -> Value {
    out["vars"].clone()
}

#[tokio::test]
async fn a_guest_sees_exactly_its_own_variables() {
    let storage = kiln_runtime::runtime::in_memory_storage().unwrap();
    let mine = AppVariables::open(storage.storage(), APP, "development")
        .await
        .unwrap();
    set(&mine, "API_KEY", "plain-value", false).await;
    set(&mine, "SEALED", "sealed-value", true).await;
    // Another app's, and this app's in another environment: not this guest's.
    let other = AppVariables::open(storage.storage(), "other-app", "development")
        .await
        .unwrap();
    set(&other, "OTHER_APP", "x", false).await;
    let production = AppVariables::open(storage.storage(), APP, "production")
        .await
        .unwrap();
    set(&production, "PROD_ONLY", "y", false).await;

    let h = Harness::start_with_storage(storage, None).await;
    let app = h
        .load(programs::PROBE, &manifest(APP, &["env"], &[], ""))
        .await;
    let out = ok_json(&h.invoke(&app, "env", json!({})).await);
    // Nothing of the test process's own environment (PATH, HOME, CARGO_*).
    assert_eq!(
        env_of(&out),
        json!([["API_KEY", "plain-value"], ["SEALED", "sealed-value"]]),
        "{out}"
    );

    // Changed between two invocations: the second sees the change.
    mine.unset(&VariableName::new("API_KEY").unwrap())
        .await
        .unwrap();
    set(&mine, "ADDED", "new", false).await;
    let out = ok_json(&h.invoke(&app, "env", json!({})).await);
    assert_eq!(
        env_of(&out),
        json!([["ADDED", "new"], ["SEALED", "sealed-value"]]),
        "{out}"
    );

    // The production installation of the same app sees only its own.
    let invoked = app
        .invoke(Invocation {
            function_key: Some("env".into()),
            payload: "{}".into(),
            environment: "production".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(env_of(&ok_json(&invoked)), json!([["PROD_ONLY", "y"]]));
}

#[tokio::test]
async fn web_trigger_urls_ride_along_as_one_host_entry() {
    let storage = kiln_runtime::runtime::in_memory_storage().unwrap();
    let h = Harness::start_with_storage(storage, None).await;
    let app = h
        .load(programs::PROBE, &manifest(APP, &["env"], &[], ""))
        .await;
    let invoked = app
        .invoke(Invocation {
            function_key: Some("env".into()),
            payload: "{}".into(),
            web_trigger_urls: kiln_runtime::guest_env::WebTriggerUrls::new(&[(
                "hook".into(),
                "http://127.0.0.1:9/x1/0123abcd".into(),
            )]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        env_of(&ok_json(&invoked)),
        json!([[
            "KILN_WEBTRIGGER_URLS",
            r#"{"hook":"http://127.0.0.1:9/x1/0123abcd"}"#
        ]])
    );
    // Without storage or URLs the environment stays empty (escape_credentials
    // holds that for the default runtime too).
    let out = ok_json(&h.invoke(&app, "env", json!({})).await);
    assert_eq!(env_of(&out), json!([]));
}
