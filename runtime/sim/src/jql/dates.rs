//! JQL's date values and date clauses, one set of rules for every date field:
//! the due date (a calendar day: `due_date.rs`) and the date-times `created`,
//! `updated` and `resolved`.
//!
//! A value is a literal, `"yyyy/MM/dd"` or `"yyyy-MM-dd"` (a date-time field
//! also takes `"yyyy/MM/dd HH:mm"` and `"yyyy-MM-dd HH:mm"`), a period relative
//! to now (`"-1d"`, `"2w"`, `"4w 2d"`: weeks, days, hours, minutes), or a date
//! function (`now()`, `startOfDay()`, `endOfDay()`, `startOfWeek()`,
//! `endOfWeek()`, `startOfMonth()`, `endOfMonth()`, `startOfYear()`,
//! `endOfYear()`), the `startOf`/`endOf` ones with an optional increment
//! `(+/-)n(y|M|w|d|h|m)` (`startOfMonth(-1)`: the start of last month).
//!
//! Everything is read in UTC: Jira reads literals and functions in the
//! searcher's time zone (and starts a week on the locale's first day, Sunday
//! for `en_US`); the simulator applies neither its users' zones nor locales.
//! Periods and functions are resolved when the query runs, not when it is
//! compiled, because an admin webhook's query is compiled once and matched
//! against every later event.

use std::cmp::Ordering;

use time::{Date, Duration, Month, OffsetDateTime, Time};

use super::JqlError;
use super::parser::{Clause, Operand, Operator, ordering_holds};
use crate::world::custom_field::parse_date;

/// How a field's values are compared, and which literals it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Resolution {
    /// A calendar day (`duedate`): whatever a value stands for is compared as
    /// the day it falls on; literals are dates only.
    Day,
    /// An instant (`created`): compared to the millisecond, as Jira keeps
    /// them; literals may carry a time of day.
    Instant,
}

/// A date function of JQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DateFunction {
    Now,
    Start(Unit),
    End(Unit),
}

/// Every date function by its name, as JQL names them (matched without regard
/// to case).
const FUNCTIONS: [(&str, DateFunction); 9] = [
    ("now", DateFunction::Now),
    ("startOfDay", DateFunction::Start(Unit::Day)),
    ("endOfDay", DateFunction::End(Unit::Day)),
    ("startOfWeek", DateFunction::Start(Unit::Week)),
    ("endOfWeek", DateFunction::End(Unit::Week)),
    ("startOfMonth", DateFunction::Start(Unit::Month)),
    ("endOfMonth", DateFunction::End(Unit::Month)),
    ("startOfYear", DateFunction::Start(Unit::Year)),
    ("endOfYear", DateFunction::End(Unit::Year)),
];

/// Every date function: what a date field takes, the due date's and the date-times'.
pub(super) fn all_functions() -> [DateFunction; 9] {
    FUNCTIONS.map(|(_, function)| function)
}

/// Functions that stand for something other than a date: a date field
/// refuses them as "not supported" rather than unknown.
const OTHER_FUNCTIONS: [&str; 6] = [
    "currentUser",
    "subTaskIssueTypes",
    "standardIssueTypes",
    "openSprints",
    "closedSprints",
    "futureSprints",
];

/// A calendar unit of a function's increment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unit {
    Year,
    Month,
    Week,
    Day,
    Hour,
    Minute,
}

/// What one date operand stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DateValue {
    /// A literal date (midnight) or date and time, in UTC.
    At(OffsetDateTime),
    /// Now plus a period.
    FromNow(Duration),
    /// A function, with its increment (`startOfMonth(-1)`) if it has one.
    Function(DateFunction, Option<(i32, Unit)>),
}

impl DateValue {
    /// The instant this stands for at `now`; `None` past the calendar's end.
    pub(super) fn instant(self, now: impl Fn() -> OffsetDateTime) -> Option<OffsetDateTime> {
        match self {
            DateValue::At(at) => Some(at),
            DateValue::FromNow(offset) => now().checked_add(offset),
            DateValue::Function(function, increment) => evaluate(function, increment, now()),
        }
    }
}

