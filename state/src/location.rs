//! Where a host's state lives, chosen by one string (`--state`, `kiln.toml`):
//!
//! | value | backend |
//! |---|---|
//! | `memory` | in this process only (tests, trying things) |
//! | `sqlite://PATH` or `sqlite:PATH`, or a bare path with a `/` or a `.` (`state.sqlite3`) | the embedded file (the default, one machine) |
//! | `postgres://…` or `postgresql://…` | PostgreSQL, shared by `runtime serve` replicas |
//!
//! A bare path must look like one (a `/` or a `.`, no `:`): a bare word such as
//! `MEMORY` or `memroy` is refused rather than taken as a file of that name.
//!
//! A PostgreSQL URL carries a password, so [`StateLocation`] keeps it as a secret: `Debug`
//! and [`StateLocation::describe`] show the engine, host and database, never the password.

use std::path::PathBuf;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

use crate::database::SqliteDatabase;
use crate::engine::Engine;
use crate::postgres::PostgresDatabase;
use crate::serve::{MemoryServeBackend, ServeBackend, SqlServeBackend};
use crate::storage::{BackendError, MemoryBackend, SqlBackend, StorageBackend};

/// A parsed `--state` value.
pub enum StateLocation {
    Memory,
    Sqlite(PathBuf),
    Postgres(SecretString),
}

impl std::fmt::Debug for StateLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

/// Why a `--state` value was refused. Never echoes a URL (it may hold a password).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateLocationError {
    #[error(
        "state location must be `memory`, a SQLite file (`state.sqlite3`, `/var/lib/kiln/state.db`, \
         `sqlite://PATH`) or `postgres://…`"
    )]
    UnknownScheme,
    #[error("a `sqlite:` state location needs a file path")]
    EmptyPath,
}

impl std::str::FromStr for StateLocation {
    type Err = StateLocationError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        if value == "memory" {
            return Ok(Self::Memory);
        }
        if value.starts_with("postgres://") || value.starts_with("postgresql://") {
            return Ok(Self::Postgres(SecretString::from(value.to_owned())));
        }
        let bare = !value.contains(':') && value.contains(['/', '.']);
        let path = value
            .strip_prefix("sqlite://")
            .or_else(|| value.strip_prefix("sqlite:"))
            .or(bare.then_some(value))
            .ok_or(StateLocationError::UnknownScheme)?;
        if path.is_empty() {
            return Err(StateLocationError::EmptyPath);
        }
        Ok(Self::Sqlite(PathBuf::from(path)))
    }
}

/// Both halves of a host's state over one opened database.
#[derive(Clone)]
pub struct StateBackends {
    pub storage: Arc<dyn StorageBackend>,
    pub serve: Arc<dyn ServeBackend>,
    /// `None` for memory.
    pub engine: Option<Engine>,
    /// The shared database, with PostgreSQL state: what else keeps its data there (Forge
    /// SQL's databases, [`crate::forge_sql::ForgeSqlStore::for_state`]) uses the same pool.
    pub postgres: Option<PostgresDatabase>,
}

impl StateLocation {
    /// The engine, and where, without any secret: for logs and `runtime serve`'s banner.
    pub fn describe(&self) -> String {
        match self {
            Self::Memory => "memory".into(),
            Self::Sqlite(path) => format!("sqlite {}", path.display()),
            Self::Postgres(url) => {
                match url
                    .expose_secret()
                    .parse::<sqlx::postgres::PgConnectOptions>()
                {
                    Ok(options) => format!(
                        "postgres {}:{}/{}",
                        options.get_host(),
                        options.get_port(),
                        options.get_database().unwrap_or("")
                    ),
                    Err(_) => "postgres (unparsable URL)".into(),
                }
            }
        }
    }

    /// Opens (creating or migrating as needed) the database and returns both backends.
    pub async fn open(&self) -> Result<StateBackends, BackendError> {
        Ok(match self {
            Self::Memory => StateBackends {
                storage: Arc::new(MemoryBackend::new()),
                serve: Arc::new(MemoryServeBackend::new()),
                engine: None,
                postgres: None,
            },
            Self::Sqlite(path) => {
                let db = SqliteDatabase::open(path).await?;
                StateBackends {
                    storage: Arc::new(SqlBackend::new(db.clone())),
                    serve: Arc::new(SqlServeBackend::new(db)),
                    engine: Some(Engine::Sqlite),
                    postgres: None,
                }
            }
            Self::Postgres(url) => {
                let db = PostgresDatabase::connect(url.expose_secret()).await?;
                StateBackends {
                    storage: Arc::new(SqlBackend::new(db.clone())),
                    serve: Arc::new(SqlServeBackend::new(db.clone())),
                    engine: Some(Engine::Postgres),
                    postgres: Some(db),
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `runtime serve` opens its state inside tasks, so the future must be `Send`.
    #[test]
    fn opening_can_run_in_a_task() {
        fn assert_send<T: Send>(_: &T) {}
        let location = StateLocation::Memory;
        let opening = location.open();
        assert_send(&opening);
    }

    #[test]
    fn locations_parse_and_never_show_a_password() {
        assert!(matches!("memory".parse(), Ok(StateLocation::Memory)));
        let Ok(StateLocation::Sqlite(path)) = "sqlite:///var/lib/kiln/state.db".parse() else {
            panic!("sqlite URL");
        };
        assert_eq!(path, PathBuf::from("/var/lib/kiln/state.db"));
        let Ok(StateLocation::Sqlite(path)) = "sqlite:state.db".parse() else {
            panic!("sqlite short form");
        };
        assert_eq!(path, PathBuf::from("state.db"));
        assert_eq!(
            "sqlite://".parse::<StateLocation>().err(),
            Some(StateLocationError::EmptyPath)
        );
        for bare in ["/var/state.db", "state.sqlite3", "./state"] {
            let Ok(StateLocation::Sqlite(path)) = bare.parse() else {
                panic!("{bare}: a bare path");
            };
            assert_eq!(path, PathBuf::from(bare));
        }
        // A bare word is more likely a mistyped location than a file name.
        for refused in [
            "",
            "mysql://x",
            "MEMORY",
            "memroy",
            "postgres:/x",
            "c:state.db",
        ] {
            assert_eq!(
                refused.parse::<StateLocation>().err(),
                Some(StateLocationError::UnknownScheme),
                "{refused}"
            );
        }
        let pg: StateLocation = "postgres://kiln:hunter2@db.internal:5433/kiln?sslmode=require"
            .parse()
            .expect("postgres URL");
        let shown = format!("{pg:?} {}", pg.describe());
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("db.internal:5433/kiln"), "{shown}");
    }
}
