//! Forge SQL's MySQL, rewritten for SQLite.
//!
//! Forge SQL is TiDB: apps write MySQL. Kiln stores an installation's tables in SQLite, so each
//! statement is parsed as MySQL (sqlparser's `MySqlDialect`), refused unless it is of a kind
//! listed below, and its tree is rewritten and printed as SQLite. Refusing by kind on a parsed
//! tree, not on text, is what keeps the list honest: a comment, a string or a quoted name can
//! not make one kind of statement look like another.
//!
//! The parser is not the security boundary; the database is ([`super::database`]): it prepares
//! exactly one statement per text and its authorizer refuses attaching files, pragmas, virtual
//! tables, triggers and views whatever text reaches it. This module's job is fidelity and clear
//! errors.
//!
//! # What runs
//! - `SELECT` (with joins, subqueries, `WITH`, `UNION`, MySQL's `LIMIT offset, count`;
//!   `FOR UPDATE`/`FOR SHARE` are dropped: each statement runs alone in its own transaction);
//!   an expression selected without an alias is named as the app wrote it, as MySQL names it;
//! - `INSERT`, `REPLACE`, `UPDATE`, `DELETE`, in MySQL's forms (`writes.rs`);
//! - `CREATE TABLE [IF NOT EXISTS]` with MySQL's column types and options (`AUTO_INCREMENT`,
//!   `UNSIGNED`, `ENUM(…)`, generated columns (`AS (expr) [VIRTUAL | STORED]`),
//!   `CHARACTER SET`, `COLLATE`, `COMMENT`, `ON UPDATE CURRENT_TIMESTAMP`, table options such
//!   as `ENGINE=InnoDB`), a separate `PRIMARY KEY (id)`
//!   naming the `AUTO_INCREMENT` column, and inline `KEY`/`INDEX`/`UNIQUE KEY` definitions,
//!   which become `CREATE INDEX` statements run with the table; each sized type gets the CHECK
//!   that refuses what MySQL's strict mode refuses (`size_check`);
//! - `CREATE [UNIQUE] INDEX`, `DROP TABLE`, `DROP INDEX … ON …`, `TRUNCATE TABLE`;
//! - `ALTER TABLE … RENAME COLUMN | RENAME TO | ADD INDEX | ADD UNIQUE | DROP INDEX` as SQLite's
//!   own `ALTER TABLE`; `ADD COLUMN … [FIRST | AFTER c]`, `DROP COLUMN [IF EXISTS]`,
//!   `MODIFY | CHANGE COLUMN`, `ALTER COLUMN … SET | DROP DEFAULT`, `ADD | DROP PRIMARY KEY`,
//!   `ADD | DROP FOREIGN KEY` and `DROP CONSTRAINT` by rebuilding the table (`rebuild.rs`);
//!   and `RENAME TABLE`; TiDB's `ADD COLUMN | INDEX IF NOT EXISTS` and `DROP INDEX IF EXISTS`
//!   (`tidb_guards.rs`);
//! - `SHOW TABLES [LIKE …]` as a query of SQLite's schema; `DESCRIBE t`, `SHOW COLUMNS FROM t`,
//!   `SHOW CREATE TABLE t` and `SHOW INDEX FROM t` answered by the host in MySQL's shape
//!   (`show.rs`);
//! - `information_schema.TABLES`, `COLUMNS` and `STATISTICS` in a query, as subqueries of
//!   SQLite's schema (`information_schema.rs`), and `DATABASE()`.
//!
//! MySQL's expressions are rewritten by `expressions.rs`.
//!
//! # What differs from TiDB (docs/porting-forge-apps.md lists these for users)
//! - An `INSERT … SELECT … ON DUPLICATE KEY UPDATE` whose update holds a `?` counts each row
//!   it updates as changed, and moves its `ON UPDATE CURRENT_TIMESTAMP` columns, even where the
//!   values stay the same (`writes.rs` numbers placeholders only through `VALUES`).
//! - An `AUTO_INCREMENT` column is SQLite's `INTEGER PRIMARY KEY AUTOINCREMENT` (ids are never
//!   reused, as in MySQL), so it comes back as a number even when declared `BIGINT`, and must
//!   be the whole primary key.
//! - A table rebuild copies every row, where TiDB makes most of those changes online.
//! - Anything else SQLite's grammar lacks fails with SQLite's own message
//!   (`SQL_EXECUTION_ERROR`).

use std::fmt::Write as _;
use std::ops::ControlFlow;

use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, ColumnDef, ColumnOption, ColumnOptionDef,
    CreateIndex, CreateTable, DataType, EnumMember, Expr, FunctionArguments, Ident, JoinConstraint,
    JoinOperator, MySQLColumnPosition, ObjectName, ObjectNamePart, ObjectType, OrderBySort,
    RenameTableNameKind, SelectItem, SelectItemQualifiedWildcardKind, SetExpr, ShowCreateObject,
    ShowStatementFilter, ShowStatementFilterPosition, Statement, TableConstraint, TableFactor,
    Value, ValueWithSpan, VisitMut, VisitorMut,
};
use sqlparser::dialect::MySqlDialect;
use sqlparser::parser::Parser;

use super::aggregate_types::type_aggregates;
use super::columns::{Column, Dependencies, ON_UPDATE_NOW};
use super::error::ForgeSqlError;
use super::rebuild::{Change, Position, Rebuild};
use super::show::{self, Show};
use super::tidb_guards::{Guards, take_guards};
use super::token_places::significant_tokens;
use super::values::ColumnType;
use super::word_operators::respell_word_operators;
use super::writes::{self, InsertTarget};

/// What a statement returns, which decides the shape of Forge's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementKind {
    /// A query: `rows` is an array of row objects.
    Query,
    /// `INSERT`/`REPLACE`: `rows` is MySQL's result header, with `insertId`.
    Insert,
    /// `UPDATE`/`DELETE`: `rows` is MySQL's result header.
    Change,
    /// A schema change: `rows` is a result header that changed no rows.
    Schema,
}

/// One MySQL statement as the SQLite statements that do its work, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translated {
    /// What the statement returns.
    pub kind: StatementKind,
    /// What runs, in order; every `?` the app wrote is in the first (only schema statements
    /// produce more than one step, and they take no parameters).
    pub statements: Vec<Step>,
    /// The positions of a query's columns that MySQL types `JSON` (`JSON_OBJECT(…)`,
    /// `JSON_ARRAYAGG(…)`, `col->'$.a'`): Forge answers their JSON, not its text.
    pub json_columns: Vec<usize>,
    /// The positions of a query's aggregates over a column that MySQL types by the column
    /// (`SUM(price)` a `DECIMAL`), with the type ([`super::aggregate_types`]).
    pub aggregate_types: Vec<(usize, ColumnType)>,
    /// An `INSERT`'s (or `REPLACE`'s) table and named columns.
    pub insert: Option<InsertTarget>,
    /// The positions (from 0) of the bound values a `LATERAL` rewrite relies on being 0 or 1:
    /// the `LIMIT ?` that makes its subquery yield at most one row ([`super::lateral`]).
    pub single_row_limits: Vec<usize>,
    /// The tables a query's outer `FROM` (joins included) names, each as `(table, the name
    /// the statement calls it by)`: its alias, or its own name. SQLite traces a column only
    /// to its table; MySQL's answer also names the alias ([`super::answer::fields`]).
    pub tables: Vec<(String, String)>,
    /// What each item of a query's select list reads, in order, as far as the text says
    /// which alias a column comes through: which of two aliases of one table a column came
    /// by, which SQLite cannot say ([`Selected`]). It ends early at the first item whose
    /// columns the text cannot place (a derived table's `*`, a join `USING` columns).
    pub selected: Vec<Selected>,
}

/// One select-list item, as [`super::answer::fields`] places an answer's columns by it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selected {
    /// One column: a plain column read by a qualified name (`a.name`, `a.name AS x`) names
    /// its qualifier; anything else (`name`, an expression) none.
    One(Option<String>),
    /// Every column of the table the statement calls by this name (`a.*`, or one table of
    /// `*`), in the table's order.
    AllOf(String),
}

/// One step of a translated statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A SQLite statement.
    Sql(String),
    /// A table change SQLite's `ALTER TABLE` cannot make, made by rebuilding the table
    /// ([`super::rebuild`]).
    Rebuild(Rebuild),
    /// A query the host answers from the schema ([`super::show`]).
    Show(Show),
}

impl Step {
    fn map_text(self, restore: &dyn Fn(String) -> String) -> Step {
        match self {
            Step::Sql(text) => Step::Sql(restore(text)),
            Step::Rebuild(rebuild) => Step::Rebuild(rebuild.map_text(restore)),
            Step::Show(show) => Step::Show(show),
        }
    }
}

/// Which of `@forge/sql`'s calls sent a statement: `sql.prepare`/`executeRaw` (data) or
/// `sql.executeDDL` and its migration runner (schema).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// One statement, as Forge SQL runs per call.
    Data,
    /// One or more schema statements, run together: migrations written as one script
    /// (`DROP TABLE a; DROP TABLE b;`, a `CREATE TABLE` followed by its `CREATE INDEX`) run
    /// whole or not at all. A query cannot be one of several.
    Schema,
}

/// Parses MySQL text and writes it as SQLite: one statement, or several sent to the schema
/// endpoint.
pub fn translate(query: &str, endpoint: Endpoint) -> Result<Translated, ForgeSqlError> {
    translate_for(query, endpoint, &|_: &str| Vec::new(), &|_: &str| {
        Dependencies::default()
    })
}

/// A table's columns, by the table's name as the statement wrote it; the database answers
/// from its schema ([`super::columns`]).
pub(crate) type TableColumns<'a> = &'a dyn Fn(&str) -> Vec<Column>;

