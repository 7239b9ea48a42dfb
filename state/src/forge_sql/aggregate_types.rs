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
//!
//! `SUM` and `AVG` of such a column are also computed as MySQL computes them, in decimal
//! ([`super::aggregate_functions`]). Only the outer `SELECT`'s items are typed, up to its
//! first `*`, and only aggregates of a plain column of a table the `FROM` names; anything else
//! (`SUM(a * b)`, an aggregate in a subquery) comes back as SQLite computes it.

use sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, ObjectName, Select, SelectItem,
    TableFactor,
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

/// The type of `expr` if it is an aggregate of a column, or `COALESCE`/`IFNULL` of one and
/// plain numbers.
fn type_item(
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
                type_item(inner, tables, columns_of)
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
