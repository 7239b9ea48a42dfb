//! The embedded database: one SQLite file, opened, configured and migrated.
//!
//! Everything the state layer keeps for a host lives in this one file (app storage now;
//! installations' details, web trigger ids, delivery dedup, schedules and the event queue
//! as `runtime serve` arrives), so one backup copies it all and one transaction can span it.
//!
//! Settings, and why:
//! - **WAL journal**: readers never wait for a writer, and a writer's commit is one append.
//! - **`synchronous = FULL`**: a write is on disk before it is acknowledged. Kiln's rule is
//!   that nothing accepted is lost, so the cheaper `NORMAL` (which may drop the last commits
//!   on power loss) is not used; BENCHMARKS.md shows what it costs.
//!   The exceptions are a lease and an event's completion (`SqlDatabase::begin_lease_write`):
//!   their writes go through a second connection with `synchronous = NORMAL`, because a
//!   lease lost to a power failure lapses exactly as one held by a killed process does, and
//!   a lost completion runs the event again as a worker killed before completing does.
//! - **`BEGIN IMMEDIATE` for writes**: the write lock is taken when the transaction starts,
//!   so a transaction never has to upgrade a read snapshot (which SQLite refuses with
//!   `SQLITE_BUSY` instead of waiting) and the busy timeout covers every contention case,
//!   including other processes on the same file.
//! - **An in-process write gate**: writers of this process queue on a tokio mutex before
//!   asking SQLite, instead of spinning in SQLite's busy handler against each other.
//! - **A connection outside sqlx for accepting webhooks** (`serve/sqlite_accept.rs`): the
//!   transaction that stores a delivery and claims its events runs in one trip to a thread
//!   instead of a round trip per statement, because a handler's start waits on it. Same
//!   settings, same gate.
//! - **No ping before each use** (`TEST_BEFORE_ACQUIRE`): an embedded connection does not
//!   go stale as a socket does; the ping was a thread round trip on every use.
//! - **Busy timeout 10 s**: only reached when another process holds the write lock that long.
//! - **Private file**: created `0600` in a `0700` directory (app data and encrypted secrets);
//!   SQLite gives its `-wal` and `-shm` files the database file's mode.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::Sqlite;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use tokio::sync::Mutex;

use crate::engine::{Engine, Migrations, SqlDatabase, WriteGate, WriteTransaction, migrator};
use crate::serve::sqlite_accept::SqliteAcceptor;
use crate::serve::{ClaimingEnqueue, DeliveryKey, NewEvent, QueueLimits, ServeError, UnixMillis};
use crate::storage::BackendError;

/// The migrations, in order. Embedded in the binary (a user's clone and an installed binary
/// need no migration files on disk); sqlx records each applied one with a checksum and
/// refuses a database that has migrations this binary does not know (an older Kiln on a
/// newer file) instead of guessing.
const SQLITE_MIGRATIONS: Migrations = &[
    (
        1,
        "installations and app storage",
        include_str!("../migrations/sqlite/0001_installations_and_app_storage.sql"),
    ),
    (
        2,
        "serve state: registry, web triggers, deliveries, schedules, event queue",
        include_str!("../migrations/sqlite/0002_serve_state.sql"),
    ),
    (
        3,
        "installation consent: approvals bound to site and component, holds",
        include_str!("../migrations/sqlite/0003_installation_consent.sql"),
    ),
    (
        4,
        "dynamic webhook registrations of 3LO sites, leased to one replica",
        include_str!("../migrations/sqlite/0004_webhook_registrations.sql"),
    ),
    (
        5,
        "app storage: expiring values and entry metadata",
        include_str!("../migrations/sqlite/0005_storage_expiry.sql"),
    ),
    (
        6,
        "async-event jobs, delayed events and requested retries",
        include_str!("../migrations/sqlite/0006_queue_jobs.sql"),
    ),
];

const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_CONNECTIONS: u32 = 4;
/// sqlx pings a pooled connection before handing it out, by default: worth it for a socket
/// that a server or a firewall may have closed, not for an embedded file. Here the ping is
/// a round trip to the connection's thread on every transaction and read (a delivery's
/// path waits on it), and a connection that fails fails its next statement with a typed
/// error instead.
const TEST_BEFORE_ACQUIRE: bool = false;

/// An open, migrated SQLite state file.
#[derive(Clone)]
pub struct SqliteDatabase {
    pool: SqlitePool,
    /// One connection with `synchronous = NORMAL`, for leases and completions only (see the
    /// module's notes).
    lease_pool: SqlitePool,
    write_gate: WriteGate,
    /// The connection webhooks' accepting transactions run on (`serve/sqlite_accept.rs`).
    acceptor: SqliteAcceptor,
    path: PathBuf,
}

