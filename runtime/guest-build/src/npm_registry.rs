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
//! Only entries that are plainly registry tarballs are moved: `http(s)` URLs
//! ending in `/-/<name>-<version>.tgz` for the entry's own name and version,
//! with an `integrity`. Git, file and link dependencies, and anything without
//! an `integrity`, are left as written. The app's `.npmrc` never reaches npm
//! (its registries and credentials are not read), so a private package was
//! never installable: it fails with npm's 404 for that name.

use serde_json::Value;

/// The registry every rewritten tarball comes from.
const PUBLIC_REGISTRY: &str = "https://registry.npmjs.org";

/// `lock` (a v2 or v3 npm lockfile) with every registry tarball URL on
/// another host pointed at [`PUBLIC_REGISTRY`]; `None` when there is none to
/// move (or the lockfile is not one this reads: v1 has no `packages`).
pub fn public_registry_lock(lock: &[u8]) -> Option<Vec<u8>> {
    let mut lock: Value = serde_json::from_slice(lock).ok()?;
    let packages = lock.get_mut("packages")?.as_object_mut()?;
    let mut moved = 0;
    for (path, entry) in packages.iter_mut() {
        let Some(name) = package_name(path, entry) else {
            continue;
        };
        let Some(entry) = entry.as_object_mut() else {
            continue;
        };
        if entry.get("integrity").and_then(Value::as_str).is_none() {
            continue;
        }
        let (Some(resolved), Some(version)) = (
            entry.get("resolved").and_then(Value::as_str),
            entry.get("version").and_then(Value::as_str),
        ) else {
            continue;
        };
        let Some(public) = public_tarball(resolved, &name, version) else {
            continue;
        };
        if public != resolved {
            entry.insert("resolved".to_owned(), Value::String(public));
            moved += 1;
        }
    }
    if moved == 0 {
        return None;
    }
    // v2's copy for npm 6 (`dependencies`), which npm 7 and later do not
    // read, would keep the old URLs: dropped.
    if let Some(lock) = lock.as_object_mut() {
        lock.remove("dependencies");
    }
    serde_json::to_vec_pretty(&lock).ok()
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
/// `name` at `version`: `<any origin and prefix>/<name>/-/<base>-<version>.tgz`
/// with `<base>` the name without its scope. `None` otherwise.
fn public_tarball(resolved: &str, name: &str, version: &str) -> Option<String> {
    if !(resolved.starts_with("https://") || resolved.starts_with("http://")) {
        return None;
    }
    if !is_package_name(name) || !is_version(version) {
        return None;
    }
    let base = name.rsplit('/').next()?;
    let tail = format!("/{name}/-/{base}-{version}.tgz");
    // The mirror's path may spell the scope's `/` as `%2f`.
    let escaped_tail = format!("/{}/-/{base}-{version}.tgz", name.replacen('/', "%2f", 1));
    let url = resolved.split(['?', '#']).next()?;
    let lower = url.to_ascii_lowercase();
    if !(url.ends_with(&tail) || lower.ends_with(&escaped_tail.to_ascii_lowercase())) {
        return None;
    }
    Some(format!("{PUBLIC_REGISTRY}{tail}"))
}

/// npm's package names: an optional `@scope/`, then URL-safe lower-case
/// characters; nothing that could change the URL built from it.
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
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-._~".contains(&b))
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
        // A v1 lockfile has no `packages`; not JSON at all is left to npm.
        assert_eq!(
            moved(json!({ "lockfileVersion": 1, "dependencies": {} })),
            None
        );
        assert_eq!(public_registry_lock(b"not json"), None);
        // A name that is no npm name is never put into a URL.
        assert!(!is_package_name("../x") && !is_package_name("@a/../b") && !is_package_name("X"));
        assert!(is_package_name("@forge/api") && is_package_name("lodash.get"));
    }
}
