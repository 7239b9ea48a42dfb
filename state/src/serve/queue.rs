//! The persistent event queue's values and rules: limits, leases, retries.
//!
//! An accepted event is a row until it completes (deleted) or is discarded from the
//! dead-letter state by an operator. Life of an event:
//!
//! ```text
//! enqueue ─▶ ready ──claim──▶ leased ──complete──▶ (gone)
//!              ▲                │  │
//!              │  fail, retries │  └─ lease expires (claimer died) ─▶ claimable again
//!              └── left; backoff┘
//!                               └─ fail or expiry with no retries left ─▶ dead (listed)
//! ```
//!
//! - **Bounded**: a total depth and a per-installation depth count every stored event
//!   (ready, leased and dead), raised in the statement that checks them; a full queue is a
//!   typed [`QueueFull`] naming which bound, so the host can answer 429 with `Retry-After`.
//!   Dead letters count, so a failing app fills its own share and no more, until an operator
//!   discards them.
//! - **Claim** picks, among ready events (and leased events whose lease expired) of
//!   installations that are installed and not paused, from the installation served least
//!   recently, oldest event first — installations take turns, so one busy installation cannot
//!   starve the others — and skips apps already holding `max_leased_per_app` live leases.
//! - **Leases**: a claim sets `lease_expires_at`; an event whose claimer died is claimable
//!   again when that passes. Leases are short and the claimer **renews** its lease while it
//!   works (`renew`, a heartbeat well inside the lease), so a long invocation keeps its event
//!   and a dead claimer's event comes back within one lease. `attempts` counts claims and is
//!   the lease's fencing token: a claimer whose lease expired and whose event was claimed
//!   again cannot renew, complete or fail it.
//! - **Retries**: `fail` returns the event to ready after `backoff(attempt)`
//!   (`base × 2^(attempt-1)`, capped), until `max_attempts` claims; then it is dead. An expired
//!   lease counts as an attempt. `retry_later` is a consumer's own retry (Forge's
//!   `InvocationError`): the same, with the consumer's delay (bounded by `max_retry_after`)
//!   and its reason and data handed to the next claim.
//! - **Delays**: an event with `not_before` is stored ready but unavailable until then
//!   (`available_at`), so every claim path, which already waits for `available_at`, honours
//!   it without a rule of its own.
//! - **Jobs** (`job.rs`): an event may belong to a push's job, whose outcomes are counted in
//!   the same statement or transaction that decides them.

use std::time::Duration;

use super::job::{JobKey, RetryInfo};
use super::types::{InstallRecord, ModuleKey, UnixMillis};
use crate::installation::Installation;

/// The queue's explicit limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueLimits {
    pub max_total: u64,
    pub max_per_installation: u64,
    /// Largest payload, in bytes (a Jira webhook body with its changelog fits easily).
    pub max_payload_bytes: usize,
    pub max_attempts: u32,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// Live leases one app may hold at once (its concurrency limit).
    pub max_leased_per_app: u32,
    /// Longest delay a consumer's requested retry may ask for (`retry_later`); longer is
    /// cut to it. Bounds how long a retrying event holds its share of the queue between
    /// attempts (Forge allows 15 minutes).
    pub max_retry_after: Duration,
    /// Jobs one installation may have remembered at once (each kept for
    /// `ServeLimits::job_retention`). Bounds the job table against an app pushing without
    /// end: a push past it is refused with [`QueueBound::Jobs`], as a full queue is.
    pub max_jobs_per_installation: u64,
}

impl Default for QueueLimits {
    fn default() -> Self {
        Self {
            max_total: 100_000,
            max_per_installation: 10_000,
            max_payload_bytes: 1 << 20,
            max_attempts: 5,
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(300),
            max_leased_per_app: 8,
            max_retry_after: Duration::from_secs(15 * 60),
            max_jobs_per_installation: 100_000,
        }
    }
}

impl QueueLimits {
    /// Delay before the next attempt after `attempt` failed claims (1-based).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32
            .checked_shl(attempt.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.backoff_base
            .checked_mul(factor)
            .unwrap_or(self.backoff_max)
            .min(self.backoff_max)
    }
}

/// Which bound a refused enqueue hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueBound {
    Total,
    Installation,
    /// The installation's remembered jobs (`QueueLimits::max_jobs_per_installation`).
    Jobs,
}

