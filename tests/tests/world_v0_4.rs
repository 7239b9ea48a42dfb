//! The `kiln:app@0.4.0` world from the host's side: async events (push,
//! stats, cancel, the consumer's invocation, requested retries, the chain
//! bound) through `runtime run`'s in-process queue, with a component built
//! from `wit/0.4.0` by raw wit-bindgen (`tests/programs/events`) that sends
//! whatever its payload says, so these tests see what the host decides.
//! `runtime serve`'s persistent queue is tested in the serve crate.

use std::sync::Arc;

use crate::support;

use kiln_runtime::bindings::WorldVersion;
use kiln_runtime::events::local::{Delivery, MAX_ATTEMPTS};
use kiln_runtime::invoke::InvocationFailure;
use kiln_runtime::{Invocation, RuntimeOptions};
use kiln_tests::programs;
use serde_json::{Value, json};
use support::queued::{QueuedApp, ran};
use support::{ADMIN, Harness, ok_json};

const HANDLERS: &[&str] = &[
    "push",
    "stats",
    "cancel",
    "consume",
    "set_expiring",
    "get",
    "transact",
];

/// The test manifest with consumers: `work` (function-style) and `resolved`
/// (resolver-style, method `event-listener`), both running `consume`.
pub(crate) fn events_manifest(id: &str) -> String {
    support::manifest(id, HANDLERS, &["storage:app"], "").replace(
        "permissions:",
        "  consumer:\n    - key: work-consumer\n      queue: work\n      function: consume\n    \
         - key: resolved-consumer\n      queue: resolved\n      resolver:\n        function: consume\n        \
         method: event-listener\npermissions:",
    )
}

/// The events app on a runtime that queues pushes in process.
pub(crate) async fn queued(id: &str) -> QueuedApp {
    let q = QueuedApp::start(programs::EVENTS, &events_manifest(id), "push").await;
    assert_eq!(q.app.world(), WorldVersion::V0_4);
    q
}

/// The consumer's answer: what it got and its trigger kind.
pub(crate) fn consumed(delivery: &Delivery) -> Value {
    match ran(delivery) {
        Ok(json) => serde_json::from_str(json).expect("the consumer answers JSON"),
        Err(failure) => panic!("the consumer failed: {failure}"),
    }
}

#[tokio::test]
async fn a_pushed_event_reaches_its_consumer_as_forges_async_event() {
    let q = queued("events-basic").await;
    let pushed = q
        .push(
            "work",
            json!([{"body": {"issue": "KILN-1"}}, {"body": {"issue": "KILN-2"}, "delay": 30}]),
        )
        .await;
    let job = pushed["job"].as_str().expect("a job id").to_owned();
    assert_eq!(
        q.queue.len(),
        2,
        "both events wait until the function returned"
    );
    let stats = q.call("stats", json!({"queue": "work", "job": job})).await;
    assert_eq!(stats, json!({"success": 0, "inProgress": 2, "failed": 0}));

    let deliveries = q.deliver().await;
    assert_eq!(deliveries.len(), 2);
    for (index, delivery) in deliveries.iter().enumerate() {
        assert_eq!(delivery.consumer, "work-consumer");
        assert_eq!(delivery.attempt, 1);
        let answer = consumed(delivery);
        assert_eq!(answer["trigger"], "queue-event");
        assert_eq!(
            answer["got"],
            json!({
                "body": {"issue": format!("KILN-{}", index + 1)},
                "queueName": "work",
                "jobId": job,
                "eventId": format!("{job}-{index}"),
            }),
            "Forge's AsyncEvent, and nothing of the host's envelope"
        );
    }
    assert_eq!(deliveries[1].skipped_wait.as_secs(), 30);
    let stats = q.call("stats", json!({"queue": "work", "job": job})).await;
    assert_eq!(stats, json!({"success": 2, "inProgress": 0, "failed": 0}));
}

