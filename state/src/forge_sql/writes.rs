//! MySQL's `INSERT`, `UPDATE` and `DELETE` forms, written as SQLite's.
//!
//! - `INSERT … SET col = value, …` is `INSERT … (col, …) VALUES (value, …)`.
//! - `DEFAULT` in `VALUES` (what ORMs such as drizzle write for a column the app left out) leaves
//!   the column out when every row says it, which is what makes SQLite use its default; where
//!   only some rows do (drizzle's multi-row insert of objects with different keys), each such
//!   `DEFAULT` is the column's default expression, read from the table's definition.
//! - `INSERT IGNORE` is `INSERT OR IGNORE`.
//! - `ON DUPLICATE KEY UPDATE c = VALUES(c)`, or `= new.c` after a row alias (`VALUES (…) AS
//!   new`), is `ON CONFLICT DO UPDATE SET c = excluded.c`.
//! - `UPDATE`/`DELETE … [ORDER BY …] LIMIT n` pick their rows in a subquery on `rowid`
//!   (SQLite is built without `LIMIT` on these statements).
//! - A multi-table `UPDATE t JOIN u ON … SET …` or `DELETE t FROM t JOIN u …` runs its join
//!   in a subquery that picks the target's rows (`multi_table.rs`); the update is then one of
//!   a single table, and gets everything below.
//!
//! - An `UPDATE` (or an upsert's update) of a table with `ON UPDATE CURRENT_TIMESTAMP` columns
//!   sets them to `CURRENT_TIMESTAMP` unless it sets them itself, in the rows whose values it
//!   changes.
//! - An `UPDATE` counts the rows it changes apart from those it matches, for MySQL's
//!   `changedRows` (`Rows matched: 2  Changed: 1`), and an upsert the rows its update changes
//!   apart from those it leaves as they were (2 and 1 in `affectedRows`): the first assignment
//!   is wrapped in [`UPDATE_CHANGED`] or [`UPSERT_UPDATED`] with whether any assigned value
//!   differs from the row's.
//!
//! Every rewrite keeps the app's `?` placeholders in the order it wrote them.

use std::ops::ControlFlow;
use std::sync::OnceLock;

use sqlparser::ast::{
    Assignment, AssignmentTarget, BinaryOperator, Delete, DoUpdate, Expr, FromTable, FunctionArg,
    FunctionArgExpr, FunctionArguments, Ident, Insert, ObjectName, OnConflict, OnConflictAction,
    OnInsert, OrderByExpr, Query, SelectItem, SetExpr, SqliteOnConflict, Statement, TableFactor,
    TableObject, TableWithJoins, Update, Value,
};
use sqlparser::dialect::MySqlDialect;
use sqlparser::parser::Parser;

use super::columns::{Column, DateKind};
use super::database::{UPDATE_CHANGED, UPSERT_UPDATED};
use super::dialect::TableColumns;
use super::error::ForgeSqlError;
use super::hex_numbers::{as_number as hex_as_number, is_number_column};
use super::number_columns::Storage;

