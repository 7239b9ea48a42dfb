//! MySQL's `LATERAL` derived tables, as drizzle-orm's relational queries write them, run on
//! SQLite, which has none.
//!
//! drizzle-orm's `db.query.teams.findMany({ with: { tasks: true } })` nests each relation's
//! rows as JSON in a derived table joined `LATERAL … ON TRUE` (drizzle-orm 0.45,
//! `mysql-core/dialect.js`, `buildRelationalQuery`):
//!
//! ```sql
//! select `teams`.`id`, `teams_tasks`.`data` as `tasks` from `teams` `teams`
//!   left join lateral (select coalesce(json_arrayagg(json_array(`teams_tasks`.`id`, …)),
//!                               json_array()) as `data`
//!                      from `tasks` `teams_tasks`
//!                      where `teams_tasks`.`team_id` = `teams`.`id`) `teams_tasks` on true
//! ```
//!
//! A `LEFT JOIN LATERAL (q) a ON TRUE` whose `q` yields at most one row for each row before it
//! keeps each of those rows once, with `q`'s row or, where `q` yields none, NULLs. A correlated
//! scalar subquery gives exactly that, and SQLite evaluates one per outer row: so each `a.c`
//! the query reads becomes `(SELECT a.c FROM (q) AS a)` (NULL where `q` yields no row) and the
//! join goes. A column of `q` that MySQL types JSON is read as `CAST(… AS JSON)`, so it stays
//! JSON where an enclosing `json_array` nests it and in Forge's answer: SQLite's JSON functions
//! take JSON text that comes out of a subquery for a string.
//!
//! `q` yields at most one row when it is
//! - an aggregate without `GROUP BY` (drizzle's one-to-many: `coalesce(json_arrayagg(…), …)`);
//! - limited by `LIMIT 0` or `LIMIT 1`, written or bound to a `?` (the bound value is checked
//!   when the call's values arrive, [`check_single_row_limits`]);
//! - a select of no table, or of one derived table that itself yields at most one row, without
//!   `GROUP BY` (drizzle's one-to-one: `select json_array(…) from (select * from t … limit ?) t`).
//!
//! Any other `LATERAL` is refused before anything runs, with a message saying what runs: Kiln
//! never answers a lateral join with other rows than MySQL's. The rewrite copies `q` once per
//! column read, and nested relations nest laterals, so both are bounded ([`MAX_LATERAL_DEPTH`],
//! [`MAX_COPIED_BYTES`]).

use std::ops::ControlFlow;

use serde_json::Value as Json;
use sqlparser::ast::{
    DataType, Expr, GroupByExpr, Ident, JoinConstraint, JoinOperator, LimitClause, ObjectNamePart,
    Query, Select, SelectItem, SelectItemQualifiedWildcardKind, SetExpr, Statement, TableAlias,
    TableFactor, TableWithJoins, Value, Visit, VisitMut, Visitor, VisitorMut,
};

use super::aggregate_functions::holds_aggregate;
use super::dialect::is_json_valued;
use super::duplicate_entry::shown_entry;
use super::error::ForgeSqlError;
use super::multi_table::select_query;
use super::writes::numbering;

/// Most laterals nested inside one another (drizzle nests one per level of `with`). Threat: a
/// statement nesting laterals deeply, each level multiplying the copies the rewrite makes.
/// Eight levels of relations is more than an app's `with` reaches.
pub(super) const MAX_LATERAL_DEPTH: usize = 8;

/// Most bytes of subquery text the rewrite may copy for one statement. Threat: a small
/// statement that reads a lateral's columns many times, at many levels, rewritten into a huge
/// one. 2 MiB is SQLite's statement length limit on Kiln's connections (twice Forge SQL's
/// request size, `ForgeSqlLimits::max_statement_bytes`), past which SQLite would refuse the
/// rewritten text anyway.
pub(super) const MAX_COPIED_BYTES: usize = 2 * 1024 * 1024;

