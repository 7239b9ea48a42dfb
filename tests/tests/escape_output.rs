//! Escape suite, output: guest-controlled text that reaches Kiln's output,
//! sent by the hand-written `tests/programs/wat/text.wat` and the
//! `hostile_*_name.wat` components. The text holds ANSI escape sequences, a
//! CR/LF followed by a forged `error:` line, C1 controls, DEL, a bidi
//! override and a line separator. Each case checks that the host keeps the
//! text as the app wrote it (for JSON and programs), that the sentence Kiln
//! prints is one line with none of those characters and shows the escaped
//! text, and that the same app or runtime then serves.
//!
//! The same cases through the real command line, text and `--json`:
//! `cli/tests/cli_guest_text.rs`.

use crate::support;

use kiln_runtime::guest_text::{GuestText, needs_escape, to_json_line, unescape};
use kiln_runtime::{InvocationFailure, LoadedApp};
use kiln_tests::programs;
use serde_json::json;
use support::{Harness, manifest};

/// The hostile text of `text.wat`, as the app wrote it.
const HOSTILE: &str = "\u{1b}[31mred\r\nerror: forged by the app\n\u{9b}2J\u{7f}\u{202e}txt.exe\u{2028}audit: forged\u{1b}[0m";

/// Handler names: the first letter selects the case in `text.wat`.
const HANDLERS: &[&str] = &["benign", "failed", "request_error", "log", "json", "trap"];

async fn text_app(h: &Harness) -> LoadedApp {
    h.load(
        programs::WAT_TEXT,
        &manifest("text", HANDLERS, &["read:jira-user"], "timeoutSeconds: 5"),
    )
    .await
}

/// A sentence Kiln prints: one line, none of the characters that drive a
/// terminal or reorder text, and the guest's text recoverable from it.
fn assert_printable(sentence: &str) {
    assert!(
        !sentence.chars().any(needs_escape),
        "raw control in: {sentence:?}"
    );
    assert!(unescape(sentence).is_some(), "{sentence:?}");
}

async fn assert_app_serves(h: &Harness, app: &LoadedApp) {
    let payload = json!({ "after": "hostile text" });
    h.assert_serves(app, "benign", payload.clone(), payload)
        .await;
}

#[tokio::test]
async fn output_app_error_with_terminal_escapes() {
    let h = Harness::start().await;
    let app = text_app(&h).await;
    let invoked = h.invoke(&app, "failed", json!({})).await;
    let failure = invoked.result.as_ref().unwrap_err();
    let InvocationFailure::App { message, .. } = failure else {
        panic!("expected the app's error, got {failure:?}");
    };
    assert_eq!(message, HOSTILE, "the host keeps the app's text as written");
    let sentence = failure.to_string();
    assert_printable(&sentence);
    assert!(
        sentence
            .contains("\\u{1b}[31mred\\r\\nerror: forged by the app\\n\\u{9b}2J\\u{7f}\\u{202e}"),
        "{sentence}"
    );
    // JSON keeps the text, with every such character as a \u escape.
    let json = to_json_line(failure).unwrap();
    assert!(!json.chars().any(needs_escape), "{json}");
    let back: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(back["message"], HOSTILE);
    assert_app_serves(&h, &app).await;
}

#[tokio::test]
async fn output_made_up_request_error() {
    let h = Harness::start().await;
    let app = text_app(&h).await;
    let invoked = h.invoke(&app, "request_error", json!({})).await;
    let failure = invoked.result.as_ref().unwrap_err();
    let sentence = failure.to_string();
    assert_printable(&sentence);
    // The route and each missing scope are the app's text.
    assert!(
        sentence.contains("request-jira refused \\u{1b}[31mred\\r\\nerror: forged"),
        "{sentence}"
    );
    assert!(
        sentence.ends_with("\\u{1b}[0m, read:jira-work"),
        "{sentence}"
    );
    assert_app_serves(&h, &app).await;
}

