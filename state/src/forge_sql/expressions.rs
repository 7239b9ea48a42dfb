//! MySQL's expression forms, written the way SQLite runs them.
//!
//! Forge apps write date arithmetic (`NOW() - INTERVAL 7 DAY`, `DATE_SUB(…)`), `GROUP_CONCAT(…
//! SEPARATOR …)`, `DIV`, a `/` that does not truncate, and MySQL's function names. SQLite's grammar has none of these, so each
//! is rewritten in the parsed tree into a call SQLite can run: a SQLite
//! builtin of the same meaning (`GREATEST` is `max`), or one of the MySQL functions Kiln
//! registers on every database ([`super::functions`]).
//!
//! Every rewrite keeps the order in which the app's `?` placeholders appear in the text:
//! parameters bind by position, so `INTERVAL ? DAY + created_at` must not become a call that
//! names `created_at` first.

use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, DataType, DateTimeField, DuplicateTreatment, ExactNumberInfo, Expr, Function,
    FunctionArg, FunctionArgExpr, FunctionArgumentClause, FunctionArgumentList, FunctionArguments,
    Ident, InTarget, Interval, ObjectName, TrimWhereField, UnaryOperator, Value,
};

use super::error::ForgeSqlError;

/// MySQL functions whose SQLite builtin has another name and the same meaning.
const RENAMED: &[(&str, &str)] = &[
    // MySQL's LENGTH counts bytes; SQLite's counts characters (MySQL's CHAR_LENGTH, below).
    ("length", "octet_length"),
    ("greatest", "max"),
    ("least", "min"),
    ("char_length", "length"),
    ("character_length", "length"),
    ("lcase", "lower"),
    ("ucase", "upper"),
    ("mid", "kiln_substring"),
    ("substr", "kiln_substring"),
    ("substring", "kiln_substring"),
    ("json_arrayagg", "json_group_array"),
    ("json_objectagg", "json_group_object"),
    ("last_insert_id", "last_insert_rowid"),
    ("json_merge_patch", "json_patch"),
    ("isnull", "kiln_isnull"),
    // `LEFT` and `RIGHT` are SQLite keywords (joins), so Kiln's versions carry another name.
    ("left", "mysql_left"),
    ("right", "mysql_right"),
    // SQLite's `format` is printf; MySQL's formats a number with thousands separators.
    ("format", "kiln_format"),
];

