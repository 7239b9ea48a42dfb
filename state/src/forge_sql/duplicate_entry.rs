//! The value MySQL's duplicate-key error quotes: `Duplicate entry 'a@b.c' for key
//! 'users.email'`.
//!
//! SQLite names the key's columns but not the value, so the value is found again: the failed
//! statement was backed out (SQLite's `ABORT`) and its transaction is still open, so the rows
//! it wrote are computed once more, with the same bound parameters: a plain `INSERT … VALUES`'s
//! by a query of its own `VALUES` (`SELECT * FROM (VALUES …)`), a single-table `UPDATE`'s by
//! a query of the rows it picks and the values it assigns. The first row whose new key is
//! already another row's, or an earlier row's of the statement, is the one MySQL names. Only
//! the table the statement writes is read, by its key, under the statement's deadline.
//!
//! The value is written as TiDB (Forge SQL) writes it (`Duplicate entry '%-.64s' for key
//! '%-.192s'` in TiDB's `errno/errname.go`): the key's values joined with `-`, cut to
//! [`MAX_ENTRY_CHARS`] characters. MySQL cuts at 192 characters (its `ER_DUP_ENTRY`) and
//! TiDB, which Forge runs, at 64. The message reaches the app, which may log it, so a control
//! character in the value is written as `\xHH` (MySQL's way of showing bytes it cannot print)
//! rather than letting an app's value start a forged line; quotes are kept as MySQL keeps them.

use std::collections::HashSet;
use std::hash::{BuildHasher, RandomState};

use rusqlite::Connection;
use rusqlite::types::{Value, ValueRef};

use sqlparser::ast::{AssignmentTarget, Statement, TableFactor};
use sqlparser::dialect::MySqlDialect;
use sqlparser::parser::Parser;

use super::columns::{table_columns, table_dependencies};
use super::dialect::{Endpoint, StatementKind, Step, translate_for};
use super::rebuild::quoted;
use super::values::ColumnType;

/// The characters of the value a duplicate-key message quotes, as TiDB's `%-.64s` cuts it:
/// a key's value can be megabytes of the app's text, and the message is one line for a log.
pub const MAX_ENTRY_CHARS: usize = 64;

/// The rows of a failed statement looked through for the one that broke the key: each is
/// remembered (a hash, for a repeat within the statement), so an `UPDATE` of millions of rows
/// would hold millions; past this many the message names the key without a value.
const MAX_ROWS_PROBED: usize = 100_000;

/// The rows a plain `INSERT … VALUES` wrote: its `VALUES …` text (SQLite's, to the end of the
/// statement), the columns it names in order (empty: every column, in the table's order), and
/// the parameters the statement was run with.
pub struct InsertedRows<'a> {
    pub values: &'a str,
    pub columns: &'a [String],
    pub bound: &'a [Value],
}

/// The value MySQL quotes for the row of `rows` that broke `table`'s unique key on `key`
/// (SQLite's names for both), or `None` when it cannot be found (a key column the statement
/// leaves to its default, a value the statement computes differently each time it runs).
pub fn inserted_entry(
    connection: &Connection,
    table: &str,
    key: &[String],
    rows: &InsertedRows<'_>,
) -> Option<String> {
    let mut lookup = KeyLookup::new(connection, table, key)?;
    let inserted: Vec<String> = if rows.columns.is_empty() {
        lookup.columns.clone()
    } else {
        rows.columns.to_vec()
    };
    let places: Vec<usize> = key
        .iter()
        .map(|name| {
            inserted
                .iter()
                .position(|column| column.eq_ignore_ascii_case(name))
        })
        .collect::<Option<_>>()?;
    let mut probe = connection
        .prepare(&format!("SELECT * FROM ({})", rows.values))
        .ok()?;
    // Each row holds a value for each column the statement names, or it is not the
    // statement's row.
    if probe.column_count() != inserted.len() {
        return None;
    }
    bind_leading(&mut probe, rows.bound)?;
    let mut probed = probe.raw_query();
    while let Some(row) = probed.next().ok()? {
        let mut values = Vec::with_capacity(places.len());
        for place in &places {
            values.push(row.get_ref(*place).ok()?);
        }
        if let Some(entry) = lookup.breaks_key(&values, None)? {
            return Some(entry);
        }
    }
    None
}

