//! One invocation's request and byte budget, shared by every door out:
//! `request-jira` and egress draw on the same counters, so an app cannot
//! double its allowance by splitting traffic between them.
//!
//! Atomic because egress requests run on their own tasks (several in
//! flight at once) while `request-jira` runs on the guest's.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// The limits and what has been used of them.
#[derive(Debug)]
pub struct InvocationBudget {
    max_requests: u32,
    max_bytes: u64,
    requests: AtomicU32,
    bytes: AtomicU64,
}

/// Which limit a call ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetExceeded {
    Requests { limit: u32 },
    Bytes { limit: u64 },
}

impl InvocationBudget {
    pub fn new(max_requests: u32, max_bytes: u64) -> Self {
        Self {
            max_requests,
            max_bytes,
            requests: AtomicU32::new(0),
            bytes: AtomicU64::new(0),
        }
    }

    /// Counts one request (refused ones too: a refusal costs the host work).
    pub fn charge_request(&self) -> Result<(), BudgetExceeded> {
        let before = self
            .requests
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                Some(n.saturating_add(1))
            })
            .unwrap_or(u32::MAX);
        if before >= self.max_requests {
            return Err(BudgetExceeded::Requests {
                limit: self.max_requests,
            });
        }
        Ok(())
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

    /// Requests counted so far, by every door.
    pub fn requests(&self) -> u32 {
        self.requests.load(Ordering::Relaxed)
    }

    pub fn max_requests(&self) -> u32 {
        self.max_requests
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
        let budget = InvocationBudget::new(2, 10);
        assert_eq!(budget.charge_request(), Ok(()));
        assert_eq!(budget.charge_request(), Ok(()));
        assert_eq!(
            budget.charge_request(),
            Err(BudgetExceeded::Requests { limit: 2 })
        );
        assert_eq!(budget.requests(), 3);
        assert_eq!(budget.charge_bytes(10), Ok(()));
        assert_eq!(
            budget.charge_bytes(1),
            Err(BudgetExceeded::Bytes { limit: 10 })
        );
    }
}
