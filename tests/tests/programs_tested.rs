//! Every guest program `build.rs` builds is used by a host test (the rule:
//! `kiln_tests::program_use`). A program without one fails here, by name,
//! with what to do.

use std::path::Path;

use kiln_tests::program_use::{PREFIX, rust_files, unused};
use kiln_tests::programs;

#[test]
fn every_guest_program_has_a_host_test() {
    let tests_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let this_file = tests_dir.join("programs_tested.rs");
    let sources: Vec<String> = rust_files(&tests_dir)
        .expect("tests/tests is readable")
        .into_iter()
        .filter(|file| *file != this_file)
        .map(|file| std::fs::read_to_string(&file).expect("a test file is UTF-8"))
        .collect();
    let names: Vec<&str> = programs::ALL.iter().map(|program| program.name).collect();
    let missing: Vec<String> = unused(&names, &sources)
        .into_iter()
        .filter_map(|name| programs::ALL.iter().find(|p| p.name == name))
        .map(|program| {
            format!(
                "  {} (built from {}): no file under tests/tests refers to `{PREFIX}{}`",
                program.name, program.source, program.name
            )
        })
        .collect();
    assert!(
        missing.is_empty(),
        "guest programs without a host test:\n{}\n\
         Add a test under tests/tests that loads `kiln_tests::{PREFIX}NAME`, \
         or remove the program (see tests/build.rs).",
        missing.join("\n")
    );
}

#[test]
fn every_program_was_built() {
    for program in programs::ALL {
        let bytes = std::fs::read(program.path)
            .unwrap_or_else(|e| panic!("{} was not built ({}): {e}", program.name, program.path));
        assert!(
            bytes.starts_with(b"\0asm"),
            "{} is not WebAssembly: {}",
            program.name,
            program.path
        );
    }
}
