//! A number written to an integer or `DECIMAL` column is stored as TiDB stores it.
//!
//! TiDB converts what an `INSERT` or `UPDATE` writes to the column's type before it stores it
//! (`Datum.ConvertTo`): a fraction written to an `INT` column is rounded, so `INSERT INTO t (n)
//! VALUES (2.5)` stores 3 and reads back 3. SQLite's `INTEGER` affinity makes an integer only
//! of a real that is one already, and keeps `2.5` as the real it is: an app computing a count
//! as a fraction (an average, a percentage) would read back on Kiln a number Forge never
//! returns. So each value [`super::writes`] puts in an integer column (`INSERT … VALUES`, an
//! `UPDATE`'s or an upsert's `SET`) passes through [`STORED_INTEGER`], which rounds as TiDB
//! does for the kind of value it is (`types.ConvertFloatToInt`, `floatStrToIntStr`, read in
//! TiDB's source):
//!
//! - a number with a fraction written in the statement (`2.5`, a `DECIMAL` literal to MySQL)
//!   and text (`'2.5'`, read digit by digit) round half away from zero: 3, and -3 for -2.5;
//! - a bound parameter with a fraction (a JavaScript number is a `DOUBLE`) and a literal with
//!   an exponent (`25e-1`, a `DOUBLE` literal) round half to even, as TiDB's `RoundFloat`
//!   does: 2 for 2.5, 4 for 3.5;
//! - an integer is left as it is; text that is no number is left for the column's number
//!   check, which refuses it with MySQL's 1366 ([`super::dialect`]);
//! - a result past `BIGINT`'s range is MySQL's `Error 1264` (out of range), as the range check
//!   of the smaller integer types answers for theirs once the value is rounded. A `BIGINT
//!   UNSIGNED` value past `i64` is left as it was (SQLite holds no integer that large).
//!
//! A `DECIMAL(p, s)` column holds `s` places and `p - s` digits before the point (`DECIMAL`
//! is `DECIMAL(10, 0)`). TiDB rounds what is written to it to `s` places, half away from zero
//! on its decimal digits (`1.005` is 1.01 in `DECIMAL(10, 2)`), and refuses a value with more
//! digits before the point than the column holds with `Error 1264`. SQLite stores the real as
//! written, so Kiln read back `1.00` (the binary fraction nearest 1.005 is below it) and took
//! any size: each value written passes through [`STORED_DECIMAL`], which rounds it by
//! [`super::number_functions::decimal_round`] and checks its size.
//!
//! `CAST(x AS SIGNED)` and `CAST(x AS UNSIGNED)` (and `CONVERT(x, SIGNED)`) make integers
//! by the same rounding, through [`CAST_INTEGER`]: SQLite has no `SIGNED` type, and read the
//! cast as a cast to a number (`CAST(1.5 AS SIGNED)` was 1.5), or `SIGNED INTEGER` as one to
//! its integer, which truncates (1). A cast reads text as TiDB's cast does (`StrToInt` with
//! `isFuncCast`): the integer its leading digits spell, `'1.9'` is 1 and `'abc'` 0, where
//! MySQL warns; past `BIGINT` the nearest bound; `UNSIGNED` wraps a negative value, as
//! MySQL's does (`CAST(-1 AS UNSIGNED)` is 18446744073709551615, digits as text).
//!
//! Which rounding an expression gets (`n * 1.5`) follows what it is written as, not the type
//! MySQL would give it: a computed real rounds half away from zero. The two rules differ only
//! at exactly one half.

use rusqlite::Connection;
use rusqlite::functions::Context;
use rusqlite::types::{Value as SqliteValue, ValueRef};
use sqlparser::ast::{Expr, UnaryOperator, Value};

use super::columns::Column;

/// The function a value written to an integer column passes through:
/// `kiln_stored_integer(value, 'column', flags)`, [`register_stored_numbers`].
const STORED_INTEGER: &str = "kiln_stored_integer";

/// The function a value written to a `DECIMAL(p, s)` column passes through:
/// `kiln_stored_decimal(value, 'column', p, s)`, [`register_stored_numbers`].
const STORED_DECIMAL: &str = "kiln_stored_decimal";

/// The function `CAST(value AS SIGNED | UNSIGNED)` becomes: `kiln_cast_integer(value,
/// flags)`, [`register_stored_numbers`].
const CAST_INTEGER: &str = "kiln_cast_integer";

