//! Forge SQL with PostgreSQL state: each installation's database kept in the shared
//! database, so that every replica runs the same one.
//!
//! Replicas share no folder, so a database cannot be a file in one replica's. Kiln's Forge
//! SQL engine is SQLite (the MySQL rewrite, functions and limits of [`super::database`] are
//! SQLite's), so each database is kept in PostgreSQL as the bytes of its SQLite file, cut in
//! [`CHUNK_BYTES`] chunks, and a statement runs on a replica's copy of it in memory:
//!
//! 1. A transaction locks the installation's row (`FOR UPDATE`): one statement of an
//!    installation at a time across all replicas, as a SQLite file has one writer at a time.
//! 2. The replica's copy is brought to the stored generation, reading only the chunks written
//!    after the generation it holds (none, when this replica ran the previous statement), and
//!    writing them into the copy in place when its size and schema are unchanged
//!    ([`ForgeSqlDatabase::patch_image`]), else making the copy anew.
//! 3. The statement runs on the copy, in one SQLite transaction, as on a file.
//! 4. The chunks that differ from the stored image are written under the next generation, in
//!    the same transaction, which commits **before** the app gets its answer: an answered
//!    write is in PostgreSQL, and a replica that dies mid-statement leaves the database as it
//!    was (its transaction rolls back).
//!
//! A query (as the copy's translation judges it) skips the lock and the write: it reads the
//! stored generation without a lock, catches up if behind (in one `REPEATABLE READ` snapshot,
//! so a write committed meanwhile cannot mix two generations' chunks) and runs. A `FOR
//! UPDATE` marks the row, so its commit would wait for PostgreSQL's log to reach the disk: a
//! read would cost a disk flush.
//!
//! Why compare images: SQLite has no interface for the pages a transaction wrote. The copy
//! keeps the image as stored beside the live database, and a statement that changed anything
//! (the file's change counter or the rows changed moved) is compared chunk by chunk: exact,
//! and a memory comparison costs far less than the round trip to PostgreSQL. The price is
//! memory, twice a database per copy kept, bounded by [`MAX_KEPT_BYTES`] for idle copies and
//! by [`MAX_RUNNING_COPY_BYTES`] for the copies of statements running at once.
//!
//! Whenever a step after the statement fails (the write, the commit), the replica drops its
//! copy: the stored database is as it was before, and the next statement reloads it. A caller
//! that stops waiting (its invocation's deadline) does not cancel the statement, which runs to
//! its end in a task of its own.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value as Json;
use sqlx::{Postgres, Transaction};

use super::database::{ForgeSqlDatabase, check_request};
use super::dialect::Endpoint;
use super::error::{ForgeSqlCode, ForgeSqlError};
use super::limits::ForgeSqlLimits;
use super::memory_budget::{MemoryBudget, Reservation};
use crate::Installation;
use crate::PostgresDatabase;
use crate::engine::SqlDatabase as _;

/// Bytes of a database's image per stored row: SQLite's default page size, so a statement
/// that changes a few pages writes a few chunks.
pub const CHUNK_BYTES: usize = 4096;

/// Chunks written or read per PostgreSQL statement (4 MiB). Threat: a large database written
/// or loaded in one message, held whole in the replica's memory and PostgreSQL's at once.
const CHUNKS_PER_BATCH: usize = 1024;

/// Memory a replica spends on idle copies (each holds its database twice: live, and as
/// stored). Threat: a replica serving many installations with large databases keeping every
/// one in memory. Past this, idle copies are dropped; the databases are whole in PostgreSQL
/// without them, and the next statement reloads one.
pub const MAX_KEPT_BYTES: usize = 512 * 1024 * 1024;

/// Copies a replica keeps, however small. Threat: a replica serving thousands of
/// installations keeping a connection, its caches and its translations for each. As many as
/// the databases kept open with SQLite state.
pub const MAX_KEPT_COPIES: usize = super::store::MAX_OPEN_DATABASES;

/// Statements of all installations a replica runs against PostgreSQL at once. Threat: apps
/// flooding statements of one installation, each holding a pooled connection while it waits
/// for the installation's row lock, stalling the replica's queue and app storage, which share
/// the pool. Half of [`crate::postgres::DEFAULT_MAX_CONNECTIONS`].
pub const MAX_STATEMENTS_AT_ONCE: usize = 4;

