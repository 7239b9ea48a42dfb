//! Where `npm ci` fetches a JS app's packages from: the public npm registry,
//! whatever host the app's lockfile recorded.
//!
//! A lockfile written behind a company mirror records the mirror's tarball
//! URLs: Atlassian's own public Forge apps (jenkins-for-jira,
//! issue-status-helper) record `https://packages.atlassian.com/api/npm/
//! npm-remote/@forge/api/-/api-3.9.1.tgz`, which no one outside Atlassian can
//! reach, so `npm ci` failed on `getaddrinfo ENOTFOUND`. npm's own
//! `replace-registry-host` keeps the mirror's path (`/api/npm/npm-remote/…`)
//! and answers 404. A package's bytes are pinned by the lockfile's
//! `integrity` (a SHA-512 of the tarball), not by its URL, so the same
//! package at the same version is fetched from the public registry and npm
//! checks it against that hash: a mirror that served other bytes would have
//! recorded another hash, and a registry that serves other bytes is refused.
//!
//! Lockfiles npm 5 and 6 wrote (`lockfileVersion` 1, as in Atlassian's
//! ghe-for-jira) are moved by the same rule: npm 7 and later still install
//! them. Their older entries pin a tarball by SHA-1 (`sha1-…`), which npm
//! checks the same way; a SHA-1 collision needs both tarballs made by one
//! party, and a version's tarball on the public registry cannot be replaced
//! once published.
//!
//! Only entries that are plainly registry tarballs are moved: `http(s)` URLs
//! ending in `/<name>/-/<name>-<version>.tgz` for the entry's own name and
//! version (the file named with or without its scope), with an `integrity`. Git, file and link dependencies, and anything without
//! an `integrity`, are left as written. The app's `.npmrc` never reaches npm
//! (its registries and credentials are not read), so a private package was
//! never installable: it fails with npm's 404 for that name.

use serde_json::{Map, Value};

/// The registry every rewritten tarball comes from.
const PUBLIC_REGISTRY: &str = "https://registry.npmjs.org";

/// The host of [`PUBLIC_REGISTRY`], as [`url_host`] reads it.
pub const PUBLIC_REGISTRY_HOST: &str = "registry.npmjs.org";

/// `lock` (an npm lockfile, any version) with every registry tarball URL on
/// another host pointed at [`PUBLIC_REGISTRY`]; `None` when there is none to
/// move, or it is not JSON.
///
/// v2 and v3 list each installed package under `packages`, by its folder;
/// v1 (npm 5 and 6, still in many Forge apps) nests them: `dependencies`
/// by name, each entry with its own `dependencies` below it. The same rule
/// ([`point_at_public_registry`]) moves an entry of either.
pub fn public_registry_lock(lock: &[u8]) -> Option<Vec<u8>> {
    let mut lock: Value = serde_json::from_slice(lock).ok()?;
    let v2 = lock.get("packages").is_some();
    let moved = if v2 {
        let packages = lock.get_mut("packages")?.as_object_mut()?;
        let mut moved = 0;
        for (path, entry) in packages.iter_mut() {
            let Some(name) = package_name(path, entry) else {
                continue;
            };
            if let Some(entry) = entry.as_object_mut()
                && point_at_public_registry(entry, &name)
            {
                moved += 1;
            }
        }
        moved
    } else {
        let dependencies = lock.get_mut("dependencies")?.as_object_mut()?;
        moved_v1(dependencies)
    };
    if moved == 0 {
        return None;
    }
    // v2's copy for npm 6 (`dependencies`), which npm 7 and later do not
    // read, would keep the old URLs: dropped. In v1 it is the lockfile.
    if v2 && let Some(lock) = lock.as_object_mut() {
        lock.remove("dependencies");
    }
    serde_json::to_vec_pretty(&lock).ok()
}