/// [`STORED_INTEGER`]'s and [`CAST_INTEGER`]'s flags: the value is a `DOUBLE` (round half to
/// even).
const DOUBLE: i64 = 1;
/// [`STORED_INTEGER`]'s and [`CAST_INTEGER`]'s flags: the column, or the cast, is `UNSIGNED`.
const UNSIGNED: i64 = 2;

/// 2^63 as a real: the first real past `i64`.
const PAST_I64: f64 = 9_223_372_036_854_775_808.0;

/// How a number column stores what is written to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Storage {
    /// One of the integer types (`BOOLEAN` is `TINYINT(1)`), an `AUTO_INCREMENT` id's included.
    Integer { unsigned: bool },
    /// `DECIMAL(precision, scale)`.
    Decimal { precision: u32, scale: u32 },
}

impl Storage {
    /// How `column` stores numbers; `None` for a column that is no integer or `DECIMAL`
    /// (`FLOAT` and `DOUBLE` store a real as SQLite does).
    pub(super) fn of(column: &Column) -> Option<Storage> {
        let upper = column.declared.to_ascii_uppercase();
        let first = upper.split(['(', ' ']).next().unwrap_or_default();
        match first {
            "TINYINT" | "BOOL" | "BOOLEAN" | "SMALLINT" | "MEDIUMINT" | "INT" | "INTEGER"
            | "BIGINT" | "SERIAL" => Some(Storage::Integer {
                unsigned: upper.contains("UNSIGNED"),
            }),
            "DECIMAL" | "NUMERIC" | "DEC" | "FIXED" => {
                // MySQL's defaults: `DECIMAL` is `DECIMAL(10, 0)`, `DECIMAL(p)` `DECIMAL(p, 0)`.
                let inside = upper
                    .split_once('(')
                    .and_then(|(_, rest)| rest.split_once(')'))
                    .map_or("", |(inside, _)| inside);
                let mut numbers = inside.split(',').map(|n| n.trim().parse::<u32>().ok());
                let precision = numbers.next().flatten().unwrap_or(10).clamp(1, 65);
                let scale = numbers.next().flatten().unwrap_or(0).min(30).min(precision);
                Some(Storage::Decimal { precision, scale })
            }
            _ => None,
        }
    }

    /// `value` (neither `NULL` nor `DEFAULT`), written to `column`, as TiDB stores it: passed
    /// through [`STORED_INTEGER`] or [`STORED_DECIMAL`], unless it is an integer literal
    /// written to an integer column.
    pub(super) fn stored(self, column: &str, value: Expr) -> Expr {
        let name = Expr::Value(Value::SingleQuotedString(column.replace('\'', "")).into());
        let number = |n: i64| Expr::Value(Value::Number(n.to_string(), false).into());
        match self {
            Storage::Integer { .. } if is_integer_literal(&value) => value,
            Storage::Integer { unsigned } => {
                let mut flags = 0;
                if is_double(&value) {
                    flags |= DOUBLE;
                }
                if unsigned {
                    flags |= UNSIGNED;
                }
                super::expressions::call(STORED_INTEGER, vec![value, name, number(flags)])
            }
            Storage::Decimal { precision, scale } => super::expressions::call(
                STORED_DECIMAL,
                vec![
                    value,
                    name,
                    number(i64::from(precision)),
                    number(i64::from(scale)),
                ],
            ),
        }
    }
}

/// `CAST(value AS SIGNED)`, or `AS UNSIGNED` when `unsigned`, as TiDB makes it.
pub(super) fn cast_integer(unsigned: bool, value: Expr) -> Expr {
    let mut flags = 0;
    if is_double(&value) {
        flags |= DOUBLE;
    }
    if unsigned {
        flags |= UNSIGNED;
    }
    let flags = Expr::Value(Value::Number(flags.to_string(), false).into());
    super::expressions::call(CAST_INTEGER, vec![value, flags])
}

/// Whether `expr` is a number literal without fraction or exponent (`42`, `-7`).
fn is_integer_literal(expr: &Expr) -> bool {
    match expr {
        Expr::Value(value) => {
            matches!(&value.value, Value::Number(digits, _) if digits.bytes().all(|b| b.is_ascii_digit()))
        }
        Expr::UnaryOp {
            op: UnaryOperator::Minus | UnaryOperator::Plus,
            expr,
        } => is_integer_literal(expr),
        _ => false,
    }
}

