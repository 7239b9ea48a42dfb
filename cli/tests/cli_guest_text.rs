//! Guest-controlled text through the real `runtime` binary, one test per
//! output path: `run`'s error, log lines, result, trap and load errors, and
//! `lint`'s and `inspect`'s reports in text and `--json`. The component is the escape suite's
//! `tests/programs/wat/text.wat` (and `hostile_*_name.wat` for load errors):
//! its text holds ANSI escape sequences, a CR/LF followed by a forged
//! `error:` line, C1 controls, DEL, a bidi override and a line separator
//! followed by a forged `audit:` line.
//!
//! Whatever the path, the bytes Kiln writes hold none of those characters
//! (only its own newlines), no line begins with the app's forged text, and
//! the app's text is there, escaped.

use std::path::Path;
use std::process::Output;

use kiln_runtime::guest_text::needs_escape;

const EXIT_APP_ERROR: i32 = 1;
const EXIT_BAD_INPUT: i32 = 2;
const EXIT_SANDBOX: i32 = 3;

/// The hostile text as Kiln prints it, escaped.
const ESCAPED: &str = "\\u{1b}[31mred\\r\\nerror: forged by the app\\n\\u{9b}2J\\u{7f}\\u{202e}txt.exe\\u{2028}audit: forged\\u{1b}[0m";

