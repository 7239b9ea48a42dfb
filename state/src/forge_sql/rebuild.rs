//! The `ALTER TABLE` changes SQLite's own `ALTER TABLE` cannot make, made by rebuilding the
//! table as SQLite documents (<https://sqlite.org/lang_altertable.html#otheralter>):
//! `ADD COLUMN`, `MODIFY`/`CHANGE COLUMN`, `ALTER COLUMN … SET DEFAULT`/`DROP DEFAULT`,
//! `ADD PRIMARY KEY`, `DROP PRIMARY KEY`, `ADD FOREIGN KEY`, `DROP FOREIGN KEY`,
//! `DROP CONSTRAINT` and `DROP COLUMN` (SQLite's own refuses a column a key or index names,
//! which MySQL drops from them).
//!
//! `ADD COLUMN` is SQLite's own only in part: SQLite refuses a new column that is `UNIQUE` or a
//! key, `NOT NULL` without a default, or defaults to an expression (`DEFAULT (NOW())`, as
//! drizzle-kit writes), and checks a new column's CHECK through a pragma the database's
//! authorizer refuses; it cannot place the column (`FIRST`/`AFTER`). MySQL does all of that,
//! so Kiln adds every column by a rebuild, in which each existing row gets the column's default
//! evaluated for it, or TiDB's value for a `NOT NULL` column without one (the type's zero,
//! an `ENUM`'s first member).
//!
//! A new table gets the changed definition, the rows are copied into it, the old table is
//! dropped, the new one takes its name and the old table's indexes are created again, all in the
//! call's one transaction. The copy is what makes the change MySQL's: each row meets the new
//! definition's checks, so `MODIFY name VARCHAR(5)` over a longer value fails with 1406 and
//! `ADD PRIMARY KEY` over duplicates with 1062, and nothing changes.
//!
//! The definition changed is the one SQLite keeps (`sqlite_schema.sql`). It is Kiln's own text:
//! the dialect wrote every table, and SQLite's `ALTER TABLE` edits that text in place. It is read
//! as a list of parts split at its top-level commas, each a column (it starts with the column's
//! name) or a table constraint (it starts with `CONSTRAINT`, `PRIMARY`, `UNIQUE`, `CHECK` or
//! `FOREIGN`, unquoted: a column so named is quoted in Kiln's text); quotes and parentheses are
//! skipped whole, so no value or name inside them can split a part or look like a keyword.
//!
//! Foreign keys: Forge SQL keeps their definitions and enforces none, so the database runs with
//! SQLite's enforcement off ([`super::database`]); replacing a table therefore runs no child's
//! `ON DELETE` action, and a key added over rows that point nowhere is added, as on Forge.

use std::ops::Range;

use rusqlite::{Connection, OptionalExtension, params};

use super::error::ForgeSqlError;

/// One table change made by a rebuild.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rebuild {
    /// The table, as named (unquoted); SQLite's names ignore ASCII case.
    pub(super) table: String,
    pub(super) change: Change,
}

/// What a rebuild changes. Texts are SQLite, written by the dialect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Change {
    /// `ADD [COLUMN]`: the column's definition, where it goes (the end when
    /// `None`), and what the existing rows hold in it when not its default (`filled`, a SQLite
    /// literal).
    AddColumn {
        column: String,
        definition: String,
        auto_increment: bool,
        position: Option<Position>,
        filled: Option<String>,
    },
    /// `MODIFY`/`CHANGE COLUMN`: the column takes a new definition, written under its current
    /// name, and a new place when one is asked for.
    Column {
        column: String,
        definition: String,
        auto_increment: bool,
        position: Option<Position>,
    },
    /// `ALTER COLUMN … SET DEFAULT` (an expression) or `DROP DEFAULT`.
    Default {
        column: String,
        default: Option<String>,
    },
    /// `ADD PRIMARY KEY (…)`: the table constraint.
    AddPrimaryKey(String),
    /// `ADD [CONSTRAINT name] FOREIGN KEY …`: the table constraint, and its name.
    AddForeignKey {
        name: Option<String>,
        constraint: String,
    },
    /// `DROP FOREIGN KEY name`, `DROP CONSTRAINT [IF EXISTS] name`, `DROP CHECK name`.
    DropConstraint { name: String, if_exists: bool },
    /// `DROP INDEX name` (`DROP KEY`, `DROP INDEX name ON table`), `IF EXISTS` or not. An index
    /// SQLite keeps apart (`ADD INDEX`, `CREATE INDEX`, a `KEY` of `CREATE TABLE`) is dropped
    /// as it is, without a rebuild ([`apply`]); a unique key `CREATE TABLE` declared (`UNIQUE
    /// KEY name (…)`, `UNIQUE (a, …)`, a column's `UNIQUE`) is part of the table in SQLite, so
    /// the table is rebuilt without it. MySQL names an unnamed unique key after its first
    /// column, and drops it by that name.
    DropIndex { name: String, if_exists: bool },
    /// `ADD INDEX (…)`, `ADD UNIQUE (…)` without a name: MySQL names the key after its first
    /// column, unless one of the table's keys has that name ([`super::dialect::unnamed_key_name`]),
    /// so the name is chosen here, against the keys the table has, and the index is made
    /// without a rebuild ([`apply`]). `columns` is the index's list as SQLite reads it.
    AddIndex {
        first_column: String,
        unique: bool,
        columns: String,
    },
    /// `DROP PRIMARY KEY`.
    DropPrimaryKey,
    /// `DROP [COLUMN] c`: the column leaves the table, its keys and its indexes, as in MySQL
    /// (SQLite's own `DROP COLUMN` refuses a column any index or key names).
    DropColumn(String),
}

