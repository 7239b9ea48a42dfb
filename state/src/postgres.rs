//! The shared database: PostgreSQL, for `runtime serve` replicas (issue 16).
//!
//! Every replica opens a pool on the same database; all shared state lives there and each
//! rule that must hold across replicas is enforced by PostgreSQL itself (row locks, `ON
//! CONFLICT … WHERE`, `FOR UPDATE SKIP LOCKED`, advisory locks), never by coordination
//! between the replicas. Settings, and why:
//! - **Migrations at start under an advisory lock**: sqlx's migrator takes
//!   `pg_advisory_lock` before reading `_sqlx_migrations`, so replicas starting together
//!   apply each migration once and the others wait, then find nothing to do. It runs on a
//!   one-connection pool of its own that is closed afterwards, so the session lock can never stay
//!   behind on a pooled connection if a migration fails.
//! - **READ COMMITTED** (PostgreSQL's default): each statement sees what was committed when
//!   it started. The statements are written for it (`storage/sql.rs` explains the one place
//!   where that matters, reading after taking the row lock).
//! - **`idle_in_transaction_session_timeout` 60 s**: a replica that stalls or is partitioned
//!   mid-transaction loses its row locks instead of blocking every other replica.
//! - **`statement_timeout` 30 s**: a statement stuck behind a lock fails with an error the
//!   caller sees, instead of hanging a request.
//! - **`synchronous_commit`** is left to the server (on by default): an acknowledged write is
//!   durable, as "nothing accepted is lost" requires.
//!
//! The URL carries the password: it is never logged, and `Debug` shows host, port and
//! database only.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Postgres};

use crate::engine::{Engine, Migrations, SqlDatabase, WriteTransaction, migrator};
use crate::storage::BackendError;

const POSTGRES_MIGRATIONS: Migrations = &[
    (
        1,
        "installations and app storage",
        include_str!("../migrations/postgres/0001_installations_and_app_storage.sql"),
    ),
    (
        2,
        "serve state: registry, web triggers, deliveries, schedules, event queue",
        include_str!("../migrations/postgres/0002_serve_state.sql"),
    ),
    (
        3,
        "installation consent: approvals bound to site and component, holds",
        include_str!("../migrations/postgres/0003_installation_consent.sql"),
    ),
    (
        4,
        "dynamic webhook registrations of 3LO sites, leased to one replica",
        include_str!("../migrations/postgres/0004_webhook_registrations.sql"),
    ),
    (
        5,
        "app storage: expiring values and entry metadata",
        include_str!("../migrations/postgres/0005_storage_expiry.sql"),
    ),
    (
        6,
        "async-event jobs, delayed events and requested retries",
        include_str!("../migrations/postgres/0006_queue_jobs.sql"),
    ),
    (
        7,
        "installations' Forge SQL databases, in chunks",
        include_str!("../migrations/postgres/0007_forge_sql_databases.sql"),
    ),
];

/// Connections per replica by default: enough for a serve process's workers and requests,
/// small enough that ten replicas stay well inside PostgreSQL's default of 100.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 8;
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// An open, migrated PostgreSQL database.
#[derive(Clone)]
pub struct PostgresDatabase {
    pool: PgPool,
    shown: String,
}

impl std::fmt::Debug for PostgresDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresDatabase")
            .field("at", &self.shown)
            .finish_non_exhaustive()
    }
}

impl PostgresDatabase {
    /// Connects to `url` (`postgres://user:password@host:port/database?…`, libpq's keywords)
    /// with [`DEFAULT_MAX_CONNECTIONS`] and applies pending migrations.
    pub async fn connect(url: &str) -> Result<Self, BackendError> {
        Self::connect_with(url, DEFAULT_MAX_CONNECTIONS).await
    }

    /// As [`PostgresDatabase::connect`], with a pool of at most `max_connections`.
    pub async fn connect_with(url: &str, max_connections: u32) -> Result<Self, BackendError> {
        Self::connect_options(PgConnectOptions::from_str(url)?, max_connections).await
    }

    /// As [`PostgresDatabase::connect_with`], from options built in code. Kiln's session
    /// settings (above) are added to them.
    pub async fn connect_options(
        options: PgConnectOptions,
        max_connections: u32,
    ) -> Result<Self, BackendError> {
        let options = options
            .application_name("kiln")
            .options([
                ("idle_in_transaction_session_timeout", "60s"),
                ("statement_timeout", "30s"),
            ])
            // Statements are logged by Kiln's own spans, not once more at INFO by sqlx.
            .disable_statement_logging();
        let shown = format!(
            "{}:{}/{}",
            options.get_host(),
            options.get_port(),
            options.get_database().unwrap_or("")
        );
        // A one-connection pool of its own (not `&mut PgConnection`, whose `Acquire` makes
        // the future non-`Send`, so a replica could not open the database in a task).
        let migrating = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options.clone())
            .await?;
        let migrated = migrator(POSTGRES_MIGRATIONS).run(&migrating).await;
        migrating.close().await;
        migrated?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await?;
        tracing::debug!(at = %shown, "state database open");
        Ok(Self { pool, shown })
    }

    /// Closes every connection of this replica's pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

impl SqlDatabase for PostgresDatabase {
    type Db = Postgres;
    const ENGINE: Engine = Engine::Postgres;

    fn pool(&self) -> &PgPool {
        &self.pool
    }

    async fn begin_write(&self) -> Result<WriteTransaction<Postgres>, BackendError> {
        Ok(WriteTransaction::new(self.pool.begin().await?, None))
    }

    async fn begin_lease_write(&self) -> Result<WriteTransaction<Postgres>, BackendError> {
        let mut tx = self.pool.begin().await?;
        // For this transaction only: the commit returns before the WAL is flushed. A crash
        // may lose it (never corrupt anything), which for a lease means it lapses and for a
        // completion that the event runs again (`SqlDatabase::begin_lease_write`).
        sqlx::query("SET LOCAL synchronous_commit = off")
            .execute(&mut *tx)
            .await?;
        Ok(WriteTransaction::new(tx, None))
    }
}
