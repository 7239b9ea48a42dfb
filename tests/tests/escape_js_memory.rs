//! Escape suite, memory, as a JavaScript (Forge) app: a heap that grows
//! without bound, a string doubled without bound, and unbounded recursion.
//! The memory limit refuses the engine's allocations below the host's
//! limit, the engine turns that into its own error, and the host reports
//! it as the app's failure; the next invocation gets a fresh instance and
//! serves.

use crate::escape_js_app as js;
use crate::support::Harness;

use kiln_runtime::InvocationFailure;
use kiln_runtime::invoke::AppErrorKind;
use serde_json::json;

/// Small enough for the bombs to reach it quickly, large enough for the
/// engine and its snapshot.
const RUNTIME: &str = "timeoutSeconds: 10\nmemoryMiB: 128";

fn assert_app_failed(failure: &InvocationFailure, words: &str) {
    match failure {
        InvocationFailure::App { message, error } => {
            assert_eq!(*error, AppErrorKind::Failed);
            assert!(message.contains(words), "{message}");
        }
        other => panic!("expected the engine's {words:?}, got {other:?}"),
    }
}

#[tokio::test]
async fn js_memory_heap_growth() {
    let h = Harness::start().await;
    let Some(app) = js::load(&h, RUNTIME).await else {
        return;
    };
    let invoked = h.invoke(&app, "grow", json!({})).await;
    assert_app_failed(js::failure(&invoked.result), "out of memory");
    h.assert_jira_untouched();
    js::assert_serves(&h, &app).await;
}

#[tokio::test]
async fn js_memory_string_doubling() {
    let h = Harness::start().await;
    let Some(app) = js::load(&h, RUNTIME).await else {
        return;
    };
    let invoked = h.invoke(&app, "grow_string", json!({})).await;
    assert_app_failed(js::failure(&invoked.result), "out of memory");
    h.assert_jira_untouched();
    js::assert_serves(&h, &app).await;
}

#[tokio::test]
async fn js_memory_unbounded_recursion() {
    let h = Harness::start().await;
    let Some(app) = js::load(&h, RUNTIME).await else {
        return;
    };
    let invoked = h.invoke(&app, "recurse", json!({})).await;
    assert_app_failed(js::failure(&invoked.result), "too much recursion");
    h.assert_jira_untouched();
    js::assert_serves(&h, &app).await;
}
