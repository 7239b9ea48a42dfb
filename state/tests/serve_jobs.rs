//! Forge's async-event jobs in serve's queue (wit 0.4.0 `events`, `app-error.retry`), run
//! against every backend with `serve_contract.rs`'s harnesses: delayed events, job stats
//! through every outcome, requested retries, cancel, isolation between installations,
//! uninstall, retention and the job bound, and counts under concurrent claimers.

use std::collections::HashSet;
use std::time::Duration;

use kiln_state::serve::{
    HOST_RETRY_REASON, JobError, JobId, JobKey, JobStats, LeaseOutcome, LeaseRenewal,
    MAX_RETRY_DATA_BYTES, NewEvent, QueueBound, QueueFull, QueueName, RetryInfo, UnixMillis,
};
use kiln_state::{ServeError, ServeLimits};

use crate::serve_contract::{
    Harness, T0, at, delivery, event, installed, join_all, memory, postgres, sqlite,
};

fn job(n: u32) -> JobKey {
    JobKey {
        queue: QueueName::new("my-queue_1").unwrap(),
        id: JobId::new(format!("{n:08x}-0000-4000-8000-000000000000")).unwrap(),
    }
}

fn stats(success: u64, in_progress: u64, failed: u64) -> Option<JobStats> {
    Some(JobStats {
        success,
        in_progress,
        failed,
    })
}

const SECOND: i64 = 1000;

/// A delayed event is not claimed a millisecond before its time and is claimed at it, by a
/// worker's claim and by an accepting transaction's (SQLite's fast path); the claim says
/// which delay it carried.
async fn a_delayed_event_is_claimed_at_its_instant(h: &Harness) {
    let s = &h.state;
    let a = installed(s, "app-a").await;
    let due = at(5 * SECOND);
    s.enqueue(&[event(&a, 1).delayed_until(due), event(&a, 2)], T0)
        .await
        .unwrap();
    let now = s.claim(T0).await.unwrap().unwrap();
    assert_eq!(
        (now.payload.as_slice(), now.not_before),
        (&b"{\"n\":2}"[..], None)
    );
    assert!(s.claim(at(5 * SECOND - 1)).await.unwrap().is_none());
    let later = s.claim(due).await.unwrap().unwrap();
    assert_eq!(later.payload, b"{\"n\":1}");
    assert_eq!((later.not_before, later.retry.clone()), (Some(due), None));
    s.complete(now.lease).await.unwrap();
    s.complete(later.lease).await.unwrap();
    // An accepting transaction claims by the same rule: not the delayed event.
    let accepted = s
        .accept_delivery_claiming(
            &delivery("d-1"),
            &[event(&a, 3).delayed_until(at(60 * SECOND))],
            at(10 * SECOND),
            4,
        )
        .await
        .unwrap();
    assert!(accepted.claimed.is_empty());
    accepted.commit.await.unwrap();
    // And stores a job as a worker's enqueue does (SQLite runs its own statements here).
    let accepted = s
        .accept_delivery_claiming(
            &delivery("d-2"),
            &[event(&a, 4).in_job(job(10))],
            at(10 * SECOND),
            4,
        )
        .await
        .unwrap();
    let claimed: Vec<_> = accepted.claimed.iter().map(|c| c.job.clone()).collect();
    accepted.commit.await.unwrap();
    assert_eq!(s.job_stats(&a, &job(10)).await.unwrap(), stats(0, 1, 0));
    if claimed.is_empty() {
        // PostgreSQL's accepting transaction claims nothing: a worker does.
        let c = s.claim(at(10 * SECOND)).await.unwrap().unwrap();
        assert_eq!(c.job, Some(job(10)));
        s.complete(c.lease).await.unwrap();
    } else {
        assert_eq!(claimed, vec![Some(job(10))]);
        let c = &accepted.claimed[0];
        s.complete(c.lease).await.unwrap();
    }
    assert_eq!(s.job_stats(&a, &job(10)).await.unwrap(), stats(1, 0, 0));
    assert!(s.claim(at(60 * SECOND - 1)).await.unwrap().is_none());
    assert!(s.claim(at(60 * SECOND)).await.unwrap().is_some());
}

