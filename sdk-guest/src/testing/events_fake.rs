//! The fake events host: records the app's pushes, answers stats and cancel,
//! and delivers the recorded events to a consumer function when the test
//! says so, by the fake's clock.
//!
//! It keeps the host's rules (`runtime/src/events/session.rs` and
//! `EventLimits` in the Kiln repository, in the same order): a valid queue
//! name, a queue some consumer listens on (when the test names the app's
//! queues), 1 to 50 events per push, at most [`MAX_EVENTS_PER_INVOCATION`]
//! events pushed by one invocation, at most 200 KB of bodies per push,
//! chains of consumers pushing at most [`MAX_CHAIN_DEPTH`] deep, a delay of
//! at most 900 seconds and each body a JSON object. The SDK cannot depend on
//! the host's crate, so these are copies: change both.

use std::collections::{BTreeSet, VecDeque};
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Shared;
use crate::events::{
    EventsError, JobId, JobStats, MAX_DELAY, MAX_EVENTS_PER_PUSH, MAX_PUSH_BYTES, MAX_RETRIES,
    QueueEvent, RawPushEvent, RetryContext, is_valid_queue_name,
};
use crate::{AppError, Context, TriggerKind};

/// Events one invocation may push in all its pushes (the host's default).
pub const MAX_EVENTS_PER_INVOCATION: usize = 500;
/// How many consumers deep a chain of pushes may go: an event pushed by a
/// consumer is one deeper than the consumer's own (the host's default).
pub const MAX_CHAIN_DEPTH: u32 = 16;

#[derive(Default)]
pub(super) struct EventsState {
    /// The queues some consumer listens on; `None`: any valid name.
    queues: Option<BTreeSet<String>>,
    jobs: Vec<JobState>,
    failures: VecDeque<EventsError>,
    /// The invocation now running: the test's own (depth 0), or a
    /// consumer's during a delivery.
    invocation: InvocationState,
}

#[derive(Default, Clone, Copy)]
struct InvocationState {
    /// How deep the running invocation is in a chain of consumers.
    depth: u32,
    /// Events it pushed so far.
    pushed: usize,
}

struct JobState {
    queue: String,
    id: String,
    events: Vec<EventState>,
}

struct EventState {
    id: String,
    /// Consumers deep: 1 for an event the test's own invocation pushed.
    depth: u32,
    /// JSON text of an object.
    body: String,
    delay_seconds: u32,
    /// When it may be delivered, by the fake's clock (milliseconds).
    due_at: u64,
    status: Status,
    retry: Option<RetryContext>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Waiting,
    Succeeded,
    Failed,
    Cancelled,
}

impl EventsState {
    /// The host's `push`, at `now`.
    pub(super) fn push(
        &mut self,
        queue: &str,
        events: &[RawPushEvent],
        now: u64,
    ) -> Result<String, EventsError> {
        self.check_queue(queue)?;
        if events.is_empty() || events.len() > MAX_EVENTS_PER_PUSH {
            // The host names its limit, not the count.
            return Err(EventsError::TooManyEvents(MAX_EVENTS_PER_PUSH as u32));
        }
        if self.invocation.pushed.saturating_add(events.len()) > MAX_EVENTS_PER_INVOCATION {
            return Err(EventsError::InvalidEvent(format!(
                "one invocation may push at most {MAX_EVENTS_PER_INVOCATION} events in all"
            )));
        }
        let bytes: usize = events.iter().map(|event| event.body.len()).sum();
        if bytes > MAX_PUSH_BYTES {
            return Err(EventsError::PayloadTooLarge(format!(
                "the bodies of one push may hold {MAX_PUSH_BYTES} bytes in all"
            )));
        }
        if self.invocation.depth >= MAX_CHAIN_DEPTH {
            return Err(EventsError::InvocationLimitReached);
        }
        for (index, event) in events.iter().enumerate() {
            if u64::from(event.delay_seconds) > MAX_DELAY.as_secs() {
                return Err(EventsError::InvalidEvent(format!(
                    "event {index}: the delay may be at most {} seconds",
                    MAX_DELAY.as_secs()
                )));
            }
            let is_object = serde_json::from_str::<serde_json::Value>(&event.body)
                .is_ok_and(|body| body.is_object());
            if !is_object {
                return Err(EventsError::InvalidEvent(format!(
                    "event {index}: the body must be a JSON object"
                )));
            }
        }
        self.invocation.pushed += events.len();
        // The host's ids are random UUIDs; the fake's count, in that shape.
        let id = format!("00000000-0000-4000-8000-{:012x}", self.jobs.len() + 1);
        let depth = self.invocation.depth + 1;
        let events = events
            .iter()
            .enumerate()
            .map(|(index, event)| EventState {
                id: format!("{id}-{index}"),
                depth,
                body: event.body.clone(),
                delay_seconds: event.delay_seconds,
                due_at: now + u64::from(event.delay_seconds) * 1000,
                status: Status::Waiting,
                retry: None,
            })
            .collect();
        self.jobs.push(JobState {
            queue: queue.to_owned(),
            id: id.clone(),
            events,
        });
        Ok(id)
    }

