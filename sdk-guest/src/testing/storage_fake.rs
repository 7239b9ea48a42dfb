//! The fake app storage: one installation's keys, values and secrets in
//! memory, with the host's documented rules.
//!
//! The limits are Forge's documented ones, which the host enforces too
//! (`state/src/storage/limits.rs` in the Kiln repository cites the sources),
//! and the key rules are the host's (`state/src/storage/key.rs`). The SDK
//! cannot depend on the host's crate, so these are copies: change both.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Shared;
use crate::storage::{
    Entry, Expected, MAX_TRANSACTION_BYTES, MAX_TRANSACTION_OPERATIONS, RawAction, RawEntry,
    RawExpiring, RawOperation, RawPage, StorageError, TransactOutcome,
};

/// Forge's maximum key length, in characters.
pub const MAX_KEY_CHARS: usize = 500;
/// Forge's maximum size of one value (its JSON text): 240 KiB.
pub const MAX_VALUE_BYTES: usize = 240 * 1024;
/// Forge's maximum nesting depth of a value (`{"a":1}` has depth 1).
pub const MAX_DEPTH: usize = 31;
/// Forge's page size when a query sets none.
pub const DEFAULT_PAGE_SIZE: u32 = 10;
/// Forge's largest page size.
pub const MAX_PAGE_SIZE: u32 = 100;
/// The longest time to live: 365 days, the host's default bound
/// (`DEFAULT_MAX_TTL` in `state/src/storage/limits.rs`; Forge names none).
/// An operator may set another; [`StorageFake::max_ttl`] simulates that.
pub const MAX_TTL: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// Marks the fake's cursors, so a cursor from elsewhere is refused as the
/// host refuses it.
const CURSOR_TAG: &str = "fake.";

#[derive(Debug, Clone, PartialEq, Eq)]
struct Stored {
    json: String,
    version: u64,
    /// Milliseconds since the Unix epoch, by the fake's clock.
    created_at: u64,
    updated_at: u64,
    expires_at: Option<u64>,
}

impl Stored {
    fn raw(&self, key: &str) -> RawEntry {
        RawEntry {
            key: key.to_owned(),
            value: self.json.clone(),
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
            expires_at: self.expires_at,
        }
    }
}

#[derive(Default)]
pub(super) struct StorageState {
    entries: BTreeMap<String, Stored>,
    secrets: BTreeMap<String, String>,
    last_version: u64,
    denied: bool,
    failures: VecDeque<StorageError>,
    /// Writes "another invocation" makes just before the app's next
    /// compare-and-set of the key.
    concurrent: Vec<(String, String)>,
    max_total_bytes: Option<u64>,
    /// The fake's clock when the current call started (the `Fake`'s clock,
    /// copied in by [`app_call`] and the seeding methods).
    now: u64,
    max_ttl: Option<Duration>,
}

/// Runs one of the app's storage calls: refused while the scope is denied,
/// failed with the next injected failure, else `call` on the state.
pub(super) fn app_call<R>(
    state: &Shared,
    call: impl FnOnce(&mut StorageState) -> Result<R, StorageError>,
) -> Result<R, StorageError> {
    let mut state = state.borrow_mut();
    let storage = storage_at_now(&mut state);
    if storage.denied {
        return Err(StorageError::ScopeDenied);
    }
    if let Some(failure) = storage.failures.pop_front() {
        return Err(failure);
    }
    call(storage)
}

/// The storage of `state`, its clock set to the fake's and expired values
/// gone, as the host never returns one.
pub(super) fn storage_at_now(state: &mut super::State) -> &mut StorageState {
    let storage = &mut state.storage;
    storage.now = state.clock_ms;
    storage.purge_expired();
    storage
}

impl StorageState {
    pub(super) fn get(&self, key: &str) -> Result<Option<RawEntry>, StorageError> {
        check_key(key)?;
        Ok(self.entries.get(key).map(|stored| stored.raw(key)))
    }

