//! `manifest.yml`: the app's identity, limits, functions and declared scopes.
//!
//! Loading runs four gates, each reporting the field and line it rejects:
//! YAML syntax (with aliases, tags and deep nesting refused), serde (types,
//! unknown and missing fields, unknown scopes), Kiln's rules (ids, bounds,
//! uniqueness), and the published JSON Schema. What passes them and still
//! will never take effect (a trigger event Kiln does not know) is reported by
//! [`Manifest::warnings`], not refused, as Forge takes it.

pub mod custom_field;
pub mod egress;
pub mod entities;
pub mod entity_property;
pub mod events;
mod field_path;
pub mod forge;
pub mod jira_expression;
pub mod not_acted_on;
mod rules;
mod runtime_limits;
mod schema;
mod scopes;
pub(crate) mod source;
pub mod triggers;
pub mod variables;
pub mod warnings;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::catalogue::{DeclaredScopes, Scope};
use crate::error::{ManifestError, ManifestErrorKind};
use field_path::FieldPath;
pub(crate) use source::Position;
use source::{Anchor, Node};

pub use custom_field::{
    Collection, CustomFieldModule, CustomFieldType, MAX_CUSTOM_FIELD_DESCRIPTION_CHARS,
    MAX_CUSTOM_FIELD_MODULES, MAX_CUSTOM_FIELD_NAME_CHARS,
};

pub use entity_property::{
    EntityPropertyModule, EntityType, IndexedValue, IndexedValueType,
    MAX_ENTITY_PROPERTY_KEY_CHARS, MAX_ENTITY_PROPERTY_MODULES, MAX_ENTITY_PROPERTY_PATH_CHARS,
    MAX_ENTITY_PROPERTY_PATH_SEGMENTS, MAX_ENTITY_PROPERTY_VALUES, MAX_SEARCH_ALIAS_CHARS,
};

pub use egress::{
    Backend, BackendError, EgressAllowlist, EgressScheme, External, Fetch, HostPattern,
};
pub use entities::{AppStorage, Attribute, AttributeType, CustomIndex, Entity, Index};
pub use events::{ProductEvent, UnknownEvent};
pub use forge::{
    Architecture, ConsumerModule, ConsumerResolver, ForgeRuntime, NOT_SERVED_FORGE_MODULES,
    UiModule, not_served_reason,
};
pub use jira_expression::{EvalError, JiraExpression, ParseError, ParseErrorKind};
pub use not_acted_on::NotActedOn;
pub use runtime_limits::*;
pub use schema::MANIFEST_SCHEMA;
pub use triggers::{
    EventFilter, Interval, OnError, PreUninstallModule, ScheduledTriggerFilter,
    ScheduledTriggerModule, StaticOutput, TriggerFilter, TriggerModule, UnknownSubscription,
    UrlFormat, WebTriggerAuthentication, WebTriggerModule, WebTriggerRequest, WebTriggerResponse,
    WebTriggerResponseType,
};
pub use warnings::ManifestWarning;

/// Largest manifest accepted. Threat: parser CPU and memory spent on a
/// multi-megabyte document; real manifests are a few hundred bytes.
pub const MAX_MANIFEST_BYTES: usize = 256 * 1024;

/// A validated `manifest.yml`.
///
/// Build it with [`Manifest::from_yaml`] or [`Manifest::load`]: deserializing it
/// directly with serde skips Kiln's rules and the schema (the derive exists so
/// a loaded manifest can be printed and round-tripped).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Manifest {
    pub app: App,
    pub modules: Modules,
    /// Absent means no scopes: every Jira route is refused.
    #[serde(default)]
    pub permissions: Permissions,
    /// Forge's static resources of UI modules (`key`, `path`): kept as
    /// written; Kiln serves no UI.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<serde_json::Value>,
    /// Forge Remote's backends: kept, never called ([`not_acted_on`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remotes: Option<serde_json::Value>,
    /// Forge's external authentication providers: kept, never used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub providers: Option<serde_json::Value>,
    /// Connect modules of a Connect-on-Forge app: kept, not served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_modules: Option<serde_json::Value>,
    /// Forge's manifest translations (`i18n`): kept, not applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translations: Option<serde_json::Value>,
}

