//! Async events, as Forge's `@forge/events`: push work to one of the app's
//! queues now, and a `consumer` module handles each event later, in an
//! invocation of its own (with the same installation's storage and
//! credentials).
//!
//! The manifest names each queue and the function that consumes it:
//!
//! ```yaml
//! modules:
//!   function:
//!     - key: plan
//!       handler: plan
//!     - key: label-one
//!       handler: label_one
//!   consumer:
//!     - key: labeller
//!       queue: label-issues
//!       function: label-one
//! ```
//!
//! The producer pushes events, each a JSON object, and gets a job back:
//!
//! ```no_run
//! use std::time::Duration;
//! use kiln_sdk::events::{PushEvent, Queue};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize)]
//! struct Label {
//!     issue: String,
//! }
//!
//! # fn main() -> Result<(), kiln_sdk::AppError> {
//! let queue = Queue::new("label-issues")?;
//! // One event, or many at once (one job, at most 50 events):
//! let job = queue.push(&Label { issue: "KILN-1".into() })?;
//! let job = queue.push_all(["KILN-2", "KILN-3"].map(|key| Label { issue: key.into() }).iter())?;
//! // With a delay (at most 15 minutes):
//! let job = queue.push_events([
//!     PushEvent::new(&Label { issue: "KILN-4".into() })?.delay(Duration::from_secs(60)),
//! ])?;
//! let stats = queue.job(&job).stats()?;
//! println!("{} done, {} to go, {} failed", stats.success, stats.in_progress, stats.failed);
//! # Ok(())
//! # }
//! ```
//!
//! The consumer is a [`macro@crate::handler`] whose payload is a
//! [`QueueEvent`]; it may ask for its event again later with
//! [`AppError::retry`](crate::AppError::retry):
//!
//! ```no_run
//! use std::time::Duration;
//! use kiln_sdk::prelude::*;
//! # #[derive(serde::Deserialize)] struct Label { issue: String }
//!
//! #[kiln_sdk::handler]
//! fn label_one(event: QueueEvent<Label>, _ctx: &Context) -> Result<(), AppError> {
//!     if event.retry_context.as_ref().is_some_and(|retry| retry.retry_count >= 3) {
//!         return Err(AppError::failed("gave up after 3 retries"));
//!     }
//!     let sent = as_app()
//!         .put(route!("/rest/api/3/issue/{}", event.body.issue)?)
//!         .json(&serde_json::json!({ "update": { "labels": [{ "add": "seen" }] } }))
//!         .send()?;
//!     if sent.status() == 429 {
//!         return Err(AppError::retry(Duration::from_secs(30), events::FUNCTION_RETRY_REQUEST, None));
//!     }
//!     sent.error_for_status()?;
//!     Ok(())
//! }
//! # kiln_sdk::export_app!(label_one);
//! ```
//!
//! Delivery is at least once: a consumer may see an event again after a
//! crash, so make it safe to run twice.

mod error;

use std::fmt;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use error::EventsError;

use crate::host;

/// The most events one push may carry (Forge's limit, which the host
/// enforces).
pub const MAX_EVENTS_PER_PUSH: usize = 50;

/// The longest an event may wait before delivery (Forge's 15 minutes, which
/// the host enforces).
pub const MAX_DELAY: Duration = Duration::from_secs(900);

/// The most bytes of JSON the bodies of one push may hold together (Forge's
/// 200 KB, which the host enforces).
pub const MAX_PUSH_BYTES: usize = 200 * 1024;

/// The longest queue name, in bytes (Forge's rule).
pub const MAX_QUEUE_NAME_BYTES: usize = 255;

/// How many times an event is retried at most (Forge's four): the attempt
/// after the last one that asked for a retry counts as failed instead.
pub const MAX_RETRIES: u32 = 4;

/// Forge's `retryReason` for a consumer that asks for its event again
/// ([`AppError::retry`](crate::AppError::retry)).
pub const FUNCTION_RETRY_REQUEST: &str = "FUNCTION_RETRY_REQUEST";

/// Whether `name` follows Forge's queue-name rule: 1 to
/// [`MAX_QUEUE_NAME_BYTES`] of ASCII letters, digits, `-` and `_`.
pub fn is_valid_queue_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_QUEUE_NAME_BYTES
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// One of the app's queues, named by the `queue` of a `consumer` module in
/// its manifest (Forge's `new Queue({ key })`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Queue {
    name: String,
}

impl Queue {
    /// The queue `name`, checked against Forge's rule
    /// ([`is_valid_queue_name`]); whether a consumer listens on it is the
    /// host's to say, at the first push
    /// ([`EventsError::UnknownQueue`]).
    pub fn new(name: impl Into<String>) -> Result<Queue, EventsError> {
        let name = name.into();
        if !is_valid_queue_name(&name) {
            return Err(EventsError::InvalidQueueName);
        }
        Ok(Queue { name })
    }

