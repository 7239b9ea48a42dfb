//! The local sources a build reads: the workspace root and every path
//! dependency (an example app depends on `../../sdk-guest`), and for each
//! the workspace above it that it inherits fields from (the guest SDK's
//! `edition.workspace = true`, and its `wit/` beside). Only these are
//! mounted into the sandbox, read-only.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde::Deserialize;

use crate::build::outside_cargo;
use crate::error::GuestBuildError;

#[derive(Deserialize)]
struct Metadata {
    workspace_root: PathBuf,
    packages: Vec<Package>,
}

#[derive(Deserialize)]
struct Package {
    /// `None` for a local (path) package.
    source: Option<String>,
    manifest_path: PathBuf,
}

/// The directories of local source for `manifest_path`, outermost first and
/// without duplicates nested in another: from `cargo metadata --offline`
/// (run outside the sandbox, after `cargo fetch`; it reads manifests and
/// runs nothing).
pub fn local_sources(
    cargo: &Path,
    manifest_path: &Path,
    channel: Option<&str>,
) -> Result<Vec<PathBuf>, GuestBuildError> {
    let failed = |detail: String| GuestBuildError::Metadata {
        manifest_path: manifest_path.to_owned(),
        detail,
    };
    let output = outside_cargo(cargo, channel, manifest_path)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--manifest-path",
        ])
        .arg(manifest_path)
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| failed(e.to_string()))?;
    if !output.status.success() {
        return Err(failed(
            String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        ));
    }
    let metadata: Metadata =
        serde_json::from_slice(&output.stdout).map_err(|e| failed(e.to_string()))?;
    let mut dirs = vec![metadata.workspace_root];
    dirs.extend(
        metadata
            .packages
            .into_iter()
            .filter(|package| package.source.is_none())
            .filter_map(|package| package.manifest_path.parent().map(Path::to_owned)),
    );
    let enclosing: Vec<PathBuf> = dirs
        .iter()
        .filter_map(|dir| enclosing_workspace(dir))
        .collect();
    dirs.extend(enclosing);
    Ok(outermost(dirs))
}

/// The nearest directory above `dir` whose `Cargo.toml` declares a
/// workspace: where cargo looks for inherited fields.
fn enclosing_workspace(dir: &Path) -> Option<PathBuf> {
    dir.ancestors().skip(1).find_map(|ancestor| {
        let text = std::fs::read_to_string(ancestor.join("Cargo.toml")).ok()?;
        let manifest: toml::Table = toml::from_str(&text).ok()?;
        manifest
            .contains_key("workspace")
            .then(|| ancestor.to_owned())
    })
}

/// `dirs` without those inside another.
fn outermost(mut dirs: Vec<PathBuf>) -> Vec<PathBuf> {
    dirs.sort();
    dirs.dedup();
    let mut kept: Vec<PathBuf> = Vec::new();
    for dir in dirs {
        if !kept.iter().any(|outer| dir.starts_with(outer)) {
            kept.push(dir);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_sources_are_mounted_once() {
        let dirs = outermost(vec![
            "/w/examples".into(),
            "/w/examples/hello".into(),
            "/w/sdk-guest".into(),
            "/w/examples".into(),
            "/w/examples-other".into(),
        ]);
        assert_eq!(
            dirs,
            [
                PathBuf::from("/w/examples"),
                "/w/examples-other".into(),
                "/w/sdk-guest".into()
            ]
        );
    }

    #[test]
    fn the_examples_read_the_guest_sdk_beside_them() {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let repo = repo.canonicalize().unwrap();
        let manifest = repo.join("examples/hello/Cargo.toml");
        let sources = local_sources(Path::new("cargo"), &manifest, Some("1.95.0")).unwrap();
        // The guest SDK inherits its edition from the repository's
        // workspace, and reads the WIT beside it: the repository is mounted.
        assert_eq!(sources, [repo], "{sources:?}");
    }
}
