//! App storage: a key-value store per installation, as Forge's `@forge/kvs`.
//!
//! Values are any `serde` type, stored as JSON; keys are opaque strings inside
//! the installation's namespace (no key reaches another installation's data).
//! The manifest must declare the `storage:app` scope, or every call fails with
//! [`StorageError::ScopeDenied`].
//!
//! ```no_run
//! use std::time::Duration;
//!
//! use kiln_sdk::storage::{self, StorageError};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize)]
//! struct Triaged {
//!     labels: Vec<String>,
//! }
//!
//! # fn main() -> Result<(), StorageError> {
//! storage::set("triaged:KILN-1", &Triaged { labels: vec!["bug".into()] })?;
//! let seen: Option<Triaged> = storage::get("triaged:KILN-1")?;
//!
//! // A counter that never loses an increment to a concurrent invocation.
//! let runs = storage::update("runs", |runs: Option<u64>| runs.unwrap_or(0) + 1)?;
//!
//! // Every key with a prefix, 20 per page.
//! let mut cursor = None;
//! loop {
//!     let mut query = storage::query().where_prefix("triaged:").limit(20);
//!     if let Some(next) = cursor.take() {
//!         query = query.cursor(next);
//!     }
//!     let page = query.get_many::<Triaged>()?;
//!     for entry in &page.entries {
//!         println!("{} has {} labels", entry.key, entry.value.labels.len());
//!     }
//!     match page.next_cursor {
//!         Some(next) => cursor = Some(next),
//!         None => break,
//!     }
//! }
//!
//! // Two keys that change together or not at all (see [`transaction`]).
//! storage::transaction()
//!     .set("triaged:KILN-2", &Triaged { labels: vec![] })
//!     .delete("pending:KILN-2")
//!     .commit()?;
//!
//! // A value that expires by itself (Forge's `ttl`), and when it does.
//! storage::set_expiring("lock:report", &true, Duration::from_secs(300))?;
//! let lock = storage::get_entry::<bool>("lock:report")?.expect("just set");
//! assert!(lock.expires_at.is_some() && lock.created_at <= lock.updated_at);
//!
//! storage::set_secret("api-token", "s3cr3t")?;
//! let token: Option<String> = storage::get_secret("api-token")?;
//! # Ok(())
//! # }
//! ```

mod error;
mod transaction;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use error::StorageError;
pub use transaction::{
    MAX_TRANSACTION_BYTES, MAX_TRANSACTION_OPERATIONS, TransactOutcome, Transaction, transaction,
};
pub(crate) use transaction::{RawAction, RawExpiring, RawOperation};

use crate::host;

/// How many times [`update`] tries before giving up with
/// [`StorageError::Contended`]. Each attempt is one read and one
/// compare-and-set; a handful is plenty unless many invocations hammer one
/// key, and the bound keeps a hot key from eating the invocation's deadline.
pub const MAX_UPDATE_ATTEMPTS: u32 = 8;

/// A stored value with the version of the write that stored it and its
/// metadata (Forge's `metadataFields`: `createdAt`, `updatedAt`,
/// `expireTime`). [`get_entry`] and [`Query::get_many`] return it; [`get`]
/// returns the value alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<T> {
    /// The key it is stored under.
    pub key: String,
    /// The value.
    pub value: T,
    /// Increases with every write to the installation; pass it to
    /// [`compare_and_set`] as [`Expected::Version`].
    pub version: u64,
    /// When the key was first stored since it was last absent (a key
    /// deleted, or expired, and stored again starts over), by the host's
    /// clock, to the millisecond.
    pub created_at: SystemTime,
    /// When the value was last written, by the host's clock.
    pub updated_at: SystemTime,
    /// When the value expires ([`set_expiring`]); `None`: never. An expired
    /// value is absent: no call returns it.
    pub expires_at: Option<SystemTime>,
}