/// Whether `expr` is what TiDB reads as a `DOUBLE`: one of the app's bound parameters (`?`,
/// `?N`; the statement's own string literals are placeholders of another name while it is
/// rewritten, and are text) or a number literal with an exponent, signed or not.
pub(super) fn is_double(expr: &Expr) -> bool {
    match expr {
        Expr::Value(value) => match &value.value {
            Value::Placeholder(text) => text.starts_with('?'),
            Value::Number(digits, _) => digits.contains(['e', 'E']),
            _ => false,
        },
        Expr::UnaryOp {
            op: UnaryOperator::Minus | UnaryOperator::Plus,
            expr,
        } => is_double(expr),
        Expr::Nested(inner) => is_double(inner),
        _ => false,
    }
}

/// Registers [`STORED_INTEGER`], [`STORED_DECIMAL`] and [`CAST_INTEGER`] on `connection`.
pub(super) fn register_stored_numbers(connection: &Connection) -> rusqlite::Result<()> {
    connection.create_scalar_function(
        STORED_DECIMAL,
        4,
        super::functions::PURE,
        |context: &Context<'_>| {
            let column = context.get::<String>(1).unwrap_or_default();
            let precision = context.get::<i64>(2).unwrap_or(10).clamp(1, 65) as u32;
            let scale = context.get::<i64>(3).unwrap_or(0).clamp(0, 30) as u32;
            as_stored_decimal(context.get_raw(0), precision, scale.min(precision))
                .map_err(|OutOfRange| OutOfRange::error(&column))
        },
    )?;
    connection.create_scalar_function(
        CAST_INTEGER,
        2,
        super::functions::PURE,
        |context: &Context<'_>| {
            let flags = context.get::<i64>(1).unwrap_or_default();
            Ok(as_cast(
                context.get_raw(0),
                flags & DOUBLE != 0,
                flags & UNSIGNED != 0,
            ))
        },
    )?;
    connection.create_scalar_function(
        STORED_INTEGER,
        3,
        super::functions::PURE,
        |context: &Context<'_>| {
            let column = context.get::<String>(1).unwrap_or_default();
            let flags = context.get::<i64>(2).unwrap_or_default();
            as_stored(
                context.get_raw(0),
                flags & DOUBLE != 0,
                flags & UNSIGNED != 0,
            )
            .map_err(|OutOfRange| OutOfRange::error(&column))
        },
    )
}

/// A value past its column's range (`BIGINT`'s, or a `DECIMAL`'s digits).
#[derive(Debug, PartialEq)]
struct OutOfRange;

impl OutOfRange {
    /// MySQL's 1264 for `column`, as the function's error.
    fn error(column: &str) -> rusqlite::Error {
        rusqlite::Error::UserFunctionError(super::mysql_errors::out_of_range(column).into())
    }
}

/// `real` rounded to a whole number as TiDB rounds its kind: a `DOUBLE` half to even
/// (`RoundFloat`), a `DECIMAL` half away from zero.
fn rounded(real: f64, double: bool) -> f64 {
    if double {
        real.round_ties_even()
    } else {
        real.round()
    }
}

/// `value` as TiDB stores it in a `DECIMAL(precision, scale)` column: rounded to `scale`
/// places; `OutOfRange` with more digits before the point than `precision - scale`. Text that
/// is no number is kept for the column's number check.
fn as_stored_decimal(
    value: ValueRef<'_>,
    precision: u32,
    scale: u32,
) -> Result<SqliteValue, OutOfRange> {
    let whole_digits = precision - scale;
    let real = match value {
        ValueRef::Integer(integer) => {
            let fits = whole_digits >= 19 || integer.unsigned_abs() < 10u64.pow(whole_digits);
            return if fits {
                Ok(SqliteValue::Integer(integer))
            } else {
                Err(OutOfRange)
            };
        }
        ValueRef::Real(real) => real,
        ValueRef::Text(bytes) => {
            let text = String::from_utf8_lossy(bytes);
            let number = text.trim();
            // Rust also reads `inf` and `NaN`, which MySQL does not.
            match number
                .bytes()
                .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
                .then(|| number.parse::<f64>().ok())
                .flatten()
            {
                Some(real) => real,
                None => return Ok(SqliteValue::Text(text.into_owned())),
            }
        }
        ValueRef::Null => return Ok(SqliteValue::Null),
        ValueRef::Blob(bytes) => return Ok(SqliteValue::Blob(bytes.to_vec())),
    };
    let rounded = super::number_functions::decimal_round(real, scale as i32);
    let bound = 10f64.powi(whole_digits as i32);
    if rounded.is_finite() && rounded.abs() < bound {
        Ok(SqliteValue::Real(rounded))
    } else {
        Err(OutOfRange)
    }
}

