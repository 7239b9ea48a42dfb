//! The app-storage contract, run against every backend: in memory, SQLite and a real
//! PostgreSQL (`support/postgres.rs` says how the tests find it). A backend that passes here
//! can stand in for another.

use crate::support;

use std::collections::BTreeSet;

use kiln_state::storage::{
    CasOutcome, Expected, KeyError, Space, StorageKey, TransactAction, TransactOp, TransactOutcome,
    TransactionError, UnixMillis, Version,
};
use kiln_state::{Installation, SecretError, SecretValue, StorageError, StorageLimits};
use serde_json::{Value, json};
use support::{Harness, installation};

/// Keys chosen to break naive implementations: LIKE wildcards and escapes, quotes, path
/// tricks, separators an installation prefix might use, Unicode (combining, RTL, astral),
/// near-prefixes of each other and the longest allowed key.
fn hostile_keys() -> Vec<String> {
    let mut keys: Vec<String> = [
        "%",
        "_",
        "\\",
        "%%",
        "a%",
        "a_",
        "a\\",
        "a\\%",
        "_a",
        "%a",
        "a",
        "ab",
        "a b",
        "A",
        "'",
        "\"",
        "'; DROP TABLE storage_entries; --",
        "../other",
        "/",
        ":",
        "app:site:env",
        "a\u{0301}",
        "\u{00e1}",
        "\u{202e}evil",
        "ключ",
        "键",
        "😀",
        "\u{10FFFF}",
        "\ta",
        "a\n",
        "\u{7f}",
        "\u{ff}",
        "y\u{308}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    keys.push("x".repeat(500));
    keys.push("😀".repeat(500));
    keys
}

fn starts_with_bytes(key: &str, prefix: &str) -> bool {
    key.as_bytes().starts_with(prefix.as_bytes())
}

async fn all_keys(
    storage: &kiln_state::InstallationStorage,
    prefix: &str,
    limit: u32,
) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = storage
            .query(prefix, cursor.as_deref(), Some(limit))
            .await
            .expect("query");
        assert!(page.entries.len() <= limit as usize);
        out.extend(page.entries.into_iter().map(|e| (e.key, e.value)));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return out,
        }
    }
}

pub async fn get_set_delete(h: &Harness) {
    let s = h.storage.installation(&installation("app")).await.unwrap();
    assert_eq!(s.get("k").await.unwrap(), None);
    let v1 = s.set("k", &json!({"n": 1})).await.unwrap();
    let got = s.get("k").await.unwrap().unwrap();
    assert_eq!((got.value, got.version), (json!({"n": 1}), v1));
    let v2 = s
        .set("k", &json!([1, "two", null, 3.5, true]))
        .await
        .unwrap();
    assert!(v2 > v1);
    assert_eq!(
        s.get("k").await.unwrap().unwrap().value,
        json!([1, "two", null, 3.5, true])
    );
    s.delete("k").await.unwrap();
    assert_eq!(s.get("k").await.unwrap(), None);
    s.delete("k").await.unwrap();
    assert_eq!(s.bytes_used().await.unwrap(), 0);
}

pub async fn installations_are_isolated(h: &Harness) {
    // Parts that would collide if joined with ':' or '/' into one string.
    let a = Installation::new("a:b", "c", "d").unwrap();
    let b = Installation::new("a", "b:c", "d").unwrap();
    let c = Installation::new("a", "b", "c:d").unwrap();
    let mut seen = Vec::new();
    for (n, inst) in [&a, &b, &c].into_iter().enumerate() {
        let s = h.storage.installation(inst).await.unwrap();
        s.set("shared", &json!(n)).await.unwrap();
        s.set_secret("shared", &SecretValue::new(json!(format!("secret {n}"))))
            .await
            .unwrap();
        seen.push(s);
    }
    for (n, s) in seen.iter().enumerate() {
        assert_eq!(s.get("shared").await.unwrap().unwrap().value, json!(n));
        assert_eq!(
            s.get_secret("shared")
                .await
                .unwrap()
                .unwrap()
                .expose_secret(),
            &json!(format!("secret {n}"))
        );
        assert_eq!(
            all_keys(s, "", 100).await,
            vec![("shared".into(), json!(n))]
        );
    }
}