/// [`point_at_public_registry`] for every entry of a v1 `dependencies`
/// object and the ones nested in them; how many were moved. The depth is
/// bounded by serde_json's, which refuses a document nested deeper than 128.
fn moved_v1(dependencies: &mut Map<String, Value>) -> usize {
    let mut moved = 0;
    for (name, entry) in dependencies.iter_mut() {
        let Some(entry) = entry.as_object_mut() else {
            continue;
        };
        if let Some(nested) = entry.get_mut("dependencies").and_then(Value::as_object_mut) {
            moved += moved_v1(nested);
        }
        if point_at_public_registry(entry, name) {
            moved += 1;
        }
    }
    moved
}

/// The one rule, for an entry of any lockfile version installing `name`:
/// its `resolved` moves to [`PUBLIC_REGISTRY`] when the entry has an
/// `integrity` and `resolved` is a registry tarball of that name and
/// `version` ([`public_tarball`]). Whether it was changed.
///
/// v1 writes an alias's real package into `version` (`npm:real-name@2.0.0`)
/// where v2 writes it into `name` ([`package_name`]); either is read.
fn point_at_public_registry(entry: &mut Map<String, Value>, name: &str) -> bool {
    if entry.get("integrity").and_then(Value::as_str).is_none() {
        return false;
    }
    let (Some(resolved), Some(version)) = (
        entry.get("resolved").and_then(Value::as_str),
        entry.get("version").and_then(Value::as_str),
    ) else {
        return false;
    };
    let (name, version) = match version
        .strip_prefix("npm:")
        .and_then(|aliased| aliased.rsplit_once('@'))
    {
        Some((real_name, version)) => (real_name, version),
        None => (name, version),
    };
    match public_tarball(resolved, name, version) {
        Some(public) if public != resolved => {
            entry.insert("resolved".to_owned(), Value::String(public));
            true
        }
        _ => false,
    }
}

/// The hosts, other than [`PUBLIC_REGISTRY_HOST`], that `lock` (as npm will
/// read it, after [`public_registry_lock`]) has npm fetch from: each
/// `resolved` URL's (a mirror's tarball without an `integrity`, a git
/// repository), sorted, once each. Empty: every package comes from the
/// public registry (npm's default for an entry naming none). `None`: not a
/// lockfile this reads. What an install's failure may say it fetched.
pub fn other_hosts(lock: &[u8]) -> Option<Vec<String>> {
    let lock: Value = serde_json::from_slice(lock).ok()?;
    let mut hosts = std::collections::BTreeSet::new();
    let mut note = |entry: &Value| {
        // A v1 git dependency records its URL in `version`, with no `resolved`.
        let source = entry
            .get("resolved")
            .or_else(|| entry.get("version"))
            .and_then(Value::as_str);
        if let Some(host) = source.and_then(|source| url_host(source).or_else(|| git_host(source)))
            && host != PUBLIC_REGISTRY_HOST
        {
            hosts.insert(host);
        }
    };
    if let Some(packages) = lock.get("packages") {
        packages.as_object()?.values().for_each(&mut note);
    } else {
        let mut pending = vec![lock.get("dependencies")?.as_object()?];
        while let Some(dependencies) = pending.pop() {
            for entry in dependencies.values() {
                note(entry);
                if let Some(nested) = entry.get("dependencies").and_then(Value::as_object) {
                    pending.push(nested);
                }
            }
        }
    }
    Some(hosts.into_iter().collect())
}

/// The host npm's shorthand for a hosted git repository fetches from
/// (`github:owner/repo#sha`, as a v1 lockfile may record one).
fn git_host(spec: &str) -> Option<String> {
    let host = match spec.split_once(':')?.0 {
        "github" => "github.com",
        "gist" => "gist.github.com",
        "gitlab" => "gitlab.com",
        "bitbucket" => "bitbucket.org",
        _ => return None,
    };
    Some(host.to_owned())
}

