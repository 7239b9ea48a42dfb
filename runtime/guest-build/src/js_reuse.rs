//! Reusing the last build of an unchanged JavaScript app.
//!
//! A JS build takes seconds (bundle, splice, snapshot) where cargo's no-op
//! build of a Rust app takes a fraction of one, and `runtime run DIR` builds
//! before every run. Builds are reproducible ([`crate::wizer`]), so a build
//! of the same inputs would give the same bytes: the last component can be
//! used instead, as long as *everything* the build read is unchanged. The
//! fingerprint covers:
//!
//! | input | how |
//! |---|---|
//! | the app folder | every file's path and contents (SHA-256), every symlink's target, recursively; not `node_modules/` and `.git/` (dependencies come from the lockfile, which is covered) nor `.wasm` files (`runtime build` writes its output there) |
//! | every other file the last build bundled (the Forge layer, the installed dependencies, an app's own `node_modules/`, anything outside the folder) | the contents of each, listed by the last build's report |
//! | the toolchain, the wizer | [`crate::js::toolchain_id`] |
//! | what the manifest decides (handler modules, egress backends, entities, consumers) and whether the build is isolated | their JSON |
//! | Node.js | its path, size and modification time |
//!
//! An input that cannot be read makes the fingerprint differ, so the app is
//! built again: reuse can only skip a build, never make one wrong or fail.
//! The record lives beside the build's output folder, where the sandboxed
//! build cannot write, and is removed before a build starts, so a failed or
//! interrupted build is never taken for the last good one. The app folder is
//! read before the build and again after it, and a build during which it
//! changed is not recorded (its component may hold either version). The
//! other bundled files are read after the build: Kiln's toolchain and the
//! installed dependencies do not change during one; one of the app's own
//! `node_modules/`, or a file it imports from outside its folder (possible
//! only in an unisolated build: the sandbox mounts nothing else), edited
//! during the build could be missed.

use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use crate::js::hex;

/// Names the record's format; a change makes every record stale.
const FORMAT: &[u8] = b"kiln js build fingerprint 1\0";

/// Folders of the app that are not build inputs.
const SKIPPED_DIRS: &[&str] = &["node_modules", ".git"];

/// What decides a build besides the files.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct BuildSettings<'a> {
    pub toolchain: &'a str,
    pub handler_modules: &'a [String],
    pub fetch_backends: &'a [String],
    pub entities: &'a [serde_json::Value],
    pub consumers: &'a [serde_json::Value],
    pub app_id: &'a str,
    pub scopes: &'a [String],
    pub licensed: bool,
    pub node_runtime: Option<&'a str>,
    pub architecture: Option<&'a str>,
    pub isolated: bool,
    pub node: PathBuf,
}

/// The record of the last good build, kept at `<work>/last-build.json`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct LastBuild {
    /// The fingerprint of its inputs.
    pub fingerprint: String,
    /// The files it bundled that [`tree_digest`] does not cover.
    pub other_inputs: Vec<PathBuf>,
}

/// Where the record of the last good build of `work_dir` lives.
pub(crate) fn record_path(work_dir: &Path) -> PathBuf {
    work_dir.join("last-build.json")
}

/// The last build's record, if there is a readable one.
pub(crate) fn last_build(work_dir: &Path) -> Option<LastBuild> {
    let text = fs::read(record_path(work_dir)).ok()?;
    serde_json::from_slice(&text).ok()
}

/// Forgets the last build (before a new one starts).
pub(crate) fn forget(work_dir: &Path) -> std::io::Result<()> {
    match fs::remove_file(record_path(work_dir)) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
        _ => Ok(()),
    }
}

/// Records a good build: written beside, then renamed into place.
pub(crate) fn remember(work_dir: &Path, build: &LastBuild) -> std::io::Result<()> {
    let path = record_path(work_dir);
    let staging = path.with_extension("json.new");
    fs::write(
        &staging,
        serde_json::to_vec(build).map_err(std::io::Error::other)?,
    )?;
    fs::rename(&staging, &path)
}

