//! The ported public Forge apps (`examples/forge-*`), built as `runtime build`
//! builds them (the manifest picks the build inputs: `JsBuild::for_app`), once
//! per test binary and kept across runs under the sources' digest. One place
//! for what `example_forge_*.rs` each did alike.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use kiln_guest_build::Sandbox;
use kiln_guest_build::js::{JsBuild, build_js};
use kiln_manifest::Manifest;

use crate::escape_js_app::sources_digest;

/// `examples/NAME`.
pub fn dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
}

/// The example's `manifest.yml`, as written.
pub fn manifest_text(name: &str) -> String {
    std::fs::read_to_string(dir(name).join("manifest.yml")).expect("the example's manifest")
}

/// The example's manifest, loaded.
pub fn manifest(name: &str) -> Manifest {
    Manifest::load(&dir(name).join("manifest.yml")).expect("the example's manifest")
}

/// The example's built component, or `None` without Node.js and npm (whether
/// that may skip is the JavaScript escape cases' rule:
/// [`crate::escape_js_app::component`]). Tests of one example share one build;
/// different examples build side by side.
pub fn component(name: &'static str) -> Option<&'static Path> {
    component_in(name, dir(name))
}

/// `tests/js/NAME`, a JavaScript app of the test suite's own.
pub fn test_app_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("js").join(name)
}

/// The built component of the test suite's app `tests/js/NAME`, as
/// [`component`] builds an example.
pub fn test_app(name: &'static str) -> Option<&'static Path> {
    component_in(name, test_app_dir(name))
}

/// The test suite's app `tests/js/NAME`, built (on a blocking thread, as the
/// build waits on processes) and loaded with its own manifest into a fresh
/// harness (its own simulator and empty storage); `None` without Node.js and
/// npm.
pub async fn load_test_app(
    name: &'static str,
) -> Option<(crate::support::Harness, kiln_runtime::LoadedApp)> {
    load_test_app_on(name, crate::support::Harness::start()).await
}

/// [`load_test_app`] with the app invoked by the seeded user `email`.
pub async fn load_test_app_as(
    name: &'static str,
    email: &'static str,
) -> Option<(crate::support::Harness, kiln_runtime::LoadedApp)> {
    load_test_app_on(name, crate::support::Harness::start_as(email)).await
}

/// [`load_test_app`] with `asApp()` acting as the simulator's service account
/// (a bearer token through the gateway), as `runtime run` gives it.
pub async fn load_test_app_with_app_client(
    name: &'static str,
) -> Option<(crate::support::Harness, kiln_runtime::LoadedApp)> {
    load_test_app_on(
        name,
        crate::support::Harness::start_with_app_client(|options| options),
    )
    .await
}

/// [`load_test_app`] under the app's manifest as `edit` rewrites it: the
/// same built component under another declaration (what the host grants
/// follows the manifest, not the code).
pub async fn load_test_app_with_manifest(
    name: &'static str,
    edit: impl FnOnce(String) -> String,
) -> Option<(crate::support::Harness, kiln_runtime::LoadedApp)> {
    load_test_app_edited(name, crate::support::Harness::start(), edit).await
}

async fn load_test_app_on(
    name: &'static str,
    harness: impl std::future::Future<Output = crate::support::Harness>,
) -> Option<(crate::support::Harness, kiln_runtime::LoadedApp)> {
    load_test_app_edited(name, harness, |manifest| manifest).await
}

async fn load_test_app_edited(
    name: &'static str,
    harness: impl std::future::Future<Output = crate::support::Harness>,
    edit: impl FnOnce(String) -> String,
) -> Option<(crate::support::Harness, kiln_runtime::LoadedApp)> {
    let path = tokio::task::spawn_blocking(move || test_app(name))
        .await
        .expect("the build thread")?;
    let manifest = edit(
        std::fs::read_to_string(test_app_dir(name).join("manifest.yml"))
            .expect("the app's manifest"),
    );
    let harness = harness.await;
    let app = harness
        .load(path.to_str().expect("a UTF-8 path"), &manifest)
        .await;
    Some((harness, app))
}

fn component_in(name: &'static str, dir: PathBuf) -> Option<&'static Path> {
    /// One example's build, done once.
    type Build = OnceLock<Option<PathBuf>>;
    static BUILDS: OnceLock<Mutex<HashMap<&'static str, &'static Build>>> = OnceLock::new();
    let build: &'static Build = BUILDS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .entry(name)
        .or_insert_with(|| Box::leak(Box::new(OnceLock::new())));
    build.get_or_init(|| self::build(name, &dir)).as_deref()
}

fn build(name: &str, dir: &Path) -> Option<PathBuf> {
    crate::escape_js_app::component()?;
    let dir = dir
        .canonicalize()
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()));
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let work = tmp.join(format!("kiln-js-{name}-build"));
    let kept = work.join(format!("{}.wasm", sources_digest(&dir)));
    if kept.is_file() {
        return Some(kept);
    }
    let built = build_js(
        &JsBuild::for_app(
            dir.clone(),
            &Manifest::load(&dir.join("manifest.yml")).expect("the example's manifest"),
            work.join("work"),
            tmp.join("kiln-js-cli-cache"),
            Sandbox::available(),
            super::kiln_wizer(),
        )
        .expect("the example's build inputs"),
    )
    .unwrap_or_else(|error| panic!("the {name} app builds: {error}"));
    std::fs::copy(&built.path, &kept).expect("keep the built component");
    Some(kept)
}

/// What `run` of the test app module `index` answers on the Node on `PATH`:
/// `script`, an ES module given `index` as its first argument, imports it and
/// prints the answer as JSON. Run with `TZ=UTC`, as Forge's Lambda runs, so a
/// test compares the app's answers on Kiln with Node's for the same code.
pub fn node_answers(script: &str, index: &Path) -> serde_json::Value {
    let out = std::process::Command::new("node")
        .args(["--input-type=module", "-e", script])
        .arg(index)
        .env("TZ", "UTC")
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "node: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("node printed JSON")
}