/// Memory the copies of statements running at once may hold, each counted as
/// [`Copy::bytes`] of its database ([`MemoryBudget`]). Threat: statements of many
/// installations with large databases running at once, each holding its database three
/// times, beyond [`MAX_KEPT_BYTES`] (which counts idle copies only). A statement whose
/// database needs more runs alone.
pub const MAX_RUNNING_COPY_BYTES: usize = 1024 * 1024 * 1024;

/// Installations' Forge SQL databases kept in PostgreSQL, and this replica's copies of them.
pub(super) struct PostgresImages {
    database: PostgresDatabase,
    limits: ForgeSqlLimits,
    copies: Mutex<HashMap<Installation, Arc<Slot>>>,
    running: tokio::sync::Semaphore,
    running_copies: MemoryBudget,
}

/// One installation's place in the replica: its copy, while no statement runs on it.
#[derive(Default)]
struct Slot {
    /// Held for the whole statement, so a replica sends one statement of an installation at a
    /// time. Empty while a statement runs on the copy (and after a failure): a copy whose
    /// statement did not end in a commit is never used again.
    copy: tokio::sync::Mutex<Option<Copy>>,
    /// Memory the idle copy holds, for [`MAX_KEPT_BYTES`].
    bytes: AtomicUsize,
}

/// A replica's copy of one database.
struct Copy {
    /// The generation [`Copy::stored`] is.
    generation: i64,
    /// The image as stored at `generation`.
    stored: Vec<u8>,
    /// The file change counter and the connection's count of changed rows when `stored` was
    /// last the live image: while both stay, no page changed.
    marks: (Option<[u8; 4]>, u64),
    live: ForgeSqlDatabase,
}

/// What a statement changed in the image.
struct Changes {
    /// Changed chunks: index, bytes.
    chunks: Vec<(i64, Vec<u8>)>,
    /// The image's size after the statement.
    size: usize,
    /// Whether it shrank (chunks past its end are deleted).
    shrank: bool,
}

impl std::fmt::Debug for PostgresImages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresImages")
            .field("database", &self.database)
            .finish_non_exhaustive()
    }
}

impl PostgresImages {
    pub(super) fn new(database: PostgresDatabase, limits: ForgeSqlLimits) -> Self {
        PostgresImages {
            database,
            limits,
            copies: Mutex::new(HashMap::new()),
            running: tokio::sync::Semaphore::new(MAX_STATEMENTS_AT_ONCE),
            running_copies: MemoryBudget::new(MAX_RUNNING_COPY_BYTES),
        }
    }

    /// Runs one statement on `installation`'s database (`key` names its rows) and answers
    /// only once what it changed is committed.
    pub(super) async fn execute(
        self: &Arc<Self>,
        installation: &Installation,
        key: [u8; 32],
        endpoint: Endpoint,
        query: String,
        params: Vec<Json>,
    ) -> Result<String, ForgeSqlError> {
        let limits = self.limits.for_environment(installation.environment());
        // Before anything reads it: parsing a huge statement costs memory in its size.
        check_request(&limits, &query, &params)?;
        let statement = Statement {
            endpoint,
            query,
            params,
        };
        // In a task of its own, which holds the installation's turn and the replica's: a
        // caller that stops waiting (its invocation's deadline) detaches from the statement
        // instead of cancelling it half-way, so its copy, its connection and its thread stay
        // counted until it ends, and the copy stays usable.
        let images = Arc::clone(self);
        let installation = installation.clone();
        tokio::spawn(async move {
            images
                .run_statement(&installation, key, limits, statement)
                .await
        })
        .await
        .unwrap_or_else(|_| Err(unavailable("the statement's task ended early")))
    }

