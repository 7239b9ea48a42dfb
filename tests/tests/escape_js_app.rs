//! The escape suite's hostile JavaScript app (`tests/js/hostile`): one Forge
//! app whose handlers run every JS case of `escape_js_*.rs`, built once per
//! test run and compiled once.
//!
//! A JS component is the 12 MB StarlingMonkey engine with the app inside:
//! building it takes about a minute of wall time and compiling it about 30 s
//! of CPU in a debug build. So the cases share one component (one handler
//! per attack), the build is kept under `CARGO_TARGET_TMPDIR` keyed by the
//! digest of the app's sources and of Kiln's JS toolchain (which embeds the
//! Forge layer), and the first load runs alone: it compiles into the shared
//! artifact cache, and the others load from it instead of compiling the
//! same engine side by side.
//!
//! Building needs Node.js and npm, as `runtime build` does; without them the
//! JS cases say so and pass without running (as `cli/tests/cli_forge_js.rs`
//! does), while a failing build fails them.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use kiln_guest_build::Sandbox;
use kiln_guest_build::js::{JsBuild, build_js, toolchain_id};
use kiln_runtime::{InvocationFailure, LoadedApp};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::support::{Harness, ok_json};

/// Every handler of `tests/js/hostile/src/index.js`; each is a function of
/// the test manifest, keyed by its name.
pub const HANDLERS: &[&str] = &[
    "benign",
    "hunt",
    "impersonate",
    "transact",
    "paths",
    "raw",
    "spin",
    "spin_microtasks",
    "never_settles",
    "spin_around_calls",
    "grow",
    "grow_objects",
    "grow_string",
    "recurse",
    "log_escapes",
    "throw_escapes",
    "result_escapes",
    "forged_request_error",
    "tamper",
    "sql_escape",
];

/// The scopes the cases need: Jira reads, JSM Ops' so that another site's
/// cloud id reaches the cloud-id rule instead of a scope refusal, and
/// storage.
pub const SCOPES: &[&str] = &[
    "read:jira-user",
    "read:jira-work",
    "read:ops-config:jira-service-management",
    "storage:app",
];

/// What `log_escapes`, `throw_escapes`, `result_escapes` and
/// `forged_request_error` write: terminal escapes, a CR/LF and a forged
/// `error:` line, C1, DEL, a bidi override and a line separator.
pub const HOSTILE: &str = "\u{1b}[31mred\r\nerror: forged by the app\n\u{9b}2J\u{7f}\u{202e}txt.exe\u{2028}audit: forged\u{1b}[0m";

fn app_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("js/hostile")
}

fn tmp() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
}

/// The built component, or `None` without Node.js and npm.
pub fn component() -> Option<&'static Path> {
    static BUILT: OnceLock<Option<PathBuf>> = OnceLock::new();
    BUILT.get_or_init(build).as_deref()
}

fn build() -> Option<PathBuf> {
    let found = |program: &str| {
        std::process::Command::new(program)
            .arg("--version")
            .output()
            .is_ok_and(|out| out.status.success())
    };
    if !found("node") || !found("npm") {
        // `.ci/run` installs them and sets this: there an escape case that skips is a failure.
        assert!(
            std::env::var_os("KILN_REQUIRE_NODE").is_none(),
            "KILN_REQUIRE_NODE is set but Node.js or npm is missing: the JavaScript escape cases cannot run"
        );
        eprintln!("skipped: the JavaScript escape cases need Node.js and npm to build their app");
        return None;
    }
    let dir = app_dir();
    let work = tmp().join("kiln-js-escape-build");
    let kept = work.join(format!("{}.wasm", sources_digest(&dir)));
    if kept.is_file() {
        return Some(kept);
    }
    let built = build_js(&JsBuild {
        app_dir: dir.canonicalize().expect("tests/js/hostile exists"),
        handler_modules: vec!["index".to_owned()],
        work_dir: work.join("work"),
        // Shared with the CLI's JS tests: the toolchain installs once.
        cache_dir: tmp().join("kiln-js-cli-cache"),
        sandbox: Sandbox::available(),
        wizer: crate::support::kiln_wizer(),
        fetch_backends: Vec::new(),
        entities: Vec::new(),
        consumers: Vec::new(),
        app_id: "kiln-test-app".into(),
        scopes: Vec::new(),
        licensed: false,
        node_runtime: None,
        architecture: None,
        limits: None,
    })
    .unwrap_or_else(|error| panic!("the hostile JS app builds: {error}"));
    // Only the newest build is kept (12 MB each).
    for entry in std::fs::read_dir(&work).expect("build folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|ext| ext == "wasm") {
            std::fs::remove_file(&path).expect("remove an older build");
        }
    }
    std::fs::copy(&built.path, &kept).expect("keep the built component");
    Some(kept)
}

