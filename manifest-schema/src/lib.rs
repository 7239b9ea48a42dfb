//! Kiln's app manifest and its route → scope catalogue.
//!
//! - [`Manifest`]: a parsed, validated `manifest.yml` ([`Manifest::load`]).
//! - [`catalogue()`]: every Jira route an app may call, with the OAuth scope
//!   alternatives that open it; [`DeclaredScopes::allows`] decides.

pub mod catalogue;
mod error;
pub mod manifest;
mod suggest;
pub mod yaml;

pub use catalogue::{
    Access, Catalogue, DeclaredScopes, Method, Product, Route, Scope, ScopeDecision, UnknownScope,
    UnsupportedMethod, catalogue,
};
pub use error::{ManifestError, ManifestErrorKind};
pub use manifest::{
    App, Backend, BackendError, Collection, CustomFieldModule, CustomFieldType, EgressAllowlist,
    EgressScheme, EntityPropertyModule, EntityType, EventFilter, External,
    FORGE_LONG_TIMEOUT_SECONDS, Fetch, FunctionModule, HostPattern, IndexedValue, IndexedValueType,
    Interval, MAX_CUSTOM_FIELD_DESCRIPTION_CHARS, MAX_CUSTOM_FIELD_MODULES,
    MAX_CUSTOM_FIELD_NAME_CHARS, MAX_ENTITY_PROPERTY_MODULES, MAX_ENTITY_PROPERTY_VALUES,
    MAX_MANIFEST_BYTES, Manifest, ManifestWarning, MemoryGivenTwice, MemoryKey, Modules,
    NOT_SERVED_FORGE_MODULES, NotActedOn, Permissions, PreUninstallModule, ProductEvent,
    RuntimeLimits, RuntimeLimitsAsWritten, ScheduledTriggerFilter, ScheduledTriggerModule,
    SqlEngine, SqlModule, StaticOutput, TriggerFilter, TriggerModule, UnknownEvent,
    UnknownSubscription, UrlFormat, WebTriggerAuthentication, WebTriggerModule, WebTriggerRequest,
    WebTriggerResponse, WebTriggerResponseType, not_served_reason,
};
