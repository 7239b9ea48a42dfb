//! Forge's `@forge/events` and `@forge/kvs` ttl on Kiln, end to end: the
//! app `tests/js/events`, built as `runtime build` builds it (its consumers
//! handed to the Forge layer), runs on the simulator against the host's
//! `kiln:app@0.4.0` (`events`, `storage.set-expiring`, entry metadata), with
//! `runtime run`'s in-process queue delivering the events. Each handler
//! reports what it observed; the expectations are Forge's documented
//! behaviour (the AsyncEvent a consumer gets, `InvocationError` retries with
//! their `retryContext`, the push limits and error classes, `getStats`, ttl
//! and `metadataFields`) and the contract between the Forge layer and the
//! host (the queue-event payload, `app-error.retry`).

use std::path::Path;

use kiln_runtime::events::local::DeliveryOutcome;
use serde_json::{Value, json};

use crate::support::forge_example;
use crate::support::queued::{QueuedApp, assert_retry_requested, ran};

/// The app with the in-process queue, in a fresh harness (its own empty
/// storage); `None` without Node.js and npm.
pub(crate) async fn queued() -> Option<QueuedApp> {
    let path: &'static Path = tokio::task::spawn_blocking(|| forge_example::test_app("events"))
        .await
        .expect("the build thread")?;
    let manifest =
        std::fs::read_to_string(forge_example::test_app_dir("events").join("manifest.yml"))
            .expect("the app's manifest");
    Some(QueuedApp::start(path.to_str().expect("a UTF-8 path"), &manifest, "produce").await)
}

fn job_of(pushed: &Value) -> String {
    pushed["ok"]["jobId"]
        .as_str()
        .unwrap_or_else(|| panic!("a job id: {pushed}"))
        .to_owned()
}

#[tokio::test]
async fn a_pushed_event_reaches_the_function_consumer_as_forges_async_event() {
    let Some(q) = queued().await else {
        return;
    };
    let pushed = q
        .push(
            "work",
            json!([{ "body": { "issue": "KILN-1" } }, { "body": { "issue": "KILN-2" }, "delayInSeconds": 30 }]),
        )
        .await;
    let job = job_of(&pushed);
    assert_eq!(q.queue.len(), 2, "{pushed}");
    let stats = q
        .call("stats", json!({ "queue": "work", "jobId": job }))
        .await;
    assert_eq!(
        stats["ok"],
        json!({ "success": 0, "inProgress": 2, "failed": 0 }),
        "{stats}"
    );

    let deliveries = q.deliver().await;
    assert_eq!(deliveries.len(), 2);
    for delivery in &deliveries {
        assert_eq!(delivery.consumer, "work-consumer");
        let answer: Value =
            serde_json::from_str(ran(delivery).as_ref().expect("consumed")).unwrap();
        assert_eq!(answer["via"], "function", "{answer}");
    }
    let seen = q.call("seen", json!({})).await;
    let mut events: Vec<&Value> = seen
        .as_object()
        .expect("seen")
        .iter()
        .filter(|(key, _)| key.starts_with("seen:"))
        .map(|(_, value)| value)
        .collect();
    events.sort_by_key(|kept| {
        kept["event"]["body"]["issue"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    });
    assert_eq!(events.len(), 2, "{seen}");
    for (index, kept) in events.iter().enumerate() {
        let event = &kept["event"];
        assert_eq!(
            event["body"],
            json!({ "issue": format!("KILN-{}", index + 1) }),
            "{seen}"
        );
        assert_eq!(event["queueName"], "work");
        assert_eq!(event["jobId"], job.as_str());
        assert!(
            event["eventId"].as_str().is_some_and(|id| !id.is_empty()),
            "{seen}"
        );
        assert!(
            event.get("retryContext").is_none(),
            "a first delivery has no retryContext: {seen}"
        );
        assert_eq!(kept["trigger"], "queue-event");
    }
    let stats = q
        .call("stats", json!({ "queue": "work", "jobId": job }))
        .await;
    assert_eq!(
        stats["ok"],
        json!({ "success": 2, "inProgress": 0, "failed": 0 }),
        "{stats}"
    );
    q.harness.assert_jira_untouched();
}

#[tokio::test]
async fn a_resolver_consumer_has_its_method_called_with_the_event_as_payload() {
    let Some(q) = queued().await else {
        return;
    };
    let job = job_of(&q.push("legacy", json!({ "body": { "n": 1 } })).await);
    let deliveries = q.deliver().await;
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].consumer, "legacy-consumer");
    let answer: Value =
        serde_json::from_str(ran(&deliveries[0]).as_ref().expect("consumed")).unwrap();
    assert_eq!(answer["via"], "resolver", "{answer}");
    let seen = q.call("seen", json!({})).await;
    let kept = seen
        .as_object()
        .expect("seen")
        .values()
        .next()
        .expect("one event kept");
    assert_eq!(kept["event"]["body"], json!({ "n": 1 }), "{seen}");
    assert_eq!(kept["event"]["queueName"], "legacy");
    assert_eq!(kept["event"]["jobId"], job.as_str());
}