/// An `INSERT` or `REPLACE` as SQLite text.
pub(super) fn insert(
    mut insert: Insert,
    columns_of: TableColumns<'_>,
) -> Result<(String, InsertTarget), ForgeSqlError> {
    if !insert.assignments.is_empty() {
        set_as_values(&mut insert)?;
    }
    let table_columns = columns_of(&insert.table.to_string());
    default_rows(&mut insert, &table_columns);
    leave_out_defaults(&mut insert, &table_columns)?;
    let target = InsertTarget {
        table: match &insert.table {
            TableObject::TableName(name) => last_ident(name).value,
            other => other.to_string(),
        },
        columns: insert
            .columns
            .iter()
            .map(|column| last_ident(column).value)
            .collect(),
        numbers_rows: OnceLock::new(),
        values_at: None,
    };
    store_values_as_mysql(&mut insert, &table_columns);
    store_selected_as_mysql(&mut insert, &table_columns);
    if insert.ignore {
        insert.ignore = false;
        insert.or = Some(SqliteOnConflict::Ignore);
    }
    let alias = insert.insert_alias.take();
    if let Some(OnInsert::DuplicateKeyUpdate(mut assignments)) = insert.on.take() {
        let columns: Vec<Ident> = insert.columns.iter().map(last_ident).collect();
        for assignment in &mut assignments {
            let _ = sqlparser::ast::visit_expressions_mut(&mut assignment.value, |expr| {
                if let Some(column) = inserted_value(expr, alias.as_ref(), &columns) {
                    *expr = Expr::CompoundIdentifier(vec![Ident::new("excluded"), column]);
                }
                ControlFlow::<()>::Continue(())
            });
        }
        let written = assignments.len();
        stamp_updates(&table_columns, &mut assignments);
        assignments_as_mysql(&table_columns, &mut assignments);
        // Counts the rows updated rather than inserted (MySQL's affectedRows: 2 each, 1 for a
        // row left as it was). An assigned value that holds a placeholder is repeated in the
        // comparison only once the placeholders are numbered, which needs the rows as VALUES;
        // otherwise every update counts as a change.
        let repeatable = !assignments[..written]
            .iter()
            .any(|a| holds_placeholder(&a.value))
            || number_insert_placeholders(&mut insert, &mut assignments);
        let changed = if repeatable {
            changed_condition(&assignments[..written])
        } else {
            None
        }
        .unwrap_or_else(|| Expr::Value(Value::Boolean(true).into()));
        count_changes(&mut assignments, written, changed, UPSERT_UPDATED);
        // SQLite 3.35+ lets the last ON CONFLICT clause omit its target, which is MySQL's
        // meaning: any unique key.
        insert.on = Some(OnInsert::OnConflict(OnConflict {
            conflict_target: None,
            action: OnConflictAction::DoUpdate(DoUpdate {
                assignments,
                selection: None,
            }),
        }));
    } else if alias.is_some() {
        return Err(ForgeSqlError::invalid(
            "a row alias (VALUES (…) AS name) is read only with ON DUPLICATE KEY UPDATE",
        ));
    }
    // Where the rows' `VALUES` begin in the text, for the value a duplicate-key error quotes
    // ([`super::duplicate_entry`]): only a plain `INSERT` fails on a duplicate (an upsert
    // updates, `IGNORE` skips, `REPLACE` replaces), and the text ends with its rows.
    let plain = insert.on.is_none() && insert.or.is_none() && !insert.replace_into;
    let rows_text = insert
        .source
        .as_ref()
        .filter(|source| plain && matches!(source.body.as_ref(), SetExpr::Values(_)))
        .map(|source| source.to_string());
    let text = Statement::Insert(insert).to_string();
    let values_at = rows_text.and_then(|rows| {
        text.ends_with(&rows)
            .then(|| text.len().saturating_sub(rows.len()))
    });
    Ok((
        text,
        InsertTarget {
            values_at,
            ..target
        },
    ))
}

/// What an `INSERT` writes to, which words MySQL's answer: the ids it reports and the error
/// for a column it leaves out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsertTarget {
    /// The table, unquoted.
    pub table: String,
    /// The columns it names, after `DEFAULT` in `VALUES` left some out; empty when it names
    /// none (a value for every column).
    pub columns: Vec<String>,
    /// Whether the table has an `AUTO_INCREMENT` column, read from the schema on the first
    /// run (a translation lives no longer than the schema it read).
    pub numbers_rows: OnceLock<bool>,
    /// Where a plain `INSERT … VALUES`'s rows begin in its SQLite text (`VALUES (…), …` to the
    /// end), so a duplicate-key error can find the row that broke the key; `None` for any
    /// other `INSERT`.
    pub values_at: Option<usize>,
}

/// `SET a = 1, b = ?` as `(a, b) VALUES (1, ?)`: the values keep their order.
fn set_as_values(insert: &mut Insert) -> Result<(), ForgeSqlError> {
    if !insert.columns.is_empty() || insert.source.is_some() {
        return Err(ForgeSqlError::invalid(
            "INSERT … SET cannot also name columns or a source",
        ));
    }
    let mut values = Vec::with_capacity(insert.assignments.len());
    for assignment in std::mem::take(&mut insert.assignments) {
        let AssignmentTarget::ColumnName(column) = assignment.target else {
            return Err(ForgeSqlError::invalid(
                "INSERT … SET assigns one column at a time",
            ));
        };
        insert.columns.push(column);
        values.push(assignment.value);
    }
    let mut source = values_source()?;
    if let SetExpr::Values(rows) = source.body.as_mut()
        && let Some(row) = rows.rows.first_mut()
    {
        row.content = values;
    }
    insert.source = Some(source);
    Ok(())
}

