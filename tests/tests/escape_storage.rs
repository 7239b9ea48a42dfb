//! Escape suite: app storage (`kiln:app@0.2.0`'s `storage` interface) under
//! hostile use. A guest may choose any key, prefix, cursor, limit and value;
//! it never chooses the installation. Every case checks that a guest reaches
//! only its own installation's data, gets a typed `storage-error` for what
//! is refused, and that the host keeps serving afterwards.

use crate::support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use kiln_runtime::{Invocation, InvocationFailure, LoadedApp, StorageHost};
use kiln_state::storage::{
    BackendError, BatchOutcome, BatchWrite, Change, Condition, InstallationId, MemoryBackend,
    ScanRange, Space, StorageBackend, StorageKey, StoredEntry, UnixMillis, WriteOutcome,
};
use kiln_state::{AppStorage, Installation, SqliteDatabase, StorageLimits};
use kiln_tests::programs::{STORAGE, TRANSACTIONS};
use serde_json::{Value, json};
use support::{Harness, cipher, manifest, memory_storage, ok_json};

const HANDLERS: &[&str] = &["ops", "increment", "context", "jira_all", "log"];

async fn app(harness: &Harness, id: &str, runtime_yaml: &str) -> LoadedApp {
    harness
        .load(
            STORAGE,
            &manifest(id, HANDLERS, &["storage:app"], runtime_yaml),
        )
        .await
}

async fn ops_in(harness: &Harness, app: &LoadedApp, environment: &str, ops: Value) -> Vec<Value> {
    let invoked = app
        .invoke(Invocation {
            function_key: Some("ops".into()),
            payload: ops.to_string(),
            environment: environment.into(),
            ..Invocation::default()
        })
        .await
        .expect("invocation starts");
    harness.assert_no_canary(&invoked);
    match ok_json(&invoked) {
        Value::Array(outcomes) => outcomes,
        other => panic!("expected outcomes, got {other}"),
    }
}

async fn ops(harness: &Harness, app: &LoadedApp, ops: Value) -> Vec<Value> {
    ops_in(harness, app, "development", ops).await
}

fn kind(outcome: &Value) -> &str {
    outcome["err"]["kind"].as_str().unwrap_or("ok")
}

#[tokio::test]
async fn storage_installations_never_see_each_others_keys() {
    let shared = memory_storage(StorageLimits::default());
    // Two sites (two runtimes on one storage), two apps, two environments:
    // every pair writes the same keys.
    let site_a = Harness::start_with_storage(shared.clone(), Some("site-a")).await;
    let site_b = Harness::start_with_storage(shared.clone(), Some("site-b")).await;
    let a = app(&site_a, "app-one", "").await;
    let a_other_app = app(&site_a, "app-two", "").await;
    let b = app(&site_b, "app-one", "").await;
    let writers: [(&Harness, &LoadedApp, &str, &str); 4] = [
        (&site_a, &a, "development", "a-dev"),
        (&site_a, &a, "production", "a-prod"),
        (&site_a, &a_other_app, "development", "a-other-app"),
        (&site_b, &b, "development", "b-dev"),
    ];
    for (harness, app, environment, marker) in writers {
        let outcomes = ops_in(
            harness,
            app,
            environment,
            json!([
                {"op": "set", "key": "shared", "value": marker},
                {"op": "set", "key": "shared/child", "value": marker},
                {"op": "set-secret", "key": "shared", "value": marker},
            ]),
        )
        .await;
        assert!(outcomes.iter().all(|o| kind(o) == "ok"), "{outcomes:?}");
    }
    for (harness, app, environment, marker) in writers {
        let outcomes = ops_in(
            harness,
            app,
            environment,
            json!([
                {"op": "get", "key": "shared"},
                {"op": "query", "prefix": "", "limit": 100},
                {"op": "get-secret", "key": "shared"},
            ]),
        )
        .await;
        assert_eq!(outcomes[0]["ok"]["value"], marker, "{marker}");
        assert_eq!(outcomes[1]["ok"]["keys"], json!(["shared", "shared/child"]));
        assert_eq!(outcomes[1]["ok"]["values"], json!([marker, marker]));
        assert_eq!(outcomes[2]["ok"], marker);
    }
    // A delete in one installation leaves the others whole.
    ops(&site_a, &a, json!([{"op": "delete", "key": "shared"}])).await;
    let outcomes = ops(&site_b, &b, json!([{"op": "get", "key": "shared"}])).await;
    assert_eq!(outcomes[0]["ok"]["value"], "b-dev");
    site_a.assert_jira_untouched();
}

