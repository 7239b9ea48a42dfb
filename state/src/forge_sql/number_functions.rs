//! MySQL's numeric functions that Kiln's SQLite lacks (it is built without SQLite's math
//! functions): `FLOOR`, `CEIL`, `POW`, `SQRT`, `MOD`, `LOG`, `TRUNCATE`, `SIGN`, `PI`, …, and
//! `a DIV b` (as `kiln_div`) and `a / b` (as `kiln_divide`).
//!
//! As in MySQL, an argument that is not a number gives NULL, and so does a result that is not
//! a finite number (`SQRT(-1)`, `LOG(0)`). `FLOOR`, `CEIL` and `TRUNCATE(x, 0)` answer integers.

use rusqlite::Connection;
use rusqlite::functions::Context;
use rusqlite::types::{Value, ValueRef};

fn number(context: &Context<'_>, index: usize) -> Option<f64> {
    match context.get_raw(index) {
        ValueRef::Integer(value) => Some(value as f64),
        ValueRef::Real(value) => Some(value),
        ValueRef::Text(text) => std::str::from_utf8(text).ok()?.trim().parse().ok(),
        _ => None,
    }
}

/// A result as SQL: an integer when it is one (and fits), else a real; NULL when not finite.
fn answer(value: f64, integral: bool) -> Value {
    if !value.is_finite() {
        Value::Null
    } else if integral && value.abs() < 9.0e15 {
        Value::Integer(value as i64)
    } else {
        Value::Real(value)
    }
}

/// `value` with `decimals` places and a comma between each three digits of its whole part.
fn format_number(value: f64, decimals: usize) -> String {
    // Half away from zero, as MySQL rounds a DECIMAL (Rust's formatting rounds the binary
    // value half to even: 1.005 would be 1.00).
    let places = i32::try_from(decimals).unwrap_or(30);
    let fixed = format!("{:.*}", decimals, decimal_round(value.abs(), places));
    let (whole, fraction) = fixed.split_once('.').unwrap_or((&fixed, ""));
    let mut grouped = String::with_capacity(fixed.len() + whole.len() / 3 + 1);
    if value < 0.0 && fixed.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
        grouped.push('-');
    }
    for (at, digit) in whole.chars().enumerate() {
        if at > 0 && (whole.len() - at) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if !fraction.is_empty() {
        grouped.push('.');
        grouped.push_str(fraction);
    }
    grouped
}

fn truncate(value: f64, decimals: i64) -> f64 {
    let decimals = decimals.clamp(-30, 30) as i32;
    let scale = 10f64.powi(decimals);
    (value * scale).trunc() / scale
}

