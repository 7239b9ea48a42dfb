//! Serve state in memory, for tests and `--state memory`: the same rules as the SQLite
//! backend (the contract suite runs against both), one mutex for atomicity, nothing kept
//! across restarts.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use tokio::sync::Mutex;

use super::job::{HOST_RETRY_REASON, JobKey, JobStats, RetryInfo};
use super::lifecycle::{LifecycleChange, LifecycleEvents, Replaced};
use super::queue::{
    ClaimedEvent, DeadLetter, EventId, Lease, LeaseOutcome, LeaseRenewal, NewEvent, QueueBound,
    QueueFull, QueueLimits,
};
use super::schedule::{IntervalClaim, ScheduledRun};
use super::types::{DeliveryKey, DeliveryOutcome, Hold, InstallRecord, ModuleKey, UnixMillis};
use super::web_trigger::WebTriggerIdHash;
use super::webhook_registration::{LeaseHolder, WebhookRegistration};
use super::{EnqueueOutcome, ResolvedWebTrigger, ServeBackend, ServeError};
use crate::installation::Installation;

#[derive(Debug, Default)]
pub struct MemoryServeBackend {
    inner: Mutex<Inner>,
}

impl MemoryServeBackend {
    pub fn new() -> Self {
        Self::default()
    }
}

#[derive(Debug, Default)]
struct Inner {
    /// Order of first installation, never reused: the claim's tie-break, as SQLite's row id.
    ordinals: HashMap<Installation, u64>,
    registry: BTreeMap<Installation, Registered>,
    triggers: HashMap<WebTriggerIdHash, (Installation, ModuleKey)>,
    trigger_of_module: HashMap<(Installation, ModuleKey), WebTriggerIdHash>,
    deliveries: HashMap<DeliveryKey, i64>,
    schedules: HashMap<(Installation, ModuleKey), i64>,
    events: BTreeMap<i64, Event>,
    next_event: i64,
    total_depth: u64,
    served: u64,
    /// By site, ordered as the SQL backends list them.
    webhook_sites: BTreeMap<String, WebhookSite>,
    jobs: BTreeMap<(Installation, JobKey), Job>,
}

/// A job's row: what is no longer stored as events.
#[derive(Debug)]
struct Job {
    succeeded: u64,
    discarded: u64,
    created_at: i64,
}

#[derive(Debug)]
struct Registered {
    record: InstallRecord,
    depth: u64,
    last_served: u64,
    jobs: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Ready,
    Leased,
    Dead,
}

#[derive(Debug)]
struct Event {
    installation: Installation,
    module_key: ModuleKey,
    payload: Vec<u8>,
    state: State,
    attempts: u32,
    available_at: i64,
    lease_expires_at: i64,
    last_error: String,
    enqueued_at: i64,
    not_before: Option<UnixMillis>,
    job: Option<JobKey>,
    retry_reason: Option<String>,
    retry_data: Option<String>,
    /// Its job was cancelled while it was stored: a failure ends it (`job_cancelled`).
    job_cancelled: bool,
}

impl Event {
    fn claimable(&self, now: i64) -> bool {
        match self.state {
            State::Ready => self.available_at <= now,
            State::Leased => self.lease_expires_at <= now && !self.job_cancelled,
            State::Dead => false,
        }
    }
}

impl Inner {
    fn record_delivery(
        &mut self,
        key: &DeliveryKey,
        now: UnixMillis,
        expires_at: UnixMillis,
    ) -> DeliveryOutcome {
        match self.deliveries.get(key) {
            Some(&expires) if expires > now.0 => DeliveryOutcome::Duplicate,
            _ => {
                self.deliveries.insert(key.clone(), expires_at.0);
                DeliveryOutcome::First
            }
        }
    }

