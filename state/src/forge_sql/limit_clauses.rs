//! `LIMIT` and `OFFSET` counts past SQLite's integers.
//!
//! MySQL counts rows in an unsigned 64-bit integer, and its manual gives the largest,
//! 18446744073709551615, as the way to read "every row from an offset on" (`LIMIT 95,
//! 18446744073709551615`); query builders write it so (Knex's MySQL dialect for an `offset()`
//! without a `limit()`). SQLite's integers are signed: it reads that literal as a real and
//! refuses the statement ("datatype mismatch"). A table has fewer rows than `i64::MAX`, so a
//! count past it means the same as `i64::MAX`, which is what it is written as here. A literal
//! past MySQL's own maximum is left for SQLite to refuse, as MySQL refuses it.

use std::ops::ControlFlow;

use sqlparser::ast::{
    Delete, Expr, LimitClause, Offset, Query, Statement, Update, Value, VisitMut, VisitorMut,
};

/// Rewrites every `LIMIT` and `OFFSET` literal of `statement` (its subqueries' too, and the
/// `LIMIT` of an `UPDATE` or `DELETE`) that MySQL counts and SQLite cannot.
pub(super) fn clamp(statement: &mut Statement) {
    match statement {
        Statement::Update(Update { limit, .. }) | Statement::Delete(Delete { limit, .. }) => {
            if let Some(limit) = limit {
                clamp_count(limit);
            }
        }
        _ => {}
    }
    let _ = statement.visit(&mut Queries);
}

/// Visits each query, however deeply nested, for its limit clause.
struct Queries;

impl VisitorMut for Queries {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        match &mut query.limit_clause {
            Some(LimitClause::LimitOffset { limit, offset, .. }) => {
                if let Some(limit) = limit {
                    clamp_count(limit);
                }
                if let Some(Offset { value, .. }) = offset {
                    clamp_count(value);
                }
            }
            Some(LimitClause::OffsetCommaLimit { offset, limit }) => {
                clamp_count(offset);
                clamp_count(limit);
            }
            None => {}
        }
        ControlFlow::Continue(())
    }
}

/// A count literal between `i64::MAX` and `u64::MAX` written as `i64::MAX`.
fn clamp_count(count: &mut Expr) {
    let Expr::Value(value) = count else {
        return;
    };
    let Value::Number(digits, _) = &mut value.value else {
        return;
    };
    let past_sqlite = digits.parse::<u64>().is_ok_and(|n| n > i64::MAX as u64);
    if past_sqlite {
        *digits = i64::MAX.to_string();
    }
}

#[cfg(test)]
mod tests {
    use sqlparser::dialect::MySqlDialect;
    use sqlparser::parser::Parser;

    use super::*;

    fn clamped(sql: &str) -> String {
        let mut statements = Parser::parse_sql(&MySqlDialect {}, sql).expect("MySQL");
        let statement = statements.first_mut().expect("a statement");
        clamp(statement);
        statement.to_string()
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
            assert_eq!(clamped(mysql), sqlite);
        }
    }

    #[test]
    fn other_counts_are_left_as_written() {
        for sql in [
            "SELECT a FROM t LIMIT 9223372036854775807",
            "SELECT a FROM t LIMIT 10 OFFSET 20",
            "SELECT a FROM t LIMIT ?",
            // Past MySQL's own maximum: refused there, refused here.
            "SELECT a FROM t LIMIT 18446744073709551616",
        ] {
            assert_eq!(clamped(sql), sql);
        }
    }
}