/// `app:`: who the app is and what it may consume.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct App {
    /// `[a-z0-9][a-z0-9._:/-]{0,127}`, which also admits Forge ARIs.
    pub id: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Forge's app description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub runtime: RuntimeLimits,
    /// Forge's `app.storage`: custom entities (see [`entities`]).
    #[serde(default, skip_serializing_if = "AppStorage::is_empty")]
    pub storage: AppStorage,
    /// Forge's licensing: kept; Kiln does no licensing ([`not_acted_on`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licensing: Option<serde_json::Value>,
    /// Forge's app features (`autoUserConsent`, …): kept, not acted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features: Option<serde_json::Value>,
    /// Connect-on-Forge (`key`, `remote`, `authentication`): kept, not served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect: Option<serde_json::Value>,
    /// Forge's `compatibility` (the other Atlassian apps the app works
    /// with): kept, not acted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compatibility: Option<serde_json::Value>,
    /// Forge's `access` (who may use the app, EAP): kept, not acted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<serde_json::Value>,
    /// Forge's `package` (extra files in the deployed bundle): kept, not
    /// acted on; Kiln's build takes what the app's code imports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<serde_json::Value>,
}

/// `modules:`: lists keyed by module type, as in Forge. Every module key is
/// unique across all the lists.
///
/// Unknown module types are refused by validation, except Forge's product
/// (UI) modules (`jira:issuePanel`, …) and [`forge::NOT_SERVED_FORGE_MODULES`]
/// (`event`), kept in [`Modules::product`] (see [`forge`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Modules {
    /// At least one (checked by validation, so that a misspelt key is
    /// named rather than reported as a missing field); keys are unique.
    #[serde(default)]
    pub function: Vec<FunctionModule>,
    /// Product event triggers (Forge's `trigger`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trigger: Vec<TriggerModule>,
    /// HTTP entry points (Forge's `webtrigger`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub webtrigger: Vec<WebTriggerModule>,
    /// Periodic runs (Forge's `scheduledTrigger`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scheduled_trigger: Vec<ScheduledTriggerModule>,
    /// Forge's queue consumers: each runs its function for the events pushed to its queue.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consumer: Vec<ConsumerModule>,
    /// Forge's pre-uninstall triggers: run when the app is uninstalled from a site.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pre_uninstall: Vec<PreUninstallModule>,
    /// Forge SQL: declaring one gives the app its installation's database
    /// (`@forge/sql`, `kiln:app@0.5.0`'s `sql`); without it every statement
    /// answers `APP_NOT_ENABLED`, as on Forge.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sql: Vec<SqlModule>,
    /// Forge's custom fields (`jira:customField`): fields of the app's own
    /// on the site, which the embedded simulator creates ([`custom_field`]).
    #[serde(
        default,
        rename = "jira:customField",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub jira_custom_field: Vec<CustomFieldModule>,
    /// Forge's custom field types (`jira:customFieldType`): no field of their
    /// own, a type a Jira administrator creates fields of; each such field is
    /// the app's as a `jira:customField` is ([`custom_field`]). Declared with
    /// the same properties, so held in the same type.
    #[serde(
        default,
        rename = "jira:customFieldType",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub jira_custom_field_type: Vec<CustomFieldModule>,
    /// Forge's entity property indexes (`jira:entityProperty`): paths of an
    /// entity property Jira indexes for JQL, which the embedded simulator
    /// searches for issue properties ([`entity_property`]).
    #[serde(
        default,
        rename = "jira:entityProperty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub jira_entity_property: Vec<EntityPropertyModule>,
    /// Every other module type, as written: Forge's product (UI) modules
    /// and `event` modules, which validation admits, and anything else,
    /// which it refuses.
    #[serde(flatten)]
    pub product: BTreeMap<String, serde_json::Value>,
}

/// `modules.sql[]`: Forge SQL's database declaration. Forge provisions one
/// database per installation whatever the list holds; so does Kiln.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SqlModule {
    /// The module key, unique in the manifest.
    pub key: String,
    /// Forge's only engine.
    pub engine: SqlEngine,
}

