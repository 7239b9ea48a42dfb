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
    // Half away from zero, as MySQL rounds (Rust's formatting rounds half to even).
    let scale = 10f64.powi(i32::try_from(decimals).unwrap_or(30));
    let fixed = format!("{:.*}", decimals, (value.abs() * scale).round() / scale);
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
    connection.create_scalar_function("mod", 2, flags, |context| {
        Ok(match (context.get_raw(0), context.get_raw(1)) {
            (ValueRef::Integer(a), ValueRef::Integer(b)) if b != 0 => {
                Value::Integer(a.wrapping_rem(b))
            }
            _ => match (number(context, 0), number(context, 1)) {
                (Some(a), Some(b)) if b != 0.0 => answer(a % b, false),
                _ => Value::Null,
            },
        })
    })?;
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
                let scale = 10f64.powi(scale.clamp(0.0, 30.0) as i32);
                answer((value * scale).round() / scale, false)
            }
            _ => Value::Null,
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
    // `a DIV b` (rewritten by `expressions`): the quotient truncated toward zero, NULL when
    // dividing by zero.
    connection.create_scalar_function("kiln_div", 2, flags, |context| {
        Ok(match (number(context, 0), number(context, 1)) {
            (Some(dividend), Some(divisor)) if divisor != 0.0 => {
                let quotient = (dividend / divisor).trunc();
                quotient.is_finite().then_some(quotient as i64)
            }
            _ => None,
        })
    })?;
    // `a / b` (rewritten by `expressions`): MySQL divides without truncating, NULL when
    // dividing by zero. Two integers are DECIMALs of scale 0 to MySQL, and their quotient a
    // DECIMAL of scale 4 (`div_precision_increment`, 4 in TiDB as in MySQL), rounded half away
    // from zero: `1 / 3` is 0.3333 and `2 / 3` 0.6667, as `SUM(n) / COUNT(*)` answers on
    // Forge. Any other number divides as a real: its scale is not known here.
    connection.create_scalar_function("kiln_divide", 2, flags, |context| {
        Ok(match (context.get_raw(0), context.get_raw(1)) {
            (ValueRef::Integer(dividend), ValueRef::Integer(divisor)) => {
                decimal_quotient(dividend, divisor).map(Value::Real)
            }
            _ => match (number(context, 0), number(context, 1)) {
                (Some(dividend), Some(divisor)) if divisor != 0.0 => {
                    Some(answer(dividend / divisor, false))
                }
                _ => None,
            },
        })
    })?;
    Ok(())
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
