//! The app-storage contract, run against every backend: in memory, SQLite and a real
//! PostgreSQL (`support/postgres.rs` says how the tests find it). A backend that passes here
//! can stand in for another.

use crate::support;

use std::collections::BTreeSet;

use kiln_state::storage::{CasOutcome, Expected, KeyError, Space, StorageKey};
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
        .get(a_id, Space::Secrets, &key)
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
            Change::Put(&sealed.bytes),
            Condition::Always,
            u64::MAX,
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
            Change::Put(&sealed.bytes),
            Condition::Always,
            u64::MAX,
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
);
