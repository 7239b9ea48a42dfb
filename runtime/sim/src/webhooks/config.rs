//! How the simulator delivers webhooks.

use std::time::Duration;

/// Which hosts webhook deliveries may go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WebhookTargets {
    /// Only `localhost` and loopback IP literals (`127.0.0.0/8`, `::1`), connected to
    /// without DNS. The default: anyone with a token can register a webhook URL, and
    /// the simulator must not become a way to make requests to other machines.
    #[default]
    LoopbackOnly,
    /// Any `http`/`https` URL. For a simulator deliberately reachable from, and
    /// delivering to, other machines; never needed for local development.
    Any,
}

/// Delivery settings; `Default` is Jira's retry policy with the simulator's timings.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    pub targets: WebhookTargets,
    /// Retries after the first attempt. Jira Cloud retries a failed delivery up to
    /// five times.
    pub max_retries: u32,
    /// Wait before the first retry; each later retry waits twice as long as the one
    /// before. Jira waits minutes; the simulator seconds, and tests milliseconds.
    pub first_retry_after: Duration,
    /// How long one attempt may take, connection included.
    pub attempt_timeout: Duration,
    /// Deliveries waiting per destination before new ones go straight to the failed
    /// list, so a receiver that never answers cannot grow the simulator's memory.
    pub queue_capacity: usize,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            targets: WebhookTargets::LoopbackOnly,
            max_retries: 5,
            first_retry_after: Duration::from_secs(1),
            attempt_timeout: Duration::from_secs(10),
            queue_capacity: 1000,
        }
    }
}