    async fn run_statement(
        &self,
        installation: &Installation,
        key: [u8; 32],
        limits: ForgeSqlLimits,
        statement: Statement,
    ) -> Result<String, ForgeSqlError> {
        let slot = self.slot(installation);
        let mut held = slot.copy.lock().await;
        slot.bytes.store(0, Ordering::Relaxed);
        let copy = held.take();
        let (copy, statement, reads) = match copy {
            // Judged by the copy's translation (kept, so the run reuses it), on a blocking
            // thread: parsing a large statement is not for the async workers.
            Some(mut copy) => tokio::task::spawn_blocking(move || {
                let reads = copy.live.only_reads(statement.endpoint, &statement.query);
                (Some(copy), statement, reads)
            })
            .await
            .map_err(|_| unavailable("the statement's thread ended early"))?,
            None => (None, statement, false),
        };
        // After the installation's own turn and the judgement: statements queued behind one
        // installation's, or being parsed, do not hold the replica's turns meanwhile.
        let turn = self
            .running
            .acquire()
            .await
            .map_err(|_| unavailable("the replica is stopping"))?;
        let ran = match (copy, reads) {
            (Some(copy), true) => self.read(&key, copy, limits, statement, turn).await,
            (copy, _) => {
                let _turn = turn;
                self.write(installation, &key, copy, limits, statement)
                    .await
            }
        };
        let (answer, copy) = ran.inspect_err(|error| {
            tracing::error!(error = %error.message, "a Forge SQL statement on PostgreSQL state did not complete");
        })?;
        slot.bytes.store(copy.bytes(), Ordering::Relaxed);
        *held = Some(copy);
        drop(held);
        self.keep_within_budget(installation);
        answer
    }

    /// A statement that may write: steps 1 to 4 of the module's docs. The outer error is the
    /// host's (the copy is then dropped); the inner result is the statement's answer.
    async fn write(
        &self,
        installation: &Installation,
        key: &[u8; 32],
        copy: Option<Copy>,
        limits: ForgeSqlLimits,
        statement: Statement,
    ) -> Result<(Result<String, ForgeSqlError>, Copy), ForgeSqlError> {
        // Before a connection is held: the size of the copy, or of the stored database when
        // the copy is made anew (the size after catching up may differ by another replica's
        // last write).
        let size = match &copy {
            Some(copy) => copy.stored.len(),
            None => size_in_memory(stored_row(self.database.pool(), key).await?.1),
        };
        let _memory = self.reserve_copy(size).await?;
        let mut tx = self.database.pool().begin().await.map_err(database_error)?;
        let (generation, size) = lock_row(&mut tx, key, installation).await?;
        let loaded = self.catch_up(&mut tx, key, copy, generation, size).await?;
        let (answer, changes, mut copy) = run_on(loaded, limits, statement).await?;
        if let Some(changes) = changes {
            let next = generation + 1;
            write_changes(&mut tx, key, next, &changes).await?;
            copy.generation = next;
        }
        tx.commit().await.map_err(database_error)?;
        Ok((answer, copy))
    }

    /// A query: no lock, and nothing to write, so no commit to wait for (a `FOR UPDATE`
    /// marks the row, and its commit waits for PostgreSQL's log to reach the disk). It runs
    /// on the database as last committed when it was sent; a copy behind that is brought up
    /// to date in one snapshot (`REPEATABLE READ`), so that a write committed meanwhile cannot
    /// mix two generations' chunks.
    async fn read(
        &self,
        key: &[u8; 32],
        copy: Copy,
        limits: ForgeSqlLimits,
        statement: Statement,
        turn: tokio::sync::SemaphorePermit<'_>,
    ) -> Result<(Result<String, ForgeSqlError>, Copy), ForgeSqlError> {
        let pool = self.database.pool();
        let (generation, size) = stored_row(pool, key).await?;
        let _memory = self
            .reserve_copy(copy.stored.len().max(size_in_memory(size)))
            .await?;
        let loaded = if copy.generation == generation && stored_size(copy.stored.len()) == size {
            Loaded::Ready(Box::new(copy))
        } else {
            let mut tx = pool
                .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .await
                .map_err(database_error)?;
            let (generation, size) = stored_row(&mut *tx, key).await?;
            let loaded = self
                .catch_up(&mut tx, key, Some(copy), generation, size)
                .await?;
            tx.commit().await.map_err(database_error)?;
            loaded
        };
        // No connection is held from here: the query's run does not hold a replica's turn.
        drop(turn);
        let (answer, changes, copy) = run_on(loaded, limits, statement).await?;
        if changes.is_some() {
            // Not expected of a query; the copy now differs from what is stored, so it goes.
            return Err(unavailable("a query changed the database"));
        }
        Ok((answer, copy))
    }