    pub(super) fn stats(&self, queue: &str, job_id: &str) -> Result<JobStats, EventsError> {
        let job = self.job(queue, job_id)?;
        let count = |status| {
            job.events
                .iter()
                .filter(|event| event.status == status)
                .count() as u64
        };
        Ok(JobStats {
            success: count(Status::Succeeded),
            in_progress: count(Status::Waiting),
            failed: count(Status::Failed),
        })
    }

    pub(super) fn cancel(&mut self, queue: &str, job_id: &str) -> Result<(), EventsError> {
        self.job(queue, job_id)?;
        let job = self
            .jobs
            .iter_mut()
            .find(|job| job.queue == queue && job.id == job_id)
            .expect("found above");
        for event in &mut job.events {
            if event.status == Status::Waiting {
                event.status = Status::Cancelled;
            }
        }
        Ok(())
    }

    pub(super) fn next_failure(&mut self) -> Option<EventsError> {
        self.failures.pop_front()
    }

    fn check_queue(&self, queue: &str) -> Result<(), EventsError> {
        if !is_valid_queue_name(queue) {
            return Err(EventsError::InvalidQueueName);
        }
        if let Some(queues) = &self.queues
            && !queues.contains(queue)
        {
            // The host does not echo the app's text.
            return Err(EventsError::UnknownQueue(
                "no consumer module of this app listens on the queue".into(),
            ));
        }
        Ok(())
    }

    fn job(&self, queue: &str, job_id: &str) -> Result<&JobState, EventsError> {
        self.check_queue(queue)?;
        self.jobs
            .iter()
            .find(|job| job.queue == queue && job.id == job_id)
            .ok_or(EventsError::UnknownJob)
    }
}

/// One push the app made: a job of one or more events.
#[derive(Debug, Clone, PartialEq)]
pub struct Push {
    /// The queue pushed to.
    pub queue: String,
    /// The job id the fake answered.
    pub job_id: JobId,
    /// The events, in the order pushed.
    pub events: Vec<PushedEvent>,
}

/// One event the app pushed, as the host received it.
#[derive(Debug, Clone, PartialEq)]
pub struct PushedEvent {
    /// The queue it was pushed to.
    pub queue: String,
    /// Its job.
    pub job_id: JobId,
    /// Its id, as the consumer will see it in `eventId`.
    pub event_id: String,
    /// The body, as JSON.
    pub body: serde_json::Value,
    /// The delay it was pushed with.
    pub delay: Duration,
}

