//! Serve state in a SQL database, SQLite or PostgreSQL: the statements of `sql.rs`, once
//! for both engines. Reads go to the pool; each write is one transaction
//! (`SqlDatabase::begin_write`). Only the queue claim differs by engine (see `claim`).
//!
//! # Lock order
//! On PostgreSQL, transactions that take row locks in different orders can deadlock (the
//! server then aborts one). Every write here takes its locks in one order:
//!
//! 1. the installation's registry row (install, uninstall, pause);
//! 2. a scheduled trigger's `schedule_state` row (uninstall; a scheduled run's claim);
//! 3. event rows (claim, complete, fail, discard, uninstall), several ascending by id;
//! 4. `queue_jobs` rows (complete, discard, uninstall, purge), several ascending by key;
//! 5. on a claim, the app's advisory lock (only ever one waited for, see `PG_LOCK_APP`);
//! 6. `queue_installations` rows, ascending by installation id (enqueue raises them sorted);
//! 7. the `queue_total` row, last.
//!
//! A statement that deletes or updates several rows locks them in the order its scan meets
//! them, which after updates is not key order; so where two writers may lock several of the
//! same rows, PostgreSQL first locks them with `ORDER BY … FOR UPDATE` (uninstall, cancel,
//! purge). A cancel locks its job's event rows that way and never its job's row: its mark
//! is on the event rows. An enqueue inserts job rows after `queue_total`, outside the
//! order, but new ones, which no one else can hold.
//!
//! On SQLite the file's single write lock makes the order moot, and the same code runs.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Transaction, Type};

use super::job::{HOST_RETRY_REASON, JobId, JobKey, JobStats, QueueName, RetryInfo};
use super::lifecycle::{LifecycleChange, LifecycleEvents, Replaced};
use super::queue::{
    ClaimedEvent, DeadLetter, EventId, Lease, LeaseOutcome, LeaseRenewal, NewEvent, QueueBound,
    QueueFull, QueueLimits,
};
use super::schedule::{IntervalClaim, ScheduledRun};
use super::types::{
    ApprovalBinding, ApprovedScopes, ComponentSha256, DeliveryKey, DeliveryOutcome, GrantIdentity,
    Hold, HoldReason, InstallRecord, ModuleKey, SiteBinding, UnixMillis,
};
use super::web_trigger::WebTriggerIdHash;
use super::webhook_registration::{self, LeaseHolder, WebhookRegistration};
use super::{ClaimingEnqueue, EnqueueOutcome, ResolvedWebTrigger, ServeBackend, ServeError, sql};
use crate::database::SqliteDatabase;
use crate::engine::{Engine, RowsAffected, SqlDatabase};
use crate::installation::Installation;
use crate::postgres::PostgresDatabase;

/// Serve state over an open [`SqlDatabase`].
#[derive(Debug, Clone)]
pub struct SqlServeBackend<D> {
    db: D,
}

/// Serve state in the embedded SQLite file, beside app storage.
pub type SqliteServeBackend = SqlServeBackend<SqliteDatabase>;
/// Serve state in PostgreSQL, shared by replicas.
pub type PostgresServeBackend = SqlServeBackend<PostgresDatabase>;

/// How many installations, in turn order, a PostgreSQL claim tries before answering `None`.
/// Each try skips events other replicas hold; all of them held at once means the queue is
/// busy, and the caller's next poll finds the next free event.
const PG_CLAIM_CANDIDATES: i64 = 16;

impl<D: SqlDatabase> SqlServeBackend<D> {
    pub fn new(db: D) -> Self {
        Self { db }
    }

    pub fn database(&self) -> &D {
        &self.db
    }
}

pub(super) type RegistryRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    String,
    String,
    String,
    String,
    String,
);
/// What a claim hands over besides the event: job queue and id, `not_before`, the retry
/// request's reason and data (`leased_job_columns!` in `sql.rs`).
pub(super) type LeasedJobColumns = (
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
);
type LeasedRow = (
    i64,
    i64,
    String,
    Vec<u8>,
    i64,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
);
/// `LEASE_NEXT_EVENT`'s row: the event's id, then `LeasedRow`.
type FlatLeasedEventRow = (
    i64,
    i64,
    i64,
    String,
    Vec<u8>,
    i64,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
);
/// A leased event: its id, then `LeasedRow`.
pub(super) type LeasedEventRow = (i64, i64, i64, String, Vec<u8>, i64, LeasedJobColumns);
type DeadRow = (
    i64,
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
    i64,
    Option<String>,
    Option<String>,
);

pub(super) fn record_from_row(row: RegistryRow) -> Result<InstallRecord, ServeError> {
    let (app, site, env, scopes, kind, subject, paused, installed_at) =
        (row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7);
    let (origin, cloud_id, component, hold_reason, held) = (row.8, row.9, row.10, row.11, row.12);
    Ok(InstallRecord {
        installation: installation_from(app, site, env)?,
        scopes: ApprovedScopes::from_json(&scopes).ok_or(ServeError::Corrupt("stored scopes"))?,
        grant: GrantIdentity::from_columns(&kind, subject)
            .ok_or(ServeError::Corrupt("stored grant kind"))?,
        approval: approval_from(origin, cloud_id, component)?,
        hold: hold_from(&hold_reason, held)?,
        paused: paused != 0,
        installed_at: UnixMillis(installed_at),
    })
}

/// How many events each installation gets, in the order events name them (the order the
/// depths are raised in on SQLite).
pub(super) fn events_per_installation(events: &[NewEvent]) -> Vec<(&Installation, i64)> {
    let mut slot_of: HashMap<&Installation, usize> = HashMap::new();
    let mut counts: Vec<(&Installation, i64)> = Vec::new();
    for event in events {
        let slot = *slot_of.entry(&event.installation).or_insert_with(|| {
            counts.push((&event.installation, 0));
            counts.len() - 1
        });
        counts[slot].1 += 1;
    }
    counts
}

/// The distinct jobs `events` name, each with its installation, in first-named order.
pub(super) fn jobs_of(events: &[NewEvent]) -> Vec<(&Installation, &JobKey)> {
    let mut jobs: Vec<(&Installation, &JobKey)> = Vec::new();
    for event in events {
        if let Some(job) = &event.job
            && !jobs.contains(&(&event.installation, job))
        {
            jobs.push((&event.installation, job));
        }
    }
    jobs
}

/// A stored job key (both columns or neither).
pub(super) fn job_from(
    queue: Option<String>,
    id: Option<String>,
) -> Result<Option<JobKey>, ServeError> {
    match (queue, id) {
        (None, None) => Ok(None),
        (Some(queue), Some(id)) => Ok(Some(JobKey {
            queue: QueueName::new(queue).map_err(|_| ServeError::Corrupt("stored queue name"))?,
            id: JobId::new(id).map_err(|_| ServeError::Corrupt("stored job id"))?,
        })),
        _ => Err(ServeError::Corrupt("stored job key")),
    }
}

