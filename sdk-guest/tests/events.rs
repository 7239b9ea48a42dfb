//! `kiln_sdk::events` against the fake events host, as an app's unit tests
//! use it: pushes recorded with their bodies and delays, the host's rules,
//! stats and cancel, and delivery to a consumer with retries.

use std::time::Duration;

use kiln_sdk::events::{
    EventsError, FUNCTION_RETRY_REQUEST, JobStats, MAX_EVENTS_PER_PUSH, MAX_RETRIES, PushEvent,
    Queue, QueueEvent,
};
use kiln_sdk::prelude::*;
use kiln_sdk::testing::{self, Fake};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Serialize, Deserialize, Debug, PartialEq, Eq, Clone)]
struct Label {
    issue: String,
}

fn label(issue: &str) -> Label {
    Label {
        issue: issue.into(),
    }
}

#[test]
fn pushes_are_recorded_with_bodies_and_delays_as_one_job_each() {
    let fake = Fake::install();
    let queue = Queue::new("label-issues").unwrap();
    let one = queue.push(&label("KILN-1")).unwrap();
    let many = queue
        .push_all([label("KILN-2"), label("KILN-3")].iter())
        .unwrap();
    let delayed = queue
        .push_events([PushEvent::new(&label("KILN-4"))
            .unwrap()
            .delay(Duration::from_secs(90))])
        .unwrap();
    assert_ne!(one, many);

    let pushes = fake.events().pushes();
    assert_eq!(pushes.len(), 3);
    assert_eq!(pushes[1].job_id, many);
    assert_eq!(pushes[1].queue, "label-issues");
    let bodies: Vec<Label> = pushes[1].events.iter().map(|e| e.body_as()).collect();
    assert_eq!(bodies, [label("KILN-2"), label("KILN-3")]);
    assert_eq!(pushes[2].job_id, delayed);
    assert_eq!(pushes[2].events[0].delay, Duration::from_secs(90));
    assert_eq!(fake.events().pushed("label-issues").len(), 4);
    assert_eq!(
        queue.job(&one).stats().unwrap(),
        JobStats {
            success: 0,
            in_progress: 1,
            failed: 0
        }
    );
}

#[test]
fn the_hosts_rules_are_kept() {
    let fake = Fake::install();
    fake.events().queues(["label-issues"]);
    let queue = Queue::new("label-issues").unwrap();

    let other = Queue::new("elsewhere").unwrap().push(&label("KILN-1"));
    assert!(
        matches!(&other, Err(EventsError::UnknownQueue(why)) if why.contains("no consumer")),
        "{other:?}"
    );
    assert_eq!(Queue::new("no spaces"), Err(EventsError::InvalidQueueName));

    let too_many: Vec<Label> = (0..=MAX_EVENTS_PER_PUSH)
        .map(|n| label(&format!("KILN-{n}")))
        .collect();
    assert_eq!(
        queue.push_all(too_many.iter()),
        Err(EventsError::TooManyEvents(50))
    );
    assert_eq!(
        queue.push_events(Vec::new()),
        Err(EventsError::TooManyEvents(50))
    );
    let late = queue.push_events([
        PushEvent::new(&label("a")).unwrap(),
        PushEvent::new(&label("b"))
            .unwrap()
            .delay(Duration::from_secs(901)),
    ]);
    assert!(
        matches!(&late, Err(EventsError::InvalidEvent(reason)) if reason.contains("event 1")),
        "{late:?}"
    );
    assert!(matches!(
        queue.push(&json!([1, 2])),
        Err(EventsError::InvalidEvent(_))
    ));
    let big = json!({ "text": "x".repeat(110 * 1024) });
    assert!(matches!(
        queue.push_all([&big, &big]),
        Err(EventsError::PayloadTooLarge(_))
    ));
    assert!(
        fake.events().pushes().is_empty(),
        "nothing refused is recorded"
    );

    fake.events().fail_next(EventsError::RateLimited(60));
    assert_eq!(
        queue.push(&label("KILN-1")),
        Err(EventsError::RateLimited(60))
    );
    assert!(queue.push(&label("KILN-1")).is_ok());
}

