//! Escape suite, memory, as a JavaScript (Forge) app: a heap that grows
//! without bound (typed arrays, and plain objects in the engine's garbage-
//! collected heap), a string doubled without bound, and unbounded recursion.
//! The memory limit refuses the engine's allocations below the host's
//! limit, the engine turns that into its own error, and the host reports
//! it as the app's failure; the next invocation gets a fresh instance and
//! serves.

use crate::escape_js_app as js;
use crate::support::{Harness, ok_json};

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

/// What the engine itself holds at most, beside what the app keeps.
const ENGINE_MIB: u64 = 24;

/// How many MiB `grow` kept before an allocation failed, under `memoryMiB`.
async fn grown_under(memory_mib: u64) -> u64 {
    let h = Harness::start().await;
    let Some(app) = js::load(&h, &format!("timeoutSeconds: 20\nmemoryMiB: {memory_mib}")).await
    else {
        return 0;
    };
    let invoked = h.invoke(&app, "grow", json!({})).await;
    let failure = js::failure(&invoked.result);
    assert_app_failed(failure, "out of memory after ");
    let InvocationFailure::App { message, .. } = failure else {
        unreachable!("checked above");
    };
    let mib: u64 = message
        .trim_start_matches("out of memory after ")
        .trim_end_matches(" MiB")
        .parse()
        .unwrap_or_else(|_| panic!("a count in {message:?}"));
    h.assert_jira_untouched();
    js::assert_serves(&h, &app).await;
    mib
}

#[tokio::test]
async fn js_memory_heap_growth() {
    // The manifest's limit is what stops the heap: what the app could keep
    // fits under each limit and grows with it.
    let small = grown_under(64).await;
    let large = grown_under(160).await;
    eprintln!("kept {small} MiB under 64 MiB, {large} MiB under 160 MiB");
    if large == 0 {
        return; // not built here
    }
    // Within ENGINE_MIB of each limit: the engine, its snapshot and the
    // arrays' headers take the rest (measured: 10 MiB).
    assert!(
        (64 - ENGINE_MIB..64).contains(&small),
        "{small} MiB under 64 MiB"
    );
    assert!(
        (160 - ENGINE_MIB..160).contains(&large),
        "{large} MiB under 160 MiB"
    );
}

/// Objects `grow_objects` keeps in [`js_memory_object_growth`]: about 50 MiB
/// of the engine's GC heap, beyond the 32 MiB the engine caps it at by
/// itself (an instance failed near 90 MiB in all before the build lifted
/// that cap: runtime/guest-build/src/gc_heap_cap.rs).
const MANY_OBJECTS: u64 = 400_000;

#[tokio::test]
async fn js_memory_object_growth() {
    let h = Harness::start().await;
    let Some(app) = js::load(&h, "timeoutSeconds: 20\nmemoryMiB: 192").await else {
        return;
    };
    // What the manifest allows, the app may keep in plain objects too.
    let kept = h
        .invoke(&app, "grow_objects", json!({ "count": MANY_OBJECTS }))
        .await;
    assert_eq!(ok_json(&kept), json!(MANY_OBJECTS));
    // And the manifest's limit is what stops it, reported as that limit.
    let grown = h.invoke(&app, "grow_objects", json!({})).await;
    match js::failure(&grown.result) {
        InvocationFailure::MemoryLimit { limit_mib } => assert_eq!(*limit_mib, 192),
        other => panic!("expected the memory limit, got {other:?}"),
    }
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