/// The queue is full: nothing of the request was stored (and a delivery was not recorded,
/// so Jira's retry will be accepted later).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the event queue is full ({bound:?} limit {limit})")]
pub struct QueueFull {
    pub bound: QueueBound,
    pub limit: u64,
}

/// A queued event's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId(pub(crate) i64);

impl EventId {
    pub fn get(self) -> i64 {
        self.0
    }
}

/// An event to queue: which installation's which module, with what payload; optionally
/// not before a time, and as part of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub installation: Installation,
    pub module_key: ModuleKey,
    pub payload: Vec<u8>,
    /// No claim returns the event before this time (Forge's `delayInSeconds`; the host
    /// checks its bound, 900 s). `None`: at once.
    pub not_before: Option<UnixMillis>,
    /// The push this event belongs to; its outcome is counted in the job's stats.
    pub job: Option<JobKey>,
}

impl NewEvent {
    /// An event to run at once, in no job.
    pub fn new(installation: Installation, module_key: ModuleKey, payload: Vec<u8>) -> Self {
        Self {
            installation,
            module_key,
            payload,
            not_before: None,
            job: None,
        }
    }

    /// Not claimable before `at`.
    pub fn delayed_until(mut self, at: UnixMillis) -> Self {
        self.not_before = Some(at);
        self
    }

    /// Part of `job`.
    pub fn in_job(mut self, job: JobKey) -> Self {
        self.job = Some(job);
        self
    }
}

/// Proof of a claim: the event and the attempt that claimed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Lease {
    pub event: EventId,
    pub attempt: u32,
}

/// A claimed event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedEvent {
    pub lease: Lease,
    pub installation: Installation,
    /// The installation's record as the claim read it, in the same transaction: what the
    /// claimer checks its loaded code against (consent) without another read.
    pub record: InstallRecord,
    pub module_key: ModuleKey,
    pub payload: Vec<u8>,
    pub enqueued_at: UnixMillis,
    pub lease_expires_at: UnixMillis,
    /// The delay it was pushed with, if any (it is past now).
    pub not_before: Option<UnixMillis>,
    /// The job it belongs to.
    pub job: Option<JobKey>,
    /// `None` on the first attempt. On a later one, what the previous attempt left: the
    /// consumer's reason and data when it asked for the retry (`retry_later`), else
    /// [`super::job::HOST_RETRY_REASON`] and no data (it failed, or its claimer died).
    pub retry: Option<RetryInfo>,
}

/// What finishing a lease did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaseOutcome {
    Completed,
    /// Back to ready at this time.
    Retrying {
        at: UnixMillis,
    },
    Dead,
    /// The lease is no longer this caller's (it expired and the event was claimed again, or
    /// it finished already): nothing changed.
    LeaseLost,
}

/// What renewing a lease did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaseRenewal {
    /// Still this caller's, now until this time.
    Renewed { until: UnixMillis },
    /// No longer this caller's: claimed again by someone else (after the lease expired),
    /// finished, dead-lettered or removed by an uninstall. The caller must stop treating the
    /// event as its own; nothing changed.
    LeaseLost,
}

/// An event that failed for good: its retries are exhausted, or its job was cancelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    pub event: EventId,
    pub installation: Installation,
    pub module_key: ModuleKey,
    pub attempts: u32,
    pub last_error: String,
    pub enqueued_at: UnixMillis,
    /// The push it was part of (`None`: not part of a job, such as a webhook's event). Kept
    /// on the event since the push, so an operator can tell which of an app's jobs failed,
    /// and which failure a consumer's `getStats()` is counting.
    pub job: Option<JobKey>,
}

/// `text` cut to [`super::types::MAX_ERROR_BYTES`] at a character boundary.
pub(crate) fn bounded_error(text: &str) -> String {
    let mut end = text.len().min(super::types::MAX_ERROR_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let limits = QueueLimits::default();
        assert_eq!(limits.backoff(1), Duration::from_secs(1));
        assert_eq!(limits.backoff(3), Duration::from_secs(4));
        assert_eq!(limits.backoff(40), Duration::from_secs(300));
        assert_eq!(limits.backoff(u32::MAX), Duration::from_secs(300));
    }

    #[test]
    fn error_text_is_cut_on_a_character() {
        let text = "é".repeat(2000);
        let cut = bounded_error(&text);
        assert!(cut.len() <= super::super::types::MAX_ERROR_BYTES);
        assert!(text.starts_with(&cut));
    }
}