    pub(super) fn set(&mut self, key: &str, json: &str) -> Result<u64, StorageError> {
        check_key(key)?;
        check_value(json)?;
        self.check_quota(key, json, self.entries.get(key).map(|s| s.json.len()))?;
        Ok(self.write(key, json, None))
    }

    pub(super) fn set_expiring(
        &mut self,
        key: &str,
        json: &str,
        ttl_seconds: u64,
    ) -> Result<u64, StorageError> {
        check_key(key)?;
        check_value(json)?;
        let expires_at = self.expiry(ttl_seconds)?;
        self.check_quota(key, json, self.entries.get(key).map(|s| s.json.len()))?;
        Ok(self.write(key, json, Some(expires_at)))
    }

    /// When a value stored now with this time to live expires, or the
    /// host's refusal: 0, or over the bound.
    fn expiry(&self, ttl_seconds: u64) -> Result<u64, StorageError> {
        let max = self.max_ttl.unwrap_or(MAX_TTL);
        if ttl_seconds == 0 {
            return Err(StorageError::InvalidValue(
                "the time to live is 0 seconds; give at least 1".into(),
            ));
        }
        if ttl_seconds > max.as_secs() {
            return Err(StorageError::InvalidValue(format!(
                "the time to live is {ttl_seconds} seconds, over the limit of {}",
                max.as_secs()
            )));
        }
        Ok(self.now.saturating_add(ttl_seconds.saturating_mul(1000)))
    }

    /// Drops every value whose time has come.
    fn purge_expired(&mut self) {
        let now = self.now;
        self.entries
            .retain(|_, stored| stored.expires_at.is_none_or(|at| at > now));
    }

    pub(super) fn delete(&mut self, key: &str) -> Result<(), StorageError> {
        check_key(key)?;
        self.entries.remove(key);
        Ok(())
    }

