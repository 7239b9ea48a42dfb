//! Transactions: Forge's `kvs.transact()`, several operations on one installation's values
//! applied all or none.
//!
//! A transaction is checked as a whole before it reaches a backend ([`prepare`]): it has
//! 1 to [`StorageLimits::max_transaction_operations`] operations, names each key once, and
//! the values it sets add up to at most [`StorageLimits::max_transaction_bytes`]. Each key
//! and value also passes the rules a single `set` applies, with the same errors. The backend
//! then runs it as one write ([`super::StorageBackend::write_all`]): one lock, one version,
//! every condition checked before anything is written.
//!
//! Secrets are not part of transactions, as in Forge: a transaction only touches
//! [`super::Space::Values`].

use std::time::Duration;

use serde_json::Value;

use super::backend::{BatchWrite, Change, Condition};
use super::key::StorageKey;
use super::{Expected, StorageError, StorageLimits, UnixMillis, Version, value};

/// What one operation of a transaction does to its key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TransactAction<'a> {
    /// Store this value; it never expires (an earlier expiry of the key is cleared).
    Set(&'a Value),
    /// Store this value until `ttl` from the transaction's instant (1 ms to
    /// [`StorageLimits::max_ttl`], else [`StorageError::InvalidTtl`]).
    SetExpiring(&'a Value, Duration),
    /// Remove the key (nothing happens if it is absent).
    Delete,
    /// Write nothing: only the operation's condition is checked.
    Check,
}

/// One operation of a transaction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransactOp<'a> {
    pub key: &'a str,
    pub action: TransactAction<'a>,
    /// The operation happens only if the key is as expected; `None`: whatever it holds (a
    /// [`TransactAction::Check`] without a condition always holds).
    pub expected: Option<Expected>,
}

/// What a transaction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactOutcome {
    /// Everything applied; every key set was stored at this version. A transaction that
    /// changed nothing (only checks, or deletes of absent keys) answers the installation's
    /// latest version, which it saw: it takes no version of its own.
    Committed(Version),
    /// The condition of `ops[index]` did not hold; nothing changed. `current` = that key's
    /// version now (`None`: absent). The first failing operation, by index, is named.
    ConditionFailed {
        index: usize,
        current: Option<Version>,
    },
}

/// Why a transaction as a whole was refused before anything was read or written. Names
/// limits and operation indexes (from 0), never a key or a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransactionError {
    #[error("a transaction needs at least one operation")]
    Empty,
    #[error("the transaction has {count} operations, over the {max}-operation limit")]
    TooManyOperations { count: usize, max: usize },
    #[error("operations {first} and {second} name the same key")]
    DuplicateKey { first: usize, second: usize },
    #[error("the transaction sets {bytes} bytes of values, over the {max}-byte limit")]
    TooLarge { bytes: usize, max: usize },
}

/// A transaction's operation after validation: the checked key, the encoded value and the
/// backend's condition.
pub(crate) struct PreparedOp {
    key: StorageKey,
    change: Option<PreparedChange>,
    condition: Condition,
}

enum PreparedChange {
    Put(Vec<u8>, Option<UnixMillis>),
    Delete,
}

impl PreparedOp {
    pub(crate) fn as_write(&self) -> BatchWrite<'_> {
        BatchWrite {
            key: &self.key,
            change: self.change.as_ref().map(|change| match change {
                PreparedChange::Put(bytes, expires_at) => Change::Put {
                    bytes,
                    expires_at: *expires_at,
                },
                PreparedChange::Delete => Change::Delete,
            }),
            condition: self.condition,
        }
    }
}

impl StorageLimits {
    /// Whether a transaction of `count` operations may be run at all: 1 to
    /// [`Self::max_transaction_operations`]. The first rule [`prepare`] applies, and the one
    /// a caller applies before doing per-operation work of its own (the runtime reads a key
    /// for each condition a guest names as a version number), so that work is bounded too.
    pub fn check_transaction_operations(&self, count: usize) -> Result<(), TransactionError> {
        if count == 0 {
            return Err(TransactionError::Empty);
        }
        let max = self.max_transaction_operations;
        if count > max {
            return Err(TransactionError::TooManyOperations { count, max });
        }
        Ok(())
    }
}

