//! Hostile components through the real `runtime run` binary: whatever the
//! component does, the process ends on its own with the documented exit code
//! (2 bad input, 3 sandbox violation or limit) and one clear `error:` line,
//! never a panic, a hang or a stack trace. The library-level escape suite
//! (`tests/tests/escape_*.rs`) proves the sandbox; this proves the command
//! line a developer or an operator's script sees.
//!
//! The components are the escape suite's hand-written WAT
//! (`tests/programs/wat`), compiled here by the `wat` crate.

use std::path::Path;
use std::process::Output;

/// `runtime run`'s exit codes (see `runtime help`).
const EXIT_BAD_INPUT: i32 = 2;
const EXIT_SANDBOX: i32 = 3;

fn wat_program(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/programs/wat")
        .join(format!("{name}.wat"));
    wat::parse_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `runtime run` of `wasm` on the embedded simulator, with a one-function
/// manifest (`runtime_yaml` under `app.runtime`) and a private cache, in a
/// fresh temporary directory.
fn run(wasm: &[u8], runtime_yaml: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("manifest.yml");
    std::fs::write(
        &manifest,
        format!(
            "app:\n  id: hostile\n  name: Hostile\n  runtime:\n    {runtime_yaml}\nmodules:\n  function:\n    - key: main\n      handler: benign\n"
        ),
    )
    .unwrap();
    let app = dir.path().join("app.wasm");
    std::fs::write(&app, wasm).unwrap();
    crate::support::runtime()
        .arg("run")
        .arg(&app)
        .arg("--manifest")
        .arg(&manifest)
        .env("KILN_CACHE_DIR", dir.path().join("cache"))
        .output()
        .expect("the runtime binary starts")
}

/// The exit code is `code`, stderr's last `error:` line contains `says`,
/// stdout is empty (no result), and nothing panicked.
fn assert_refused(output: &Output, code: i32, says: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(code), "stderr: {stderr}");
    assert!(output.stdout.is_empty(), "stdout: {:?}", output.stdout);
    let error = stderr
        .lines()
        .rfind(|line| line.starts_with("error: "))
        .unwrap_or_else(|| panic!("no error line in: {stderr}"));
    assert!(error.contains(says), "{error}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("RUST_BACKTRACE"), "{stderr}");
}

#[test]
fn an_infinite_loop_at_instantiation_exits_3_at_the_deadline() {
    let output = run(&wat_program("start_loop"), "timeoutSeconds: 1");
    assert_refused(&output, EXIT_SANDBOX, "exceeded its 1.0s deadline");
}

#[test]
fn a_component_importing_wasi_http_exits_2_naming_the_import() {
    let output = run(&wat_program("wasi_http_import"), "timeoutSeconds: 5");
    assert_refused(&output, EXIT_BAD_INPUT, "wasi:http/outgoing-handler@0.2.0");
}

#[test]
fn a_core_module_exits_2_saying_what_to_build() {
    let output = run(&wat_program("core_module"), "timeoutSeconds: 5");
    assert_refused(&output, EXIT_BAD_INPUT, "wasm32-wasip2");
}

#[test]
fn four_gib_of_initial_memory_exits_2_at_load() {
    let output = run(&wat_program("huge_memory"), "memoryMiB: 32");
    assert_refused(&output, EXIT_BAD_INPUT, "cannot load");
}

#[test]
fn a_truncated_component_exits_2() {
    let whole = wat_program("start_loop");
    let output = run(&whole[..whole.len() / 2], "timeoutSeconds: 5");
    assert_refused(&output, EXIT_BAD_INPUT, "invalid or truncated");
}