pub async fn hostile_keys_reach_only_themselves(h: &Harness) {
    let mine = h.storage.installation(&installation("mine")).await.unwrap();
    let theirs = h
        .storage
        .installation(&installation("theirs"))
        .await
        .unwrap();
    let keys = hostile_keys();
    for (n, key) in keys.iter().enumerate() {
        mine.set(key, &json!(n)).await.unwrap();
        theirs.set(key, &json!("theirs")).await.unwrap();
        if key.chars().count() < 400 {
            theirs
                .set(&format!("{key}-theirs"), &json!("theirs"))
                .await
                .unwrap();
        }
    }
    for (n, key) in keys.iter().enumerate() {
        assert_eq!(
            mine.get(key).await.unwrap().unwrap().value,
            json!(n),
            "{key:?}"
        );
    }
    // Every prefix query returns exactly the keys that begin with the prefix's bytes.
    let mut prefixes: Vec<String> = keys.clone();
    prefixes.extend(["", "%", "_", "\\", "a", "a%", "a_", "'", "\u{ff}"].map(String::from));
    for prefix in &prefixes {
        let got: BTreeSet<String> = all_keys(&mine, prefix, 7)
            .await
            .into_iter()
            .map(|(k, v)| {
                assert_ne!(
                    v,
                    json!("theirs"),
                    "{prefix:?} listed another installation's value"
                );
                k
            })
            .collect();
        let want: BTreeSet<String> = keys
            .iter()
            .filter(|k| starts_with_bytes(k, prefix))
            .cloned()
            .collect();
        assert_eq!(got, want, "prefix {prefix:?}");
    }
    // Deleting through a hostile key removes that key only.
    mine.delete("%").await.unwrap();
    assert_eq!(mine.get("%%").await.unwrap().unwrap().value, json!(3));
    assert_eq!(
        theirs.get("%").await.unwrap().unwrap().value,
        json!("theirs")
    );
}

pub async fn invalid_keys_get_typed_errors(h: &Harness) {
    let s = h.storage.installation(&installation("app")).await.unwrap();
    let cases: Vec<(String, KeyError)> = vec![
        (String::new(), KeyError::Empty),
        ("   ".into(), KeyError::OnlyWhitespace),
        ("a\0b".into(), KeyError::Nul),
        (
            "x".repeat(501),
            KeyError::TooLong {
                chars: 501,
                max: 500,
            },
        ),
    ];
    for (key, want) in cases {
        for result in [
            s.get(&key).await.map(|_| ()),
            s.set(&key, &json!(1)).await.map(|_| ()),
            s.delete(&key).await,
            s.get_secret(&key).await.map(|_| ()),
        ] {
            match result {
                Err(StorageError::InvalidKey(got)) => assert_eq!(got, want),
                other => panic!("{key:?}: {other:?}"),
            }
        }
    }
    assert!(matches!(
        s.query("a\0", None, None).await,
        Err(StorageError::InvalidKey(KeyError::Nul))
    ));
    assert_eq!(s.bytes_used().await.unwrap(), 0);
}

pub async fn value_limits(h: &Harness) {
    let s = h.storage.installation(&installation("app")).await.unwrap();
    let max = StorageLimits::default().max_value_bytes;
    // A JSON string of n bytes of text serialises to n + 2 bytes.
    s.set("fits", &json!("x".repeat(max - 2))).await.unwrap();
    match s.set("big", &json!("x".repeat(max - 1))).await {
        Err(StorageError::ValueTooLarge { bytes, max: m }) => {
            assert_eq!((bytes, m), (max + 1, max))
        }
        other => panic!("{other:?}"),
    }
    let mut deep = json!(0);
    for _ in 0..32 {
        deep = json!({ "d": deep });
    }
    assert!(matches!(
        s.set("deep", &deep).await,
        Err(StorageError::ValueTooDeep { max: 31 })
    ));
    assert!(matches!(
        s.set_secret("big", &SecretValue::new(json!("x".repeat(max))))
            .await,
        Err(StorageError::ValueTooLarge { .. })
    ));
    assert_eq!(s.get("big").await.unwrap(), None);
    assert_eq!(s.get_secret("big").await.unwrap(), None);
}

