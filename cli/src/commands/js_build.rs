//! Building a JavaScript/TypeScript app folder (`package.json` beside
//! `manifest.yml`, no `Cargo.toml`) with Kiln's pinned JS toolchain, in the
//! same sandbox and private build folder as a Rust app
//! (`kiln_guest_build::js`). The toolchain and npm's download cache live in
//! Kiln's cache, so a second build is offline.

use std::path::{Path, PathBuf};

use anyhow::anyhow;
use kiln_guest_build::js::{JsBuild, JsBuildError, build_js};
use kiln_manifest::Manifest;
use kiln_runtime::cache::CacheMode;

use super::app_source::MANIFEST_FILE;
use super::build::{BuildIsolation, private_target_dir};
use super::exit::Failure;

pub use kiln_guest_build::js::is_js_app;

/// The `src/` modules the manifest's handlers name: `index.run` is module
/// `index`; a bare `run` is `index`'s export (Kiln's own handler names).
pub fn handler_modules(manifest: &Manifest) -> Vec<String> {
    let mut modules: Vec<String> = manifest
        .modules
        .function
        .iter()
        .map(|function| match function.handler.rsplit_once('.') {
            Some((module, _)) => module.to_owned(),
            None => "index".to_owned(),
        })
        .collect();
    modules.sort();
    modules.dedup();
    modules
}

/// The manifest's custom entities as the Forge layer reads them (their
/// manifest JSON form).
fn entity_declarations(manifest: &Manifest) -> Result<Vec<serde_json::Value>, Failure> {
    manifest
        .entities()
        .iter()
        .map(|entity| serde_json::to_value(entity).map_err(|e| Failure::environment(anyhow!(e))))
        .collect()
}

/// Builds the JS app folder `dir` (canonical) and returns its component.
pub fn build_js_component(dir: &Path, isolation: &BuildIsolation) -> Result<PathBuf, Failure> {
    let manifest = Manifest::load(&dir.join(MANIFEST_FILE)).map_err(Failure::bad_input)?;
    let cache_dir = CacheMode::User.directory().ok_or_else(|| {
        Failure::environment(anyhow!(
            "no cache directory for Kiln's JavaScript toolchain: set KILN_CACHE_DIR, XDG_CACHE_HOME or HOME"
        ))
    })?;
    let build = JsBuild {
        app_dir: dir.to_owned(),
        handler_modules: handler_modules(&manifest),
        work_dir: private_target_dir(dir)?.join("js"),
        cache_dir,
        sandbox: isolation.sandbox().cloned(),
        fetch_backends: manifest
            .permissions
            .external
            .fetch
            .backend
            .iter()
            .map(ToString::to_string)
            .collect(),
        entities: entity_declarations(&manifest)?,
    };
    let built = build_js(&build).map_err(|e| match e {
        JsBuildError::ProgramMissing { .. }
        | JsBuildError::NodeOutsideSandbox { .. }
        | JsBuildError::NotStarted { .. }
        | JsBuildError::Io { .. } => Failure::environment(e),
        other => Failure::bad_input(other),
    })?;
    Ok(built.path)
}
