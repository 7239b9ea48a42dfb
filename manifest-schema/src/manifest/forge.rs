//! The parts of Forge's `manifest.yml` that a Forge app carries and Kiln
//! accepts as they are, so a Forge app's manifest loads unchanged:
//!
//! ```yaml
//! app:
//!   id: ari:cloud:ecosystem::app/0f7d…
//!   description: Summarises issues
//!   runtime:
//!     name: nodejs22.x          # Forge's runtime; Kiln runs JS on its own engine
//!     architecture: arm64
//! modules:
//!   function:
//!     - key: main
//!       handler: index.run       # src/index.js, export `run`
//!   consumer:                    # Forge's async-events queue consumers
//!     - key: queue-consumer
//!       queue: work
//!       resolver: { function: main, method: event-listener }
//!   jira:issuePanel:             # UI modules: listed, not served by Kiln
//!     - key: hello-panel
//!       resource: main
//!       title: Hello
//! resources:
//!   - key: main
//!     path: static/hello/build
//! ```
//!
//! Product modules are every module type with a `product:name` key
//! (`jira:issuePanel`, `confluence:macro`, `rovo:agent`, …): most are UI
//! modules, and Kiln serves backends, not Custom UI or UI Kit frontends; the
//! others (Rovo agents, Automation actions, DevOps providers, Jira workflow
//! rules, …) are served by Atlassian's products. They are kept for `runtime
//! inspect` to list, each with why ([`NOT_SERVED_FORGE_MODULES`]), and never
//! invoked. A module type without a colon that Kiln does not know is still
//! an error (a typo such as `functions:` must not silently drop an app's
//! functions).

use serde::{Deserialize, Serialize};

/// Forge's `app.runtime.name`: the Node.js runtime Forge would run the app
/// on. Kiln runs JavaScript apps on its own engine (StarlingMonkey in a
/// component) whatever the value; it is kept so the manifest loads and
/// `inspect` can show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ForgeRuntime {
    #[serde(rename = "nodejs18.x")]
    NodeJs18,
    #[serde(rename = "nodejs20.x")]
    NodeJs20,
    #[serde(rename = "nodejs22.x")]
    NodeJs22,
    #[serde(rename = "nodejs24.x")]
    NodeJs24,
    /// Forge's legacy sandboxed runtime.
    #[serde(rename = "sandbox")]
    Sandbox,
}

/// Forge's `app.runtime.architecture`; irrelevant to a component, kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Architecture {
    Arm64,
    #[serde(rename = "x86_64")]
    X86_64,
}

/// `modules.consumer[]`: a Forge queue consumer (`@forge/events`). Forge
/// has two shapes: `function: <key>` and the older `resolver: { function,
/// method }`; exactly one is given. Its `queue` is what the app pushes to
/// (`kiln:app@0.4.0` events), one consumer per queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConsumerModule {
    /// Module key, unique among all modules.
    pub key: String,
    /// The queue it consumes.
    pub queue: String,
    /// The `modules.function` key to invoke.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    /// Forge's older form of `function`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolver: Option<ConsumerResolver>,
    /// Forge's `crossVersion` (whether events pushed by one version of the
    /// app may be consumed by another), kept as written: an installation's
    /// queue is consumed by the code it runs when the event's turn comes,
    /// whichever code pushed it (docs/porting-forge-apps.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cross_version: Option<bool>,
}

/// `modules.consumer[].resolver`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConsumerResolver {
    /// The `modules.function` key to invoke.
    pub function: String,
    /// The resolver method (`event-listener`), as Forge names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
}

impl ConsumerModule {
    /// The function it invokes, in either shape; `None` when both or
    /// neither are given (validation refuses that).
    pub fn function_key(&self) -> Option<&str> {
        match (&self.function, &self.resolver) {
            (Some(function), None) => Some(function),
            (None, Some(resolver)) => Some(&resolver.function),
            _ => None,
        }
    }
}

/// Why Kiln does not serve a UI module (Custom UI or UI Kit).
const UI_MODULE: &str = "UI module: Kiln runs app backends, not Custom UI or UI Kit frontends";

/// Why Kiln does not serve one of Jira's workflow rules.
const WORKFLOW_RULE: &str =
    "Jira workflow rule: Jira runs it on a transition; Kiln invokes no workflow rule";

/// Why Kiln does not serve a product module the table does not name.
const NOT_SERVED: &str = "not served by Kiln";

