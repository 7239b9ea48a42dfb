//! The MySQL types of a query's aggregates over a column, which decide how Forge answers them.
//!
//! A value read straight from a column comes back as the column's declared type says
//! ([`super::values`]); an aggregate has no declared type in SQLite, but has one in MySQL, and
//! mysql2 (so Forge SQL) answers by it:
//!
//! - `SUM` of an exact column (`DECIMAL(p, s)`, any integer) is `DECIMAL` with the column's
//!   scale: `"12.50"`, and `"42"` for integers (mysql2 answers every `DECIMAL` as a string).
//! - `AVG` of one is `DECIMAL` with 4 more decimals (`div_precision_increment`): `"2.5000"`.
//! - `MIN`/`MAX` are of the column's own type: a `BIGINT`'s or a `DECIMAL`'s as a string.
//! - `COALESCE(SUM(x), 0)` and `IFNULL(…)`, how apps turn no rows into zero, keep the type.
//! - Arithmetic MySQL computes exactly is a `DECIMAL` of MySQL's scale: `price * qty` is
//!   `"12.50"`, `7 / 2` `"3.5000"`, `ROUND(price, 1)` and `CAST(x AS DECIMAL(10, 1))` one
//!   place ([`exact_arithmetic`]); with a `DOUBLE` in it (a bound number, a `DOUBLE` column),
//!   a number.
//!
//! `SUM` and `AVG` of such a column are also computed as MySQL computes them, in decimal
//! ([`super::aggregate_functions`]). Only the outer `SELECT`'s items are typed, up to its
//! first `*`, and only aggregates of a plain column of a table the `FROM` names and arithmetic
//! of those, columns and literals; anything else (an aggregate in a subquery, a function's
//! result) comes back as SQLite computes it, and a typed value's digits are SQLite's real
//! rounded to the scale (`0.1 + 0.2` is `"0.3"`).

use sqlparser::ast::{
    BinaryOperator, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, ObjectName,
    Select, SelectItem, TableFactor,
};

use super::aggregate_functions::{
    AVG_SCALE_INCREMENT, MAX_DECIMAL_SCALE, exact_avg_name, exact_sum_name,
};
use super::dialect::{TableColumns, from_relations};
use super::values::ColumnType;

/// The MySQL type of each of `select`'s aggregate items over a column, by position; each
/// `SUM`/`AVG` of an exact column is rewritten to its exact aggregate.
pub(super) fn type_aggregates(
    select: &mut Select,
    columns_of: TableColumns<'_>,
) -> Vec<(usize, ColumnType)> {
    let tables = tables_of(select);
    let mut typed = Vec::new();
    for (index, item) in select.projection.iter_mut().enumerate() {
        let expr = match item {
            SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. } => expr,
            // A `*`'s width is not in the text: the positions after it are unknown.
            _ => break,
        };
        if let Some(column_type) = type_item(expr, &tables, columns_of) {
            typed.push((index, column_type));
        }
    }
    typed
}

/// A table the `FROM` names: its name as written, and the name the query calls it by.
struct Named {
    table: String,
    called: String,
}

fn tables_of(select: &Select) -> Vec<Named> {
    from_relations(select)
        .filter_map(|relation| match relation {
            TableFactor::Table {
                name, alias, args, ..
            } if args.is_none() => Some(Named {
                table: name.to_string(),
                called: alias
                    .as_ref()
                    .map(|alias| alias.name.value.clone())
                    .or_else(|| {
                        name.0
                            .last()
                            .and_then(|part| part.as_ident())
                            .map(|i| i.value.clone())
                    })
                    .unwrap_or_default(),
            }),
            _ => None,
        })
        .collect()
}

/// The type of `expr` if it is an aggregate of a column (or `COALESCE`/`IFNULL` of one), or
/// arithmetic MySQL computes in `DECIMAL` ([`exact_arithmetic`]).
fn type_item(
    expr: &mut Expr,
    tables: &[Named],
    columns_of: TableColumns<'_>,
) -> Option<ColumnType> {
    type_aggregate(expr, tables, columns_of).or_else(|| {
        match exact_arithmetic(expr, tables, columns_of)? {
            Exact {
                scale,
                decimal: true,
            } => Some(ColumnType::Decimal {
                scale: scale.min(MAX_DECIMAL_SCALE),
            }),
            _ => None,
        }
    })
}