/// Rewrites one expression before its children are visited (and rewritten in turn).
pub(super) fn rewrite(expr: &mut Expr) -> ControlFlow<ForgeSqlError> {
    // `||` is MySQL's `OR` (TiDB's default `sql_mode` has no `PIPES_AS_CONCAT`): `'a' || 'b'`
    // is 0 on Forge, never SQLite's `'ab'`, so an app that concatenates with it finds out here.
    if let Expr::BinaryOp { op, .. } = expr
        && *op == BinaryOperator::StringConcat
    {
        *op = BinaryOperator::Or;
    }
    compare_json_as_values(expr);
    super::hex_numbers::hex_operands_as_numbers(expr);
    let rewritten = match expr {
        Expr::BinaryOp { left, op, right } => match (&*op, left.as_mut(), right.as_mut()) {
            (BinaryOperator::Plus | BinaryOperator::Minus, date, Expr::Interval(interval)) => {
                let negative = matches!(op, BinaryOperator::Minus);
                let (amount, unit) = match interval_parts(interval, negative) {
                    Ok(parts) => parts,
                    Err(error) => return ControlFlow::Break(error),
                };
                Some(call("kiln_date_add", vec![take(date), amount, unit]))
            }
            (BinaryOperator::Plus, Expr::Interval(interval), date) => {
                let (amount, unit) = match interval_parts(interval, false) {
                    Ok(parts) => parts,
                    Err(error) => return ControlFlow::Break(error),
                };
                Some(call("kiln_interval_add", vec![amount, unit, take(date)]))
            }
            (BinaryOperator::MyIntegerDivide, dividend, divisor) => {
                Some(call("kiln_div", vec![take(dividend), take(divisor)]))
            }
            // MySQL's `/` never truncates, `7 / 2` is 3.5000; SQLite's divides integers as
            // integers, 3 (`number_functions`).
            (BinaryOperator::Divide, dividend, divisor) => {
                Some(call("kiln_divide", vec![take(dividend), take(divisor)]))
            }
            // MySQL's NULL-safe `<=>` is SQLite's `IS NOT DISTINCT FROM` (SQLite has no `<=>`).
            (BinaryOperator::Spaceship, left, right) => Some(Expr::IsNotDistinctFrom(
                Box::new(take(left)),
                Box::new(take(right)),
            )),
            // MySQL's `%` (and `MOD`) keeps a fraction, `7.5 % 2` is 1.5; SQLite's casts both
            // sides to integers first. `MOD(a, b)` is MySQL's (`number_functions`).
            (BinaryOperator::Modulo, dividend, divisor) => {
                Some(call("mod", vec![take(dividend), take(divisor)]))
            }
            _ => None,
        },
        // `EXTRACT(YEAR FROM d)` is `YEAR(d)` (Kiln's date functions).
        Expr::Extract { field, expr, .. } => {
            let name = match field {
                DateTimeField::Year => "year",
                DateTimeField::Quarter => "quarter",
                DateTimeField::Month => "month",
                DateTimeField::Day => "day",
                DateTimeField::Hour => "hour",
                DateTimeField::Minute => "minute",
                DateTimeField::Second => "second",
                other => {
                    return ControlFlow::Break(ForgeSqlError::invalid(format!(
                        "EXTRACT({other} FROM …) is not read by Kiln's Forge SQL"
                    )));
                }
            };
            Some(call(name, vec![take(expr)]))
        }
        // `v MEMBER OF (json_array)`: the value order is the app's.
        Expr::MemberOf(member) => Some(call(
            "kiln_member_of",
            vec![take(&mut member.value), take(&mut member.array)],
        )),
        // `POSITION(a IN b)` is `LOCATE(a, b)`.
        Expr::Position { expr, r#in } => Some(call("locate", vec![take(expr), take(r#in)])),
        // `SUBSTRING(s FROM n [FOR m])` and `SUBSTRING(s, n[, m])`: MySQL's (`text_functions`),
        // where a position 0 or before the start is the empty string, not SQLite's whole text.
        Expr::Substring {
            expr,
            substring_from,
            substring_for,
            ..
        } => {
            let mut args = vec![take(expr)];
            args.push(
                substring_from
                    .as_deref_mut()
                    .map_or(Expr::Value(Value::Number("1".into(), false).into()), take),
            );
            if let Some(length) = substring_for.as_deref_mut() {
                args.push(take(length));
            }
            Some(call("kiln_substring", args))
        }
        // MySQL's `LIKE` takes `\` as its escape unless told another (`'a\_b'` matches `a_b`
        // only, as an app escaping a search term writes it); SQLite's has none.
        Expr::Like {
            escape_char: escape @ None,
            ..
        } => {
            *escape = Some(Box::new(unit_text("\\")));
            None
        }
        // `TRIM([BOTH|LEADING|TRAILING] [what] FROM s)`: MySQL removes `what` as a whole string,
        // repeatedly; the arguments keep the order written.
        Expr::Trim {
            trim_where,
            trim_what,
            expr,
            trim_characters: None,
        } if trim_where.is_some() || trim_what.is_some() => {
            let side = match trim_where {
                Some(TrimWhereField::Leading) => "LEADING",
                Some(TrimWhereField::Trailing) => "TRAILING",
                _ => "BOTH",
            };
            let what = trim_what
                .as_deref_mut()
                .map_or_else(|| unit_text(" "), take);
            Some(call("kiln_trim", vec![unit_text(side), what, take(expr)]))
        }
        // `CONVERT(x, CHAR)` is a cast; `CONVERT(x USING utf8mb4)` changes nothing here.
        Expr::Convert {
            expr,
            data_type,
            charset,
            is_try: false,
            ..
        } => match (data_type.take(), charset) {
            (Some(data_type), _) => Some(cast(take(expr), data_type)),
            (None, Some(_)) => Some(take(expr)),
            (None, None) => None,
        },
        Expr::Cast {
            expr: value,
            data_type,
            ..
        } if casts_as_mysql(data_type) => {
            let data_type = std::mem::replace(data_type, DataType::Unspecified);
            Some(cast(take(value), data_type))
        }
        Expr::Function(function) => match function_rewrite(function) {
            Ok(rewritten) => rewritten,
            Err(error) => return ControlFlow::Break(error),
        },
        // Parents are rewritten before their children (see `Literals::pre_visit_expr`), so
        // an interval met here stands alone.
        Expr::Interval(_) => {
            return ControlFlow::Break(ForgeSqlError::invalid(
                "an INTERVAL is read only added to or subtracted from a date, or in \
                 DATE_ADD/DATE_SUB",
            ));
        }
        _ => None,
    };
    if let Some(rewritten) = rewritten {
        *expr = rewritten;
    }
    ControlFlow::Continue(())
}

/// Whether [`cast`] writes a cast to `data_type` as a call: a type SQLite has no affinity for,
/// or one MySQL converts to otherwise.
fn casts_as_mysql(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Datetime(_)
            | DataType::Timestamp(..)
            | DataType::Date
            | DataType::Time(..)
            | DataType::JSON
            | DataType::Signed
            | DataType::SignedInteger
            | DataType::Unsigned
            | DataType::UnsignedInteger
            | DataType::Decimal(ExactNumberInfo::PrecisionAndScale(..))
            | DataType::Numeric(ExactNumberInfo::PrecisionAndScale(..))
            | DataType::Dec(ExactNumberInfo::PrecisionAndScale(..))
    )
}