/// The value MySQL quotes for the row a single-table `UPDATE` (the app's MySQL text `query`,
/// run with `bound`) moved onto a value of `table`'s unique key on `key` that another row
/// holds. The update is asked again as a query of the rows it picks and the values it
/// assigns (`SELECT <assigned…>, <key…> FROM t WHERE … ORDER BY … LIMIT …`: the app's
/// placeholders in the order it wrote them), translated as any query is.
pub fn updated_entry(
    connection: &Connection,
    table: &str,
    key: &[String],
    query: &str,
    bound: &[Value],
) -> Option<String> {
    let (select, assigned) = update_as_query(query, table, key)?;
    let columns_of = |name: &str| table_columns(connection, name);
    let dependencies_of = |name: &str| table_dependencies(connection, name);
    let translated = translate_for(&select, Endpoint::Data, &columns_of, &dependencies_of).ok()?;
    if translated.kind != StatementKind::Query {
        return None;
    }
    let Some(Step::Sql(text)) = translated.statements.first() else {
        return None;
    };
    let mut lookup = KeyLookup::new(connection, table, key)?;
    // Each key column's new value: the one assigned, else the row's own (after the assigned).
    let places: Vec<(usize, usize)> = key
        .iter()
        .enumerate()
        .map(|(index, name)| {
            let new = assigned
                .iter()
                .rposition(|column| column.eq_ignore_ascii_case(name))
                .unwrap_or(assigned.len() + index);
            (new, assigned.len() + index)
        })
        .collect();
    let mut probe = connection.prepare(text).ok()?;
    bind_leading(&mut probe, bound)?;
    let mut probed = probe.raw_query();
    while let Some(row) = probed.next().ok()? {
        let mut new = Vec::with_capacity(places.len());
        let mut old = Vec::with_capacity(places.len());
        for (new_place, old_place) in &places {
            new.push(row.get_ref(*new_place).ok()?);
            old.push(row.get_ref(*old_place).ok()?);
        }
        if let Some(entry) = lookup.breaks_key(&new, Some(&old))? {
            return Some(entry);
        }
    }
    None
}

