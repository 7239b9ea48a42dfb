//! The clock app storage reads: the one seam through which time reaches expiry and entry
//! metadata.
//!
//! [`AppStorage`](super::AppStorage) reads it once per operation and hands that `now` to
//! the backend, which holds no clock of its own: what "expired" means is decided in one
//! place, and tests (or a controllable clock in `runtime serve`) drive time by replacing
//! it ([`AppStorage::with_clock`](super::AppStorage::with_clock)).

use std::sync::Arc;

use super::UnixMillis;

/// Where app storage gets `now`. Must be cheap: it is called on every operation.
pub type Clock = Arc<dyn Fn() -> UnixMillis + Send + Sync>;

/// The host's wall clock.
pub fn system_clock() -> Clock {
    Arc::new(UnixMillis::now)
}
