//! The server's one source of "now". Every time-dependent decision (leases, backoff, which
//! schedule interval is due, delivery retention) reads it, so a test can drive a scheduled
//! trigger through hours in a second by moving a [`Clock::Manual`] clock from the admin API.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use kiln_state::serve::UnixMillis;
use tokio::sync::Notify;

/// Wall time, or a clock only the operator moves (`--manual-clock`, for tests).
#[derive(Clone)]
pub enum Clock {
    System,
    Manual(Arc<ManualClock>),
}

/// A clock that stands still until [`ManualClock::set`] or [`ManualClock::advance`].
pub struct ManualClock {
    now: AtomicI64,
    changed: Notify,
}

impl Clock {
    pub fn manual(start: UnixMillis) -> Self {
        Clock::Manual(Arc::new(ManualClock {
            now: AtomicI64::new(start.0),
            changed: Notify::new(),
        }))
    }

    pub fn now(&self) -> UnixMillis {
        match self {
            Clock::System => UnixMillis::now(),
            Clock::Manual(clock) => UnixMillis(clock.now.load(Ordering::SeqCst)),
        }
    }

    /// This clock as app storage reads it (expiry, entry metadata): under a manual clock,
    /// values expire when the operator moves time, as leases and schedules do.
    pub fn for_storage(&self) -> kiln_state::storage::Clock {
        let clock = self.clone();
        Arc::new(move || clock.now())
    }

    pub fn is_manual(&self) -> bool {
        matches!(self, Clock::Manual(_))
    }

    /// Waits until `deadline` by this clock, or at most `cap` of real time (the caller looks
    /// again; a manual clock also wakes its waiters whenever it moves).
    pub async fn sleep_until(&self, deadline: UnixMillis, cap: Duration) {
        match self {
            Clock::System => {
                let wait =
                    u64::try_from(deadline.0.saturating_sub(UnixMillis::now().0)).unwrap_or(0);
                tokio::time::sleep(Duration::from_millis(wait).min(cap)).await;
            }
            Clock::Manual(clock) => {
                let changed = clock.changed.notified();
                if clock.now.load(Ordering::SeqCst) >= deadline.0 {
                    return;
                }
                let _ = tokio::time::timeout(cap, changed).await;
            }
        }
    }
}

impl ManualClock {
    pub fn set(&self, to: UnixMillis) {
        self.now.store(to.0, Ordering::SeqCst);
        self.changed.notify_waiters();
    }

    pub fn advance(&self, by: Duration) -> UnixMillis {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        let now = self.now.fetch_add(ms, Ordering::SeqCst).saturating_add(ms);
        self.changed.notify_waiters();
        UnixMillis(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_manual_clock_moves_only_when_told_and_wakes_sleepers() {
        let clock = Clock::manual(UnixMillis(1_000));
        assert_eq!(clock.now(), UnixMillis(1_000));
        let Clock::Manual(handle) = clock.clone() else {
            unreachable!()
        };
        let sleeper = {
            let clock = clock.clone();
            tokio::spawn(async move {
                clock
                    .sleep_until(UnixMillis(5_000), Duration::from_secs(30))
                    .await
            })
        };
        tokio::task::yield_now().await;
        handle.advance(Duration::from_secs(4));
        tokio::time::timeout(Duration::from_secs(5), sleeper)
            .await
            .expect("woken by the move")
            .expect("joined");
        assert_eq!(clock.now(), UnixMillis(5_000));
    }
}
