//! Building a JavaScript/TypeScript app folder (`package.json` beside
//! `manifest.yml`, no `Cargo.toml`) with Kiln's pinned JS toolchain, in the
//! same sandbox and private build folder as a Rust app
//! (`kiln_guest_build::js`). The toolchain and npm's download cache live in
//! Kiln's cache, so a second build is offline.

use std::path::{Path, PathBuf};

use anyhow::anyhow;
use kiln_guest_build::js::{JsBuild, JsBuildError, build_js_announcing};
use kiln_manifest::Manifest;
use kiln_runtime::cache::CacheMode;

use super::app_source::MANIFEST_FILE;
use super::build::{BuildIsolation, private_target_dir};
use super::exit::Failure;

pub use kiln_guest_build::js::is_js_app;

/// Builds the JS app folder `dir` (canonical) and returns its component.
/// With `announce`, says on stderr whether it builds the app or reuses the
/// last build (a caller showing its own progress line passes `false`).
pub fn build_js_component(
    dir: &Path,
    isolation: &BuildIsolation,
    announce: bool,
) -> Result<PathBuf, Failure> {
    let manifest = Manifest::load(&dir.join(MANIFEST_FILE)).map_err(Failure::bad_input)?;
    let cache_dir = CacheMode::User.directory().ok_or_else(|| {
        Failure::environment(anyhow!(
            "no cache directory for Kiln's JavaScript toolchain: set KILN_CACHE_DIR, XDG_CACHE_HOME or HOME"
        ))
    })?;
    // `runtime` is Kiln's wizer too (`main.rs`): the build runs this program
    // to snapshot the JS engine, so the snapshot is the one this Kiln makes.
    let wizer = std::env::current_exe().map_err(|e| {
        Failure::environment(anyhow!(
            "cannot find the runtime program to pre-initialize the JS engine with: {e}"
        ))
    })?;
    let build = JsBuild::for_app(
        dir.to_owned(),
        &manifest,
        private_target_dir(dir)?.join("js"),
        cache_dir,
        isolation.sandbox()?.cloned(),
        wizer,
    )
    .map_err(|e| Failure::environment(anyhow!(e)))?;
    let built = build_js_announcing(&build, || {
        if announce {
            eprintln!(
                "building {} (JavaScript) for wasm32-wasip2 …",
                dir.display()
            )
        }
    })
    .map_err(|e| match e {
        JsBuildError::ProgramMissing { .. }
        | JsBuildError::NodeNotAnExecutable { .. }
        | JsBuildError::NotStarted { .. }
        | JsBuildError::Io { .. }
        // The registry out of reach is this machine's network, not the app's fault: the
        // README's "build unavailable" (4), so a script retries rather than edits the app.
        | JsBuildError::RegistryUnreachable { .. } => Failure::environment(e),
        other => Failure::bad_input(other),
    })?;
    if announce && built.reused {
        eprintln!(
            "{} is unchanged since its last build: using that component",
            dir.display()
        );
    }
    Ok(built.path)
}
