//! Scheduled triggers' intervals, and the rule that makes "once per interval, across
//! replicas, once after a restart" the natural use.
//!
//! A scheduled trigger's timeline is cut into intervals aligned to the Unix epoch (Forge's
//! `fiveMinute`, `hour`, `day`, `week`). The host asks [`ScheduleInterval::current_start`]
//! for the interval `now` falls in and claims it; the claim only moves the stored
//! `last_interval_start` forward, in one conditional statement, so:
//! - of many callers (tasks, processes, replicas) claiming one interval, exactly one wins;
//! - after a restart that missed several intervals, the host claims the *current* interval
//!   once — it never walks the missed ones, so it runs once for the missed time, not once per
//!   missed tick;
//! - a claim for an interval older than the stored one (a clock stepping back, a late
//!   replica) loses.
//!
//! Jitter belongs to *when within* an interval the host fires, not to the interval's
//! identity, so it never affects who wins.

use super::types::UnixMillis;

/// Forge's `scheduledTrigger` intervals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScheduleInterval {
    FiveMinute,
    Hour,
    Day,
    Week,
}

impl ScheduleInterval {
    pub fn millis(self) -> i64 {
        const MINUTE: i64 = 60_000;
        match self {
            Self::FiveMinute => 5 * MINUTE,
            Self::Hour => 60 * MINUTE,
            Self::Day => 24 * 60 * MINUTE,
            Self::Week => 7 * 24 * 60 * MINUTE,
        }
    }

    /// Start of the interval `now` falls in (floor, also for times before 1970).
    pub fn current_start(self, now: UnixMillis) -> UnixMillis {
        UnixMillis(
            now.0
                .div_euclid(self.millis())
                .saturating_mul(self.millis()),
        )
    }
}

/// What [`crate::ServeState::queue_scheduled_run`] did: the interval's claim and its run's
/// event are one transaction, so an interval is claimed exactly when its run is queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduledRun {
    /// This caller claimed the interval and queued its run.
    Queued(super::queue::EventId),
    /// Someone claimed this interval (or a later one) already; `last` is what is stored.
    AlreadyClaimed { last: UnixMillis },
    /// A run of the trigger is still queued or running (on any replica): a trigger never
    /// overlaps itself, so the interval stays unclaimed until that run finishes.
    StillRunning,
}

/// What claiming an interval found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntervalClaim {
    /// This caller won: run the trigger once for this interval.
    Claimed,
    /// Someone claimed this interval (or a later one) already; `last` is what is stored.
    AlreadyClaimed { last: UnixMillis },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_floor_to_their_length() {
        let hour = ScheduleInterval::Hour;
        assert_eq!(
            hour.current_start(UnixMillis(3_600_000 * 5 + 17)).0,
            3_600_000 * 5
        );
        assert_eq!(hour.current_start(UnixMillis(-1)).0, -3_600_000);
        assert_eq!(
            ScheduleInterval::Week.current_start(UnixMillis(i64::MAX)).0
                % ScheduleInterval::Week.millis(),
            0
        );
    }
}