/// The files a build's report (`build-report.json`) lists as bundled that
/// [`tree_digest`] of `app_dir` does not cover, sorted.
pub(crate) fn other_inputs(report: &Path, app_dir: &Path) -> Vec<PathBuf> {
    let report: serde_json::Value = fs::read(report)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default();
    let mut inputs: Vec<PathBuf> = report["inputPaths"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(serde_json::Value::as_str)
        .map(PathBuf::from)
        .filter(|path| path.is_absolute() && !covered_by_tree(app_dir, path))
        .collect();
    inputs.sort();
    inputs.dedup();
    inputs
}

/// Whether [`tree_digest`] of `app_dir` hashes `path`'s contents.
fn covered_by_tree(app_dir: &Path, path: &Path) -> bool {
    path.strip_prefix(app_dir).is_ok_and(|rel| {
        !rel.components().any(|part| {
            SKIPPED_DIRS
                .iter()
                .any(|skipped| part.as_os_str() == *skipped)
        }) && path.extension().is_none_or(|ext| ext != "wasm")
    })
}

/// The digest of the app folder's inputs (see the table above).
pub(crate) fn tree_digest(app_dir: &Path) -> String {
    let mut hasher = Sha256::new();
    hash_tree(&mut hasher, app_dir, Path::new(""));
    hex(&hasher.finalize())
}

/// The fingerprint of a build of the app folder whose [`tree_digest`] is
/// `tree`, with `settings`, reading `other_inputs` too.
pub(crate) fn fingerprint(
    tree: &str,
    settings: &BuildSettings<'_>,
    other_inputs: &[PathBuf],
) -> String {
    let mut hasher = Sha256::new();
    hasher.update(FORMAT);
    framed(&mut hasher, tree.as_bytes());
    let node = fs::metadata(&settings.node).ok().map(|meta| {
        let modified = meta
            .modified()
            .ok()
            .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|since| since.as_nanos());
        (meta.len(), modified)
    });
    framed(
        &mut hasher,
        serde_json::to_string(&(settings, node))
            .unwrap_or_default()
            .as_bytes(),
    );
    framed(&mut hasher, b"other inputs");
    for input in other_inputs {
        framed(&mut hasher, input.as_os_str().as_encoded_bytes());
        hash_file(&mut hasher, input);
    }
    hex(&hasher.finalize())
}

/// Hashes the folder `root/rel` in name order: each entry's relative path and
/// kind, a file's contents, a symlink's target.
fn hash_tree(hasher: &mut Sha256, root: &Path, rel: &Path) {
    let Ok(entries) = fs::read_dir(root.join(rel)) else {
        framed(hasher, b"unreadable folder");
        return;
    };
    let mut names: Vec<_> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.file_name()))
        .collect();
    names.sort();
    for name in names {
        let rel = rel.join(&name);
        let path = root.join(&rel);
        let Ok(meta) = fs::symlink_metadata(&path) else {
            framed(hasher, b"vanished");
            continue;
        };
        let kind = meta.file_type();
        if kind.is_dir() {
            if SKIPPED_DIRS.iter().any(|skipped| name == *skipped) {
                continue;
            }
            framed(hasher, b"dir");
            framed(hasher, rel.as_os_str().as_encoded_bytes());
            hash_tree(hasher, root, &rel);
        } else if kind.is_symlink() {
            framed(hasher, b"link");
            framed(hasher, rel.as_os_str().as_encoded_bytes());
            let target = fs::read_link(&path).unwrap_or_default();
            framed(hasher, target.as_os_str().as_encoded_bytes());
        } else if path.extension().is_some_and(|ext| ext == "wasm") {
            continue;
        } else {
            framed(hasher, b"file");
            framed(hasher, rel.as_os_str().as_encoded_bytes());
            hash_file(hasher, &path);
        }
    }
}

/// Hashes the SHA-256 of a file's contents (or that it could not be read).
fn hash_file(hasher: &mut Sha256, path: &Path) {
    let mut file_hasher = Sha256::new();
    let read = fs::File::open(path).and_then(|mut file| {
        let mut buffer = [0u8; 64 * 1024];
        loop {
            let n = file.read(&mut buffer)?;
            if n == 0 {
                return Ok(());
            }
            file_hasher.update(&buffer[..n]);
        }
    });
    match read {
        Ok(()) => framed(hasher, &file_hasher.finalize()),
        Err(_) => framed(hasher, b"unreadable file"),
    }
}

