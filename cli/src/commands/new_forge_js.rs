//! `runtime new --template forge-js`: a JavaScript app with Forge's handler
//! shape and manifest grammar, built by Kiln's pinned JS toolchain
//! (`kiln_guest_build::js`). Its source is the `examples/forge-hello` app's,
//! so the template is an app the test suite builds.
//!
//! Kept apart from the Rust templates (`templates.rs`), which share a Cargo
//! project skeleton this one has no use for.

use std::collections::BTreeMap;

use super::templates::{TemplateFile, UnfilledPlaceholder, render};

/// The template's name on the command line.
pub const NAME: &str = "forge-js";

/// What it starts as.
pub const DESCRIPTION: &str = "A Forge-style JavaScript app (@forge/api, handler: index.run)";

/// The files of a new forge-js app.
pub const FILES: &[TemplateFile] = &[
    TemplateFile {
        path: "package.json",
        text: include_str!("../../templates/forge-js/package.json.tmpl"),
    },
    TemplateFile {
        path: "package-lock.json",
        text: include_str!("../../templates/forge-js/package-lock.json.tmpl"),
    },
    TemplateFile {
        path: "manifest.yml",
        text: include_str!("../../templates/forge-js/manifest.yml.tmpl"),
    },
    TemplateFile {
        path: "src/index.js",
        text: include_str!("../../../examples/forge-hello/src/index.js"),
    },
    TemplateFile {
        path: "README.md",
        text: include_str!("../../templates/forge-js/README.md.tmpl"),
    },
    TemplateFile {
        path: ".gitignore",
        text: include_str!("../../templates/forge-js/gitignore"),
    },
];

/// Every file, rendered with `values` (`app_id`, `app_name`, `schema`).
pub fn render_all(
    values: &BTreeMap<&'static str, String>,
) -> Result<Vec<(&'static str, String)>, UnfilledPlaceholder> {
    FILES
        .iter()
        .map(|file| Ok((file.path, render(file.path, file.text, values)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> BTreeMap<&'static str, String> {
        BTreeMap::from([
            ("app_id", "demo-app".to_owned()),
            ("app_name", "Demo app".to_owned()),
            ("schema", "manifest.schema.json".to_owned()),
        ])
    }

    #[test]
    fn the_template_is_a_forge_app_kiln_builds_as_javascript() {
        let files = render_all(&values()).unwrap();
        let file = |path: &str| &files.iter().find(|(p, _)| *p == path).unwrap().1;
        let manifest = kiln_manifest::Manifest::from_yaml(file("manifest.yml")).unwrap();
        assert_eq!(manifest.app.id, "demo-app");
        assert_eq!(manifest.modules.function[0].handler, "index.run");
        let package: serde_json::Value = serde_json::from_str(file("package.json")).unwrap();
        assert_eq!(package["name"], "demo-app");
        let lock: serde_json::Value = serde_json::from_str(file("package-lock.json")).unwrap();
        assert_eq!(lock["packages"][""]["name"], "demo-app");
        assert!(file("src/index.js").contains("export const run = async (event, context)"));

        let dir = tempfile::tempdir().unwrap();
        for (path, text) in &files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        assert!(kiln_guest_build::js::is_js_app(dir.path()));
    }
}