/// A `VALUES (…)` query to fill in, taken from the parser so that its shape is the parser's
/// own.
fn values_source() -> Result<Box<Query>, ForgeSqlError> {
    let parsed = Parser::parse_sql(&MySqlDialect {}, "INSERT INTO t VALUES (NULL)")
        .map_err(|error| ForgeSqlError::invalid(error.to_string()))?;
    match parsed.into_iter().next() {
        Some(Statement::Insert(Insert {
            source: Some(source),
            ..
        })) => Ok(source),
        _ => Err(ForgeSqlError::invalid("the VALUES template did not parse")),
    }
}

fn is_default(expr: &Expr) -> bool {
    matches!(expr, Expr::Identifier(ident)
        if ident.quote_style.is_none() && ident.value.eq_ignore_ascii_case("default"))
}

/// Columns given `DEFAULT` in every row are left out; SQLite then writes their defaults (and
/// numbers an `AUTO_INCREMENT` id). A column given `DEFAULT` in some rows only, or every
/// column when all are `DEFAULT`, gets its default expression in those rows (`NULL` for a
/// column without one, which numbers an `AUTO_INCREMENT` id and fails a `NOT NULL` column, as
/// MySQL's strict mode does).
fn leave_out_defaults(insert: &mut Insert, table_columns: &[Column]) -> Result<(), ForgeSqlError> {
    let Some(SetExpr::Values(values)) = insert.source.as_mut().map(|source| source.body.as_mut())
    else {
        return Ok(());
    };
    if !values
        .rows
        .iter()
        .flat_map(|row| &row.content)
        .any(is_default)
    {
        return Ok(());
    }
    if insert.columns.is_empty() {
        return Err(ForgeSqlError::invalid(
            "DEFAULT in VALUES needs the INSERT to name its columns",
        ));
    }
    let width = insert.columns.len();
    if values.rows.iter().any(|row| row.content.len() != width) {
        return Err(ForgeSqlError::invalid(
            "each row of VALUES must give one value per named column",
        ));
    }
    let mut keep: Vec<bool> = (0..width)
        .map(|index| {
            !values
                .rows
                .iter()
                .all(|row| is_default(&row.content[index]))
        })
        .collect();
    if keep.iter().all(|kept| !kept) {
        // SQLite's INSERT names at least one column.
        keep.fill(true);
    }
    for (index, column) in insert.columns.iter().enumerate() {
        if !keep[index] {
            continue;
        }
        let default = named(table_columns, &last_ident(column).value)
            .and_then(|known| known.default.as_deref())
            .unwrap_or("NULL");
        for row in &mut values.rows {
            if is_default(&row.content[index]) {
                // The definition's SQLite text, printed as it is (an unquoted identifier
                // prints its value verbatim): SQLite took it as a constant default, so it
                // holds no placeholder.
                row.content[index] = Expr::Identifier(Ident::new(format!("({default})")));
            }
        }
    }
    let mut index = 0;
    insert.columns.retain(|_| {
        index += 1;
        keep[index - 1]
    });
    for row in &mut values.rows {
        let mut index = 0;
        row.content.retain(|_| {
            index += 1;
            keep[index - 1]
        });
    }
    Ok(())
}

pub(super) fn last_ident(name: &ObjectName) -> Ident {
    name.0
        .last()
        .and_then(|part| part.as_ident())
        .cloned()
        .unwrap_or_else(|| Ident::new(name.to_string()))
}

/// The column whose inserted value `expr` names in an `ON DUPLICATE KEY UPDATE`: `VALUES(col)`,
/// `alias.col` after a row alias, or a column alias of that row.
fn inserted_value(
    expr: &Expr,
    alias: Option<&sqlparser::ast::InsertAliases>,
    columns: &[Ident],
) -> Option<Ident> {
    match expr {
        Expr::Function(function) if function.name.to_string().eq_ignore_ascii_case("values") => {
            let FunctionArguments::List(list) = &function.args else {
                return None;
            };
            match list.args.as_slice() {
                [FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Identifier(column)))] => {
                    Some(column.clone())
                }
                // drizzle qualifies it: `values(`t`.`name`)`.
                [FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::CompoundIdentifier(parts)))] => {
                    parts.last().cloned()
                }
                _ => None,
            }
        }
        Expr::CompoundIdentifier(parts) => {
            let alias = alias?;
            let [row, column] = parts.as_slice() else {
                return None;
            };
            if !last_ident(&alias.row_alias)
                .value
                .eq_ignore_ascii_case(&row.value)
            {
                return None;
            }
            aliased_column(column, alias, columns).or_else(|| Some(column.clone()))
        }
        Expr::Identifier(column) => aliased_column(column, alias?, columns),
        _ => None,
    }
}

