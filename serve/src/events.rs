//! Where `runtime serve`'s apps push their async events: the persistent queue.
//!
//! A push is one job of [`kiln_state::ServeState`]'s queue: each event a row for the
//! queue's consumer module of the pushing installation, stored all together or not at all,
//! delayed by its `delayInSeconds`, and run by the queue workers like a product event
//! (`dispatch`). The runtime has already checked every rule of the push
//! ([`kiln_runtime::events`]); this file only stores it, and answers a job's stats and
//! cancellation from the same rows, always scoped by the asking installation.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use kiln_runtime::events::{EventSink, OutgoingPush, SinkError};
use kiln_state::Installation;
use kiln_state::serve::{JobKey, JobStats, ModuleKey, NewEvent, ServeError, ServeState};
use tokio::sync::Notify;

use crate::clock::Clock;

/// How long an app is told to wait when the queue is full: the queue drains at the pace
/// of its workers, and a push refused for depth is worth trying again only later.
const FULL_QUEUE_RETRY_AFTER_SECONDS: u32 = 30;

/// The queue, as apps' `events.push` sees it.
pub struct ServeEvents {
    state: ServeState,
    clock: Clock,
    /// Wakes an idle worker when an event may run at once.
    queued: Arc<Notify>,
    /// The key of the site this sink's runtime serves, as serve state names installations
    /// (the runtime names them by the site's storage name instead).
    site_key: String,
}

impl ServeEvents {
    pub fn new(state: ServeState, clock: Clock, queued: Arc<Notify>, site_key: String) -> Self {
        Self {
            state,
            clock,
            queued,
            site_key,
        }
    }

    /// The installation as serve state knows it: the runtime's app and environment, on
    /// this sink's site.
    fn installation(&self, runtime: &Installation) -> Result<Installation, SinkError> {
        Installation::new(
            runtime.app_id(),
            self.site_key.as_str(),
            runtime.environment(),
        )
        .map_err(|error| SinkError::Unavailable(error.to_string()))
    }
}

fn sink_error(error: ServeError) -> SinkError {
    match error {
        ServeError::QueueFull(_) => SinkError::Full {
            retry_after_seconds: FULL_QUEUE_RETRY_AFTER_SECONDS,
        },
        ServeError::PayloadTooLarge { max, .. } => {
            SinkError::Unavailable(format!("an event is larger than the queue's {max} bytes"))
        }
        ServeError::NotInstalled => {
            SinkError::Unavailable("the installation is not installed".into())
        }
        other => {
            tracing::warn!(error = %other, "the event queue failed");
            SinkError::Unavailable("the event queue failed".into())
        }
    }
}

#[async_trait]
impl EventSink for ServeEvents {
    async fn push(&self, push: OutgoingPush) -> Result<(), SinkError> {
        let consumer = ModuleKey::new(push.consumer)
            .map_err(|error| SinkError::Unavailable(error.to_string()))?;
        let job = JobKey {
            queue: push.queue,
            id: push.job,
        };
        let installation = self.installation(&push.installation)?;
        let now = self.clock.now();
        let mut runs_now = false;
        let events: Vec<NewEvent> = push
            .events
            .into_iter()
            .map(|event| {
                let new = NewEvent::new(
                    installation.clone(),
                    consumer.clone(),
                    event.stored.into_bytes(),
                )
                .in_job(job.clone());
                if event.delay > Duration::ZERO {
                    new.delayed_until(now.plus(event.delay))
                } else {
                    runs_now = true;
                    new
                }
            })
            .collect();
        self.state.enqueue(&events, now).await.map_err(sink_error)?;
        if runs_now {
            self.queued.notify_one();
        }
        Ok(())
    }

    async fn stats(
        &self,
        installation: &Installation,
        job: &JobKey,
    ) -> Result<Option<JobStats>, SinkError> {
        self.state
            .job_stats(&self.installation(installation)?, job)
            .await
            .map_err(sink_error)
    }

    async fn cancel(&self, installation: &Installation, job: &JobKey) -> Result<bool, SinkError> {
        let removed = self
            .state
            .cancel_job(&self.installation(installation)?, job)
            .await
            .map_err(sink_error)?;
        Ok(removed.is_some())
    }
}