/// `value` cast to `SIGNED` (or `UNSIGNED`) as TiDB casts it: never an error, as a `SELECT`'s
/// cast is not in MySQL (a truncation or an overflow is a warning there).
fn as_cast(value: ValueRef<'_>, double: bool, unsigned: bool) -> SqliteValue {
    let signed = match value {
        ValueRef::Null => return SqliteValue::Null,
        ValueRef::Integer(integer) => integer,
        ValueRef::Real(real) => {
            let rounded = rounded(real, double);
            if unsigned && rounded >= PAST_I64 {
                // Past `i64`: `u64`'s digits, up to its bound (`as` saturates).
                return SqliteValue::Text((rounded as u64).to_string());
            }
            // `as` saturates at the bounds and makes NaN 0.
            rounded as i64
        }
        ValueRef::Text(bytes) | ValueRef::Blob(bytes) => {
            let text = String::from_utf8_lossy(bytes);
            let number = text.trim();
            let (negative, rest) = match number.as_bytes().first() {
                Some(b'-') => (true, &number[1..]),
                Some(b'+') => (false, &number[1..]),
                _ => (false, number),
            };
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            let digits = rest[..digits].trim_start_matches('0');
            let magnitude = if digits.len() > 20 {
                u128::MAX
            } else {
                format!("0{digits}").parse::<u128>().unwrap_or(u128::MAX)
            };
            if unsigned && !negative && magnitude > i64::MAX as u128 {
                return SqliteValue::Text(magnitude.min(u128::from(u64::MAX)).to_string());
            }
            let signed = i128::try_from(magnitude).unwrap_or(i128::MAX);
            let signed = if negative { -signed } else { signed };
            signed.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
        }
    };
    if unsigned && signed < 0 {
        // MySQL's `UNSIGNED` cast keeps the bits: -1 is 2^64 - 1.
        return SqliteValue::Text((signed as u64).to_string());
    }
    SqliteValue::Integer(signed)
}

/// `value` as TiDB stores it in an integer column.
fn as_stored(value: ValueRef<'_>, double: bool, unsigned: bool) -> Result<SqliteValue, OutOfRange> {
    match value {
        ValueRef::Real(real) => {
            let rounded = rounded(real, double);
            integer_of(rounded, unsigned).map_or(Ok(SqliteValue::Real(real)), |integer| {
                integer.map(SqliteValue::Integer)
            })
        }
        ValueRef::Text(bytes) => {
            let text = String::from_utf8_lossy(bytes);
            match text_integer(&text, unsigned) {
                Some(result) => result.map(SqliteValue::Integer),
                // No number (or an `UNSIGNED` value past `i64`): kept as written, for the
                // column's number check.
                None => Ok(SqliteValue::Text(text.into_owned())),
            }
        }
        ValueRef::Integer(integer) => Ok(SqliteValue::Integer(integer)),
        ValueRef::Null => Ok(SqliteValue::Null),
        ValueRef::Blob(bytes) => Ok(SqliteValue::Blob(bytes.to_vec())),
    }
}

/// The integer `rounded` (already a whole number) is: `None` for an `UNSIGNED` value past
/// `i64`, which is left as it was.
fn integer_of(rounded: f64, unsigned: bool) -> Option<Result<i64, OutOfRange>> {
    if rounded.is_nan() {
        return Some(Err(OutOfRange));
    }
    if rounded >= PAST_I64 {
        return if unsigned && rounded.is_finite() {
            None
        } else if rounded == PAST_I64 {
            // TiDB's `ConvertFloatToInt` takes the bound itself (2^63 is `i64::MAX` as a real).
            Some(Ok(i64::MAX))
        } else {
            Some(Err(OutOfRange))
        };
    }
    if rounded < -PAST_I64 {
        return Some(Err(OutOfRange));
    }
    Some(Ok(rounded as i64))
}