/// A compiled date clause: `=`, `!=`, `IN`, `NOT IN`, `IS [NOT] EMPTY` and
/// `<`, `<=`, `>`, `>=`.
#[derive(Debug, Clone)]
pub(super) struct DateTest {
    resolution: Resolution,
    /// `None` for equality (`=`, `IN`, `IS`: any of `bounds`, `None` being
    /// EMPTY); else the ordering operator, with one bound.
    ordering: Option<&'static str>,
    bounds: Vec<Option<DateValue>>,
    negate: bool,
}

impl DateTest {
    /// Resolves `clause`, whose field is a date field of `resolution` taking
    /// the date functions `functions`, with Jira's messages for what it
    /// cannot take.
    pub(super) fn compile(
        clause: &Clause,
        resolution: Resolution,
        functions: &[DateFunction],
    ) -> Result<Self, JqlError> {
        let name = clause.field.as_str();
        let unsupported = || {
            JqlError(format!(
                "The operator '{}' is not supported by the '{name}' field.",
                clause.operator.as_str()
            ))
        };
        let (ordering, operands, negate) = match (clause.operator, &clause.operand) {
            (Operator::Equals | Operator::NotEquals, Operand::List(_)) => {
                return Err(unsupported());
            }
            (Operator::Equals, single) => (None, vec![single], false),
            (Operator::NotEquals, single) => (None, vec![single], true),
            (Operator::In, Operand::List(items)) => (None, items.iter().collect(), false),
            (Operator::NotIn, Operand::List(items)) => (None, items.iter().collect(), true),
            (Operator::Is, Operand::Empty) => (None, vec![&Operand::Empty], false),
            (Operator::IsNot, Operand::Empty) => (None, vec![&Operand::Empty], true),
            (Operator::Is | Operator::IsNot, _) => {
                return Err(JqlError(format!(
                    "The operator '{}' only supports the EMPTY value for the field '{name}'.",
                    clause.operator.as_str()
                )));
            }
            (
                Operator::Ordering(operator),
                single @ (Operand::Literal(_) | Operand::Function(..)),
            ) => (Some(operator), vec![single], false),
            (Operator::Ordering(operator), _) => {
                return Err(JqlError::single_value_required(operator, name));
            }
            _ => return Err(unsupported()),
        };
        let bounds = operands
            .into_iter()
            .map(|operand| value(name, operand, resolution, functions))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            resolution,
            ordering,
            bounds,
            negate,
        })
    }

    /// Whether an issue whose value is `have` (`None`: empty) matches; `now`
    /// is read only if a bound is relative.
    pub(super) fn matches(
        &self,
        have: Option<OffsetDateTime>,
        now: impl Fn() -> OffsetDateTime,
    ) -> bool {
        let compare = |bound: DateValue| {
            let at = bound.instant(&now)?;
            let have = have?;
            Some(match self.resolution {
                Resolution::Day => have.date().cmp(&at.date()),
                Resolution::Instant => millis(have).cmp(&millis(at)),
            })
        };
        if let Some(operator) = self.ordering {
            let ordering = self.bounds.first().copied().flatten().and_then(compare);
            return ordering.is_some_and(|o| ordering_holds(operator, o));
        }
        let hit = self.bounds.iter().any(|bound| match bound {
            None => have.is_none(),
            Some(bound) => compare(*bound) == Some(Ordering::Equal),
        });
        // Jira's `!=` and `NOT IN` never match an issue with no value.
        if self.negate {
            !hit && have.is_some()
        } else {
            hit
        }
    }
}

/// An instant to the millisecond, as Jira stores and compares timestamps.
fn millis(at: OffsetDateTime) -> i128 {
    at.unix_timestamp_nanos().div_euclid(1_000_000)
}

