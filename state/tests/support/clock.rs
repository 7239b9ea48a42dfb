//! A clock the tests move by hand: what `AppStorage::with_clock` is for. Expiry is then
//! tested at exact instants, on every backend, without sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use kiln_state::storage::{Clock, UnixMillis};

/// Starts at a fixed instant (2023-11-14T22:13:20Z), so metadata compares equal across
/// backends and runs.
pub const START: UnixMillis = UnixMillis(1_700_000_000_000);

#[derive(Clone)]
pub struct TestClock(Arc<AtomicI64>);

impl Default for TestClock {
    fn default() -> Self {
        Self(Arc::new(AtomicI64::new(START.0)))
    }
}

impl TestClock {
    pub fn now(&self) -> UnixMillis {
        UnixMillis(self.0.load(Ordering::SeqCst))
    }

    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).expect("a test's step fits");
        self.0.fetch_add(ms, Ordering::SeqCst);
    }

    pub fn set(&self, at: UnixMillis) {
        self.0.store(at.0, Ordering::SeqCst);
    }

    /// For `AppStorage::with_clock`.
    pub fn clock(&self) -> Clock {
        let at = self.0.clone();
        Arc::new(move || UnixMillis(at.load(Ordering::SeqCst)))
    }
}
