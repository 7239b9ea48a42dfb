//! The `kiln:app@0.2.0` world from the host's side, with a component built
//! from `wit/0.2.0` by raw wit-bindgen (`tests/programs/storage`), and the
//! promise that 0.1.0 components keep running unchanged beside it
//! (`tests/programs/legacy`, built from the frozen `wit/0.1.0`).
//!
//! The hostile cases of storage are in `escape_storage.rs`.

use crate::support;

use kiln_runtime::bindings::WorldVersion;
use kiln_runtime::invoke::Trigger;
use kiln_runtime::{Invocation, LoadedApp};
use kiln_tests::programs;
use serde_json::{Value, json};
use support::{Harness, manifest, ok_json};

const HANDLERS: &[&str] = &["ops", "increment", "context", "jira_all", "log"];

async fn storage_app(harness: &Harness, id: &str, scopes: &[&str], runtime: &str) -> LoadedApp {
    harness
        .load(programs::STORAGE, &manifest(id, HANDLERS, scopes, runtime))
        .await
}

async fn ops(harness: &Harness, app: &LoadedApp, ops: Value) -> Vec<Value> {
    let invoked = harness.invoke(app, "ops", ops).await;
    match ok_json(&invoked) {
        Value::Array(outcomes) => outcomes,
        other => panic!("expected a list of outcomes, got {other}"),
    }
}

#[tokio::test]
async fn a_0_1_0_component_loads_and_runs_unchanged_beside_0_2_0() {
    let harness = Harness::start().await;
    let legacy = harness
        .load(
            programs::LEGACY,
            &manifest("legacy", &["context", "myself"], &["read:jira-user"], ""),
        )
        .await;
    assert_eq!(legacy.world(), WorldVersion::V0_1);
    // 0.1.0's context record: exactly its five fields, nothing of 0.2.0's.
    let context = ok_json(&harness.invoke(&legacy, "context", json!({})).await);
    let mut fields: Vec<&str> = context
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "account_id",
            "cloud_id",
            "invocation_id",
            "module_key",
            "site_url"
        ]
    );
    assert_eq!(context["cloud_id"], harness.sim.cloud_id());
    assert_eq!(context["module_key"], "context");
    // request-jira through 0.1.0's import: same policy, same counting.
    let invoked = harness.invoke(&legacy, "myself", json!({})).await;
    assert_eq!(ok_json(&invoked), json!({"status": 200}));
    assert_eq!(invoked.requests, 1);
    assert_eq!(invoked.storage_calls, 0);

    // A 0.2.0 component on the same runtime, then the 0.1.0 one again.
    let modern = storage_app(&harness, "modern", &["storage:app"], "").await;
    assert_eq!(modern.world(), WorldVersion::V0_2);
    let outcomes = ops(
        &harness,
        &modern,
        json!([{"op": "set", "key": "k", "value": 1}]),
    )
    .await;
    assert!(outcomes[0]["ok"].is_u64(), "{outcomes:?}");
    let again = harness.invoke(&legacy, "myself", json!({})).await;
    assert_eq!(ok_json(&again), json!({"status": 200}));
}

