//! One installation's Forge SQL database: a SQLite file (or memory) that runs the app's
//! statements, and nothing else.
//!
//! Threats, each beside its answer:
//! - *Reaching other files* (`ATTACH '/etc/…'`, `VACUUM INTO`, extensions): the authorizer
//!   refuses attaching, pragmas (but the two the host runs itself around a table rebuild,
//!   allowed only while it runs them) and virtual tables; extensions cannot load (rusqlite is built
//!   without `load_extension`); SQLite's attached-database limit is 0.
//! - *Corrupting the database to attack SQLite itself*: `SQLITE_DBCONFIG_DEFENSIVE` (no writes
//!   to the schema table or shadow tables), schema not trusted, no triggers or views (code that
//!   would run later, on other statements).
//! - *Smuggling a second statement*: SQLite prepares exactly the statements
//!   [`super::dialect::translate`] produced, one at a time; rusqlite refuses a text holding two.
//! - *Holding the database or a host thread*: a progress handler interrupts a statement past
//!   [`ForgeSqlLimits::statement_time`] (a query) or [`ForgeSqlLimits::write_time`]; the whole
//!   call is one transaction, rolled back.
//! - *Filling memory or disk*: [`ForgeSqlLimits`] bound statements, parameters, answers and the
//!   file, and SQLite's own limits bound expression depth, value length and columns.
//!
//! Nothing the app sends can name another installation's file: the host picks the path.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use rusqlite::config::DbConfig;
use rusqlite::functions::FunctionFlags;
use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::limits::Limit;
use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};
use serde_json::{Value as Json, json};

use super::answer::{Answer, Field, fields as answer_fields};
use super::columns::{numbers_rows, table_columns, table_dependencies};
use super::dialect::{Endpoint, StatementKind, Step, Translated, translate_for};
use super::duplicate_entry::{InsertedRows, inserted_entry, updated_entry};
use super::error::{ForgeSqlCode, ForgeSqlError};
use super::functions::register_mysql_functions;
use super::lateral::check_single_row_limits;
use super::limit_clauses::register_limit_count;
use super::limits::ForgeSqlLimits;
use super::mysql_errors::{
    duplicate_key_message, left_out_message, mysql_message, name_entry_limit,
};
use super::number_columns::register_stored_numbers;
use super::rebuild;
use super::show;
use super::sleep_function::{StatementDeadline, register_sleep};
use super::values::{ColumnType, parameters};

/// Refuses a request larger than Forge SQL's request size, or with more parameters than the
/// limit, before anything reads it (a parse of a huge statement costs memory in its size).
pub(crate) fn check_request(
    limits: &ForgeSqlLimits,
    query: &str,
    params: &[Json],
) -> Result<(), ForgeSqlError> {
    // Forge counts the whole request, the statement and the values bound to it.
    let request = request_bytes(query, params);
    if request > limits.max_statement_bytes {
        return Err(ForgeSqlError::invalid(format!(
            "the statement and its parameters are {request} bytes; Kiln's limit is {} \
             (Forge SQL's request size)",
            limits.max_statement_bytes
        )));
    }
    if params.len() > limits.max_parameters {
        return Err(ForgeSqlError::invalid(format!(
            "{} parameters bound; Kiln's limit is {}",
            params.len(),
            limits.max_parameters
        )));
    }
    Ok(())
}

