//! The seam between the shared statements and a database engine.
//!
//! App storage and serve state are written once, over any [`SqlDatabase`]: the statements
//! (`storage/sql.rs`, `serve/sql.rs`) are in the SQL SQLite and PostgreSQL both run, and the
//! code that runs them is generic over the engine (`storage/sql_backend.rs`,
//! `serve/sql_backend.rs`). An engine supplies only what really differs:
//! - how a write transaction starts: SQLite queues the process's writers on a gate and takes
//!   the file's write lock at `BEGIN IMMEDIATE`; PostgreSQL starts a plain READ COMMITTED
//!   transaction and relies on row locks taken by the first statement;
//! - the [`Engine`] tag, which the few statements that differ (the queue claim's
//!   `FOR UPDATE SKIP LOCKED`, its served counter) are chosen by.
//!
//! The bounds every generic impl repeats ([`SqlDatabase`]'s `Db` must encode and decode the
//! column types Kiln uses: `i64`, byte strings, text) cannot be stated once on the trait:
//! Rust does not carry a trait's `where` clauses to its users, so each `impl` lists them.

use std::borrow::Cow;
use std::future::Future;
use std::sync::Arc;

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{Database, Pool, SqlSafeStr, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::storage::BackendError;

/// Which engine: the statements that differ between them are chosen by this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for crate::database::SqliteDatabase {}
    impl Sealed for crate::postgres::PostgresDatabase {}
}

/// An open, migrated database Kiln's state lives in: [`crate::SqliteDatabase`] or
/// [`crate::PostgresDatabase`]. Sealed: the storage rules are only proven on these two.
pub trait SqlDatabase: sealed::Sealed + Clone + std::fmt::Debug + Send + Sync + 'static {
    type Db: Database<QueryResult: RowsAffected>;
    const ENGINE: Engine;

    #[doc(hidden)]
    fn pool(&self) -> &Pool<Self::Db>;

    /// A transaction for a write, each engine's way (see the module's documentation).
    #[doc(hidden)]
    fn begin_write(
        &self,
    ) -> impl Future<Output = Result<WriteTransaction<Self::Db>, BackendError>> + Send;

    /// A write transaction whose commit need not reach the disk before it returns: only for
    /// writes whose loss on a power failure or an OS crash is the same as the process dying
    /// just before them, which the queue already survives. That is a lease (taken or
    /// renewed): lost, it lapses, and the event is claimed again, as it is one lease after
    /// a killed worker; and a completion: lost, the event is still leased, so it runs again
    /// after its lease, as after a worker killed between the app's return and `complete`
    /// (at least once). Never for an accepted event or app data. A process crash loses
    /// nothing either way: the commit is in the OS's hands before it returns. Later durable
    /// commits carry earlier ones (SQLite's WAL and PostgreSQL's are sequential), so such a
    /// write is never lost while a write made after it survives.
    /// This takes the fsync (about 1.6 ms on the CI machine's disk) out of the event path
    /// twice: the claim before the handler, and the completion that the next accepted
    /// delivery would otherwise queue behind.
    #[doc(hidden)]
    fn begin_lease_write(
        &self,
    ) -> impl Future<Output = Result<WriteTransaction<Self::Db>, BackendError>> + Send;

    /// The SQLite database itself, for the one transaction SQLite runs outside sqlx
    /// (`serve/sqlite_accept.rs`); `None` for PostgreSQL.
    #[doc(hidden)]
    fn as_sqlite(&self) -> Option<&crate::SqliteDatabase> {
        None
    }
}

/// A write transaction and, on SQLite, the process-wide write gate it holds. Commit, or roll
/// back explicitly: a dropped sqlx transaction only rolls back when its connection is next
/// used, which on SQLite would hold the file's write lock past the gate.
pub struct WriteTransaction<DB: Database> {
    pub(crate) tx: Transaction<'static, DB>,
    _gate: Option<OwnedMutexGuard<()>>,
}

impl<DB: Database> WriteTransaction<DB> {
    pub(crate) fn new(tx: Transaction<'static, DB>, gate: Option<OwnedMutexGuard<()>>) -> Self {
        Self { tx, _gate: gate }
    }

    pub(crate) async fn commit(self) -> Result<(), BackendError> {
        self.tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn rollback(self) -> Result<(), BackendError> {
        self.tx.rollback().await?;
        Ok(())
    }
}

/// The in-process write gate SQLite's writers queue on (see `database.rs`).
pub(crate) type WriteGate = Arc<Mutex<()>>;

/// An engine's migrations, in order: version, description, SQL. Embedded in the binary (an
/// installed binary needs no migration files); sqlx records each applied one with a
/// checksum and refuses a database with migrations this binary does not know (an older Kiln
/// on a newer database) instead of guessing. Both engines use the same versions for the
/// same change.
pub(crate) type Migrations = &'static [(i64, &'static str, &'static str)];

pub(crate) fn migrator(migrations: Migrations) -> Migrator {
    Migrator::with_migrations(
        migrations
            .iter()
            .map(|(version, description, sql)| {
                Migration::new(
                    *version,
                    Cow::Borrowed(*description),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

/// How many rows a statement changed. Each driver has its own result type; this names the
/// one method Kiln needs from both.
pub trait RowsAffected {
    fn rows_affected(&self) -> u64;
}

impl RowsAffected for sqlx::sqlite::SqliteQueryResult {
    fn rows_affected(&self) -> u64 {
        sqlx::sqlite::SqliteQueryResult::rows_affected(self)
    }
}

impl RowsAffected for sqlx::postgres::PgQueryResult {
    fn rows_affected(&self) -> u64 {
        sqlx::postgres::PgQueryResult::rows_affected(self)
    }
}