/// Checks `ops` against `limits` and encodes them, in this order, the first failure
/// answering: the operation count (before any per-operation work, so an oversized
/// transaction costs nothing), then each operation by index: its key, whether an earlier
/// operation named the same key, its time to live, its value, and the running total of
/// value bytes. Every expiry is counted from `now`, the transaction's one instant.
pub(crate) fn prepare(
    ops: &[TransactOp<'_>],
    limits: &StorageLimits,
    now: UnixMillis,
) -> Result<Vec<PreparedOp>, StorageError> {
    limits.check_transaction_operations(ops.len())?;
    let mut prepared: Vec<PreparedOp> = Vec::with_capacity(ops.len());
    let mut value_bytes = 0usize;
    for (index, op) in ops.iter().enumerate() {
        let key = StorageKey::new(op.key, limits.max_key_chars)?;
        // At most `max_transaction_operations` earlier keys: a scan is cheaper than a set.
        if let Some(first) = prepared.iter().position(|earlier| earlier.key == key) {
            return Err(TransactionError::DuplicateKey {
                first,
                second: index,
            }
            .into());
        }
        let set = match op.action {
            TransactAction::Set(new) => Some((new, None)),
            TransactAction::SetExpiring(new, ttl) => Some((new, Some(limits.expiry(now, ttl)?))),
            TransactAction::Delete | TransactAction::Check => None,
        };
        let change = match (set, op.action) {
            (Some((new, expires_at)), _) => {
                let bytes = value::encode(new, limits)?;
                value_bytes = value_bytes.saturating_add(bytes.len());
                if value_bytes > limits.max_transaction_bytes {
                    return Err(TransactionError::TooLarge {
                        bytes: value_bytes,
                        max: limits.max_transaction_bytes,
                    }
                    .into());
                }
                Some(PreparedChange::Put(bytes, expires_at))
            }
            (None, TransactAction::Delete) => Some(PreparedChange::Delete),
            (None, _) => None,
        };
        prepared.push(PreparedOp {
            key,
            change,
            condition: op.expected.map_or(Condition::Always, Condition::from),
        });
    }
    Ok(prepared)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: UnixMillis = UnixMillis(1_000_000);

    fn set<'a>(key: &'a str, value: &'a Value) -> TransactOp<'a> {
        TransactOp {
            key,
            action: TransactAction::Set(value),
            expected: None,
        }
    }

    fn refused(ops: &[TransactOp<'_>], limits: &StorageLimits) -> TransactionError {
        match prepare(ops, limits, NOW) {
            Err(StorageError::InvalidTransaction(error)) => error,
            Err(other) => panic!("{other:?}"),
            Ok(_) => panic!("accepted"),
        }
    }

    #[test]
    fn shape_rules_name_limits_and_indexes() {
        let limits = StorageLimits::default();
        let v = json!("value");
        assert_eq!(refused(&[], &limits), TransactionError::Empty);
        let keys: Vec<String> = (0..26).map(|n| format!("k{n}")).collect();
        let many: Vec<TransactOp<'_>> = keys.iter().map(|k| set(k, &v)).collect();
        assert!(prepare(&many[..25], &limits, NOW).is_ok());
        assert_eq!(
            refused(&many, &limits),
            TransactionError::TooManyOperations { count: 26, max: 25 }
        );
        let check = TransactOp {
            key: "a",
            action: TransactAction::Check,
            expected: Some(Expected::Absent),
        };
        assert_eq!(
            refused(&[set("a", &v), set("b", &v), check], &limits),
            TransactionError::DuplicateKey {
                first: 0,
                second: 2
            }
        );
        // Keys are compared as bytes: composed and decomposed "á" are two keys.
        assert!(prepare(&[set("\u{e1}", &v), set("a\u{301}", &v)], &limits, NOW).is_ok());
        // The message names indexes, never the key.
        let error = refused(&[set("secret-key", &v), set("secret-key", &v)], &limits);
        assert_eq!(error.to_string(), "operations 0 and 1 name the same key");
    }

    #[test]
    fn value_bytes_are_summed_over_sets() {
        let limits = StorageLimits {
            max_transaction_bytes: 20,
            ..StorageLimits::default()
        };
        // Each encodes to 9 bytes ("\"1234567\"").
        let v = json!("1234567");
        assert!(prepare(&[set("a", &v), set("b", &v)], &limits, NOW).is_ok());
        assert_eq!(
            refused(&[set("a", &v), set("b", &v), set("c", &v)], &limits),
            TransactionError::TooLarge { bytes: 27, max: 20 }
        );
        // Deletes and checks carry no value.
        let delete = TransactOp {
            key: "c",
            action: TransactAction::Delete,
            expected: None,
        };
        assert!(prepare(&[set("a", &v), set("b", &v), delete], &limits, NOW).is_ok());
    }

    #[test]
    fn keys_and_values_get_the_usual_errors() {
        let limits = StorageLimits::default();
        let v = json!(1);
        assert!(matches!(
            prepare(&[set("ok", &v), set("", &v)], &limits, NOW),
            Err(StorageError::InvalidKey(_))
        ));
        let big = json!("x".repeat(limits.max_value_bytes));
        assert!(matches!(
            prepare(&[set("ok", &big)], &limits, NOW),
            Err(StorageError::ValueTooLarge { .. })
        ));
    }

    #[test]
    fn time_to_live_is_bounded_and_counted_from_now() {
        let limits = StorageLimits::default();
        let v = json!(1);
        let expiring = |ttl| TransactOp {
            key: "k",
            action: TransactAction::SetExpiring(&v, ttl),
            expected: None,
        };
        let prepared = prepare(&[expiring(Duration::from_secs(2))], &limits, NOW).unwrap();
        assert!(matches!(
            prepared[0].as_write().change,
            Some(Change::Put {
                expires_at: Some(UnixMillis(1_002_000)),
                ..
            })
        ));
        for bad in [Duration::ZERO, limits.max_ttl + Duration::from_secs(1)] {
            let error = prepare(&[expiring(bad)], &limits, NOW).err().unwrap();
            assert!(
                matches!(error, StorageError::InvalidTtl { .. }),
                "{error:?}"
            );
            assert!(error.to_string().contains("31536000 s"), "{error}");
        }
        assert!(prepare(&[expiring(limits.max_ttl)], &limits, NOW).is_ok());
    }
}