    /// The queue's bounds for `events`, checked before anything changes (all or nothing, as
    /// one transaction).
    fn check_bounds(&self, events: &[NewEvent], limits: &QueueLimits) -> Result<(), ServeError> {
        let mut added: HashMap<&Installation, u64> = HashMap::new();
        for event in events {
            let Some(registered) = self.registry.get(&event.installation) else {
                return Err(ServeError::NotInstalled);
            };
            let count = added.entry(&event.installation).or_default();
            *count += 1;
            if registered.depth + *count > limits.max_per_installation {
                return Err(QueueFull {
                    bound: QueueBound::Installation,
                    limit: limits.max_per_installation,
                }
                .into());
            }
        }
        if self.total_depth + events.len() as u64 > limits.max_total {
            return Err(QueueFull {
                bound: QueueBound::Total,
                limit: limits.max_total,
            }
            .into());
        }
        let mut new_jobs: HashMap<&Installation, u64> = HashMap::new();
        for (installation, job) in super::sql_backend::jobs_of(events) {
            if !self.jobs.contains_key(&(installation.clone(), job.clone())) {
                *new_jobs.entry(installation).or_default() += 1;
            }
        }
        for (installation, count) in new_jobs {
            let held = self.registry.get(installation).map_or(0, |r| r.jobs);
            if held + count > limits.max_jobs_per_installation {
                return Err(QueueFull {
                    bound: QueueBound::Jobs,
                    limit: limits.max_jobs_per_installation,
                }
                .into());
            }
        }
        Ok(())
    }

    /// Stores events [`Inner::check_bounds`] accepted.
    fn store(&mut self, events: &[NewEvent], now: UnixMillis) -> Vec<EventId> {
        let mut ids = Vec::with_capacity(events.len());
        for event in events {
            self.next_event += 1;
            let id = self.next_event;
            self.events.insert(
                id,
                Event {
                    installation: event.installation.clone(),
                    module_key: event.module_key.clone(),
                    payload: event.payload.clone(),
                    state: State::Ready,
                    attempts: 0,
                    available_at: event.not_before.map_or(now.0, |t| t.0),
                    lease_expires_at: 0,
                    last_error: String::new(),
                    enqueued_at: now.0,
                    not_before: event.not_before,
                    job: event.job.clone(),
                    retry_reason: None,
                    retry_data: None,
                    job_cancelled: false,
                },
            );
            if let Some(job) = &event.job
                && let std::collections::btree_map::Entry::Vacant(slot) =
                    self.jobs.entry((event.installation.clone(), job.clone()))
            {
                slot.insert(Job {
                    succeeded: 0,
                    discarded: 0,
                    created_at: now.0,
                });
                if let Some(registered) = self.registry.get_mut(&event.installation) {
                    registered.jobs += 1;
                }
            }
            if let Some(registered) = self.registry.get_mut(&event.installation) {
                registered.depth += 1;
            }
            self.total_depth += 1;
            ids.push(EventId(id));
        }
        ids
    }

    /// Raises a counter of the event's job (`count`), if it has one still remembered.
    fn count_job(&mut self, event: &Event, count: impl FnOnce(&mut Job)) {
        if let Some(job) = &event.job
            && let Some(row) = self
                .jobs
                .get_mut(&(event.installation.clone(), job.clone()))
        {
            count(row);
        }
    }

    /// Ends a leased attempt that did not complete (`fail`, `retry_later`), as `FAIL_EVENT`.
    fn end_attempt(
        &mut self,
        lease: Lease,
        retry_at: UnixMillis,
        error: &str,
        retry: Option<(&str, Option<&str>)>,
        limits: &QueueLimits,
    ) -> LeaseOutcome {
        let Some(event) = self
            .events
            .get_mut(&lease.event.0)
            .filter(|e| e.state == State::Leased && e.attempts == lease.attempt)
        else {
            return LeaseOutcome::LeaseLost;
        };
        event.last_error = error.to_owned();
        event.available_at = retry_at.0;
        event.retry_reason = retry.map(|(reason, _)| reason.to_owned());
        event.retry_data = retry.and_then(|(_, data)| data.map(str::to_owned));
        if event.attempts >= limits.max_attempts || event.job_cancelled {
            event.state = State::Dead;
            LeaseOutcome::Dead
        } else {
            event.state = State::Ready;
            LeaseOutcome::Retrying { at: retry_at }
        }
    }