#[test]
fn stats_and_cancel_answer_for_this_queues_jobs_only() {
    let fake = Fake::install();
    let queue = Queue::new("work").unwrap();
    let job = queue
        .push_all([json!({"n": 1}), json!({"n": 2})].iter())
        .unwrap();
    let other = Queue::new("other").unwrap();
    assert_eq!(other.job(&job).stats(), Err(EventsError::UnknownJob));
    assert_eq!(other.job(&job).cancel(), Err(EventsError::UnknownJob));

    queue.job(&job).cancel().unwrap();
    assert_eq!(queue.job(&job).stats().unwrap(), JobStats::default());
    assert!(queue.job(&job).stats().unwrap().is_done());
    let delivered = fake
        .events()
        .deliver("work", |_: QueueEvent<Value>, _: &Context| {
            Ok::<_, AppError>(())
        });
    assert!(delivered.is_empty(), "cancelled events never run");
}

#[test]
fn delivery_runs_the_consumer_on_due_events_with_the_forge_payload() {
    let fake = Fake::install();
    let queue = Queue::new("label-issues").unwrap();
    let job = queue.push(&label("KILN-1")).unwrap();
    queue
        .push_events([PushEvent::new(&label("KILN-2"))
            .unwrap()
            .delay(Duration::from_secs(60))])
        .unwrap();

    let consumer = |event: QueueEvent<Label>, ctx: &Context| -> Result<String, AppError> {
        assert_eq!(ctx.trigger, TriggerKind::QueueEvent);
        assert_eq!(event.queue_name, "label-issues");
        assert_eq!(event.retry_context, None);
        storage::set(&format!("labelled:{}", event.body.issue), &event.event_id)?;
        Ok(event.body.issue)
    };
    let delivered = fake.events().deliver("label-issues", consumer);
    assert_eq!(delivered.len(), 1, "the delayed event is not due yet");
    assert_eq!(delivered[0].job_id, job);
    assert_eq!(delivered[0].outcome, Ok(json!("KILN-1")));
    assert_eq!(
        fake.storage().get::<String>("labelled:KILN-1").as_deref(),
        Some(delivered[0].event_id.as_str())
    );
    assert_eq!(queue.job(&job).stats().unwrap().success, 1);

    fake.advance(Duration::from_secs(60));
    let delivered = fake.events().deliver("label-issues", consumer);
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].outcome, Ok(json!("KILN-2")));
    assert!(
        fake.events().deliver("label-issues", consumer).is_empty(),
        "each event once"
    );
}

#[test]
fn a_retry_comes_back_later_with_its_context_and_a_failure_is_final() {
    let fake = Fake::install();
    let queue = Queue::new("work").unwrap();
    let job = queue.push(&json!({"page": 1})).unwrap();

    let consumer = |event: QueueEvent<Value>, _: &Context| -> Result<(), AppError> {
        match event.retry_context {
            None => Err(AppError::retry(
                Duration::from_secs(30),
                FUNCTION_RETRY_REQUEST,
                Some(json!({"cursor": "c1"})),
            )),
            Some(retry) if retry.retry_count == 1 => {
                assert_eq!(retry.retry_reason, FUNCTION_RETRY_REQUEST);
                assert_eq!(retry.retry_data, Some(json!({"cursor": "c1"})));
                Err(AppError::failed("still broken"))
            }
            Some(retry) => panic!("unexpected {retry:?}"),
        }
    };
    let first = fake.events().deliver("work", consumer);
    assert!(first[0].outcome.as_ref().unwrap_err().is_retry());
    assert_eq!(fake.events().stats(&job).in_progress, 1);
    fake.advance(Duration::from_secs(29));
    assert!(fake.events().deliver("work", consumer).is_empty());
    fake.advance(Duration::from_secs(1));
    let second = fake.events().deliver("work", consumer);
    assert_eq!(second[0].outcome, Err(AppError::failed("still broken")));
    assert_eq!(
        queue.job(&job).stats().unwrap(),
        JobStats {
            success: 0,
            in_progress: 0,
            failed: 1
        }
    );
}