#[tokio::test]
async fn an_invocation_error_asks_for_the_event_again_with_its_retry_context() {
    let Some(q) = queued().await else {
        return;
    };
    let job = job_of(&q.push("work", json!({ "body": { "retry": true } })).await);
    let deliveries = q.deliver().await;
    assert_eq!(deliveries.len(), 2, "{deliveries:?}");
    assert_retry_requested(&deliveries[0]);
    assert_eq!(deliveries[1].attempt, 2);
    assert!(ran(&deliveries[1]).is_ok(), "{:?}", ran(&deliveries[1]));
    let seen = q.call("seen", json!({})).await;
    let first = seen
        .as_object()
        .expect("seen")
        .iter()
        .find(|(key, _)| key.ends_with(":2"))
        .map(|(_, value)| value)
        .unwrap_or_else(|| panic!("the second attempt was kept: {seen}"));
    assert_eq!(
        first["event"]["retryContext"],
        json!({ "retryCount": 1, "retryReason": "FUNCTION_UPSTREAM_RATE_LIMITED", "retryData": { "page": 2 } }),
        "{seen}"
    );
    assert_eq!(first["event"]["jobId"], job.as_str());
    let stats = q
        .call("stats", json!({ "queue": "work", "jobId": job }))
        .await;
    assert_eq!(
        stats["ok"],
        json!({ "success": 1, "inProgress": 0, "failed": 0 }),
        "{stats}"
    );
}