/// Why a database could not be opened (the host's problem, not the app's).
#[derive(Debug, thiserror::Error)]
pub enum ForgeSqlOpenError {
    /// The file or its folder could not be created with private permissions.
    #[error("cannot create the Forge SQL database file: {0}")]
    File(#[from] crate::storage::BackendError),
    /// SQLite refused to open or configure it.
    #[error("cannot open the Forge SQL database: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// Statements whose translation a database keeps. Apps send the same few statements over and
/// over with different parameters; parsing MySQL is most of Kiln's cost per statement (see
/// BENCHMARKS.md), so a repeat costs a lookup. Bounded: a guest sending endless distinct
/// statements only cycles the cache.
const TRANSLATIONS_KEPT: usize = 128;

/// One installation's Forge SQL database.
pub struct ForgeSqlDatabase {
    connection: Connection,
    limits: ForgeSqlLimits,
    /// Per endpoint ([`Endpoint::Data`], [`Endpoint::Schema`]), keyed by the app's text, so a
    /// lookup borrows the query rather than copying it.
    translations: [HashMap<String, Arc<Translated>>; 2],
    /// Per table, how its `AUTO_INCREMENT` column's values come back ([`row_id_type`]),
    /// read from the schema once; cleared with the translations.
    row_id_types: HashMap<String, Option<(String, ColumnType)>>,
    /// Rows an upsert updated rather than inserted in the statement running, and those of
    /// them whose values changed, counted by [`UPSERT_UPDATED`] as SQLite evaluates the
    /// update: MySQL counts a changed row twice in `affectedRows` (apps read 2 as "updated"),
    /// one left as it was once.
    upsert_updates: Arc<UpdateRows>,
    /// Rows an `UPDATE` matched and changed in the statement running, counted by
    /// [`UPDATE_CHANGED`]: MySQL's `changedRows` leaves out the rows an update set to the
    /// values they held.
    update_rows: Arc<UpdateRows>,
    /// The running statement's deadline, which `SLEEP` reads ([`super::sleep_function`]).
    statement_deadline: StatementDeadline,
}

/// The function [`super::writes`] wraps an upsert's first assignment in, with whether the
/// row's values change: it counts the row and returns its first argument.
pub(crate) const UPSERT_UPDATED: &str = "kiln_upsert_updated";

/// The function [`super::writes`] wraps an `UPDATE`'s first assignment in, with whether the
/// row's values change: it counts the row and returns its first argument.
pub(crate) const UPDATE_CHANGED: &str = "kiln_update_changed";

/// What [`UPDATE_CHANGED`] or [`UPSERT_UPDATED`] counted in the statement running.
#[derive(Debug, Default)]
struct UpdateRows {
    matched: AtomicU64,
    changed: AtomicU64,
}

impl std::fmt::Debug for ForgeSqlDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForgeSqlDatabase")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl ForgeSqlDatabase {
    /// The database in the file at `path`, created if missing. What is committed survives a
    /// restart: the file is in WAL mode with full synchronous commits.
    pub fn open(path: &Path, limits: ForgeSqlLimits) -> Result<Self, ForgeSqlOpenError> {
        // Readable by the host's user only, like the state file beside it.
        crate::database::prepare_private_file(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let connection = Connection::open_with_flags(path, flags)?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "FULL")?;
        // `runtime run` and `runtime serve` may share a data folder: wait for the other's
        // write rather than fail at once.
        connection.busy_timeout(limits.statement_time)?;
        Self::configure(connection, limits)
    }

    /// A database that lives as long as this value (`--storage memory`, tests).
    pub fn in_memory(limits: ForgeSqlLimits) -> Result<Self, ForgeSqlOpenError> {
        Self::configure(Connection::open_in_memory()?, limits)
    }

    /// A database in memory holding `image`, the bytes of a SQLite database file (empty for
    /// a new database): a replica's copy of a database kept in PostgreSQL
    /// ([`super::postgres_images`]). Its bytes stay readable whole ([`Self::with_image`]).
    pub(crate) fn from_image(
        image: &[u8],
        limits: ForgeSqlLimits,
    ) -> Result<Self, ForgeSqlOpenError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        // `memdb` is SQLite's in-memory file, kept in one buffer that can be read without a
        // copy. A name without a leading `/` is private to this connection.
        let mut connection = Connection::open_with_flags("file:kiln-forge-sql?vfs=memdb", flags)?;
        if !image.is_empty() {
            // Before `configure`: replacing the database resets what its pager was told
            // (`max_page_count`); the connection's own settings stay.
            connection.deserialize_read_exact(rusqlite::MAIN_DB, image, image.len(), false)?;
        }
        Self::configure(connection, limits)
    }

    /// Calls `read` with this database's bytes as a file of it would hold them, read where
    /// SQLite keeps them (no copy), with the connection's count of rows changed so far; `None`
    /// for a database not made by [`Self::from_image`].
    pub(crate) fn with_image<R>(&self, read: impl FnOnce(&[u8], u64) -> R) -> Option<R> {
        let (bytes, size) = self.memdb_buffer()?;
        let changes = self.connection.total_changes();
        if bytes.is_null() {
            return Some(read(&[], changes));
        }
        // SAFETY: memdb's buffer holds `size` bytes (its file's size). It stays valid and
        // unchanged while `self` is borrowed here: only a statement of this connection could
        // change or move it, and none can run meanwhile.
        Some(read(
            unsafe { std::slice::from_raw_parts(bytes, size) },
            changes,
        ))
    }

