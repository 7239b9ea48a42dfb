//! The simulator's notion of "now", and time as Jira and JSM Ops write it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use time::OffsetDateTime;
use time::macros::format_description;

use crate::shared::lock;

/// Where a simulator run reads the current time from.
///
/// Time-dependent answers (who is on call, created and updated stamps) read this
/// clock instead of the system's, so a test can pin "now" to a rotation boundary
/// and get the same answer on every machine. Cloning shares the clock: a test
/// keeps a clone (or uses [`crate::Simulator::clock`]) and moves time while the
/// site runs.
#[derive(Debug, Clone, Default)]
pub struct SimClock {
    /// `None` follows the system clock; `Some` is a frozen instant.
    frozen: Arc<Mutex<Option<OffsetDateTime>>>,
}

impl SimClock {
    /// A clock that follows the system's (the default).
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock stopped at `at` until [`SimClock::set`] or [`SimClock::advance`]
    /// moves it.
    pub fn frozen_at(at: SystemTime) -> Self {
        let clock = Self::default();
        clock.set(at);
        clock
    }

    /// Stops the clock at `at`.
    pub fn set(&self, at: SystemTime) {
        *lock(&self.frozen) = Some(from_system(at));
    }

    /// Moves a frozen clock forward by `by` (starting from the system time if it
    /// was following the system), and leaves it frozen there.
    pub fn advance(&self, by: Duration) {
        let mut frozen = lock(&self.frozen);
        let from = frozen.unwrap_or_else(OffsetDateTime::now_utc);
        *frozen = Some(from.saturating_add(saturating_duration(by)));
    }

    /// Lets the clock follow the system's again.
    pub fn follow_system(&self) {
        *lock(&self.frozen) = None;
    }

    /// The current time as this clock sees it.
    pub fn now(&self) -> SystemTime {
        self.now_utc().into()
    }

    pub(crate) fn now_utc(&self) -> OffsetDateTime {
        lock(&self.frozen).unwrap_or_else(OffsetDateTime::now_utc)
    }
}

/// `at` as a UTC date-time, clamped to what `time` can represent: the instant
/// comes from test code, but a far-off one must not panic inside the simulator.
fn from_system(at: SystemTime) -> OffsetDateTime {
    let offset = match at.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(after) => saturating_duration(after),
        Err(before) => -saturating_duration(before.duration()),
    };
    OffsetDateTime::UNIX_EPOCH.saturating_add(offset)
}

/// `std` durations above `time`'s range saturate rather than wrap.
fn saturating_duration(by: Duration) -> time::Duration {
    time::Duration::try_from(by).unwrap_or(time::Duration::MAX)
}

/// Jira's timestamp format: `2024-03-28T10:15:30.000+0000` (always UTC here).
pub(crate) fn jira_timestamp(at: OffsetDateTime) -> String {
    let format = format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]+0000"
    );
    at.to_offset(time::UtcOffset::UTC)
        .format(format)
        .unwrap_or_else(|_| String::from("1970-01-01T00:00:00.000+0000"))
}

/// RFC 3339 in UTC (`2024-03-28T10:15:30Z`), as the JSM Ops API writes times.
pub(crate) fn rfc3339(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| String::from("1970-01-01T00:00:00Z"))
}

/// Parses an RFC 3339 timestamp from untrusted input.
pub(crate) fn parse_rfc3339(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn a_frozen_clock_stays_put_until_moved() {
        let start = datetime!(2024-01-08 08:59 UTC);
        let clock = SimClock::frozen_at(start.into());
        assert_eq!(clock.now_utc(), start);
        let shared = clock.clone();
        shared.advance(Duration::from_secs(60));
        assert_eq!(clock.now_utc(), datetime!(2024-01-08 09:00 UTC));
        clock.set(datetime!(2030-01-01 00:00 UTC).into());
        assert_eq!(shared.now_utc(), datetime!(2030-01-01 00:00 UTC));
    }

    #[test]
    fn a_huge_advance_saturates_instead_of_panicking() {
        let clock = SimClock::frozen_at(datetime!(2024-01-01 00:00 UTC).into());
        clock.advance(Duration::MAX);
        assert!(clock.now_utc() > datetime!(9000-01-01 00:00 UTC));
    }
}