#[tokio::test]
async fn storage_hostile_keys_refused_or_kept_as_opaque_data() {
    let harness = Harness::start().await;
    let app = app(&harness, "keys", "").await;
    let too_long = "k".repeat(501);
    let longest = "😀".repeat(500);
    let refused = ops(
        &harness,
        &app,
        json!([
            {"op": "set", "key": "", "value": 1},
            {"op": "set", "key": " \t\n", "value": 1},
            {"op": "set", "key": "a\u{0}b", "value": 1},
            {"op": "get", "key": "\u{0}"},
            {"op": "set", "key": too_long, "value": 1},
            {"op": "set-secret", "key": "", "value": 1},
            {"op": "query", "prefix": "a\u{0}"},
            {"op": "query", "prefix": too_long},
        ]),
    )
    .await;
    for outcome in &refused {
        assert_eq!(kind(outcome), "invalid-key", "{outcome}");
    }
    // Everything else is data: separators, escapes, pattern characters,
    // traversal, other installations' look-alikes, any Unicode.
    let opaque = [
        "a/b",
        "../../etc/passwd",
        "%",
        "_",
        "\\",
        "'; DROP TABLE storage_entries; --",
        "app-two\u{1f}development",
        "ключ",
        "\u{202e}evil",
        "\u{10FFFF}",
        longest.as_str(),
    ];
    let sets: Vec<Value> = opaque
        .iter()
        .enumerate()
        .map(|(i, key)| json!({"op": "set", "key": key, "value": i}))
        .collect();
    let outcomes = ops(&harness, &app, Value::Array(sets)).await;
    assert!(outcomes.iter().all(|o| kind(o) == "ok"), "{outcomes:?}");
    let gets: Vec<Value> = opaque
        .iter()
        .map(|key| json!({"op": "get", "key": key}))
        .collect();
    let outcomes = ops(&harness, &app, Value::Array(gets)).await;
    for (i, (outcome, key)) in outcomes.iter().zip(opaque).enumerate() {
        assert_eq!(outcome["ok"]["key"], key);
        assert_eq!(outcome["ok"]["value"], i);
    }
    // A prefix is never a pattern: `%` and `_` match only themselves, and
    // the empty prefix lists exactly this installation's keys.
    let outcomes = ops(
        &harness,
        &app,
        json!([
            {"op": "query", "prefix": "%", "limit": 100},
            {"op": "query", "prefix": "_", "limit": 100},
            {"op": "query", "prefix": "\\", "limit": 100},
            {"op": "query", "prefix": "", "limit": 100},
        ]),
    )
    .await;
    assert_eq!(outcomes[0]["ok"]["keys"], json!(["%"]));
    assert_eq!(outcomes[1]["ok"]["keys"], json!(["_"]));
    assert_eq!(outcomes[2]["ok"]["keys"], json!(["\\"]));
    assert_eq!(
        outcomes[3]["ok"]["keys"].as_array().unwrap().len(),
        opaque.len()
    );
    harness
        .assert_serves(&app, "ops", json!([]), json!([]))
        .await;
}