impl std::fmt::Debug for SqliteDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteDatabase")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteDatabase {
    /// Opens (creating if needed) the state file at `path` and applies pending migrations.
    pub async fn open(path: &Path) -> Result<Self, BackendError> {
        prepare_private_file(path)?;
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .test_before_acquire(TEST_BEFORE_ACQUIRE)
            .connect_with(options.clone())
            .await?;
        migrator(SQLITE_MIGRATIONS).run(&pool).await?;
        let lease_pool = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(TEST_BEFORE_ACQUIRE)
            .connect_with(options.synchronous(SqliteSynchronous::Normal))
            .await?;
        let acceptor = {
            let path = path.to_owned();
            tokio::task::spawn_blocking(move || SqliteAcceptor::open(&path, BUSY_TIMEOUT))
                .await
                .map_err(|_| BackendError::Corrupt("opening the accepting connection failed"))??
        };
        tracing::debug!(path = %path.display(), "state database open");
        Ok(Self {
            pool,
            lease_pool,
            write_gate: std::sync::Arc::new(Mutex::new(())),
            acceptor,
            path: path.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A delivery's accepting transaction with its claims (`ServeBackend::enqueue_claiming`),
    /// queued with this process's other writers.
    pub(crate) async fn accept_claiming(
        &self,
        delivery: Option<(&DeliveryKey, UnixMillis)>,
        events: &[NewEvent],
        limits: &QueueLimits,
        now: UnixMillis,
        lease_until: UnixMillis,
        max_claims: usize,
    ) -> Result<ClaimingEnqueue, ServeError> {
        let gate = self.write_gate.clone().lock_owned().await;
        self.acceptor
            .enqueue_claiming(gate, delivery, events, limits, now, lease_until, max_claims)
            .await
    }

    /// Closes the pools' connections. The accepting connection (`serve/sqlite_accept.rs`)
    /// closes when the last clone of this database is dropped; the last connection to close
    /// checkpoints the WAL into the main file.
    pub async fn close(&self) {
        self.lease_pool.close().await;
        self.pool.close().await;
    }
}

impl SqlDatabase for SqliteDatabase {
    type Db = Sqlite;
    const ENGINE: Engine = Engine::Sqlite;

    fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    async fn begin_write(&self) -> Result<WriteTransaction<Sqlite>, BackendError> {
        let gate = self.write_gate.clone().lock_owned().await;
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok(WriteTransaction::new(tx, Some(gate)))
    }

    async fn begin_lease_write(&self) -> Result<WriteTransaction<Sqlite>, BackendError> {
        // The same gate: the lease connection queues with this process's other writers.
        let gate = self.write_gate.clone().lock_owned().await;
        let tx = self.lease_pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok(WriteTransaction::new(tx, Some(gate)))
    }

    fn as_sqlite(&self) -> Option<&SqliteDatabase> {
        Some(self)
    }
}

pub(crate) fn prepare_private_file(path: &Path) -> Result<(), BackendError> {
    let file_error = |source| BackendError::File {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(parent).map_err(file_error)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map_err(file_error)?;
    Ok(())
}

/// Where the state file lives by default: `$KILN_DATA_DIR/state.sqlite3`, else
/// `$XDG_DATA_HOME/kiln/state.sqlite3`, else `~/.local/share/kiln/state.sqlite3`. `None`
/// when none of them is set (the caller then asks for an explicit path). Relative values are
/// ignored, as the XDG specification requires.
pub fn default_state_path() -> Option<PathBuf> {
    default_state_path_from(|name| std::env::var_os(name))
}

fn default_state_path_from(lookup: impl Fn(&str) -> Option<std::ffi::OsString>) -> Option<PathBuf> {
    let absolute = |name: &str| {
        lookup(name)
            .map(PathBuf::from)
            .filter(|path| path.is_absolute())
    };
    let dir = absolute("KILN_DATA_DIR")
        .or_else(|| absolute("XDG_DATA_HOME").map(|d| d.join("kiln")))
        .or_else(|| absolute("HOME").map(|h| h.join(".local/share/kiln")))?;
    Some(dir.join("state.sqlite3"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<std::ffi::OsString> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.into())
    }

    #[test]
    fn default_path_follows_kiln_then_xdg_then_home() {
        let path = |pairs| default_state_path_from(env(pairs));
        assert_eq!(
            path(&[("KILN_DATA_DIR", "/k"), ("XDG_DATA_HOME", "/x")]),
            Some("/k/state.sqlite3".into())
        );
        assert_eq!(
            path(&[("XDG_DATA_HOME", "rel"), ("HOME", "/h")]),
            Some("/h/.local/share/kiln/state.sqlite3".into())
        );
        assert_eq!(
            path(&[("XDG_DATA_HOME", "/x")]),
            Some("/x/kiln/state.sqlite3".into())
        );
        assert_eq!(path(&[]), None);
    }

    /// Only leases skip the fsync: every other write, through the main pool, waits for it.
    #[tokio::test]
    async fn leases_alone_commit_without_waiting_for_the_disk() {
        let dir = tempfile::tempdir().unwrap();
        let db = SqliteDatabase::open(&dir.path().join("state.sqlite3"))
            .await
            .unwrap();
        // PRAGMA synchronous: 1 is NORMAL, 2 is FULL.
        let level = |pool: &SqlitePool| {
            let pool = pool.clone();
            async move {
                let mut connection = pool.acquire().await.unwrap();
                sqlx::query_scalar::<_, i64>("PRAGMA synchronous")
                    .fetch_one(&mut *connection)
                    .await
                    .unwrap()
            }
        };
        assert_eq!(level(&db.pool).await, 2);
        assert_eq!(level(&db.lease_pool).await, 1);
        // Both write the same file: a lease's write is visible to the main pool at once.
        let mut write = db.begin_lease_write().await.unwrap();
        sqlx::query("CREATE TABLE lease_probe (x INTEGER)")
            .execute(&mut *write.tx)
            .await
            .unwrap();
        write.commit().await.unwrap();
        let tables: i64 =
            sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE name = 'lease_probe'")
                .fetch_one(&db.pool)
                .await
                .unwrap();
        assert_eq!(tables, 1);
        db.close().await;
    }
}
