//! Forge manifest fields Kiln keeps but does not act on.
//!
//! A Forge app's `manifest.yml` often declares more than its backend: a
//! licence, app features, the content security policy and external
//! permissions of its UI, Forge Remote backends, external authentication
//! providers, Connect modules, translations. Refusing them as unknown fields
//! would mean no such app loads as it is written; taking them would mean
//! pretending to honour them. So they are kept as written, checked only for
//! their shape, listed by `runtime inspect` with the reason, and grant
//! nothing: in particular `permissions.external.fetch.client` (the hosts a
//! UI may fetch from in the browser) never widens what the backend may
//! reach, which is `fetch.backend` alone.

use super::Manifest;

/// One field present in a manifest that Kiln does not act on (as
/// `runtime inspect --json` lists it).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct NotActedOn {
    /// Where it is, as the manifest spells it (`permissions.content`).
    pub field: &'static str,
    /// Why Kiln leaves it alone.
    pub reason: &'static str,
}

const UI_PERMISSION: &str =
    "a permission of a UI in the browser: Kiln serves no UI, so it grants nothing";

impl Manifest {
    /// Whether the manifest turns Forge's licensing on (`app.licensing:
    /// {enabled: true}`), which makes Forge give the app's functions a
    /// `context.license`. Kiln does no licensing, so such an app runs as
    /// licensed everywhere (an active licence); a free app has none, as on
    /// Forge.
    pub fn licensing_enabled(&self) -> bool {
        self.app
            .licensing
            .as_ref()
            .and_then(|licensing| licensing.get("enabled"))
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false)
    }

    /// The fields of this manifest that Kiln keeps and does not act on, in
    /// manifest order of sections (module docs).
    pub fn not_acted_on(&self) -> Vec<NotActedOn> {
        let app = &self.app;
        let permissions = &self.permissions;
        let external = &permissions.external;
        let modules = &self.modules;
        let functions = &modules.function;
        let any_function = |field: fn(&super::FunctionModule) -> bool| functions.iter().any(field);
        [
            (app.licensing.is_some(), "app.licensing", "Kiln does no licensing: every installation runs as licensed (a JS app's functions get an active `context.license` when `enabled: true`)"),
            (app.features.is_some(), "app.features", "Forge's platform features; Kiln's consent and installs are its own"),
            (app.connect.is_some(), "app.connect", "Connect-on-Forge: Kiln serves no Connect app"),
            (app.compatibility.is_some(), "app.compatibility", "the other Atlassian apps it works with: Kiln serves Jira"),
            (app.access.is_some(), "app.access", "who may use the app on Forge: Kiln's operator installs it for a site"),
            (app.package.is_some(), "app.package", "files Forge adds to the deployed bundle: Kiln's build takes what the code imports"),
            (app.runtime.snapshots == Some(false), "app.runtime.snapshots", "Kiln always runs a JS app's top-level code once, at build, with the clock and randomness fixed; every invocation starts from that state (what is timed or drawn at the top level is the same in every invocation)"),
            (app.storage.classifications.is_some(), "app.storage.classifications", "labels for the kind of data stored: Kiln stores every value alike, in the operator's state"),
            (any_function(|f| f.runtime.is_some()), "modules.function[].runtime", "per-function memory: the app's `app.runtime` memory limit applies to every function"),
            (any_function(|f| f.providers.is_some()), "modules.function[].providers", "external authentication providers: `withProvider` is not available on Kiln"),
            (any_function(|f| f.cleanup.is_some() || f.outbound_auth_container_id.is_some() || f.functions.is_some()), "modules.function[] deployment details", "`cleanup`, `outboundAuthContainerId`, `functions`: Forge's deployment tooling's, nothing to run"),
            (modules.trigger.iter().any(|t| t.payload.is_some() || t.event_filters.iter().any(|e| e.payload.is_some())), "modules.trigger[].payload", "Forge's trimmed payload: the function receives the whole event"),
            (modules.trigger.iter().any(|t| !t.unknown_events.is_empty()), "modules.trigger[].events Kiln does not know", "another product's events, or names Forge's Jira events reference does not list: kept, as Forge keeps them, never delivered (loading warns about each)"),
            (modules.trigger.iter().any(|t| t.filter.iter().chain(t.event_filters.iter().map(|e| &e.filter)).any(|f| f.app_is_licensed.is_some())) || modules.scheduled_trigger.iter().any(|s| s.filter.is_some()), "filter.appIsLicensed", "Kiln does no licensing: every installation runs as licensed, so nothing is skipped"),
            (modules.webtrigger.iter().any(|w| w.url_format.is_some()), "modules.webtrigger[].urlFormat", "the shape of Forge's URL: Kiln's web trigger URLs have one format (`runtime webtrigger`)"),
            (modules.webtrigger.iter().any(|w| w.security.is_some()), "modules.webtrigger[].security", "the app's declaration of what its responses carry (`egress.allowDataEgress`, `allowedResponses`), for Forge's data-residency checks: Kiln returns what the function returns"),
            (modules.consumer.iter().any(|c| c.cross_version.is_some()), "modules.consumer[].crossVersion", "a queue is consumed by the code the installation runs when the event's turn comes, whichever code pushed it"),
            (permissions.content.is_some(), "permissions.content", UI_PERMISSION),
            (!permissions.forge_scopes.is_empty(), "permissions.scopes (Forge's, without a route in Kiln)", "scopes Forge knows that no route Kiln serves needs (Confluence's, JSM's REST API, report:personal-data): kept, they open nothing"),
            (permissions.enforcement.is_some(), "permissions.enforcement", "how Forge checks scopes: Kiln's host checks every request against the declared scopes"),
            (permissions.sandbox.is_some(), "permissions.sandbox", UI_PERMISSION),
            (external.fetch.client.is_some(), "permissions.external.fetch.client", "hosts a UI fetches from in the browser: they grant the backend nothing (`fetch.backend` does)"),
            (!external.fetch.backend_remotes.is_empty(), "permissions.external.fetch.backend[].remote", "Forge Remote: Kiln calls no remote, so a remote grants the backend no host"),
            (external.images.is_some(), "permissions.external.images", UI_PERMISSION),
            (external.media.is_some(), "permissions.external.media", UI_PERMISSION),
            (external.scripts.is_some(), "permissions.external.scripts", UI_PERMISSION),
            (external.styles.is_some(), "permissions.external.styles", UI_PERMISSION),
            (external.frames.is_some(), "permissions.external.frames", UI_PERMISSION),
            (external.fonts.is_some(), "permissions.external.fonts", UI_PERMISSION),
            (external.navigation.is_some(), "permissions.external.navigation", UI_PERMISSION),
            (external.configurable.is_some(), "permissions.external.configurable", "egress a site administrator may add on Forge: Kiln's egress is `fetch.backend`, approved with the installation"),
            (self.remotes.is_some(), "remotes", "Forge Remote: Kiln calls no remote (`invokeRemote` rejects)"),
            (self.providers.is_some(), "providers", "external authentication providers: `withProvider` is not available on Kiln"),
            (self.connect_modules.is_some(), "connectModules", "Connect modules: Kiln serves no Connect app"),
            (self.translations.is_some(), "translations", "manifest translations: Kiln shows the manifest's own text"),
        ]
        .into_iter()
        .filter(|(present, _, _)| *present)
        .map(|(_, field, reason)| NotActedOn { field, reason })
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = "app:\n  id: ui-app\n  runtime: {snapshots: false}\n  licensing: {enabled: true}\nmodules:\n  function:\n    - key: main\n      handler: index.run\npermissions:\n  scopes: []\n  content: {styles: [unsafe-inline]}\n  external:\n    images: ['*.example.com']\n    fetch:\n      client: [https://api.example.com]\nremotes:\n  - key: backend\n    baseUrl: https://backend.example.com\n";

    #[test]
    fn the_fields_are_listed_with_their_reasons_in_order() {
        let manifest = Manifest::from_yaml(MANIFEST).unwrap();
        let fields: Vec<&str> = manifest.not_acted_on().iter().map(|f| f.field).collect();
        assert_eq!(
            fields,
            [
                "app.licensing",
                "app.runtime.snapshots",
                "permissions.content",
                "permissions.external.fetch.client",
                "permissions.external.images",
                "remotes"
            ]
        );
    }

    #[test]
    fn licensing_is_enabled_only_when_the_manifest_says_so() {
        let licensed = |yaml: &str| {
            Manifest::from_yaml(&format!(
                "app:\n  id: paid\n{yaml}modules:\n  function:\n    - key: main\n      handler: index.run\npermissions:\n  scopes: []\n"
            ))
            .unwrap()
            .licensing_enabled()
        };
        assert!(licensed("  licensing: {enabled: true}\n"));
        assert!(!licensed("  licensing: {enabled: false}\n"));
        assert!(!licensed("  licensing: {enabled: 'true'}\n"));
        assert!(!licensed("  licensing: {}\n"));
        assert!(!licensed(""));
    }

    /// Threat: a manifest naming a host under the UI's `fetch.client` (which
    /// the administrator may read as harmless) and reaching it from the
    /// backend. Only `fetch.backend` reaches the egress allowlist.
    #[test]
    fn a_uis_hosts_grant_the_backend_nothing() {
        let manifest = Manifest::from_yaml(MANIFEST).unwrap();
        assert!(manifest.egress_allowlist().is_empty());
        assert!(manifest.permissions.external.fetch.backend.is_empty());
    }

    /// Forge's backend module options Kiln takes as written are each listed,
    /// with the permissions and app fields beside them.
    #[test]
    fn forges_backend_options_are_listed() {
        let manifest = Manifest::from_yaml(include_str!(
            "../../tests/golden/valid/forge-backend-options.yml"
        ))
        .unwrap();
        let fields: Vec<&str> = manifest.not_acted_on().iter().map(|f| f.field).collect();
        assert_eq!(
            fields,
            [
                "app.compatibility",
                "app.access",
                "app.package",
                "app.storage.classifications",
                "modules.function[].runtime",
                "modules.function[].providers",
                "modules.function[] deployment details",
                "modules.trigger[].payload",
                "filter.appIsLicensed",
                "modules.webtrigger[].urlFormat",
                "modules.webtrigger[].security",
                "modules.consumer[].crossVersion",
                "permissions.enforcement",
                "permissions.sandbox",
                "permissions.external.fetch.backend[].remote",
                "permissions.external.navigation",
                "permissions.external.configurable",
            ]
        );
    }

    /// Scopes Forge knows and no route Kiln serves needs are kept apart from
    /// the catalogue's, open nothing, and are listed.
    #[test]
    fn forges_scopes_without_a_route_are_listed_and_grant_nothing() {
        let manifest = Manifest::from_yaml(include_str!(
            "../../tests/golden/valid/forge-scopes-without-routes.yml"
        ))
        .unwrap();
        assert_eq!(
            manifest.permissions.forge_scopes,
            [
                "report:personal-data",
                "read:servicedesk-request",
                "read:confluence-content.all"
            ]
        );
        let declared: Vec<&str> = manifest
            .declared_scopes()
            .iter()
            .map(|scope| scope.as_str())
            .collect();
        assert_eq!(declared, ["read:jira-work", "storage:app"]);
        let fields: Vec<&str> = manifest.not_acted_on().iter().map(|f| f.field).collect();
        assert_eq!(
            fields,
            ["permissions.scopes (Forge's, without a route in Kiln)"]
        );
    }
}