#[tokio::test]
async fn storage_forged_cursors_and_page_limits() {
    let harness = Harness::start().await;
    let app = app(&harness, "cursors", "").await;
    let outcomes = ops(
        &harness,
        &app,
        json!([
            {"op": "set", "key": "a1", "value": 1},
            {"op": "set", "key": "a2", "value": 2},
            {"op": "set", "key": "b1", "value": 3},
            {"op": "query", "prefix": "", "cursor": "not a cursor"},
            {"op": "query", "prefix": "", "cursor": "k1.zz"},
            {"op": "query", "prefix": "", "cursor": "k1.".to_owned() + &"61".repeat(5000)},
            {"op": "query", "prefix": "", "limit": 0},
            {"op": "query", "prefix": "", "limit": 101},
            {"op": "query", "prefix": "", "limit": u32::MAX},
            // A cursor past `b1`, used with prefix `a`: never leaves the prefix.
            {"op": "query", "prefix": "a", "cursor": "k1.6231"},
            // A cursor before everything, with prefix `b`: starts at the prefix.
            {"op": "query", "prefix": "b", "cursor": "k1.00"},
        ]),
    )
    .await;
    assert_eq!(kind(&outcomes[3]), "invalid-cursor");
    assert_eq!(kind(&outcomes[4]), "invalid-cursor");
    assert_eq!(kind(&outcomes[5]), "invalid-cursor");
    assert_eq!(
        outcomes[6]["err"],
        json!({"kind": "invalid-limit", "detail": 0})
    );
    assert_eq!(
        outcomes[7]["err"],
        json!({"kind": "invalid-limit", "detail": 101})
    );
    assert_eq!(kind(&outcomes[8]), "invalid-limit");
    assert_eq!(outcomes[9]["ok"]["keys"], json!([]));
    assert_eq!(outcomes[10]["ok"]["keys"], json!(["b1"]));
}

#[tokio::test]
async fn storage_quota_and_value_limits_exhausted() {
    let limits = StorageLimits {
        max_total_bytes: 4 * 1024,
        ..StorageLimits::default()
    };
    let harness = Harness::start_with_storage(memory_storage(limits), None).await;
    let app = app(&harness, "quota", "").await;
    let chunk = "x".repeat(1000);
    let fill: Vec<Value> = (0..6)
        .map(|i| json!({"op": "set", "key": format!("fill-{i}"), "value": chunk}))
        .collect();
    let outcomes = ops(&harness, &app, Value::Array(fill)).await;
    let kinds: Vec<&str> = outcomes.iter().map(kind).collect();
    assert_eq!(&kinds[..4], ["ok", "ok", "ok", "ok"], "{outcomes:?}");
    assert_eq!(&kinds[4..], ["quota-exceeded", "quota-exceeded"]);
    let message = outcomes[4]["err"]["detail"].as_str().unwrap();
    assert!(message.contains("4096"), "{message}");
    assert!(
        !message.contains("xxxx"),
        "no value in the error: {message}"
    );

    // Secrets count too; a delete frees room; other limits are typed.
    let deep = (0..40).fold(json!(1), |inner, _| json!([inner]));
    let outcomes = ops(
        &harness,
        &app,
        json!([
            {"op": "set-secret", "key": "s", "value": chunk},
            {"op": "delete", "key": "fill-0"},
            {"op": "set", "key": "after-delete", "value": "fits"},
            {"op": "set", "key": "deep", "value": deep},
            {"op": "set", "key": "big", "value": "y".repeat(250 * 1024)},
            {"op": "set", "key": "raw", "raw_value": "{not json"},
            {"op": "set", "key": "raw", "raw_value": ""},
            {"op": "cas", "key": "raw", "raw_value": "[1,"},
        ]),
    )
    .await;
    let kinds: Vec<&str> = outcomes.iter().map(kind).collect();
    assert_eq!(
        kinds,
        [
            "quota-exceeded",
            "ok",
            "ok",
            "invalid-value",
            "invalid-value",
            "invalid-value",
            "invalid-value",
            "invalid-value"
        ],
        "{outcomes:?}"
    );
    // The full installation still reads, and another installation writes.
    let outcomes = ops(&harness, &app, json!([{"op": "get", "key": "fill-1"}])).await;
    assert_eq!(outcomes[0]["ok"]["value"], chunk.as_str());
    let other = ops_in(
        &harness,
        &app,
        "production",
        json!([{"op": "set", "key": "fill-0", "value": chunk}]),
    )
    .await;
    assert_eq!(kind(&other[0]), "ok");
    harness.assert_runtime_serves().await;
}

