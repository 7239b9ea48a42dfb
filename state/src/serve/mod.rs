//! What `runtime serve` (issue 15) and its replicas (issue 16) remember: which installations
//! are installed, web trigger ids, webhook deliveries seen, schedule state and the persistent
//! event queue. `docs/state.md` describes the model.
//!
//! [`ServeState`] holds the limits and offers the operations; a [`ServeBackend`] stores them.
//! [`MemoryServeBackend`] serves tests and `--state memory`; [`SqlServeBackend`] runs in the
//! same database as app storage, SQLite ([`SqliteServeBackend`]) or PostgreSQL
//! ([`PostgresServeBackend`]). Every statement (`sql.rs`) is in the SQL both engines run, and
//! each exactly-once rule is one conditional statement (or one transaction whose first
//! statement takes the row lock); where PostgreSQL needs more (the claim's
//! `FOR UPDATE SKIP LOCKED` and advisory lock), `sql.rs` says so beside the statement.

mod job;
mod lifecycle;
mod memory;
mod queue;
mod schedule;
mod sql;
mod sql_backend;
pub(crate) mod sqlite_accept;
mod types;
mod web_trigger;
mod webhook_registration;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

pub use job::{
    HOST_RETRY_REASON, JobError, JobId, JobKey, JobStats, MAX_JOB_ID_BYTES, MAX_QUEUE_NAME_BYTES,
    MAX_RETRY_DATA_BYTES, MAX_RETRY_REASON_BYTES, QueueName, RetryInfo,
};
pub use lifecycle::{LifecycleChange, LifecycleEvent, LifecycleEvents, Replaced};
pub use memory::MemoryServeBackend;
pub use queue::{
    ClaimedEvent, DeadLetter, EventId, Lease, LeaseOutcome, LeaseRenewal, NewEvent, QueueBound,
    QueueFull, QueueLimits,
};
pub use schedule::{IntervalClaim, ScheduleInterval, ScheduledRun};
pub use sql_backend::{PostgresServeBackend, SqlServeBackend, SqliteServeBackend};
pub use types::{
    ApprovalBinding, ApprovedScopes, ComponentSha256, DeliveryId, DeliveryKey, DeliveryOutcome,
    DigestError, GrantIdentity, Hold, HoldReason, InstallRecord, MAX_ERROR_BYTES, MAX_NAME_BYTES,
    MAX_SCOPES, ModuleKey, NameError, Scope, SiteBinding, UnixMillis,
};
pub use web_trigger::{WEB_TRIGGER_ID_BYTES, WebTriggerId, WebTriggerIdError, WebTriggerIdHash};
pub use webhook_registration::{
    LeaseHolder, MAX_SITE_WEBHOOKS, RegisteredWebhook, RegistrationStatus, WebhookRegistration,
};

use crate::installation::{Installation, InstallationError};
use crate::storage::BackendError;