/// Forge modules that Kiln loads and lists but does not serve, each with the
/// reason `runtime inspect` gives; [`not_served_reason`] reads it. An entry
/// names a module type exactly (`event`, `jira:jqlFunction`) or every module
/// of a product (`rovo:*`); an exact name wins, and a product module that
/// neither names is "not served by Kiln".
///
/// Without a product prefix: `event` declares an app event
/// (`appEvents.publish` of `@forge/events`), which Forge delivers to other
/// apps on the site: Kiln has no bus between apps, so its Forge layer answers
/// `publish` with Forge's error result and the app goes on. These are named
/// one by one: an unknown module type without a colon stays an error.
pub const NOT_SERVED_FORGE_MODULES: &[(&str, &str)] = &[
    (
        "event",
        "app event: Kiln has no bus between apps; appEvents.publish answers an error result",
    ),
    (
        "endpoint",
        "Forge Remote endpoint: Kiln calls no remote (invokeRemote rejects)",
    ),
    (
        "macro",
        "Confluence macro: Kiln runs Jira app backends and serves no UI",
    ),
    (
        "action",
        "Rovo or Automation action: Kiln has neither to invoke it",
    ),
    (
        "apiRoute",
        "Forge's REST routes exposed by the app (EAP): Kiln's only way in is a web trigger",
    ),
    (
        "fifoConsumer",
        "a consumer of Forge's FIFO queues: Kiln's queues are `@forge/events` queues, consumed by `consumer`",
    ),
    (
        "workflow",
        "a Forge Workflow definition: Kiln has no workflow engine",
    ),
    (
        "migration",
        "Connect-to-Forge data migration listeners: Kiln migrates nothing",
    ),
    (
        "connectToForgeMigration",
        "Connect-to-Forge migration notice: Kiln serves no Connect app",
    ),
    (
        "remote",
        "a Forge Remote definition: Kiln calls no remote (invokeRemote rejects)",
    ),
    ("objectStore", "Forge Object Store: not available on Kiln"),
    (
        "llm",
        "Forge LLMs: not available on Kiln (an app importing @forge/llm fails to build)",
    ),
    // Jira's modules are UI modules but for the rules and indexes Jira
    // itself evaluates.
    ("jira:workflowValidator", WORKFLOW_RULE),
    ("jira:workflowCondition", WORKFLOW_RULE),
    ("jira:workflowPostFunction", WORKFLOW_RULE),
    (
        "jira:actionValidator",
        "Jira action validator: a Jira expression Jira evaluates; Kiln evaluates none",
    ),
    (
        "jira:jqlFunction",
        "JQL function: Jira's search calls it; Kiln's JQL has no app functions",
    ),
    (
        "jira:entityPropertySet",
        "Jira entity property index set: Jira indexes it for JQL; Kiln indexes only \
         jira:entityProperty modules' issue properties",
    ),
    ("jira:*", UI_MODULE),
    (
        "jiraServiceManagement:assetsImportType",
        "Assets import type: Kiln has no Assets to import into",
    ),
    (
        "jiraServiceManagement:*",
        "Jira Service Management UI module (portal, queues, agent view): Kiln serves no frontend",
    ),
    (
        "confluence:*",
        "Confluence module: Kiln runs Jira app backends and serves no Confluence",
    ),
    (
        "compass:*",
        "Compass module: Kiln runs Jira app backends and serves no Compass",
    ),
    (
        "bitbucket:*",
        "Bitbucket module: Kiln runs Jira app backends and serves no Bitbucket",
    ),
    (
        "rovo:*",
        "Rovo module: served by Atlassian's Rovo, not by Kiln",
    ),
    (
        "automation:*",
        "Automation module: served by Atlassian's Automation, not by Kiln",
    ),
    (
        "devops:*",
        "DevOps provider: registers the app with Jira's development tools; Kiln invokes none \
         of its actions (the app's calls to Jira's DevOps APIs are served)",
    ),
];

/// Why Kiln does not serve a module of type `module_type` that it loads,
/// from [`NOT_SERVED_FORGE_MODULES`]: for a product module (`product:name`)
/// its own entry, else its product's (`product:*`), else "not served by
/// Kiln"; for any other type its own entry, else `None` (not a module Kiln
/// loads unserved).
pub fn not_served_reason(module_type: &str) -> Option<&'static str> {
    let entry = |name: &str| {
        NOT_SERVED_FORGE_MODULES
            .iter()
            .find(|(listed, _)| *listed == name)
            .map(|(_, reason)| *reason)
    };
    match module_type.split_once(':') {
        Some((product, _)) if is_product_module_type(module_type) => Some(
            entry(module_type)
                .or_else(|| entry(&format!("{product}:*")))
                .unwrap_or(NOT_SERVED),
        ),
        Some(_) => None,
        None => entry(module_type),
    }
}

/// A module of the manifest Kiln loads but never serves: a product module
/// (`jira:issuePanel`, `rovo:agent`) or one of [`NOT_SERVED_FORGE_MODULES`],
/// by type and key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UiModule {
    pub module_type: String,
    /// The entry's `key`, when it has a string one.
    pub key: Option<String>,
}

