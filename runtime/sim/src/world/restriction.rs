//! When a time-restricted rotation runs: its restriction's windows as absolute
//! intervals, in the schedule's time zone.

use time::{Duration, OffsetDateTime, Weekday};

use super::zone::Zone;
use super::{ClockTime, TimeRestriction, WeekWindow};

/// A half-open interval `[start, end)` of absolute time.
pub(crate) type Span = (OffsetDateTime, OffsetDateTime);

impl TimeRestriction {
    /// The windows during which the rotation runs that overlap `[from, to)`,
    /// clipped to it, sorted and merged.
    pub(crate) fn windows(
        &self,
        zone: &Zone,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Vec<Span> {
        if from >= to {
            return Vec::new();
        }
        // A window may start the day (or week) before `from` and reach into it.
        let (first_day, _, _) = zone.local(from - Duration::days(8));
        let (last_day, _, _) = zone.local(to);
        let mut spans = Vec::new();
        match self {
            Self::TimeOfDay { start, end } => {
                let mut day = first_day;
                while day <= last_day {
                    // `end` at or before `start` runs past midnight; equal means
                    // the whole day (an inference: the Ops reference does not
                    // say, and a zero-length window would be a rotation that
                    // never runs, which the API would have no reason to accept).
                    let end_day = if end > start { day } else { next(day, 1) };
                    push(&mut spans, zone, (day, *start), (end_day, *end));
                    day = next(day, 1);
                }
            }
            Self::Weekday(windows) => {
                let mut monday = first_day
                    - Duration::days(i64::from(first_day.weekday().number_days_from_monday()));
                while monday <= last_day {
                    for window in windows {
                        let (start_day, end_day) = week_days(monday, window);
                        push(
                            &mut spans,
                            zone,
                            (start_day, window.start),
                            (end_day, window.end),
                        );
                    }
                    monday = next(monday, 7);
                }
            }
        }
        let mut clipped: Vec<Span> = spans
            .into_iter()
            .map(|(s, e)| (s.max(from), e.min(to)))
            .filter(|(s, e)| s < e)
            .collect();
        clipped.sort();
        let mut merged: Vec<Span> = Vec::with_capacity(clipped.len());
        for span in clipped {
            match merged.last_mut() {
                Some(last) if span.0 <= last.1 => last.1 = last.1.max(span.1),
                _ => merged.push(span),
            }
        }
        merged
    }

    /// Whether the rotation runs at `at`.
    #[cfg(test)]
    pub(crate) fn allows(&self, zone: &Zone, at: OffsetDateTime) -> bool {
        !self.windows(zone, at, at + Duration::SECOND).is_empty()
    }
}

/// The dates a weekly window starts and ends on in the week of `monday`; a
/// window whose end is not after its start ends in the following week (equal
/// start and end: the whole week, as for a day window).
fn week_days(monday: time::Date, window: &WeekWindow) -> (time::Date, time::Date) {
    let offset = |day: Weekday| i64::from(day.number_days_from_monday());
    let start = next(monday, offset(window.start_day));
    let mut end = next(monday, offset(window.end_day));
    if (end, window.end) <= (start, window.start) {
        end = next(end, 7);
    }
    (start, end)
}

fn next(day: time::Date, days: i64) -> time::Date {
    day.checked_add(Duration::days(days)).unwrap_or(day)
}

fn push(
    spans: &mut Vec<Span>,
    zone: &Zone,
    (start_day, start): (time::Date, ClockTime),
    (end_day, end): (time::Date, ClockTime),
) {
    if let (Some(s), Some(e)) = (
        zone.instant(start_day, start.hour, start.minute),
        zone.instant(end_day, end.hour, end.minute),
    ) && s < e
    {
        spans.push((s, e));
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn at(hour: u8, minute: u8) -> ClockTime {
        ClockTime { hour, minute }
    }

    #[test]
    fn a_day_window_repeats_daily_and_may_cross_midnight() {
        let nights = TimeRestriction::TimeOfDay {
            start: at(22, 0),
            end: at(6, 0),
        };
        let spans = nights.windows(
            &Zone::utc(),
            datetime!(2024-01-01 00:00 UTC),
            datetime!(2024-01-03 00:00 UTC),
        );
        assert_eq!(
            spans,
            [
                (
                    datetime!(2024-01-01 00:00 UTC),
                    datetime!(2024-01-01 06:00 UTC)
                ),
                (
                    datetime!(2024-01-01 22:00 UTC),
                    datetime!(2024-01-02 06:00 UTC)
                ),
                (
                    datetime!(2024-01-02 22:00 UTC),
                    datetime!(2024-01-03 00:00 UTC)
                ),
            ]
        );
    }

    #[test]
    fn week_windows_follow_the_schedule_zone() {
        let office = TimeRestriction::Weekday(vec![WeekWindow {
            start_day: Weekday::Monday,
            start: at(9, 0),
            end_day: Weekday::Friday,
            end: at(17, 0),
        }]);
        let berlin = Zone::named("Europe/Berlin").expect("zone");
        // Monday 2024-07-01 09:00 in Berlin is 07:00 UTC.
        assert!(!office.allows(&berlin, datetime!(2024-07-01 06:59 UTC)));
        assert!(office.allows(&berlin, datetime!(2024-07-01 07:00 UTC)));
        assert!(office.allows(&berlin, datetime!(2024-07-03 23:00 UTC)));
        assert!(!office.allows(&berlin, datetime!(2024-07-05 15:00 UTC)));
        assert!(!office.allows(&berlin, datetime!(2024-07-06 12:00 UTC)));
    }
}
