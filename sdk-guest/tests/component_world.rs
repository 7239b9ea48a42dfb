//! A component built with this SDK speaks exactly `kiln:app@0.5.0`: it
//! exports `kiln:app/handler@0.5.0` and imports only interfaces of that
//! world (plus the WASI interfaces Rust's standard library links), never
//! another version, and only those it uses: an app that does not use Forge
//! SQL does not import `sql`, so nothing in it asks for a database. Builds
//! `tests/world-app` for `wasm32-wasip2` and reads the component's import and
//! export names with `wasmparser`.

use std::path::{Path, PathBuf};
use std::process::Command;

use wasmparser::{Parser, Payload};

const WORLD: &str = "@0.5.0";

fn build_world_app() -> PathBuf {
    let app = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/world-app");
    // Its own target directory: the outer cargo may still hold the lock on
    // the shared one.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
        .join("kiln-sdk-world-app");
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "--offline",
            "--release",
            "--target",
            "wasm32-wasip2",
        ])
        .arg("--manifest-path")
        .arg(app.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target)
        .env_remove("RUSTFLAGS")
        .status()
        .expect("cargo starts");
    assert!(
        status.success(),
        "building tests/world-app for wasm32-wasip2 failed"
    );
    target.join("wasm32-wasip2/release/kiln_sdk_world_app.wasm")
}

/// The top-level component's import and export names.
fn names(component: &[u8]) -> (Vec<String>, Vec<String>) {
    let (mut imports, mut exports) = (Vec::new(), Vec::new());
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(component) {
        match payload.expect("a valid component") {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(reader) if depth == 0 => {
                for import in reader {
                    imports.push(import.expect("an import").name.name.to_owned());
                }
            }
            Payload::ComponentExportSection(reader) if depth == 0 => {
                for export in reader {
                    exports.push(export.expect("an export").name.name.to_owned());
                }
            }
            _ => {}
        }
    }
    (imports, exports)
}

#[test]
fn an_app_exports_handler_and_imports_only_the_sdk_s_world() {
    let component = std::fs::read(build_world_app()).expect("the built component");
    let (imports, exports) = names(&component);

    assert_eq!(exports, [format!("kiln:app/handler{WORLD}")]);

    let kiln: Vec<&str> = imports
        .iter()
        .map(String::as_str)
        .filter(|name| name.starts_with("kiln:"))
        .collect();
    for name in &kiln {
        let interface = name
            .strip_prefix("kiln:app/")
            .and_then(|rest| rest.strip_suffix(WORLD));
        assert!(
            matches!(
                interface,
                Some("types" | "jira" | "log" | "storage" | "events" | "sql")
            ),
            "{name} is not an interface of kiln:app{WORLD} (imports: {imports:?})"
        );
    }
    for used in ["jira", "log", "storage", "events"] {
        assert!(
            kiln.contains(&format!("kiln:app/{used}{WORLD}").as_str()),
            "kiln:app/{used}{WORLD} is not imported (imports: {imports:?})"
        );
    }
    // The app does not call `kiln_sdk::sql`: wit-bindgen's import of it is
    // dropped with the unused code, so the component does not ask for it.
    assert!(
        !kiln.contains(&format!("kiln:app/sql{WORLD}").as_str()),
        "an app without SQL imports kiln:app/sql (imports: {imports:?})"
    );
    let others: Vec<&String> = imports
        .iter()
        .filter(|name| !name.starts_with("kiln:") && !name.starts_with("wasi:"))
        .collect();
    assert!(others.is_empty(), "unexpected imports {others:?}");
}
