//! MySQL's multi-table `UPDATE` and `DELETE`, written as SQLite's.
//!
//! Apps keep derived columns and clean up related rows with MySQL's join forms:
//!
//! ```sql
//! UPDATE projects p JOIN tasks t ON t.project_id = p.id SET p.last_task = t.title WHERE t.done = 0
//! DELETE t FROM tasks t JOIN projects p ON p.id = t.project_id WHERE p.archived = 1
//! DELETE FROM tasks USING tasks JOIN projects ON projects.id = tasks.project_id WHERE …
//! ```
//!
//! SQLite changes one table per statement and has no join there: its `UPDATE … FROM` leaves
//! the target out of the join and hides the `rowid`s of what it joins. So the join runs as the
//! app wrote it, inside a subquery that picks the target's rows by `rowid` (an update computes
//! each assigned value there too, where the app's names mean what they mean in MySQL), and the
//! statement then changes those rows of the one target table:
//!
//! ```sql
//! UPDATE projects SET last_task = __kiln_from.__kiln_value_0
//!   FROM (SELECT p.rowid AS __kiln_row, (t.title) AS __kiln_value_0
//!         FROM projects p JOIN tasks t ON t.project_id = p.id WHERE t.done = 0
//!         GROUP BY __kiln_row) AS __kiln_from
//!   WHERE projects.rowid = __kiln_from.__kiln_row
//! DELETE FROM tasks WHERE rowid IN (SELECT t.rowid FROM tasks t JOIN projects p ON … WHERE …)
//! ```
//!
//! The `GROUP BY` keeps one joined row per target row: a row that matches several is changed
//! once, with the values of one of its matches, as MySQL does (which one is unspecified in
//! both). The rewritten `UPDATE` is of one table, so it then goes through everything a
//! single-table update does (`ON UPDATE CURRENT_TIMESTAMP` stamps, dates stored in MySQL's
//! form, `changedRows`: `writes.rs`).
//!
//! What differs from MySQL (docs/porting-forge-apps.md says so too): one statement changes one
//! table. MySQL can set columns of several joined tables, or delete from several, at once;
//! Kiln refuses such a statement with a message saying so, before anything runs. The comma
//! form `UPDATE a, b SET …` is not read by Kiln's MySQL parser; `UPDATE a JOIN b ON … SET …`
//! is the same statement.

use sqlparser::ast::{
    Assignment, AssignmentTarget, Delete, Expr, FromTable, GroupByExpr, Ident, ObjectName,
    ObjectNamePart, Query, SelectItem, SetExpr, Statement, TableAlias, TableFactor, TableWithJoins,
    Update, UpdateTableFromKind,
};
use sqlparser::dialect::MySqlDialect;
use sqlparser::parser::Parser;

use super::dialect::TableColumns;
use super::error::ForgeSqlError;
use super::writes::last_ident;

/// The name the rewritten `UPDATE` gives its subquery.
const FROM_ALIAS: &str = "__kiln_from";
/// The subquery's column holding the target row's `rowid`.
const ROW_COLUMN: &str = "__kiln_row";
/// The subquery's column holding the value of the app's assignment `n`, with `n` appended.
const VALUE_COLUMN: &str = "__kiln_value_";

/// Whether `update` joins tables (MySQL's multi-table form).
pub(super) fn is_multi_table_update(update: &Update) -> bool {
    !update.table.joins.is_empty()
}

/// Whether `delete` names its target apart from the tables it reads (`DELETE t FROM t JOIN u`,
/// `DELETE FROM t USING t JOIN u`) or joins them.
pub(super) fn is_multi_table_delete(delete: &Delete) -> bool {
    let (FromTable::WithFromKeyword(tables) | FromTable::WithoutKeyword(tables)) = &delete.from;
    !delete.tables.is_empty()
        || delete.using.is_some()
        || tables.len() > 1
        || tables.iter().any(|table| !table.joins.is_empty())
}