/// What Kiln runs of `LATERAL`, for the messages that refuse the rest.
const WHAT_RUNS: &str = "Kiln's Forge SQL runs a LATERAL derived table only as `LEFT JOIN \
     LATERAL (subquery) alias ON TRUE` whose subquery yields at most one row (an aggregate \
     without GROUP BY, LIMIT 1, or a select of one such derived table), as drizzle-orm's \
     relational queries write it";

/// Rewrites every `LATERAL` join of `statement` as correlated scalar subqueries. Answers the
/// positions (from 0) of the bound values that must be 0 or 1 for the rewrite to hold: the
/// `LIMIT ?`s it relied on ([`check_single_row_limits`]). A statement without `LATERAL` is left
/// as it is.
pub(super) fn rewrite(statement: &mut Statement) -> Result<Vec<usize>, ForgeSqlError> {
    if !holds_lateral(statement) {
        return Ok(Vec::new());
    }
    let Statement::Query(query) = statement else {
        return Err(refused("it is not in a SELECT statement"));
    };
    // A copied subquery repeats its `?`s: each is numbered (`?1`, `?2`, … in the order the app
    // wrote them) so every copy binds the app's value, and the `LIMIT ?`s are known by number.
    let mut next = 0usize;
    let _ = sqlparser::ast::visit_expressions_mut(query.as_mut(), numbering(&mut next));
    let mut rewriter = Rewriter::default();
    if let ControlFlow::Break(error) = query.visit(&mut rewriter) {
        return Err(error);
    }
    // Every shape the rewrite takes is gone; one it did not reach (a lateral in a `WITH`'s
    // set operation, say) is refused rather than left to SQLite's syntax error.
    if holds_lateral(statement) {
        return Err(refused("it is not one of those joins"));
    }
    Ok(rewriter.single_row_limits)
}

/// Refuses a call whose value for a `LIMIT ?` the rewrite relied on is not 0 or 1: with more,
/// the lateral would yield several rows per outer row, which a scalar subquery cannot.
pub(super) fn check_single_row_limits(
    positions: &[usize],
    params: &[Json],
) -> Result<(), ForgeSqlError> {
    for &position in positions {
        let value = params.get(position);
        let single = value.and_then(Json::as_u64).is_some_and(|limit| limit <= 1);
        if !single {
            // The app's value, quoted as every value in Forge SQL's messages is: cut and
            // escaped, so a long or line-bending value cannot flood or forge a log line.
            let shown = value.map_or_else(|| "nothing".to_owned(), |v| shown_entry(&v.to_string()));
            return Err(ForgeSqlError::invalid(format!(
                "parameter {} is a LATERAL subquery's LIMIT, bound to {shown}; {WHAT_RUNS}",
                position + 1
            )));
        }
    }
    Ok(())
}

fn refused(why: &str) -> ForgeSqlError {
    ForgeSqlError::invalid(format!("this LATERAL join is not run: {why}. {WHAT_RUNS}"))
}

/// Whether any table factor of `statement` is `LATERAL`.
fn holds_lateral(statement: &Statement) -> bool {
    struct Finder;
    impl Visitor for Finder {
        type Break = ();
        fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
            match factor {
                TableFactor::Derived { lateral: true, .. }
                | TableFactor::Function { lateral: true, .. } => ControlFlow::Break(()),
                _ => ControlFlow::Continue(()),
            }
        }
    }
    statement.visit(&mut Finder).is_break()
}

/// Rewrites the laterals of each query after its subqueries' (so a lateral nested in a
/// lateral is gone before the outer one is copied), counting how deep laterals nest.
#[derive(Default)]
struct Rewriter {
    depth: usize,
    copied_bytes: usize,
    single_row_limits: Vec<usize>,
}