/// SHA-256 over the app's files (path and contents, sorted) and Kiln's JS
/// toolchain id: a change to either builds the app again.
pub fn sources_digest(dir: &Path) -> String {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).expect("app folder readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_none_or(|ext| ext != "wasm") {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut hasher = Sha256::new();
    hasher.update(toolchain_id().as_bytes());
    for file in files {
        let relative = file.strip_prefix(dir).expect("inside the app");
        hasher.update(relative.to_string_lossy().as_bytes());
        let bytes = std::fs::read(&file).expect("app file readable");
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    hex::encode(&hasher.finalize()[..12])
}

/// The test manifest: every handler a function, `scopes`, and `runtime`
/// keys (`timeoutSeconds: 1`, …).
pub fn manifest(scopes: &[&str], runtime_yaml: &str) -> String {
    let mut yaml = String::from("app:\n  id: hostile-js\n  runtime:\n    name: nodejs22.x\n");
    for line in runtime_yaml.lines() {
        yaml.push_str(&format!("    {line}\n"));
    }
    yaml.push_str("modules:\n  function:\n");
    for handler in HANDLERS {
        yaml.push_str(&format!(
            "    - key: {handler}\n      handler: index.{handler}\n"
        ));
    }
    yaml.push_str("permissions:\n  scopes:\n");
    for scope in scopes {
        yaml.push_str(&format!("    - {scope}\n"));
    }
    yaml
}

/// Loads the hostile app into `h` with the default scopes and `runtime`
/// keys; `None` when it cannot be built here.
pub async fn load(h: &Harness, runtime_yaml: &str) -> Option<LoadedApp> {
    load_with(h, SCOPES, runtime_yaml).await
}

pub async fn load_with(h: &Harness, scopes: &[&str], runtime_yaml: &str) -> Option<LoadedApp> {
    load_manifest(h, &manifest(scopes, runtime_yaml)).await
}

/// Loads the hostile app into `h` under `manifest` (one of [`manifest`]'s,
/// changed for a case); `None` when it cannot be built here.
pub async fn load_manifest(h: &Harness, manifest: &str) -> Option<LoadedApp> {
    // The first load compiles the engine into the shared artifact cache
    // while the others wait; once it is there, loads read it side by side.
    static FIRST_LOAD: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    static CACHED: AtomicBool = AtomicBool::new(false);
    let path = tokio::task::spawn_blocking(component)
        .await
        .expect("the build thread")?;
    let path = path.to_str().expect("a UTF-8 path");
    if !CACHED.load(Ordering::Acquire) {
        let _first = FIRST_LOAD.lock().await;
        if !CACHED.load(Ordering::Acquire) {
            let app = h.load(path, manifest).await;
            CACHED.store(true, Ordering::Release);
            return Some(app);
        }
    }
    Some(h.load(path, manifest).await)
}

/// The same app still answers: `benign` echoes its payload.
pub async fn assert_serves(h: &Harness, app: &LoadedApp) {
    let payload = json!({ "after": "hostile JavaScript" });
    h.assert_serves(app, "benign", payload.clone(), payload)
        .await;
}

/// A handler's `{ ok }` or `{ err }` report, from a successful invocation.
pub async fn report(h: &Harness, app: &LoadedApp, handler: &str, payload: Value) -> Value {
    ok_json(&h.invoke(app, handler, payload).await)
}

/// The Forge error a handler caught: Forge's class, Kiln's verdict.
pub struct Caught {
    pub class: String,
    pub name: String,
    pub status: Option<u64>,
    /// Kiln's `request-error` case, if the host decided.
    pub tag: Option<String>,
    pub detail: Value,
    pub message: String,
}

pub fn caught(report: &Value) -> Caught {
    let err = &report["err"];
    assert!(err.is_object(), "expected a thrown error, got {report}");
    Caught {
        class: err["className"].as_str().unwrap_or_default().to_owned(),
        name: err["name"].as_str().unwrap_or_default().to_owned(),
        status: err["status"].as_u64(),
        tag: err["kilnError"]["tag"].as_str().map(str::to_owned),
        detail: err["kilnError"]["val"].clone(),
        message: err["message"].as_str().unwrap_or_default().to_owned(),
    }
}

/// The host refused: Forge's `ProductEndpointNotAllowedError` (403) carrying
/// Kiln's `tag`, whose text holds `words`.
pub fn assert_host_refused(report: &Value, tag: &str, words: &str) {
    let caught = caught(report);
    assert_eq!(caught.class, "ProductEndpointNotAllowedError", "{report}");
    assert_eq!(caught.name, "REQUEST_EGRESS_ALLOWLIST_ERR", "{report}");
    assert_eq!(caught.status, Some(403), "{report}");
    assert_eq!(caught.tag.as_deref(), Some(tag), "{report}");
    assert!(caught.detail.to_string().contains(words), "{report}");
}

/// The failure of an invocation that did not return.
pub fn failure(result: &Result<String, InvocationFailure>) -> &InvocationFailure {
    match result {
        Err(failure) => failure,
        Ok(json) => panic!("expected a failure, got the result {json}"),
    }
}