/// Two invocations at once, each adding 1 to one counter many times by
/// read + compare-and-set: the final count is the sum (no lost update), on
/// the in-memory backend and on a SQLite file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_concurrent_compare_and_set_loses_no_update() {
    let dir = tempfile::tempdir().unwrap();
    let db = SqliteDatabase::open(&dir.path().join("state.sqlite3"))
        .await
        .expect("state file");
    let backends = [
        ("memory", memory_storage(StorageLimits::default())),
        (
            "sqlite",
            StorageHost::new(AppStorage::sqlite(db, StorageLimits::default(), cipher())),
        ),
    ];
    const TIMES: u64 = 40;
    for (name, storage) in backends {
        let harness = Harness::start_with_storage(storage, None).await;
        let app = Arc::new(app(&harness, "counter", "timeoutSeconds: 60").await);
        let increment = |app: Arc<LoadedApp>| async move {
            app.invoke(Invocation {
                function_key: Some("increment".into()),
                payload: json!({"key": "hits", "times": TIMES}).to_string(),
                ..Invocation::default()
            })
            .await
            .expect("invocation starts")
        };
        let (first, second) = tokio::join!(
            tokio::spawn(increment(app.clone())),
            tokio::spawn(increment(app.clone()))
        );
        let (first, second) = (first.unwrap(), second.unwrap());
        let retries = ok_json(&first)["retries"].as_u64().unwrap()
            + ok_json(&second)["retries"].as_u64().unwrap();
        let outcomes = ops(&harness, &app, json!([{"op": "get", "key": "hits"}])).await;
        assert_eq!(
            outcomes[0]["ok"]["value"],
            2 * TIMES,
            "{name}: an update was lost ({retries} retries)"
        );
    }
}

#[tokio::test]
async fn storage_secrets_absent_from_queries_errors_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.sqlite3");
    let db = SqliteDatabase::open(&path).await.expect("state file");
    let storage = StorageHost::new(AppStorage::sqlite(db, StorageLimits::default(), cipher()));
    let harness = Harness::start_with_storage(storage, None).await;
    let app = app(&harness, "secrets", "").await;
    let canary = "s3cr3t-canary-7f1e9b";
    let outcomes = ops(
        &harness,
        &app,
        json!([
            {"op": "set-secret", "key": "token", "value": canary},
            {"op": "get-secret", "key": "token"},
            {"op": "get", "key": "token"},
            {"op": "query", "prefix": "", "limit": 100},
            {"op": "set-secret", "key": "broken", "raw_value": format!("{{\"{canary}\": ")},
            {"op": "set-secret", "key": "\u{0}", "value": canary},
            {"op": "delete-secret", "key": "token"},
            {"op": "get-secret", "key": "token"},
        ]),
    )
    .await;
    assert_eq!(outcomes[0], json!({"ok": null}));
    assert_eq!(outcomes[1], json!({"ok": canary}));
    assert_eq!(
        outcomes[2],
        json!({"ok": null}),
        "secrets are a key space apart"
    );
    assert_eq!(outcomes[3]["ok"]["keys"], json!([]), "never listed");
    assert_eq!(kind(&outcomes[4]), "invalid-value");
    assert_eq!(kind(&outcomes[5]), "invalid-key");
    assert_eq!(outcomes[7], json!({"ok": null}));
    for refused in &outcomes[4..6] {
        assert!(!refused.to_string().contains(canary), "{refused}");
    }
    // Set again and left there: the file holds only ciphertext.
    ops(
        &harness,
        &app,
        json!([{"op": "set-secret", "key": "token", "value": canary}]),
    )
    .await;
    let mut on_disk = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        on_disk.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    assert!(
        !on_disk
            .windows(canary.len())
            .any(|w| w == canary.as_bytes()),
        "the secret is in the state file in plain"
    );
    for record in harness.audit.records() {
        assert!(!format!("{record:?}").contains(canary));
    }
}

/// A backend that answers every read after `delay`: storage waits must end
/// at the invocation's deadline like any other wait of the guest.
struct SlowBackend {
    inner: MemoryBackend,
    delay: Duration,
}

#[async_trait]
impl StorageBackend for SlowBackend {
    async fn installation_id(
        &self,
        installation: &Installation,
    ) -> Result<InstallationId, BackendError> {
        self.inner.installation_id(installation).await
    }

