//! MySQL's `information_schema`: the `TABLES`, `COLUMNS` and `STATISTICS` views that apps and
//! their migration code read to see what a schema has before changing it:
//!
//! ```sql
//! SELECT COUNT(*) AS n FROM information_schema.columns
//!  WHERE table_schema = DATABASE() AND table_name = ? AND column_name = ?
//! ```
//!
//! Each view is a subquery of SQLite's own schema (`sqlite_schema`) put in the place of
//! `information_schema.x` in the app's query, so it reads the schema as it is when the
//! statement runs (there is no copy to go stale) and the app's `WHERE`, joins, grouping and
//! order apply as written. A column's and a key's details come from Kiln's `CREATE TABLE` text
//! through the code that answers `DESCRIBE` and `SHOW INDEX` ([`super::show`]), as two SQL
//! functions of that text, [`SCHEMA_COLUMNS`] and [`SCHEMA_KEYS`], whose JSON `json_each`
//! turns into rows. They read nothing but their arguments: the database's authorizer, which
//! refuses SQLite's pragmas (its own account of a table), stays as strict.
//!
//! The database is called `forge`, as `DATABASE()` and `SHOW TABLES`' `Tables_in_forge` say.
//! Views of the server rather than the schema (`PROCESSLIST`, `CLUSTER_*`, `SLOW_QUERY`) and
//! the rest of `information_schema` are refused as unknown tables, naming the three served.

use std::ops::ControlFlow;

use rusqlite::Connection;
use rusqlite::functions::{Context, FunctionFlags};
use sqlparser::ast::{
    ObjectNamePart, SetExpr, Statement, TableFactor, TableWithJoins, VisitMut, VisitorMut,
};
use sqlparser::dialect::MySqlDialect;
use sqlparser::parser::Parser;

use super::error::ForgeSqlError;
use super::rebuild::Definition;

/// The name of the installation's one database.
pub(super) const DATABASE_NAME: &str = "forge";

/// `kiln_schema_columns(create_table_sql, index_sqls_json)`: the table's columns as
/// `information_schema.COLUMNS` rows, a JSON array.
pub(super) const SCHEMA_COLUMNS: &str = "kiln_schema_columns";

/// `kiln_schema_keys(table, create_table_sql, index_sqls_json)`: the table's keys as
/// `information_schema.STATISTICS` rows, a JSON array.
pub(super) const SCHEMA_KEYS: &str = "kiln_schema_keys";

/// The user tables among `sqlite_schema`'s rows (aliased `s`): not SQLite's own, nor a
/// rebuild's table in the making (never visible outside its transaction, named for clarity).
const USER_TABLES: &str = "s.type = 'table' AND substr(s.name, 1, 7) <> 'sqlite_' \
     AND substr(s.name, 1, 13) <> 'kiln_rebuild_'";

/// A table's index texts (its row `s`), as a JSON array.
const INDEX_TEXTS: &str = "(SELECT json_group_array(i.sql) FROM sqlite_schema AS i \
     WHERE i.type = 'index' AND i.tbl_name = s.name AND i.sql IS NOT NULL)";

/// `information_schema.TABLES`' columns with fixed values (TiDB answers 0 for sizes it has no
/// statistics for).
const TABLE_FIELDS: &[(&str, &str)] = &[
    ("TABLE_TYPE", "'BASE TABLE'"),
    ("ENGINE", "'InnoDB'"),
    ("VERSION", "10"),
    ("ROW_FORMAT", "'Compact'"),
    ("TABLE_ROWS", "0"),
    ("AVG_ROW_LENGTH", "0"),
    ("DATA_LENGTH", "0"),
    ("MAX_DATA_LENGTH", "0"),
    ("INDEX_LENGTH", "0"),
    ("DATA_FREE", "0"),
    ("AUTO_INCREMENT", "NULL"),
    ("CREATE_TIME", "NULL"),
    ("UPDATE_TIME", "NULL"),
    ("CHECK_TIME", "NULL"),
    ("TABLE_COLLATION", "'utf8mb4_bin'"),
    ("CHECKSUM", "NULL"),
    ("CREATE_OPTIONS", "''"),
    ("TABLE_COMMENT", "''"),
];