/// One page of a [`query`], in ascending key order (by UTF-8 bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The entries of this page.
    pub entries: Vec<Entry<T>>,
    /// Pass to [`Query::cursor`] for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// What a [`compare_and_set`] expects to find under its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Expected {
    /// The key does not exist.
    Absent,
    /// The key exists and was last written at this version.
    Version(u64),
}

/// An entry as the host stores it: the value is JSON text, the times are
/// milliseconds since the Unix epoch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawEntry {
    pub key: String,
    pub value: String,
    pub version: u64,
    pub created_at: u64,
    pub updated_at: u64,
    pub expires_at: Option<u64>,
}

/// A page as the host returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawPage {
    pub entries: Vec<RawEntry>,
    pub next_cursor: Option<String>,
}

/// The value stored under `key`, or `None` if there is none.
pub fn get<T: DeserializeOwned>(key: &str) -> Result<Option<T>, StorageError> {
    Ok(get_entry(key)?.map(|entry| entry.value))
}

/// The value stored under `key` with its version (for a later
/// [`compare_and_set`]) and its metadata: when it was created, last written,
/// and when it expires.
pub fn get_entry<T: DeserializeOwned>(key: &str) -> Result<Option<Entry<T>>, StorageError> {
    host::storage_get(key)?.map(decode_entry).transpose()
}

/// Stores `value` under `key`, replacing any value there; returns the new
/// version.
pub fn set<T: Serialize + ?Sized>(key: &str, value: &T) -> Result<u64, StorageError> {
    host::storage_set(key, &encode(value)?)
}

/// Stores `value` under `key` until `ttl` from now (Forge's `ttl` option),
/// replacing any value there; returns the new version. After that the key is
/// absent, as if deleted. A plain [`set`] of the key later stores a value that
/// never expires.
///
/// `ttl` is sent in whole seconds, rounded up; a zero `ttl`, or one over the
/// host's bound, is [`StorageError::InvalidValue`].
///
/// ```no_run
/// # fn main() -> Result<(), kiln_sdk::storage::StorageError> {
/// use std::time::Duration;
/// // Remember for an hour that KILN-1 was reported, so the report runs at most hourly.
/// kiln_sdk::storage::set_expiring("reported:KILN-1", &true, Duration::from_secs(3600))?;
/// # Ok(())
/// # }
/// ```
pub fn set_expiring<T: Serialize + ?Sized>(
    key: &str,
    value: &T,
    ttl: Duration,
) -> Result<u64, StorageError> {
    host::storage_set_expiring(key, &encode(value)?, ttl_seconds(ttl))
}

/// Removes `key`; removing an absent key is not an error.
pub fn delete(key: &str) -> Result<(), StorageError> {
    host::storage_delete(key)
}

/// Starts a query over the installation's keys, as Forge's
/// `kvs.query().where('key', WhereConditions.beginsWith(prefix))`.
pub fn query() -> Query {
    Query::default()
}

/// Writes `value` under `key` (or deletes the key, when `value` is `None`)
/// only if the key is as `expected`, atomically. `Ok(false)` means another
/// write came first: read again and retry, or use [`update`], which does.
pub fn compare_and_set<T: Serialize + ?Sized>(
    key: &str,
    expected: Expected,
    value: Option<&T>,
) -> Result<bool, StorageError> {
    let value = value.map(encode).transpose()?;
    host::storage_compare_and_set(key, expected, value.as_deref())
}

