//! Transactions: several writes that commit together or not at all, as
//! Forge's `kvs.transact()`.
//!
//! ```no_run
//! use kiln_sdk::storage::{self, Expected, TransactOutcome};
//!
//! # fn main() -> Result<(), kiln_sdk::storage::StorageError> {
//! // Move 5 credits from one account to another, never losing any to a
//! // concurrent invocation: read both, write both only if neither changed.
//! loop {
//!     let from = storage::get_entry::<u64>("credits:alice")?.expect("alice has an account");
//!     let to = storage::get_entry::<u64>("credits:bob")?.expect("bob has an account");
//!     let outcome = storage::transaction()
//!         .set_if("credits:alice", &(from.value - 5), Expected::Version(from.version))
//!         .set_if("credits:bob", &(to.value + 5), Expected::Version(to.version))
//!         .commit()?;
//!     match outcome {
//!         TransactOutcome::Committed { .. } => break,
//!         // Another invocation wrote one of them first: read again.
//!         TransactOutcome::ConditionFailed { .. } => continue,
//!     }
//! }
//! # Ok(())
//! # }
//! ```

use std::time::Duration;

use serde::Serialize;

use super::{Expected, StorageError, encode, ttl_seconds};
use crate::host;

/// The most operations one transaction may hold (Forge's limit, which the
/// host enforces).
pub const MAX_TRANSACTION_OPERATIONS: usize = 25;

/// The most bytes of JSON the values of one transaction may hold together
/// (Forge's 4 MB payload limit, which the host enforces).
pub const MAX_TRANSACTION_BYTES: usize = 4 * 1024 * 1024;

/// Starts a transaction; [`Transaction::commit`] sends it.
pub fn transaction() -> Transaction {
    Transaction::default()
}

/// What a committed or refused transaction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactOutcome {
    /// Every operation happened. Every key the transaction set now has this
    /// version (one for the whole transaction); a transaction that changed
    /// nothing (only checks, or deletes of absent keys) answers the latest
    /// version of the installation's storage.
    Committed {
        /// The transaction's version.
        version: u64,
    },
    /// The condition of the operation at `index` (in the order they were
    /// added, from 0) did not hold, so nothing was written: read again and
    /// retry.
    ConditionFailed {
        /// Which operation's condition failed.
        index: usize,
    },
}

/// What one operation does to its key, as the host receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RawAction {
    /// Store this JSON text; it never expires.
    Set(String),
    /// Store this JSON text until its time to live runs out.
    SetExpiring(RawExpiring),
    Delete,
    Check,
}

/// A value that expires, as the host receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawExpiring {
    pub value: String,
    pub ttl_seconds: u64,
}

/// One operation as the host receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawOperation {
    pub key: String,
    pub action: RawAction,
    pub expected: Option<Expected>,
}

/// A transaction being built. Each key may appear once; the host refuses
/// more than [`MAX_TRANSACTION_OPERATIONS`] operations or
/// [`MAX_TRANSACTION_BYTES`] of values, and applies the installation's quota
/// to the result as a whole. Secrets are not part of transactions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use = "a transaction does nothing until `commit` sends it"]
pub struct Transaction {
    operations: Vec<RawOperation>,
    /// The first value that could not be serialised: reported by `commit`,
    /// which then sends nothing.
    unserialisable: Option<StorageError>,
}

impl Transaction {
    /// Stores `value` under `key`, whatever the key holds.
    pub fn set<T: Serialize + ?Sized>(self, key: impl Into<String>, value: &T) -> Self {
        self.push_set(key.into(), value, None)
    }

    /// Stores `value` under `key` only if the key is as `expected`.
    pub fn set_if<T: Serialize + ?Sized>(
        self,
        key: impl Into<String>,
        value: &T,
        expected: Expected,
    ) -> Self {
        self.push_set(key.into(), value, Some(expected))
    }

    /// Stores `value` under `key` until `ttl` from now, whatever the key
    /// holds, as [`storage::set_expiring`](super::set_expiring).
    pub fn set_expiring<T: Serialize + ?Sized>(
        self,
        key: impl Into<String>,
        value: &T,
        ttl: Duration,
    ) -> Self {
        self.push_set_expiring(key.into(), value, ttl, None)
    }

    /// Stores `value` under `key` until `ttl` from now, only if the key is as
    /// `expected`.
    pub fn set_expiring_if<T: Serialize + ?Sized>(
        self,
        key: impl Into<String>,
        value: &T,
        ttl: Duration,
        expected: Expected,
    ) -> Self {
        self.push_set_expiring(key.into(), value, ttl, Some(expected))
    }

    /// Removes `key` (removing an absent key is not an error).
    pub fn delete(self, key: impl Into<String>) -> Self {
        self.push(key.into(), RawAction::Delete, None)
    }

    /// Removes `key` only if it is as `expected`.
    pub fn delete_if(self, key: impl Into<String>, expected: Expected) -> Self {
        self.push(key.into(), RawAction::Delete, Some(expected))
    }

    /// Writes nothing to `key`, but commits the transaction only if the key
    /// is as `expected`: a value the writes were computed from is still the
    /// one stored.
    pub fn check(self, key: impl Into<String>, expected: Expected) -> Self {
        self.push(key.into(), RawAction::Check, Some(expected))
    }

    /// How many operations the transaction holds.
    pub fn len(&self) -> usize {
        self.operations.len()
    }

    /// Whether the transaction holds no operation (the host refuses an
    /// empty one).
    pub fn is_empty(&self) -> bool {
        self.operations.is_empty()
    }

    /// Sends the transaction: every operation happens, or none does.
    /// `Ok(ConditionFailed)` is a condition that did not hold, not an error;
    /// `Err` is a transaction refused as a whole (its size, a key named
    /// twice, a key or value rule, the quota, the scope) or storage failing.
    pub fn commit(self) -> Result<TransactOutcome, StorageError> {
        if let Some(error) = self.unserialisable {
            return Err(error);
        }
        host::storage_transact(&self.operations)
    }

    fn push_set<T: Serialize + ?Sized>(
        self,
        key: String,
        value: &T,
        expected: Option<Expected>,
    ) -> Self {
        self.push_encoded(key, value, expected, RawAction::Set)
    }

    fn push_set_expiring<T: Serialize + ?Sized>(
        self,
        key: String,
        value: &T,
        ttl: Duration,
        expected: Option<Expected>,
    ) -> Self {
        let ttl_seconds = ttl_seconds(ttl);
        self.push_encoded(key, value, expected, |value| {
            RawAction::SetExpiring(RawExpiring { value, ttl_seconds })
        })
    }

    fn push_encoded<T: Serialize + ?Sized>(
        self,
        key: String,
        value: &T,
        expected: Option<Expected>,
        action: impl FnOnce(String) -> RawAction,
    ) -> Self {
        match encode(value) {
            Ok(json) => self.push(key, action(json), expected),
            Err(error) => {
                let mut this = self;
                this.unserialisable.get_or_insert(error);
                this
            }
        }
    }

    fn push(mut self, key: String, action: RawAction, expected: Option<Expected>) -> Self {
        self.operations.push(RawOperation {
            key,
            action,
            expected,
        });
        self
    }
}