/// `CAST(value AS data_type)` (or `CONVERT(value, data_type)`) as SQLite runs MySQL's: SQLite
/// would read `DATETIME` as NUMERIC (`CAST('2024-01-01' AS DATETIME)` is 2024), `JSON` and
/// `SIGNED` likewise (`CAST(1.5 AS SIGNED)` is 1.5), so those are calls; other types are
/// SQLite's own cast.
fn cast(value: Expr, data_type: DataType) -> Expr {
    match data_type {
        DataType::Datetime(_) | DataType::Timestamp(..) => call("timestamp", vec![value]),
        DataType::Date => call("date", vec![value]),
        DataType::Time(..) => call("time", vec![value]),
        DataType::JSON => call("json", vec![value]),
        // `number_columns`: rounded as TiDB rounds, text by its leading digits.
        DataType::Signed | DataType::SignedInteger => {
            super::number_columns::cast_integer(false, value)
        }
        DataType::Unsigned | DataType::UnsignedInteger => {
            super::number_columns::cast_integer(true, value)
        }
        // MySQL rounds to the declared scale (`CAST(2.25 AS DECIMAL(10,1))` is 2.3).
        DataType::Decimal(ExactNumberInfo::PrecisionAndScale(_, scale))
        | DataType::Numeric(ExactNumberInfo::PrecisionAndScale(_, scale))
        | DataType::Dec(ExactNumberInfo::PrecisionAndScale(_, scale)) => call(
            "kiln_round_decimal",
            vec![
                value,
                Expr::Value(Value::Number(scale.to_string(), false).into()),
            ],
        ),
        data_type => Expr::Cast {
            kind: sqlparser::ast::CastKind::Cast,
            expr: Box::new(value),
            data_type,
            format: None,
        },
    }
}

