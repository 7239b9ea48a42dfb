//! `runtime storage` and `runtime run --storage` through the real binary, as
//! a developer uses them: what an app stored is there on the next command,
//! one installation's keys are not another's, failures have the bad-input
//! exit code and a message, and the app's text (keys, values) is escaped
//! before it reaches the terminal.

use std::path::Path;
use std::process::Output;

use crate::support::repo;

const EXIT_BAD_INPUT: i32 = 2;

/// Runs `runtime ARGS` in the repository with the state file `state`; the
/// secret-storage key is created beside it (never taken from the
/// developer's environment).
fn runtime(state: &Path, args: &[&str]) -> Output {
    let mut command = crate::support::runtime();
    command
        .args(args)
        .arg(format!("--storage={}", state.display()))
        .current_dir(repo());
    command.output().expect("the runtime binary starts")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[track_caller]
fn succeeds(output: &Output) -> String {
    assert_eq!(
        output.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        stdout(output),
        stderr(output)
    );
    stdout(output)
}

#[track_caller]
fn bad_input(output: &Output) -> String {
    assert_eq!(
        output.status.code(),
        Some(EXIT_BAD_INPUT),
        "stdout: {}\nstderr: {}",
        stdout(output),
        stderr(output)
    );
    stderr(output)
}

#[test]
fn set_get_list_delete_round_trip_with_pages_and_sites() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.sqlite3");
    let storage = |args: &[&str]| runtime(&state, &[&["storage"], args].concat());

    let stored = storage(&["set", "notes-app", "note:1", r#"{"text":"first"}"#]);
    succeeds(&stored);
    assert!(
        stderr(&stored).contains("stored note:1 (version 1)"),
        "{}",
        stderr(&stored)
    );
    succeeds(&storage(&["set", "notes-app", "note:2", "[1,2,3]"]));
    succeeds(&storage(&["set", "notes-app", "other", "true"]));
    assert_eq!(
        succeeds(&storage(&["get", "notes-app", "note:1"])).trim(),
        r#"{"text":"first"}"#
    );

    // A prefix, one key per page, and the cursor the first page printed.
    let first = storage(&["list", "notes-app", "--prefix", "note:", "--limit", "1"]);
    assert_eq!(succeeds(&first), "note:1\t{\"text\":\"first\"}\n");
    let more = stderr(&first);
    let cursor = more
        .split("--cursor ")
        .nth(1)
        .map(str::trim)
        .unwrap_or_else(|| panic!("no cursor printed: {more}"));
    let second = storage(&[
        "list",
        "notes-app",
        "--prefix",
        "note:",
        "--limit",
        "1",
        "--cursor",
        cursor,
    ]);
    assert_eq!(succeeds(&second), "note:2\t[1,2,3]\n");
    assert_eq!(
        succeeds(&storage(&["list", "notes-app"])).lines().count(),
        3
    );

    // Another site's installation of the same app has none of it.
    let elsewhere = storage(&["get", "notes-app", "note:1", "--site", "another-cloud-id"]);
    assert!(bad_input(&elsewhere).contains("no value under the key note:1"));
    // Nor has another app.
    assert!(bad_input(&storage(&["get", "other-app", "note:1"])).contains("no value"));

    succeeds(&storage(&["delete", "notes-app", "note:1"]));
    assert!(bad_input(&storage(&["get", "notes-app", "note:1"])).contains("no value"));
    assert!(
        bad_input(&storage(&["set", "notes-app", "k", "not json"])).contains("not JSON"),
        "a value must be JSON"
    );
}

#[test]
fn keys_and_values_are_escaped_before_they_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.sqlite3");
    let storage = |args: &[&str]| runtime(&state, &[&["storage"], args].concat());
    // An app can store any text; here, terminal control sequences that would
    // clear the screen and fake a line of output.
    let key = "k\u{1b}[2J\rfake";
    let value = serde_json::json!("\u{1b}[31mred\u{7}").to_string();
    succeeds(&storage(&["set", "notes-app", key, &value]));
    for output in [
        storage(&["list", "notes-app"]),
        storage(&["get", "notes-app", key]),
    ] {
        let printed = format!("{}{}", stdout(&output), stderr(&output));
        succeeds(&output);
        assert!(
            !printed.contains('\u{1b}') && !printed.contains('\r') && !printed.contains('\u{7}'),
            "a control character reached the terminal: {printed:?}"
        );
        assert!(printed.contains("\\u001b[31mred"), "{printed:?}");
    }
}

/// The app's own writes, made by `runtime run`, are what `runtime storage`
/// shows, and the next run finds them (issue-triage remembers the labels it
/// added, so a second triage of the same issue adds nothing).
#[test]
fn run_keeps_an_apps_storage_for_the_next_run_and_for_storage_get() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.sqlite3");
    let run = |issue: &str| {
        let payload = format!(r#"{{"issue":"{issue}"}}"#);
        runtime(
            &state,
            &[
                "run",
                "examples/issue-triage",
                "--function",
                "triage",
                "--payload",
                &payload,
            ],
        )
    };
    succeeds(&run("KILN-4"));
    let remembered = runtime(
        &state,
        &["storage", "get", "examples/issue-triage", "triaged:KILN-4"],
    );
    let memory: serde_json::Value = serde_json::from_str(&succeeds(&remembered))
        .unwrap_or_else(|e| panic!("stored memory is JSON ({e}): {}", stdout(&remembered)));
    assert!(memory.is_object(), "{memory}");
    let listed = succeeds(&runtime(&state, &["storage", "list", "issue-triage"]));
    assert!(listed.starts_with("triaged:KILN-4\t"), "{listed}");

    // In memory, nothing is kept.
    let dir_memory = tempfile::tempdir().unwrap();
    let memory_state = dir_memory.path().join("state.sqlite3");
    let output = crate::support::runtime()
        .args([
            "run",
            "examples/issue-triage",
            "--function",
            "triage",
            "--payload",
            r#"{"issue":"KILN-6"}"#,
            "--storage=memory",
        ])
        .current_dir(repo())
        .env("KILN_DATA_DIR", dir_memory.path())
        .output()
        .expect("the runtime binary starts");
    succeeds(&output);
    assert!(!memory_state.exists(), "--storage=memory wrote a file");
}

/// `storage set --secret` stores what the app's `storage.getSecret` reads:
/// sealed (the value is nowhere in the file), never listed nor printed, read
/// from stdin so it stays out of shell history; a value holding the host's
/// own storage key is refused.
#[test]
fn a_secret_set_from_the_command_line_is_sealed_and_never_printed() {
    use std::io::Write as _;

    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.sqlite3");
    let with_stdin = |args: &[&str], input: &str, env: &[(&str, &str)]| {
        let mut child = crate::support::runtime()
            .args(args)
            .arg(format!("--storage={}", state.display()))
            .current_dir(repo())
            .envs(env.iter().copied())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the runtime binary starts");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let token = "\"cvefeed-token-7d1e4c\"";
    let stored = with_stdin(
        &["storage", "set", "cve-app", "api-token", "--secret"],
        &format!("{token}\n"),
        &[],
    );
    succeeds(&stored);
    assert!(stderr(&stored).contains("stored the secret api-token"));

    let storage = |args: &[&str]| runtime(&state, &[&["storage"], args].concat());
    let found = storage(&["get", "cve-app", "api-token", "--secret"]);
    assert_eq!(succeeds(&found), "", "a secret is never printed");
    assert!(stderr(&found).contains("a secret is stored under api-token"));
    // Not a plain value, not listed.
    assert!(bad_input(&storage(&["get", "cve-app", "api-token"])).contains("no value"));
    assert_eq!(succeeds(&storage(&["list", "cve-app"])), "");
    // Sealed: the text is in no file of the state's folder.
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(
            !bytes.windows(20).any(|w| w == b"cvefeed-token-7d1e4c"),
            "the secret is in the clear"
        );
    }
    // What the app's storage.getSecret reads: the installation's sealed value.
    let key = kiln_state::EncryptionKey::from_env_or_file(&dir.path().join("storage.key")).unwrap();
    let runtime_io = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let secret = runtime_io.block_on(async {
        let db = kiln_state::SqliteDatabase::open(&state).await.unwrap();
        let storage = kiln_state::AppStorage::sqlite(
            db,
            kiln_state::StorageLimits::default(),
            kiln_state::SecretCipher::new(key),
        );
        let installation = kiln_state::Installation::new(
            "cve-app",
            kiln_runtime::storage::storage_site(kiln_runtime::storage::SIMULATOR_SITE),
            kiln_runtime::storage::DEFAULT_ENVIRONMENT,
        )
        .unwrap();
        let installation = storage.installation(&installation).await.unwrap();
        installation.get_secret("api-token").await.unwrap()
    });
    assert_eq!(
        secret.expect("stored").expose_secret(),
        &serde_json::json!("cvefeed-token-7d1e4c")
    );

    // The host's own storage key is never handed to an app.
    let host_key = "ab".repeat(32);
    let refused = with_stdin(
        &["storage", "set", "cve-app", "leak", "--secret"],
        &format!("\"{host_key}\""),
        &[("KILN_STORAGE_KEY", &host_key)],
    );
    assert!(bad_input(&refused).contains("the host's own secret"));
    assert!(!stderr(&refused).contains(&host_key));

    succeeds(&storage(&["delete", "cve-app", "api-token", "--secret"]));
    assert!(
        bad_input(&storage(&["get", "cve-app", "api-token", "--secret"])).contains("no secret")
    );
}