/// What determines a table's columns (its keys, its generated columns), by the table's name
/// as the statement wrote it ([`super::columns::table_dependencies`]).
pub(crate) type TableDependencies<'a> = &'a dyn Fn(&str) -> Dependencies;

/// [`translate`], with the schema's columns and keys: an `UPDATE` (or an upsert's update) sets
/// the `ON UPDATE CURRENT_TIMESTAMP` ones unless it sets them itself, dates written to date
/// columns are stored in MySQL's form, and a grouped query is held to `ONLY_FULL_GROUP_BY`.
pub(crate) fn translate_for(
    query: &str,
    endpoint: Endpoint,
    columns_of: TableColumns<'_>,
    dependencies_of: TableDependencies<'_>,
) -> Result<Translated, ForgeSqlError> {
    if query.contains('\0') {
        return Err(ForgeSqlError::invalid(
            "the statement holds a NUL character; pass such text as a bound parameter",
        ));
    }
    // TiDB's `ADD COLUMN IF NOT EXISTS` and its kin are not MySQL: their guard words are
    // taken out before parsing and applied to the parsed clauses (`tidb_guards.rs`).
    // `a MOD b` and `INTERVAL(n, …)` are MySQL that sqlparser does not read: respelt first
    // (`word_operators.rs`).
    let respelt = respell_word_operators(query);
    let query = respelt.as_deref().unwrap_or(query);
    let (text, guards) = match take_guards(query) {
        Some((text, guards)) => (std::borrow::Cow::Owned(text), guards),
        None => (std::borrow::Cow::Borrowed(query), Guards::default()),
    };
    let statements = Parser::parse_sql(&MySqlDialect {}, &text).map_err(|error| {
        // MySQL's `LOCK IN SHARE MODE`, which sqlparser does not read, is refused by TiDB.
        if holds_lock_in_share_mode(&text) {
            ForgeSqlError::tidb_noop("LOCK IN SHARE MODE")
        } else {
            ForgeSqlError::invalid(format!("the statement is not MySQL: {error}"))
        }
    })?;
    match (statements.len(), endpoint) {
        (0, _) => Err(ForgeSqlError::invalid("the query holds no statement")),
        (1, _) => statements.into_iter().next().map_or_else(
            || Err(ForgeSqlError::invalid("no statement")),
            |statement| translate_one(statement, columns_of, dependencies_of, &guards),
        ),
        (n, Endpoint::Data) => Err(ForgeSqlError::invalid(format!(
            "the query holds {n} statements; Forge SQL runs one per call (sql.executeDDL \
             takes several schema statements)"
        ))),
        (_, Endpoint::Schema) => {
            let mut all = Vec::new();
            for statement in statements {
                let translated = translate_one(statement, columns_of, dependencies_of, &guards)?;
                if translated.kind == StatementKind::Query {
                    return Err(ForgeSqlError::invalid(
                        "a query cannot be one of several statements; send it alone",
                    ));
                }
                all.extend(translated.statements);
            }
            Ok(Translated {
                kind: StatementKind::Schema,
                statements: all,
                json_columns: Vec::new(),
                aggregate_types: Vec::new(),
                insert: None,
                single_row_limits: Vec::new(),
                tables: Vec::new(),
                selected: Vec::new(),
            })
        }
    }
}

/// Whether `text` holds the words `LOCK IN SHARE MODE`, read as tokens (so not inside a
/// string or a quoted name). Asked only of a statement that failed to parse.
fn holds_lock_in_share_mode(text: &str) -> bool {
    let Some(tokens) = significant_tokens(text) else {
        return false;
    };
    let wanted = ["LOCK", "IN", "SHARE", "MODE"];
    tokens.windows(wanted.len()).any(|window| {
        window.iter().zip(wanted).all(|(token, wanted)| {
            matches!(&token.token, sqlparser::tokenizer::Token::Word(word)
                if word.quote_style.is_none() && word.value.eq_ignore_ascii_case(wanted))
        })
    })
}

fn translate_one(
    mut statement: Statement,
    columns_of: TableColumns<'_>,
    dependencies_of: TableDependencies<'_>,
    guards: &Guards,
) -> Result<Translated, ForgeSqlError> {
    // On the statement as the app wrote it, before any rewrite changes how it prints.
    super::defined_values::check(&statement, columns_of, dependencies_of)?;
    let names = expression_names(&statement);
    // Before the laterals are copied: a JSON column nested in a JSON function is its document.
    super::json_column_values::nest_json_columns_as_documents(&mut statement, columns_of);
    // MySQL's `LATERAL` joins become scalar subqueries before anything reads the select list:
    // what they yield is typed as the subqueries are (`lateral.rs`).
    let single_row_limits = super::lateral::rewrite(&mut statement)?;
    let json_columns = json_columns(&statement);
    let mut literals = Literals::new();
    if let ControlFlow::Break(error) = statement.visit(&mut literals) {
        return Err(error);
    }
    name_expressions(&mut statement, names);
    unquote_selected_paths(&mut statement);
    super::number_functions::strict_division_in_writes(&mut statement);
    // Its error quotes the count as the app wrote it, string literals put back.
    super::limit_clauses::rewrite(&mut statement).map_err(|error| literals.restore_error(error))?;
    super::information_schema::rewrite(&mut statement)?;
    let mut aggregate_types = Vec::new();
    let mut tables = Vec::new();
    let mut selected = Vec::new();
    let (kind, statements) = match statement {
        Statement::Query(mut query) => {
            // Row locks mean nothing to a statement that is its own transaction, and SQLite
            // has no syntax for them.
            query.locks.clear();
            // A date column of the one table queried compares with text as a date.
            if let SetExpr::Select(select) = query.body.as_mut()
                && let [only] = select.from.as_slice()
                && only.joins.is_empty()
                && let TableFactor::Table { name, .. } = &only.relation
                && let Some(selection) = select.selection.as_mut()
            {
                writes::dates_in_comparisons(&columns_of(&name.to_string()), selection);
            }
            if let SetExpr::Select(select) = query.body.as_mut() {
                aggregate_types = type_aggregates(select, columns_of);
                tables = tables_named(select);
                selected = selected_by(select);
            }
            (StatementKind::Query, vec![query.to_string()])
        }
        Statement::Insert(insert) => {
            let (text, mut target) = writes::insert(insert, columns_of)?;
            // The rows' offset in the text once its string literals are put back.
            target.values_at = target
                .values_at
                .and_then(|at| text.get(..at))
                .map(|head| literals.restore(head.to_owned()).len());
            let mut translated = finish(
                StatementKind::Insert,
                vec![Step::Sql(text)],
                &literals,
                json_columns,
            );
            translated.insert = Some(target);
            return Ok(translated);
        }
        Statement::Update(update) => (
            StatementKind::Change,
            vec![writes::update(update, columns_of)?],
        ),
        Statement::Delete(delete) => (
            StatementKind::Change,
            vec![writes::delete(delete, columns_of)?],
        ),
        Statement::CreateTable(create) => (
            StatementKind::Schema,
            create_table(create).map_err(|error| literals.restore_error(error))?,
        ),
        Statement::CreateIndex(create) => (
            StatementKind::Schema,
            vec![create_index(&create).map_err(|error| literals.restore_error(error))?],
        ),
        // Kiln's databases hold no sequence (`CREATE SEQUENCE` is refused), so `DROP SEQUENCE
        // IF EXISTS`, which forge-sql-orm's drop-everything web trigger sends after each
        // table, finds none.
        Statement::Drop {
            object_type: ObjectType::Sequence,
            if_exists: true,
            ..
        } => no_effect(),
        Statement::Drop {
            object_type,
            if_exists,
            names,
            temporary,
            table,
            ..
        } => {
            if temporary {
                return Err(refused("DROP TEMPORARY TABLE"));
            }
            let what = match object_type {
                ObjectType::Table => "TABLE",
                ObjectType::Index => "INDEX",
                other => return Err(refused(&format!("DROP {other}"))),
            };
            // MySQL's `DROP INDEX i ON t` names the table, whose keys say whether `i` is an
            // index SQLite keeps apart or a unique key of the table's own definition
            // ([`Change::DropIndex`]).
            if let (ObjectType::Index, Some(table)) = (object_type, &table) {
                let steps = names
                    .iter()
                    .map(|name| {
                        Step::Rebuild(Rebuild::new(
                            object_last_name(table),
                            Change::DropIndex {
                                name: object_last_name(name),
                                if_exists,
                            },
                        ))
                    })
                    .collect();
                return Ok(finish(
                    StatementKind::Schema,
                    steps,
                    &literals,
                    json_columns,
                ));
            }
            let if_exists = if if_exists { " IF EXISTS" } else { "" };
            // SQLite drops one object per statement.
            let drops = names
                .iter()
                .map(|name| format!("DROP {what}{if_exists} {name}"))
                .collect();
            (StatementKind::Schema, drops)
        }
        Statement::Truncate(truncate) => {
            let mut drops = Vec::new();
            for target in &truncate.table_names {
                let name = &target.name;
                drops.push(format!("DELETE FROM {name}"));
                // MySQL restarts AUTO_INCREMENT on TRUNCATE; SQLite keeps its counter in
                // sqlite_sequence, which exists once any AUTOINCREMENT table does.
                drops.push(format!(
                    "DELETE FROM sqlite_sequence WHERE name = {}",
                    sqlite_string(&object_last_name(name))
                ));
            }
            (StatementKind::Schema, drops)
        }
        // Session settings migrations and dumps carry (`SET NAMES utf8mb4`, `SET
        // FOREIGN_KEY_CHECKS = 0`): accepted, and change nothing (foreign keys are never enforced, as on Forge SQL).
        Statement::Set(set) if is_harmless_setting(&set.to_string()) => no_effect(),
        // MySQL's `RENAME TABLE a TO b[, c TO d]`.
        Statement::RenameTable(renames) => (
            StatementKind::Schema,
            renames
                .iter()
                .map(|rename| {
                    format!(
                        "ALTER TABLE {} RENAME TO {}",
                        rename.old_name, rename.new_name
                    )
                })
                .collect(),
        ),
        // MySQL's account of the schema, which tools and migrations read.
        Statement::ShowTables { show_options, .. } => {
            let like = match &show_options.filter_position {
                Some(
                    ShowStatementFilterPosition::Infix(ShowStatementFilter::Like(pattern))
                    | ShowStatementFilterPosition::Suffix(ShowStatementFilter::Like(pattern)),
                ) => Some(pattern.as_str()),
                None => None,
                Some(_) => return Err(refused("SHOW TABLES WHERE")),
            };
            (StatementKind::Query, vec![show::tables_query(like)])
        }
        statement @ (Statement::ShowColumns { .. }
        | Statement::ShowCreate { .. }
        | Statement::ExplainTable { .. }
        | Statement::ShowVariable { .. }) => {
            let show = Step::Show(host_answered(statement)?);
            return Ok(finish(
                StatementKind::Query,
                vec![show],
                &literals,
                json_columns,
            ));
        }
        Statement::AlterTable(alter) => {
            let table = alter.name.to_string();
            let bare = object_last_name(&alter.name);
            let has_column = |name: &str| {
                columns_of(&table)
                    .iter()
                    .any(|column| column.name.eq_ignore_ascii_case(name))
            };
            let mut out = Vec::new();
            for operation in alter.operations {
                // TiDB's `ADD COLUMN IF NOT EXISTS c` of a column the table has does nothing.
                if let AlterTableOperation::AddColumn { column_def, .. } = &operation
                    && guards.adds_column_if_missing(&bare, &column_def.name.value)
                    && has_column(&column_def.name.value)
                {
                    continue;
                }
                let index_guarded = match &operation {
                    AlterTableOperation::AddConstraint {
                        constraint: TableConstraint::Index(index),
                        ..
                    } => index
                        .name
                        .as_ref()
                        .is_some_and(|name| guards.adds_index_if_missing(&bare, &name.value)),
                    AlterTableOperation::AddConstraint {
                        constraint: TableConstraint::Unique(unique),
                        ..
                    } => unique
                        .name
                        .as_ref()
                        .or(unique.index_name.as_ref())
                        .is_some_and(|name| guards.adds_index_if_missing(&bare, &name.value)),
                    AlterTableOperation::DropIndex { name } => {
                        guards.drops_index_if_present(&bare, &name.value)
                    }
                    _ => false,
                };
                // TiDB's `DROP COLUMN IF EXISTS c` of a column the table lacks does nothing.
                if let AlterTableOperation::DropColumn {
                    column_names,
                    if_exists: true,
                    ..
                } = &operation
                {
                    let columns = columns_of(&table);
                    if !column_names.iter().any(|name| {
                        columns
                            .iter()
                            .any(|column| column.name.eq_ignore_ascii_case(&name.value))
                    }) {
                        continue;
                    }
                }
                let mut steps = alter_operation(&table, &alter.name, operation)
                    .map_err(|error| literals.restore_error(error))?;
                if index_guarded {
                    // SQLite's own guards, on the index statements the clause became.
                    for step in &mut steps {
                        match step {
                            Step::Sql(text) => *text = guarded_index_statement(text),
                            Step::Rebuild(Rebuild {
                                change: Change::DropIndex { if_exists, .. },
                                ..
                            }) => *if_exists = true,
                            Step::Rebuild(_) | Step::Show(_) => {}
                        }
                    }
                }
                out.extend(steps);
            }
            if out.is_empty() {
                // Every clause was guarded and found nothing to do.
                let (kind, steps) = no_effect();
                out = steps.into_iter().map(Step::Sql).collect();
                return Ok(finish(kind, out, &literals, json_columns));
            }
            return Ok(finish(StatementKind::Schema, out, &literals, json_columns));
        }
        other => return Err(refused_statement(&other)),
    };
    let statements = statements.into_iter().map(Step::Sql).collect();
    let mut translated = finish(kind, statements, &literals, json_columns);
    translated.aggregate_types = aggregate_types;
    translated.single_row_limits = single_row_limits;
    translated.tables = tables;
    translated.selected = selected;
    Ok(translated)
}

