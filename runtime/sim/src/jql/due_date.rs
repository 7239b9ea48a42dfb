//! The `duedate` clause (alias `due`): `=`, `!=`, `IN`, `NOT IN`, `IS [NOT]
//! EMPTY` and `<`, `<=`, `>`, `>=`, against a date (`"yyyy-MM-dd"` or
//! `"yyyy/MM/dd"`), a period relative to now (`"-1d"`, `"2w"`, `"4w 2d"`:
//! weeks, days, hours, minutes) or the functions `now()`, `startOfDay()` and
//! `endOfDay()`.
//!
//! The due date is a calendar day, so whatever a value stands for is compared
//! as the day it falls on: a period or a function is the day of the instant it
//! names, read in UTC (Jira reads it in the searcher's time zone; the
//! simulator's users' zones are not applied here). Periods and functions are
//! resolved when the query runs, not when it is compiled, because an admin
//! webhook's query is compiled once and matched against every later event.

use std::cmp::Ordering;

use time::{Date, OffsetDateTime};

use super::JqlError;
use super::parser::{Clause, Operand, Operator};
use crate::world::custom_field::parse_date;

/// Whether `name` is the due date's clause.
pub(super) fn is_clause(name: &str) -> bool {
    name.eq_ignore_ascii_case("duedate") || name.eq_ignore_ascii_case("due")
}

/// What one operand of a due date clause stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateBound {
    Day(Date),
    /// The day of now plus this much (a period, or zero for a function).
    FromNow(time::Duration),
}

impl DateBound {
    /// The day this stands for at `now`; `None` past the calendar's end.
    fn day(self, now: impl Fn() -> OffsetDateTime) -> Option<Date> {
        match self {
            DateBound::Day(day) => Some(day),
            DateBound::FromNow(offset) => now().checked_add(offset).map(OffsetDateTime::date),
        }
    }
}

/// A compiled due date clause.
#[derive(Debug, Clone)]
pub(super) struct DueDateTest {
    /// `None` for equality (`=`, `IN`, `IS`: any of `bounds`, `None` being
    /// EMPTY); else the ordering operator, with one bound.
    ordering: Option<&'static str>,
    bounds: Vec<Option<DateBound>>,
    negate: bool,
}

impl DueDateTest {
    /// Resolves `clause`, whose field is the due date, with Jira's messages for
    /// what it cannot take.
    pub(super) fn compile(clause: &Clause) -> Result<Self, JqlError> {
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
                single @ (Operand::Literal(_) | Operand::Function(_)),
            ) => (Some(operator), vec![single], false),
            (Operator::Ordering(operator), _) => {
                return Err(JqlError(format!(
                    "The operator '{operator}' requires a single value for the field '{name}'."
                )));
            }
            _ => return Err(unsupported()),
        };
        let bounds = operands
            .into_iter()
            .map(|operand| bound(name, operand))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            ordering,
            bounds,
            negate,
        })
    }

    /// Whether an issue due on `due` (`None`: no due date) matches; `now` is
    /// read only if a bound is relative.
    pub(super) fn matches(&self, due: Option<Date>, now: impl Fn() -> OffsetDateTime) -> bool {
        if let Some(operator) = self.ordering {
            let bound = self.bounds.first().copied().flatten();
            let ordering = due
                .zip(bound.and_then(|b| b.day(&now)))
                .map(|(due, bound)| due.cmp(&bound));
            return ordering.is_some_and(|o| match operator {
                "<" => o == Ordering::Less,
                "<=" => o != Ordering::Greater,
                ">" => o == Ordering::Greater,
                ">=" => o != Ordering::Less,
                _ => false,
            });
        }
        let hit = self.bounds.iter().any(|bound| match bound {
            None => due.is_none(),
            Some(bound) => due.is_some() && bound.day(&now) == due,
        });
        // Jira's `!=` and `NOT IN` never match an issue with no value.
        if self.negate {
            !hit && due.is_some()
        } else {
            hit
        }
    }
}

