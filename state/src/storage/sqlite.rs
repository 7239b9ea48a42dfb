//! App storage in the embedded SQLite file. The statements are in `sql.rs`; this file only
//! runs them in the order `backend.rs` describes.

use async_trait::async_trait;

use super::backend::{
    Change, Condition, InstallationId, ScanRange, Space, StorageBackend, StoredEntry, Version,
    WriteOutcome, entry_bytes,
};
use super::{BackendError, StorageKey, sql};
use crate::database::SqliteDatabase;
use crate::installation::Installation;

/// App storage over a [`SqliteDatabase`].
#[derive(Debug, Clone)]
pub struct SqliteBackend {
    db: SqliteDatabase,
}

impl SqliteBackend {
    pub fn new(db: SqliteDatabase) -> Self {
        Self { db }
    }

    pub fn database(&self) -> &SqliteDatabase {
        &self.db
    }
}

fn non_negative(value: i64, what: &'static str) -> Result<u64, BackendError> {
    u64::try_from(value).map_err(|_| BackendError::Corrupt(what))
}

#[async_trait]
impl StorageBackend for SqliteBackend {
    async fn installation_id(
        &self,
        installation: &Installation,
    ) -> Result<InstallationId, BackendError> {
        let find = || {
            sqlx::query_scalar::<_, i64>(sql::FIND_INSTALLATION)
                .bind(installation.app_id())
                .bind(installation.site())
                .bind(installation.environment())
        };
        // The common case, an installation seen before, takes no write lock.
        if let Some(id) = find().fetch_optional(self.db.pool()).await? {
            return Ok(InstallationId(id));
        }
        let mut write = self.db.begin_write().await?;
        sqlx::query(sql::INSERT_INSTALLATION)
            .bind(installation.app_id())
            .bind(installation.site())
            .bind(installation.environment())
            .execute(&mut *write.tx)
            .await?;
        let id = find().fetch_one(&mut *write.tx).await?;
        sqlx::query(sql::INSERT_USAGE)
            .bind(id)
            .execute(&mut *write.tx)
            .await?;
        write.commit().await?;
        Ok(InstallationId(id))
    }

    async fn get(
        &self,
        id: InstallationId,
        space: Space,
        key: &StorageKey,
    ) -> Result<Option<StoredEntry>, BackendError> {
        let row: Option<(Vec<u8>, i64)> = sqlx::query_as(sql::GET_ENTRY)
            .bind(id.0)
            .bind(space.code())
            .bind(key.as_bytes())
            .fetch_optional(self.db.pool())
            .await?;
        Ok(row.map(|(bytes, version)| StoredEntry {
            bytes,
            version: Version(version),
        }))
    }

    async fn write(
        &self,
        id: InstallationId,
        space: Space,
        key: &StorageKey,
        change: Change<'_>,
        condition: Condition,
        max_total_bytes: u64,
    ) -> Result<WriteOutcome, BackendError> {
        let mut write = self.db.begin_write().await?;
        let (version, bytes_used): (i64, i64) = sqlx::query_as(sql::BUMP_VERSION)
            .bind(id.0)
            .fetch_optional(&mut *write.tx)
            .await?
            .ok_or(BackendError::Corrupt("unknown installation id"))?;
        let bytes_used = non_negative(bytes_used, "negative byte count")?;
        let current: Option<(i64, i64)> = sqlx::query_as(sql::ENTRY_SIZE)
            .bind(id.0)
            .bind(space.code())
            .bind(key.as_bytes())
            .fetch_optional(&mut *write.tx)
            .await?;
        let current_version = current.map(|(version, _)| Version(version));
        let holds = match condition {
            Condition::Always => true,
            Condition::Absent => current.is_none(),
            Condition::Version(expected) => current_version == Some(expected),
        };
        // Rolled back explicitly (not on drop, which sqlx defers until the connection is
        // next used), so the write lock is released before the gate lets the next writer in.
        if !holds {
            write.rollback().await?;
            return Ok(WriteOutcome::ConditionFailed {
                current: current_version,
            });
        }
        if current.is_none() && matches!(change, Change::Delete) {
            write.rollback().await?;
            return Ok(WriteOutcome::Done(None));
        }
        let old_bytes = match current {
            Some((_, size)) => non_negative(size, "negative entry size")?,
            None => 0,
        };
        let new_bytes = match change {
            Change::Put(value) => entry_bytes(key.as_bytes(), value),
            Change::Delete => 0,
        };
        let would_use = bytes_used.saturating_sub(old_bytes) + new_bytes;
        if new_bytes > old_bytes && would_use > max_total_bytes {
            write.rollback().await?;
            return Ok(WriteOutcome::OverQuota {
                would_use,
                limit: max_total_bytes,
            });
        }
        let stored = match change {
            Change::Put(value) => {
                sqlx::query(sql::UPSERT_ENTRY)
                    .bind(id.0)
                    .bind(space.code())
                    .bind(key.as_bytes())
                    .bind(value)
                    .bind(version)
                    .execute(&mut *write.tx)
                    .await?;
                Some(Version(version))
            }
            Change::Delete => {
                sqlx::query(sql::DELETE_ENTRY)
                    .bind(id.0)
                    .bind(space.code())
                    .bind(key.as_bytes())
                    .execute(&mut *write.tx)
                    .await?;
                None
            }
        };
        let would_use_db =
            i64::try_from(would_use).map_err(|_| BackendError::Corrupt("byte count overflow"))?;
        sqlx::query(sql::SET_BYTES_USED)
            .bind(would_use_db)
            .bind(id.0)
            .execute(&mut *write.tx)
            .await?;
        write.commit().await?;
        Ok(WriteOutcome::Done(stored))
    }

    async fn scan(
        &self,
        id: InstallationId,
        space: Space,
        range: ScanRange<'_>,
        limit: u32,
    ) -> Result<Vec<(Vec<u8>, StoredEntry)>, BackendError> {
        let rows: Vec<(Vec<u8>, Vec<u8>, i64)> = sqlx::query_as(sql::SCAN)
            .bind(id.0)
            .bind(space.code())
            .bind(range.start)
            .bind(range.end)
            .bind(i64::from(limit))
            .fetch_all(self.db.pool())
            .await?;
        Ok(rows
            .into_iter()
            .map(|(key, bytes, version)| {
                (
                    key,
                    StoredEntry {
                        bytes,
                        version: Version(version),
                    },
                )
            })
            .collect())
    }

    async fn bytes_used(&self, id: InstallationId) -> Result<u64, BackendError> {
        let used: Option<i64> = sqlx::query_scalar(sql::BYTES_USED)
            .bind(id.0)
            .fetch_optional(self.db.pool())
            .await?;
        non_negative(used.unwrap_or(0), "negative byte count")
    }
}