/// What each item of `select`'s list reads ([`Translated::selected`]), up to the first item
/// whose columns' places the text does not give.
fn selected_by(select: &sqlparser::ast::Select) -> Vec<Selected> {
    let mut selected = Vec::with_capacity(select.projection.len());
    for item in &select.projection {
        match item {
            SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. } => {
                selected.push(Selected::One(match expr {
                    // `t.c`, or `db.t.c`: the part before the column's name.
                    Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
                        parts.get(parts.len() - 2).map(|part| part.value.clone())
                    }
                    _ => None,
                }));
            }
            // `a.*`, `db.a.*`: the table is the last part before the star.
            SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(name), _) => {
                match name.0.last().and_then(ObjectNamePart::as_ident) {
                    Some(called) => selected.push(Selected::AllOf(called.value.clone())),
                    None => break,
                }
            }
            // `*` is every relation's columns in `FROM` order, when each is a table: a
            // derived table's columns are not a table's, and a join `USING` (or `NATURAL`)
            // shows its shared columns once, so where the others start is not in the text.
            SelectItem::Wildcard(_) => {
                let tables = tables_named(select);
                let all_tables = tables.len() == from_relations(select).count();
                let merging = select
                    .from
                    .iter()
                    .flat_map(|from| &from.joins)
                    .any(|join| merges_columns(&join.join_operator));
                if !all_tables || merging {
                    break;
                }
                selected.extend(
                    tables
                        .into_iter()
                        .map(|(_, called)| Selected::AllOf(called)),
                );
            }
            // A wildcard over an expression, or one item's several names: places the text
            // does not give.
            SelectItem::QualifiedWildcard(..) | SelectItem::ExprWithAliases { .. } => break,
        }
    }
    selected
}

/// Whether a join matches by shared names (`USING`, `NATURAL`): it shows the columns it
/// joins on once rather than each table's copy, so `*` is not each table's columns in turn,
/// and a name it shares may be a lateral's column ([`super::lateral`]).
pub(super) fn merges_columns(operator: &JoinOperator) -> bool {
    let constraint = match operator {
        JoinOperator::Join(constraint)
        | JoinOperator::Inner(constraint)
        | JoinOperator::Left(constraint)
        | JoinOperator::LeftOuter(constraint)
        | JoinOperator::Right(constraint)
        | JoinOperator::RightOuter(constraint)
        | JoinOperator::FullOuter(constraint)
        | JoinOperator::CrossJoin(constraint)
        | JoinOperator::Semi(constraint)
        | JoinOperator::LeftSemi(constraint)
        | JoinOperator::RightSemi(constraint)
        | JoinOperator::Anti(constraint)
        | JoinOperator::LeftAnti(constraint)
        | JoinOperator::RightAnti(constraint)
        | JoinOperator::StraightJoin(constraint)
        | JoinOperator::AsOf { constraint, .. } => constraint,
        JoinOperator::CrossApply
        | JoinOperator::OuterApply
        | JoinOperator::ArrayJoin
        | JoinOperator::LeftArrayJoin
        | JoinOperator::InnerArrayJoin => return false,
    };
    matches!(
        constraint,
        JoinConstraint::Using(_) | JoinConstraint::UsingAlias(..) | JoinConstraint::Natural
    )
}

/// The tables `select`'s `FROM` names, joins included, each with the name the statement
/// calls it by ([`Translated::tables`]). Derived tables and table functions have no table of
/// their own and are left out.
fn tables_named(select: &sqlparser::ast::Select) -> Vec<(String, String)> {
    from_relations(select)
        .filter_map(|relation| match relation {
            TableFactor::Table { name, alias, .. } => {
                // The last part: `db.t` is table `t` (Forge has one database per installation).
                let table = name.0.last()?.as_ident()?.value.clone();
                let called = alias
                    .as_ref()
                    .map_or_else(|| table.clone(), |alias| alias.name.value.clone());
                Some((table, called))
            }
            _ => None,
        })
        .collect()
}

/// What `select`'s `FROM` reads, joins included, in order: the one walk of a `FROM` that
/// [`tables_named`], the aggregate types and the JSON column rewrite resolve names by.
pub(crate) fn from_relations(
    select: &sqlparser::ast::Select,
) -> impl Iterator<Item = &TableFactor> {
    select.from.iter().flat_map(|from| {
        std::iter::once(&from.relation).chain(from.joins.iter().map(|join| &join.relation))
    })
}

/// An index statement the dialect wrote (`CREATE [UNIQUE] INDEX …`, `DROP INDEX …`) with
/// SQLite's `IF NOT EXISTS` or `IF EXISTS`.
fn guarded_index_statement(text: &str) -> String {
    for (plain, guarded) in [
        ("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS "),
        ("CREATE UNIQUE INDEX ", "CREATE UNIQUE INDEX IF NOT EXISTS "),
        ("DROP INDEX ", "DROP INDEX IF EXISTS "),
    ] {
        if let Some(rest) = text.strip_prefix(plain) {
            return format!("{guarded}{rest}");
        }
    }
    text.to_owned()
}