#[tokio::test]
async fn forges_push_rules_and_error_classes_hold_and_queue_nothing() {
    let Some(q) = queued().await else {
        return;
    };
    let class = |answer: &Value| {
        answer["err"]["className"]
            .as_str()
            .unwrap_or("none")
            .to_owned()
    };
    let message = |answer: &Value| {
        answer["err"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let cases = [
        (
            "elsewhere",
            json!({ "body": {} }),
            "InvalidQueueNameError",
            "No consumer module of this app listens on queue \"elsewhere\"",
        ),
        (
            "not a name",
            json!({ "body": {} }),
            "InvalidQueueNameError",
            "Queue names can only contain alphanumeric characters, dashes and underscores.",
        ),
        (
            "work",
            json!([]),
            "NoEventsToPushError",
            "No events pushed.",
        ),
        (
            "work",
            Value::Array(vec![json!({ "body": {} }); 51]),
            "TooManyEventsError",
            "This push contains more than the 50 events allowed.",
        ),
        (
            "work",
            json!({ "body": [1, 2] }),
            "InvalidPayloadError",
            "Event body must be an object.",
        ),
        (
            "work",
            json!(["text"]),
            "InvalidPayloadError",
            "Event must be an object.",
        ),
        (
            "work",
            json!({ "body": {}, "delayInSeconds": 901 }),
            "InvalidPushSettingsError",
            "The delayInSeconds setting must be between 0 and 900.",
        ),
        (
            "work",
            json!({ "body": {}, "concurrency": { "key": "k", "limit": 1 } }),
            "InvalidPushSettingsError",
            "concurrency setting is not supported by Kiln",
        ),
        (
            "work",
            json!({ "body": { "big": "x".repeat(200 * 1024) } }),
            "PayloadTooBigError",
            "The maximum payload size is 200KB.",
        ),
    ];
    for (queue, events, expected, words) in cases {
        let answer = q.push(queue, events).await;
        assert_eq!(class(&answer), expected, "{queue:?}: {answer}");
        assert!(message(&answer).contains(words), "{queue:?}: {answer}");
    }
    assert!(q.queue.is_empty(), "a refused push queues nothing");
    // Forge's limits themselves are accepted: 50 events, a 900 s delay.
    let answer = q
        .push(
            "work",
            Value::Array(vec![json!({ "body": {}, "delayInSeconds": 900 }); 50]),
        )
        .await;
    job_of(&answer);
    assert_eq!(q.queue.len(), 50);
}

#[tokio::test]
async fn a_job_can_be_cancelled_and_an_unknown_one_is_forges_job_does_not_exist() {
    let Some(q) = queued().await else {
        return;
    };
    let job = job_of(
        &q.push(
            "work",
            json!([{ "body": { "n": 1 } }, { "body": { "n": 2 } }]),
        )
        .await,
    );
    let cancelled = q
        .call("cancel", json!({ "queue": "work", "jobId": job }))
        .await;
    assert_eq!(cancelled, json!({ "ok": null }));
    let deliveries = q.deliver().await;
    assert!(
        deliveries
            .iter()
            .all(|delivery| matches!(delivery.outcome, DeliveryOutcome::NotRun(_))),
        "no event of a cancelled job runs: {deliveries:?}"
    );
    let unknown = q
        .call("stats", json!({ "queue": "work", "jobId": "no-such-job" }))
        .await;
    assert_eq!(
        unknown["err"]["className"], "JobDoesNotExistError",
        "{unknown}"
    );
    assert_eq!(
        unknown["err"]["message"],
        "The job no-such-job was not found for the queue work."
    );
    let other_queue = q
        .call("stats", json!({ "queue": "legacy", "jobId": job }))
        .await;
    assert_eq!(
        other_queue["err"]["className"], "JobDoesNotExistError",
        "{other_queue}"
    );
}

#[tokio::test]
async fn kvs_ttl_and_metadata_fields_come_from_the_hosts_entry() {
    let Some(q) = queued().await else {
        return;
    };
    let report = q.call("ttl", json!({ "seconds": 3600 })).await;
    let before = report["before"].as_i64().expect("before");
    let expiring = &report["expiring"];
    let created = expiring["createdAt"].as_i64().expect("createdAt in ms");
    assert!(
        (before - 5_000..before + 60_000).contains(&created),
        "{report}"
    );
    assert_eq!(expiring["updatedAt"].as_i64(), Some(created), "{report}");
    let expire = chrono_ms(expiring["expireTime"].as_str().expect("an ISO expireTime"));
    assert!(
        (created + 3_590_000..created + 3_610_000).contains(&expire),
        "{report}"
    );
    assert_eq!(report["lasting"]["value"], json!({ "n": 2 }));
    assert!(
        report["lasting"].get("expireTime").is_none(),
        "never expires: {report}"
    );
    // Only the fields asked for.
    assert_eq!(
        report["onlyExpiry"]
            .as_object()
            .map(|o| o.keys().cloned().collect::<Vec<_>>()),
        Some(vec![
            "expireTime".to_owned(),
            "key".to_owned(),
            "value".to_owned()
        ]),
        "{report}"
    );
    assert!(report["txExpiring"]["expireTime"].is_string(), "{report}");
    assert!(report["txLasting"].get("expireTime").is_none(), "{report}");
    assert_eq!(report["query"][0]["key"], "expiring", "{report}");
    assert!(report["query"][0]["expireTime"].is_string(), "{report}");
    assert_eq!(report["invalid"]["err"]["code"], "INVALID_TTL", "{report}");
    assert_eq!(
        report["unknownUnit"]["err"]["code"], "INVALID_TTL",
        "{report}"
    );
    assert_eq!(
        report["secret"]["err"]["code"], "UNSUPPORTED_OPTION",
        "{report}"
    );
}

#[tokio::test]
async fn a_value_set_with_a_ttl_is_absent_once_it_expired() {
    let Some(q) = queued().await else {
        return;
    };
    q.call("ttl", json!({ "seconds": 1 })).await;
    assert_eq!(
        q.call("read", json!({ "key": "expiring" })).await,
        json!({ "value": { "n": 1 } })
    );
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    assert_eq!(
        q.call("read", json!({ "key": "expiring" })).await,
        json!({ "value": null })
    );
    assert_eq!(
        q.call("read", json!({ "key": "lasting" })).await,
        json!({ "value": { "n": 2 } })
    );
}

/// Milliseconds since the epoch of an ISO 8601 UTC time as JavaScript's
/// `toISOString` writes it (`2026-11-30T21:49:46.344Z`).
fn chrono_ms(iso: &str) -> i64 {
    let digits = |range: std::ops::Range<usize>| -> i64 { iso[range].parse().expect("digits") };
    let (year, month, day) = (digits(0..4), digits(5..7), digits(8..10));
    let (hour, minute, second, milli) = (
        digits(11..13),
        digits(14..16),
        digits(17..19),
        digits(20..23),
    );
    // Days since the epoch (Howard Hinnant's days_from_civil).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + milli
}