    /// `copy` if it holds `generation`, else the stored image at `generation` (of `size`
    /// bytes), made from the stale copy's image and the chunks written since (or from all of
    /// them, with no copy).
    async fn catch_up(
        &self,
        tx: &mut Transaction<'static, Postgres>,
        key: &[u8; 32],
        copy: Option<Copy>,
        generation: i64,
        size: i64,
    ) -> Result<Loaded, ForgeSqlError> {
        // The host's ceiling, not the environment's quota: a database stored under a larger
        // quota still opens (SQLite then refuses it more pages). A size past the ceiling is a
        // damaged row, not one to allocate for.
        let size = Some(size_in_memory(size))
            .filter(|&size| size as u64 <= self.limits.max_database_bytes)
            .ok_or_else(|| unavailable("the stored database is larger than the host allows"))?;
        Ok(match copy {
            Some(copy) if copy.generation == generation && copy.stored.len() == size => {
                Loaded::Ready(Box::new(copy))
            }
            // The common case between replicas: the other one's write changed pages but not
            // the size. Its chunks are written into the copy where they belong.
            Some(mut copy) if copy.generation < generation && copy.stored.len() == size => {
                let chunks = read_chunks_since(tx, key, copy.generation, &mut copy.stored).await?;
                copy.generation = generation;
                Loaded::Patched(Box::new(copy), chunks)
            }
            // A copy is only ever behind. Ahead, or as far with another size, means the row was
            // made anew (a restore, a reset) and the copy belongs to another database: every
            // chunk is read.
            stale => {
                let (mut stored, since) = match stale {
                    Some(copy) if copy.generation < generation => (copy.stored, copy.generation),
                    _ => (Vec::new(), 0),
                };
                stored.resize(size, 0);
                read_chunks_since(tx, key, since, &mut stored).await?;
                Loaded::Image(generation, stored)
            }
        })
    }

    /// Reserves what a copy of a database of `size` bytes holds, for [`MAX_RUNNING_COPY_BYTES`].
    async fn reserve_copy(&self, size: usize) -> Result<Reservation, ForgeSqlError> {
        self.running_copies
            .reserve(copy_bytes(size))
            .await
            .map_err(|_| unavailable("the replica is stopping"))
    }

    fn slot(&self, installation: &Installation) -> Arc<Slot> {
        let mut copies = self
            .copies
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Arc::clone(copies.entry(installation.clone()).or_default())
    }

    /// Drops idle copies other than `keep`'s while the copies kept hold more than
    /// [`MAX_KEPT_BYTES`] or number more than [`MAX_KEPT_COPIES`], and forgets installations
    /// with no copy and no statement running.
    fn keep_within_budget(&self, keep: &Installation) {
        let mut copies = self
            .copies
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut kept: usize = copies
            .values()
            .map(|slot| slot.bytes.load(Ordering::Relaxed))
            .sum();
        let mut count = copies.len();
        copies.retain(|installation, slot| {
            let idle = Arc::strong_count(slot) == 1;
            if !idle || installation == keep {
                return true;
            }
            let bytes = slot.bytes.load(Ordering::Relaxed);
            if kept > MAX_KEPT_BYTES || count > MAX_KEPT_COPIES || bytes == 0 {
                kept -= bytes;
                count -= 1;
                return false;
            }
            true
        });
    }
}

/// One statement of the app's, as sent.
struct Statement {
    endpoint: Endpoint,
    query: String,
    params: Vec<Json>,
}

/// Runs `statement` on the copy `loaded` is (or makes from its image), on a blocking thread;
/// its answer, what it changed, and the copy.
async fn run_on(
    loaded: Loaded,
    limits: ForgeSqlLimits,
    statement: Statement,
) -> Result<(Result<String, ForgeSqlError>, Option<Changes>, Copy), ForgeSqlError> {
    tokio::task::spawn_blocking(move || {
        let mut copy = match loaded {
            Loaded::Ready(copy) => *copy,
            Loaded::Patched(copy, chunks) => copy.patched(&chunks, limits)?,
            Loaded::Image(generation, stored) => Copy::of(generation, stored, limits)?,
        };
        let answer = copy
            .live
            .execute_answer(statement.endpoint, &statement.query, &statement.params)
            .map(|answer| answer.to_forge_text());
        let changes = copy.take_changes()?;
        Ok((answer, changes, copy))
    })
    .await
    .map_err(|_| unavailable("the statement's thread ended early"))?
}

/// A copy ready to run on, or the image to make one of (made on the blocking thread, as
/// copying a large image into SQLite takes time).
enum Loaded {
    Ready(Box<Copy>),
    /// A copy whose `stored` image (and generation) is up to date, and whose live database
    /// still lacks these chunks of it.
    Patched(Box<Copy>, Vec<usize>),
    Image(i64, Vec<u8>),
}

