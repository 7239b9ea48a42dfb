//! Host bindings for `kiln:app@0.5.0` (`wit/0.5.0`): 0.4.0 plus Forge SQL
//! (`sql`).
//!
//! Every interface 0.5.0 shares with 0.4.0 has the same shapes; they convert
//! to and from 0.4.0's here, so the host's storage and events sessions keep
//! answering in one set of shapes.

wasmtime::component::bindgen!({
    path: "../wit/0.5.0",
    world: "app",
    imports: {
        "kiln:app/jira": async,
        "kiln:app/storage": async,
        "kiln:app/events": async,
        "kiln:app/sql": async,
    },
    exports: { default: async },
});

pub use kiln::app::events::{EventsError, JobStats, PushEvent};
pub use kiln::app::sql::{SqlError, SqlErrorCode, StatementKind};
pub use kiln::app::storage::{
    Action, Entry, Expected, ExpiringValue, Operation, Page, StorageError, TransactOutcome,
};
pub use kiln::app::types::{
    AppError, Context, Level, Method, Principal, Request, RequestError, Response, RetryRequest,
    ScopeDenied, TriggerKind,
};

use super::{v0_1, v0_4};

super::shapes::same_shapes_as_v0_1!();

super::shapes::app_error_and_trigger_from_v0_4!();

// Storage and events: 0.4.0's shapes, field for field.

impl From<Expected> for v0_4::Expected {
    fn from(expected: Expected) -> Self {
        match expected {
            Expected::Absent => v0_4::Expected::Absent,
            Expected::Version(version) => v0_4::Expected::Version(version),
        }
    }
}

impl From<Operation> for v0_4::Operation {
    fn from(operation: Operation) -> Self {
        let Operation {
            key,
            action,
            expected,
        } = operation;
        let action = match action {
            Action::Set(value) => v0_4::Action::Set(value),
            Action::SetExpiring(ExpiringValue { value, ttl_seconds }) => {
                v0_4::Action::SetExpiring(v0_4::ExpiringValue { value, ttl_seconds })
            }
            Action::Delete => v0_4::Action::Delete,
            Action::Check => v0_4::Action::Check,
        };
        v0_4::Operation {
            key,
            action,
            expected: expected.map(Into::into),
        }
    }
}

impl From<v0_4::Entry> for Entry {
    fn from(entry: v0_4::Entry) -> Self {
        let v0_4::Entry {
            key,
            value,
            version,
            created_at,
            updated_at,
            expires_at,
        } = entry;
        Entry {
            key,
            value,
            version,
            created_at,
            updated_at,
            expires_at,
        }
    }
}

impl From<v0_4::Page> for Page {
    fn from(page: v0_4::Page) -> Self {
        let v0_4::Page {
            entries,
            next_cursor,
        } = page;
        Page {
            entries: entries.into_iter().map(Into::into).collect(),
            next_cursor,
        }
    }
}

impl From<v0_4::TransactOutcome> for TransactOutcome {
    fn from(outcome: v0_4::TransactOutcome) -> Self {
        match outcome {
            v0_4::TransactOutcome::Committed(version) => TransactOutcome::Committed(version),
            v0_4::TransactOutcome::ConditionFailed(index) => {
                TransactOutcome::ConditionFailed(index)
            }
        }
    }
}

impl From<v0_4::StorageError> for StorageError {
    fn from(error: v0_4::StorageError) -> Self {
        use v0_4::StorageError as Old;
        match error {
            Old::ScopeDenied => StorageError::ScopeDenied,
            Old::InvalidKey(text) => StorageError::InvalidKey(text),
            Old::InvalidValue(text) => StorageError::InvalidValue(text),
            Old::InvalidCursor => StorageError::InvalidCursor,
            Old::InvalidLimit(limit) => StorageError::InvalidLimit(limit),
            Old::QuotaExceeded(text) => StorageError::QuotaExceeded(text),
            Old::Unavailable(text) => StorageError::Unavailable(text),
            Old::InvalidTransaction(text) => StorageError::InvalidTransaction(text),
        }
    }
}

impl From<PushEvent> for v0_4::PushEvent {
    fn from(event: PushEvent) -> Self {
        let PushEvent {
            body,
            delay_seconds,
        } = event;
        v0_4::PushEvent {
            body,
            delay_seconds,
        }
    }
}

impl From<v0_4::JobStats> for JobStats {
    fn from(stats: v0_4::JobStats) -> Self {
        let v0_4::JobStats {
            success,
            in_progress,
            failed,
        } = stats;
        JobStats {
            success,
            in_progress,
            failed,
        }
    }
}

impl From<v0_4::EventsError> for EventsError {
    fn from(error: v0_4::EventsError) -> Self {
        use v0_4::EventsError as Old;
        match error {
            Old::UnknownQueue(text) => EventsError::UnknownQueue(text),
            Old::InvalidQueueName => EventsError::InvalidQueueName,
            Old::InvalidEvent(text) => EventsError::InvalidEvent(text),
            Old::TooManyEvents(count) => EventsError::TooManyEvents(count),
            Old::PayloadTooLarge(text) => EventsError::PayloadTooLarge(text),
            Old::InvocationLimitReached => EventsError::InvocationLimitReached,
            Old::RateLimited(seconds) => EventsError::RateLimited(seconds),
            Old::UnknownJob => EventsError::UnknownJob,
            Old::Unavailable(text) => EventsError::Unavailable(text),
        }
    }
}

// Forge SQL: the engine's errors in the world's shape.

impl From<kiln_state::forge_sql::ForgeSqlError> for SqlError {
    fn from(error: kiln_state::forge_sql::ForgeSqlError) -> Self {
        use kiln_state::forge_sql::ForgeSqlCode;
        let code = match error.code {
            ForgeSqlCode::InvalidSqlQuery => SqlErrorCode::InvalidSqlQuery,
            ForgeSqlCode::SqlExecutionError => SqlErrorCode::SqlExecutionError,
            ForgeSqlCode::QueryTimedOut => SqlErrorCode::QueryTimedOut,
            ForgeSqlCode::UnknownError => SqlErrorCode::UnknownError,
        };
        SqlError {
            code,
            message: error.message,
        }
    }
}
