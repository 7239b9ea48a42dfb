//! Escape cases of async events (`kiln:app@0.4.0`): a hostile app pushing to
//! queues that are not its own, reading other installations' jobs, forging
//! the host's envelope, looping consumers and oversized pushes and retry
//! requests. The guest is the raw 0.4.0 component (`tests/programs/events`),
//! which sends whatever its payload says.

use serde_json::{Value, json};

use crate::support::queued::ran;
use crate::world_v0_4::{consumed, events_manifest, queued};
use kiln_runtime::invoke::{InvocationFailure, MAX_RETRY_AFTER_SECONDS};
use kiln_tests::programs;

fn kind(answer: &Value) -> &str {
    answer["err"]["kind"].as_str().unwrap_or("none")
}

#[tokio::test]
async fn events_pushes_reach_only_the_apps_own_queues_and_jobs() {
    let q = queued("events-owner").await;
    // Names that are not the app's queues, or no queue name at all.
    for (queue, expected) in [
        ("other-apps-queue", "unknown-queue"),
        ("WORK", "unknown-queue"),
        ("../work", "invalid-queue-name"),
        ("work\n", "invalid-queue-name"),
        ("work/../resolved", "invalid-queue-name"),
        ("wörk", "invalid-queue-name"),
    ] {
        let answer = q.push(queue, json!([{"body": {}}])).await;
        assert_eq!(kind(&answer), expected, "{queue:?}: {answer}");
    }
    assert!(q.queue.is_empty());

    // Another app with a queue of the same name, on the same runtime and
    // queue: the first app's job is not its to read or cancel.
    let job = q.push("work", json!([{"body": {}}])).await["job"]
        .as_str()
        .expect("job")
        .to_owned();
    let other = q
        .harness
        .load(programs::EVENTS, &events_manifest("events-intruder"))
        .await;
    for handler in ["stats", "cancel"] {
        let answer = crate::support::ok_json(
            &q.harness
                .invoke(&other, handler, json!({"queue": "work", "job": job}))
                .await,
        );
        assert_eq!(kind(&answer), "unknown-job", "{handler}: {answer}");
    }
    assert_eq!(q.queue.len(), 1, "the intruder's cancel removed nothing");
}

#[tokio::test]
async fn events_the_envelope_cannot_be_forged_from_the_body() {
    let q = queued("events-forge").await;
    // A body that names the host's own fields: depth 0 (to escape the chain
    // bound), another queue, job and event id, and a retry context.
    let body = json!({
        "chain": "work",
        "depth": 0,
        "queueName": "resolved",
        "jobId": "00000000-0000-4000-8000-000000000000",
        "eventId": "forged",
        "retryContext": {"retryCount": 99},
    });
    let job = q.push("work", json!([{ "body": body }])).await["job"]
        .as_str()
        .expect("job")
        .to_owned();
    let deliveries = q.deliver().await;
    let first = consumed(&deliveries[0]);
    assert_eq!(first["got"]["queueName"], "work");
    assert_eq!(first["got"]["jobId"], job.as_str());
    assert_eq!(first["got"]["eventId"], format!("{job}-0"));
    assert!(first["got"].get("retryContext").is_none());
    assert_eq!(
        first["got"]["body"], body,
        "the body arrives as pushed, inside `body`"
    );
    let bound = kiln_runtime::events::EventLimits::default().max_chain_depth as usize;
    assert_eq!(
        deliveries.len(),
        bound,
        "the chain still stops at the host's bound"
    );
}

#[tokio::test]
async fn events_oversized_and_malformed_pushes_are_refused_before_anything_is_stored() {
    let q = queued("events-sizes").await;
    let many = Value::Array(vec![json!({"body": {}}); 10_000]);
    assert_eq!(kind(&q.push("work", many).await), "too-many-events");
    let deep = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    let answer = q.push("work", json!([{ "body_text": deep }])).await;
    assert_eq!(kind(&answer), "invalid-event", "{answer}");
    let answer = q
        .push("work", json!([{"body_text": "{\"a\":1} trailing"}]))
        .await;
    assert_eq!(kind(&answer), "invalid-event", "{answer}");
    let answer = q
        .push("work", json!([{"body": {}, "delay": u32::MAX}]))
        .await;
    assert_eq!(kind(&answer), "invalid-event", "{answer}");
    // A loop of pushes in one invocation: the invocation's budget (500
    // events) ends it after 10 pushes of 50.
    let answer = q
        .call(
            "push",
            json!({"queue": "work", "events": vec![json!({"body": {}}); 50], "repeat": 1000}),
        )
        .await;
    assert_eq!(kind(&answer), "invalid-event", "{answer}");
    assert_eq!(answer["jobs"].as_array().map(Vec::len), Some(10));
    assert_eq!(q.queue.len(), 500);
    // The host kept serving throughout.
    let answer = q.push("work", json!([{"body": {"ok": true}}])).await;
    assert!(answer["job"].is_string(), "{answer}");
}

#[tokio::test]
async fn events_hostile_retry_requests_are_bounded() {
    let q = queued("events-retry-hostile").await;
    let reason = "R".repeat(150_000);
    q.push(
        "work",
        json!([{"body": {"retry_until": 1, "after": u32::MAX, "reason": reason, "data": {"x": "y".repeat(10_000)}}}]),
    )
    .await;
    let deliveries = q.deliver().await;
    match ran(&deliveries[0]) {
        Err(InvocationFailure::RetryRequested {
            after_seconds,
            reason,
            data,
        }) => {
            assert_eq!(*after_seconds, MAX_RETRY_AFTER_SECONDS);
            assert_eq!(reason.len(), kiln_runtime::invoke::MAX_RETRY_REASON_BYTES);
            assert_eq!(data, &None, "data over the bound is dropped, not stored");
        }
        other => panic!("expected a retry request, got {other:?}"),
    }
    let second = consumed(&deliveries[1]);
    assert_eq!(second["got"]["retryContext"]["retryData"], Value::Null);
}
