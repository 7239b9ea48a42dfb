//! One invocation's `kiln:app/storage` calls: the scope check, the
//! installation, the deadline, the call count, and kiln-state's typed errors
//! turned into the WIT's `storage-error`.
//!
//! Nothing a guest passes here is logged, and no error the guest gets back
//! carries a stored value, a secret, a file path or a driver message: the
//! backend's own failure is logged on the host (driver messages name tables
//! and SQL, never bound parameters) and the guest gets a fixed sentence.

use std::sync::Arc;
use std::time::Duration;

use kiln_state::storage::{
    CasOutcome, EntryMeta, Expected as StateExpected, Page as StatePage, TransactAction,
    TransactOp, TransactOutcome as StateTransactOutcome, UnixMillis,
};
use kiln_state::{Installation, InstallationStorage, SecretValue, StorageError as StateError};
use serde_json::Value;
use tokio::time::Instant as TokioInstant;

use super::StorageHost;
use crate::bindings::v0_4::{
    Action, Entry, Expected, ExpiringValue, Operation, Page, StorageError, TransactOutcome,
};

/// What one invocation's storage calls may reach.
pub struct StorageSession {
    /// `None`: this host was started without app storage.
    host: Option<StorageHost>,
    /// Whether the manifest declares `storage:app`.
    allowed: bool,
    installation: Arc<Installation>,
    deadline: TokioInstant,
    opened: Option<InstallationStorage>,
    calls: u32,
}

impl StorageSession {
    pub fn new(
        host: Option<StorageHost>,
        allowed: bool,
        installation: Arc<Installation>,
        deadline: TokioInstant,
    ) -> Self {
        Self {
            host,
            allowed,
            installation,
            deadline,
            opened: None,
            calls: 0,
        }
    }

    /// How many storage calls the guest made (refused ones included).
    pub fn call_count(&self) -> u32 {
        self.calls
    }

    /// Counts the call, checks the scope, opens the installation: what every
    /// operation does first.
    async fn begin(&mut self) -> Result<InstallationStorage, StorageError> {
        self.calls = self.calls.saturating_add(1);
        if !self.allowed {
            return Err(StorageError::ScopeDenied);
        }
        if let Some(opened) = &self.opened {
            return Ok(opened.clone());
        }
        let host = self.host.as_ref().ok_or_else(|| {
            StorageError::Unavailable("this host was started without app storage".into())
        })?;
        let opened = within(self.deadline, host.open(&self.installation)).await?;
        self.opened = Some(opened.clone());
        Ok(opened)
    }

    pub async fn get(&mut self, key: String) -> Result<Option<Entry>, StorageError> {
        let storage = self.begin().await?;
        let found = within(self.deadline, storage.get(&key)).await?;
        found
            .map(|versioned| entry(key, &versioned.value, versioned.version, versioned.meta))
            .transpose()
    }

    pub async fn set(&mut self, key: String, value: String) -> Result<u64, StorageError> {
        let storage = self.begin().await?;
        let value = decode(&value)?;
        let version = within(self.deadline, storage.set(&key, &value)).await?;
        Ok(version_number(version))
    }

    /// `set`, expiring `ttl_seconds` from now: the state layer bounds the
    /// time to live (0 or over its limit is `invalid-value`).
    pub async fn set_expiring(
        &mut self,
        key: String,
        value: String,
        ttl_seconds: u64,
    ) -> Result<u64, StorageError> {
        let storage = self.begin().await?;
        let value = decode(&value)?;
        let ttl = Duration::from_secs(ttl_seconds);
        let version = within(self.deadline, storage.set_expiring(&key, &value, ttl)).await?;
        Ok(version_number(version))
    }

    pub async fn delete(&mut self, key: String) -> Result<(), StorageError> {
        let storage = self.begin().await?;
        within(self.deadline, storage.delete(&key)).await
    }

    pub async fn query(
        &mut self,
        prefix: String,
        cursor: Option<String>,
        limit: Option<u32>,
    ) -> Result<Page, StorageError> {
        let storage = self.begin().await?;
        let StatePage {
            entries,
            next_cursor,
        } = within(
            self.deadline,
            storage.query(&prefix, cursor.as_deref(), limit),
        )
        .await?;
        let entries = entries
            .into_iter()
            .map(|found| entry(found.key, &found.value, found.version, found.meta))
            .collect::<Result<_, StorageError>>()?;
        Ok(Page {
            entries,
            next_cursor,
        })
    }

