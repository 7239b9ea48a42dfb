//! `LIMIT` and `OFFSET` counts, read as TiDB reads them and written as SQLite takes them.
//!
//! MySQL counts rows in an unsigned 64-bit integer, and its manual gives the largest,
//! 18446744073709551615, as the way to read "every row from an offset on" (`LIMIT 95,
//! 18446744073709551615`); query builders write it so (Knex's MySQL dialect for an `offset()`
//! without a `limit()`). SQLite's integers are signed: it reads that literal as a real and
//! refuses the statement ("datatype mismatch"). A table has fewer rows than `i64::MAX`, so a
//! count past it means the same as `i64::MAX`, which is what it is written as here.
//!
//! TiDB's grammar takes a count of digits or a `?` and nothing else, where SQLite takes any
//! expression and reads a negative count as "no limit": `LIMIT -1`, `LIMIT '5'`, `LIMIT 1.5`
//! or `LIMIT NOW()` would run here and fail on Forge. They are refused before anything runs,
//! as TiDB's parser refuses them. A `?` is bound when the statement runs, so its value is
//! checked then, by [`LIMIT_COUNT`]: TiDB's planner takes a non-negative integer and answers
//! anything else (`NULL`, text, a fraction, a negative number) with `Error 1210 (HY000):
//! Incorrect arguments to LIMIT`; SQLite would take `'5'` and read `-1` as every row.

use std::ops::ControlFlow;

use rusqlite::Connection;
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::ValueRef;
use sqlparser::ast::{
    Delete, Expr, LimitClause, Offset, Query, Statement, Update, Value, VisitMut, VisitorMut,
};

use super::error::ForgeSqlError;

/// The function a bound count is passed through ([`register_limit_count`]).
const LIMIT_COUNT: &str = "kiln_limit_count";

/// TiDB's refusal of a bound count that is no row count.
const INCORRECT_ARGUMENTS: &str = "Error 1210 (HY000): Incorrect arguments to LIMIT";

/// Checks and rewrites every `LIMIT` and `OFFSET` count of `statement` (its subqueries' too,
/// and the `LIMIT` of an `UPDATE` or `DELETE`): a count TiDB's grammar refuses is an error;
/// a literal past SQLite's integers is `i64::MAX`; a `?` is passed through [`LIMIT_COUNT`].
pub(super) fn rewrite(statement: &mut Statement) -> Result<(), ForgeSqlError> {
    match statement {
        Statement::Update(Update { limit, .. }) | Statement::Delete(Delete { limit, .. }) => {
            if let Some(limit) = limit {
                count(limit)?;
            }
        }
        _ => {}
    }
    match statement.visit(&mut Queries) {
        ControlFlow::Break(error) => Err(error),
        ControlFlow::Continue(()) => Ok(()),
    }
}

/// Registers [`LIMIT_COUNT`] on `connection`.
pub(super) fn register_limit_count(connection: &Connection) -> rusqlite::Result<()> {
    // DETERMINISTIC and INNOCUOUS: it reads nothing but its argument and changes nothing.
    let flags = FunctionFlags::SQLITE_UTF8
        | FunctionFlags::SQLITE_DETERMINISTIC
        | FunctionFlags::SQLITE_INNOCUOUS;
    connection.create_scalar_function(LIMIT_COUNT, 1, flags, |context: &Context<'_>| match context
        .get_raw(0)
    {
        ValueRef::Integer(count) if count >= 0 => Ok(count),
        _ => Err(rusqlite::Error::UserFunctionError(
            INCORRECT_ARGUMENTS.into(),
        )),
    })
}

/// Visits each query, however deeply nested, for its limit clause.
struct Queries;

impl VisitorMut for Queries {
    type Break = ForgeSqlError;

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<ForgeSqlError> {
        let checked = match &mut query.limit_clause {
            Some(LimitClause::LimitOffset { limit, offset, .. }) => limit
                .iter_mut()
                .chain(offset.iter_mut().map(|Offset { value, .. }| value))
                .try_for_each(count),
            Some(LimitClause::OffsetCommaLimit { offset, limit }) => {
                count(offset).and_then(|()| count(limit))
            }
            None => Ok(()),
        };
        match checked {
            Ok(()) => ControlFlow::Continue(()),
            Err(error) => ControlFlow::Break(error),
        }
    }
}