    fn remove_event(&mut self, id: i64) -> Option<Event> {
        let event = self.events.remove(&id)?;
        if let Some(registered) = self.registry.get_mut(&event.installation) {
            registered.depth = registered.depth.saturating_sub(1);
        }
        self.total_depth = self.total_depth.saturating_sub(1);
        Some(event)
    }
}

#[async_trait]
impl ServeBackend for MemoryServeBackend {
    async fn install(
        &self,
        record: &InstallRecord,
        lifecycle: &LifecycleEvents,
        limits: &QueueLimits,
        now: UnixMillis,
    ) -> Result<LifecycleChange, ServeError> {
        let mut inner = self.inner.lock().await;
        let next = inner.ordinals.len() as u64;
        inner
            .ordinals
            .entry(record.installation.clone())
            .or_insert(next);
        let replaced = inner
            .registry
            .get(&record.installation)
            .map(|registered| Replaced {
                approved: registered
                    .record
                    .approval
                    .as_ref()
                    .map(|a| a.component.clone()),
                held: registered.record.hold.is_some(),
            });
        let change = LifecycleChange::of(replaced.as_ref(), record);
        match inner.registry.get_mut(&record.installation) {
            Some(registered) => registered.record = record.clone(),
            None => {
                inner.registry.insert(
                    record.installation.clone(),
                    Registered {
                        record: record.clone(),
                        depth: 0,
                        last_served: 0,
                        jobs: 0,
                    },
                );
            }
        }
        let raised = lifecycle.raised_by(change, &record.installation);
        if !raised.is_empty() {
            // Checked once the record is in, whose events they are; the bounds are lifted.
            inner.check_bounds(&raised, &LifecycleEvents::unbounded(limits))?;
            inner.store(&raised, now);
        }
        Ok(change)
    }

    async fn uninstall(&self, installation: &Installation) -> Result<bool, ServeError> {
        let mut inner = self.inner.lock().await;
        let Some(registered) = inner.registry.remove(installation) else {
            return Ok(false);
        };
        inner
            .trigger_of_module
            .retain(|(owner, _), _| owner != installation);
        inner.triggers.retain(|_, (owner, _)| owner != installation);
        inner
            .schedules
            .retain(|(owner, _), _| owner != installation);
        inner
            .events
            .retain(|_, event| &event.installation != installation);
        inner.jobs.retain(|(owner, _), _| owner != installation);
        inner.total_depth = inner.total_depth.saturating_sub(registered.depth);
        Ok(true)
    }

    async fn set_paused(
        &self,
        installation: &Installation,
        paused: bool,
    ) -> Result<bool, ServeError> {
        let mut inner = self.inner.lock().await;
        Ok(match inner.registry.get_mut(installation) {
            Some(registered) => {
                registered.record.paused = paused;
                true
            }
            None => false,
        })
    }

    async fn hold(&self, seen: &InstallRecord, hold: &Hold) -> Result<bool, ServeError> {
        let mut inner = self.inner.lock().await;
        Ok(match inner.registry.get_mut(&seen.installation) {
            Some(registered)
                if registered.record.approval.as_ref().map(|a| &a.component)
                    == seen.approval.as_ref().map(|a| &a.component)
                    && registered.record.grant == seen.grant =>
            {
                registered.record.hold = Some(hold.clone());
                true
            }
            _ => false,
        })
    }

    async fn get_installation(
        &self,
        installation: &Installation,
    ) -> Result<Option<InstallRecord>, ServeError> {
        let inner = self.inner.lock().await;
        Ok(inner.registry.get(installation).map(|r| r.record.clone()))
    }