    pub(super) fn query(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> Result<RawPage, StorageError> {
        check_prefix(prefix)?;
        let limit = match limit {
            None => DEFAULT_PAGE_SIZE,
            Some(limit) if (1..=MAX_PAGE_SIZE).contains(&limit) => limit,
            Some(limit) => return Err(StorageError::InvalidLimit(limit)),
        };
        let after = cursor.map(parse_cursor).transpose()?;
        // `String` orders by UTF-8 bytes, as the host's backends do.
        let mut matching = self
            .entries
            .iter()
            .filter(|(key, _)| key.starts_with(prefix))
            .filter(|(key, _)| {
                after
                    .as_ref()
                    .is_none_or(|after| key.as_str() > after.as_str())
            });
        let entries: Vec<RawEntry> = matching
            .by_ref()
            .take(limit as usize)
            .map(|(key, stored)| stored.raw(key))
            .collect();
        let more = matching.next().is_some();
        let next_cursor = match entries.last() {
            Some(last) if more => Some(cursor_after(&last.key)),
            _ => None,
        };
        Ok(RawPage {
            entries,
            next_cursor,
        })
    }

    pub(super) fn compare_and_set(
        &mut self,
        key: &str,
        expected: Expected,
        json: Option<&str>,
    ) -> Result<bool, StorageError> {
        check_key(key)?;
        if let Some(json) = json {
            check_value(json)?;
        }
        self.apply_concurrent_write(key);
        if !self.is_as_expected(key, expected) {
            return Ok(false);
        }
        match json {
            Some(json) => {
                self.check_quota(key, json, self.entries.get(key).map(|s| s.json.len()))?;
                self.write(key, json, None);
            }
            None => {
                self.entries.remove(key);
            }
        }
        Ok(true)
    }

    /// The host's transaction rules: the size checks, then each key and
    /// value, then the conditions in order (the first that fails answers),
    /// then the quota over the whole result; only then every write, at one
    /// version.
    pub(super) fn transact(
        &mut self,
        operations: &[RawOperation],
    ) -> Result<TransactOutcome, StorageError> {
        check_transaction(operations)?;
        let mut expiries = Vec::with_capacity(operations.len());
        for operation in operations {
            check_key(&operation.key)?;
            expiries.push(match &operation.action {
                RawAction::Set(json) => {
                    check_value(json)?;
                    None
                }
                RawAction::SetExpiring(RawExpiring { value, ttl_seconds }) => {
                    check_value(value)?;
                    Some(self.expiry(*ttl_seconds)?)
                }
                RawAction::Delete | RawAction::Check => None,
            });
        }
        for operation in operations {
            self.apply_concurrent_write(&operation.key);
        }
        for (index, operation) in operations.iter().enumerate() {
            if let Some(expected) = operation.expected
                && !self.is_as_expected(&operation.key, expected)
            {
                return Ok(TransactOutcome::ConditionFailed { index });
            }
        }
        if let Some(limit) = self.max_total_bytes {
            let mut would_use = self.bytes_used();
            for operation in operations {
                let old = self
                    .entries
                    .get(&operation.key)
                    .map_or(0, |stored| (operation.key.len() + stored.json.len()) as u64);
                let new = match &operation.action {
                    RawAction::Set(json)
                    | RawAction::SetExpiring(RawExpiring { value: json, .. }) => {
                        (operation.key.len() + json.len()) as u64
                    }
                    RawAction::Delete => 0,
                    RawAction::Check => old,
                };
                would_use = would_use - old + new;
            }
            if would_use > limit && would_use > self.bytes_used() {
                return Err(StorageError::QuotaExceeded(format!(
                    "the installation's storage would hold {would_use} bytes, over its {limit}-byte limit"
                )));
            }
        }
        // As the host: a transaction that changes nothing (checks, deletes of
        // absent keys) takes no version and answers the latest one.
        let changes = operations.iter().any(|operation| match operation.action {
            RawAction::Set(_) | RawAction::SetExpiring(_) => true,
            RawAction::Delete => self.entries.contains_key(&operation.key),
            RawAction::Check => false,
        });
        if changes {
            self.last_version += 1;
        }
        let version = self.last_version;
        for (operation, expires_at) in operations.iter().zip(expiries) {
            match &operation.action {
                RawAction::Set(json) | RawAction::SetExpiring(RawExpiring { value: json, .. }) => {
                    self.store(&operation.key, json, version, expires_at);
                }
                RawAction::Delete => {
                    self.entries.remove(&operation.key);
                }
                RawAction::Check => {}
            }
        }
        Ok(TransactOutcome::Committed { version })
    }

    pub(super) fn get_secret(&self, key: &str) -> Result<Option<String>, StorageError> {
        check_key(key)?;
        Ok(self.secrets.get(key).cloned())
    }

    pub(super) fn set_secret(&mut self, key: &str, json: &str) -> Result<(), StorageError> {
        check_key(key)?;
        check_value(json)?;
        self.check_quota(key, json, self.secrets.get(key).map(String::len))?;
        self.secrets.insert(key.to_owned(), json.to_owned());
        Ok(())
    }

    pub(super) fn delete_secret(&mut self, key: &str) -> Result<(), StorageError> {
        check_key(key)?;
        self.secrets.remove(key);
        Ok(())
    }

    /// Makes the write "another invocation" was set to make to `key` just
    /// before the app's next conditional write of it.
    fn apply_concurrent_write(&mut self, key: &str) {
        if let Some(at) = self.concurrent.iter().position(|(k, _)| k == key) {
            let (key, json) = self.concurrent.remove(at);
            self.write(&key, &json, None);
        }
    }

    fn is_as_expected(&self, key: &str, expected: Expected) -> bool {
        let current = self.entries.get(key).map(|stored| stored.version);
        match expected {
            Expected::Absent => current.is_none(),
            Expected::Version(version) => current == Some(version),
        }
    }

    fn write(&mut self, key: &str, json: &str, expires_at: Option<u64>) -> u64 {
        self.last_version += 1;
        self.store(key, json, self.last_version, expires_at);
        self.last_version
    }

    /// Stores `json` under `key` at `version`, now: a key already present
    /// keeps its `created_at` (expired ones are gone already).
    fn store(&mut self, key: &str, json: &str, version: u64, expires_at: Option<u64>) {
        let now = self.now;
        let created_at = self
            .entries
            .get(key)
            .map_or(now, |stored| stored.created_at);
        self.entries.insert(
            key.to_owned(),
            Stored {
                json: json.to_owned(),
                version,
                created_at,
                updated_at: now,
                expires_at,
            },
        );
    }

    /// Bytes stored: keys plus values, secrets included, as the host counts.
    fn bytes_used(&self) -> u64 {
        let entries = self.entries.iter().map(|(k, s)| k.len() + s.json.len());
        let secrets = self.secrets.iter().map(|(k, v)| k.len() + v.len());
        entries.chain(secrets).map(|n| n as u64).sum()
    }

    /// Refuses a write of `json` under `key` (replacing a value of
    /// `replaced` bytes, if any) that would go over the quota.
    fn check_quota(
        &self,
        key: &str,
        json: &str,
        replaced: Option<usize>,
    ) -> Result<(), StorageError> {
        let Some(limit) = self.max_total_bytes else {
            return Ok(());
        };
        let freed = replaced.map_or(0, |bytes| (key.len() + bytes) as u64);
        let would_use = self.bytes_used() - freed + (key.len() + json.len()) as u64;
        if would_use > limit {
            return Err(StorageError::QuotaExceeded(format!(
                "the installation's storage would hold {would_use} bytes, over its {limit}-byte limit"
            )));
        }
        Ok(())
    }
}

/// A transaction's rules as a whole, as the host's: at least one operation,
/// at most [`MAX_TRANSACTION_OPERATIONS`], each key once, at most
/// [`MAX_TRANSACTION_BYTES`] of values.
fn check_transaction(operations: &[RawOperation]) -> Result<(), StorageError> {
    let invalid = |rule: String| Err(StorageError::InvalidTransaction(rule));
    if operations.is_empty() {
        return invalid("the transaction has no operation".into());
    }
    if operations.len() > MAX_TRANSACTION_OPERATIONS {
        return invalid(format!(
            "the transaction has {} operations, over the limit of {MAX_TRANSACTION_OPERATIONS}",
            operations.len()
        ));
    }
    for (second, operation) in operations.iter().enumerate() {
        if let Some(first) = operations[..second]
            .iter()
            .position(|earlier| earlier.key == operation.key)
        {
            return invalid(format!(
                "operations {first} and {second} name the same key; a transaction names each key once"
            ));
        }
    }
    let bytes: usize = operations
        .iter()
        .map(|operation| match &operation.action {
            RawAction::Set(json) | RawAction::SetExpiring(RawExpiring { value: json, .. }) => {
                json.len()
            }
            RawAction::Delete | RawAction::Check => 0,
        })
        .sum();
    if bytes > MAX_TRANSACTION_BYTES {
        return invalid(format!(
            "the transaction's values hold {bytes} bytes, over the limit of {MAX_TRANSACTION_BYTES}"
        ));
    }
    Ok(())
}

fn check_key(key: &str) -> Result<(), StorageError> {
    if key.is_empty() {
        return Err(StorageError::InvalidKey("the key is empty".into()));
    }
    if key.chars().all(char::is_whitespace) {
        return Err(StorageError::InvalidKey(
            "the key is only whitespace".into(),
        ));
    }
    check_prefix(key)
}

fn check_prefix(prefix: &str) -> Result<(), StorageError> {
    if prefix.contains('\0') {
        return Err(StorageError::InvalidKey(
            "the key contains a NUL character".into(),
        ));
    }
    let chars = prefix.chars().count();
    if chars > MAX_KEY_CHARS {
        return Err(StorageError::InvalidKey(format!(
            "the key is {chars} characters long, over the {MAX_KEY_CHARS}-character limit"
        )));
    }
    Ok(())
}

fn check_value(json: &str) -> Result<(), StorageError> {
    if json.len() > MAX_VALUE_BYTES {
        return Err(StorageError::InvalidValue(format!(
            "the value is {} bytes, over the {MAX_VALUE_BYTES}-byte limit",
            json.len()
        )));
    }
    let value: serde_json::Value = serde_json::from_str(json)
        .map_err(|_| StorageError::InvalidValue("the value is not JSON".into()))?;
    if depth(&value) > MAX_DEPTH {
        return Err(StorageError::InvalidValue(format!(
            "the value is nested deeper than {MAX_DEPTH} levels"
        )));
    }
    Ok(())
}

/// Nesting depth: a scalar is 0, `{"a":1}` and `[1]` are 1.
fn depth(value: &serde_json::Value) -> usize {
    match value {
        serde_json::Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        serde_json::Value::Object(fields) => 1 + fields.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn cursor_after(key: &str) -> String {
    let hex: String = key.bytes().map(|byte| format!("{byte:02x}")).collect();
    format!("{CURSOR_TAG}{hex}")
}

fn parse_cursor(cursor: &str) -> Result<String, StorageError> {
    let hex = cursor
        .strip_prefix(CURSOR_TAG)
        .ok_or(StorageError::InvalidCursor)?;
    if hex.is_empty() || hex.len() % 2 != 0 || hex.len() > MAX_KEY_CHARS * 4 * 2 {
        return Err(StorageError::InvalidCursor);
    }
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(hex.get(at..at + 2).unwrap_or("-"), 16))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|_| StorageError::InvalidCursor)?;
    String::from_utf8(bytes).map_err(|_| StorageError::InvalidCursor)
}

/// The fake app storage of a [`Fake`](super::Fake): one installation's.
pub struct StorageFake<'a> {
    state: &'a Shared,
}

