//! `runtime variables set|list|unset` through the real binary, and the
//! variables reaching a JavaScript app's `process.env` under `runtime run`:
//! both use the default state file under `$KILN_DATA_DIR`, as a developer
//! would. Encrypted values never reach `list`'s output or the state file in
//! the clear; the host's own secrets and reserved names are refused without
//! being echoed.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const EXIT_BAD_INPUT: i32 = 2;
const SEALED: &str = "sealed-value-7f3a9c";

fn runtime(data: &Path, args: &[&str]) -> Command {
    let mut command = crate::support::runtime();
    command
        .args(args)
        .env("KILN_DATA_DIR", data)
        .env("KILN_CACHE_DIR", cache_dir());
    command
}

fn output(mut command: Command, stdin: Option<&str>) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the runtime binary starts");
    let mut pipe = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        pipe.write_all(text.as_bytes()).unwrap();
    }
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[track_caller]
fn exits(output: &Output, code: i32) -> (String, String) {
    let (out, err) = text(output);
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout: {out}\nstderr: {err}"
    );
    (out, err)
}

/// Every file under `dir`, concatenated (the state file and its WAL).
fn bytes_under(dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            all.extend(std::fs::read(&path).unwrap());
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

#[test]
fn set_list_unset_with_encryption_and_guards() {
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    exits(
        &output(
            runtime(d, &["variables", "set", "my-app", "PLAIN", "hello world"]),
            None,
        ),
        0,
    );
    // From stdin, encrypted: the value is on no command line.
    exits(
        &output(
            runtime(d, &["variables", "set", "my-app", "--encrypt", "SEALED"]),
            Some(&format!("{SEALED}\n")),
        ),
        0,
    );
    exits(
        &output(
            runtime(
                d,
                &[
                    "variables",
                    "set",
                    "my-app",
                    "-e",
                    "production",
                    "PROD",
                    "p",
                ],
            ),
            None,
        ),
        0,
    );

    let (out, _) = exits(
        &output(runtime(d, &["variables", "list", "my-app"]), None),
        0,
    );
    assert_eq!(out, "PLAIN\thello world\nSEALED\t(encrypted)\n");
    let (out, _) = exits(
        &output(
            runtime(d, &["variables", "list", "my-app", "-e", "production"]),
            None,
        ),
        0,
    );
    assert_eq!(out, "PROD\tp\n");
    assert!(
        !contains(&bytes_under(d), SEALED),
        "the state file holds the value in the clear"
    );

    // Names: Forge's rule, and KILN_ is the host's.
    for name in ["KILN_WEBTRIGGER_URLS", "1ABC", "A-B"] {
        let (_, err) = exits(
            &output(runtime(d, &["variables", "set", "my-app", name, "x"]), None),
            EXIT_BAD_INPUT,
        );
        assert!(err.contains("name") || err.contains("reserves"), "{err}");
    }
    // The host's own secret, found in the CLI's environment, is refused and not echoed.
    let host_token = "host-api-token-0123456789";
    let mut with_token = runtime(d, &["variables", "set", "my-app", "--encrypt", "LEAK"]);
    with_token.env("JIRA_API_TOKEN", host_token);
    let (out, err) = exits(
        &output(with_token, Some(&format!("prefix {host_token}"))),
        EXIT_BAD_INPUT,
    );
    assert!(err.contains("$JIRA_API_TOKEN"), "{err}");
    assert!(
        !out.contains(host_token) && !err.contains(host_token),
        "{err}"
    );
    // An Atlassian token in the clear needs --encrypt.
    let (_, err) = exits(
        &output(
            runtime(
                d,
                &["variables", "set", "my-app", "TOKEN", "ATATT3xFfGF0abcdef"],
            ),
            None,
        ),
        EXIT_BAD_INPUT,
    );
    assert!(err.contains("--encrypt"), "{err}");
    assert!(!err.contains("ATATT3xFfGF0abcdef"), "{err}");

    exits(
        &output(runtime(d, &["variables", "unset", "my-app", "PLAIN"]), None),
        0,
    );
    exits(
        &output(runtime(d, &["variables", "unset", "my-app", "PLAIN"]), None),
        EXIT_BAD_INPUT,
    );
    let (out, _) = exits(
        &output(runtime(d, &["variables", "list", "my-app"]), None),
        0,
    );
    assert_eq!(out, "SEALED\t(encrypted)\n");
}

/// Shared with `cli_forge_js.rs`'s idea: the JS toolchain and artifact cache,
/// kept between runs.
fn cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("kiln-js-cli-cache")
}