/// A JSON value taken by path (`doc->'$.a'`, `JSON_EXTRACT(doc, '$.a')`) compares with an SQL
/// value as that value, as MySQL compares them (`doc->'$.status' = 'open'` holds for the JSON
/// string `"open"`), and a JSON `true` holds as a condition: as an operand of a comparison or
/// of `AND`/`OR`/`NOT` it is SQLite's `->>`, which gives the SQL value. Elsewhere it stays
/// JSON (SQLite's `->`): selected, it comes back as JSON, `true` as `true`.
///
/// A selected `->>` is MySQL's text (the dialect's `unquote_selected_paths`). An `ORDER BY`
/// orders by value too ([`order_json_as_values`]).
fn compare_json_as_values(expr: &mut Expr) {
    match expr {
        Expr::BinaryOp {
            left,
            op:
                BinaryOperator::Eq
                | BinaryOperator::NotEq
                | BinaryOperator::Lt
                | BinaryOperator::LtEq
                | BinaryOperator::Gt
                | BinaryOperator::GtEq
                | BinaryOperator::Spaceship
                | BinaryOperator::And
                | BinaryOperator::Or
                | BinaryOperator::Xor,
            right,
        } => {
            json_as_value(left);
            json_as_value(right);
        }
        Expr::UnaryOp {
            op: UnaryOperator::Not,
            expr,
        }
        | Expr::IsTrue(expr)
        | Expr::IsFalse(expr)
        | Expr::IsNotTrue(expr)
        | Expr::IsNotFalse(expr) => json_as_value(expr),
        Expr::In { expr, target, .. } => {
            json_as_value(expr);
            if let InTarget::List(list) = target {
                list.iter_mut().for_each(json_as_value);
            }
        }
        Expr::Between {
            expr, low, high, ..
        } => {
            json_as_value(expr);
            json_as_value(low);
            json_as_value(high);
        }
        _ => {}
    }
}

/// `operand` as its SQL value when it is a JSON value taken by one path (`doc->'$.a'`,
/// `JSON_EXTRACT(doc, '$.a')`): SQLite's `->>`.
fn json_as_value(operand: &mut Expr) {
    let mut inner = &mut *operand;
    while let Expr::Nested(nested) = inner {
        inner = nested.as_mut();
    }
    match inner {
        Expr::BinaryOp { op, .. } if *op == BinaryOperator::Arrow => {
            *op = BinaryOperator::LongArrow;
        }
        Expr::Function(function)
            if function
                .name
                .to_string()
                .eq_ignore_ascii_case("json_extract")
                && matches!(&function.args, FunctionArguments::List(list) if list.args.len() == 2) =>
        {
            if let FunctionArguments::List(list) = &mut function.args
                && let [
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(document)),
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(path)),
                ] = list.args.as_mut_slice()
            {
                *inner = Expr::Nested(Box::new(Expr::BinaryOp {
                    left: Box::new(take(document)),
                    op: BinaryOperator::LongArrow,
                    right: Box::new(take(path)),
                }));
            }
        }
        _ => {}
    }
}

/// `ORDER BY doc->'$.n'` orders as MySQL orders JSON scalars: numbers as numbers (`9` before
/// `10`), strings as strings, numbers before strings; SQLite's `->` would order the JSON text.
/// (Objects and arrays order as their text, and a JSON `true` as 1, where MySQL puts booleans
/// after every other scalar.) An alias of a selected path still orders its JSON text.
pub(super) fn order_json_as_values(query: &mut sqlparser::ast::Query) {
    if let Some(order_by) = &mut query.order_by
        && let sqlparser::ast::OrderByKind::Expressions(items) = &mut order_by.kind
    {
        for item in items {
            json_as_value(&mut item.expr);
        }
    }
}