/// MySQL's `FIRST`/`AFTER column`: where `SELECT *` shows a changed column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Position {
    First,
    After(String),
}

impl Rebuild {
    pub(super) fn new(table: String, change: Change) -> Self {
        Rebuild { table, change }
    }

    /// The same change with each SQLite text passed through `restore` (the dialect's string
    /// literals, put back).
    pub(super) fn map_text(self, restore: &dyn Fn(String) -> String) -> Self {
        let change = match self.change {
            Change::AddColumn {
                column,
                definition,
                auto_increment,
                position,
                filled,
            } => Change::AddColumn {
                column,
                definition: restore(definition),
                auto_increment,
                position,
                filled: filled.map(restore),
            },
            Change::Column {
                column,
                definition,
                auto_increment,
                position,
            } => Change::Column {
                column,
                definition: restore(definition),
                auto_increment,
                position,
            },
            Change::Default { column, default } => Change::Default {
                column,
                default: default.map(restore),
            },
            Change::AddPrimaryKey(text) => Change::AddPrimaryKey(restore(text)),
            Change::AddForeignKey { name, constraint } => Change::AddForeignKey {
                name,
                constraint: restore(constraint),
            },
            Change::AddIndex {
                first_column,
                unique,
                columns,
            } => Change::AddIndex {
                first_column,
                unique,
                columns: restore(columns),
            },
            other => other,
        };
        Rebuild {
            table: self.table,
            change,
        }
    }
}

