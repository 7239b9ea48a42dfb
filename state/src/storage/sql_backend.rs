//! App storage in a SQL database, SQLite or PostgreSQL: the statements of `sql.rs`, run in
//! the order `backend.rs` describes, once for both engines (`engine.rs` says what differs).

use async_trait::async_trait;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};

use super::backend::{
    BatchOutcome, BatchWrite, Change, Found, InstallationId, Plan, ScanRange, Space,
    StorageBackend, StoredEntry, Version, plan_batch,
};
use super::meta::{EntryMeta, UnixMillis};
use super::{BackendError, StorageKey, sql};
use crate::database::SqliteDatabase;
use crate::engine::SqlDatabase;
use crate::installation::Installation;
use crate::postgres::PostgresDatabase;

/// App storage over an open [`SqlDatabase`].
#[derive(Debug, Clone)]
pub struct SqlBackend<D> {
    db: D,
}

/// App storage in the embedded SQLite file.
pub type SqliteBackend = SqlBackend<SqliteDatabase>;
/// App storage in PostgreSQL, shared by replicas.
pub type PostgresBackend = SqlBackend<PostgresDatabase>;

impl<D: SqlDatabase> SqlBackend<D> {
    pub fn new(db: D) -> Self {
        Self { db }
    }

    pub fn database(&self) -> &D {
        &self.db
    }
}

fn non_negative(value: i64, what: &'static str) -> Result<u64, BackendError> {
    u64::try_from(value).map_err(|_| BackendError::Corrupt(what))
}

/// `created_at`, `updated_at`, `expires_at` as stored.
type MetaColumns = (i64, i64, Option<i64>);

fn meta((created_at, updated_at, expires_at): MetaColumns) -> EntryMeta {
    EntryMeta {
        created_at: UnixMillis(created_at),
        updated_at: UnixMillis(updated_at),
        expires_at: expires_at.map(UnixMillis),
    }
}

