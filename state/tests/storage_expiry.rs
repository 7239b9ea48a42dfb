//! Expiring values and entry metadata (kiln:app@0.4.0's `set-expiring`, `created-at`,
//! `updated-at`, `expires-at`), run against every backend on a test clock: an expired value
//! is absent exactly from its expiry instant, to reads, queries, conditions, transactions
//! and the quota, and only the purge removes it for good.

use crate::support;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use kiln_state::storage::{
    CasOutcome, EntryMeta, Expected, ScanRange, Space, SqliteBackend, TransactAction, TransactOp,
    TransactOutcome, UnixMillis,
};
use kiln_state::{
    AppStorage, InstallationStorage, SecretValue, SqliteDatabase, StorageError, StorageLimits,
};
use serde_json::json;
use support::clock::{START, TestClock};
use support::{Harness, installation};

const SECOND: Duration = Duration::from_secs(1);
const MS: Duration = Duration::from_millis(1);

fn at(offset_ms: i64) -> UnixMillis {
    UnixMillis(START.0 + offset_ms)
}

/// The harness's storage on a fresh test clock, and one installation of it.
async fn on_clock(
    h: &Harness,
    limits: StorageLimits,
) -> (AppStorage, InstallationStorage, TestClock) {
    let clock = TestClock::default();
    let storage = h.storage_with(limits).with_clock(clock.clock());
    let s = storage.installation(&installation("app")).await.unwrap();
    (storage, s, clock)
}

async fn live_keys(s: &InstallationStorage, prefix: &str, limit: u32) -> Vec<String> {
    let mut keys = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = s
            .query(prefix, cursor.as_deref(), Some(limit))
            .await
            .unwrap();
        assert!(page.entries.len() <= limit as usize);
        if page.next_cursor.is_some() {
            // A page with more after it is full: expired rows never take a place in it.
            assert_eq!(page.entries.len(), limit as usize);
        }
        keys.extend(page.entries.into_iter().map(|e| e.key));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return keys,
        }
    }
}

pub async fn absent_exactly_at_the_expiry_instant(h: &Harness) {
    let (_, s, clock) = on_clock(h, StorageLimits::default()).await;
    let version = s.set_expiring("k", &json!("v"), SECOND).await.unwrap();
    let got = s.get("k").await.unwrap().unwrap();
    assert_eq!((got.value, got.version), (json!("v"), version));
    assert_eq!(
        got.meta,
        EntryMeta {
            created_at: START,
            updated_at: START,
            expires_at: Some(at(1000)),
        }
    );
    clock.advance(SECOND - MS);
    assert!(s.get("k").await.unwrap().is_some(), "1 ms before expiry");
    assert_eq!(s.query("", None, None).await.unwrap().entries.len(), 1);
    clock.advance(MS);
    assert_eq!(s.get("k").await.unwrap(), None, "at the expiry instant");
    assert!(s.query("", None, None).await.unwrap().entries.is_empty());
    assert_eq!(s.bytes_used().await.unwrap(), 0);
    // A clock that steps back makes it visible again: expiry is a comparison with now.
    clock.set(at(999));
    assert!(s.get("k").await.unwrap().is_some());
}

pub async fn metadata_follows_the_key_s_life(h: &Harness) {
    let (_, s, clock) = on_clock(h, StorageLimits::default()).await;
    let meta = |created: i64, updated: i64, expires: Option<i64>| EntryMeta {
        created_at: at(created),
        updated_at: at(updated),
        expires_at: expires.map(at),
    };
    s.set("k", &json!(1)).await.unwrap();
    assert_eq!(s.get("k").await.unwrap().unwrap().meta, meta(0, 0, None));
    clock.advance(5 * MS);
    s.set("k", &json!(2)).await.unwrap();
    assert_eq!(s.get("k").await.unwrap().unwrap().meta, meta(0, 5, None));
    // A delete makes the key absent: the next write creates it again.
    clock.advance(5 * MS);
    s.delete("k").await.unwrap();
    clock.advance(5 * MS);
    s.set("k", &json!(3)).await.unwrap();
    assert_eq!(s.get("k").await.unwrap().unwrap().meta, meta(15, 15, None));
    // So does an expiry.
    s.set_expiring("k", &json!(4), 10 * MS).await.unwrap();
    assert_eq!(
        s.get("k").await.unwrap().unwrap().meta,
        meta(15, 15, Some(25))
    );
    clock.advance(10 * MS);
    s.set("k", &json!(5)).await.unwrap();
    assert_eq!(s.get("k").await.unwrap().unwrap().meta, meta(25, 25, None));
    // `update` and `query` report what `get` does.
    clock.advance(5 * MS);
    let updated = s
        .update("k", 3, |v| Some(json!(v.unwrap().as_i64().unwrap() + 1)))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(updated.meta, meta(25, 30, None));
    assert_eq!(s.get("k").await.unwrap().unwrap(), updated);
    let listed = &s.query("", None, None).await.unwrap().entries[0];
    assert_eq!(listed.meta, updated.meta);
    let created = s
        .update("fresh", 3, |_| Some(json!(0)))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(created.meta, meta(30, 30, None));
    assert_eq!(s.get("fresh").await.unwrap().unwrap(), created);
}

