//! The `kiln:app@0.3.0` world from the host's side: `storage.transact`, with
//! a component built from `wit/0.3.0` by raw wit-bindgen
//! (`tests/programs/transactions`), which sends whatever its payload says
//! (any number of operations, repeated keys, any version number), so these
//! tests see what the host decides. 0.2.0 components keep running beside it
//! on the same storage.

use crate::support;

use kiln_runtime::bindings::WorldVersion;
use kiln_runtime::{LoadedApp, StorageHost};
use kiln_state::{AppStorage, SqliteDatabase, StorageLimits};
use kiln_tests::programs;
use serde_json::{Value, json};
use support::{Harness, cipher, manifest, memory_storage, ok_json};

const HANDLERS: &[&str] = &["transact", "transfer", "get"];

async fn transactions_app(harness: &Harness, id: &str, scopes: &[&str]) -> LoadedApp {
    harness
        .load(programs::TRANSACTIONS, &manifest(id, HANDLERS, scopes, ""))
        .await
}

async fn transact(harness: &Harness, app: &LoadedApp, ops: Value) -> Value {
    let invoked = harness.invoke(app, "transact", ops).await;
    harness.assert_no_canary(&invoked);
    ok_json(&invoked)
}

async fn get(harness: &Harness, app: &LoadedApp, key: &str) -> Value {
    ok_json(&harness.invoke(app, "get", json!({ "key": key })).await)
}

async fn committed(harness: &Harness, app: &LoadedApp, ops: Value) -> u64 {
    let outcome = transact(harness, app, ops).await;
    outcome["committed"]
        .as_u64()
        .unwrap_or_else(|| panic!("expected a commit, got {outcome}"))
}

#[tokio::test]
async fn a_transaction_commits_every_operation_at_one_version_or_none() {
    let harness = Harness::start().await;
    let app = transactions_app(&harness, "tx", &["storage:app"]).await;
    assert_eq!(app.world(), WorldVersion::V0_3);
    let seeded = committed(
        &harness,
        &app,
        json!([
            {"key": "pending:KILN-1", "action": "set", "value": true},
            {"key": "audit", "action": "set", "value": 1},
        ]),
    )
    .await;

    let version = committed(
        &harness,
        &app,
        json!([
            {"key": "triaged:KILN-1", "action": "set", "value": ["bug"]},
            {"key": "pending:KILN-1", "action": "delete"},
            {"key": "audit", "action": "check", "expected": seeded},
            {"key": "lock", "action": "set", "value": "mine", "expected": "absent"},
        ]),
    )
    .await;
    assert!(version > seeded, "{seeded} then {version}");
    assert_eq!(
        get(&harness, &app, "triaged:KILN-1").await,
        json!({"value": ["bug"], "version": version})
    );
    assert_eq!(
        get(&harness, &app, "lock").await,
        json!({"value": "mine", "version": version})
    );
    assert_eq!(get(&harness, &app, "pending:KILN-1").await, Value::Null);
    assert_eq!(
        get(&harness, &app, "audit").await,
        json!({"value": 1, "version": seeded}),
        "a check writes nothing"
    );

    // The third operation's condition fails: none of the four happens.
    let outcome = transact(
        &harness,
        &app,
        json!([
            {"key": "triaged:KILN-1", "action": "delete"},
            {"key": "new", "action": "set", "value": 1},
            {"key": "lock", "action": "set", "value": "theirs", "expected": "absent"},
            {"key": "audit", "action": "set", "value": 2},
        ]),
    )
    .await;
    assert_eq!(outcome, json!({"condition_failed": 2}));
    assert_eq!(
        get(&harness, &app, "triaged:KILN-1").await["version"],
        version
    );
    assert_eq!(get(&harness, &app, "new").await, Value::Null);
    assert_eq!(get(&harness, &app, "lock").await["value"], "mine");
    assert_eq!(get(&harness, &app, "audit").await["value"], 1);
}

