//! MySQL's date functions, over the `YYYY-MM-DD[ HH:MM:SS]` text Forge SQL's dates are
//! stored as ([`super::functions`]): arithmetic (`DATE_ADD`, `+ INTERVAL`, `TIMESTAMPADD`),
//! differences (`DATEDIFF`, `TIMESTAMPDIFF`), parts (`YEAR`, `MONTH`, …) and formats
//! (`DATE_FORMAT`, `STR_TO_DATE`), and times of day (`SEC_TO_TIME`, `TIME_TO_SEC`,
//! `ADDTIME`).
//!
//! As in MySQL, a value that is not a date gives NULL, never an error; dates are read and
//! written in UTC, TiDB's zone on Forge; fractional seconds are not kept.

use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;
use rusqlite::types::{Value, ValueRef};

use super::arguments::text;
use super::functions::{civil_from_days, datetime_text, days_from_civil};

/// A date read from SQL: seconds since the epoch, and whether it had a time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Moment {
    seconds: i64,
    has_time: bool,
}

impl Moment {
    fn read(value: ValueRef<'_>) -> Option<Moment> {
        let ValueRef::Text(text) = value else {
            return None;
        };
        let text = std::str::from_utf8(text).ok()?.trim();
        Some(Moment {
            seconds: seconds_of(text)?,
            has_time: text.len() > 10,
        })
    }

    fn civil(self) -> (i64, i64, i64) {
        civil_from_days(self.seconds.div_euclid(86_400))
    }

    fn second_of_day(self) -> i64 {
        self.seconds.rem_euclid(86_400)
    }

    fn text(self) -> String {
        let full = datetime_text(self.seconds);
        if self.has_time {
            full
        } else {
            full[..10].to_owned()
        }
    }
}

/// The units MySQL's intervals and `TIMESTAMPDIFF`/`TIMESTAMPADD` name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Microsecond,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

impl Unit {
    fn read(value: ValueRef<'_>) -> Option<Unit> {
        let ValueRef::Text(text) = value else {
            return None;
        };
        let text = std::str::from_utf8(text).ok()?;
        let text = text.trim().to_ascii_uppercase();
        Some(match text.strip_prefix("SQL_TSI_").unwrap_or(&text) {
            "MICROSECOND" | "FRAC_SECOND" => Unit::Microsecond,
            "SECOND" => Unit::Second,
            "MINUTE" => Unit::Minute,
            "HOUR" => Unit::Hour,
            "DAY" => Unit::Day,
            "WEEK" => Unit::Week,
            "MONTH" => Unit::Month,
            "QUARTER" => Unit::Quarter,
            "YEAR" => Unit::Year,
            _ => return None,
        })
    }

    /// Seconds in one unit, for the units of fixed length.
    fn seconds(self) -> Option<i64> {
        Some(match self {
            Unit::Second => 1,
            Unit::Minute => 60,
            Unit::Hour => 3_600,
            Unit::Day => 86_400,
            Unit::Week => 604_800,
            Unit::Microsecond | Unit::Month | Unit::Quarter | Unit::Year => return None,
        })
    }

    fn months(self) -> Option<i64> {
        Some(match self {
            Unit::Month => 1,
            Unit::Quarter => 3,
            Unit::Year => 12,
            _ => return None,
        })
    }
}

fn integer(value: ValueRef<'_>) -> Option<i64> {
    match value {
        ValueRef::Integer(value) => Some(value),
        ValueRef::Real(value) if value.is_finite() => Some(value.round() as i64),
        ValueRef::Text(text) => {
            let text = std::str::from_utf8(text).ok()?.trim();
            text.parse::<i64>()
                .ok()
                .or_else(|| text.parse::<f64>().ok().map(|value| value.round() as i64))
        }
        _ => None,
    }
}

/// `date + amount unit`, as MySQL's `DATE_ADD` answers: a date stays a date when whole days
/// are added, and adding months keeps the day, clamped to the month's last (Jan 31 + 1 month is
/// Feb 28 or 29).
fn add(date: Moment, amount: i64, unit: Unit) -> Option<Moment> {
    if let Some(months) = unit.months() {
        let (year, month, day) = date.civil();
        let total = (year * 12 + month - 1).checked_add(amount.checked_mul(months)?)?;
        let (year, month) = (total.div_euclid(12), total.rem_euclid(12) + 1);
        if !(0..=9999).contains(&year) {
            return None;
        }
        let day = day.min(days_in_month(year, month));
        let seconds = days_from_civil(year, month, day) * 86_400 + date.second_of_day();
        return Some(Moment {
            seconds,
            has_time: date.has_time,
        });
    }
    let (step, has_time) = match unit {
        Unit::Microsecond => (0, true),
        unit => (
            unit.seconds()?,
            date.has_time || !matches!(unit, Unit::Day | Unit::Week),
        ),
    };
    let seconds = date.seconds.checked_add(amount.checked_mul(step)?)?;
    let (year, _, _) = civil_from_days(seconds.div_euclid(86_400));
    (0..=9999)
        .contains(&year)
        .then_some(Moment { seconds, has_time })
}