/// A multi-table `update` as an `UPDATE` of its one target table from a subquery of the join.
/// Its `?` placeholders must already be numbered in the order the app wrote them: the
/// subquery computes the assigned values before its `FROM` and `WHERE`.
pub(super) fn update(
    update: Update,
    columns_of: TableColumns<'_>,
) -> Result<Update, ForgeSqlError> {
    refuse_order_and_limit("UPDATE", &update.order_by, update.limit.as_ref())?;
    if update.from.is_some() {
        return Err(ForgeSqlError::invalid(
            "UPDATE … FROM is not MySQL; join the tables: UPDATE t JOIN u ON … SET …",
        ));
    }
    let tables = joined_tables(&update.table);
    let mut target: Option<&Joined> = None;
    let mut columns = Vec::with_capacity(update.assignments.len());
    for assignment in &update.assignments {
        let AssignmentTarget::ColumnName(name) = &assignment.target else {
            return Err(ForgeSqlError::invalid(
                "a multi-table UPDATE assigns one column at a time",
            ));
        };
        let (table, column) = assigned_table(&tables, name, columns_of)?;
        match target {
            Some(chosen) if !std::ptr::eq(chosen, table) => {
                return Err(ForgeSqlError::invalid(format!(
                    "this UPDATE sets columns of both {} and {}; Kiln's Forge SQL changes one \
                     table per statement: send one UPDATE per table",
                    chosen.reference, table.reference
                )));
            }
            _ => target = Some(table),
        }
        columns.push(column);
    }
    let Some(target) = target else {
        return Err(ForgeSqlError::invalid("the UPDATE assigns nothing"));
    };
    let (target_name, reference, relation) = (
        target.name.clone(),
        target.reference.clone(),
        target.unaliased.clone(),
    );

    let mut projection = vec![SelectItem::ExprWithAlias {
        expr: qualified(&reference, "rowid"),
        alias: Ident::new(ROW_COLUMN),
    }];
    let mut assignments = Vec::with_capacity(columns.len());
    for (index, (assignment, column)) in update.assignments.into_iter().zip(columns).enumerate() {
        let value_column = format!("{VALUE_COLUMN}{index}");
        projection.push(SelectItem::ExprWithAlias {
            expr: Expr::Nested(Box::new(assignment.value)),
            alias: Ident::new(value_column.clone()),
        });
        assignments.push(Assignment {
            target: AssignmentTarget::ColumnName(ObjectName::from(vec![column])),
            value: qualified(&Ident::new(FROM_ALIAS), &value_column),
        });
    }
    let subquery = select_query(
        projection,
        update.table,
        update.selection,
        Some(Expr::Identifier(Ident::new(ROW_COLUMN))),
    )?;
    let from_alias = Ident::new(FROM_ALIAS);
    Ok(Update {
        table: TableWithJoins {
            relation,
            joins: Vec::new(),
        },
        assignments,
        from: Some(UpdateTableFromKind::AfterSet(vec![TableWithJoins {
            relation: TableFactor::Derived {
                lateral: false,
                subquery,
                alias: Some(TableAlias {
                    explicit: true,
                    name: from_alias.clone(),
                    columns: Vec::new(),
                    at: None,
                }),
                sample: None,
            },
            joins: Vec::new(),
        }])),
        selection: Some(Expr::BinaryOp {
            left: Box::new(Expr::CompoundIdentifier(
                target_name
                    .0
                    .iter()
                    .filter_map(ObjectNamePart::as_ident)
                    .cloned()
                    .chain([Ident::new("rowid")])
                    .collect(),
            )),
            op: sqlparser::ast::BinaryOperator::Eq,
            right: Box::new(qualified(&from_alias, ROW_COLUMN)),
        }),
        order_by: Vec::new(),
        limit: None,
        ..update
    })
}

/// A multi-table `delete` as SQLite text: `DELETE FROM target WHERE rowid IN (SELECT
/// target.rowid FROM <the join> WHERE …)`. Its placeholders stay in the order the app wrote
/// them.
pub(super) fn delete(delete: Delete) -> Result<String, ForgeSqlError> {
    refuse_order_and_limit("DELETE", &delete.order_by, delete.limit.as_ref())?;
    let (FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from)) = delete.from;
    // `DELETE t FROM <join>` names its targets first; `DELETE FROM t USING <join>` in FROM.
    let (targets, mut source) = match (delete.tables.is_empty(), delete.using) {
        (false, None) => (delete.tables, from),
        (true, Some(using)) => (
            from.iter()
                .map(|table| match &table.relation {
                    TableFactor::Table { name, .. } if table.joins.is_empty() => Ok(name.clone()),
                    other => Err(ForgeSqlError::invalid(format!(
                        "DELETE FROM … USING names the tables it deletes from; {other} is not one"
                    ))),
                })
                .collect::<Result<Vec<_>, _>>()?,
            using,
        ),
        _ => {
            return Err(ForgeSqlError::invalid(
                "a DELETE that joins tables names the one it deletes from: DELETE t FROM t \
                 JOIN u ON … WHERE …",
            ));
        }
    };
    let [target] = targets.as_slice() else {
        return Err(ForgeSqlError::invalid(format!(
            "this DELETE deletes from {} tables; Kiln's Forge SQL deletes from one table per \
             statement: send one DELETE per table (Forge SQL runs no ON DELETE CASCADE)",
            targets.len()
        )));
    };
    let [table] = source.as_slice() else {
        return Err(ForgeSqlError::invalid(
            "join the tables of a multi-table DELETE with JOIN … ON, not commas",
        ));
    };
    let tables = joined_tables(table);
    let reference = last_ident(target);
    let chosen = tables
        .iter()
        .find(|joined| {
            joined
                .reference
                .value
                .eq_ignore_ascii_case(&reference.value)
        })
        .ok_or_else(|| {
            ForgeSqlError::execution(format!(
                "Error 1109 (42S02): Unknown table '{}' in MULTI DELETE",
                reference.value
            ))
        })?;
    let target_name = chosen.name.clone();
    let rows = select_query(
        vec![SelectItem::UnnamedExpr(qualified(&reference, "rowid"))],
        source.remove(0),
        delete.selection,
        None,
    )?;
    Ok(format!("DELETE FROM {target_name} WHERE rowid IN ({rows})"))
}

