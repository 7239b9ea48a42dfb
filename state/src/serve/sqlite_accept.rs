//! SQLite's accepting transaction, in one trip to a thread.
//!
//! A webhook with an idle run slot is stored and its event claimed in one transaction, and
//! the handler starts as soon as the claim is in hand (the commit's fsync runs beside it,
//! see [`ClaimingEnqueue`]). Through sqlx that transaction was ten statements, and each
//! statement is a round trip between the async task and the connection's worker thread.
//! On an idle server each trip wakes two sleeping threads, and on this VM a wake-up costs
//! tens of microseconds: measured in `runtime serve`, the transaction took 1.06 ms of the
//! 1.55 ms from "webhook received" to "handler entered", against 0.27 ms in a tight loop.
//!
//! So SQLite runs this one transaction outside sqlx: on a connection of its own to the same
//! file (same settings as the pool's: WAL, `synchronous = FULL`, foreign keys, busy
//! timeout), inside one blocking task that begins, runs every statement, hands the claims
//! back, then commits, with its statements prepared once and kept. The statements, their
//! order and their rules are the ones the generic path (`sql_backend.rs`) runs for
//! PostgreSQL's accepting transaction and, on SQLite, for an enqueue that claims nothing
//! and for a scheduled run (`sql.rs`, and the per-installation count and hand-over shared
//! with it): record the delivery, raise the installations' and the queue's depths within
//! their bounds, store the events, lease and hand over up to `max_claims` of them. Moving
//! those SQLite writes here too would leave one SQLite implementation; they are off the
//! handler's path, so they stay on sqlx for now.
//!
//! Writers still queue on the process's write gate (`database.rs`), held here until the
//! commit has returned, so this connection never waits on SQLite's busy handler for a
//! writer of its own process. Nothing else uses the connection.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::types::ToSql;
use rusqlite::{CachedStatement, Connection, OpenFlags, Row};
use tokio::sync::OwnedMutexGuard;
use tokio::sync::oneshot;

use super::queue::{ClaimedEvent, EventId, NewEvent, QueueBound, QueueLimits};
use super::sql_backend::{
    LeasedEventRow, RegistryRow, as_i64, claimed_event, events_per_installation, full, jobs_of,
};
use super::types::{DeliveryKey, UnixMillis};
use super::{ClaimingEnqueue, EnqueueOutcome, ServeError, sql};
use crate::installation::Installation;
use crate::storage::BackendError;

/// The accepting connection. Cheap to clone.
#[derive(Clone)]
pub(crate) struct SqliteAcceptor {
    connection: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for SqliteAcceptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteAcceptor").finish_non_exhaustive()
    }
}

/// What the transaction decided, before its commit.
enum Decided {
    /// The delivery was seen before: rolled back.
    Duplicate,
    /// Stored; the claims are the caller's once the commit succeeds.
    Accepted(Vec<EventId>, Vec<ClaimedEvent>),
}