impl VisitorMut for Rewriter {
    type Break = ForgeSqlError;

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<ForgeSqlError> {
        match factor {
            TableFactor::Derived { lateral: true, .. } => {
                self.depth += 1;
                if self.depth > MAX_LATERAL_DEPTH {
                    return ControlFlow::Break(ForgeSqlError::invalid(format!(
                        "LATERAL derived tables nest more than {MAX_LATERAL_DEPTH} deep; \
                         Kiln's Forge SQL runs at most that many"
                    )));
                }
                ControlFlow::Continue(())
            }
            TableFactor::Function { lateral: true, .. } => {
                ControlFlow::Break(refused("it is a table function"))
            }
            _ => ControlFlow::Continue(()),
        }
    }

    fn post_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<ForgeSqlError> {
        if let TableFactor::Derived { lateral: true, .. } = factor {
            self.depth = self.depth.saturating_sub(1);
        }
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, query: &mut Query) -> ControlFlow<ForgeSqlError> {
        match self.rewrite_query(query) {
            Ok(()) => ControlFlow::Continue(()),
            Err(error) => ControlFlow::Break(error),
        }
    }
}

/// One `LEFT JOIN LATERAL (q) alias ON TRUE`, taken out of its `SELECT`.
struct Lateral {
    alias: Ident,
    subquery: Box<Query>,
    /// The columns `q` yields, by name, and whether MySQL types each JSON.
    columns: Vec<(String, bool)>,
    /// The length of `q`'s text: what each copy adds to the statement.
    text_bytes: usize,
}

impl Rewriter {
    fn rewrite_query(&mut self, query: &mut Query) -> Result<(), ForgeSqlError> {
        let Query { body, order_by, .. } = query;
        match body.as_mut() {
            SetExpr::Select(select) => {
                let laterals = self.take_laterals(select)?;
                if laterals.is_empty() {
                    return Ok(());
                }
                self.read_through(select, &laterals)?;
                // The query's `ORDER BY` reads the select's names too.
                if let Some(order_by) = order_by {
                    let mut reader = Reader {
                        laterals: &laterals,
                        copied_bytes: &mut self.copied_bytes,
                    };
                    if let ControlFlow::Break(error) = order_by.visit(&mut reader) {
                        return Err(error);
                    }
                }
                Ok(())
            }
            body => self.rewrite_set_operation(body),
        }
    }

