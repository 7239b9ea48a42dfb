//! MySQL's aggregates that SQLite lacks: the bitwise `BIT_AND`, `BIT_OR`, `BIT_XOR`, and the
//! statistics `STD`/`STDDEV`/`STDDEV_POP`, `STDDEV_SAMP`, `VARIANCE`/`VAR_POP`, `VAR_SAMP`
//! (what an app's report computes over a column).
//!
//! As in MySQL, NULLs are skipped; a bit aggregate over no rows is its identity (`BIT_AND`
//! all ones, as an unsigned 64-bit number; the others 0), a statistic over no rows NULL, and a
//! sample statistic over one row NULL. Values that are not numbers read as MySQL reads them in
//! a number's place (leading digits, else 0).
//!
//! And `SUM`/`AVG` of an exact column (`DECIMAL`, integers) in decimal, as MySQL computes
//! them, where SQLite's sum in doubles drifts over many rows ([`ExactSum`]).

use std::ops::ControlFlow;

use rusqlite::Connection;
use rusqlite::functions::{Aggregate, Context, FunctionFlags};
use rusqlite::types::{Value, ValueRef};
use sqlparser::ast::{Expr, Function, FunctionArguments, Query, Visit, Visitor};

/// MySQL's aggregate functions (and TiDB's own): one of them makes a query aggregate its rows,
/// into one row without `GROUP BY`.
const MYSQL_AGGREGATES: &[&str] = &[
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "json_arrayagg",
    "json_objectagg",
    "group_concat",
    "any_value",
    "bit_and",
    "bit_or",
    "bit_xor",
    "std",
    "stddev",
    "stddev_pop",
    "stddev_samp",
    "variance",
    "var_pop",
    "var_samp",
    "approx_count_distinct",
    "approx_percentile",
];

/// Whether `function` is a call of one of MySQL's aggregates (not a window function: with
/// `OVER` it yields a value per row).
pub(super) fn is_aggregate(function: &Function) -> bool {
    function.over.is_none()
        && matches!(function.args, FunctionArguments::List(_))
        && MYSQL_AGGREGATES
            .iter()
            .any(|name| function.name.to_string().eq_ignore_ascii_case(name))
}

/// Whether `expr` calls an aggregate of its own select: not one of a subquery in it, and not a
/// window function, though a window's arguments may hold one (`RANK() OVER (ORDER BY
/// COUNT(*))` aggregates).
pub(super) fn holds_aggregate(expr: &Expr) -> bool {
    struct Finder {
        subquery_depth: usize,
    }
    impl Visitor for Finder {
        type Break = ();
        fn pre_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
            self.subquery_depth += 1;
            ControlFlow::Continue(())
        }
        fn post_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
            self.subquery_depth = self.subquery_depth.saturating_sub(1);
            ControlFlow::Continue(())
        }
        fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
            if self.subquery_depth == 0
                && let Expr::Function(function) = expr
                && is_aggregate(function)
            {
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        }
    }
    expr.visit(&mut Finder { subquery_depth: 0 }).is_break()
}

/// A value as a number, as MySQL reads one where it wants a number.
fn number(value: ValueRef<'_>) -> Option<f64> {
    match value {
        ValueRef::Null => None,
        ValueRef::Integer(value) => Some(value as f64),
        ValueRef::Real(value) => Some(value),
        ValueRef::Text(text) | ValueRef::Blob(text) => {
            let text = String::from_utf8_lossy(text);
            let text = text.trim();
            let end = text
                .char_indices()
                .take_while(|(at, c)| {
                    c.is_ascii_digit() || *c == '.' || (*at == 0 && (*c == '-' || *c == '+'))
                })
                .last()
                .map_or(0, |(at, c)| at + c.len_utf8());
            Some(text[..end].parse().unwrap_or(0.0))
        }
    }
}

/// A bitwise aggregate over unsigned 64-bit values, as MySQL's are.
#[derive(Clone, Copy)]
enum Bits {
    And,
    Or,
    Xor,
}

impl Aggregate<u64, Value> for Bits {
    fn init(&self, _: &mut Context<'_>) -> rusqlite::Result<u64> {
        Ok(match self {
            Bits::And => u64::MAX,
            Bits::Or | Bits::Xor => 0,
        })
    }

    fn step(&self, context: &mut Context<'_>, state: &mut u64) -> rusqlite::Result<()> {
        let bits = match context.get_raw(0) {
            ValueRef::Null => return Ok(()),
            ValueRef::Integer(value) => value as u64,
            other => number(other).map_or(0, |value| value.round() as i64 as u64),
        };
        *state = match self {
            Bits::And => *state & bits,
            Bits::Or => *state | bits,
            Bits::Xor => *state ^ bits,
        };
        Ok(())
    }

