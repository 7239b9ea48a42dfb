//! A schedule's time zone: where "09:00 on Monday" of a time restriction, and the
//! start of a timeline's day, week or month, fall in absolute time.
//!
//! The simulator keeps instants as `time::OffsetDateTime` in UTC; only the
//! conversion between an instant and a zone's wall clock goes through jiff, whose
//! bundled tz database gives the same answer on every machine.

use jiff::civil::DateTime as CivilDateTime;
use jiff::tz::TimeZone;
use time::{Date, OffsetDateTime, UtcOffset};

use crate::clock;

/// An IANA time zone the simulator can resolve.
#[derive(Debug, Clone)]
pub(crate) struct Zone(TimeZone);

impl Zone {
    /// The zone named `name` (`Europe/Berlin`), if the tz database knows it.
    pub(crate) fn named(name: &str) -> Option<Self> {
        TimeZone::get(name).ok().map(Self)
    }

    pub(crate) fn utc() -> Self {
        Self(TimeZone::UTC)
    }

    /// `at` as this zone's wall clock reads it: the same instant at the offset
    /// the zone has then (UTC where that offset cannot be had). Every local
    /// reading of an instant (a timeline's day, a restriction's window, a
    /// rendered date, a Jira expression's getters) goes through this one rule.
    pub(crate) fn wall_clock(&self, at: OffsetDateTime) -> OffsetDateTime {
        UtcOffset::from_whole_seconds(self.offset_seconds(at))
            .ok()
            .and_then(|offset| at.checked_to_offset(offset))
            .or_else(|| clock::utc(at))
            .unwrap_or(at)
    }

    /// The local date, hour and minute of `at` in this zone.
    pub(crate) fn local(&self, at: OffsetDateTime) -> (Date, u8, u8) {
        let wall = self.wall_clock(at);
        (wall.date(), wall.hour(), wall.minute())
    }

    /// The zone's offset from UTC at `at`, in seconds (0 for an instant jiff
    /// cannot represent).
    pub(crate) fn offset_seconds(&self, at: OffsetDateTime) -> i32 {
        jiff::Timestamp::from_second(at.unix_timestamp())
            .map(|ts| self.0.to_offset(ts).seconds())
            .unwrap_or(0)
    }

    /// The instant the wall clock of this zone shows `hour:minute` on `date`. In a
    /// gap (spring forward) the later reading is used, in a fold (fall back) the
    /// earlier one: jiff's "compatible" rule, the one calendars use.
    pub(crate) fn instant(&self, date: Date, hour: u8, minute: u8) -> Option<OffsetDateTime> {
        let civil = CivilDateTime::new(
            i16::try_from(date.year()).ok()?,
            i8::try_from(u8::from(date.month())).ok()?,
            i8::try_from(date.day()).ok()?,
            i8::try_from(hour).ok()?,
            i8::try_from(minute).ok()?,
            0,
            0,
        )
        .ok()?;
        let instant = self.0.to_timestamp(civil).ok()?;
        OffsetDateTime::from_unix_timestamp(instant.as_second()).ok()
    }
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

    #[test]
    fn wall_clock_follows_daylight_saving() {
        let berlin = Zone::named("Europe/Berlin").expect("known zone");
        assert_eq!(
            berlin.instant(date!(2024 - 01 - 15), 9, 0),
            Some(datetime!(2024-01-15 08:00 UTC))
        );
        assert_eq!(
            berlin.instant(date!(2024 - 07 - 15), 9, 0),
            Some(datetime!(2024-07-15 07:00 UTC))
        );
        assert_eq!(
            berlin.local(datetime!(2024-07-15 22:30 UTC)),
            (date!(2024 - 07 - 16), 0, 30)
        );
    }

    #[test]
    fn unknown_zones_are_not_resolved() {
        assert!(Zone::named("Mars/Olympus_Mons").is_none());
        assert!(Zone::named("America/New_York").is_some());
    }
}
