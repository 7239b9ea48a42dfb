//! Forge SQL: the installation's own relational database, as Forge's
//! `@forge/sql`.
//!
//! Each installation (this app on one site, in one environment) has one
//! database, spoken in MySQL as Forge SQL (TiDB) speaks it; no statement
//! reaches another installation's. The manifest must declare it, or every
//! statement fails with [`SqlErrorCode::AppNotEnabled`]:
//!
//! ```yaml
//! modules:
//!   sql:
//!     - key: main
//!       engine: mysql
//! ```
//!
//! | `@forge/sql` | `kiln_sdk::sql` |
//! |---|---|
//! | `sql.prepare(q).bindParams(a, b).execute()` | [`prepare(q)`](prepare)`.bind(&a).bind(&b)` then [`fetch_all`](Statement::fetch_all) / [`fetch_one`](Statement::fetch_one) / [`fetch_optional`](Statement::fetch_optional) (rows, through serde) or [`execute`](Statement::execute) (a [`ResultHeader`]) |
//! | `sql.executeRaw(q)` | [`execute_raw(q)`](execute_raw) (an [`Answer`]) |
//! | `sql.executeDDL(q)` | [`execute_ddl(q)`](execute_ddl) |
//! | `migrationRunner.enqueue(n, q).run()`, `.list()` | [`migration_runner()`](migration_runner)`.enqueue(n, q).run()`, `.list()` |
//! | `ForgeSQLAPIError` (`code`, `message`), `errorCodes` | [`SqlError`] (`code`, `message`), [`SqlErrorCode`] |
//!
//! ```no_run
//! use kiln_sdk::prelude::*;
//! use kiln_sdk::sql;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Deserialize, Serialize)]
//! struct Item {
//!     id: i32,
//!     name: String,
//!     stock: i32,
//! }
//!
//! #[kiln_sdk::handler]
//! fn restock(name: String) -> Result<Vec<Item>, AppError> {
//!     sql::migration_runner()
//!         .enqueue(
//!             "v001_create_items",
//!             "CREATE TABLE IF NOT EXISTS items (id INT PRIMARY KEY AUTO_INCREMENT, \
//!              name VARCHAR(255) NOT NULL UNIQUE, stock INT NOT NULL DEFAULT 0)",
//!         )
//!         .run()?;
//!     // MySQL's upsert: a new name is inserted, a known one restocked.
//!     sql::prepare(
//!         "INSERT INTO items (name, stock) VALUES (?, 10) \
//!          ON DUPLICATE KEY UPDATE stock = stock + VALUES(stock)",
//!     )
//!     .bind(&name)
//!     .execute()?;
//!     Ok(sql::prepare("SELECT id, name, stock FROM items ORDER BY id").fetch_all()?)
//! }
//!
//! kiln_sdk::export_app!(restock);
//! ```
//!
//! # How values come back
//!
//! Rows are JSON objects, column name to value, as Forge SQL answers them,
//! and are deserialised with serde:
//! - `INT`, `SMALLINT`, `TINYINT`, `MEDIUMINT`, `FLOAT`, `DOUBLE` and
//!   `BOOLEAN` as JSON numbers (a `BOOLEAN` is `0` or `1`);
//! - **`BIGINT` and `DECIMAL` as JSON text** (`"9007199254740993"`,
//!   `"12.50"` with the declared scale), so that no digit is lost: read them
//!   into `String`, or into a number with [`number::deserialize`]
//!   (`#[serde(deserialize_with = "kiln_sdk::sql::number::deserialize")]`),
//!   which takes text and numbers alike;
//! - `DATE`, `DATETIME` and `TIMESTAMP` as text, `YYYY-MM-DD HH:MM:SS` in UTC;
//! - `JSON` columns as the JSON value itself (bind it with
//!   [`Statement::bind_json`]);
//! - `VARCHAR`, `TEXT`, `ENUM` as text; `NULL` as `null` (an `Option` field).
//!
//! Kiln keeps the database in SQLite and differs from TiDB in a few places
//! (the Kiln repository's `docs/state.md`, "Forge SQL"): an `AUTO_INCREMENT`
//! `BIGINT` comes back as a number (which [`number::deserialize`] accepts),
//! a `DECIMAL` is exact to 15 significant digits, lengths and integer ranges
//! are not checked.
//!
//! # Errors
//!
//! Every call returns a [`SqlError`] whose [`code`](SqlError::code) is
//! Forge's (`INVALID_SQL_QUERY`, `SQL_EXECUTION_ERROR`, `QUERY_TIMED_OUT`,
//! `APP_NOT_ENABLED`, `UNKNOWN_ERROR`) or the SDK's own when the answer is not
//! what the app asked for ([`SqlErrorCode::RowNotFound`],
//! [`SqlErrorCode::UnexpectedAnswer`]). The database's refusals read as
//! MySQL's: [`SqlError::mysql_error`] is `Some(1062)` for a duplicate key.
//! A statement that fails leaves nothing behind.

