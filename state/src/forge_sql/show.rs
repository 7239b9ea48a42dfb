//! MySQL's `DESCRIBE t` and `SHOW [FULL] COLUMNS FROM t`, answered by the host from the table's
//! definition, as MySQL answers them: one row per column with `Field`, `Type`, `Null`, `Key`,
//! `Default` and `Extra`; `SHOW CREATE TABLE t`, the same read back as MySQL's `CREATE TABLE`;
//! and `SHOW INDEX FROM t`, its keys in TiDB's shape. (`SHOW TABLES` is a query of SQLite's
//! schema, written by the dialect.)
//!
//! Tools and migration code read these to see what a table has before changing it (an
//! ORM's introspection, a data migration that adds a column only when missing). SQLite's own
//! account of a table is a pragma, which the database's authorizer refuses, so the answer is
//! read from the definition Kiln wrote (`rebuild::Definition`) and the table's indexes.

use rusqlite::Connection;
use serde::Serialize;

use super::dialect::{ENUM_CHECK, sqlite_string};
use super::error::ForgeSqlError;
use super::rebuild::{
    Definition, Kind, has_words, is_primary_key, key_columns, read_table, tokens, unquote,
};

/// A statement the host answers itself; each names a table (unquoted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Show {
    /// `DESCRIBE t`, `SHOW COLUMNS FROM t`.
    Columns(String),
    /// `SHOW CREATE TABLE t`: the table as MySQL's `CREATE TABLE`.
    CreateTable(String),
    /// `SHOW INDEX FROM t` (`SHOW INDEXES`, `SHOW KEYS`): one row per column of each key.
    Indexes(String),
}

/// One row of MySQL's `SHOW COLUMNS`, its fields in MySQL's order.
#[derive(Debug, Serialize)]
struct ColumnRow {
    #[serde(rename = "Field")]
    field: String,
    #[serde(rename = "Type")]
    kind: String,
    #[serde(rename = "Null")]
    null: &'static str,
    #[serde(rename = "Key")]
    key: &'static str,
    #[serde(rename = "Default")]
    default: Option<String>,
    #[serde(rename = "Extra")]
    extra: String,
}

/// The rows, as the JSON text of an array.
pub(super) fn answer(
    connection: &Connection,
    show: &Show,
    map_error: fn(rusqlite::Error) -> ForgeSqlError,
) -> Result<String, ForgeSqlError> {
    let (Show::Columns(table) | Show::CreateTable(table) | Show::Indexes(table)) = show;
    let (name, definition, indexes) = read_table(connection, table, map_error)?;
    let rows = column_rows(&definition, &indexes);
    let written = match show {
        Show::Columns(_) => serde_json::to_string(&rows),
        Show::CreateTable(_) => {
            #[derive(Serialize)]
            struct CreateRow {
                #[serde(rename = "Table")]
                table: String,
                #[serde(rename = "Create Table")]
                create: String,
            }
            let create = create_table(&name, &definition, &rows, &indexes);
            serde_json::to_string(&[CreateRow {
                table: name.clone(),
                create,
            }])
        }
        Show::Indexes(_) => serde_json::to_string(&index_rows(&name, &definition, &rows, &indexes)),
    };
    written.map_err(|error| ForgeSqlError::execution(format!("the answer did not write: {error}")))
}

