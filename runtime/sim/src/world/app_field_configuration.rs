//! What a Forge app keeps on the contexts of its own custom fields: the
//! *contextual configuration* of `GET`/`PUT
//! /rest/api/3/app/field/{fieldIdOrKey}/context/configuration`
//! (`platform/app_field_configuration.rs`).
//!
//! Jira gives each context of a field one configuration, which holds two
//! free JSON values the app sets: `configuration` (the settings its context
//! configuration UI saved) and `schema` (a JSON schema for the field's
//! values). Both start absent. The simulator keeps them on the context
//! ([`super::field_context::ContextRecord::app_configuration`]), so a context
//! deleted takes its configuration with it, and names the configuration by
//! its context's id: the spec gives the two ids separately
//! (`ContextualConfiguration.id`, `fieldContextId`) but says nothing of how
//! they relate, and one configuration per context needs no second numbering.

use serde_json::Value;

/// Longest `configuration` and longest `schema`, each in characters of its
/// JSON: the bound the simulator puts on an app's other blobs on the site (an
/// app property's value, an object field's value), so one request cannot
/// grow a context without end.
pub(crate) const MAX_CONFIGURATION_CHARS: usize = 32_768;

/// A context's configuration as its app last set it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct AppConfiguration {
    /// `configuration`; `None` when the app set none (or `null`).
    pub(crate) configuration: Option<Value>,
    /// `schema`; `None` when the app set none (or `null`).
    pub(crate) schema: Option<Value>,
}
