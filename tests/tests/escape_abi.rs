//! Escape suite, ABI: values only the canonical ABI can carry (out-of-range
//! enum and variant discriminants, strings that are not UTF-8, pointers past
//! the end of memory, list lengths that overflow, reentrancy from
//! `cabi_realloc`), sent by the hand-written `tests/programs/wat/abi.wat`.
//! The host refuses each with a typed error and no panic; nothing malformed
//! reaches Jira; the same app then serves a benign call.

use crate::support;

use kiln_runtime::{InvocationFailure, LoadedApp};
use kiln_tests::programs;
use serde_json::json;
use support::{Harness, manifest};

/// Handler names: the first letter selects the attack in `abi.wat`.
const HANDLERS: &[&str] = &[
    "benign",
    "principal_out_of_range",
    "method_out_of_range",
    "utf8_invalid_path",
    "oob_path_pointer",
    "list_length_overflow",
    "discriminant_of_body_option",
    "result_discriminant_out_of_range",
    "error_case_out_of_range",
    "string_pointer_out_of_bounds",
    "invalid_utf8_result",
    "json_invalid_result",
    "x_reentrancy_from_realloc",
];

async fn abi_app(h: &Harness) -> LoadedApp {
    h.load(
        programs::WAT_ABI,
        &manifest("abi", HANDLERS, &["read:jira-user"], "timeoutSeconds: 2"),
    )
    .await
}

/// Runs one attack and returns the trap's message after the shared checks:
/// nothing reached Jira, and the same app still serves.
async fn trapped(handler: &str) -> String {
    let h = Harness::start().await;
    let app = abi_app(&h).await;
    let invoked = h.invoke(&app, handler, json!({})).await;
    let message = match &invoked.result {
        Err(InvocationFailure::Trap { message, .. }) => message.clone(),
        other => panic!("{handler}: expected a trap, got {other:?}"),
    };
    assert!(invoked.is_sandbox_violation());
    h.assert_jira_untouched();
    let payload = json!({ "after": handler });
    h.assert_serves(&app, "benign", payload.clone(), payload)
        .await;
    message
}

/// wasmtime's words for the refusal, found in the trap message.
fn assert_mentions(message: &str, words: &str) {
    assert!(message.contains(words), "expected {words:?} in: {message}");
}

#[tokio::test]
async fn abi_principal_discriminant_out_of_range() {
    let message = trapped("principal_out_of_range").await;
    assert_mentions(&message, "unexpected discriminant: 7");
}

#[tokio::test]
async fn abi_method_discriminant_out_of_range() {
    let message = trapped("method_out_of_range").await;
    assert_mentions(&message, "unexpected discriminant: 200");
}

#[tokio::test]
async fn abi_invalid_utf8_path() {
    let message = trapped("utf8_invalid_path").await;
    assert_mentions(&message, "invalid utf-8 sequence");
}

#[tokio::test]
async fn abi_path_pointer_past_end_of_memory() {
    let message = trapped("oob_path_pointer").await;
    assert_mentions(&message, "string pointer/length out of bounds of memory");
}

#[tokio::test]
async fn abi_query_list_length_overflows() {
    let message = trapped("list_length_overflow").await;
    assert_mentions(&message, "list pointer/length out of bounds of memory");
}

#[tokio::test]
async fn abi_body_option_discriminant_out_of_range() {
    let message = trapped("discriminant_of_body_option").await;
    assert_mentions(&message, "invalid option discriminant");
}

#[tokio::test]
async fn abi_result_discriminant_out_of_range() {
    let message = trapped("result_discriminant_out_of_range").await;
    assert_mentions(&message, "invalid expected discriminant");
}

#[tokio::test]
async fn abi_app_error_case_out_of_range() {
    let message = trapped("error_case_out_of_range").await;
    assert_mentions(&message, "unexpected discriminant: 9");
}

#[tokio::test]
async fn abi_result_string_pointer_past_end_of_memory() {
    let message = trapped("string_pointer_out_of_bounds").await;
    assert_mentions(&message, "string pointer/length out of bounds of memory");
}

#[tokio::test]
async fn abi_result_string_not_utf8() {
    let message = trapped("invalid_utf8_result").await;
    assert_mentions(&message, "invalid utf-8 sequence");
}

#[tokio::test]
async fn abi_result_string_not_json() {
    let h = Harness::start().await;
    let app = abi_app(&h).await;
    let invoked = h.invoke(&app, "json_invalid_result", json!({})).await;
    match &invoked.result {
        Err(InvocationFailure::InvalidResult { message }) => {
            assert!(!message.is_empty());
        }
        other => panic!("expected an invalid-result failure, got {other:?}"),
    }
    h.assert_jira_untouched();
    h.assert_serves(&app, "benign", json!([1, 2]), json!([1, 2]))
        .await;
}

/// Left to a caller that parses it (a web trigger's response), the text comes back as the
/// app wrote it, for that caller's parser to refuse.
#[tokio::test]
async fn abi_result_string_not_json_left_to_its_caller() {
    let h = Harness::start().await;
    let app = abi_app(&h).await;
    let invoked = app
        .invoke(kiln_runtime::Invocation {
            function_key: Some("json_invalid_result".to_owned()),
            payload: "{}".to_owned(),
            result_check: kiln_runtime::ResultCheck::ParsedByCaller,
            ..Default::default()
        })
        .await
        .expect("the invocation runs");
    let text = invoked.result.expect("the text is handed on unparsed");
    assert!(
        serde_json::from_str::<serde_json::Value>(&text).is_err(),
        "the app's text is not JSON: {text}"
    );
    h.assert_jira_untouched();
}

#[tokio::test]
async fn abi_reentrancy_from_cabi_realloc() {
    let message = trapped("x_reentrancy_from_realloc").await;
    // The component model forbids leaving the instance while the host is
    // lowering into it; wasmtime enforces it with a trap.
    assert_mentions(&message, "cannot leave component instance");
}