    /// The selects of a `UNION` (or other set operation) have no query of their own, and
    /// the query's `ORDER BY` reads the union's names, not a lateral's.
    fn rewrite_set_operation(&mut self, body: &mut SetExpr) -> Result<(), ForgeSqlError> {
        match body {
            SetExpr::SetOperation { left, right, .. } => {
                for side in [left, right] {
                    if let SetExpr::Select(select) = side.as_mut() {
                        let laterals = self.take_laterals(select)?;
                        if !laterals.is_empty() {
                            self.read_through(select, &laterals)?;
                        }
                    } else {
                        self.rewrite_set_operation(side)?;
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Takes the select's lateral joins out of its `FROM`, refusing any that does not have
    /// the shape this module can prove equivalent.
    fn take_laterals(&mut self, select: &mut Select) -> Result<Vec<Lateral>, ForgeSqlError> {
        let holds = select.from.iter().any(|table| {
            is_lateral(&table.relation) || table.joins.iter().any(|join| is_lateral(&join.relation))
        });
        if !holds {
            return Ok(Vec::new());
        }
        let mut laterals = Vec::new();
        for table in &mut select.from {
            if is_lateral(&table.relation) {
                return Err(refused("it is not joined with LEFT JOIN … ON TRUE"));
            }
            let joins = std::mem::take(&mut table.joins);
            for join in joins {
                if !is_lateral(&join.relation) {
                    match &join.join_operator {
                        // A row a RIGHT or FULL join adds has NULLs for what precedes it, where
                        // the subquery would still yield its row; a join by shared names could
                        // name a lateral's column.
                        JoinOperator::Right(_)
                        | JoinOperator::RightOuter(_)
                        | JoinOperator::FullOuter(_) => {
                            return Err(refused("its SELECT also has a RIGHT or FULL join"));
                        }
                        operator if super::dialect::merges_columns(operator) => {
                            return Err(refused("its SELECT also joins by NATURAL or USING"));
                        }
                        _ => {}
                    }
                    table.joins.push(join);
                    continue;
                }
                let (JoinOperator::Left(JoinConstraint::On(on))
                | JoinOperator::LeftOuter(JoinConstraint::On(on))) = &join.join_operator
                else {
                    return Err(refused("it is not joined with LEFT JOIN … ON TRUE"));
                };
                if !is_true(on) {
                    return Err(refused("its ON condition is not TRUE"));
                }
                let TableFactor::Derived {
                    subquery, alias, ..
                } = join.relation
                else {
                    return Err(refused("it is not a derived table"));
                };
                let Some(TableAlias { name, columns, .. }) = alias else {
                    return Err(ForgeSqlError::execution(
                        "Error 1248 (42000): Every derived table must have its own alias",
                    ));
                };
                if !columns.is_empty() {
                    return Err(refused("it names its columns after its alias"));
                }
                let Some(limits) = single_row(&subquery) else {
                    return Err(refused(&format!(
                        "its subquery `{name}` may yield more than one row"
                    )));
                };
                self.single_row_limits.extend(limits);
                let columns = yielded_columns(&subquery)?;
                let text_bytes = subquery.to_string().len();
                laterals.push(Lateral {
                    alias: name,
                    subquery,
                    columns,
                    text_bytes,
                });
            }
        }
        Ok(laterals)
    }

    /// Rewrites every read of a lateral's column in `select` as a scalar subquery.
    fn read_through(
        &mut self,
        select: &mut Select,
        laterals: &[Lateral],
    ) -> Result<(), ForgeSqlError> {
        for item in &mut select.projection {
            match item {
                SelectItem::Wildcard(_) => {
                    return Err(refused("its SELECT selects `*`; name the columns it reads"));
                }
                SelectItem::QualifiedWildcard(
                    SelectItemQualifiedWildcardKind::ObjectName(name),
                    _,
                ) if laterals.iter().any(|lateral| {
                    name.0
                        .last()
                        .and_then(ObjectNamePart::as_ident)
                        .is_some_and(|table| table.value.eq_ignore_ascii_case(&lateral.alias.value))
                }) =>
                {
                    return Err(refused(
                        "its SELECT selects `alias.*`; name the columns it reads",
                    ));
                }
                // MySQL names `a.c` selected bare `c`; the subquery it becomes is named so.
                SelectItem::UnnamedExpr(Expr::CompoundIdentifier(parts))
                    if lateral_of(laterals, parts).is_some() =>
                {
                    if let Some(column) = parts.last().cloned() {
                        let expr = Expr::CompoundIdentifier(std::mem::take(parts));
                        *item = SelectItem::ExprWithAlias {
                            expr,
                            alias: column,
                        };
                    }
                }
                _ => {}
            }
        }
        // Another table (or a subquery's) of a lateral's name would make `alias.c` mean it.
        let mut shadow = None;
        let _ = Visit::visit(
            &*select,
            &mut NamedTables(|name: &Ident| {
                if shadow.is_none()
                    && laterals
                        .iter()
                        .any(|lateral| lateral.alias.value.eq_ignore_ascii_case(&name.value))
                {
                    shadow = Some(name.value.clone());
                }
            }),
        );
        if let Some(name) = shadow {
            return Err(refused(&format!(
                "another table of its SELECT is also named `{name}`"
            )));
        }
        let mut reader = Reader {
            laterals,
            copied_bytes: &mut self.copied_bytes,
        };
        match select.visit(&mut reader) {
            ControlFlow::Break(error) => Err(error),
            ControlFlow::Continue(()) => Ok(()),
        }
    }
}

fn is_lateral(factor: &TableFactor) -> bool {
    matches!(factor, TableFactor::Derived { lateral: true, .. })
}

/// `TRUE` or `1`, as drizzle writes `ON true`.
fn is_true(expr: &Expr) -> bool {
    match expr {
        Expr::Nested(inner) => is_true(inner),
        Expr::Value(value) => match &value.value {
            Value::Boolean(truth) => *truth,
            Value::Number(number, _) => number == "1",
            _ => false,
        },
        _ => false,
    }
}

/// The lateral `parts` (`alias.column`) reads, if it names one.
fn lateral_of<'a>(laterals: &'a [Lateral], parts: &[Ident]) -> Option<&'a Lateral> {
    match parts {
        [table, _] => laterals
            .iter()
            .find(|lateral| lateral.alias.value.eq_ignore_ascii_case(&table.value)),
        _ => None,
    }
}

/// Calls its function with the name (alias, else table name) of each table factor visited.
struct NamedTables<F>(F);

impl<F: FnMut(&Ident)> Visitor for NamedTables<F> {
    type Break = ();

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
        let name = match factor {
            TableFactor::Table {
                alias: Some(alias), ..
            }
            | TableFactor::Derived {
                alias: Some(alias), ..
            } => Some(alias.name.clone()),
            TableFactor::Table { name, .. } => {
                name.0.last().and_then(ObjectNamePart::as_ident).cloned()
            }
            _ => None,
        };
        if let Some(name) = name {
            (self.0)(&name);
        }
        ControlFlow::Continue(())
    }
}

/// Rewrites each `alias.column` of a lateral as the scalar subquery that reads it.
struct Reader<'a> {
    laterals: &'a [Lateral],
    copied_bytes: &'a mut usize,
}

impl VisitorMut for Reader<'_> {
    type Break = ForgeSqlError;