impl PushedEvent {
    /// The body parsed as `T`.
    ///
    /// # Panics
    /// If the body is not a `T`: the test asked for the wrong type.
    pub fn body_as<T: DeserializeOwned>(&self) -> T {
        serde_json::from_value(self.body.clone()).unwrap_or_else(|error| {
            panic!(
                "kiln_sdk::testing: the body of event {} is not a {}: {error}",
                self.event_id,
                std::any::type_name::<T>()
            )
        })
    }
}

/// One event delivered to a consumer by [`EventsFake::deliver`], and what
/// the consumer answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// The event's id.
    pub event_id: String,
    /// Its job.
    pub job_id: JobId,
    /// The consumer's JSON result, or its error. An
    /// [`AppError::Retry`] puts the event back, due after the requested
    /// time with a `retryContext` (at most
    /// [`MAX_RETRIES`](crate::events::MAX_RETRIES) times; then the event
    /// fails, as on the host); any other error fails the event.
    pub outcome: Result<serde_json::Value, AppError>,
}

/// The fake events host of a [`Fake`](super::Fake).
pub struct EventsFake<'a> {
    state: &'a Shared,
}

impl<'a> EventsFake<'a> {
    pub(super) fn new(state: &'a Shared) -> Self {
        EventsFake { state }
    }

    /// The app's queues, as its manifest's `modules.consumer[].queue`: a push
    /// to, or a job of, any other queue is refused with
    /// [`EventsError::UnknownQueue`], as the host refuses it. Without this,
    /// every valid queue name is accepted.
    pub fn queues<I, S>(&self, queues: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.state.borrow_mut().events.queues = Some(queues.into_iter().map(Into::into).collect());
    }

    /// Fails the app's next events call with `error` (a rate limit, an
    /// unavailable host, the invocation limit, ...).
    pub fn fail_next(&self, error: EventsError) {
        self.state.borrow_mut().events.failures.push_back(error);
    }

    /// Every push the app made, in order.
    pub fn pushes(&self) -> Vec<Push> {
        self.state
            .borrow()
            .events
            .jobs
            .iter()
            .map(|job| Push {
                queue: job.queue.clone(),
                job_id: JobId::from(job.id.clone()),
                events: job.events.iter().map(|event| pushed(job, event)).collect(),
            })
            .collect()
    }

    /// Every event pushed to `queue`, in order.
    pub fn pushed(&self, queue: &str) -> Vec<PushedEvent> {
        self.pushes()
            .into_iter()
            .filter(|push| push.queue == queue)
            .flat_map(|push| push.events)
            .collect()
    }

    /// A job's stats, as the app's [`Job::stats`](crate::events::Job::stats)
    /// would answer.
    ///
    /// # Panics
    /// If no such job was pushed.
    pub fn stats(&self, job_id: &JobId) -> JobStats {
        let state = self.state.borrow();
        let job = state
            .events
            .jobs
            .iter()
            .find(|job| job.id == job_id.as_str())
            .unwrap_or_else(|| panic!("kiln_sdk::testing: no job {job_id} was pushed"));
        state
            .events
            .stats(&job.queue, &job.id)
            .expect("the job exists")
    }

    /// Delivers every event of `queue` that is due by the fake's clock
    /// ([`Fake::now`](super::Fake::now); delays and retries make events wait,
    /// [`Fake::advance`](super::Fake::advance) moves it) to `consumer`, in
    /// the order pushed, as the host would: the payload is the JSON of a
    /// [`QueueEvent`] (with `retryContext` on a retry), parsed into the
    /// consumer's input type as a handler's payload is, and the context is
    /// [`testing::context`](super::context) with trigger
    /// [`TriggerKind::QueueEvent`]. Events the consumer pushes wait for the
    /// next call.
    ///
    /// `consumer` is the consumer handler itself (`label_issue`), or a
    /// closure.
    pub fn deliver<I, O, E, F>(&self, queue: &str, consumer: F) -> Vec<Delivery>
    where
        I: DeserializeOwned,
        O: Serialize,
        AppError: From<E>,
        F: FnMut(I, &Context) -> Result<O, E>,
    {
        let mut context = super::context();
        context.trigger = TriggerKind::QueueEvent;
        self.deliver_with(queue, &context, consumer)
    }

