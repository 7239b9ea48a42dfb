//! Why a storage call failed.

use std::fmt;

/// Why a [`storage`](crate::storage) call did not happen. The cases down to
/// [`StorageError::Unavailable`] mirror the WIT `storage-error` and are
/// decided by the host; the last two are the SDK's own. None carries a stored
/// value or a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageError {
    /// The manifest does not declare the `storage:app` scope, so the host
    /// refuses every storage call.
    ScopeDenied,
    /// The key breaks the key rules (the text says which): empty, only
    /// whitespace, a NUL, or longer than 500 characters.
    InvalidKey(String),
    /// The value is too large or nested too deeply (the text says which
    /// limit). The SDK also reports a value that could not be serialised this
    /// way, since such a value is never sent.
    InvalidValue(String),
    /// The query cursor was not one this installation's query returned.
    InvalidCursor,
    /// A query asked for a page size outside `1..=100`.
    InvalidLimit(u32),
    /// The installation's storage quota would be exceeded; the text says by
    /// how much.
    QuotaExceeded(String),
    /// The storage backend failed; the text says how, without data.
    Unavailable(String),
    /// A [`transaction`](crate::storage::transaction) breaks a rule of
    /// transactions as a whole (the text says which): no operation, more than
    /// [`MAX_TRANSACTION_OPERATIONS`](crate::storage::MAX_TRANSACTION_OPERATIONS),
    /// a key named twice, or more than
    /// [`MAX_TRANSACTION_BYTES`](crate::storage::MAX_TRANSACTION_BYTES) of
    /// values. Nothing was written.
    InvalidTransaction(String),
    /// The value stored under `key` is not JSON of the type the app asked for
    /// (decided in the app, after the host answered).
    UnexpectedValue {
        /// The key read.
        key: String,
        /// What serde found wrong.
        reason: String,
    },
    /// [`update`](crate::storage::update) lost the race for `key` this many
    /// times in a row and gave up.
    Contended {
        /// The key updated.
        key: String,
        /// How many compare-and-set attempts were made.
        attempts: u32,
    },
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageError::ScopeDenied => f.write_str(
                "app storage needs the storage:app scope; add it to permissions.scopes in manifest.yml",
            ),
            StorageError::InvalidKey(rule) => write!(f, "invalid storage key: {rule}"),
            StorageError::InvalidValue(rule) => write!(f, "invalid storage value: {rule}"),
            StorageError::InvalidCursor => f.write_str(
                "invalid storage cursor: pass back a cursor an earlier query of this app returned",
            ),
            StorageError::InvalidLimit(limit) => write!(
                f,
                "a storage query returns 1 to 100 entries per page; {limit} were asked for"
            ),
            StorageError::QuotaExceeded(quota) => write!(f, "storage quota exceeded: {quota}"),
            StorageError::Unavailable(reason) => write!(f, "app storage is unavailable: {reason}"),
            StorageError::InvalidTransaction(rule) => write!(f, "invalid storage transaction: {rule}"),
            StorageError::UnexpectedValue { key, reason } => write!(
                f,
                "the value stored under {key:?} is not the expected JSON: {reason}"
            ),
            StorageError::Contended { key, attempts } => write!(
                f,
                "the update of {key:?} kept conflicting with other writes; gave up after {attempts} attempts"
            ),
        }
    }
}

impl std::error::Error for StorageError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_denied_says_what_to_declare() {
        let message = StorageError::ScopeDenied.to_string();
        assert!(message.contains("storage:app"), "{message}");
        assert!(message.contains("permissions.scopes"), "{message}");
    }

    #[test]
    fn a_hostile_key_is_quoted_not_printed_raw() {
        let message = StorageError::UnexpectedValue {
            key: "a\u{1b}[2Jb\n".into(),
            reason: "expected u64".into(),
        }
        .to_string();
        assert!(
            !message.contains('\u{1b}') && !message.contains('\n'),
            "{message}"
        );
    }
}
