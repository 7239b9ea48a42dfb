//! Jira's `Date` and `CalendarDate` as data: reading them from what an
//! expression gives (`new Date('2026-01-31T10:00:00Z')`, `new Date(ms)`,
//! `new CalendarDate('2026-01-31')`), moving them by calendar units
//! (`plusMonths`, `minusDays`, …), and writing them as Jira does.
//!
//! Every date the simulator makes stays in the years 0000 to 9999 in UTC
//! ([`clock::in_calendar`]), the dates it writes back everywhere: arithmetic
//! that would leave them (`plusDays(1e15)`) answers `None`, which the evaluator
//! turns into a typed error, never an overflow or a panic.

use std::str::FromStr;

use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::clock;
use crate::world::zone::Zone;

/// The longest date text read: an ISO 8601 date-time with nine fractional
/// digits and an offset is 35 characters. Longer input is refused before any
/// of it is parsed.
const MAX_DATE_TEXT: usize = 40;

/// The calendar unit a `plus…`/`minus…` method moves a date by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    Months,
    Days,
    Hours,
    Minutes,
}

impl Unit {
    /// The unit of a method's name (`plusDays`, `minusMonths`) and whether it
    /// moves backwards.
    pub(crate) fn of_method(method: &str) -> Option<(Self, bool)> {
        let (rest, backwards) = match method.strip_prefix("plus") {
            Some(rest) => (rest, false),
            None => (method.strip_prefix("minus")?, true),
        };
        let unit = match rest {
            "Months" => Self::Months,
            "Days" => Self::Days,
            "Hours" => Self::Hours,
            "Minutes" => Self::Minutes,
            _ => return None,
        };
        Some((unit, backwards))
    }

    fn seconds(self) -> i64 {
        match self {
            Self::Months => 0,
            Self::Days => 86_400,
            Self::Hours => 3_600,
            Self::Minutes => 60,
        }
    }
}

/// A whole number of units from an expression's number: JavaScript's
/// truncation toward zero, as Java's conversion to an integer does. `None`
/// for `NaN`, an infinity, or a count no date in range could move by (more
/// than ten thousand years of minutes).
fn whole(amount: f64) -> Option<i64> {
    const MOST: f64 = 1e10;
    (amount.is_finite() && amount.abs() <= MOST).then(|| amount.trunc() as i64)
}

/// The instant `ms` milliseconds after the epoch (a fraction of a millisecond
/// dropped, as JavaScript's `new Date(ms)` drops it).
pub(crate) fn from_millis(ms: f64) -> Option<OffsetDateTime> {
    // Beyond ±10^15 ms (about 31,700 years) nothing is in range; the bound
    // also keeps the conversion to an integer exact.
    if !ms.is_finite() || ms.abs() > 1e15 {
        return None;
    }
    let nanos = i128::from(ms.trunc() as i64) * 1_000_000;
    OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .filter(|at| clock::in_calendar(*at))
}

/// Milliseconds since the epoch, as `getTime()` answers.
pub(crate) fn millis(at: OffsetDateTime) -> f64 {
    (at.unix_timestamp_nanos() / 1_000_000) as f64
}

/// An ISO 8601 date or date-time, as `new Date(text)` reads it: `2026-01-31`
/// (midnight UTC, as JavaScript reads a date alone),
/// `2026-01-31T10:15`, `…:30`, `…:30.250`, each with `Z`, an offset (`+05:00`,
/// `+0500`) or none (UTC, the simulator's zone).
pub(crate) fn parse_date_time(text: &str) -> Option<OffsetDateTime> {
    if text.len() > MAX_DATE_TEXT || !text.is_ascii() {
        return None;
    }
    let day = parse_calendar_date(text.get(..10)?)?;
    let rest = text.get(10..)?;
    let at = if rest.is_empty() {
        day.midnight().assume_utc()
    } else {
        let (time, offset) = parse_time_and_offset(rest.strip_prefix('T')?)?;
        PrimitiveDateTime::new(day, time).assume_offset(offset)
    };
    Some(at).filter(|at| clock::in_calendar(*at))
}

/// A calendar date written `yyyy-MM-dd`, as `new CalendarDate(text)` reads it.
pub(crate) fn parse_calendar_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year: i32 = digits(text.get(..4)?)?;
    let month: u8 = digits(text.get(5..7)?)?;
    let day: u8 = digits(text.get(8..)?)?;
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