    // After the children: the subquery put in place is not visited again.
    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<ForgeSqlError> {
        match expr {
            Expr::CompoundIdentifier(parts) => {
                let Some(lateral) = lateral_of(self.laterals, parts) else {
                    return ControlFlow::Continue(());
                };
                let Some(column) = parts.last() else {
                    return ControlFlow::Continue(());
                };
                let Some((_, json)) = lateral
                    .columns
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case(&column.value))
                else {
                    return ControlFlow::Break(ForgeSqlError::execution(format!(
                        "Error 1054 (42S22): Unknown column '{}.{}' in 'field list'",
                        lateral.alias.value, column.value
                    )));
                };
                *self.copied_bytes = self.copied_bytes.saturating_add(lateral.text_bytes);
                if *self.copied_bytes > MAX_COPIED_BYTES {
                    return ControlFlow::Break(ForgeSqlError::invalid(format!(
                        "the statement reads its LATERAL subqueries' columns so often that \
                         Kiln's rewrite of it would pass {MAX_COPIED_BYTES} bytes; read each \
                         column once (an alias in the SELECT list) or send less"
                    )));
                }
                match read_column(lateral, column.clone(), *json) {
                    Ok(read) => *expr = read,
                    Err(error) => return ControlFlow::Break(error),
                }
                ControlFlow::Continue(())
            }
            // A bare name a lateral yields could mean the lateral's column or another table's;
            // MySQL's answer depends on which tables have it, so Kiln asks for the qualifier.
            Expr::Identifier(name)
                if self.laterals.iter().any(|lateral| {
                    lateral
                        .columns
                        .iter()
                        .any(|(column, _)| column.eq_ignore_ascii_case(&name.value))
                }) =>
            {
                ControlFlow::Break(refused(&format!(
                    "its SELECT reads `{}` without the table it is of; qualify it",
                    name.value
                )))
            }
            _ => ControlFlow::Continue(()),
        }
    }
}

/// `(SELECT alias.column FROM (q) AS alias)`, as `CAST(… AS JSON)` when MySQL types the
/// column JSON.
fn read_column(lateral: &Lateral, column: Ident, json: bool) -> Result<Expr, ForgeSqlError> {
    let projection = vec![SelectItem::UnnamedExpr(Expr::CompoundIdentifier(vec![
        lateral.alias.clone(),
        column,
    ]))];
    let from = TableWithJoins {
        relation: TableFactor::Derived {
            lateral: false,
            subquery: lateral.subquery.clone(),
            alias: Some(TableAlias {
                explicit: true,
                name: lateral.alias.clone(),
                columns: Vec::new(),
                at: None,
            }),
            sample: None,
        },
        joins: Vec::new(),
    };
    let query = select_query(projection, from, None, None)?;
    let read = Expr::Subquery(query);
    Ok(if json {
        Expr::Cast {
            kind: sqlparser::ast::CastKind::Cast,
            expr: Box::new(read),
            data_type: DataType::JSON,
            format: None,
        }
    } else {
        read
    })
}