/// With `AS new(x, y)`, `x` names the first inserted column.
fn aliased_column(
    name: &Ident,
    alias: &sqlparser::ast::InsertAliases,
    columns: &[Ident],
) -> Option<Ident> {
    let position = alias
        .col_aliases
        .as_ref()?
        .iter()
        .position(|aliased| aliased.value.eq_ignore_ascii_case(&name.value))?;
    columns.get(position).cloned()
}

/// Adds `col = CURRENT_TIMESTAMP` for each of the table's `ON UPDATE CURRENT_TIMESTAMP`
/// columns the statement does not set itself.
fn stamp_updates(columns: &[Column], assignments: &mut Vec<Assignment>) {
    for column in columns.iter().filter(|column| column.updates_to_now()) {
        let set = assignments.iter().any(|assignment| {
            assigned(assignment).any(|name| name.eq_ignore_ascii_case(&column.name))
        });
        if !set {
            assignments.push(Assignment {
                target: AssignmentTarget::ColumnName(ObjectName::from(vec![Ident::with_quote(
                    '"',
                    column.name.clone(),
                )])),
                value: stamp(column),
            });
        }
    }
}

/// The time an `ON UPDATE CURRENT_TIMESTAMP` column is stamped with, to its fractional
/// seconds (`DATETIME(3)` keeps milliseconds, as MySQL's `CURRENT_TIMESTAMP(3)`).
fn stamp(column: &Column) -> Expr {
    match column.date_kind() {
        Some(DateKind::DateTime { fsp }) if fsp > 0 => super::expressions::call(
            "now",
            vec![Expr::Value(Value::Number(fsp.to_string(), false).into())],
        ),
        _ => Expr::Identifier(Ident::new("CURRENT_TIMESTAMP")),
    }
}

/// The names of the columns an assignment sets.
fn assigned(assignment: &Assignment) -> impl Iterator<Item = String> + '_ {
    let names: Vec<&ObjectName> = match &assignment.target {
        AssignmentTarget::ColumnName(name) => vec![name],
        AssignmentTarget::Tuple(names) => names.iter().collect(),
    };
    names.into_iter().map(|name| last_ident(name).value)
}

/// The column called `name` (as MySQL matches names: without regard to case).
fn named<'a>(columns: &'a [Column], name: &str) -> Option<&'a Column> {
    columns
        .iter()
        .find(|column| column.name.eq_ignore_ascii_case(name))
}

/// `value` as MySQL stores it in a column of `kind`: `kiln_datetime(value, fsp, column)` or
/// `kiln_date(value, column)`, which write the canonical form and refuse what is not a date
/// with MySQL's error 1292 ([`super::date_functions`]).
fn stored_date(kind: DateKind, column: &str, value: Expr) -> Expr {
    let column = Expr::Value(Value::SingleQuotedString(column.replace('\'', "")).into());
    match kind {
        DateKind::Date => super::expressions::call("kiln_date", vec![value, column]),
        DateKind::DateTime { fsp } => super::expressions::call(
            "kiln_datetime",
            vec![
                value,
                Expr::Value(Value::Number(fsp.to_string(), false).into()),
                column,
            ],
        ),
    }
}

fn is_plain_value(expr: &Expr) -> bool {
    !matches!(expr, Expr::Value(value) if matches!(value.value, Value::Null)) && !is_default(expr)
}

/// The columns an `INSERT`'s rows give values for, in order.
fn inserted_names(insert: &Insert, table_columns: &[Column]) -> Vec<String> {
    if insert.columns.is_empty() {
        table_columns
            .iter()
            .map(|column| column.name.clone())
            .collect()
    } else {
        insert
            .columns
            .iter()
            .map(|name| last_ident(name).value)
            .collect()
    }
}