/// Registers the numeric functions on `connection`.
pub fn register_number_functions(connection: &Connection) -> rusqlite::Result<()> {
    let flags = super::functions::PURE;
    type Unary = fn(f64) -> (f64, bool);
    let unary: [(&str, Unary); 12] = [
        ("floor", |x| (x.floor(), true)),
        ("ceil", |x| (x.ceil(), true)),
        ("ceiling", |x| (x.ceil(), true)),
        ("sqrt", |x| (x.sqrt(), false)),
        ("exp", |x| (x.exp(), false)),
        ("ln", |x| (if x > 0.0 { x.ln() } else { f64::NAN }, false)),
        ("log2", |x| {
            (if x > 0.0 { x.log2() } else { f64::NAN }, false)
        }),
        ("log10", |x| {
            (if x > 0.0 { x.log10() } else { f64::NAN }, false)
        }),
        ("sign", |x| {
            (x.signum() * f64::from(u8::from(x != 0.0)), true)
        }),
        ("radians", |x| (x.to_radians(), false)),
        ("degrees", |x| (x.to_degrees(), false)),
        ("cot", |x| (1.0 / x.tan(), false)),
    ];
    for (name, function) in unary {
        connection.create_scalar_function(name, 1, flags, move |context| {
            Ok(number(context, 0).map_or(Value::Null, |x| {
                let (value, integral) = function(x);
                answer(value, integral)
            }))
        })?;
    }
    for name in ["pow", "power"] {
        connection.create_scalar_function(name, 2, flags, |context| {
            Ok(match (number(context, 0), number(context, 1)) {
                (Some(base), Some(exponent)) => answer(base.powf(exponent), false),
                _ => Value::Null,
            })
        })?;
    }
    // MySQL's LOG(x) is the natural logarithm; LOG(b, x) takes the base first.
    connection.create_scalar_function("log", 1, flags, |context| {
        Ok(number(context, 0)
            .filter(|x| *x > 0.0)
            .map_or(Value::Null, |x| answer(x.ln(), false)))
    })?;
    connection.create_scalar_function("log", 2, flags, |context| {
        Ok(match (number(context, 0), number(context, 1)) {
            (Some(base), Some(x)) if base > 0.0 && base != 1.0 && x > 0.0 => {
                answer(x.ln() / base.ln(), false)
            }
            _ => Value::Null,
        })
    })?;
    // MOD(a, b) keeps the dividend's sign, as `%` does; NULL when dividing by zero.
    connection.create_scalar_function("mod", 2, flags, |context| Ok(modulo(context)))?;
    connection.create_scalar_function("truncate", 2, flags, |context| {
        Ok(match (number(context, 0), number(context, 1)) {
            (Some(value), Some(decimals)) => {
                let decimals = decimals as i64;
                answer(truncate(value, decimals), decimals <= 0)
            }
            _ => Value::Null,
        })
    })?;
    connection.create_scalar_function("pi", 0, flags, |_| Ok(std::f64::consts::PI))?;
    // `FORMAT(x, d[, locale])`: `1,234,567.89`, rounded half away from zero (the locale,
    // `en_US` by default, is the only one Kiln writes).
    for arity in [2, 3] {
        connection.create_scalar_function("kiln_format", arity, flags, |context| {
            Ok(match (number(context, 0), number(context, 1)) {
                (Some(value), Some(decimals)) if value.is_finite() => {
                    Some(format_number(value, decimals.clamp(0.0, 30.0) as usize))
                }
                _ => None,
            })
        })?;
    }
    // `CAST(x AS DECIMAL(p, s))`: rounded to `s` places, half away from zero.
    connection.create_scalar_function("kiln_round_decimal", 2, flags, |context| {
        Ok(match (number(context, 0), number(context, 1)) {
            (Some(value), Some(scale)) => {
                answer(decimal_round(value, scale.clamp(0.0, 30.0) as i32), false)
            }
            _ => Value::Null,
        })
    })?;
    // `ROUND(x[, d])`, rewritten by `expressions` as `kiln_round(x, d, double)`: an integer
    // stays one (rounded to tens, hundreds… for a negative `d`); a DECIMAL rounds half away
    // from zero on its digits (`ROUND(1.005, 2)` is 1.01); a DOUBLE (`double`: a bound
    // parameter, an exponent literal; or text) rounds as MySQL's `my_double_round`, `rint` of
    // the scaled binary value, half to even (`ROUND(2.5e0)` is 2). SQLite's `round` would
    // answer 1.0 and 3.0, and round to no places for a negative `d`.
    connection.create_scalar_function("kiln_round", 3, flags, |context| {
        if matches!(context.get_raw(1), ValueRef::Null) {
            return Ok(Value::Null);
        }
        let places = number(context, 1).unwrap_or(0.0).clamp(-30.0, 30.0) as i32;
        let double = context.get::<i64>(2).unwrap_or(0) != 0;
        Ok(match context.get_raw(0) {
            ValueRef::Integer(integer) => Value::Integer(integer_round(integer, places)),
            ValueRef::Real(real) if !double => answer(decimal_round(real, places), places <= 0),
            _ => number(context, 0).map_or(Value::Null, |value| {
                let scale = 10f64.powi(places);
                let rounded = (value * scale).round_ties_even() / scale;
                answer(if rounded.is_finite() { rounded } else { value }, false)
            }),
        })
    })?;
    // `INTERVAL(n, n1, n2, …)` (spelt so by `word_operators`): 0 when n < n1, 1 when
    // n1 <= n < n2, and so on; -1 when n is NULL. MySQL expects the list sorted and searches
    // it by halves; on a sorted list this first-greater scan answers the same. A NULL or
    // non-numeric item never counts as greater.
    connection.create_scalar_function(
        super::word_operators::INTERVAL_INDEX,
        -1,
        flags,
        |context| {
            let Some(value) = number(context, 0) else {
                return Ok(-1i64);
            };
            let items = context.len().saturating_sub(1);
            let first_greater = (1..context.len())
                .position(|at| number(context, at).is_some_and(|item| value < item))
                .unwrap_or(items);
            Ok(i64::try_from(first_greater).unwrap_or(i64::MAX))
        },
    )?;
    // `a DIV b` and `a / b`, rewritten by `expressions`.
    connection
        .create_scalar_function("kiln_div", 2, flags, |context| Ok(integer_divide(context)))?;
    connection.create_scalar_function("kiln_divide", 2, flags, |context| Ok(divide(context)))?;
    // Their twins in a write ([`strict_division_in_writes`]): a zero divisor is MySQL's 1365.
    for (loose, strict) in STRICT_DIVISIONS {
        connection.create_scalar_function(*strict, 2, flags, move |context| {
            if number(context, 1) == Some(0.0) {
                return Err(rusqlite::Error::UserFunctionError(DIVISION_BY_ZERO.into()));
            }
            Ok(match *loose {
                "kiln_divide" => divide(context),
                "kiln_div" => integer_divide(context),
                _ => modulo(context),
            })
        })?;
    }
    Ok(())
}