fn function_rewrite(function: &mut Function) -> Result<Option<Expr>, ForgeSqlError> {
    let name = function.name.to_string().to_ascii_lowercase();
    if let Some((_, sqlite)) = RENAMED.iter().find(|(mysql, _)| *mysql == name) {
        function.name = ObjectName::from(vec![Ident::new(*sqlite)]);
        return Ok(None);
    }
    let FunctionArguments::List(list) = &mut function.args else {
        return Ok(None);
    };
    match name.as_str() {
        // `COUNT(DISTINCT a, b)` counts the distinct rows of values none of which is NULL;
        // SQLite's `count` takes one argument: the values are one key (`text_functions`).
        "count"
            if list.duplicate_treatment == Some(DuplicateTreatment::Distinct)
                && list.args.len() > 1 =>
        {
            let values: Vec<Expr> = list
                .args
                .iter_mut()
                .map(|arg| match arg {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(value)) => Ok(take(value)),
                    other => Err(ForgeSqlError::invalid(format!(
                        "COUNT(DISTINCT …) takes values, not {other}"
                    ))),
                })
                .collect::<Result<_, _>>()?;
            list.args = vec![FunctionArg::Unnamed(FunctionArgExpr::Expr(call(
                "kiln_distinct_key",
                values,
            )))];
            Ok(None)
        }
        // `ROUND(x[, d])` as MySQL rounds each kind of number (`number_functions`).
        "round" => Ok(match list.args.as_mut_slice() {
            [FunctionArg::Unnamed(FunctionArgExpr::Expr(value))] => {
                let double = super::number_columns::is_double(value);
                Some(call(
                    "kiln_round",
                    vec![
                        take(value),
                        number_literal(0),
                        number_literal(i64::from(double)),
                    ],
                ))
            }
            [
                FunctionArg::Unnamed(FunctionArgExpr::Expr(value)),
                FunctionArg::Unnamed(FunctionArgExpr::Expr(places)),
            ] => {
                let double = super::number_columns::is_double(value);
                Some(call(
                    "kiln_round",
                    vec![take(value), take(places), number_literal(i64::from(double))],
                ))
            }
            _ => None,
        }),
        // One path: MySQL's value is JSON (`true` stays `true`, a string keeps its quotes when
        // printed), which is SQLite's `->`; with several it is an array in both.
        "json_extract" => Ok(match list.args.as_mut_slice() {
            [
                FunctionArg::Unnamed(FunctionArgExpr::Expr(document)),
                FunctionArg::Unnamed(FunctionArgExpr::Expr(path)),
            ] => Some(Expr::Nested(Box::new(Expr::BinaryOp {
                left: Box::new(take(document)),
                op: BinaryOperator::Arrow,
                right: Box::new(take(path)),
            }))),
            _ => None,
        }),
        // `TRUE` and `FALSE` become JSON's booleans in a JSON value, not 1 and 0.
        "json_object" | "json_array" | "json_set" | "json_insert" | "json_replace"
        | "json_array_append" | "json_array_insert" => {
            let values =
                list.args
                    .iter_mut()
                    .enumerate()
                    .filter(|(index, _)| match name.as_str() {
                        "json_object" => index % 2 == 1,
                        "json_array" => true,
                        _ => *index >= 2 && index % 2 == 0,
                    });
            for (_, arg) in values {
                if let FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Value(value))) = arg
                    && let Value::Boolean(truth) = value.value
                {
                    *arg = FunctionArg::Unnamed(FunctionArgExpr::Expr(call(
                        "json",
                        vec![unit_text(if truth { "true" } else { "false" })],
                    )));
                }
            }
            Ok(None)
        }
        "date_add" | "adddate" | "date_sub" | "subdate" => {
            let negative = name.ends_with("sub") || name == "subdate";
            let [date, amount] = two_arguments(list, &name)?;
            let (amount, unit) = match amount {
                Expr::Interval(interval) => interval_parts(interval, negative)?,
                // ADDDATE(d, n) and SUBDATE(d, n) count days.
                days if name.ends_with("date") => (signed(take(days), negative), unit_text("DAY")),
                _ => {
                    return Err(ForgeSqlError::invalid(format!(
                        "{} takes a date and an INTERVAL",
                        name.to_ascii_uppercase()
                    )));
                }
            };
            Ok(Some(call("kiln_date_add", vec![take(date), amount, unit])))
        }
        // The unit is a bare word (`TIMESTAMPDIFF(DAY, a, b)`), which SQLite would read as a
        // column: it becomes text.
        "timestampdiff" | "timestampadd" => {
            if let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(unit))) = list.args.first_mut()
                && let Expr::Identifier(word) = unit
            {
                *unit = unit_text(&word.value.to_ascii_uppercase());
            }
            Ok(None)
        }
        "group_concat" => {
            group_concat(list);
            // SQLite's DISTINCT aggregates take one argument; a distinct GROUP_CONCAT with a
            // separator runs as Kiln's own aggregate, which keeps each value once.
            if list.duplicate_treatment == Some(DuplicateTreatment::Distinct)
                && list.args.len() == 2
            {
                list.duplicate_treatment = None;
                function.name = ObjectName::from(vec![Ident::new("kiln_group_concat_distinct")]);
            }
            Ok(None)
        }
        _ => Ok(None),
    }
}