/// The type of `expr` if it is an aggregate of a column, or `COALESCE`/`IFNULL` of one and
/// plain numbers; each `SUM`/`AVG` of an exact column is rewritten to its exact aggregate.
fn type_aggregate(
    expr: &mut Expr,
    tables: &[Named],
    columns_of: TableColumns<'_>,
) -> Option<ColumnType> {
    let Expr::Function(function) = expr else {
        return None;
    };
    let name = function.name.to_string().to_ascii_lowercase();
    if matches!(name.as_str(), "coalesce" | "ifnull") {
        let FunctionArguments::List(list) = &mut function.args else {
            return None;
        };
        let (first, rest) = list.args.split_first_mut()?;
        if !rest.iter().all(is_plain_number) {
            return None;
        }
        return match first {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(inner)) => {
                type_aggregate(inner, tables, columns_of)
                    .filter(|column_type| matches!(column_type, ColumnType::Decimal { .. }))
            }
            _ => None,
        };
    }
    if !matches!(name.as_str(), "sum" | "avg" | "min" | "max") {
        return None;
    }
    let FunctionArguments::List(list) = &function.args else {
        return None;
    };
    let [FunctionArg::Unnamed(FunctionArgExpr::Expr(argument))] = list.args.as_slice() else {
        return None;
    };
    let declared = declared_type(argument, tables, columns_of)?;
    let column_type = ColumnType::from_declared(Some(&declared));
    let exact_scale = match column_type {
        ColumnType::Decimal { scale } => Some(scale),
        _ if is_integer_type(&declared) => Some(0),
        _ => None,
    };
    match name.as_str() {
        "min" | "max" => matches!(column_type, ColumnType::BigInt | ColumnType::Decimal { .. })
            .then_some(column_type),
        aggregate => {
            let scale = exact_scale?.min(MAX_DECIMAL_SCALE);
            let average = aggregate == "avg";
            // A window's SUM stays SQLite's (Kiln's aggregates are not window functions), its
            // answer read back to the scale.
            if function.over.is_none() {
                let exact = if average {
                    exact_avg_name(scale)
                } else {
                    exact_sum_name(scale)
                };
                function.name = ObjectName::from(vec![Ident::new(exact)]);
            }
            Some(ColumnType::Decimal {
                scale: if average {
                    (scale + AVG_SCALE_INCREMENT).min(MAX_DECIMAL_SCALE)
                } else {
                    scale
                },
            })
        }
    }
}

/// The exact type MySQL gives a value: a `DECIMAL` of `scale` places, or an integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Exact {
    scale: u32,
    decimal: bool,
}

