//! Config variables under `runtime serve`, end to end: `runtime variables set` (another
//! process, writing the server's own state database) reaches the running server's app
//! within the second it may reuse a read (`CONFIG_VARIABLES_FRESH_FOR`), and so does an
//! `unset`. Nothing is restarted.
//!
//! Run after building the binary: `cargo build -p kiln-cli && cargo test -p kiln-serve --test serve config_variables::`.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::*;

/// What the app's `GREETING` is, as `web_echo` reports it.
fn greeting_seen_through(url: &str) -> Value {
    let response = client().post(url).body("{}").send().unwrap();
    assert_eq!(response.status(), 200);
    let seen: Value = response.json().unwrap();
    seen["greeting"].clone()
}

/// Runs `runtime variables ARGS --state STATE`, with `stdin` as its standard input (where
/// `--encrypt` reads the value).
fn variables(state: &Path, args: &[&str], stdin: &str) {
    let mut child = Command::new(runtime_binary())
        .arg("variables")
        .args(args)
        .arg("--state")
        .arg(format!("sqlite://{}", state.display()))
        // The server's key (the tests give it one): variables are sealed and opened with
        // the storage key of the state they live in.
        .env("KILN_STORAGE_KEY", STORAGE_KEY)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "runtime variables {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Waits for the app to see `expected`, and says how long that took.
fn until_seen(url: &str, expected: &Value) -> Duration {
    let started = Instant::now();
    wait_up_to(
        Duration::from_secs(10),
        &format!("the app to see GREETING = {expected}"),
        || greeting_seen_through(url) == *expected,
    );
    started.elapsed()
}

#[test]
fn a_variable_set_beside_a_running_server_reaches_its_app_within_the_bound() {
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start_at(dir.path(), "", None);
    let state = dir.path().join("state.sqlite3");
    let url = serve.line("webtrigger", Some("echo-in"))["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(greeting_seen_through(&url), Value::Null);

    variables(&state, &["set", "serve-app", "GREETING", "hello"], "");
    let took = until_seen(&url, &Value::from("hello"));
    // One second of reuse, plus a request's time: anything near the 10 s wait would mean
    // the server kept a read far longer than it says.
    assert!(took < Duration::from_secs(3), "seen after {took:?}");

    // Encrypted at rest, sealed with the server's own key file: opened for the app.
    variables(
        &state,
        &["set", "serve-app", "--encrypt", "GREETING"],
        "sealed",
    );
    until_seen(&url, &Value::from("sealed"));
    variables(&state, &["unset", "serve-app", "GREETING"], "");
    until_seen(&url, &Value::Null);
}