pub async fn total_size_is_capped(h: &Harness) {
    let limits = StorageLimits {
        max_total_bytes: 1000,
        ..StorageLimits::default()
    };
    let storage = h.storage_with(limits);
    let s = storage.installation(&installation("app")).await.unwrap();
    let other = storage.installation(&installation("other")).await.unwrap();
    // Key "k0" (2 bytes) + value "\"xxx…\"" (300 bytes) = 302 bytes each.
    let value = json!("x".repeat(298));
    for n in 0..3 {
        s.set(&format!("k{n}"), &value).await.unwrap();
    }
    assert_eq!(s.bytes_used().await.unwrap(), 906);
    match s.set("k3", &value).await {
        Err(StorageError::QuotaExceeded { would_use, limit }) => {
            assert_eq!((would_use, limit), (1208, 1000))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(s.get("k3").await.unwrap(), None);
    assert!(matches!(
        s.set_secret("s", &SecretValue::new(value.clone())).await,
        Err(StorageError::QuotaExceeded { .. })
    ));
    // Replacing with something no larger, and deleting, are always allowed.
    s.set("k0", &json!(1)).await.unwrap();
    assert_eq!(s.bytes_used().await.unwrap(), 604 + 3);
    s.delete("k1").await.unwrap();
    s.set("k3", &value).await.unwrap();
    assert_eq!(s.bytes_used().await.unwrap(), 604 + 3);
    // An operator lowers the limit below what is stored: shrinking and deleting still
    // work, growing does not.
    let lowered = h.storage_with(StorageLimits {
        max_total_bytes: 100,
        ..StorageLimits::default()
    });
    let s = lowered.installation(&installation("app")).await.unwrap();
    s.set("k3", &json!("smaller")).await.unwrap();
    assert!(matches!(
        s.set("k0", &json!("larger than one")).await,
        Err(StorageError::QuotaExceeded { limit: 100, .. })
    ));
    s.delete("k2").await.unwrap();
    // One installation's usage does not count against another's.
    other.set("k0", &value).await.unwrap();
    assert_eq!(other.bytes_used().await.unwrap(), 302);
}

pub async fn query_pages_and_cursors(h: &Harness) {
    let s = h.storage.installation(&installation("app")).await.unwrap();
    for n in 0..25 {
        s.set(&format!("item:{n:02}"), &json!(n)).await.unwrap();
    }
    s.set("other", &json!("x")).await.unwrap();
    let first = s.query("item:", None, None).await.unwrap();
    assert_eq!(first.entries.len(), 10, "Forge's default page is 10");
    let all = all_keys(&s, "item:", 10).await;
    assert_eq!(
        all.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>(),
        (0..25).map(|n| format!("item:{n:02}")).collect::<Vec<_>>()
    );
    // An exact page: no cursor after the last one.
    let exact = s.query("item:0", None, Some(10)).await.unwrap();
    assert_eq!((exact.entries.len(), exact.next_cursor), (10, None));
    for limit in [0, 101] {
        assert!(matches!(
            s.query("", None, Some(limit)).await,
            Err(StorageError::PageSize { requested, max: 100 }) if requested == limit
        ));
    }
    for bad in ["", "garbage", "k1.zz", "k1.", "%", "k1.0"] {
        assert!(
            matches!(
                s.query("", Some(bad), None).await,
                Err(StorageError::InvalidCursor(_))
            ),
            "{bad:?}"
        );
    }
    // A cursor from another prefix's query (or forged) never escapes this query's prefix.
    let other_cursor = s
        .query("", None, Some(1))
        .await
        .unwrap()
        .next_cursor
        .unwrap();
    let page = s
        .query("other", Some(&other_cursor), Some(100))
        .await
        .unwrap();
    assert_eq!(page.entries.len(), 1);
    let forged = format!("k1.{}", hex_encode(b"a"));
    let page = s.query("item:1", Some(&forged), Some(100)).await.unwrap();
    assert!(page.entries.iter().all(|e| e.key.starts_with("item:1")));
    assert_eq!(page.entries.len(), 10);
    let beyond = format!("k1.{}", hex_encode(b"zzz"));
    assert!(
        s.query("item:", Some(&beyond), None)
            .await
            .unwrap()
            .entries
            .is_empty()
    );
}

fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub async fn paging_is_stable_under_concurrent_inserts(h: &Harness) {
    let s = h.storage.installation(&installation("app")).await.unwrap();
    let original: Vec<String> = (0..200).map(|n| format!("k{:04}", n * 10)).collect();
    for key in &original {
        s.set(key, &json!("original")).await.unwrap();
    }
    let writer = {
        let s = s.clone();
        tokio::spawn(async move {
            // Keys between and around the originals, in an order that hits both sides of
            // the reader's cursor.
            for n in (0..2000).filter(|n| n % 10 != 0).step_by(7) {
                s.set(&format!("k{n:04}"), &json!("new")).await.unwrap();
                tokio::task::yield_now().await;
            }
        })
    };
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = s.query("k", cursor.as_deref(), Some(9)).await.unwrap();
        seen.extend(page.entries.into_iter().map(|e| e.key));
        tokio::task::yield_now().await;
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    writer.await.unwrap();
    let unique: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "a key was returned twice");
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "out of order");
    for key in &original {
        assert!(unique.contains(key), "{key} was skipped");
    }
}

