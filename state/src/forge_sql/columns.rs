//! What a statement's rewrite needs to know of a table: its columns' names and the MySQL types
//! they were declared with, read from the database's own schema.
//!
//! Two MySQL rules act on a column's type when a row is written, and SQLite has neither:
//! `ON UPDATE CURRENT_TIMESTAMP`, and dates stored in one canonical form (`'2024-05-01
//! 10:20:30'`, whatever form the app sent: an ISO string from a JS `Date`, trailing
//! fractional zeros from drizzle). [`super::writes`] applies both from these columns.

use rusqlite::Connection;

/// The word in a column's declared type that marks MySQL's `ON UPDATE CURRENT_TIMESTAMP`:
/// SQLite has no such rule (and Kiln's databases run no triggers), so an `UPDATE` of the table
/// sets the column itself ([`super::writes`]). SQLite keeps a declared type as written and
/// reads its affinity from words no part of this one matches; Kiln reads the MySQL type from
/// the first word.
pub(crate) const ON_UPDATE_NOW: &str = "KILN_ON_UPDATE_NOW";

/// One column of a table, as its schema declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    /// The declared type Kiln wrote ([`super::dialect`]): MySQL's name first; for an
    /// `AUTO_INCREMENT` column, the MySQL type SQLite's `INTEGER` row id stands for.
    pub declared: String,
    /// The expression of its `DEFAULT`, as SQLite text; `None` without one.
    pub default: Option<String>,
}

/// How MySQL stores a date column's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateKind {
    /// `DATE`: `YYYY-MM-DD`.
    Date,
    /// `DATETIME(fsp)`/`TIMESTAMP(fsp)`: `YYYY-MM-DD HH:MM:SS[.fraction]`, `fsp` digits.
    DateTime { fsp: u32 },
}

impl Column {
    pub fn updates_to_now(&self) -> bool {
        self.declared.contains(ON_UPDATE_NOW)
    }

    pub fn date_kind(&self) -> Option<DateKind> {
        let upper = self.declared.to_ascii_uppercase();
        let first = upper.split(['(', ' ']).next().unwrap_or_default();
        let fsp = upper
            .split_once('(')
            .and_then(|(_, rest)| rest.split(')').next()?.trim().parse::<u32>().ok())
            .unwrap_or(0)
            .min(6);
        match first {
            "DATE" => Some(DateKind::Date),
            "DATETIME" | "TIMESTAMP" => Some(DateKind::DateTime { fsp }),
            _ => None,
        }
    }
}

/// `table`'s columns, in order, read by preparing (never running) a query of the table.
/// `table` is a name the dialect printed from a parsed statement; a table that does not exist
/// has none (the statement then fails on its own).
pub fn table_columns(connection: &Connection, table: &str) -> Vec<Column> {
    let Ok(statement) = connection.prepare(&format!("SELECT * FROM {table}")) else {
        return Vec::new();
    };
    // The defaults are in Kiln's own CREATE TABLE text, which SQLite keeps.
    let definition = super::rebuild::definition_of(connection, &super::rebuild::unquote(table));
    let part_of = |name: &str| {
        definition
            .as_ref()?
            .1
            .columns
            .iter()
            .find(|part| part.name.eq_ignore_ascii_case(name))
    };
    statement
        .columns()
        .iter()
        .map(|column| {
            let part = part_of(column.name());
            // An `AUTO_INCREMENT` column is SQLite's `INTEGER` row id; its MySQL type
            // (`BIGINT`) is kept beside it ([`super::dialect::auto_increment_type`]).
            let declared = part
                .and_then(|part| super::dialect::auto_increment_type(&part.text))
                .unwrap_or_else(|| column.decl_type().unwrap_or_default().to_owned());
            Column {
                name: column.name().to_owned(),
                declared,
                default: part
                    .and_then(|part| super::rebuild::default_expression(&part.text))
                    .map(str::to_owned),
            }
        })
        .collect()
}

/// What determines a row's other columns in `table`, for `ONLY_FULL_GROUP_BY`
/// ([`super::defined_values`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dependencies {
    /// The table's unique keys, its primary key among them, each as its columns' names: from
    /// the table's definition (a column's `PRIMARY KEY` or `UNIQUE`, a key constraint) and its
    /// unique indexes (not a partial one).
    pub keys: Vec<Vec<String>>,
    /// Its generated columns, which other columns compute.
    pub generated: Vec<String>,
}

/// [`Dependencies`] of `table`, a name as the dialect printed it; none for a table that does
/// not exist. Read from SQLite's schema table (the authorizer allows no pragma).
pub fn table_dependencies(connection: &Connection, table: &str) -> Dependencies {
    use super::rebuild::{has_words, is_generated, is_primary_key, key_columns};
    let Some((name, definition)) =
        super::rebuild::definition_of(connection, &super::rebuild::unquote(table))
    else {
        return Dependencies::default();
    };
    let mut dependencies = Dependencies::default();
    for part in &definition.columns {
        if has_words(&part.text, &["PRIMARY", "KEY"]) || has_words(&part.text, &["UNIQUE"]) {
            dependencies.keys.push(vec![part.name.clone()]);
        }
        if is_generated(&part.text) {
            dependencies.generated.push(part.name.clone());
        }
    }
    for part in &definition.constraints {
        if (is_primary_key(part) || has_words(&part.text, &["UNIQUE"]))
            && let Some(columns) = key_columns(&part.text)
        {
            dependencies.keys.push(columns);
        }
    }
    let indexes: Vec<String> = connection
        .prepare(
            "SELECT sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ?1 \
             AND sql IS NOT NULL",
        )
        .and_then(|mut statement| {
            statement
                .query_map([&name], |row| row.get::<_, String>(0))
                .and_then(Iterator::collect)
        })
        .unwrap_or_default();
    for sql in indexes {
        if has_words(&sql, &["UNIQUE"])
            && !has_words(&sql, &["WHERE"])
            && let Some(columns) = key_columns(&sql)
        {
            dependencies.keys.push(columns);
        }
    }
    dependencies
}

/// Whether `table` (unquoted) has an `AUTO_INCREMENT` column, which Kiln writes as SQLite's
/// `AUTOINCREMENT` row id: MySQL answers an `INSERT`'s `insertId` only for such a table.
pub fn numbers_rows(connection: &Connection, table: &str) -> bool {
    super::rebuild::definition_of(connection, table)
        .is_some_and(|(_, definition)| definition.numbers_rows())
}