/// `information_schema.COLUMNS`' columns after the table's, in MySQL's order; each is the
/// field of that name in [`SCHEMA_COLUMNS`]' objects.
const COLUMN_FIELDS: &[&str] = &[
    "COLUMN_NAME",
    "ORDINAL_POSITION",
    "COLUMN_DEFAULT",
    "IS_NULLABLE",
    "DATA_TYPE",
    "CHARACTER_MAXIMUM_LENGTH",
    "CHARACTER_OCTET_LENGTH",
    "NUMERIC_PRECISION",
    "NUMERIC_SCALE",
    "DATETIME_PRECISION",
    "CHARACTER_SET_NAME",
    "COLLATION_NAME",
    "COLUMN_TYPE",
    "COLUMN_KEY",
    "EXTRA",
    "PRIVILEGES",
    "COLUMN_COMMENT",
    "GENERATION_EXPRESSION",
];

/// `information_schema.STATISTICS`' columns after the table's, in MySQL's order; each is the
/// field of that name in [`SCHEMA_KEYS`]' objects.
const KEY_FIELDS: &[&str] = &[
    "NON_UNIQUE",
    "INDEX_SCHEMA",
    "INDEX_NAME",
    "SEQ_IN_INDEX",
    "COLUMN_NAME",
    "COLLATION",
    "CARDINALITY",
    "SUB_PART",
    "PACKED",
    "NULLABLE",
    "INDEX_TYPE",
    "COMMENT",
    "INDEX_COMMENT",
    "IS_VISIBLE",
    "EXPRESSION",
];

/// The views served, by their names in `information_schema` (matched without regard to case).
const VIEWS: &[&str] = &["TABLES", "COLUMNS", "STATISTICS"];