    /// The queue's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Pushes one event whose body is `body` (it must serialise to a JSON
    /// object), to be delivered now; returns its job.
    pub fn push<T: Serialize + ?Sized>(&self, body: &T) -> Result<JobId, EventsError> {
        self.push_events([PushEvent::new(body)?])
    }

    /// Pushes one event per body, as one job, all or none (at most
    /// [`MAX_EVENTS_PER_PUSH`]).
    pub fn push_all<'a, T, I>(&self, bodies: I) -> Result<JobId, EventsError>
    where
        T: Serialize + ?Sized + 'a,
        I: IntoIterator<Item = &'a T>,
    {
        let events = bodies
            .into_iter()
            .map(PushEvent::new)
            .collect::<Result<Vec<_>, _>>()?;
        self.push_events(events)
    }

    /// Pushes `events` (each with its own delay) as one job, all or none.
    /// The host refuses none or more than [`MAX_EVENTS_PER_PUSH`], a delay
    /// over [`MAX_DELAY`], more than [`MAX_PUSH_BYTES`] of bodies, and a queue
    /// no consumer listens on.
    pub fn push_events(
        &self,
        events: impl IntoIterator<Item = PushEvent>,
    ) -> Result<JobId, EventsError> {
        let events: Vec<RawPushEvent> = events.into_iter().map(|event| event.raw).collect();
        host::events_push(&self.name, &events).map(JobId)
    }

    /// A job pushed to this queue, to read its progress or cancel it.
    pub fn job(&self, id: &JobId) -> Job {
        Job {
            queue: self.name.clone(),
            id: id.clone(),
        }
    }
}

/// One event to push: a body (a JSON object) and a delay.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "an event does nothing until a queue pushes it"]
pub struct PushEvent {
    raw: RawPushEvent,
}

impl PushEvent {
    /// An event whose body is `body`, delivered as soon as possible. The
    /// body must serialise to a JSON object (Forge's `Record<string,
    /// unknown>`); anything else is [`EventsError::InvalidEvent`].
    pub fn new<T: Serialize + ?Sized>(body: &T) -> Result<PushEvent, EventsError> {
        let value = serde_json::to_value(body).map_err(|error| {
            EventsError::InvalidEvent(format!("the body could not be serialised: {error}"))
        })?;
        if !value.is_object() {
            return Err(EventsError::InvalidEvent(format!(
                "the body must be a JSON object, not {}",
                json_kind(&value)
            )));
        }
        Ok(PushEvent {
            raw: RawPushEvent {
                body: value.to_string(),
                delay_seconds: 0,
            },
        })
    }

    /// Delivers the event no sooner than `delay` after the push (Forge's
    /// `delayInSeconds`), in whole seconds rounded up; at most
    /// [`MAX_DELAY`], which the host checks.
    pub fn delay(mut self, delay: Duration) -> Self {
        let seconds = crate::seconds_rounded_up(delay);
        self.raw.delay_seconds = u32::try_from(seconds).unwrap_or(u32::MAX);
        self
    }

    /// The body, as the JSON text sent.
    pub fn body(&self) -> &str {
        &self.raw.body
    }

    /// The delay, in whole seconds.
    pub fn delay_seconds(&self) -> u32 {
        self.raw.delay_seconds
    }
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// An event as the host receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawPushEvent {
    /// JSON text of an object.
    pub body: String,
    pub delay_seconds: u32,
}

/// The id of a job: the events of one push. Serialisable, so an app can keep
/// it in storage and look at the job in a later invocation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JobId(String);

impl JobId {
    /// The id as the host gave it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for JobId {
    fn from(id: String) -> Self {
        JobId(id)
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A job of a queue ([`Queue::job`]): its progress, or its cancellation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    queue: String,
    id: JobId,
}

impl Job {
    /// The job's id.
    pub fn id(&self) -> &JobId {
        &self.id
    }

    /// How many of the job's events succeeded, are still to run (waiting,
    /// running or waiting for a retry), or failed for good (Forge's
    /// `getStats()`).
    pub fn stats(&self) -> Result<JobStats, EventsError> {
        host::events_stats(&self.queue, self.id.as_str())
    }

    /// Removes the job's events that have not started yet (Forge's
    /// `cancel()`): events running finish, nothing else of the job runs.
    pub fn cancel(&self) -> Result<(), EventsError> {
        host::events_cancel(&self.queue, self.id.as_str())
    }
}

/// A job's events by state, as Forge's `getStats()`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct JobStats {
    /// Handled by the consumer.
    pub success: u64,
    /// Waiting, running or waiting for a retry.
    pub in_progress: u64,
    /// Out of retries, or refused for good.
    pub failed: u64,
}