/// The statement the host answers from the schema ([`super::show`]): `SHOW COLUMNS FROM t`,
/// `DESCRIBE t` (`EXPLAIN t`) and `SHOW CREATE TABLE t`.
fn host_answered(statement: Statement) -> Result<Show, ForgeSqlError> {
    match statement {
        Statement::ShowColumns { show_options, .. } => {
            let table = show_options
                .show_in
                .as_ref()
                .and_then(|show_in| show_in.parent_name.as_ref())
                .ok_or_else(|| ForgeSqlError::invalid("SHOW COLUMNS needs FROM the table"))?;
            if show_options.filter_position.is_some() {
                return Err(refused("SHOW COLUMNS LIKE"));
            }
            Ok(Show::Columns(object_last_name(table)))
        }
        Statement::ShowCreate {
            obj_type: ShowCreateObject::Table,
            obj_name,
        } => Ok(Show::CreateTable(object_last_name(&obj_name))),
        Statement::ExplainTable { table_name, .. } => {
            Ok(Show::Columns(object_last_name(&table_name)))
        }
        // sqlparser reads `SHOW INDEX FROM t [FROM db]` as a list of words.
        Statement::ShowVariable { variable } => match variable.as_slice() {
            [kind, from, table, rest @ ..]
                if ["INDEX", "INDEXES", "KEYS"]
                    .iter()
                    .any(|word| kind.value.eq_ignore_ascii_case(word))
                    && ["FROM", "IN"]
                        .iter()
                        .any(|word| from.value.eq_ignore_ascii_case(word))
                    // Nothing more, or `FROM db`: an installation has one database.
                    && matches!(rest.len(), 0 | 2) =>
            {
                Ok(Show::Indexes(table.value.clone()))
            }
            _ => Err(refused_statement(&Statement::ShowVariable { variable })),
        },
        other => Err(refused_statement(&other)),
    }
}

/// The translation, with the string literals put back into every step's text.
fn finish(
    kind: StatementKind,
    steps: Vec<Step>,
    literals: &Literals,
    json_columns: Vec<usize>,
) -> Translated {
    let restore = |text: String| literals.restore(text);
    Translated {
        kind,
        statements: steps
            .into_iter()
            .map(|step| step.map_text(&restore))
            .collect(),
        json_columns,
        aggregate_types: Vec::new(),
        insert: None,
        single_row_limits: Vec::new(),
        tables: Vec::new(),
        selected: Vec::new(),
    }
}

/// MySQL names a selected expression without an alias by its text (`CHAR_LENGTH(name)`,
/// `COUNT(*)`), and apps read rows by those names. SQLite names it by the text it ran, which
/// after the rewrites is another (`length(name)`), so each such expression of the outer
/// `SELECT` is named, before any rewrite, as the app wrote it (spacing as sqlparser prints).
fn expression_names(statement: &Statement) -> Vec<Option<String>> {
    let Some(select) = outer_select(statement) else {
        return Vec::new();
    };
    select
        .projection
        .iter()
        .map(|item| match item {
            SelectItem::UnnamedExpr(
                Expr::Identifier(_) | Expr::CompoundIdentifier(_) | Expr::Value(_),
            ) => None,
            SelectItem::UnnamedExpr(expr) => Some(expr.to_string()),
            _ => None,
        })
        .collect()
}

/// MySQL's functions and operators whose value is of type `JSON`.
const JSON_VALUED: &[&str] = &[
    "json_object",
    "json_array",
    "json_arrayagg",
    "json_objectagg",
    "json_extract",
    "json_merge_patch",
    "json_merge_preserve",
    "json_set",
    "json_insert",
    "json_replace",
    "json_remove",
    "json_keys",
    "json_array_append",
    "json_search",
];

/// The positions of the outer `SELECT`'s JSON-valued expressions, up to its first `*` (whose
/// width the text does not tell).
fn json_columns(statement: &Statement) -> Vec<usize> {
    let Some(select) = outer_select(statement) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (index, item) in select.projection.iter().enumerate() {
        let expr = match item {
            SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. } => expr,
            _ => break,
        };
        if is_json_valued(expr) {
            out.push(index);
        }
    }
    out
}

/// Whether MySQL types `expr`'s value JSON: a JSON function's, `->`'s, and a choice between
/// JSON values (`COALESCE`, `IFNULL`, `IF`, `CASE`, `NULL` aside) or a scalar subquery of one,
/// which is how ORMs nest rows (`(SELECT COALESCE(JSON_ARRAYAGG(…), JSON_ARRAY()) …)`).
pub(super) fn is_json_valued(expr: &Expr) -> bool {
    let json_or_null = |expr: &Expr| {
        is_json_valued(expr) || matches!(expr, Expr::Value(v) if v.value == Value::Null)
    };
    match expr {
        Expr::Nested(inner) => is_json_valued(inner),
        Expr::Cast {
            data_type: DataType::JSON,
            ..
        } => true,
        Expr::BinaryOp { op, .. } => matches!(op, sqlparser::ast::BinaryOperator::Arrow),
        Expr::Function(function) => {
            let name = function.name.to_string().to_ascii_lowercase();
            if JSON_VALUED.contains(&name.as_str()) {
                return true;
            }
            let FunctionArguments::List(list) = &function.args else {
                return false;
            };
            let args: Vec<&Expr> = list
                .args
                .iter()
                .filter_map(|arg| match arg {
                    sqlparser::ast::FunctionArg::Unnamed(
                        sqlparser::ast::FunctionArgExpr::Expr(expr),
                    ) => Some(expr),
                    _ => None,
                })
                .collect();
            let choices = match name.as_str() {
                "coalesce" | "ifnull" => &args[..],
                "if" if args.len() == 3 => &args[1..],
                _ => return false,
            };
            choices.iter().any(|expr| is_json_valued(expr))
                && choices.iter().all(|expr| json_or_null(expr))
        }
        Expr::Case {
            conditions,
            else_result,
            ..
        } => {
            let results: Vec<&Expr> = conditions
                .iter()
                .map(|when| &when.result)
                .chain(else_result.as_deref())
                .collect();
            results.iter().any(|expr| is_json_valued(expr))
                && results.iter().all(|expr| json_or_null(expr))
        }
        Expr::Subquery(query) => match query.body.as_ref() {
            SetExpr::Select(select) => match select.projection.as_slice() {
                [SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. }] => {
                    is_json_valued(expr)
                }
                _ => false,
            },
            _ => false,
        },
        _ => false,
    }
}

fn name_expressions(statement: &mut Statement, names: Vec<Option<String>>) {
    let Statement::Query(query) = statement else {
        return;
    };
    let SetExpr::Select(select) = query.body.as_mut() else {
        return;
    };
    for (item, name) in select.projection.iter_mut().zip(names) {
        if let (Some(name), SelectItem::UnnamedExpr(expr)) = (name, &mut *item) {
            let expr = std::mem::replace(expr, Expr::Value(Value::Null.into()));
            // A double-quoted name: sqlparser doubles any `"` inside it, SQLite's only escape.
            *item = SelectItem::ExprWithAlias {
                expr,
                alias: Ident::with_quote('"', name),
            };
        }
    }
}

/// A path's unquoted value selected as it is (`SELECT doc->>'$.n'`) is text in MySQL, as
/// `JSON_UNQUOTE` makes it (`"2"`, `"true"`, `"null"`); SQLite's `->>` gives its SQL value
/// (`2`, `1`, `NULL`), which is what a comparison needs, so only a selected one is written
/// `json_unquote(doc -> '$.n')`.
fn unquote_selected_paths(statement: &mut Statement) {
    let Statement::Query(query) = statement else {
        return;
    };
    let SetExpr::Select(select) = query.body.as_mut() else {
        return;
    };
    for item in &mut select.projection {
        let (SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. }) = item else {
            continue;
        };
        let mut inner = &mut *expr;
        while let Expr::Nested(nested) = inner {
            inner = nested.as_mut();
        }
        if let Expr::BinaryOp { op, .. } = inner
            && *op == sqlparser::ast::BinaryOperator::LongArrow
        {
            *op = sqlparser::ast::BinaryOperator::Arrow;
            let path = std::mem::replace(inner, Expr::Value(Value::Null.into()));
            *inner = super::expressions::call("json_unquote", vec![path]);
        }
    }
}

fn outer_select(statement: &Statement) -> Option<&sqlparser::ast::Select> {
    let Statement::Query(query) = statement else {
        return None;
    };
    match query.body.as_ref() {
        SetExpr::Select(select) => Some(select),
        _ => None,
    }
}

/// A schema statement MySQL accepts that changes nothing in Kiln's database: one SQLite
/// statement that reads nothing and answers the result header.
fn no_effect() -> (StatementKind, Vec<String>) {
    (StatementKind::Schema, vec!["SELECT 1 LIMIT 0".to_owned()])
}

/// `SET` statements Kiln accepts and ignores: character sets (SQLite keeps UTF-8), the
/// session's foreign-key, unique-key and SQL-mode switches.
fn is_harmless_setting(text: &str) -> bool {
    let text = text.to_ascii_lowercase();
    let rest = text
        .trim_start_matches("set")
        .trim_start()
        .trim_start_matches("session ")
        .trim_start_matches("@@session.")
        .trim_start_matches("@@");
    [
        "names",
        "character set",
        "charset",
        "foreign_key_checks",
        "unique_checks",
        "sql_mode",
    ]
    .iter()
    .any(|name| rest.starts_with(name))
}

/// [`refused`], naming the statement by its first two words.
fn refused_statement(statement: &Statement) -> ForgeSqlError {
    let text = statement.to_string();
    let kind: String = text
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    refused(&kind)
}