/// Makes `rebuild`'s change on `connection`, inside the caller's transaction. `map_error` words
/// SQLite's failures.
pub(super) fn apply(
    connection: &Connection,
    rebuild: &Rebuild,
    map_error: fn(rusqlite::Error) -> ForgeSqlError,
) -> Result<(), ForgeSqlError> {
    let (table, mut definition, indexes) = read_table(connection, &rebuild.table, map_error)?;
    if let Change::AddIndex {
        first_column,
        unique,
        columns,
    } = &rebuild.change
    {
        let taken: Vec<String> = super::show::table_keys(&table, &definition, &indexes)
            .into_iter()
            .map(|key| key.name)
            .collect();
        let key = super::dialect::unnamed_key_name(first_column, &taken);
        let unique = if *unique { "UNIQUE " } else { "" };
        let create = format!(
            "CREATE {unique}INDEX {} ON {} ({columns})",
            super::dialect::index_name(&table, &key),
            quoted(&table)
        );
        return connection
            .execute(&create, [])
            .map(|_| ())
            .map_err(map_error);
    }
    if let Change::DropIndex { name, if_exists } = &rebuild.change {
        if let Some(index) = index_named(connection, &table, name).map_err(map_error)? {
            let drop = format!("DROP INDEX {}", quoted(&index));
            return connection.execute(&drop, []).map(|_| ()).map_err(map_error);
        }
        // A unique key of the definition: taken out here, the table rebuilt below.
        if !definition.drop_unique_key(name) {
            return if *if_exists {
                Ok(())
            } else {
                Err(cannot_drop(name))
            };
        }
    }
    // A generated column is computed, never copied (SQLite refuses a value for one).
    let mut copied: Vec<String> = definition
        .columns
        .iter()
        .filter(|part| !is_generated(&part.text))
        .map(|part| quoted(&part.name))
        .collect();
    let mut selected = copied.clone();
    if let Change::AddColumn {
        column,
        filled: Some(filled),
        ..
    } = &rebuild.change
    {
        copied.push(quoted(column));
        selected.push(filled.clone());
    }
    definition.change(&rebuild.change, &table)?;
    let mut indexes = indexes;
    if let Change::DropColumn(column) = &rebuild.change {
        let gone = quoted(&definition_name(&copied, column));
        let kept = |name: &String| *name != gone;
        copied.retain(kept);
        selected.retain(kept);
        indexes = indexes
            .iter()
            .filter_map(|index| without_key_column(index, column))
            .collect();
    }
    let has_sequence: bool = connection
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_sequence')",
            [],
            |row| row.get(0),
        )
        .map_err(map_error)?;
    let sequence: Option<i64> = if has_sequence {
        connection
            .query_row(
                "SELECT seq FROM sqlite_sequence WHERE name = ?1",
                [&table],
                |row| row.get(0),
            )
            .optional()
            .map_err(map_error)?
    } else {
        None
    };
    let new_name = format!("kiln_rebuild_{table}");
    let new_table = quoted(&new_name);
    // A row the new definition refuses is reported under the table's own name.
    let refused = |error: rusqlite::Error| {
        let mut error = map_error(error);
        error.message = error.message.replace(&new_name, &table);
        error
    };
    let columns = copied.join(", ");
    let selected = selected.join(", ");
    let old_table = quoted(&table);
    for statement in [
        format!(
            "CREATE TABLE {new_table} ({}){}",
            definition.body(),
            definition.tail
        ),
        format!("INSERT INTO {new_table} ({columns}) SELECT {selected} FROM {old_table}"),
        format!("DROP TABLE {old_table}"),
        format!("ALTER TABLE {new_table} RENAME TO {old_table}"),
    ]
    .iter()
    .chain(&indexes)
    {
        connection.execute(statement, []).map_err(refused)?;
    }
    // MySQL's AUTO_INCREMENT counter survives the change (ids are not reused); SQLite's is the
    // dropped table's row in sqlite_sequence, gone with it.
    if let Some(sequence) = sequence.filter(|_| definition.numbers_rows()) {
        let kept = connection
            .execute(
                "UPDATE sqlite_sequence SET seq = max(seq, ?2) WHERE name = ?1",
                params![table, sequence],
            )
            .map_err(map_error)?;
        if kept == 0 {
            connection
                .execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (?1, ?2)",
                    params![table, sequence],
                )
                .map_err(map_error)?;
        }
    }
    Ok(())
}

/// A table as its schema holds it: its name as created, its definition, and the `CREATE INDEX`
/// texts of its indexes (not those SQLite makes for its own keys, which the definition
/// declares). `table` is matched as SQLite matches names, ignoring ASCII case; a table that
/// does not exist is MySQL's 1146.
pub(super) fn read_table(
    connection: &Connection,
    table: &str,
    map_error: fn(rusqlite::Error) -> ForgeSqlError,
) -> Result<(String, Definition, Vec<String>), ForgeSqlError> {
    let Some((name, sql)) = table_sql(connection, table).map_err(map_error)? else {
        return Err(ForgeSqlError::execution(format!(
            "Error 1146 (42S02): Table '{table}' doesn't exist"
        )));
    };
    let definition = Definition::read(&sql).ok_or_else(|| {
        ForgeSqlError::execution(format!(
            "the definition of table '{name}' could not be read"
        ))
    })?;
    let mut statement = connection
        .prepare(
            "SELECT sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ?1 \
             AND sql IS NOT NULL",
        )
        .map_err(map_error)?;
    let indexes = statement
        .query_map([&name], |row| row.get(0))
        .map_err(map_error)?
        .collect::<Result<_, _>>()
        .map_err(map_error)?;
    Ok((name, definition, indexes))
}

/// A table's name as created and its `CREATE TABLE` text, matched as SQLite matches names.
pub(super) fn table_sql(
    connection: &Connection,
    table: &str,
) -> rusqlite::Result<Option<(String, String)>> {
    connection
        .query_row(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name = ?1 COLLATE NOCASE",
            [table],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()
}

/// A table's name as created and its definition, when it exists and reads; for the host's own
/// questions of the schema (defaults, keys), which have an answer without it.
pub(super) fn definition_of(connection: &Connection, table: &str) -> Option<(String, Definition)> {
    let (name, sql) = table_sql(connection, table).ok()??;
    Some((name, Definition::read(&sql)?))
}

/// A name as a SQLite identifier: double-quoted, inner quotes doubled.
pub(super) fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// One column or table constraint of a definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Part {
    /// A column's name, or a named constraint's name (empty for an unnamed one), unquoted.
    pub(super) name: String,
    pub(super) text: String,
}