    /// Compare-and-set. The guest's expected version is resolved by
    /// [`Self::resolve`]: a number that is not the current version fails at
    /// the read, as it would have at the write.
    pub async fn compare_and_set(
        &mut self,
        key: String,
        expected: Expected,
        value: Option<String>,
    ) -> Result<bool, StorageError> {
        let storage = self.begin().await?;
        let value = value.as_deref().map(decode).transpose()?;
        let Some(expected) = self.resolve(&storage, &key, expected).await? else {
            return Ok(false);
        };
        let outcome = within(
            self.deadline,
            storage.compare_and_set(&key, expected, value.as_ref()),
        )
        .await?;
        Ok(matches!(outcome, CasOutcome::Applied(_)))
    }

    /// A transaction: every operation, or none. Guest version numbers are
    /// resolved by [`Self::resolve`], one read per
    /// conditioned key, and only after the transaction's size is checked, so
    /// a guest cannot make the host read more keys than a transaction may
    /// hold. A number that is not the key's current version answers
    /// `condition-failed` at the read, as it would have at the write.
    pub async fn transact(
        &mut self,
        operations: Vec<Operation>,
    ) -> Result<TransactOutcome, StorageError> {
        let storage = self.begin().await?;
        if let Some(host) = &self.host {
            host.storage()
                .limits()
                .check_transaction_operations(operations.len())
                .map_err(|error| guest_error(error.into()))?;
        }
        // Values decoded and conditions resolved, in the guest's order.
        let mut planned = Vec::with_capacity(operations.len());
        for (
            index,
            Operation {
                key,
                action,
                expected,
            },
        ) in operations.into_iter().enumerate()
        {
            let action = match action {
                Action::Set(text) => Planned::Set(decode(&text)?),
                Action::SetExpiring(ExpiringValue { value, ttl_seconds }) => {
                    Planned::SetExpiring(decode(&value)?, Duration::from_secs(ttl_seconds))
                }
                Action::Delete => Planned::Delete,
                Action::Check => Planned::Check,
            };
            let expected = match expected {
                None => None,
                Some(expected) => match self.resolve(&storage, &key, expected).await? {
                    Some(expected) => Some(expected),
                    None => return Ok(TransactOutcome::ConditionFailed(index_number(index))),
                },
            };
            planned.push((key, action, expected));
        }
        let ops: Vec<TransactOp<'_>> = planned
            .iter()
            .map(|(key, action, expected)| TransactOp {
                key,
                action: match action {
                    Planned::Set(value) => TransactAction::Set(value),
                    Planned::SetExpiring(value, ttl) => TransactAction::SetExpiring(value, *ttl),
                    Planned::Delete => TransactAction::Delete,
                    Planned::Check => TransactAction::Check,
                },
                expected: *expected,
            })
            .collect();
        match within(self.deadline, storage.transact(&ops)).await? {
            StateTransactOutcome::Committed(version) => {
                Ok(TransactOutcome::Committed(version_number(version)))
            }
            StateTransactOutcome::ConditionFailed { index, .. } => {
                Ok(TransactOutcome::ConditionFailed(index_number(index)))
            }
        }
    }

    /// A guest's expectation of `key` as the state layer's, or `None` when
    /// it already fails: the rule of [`Self::compare_and_set`] and
    /// [`Self::transact`]. The host never turns a guest-chosen number into a
    /// version of its own: it reads the key's current version, and only when
    /// that equals the guest's number does it condition the write on *that*
    /// version (checked again under the installation's write lock, so a
    /// write in between still makes this one fail).
    async fn resolve(
        &self,
        storage: &InstallationStorage,
        key: &str,
        expected: Expected,
    ) -> Result<Option<StateExpected>, StorageError> {
        Ok(match expected {
            Expected::Absent => Some(StateExpected::Absent),
            Expected::Version(wanted) => match within(self.deadline, storage.get(key)).await? {
                Some(current) if version_number(current.version) == wanted => {
                    Some(StateExpected::Version(current.version))
                }
                _ => None,
            },
        })
    }

    pub async fn get_secret(&mut self, key: String) -> Result<Option<String>, StorageError> {
        let storage = self.begin().await?;
        let secret = within(self.deadline, storage.get_secret(&key)).await?;
        secret
            .map(|secret| encode(secret.expose_secret()))
            .transpose()
    }

    pub async fn set_secret(&mut self, key: String, value: String) -> Result<(), StorageError> {
        let storage = self.begin().await?;
        let secret = SecretValue::new(decode(&value)?);
        within(self.deadline, storage.set_secret(&key, &secret)).await
    }

    pub async fn delete_secret(&mut self, key: String) -> Result<(), StorageError> {
        let storage = self.begin().await?;
        within(self.deadline, storage.delete_secret(&key)).await
    }
}