    async fn list_installations(&self) -> Result<Vec<InstallRecord>, ServeError> {
        let inner = self.inner.lock().await;
        Ok(inner.registry.values().map(|r| r.record.clone()).collect())
    }

    async fn put_web_trigger(
        &self,
        installation: &Installation,
        module_key: &ModuleKey,
        hash: &WebTriggerIdHash,
        _now: UnixMillis,
    ) -> Result<(), ServeError> {
        let mut inner = self.inner.lock().await;
        if !inner.registry.contains_key(installation) {
            return Err(ServeError::NotInstalled);
        }
        let owner = (installation.clone(), module_key.clone());
        if let Some(old) = inner.trigger_of_module.insert(owner.clone(), *hash) {
            inner.triggers.remove(&old);
        }
        inner.triggers.insert(*hash, owner);
        Ok(())
    }

    async fn add_web_trigger(
        &self,
        installation: &Installation,
        module_key: &ModuleKey,
        hash: &WebTriggerIdHash,
        _now: UnixMillis,
    ) -> Result<bool, ServeError> {
        let mut inner = self.inner.lock().await;
        if !inner.registry.contains_key(installation) {
            return Err(ServeError::NotInstalled);
        }
        let owner = (installation.clone(), module_key.clone());
        if inner.trigger_of_module.contains_key(&owner) {
            return Ok(false);
        }
        inner.trigger_of_module.insert(owner.clone(), *hash);
        inner.triggers.insert(*hash, owner);
        Ok(true)
    }

    async fn resolve_web_trigger(
        &self,
        hash: &WebTriggerIdHash,
    ) -> Result<Option<ResolvedWebTrigger>, ServeError> {
        let inner = self.inner.lock().await;
        let Some((installation, module_key)) = inner.triggers.get(hash) else {
            return Ok(None);
        };
        let stored = inner
            .trigger_of_module
            .get(&(installation.clone(), module_key.clone()));
        if !stored.is_some_and(|stored| stored.matches(hash)) {
            return Ok(None);
        }
        let record = inner.registry.get(installation).map(|r| &r.record);
        Ok(Some(ResolvedWebTrigger {
            installation: installation.clone(),
            module_key: module_key.clone(),
            paused: record.is_some_and(|r| r.paused),
            held: record.is_none_or(|r| r.hold.is_some() || r.approval.is_none()),
            approved_component: record
                .and_then(|r| r.approval.as_ref())
                .map(|a| a.component.clone()),
        }))
    }