/// A `CREATE TABLE` as SQLite keeps it: its columns, its table constraints, and what follows
/// the parenthesis (table options, none in Kiln's text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Definition {
    pub(super) columns: Vec<Part>,
    pub(super) constraints: Vec<Part>,
    tail: String,
}

impl Definition {
    pub(super) fn read(sql: &str) -> Option<Definition> {
        let body = tokens(sql)
            .into_iter()
            .find(|token| token.kind == Kind::Group)?
            .range;
        let tail = sql[body.end..].to_owned();
        let inner = inside_parentheses(sql, body)?;
        let mut columns = Vec::new();
        let mut constraints = Vec::new();
        let mut start = 0;
        let mut cuts: Vec<usize> = tokens(inner)
            .into_iter()
            .filter(|token| token.kind == Kind::Other && &inner[token.range.clone()] == ",")
            .map(|token| token.range.start)
            .collect();
        cuts.push(inner.len());
        for cut in cuts {
            let text = inner[start..cut].trim().to_owned();
            start = cut + 1;
            let words = tokens(&text);
            let first = words.first()?;
            let first_text = &text[first.range.clone()];
            let keyword = first.kind == Kind::Word
                && ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"]
                    .iter()
                    .any(|keyword| first_text.eq_ignore_ascii_case(keyword));
            if keyword {
                let name = if first_text.eq_ignore_ascii_case("CONSTRAINT") {
                    words
                        .get(1)
                        .map(|token| unquote(&text[token.range.clone()]))
                        .unwrap_or_default()
                } else {
                    String::new()
                };
                constraints.push(Part { name, text });
            } else if matches!(first.kind, Kind::Word | Kind::Quoted) {
                columns.push(Part {
                    name: unquote(first_text),
                    text,
                });
            } else {
                return None;
            }
        }
        Some(Definition {
            columns,
            constraints,
            tail,
        })
    }