impl Copy {
    fn of(generation: i64, stored: Vec<u8>, limits: ForgeSqlLimits) -> Result<Self, ForgeSqlError> {
        let live = ForgeSqlDatabase::from_image(&stored, limits).map_err(|error| {
            tracing::error!(%error, "a stored Forge SQL database could not be opened");
            unavailable("the installation's database could not be opened")
        })?;
        let marks = live
            .with_image(|image, changes| (change_counter(image), changes))
            .ok_or_else(|| unavailable("the database's copy is not in memory"))?;
        Ok(Copy {
            generation,
            stored,
            marks,
            live,
        })
    }

    /// This copy with `chunks` of its stored image written into its live database, which
    /// then equals the stored image again; made anew from the image if that cannot be done.
    fn patched(mut self, chunks: &[usize], limits: ForgeSqlLimits) -> Result<Self, ForgeSqlError> {
        let stored = &self.stored;
        let patches = chunks.iter().filter_map(|&chunk| {
            let at = chunk.checked_mul(CHUNK_BYTES)?;
            Some((at, stored.get(at..(at + CHUNK_BYTES).min(stored.len()))?))
        });
        if !self.live.patch_image(patches) {
            return Copy::of(self.generation, self.stored, limits);
        }
        self.marks = self
            .live
            .with_image(|image, changes| (change_counter(image), changes))
            .ok_or_else(|| unavailable("the database's copy is not in memory"))?;
        Ok(self)
    }

    /// Memory this copy holds ([`copy_bytes`]).
    fn bytes(&self) -> usize {
        copy_bytes(self.stored.len())
    }

    /// The chunks of the live image that differ from the stored one, which becomes the live
    /// one; `None` when nothing changed.
    fn take_changes(&mut self) -> Result<Option<Changes>, ForgeSqlError> {
        let stored = &mut self.stored;
        let marks = self.marks;
        let found = self
            .live
            .with_image(|image, changes| {
                let now = (change_counter(image), changes);
                if now == marks && image.len() == stored.len() {
                    return (now, None);
                }
                (now, Some(differences(stored, image)))
            })
            .ok_or_else(|| unavailable("the database's copy is not in memory"))?;
        self.marks = found.0;
        Ok(found
            .1
            .filter(|changes| !changes.chunks.is_empty() || changes.shrank))
    }
}

/// The chunks of `image` that differ from those of `stored`, in bytes or in length (the last
/// chunk of an image that grew or shrank, and chunks past `stored`'s end), and `stored` made
/// equal to `image`.
fn differences(stored: &mut Vec<u8>, image: &[u8]) -> Changes {
    let shrank = image.len() < stored.len();
    let mut chunks = Vec::new();
    for (index, chunk) in image.chunks(CHUNK_BYTES).enumerate() {
        let at = index * CHUNK_BYTES;
        let was = stored.get(at..(at + CHUNK_BYTES).min(stored.len()));
        if was != Some(chunk) {
            chunks.push((index as i64, chunk.to_vec()));
        }
    }
    stored.clear();
    stored.extend_from_slice(image);
    Changes {
        chunks,
        size: image.len(),
        shrank,
    }
}

/// The SQLite file change counter (bytes 24 to 27), raised by each transaction that writes.
fn change_counter(image: &[u8]) -> Option<[u8; 4]> {
    image.get(24..28).and_then(|bytes| bytes.try_into().ok())
}

const STORED_ROW: &str =
    "SELECT generation, size_bytes FROM forge_sql_databases WHERE database_key = $1";

/// The installation's stored generation and size, without a lock: `(0, 0)` before its first
/// write.
async fn stored_row<'c, E>(executor: E, key: &[u8; 32]) -> Result<(i64, i64), ForgeSqlError>
where
    E: sqlx::Executor<'c, Database = Postgres>,
{
    let row: Option<(i64, i64)> = sqlx::query_as(STORED_ROW)
        .bind(&key[..])
        .fetch_optional(executor)
        .await
        .map_err(database_error)?;
    Ok(row.unwrap_or((0, 0)))
}

/// Memory a copy of a database of `size` bytes holds: the stored image, and the live one,
/// whose buffer SQLite grows by doubling (up to twice its size).
fn copy_bytes(size: usize) -> usize {
    size.saturating_mul(3)
}

