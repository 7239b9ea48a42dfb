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
//! And so is every other package the backend does not import. An app that
//! installs anything is given only the packages its handlers' code imports
//! (the build's scan, `js_imports.rs`) and what the lockfile says those
//! need, its entries as written: a Forge app's one `package.json` names its
//! frontend too (`@atlaskit/*`), and npm stops serving versions of those
//! (`@atlaskit/tokens` 3.0.0), which failed `npm ci` for packages no bundle
//! could hold. One rule ([`pruned_for_install`]) decides what leaves the
//! install, for the packages above and the ones not imported alike; a
//! backend importing a package the app does not name, and a v1 lockfile,
//! are installed as they were before the scan.
//!
//! One thing about the provided packages still matters: which major version of `@forge/events`
//! the app was written for (1.x's `push(payload)` or 2.x/3.x's
//! `push({ body })`, `build.mjs`). Without `node_modules` it is read from the
//! npm lockfile when there is one (the version installed), else from the
//! range `package.json` asks for.

use std::path::Path;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::js_imports::BackendImports;

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
pub const UI_PACKAGES: &[&str] = &[
    "@forge/bridge",
    "@forge/jira-bridge",
    "@forge/react",
    "react",
    "react-dom",
];

/// Forge's packages for services Kiln does not have (`build.mjs`'s
/// `FORGE_SERVICES_NOT_PROVIDED`; a test keeps the two lists equal). A
/// backend that imports one is refused at bundle time, by name, whether the
/// package is installed or not; one that does not (an app naming
/// `@forge/llm` for a module it keeps switched off) builds. So it is never
/// installed: npm no longer serves some of their versions (`@forge/llm`
/// 0.3.0, kumagaias/triage-ninja-for-jira's), and `npm ci` failed on them
/// with a 404 before the build could say why the package cannot work.
pub const REFUSED_PACKAGES: &[&str] = &["@forge/llm", "@forge/realtime"];

const FORGE_EVENTS: &str = "@forge/events";

