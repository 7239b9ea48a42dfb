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

/// What an install needs of an app's `package.json` and npm lockfile (v2 or
/// v3), when it installs anything: both without the packages Kiln serves
/// itself ([`PROVIDED_PACKAGES`]) and the UI packages ([`UI_PACKAGES`]), and
/// the lockfile without every package that only they needed. A UI Kit app's
/// lockfile holds its frontend (React, Atlaskit: hundreds of packages the
/// backend never imports), and versions of those get unpublished from npm
/// (`@forge/bridge` 4.5.2, `@atlaskit/width-detector` 4.0.0): `npm ci`
/// failed on them, and spent its time on them when it did not. A dropped
/// package still needed by one that stays is kept.
///
/// `None`: nothing to drop, or a lockfile this does not read (v1, workspace
/// links): the files are installed as written.
pub fn pruned_for_install(package_json: &[u8], lock: &[u8]) -> Option<Pruned> {
    use serde_json::Value;
    let dropped = |name: &str| PROVIDED_PACKAGES.contains(&name) || UI_PACKAGES.contains(&name);
    let mut manifest: Value = serde_json::from_slice(package_json).ok()?;
    let mut lock: Value = serde_json::from_slice(lock).ok()?;
    let packages = lock.get("packages")?.as_object()?;
    if packages
        .values()
        .any(|entry| entry.get("link").and_then(Value::as_bool) == Some(true))
    {
        return None;
    }
    const DEPENDENCY_KINDS: [&str; 4] = [
        "dependencies",
        "optionalDependencies",
        "devDependencies",
        "peerDependencies",
    ];
    let mut named_dropped: Vec<String> = Vec::new();
    for kind in DEPENDENCY_KINDS {
        if let Some(map) = manifest.get_mut(kind).and_then(Value::as_object_mut) {
            named_dropped.extend(map.keys().filter(|name| dropped(name)).cloned());
            map.retain(|name, _| !dropped(name));
        }
    }
    if named_dropped.is_empty() {
        return None;
    }

    // What stays: every package reachable from the root's remaining
    // dependencies, each name looked up as Node does (the nearest
    // `node_modules` up the tree).
    let root = packages.get("")?;
    let names_of = |entry: &Value| -> Vec<String> {
        DEPENDENCY_KINDS
            .iter()
            .filter_map(|kind| entry.get(*kind).and_then(Value::as_object))
            .flat_map(|map| map.keys().cloned())
            .collect()
    };
    let resolve = |from: &str, name: &str| -> Option<String> {
        let mut base = from.to_owned();
        loop {
            let candidate = if base.is_empty() {
                format!("node_modules/{name}")
            } else {
                format!("{base}/node_modules/{name}")
            };
            if packages.contains_key(&candidate) {
                return Some(candidate);
            }
            if base.is_empty() {
                return None;
            }
            base = match base.rfind("node_modules/") {
                Some(at) => base[..at].trim_end_matches('/').to_owned(),
                None => String::new(),
            };
        }
    };
    let mut kept: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    let mut pending: Vec<String> = names_of(root)
        .into_iter()
        .filter(|name| !dropped(name))
        .filter_map(|name| resolve("", &name))
        .collect();
    while let Some(path) = pending.pop() {
        if !kept.insert(path.clone()) {
            continue;
        }
        if let Some(entry) = packages.get(&path) {
            pending.extend(
                names_of(entry)
                    .iter()
                    .filter_map(|name| resolve(&path, name)),
            );
        }
    }
    // Bundled dependencies ship inside their package's tarball.
    let bundled: Vec<String> = packages
        .iter()
        .filter(|(path, entry)| {
            entry.get("inBundle").and_then(Value::as_bool) == Some(true)
                && kept.iter().any(|k| path.starts_with(&format!("{k}/")))
        })
        .map(|(path, _)| path.clone())
        .collect();
    kept.extend(bundled);

    let ui_dropped: Vec<&'static str> = UI_PACKAGES
        .iter()
        .copied()
        .filter(|name| named_dropped.iter().any(|named| named == name))
        .filter(|name| !kept.contains(&format!("node_modules/{name}")))
        .collect();
    let packages = lock.get_mut("packages")?.as_object_mut()?;
    packages.retain(|path, _| path.is_empty() || kept.contains(path));
    if let Some(root) = packages.get_mut("").and_then(Value::as_object_mut) {
        for kind in DEPENDENCY_KINDS {
            if let Some(map) = root.get_mut(kind).and_then(Value::as_object_mut) {
                map.retain(|name, _| !dropped(name));
            }
        }
    }
    // v2's copy for npm 6, which npm 7 and later do not read.
    if let Some(lock) = lock.as_object_mut() {
        lock.remove("dependencies");
    }
    Some(Pruned {
        package_json: serde_json::to_vec_pretty(&manifest).ok()?,
        lock: serde_json::to_vec_pretty(&lock).ok()?,
        ui_dropped,
    })
}

