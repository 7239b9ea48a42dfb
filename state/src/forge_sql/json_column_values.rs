//! A JSON column nested in `JSON_ARRAY(…)`, `JSON_OBJECT(…)`, `JSON_ARRAYAGG(…)` or
//! `JSON_OBJECTAGG(…)` is its document, as MySQL nests a JSON value.
//!
//! SQLite keeps a JSON column as text, and its JSON functions nest text as a JSON string
//! (`["{\"a\":1}"]` where MySQL answers `[{"a":1}]`). drizzle-orm's relational queries nest each
//! related row as `json_array(t.col, …)`, so a `json()` column of a relation would reach the app
//! as a string. Each such column, passed as a value, is read `CAST(col AS JSON)` (on a JSON value
//! MySQL's identity), which the dialect writes as SQLite's `json(col)`.
//!
//! A reference's table is the one its qualifier names in the `FROM` of its query or of an
//! enclosing one (the innermost that names it), or, unqualified, the only table of its query;
//! a derived table that selects `*` of one table (drizzle's `(select * from t … limit ?) t`)
//! stands for that table. A reference Kiln cannot place is left as it is.

use std::collections::HashMap;
use std::ops::ControlFlow;

use sqlparser::ast::{
    DataType, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, ObjectNamePart, Query,
    SelectItem, SetExpr, Statement, TableFactor, VisitMut, VisitorMut,
};

use super::columns::Column;
use super::dialect::{TableColumns, from_relations};
use super::values::ColumnType;

/// Reads every JSON column `statement` nests in a JSON function's value as `CAST(… AS JSON)`.
pub(super) fn nest_json_columns_as_documents(
    statement: &mut Statement,
    columns_of: TableColumns<'_>,
) {
    let mut nester = Nester {
        columns_of,
        known: HashMap::new(),
        scopes: Vec::new(),
    };
    let _ = statement.visit(&mut nester);
}

struct Nester<'a> {
    columns_of: TableColumns<'a>,
    /// Each table's columns, read once per statement.
    known: HashMap<String, Vec<Column>>,
    /// For each query being visited, outermost first: its tables, by the name the query
    /// reads them by (lowercased, as MySQL's table aliases compare on Forge) and their own.
    scopes: Vec<Vec<(String, String)>>,
}

impl VisitorMut for Nester<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        self.scopes.push(tables_of(query));
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _: &mut Query) -> ControlFlow<()> {
        self.scopes.pop();
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        let Expr::Function(function) = expr else {
            return ControlFlow::Continue(());
        };
        let name = function.name.to_string().to_ascii_lowercase();
        // Which arguments are values (the others are keys).
        let is_value: fn(usize) -> bool = match name.as_str() {
            "json_array" | "json_arrayagg" => |_| true,
            "json_object" | "json_objectagg" => |index| index % 2 == 1,
            _ => return ControlFlow::Continue(()),
        };
        let FunctionArguments::List(list) = &mut function.args else {
            return ControlFlow::Continue(());
        };
        for (index, arg) in list.args.iter_mut().enumerate() {
            if !is_value(index) {
                continue;
            }
            let FunctionArg::Unnamed(FunctionArgExpr::Expr(value)) = arg else {
                continue;
            };
            if self.is_json_column(value) {
                let column =
                    std::mem::replace(value, Expr::Value(sqlparser::ast::Value::Null.into()));
                *value = Expr::Cast {
                    kind: sqlparser::ast::CastKind::Cast,
                    expr: Box::new(column),
                    data_type: DataType::JSON,
                    format: None,
                };
            }
        }
        ControlFlow::Continue(())
    }
}

impl Nester<'_> {
    /// Whether `expr` names a column declared `JSON`.
    fn is_json_column(&mut self, expr: &Expr) -> bool {
        let (table, column): (Option<&Ident>, &Ident) = match expr {
            Expr::Identifier(column) => (None, column),
            Expr::CompoundIdentifier(parts) => match parts.as_slice() {
                [table, column] => (Some(table), column),
                _ => return false,
            },
            _ => return false,
        };
        let found = match table {
            Some(table) => {
                let wanted = table.value.to_ascii_lowercase();
                self.scopes.iter().rev().find_map(|scope| {
                    scope
                        .iter()
                        .find(|(name, _)| *name == wanted)
                        .map(|(_, table)| table.clone())
                })
            }
            None => match self.scopes.last().map(Vec::as_slice) {
                Some([(_, only)]) => Some(only.clone()),
                _ => None,
            },
        };
        let Some(table) = found else {
            return false;
        };
        let columns_of = self.columns_of;
        let columns = self
            .known
            .entry(table)
            .or_insert_with_key(|table| columns_of(table));
        columns
            .iter()
            .find(|known| known.name.eq_ignore_ascii_case(&column.value))
            .is_some_and(|known| {
                matches!(
                    ColumnType::from_declared(Some(&known.declared)),
                    ColumnType::Json
                )
            })
    }
}

/// The tables `query`'s own `FROM` reads, by the name it reads each by.
fn tables_of(query: &Query) -> Vec<(String, String)> {
    let SetExpr::Select(select) = query.body.as_ref() else {
        return Vec::new();
    };
    from_relations(select).filter_map(table_of).collect()
}

/// The name a table factor is read by and the table it stands for, if it stands for one.
fn table_of(factor: &TableFactor) -> Option<(String, String)> {
    match factor {
        TableFactor::Table { name, alias, .. } => {
            let read_as = match alias {
                Some(alias) => alias.name.value.clone(),
                None => name
                    .0
                    .last()
                    .and_then(ObjectNamePart::as_ident)?
                    .value
                    .clone(),
            };
            Some((read_as.to_ascii_lowercase(), name.to_string()))
        }
        TableFactor::Derived {
            subquery,
            alias: Some(alias),
            ..
        } => {
            let SetExpr::Select(select) = subquery.body.as_ref() else {
                return None;
            };
            let (Some(SelectItem::Wildcard(_)), [only]) =
                (select.projection.first(), select.from.as_slice())
            else {
                return None;
            };
            if !only.joins.is_empty() {
                return None;
            }
            let TableFactor::Table { name, .. } = &only.relation else {
                return None;
            };
            Some((alias.name.value.to_ascii_lowercase(), name.to_string()))
        }
        _ => None,
    }
}