    /// memdb's own buffer for this connection's database, and its length (the file's size):
    /// `None` for any other kind of database; a null buffer of length 0 for an empty memdb,
    /// which has none yet.
    fn memdb_buffer(&self) -> Option<(*mut u8, usize)> {
        let mut size: i64 = -1;
        // SAFETY: the handle is this connection's and is used on this thread; `NOCOPY` asks
        // for memdb's own buffer (NULL for any other kind of database) and allocates nothing.
        let bytes = unsafe {
            rusqlite::ffi::sqlite3_serialize(
                self.connection.handle(),
                rusqlite::MAIN_DB.as_ptr(),
                &mut size,
                rusqlite::ffi::SQLITE_SERIALIZE_NOCOPY,
            )
        };
        let size = usize::try_from(size).ok()?;
        (!bytes.is_null() || size == 0).then_some((bytes, size))
    }

    /// Writes each `(at, bytes)` of `patches` into this database's memory image, as another
    /// process writing its file would, and answers whether it did. It does not (and the
    /// caller makes the database anew) for a patch past the image's end, for a database not
    /// made by [`Self::from_image`], or when the patches change the schema: SQLite would
    /// notice a new schema only when a statement next starts a transaction, after the
    /// statements kept here had given their old columns, so new schemas take a new database.
    ///
    /// The patches must come from a committed image of the same database (a later
    /// generation, [`super::postgres_images`]) and include its page 1, with the file change
    /// counter that generation raised: SQLite compares that counter whenever it takes its
    /// shared lock, as it does to notice another process's write, and drops the pages it
    /// cached.
    pub(crate) fn patch_image<'a>(
        &mut self,
        patches: impl IntoIterator<Item = (usize, &'a [u8])>,
    ) -> bool {
        /// Where the file header keeps the schema cookie.
        const SCHEMA_COOKIE: std::ops::Range<usize> = 40..44;
        /// The header bytes SQLite compares when it takes its shared lock (the file change
        /// counter first).
        const FILE_VERSIONS: std::ops::Range<usize> = 24..40;
        let Some((bytes, size)) = self.memdb_buffer() else {
            return false;
        };
        if bytes.is_null() {
            return false;
        }
        // SAFETY: memdb's buffer of `size` bytes, SQLite's to write as its file. `&mut self`
        // means no statement of this connection runs or holds a transaction (rusqlite resets
        // each statement once read), so SQLite holds no lock, no other reference to the buffer
        // is alive, and SQLite checks what it cached before using it again.
        let image = unsafe { std::slice::from_raw_parts_mut(bytes, size) };
        let patches: Vec<(usize, &[u8])> = patches.into_iter().collect();
        if patches
            .iter()
            .any(|(at, bytes)| at.checked_add(bytes.len()).is_none_or(|end| end > size))
        {
            return false;
        }
        // What SQLite compares to trust its cache: without new bytes there, it would not look.
        let file_versions = |at: usize, bytes: &[u8]| {
            (at <= FILE_VERSIONS.start && at + bytes.len() >= FILE_VERSIONS.end)
                .then(|| bytes[FILE_VERSIONS.start - at..FILE_VERSIONS.end - at].to_vec())
        };
        let announced = patches.iter().any(|(at, bytes)| {
            file_versions(*at, bytes)
                .is_some_and(|new| Some(new.as_slice()) != image.get(FILE_VERSIONS))
        });
        if !announced {
            return false;
        }
        let cookie = |image: &[u8]| image.get(SCHEMA_COOKIE).map(<[u8]>::to_vec);
        let new_cookie = patches
            .iter()
            .find(|(at, bytes)| *at <= SCHEMA_COOKIE.start && at + bytes.len() >= SCHEMA_COOKIE.end)
            .map(|(at, bytes)| bytes[SCHEMA_COOKIE.start - at..SCHEMA_COOKIE.end - at].to_vec());
        if new_cookie.is_some_and(|new| Some(new) != cookie(image)) {
            return false;
        }
        for (at, bytes) in patches {
            image[at..at + bytes.len()].copy_from_slice(bytes);
        }
        true
    }