/// Why a serve-state operation failed. None carries a payload, a web trigger id or a secret.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("the installation is not installed")]
    NotInstalled,
    #[error("the event payload is {bytes} bytes, over the {max}-byte limit")]
    PayloadTooLarge { bytes: usize, max: usize },
    #[error(transparent)]
    QueueFull(#[from] QueueFull),
    #[error("invalid name: {0}")]
    InvalidName(#[from] NameError),
    #[error("invalid installation: {0}")]
    InvalidInstallation(#[from] InstallationError),
    #[error(transparent)]
    WebTriggerId(#[from] WebTriggerIdError),
    #[error(transparent)]
    Job(#[from] JobError),
    #[error("stored serve state is damaged: {0}")]
    Corrupt(&'static str),
    #[error(transparent)]
    Backend(#[from] BackendError),
}

impl From<sqlx::Error> for ServeError {
    fn from(error: sqlx::Error) -> Self {
        Self::Backend(BackendError::Database(error))
    }
}

/// What an enqueue did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnqueueOutcome {
    /// Stored, all of them, in order.
    Accepted(Vec<EventId>),
    /// The delivery was seen before: nothing stored.
    Duplicate,
}

/// Commits a transaction that [`ServeBackend::enqueue_claiming`] left open. Drive it to
/// completion (spawn it): a transaction dropped half-way would hold SQLite's write lock
/// until its connection is next used.
pub type PendingCommit = Pin<Box<dyn Future<Output = Result<(), ServeError>> + Send>>;

/// What [`ServeState::accept_delivery_claiming`] did, before its transaction commits.
pub struct ClaimingEnqueue {
    pub outcome: EnqueueOutcome,
    /// Events claimed for the caller by [`ServeState::claim`]'s rules (fairness, the
    /// per-app limit, paused and held installations skipped), in the same transaction:
    /// theirs only once `commit` succeeds. Until then nothing of the transaction exists
    /// for anyone else, so the caller may *run* them (a handler's effects before the
    /// commit are those of an at-least-once delivery: if the commit fails, the delivery
    /// was not accepted and Jira sends it again), but must not renew, complete or fail
    /// them before `commit` resolved `Ok`.
    pub claimed: Vec<ClaimedEvent>,
    pub commit: PendingCommit,
}

impl std::fmt::Debug for ClaimingEnqueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClaimingEnqueue")
            .field("outcome", &self.outcome)
            .field("claimed", &self.claimed)
            .finish_non_exhaustive()
    }
}

impl ClaimingEnqueue {
    /// Nothing left to commit.
    pub fn settled(outcome: EnqueueOutcome, claimed: Vec<ClaimedEvent>) -> Self {
        Self {
            outcome,
            claimed,
            commit: Box::pin(std::future::ready(Ok(()))),
        }
    }
}

/// A web trigger id's owner, found by the id's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedWebTrigger {
    pub installation: Installation,
    pub module_key: ModuleKey,
    pub paused: bool,
    /// Held (or approved only in the old, unbound format): its code waits for approval.
    pub held: bool,
    /// The code approved for it, which is the only code that may answer.
    pub approved_component: Option<ComponentSha256>,
}

/// The storage seam. Each method is one transaction; the limits are passed in, so a backend
/// holds no policy.
#[async_trait]
pub trait ServeBackend: Send + Sync + 'static {
    /// Installs, or reinstalls with new scopes, grant, approval and pause state; and in the
    /// same transaction queues the `lifecycle` events of the change from the row it
    /// replaces ([`LifecycleChange::of`]), past the depth bounds of `limits`. Returns that
    /// change.
    async fn install(
        &self,
        record: &InstallRecord,
        lifecycle: &LifecycleEvents,
        limits: &QueueLimits,
        now: UnixMillis,
    ) -> Result<LifecycleChange, ServeError>;
    /// Removes the installation's registration, web trigger ids, schedule state and queued
    /// events (dead letters included). App storage is kept. `false`: it was not installed.
    async fn uninstall(&self, installation: &Installation) -> Result<bool, ServeError>;
    /// `false`: not installed.
    async fn set_paused(
        &self,
        installation: &Installation,
        paused: bool,
    ) -> Result<bool, ServeError>;
    /// Holds `seen.installation` only while its approval (component digest and grant) is
    /// still the one in `seen`: `false` when it is not installed or was approved again
    /// meanwhile (then the caller reads the record again).
    async fn hold(&self, seen: &InstallRecord, hold: &Hold) -> Result<bool, ServeError>;
    async fn get_installation(
        &self,
        installation: &Installation,
    ) -> Result<Option<InstallRecord>, ServeError>;
    /// All installed installations, ordered by app id, site, environment.
    async fn list_installations(&self) -> Result<Vec<InstallRecord>, ServeError>;

    /// Stores `hash` as the module's only live id (replacing any earlier one).
    async fn put_web_trigger(
        &self,
        installation: &Installation,
        module_key: &ModuleKey,
        hash: &WebTriggerIdHash,
        now: UnixMillis,
    ) -> Result<(), ServeError>;
    /// Stores `hash` as the module's id only if the module has none: `false` when it had
    /// one (kept). Replicas starting together each try; one id wins, none is replaced.
    async fn add_web_trigger(
        &self,
        installation: &Installation,
        module_key: &ModuleKey,
        hash: &WebTriggerIdHash,
        now: UnixMillis,
    ) -> Result<bool, ServeError>;
    async fn resolve_web_trigger(
        &self,
        hash: &WebTriggerIdHash,
    ) -> Result<Option<ResolvedWebTrigger>, ServeError>;
    async fn revoke_web_trigger(
        &self,
        installation: &Installation,
        module_key: &ModuleKey,
    ) -> Result<bool, ServeError>;

    async fn record_delivery(
        &self,
        delivery: &DeliveryKey,
        now: UnixMillis,
        expires_at: UnixMillis,
    ) -> Result<DeliveryOutcome, ServeError>;
    /// Forgets deliveries whose record expired; returns how many.
    async fn purge_deliveries(&self, now: UnixMillis) -> Result<u64, ServeError>;

    async fn claim_interval(
        &self,
        installation: &Installation,
        trigger_key: &ModuleKey,
        interval_start: UnixMillis,
    ) -> Result<IntervalClaim, ServeError>;

    /// In one transaction: claims `interval_start` for the trigger (as `claim_interval`)
    /// unless a run of the trigger is still stored and not dead, and stores `event`, its
    /// run; or does nothing.
    async fn queue_scheduled_run(
        &self,
        interval_start: UnixMillis,
        event: &NewEvent,
        limits: &QueueLimits,
        now: UnixMillis,
    ) -> Result<ScheduledRun, ServeError>;

    /// Records `delivery` (if any) and stores every event, or nothing.
    async fn enqueue(
        &self,
        delivery: Option<(&DeliveryKey, UnixMillis)>,
        events: &[NewEvent],
        limits: &QueueLimits,
        now: UnixMillis,
    ) -> Result<EnqueueOutcome, ServeError>;
    async fn claim(
        &self,
        limits: &QueueLimits,
        now: UnixMillis,
        lease_until: UnixMillis,
    ) -> Result<Option<ClaimedEvent>, ServeError>;
    /// `enqueue`, then up to `max_claims` claims (as `claim`), and returns what the
    /// transaction decided with its commit still to run ([`ClaimingEnqueue`]), so the
    /// caller can start the claimed events while the commit reaches the disk. This default
    /// runs the two one after the other, committed, for a backend with nothing to wait for.
    async fn enqueue_claiming(
        &self,
        delivery: Option<(&DeliveryKey, UnixMillis)>,
        events: &[NewEvent],
        limits: &QueueLimits,
        now: UnixMillis,
        lease_until: UnixMillis,
        max_claims: usize,
    ) -> Result<ClaimingEnqueue, ServeError> {
        let outcome = self.enqueue(delivery, events, limits, now).await?;
        let mut claimed = Vec::new();
        if matches!(outcome, EnqueueOutcome::Accepted(_)) {
            while claimed.len() < max_claims {
                match self.claim(limits, now, lease_until).await {
                    Ok(Some(event)) => claimed.push(event),
                    Ok(None) => break,
                    // The delivery is stored: a worker claims its events later.
                    Err(error) => {
                        tracing::warn!(%error, "cannot claim an accepted delivery's events at once");
                        break;
                    }
                }
            }
        }
        Ok(ClaimingEnqueue::settled(outcome, claimed))
    }
    /// Moves a live lease's expiry to `until`, only while `lease` is the event's current
    /// lease (leased under that attempt). The attempt, not the clock, decides: a lease that
    /// expired but was not claimed again is still the caller's, and renewing it is safe.
    async fn renew(&self, lease: Lease, until: UnixMillis) -> Result<LeaseRenewal, ServeError>;
    async fn complete(&self, lease: Lease) -> Result<LeaseOutcome, ServeError>;
    async fn fail(
        &self,
        lease: Lease,
        error: &str,
        limits: &QueueLimits,
        now: UnixMillis,
    ) -> Result<LeaseOutcome, ServeError>;
    /// A consumer's requested retry: as `fail`, back to ready at `retry_at` (or dead when
    /// attempts are used up or its job was cancelled), keeping `reason` and `data` for the
    /// next claim. The caller bounded all three.
    async fn retry_later(
        &self,
        lease: Lease,
        retry_at: UnixMillis,
        reason: &str,
        data: Option<&str>,
        limits: &QueueLimits,
    ) -> Result<LeaseOutcome, ServeError>;
    /// The job's counts, if `installation` has such a job (see [`JobStats`]).
    async fn job_stats(
        &self,
        installation: &Installation,
        job: &JobKey,
    ) -> Result<Option<JobStats>, ServeError>;
    /// Marks the job cancelled and removes its ready events (delayed and waiting ones
    /// included; leased ones stay with their claimers), lowering the depths by as many.
    /// `None`: `installation` has no such job.
    async fn cancel_job(
        &self,
        installation: &Installation,
        job: &JobKey,
    ) -> Result<Option<u64>, ServeError>;
    /// Forgets jobs created at or before `created_by`; returns how many.
    async fn purge_jobs(&self, created_by: UnixMillis) -> Result<u64, ServeError>;
    /// Up to `limit` dead letters, oldest first.
    async fn dead_letters(&self, limit: u32) -> Result<Vec<DeadLetter>, ServeError>;
    async fn discard_dead_letter(&self, event: EventId) -> Result<bool, ServeError>;
    /// Events stored (ready, leased and dead).
    async fn queue_depth(&self) -> Result<u64, ServeError>;

    /// Takes (or keeps) the lease on `site`'s dynamic webhooks until `until`: granted when
    /// the site has no row yet, `holder` holds it already, or its lease ended by `now`. One
    /// conditional statement, so of replicas asking at once one wins. `Some`: the caller
    /// holds it, with what is stored (an empty registration for a new site).
    async fn lease_webhook_site(
        &self,
        site: &str,
        holder: &LeaseHolder,
        now: UnixMillis,
        until: UnixMillis,
    ) -> Result<Option<WebhookRegistration>, ServeError>;
    /// Stores `registration` only while `holder` holds its site's lease (whatever the
    /// clock says: a holder whose lease ran out but was not taken over may still store).
    /// `false`: another replica took the lease, and nothing was stored.
    async fn store_webhook_registration(
        &self,
        holder: &LeaseHolder,
        registration: &WebhookRegistration,
    ) -> Result<bool, ServeError>;
    /// Ends `holder`'s lease on `site` (a replica stopping), so another takes over at once.
    async fn release_webhook_site(
        &self,
        site: &str,
        holder: &LeaseHolder,
    ) -> Result<(), ServeError>;
    /// Every site's registration, ordered by site.
    async fn webhook_registrations(&self) -> Result<Vec<WebhookRegistration>, ServeError>;
}

/// The limits of serve state, each explicit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeLimits {
    pub queue: QueueLimits,
    /// How long a claim lasts before another claimer may take the event, unless its claimer
    /// renews it ([`ServeState::renew`]). Short, so a claimer that died (kill -9, a lost
    /// node) holds its events for at most this long; a live claimer renews well inside it.
    pub lease: Duration,
    /// How long a delivery id is remembered. Jira retries a failed delivery for minutes to
    /// hours; three days covers that with room, and bounds the table by three days of traffic.
    pub delivery_retention: Duration,
    /// How long a job (its counts for `job_stats`) is remembered after its push, until
    /// `purge_jobs` forgets it. An app asks about a job while it runs: minutes, or hours
    /// with delays and retries (at most 15 minutes each); seven days covers that with room
    /// and, with `QueueLimits::max_jobs_per_installation`, bounds the job table.
    pub job_retention: Duration,
}

