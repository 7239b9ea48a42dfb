//! Node.js's `async_hooks` in a Forge app (`tests/js/async-hooks`): an
//! `AsyncLocalStorage` store set around work that awaits the host (a
//! `requestJira` to the simulator), timers and an async generator is read
//! back after each, as in Node; concurrent runs under `Promise.all` each
//! keep their own; callbacks scheduled every way (`then`/`catch`/`finally`,
//! `queueMicrotask`, the timers, `process.nextTick`) run in the context they
//! were scheduled in, and EventEmitter listeners in their emitter's; a
//! refreshed timer keeps the context it was made in until it has fired. The
//! build lowers the app's async functions for it (build.mjs, "async
//! context"); the layer's module is forge/kiln-forge-api/src/node/async_hooks.js,
//! checked against Node's own by forge/kiln-forge-api/test/async_hooks.test.js.

use serde_json::{Value, json};

use crate::support::{forge_example, ok_json};

/// Runs the app's `function` on the simulator; `None` without Node.js and npm.
async fn report(function: &str) -> Option<Value> {
    let (h, app) = forge_example::load_test_app("async-hooks").await?;
    Some(ok_json(&h.invoke(&app, function, json!({})).await))
}

#[tokio::test]
async fn the_store_survives_awaits_of_the_host_and_of_timers() {
    let Some(report) = report("across-host-calls").await else {
        return;
    };
    assert_eq!(
        report,
        json!({
            "before": null,
            "steps": [
                ["start", "request-1"],
                ["after requestJira", 200, "request-1"],
                ["after setTimeout", "request-1"],
                ["after timers/promises", "request-1"],
                ["after a 404", 404, "request-1"],
                ["page", 1, "request-1"],
                ["page", 2, "request-1"],
                ["after a rejection", "refused", "request-1"],
            ],
            // The run returned: the outer store (none) is back.
            "after": null,
        })
    );
}

#[tokio::test]
async fn concurrent_runs_each_see_their_own_store() {
    let Some(report) = report("concurrent").await else {
        return;
    };
    assert_eq!(
        report,
        json!({
            "runs": [
                ["a", "a", "a", "a", "a", "a"],
                ["b", "b", "b", "b", "b", "b"],
                ["c", "c", "c", "c", "c", "c"],
            ],
            "after": null,
        })
    );
}

#[tokio::test]
async fn callbacks_run_in_the_context_they_were_scheduled_in() {
    let Some(report) = report("scheduling").await else {
        return;
    };
    assert_eq!(
        report,
        json!({
            // Synchronous, in the context of `emit`, as in Node.
            "listener": "emitter",
            // Resolved from the "resolver" context: each keeps its own.
            "then": ["value", "then"],
            "catch": "catch",
            "finally": "finally",
            "queueMicrotask": "microtask",
            "setTimeout": "timeout",
            "setImmediate": "immediate",
            "process.nextTick": "tick",
            "nextTick import": "imported tick",
            "setInterval": [[2], "interval"],
            // enterWith holds after an await in the same function; exit leaves it.
            "enterWith": ["entered", null],
            // ...and not in the handler, whose callback it was not.
            "afterEnterWith": null,
        })
    );
}

#[tokio::test]
async fn resources_bind_and_snapshot_keep_their_context_and_create_hook_is_refused() {
    let Some(report) = report("resources").await else {
        return;
    };
    assert_eq!(
        report,
        json!({
            "inScope": ["made", true],
            "ids": ["number", true, true],
            "bound": "bound",
            "snapshot": "snapshot",
            "destroyed": true,
            "hook": { "code": "ERR_KILN_NODE_MODULE_UNAVAILABLE", "names": true },
        })
    );
}

#[tokio::test]
async fn a_timer_keeps_its_context_when_refreshed_until_it_has_fired() {
    let Some(report) = report("timers").await else {
        return;
    };
    assert_eq!(
        report,
        json!({
            // Refreshed from "refresher" while pending: fires once, in the
            // context it was made in; refreshed after it fired: in the
            // refresher's, as Node makes its async resource anew then.
            "timeout": ["made", "after firing"],
            // An interval refreshed from another context keeps its own.
            "interval": ["interval", "interval", "interval"],
            // Refreshed from its own callback, it was never spent.
            "refreshedFromItsCallback": ["self", "self"],
        })
    );
}
