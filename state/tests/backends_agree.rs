//! Differential test: random sequences of operations, with keys and prefixes drawn from a
//! hostile alphabet, give identical results (values, versions, conflicts, quota refusals,
//! query pages and cursors, entry metadata, expiry) on the in-memory, SQLite and PostgreSQL
//! backends. The contract suite checks chosen cases; this checks that the backends are the
//! same machine. Time is a test clock every backend shares and the sequence moves, with
//! expiring values whose time to live is a few of its steps, so values expire between,
//! and exactly at, the operations that look at them.

use crate::support;

use std::time::Duration;

use kiln_state::storage::{
    CasOutcome, Expected, TransactAction, TransactOp, TransactOutcome, Version,
};
use kiln_state::{AppStorage, InstallationStorage, SecretValue, StorageError, StorageLimits};
use proptest::prelude::*;
use serde_json::{Value, json};
use support::clock::TestClock;

#[derive(Debug, Clone)]
enum Op {
    Get(String),
    Set(String, u16),
    /// Set with a time to live of this many milliseconds (0: refused).
    SetExpiring(String, u16, u8),
    /// Compare-and-set with a time to live, against the version `n` writes ago (as below).
    CasExpiring(String, u8, u16, u8),
    /// Moves the shared clock forward by this many milliseconds.
    Advance(u8),
    /// Purges at most this many expired values (of every installation).
    Purge(u8),
    Delete(String),
    CasAbsent(String, u16),
    /// Compare-and-set against the version the key had `n` writes ago (0: current).
    CasVersion(String, u8, Option<u16>),
    Query(String, u32, u8),
    SetSecret(String, u16),
    GetSecret(String),
    /// A transaction: 0 to 4 operations on keys from the same small alphabet (so empty ones
    /// and repeated keys happen too).
    Transact(Vec<TxOp>),
}

#[derive(Debug, Clone)]
struct TxOp {
    key: String,
    /// `Some(value)`: set; `None`: delete, or a check when `check`.
    set: Option<u16>,
    /// For a set: expire after this many milliseconds (`Some(0)`: refused).
    ttl: Option<u8>,
    check: bool,
    /// `None`: unconditional; `Some(0)`: absent; `Some(n)`: the version `n - 1` writes ago.
    expected: Option<u8>,
}

fn key() -> impl Strategy<Value = String> {
    // Short strings over characters that matter: LIKE wildcards, escapes, separators,
    // multi-byte UTF-8 and a character whose successor is a surrogate boundary.
    proptest::collection::vec(
        prop::sample::select(vec![
            'a', 'b', '%', '_', '\\', ':', ' ', 'é', '😀', '\u{D7FF}',
        ]),
        1..4,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        key().prop_map(Op::Get),
        (key(), any::<u16>()).prop_map(|(k, v)| Op::Set(k, v)),
        (key(), any::<u16>(), 0u8..6).prop_map(|(k, v, t)| Op::SetExpiring(k, v, t)),
        (key(), 0u8..3, any::<u16>(), 1u8..6).prop_map(|(k, n, v, t)| Op::CasExpiring(k, n, v, t)),
        (0u8..4).prop_map(Op::Advance),
        (0u8..4).prop_map(Op::Purge),
        key().prop_map(Op::Delete),
        (key(), any::<u16>()).prop_map(|(k, v)| Op::CasAbsent(k, v)),
        (key(), 0u8..3, proptest::option::of(any::<u16>()))
            .prop_map(|(k, n, v)| Op::CasVersion(k, n, v)),
        (prop_oneof![Just(String::new()), key()], 1u32..4, 0u8..4)
            .prop_map(|(p, l, pages)| Op::Query(p, l, pages)),
        (key(), any::<u16>()).prop_map(|(k, v)| Op::SetSecret(k, v)),
        key().prop_map(Op::GetSecret),
        proptest::collection::vec(tx_op(), 0..5).prop_map(Op::Transact),
    ]
}

fn tx_op() -> impl Strategy<Value = TxOp> {
    (
        key(),
        proptest::option::of(any::<u16>()),
        proptest::option::of(0u8..6),
        any::<bool>(),
        proptest::option::of(0u8..4),
    )
        .prop_map(|(key, set, ttl, check, expected)| TxOp {
            key,
            set,
            ttl,
            check,
            expected,
        })
}

fn ms(n: u8) -> Duration {
    Duration::from_millis(u64::from(n))
}