/// A transaction's operation with its value decoded.
enum Planned {
    Set(Value),
    SetExpiring(Value, Duration),
    Delete,
    Check,
}

/// Runs a storage operation within the invocation's deadline.
async fn within<T>(
    deadline: TokioInstant,
    operation: impl Future<Output = Result<T, StateError>>,
) -> Result<T, StorageError> {
    match tokio::time::timeout_at(deadline, operation).await {
        Ok(result) => result.map_err(guest_error),
        Err(_) => Err(StorageError::Unavailable(
            "the invocation's deadline passed before storage answered".into(),
        )),
    }
}

/// A value the guest hands over: JSON text. The text itself is never echoed
/// back (it may be a secret); serde_json's message names only a line and
/// column.
fn decode(text: &str) -> Result<Value, StorageError> {
    serde_json::from_str(text)
        .map_err(|error| StorageError::InvalidValue(format!("the value is not JSON ({error})")))
}

fn encode(value: &Value) -> Result<String, StorageError> {
    serde_json::to_string(value)
        .map_err(|_| StorageError::Unavailable("a stored value could not be encoded".into()))
}

/// A stored value as the guest gets it, with its metadata.
fn entry(
    key: String,
    value: &Value,
    version: kiln_state::storage::Version,
    meta: EntryMeta,
) -> Result<Entry, StorageError> {
    Ok(Entry {
        value: encode(value)?,
        version: version_number(version),
        key,
        created_at: millis(meta.created_at),
        updated_at: millis(meta.updated_at),
        expires_at: meta.expires_at.map(millis),
    })
}

/// A time as the WIT carries it. The host's clock is past 1970; a time
/// before it would mean a damaged row, and reads as the epoch.
fn millis(time: UnixMillis) -> u64 {
    u64::try_from(time.0).unwrap_or(0)
}

/// Versions are positive counters; a negative one would mean a damaged row.
fn version_number(version: kiln_state::storage::Version) -> u64 {
    u64::try_from(version.get()).unwrap_or(0)
}

/// An operation's index as the WIT carries it. The transaction's size was
/// checked against its limit first, so it always fits.
fn index_number(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX)
}

/// kiln-state's error as the guest sees it. Key, value, page and quota
/// errors keep kiln-state's sentence (which names a limit, never data);
/// everything else becomes a fixed sentence, its detail logged on the host.
fn guest_error(error: StateError) -> StorageError {
    match error {
        StateError::InvalidKey(error) => StorageError::InvalidKey(error.to_string()),
        StateError::InvalidCursor(_) => StorageError::InvalidCursor,
        error @ (StateError::ValueTooLarge { .. }
        | StateError::ValueTooDeep { .. }
        | StateError::ValueNotJson
        // kiln:app@0.4.0: a time to live of 0 or over the limit is `invalid-value`.
        | StateError::InvalidTtl { .. }) => StorageError::InvalidValue(error.to_string()),
        StateError::PageSize { requested, .. } => StorageError::InvalidLimit(requested),
        error @ StateError::QuotaExceeded { .. } => StorageError::QuotaExceeded(error.to_string()),
        StateError::InvalidTransaction(error) => {
            StorageError::InvalidTransaction(error.to_string())
        }
        StateError::Contended { .. } => {
            StorageError::Unavailable("the key is being written by others; try again".into())
        }
        StateError::Secret(error) => {
            tracing::warn!("app storage could not open a secret: {error}");
            StorageError::Unavailable("a stored secret could not be opened on this host".into())
        }
        StateError::InvalidInstallation(error) => {
            tracing::warn!("app storage refused the installation: {error}");
            StorageError::Unavailable("this installation has no storage".into())
        }
        StateError::Corrupt(what) => {
            tracing::warn!("app storage found damaged data: {what}");
            StorageError::Unavailable("stored data is damaged".into())
        }
        StateError::Backend(error) => {
            tracing::warn!("app storage backend failed: {error}");
            StorageError::Unavailable("the storage backend failed".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_state::storage::KeyError;

    #[test]
    fn errors_name_limits_never_data() {
        let quota = guest_error(StateError::QuotaExceeded {
            would_use: 10,
            limit: 5,
        });
        assert!(matches!(quota, StorageError::QuotaExceeded(ref text) if text.contains('5')));
        assert!(matches!(
            guest_error(StateError::InvalidKey(KeyError::Nul)),
            StorageError::InvalidKey(_)
        ));
        let decoded = decode("{\"password\": hunter2}").unwrap_err();
        let StorageError::InvalidValue(text) = decoded else {
            panic!("expected invalid-value");
        };
        assert!(!text.contains("hunter2"), "{text}");
    }
}