/// An install's `package.json` and lockfile ([`pruned_for_install`]).
pub struct Pruned {
    pub package_json: Vec<u8>,
    pub lock: Vec<u8>,
    /// The UI packages the app names that are not installed: `build.mjs`
    /// refuses a backend's import of one by name.
    pub ui_dropped: Vec<&'static str>,
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
    fn an_install_leaves_out_the_provided_and_ui_packages_and_what_only_they_need() {
        let package_json = br#"{"name":"app","dependencies":{"@forge/api":"^5","@forge/react":"^11","lodash":"4","@forge/kvs":"0.1.0"},"devDependencies":{"typescript":"5"}}"#;
        let lock = br#"{
          "name": "app", "lockfileVersion": 3,
          "packages": {
            "": {"name": "app", "dependencies": {"@forge/api":"^5","@forge/react":"^11","lodash":"4","@forge/kvs":"0.1.0"}, "devDependencies": {"typescript":"5"}},
            "node_modules/@forge/api": {"version": "5.0.0", "dependencies": {"node-fetch": "2"}},
            "node_modules/node-fetch": {"version": "2.7.0", "dependencies": {"whatwg-url": "5"}},
            "node_modules/whatwg-url": {"version": "5.0.0"},
            "node_modules/@forge/kvs": {"version": "0.1.0"},
            "node_modules/@forge/react": {"version": "11.0.0", "dependencies": {"@atlaskit/x": "1", "shared": "1"}},
            "node_modules/@atlaskit/x": {"version": "1.0.0"},
            "node_modules/lodash": {"version": "4.17.21", "dependencies": {"shared": "2"}},
            "node_modules/lodash/node_modules/shared": {"version": "2.0.0", "dependencies": {"deep": "1"}},
            "node_modules/deep": {"version": "1.0.0"},
            "node_modules/shared": {"version": "1.0.0"},
            "node_modules/typescript": {"version": "5.0.0", "dev": true}
          },
          "dependencies": {"lodash": {"version": "4.17.21"}}
        }"#;
        let pruned = pruned_for_install(package_json, lock).expect("something to drop");
        let manifest: serde_json::Value = serde_json::from_slice(&pruned.package_json).unwrap();
        assert_eq!(
            manifest["dependencies"],
            serde_json::json!({ "lodash": "4" })
        );
        assert_eq!(
            manifest["devDependencies"],
            serde_json::json!({ "typescript": "5" })
        );
        let lock: serde_json::Value = serde_json::from_slice(&pruned.lock).unwrap();
        let mut kept: Vec<&str> = lock["packages"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        kept.sort_unstable();
        assert_eq!(
            kept,
            [
                "",
                "node_modules/deep",
                "node_modules/lodash",
                "node_modules/lodash/node_modules/shared",
                "node_modules/typescript",
            ]
        );
        assert_eq!(
            lock["packages"][""]["dependencies"],
            serde_json::json!({ "lodash": "4" })
        );
        assert!(lock.get("dependencies").is_none());
        assert_eq!(pruned.ui_dropped, ["@forge/react"]);
    }

    #[test]
    fn a_dropped_package_another_needs_stays_and_unreadable_lockfiles_are_left_alone() {
        // UI Kit 1's @forge/ui is installed; a UI package it needs stays installed.
        let package_json = br#"{"dependencies":{"@forge/ui":"1","@forge/bridge":"2"}}"#;
        let lock = br#"{"lockfileVersion":2,"packages":{
            "": {"dependencies":{"@forge/ui":"1","@forge/bridge":"2"}},
            "node_modules/@forge/ui": {"version":"1.0.0","dependencies":{"@forge/bridge":"2"}},
            "node_modules/@forge/bridge": {"version":"2.0.0"}}}"#;
        let pruned = pruned_for_install(package_json, lock).expect("the root's entry drops");
        let lock: serde_json::Value = serde_json::from_slice(&pruned.lock).unwrap();
        assert!(lock["packages"]["node_modules/@forge/bridge"].is_object());
        assert!(pruned.ui_dropped.is_empty());

        // Nothing named to drop; a v1 lockfile; a workspace link.
        assert!(
            pruned_for_install(
                br#"{"dependencies":{"lodash":"4"}}"#,
                br#"{"lockfileVersion":3,"packages":{"":{}}}"#
            )
            .is_none()
        );
        assert!(
            pruned_for_install(
                br#"{"dependencies":{"@forge/api":"5","lodash":"4"}}"#,
                br#"{"lockfileVersion":1,"dependencies":{}}"#
            )
            .is_none()
        );
        assert!(pruned_for_install(
            br#"{"dependencies":{"@forge/api":"5","lodash":"4"}}"#,
            br#"{"lockfileVersion":3,"packages":{"":{},"node_modules/w":{"resolved":"w","link":true}}}"#
        )
        .is_none());
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
