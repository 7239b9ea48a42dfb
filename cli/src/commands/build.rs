//! `runtime build`: compiles an app folder for wasm32-wasip2 in release mode
//! and writes one component, `<dir>/<app-id>.wasm`, beside its manifest —
//! the file an administrator inspects and a site runs.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow};
use kiln_guest_build::{GuestBuild, GuestBuildError, ensure_wasm_target};
use kiln_manifest::Manifest;
use sha2::{Digest as _, Sha256};

use super::app_source::MANIFEST_FILE;
use super::exit::{Exit, Failure};
use super::progress::Progress;

#[derive(clap::Args, Debug)]
pub struct BuildArgs {
    /// The app folder: a Cargo project with manifest.yml.
    #[arg(default_value = ".")]
    dir: PathBuf,
}

pub fn run(args: BuildArgs) -> Result<Exit, Failure> {
    let built = build_app(&args.dir)?;
    println!("{}", built.path.display());
    eprintln!("{} bytes, sha256 {}", built.size, built.sha256);
    Ok(Exit::Success)
}

/// A component `build_app` wrote.
pub struct BuiltApp {
    pub path: PathBuf,
    pub size: usize,
    pub sha256: String,
}

/// Builds the app in `dir` and copies its component to `<dir>/<app-id>.wasm`.
pub fn build_app(dir: &Path) -> Result<BuiltApp, Failure> {
    let manifest_path = dir.join(MANIFEST_FILE);
    if !dir.join("Cargo.toml").is_file() {
        return Err(Failure::bad_input(anyhow!(
            "{} has no Cargo.toml; `runtime build` takes an app folder (create one with `runtime new <name>`)",
            dir.display()
        )));
    }
    if !manifest_path.is_file() {
        return Err(Failure::bad_input(anyhow!(
            "{} has no {MANIFEST_FILE}; an app declares its functions and scopes there (see docs/manifest-reference.md)",
            dir.display()
        )));
    }
    // The manifest first: a broken manifest is reported before a long compile.
    let manifest = Manifest::load(&manifest_path).map_err(Failure::bad_input)?;
    let dir = dir
        .canonicalize()
        .with_context(|| format!("cannot resolve {}", dir.display()))
        .map_err(Failure::bad_input)?;

    let progress = Progress::start(format!(
        "building {} for wasm32-wasip2 (release)",
        manifest.app.id
    ));
    let component = compile_app_crate(&dir, progress.is_animated())?;
    let wasm = std::fs::read(&component)
        .with_context(|| format!("cannot read {}", component.display()))
        .map_err(Failure::environment)?;
    let output = dir.join(format!("{}.wasm", file_stem(&manifest.app.id)));
    std::fs::write(&output, &wasm)
        .with_context(|| format!("cannot write {}", output.display()))
        .map_err(Failure::environment)?;
    progress.finish(&format!("built {}", output.display()));
    Ok(BuiltApp {
        path: output,
        size: wasm.len(),
        sha256: hex::encode(Sha256::digest(&wasm)),
    })
}

/// Compiles the app crate in `dir` (canonical, with a Cargo.toml) for
/// wasm32-wasip2 in release mode and returns its one component. `build` and
/// `run DIR` both compile through here, so a failure has the same exit code
/// in both: the app's own crate failing to build is bad input (2), a missing
/// tool or target is the environment (4).
pub fn compile_app_crate(dir: &Path, quiet: bool) -> Result<PathBuf, Failure> {
    ensure_wasm_target(dir).map_err(Failure::environment)?;
    let components = kiln_guest_build::build(&GuestBuild {
        manifest_path: dir.join("Cargo.toml"),
        target_dir: None,
        release: true,
        quiet,
    })
    .map_err(|e| match e {
        GuestBuildError::NoComponents { .. } | GuestBuildError::BuildFailed { .. } => {
            Failure::bad_input(e)
        }
        other => Failure::environment(other),
    })?;
    match components.as_slice() {
        [one] => Ok(one.path.clone()),
        [] => Err(Failure::bad_input(anyhow!(
            "building {} produced no component: is it a `cdylib` crate?",
            dir.display()
        ))),
        many => Err(Failure::bad_input(anyhow!(
            "building {} produced several components ({}); an app folder holds one app crate",
            dir.display(),
            many.iter()
                .map(|c| c.package.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// A file name from an app id, which may be a Forge ARI
/// (`ari:cloud:ecosystem::app/<uuid>`): anything but `[a-z0-9._-]` becomes `-`.
fn file_stem(app_id: &str) -> String {
    app_id
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect::<String>()
        .trim_start_matches('.')
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_ids_become_safe_file_names() {
        assert_eq!(file_stem("hello-jira"), "hello-jira");
        assert_eq!(
            file_stem("ari:cloud:ecosystem::app/1b2c"),
            "ari-cloud-ecosystem--app-1b2c"
        );
        assert_eq!(file_stem("../x"), "-x");
    }

    #[test]
    fn a_folder_without_cargo_toml_is_bad_input() {
        let dir = tempfile::tempdir().unwrap();
        let failure = build_app(dir.path()).err().unwrap();
        assert_eq!(failure.exit, Exit::BadInput);
        assert!(
            failure.error.to_string().contains("runtime new"),
            "{}",
            failure.error
        );
    }
}
