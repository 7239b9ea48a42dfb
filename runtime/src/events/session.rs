//! One invocation's `kiln:app/events` calls: every rule checked before a
//! sink sees anything, and the sink's errors turned into the WIT's
//! `events-error`. Nothing a guest pushes is logged or echoed back.

use std::sync::Arc;
use std::time::Duration;

use serde_json::value::RawValue;
use tokio::time::Instant as TokioInstant;

use super::{
    Envelope, EventLimits, EventSink, JobId, JobKey, OutgoingEvent, OutgoingPush, QueueName,
    Queues, SinkError, event_id, generate_job_id,
};
use crate::bindings::v0_4::{EventsError, JobStats, PushEvent};
use crate::sandbox::json_depth::{MAX_JSON_DEPTH, exceeds_depth};

/// What one invocation's events calls may reach.
pub struct EventsSession {
    /// `None`: this host runs no queues (every call is `unavailable`).
    sink: Option<Arc<dyn EventSink>>,
    queues: Arc<Queues>,
    limits: EventLimits,
    installation: Arc<kiln_state::Installation>,
    /// The invoking event's chain depth (0 unless a consumer runs).
    depth: u32,
    deadline: TokioInstant,
    pushed: usize,
    calls: u32,
}

impl EventsSession {
    pub fn new(
        sink: Option<Arc<dyn EventSink>>,
        queues: Arc<Queues>,
        limits: EventLimits,
        installation: Arc<kiln_state::Installation>,
        depth: u32,
        deadline: TokioInstant,
    ) -> Self {
        Self {
            sink,
            queues,
            limits,
            installation,
            depth,
            deadline,
            pushed: 0,
            calls: 0,
        }
    }

    /// How many events calls the guest made (refused ones included).
    pub fn call_count(&self) -> u32 {
        self.calls
    }

    fn sink(&self) -> Result<Arc<dyn EventSink>, EventsError> {
        self.sink
            .clone()
            .ok_or_else(|| EventsError::Unavailable("this host runs no queues".into()))
    }

    /// The queue's consumer, or why the name cannot be pushed to.
    fn queue(&self, name: &str) -> Result<(QueueName, String), EventsError> {
        let queue = QueueName::new(name).map_err(|_| EventsError::InvalidQueueName)?;
        let consumer = self.queues.consumer(&queue).ok_or_else(|| {
            EventsError::UnknownQueue("no consumer module of this app listens on the queue".into())
        })?;
        let consumer = consumer.to_owned();
        Ok((queue, consumer))
    }

    pub async fn push(
        &mut self,
        queue: String,
        events: Vec<PushEvent>,
    ) -> Result<String, EventsError> {
        self.calls = self.calls.saturating_add(1);
        let (queue, consumer) = self.queue(&queue)?;
        let limits = self.limits;
        if events.is_empty() || events.len() > limits.max_events_per_push {
            return Err(EventsError::TooManyEvents(
                u32::try_from(limits.max_events_per_push).unwrap_or(u32::MAX),
            ));
        }
        if self.pushed.saturating_add(events.len()) > limits.max_events_per_invocation {
            return Err(EventsError::InvalidEvent(format!(
                "one invocation may push at most {} events in all",
                limits.max_events_per_invocation
            )));
        }
        let bytes: usize = events.iter().map(|event| event.body.len()).sum();
        if bytes > limits.max_push_bytes {
            return Err(EventsError::PayloadTooLarge(format!(
                "the bodies of one push may hold {} bytes in all",
                limits.max_push_bytes
            )));
        }
        if self.depth >= limits.max_chain_depth {
            return Err(EventsError::InvocationLimitReached);
        }
        let job = generate_job_id().map_err(|error| EventsError::Unavailable(error.to_string()))?;
        let mut outgoing = Vec::with_capacity(events.len());
        for (
            index,
            PushEvent {
                body,
                delay_seconds,
            },
        ) in events.into_iter().enumerate()
        {
            let delay = Duration::from_secs(u64::from(delay_seconds));
            if delay > limits.max_delay {
                return Err(EventsError::InvalidEvent(format!(
                    "event {index}: the delay may be at most {} seconds",
                    limits.max_delay.as_secs()
                )));
            }
            let body = object_body(body)
                .map_err(|why| EventsError::InvalidEvent(format!("event {index}: {why}")))?;
            let envelope = Envelope {
                queue_name: queue.as_str().to_owned(),
                job_id: job.as_str().to_owned(),
                event_id: event_id(&job, index),
                depth: self.depth.saturating_add(1),
                body,
            };
            outgoing.push(OutgoingEvent {
                stored: envelope.to_stored(),
                delay,
            });
        }
        let count = outgoing.len();
        let push = OutgoingPush {
            installation: kiln_state::Installation::clone(&self.installation),
            queue,
            job: job.clone(),
            consumer,
            events: outgoing,
        };
        let sink = self.sink()?;
        within(self.deadline, sink.push(push)).await?;
        self.pushed += count;
        Ok(job.as_str().to_owned())
    }