impl JobStats {
    /// Whether every event of the job is over (succeeded or failed).
    pub fn is_done(&self) -> bool {
        self.in_progress == 0
    }
}

/// What a consumer receives: the payload the host passes to a consumer
/// module's handler (trigger [`TriggerKind::QueueEvent`](crate::TriggerKind::QueueEvent)),
/// with the pushed body typed as `T`. Forge's consumer `event`.
///
/// ```
/// use kiln_sdk::events::QueueEvent;
///
/// #[derive(serde::Deserialize)]
/// struct Label { issue: String }
///
/// let event: QueueEvent<Label> = serde_json::from_str(r#"{
///     "body": { "issue": "KILN-1" },
///     "queueName": "label-issues",
///     "jobId": "job-1",
///     "eventId": "event-1",
///     "retryContext": { "retryCount": 1, "retryReason": "FUNCTION_RETRY_REQUEST", "retryData": { "page": 2 } }
/// }"#).unwrap();
/// assert_eq!(event.body.issue, "KILN-1");
/// assert_eq!(event.retry_context.unwrap().retry_data.unwrap()["page"], 2);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[serde(bound(serialize = "T: Serialize", deserialize = "T: DeserializeOwned"))]
pub struct QueueEvent<T = serde_json::Value> {
    /// The body the producer pushed.
    pub body: T,
    /// The queue it was pushed to.
    pub queue_name: String,
    /// The job (push) it belongs to.
    pub job_id: JobId,
    /// This event's id, stable across its retries: a key for work that must
    /// happen once.
    pub event_id: String,
    /// Present when the host delivers the event again: the consumer asked
    /// ([`AppError::retry`](crate::AppError::retry)), or the platform
    /// stopped its last run (Forge's reasons: `FUNCTION_TIME_OUT`,
    /// `FUNCTION_OUT_OF_MEMORY`, `FUNCTION_PLATFORM_UNKNOWN_ERROR`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_context: Option<RetryContext>,
}

impl<T> QueueEvent<T> {
    /// How many times this event was retried before (0 on its first delivery).
    pub fn retry_count(&self) -> u32 {
        self.retry_context
            .as_ref()
            .map_or(0, |retry| retry.retry_count)
    }
}

/// Why an event is delivered again (Forge's `retryContext`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetryContext {
    /// How many times it was retried, this delivery included (1 on the first
    /// retry).
    pub retry_count: u32,
    /// The reason the consumer gave, such as [`FUNCTION_RETRY_REQUEST`], or
    /// the host's for a run the platform stopped.
    pub retry_reason: String,
    /// The data the consumer gave with its retry request, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_data: Option<serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_names_follow_forges_rule() {
        for good in ["q", "label-issues", "work_1", "_x", &"a".repeat(255)] {
            assert!(Queue::new(good).is_ok(), "{good}");
        }
        for bad in ["", "a b", "q.1", "q/1", "é", &"a".repeat(256)] {
            assert_eq!(Queue::new(bad), Err(EventsError::InvalidQueueName), "{bad}");
        }
    }

    #[test]
    fn a_body_must_be_a_json_object() {
        assert!(PushEvent::new(&serde_json::json!({"a": 1})).is_ok());
        for body in [
            serde_json::json!(1),
            serde_json::json!("text"),
            serde_json::json!([1]),
            serde_json::Value::Null,
        ] {
            assert!(
                matches!(PushEvent::new(&body), Err(EventsError::InvalidEvent(_))),
                "{body}"
            );
        }
    }

    #[test]
    fn a_delay_is_whole_seconds_rounded_up() {
        let event = PushEvent::new(&serde_json::json!({})).unwrap();
        assert_eq!(
            event
                .clone()
                .delay(Duration::from_millis(1500))
                .delay_seconds(),
            2
        );
        assert_eq!(
            event
                .clone()
                .delay(Duration::from_secs(900))
                .delay_seconds(),
            900
        );
        assert_eq!(event.delay(Duration::MAX).delay_seconds(), u32::MAX);
    }

    #[test]
    fn a_queue_event_without_retry_context_parses() {
        let event: QueueEvent<serde_json::Value> =
            serde_json::from_str(r#"{"body":{},"queueName":"q","jobId":"j","eventId":"e"}"#)
                .unwrap();
        assert_eq!(event.retry_context, None);
        assert_eq!(event.retry_count(), 0);
        assert_eq!(event.job_id.as_str(), "j");
    }
}