pub async fn overwriting_sets_or_clears_the_expiry(h: &Harness) {
    let (_, s, clock) = on_clock(h, StorageLimits::default()).await;
    s.set_expiring("a", &json!(1), SECOND).await.unwrap();
    s.set("a", &json!(2)).await.unwrap();
    s.set("b", &json!(1)).await.unwrap();
    s.set_expiring("b", &json!(2), SECOND).await.unwrap();
    s.set_expiring("c", &json!(1), SECOND).await.unwrap();
    s.set_expiring("c", &json!(2), 3 * SECOND).await.unwrap();
    s.set_expiring("d", &json!(1), SECOND).await.unwrap();
    s.compare_and_set(
        "d",
        Expected::Version(s.get("d").await.unwrap().unwrap().version),
        Some(&json!(2)),
    )
    .await
    .unwrap();
    assert_eq!(s.get("a").await.unwrap().unwrap().meta.expires_at, None);
    assert_eq!(
        s.get("b").await.unwrap().unwrap().meta.expires_at,
        Some(at(1000))
    );
    assert_eq!(
        s.get("c").await.unwrap().unwrap().meta.expires_at,
        Some(at(3000))
    );
    assert_eq!(s.get("d").await.unwrap().unwrap().meta.expires_at, None);
    clock.advance(2 * SECOND);
    assert_eq!(live_keys(&s, "", 10).await, ["a", "c", "d"]);
    clock.advance(SECOND);
    assert_eq!(live_keys(&s, "", 10).await, ["a", "d"]);
}

pub async fn time_to_live_is_bounded(h: &Harness) {
    let limits = StorageLimits {
        max_ttl: Duration::from_secs(60),
        ..StorageLimits::default()
    };
    let (_, s, _) = on_clock(h, limits).await;
    let value = json!("secret-looking value");
    for ttl in [
        Duration::ZERO,
        Duration::from_micros(999),
        Duration::from_secs(61),
        Duration::MAX,
    ] {
        let error = s.set_expiring("my-key", &value, ttl).await.unwrap_err();
        assert!(
            matches!(error, StorageError::InvalidTtl { max_secs: 60, .. }),
            "{error:?}"
        );
        let text = error.to_string();
        assert!(text.contains("60 s"), "{text}");
        assert!(
            !text.contains("my-key") && !text.contains("secret-looking"),
            "{text}"
        );
        let tx = s
            .transact(&[TransactOp {
                key: "my-key",
                action: TransactAction::SetExpiring(&value, ttl),
                expected: None,
            }])
            .await
            .unwrap_err();
        assert!(matches!(tx, StorageError::InvalidTtl { .. }), "{tx:?}");
        let cas = s
            .compare_and_set_expiring("my-key", Expected::Absent, &value, ttl)
            .await
            .unwrap_err();
        assert!(matches!(cas, StorageError::InvalidTtl { .. }), "{cas:?}");
    }
    assert_eq!(s.get("my-key").await.unwrap(), None, "nothing was written");
    s.set_expiring("my-key", &value, Duration::from_secs(60))
        .await
        .unwrap();
    s.set_expiring("other", &value, MS).await.unwrap();
    // The default is a year.
    assert_eq!(
        StorageLimits::default().max_ttl,
        Duration::from_secs(365 * 86_400)
    );
}