/// The table's columns as `SHOW COLUMNS` reads them, from its definition and the `CREATE
/// INDEX` texts of its indexes.
fn column_rows(definition: &Definition, indexes: &[String]) -> Vec<ColumnRow> {
    let table_key = |wanted: &str| -> &'static str {
        for part in &definition.constraints {
            let Some(columns) = key_columns(&part.text) else {
                continue;
            };
            let first = columns
                .first()
                .is_some_and(|c| c.eq_ignore_ascii_case(wanted));
            if is_primary_key(part) && columns.iter().any(|c| c.eq_ignore_ascii_case(wanted)) {
                return "PRI";
            }
            if first && has_words(&part.text, &["UNIQUE"]) {
                return if columns.len() == 1 { "UNI" } else { "MUL" };
            }
        }
        for index in indexes {
            let Some(columns) = key_columns(index) else {
                continue;
            };
            if columns
                .first()
                .is_some_and(|c| c.eq_ignore_ascii_case(wanted))
            {
                let unique = has_words(index, &["UNIQUE"]);
                return if unique && columns.len() == 1 {
                    "UNI"
                } else {
                    "MUL"
                };
            }
        }
        ""
    };
    definition
        .columns
        .iter()
        .map(|part| {
            let text = &part.text;
            let primary = has_words(text, &["PRIMARY", "KEY"]);
            let auto_increment = has_words(text, &["AUTOINCREMENT"]);
            let key = if primary {
                "PRI"
            } else if has_words(text, &["UNIQUE"]) {
                "UNI"
            } else {
                table_key(&part.name)
            };
            let not_null = primary || key == "PRI" || has_words(text, &["NOT", "NULL"]);
            let updates = text.contains(super::columns::ON_UPDATE_NOW);
            let default = default_value(text);
            let generated = default
                .as_deref()
                .is_some_and(|value| value == "CURRENT_TIMESTAMP");
            let mut extra = Vec::new();
            if auto_increment {
                extra.push("auto_increment");
            }
            if super::rebuild::is_generated(text) {
                extra.push(if has_words(text, &["STORED"]) {
                    "STORED GENERATED"
                } else {
                    "VIRTUAL GENERATED"
                });
            }
            if generated {
                extra.push("DEFAULT_GENERATED");
            }
            if updates {
                extra.push("on update CURRENT_TIMESTAMP");
            }
            ColumnRow {
                field: part.name.clone(),
                kind: mysql_type(text, auto_increment),
                null: if not_null { "NO" } else { "YES" },
                key,
                default,
                extra: extra.join(" "),
            }
        })
        .collect()
}

/// A name as MySQL quotes it.
fn backticked(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// Backticked names of a key's columns, joined as MySQL writes them.
fn key_list(columns: &[String]) -> String {
    columns
        .iter()
        .map(|column| backticked(column))
        .collect::<Vec<_>>()
        .join(",")
}

/// One key of a table: its primary key, a unique key or an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Key {
    /// MySQL's name for it: `PRIMARY`, the constraint's or index's name, or (for a key
    /// declared on a column, or a constraint without a name) its first column's.
    pub(super) name: String,
    primary: bool,
    unique: bool,
    columns: Vec<String>,
}

/// The table's keys, as MySQL lists them: the primary key, then the unique keys and indexes in
/// the order they were declared.
pub(super) fn table_keys(table: &str, definition: &Definition, indexes: &[String]) -> Vec<Key> {
    let mut primary: Vec<String> = Vec::new();
    let mut keys = Vec::new();
    for part in &definition.columns {
        if has_words(&part.text, &["PRIMARY", "KEY"]) {
            primary.push(part.name.clone());
        }
        if has_words(&part.text, &["UNIQUE"]) {
            keys.push(Key {
                name: part.name.clone(),
                primary: false,
                unique: true,
                columns: vec![part.name.clone()],
            });
        }
    }
    for part in &definition.constraints {
        let columns = key_columns(&part.text).unwrap_or_default();
        if is_primary_key(part) {
            primary = columns;
        } else if has_words(&part.text, &["UNIQUE"])
            && !has_words(&part.text, &["CHECK"])
            && !has_words(&part.text, &["FOREIGN", "KEY"])
        {
            let name = if part.name.is_empty() {
                columns.first().cloned().unwrap_or_default()
            } else {
                part.name.clone()
            };
            keys.push(Key {
                name,
                primary: false,
                unique: true,
                columns,
            });
        }
    }
    let prefix = format!("{table}__");
    for index in indexes {
        let words = tokens(index);
        let name = words
            .iter()
            .position(|token| {
                token.kind == Kind::Word && index[token.range.clone()].eq_ignore_ascii_case("INDEX")
            })
            .and_then(|at| {
                words[at + 1..].iter().find(|token| {
                    !(token.kind == Kind::Word
                        && matches!(
                            index[token.range.clone()].to_ascii_uppercase().as_str(),
                            "IF" | "NOT" | "EXISTS"
                        ))
                })
            })
            .map(|token| unquote(&index[token.range.clone()]))
            .unwrap_or_default();
        keys.push(Key {
            name: name.strip_prefix(&prefix).unwrap_or(&name).to_owned(),
            primary: false,
            unique: has_words(index, &["UNIQUE"]),
            columns: key_columns(index).unwrap_or_default(),
        });
    }
    if !primary.is_empty() {
        keys.insert(
            0,
            Key {
                name: "PRIMARY".to_owned(),
                primary: true,
                unique: true,
                columns: primary,
            },
        );
    }
    keys
}