/// One operand: EMPTY (`None`), a literal date, a period or a date function.
pub(super) fn value(
    name: &str,
    operand: &Operand,
    resolution: Resolution,
    functions: &[DateFunction],
) -> Result<Option<DateValue>, JqlError> {
    match operand {
        Operand::Empty => Ok(None),
        Operand::List(_) => Err(JqlError(format!(
            "A list is not valid here for the field '{name}'."
        ))),
        Operand::Function(function, args) => {
            let known = FUNCTIONS
                .iter()
                .find(|(n, f)| n.eq_ignore_ascii_case(function) && functions.contains(f));
            let Some((canonical, function)) = known else {
                let other = OTHER_FUNCTIONS
                    .iter()
                    .any(|f| f.eq_ignore_ascii_case(function));
                return Err(JqlError(if other {
                    format!("Function '{function}' is not supported by the field '{name}'.")
                } else {
                    format!("Unable to find JQL function '{function}()'.")
                }));
            };
            let increment = increment(canonical, *function, args)?;
            Ok(Some(DateValue::Function(*function, increment)))
        }
        Operand::Literal(literal) => literal_value(name, literal, resolution).map(Some),
    }
}

/// A literal of a date field: a date (with a time, for a date-time field) or
/// a period.
fn literal_value(name: &str, literal: &str, resolution: Resolution) -> Result<DateValue, JqlError> {
    match parse_date_time(literal) {
        Some((at, false)) => return Ok(DateValue::At(at)),
        Some((at, true)) if resolution == Resolution::Instant => return Ok(DateValue::At(at)),
        _ => {}
    }
    period(literal)
        .map(DateValue::FromNow)
        .ok_or_else(|| invalid_date(name, literal, resolution))
}

/// Jira's words for a literal a date clause cannot read; a date field's
/// message leaves out the date-time formats it has no use for.
pub(super) fn invalid_date(name: &str, literal: &str, resolution: Resolution) -> JqlError {
    let formats = match resolution {
        Resolution::Day => "",
        Resolution::Instant => "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', ",
    };
    JqlError(format!(
        "Date value '{literal}' for field '{name}' is invalid. Valid formats include: \
         {formats}'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."
    ))
}

/// A JQL date literal: `yyyy/MM/dd` or `yyyy-MM-dd`, optionally followed by
/// ` HH:mm`, in UTC; with whether it had a time. `None` when it is not one.
pub(super) fn parse_date_time(text: &str) -> Option<(OffsetDateTime, bool)> {
    let text = text.trim();
    let (day, clock) = match text.split_once(' ') {
        Some((day, clock)) => (day, Some(clock)),
        None => (text, None),
    };
    let date = parse_date(day)?;
    let Some(clock) = clock else {
        return Some((date.midnight().assume_utc(), false));
    };
    let (hour, minute) = clock.split_once(':')?;
    let two_digits = |s: &str| (1..=2).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    if !two_digits(hour) || !two_digits(minute) {
        return None;
    }
    let time = Time::from_hms(hour.parse().ok()?, minute.parse().ok()?, 0).ok()?;
    Some((date.with_time(time).assume_utc(), true))
}

/// A JQL period: an optional `-`, then one or more of a number and a unit
/// (`w` weeks, `d` days, `h` hours, `m` minutes), spaces between allowed.
/// `None` when it is not one, or too long for the calendar.
pub(super) fn period(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (negative, mut rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, text),
    };
    let mut seconds: i64 = 0;
    // Whether a part was read (a flag, not a count: the literal is the
    // caller's, and a count of its parts could overflow).
    let mut any = false;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let (number, after) = rest.split_at(digits);
        let number: i64 = number.parse().ok()?;
        let mut chars = after.chars();
        let unit: i64 = match chars.next()?.to_ascii_lowercase() {
            'w' => 7 * 24 * 3600,
            'd' => 24 * 3600,
            'h' => 3600,
            'm' => 60,
            _ => return None,
        };
        seconds = seconds.checked_add(number.checked_mul(unit)?)?;
        any = true;
        rest = chars.as_str().trim_start();
    }
    if !any {
        return None;
    }
    Some(Duration::seconds(if negative { -seconds } else { seconds }))
}