pub async fn conditions_see_an_expired_key_as_absent(h: &Harness) {
    let (_, s, clock) = on_clock(h, StorageLimits::default()).await;
    let old = s
        .set_expiring("lock", &json!("holder 1"), SECOND)
        .await
        .unwrap();
    // While it lives, only its version matches.
    assert_eq!(
        s.compare_and_set_expiring("lock", Expected::Absent, &json!("holder 2"), SECOND)
            .await
            .unwrap(),
        CasOutcome::Conflict { current: Some(old) }
    );
    clock.advance(SECOND);
    assert_eq!(
        s.compare_and_set("lock", Expected::Version(old), Some(&json!("late")))
            .await
            .unwrap(),
        CasOutcome::Conflict { current: None }
    );
    let CasOutcome::Applied(Some(new)) = s
        .compare_and_set_expiring("lock", Expected::Absent, &json!("holder 2"), SECOND)
        .await
        .unwrap()
    else {
        panic!("an expired lock is free");
    };
    let got = s.get("lock").await.unwrap().unwrap();
    assert_eq!((got.version, got.meta.created_at), (new, at(1000)));
    // Transactions see it the same way.
    clock.advance(SECOND);
    let check = |expected| TransactOp {
        key: "lock",
        action: TransactAction::Check,
        expected: Some(expected),
    };
    assert_eq!(
        s.transact(&[check(Expected::Version(new))]).await.unwrap(),
        TransactOutcome::ConditionFailed {
            index: 0,
            current: None
        }
    );
    assert!(matches!(
        s.transact(&[check(Expected::Absent)]).await.unwrap(),
        TransactOutcome::Committed(_)
    ));
    // Deleting an expired key deletes nothing: it takes no version.
    let before = s.set("other", &json!(1)).await.unwrap();
    assert_eq!(
        s.transact(&[TransactOp {
            key: "lock",
            action: TransactAction::Delete,
            expected: None
        }])
        .await
        .unwrap(),
        TransactOutcome::Committed(before)
    );
}

pub async fn transactions_set_expiring_values(h: &Harness) {
    let (_, s, clock) = on_clock(h, StorageLimits::default()).await;
    let (a, b, c) = (json!("a"), json!("b"), json!("c"));
    let outcome = s
        .transact(&[
            TransactOp {
                key: "a",
                action: TransactAction::SetExpiring(&a, SECOND),
                expected: Some(Expected::Absent),
            },
            TransactOp {
                key: "b",
                action: TransactAction::Set(&b),
                expected: None,
            },
            TransactOp {
                key: "c",
                action: TransactAction::SetExpiring(&c, 2 * SECOND),
                expected: None,
            },
        ])
        .await
        .unwrap();
    let TransactOutcome::Committed(version) = outcome else {
        panic!("{outcome:?}");
    };
    for (key, expires) in [("a", Some(at(1000))), ("b", None), ("c", Some(at(2000)))] {
        let got = s.get(key).await.unwrap().unwrap();
        assert_eq!(
            (got.version, got.meta.expires_at),
            (version, expires),
            "{key}"
        );
    }
    clock.advance(SECOND);
    assert_eq!(live_keys(&s, "", 10).await, ["b", "c"]);
    // An expiring value replaced without a ttl in a transaction stops expiring.
    s.transact(&[TransactOp {
        key: "c",
        action: TransactAction::Set(&c),
        expected: None,
    }])
    .await
    .unwrap();
    clock.advance(10 * SECOND);
    assert_eq!(live_keys(&s, "", 10).await, ["b", "c"]);
}

pub async fn queries_skip_expired_values_across_pages(h: &Harness) {
    let (_, s, clock) = on_clock(h, StorageLimits::default()).await;
    // 40 keys; every third lives, the others expire, in runs longer than a page, so whole
    // pages' worth of expired rows sit between live ones and at page boundaries.
    let mut live = Vec::new();
    for n in 0..40 {
        let key = format!("k{n:02}");
        if n % 3 == 0 {
            s.set(&key, &json!(n)).await.unwrap();
            live.push(key);
        } else {
            s.set_expiring(&key, &json!(n), SECOND).await.unwrap();
        }
    }
    for n in 40..48 {
        s.set_expiring(&format!("k{n:02}"), &json!(n), SECOND)
            .await
            .unwrap();
    }
    s.set("other", &json!(0)).await.unwrap();
    assert_eq!(live_keys(&s, "k", 7).await.len(), 48);
    clock.advance(SECOND);
    for limit in [1, 2, 3, 5, 100] {
        assert_eq!(live_keys(&s, "k", limit).await, live, "page size {limit}");
    }
    // The last page ends on a live key with expired ones after it: no cursor to nothing.
    let last = s.query("k3", None, Some(4)).await.unwrap();
    assert_eq!(last.entries.len(), 4);
    assert_eq!(last.next_cursor, None);
    // A cursor handed out before the expiry still continues after its key.
    clock.set(START);
    let page = s.query("k", None, Some(2)).await.unwrap();
    assert_eq!(
        page.entries
            .iter()
            .map(|e| e.key.as_str())
            .collect::<Vec<_>>(),
        ["k00", "k01"]
    );
    clock.advance(SECOND);
    let next = s
        .query("k", page.next_cursor.as_deref(), Some(2))
        .await
        .unwrap();
    assert_eq!(
        next.entries
            .iter()
            .map(|e| e.key.as_str())
            .collect::<Vec<_>>(),
        ["k03", "k06"]
    );
}