fn days_in_month(year: i64, month: i64) -> i64 {
    let next = if month == 12 {
        days_from_civil(year + 1, 1, 1)
    } else {
        days_from_civil(year, month + 1, 1)
    };
    next - days_from_civil(year, month, 1)
}

/// `TIMESTAMPDIFF(unit, from, to)`: whole units from `from` to `to`, truncated toward zero;
/// months count only once the day and time of day are reached, as in MySQL.
fn difference(unit: Unit, from: Moment, to: Moment) -> Option<i64> {
    if let Some(months) = unit.months() {
        let (fy, fm, fd) = from.civil();
        let (ty, tm, td) = to.civil();
        let mut whole = (ty * 12 + tm) - (fy * 12 + fm);
        let from_rest = (fd, from.second_of_day());
        let to_rest = (td, to.second_of_day());
        if whole > 0 && to_rest < from_rest {
            whole -= 1;
        } else if whole < 0 && to_rest > from_rest {
            whole += 1;
        }
        return Some(whole / months);
    }
    let elapsed = to.seconds - from.seconds;
    match unit {
        Unit::Microsecond => elapsed.checked_mul(1_000_000),
        unit => Some(elapsed / unit.seconds()?),
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Monday is 0, as MySQL's `WEEKDAY`.
fn weekday(moment: Moment) -> usize {
    // 1970-01-01 was a Thursday.
    (moment.seconds.div_euclid(86_400) + 3).rem_euclid(7) as usize
}

fn day_of_year(moment: Moment) -> i64 {
    let (year, _, _) = moment.civil();
    moment.seconds.div_euclid(86_400) - days_from_civil(year, 1, 1) + 1
}

/// `WEEK(date, mode)` for MySQL's modes 0 (the default: weeks start on Sunday, days before
/// the year's first Sunday are week 0), 1 (Monday, a week in the year if four of its days are,
/// else week 0) and 3 (ISO 8601: week 1 holds the first Thursday; early January may be the
/// previous year's 52 or 53). Other modes answer NULL.
fn week(moment: Moment, mode: i64) -> Option<i64> {
    let day = moment.seconds.div_euclid(86_400);
    let (year, _, _) = moment.civil();
    match mode {
        0 => {
            let jan1 = days_from_civil(year, 1, 1);
            // Days from Jan 1 to the first Sunday (1970-01-04 was one).
            let to_sunday = (3 - jan1).rem_euclid(7);
            let first_sunday = jan1 + to_sunday;
            Some(if day < first_sunday {
                0
            } else {
                (day - first_sunday) / 7 + 1
            })
        }
        1 | 3 => {
            let iso = |year: i64| {
                let jan4 = days_from_civil(year, 1, 4);
                // Monday of the week holding Jan 4 (1970-01-05 was a Monday).
                jan4 - (jan4 - 4).rem_euclid(7)
            };
            let start = iso(year);
            let (start, in_previous) = if day < start {
                (iso(year - 1), true)
            } else if day >= iso(year + 1) {
                return Some(if mode == 3 { 1 } else { 53 });
            } else {
                (start, false)
            };
            let week = (day - start) / 7 + 1;
            Some(if in_previous && mode == 1 { 0 } else { week })
        }
        _ => None,
    }
}

/// `HH:MM:SS` as MySQL writes a `TIME`, which may pass 24 hours or be negative.
fn time_text(seconds: i64) -> String {
    let sign = if seconds < 0 { "-" } else { "" };
    let seconds = seconds.unsigned_abs();
    format!(
        "{sign}{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// Seconds in a `[-]H:MM[:SS]` time.
fn time_seconds(text: &str) -> Option<i64> {
    let text = text.trim();
    let (sign, text) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text),
    };
    let text = text.split('.').next()?;
    let mut parts = text.split(':');
    let hours: i64 = parts.next()?.parse().ok().filter(|h: &i64| *h <= 838)?;
    let minutes: i64 = parts
        .next()
        .unwrap_or("0")
        .parse()
        .ok()
        .filter(|m: &i64| *m < 60)?;
    let seconds: i64 = parts
        .next()
        .unwrap_or("0")
        .parse()
        .ok()
        .filter(|s: &i64| *s < 60)?;
    if parts.next().is_some() {
        return None;
    }
    Some(sign * (hours * 3600 + minutes * 60 + seconds))
}

/// An offset `±HH:MM` in seconds; `UTC`, `Z` and `+00:00` are 0 (TiDB on Forge has no named
/// zones beyond UTC, so CONVERT_TZ with one answers NULL, as MySQL without zone tables does).
fn offset_seconds(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("UTC") || text.eq_ignore_ascii_case("Z") {
        return Some(0);
    }
    let sign = match text.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (hours, minutes) = text[1..].split_once(':')?;
    let (hours, minutes): (i64, i64) = (hours.parse().ok()?, minutes.parse().ok()?);
    (hours <= 14 && minutes < 60).then_some(sign * (hours * 3600 + minutes * 60))
}

/// `DATE_FORMAT(date, format)` for MySQL's specifiers; an unknown specifier writes its letter,
/// as MySQL does.
fn format(moment: Moment, pattern: &str) -> String {
    let (year, month, day) = moment.civil();
    let second_of_day = moment.second_of_day();
    let (hour, minute, second) = (
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60,
    );
    let hour12 = if hour % 12 == 0 { 12 } else { hour % 12 };
    let am_pm = if hour < 12 { "AM" } else { "PM" };
    let month_name = MONTHS[(month - 1) as usize];
    let weekday_index = weekday(moment);
    let weekday_name = WEEKDAYS[weekday_index];
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(specifier) = chars.next() else {
            break;
        };
        let piece = match specifier {
            'Y' => format!("{year:04}"),
            'y' => format!("{:02}", year % 100),
            'm' => format!("{month:02}"),
            'c' => month.to_string(),
            'M' => month_name.to_owned(),
            'b' => month_name[..3].to_owned(),
            'd' => format!("{day:02}"),
            'e' => day.to_string(),
            'D' => {
                let suffix = match (day % 10, day % 100) {
                    (_, 11..=13) => "th",
                    (1, _) => "st",
                    (2, _) => "nd",
                    (3, _) => "rd",
                    _ => "th",
                };
                format!("{day}{suffix}")
            }
            'j' => format!("{:03}", day_of_year(moment)),
            'H' => format!("{hour:02}"),
            'k' => hour.to_string(),
            'h' | 'I' => format!("{hour12:02}"),
            'l' => hour12.to_string(),
            'i' => format!("{minute:02}"),
            's' | 'S' => format!("{second:02}"),
            'f' => "000000".to_owned(),
            'p' => am_pm.to_owned(),
            'r' => format!("{hour12:02}:{minute:02}:{second:02} {am_pm}"),
            'T' => format!("{hour:02}:{minute:02}:{second:02}"),
            'W' => weekday_name.to_owned(),
            'a' => weekday_name[..3].to_owned(),
            // Sunday is 0.
            'w' => ((weekday_index + 1) % 7).to_string(),
            other => other.to_string(),
        };
        out.push_str(&piece);
    }
    out
}

/// `STR_TO_DATE(text, format)` for the numeric specifiers and month names; NULL when the
/// text does not match. A format without time parts gives a date.
fn parse_with(text: &str, pattern: &str) -> Option<Moment> {
    let (mut year, mut month, mut day) = (None, None, None);
    let (mut hour, mut minute, mut second) = (0i64, 0i64, 0i64);
    let mut pm = None;
    let mut has_time = false;
    let mut rest = text.trim();
    let mut chars = pattern.trim().chars();
    let number = |rest: &mut &str, max_digits: usize| -> Option<i64> {
        let digits = rest
            .bytes()
            .take(max_digits)
            .take_while(u8::is_ascii_digit)
            .count();
        let value = rest[..digits].parse().ok()?;
        *rest = &rest[digits..];
        Some(value)
    };
    while let Some(c) = chars.next() {
        if c != '%' {
            rest = rest.strip_prefix(c)?;
            continue;
        }
        match chars.next()? {
            'Y' => year = Some(number(&mut rest, 4)?),
            'y' => {
                year =
                    Some(2000 + number(&mut rest, 2)?).map(|y| if y > 2069 { y - 100 } else { y })
            }
            'm' | 'c' => month = Some(number(&mut rest, 2)?),
            'd' | 'e' => day = Some(number(&mut rest, 2)?),
            'H' | 'k' | 'h' | 'I' | 'l' => {
                hour = number(&mut rest, 2)?;
                has_time = true;
            }
            'i' => {
                minute = number(&mut rest, 2)?;
                has_time = true;
            }
            's' | 'S' => {
                second = number(&mut rest, 2)?;
                has_time = true;
            }
            'f' => {
                number(&mut rest, 6)?;
                has_time = true;
            }
            'T' => {
                hour = number(&mut rest, 2)?;
                rest = rest.strip_prefix(':')?;
                minute = number(&mut rest, 2)?;
                rest = rest.strip_prefix(':')?;
                second = number(&mut rest, 2)?;
                has_time = true;
            }
            'p' => {
                let upper = rest.get(..2)?.to_ascii_uppercase();
                pm = Some(match upper.as_str() {
                    "AM" => false,
                    "PM" => true,
                    _ => return None,
                });
                rest = &rest[2..];
            }
            'M' | 'b' => {
                let lower = rest.to_ascii_lowercase();
                let (index, length) = MONTHS.iter().enumerate().find_map(|(index, name)| {
                    let name = name.to_ascii_lowercase();
                    if lower.starts_with(&name) {
                        Some((index, name.len()))
                    } else if lower.starts_with(&name[..3]) {
                        Some((index, 3))
                    } else {
                        None
                    }
                })?;
                month = Some(index as i64 + 1);
                rest = &rest[length..];
            }
            '%' => rest = rest.strip_prefix('%')?,
            _ => return None,
        }
    }
    if let Some(pm) = pm {
        hour = hour % 12 + if pm { 12 } else { 0 };
    }
    let (year, month, day) = (year?, month.unwrap_or(1), day.unwrap_or(1));
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    Some(Moment {
        seconds: days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second,
        has_time,
    })
}

/// Seconds since the epoch of a date as [`read_written`] reads it (its fraction dropped):
/// what `UNIX_TIMESTAMP(text)` and the date functions read.
pub(super) fn seconds_of(text: &str) -> Option<i64> {
    read_written(text).map(|(seconds, _)| seconds)
}

/// Days since the epoch of a calendar date `YYYY-MM-DD` (MySQL also reads `2026-1-5`), in
/// MySQL's range of years 0 to 9999.
fn days_of(date: &str) -> Option<i64> {
    let number = |part: &str| -> Option<i64> {
        (!part.is_empty() && part.len() <= 4 && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse().ok())
            .flatten()
    };
    let mut parts = date.splitn(3, '-');
    let (year, month, day) = (
        number(parts.next()?)?,
        number(parts.next()?)?,
        number(parts.next()?)?,
    );
    // The bound also keeps the arithmetic far from overflow whatever digits the app sends.
    if !(0..=9999).contains(&year) || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// The one reader of a date in text, as MySQL reads one written to a date column: `YYYY-MM-DD`, then optionally a space
/// or `T`, `HH:MM[:SS[.fraction]]`, then optionally `Z` or an offset `±HH:MM` (the time is then
/// moved to UTC, TiDB's zone on Forge). Seconds since the epoch and microseconds.
fn read_written(text: &str) -> Option<(i64, u32)> {
    let text = text.trim();
    let (date, time) = match text.split_once([' ', 'T']) {
        Some((date, time)) => (date, Some(time.trim())),
        None => (text, None),
    };
    let mut seconds = days_of(date)? * 86_400;
    let Some(mut time) = time else {
        return Some((seconds, 0));
    };
    let mut offset = 0i64;
    if let Some(rest) = time.strip_suffix(['Z', 'z']) {
        time = rest;
    } else if let Some(at) = time.rfind(['+', '-']).filter(|at| *at >= 5) {
        let (clock, zone) = time.split_at(at);
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let (hours, minutes) = zone[1..].split_once(':')?;
        let (hours, minutes): (i64, i64) = (hours.parse().ok()?, minutes.parse().ok()?);
        if hours > 14 || minutes > 59 {
            return None;
        }
        offset = sign * (hours * 3600 + minutes * 60);
        time = clock;
    }
    let (clock, fraction) = match time.split_once('.') {
        Some((clock, fraction)) => (clock, Some(fraction)),
        None => (time, None),
    };
    let mut parts = clock.split(':');
    let field = |part: Option<&str>, max: i64| -> Option<i64> {
        let part = part?;
        if part.is_empty() || part.len() > 2 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        part.parse().ok().filter(|value| *value <= max)
    };
    let hour = field(parts.next(), 23)?;
    let minute = field(parts.next(), 59)?;
    let second = match parts.next() {
        Some(part) => field(Some(part), 59)?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    let micros = match fraction {
        Some(digits) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            let six: String = digits
                .chars()
                .chain(std::iter::repeat('0'))
                .take(6)
                .collect();
            six.parse().ok()?
        }
        Some(_) => return None,
        None => 0,
    };
    seconds += hour * 3600 + minute * 60 + second - offset;
    Some((seconds, micros))
}

/// The canonical text MySQL stores: a date, or a date and time with `fsp` fractional digits,
/// rounded as MySQL rounds.
fn stored_text(seconds: i64, micros: u32, fsp: Option<u32>) -> String {
    let Some(fsp) = fsp else {
        return datetime_text(seconds)[..10].to_owned();
    };
    let unit = 10u32.pow(6 - fsp.min(6));
    let mut rounded = (micros + unit / 2) / unit * unit;
    let mut seconds = seconds;
    if rounded >= 1_000_000 {
        seconds += 1;
        rounded = 0;
    }
    let mut out = datetime_text(seconds);
    if fsp > 0 {
        let digits = format!("{rounded:06}");
        out.push('.');
        out.push_str(&digits[..fsp as usize]);
    }
    out
}

/// `seconds + delta`, within MySQL's years 0 to 9999.
fn add_seconds(seconds: i64, delta: i64) -> Option<i64> {
    add(
        Moment {
            seconds,
            has_time: true,
        },
        delta,
        Unit::Second,
    )
    .map(|moment| moment.seconds)
}

/// MySQL's strict-mode refusal of a value that is not a date.
fn incorrect(kind: &str, value: ValueRef<'_>, column: &str) -> rusqlite::Error {
    let shown = match value {
        ValueRef::Text(text) => String::from_utf8_lossy(text).chars().take(64).collect(),
        ValueRef::Integer(value) => value.to_string(),
        ValueRef::Real(value) => value.to_string(),
        _ => String::new(),
    };
    rusqlite::Error::UserFunctionError(
        format!(
            "Error 1292 (22007): Incorrect {kind} value: '{shown}' for column '{column}' at row 1"
        )
        .into(),
    )
}

fn written(value: ValueRef<'_>) -> Option<(i64, u32)> {
    match value {
        ValueRef::Text(text) => read_written(std::str::from_utf8(text).ok()?),
        _ => None,
    }
}

/// Registers the date functions on `connection`. Each answers from its arguments alone:
/// DETERMINISTIC, so SQLite may use them in indexes' expressions and fold constants.
pub fn register_date_functions(connection: &Connection) -> rusqlite::Result<()> {
    let flags = super::functions::PURE;
    // `date + INTERVAL n unit` and DATE_ADD/DATE_SUB, rewritten by `expressions`.
    connection.create_scalar_function("kiln_date_add", 3, flags, |context| {
        Ok(date_add(
            context.get_raw(0),
            context.get_raw(1),
            context.get_raw(2),
        ))
    })?;
    // `INTERVAL n unit + date`: the same, with the arguments in the order the app wrote them.
    connection.create_scalar_function("kiln_interval_add", 3, flags, |context| {
        Ok(date_add(
            context.get_raw(2),
            context.get_raw(0),
            context.get_raw(1),
        ))
    })?;
    // A value written to a DATETIME/TIMESTAMP or DATE column (rewritten by `writes`).
    connection.create_scalar_function("kiln_datetime", 3, flags, |context| {
        let value = context.get_raw(0);
        if matches!(value, ValueRef::Null) {
            return Ok(None);
        }
        let fsp = context.get::<i64>(1).unwrap_or(0).clamp(0, 6) as u32;
        let column = text(context, 2).unwrap_or_default();
        match written(value) {
            Some((seconds, micros)) => Ok(Some(stored_text(seconds, micros, Some(fsp)))),
            None => Err(incorrect("datetime", value, column)),
        }
    })?;
    connection.create_scalar_function("kiln_date", 2, flags, |context| {
        let value = context.get_raw(0);
        if matches!(value, ValueRef::Null) {
            return Ok(None);
        }
        let column = text(context, 1).unwrap_or_default();
        match written(value) {
            Some((seconds, micros)) => Ok(Some(stored_text(seconds, micros, None))),
            None => Err(incorrect("date", value, column)),
        }
    })?;
    // A value compared with a date column: its stored form when it reads as a date, else as
    // it is (fsp -1: a DATE).
    connection.create_scalar_function("kiln_as_stored_date", 2, flags, |context| {
        let value = context.get_raw(0);
        let fsp = context.get::<i64>(1).unwrap_or(0);
        Ok(match written(value) {
            Some((seconds, micros)) => Value::Text(stored_text(
                seconds,
                micros,
                u32::try_from(fsp).ok().map(|fsp| fsp.min(6)),
            )),
            None => context.get::<Value>(0)?,
        })
    })?;
    connection.create_scalar_function("timestampadd", 3, flags, |context| {
        Ok(date_add(
            context.get_raw(2),
            context.get_raw(1),
            context.get_raw(0),
        ))
    })?;
    connection.create_scalar_function("timestampdiff", 3, flags, |context| {
        Ok((|| {
            difference(
                Unit::read(context.get_raw(0))?,
                Moment::read(context.get_raw(1))?,
                Moment::read(context.get_raw(2))?,
            )
        })())
    })?;
    connection.create_scalar_function("datediff", 2, flags, |context| {
        Ok((|| {
            let days =
                |index| Moment::read(context.get_raw(index)).map(|m| m.seconds.div_euclid(86_400));
            Some(days(0)? - days(1)?)
        })())
    })?;
    type Part = fn(Moment) -> i64;
    let parts: [(&str, Part); 11] = [
        ("year", |m| m.civil().0),
        ("month", |m| m.civil().1),
        ("quarter", |m| (m.civil().1 - 1) / 3 + 1),
        ("day", |m| m.civil().2),
        ("dayofmonth", |m| m.civil().2),
        ("hour", |m| m.second_of_day() / 3600),
        ("minute", |m| m.second_of_day() / 60 % 60),
        ("second", |m| m.second_of_day() % 60),
        // Sunday is 1, as in MySQL.
        ("dayofweek", |m| (weekday(m) as i64 + 1) % 7 + 1),
        ("weekday", |m| weekday(m) as i64),
        ("dayofyear", day_of_year),
    ];
    for (name, part) in parts {
        connection.create_scalar_function(name, 1, flags, move |context| {
            Ok(Moment::read(context.get_raw(0)).map(part))
        })?;
    }
    for (name, arity) in [("week", 1), ("week", 2)] {
        connection.create_scalar_function(name, arity, flags, move |context| {
            Ok((|| {
                let mode = if arity == 2 {
                    context.get::<i64>(1).ok()?
                } else {
                    0
                };
                week(Moment::read(context.get_raw(0))?, mode)
            })())
        })?;
    }
    connection.create_scalar_function("dayname", 1, flags, |context| {
        Ok(Moment::read(context.get_raw(0)).map(|m| WEEKDAYS[weekday(m)]))
    })?;
    connection.create_scalar_function("monthname", 1, flags, |context| {
        Ok(Moment::read(context.get_raw(0)).map(|m| MONTHS[(m.civil().1 - 1) as usize]))
    })?;
    connection.create_scalar_function("microsecond", 1, flags, |context| {
        Ok(written(context.get_raw(0)).map(|(_, micros)| i64::from(micros)))
    })?;
    // TIMESTAMP(x): x as a datetime.
    connection.create_scalar_function("timestamp", 1, flags, |context| {
        Ok(written(context.get_raw(0)).map(|(seconds, _)| stored_text(seconds, 0, Some(0))))
    })?;
    connection.create_scalar_function("makedate", 2, flags, |context| {
        Ok((|| {
            let year = context.get::<i64>(0).ok()?;
            let day = context.get::<i64>(1).ok()?;
            if !(0..=9999).contains(&year) || day < 1 {
                return None;
            }
            let seconds = days_from_civil(year, 1, 1)
                .checked_add(day - 1)?
                .checked_mul(86_400)?;
            add(
                Moment {
                    seconds,
                    has_time: false,
                },
                0,
                Unit::Day,
            )
            .map(Moment::text)
        })())
    })?;
    connection.create_scalar_function("from_unixtime", 2, flags, |context| {
        Ok((|| {
            let seconds = context.get::<f64>(0).ok()?.floor() as i64;
            if !(0..=253_402_300_799).contains(&seconds) {
                return None;
            }
            let moment = Moment {
                seconds,
                has_time: true,
            };
            Some(format(moment, text(context, 1)?))
        })())
    })?;
    connection.create_scalar_function("sec_to_time", 1, flags, |context| {
        Ok(context
            .get::<f64>(0)
            .ok()
            .filter(|seconds| seconds.abs() <= 3_020_399.0)
            .map(|seconds| time_text(seconds.trunc() as i64)))
    })?;
    connection.create_scalar_function("time_to_sec", 1, flags, |context| {
        Ok(text(context, 0).and_then(|text| {
            // A datetime's time of day, or a time.
            match written(context.get_raw(0)) {
                Some((seconds, _)) if text.len() > 10 => Some(seconds.rem_euclid(86_400)),
                _ => time_seconds(text),
            }
        }))
    })?;
    // ADDTIME(datetime or time, time).
    connection.create_scalar_function("addtime", 2, flags, |context| {
        Ok((|| {
            let add = time_seconds(text(context, 1)?)?;
            let base = text(context, 0)?;
            if base.trim().len() > 10
                && let Some((seconds, _)) = written(context.get_raw(0))
            {
                let moment = add_seconds(seconds, add)?;
                return Some(stored_text(moment, 0, Some(0)));
            }
            Some(time_text(time_seconds(base)?.checked_add(add)?))
        })())
    })?;
    connection.create_scalar_function(
        "curtime",
        0,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_INNOCUOUS,
        |_| {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_secs() as i64);
            Ok(time_text(now.rem_euclid(86_400)))
        },
    )?;
    connection.create_scalar_function("convert_tz", 3, flags, |context| {
        Ok((|| {
            let (seconds, _) = written(context.get_raw(0))?;
            let from = offset_seconds(text(context, 1)?)?;
            let to = offset_seconds(text(context, 2)?)?;
            Some(stored_text(add_seconds(seconds, to - from)?, 0, Some(0)))
        })())
    })?;
    connection.create_scalar_function("last_day", 1, flags, |context| {
        Ok(Moment::read(context.get_raw(0)).map(|moment| {
            let (year, month, _) = moment.civil();
            Moment {
                seconds: days_from_civil(year, month, days_in_month(year, month)) * 86_400,
                has_time: false,
            }
            .text()
        }))
    })?;
    connection.create_scalar_function("date_format", 2, flags, |context| {
        Ok((|| {
            let moment = Moment::read(context.get_raw(0))?;
            Some(format(moment, text(context, 1)?))
        })())
    })?;
    connection.create_scalar_function("str_to_date", 2, flags, |context| {
        Ok((|| {
            let moment = parse_with(text(context, 0)?, text(context, 1)?)?;
            Some(moment.text())
        })())
    })?;
    Ok(())
}

fn date_add(date: ValueRef<'_>, amount: ValueRef<'_>, unit: ValueRef<'_>) -> Value {
    (|| {
        let moment = add(Moment::read(date)?, integer(amount)?, Unit::read(unit)?)?;
        Some(Value::Text(moment.text()))
    })()
    .unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_through_the_calendar() {
        for seconds in [0, 951_782_400, 1_764_849_600, -86_400, 4_102_444_799] {
            let text = datetime_text(seconds);
            assert_eq!(seconds_of(&text), Some(seconds), "{text}");
        }
        assert_eq!(datetime_text(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(
            seconds_of("2026-12-04T10:00:00.123Z"),
            seconds_of("2026-12-04 10:00:00")
        );
        assert_eq!(
            seconds_of("2026-12-04T12:00:00+02:00"),
            seconds_of("2026-12-04 10:00:00")
        );
        assert_eq!(seconds_of("2026-1-5"), seconds_of("2026-01-05"));
        assert_eq!(seconds_of("2026-13-01"), None);
        assert_eq!(seconds_of("tomorrow"), None);
        assert_eq!(seconds_of("99999999999999999999-01-01"), None);
    }

    fn moment(text: &str) -> Moment {
        Moment {
            seconds: seconds_of(text).expect("a date"),
            has_time: text.len() > 10,
        }
    }

    #[test]
    fn adding_months_clamps_to_the_month_end_and_days_keep_a_date_a_date() {
        assert_eq!(
            add(moment("2024-01-31"), 1, Unit::Month).map(Moment::text),
            Some("2024-02-29".into())
        );
        assert_eq!(
            add(moment("2024-03-31 10:00:00"), -1, Unit::Quarter).map(Moment::text),
            Some("2023-12-31 10:00:00".into())
        );
        assert_eq!(
            add(moment("2024-01-01"), 2, Unit::Week).map(Moment::text),
            Some("2024-01-15".into())
        );
        assert_eq!(
            add(moment("2024-01-01"), -90, Unit::Minute).map(Moment::text),
            Some("2023-12-31 22:30:00".into())
        );
        assert_eq!(add(moment("9999-12-31"), 1, Unit::Day), None);
    }

    #[test]
    fn differences_truncate_toward_zero_as_mysql_does() {
        let from = moment("2024-01-31 12:00:00");
        assert_eq!(
            difference(Unit::Month, from, moment("2024-02-29 12:00:00")),
            Some(0)
        );
        assert_eq!(
            difference(Unit::Month, from, moment("2024-03-31 12:00:00")),
            Some(2)
        );
        assert_eq!(
            difference(Unit::Day, from, moment("2024-01-30 13:00:00")),
            Some(0)
        );
        assert_eq!(
            difference(Unit::Hour, from, moment("2024-01-30 11:00:00")),
            Some(-25)
        );
        assert_eq!(
            difference(Unit::Year, moment("2020-02-29"), moment("2024-02-28")),
            Some(3)
        );
    }

    #[test]
    fn written_dates_are_stored_in_mysqls_form() {
        let stored = |text: &str, fsp: Option<u32>| {
            read_written(text).map(|(seconds, micros)| stored_text(seconds, micros, fsp))
        };
        assert_eq!(
            stored("2024-05-01T10:20:30.000Z", Some(0)).as_deref(),
            Some("2024-05-01 10:20:30")
        );
        assert_eq!(
            stored("2024-05-01T10:20:30.5+02:00", Some(0)).as_deref(),
            Some("2024-05-01 08:20:31")
        );
        assert_eq!(
            stored("2024-12-31 23:59:59.9996", Some(3)).as_deref(),
            Some("2025-01-01 00:00:00.000")
        );
        assert_eq!(
            stored("2024-05-01 10:20", Some(3)).as_deref(),
            Some("2024-05-01 10:20:00.000")
        );
        assert_eq!(
            stored("2024-05-01", Some(0)).as_deref(),
            Some("2024-05-01 00:00:00")
        );
        assert_eq!(
            stored("2024-05-01 23:00:00-02:00", None).as_deref(),
            Some("2024-05-02")
        );
        assert_eq!(stored("2024-05-01 24:00:00", Some(0)), None);
        assert_eq!(stored("yesterday", Some(0)), None);
        assert_eq!(stored("2024-05-01 10:20:30.x", Some(0)), None);
    }

    #[test]
    fn weeks_and_times_follow_mysqls_modes() {
        // 2025-01-01 was a Wednesday; its first Sunday the 5th.
        assert_eq!(week(moment("2025-01-04"), 0), Some(0));
        assert_eq!(week(moment("2025-01-05"), 0), Some(1));
        assert_eq!(week(moment("2025-12-31"), 0), Some(52));
        // ISO: 2025-12-29 is week 1 of 2026; 2021-01-03 week 53 of 2020 (mode 1: 0).
        assert_eq!(week(moment("2025-12-29"), 3), Some(1));
        assert_eq!(week(moment("2021-01-03"), 3), Some(53));
        assert_eq!(week(moment("2021-01-03"), 1), Some(0));
        assert_eq!(week(moment("2025-06-15"), 3), Some(24));
        assert_eq!(week(moment("2025-06-15"), 7), None);
        assert_eq!(time_text(3_661), "01:01:01");
        assert_eq!(time_text(-90_000), "-25:00:00");
        assert_eq!(time_seconds("-01:30"), Some(-5_400));
        assert_eq!(time_seconds("1:00:60"), None);
        assert_eq!(offset_seconds("+05:30"), Some(19_800));
        assert_eq!(offset_seconds("Europe/Paris"), None);
    }

    #[test]
    fn formats_and_parses_with_mysql_specifiers() {
        let m = moment("2024-03-02 15:04:05");
        assert_eq!(
            format(m, "%Y-%m-%d %H:%i:%s"),
            "2024-03-02 15:04:05".to_owned()
        );
        assert_eq!(
            format(m, "%W, %M %D %Y %h:%i %p (%a %b %e %j %w %q)"),
            "Saturday, March 2nd 2024 03:04 PM (Sat Mar 2 062 6 q)"
        );
        assert_eq!(
            parse_with("02/03/2024", "%d/%m/%Y").map(Moment::text),
            Some("2024-03-02".into())
        );
        assert_eq!(
            parse_with("March 2 2024 3:04 PM", "%M %e %Y %l:%i %p").map(Moment::text),
            Some("2024-03-02 15:04:00".into())
        );
        assert_eq!(parse_with("2024-02-30", "%Y-%m-%d"), None);
        assert_eq!(parse_with("not a date", "%Y-%m-%d"), None);
    }
}
