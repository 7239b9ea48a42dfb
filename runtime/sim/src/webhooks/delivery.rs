//! Sending deliveries: in the background, in order per destination, with Jira's
//! retry policy, and remembering what finally failed for `GET /rest/api/3/webhook/failed`.

use std::collections::{HashMap, VecDeque};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use tokio::sync::{mpsc, watch};
use url::Url;

use super::bearer::{AppKey, bearer_authorization};
use super::config::WebhookConfig;
use super::event::millis;
use super::signature::signature_header;
use crate::clock::SimClock;
use crate::error::SimError;
use crate::shared::lock;

/// Failures kept for the failed-webhooks list; Jira keeps them 72 hours, the
/// simulator the most recent ones.
const MAX_FAILED: usize = 1000;
const USER_AGENT: &str = "Atlassian Webhook HTTP Client";

/// One webhook delivery: the same identifier and body on every attempt.
#[derive(Debug, Clone)]
pub(crate) struct Delivery {
    /// `X-Atlassian-Webhook-Identifier`: unique per delivery, repeated on retries
    /// so a receiver can deduplicate.
    pub(crate) id: String,
    pub(crate) url: Url,
    pub(crate) body: Arc<[u8]>,
    pub(crate) secret: Option<String>,
    pub(crate) app: Option<String>,
    /// A dynamic webhook's app: each attempt carries a bearer JWT signed with its secret.
    pub(crate) app_key: Option<AppKey>,
    /// The site's cloud id, the token's issuer.
    pub(crate) cloud_id: Arc<str>,
}

/// A delivery that ran out of retries, as `FailedWebhook` describes it.
#[derive(Debug, Clone)]
pub(crate) struct FailedDelivery {
    pub(crate) id: String,
    pub(crate) url: String,
    pub(crate) body: String,
    /// Milliseconds since the epoch.
    pub(crate) failure_time: i64,
    pub(crate) app: Option<String>,
}

struct Inner {
    config: WebhookConfig,
    client: reqwest::Client,
    failed: Mutex<VecDeque<FailedDelivery>>,
    clock: SimClock,
    shutdown: watch::Receiver<bool>,
}

pub(crate) struct Deliveries {
    inner: Arc<Inner>,
    /// Workers run on the runtime the simulator started on, whatever thread a
    /// write comes from.
    runtime: tokio::runtime::Handle,
    /// One queue and one worker per destination URL: a receiver sees deliveries in
    /// the order the writes happened, retries included (a retried delivery holds
    /// back the ones behind it, as ordering requires).
    queues: Mutex<HashMap<String, mpsc::Sender<Delivery>>>,
}

impl Deliveries {
    /// An HTTP client that goes nowhere on its own: no proxy from the environment,
    /// no redirects (a 3xx is a failed delivery), `localhost` pinned to 127.0.0.1
    /// so no resolver is consulted for loopback deliveries.
    pub(crate) fn new(
        config: WebhookConfig,
        clock: SimClock,
        shutdown: watch::Receiver<bool>,
    ) -> Result<Self, SimError> {
        let client = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.attempt_timeout)
            .resolve("localhost", SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .user_agent(USER_AGENT)
            .build()
            .map_err(|e| SimError::WebhookClient(e.to_string()))?;
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|e| SimError::WebhookClient(e.to_string()))?;
        Ok(Self {
            runtime,
            inner: Arc::new(Inner {
                config,
                client,
                failed: Mutex::new(VecDeque::new()),
                clock,
                shutdown,
            }),
            queues: Mutex::new(HashMap::new()),
        })
    }

    pub(crate) fn config(&self) -> &WebhookConfig {
        &self.inner.config
    }

    /// Queues a delivery without waiting. Called with the world locked, so queue
    /// order is write order. A full queue (a receiver that stopped answering) sends
    /// the delivery straight to the failed list rather than growing memory.
    pub(crate) fn enqueue(&self, delivery: Delivery) {
        let mut queues = lock(&self.queues);
        let key = delivery.url.as_str().to_owned();
        let sender = queues.entry(key).or_insert_with(|| {
            let (tx, rx) = mpsc::channel(self.inner.config.queue_capacity.max(1));
            self.runtime.spawn(worker(Arc::clone(&self.inner), rx));
            tx
        });
        if let Err(error) = sender.try_send(delivery) {
            let delivery = match error {
                mpsc::error::TrySendError::Full(d) | mpsc::error::TrySendError::Closed(d) => d,
            };
            tracing::warn!(url = %delivery.url, "webhook queue full; delivery recorded as failed");
            self.inner.record_failure(&delivery);
        }
    }

    /// The failures recorded for `app`, oldest first, after `after` (ms).
    pub(crate) fn failed(&self, app: &str, after: Option<i64>) -> Vec<FailedDelivery> {
        lock(&self.inner.failed)
            .iter()
            .filter(|f| f.app.as_deref() == Some(app))
            .filter(|f| after.is_none_or(|a| f.failure_time > a))
            .cloned()
            .collect()
    }
}