mod answer;
mod error;
mod migration;
pub mod number;
mod statement;

#[cfg(not(target_arch = "wasm32"))]
pub(crate) use answer::to_json as answer_json;
pub use answer::{Answer, ResultHeader};
pub use error::{SqlError, SqlErrorCode};
pub use migration::{
    AppliedMigration, CREATE_MIGRATIONS_TABLE, INSERT_MIGRATION, LIST_MIGRATIONS, MigrationError,
    MigrationRunner, migration_runner,
};
pub use statement::{Statement, prepare};

/// Which of `@forge/sql`'s doors a statement goes through: Forge sends data
/// statements and schema changes to two endpoints, and the host holds them
/// to different rules (only a schema call may carry a script of several
/// statements).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatementKind {
    /// Queries and writes: [`prepare`], [`execute_raw`].
    Data,
    /// Schema changes: [`execute_ddl`] and the migration runner.
    Schema,
}

/// Runs one statement without parameters and returns its answer as it
/// comes, rows or a result header: `@forge/sql`'s `sql.executeRaw(query)`.
/// Prefer [`prepare`] with [`Statement::bind`] whenever a value comes from
/// outside the code.
///
/// ```no_run
/// # fn main() -> Result<(), kiln_sdk::sql::SqlError> {
/// use kiln_sdk::sql::{self, Answer};
///
/// match sql::execute_raw("DELETE FROM sessions WHERE expires_at < NOW()")? {
///     Answer::Written(header) => println!("{} expired", header.affected_rows),
///     Answer::Rows(rows) => println!("{} rows", rows.len()),
/// }
/// # Ok(())
/// # }
/// ```
pub fn execute_raw(query: impl Into<String>) -> Result<Answer, SqlError> {
    prepare(query).run()
}

/// Runs a schema change (`CREATE TABLE`, `ALTER TABLE`, `CREATE INDEX`,
/// `DROP TABLE`, …): `@forge/sql`'s `sql.executeDDL(query)`. It may be a
/// script of several statements separated by `;`, which runs whole or not
/// at all. For changes that must run once per installation, use the
/// [`migration_runner`].
///
/// ```no_run
/// # fn main() -> Result<(), kiln_sdk::sql::SqlError> {
/// kiln_sdk::sql::execute_ddl(
///     "CREATE TABLE IF NOT EXISTS notes (id INT PRIMARY KEY AUTO_INCREMENT, issue VARCHAR(32) NOT NULL);
///      CREATE TABLE IF NOT EXISTS tags (note INT NOT NULL, tag VARCHAR(64) NOT NULL);",
/// )?;
/// # Ok(())
/// # }
/// ```
pub fn execute_ddl(query: impl Into<String>) -> Result<ResultHeader, SqlError> {
    Statement::new(StatementKind::Schema, query.into()).execute()
}