fn node_available() -> bool {
    let found = Command::new("node").arg("--version").output().is_ok()
        && Command::new("npm").arg("--version").output().is_ok();
    if !found {
        assert!(
            std::env::var_os("KILN_REQUIRE_NODE").is_none(),
            "KILN_REQUIRE_NODE is set but Node.js or npm is missing"
        );
        eprintln!("skipped: Node.js and npm are needed to build JavaScript apps");
    }
    found
}

const MANIFEST: &str = "\
app:
  id: variables-js
  runtime:
    name: nodejs22.x
modules:
  function:
    - key: main
      handler: index.run
permissions:
  scopes: []
";

const INDEX: &str = "\
import api, { webTrigger } from '@forge/api';

export const run = async () => {
  let url;
  try {
    url = await webTrigger.getUrl('hook');
  } catch (error) {
    url = `threw: ${error.message}`;
  }
  return {
    plain: process.env.PLAIN ?? null,
    sealed: process.env.SEALED ?? null,
    names: Object.keys(process.env).sort(),
    viaApi: typeof api.webTrigger.getUrl,
    url,
  };
};
";

#[test]
fn a_js_app_reads_its_variables_as_process_env_under_runtime_run() {
    if !node_available() {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    let work = tempfile::tempdir().unwrap();
    let app = work.path().join("variables-js");
    std::fs::create_dir_all(app.join("src")).unwrap();
    std::fs::write(app.join("manifest.yml"), MANIFEST).unwrap();
    std::fs::write(
        app.join("package.json"),
        r#"{"name": "variables-js", "version": "1.0.0", "private": true, "type": "module"}"#,
    )
    .unwrap();
    std::fs::write(app.join("src/index.js"), INDEX).unwrap();
    let app_arg = app.to_str().unwrap();

    exits(
        &output(
            runtime(d, &["variables", "set", app_arg, "PLAIN", "p-value"]),
            None,
        ),
        0,
    );
    exits(
        &output(
            runtime(d, &["variables", "set", app_arg, "--encrypt", "SEALED"]),
            Some(SEALED),
        ),
        0,
    );
    let (out, err) = exits(&output(runtime(d, &["run", app_arg, "-p", "{}"]), None), 0);
    let result: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    assert_eq!(result["plain"], "p-value", "{result}");
    assert_eq!(result["sealed"], SEALED, "{result}");
    // Only the app's variables: nothing of the host's environment (PATH, HOME,
    // KILN_DATA_DIR…), no host entry.
    assert_eq!(
        result["names"],
        serde_json::json!(["PLAIN", "SEALED"]),
        "{result}"
    );
    assert_eq!(result["viaApi"], "function");
    assert!(
        result["url"]
            .as_str()
            .unwrap()
            .contains("under `runtime serve`, not `runtime run`"),
        "{result}"
    );
    // The sealed value is in the app's result (the app returned it), but in no log line.
    assert_eq!(err.matches(SEALED).count(), 0, "{err}");

    // Read at the top level, PLAIN is read while Kiln builds the app, before any
    // variable exists: the app keeps `undefined`. With PLAIN set, the invocation
    // fails naming it rather than running on the value Forge would not have given.
    std::fs::write(
        app.join("src/index.js"),
        format!("const KEPT = process.env.PLAIN;\n{INDEX}")
            .replace("plain: process.env.PLAIN ?? null", "plain: KEPT ?? null"),
    )
    .unwrap();
    let failed = output(runtime(d, &["run", app_arg, "-p", "{}"]), None);
    let (out, err) = text(&failed);
    assert!(!failed.status.success(), "stdout: {out}\nstderr: {err}");
    assert!(
        err.contains("process.env.PLAIN") && err.contains("top-level code"),
        "{err}"
    );
    assert!(!err.contains("p-value"), "{err}");
    // Unset, the top-level read is what the function would read: it runs.
    exits(
        &output(runtime(d, &["variables", "unset", app_arg, "PLAIN"]), None),
        0,
    );
    let (out, err) = exits(&output(runtime(d, &["run", app_arg, "-p", "{}"]), None), 0);
    let result: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    assert_eq!(result["plain"], serde_json::Value::Null, "{result}");
    assert_eq!(result["names"], serde_json::json!(["SEALED"]), "{result}");
}

/// An app whose top-level code needs a variable (`JSON.parse(process.env.CONFIG)`,
/// as apps validate their configuration with a schema at the top of a module)
/// throws while Kiln builds it, where no variable exists; Forge runs that code at
/// a cold start with the variables set. The build says so and builds the app to
/// run its modules when a function runs: unchanged, it works.
#[test]
fn a_js_app_whose_top_level_needs_a_variable_runs_unchanged() {
    if !node_available() {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    let work = tempfile::tempdir().unwrap();
    let app = work.path().join("config-js");
    std::fs::create_dir_all(app.join("src")).unwrap();
    std::fs::write(
        app.join("manifest.yml"),
        MANIFEST.replace("variables-js", "config-js"),
    )
    .unwrap();
    std::fs::write(
        app.join("package.json"),
        r#"{"name": "config-js", "version": "1.0.0", "private": true, "type": "module"}"#,
    )
    .unwrap();
    std::fs::write(
        app.join("src/index.js"),
        "const CONFIG = JSON.parse(process.env.CONFIG);\n\
         export const run = async () => ({ region: CONFIG.region });\n",
    )
    .unwrap();
    let app_arg = app.to_str().unwrap();
    exits(
        &output(
            runtime(
                d,
                &["variables", "set", app_arg, "CONFIG", r#"{"region":"eu"}"#],
            ),
            None,
        ),
        0,
    );
    let (out, err) = exits(&output(runtime(d, &["run", app_arg, "-p", "{}"]), None), 0);
    assert!(
        err.contains("top-level code failed while Kiln built it"),
        "{err}"
    );
    let result: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    assert_eq!(result["region"], "eu", "{result}");
    // Without the variable, the invocation fails with the app's own error, as
    // its cold start would on Forge; the next invocation with it set runs.
    exits(
        &output(runtime(d, &["variables", "unset", app_arg, "CONFIG"]), None),
        0,
    );
    let failed = output(runtime(d, &["run", app_arg, "-p", "{}"]), None);
    let (out, err) = text(&failed);
    assert!(!failed.status.success(), "stdout: {out}\nstderr: {err}");
    assert!(err.contains("JSON") || err.contains("undefined"), "{err}");
}

/// A folder whose manifest does not load: the error names the file once,
/// with the line and column of the fault (the load error carries them).
#[test]
fn an_invalid_manifest_is_named_once() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("broken-app");
    std::fs::create_dir(&app).unwrap();
    std::fs::write(
        app.join("manifest.yml"),
        "app:\n  id: broken\nmodules:\n  function:\n    - key: main\n      handler: main\n      bogus: 1\n",
    )
    .unwrap();
    let data = dir.path().join("data");
    let app_arg = app.to_str().unwrap();
    let run = output(
        runtime(&data, &["variables", "set", app_arg, "NAME"]),
        Some("value"),
    );
    let (_, stderr) = exits(&run, EXIT_BAD_INPUT);
    let file = app.join("manifest.yml").display().to_string();
    assert_eq!(stderr.matches(&file).count(), 1, "{stderr}");
    assert!(stderr.contains(&format!("{file}:7:")), "{stderr}");
}