/// Whether every entry of `dependencies` is a package Kiln provides, a UI
/// package or a package of a service Kiln refuses: then nothing needs
/// installing.
pub fn nothing_to_install(dependencies: &serde_json::Map<String, serde_json::Value>) -> bool {
    dependencies.keys().all(|name| dropped(name))
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

/// What an install needs of an app's `package.json` and npm lockfile (any
/// version), when it installs anything: both without the packages Kiln
/// serves itself ([`PROVIDED_PACKAGES`]) and the UI packages
/// ([`UI_PACKAGES`]), without `devDependencies`, and the lockfile without
/// every package that only those needed. A UI Kit app's lockfile holds its
/// frontend (React, Atlaskit: hundreds of packages the backend never
/// imports), and versions of those get unpublished from npm (`@forge/bridge`
/// 4.5.2, `@atlaskit/width-detector` 4.0.0): `npm ci` failed on them, and
/// spent its time on them when it did not. A dropped package still needed by
/// one that stays is kept, with its lockfile entry (version, `resolved`,
/// `integrity`) as written.
///
/// With `imports` (what the backend's code imports, `js_imports.rs`) and a
/// v2 or v3 lockfile, the one rule ([`Leaves::dropped`]) leaves out every
/// other package the app names too: only what the backend imports is
/// installed, with what the lockfile says those need (`dependencies`,
/// `optionalDependencies`, `peerDependencies`, each name found as Node finds
/// it, the nearest `node_modules` up the tree). A backend importing a package
/// the app does not name at all (one npm happened to hoist) gets no such
/// pruning: the install is what it was without a scan, so the build behaves
/// as it always did. A v1 lockfile (npm 5 and 6) is pruned without `imports`,
/// as before.
///
/// `devDependencies` are never installed (`npm ci --omit=dev`), but `npm ci`
/// still refuses a lockfile whose devDependencies no longer match
/// `package.json` (`Invalid: lock file's @forge/cli@6.22.1 does not satisfy
/// @forge/cli@12.22.0`, dj-pearson/AIRouting), a check Forge never makes:
/// `forge deploy` bundles whatever `npm install` left. So they leave both
/// files (`package.json`'s and the lockfile root's), and the packages only
/// they needed (npm's `"dev": true` entries) leave the lockfile with them.
///
/// `Ok(None)`: nothing to drop, or a lockfile this does not read (not JSON,
/// workspace links, local folders): the files are installed as written.
/// `Err`: a lockfile past Kiln's bounds ([`LockfileRefused`]), which the
/// caller installs as written too (npm judges it), without Kiln walking it.
pub fn pruned_for_install(
    package_json: &[u8],
    lock: &[u8],
    imports: Option<&BackendImports>,
) -> Result<Option<Pruned>, LockfileRefused> {
    if lock.len() > MAX_LOCK_BYTES {
        return Err(LockfileRefused::TooLarge { bytes: lock.len() });
    }
    let Ok(mut manifest) = serde_json::from_slice::<Value>(package_json) else {
        return Ok(None);
    };
    let Ok(mut lock) = serde_json::from_slice::<Value>(lock) else {
        return Ok(None);
    };
    let v2 = lock.get("packages").is_some();
    let leaves = Leaves {
        imports: imports.filter(|imports| {
            v2 && imports
                .names()
                .all(|name| dropped(name) || names(&manifest, name))
        }),
    };
    let mut named_dropped: Vec<String> = Vec::new();
    // Before `devDependencies` go: a UI package named only there is still
    // one the app names, which its backend is told it cannot import.
    for kind in DEPENDENCY_KINDS {
        if let Some(map) = manifest.get_mut(kind).and_then(Value::as_object_mut) {
            named_dropped.extend(map.keys().filter(|name| leaves.dropped(name)).cloned());
            map.retain(|name, _| !leaves.dropped(name));
        }
    }
    let manifest_dev = manifest
        .as_object_mut()
        .and_then(|manifest| manifest.remove(DEV_DEPENDENCIES))
        .is_some();
    let lock_dev = lock
        .get_mut("packages")
        .and_then(|packages| packages.get_mut(""))
        .and_then(Value::as_object_mut)
        .and_then(|root| root.remove(DEV_DEPENDENCIES))
        .is_some();
    if named_dropped.is_empty() && !manifest_dev && !lock_dev {
        return Ok(None);
    }

    let kept = if v2 {
        let Some(packages) = lock.get("packages").and_then(Value::as_object) else {
            return Ok(None);
        };
        let Some(tree) = InstallTree::of_packages(packages)? else {
            return Ok(None);
        };
        let Some(root) = packages.get("") else {
            return Ok(None);
        };
        let roots = dependency_names(root)
            .into_iter()
            .filter(|name| !leaves.dropped(name));
        let kept = tree.reachable(roots);
        let Some(packages) = lock.get_mut("packages").and_then(Value::as_object_mut) else {
            return Ok(None);
        };
        packages.retain(|path, _| path.is_empty() || kept.contains(path));
        if let Some(root) = packages.get_mut("").and_then(Value::as_object_mut) {
            for kind in DEPENDENCY_KINDS {
                if let Some(map) = root.get_mut(kind).and_then(Value::as_object_mut) {
                    map.retain(|name, _| !leaves.dropped(name));
                }
            }
        }
        // v2's copy for npm 6, which npm 7 and later do not read.
        if let Some(lock) = lock.as_object_mut() {
            lock.remove("dependencies");
        }
        kept
    } else {
        // v1 records no root: its dependencies are package.json's (those
        // left above; npm checks the two agree).
        let Some(dependencies) = lock.get("dependencies").and_then(Value::as_object) else {
            return Ok(None);
        };
        let Some(tree) = InstallTree::of_v1(dependencies)? else {
            return Ok(None);
        };
        let kept = tree.reachable(dependency_names(&manifest));
        let Some(dependencies) = lock.get_mut("dependencies").and_then(Value::as_object_mut) else {
            return Ok(None);
        };
        retain_v1(dependencies, "", &kept);
        kept
    };
    let ui_dropped: Vec<&'static str> = UI_PACKAGES
        .iter()
        .copied()
        .filter(|name| named_dropped.iter().any(|named| named == name))
        .filter(|name| !kept.contains(&format!("node_modules/{name}")))
        .collect();
    let (Ok(package_json), Ok(lock)) = (
        serde_json::to_vec_pretty(&manifest),
        serde_json::to_vec_pretty(&lock),
    ) else {
        return Ok(None);
    };
    Ok(Some(Pruned {
        package_json,
        lock,
        ui_dropped,
        by_imports: leaves.imports.is_some(),
        installs_nothing: kept.is_empty(),
    }))
}

/// Largest lockfile Kiln reads to prune (the biggest real ones are a few
/// tens of MB).
pub const MAX_LOCK_BYTES: usize = 64 * 1024 * 1024;

/// Most packages a lockfile may record for Kiln to walk it.
pub const MAX_LOCK_PACKAGES: usize = 100_000;

/// Longest package folder a v2 lockfile may name (`node_modules/a/node_modules/b`).
pub const MAX_PACKAGE_PATH_BYTES: usize = 4096;

/// Most `node_modules` levels a package folder may be nested in.
pub const MAX_NESTING: usize = 64;

/// A lockfile past what Kiln walks to prune it: installed as written, the
/// judgement left to npm.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LockfileRefused {
    /// More than [`MAX_LOCK_BYTES`].
    #[error("the lockfile is {bytes} bytes, more than Kiln reads to prune ({MAX_LOCK_BYTES})")]
    TooLarge { bytes: usize },
    /// More than [`MAX_LOCK_PACKAGES`] packages.
    #[error("the lockfile records more than {MAX_LOCK_PACKAGES} packages")]
    TooManyPackages,
    /// A package folder that is no chain of `node_modules/<npm name>`, or
    /// longer or deeper than Kiln's bounds.
    #[error("the lockfile names a package folder Kiln does not read: {path:?}")]
    PackagePath {
        /// The folder as written, cut to 200 characters.
        path: String,
    },
}

impl LockfileRefused {
    fn path(path: &str) -> Self {
        Self::PackagePath {
            path: path.chars().take(200).collect(),
        }
    }
}

/// The kinds of dependency a `package.json` (and a v2 lockfile's entry) lists.
const DEPENDENCY_KINDS: [&str; 4] = [
    "dependencies",
    "optionalDependencies",
    "devDependencies",
    "peerDependencies",
];

/// What only the app's development needs: never installed.
const DEV_DEPENDENCIES: &str = "devDependencies";

/// Whether every package the backend imports is one the build serves or
/// leaves out ([`dropped`]): then nothing needs installing, lockfile or not.
pub fn served_by_the_build(imports: &BackendImports) -> bool {
    imports.names().all(dropped)
}

/// Whether an install leaves `name` out for every app: a package Kiln
/// provides, a UI package, a refused service's.
fn dropped(name: &str) -> bool {
    PROVIDED_PACKAGES.contains(&name)
        || UI_PACKAGES.contains(&name)
        || REFUSED_PACKAGES.contains(&name)
}

/// The rule of what an install leaves out ([`pruned_for_install`]).
struct Leaves<'a> {
    /// What the backend imports, when that decides (a v2 or v3 lockfile, and
    /// every import a package the app names).
    imports: Option<&'a BackendImports>,
}

impl Leaves<'_> {
    /// Whether the install leaves the package `name`, as the app (or its
    /// lockfile's root) names it, out: [`dropped`] for every app, and a
    /// package the backend does not import.
    fn dropped(&self, name: &str) -> bool {
        dropped(name) || self.imports.is_some_and(|imports| !imports.contains(name))
    }
}

