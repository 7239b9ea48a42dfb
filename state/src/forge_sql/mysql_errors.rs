//! SQLite's refusals in MySQL's words.
//!
//! Apps written for Forge SQL recognise failures by MySQL's error numbers and texts: a
//! concurrent insert caught by `message.includes('Duplicate entry') || message.includes('1062')`,
//! a missing table by 1146. TiDB words its errors as MySQL does (`Error 1062 (23000): Duplicate
//! entry … for key …`), so the failures SQLite reports for the same causes are reworded the
//! same way, with SQLite's own text kept after it for the developer. Anything without a MySQL
//! counterpart keeps SQLite's message.

use rusqlite::Connection;

use super::dialect::{ENUM_CHECK, NOT_A_NUMBER_CHECK, OUT_OF_RANGE_CHECK, TOO_LONG_CHECK};
use super::error::ForgeSqlError;
use super::information_schema::DATABASE_NAME;
use super::rebuild::{definition_of, has_words, key_columns};

/// SQLite's result code for a string, blob or row past its length limit (sqlite3.h).
const TOOBIG: i32 = 18;

/// TiDB's words for a row past its entry limit (error 8025), which Forge SQL answers for a
/// row over its 6 MiB. TiDB goes on with ", the max entry size is N, …"; the limit is the
/// database's, so [`name_entry_limit`] adds it where the database is known.
pub const ENTRY_TOO_LARGE: &str = "Error 8025 (HY000): entry too large";

/// SQLite's result code for a value its row id cannot hold (sqlite3.h). With `LIMIT` counts
/// checked before they reach SQLite (`limit_clauses.rs`), only a write of what is no integer
/// to an `AUTO_INCREMENT` column (SQLite's row id) meets it; other number columns have their
/// own check ([`NOT_A_NUMBER_CHECK`]).
const MISMATCH: i32 = 20;

/// SQLite's extended result codes for constraint failures (sqlite3.h).
const CONSTRAINT_CHECK: i32 = 275;
const CONSTRAINT_FOREIGN_KEY: i32 = 787;
const CONSTRAINT_NOT_NULL: i32 = 1299;
const CONSTRAINT_PRIMARY_KEY: i32 = 1555;
const CONSTRAINT_UNIQUE: i32 = 2067;

/// What follows `prefix` in SQLite's message `sqlite`, trimmed; `None` for another message.
fn after<'a>(sqlite: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = sqlite.strip_prefix(prefix)?;
    // Newer SQLite adds " in <statement> at offset N": the name ends before it.
    let rest = match rest.rfind(" in ") {
        Some(cut) if rest[cut..].contains(" at offset ") => &rest[..cut],
        _ => rest,
    };
    Some(rest.trim())
}

/// MySQL's refusal of a number past its column's type (strict mode, TiDB's default): from
/// the range checks of the integer types, and from a value past `BIGINT` written to an
/// integer column ([`super::number_columns`]).
pub(super) fn out_of_range(column: &str) -> String {
    format!("Error 1264 (22003): Out of range value for column '{column}' at row 1")
}