/// A stored size in memory; one past any limit if it does not fit (a damaged row, which
/// loading then refuses).
fn size_in_memory(stored: i64) -> usize {
    usize::try_from(stored).unwrap_or(usize::MAX)
}

/// A size as stored.
fn stored_size(size: usize) -> i64 {
    i64::try_from(size).unwrap_or(i64::MAX)
}

/// Locks the installation's row, creating it for a first statement; its generation and size.
async fn lock_row(
    tx: &mut Transaction<'static, Postgres>,
    key: &[u8; 32],
    installation: &Installation,
) -> Result<(i64, i64), ForgeSqlError> {
    const LOCK: &str =
        "SELECT generation, size_bytes FROM forge_sql_databases WHERE database_key = $1 FOR UPDATE";
    let found: Option<(i64, i64)> = sqlx::query_as(LOCK)
        .bind(&key[..])
        .fetch_optional(&mut **tx)
        .await
        .map_err(database_error)?;
    if let Some(row) = found {
        return Ok(row);
    }
    // Two replicas' first statements: the second's insert waits for the first's and does
    // nothing; its lock then waits for the first's commit.
    sqlx::query(
        "INSERT INTO forge_sql_databases (database_key, app_id, site, environment, generation, \
         size_bytes) VALUES ($1, $2, $3, $4, 0, 0) ON CONFLICT (database_key) DO NOTHING",
    )
    .bind(&key[..])
    .bind(installation.app_id())
    .bind(installation.site())
    .bind(installation.environment())
    .execute(&mut **tx)
    .await
    .map_err(database_error)?;
    sqlx::query_as(LOCK)
        .bind(&key[..])
        .fetch_one(&mut **tx)
        .await
        .map_err(database_error)
}

/// Reads the chunks written after generation `since` into `image` (already the stored size),
/// [`CHUNKS_PER_BATCH`] at a time.
async fn read_chunks_since(
    tx: &mut Transaction<'static, Postgres>,
    key: &[u8; 32],
    since: i64,
    image: &mut [u8],
) -> Result<Vec<usize>, ForgeSqlError> {
    let mut applied = Vec::new();
    let mut from = 0i64;
    loop {
        let rows: Vec<(i64, Vec<u8>)> = sqlx::query_as(
            "SELECT chunk, bytes FROM forge_sql_chunks WHERE database_key = $1 AND generation > $2 \
             AND chunk >= $3 ORDER BY chunk LIMIT $4",
        )
        .bind(&key[..])
        .bind(since)
        .bind(from)
        .bind(CHUNKS_PER_BATCH as i64)
        .fetch_all(&mut **tx)
        .await
        .map_err(database_error)?;
        let Some(&(last, _)) = rows.last() else {
            return Ok(applied);
        };
        for (chunk, bytes) in &rows {
            let index = usize::try_from(*chunk).ok();
            let place = index
                .and_then(|chunk| chunk.checked_mul(CHUNK_BYTES))
                .and_then(|at| image.get_mut(at..at.checked_add(bytes.len())?));
            match (index, place) {
                (Some(index), Some(place)) => {
                    place.copy_from_slice(bytes);
                    applied.push(index);
                }
                _ => return Err(unavailable("a stored chunk lies outside its database")),
            }
        }
        if rows.len() < CHUNKS_PER_BATCH {
            return Ok(applied);
        }
        from = last + 1;
    }
}