impl Inner {
    fn record_failure(&self, delivery: &Delivery) {
        let mut failed = lock(&self.failed);
        if failed.len() == MAX_FAILED {
            failed.pop_front();
        }
        failed.push_back(FailedDelivery {
            id: delivery.id.clone(),
            url: delivery.url.to_string(),
            body: String::from_utf8_lossy(&delivery.body).into_owned(),
            failure_time: millis(self.clock.now_utc()),
            app: delivery.app.clone(),
        });
    }

    /// The wait before retry `n` (1-based): the first wait, doubled each time.
    fn backoff(&self, retry: u32) -> Duration {
        let factor = 1u32
            .checked_shl(retry.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.config.first_retry_after.saturating_mul(factor)
    }
}

async fn worker(inner: Arc<Inner>, mut queue: mpsc::Receiver<Delivery>) {
    let mut shutdown = inner.shutdown.clone();
    loop {
        let delivery = tokio::select! {
            next = queue.recv() => match next {
                Some(d) => d,
                None => return,
            },
            _ = shutdown.wait_for(|stopped| *stopped) => return,
        };
        deliver(&inner, &delivery, &mut shutdown).await;
    }
}

/// Jira Cloud retries when the receiver answers 408, 409, 425, 429 or 5xx, or the
/// connection fails or times out; any other answer is final.
fn retryable(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 409 | 425 | 429) || status.is_server_error()
}

async fn deliver(inner: &Inner, delivery: &Delivery, shutdown: &mut watch::Receiver<bool>) {
    let signature = delivery
        .secret
        .as_ref()
        .map(|s| signature_header(s.as_bytes(), &delivery.body));
    for attempt in 0..=inner.config.max_retries {
        if attempt > 0 {
            let wait = tokio::time::sleep(inner.backoff(attempt));
            tokio::select! {
                () = wait => {}
                _ = shutdown.wait_for(|stopped| *stopped) => return,
            }
        }
        let mut request = inner
            .client
            .post(delivery.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("X-Atlassian-Webhook-Identifier", &delivery.id)
            .body(delivery.body.to_vec());
        if attempt > 0 {
            request = request.header("X-Atlassian-Webhook-Retry", attempt.to_string());
        }
        if let Some(signature) = &signature {
            request = request.header("X-Hub-Signature", signature);
        }
        if let Some(key) = &delivery.app_key {
            // Made for each attempt: a retry after backoff carries a token still valid.
            let authorization = bearer_authorization(
                key.client_secret.as_bytes(),
                &key.client_id,
                &delivery.cloud_id,
                inner.clock.now_utc().unix_timestamp(),
            );
            request = request.header(reqwest::header::AUTHORIZATION, authorization);
        }
        match request.send().await {
            Ok(response) if response.status().is_success() => return,
            Ok(response) if !retryable(response.status()) => {
                tracing::info!(url = %delivery.url, status = %response.status(), "webhook refused by its receiver");
                break;
            }
            Ok(response) => {
                tracing::debug!(url = %delivery.url, status = %response.status(), attempt, "webhook delivery will be retried");
            }
            Err(error) => {
                tracing::debug!(url = %delivery.url, %error, attempt, "webhook delivery failed");
            }
        }
    }
    inner.record_failure(delivery);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_follow_jiras_documented_statuses() {
        for code in [408, 409, 425, 429, 500, 502, 503, 599] {
            assert!(retryable(StatusCode::from_u16(code).unwrap()), "{code}");
        }
        for code in [300, 301, 400, 401, 403, 404, 410, 422] {
            assert!(!retryable(StatusCode::from_u16(code).unwrap()), "{code}");
        }
    }
}