/// `SHOW CREATE TABLE`'s text: the columns as `DESCRIBE` reads them, then the keys, indexes
/// and the app's own constraints (Kiln's size checks are its rules, not the app's, and stay
/// out), with TiDB's table options.
fn create_table(
    table: &str,
    definition: &Definition,
    rows: &[ColumnRow],
    indexes: &[String],
) -> String {
    let mut lines = Vec::new();
    for row in rows {
        let mut line = format!("  {} {}", backticked(&row.field), row.kind);
        if row.null == "NO" {
            line.push_str(" NOT NULL");
        }
        match row.default.as_deref() {
            Some("CURRENT_TIMESTAMP") => line.push_str(" DEFAULT CURRENT_TIMESTAMP"),
            Some(value) => line.push_str(&format!(" DEFAULT '{}'", value.replace('\'', "''"))),
            None if row.null == "YES" => line.push_str(" DEFAULT NULL"),
            None => {}
        }
        if row.extra.contains("auto_increment") {
            line.push_str(" AUTO_INCREMENT");
        }
        if row.extra.contains("on update") {
            line.push_str(" ON UPDATE CURRENT_TIMESTAMP");
        }
        lines.push(line);
    }
    for key in table_keys(table, definition, indexes) {
        lines.push(if key.primary {
            format!("  PRIMARY KEY ({})", key_list(&key.columns))
        } else {
            format!(
                "  {}KEY {} ({})",
                if key.unique { "UNIQUE " } else { "" },
                backticked(&key.name),
                key_list(&key.columns)
            )
        });
    }
    for part in &definition.constraints {
        if is_primary_key(part) {
            continue;
        }
        let foreign = has_words(&part.text, &["FOREIGN", "KEY"]);
        let unique = has_words(&part.text, &["UNIQUE"]) && !has_words(&part.text, &["CHECK"]);
        if foreign || !unique && !part.name.starts_with("kiln_") {
            lines.push(format!("  {}", part.text));
        }
    }
    format!(
        "CREATE TABLE {} (\n{}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
        backticked(table),
        lines.join(",\n")
    )
}

/// The table's columns as `information_schema.COLUMNS` rows, a JSON array of objects keyed by
/// that view's column names ([`super::information_schema`]).
pub(super) fn information_columns(definition: &Definition, indexes: &[String]) -> String {
    let rows: Vec<serde_json::Value> = column_rows(definition, indexes)
        .into_iter()
        .enumerate()
        .map(|(at, row)| {
            let kind = ColumnKind::of(&row.kind);
            let text = kind.is_text();
            serde_json::json!({
                "COLUMN_NAME": row.field,
                "ORDINAL_POSITION": at + 1,
                "COLUMN_DEFAULT": row.default,
                "IS_NULLABLE": row.null,
                "DATA_TYPE": kind.name,
                "CHARACTER_MAXIMUM_LENGTH": kind.character_length(),
                // utf8mb4: up to four bytes a character.
                "CHARACTER_OCTET_LENGTH": kind.character_length().map(|length| length.saturating_mul(4)),
                "NUMERIC_PRECISION": kind.numeric_precision(),
                "NUMERIC_SCALE": kind.numeric_scale(),
                "DATETIME_PRECISION": kind.datetime_precision(),
                "CHARACTER_SET_NAME": text.then_some("utf8mb4"),
                "COLLATION_NAME": text.then_some("utf8mb4_bin"),
                "COLUMN_TYPE": row.kind,
                "COLUMN_KEY": row.key,
                "EXTRA": row.extra,
                "PRIVILEGES": "select,insert,update,references",
                "COLUMN_COMMENT": "",
                "GENERATION_EXPRESSION": "",
            })
        })
        .collect();
    serde_json::Value::Array(rows).to_string()
}