/// MySQL refuses `ORDER BY` and `LIMIT` on a multi-table statement (error 1221).
fn refuse_order_and_limit(
    statement: &str,
    order_by: &[sqlparser::ast::OrderByExpr],
    limit: Option<&Expr>,
) -> Result<(), ForgeSqlError> {
    let clause = if !order_by.is_empty() {
        "ORDER BY"
    } else if limit.is_some() {
        "LIMIT"
    } else {
        return Ok(());
    };
    Err(ForgeSqlError::execution(format!(
        "Error 1221 (HY000): Incorrect usage of {statement} and {clause}"
    )))
}

/// A table of a join, as the statement refers to it.
struct Joined {
    /// Its name in the schema, as written (`tasks`, `` `tasks` ``).
    name: ObjectName,
    /// What the statement calls it: its alias, else its name.
    reference: Ident,
    /// The table as the target of a one-table statement: its name, without the alias.
    unaliased: TableFactor,
}

/// The tables of `table` and its joins that can be changed: base tables, not subqueries.
fn joined_tables(table: &TableWithJoins) -> Vec<Joined> {
    std::iter::once(&table.relation)
        .chain(table.joins.iter().map(|join| &join.relation))
        .filter_map(|factor| match factor {
            TableFactor::Table { name, alias, .. } => {
                let mut unaliased = factor.clone();
                if let TableFactor::Table { alias, .. } = &mut unaliased {
                    *alias = None;
                }
                Some(Joined {
                    name: name.clone(),
                    reference: alias
                        .as_ref()
                        .map_or_else(|| last_ident(name), |alias| alias.name.clone()),
                    unaliased,
                })
            }
            _ => None,
        })
        .collect()
}

/// Which joined table an assignment's column belongs to, and the column's own name: the table
/// its qualifier names, or the one table that has a column of that name.
fn assigned_table<'a>(
    tables: &'a [Joined],
    name: &ObjectName,
    columns_of: TableColumns<'_>,
) -> Result<(&'a Joined, Ident), ForgeSqlError> {
    let parts: Vec<&Ident> = name.0.iter().filter_map(ObjectNamePart::as_ident).collect();
    let Some((column, qualifier)) = parts.split_last() else {
        return Err(ForgeSqlError::invalid(format!("{name} is not a column")));
    };
    let unknown = || {
        ForgeSqlError::execution(format!(
            "Error 1054 (42S22): Unknown column '{name}' in 'field list'"
        ))
    };
    if let Some(table) = qualifier.last() {
        let table = tables
            .iter()
            .find(|joined| joined.reference.value.eq_ignore_ascii_case(&table.value))
            .ok_or_else(unknown)?;
        return Ok((table, (*column).clone()));
    }
    let mut owners = tables.iter().filter(|joined| {
        columns_of(&joined.name.to_string())
            .iter()
            .any(|known| known.name.eq_ignore_ascii_case(&column.value))
    });
    match (owners.next(), owners.next()) {
        (Some(table), None) => Ok((table, (*column).clone())),
        (Some(_), Some(_)) => Err(ForgeSqlError::execution(format!(
            "Error 1052 (23000): Column '{}' in field list is ambiguous",
            column.value
        ))),
        (None, _) => Err(unknown()),
    }
}

/// `SELECT projection FROM table [WHERE selection] [GROUP BY group]`, built on a parsed
/// skeleton (also the `LATERAL` rewrite's reads, `lateral.rs`).
pub(super) fn select_query(
    projection: Vec<SelectItem>,
    table: TableWithJoins,
    selection: Option<Expr>,
    group: Option<Expr>,
) -> Result<Box<Query>, ForgeSqlError> {
    // sqlparser's `Select` has many fields the rewrite leaves at their defaults; a parsed
    // skeleton sets them all, and the rewrite fills in its own parts.
    let skeleton = Parser::parse_sql(&MySqlDialect {}, "SELECT 1 FROM t")
        .ok()
        .and_then(|mut statements| statements.pop());
    let Some(Statement::Query(mut query)) = skeleton else {
        return Err(ForgeSqlError::invalid(
            "the rewrite's skeleton query did not parse",
        ));
    };
    let SetExpr::Select(select) = query.body.as_mut() else {
        return Err(ForgeSqlError::invalid(
            "the rewrite's skeleton is not a SELECT",
        ));
    };
    select.projection = projection;
    select.from = vec![table];
    select.selection = selection;
    if let Some(group) = group {
        select.group_by = GroupByExpr::Expressions(vec![group], Vec::new());
    }
    Ok(query)
}

fn qualified(table: &Ident, column: &str) -> Expr {
    Expr::CompoundIdentifier(vec![table.clone(), Ident::new(column)])
}
