//! A query selects and orders by only values its rows define, as MySQL and TiDB require; SQLite
//! answers such a query with whichever row it met.
//!
//! MySQL's `ONLY_FULL_GROUP_BY`, which TiDB's default `sql_mode` holds: a query that groups
//! (or aggregates without `GROUP BY`) may select a column only inside an aggregate, or one
//! its groups determine. SQLite answers such a query with whichever row's value it met, so
//! `SELECT status, title FROM issues GROUP BY status` ran on Kiln and fails on Forge:
//!
//! ```text
//! Error 1055 (42000): Expression #2 of SELECT list is not in GROUP BY clause and contains
//! nonaggregated column 'forge.issues.title' which is not functionally dependent on columns
//! in GROUP BY clause; this is incompatible with sql_mode=only_full_group_by
//! ```
//!
//! and `SELECT title, COUNT(*) FROM issues` with `Error 1140 (42000): In aggregated query
//! without GROUP BY, expression #1 of SELECT list contains nonaggregated column …`.
//!
//! And a `SELECT DISTINCT` may order only by what it selects (`Error 3065`): which of two
//! duplicate rows would give an unselected column is not defined.
//!
//! TiDB decides "determines" by functional dependencies (`checkOnlyFullGroupBy…` in its
//! planner). Kiln checks a part of what TiDB checks and takes anything it cannot judge, so it
//! never refuses a query TiDB runs: only a `SELECT` of one table (no join, no derived table
//! in its `FROM`), only its select list (not `HAVING` or `ORDER BY`), and a column counts as
//! determined when the `GROUP BY` names it (or a select item made of it, by alias or
//! position), when the `GROUP BY` names every column of one of the table's unique keys, or
//! when the `WHERE` equates it with anything. Aggregates, window functions and subqueries are
//! not looked into.

use std::collections::HashSet;
use std::ops::ControlFlow;

use sqlparser::ast::{
    Distinct, Expr, GroupByExpr, InTarget, OrderBy, OrderByExpr, OrderByKind, Query, Select,
    SelectItem, SetExpr, Statement, TableFactor, Value, VisitMut, VisitorMut,
};

use super::aggregate_functions::{holds_aggregate, is_aggregate};
use super::dialect::{TableColumns, TableDependencies};
use super::error::ForgeSqlError;
use super::information_schema::DATABASE_NAME;

/// Refuses `statement` as TiDB does when a grouped query of one table selects a column its
/// groups do not determine, or a `SELECT DISTINCT` orders by a column it does not select.
pub(super) fn check(
    statement: &Statement,
    columns_of: TableColumns<'_>,
    dependencies_of: TableDependencies<'_>,
) -> Result<(), ForgeSqlError> {
    let schema = Schema {
        columns_of,
        dependencies_of,
    };
    match statement {
        Statement::Query(query) => schema.query(query),
        Statement::Insert(insert) => insert
            .source
            .as_deref()
            .map_or(Ok(()), |query| schema.query(query)),
        _ => Ok(()),
    }
}

struct Schema<'a> {
    columns_of: TableColumns<'a>,
    dependencies_of: TableDependencies<'a>,
}