/// Whether `query` yields at most one row, and if so the bound values (by position) that must
/// be 0 or 1 for it to: `None` when Kiln cannot tell.
fn single_row(query: &Query) -> Option<Vec<usize>> {
    let by_body = match query.body.as_ref() {
        SetExpr::Select(select) if !groups(select) => {
            let aggregate = select.projection.iter().any(|item| match item {
                SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. } => {
                    holds_aggregate(expr)
                }
                _ => false,
            }) || select.having.as_ref().is_some_and(holds_aggregate);
            match select.from.as_slice() {
                _ if aggregate => Some(Vec::new()),
                [] => Some(Vec::new()),
                [only] if only.joins.is_empty() => match &only.relation {
                    TableFactor::Derived {
                        lateral: false,
                        subquery,
                        ..
                    } => single_row(subquery),
                    TableFactor::Table { name, .. }
                        if name.to_string().eq_ignore_ascii_case("dual") =>
                    {
                        Some(Vec::new())
                    }
                    _ => None,
                },
                _ => None,
            }
        }
        SetExpr::Query(inner) => single_row(inner),
        _ => None,
    };
    by_body.or_else(|| single_row_limit(query))
}

/// `LIMIT 0`, `LIMIT 1` or `LIMIT ?N` (whose value is then checked).
fn single_row_limit(query: &Query) -> Option<Vec<usize>> {
    let limit = match query.limit_clause.as_ref()? {
        LimitClause::LimitOffset {
            limit: Some(limit), ..
        }
        | LimitClause::OffsetCommaLimit { limit, .. } => limit,
        LimitClause::LimitOffset { limit: None, .. } => return None,
    };
    let Expr::Value(value) = limit else {
        return None;
    };
    match &value.value {
        Value::Number(number, _) if number == "0" || number == "1" => Some(Vec::new()),
        Value::Placeholder(text) => {
            let number: usize = text.strip_prefix('?')?.parse().ok()?;
            Some(vec![number.checked_sub(1)?])
        }
        _ => None,
    }
}

/// Whether `select` has a `GROUP BY`.
fn groups(select: &Select) -> bool {
    match &select.group_by {
        GroupByExpr::Expressions(expressions, modifiers) => {
            !expressions.is_empty() || !modifiers.is_empty()
        }
        GroupByExpr::All(_) => true,
    }
}

/// The columns a lateral's subquery yields, by the names MySQL gives them, and whether each is
/// JSON. The names of a set operation are its first select's.
fn yielded_columns(query: &Query) -> Result<Vec<(String, bool)>, ForgeSqlError> {
    let mut body = query.body.as_ref();
    let select = loop {
        match body {
            SetExpr::Select(select) => break select,
            SetExpr::Query(inner) => body = inner.body.as_ref(),
            SetExpr::SetOperation { left, .. } => body = left.as_ref(),
            _ => return Err(refused("its subquery is not a SELECT")),
        }
    };
    select
        .projection
        .iter()
        .map(|item| match item {
            SelectItem::ExprWithAlias { expr, alias } => {
                Ok((alias.value.clone(), is_json_valued(expr)))
            }
            SelectItem::UnnamedExpr(Expr::Identifier(name)) => Ok((name.value.clone(), false)),
            SelectItem::UnnamedExpr(Expr::CompoundIdentifier(parts)) => parts
                .last()
                .map(|name| (name.value.clone(), false))
                .ok_or_else(|| refused("its subquery selects an empty name")),
            _ => Err(refused(
                "its subquery selects `*` or an expression without a name; name each (AS name)",
            )),
        })
        .collect()
}