    fn finalize(&self, context: &mut Context<'_>, state: Option<u64>) -> rusqlite::Result<Value> {
        let bits = match state {
            Some(bits) => bits,
            None => self.init(context)?,
        };
        // SQLite's integers are signed: a value past i64 goes as text, its digits exact.
        Ok(i64::try_from(bits).map_or_else(|_| Value::Text(bits.to_string()), Value::Integer))
    }
}

/// A variance or standard deviation, by Welford's running mean (stable over large values).
#[derive(Clone, Copy)]
struct Spread {
    /// Divide by n − 1 (a sample's) rather than n (a population's).
    sample: bool,
    /// The square root: a standard deviation rather than a variance.
    root: bool,
}

#[derive(Default)]
struct Running {
    count: u64,
    mean: f64,
    squares: f64,
}

impl Aggregate<Running, Option<f64>> for Spread {
    fn init(&self, _: &mut Context<'_>) -> rusqlite::Result<Running> {
        Ok(Running::default())
    }

    fn step(&self, context: &mut Context<'_>, state: &mut Running) -> rusqlite::Result<()> {
        let Some(value) = number(context.get_raw(0)) else {
            return Ok(());
        };
        state.count += 1;
        let delta = value - state.mean;
        state.mean += delta / state.count as f64;
        state.squares += delta * (value - state.mean);
        Ok(())
    }

    fn finalize(
        &self,
        _: &mut Context<'_>,
        state: Option<Running>,
    ) -> rusqlite::Result<Option<f64>> {
        let Some(state) = state else {
            return Ok(None);
        };
        let divisor = if self.sample {
            state.count.checked_sub(1).filter(|n| *n > 0)
        } else {
            Some(state.count).filter(|n| *n > 0)
        };
        Ok(divisor.map(|n| {
            let variance = state.squares / n as f64;
            if self.root { variance.sqrt() } else { variance }
        }))
    }
}

/// The largest scale a `DECIMAL` has in MySQL and TiDB (`DECIMAL_MAX_SCALE`), which bounds the
/// scales Kiln registers exact sums for.
pub(super) const MAX_DECIMAL_SCALE: u32 = 30;

/// MySQL's `div_precision_increment` (4, its default and TiDB's): the digits an `AVG` of an
/// exact column adds to the column's scale.
pub(super) const AVG_SCALE_INCREMENT: u32 = 4;

/// The name of the exact `SUM` of a column of `scale` decimals ([`super::aggregate_types`]
/// writes `SUM(price)` as it). The scale is in the name, not an argument, so `SUM(DISTINCT
/// price)` stays an aggregate of one argument, as SQLite requires of `DISTINCT`.
pub(super) fn exact_sum_name(scale: u32) -> String {
    format!("kiln_exact_sum_{scale}")
}

/// The name of the exact `AVG` of a column of `scale` decimals.
pub(super) fn exact_avg_name(scale: u32) -> String {
    format!("kiln_exact_avg_{scale}")
}

/// `SUM` or `AVG` of an exact column (`DECIMAL(p, s)` or an integer), computed as MySQL
/// computes them: in decimal, not in binary floating point. Each value is read back to the
/// `scale` decimals its column keeps (SQLite holds a `DECIMAL` as a double, exact to 15
/// significant digits, so its decimal is recovered by rounding), summed as an integer count
/// of `10^-scale`, and an average divided with MySQL's rounding (half away from zero) to
/// `scale + 4` decimals. The answer is a SQLite number, so `HAVING`/`ORDER BY` compare it as
/// one; past i64 an integer sum is its digits as text, past i128 the sum is a double.
#[derive(Clone, Copy)]
struct ExactSum {
    scale: u32,
    average: bool,
}

#[derive(Default)]
struct ExactTotal {
    /// The sum in units of `10^-scale`; `None` once a value did not fit (then `approximate`).
    units: Option<i128>,
    approximate: f64,
    count: u64,
}

/// `10^exponent`, for exponents up to twice [`MAX_DECIMAL_SCALE`] (within i128).
fn power_of_ten(exponent: u32) -> Option<i128> {
    10i128.checked_pow(exponent)
}

impl Aggregate<ExactTotal, Value> for ExactSum {
    fn init(&self, _: &mut Context<'_>) -> rusqlite::Result<ExactTotal> {
        Ok(ExactTotal {
            units: Some(0),
            ..ExactTotal::default()
        })
    }

