//! One invocation's request and byte budget, shared by every door out.
//!
//! Requests are counted per door, as Forge counts them: `request-jira` calls
//! against the manifest's `maxRequests` (Forge sets no per-invocation limit on
//! `requestJira`, so Kiln's is an explicit, generous one), egress requests
//! against Forge's network limit (100 per runtime minute of the invocation's
//! timeout, rounded up: [`egress_requests_for`]). Bytes are counted across
//! both doors together, so an app cannot double its transfer allowance by
//! splitting traffic between them.
//!
//! Atomic because egress requests run on their own tasks (several in
//! flight at once) while `request-jira` runs on the guest's.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

/// Forge's network requests per runtime minute of an invocation ("Invocation
/// limits": 100 per minute of the function's timeout, rounded up, not
/// counting `requestJira`). Threat: an app used as a request amplifier
/// against third-party hosts.
pub const EGRESS_REQUESTS_PER_MINUTE: u32 = 100;

/// The egress requests an invocation with `timeout` may make: 100 per
/// started minute (25 s or 55 s: 100; 900 s: 1,500).
pub fn egress_requests_for(timeout: Duration) -> u32 {
    let minutes = timeout.as_secs().div_ceil(60).max(1);
    u32::try_from(minutes)
        .unwrap_or(u32::MAX)
        .saturating_mul(EGRESS_REQUESTS_PER_MINUTE)
}

/// The limits and what has been used of them.
#[derive(Debug)]
pub struct InvocationBudget {
    max_jira_requests: u32,
    max_egress_requests: u32,
    max_bytes: u64,
    jira_requests: AtomicU32,
    egress_requests: AtomicU32,
    bytes: AtomicU64,
}

/// Which limit a call ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetExceeded {
    JiraRequests { limit: u32 },
    EgressRequests { limit: u32 },
    Bytes { limit: u64 },
}

/// Counts one more against `max`, refusing past it (a refused call is still
/// counted: a refusal costs the host work too).
fn charge(counter: &AtomicU32, max: u32) -> bool {
    let before = counter
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
            Some(n.saturating_add(1))
        })
        .unwrap_or(u32::MAX);
    before < max
}

impl InvocationBudget {
    pub fn new(max_jira_requests: u32, max_egress_requests: u32, max_bytes: u64) -> Self {
        Self {
            max_jira_requests,
            max_egress_requests,
            max_bytes,
            jira_requests: AtomicU32::new(0),
            egress_requests: AtomicU32::new(0),
            bytes: AtomicU64::new(0),
        }
    }

    /// Counts one `request-jira` call (refused ones too).
    pub fn charge_jira_request(&self) -> Result<(), BudgetExceeded> {
        if charge(&self.jira_requests, self.max_jira_requests) {
            Ok(())
        } else {
            Err(BudgetExceeded::JiraRequests {
                limit: self.max_jira_requests,
            })
        }
    }

    /// Counts one egress request (refused ones too).
    pub fn charge_egress_request(&self) -> Result<(), BudgetExceeded> {
        if charge(&self.egress_requests, self.max_egress_requests) {
            Ok(())
        } else {
            Err(BudgetExceeded::EgressRequests {
                limit: self.max_egress_requests,
            })
        }
    }

    /// Counts `n` bytes sent or received.
    pub fn charge_bytes(&self, n: u64) -> Result<(), BudgetExceeded> {
        let before = self
            .bytes
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| {
                Some(b.saturating_add(n))
            })
            .unwrap_or(u64::MAX);
        if before.saturating_add(n) > self.max_bytes {
            return Err(BudgetExceeded::Bytes {
                limit: self.max_bytes,
            });
        }
        Ok(())
    }

    /// Requests counted so far, by both doors.
    pub fn requests(&self) -> u32 {
        self.jira_requests
            .load(Ordering::Relaxed)
            .saturating_add(self.egress_requests.load(Ordering::Relaxed))
    }

    pub fn max_jira_requests(&self) -> u32 {
        self.max_jira_requests
    }

    pub fn max_egress_requests(&self) -> u32 {
        self.max_egress_requests
    }

    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_refuses_past_its_limits() {
        let budget = InvocationBudget::new(2, 1, 10);
        assert_eq!(budget.charge_jira_request(), Ok(()));
        assert_eq!(budget.charge_jira_request(), Ok(()));
        assert_eq!(
            budget.charge_jira_request(),
            Err(BudgetExceeded::JiraRequests { limit: 2 })
        );
        // Each door has its own count: request-jira's use leaves egress its own.
        assert_eq!(budget.charge_egress_request(), Ok(()));
        assert_eq!(
            budget.charge_egress_request(),
            Err(BudgetExceeded::EgressRequests { limit: 1 })
        );
        assert_eq!(budget.requests(), 5);
        // Bytes are one allowance for both.
        assert_eq!(budget.charge_bytes(10), Ok(()));
        assert_eq!(
            budget.charge_bytes(1),
            Err(BudgetExceeded::Bytes { limit: 10 })
        );
    }

    #[test]
    fn egress_requests_follow_forges_per_runtime_minute_limit() {
        for (seconds, requests) in [
            (1, 100),
            (25, 100),
            (55, 100),
            (60, 100),
            (61, 200),
            (900, 1500),
        ] {
            assert_eq!(
                egress_requests_for(Duration::from_secs(seconds)),
                requests,
                "{seconds} s"
            );
        }
    }
}