/// Replaces the value under `key` with `change(current)`, retrying when
/// another invocation writes the key in between, so no update is lost;
/// returns the value written. `change` may run several times: keep it free of
/// side effects.
///
/// ```no_run
/// # fn main() -> Result<(), kiln_sdk::storage::StorageError> {
/// let count = kiln_sdk::storage::update("triage-count", |n: Option<u64>| n.unwrap_or(0) + 1)?;
/// # Ok(())
/// # }
/// ```
pub fn update<T, F>(key: &str, mut change: F) -> Result<T, StorageError>
where
    T: Serialize + DeserializeOwned,
    F: FnMut(Option<T>) -> T,
{
    for _ in 0..MAX_UPDATE_ATTEMPTS {
        let (expected, current) = match get_entry::<T>(key)? {
            Some(entry) => (Expected::Version(entry.version), Some(entry.value)),
            None => (Expected::Absent, None),
        };
        let next = change(current);
        if compare_and_set(key, expected, Some(&next))? {
            return Ok(next);
        }
    }
    Err(StorageError::Contended {
        key: key.to_owned(),
        attempts: MAX_UPDATE_ATTEMPTS,
    })
}

/// Forge's `getSecret`: a value stored encrypted at rest with a key the host
/// holds, in a key space apart from [`get`]/[`set`], never listed by
/// [`query`] and never logged by the host.
pub fn get_secret<T: DeserializeOwned>(key: &str) -> Result<Option<T>, StorageError> {
    host::storage_get_secret(key)?
        .map(|json| decode(key, &json))
        .transpose()
}

/// Forge's `setSecret`.
pub fn set_secret<T: Serialize + ?Sized>(key: &str, value: &T) -> Result<(), StorageError> {
    host::storage_set_secret(key, &encode(value)?)
}

/// Forge's `deleteSecret`.
pub fn delete_secret(key: &str) -> Result<(), StorageError> {
    host::storage_delete_secret(key)
}

/// A query being built; [`Query::get_many`] runs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use = "a query does nothing until `get_many` runs it"]
pub struct Query {
    prefix: String,
    cursor: Option<String>,
    limit: Option<u32>,
}

impl Query {
    /// Only keys that start with `prefix` (by bytes: no character is a
    /// pattern). Without it, every key of the installation.
    pub fn where_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// At most `limit` entries per page, `1..=100`; the host's default is 10.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Continues after the page that returned this `next_cursor`.
    pub fn cursor(mut self, cursor: impl Into<String>) -> Self {
        self.cursor = Some(cursor.into());
        self
    }

    /// Runs the query: one page of entries, each value parsed as `T`
    /// (`serde_json::Value` for any JSON).
    pub fn get_many<T: DeserializeOwned>(self) -> Result<Page<T>, StorageError> {
        let page = host::storage_query(&self.prefix, self.cursor.as_deref(), self.limit)?;
        Ok(Page {
            entries: page
                .entries
                .into_iter()
                .map(decode_entry)
                .collect::<Result<_, _>>()?,
            next_cursor: page.next_cursor,
        })
    }
}

fn encode<T: Serialize + ?Sized>(value: &T) -> Result<String, StorageError> {
    serde_json::to_string(value).map_err(|error| {
        StorageError::InvalidValue(format!(
            "the value could not be serialised as JSON: {error}"
        ))
    })
}

fn decode<T: DeserializeOwned>(key: &str, json: &str) -> Result<T, StorageError> {
    serde_json::from_str(json).map_err(|error| StorageError::UnexpectedValue {
        key: key.to_owned(),
        reason: format!("expected {}: {error}", std::any::type_name::<T>()),
    })
}

fn decode_entry<T: DeserializeOwned>(entry: RawEntry) -> Result<Entry<T>, StorageError> {
    let value = decode(&entry.key, &entry.value)?;
    Ok(Entry {
        key: entry.key,
        value,
        version: entry.version,
        created_at: time_of(entry.created_at),
        updated_at: time_of(entry.updated_at),
        expires_at: entry.expires_at.map(time_of),
    })
}

/// A time the host sends, in milliseconds since the Unix epoch.
pub(crate) fn time_of(millis: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(millis)
}

/// A time to live in the whole seconds the host takes, rounded up so a value
/// never expires before the app asked; zero stays zero (the host refuses it).
pub(crate) fn ttl_seconds(ttl: Duration) -> u64 {
    crate::seconds_rounded_up(ttl)
}
