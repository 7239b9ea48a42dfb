//! The npm packages Kiln's build serves itself, and what that spares an app.
//!
//! `build.mjs` bundles the Forge layer in place of `@forge/api`, `@forge/kvs`,
//! `@forge/resolver`, `@forge/events`, `node-fetch` and `form-data` (its esbuild `alias`):
//! whatever an app installed under those names is never read. So an app whose
//! `dependencies` are only these, as most Forge backends' are, needs nothing
//! installed: no lockfile, no `npm ci`, no network. Such an app builds offline,
//! whether it pins its packages with `package-lock.json`, `yarn.lock`,
//! `pnpm-lock.yaml` or not at all.
//!
//! Forge's UI packages are spared too. A UI Kit app has one `package.json` for
//! its backend and its frontend, so it names `@forge/react`, `@forge/bridge`
//! and React beside `@forge/api`; they run in the browser, and Kiln bundles
//! only the backend (it serves no UI). When an app's dependencies are only
//! these and the provided ones, nothing is installed, and a backend that
//! imports a UI package is told so by name at build (`build.mjs`) rather than
//! by esbuild's "could not resolve".
//!
//! One thing about them still matters: which major version of `@forge/events`
//! the app was written for (1.x's `push(payload)` or 2.x/3.x's
//! `push({ body })`, `build.mjs`). Without `node_modules` it is read from the
//! npm lockfile when there is one (the version installed), else from the
//! range `package.json` asks for.

use std::path::Path;

/// The packages `build.mjs` aliases to the Forge layer; a test keeps the two
/// lists equal.
pub const PROVIDED_PACKAGES: &[&str] = &[
    "@forge/api",
    "@forge/kvs",
    "@forge/resolver",
    "@forge/events",
    "node-fetch",
    "form-data",
];

/// Packages that run in a Forge UI (the browser), never in a backend.
pub const UI_PACKAGES: &[&str] = &["@forge/bridge", "@forge/react", "react", "react-dom"];

const FORGE_EVENTS: &str = "@forge/events";

/// Whether every entry of `dependencies` is a package Kiln provides or a UI
/// package: then nothing needs installing.
pub fn nothing_to_install(dependencies: &serde_json::Map<String, serde_json::Value>) -> bool {
    dependencies.keys().all(|name| {
        PROVIDED_PACKAGES.contains(&name.as_str()) || UI_PACKAGES.contains(&name.as_str())
    })
}

/// The UI packages `dependencies` names, in [`UI_PACKAGES`] order.
pub fn ui_packages_named(
    dependencies: &serde_json::Map<String, serde_json::Value>,
) -> Vec<&'static str> {
    UI_PACKAGES
        .iter()
        .copied()
        .filter(|name| dependencies.contains_key(*name))
        .collect()
}

/// The major version of `@forge/events` the app was written for, when it
/// names the package: from the npm lockfile in `app_dir` if one records it,
/// else from `dependencies`' range. `None`: not named, or a range with no
/// major number (`latest`, `*`), for which `build.mjs` takes the current API.
pub fn forge_events_major(
    app_dir: &Path,
    dependencies: &serde_json::Map<String, serde_json::Value>,
) -> Option<u64> {
    let range = dependencies.get(FORGE_EVENTS)?.as_str()?;
    locked_version(app_dir)
        .as_deref()
        .and_then(leading_number)
        .or_else(|| leading_number(range))
}

/// `@forge/events`' version in `package-lock.json` or `npm-shrinkwrap.json`:
/// `packages["node_modules/@forge/events"]` (lockfile v2 and v3) or
/// `dependencies["@forge/events"]` (v1).
fn locked_version(app_dir: &Path) -> Option<String> {
    ["package-lock.json", "npm-shrinkwrap.json"]
        .iter()
        .find_map(|name| std::fs::read(app_dir.join(name)).ok())
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .and_then(|lock| {
            let packages = &lock["packages"]["node_modules/@forge/events"]["version"];
            let v1 = &lock["dependencies"][FORGE_EVENTS]["version"];
            packages.as_str().or(v1.as_str()).map(str::to_owned)
        })
}

/// The first number in a version or range: `^1.2.0`, `~2.0.1`, `>=3`, `1.x`,
/// `v2`, `npm:@forge/events@2.1.0` (its last `@`'s).
fn leading_number(text: &str) -> Option<u64> {
    let text = text.rsplit('@').next().unwrap_or(text);
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let digits: String = text[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deps(json: &str) -> serde_json::Map<String, serde_json::Value> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn the_list_is_build_mjss_aliases() {
        let build = include_str!("../js-toolchain/build.mjs");
        let alias = build
            .split_once("alias: {")
            .and_then(|(_, rest)| rest.split_once('}'))
            .map(|(inside, _)| inside)
            .expect("build.mjs has an esbuild alias block");
        let aliased: Vec<&str> = alias
            .lines()
            .map(str::trim)
            .filter(|line| line.starts_with('\''))
            .filter_map(|line| line.split('\'').nth(1))
            .collect();
        assert_eq!(aliased, PROVIDED_PACKAGES);
    }

    #[test]
    fn the_layers_packages_and_ui_packages_need_no_install() {
        assert!(nothing_to_install(&deps(
            r#"{"@forge/api":"^3.9.2","@forge/resolver":"1.5.0","node-fetch":"2"}"#
        )));
        assert!(nothing_to_install(&deps("{}")));
        // A UI Kit app's one package.json.
        let ui_kit = deps(
            r#"{"@forge/api":"^8.3.0","@forge/bridge":"4.5.0","@forge/react":"^11","react":"^18.2.0","@forge/resolver":"^1.7"}"#,
        );
        assert!(nothing_to_install(&ui_kit));
        assert_eq!(
            ui_packages_named(&ui_kit),
            ["@forge/bridge", "@forge/react", "react"]
        );
        // UI Kit 1's `@forge/ui` is imported by the backend: it is installed.
        assert!(!nothing_to_install(&deps(
            r#"{"@forge/api":"8","@forge/ui":"1"}"#
        )));
        assert!(!nothing_to_install(&deps(r#"{"lodash":"4"}"#)));
    }

    #[test]
    fn the_events_major_comes_from_the_lockfile_then_the_range() {
        let app = tempfile::tempdir().unwrap();
        let named = deps(r#"{"@forge/events":"^2.0.0"}"#);
        assert_eq!(forge_events_major(app.path(), &named), Some(2));
        assert_eq!(forge_events_major(app.path(), &deps("{}")), None);
        for (range, major) in [
            ("~1.3.0", Some(1)),
            (">=0.8.4 <2", Some(0)),
            ("1.x", Some(1)),
            ("v3.0.8", Some(3)),
            ("npm:@forge/events@1.2.0", Some(1)),
            ("latest", None),
            ("*", None),
        ] {
            let named = deps(&format!(r#"{{"@forge/events":"{range}"}}"#));
            assert_eq!(forge_events_major(app.path(), &named), major, "{range}");
        }

        // The version installed wins over the range.
        std::fs::write(
            app.path().join("package-lock.json"),
            r#"{"lockfileVersion":3,"packages":{"node_modules/@forge/events":{"version":"1.0.4"}}}"#,
        )
        .unwrap();
        assert_eq!(forge_events_major(app.path(), &named), Some(1));
        std::fs::write(
            app.path().join("package-lock.json"),
            r#"{"lockfileVersion":1,"dependencies":{"@forge/events":{"version":"3.0.8"}}}"#,
        )
        .unwrap();
        assert_eq!(forge_events_major(app.path(), &named), Some(3));
    }
}