/// `modules.sql[].engine`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SqlEngine {
    /// MySQL as TiDB speaks it: Forge SQL's dialect, and Kiln's.
    #[serde(rename = "mysql")]
    Mysql,
}

/// `modules.function[]`: a named entry point of the component.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FunctionModule {
    /// The module key (`[a-z0-9][a-z0-9-_]{0,63}`), unique in the manifest.
    pub key: String,
    /// The handler name the component dispatches on: Kiln's
    /// `[a-z_][a-z0-9_]{0,63}` or Forge's `file.export` (`index.run`).
    pub handler: String,
    /// Forge's `timeoutSeconds` (1-900): this function's wall-clock limit
    /// when a scheduled trigger or a queue consumer runs it, in place of
    /// `app.runtime`'s (the operator's cap still applies). As in Forge, it
    /// does not change other invocations of the function.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u32>,
    /// Forge's per-function `runtime` (`memoryMB`): kept, not acted on; the
    /// app's `app.runtime` memory limit applies to every function.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<serde_json::Value>,
    /// Forge's external authentication `providers` of the function: kept,
    /// not acted on (`withProvider` is not available on Kiln).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub providers: Option<serde_json::Value>,
    /// Forge's deployment details (`cleanup`, `outboundAuthContainerId`,
    /// `functions`), which its tooling writes: kept, not acted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cleanup: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbound_auth_container_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub functions: Option<serde_json::Value>,
}

impl FunctionModule {
    /// A function entry with only its key and handler, as Kiln's own
    /// manifests write it.
    pub fn new(key: impl Into<String>, handler: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            handler: handler.into(),
            timeout_seconds: None,
            runtime: None,
            providers: None,
            cleanup: None,
            outbound_auth_container_id: None,
            functions: None,
        }
    }
}

/// `permissions:`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "PermissionsAsWritten", into = "PermissionsAsWritten")]
pub struct Permissions {
    /// Kiln's catalogue scopes, without duplicates, in manifest order:
    /// what opens routes. Written as a list, or as Forge's map of scope to
    /// options (`allowImpersonation`, which Forge itself does not support yet
    /// and Kiln does not act on).
    pub scopes: Vec<Scope>,
    /// Scopes Forge's manifest accepts that Kiln's catalogue has no route
    /// for (Confluence's, JSM's own REST API, `report:personal-data`), in
    /// manifest order: kept, they open nothing ([`scopes`]).
    pub forge_scopes: Vec<String>,
    /// Third-party hosts the app may call through `wasi:http` (Forge's
    /// `permissions.external.fetch.backend`); see [`egress`].
    pub external: External,
    /// Forge's content security policy for a UI (`styles`, `scripts`):
    /// kept, grants nothing ([`not_acted_on`]).
    pub content: Option<serde_json::Value>,
    /// Forge's `enforcement` (how Forge checks the app's scopes): kept; Kiln
    /// checks every request against the declared scopes regardless.
    pub enforcement: Option<serde_json::Value>,
    /// Forge's `sandbox` (the UI iframe's sandbox flags): kept, grants
    /// nothing (Kiln serves no UI).
    pub sandbox: Option<serde_json::Value>,
}

/// `permissions:` as a manifest writes it.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PermissionsAsWritten {
    #[serde(
        default,
        deserialize_with = "scopes::deserialize",
        serialize_with = "serialize_scopes"
    )]
    scopes: scopes::DeclaredScopes,
    #[serde(default, skip_serializing_if = "External::is_empty")]
    external: External,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    content: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    enforcement: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sandbox: Option<serde_json::Value>,
}

/// The scopes as one list: Kiln's, then Forge's.
fn serialize_scopes<S: serde::Serializer>(
    scopes: &scopes::DeclaredScopes,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let names = scopes
        .kiln
        .iter()
        .map(|scope| scope.as_str())
        .chain(scopes.forge.iter().map(String::as_str));
    serializer.collect_seq(names)
}