    fn configure(
        connection: Connection,
        limits: ForgeSqlLimits,
    ) -> Result<Self, ForgeSqlOpenError> {
        // Forge SQL does not enforce foreign keys ("Foreign keys are not supported … DELETE
        // operations will not be cascaded", Forge SQL's limits page): TiDB keeps their
        // definitions and checks nothing, so SQLite, which enforces them only when asked, is
        // not asked. An app that relied on a key's check or cascade would pass on Kiln and
        // lose data on Forge.
        connection.pragma_update(None, "foreign_keys", false)?;
        // TiDB's default collation, utf8mb4_bin, compares exactly: `LIKE 'A%'` does not
        // match 'a' (SQLite's LIKE folds ASCII case unless told).
        connection.pragma_update(None, "case_sensitive_like", true)?;
        let page_size: i64 = connection.query_row("PRAGMA page_size", [], |row| row.get(0))?;
        let pages = limits.max_database_bytes / u64::try_from(page_size.max(512)).unwrap_or(512);
        connection.pragma_update(
            None,
            "max_page_count",
            i64::try_from(pages.max(1)).unwrap_or(i64::MAX),
        )?;
        connection.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
        connection.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)?;
        connection.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, false)?;
        connection.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_VIEW, false)?;
        // Strings are single-quoted by the dialect's rewrite; a double-quoted name that
        // names nothing must fail, not turn into a string.
        connection.set_db_config(DbConfig::SQLITE_DBCONFIG_DQS_DML, false)?;
        connection.set_db_config(DbConfig::SQLITE_DBCONFIG_DQS_DDL, false)?;
        let statement_bytes =
            i32::try_from(limits.max_statement_bytes.saturating_mul(2)).unwrap_or(i32::MAX);
        let parameters = i32::try_from(limits.max_parameters).unwrap_or(i32::MAX);
        let row_bytes = i32::try_from(limits.max_row_bytes).unwrap_or(i32::MAX);
        for (limit, value) in [
            (Limit::SQLITE_LIMIT_ATTACHED, 0),
            (Limit::SQLITE_LIMIT_SQL_LENGTH, statement_bytes),
            (Limit::SQLITE_LIMIT_VARIABLE_NUMBER, parameters),
            (Limit::SQLITE_LIMIT_EXPR_DEPTH, limits.max_expression_depth),
            // SQLite's length limit bounds a row (the record it stores) and any one value.
            (Limit::SQLITE_LIMIT_LENGTH, row_bytes),
            (Limit::SQLITE_LIMIT_COLUMN, 1_000),
            (Limit::SQLITE_LIMIT_COMPOUND_SELECT, 100),
            (Limit::SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 1_000),
            (Limit::SQLITE_LIMIT_FUNCTION_ARG, 127),
            (Limit::SQLITE_LIMIT_TRIGGER_DEPTH, 1),
            (Limit::SQLITE_LIMIT_WORKER_THREADS, 0),
        ] {
            connection.set_limit(limit, value)?;
        }
        register_mysql_functions(&connection)?;
        let statement_deadline = StatementDeadline::new();
        register_sleep(&connection, statement_deadline.clone())?;
        register_limit_count(&connection)?;
        register_stored_numbers(&connection)?;
        let upsert_updates = Arc::new(UpdateRows::default());
        let update_rows = Arc::new(UpdateRows::default());
        for (name, rows) in [
            (UPSERT_UPDATED, &upsert_updates),
            (UPDATE_CHANGED, &update_rows),
        ] {
            let counter = Arc::clone(rows);
            connection.create_scalar_function(
                name,
                2,
                FunctionFlags::SQLITE_UTF8,
                move |context| {
                    counter.matched.fetch_add(1, Ordering::Relaxed);
                    if context.get::<Option<bool>>(1)?.unwrap_or(false) {
                        counter.changed.fetch_add(1, Ordering::Relaxed);
                    }
                    context.get::<rusqlite::types::Value>(0)
                },
            )?;
        }
        // Last: the settings above are the host's own pragmas, and no pragma runs after.
        connection.authorizer(Some(authorize))?;
        // Prepared statements are kept by SQLite text, as many as the translations kept.
        connection.set_prepared_statement_cache_capacity(TRANSLATIONS_KEPT);
        Ok(ForgeSqlDatabase {
            connection,
            limits,
            translations: [HashMap::new(), HashMap::new()],
            row_id_types: HashMap::new(),
            upsert_updates,
            update_rows,
            statement_deadline,
        })
    }

    /// Whether `query` only reads (a query, as its translation says): it then runs without
    /// the installation's write lock on PostgreSQL state ([`super::postgres_images`]). A
    /// statement that does not translate is not one.
    pub(crate) fn only_reads(&mut self, endpoint: Endpoint, query: &str) -> bool {
        self.translation(endpoint, query)
            .is_ok_and(|translated| translated.kind == StatementKind::Query)
    }

    /// [`ForgeSqlDatabase::execute_text`]'s answer as a JSON value (row keys then lose their
    /// order, which the text keeps).
    pub fn execute(
        &mut self,
        endpoint: Endpoint,
        query: &str,
        params: &[Json],
    ) -> Result<Json, ForgeSqlError> {
        let text = self.execute_text(endpoint, query, params)?;
        serde_json::from_str(&text)
            .map_err(|error| ForgeSqlError::execution(format!("the answer did not read: {error}")))
    }

    /// Runs one statement of the app's (or several schema statements, [`Endpoint::Schema`]),
    /// with its bound parameters, and answers in Forge's shape without its metadata:
    /// `{"rows": [...]}` for a query, `{"rows": {affectedRows, insertId, ...}}` for anything
    /// else, as JSON text whose row keys follow the select list, as MySQL's do (ORMs such as
    /// drizzle read rows by position). What a call runs commits entirely or not at all.
    ///
    /// The text is the same for the same statement on the same data, which
    /// [`ForgeSqlDatabase::execute_answer`]'s metadata (a time) is not: this is what
    /// comparisons of answers read; an app is sent [`Answer::to_forge_text`].
    pub fn execute_text(
        &mut self,
        endpoint: Endpoint,
        query: &str,
        params: &[Json],
    ) -> Result<String, ForgeSqlError> {
        let answer = self.execute_answer(endpoint, query, params)?;
        Ok(format!("{{\"rows\":{}}}", answer.rows))
    }

    /// [`ForgeSqlDatabase::execute_text`]'s statement, answered with what Forge's metadata
    /// reports of it: each column's origin for a query, and the time the database took.
    pub fn execute_answer(
        &mut self,
        endpoint: Endpoint,
        query: &str,
        params: &[Json],
    ) -> Result<Answer, ForgeSqlError> {
        check_request(&self.limits, query, params)?;
        let translated = self.translation(endpoint, query)?;
        check_single_row_limits(&translated.single_row_limits, params)?;
        let bound = parameters(params)?;
        let time = match translated.kind {
            StatementKind::Query => self.limits.statement_time,
            _ => self.limits.write_time.max(self.limits.statement_time),
        };
        let started = Instant::now();
        let deadline = started + time;
        self.statement_deadline.set(deadline);
        self.connection
            .progress_handler(1_000, Some(move || Instant::now() >= deadline))
            .map_err(sqlite_error)?;
        let (rows, fields) = self
            .run(query, &translated, &bound)
            .map_err(|error| name_entry_limit(error, self.limits.max_row_bytes))?;
        let db_execution_time = started.elapsed();
        if translated.kind == StatementKind::Schema {
            // Translations read the schema (columns' types, which columns exist), which has
            // changed: those of either endpoint may now be wrong.
            for kept in &mut self.translations {
                kept.clear();
            }
            self.row_id_types.clear();
        }
        Ok(Answer {
            rows,
            fields,
            db_execution_time,
        })
    }

    /// Runs a translation's steps in one transaction and answers with the first's result,
    /// and a query's columns ([`Answer::fields`]).
    fn run(
        &mut self,
        query: &str,
        translated: &Translated,
        bound: &[rusqlite::types::Value],
    ) -> Result<(String, Option<Vec<Field>>), ForgeSqlError> {
        let max_answer_bytes = self.limits.max_answer_bytes;
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sqlite_error)?;
        let mut answer = String::new();
        let mut fields = None;
        for (index, step) in translated.statements.iter().enumerate() {
            let arguments: &[rusqlite::types::Value] = if index == 0 { bound } else { &[] };
            // Only SQLite statements hold placeholders.
            if !matches!(step, Step::Sql(_)) && !arguments.is_empty() {
                return Err(placeholders_unbound(0, arguments.len()));
            }
            let text = match step {
                Step::Sql(text) => text,
                Step::Show(show) => {
                    answer = show::answer(&transaction, show, sqlite_error)?;
                    continue;
                }
                Step::Rebuild(rebuild) => {
                    rebuild::apply(&transaction, rebuild, sqlite_error)?;
                    if index == 0 {
                        answer = result_header(translated.kind, 0, 0, 0).to_string();
                    }
                    continue;
                }
            };
            let mut statement = transaction.prepare_cached(text).map_err(sqlite_error)?;
            if statement.parameter_count() != arguments.len() {
                return Err(placeholders_unbound(
                    statement.parameter_count(),
                    arguments.len(),
                ));
            }
            for (position, value) in arguments.iter().enumerate() {
                statement
                    .raw_bind_parameter(position + 1, value)
                    .map_err(sqlite_error)?;
            }
            if index > 0 {
                statement.raw_execute().map_err(sqlite_error)?;
                continue;
            }
            if translated.kind == StatementKind::Query {
                fields = Some(answer_fields(
                    &statement,
                    &translated.tables,
                    &translated.selected,
                ));
            }
            answer = match translated.kind {
                StatementKind::Query => query_rows(
                    &mut statement,
                    &translated.json_columns,
                    &translated.aggregate_types,
                    &mut |table, column| {
                        if self.row_id_types.len() >= TRANSLATIONS_KEPT {
                            self.row_id_types.clear();
                        }
                        let (id, kind) = self
                            .row_id_types
                            .entry(table.to_owned())
                            .or_insert_with(|| row_id_type(&transaction, table))
                            .as_ref()?;
                        id.eq_ignore_ascii_case(column).then_some(*kind)
                    },
                    max_answer_bytes,
                )?,
                kind => {
                    for rows in [&self.upsert_updates, &self.update_rows] {
                        rows.matched.store(0, Ordering::Relaxed);
                        rows.changed.store(0, Ordering::Relaxed);
                    }
                    let named = translated
                        .insert
                        .as_ref()
                        .map_or(&[][..], |target| target.columns.as_slice());
                    let written = match &translated.insert {
                        Some(target) => target.values_at.and_then(|at| {
                            Some(WrittenRows::Inserted(InsertedRows {
                                values: text.get(at..)?,
                                columns: &target.columns,
                                bound,
                            }))
                        }),
                        None if kind == StatementKind::Change => {
                            Some(WrittenRows::Updated { query, bound })
                        }
                        None => None,
                    };
                    let changed = statement.raw_execute().map_err(|error| {
                        write_error(&transaction, error, named, written.as_ref())
                    })? as u64;
                    let updated = self
                        .upsert_updates
                        .matched
                        .load(Ordering::Relaxed)
                        .min(changed);
                    // A changed row counts twice, one left as it was once (mysql2's
                    // FOUND_ROWS, as Forge's answers read).
                    let updated_changed = self
                        .upsert_updates
                        .changed
                        .load(Ordering::Relaxed)
                        .min(updated);
                    // MySQL answers the first id a multi-row INSERT generated; SQLite numbers
                    // one statement's rows consecutively and remembers the last.
                    let inserted = changed - updated;
                    // MySQL reports ids only for a table with an AUTO_INCREMENT column; SQLite
                    // numbers every table's rows.
                    let numbers_rows = || {
                        translated.insert.as_ref().is_some_and(|target| {
                            *target
                                .numbers_rows
                                .get_or_init(|| numbers_rows(&transaction, &target.table))
                        })
                    };
                    let insert_id =
                        if kind == StatementKind::Insert && inserted > 0 && numbers_rows() {
                            transaction
                                .last_insert_rowid()
                                .saturating_sub(i64::try_from(inserted - 1).unwrap_or(0))
                        } else {
                            0
                        };
                    // An UPDATE that counted its rows changed some of those it matched.
                    let changed_rows = if self.update_rows.matched.load(Ordering::Relaxed) > 0 {
                        self.update_rows.changed.load(Ordering::Relaxed)
                    } else {
                        changed
                    };
                    result_header(kind, changed + updated_changed, changed_rows, insert_id)
                        .to_string()
                }
            };
        }
        if translated.kind == StatementKind::Schema {
            let tables: i64 = transaction
                .query_row(
                    "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' \
                     AND substr(name, 1, 7) <> 'sqlite_'",
                    [],
                    |row| row.get(0),
                )
                .map_err(sqlite_error)?;
            if usize::try_from(tables).unwrap_or(usize::MAX) > self.limits.max_tables {
                return Err(ForgeSqlError::execution(format!(
                    "the installation's database would hold {tables} tables; Forge SQL allows \
                     {} per installation",
                    self.limits.max_tables
                )));
            }
        }
        transaction.commit().map_err(sqlite_error)?;
        Ok((answer, fields))
    }

    /// `query` as SQLite, from the cache or translated now. Refusals are not kept: they cost
    /// the guest a parse each time, which is what it asked for.
    fn translation(
        &mut self,
        endpoint: Endpoint,
        query: &str,
    ) -> Result<Arc<Translated>, ForgeSqlError> {
        let kept = &mut self.translations[match endpoint {
            Endpoint::Data => 0,
            Endpoint::Schema => 1,
        }];
        if let Some(translated) = kept.get(query) {
            return Ok(Arc::clone(translated));
        }
        let connection = &self.connection;
        let columns_of = |table: &str| table_columns(connection, table);
        let dependencies_of = |table: &str| table_dependencies(connection, table);
        let translated = Arc::new(translate_for(
            query,
            endpoint,
            &columns_of,
            &dependencies_of,
        )?);
        if kept.len() >= TRANSLATIONS_KEPT {
            kept.clear();
        }
        kept.insert(query.to_owned(), Arc::clone(&translated));
        Ok(translated)
    }
}