    async fn revoke_web_trigger(
        &self,
        installation: &Installation,
        module_key: &ModuleKey,
    ) -> Result<bool, ServeError> {
        let mut inner = self.inner.lock().await;
        match inner
            .trigger_of_module
            .remove(&(installation.clone(), module_key.clone()))
        {
            Some(hash) => {
                inner.triggers.remove(&hash);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn record_delivery(
        &self,
        delivery: &DeliveryKey,
        now: UnixMillis,
        expires_at: UnixMillis,
    ) -> Result<DeliveryOutcome, ServeError> {
        Ok(self
            .inner
            .lock()
            .await
            .record_delivery(delivery, now, expires_at))
    }

    async fn purge_deliveries(&self, now: UnixMillis) -> Result<u64, ServeError> {
        let mut inner = self.inner.lock().await;
        let before = inner.deliveries.len();
        inner.deliveries.retain(|_, expires| *expires > now.0);
        Ok((before - inner.deliveries.len()) as u64)
    }

    async fn claim_interval(
        &self,
        installation: &Installation,
        trigger_key: &ModuleKey,
        interval_start: UnixMillis,
    ) -> Result<IntervalClaim, ServeError> {
        let mut inner = self.inner.lock().await;
        if !inner.registry.contains_key(installation) {
            return Err(ServeError::NotInstalled);
        }
        let last = inner
            .schedules
            .entry((installation.clone(), trigger_key.clone()))
            .or_insert(i64::MIN);
        if *last < interval_start.0 {
            *last = interval_start.0;
            Ok(IntervalClaim::Claimed)
        } else {
            Ok(IntervalClaim::AlreadyClaimed {
                last: UnixMillis(*last),
            })
        }
    }

    async fn queue_scheduled_run(
        &self,
        interval_start: UnixMillis,
        event: &NewEvent,
        limits: &QueueLimits,
        now: UnixMillis,
    ) -> Result<ScheduledRun, ServeError> {
        let mut inner = self.inner.lock().await;
        if !inner.registry.contains_key(&event.installation) {
            return Err(ServeError::NotInstalled);
        }
        let owner = (event.installation.clone(), event.module_key.clone());
        let last = inner.schedules.get(&owner).copied().unwrap_or(i64::MIN);
        if last >= interval_start.0 {
            return Ok(ScheduledRun::AlreadyClaimed {
                last: UnixMillis(last),
            });
        }
        if inner.events.values().any(|e| {
            e.state != State::Dead
                && e.installation == event.installation
                && e.module_key == event.module_key
        }) {
            return Ok(ScheduledRun::StillRunning);
        }
        inner.check_bounds(std::slice::from_ref(event), limits)?;
        inner.schedules.insert(owner, interval_start.0);
        let ids = inner.store(std::slice::from_ref(event), now);
        ids.first()
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
        let mut inner = self.inner.lock().await;
        // A duplicate is answered before the bounds, as the SQLite transaction does.
        if let Some((key, _)) = delivery
            && inner
                .deliveries
                .get(key)
                .is_some_and(|expires| *expires > now.0)
        {
            return Ok(EnqueueOutcome::Duplicate);
        }
        inner.check_bounds(events, limits)?;
        if let Some((key, expires_at)) = delivery {
            inner.record_delivery(key, now, expires_at);
        }
        Ok(EnqueueOutcome::Accepted(inner.store(events, now)))
    }

    async fn claim(
        &self,
        limits: &QueueLimits,
        now: UnixMillis,
        lease_until: UnixMillis,
    ) -> Result<Option<ClaimedEvent>, ServeError> {
        let mut guard = self.inner.lock().await;
        let inner = &mut *guard;
        let mut live_leases: HashMap<String, u32> = HashMap::new();
        for event in inner.events.values_mut() {
            if event.state == State::Leased
                && event.lease_expires_at <= now.0
                && (event.attempts >= limits.max_attempts || event.job_cancelled)
            {
                event.state = State::Dead;
                event.last_error = "lease expired".into();
            }
            if event.state == State::Leased && event.lease_expires_at > now.0 {
                *live_leases
                    .entry(event.installation.app_id().to_owned())
                    .or_default() += 1;
            }
        }
        let mut turn: Vec<(&Installation, &Registered)> = inner
            .registry
            .iter()
            .filter(|(inst, r)| {
                r.record.runnable()
                    && r.depth > 0
                    && live_leases.get(inst.app_id()).copied().unwrap_or(0)
                        < limits.max_leased_per_app
            })
            .collect();
        turn.sort_by_key(|(inst, r)| (r.last_served, inner.ordinals.get(*inst).copied()));
        let chosen = turn.iter().find_map(|(inst, _)| {
            inner
                .events
                .iter()
                .find(|(_, e)| &e.installation == *inst && e.claimable(now.0))
                .map(|(id, _)| *id)
        });
        let Some(id) = chosen else {
            return Ok(None);
        };
        inner.served += 1;
        let served = inner.served;
        let Some(event) = inner.events.get_mut(&id) else {
            return Ok(None);
        };
        let Some(record) = inner
            .registry
            .get(&event.installation)
            .map(|r| r.record.clone())
        else {
            return Err(ServeError::Corrupt("a queued event's installation"));
        };
        if event.state == State::Leased {
            // Its claimer died: that attempt asked for nothing (`clear_lapsed_retry!`).
            event.retry_reason = None;
            event.retry_data = None;
        }
        event.state = State::Leased;
        event.attempts += 1;
        event.lease_expires_at = lease_until.0;
        let retry = (event.attempts > 1).then(|| match &event.retry_reason {
            Some(reason) => RetryInfo {
                reason: reason.clone(),
                data: event.retry_data.clone(),
            },
            None => RetryInfo {
                reason: HOST_RETRY_REASON.to_owned(),
                data: None,
            },
        });
        let claimed = ClaimedEvent {
            lease: Lease {
                event: EventId(id),
                attempt: event.attempts,
            },
            installation: event.installation.clone(),
            record,
            module_key: event.module_key.clone(),
            payload: event.payload.clone(),
            enqueued_at: UnixMillis(event.enqueued_at),
            lease_expires_at: lease_until,
            not_before: event.not_before,
            job: event.job.clone(),
            retry,
        };
        if let Some(registered) = inner.registry.get_mut(&claimed.installation) {
            registered.last_served = served;
        }
        Ok(Some(claimed))
    }

    async fn renew(&self, lease: Lease, until: UnixMillis) -> Result<LeaseRenewal, ServeError> {
        let mut inner = self.inner.lock().await;
        match inner
            .events
            .get_mut(&lease.event.0)
            .filter(|e| e.state == State::Leased && e.attempts == lease.attempt)
        {
            Some(event) => {
                event.lease_expires_at = until.0;
                Ok(LeaseRenewal::Renewed { until })
            }
            None => Ok(LeaseRenewal::LeaseLost),
        }
    }

    async fn complete(&self, lease: Lease) -> Result<LeaseOutcome, ServeError> {
        let mut inner = self.inner.lock().await;
        let current = inner
            .events
            .get(&lease.event.0)
            .is_some_and(|e| e.state == State::Leased && e.attempts == lease.attempt);
        if !current {
            return Ok(LeaseOutcome::LeaseLost);
        }
        if let Some(event) = inner.remove_event(lease.event.0) {
            inner.count_job(&event, |job| job.succeeded += 1);
        }
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
        Ok(self
            .inner
            .lock()
            .await
            .end_attempt(lease, retry_at, error, None, limits))
    }

    async fn retry_later(
        &self,
        lease: Lease,
        retry_at: UnixMillis,
        reason: &str,
        data: Option<&str>,
        limits: &QueueLimits,
    ) -> Result<LeaseOutcome, ServeError> {
        Ok(self.inner.lock().await.end_attempt(
            lease,
            retry_at,
            reason,
            Some((reason, data)),
            limits,
        ))
    }

    async fn job_stats(
        &self,
        installation: &Installation,
        job: &JobKey,
    ) -> Result<Option<JobStats>, ServeError> {
        let inner = self.inner.lock().await;
        let Some(row) = inner.jobs.get(&(installation.clone(), job.clone())) else {
            return Ok(None);
        };
        let mut stats = JobStats {
            success: row.succeeded,
            in_progress: 0,
            failed: row.discarded,
        };
        for event in inner.events.values() {
            if &event.installation == installation && event.job.as_ref() == Some(job) {
                match event.state {
                    State::Dead => stats.failed += 1,
                    State::Ready | State::Leased => stats.in_progress += 1,
                }
            }
        }
        Ok(Some(stats))
    }

    async fn cancel_job(
        &self,
        installation: &Installation,
        job: &JobKey,
    ) -> Result<Option<u64>, ServeError> {
        let mut inner = self.inner.lock().await;
        if !inner
            .jobs
            .contains_key(&(installation.clone(), job.clone()))
        {
            return Ok(None);
        }
        for event in inner.events.values_mut() {
            if &event.installation == installation && event.job.as_ref() == Some(job) {
                event.job_cancelled = true;
            }
        }
        let ready: Vec<i64> = inner
            .events
            .iter()
            .filter(|(_, e)| {
                &e.installation == installation
                    && e.job.as_ref() == Some(job)
                    && e.state == State::Ready
            })
            .map(|(id, _)| *id)
            .collect();
        for id in &ready {
            inner.remove_event(*id);
        }
        Ok(Some(ready.len() as u64))
    }

    async fn purge_jobs(&self, created_by: UnixMillis) -> Result<u64, ServeError> {
        let mut inner = self.inner.lock().await;
        let expired: Vec<(Installation, JobKey)> = inner
            .jobs
            .iter()
            .filter(|(_, job)| job.created_at <= created_by.0)
            .map(|(key, _)| key.clone())
            .collect();
        for key in &expired {
            inner.jobs.remove(key);
            if let Some(registered) = inner.registry.get_mut(&key.0) {
                registered.jobs = registered.jobs.saturating_sub(1);
            }
        }
        Ok(expired.len() as u64)
    }

    async fn dead_letters(&self, limit: u32) -> Result<Vec<DeadLetter>, ServeError> {
        let inner = self.inner.lock().await;
        Ok(inner
            .events
            .iter()
            .filter(|(_, e)| e.state == State::Dead)
            .take(limit as usize)
            .map(|(id, e)| DeadLetter {
                event: EventId(*id),
                installation: e.installation.clone(),
                module_key: e.module_key.clone(),
                attempts: e.attempts,
                last_error: e.last_error.clone(),
                enqueued_at: UnixMillis(e.enqueued_at),
                job: e.job.clone(),
            })
            .collect())
    }

    async fn discard_dead_letter(&self, event: EventId) -> Result<bool, ServeError> {
        let mut inner = self.inner.lock().await;
        if !inner
            .events
            .get(&event.0)
            .is_some_and(|e| e.state == State::Dead)
        {
            return Ok(false);
        }
        if let Some(removed) = inner.remove_event(event.0) {
            inner.count_job(&removed, |job| job.discarded += 1);
        }
        Ok(true)
    }

    async fn queue_depth(&self) -> Result<u64, ServeError> {
        Ok(self.inner.lock().await.total_depth)
    }

    async fn lease_webhook_site(
        &self,
        site: &str,
        holder: &LeaseHolder,
        now: UnixMillis,
        until: UnixMillis,
    ) -> Result<Option<WebhookRegistration>, ServeError> {
        let mut inner = self.inner.lock().await;
        let row = inner
            .webhook_sites
            .entry(site.to_owned())
            .or_insert_with(|| WebhookSite {
                holder: holder.clone(),
                lease_until: UnixMillis(0),
                registration: WebhookRegistration::empty(site),
            });
        if row.holder != *holder && row.lease_until > now {
            return Ok(None);
        }
        row.holder = holder.clone();
        row.lease_until = until;
        Ok(Some(row.registration.clone()))
    }

    async fn store_webhook_registration(
        &self,
        holder: &LeaseHolder,
        registration: &WebhookRegistration,
    ) -> Result<bool, ServeError> {
        let mut inner = self.inner.lock().await;
        match inner.webhook_sites.get_mut(&registration.site) {
            Some(row) if row.holder == *holder => {
                row.registration = registration.clone();
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn release_webhook_site(
        &self,
        site: &str,
        holder: &LeaseHolder,
    ) -> Result<(), ServeError> {
        let mut inner = self.inner.lock().await;
        if let Some(row) = inner.webhook_sites.get_mut(site)
            && row.holder == *holder
        {
            row.lease_until = UnixMillis(0);
        }
        Ok(())
    }

    async fn webhook_registrations(&self) -> Result<Vec<WebhookRegistration>, ServeError> {
        let inner = self.inner.lock().await;
        Ok(inner
            .webhook_sites
            .values()
            .map(|row| row.registration.clone())
            .collect())
    }
}

/// A site's webhook row: its lease and what is registered.
#[derive(Debug)]
struct WebhookSite {
    holder: LeaseHolder,
    lease_until: UnixMillis,
    registration: WebhookRegistration,
}