/// `HH:mm[:ss[.fraction]]` then `Z`, `±HH:mm`, `±HHmm` or nothing.
fn parse_time_and_offset(text: &str) -> Option<(Time, UtcOffset)> {
    let hour: u8 = digits(text.get(..2)?)?;
    let minute: u8 = digits(text.get(3..5)?).filter(|_| text.get(2..3) == Some(":"))?;
    let mut rest = text.get(5..)?;
    let (mut second, mut nanos) = (0u8, 0u32);
    if let Some(after) = rest.strip_prefix(':') {
        second = digits(after.get(..2)?)?;
        rest = after.get(2..)?;
        if let Some(after) = rest.strip_prefix('.') {
            let count = after.bytes().take_while(u8::is_ascii_digit).count();
            if !(1..=9).contains(&count) {
                return None;
            }
            let fraction: u32 = digits(after.get(..count)?)?;
            nanos = fraction * 10u32.pow(9 - u32::try_from(count).ok()?);
            rest = after.get(count..)?;
        }
    }
    let time = Time::from_hms_nano(hour, minute, second, nanos).ok()?;
    let offset = match rest {
        "" | "Z" => UtcOffset::UTC,
        _ => {
            let sign: i8 = match rest.get(..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            let zone = rest.get(1..)?;
            let (hours, minutes) = match zone.len() {
                5 if zone.get(2..3) == Some(":") => (zone.get(..2)?, zone.get(3..)?),
                4 => (zone.get(..2)?, zone.get(2..)?),
                _ => return None,
            };
            let (hours, minutes): (i8, i8) = (digits(hours)?, digits(minutes)?);
            UtcOffset::from_hms(sign * hours, sign * minutes, 0).ok()?
        }
    };
    Some((time, offset))
}

/// ASCII digits only: `str::parse` would also take a sign.
fn digits<T: FromStr>(text: &str) -> Option<T> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `at` moved by `amount` units (backwards when `backwards`), in UTC: a day is
/// 24 hours, and a month keeps the day of the month, or the month's last day
/// when it has fewer (January 31 plus one month is February 28 or 29), as
/// Java's and Joda's calendars move it.
pub(crate) fn shift(
    at: OffsetDateTime,
    unit: Unit,
    amount: f64,
    backwards: bool,
) -> Option<OffsetDateTime> {
    let count = whole(amount).map(|n| if backwards { -n } else { n })?;
    let utc = clock::utc(at)?;
    let moved = match unit {
        Unit::Months => {
            let day = shift_months(utc.date(), count)?;
            PrimitiveDateTime::new(day, utc.time()).assume_utc()
        }
        _ => utc.checked_add(Duration::seconds(count.checked_mul(unit.seconds())?))?,
    };
    Some(moved).filter(|at| clock::in_calendar(*at))
}

/// `day` moved by `amount` days or months (hours and minutes do not apply to a
/// day in the calendar: `None`).
pub(crate) fn shift_day(day: Date, unit: Unit, amount: f64, backwards: bool) -> Option<Date> {
    let count = whole(amount).map(|n| if backwards { -n } else { n })?;
    let moved = match unit {
        Unit::Months => shift_months(day, count)?,
        Unit::Days => day.checked_add(Duration::days(count))?,
        Unit::Hours | Unit::Minutes => return None,
    };
    Some(moved).filter(|d| (0..=9999).contains(&d.year()))
}

/// `day` moved by `count` months, its day of the month clamped to the new
/// month's length; `None` outside the years 0000 to 9999.
fn shift_months(day: Date, count: i64) -> Option<Date> {
    let index = i64::from(day.year()) * 12 + i64::from(u8::from(day.month())) - 1;
    let moved = index.checked_add(count)?;
    let year = i32::try_from(moved.div_euclid(12)).ok()?;
    if !(0..=9999).contains(&year) {
        return None;
    }
    let month = Month::try_from(u8::try_from(moved.rem_euclid(12) + 1).ok()?).ok()?;
    Date::from_calendar_date(year, month, day.day().min(month.length(year))).ok()
}

/// A date as JavaScript's `toISOString` writes it (UTC, milliseconds):
/// `2026-01-31T10:15:30.250Z`, always 24 characters in the years the
/// simulator keeps.
pub(crate) fn iso_text(at: OffsetDateTime) -> String {
    // The evaluator's dates are all in years 0..=9999; one outside
    // (impossible) reads as the epoch rather than panicking in the conversion.
    let utc = clock::utc(at).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second(),
        utc.millisecond()
    )
}

/// The length of every [`iso_text`].
pub(crate) const ISO_TEXT_CHARS: usize = 24;

/// A date as Jira's REST API writes it, and so as a Date in an expression's
/// result: `2026-01-31T10:15:30.250+0000` (the simulator's REST API dates are
/// all in UTC).
pub(crate) fn rest_text(at: OffsetDateTime) -> String {
    clock::jira_timestamp(at)
}

/// The length of [`clock::day_month_year`]'s `dd/MMM/yy`, a CalendarDate's
/// `toString()`.
pub(crate) const HUMAN_DAY_CHARS: usize = clock::DAY_MONTH_YEAR_CHARS;

/// `at` in Jira's complete format on the wall clock of `zone`, what
/// `toString()` answers ([`clock::CompleteDateTime`]).
pub(crate) fn human_text(at: OffsetDateTime, zone: &Zone) -> String {
    clock::CompleteDateTime::at(at, zone).text()
}

