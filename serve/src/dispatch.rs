//! Queue workers: a bounded pool that claims events from the persistent queue and runs them.
//!
//! The queue (kiln-state) decides what runs next: the oldest event of the installation
//! served least recently (fairness), skipping apps at their concurrency limit
//! (`max_leased_per_app`), under a lease. A worker runs the event in a fresh instance and
//! then completes it (deleted) or fails it (retried with backoff, dead-lettered after the
//! last attempt). Delivery is **at least once**: an event whose worker died after the app
//! acted but before `complete` (kill -9, power loss) runs again when its lease expires.
//!
//! **Leases are held by a heartbeat.** A claim's lease is short (`limits.lease_seconds`, 15 s
//! by default) and the worker renews it every third of that while the handler runs, so an
//! invocation may run for as long as its app's timeout allows without another replica taking
//! its event, and a replica that dies frees its events one lease later, not one app timeout
//! later. If a renewal finds the lease lost (another replica claimed the event after a lapse:
//! a stalled process, a partition), or no renewal succeeds until the lease's end, the event is
//! no longer this worker's: the invocation is cancelled (its Store dropped, as after a
//! timeout) and nothing is recorded for it, since the other claimer now owns its outcome.
//!
//! **Run slots.** `limits.workers` permits bound the events this replica runs at once. A
//! worker holds one while it claims and runs; the webhook fast path (`webhook`: a delivery's
//! events claimed in the transaction that accepts it) takes idle ones, and starts its events
//! while that transaction's commit reaches the disk ([`CommitGate`]): their handlers are
//! entered without waiting for the fsync, and nothing about them (renewal, completion,
//! failure) is written until the commit landed. If it fails, the delivery was not accepted
//! (Jira sends it again), so the invocation is cancelled and nothing is recorded: the same
//! at-least-once as a worker that dies after the app acted.
//!
//! What is retried: a run the sandbox stopped (timeout, trap, limits) or could not start.
//! An app that *returned* an error is done: Forge does not retry a function that failed on
//! its own terms, and a retry would repeat whatever Jira writes it made before failing.
//! A queue event (`consumer` module) follows Forge's rule for async events
//! ([`kiln_runtime::events::EventOutcome`]): it also comes back when its consumer asks
//! (`InvocationError`), after the delay it asked for, with its `retryContext`; one that
//! failed on its own terms counts as failed in its job's stats (dead-lettered at once).

use std::sync::Arc;
use std::time::Duration;

use kiln_runtime::PayloadSource;
use kiln_runtime::events::outcome::UNKNOWN_ERROR_REASON;
use kiln_runtime::events::{Envelope, EventOutcome, RetryContext};
use kiln_state::serve::{ClaimedEvent, Lease, LeaseOutcome, LeaseRenewal, UnixMillis};
use tokio::sync::{OwnedSemaphorePermit, watch};

use crate::invocation::{TriggerKind, invocation_for};
use crate::metrics::InvocationLabels;
use crate::shared::Shared;

/// How long the idle worker that keeps the clock sleeps before looking again (retries come
/// due without a wake).
const IDLE_POLL: Duration = Duration::from_millis(250);

/// Whether the transaction that claimed an event has committed: until it has, the event's
/// lease does not exist for anyone else, so nothing about it may be written.
#[derive(Clone)]
pub struct CommitGate(Option<watch::Receiver<Option<bool>>>);

impl CommitGate {
    /// A claim whose transaction committed before it was handed over (a worker's).
    pub fn landed() -> Self {
        Self(None)
    }

    /// A gate opened by `commit`'s result; the sender says `Some(committed)` once.
    pub fn pending() -> (watch::Sender<Option<bool>>, Self) {
        let (send, receive) = watch::channel(None);
        (send, Self(Some(receive)))
    }

    /// Waits for the commit; `false` if it failed (or its task ended without saying).
    pub async fn committed(&self) -> bool {
        let Some(receiver) = &self.0 else {
            return true;
        };
        let mut receiver = receiver.clone();
        match receiver.wait_for(Option::is_some).await {
            Ok(state) => state.unwrap_or(false),
            Err(_) => false,
        }
    }
}

