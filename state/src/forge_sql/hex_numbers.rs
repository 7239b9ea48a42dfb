//! A hexadecimal literal (`X'41'`, `0x41`) where MySQL wants a number.
//!
//! MySQL's hexadecimal literal is a binary string, except in a number's context, where it is
//! the unsigned integer its bytes spell, big-endian: `SELECT X'41' + 0` is 65, and `0x41` is
//! the same literal. SQLite's `X'41'` is a blob, which arithmetic reads as the text `'A'`, so
//! 0, and a number column's type check refuses. A literal that is an operand of arithmetic
//! (`+ - * / % DIV`, a sign), a value written to a number column (`INSERT … VALUES`, `SET`),
//! or compared with one of the statement's one table ([`super::writes`]) is written as its
//! number; anywhere else (selected, a function's argument) it stays a blob, which is MySQL's
//! binary string.

use sqlparser::ast::{BinaryOperator, Expr, UnaryOperator, Value};

use super::columns::Column;
use super::values::ColumnType;

/// The hexadecimal digits of a literal read as a number: MySQL reads at most 8 bytes (a
/// `BIGINT UNSIGNED`) of one in a number's place. A longer literal stays a blob.
const MAX_NUMBER_DIGITS: usize = 16;

/// `expr`'s operands that are hexadecimal literals, written as numbers if `expr` is arithmetic.
pub(super) fn hex_operands_as_numbers(expr: &mut Expr) {
    match expr {
        Expr::BinaryOp { left, op, right } if is_arithmetic(op) => {
            as_number(left);
            as_number(right);
        }
        Expr::UnaryOp {
            op: UnaryOperator::Minus | UnaryOperator::Plus,
            expr: operand,
        } => as_number(operand),
        _ => {}
    }
}

fn is_arithmetic(op: &BinaryOperator) -> bool {
    matches!(
        op,
        BinaryOperator::Plus
            | BinaryOperator::Minus
            | BinaryOperator::Multiply
            | BinaryOperator::Divide
            | BinaryOperator::Modulo
            | BinaryOperator::MyIntegerDivide
    )
}

/// Whether MySQL reads a value written to or compared with `column` as a number.
pub(super) fn is_number_column(column: &Column) -> bool {
    matches!(
        ColumnType::from_declared(Some(&column.declared)),
        ColumnType::Number | ColumnType::BigInt | ColumnType::Decimal { .. }
    )
}

/// `expr` as the number it spells, if it is a hexadecimal literal of at most 8 bytes.
pub(super) fn as_number(expr: &mut Expr) {
    let Expr::Value(value) = expr else {
        return;
    };
    let Value::HexStringLiteral(digits) = &value.value else {
        return;
    };
    if let Some(number) = hex_number(digits) {
        value.value = Value::Number(number.to_string(), false);
    }
}

/// The unsigned integer `digits` spell; `X''` is 0, as in MySQL.
fn hex_number(digits: &str) -> Option<u64> {
    if digits.is_empty() {
        return Some(0);
    }
    if digits.len() > MAX_NUMBER_DIGITS || !digits.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(digits, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_digits_read_as_mysql_reads_them_in_a_numbers_place() {
        assert_eq!(hex_number("41"), Some(65));
        assert_eq!(hex_number(""), Some(0));
        assert_eq!(hex_number("FFFFFFFFFFFFFFFF"), Some(u64::MAX));
        assert_eq!(hex_number("010000000000000000"), None);
        assert_eq!(hex_number("4G"), None);
    }
}