/// The host of a URL (`https://user@Host:8443/path` -> `host`), in lower
/// case as DNS compares it; `None` for what is no URL (a version, `file:../x`)
/// and for a host of any character a DNS name or an IP address cannot hold.
/// The URL is the lockfile's (the app's text) and the host goes into Kiln's
/// own messages, so nothing else may pass: no escape sequence, no space, no
/// text posing as more of the message.
pub fn url_host(url: &str) -> Option<String> {
    let (_, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    // `[::1]:8080` keeps its brackets; `host:8080` loses its port.
    let host = match host.strip_prefix('[') {
        Some(_) => host.split_inclusive(']').next()?,
        None => host.split(':').next()?,
    };
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
    let ipv6 = |c: char| c.is_ascii_hexdigit() || matches!(c, ':' | '.' | '[' | ']');
    let valid = !host.is_empty()
        && host.len() <= 255
        && (host.chars().all(plain) || (host.starts_with('[') && host.chars().all(ipv6)));
    valid.then(|| host.to_ascii_lowercase())
}

/// The package an entry installs: its `name` (an alias's real name), else
/// the last `node_modules/<name>` of its path. `None` for the root.
fn package_name(path: &str, entry: &Value) -> Option<String> {
    if let Some(name) = entry.get("name").and_then(Value::as_str) {
        return Some(name.to_owned());
    }
    let at = path.rfind("node_modules/")?;
    Some(path[at + "node_modules/".len()..].to_owned())
}

/// `resolved` on the public registry, when it is a registry tarball of
/// `name` at `version`: `<any origin and prefix>/<name>/-/<file>-<version>.tgz`
/// with `<file>` the name without its scope (npm's own shape), or, for a
/// scoped name, the whole name (`/@forge/ui/-/@forge/ui-1.11.4.tgz`: how
/// Artifactory's `atlassian-npm` repository names them, in the lockfile of
/// Atlassian's My Reminders). Both names in the path are the entry's own:
/// a path of one package and a file of another (`/@forge/ui/-/@evil/ui-…`)
/// is not a registry tarball of either. The answer is always the public
/// registry's canonical `/<name>/-/<base>-<version>.tgz`. `None` otherwise.
fn public_tarball(resolved: &str, name: &str, version: &str) -> Option<String> {
    if !(resolved.starts_with("https://") || resolved.starts_with("http://")) {
        return None;
    }
    if !is_package_name(name) || !is_version(version) {
        return None;
    }
    let base = name.rsplit('/').next()?;
    let canonical = format!("/{name}/-/{base}-{version}.tgz");
    let url = resolved.split(['?', '#']).next()?;
    // The mirror's path may spell the scope's `/` as `%2f` (or `%2F`), in
    // the folder and in a file name that repeats the scope.
    let spellings: Vec<String> = if name.starts_with('@') {
        vec![
            name.to_owned(),
            name.replacen('/', "%2f", 1),
            name.replacen('/', "%2F", 1),
        ]
    } else {
        vec![name.to_owned()]
    };
    let file_names = spellings.iter().map(String::as_str).chain([base]);
    let matches = file_names
        .flat_map(|file| {
            spellings
                .iter()
                .map(move |folder| format!("/{folder}/-/{file}-{version}.tgz"))
        })
        .any(|tail| url.ends_with(&tail));
    matches.then(|| format!("{PUBLIC_REGISTRY}{canonical}"))
}

/// npm's package names: an optional `@scope/`, then URL-safe characters;
/// nothing that could change the URL built from it. Capitals are npm's
/// legacy names (`JSONStream`, still in many older lockfiles): new names
/// cannot have them, and they change no URL.
fn is_package_name(name: &str) -> bool {
    let bare = match name.strip_prefix('@') {
        Some(scoped) => match scoped.split_once('/') {
            Some((scope, rest)) if is_name_part(scope) => rest,
            _ => return false,
        },
        None => name,
    };
    is_name_part(bare) && name.len() <= 214
}

fn is_name_part(part: &str) -> bool {
    !part.is_empty()
        && !part.starts_with('.')
        && part
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// A semantic version as npm writes it in a lockfile: digits, dots, and a
/// pre-release or build of `[0-9A-Za-z.+-]`.
fn is_version(version: &str) -> bool {
    !version.is_empty()
        && version.len() <= 256
        && version.starts_with(|c: char| c.is_ascii_digit())
        && version
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".+-".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn moved(lock: Value) -> Option<Value> {
        public_registry_lock(&serde_json::to_vec(&lock).unwrap())
            .map(|bytes| serde_json::from_slice(&bytes).unwrap())
    }

    #[test]
    fn a_mirrors_tarballs_come_from_the_public_registry() {
        let lock = json!({
            "lockfileVersion": 3,
            "packages": {
                "": { "dependencies": { "@forge/api": "^3.9.1", "lodash": "^4.17.21" } },
                "node_modules/@forge/api": {
                    "version": "3.9.1",
                    "resolved": "https://packages.atlassian.com/api/npm/npm-remote/@forge/api/-/api-3.9.1.tgz",
                    "integrity": "sha512-AAAA"
                },
                "node_modules/lodash": {
                    "version": "4.17.21",
                    "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz",
                    "integrity": "sha512-BBBB"
                },
                "node_modules/a/node_modules/escaped": {
                    "version": "1.0.0-beta.1",
                    "resolved": "https://mirror.example/npm/escaped/-/escaped-1.0.0-beta.1.tgz?token=x",
                    "integrity": "sha512-CCCC"
                }
            },
            "dependencies": { "@forge/api": { "version": "3.9.1" } }
        });
        let out = moved(lock).expect("two moved");
        let packages = &out["packages"];
        assert_eq!(
            packages["node_modules/@forge/api"]["resolved"],
            "https://registry.npmjs.org/@forge/api/-/api-3.9.1.tgz"
        );
        assert_eq!(
            packages["node_modules/@forge/api"]["integrity"],
            "sha512-AAAA"
        );
        assert_eq!(
            packages["node_modules/lodash"]["resolved"],
            "https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz"
        );
        assert_eq!(
            packages["node_modules/a/node_modules/escaped"]["resolved"],
            "https://registry.npmjs.org/escaped/-/escaped-1.0.0-beta.1.tgz"
        );
        assert!(out.get("dependencies").is_none());
    }

    #[test]
    fn a_scope_spelled_escaped_and_an_alias_are_read() {
        let lock = json!({
            "lockfileVersion": 2,
            "packages": {
                "node_modules/@forge/kvs": {
                    "version": "1.0.0",
                    "resolved": "https://mirror.example/r/@forge%2Fkvs/-/kvs-1.0.0.tgz",
                    "integrity": "sha512-A"
                },
                "node_modules/old-name": {
                    "name": "real-name",
                    "version": "2.0.0",
                    "resolved": "https://mirror.example/r/real-name/-/real-name-2.0.0.tgz",
                    "integrity": "sha512-B"
                }
            }
        });
        let out = moved(lock).expect("moved");
        assert_eq!(
            out["packages"]["node_modules/@forge/kvs"]["resolved"],
            "https://registry.npmjs.org/@forge/kvs/-/kvs-1.0.0.tgz"
        );
        assert_eq!(
            out["packages"]["node_modules/old-name"]["resolved"],
            "https://registry.npmjs.org/real-name/-/real-name-2.0.0.tgz"
        );
    }

    #[test]
    fn a_tarball_named_with_its_scope_comes_from_the_public_registry() {
        // Artifactory's `atlassian-npm` repository, as in Atlassian's My Reminders.
        let lock = json!({
            "lockfileVersion": 3,
            "packages": {
                "node_modules/@forge/ui": {
                    "version": "1.11.4",
                    "resolved": "https://packages.atlassian.com/api/npm/atlassian-npm/@forge/ui/-/@forge/ui-1.11.4.tgz",
                    "integrity": "sha512-A"
                },
                "node_modules/@forge/bridge": {
                    "version": "2.0.0",
                    "resolved": "https://mirror.example/r/@forge%2fbridge/-/@forge%2fbridge-2.0.0.tgz?x=1",
                    "integrity": "sha512-B"
                },
                "node_modules/@forge/api": {
                    "version": "3.9.1",
                    "resolved": "https://packages.atlassian.com/api/npm/npm-remote/@forge/api/-/api-3.9.1.tgz",
                    "integrity": "sha512-C"
                },
                "node_modules/alias": {
                    "name": "@forge/kvs",
                    "version": "1.6.0",
                    "resolved": "https://mirror.example/@forge/kvs/-/@forge/kvs-1.6.0.tgz",
                    "integrity": "sha512-D"
                }
            }
        });
        let out = moved(lock).expect("moved");
        let packages = &out["packages"];
        for (path, public) in [
            (
                "node_modules/@forge/ui",
                "https://registry.npmjs.org/@forge/ui/-/ui-1.11.4.tgz",
            ),
            (
                "node_modules/@forge/bridge",
                "https://registry.npmjs.org/@forge/bridge/-/bridge-2.0.0.tgz",
            ),
            (
                "node_modules/@forge/api",
                "https://registry.npmjs.org/@forge/api/-/api-3.9.1.tgz",
            ),
            (
                "node_modules/alias",
                "https://registry.npmjs.org/@forge/kvs/-/kvs-1.6.0.tgz",
            ),
        ] {
            assert_eq!(packages[path]["resolved"], public, "{path}");
        }
        assert_eq!(packages["node_modules/@forge/ui"]["integrity"], "sha512-A");
        // The same shape in a v1 lockfile.
        let v1 = json!({ "lockfileVersion": 1, "dependencies": { "@forge/ui": {
            "version": "1.11.4",
            "resolved": "https://packages.atlassian.com/api/npm/atlassian-npm/@forge/ui/-/@forge/ui-1.11.4.tgz",
            "integrity": "sha512-A"
        } } });
        assert_eq!(
            moved(v1).expect("moved")["dependencies"]["@forge/ui"]["resolved"],
            "https://registry.npmjs.org/@forge/ui/-/ui-1.11.4.tgz"
        );
    }

    #[test]
    fn a_tarball_named_with_a_scope_is_moved_only_when_it_is_the_entrys_own() {
        let mirror = "https://packages.atlassian.com/api/npm/atlassian-npm";
        for (name, version, resolved, integrity) in [
            // No integrity: nothing pins the bytes.
            (
                "@forge/ui",
                "1.11.4",
                format!("{mirror}/@forge/ui/-/@forge/ui-1.11.4.tgz"),
                None,
            ),
            // The file is another package's: another scope, another name.
            (
                "@forge/ui",
                "1.11.4",
                format!("{mirror}/@forge/ui/-/@evil/ui-1.11.4.tgz"),
                Some("sha512-A"),
            ),
            (
                "@forge/ui",
                "1.11.4",
                format!("{mirror}/@forge/ui/-/@forge/api-1.11.4.tgz"),
                Some("sha512-A"),
            ),
            // The folder is another package's, the file the entry's.
            (
                "@forge/ui",
                "1.11.4",
                format!("{mirror}/@evil/ui/-/@forge/ui-1.11.4.tgz"),
                Some("sha512-A"),
            ),
            (
                "@forge/ui",
                "1.11.4",
                format!("{mirror}/evil/-/@forge/ui-1.11.4.tgz"),
                Some("sha512-A"),
            ),
            // Another version's file.
            (
                "@forge/ui",
                "1.11.4",
                format!("{mirror}/@forge/ui/-/@forge/ui-1.11.5.tgz"),
                Some("sha512-A"),
            ),
            // An unscoped entry named like the scoped package's base.
            (
                "ui",
                "1.11.4",
                format!("{mirror}/@forge/ui/-/@forge/ui-1.11.4.tgz"),
                Some("sha512-A"),
            ),
            // A scope spelled only in the file, or climbing out of it.
            (
                "@forge/ui",
                "1.11.4",
                format!("{mirror}/ui/-/@forge/ui-1.11.4.tgz"),
                Some("sha512-A"),
            ),
            (
                "@forge/ui",
                "1.11.4",
                format!("{mirror}/@forge/ui/-/@forge/../ui-1.11.4.tgz"),
                Some("sha512-A"),
            ),
        ] {
            let mut entry = json!({ "name": name, "version": version, "resolved": resolved });
            if let Some(integrity) = integrity {
                entry["integrity"] = json!(integrity);
            }
            let lock = json!({ "lockfileVersion": 3, "packages": { "node_modules/x": entry } });
            assert_eq!(moved(lock), None, "{name} {resolved}");
        }
    }

    #[test]
    fn what_is_not_a_pinned_registry_tarball_stays_as_written() {
        for entry in [
            // No integrity: nothing pins the bytes.
            json!({ "version": "1.0.0", "resolved": "https://mirror.example/x/-/x-1.0.0.tgz" }),
            // Git, file and other shapes.
            json!({ "version": "1.0.0", "resolved": "git+ssh://git@github.com/a/x.git#abc", "integrity": "sha512-A" }),
            json!({ "version": "1.0.0", "resolved": "file:../x", "integrity": "sha512-A" }),
            json!({ "version": "1.0.0", "resolved": "https://mirror.example/x-1.0.0.tgz", "integrity": "sha512-A" }),
            // Another package's or version's tarball.
            json!({ "version": "1.0.0", "resolved": "https://mirror.example/y/-/y-1.0.0.tgz", "integrity": "sha512-A" }),
            json!({ "version": "1.0.1", "resolved": "https://mirror.example/x/-/x-1.0.0.tgz", "integrity": "sha512-A" }),
            // A version that would change the URL.
            json!({ "version": "1.0.0/../../evil", "resolved": "https://mirror.example/x/-/x-1.0.0/../../evil.tgz", "integrity": "sha512-A" }),
        ] {
            let lock = json!({ "packages": { "node_modules/x": entry } });
            assert_eq!(moved(lock), None, "{entry}");
        }
        // Nothing to move in a v1 lockfile; not JSON at all is left to npm.
        assert_eq!(
            moved(json!({ "lockfileVersion": 1, "dependencies": {} })),
            None
        );
        assert_eq!(public_registry_lock(b"not json"), None);
        // A name that is no npm name is never put into a URL.
        assert!(!is_package_name("../x") && !is_package_name("@a/../b") && !is_package_name("a b"));
        assert!(is_package_name("@forge/api") && is_package_name("lodash.get"));
        assert!(is_package_name("JSONStream"));
    }

    /// A v1 lockfile as npm 6 wrote ghe-for-jira's, behind Atlassian's mirror.
    fn v1_lock() -> Value {
        json!({
            "name": "app",
            "lockfileVersion": 1,
            "requires": true,
            "dependencies": {
                "@forge/api": {
                    "version": "2.2.0",
                    "resolved": "https://packages.atlassian.com/api/npm/npm-remote/@forge/api/-/api-2.2.0.tgz",
                    "integrity": "sha1-hNGAf84sEvJKtOc8a/dc24ennck=",
                    "requires": { "node-fetch": "^2.6.1" }
                },
                "sha.js": {
                    "version": "2.4.11",
                    "resolved": "https://packages.atlassian.com/api/npm/npm-remote/sha.js/-/sha.js-2.4.11.tgz",
                    "integrity": "sha512-QMEp5B7cftE7APOjk5Y6xgrbWu+WkLVQwk8JNjZ8nKRciZaByEW6MubieAiToS7+dwvrjGhH8jRXz3MVd0AYqQ==",
                    "requires": { "safe-buffer": "^5.0.1" },
                    "dependencies": {
                        "safe-buffer": {
                            "version": "5.2.1",
                            "resolved": "https://packages.atlassian.com/api/npm/npm-remote/safe-buffer/-/safe-buffer-5.2.1.tgz",
                            "integrity": "sha512-rp3So07KcdmmKbGvgaNxQSJr7bGVSVk5S9Eq1F+ppbRo70+YeaDxkw5Dd8NPN+GD6bjnYm2VuPuCXmpuYvmCXQ==",
                            "dependencies": {
                                "@types/deep": {
                                    "version": "1.0.0",
                                    "resolved": "https://mirror.example/npm/@types%2fdeep/-/deep-1.0.0.tgz",
                                    "integrity": "sha512-D"
                                }
                            }
                        }
                    }
                },
                "lodash": {
                    "version": "4.17.21",
                    "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz",
                    "integrity": "sha512-B"
                },
                "JSONStream": {
                    "version": "1.3.5",
                    "resolved": "https://packages.atlassian.com/api/npm/npm-remote/JSONStream/-/JSONStream-1.3.5.tgz",
                    "integrity": "sha512-E"
                },
                "string-width-cjs": {
                    "version": "npm:string-width@4.2.3",
                    "resolved": "https://packages.atlassian.com/api/npm/npm-remote/string-width/-/string-width-4.2.3.tgz",
                    "integrity": "sha512-C"
                },
                "unpinned": {
                    "version": "1.0.0",
                    "resolved": "https://packages.atlassian.com/api/npm/npm-remote/unpinned/-/unpinned-1.0.0.tgz"
                },
                "from-git": {
                    "version": "git+https://github.com/a/from-git.git#0123abc",
                    "from": "git+https://github.com/a/from-git.git"
                },
                "from-gitlab": {
                    "version": "gitlab:a/from-gitlab#0123abc",
                    "from": "gitlab:a/from-gitlab"
                },
                "bundled-inside": { "version": "1.0.0", "bundled": true }
            }
        })
    }

    #[test]
    fn a_v1_lockfiles_nested_tarballs_come_from_the_public_registry() {
        let lock = v1_lock();
        let out = moved(lock.clone()).expect("moved");
        let deps = &out["dependencies"];
        assert_eq!(
            deps["@forge/api"]["resolved"],
            "https://registry.npmjs.org/@forge/api/-/api-2.2.0.tgz"
        );
        // The hash that pins the bytes, SHA-1 here, is kept as written.
        assert_eq!(
            deps["@forge/api"]["integrity"],
            "sha1-hNGAf84sEvJKtOc8a/dc24ennck="
        );
        assert_eq!(
            deps["sha.js"]["resolved"],
            "https://registry.npmjs.org/sha.js/-/sha.js-2.4.11.tgz"
        );
        let safe_buffer = &deps["sha.js"]["dependencies"]["safe-buffer"];
        assert_eq!(
            safe_buffer["resolved"],
            "https://registry.npmjs.org/safe-buffer/-/safe-buffer-5.2.1.tgz"
        );
        // Two levels down, scoped, its scope's `/` escaped by the mirror.
        assert_eq!(
            safe_buffer["dependencies"]["@types/deep"]["resolved"],
            "https://registry.npmjs.org/@types/deep/-/deep-1.0.0.tgz"
        );
        // A legacy name, with capitals.
        assert_eq!(
            deps["JSONStream"]["resolved"],
            "https://registry.npmjs.org/JSONStream/-/JSONStream-1.3.5.tgz"
        );
        // An alias: its real package's tarball.
        assert_eq!(
            deps["string-width-cjs"]["resolved"],
            "https://registry.npmjs.org/string-width/-/string-width-4.2.3.tgz"
        );
        // No integrity, git, bundled: as written. The rest of each entry too,
        // and v1's `dependencies` is the lockfile itself: it stays.
        for name in [
            "unpinned",
            "from-git",
            "from-gitlab",
            "bundled-inside",
            "lodash",
        ] {
            assert_eq!(deps[name], lock["dependencies"][name], "{name}");
        }
        assert_eq!(
            deps["sha.js"]["requires"],
            json!({ "safe-buffer": "^5.0.1" })
        );
        assert_eq!(out["lockfileVersion"], 1);
        assert_eq!(out["requires"], true);

        // What npm then fetches from elsewhere: the one entry without an
        // integrity, and the git repositories.
        let bytes = serde_json::to_vec(&out).unwrap();
        assert_eq!(
            other_hosts(&bytes),
            Some(vec![
                "github.com".to_owned(),
                "gitlab.com".to_owned(),
                "packages.atlassian.com".to_owned()
            ])
        );
        assert_eq!(
            other_hosts(&serde_json::to_vec(&lock).unwrap()).map(|hosts| hosts.len()),
            Some(4)
        );
    }

    #[test]
    fn a_hostile_v1_entry_is_never_put_into_a_url() {
        for (name, version, resolved) in [
            // A name that climbs out of the registry's paths.
            (
                "../../evil",
                "1.0.0",
                "https://mirror.example/../../evil/-/evil-1.0.0.tgz",
            ),
            (
                "@a/../b",
                "1.0.0",
                "https://mirror.example/@a/../b/-/b-1.0.0.tgz",
            ),
            // A version that does.
            (
                "x",
                "1.0.0/../../evil",
                "https://mirror.example/x/-/x-1.0.0/../../evil.tgz",
            ),
            // An alias naming such a package.
            (
                "x",
                "npm:../evil@1.0.0",
                "https://mirror.example/../evil/-/evil-1.0.0.tgz",
            ),
            // Characters no npm name has, which a URL would read.
            (
                "a%2f..%2fb",
                "1.0.0",
                "https://mirror.example/a%2f..%2fb/-/a%2f..%2fb-1.0.0.tgz",
            ),
            ("a?b", "1.0.0", "https://mirror.example/a?b/-/a?b-1.0.0.tgz"),
        ] {
            let lock = json!({
                "lockfileVersion": 1,
                "dependencies": {
                    "a": {
                        "version": "1.0.0",
                        "dependencies": {
                            name: { "version": version, "resolved": resolved, "integrity": "sha512-A" }
                        }
                    }
                }
            });
            assert_eq!(moved(lock), None, "{name} {version}");
        }
    }

    #[test]
    fn hosts_are_read_from_urls_only() {
        assert_eq!(
            url_host("https://user:pw@Mirror.Example:8443/x?y").as_deref(),
            Some("mirror.example")
        );
        assert_eq!(
            url_host("git+ssh://git@github.com/a/b.git#c").as_deref(),
            Some("github.com")
        );
        assert_eq!(url_host("http://[::1]:4873/x").as_deref(), Some("[::1]"));
        assert_eq!(url_host("file:../x"), None);
        assert_eq!(url_host("1.0.0"), None);
        // The lockfile's text goes into Kiln's messages: a host that could carry anything
        // else (a terminal escape, a space, a line break) is no host.
        for hostile in [
            "https://evil\u{1b}[2J.example/x",
            "https://a b.example/x",
            "https://a\nerror: forged/x",
            "https://%41.example/x",
            "https://[::1\u{7}]/x",
        ] {
            assert_eq!(url_host(hostile), None, "{hostile:?}");
        }
        // A v2 lockfile with a link and an entry naming no URL: nothing else.
        let lock = json!({ "lockfileVersion": 3, "packages": {
            "": { "name": "app" },
            "node_modules/w": { "resolved": "packages/w", "link": true },
            "node_modules/x": { "version": "1.0.0", "resolved": "https://registry.npmjs.org/x/-/x-1.0.0.tgz" }
        }});
        assert_eq!(
            other_hosts(&serde_json::to_vec(&lock).unwrap()),
            Some(vec![])
        );
        assert_eq!(other_hosts(b"[]"), None);
    }
}