/// Whether a `modules` entry type is a Forge product (UI) module:
/// `product:camelName`.
pub fn is_product_module_type(name: &str) -> bool {
    let Some((product, module)) = name.split_once(':') else {
        return false;
    };
    let word = |text: &str, first_upper: bool| {
        text.bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || (first_upper && b.is_ascii_uppercase()))
            && text.len() <= 64
            && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    word(product, false) && word(module, false)
}

/// Forge's handler grammar: `file.export`, the file a path under `src/`
/// without extension (`index`, `resolvers/board`), the export a JavaScript
/// identifier. At most 128 bytes.
pub fn is_forge_handler(handler: &str) -> bool {
    let Some((file, export)) = handler.rsplit_once('.') else {
        return false;
    };
    let segment_ok = |segment: &str| {
        !segment.is_empty()
            && segment != "."
            && segment != ".."
            && segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    };
    let export_ok = export
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_' || b == b'$')
        && export
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$');
    handler.len() <= 128 && file.split('/').all(segment_ok) && export_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forge_handlers_name_a_file_and_an_export() {
        for ok in [
            "index.run",
            "resolvers/board.handler",
            "my-app_2.$main",
            "a.B",
        ] {
            assert!(is_forge_handler(ok), "{ok}");
        }
        for bad in [
            "run",
            ".run",
            "index.",
            "../x.run",
            "a//b.run",
            "a/./b.run",
            "index.2run",
            "in dex.run",
            "index.run-it",
        ] {
            assert!(!is_forge_handler(bad), "{bad}");
        }
        assert!(!is_forge_handler(&format!("{}.run", "a".repeat(125))));
    }

    #[test]
    fn product_module_types_have_a_product_and_a_name() {
        for ok in [
            "jira:issuePanel",
            "jira:globalPage",
            "confluence:macro",
            "jira:customFieldType",
            "compass:adminPage",
        ] {
            assert!(is_product_module_type(ok), "{ok}");
        }
        for bad in [
            "functions",
            "jira:",
            ":issuePanel",
            "Jira:issuePanel",
            "jira:issue panel",
            "a:b:c",
        ] {
            assert!(!is_product_module_type(bad), "{bad}");
        }
    }

    #[test]
    fn every_not_served_module_has_its_own_reason() {
        let reason = |t: &str| not_served_reason(t).unwrap_or_default();
        assert!(reason("jira:issuePanel").starts_with("UI module"));
        assert!(reason("jira:globalPage").starts_with("UI module"));
        assert!(reason("rovo:agent").starts_with("Rovo module"));
        assert!(reason("automation:actionProvider").starts_with("Automation module"));
        assert!(reason("devops:buildInfoProvider").starts_with("DevOps provider"));
        assert!(reason("jira:workflowValidator").starts_with("Jira workflow rule"));
        assert!(reason("jira:jqlFunction").starts_with("JQL function"));
        assert!(reason("jiraServiceManagement:portalRequestDetail").contains("UI module"));
        assert!(reason("jiraServiceManagement:assetsImportType").starts_with("Assets"));
        assert!(reason("confluence:globalPage").starts_with("Confluence module"));
        assert!(reason("event").starts_with("app event"));
        assert_eq!(reason("teamworkGraph:connector"), "not served by Kiln");
        // The table's product patterns are no module types of their own.
        for bad in [
            "rovo:*",
            "jira:*",
            "functions",
            "Rovo:agent",
            "jira:bad name",
        ] {
            assert_eq!(not_served_reason(bad), None, "{bad}");
        }
        // Every entry is a product pattern, a product module or a plain type.
        for (name, reason) in NOT_SERVED_FORGE_MODULES {
            assert!(!reason.is_empty(), "{name}");
            let plain = !name.contains(':');
            let product_module = is_product_module_type(name);
            let pattern = name
                .strip_suffix(":*")
                .is_some_and(|product| is_product_module_type(&format!("{product}:x")));
            assert!(plain || product_module || pattern, "{name}");
        }
    }

    #[test]
    fn a_consumer_names_its_function_in_either_shape() {
        let consumer = |function: Option<&str>, resolver: Option<&str>| ConsumerModule {
            key: "c".into(),
            queue: "q".into(),
            function: function.map(Into::into),
            resolver: resolver.map(|function| ConsumerResolver {
                function: function.into(),
                method: Some("event-listener".into()),
            }),
            cross_version: None,
        };
        assert_eq!(consumer(Some("f"), None).function_key(), Some("f"));
        assert_eq!(consumer(None, Some("g")).function_key(), Some("g"));
        assert_eq!(consumer(Some("f"), Some("g")).function_key(), None);
        assert_eq!(consumer(None, None).function_key(), None);
    }
}
