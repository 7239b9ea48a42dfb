//! Escape suite, async events, as a JavaScript (Forge) app: the raw
//! `kiln:app/events@0.5.0` bindings and a tampered Forge layer, past every
//! check `@forge/events` makes. The layer checks Forge's rules first, but it
//! is the guest's own code: the host must still confine pushes to the app's
//! own queues (a `consumer` of its manifest), refuse a push breaking
//! Forge's limits whole (nothing queued), refuse a body that is not a JSON
//! object, and answer no job but this installation's own.
//!
//! The app is `tests/js/events` (it has two consumers, so a refusal is for
//! the rule under test, not for an unknown queue); its `raw` handler calls
//! the bindings itself and its `tamper` handler disarms the layer's checks.

use kiln_runtime::Invocation;
use serde_json::{Value, json};

use crate::forge_events::queued;
use crate::support::queued::QueuedApp as Queued;

/// The WIT error a raw call answered: `(tag, val)`.
async fn raw_refusal(q: &Queued, case: &str) -> (String, String) {
    let out = q.call("raw", json!({ "case": case })).await;
    let err = &out["err"];
    assert!(
        err.is_object(),
        "{case}: expected the host's refusal, got {out}"
    );
    (
        err["tag"].as_str().unwrap_or_default().to_owned(),
        err["val"].as_str().unwrap_or_default().to_owned(),
    )
}

#[tokio::test]
async fn js_events_raw_push_to_a_queue_not_the_apps_refused() {
    let Some(q) = queued().await else {
        return;
    };
    assert_eq!(raw_refusal(&q, "foreign_queue").await.0, "unknown-queue");
    assert_eq!(
        raw_refusal(&q, "bad_queue_name").await.0,
        "invalid-queue-name"
    );
    assert!(q.queue.is_empty(), "nothing queued");
    assert!(q.deliver().await.is_empty());
    q.harness.assert_jira_untouched();
}

#[tokio::test]
async fn js_events_raw_oversized_push_refused_whole() {
    let Some(q) = queued().await else {
        return;
    };
    for case in ["too_many", "none"] {
        assert_eq!(raw_refusal(&q, case).await.0, "too-many-events", "{case}");
    }
    assert_eq!(raw_refusal(&q, "oversized").await.0, "payload-too-large");
    assert!(q.queue.is_empty(), "no event of a refused push is queued");
}

#[tokio::test]
async fn js_events_raw_body_not_an_object_refused() {
    let Some(q) = queued().await else {
        return;
    };
    for case in ["array_body", "string_body", "not_json_body", "long_delay"] {
        let (tag, val) = raw_refusal(&q, case).await;
        assert_eq!(tag, "invalid-event", "{case}: {val}");
        assert!(val.contains("event 0"), "{case}: says which event: {val}");
    }
    assert!(q.queue.is_empty());
}

#[tokio::test]
async fn js_events_raw_guessed_job_answers_nothing() {
    let Some(q) = queued().await else {
        return;
    };
    assert_eq!(raw_refusal(&q, "guessed_job").await.0, "unknown-job");
    assert_eq!(raw_refusal(&q, "cancel_guessed_job").await.0, "unknown-job");
    // A real job of this installation, asked about on another of its queues.
    let out = q.call("raw", json!({ "case": "other_queue_job" })).await;
    let stats: Value = serde_json::from_str(out["ok"]["stats"].as_str().expect("stats")).unwrap();
    assert_eq!(stats["err"]["tag"], "unknown-job", "{out}");
}

/// Runs `handler` in `environment` (each environment of an app is an
/// installation of its own); its JSON answer.
async fn in_env(q: &Queued, environment: &str, handler: &str, payload: Value) -> Value {
    let invoked = q
        .app
        .invoke(Invocation {
            function_key: Some(handler.into()),
            payload: payload.to_string(),
            environment: environment.into(),
            ..Invocation::default()
        })
        .await
        .expect("invocation starts");
    q.harness.assert_no_canary(&invoked);
    crate::support::ok_json(&invoked)
}

#[tokio::test]
async fn js_events_job_of_another_installation_is_unknown() {
    let Some(q) = queued().await else {
        return;
    };
    let pushed = in_env(
        &q,
        "production",
        "produce",
        json!({ "queue": "work", "events": { "body": { "secret": 1 } } }),
    )
    .await;
    let job = pushed["ok"]["jobId"].as_str().expect("a job id").to_owned();
    for handler in ["stats", "cancel"] {
        let other = in_env(
            &q,
            "development",
            handler,
            json!({ "queue": "work", "jobId": job }),
        )
        .await;
        assert_eq!(
            other["err"]["className"], "JobDoesNotExistError",
            "{handler}: {other}"
        );
    }
    // Production's job is intact.
    let own = in_env(
        &q,
        "production",
        "stats",
        json!({ "queue": "work", "jobId": job }),
    )
    .await;
    assert_eq!(own["ok"]["inProgress"], 1, "{own}");
}

#[tokio::test]
async fn js_events_push_past_a_tampered_layer_refused_by_the_host() {
    let Some(q) = queued().await else {
        return;
    };
    // TextEncoder counts nothing: the layer's 200 KB check lets 210 KB through.
    let size = q.call("tamper", json!({ "case": "size" })).await;
    assert_eq!(size["err"]["className"], "PayloadTooBigError", "{size}");
    assert_ne!(
        size["err"]["message"], "The maximum payload size is 200KB.",
        "the layer refused, not the host: {size}"
    );
    // Array.isArray lies about the body: the host finds it is no object.
    let body = q.call("tamper", json!({ "case": "array_body" })).await;
    assert_eq!(body["err"]["className"], "InvalidPayloadError", "{body}");
    assert_ne!(
        body["err"]["message"], "Event body must be an object.",
        "the layer refused, not the host: {body}"
    );
    assert!(q.queue.is_empty(), "nothing queued");
}