/// Every row as a JSON object keyed by column name, keys in the select list's order. Two
/// columns of one name both appear, and a JSON reader keeps the later, as MySQL drivers do.
///
/// A column SQLite declares `INTEGER` may be a table's `AUTO_INCREMENT` id, whose MySQL type
/// (`BIGINT`: a string) only the table's definition keeps: `row_id_type` reads it, by the
/// table and column it comes from.
fn query_rows(
    statement: &mut rusqlite::Statement<'_>,
    json_columns: &[usize],
    aggregate_types: &[(usize, ColumnType)],
    row_id_type: &mut dyn FnMut(&str, &str) -> Option<ColumnType>,
    max_answer_bytes: usize,
) -> Result<String, ForgeSqlError> {
    let origins = statement.columns_with_metadata();
    let columns: Vec<(String, ColumnType)> = statement
        .columns()
        .iter()
        .zip(&origins)
        .enumerate()
        .map(|(index, (column, origin))| {
            let declared = column.decl_type();
            let row_id = match (declared, origin.table_name(), origin.origin_name()) {
                (Some(declared), Some(table), Some(column))
                    if declared.eq_ignore_ascii_case("INTEGER") =>
                {
                    row_id_type(table, column)
                }
                _ => None,
            };
            let aggregate = aggregate_types
                .iter()
                .find(|(position, _)| *position == index)
                .map(|(_, column_type)| *column_type);
            (
                // Written once as JSON text: a name is the app's own text.
                Json::String(column.name().to_owned()).to_string(),
                if let Some(row_id) = row_id {
                    row_id
                } else if declared.is_none() && json_columns.contains(&index) {
                    ColumnType::Json
                } else if let (None, Some(aggregate)) = (declared, aggregate) {
                    aggregate
                } else {
                    ColumnType::from_declared(declared)
                },
            )
        })
        .collect();
    let mut rows = statement.raw_query();
    let mut out = String::from("[");
    let mut count = 0usize;
    while let Some(row) = rows.next().map_err(sqlite_error)? {
        if count > 0 {
            out.push(',');
        }
        out.push('{');
        for (index, (name, column_type)) in columns.iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            let value = row.get_ref(index).map_err(sqlite_error)?;
            out.push_str(name);
            out.push(':');
            out.push_str(&column_type.to_json(value).to_string());
        }
        out.push('}');
        count += 1;
        if out.len() > max_answer_bytes {
            return Err(ForgeSqlError::execution(format!(
                "the answer passed Kiln's limit of {max_answer_bytes} bytes after {} rows; \
                 select fewer rows (LIMIT) or columns",
                count - 1
            )));
        }
    }
    out.push(']');
    Ok(out)
}