impl Default for ServeLimits {
    fn default() -> Self {
        Self {
            queue: QueueLimits::default(),
            lease: Duration::from_secs(15),
            delivery_retention: Duration::from_secs(72 * 3600),
            job_retention: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// Serve state: the operations `runtime serve` calls, over a backend.
#[derive(Clone)]
pub struct ServeState {
    backend: Arc<dyn ServeBackend>,
    limits: ServeLimits,
}

impl ServeState {
    pub fn new(backend: Arc<dyn ServeBackend>, limits: ServeLimits) -> Self {
        Self { backend, limits }
    }

    pub fn limits(&self) -> &ServeLimits {
        &self.limits
    }

    pub fn backend(&self) -> &Arc<dyn ServeBackend> {
        &self.backend
    }

    /// Records `record`, announcing nothing.
    pub async fn install(&self, record: &InstallRecord) -> Result<(), ServeError> {
        self.backend
            .install(
                record,
                LifecycleEvents::NONE,
                &self.limits.queue,
                UnixMillis(0),
            )
            .await
            .map(drop)
    }

    /// Records an approval and queues, in the same transaction, the lifecycle events of what
    /// it changed (`lifecycle`: the events each change would raise). Returns the change.
    pub async fn install_announcing(
        &self,
        record: &InstallRecord,
        lifecycle: &LifecycleEvents,
        now: UnixMillis,
    ) -> Result<LifecycleChange, ServeError> {
        let (bytes, max) = (
            lifecycle.largest_payload(),
            self.limits.queue.max_payload_bytes,
        );
        if bytes > max {
            return Err(ServeError::PayloadTooLarge { bytes, max });
        }
        self.backend
            .install(record, lifecycle, &self.limits.queue, now)
            .await
    }

    pub async fn uninstall(&self, installation: &Installation) -> Result<bool, ServeError> {
        self.backend.uninstall(installation).await
    }

    pub async fn pause(&self, installation: &Installation) -> Result<bool, ServeError> {
        self.backend.set_paused(installation, true).await
    }

    pub async fn resume(&self, installation: &Installation) -> Result<bool, ServeError> {
        self.backend.set_paused(installation, false).await
    }

    /// Holds the installation unless it was approved again since `seen` was read.
    pub async fn hold(&self, seen: &InstallRecord, hold: &Hold) -> Result<bool, ServeError> {
        self.backend.hold(seen, hold).await
    }

    pub async fn installation(
        &self,
        installation: &Installation,
    ) -> Result<Option<InstallRecord>, ServeError> {
        self.backend.get_installation(installation).await
    }

    pub async fn list_installations(&self) -> Result<Vec<InstallRecord>, ServeError> {
        self.backend.list_installations().await
    }

    /// Issues a new web trigger id for the module, replacing (revoking) any earlier one. The
    /// returned id is the only copy: only its hash is stored.
    pub async fn issue_web_trigger(
        &self,
        installation: &Installation,
        module_key: &ModuleKey,
        now: UnixMillis,
    ) -> Result<WebTriggerId, ServeError> {
        let id = WebTriggerId::generate()?;
        self.backend
            .put_web_trigger(installation, module_key, &id.hash(), now)
            .await?;
        Ok(id)
    }

    /// Issues an id for the module only if it has none (the first start of an installation,
    /// a module added by an upgrade): `None` when it has one already, which stays valid. Safe
    /// when replicas start together: exactly one of them issues (and can print) the id.
    pub async fn issue_web_trigger_if_absent(
        &self,
        installation: &Installation,
        module_key: &ModuleKey,
        now: UnixMillis,
    ) -> Result<Option<WebTriggerId>, ServeError> {
        let id = WebTriggerId::generate()?;
        Ok(self
            .backend
            .add_web_trigger(installation, module_key, &id.hash(), now)
            .await?
            .then_some(id))
    }

    /// Whose trigger the id in a request's URL is. Malformed text is a typed error before
    /// any lookup; an unknown or revoked id is `None`.
    pub async fn resolve_web_trigger(
        &self,
        presented: &str,
    ) -> Result<Option<ResolvedWebTrigger>, ServeError> {
        let id = WebTriggerId::parse(presented)?;
        self.backend.resolve_web_trigger(&id.hash()).await
    }

    pub async fn revoke_web_trigger(
        &self,
        installation: &Installation,
        module_key: &ModuleKey,
    ) -> Result<bool, ServeError> {
        self.backend
            .revoke_web_trigger(installation, module_key)
            .await
    }

    /// Records a delivery for [`ServeLimits::delivery_retention`]. Prefer
    /// [`ServeState::accept_delivery`], which records and queues in one transaction.
    pub async fn record_delivery(
        &self,
        delivery: &DeliveryKey,
        now: UnixMillis,
    ) -> Result<DeliveryOutcome, ServeError> {
        let expires = now.plus(self.limits.delivery_retention);
        self.backend.record_delivery(delivery, now, expires).await
    }

    pub async fn purge_deliveries(&self, now: UnixMillis) -> Result<u64, ServeError> {
        self.backend.purge_deliveries(now).await
    }

    /// Claims `interval_start` for the trigger: `Claimed` for exactly one caller.
    pub async fn claim_interval(
        &self,
        installation: &Installation,
        trigger_key: &ModuleKey,
        interval_start: UnixMillis,
    ) -> Result<IntervalClaim, ServeError> {
        self.backend
            .claim_interval(installation, trigger_key, interval_start)
            .await
    }

    /// The scheduler's one call per tick: claims the interval `now` falls in. `Some(start)`:
    /// this caller runs the trigger once for it. After downtime the first tick claims the
    /// current interval only, so missed intervals cost one run, not one per missed tick.
    pub async fn claim_due(
        &self,
        installation: &Installation,
        trigger_key: &ModuleKey,
        interval: ScheduleInterval,
        now: UnixMillis,
    ) -> Result<Option<UnixMillis>, ServeError> {
        let start = interval.current_start(now);
        Ok(
            match self
                .claim_interval(installation, trigger_key, start)
                .await?
            {
                IntervalClaim::Claimed => Some(start),
                IntervalClaim::AlreadyClaimed { .. } => None,
            },
        )
    }

    /// A scheduled trigger's run for `interval_start`: the interval is claimed and the run
    /// queued together, and only while no earlier run of the trigger is queued or running,
    /// on any replica (see [`ScheduledRun`]).
    pub async fn queue_scheduled_run(
        &self,
        interval_start: UnixMillis,
        event: &NewEvent,
        now: UnixMillis,
    ) -> Result<ScheduledRun, ServeError> {
        self.check_payloads(std::slice::from_ref(event))?;
        self.backend
            .queue_scheduled_run(interval_start, event, &self.limits.queue, now)
            .await
    }

    /// Queues events (a web trigger request, a scheduled run).
    pub async fn enqueue(
        &self,
        events: &[NewEvent],
        now: UnixMillis,
    ) -> Result<Vec<EventId>, ServeError> {
        self.check_payloads(events)?;
        match self
            .backend
            .enqueue(None, events, &self.limits.queue, now)
            .await?
        {
            EnqueueOutcome::Accepted(ids) => Ok(ids),
            EnqueueOutcome::Duplicate => Err(ServeError::Corrupt("duplicate without a delivery")),
        }
    }

    /// A webhook delivery's events, deduplicated by the delivery and queued in one
    /// transaction: either the delivery is recorded and every event stored, or (queue full,
    /// crash) neither, so Jira's retry is accepted later and nothing is lost or doubled.
    pub async fn accept_delivery(
        &self,
        delivery: &DeliveryKey,
        events: &[NewEvent],
        now: UnixMillis,
    ) -> Result<EnqueueOutcome, ServeError> {
        self.check_payloads(events)?;
        let expires = now.plus(self.limits.delivery_retention);
        self.backend
            .enqueue(Some((delivery, expires)), events, &self.limits.queue, now)
            .await
    }

    /// [`accept_delivery`](Self::accept_delivery), claiming up to `max_claims` events (by
    /// [`claim`](Self::claim)'s rules) in the same transaction, and returning before it
    /// commits: the caller starts the claimed events while the commit's fsync runs, and
    /// answers the delivery (and records the events' outcomes) once it landed
    /// ([`ClaimingEnqueue`]). This takes the commit's wait out of "received → handler
    /// entered" without accepting anything before it is durable.
    pub async fn accept_delivery_claiming(
        &self,
        delivery: &DeliveryKey,
        events: &[NewEvent],
        now: UnixMillis,
        max_claims: usize,
    ) -> Result<ClaimingEnqueue, ServeError> {
        self.check_payloads(events)?;
        let expires = now.plus(self.limits.delivery_retention);
        self.backend
            .enqueue_claiming(
                Some((delivery, expires)),
                events,
                &self.limits.queue,
                now,
                now.plus(self.limits.lease),
                max_claims,
            )
            .await
    }

    fn check_payloads(&self, events: &[NewEvent]) -> Result<(), ServeError> {
        let max = self.limits.queue.max_payload_bytes;
        match events.iter().find(|e| e.payload.len() > max) {
            Some(e) => Err(ServeError::PayloadTooLarge {
                bytes: e.payload.len(),
                max,
            }),
            None => Ok(()),
        }
    }

    /// Claims the next event under a lease of [`ServeLimits::lease`], or `None`.
    pub async fn claim(&self, now: UnixMillis) -> Result<Option<ClaimedEvent>, ServeError> {
        self.backend
            .claim(&self.limits.queue, now, now.plus(self.limits.lease))
            .await
    }

    /// The claimer's heartbeat: the lease now lasts [`ServeLimits::lease`] from `now`, if it
    /// is still the caller's. `LeaseLost`: stop treating the event as yours — another claimer
    /// has it (or it is gone), and a later `complete` or `fail` would change nothing.
    pub async fn renew(&self, lease: Lease, now: UnixMillis) -> Result<LeaseRenewal, ServeError> {
        self.backend.renew(lease, now.plus(self.limits.lease)).await
    }

    /// How often a claimer renews: a third of the lease, so two heartbeats in a row can be
    /// late or fail (a busy database, a slow pool) before the lease lapses.
    pub fn heartbeat(&self) -> Duration {
        self.limits.lease / 3
    }

    pub async fn complete(&self, lease: Lease) -> Result<LeaseOutcome, ServeError> {
        self.backend.complete(lease).await
    }

    /// The attempt failed: retry after backoff, or dead-letter when retries are used up.
    pub async fn fail(
        &self,
        lease: Lease,
        error: &str,
        now: UnixMillis,
    ) -> Result<LeaseOutcome, ServeError> {
        let error = queue::bounded_error(error);
        self.backend
            .fail(lease, &error, &self.limits.queue, now)
            .await
    }

    /// The consumer asked for its event again after `after` (Forge's `InvocationError` with
    /// `retryAfter`, `retryReason`, `retryData`): an attempt like a failure (dead when
    /// [`QueueLimits::max_attempts`] claims are used up; the default 5 is Forge's first
    /// attempt and 4 retries), run again after the consumer's delay, raised from 0 to 1 s
    /// and capped at [`QueueLimits::max_retry_after`], and handing `reason` and `data` to
    /// the next claim ([`ClaimedEvent::retry`]). A reason over
    /// [`MAX_RETRY_REASON_BYTES`] or data over [`MAX_RETRY_DATA_BYTES`] is refused
    /// ([`JobError`]) and nothing changes: the caller then fails the event plainly.
    /// The attempt failed and must not run again (a queue event whose consumer failed on
    /// its own terms): dead-lettered now, whatever attempts are left, and counted as failed
    /// in its job. `LeaseLost` as [`ServeState::fail`].
    pub async fn fail_for_good(
        &self,
        lease: Lease,
        error: &str,
        now: UnixMillis,
    ) -> Result<LeaseOutcome, ServeError> {
        let error = queue::bounded_error(error);
        // `fail`'s own rule, with no attempt left after this one.
        let last_attempt = QueueLimits {
            max_attempts: lease.attempt,
            ..self.limits.queue
        };
        self.backend.fail(lease, &error, &last_attempt, now).await
    }

    pub async fn retry_later(
        &self,
        lease: Lease,
        after: Duration,
        reason: &str,
        data: Option<&str>,
        now: UnixMillis,
    ) -> Result<LeaseOutcome, ServeError> {
        let request =
            job::RetryRequest::new(after, reason, data, self.limits.queue.max_retry_after)?;
        self.backend
            .retry_later(
                lease,
                now.plus(request.after),
                request.reason,
                request.data,
                &self.limits.queue,
            )
            .await
    }

    /// The progress of `installation`'s job (Forge's `getStats()`); `None` when it has no
    /// such job (never pushed, pushed by another installation, purged, or uninstalled).
    pub async fn job_stats(
        &self,
        installation: &Installation,
        job: &JobKey,
    ) -> Result<Option<JobStats>, ServeError> {
        self.backend.job_stats(installation, job).await
    }

    /// Cancels `installation`'s job (Forge's `cancel()`): its events that are not leased are
    /// removed (how many: `Some(n)`), leased ones finish, and one of them that fails is not
    /// retried. Removed events count nowhere in [`JobStats`]. `None`: no such job.
    pub async fn cancel_job(
        &self,
        installation: &Installation,
        job: &JobKey,
    ) -> Result<Option<u64>, ServeError> {
        self.backend.cancel_job(installation, job).await
    }

    /// Forgets jobs pushed [`ServeLimits::job_retention`] or longer before `now`; returns
    /// how many. Their events, if any are still queued, run on uncounted.
    pub async fn purge_jobs(&self, now: UnixMillis) -> Result<u64, ServeError> {
        let ms = i64::try_from(self.limits.job_retention.as_millis()).unwrap_or(i64::MAX);
        self.backend
            .purge_jobs(UnixMillis(now.0.saturating_sub(ms)))
            .await
    }

    pub async fn dead_letters(&self, limit: u32) -> Result<Vec<DeadLetter>, ServeError> {
        self.backend.dead_letters(limit).await
    }

    pub async fn discard_dead_letter(&self, event: EventId) -> Result<bool, ServeError> {
        self.backend.discard_dead_letter(event).await
    }

    pub async fn queue_depth(&self) -> Result<u64, ServeError> {
        self.backend.queue_depth().await
    }

    /// Takes or keeps the site's webhook lease for `lease` from `now`, which the caller sizes
    /// to its own cadence (see [`ServeBackend::lease_webhook_site`]).
    pub async fn lease_webhook_site(
        &self,
        site: &str,
        holder: &LeaseHolder,
        now: UnixMillis,
        lease: Duration,
    ) -> Result<Option<WebhookRegistration>, ServeError> {
        checked_site(site)?;
        self.backend
            .lease_webhook_site(site, holder, now, now.plus(lease))
            .await
    }

    /// Stores what Jira answered, only while `holder` holds the site's lease.
    pub async fn store_webhook_registration(
        &self,
        holder: &LeaseHolder,
        registration: &WebhookRegistration,
    ) -> Result<bool, ServeError> {
        registration.check()?;
        let mut bounded = registration.clone();
        bounded.last_error = registration.bounded_error();
        self.backend
            .store_webhook_registration(holder, &bounded)
            .await
    }

    pub async fn release_webhook_site(
        &self,
        site: &str,
        holder: &LeaseHolder,
    ) -> Result<(), ServeError> {
        self.backend.release_webhook_site(site, holder).await
    }

    pub async fn webhook_registrations(&self) -> Result<Vec<WebhookRegistration>, ServeError> {
        self.backend.webhook_registrations().await
    }
}

fn checked_site(site: &str) -> Result<(), ServeError> {
    types::checked_name("site", site.to_owned())?;
    Ok(())
}
