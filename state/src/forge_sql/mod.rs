//! Forge SQL (`@forge/sql`) for Kiln apps: each installation's own relational database.
//!
//! Forge gives every installation of an app a MySQL-compatible database (TiDB) that the app
//! reaches through `@forge/sql`: `sql.prepare(query).bindParams(...).execute()`,
//! `sql.executeRaw`, `sql.executeDDL` and the `migrationRunner`. Kiln keeps that database as a
//! SQLite file per installation beside the rest of its state, and runs the app's MySQL by
//! rewriting each statement for SQLite ([`dialect`]), binding parameters and returning rows in
//! the JSON Forge's SQL service returns ([`values`]), under limits that name their threats
//! ([`limits`]), in a database that cannot reach anything else ([`database`]).
//!
//! This module is the engine; the host door (`kiln:app` WIT) and the Forge layer's transport
//! call [`ForgeSqlDatabase::execute`] with the text `@forge/sql` sends (`query`, `params`) and
//! hand its answer or [`ForgeSqlError`] back in Forge's body shapes.

mod aggregate_functions;
mod aggregate_types;
pub mod answer;
mod arguments;
mod columns;
pub mod database;
mod date_functions;
mod defined_values;
pub mod dialect;
mod digest_functions;
mod duplicate_entry;
pub mod error;
mod expressions;
mod functions;
mod hex_numbers;
mod information_schema;
mod json_column_values;
mod json_functions;
mod lateral;
mod limit_clauses;
pub mod limits;
mod memory_budget;
mod multi_table;
mod mysql_errors;
mod number_columns;
mod number_functions;
mod postgres_images;
mod rebuild;
mod show;
mod sleep_function;
pub mod store;
mod text_functions;
mod tidb_guards;
mod token_places;
pub mod values;
mod word_operators;
mod writes;

pub use database::{ForgeSqlDatabase, ForgeSqlOpenError};
pub use dialect::Endpoint;
pub use error::{ForgeSqlCode, ForgeSqlError};
pub use limits::ForgeSqlLimits;
pub use store::{ForgeSqlPlacement, ForgeSqlStore};
