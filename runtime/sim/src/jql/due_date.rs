//! The `duedate` clause (alias `due`): `=`, `!=`, `IN`, `NOT IN`, `IS [NOT]
//! EMPTY` and `<`, `<=`, `>`, `>=`, against a date (`"yyyy-MM-dd"` or
//! `"yyyy/MM/dd"`), a period relative to now (`"-1d"`, `"2w"`, `"4w 2d"`:
//! weeks, days, hours, minutes) or a date function (`now()`, `startOfDay()`,
//! `endOfWeek()`, `startOfMonth(-1)`, …: Jira's due date takes each one a
//! date-time field takes).
//!
//! The rules are every date clause's (`dates.rs`); what is the due date's own
//! is that it is a calendar day, so whatever a value stands for is compared as
//! the day it falls on (in UTC), and its literals are dates without a time.

use time::{Date, OffsetDateTime};

use super::JqlError;
use super::dates::{self, DateTest, Resolution};
use super::parser::Clause;

/// Whether `name` is the due date's clause.
pub(super) fn is_clause(name: &str) -> bool {
    name.eq_ignore_ascii_case("duedate") || name.eq_ignore_ascii_case("due")
}

/// A compiled due date clause.
#[derive(Debug, Clone)]
pub(super) struct DueDateTest(DateTest);

impl DueDateTest {
    /// Resolves `clause`, whose field is the due date, with Jira's messages for
    /// what it cannot take.
    pub(super) fn compile(clause: &Clause) -> Result<Self, JqlError> {
        DateTest::compile(clause, Resolution::Day, &dates::all_functions()).map(Self)
    }

    /// Whether an issue due on `due` (`None`: no due date) matches; `now` is
    /// read only if a bound is relative.
    pub(super) fn matches(&self, due: Option<Date>, now: impl Fn() -> OffsetDateTime) -> bool {
        self.0
            .matches(due.map(|day| day.midnight().assume_utc()), now)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

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

    /// Jira's due date takes every date function, each compared as the day it
    /// falls on (the simulator's weeks start on Sunday, in UTC).
    #[test]
    fn the_week_month_and_year_functions_are_days_too() {
        let clause = |text: &str| {
            let ast = super::super::parser::parse(text).expect("parses");
            match ast.filter {
                Some(super::super::parser::Expr::Clause(clause)) => {
                    DueDateTest::compile(&clause).unwrap_or_else(|e| panic!("{text}: {e:?}"))
                }
                other => panic!("not one clause: {other:?}"),
            }
        };
        // Monday 2024-01-08: its week runs from Sunday the 7th to Saturday the 13th.
        let monday = || datetime!(2024-01-08 12:00 UTC);
        let this_week = clause("duedate <= endOfWeek()");
        assert!(this_week.matches(Some(date!(2024 - 01 - 13)), monday));
        assert!(!this_week.matches(Some(date!(2024 - 01 - 14)), monday));
        let next_week = clause("due = endOfWeek(+1)");
        assert!(next_week.matches(Some(date!(2024 - 01 - 20)), monday));
        let this_month = clause("duedate >= startOfMonth()");
        assert!(this_month.matches(Some(date!(2024 - 01 - 01)), monday));
        assert!(!this_month.matches(Some(date!(2023 - 12 - 31)), monday));
        let last_year = clause("duedate < startOfYear()");
        assert!(last_year.matches(Some(date!(2023 - 12 - 31)), monday));
        assert!(!last_year.matches(Some(date!(2024 - 01 - 01)), monday));
    }
}