/// The bytes of a call's statement and parameters, as JSON carries them (strings without
/// their escapes: a bound, not an exact count).
fn request_bytes(query: &str, params: &[Json]) -> usize {
    params.iter().fold(query.len(), |total, param| {
        total.saturating_add(match param {
            Json::String(text) => text.len() + 2,
            Json::Null | Json::Bool(_) | Json::Number(_) => 8,
            other => other.to_string().len(),
        })
    })
}

/// `table`'s `AUTO_INCREMENT` column and how its values come back, from the MySQL type its
/// definition keeps ([`super::dialect::auto_increment_type`]); `None` for a table without
/// one, or made before Kiln kept the type (its ids come back as numbers).
fn row_id_type(connection: &Connection, table: &str) -> Option<(String, ColumnType)> {
    let (_, definition) = super::rebuild::definition_of(connection, table)?;
    definition.columns.iter().find_map(|part| {
        let declared = super::dialect::auto_increment_type(&part.text)?;
        Some((
            part.name.clone(),
            ColumnType::from_declared(Some(&declared)),
        ))
    })
}

/// MySQL's result header (mysql2's `ResultSetHeader`), which `@forge/sql` types as
/// `UpdateQueryResponse`.
fn result_header(kind: StatementKind, changed: u64, changed_rows: u64, insert_id: i64) -> Json {
    let changed = if kind == StatementKind::Schema {
        0
    } else {
        changed
    };
    let mut header = json!({
        "fieldCount": 0,
        "affectedRows": changed,
        "insertId": insert_id,
        "info": "",
        // SERVER_STATUS_AUTOCOMMIT: every call commits.
        "serverStatus": 2,
        "warningStatus": 0,
    });
    if kind == StatementKind::Change {
        header["changedRows"] = json!(changed_rows);
    }
    header
}