/// A job's stats through enqueue, claim, complete, plain failures into the dead letters,
/// a requested retry whose reason and data reach the next claim, and a discarded dead
/// letter (still failed).
async fn job_stats_follow_every_outcome(h: &Harness) {
    let mut limits = ServeLimits::default();
    limits.queue.max_attempts = 2;
    let s = h.with_limits(limits);
    let a = installed(&s, "app-a").await;
    let j = job(1);
    assert_eq!(s.job_stats(&a, &j).await.unwrap(), None);
    let push: Vec<NewEvent> = (0..3).map(|n| event(&a, n).in_job(j.clone())).collect();
    s.enqueue(&push, T0).await.unwrap();
    assert_eq!(s.job_stats(&a, &j).await.unwrap(), stats(0, 3, 0));

    let first = s.claim(T0).await.unwrap().unwrap();
    assert_eq!((first.job.as_ref(), first.retry.as_ref()), (Some(&j), None));
    assert_eq!(s.job_stats(&a, &j).await.unwrap(), stats(0, 3, 0));
    assert_eq!(
        s.complete(first.lease).await.unwrap(),
        LeaseOutcome::Completed
    );
    assert_eq!(s.job_stats(&a, &j).await.unwrap(), stats(1, 2, 0));

    // The consumer asks for its event again in 0 s: raised to 1 s, an attempt.
    let asks = s.claim(T0).await.unwrap().unwrap();
    let data = r#"{"page":2}"#;
    assert_eq!(
        s.retry_later(
            asks.lease,
            Duration::ZERO,
            "FUNCTION_RETRY_REQUEST",
            Some(data),
            T0
        )
        .await
        .unwrap(),
        LeaseOutcome::Retrying { at: at(SECOND) }
    );
    assert_eq!(s.job_stats(&a, &j).await.unwrap(), stats(1, 2, 0));

    // The third fails plainly: back after backoff (1 s), with the host's reason.
    let fails = s.claim(T0).await.unwrap().unwrap();
    assert_ne!(fails.lease.event, asks.lease.event);
    assert_eq!(
        s.fail(fails.lease, "trap", T0).await.unwrap(),
        LeaseOutcome::Retrying { at: at(SECOND) }
    );
    assert!(s.claim(at(SECOND - 1)).await.unwrap().is_none());
    // Both are due at 1 s; the older, the requested retry, comes first, with its request.
    let asked_again = s.claim(at(SECOND)).await.unwrap().unwrap();
    assert_eq!(
        (asked_again.lease.event, asked_again.lease.attempt),
        (asks.lease.event, 2)
    );
    assert_eq!(
        asked_again.retry,
        Some(RetryInfo {
            reason: "FUNCTION_RETRY_REQUEST".into(),
            data: Some(data.into()),
        })
    );
    assert_eq!(
        s.complete(asked_again.lease).await.unwrap(),
        LeaseOutcome::Completed
    );
    assert_eq!(s.job_stats(&a, &j).await.unwrap(), stats(2, 1, 0));
    let back = s.claim(at(SECOND)).await.unwrap().unwrap();
    assert_eq!(
        (back.lease.event, back.lease.attempt),
        (fails.lease.event, 2)
    );
    assert_eq!(
        back.retry,
        Some(RetryInfo {
            reason: HOST_RETRY_REASON.into(),
            data: None,
        })
    );
    assert_eq!(
        s.fail(back.lease, "trap", at(SECOND)).await.unwrap(),
        LeaseOutcome::Dead
    );
    assert_eq!(s.job_stats(&a, &j).await.unwrap(), stats(2, 0, 1));
    // An operator discards the dead letter: it still failed.
    let dead = s.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert!(s.discard_dead_letter(dead[0].event).await.unwrap());
    assert_eq!(s.job_stats(&a, &j).await.unwrap(), stats(2, 0, 1));
    assert_eq!(s.queue_depth().await.unwrap(), 0);
}