/// One operand: EMPTY (`None`), a date, a period or a date function.
fn bound(name: &str, operand: &Operand) -> Result<Option<DateBound>, JqlError> {
    let literal = match operand {
        Operand::Empty => return Ok(None),
        Operand::List(_) => {
            return Err(JqlError(format!(
                "A list is not valid here for the field '{name}'."
            )));
        }
        Operand::Function(function) => {
            let today = ["now", "startOfDay", "endOfDay"]
                .iter()
                .any(|f| f.eq_ignore_ascii_case(function));
            if today {
                // Each names an instant of today, and the due date is a day.
                return Ok(Some(DateBound::FromNow(time::Duration::ZERO)));
            }
            let known = ["currentUser", "subTaskIssueTypes", "standardIssueTypes"]
                .iter()
                .any(|f| f.eq_ignore_ascii_case(function));
            return Err(JqlError(if known {
                format!("Function '{function}' is not supported by the field '{name}'.")
            } else {
                format!("Unable to find JQL function '{function}()'.")
            }));
        }
        Operand::Literal(literal) => literal,
    };
    if let Some(day) = parse_date(literal) {
        return Ok(Some(DateBound::Day(day)));
    }
    period(literal)
        .map(|p| Some(DateBound::FromNow(p)))
        .ok_or_else(|| {
            // Jira's wording for a date clause, less the date-time formats a
            // date-only field has no use for; not checked against a live site.
            JqlError(format!(
                "Date value '{literal}' for field '{name}' is invalid. Valid formats include: \
             'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."
            ))
        })
}

/// A JQL period: an optional `-`, then one or more of a number and a unit
/// (`w` weeks, `d` days, `h` hours, `m` minutes), spaces between allowed.
/// `None` when it is not one, or too long for the calendar.
fn period(text: &str) -> Option<time::Duration> {
    let text = text.trim();
    let (negative, mut rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, text),
    };
    let mut seconds: i64 = 0;
    let mut parts = 0;
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
        parts += 1;
        rest = chars.as_str().trim_start();
    }
    if parts == 0 {
        return None;
    }
    Some(time::Duration::seconds(if negative {
        -seconds
    } else {
        seconds
    }))
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

    #[test]
    fn periods_are_weeks_days_hours_and_minutes() {
        let days = |n: i64| Some(time::Duration::days(n));
        assert_eq!(period("-1d"), days(-1));
        assert_eq!(period("2w"), days(14));
        assert_eq!(period("4w 2d"), days(30));
        assert_eq!(period("- 1w2d"), days(-9));
        assert_eq!(period("90m"), Some(time::Duration::minutes(90)));
        assert_eq!(period("3H"), Some(time::Duration::hours(3)));
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
    fn relative_bounds_are_read_when_matched() {
        let clause = |text: &str| {
            let ast = super::super::parser::parse(text).expect("parses");
            match ast.filter {
                Some(super::super::parser::Expr::Clause(clause)) => {
                    DueDateTest::compile(&clause).expect("compiles")
                }
                other => panic!("not one clause: {other:?}"),
            }
        };
        let overdue = clause("duedate < now()");
        let monday = || datetime!(2024-01-08 23:59 UTC);
        let tuesday = || datetime!(2024-01-09 00:01 UTC);
        let due = Some(date!(2024 - 01 - 08));
        assert!(!overdue.matches(due, monday), "due today is not overdue");
        assert!(overdue.matches(due, tuesday));
        assert!(
            !overdue.matches(None, tuesday),
            "no due date is never overdue"
        );
        let soon = clause("due <= \"1d\"");
        assert!(soon.matches(Some(date!(2024 - 01 - 09)), monday));
        assert!(!soon.matches(Some(date!(2024 - 01 - 10)), monday));
        let not_today = clause("duedate != startOfDay()");
        assert!(!not_today.matches(due, monday) && not_today.matches(due, tuesday));
        assert!(!not_today.matches(None, monday));
    }
}
