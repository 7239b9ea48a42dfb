//! `runtime new` as a new user meets it: the app it writes runs at once,
//! builds to one component, inspects and lints clean; bad names and existing
//! folders are refused with what to do instead.

use std::path::Path;
use std::process::{Command, Output};

fn runtime(dir: &Path, args: &[&str]) -> Output {
    crate::support::runtime()
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the runtime binary starts")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_new_app_runs_builds_inspects_and_lints_clean() {
    let dir = tempfile::tempdir().unwrap();
    let created = runtime(dir.path(), &["new", "demo"]);
    assert_eq!(created.status.code(), Some(0), "{}", stderr(&created));
    let app = dir.path().join("demo");
    let manifest = std::fs::read_to_string(app.join("manifest.yml")).unwrap();
    let hint = manifest.lines().next().unwrap();
    let schema = hint
        .strip_prefix("# yaml-language-server: $schema=")
        .expect("the editor hint comes first");
    assert!(
        Path::new(schema).is_absolute() && Path::new(schema).is_file(),
        "{hint}"
    );
    assert!(manifest.contains("id: demo"), "{manifest}");

    let ran = runtime(dir.path(), &["run", "demo", "-p", r#"{"issue": "KILN-2"}"#]);
    assert_eq!(ran.status.code(), Some(0), "{}", stderr(&ran));
    let result: serde_json::Value = serde_json::from_slice(&ran.stdout).unwrap();
    assert_eq!(
        result["greeting"],
        "Hello Alice Admin, KILN-2 is In Progress"
    );

    // The app is portable: Cargo.toml names the released SDK, and only the
    // git-ignored .cargo/config.toml points at this checkout. A copy in
    // another directory builds (offline, against the checkout).
    let cargo_toml = std::fs::read_to_string(app.join("Cargo.toml")).unwrap();
    assert!(!cargo_toml.contains("path ="), "{cargo_toml}");
    let config = std::fs::read_to_string(app.join(".cargo/config.toml")).unwrap();
    assert!(config.contains("[patch.crates-io]"), "{config}");
    let ignored = std::fs::read_to_string(app.join(".gitignore")).unwrap();
    assert!(ignored.contains("/.cargo/config.toml"), "{ignored}");

    let elsewhere = tempfile::tempdir().unwrap();
    copy_app(&app, &elsewhere.path().join("demo"));
    let built = runtime(elsewhere.path(), &["build", "demo"]);
    assert_eq!(built.status.code(), Some(0), "{}", stderr(&built));
    let wasm = elsewhere.path().join("demo/demo.wasm");
    assert!(wasm.is_file());
    assert_eq!(
        String::from_utf8_lossy(&built.stdout).trim(),
        wasm.canonicalize().unwrap().to_str().unwrap()
    );

    let inspected = runtime(elsewhere.path(), &["inspect", "demo/demo.wasm"]);
    let text = String::from_utf8_lossy(&inspected.stdout);
    assert_eq!(inspected.status.code(), Some(0), "{}", stderr(&inspected));
    assert!(text.contains("app        demo (Demo)"), "{text}");
    // `runtime new` apps use the SDK, which targets the newest world.
    let world = format!(
        "world      {}",
        kiln_runtime::bindings::WorldVersion::NEWEST
    );
    assert!(text.contains(&world), "{text}");

    let linted = runtime(elsewhere.path(), &["lint", "demo/demo.wasm"]);
    let text = String::from_utf8_lossy(&linted.stdout);
    assert_eq!(linted.status.code(), Some(0), "{text}{}", stderr(&linted));
}

/// Copies an app folder as a user would move it, without its build output.
fn copy_app(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            copy_app(&entry.path(), &to.join(&name));
        } else {
            std::fs::copy(entry.path(), to.join(&name)).unwrap();
        }
    }
}

/// What a new app's author runs first: `cargo test` in the app folder runs
/// the template's unit tests on the host, against the SDK's fakes of Jira
/// and storage, with no setting.
#[test]
fn every_template_s_unit_tests_pass_on_the_host() {
    let dir = tempfile::tempdir().unwrap();
    // One target directory for every template (and kept between runs when
    // the build has one), so the SDK and serde compile once.
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || dir.path().join("target"),
        |dir| Path::new(&dir).join("kiln-template-unit-tests"),
    );
    for template in ["hello", "issue-triage", "jsm-oncall"] {
        let name = format!("app-{template}");
        let created = runtime(dir.path(), &["new", &name, "--template", template]);
        assert_eq!(created.status.code(), Some(0), "{}", stderr(&created));
        let tested = Command::new(env!("CARGO"))
            .args(["test", "--offline", "--quiet"])
            .arg("--target-dir")
            .arg(&target)
            .current_dir(dir.path().join(&name))
            .output()
            .expect("cargo starts");
        let stdout = String::from_utf8_lossy(&tested.stdout);
        assert!(
            tested.status.success(),
            "{template}: cargo test failed\n{stdout}{}",
            stderr(&tested)
        );
        assert!(stdout.contains("test result: ok"), "{template}: {stdout}");
    }
}

#[test]
fn bad_names_and_existing_folders_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let bad = runtime(dir.path(), &["new", "My_App"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("lower-case letters"),
        "{}",
        stderr(&bad)
    );

    std::fs::create_dir(dir.path().join("taken")).unwrap();
    std::fs::write(dir.path().join("taken/file"), "x").unwrap();
    let taken = runtime(dir.path(), &["new", "taken"]);
    assert_eq!(taken.status.code(), Some(2));
    assert!(
        stderr(&taken).contains("already exists"),
        "{}",
        stderr(&taken)
    );

    let no_sdk = runtime(dir.path(), &["new", "other", "--sdk-path", "/nonexistent"]);
    assert_eq!(no_sdk.status.code(), Some(2));
    assert!(
        stderr(&no_sdk).contains("--sdk-path"),
        "{}",
        stderr(&no_sdk)
    );
    assert!(
        !dir.path().join("other").exists(),
        "nothing is written on failure"
    );
}

#[test]
fn help_answers_the_first_questions() {
    let dir = tempfile::tempdir().unwrap();
    let help = runtime(dir.path(), &["--help"]);
    let text = String::from_utf8_lossy(&help.stdout);
    for expected in [
        "runtime new my-app",
        "runtime run my-app",
        "simulator",
        "docs/writing-apps.md",
        "Exit codes",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    // Every template `runtime new` takes is named.
    let new_help = runtime(dir.path(), &["new", "--help"]);
    // Unwrapped: clap wraps the list to the terminal's width.
    let new_text = String::from_utf8_lossy(&new_help.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let values = new_text
        .split("[possible values: ")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .unwrap_or_else(|| panic!("no template list in:\n{new_text}"));
    for template in values.split(", ") {
        assert!(text.contains(template), "{template} missing from:\n{text}");
    }
    assert!(values.contains("forge-js"), "{values}");
    // `run` takes what `new` makes: a Cargo project or a JavaScript app.
    let run_help = runtime(dir.path(), &["run", "--help"]);
    let run_text = String::from_utf8_lossy(&run_help.stdout);
    for expected in [".wasm", "Cargo project", "JavaScript/TypeScript Forge app"] {
        assert!(
            run_text.contains(expected),
            "{expected} missing from:\n{run_text}"
        );
    }
}