/// A requested retry is bounded (delay capped, reason and data refused when too long, with
/// nothing changed), counts as an attempt up to `max_attempts` (Forge's first attempt and
/// four retries), and a lapsed lease forgets an earlier request.
async fn requested_retries_are_bounded_and_count_as_attempts(h: &Harness) {
    let s = &h.state;
    assert_eq!(
        s.limits().queue.max_attempts,
        5,
        "Forge: 1 attempt + 4 retries"
    );
    let a = installed(s, "app-a").await;
    s.enqueue(&[event(&a, 1).in_job(job(2))], T0).await.unwrap();
    let c = s.claim(T0).await.unwrap().unwrap();
    let long_reason = "R".repeat(256);
    assert!(matches!(
        s.retry_later(c.lease, Duration::ZERO, &long_reason, None, T0)
            .await,
        Err(ServeError::Job(JobError::RetryReasonTooLong { bytes: 256 }))
    ));
    let big = "1".repeat(MAX_RETRY_DATA_BYTES + 1);
    assert!(matches!(
        s.retry_later(c.lease, Duration::ZERO, "R", Some(&big), T0)
            .await,
        Err(ServeError::Job(JobError::RetryDataTooLarge { .. }))
    ));
    assert!(matches!(
        s.renew(c.lease, T0).await.unwrap(),
        LeaseRenewal::Renewed { .. }
    ));
    // An hour is capped at 15 minutes.
    let cap = 15 * 60 * SECOND;
    assert_eq!(
        s.retry_later(c.lease, Duration::from_secs(3600), "R1", Some("{}"), T0)
            .await
            .unwrap(),
        LeaseOutcome::Retrying { at: at(cap) }
    );
    assert!(s.claim(at(cap - 1)).await.unwrap().is_none());
    let second = s.claim(at(cap)).await.unwrap().unwrap();
    assert_eq!(
        (second.lease.attempt, second.retry.unwrap().reason.as_str()),
        (2, "R1")
    );
    // Its claimer dies: the next attempt is told the host's reason, not the stale "R1".
    let lapse = at(cap).plus(s.limits().lease);
    let third = s.claim(lapse).await.unwrap().unwrap();
    assert_eq!(third.lease.attempt, 3);
    assert_eq!(
        third.retry,
        Some(RetryInfo {
            reason: HOST_RETRY_REASON.into(),
            data: None,
        })
    );
    let mut lease = third.lease;
    let mut now = lapse;
    for attempt in 3..=5 {
        let outcome = s
            .retry_later(lease, Duration::from_secs(1), "again", None, now)
            .await
            .unwrap();
        if attempt == 5 {
            assert_eq!(outcome, LeaseOutcome::Dead);
            break;
        }
        now = now.plus(Duration::from_secs(1));
        let next = s.claim(now).await.unwrap().unwrap();
        assert_eq!(next.lease.attempt, attempt + 1);
        assert_eq!(next.retry.unwrap().reason, "again");
        lease = next.lease;
    }
    assert_eq!(s.job_stats(&a, &job(2)).await.unwrap(), stats(0, 0, 1));
}

