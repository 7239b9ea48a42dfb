//! `@forge/sql`'s `migrationRunner`: schema changes applied once per
//! installation, in order, recorded in the table `__migrations`.
//!
//! It sends exactly the statements `@forge/sql` 4.0.8 sends, so an
//! installation migrated by a JavaScript app (or by this one) is migrated for
//! the other too: both read and write the same `__migrations` rows.

use std::fmt;

use serde::Deserialize;

use super::{SqlError, Statement, StatementKind, number};

/// `@forge/sql`'s `SCHEMA_VERSION_TABLE_CREATE_QUERY`, as it sends it.
pub const CREATE_MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS __migrations (id BIGINT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(255) NOT NULL, migratedAt TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);";
/// `@forge/sql`'s `INSERT_SCHEMA_VERSION_QUERY`.
pub const INSERT_MIGRATION: &str = "INSERT INTO __migrations (name) VALUES (?);";
/// `@forge/sql`'s `LIST_MIGRATIONS_QUERY`.
pub const LIST_MIGRATIONS: &str = "SELECT id, name, migratedAt FROM __migrations;";

/// A new migration runner: `@forge/sql`'s `migrationRunner`.
///
/// ```no_run
/// use kiln_sdk::sql;
///
/// # fn main() -> Result<(), kiln_sdk::AppError> {
/// // Every invocation may call it: what ran before is skipped.
/// let applied: Vec<String> = sql::migration_runner()
///     .enqueue(
///         "v001_create_items",
///         "CREATE TABLE IF NOT EXISTS items (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(255) NOT NULL)",
///     )
///     .enqueue("v002_add_stock", "ALTER TABLE items ADD COLUMN stock INT NOT NULL DEFAULT 0")
///     .run()?;
/// for migration in sql::migration_runner().list()? {
///     println!("{} {} at {}", migration.id, migration.name, migration.migrated_at);
/// }
/// # let _ = applied;
/// # Ok(())
/// # }
/// ```
pub fn migration_runner() -> MigrationRunner {
    MigrationRunner::default()
}

/// Migrations waiting to run, in the order they were enqueued.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use = "a migration runner does nothing until `run` applies it"]
pub struct MigrationRunner {
    migrations: Vec<(String, String)>,
}

/// A migration recorded in `__migrations`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AppliedMigration {
    /// Its row's id, in the order migrations were applied.
    #[serde(deserialize_with = "number::deserialize")]
    pub id: i64,
    /// The name it was enqueued under.
    pub name: String,
    /// When it was applied, as the database writes a `TIMESTAMP`:
    /// `YYYY-MM-DD HH:MM:SS`, UTC.
    #[serde(rename = "migratedAt")]
    pub migrated_at: String,
}

impl MigrationRunner {
    /// Adds a migration: `name` identifies it for good (it is what
    /// `__migrations` records), `ddl` is the schema change, one statement or
    /// a script of several, which runs whole or not at all. A name already
    /// enqueued is ignored, as `@forge/sql` ignores it.
    pub fn enqueue(mut self, name: impl Into<String>, ddl: impl Into<String>) -> Self {
        let name = name.into();
        if !self.migrations.iter().any(|(queued, _)| *queued == name) {
            self.migrations.push((name, ddl.into()));
        }
        self
    }

    /// The names enqueued, in order.
    pub fn enqueued(&self) -> Vec<&str> {
        self.migrations
            .iter()
            .map(|(name, _)| name.as_str())
            .collect()
    }