impl From<PermissionsAsWritten> for Permissions {
    fn from(written: PermissionsAsWritten) -> Self {
        Permissions {
            scopes: written.scopes.kiln,
            forge_scopes: written.scopes.forge,
            external: written.external,
            content: written.content,
            enforcement: written.enforcement,
            sandbox: written.sandbox,
        }
    }
}

impl From<Permissions> for PermissionsAsWritten {
    fn from(permissions: Permissions) -> Self {
        PermissionsAsWritten {
            scopes: scopes::DeclaredScopes {
                kiln: permissions.scopes,
                forge: permissions.forge_scopes,
            },
            external: permissions.external,
            content: permissions.content,
            enforcement: permissions.enforcement,
            sandbox: permissions.sandbox,
        }
    }
}

impl Manifest {
    /// Parses and validates a manifest held in memory.
    pub fn from_yaml(source: &str) -> Result<Manifest, ManifestError> {
        if source.len() > MAX_MANIFEST_BYTES {
            return Err(too_large());
        }
        let (mut value, tree) = source::parse(source).map_err(|error| {
            ManifestError::new(ManifestErrorKind::Syntax, error.message).at(error.position)
        })?;

        if !value.is_object() {
            let message = "the manifest must be a mapping with `app`, `modules` and `permissions`";
            return Err(located(
                ManifestErrorKind::Invalid,
                &tree,
                &FieldPath::root(),
                Anchor::Value,
                message.into(),
            ));
        }

        // Forge's manifest variables, replaced before anything reads a value
        // (`variables.rs`: values only from `KILN_MANIFEST_VAR_<NAME>` or
        // the declared default).
        // A rule broken at a value: the variables' and Kiln's rules.
        let invalid = |violation: rules::Violation| {
            located(
                ManifestErrorKind::Invalid,
                &tree,
                &violation.path,
                Anchor::Value,
                violation.message,
            )
        };
        variables::substitute(&mut value, &|name| std::env::var(name).ok()).map_err(invalid)?;

        let manifest: Manifest = serde_path_to_error::deserialize(&value).map_err(|error| {
            let path = FieldPath::from_serde(error.path());
            let mut message = error.inner().to_string();
            if path.to_string() == "app" && message == "missing field `id`" {
                // Forge's CLI writes the id at `forge register`; public Forge apps are
                // often published without one.
                message.push_str(
                    ": give the app an id (`id: my-app`), or the ARI `forge register` \
                     wrote for a Forge app (`ari:cloud:ecosystem::app/<uuid>`); Kiln keeps the \
                     app's storage and approvals under it",
                );
            }
            // Unknown and missing fields belong to a key line, not a value.
            let about_a_key =
                message.starts_with("unknown field") || message.starts_with("missing field");
            let anchor = if about_a_key {
                Anchor::Key
            } else {
                Anchor::Value
            };
            located(ManifestErrorKind::Invalid, &tree, &path, anchor, message)
        })?;

        rules::check(&manifest).map_err(invalid)?;

        schema::validate(&value).map_err(|violation| {
            let anchor = if violation.message.contains("Additional properties") {
                Anchor::Key
            } else {
                Anchor::Value
            };
            located(
                ManifestErrorKind::Schema,
                &tree,
                &violation.path,
                anchor,
                violation.message,
            )
        })?;

        Ok(manifest)
    }

    /// Reads and validates `path`; every error names the file.
    pub fn load(path: &Path) -> Result<Manifest, ManifestError> {
        let source = read_capped(path).map_err(|error| error.in_file(path))?;
        Manifest::from_yaml(&source).map_err(|error| error.in_file(path))
    }

    /// The function module with this key. Every trigger's `function` names
    /// one (validation checks), so this is `Some` for those keys.
    pub fn function(&self, key: &str) -> Option<&FunctionModule> {
        self.modules
            .function
            .iter()
            .find(|function| function.key == key)
    }

    /// Forge's modules Kiln loads and lists but never serves (UI modules,
    /// and [`forge::NOT_SERVED_FORGE_MODULES`] such as `event`), in
    /// manifest order of type then entry.
    pub fn ui_modules(&self) -> Vec<UiModule> {
        self.modules
            .product
            .iter()
            .flat_map(|(module_type, entries)| {
                let entries = entries.as_array().map(Vec::as_slice).unwrap_or_default();
                entries.iter().map(move |entry| UiModule {
                    module_type: module_type.clone(),
                    key: entry.get("key").and_then(|k| k.as_str()).map(str::to_owned),
                })
            })
            .collect()
    }