/// What the next attempt is told of the previous one: nothing on the first attempt; the
/// consumer's request when it made one; else the host's reason.
fn retry_from(attempt: u32, reason: Option<String>, data: Option<String>) -> Option<RetryInfo> {
    if attempt <= 1 {
        return None;
    }
    Some(match reason {
        Some(reason) => RetryInfo { reason, data },
        None => RetryInfo {
            reason: HOST_RETRY_REASON.to_owned(),
            data: None,
        },
    })
}

/// A leased event handed over with its installation's record, read in the claim's
/// transaction (what the worker checks its loaded code against).
pub(super) fn claimed_event(
    (event_id, attempts, _installation_id, module, payload, enqueued_at, job): LeasedEventRow,
    registry: RegistryRow,
    lease_until: UnixMillis,
) -> Result<ClaimedEvent, ServeError> {
    let record = record_from_row(registry)?;
    let (job_queue, job_id, not_before, retry_reason, retry_data) = job;
    let attempt = attempts_from(attempts)?;
    Ok(ClaimedEvent {
        lease: Lease {
            event: EventId(event_id),
            attempt,
        },
        installation: record.installation.clone(),
        record,
        module_key: module_from(module)?,
        payload,
        enqueued_at: UnixMillis(enqueued_at),
        lease_expires_at: lease_until,
        not_before: not_before.map(UnixMillis),
        job: job_from(job_queue, job_id)?,
        retry: retry_from(attempt, retry_reason, retry_data),
    })
}

/// An empty digest is an approval from before version 3: kept as `None`, which is no
/// approval.
fn approval_from(
    origin: String,
    cloud_id: String,
    component: String,
) -> Result<Option<ApprovalBinding>, ServeError> {
    if component.is_empty() {
        return Ok(None);
    }
    Ok(Some(ApprovalBinding {
        site: SiteBinding::new(origin, cloud_id)
            .map_err(|_| ServeError::Corrupt("stored approval site"))?,
        component: ComponentSha256::new(component)
            .map_err(|_| ServeError::Corrupt("stored component digest"))?,
    }))
}

fn hold_from(reason: &str, pending: String) -> Result<Option<Hold>, ServeError> {
    if reason.is_empty() {
        return Ok(None);
    }
    Ok(Some(Hold {
        reason: HoldReason::parse(reason).ok_or(ServeError::Corrupt("stored hold reason"))?,
        pending: ComponentSha256::new(pending)
            .map_err(|_| ServeError::Corrupt("stored held digest"))?,
    }))
}

/// The approval's columns: origin, cloud id, digest (all empty for none).
fn approval_columns(approval: Option<&ApprovalBinding>) -> (&str, &str, &str) {
    approval.map_or(("", "", ""), |a| {
        (a.site.origin(), a.site.cloud_id(), a.component.as_str())
    })
}

/// The hold's columns: reason, pending digest (both empty for none).
fn hold_columns(hold: Option<&Hold>) -> (&'static str, &str) {
    hold.map_or(("", ""), |h| (h.reason.as_str(), h.pending.as_str()))
}

fn dead_from_row(row: DeadRow) -> Result<DeadLetter, ServeError> {
    let (id, app, site, env, module, attempts, error, enqueued_at, job_queue, job_id) = row;
    Ok(DeadLetter {
        event: EventId(id),
        installation: installation_from(app, site, env)?,
        module_key: module_from(module)?,
        attempts: attempts_from(attempts)?,
        last_error: error.unwrap_or_default(),
        enqueued_at: UnixMillis(enqueued_at),
        job: job_from(job_queue, job_id)?,
    })
}

fn installation_from(app: String, site: String, env: String) -> Result<Installation, ServeError> {
    Installation::new(app, site, env).map_err(|_| ServeError::Corrupt("stored installation"))
}

pub(super) fn module_from(key: String) -> Result<ModuleKey, ServeError> {
    ModuleKey::new(key).map_err(|_| ServeError::Corrupt("stored module key"))
}

pub(super) fn attempts_from(value: i64) -> Result<u32, ServeError> {
    u32::try_from(value).map_err(|_| ServeError::Corrupt("stored attempt count"))
}

pub(super) fn as_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

pub(super) fn full(bound: QueueBound, limit: u64) -> ServeError {
    QueueFull { bound, limit }.into()
}