/// The values an `INSERT … VALUES` writes as MySQL stores them: a hexadecimal literal
/// written to a number column as its number, a value written to an integer or `DECIMAL`
/// column as TiDB stores it ([`Storage`]), and to a date column in the date's stored form.
fn store_values_as_mysql(insert: &mut Insert, table_columns: &[Column]) {
    let names = inserted_names(insert, table_columns);
    let Some(SetExpr::Values(values)) = insert.source.as_mut().map(|source| source.body.as_mut())
    else {
        return;
    };
    for (index, name) in names.iter().enumerate() {
        let Some(column) = named(table_columns, name) else {
            continue;
        };
        if is_number_column(column) {
            for row in &mut values.rows {
                if let Some(value) = row.content.get_mut(index) {
                    hex_as_number(value);
                }
            }
        }
        if let Some(storage) = Storage::of(column) {
            for row in &mut values.rows {
                if let Some(value) = row.content.get_mut(index)
                    && is_plain_value(value)
                {
                    let taken = std::mem::replace(value, Expr::Value(Value::Null.into()));
                    *value = storage.stored(&column.name, taken);
                }
            }
        }
        let Some(kind) = named(table_columns, name).and_then(Column::date_kind) else {
            continue;
        };
        for row in &mut values.rows {
            if let Some(value) = row.content.get_mut(index)
                && is_plain_value(value)
            {
                let taken = std::mem::replace(value, Expr::Value(Value::Null.into()));
                *value = stored_date(kind, name, taken);
            }
        }
    }
}

/// What an `INSERT … SELECT` writes, as MySQL stores it: each selected value written to an
/// integer or `DECIMAL` column as TiDB stores it ([`Storage`]), to a date column in the date's
/// stored form, as [`store_values_as_mysql`] does for `VALUES`. A select list with a wildcard
/// (whose positions Kiln does not count) or a set operation is written as it is.
fn store_selected_as_mysql(insert: &mut Insert, table_columns: &[Column]) {
    let names = inserted_names(insert, table_columns);
    let Some(SetExpr::Select(select)) = insert.source.as_mut().map(|source| source.body.as_mut())
    else {
        return;
    };
    if select.projection.iter().any(|item| {
        !matches!(
            item,
            SelectItem::UnnamedExpr(_) | SelectItem::ExprWithAlias { .. }
        )
    }) {
        return;
    }
    for (item, name) in select.projection.iter_mut().zip(&names) {
        let (SelectItem::UnnamedExpr(value) | SelectItem::ExprWithAlias { expr: value, .. }) = item
        else {
            continue;
        };
        let Some(column) = named(table_columns, name) else {
            continue;
        };
        if !is_plain_value(value) {
            continue;
        }
        if let Some(storage) = Storage::of(column) {
            let taken = std::mem::replace(value, Expr::Value(Value::Null.into()));
            *value = storage.stored(&column.name, taken);
        } else if let Some(kind) = column.date_kind() {
            let taken = std::mem::replace(value, Expr::Value(Value::Null.into()));
            *value = stored_date(kind, name, taken);
        }
    }
}

/// `INSERT INTO t VALUES ()` (or `t () VALUES ()`): MySQL's row of every column's default,
/// which SQLite's grammar lacks. Each empty row becomes `DEFAULT` for the table's first column,
/// which [`leave_out_defaults`] writes as that column's default, so SQLite fills the others.
fn default_rows(insert: &mut Insert, table_columns: &[Column]) {
    let Some(SetExpr::Values(values)) = insert.source.as_mut().map(|source| source.body.as_mut())
    else {
        return;
    };
    let Some(first) = table_columns.first() else {
        return;
    };
    if !insert.columns.is_empty()
        || values.rows.is_empty()
        || values.rows.iter().any(|row| !row.content.is_empty())
    {
        return;
    }
    insert.columns = vec![ObjectName::from(vec![Ident::new(first.name.clone())])];
    for row in &mut values.rows {
        row.content = vec![Expr::Identifier(Ident::new("DEFAULT"))];
    }
}

/// `SET column = value` (an `UPDATE`'s, or an upsert's) as MySQL stores it: a hexadecimal
/// literal set into a number column as its number, a value set into an integer or `DECIMAL`
/// column as TiDB stores it ([`Storage`]), into a date column in the date's stored form.
fn assignments_as_mysql(table_columns: &[Column], assignments: &mut [Assignment]) {
    for assignment in assignments {
        let AssignmentTarget::ColumnName(name) = &assignment.target else {
            continue;
        };
        let name = last_ident(name).value;
        if named(table_columns, &name).is_some_and(is_number_column) {
            hex_as_number(&mut assignment.value);
        }
        if let Some(column) = named(table_columns, &name)
            && let Some(storage) = Storage::of(column)
            && is_plain_value(&assignment.value)
        {
            let taken = std::mem::replace(&mut assignment.value, Expr::Value(Value::Null.into()));
            assignment.value = storage.stored(&column.name, taken);
        }
        if let Some(kind) = named(table_columns, &name).and_then(Column::date_kind)
            && is_plain_value(&assignment.value)
        {
            let taken = std::mem::replace(&mut assignment.value, Expr::Value(Value::Null.into()));
            assignment.value = stored_date(kind, &name, taken);
        }
    }
}

