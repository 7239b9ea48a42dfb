//! Unhandled rejections in a Forge app (`tests/js/unhandled-rejections`): a
//! request or storage call the app starts without a handler and that fails
//! is reported in the app's log at error level, as Node prints an unhandled
//! rejection to a Forge function's log, once, bounded in count; the same
//! calls awaited, caught or combined are silent, and the invocation's answer
//! is the handler's either way (forge/kiln-forge-api/src/unhandled_rejections.js).

use serde_json::json;

use crate::escape_js_app as js;
use crate::support::{forge_example, ok_json};

use kiln_runtime::{InvocationFailure, Invoked};

/// Node's lead-in, as the layer writes it.
const LEAD: &str = "Unhandled promise rejection: ";

/// The layer's `MAX_REPORTED_REJECTIONS`.
const MAX_REPORTED: usize = 10;

fn error_lines(invoked: &Invoked) -> Vec<&str> {
    invoked
        .logs
        .iter()
        .filter(|line| line.level.as_str() == "ERROR")
        .map(|line| line.message.as_str())
        .collect()
}

#[tokio::test]
async fn requests_left_without_a_handler_are_reported_once_each() {
    let Some((h, app)) = forge_example::load_test_app("unhandled-rejections").await else {
        return;
    };
    let invoked = h.invoke(&app, "dangling", json!({})).await;
    assert_eq!(
        ok_json(&invoked),
        json!({ "started": 6 }),
        "the answer is the handler's"
    );
    let lines = error_lines(&invoked);
    assert_eq!(lines.len(), 5, "{:?}", invoked.logs);
    assert!(lines.iter().all(|line| line.starts_with(LEAD)), "{lines:?}");
    assert!(
        lines
            .iter()
            .any(|line| line.contains("kiln-no-such-resource")),
        "the host's refusal names the request: {lines:?}"
    );
    assert!(
        lines.iter().any(|line| line.contains("hooks.example.test")),
        "the refused fetch names its URL: {lines:?}"
    );
    assert!(
        lines.iter().any(|line| line.contains("TRACE")),
        "the refused method is named: {lines:?}"
    );
    assert_eq!(
        lines
            .iter()
            .filter(|line| line.contains("StorageError: storage invalid-key"))
            .count(),
        2,
        "storage's and kvs's refusals are reported: {lines:?}"
    );
}

#[tokio::test]
async fn requests_awaited_caught_or_combined_are_not_reported() {
    let Some((h, app)) = forge_example::load_test_app_with_app_client("unhandled-rejections").await
    else {
        return;
    };
    let invoked = h.invoke(&app, "handled", json!({})).await;
    let outcomes = ok_json(&invoked);
    let outcomes: Vec<&str> = outcomes
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|o| o.as_str())
        .collect();
    assert_eq!(outcomes.len(), 8, "{outcomes:?}");
    for handled in [
        "awaited: ",
        "caught: ",
        "then: TypeError",
        "storage: ",
        "kvs: ",
    ] {
        assert!(
            outcomes.iter().any(|o| o.starts_with(handled)),
            "{handled}: {outcomes:?}"
        );
    }
    assert!(
        outcomes.contains(&"settled: rejected,rejected"),
        "{outcomes:?}"
    );
    assert!(outcomes.contains(&"finally"), "{outcomes:?}");
    assert!(outcomes.contains(&"succeeded: 200"), "{outcomes:?}");
    assert_eq!(
        error_lines(&invoked),
        Vec::<&str>::new(),
        "{:?}",
        invoked.logs
    );
}

#[tokio::test]
async fn more_rejections_than_reported_are_counted() {
    let Some((h, app)) = forge_example::load_test_app("unhandled-rejections").await else {
        return;
    };
    let invoked = h.invoke(&app, "many", json!({ "count": 25 })).await;
    assert_eq!(ok_json(&invoked), json!({ "started": 25 }));
    let lines = error_lines(&invoked);
    assert_eq!(lines.len(), MAX_REPORTED + 1, "{lines:?}");
    assert!(
        lines[..MAX_REPORTED].iter().all(|l| l.starts_with(LEAD)),
        "{lines:?}"
    );
    assert!(
        lines[MAX_REPORTED].starts_with("15 more unhandled promise rejections were not reported"),
        "{lines:?}"
    );
}

#[tokio::test]
async fn a_failing_handler_fails_as_before_and_its_dangling_request_is_reported() {
    let Some((h, app)) = forge_example::load_test_app("unhandled-rejections").await else {
        return;
    };
    let invoked = h.invoke(&app, "fails-too", json!({})).await;
    let InvocationFailure::App { message, .. } = js::failure(&invoked.result) else {
        panic!("expected the app's error, got {:?}", invoked.result);
    };
    assert_eq!(message, "the handler failed");
    let lines = error_lines(&invoked);
    assert_eq!(lines.len(), 1, "{:?}", invoked.logs);
    assert!(
        lines[0].starts_with(LEAD) && lines[0].contains("hooks.example.test"),
        "{lines:?}"
    );
}
