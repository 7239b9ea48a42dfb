//! Golden tests, Spin style: every `tests/golden/valid/<name>.yml` must load and
//! match `<name>.out` (the manifest as JSON, defaults filled in); every
//! `tests/golden/invalid/<name>.yml` must fail with exactly the text in
//! `<name>.out`; a valid case that loads with warnings also matches
//! `<name>.warnings`. `BLESS=1 cargo test -p kiln-manifest --test golden`
//! rewrites the expected files.

use std::path::{Path, PathBuf};

use kiln_manifest::Manifest;

fn cases(folder: &str) -> Vec<PathBuf> {
    // Relative paths, so error texts do not depend on where the repo lives
    // (integration tests run in the crate directory).
    let dir = Path::new("tests/golden").join(folder);
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("reading {}: {error}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yml"))
        .collect();
    cases.sort();
    cases
}

fn check(folder: &str, render: impl Fn(&Path) -> Result<String, String>) {
    check_as(folder, "out", &cases(folder), render)
}

fn check_as(
    folder: &str,
    extension: &str,
    cases: &[PathBuf],
    render: impl Fn(&Path) -> Result<String, String>,
) {
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    for case in cases {
        let actual = match render(case) {
            Ok(text) => text + "\n",
            Err(problem) => {
                failures.push(format!("{}: {problem}", case.display()));
                continue;
            }
        };
        let expected_path = case.with_extension(extension);
        if bless {
            std::fs::write(&expected_path, &actual).expect("writing blessed output");
            continue;
        }
        match std::fs::read_to_string(&expected_path) {
            Ok(expected) if expected == actual => {}
            Ok(expected) => failures.push(format!(
                "{}:\n--- expected\n{expected}--- actual\n{actual}",
                case.display()
            )),
            Err(_) => failures.push(format!(
                "{}: no {} (run with BLESS=1)",
                case.display(),
                expected_path.display()
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} {folder} golden cases differ (BLESS=1 to accept):\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn valid_manifests_load_as_expected() {
    let cases = cases("valid");
    assert!(
        cases.len() >= 8,
        "expected at least 8 valid cases, found {}",
        cases.len()
    );
    check("valid", |case| {
        let manifest = Manifest::load(case).map_err(|error| format!("should load: {error}"))?;
        serde_json::to_string_pretty(&manifest).map_err(|error| error.to_string())
    });
}

/// Warnings are part of what a manifest loads as: each valid case that has
/// any, and only those, keeps them in `<name>.warnings`.
#[test]
fn valid_manifests_warn_as_expected() {
    let (warned, quiet): (Vec<PathBuf>, Vec<PathBuf>) = cases("valid")
        .into_iter()
        .partition(|case| !Manifest::load(case).expect("valid").warnings().is_empty());
    assert!(
        warned.len() >= 3,
        "expected at least 3 cases with warnings, found {}",
        warned.len()
    );
    for case in quiet {
        let stale = case.with_extension("warnings");
        assert!(
            !stale.exists(),
            "{} has no warnings: delete it",
            stale.display()
        );
    }
    check_as("valid", "warnings", &warned, |case| {
        let manifest = Manifest::load(case).map_err(|error| error.to_string())?;
        let lines: Vec<String> = manifest
            .warnings()
            .iter()
            .map(ToString::to_string)
            .collect();
        Ok(lines.join("\n"))
    });
}

#[test]
fn invalid_manifests_fail_with_the_expected_error() {
    let cases = cases("invalid");
    assert!(
        cases.len() >= 20,
        "expected at least 20 invalid cases, found {}",
        cases.len()
    );
    check("invalid", |case| match Manifest::load(case) {
        Ok(manifest) => Err(format!("should be rejected, loaded {manifest:?}")),
        Err(error) => Ok(error.to_string()),
    });
}

#[test]
fn invalid_cases_carry_a_line_unless_the_document_is_empty() {
    for case in cases("invalid") {
        let error = Manifest::load(&case).expect_err("invalid case");
        let source = std::fs::read_to_string(&case).expect("readable");
        let has_content = source
            .lines()
            .any(|line| !line.trim().is_empty() && !line.trim_start().starts_with('#'));
        assert_eq!(
            error.line.is_some(),
            has_content,
            "{}: {error}",
            case.display()
        );
        assert_eq!(error.path.as_deref(), Some(case.as_path()));
    }
}