/// `date_column = '2025-01-01 00:00:00.000'` compares as MySQL compares, the text read as a
/// date: the other side of a comparison with a date column of the statement's one table is
/// put in the stored form (left as it is when it is not a date). A hexadecimal literal
/// compared with a number column of that table is its number.
pub(super) fn dates_in_comparisons(table_columns: &[Column], selection: &mut Expr) {
    let _ = sqlparser::ast::visit_expressions_mut(selection, |expr| {
        if let Expr::BinaryOp { left, op, right } = expr
            && matches!(
                op,
                sqlparser::ast::BinaryOperator::Eq
                    | sqlparser::ast::BinaryOperator::NotEq
                    | sqlparser::ast::BinaryOperator::Lt
                    | sqlparser::ast::BinaryOperator::LtEq
                    | sqlparser::ast::BinaryOperator::Gt
                    | sqlparser::ast::BinaryOperator::GtEq
            )
        {
            let column_of = |side: &Expr| {
                let name = match side {
                    Expr::Identifier(ident) => &ident.value,
                    Expr::CompoundIdentifier(parts) => &parts.last()?.value,
                    _ => return None,
                };
                named(table_columns, name)
            };
            // A hexadecimal literal compared with a number column is its number, in MySQL.
            if column_of(left).is_some_and(is_number_column) {
                hex_as_number(right);
            } else if column_of(right).is_some_and(is_number_column) {
                hex_as_number(left);
            }
            let column_kind = |side: &Expr| column_of(side).and_then(Column::date_kind);
            let compared = |kind: DateKind, other: &mut Expr| {
                if matches!(other, Expr::Value(_)) {
                    let taken = std::mem::replace(other, Expr::Value(Value::Null.into()));
                    *other = compared_date(kind, taken);
                }
            };
            if let Some(kind) = column_kind(left) {
                compared(kind, right);
            } else if let Some(kind) = column_kind(right) {
                compared(kind, left);
            }
        }
        ControlFlow::<()>::Continue(())
    });
}

/// A value compared with a date column: in the stored form when it reads as a date.
fn compared_date(kind: DateKind, value: Expr) -> Expr {
    let fsp = match kind {
        DateKind::Date => -1,
        DateKind::DateTime { fsp } => i64::from(fsp),
    };
    super::expressions::call(
        "kiln_as_stored_date",
        vec![
            value,
            Expr::Value(Value::Number(fsp.to_string(), false).into()),
        ],
    )
}

/// An `UPDATE` as SQLite text.
pub(super) fn update(
    mut update: Update,
    columns_of: TableColumns<'_>,
) -> Result<String, ForgeSqlError> {
    if super::multi_table::is_multi_table_update(&update) {
        // The join becomes a subquery that computes the assigned values before its FROM and
        // WHERE, so the app's placeholders are numbered in the order it wrote them first.
        number_placeholders(&mut update);
        update = super::multi_table::update(update, columns_of)?;
        // Now an update of one table from that subquery.
        let table_columns = columns_of(&update.table.relation.to_string());
        let written = update.assignments.len();
        stamp_updates(&table_columns, &mut update.assignments);
        assignments_as_mysql(&table_columns, &mut update.assignments);
        count_update_changes(&mut update, written);
        return Ok(Statement::Update(update).to_string());
    }
    if update.table.joins.is_empty() && update.from.is_none() {
        // SQLite reads an UPDATE's alias only after `AS` (`UPDATE t AS a`), which MySQL's
        // `UPDATE t a SET a.x = …` leaves out.
        if let TableFactor::Table {
            alias: Some(alias), ..
        } = &mut update.table.relation
        {
            alias.explicit = true;
        }
        // Nor a qualified column in `SET` (`a.x = …`): the column alone, of the one table.
        for assignment in &mut update.assignments {
            if let AssignmentTarget::ColumnName(column) = &mut assignment.target
                && column.0.len() > 1
            {
                *column = ObjectName::from(vec![last_ident(column)]);
            }
        }
        let table = match &update.table.relation {
            TableFactor::Table { name, .. } => name.to_string(),
            other => other.to_string(),
        };
        let table_columns = columns_of(&table);
        let written = update.assignments.len();
        stamp_updates(&table_columns, &mut update.assignments);
        assignments_as_mysql(&table_columns, &mut update.assignments);
        if let Some(selection) = update.selection.as_mut() {
            dates_in_comparisons(&table_columns, selection);
        }
        count_update_changes(&mut update, written);
    }
    if update.limit.is_none() {
        // Without LIMIT the order in which rows are updated changes nothing the app sees.
        update.order_by.clear();
        return Ok(Statement::Update(update).to_string());
    }
    let table = single_table(&update.table, update.from.is_some(), "UPDATE")?;
    let assignments: Vec<String> = update.assignments.iter().map(ToString::to_string).collect();
    Ok(format!(
        "UPDATE {table} SET {} WHERE rowid IN ({})",
        assignments.join(", "),
        rows_chosen(
            &table,
            update.selection.as_ref(),
            &update.order_by,
            update.limit.as_ref()
        )
    ))
}