    /// The parts, columns first (SQLite's grammar puts table constraints after them).
    fn body(&self) -> String {
        self.columns
            .iter()
            .chain(&self.constraints)
            .map(|part| part.text.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Whether a column is SQLite's `AUTOINCREMENT` row id, which sqlite_sequence numbers.
    pub(super) fn numbers_rows(&self) -> bool {
        self.columns
            .iter()
            .any(|part| has_words(&part.text, &["AUTOINCREMENT"]))
    }

    fn has_primary_key(&self) -> bool {
        self.columns
            .iter()
            .any(|part| has_words(&part.text, &["PRIMARY", "KEY"]))
            || self.constraints.iter().any(is_primary_key)
    }

    fn column(&self, name: &str, table: &str) -> Result<usize, ForgeSqlError> {
        self.columns
            .iter()
            .position(|part| part.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                ForgeSqlError::execution(format!(
                    "Error 1054 (42S22): Unknown column '{name}' in '{table}'"
                ))
            })
    }

    /// Where a column asked to go `position` goes among the other columns (`unplaced` when no
    /// place is asked for).
    fn place(
        &self,
        position: Option<&Position>,
        unplaced: usize,
        table: &str,
    ) -> Result<usize, ForgeSqlError> {
        Ok(match position {
            None => unplaced,
            Some(Position::First) => 0,
            Some(Position::After(after)) => self.column(after, table)? + 1,
        })
    }

    /// Takes out the unique key MySQL calls `name`, if the definition declares one: a table
    /// constraint named so, an unnamed one whose first column is `name` (MySQL names it after
    /// that column), or the `UNIQUE` of the column `name`. Whether it found one.
    fn drop_unique_key(&mut self, name: &str) -> bool {
        let names_key = |part: &Part| {
            has_words(&part.text, &["UNIQUE"])
                && if part.name.is_empty() {
                    key_columns(&part.text)
                        .and_then(|columns| columns.into_iter().next())
                        .is_some_and(|first| first.eq_ignore_ascii_case(name))
                } else {
                    part.name.eq_ignore_ascii_case(name)
                }
        };
        if let Some(at) = self.constraints.iter().position(names_key) {
            self.constraints.remove(at);
            return true;
        }
        match self
            .columns
            .iter_mut()
            .find(|part| part.name.eq_ignore_ascii_case(name) && has_words(&part.text, &["UNIQUE"]))
        {
            Some(column) => {
                column.text = without_words(&column.text, &["UNIQUE"]);
                true
            }
            None => false,
        }
    }

    fn change(&mut self, change: &Change, table: &str) -> Result<(), ForgeSqlError> {
        match change {
            Change::AddColumn {
                column,
                definition,
                auto_increment,
                position,
                ..
            } => {
                if self.column(column, table).is_ok() {
                    return Err(ForgeSqlError::execution(format!(
                        "Error 1060 (42S21): Duplicate column name '{column}'"
                    )));
                }
                // An AUTO_INCREMENT column is the row id, which numbers the existing rows as
                // they are copied (MySQL numbers them too); it must be the only key.
                if (*auto_increment || has_words(definition, &["PRIMARY", "KEY"]))
                    && self.has_primary_key()
                {
                    return Err(multiple_primary_keys());
                }
                let at = self.place(position.as_ref(), self.columns.len(), table)?;
                self.columns.insert(
                    at,
                    Part {
                        name: column.clone(),
                        text: definition.clone(),
                    },
                );
            }
            Change::Column {
                column,
                definition,
                auto_increment,
                position,
            } => {
                let at = self.column(column, table)?;
                let old = self.columns.remove(at);
                let mut text = definition.clone();
                if *auto_increment {
                    // The AUTO_INCREMENT column is SQLite's INTEGER PRIMARY KEY: a table
                    // constraint naming it alone says so again, one naming more cannot be.
                    let mut kept = Vec::new();
                    for constraint in self.constraints.drain(..) {
                        if !is_primary_key(&constraint) {
                            kept.push(constraint);
                            continue;
                        }
                        let this_column = key_columns(&constraint.text).is_some_and(|names| {
                            names.len() == 1 && names[0].eq_ignore_ascii_case(column)
                        });
                        if !this_column {
                            return Err(ForgeSqlError::execution(format!(
                                "the AUTO_INCREMENT column {column} must be the table's whole \
                                 primary key in Kiln's Forge SQL (SQLite numbers only its row id)"
                            )));
                        }
                    }
                    self.constraints = kept;
                    if self.has_primary_key() {
                        return Err(multiple_primary_keys());
                    }
                } else if has_words(&old.text, &["PRIMARY", "KEY"])
                    && !has_words(&text, &["PRIMARY", "KEY"])
                {
                    // MySQL's MODIFY changes a column, not the table's keys: the primary key
                    // stays (without AUTO_INCREMENT, if the new definition leaves it out).
                    text.push_str(" PRIMARY KEY");
                }
                let part = Part {
                    name: old.name,
                    text,
                };
                let at = self.place(position.as_ref(), at, table)?;
                self.columns.insert(at, part);
            }
            Change::Default { column, default } => {
                let at = self.column(column, table)?;
                let part = &mut self.columns[at];
                let mut text = without_default(&part.text);
                if let Some(default) = default {
                    text.push_str(&format!(" DEFAULT ({default})"));
                }
                part.text = text;
            }
            Change::AddPrimaryKey(constraint) => {
                if self.has_primary_key() {
                    return Err(multiple_primary_keys());
                }
                self.constraints.push(Part {
                    name: String::new(),
                    text: constraint.clone(),
                });
            }
            Change::AddForeignKey { name, constraint } => {
                let name = name.clone().unwrap_or_default();
                if !name.is_empty()
                    && self
                        .constraints
                        .iter()
                        .any(|part| part.name.eq_ignore_ascii_case(&name))
                {
                    return Err(ForgeSqlError::execution(format!(
                        "Error 1826 (HY000): Duplicate foreign key constraint name '{name}'"
                    )));
                }
                self.constraints.push(Part {
                    name,
                    text: constraint.clone(),
                });
            }
            Change::DropConstraint { name, if_exists } => {
                let before = self.constraints.len();
                self.constraints
                    .retain(|part| part.name.is_empty() || !part.name.eq_ignore_ascii_case(name));
                if self.constraints.len() == before && !if_exists {
                    return Err(cannot_drop(name));
                }
            }
            Change::DropColumn(column) => {
                let at = self
                    .column(column, table)
                    .map_err(|_| cannot_drop(column))?;
                if self.columns.len() == 1 {
                    return Err(ForgeSqlError::execution(
                        "Error 1090 (42000): You can't delete all columns with ALTER TABLE; use \
                         DROP TABLE instead",
                    ));
                }
                self.columns.remove(at);
                let mut kept = Vec::with_capacity(self.constraints.len());
                for part in self.constraints.drain(..) {
                    let named = key_columns(&part.text).unwrap_or_default();
                    let names_it = named.iter().any(|name| name.eq_ignore_ascii_case(column));
                    if has_words(&part.text, &["FOREIGN", "KEY"]) {
                        if names_it {
                            return Err(ForgeSqlError::execution(format!(
                                "Error 1828 (HY000): Cannot drop column '{column}': needed in a \
                                 foreign key constraint '{}'",
                                part.name
                            )));
                        }
                        kept.push(part);
                    } else if has_words(&part.text, &["CHECK"]) {
                        // A check on the column (an ENUM's list, a size) goes with it.
                        let mentions = tokens(&part.text).iter().any(|token| {
                            matches!(token.kind, Kind::Word | Kind::Quoted)
                                && unquote(&part.text[token.range.clone()])
                                    .eq_ignore_ascii_case(column)
                        }) || part.text.contains(&quoted(column));
                        if !mentions {
                            kept.push(part);
                        }
                    } else if names_it {
                        // A key loses the column; a key of that column alone goes.
                        if let Some(text) = without_key_column(&part.text, column) {
                            kept.push(Part {
                                name: part.name,
                                text,
                            });
                        }
                    } else {
                        kept.push(part);
                    }
                }
                self.constraints = kept;
            }
            // Made by `apply`: an index without a rebuild, a dropped key before it.
            Change::AddIndex { .. } | Change::DropIndex { .. } => {}
            Change::DropPrimaryKey => {
                let before = self.constraints.len();
                self.constraints.retain(|part| !is_primary_key(part));
                if self.constraints.len() == before {
                    let Some(part) = self
                        .columns
                        .iter_mut()
                        .find(|part| has_words(&part.text, &["PRIMARY", "KEY"]))
                    else {
                        return Err(cannot_drop("PRIMARY"));
                    };
                    if has_words(&part.text, &["AUTOINCREMENT"]) {
                        return Err(ForgeSqlError::execution(
                            "Error 1075 (42000): Incorrect table definition; there can be only \
                             one auto column and it must be defined as a key",
                        ));
                    }
                    part.text = without_words(&part.text, &["PRIMARY", "KEY"]);
                }
            }
        }
        Ok(())
    }
}

fn multiple_primary_keys() -> ForgeSqlError {
    ForgeSqlError::execution("Error 1068 (42000): Multiple primary key defined")
}

fn cannot_drop(name: &str) -> ForgeSqlError {
    ForgeSqlError::execution(format!(
        "Error 1091 (42000): Can't DROP '{name}'; check that column/key exists"
    ))
}

/// The name of the index SQLite keeps apart for `table`'s MySQL index `key`, if it has one.
/// The dialect names an index `<table>__<key>` (SQLite's names are per database, MySQL's per
/// table, [`super::dialect`]); a table renamed since keeps its indexes' names, so the part
/// after the first `__` is what names the key.
fn index_named(
    connection: &Connection,
    table: &str,
    key: &str,
) -> rusqlite::Result<Option<String>> {
    let mut statement = connection.prepare(
        "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = ?1 \
         AND sql IS NOT NULL",
    )?;
    let names = statement
        .query_map([table], |row| row.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let prefix = format!("{table}__");
    let by_prefix = |index: &String| {
        index
            .get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(&prefix))
            && index[prefix.len()..].eq_ignore_ascii_case(key)
    };
    let by_part = |index: &String| {
        index
            .split_once("__")
            .is_some_and(|(_, named)| named.eq_ignore_ascii_case(key))
    };
    Ok(names
        .iter()
        .find(|index| by_prefix(index))
        .or_else(|| names.iter().find(|index| by_part(index)))
        .cloned())
}

/// The copied column (`"name"`, as [`apply`] lists them) that `column` names, in the case the
/// table declared it.
fn definition_name(copied: &[String], column: &str) -> String {
    copied
        .iter()
        .map(|name| unquote(name))
        .find(|name| name.eq_ignore_ascii_case(column))
        .unwrap_or_else(|| column.to_owned())
}

/// A key's text (`CREATE INDEX … (a, b)`, `UNIQUE (a, b)`) without `column` in its list, or
/// `None` when the column was all of it (MySQL drops such an index with the column).
fn without_key_column(text: &str, column: &str) -> Option<String> {
    let group = tokens(text)
        .into_iter()
        .find(|token| token.kind == Kind::Group)?
        .range;
    let inner = inside_parentheses(text, group.clone())?;
    let kept: Vec<&str> = inner
        .split(',')
        .map(str::trim)
        .filter(|part| {
            !unquote(part.split_whitespace().next().unwrap_or_default())
                .eq_ignore_ascii_case(column)
        })
        .collect();
    if kept.is_empty() {
        return None;
    }
    Some(format!(
        "{}({}){}",
        &text[..group.start],
        kept.join(", "),
        &text[group.end..]
    ))
}

/// Whether a column's definition (as Kiln wrote it) is a generated column's.
pub(super) fn is_generated(text: &str) -> bool {
    has_words(text, &["GENERATED", "ALWAYS"])
}

/// Whether a table constraint is the primary key (`[CONSTRAINT name] PRIMARY KEY (…)`).
pub(super) fn is_primary_key(part: &Part) -> bool {
    let words = tokens(&part.text);
    let skip = if words
        .first()
        .is_some_and(|token| part.text[token.range.clone()].eq_ignore_ascii_case("CONSTRAINT"))
    {
        2
    } else {
        0
    };
    words
        .get(skip)
        .is_some_and(|token| part.text[token.range.clone()].eq_ignore_ascii_case("PRIMARY"))
}

/// The column names of a key constraint's parenthesised list, unquoted.
pub(super) fn key_columns(text: &str) -> Option<Vec<String>> {
    let group = tokens(text)
        .into_iter()
        .find(|token| token.kind == Kind::Group)?;
    let inner = inside_parentheses(text, group.range)?;
    Some(
        inner
            .split(',')
            .map(|name| unquote(name.split_whitespace().next().unwrap_or_default()))
            .collect(),
    )
}

/// Whether `text` holds `words` in a row at its top level (outside quotes and parentheses).
pub(super) fn has_words(text: &str, words: &[&str]) -> bool {
    find_words(text, words).is_some()
}

fn find_words(text: &str, words: &[&str]) -> Option<Range<usize>> {
    let tokens = tokens(text);
    tokens.windows(words.len()).find_map(|run| {
        run.iter()
            .zip(words)
            .all(|(token, word)| {
                token.kind == Kind::Word && text[token.range.clone()].eq_ignore_ascii_case(word)
            })
            .then(|| run[0].range.start..run[run.len() - 1].range.end)
    })
}

fn without_words(text: &str, words: &[&str]) -> String {
    match find_words(text, words) {
        Some(range) => format!("{}{}", text[..range.start].trim_end(), &text[range.end..]),
        None => text.to_owned(),
    }
}

/// The expression of a column's `DEFAULT` clause, as SQLite evaluates it (Kiln writes it
/// parenthesised: `DEFAULT (now())`, the parentheses left out here); `None` without one.
pub(super) fn default_expression(text: &str) -> Option<&str> {
    let tokens = tokens(text);
    let at = tokens.iter().position(|token| {
        token.kind == Kind::Word && text[token.range.clone()].eq_ignore_ascii_case("DEFAULT")
    })?;
    let value = tokens.get(at + 1)?;
    match value.kind {
        Kind::Group => inside_parentheses(text, value.range.clone()).map(str::trim),
        _ => text.get(value.range.clone()),
    }
}

/// A column's text without its `DEFAULT` clause (the word and the value after it).
fn without_default(text: &str) -> String {
    let tokens = tokens(text);
    let Some(at) = tokens.iter().position(|token| {
        token.kind == Kind::Word && text[token.range.clone()].eq_ignore_ascii_case("DEFAULT")
    }) else {
        return text.to_owned();
    };
    // The value: Kiln writes it parenthesised; a sign belongs to the literal after it.
    let mut end = at + 1;
    while tokens.get(end).is_some_and(|token| {
        token.kind == Kind::Other && matches!(&text[token.range.clone()], "-" | "+")
    }) {
        end += 1;
    }
    let stop = tokens.get(end).map_or(text.len(), |token| token.range.end);
    format!(
        "{}{}",
        text[..tokens[at].range.start].trim_end(),
        &text[stop..]
    )
}

/// The text between a group's parentheses; `None` for one left unclosed.
fn inside_parentheses(text: &str, group: Range<usize>) -> Option<&str> {
    let whole = text.get(group)?;
    whole.strip_prefix('(')?.strip_suffix(')')
}

/// A name without its quotes (`"a""b"`, `` `a` ``, `[a]`), as SQLite reads it.
pub(super) fn unquote(token: &str) -> String {
    let mut chars = token.chars();
    match (chars.next(), chars.next_back()) {
        (Some(open @ ('"' | '`' | '\'')), Some(close)) if open == close && token.len() >= 2 => {
            let quote = open.to_string();
            token[1..token.len() - 1].replace(&quote.repeat(2), &quote)
        }
        (Some('['), Some(']')) => token[1..token.len() - 1].to_owned(),
        _ => token.to_owned(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// A bare word: a keyword, a name, a number.
    Word,
    /// A quoted string or name, quotes included.
    Quoted,
    /// A parenthesised group, parentheses included.
    Group,
    /// Any other character (a comma, an operator).
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Token {
    pub(super) kind: Kind,
    pub(super) range: Range<usize>,
}

/// `text`'s top-level tokens. An unclosed quote or parenthesis runs to the end of the text.
pub(super) fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(c) = text[at..].chars().next() {
        let start = at;
        let kind = if c.is_whitespace() {
            at += c.len_utf8();
            continue;
        } else if matches!(c, '\'' | '"' | '`' | '[') {
            at = skip_quoted(text, at);
            Kind::Quoted
        } else if c == '(' {
            at = skip_group(text, at);
            Kind::Group
        } else if c.is_alphanumeric() || c == '_' {
            at += text[at..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
                .unwrap_or(text.len() - at);
            Kind::Word
        } else {
            at += c.len_utf8();
            Kind::Other
        };
        out.push(Token {
            kind,
            range: start..at,
        });
    }
    out
}

/// The end of the quoted text starting at `at`; a doubled quote stays inside.
fn skip_quoted(text: &str, at: usize) -> usize {
    let open = text[at..].chars().next().unwrap_or('"');
    let close = if open == '[' { ']' } else { open };
    let mut from = at + open.len_utf8();
    loop {
        let Some(found) = text[from..].find(close) else {
            return text.len();
        };
        let after = from + found + close.len_utf8();
        if close != ']' && text[after..].starts_with(close) {
            from = after + close.len_utf8();
        } else {
            return after;
        }
    }
}

/// The end of the parenthesised group starting at `at`.
fn skip_group(text: &str, at: usize) -> usize {
    let mut depth = 0usize;
    let mut position = at;
    while let Some(c) = text[position..].chars().next() {
        match c {
            '\'' | '"' | '`' | '[' => {
                position = skip_quoted(text, position);
                continue;
            }
            '(' => depth += 1,
            ')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return position + 1;
                }
            }
            _ => {}
        }
        position += c.len_utf8();
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_definition_reads_as_columns_and_constraints() {
        let sql = "CREATE TABLE \"t(1\" (id INTEGER PRIMARY KEY AUTOINCREMENT, \
                   `a,b` VARCHAR(5) DEFAULT ('x, y)') CONSTRAINT \"kiln_too_long:a,b\" CHECK \
                   (length(`a,b`) <= 5), \"primary\" INT, CONSTRAINT fk FOREIGN KEY (\"primary\") \
                   REFERENCES u(id), UNIQUE (id, \"primary\"))";
        let definition = Definition::read(sql).expect("reads");
        let names: Vec<&str> = definition.columns.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["id", "a,b", "primary"]);
        assert_eq!(definition.constraints.len(), 2);
        assert_eq!(definition.constraints[0].name, "fk");
        assert!(definition.numbers_rows());
        assert!(definition.has_primary_key());
        assert_eq!(
            without_default(&definition.columns[1].text),
            "`a,b` VARCHAR(5) CONSTRAINT \"kiln_too_long:a,b\" CHECK (length(`a,b`) <= 5)"
        );
        assert_eq!(
            key_columns(&definition.constraints[1].text),
            Some(vec!["id".to_owned(), "primary".to_owned()])
        );
    }

    #[test]
    fn keywords_inside_quotes_and_checks_are_not_keys() {
        assert!(!has_words(
            "note TEXT DEFAULT ('PRIMARY KEY')",
            &["PRIMARY", "KEY"]
        ));
        assert!(!has_words("\"PRIMARY KEY\" INT", &["PRIMARY", "KEY"]));
        assert!(has_words(
            "id INT NOT NULL PRIMARY KEY",
            &["PRIMARY", "KEY"]
        ));
        assert_eq!(
            without_words("id INT PRIMARY KEY NOT NULL", &["PRIMARY", "KEY"]),
            "id INT NOT NULL"
        );
        assert_eq!(
            without_default("n INT DEFAULT -1 NOT NULL"),
            "n INT NOT NULL"
        );
    }

    proptest::proptest! {
        /// Kiln wrote the text, but the app chose every name and value in it.
        #[test]
        fn any_text_reads_without_panicking(sql in "[ -~é\\[\\]]{0,120}") {
            if let Some(definition) = Definition::read(&sql) {
                let _ = definition.body();
                let _ = definition.has_primary_key();
            }
            let _ = without_default(&sql);
            let _ = without_words(&sql, &["PRIMARY", "KEY"]);
            let _ = key_columns(&sql);
        }
    }

    #[test]
    fn unclosed_text_does_not_panic() {
        for sql in [
            "CREATE TABLE t (a 'x",
            "CREATE TABLE t (a (",
            "CREATE TABLE t",
            "(",
            "\"",
            "[",
        ] {
            let _ = Definition::read(sql);
            let _ = tokens(sql);
        }
    }
}