/// Runs `ops` and records every observable result as text.
async fn run(
    s: &InstallationStorage,
    storage: &AppStorage,
    clock: &TestClock,
    ops: &[Op],
) -> Vec<String> {
    let mut seen_versions: Vec<Version> = Vec::new();
    let mut out = Vec::new();
    for op in ops {
        let result = match op {
            Op::Get(k) => format!("{:?}", s.get(k).await.map_err(kind)),
            Op::Set(k, v) => {
                let r = s
                    .set(k, &json!({ "v": v, "pad": "x".repeat(*v as usize % 64) }))
                    .await;
                if let Ok(version) = &r {
                    seen_versions.push(*version);
                }
                format!("{:?}", r.map_err(kind))
            }
            Op::SetExpiring(k, v, ttl) => {
                let r = s.set_expiring(k, &json!({ "v": v }), ms(*ttl)).await;
                if let Ok(version) = &r {
                    seen_versions.push(*version);
                }
                format!("{:?}", r.map_err(kind))
            }
            Op::CasExpiring(k, back, v, ttl) => {
                let expected = seen_versions
                    .iter()
                    .rev()
                    .nth(*back as usize)
                    .copied()
                    .map_or(Expected::Absent, Expected::Version);
                let r = s
                    .compare_and_set_expiring(k, expected, &json!(v), ms(*ttl))
                    .await;
                if let Ok(CasOutcome::Applied(Some(version))) = &r {
                    seen_versions.push(*version);
                }
                format!("{:?}", r.map_err(kind))
            }
            Op::Advance(by) => {
                clock.advance(ms(*by));
                format!("now {:?}", clock.now())
            }
            Op::Purge(limit) => format!(
                "{:?}",
                storage
                    .purge_expired(clock.now(), u32::from(*limit))
                    .await
                    .map_err(kind)
            ),
            Op::Delete(k) => format!("{:?}", s.delete(k).await.map_err(kind)),
            Op::CasAbsent(k, v) => {
                format!(
                    "{:?}",
                    s.compare_and_set(k, Expected::Absent, Some(&json!(v)))
                        .await
                        .map_err(kind)
                )
            }
            Op::CasVersion(k, back, v) => {
                let expected = seen_versions
                    .iter()
                    .rev()
                    .nth(*back as usize)
                    .copied()
                    .map_or(Expected::Absent, Expected::Version);
                let r = s
                    .compare_and_set(k, expected, v.map(|v| json!(v)).as_ref())
                    .await;
                if let Ok(CasOutcome::Applied(Some(version))) = &r {
                    seen_versions.push(*version);
                }
                format!("{:?}", r.map_err(kind))
            }
            Op::Query(prefix, limit, pages) => {
                let mut cursor: Option<String> = None;
                let mut text = String::new();
                for _ in 0..=*pages {
                    match s.query(prefix, cursor.as_deref(), Some(*limit)).await {
                        Ok(page) => {
                            text += &format!("{:?};", page.entries);
                            cursor = page.next_cursor;
                            if cursor.is_none() {
                                break;
                            }
                        }
                        Err(e) => {
                            text += &format!("{:?}", kind(e));
                            break;
                        }
                    }
                }
                text
            }
            Op::Transact(tx) => {
                let values: Vec<Value> = tx
                    .iter()
                    .map(|op| json!({ "v": op.set, "pad": "x".repeat(op.set.unwrap_or(0) as usize % 64) }))
                    .collect();
                let ops: Vec<TransactOp<'_>> = tx
                    .iter()
                    .zip(&values)
                    .map(|(op, value)| TransactOp {
                        key: &op.key,
                        action: match (op.set, op.check) {
                            (Some(_), _) => match op.ttl {
                                Some(ttl) => TransactAction::SetExpiring(value, ms(ttl)),
                                None => TransactAction::Set(value),
                            },
                            (None, false) => TransactAction::Delete,
                            (None, true) => TransactAction::Check,
                        },
                        expected: op.expected.map(|n| match n {
                            0 => Expected::Absent,
                            back => seen_versions
                                .iter()
                                .rev()
                                .nth(usize::from(back - 1))
                                .copied()
                                .map_or(Expected::Absent, Expected::Version),
                        }),
                    })
                    .collect();
                let r = s.transact(&ops).await;
                if let Ok(TransactOutcome::Committed(version)) = &r
                    && tx.iter().any(|op| op.set.is_some())
                {
                    seen_versions.push(*version);
                }
                format!("{:?}", r.map_err(kind))
            }
            Op::SetSecret(k, v) => format!(
                "{:?}",
                s.set_secret(k, &SecretValue::new(json!(v)))
                    .await
                    .map_err(kind)
            ),
            Op::GetSecret(k) => format!(
                "{:?}",
                s.get_secret(k)
                    .await
                    .map(|v| v.map(|v| v.expose_secret().clone()))
                    .map_err(kind)
            ),
        };
        out.push(result);
        out.push(format!("used {:?}", s.bytes_used().await.map_err(kind)));
    }
    out
}

/// Errors compared by kind and fields (the backend's own error text may differ).
fn kind(error: StorageError) -> String {
    match error {
        StorageError::Backend(_) => "backend error".into(),
        other => format!("{other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn memory_sqlite_and_postgres_agree(ops in proptest::collection::vec(op(), 1..40)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let mut results = rt.block_on(async {
            // A small quota so refusals happen too.
            let limits = StorageLimits { max_total_bytes: 600, ..StorageLimits::default() };
            let mut results = Vec::new();
            for harness in [support::memory().await, support::sqlite().await, support::postgres().await]
                .into_iter()
                .flatten()
            {
                let clock = TestClock::default();
                let storage = harness.storage_with(limits).with_clock(clock.clock());
                let s = storage.installation(&support::installation("app")).await.unwrap();
                results.push(run(&s, &storage, &clock, &ops).await);
            }
            results
        });
        let memory = results.remove(0);
        for other in results {
            prop_assert_eq!(&memory, &other);
        }
    }
}