/// The table's keys as `information_schema.STATISTICS` rows, a JSON array of objects keyed by
/// that view's column names: `SHOW INDEX`'s rows under their other names.
pub(super) fn information_keys(table: &str, definition: &Definition, indexes: &[String]) -> String {
    let columns = column_rows(definition, indexes);
    let rows: Vec<serde_json::Value> = index_rows(table, definition, &columns, indexes)
        .into_iter()
        .map(|row| {
            serde_json::json!({
                "NON_UNIQUE": row.non_unique,
                "INDEX_SCHEMA": super::information_schema::DATABASE_NAME,
                "INDEX_NAME": row.key_name,
                "SEQ_IN_INDEX": row.seq_in_index,
                "COLUMN_NAME": row.column_name,
                "COLLATION": row.collation,
                "CARDINALITY": row.cardinality,
                "SUB_PART": row.sub_part,
                "PACKED": row.packed,
                "NULLABLE": row.null,
                "INDEX_TYPE": row.index_type,
                "COMMENT": row.comment,
                "INDEX_COMMENT": row.index_comment,
                "IS_VISIBLE": row.visible,
                "EXPRESSION": row.expression,
            })
        })
        .collect();
    serde_json::Value::Array(rows).to_string()
}

/// A column's MySQL type as `SHOW COLUMNS` writes it (`varchar(255)`, `decimal(10,2)`, `int
/// unsigned`), taken apart for `information_schema.COLUMNS`.
struct ColumnKind {
    /// `DATA_TYPE`: the type's name alone (`varchar`, `int`, `enum`).
    name: String,
    /// The numbers in its parentheses (`(10,2)`), none for an `enum`'s list.
    numbers: Vec<u64>,
    unsigned: bool,
}

impl ColumnKind {
    fn of(column_type: &str) -> Self {
        let name: String = column_type
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let numbers = if name == "enum" || name == "set" {
            Vec::new()
        } else {
            column_type
                .split_once('(')
                .and_then(|(_, rest)| rest.split_once(')'))
                .map(|(inside, _)| {
                    inside
                        .split(',')
                        .filter_map(|number| number.trim().parse().ok())
                        .collect()
                })
                .unwrap_or_default()
        };
        ColumnKind {
            unsigned: column_type.contains("unsigned"),
            name,
            numbers,
        }
    }

    fn is_text(&self) -> bool {
        matches!(
            self.name.as_str(),
            "char" | "varchar" | "tinytext" | "text" | "mediumtext" | "longtext" | "enum" | "set"
        )
    }

    fn character_length(&self) -> Option<u64> {
        match self.name.as_str() {
            "char" | "binary" => Some(self.numbers.first().copied().unwrap_or(1)),
            "varchar" | "varbinary" => self.numbers.first().copied(),
            "tinytext" | "tinyblob" => Some(255),
            "text" | "blob" => Some(65_535),
            "mediumtext" | "mediumblob" => Some(16_777_215),
            "longtext" | "longblob" => Some(4_294_967_295),
            _ => None,
        }
    }

    fn numeric_precision(&self) -> Option<u64> {
        Some(match self.name.as_str() {
            "tinyint" => 3,
            "smallint" => 5,
            "mediumint" => 7,
            "int" | "integer" => 10,
            "bigint" if self.unsigned => 20,
            "bigint" => 19,
            "decimal" | "numeric" => self.numbers.first().copied().unwrap_or(10),
            "float" => 12,
            "double" | "real" => 22,
            "bit" => self.numbers.first().copied().unwrap_or(1),
            _ => return None,
        })
    }

    fn numeric_scale(&self) -> Option<u64> {
        match self.name.as_str() {
            "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint" => Some(0),
            "decimal" | "numeric" => Some(self.numbers.get(1).copied().unwrap_or(0)),
            _ => None,
        }
    }

    fn datetime_precision(&self) -> Option<u64> {
        matches!(self.name.as_str(), "datetime" | "timestamp" | "time")
            .then(|| self.numbers.first().copied().unwrap_or(0))
    }
}