/// Whether `manifest` (a `package.json`) names `name` in any kind of dependency.
fn names(manifest: &Value, name: &str) -> bool {
    DEPENDENCY_KINDS.iter().any(|kind| {
        manifest
            .get(*kind)
            .and_then(Value::as_object)
            .is_some_and(|map| map.contains_key(name))
    })
}

/// Every name `entry` (a `package.json` or a v2 lockfile's entry) depends on.
fn dependency_names(entry: &Value) -> Vec<String> {
    DEPENDENCY_KINDS
        .iter()
        .filter_map(|kind| entry.get(*kind).and_then(Value::as_object))
        .flat_map(|map| map.keys().cloned())
        .collect()
}

/// The packages a lockfile installs, each by the folder it lands in as v2
/// names it (`node_modules/a/node_modules/b`), whatever the version: one
/// walk ([`InstallTree::reachable`]) decides what stays for both.
struct InstallTree {
    nodes: BTreeMap<String, InstallNode>,
}

struct InstallNode {
    /// The names it needs (npm names only: another string names no package
    /// folder).
    requires: Vec<String>,
    /// Shipped inside its parent's tarball.
    bundled: bool,
}

/// Whether `path` is a package folder Kiln reads: `node_modules/<name>`,
/// nested at most [`MAX_NESTING`] times, within [`MAX_PACKAGE_PATH_BYTES`].
fn package_path_ok(path: &str) -> bool {
    if path.len() > MAX_PACKAGE_PATH_BYTES {
        return false;
    }
    let mut rest = path;
    let mut levels = 0;
    while let Some(after) = rest.strip_prefix("node_modules/") {
        levels += 1;
        if levels > MAX_NESTING {
            return false;
        }
        let (name, tail) = match after.find("/node_modules/") {
            Some(at) => (&after[..at], &after[at + 1..]),
            None => (after, ""),
        };
        if !crate::js_imports::is_npm_name(name) {
            return false;
        }
        if tail.is_empty() {
            return true;
        }
        rest = tail;
    }
    false
}

impl InstallTree {
    /// A v2 or v3 `packages` object; `Ok(None)` when it links a workspace.
    fn of_packages(packages: &Map<String, Value>) -> Result<Option<Self>, LockfileRefused> {
        if packages.len() > MAX_LOCK_PACKAGES {
            return Err(LockfileRefused::TooManyPackages);
        }
        // A workspace's lockfile also records its members' own folders
        // (`packages/a`), which are no `node_modules` path: its links say so.
        if packages
            .values()
            .any(|entry| entry.get("link").and_then(Value::as_bool) == Some(true))
        {
            return Ok(None);
        }
        let mut nodes = BTreeMap::new();
        for (path, entry) in packages {
            if path.is_empty() {
                continue;
            }
            if !package_path_ok(path) {
                return Err(LockfileRefused::path(path));
            }
            let requires = dependency_names(entry)
                .into_iter()
                .filter(|name| crate::js_imports::is_npm_name(name))
                .collect();
            let bundled = entry.get("inBundle").and_then(Value::as_bool) == Some(true);
            nodes.insert(path.clone(), InstallNode { requires, bundled });
        }
        Ok(Some(Self { nodes }))
    }

    /// A v1 `dependencies` object, nested entries and all (`requires` names
    /// what each needs, `bundled` what ships inside its parent); `Ok(None)`
    /// when it installs a local folder (`file:`), as v2's links. Its depth
    /// is bounded by serde_json's, which refuses a document nested deeper
    /// than 128.
    fn of_v1(dependencies: &Map<String, Value>) -> Result<Option<Self>, LockfileRefused> {
        let mut nodes = BTreeMap::new();
        let mut pending = vec![(String::new(), dependencies)];
        while let Some((base, dependencies)) = pending.pop() {
            for (name, entry) in dependencies {
                let version = entry.get("version").and_then(Value::as_str);
                if version.is_some_and(|v| v.starts_with("file:")) {
                    return Ok(None);
                }
                let path = node_modules_path(&base, name);
                if !package_path_ok(&path) {
                    return Err(LockfileRefused::path(&path));
                }
                if nodes.len() >= MAX_LOCK_PACKAGES {
                    return Err(LockfileRefused::TooManyPackages);
                }
                let requires = entry
                    .get("requires")
                    .and_then(Value::as_object)
                    .map(|map| {
                        map.keys()
                            .filter(|name| crate::js_imports::is_npm_name(name))
                            .cloned()
                            .collect()
                    })
                    .unwrap_or_default();
                let bundled = entry.get("bundled").and_then(Value::as_bool) == Some(true);
                if let Some(nested) = entry.get("dependencies").and_then(Value::as_object) {
                    pending.push((path.clone(), nested));
                }
                nodes.insert(path, InstallNode { requires, bundled });
            }
        }
        Ok(Some(Self { nodes }))
    }

