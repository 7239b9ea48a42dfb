//! `runtime run`'s queue: pushed events wait in this process, and
//! [`LocalQueue::deliver`] runs each of them on its consumer once the
//! invoked function has returned, as `runtime serve` would later.
//!
//! What differs from `runtime serve`, on purpose, for a developer's loop:
//! delays and retry waits are not waited for (the event runs at once; the
//! delivery line says it was due later), and nothing outlives the process.
//! What is the same: the envelope, the consumer's payload, the retry
//! context, the attempt bound and the chain bound.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;

use super::{
    Envelope, EventOutcome, EventSink, JobKey, JobStats, OutgoingPush, RetryContext, SinkError,
};
use crate::invoke::{Invocation, Invoked, PayloadSource, Trigger};
use crate::runtime::LoadedApp;

/// Claims of one event, as `runtime serve`'s queue allows by default: the
/// first attempt and four retries (Forge retries an event up to four times).
pub const MAX_ATTEMPTS: u32 = 5;

/// Deliveries one `runtime run` makes at most, whatever the consumers push:
/// a bound on the work a run does after the function returns.
pub const MAX_DELIVERIES: usize = 1_000;

#[derive(Debug)]
struct Pending {
    installation: kiln_state::Installation,
    job: JobKey,
    consumer: String,
    stored: String,
    delay: Duration,
    attempt: u32,
    retry: Option<RetryContext>,
}

#[derive(Default)]
struct Inner {
    pending: VecDeque<Pending>,
    /// By installation (its storage id) and job.
    jobs: BTreeMap<JobCounts, JobStats>,
}

/// An in-process queue (see the module docs).
#[derive(Default)]
pub struct LocalQueue {
    inner: Mutex<Inner>,
}

/// One delivery, for the caller to report.
#[derive(Debug)]
pub struct Delivery {
    pub queue: String,
    pub consumer: String,
    pub event_id: String,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// The delay (or retry wait) that was not waited for.
    pub skipped_wait: Duration,
    pub outcome: DeliveryOutcome,
}

/// What a delivery came to.
#[derive(Debug)]
pub enum DeliveryOutcome {
    /// The consumer ran: its answer (a retry request or failure included).
    Ran(Box<Invoked>),
    /// The consumer did not run (a damaged envelope, a refused payload).
    NotRun(String),
}

/// Where a job's counts are kept: its installation's storage id and its key.
type JobCounts = (String, JobKey);

fn job_counts(installation: &kiln_state::Installation, job: &JobKey) -> JobCounts {
    (crate::storage::installation_id(installation), job.clone())
}

