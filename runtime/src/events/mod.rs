//! Forge's async events (`@forge/events`, `kiln:app@0.4.0`'s `events`): an
//! app pushes events to one of its own queues, and the queue's `consumer`
//! module runs each of them later, in an invocation of its own.
//!
//! The host owns everything but the event's body:
//! - **which queues exist**: a queue is a `consumer` module's `queue` in the
//!   app's manifest ([`Queues`]); a push to any other name is refused, so an
//!   app reaches only its own consumers and only in its own installation;
//! - **the envelope** ([`envelope`]): queue, job and event ids, and how deep
//!   in a chain of pushes the event is, written by the host and read back
//!   only by the host; the consumer sees Forge's event shape built from it;
//! - **the limits** ([`EventLimits`]): Forge's per-push limits, a bound on
//!   chains of consumers pushing to consumers, and a per-invocation budget;
//! - **where events go** ([`EventSink`]): `runtime serve`'s persistent queue,
//!   or `runtime run`'s in-process one ([`local::LocalQueue`]).

pub mod envelope;
pub mod local;
mod names;
pub mod outcome;
mod session;

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;

pub use envelope::{Envelope, EnvelopeError, RetryContext};
pub use kiln_state::serve::{JobId, JobKey, JobStats, QueueName};
pub use names::{JobIdError, event_id, generate_job_id};
pub use outcome::EventOutcome;
pub use session::EventsSession;

/// Forge's per-push and Kiln's per-chain limits, each with the threat it
/// bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventLimits {
    /// Events in one push (Forge: 50). A push is stored in one transaction;
    /// the bound keeps that transaction small.
    pub max_events_per_push: usize,
    /// Bytes of every body of one push together (Forge: 200 KB). Bodies are
    /// stored until consumed, so the bound is on what one call can park.
    pub max_push_bytes: usize,
    /// Longest delay before delivery (Forge: 900 s). A delayed event counts
    /// against the queue's depth while it waits.
    pub max_delay: Duration,
    /// How many consumers deep a chain of pushes may go: an event pushed by
    /// a consumer is one deeper than the consumer's own. Without a bound, a
    /// consumer pushing to its own queue runs forever (Forge answers such
    /// chains with `InvocationLimitReachedError`).
    pub max_chain_depth: u32,
    /// Events one invocation may push in all its pushes: a loop of small
    /// pushes is bounded as one large push is.
    pub max_events_per_invocation: usize,
}

impl Default for EventLimits {
    fn default() -> Self {
        Self {
            max_events_per_push: 50,
            max_push_bytes: 200 * 1024,
            max_delay: Duration::from_secs(900),
            max_chain_depth: 16,
            max_events_per_invocation: 500,
        }
    }
}

/// The queues an app's manifest declares: each queue's consumer module.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Queues {
    consumers: BTreeMap<String, String>,
}

impl Queues {
    /// The manifest's `consumer` modules. Two consumers of one queue are
    /// refused by the manifest's rules; were they not, the first one wins.
    pub fn of_manifest(manifest: &kiln_manifest::Manifest) -> Self {
        let mut consumers = BTreeMap::new();
        for consumer in manifest.consumers() {
            consumers
                .entry(consumer.queue.clone())
                .or_insert_with(|| consumer.key.clone());
        }
        Self { consumers }
    }

    /// The consumer module of `queue`, if the app declares one.
    pub fn consumer(&self, queue: &QueueName) -> Option<&str> {
        self.consumers.get(queue.as_str()).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.consumers.is_empty()
    }
}

/// One event on its way to a sink: the host's envelope, and when it may
/// run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEvent {
    /// The envelope as stored ([`Envelope::to_stored`]).
    pub stored: String,
    pub delay: Duration,
}

/// A push, as the session hands it to a sink once every rule passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingPush {
    pub installation: kiln_state::Installation,
    pub queue: QueueName,
    pub job: JobId,
    /// The consumer module that will run each event.
    pub consumer: String,
    pub events: Vec<OutgoingEvent>,
}

/// Why a sink did not take a push or answer a question. Never carries a
/// body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SinkError {
    /// The queue is full for now; try again after this many seconds.
    #[error("the event queue is full; try again in {retry_after_seconds}s")]
    Full { retry_after_seconds: u32 },
    /// The sink failed; the text says how, without data.
    #[error("{0}")]
    Unavailable(String),
}

/// Where pushed events go. Every call names the installation: a sink never
/// answers about another installation's jobs.
#[async_trait]
pub trait EventSink: Send + Sync + 'static {
    /// Stores every event of `push`, or none.
    async fn push(&self, push: OutgoingPush) -> Result<(), SinkError>;
    /// `None`: no such job of this installation's queue.
    async fn stats(
        &self,
        installation: &kiln_state::Installation,
        job: &JobKey,
    ) -> Result<Option<JobStats>, SinkError>;
    /// Removes the job's events that have not started; `false`: no such job.
    async fn cancel(
        &self,
        installation: &kiln_state::Installation,
        job: &JobKey,
    ) -> Result<bool, SinkError>;
}