pub async fn compare_and_set_semantics(h: &Harness) {
    let s = h.storage.installation(&installation("app")).await.unwrap();
    let CasOutcome::Applied(Some(v1)) = s
        .compare_and_set("c", Expected::Absent, Some(&json!(1)))
        .await
        .unwrap()
    else {
        panic!("create")
    };
    assert_eq!(
        s.compare_and_set("c", Expected::Absent, Some(&json!(2)))
            .await
            .unwrap(),
        CasOutcome::Conflict { current: Some(v1) }
    );
    let CasOutcome::Applied(Some(v2)) = s
        .compare_and_set("c", Expected::Version(v1), Some(&json!(2)))
        .await
        .unwrap()
    else {
        panic!("update")
    };
    assert_eq!(
        s.compare_and_set("c", Expected::Version(v1), Some(&json!(3)))
            .await
            .unwrap(),
        CasOutcome::Conflict { current: Some(v2) }
    );
    // Delete and re-create: the old version must not match again (no ABA).
    assert_eq!(
        s.compare_and_set("c", Expected::Version(v2), None)
            .await
            .unwrap(),
        CasOutcome::Applied(None)
    );
    assert_eq!(
        s.compare_and_set("c", Expected::Version(v2), None)
            .await
            .unwrap(),
        CasOutcome::Conflict { current: None }
    );
    s.set("c", &json!(1)).await.unwrap();
    assert!(matches!(
        s.compare_and_set("c", Expected::Version(v1), Some(&json!(9)))
            .await
            .unwrap(),
        CasOutcome::Conflict { .. }
    ));
    assert_eq!(s.get("c").await.unwrap().unwrap().value, json!(1));
}