/// Cancel removes the job's ready, delayed and retry-waiting events, not a leased one,
/// whose failure afterwards is not retried; the depths stay right, so the installation's
/// bound still holds exactly; the job is then counted without the removed events.
async fn cancel_removes_only_unleased_events(h: &Harness) {
    let mut limits = ServeLimits::default();
    limits.queue.max_per_installation = 5;
    let s = h.with_limits(limits);
    let a = installed(&s, "app-a").await;
    let j = job(3);
    let push = vec![
        event(&a, 0).in_job(j.clone()),
        event(&a, 1).in_job(j.clone()),
        event(&a, 2)
            .in_job(j.clone())
            .delayed_until(at(60 * SECOND)),
        event(&a, 3).in_job(j.clone()),
    ];
    s.enqueue(&push, T0).await.unwrap();
    s.enqueue(&[event(&a, 9)], T0).await.unwrap();
    let running = s.claim(T0).await.unwrap().unwrap();
    let waiting = s.claim(T0).await.unwrap().unwrap();
    assert!(matches!(
        s.fail(waiting.lease, "x", T0).await.unwrap(),
        LeaseOutcome::Retrying { .. }
    ));
    assert_eq!(s.queue_depth().await.unwrap(), 5);
    assert_eq!(s.cancel_job(&a, &j).await.unwrap(), Some(3));
    assert_eq!(s.queue_depth().await.unwrap(), 2);
    assert_eq!(s.job_stats(&a, &j).await.unwrap(), stats(0, 1, 0));
    // The bound counts what is stored: three more fit, a fourth does not.
    s.enqueue(&[event(&a, 10), event(&a, 11), event(&a, 12)], T0)
        .await
        .unwrap();
    assert!(matches!(
        s.enqueue(&[event(&a, 13)], T0).await,
        Err(ServeError::QueueFull(QueueFull {
            bound: QueueBound::Installation,
            ..
        }))
    ));
    // The running event finishes; failing, it is not retried: nothing of the job runs again.
    assert_eq!(
        s.fail(running.lease, "x", T0).await.unwrap(),
        LeaseOutcome::Dead
    );
    assert_eq!(s.job_stats(&a, &j).await.unwrap(), stats(0, 0, 1));
    assert_eq!(s.cancel_job(&a, &j).await.unwrap(), Some(0));
    assert_eq!(s.cancel_job(&a, &job(99)).await.unwrap(), None);
    // Only the other events are left to claim.
    let mut left = HashSet::new();
    while let Some(c) = s.claim(at(120 * SECOND)).await.unwrap() {
        assert_eq!(c.job, None);
        left.insert(c.payload.clone());
        s.complete(c.lease).await.unwrap();
    }
    assert_eq!(left.len(), 4);
    assert_eq!(s.queue_depth().await.unwrap(), 1, "the dead letter");
}

/// A leased event of a cancelled job whose claimer dies is not run again: when its lease
/// lapses it goes dead (failed), as a failure after the cancel would.
async fn a_cancelled_jobs_lapsed_lease_is_not_run_again(h: &Harness) {
    let s = &h.state;
    let a = installed(s, "app-a").await;
    let j = job(31);
    s.enqueue(&[event(&a, 1).in_job(j.clone())], T0)
        .await
        .unwrap();
    let dies = s.claim(T0).await.unwrap().unwrap();
    s.enqueue(&[event(&a, 2)], T0).await.unwrap();
    assert_eq!(s.cancel_job(&a, &j).await.unwrap(), Some(0));
    let lapsed = T0.plus(s.limits().lease);
    let other = s.claim(lapsed).await.unwrap().unwrap();
    assert_eq!(other.job, None);
    assert!(s.claim(lapsed).await.unwrap().is_none());
    assert_eq!(s.job_stats(&a, &j).await.unwrap(), stats(0, 0, 1));
    assert_eq!(s.dead_letters(10).await.unwrap()[0].event, dies.lease.event);
    assert_eq!(
        s.complete(dies.lease).await.unwrap(),
        LeaseOutcome::LeaseLost
    );
}

/// Another installation (another app, or the same app on another site) cannot read or
/// cancel a job, even naming it exactly.
async fn another_installation_cannot_see_or_cancel_a_job(h: &Harness) {
    let s = &h.state;
    let a = installed(s, "app-a").await;
    let b = installed(s, "app-b").await;
    let elsewhere =
        kiln_state::Installation::new("app-a", "https://other.atlassian.net", "production")
            .unwrap();
    s.install(&crate::serve_contract::record(elsewhere.clone()))
        .await
        .unwrap();
    let j = job(4);
    s.enqueue(&[event(&a, 1).in_job(j.clone())], T0)
        .await
        .unwrap();
    for other in [&b, &elsewhere] {
        assert_eq!(s.job_stats(other, &j).await.unwrap(), None);
        assert_eq!(s.cancel_job(other, &j).await.unwrap(), None);
    }
    assert_eq!(s.job_stats(&a, &j).await.unwrap(), stats(0, 1, 0));
    // The same key pushed by b is b's own job.
    s.enqueue(&[event(&b, 1).in_job(j.clone())], T0)
        .await
        .unwrap();
    assert_eq!(s.cancel_job(&b, &j).await.unwrap(), Some(1));
    assert_eq!(s.job_stats(&a, &j).await.unwrap(), stats(0, 1, 0));
    assert_eq!(s.queue_depth().await.unwrap(), 1);
}