/// A calendar date as Jira's REST API writes it (`2026-01-31`), and so as a
/// CalendarDate in a result and its `toISOString()`.
pub(crate) fn calendar_text(day: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

/// The length of every [`calendar_text`] in the years the simulator keeps.
pub(crate) const CALENDAR_TEXT_CHARS: usize = 10;

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

    #[test]
    fn iso_dates_and_date_times_are_read_with_their_offsets() {
        assert_eq!(
            parse_date_time("2026-01-31"),
            Some(datetime!(2026-01-31 00:00 UTC))
        );
        assert_eq!(
            parse_date_time("2008-09-15T15:53:00+05:00"),
            Some(datetime!(2008-09-15 10:53 UTC))
        );
        assert_eq!(
            parse_date_time("2008-09-15T15:53-0130"),
            Some(datetime!(2008-09-15 17:23 UTC))
        );
        assert_eq!(
            parse_date_time("2026-01-31T10:15:30.25Z").map(millis),
            Some(1_769_854_530_250.0)
        );
        for bad in [
            "",
            "2026-02-30",
            "2026-1-31",
            "+2026-01-31",
            "2026-01-31T25:00",
            "2026-01-31T10",
            "2026-01-31T10:15:30.",
            "2026-01-31T10:15:30.1234567890Z",
            "2026-01-31T10:15+5",
            "2026-01-31 10:15",
            "9999-12-31T23:00-10:00",
            "２０２６-01-31",
        ] {
            assert_eq!(parse_date_time(bad), None, "{bad}");
        }
        let long = "2026-01-31T10:15:30.000Z".repeat(3);
        assert_eq!(parse_date_time(&long), None, "longer than any date");
        assert_eq!(
            parse_calendar_date("2024-02-29"),
            Some(date!(2024 - 02 - 29))
        );
        assert_eq!(parse_calendar_date("2023-02-29"), None);
    }

    #[test]
    fn months_clamp_to_the_shorter_month_and_days_are_24_hours() {
        let end_of_january = datetime!(2024-01-31 10:00 UTC);
        assert_eq!(
            shift(end_of_january, Unit::Months, 1.0, false),
            Some(datetime!(2024-02-29 10:00 UTC))
        );
        assert_eq!(
            shift(end_of_january, Unit::Months, 13.0, true),
            Some(datetime!(2022-12-31 10:00 UTC))
        );
        assert_eq!(
            shift(end_of_january, Unit::Days, 1.9, false),
            Some(datetime!(2024-02-01 10:00 UTC)),
            "a fraction is dropped"
        );
        assert_eq!(
            shift(end_of_january, Unit::Minutes, 90.0, true),
            Some(datetime!(2024-01-31 08:30 UTC))
        );
        assert_eq!(
            shift_day(date!(2024 - 03 - 31), Unit::Months, 1.0, true),
            Some(date!(2024 - 02 - 29))
        );
        assert_eq!(
            shift_day(date!(2024 - 03 - 31), Unit::Hours, 1.0, false),
            None
        );
    }

    #[test]
    fn hostile_amounts_are_refused_not_overflowed() {
        let at = datetime!(2024-01-31 10:00 UTC);
        for amount in [1e15, -1e15, f64::NAN, f64::INFINITY, 1e300, 9e9] {
            for unit in [Unit::Months, Unit::Days, Unit::Hours, Unit::Minutes] {
                assert_eq!(shift(at, unit, amount, false), None, "{unit:?} {amount}");
            }
            assert_eq!(
                shift_day(date!(2024 - 01 - 31), Unit::Days, amount, false),
                None
            );
        }
        assert_eq!(shift(at, Unit::Days, 3_000_000.0, false), None, "past 9999");
        assert_eq!(from_millis(f64::NAN), None);
        assert_eq!(from_millis(8.64e15), None);
        assert_eq!(
            from_millis(-1.5),
            Some(datetime!(1969-12-31 23:59:59.999 UTC))
        );
    }

    #[test]
    fn dates_are_written_as_jira_writes_them() {
        let at = datetime!(2018-06-29 12:16:37.471 UTC);
        assert_eq!(iso_text(at), "2018-06-29T12:16:37.471Z");
        assert_eq!(iso_text(at).len(), ISO_TEXT_CHARS);
        assert_eq!(rest_text(at), "2018-06-29T12:16:37.471+0000");
        let sydney = Zone::named("Australia/Sydney").expect("known zone");
        assert_eq!(human_text(at, &sydney), "29/Jun/18 10:16 PM");
        assert_eq!(human_text(at, &Zone::utc()), "29/Jun/18 12:16 PM");
        for hour in [0, 9, 10, 12, 13, 23] {
            let human =
                clock::CompleteDateTime::at(at.replace_hour(hour).expect("an hour"), &Zone::utc());
            assert_eq!(human.chars(), human.text().chars().count(), "{hour}");
        }
        assert_eq!(
            clock::day_month_year(date!(2026 - 03 - 31)).len(),
            HUMAN_DAY_CHARS
        );
        assert_eq!(sydney.local(at).0, date!(2018 - 06 - 29));
        assert_eq!(calendar_text(date!(0012 - 03 - 04)), "0012-03-04");
    }
}