/// Runs until `stop` turns true; the event in hand is finished first.
pub async fn worker(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow() || shared.draining() {
            return;
        }
        let wake = shared.queued.notified();
        // A run slot first: the webhook fast path may hold them all.
        let slot = tokio::select! {
            slot = shared.run_slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => return,
            },
            _ = stop.changed() => continue,
        };
        match shared.state.claim(shared.clock.now()).await {
            Ok(Some(event)) => {
                // A relay: the queue may hold more, so the next idle worker looks. A
                // backlog found by the poll reaches every worker, one claim at a time,
                // without waking them all for one event.
                shared.queued.notify_one();
                run(&shared, event, CommitGate::landed(), slot).await
            }
            Ok(None) => {
                drop(slot);
                // One idle worker keeps the clock for what comes due unannounced (retries
                // after their backoff, leases lapsed on a dead replica); the others wait to
                // be woken. An idle replica makes one empty claim per poll, not one per
                // worker, and a delivery seldom finds the database's write lock taken.
                match shared.idle_poller.try_lock() {
                    Ok(_polling) => tokio::select! {
                        _ = wake => {}
                        _ = tokio::time::sleep(IDLE_POLL) => {}
                        _ = stop.changed() => {}
                    },
                    Err(_) => tokio::select! {
                        _ = wake => {}
                        _ = stop.changed() => {}
                    },
                }
            }
            Err(error) => {
                drop(slot);
                tracing::error!(%error, "cannot claim from the queue");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// What the queue should do with a finished event.
enum Verdict {
    Complete,
    /// Again after the queue's backoff.
    Retry(String),
    /// Again after `after` (the queue's backoff when `None`), with this `retryContext`.
    RetryLater {
        after: Option<Duration>,
        reason: String,
        data: Option<String>,
    },
    /// Failed for good: a consumer that failed on its own terms.
    Dead(String),
}

/// Runs a claimed event in the run slot `_slot` (released when this returns), recording its
/// outcome once `gate` says the claim committed.
pub async fn run(
    shared: &Shared,
    event: ClaimedEvent,
    gate: CommitGate,
    _slot: OwnedSemaphorePermit,
) {
    let lease = event.lease;
    let (verdict, labels) = tokio::select! {
        // Polled first: a handler that finished is recorded even if a heartbeat is due.
        biased;
        done = invoke(shared, &event) => done,
        lost = hold(shared, lease, event.lease_expires_at, &gate) => {
            tracing::warn!(
                event = lease.event.get(),
                attempt = lease.attempt,
                app = %event.installation.app_id(),
                module = %event.module_key.as_str(),
                reason = lost,
                "lease lost while the event ran: invocation cancelled, nothing recorded"
            );
            return;
        }
    };
    if let Some(labels) = labels {
        shared.metrics.invocations.get_or_create(&labels).inc();
    }
    if !gate.committed().await {
        tracing::warn!(
            event = lease.event.get(),
            app = %event.installation.app_id(),
            "the delivery that carried this event was not stored: its run is not recorded, and Jira sends the delivery again"
        );
        return;
    }
    let now = shared.clock.now();
    let outcome = match &verdict {
        Verdict::Complete => shared.state.complete(lease).await,
        Verdict::Retry(error) => shared.state.fail(lease, error, now).await,
        Verdict::RetryLater {
            after,
            reason,
            data,
        } => {
            let after = after.unwrap_or_else(|| shared.state.limits().queue.backoff(lease.attempt));
            shared
                .state
                .retry_later(lease, after, reason, data.as_deref(), now)
                .await
        }
        Verdict::Dead(error) => shared.state.fail_for_good(lease, error, now).await,
    };
    match outcome {
        Ok(LeaseOutcome::Completed) => {
            tracing::info!(event = lease.event.get(), attempt = lease.attempt, app = %event.installation.app_id(), module = %event.module_key.as_str(), "event done");
        }
        Ok(LeaseOutcome::Retrying { at }) => {
            tracing::warn!(
                event = lease.event.get(),
                attempt = lease.attempt,
                retry_at = at.0,
                "event will be retried"
            );
        }
        Ok(LeaseOutcome::Dead) => {
            tracing::error!(
                event = lease.event.get(),
                attempt = lease.attempt,
                "event dead-lettered"
            );
        }
        Ok(LeaseOutcome::LeaseLost) => {
            tracing::warn!(
                event = lease.event.get(),
                "lease lost before the event finished; another claimer has it"
            );
        }
        Err(error) => tracing::error!(event = lease.event.get(), %error, "cannot finish an event"),
    }
}

/// Renews `lease` every heartbeat for as long as it is polled; returns only when the event
/// stopped being this worker's, saying why. A renewal that fails (the database unreachable)
/// is retried at the next beat; once the lease's last known end has passed without one,
/// another replica may have claimed the event, so it is given up.
async fn hold(
    shared: &Shared,
    lease: Lease,
    mut until: UnixMillis,
    gate: &CommitGate,
) -> &'static str {
    if !gate.committed().await {
        return "the delivery that carried it was not stored";
    }
    let beat = shared.state.heartbeat();
    loop {
        tokio::time::sleep(beat).await;
        let now = shared.clock.now();
        match shared.state.renew(lease, now).await {
            Ok(LeaseRenewal::Renewed { until: next }) => until = next,
            Ok(LeaseRenewal::LeaseLost) => return "claimed again after it lapsed",
            Err(error) => {
                tracing::warn!(event = lease.event.get(), %error, "cannot renew a lease");
                if shared.clock.now() >= until {
                    return "no renewal succeeded before it ran out";
                }
            }
        }
    }
}

async fn invoke(shared: &Shared, event: &ClaimedEvent) -> (Verdict, Option<InvocationLabels>) {
    let Some(installed) = shared.host.installed(&event.installation) else {
        return (
            Verdict::Retry("the installation is not served by this host".into()),
            None,
        );
    };
    // The claim skips held installations; this covers a host whose loaded code is not the
    // code approved (a replica still running the old build after the new one was approved,
    // or the other way round): it runs nothing under an approval given to other code. The
    // record is the one the claim read, in its transaction: no second read per event.
    if !crate::consent::runs_approved(&event.record, &installed) {
        return (
            Verdict::Retry(
                "held: this host's code for the installation is not the approved code".into(),
            ),
            None,
        );
    }
    let manifest = installed.manifest();
    let key = event.module_key.as_str();
    let mut chain_depth = 0;
    let (kind, function, payload) =
        if let Some(t) = manifest.triggers().iter().find(|t| t.key == key) {
            (TriggerKind::ProductEvent, t.function.clone(), None)
        } else if let Some(s) = manifest.scheduled_triggers().iter().find(|s| s.key == key) {
            (TriggerKind::Scheduled, s.function.clone(), None)
        } else if manifest.consumers().iter().any(|c| c.key == key) {
            match consumer_payload(&installed.app, event) {
                Ok((function, payload, depth)) => {
                    chain_depth = depth;
                    (TriggerKind::QueueEvent, function, Some(payload))
                }
                Err(why) => return (Verdict::Dead(why), None),
            }
        } else {
            return (
                Verdict::Retry("the app has no such trigger module".into()),
                None,
            );
        };
    let payload = match payload {
        Some(payload) => payload,
        None => match String::from_utf8(event.payload.clone()) {
            Ok(payload) => payload,
            Err(_) => {
                return (
                    Verdict::Retry("the stored payload is not UTF-8".into()),
                    None,
                );
            }
        },
    };
    let app_id = event.installation.app_id().to_owned();
    // The stored text of a delivery or a schedule, or a queue event's payload built from
    // its stored envelope: parsed again before it runs.
    let mut invocation = invocation_for(
        shared,
        &installed,
        kind,
        &function,
        payload,
        PayloadSource::Text,
    )
    .await;
    invocation.chain_depth = chain_depth;
    let invoked = crate::invocation::run(shared, &installed, kind, invocation).await;
    let labels = InvocationLabels::new(
        app_id.clone(),
        &function,
        kind,
        crate::invocation::outcome(&invoked),
    );
    let verdict = match invoked {
        Err(error) => Verdict::Retry(error.to_string()),
        Ok(invoked) => {
            match &invoked.result {
                result if kind == TriggerKind::QueueEvent => match EventOutcome::of(result) {
                    EventOutcome::Done => Verdict::Complete,
                    EventOutcome::Failed => Verdict::Dead(
                        result
                            .as_ref()
                            .err()
                            .map(ToString::to_string)
                            .unwrap_or_default(),
                    ),
                    EventOutcome::Retry {
                        after,
                        reason,
                        data,
                    } => Verdict::RetryLater {
                        after,
                        reason,
                        data,
                    },
                },
                Ok(_) => Verdict::Complete,
                // A retry request outside a consumer is the app's failure like any other
                // (`app-error.retry` is only a queue event's to ask).
                Err(
                    failure @ (kiln_runtime::InvocationFailure::App { .. }
                    | kiln_runtime::InvocationFailure::RetryRequested { .. }),
                ) => {
                    tracing::warn!(app = %app_id, %failure, "the app returned an error");
                    Verdict::Complete
                }
                Err(failure) => Verdict::Retry(failure.to_string()),
            }
        }
    };
    (verdict, Some(labels))
}

/// A queue event's consumer function, the payload it is invoked with (Forge's event, built
/// from the stored envelope, with its `retryContext` from the second attempt on) and the
/// event's chain depth; `Err`: the event cannot run at all (damaged envelope, consumer gone),
/// said without the event's body.
fn consumer_payload(
    app: &kiln_runtime::LoadedApp,
    event: &ClaimedEvent,
) -> Result<(String, String, u32), String> {
    let target = app.consumer_target(event.module_key.as_str())?;
    let envelope = Envelope::from_stored(&event.payload).map_err(|e| e.to_string())?;
    let retry = (event.lease.attempt > 1).then(|| {
        let (reason, data) = match &event.retry {
            Some(info) => (info.reason.clone(), info.data.clone()),
            // Claimed again after its claimer died: the platform's failure, in Forge's words.
            None => (UNKNOWN_ERROR_REASON.to_owned(), None),
        };
        RetryContext {
            retry_count: event.lease.attempt - 1,
            reason,
            data,
        }
    });
    let payload = envelope
        .consumer_payload(retry.as_ref(), target.resolver_method.as_deref())
        .map_err(|e| e.to_string())?;
    Ok((target.function, payload, envelope.depth))
}