    /// The folders of every package reachable from the root's dependencies
    /// `roots`, each name looked up as Node does (the nearest `node_modules`
    /// up the tree), and what is bundled inside one of those. Each folder is
    /// visited once (a cycle ends there), and each lookup climbs at most
    /// [`MAX_NESTING`] levels.
    fn reachable(&self, roots: impl IntoIterator<Item = String>) -> BTreeSet<String> {
        let resolve = |from: &str, name: &str| -> Option<String> {
            if !crate::js_imports::is_npm_name(name) {
                return None;
            }
            let mut base = from.to_owned();
            loop {
                let candidate = node_modules_path(&base, name);
                if self.nodes.contains_key(&candidate) {
                    return Some(candidate);
                }
                if base.is_empty() {
                    return None;
                }
                base = parent_package(&base).to_owned();
            }
        };
        let mut kept = BTreeSet::new();
        let mut pending: Vec<String> = roots
            .into_iter()
            .filter_map(|name| resolve("", &name))
            .collect();
        while let Some(path) = pending.pop() {
            if kept.contains(&path) {
                continue;
            }
            if let Some(node) = self.nodes.get(&path) {
                pending.extend(
                    node.requires
                        .iter()
                        .filter_map(|name| resolve(&path, name))
                        .filter(|found| !kept.contains(found)),
                );
            }
            kept.insert(path);
        }
        // Bundled dependencies ship inside their package's tarball: kept
        // when a package folder they are nested in is.
        let bundled: Vec<String> = self
            .nodes
            .iter()
            .filter(|(path, node)| {
                node.bundled && {
                    let mut base = parent_package(path);
                    let mut inside_kept = false;
                    while !base.is_empty() {
                        if kept.contains(base) {
                            inside_kept = true;
                            break;
                        }
                        base = parent_package(base);
                    }
                    inside_kept
                }
            })
            .map(|(path, _)| path.clone())
            .collect();
        kept.extend(bundled);
        kept
    }
}

/// The package folder `path` (`node_modules/a/node_modules/b`) is nested in
/// (`node_modules/a`), `""` at the top.
fn parent_package(path: &str) -> &str {
    match path.rfind("node_modules/") {
        Some(at) => path[..at].trim_end_matches('/'),
        None => "",
    }
}

/// `node_modules/<name>` inside the package folder `base` (`""`: the root).
fn node_modules_path(base: &str, name: &str) -> String {
    if base.is_empty() {
        format!("node_modules/{name}")
    } else {
        format!("{base}/node_modules/{name}")
    }
}

/// A v1 `dependencies` object (the one in the folder `base`) without the
/// packages not `kept`, at every depth; a nested one left empty goes.
fn retain_v1(dependencies: &mut Map<String, Value>, base: &str, kept: &BTreeSet<String>) {
    dependencies.retain(|name, _| kept.contains(&node_modules_path(base, name)));
    for (name, entry) in dependencies.iter_mut() {
        let Some(entry) = entry.as_object_mut() else {
            continue;
        };
        if let Some(nested) = entry.get_mut("dependencies").and_then(Value::as_object_mut) {
            retain_v1(nested, &node_modules_path(base, name), kept);
            if nested.is_empty() {
                entry.remove("dependencies");
            }
        }
    }
}

/// An install's `package.json` and lockfile ([`pruned_for_install`]).
pub struct Pruned {
    pub package_json: Vec<u8>,
    pub lock: Vec<u8>,
    /// The UI packages the app names that are not installed: `build.mjs`
    /// refuses a backend's import of one by name.
    pub ui_dropped: Vec<&'static str>,
    /// Whether what the backend imports decided what stays.
    pub by_imports: bool,
    /// Whether the lockfile keeps no package at all: nothing to install.
    pub installs_nothing: bool,
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

    /// [`pruned_for_install`] without a scan's imports, within Kiln's bounds.
    fn prune(package_json: &[u8], lock: &[u8]) -> Option<Pruned> {
        pruned_for_install(package_json, lock, None).expect("within bounds")
    }

    fn deps(json: &str) -> serde_json::Map<String, serde_json::Value> {
        serde_json::from_str(json).unwrap()
    }