/// `MOD(a, b)` and `a % b`: the remainder with the dividend's sign; NULL when dividing by zero.
fn modulo(context: &Context<'_>) -> Value {
    match (context.get_raw(0), context.get_raw(1)) {
        (ValueRef::Integer(a), ValueRef::Integer(b)) if b != 0 => Value::Integer(a.wrapping_rem(b)),
        _ => match (number(context, 0), number(context, 1)) {
            (Some(a), Some(b)) if b != 0.0 => answer(a % b, false),
            _ => Value::Null,
        },
    }
}

/// `a DIV b`: the quotient truncated toward zero; NULL when dividing by zero.
fn integer_divide(context: &Context<'_>) -> Value {
    match (number(context, 0), number(context, 1)) {
        (Some(dividend), Some(divisor)) if divisor != 0.0 => {
            let quotient = (dividend / divisor).trunc();
            if quotient.is_finite() {
                Value::Integer(quotient as i64)
            } else {
                Value::Null
            }
        }
        _ => Value::Null,
    }
}

/// `a / b`: MySQL divides without truncating; NULL when dividing by zero. Two integers are
/// DECIMALs of scale 0 to MySQL, and their quotient a DECIMAL of scale 4
/// (`div_precision_increment`, 4 in TiDB as in MySQL), rounded half away from zero: `1 / 3` is
/// 0.3333 and `2 / 3` 0.6667, as `SUM(n) / COUNT(*)` answers on Forge. Any other number
/// divides as a real: its scale is not known here.
fn divide(context: &Context<'_>) -> Value {
    match (context.get_raw(0), context.get_raw(1)) {
        (ValueRef::Integer(dividend), ValueRef::Integer(divisor)) => {
            decimal_quotient(dividend, divisor).map_or(Value::Null, Value::Real)
        }
        _ => match (number(context, 0), number(context, 1)) {
            (Some(dividend), Some(divisor)) if divisor != 0.0 => answer(dividend / divisor, false),
            _ => Value::Null,
        },
    }
}

/// TiDB's refusal of a division by zero in a write (`ERROR_FOR_DIVISION_BY_ZERO` with strict
/// mode, both in its default `sql_mode`).
const DIVISION_BY_ZERO: &str = "Error 1365 (22012): Division by 0";

/// The division functions, and their twins that refuse a zero divisor.
const STRICT_DIVISIONS: &[(&str, &str)] = &[
    ("kiln_divide", "kiln_divide_strict"),
    ("kiln_div", "kiln_div_strict"),
    ("mod", "kiln_mod_strict"),
];

