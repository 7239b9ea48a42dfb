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
use super::postgres_images::PostgresImages;
use crate::{Installation, PostgresDatabase};

/// Open databases kept between calls. Threat: a host serving thousands of installations
/// holding a file descriptor and SQLite's page cache for each; past this, idle ones are closed
/// (and reopened on their next call).
pub const MAX_OPEN_DATABASES: usize = 64;

/// Where installations' databases live.
#[derive(Debug, Clone)]
pub enum ForgeSqlPlacement {
    /// In memory, for as long as the store lives (`--storage memory`, tests).
    Memory,
    /// One file per installation in this folder.
    Directory(PathBuf),
    /// In the PostgreSQL state database that replicas share, each statement run on the
    /// replica's copy in memory ([`super::postgres_images`]).
    Postgres(PostgresDatabase),
}

/// Installations' Forge SQL databases.
#[derive(Debug)]
pub struct ForgeSqlStore {
    placement: ForgeSqlPlacement,
    limits: ForgeSqlLimits,
    open: Mutex<HashMap<Installation, Arc<Mutex<ForgeSqlDatabase>>>>,
    /// With [`ForgeSqlPlacement::Postgres`].
    shared: Option<Arc<PostgresImages>>,
}

impl ForgeSqlStore {
    /// A store placing databases as `placement` says, each with `limits`.
    pub fn new(placement: ForgeSqlPlacement, limits: ForgeSqlLimits) -> Self {
        let shared = match &placement {
            ForgeSqlPlacement::Postgres(database) => Some(Arc::new(PostgresImages::new(
                database.clone(),
                limits.clone(),
            ))),
            _ => None,
        };
        ForgeSqlStore {
            placement,
            limits,
            open: Mutex::new(HashMap::new()),
            shared,
        }
    }

    /// The store that goes with opened state: in memory with memory state, beside the file
    /// with SQLite state, and in the shared database with PostgreSQL state (replicas share no
    /// folder: a database in one replica's would be lost to the others).
    pub fn for_state(
        location: &crate::StateLocation,
        backends: &crate::StateBackends,
        limits: ForgeSqlLimits,
    ) -> Self {
        match (location, &backends.postgres) {
            (crate::StateLocation::Sqlite(path), _) => Self::beside_state_file(path, limits),
            (crate::StateLocation::Postgres(_), Some(database)) => {
                Self::new(ForgeSqlPlacement::Postgres(database.clone()), limits)
            }
            _ => Self::new(ForgeSqlPlacement::Memory, limits),
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
        let digest = identity_digest(installation);
        Some(folder.join(format!("{}.sqlite3", hex::encode(digest))))
    }

    /// Runs one of the app's statements on `installation`'s database, on a blocking thread;
    /// the answer is Forge's JSON text, metadata included ([`super::answer::Answer::to_forge_text`]).
    pub async fn execute(
        self: &Arc<Self>,
        installation: &Installation,
        endpoint: Endpoint,
        query: String,
        params: Vec<Json>,
    ) -> Result<String, ForgeSqlError> {
        if let Some(shared) = &self.shared {
            let key = identity_digest(installation);
            return shared
                .execute(installation, key, endpoint, query, params)
                .await;
        }
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
        if self.shared.is_some() {
            return Err(unreachable_database(
                "a database kept in PostgreSQL is reached through ForgeSqlStore::execute",
            ));
        }
        let database = self.database(installation)?;
        // A statement that panicked SQLite's binding poisons only this lock; the database
        // itself was rolled back by the dropped transaction.
        let mut database = database
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        database
            .execute_answer(endpoint, query, params)
            .map(|answer| answer.to_forge_text())
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

/// The name of `installation`'s database (its file's, its rows' in PostgreSQL): a digest of
/// its identity, so nothing the app or the site chooses becomes a path or a key.
fn identity_digest(installation: &Installation) -> [u8; 32] {
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
    digest.finalize().into()
}

fn unreachable_database(message: &str) -> ForgeSqlError {
    ForgeSqlError {
        code: ForgeSqlCode::UnknownError,
        message: message.to_owned(),
    }
}