impl Schema<'_> {
    fn query(&self, query: &Query) -> Result<(), ForgeSqlError> {
        if let Some(with) = &query.with {
            for table in &with.cte_tables {
                self.query(&table.query)?;
            }
        }
        self.body(&query.body)?;
        if let SetExpr::Select(select) = query.body.as_ref()
            && matches!(select.distinct, Some(Distinct::Distinct))
            && let Some(OrderBy {
                kind: OrderByKind::Expressions(items),
                ..
            }) = &query.order_by
        {
            self.distinct_order(select, items)?;
        }
        Ok(())
    }

    /// `SELECT DISTINCT … ORDER BY`: each ordering may read only selected columns (which row
    /// of a set of duplicates would give an unselected one is not defined), as MySQL 5.7 on
    /// and TiDB require: `Error 3065`.
    fn distinct_order(&self, select: &Select, items: &[OrderByExpr]) -> Result<(), ForgeSqlError> {
        let Some(table) = self.one_table(select) else {
            return Ok(());
        };
        let mut selected_columns = HashSet::new();
        let mut selected_exprs = HashSet::new();
        for item in &select.projection {
            match item {
                SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. } => {
                    if let Some(column) = column_name(expr) {
                        selected_columns.insert(column.to_ascii_lowercase());
                    }
                    selected_exprs.insert(printed(expr));
                    if let SelectItem::ExprWithAlias { alias, .. } = item {
                        selected_exprs.insert(alias.value.to_ascii_lowercase());
                    }
                }
                // Every column is selected.
                _ => return Ok(()),
            }
        }
        for (index, item) in items.iter().enumerate() {
            let expr = &item.expr;
            if matches!(expr, Expr::Value(value) if matches!(value.value, Value::Number(..)))
                || selected_exprs.contains(&printed(expr))
            {
                continue;
            }
            for column in bare_columns(expr, &table) {
                if table.is_column(&column)
                    && !selected_columns.contains(&column.to_ascii_lowercase())
                {
                    return Err(ForgeSqlError::execution(format!(
                        "Error 3065 (HY000): Expression #{} of ORDER BY clause is not in SELECT \
                         list, references column '{}' which is not in SELECT list; this is \
                         incompatible with DISTINCT",
                        index + 1,
                        table.shown(&column)
                    )));
                }
            }
        }
        Ok(())
    }

    /// The one base table `select` reads, with its columns; `None` for anything else (a
    /// join, a derived table, a table Kiln cannot read), which is not judged.
    fn one_table(&self, select: &Select) -> Option<OneTable> {
        let [only] = select.from.as_slice() else {
            return None;
        };
        let TableFactor::Table {
            name, alias, args, ..
        } = &only.relation
        else {
            return None;
        };
        if !only.joins.is_empty() || args.is_some() {
            return None;
        }
        let columns: Vec<String> = (self.columns_of)(&name.to_string())
            .into_iter()
            .map(|column| column.name)
            .collect();
        if columns.is_empty() {
            return None;
        }
        Some(OneTable {
            name: name.to_string(),
            shown: alias
                .as_ref()
                .map_or_else(|| last_name(name), |alias| alias.name.value.clone()),
            columns,
        })
    }

    fn body(&self, body: &SetExpr) -> Result<(), ForgeSqlError> {
        match body {
            SetExpr::Select(select) => {
                for table in &select.from {
                    for factor in std::iter::once(&table.relation)
                        .chain(table.joins.iter().map(|join| &join.relation))
                    {
                        if let TableFactor::Derived { subquery, .. } = factor {
                            self.query(subquery)?;
                        }
                    }
                }
                self.select(select)
            }
            SetExpr::Query(query) => self.query(query),
            SetExpr::SetOperation { left, right, .. } => {
                self.body(left)?;
                self.body(right)
            }
            _ => Ok(()),
        }
    }

    fn select(&self, select: &Select) -> Result<(), ForgeSqlError> {
        let group_by = match &select.group_by {
            // `WITH ROLLUP` and its kin have rules of their own.
            GroupByExpr::Expressions(exprs, modifiers) if modifiers.is_empty() => exprs,
            _ => return Ok(()),
        };
        let aggregated = select
            .projection
            .iter()
            .filter_map(item_expr)
            .chain(select.having.as_ref())
            .any(holds_aggregate);
        if group_by.is_empty() && !aggregated {
            return Ok(());
        }
        let Some(table) = self.one_table(select) else {
            return Ok(());
        };
        let columns = &table.columns;
        let is_column = |name: &str| table.is_column(name);

        let mut determined: HashSet<String> = HashSet::new();
        let mut grouped_exprs: HashSet<String> = HashSet::new();
        for expr in group_by {
            let mut group = |expr: &Expr| {
                if let Some(column) = column_name(expr) {
                    determined.insert(column.to_ascii_lowercase());
                }
                grouped_exprs.insert(printed(expr));
            };
            match expr {
                // `GROUP BY 2`: the second select item.
                Expr::Value(value) if matches!(value.value, Value::Number(..)) => {
                    let position = value.value.to_string().parse::<usize>().ok();
                    if let Some(item) = position
                        .and_then(|p| p.checked_sub(1))
                        .and_then(|p| select.projection.get(p))
                        .and_then(item_expr)
                    {
                        group(item);
                    }
                }
                _ => {
                    group(expr);
                    // `GROUP BY alias`: the select item so named, and the column, if any.
                    if let Expr::Identifier(ident) = expr {
                        for item in &select.projection {
                            if let SelectItem::ExprWithAlias { expr, alias } = item
                                && alias.value.eq_ignore_ascii_case(&ident.value)
                            {
                                group(expr);
                            }
                        }
                    }
                }
            }
        }
        if let Some(selection) = &select.selection {
            equated_columns(selection, &mut determined);
        }
        let dependencies = (self.dependencies_of)(&table.name);
        // A generated column is computed from others (TiDB's dependencies follow them; Kiln
        // does not judge it).
        determined.extend(
            dependencies
                .generated
                .iter()
                .map(|column| column.to_ascii_lowercase()),
        );
        if dependencies.keys.iter().any(|key| {
            key.iter()
                .all(|column| determined.contains(&column.to_ascii_lowercase()))
        }) {
            return Ok(());
        }

        let refuse = |position: usize, column: &str| {
            let column = table.shown(column);
            Err(ForgeSqlError::execution(if group_by.is_empty() {
                format!(
                    "Error 1140 (42000): In aggregated query without GROUP BY, expression \
                     #{position} of SELECT list contains nonaggregated column '{column}'; this \
                     is incompatible with sql_mode=only_full_group_by"
                )
            } else {
                format!(
                    "Error 1055 (42000): Expression #{position} of SELECT list is not in GROUP \
                     BY clause and contains nonaggregated column '{column}' which is not \
                     functionally dependent on columns in GROUP BY clause; this is \
                     incompatible with sql_mode=only_full_group_by"
                )
            }))
        };
        for (index, item) in select.projection.iter().enumerate() {
            let position = index + 1;
            match item {
                SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. } => {
                    if grouped_exprs.contains(&printed(expr)) {
                        continue;
                    }
                    for column in bare_columns(expr, &table) {
                        if is_column(&column) && !determined.contains(&column.to_ascii_lowercase())
                        {
                            return refuse(position, &column);
                        }
                    }
                }
                SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => {
                    if let Some(column) = columns
                        .iter()
                        .find(|column| !determined.contains(&column.to_ascii_lowercase()))
                    {
                        return refuse(position, column);
                    }
                }
                // Another dialect's form: not judged.
                _ => {}
            }
        }
        Ok(())
    }
}