/// The message for SQLite's failure `extended_code` with text `sqlite`.
pub fn mysql_message(extended_code: i32, sqlite: &str) -> String {
    let after = |prefix: &str| after(sqlite, prefix);
    let mysql = match extended_code {
        CONSTRAINT_UNIQUE | CONSTRAINT_PRIMARY_KEY => {
            let key = after("UNIQUE constraint failed:").unwrap_or(sqlite);
            Some(format!(
                "Error 1062 (23000): Duplicate entry for key '{key}'"
            ))
        }
        TOOBIG => Some(ENTRY_TOO_LARGE.to_owned()),
        // SQLite does not say which column; TiDB names it and quotes the value.
        MISMATCH => Some(
            "Error 1366 (HY000): Incorrect int value for the AUTO_INCREMENT column at row 1"
                .to_owned(),
        ),
        CONSTRAINT_NOT_NULL => {
            let column = after("NOT NULL constraint failed:").unwrap_or(sqlite);
            let column = column.rsplit('.').next().unwrap_or(column);
            Some(format!(
                "Error 1048 (23000): Column '{column}' cannot be null"
            ))
        }
        // Unreachable while keys are not enforced (as on Forge SQL), worded as MySQL's should
        // SQLite ever report one.
        CONSTRAINT_FOREIGN_KEY => Some(
            "Error 1452 (23000): Cannot add or update a child row: a foreign key constraint \
             fails"
                .to_owned(),
        ),
        CONSTRAINT_CHECK => {
            let name = after("CHECK constraint failed:").unwrap_or("");
            // The size checks Kiln adds for MySQL's types (`dialect::size_check`).
            Some(if let Some(column) = name.strip_prefix(TOO_LONG_CHECK) {
                format!("Error 1406 (22001): Data too long for column '{column}' at row 1")
            } else if let Some(column) = name.strip_prefix(ENUM_CHECK) {
                format!("Error 1265 (01000): Data truncated for column '{column}' at row 1")
            } else if let Some((kind, column)) = name
                .strip_prefix(NOT_A_NUMBER_CHECK)
                .and_then(|rest| rest.split_once(':'))
            {
                // TiDB quotes the value too; which value of the statement failed is not
                // known here.
                format!("Error 1366 (HY000): Incorrect {kind} value for column '{column}' at row 1")
            } else if let Some(column) = name.strip_prefix(OUT_OF_RANGE_CHECK) {
                out_of_range(column)
            } else {
                format!("Error 3819 (HY000): Check constraint '{name}' is violated.")
            })
        }
        _ => None,
    }
    .or_else(|| {
        if let Some(table) = after("no such table:") {
            // SQLite names its schema where the statement did not (`CREATE INDEX … ON t`);
            // the table is the app's.
            let table = table.strip_prefix("main.").unwrap_or(table);
            Some(format!("Error 1146 (42S02): Table '{table}' doesn't exist"))
        } else if let Some(column) = after("no such column:") {
            Some(format!(
                "Error 1054 (42S22): Unknown column '{column}' in 'field list'"
            ))
        } else if let Some(table) = after("there is already another table or index with this name:")
        {
            // SQLite's words for a table renamed onto a name another table has.
            let table = table.trim_matches(['`', '"']);
            Some(format!(
                "Error 1050 (42S01): Table '{table}' already exists"
            ))
        } else if let Some(column) = after("ambiguous column name:") {
            // MySQL names the clause too ("in where clause"); SQLite does not say which.
            Some(format!(
                "Error 1052 (23000): Column '{column}' in field list is ambiguous"
            ))
        } else if let Some(rest) = after("cannot INSERT into generated column")
            .or_else(|| after("cannot UPDATE generated column"))
        {
            let column = rest.trim().trim_matches(['`', '"']);
            Some(format!(
                "Error 3105 (HY000): The value specified for generated column '{column}' is not \
                 allowed."
            ))
        } else if let Some(function) = after("no such function:") {
            // TiDB names the function in its database, as written.
            Some(format!(
                "Error 1305 (42000): FUNCTION {DATABASE_NAME}.{function} does not exist"
            ))
        } else if let Some(function) = after("wrong number of arguments to function") {
            let function = function.trim_end_matches("()");
            Some(format!(
                "Error 1582 (42000): Incorrect parameter count in the call to native function \
                 '{function}'"
            ))
        } else if let Some(column) = after("duplicate column name:") {
            Some(format!(
                "Error 1060 (42S21): Duplicate column name '{column}'"
            ))
        } else if let Some(rest) = after("table") {
            // Newer SQLite adds " in <statement> at offset N" after its message.
            rest.split_once("already exists").map(|(table, _)| {
                let table = table.trim().trim_matches(['`', '"']);
                format!("Error 1050 (42S01): Table '{table}' already exists")
            })
        } else if let Some(rest) = after("index") {
            rest.split_once("already exists").map(|(index, _)| {
                let index = index.trim().trim_matches(['`', '"']);
                format!("Error 1061 (42000): Duplicate key name '{index}'")
            })
        } else {
            None
        }
    });
    match mysql {
        Some(mysql) => format!("{mysql} (SQLite: {sqlite})"),
        None => sqlite.to_owned(),
    }
}

