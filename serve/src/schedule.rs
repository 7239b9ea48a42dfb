//! Scheduled triggers: each fires once per interval (Forge's `fiveMinute`, `hour`, `day`,
//! `week`), at a jittered moment inside it, never overlapping itself, and after a restart
//! once for the time it missed.
//!
//! - **Once per interval**, across tasks, processes and replicas: kiln-state's
//!   `queue_scheduled_run` moves the trigger's last interval forward with one conditional
//!   statement and stores the run's event in the same transaction; only the claimer that
//!   moved it queues a run, and an interval is never claimed without its run.
//! - **Jitter**: each trigger fires at `interval start + offset`, the offset random in
//!   `[0, min(interval / 10, 60 s))`, so a thousand installations of one app do not all
//!   call Jira in the same second. Jitter changes when, never which interval.
//! - **Missed time**: once the current interval's moment has come, the scheduler claims it;
//!   before that moment it claims the *previous* interval, which succeeds only if nothing
//!   ran for it (the host was down). Either way the first look after downtime runs the
//!   trigger once for all the missed time — never once per missed tick — and a trigger that
//!   has never run anywhere runs once at start.
//! - **No overlap**: while a run of the trigger is queued or running — on any replica, as
//!   the database sees it, not as this process remembers — the next interval's claim is
//!   refused; it is made (and the run queued) once the previous run finishes, within the
//!   same interval. (A process-local record of runs in flight broke with replicas: a run
//!   queued by one replica and run by another was never cleared, and the first replica's
//!   scheduler stopped for good.)

use std::sync::Arc;
use std::time::Duration;

use kiln_manifest::Interval;
use kiln_state::serve::{ModuleKey, NewEvent, ScheduleInterval, ScheduledRun, UnixMillis};
use rand::RngExt as _;
use tokio::sync::watch;

use crate::host::Installed;
use crate::shared::Shared;

/// Longest real-time nap between looks (a system clock may jump; a manual one wakes us).
const MAX_NAP: Duration = Duration::from_secs(1);

pub fn interval_of(interval: Interval) -> ScheduleInterval {
    match interval {
        Interval::FiveMinute => ScheduleInterval::FiveMinute,
        Interval::Hour => ScheduleInterval::Hour,
        Interval::Day => ScheduleInterval::Day,
        Interval::Week => ScheduleInterval::Week,
    }
}

fn jitter(interval: ScheduleInterval) -> i64 {
    let bound = (interval.millis() / 10).clamp(1, 60_000);
    rand::rng().random_range(0..bound)
}

/// Runs one installation's scheduled trigger until `stop`.
pub async fn run_trigger(
    shared: Arc<Shared>,
    installed: Arc<Installed>,
    key: String,
    interval: Interval,
    mut stop: watch::Receiver<bool>,
) {
    let interval = interval_of(interval);
    let Ok(module_key) = ModuleKey::new(key.clone()) else {
        return;
    };
    let installation = installed.installation.clone();
    let mut offset = jitter(interval);
    let mut offset_for = interval.current_start(shared.clock.now());
    loop {
        if *stop.borrow() || shared.draining() {
            return;
        }
        if shared.host.installed(&installation).is_none() {
            return; // uninstalled
        }
        let now = shared.clock.now();
        let start = interval.current_start(now);
        if start != offset_for {
            offset = jitter(interval);
            offset_for = start;
        }
        let previous = UnixMillis(start.0 - interval.millis());
        let interval_start = if now.0 >= start.0 + offset {
            start
        } else {
            previous
        };
        queue_run(&shared, &installed, &module_key, interval_start, now).await;
        let next = if now.0 < start.0 + offset {
            UnixMillis(start.0 + offset)
        } else {
            UnixMillis(start.0 + interval.millis())
        };
        tokio::select! {
            _ = shared.clock.sleep_until(next, MAX_NAP) => {}
            _ = stop.changed() => {}
        }
    }
}

/// Claims `interval_start` and queues its run, in one transaction (see the module docs).
async fn queue_run(
    shared: &Shared,
    installed: &Installed,
    key: &ModuleKey,
    interval_start: UnixMillis,
    now: UnixMillis,
) {
    let cloud_id = installed.site.runtime.client().site().cloud_id().to_owned();
    let payload = serde_json::json!({
        "context": {
            "cloudId": cloud_id,
            "moduleKey": key.as_str(),
            "trigger": "scheduledTrigger",
            "intervalStart": interval_start.0,
        }
    });
    let event = NewEvent::new(
        installed.installation.clone(),
        key.clone(),
        payload.to_string().into_bytes(),
    );
    match shared
        .state
        .queue_scheduled_run(interval_start, &event, now)
        .await
    {
        Ok(ScheduledRun::Queued(_)) => {
            shared.queued.notify_waiters();
            tracing::info!(app = %installed.installation.app_id(), trigger = %key.as_str(), interval_start = interval_start.0, "scheduled run queued");
        }
        Ok(ScheduledRun::AlreadyClaimed { .. } | ScheduledRun::StillRunning) => {}
        // Nothing was claimed: the next look tries again.
        Err(error) => {
            tracing::error!(%error, trigger = %key.as_str(), "a scheduled run could not be queued")
        }
    }
}