impl SqliteAcceptor {
    /// Opens the connection to `path`, a file [`crate::SqliteDatabase::open`] has created,
    /// migrated and put in WAL mode. Blocking.
    pub(crate) fn open(path: &Path, busy_timeout: Duration) -> Result<Self, BackendError> {
        let open = || -> rusqlite::Result<Connection> {
            // No CREATE: the pool made the file; a missing one is an error, not a new file.
            let connection = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            connection.busy_timeout(busy_timeout)?;
            // An accepted delivery is on disk before it is acknowledged (`database.rs`).
            connection.pragma_update(None, "synchronous", "FULL")?;
            connection.pragma_update(None, "foreign_keys", "ON")?;
            Ok(connection)
        };
        let connection = open().map_err(accept_error)?;
        // The pool put the file in WAL mode, which is persistent; a connection in another
        // mode would block readers during the commit.
        let mode: String = connection
            .pragma_query_value(None, "journal_mode", |row| row.get(0))
            .map_err(accept_error)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(BackendError::Corrupt("the state file is not in WAL mode"));
        }
        Ok(Self {
            connection: Arc::new(Mutex::new(connection)),
        })
    }

    /// Records `delivery` (when given), stores `events` and claims up to `max_claims` events
    /// by the claim's rules, in one transaction; returns once the claims are in hand, with
    /// the commit still to drive (see [`ClaimingEnqueue`]).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn enqueue_claiming(
        &self,
        gate: OwnedMutexGuard<()>,
        delivery: Option<(&DeliveryKey, UnixMillis)>,
        events: &[NewEvent],
        limits: &QueueLimits,
        now: UnixMillis,
        lease_until: UnixMillis,
        max_claims: usize,
    ) -> Result<ClaimingEnqueue, ServeError> {
        let connection = self.connection.clone();
        let delivery = delivery.map(|(key, expires_at)| (key.clone(), expires_at));
        let events = events.to_vec();
        let limits = *limits;
        let (decided_tx, decided_rx) = oneshot::channel();
        let task = tokio::task::spawn_blocking(move || {
            // Released after the commit (or the rollback) returned, not before: the next
            // writer of this process must find the file's write lock free.
            let _gate = gate;
            // A panic elsewhere while the connection was held leaves it usable; an open
            // transaction it may have left is rolled back below before anything else runs.
            let connection = connection.lock().unwrap_or_else(PoisonError::into_inner);
            let decided = Transaction::begin(&connection).and_then(|tx| {
                let decided = tx.decide(
                    delivery.as_ref().map(|(key, expires)| (key, *expires)),
                    &events,
                    &limits,
                    now,
                    lease_until,
                    max_claims,
                );
                match decided {
                    Ok(Decided::Accepted(stored, claimed)) => Ok((tx, stored, claimed)),
                    Ok(Decided::Duplicate) => {
                        tx.rollback();
                        Err(Answer::Duplicate)
                    }
                    Err(error) => {
                        tx.rollback();
                        Err(Answer::Failed(error))
                    }
                }
            });
            match decided {
                Ok((tx, stored, claimed)) => {
                    // The caller may start the claimed events now; what they record waits
                    // for this commit.
                    let _ = decided_tx.send(Ok(Decided::Accepted(stored, claimed)));
                    tx.commit()
                }
                Err(Answer::Duplicate) => {
                    let _ = decided_tx.send(Ok(Decided::Duplicate));
                    Ok(())
                }
                Err(Answer::Failed(error)) => {
                    let _ = decided_tx.send(Err(error));
                    Ok(())
                }
            }
        });
        let decided = decided_rx.await.map_err(|_| {
            ServeError::Corrupt("the accepting transaction ended without an answer")
        })??;
        Ok(match decided {
            Decided::Duplicate => ClaimingEnqueue::settled(EnqueueOutcome::Duplicate, Vec::new()),
            Decided::Accepted(stored, claimed) => ClaimingEnqueue {
                outcome: EnqueueOutcome::Accepted(stored),
                claimed,
                commit: Box::pin(async move {
                    task.await.map_err(|_| {
                        ServeError::Corrupt("the accepting transaction's commit did not finish")
                    })?
                }),
            },
        })
    }
}

/// Why a transaction ended before its commit.
enum Answer {
    Duplicate,
    Failed(ServeError),
}

/// An open `BEGIN IMMEDIATE` transaction on the accepting connection.
struct Transaction<'c> {
    connection: &'c Connection,
}

impl<'c> Transaction<'c> {
    fn begin(connection: &'c Connection) -> Result<Self, Answer> {
        let begin = || -> rusqlite::Result<()> {
            if !connection.is_autocommit() {
                // Left open by a panic while the connection was held.
                connection.execute_batch("ROLLBACK")?;
            }
            connection.execute_batch("BEGIN IMMEDIATE")
        };
        begin().map_err(|error| Answer::Failed(accept_error(error).into()))?;
        Ok(Self { connection })
    }

    fn commit(self) -> Result<(), ServeError> {
        let committed = self.connection.execute_batch("COMMIT");
        if committed.is_err() && !self.connection.is_autocommit() {
            // A failed COMMIT (the disk full, say) can leave the transaction open.
            self.rollback();
        }
        committed.map_err(|error| accept_error(error).into())
    }

    fn rollback(self) {
        if let Err(error) = self.connection.execute_batch("ROLLBACK") {
            tracing::warn!(%error, "cannot roll back the accepting transaction");
        }
    }