#[test]
fn a_payload_the_consumer_cannot_read_fails_the_event_as_invalid_payload() {
    let fake = Fake::install();
    Queue::new("work")
        .unwrap()
        .push(&json!({"unexpected": true}))
        .unwrap();
    let delivered = fake
        .events()
        .deliver("work", |_: QueueEvent<Label>, _: &Context| {
            Ok::<_, AppError>(())
        });
    assert!(
        matches!(&delivered[0].outcome, Err(AppError::InvalidPayload(_))),
        "{delivered:?}"
    );
}

#[test]
fn events_pushed_by_a_consumer_wait_for_the_next_delivery() {
    let fake = Fake::install();
    let queue = Queue::new("pages").unwrap();
    queue.push(&json!({"page": 1})).unwrap();
    let next_page = |event: QueueEvent<Value>, _: &Context| -> Result<(), AppError> {
        let page = event.body["page"].as_u64().unwrap();
        if page < 3 {
            Queue::new("pages")?.push(&json!({"page": page + 1}))?;
        }
        Ok(())
    };
    for expected in 1..=3 {
        let delivered = fake.events().deliver("pages", next_page);
        assert_eq!(delivered.len(), 1, "page {expected}");
    }
    assert!(fake.events().deliver("pages", next_page).is_empty());
    assert_eq!(fake.events().pushes().len(), 3);
}

#[test]
fn an_event_is_retried_at_most_max_retries_times_then_fails() {
    let fake = Fake::install();
    let queue = Queue::new("work").unwrap();
    let job = queue.push(&json!({})).unwrap();
    let always_retry = |event: QueueEvent<Value>, _: &Context| -> Result<u32, AppError> {
        Err(AppError::retry(
            Duration::ZERO,
            FUNCTION_RETRY_REQUEST,
            Some(json!(event.retry_count())),
        ))
    };
    let mut runs = 0;
    loop {
        let delivered = fake.events().deliver("work", always_retry);
        if delivered.is_empty() {
            break;
        }
        runs += delivered.len();
        // A retry of zero seconds waits one.
        fake.advance(Duration::from_secs(1));
    }
    assert_eq!(runs, 1 + MAX_RETRIES as usize);
    assert_eq!(
        fake.events().stats(&job),
        JobStats {
            success: 0,
            in_progress: 0,
            failed: 1
        }
    );
}

#[test]
fn one_invocation_pushes_at_most_its_share_and_a_chain_of_consumers_is_bounded() {
    let fake = Fake::install();
    let queue = Queue::new("work").unwrap();
    let batch: Vec<Value> = (0..50).map(|n| json!({ "n": n })).collect();
    let per_invocation = testing::events_limits::MAX_EVENTS_PER_INVOCATION;
    for _ in 0..per_invocation / 50 {
        queue.push_all(&batch).unwrap();
    }
    let over = queue.push(&json!({}));
    assert!(
        matches!(&over, Err(EventsError::InvalidEvent(why)) if why.contains("in all")),
        "{over:?}"
    );
    drop(fake);

    // A consumer that pushes to its own queue: each event is one deeper.
    let fake = Fake::install();
    queue.push(&json!({})).unwrap();
    let again = |_: QueueEvent<Value>, _: &Context| -> Result<(), AppError> {
        Queue::new("work")?.push(&json!({}))?;
        Ok(())
    };
    let mut outcomes = Vec::new();
    for _ in 0..testing::events_limits::MAX_CHAIN_DEPTH {
        outcomes.extend(fake.events().deliver("work", again));
    }
    let last = outcomes.pop().unwrap().outcome;
    assert!(outcomes.iter().all(|delivery| delivery.outcome.is_ok()));
    assert_eq!(
        last,
        Err(AppError::from(EventsError::InvocationLimitReached)),
        "the 16th consumer deep may not push"
    );
}