/// One count: digits up to MySQL's largest (past `i64::MAX`, `i64::MAX`), or the app's `?`
/// (passed through [`LIMIT_COUNT`]); anything else is refused as TiDB's grammar refuses it.
fn count(count: &mut Expr) -> Result<(), ForgeSqlError> {
    if let Expr::Value(value) = count {
        match &mut value.value {
            Value::Number(digits, _) if digits.bytes().all(|b| b.is_ascii_digit()) => {
                if let Ok(n) = digits.parse::<u64>() {
                    if n > i64::MAX as u64 {
                        *digits = i64::MAX.to_string();
                    }
                    return Ok(());
                }
            }
            // The app's parameter, `?N` once numbered (`lateral.rs` numbers those it moves);
            // Kiln's markers for string literals are neither.
            Value::Placeholder(text)
                if text
                    .strip_prefix('?')
                    .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit())) =>
            {
                let bound = std::mem::replace(count, Expr::Value(Value::Null.into()));
                *count = super::expressions::call(LIMIT_COUNT, vec![bound]);
                return Ok(());
            }
            _ => {}
        }
    }
    Err(ForgeSqlError::invalid(format!(
        "the statement is not MySQL: LIMIT and OFFSET take a row count (digits, at most \
         18446744073709551615) or a ? parameter, not {count}"
    )))
}
#[cfg(test)]
mod tests {
    use sqlparser::dialect::MySqlDialect;
    use sqlparser::parser::Parser;

    use super::*;

    fn rewritten(sql: &str) -> Result<String, ForgeSqlError> {
        let mut statements = Parser::parse_sql(&MySqlDialect {}, sql).expect("MySQL");
        let statement = statements.first_mut().expect("a statement");
        rewrite(statement).map(|()| statement.to_string())
    }

    #[test]
    fn counts_past_sqlite_read_as_its_largest() {
        let max = i64::MAX;
        for (mysql, sqlite) in [
            (
                "SELECT a FROM t LIMIT 95, 18446744073709551615",
                format!("SELECT a FROM t LIMIT 95, {max}"),
            ),
            (
                "SELECT a FROM t LIMIT 18446744073709551615 OFFSET 9223372036854775808",
                format!("SELECT a FROM t LIMIT {max} OFFSET {max}"),
            ),
            (
                "SELECT a FROM (SELECT a FROM t LIMIT 18446744073709551615) AS d",
                format!("SELECT a FROM (SELECT a FROM t LIMIT {max}) AS d"),
            ),
            (
                "DELETE FROM t WHERE a > 1 LIMIT 18446744073709551615",
                format!("DELETE FROM t WHERE a > 1 LIMIT {max}"),
            ),
            (
                "UPDATE t SET a = 18446744073709551615 LIMIT 18446744073709551615",
                format!("UPDATE t SET a = 18446744073709551615 LIMIT {max}"),
            ),
        ] {
            assert_eq!(rewritten(mysql).expect(mysql), sqlite);
        }
    }

    #[test]
    fn other_literal_counts_are_left_as_written() {
        for sql in [
            "SELECT a FROM t LIMIT 9223372036854775807",
            "SELECT a FROM t LIMIT 10 OFFSET 20",
            "SELECT a FROM t LIMIT 0",
        ] {
            assert_eq!(rewritten(sql).expect(sql), sql);
        }
    }

    #[test]
    fn a_bound_count_is_checked_when_it_is_bound() {
        for (mysql, sqlite) in [
            (
                "SELECT a FROM t LIMIT ?",
                "SELECT a FROM t LIMIT kiln_limit_count(?)",
            ),
            (
                "SELECT a FROM t LIMIT ? OFFSET ?",
                "SELECT a FROM t LIMIT kiln_limit_count(?) OFFSET kiln_limit_count(?)",
            ),
            (
                "SELECT a FROM t LIMIT ?, 5",
                "SELECT a FROM t LIMIT kiln_limit_count(?), 5",
            ),
            (
                "SELECT a FROM t LIMIT ?2 OFFSET ?1",
                "SELECT a FROM t LIMIT kiln_limit_count(?2) OFFSET kiln_limit_count(?1)",
            ),
            (
                "DELETE FROM t WHERE a = ? LIMIT ?",
                "DELETE FROM t WHERE a = ? LIMIT kiln_limit_count(?)",
            ),
        ] {
            assert_eq!(rewritten(mysql).expect(mysql), sqlite);
        }
    }

    /// TiDB's grammar takes digits or `?`; SQLite would run each of these (a negative count
    /// is "no limit" there).
    #[test]
    fn counts_tidb_does_not_parse_are_refused() {
        for sql in [
            "SELECT a FROM t LIMIT -1",
            "SELECT a FROM t LIMIT 1.5",
            "SELECT a FROM t LIMIT 1e3",
            "SELECT a FROM t LIMIT '5'",
            "SELECT a FROM t LIMIT NOW()",
            "SELECT a FROM t LIMIT 2 + 3",
            "SELECT a FROM t LIMIT 5 OFFSET a",
            "SELECT a FROM (SELECT a FROM t LIMIT (SELECT 1)) AS d",
            "UPDATE t SET a = 1 LIMIT -1",
            "SELECT a FROM t LIMIT 18446744073709551616",
        ] {
            let error = rewritten(sql).expect_err(sql);
            assert!(
                error.message.contains("LIMIT and OFFSET take a row count"),
                "{sql}: {error}"
            );
        }
    }
}
