//! The real host: the `kiln:app@0.5.0` imports, converted to and from the
//! SDK's types (the conversions live in `convert.rs`).

use super::Host;
use crate::bindings::kiln::app::{events, jira, log, sql, storage};
use crate::events::{EventsError, JobStats, RawPushEvent};
use crate::log::Level;
use crate::raw::RawRequest;
use crate::sql::{SqlError, StatementKind};
use crate::storage::{Expected, RawEntry, RawOperation, RawPage, StorageError, TransactOutcome};
use crate::{RequestError, Response};

pub(crate) struct WitHost;

impl Host for WitHost {
    fn request_jira(request: RawRequest) -> Result<Response, RequestError> {
        jira::request_jira(&request.into())
            .map(Response::from)
            .map_err(RequestError::from)
    }

    fn request_jira_all(requests: Vec<RawRequest>) -> Vec<Result<Response, RequestError>> {
        let requests: Vec<_> = requests.into_iter().map(Into::into).collect();
        jira::request_jira_all(&requests)
            .into_iter()
            .map(|outcome| outcome.map(Response::from).map_err(RequestError::from))
            .collect()
    }

    fn log(level: Level, message: &str) {
        log::log(level.into(), message);
    }

    fn storage_get(key: &str) -> Result<Option<RawEntry>, StorageError> {
        storage::get(key)
            .map(|entry| entry.map(RawEntry::from))
            .map_err(StorageError::from)
    }

    fn storage_set(key: &str, value: &str) -> Result<u64, StorageError> {
        storage::set(key, value).map_err(StorageError::from)
    }

    fn storage_set_expiring(key: &str, value: &str, ttl_seconds: u64) -> Result<u64, StorageError> {
        storage::set_expiring(key, value, ttl_seconds).map_err(StorageError::from)
    }

    fn storage_delete(key: &str) -> Result<(), StorageError> {
        storage::delete(key).map_err(StorageError::from)
    }

    fn storage_query(
        prefix: &str,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> Result<RawPage, StorageError> {
        storage::query(prefix, cursor, limit)
            .map(RawPage::from)
            .map_err(StorageError::from)
    }

    fn storage_compare_and_set(
        key: &str,
        expected: Expected,
        value: Option<&str>,
    ) -> Result<bool, StorageError> {
        storage::compare_and_set(key, expected.into(), value).map_err(StorageError::from)
    }

    fn storage_transact(operations: &[RawOperation]) -> Result<TransactOutcome, StorageError> {
        let operations: Vec<storage::Operation> =
            operations.iter().cloned().map(Into::into).collect();
        storage::transact(&operations)
            .map(TransactOutcome::from)
            .map_err(StorageError::from)
    }

    fn storage_get_secret(key: &str) -> Result<Option<String>, StorageError> {
        storage::get_secret(key).map_err(StorageError::from)
    }

    fn storage_set_secret(key: &str, value: &str) -> Result<(), StorageError> {
        storage::set_secret(key, value).map_err(StorageError::from)
    }

    fn storage_delete_secret(key: &str) -> Result<(), StorageError> {
        storage::delete_secret(key).map_err(StorageError::from)
    }

    fn events_push(queue: &str, pushed: &[RawPushEvent]) -> Result<String, EventsError> {
        let pushed: Vec<events::PushEvent> = pushed.iter().cloned().map(Into::into).collect();
        events::push(queue, &pushed).map_err(EventsError::from)
    }

    fn events_stats(queue: &str, job_id: &str) -> Result<JobStats, EventsError> {
        events::stats(queue, job_id)
            .map(JobStats::from)
            .map_err(EventsError::from)
    }

    fn events_cancel(queue: &str, job_id: &str) -> Result<(), EventsError> {
        events::cancel(queue, job_id).map_err(EventsError::from)
    }

    fn sql_execute(kind: StatementKind, query: &str, params: &str) -> Result<String, SqlError> {
        sql::execute(kind.into(), query, params).map_err(SqlError::from)
    }
}
