//! Escape suite, output, as a JavaScript (Forge) app: terminal escapes,
//! CR/LF with a forged `error:` line, C1 controls, DEL, a bidi override and
//! a line separator in `console.log`/`console.error`, in a thrown `Error`, in
//! the result, and in a request error the app made up. The host keeps the
//! text as the app wrote it and prints it escaped, on one line.

use crate::escape_js_app::{self as js, HOSTILE};
use crate::support::Harness;

use kiln_runtime::InvocationFailure;
use kiln_runtime::guest_text::{GuestText, needs_escape, to_json_line, unescape};
use serde_json::json;

/// One line, nothing that drives a terminal or reorders text, and the
/// app's text recoverable from it.
fn assert_printable(sentence: &str) {
    assert!(
        !sentence.chars().any(needs_escape),
        "raw control in: {sentence:?}"
    );
    assert!(unescape(sentence).is_some(), "{sentence:?}");
}

const ESCAPED: &str = "\\u{1b}[31mred\\r\\nerror: forged by the app\\n\\u{9b}2J\\u{7f}\\u{202e}";

#[tokio::test]
async fn js_output_console_lines_with_terminal_escapes() {
    let h = Harness::start().await;
    let Some(app) = js::load(&h, "timeoutSeconds: 10").await else {
        return;
    };
    let invoked = h.invoke(&app, "log_escapes", json!({ "n": 1 })).await;
    assert_eq!(invoked.result.as_deref(), Ok(r#"{"n":1}"#));
    let levels: Vec<&str> = invoked.logs.iter().map(|l| l.level.as_str()).collect();
    assert_eq!(levels, ["INFO", "ERROR"], "{:?}", invoked.logs);
    for line in &invoked.logs {
        assert_eq!(line.message, HOSTILE, "kept as the app wrote it");
        let printed = line.to_string();
        assert_printable(&printed);
        assert!(printed.contains(ESCAPED), "{printed}");
    }
    js::assert_serves(&h, &app).await;
}

#[tokio::test]
async fn js_output_thrown_error_with_terminal_escapes() {
    let h = Harness::start().await;
    let Some(app) = js::load(&h, "timeoutSeconds: 10").await else {
        return;
    };
    let invoked = h.invoke(&app, "throw_escapes", json!({})).await;
    let failure = js::failure(&invoked.result);
    let InvocationFailure::App { message, .. } = failure else {
        panic!("expected the app's error, got {failure:?}");
    };
    assert_eq!(message, HOSTILE, "the host keeps the app's text as written");
    let sentence = failure.to_string();
    assert_printable(&sentence);
    assert!(sentence.contains(ESCAPED), "{sentence}");
    let line = to_json_line(failure).expect("JSON");
    assert!(!line.chars().any(needs_escape), "{line}");
    let back: serde_json::Value = serde_json::from_str(&line).expect("JSON");
    assert_eq!(back["message"], HOSTILE);
    js::assert_serves(&h, &app).await;
}

#[tokio::test]
async fn js_output_result_strings_with_terminal_escapes() {
    let h = Harness::start().await;
    let Some(app) = js::load(&h, "timeoutSeconds: 10").await else {
        return;
    };
    let invoked = h.invoke(&app, "result_escapes", json!({})).await;
    let value = crate::support::ok_json(&invoked);
    assert_eq!(value["text"], HOSTILE, "the result is the app's");
    let printed = kiln_runtime::guest_text::to_json_pretty(&value).expect("JSON");
    assert!(
        !printed.chars().any(|c| needs_escape(c) && c != '\n'),
        "{printed:?}"
    );
    assert!(
        printed.contains(r"\u001b[31mred\r\nerror: forged"),
        "{printed}"
    );
    js::assert_serves(&h, &app).await;
}

#[tokio::test]
async fn js_output_made_up_request_error() {
    // The layer reports a `kilnError` a handler lets escape as
    // `app-error.request`; an app can put anything there. The host prints
    // the app's route and scopes escaped, and no request was made.
    let h = Harness::start().await;
    let Some(app) = js::load(&h, "timeoutSeconds: 10").await else {
        return;
    };
    let invoked = h.invoke(&app, "forged_request_error", json!({})).await;
    let failure = js::failure(&invoked.result);
    let sentence = failure.to_string();
    assert_printable(&sentence);
    assert!(
        sentence.contains(&format!("request-jira refused {ESCAPED}")),
        "{sentence}"
    );
    assert_eq!(
        unescape(&GuestText(HOSTILE).to_string()).as_deref(),
        Some(HOSTILE)
    );
    h.assert_jira_untouched();
    assert!(h.audit.records().is_empty());
    js::assert_serves(&h, &app).await;
}