/// The integer TiDB makes of `text` written to an integer column, `None` when it is no
/// number (or an `UNSIGNED` value past `i64`): surrounding whitespace, a sign, digits, a
/// fraction (rounded half away from zero by its first digit, as TiDB's `roundIntStr`), an
/// exponent.
fn text_integer(text: &str, unsigned: bool) -> Option<Result<i64, OutOfRange>> {
    let number = text.trim();
    let (negative, unsigned_part) = match number.as_bytes().first()? {
        b'-' => (true, &number[1..]),
        b'+' => (false, &number[1..]),
        _ => (false, number),
    };
    let (mantissa, exponent) = match unsigned_part.find(['e', 'E']) {
        Some(at) => (&unsigned_part[..at], Some(&unsigned_part[at + 1..])),
        None => (unsigned_part, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(fraction) || (whole.is_empty() && fraction.is_empty()) {
        return None;
    }
    if let Some(exponent) = exponent {
        let exponent_digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
        if exponent_digits.is_empty() || !digits(exponent_digits) {
            return None;
        }
        // The real the text spells, rounded as a decimal is: past `i64` it is out of range
        // whatever its last digits.
        let real: f64 = number.parse().ok()?;
        return integer_of(real.round(), unsigned);
    }
    let whole = whole.trim_start_matches('0');
    let round_up = fraction.bytes().next().is_some_and(|first| first >= b'5');
    // More than 20 digits is past `u64`: no need to read them.
    let magnitude = if whole.len() > 20 {
        None
    } else {
        format!("0{whole}").parse::<u128>().ok()
    }
    .map(|magnitude| magnitude + u128::from(round_up));
    let value = magnitude.and_then(|magnitude| {
        let signed = i128::try_from(magnitude).ok()?;
        i64::try_from(if negative { -signed } else { signed }).ok()
    });
    match value {
        Some(value) => Some(Ok(value)),
        None if unsigned && !negative && magnitude.is_some_and(|m| m <= u128::from(u64::MAX)) => {
            None
        }
        None => Some(Err(OutOfRange)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(value: ValueRef<'_>, double: bool) -> Result<SqliteValue, OutOfRange> {
        as_stored(value, double, false)
    }

    #[test]
    fn reals_round_half_away_from_zero_or_to_even() {
        for (real, decimal, double) in [
            (2.5, 3, 2),
            (3.5, 4, 4),
            (-2.5, -3, -2),
            (0.4, 0, 0),
            (-0.4, 0, 0),
            (2.4999, 2, 2),
            (1.0, 1, 1),
        ] {
            assert_eq!(
                stored(ValueRef::Real(real), false),
                Ok(SqliteValue::Integer(decimal)),
                "{real} as a decimal"
            );
            assert_eq!(
                stored(ValueRef::Real(real), true),
                Ok(SqliteValue::Integer(double)),
                "{real} as a double"
            );
        }
    }

    #[test]
    fn text_rounds_by_its_first_fraction_digit() {
        for (text, integer) in [
            ("2.5", 3),
            ("-2.5", -3),
            (" 7 ", 7),
            ("+4.49", 4),
            (".5", 1),
            ("1.", 1),
            ("007.9", 8),
            ("2.5e1", 25),
            ("25e-1", 3),
            ("-9223372036854775808", i64::MIN),
            ("9223372036854775807.4", i64::MAX),
        ] {
            assert_eq!(
                stored(ValueRef::Text(text.as_bytes()), true),
                Ok(SqliteValue::Integer(integer)),
                "{text:?}"
            );
        }
    }

    #[test]
    fn text_that_is_no_number_is_left_for_the_number_check() {
        for text in [
            "", "abc", "12abc", ".", "-", "1e", "1e+", "0x10", "1.2.3", "1 2",
        ] {
            assert_eq!(
                stored(ValueRef::Text(text.as_bytes()), false),
                Ok(SqliteValue::Text(text.to_owned())),
                "{text:?}"
            );
        }
    }

    #[test]
    fn past_bigint_is_out_of_range_unless_unsigned() {
        assert_eq!(stored(ValueRef::Real(1e19), false), Err(OutOfRange));
        assert_eq!(stored(ValueRef::Real(-1e19), true), Err(OutOfRange));
        assert_eq!(stored(ValueRef::Real(f64::INFINITY), true), Err(OutOfRange));
        assert_eq!(
            stored(ValueRef::Text(b"9223372036854775807.5"), false),
            Err(OutOfRange)
        );
        assert_eq!(stored(ValueRef::Text(b"1e400"), false), Err(OutOfRange));
        assert_eq!(
            stored(ValueRef::Text("9".repeat(400).as_bytes()), false),
            Err(OutOfRange)
        );
        // TiDB takes 2^63 as a real to be the bound itself.
        assert_eq!(
            stored(ValueRef::Real(PAST_I64), false),
            Ok(SqliteValue::Integer(i64::MAX))
        );
        assert_eq!(
            as_stored(ValueRef::Real(1e19), false, true),
            Ok(SqliteValue::Real(1e19))
        );
        assert_eq!(
            as_stored(ValueRef::Text(b"18446744073709551615"), false, true),
            Ok(SqliteValue::Text("18446744073709551615".to_owned()))
        );
    }

    #[test]
    fn casts_round_numbers_and_read_text_by_its_leading_digits() {
        let cast =
            |value: ValueRef<'_>, double: bool, unsigned: bool| as_cast(value, double, unsigned);
        let int = SqliteValue::Integer;
        assert_eq!(cast(ValueRef::Real(1.5), false, false), int(2));
        assert_eq!(cast(ValueRef::Real(-1.5), false, false), int(-2));
        assert_eq!(cast(ValueRef::Real(2.5), true, false), int(2));
        assert_eq!(cast(ValueRef::Real(1e30), false, false), int(i64::MAX));
        assert_eq!(cast(ValueRef::Real(-1e30), false, false), int(i64::MIN));
        assert_eq!(cast(ValueRef::Real(f64::NAN), false, false), int(0));
        assert_eq!(cast(ValueRef::Integer(7), false, true), int(7));
        assert_eq!(
            cast(ValueRef::Integer(-1), false, true),
            SqliteValue::Text("18446744073709551615".to_owned())
        );
        assert_eq!(
            cast(ValueRef::Real(1e19), false, true),
            SqliteValue::Text("10000000000000000000".to_owned())
        );
        for (text, integer) in [
            ("1.9", 1),
            (" -12abc", -12),
            ("abc", 0),
            ("", 0),
            ("+007", 7),
            ("1e3", 1),
            ("99999999999999999999999", i64::MAX),
            ("-99999999999999999999999", i64::MIN),
        ] {
            assert_eq!(
                cast(ValueRef::Text(text.as_bytes()), false, false),
                int(integer),
                "{text:?}"
            );
        }
        assert_eq!(
            cast(ValueRef::Text(b"18446744073709551615"), false, true),
            SqliteValue::Text("18446744073709551615".to_owned())
        );
        assert_eq!(cast(ValueRef::Null, false, false), SqliteValue::Null);
    }

    #[test]
    fn decimals_round_to_their_scale_and_hold_their_digits() {
        let decimal = |value: ValueRef<'_>| as_stored_decimal(value, 5, 2);
        assert_eq!(decimal(ValueRef::Real(1.005)), Ok(SqliteValue::Real(1.01)));
        assert_eq!(
            decimal(ValueRef::Real(-1.005)),
            Ok(SqliteValue::Real(-1.01))
        );
        assert_eq!(
            decimal(ValueRef::Text(b" 2.345 ")),
            Ok(SqliteValue::Real(2.35))
        );
        assert_eq!(
            decimal(ValueRef::Real(999.994)),
            Ok(SqliteValue::Real(999.99))
        );
        assert_eq!(decimal(ValueRef::Real(999.995)), Err(OutOfRange));
        assert_eq!(
            decimal(ValueRef::Integer(999)),
            Ok(SqliteValue::Integer(999))
        );
        assert_eq!(decimal(ValueRef::Integer(-1000)), Err(OutOfRange));
        assert_eq!(decimal(ValueRef::Real(f64::INFINITY)), Err(OutOfRange));
        for text in ["abc", "inf", "NaN", ""] {
            assert_eq!(
                decimal(ValueRef::Text(text.as_bytes())),
                Ok(SqliteValue::Text(text.to_owned()))
            );
        }
        // `DECIMAL(2, 2)` holds no digit before the point; a wide one holds any integer.
        assert_eq!(
            as_stored_decimal(ValueRef::Real(0.994), 2, 2),
            Ok(SqliteValue::Real(0.99))
        );
        assert_eq!(
            as_stored_decimal(ValueRef::Real(1.0), 2, 2),
            Err(OutOfRange)
        );
        assert_eq!(
            as_stored_decimal(ValueRef::Integer(i64::MAX), 65, 0),
            Ok(SqliteValue::Integer(i64::MAX))
        );
    }

    #[test]
    fn integers_nulls_and_blobs_pass_as_they_are() {
        assert_eq!(
            stored(ValueRef::Integer(7), true),
            Ok(SqliteValue::Integer(7))
        );
        assert_eq!(stored(ValueRef::Null, true), Ok(SqliteValue::Null));
        assert_eq!(
            stored(ValueRef::Blob(b"\x01"), true),
            Ok(SqliteValue::Blob(vec![1]))
        );
    }
}