    async fn get(
        &self,
        id: InstallationId,
        space: Space,
        key: &StorageKey,
        now: UnixMillis,
    ) -> Result<Option<StoredEntry>, BackendError> {
        tokio::time::sleep(self.delay).await;
        self.inner.get(id, space, key, now).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn write(
        &self,
        id: InstallationId,
        space: Space,
        key: &StorageKey,
        change: Change<'_>,
        condition: Condition,
        max_total_bytes: u64,
        now: UnixMillis,
    ) -> Result<WriteOutcome, BackendError> {
        self.inner
            .write(id, space, key, change, condition, max_total_bytes, now)
            .await
    }

    async fn write_all(
        &self,
        id: InstallationId,
        space: Space,
        writes: &[BatchWrite<'_>],
        max_total_bytes: u64,
        now: UnixMillis,
    ) -> Result<BatchOutcome, BackendError> {
        self.inner
            .write_all(id, space, writes, max_total_bytes, now)
            .await
    }

    async fn scan(
        &self,
        id: InstallationId,
        space: Space,
        range: ScanRange<'_>,
        limit: u32,
        now: UnixMillis,
    ) -> Result<Vec<(Vec<u8>, StoredEntry)>, BackendError> {
        self.inner.scan(id, space, range, limit, now).await
    }

    async fn bytes_used(&self, id: InstallationId, now: UnixMillis) -> Result<u64, BackendError> {
        self.inner.bytes_used(id, now).await
    }

    async fn purge_expired(&self, now: UnixMillis, limit: u32) -> Result<u64, BackendError> {
        self.inner.purge_expired(now, limit).await
    }

    async fn installations(
        &self,
        after: Option<InstallationId>,
        limit: u32,
    ) -> Result<Vec<(InstallationId, Installation)>, BackendError> {
        self.inner.installations(after, limit).await
    }
}

#[tokio::test]
async fn storage_stalled_backend_ends_at_the_deadline() {
    let slow = SlowBackend {
        inner: MemoryBackend::new(),
        delay: Duration::from_secs(30),
    };
    let storage = StorageHost::new(AppStorage::new(
        Arc::new(slow),
        StorageLimits::default(),
        cipher(),
    ));
    let harness = Harness::start_with_storage(storage, None).await;
    let app = app(&harness, "slow", "timeoutSeconds: 1").await;
    let started = Instant::now();
    let invoked = harness
        .invoke(&app, "ops", json!([{"op": "get", "key": "k"}]))
        .await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    match &invoked.result {
        Err(InvocationFailure::Timeout { .. }) => {}
        Ok(json) => {
            let outcomes: Value = serde_json::from_str(json).unwrap();
            assert_eq!(kind(&outcomes[0]), "unavailable", "{outcomes}");
        }
        other => panic!("expected the deadline, got {other:?}"),
    }
    // Writes do not wait on this backend: the app still serves.
    harness
        .assert_serves(
            &app,
            "ops",
            json!([{"op": "set", "key": "k", "value": 1}]),
            json!([{"ok": 1}]),
        )
        .await;
}

/// A transaction's version conditions cost the host one read each, so the
/// host checks the transaction's size before it reads anything: thousands of
/// conditioned operations are refused at once, not read one by one until
/// the deadline. On a backend whose reads take a second, reading even a few
/// of them would end the invocation at its deadline instead.
#[tokio::test]
async fn storage_oversized_transaction_refused_before_any_read() {
    let slow = SlowBackend {
        inner: MemoryBackend::new(),
        delay: Duration::from_secs(1),
    };
    let storage = StorageHost::new(AppStorage::new(
        Arc::new(slow),
        StorageLimits::default(),
        cipher(),
    ));
    let harness = Harness::start_with_storage(storage, None).await;
    let app = harness
        .load(
            TRANSACTIONS,
            &manifest(
                "amplify",
                &["transact", "transfer", "get"],
                &["storage:app"],
                "timeoutSeconds: 3",
            ),
        )
        .await;
    let ops: Vec<Value> = (0..5000)
        .map(|i| json!({"key": format!("k{i}"), "action": "check", "expected": 1}))
        .collect();
    let invoked = harness.invoke(&app, "transact", Value::Array(ops)).await;
    let outcome = ok_json(&invoked);
    assert_eq!(kind(&outcome), "invalid-transaction", "{outcome}");
    assert!(
        outcome["err"]["detail"].as_str().unwrap().contains("5000"),
        "{outcome}"
    );
}
