//! Escape suite, module: files that are not a Kiln app of this world are
//! refused at load, before any guest code runs, with a typed
//! [`ComponentError`] naming the problem; the runtime then loads and serves
//! a well-formed app. These cases compile for real (no artifact cache).

use crate::support;

use kiln_runtime::LoadError;
use kiln_runtime::sandbox::code_limits::{CodeLimit, MAX_FUNCTION_LOCALS, MAX_NESTING_DEPTH};
use kiln_runtime::sandbox::component_check::{ComponentError, MAX_COMPONENT_BYTES};
use kiln_tests::programs;
use support::{Harness, manifest};

fn wat_manifest() -> String {
    manifest("wat", &["benign"], &[], "timeoutSeconds: 2")
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(path).expect("component built by tests/build.rs")
}

/// Loads `wasm`, expects a component error, and checks the runtime still
/// serves and nothing reached Jira.
async fn refused(wasm: Vec<u8>) -> ComponentError {
    let h = Harness::start_compiling().await;
    let error = h.load_refused(wasm, &wat_manifest()).await;
    h.assert_jira_untouched();
    h.assert_runtime_serves().await;
    match error {
        LoadError::Component(error) => error,
        other => panic!("expected a component error, got {other}"),
    }
}

#[tokio::test]
async fn module_core_module_instead_of_component() {
    let error = refused(read(programs::WAT_CORE_MODULE)).await;
    assert_eq!(error, ComponentError::CoreModule);
    assert!(error.to_string().contains("not a component"), "{error}");
}

#[tokio::test]
async fn module_component_of_another_world() {
    let error = refused(read(programs::WAT_OTHER_WORLD)).await;
    match &error {
        ComponentError::WrongWorld { exports } => {
            assert_eq!(exports, &vec!["wasi:cli/run@0.2.0".to_owned()]);
        }
        other => panic!("expected the wrong world, got {other}"),
    }
    assert!(
        error
            .to_string()
            .contains("does not export `kiln:app/handler@0.1.0`"),
        "{error}"
    );
}

#[tokio::test]
async fn module_wrong_world_version_export() {
    let error = refused(read(programs::WAT_WRONG_VERSION)).await;
    assert_eq!(
        error,
        ComponentError::IncompatibleVersion {
            found: "kiln:app/handler@0.6.0".to_owned()
        }
    );
}

#[tokio::test]
async fn module_wrong_world_version_import() {
    let error = refused(read(programs::WAT_NEWER_IMPORT)).await;
    match &error {
        ComponentError::ForbiddenImport { name, reason } => {
            assert_eq!(name, "kiln:app/types@0.6.0");
            assert!(
                reason.contains("implements kiln:app@0.1.0, @0.2.0, @0.3.0, @0.4.0, @0.5.0"),
                "{reason}"
            );
        }
        other => panic!("expected a forbidden import, got {other}"),
    }
}

#[tokio::test]
async fn module_oversized_component() {
    // The valid control padded with a custom section past the size cap: a
    // well-formed component, refused on its size alone before compiling.
    let mut wasm = read(programs::WAT_VALID_MINIMAL);
    append_custom_section(&mut wasm, "padding", MAX_COMPONENT_BYTES);
    let size = wasm.len();
    let error = refused(wasm).await;
    assert_eq!(
        error,
        ComponentError::TooLarge {
            size,
            limit: MAX_COMPONENT_BYTES
        }
    );
}

#[tokio::test]
async fn module_truncated_file() {
    let wasm = read(programs::WAT_VALID_MINIMAL);
    let error = refused(wasm[..wasm.len() / 2].to_vec()).await;
    assert!(matches!(error, ComponentError::Invalid(_)), "{error}");
    assert!(
        error.to_string().contains("invalid or truncated"),
        "{error}"
    );
}

#[tokio::test]
async fn module_corrupted_file() {
    // The header is intact (it is a component), the sections after it are
    // overwritten.
    let mut wasm = read(programs::WAT_VALID_MINIMAL);
    for byte in wasm.iter_mut().skip(8).take(64) {
        *byte = 0xff;
    }
    let error = refused(wasm).await;
    assert!(matches!(error, ComponentError::Invalid(_)), "{error}");
}

#[tokio::test]
async fn module_junk_bytes() {
    let error = refused(b"#!/bin/sh\nrm -rf /\n".to_vec()).await;
    assert_eq!(error, ComponentError::NotWasm);
}

#[tokio::test]
async fn module_empty_file() {
    let error = refused(Vec::new()).await;
    assert_eq!(error, ComponentError::NotWasm);
}

#[tokio::test]
async fn module_compile_bomb_deeply_nested_blocks() {
    // A never-called function of 50,000 nested blocks next to the valid
    // control's code: a few hundred kilobytes asking the compiler for deep
    // recursion and quadratic analyses. The code-shape pass refuses it before
    // Cranelift runs, at the first block past the limit.
    let error = refused(bomb_with(
        "",
        &"      block\n".repeat(50_000),
        &"      end\n".repeat(50_000),
    ))
    .await;
    assert_eq!(
        error,
        ComponentError::TooComplex {
            limit: CodeLimit::NestingDepth,
            found: MAX_NESTING_DEPTH as u64 + 1,
            max: MAX_NESTING_DEPTH as u64,
        }
    );
    assert!(
        error.to_string().contains("nested blocks in one function"),
        "{error}"
    );
}

#[tokio::test]
async fn module_compile_bomb_too_many_locals() {
    // 100,000 locals in one function, all live at once for the register
    // allocator: refused by the code-shape pass before compiling.
    let error = refused(bomb_with(&"(local i64) ".repeat(100_000), "", "")).await;
    match &error {
        ComponentError::TooComplex { limit, found, max } => {
            assert_eq!(*limit, CodeLimit::FunctionLocals);
            assert_eq!(*max, MAX_FUNCTION_LOCALS);
            assert!(found > max, "{error}");
        }
        other => panic!("expected a code-shape refusal, got {other}"),
    }
    assert!(
        error.to_string().contains("locals in one function"),
        "{error}"
    );
}

/// The valid control (`valid_minimal.wat`) with an extra, never-called
/// function `(func $bomb <locals> <open> <close>)`, its instructions written
/// flat so the text parser itself does not recurse.
fn bomb_with(locals: &str, open: &str, close: &str) -> Vec<u8> {
    let control = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/programs/wat/valid_minimal.wat"
    ))
    .expect("valid_minimal.wat");
    let bomb = format!("    (func $bomb {locals}\n{open}{close}    )\n");
    let anchor = "    (import \"memory\" \"memory\" (memory 0))\n";
    assert!(control.contains(anchor), "valid_minimal.wat changed shape");
    let text = control.replacen(anchor, &format!("{anchor}{bomb}"), 1);
    wat::parse_str(&text).expect("the bomb assembles")
}

/// Appends a custom section (id 0) named `name` with `payload_len` zero bytes.
fn append_custom_section(wasm: &mut Vec<u8>, name: &str, payload_len: usize) {
    let mut body = Vec::with_capacity(payload_len + name.len() + 5);
    write_leb128(&mut body, name.len());
    body.extend_from_slice(name.as_bytes());
    body.resize(body.len() + payload_len, 0);
    wasm.push(0);
    write_leb128(wasm, body.len());
    wasm.extend_from_slice(&body);
}

fn write_leb128(out: &mut Vec<u8>, mut value: usize) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}