#[async_trait]
impl<D, DB> StorageBackend for SqlBackend<D>
where
    D: SqlDatabase<Db = DB>,
    DB: Database,
    DB::Arguments: IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    usize: ColumnIndex<DB::Row>,
    i64: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    Option<i64>: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    for<'a> &'a [u8]: Encode<'a, DB> + Type<DB>,
    for<'a> &'a str: Encode<'a, DB> + Type<DB>,
    Vec<u8>: for<'r> Decode<'r, DB> + Type<DB>,
    String: for<'r> Decode<'r, DB> + Type<DB>,
{
    async fn installation_id(
        &self,
        installation: &Installation,
    ) -> Result<InstallationId, BackendError> {
        let find = || {
            sqlx::query_scalar::<DB, i64>(sql::FIND_INSTALLATION)
                .bind(installation.app_id())
                .bind(installation.site())
                .bind(installation.environment())
        };
        // The common case, an installation whose storage was opened before, takes no write
        // lock. One recorded by `runtime serve` but never opened has no usage row yet: it
        // takes the path below, which adds the row (both inserts are idempotent).
        let ready = sqlx::query_scalar::<DB, i64>(sql::FIND_STORAGE_INSTALLATION)
            .bind(installation.app_id())
            .bind(installation.site())
            .bind(installation.environment())
            .fetch_optional(self.db.pool())
            .await?;
        if let Some(id) = ready {
            return Ok(InstallationId(id));
        }
        let mut write = self.db.begin_write().await?;
        sqlx::query(sql::INSERT_INSTALLATION)
            .bind(installation.app_id())
            .bind(installation.site())
            .bind(installation.environment())
            .execute(&mut *write.tx)
            .await?;
        // A new statement, so on PostgreSQL a fresh snapshot: it sees the row a concurrent
        // inserter committed while this one waited on the unique index.
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
        now: UnixMillis,
    ) -> Result<Option<StoredEntry>, BackendError> {
        let row: Option<(Vec<u8>, i64, i64, i64, Option<i64>)> = sqlx::query_as(sql::GET_ENTRY)
            .bind(id.0)
            .bind(space.code())
            .bind(key.as_bytes())
            .bind(now.0)
            .fetch_optional(self.db.pool())
            .await?;
        Ok(row.map(
            |(bytes, version, created_at, updated_at, expires_at)| StoredEntry {
                bytes,
                version: Version(version),
                meta: meta((created_at, updated_at, expires_at)),
            },
        ))
    }

    async fn write_all(
        &self,
        id: InstallationId,
        space: Space,
        writes: &[BatchWrite<'_>],
        max_total_bytes: u64,
        now: UnixMillis,
    ) -> Result<BatchOutcome, BackendError> {
        let mut write = self.db.begin_write().await?;
        let (version, bytes_used): (i64, i64) = sqlx::query_as(sql::BUMP_VERSION)
            .bind(id.0)
            .fetch_optional(&mut *write.tx)
            .await?
            .ok_or(BackendError::Corrupt("unknown installation id"))?;
        // One statement per key, each after the lock is held (see `sql::BUMP_VERSION`). The
        // caller bounds a batch at a few dozen keys, and on SQLite a statement is a call into
        // the file already locked, not a network round trip.
        let mut found = Vec::with_capacity(writes.len());
        for batch_write in writes {
            let current: Option<(i64, i64, i64, i64, Option<i64>)> =
                sqlx::query_as(sql::ENTRY_SIZE)
                    .bind(id.0)
                    .bind(space.code())
                    .bind(batch_write.key.as_bytes())
                    .fetch_optional(&mut *write.tx)
                    .await?;
            found.push(match current {
                Some((version, size, created_at, updated_at, expires_at)) => Some(Found {
                    version: Version(version),
                    size: non_negative(size, "negative entry size")?,
                    meta: meta((created_at, updated_at, expires_at)),
                }),
                None => None,
            });
        }
        let bytes_used = non_negative(bytes_used, "negative byte count")?;
        let mut plan = plan_batch(writes, &found, bytes_used, None, max_total_bytes, now);
        if let Plan::CountExpired = plan {
            // Under the lock, so no write changes the sum before this batch commits.
            let expired: i64 = sqlx::query_scalar(sql::EXPIRED_BYTES)
                .bind(id.0)
                .bind(now.0)
                .fetch_one(&mut *write.tx)
                .await?;
            let expired = non_negative(expired, "negative expired byte count")?;
            plan = plan_batch(
                writes,
                &found,
                bytes_used,
                Some(expired),
                max_total_bytes,
                now,
            );
        }
        let would_use = match plan {
            Plan::Apply { bytes_used } => bytes_used,
            Plan::CountExpired => {
                write.rollback().await?;
                return Err(BackendError::Corrupt("the quota was planned twice"));
            }
            // Rolled back explicitly, so the lock is released now (see `engine.rs`); the
            // version taken above is given back with it.
            Plan::Refuse(outcome) => {
                write.rollback().await?;
                return Ok(outcome);
            }
            Plan::Unchanged => {
                write.rollback().await?;
                return Ok(BatchOutcome::Committed(Version(version - 1)));
            }
        };
        for (batch_write, found) in writes.iter().zip(&found) {
            match batch_write.change {
                Some(Change::Put { bytes, expires_at }) => {
                    let meta = EntryMeta::written(found.as_ref().map(|f| &f.meta), now, expires_at);
                    sqlx::query(sql::UPSERT_ENTRY)
                        .bind(id.0)
                        .bind(space.code())
                        .bind(batch_write.key.as_bytes())
                        .bind(bytes)
                        .bind(version)
                        .bind(meta.created_at.0)
                        .bind(meta.updated_at.0)
                        .bind(meta.expires_at.map(|at| at.0))
                        .execute(&mut *write.tx)
                        .await?;
                }
                // Deleting an absent key would be a statement that changes nothing. An expired
                // row is removed (`plan_batch` counted its bytes as freed).
                Some(Change::Delete) if found.is_some() => {
                    sqlx::query(sql::DELETE_ENTRY)
                        .bind(id.0)
                        .bind(space.code())
                        .bind(batch_write.key.as_bytes())
                        .execute(&mut *write.tx)
                        .await?;
                }
                Some(Change::Delete) | None => {}
            }
        }
        let would_use_db =
            i64::try_from(would_use).map_err(|_| BackendError::Corrupt("byte count overflow"))?;
        sqlx::query(sql::SET_BYTES_USED)
            .bind(would_use_db)
            .bind(id.0)
            .execute(&mut *write.tx)
            .await?;
        write.commit().await?;
        Ok(BatchOutcome::Committed(Version(version)))
    }

    async fn scan(
        &self,
        id: InstallationId,
        space: Space,
        range: ScanRange<'_>,
        limit: u32,
        now: UnixMillis,
    ) -> Result<Vec<(Vec<u8>, StoredEntry)>, BackendError> {
        let rows: Vec<(Vec<u8>, Vec<u8>, i64, i64, i64, Option<i64>)> = sqlx::query_as(sql::SCAN)
            .bind(id.0)
            .bind(space.code())
            .bind(range.start)
            .bind(range.end)
            .bind(now.0)
            .bind(i64::from(limit))
            .fetch_all(self.db.pool())
            .await?;
        Ok(rows
            .into_iter()
            .map(
                |(key, bytes, version, created_at, updated_at, expires_at)| {
                    (
                        key,
                        StoredEntry {
                            bytes,
                            version: Version(version),
                            meta: meta((created_at, updated_at, expires_at)),
                        },
                    )
                },
            )
            .collect())
    }

    async fn bytes_used(&self, id: InstallationId, now: UnixMillis) -> Result<u64, BackendError> {
        let used: Option<i64> = sqlx::query_scalar(sql::BYTES_USED)
            .bind(id.0)
            .bind(now.0)
            .fetch_optional(self.db.pool())
            .await?;
        non_negative(used.unwrap_or(0), "negative byte count")
    }

    async fn purge_expired(&self, now: UnixMillis, limit: u32) -> Result<u64, BackendError> {
        // Read without a lock: which installations have due entries, and how many of the
        // `limit` earliest each. Each is then purged in its own write transaction, its
        // `storage_usage` row locked first (as every write does), so purges and writes take
        // locks in one order and cannot deadlock; the count bounds the whole pass by `limit`.
        let due: Vec<(i64, i64)> = sqlx::query_as(sql::PURGE_DUE)
            .bind(now.0)
            .bind(i64::from(limit))
            .fetch_all(self.db.pool())
            .await?;
        let mut purged = 0u64;
        for (installation, count) in due {
            let mut write = self.db.begin_write().await?;
            let Some(stored) = sqlx::query_scalar::<DB, i64>(sql::LOCK_USAGE)
                .bind(installation)
                .fetch_optional(&mut *write.tx)
                .await?
            else {
                write.rollback().await?;
                continue;
            };
            // Rows a write replaced meanwhile are no longer due and are not matched.
            let sizes: Vec<i64> = sqlx::query_scalar(sql::PURGE_INSTALLATION)
                .bind(installation)
                .bind(now.0)
                .bind(count)
                .fetch_all(&mut *write.tx)
                .await?;
            let mut freed = 0u64;
            for size in &sizes {
                freed += non_negative(*size, "negative entry size")?;
            }
            let remaining = non_negative(stored, "negative byte count")?.saturating_sub(freed);
            let remaining = i64::try_from(remaining)
                .map_err(|_| BackendError::Corrupt("byte count overflow"))?;
            sqlx::query(sql::SET_BYTES_USED)
                .bind(remaining)
                .bind(installation)
                .execute(&mut *write.tx)
                .await?;
            write.commit().await?;
            purged += sizes.len() as u64;
        }
        Ok(purged)
    }

    async fn installations(
        &self,
        after: Option<InstallationId>,
        limit: u32,
    ) -> Result<Vec<(InstallationId, Installation)>, BackendError> {
        let rows: Vec<(i64, String, String, String)> = sqlx::query_as(sql::INSTALLATIONS_AFTER)
            .bind(after.map_or(i64::MIN, |id| id.0))
            .bind(i64::from(limit))
            .fetch_all(self.db.pool())
            .await?;
        rows.into_iter()
            .map(|(id, app, site, environment)| {
                Installation::new(app, site, environment)
                    .map(|installation| (InstallationId(id), installation))
                    .map_err(|_| BackendError::Corrupt("a stored installation is invalid"))
            })
            .collect()
    }
}
