//! What every part of a running server shares.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use kiln_state::ServeState;
use secrecy::SecretString;
use tokio::sync::{Notify, Semaphore, watch};

use crate::admission::Admission;
use crate::clock::Clock;
use crate::config::LimitsConfig;
use crate::host::Host;
use crate::loop_guard::LoopGuard;
use crate::metrics::Metrics;

pub struct Shared {
    pub host: Host,
    pub state: ServeState,
    pub clock: Clock,
    pub metrics: Arc<Metrics>,
    pub limits: LimitsConfig,
    pub admission: Admission,
    pub loop_guard: LoopGuard,
    /// Wakes idle queue workers when something was queued (shared with the runtime's
    /// event sink, `events::ServeEvents`, which queues apps' pushes).
    pub queued: Arc<Notify>,
    /// Held by the one idle queue worker that polls (see `dispatch::worker`).
    pub idle_poller: tokio::sync::Mutex<()>,
    /// One permit per event this replica may run at once (`limits.workers`), taken by the
    /// queue workers and by the webhook fast path (see `dispatch`).
    pub run_slots: Arc<Semaphore>,
    /// Wakes the dynamic webhook registrars when installations changed here.
    pub webhooks_changed: Notify,
    /// Set by SIGTERM: stop taking work.
    draining: AtomicBool,
    /// Base of printed URLs, without a trailing slash.
    pub public_url: String,
    pub admin_token: Option<SecretString>,
    /// Turns true at shutdown; every background task subscribes.
    pub stop: watch::Sender<bool>,
    /// Web trigger ids resolved in the last second (see its module for what may be stale).
    pub web_triggers: crate::web_trigger::cache::ResolvedCache,
}

impl Shared {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        host: Host,
        state: ServeState,
        clock: Clock,
        metrics: Arc<Metrics>,
        limits: LimitsConfig,
        public_url: String,
        admin_token: Option<SecretString>,
        queued: Arc<Notify>,
    ) -> Self {
        Self {
            host,
            state,
            clock,
            metrics,
            admission: Admission::new(
                limits.web_concurrency_per_app,
                limits.web_max_waiting,
                limits.client_timeout(),
            ),
            run_slots: Arc::new(Semaphore::new(limits.workers)),
            limits,
            loop_guard: LoopGuard::default(),
            queued,
            idle_poller: tokio::sync::Mutex::new(()),
            webhooks_changed: Notify::new(),
            draining: AtomicBool::new(false),
            public_url,
            admin_token,
            stop: watch::Sender::new(false),
            web_triggers: Default::default(),
        }
    }

    pub fn draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::SeqCst);
        self.queued.notify_waiters();
    }

    pub fn web_trigger_url(&self, id: &str) -> String {
        format!("{}/x1/{id}", self.public_url)
    }

    pub fn webhook_url(&self, site: &str) -> String {
        format!("{}/webhooks/jira/{site}", self.public_url)
    }
}