impl<'a> StorageFake<'a> {
    pub(super) fn new(state: &'a Shared) -> Self {
        StorageFake { state }
    }

    /// Stores `value` under `key` before the app runs (or between calls), as
    /// an earlier invocation would have; returns its version.
    ///
    /// # Panics
    /// If the key or value breaks the storage rules: a mistake in the test.
    pub fn set<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> u64 {
        let json = to_json(value);
        storage_at_now(&mut self.state.borrow_mut())
            .set(key, &json)
            .unwrap_or_else(|error| panic!("kiln_sdk::testing: cannot seed {key:?}: {error}"))
    }

    /// Stores `value` under `key` until `ttl` from the fake's
    /// [`now`](super::Fake::now), as an earlier invocation's
    /// [`set_expiring`](crate::storage::set_expiring) would have; returns its
    /// version. [`Fake::advance`](super::Fake::advance) past it and it is gone.
    ///
    /// # Panics
    /// If the key, value or time to live breaks the storage rules.
    pub fn set_expiring<T: Serialize + ?Sized>(&self, key: &str, value: &T, ttl: Duration) -> u64 {
        let json = to_json(value);
        storage_at_now(&mut self.state.borrow_mut())
            .set_expiring(key, &json, crate::storage::ttl_seconds(ttl))
            .unwrap_or_else(|error| panic!("kiln_sdk::testing: cannot seed {key:?}: {error}"))
    }