#[tokio::test]
async fn storage_round_trip_with_versions_queries_and_compare_and_set() {
    let harness = Harness::start().await;
    let app = storage_app(&harness, "round-trip", &["storage:app"], "").await;
    let outcomes = ops(
        &harness,
        &app,
        json!([
            {"op": "get", "key": "missing"},
            {"op": "set", "key": "user:1", "value": {"name": "Ada", "labels": ["a", "b"]}},
            {"op": "set", "key": "user:2", "value": 2},
            {"op": "set", "key": "other", "value": "x"},
            {"op": "get", "key": "user:1"},
            {"op": "query", "prefix": "user:", "limit": 1},
            {"op": "delete", "key": "other"},
            {"op": "delete", "key": "never-there"},
            {"op": "get", "key": "other"},
            {"op": "cas", "key": "counter", "value": 1},
            {"op": "cas", "key": "counter", "value": 1},
        ]),
    )
    .await;
    assert_eq!(outcomes[0], json!({"ok": null}));
    let v1 = outcomes[1]["ok"].as_u64().expect("a version");
    let v2 = outcomes[2]["ok"].as_u64().expect("a version");
    assert!(v2 > v1, "versions increase: {v1} then {v2}");
    assert_eq!(
        outcomes[4]["ok"],
        json!({"key": "user:1", "value": {"name": "Ada", "labels": ["a", "b"]}, "version": v1})
    );
    assert_eq!(outcomes[5]["ok"]["keys"], json!(["user:1"]));
    let cursor = outcomes[5]["ok"]["next_cursor"]
        .as_str()
        .expect("a second page")
        .to_owned();
    assert_eq!(outcomes[6], json!({"ok": null}));
    assert_eq!(outcomes[7], json!({"ok": null}));
    assert_eq!(outcomes[8], json!({"ok": null}));
    // Absent → written; absent again → conflict.
    assert_eq!(outcomes[9], json!({"ok": true}));
    assert_eq!(outcomes[10], json!({"ok": false}));

    // The next invocation sees the data, pages on, and a stale version loses.
    let outcomes = ops(
        &harness,
        &app,
        json!([
            {"op": "query", "prefix": "user:", "cursor": cursor, "limit": 1},
            {"op": "get", "key": "counter"},
            {"op": "cas", "key": "user:2", "expected": v1, "value": 3},
            {"op": "cas", "key": "user:2", "expected": v2, "value": 3},
            {"op": "get", "key": "user:2"},
            {"op": "cas", "key": "user:2", "expected": v2, "value": null},
        ]),
    )
    .await;
    assert_eq!(outcomes[0]["ok"]["keys"], json!(["user:2"]));
    assert_eq!(outcomes[0]["ok"]["next_cursor"], Value::Null);
    assert_eq!(outcomes[1]["ok"]["value"], json!(1));
    assert_eq!(
        outcomes[2],
        json!({"ok": false}),
        "a stale version never writes"
    );
    assert_eq!(outcomes[3], json!({"ok": true}));
    assert_eq!(outcomes[4]["ok"]["value"], json!(3));
    assert_eq!(
        outcomes[5],
        json!({"ok": false}),
        "v2 is stale after the write"
    );
}

#[tokio::test]
async fn without_storage_app_every_storage_call_is_scope_denied() {
    let harness = Harness::start().await;
    let app = storage_app(&harness, "no-scope", &["read:jira-user"], "").await;
    let all_ops = json!([
        {"op": "get", "key": "k"},
        {"op": "set", "key": "k", "value": 1},
        {"op": "delete", "key": "k"},
        {"op": "query", "prefix": ""},
        {"op": "cas", "key": "k", "value": 1},
        {"op": "get-secret", "key": "k"},
        {"op": "set-secret", "key": "k", "value": "s"},
        {"op": "delete-secret", "key": "k"},
    ]);
    let invoked = harness.invoke(&app, "ops", all_ops).await;
    let Value::Array(outcomes) = ok_json(&invoked) else {
        panic!("expected outcomes");
    };
    assert_eq!(outcomes.len(), 8);
    for outcome in &outcomes {
        assert_eq!(outcome["err"]["kind"], "scope-denied", "{outcome}");
    }
    // Refused calls are still counted.
    assert_eq!(invoked.storage_calls, 8);

    // Declaring the scope on another app of the same runtime does not open
    // this one's; and this one's data stays empty.
    let allowed = storage_app(&harness, "no-scope", &["storage:app"], "").await;
    let outcomes = ops(&harness, &allowed, json!([{"op": "get", "key": "k"}])).await;
    assert_eq!(outcomes[0], json!({"ok": null}));
}