/// Uninstalling forgets the installation's jobs; jobs are purged after the retention, and
/// the per-installation job bound refuses a push whole until a purge frees room.
async fn jobs_are_forgotten_by_uninstall_retention_and_bounded(h: &Harness) {
    let mut limits = ServeLimits::default();
    limits.queue.max_jobs_per_installation = 2;
    let s = h.with_limits(limits);
    let a = installed(&s, "app-a").await;
    s.enqueue(&[event(&a, 1).in_job(job(5))], T0).await.unwrap();
    assert!(s.uninstall(&a).await.unwrap());
    installed(&s, "app-a").await;
    assert_eq!(s.job_stats(&a, &job(5)).await.unwrap(), None);

    let day = 24 * 3600 * SECOND;
    s.enqueue(&[event(&a, 1).in_job(job(6))], T0).await.unwrap();
    s.enqueue(&[event(&a, 2).in_job(job(7))], at(day))
        .await
        .unwrap();
    let refused = s
        .enqueue(&[event(&a, 3).in_job(job(8)), event(&a, 4)], at(day))
        .await;
    assert!(matches!(
        refused,
        Err(ServeError::QueueFull(QueueFull {
            bound: QueueBound::Jobs,
            limit: 2
        }))
    ));
    assert_eq!(
        s.queue_depth().await.unwrap(),
        2,
        "nothing of the refused push"
    );
    // Another event of a job already remembered is no new job.
    s.enqueue(&[event(&a, 5).in_job(job(7))], at(day))
        .await
        .unwrap();
    let retention = s.limits().job_retention;
    assert_eq!(retention, Duration::from_secs(7 * 24 * 3600));
    let cutoff = T0.plus(retention);
    assert_eq!(s.purge_jobs(UnixMillis(cutoff.0 - 1)).await.unwrap(), 0);
    assert_eq!(s.purge_jobs(T0.plus(retention)).await.unwrap(), 1);
    assert_eq!(s.job_stats(&a, &job(6)).await.unwrap(), None);
    assert_eq!(s.job_stats(&a, &job(7)).await.unwrap(), stats(0, 2, 0));
    s.enqueue(&[event(&a, 3).in_job(job(8))], at(8 * day))
        .await
        .unwrap();
    assert_eq!(s.job_stats(&a, &job(8)).await.unwrap(), stats(0, 1, 0));
    // A purged job's events still run; their completion counts nowhere.
    let mut ran = 0;
    while let Some(c) = s.claim(at(8 * day)).await.unwrap() {
        assert_eq!(s.complete(c.lease).await.unwrap(), LeaseOutcome::Completed);
        ran += 1;
    }
    assert_eq!(ran, 4);
    assert_eq!(s.job_stats(&a, &job(7)).await.unwrap(), stats(2, 0, 0));
}