pub async fn expired_values_are_not_charged_to_the_quota(h: &Harness) {
    let limits = StorageLimits {
        max_total_bytes: 1_000,
        ..StorageLimits::default()
    };
    let (_, s, clock) = on_clock(h, limits).await;
    // 9 × (2-byte key + 100-byte value) = 918 bytes, all expiring.
    let filler = json!("x".repeat(98));
    for n in 0..9 {
        s.set_expiring(&format!("e{n}"), &filler, SECOND)
            .await
            .unwrap();
    }
    assert_eq!(s.bytes_used().await.unwrap(), 918);
    let refused = s.set("new", &filler).await.unwrap_err();
    assert!(
        matches!(
            refused,
            StorageError::QuotaExceeded {
                would_use: 1021,
                limit: 1000
            }
        ),
        "{refused:?}"
    );
    clock.advance(SECOND);
    assert_eq!(s.bytes_used().await.unwrap(), 0);
    // Nothing was purged, yet the expired bytes do not count: for a single write …
    for n in 0..9 {
        s.set(&format!("n{n}"), &filler).await.unwrap();
    }
    assert_eq!(s.bytes_used().await.unwrap(), 918);
    let refused = s.set("n9", &filler).await.unwrap_err();
    assert!(
        matches!(
            refused,
            StorageError::QuotaExceeded {
                would_use: 1020,
                limit: 1000
            }
        ),
        "{refused:?}"
    );
    // … and for a transaction, whose own expired keys count as freed.
    clock.advance(SECOND);
    for n in 0..9 {
        s.delete(&format!("n{n}")).await.unwrap();
    }
    for n in 0..9 {
        s.set_expiring(&format!("e{n}"), &filler, SECOND)
            .await
            .unwrap();
    }
    clock.advance(SECOND);
    let ops: Vec<TransactOp<'_>> = ["e0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8"]
        .into_iter()
        .map(|key| TransactOp {
            key,
            action: TransactAction::Set(&filler),
            expected: Some(Expected::Absent),
        })
        .collect();
    assert!(matches!(
        s.transact(&ops).await.unwrap(),
        TransactOutcome::Committed(_)
    ));
    assert_eq!(s.bytes_used().await.unwrap(), 918);
    // The purge changes what is stored, not what is counted.
    let storage = h.storage_with(limits).with_clock(clock.clock());
    assert_eq!(storage.purge_expired(clock.now(), 100).await.unwrap(), 8);
    assert_eq!(s.bytes_used().await.unwrap(), 918);
}