/// `error` with the entry limit of its database, `max_row_bytes`, named after TiDB's words
/// when it is a row past that limit.
pub fn name_entry_limit(mut error: ForgeSqlError, max_row_bytes: usize) -> ForgeSqlError {
    if let Some(rest) = error.message.strip_prefix(ENTRY_TOO_LARGE) {
        error.message = format!("{ENTRY_TOO_LARGE}, the max entry size is {max_row_bytes}{rest}");
    }
    error
}

/// MySQL's 1062 for a write that broke a unique key, naming the key as MySQL 8 and TiDB do
/// (`'table.key'`: `PRIMARY`, or the index's name as the app gave it, an unnamed one taking
/// its first column's), which apps match to tell one constraint from another. SQLite names
/// the columns; the key is found in the table's definition and indexes. `None` for any other
/// failure, or a key not found (then [`mysql_message`] names the columns).
///
/// `entry` finds the value MySQL quotes (`Duplicate entry 'a@b.c' for key …`) from SQLite's
/// table and key columns ([`super::duplicate_entry`]); where it finds none the message names
/// the key alone.
pub fn duplicate_key_message(
    connection: &Connection,
    extended_code: i32,
    sqlite: &str,
    entry: impl FnOnce(&str, &[String]) -> Option<String>,
) -> Option<String> {
    if !matches!(extended_code, CONSTRAINT_UNIQUE | CONSTRAINT_PRIMARY_KEY) {
        return None;
    }
    let failed = after(sqlite, "UNIQUE constraint failed:")?;
    let mut table = None;
    let mut columns = Vec::new();
    for qualified in failed.split(", ") {
        let (owner, column) = qualified.rsplit_once('.')?;
        if *table.get_or_insert(owner) != owner {
            return None;
        }
        columns.push(column.to_owned());
    }
    let table = table?;
    let key = if extended_code == CONSTRAINT_PRIMARY_KEY {
        "PRIMARY".to_owned()
    } else {
        unique_key_name(connection, table, &columns)?
    };
    let entry = entry(table, &columns).map_or_else(String::new, |value| format!(" '{value}'"));
    Some(format!(
        "Error 1062 (23000): Duplicate entry{entry} for key '{table}.{key}' (SQLite: {sqlite})"
    ))
}

/// The MySQL name of `table`'s unique key on exactly `columns`.
fn unique_key_name(connection: &Connection, table: &str, columns: &[String]) -> Option<String> {
    let same = |names: &[String]| {
        names.len() == columns.len()
            && names
                .iter()
                .zip(columns)
                .all(|(a, b)| a.eq_ignore_ascii_case(b))
    };
    let (name, definition) = definition_of(connection, table)?;
    for part in &definition.constraints {
        if has_words(&part.text, &["UNIQUE"])
            && key_columns(&part.text).is_some_and(|names| same(&names))
        {
            return Some(if part.name.is_empty() {
                columns[0].clone()
            } else {
                part.name.clone()
            });
        }
    }
    if let [column] = columns
        && definition.columns.iter().any(|part| {
            part.name.eq_ignore_ascii_case(column) && has_words(&part.text, &["UNIQUE"])
        })
    {
        return Some(column.clone());
    }
    // Indexes the dialect created, named `<table>__<name>` (SQLite's names are per database).
    let mut statement = connection
        .prepare(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ?1 \
             AND sql IS NOT NULL",
        )
        .ok()?;
    let indexes: Vec<(String, String)> = statement
        .query_map([&name], |row| Ok((row.get(0)?, row.get(1)?)))
        .ok()?
        .filter_map(Result::ok)
        .collect();
    let prefix = format!("{name}__");
    indexes.into_iter().find_map(|(index, sql)| {
        if !has_words(&sql, &["UNIQUE"]) || !key_columns(&sql).is_some_and(|names| same(&names)) {
            return None;
        }
        // The prefix is the table's name as the statement that made the index wrote it, or
        // the name the table had then (RENAME TABLE keeps its indexes' names).
        Some(match index.get(..prefix.len()) {
            Some(head) if head.eq_ignore_ascii_case(&prefix) => index[prefix.len()..].to_owned(),
            _ => match index.split_once("__") {
                Some((_, key)) if !key.is_empty() => key.to_owned(),
                _ => index,
            },
        })
    })
}

