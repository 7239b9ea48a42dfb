//! The value MySQL's duplicate-key error quotes: `Duplicate entry 'a@b.c' for key
//! 'users.email'`.
//!
//! SQLite names the key's columns but not the value, so the value is found again: the failed
//! statement was backed out (SQLite's `ABORT`) and its transaction is still open, so each row
//! of a plain `INSERT … VALUES` is evaluated once more, with the same bound parameters, by
//! a query of its own `VALUES` (`SELECT * FROM (VALUES …)`), and the first row whose key is
//! already in the table, or in an earlier row of the statement, is the one MySQL names. Only
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

use super::columns::table_columns;
use super::values::ColumnType;

/// The characters of the value a duplicate-key message quotes, as TiDB's `%-.64s` cuts it:
/// a key's value can be megabytes of the app's text, and the message is one line for a log.
pub const MAX_ENTRY_CHARS: usize = 64;

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
pub fn duplicate_entry(
    connection: &Connection,
    table: &str,
    key: &[String],
    rows: &InsertedRows<'_>,
) -> Option<String> {
    let quoted_table = quote(table);
    let table_columns = table_columns(connection, &quoted_table);
    let inserted: Vec<&str> = if rows.columns.is_empty() {
        table_columns
            .iter()
            .map(|column| column.name.as_str())
            .collect()
    } else {
        rows.columns.iter().map(String::as_str).collect()
    };
    // Each key column's place in a row, and how MySQL writes its values.
    let key_places: Vec<(usize, ColumnType)> = key
        .iter()
        .map(|name| {
            let place = inserted
                .iter()
                .position(|column| column.eq_ignore_ascii_case(name))?;
            let declared = table_columns
                .iter()
                .find(|column| column.name.eq_ignore_ascii_case(name))
                .map(|column| column.declared.as_str());
            Some((place, ColumnType::from_declared(declared)))
        })
        .collect::<Option<_>>()?;
    let mut probe = connection
        .prepare(&format!("SELECT * FROM ({})", rows.values))
        .ok()?;
    let wanted = probe.parameter_count();
    for (position, value) in rows.bound.iter().take(wanted).enumerate() {
        probe.raw_bind_parameter(position + 1, value).ok()?;
    }
    let condition = key
        .iter()
        .enumerate()
        .map(|(index, name)| format!("{} = ?{}", quote(name), index + 1))
        .collect::<Vec<_>>()
        .join(" AND ");
    let mut stored = connection
        .prepare(&format!(
            "SELECT 1 FROM {quoted_table} WHERE {condition} LIMIT 1"
        ))
        .ok()?;
    // Earlier rows' keys, as hashes of their full text (not the values: a statement's rows
    // can hold megabytes each), under a key chosen per process so no app can aim a collision.
    let hasher = RandomState::new();
    let mut earlier = HashSet::new();
    let mut probed = probe.raw_query();
    while let Some(row) = probed.next().ok()? {
        let mut values = Vec::with_capacity(key_places.len());
        for (place, column_type) in &key_places {
            values.push((row.get_ref(*place).ok()?, *column_type));
        }
        // A NULL in a unique key never collides, in MySQL as in SQLite.
        if values.iter().any(|(value, _)| *value == ValueRef::Null) {
            continue;
        }
        let text = entry_text(&values);
        for (index, (value, _)) in values.iter().enumerate() {
            let value = rusqlite::types::ToSqlOutput::Borrowed(*value);
            stored.raw_bind_parameter(index + 1, value).ok()?;
        }
        let in_table = stored.raw_query().next().ok()?.is_some();
        if in_table || !earlier.insert(hasher.hash_one(&text)) {
            return Some(shown_entry(&text));
        }
    }
    None
}

/// A name as a SQLite identifier.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
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
            if std::str::from_utf8(bytes).is_ok_and(|text| text.trim().parse::<f64>().is_ok()) =>
        {
            let real = std::str::from_utf8(bytes)
                .ok()
                .and_then(|text| text.trim().parse::<f64>().ok())
                .unwrap_or_default();
            push_value(out, ValueRef::Real(real), column_type);
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

/// `text` cut to [`MAX_ENTRY_CHARS`] characters (never inside one), each character that could
/// end or bend the message's line written as an escape.
fn shown_entry(text: &str) -> String {
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
            ]),
            "3.00-12.50-x-a\\xFF-1.5-7"
        );
    }
}