pub async fn purge_is_bounded_and_earliest_first(h: &Harness) {
    let clock = TestClock::default();
    let storage = h
        .storage_with(StorageLimits::default())
        .with_clock(clock.clock());
    let a = storage.installation(&installation("a")).await.unwrap();
    let b = storage.installation(&installation("b")).await.unwrap();
    for n in 0..10u64 {
        a.set_expiring(&format!("a{n}"), &json!(n), Duration::from_millis(100 + n))
            .await
            .unwrap();
    }
    for n in 0..5u64 {
        b.set_expiring(&format!("b{n}"), &json!(n), Duration::from_millis(200 + n))
            .await
            .unwrap();
    }
    a.set_expiring("later", &json!(0), SECOND).await.unwrap();
    a.set("kept", &json!(0)).await.unwrap();
    a.set_secret("a0", &SecretValue::new(json!("s")))
        .await
        .unwrap();
    // Nothing is due yet.
    assert_eq!(storage.purge_expired(clock.now(), 100).await.unwrap(), 0);
    clock.advance(Duration::from_millis(500));
    let used = (a.bytes_used().await.unwrap(), b.bytes_used().await.unwrap());
    assert_eq!(used.1, 0);
    assert_eq!(storage.purge_expired(clock.now(), 0).await.unwrap(), 0);
    assert_eq!(storage.purge_expired(clock.now(), 4).await.unwrap(), 4);
    // The four earliest went: a0..a3. What is still stored shows through a scan as of the
    // start (the backend hides nothing a caller's `now` has not passed).
    let id = h.backend.installation_id(a.installation()).await.unwrap();
    let stored = h
        .backend
        .scan(
            id,
            Space::Values,
            ScanRange {
                start: b"",
                end: &[0xff],
            },
            100,
            START,
        )
        .await
        .unwrap();
    let stored: Vec<String> = stored
        .into_iter()
        .map(|(k, _)| String::from_utf8(k).unwrap())
        .collect();
    assert_eq!(
        stored,
        ["a4", "a5", "a6", "a7", "a8", "a9", "kept", "later"]
    );
    let mut total = 4;
    loop {
        let purged = storage.purge_expired(clock.now(), 4).await.unwrap();
        assert!(purged <= 4);
        total += purged;
        if purged == 0 {
            break;
        }
    }
    assert_eq!(total, 15);
    // The purge changed no count, no live value and no secret.
    assert_eq!(
        (a.bytes_used().await.unwrap(), b.bytes_used().await.unwrap()),
        used
    );
    assert_eq!(live_keys(&a, "", 10).await, ["kept", "later"]);
    assert_eq!(live_keys(&b, "", 10).await, Vec::<String>::new());
    assert_eq!(
        a.get_secret("a0").await.unwrap().unwrap().expose_secret(),
        &json!("s")
    );
    // A limit over the maximum is the maximum, not an error.
    assert_eq!(
        storage.purge_expired(clock.now(), u32::MAX).await.unwrap(),
        0
    );
}

pub async fn secrets_never_expire(h: &Harness) {
    let (storage, s, clock) = on_clock(h, StorageLimits::default()).await;
    s.set_secret("k", &SecretValue::new(json!("token")))
        .await
        .unwrap();
    s.set_expiring("k", &json!("plain"), SECOND).await.unwrap();
    clock.advance(StorageLimits::default().max_ttl * 2);
    assert_eq!(s.get("k").await.unwrap(), None);
    assert_eq!(storage.purge_expired(clock.now(), 100).await.unwrap(), 1);
    assert_eq!(
        s.get_secret("k").await.unwrap().unwrap().expose_secret(),
        &json!("token")
    );
}

/// Writers overwriting, deleting and setting expiring values while the clock moves and a
/// sweeper purges: no error (no deadlock between a purge's and a write's locks on
/// PostgreSQL), and the byte count ends exactly the live entries' size.
pub async fn purging_beside_writers_keeps_counts_exact(h: &Harness) {
    let (storage, s, clock) = on_clock(h, StorageLimits::default()).await;
    let mut tasks = Vec::new();
    for writer in 0..4u64 {
        let (s, clock) = (s.clone(), clock.clone());
        tasks.push(tokio::spawn(async move {
            for n in 0..60u64 {
                let key = format!("k{}", (n * 7 + writer) % 16);
                let value = json!("v".repeat((n % 5) as usize));
                match n % 4 {
                    0 => s.set(&key, &value).await.map(drop),
                    3 => s.delete(&key).await,
                    _ => s
                        .set_expiring(&key, &value, Duration::from_millis(1 + n % 3))
                        .await
                        .map(drop),
                }
                .unwrap();
                if writer == 0 {
                    clock.advance(MS);
                }
            }
        }));
    }
    let sweeper = {
        let (storage, clock) = (storage.clone(), clock.clone());
        tokio::spawn(async move {
            let mut purged = 0;
            for _ in 0..40 {
                purged += storage.purge_expired(clock.now(), 3).await.unwrap();
                tokio::task::yield_now().await;
            }
            purged
        })
    };
    for task in tasks {
        task.await.unwrap();
    }
    sweeper.await.unwrap();
    let live: u64 = s
        .query("", None, Some(100))
        .await
        .unwrap()
        .entries
        .iter()
        .map(|e| (e.key.len() + e.value.to_string().len()) as u64)
        .sum();
    assert_eq!(s.bytes_used().await.unwrap(), live);
    while storage.purge_expired(clock.now(), 5).await.unwrap() > 0 {}
    assert_eq!(s.bytes_used().await.unwrap(), live);
    // Nothing expired is left stored: seen from before anything could expire, the stored
    // total is the live one.
    clock.set(START);
    assert_eq!(s.bytes_used().await.unwrap(), live);
}