/// The steps several operations share, each inside the caller's transaction.
impl<D, DB> SqlServeBackend<D>
where
    D: SqlDatabase<Db = DB>,
    DB: Database,
    DB::Arguments: IntoArguments<DB>,
    DB::QueryResult: RowsAffected,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    usize: ColumnIndex<DB::Row>,
    i64: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    bool: for<'r> Decode<'r, DB> + Type<DB>,
    for<'a> &'a [u8]: Encode<'a, DB> + Type<DB>,
    for<'a> &'a str: Encode<'a, DB> + Type<DB>,
    String: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    Vec<u8>: for<'r> Decode<'r, DB> + Type<DB>,
    Option<i64>: for<'q> Encode<'q, DB> + Type<DB>,
    Option<String>: for<'q> Encode<'q, DB> + Type<DB>,
{
    async fn installed_id(
        tx: &mut Transaction<'static, DB>,
        installation: &Installation,
    ) -> Result<Option<i64>, ServeError> {
        Ok(sqlx::query_scalar(sql::INSTALLED_ID)
            .bind(installation.app_id())
            .bind(installation.site())
            .bind(installation.environment())
            .fetch_optional(&mut **tx)
            .await?)
    }

    async fn record_delivery(
        tx: &mut Transaction<'static, DB>,
        delivery: &DeliveryKey,
        now: UnixMillis,
        expires_at: UnixMillis,
    ) -> Result<DeliveryOutcome, ServeError> {
        let done = sqlx::query(sql::RECORD_DELIVERY)
            .bind(delivery.site.as_str())
            .bind(delivery.id.as_str())
            .bind(expires_at.0)
            .bind(now.0)
            .execute(&mut **tx)
            .await?;
        Ok(if done.rows_affected() == 1 {
            DeliveryOutcome::First
        } else {
            DeliveryOutcome::Duplicate
        })
    }

    /// Raises the queue's depths within their bounds and stores `events`; on an error the
    /// caller rolls the transaction back, so nothing is stored.
    async fn store_events(
        tx: &mut Transaction<'static, DB>,
        events: &[NewEvent],
        limits: &QueueLimits,
        now: UnixMillis,
    ) -> Result<Vec<EventId>, ServeError> {
        let ids = Self::raise_installation_depths(tx, events, limits).await?;
        let raised: Option<i64> = sqlx::query_scalar(sql::RAISE_TOTAL_DEPTH)
            .bind(as_i64(events.len() as u64))
            .bind(as_i64(limits.max_total))
            .fetch_optional(&mut **tx)
            .await?;
        if raised.is_none() {
            return Err(full(QueueBound::Total, limits.max_total));
        }
        let mut stored = Vec::with_capacity(events.len());
        for event in events {
            let id = ids
                .get(&event.installation)
                .copied()
                .ok_or(ServeError::Corrupt("enqueued installation"))?;
            let event_id: i64 = sqlx::query_scalar(sql::INSERT_EVENT)
                .bind(id)
                .bind(event.installation.app_id())
                .bind(event.module_key.as_str())
                .bind(&event.payload[..])
                .bind(now.0)
                .bind(event.not_before.map(|t| t.0))
                .bind(event.job.as_ref().map(|j| j.queue.as_str().to_owned()))
                .bind(event.job.as_ref().map(|j| j.id.as_str().to_owned()))
                .fetch_one(&mut **tx)
                .await?;
            stored.push(EventId(event_id));
        }
        Self::store_jobs(tx, events, &ids, limits, now).await?;
        Ok(stored)
    }

    /// Remembers the jobs `events` name, and raises each installation's job count within
    /// its bound (its `queue_installations` row is already this transaction's).
    async fn store_jobs(
        tx: &mut Transaction<'static, DB>,
        events: &[NewEvent],
        ids: &HashMap<&Installation, i64>,
        limits: &QueueLimits,
        now: UnixMillis,
    ) -> Result<(), ServeError> {
        let mut added: BTreeMap<i64, i64> = BTreeMap::new();
        for (installation, job) in jobs_of(events) {
            let id = ids
                .get(installation)
                .copied()
                .ok_or(ServeError::Corrupt("enqueued installation"))?;
            let inserted = sqlx::query(sql::INSERT_JOB)
                .bind(id)
                .bind(job.queue.as_str())
                .bind(job.id.as_str())
                .bind(now.0)
                .execute(&mut **tx)
                .await?
                .rows_affected();
            *added.entry(id).or_default() += as_i64(inserted);
        }
        for (id, count) in added {
            if count == 0 {
                continue;
            }
            let raised: Option<i64> = sqlx::query_scalar(sql::RAISE_INSTALLATION_JOBS)
                .bind(count)
                .bind(id)
                .bind(as_i64(limits.max_jobs_per_installation))
                .fetch_optional(&mut **tx)
                .await?;
            if raised.is_none() {
                return Err(full(QueueBound::Jobs, limits.max_jobs_per_installation));
            }
        }
        Ok(())
    }

    /// Raises each installation's depth by its events, within its bound, and returns the
    /// installations' ids. SQLite looks an id up and raises it in one statement (one writer:
    /// no lock order to keep); PostgreSQL looks every id up first and raises them in
    /// ascending order, the lock order every writer keeps.
    async fn raise_installation_depths<'e>(
        tx: &mut Transaction<'static, DB>,
        events: &'e [NewEvent],
        limits: &QueueLimits,
    ) -> Result<HashMap<&'e Installation, i64>, ServeError> {
        let counts = events_per_installation(events);
        let max = as_i64(limits.max_per_installation);
        let mut ids = HashMap::with_capacity(counts.len());
        if D::ENGINE == Engine::Sqlite {
            for (installation, count) in counts {
                let raised: Option<i64> = sqlx::query_scalar(sql::RAISE_DEPTH_OF_INSTALLED)
                    .bind(count)
                    .bind(installation.app_id())
                    .bind(installation.site())
                    .bind(installation.environment())
                    .bind(max)
                    .fetch_optional(&mut **tx)
                    .await?;
                let Some(id) = raised else {
                    return Err(match Self::installed_id(tx, installation).await? {
                        None => ServeError::NotInstalled,
                        Some(_) => full(QueueBound::Installation, limits.max_per_installation),
                    });
                };
                ids.insert(installation, id);
            }
            return Ok(ids);
        }
        let mut added: BTreeMap<i64, i64> = BTreeMap::new();
        for (installation, count) in counts {
            let Some(id) = Self::installed_id(tx, installation).await? else {
                return Err(ServeError::NotInstalled);
            };
            ids.insert(installation, id);
            added.insert(id, count);
        }
        for (id, count) in &added {
            let raised: Option<i64> = sqlx::query_scalar(sql::RAISE_INSTALLATION_DEPTH)
                .bind(*count)
                .bind(*id)
                .bind(max)
                .fetch_optional(&mut **tx)
                .await?;
            if raised.is_none() {
                return Err(full(QueueBound::Installation, limits.max_per_installation));
            }
        }
        Ok(ids)
    }

    /// Raises one of the event's job's counters (`statement`), if it has a job: in the
    /// transaction whose fenced delete decided the outcome, so it is counted once.
    async fn count_job(
        tx: &mut Transaction<'static, DB>,
        statement: &'static str,
        installation_id: i64,
        job_queue: Option<String>,
        job_id: Option<String>,
    ) -> Result<(), ServeError> {
        if let (Some(queue), Some(job)) = (job_queue, job_id) {
            sqlx::query(statement)
                .bind(installation_id)
                .bind(queue)
                .bind(job)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// Ends a leased attempt that did not complete: `FAIL_EVENT`, one fenced statement.
    /// `retry`: the consumer's reason and data when it asked for the retry.
    async fn end_attempt_in(
        &self,
        lease: Lease,
        retry_at: UnixMillis,
        error: &str,
        retry: Option<(&str, Option<&str>)>,
        limits: &QueueLimits,
    ) -> Result<LeaseOutcome, ServeError> {
        let mut write = self.db.begin_write().await?;
        let state: Option<i64> = sqlx::query_scalar(sql::FAIL_EVENT)
            .bind(i64::from(limits.max_attempts))
            .bind(retry_at.0)
            .bind(error)
            .bind(retry.map(|(reason, _)| reason.to_owned()))
            .bind(retry.and_then(|(_, data)| data.map(str::to_owned)))
            .bind(lease.event.0)
            .bind(i64::from(lease.attempt))
            .fetch_optional(&mut *write.tx)
            .await?;
        write.commit().await?;
        Ok(match state {
            None => LeaseOutcome::LeaseLost,
            Some(2) => LeaseOutcome::Dead,
            Some(_) => LeaseOutcome::Retrying { at: retry_at },
        })
    }

    async fn lower_depths(
        tx: &mut Transaction<'static, DB>,
        installation_id: i64,
    ) -> Result<(), ServeError> {
        sqlx::query(sql::LOWER_INSTALLATION_DEPTH)
            .bind(installation_id)
            .execute(&mut **tx)
            .await?;
        sqlx::query(sql::LOWER_TOTAL_DEPTH)
            .bind(1_i64)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Claims the next event inside `tx` (see `ServeBackend::claim`); the caller commits.
    /// Lapsed leases with no attempts left go to the dead letters first.
    async fn claim_in(
        tx: &mut Transaction<'static, DB>,
        limits: &QueueLimits,
        now: UnixMillis,
        lease_until: UnixMillis,
    ) -> Result<Option<ClaimedEvent>, ServeError> {
        let leased = match D::ENGINE {
            Engine::Sqlite => {
                sqlx::query(sql::EXPIRE_EXHAUSTED_LEASES)
                    .bind(now.0)
                    .bind(i64::from(limits.max_attempts))
                    .execute(&mut **tx)
                    .await?;
                Self::lease_next_sqlite(tx, limits, now, lease_until).await?
            }
            Engine::Postgres => match Self::next_event_postgres(tx, limits, now).await? {
                Some(event_id) => {
                    let row: LeasedRow = sqlx::query_as(sql::LEASE_EVENT)
                        .bind(lease_until.0)
                        .bind(event_id)
                        .fetch_one(&mut **tx)
                        .await?;
                    let (attempts, installation_id, module, payload, enqueued_at) =
                        (row.0, row.1, row.2, row.3, row.4);
                    Some((
                        event_id,
                        attempts,
                        installation_id,
                        module,
                        payload,
                        enqueued_at,
                        (row.5, row.6, row.7, row.8, row.9),
                    ))
                }
                None => None,
            },
        };
        match leased {
            Some(leased) => Ok(Some(Self::hand_over(tx, leased, lease_until).await?)),
            None => Ok(None),
        }
    }

    /// SQLite: picks and leases the next event in one statement (`LEASE_NEXT_EVENT`; the
    /// file's write lock, held since `BEGIN IMMEDIATE`, keeps every other claimer, in any
    /// process, out until commit). It never picks a lapsed lease with no attempts left, so
    /// a caller may skip the dead-letter sweep, as an accepting transaction does.
    async fn lease_next_sqlite(
        tx: &mut Transaction<'static, DB>,
        limits: &QueueLimits,
        now: UnixMillis,
        lease_until: UnixMillis,
    ) -> Result<Option<LeasedEventRow>, ServeError> {
        let row: Option<FlatLeasedEventRow> = sqlx::query_as(sql::LEASE_NEXT_EVENT)
            .bind(lease_until.0)
            .bind(now.0)
            .bind(i64::from(limits.max_leased_per_app))
            .bind(i64::from(limits.max_attempts))
            .fetch_optional(&mut **tx)
            .await?;
        Ok(row.map(|r| (r.0, r.1, r.2, r.3, r.4, r.5, (r.6, r.7, r.8, r.9, r.10))))
    }

    /// Stamps the leased event's installation as served (its turn) and hands the event over
    /// with the installation's record, read in the same transaction.
    async fn hand_over(
        tx: &mut Transaction<'static, DB>,
        leased: LeasedEventRow,
        lease_until: UnixMillis,
    ) -> Result<ClaimedEvent, ServeError> {
        let installation_id = leased.2;
        let served: i64 = sqlx::query_scalar(match D::ENGINE {
            Engine::Sqlite => sql::NEXT_SERVED,
            Engine::Postgres => sql::PG_NEXT_SERVED,
        })
        .fetch_one(&mut **tx)
        .await?;
        sqlx::query(sql::MARK_SERVED)
            .bind(served)
            .bind(installation_id)
            .execute(&mut **tx)
            .await?;
        let row: RegistryRow =
            sqlx::query_as(sqlx::AssertSqlSafe(sql::SELECT_REGISTRY_BY_ID.as_str()))
                .bind(installation_id)
                .fetch_one(&mut **tx)
                .await?;
        claimed_event(leased, row, lease_until)
    }

    /// PostgreSQL: replicas claim at once. Candidates in turn order are read without locks;
    /// for each, the oldest claimable event no one else holds is locked (`SKIP LOCKED`), and
    /// the app's live leases are counted again under the app's advisory lock, so neither an
    /// event nor the per-app limit can be taken twice.
    async fn next_event_postgres(
        tx: &mut Transaction<'static, DB>,
        limits: &QueueLimits,
        now: UnixMillis,
    ) -> Result<Option<i64>, ServeError> {
        sqlx::query(sql::PG_EXPIRE_EXHAUSTED_LEASES)
            .bind(now.0)
            .bind(i64::from(limits.max_attempts))
            .execute(&mut **tx)
            .await?;
        let candidates: Vec<(i64, String)> = sqlx::query_as(sql::PG_CANDIDATES)
            .bind(now.0)
            .bind(i64::from(limits.max_leased_per_app))
            .bind(PG_CLAIM_CANDIDATES)
            .fetch_all(&mut **tx)
            .await?;
        let mut locked_apps: Vec<&str> = Vec::new();
        for (installation_id, app_id) in &candidates {
            let Some(event_id) = sqlx::query_scalar::<DB, i64>(sql::PG_NEXT_EVENT_OF)
                .bind(*installation_id)
                .bind(now.0)
                .fetch_optional(&mut **tx)
                .await?
            else {
                continue;
            };
            if !locked_apps.contains(&app_id.as_str()) {
                if locked_apps.is_empty() {
                    sqlx::query(sql::PG_LOCK_APP)
                        .bind(app_id.as_str())
                        .execute(&mut **tx)
                        .await?;
                } else {
                    let got: bool = sqlx::query_scalar(sql::PG_TRY_LOCK_APP)
                        .bind(app_id.as_str())
                        .fetch_one(&mut **tx)
                        .await?;
                    if !got {
                        continue;
                    }
                }
                locked_apps.push(app_id);
            }
            let leased: i64 = sqlx::query_scalar(sql::PG_APP_LEASES)
                .bind(app_id.as_str())
                .bind(now.0)
                .fetch_one(&mut **tx)
                .await?;
            if leased < i64::from(limits.max_leased_per_app) {
                return Ok(Some(event_id));
            }
        }
        Ok(None)
    }
}

#[async_trait]
impl<D, DB> ServeBackend for SqlServeBackend<D>
where
    D: SqlDatabase<Db = DB>,
    DB: Database,
    DB::Arguments: IntoArguments<DB>,
    DB::QueryResult: RowsAffected,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    usize: ColumnIndex<DB::Row>,
    i64: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    bool: for<'r> Decode<'r, DB> + Type<DB>,
    for<'a> &'a [u8]: Encode<'a, DB> + Type<DB>,
    for<'a> &'a str: Encode<'a, DB> + Type<DB>,
    String: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    Vec<u8>: for<'r> Decode<'r, DB> + Type<DB>,
    Option<i64>: for<'q> Encode<'q, DB> + Type<DB>,
    Option<String>: for<'q> Encode<'q, DB> + Type<DB>,
{
    async fn install(
        &self,
        record: &InstallRecord,
        lifecycle: &LifecycleEvents,
        limits: &QueueLimits,
        now: UnixMillis,
    ) -> Result<LifecycleChange, ServeError> {
        let inst = &record.installation;
        let mut write = self.db.begin_write().await?;
        sqlx::query(sql::INSERT_INSTALLATION)
            .bind(inst.app_id())
            .bind(inst.site())
            .bind(inst.environment())
            .execute(&mut *write.tx)
            .await?;
        let id: i64 = sqlx::query_scalar(sql::FIND_INSTALLATION)
            .bind(inst.app_id())
            .bind(inst.site())
            .bind(inst.environment())
            .fetch_one(&mut *write.tx)
            .await?;
        if D::ENGINE == Engine::Postgres {
            // Installs of one installation queue here, so the row read next is the one this
            // transaction replaces (SQLite has one writer already).
            sqlx::query(sql::LOCK_INSTALLATION_POSTGRES)
                .bind(id)
                .execute(&mut *write.tx)
                .await?;
        }
        let replaced: Option<(String, String)> = sqlx::query_as(sql::REPLACED_REGISTRY)
            .bind(id)
            .fetch_optional(&mut *write.tx)
            .await?;
        let replaced = match replaced {
            None => None,
            Some((component, hold_reason)) => Some(Replaced {
                approved: match component.is_empty() {
                    true => None,
                    false => Some(
                        ComponentSha256::new(component)
                            .map_err(|_| ServeError::Corrupt("stored component digest"))?,
                    ),
                },
                held: !hold_reason.is_empty(),
            }),
        };
        let change = LifecycleChange::of(replaced.as_ref(), record);
        let (kind, subject) = record.grant.to_columns();
        let (origin, cloud_id, component) = approval_columns(record.approval.as_ref());
        let (hold_reason, held) = hold_columns(record.hold.as_ref());
        sqlx::query(sql::UPSERT_REGISTRY)
            .bind(id)
            .bind(record.scopes.to_json())
            .bind(kind)
            .bind(subject)
            .bind(i64::from(record.paused))
            .bind(record.installed_at.0)
            .bind(origin)
            .bind(cloud_id)
            .bind(component)
            .bind(hold_reason)
            .bind(held)
            .execute(&mut *write.tx)
            .await?;
        sqlx::query(sql::INSERT_QUEUE_INSTALLATION)
            .bind(id)
            .execute(&mut *write.tx)
            .await?;
        let raised = lifecycle.raised_by(change, inst);
        if !raised.is_empty() {
            let unbounded = LifecycleEvents::unbounded(limits);
            if let Err(error) = Self::store_events(&mut write.tx, &raised, &unbounded, now).await {
                write.rollback().await?;
                return Err(error);
            }
        }
        write.commit().await?;
        Ok(change)
    }

    async fn uninstall(&self, installation: &Installation) -> Result<bool, ServeError> {
        let mut write = self.db.begin_write().await?;
        let Some(id) = Self::installed_id(&mut write.tx, installation).await? else {
            write.rollback().await?;
            return Ok(false);
        };
        for statement in sql::UNINSTALL {
            sqlx::query(*statement)
                .bind(id)
                .execute(&mut *write.tx)
                .await?;
        }
        if D::ENGINE == Engine::Postgres {
            sqlx::query(sql::PG_LOCK_INSTALLATION_EVENTS)
                .bind(id)
                .execute(&mut *write.tx)
                .await?;
        }
        let events = sqlx::query(sql::DELETE_INSTALLATION_EVENTS)
            .bind(id)
            .execute(&mut *write.tx)
            .await?
            .rows_affected();
        if D::ENGINE == Engine::Postgres {
            sqlx::query(sql::PG_LOCK_INSTALLATION_JOBS)
                .bind(id)
                .execute(&mut *write.tx)
                .await?;
        }
        sqlx::query(sql::DELETE_INSTALLATION_JOBS)
            .bind(id)
            .execute(&mut *write.tx)
            .await?;
        sqlx::query(sql::DELETE_QUEUE_INSTALLATION)
            .bind(id)
            .execute(&mut *write.tx)
            .await?;
        sqlx::query(sql::LOWER_TOTAL_DEPTH)
            .bind(as_i64(events))
            .execute(&mut *write.tx)
            .await?;
        write.commit().await?;
        Ok(true)
    }

    async fn set_paused(
        &self,
        installation: &Installation,
        paused: bool,
    ) -> Result<bool, ServeError> {
        let mut write = self.db.begin_write().await?;
        let Some(id) = Self::installed_id(&mut write.tx, installation).await? else {
            write.rollback().await?;
            return Ok(false);
        };
        sqlx::query(sql::SET_PAUSED)
            .bind(i64::from(paused))
            .bind(id)
            .execute(&mut *write.tx)
            .await?;
        write.commit().await?;
        Ok(true)
    }

    async fn hold(&self, seen: &InstallRecord, hold: &Hold) -> Result<bool, ServeError> {
        let mut write = self.db.begin_write().await?;
        let Some(id) = Self::installed_id(&mut write.tx, &seen.installation).await? else {
            write.rollback().await?;
            return Ok(false);
        };
        let (kind, subject) = seen.grant.to_columns();
        let (_, _, component) = approval_columns(seen.approval.as_ref());
        let (reason, pending) = hold_columns(Some(hold));
        let done = sqlx::query(sql::SET_HOLD)
            .bind(reason)
            .bind(pending)
            .bind(id)
            .bind(component)
            .bind(kind)
            .bind(subject)
            .execute(&mut *write.tx)
            .await?;
        write.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    async fn get_installation(
        &self,
        installation: &Installation,
    ) -> Result<Option<InstallRecord>, ServeError> {
        let statement = format!(
            "{} WHERE i.app_id = $1 AND i.site = $2 AND i.environment = $3",
            sql::SELECT_REGISTRY
        );
        let row: Option<RegistryRow> = sqlx::query_as(sqlx::AssertSqlSafe(statement))
            .bind(installation.app_id())
            .bind(installation.site())
            .bind(installation.environment())
            .fetch_optional(self.db.pool())
            .await?;
        row.map(record_from_row).transpose()
    }

    async fn list_installations(&self) -> Result<Vec<InstallRecord>, ServeError> {
        let statement = format!(
            "{} ORDER BY i.app_id, i.site, i.environment",
            sql::SELECT_REGISTRY
        );
        let rows: Vec<RegistryRow> = sqlx::query_as(sqlx::AssertSqlSafe(statement))
            .fetch_all(self.db.pool())
            .await?;
        rows.into_iter().map(record_from_row).collect()
    }

    async fn put_web_trigger(
        &self,
        installation: &Installation,
        module_key: &ModuleKey,
        hash: &WebTriggerIdHash,
        now: UnixMillis,
    ) -> Result<(), ServeError> {
        let mut write = self.db.begin_write().await?;
        let Some(id) = Self::installed_id(&mut write.tx, installation).await? else {
            write.rollback().await?;
            return Err(ServeError::NotInstalled);
        };
        sqlx::query(sql::PUT_WEB_TRIGGER)
            .bind(id)
            .bind(module_key.as_str())
            .bind(&hash.0[..])
            .bind(now.0)
            .execute(&mut *write.tx)
            .await?;
        write.commit().await?;
        Ok(())
    }

    async fn add_web_trigger(
        &self,
        installation: &Installation,
        module_key: &ModuleKey,
        hash: &WebTriggerIdHash,
        now: UnixMillis,
    ) -> Result<bool, ServeError> {
        let mut write = self.db.begin_write().await?;
        let Some(id) = Self::installed_id(&mut write.tx, installation).await? else {
            write.rollback().await?;
            return Err(ServeError::NotInstalled);
        };
        let done = sqlx::query(sql::ADD_WEB_TRIGGER)
            .bind(id)
            .bind(module_key.as_str())
            .bind(&hash.0[..])
            .bind(now.0)
            .execute(&mut *write.tx)
            .await?;
        write.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    async fn resolve_web_trigger(
        &self,
        hash: &WebTriggerIdHash,
    ) -> Result<Option<ResolvedWebTrigger>, ServeError> {
        let row: Option<(Vec<u8>, String, String, String, String, i64, String, String)> =
            sqlx::query_as(sql::RESOLVE_WEB_TRIGGER)
                .bind(&hash.0[..])
                .fetch_optional(self.db.pool())
                .await?;
        let Some((stored, app, site, env, module, paused, hold_reason, component)) = row else {
            return Ok(None);
        };
        let stored = WebTriggerIdHash(
            stored
                .try_into()
                .map_err(|_| ServeError::Corrupt("stored web trigger hash"))?,
        );
        if !stored.matches(hash) {
            return Ok(None);
        }
        Ok(Some(ResolvedWebTrigger {
            installation: installation_from(app, site, env)?,
            module_key: module_from(module)?,
            paused: paused != 0,
            held: !hold_reason.is_empty() || component.is_empty(),
            approved_component: ComponentSha256::new(component).ok(),
        }))
    }

    async fn revoke_web_trigger(
        &self,
        installation: &Installation,
        module_key: &ModuleKey,
    ) -> Result<bool, ServeError> {
        let mut write = self.db.begin_write().await?;
        let Some(id) = Self::installed_id(&mut write.tx, installation).await? else {
            write.rollback().await?;
            return Ok(false);
        };
        let done = sqlx::query(sql::REVOKE_WEB_TRIGGER)
            .bind(id)
            .bind(module_key.as_str())
            .execute(&mut *write.tx)
            .await?;
        write.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    async fn record_delivery(
        &self,
        delivery: &DeliveryKey,
        now: UnixMillis,
        expires_at: UnixMillis,
    ) -> Result<DeliveryOutcome, ServeError> {
        let mut write = self.db.begin_write().await?;
        let outcome = Self::record_delivery(&mut write.tx, delivery, now, expires_at).await?;
        write.commit().await?;
        Ok(outcome)
    }

    async fn purge_deliveries(&self, now: UnixMillis) -> Result<u64, ServeError> {
        let mut write = self.db.begin_write().await?;
        let done = sqlx::query(sql::PURGE_DELIVERIES)
            .bind(now.0)
            .execute(&mut *write.tx)
            .await?;
        write.commit().await?;
        Ok(done.rows_affected())
    }

    async fn claim_interval(
        &self,
        installation: &Installation,
        trigger_key: &ModuleKey,
        interval_start: UnixMillis,
    ) -> Result<IntervalClaim, ServeError> {
        let mut write = self.db.begin_write().await?;
        let Some(id) = Self::installed_id(&mut write.tx, installation).await? else {
            write.rollback().await?;
            return Err(ServeError::NotInstalled);
        };
        let done = sqlx::query(sql::CLAIM_INTERVAL)
            .bind(id)
            .bind(trigger_key.as_str())
            .bind(interval_start.0)
            .execute(&mut *write.tx)
            .await?;
        let claim = if done.rows_affected() == 1 {
            IntervalClaim::Claimed
        } else {
            let last: i64 = sqlx::query_scalar(sql::LAST_INTERVAL)
                .bind(id)
                .bind(trigger_key.as_str())
                .fetch_one(&mut *write.tx)
                .await?;
            IntervalClaim::AlreadyClaimed {
                last: UnixMillis(last),
            }
        };
        write.commit().await?;
        Ok(claim)
    }

    async fn queue_scheduled_run(
        &self,
        interval_start: UnixMillis,
        event: &NewEvent,
        limits: &QueueLimits,
        now: UnixMillis,
    ) -> Result<ScheduledRun, ServeError> {
        let mut write = self.db.begin_write().await?;
        let Some(id) = Self::installed_id(&mut write.tx, &event.installation).await? else {
            write.rollback().await?;
            return Err(ServeError::NotInstalled);
        };
        // The claim first: it locks the trigger's schedule row (PostgreSQL), so the check
        // below sees the run of whoever claimed before.
        let claimed = sqlx::query(sql::CLAIM_INTERVAL)
            .bind(id)
            .bind(event.module_key.as_str())
            .bind(interval_start.0)
            .execute(&mut *write.tx)
            .await?
            .rows_affected()
            == 1;
        if !claimed {
            let last: i64 = sqlx::query_scalar(sql::LAST_INTERVAL)
                .bind(id)
                .bind(event.module_key.as_str())
                .fetch_one(&mut *write.tx)
                .await?;
            write.rollback().await?;
            return Ok(ScheduledRun::AlreadyClaimed {
                last: UnixMillis(last),
            });
        }
        let running: Option<i64> = sqlx::query_scalar(sql::SCHEDULED_RUN_IN_FLIGHT)
            .bind(id)
            .bind(event.module_key.as_str())
            .fetch_optional(&mut *write.tx)
            .await?;
        if running.is_some() {
            write.rollback().await?;
            return Ok(ScheduledRun::StillRunning);
        }
        let stored =
            match Self::store_events(&mut write.tx, std::slice::from_ref(event), limits, now).await
            {
                Ok(stored) => stored,
                Err(error) => {
                    write.rollback().await?;
                    return Err(error);
                }
            };
        write.commit().await?;
        stored
            .first()
            .copied()
            .map(ScheduledRun::Queued)
            .ok_or(ServeError::Corrupt("stored scheduled run"))
    }

    async fn enqueue(
        &self,
        delivery: Option<(&DeliveryKey, UnixMillis)>,
        events: &[NewEvent],
        limits: &QueueLimits,
        now: UnixMillis,
    ) -> Result<EnqueueOutcome, ServeError> {
        let mut write = self.db.begin_write().await?;
        if let Some((key, expires_at)) = delivery
            && Self::record_delivery(&mut write.tx, key, now, expires_at).await?
                == DeliveryOutcome::Duplicate
        {
            write.rollback().await?;
            return Ok(EnqueueOutcome::Duplicate);
        }
        let stored = match Self::store_events(&mut write.tx, events, limits, now).await {
            Ok(stored) => stored,
            Err(error) => {
                write.rollback().await?;
                return Err(error);
            }
        };
        write.commit().await?;
        Ok(EnqueueOutcome::Accepted(stored))
    }

    async fn claim(
        &self,
        limits: &QueueLimits,
        now: UnixMillis,
        lease_until: UnixMillis,
    ) -> Result<Option<ClaimedEvent>, ServeError> {
        let mut write = self.db.begin_lease_write().await?;
        match Self::claim_in(&mut write.tx, limits, now, lease_until).await {
            Ok(claimed) => {
                write.commit().await?;
                Ok(claimed)
            }
            Err(error) => {
                write.rollback().await?;
                Err(error)
            }
        }
    }

    async fn enqueue_claiming(
        &self,
        delivery: Option<(&DeliveryKey, UnixMillis)>,
        events: &[NewEvent],
        limits: &QueueLimits,
        now: UnixMillis,
        lease_until: UnixMillis,
        max_claims: usize,
    ) -> Result<ClaimingEnqueue, ServeError> {
        // SQLite: one writer holds the file from `BEGIN IMMEDIATE`, so there is no lock
        // order to invert. The whole transaction runs in one trip to a thread of its own
        // (`sqlite_accept.rs`); the claims ride on the commit that makes the delivery
        // durable.
        if let Some(sqlite) = self.db.as_sqlite() {
            return sqlite
                .accept_claiming(delivery, events, limits, now, lease_until, max_claims)
                .await;
        }
        // PostgreSQL: claiming inside the accepting transaction would take an app's advisory
        // lock after the installation rows the enqueue raised, the reverse of a claim's
        // order: replicas would deadlock. Claiming after the commit gains nothing over a
        // worker's claim (the commit is waited for either way) and, in the replica tests
        // under load, gave 1 s leases that lapsed before their first renewal. So PostgreSQL
        // only enqueues; its workers claim.
        let outcome = self.enqueue(delivery, events, limits, now).await?;
        Ok(ClaimingEnqueue::settled(outcome, Vec::new()))
    }

    async fn renew(&self, lease: Lease, until: UnixMillis) -> Result<LeaseRenewal, ServeError> {
        let mut write = self.db.begin_lease_write().await?;
        let renewed = sqlx::query(sql::RENEW_LEASE)
            .bind(until.0)
            .bind(lease.event.0)
            .bind(i64::from(lease.attempt))
            .execute(&mut *write.tx)
            .await?
            .rows_affected();
        write.commit().await?;
        Ok(if renewed == 1 {
            LeaseRenewal::Renewed { until }
        } else {
            LeaseRenewal::LeaseLost
        })
    }

    async fn complete(&self, lease: Lease) -> Result<LeaseOutcome, ServeError> {
        // Without waiting for the disk: a completion lost to a power failure runs the event
        // again, as a worker killed before completing does (`begin_lease_write`).
        let mut write = self.db.begin_lease_write().await?;
        let deleted: Option<(i64, Option<String>, Option<String>)> =
            sqlx::query_as(sql::COMPLETE_EVENT)
                .bind(lease.event.0)
                .bind(i64::from(lease.attempt))
                .fetch_optional(&mut *write.tx)
                .await?;
        let Some((installation_id, job_queue, job_id)) = deleted else {
            write.rollback().await?;
            return Ok(LeaseOutcome::LeaseLost);
        };
        Self::count_job(
            &mut write.tx,
            sql::COUNT_JOB_SUCCESS,
            installation_id,
            job_queue,
            job_id,
        )
        .await?;
        Self::lower_depths(&mut write.tx, installation_id).await?;
        write.commit().await?;
        Ok(LeaseOutcome::Completed)
    }

    async fn fail(
        &self,
        lease: Lease,
        error: &str,
        limits: &QueueLimits,
        now: UnixMillis,
    ) -> Result<LeaseOutcome, ServeError> {
        let retry_at = now.plus(limits.backoff(lease.attempt));
        self.end_attempt_in(lease, retry_at, error, None, limits)
            .await
    }

    async fn retry_later(
        &self,
        lease: Lease,
        retry_at: UnixMillis,
        reason: &str,
        data: Option<&str>,
        limits: &QueueLimits,
    ) -> Result<LeaseOutcome, ServeError> {
        self.end_attempt_in(lease, retry_at, reason, Some((reason, data)), limits)
            .await
    }

    async fn job_stats(
        &self,
        installation: &Installation,
        job: &JobKey,
    ) -> Result<Option<JobStats>, ServeError> {
        let row: Option<(i64, i64, i64, i64)> = sqlx::query_as(sql::JOB_STATS)
            .bind(installation.app_id())
            .bind(installation.site())
            .bind(installation.environment())
            .bind(job.queue.as_str())
            .bind(job.id.as_str())
            .fetch_optional(self.db.pool())
            .await?;
        let Some((succeeded, discarded, stored, dead)) = row else {
            return Ok(None);
        };
        let count = |n: i64| u64::try_from(n).map_err(|_| ServeError::Corrupt("stored job count"));
        Ok(Some(JobStats {
            success: count(succeeded)?,
            in_progress: count(stored)?,
            failed: count(discarded)?.saturating_add(count(dead)?),
        }))
    }

    async fn cancel_job(
        &self,
        installation: &Installation,
        job: &JobKey,
    ) -> Result<Option<u64>, ServeError> {
        let mut write = self.db.begin_write().await?;
        let Some(id) = Self::installed_id(&mut write.tx, installation).await? else {
            write.rollback().await?;
            return Ok(None);
        };
        let known: Option<i64> = sqlx::query_scalar(sql::JOB_EXISTS)
            .bind(id)
            .bind(job.queue.as_str())
            .bind(job.id.as_str())
            .fetch_optional(&mut *write.tx)
            .await?;
        if known.is_none() {
            write.rollback().await?;
            return Ok(None);
        }
        if D::ENGINE == Engine::Postgres {
            sqlx::query(sql::PG_LOCK_JOB_EVENTS)
                .bind(id)
                .bind(job.queue.as_str())
                .bind(job.id.as_str())
                .execute(&mut *write.tx)
                .await?;
        }
        sqlx::query(sql::MARK_JOB_CANCELLED)
            .bind(id)
            .bind(job.queue.as_str())
            .bind(job.id.as_str())
            .execute(&mut *write.tx)
            .await?;
        let removed = sqlx::query(sql::DELETE_READY_JOB_EVENTS)
            .bind(id)
            .bind(job.queue.as_str())
            .bind(job.id.as_str())
            .execute(&mut *write.tx)
            .await?
            .rows_affected();
        if removed > 0 {
            sqlx::query(sql::LOWER_INSTALLATION_DEPTH_BY)
                .bind(as_i64(removed))
                .bind(id)
                .execute(&mut *write.tx)
                .await?;
            sqlx::query(sql::LOWER_TOTAL_DEPTH)
                .bind(as_i64(removed))
                .execute(&mut *write.tx)
                .await?;
        }
        write.commit().await?;
        Ok(Some(removed))
    }

    async fn purge_jobs(&self, created_by: UnixMillis) -> Result<u64, ServeError> {
        let mut write = self.db.begin_write().await?;
        let installations: Vec<i64> = sqlx::query_scalar(sql::EXPIRED_JOB_INSTALLATIONS)
            .bind(created_by.0)
            .fetch_all(&mut *write.tx)
            .await?;
        let mut purged = 0_u64;
        for id in installations {
            if D::ENGINE == Engine::Postgres {
                sqlx::query(sql::PG_LOCK_PURGED_JOBS)
                    .bind(id)
                    .bind(created_by.0)
                    .execute(&mut *write.tx)
                    .await?;
            }
            let deleted = sqlx::query(sql::PURGE_INSTALLATION_JOBS)
                .bind(id)
                .bind(created_by.0)
                .execute(&mut *write.tx)
                .await?
                .rows_affected();
            sqlx::query(sql::LOWER_INSTALLATION_JOBS)
                .bind(as_i64(deleted))
                .bind(id)
                .execute(&mut *write.tx)
                .await?;
            purged += deleted;
        }
        write.commit().await?;
        Ok(purged)
    }

    async fn dead_letters(&self, limit: u32) -> Result<Vec<DeadLetter>, ServeError> {
        let rows: Vec<DeadRow> = sqlx::query_as(sql::DEAD_LETTERS)
            .bind(i64::from(limit))
            .fetch_all(self.db.pool())
            .await?;
        rows.into_iter().map(dead_from_row).collect()
    }

    async fn discard_dead_letter(&self, event: EventId) -> Result<bool, ServeError> {
        let mut write = self.db.begin_write().await?;
        let deleted: Option<(i64, Option<String>, Option<String>)> =
            sqlx::query_as(sql::DISCARD_DEAD)
                .bind(event.0)
                .fetch_optional(&mut *write.tx)
                .await?;
        let Some((installation_id, job_queue, job_id)) = deleted else {
            write.rollback().await?;
            return Ok(false);
        };
        Self::count_job(
            &mut write.tx,
            sql::COUNT_JOB_DISCARDED,
            installation_id,
            job_queue,
            job_id,
        )
        .await?;
        Self::lower_depths(&mut write.tx, installation_id).await?;
        write.commit().await?;
        Ok(true)
    }

    async fn queue_depth(&self) -> Result<u64, ServeError> {
        let depth: i64 = sqlx::query_scalar(sql::QUEUE_DEPTH)
            .fetch_one(self.db.pool())
            .await?;
        u64::try_from(depth).map_err(|_| ServeError::Corrupt("stored queue depth"))
    }

    async fn lease_webhook_site(
        &self,
        site: &str,
        holder: &LeaseHolder,
        now: UnixMillis,
        until: UnixMillis,
    ) -> Result<Option<WebhookRegistration>, ServeError> {
        let mut write = self.db.begin_write().await?;
        let taken = sqlx::query(sql::LEASE_WEBHOOK_SITE)
            .bind(site)
            .bind(holder.as_str())
            .bind(until.0)
            .bind(now.0)
            .execute(&mut *write.tx)
            .await?;
        if taken.rows_affected() != 1 {
            write.rollback().await?;
            return Ok(None);
        }
        let statement = format!("{} WHERE site = $1", sql::SELECT_WEBHOOK_REGISTRATION);
        let row: RegistrationRow = sqlx::query_as(sqlx::AssertSqlSafe(statement))
            .bind(site)
            .fetch_one(&mut *write.tx)
            .await?;
        write.commit().await?;
        registration_from_row(row).map(Some)
    }

    async fn store_webhook_registration(
        &self,
        holder: &LeaseHolder,
        registration: &WebhookRegistration,
    ) -> Result<bool, ServeError> {
        let mut write = self.db.begin_write().await?;
        let done = sqlx::query(sql::STORE_WEBHOOK_REGISTRATION)
            .bind(registration.url.as_str())
            .bind(registration.webhooks_json())
            .bind(registration.expires_at.0)
            .bind(registration.refreshed_at.0)
            .bind(registration.status.as_str())
            .bind(registration.last_error.as_str())
            .bind(i64::from(registration.failures))
            .bind(registration.next_attempt_at.0)
            .bind(registration.site.as_str())
            .bind(holder.as_str())
            .execute(&mut *write.tx)
            .await?;
        write.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    async fn release_webhook_site(
        &self,
        site: &str,
        holder: &LeaseHolder,
    ) -> Result<(), ServeError> {
        let mut write = self.db.begin_write().await?;
        sqlx::query(sql::RELEASE_WEBHOOK_SITE)
            .bind(site)
            .bind(holder.as_str())
            .execute(&mut *write.tx)
            .await?;
        write.commit().await?;
        Ok(())
    }

    async fn webhook_registrations(&self) -> Result<Vec<WebhookRegistration>, ServeError> {
        let statement = format!("{} ORDER BY site", sql::SELECT_WEBHOOK_REGISTRATION);
        let rows: Vec<RegistrationRow> = sqlx::query_as(sqlx::AssertSqlSafe(statement))
            .fetch_all(self.db.pool())
            .await?;
        rows.into_iter().map(registration_from_row).collect()
    }
}

type RegistrationRow = (String, String, String, i64, i64, String, String, i64, i64);

fn registration_from_row(row: RegistrationRow) -> Result<WebhookRegistration, ServeError> {
    let (site, url, webhooks, expires_at, refreshed_at, status, last_error, failures, next) = row;
    webhook_registration::from_columns(
        site,
        url,
        &webhooks,
        expires_at,
        refreshed_at,
        &status,
        last_error,
        failures,
        next,
    )
}