/// Runs `each` read-modify-write increments of "counter" on every one of `writers` at
/// once, then checks, through `h`, that none was lost.
async fn increment_concurrently(
    h: &Harness,
    writers: Vec<kiln_state::InstallationStorage>,
    each: u64,
) {
    let expected = writers.len() as u64 * each;
    let mut tasks = Vec::new();
    for s in writers {
        tasks.push(tokio::spawn(async move {
            for _ in 0..each {
                s.update("counter", 10_000, |current| {
                    Some(json!(current.and_then(Value::as_u64).unwrap_or(0) + 1))
                })
                .await
                .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let s = h.storage.installation(&installation("app")).await.unwrap();
    assert_eq!(
        s.get("counter").await.unwrap().unwrap().value,
        json!(expected)
    );
}

pub async fn concurrent_increments_lose_nothing(h: &Harness) {
    let s = h.storage.installation(&installation("app")).await.unwrap();
    increment_concurrently(h, vec![s; 16], 25).await;
}

pub async fn secrets_are_sealed_apart_and_bound(h: &Harness) {
    let a = h.storage.installation(&installation("a")).await.unwrap();
    let b = h.storage.installation(&installation("b")).await.unwrap();
    let secret = SecretValue::new(json!({"token": "hunter2-plaintext"}));
    a.set_secret("api", &secret).await.unwrap();
    a.set("api", &json!("plain")).await.unwrap();
    assert_eq!(a.get_secret("api").await.unwrap().as_ref(), Some(&secret));
    assert_eq!(a.get("api").await.unwrap().unwrap().value, json!("plain"));
    // Never listed, and the stored bytes do not contain the plaintext.
    assert_eq!(
        all_keys(&a, "", 100).await,
        vec![("api".into(), json!("plain"))]
    );
    let a_id = h.backend.installation_id(a.installation()).await.unwrap();
    let b_id = h.backend.installation_id(b.installation()).await.unwrap();
    let key = StorageKey::new("api", 500).unwrap();
    let sealed = h
        .backend
        .get(a_id, Space::Secrets, &key, UnixMillis::now())
        .await
        .unwrap()
        .unwrap();
    assert!(!String::from_utf8_lossy(&sealed.bytes).contains("hunter2"));
    // A ciphertext copied to another installation, or to another key, does not open.
    use kiln_state::storage::{Change, Condition};
    h.backend
        .write(
            b_id,
            Space::Secrets,
            &key,
            Change::Put {
                bytes: &sealed.bytes,
                expires_at: None,
            },
            Condition::Always,
            u64::MAX,
            UnixMillis::now(),
        )
        .await
        .unwrap();
    assert!(matches!(
        b.get_secret("api").await,
        Err(StorageError::Secret(SecretError::Undecryptable))
    ));
    let moved = StorageKey::new("api2", 500).unwrap();
    h.backend
        .write(
            a_id,
            Space::Secrets,
            &moved,
            Change::Put {
                bytes: &sealed.bytes,
                expires_at: None,
            },
            Condition::Always,
            u64::MAX,
            UnixMillis::now(),
        )
        .await
        .unwrap();
    assert!(matches!(
        a.get_secret("api2").await,
        Err(StorageError::Secret(SecretError::Undecryptable))
    ));
    // Under another host key, the stored secret is refused by key id.
    let other_host = kiln_state::AppStorage::new(
        h.backend.clone(),
        StorageLimits::default(),
        support::cipher(&"77".repeat(32)),
    );
    let a_elsewhere = other_host.installation(a.installation()).await.unwrap();
    let err = a_elsewhere.get_secret("api").await.unwrap_err();
    assert!(matches!(
        err,
        StorageError::Secret(SecretError::UnknownKey { .. })
    ));
    // Nothing printable carries the secret.
    let shown = format!("{err} {err:?} {secret:?} {a:?} {:?}", h.storage);
    assert!(
        !shown.contains("hunter2") && !shown.contains(&h.key_hex),
        "{shown}"
    );
    a.delete_secret("api").await.unwrap();
    assert_eq!(a.get_secret("api").await.unwrap(), None);
    assert_eq!(a.get("api").await.unwrap().unwrap().value, json!("plain"));
}

/// Compare-and-set holds across replicas: three pools on one database (three processes on
/// one SQLite file, three `runtime serve` replicas on one PostgreSQL), four tasks each,
/// incrementing one key through `update`. Not one increment may be lost. Memory has one
/// view, so there it is twelve tasks on one backend.
pub async fn increments_from_every_replica_lose_nothing(h: &Harness) {
    let mut writers = Vec::new();
    for _ in 0..3 {
        let replica = h.replica().await.unwrap_or_else(|| h.storage.clone());
        let s = replica.installation(&installation("app")).await.unwrap();
        writers.extend(std::iter::repeat_n(s, 4));
    }
    increment_concurrently(h, writers, 15).await;
}

/// The quota holds across replicas: writers on three replicas race to fill one
/// installation; the total never passes the limit and the byte count matches the entries.
pub async fn quota_holds_across_replicas(h: &Harness) {
    let limits = StorageLimits {
        max_total_bytes: 2_000,
        ..StorageLimits::default()
    };
    let inst = installation("app");
    let mut tasks = Vec::new();
    for r in 0..3 {
        let storage = match h.origin.storage_replica().await {
            Some(replica) => {
                kiln_state::AppStorage::new(replica, limits, support::cipher(&h.key_hex))
            }
            None => h.storage_with(limits),
        };
        let s = storage.installation(&inst).await.unwrap();
        tasks.push(tokio::spawn(async move {
            let mut stored = 0;
            for n in 0..40 {
                match s.set(&format!("r{r}-{n:02}"), &json!("x".repeat(80))).await {
                    Ok(_) => stored += 1,
                    Err(StorageError::QuotaExceeded { .. }) => {}
                    Err(other) => panic!("unexpected error: {other}"),
                }
            }
            stored
        }));
    }
    let mut stored = 0;
    for task in tasks {
        stored += task.await.unwrap();
    }
    let s = h.storage_with(limits).installation(&inst).await.unwrap();
    let used = s.bytes_used().await.unwrap();
    assert!(used <= 2_000, "{used} bytes stored over a 2000-byte quota");
    let entries = all_keys(&s, "r", 100).await;
    assert_eq!(entries.len(), stored);
    let counted: u64 = entries
        .iter()
        .map(|(k, v)| (k.len() + v.to_string().len()) as u64)
        .sum();
    assert_eq!(counted, used);
}

fn tx_set<'a>(key: &'a str, value: &'a Value, expected: Option<Expected>) -> TransactOp<'a> {
    TransactOp {
        key,
        action: TransactAction::Set(value),
        expected,
    }
}

fn tx_delete(key: &str, expected: Option<Expected>) -> TransactOp<'_> {
    TransactOp {
        key,
        action: TransactAction::Delete,
        expected,
    }
}

fn tx_check(key: &str, expected: Option<Expected>) -> TransactOp<'_> {
    TransactOp {
        key,
        action: TransactAction::Check,
        expected,
    }
}

async fn committed(s: &kiln_state::InstallationStorage, ops: &[TransactOp<'_>]) -> Version {
    match s.transact(ops).await.unwrap() {
        TransactOutcome::Committed(version) => version,
        other => panic!("{other:?}"),
    }
}

/// Every key's value and version, and the byte count: what "nothing changed" compares.
async fn snapshot(
    s: &kiln_state::InstallationStorage,
    keys: &[&str],
) -> (Vec<Option<(Value, Version)>>, u64) {
    let mut entries = Vec::new();
    for key in keys {
        entries.push(s.get(key).await.unwrap().map(|e| (e.value, e.version)));
    }
    (entries, s.bytes_used().await.unwrap())
}

pub async fn transact_is_all_or_nothing(h: &Harness) {
    let s = h.storage.installation(&installation("app")).await.unwrap();
    let va = s.set("a", &json!(1)).await.unwrap();
    s.set("c", &json!(3)).await.unwrap();
    let (ten, four) = (json!(10), json!({"d": 4}));
    let v = committed(
        &s,
        &[
            tx_set("a", &ten, Some(Expected::Version(va))),
            tx_delete("c", None),
            tx_check("b", Some(Expected::Absent)),
            tx_set("d", &four, Some(Expected::Absent)),
        ],
    )
    .await;
    assert!(v > va);
    let keys = ["a", "b", "c", "d", "e"];
    let after = snapshot(&s, &keys).await;
    assert_eq!(
        after.0,
        vec![Some((ten.clone(), v)), None, None, Some((four, v)), None]
    );
    // "a" + "10" and "d" + "{\"d\":4}".
    assert_eq!(after.1, 3 + 8);
    // A failing condition at any index changes nothing, whatever comes before or after it.
    let (twenty, five) = (json!(20), json!(5));
    let ops = [
        tx_set("a", &twenty, Some(Expected::Version(v))),
        tx_set("e", &five, None),
        tx_delete("d", None),
        tx_check("b", None),
    ];
    for (index, failing) in [
        tx_set("a", &twenty, Some(Expected::Absent)),
        tx_set("e", &five, Some(Expected::Version(v))),
        tx_delete("d", Some(Expected::Version(va))),
        tx_check("b", Some(Expected::Version(v))),
    ]
    .into_iter()
    .enumerate()
    {
        let mut ops = ops;
        ops[index] = failing;
        let current = [Some(v), None, Some(v), None][index];
        assert_eq!(
            s.transact(&ops).await.unwrap(),
            TransactOutcome::ConditionFailed { index, current }
        );
        assert_eq!(snapshot(&s, &keys).await, after, "failing at {index}");
    }
    // The first failing index is the one named.
    let ops = [
        tx_set("e", &five, None),
        tx_check("b", Some(Expected::Version(v))),
        tx_check("a", Some(Expected::Absent)),
    ];
    assert_eq!(
        s.transact(&ops).await.unwrap(),
        TransactOutcome::ConditionFailed {
            index: 1,
            current: None
        }
    );
    assert_eq!(snapshot(&s, &keys).await, after);
}

pub async fn transact_conditions(h: &Harness) {
    let s = h.storage.installation(&installation("app")).await.unwrap();
    let one = json!(1);
    // Absent: holds for a new key, fails for an existing one.
    let v1 = committed(&s, &[tx_set("k", &one, Some(Expected::Absent))]).await;
    assert_eq!(
        s.transact(&[tx_set("k", &one, Some(Expected::Absent))])
            .await
            .unwrap(),
        TransactOutcome::ConditionFailed {
            index: 0,
            current: Some(v1)
        }
    );
    // Version: holds at the version read.
    let two = json!(2);
    let v2 = committed(&s, &[tx_set("k", &two, Some(Expected::Version(v1)))]).await;
    assert_eq!(s.get("k").await.unwrap().unwrap().version, v2);
    // Stale: another write came between the read and the transaction.
    let read = s.get("k").await.unwrap().unwrap().version;
    let other = h.replica().await.unwrap_or_else(|| h.storage.clone());
    let other = other.installation(&installation("app")).await.unwrap();
    let v3 = other.set("k", &json!("theirs")).await.unwrap();
    assert_eq!(
        s.transact(&[
            tx_set("k", &json!("mine"), Some(Expected::Version(read))),
            tx_set("side", &one, None),
        ])
        .await
        .unwrap(),
        TransactOutcome::ConditionFailed {
            index: 0,
            current: Some(v3)
        }
    );
    assert_eq!(s.get("k").await.unwrap().unwrap().value, json!("theirs"));
    assert_eq!(s.get("side").await.unwrap(), None);
    // Deleted and created again: the old version never matches again (no ABA), not even
    // through a check.
    let v4 = committed(&s, &[tx_delete("k", Some(Expected::Version(v3)))]).await;
    assert!(v4 > v3);
    assert_eq!(s.get("k").await.unwrap(), None);
    assert_eq!(
        s.transact(&[tx_check("k", Some(Expected::Version(v3)))])
            .await
            .unwrap(),
        TransactOutcome::ConditionFailed {
            index: 0,
            current: None
        }
    );
    let v5 = s.set("k", &json!("theirs")).await.unwrap();
    for stale in [v1, v2, v3, v4] {
        assert_eq!(
            s.transact(&[tx_check("k", Some(Expected::Version(stale)))])
                .await
                .unwrap(),
            TransactOutcome::ConditionFailed {
                index: 0,
                current: Some(v5)
            }
        );
    }
    // A compare-and-set can name the version a transaction wrote.
    let v6 = committed(&s, &[tx_set("k", &one, None), tx_set("j", &two, None)]).await;
    assert!(matches!(
        s.compare_and_set("j", Expected::Version(v6), Some(&json!(3)))
            .await
            .unwrap(),
        CasOutcome::Applied(Some(v7)) if v7 > v6
    ));
}

pub async fn transact_check_only_writes_nothing(h: &Harness) {
    let s = h.storage.installation(&installation("app")).await.unwrap();
    let vk = s.set("k", &json!(1)).await.unwrap();
    let before = snapshot(&s, &["k", "z"]).await;
    let v = committed(
        &s,
        &[
            tx_check("k", Some(Expected::Version(vk))),
            tx_check("z", Some(Expected::Absent)),
            tx_check("unconditional", None),
            tx_delete("absent", None),
        ],
    )
    .await;
    // No version of its own: it answers the latest, and the next write takes the next one.
    assert_eq!(v, vk);
    assert_eq!(snapshot(&s, &["k", "z"]).await, before);
    let next = s.set("n", &json!(1)).await.unwrap();
    assert_eq!(next.get(), vk.get() + 1);
}

pub async fn transact_quota_is_over_the_whole_transaction(h: &Harness) {
    let storage = h.storage_with(StorageLimits {
        max_total_bytes: 1000,
        ..StorageLimits::default()
    });
    let s = storage.installation(&installation("app")).await.unwrap();
    // "k0" + 300 bytes = 302.
    s.set("k0", &json!("x".repeat(298))).await.unwrap();
    // "a1" + 398 bytes = 400: either fits alone (702), both do not (1102).
    let big = json!("x".repeat(396));
    let keys = ["k0", "a1", "a2", "a3"];
    let before = snapshot(&s, &keys).await;
    match s
        .transact(&[tx_set("a1", &big, None), tx_set("a2", &big, None)])
        .await
    {
        Err(StorageError::QuotaExceeded { would_use, limit }) => {
            assert_eq!((would_use, limit), (1102, 1000))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(snapshot(&s, &keys).await, before);
    // Making room in the same transaction is counted: replace k0 with less.
    let small = json!(1);
    committed(
        &s,
        &[
            tx_set("a1", &big, None),
            tx_set("a2", &big, None),
            tx_set("k0", &small, None),
        ],
    )
    .await;
    assert_eq!(s.bytes_used().await.unwrap(), 800 + 3);
    // Over a lowered limit, a transaction whose net effect shrinks is allowed even if one of
    // its writes grows; one that grows is not.
    let lowered = h.storage_with(StorageLimits {
        max_total_bytes: 100,
        ..StorageLimits::default()
    });
    let s = lowered.installation(&installation("app")).await.unwrap();
    let grows = json!("larger than before");
    committed(&s, &[tx_set("k0", &grows, None), tx_delete("a1", None)]).await;
    assert_eq!(s.bytes_used().await.unwrap(), 400 + 2 + 20);
    let before = snapshot(&s, &keys).await;
    assert!(matches!(
        s.transact(&[tx_set("k0", &big, None), tx_set("a3", &small, None)])
            .await,
        Err(StorageError::QuotaExceeded { limit: 100, .. })
    ));
    assert_eq!(snapshot(&s, &keys).await, before);
}

pub async fn transact_limits_are_refused_whole(h: &Harness) {
    let s = h.storage.installation(&installation("app")).await.unwrap();
    let v = json!("v");
    let keys: Vec<String> = (0..26).map(|n| format!("k{n}")).collect();
    let key_refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let refused = |result: Result<TransactOutcome, StorageError>| match result {
        Err(StorageError::InvalidTransaction(error)) => error,
        other => panic!("{other:?}"),
    };
    assert_eq!(refused(s.transact(&[]).await), TransactionError::Empty);
    let many: Vec<TransactOp<'_>> = keys.iter().map(|k| tx_set(k, &v, None)).collect();
    assert_eq!(
        refused(s.transact(&many).await),
        TransactionError::TooManyOperations { count: 26, max: 25 }
    );
    assert_eq!(
        refused(
            s.transact(&[
                tx_set("k0", &v, None),
                tx_set("k1", &v, None),
                tx_check("k0", None),
            ])
            .await
        ),
        TransactionError::DuplicateKey {
            first: 0,
            second: 2
        }
    );
    // Forge's 4 MiB: 17 values of the largest size fit, 18 do not.
    let max = StorageLimits::default().max_value_bytes;
    let largest = json!("x".repeat(max - 2));
    let heavy: Vec<TransactOp<'_>> = keys[..18]
        .iter()
        .map(|k| tx_set(k, &largest, None))
        .collect();
    assert_eq!(
        refused(s.transact(&heavy).await),
        TransactionError::TooLarge {
            bytes: 18 * max,
            max: 4 * 1024 * 1024
        }
    );
    // A key or value that breaks the usual rules refuses the transaction with the usual error.
    assert!(matches!(
        s.transact(&[tx_set("k0", &v, None), tx_set("a\0b", &v, None)])
            .await,
        Err(StorageError::InvalidKey(KeyError::Nul))
    ));
    let too_big = json!("x".repeat(max));
    assert!(matches!(
        s.transact(&[tx_set("k0", &v, None), tx_set("k1", &too_big, None)])
            .await,
        Err(StorageError::ValueTooLarge { .. })
    ));
    // Nothing of any of them was written.
    assert_eq!(snapshot(&s, &key_refs).await, (vec![None; keys.len()], 0));
    // 25 operations and 17 largest values are within the limits.
    committed(&s, &many[..25]).await;
    committed(&s, &heavy[..17]).await;
}

/// Money moves between two accounts in transactions conditioned on the versions read, from
/// tasks on three replicas (one backend for memory): every transfer either applies to both
/// keys or to neither, so the sum never changes.
pub async fn concurrent_transfers_conserve_the_sum(h: &Harness) {
    let s = h.storage.installation(&installation("bank")).await.unwrap();
    let start = json!(1000);
    committed(
        &s,
        &[
            tx_set("account:a", &start, Some(Expected::Absent)),
            tx_set("account:b", &start, Some(Expected::Absent)),
        ],
    )
    .await;
    let mut tasks = Vec::new();
    for replica in 0..3 {
        let storage = h.replica().await.unwrap_or_else(|| h.storage.clone());
        let s = storage.installation(&installation("bank")).await.unwrap();
        for task in 0..3 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                let mut retries = 0u32;
                for n in 0..12i64 {
                    // Alternate directions, so balances go both ways.
                    let (from, to) = if (replica + task + n) % 2 == 0 {
                        ("account:a", "account:b")
                    } else {
                        ("account:b", "account:a")
                    };
                    let amount = 1 + n % 7;
                    loop {
                        let f = s.get(from).await.unwrap().unwrap();
                        let t = s.get(to).await.unwrap().unwrap();
                        let (fv, tv) = (f.value.as_i64().unwrap(), t.value.as_i64().unwrap());
                        let (new_from, new_to) = (json!(fv - amount), json!(tv + amount));
                        // Lets another task in between the read and the write (memory's
                        // calls never wait otherwise), so conditions do fail.
                        tokio::task::yield_now().await;
                        let outcome = s
                            .transact(&[
                                tx_set(from, &new_from, Some(Expected::Version(f.version))),
                                tx_set(to, &new_to, Some(Expected::Version(t.version))),
                            ])
                            .await
                            .unwrap();
                        match outcome {
                            TransactOutcome::Committed(_) => break,
                            TransactOutcome::ConditionFailed { .. } => retries += 1,
                        }
                        assert!(retries < 100_000, "no progress");
                    }
                }
                retries
            }));
        }
    }
    let mut retries = 0;
    for task in tasks {
        retries += task.await.unwrap();
    }
    eprintln!("108 transfers, {retries} retried after a condition failed");
    let a = s.get("account:a").await.unwrap().unwrap();
    let b = s.get("account:b").await.unwrap().unwrap();
    assert_eq!(a.value.as_i64().unwrap() + b.value.as_i64().unwrap(), 2000);
    // The last transfer wrote both keys at its one version.
    assert_eq!(a.version, b.version);
}

support::every_backend!(
    support;
    get_set_delete,
    installations_are_isolated,
    hostile_keys_reach_only_themselves,
    invalid_keys_get_typed_errors,
    value_limits,
    total_size_is_capped,
    query_pages_and_cursors,
    paging_is_stable_under_concurrent_inserts,
    compare_and_set_semantics,
    concurrent_increments_lose_nothing,
    increments_from_every_replica_lose_nothing,
    quota_holds_across_replicas,
    secrets_are_sealed_apart_and_bound,
    transact_is_all_or_nothing,
    transact_conditions,
    transact_check_only_writes_nothing,
    transact_quota_is_over_the_whole_transaction,
    transact_limits_are_refused_whole,
    concurrent_transfers_conserve_the_sum,
);