    /// The job a `stats` or `cancel` call names, counted as a call: the
    /// queue must be the app's, and a text no job id can be is no job.
    fn job(&mut self, queue: &str, job: String) -> Result<JobKey, EventsError> {
        self.calls = self.calls.saturating_add(1);
        let (queue, _) = self.queue(queue)?;
        let id = JobId::new(job).map_err(|_| EventsError::UnknownJob)?;
        Ok(JobKey { queue, id })
    }

    pub async fn stats(&mut self, queue: String, job: String) -> Result<JobStats, EventsError> {
        let job = self.job(&queue, job)?;
        let sink = self.sink()?;
        let stats = within(self.deadline, sink.stats(&self.installation, &job))
            .await?
            .ok_or(EventsError::UnknownJob)?;
        Ok(JobStats {
            success: stats.success,
            in_progress: stats.in_progress,
            failed: stats.failed,
        })
    }

    pub async fn cancel(&mut self, queue: String, job: String) -> Result<(), EventsError> {
        let job = self.job(&queue, job)?;
        let sink = self.sink()?;
        if within(self.deadline, sink.cancel(&self.installation, &job)).await? {
            Ok(())
        } else {
            Err(EventsError::UnknownJob)
        }
    }
}

/// An event's body: JSON text of an object (Forge: "Event body must be an
/// object"), nested no deeper than any payload may be.
fn object_body(text: String) -> Result<Box<RawValue>, &'static str> {
    if exceeds_depth(&text, MAX_JSON_DEPTH).is_some() {
        return Err("the body nests deeper than a payload may");
    }
    let raw = RawValue::from_string(text).map_err(|_| "the body is not JSON")?;
    if !raw.get().trim_start().starts_with('{') {
        return Err("the body must be a JSON object");
    }
    Ok(raw)
}

async fn within<T>(
    deadline: TokioInstant,
    operation: impl Future<Output = Result<T, SinkError>>,
) -> Result<T, EventsError> {
    match tokio::time::timeout_at(deadline, operation).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(SinkError::Full {
            retry_after_seconds,
        })) => Err(EventsError::RateLimited(retry_after_seconds)),
        Ok(Err(SinkError::Unavailable(text))) => Err(EventsError::Unavailable(text)),
        Err(_) => Err(EventsError::Unavailable(
            "the invocation's deadline passed before the queue answered".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_objects_are_bodies() {
        assert!(object_body(r#" {"a":1}"#.into()).is_ok());
        for bad in ["[1]", "1", "\"s\"", "null", "{", ""] {
            assert!(object_body(bad.into()).is_err(), "{bad}");
        }
        let deep = format!(
            "{}{}",
            "{\"a\":".repeat(200),
            "1".to_owned() + &"}".repeat(200)
        );
        assert!(object_body(deep).is_err());
    }
}