fn wat_program(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/programs/wat")
        .join(format!("{name}.wat"));
    wat::parse_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A folder with `app.wasm`, a manifest with one function per handler (keyed
/// by the handler's name) and a private cache.
struct AppDir {
    dir: tempfile::TempDir,
}

impl AppDir {
    fn new(wasm: &[u8], handlers: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut manifest = String::from(
            "app:\n  id: text\n  name: Text\n  runtime:\n    timeoutSeconds: 10\nmodules:\n  function:\n",
        );
        for h in handlers {
            manifest.push_str(&format!("    - key: {h}\n      handler: {h}\n"));
        }
        manifest.push_str("permissions:\n  scopes:\n    - read:jira-user\n");
        std::fs::write(dir.path().join("manifest.yml"), manifest).unwrap();
        std::fs::write(dir.path().join("app.wasm"), wasm).unwrap();
        Self { dir }
    }

    fn command(&self, args: &[&str]) -> Output {
        crate::support::runtime()
            .args(args)
            .arg(self.dir.path().join("app.wasm"))
            .env("KILN_CACHE_DIR", self.dir.path().join("cache"))
            .output()
            .expect("the runtime binary starts")
    }

    fn run(&self, function: &str) -> Output {
        self.command(&["run", "--function", function])
    }
}

/// No raw control, bidi or separator character (but Kiln's own newlines),
/// and no line that begins with the app's forged text.
fn assert_clean(stream: &[u8]) -> String {
    let text = String::from_utf8(stream.to_vec()).expect("Kiln writes UTF-8");
    let raw: Vec<char> = text
        .chars()
        .filter(|&c| needs_escape(c) && c != '\n')
        .collect();
    assert!(raw.is_empty(), "raw {raw:?} in:\n{text}");
    for line in text.lines() {
        let line = line.trim_start();
        assert!(
            !line.starts_with("error: forged") && !line.starts_with("audit: forged"),
            "a forged line: {line}\nin:\n{text}"
        );
    }
    text
}

/// Exactly one `error:` line, and it contains `says`.
fn assert_one_error_line(stderr: &str, says: &str) {
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(errors[0].contains(says), "{stderr}");
}

fn text_app() -> AppDir {
    AppDir::new(
        &wat_program("text"),
        &["benign", "failed", "log", "json", "trap", "quiet", "huge"],
    )
}

#[test]
fn run_prints_the_apps_error_escaped_on_one_line() {
    let output = text_app().run("failed");
    assert_eq!(output.status.code(), Some(EXIT_APP_ERROR));
    assert!(output.stdout.is_empty());
    let stderr = assert_clean(&output.stderr);
    assert_one_error_line(&stderr, &format!("the app returned an error: {ESCAPED}"));
}

#[test]
fn run_prints_log_lines_escaped_behind_the_app_id() {
    let output = text_app().run("log");
    assert_eq!(output.status.code(), Some(0));
    let stderr = assert_clean(&output.stderr);
    // After the site's description, the app's lines and nothing else.
    let lines: Vec<&str> = stderr
        .lines()
        .skip_while(|l| !l.starts_with("[text]"))
        .collect();
    assert_eq!(
        lines,
        [
            format!("[text] WARN   {ESCAPED}"),
            format!("[text] ERROR  {ESCAPED}")
        ],
        "{stderr}"
    );
    assert_clean(&output.stdout);
}

#[test]
fn run_prints_a_result_with_hostile_strings_as_json_escapes() {
    let output = text_app().run("json");
    assert_eq!(output.status.code(), Some(0));
    let stdout = assert_clean(&output.stdout);
    assert!(
        stdout.contains(r#""text": "\u202e evil \u009b2J \u2028 \u001b[31m""#),
        "{stdout}"
    );
    let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(value["text"], "\u{202e} evil \u{9b}2J \u{2028} \u{1b}[31m");
}

#[test]
fn run_prints_a_traps_cause_first_and_its_frames_escaped() {
    let output = text_app().run("trap");
    assert_eq!(output.status.code(), Some(EXIT_SANDBOX));
    let stderr = assert_clean(&output.stderr);
    assert_one_error_line(
        &stderr,
        "error: the app trapped: wasm trap: wasm `unreachable`",
    );
    // The cause first, then the frames.
    let from_error: Vec<&str> = stderr
        .lines()
        .skip_while(|l| !l.starts_with("error:"))
        .collect();
    assert!(
        stderr.contains(
            "note:    0: main\\u{1b}]0;owned\\u{7}\\r\\nerror: forged module!handler\\u{1b}[2J\\r\\nerror: forged frame \\u{202e}"
        ),
        "{stderr}"
    );
    assert!(from_error.len() > 3, "{stderr}");
    // Then what an `unreachable` trap can mean, last.
    let (hint, notes) = from_error[1..].split_last().expect("lines after the error");
    assert!(hint.starts_with("hint: the app aborted"), "{stderr}");
    for line in notes {
        assert!(line.starts_with("note: "), "{line}");
    }
}

#[test]
fn run_stops_a_hundred_mib_error_at_the_copy_limit() {
    let output = text_app().run("huge");
    assert_eq!(output.status.code(), Some(EXIT_SANDBOX));
    let stderr = assert_clean(&output.stderr);
    assert_one_error_line(&stderr, "Kiln's per-call copy limit");
    assert!(stderr.len() < 1024, "{} bytes on stderr", stderr.len());
}

#[test]
fn run_prints_a_load_error_quoting_a_hostile_import_name_escaped() {
    let app = AppDir::new(&wat_program("hostile_import_name"), &["benign"]);
    let output = app.run("benign");
    assert_eq!(output.status.code(), Some(EXIT_BAD_INPUT));
    let stderr = assert_clean(&output.stderr);
    assert_one_error_line(
        &stderr,
        "evil:pkg/if\\u{1b}[2J\\r\\nerror: forged import\\u{202e}ace@1.0.0",
    );
}

#[test]
fn run_prints_a_load_error_quoting_a_hostile_export_name_escaped() {
    let app = AppDir::new(&wat_program("hostile_export_name"), &["benign"]);
    let output = app.run("benign");
    assert_eq!(output.status.code(), Some(EXIT_BAD_INPUT));
    let stderr = assert_clean(&output.stderr);
    assert_one_error_line(
        &stderr,
        "kiln:app/handler\\u{1b}]0;owned\\u{7}\\r\\nerror: forged export",
    );
}

/// `inspect` of an app whose display name (which the manifest lets hold
/// any non-control character) reverses the text after it with a bidi
/// override.
fn inspect(json: bool) -> Output {
    let app = text_app();
    let manifest = app.dir.path().join("manifest.yml");
    let yaml = std::fs::read_to_string(&manifest)
        .unwrap()
        .replace("  name: Text\n", "  name: \"Invoice \u{202e}fdp.exe\"\n");
    std::fs::write(&manifest, yaml).unwrap();
    let mut args = vec!["inspect"];
    if json {
        args.push("--json");
    }
    app.command(&args)
}

#[test]
fn inspect_text_prints_a_bidi_override_in_the_name_escaped() {
    let output = inspect(false);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let stdout = assert_clean(&output.stdout);
    assert!(
        stdout.starts_with("app        text (Invoice \\u{202e}fdp.exe)\n"),
        "{stdout}"
    );
}

#[test]
fn inspect_json_holds_the_name_with_the_override_as_an_escape() {
    let output = inspect(true);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let stdout = assert_clean(&output.stdout);
    assert!(stdout.contains(r#""Invoice \u202efdp.exe""#), "{stdout}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["name"], "Invoice \u{202e}fdp.exe");
}

/// `lint` of the `quiet` function: one request-jira call, then the hostile
/// error.
fn lint(json: bool) -> Output {
    let app = text_app();
    std::fs::write(
        app.dir.path().join("lint.payloads.json"),
        r#"[{"function": "quiet", "payload": {}}]"#,
    )
    .unwrap();
    let mut args = vec!["lint"];
    if json {
        args.push("--json");
    }
    app.command(&args)
}

#[test]
fn lint_text_report_prints_the_failed_payload_escaped() {
    let output = lint(false);
    assert_eq!(output.status.code(), Some(EXIT_APP_ERROR));
    let stdout = assert_clean(&output.stdout);
    assert!(
        stdout.contains(&format!(
            "  payload 1 (quiet): failed: the app returned an error: {ESCAPED}\n"
        )),
        "{stdout}"
    );
    assert_clean(&output.stderr);
}

#[test]
fn lint_json_report_holds_the_failure_and_no_raw_control() {
    let output = lint(true);
    assert_eq!(output.status.code(), Some(EXIT_APP_ERROR));
    let stdout = assert_clean(&output.stdout);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        report["runs"][0]["error"],
        format!("the app returned an error: {ESCAPED}")
    );
    assert_clean(&output.stderr);
}