/// MySQL's 1364 for an `INSERT` that names its columns and leaves out a `NOT NULL` one with
/// no default (SQLite reports it as any NOT NULL failure, which MySQL words 1048 only when the
/// statement wrote the NULL itself); `None` for any other failure.
pub fn left_out_message(extended_code: i32, sqlite: &str, named: &[String]) -> Option<String> {
    if extended_code != CONSTRAINT_NOT_NULL || named.is_empty() {
        return None;
    }
    let column = sqlite.strip_prefix("NOT NULL constraint failed:")?.trim();
    let column = column.rsplit('.').next().unwrap_or(column);
    if named.iter().any(|name| name.eq_ignore_ascii_case(column)) {
        return None;
    }
    Some(format!(
        "Error 1364 (HY000): Field '{column}' doesn't have a default value (SQLite: {sqlite})"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_failures_apps_match_read_as_mysql() {
        let cases = [
            (
                CONSTRAINT_PRIMARY_KEY,
                "UNIQUE constraint failed: events.event_id",
                "Error 1062 (23000): Duplicate entry for key 'events.event_id'",
            ),
            (
                CONSTRAINT_NOT_NULL,
                "NOT NULL constraint failed: users.email",
                "Error 1048 (23000): Column 'email' cannot be null",
            ),
            (
                1,
                "no such table: tickets",
                "Error 1146 (42S02): Table 'tickets' doesn't exist",
            ),
            (
                1,
                "no such table: main.tickets",
                "Error 1146 (42S02): Table 'tickets' doesn't exist",
            ),
            (
                1,
                "no such column: nme",
                "Error 1054 (42S22): Unknown column 'nme' in 'field list'",
            ),
            (
                1,
                "there is already another table or index with this name: people",
                "Error 1050 (42S01): Table 'people' already exists",
            ),
            (
                1,
                "ambiguous column name: id",
                "Error 1052 (23000): Column 'id' in field list is ambiguous",
            ),
            (
                1,
                "table `t` already exists",
                "Error 1050 (42S01): Table 't' already exists",
            ),
            (
                1,
                "index \"t__idx\" already exists",
                "Error 1061 (42000): Duplicate key name 't__idx'",
            ),
            (
                1,
                "no such function: GREATEST_OF",
                "Error 1305 (42000): FUNCTION forge.GREATEST_OF does not exist",
            ),
            (
                1,
                "no such function: nope in SELECT nope(1) at offset 7",
                "Error 1305 (42000): FUNCTION forge.nope does not exist",
            ),
            (
                1,
                "wrong number of arguments to function sleep()",
                "Error 1582 (42000): Incorrect parameter count in the call to native function 'sleep'",
            ),
        ];
        for (code, sqlite, mysql) in cases {
            let message = mysql_message(code, sqlite);
            assert!(message.starts_with(mysql), "{message}");
            assert!(
                message.ends_with(&format!("(SQLite: {sqlite})")),
                "{message}"
            );
        }
        assert_eq!(
            mysql_message(1, "near \"x\": syntax error"),
            "near \"x\": syntax error"
        );
    }
}