/// A function's arguments: none, or for a `startOf`/`endOf` function one
/// increment `(+/-)n(y|M|w|d|h|m)`, the unit defaulting to the function's own
/// (`startOfMonth(-1)` is `startOfMonth("-1M")`), in Jira's words otherwise.
fn increment(
    name: &str,
    function: DateFunction,
    args: &[String],
) -> Result<Option<(i32, Unit)>, JqlError> {
    let natural = match function {
        DateFunction::Start(unit) | DateFunction::End(unit) => unit,
        DateFunction::Now => {
            return match args.len() {
                0 => Ok(None),
                n => Err(JqlError(format!(
                    "Function '{name}' expected '0' arguments but received '{n}'."
                ))),
            };
        }
    };
    let arg = match args {
        [] => return Ok(None),
        [arg] => arg.trim(),
        _ => {
            return Err(JqlError(format!(
                "Function '{name}' expected between '0' and '1' arguments but received '{}'.",
                args.len()
            )));
        }
    };
    let bad = || {
        JqlError(format!(
            "Duration for function '{name}' should have the format (+/-)n(yMwdm), e.g -1M for 1 month earlier."
        ))
    };
    let (negative, rest) = match (arg.strip_prefix('-'), arg.strip_prefix('+')) {
        (Some(rest), _) => (true, rest),
        (None, Some(rest)) => (false, rest),
        (None, None) => (false, arg),
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = rest.split_at(digits);
    let unit = match unit {
        "" => natural,
        // Jira's units are case-sensitive: `M` months, `m` minutes.
        "y" => Unit::Year,
        "M" => Unit::Month,
        "w" => Unit::Week,
        "d" => Unit::Day,
        "h" => Unit::Hour,
        "m" => Unit::Minute,
        _ => return Err(bad()),
    };
    let amount: i32 = number.parse().map_err(|_| bad())?;
    Ok(Some((if negative { -amount } else { amount }, unit)))
}

/// A function's instant at `now`. As Jira does, an increment in the
/// function's own unit moves `now` before the start or end is taken
/// (`endOfMonth("+1M")` is the end of next month), any other after
/// (`startOfMonth("+14d")` is the 15th of this month).
fn evaluate(
    function: DateFunction,
    increment: Option<(i32, Unit)>,
    now: OffsetDateTime,
) -> Option<OffsetDateTime> {
    let (unit, start) = match function {
        DateFunction::Now => return Some(now),
        DateFunction::Start(unit) => (unit, true),
        DateFunction::End(unit) => (unit, false),
    };
    let (before, after) = match increment {
        Some(inc) if inc.1 == unit => (Some(inc), None),
        other => (None, other),
    };
    let mut at = now;
    if let Some((amount, by)) = before {
        at = add(at, amount, by)?;
    }
    let first = start_of(at, unit)?;
    at = if start {
        first
    } else {
        add(first, 1, unit)?.checked_sub(Duration::milliseconds(1))?
    };
    match after {
        Some((amount, by)) => add(at, amount, by),
        None => Some(at),
    }
}

/// The start of the `unit` `at` falls in; a week starts on Sunday.
fn start_of(at: OffsetDateTime, unit: Unit) -> Option<OffsetDateTime> {
    let date = at.date();
    let day = match unit {
        Unit::Minute => return at.replace_second(0).ok()?.replace_nanosecond(0).ok(),
        Unit::Hour => {
            return at
                .replace_minute(0)
                .ok()?
                .replace_second(0)
                .ok()?
                .replace_nanosecond(0)
                .ok();
        }
        Unit::Day => date,
        Unit::Week => {
            let back = date.weekday().number_days_from_sunday();
            date.checked_sub(Duration::days(i64::from(back)))?
        }
        Unit::Month => date.replace_day(1).ok()?,
        Unit::Year => Date::from_calendar_date(date.year(), Month::January, 1).ok()?,
    };
    Some(day.midnight().assume_offset(at.offset()))
}

/// `at` moved by `amount` `unit`s; months and years keep the day of the month
/// where the target month has it, else take its last day (as Java's calendar).
fn add(at: OffsetDateTime, amount: i32, unit: Unit) -> Option<OffsetDateTime> {
    let fixed = |seconds: i64| at.checked_add(Duration::seconds(i64::from(amount) * seconds));
    let months = match unit {
        Unit::Minute => return fixed(60),
        Unit::Hour => return fixed(3600),
        Unit::Day => return fixed(24 * 3600),
        Unit::Week => return fixed(7 * 24 * 3600),
        Unit::Month => i64::from(amount),
        Unit::Year => i64::from(amount) * 12,
    };
    let date = at.date();
    let index = i64::from(date.year()) * 12 + i64::from(u8::from(date.month())) - 1 + months;
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month = Month::try_from(u8::try_from(index.rem_euclid(12) + 1).ok()?).ok()?;
    let day = date.day().min(month.length(year));
    let date = Date::from_calendar_date(year, month, day).ok()?;
    Some(at.replace_date(date))
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn periods_are_weeks_days_hours_and_minutes() {
        let days = |n: i64| Some(Duration::days(n));
        assert_eq!(period("-1d"), days(-1));
        assert_eq!(period("2w"), days(14));
        assert_eq!(period("4w 2d"), days(30));
        assert_eq!(period("- 1w2d"), days(-9));
        assert_eq!(period("90m"), Some(Duration::minutes(90)));
        assert_eq!(period("3H"), Some(Duration::hours(3)));
        for bad in [
            "",
            "-",
            "d",
            "1",
            "1y",
            "1d x",
            "+1d",
            "99999999999999999999w",
        ] {
            assert_eq!(period(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn literals_are_dates_with_an_optional_time() {
        let at = |text: &str| parse_date_time(text);
        assert_eq!(
            at("2024/01/08"),
            Some((datetime!(2024-01-08 00:00 UTC), false))
        );
        assert_eq!(
            at(" 2024-1-8 9:05 "),
            Some((datetime!(2024-01-08 09:05 UTC), true))
        );
        for bad in [
            "2024-01-08 24:00",
            "2024-01-08 10:60",
            "2024-01-08 10",
            "2024-01-08 10:00:00",
            "2024-01-08T10:00",
            "2024-02-30",
            "08/01/2024",
            "-1d",
        ] {
            assert_eq!(at(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn functions_take_jira_increments() {
        // A Wednesday.
        let now = datetime!(2024-01-31 15:20:10 UTC);
        let run = |function: DateFunction, inc: Option<(i32, Unit)>| {
            evaluate(function, inc, now).expect("in range")
        };
        let ms = Duration::milliseconds(1);
        assert_eq!(run(DateFunction::Now, None), now);
        assert_eq!(
            run(DateFunction::Start(Unit::Day), None),
            datetime!(2024-01-31 00:00 UTC)
        );
        assert_eq!(
            run(DateFunction::End(Unit::Day), None),
            datetime!(2024-02-01 00:00 UTC) - ms
        );
        assert_eq!(
            run(DateFunction::Start(Unit::Week), None),
            datetime!(2024-01-28 00:00 UTC),
            "Sunday"
        );
        assert_eq!(
            run(DateFunction::Start(Unit::Month), Some((-1, Unit::Month))),
            datetime!(2023-12-01 00:00 UTC)
        );
        assert_eq!(
            run(DateFunction::Start(Unit::Month), Some((14, Unit::Day))),
            datetime!(2024-01-15 00:00 UTC)
        );
        assert_eq!(
            run(DateFunction::End(Unit::Month), Some((1, Unit::Month))),
            datetime!(2024-03-01 00:00 UTC) - ms,
            "the end of February, not the 31st"
        );
        assert_eq!(
            run(DateFunction::Start(Unit::Year), Some((-1, Unit::Year))),
            datetime!(2023-01-01 00:00 UTC)
        );
        assert_eq!(
            run(DateFunction::End(Unit::Year), None),
            datetime!(2025-01-01 00:00 UTC) - ms
        );
        assert_eq!(
            increment(
                "startOfDay",
                DateFunction::Start(Unit::Day),
                &[String::from("-1")]
            ),
            Ok(Some((-1, Unit::Day)))
        );
        assert_eq!(
            increment(
                "startOfWeek",
                DateFunction::Start(Unit::Week),
                &[String::from("+2M")]
            ),
            Ok(Some((2, Unit::Month)))
        );
        assert_eq!(
            increment(
                "startOfDay",
                DateFunction::Start(Unit::Day),
                &[String::from("-6q")]
            )
            .expect_err("no such unit")
            .0,
            "Duration for function 'startOfDay' should have the format (+/-)n(yMwdm), e.g -1M for 1 month earlier."
        );
        assert_eq!(
            increment("now", DateFunction::Now, &[String::from("1d")])
                .expect_err("now takes none")
                .0,
            "Function 'now' expected '0' arguments but received '1'."
        );
    }
}