impl LocalQueue {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A poisoned lock means a panic elsewhere while holding it; the
        // queue's data is plain values, still consistent.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Events waiting.
    pub fn len(&self) -> usize {
        self.lock().pending.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Runs waiting events on `app`'s consumers, oldest first, until none is
    /// left or [`MAX_DELIVERIES`] ran; `report` sees each delivery. An event
    /// to run again ([`EventOutcome`]) goes back to the end of the queue with
    /// its retry context, until [`MAX_ATTEMPTS`].
    pub async fn deliver(
        &self,
        app: &LoadedApp,
        environment: &str,
        mut report: impl FnMut(Delivery),
    ) -> usize {
        let mut delivered = 0;
        while delivered < MAX_DELIVERIES {
            let Some(event) = self.lock().pending.pop_front() else {
                break;
            };
            delivered += 1;
            let delivery = self.run_one(app, environment, event).await;
            report(delivery);
        }
        delivered
    }

    async fn run_one(&self, app: &LoadedApp, environment: &str, event: Pending) -> Delivery {
        let mut delivery = Delivery {
            queue: event.job.queue.as_str().to_owned(),
            consumer: event.consumer.clone(),
            event_id: String::new(),
            attempt: event.attempt,
            skipped_wait: event.delay,
            outcome: DeliveryOutcome::NotRun(String::new()),
        };
        let counts_key = job_counts(&event.installation, &event.job);
        let envelope = match Envelope::from_stored(event.stored.as_bytes()) {
            Ok(envelope) => envelope,
            Err(error) => {
                self.count(&counts_key, |c| c.failed += 1);
                delivery.outcome = DeliveryOutcome::NotRun(error.to_string());
                return delivery;
            }
        };
        delivery.event_id = envelope.event_id.clone();
        let target = app.consumer_target(&event.consumer);
        let payload = target.as_ref().map_err(Clone::clone).and_then(|target| {
            envelope
                .consumer_payload(event.retry.as_ref(), target.resolver_method.as_deref())
                .map_err(|error| error.to_string())
        });
        let (function, payload) = match (target, payload) {
            (Ok(target), Ok(payload)) => (target.function, payload),
            (Err(why), _) | (_, Err(why)) => {
                self.count(&counts_key, |c| c.failed += 1);
                delivery.outcome = DeliveryOutcome::NotRun(why);
                return delivery;
            }
        };
        let invocation = Invocation {
            function_key: Some(function),
            payload,
            payload_source: PayloadSource::Text,
            trigger: Trigger::QueueEvent,
            environment: environment.to_owned(),
            chain_depth: envelope.depth,
            ..Invocation::default()
        };
        let invoked = match app.invoke(invocation).await {
            Ok(invoked) => invoked,
            Err(error) => {
                self.count(&counts_key, |c| c.failed += 1);
                delivery.outcome = DeliveryOutcome::NotRun(error.to_string());
                return delivery;
            }
        };
        let finished = |c: &mut JobStats| c.in_progress = c.in_progress.saturating_sub(1);
        match EventOutcome::of(&invoked.result) {
            EventOutcome::Done => self.count(&counts_key, |c| {
                c.success += 1;
                finished(c);
            }),
            EventOutcome::Failed => self.count(&counts_key, |c| {
                c.failed += 1;
                finished(c);
            }),
            EventOutcome::Retry { .. } if event.attempt >= MAX_ATTEMPTS => {
                self.count(&counts_key, |c| {
                    c.failed += 1;
                    finished(c);
                })
            }
            EventOutcome::Retry {
                after,
                reason,
                data,
            } => {
                let mut inner = self.lock();
                inner.pending.push_back(Pending {
                    attempt: event.attempt + 1,
                    delay: after.unwrap_or_default(),
                    retry: Some(RetryContext {
                        retry_count: event.attempt,
                        reason,
                        data,
                    }),
                    ..event
                });
            }
        }
        delivery.outcome = DeliveryOutcome::Ran(Box::new(invoked));
        delivery
    }

    fn count(&self, key: &JobCounts, change: impl FnOnce(&mut JobStats)) {
        if let Some(counts) = self.lock().jobs.get_mut(key) {
            change(counts);
        }
    }
}

#[async_trait]
impl EventSink for LocalQueue {
    async fn push(&self, push: OutgoingPush) -> Result<(), SinkError> {
        let mut inner = self.lock();
        let job = JobKey {
            queue: push.queue,
            id: push.job,
        };
        inner.jobs.insert(
            job_counts(&push.installation, &job),
            JobStats {
                in_progress: push.events.len() as u64,
                ..JobStats::default()
            },
        );
        for event in push.events {
            inner.pending.push_back(Pending {
                installation: push.installation.clone(),
                job: job.clone(),
                consumer: push.consumer.clone(),
                stored: event.stored,
                delay: event.delay,
                attempt: 1,
                retry: None,
            });
        }
        Ok(())
    }

    async fn stats(
        &self,
        installation: &kiln_state::Installation,
        job: &JobKey,
    ) -> Result<Option<JobStats>, SinkError> {
        Ok(self
            .lock()
            .jobs
            .get(&job_counts(installation, job))
            .copied())
    }

    async fn cancel(
        &self,
        installation: &kiln_state::Installation,
        job: &JobKey,
    ) -> Result<bool, SinkError> {
        let key = job_counts(installation, job);
        let mut inner = self.lock();
        if !inner.jobs.contains_key(&key) {
            return Ok(false);
        }
        let before = inner.pending.len();
        inner
            .pending
            .retain(|event| job_counts(&event.installation, &event.job) != key);
        let removed = (before - inner.pending.len()) as u64;
        if let Some(counts) = inner.jobs.get_mut(&key) {
            counts.in_progress = counts.in_progress.saturating_sub(removed);
        }
        Ok(true)
    }
}