/// A single-table `UPDATE` of `table` as a MySQL query of the rows it picks: the values it
/// assigns, in order, then the columns of `key` as they are; with the columns it assigns, in
/// order. `None` for anything else (a multi-table update, another table).
fn update_as_query(query: &str, table: &str, key: &[String]) -> Option<(String, Vec<String>)> {
    let mut statements = Parser::parse_sql(&MySqlDialect {}, query).ok()?;
    let Some(Statement::Update(update)) = statements.pop() else {
        return None;
    };
    if !statements.is_empty() || !update.table.joins.is_empty() || update.from.is_some() {
        return None;
    }
    let TableFactor::Table { name, .. } = &update.table.relation else {
        return None;
    };
    let named = name.0.last()?.as_ident()?.value.as_str();
    if !named.eq_ignore_ascii_case(table) {
        return None;
    }
    let mut assigned = Vec::with_capacity(update.assignments.len());
    let mut items = Vec::with_capacity(update.assignments.len());
    for assignment in &update.assignments {
        let AssignmentTarget::ColumnName(column) = &assignment.target else {
            return None;
        };
        assigned.push(column.0.last()?.as_ident()?.value.clone());
        items.push(assignment.value.to_string());
    }
    Some((
        format!(
            "SELECT {}{} FROM {}{}{}{}",
            items
                .iter()
                .map(|item| format!("{item}, "))
                .collect::<String>(),
            key.iter()
                .map(|column| format!("`{}`", column.replace('`', "``")))
                .collect::<Vec<_>>()
                .join(", "),
            update.table,
            update
                .selection
                .as_ref()
                .map_or_else(String::new, |selection| format!(" WHERE {selection}")),
            if update.order_by.is_empty() {
                String::new()
            } else {
                format!(
                    " ORDER BY {}",
                    update
                        .order_by
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
            update
                .limit
                .as_ref()
                .map_or_else(String::new, |limit| format!(" LIMIT {limit}")),
        ),
        assigned,
    ))
}

/// Binds the first of `bound` to `statement`'s placeholders, as many as it has: a probe holds
/// the statement's placeholders up to where its rows end.
fn bind_leading(statement: &mut rusqlite::Statement<'_>, bound: &[Value]) -> Option<()> {
    let wanted = statement.parameter_count();
    if bound.len() < wanted {
        return None;
    }
    for (position, value) in bound.iter().take(wanted).enumerate() {
        statement.raw_bind_parameter(position + 1, value).ok()?;
    }
    Some(())
}

/// Looks a key's values up in its table, and among the rows a statement wrote before.
struct KeyLookup<'c> {
    /// The table's columns, in order.
    columns: Vec<String>,
    /// How MySQL writes each key column's values.
    types: Vec<ColumnType>,
    stored: rusqlite::Statement<'c>,
    /// Earlier rows' keys, as hashes of their full text (not the values: a statement's rows
    /// can hold megabytes each), under a key chosen per process so no app can aim a collision.
    earlier: HashSet<u64>,
    hasher: RandomState,
}

impl<'c> KeyLookup<'c> {
    fn new(connection: &'c Connection, table: &str, key: &[String]) -> Option<Self> {
        let quoted_table = quoted(table);
        let table_columns = table_columns(connection, &quoted_table);
        let types = key
            .iter()
            .map(|name| {
                let column = table_columns
                    .iter()
                    .find(|column| column.name.eq_ignore_ascii_case(name))?;
                Some(ColumnType::from_declared(Some(&column.declared)))
            })
            .collect::<Option<_>>()?;
        let condition = key
            .iter()
            .enumerate()
            .map(|(index, name)| format!("{} = ?{}", quoted(name), index + 1))
            .collect::<Vec<_>>()
            .join(" AND ");
        let stored = connection
            .prepare(&format!(
                "SELECT 1 FROM {quoted_table} WHERE {condition} LIMIT 1"
            ))
            .ok()?;
        Some(KeyLookup {
            columns: table_columns
                .into_iter()
                .map(|column| column.name)
                .collect(),
            types,
            stored,
            earlier: HashSet::new(),
            hasher: RandomState::new(),
        })
    }

    /// The shown value if a row whose key becomes `values` (and was `old`, for an update)
    /// breaks the key: another row of the table holds it, or an earlier row of the statement
    /// took it. `Some(None)` for a row that does not; `None` when the table cannot be asked
    /// or [`MAX_ROWS_PROBED`] rows were.
    fn breaks_key(
        &mut self,
        values: &[ValueRef<'_>],
        old: Option<&[ValueRef<'_>]>,
    ) -> Option<Option<String>> {
        if self.earlier.len() >= MAX_ROWS_PROBED {
            return None;
        }
        // A NULL in a unique key never collides, in MySQL as in SQLite; a row whose key stays
        // as it was collides with nothing.
        if values.contains(&ValueRef::Null) || old.is_some_and(|old| old == values) {
            return Some(None);
        }
        let typed: Vec<(ValueRef<'_>, ColumnType)> = values
            .iter()
            .copied()
            .zip(self.types.iter().copied())
            .collect();
        let text = entry_text(&typed);
        for (index, value) in values.iter().enumerate() {
            let value = rusqlite::types::ToSqlOutput::Borrowed(*value);
            self.stored.raw_bind_parameter(index + 1, value).ok()?;
        }
        let in_table = self.stored.raw_query().next().ok()?.is_some();
        let repeated = !self.earlier.insert(self.hasher.hash_one(&text));
        Some((in_table || repeated).then(|| shown_entry(&text)))
    }
}

/// A key's values as MySQL writes them in the message, whole: each as its column's type
/// shows it (a `DECIMAL(10,2)`'s `3` as `3.00`), joined with `-`.
fn entry_text(values: &[(ValueRef<'_>, ColumnType)]) -> String {
    let mut out = String::new();
    for (index, (value, column_type)) in values.iter().enumerate() {
        if index > 0 {
            out.push('-');
        }
        push_value(&mut out, *value, *column_type);
    }
    out
}

fn push_value(out: &mut String, value: ValueRef<'_>, column_type: ColumnType) {
    match (value, column_type) {
        (ValueRef::Null, _) => out.push_str("NULL"),
        (ValueRef::Integer(_) | ValueRef::Real(_), ColumnType::Decimal { .. }) => {
            if let serde_json::Value::String(digits) = column_type.to_json(value) {
                out.push_str(&digits);
            }
        }
        // A number bound as text into a number column is stored as the number (SQLite's
        // affinity, MySQL's conversion).
        (ValueRef::Text(bytes), ColumnType::Decimal { .. } | ColumnType::Number)
            if let Some(number) = text_number(bytes) =>
        {
            let number = match number {
                SqliteNumber::Integer(integer) => ValueRef::Integer(integer),
                SqliteNumber::Real(real) => ValueRef::Real(real),
            };
            push_value(out, number, column_type);
        }
        (ValueRef::Integer(integer), _) => out.push_str(&integer.to_string()),
        (ValueRef::Real(real), _) => out.push_str(&real.to_string()),
        (ValueRef::Text(bytes) | ValueRef::Blob(bytes), _) => {
            // Bytes that are not UTF-8 (a BINARY key) shown as MySQL shows them, `\xHH`.
            for chunk in bytes.utf8_chunks() {
                out.push_str(chunk.valid());
                for byte in chunk.invalid() {
                    out.push_str(&format!("\\x{byte:02X}"));
                }
            }
        }
    }
}

/// A number as SQLite's numeric affinity stores one.
enum SqliteNumber {
    Integer(i64),
    Real(f64),
}

/// The number `bytes` spell, as a number column would store them; `None` for text that is
/// not one (`inf` and `NaN` included, which SQLite keeps as text).
fn text_number(bytes: &[u8]) -> Option<SqliteNumber> {
    let text = std::str::from_utf8(bytes).ok()?.trim();
    if let Ok(integer) = text.parse::<i64>() {
        return Some(SqliteNumber::Integer(integer));
    }
    let starts_as_number = text
        .trim_start_matches(['-', '+'])
        .starts_with(|c: char| c.is_ascii_digit() || c == '.');
    text.parse::<f64>()
        .ok()
        .filter(|real| starts_as_number && real.is_finite())
        .map(SqliteNumber::Real)
}

/// `text` cut to [`MAX_ENTRY_CHARS`] characters (never inside one), each character that could
/// end or bend the message's line written as an escape.
pub(super) fn shown_entry(text: &str) -> String {
    let mut out = String::new();
    for character in text.chars().take(MAX_ENTRY_CHARS) {
        if character.is_control() {
            out.push_str(&format!("\\x{:02X}", u32::from(character)));
        } else if breaks_line(character) {
            out.push_str(&format!("\\u{{{:X}}}", u32::from(character)));
        } else {
            out.push(character);
        }
    }
    out
}

/// Characters that are not controls to Rust but end a line, or reorder what a reader sees
/// around them, in a log viewer or terminal (Unicode's line and paragraph separators and its
/// bidirectional overrides).
fn breaks_line(character: char) -> bool {
    matches!(character, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_value_is_cut_at_a_character_and_escaped() {
        assert_eq!(shown_entry("a@b.c"), "a@b.c");
        assert_eq!(shown_entry(&"é".repeat(100)), "é".repeat(64));
        assert_eq!(
            shown_entry("it's\nError 1146\r\u{0}\u{2028}\u{202E}"),
            "it's\\x0AError 1146\\x0D\\x00\\u{2028}\\u{202E}"
        );
        // Cut before escaping: 64 characters of the value, however long their escapes.
        assert_eq!(shown_entry(&"\n".repeat(100)), "\\x0A".repeat(64));
    }

    #[test]
    fn values_are_written_as_their_columns_type_shows_them() {
        let decimal = ColumnType::Decimal { scale: 2 };
        assert_eq!(
            entry_text(&[
                (ValueRef::Integer(3), decimal),
                (ValueRef::Text(b"12.5"), decimal),
                (ValueRef::Text(b"x"), ColumnType::Text),
                (ValueRef::Blob(&[0x61, 0xFF]), ColumnType::Bytes),
                (ValueRef::Real(1.5), ColumnType::Number),
                (ValueRef::Text(b"7"), ColumnType::Number),
                (ValueRef::Text(b"inf"), ColumnType::Number),
                (
                    ValueRef::Text(b"12345678901234567891"),
                    ColumnType::Decimal { scale: 0 }
                ),
            ]),
            "3.00-12.50-x-a\\xFF-1.5-7-inf-12345678901234567168"
        );
    }
}
