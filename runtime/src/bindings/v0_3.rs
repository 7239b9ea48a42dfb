//! Host bindings for `kiln:app@0.3.0` (`wit/0.3.0`): 0.2.0 plus
//! `storage.transact`, Forge's `kvs.transact()`.
//!
//! The shared shapes convert to the host's own through [`super::shapes`], as
//! 0.2.0's do. Storage answers are built in 0.3.0's shapes
//! ([`crate::storage::session`]); 0.2.0's storage is 0.3.0's without
//! transactions, so its answers are converted from these ones below.

wasmtime::component::bindgen!({
    path: "../wit/0.3.0",
    world: "app",
    imports: {
        "kiln:app/jira": async,
        "kiln:app/storage": async,
    },
    exports: { default: async },
});

pub use kiln::app::storage::{
    Action, Entry, Expected, Operation, Page, StorageError, TransactOutcome,
};
pub use kiln::app::types::{
    AppError, Context, Level, Method, Principal, Request, RequestError, Response, ScopeDenied,
    TriggerKind,
};

use super::{v0_1, v0_2};

super::shapes::same_shapes_as_v0_1!();
super::shapes::app_error_and_trigger_as_v0_1!();

impl From<v0_2::Expected> for Expected {
    fn from(expected: v0_2::Expected) -> Self {
        match expected {
            v0_2::Expected::Absent => Expected::Absent,
            v0_2::Expected::Version(version) => Expected::Version(version),
        }
    }
}

impl From<Entry> for v0_2::Entry {
    fn from(entry: Entry) -> Self {
        let Entry {
            key,
            value,
            version,
        } = entry;
        v0_2::Entry {
            key,
            value,
            version,
        }
    }
}

impl From<Page> for v0_2::Page {
    fn from(page: Page) -> Self {
        let Page {
            entries,
            next_cursor,
        } = page;
        v0_2::Page {
            entries: entries.into_iter().map(Into::into).collect(),
            next_cursor,
        }
    }
}

impl From<StorageError> for v0_2::StorageError {
    fn from(error: StorageError) -> Self {
        use v0_2::StorageError as Old;
        match error {
            StorageError::ScopeDenied => Old::ScopeDenied,
            StorageError::InvalidKey(text) => Old::InvalidKey(text),
            StorageError::InvalidValue(text) => Old::InvalidValue(text),
            StorageError::InvalidCursor => Old::InvalidCursor,
            StorageError::InvalidLimit(limit) => Old::InvalidLimit(limit),
            StorageError::QuotaExceeded(text) => Old::QuotaExceeded(text),
            StorageError::Unavailable(text) => Old::Unavailable(text),
            // Only `transact` answers this, and 0.2.0 has no `transact`; were
            // another call ever to, 0.2.0's nearest case keeps the sentence.
            StorageError::InvalidTransaction(text) => Old::Unavailable(text),
        }
    }
}