    /// Creates `__migrations` if it is absent, then applies each enqueued
    /// migration not recorded there, in order, recording each after it ran.
    /// Returns the names applied now (none when everything ran before).
    ///
    /// Stops at the first failure: the migrations before it stay applied
    /// and recorded, the failing one and those after it are in the error's
    /// [`yet_to_run`](MigrationError::Execution::yet_to_run), to run again
    /// with a fixed migration.
    pub fn run(self) -> Result<Vec<String>, MigrationError> {
        schema(CREATE_MIGRATIONS_TABLE)
            .execute()
            .map_err(MigrationError::Bookkeeping)?;
        let previous = list().map_err(MigrationError::Bookkeeping)?;
        let to_run: Vec<(String, String)> = self
            .migrations
            .into_iter()
            .filter(|(name, _)| !previous.iter().any(|applied| applied.name == *name))
            .collect();
        let names: Vec<String> = to_run.iter().map(|(name, _)| name.clone()).collect();
        let mut applied = Vec::new();
        for (name, ddl) in to_run {
            if let Err(cause) = schema(ddl).execute() {
                return Err(MigrationError::Execution {
                    migration: name,
                    yet_to_run: names,
                    cause,
                });
            }
            if let Err(cause) = Statement::new(StatementKind::Data, INSERT_MIGRATION.to_owned())
                .bind(&name)
                .execute()
            {
                return Err(MigrationError::CheckPoint {
                    migration: name,
                    yet_to_run: names,
                    cause,
                });
            }
            applied.push(name);
        }
        Ok(applied)
    }

    /// The migrations recorded in `__migrations`, in the order they ran
    /// (`@forge/sql`'s `list()`). Fails with
    /// [`SqlErrorCode::SqlExecutionError`](super::SqlErrorCode::SqlExecutionError)
    /// before the first [`run`](Self::run) created the table.
    pub fn list(&self) -> Result<Vec<AppliedMigration>, SqlError> {
        list()
    }
}

/// `@forge/sql` reads the list through the schema endpoint too.
fn list() -> Result<Vec<AppliedMigration>, SqlError> {
    schema(LIST_MIGRATIONS).fetch_all()
}

fn schema(ddl: impl Into<String>) -> Statement {
    Statement::new(StatementKind::Schema, ddl.into())
}

/// Why [`MigrationRunner::run`] stopped: `@forge/sql`'s
/// `MigrationExecutionError` and `MigrationCheckPointError`, and a failure to
/// create or read `__migrations` itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MigrationError {
    /// `__migrations` could not be created or read; no migration ran.
    Bookkeeping(SqlError),
    /// A migration's schema change failed (`MigrationExecutionError`):
    /// nothing of it stays, and it is not recorded.
    Execution {
        /// The migration that failed.
        migration: String,
        /// Every migration this run was to apply, the failing one and those
        /// after it included (Forge's `migrationsYetToRun`).
        yet_to_run: Vec<String>,
        /// The database's refusal.
        cause: SqlError,
    },
    /// A migration ran but could not be recorded in `__migrations`
    /// (`MigrationCheckPointError`): the next run applies it again.
    CheckPoint {
        /// The migration that ran unrecorded.
        migration: String,
        /// As in [`MigrationError::Execution`].
        yet_to_run: Vec<String>,
        /// The database's refusal of the record.
        cause: SqlError,
    },
}

impl MigrationError {
    /// The statement's failure underneath, with its Forge code.
    pub fn cause(&self) -> &SqlError {
        match self {
            MigrationError::Bookkeeping(cause)
            | MigrationError::Execution { cause, .. }
            | MigrationError::CheckPoint { cause, .. } => cause,
        }
    }
}

impl MigrationError {
    /// What the runner was doing, in `@forge/sql`'s words.
    fn doing(&self) -> String {
        match self {
            MigrationError::Bookkeeping(_) => "could not create or read __migrations".to_owned(),
            MigrationError::Execution { migration, .. } => {
                format!("Failed to execute migration with name {migration}")
            }
            MigrationError::CheckPoint { migration, .. } => {
                format!("Failed to checkpoint after running migration with name {migration}")
            }
        }
    }
}

impl fmt::Display for MigrationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.doing(), self.cause())
    }
}

impl std::error::Error for MigrationError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.cause())
    }
}

impl From<MigrationError> for SqlError {
    /// The cause, its message prefixed with what the runner was doing, for
    /// code that handles every Forge SQL failure as one [`SqlError`].
    fn from(error: MigrationError) -> Self {
        let message = format!("{}: {}", error.doing(), error.cause().message);
        SqlError::new(error.cause().code, message)
    }
}