    /// [`deliver`](Self::deliver) with the test's own context (a module key,
    /// an account, ...).
    pub fn deliver_with<I, O, E, F>(
        &self,
        queue: &str,
        context: &Context,
        mut consumer: F,
    ) -> Vec<Delivery>
    where
        I: DeserializeOwned,
        O: Serialize,
        AppError: From<E>,
        F: FnMut(I, &Context) -> Result<O, E>,
    {
        // Which events, decided before any runs; the state is not borrowed
        // while the consumer runs, since it calls the fakes.
        let due: Vec<(usize, usize, u32, String)> = {
            let state = self.state.borrow();
            let now = state.clock_ms;
            state
                .events
                .jobs
                .iter()
                .enumerate()
                .filter(|(_, job)| job.queue == queue)
                .flat_map(|(j, job)| {
                    job.events
                        .iter()
                        .enumerate()
                        .filter(move |(_, event)| {
                            event.status == Status::Waiting && event.due_at <= now
                        })
                        .map(move |(e, event)| (j, e, event.depth, payload(job, event)))
                })
                .collect()
        };
        let mut deliveries = Vec::with_capacity(due.len());
        for (j, e, depth, payload) in due {
            // The consumer runs as an invocation of its own: its pushes are
            // one deeper, and counted apart from the test's.
            let outer = std::mem::replace(
                &mut self.state.borrow_mut().events.invocation,
                InvocationState { depth, pushed: 0 },
            );
            let outcome = crate::__private::invoke(&payload, |input: I| consumer(input, context))
                .and_then(|json| {
                    serde_json::from_str(&json).map_err(|error| {
                        AppError::Failed(format!("the consumer's result is not JSON: {error}"))
                    })
                });
            let mut state = self.state.borrow_mut();
            state.events.invocation = outer;
            let now = state.clock_ms;
            let job = &mut state.events.jobs[j];
            let job_id = JobId::from(job.id.clone());
            let event = &mut job.events[e];
            match &outcome {
                Ok(_) => event.status = Status::Succeeded,
                // As the host: the first attempt and MAX_RETRIES more.
                Err(AppError::Retry(_))
                    if event.retry.as_ref().map_or(0, |r| r.retry_count) >= MAX_RETRIES =>
                {
                    event.status = Status::Failed;
                }
                Err(AppError::Retry(retry)) => {
                    let after = crate::seconds_rounded_up(retry.after);
                    event.due_at = now.saturating_add(after.max(1).saturating_mul(1000));
                    event.retry = Some(RetryContext {
                        retry_count: event.retry.as_ref().map_or(0, |r| r.retry_count) + 1,
                        retry_reason: retry.reason.clone(),
                        retry_data: retry.data.clone(),
                    });
                }
                Err(_) => event.status = Status::Failed,
            }
            deliveries.push(Delivery {
                event_id: event.id.clone(),
                job_id,
                outcome,
            });
        }
        deliveries
    }
}

fn pushed(job: &JobState, event: &EventState) -> PushedEvent {
    PushedEvent {
        queue: job.queue.clone(),
        job_id: JobId::from(job.id.clone()),
        event_id: event.id.clone(),
        body: serde_json::from_str(&event.body).expect("checked at push"),
        delay: Duration::from_secs(event.delay_seconds.into()),
    }
}

/// The JSON the host hands a consumer for `event`.
fn payload(job: &JobState, event: &EventState) -> String {
    let event = QueueEvent {
        body: serde_json::from_str::<serde_json::Value>(&event.body).expect("checked at push"),
        queue_name: job.queue.clone(),
        job_id: JobId::from(job.id.clone()),
        event_id: event.id.clone(),
        retry_context: event.retry.clone(),
    };
    serde_json::to_string(&event).expect("JSON values serialise")
}
