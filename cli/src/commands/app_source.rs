//! Finds an app's component and manifest from what the user typed: a
//! `.wasm` file (manifest beside it or given), or an app folder, which is
//! built for wasm32-wasip2 first, isolated as [`BuildIsolation`] says.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow};
use kiln_manifest::Manifest;

use super::build::{BuildIsolation, build_component};
use super::exit::Failure;

/// The manifest file name looked for next to an app.
pub const MANIFEST_FILE: &str = "manifest.yml";

/// An app ready to load.
pub struct AppSource {
    pub wasm: Vec<u8>,
    pub wasm_path: PathBuf,
    pub manifest: Manifest,
}

/// Resolves `app` (and an explicit `--manifest`) to bytes and a parsed
/// manifest. An app folder is built, isolated as `isolation` says, after its
/// manifest is validated: a typo in the manifest shows in a second, not after
/// a compile.
pub fn resolve(
    app: &Path,
    manifest: Option<&Path>,
    isolation: &BuildIsolation,
) -> Result<AppSource, Failure> {
    let default_manifest = if app.is_dir() {
        app.join(MANIFEST_FILE)
    } else if app.extension().is_some_and(|e| e == "wasm") {
        app.parent().unwrap_or(Path::new(".")).join(MANIFEST_FILE)
    } else if app.exists() {
        return Err(Failure::bad_input(anyhow!(
            "{} is neither a .wasm component nor an app folder",
            app.display()
        )));
    } else {
        return Err(Failure::bad_input(anyhow!(
            "{} does not exist",
            app.display()
        )));
    };
    let manifest_path = manifest.map(Path::to_owned).unwrap_or(default_manifest);
    if !manifest_path.exists() {
        return Err(Failure::bad_input(anyhow!(
            "no manifest at {}: put a {MANIFEST_FILE} next to the app or pass --manifest",
            manifest_path.display()
        )));
    }
    let manifest = load_manifest(&manifest_path)?;
    let wasm_path = if app.is_dir() {
        build_folder(app, isolation)?
    } else {
        app.to_owned()
    };
    let wasm = std::fs::read(&wasm_path)
        .with_context(|| format!("cannot read {}", wasm_path.display()))
        .map_err(Failure::bad_input)?;
    Ok(AppSource {
        wasm,
        wasm_path,
        manifest,
    })
}

/// Loads the manifest at `path` and prints its warnings (what it declares
/// that will never take effect, [`Manifest::warnings`]) on stderr, so that
/// `build`, `run`, `lint`, `inspect` and `serve` all say them, the same way.
pub fn load_manifest(path: &Path) -> Result<Manifest, Failure> {
    let manifest = Manifest::load(path).map_err(Failure::bad_input)?;
    for warning in manifest.warnings() {
        // The warning's own text escapes what the manifest wrote.
        eprintln!("warning: {}: {warning}", path.display());
    }
    Ok(manifest)
}

/// Builds an app folder (a Cargo project) and returns its component's path.
fn build_folder(dir: &Path, isolation: &BuildIsolation) -> Result<PathBuf, Failure> {
    let dir = &dir
        .canonicalize()
        .with_context(|| format!("cannot resolve {}", dir.display()))
        .map_err(Failure::bad_input)?;
    let cargo_toml = dir.join("Cargo.toml");
    if !cargo_toml.exists() && !super::js_build::is_js_app(dir) {
        return Err(Failure::bad_input(anyhow!(
            "{} is a folder without Cargo.toml or package.json; pass an app folder or a .wasm component",
            dir.display()
        )));
    }
    // A JS build says so itself, once it knows it is not reusing the last one.
    if super::js_build::is_js_app(dir) {
        return super::js_build::build_js_component(dir, isolation, true);
    }
    eprintln!("building {} for wasm32-wasip2 …", dir.display());
    build_component(dir, isolation, false)
}