#[tokio::test]
async fn a_version_the_key_does_not_have_now_fails_its_condition() {
    let harness = Harness::start().await;
    let app = transactions_app(&harness, "stale", &["storage:app"]).await;
    let first = committed(
        &harness,
        &app,
        json!([{"key": "k", "action": "set", "value": 1}]),
    )
    .await;
    // Deleted and set again: the old version never comes back (no ABA).
    committed(&harness, &app, json!([{"key": "k", "action": "delete"}])).await;
    let second = committed(
        &harness,
        &app,
        json!([{"key": "k", "action": "set", "value": 2}]),
    )
    .await;
    for (guessed, why) in [
        (first, "a version of before the delete"),
        (second + 1, "a version not written yet"),
        (u64::MAX, "the largest number"),
        (0, "zero"),
    ] {
        let outcome = transact(
            &harness,
            &app,
            json!([
                {"key": "other", "action": "set", "value": 1},
                {"key": "k", "action": "set", "value": 3, "expected": guessed},
            ]),
        )
        .await;
        assert_eq!(outcome, json!({"condition_failed": 1}), "{why}");
    }
    assert_eq!(
        get(&harness, &app, "k").await,
        json!({"value": 2, "version": second})
    );
    assert_eq!(get(&harness, &app, "other").await, Value::Null);
    // The version of an absent key is no version at all.
    let outcome = transact(
        &harness,
        &app,
        json!([{"key": "never", "action": "delete", "expected": second}]),
    )
    .await;
    assert_eq!(outcome, json!({"condition_failed": 0}));
}