/// One row of TiDB's `SHOW INDEX`, its fields in TiDB's order.
#[derive(Debug, Serialize)]
struct IndexRow {
    #[serde(rename = "Table")]
    table: String,
    #[serde(rename = "Non_unique")]
    non_unique: u8,
    #[serde(rename = "Key_name")]
    key_name: String,
    #[serde(rename = "Seq_in_index")]
    seq_in_index: usize,
    #[serde(rename = "Column_name")]
    column_name: String,
    /// `A`: ascending, the only order Kiln's keys have.
    #[serde(rename = "Collation")]
    collation: &'static str,
    /// TiDB answers 0 until statistics are gathered; Kiln keeps none.
    #[serde(rename = "Cardinality")]
    cardinality: u64,
    #[serde(rename = "Sub_part")]
    sub_part: Option<u32>,
    #[serde(rename = "Packed")]
    packed: Option<String>,
    /// `YES` for a column that may hold `NULL`, else empty.
    #[serde(rename = "Null")]
    null: &'static str,
    #[serde(rename = "Index_type")]
    index_type: &'static str,
    #[serde(rename = "Comment")]
    comment: &'static str,
    #[serde(rename = "Index_comment")]
    index_comment: &'static str,
    #[serde(rename = "Visible")]
    visible: &'static str,
    #[serde(rename = "Expression")]
    expression: Option<String>,
    /// TiDB clusters a table's rows by its primary key (new tables' default).
    #[serde(rename = "Clustered")]
    clustered: &'static str,
}

/// `SHOW INDEX FROM t`: one row per column of each key, in key order.
fn index_rows(
    table: &str,
    definition: &Definition,
    rows: &[ColumnRow],
    indexes: &[String],
) -> Vec<IndexRow> {
    let nullable = |column: &str| {
        rows.iter()
            .find(|row| row.field.eq_ignore_ascii_case(column))
            .is_some_and(|row| row.null == "YES")
    };
    let mut out = Vec::new();
    for key in table_keys(table, definition, indexes) {
        for (at, column) in key.columns.iter().enumerate() {
            out.push(IndexRow {
                table: table.to_owned(),
                non_unique: u8::from(!key.unique),
                key_name: key.name.clone(),
                seq_in_index: at + 1,
                column_name: column.clone(),
                collation: "A",
                cardinality: 0,
                sub_part: None,
                packed: None,
                null: if nullable(column) { "YES" } else { "" },
                index_type: "BTREE",
                comment: "",
                index_comment: "",
                visible: "YES",
                expression: None,
                clustered: if key.primary { "YES" } else { "NO" },
            });
        }
    }
    out
}

/// The column's MySQL type as `SHOW COLUMNS` writes it (`varchar(255)`, `int unsigned`,
/// `enum('a','b')`), from the declared type Kiln wrote after the column's name.
fn mysql_type(text: &str, auto_increment: bool) -> String {
    let declared = if auto_increment {
        // SQLite's row id is declared INTEGER; the MySQL type is in its key's name, and a
        // table made before Kiln kept it reads as MySQL's `int`, what apps most often write.
        super::dialect::auto_increment_type(text).unwrap_or_else(|| "INT".to_owned())
    } else {
        declared_words(text)
    };
    // `INT UNSIGNED(11)`, as Kiln writes it for SQLite's grammar, reads `int unsigned`; a
    // length or precision stays on the type's name (`varchar(255)`, `decimal(10,2)`).
    let lower = declared.to_ascii_lowercase();
    let (words, numbers) = match lower.split_once('(') {
        Some((words, rest)) => (words.trim().to_owned(), Some(format!("({rest}"))),
        None => (lower.clone(), None),
    };
    let mut words = words.split_whitespace();
    let name = words.next().unwrap_or_default().to_owned();
    let rest: Vec<&str> = words.collect();
    if name == "enum"
        && let Some(members) = enum_members(text)
    {
        return format!("enum({members})");
    }
    let keeps_numbers = !matches!(
        name.as_str(),
        "int" | "integer" | "tinyint" | "smallint" | "mediumint" | "bigint"
    ) || rest.is_empty() && name == "tinyint";
    let mut out = name;
    if let Some(numbers) = numbers.filter(|_| keeps_numbers) {
        out.push_str(&numbers);
    }
    for word in rest {
        out.push(' ');
        out.push_str(word);
    }
    out
}