    fn step(&self, context: &mut Context<'_>, state: &mut ExactTotal) -> rusqlite::Result<()> {
        let value = context.get_raw(0);
        let units = match value {
            ValueRef::Null => return Ok(()),
            ValueRef::Integer(integer) => {
                power_of_ten(self.scale).and_then(|unit| i128::from(integer).checked_mul(unit))
            }
            other => number(other).and_then(|real| {
                let scaled = (real * 10f64.powi(self.scale as i32)).round();
                // Within i128 and exactly an integer as a double: 2^100 is far past any
                // DECIMAL(65) MySQL holds.
                (scaled.is_finite() && scaled.abs() < 2f64.powi(100)).then_some(scaled as i128)
            }),
        };
        state.count += 1;
        state.approximate += number(value).unwrap_or(0.0);
        state.units = state
            .units
            .zip(units)
            .and_then(|(sum, units)| sum.checked_add(units));
        Ok(())
    }

    fn finalize(&self, _: &mut Context<'_>, state: Option<ExactTotal>) -> rusqlite::Result<Value> {
        let Some(state) = state.filter(|state| state.count > 0) else {
            return Ok(Value::Null);
        };
        let Some(units) = state.units else {
            let total = if self.average {
                state.approximate / state.count as f64
            } else {
                state.approximate
            };
            return Ok(Value::Real(total));
        };
        let (units, scale) = if self.average {
            match average_units(units, state.count, AVG_SCALE_INCREMENT) {
                Some(units) => (units, self.scale + AVG_SCALE_INCREMENT),
                None => return Ok(Value::Real(state.approximate / state.count as f64)),
            }
        } else {
            (units, self.scale)
        };
        if scale == 0 {
            return Ok(i64::try_from(units)
                .map_or_else(|_| Value::Text(units.to_string()), Value::Integer));
        }
        // The double nearest the decimal: both operands are exact below 2^53 and 10^22, and
        // the answer is read back to `scale` decimals ([`super::values`]).
        Ok(Value::Real(units as f64 / 10f64.powi(scale as i32)))
    }
}

/// `units / count`, with `extra` more decimals, rounded half away from zero as MySQL's
/// decimal division rounds.
fn average_units(units: i128, count: u64, extra: u32) -> Option<i128> {
    let numerator = units.checked_mul(power_of_ten(extra)?)?;
    let count = i128::from(count);
    let quotient = numerator / count;
    let remainder = numerator % count;
    Some(if remainder.abs() * 2 >= count {
        quotient + numerator.signum()
    } else {
        quotient
    })
}

/// Registers the aggregates on `connection`.
pub(super) fn register_aggregate_functions(connection: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    for (name, bits) in [
        ("bit_and", Bits::And),
        ("bit_or", Bits::Or),
        ("bit_xor", Bits::Xor),
    ] {
        connection.create_aggregate_function(name, 1, flags, bits)?;
    }
    for (name, sample, root) in [
        ("std", false, true),
        ("stddev", false, true),
        ("stddev_pop", false, true),
        ("stddev_samp", true, true),
        ("variance", false, false),
        ("var_pop", false, false),
        ("var_samp", true, false),
    ] {
        connection.create_aggregate_function(name, 1, flags, Spread { sample, root })?;
    }
    for scale in 0..=MAX_DECIMAL_SCALE {
        for average in [false, true] {
            let name = if average {
                exact_avg_name(scale)
            } else {
                exact_sum_name(scale)
            };
            connection.create_aggregate_function(
                name.as_str(),
                1,
                flags,
                ExactSum { scale, average },
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_sums_and_averages_are_decimal() {
        let connection = Connection::open_in_memory().unwrap();
        register_aggregate_functions(&connection).unwrap();
        let answer =
            |sql: &str| -> Value { connection.query_row(sql, [], |row| row.get(0)).unwrap() };
        let values = "(VALUES (0.1), (0.2), (NULL), (-0.35))";
        assert_eq!(
            answer(&format!("SELECT kiln_exact_sum_2(column1) FROM {values}")),
            Value::Real(-0.05)
        );
        // -0.05 / 3 = -0.0166…: six decimals, half away from zero.
        assert_eq!(
            answer(&format!("SELECT kiln_exact_avg_2(column1) FROM {values}")),
            Value::Real(-0.016667)
        );
        assert_eq!(
            answer("SELECT kiln_exact_sum_0(column1) FROM (VALUES (9223372036854775807), (1))"),
            Value::Text("9223372036854775808".into())
        );
        assert_eq!(
            answer("SELECT kiln_exact_sum_0(column1) FROM (VALUES (NULL))"),
            Value::Null
        );
        assert_eq!(average_units(5, 2, 0), Some(3));
        assert_eq!(average_units(-5, 2, 0), Some(-3));
        assert_eq!(average_units(1, 3, 4), Some(3333));
    }
}
