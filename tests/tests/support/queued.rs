//! An app on a runtime whose pushed events wait in `runtime run`'s
//! in-process queue ([`LocalQueue`]), for the tests of async events (raw
//! 0.4.0 guests and Forge JS apps alike): push through the app's own
//! handler, then deliver what waits and look at each delivery.

use std::sync::Arc;

use kiln_runtime::events::local::{Delivery, DeliveryOutcome, LocalQueue};
use kiln_runtime::invoke::InvocationFailure;
use kiln_runtime::{LoadedApp, RuntimeOptions};
use serde_json::{Value, json};

use super::{ADMIN, Harness, ok_json};

pub struct QueuedApp {
    pub harness: Harness,
    pub queue: Arc<LocalQueue>,
    pub app: LoadedApp,
    /// The app's handler that pushes `{"queue", "events"}`.
    push_handler: &'static str,
}

impl QueuedApp {
    /// A fresh harness (its own empty storage) whose runtime queues pushes
    /// in process, with the component at `wasm_path` loaded under
    /// `manifest`; `push_handler` is its handler taking `{"queue", "events"}`.
    pub async fn start(wasm_path: &str, manifest: &str, push_handler: &'static str) -> Self {
        let queue = Arc::new(LocalQueue::new());
        let sink = queue.clone();
        let harness = Harness::start_options(ADMIN, None, move |options| RuntimeOptions {
            events: Some(sink),
            ..options
        })
        .await;
        let app = harness.load(wasm_path, manifest).await;
        Self {
            harness,
            queue,
            app,
            push_handler,
        }
    }

    /// Invokes `handler` and returns its JSON answer (the canary absent).
    pub async fn call(&self, handler: &str, payload: Value) -> Value {
        ok_json(&self.harness.invoke(&self.app, handler, payload).await)
    }

    /// Pushes `events` to `queue` through the app's push handler.
    pub async fn push(&self, queue: &str, events: Value) -> Value {
        self.call(
            self.push_handler,
            json!({ "queue": queue, "events": events }),
        )
        .await
    }

    /// Delivers everything waiting; each delivery, the canary absent from
    /// every consumer's answer and log.
    pub async fn deliver(&self) -> Vec<Delivery> {
        let mut seen = Vec::new();
        self.queue
            .deliver(&self.app, "development", |delivery| seen.push(delivery))
            .await;
        for delivery in &seen {
            if let DeliveryOutcome::Ran(invoked) = &delivery.outcome {
                self.harness.assert_no_canary(invoked);
            }
        }
        seen
    }
}

/// What a delivered consumer returned; panics when it did not run.
pub fn ran(delivery: &Delivery) -> &Result<String, InvocationFailure> {
    match &delivery.outcome {
        DeliveryOutcome::Ran(invoked) => &invoked.result,
        DeliveryOutcome::NotRun(why) => panic!("the consumer did not run: {why}"),
    }
}

/// The test apps' retry: the layer turned Forge's `InvocationError` (5 s, upstream rate
/// limited, `retryData` `{"page":2}`) into `app-error.retry`.
pub fn assert_retry_requested(delivery: &Delivery) {
    match ran(delivery) {
        Err(InvocationFailure::RetryRequested {
            after_seconds,
            reason,
            data,
        }) => {
            assert_eq!(*after_seconds, 5);
            assert_eq!(reason, "FUNCTION_UPSTREAM_RATE_LIMITED");
            assert_eq!(data.as_deref(), Some(r#"{"page":2}"#));
        }
        other => panic!("expected a retry request, got {other:?}"),
    }
}