#[tokio::test]
async fn a_resolver_consumer_gets_the_event_inside_forges_resolver_call() {
    let q = queued("events-resolver").await;
    q.push("resolved", json!([{"body": {"n": 1}}])).await;
    let deliveries = q.deliver().await;
    let got = &consumed(&deliveries[0])["got"];
    assert_eq!(got["call"]["functionKey"], "event-listener");
    assert_eq!(got["call"]["payload"]["body"], json!({"n": 1}));
    assert_eq!(got["call"]["payload"]["queueName"], "resolved");
}

#[tokio::test]
async fn pushes_breaking_a_rule_are_refused_whole_and_queue_nothing() {
    let q = queued("events-refused").await;
    let kind = |answer: &Value| answer["err"]["kind"].as_str().unwrap_or("none").to_owned();
    let body = json!({"body": {}});
    let cases = [
        ("elsewhere", json!([body]), "unknown-queue"),
        ("not a name", json!([body]), "invalid-queue-name"),
        ("", json!([body]), "invalid-queue-name"),
        ("work", json!([]), "too-many-events"),
        (
            "work",
            Value::Array(vec![body.clone(); 51]),
            "too-many-events",
        ),
        ("work", json!([{"body": [1, 2]}]), "invalid-event"),
        ("work", json!([{"body": "text"}]), "invalid-event"),
        ("work", json!([{"body_text": "{not json"}]), "invalid-event"),
        (
            "work",
            json!([body, {"body": {}, "delay": 901}]),
            "invalid-event",
        ),
        (
            "work",
            json!([{"body": {"big": "x".repeat(200 * 1024)}}]),
            "payload-too-large",
        ),
    ];
    for (queue, events, expected) in cases {
        let answer = q.push(queue, events).await;
        assert_eq!(kind(&answer), expected, "{queue:?}: {answer}");
    }
    assert!(q.queue.is_empty(), "a refused push stores nothing");
    // The limits are Forge's: 50 events and a 900 s delay are accepted.
    let answer = q
        .push(
            "work",
            Value::Array(vec![json!({"body": {}, "delay": 900}); 50]),
        )
        .await;
    assert!(answer["job"].is_string(), "{answer}");
}

