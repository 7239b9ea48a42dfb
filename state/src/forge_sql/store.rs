//! Which database an installation's statements run on.
//!
//! Each installation (app × site × environment) has its own database, as on Forge: one
//! installation's statements cannot name another's tables, because they are in another file.
//! The file's name is a digest of the installation's identity, so nothing the app or the site
//! chooses becomes a path. Open databases are kept for the next call, up to
//! [`MAX_OPEN_DATABASES`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use super::database::ForgeSqlDatabase;
use super::dialect::Endpoint;
use super::error::{ForgeSqlCode, ForgeSqlError};
use super::limits::ForgeSqlLimits;
use crate::Installation;

/// Open databases kept between calls. Threat: a host serving thousands of installations
/// holding a file descriptor and SQLite's page cache for each; past this, idle ones are closed
/// (and reopened on their next call).
pub const MAX_OPEN_DATABASES: usize = 64;

/// Where installations' databases live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForgeSqlPlacement {
    /// In memory, for as long as the store lives (`--storage memory`, tests).
    Memory,
    /// One file per installation in this folder.
    Directory(PathBuf),
}

/// Installations' Forge SQL databases.
#[derive(Debug)]
pub struct ForgeSqlStore {
    placement: ForgeSqlPlacement,
    limits: ForgeSqlLimits,
    open: Mutex<HashMap<Installation, Arc<Mutex<ForgeSqlDatabase>>>>,
}

impl ForgeSqlStore {
    /// A store placing databases as `placement` says, each with `limits`.
    pub fn new(placement: ForgeSqlPlacement, limits: ForgeSqlLimits) -> Self {
        ForgeSqlStore {
            placement,
            limits,
            open: Mutex::new(HashMap::new()),
        }
    }

    /// The store that goes with a state location: in memory with memory state, beside the
    /// file with SQLite state. With PostgreSQL state (replicas) there is none yet: replicas
    /// share no folder, and a database in one replica's would be lost to the others, so the
    /// host answers every statement `UNKNOWN_ERROR` rather than keep data it would lose.
    pub fn for_state(location: &crate::StateLocation, limits: ForgeSqlLimits) -> Option<Self> {
        match location {
            crate::StateLocation::Memory => Some(Self::new(ForgeSqlPlacement::Memory, limits)),
            crate::StateLocation::Sqlite(path) => Some(Self::beside_state_file(path, limits)),
            crate::StateLocation::Postgres(_) => None,
        }
    }

    /// The store beside a SQLite state file: the folder `forge-sql` next to it.
    pub fn beside_state_file(state_file: &Path, limits: ForgeSqlLimits) -> Self {
        let folder = state_file
            .parent()
            .unwrap_or_else(|| Path::new("."))
            .join("forge-sql");
        Self::new(ForgeSqlPlacement::Directory(folder), limits)
    }

    /// The file holding `installation`'s database, when databases are files.
    pub fn path_for(&self, installation: &Installation) -> Option<PathBuf> {
        let ForgeSqlPlacement::Directory(folder) = &self.placement else {
            return None;
        };
        let mut digest = Sha256::new();
        for part in [
            installation.app_id(),
            installation.site(),
            installation.environment(),
        ] {
            // Length-prefixed, so no two identities share a digest input.
            digest.update((part.len() as u64).to_be_bytes());
            digest.update(part.as_bytes());
        }
        Some(folder.join(format!("{}.sqlite3", hex::encode(digest.finalize()))))
    }

    /// Runs one of the app's statements on `installation`'s database, on a blocking thread;
    /// the answer is Forge's JSON text ([`ForgeSqlDatabase::execute_text`]).
    pub async fn execute(
        self: &Arc<Self>,
        installation: &Installation,
        endpoint: Endpoint,
        query: String,
        params: Vec<Json>,
    ) -> Result<String, ForgeSqlError> {
        let store = Arc::clone(self);
        let installation = installation.clone();
        tokio::task::spawn_blocking(move || {
            store.execute_blocking(&installation, endpoint, &query, &params)
        })
        .await
        .unwrap_or_else(|_| Err(unreachable_database("the statement's thread ended early")))
    }

    /// [`ForgeSqlStore::execute`] on the calling thread.
    pub fn execute_blocking(
        &self,
        installation: &Installation,
        endpoint: Endpoint,
        query: &str,
        params: &[Json],
    ) -> Result<String, ForgeSqlError> {
        let database = self.database(installation)?;
        // A statement that panicked SQLite's binding poisons only this lock; the database
        // itself was rolled back by the dropped transaction.
        let mut database = database
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        database.execute_text(endpoint, query, params)
    }

    fn database(
        &self,
        installation: &Installation,
    ) -> Result<Arc<Mutex<ForgeSqlDatabase>>, ForgeSqlError> {
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(database) = open.get(installation) {
            return Ok(Arc::clone(database));
        }
        let files = matches!(self.placement, ForgeSqlPlacement::Directory(_));
        if files && open.len() >= MAX_OPEN_DATABASES {
            // Close the idle ones (no call holds them); their files keep what they hold. A
            // database in memory is never closed: closing would lose it.
            open.retain(|_, database| Arc::strong_count(database) > 1);
        }
        let limits = self.limits.for_environment(installation.environment());
        let opened = match self.path_for(installation) {
            Some(path) => ForgeSqlDatabase::open(&path, limits),
            None => ForgeSqlDatabase::in_memory(limits),
        }
        .map_err(|error| {
            tracing::error!(%error, "an installation's Forge SQL database could not be opened");
            unreachable_database("the installation's database could not be opened")
        })?;
        let database = Arc::new(Mutex::new(opened));
        open.insert(installation.clone(), Arc::clone(&database));
        Ok(database)
    }
}

fn unreachable_database(message: &str) -> ForgeSqlError {
    ForgeSqlError {
        code: ForgeSqlCode::UnknownError,
        message: message.to_owned(),
    }
}