/// Makes `update` tell the rows whose values it changes from those it only matches: its
/// first assignment becomes `kiln_update_changed(value, changed)`, where `changed` says
/// whether any of the first `written` assignments (the app's own) gives a column a value it
/// does not hold, and the `ON UPDATE CURRENT_TIMESTAMP` stamps after them move only then
/// (MySQL keeps a row's time when an update leaves its values as they were).
///
/// `changed` repeats the assigned values, so their placeholders are numbered first (`?1`,
/// `?2`, … in the order the app wrote them; SQLite binds a number wherever it appears).
fn count_update_changes(update: &mut Update, written: usize) {
    if update.assignments[..written]
        .iter()
        .any(|assignment| !matches!(assignment.target, AssignmentTarget::ColumnName(_)))
    {
        // A tuple target (not MySQL's): every matched row counts as changed.
        return;
    }
    number_placeholders(update);
    if let Some(changed) = changed_condition(&update.assignments[..written]) {
        count_changes(&mut update.assignments, written, changed, UPDATE_CHANGED);
    }
}

/// Whether any of `assignments` gives its column a value the row does not hold (SQLite's
/// `IS DISTINCT FROM`, with the column's affinity); `None` for a tuple target or none.
fn changed_condition(assignments: &[Assignment]) -> Option<Expr> {
    let mut condition: Option<Expr> = None;
    for assignment in assignments {
        let AssignmentTarget::ColumnName(name) = &assignment.target else {
            return None;
        };
        let differs = Expr::IsDistinctFrom(
            Box::new(Expr::Nested(Box::new(assignment.value.clone()))),
            Box::new(Expr::Identifier(last_ident(name))),
        );
        condition = Some(match condition {
            None => differs,
            Some(left) => Expr::BinaryOp {
                left: Box::new(left),
                op: BinaryOperator::Or,
                right: Box::new(differs),
            },
        });
    }
    condition.map(|condition| Expr::Nested(Box::new(condition)))
}

/// The stamps after the first `written` assignments move only when `changed`, and the first
/// assignment becomes `counter(value, changed)`, which counts the row.
fn count_changes(assignments: &mut [Assignment], written: usize, changed: Expr, counter: &str) {
    for stamp in &mut assignments[written..] {
        if let AssignmentTarget::ColumnName(name) = &stamp.target {
            let kept = Expr::Identifier(last_ident(name));
            let value = std::mem::replace(&mut stamp.value, Expr::Value(Value::Null.into()));
            stamp.value = super::expressions::call("iif", vec![changed.clone(), value, kept]);
        }
    }
    if let Some(first) = assignments.first_mut() {
        let value = std::mem::replace(&mut first.value, Expr::Value(Value::Null.into()));
        first.value = super::expressions::call(counter, vec![value, changed]);
    }
}

/// Whether `expr` holds one of the app's `?` placeholders.
fn holds_placeholder(expr: &Expr) -> bool {
    sqlparser::ast::visit_expressions(expr, |expr| match expr {
        Expr::Value(value) if matches!(&value.value, Value::Placeholder(text) if text == "?") => {
            ControlFlow::Break(())
        }
        _ => ControlFlow::Continue(()),
    })
    .is_break()
}

/// Every `?` of an upsert as `?N`, numbered in the order the app wrote them: its `VALUES`
/// rows, then its update's assignments. `false`, numbering nothing, when the rows are not
/// `VALUES` (an `INSERT … SELECT`, whose text order Kiln does not number).
fn number_insert_placeholders(insert: &mut Insert, assignments: &mut [Assignment]) -> bool {
    let Some(SetExpr::Values(values)) = insert.source.as_mut().map(|source| source.body.as_mut())
    else {
        return false;
    };
    let mut next = 0usize;
    let mut number = numbering(&mut next);
    for row in &mut values.rows {
        for expr in &mut row.content {
            let _ = sqlparser::ast::visit_expressions_mut(expr, &mut number);
        }
    }
    for assignment in assignments {
        let _ = sqlparser::ast::visit_expressions_mut(&mut assignment.value, &mut number);
    }
    true
}