/// `GROUP_CONCAT(x [ORDER BY …] SEPARATOR s)` is SQLite's `group_concat(x, s [ORDER BY …])`.
fn group_concat(list: &mut FunctionArgumentList) {
    let separator = list.clauses.iter().find_map(|clause| match clause {
        FunctionArgumentClause::Separator(value) => Some(value.clone()),
        _ => None,
    });
    list.clauses
        .retain(|clause| !matches!(clause, FunctionArgumentClause::Separator(_)));
    if let Some(separator) = separator {
        list.args
            .push(FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Value(
                separator,
            ))));
    }
}

fn two_arguments<'a>(
    list: &'a mut FunctionArgumentList,
    name: &str,
) -> Result<[&'a mut Expr; 2], ForgeSqlError> {
    match list.args.as_mut_slice() {
        [
            FunctionArg::Unnamed(FunctionArgExpr::Expr(first)),
            FunctionArg::Unnamed(FunctionArgExpr::Expr(second)),
        ] => Ok([first, second]),
        _ => Err(ForgeSqlError::invalid(format!(
            "{} takes two arguments",
            name.to_ascii_uppercase()
        ))),
    }
}

/// An interval's amount (negated for subtraction) and its unit as text.
fn interval_parts(interval: &mut Interval, negative: bool) -> Result<(Expr, Expr), ForgeSqlError> {
    if interval.last_field.is_some() {
        return Err(ForgeSqlError::invalid(
            "compound INTERVAL units (DAY_HOUR, …) are not read by Kiln's Forge SQL; add \
             one unit at a time",
        ));
    }
    let unit = match &interval.leading_field {
        Some(DateTimeField::Year | DateTimeField::Years) => "YEAR",
        Some(DateTimeField::Quarter) => "QUARTER",
        Some(DateTimeField::Month | DateTimeField::Months) => "MONTH",
        Some(DateTimeField::Week(None) | DateTimeField::Weeks) => "WEEK",
        Some(DateTimeField::Day | DateTimeField::Days) => "DAY",
        Some(DateTimeField::Hour | DateTimeField::Hours) => "HOUR",
        Some(DateTimeField::Minute | DateTimeField::Minutes) => "MINUTE",
        Some(DateTimeField::Second | DateTimeField::Seconds) => "SECOND",
        Some(DateTimeField::Microsecond | DateTimeField::Microseconds) => "MICROSECOND",
        other => {
            return Err(ForgeSqlError::invalid(format!(
                "the INTERVAL unit {} is not read by Kiln's Forge SQL",
                other
                    .as_ref()
                    .map_or("(none)".to_owned(), ToString::to_string)
            )));
        }
    };
    Ok((signed(take(&mut interval.value), negative), unit_text(unit)))
}

fn signed(amount: Expr, negative: bool) -> Expr {
    if negative {
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr: Box::new(Expr::Nested(Box::new(amount))),
        }
    } else {
        amount
    }
}

/// A unit from Kiln's fixed list, as a SQL string (no quote can be in it).
fn unit_text(unit: &str) -> Expr {
    Expr::Value(Value::SingleQuotedString(unit.to_owned()).into())
}

/// An integer Kiln writes into the statement, as a SQL number.
fn number_literal(number: i64) -> Expr {
    Expr::Value(Value::Number(number.to_string(), false).into())
}

fn take(expr: &mut Expr) -> Expr {
    std::mem::replace(expr, Expr::Value(Value::Null.into()))
}

pub(super) fn call(name: &str, args: Vec<Expr>) -> Expr {
    Expr::Function(Function {
        name: ObjectName::from(vec![Ident::new(name)]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: args
                .into_iter()
                .map(|arg| FunctionArg::Unnamed(FunctionArgExpr::Expr(arg)))
                .collect(),
            clauses: Vec::new(),
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: Vec::new(),
    })
}
