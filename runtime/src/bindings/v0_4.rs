//! Host bindings for `kiln:app@0.4.0` (`wit/0.4.0`): 0.3.0 plus Forge's
//! async events (`events`, `trigger-kind.queue-event`, `app-error.retry`),
//! expiring storage values and entry metadata.
//!
//! The shapes 0.4.0 shares with 0.1.0 convert through [`super::shapes`].
//! Storage answers are built in 0.4.0's shapes
//! ([`crate::storage::session`]) and converted below for 0.3.0, whose
//! storage is 0.4.0's without expiry and metadata (0.2.0's answers go
//! through 0.3.0's).

wasmtime::component::bindgen!({
    path: "../wit/0.4.0",
    world: "app",
    imports: {
        "kiln:app/jira": async,
        "kiln:app/storage": async,
        "kiln:app/events": async,
    },
    exports: { default: async },
});

pub use kiln::app::events::{EventsError, JobStats, PushEvent};
pub use kiln::app::storage::{
    Action, Entry, Expected, ExpiringValue, Operation, Page, StorageError, TransactOutcome,
};
pub use kiln::app::types::{
    AppError, Context, Level, Method, Principal, Request, RequestError, Response, RetryRequest,
    ScopeDenied, TriggerKind,
};

use super::{v0_1, v0_3};

super::shapes::same_shapes_as_v0_1!();

super::shapes::app_error_and_trigger_from_v0_4!();

// 0.3.0's storage, from 0.4.0's.

impl From<v0_3::Expected> for Expected {
    fn from(expected: v0_3::Expected) -> Self {
        match expected {
            v0_3::Expected::Absent => Expected::Absent,
            v0_3::Expected::Version(version) => Expected::Version(version),
        }
    }
}

impl From<v0_3::Operation> for Operation {
    fn from(operation: v0_3::Operation) -> Self {
        let v0_3::Operation {
            key,
            action,
            expected,
        } = operation;
        let action = match action {
            v0_3::Action::Set(value) => Action::Set(value),
            v0_3::Action::Delete => Action::Delete,
            v0_3::Action::Check => Action::Check,
        };
        Operation {
            key,
            action,
            expected: expected.map(Into::into),
        }
    }
}

impl From<Entry> for v0_3::Entry {
    fn from(entry: Entry) -> Self {
        // 0.3.0 has no metadata: an app built for it never asked for it.
        let Entry {
            key,
            value,
            version,
            created_at: _,
            updated_at: _,
            expires_at: _,
        } = entry;
        v0_3::Entry {
            key,
            value,
            version,
        }
    }
}

impl From<Page> for v0_3::Page {
    fn from(page: Page) -> Self {
        let Page {
            entries,
            next_cursor,
        } = page;
        v0_3::Page {
            entries: entries.into_iter().map(Into::into).collect(),
            next_cursor,
        }
    }
}

impl From<TransactOutcome> for v0_3::TransactOutcome {
    fn from(outcome: TransactOutcome) -> Self {
        match outcome {
            TransactOutcome::Committed(version) => v0_3::TransactOutcome::Committed(version),
            TransactOutcome::ConditionFailed(index) => {
                v0_3::TransactOutcome::ConditionFailed(index)
            }
        }
    }
}

impl From<StorageError> for v0_3::StorageError {
    fn from(error: StorageError) -> Self {
        use v0_3::StorageError as Old;
        match error {
            StorageError::ScopeDenied => Old::ScopeDenied,
            StorageError::InvalidKey(text) => Old::InvalidKey(text),
            StorageError::InvalidValue(text) => Old::InvalidValue(text),
            StorageError::InvalidCursor => Old::InvalidCursor,
            StorageError::InvalidLimit(limit) => Old::InvalidLimit(limit),
            StorageError::QuotaExceeded(text) => Old::QuotaExceeded(text),
            StorageError::Unavailable(text) => Old::Unavailable(text),
            StorageError::InvalidTransaction(text) => Old::InvalidTransaction(text),
        }
    }
}