support::every_backend!(
    support;
    purging_beside_writers_keeps_counts_exact,
    absent_exactly_at_the_expiry_instant,
    metadata_follows_the_key_s_life,
    overwriting_sets_or_clears_the_expiry,
    time_to_live_is_bounded,
    conditions_see_an_expired_key_as_absent,
    transactions_set_expiring_values,
    queries_skip_expired_values_across_pages,
    expired_values_are_not_charged_to_the_quota,
    purge_is_bounded_and_earliest_first,
    secrets_never_expire,
);

async fn open_file(path: &Path, clock: &TestClock) -> AppStorage {
    let db = SqliteDatabase::open(path).await.expect("open state file");
    AppStorage::new(
        Arc::new(SqliteBackend::new(db)),
        StorageLimits::default(),
        support::cipher(&support::test_key_hex()),
    )
    .with_clock(clock.clock())
}

#[tokio::test]
async fn a_reopened_sqlite_file_keeps_expiries_and_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.sqlite3");
    let clock = TestClock::default();
    let written = {
        let storage = open_file(&path, &clock).await;
        let s = storage.installation(&installation("app")).await.unwrap();
        s.set("plain", &json!(1)).await.unwrap();
        clock.advance(MS);
        s.set_expiring("temp", &json!(2), SECOND).await.unwrap();
        (
            s.get("plain").await.unwrap().unwrap(),
            s.get("temp").await.unwrap().unwrap(),
        )
    };
    let storage = open_file(&path, &clock).await;
    let s = storage.installation(&installation("app")).await.unwrap();
    assert_eq!(s.get("plain").await.unwrap().unwrap(), written.0);
    assert_eq!(s.get("temp").await.unwrap().unwrap(), written.1);
    assert_eq!(written.1.meta.expires_at, Some(at(1001)));
    clock.set(at(1001));
    assert_eq!(s.get("temp").await.unwrap(), None);
    assert!(s.get("plain").await.unwrap().is_some());
}

/// Rows written before migration 5 get its time as created and updated, and never expire.
#[tokio::test]
async fn rows_from_before_migration_5_are_backfilled() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.sqlite3");
    let migrations = dir.path().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    for entry in std::fs::read_dir(&source).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        if name.as_str() < "0005" {
            std::fs::copy(entry.path(), migrations.join(&name)).unwrap();
        }
    }
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true);
    let mut connection = sqlx::SqliteConnection::connect_with(&options)
        .await
        .unwrap();
    sqlx::migrate::Migrator::new(migrations.as_path())
        .await
        .unwrap()
        .run(&mut connection)
        .await
        .unwrap();
    sqlx::query("INSERT INTO installations (id, app_id, site, environment) VALUES (1, 'app', 'https://kiln-test.atlassian.net', 'development')")
        .execute(&mut connection)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO storage_usage (installation_id, bytes_used, last_version) VALUES (1, 6, 1)",
    )
    .execute(&mut connection)
    .await
    .unwrap();
    sqlx::query("INSERT INTO storage_entries (installation_id, space, key, value, version) VALUES (1, 0, CAST('old' AS BLOB), CAST('\"v\"' AS BLOB), 1)")
        .execute(&mut connection)
        .await
        .unwrap();
    connection.close().await.unwrap();
    let before = UnixMillis::now();
    let clock = TestClock::default();
    clock.set(before);
    let storage = open_file(&path, &clock).await;
    let after = UnixMillis::now();
    let s = storage.installation(&installation("app")).await.unwrap();
    let old = s.get("old").await.unwrap().unwrap();
    assert_eq!(old.value, json!("v"));
    assert_eq!(old.meta.expires_at, None);
    assert_eq!(old.meta.created_at, old.meta.updated_at);
    // SQLite's migration time is whole seconds.
    assert!(
        old.meta.created_at.0 > before.0 - 1_000 && old.meta.created_at <= after,
        "{old:?}"
    );
    assert_eq!(s.bytes_used().await.unwrap(), 6);
}