/// A visitor that writes each `?` it meets as `?N`, counting on from `next`.
pub(super) fn numbering(next: &mut usize) -> impl FnMut(&mut Expr) -> ControlFlow<()> + '_ {
    move |expr: &mut Expr| {
        if let Expr::Value(value) = expr
            && let Value::Placeholder(text) = &mut value.value
            && text == "?"
        {
            *next += 1;
            *text = format!("?{next}");
        }
        ControlFlow::Continue(())
    }
}

/// Every `?` of `update` as `?N`, numbered in the order the app wrote them: the values it
/// assigns (after a multi-table update's join conditions), then its `WHERE`, `ORDER BY` and
/// `LIMIT`.
fn number_placeholders(update: &mut Update) {
    let mut next = 0usize;
    let mut number = numbering(&mut next);
    let _ = sqlparser::ast::visit_expressions_mut(&mut update.table, &mut number);
    for assignment in &mut update.assignments {
        let _ = sqlparser::ast::visit_expressions_mut(&mut assignment.value, &mut number);
    }
    if let Some(selection) = update.selection.as_mut() {
        let _ = sqlparser::ast::visit_expressions_mut(selection, &mut number);
    }
    for order in &mut update.order_by {
        let _ = sqlparser::ast::visit_expressions_mut(&mut order.expr, &mut number);
    }
    if let Some(limit) = update.limit.as_mut() {
        let _ = sqlparser::ast::visit_expressions_mut(limit, &mut number);
    }
}

/// A `DELETE` as SQLite text.
pub(super) fn delete(
    mut delete: Delete,
    columns_of: TableColumns<'_>,
) -> Result<String, ForgeSqlError> {
    if super::multi_table::is_multi_table_delete(&delete) {
        return super::multi_table::delete(delete);
    }
    if let FromTable::WithFromKeyword(tables) | FromTable::WithoutKeyword(tables) = &delete.from
        && let [only] = tables.as_slice()
        && only.joins.is_empty()
        && delete.using.is_none()
        && let TableFactor::Table { name, .. } = &only.relation
        && let Some(selection) = delete.selection.as_mut()
    {
        dates_in_comparisons(&columns_of(&name.to_string()), selection);
    }
    if delete.limit.is_none() {
        delete.order_by.clear();
        return Ok(Statement::Delete(delete).to_string());
    }
    let (FromTable::WithFromKeyword(tables) | FromTable::WithoutKeyword(tables)) = &delete.from;
    let [from] = tables.as_slice() else {
        return Err(ForgeSqlError::invalid(
            "DELETE … LIMIT deletes from one table",
        ));
    };
    let table = single_table(
        from,
        !delete.tables.is_empty() || delete.using.is_some(),
        "DELETE",
    )?;
    Ok(format!(
        "DELETE FROM {table} WHERE rowid IN ({})",
        rows_chosen(
            &table,
            delete.selection.as_ref(),
            &delete.order_by,
            delete.limit.as_ref()
        )
    ))
}

fn single_table(
    table: &TableWithJoins,
    more: bool,
    statement: &str,
) -> Result<String, ForgeSqlError> {
    if more || !table.joins.is_empty() {
        return Err(ForgeSqlError::invalid(format!(
            "{statement} … LIMIT works on one table, as in MySQL"
        )));
    }
    Ok(table.relation.to_string())
}

/// `SELECT rowid FROM table [WHERE …] [ORDER BY …] LIMIT n`: the rows MySQL's statement would
/// touch.
fn rows_chosen(
    table: &str,
    selection: Option<&Expr>,
    order_by: &[OrderByExpr],
    limit: Option<&Expr>,
) -> String {
    let mut out = format!("SELECT rowid FROM {table}");
    if let Some(selection) = selection {
        out.push_str(&format!(" WHERE {selection}"));
    }
    if !order_by.is_empty() {
        let order: Vec<String> = order_by.iter().map(ToString::to_string).collect();
        out.push_str(&format!(" ORDER BY {}", order.join(", ")));
    }
    if let Some(limit) = limit {
        out.push_str(&format!(" LIMIT {limit}"));
    }
    out
}
