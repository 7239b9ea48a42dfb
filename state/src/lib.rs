//! Kiln's state layer: what a host remembers between invocations.
//!
//! Today that is **app storage** (issue 14): Forge's key-value store (`@forge/kvs`) with one
//! namespace per [`Installation`] — an app on a site in an environment — offering get, set,
//! delete, prefix queries with a cursor and a limit, compare-and-set for counters, and
//! secrets encrypted at rest. Beside it, [`serve`] holds what `runtime serve` (issue 15)
//! needs — the installations registry, web trigger ids, webhook delivery dedup, schedule
//! state and a persistent event queue. Both live in one database: the embedded SQLite file,
//! or PostgreSQL shared by `runtime serve` replicas (issue 16), chosen by a
//! [`StateLocation`] (`memory`, `sqlite://…`, `postgres://…`). See `docs/state.md` for the
//! data model and limits, `docs/operations.md` for running replicas.
//!
//! # Layers
//! - [`storage::AppStorage`] / [`storage::InstallationStorage`]: the rules — key grammar
//!   (`storage/key.rs`), Forge's limits (`storage/limits.rs`, with sources), cursors,
//!   the quota, secret sealing ([`secrets`]).
//! - [`storage::StorageBackend`]: bytes under an installation, each operation one
//!   transaction. [`storage::MemoryBackend`] for tests and `--storage memory`;
//!   [`storage::SqliteBackend`] over a [`SqliteDatabase`], the embedded default (one file
//!   under the user's data directory, [`default_state_path`]).
//! - [`storage::SqlBackend`] and [`serve::SqlServeBackend`]: the shared statements, run
//!   once for both SQL engines over a [`SqlDatabase`] (`engine.rs` says what differs).
//! - [`SqliteDatabase`]: the file, its settings and its versioned migrations;
//!   [`PostgresDatabase`]: the shared pool, its session settings and its migrations.
//!
//! # Why sqlx
//! The choice was sqlx versus rusqlite + tokio-postgres. sqlx gives one async API over
//! SQLite and PostgreSQL, so the storage rules, transactions and statements (`storage/sql.rs`,
//! written in the SQL both accept) are shared and the PostgreSQL backend adds a pool, not a
//! second implementation; its migrator records versions and checksums, refuses a database
//! newer than the binary, and on PostgreSQL takes an advisory lock so replicas starting
//! together migrate once — what issue 16 asks for. rusqlite is lighter but synchronous (every
//! call a `spawn_blocking`) and would leave two code paths and a home-made migration table.
//! Only sqlx's runtime API is used (`query`, `query_as`, `Migrator::with_migrations`), not
//! its compile-time macros, so building Kiln needs no `DATABASE_URL` and no live database.
//!
//! # Concurrency
//! Every write to an installation first updates that installation's `storage_usage` row,
//! inside the write's transaction: that row is the lock (PostgreSQL row lock; SQLite's
//! database write lock, taken by `BEGIN IMMEDIATE`), and it hands out the write's version.
//! Compare-and-set checks the version it read under that lock, so two invocations — in one
//! process, two processes on one file, or two replicas on one PostgreSQL database — never
//! lose an update.

pub mod database;
pub mod engine;
pub mod forge_sql;
pub mod installation;
pub mod location;
pub mod postgres;
pub mod secrets;
pub mod serve;
pub mod storage;
pub mod uuid;
pub mod variables;
pub mod web_trigger_urls;

pub use database::{SqliteDatabase, default_state_path};
pub use engine::{Engine, SqlDatabase};
pub use installation::{Installation, InstallationError};
pub use location::{StateBackends, StateLocation, StateLocationError};
pub use postgres::PostgresDatabase;
pub use secrets::{EncryptionKey, SecretCipher, SecretError, SecretValue};
pub use serve::{ServeError, ServeLimits, ServeState};
pub use storage::{AppStorage, InstallationStorage, StorageError, StorageLimits};
pub use variables::{AppVariables, VariableError, VariableName};