#[tokio::test]
async fn a_transaction_breaking_a_rule_is_refused_whole() {
    let limits = StorageLimits {
        max_total_bytes: 4 * 1024,
        ..StorageLimits::default()
    };
    let harness = Harness::start_with_storage(memory_storage(limits), None).await;
    let app = transactions_app(&harness, "rules", &["storage:app"]).await;
    let refused = |outcome: &Value, kind: &str| {
        assert_eq!(outcome["err"]["kind"], kind, "{outcome}");
        outcome["err"]["detail"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };

    let empty = transact(&harness, &app, json!([])).await;
    refused(&empty, "invalid-transaction");
    let too_many: Vec<Value> = (0..26)
        .map(|i| json!({"key": format!("k{i}"), "action": "set", "value": i}))
        .collect();
    let detail = refused(
        &transact(&harness, &app, Value::Array(too_many)).await,
        "invalid-transaction",
    );
    assert!(detail.contains("25"), "{detail}");
    let twice = transact(
        &harness,
        &app,
        json!([
            {"key": "a", "action": "set", "value": 1},
            {"key": "b", "action": "set", "value": 1},
            {"key": "a", "action": "delete"},
        ]),
    )
    .await;
    let detail = refused(&twice, "invalid-transaction");
    assert!(
        !detail.contains("\"a\""),
        "names indexes, not keys: {detail}"
    );
    let bad_key = transact(
        &harness,
        &app,
        json!([
            {"key": "fine", "action": "set", "value": 1},
            {"key": "", "action": "set", "value": 1},
        ]),
    )
    .await;
    refused(&bad_key, "invalid-key");
    // Each value fits the quota alone; together they do not.
    let chunk = "x".repeat(2500);
    let over = transact(
        &harness,
        &app,
        json!([
            {"key": "big-1", "action": "set", "value": chunk},
            {"key": "big-2", "action": "set", "value": chunk},
        ]),
    )
    .await;
    refused(&over, "quota-exceeded");
    for key in ["a", "b", "fine", "k0", "big-1", "big-2"] {
        assert_eq!(get(&harness, &app, key).await, Value::Null, "{key}");
    }
    // The host keeps serving the app.
    committed(
        &harness,
        &app,
        json!([{"key": "big-1", "action": "set", "value": chunk}]),
    )
    .await;
}

#[tokio::test]
async fn a_transaction_larger_than_four_megabytes_is_refused_whole() {
    let harness = Harness::start().await;
    let app = transactions_app(&harness, "large", &["storage:app"]).await;
    // 18 values just under Forge's 240 KiB each: 4.1 MiB together, made in
    // the guest (a payload holds at most 1 MiB).
    let large: Vec<Value> = (0..18)
        .map(|i| json!({"key": format!("big-{i}"), "action": "set", "fill": 235 * 1024}))
        .collect();
    let outcome = transact(&harness, &app, Value::Array(large)).await;
    assert_eq!(outcome["err"]["kind"], "invalid-transaction", "{outcome}");
    assert_eq!(get(&harness, &app, "big-0").await, Value::Null);
}

#[tokio::test]
async fn without_storage_app_a_transaction_is_scope_denied_and_counted() {
    let harness = Harness::start().await;
    let app = transactions_app(&harness, "no-scope", &["read:jira-user"]).await;
    let invoked = harness
        .invoke(
            &app,
            "transact",
            json!([{"key": "k", "action": "set", "value": 1}]),
        )
        .await;
    assert_eq!(ok_json(&invoked)["err"]["kind"], "scope-denied");
    assert_eq!(invoked.storage_calls, 1);
}

#[tokio::test]
async fn a_0_2_0_component_and_a_0_3_0_component_share_the_installations_storage() {
    let harness = Harness::start().await;
    let modern = transactions_app(&harness, "shared", &["storage:app"]).await;
    let older = harness
        .load(
            programs::STORAGE,
            &manifest(
                "shared",
                &["ops", "increment", "context", "jira_all", "log"],
                &["storage:app"],
                "",
            ),
        )
        .await;
    assert_eq!(older.world(), WorldVersion::V0_2);
    let invoked = harness
        .invoke(
            &older,
            "ops",
            json!([{"op": "set", "key": "k", "value": "from 0.2.0"}]),
        )
        .await;
    let written = ok_json(&invoked)[0]["ok"]
        .as_u64()
        .expect("a version from 0.2.0");
    // 0.3.0 sees 0.2.0's write and its version, and conditions on it.
    assert_eq!(
        get(&harness, &modern, "k").await,
        json!({"value": "from 0.2.0", "version": written})
    );
    let version = committed(
        &harness,
        &modern,
        json!([{"key": "k", "action": "set", "value": "from 0.3.0", "expected": written}]),
    )
    .await;
    let invoked = harness
        .invoke(&older, "ops", json!([{"op": "get", "key": "k"}]))
        .await;
    assert_eq!(
        ok_json(&invoked)[0]["ok"],
        json!({"key": "k", "value": "from 0.3.0", "version": version})
    );
}

/// Invocations at once, each moving 1 between two counters many times by
/// reading both and one transaction conditioned on both versions: the sum
/// never changes and every move lands, on a SQLite file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_transfers_conserve_the_sum() {
    let dir = tempfile::tempdir().unwrap();
    let db = SqliteDatabase::open(&dir.path().join("state.sqlite3"))
        .await
        .expect("state file");
    let storage = StorageHost::new(AppStorage::sqlite(db, StorageLimits::default(), cipher()));
    let harness = Harness::start_with_storage(storage, None).await;
    let app = transactions_app(&harness, "transfers", &["storage:app"]).await;
    committed(
        &harness,
        &app,
        json!([
            {"key": "a", "action": "set", "value": 100},
            {"key": "b", "action": "set", "value": 100},
        ]),
    )
    .await;
    const TIMES: i64 = 15;
    let transfer = |from: &str, to: &str| {
        harness.invoke(
            &app,
            "transfer",
            json!({"from": from, "to": to, "amount": 1, "times": TIMES}),
        )
    };
    let (one, two, three) =
        tokio::join!(transfer("a", "b"), transfer("a", "b"), transfer("b", "a"));
    for invoked in [&one, &two, &three] {
        assert!(ok_json(invoked)["retries"].is_u64(), "{:?}", invoked.result);
    }
    let a = get(&harness, &app, "a").await["value"].as_i64().unwrap();
    let b = get(&harness, &app, "b").await["value"].as_i64().unwrap();
    assert_eq!(a + b, 200, "the sum is conserved: a={a} b={b}");
    assert_eq!(a, 100 - TIMES, "every move landed once: a={a}");
}