    /// The quoted keys of the object literal in `build.mjs` that follows `opening`, one
    /// per line, in order.
    fn build_mjs_keys(opening: &str) -> Vec<&'static str> {
        include_str!("../js-toolchain/build.mjs")
            .split_once(opening)
            .and_then(|(_, rest)| rest.split_once('}'))
            .map(|(inside, _)| inside)
            .unwrap_or_else(|| panic!("build.mjs has `{opening}`"))
            .lines()
            .map(str::trim)
            .filter(|line| line.starts_with('\''))
            .filter_map(|line| line.split('\'').nth(1))
            .collect()
    }

    #[test]
    fn the_list_is_build_mjss_aliases() {
        assert_eq!(build_mjs_keys("alias: {"), PROVIDED_PACKAGES);
    }

    #[test]
    fn the_refused_list_is_build_mjss() {
        assert_eq!(
            build_mjs_keys("const FORGE_SERVICES_NOT_PROVIDED = {"),
            REFUSED_PACKAGES
        );
    }

    #[test]
    fn a_refused_services_package_is_never_installed() {
        // An app naming only the layer's packages and `@forge/llm` installs nothing.
        assert!(nothing_to_install(&deps(
            r#"{"@forge/api":"6.4.1","@forge/llm":"^0.3.0","@forge/resolver":"1.7.1"}"#
        )));
        // With other dependencies, the install leaves it out with what only it needs.
        let package_json = br#"{"name":"app","dependencies":{"@forge/llm":"^0.3.0","@forge/realtime":"^0.2","lodash":"4"}}"#;
        let lock = br#"{
          "name": "app", "lockfileVersion": 3,
          "packages": {
            "": {"name": "app", "dependencies": {"@forge/llm":"^0.3.0","@forge/realtime":"^0.2","lodash":"4"}},
            "node_modules/@forge/llm": {"version": "0.3.0", "dependencies": {"only-llm": "1"}},
            "node_modules/only-llm": {"version": "1.0.0"},
            "node_modules/@forge/realtime": {"version": "0.2.0"},
            "node_modules/lodash": {"version": "4.17.21"}
          }
        }"#;
        let pruned = prune(package_json, lock).expect("something to drop");
        let manifest: serde_json::Value = serde_json::from_slice(&pruned.package_json).unwrap();
        assert_eq!(
            manifest["dependencies"],
            serde_json::json!({ "lodash": "4" })
        );
        let lock: serde_json::Value = serde_json::from_slice(&pruned.lock).unwrap();
        let kept: Vec<&str> = lock["packages"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(kept, ["", "node_modules/lodash"]);
        // Not a UI package: nothing tells build.mjs to refuse it as one.
        assert!(pruned.ui_dropped.is_empty());
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
        // A Custom UI app's Jira bridge runs in the browser too.
        let custom_ui =
            deps(r#"{"@forge/api":"^5","@forge/bridge":"^4","@forge/jira-bridge":"^0.8"}"#);
        assert!(nothing_to_install(&custom_ui));
        assert_eq!(
            ui_packages_named(&custom_ui),
            ["@forge/bridge", "@forge/jira-bridge"]
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
        let pruned = prune(package_json, lock).expect("something to drop");
        let manifest: serde_json::Value = serde_json::from_slice(&pruned.package_json).unwrap();
        assert_eq!(
            manifest["dependencies"],
            serde_json::json!({ "lodash": "4" })
        );
        // Never installed (`--omit=dev`): out of both files, with what only they need.
        assert!(manifest.get("devDependencies").is_none());
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
            ]
        );
        assert_eq!(
            lock["packages"][""]["dependencies"],
            serde_json::json!({ "lodash": "4" })
        );
        assert!(lock["packages"][""].get("devDependencies").is_none());
        assert!(lock.get("dependencies").is_none());
        assert_eq!(pruned.ui_dropped, ["@forge/react"]);
    }

    #[test]
    fn stale_dev_dependencies_leave_the_install_and_the_rest_is_kept_as_written() {
        // dj-pearson/AIRouting's shape: package.json asks for @forge/cli 12,
        // the lockfile still records 6 (npm ci: "Invalid: lock file's
        // @forge/cli@6.22.1 does not satisfy @forge/cli@12.22.0"). No
        // package Kiln provides is named: the devDependencies alone prune.
        let package_json = br#"{"name":"app","dependencies":{"openai":"^4"},"devDependencies":{"@forge/cli":"12.22.0","eslint":"^8"}}"#;
        let lock = br#"{
          "name": "app", "lockfileVersion": 3, "requires": true,
          "packages": {
            "": {"name": "app", "dependencies": {"openai": "^4"}, "devDependencies": {"@forge/cli": "^6.22.1", "eslint": "^8"}},
            "node_modules/openai": {"version": "4.0.0", "resolved": "https://registry.npmjs.org/openai/-/openai-4.0.0.tgz", "integrity": "sha512-A", "dependencies": {"shared": "^1"}},
            "node_modules/shared": {"version": "1.0.0", "resolved": "https://registry.npmjs.org/shared/-/shared-1.0.0.tgz", "integrity": "sha512-B"},
            "node_modules/@forge/cli": {"version": "6.22.1", "resolved": "https://registry.npmjs.org/@forge/cli/-/cli-6.22.1.tgz", "integrity": "sha512-C", "dev": true, "dependencies": {"shared": "^1", "cli-only": "1"}},
            "node_modules/cli-only": {"version": "1.0.0", "integrity": "sha512-D", "dev": true},
            "node_modules/eslint": {"version": "8.0.0", "integrity": "sha512-E", "dev": true}
          }
        }"#;
        let pruned = prune(package_json, lock).expect("devDependencies to drop");
        let manifest: Value = serde_json::from_slice(&pruned.package_json).unwrap();
        assert_eq!(
            manifest,
            serde_json::json!({ "name": "app", "dependencies": { "openai": "^4" } })
        );
        let pruned_lock: Value = serde_json::from_slice(&pruned.lock).unwrap();
        let original: Value = serde_json::from_slice(lock).unwrap();
        let packages = pruned_lock["packages"].as_object().unwrap();
        let mut kept: Vec<&str> = packages.keys().map(String::as_str).collect();
        kept.sort_unstable();
        // `shared` stays: `openai` needs it too.
        assert_eq!(kept, ["", "node_modules/openai", "node_modules/shared"]);
        assert_eq!(
            packages[""],
            serde_json::json!({ "name": "app", "dependencies": { "openai": "^4" } })
        );
        // What is installed is pinned as the app's lockfile pinned it.
        for path in ["node_modules/openai", "node_modules/shared"] {
            assert_eq!(packages[path], original["packages"][path], "{path}");
        }
        assert_eq!(pruned_lock["lockfileVersion"], 3);
        assert!(pruned.ui_dropped.is_empty());

        // A v1 lockfile (no root entry): its `dev` entries go the same way.
        let lock = br#"{"lockfileVersion": 1, "requires": true, "dependencies": {
            "openai": {"version": "4.0.0", "integrity": "sha512-A", "requires": {"shared": "^1"}},
            "shared": {"version": "1.0.0", "integrity": "sha512-B"},
            "@forge/cli": {"version": "6.22.1", "integrity": "sha512-C", "dev": true, "requires": {"cli-only": "1"}},
            "cli-only": {"version": "1.0.0", "integrity": "sha512-D", "dev": true}
        }}"#;
        let pruned = prune(package_json, lock).expect("devDependencies to drop");
        let lock: Value = serde_json::from_slice(&pruned.lock).unwrap();
        let mut kept: Vec<&str> = lock["dependencies"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        kept.sort_unstable();
        assert_eq!(kept, ["openai", "shared"]);

        // A UI package named only as a devDependency is still one the app
        // names and does not get installed: its import is refused by name.
        let package_json = br#"{"dependencies":{"lodash":"4"},"devDependencies":{"react":"^18"}}"#;
        let lock = br#"{"lockfileVersion":3,"packages":{
            "": {"dependencies":{"lodash":"4"},"devDependencies":{"react":"^18"}},
            "node_modules/lodash": {"version":"4.17.21","integrity":"sha512-A"},
            "node_modules/react": {"version":"18.0.0","integrity":"sha512-B","dev":true}}}"#;
        let pruned = prune(package_json, lock).expect("devDependencies to drop");
        assert_eq!(pruned.ui_dropped, ["react"]);
        let lock: Value = serde_json::from_slice(&pruned.lock).unwrap();
        assert!(lock["packages"].get("node_modules/react").is_none());
    }

    #[test]
    fn a_dropped_package_another_needs_stays_and_unreadable_lockfiles_are_left_alone() {
        // UI Kit 1's @forge/ui is installed; a UI package it needs stays installed.
        let package_json = br#"{"dependencies":{"@forge/ui":"1","@forge/bridge":"2"}}"#;
        let lock = br#"{"lockfileVersion":2,"packages":{
            "": {"dependencies":{"@forge/ui":"1","@forge/bridge":"2"}},
            "node_modules/@forge/ui": {"version":"1.0.0","dependencies":{"@forge/bridge":"2"}},
            "node_modules/@forge/bridge": {"version":"2.0.0"}}}"#;
        let pruned = prune(package_json, lock).expect("the root's entry drops");
        let lock: serde_json::Value = serde_json::from_slice(&pruned.lock).unwrap();
        assert!(lock["packages"]["node_modules/@forge/bridge"].is_object());
        assert!(pruned.ui_dropped.is_empty());

        // Nothing named to drop; a v1 lockfile's local folder; a workspace link.
        assert!(
            prune(
                br#"{"dependencies":{"lodash":"4"}}"#,
                br#"{"lockfileVersion":3,"packages":{"":{}}}"#
            )
            .is_none()
        );
        assert!(
            prune(
                br#"{"dependencies":{"@forge/api":"5","lodash":"4"}}"#,
                br#"{"lockfileVersion":1,"dependencies":{"lodash":{"version":"4.17.21"},"w":{"version":"file:packages/w"}}}"#
            )
            .is_none()
        );
        assert!(prune(
            br#"{"dependencies":{"@forge/api":"5","lodash":"4"}}"#,
            br#"{"lockfileVersion":3,"packages":{"":{},"node_modules/w":{"resolved":"w","link":true}}}"#
        )
        .is_none());
        // A workspace, whose member's folder sorts before its link.
        assert!(
            prune(
                br#"{"dependencies":{"@forge/api":"5","w":"1"}}"#,
                br#"{"lockfileVersion":3,"packages":{"":{},"apps/w":{"name":"w"},"node_modules/w":{"resolved":"apps/w","link":true}}}"#
            )
            .is_none()
        );
    }

    #[test]
    fn a_v1_lockfile_is_pruned_through_its_nested_dependencies() {
        // ghe-for-jira's shape (npm 6): UI Kit 1's `@forge/ui` stays, the
        // provided packages go with what only they need.
        let package_json = br#"{"name":"app","dependencies":{"@forge/api":"^2.2.0","@forge/resolver":"^1.3.3","@forge/ui":"^0.14.1","jira-issue-key-parser":"0.0.15","@forge/react":"^11"},"devDependencies":{"typescript":"^3.9.10"}}"#;
        let lock = br#"{
          "name": "app", "lockfileVersion": 1, "requires": true,
          "dependencies": {
            "@forge/api": {"version": "2.2.0", "resolved": "https://packages.atlassian.com/api/npm/npm-remote/@forge/api/-/api-2.2.0.tgz", "integrity": "sha1-A", "requires": {"@forge/auth": "^0.0.1", "node-fetch": "^2.6.1"}},
            "@forge/auth": {"version": "0.0.1", "integrity": "sha1-B"},
            "@forge/resolver": {"version": "1.3.3", "integrity": "sha1-C", "requires": {"@forge/api": "2.2.0"}},
            "@forge/ui": {"version": "0.14.1", "integrity": "sha1-D", "requires": {"@forge/bridge": "^1", "sha.js": "^2.4.11"}},
            "@forge/bridge": {"version": "1.0.0", "integrity": "sha1-E"},
            "@forge/react": {"version": "11.0.0", "integrity": "sha1-F", "requires": {"react": "^18"}},
            "react": {"version": "18.0.0", "integrity": "sha1-G"},
            "node-fetch": {"version": "2.6.1", "integrity": "sha1-H", "requires": {"whatwg-url": "^5"},
              "dependencies": {"whatwg-url": {"version": "5.0.0", "integrity": "sha1-I"}}},
            "sha.js": {"version": "2.4.11", "integrity": "sha1-J", "requires": {"safe-buffer": "^5.0.1", "inherits": "^2"},
              "dependencies": {
                "safe-buffer": {"version": "5.2.1", "integrity": "sha1-K", "requires": {"inherits": "^2"}},
                "unused": {"version": "1.0.0", "integrity": "sha1-L"},
                "packed": {"version": "1.0.0", "bundled": true}
              }},
            "inherits": {"version": "2.0.4", "integrity": "sha1-M"},
            "jira-issue-key-parser": {"version": "0.0.15", "integrity": "sha1-N",
              "dependencies": {"only-dropped-need-me": {"version": "1.0.0"}}},
            "typescript": {"version": "3.9.10", "integrity": "sha1-O", "dev": true}
          }
        }"#;
        let pruned = prune(package_json, lock).expect("something to drop");
        let manifest: Value = serde_json::from_slice(&pruned.package_json).unwrap();
        assert_eq!(
            manifest["dependencies"],
            serde_json::json!({ "@forge/ui": "^0.14.1", "jira-issue-key-parser": "0.0.15" })
        );
        let lock: Value = serde_json::from_slice(&pruned.lock).unwrap();
        assert_eq!(lock["lockfileVersion"], 1);
        let mut top: Vec<&str> = lock["dependencies"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        top.sort_unstable();
        // `@forge/bridge` stays: `@forge/ui`, which stays, needs it. The
        // dev-only `typescript` goes with package.json's `devDependencies`.
        assert_eq!(
            top,
            [
                "@forge/bridge",
                "@forge/ui",
                "inherits",
                "jira-issue-key-parser",
                "sha.js",
            ]
        );
        assert!(manifest.get("devDependencies").is_none());
        // Nested: what is needed and what is bundled stays, with its fields.
        assert_eq!(
            lock["dependencies"]["sha.js"]["dependencies"],
            serde_json::json!({
                "safe-buffer": {"version": "5.2.1", "integrity": "sha1-K", "requires": {"inherits": "^2"}},
                "packed": {"version": "1.0.0", "bundled": true}
            })
        );
        assert_eq!(
            lock["dependencies"]["sha.js"]["requires"],
            serde_json::json!({ "safe-buffer": "^5.0.1", "inherits": "^2" })
        );
        // A nested object left empty goes.
        assert!(
            lock["dependencies"]["jira-issue-key-parser"]
                .get("dependencies")
                .is_none()
        );
        assert_eq!(pruned.ui_dropped, ["@forge/react"]);
    }

    /// The folders `pruned`'s lockfile keeps, sorted.
    fn kept_paths(pruned: &Pruned) -> Vec<String> {
        let lock: Value = serde_json::from_slice(&pruned.lock).unwrap();
        let mut kept: Vec<String> = lock["packages"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        kept.sort_unstable();
        kept
    }

    #[test]
    fn only_what_the_backend_imports_is_installed_with_what_the_lockfile_says_it_needs() {
        // One package.json for backend and frontend: the backend imports
        // `axios` only.
        let package_json = br#"{"name":"app","dependencies":{"@forge/api":"^5","axios":"^1","@atlaskit/tokens":"3.0.0","styled":"^6","with-peer":"1"},"devDependencies":{"jest":"29"}}"#;
        let lock = br#"{
          "name": "app", "lockfileVersion": 3, "requires": true,
          "packages": {
            "": {"name": "app", "dependencies": {"@forge/api":"^5","axios":"^1","@atlaskit/tokens":"3.0.0","styled":"^6","with-peer":"1"}, "devDependencies": {"jest":"29"}},
            "node_modules/@forge/api": {"version": "5.0.0", "integrity": "sha512-F"},
            "node_modules/axios": {"version": "1.7.0", "integrity": "sha512-A", "dependencies": {"follow-redirects": "^1", "form-data": "^4"}, "optionalDependencies": {"opt": "1"}},
            "node_modules/follow-redirects": {"version": "1.15.0", "integrity": "sha512-B", "peerDependencies": {"debug": "*"}},
            "node_modules/debug": {"version": "4.0.0", "integrity": "sha512-C", "dependencies": {"ms": "2"}},
            "node_modules/ms": {"version": "2.1.0", "integrity": "sha512-D"},
            "node_modules/form-data": {"version": "4.0.0", "integrity": "sha512-E", "dependencies": {"ms": "1"}},
            "node_modules/form-data/node_modules/ms": {"version": "1.0.0", "integrity": "sha512-G"},
            "node_modules/opt": {"version": "1.0.0", "integrity": "sha512-H", "optional": true},
            "node_modules/@atlaskit/tokens": {"version": "3.0.0", "integrity": "sha512-I", "dependencies": {"@babel/runtime": "7"}},
            "node_modules/@babel/runtime": {"version": "7.0.0", "integrity": "sha512-J"},
            "node_modules/styled": {"version": "6.0.0", "integrity": "sha512-K", "dependencies": {"ms": "2"}},
            "node_modules/with-peer": {"version": "1.0.0", "integrity": "sha512-L"},
            "node_modules/jest": {"version": "29.0.0", "integrity": "sha512-M", "dev": true}
          }
        }"#;
        let imports = BackendImports::of(["axios", "@forge/api"]);
        let pruned = pruned_for_install(package_json, lock, Some(&imports))
            .unwrap()
            .expect("something to drop");
        assert!(pruned.by_imports);
        assert!(!pruned.installs_nothing);
        let manifest: Value = serde_json::from_slice(&pruned.package_json).unwrap();
        assert_eq!(
            manifest["dependencies"],
            serde_json::json!({ "axios": "^1" })
        );
        // axios, what it needs (a peer and an optional one too), and the
        // `ms` each finds first up the tree: form-data's own, debug's the
        // top one. `form-data`, which Kiln provides to the app, stays as
        // axios's dependency.
        assert_eq!(
            kept_paths(&pruned),
            [
                "",
                "node_modules/axios",
                "node_modules/debug",
                "node_modules/follow-redirects",
                "node_modules/form-data",
                "node_modules/form-data/node_modules/ms",
                "node_modules/ms",
                "node_modules/opt",
            ]
        );
        // Each entry as the app's lockfile pins it.
        let original: Value = serde_json::from_slice(lock).unwrap();
        let pruned_lock: Value = serde_json::from_slice(&pruned.lock).unwrap();
        for path in kept_paths(&pruned).iter().filter(|p| !p.is_empty()) {
            assert_eq!(
                pruned_lock["packages"][path], original["packages"][path],
                "{path}"
            );
        }
        assert_eq!(
            pruned_lock["packages"][""]["dependencies"],
            serde_json::json!({ "axios": "^1" })
        );

        // A backend importing only what Kiln provides installs nothing.
        let imports = BackendImports::of(["@forge/api"]);
        let pruned = pruned_for_install(package_json, lock, Some(&imports))
            .unwrap()
            .expect("something to drop");
        assert!(pruned.installs_nothing);
        assert_eq!(kept_paths(&pruned), [""]);

        // One that imports a package the app does not name (npm hoisted it)
        // gets the install it had without a scan: the build says what it
        // always said.
        let imports = BackendImports::of(["axios", "ms"]);
        let pruned = pruned_for_install(package_json, lock, Some(&imports))
            .unwrap()
            .expect("something to drop");
        assert!(!pruned.by_imports);
        assert_eq!(
            pruned.package_json,
            prune(package_json, lock).unwrap().package_json
        );
        assert_eq!(pruned.lock, prune(package_json, lock).unwrap().lock);
        // A devDependency it imports is named, and still not installed.
        let imports = BackendImports::of(["axios", "jest"]);
        let pruned = pruned_for_install(package_json, lock, Some(&imports))
            .unwrap()
            .expect("something to drop");
        assert!(pruned.by_imports);
        assert!(!kept_paths(&pruned).iter().any(|p| p == "node_modules/jest"));
    }

    #[test]
    fn a_v1_lockfile_is_pruned_as_before_whatever_the_backend_imports() {
        let package_json =
            br#"{"dependencies":{"@forge/api":"5","lodash":"4","react-select":"5"}}"#;
        let lock = br#"{"lockfileVersion":1,"dependencies":{
            "lodash":{"version":"4.17.21","integrity":"sha1-A"},
            "react-select":{"version":"5.0.0","integrity":"sha1-B"}}}"#;
        let imports = BackendImports::of(["lodash"]);
        let with = pruned_for_install(package_json, lock, Some(&imports))
            .unwrap()
            .expect("@forge/api to drop");
        let without = prune(package_json, lock).unwrap();
        assert!(!with.by_imports);
        assert_eq!(with.lock, without.lock);
        assert_eq!(with.package_json, without.package_json);
        let lock: Value = serde_json::from_slice(&with.lock).unwrap();
        assert!(lock["dependencies"]["react-select"].is_object());
    }

    #[test]
    fn cycles_and_thousands_of_packages_are_walked_once() {
        // A ring of 20 000 packages, each needing the next, the last the
        // first, and a second ring nobody imports.
        const N: usize = 20_000;
        let mut packages = serde_json::Map::new();
        packages.insert(
            String::new(),
            serde_json::json!({"dependencies": {"p0": "1", "q0": "1"}}),
        );
        for ring in ["p", "q"] {
            for i in 0..N {
                packages.insert(
                    format!("node_modules/{ring}{i}"),
                    serde_json::json!({"version": "1.0.0", "dependencies": {format!("{ring}{}", (i + 1) % N): "1"}}),
                );
            }
        }
        let lock = serde_json::json!({"lockfileVersion": 3, "packages": packages}).to_string();
        let package_json = br#"{"dependencies":{"p0":"1","q0":"1"}}"#;
        let imports = BackendImports::of(["p0"]);
        let started = std::time::Instant::now();
        let pruned = pruned_for_install(package_json, lock.as_bytes(), Some(&imports))
            .unwrap()
            .expect("q's ring to drop");
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
        let kept = kept_paths(&pruned);
        assert_eq!(kept.len(), N + 1);
        assert!(
            kept.iter()
                .all(|p| p.is_empty() || p.starts_with("node_modules/p"))
        );
    }

    #[test]
    fn hostile_lockfiles_get_a_bounded_refusal() {
        let package_json = br#"{"dependencies":{"a":"1","b":"1"}}"#;
        let imports = BackendImports::of(["a"]);
        let refused =
            |lock: &str| pruned_for_install(package_json, lock.as_bytes(), Some(&imports));
        // Folders that climb, or are no package folder at all.
        for path in [
            "node_modules/../../etc",
            "node_modules/a/../b",
            "node_modules/a/node_modules/../../x",
            "../node_modules/a",
            "node_modules/",
            "node_modules/@scope",
            "node_modules/a/b/c",
            "/abs/node_modules/a",
        ] {
            let lock = serde_json::json!({"lockfileVersion": 3, "packages": {
                "": {"dependencies": {"a": "1", "b": "1"}},
                "node_modules/a": {"version": "1.0.0"},
                path: {"version": "1.0.0"},
            }})
            .to_string();
            assert!(
                matches!(refused(&lock), Err(LockfileRefused::PackagePath { .. })),
                "{path}"
            );
        }
        // Absurd nesting.
        let deep = vec!["node_modules/a"; MAX_NESTING + 1].join("/");
        let lock = serde_json::json!({"lockfileVersion": 3, "packages": {
            "": {"dependencies": {"a": "1"}},
            deep: {"version": "1.0.0"},
        }})
        .to_string();
        assert!(matches!(
            refused(&lock),
            Err(LockfileRefused::PackagePath { .. })
        ));
        // Too many packages.
        let mut packages = serde_json::Map::new();
        for i in 0..=MAX_LOCK_PACKAGES {
            packages.insert(format!("node_modules/p{i}"), serde_json::json!({}));
        }
        let lock = serde_json::json!({"lockfileVersion": 3, "packages": packages}).to_string();
        assert_eq!(refused(&lock).err(), Some(LockfileRefused::TooManyPackages));
        // Too large to read.
        let huge = vec![b' '; MAX_LOCK_BYTES + 1];
        assert!(matches!(
            pruned_for_install(package_json, &huge, None),
            Err(LockfileRefused::TooLarge { .. })
        ));
        // A dependency name that climbs resolves to nothing.
        let lock = serde_json::json!({"lockfileVersion": 3, "packages": {
            "": {"dependencies": {"a": "1", "b": "1"}},
            "node_modules/a": {"version": "1.0.0", "dependencies": {"../b": "1", "b/../b": "1"}},
            "node_modules/b": {"version": "1.0.0"},
        }})
        .to_string();
        let pruned = refused(&lock).unwrap().expect("b to drop");
        assert_eq!(kept_paths(&pruned), ["", "node_modules/a"]);
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