    fn statement(&self, text: &str) -> rusqlite::Result<CachedStatement<'c>> {
        self.connection.prepare_cached(text)
    }

    #[allow(clippy::too_many_arguments)]
    fn decide(
        &self,
        delivery: Option<(&DeliveryKey, UnixMillis)>,
        events: &[NewEvent],
        limits: &QueueLimits,
        now: UnixMillis,
        lease_until: UnixMillis,
        max_claims: usize,
    ) -> Result<Decided, ServeError> {
        if let Some((key, expires_at)) = delivery
            && !self.record_delivery(key, now, expires_at)?
        {
            return Ok(Decided::Duplicate);
        }
        let stored = self.store_events(events, limits, now)?;
        // No dead-letter sweep here (a worker's claim does it): the lease skips lapsed
        // leases with no attempts left either way.
        let mut claimed = Vec::new();
        while claimed.len() < max_claims {
            match self.lease_next(limits, now, lease_until)? {
                Some(leased) => claimed.push(self.hand_over(leased, lease_until)?),
                None => break,
            }
        }
        Ok(Decided::Accepted(stored, claimed))
    }

    /// `true` the first time (or once the earlier record expired).
    fn record_delivery(
        &self,
        delivery: &DeliveryKey,
        now: UnixMillis,
        expires_at: UnixMillis,
    ) -> Result<bool, ServeError> {
        let mut statement = self.statement(sql::RECORD_DELIVERY).map_err(accept_error)?;
        bind(
            &mut statement,
            &[
                &delivery.site.as_str(),
                &delivery.id.as_str(),
                &expires_at.0,
                &now.0,
            ],
        )?;
        Ok(statement.raw_execute().map_err(accept_error)? == 1)
    }

    /// Raises each installation's depth, then the queue's, within their bounds, and
    /// stores the events (`SqlServeBackend::store_events`, SQLite's branch).
    fn store_events(
        &self,
        events: &[NewEvent],
        limits: &QueueLimits,
        now: UnixMillis,
    ) -> Result<Vec<EventId>, ServeError> {
        let counts = events_per_installation(events);
        let max = as_i64(limits.max_per_installation);
        let mut ids: HashMap<&Installation, i64> = HashMap::with_capacity(counts.len());
        for (installation, count) in counts {
            let raised: Option<i64> = self.one(
                sql::RAISE_DEPTH_OF_INSTALLED,
                &[
                    &count,
                    &installation.app_id(),
                    &installation.site(),
                    &installation.environment(),
                    &max,
                ],
                |row| row.get(0),
            )?;
            let Some(id) = raised else {
                let installed: Option<i64> = self.one(
                    sql::INSTALLED_ID,
                    &[
                        &installation.app_id(),
                        &installation.site(),
                        &installation.environment(),
                    ],
                    |row| row.get(0),
                )?;
                return Err(match installed {
                    None => ServeError::NotInstalled,
                    Some(_) => full(QueueBound::Installation, limits.max_per_installation),
                });
            };
            ids.insert(installation, id);
        }
        let total: Option<i64> = self.one(
            sql::RAISE_TOTAL_DEPTH,
            &[&as_i64(events.len() as u64), &as_i64(limits.max_total)],
            |row| row.get(0),
        )?;
        if total.is_none() {
            return Err(full(QueueBound::Total, limits.max_total));
        }
        let mut stored = Vec::with_capacity(events.len());
        for event in events {
            let id = ids
                .get(&event.installation)
                .copied()
                .ok_or(ServeError::Corrupt("enqueued installation"))?;
            let event_id: Option<i64> = self.one(
                sql::INSERT_EVENT,
                &[
                    &id,
                    &event.installation.app_id(),
                    &event.module_key.as_str(),
                    &&event.payload[..],
                    &now.0,
                    &event.not_before.map(|t| t.0),
                    &event.job.as_ref().map(|j| j.queue.as_str()),
                    &event.job.as_ref().map(|j| j.id.as_str()),
                ],
                |row| row.get(0),
            )?;
            stored.push(EventId(
                event_id.ok_or(ServeError::Corrupt("an inserted event has no id"))?,
            ));
        }
        self.store_jobs(events, &ids, limits, now)?;
        Ok(stored)
    }

    /// `SqlServeBackend::store_jobs`: remembers the events' jobs within each installation's
    /// bound.
    fn store_jobs(
        &self,
        events: &[NewEvent],
        ids: &HashMap<&Installation, i64>,
        limits: &QueueLimits,
        now: UnixMillis,
    ) -> Result<(), ServeError> {
        let mut added: HashMap<i64, i64> = HashMap::new();
        for (installation, job) in jobs_of(events) {
            let id = ids
                .get(installation)
                .copied()
                .ok_or(ServeError::Corrupt("enqueued installation"))?;
            let mut insert = self.statement(sql::INSERT_JOB).map_err(accept_error)?;
            bind(
                &mut insert,
                &[&id, &job.queue.as_str(), &job.id.as_str(), &now.0],
            )?;
            let inserted = insert.raw_execute().map_err(accept_error)?;
            *added.entry(id).or_default() += as_i64(inserted as u64);
        }
        for (id, count) in added {
            if count == 0 {
                continue;
            }
            let raised: Option<i64> = self.one(
                sql::RAISE_INSTALLATION_JOBS,
                &[&count, &id, &as_i64(limits.max_jobs_per_installation)],
                |row| row.get(0),
            )?;
            if raised.is_none() {
                return Err(full(QueueBound::Jobs, limits.max_jobs_per_installation));
            }
        }
        Ok(())
    }

    /// `SqlServeBackend::lease_next_sqlite`: picks and leases in one statement.
    fn lease_next(
        &self,
        limits: &QueueLimits,
        now: UnixMillis,
        lease_until: UnixMillis,
    ) -> Result<Option<LeasedEventRow>, ServeError> {
        self.one(
            sql::LEASE_NEXT_EVENT,
            &[
                &lease_until.0,
                &now.0,
                &i64::from(limits.max_leased_per_app),
                &i64::from(limits.max_attempts),
            ],
            |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                    row.get(5)?,
                    (
                        row.get(6)?,
                        row.get(7)?,
                        row.get(8)?,
                        row.get(9)?,
                        row.get(10)?,
                    ),
                ))
            },
        )
    }

    /// `SqlServeBackend::hand_over`: stamps the installation's turn and reads its record.
    fn hand_over(
        &self,
        leased: LeasedEventRow,
        lease_until: UnixMillis,
    ) -> Result<ClaimedEvent, ServeError> {
        let installation_id = leased.2;
        let served: i64 = self
            .one(sql::NEXT_SERVED, &[], |row| row.get(0))?
            .ok_or(ServeError::Corrupt("the queue's turn counter is missing"))?;
        let mut mark = self.statement(sql::MARK_SERVED).map_err(accept_error)?;
        bind(&mut mark, &[&served, &installation_id])?;
        mark.raw_execute().map_err(accept_error)?;
        let row: RegistryRow = self
            .one(
                &sql::SELECT_REGISTRY_BY_ID,
                &[&installation_id],
                registry_row,
            )?
            .ok_or(ServeError::Corrupt(
                "a leased event's installation is missing",
            ))?;
        claimed_event(leased, row, lease_until)
    }

    /// Runs `text` and reads its first row, if any; the statement runs to its end either
    /// way (an `UPDATE … RETURNING` applies all its changes).
    fn one<T>(
        &self,
        text: &str,
        args: &[&dyn ToSql],
        read: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Option<T>, ServeError> {
        let mut statement = self.statement(text).map_err(accept_error)?;
        bind(&mut statement, args)?;
        let mut rows = statement.raw_query();
        let first = match rows.next().map_err(accept_error)? {
            Some(row) => Some(read(row).map_err(accept_error)?),
            None => None,
        };
        while rows.next().map_err(accept_error)?.is_some() {}
        Ok(first)
    }
}

/// Binds `args` to `statement`'s `$1`, `$2`, … parameters by number, as sqlx does: SQLite
/// numbers named parameters in order of first appearance, which is not their names' order
/// in every statement of `sql.rs`.
fn bind(statement: &mut CachedStatement<'_>, args: &[&dyn ToSql]) -> Result<(), ServeError> {
    for index in 1..=statement.parameter_count() {
        let number = statement
            .parameter_name(index)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| (1..=args.len()).contains(n))
            .ok_or(ServeError::Corrupt(
                "a statement's parameters do not match its arguments",
            ))?;
        statement
            .raw_bind_parameter(index, args[number - 1])
            .map_err(accept_error)?;
    }
    Ok(())
}

fn registry_row(row: &Row<'_>) -> rusqlite::Result<RegistryRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
        row.get(8)?,
        row.get(9)?,
        row.get(10)?,
        row.get(11)?,
        row.get(12)?,
    ))
}

fn accept_error(error: rusqlite::Error) -> BackendError {
    BackendError::Sqlite(error)
}