    /// Forge's custom entities, in manifest order.
    pub fn entities(&self) -> &[Entity] {
        &self.app.storage.entities
    }

    /// Forge's custom fields (`jira:customField`), in manifest order.
    pub fn custom_fields(&self) -> &[CustomFieldModule] {
        &self.modules.jira_custom_field
    }

    /// Forge's custom field types (`jira:customFieldType`), in manifest
    /// order: the embedded simulator offers each for administrators to
    /// create fields of.
    pub fn custom_field_types(&self) -> &[CustomFieldModule] {
        &self.modules.jira_custom_field_type
    }

    /// Forge's entity property indexes (`jira:entityProperty`), in manifest
    /// order.
    pub fn entity_property_indexes(&self) -> &[EntityPropertyModule] {
        &self.modules.jira_entity_property
    }

    /// Forge's queue consumers, in manifest order.
    pub fn consumers(&self) -> &[ConsumerModule] {
        &self.modules.consumer
    }

    /// The product event triggers, in manifest order.
    pub fn triggers(&self) -> &[TriggerModule] {
        &self.modules.trigger
    }

    /// The web triggers, in manifest order.
    pub fn web_triggers(&self) -> &[WebTriggerModule] {
        &self.modules.webtrigger
    }

    /// The scheduled triggers, in manifest order.
    pub fn scheduled_triggers(&self) -> &[ScheduledTriggerModule] {
        &self.modules.scheduled_trigger
    }

    /// The pre-uninstall triggers, in manifest order.
    pub fn pre_uninstall(&self) -> &[PreUninstallModule] {
        &self.modules.pre_uninstall
    }

    /// Whether the app declares a Forge SQL database (`modules.sql`), the
    /// manifest's half of the `sql` capability.
    pub fn declares_sql(&self) -> bool {
        !self.modules.sql.is_empty()
    }

    /// The triggers subscribed to `event`, for dispatching a delivery.
    pub fn triggers_for(&self, event: ProductEvent) -> impl Iterator<Item = &TriggerModule> {
        self.modules
            .trigger
            .iter()
            .filter(move |trigger| trigger.events.contains(&event))
    }

    /// The declared scopes, as the set the runtime checks routes against.
    pub fn declared_scopes(&self) -> DeclaredScopes {
        self.permissions.scopes.iter().copied().collect()
    }

    /// The declared egress backends, as the allowlist the host checks
    /// outgoing `wasi:http` requests against. Empty: `wasi:http` is refused.
    pub fn egress_allowlist(&self) -> EgressAllowlist {
        EgressAllowlist::new(self.permissions.external.fetch.backend.iter().cloned())
    }
}

fn located(
    kind: ManifestErrorKind,
    tree: &Node,
    path: &FieldPath,
    anchor: Anchor,
    message: String,
) -> ManifestError {
    ManifestError::new(kind, message)
        .field(path.to_string())
        .at(Some(tree.locate(path, anchor)))
}

fn too_large() -> ManifestError {
    ManifestError::new(
        ManifestErrorKind::TooLarge,
        format!("the manifest is larger than {MAX_MANIFEST_BYTES} bytes"),
    )
}

/// Reads at most one byte past the cap, so a huge file is never read whole.
fn read_capped(path: &Path) -> Result<String, ManifestError> {
    let io_error = |error: std::io::Error| {
        ManifestError::new(ManifestErrorKind::Io, format!("cannot read: {error}"))
    };
    let file = std::fs::File::open(path).map_err(io_error)?;
    let mut bytes = Vec::new();
    file.take(MAX_MANIFEST_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    if bytes.len() > MAX_MANIFEST_BYTES {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|_| {
        ManifestError::new(ManifestErrorKind::Syntax, "the manifest is not valid UTF-8")
    })
}

#[cfg(test)]
mod tests;