    /// The entry under `key` with its version and metadata (created, updated,
    /// expires), parsed as `T`, as [`storage::get_entry`](crate::storage::get_entry)
    /// would return it now.
    ///
    /// # Panics
    /// If the stored value is not a `T`.
    pub fn entry<T: DeserializeOwned>(&self, key: &str) -> Option<Entry<T>> {
        let raw = storage_at_now(&mut self.state.borrow_mut())
            .entries
            .get(key)
            .map(|stored| stored.raw(key))?;
        Some(Entry {
            value: from_json(key, &raw.value),
            key: raw.key,
            version: raw.version,
            created_at: crate::storage::time_of(raw.created_at),
            updated_at: crate::storage::time_of(raw.updated_at),
            expires_at: raw.expires_at.map(crate::storage::time_of),
        })
    }

    /// Bounds the time to live of [`set_expiring`](crate::storage::set_expiring)
    /// (default [`MAX_TTL`]); longer is [`StorageError::InvalidValue`], as
    /// the host's bound.
    pub fn max_ttl(&self, max: Duration) {
        self.state.borrow_mut().storage.max_ttl = Some(max);
    }

    /// The value under `key`, parsed as `T` (`serde_json::Value` for any).
    ///
    /// # Panics
    /// If the stored value is not a `T`: the test asked for the wrong type.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        let json = storage_at_now(&mut self.state.borrow_mut())
            .entries
            .get(key)
            .map(|stored| stored.json.clone())?;
        Some(from_json(key, &json))
    }

    /// The version of the last write of `key`, if it exists.
    pub fn version(&self, key: &str) -> Option<u64> {
        storage_at_now(&mut self.state.borrow_mut())
            .entries
            .get(key)
            .map(|stored| stored.version)
    }

    /// Every key and value (secrets excluded), in key order.
    pub fn entries(&self) -> BTreeMap<String, serde_json::Value> {
        storage_at_now(&mut self.state.borrow_mut())
            .entries
            .iter()
            .map(|(key, stored)| (key.clone(), from_json(key, &stored.json)))
            .collect()
    }

    /// Removes `key`.
    pub fn delete(&self, key: &str) {
        self.state.borrow_mut().storage.entries.remove(key);
    }

    /// Stores a secret before the app runs.
    ///
    /// # Panics
    /// If the key or value breaks the storage rules.
    pub fn set_secret<T: Serialize + ?Sized>(&self, key: &str, value: &T) {
        let json = to_json(value);
        storage_at_now(&mut self.state.borrow_mut())
            .set_secret(key, &json)
            .unwrap_or_else(|error| {
                panic!("kiln_sdk::testing: cannot seed secret {key:?}: {error}")
            });
    }

    /// The secret under `key`, parsed as `T`.
    pub fn secret<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        let json = self.state.borrow().storage.secrets.get(key).cloned()?;
        Some(from_json(key, &json))
    }

    /// Refuses every storage call of the app with
    /// [`StorageError::ScopeDenied`], as the host does when the manifest does
    /// not declare `storage:app`.
    pub fn deny(&self) {
        self.state.borrow_mut().storage.denied = true;
    }

    /// Fails the app's next storage call with `error` (calls after it succeed
    /// again; call this several times to fail several): a quota, an
    /// unavailable backend, ...
    pub fn fail_next(&self, error: StorageError) {
        self.state.borrow_mut().storage.failures.push_back(error);
    }

    /// Caps the bytes the installation stores (keys plus values, secrets
    /// included); a write that would go over fails with
    /// [`StorageError::QuotaExceeded`], as the host's quota does.
    pub fn max_total_bytes(&self, limit: u64) {
        self.state.borrow_mut().storage.max_total_bytes = Some(limit);
    }

    /// Simulates another invocation storing `value` under `key` just before
    /// the app's next compare-and-set of that key, so that compare-and-set
    /// finds a newer version than the app read: the race that
    /// [`storage::update`](crate::storage::update) retries.
    pub fn concurrent_write<T: Serialize + ?Sized>(&self, key: &str, value: &T) {
        let json = to_json(value);
        self.state
            .borrow_mut()
            .storage
            .concurrent
            .push((key.to_owned(), json));
    }
}

fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value)
        .unwrap_or_else(|error| panic!("kiln_sdk::testing: the value does not serialise: {error}"))
}

fn from_json<T: DeserializeOwned>(key: &str, json: &str) -> T {
    serde_json::from_str(json).unwrap_or_else(|error| {
        panic!(
            "kiln_sdk::testing: the value under {key:?} is not a {}: {error}",
            std::any::type_name::<T>()
        )
    })
}