#[tokio::test]
async fn a_requested_retry_comes_back_with_its_context_until_it_succeeds() {
    let q = queued("events-retry").await;
    let body = json!({
        "retry_until": 2,
        "after": 0,
        "reason": "FUNCTION_RETRY_REQUEST",
        "data": {"page": 3},
    });
    let job = q.push("work", json!([{ "body": body }])).await["job"]
        .as_str()
        .expect("job")
        .to_owned();
    let deliveries = q.deliver().await;
    assert_eq!(deliveries.len(), 3);
    match ran(&deliveries[0]) {
        Err(InvocationFailure::RetryRequested {
            after_seconds,
            reason,
            data,
        }) => {
            assert_eq!(
                *after_seconds, 1,
                "a delay of 0 is raised to 1 s, as Forge does"
            );
            assert_eq!(reason, "FUNCTION_RETRY_REQUEST");
            assert_eq!(data.as_deref(), Some(r#"{"page":3}"#));
        }
        other => panic!("expected a retry request, got {other:?}"),
    }
    assert!(matches!(
        ran(&deliveries[1]),
        Err(InvocationFailure::RetryRequested { .. })
    ));
    let third = consumed(&deliveries[2]);
    assert_eq!(deliveries[2].attempt, 3);
    assert_eq!(
        third["got"]["retryContext"],
        json!({"retryCount": 2, "retryReason": "FUNCTION_RETRY_REQUEST", "retryData": {"page": 3}})
    );
    let stats = q.call("stats", json!({"queue": "work", "job": job})).await;
    assert_eq!(stats, json!({"success": 1, "inProgress": 0, "failed": 0}));
}

#[tokio::test]
async fn retry_requests_are_bounded_by_the_host() {
    let q = queued("events-retry-bounds").await;
    // Asks forever, for a day, with data that is not JSON: the host keeps
    // the delay to 900 s, drops the data, and gives up after its attempts.
    q.push(
        "work",
        json!([{"body": {"retry_until": 1000, "after": 86_400, "reason": "r", "data": "{not json", "data_is_text": true}}]),
    )
    .await;
    let deliveries = q.deliver().await;
    assert_eq!(deliveries.len(), MAX_ATTEMPTS as usize);
    for delivery in &deliveries {
        match ran(delivery) {
            Err(InvocationFailure::RetryRequested {
                after_seconds,
                data,
                ..
            }) => {
                assert_eq!(*after_seconds, 900);
                assert_eq!(data, &None);
            }
            other => panic!("expected a retry request, got {other:?}"),
        }
    }
    assert!(q.queue.is_empty());
}

#[tokio::test]
async fn a_consumer_failing_on_its_own_terms_is_not_retried_and_counts_as_failed() {
    let q = queued("events-fail").await;
    let job = q.push("work", json!([{"body": {"fail": true}}])).await["job"]
        .as_str()
        .expect("job")
        .to_owned();
    let deliveries = q.deliver().await;
    assert_eq!(
        deliveries.len(),
        1,
        "Forge retries what the platform stopped, not app errors"
    );
    assert!(matches!(
        ran(&deliveries[0]),
        Err(InvocationFailure::App { .. })
    ));
    let stats = q.call("stats", json!({"queue": "work", "job": job})).await;
    assert_eq!(stats, json!({"success": 0, "inProgress": 0, "failed": 1}));
}

#[tokio::test]
async fn a_consumer_pushing_to_its_own_queue_stops_at_the_chain_bound() {
    let q = queued("events-chain").await;
    q.push("work", json!([{"body": {"chain": "work"}}])).await;
    let deliveries = q.deliver().await;
    let limit = kiln_runtime::events::EventLimits::default().max_chain_depth as usize;
    assert_eq!(
        deliveries.len(),
        limit,
        "one delivery per level of the chain"
    );
    let last = consumed(deliveries.last().expect("deliveries"));
    assert_eq!(last["chain"]["err"]["kind"], "invocation-limit-reached");
    assert!(q.queue.is_empty());
}

#[tokio::test]
async fn jobs_are_the_pushing_installations_and_cancel_removes_waiting_events() {
    let q = queued("events-jobs").await;
    let job = q.push("work", json!([{"body": {}}, {"body": {}}])).await["job"]
        .as_str()
        .expect("job")
        .to_owned();
    // Another environment is another installation: the job is not its.
    let staging = q
        .app
        .invoke(Invocation {
            function_key: Some("cancel".into()),
            payload: json!({"queue": "work", "job": job}).to_string(),
            environment: "staging".into(),
            ..Invocation::default()
        })
        .await
        .expect("invoked");
    assert_eq!(ok_json(&staging)["err"]["kind"], "unknown-job");
    assert_eq!(q.queue.len(), 2);

    for bad in ["not-a-job", "", &job.to_uppercase()] {
        let answer = q.call("stats", json!({"queue": "work", "job": bad})).await;
        assert_eq!(answer["err"]["kind"], "unknown-job", "{bad:?}");
    }
    assert_eq!(
        q.call("cancel", json!({"queue": "work", "job": job})).await,
        json!({})
    );
    assert!(q.queue.is_empty());
    let stats = q.call("stats", json!({"queue": "work", "job": job})).await;
    assert_eq!(stats, json!({"success": 0, "inProgress": 0, "failed": 0}));
}

#[tokio::test]
async fn a_host_without_queues_answers_unavailable() {
    let harness = Harness::start().await;
    let app = harness
        .load(programs::EVENTS, &events_manifest("events-none"))
        .await;
    let answer = ok_json(
        &harness
            .invoke(
                &app,
                "push",
                json!({"queue": "work", "events": [{"body": {}}]}),
            )
            .await,
    );
    assert_eq!(answer["err"]["kind"], "unavailable", "{answer}");
}

#[tokio::test]
async fn an_expiring_value_is_absent_from_its_expiry_and_carries_its_metadata() {
    use std::sync::atomic::{AtomicI64, Ordering};
    let now = Arc::new(AtomicI64::new(1_700_000_000_000));
    let clock_now = now.clone();
    let clock: kiln_state::storage::Clock =
        Arc::new(move || kiln_state::storage::UnixMillis(clock_now.load(Ordering::SeqCst)));
    let storage = kiln_runtime::StorageHost::new(
        kiln_state::AppStorage::in_memory(kiln_state::StorageLimits::default(), support::cipher())
            .with_clock(clock),
    );
    let harness = Harness::start_options(ADMIN, None, move |options| RuntimeOptions {
        storage: Some(storage),
        ..options
    })
    .await;
    let app = harness
        .load(programs::EVENTS, &events_manifest("events-ttl"))
        .await;
    let call = |handler: &'static str, payload: Value| {
        let harness = &harness;
        let app = &app;
        async move { ok_json(&harness.invoke(app, handler, payload).await) }
    };
    let t0 = now.load(Ordering::SeqCst);

    let set = call(
        "set_expiring",
        json!({"key": "a", "value": {"n": 1}, "ttl": 60}),
    )
    .await;
    let version = set["version"].as_u64().expect("a version");
    assert_eq!(
        call("get", json!({"key": "a"})).await,
        json!({"value": {"n": 1}, "version": version, "created_at": t0, "updated_at": t0, "expires_at": t0 + 60_000})
    );
    now.store(t0 + 59_999, Ordering::SeqCst);
    assert_eq!(
        call("get", json!({"key": "a"})).await["value"],
        json!({"n": 1})
    );
    now.store(t0 + 60_000, Ordering::SeqCst);
    assert_eq!(
        call("get", json!({"key": "a"})).await,
        Value::Null,
        "absent from the expiry instant"
    );

    // Set again, without a ttl, in a transaction beside an expiring one: the
    // key starts again (created now) and never expires.
    let t1 = t0 + 61_000;
    now.store(t1, Ordering::SeqCst);
    let committed = call(
        "transact",
        json!([{"key": "a", "value": 2}, {"key": "b", "value": 3, "ttl": 10}]),
    )
    .await;
    assert!(committed["committed"].is_u64(), "{committed}");
    let a = call("get", json!({"key": "a"})).await;
    assert_eq!(
        (a["created_at"].as_i64(), a["expires_at"].clone()),
        (Some(t1), Value::Null)
    );
    let b = call("get", json!({"key": "b"})).await;
    assert_eq!(b["expires_at"].as_i64(), Some(t1 + 10_000));
    // An overwrite keeps `created_at` and moves `updated_at`.
    now.store(t1 + 5, Ordering::SeqCst);
    call("set_expiring", json!({"key": "a", "value": 4, "ttl": 5})).await;
    let a = call("get", json!({"key": "a"})).await;
    assert_eq!(
        (
            a["created_at"].as_i64(),
            a["updated_at"].as_i64(),
            a["expires_at"].as_i64()
        ),
        (Some(t1), Some(t1 + 5), Some(t1 + 5 + 5_000))
    );

    // The host bounds the time to live: 0 and more than a year are refused.
    for ttl in [0u64, 366 * 24 * 3600, u64::MAX] {
        let refused = call("set_expiring", json!({"key": "c", "value": 1, "ttl": ttl})).await;
        assert_eq!(refused["err"]["kind"], "invalid-value", "{ttl}: {refused}");
        let refused = call("transact", json!([{"key": "c", "value": 1, "ttl": ttl}])).await;
        assert_eq!(refused["err"]["kind"], "invalid-value", "{ttl}: {refused}");
    }
    assert_eq!(call("get", json!({"key": "c"})).await, Value::Null);
}

#[tokio::test]
async fn a_retry_request_outside_a_queue_event_is_the_apps_failure_not_a_violation() {
    let q = queued("events-retry-direct").await;
    // The consumer's handler run directly, as a function: nothing is queued
    // and nothing will run it again.
    let invoked = q
        .harness
        .invoke(
            &q.app,
            "consume",
            json!({"body": {"retry_until": 1, "after": 5, "reason": "FUNCTION_RETRY_REQUEST"}}),
        )
        .await;
    assert!(
        matches!(
            invoked.result,
            Err(InvocationFailure::RetryRequested {
                after_seconds: 5,
                ..
            })
        ),
        "{:?}",
        invoked.result
    );
    assert!(!invoked.is_sandbox_violation());
    assert!(q.queue.is_empty());
}
