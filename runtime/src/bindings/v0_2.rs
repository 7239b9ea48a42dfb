//! Host bindings for `kiln:app@0.2.0` (`wit/0.2.0`): 0.1.0 plus app storage,
//! `request-jira-all` and a richer context.
//!
//! Every import that waits on the host (Jira, storage) is async; none is
//! `trappable`, as in 0.1.0. The request, response and error records are the
//! same shapes as 0.1.0's, in another package version: the conversions of
//! [`super::shapes`] carry them to and from the host's own ([`super::v0_1`])
//! field by field, so `request-jira` has one implementation.

wasmtime::component::bindgen!({
    path: "../wit/0.2.0",
    world: "app",
    imports: {
        "kiln:app/jira": async,
        "kiln:app/storage": async,
    },
    exports: { default: async },
});

pub use kiln::app::storage::{Entry, Expected, Page, StorageError};
pub use kiln::app::types::{
    AppError, Context, Level, Method, Principal, Request, RequestError, Response, ScopeDenied,
    TriggerKind,
};

use super::v0_1;

super::shapes::same_shapes_as_v0_1!();
super::shapes::app_error_and_trigger_as_v0_1!();