/// Twelve claimers on three replicas drain a 120-event job: each event is claimed by one
/// claimer and counted as a success once; a claimer whose lease lapsed and was taken over
/// completes late and counts nothing.
async fn job_counts_hold_across_replicas(h: &Harness) {
    let mut limits = ServeLimits::default();
    limits.queue.max_leased_per_app = 1000;
    let a = installed(&h.state, "app-a").await;
    let j = job(9);
    let push: Vec<NewEvent> = (0..120).map(|n| event(&a, n).in_job(j.clone())).collect();
    h.state.enqueue(&push, T0).await.unwrap();
    // One event's first claimer dies; another replica takes it over after the lease.
    let (dying, survivor) = (h.replica(limits).await, h.replica(limits).await);
    let lost = dying.claim(T0).await.unwrap().unwrap();
    let later = T0.plus(limits.lease);
    let mut claimers = Vec::new();
    for _ in 0..3 {
        let replica = h.replica(limits).await;
        claimers.extend((0..4).map(|_| replica.clone()));
    }
    let runs = join_all(claimers.into_iter().map(|s| async move {
        let mut mine = Vec::new();
        while let Some(c) = s.claim(later).await.unwrap() {
            assert_eq!(s.complete(c.lease).await.unwrap(), LeaseOutcome::Completed);
            mine.push(c.lease.event);
        }
        mine
    }))
    .await;
    let all: Vec<_> = runs.into_iter().flatten().collect();
    assert_eq!(all.len(), 120);
    assert_eq!(
        all.iter().copied().collect::<HashSet<_>>().len(),
        120,
        "no event twice"
    );
    assert_eq!(
        dying.complete(lost.lease).await.unwrap(),
        LeaseOutcome::LeaseLost
    );
    assert!(survivor.claim(later).await.unwrap().is_none());
    assert_eq!(h.state.job_stats(&a, &j).await.unwrap(), stats(120, 0, 0));
    assert_eq!(h.state.queue_depth().await.unwrap(), 0);
}

/// A cancel racing twelve claimers on three replicas, which complete two events in three
/// and fail the third: every event ends completed (counted once), removed by the cancel,
/// or, failing after the cancel, dead; none is retried after the cancel, none is lost or
/// counted twice, and the depth is the dead letters.
async fn a_cancel_racing_claimers_loses_and_doubles_nothing(h: &Harness) {
    let mut limits = ServeLimits::default();
    limits.queue.max_leased_per_app = 1000;
    let a = installed(&h.state, "app-a").await;
    let j = job(11);
    let push: Vec<NewEvent> = (0..150).map(|n| event(&a, n).in_job(j.clone())).collect();
    h.state.enqueue(&push, T0).await.unwrap();
    let mut claimers = Vec::new();
    for _ in 0..3 {
        let replica = h.replica(limits).await;
        claimers.extend((0..4).map(|_| replica.clone()));
    }
    let canceller = h.replica(limits).await;
    let (a2, j2) = (a.clone(), j.clone());
    let cancel = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(5)).await;
        canceller.cancel_job(&a2, &j2).await.unwrap().unwrap()
    });
    let runs = join_all(claimers.into_iter().map(|s| async move {
        let mut done = 0_u64;
        let mut n = 0;
        while let Some(c) = s.claim(T0).await.unwrap() {
            n += 1;
            if n % 3 == 0 {
                // Retried 1 s later (ready meanwhile, so a cancel removes it), or dead.
                s.fail(c.lease, "x", T0).await.unwrap();
            } else {
                assert_eq!(s.complete(c.lease).await.unwrap(), LeaseOutcome::Completed);
                done += 1;
            }
        }
        done
    }))
    .await;
    let removed = cancel.await.unwrap();
    let completed: u64 = runs.into_iter().sum();
    let dead = h.state.dead_letters(1000).await.unwrap().len() as u64;
    assert_eq!(completed + removed + dead, 150);
    assert_eq!(
        h.state.job_stats(&a, &j).await.unwrap(),
        stats(completed, 0, dead)
    );
    assert_eq!(h.state.queue_depth().await.unwrap(), dead);
    assert!(h.state.claim(at(3600 * SECOND)).await.unwrap().is_none());
}

crate::support::every_backend!(
    serve_jobs;
    a_delayed_event_is_claimed_at_its_instant,
    job_stats_follow_every_outcome,
    requested_retries_are_bounded_and_count_as_attempts,
    cancel_removes_only_unleased_events,
    a_cancelled_jobs_lapsed_lease_is_not_run_again,
    another_installation_cannot_see_or_cancel_a_job,
    jobs_are_forgotten_by_uninstall_retention_and_bounded,
    job_counts_hold_across_replicas,
    a_cancel_racing_claimers_loses_and_doubles_nothing,
);