/// Stores `changes` under generation `next`.
async fn write_changes(
    tx: &mut Transaction<'static, Postgres>,
    key: &[u8; 32],
    next: i64,
    changes: &Changes,
) -> Result<(), ForgeSqlError> {
    for batch in changes.chunks.chunks(CHUNKS_PER_BATCH) {
        let (indexes, bytes): (Vec<i64>, Vec<&[u8]>) = batch
            .iter()
            .map(|(index, bytes)| (*index, bytes.as_slice()))
            .unzip();
        sqlx::query(
            "INSERT INTO forge_sql_chunks (database_key, chunk, generation, bytes) \
             SELECT $1, chunk, $2, bytes FROM UNNEST($3::BIGINT[], $4::BYTEA[]) AS t (chunk, bytes) \
             ON CONFLICT (database_key, chunk) \
             DO UPDATE SET generation = EXCLUDED.generation, bytes = EXCLUDED.bytes",
        )
        .bind(&key[..])
        .bind(next)
        .bind(indexes)
        .bind(bytes)
        .execute(&mut **tx)
        .await
        .map_err(database_error)?;
    }
    let size = i64::try_from(changes.size).map_err(|_| unavailable("the database is too large"))?;
    if changes.shrank {
        let chunks = changes.size.div_ceil(CHUNK_BYTES) as i64;
        sqlx::query("DELETE FROM forge_sql_chunks WHERE database_key = $1 AND chunk >= $2")
            .bind(&key[..])
            .bind(chunks)
            .execute(&mut **tx)
            .await
            .map_err(database_error)?;
    }
    sqlx::query(
        "UPDATE forge_sql_databases SET generation = $2, size_bytes = $3 WHERE database_key = $1",
    )
    .bind(&key[..])
    .bind(next)
    .bind(size)
    .execute(&mut **tx)
    .await
    .map_err(database_error)?;
    Ok(())
}

fn database_error(error: sqlx::Error) -> ForgeSqlError {
    // sqlx's errors name no password; the app gets none of it.
    tracing::error!(%error, "PostgreSQL failed a Forge SQL statement's transaction");
    unavailable("the state database did not complete the statement")
}