#[tokio::test]
async fn the_context_names_installation_trigger_and_environment() {
    let harness = Harness::start().await;
    let app = storage_app(&harness, "ctx", &[], "").await;
    let context = |trigger, environment: &str| Invocation {
        function_key: Some("context".into()),
        payload: "{}".into(),
        trigger,
        environment: environment.into(),
        ..Invocation::default()
    };
    let first = ok_json(
        &app.invoke(Invocation {
            function_key: Some("context".into()),
            payload: "{}".into(),
            ..Invocation::default()
        })
        .await
        .unwrap(),
    );
    assert_eq!(first["trigger"], "function");
    assert_eq!(first["environment"], "development");
    assert_eq!(first["cloud_id"], harness.sim.cloud_id());
    let installation = first["installation_id"].as_str().unwrap().to_owned();
    assert!(!installation.is_empty());

    let second = ok_json(
        &app.invoke(context(Trigger::Function, "development"))
            .await
            .unwrap(),
    );
    assert_eq!(second["installation_id"], installation.as_str(), "stable");
    assert_ne!(second["invocation_id"], first["invocation_id"]);

    let scheduled = ok_json(
        &app.invoke(context(Trigger::Scheduled, "production"))
            .await
            .unwrap(),
    );
    assert_eq!(scheduled["trigger"], "scheduled");
    assert_eq!(scheduled["environment"], "production");
    assert_ne!(scheduled["installation_id"], installation.as_str());
    for (trigger, name) in [
        (Trigger::ProductEvent, "product-event"),
        (Trigger::WebTrigger, "web-trigger"),
    ] {
        let seen = ok_json(&app.invoke(context(trigger, "development")).await.unwrap());
        assert_eq!(seen["trigger"], name);
    }
}

#[tokio::test]
async fn request_jira_all_answers_in_order_each_request_checked_and_counted() {
    let harness = Harness::start().await;
    let app = storage_app(&harness, "batch", &["read:jira-user"], "maxRequests: 4").await;
    let invoked = harness
        .invoke(
            &app,
            "jira_all",
            json!([
                {"path": "/rest/api/3/myself"},
                {"path": "/rest/api/3/no-such-route"},
                {"path": "/rest/api/3/issue/KILN-1"},
                {"path": "/rest/api/3/../myself"},
                {"path": "/rest/api/3/myself"},
                {"path": "/rest/api/3/myself"},
            ]),
        )
        .await;
    let outcomes = ok_json(&invoked);
    assert_eq!(
        outcomes,
        json!([
            {"status": 200},
            {"err": {"kind": "unknown-route"}},
            {"err": {"kind": "scope-denied"}},
            {"err": {"kind": "invalid-request"}},
            {"err": {"kind": "quota-exceeded"}},
            {"err": {"kind": "quota-exceeded"}},
        ]),
        "outcomes in request order; the 5th and 6th are over maxRequests: 4"
    );
    assert_eq!(invoked.requests, 6, "every request of the batch counts");
    assert_eq!(invoked.policy_refusals, 3);
    // Only the allowed one reached Jira; each request has its audit line.
    assert_eq!(harness.paths_seen(), ["/rest/api/3/myself"]);
    assert_eq!(harness.audit.records().len(), 6);
}

#[tokio::test]
async fn request_jira_all_runs_a_large_batch_in_order() {
    let harness = Harness::start().await;
    let app = storage_app(
        &harness,
        "many",
        &["read:jira-user", "read:jira-work"],
        "maxRequests: 40",
    )
    .await;
    let calls: Vec<Value> = (0..30)
        .map(|i| {
            if i % 3 == 2 {
                json!({"path": "/rest/api/3/issue/NOPE-1"})
            } else {
                json!({"path": "/rest/api/3/myself"})
            }
        })
        .collect();
    let invoked = harness.invoke(&app, "jira_all", Value::Array(calls)).await;
    let Value::Array(outcomes) = ok_json(&invoked) else {
        panic!("expected outcomes");
    };
    assert_eq!(outcomes.len(), 30);
    for (i, outcome) in outcomes.iter().enumerate() {
        let expected = if i % 3 == 2 { 404 } else { 200 };
        assert_eq!(outcome["status"], expected, "request {i}: {outcome}");
    }
    assert_eq!(invoked.requests, 30);
}