/// The one base table a `SELECT` reads.
struct OneTable {
    /// As the statement printed it, for the schema's lookups.
    name: String,
    /// As MySQL names it in a message: its alias, else its name.
    shown: String,
    columns: Vec<String>,
}

impl OneTable {
    fn is_column(&self, name: &str) -> bool {
        self.columns.iter().any(|c| c.eq_ignore_ascii_case(name))
    }

    /// `column` as TiDB names it in a message: `forge.issues.title`, in small letters.
    fn shown(&self, column: &str) -> String {
        format!("{DATABASE_NAME}.{}.{}", self.shown, column).to_ascii_lowercase()
    }
}

/// The expression of a select item; `None` for a wildcard.
fn item_expr(item: &SelectItem) -> Option<&Expr> {
    match item {
        SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. } => Some(expr),
        _ => None,
    }
}

/// How an expression compares with another: printed, without regard to case.
fn printed(expr: &Expr) -> String {
    expr.to_string().to_ascii_lowercase()
}

/// The column `expr` names (`c`, `t.c`), if it is one.
fn column_name(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Identifier(ident) => Some(&ident.value),
        Expr::CompoundIdentifier(parts) => parts.last().map(|ident| ident.value.as_str()),
        Expr::Nested(inner) => column_name(inner),
        _ => None,
    }
}

fn last_name(name: &sqlparser::ast::ObjectName) -> String {
    name.0
        .last()
        .and_then(|part| part.as_ident())
        .map_or_else(|| name.to_string(), |ident| ident.value.clone())
}

/// The columns `expr` reads outside aggregates, window functions and subqueries.
/// A column named with another qualifier than `table`'s is an outer query's (a `LATERAL`
/// subquery's correlation): one value per group, so never counted.
fn bare_columns(expr: &Expr, table: &OneTable) -> Vec<String> {
    let mut pruned = expr.clone();
    let _ = VisitMut::visit(&mut pruned, &mut Prune);
    let mut columns = Vec::new();
    let _ = sqlparser::ast::visit_expressions(&pruned, |expr| {
        let own = match expr {
            Expr::CompoundIdentifier(parts) => parts
                .len()
                .checked_sub(2)
                .and_then(|at| parts.get(at))
                .is_some_and(|qualifier| qualifier.value.eq_ignore_ascii_case(&table.shown)),
            Expr::Identifier(_) => true,
            _ => false,
        };
        if own && let Some(column) = column_name(expr) {
            columns.push(column.to_owned());
        }
        ControlFlow::<()>::Continue(())
    });
    columns
}

/// Replaces what may read any column (aggregates, window functions, subqueries) with NULL
/// before its parts are visited.
struct Prune;

impl VisitorMut for Prune {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        let prune = match expr {
            Expr::Function(function) => function.over.is_some() || is_aggregate(function),
            Expr::Subquery(_)
            | Expr::Exists { .. }
            | Expr::In {
                target: InTarget::Subquery(_),
                ..
            } => true,
            _ => false,
        };
        if prune {
            *expr = Expr::Value(Value::Null.into());
        }
        ControlFlow::Continue(())
    }
}

/// The columns `condition`'s top-level `AND`s equate with something (`status = 'open'`,
/// `a = b`): each has one value in a group, as TiDB's dependencies from `WHERE` say.
fn equated_columns(condition: &Expr, determined: &mut HashSet<String>) {
    match condition {
        Expr::BinaryOp { left, op, right } => match op {
            sqlparser::ast::BinaryOperator::And => {
                equated_columns(left, determined);
                equated_columns(right, determined);
            }
            sqlparser::ast::BinaryOperator::Eq => {
                for side in [left, right] {
                    if let Some(column) = column_name(side) {
                        determined.insert(column.to_ascii_lowercase());
                    }
                }
            }
            _ => {}
        },
        Expr::Nested(inner) => equated_columns(inner, determined),
        _ => {}
    }
}