/// The exact type of `expr` when MySQL computes it in `DECIMAL` or integers: a `DECIMAL`
/// column or literal (`1.50`, scale 2), an integer column or literal, `COUNT`, and `+`, `-`,
/// `*`, `/`, `MOD`, `ROUND(x, d)`, `COALESCE`/`IFNULL`/`IF`/`GREATEST`/`LEAST`/`ABS` of such
/// values: a sum's scale is its operands' largest, a product's their sum, a quotient's the
/// dividend's plus 4 (`div_precision_increment`), so `7 / 2` is the `DECIMAL` 3.5000. mysql2
/// (so Forge SQL) answers every `DECIMAL` as a string (`"3.5000"`, `"12.50"` for `price *
/// qty`), where SQLite's answer is a number. `None` for anything else: a bound parameter or
/// an exponent literal is a `DOUBLE`, and so is what a `DOUBLE` or `FLOAT` column takes part
/// in; other function calls are not typed.
///
/// Runs after the expression rewrites: `/` is `kiln_divide`, `%` and `MOD` are `mod`,
/// `ROUND` is `kiln_round` ([`super::expressions`]).
fn exact_arithmetic(expr: &Expr, tables: &[Named], columns_of: TableColumns<'_>) -> Option<Exact> {
    let exact = |expr: &Expr| exact_arithmetic(expr, tables, columns_of);
    let integer = Exact {
        scale: 0,
        decimal: false,
    };
    match expr {
        Expr::Nested(inner)
        | Expr::UnaryOp {
            op: sqlparser::ast::UnaryOperator::Minus | sqlparser::ast::UnaryOperator::Plus,
            expr: inner,
        } => exact(inner),
        Expr::Value(value) => match &value.value {
            sqlparser::ast::Value::Number(digits, _) if !digits.contains(['e', 'E']) => {
                Some(match digits.split_once('.') {
                    Some((_, fraction)) => Exact {
                        scale: u32::try_from(fraction.len()).unwrap_or(u32::MAX),
                        decimal: true,
                    },
                    None => integer,
                })
            }
            _ => None,
        },
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => {
            let declared = declared_type(expr, tables, columns_of)?;
            match ColumnType::from_declared(Some(&declared)) {
                ColumnType::Decimal { scale } => Some(Exact {
                    scale,
                    decimal: true,
                }),
                _ if is_integer_type(&declared) => Some(integer),
                _ => None,
            }
        }
        Expr::BinaryOp { left, op, right } => {
            let (left, right) = (exact(left)?, exact(right)?);
            let decimal = left.decimal || right.decimal;
            match op {
                BinaryOperator::Plus | BinaryOperator::Minus => Some(Exact {
                    scale: left.scale.max(right.scale),
                    decimal,
                }),
                BinaryOperator::Multiply => Some(Exact {
                    scale: left.scale.saturating_add(right.scale),
                    decimal,
                }),
                _ => None,
            }
        }
        Expr::Function(function) => {
            let name = function.name.to_string().to_ascii_lowercase();
            let FunctionArguments::List(list) = &function.args else {
                return None;
            };
            let args: Vec<&Expr> = list
                .args
                .iter()
                .map(|arg| match arg {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(expr)) => Some(expr),
                    _ => None,
                })
                .collect::<Option<_>>()
                .unwrap_or_default();
            match (name.as_str(), args.as_slice()) {
                ("count", _) => Some(integer),
                // Of an exact column: `SUM` is a `DECIMAL` of its scale, `AVG` of 4 more,
                // `MIN`/`MAX` of its own type.
                ("sum", [value]) => exact(value).map(|value| Exact {
                    decimal: true,
                    ..value
                }),
                ("avg", [value]) => exact(value).map(|value| Exact {
                    scale: value.scale.saturating_add(AVG_SCALE_INCREMENT),
                    decimal: true,
                }),
                ("min" | "max", [value]) => exact(value),
                // Functions whose value is one of their arguments' (`COALESCE(price, 0)`, how
                // apps turn NULL into zero): the widest of those arguments' types.
                // (`GREATEST`/`LEAST` are SQLite's many-argument `max`/`min` by now.)
                ("coalesce" | "ifnull" | "max" | "min", values) if !values.is_empty() => {
                    widest(values.iter().map(|value| exact(value)))
                }
                ("if", [_, then, otherwise]) => widest([exact(then), exact(otherwise)].into_iter()),
                ("abs" | "nullif", [value, ..]) => exact(value),
                ("kiln_divide" | "kiln_divide_strict", [dividend, divisor]) => {
                    let dividend = exact(dividend)?;
                    exact(divisor)?;
                    Some(Exact {
                        scale: dividend.scale.saturating_add(AVG_SCALE_INCREMENT),
                        decimal: true,
                    })
                }
                ("mod" | "kiln_mod_strict", [dividend, divisor]) => {
                    let (dividend, divisor) = (exact(dividend)?, exact(divisor)?);
                    Some(Exact {
                        scale: dividend.scale.max(divisor.scale),
                        decimal: dividend.decimal || divisor.decimal,
                    })
                }
                // `CAST(x AS DECIMAL(p, s))` is a `DECIMAL` of `s` places, whatever `x` was.
                ("kiln_round_decimal", [_, Expr::Value(scale)]) => Some(Exact {
                    scale: scale.value.to_string().parse().ok()?,
                    decimal: true,
                }),
                // `ROUND(x, d)`: `d` places (none below 0) of a DECIMAL; an integer stays one.
                ("kiln_round", [value, places, _]) => {
                    let value = exact(value)?;
                    let places = match places {
                        Expr::Value(number) => number.value.to_string().parse::<i64>().ok()?,
                        Expr::UnaryOp {
                            op: sqlparser::ast::UnaryOperator::Minus,
                            expr,
                        } => match expr.as_ref() {
                            Expr::Value(number) => -number.value.to_string().parse::<i64>().ok()?,
                            _ => return None,
                        },
                        _ => return None,
                    };
                    Some(Exact {
                        scale: if value.decimal {
                            u32::try_from(places.max(0)).unwrap_or(u32::MAX)
                        } else {
                            0
                        },
                        decimal: value.decimal,
                    })
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// The type that holds each of `types` (MySQL's for `COALESCE` and its kin): a `DECIMAL` of
/// the largest scale if any is one, else an integer; `None` if any is not exact. A `NULL`
/// argument has no type, and is `None` here too: `COALESCE(price, NULL)` is not typed.
fn widest(mut types: impl Iterator<Item = Option<Exact>>) -> Option<Exact> {
    let narrowest = Exact {
        scale: 0,
        decimal: false,
    };
    types.try_fold(narrowest, |wide, next| {
        let next = next?;
        Some(Exact {
            scale: wide.scale.max(next.scale),
            decimal: wide.decimal || next.decimal,
        })
    })
}

fn is_plain_number(argument: &FunctionArg) -> bool {
    matches!(
        argument,
        FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Value(value)))
            if matches!(value.value, sqlparser::ast::Value::Number(..))
    )
}

/// The declared type of the column `expr` names, in one of `tables`.
fn declared_type(expr: &Expr, tables: &[Named], columns_of: TableColumns<'_>) -> Option<String> {
    let (qualifier, column) = match expr {
        Expr::Identifier(column) => (None, column),
        Expr::CompoundIdentifier(parts) => match parts.as_slice() {
            [qualifier, column] => (Some(qualifier), column),
            _ => return None,
        },
        _ => return None,
    };
    tables
        .iter()
        .filter(|named| {
            qualifier.is_none_or(|qualifier| named.called.eq_ignore_ascii_case(&qualifier.value))
        })
        .find_map(|named| {
            columns_of(&named.table)
                .into_iter()
                .find(|candidate| candidate.name.eq_ignore_ascii_case(&column.value))
                .map(|found| found.declared)
        })
}

/// Whether a declared type is one of MySQL's integers, whose `SUM` is a `DECIMAL` of scale 0.
fn is_integer_type(declared: &str) -> bool {
    let upper = declared.to_ascii_uppercase();
    let first = upper
        .split(|c: char| c == '(' || c.is_whitespace())
        .next()
        .unwrap_or_default();
    matches!(
        first,
        "INT"
            | "INTEGER"
            | "TINYINT"
            | "SMALLINT"
            | "MEDIUMINT"
            | "BIGINT"
            | "SERIAL"
            | "BOOL"
            | "BOOLEAN"
    )
}
