//! The simulator's notion of "now", and time as Jira and JSM Ops write it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use time::OffsetDateTime;
use time::macros::format_description;

use crate::shared::lock;
use crate::world::zone::Zone;

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

/// Jira's timestamp format: `2024-03-28T10:15:30.000+0000` (always UTC here;
/// the epoch for a date outside [`in_calendar`]).
pub(crate) fn jira_timestamp(at: OffsetDateTime) -> String {
    let format = format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]+0000"
    );
    utc(at)
        .and_then(|utc| utc.format(format).ok())
        .unwrap_or_else(|| String::from("1970-01-01T00:00:00.000+0000"))
}

/// A date-time in Jira's human-readable complete format, `dd/MMM/yy h:mm a`
/// (`29/Jun/18 10:16 PM`), from a wall clock's day, hour and minute: how the
/// issue's rendered fields write date-times and a Jira expression's
/// `Date.toString()` answers. Its length is known before the text is built
/// ([`CompleteDateTime::chars`]), so a caller with a bound charges it first.
pub(crate) struct CompleteDateTime {
    day: time::Date,
    hour12: u8,
    minute: u8,
    meridiem: &'static str,
}

impl CompleteDateTime {
    /// The instant `at` as a reader in `zone` sees it.
    pub(crate) fn at(at: OffsetDateTime, zone: &Zone) -> Self {
        let (day, hour, minute) = zone.local(at);
        let (hour12, meridiem) = match hour {
            0 => (12, "AM"),
            1..=11 => (hour, "AM"),
            12 => (12, "PM"),
            _ => (hour - 12, "PM"),
        };
        Self {
            day,
            hour12,
            minute,
            meridiem,
        }
    }

    /// `dd/MMM/yy`, a space, one or two digits of the hour, `:mm`, a space
    /// and `AM` or `PM`.
    pub(crate) fn chars(&self) -> usize {
        DAY_MONTH_YEAR_CHARS + 1 + if self.hour12 < 10 { 1 } else { 2 } + 3 + 3
    }

    pub(crate) fn text(&self) -> String {
        format!(
            "{} {}:{:02} {}",
            day_month_year(self.day),
            self.hour12,
            self.minute,
            self.meridiem
        )
    }
}

/// The length of [`day_month_year`]'s `dd/MMM/yy`.
pub(crate) const DAY_MONTH_YEAR_CHARS: usize = 9;

/// A date in Jira's default "Day/Month/Year" format, `dd/MMM/yy` (`06/Jul/10`),
/// with the English month abbreviations of Jira's default locale: how a version's
/// `userReleaseDate` and a rendered date field read.
pub(crate) fn day_month_year(date: time::Date) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS[usize::from(u8::from(date.month())) - 1];
    format!(
        "{:02}/{month}/{:02}",
        date.day(),
        date.year().rem_euclid(100)
    )
}

/// RFC 3339 in UTC (`2024-03-28T10:15:30Z`), as the JSM Ops API writes times
/// (the epoch for a date outside [`in_calendar`]).
pub(crate) fn rfc3339(at: OffsetDateTime) -> String {
    utc(at)
        .and_then(|utc| {
            utc.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| String::from("1970-01-01T00:00:00Z"))
}

/// Parses an RFC 3339 timestamp from untrusted input, within [`in_calendar`].
pub(crate) fn parse_rfc3339(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .ok()
        .filter(|at| in_calendar(*at))
}

/// Whether `at` falls in the years 0000 to 9999 in UTC
/// (`0000-01-01T00:00Z` to `9999-12-31T23:59:59.999…Z`): the dates the
/// simulator writes back, always in UTC with a four-digit year. The one rule
/// for every date-time a client sends: a date read with its offset can fall
/// outside those years once moved to UTC (`9999-12-31T23:59:00.000-1000` is
/// in the year 10000), where it would not round-trip and where `to_offset`
/// panics.
pub(crate) fn in_calendar(at: OffsetDateTime) -> bool {
    utc(at).is_some()
}

/// `at` moved to UTC, if it falls in the years 0000 to 9999 there
/// ([`in_calendar`]); `None` otherwise. The writers use it instead of
/// `to_offset`, which panics past the range `time` represents, and fall back
/// to the epoch for a date that escaped [`in_calendar`].
pub(crate) fn utc(at: OffsetDateTime) -> Option<OffsetDateTime> {
    at.checked_to_offset(time::UtcOffset::UTC)
        .filter(|utc| (0..=9999).contains(&utc.year()))
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
    fn dates_outside_the_calendar_in_utc_are_refused_and_never_panic() {
        for outside in [
            "9999-12-31T23:59:00-10:00",
            "0000-01-01T09:59:00+10:00",
            "0000-01-01T00:00:00.000+00:01",
        ] {
            assert_eq!(parse_rfc3339(outside), None, "{outside}");
        }
        let last = parse_rfc3339("9999-12-31T13:59:59.999-10:00").expect("the last instant");
        assert_eq!(jira_timestamp(last), "9999-12-31T23:59:59.999+0000");
        let first = parse_rfc3339("0000-01-01T10:00:00+10:00").expect("the first instant");
        assert_eq!(rfc3339(first), "0000-01-01T00:00:00Z");
        // Written as the epoch rather than panicking, however one was made.
        let past = datetime!(9999-12-31 23:59 -10:00);
        assert!(!in_calendar(past));
        assert_eq!(jira_timestamp(past), "1970-01-01T00:00:00.000+0000");
        assert_eq!(rfc3339(past), "1970-01-01T00:00:00Z");
        let before = datetime!(0000-01-01 09:59 +10:00);
        assert!(!in_calendar(before));
        assert_eq!(jira_timestamp(before), "1970-01-01T00:00:00.000+0000");
    }

    #[test]
    fn a_huge_advance_saturates_instead_of_panicking() {
        let clock = SimClock::frozen_at(datetime!(2024-01-01 00:00 UTC).into());
        clock.advance(Duration::MAX);
        assert!(clock.now_utc() > datetime!(9000-01-01 00:00 UTC));
    }
}
