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
    /// The fields of this manifest that Kiln keeps and does not act on, in
    /// manifest order of sections (module docs).
    pub fn not_acted_on(&self) -> Vec<NotActedOn> {
        let app = &self.app;
        let permissions = &self.permissions;
        let external = &permissions.external;
        [
            (app.licensing.is_some(), "app.licensing", "Kiln does no licensing: every installation runs as licensed"),
            (app.features.is_some(), "app.features", "Forge's platform features; Kiln's consent and installs are its own"),
            (app.connect.is_some(), "app.connect", "Connect-on-Forge: Kiln serves no Connect app"),
            (permissions.content.is_some(), "permissions.content", UI_PERMISSION),
            (external.fetch.client.is_some(), "permissions.external.fetch.client", "hosts a UI fetches from in the browser: they grant the backend nothing (`fetch.backend` does)"),
            (external.images.is_some(), "permissions.external.images", UI_PERMISSION),
            (external.media.is_some(), "permissions.external.media", UI_PERMISSION),
            (external.scripts.is_some(), "permissions.external.scripts", UI_PERMISSION),
            (external.styles.is_some(), "permissions.external.styles", UI_PERMISSION),
            (external.frames.is_some(), "permissions.external.frames", UI_PERMISSION),
            (external.fonts.is_some(), "permissions.external.fonts", UI_PERMISSION),
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

    const MANIFEST: &str = "app:\n  id: ui-app\n  licensing: {enabled: true}\nmodules:\n  function:\n    - key: main\n      handler: index.run\npermissions:\n  scopes: []\n  content: {styles: [unsafe-inline]}\n  external:\n    images: ['*.example.com']\n    fetch:\n      client: [https://api.example.com]\nremotes:\n  - key: backend\n    baseUrl: https://backend.example.com\n";

    #[test]
    fn the_fields_are_listed_with_their_reasons_in_order() {
        let manifest = Manifest::from_yaml(MANIFEST).unwrap();
        let fields: Vec<&str> = manifest.not_acted_on().iter().map(|f| f.field).collect();
        assert_eq!(
            fields,
            [
                "app.licensing",
                "permissions.content",
                "permissions.external.fetch.client",
                "permissions.external.images",
                "remotes"
            ]
        );
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
}