/// Feeds `bytes` with its length first, so no two sequences of parts hash
/// alike.
fn framed(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_le_bytes());
    hasher.update(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(node: &Path) -> BuildSettings<'static> {
        BuildSettings {
            toolchain: "0123456789abcdef",
            handler_modules: &[],
            fetch_backends: &[],
            entities: &[],
            consumers: &[],
            app_id: "",
            scopes: &[],
            licensed: false,
            node_runtime: None,
            architecture: None,
            isolated: true,
            node: node.to_owned(),
        }
    }

    fn write(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    #[test]
    fn every_input_change_changes_the_fingerprint_and_nothing_else_does() {
        let app = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let node = outside.path().join("node");
        write(&node, "node");
        let layer = outside.path().join("forge/index.js");
        write(&layer, "export const api = 1;");
        write(&app.path().join("src/index.js"), "export const run = 1;");
        write(&app.path().join("package.json"), "{}");
        let inputs = [layer.clone()];
        let print = || fingerprint(&tree_digest(app.path()), &settings(&node), &inputs);
        let first = print();
        assert_eq!(first, print(), "nothing changed");

        // Not inputs: the output component, installed modules, git.
        write(&app.path().join("app.wasm"), "component");
        write(&app.path().join("node_modules/x/index.js"), "x");
        write(&app.path().join(".git/HEAD"), "ref");
        assert_eq!(first, print(), "outputs and ignored folders are not inputs");

        let mut seen = vec![first];
        let mut changed = |what: &str, fingerprint: String| {
            assert!(
                !seen.contains(&fingerprint),
                "{what} did not change the fingerprint"
            );
            seen.push(fingerprint);
        };
        write(&app.path().join("src/index.js"), "export const run = 2;");
        changed("a source edit", print());
        write(&app.path().join("src/helper.ts"), "export {}");
        changed(
            "a new source file (it may change how imports resolve)",
            print(),
        );
        fs::rename(
            app.path().join("src/helper.ts"),
            app.path().join("src/helper.js"),
        )
        .unwrap();
        changed("a rename", print());
        write(&layer, "export const api = 2;");
        changed("a bundled file outside the app", print());
        let mut other = settings(&node);
        other.isolated = false;
        changed(
            "a setting",
            fingerprint(&tree_digest(app.path()), &other, &inputs),
        );
        let mut licensed = settings(&node);
        licensed.licensed = true;
        changed(
            "licensing turned on",
            fingerprint(&tree_digest(app.path()), &licensed, &inputs),
        );
        changed("another toolchain", {
            let mut other = settings(&node);
            other.toolchain = "fedcba9876543210";
            fingerprint(&tree_digest(app.path()), &other, &inputs)
        });
        fs::remove_file(&layer).unwrap();
        changed("a bundled file gone", print());
    }

    #[test]
    fn the_report_gives_the_bundled_files_the_folder_digest_skips() {
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("build-report.json");
        write(
            &report,
            r#"{"inputPaths": ["/app/src/index.js", "/cache/forge/index.js", "relative.js", "/cache/deps/a.js", "/cache/forge/index.js", "/app/node_modules/x/i.js", "/app/src/node_modules/y/i.js"]}"#,
        );
        assert_eq!(
            other_inputs(&report, Path::new("/app")),
            vec![
                PathBuf::from("/app/node_modules/x/i.js"),
                PathBuf::from("/app/src/node_modules/y/i.js"),
                PathBuf::from("/cache/deps/a.js"),
                PathBuf::from("/cache/forge/index.js"),
            ],
            "everything bundled that the folder's digest skips"
        );
        assert!(other_inputs(&dir.path().join("missing.json"), Path::new("/app")).is_empty());
    }

    #[test]
    fn a_record_is_forgotten_and_remembered_whole() {
        let work = tempfile::tempdir().unwrap();
        assert_eq!(last_build(work.path()), None);
        let build = LastBuild {
            fingerprint: "ab".repeat(32),
            other_inputs: vec!["/cache/forge/index.js".into()],
        };
        remember(work.path(), &build).unwrap();
        assert_eq!(last_build(work.path()), Some(build));
        forget(work.path()).unwrap();
        assert_eq!(last_build(work.path()), None);
        forget(work.path()).unwrap();
    }
}
