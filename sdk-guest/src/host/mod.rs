//! The one seam between the SDK and everything outside the app.
//!
//! Every call the SDK makes to the host goes through the [`Host`] trait,
//! implemented twice:
//! - on `wasm32` by [`wit::WitHost`], which calls the `kiln:app@0.5.0`
//!   imports and does nothing else;
//! - on every other target (an app's `cargo test` on the developer's machine)
//!   by [`crate::testing`]'s in-memory fakes, which the test programs.
//!
//! The choice is `cfg(target_arch = "wasm32")`, not a cargo feature, so an
//! app's unit tests get the fakes without any setting, and a component can
//! never be built with them. Above this seam the SDK's code (request
//! building, serde, `update`'s retries) is the same on both targets, so a
//! unit test exercises what ships.
//!
//! Egress (`kiln_sdk::fetch`) uses the standard `wasi:http` imports on
//! `wasm32`, outside this world; its native twin is [`egress_send`].

use crate::events::{EventsError, JobStats, RawPushEvent};
use crate::log::Level;
use crate::raw::RawRequest;
use crate::sql::{SqlError, StatementKind};
use crate::storage::{Expected, RawEntry, RawOperation, RawPage, StorageError, TransactOutcome};
use crate::{RequestError, Response};

#[cfg(target_arch = "wasm32")]
mod wit;

#[cfg(target_arch = "wasm32")]
type Current = wit::WitHost;

#[cfg(not(target_arch = "wasm32"))]
type Current = crate::testing::FakeHost;

#[cfg(not(target_arch = "wasm32"))]
#[allow(
    unused_imports,
    reason = "the native door of kiln_sdk::fetch, which the egress work adds"
)]
pub(crate) use crate::testing::egress::send as egress_send;

/// What the host offers a guest, in the SDK's own types. One implementation
/// per side of the seam, so both must offer exactly this.
pub(crate) trait Host {
    fn request_jira(request: RawRequest) -> Result<Response, RequestError>;
    fn request_jira_all(requests: Vec<RawRequest>) -> Vec<Result<Response, RequestError>>;
    fn log(level: Level, message: &str);
    fn storage_get(key: &str) -> Result<Option<RawEntry>, StorageError>;
    fn storage_set(key: &str, value: &str) -> Result<u64, StorageError>;
    fn storage_set_expiring(key: &str, value: &str, ttl_seconds: u64) -> Result<u64, StorageError>;
    fn storage_delete(key: &str) -> Result<(), StorageError>;
    fn storage_query(
        prefix: &str,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> Result<RawPage, StorageError>;
    fn storage_compare_and_set(
        key: &str,
        expected: Expected,
        value: Option<&str>,
    ) -> Result<bool, StorageError>;
    fn storage_transact(operations: &[RawOperation]) -> Result<TransactOutcome, StorageError>;
    fn storage_get_secret(key: &str) -> Result<Option<String>, StorageError>;
    fn storage_set_secret(key: &str, value: &str) -> Result<(), StorageError>;
    fn storage_delete_secret(key: &str) -> Result<(), StorageError>;
    fn events_push(queue: &str, events: &[RawPushEvent]) -> Result<String, EventsError>;
    fn events_stats(queue: &str, job_id: &str) -> Result<JobStats, EventsError>;
    fn events_cancel(queue: &str, job_id: &str) -> Result<(), EventsError>;
    /// One Forge SQL statement; `params` is JSON text of an array, the
    /// answer JSON text of Forge SQL's `{"rows": ...}`.
    fn sql_execute(kind: StatementKind, query: &str, params: &str) -> Result<String, SqlError>;
}

pub(crate) fn request_jira(request: RawRequest) -> Result<Response, RequestError> {
    Current::request_jira(request)
}

pub(crate) fn request_jira_all(requests: Vec<RawRequest>) -> Vec<Result<Response, RequestError>> {
    Current::request_jira_all(requests)
}

pub(crate) fn log(level: Level, message: &str) {
    Current::log(level, message);
}

pub(crate) fn storage_get(key: &str) -> Result<Option<RawEntry>, StorageError> {
    Current::storage_get(key)
}

pub(crate) fn storage_set(key: &str, value: &str) -> Result<u64, StorageError> {
    Current::storage_set(key, value)
}

pub(crate) fn storage_set_expiring(
    key: &str,
    value: &str,
    ttl_seconds: u64,
) -> Result<u64, StorageError> {
    Current::storage_set_expiring(key, value, ttl_seconds)
}

pub(crate) fn storage_delete(key: &str) -> Result<(), StorageError> {
    Current::storage_delete(key)
}

pub(crate) fn storage_query(
    prefix: &str,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<RawPage, StorageError> {
    Current::storage_query(prefix, cursor, limit)
}

pub(crate) fn storage_compare_and_set(
    key: &str,
    expected: Expected,
    value: Option<&str>,
) -> Result<bool, StorageError> {
    Current::storage_compare_and_set(key, expected, value)
}

pub(crate) fn storage_transact(
    operations: &[RawOperation],
) -> Result<TransactOutcome, StorageError> {
    Current::storage_transact(operations)
}

pub(crate) fn storage_get_secret(key: &str) -> Result<Option<String>, StorageError> {
    Current::storage_get_secret(key)
}

pub(crate) fn storage_set_secret(key: &str, value: &str) -> Result<(), StorageError> {
    Current::storage_set_secret(key, value)
}

pub(crate) fn storage_delete_secret(key: &str) -> Result<(), StorageError> {
    Current::storage_delete_secret(key)
}

pub(crate) fn events_push(queue: &str, events: &[RawPushEvent]) -> Result<String, EventsError> {
    Current::events_push(queue, events)
}

pub(crate) fn events_stats(queue: &str, job_id: &str) -> Result<JobStats, EventsError> {
    Current::events_stats(queue, job_id)
}

pub(crate) fn events_cancel(queue: &str, job_id: &str) -> Result<(), EventsError> {
    Current::events_cancel(queue, job_id)
}

pub(crate) fn sql_execute(
    kind: StatementKind,
    query: &str,
    params: &str,
) -> Result<String, SqlError> {
    Current::sql_execute(kind, query, params)
}