#[tokio::test]
async fn output_log_lines_with_terminal_escapes() {
    let h = Harness::start().await;
    let app = text_app(&h).await;
    let invoked = h.invoke(&app, "log", json!({ "n": 1 })).await;
    assert_eq!(invoked.result.as_deref(), Ok(r#"{"n":1}"#));
    assert_eq!(invoked.logs.len(), 2);
    for line in &invoked.logs {
        assert_eq!(line.message, HOSTILE);
        assert_printable(&GuestText(&line.message).to_string());
    }
    assert_app_serves(&h, &app).await;
}

#[tokio::test]
async fn output_result_strings_with_bidi_and_c1_controls() {
    let h = Harness::start().await;
    let app = text_app(&h).await;
    let invoked = h.invoke(&app, "json", json!({})).await;
    let result = invoked.result.as_ref().expect("valid JSON is accepted");
    let value: serde_json::Value = serde_json::from_str(result).unwrap();
    assert_eq!(
        value["text"], "\u{202e} evil \u{9b}2J \u{2028} \u{1b}[31m",
        "the result is the app's"
    );
    let printed = kiln_runtime::guest_text::to_json_pretty(&value).unwrap();
    assert!(
        !printed.chars().any(|c| needs_escape(c) && c != '\n'),
        "{printed:?}"
    );
    assert!(
        printed.contains(r"\u202e evil \u009b2J \u2028 \u001b[31m"),
        "{printed}"
    );
    assert_app_serves(&h, &app).await;
}

#[tokio::test]
async fn output_trap_in_a_function_with_a_hostile_name() {
    let h = Harness::start().await;
    let app = text_app(&h).await;
    let invoked = h.invoke(&app, "trap", json!({})).await;
    let failure = invoked.result.as_ref().unwrap_err();
    let InvocationFailure::Trap { message, backtrace } = failure else {
        panic!("expected a trap, got {failure:?}");
    };
    // The cause comes first, alone: no backtrace in front of it.
    assert!(message.contains("unreachable"), "{message}");
    assert!(!message.contains("backtrace"), "{message}");
    // The frames carry the name-section names, kept as written.
    let innermost = backtrace.first().expect("a backtrace");
    assert!(
        innermost.ends_with("!handler\u{1b}[2J\r\nerror: forged frame \u{202e}"),
        "{innermost:?}"
    );
    assert!(
        innermost.starts_with("main\u{1b}]0;owned\u{7}\r\nerror: forged module!"),
        "{innermost:?}"
    );
    for frame in backtrace {
        assert_printable(&GuestText(frame).to_string());
    }
    assert_printable(&failure.to_string());
    assert_app_serves(&h, &app).await;
}

/// Loads `program`, whose component names an import or export with hostile
/// text, and checks the refusal is one printable sentence that shows the name
/// escaped as `shown`, and that the runtime then serves.
async fn assert_hostile_name_refused(program: &str, shown: &str) {
    let h = Harness::start().await;
    let wasm = std::fs::read(program).unwrap();
    let error = h
        .load_refused(wasm, &manifest("text", &["benign"], &[], ""))
        .await;
    let sentence = error.to_string();
    assert_printable(&sentence);
    assert!(sentence.contains(shown), "{sentence}");
    h.assert_runtime_serves().await;
}

#[tokio::test]
async fn output_hostile_import_name_in_a_load_error() {
    assert_hostile_name_refused(
        programs::WAT_HOSTILE_IMPORT_NAME,
        "evil:pkg/if\\u{1b}[2J\\r\\nerror: forged import\\u{202e}ace@1.0.0",
    )
    .await;
}

#[tokio::test]
async fn output_hostile_export_name_in_a_load_error() {
    assert_hostile_name_refused(
        programs::WAT_HOSTILE_EXPORT_NAME,
        "kiln:app/handler\\u{1b}]0;owned\\u{7}\\r\\nerror: forged export",
    )
    .await;
}