/// The divisions of `statement` when it writes (an `INSERT`, `REPLACE`, `UPDATE` or `DELETE`
/// without `IGNORE`): TiDB's default `sql_mode` makes a division by zero there an error, where
/// a `SELECT`'s is NULL. Each call to `/`, `DIV`, `%`/`MOD` (already rewritten as calls)
/// becomes its strict twin anywhere in the statement, its `WHERE` too, as TiDB's statement
/// context holds the whole statement to the rule.
pub(super) fn strict_division_in_writes(statement: &mut sqlparser::ast::Statement) {
    use sqlparser::ast::{Expr, Ident, ObjectName, Statement};
    let writes = match statement {
        Statement::Insert(insert) => !insert.ignore,
        Statement::Update(update) => update.or.is_none(),
        Statement::Delete(_) => true,
        _ => false,
    };
    if !writes {
        return;
    }
    let _ = sqlparser::ast::visit_expressions_mut(statement, |expr| {
        if let Expr::Function(function) = expr {
            let name = function.name.to_string().to_ascii_lowercase();
            if let Some((_, strict)) = STRICT_DIVISIONS.iter().find(|(loose, _)| *loose == name) {
                function.name = ObjectName::from(vec![Ident::new(*strict)]);
            }
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
}

/// `value` rounded to `places` decimals (tens, hundreds… when negative), half away from zero,
/// as MySQL rounds a DECIMAL: on the shortest decimal that reads back as `value`, which is
/// what the app wrote or the column holds (`1.005`), not on the binary fraction nearest it
/// (1.00499999999999989…, which a scaled `f64::round` would take to 1.00).
pub(super) fn decimal_round(value: f64, places: i32) -> f64 {
    if !value.is_finite() || value == 0.0 {
        return value;
    }
    // `{:e}` is the shortest form that reads back as the value: `1.005e0`.
    let written = format!("{:e}", value.abs());
    let Some((mantissa, exponent)) = written.split_once('e') else {
        return value;
    };
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: Vec<u8> = mantissa
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|digit| digit - b'0')
        .collect();
    // The digits kept: those before the point, and `places` after it.
    let keep = exponent + 1 + places;
    let Ok(kept) = usize::try_from(keep) else {
        return 0.0;
    };
    if kept >= digits.len() {
        return value;
    }
    let mut whole = digits[..kept]
        .iter()
        .fold(0u128, |number, digit| number * 10 + u128::from(*digit));
    if digits[kept] >= 5 {
        whole += 1;
    }
    let magnitude: f64 = format!("{whole}e{}", exponent + 1 - keep)
        .parse()
        .unwrap_or(0.0);
    if magnitude == 0.0 {
        0.0
    } else {
        magnitude.copysign(value)
    }
}

/// `integer` rounded to `places` (a negative `places` rounds to tens, hundreds…), half away
/// from zero; past `i64` it keeps the nearest bound.
fn integer_round(integer: i64, places: i32) -> i64 {
    if places >= 0 {
        return integer;
    }
    let unit = 10i128.pow(places.unsigned_abs().min(30));
    let value = i128::from(integer);
    let half = if value < 0 { -unit / 2 } else { unit / 2 };
    let rounded = (value + half) / unit * unit;
    rounded.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

/// The places MySQL gives the quotient of two integers (`div_precision_increment`).
const QUOTIENT_SCALE: i128 = 10_000;

/// `dividend / divisor` to four places, rounded half away from zero, computed exactly;
/// `None` when dividing by zero.
fn decimal_quotient(dividend: i64, divisor: i64) -> Option<f64> {
    if divisor == 0 {
        return None;
    }
    let scaled = i128::from(dividend) * QUOTIENT_SCALE;
    let divisor = i128::from(divisor);
    let mut quotient = scaled / divisor;
    let remainder = scaled % divisor;
    if remainder.abs() * 2 >= divisor.abs() {
        quotient += if (scaled < 0) == (divisor < 0) { 1 } else { -1 };
    }
    Some(quotient as f64 / QUOTIENT_SCALE as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_the_digits_asked_for() {
        assert_eq!(truncate(1.999, 1), 1.9);
        assert_eq!(truncate(-1.999, 0), -1.0);
        assert_eq!(truncate(122.0, -1), 120.0);
        assert_eq!(answer(f64::NAN, false), Value::Null);
        assert_eq!(answer(2.0, true), Value::Integer(2));
    }

    #[test]
    fn decimals_round_on_their_digits_half_away_from_zero() {
        for (value, places, rounded) in [
            (1.005, 2, 1.01),
            (-1.005, 2, -1.01),
            (2.5, 0, 3.0),
            (-2.5, 0, -3.0),
            (0.5, 0, 1.0),
            (0.05, 0, 0.0),
            (-0.4, 0, 0.0),
            (9.99, 1, 10.0),
            (1234.5, -2, 1200.0),
            (1250.0, -2, 1300.0),
            (0.5, -1, 0.0),
            (1.25, 5, 1.25),
            (0.000_123_45, 7, 0.000_123_5),
            (1e300, 2, 1e300),
        ] {
            assert_eq!(decimal_round(value, places), rounded, "{value}, {places}");
        }
        assert_eq!(integer_round(1250, -2), 1300);
        assert_eq!(integer_round(-1250, -2), -1300);
        assert_eq!(integer_round(1249, -2), 1200);
        assert_eq!(integer_round(7, 2), 7);
        assert_eq!(integer_round(i64::MAX, -1), i64::MAX);
        assert_eq!(integer_round(5, -30), 0);
    }

    #[test]
    fn integers_divide_to_four_places_half_away_from_zero() {
        for (dividend, divisor, quotient) in [
            (7, 2, 3.5),
            (1, 3, 0.3333),
            (2, 3, 0.6667),
            (-2, 3, -0.6667),
            (2, -3, -0.6667),
            (-1, -8, 0.125),
            (1, 20_000, 0.0001),
            (1, 20_001, 0.0),
            (8, 2, 4.0),
            (i64::MIN, -1, 9.223_372_036_854_776e18),
        ] {
            assert_eq!(
                decimal_quotient(dividend, divisor),
                Some(quotient),
                "{dividend} / {divisor}"
            );
        }
        assert_eq!(decimal_quotient(1, 0), None);
    }
}