fn refused(kind: &str) -> ForgeSqlError {
    ForgeSqlError::invalid(format!(
        "{kind} statements are not run by Kiln's Forge SQL (SELECT, INSERT, REPLACE, UPDATE, \
         DELETE, CREATE TABLE, CREATE INDEX, ALTER TABLE, RENAME TABLE, DROP TABLE, DROP INDEX, \
         TRUNCATE, SHOW TABLES, SHOW COLUMNS, SHOW CREATE TABLE, SHOW INDEX and DESCRIBE are)"
    ))
}

/// String literals, taken out of the tree before it is printed and put back as SQLite
/// literals. sqlparser prints a string by doubling quotes it judges unescaped, and takes a
/// backslash before a quote as an escape, so a value holding `\'` or `''` would print as a
/// different value. Each literal becomes a placeholder named with a per-call random nonce the
/// statement cannot know, and [`Literals::restore`] writes it back, quotes doubled, the only
/// escape SQLite has.
struct Literals {
    nonce: String,
    values: Vec<String>,
}

impl Literals {
    fn new() -> Self {
        Literals {
            nonce: format!("{:032x}", rand::random::<u128>()),
            values: Vec::new(),
        }
    }

    fn prefix(&self) -> String {
        format!("__kiln_literal_{}_", self.nonce)
    }

    fn marker(&self, index: usize) -> String {
        format!("{}{index}__", self.prefix())
    }

    /// `error` with the literals its message quotes from the tree put back.
    fn restore_error(&self, error: ForgeSqlError) -> ForgeSqlError {
        ForgeSqlError {
            message: self.restore(error.message),
            ..error
        }
    }