fn unavailable(message: &str) -> ForgeSqlError {
    ForgeSqlError {
        code: ForgeSqlCode::UnknownError,
        message: message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_are_the_chunks_that_changed_or_are_new() {
        let mut stored = vec![0u8; 3 * CHUNK_BYTES];
        let mut image = stored.clone();
        image[CHUNK_BYTES + 7] = 1;
        image.extend_from_slice(&[0u8; CHUNK_BYTES]); // a new chunk of zeros is still written
        let changes = differences(&mut stored, &image);
        let indexes: Vec<i64> = changes.chunks.iter().map(|(i, _)| *i).collect();
        assert_eq!(indexes, [1, 3]);
        assert!(!changes.shrank);
        assert_eq!(stored, image);
    }

    #[test]
    fn a_shrunk_image_rewrites_its_cut_chunk_and_deletes_the_rest() {
        let mut stored = vec![5u8; 3 * CHUNK_BYTES];
        let image = vec![5u8; CHUNK_BYTES + 512];
        let changes = differences(&mut stored, &image);
        let indexes: Vec<i64> = changes.chunks.iter().map(|(i, _)| *i).collect();
        assert_eq!(indexes, [1], "the last chunk, now 512 bytes");
        assert!(changes.shrank);
        assert_eq!(changes.size, CHUNK_BYTES + 512);
    }

    #[test]
    fn a_write_moves_the_marks_and_a_read_leaves_them() {
        let mut copy = Copy::of(0, Vec::new(), ForgeSqlLimits::default()).unwrap();
        assert!(copy.take_changes().unwrap().is_none(), "a new database");
        for statement in [
            "CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(20))",
            "INSERT INTO t VALUES (1, 'a')",
            "UPDATE t SET name = 'b' WHERE id = 1",
            "ALTER TABLE t ADD COLUMN n INT",
            "DELETE FROM t",
            "DROP TABLE t",
        ] {
            let endpoint = if statement.starts_with("CREATE")
                || statement.starts_with("ALTER")
                || statement.starts_with("DROP")
            {
                Endpoint::Schema
            } else {
                Endpoint::Data
            };
            copy.live.execute_text(endpoint, statement, &[]).unwrap();
            let changes = copy.take_changes().unwrap();
            assert!(changes.is_some(), "{statement} changed nothing?");
            copy.live
                .execute_text(Endpoint::Data, "SELECT 1", &[])
                .unwrap();
            assert!(
                copy.take_changes().unwrap().is_none(),
                "a read after {statement}"
            );
            // A refused statement is rolled back and changes nothing either.
            let _ = copy
                .live
                .execute_text(Endpoint::Data, "INSERT INTO nowhere VALUES (1)", &[]);
            assert!(
                copy.take_changes().unwrap().is_none(),
                "a failure after {statement}"
            );
        }
    }

    fn n_of(copy: &mut Copy, query: &str) -> String {
        copy.live.execute_text(Endpoint::Data, query, &[]).unwrap()
    }

    /// What the other replica does: its copy written with the chunks the first one stored,
    /// then read. SQLite must notice the new pages (and a new schema) as it notices another
    /// process's write to its file, though it read and cached the old ones just before.
    #[test]
    fn a_copy_patched_with_another_copys_chunks_reads_what_that_one_wrote() {
        let limits = ForgeSqlLimits::default();
        let mut a = Copy::of(0, Vec::new(), limits.clone()).unwrap();
        a.live
            .execute_text(
                Endpoint::Schema,
                "CREATE TABLE t (id INT PRIMARY KEY, n INT)",
                &[],
            )
            .unwrap();
        a.live
            .execute_text(Endpoint::Data, "INSERT INTO t VALUES (1, 0)", &[])
            .unwrap();
        // Free pages, so that the schema change below fits in the same size.
        a.live
            .execute_text(Endpoint::Schema, "CREATE TABLE spare (body TEXT)", &[])
            .unwrap();
        a.live
            .execute_text(
                Endpoint::Data,
                "INSERT INTO spare VALUES (REPEAT('x', 40000))",
                &[],
            )
            .unwrap();
        a.live
            .execute_text(Endpoint::Schema, "DROP TABLE spare", &[])
            .unwrap();
        a.take_changes().unwrap();
        let mut b = Copy::of(1, a.stored.clone(), limits.clone()).unwrap();
        let select = "SELECT * FROM t";
        assert_eq!(n_of(&mut b, select), r#"{"rows":[{"id":1,"n":0}]}"#);
        let patch = |a: &mut Copy, b: &mut Copy| {
            let changes = a.take_changes().unwrap().expect("a wrote");
            assert_eq!(
                changes.size,
                b.stored.len(),
                "the same size: patched in place"
            );
            let patches = changes
                .chunks
                .iter()
                .map(|(index, bytes)| (*index as usize * CHUNK_BYTES, bytes.as_slice()));
            assert!(b.live.patch_image(patches));
        };
        for round in 1..=3 {
            a.live
                .execute_text(Endpoint::Data, "UPDATE t SET n = n + 1", &[])
                .unwrap();
            patch(&mut a, &mut b);
            assert_eq!(
                n_of(&mut b, select),
                format!(r#"{{"rows":[{{"id":1,"n":{round}}}]}}"#)
            );
        }
        // A new column: not patched (SQLite would notice the new schema only once the
        // statement it kept had given its old columns); a copy made anew reads it.
        a.live
            .execute_text(
                Endpoint::Schema,
                "ALTER TABLE t ADD COLUMN label VARCHAR(8)",
                &[],
            )
            .unwrap();
        a.live
            .execute_text(Endpoint::Data, "UPDATE t SET label = 'new'", &[])
            .unwrap();
        let changes = a.take_changes().unwrap().expect("a wrote");
        assert_eq!(changes.size, b.stored.len(), "the same size");
        let patches = changes
            .chunks
            .iter()
            .map(|(index, bytes)| (*index as usize * CHUNK_BYTES, bytes.as_slice()));
        assert!(!b.live.patch_image(patches), "a new schema is not patched");
        let mut b = Copy::of(2, a.stored.clone(), limits.clone()).unwrap();
        assert_eq!(
            n_of(&mut b, select),
            r#"{"rows":[{"id":1,"n":3,"label":"new"}]}"#
        );
        // And b writes on from there as a would.
        b.live
            .execute_text(Endpoint::Data, "UPDATE t SET n = n * 10", &[])
            .unwrap();
        assert_eq!(
            n_of(&mut b, select),
            r#"{"rows":[{"id":1,"n":30,"label":"new"}]}"#
        );
    }

    #[test]
    fn a_copy_made_from_a_stored_image_holds_its_rows() {
        let mut first = Copy::of(0, Vec::new(), ForgeSqlLimits::default()).unwrap();
        first
            .live
            .execute_text(Endpoint::Schema, "CREATE TABLE t (id INT PRIMARY KEY)", &[])
            .unwrap();
        first
            .live
            .execute_text(Endpoint::Data, "INSERT INTO t VALUES (1), (2)", &[])
            .unwrap();
        first.take_changes().unwrap();
        let mut second = Copy::of(1, first.stored.clone(), ForgeSqlLimits::default()).unwrap();
        let answer = second
            .live
            .execute_text(Endpoint::Data, "SELECT COUNT(*) AS n FROM t", &[])
            .unwrap();
        assert!(answer.contains("\"n\":2"), "{answer}");
    }
}