/// The SQLite query a view stands for.
fn view_query(view: &str) -> String {
    let table =
        format!("'def' AS TABLE_CATALOG, '{DATABASE_NAME}' AS TABLE_SCHEMA, s.name AS TABLE_NAME");
    let fields = |fields: &[&str]| {
        fields
            .iter()
            .map(|field| format!("e.value ->> '$.{field}' AS {field}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match view {
        "COLUMNS" => format!(
            "SELECT {table}, {} FROM sqlite_schema AS s, json_each({SCHEMA_COLUMNS}(s.sql, \
             {INDEX_TEXTS})) AS e WHERE {USER_TABLES}",
            fields(COLUMN_FIELDS),
        ),
        "STATISTICS" => format!(
            "SELECT {table}, {} FROM sqlite_schema AS s, json_each({SCHEMA_KEYS}(s.name, \
             s.sql, {INDEX_TEXTS})) AS e WHERE {USER_TABLES}",
            fields(KEY_FIELDS),
        ),
        _ => format!(
            "SELECT {table}, {} FROM sqlite_schema AS s WHERE {USER_TABLES}",
            TABLE_FIELDS
                .iter()
                .map(|(name, value)| format!("{value} AS {name}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Puts each view's subquery in place of `information_schema.x` in a query; other statements
/// are left as they are.
pub(super) fn rewrite(statement: &mut Statement) -> Result<(), ForgeSqlError> {
    if !matches!(statement, Statement::Query(_)) {
        return Ok(());
    }
    match statement.visit(&mut Views) {
        ControlFlow::Break(error) => Err(error),
        ControlFlow::Continue(()) => Ok(()),
    }
}

struct Views;

impl VisitorMut for Views {
    type Break = ForgeSqlError;

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<ForgeSqlError> {
        let TableFactor::Table { name, alias, .. } = factor else {
            return ControlFlow::Continue(());
        };
        let parts: Vec<&str> = name
            .0
            .iter()
            .filter_map(ObjectNamePart::as_ident)
            .map(|ident| ident.value.as_str())
            .collect();
        let [schema, view] = parts.as_slice() else {
            return ControlFlow::Continue(());
        };
        if !schema.eq_ignore_ascii_case("information_schema") {
            return ControlFlow::Continue(());
        }
        let Some(view) = VIEWS.iter().find(|known| known.eq_ignore_ascii_case(view)) else {
            return ControlFlow::Break(ForgeSqlError::execution(format!(
                "Error 1109 (42S02): Unknown table '{}' in information_schema (Kiln's Forge SQL \
                 serves TABLES, COLUMNS and STATISTICS)",
                view.to_ascii_uppercase()
            )));
        };
        // Named as the app named it, so `information_schema.columns.column_name` and an
        // alias both still resolve.
        let alias = alias.take().unwrap_or_else(|| sqlparser::ast::TableAlias {
            explicit: true,
            name: sqlparser::ast::Ident::new(view.to_ascii_lowercase()),
            columns: Vec::new(),
            at: None,
        });
        match derived(view, alias) {
            Ok(replacement) => {
                *factor = replacement;
                ControlFlow::Continue(())
            }
            Err(error) => ControlFlow::Break(error),
        }
    }
}

/// `(view's query) AS alias`, parsed into the tree.
fn derived(view: &str, alias: sqlparser::ast::TableAlias) -> Result<TableFactor, ForgeSqlError> {
    let text = format!("SELECT * FROM ({}) AS v", view_query(view));
    let statement = Parser::parse_sql(&MySqlDialect {}, &text)
        .ok()
        .and_then(|mut statements| statements.pop());
    let Some(Statement::Query(query)) = statement else {
        return Err(ForgeSqlError::invalid(
            "the information_schema view did not parse",
        ));
    };
    let SetExpr::Select(select) = *query.body else {
        return Err(ForgeSqlError::invalid(
            "the information_schema view is not a SELECT",
        ));
    };
    let Some(TableWithJoins {
        relation:
            TableFactor::Derived {
                lateral,
                subquery,
                sample,
                ..
            },
        ..
    }) = select.from.into_iter().next()
    else {
        return Err(ForgeSqlError::invalid(
            "the information_schema view is not a subquery",
        ));
    };
    Ok(TableFactor::Derived {
        lateral,
        subquery,
        alias: Some(alias),
        sample,
    })
}

/// Registers [`SCHEMA_COLUMNS`], [`SCHEMA_KEYS`], and `DATABASE()`/`SCHEMA()` (the database's
/// name) on `connection`.
pub(super) fn register_schema_functions(connection: &Connection) -> rusqlite::Result<()> {
    let pure = FunctionFlags::SQLITE_UTF8
        | FunctionFlags::SQLITE_DETERMINISTIC
        | FunctionFlags::SQLITE_INNOCUOUS;
    for name in ["database", "schema"] {
        connection.create_scalar_function(name, 0, pure, |_| Ok(DATABASE_NAME))?;
    }
    connection.create_scalar_function(SCHEMA_COLUMNS, 2, pure, |context: &Context<'_>| {
        Ok(read_definition(context, 0)
            .map(|(definition, indexes)| super::show::information_columns(&definition, &indexes)))
    })?;
    connection.create_scalar_function(SCHEMA_KEYS, 3, pure, |context: &Context<'_>| {
        let table = context.get::<Option<String>>(0)?.unwrap_or_default();
        Ok(read_definition(context, 1).map(|(definition, indexes)| {
            super::show::information_keys(&table, &definition, &indexes)
        }))
    })?;
    Ok(())
}

/// The definition in argument `at` and the index texts (a JSON array) after it; `None` when
/// either does not read (the view then has no rows for that table).
fn read_definition(context: &Context<'_>, at: usize) -> Option<(Definition, Vec<String>)> {
    let sql = context.get::<Option<String>>(at).ok()??;
    let indexes = context
        .get::<Option<String>>(at + 1)
        .ok()
        .flatten()
        .and_then(|json| serde_json::from_str::<Vec<Option<String>>>(&json).ok())
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect();
    Some((Definition::read(&sql)?, indexes))
}