    /// `text` with every marker replaced by its literal, in one pass over the text (a
    /// `replace` per literal would scan a bulk `INSERT … VALUES` once per value).
    fn restore(&self, text: String) -> String {
        if self.values.is_empty() {
            return text;
        }
        let prefix = self.prefix();
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(start) = rest.find(&prefix) {
            out.push_str(&rest[..start]);
            let after = &rest[start + prefix.len()..];
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            let value = after[..digits]
                .parse::<usize>()
                .ok()
                .and_then(|index| self.values.get(index))
                .filter(|_| after[digits..].starts_with("__"));
            match value {
                Some(value) => {
                    out.push_str(&sqlite_string(value));
                    rest = &after[digits + 2..];
                }
                // Not a marker Kiln wrote (the nonce makes this unreachable for guest
                // text): kept as it is.
                None => {
                    out.push_str(&prefix);
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }
}

impl VisitorMut for Literals {
    type Break = ForgeSqlError;

    fn pre_visit_value(&mut self, value: &mut ValueWithSpan) -> ControlFlow<ForgeSqlError> {
        let text = match &mut value.value {
            // MySQL reads "…" as a string unless ANSI_QUOTES is set, and TiDB does not set it.
            Value::SingleQuotedString(text)
            | Value::DoubleQuotedString(text)
            | Value::NationalStringLiteral(text) => std::mem::take(text),
            Value::Number(..)
            | Value::Boolean(_)
            | Value::Null
            | Value::Placeholder(_)
            | Value::HexStringLiteral(_) => return ControlFlow::Continue(()),
            other => {
                return ControlFlow::Break(ForgeSqlError::invalid(format!(
                    "the literal {other} is of a form Kiln's Forge SQL does not read; pass it \
                     as a bound parameter"
                )));
            }
        };
        value.value = Value::Placeholder(self.marker(self.values.len()));
        self.values.push(text);
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<ForgeSqlError> {
        // MySQL accepts `CURRENT_TIMESTAMP()`; in SQLite these are keywords that take no
        // parentheses.
        if let Expr::Function(function) = expr
            && let FunctionArguments::List(list) = &function.args
            && list.args.is_empty()
            && ["CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME"]
                .iter()
                .any(|name| function.name.to_string().eq_ignore_ascii_case(name))
        {
            function.args = FunctionArguments::None;
        }
        // `CURRENT_TIMESTAMP(3)` (how ORMs declare a `DATETIME(3)` column's default) is
        // MySQL's `NOW(3)`; SQLite's keyword takes no precision.
        if let Expr::Function(function) = expr
            && let FunctionArguments::List(list) = &function.args
            && list.args.len() == 1
            && ["CURRENT_TIMESTAMP", "LOCALTIME", "LOCALTIMESTAMP"]
                .iter()
                .any(|name| function.name.to_string().eq_ignore_ascii_case(name))
        {
            function.name = ObjectName::from(vec![Ident::new("now")]);
        }
        // Before the children are visited: the children of what is rewritten are then visited
        // (their literals taken, their own forms rewritten) in their new place.
        super::expressions::rewrite(expr)
    }

    fn pre_visit_query(&mut self, query: &mut sqlparser::ast::Query) -> ControlFlow<ForgeSqlError> {
        super::expressions::order_json_as_values(query);
        match query.body.as_mut() {
            SetExpr::Select(select) => {
                // `FROM DUAL` is MySQL's "no table"; SQLite's is to name none.
                if let [only] = select.from.as_slice()
                    && only.joins.is_empty()
                    && matches!(&only.relation, TableFactor::Table { name, .. }
                        if name.to_string().eq_ignore_ascii_case("dual"))
                {
                    select.from.clear();
                }
                // `SELECT SQL_CALC_FOUND_ROWS …` is refused by TiDB; the other modifiers
                // (`HIGH_PRIORITY`, `STRAIGHT_JOIN`, `SQL_SMALL_RESULT`, `SQL_NO_CACHE`, …)
                // steer MySQL's planner or cache and change no answer.
                if let Some(modifiers) = &select.select_modifiers {
                    if modifiers.sql_calc_found_rows {
                        return ControlFlow::Break(ForgeSqlError::tidb_noop("SQL_CALC_FOUND_ROWS"));
                    }
                    select.select_modifiers = None;
                }
                // `STRAIGHT_JOIN` is an inner join that fixes the join order, which only
                // steers MySQL's planner.
                for table in &mut select.from {
                    for join in &mut table.joins {
                        if let sqlparser::ast::JoinOperator::StraightJoin(constraint) =
                            &join.join_operator
                        {
                            join.join_operator =
                                sqlparser::ast::JoinOperator::Inner(constraint.clone());
                        }
                    }
                }
            }
            // `VALUES ROW(…), ROW(…)` is `VALUES (…), (…)`.
            SetExpr::Values(values) => values.explicit_row = false,
            _ => {}
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<ForgeSqlError> {
        // `USE | FORCE | IGNORE INDEX (…)` steer MySQL's planner and change no answer; SQLite
        // has no such syntax.
        if let TableFactor::Table {
            index_directives, ..
        } = factor
        {
            index_directives.clear();
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_ident(&mut self, ident: &mut Ident) -> ControlFlow<ForgeSqlError> {
        // sqlparser doubles the quote character inside a quoted name by the same judgement as
        // for strings; a name holding its own quote is refused rather than risked.
        if let Some(quote) = ident.quote_style
            && ident.value.contains(quote)
        {
            return ControlFlow::Break(ForgeSqlError::invalid(format!(
                "the quoted name {:?} holds its own quote character",
                ident.value
            )));
        }
        // A name MySQL lets an app write bare that SQLite reserves (a `commit` column) is
        // quoted, as the app would have had to quote it for SQLite.
        if ident.quote_style.is_none()
            && SQLITE_ONLY_RESERVED
                .iter()
                .any(|word| ident.value.eq_ignore_ascii_case(word))
        {
            ident.quote_style = Some('`');
        }
        ControlFlow::Continue(())
    }
}

/// Words SQLite reserves (they cannot name a table or column unquoted, even where its grammar
/// would fall back to a name) that MySQL and TiDB do not, so an app may write them bare.
/// MySQL's own reserved words (`ORDER`, `EXCEPT`, …) are not here: an app quotes those anyway.
const SQLITE_ONLY_RESERVED: &[&str] = &[
    "autoincrement",
    "cast",
    "commit",
    "deferrable",
    "escape",
    "isnull",
    "nothing",
    "notnull",
    "raise",
    "returning",
    "transaction",
];

/// A SQLite string literal: quotes doubled, nothing else escaped.
pub(crate) fn sqlite_string(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

fn object_last_name(name: &ObjectName) -> String {
    name.0
        .last()
        .and_then(|part| part.as_ident())
        .map(|ident| ident.value.clone())
        .unwrap_or_else(|| name.to_string())
}

fn create_table(create: CreateTable) -> Result<Vec<String>, ForgeSqlError> {
    if create.temporary {
        return Err(refused("CREATE TEMPORARY TABLE"));
    }
    if create.query.is_some() || create.like.is_some() || create.clone.is_some() {
        return Err(ForgeSqlError::invalid(
            "CREATE TABLE … AS SELECT and CREATE TABLE … LIKE are not run by Kiln's Forge SQL; \
             declare the columns",
        ));
    }
    let table = create.name.to_string();
    let mut parts = Vec::new();
    let mut indexes = Vec::new();
    // The MySQL names of the table's keys so far, which an unnamed key's name must not take.
    let mut keys: Vec<String> = Vec::new();
    let auto_increment_columns: Vec<String> = create
        .columns
        .iter()
        .filter(|column| is_auto_increment(column))
        .map(|column| column.name.value.clone())
        .collect();
    for column in &create.columns {
        parts.push(column_definition(column)?);
    }
    for constraint in &create.constraints {
        match constraint {
            // MySQL declares plain indexes inside CREATE TABLE; SQLite creates them apart.
            TableConstraint::Index(index) => {
                let key = declared_key_name(index.name.as_ref(), &index.columns, &keys);
                let name = index_name(&table, &key);
                keys.push(key);
                let columns = index_columns(&index.columns)?;
                indexes.push(format!(
                    "CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})"
                ));
            }
            TableConstraint::Unique(unique) => {
                let columns = index_columns(&unique.columns)?;
                let named = unique.name.as_ref().or(unique.index_name.as_ref());
                keys.push(declared_key_name(named, &unique.columns, &keys));
                let name = named
                    .map(|name| format!("CONSTRAINT {name} "))
                    .unwrap_or_default();
                parts.push(format!("{name}UNIQUE ({columns})"));
            }
            // `id INT AUTO_INCREMENT, …, PRIMARY KEY (id)` (how drizzle-kit and `SHOW CREATE
            // TABLE` write it): the column is already SQLite's `INTEGER PRIMARY KEY`.
            TableConstraint::PrimaryKey(key)
                if key.columns.len() == 1
                    && auto_increment_columns
                        .iter()
                        .any(|column| index_names(&key.columns[0], column)) => {}
            TableConstraint::PrimaryKey(key) => {
                if let Some(column) = auto_increment_columns.first() {
                    return Err(ForgeSqlError::invalid(format!(
                        "the AUTO_INCREMENT column {column} must be the table's whole primary key \
                         in Kiln's Forge SQL (SQLite numbers only its row id)"
                    )));
                }
                let columns = index_columns(&key.columns)?;
                parts.push(format!("PRIMARY KEY ({columns})"));
            }
            TableConstraint::ForeignKey(_) | TableConstraint::Check(_) => {
                parts.push(constraint.to_string())
            }
            other => {
                return Err(ForgeSqlError::invalid(format!(
                    "the table constraint `{other}` is not read by Kiln's Forge SQL"
                )));
            }
        }
    }
    let if_not_exists = if create.if_not_exists {
        " IF NOT EXISTS"
    } else {
        ""
    };
    // Table options (ENGINE, CHARSET, COLLATE, COMMENT, AUTO_INCREMENT=n) have no SQLite
    // meaning and are left out.
    let mut statements = vec![format!(
        "CREATE TABLE{if_not_exists} {table} ({})",
        parts.join(", ")
    )];
    statements.extend(indexes);
    Ok(statements)
}

fn is_auto_increment(column: &ColumnDef) -> bool {
    column.options.iter().any(|option| {
        matches!(&option.option, ColumnOption::DialectSpecific(tokens)
            if tokens.iter().any(|token| token.to_string().eq_ignore_ascii_case("AUTO_INCREMENT")))
    })
}

/// Whether an index's column is the column `name`.
fn index_names(column: &sqlparser::ast::IndexColumn, name: &str) -> bool {
    match &column.column.expr {
        Expr::Identifier(ident) => ident.value.eq_ignore_ascii_case(name),
        Expr::CompoundIdentifier(parts) => parts
            .last()
            .is_some_and(|ident| ident.value.eq_ignore_ascii_case(name)),
        _ => false,
    }
}

/// `CURRENT_TIMESTAMP` and its synonyms, the one `ON UPDATE` value MySQL takes.
fn is_now(expr: &Expr) -> bool {
    let text = expr.to_string().to_ascii_uppercase();
    let name = text.split('(').next().unwrap_or_default().trim();
    matches!(
        name,
        "CURRENT_TIMESTAMP" | "NOW" | "LOCALTIME" | "LOCALTIMESTAMP"
    )
}

/// A MySQL column as a SQLite column definition.
fn column_definition(column: &ColumnDef) -> Result<String, ForgeSqlError> {
    let auto_increment = is_auto_increment(column);
    let name = &column.name;
    let mut out = String::new();
    let mut check = None;
    if auto_increment {
        // Only `INTEGER PRIMARY KEY` is SQLite's row id, the one column SQLite numbers by
        // itself; AUTOINCREMENT keeps ids from being reused, as MySQL does. The type must be
        // exactly INTEGER, so the MySQL type rides in the key's name ([`DECLARED_AS`]).
        let declared = declared_type(&column.data_type)?;
        let _ = write!(
            out,
            "{name} INTEGER CONSTRAINT \"{DECLARED_AS}{declared}\" PRIMARY KEY AUTOINCREMENT"
        );
    } else {
        let mut declared = declared_type(&column.data_type)?;
        // Read from the type as declared_type wrote it, before any marker is added. The type
        // check comes first: SQLite reports the first CHECK that fails, and text in a number
        // column is MySQL's 1366 before it is any range's 1264.
        check = match (
            number_check(&name.value, &declared),
            size_check(&name.value, &declared),
        ) {
            (Some(number), Some(size)) => Some(number + &size),
            (number, size) => number.or(size),
        };
        if column
            .options
            .iter()
            .any(|option| matches!(&option.option, ColumnOption::OnUpdate(expr) if is_now(expr)))
        {
            // The declared type carries the rule (SQLite keeps it as written, and reads a
            // type's affinity and Kiln its MySQL name from the first word): no table of Kiln's
            // own sits beside the app's.
            let at = declared.find('(').unwrap_or(declared.len());
            declared.insert_str(at, &format!(" {ON_UPDATE_NOW}"));
        }
        let _ = write!(out, "{name} {declared}");
    }
    for option in &column.options {
        match &option.option {
            ColumnOption::Null => out.push_str(" NULL"),
            ColumnOption::NotNull => out.push_str(" NOT NULL"),
            ColumnOption::Default(expr) => {
                let _ = write!(out, " DEFAULT ({expr})");
            }
            ColumnOption::PrimaryKey(_) if auto_increment => {}
            ColumnOption::PrimaryKey(_) => out.push_str(" PRIMARY KEY"),
            ColumnOption::Unique(_) => out.push_str(" UNIQUE"),
            ColumnOption::ForeignKey(_) | ColumnOption::Check(_) => {
                let _ = write!(out, " {}", option.option);
            }
            // MySQL's generated column, `[GENERATED ALWAYS] AS (expr) [VIRTUAL | STORED]`
            // (how apps index a field of a JSON document), is SQLite's own; VIRTUAL is
            // MySQL's default, as it is SQLite's.
            ColumnOption::Generated {
                generation_expr: Some(expr),
                generation_expr_mode,
                sequence_options: None,
                ..
            } => {
                let mode = match generation_expr_mode {
                    Some(sqlparser::ast::GeneratedExpressionMode::Stored) => "STORED",
                    _ => "VIRTUAL",
                };
                let _ = write!(out, " GENERATED ALWAYS AS ({expr}) {mode}");
            }
            // MySQL-only: character sets and collations (SQLite compares bytes, as TiDB's
            // default `utf8mb4_bin` does), comments, AUTO_INCREMENT and ON UPDATE (both
            // handled above).
            ColumnOption::CharacterSet(_)
            | ColumnOption::Collation(_)
            | ColumnOption::Comment(_)
            | ColumnOption::OnUpdate(_)
            | ColumnOption::DialectSpecific(_) => {}
            other => {
                return Err(ForgeSqlError::invalid(format!(
                    "the column option `{other}` on {name} is not read by Kiln's Forge SQL"
                )));
            }
        }
    }
    if let Some(check) = check {
        out.push_str(&check);
    }
    if let DataType::Enum(members, _) = &column.data_type {
        let allowed: Vec<String> = members
            .iter()
            .map(|member| match member {
                EnumMember::Name(value) | EnumMember::NamedValue(value, _) => sqlite_string(value),
            })
            .collect();
        // MySQL refuses a value outside the list (strict mode, TiDB's default), with 1265.
        let _ = write!(
            out,
            " CONSTRAINT \"{ENUM_CHECK}{}\" CHECK ({name} IS NULL OR {name} IN ({}))",
            name.value.replace('"', ""),
            allowed.join(", ")
        );
    }
    Ok(out)
}

/// How the name of an `AUTO_INCREMENT` column's key starts; the MySQL type the app declared
/// follows (`BIGINT`, `INT UNSIGNED`). SQLite's row id must be declared `INTEGER`, so the
/// declared type cannot carry the MySQL one, and a `BIGINT` id would come back as a number
/// where Forge answers a string ([`super::values`]); `SHOW COLUMNS` reads it too.
pub(super) const DECLARED_AS: &str = "kiln_declared_as:";

/// The MySQL type an `AUTO_INCREMENT` column's definition `text` (as Kiln wrote it) carries
/// in its key's name; `None` for another column, or one written before Kiln kept it.
pub(super) fn auto_increment_type(text: &str) -> Option<String> {
    let tokens = super::rebuild::tokens(text);
    tokens.windows(2).find_map(|pair| {
        let [word, name] = pair else { return None };
        (word.kind == super::rebuild::Kind::Word
            && text[word.range.clone()].eq_ignore_ascii_case("CONSTRAINT")
            && name.kind == super::rebuild::Kind::Quoted)
            .then(|| super::rebuild::unquote(&text[name.range.clone()]))?
            .strip_prefix(DECLARED_AS)
            .map(str::to_owned)
    })
}

/// The name of the CHECK constraint that holds a column's values to its type's size: MySQL in
/// strict mode (TiDB's default) refuses a value too long or out of range rather than store it,
/// and [`super::mysql_errors`] words the failure as MySQL does.
pub(super) const TOO_LONG_CHECK: &str = "kiln_too_long:";
pub(super) const OUT_OF_RANGE_CHECK: &str = "kiln_out_of_range:";
pub(super) const ENUM_CHECK: &str = "kiln_enum:";
/// The CHECK that refuses text in a number column; its name carries the type as TiDB names it
/// in the error (`kiln_not_a_number:int:n`), [`number_check`].
pub(super) const NOT_A_NUMBER_CHECK: &str = "kiln_not_a_number:";

/// The CHECK that holds a number column (integers, `DECIMAL`, `FLOAT`, `DOUBLE`, `BOOLEAN`) to
/// numbers. MySQL in strict mode (TiDB's default) refuses text that is no number with `Error
/// 1366 (HY000): Incorrect int value`; SQLite keeps such text as text, so `'abc'` (or `''`)
/// would be stored and read back where Forge refuses it. The column's affinity has already
/// made every well-formed number (`'12'`, `' 3.5 '`, `'1e3'`) one when a CHECK runs, so text
/// left is text MySQL refuses. `None` for other types.
fn number_check(column: &str, declared: &str) -> Option<String> {
    let first = declared.split(['(', ' ']).next()?;
    // TiDB's name for the type in its message (`types.TypeStr`).
    let kind = match first {
        "TINYINT" | "BOOLEAN" | "BOOL" => "tinyint",
        "SMALLINT" => "smallint",
        "MEDIUMINT" => "mediumint",
        "INT" | "INTEGER" => "int",
        "BIGINT" => "bigint",
        "DECIMAL" | "NUMERIC" | "DEC" | "FIXED" => "decimal",
        "FLOAT" => "float",
        "DOUBLE" | "REAL" => "double",
        _ => return None,
    };
    let quoted = super::rebuild::quoted(column);
    let name = column.replace('"', "");
    Some(format!(
        " CONSTRAINT \"{NOT_A_NUMBER_CHECK}{kind}:{name}\" CHECK (typeof({quoted}) <> 'text')"
    ))
}

/// The CHECK that holds `column` to the size of its declared type (as [`declared_type`] wrote
/// it): characters for `CHAR`/`VARCHAR(n)`, bytes for the `TEXT` and `BLOB` sizes, the range of
/// each integer type. `None` for types SQLite cannot check or MySQL does not bound.
fn size_check(column: &str, declared: &str) -> Option<String> {
    let mut words = declared.split(['(', ' ']);
    let first = words.next()?;
    let unsigned = declared.contains("UNSIGNED");
    let length = declared
        .split_once('(')
        .and_then(|(_, rest)| rest.trim_end_matches(')').parse::<u64>().ok());
    let quoted = super::rebuild::quoted(column);
    let name = column.replace('"', "");
    let bytes = |limit: u64| {
        format!(
            " CONSTRAINT \"{TOO_LONG_CHECK}{name}\" CHECK (length(CAST({quoted} AS BLOB)) <= {limit})"
        )
    };
    let range = |low: i128, high: i128| {
        let low = if unsigned { 0 } else { low };
        let high = if unsigned { high * 2 + 1 } else { high };
        format!(
            " CONSTRAINT \"{OUT_OF_RANGE_CHECK}{name}\" CHECK ({quoted} BETWEEN {low} AND {high})"
        )
    };
    match first {
        "CHAR" | "VARCHAR" | "CHARACTER" | "NCHAR" | "NVARCHAR" => Some(format!(
            " CONSTRAINT \"{TOO_LONG_CHECK}{name}\" CHECK (length({quoted}) <= {})",
            length.unwrap_or(1)
        )),
        "BINARY" | "VARBINARY" => length.map(bytes),
        "TINYTEXT" | "TINYBLOB" => Some(bytes(255)),
        "TEXT" | "BLOB" => Some(bytes(65_535)),
        "MEDIUMTEXT" | "MEDIUMBLOB" => Some(bytes(16_777_215)),
        "TINYINT" => Some(range(-128, 127)),
        "SMALLINT" => Some(range(-32_768, 32_767)),
        "MEDIUMINT" => Some(range(-8_388_608, 8_388_607)),
        "INT" | "INTEGER" => Some(range(-2_147_483_648, 2_147_483_647)),
        // SQLite's own integers are BIGINT's range; only UNSIGNED adds a bound.
        "BIGINT" if unsigned => Some(format!(
            " CONSTRAINT \"{OUT_OF_RANGE_CHECK}{name}\" CHECK ({quoted} >= 0)"
        )),
        _ => None,
    }
}

/// The declared type SQLite stores for a MySQL type: its name and its first parenthesised
/// numbers, which is what [`super::values`] reads back. SQLite's grammar takes a type as names
/// then at most one `(n[, m])`, so `INT(11) UNSIGNED` becomes `INT UNSIGNED(11)`; an `ENUM`'s
/// members become a CHECK constraint instead.
fn declared_type(data_type: &DataType) -> Result<String, ForgeSqlError> {
    match data_type {
        DataType::Enum(..) => return Ok("ENUM".to_owned()),
        DataType::Set(_) => return Ok("SET".to_owned()),
        _ => {}
    }
    let printed = data_type.to_string();
    let mut words = Vec::new();
    let mut numbers = None;
    let mut rest = printed.as_str();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('(') {
            let end = after.find(')').ok_or_else(|| unreadable_type(&printed))?;
            let inside = &after[..end];
            if !inside
                .chars()
                .all(|c| c.is_ascii_digit() || c == ',' || c == ' ')
            {
                return Err(unreadable_type(&printed));
            }
            numbers.get_or_insert_with(|| inside.replace(' ', ""));
            rest = &after[end + 1..];
        } else {
            let end = rest.find(['(', ' ']).unwrap_or(rest.len());
            let word = &rest[..end];
            if !word.is_empty() {
                if !word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    return Err(unreadable_type(&printed));
                }
                words.push(word.to_ascii_uppercase());
            }
            rest = rest[end..].trim_start_matches(' ');
        }
    }
    if words.is_empty() {
        return Err(unreadable_type(&printed));
    }
    let mut out = words.join(" ");
    if let Some(numbers) = numbers {
        let _ = write!(out, "({numbers})");
    }
    Ok(out)
}

fn unreadable_type(printed: &str) -> ForgeSqlError {
    ForgeSqlError::invalid(format!(
        "the column type {printed} is not read by Kiln's Forge SQL"
    ))
}

fn index_columns(columns: &[sqlparser::ast::IndexColumn]) -> Result<String, ForgeSqlError> {
    let mut out = Vec::new();
    for column in columns {
        let expr = &column.column.expr;
        match expr {
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) => {}
            // MySQL's prefix index `name(10)`: SQLite indexes whole values.
            Expr::Function(function) if function.name.0.len() == 1 => {
                out.push(function.name.to_string());
                continue;
            }
            other => {
                return Err(ForgeSqlError::invalid(format!(
                    "the index column `{other}` is not read by Kiln's Forge SQL"
                )));
            }
        }
        let order = match column.column.options.sort {
            Some(OrderBySort::Asc) => " ASC",
            Some(OrderBySort::Desc) => " DESC",
            _ => "",
        };
        out.push(format!("{expr}{order}"));
    }
    Ok(out.join(", "))
}

/// SQLite index names are per database, MySQL's per table: an index's SQLite name is its
/// MySQL name (`key`: [`declared_key_name`], [`unnamed_key_name`]) with the table's name in
/// front, so two tables' `idx_created` do not collide.
pub(super) fn index_name(table: &str, key: &str) -> String {
    let table = table.trim_matches(|c| c == '`' || c == '"');
    format!("\"{}\"", format!("{table}__{key}").replace('"', ""))
}

/// The first column of a key's list, by which MySQL names an unnamed key.
fn first_column(columns: &[sqlparser::ast::IndexColumn]) -> String {
    columns
        .first()
        .and_then(|column| match &column.column.expr {
            Expr::Identifier(ident) => Some(ident.value.clone()),
            Expr::CompoundIdentifier(parts) => parts.last().map(|part| part.value.clone()),
            // A prefix index, `name(10)`.
            Expr::Function(function) => Some(object_last_name(&function.name)),
            _ => None,
        })
        .unwrap_or_else(|| String::from("index"))
}

/// The name MySQL gives an unnamed key whose first column is `first`: that column's name,
/// with `_2`, `_3`, … where one of the table's keys (`taken`) has it, or it is `PRIMARY`. So
/// `ADD INDEX (a)` and `ADD INDEX (b)` are two keys, and `DROP INDEX a` and `SHOW INDEX` know
/// each by MySQL's name.
pub(super) fn unnamed_key_name(first: &str, taken: &[String]) -> String {
    let free = |key: &str| {
        !key.eq_ignore_ascii_case("PRIMARY") && !taken.iter().any(|t| t.eq_ignore_ascii_case(key))
    };
    if free(first) {
        return first.to_owned();
    }
    (2..)
        .map(|n| format!("{first}_{n}"))
        .find(|key| free(key))
        .unwrap_or_else(|| first.to_owned())
}

/// A key's MySQL name within `CREATE TABLE`: its own, or [`unnamed_key_name`] among the keys
/// the statement declared before it.
fn declared_key_name(
    name: Option<&Ident>,
    columns: &[sqlparser::ast::IndexColumn],
    taken: &[String],
) -> String {
    match name {
        Some(name) => name.value.clone(),
        None => unnamed_key_name(&first_column(columns), taken),
    }
}

fn create_index(create: &CreateIndex) -> Result<String, ForgeSqlError> {
    let table = create.table_name.to_string();
    let name = create
        .name
        .as_ref()
        .map(|name| index_name(&table, &object_last_name(name)))
        .ok_or_else(|| ForgeSqlError::invalid("CREATE INDEX needs the index's name"))?;
    let unique = if create.unique { "UNIQUE " } else { "" };
    let if_not_exists = if create.if_not_exists {
        "IF NOT EXISTS "
    } else {
        ""
    };
    let columns = index_columns(&create.columns)?;
    Ok(format!(
        "CREATE {unique}INDEX {if_not_exists}{name} ON {table} ({columns})"
    ))
}

/// One `ALTER TABLE` clause as the steps that make it: SQLite's own `ALTER TABLE` where it can,
/// a rebuild of the table ([`super::rebuild`]) where it cannot.
fn alter_operation(
    table: &str,
    name: &ObjectName,
    operation: AlterTableOperation,
) -> Result<Vec<Step>, ForgeSqlError> {
    let rebuild = |change: Change| -> Result<Vec<Step>, ForgeSqlError> {
        Ok(vec![Step::Rebuild(Rebuild::new(
            object_last_name(name),
            change,
        ))])
    };
    let sql = |text: String| Ok(vec![Step::Sql(text)]);
    match operation {
        // A rebuild, not SQLite's ADD COLUMN: `rebuild.rs` says what SQLite's own refuses.
        AlterTableOperation::AddColumn {
            column_def,
            column_position,
            ..
        } => rebuild(Change::AddColumn {
            column: column_def.name.value.clone(),
            definition: column_definition(&column_def)?,
            auto_increment: is_auto_increment(&column_def),
            position: column_position.map(position),
            filled: implicit_value(&column_def)?,
        }),
        AlterTableOperation::DropColumn { column_names, .. } => match column_names.as_slice() {
            [column] => rebuild(Change::DropColumn(column.value.clone())),
            _ => Err(ForgeSqlError::invalid(
                "drop one column per DROP COLUMN clause",
            )),
        },
        AlterTableOperation::RenameColumn {
            old_column_name,
            new_column_name,
        } => sql(format!(
            "ALTER TABLE {table} RENAME COLUMN {old_column_name} TO {new_column_name}"
        )),
        AlterTableOperation::RenameTable { table_name } => {
            let (RenameTableNameKind::As(name) | RenameTableNameKind::To(name)) = table_name;
            sql(format!("ALTER TABLE {table} RENAME TO {name}"))
        }
        AlterTableOperation::AddConstraint {
            constraint: TableConstraint::Index(index),
            ..
        } => {
            match &index.name {
                Some(key) => sql(format!(
                    "CREATE INDEX {} ON {table} ({})",
                    index_name(table, &key.value),
                    index_columns(&index.columns)?
                )),
                // Its name depends on the table's other keys ([`Change::AddIndex`]).
                None => rebuild(Change::AddIndex {
                    first_column: first_column(&index.columns),
                    unique: false,
                    columns: index_columns(&index.columns)?,
                }),
            }
        }
        AlterTableOperation::AddConstraint {
            constraint: TableConstraint::Unique(unique),
            ..
        } => match unique.name.as_ref().or(unique.index_name.as_ref()) {
            Some(key) => sql(format!(
                "CREATE UNIQUE INDEX {} ON {table} ({})",
                index_name(table, &key.value),
                index_columns(&unique.columns)?
            )),
            None => rebuild(Change::AddIndex {
                first_column: first_column(&unique.columns),
                unique: true,
                columns: index_columns(&unique.columns)?,
            }),
        },
        AlterTableOperation::AddConstraint {
            constraint: TableConstraint::PrimaryKey(key),
            ..
        } => rebuild(Change::AddPrimaryKey(format!(
            "PRIMARY KEY ({})",
            index_columns(&key.columns)?
        ))),
        AlterTableOperation::AddConstraint {
            constraint: TableConstraint::ForeignKey(key),
            ..
        } => rebuild(Change::AddForeignKey {
            name: key.name.as_ref().map(|name| name.value.clone()),
            constraint: TableConstraint::ForeignKey(key).to_string(),
        }),
        AlterTableOperation::DropForeignKey { name, .. } => rebuild(Change::DropConstraint {
            name: name.value,
            if_exists: false,
        }),
        AlterTableOperation::DropConstraint {
            name, if_exists, ..
        } => rebuild(Change::DropConstraint {
            name: name.value,
            if_exists,
        }),
        AlterTableOperation::DropPrimaryKey { .. } => rebuild(Change::DropPrimaryKey),
        AlterTableOperation::ModifyColumn {
            col_name,
            data_type,
            options,
            column_position,
        } => rebuild(modify_column(
            col_name,
            data_type,
            options,
            column_position,
        )?),
        // CHANGE old new …: a rename (SQLite's, which also renames the column in indexes,
        // constraints and other tables' keys), then MODIFY under the new name.
        AlterTableOperation::ChangeColumn {
            old_name,
            new_name,
            data_type,
            options,
            column_position,
        } => {
            let mut steps = Vec::new();
            if old_name.value != new_name.value {
                steps.push(Step::Sql(format!(
                    "ALTER TABLE {table} RENAME COLUMN {old_name} TO {new_name}"
                )));
            }
            let change = modify_column(new_name, data_type, options, column_position)?;
            steps.extend(rebuild(change)?);
            Ok(steps)
        }
        AlterTableOperation::AlterColumn {
            column_name,
            op: AlterColumnOperation::SetDefault { value },
        } => rebuild(Change::Default {
            column: column_name.value,
            default: Some(value.to_string()),
        }),
        AlterTableOperation::AlterColumn {
            column_name,
            op: AlterColumnOperation::DropDefault,
        } => rebuild(Change::Default {
            column: column_name.value,
            default: None,
        }),
        AlterTableOperation::DropIndex { name } => rebuild(Change::DropIndex {
            name: name.value,
            if_exists: false,
        }),
        other => Err(ForgeSqlError::invalid(format!(
            "ALTER TABLE … {other} is not run by Kiln's Forge SQL (ADD/DROP/RENAME/MODIFY/CHANGE \
             COLUMN, ALTER COLUMN … SET/DROP DEFAULT, RENAME TO, ADD INDEX, ADD UNIQUE, \
             ADD/DROP PRIMARY KEY, ADD/DROP FOREIGN KEY, DROP CONSTRAINT and DROP INDEX are)"
        ))),
    }
}

/// `MODIFY [COLUMN] name type options [FIRST | AFTER other]`: the column's new definition, as
/// `CREATE TABLE` writes one (with the CHECK that holds it to its size: the rebuild copies
/// every row through it).
fn modify_column(
    column: Ident,
    data_type: DataType,
    options: Vec<ColumnOption>,
    position: Option<MySQLColumnPosition>,
) -> Result<Change, ForgeSqlError> {
    let definition = ColumnDef {
        name: column,
        data_type,
        options: options
            .into_iter()
            .map(|option| ColumnOptionDef { name: None, option })
            .collect(),
    };
    Ok(Change::Column {
        column: definition.name.value.clone(),
        definition: column_definition(&definition)?,
        auto_increment: is_auto_increment(&definition),
        position: position.map(self::position),
    })
}

fn position(position: MySQLColumnPosition) -> Position {
    match position {
        MySQLColumnPosition::First => Position::First,
        MySQLColumnPosition::After(after) => Position::After(after.value),
    }
}

/// What the rows already in a table hold in a column `ALTER TABLE … ADD` gives them, when not
/// its default: a `NOT NULL` column without a `DEFAULT` is filled as TiDB fills it (its
/// "origin default"), with its type's zero value, an `ENUM`'s first member, JSON `null`.
/// `None` when the default applies (a `DEFAULT`, a column that may be NULL, an
/// `AUTO_INCREMENT` that numbers the rows).
fn implicit_value(column: &ColumnDef) -> Result<Option<String>, ForgeSqlError> {
    let not_null = column.options.iter().any(|option| {
        matches!(
            option.option,
            ColumnOption::NotNull | ColumnOption::PrimaryKey(_)
        )
    });
    let has_default = column
        .options
        .iter()
        .any(|option| matches!(option.option, ColumnOption::Default(_)));
    if !not_null || has_default || is_auto_increment(column) {
        return Ok(None);
    }
    if let DataType::Enum(members, _) = &column.data_type {
        return Ok(members.first().map(|member| match member {
            EnumMember::Name(value) | EnumMember::NamedValue(value, _) => sqlite_string(value),
        }));
    }
    let declared = declared_type(&column.data_type)?;
    let first = declared.split(['(', ' ']).next().unwrap_or_default();
    let fraction = declared
        .split_once('(')
        .and_then(|(_, rest)| rest.trim_end_matches(')').parse::<usize>().ok())
        .filter(|digits| *digits > 0)
        .map(|digits| format!(".{}", "0".repeat(digits.min(6))))
        .unwrap_or_default();
    Ok(Some(match first {
        "TINYINT" | "SMALLINT" | "MEDIUMINT" | "INT" | "INTEGER" | "BIGINT" | "DECIMAL" | "DEC"
        | "NUMERIC" | "FIXED" | "FLOAT" | "DOUBLE" | "REAL" | "BIT" | "BOOL" | "BOOLEAN"
        | "YEAR" => "0".to_owned(),
        "DATE" => "'0000-00-00'".to_owned(),
        "DATETIME" | "TIMESTAMP" => format!("'0000-00-00 00:00:00{fraction}'"),
        "TIME" => format!("'00:00:00{fraction}'"),
        "JSON" => "'null'".to_owned(),
        // The character and binary strings, and SET: empty.
        _ => "''".to_owned(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Eleven literals: the markers `_1__` and `_10__` each find their own value.
    #[test]
    fn every_literal_is_restored_once_and_in_place() {
        let values: Vec<String> = (0..11).map(|i| format!("v{i}'")).collect();
        let query = format!(
            "INSERT INTO t (a) VALUES {}",
            values
                .iter()
                .map(|v| format!("('{}')", v.replace('\'', "''")))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let translated = translate(&query, Endpoint::Data).expect("an insert");
        let expected = format!(
            "INSERT INTO t (a) VALUES {}",
            values
                .iter()
                .map(|v| format!("({})", sqlite_string(v)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        assert_eq!(translated.statements, vec![Step::Sql(expected)]);
    }
}