/// A write's failure: an `INSERT` that left out a `NOT NULL` column without a default reads
/// as MySQL's 1364, a broken unique key as 1062 naming the key, anything else as
/// [`sqlite_error`] words it.
///
/// `written` are the rows the statement wrote, in which a broken key's value is found.
fn write_error(
    connection: &Connection,
    error: rusqlite::Error,
    named: &[String],
    written: Option<&WrittenRows<'_>>,
) -> ForgeSqlError {
    let entry = |table: &str, key: &[String]| match written? {
        WrittenRows::Inserted(rows) => inserted_entry(connection, table, key, rows),
        WrittenRows::Updated { query, bound } => {
            updated_entry(connection, table, key, query, bound)
        }
    };
    if let rusqlite::Error::SqliteFailure(failure, Some(message)) = &error
        && let Some(mysql) = left_out_message(failure.extended_code, message, named)
            .or_else(|| duplicate_key_message(connection, failure.extended_code, message, entry))
    {
        return ForgeSqlError::execution(mysql);
    }
    sqlite_error(error)
}

/// Where a write's rows are found again when one breaks a unique key.
enum WrittenRows<'a> {
    /// A plain `INSERT … VALUES`'s rows.
    Inserted(InsertedRows<'a>),
    /// An `UPDATE`: the app's MySQL text and its parameters.
    Updated {
        query: &'a str,
        bound: &'a [rusqlite::types::Value],
    },
}