/// The words of the declared type Kiln wrote after a column's name, up to its constraints.
fn declared_words(text: &str) -> String {
    skip_name(text)
        .split_whitespace()
        .take_while(|word| {
            let upper = word.to_ascii_uppercase();
            !matches!(
                upper.as_str(),
                "NOT"
                    | "NULL"
                    | "DEFAULT"
                    | "PRIMARY"
                    | "UNIQUE"
                    | "CHECK"
                    | "CONSTRAINT"
                    | "REFERENCES"
                    | "COLLATE"
                    | "GENERATED"
            )
        })
        .filter(|word| *word != super::columns::ON_UPDATE_NOW)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The list an `ENUM` column's CHECK allows (`'a','b'`).
fn enum_members(text: &str) -> Option<String> {
    let at = text.find(ENUM_CHECK)?;
    let rest = &text[at..];
    let list = rest.rsplit_once(" IN (")?.1;
    let list = list.strip_suffix("))")?;
    Some(list.replace(", ", ","))
}

/// The text after a column's name (quoted or bare), its first token.
fn skip_name(text: &str) -> &str {
    let end = tokens(text)
        .first()
        .map_or(text.len(), |name| name.range.end);
    &text[end..]
}

/// A column's default as MySQL's `Default` field shows it: a string without its quotes, a
/// number as written, `CURRENT_TIMESTAMP` for the clock; `None` for none or `NULL`.
fn default_value(text: &str) -> Option<String> {
    let value = super::rebuild::default_expression(text)?;
    let upper = value.to_ascii_uppercase();
    if upper == "NULL" {
        None
    } else if matches!(
        upper.trim_end_matches("()"),
        "CURRENT_TIMESTAMP" | "NOW" | "LOCALTIMESTAMP" | "LOCALTIME"
    ) {
        Some("CURRENT_TIMESTAMP".to_owned())
    } else if let Some(inner) = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
        Some(inner.replace("''", "'"))
    } else {
        Some(value.to_owned())
    }
}

/// `SHOW [FULL] TABLES [LIKE 'pattern']` as a query of SQLite's schema; the column is named as
/// MySQL names it for a database called `forge` (apps read the first value of each row).
pub(super) fn tables_query(like: Option<&str>) -> String {
    let filter = like
        .map(|pattern| format!(" AND name LIKE {}", sqlite_string(pattern)))
        .unwrap_or_default();
    format!(
        "SELECT name AS \"Tables_in_forge\" FROM sqlite_schema WHERE type = 'table' \
         AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'{filter} ORDER BY name"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_and_defaults_read_as_mysql_writes_them() {
        assert_eq!(
            mysql_type("name VARCHAR(255) NOT NULL", false),
            "varchar(255)"
        );
        assert_eq!(
            mysql_type("`n` INT UNSIGNED(11) DEFAULT (0)", false),
            "int unsigned"
        );
        assert_eq!(mysql_type("price DECIMAL(10,2)", false), "decimal(10,2)");
        assert_eq!(
            mysql_type("at DATETIME KILN_ON_UPDATE_NOW NOT NULL", false),
            "datetime"
        );
        assert_eq!(
            mysql_type(
                "e ENUM CONSTRAINT \"kiln_enum:e\" CHECK (e IS NULL OR e IN ('a', 'b'))",
                false
            ),
            "enum('a','b')"
        );
        assert_eq!(
            default_value("v VARCHAR(5) DEFAULT ('it''s')"),
            Some("it's".into())
        );
        assert_eq!(default_value("n INT DEFAULT (0)"), Some("0".into()));
        assert_eq!(
            default_value("t TIMESTAMP DEFAULT (CURRENT_TIMESTAMP)"),
            Some("CURRENT_TIMESTAMP".into())
        );
        assert_eq!(default_value("t TEXT DEFAULT (NULL)"), None);
        assert_eq!(default_value("t TEXT"), None);
        // An unclosed quote (never in Kiln's text) runs to the end, without a panic.
        assert_eq!(default_value("t TEXT DEFAULT ('a)"), Some("'a".into()));
    }
}
