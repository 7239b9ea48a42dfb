//! `runtime run` as a script sees it: a broken manifest is reported before
//! any compile, a failing app crate has the same exit code in `run` and
//! `build`, and `--json` turns every failure into one JSON document on
//! stdout with the same exit code.

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use serde_json::Value;

const EXIT_APP_ERROR: i32 = 1;
const EXIT_BAD_INPUT: i32 = 2;

fn runtime(dir: &Path, args: &[&str]) -> Output {
    crate::support::runtime()
        .args(args)
        .current_dir(dir)
        .env("KILN_CACHE_DIR", dir.join("cache"))
        .output()
        .expect("the runtime binary starts")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The `{"error": …}` document `--json` printed.
fn json_error(output: &Output) -> Value {
    let document: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is one JSON document ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    });
    document["error"].clone()
}

const GOOD_MANIFEST: &str = "app:\n  id: broken\n  name: Broken\nmodules:\n  function:\n    - key: main\n      handler: main\n";

/// An app folder whose crate cannot build (a syntax error), so any compile
/// fails; the manifest is `manifest`.
fn folder_that_cannot_build(manifest: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app");
    std::fs::create_dir_all(app.join("src")).unwrap();
    std::fs::write(
        app.join("Cargo.toml"),
        "[package]\nname = \"broken\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[lib]\ncrate-type = [\"cdylib\"]\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(app.join("src/lib.rs"), "this is not rust").unwrap();
    std::fs::write(app.join("manifest.yml"), manifest).unwrap();
    dir
}

#[test]
fn a_manifest_typo_is_reported_before_the_build() {
    let dir = folder_that_cannot_build(
        "app:\n  id: broken\n  name: Broken\nmodules:\n  functoin:\n    - key: main\n      handler: main\n",
    );
    let started = Instant::now();
    let ran = runtime(dir.path(), &["run", "app"]);
    assert_eq!(ran.status.code(), Some(EXIT_BAD_INPUT), "{}", stderr(&ran));
    assert!(stderr(&ran).contains("functoin"), "{}", stderr(&ran));
    assert!(
        !stderr(&ran).contains("building"),
        "no build was started: {}",
        stderr(&ran)
    );
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[test]
fn a_crate_that_does_not_build_is_bad_input_in_run_and_build_alike() {
    let dir = folder_that_cannot_build(GOOD_MANIFEST);
    let ran = runtime(dir.path(), &["run", "app"]);
    let built = runtime(dir.path(), &["build", "app"]);
    assert_eq!(ran.status.code(), Some(EXIT_BAD_INPUT), "{}", stderr(&ran));
    assert_eq!(
        built.status.code(),
        Some(EXIT_BAD_INPUT),
        "{}",
        stderr(&built)
    );

    let json = runtime(dir.path(), &["run", "app", "--json"]);
    assert_eq!(json.status.code(), Some(EXIT_BAD_INPUT));
    let error = json_error(&json);
    assert_eq!(error["kind"], "bad-input");
    assert_eq!(error["exitCode"], EXIT_BAD_INPUT);
    assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
}

#[test]
fn an_app_error_is_a_json_document_with_its_kind_and_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let wat = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/programs/wat/valid_minimal.wat");
    let wasm = wat::parse_file(&wat).unwrap();
    std::fs::write(dir.path().join("app.wasm"), wasm).unwrap();
    std::fs::write(dir.path().join("manifest.yml"), GOOD_MANIFEST).unwrap();

    let plain = runtime(dir.path(), &["run", "app.wasm", "-f", "nope"]);
    let json = runtime(dir.path(), &["run", "app.wasm", "-f", "nope", "--json"]);
    assert_eq!(json.status.code(), plain.status.code());
    let error = json_error(&json);
    assert_eq!(error["exitCode"], plain.status.code().unwrap());
    assert!(error["kind"].is_string(), "{error}");
    assert!(error["message"].is_string(), "{error}");

    let payload = runtime(
        dir.path(),
        &["run", "app.wasm", "-p", "{not json", "--json"],
    );
    let error = json_error(&payload);
    assert_eq!(error["exitCode"], payload.status.code().unwrap());
    assert_ne!(payload.status.code(), Some(EXIT_APP_ERROR));
}