fn placeholders_unbound(placeholders: usize, bound: usize) -> ForgeSqlError {
    ForgeSqlError::invalid(format!(
        "the statement has {placeholders} placeholders and {bound} parameters were bound"
    ))
}

/// SQLite's refusal as Forge's error: an interrupted statement timed out; anything else is
/// the statement's own failure, with SQLite's message.
fn sqlite_error(error: rusqlite::Error) -> ForgeSqlError {
    match &error {
        rusqlite::Error::SqliteFailure(failure, _)
            if failure.code == ErrorCode::OperationInterrupted =>
        {
            ForgeSqlError {
                code: ForgeSqlCode::QueryTimedOut,
                message: "the statement ran past Kiln's time limit and was rolled back".into(),
            }
        }
        rusqlite::Error::SqliteFailure(failure, _) if failure.code == ErrorCode::DiskFull => {
            ForgeSqlError::execution(
                "the installation's database is at Kiln's size limit; nothing was written",
            )
        }
        rusqlite::Error::SqliteFailure(failure, Some(message)) => {
            ForgeSqlError::execution(mysql_message(failure.extended_code, message))
        }
        // A failure SQLite gave no message for (a value too long to bind): its code's words.
        rusqlite::Error::SqliteFailure(failure, None) => {
            ForgeSqlError::execution(mysql_message(failure.extended_code, &failure.to_string()))
        }
        // A statement SQLite could not prepare: its message without the statement text
        // (the app's own, which it has) and offset.
        rusqlite::Error::SqlInputError { error, msg, .. } => {
            ForgeSqlError::execution(mysql_message(error.extended_code, msg))
        }
        other => ForgeSqlError::execution(other.to_string()),
    }
}

/// What a statement may do, checked by SQLite as it prepares each one. Writes to SQLite's own
/// tables are the schema changes SQLite makes for `CREATE`/`DROP`/`ALTER` (the authorizer sees
/// them as writes to `sqlite_schema`); a statement writing them directly is refused by
/// `SQLITE_DBCONFIG_DEFENSIVE`, so they need no rule here. No pragma is allowed: the host runs
/// its own before the authorizer is set, and none after.
fn authorize(context: AuthContext<'_>) -> Authorization {
    match context.action {
        AuthAction::Select
        | AuthAction::Read { .. }
        | AuthAction::Insert { .. }
        | AuthAction::Update { .. }
        | AuthAction::Delete { .. }
        | AuthAction::Function { .. }
        | AuthAction::Recursive
        | AuthAction::Transaction { .. }
        | AuthAction::Savepoint { .. }
        | AuthAction::CreateTable { .. }
        | AuthAction::CreateIndex { .. }
        | AuthAction::DropTable { .. }
        | AuthAction::DropIndex { .. }
        | AuthAction::AlterTable { .. }
        | AuthAction::Reindex { .. }
        | AuthAction::Analyze { .. } => Authorization::Allow,
        // ATTACH, DETACH, PRAGMA, temporary objects, triggers, views, virtual tables and any
        // action SQLite adds later.
        _ => Authorization::Deny,
    }
}
