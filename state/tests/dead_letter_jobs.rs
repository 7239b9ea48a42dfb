//! A dead letter names the async-events job its event was pushed in, on every backend, by
//! every way an event dies (failures past its attempts, a cancelled job's failure, a
//! cancelled job's lapsed lease); an event outside a job names none. And, on PostgreSQL's
//! replicas, an uninstall racing a cancel of one of the installation's jobs ends both,
//! leaving nothing of the installation behind.

use std::collections::HashMap;
use std::time::Duration;

use kiln_state::ServeLimits;
use kiln_state::serve::{JobId, JobKey, LeaseOutcome, QueueName};

use crate::serve_contract::{Harness, T0, event, installed, postgres};

fn job(queue: &str, n: u32) -> JobKey {
    JobKey {
        queue: QueueName::new(queue).unwrap(),
        id: JobId::new(format!("{n:08x}-0000-4000-8000-00000000dead")).unwrap(),
    }
}

/// Three events die, two of them in jobs of different queues, one outside any job; each
/// dead letter says which job, if any, it was part of.
async fn a_dead_letter_names_its_job(h: &Harness) {
    let mut limits = ServeLimits::default();
    limits.queue.max_attempts = 1;
    let s = h.with_limits(limits);
    let a = installed(&s, "app-a").await;
    let (failed_job, cancelled_job) = (job("first-queue", 1), job("second_queue", 2));

    // Fails on its only attempt.
    s.enqueue(&[event(&a, 1).in_job(failed_job.clone())], T0)
        .await
        .unwrap();
    let first = s.claim(T0).await.unwrap().unwrap();
    assert_eq!(
        s.fail(first.lease, "trap", T0).await.unwrap(),
        LeaseOutcome::Dead
    );
    // Not part of a job (a webhook's event), failing the same way.
    s.enqueue(&[event(&a, 2)], T0).await.unwrap();
    let plain = s.claim(T0).await.unwrap().unwrap();
    assert_eq!(
        s.fail(plain.lease, "trap", T0).await.unwrap(),
        LeaseOutcome::Dead
    );
    // Its job is cancelled under its claimer, who dies: dead when the lease lapses.
    s.enqueue(&[event(&a, 3).in_job(cancelled_job.clone())], T0)
        .await
        .unwrap();
    let lapses = s.claim(T0).await.unwrap().unwrap();
    assert_eq!(s.cancel_job(&a, &cancelled_job).await.unwrap(), Some(0));
    assert!(s.claim(T0.plus(s.limits().lease)).await.unwrap().is_none());

    let dead: HashMap<_, _> = s
        .dead_letters(10)
        .await
        .unwrap()
        .into_iter()
        .map(|d| (d.event, d))
        .collect();
    assert_eq!(dead.len(), 3);
    assert_eq!(dead[&first.lease.event].job, Some(failed_job));
    assert_eq!(dead[&plain.lease.event].job, None);
    assert_eq!(dead[&lapses.lease.event].job, Some(cancelled_job));
    assert!(dead.values().all(|d| d.installation == a));
}

/// A consumer's own retries, used up, leave a dead letter naming the job too; discarding it
/// leaves the other installation's dead letter, with its own job, listed.
async fn a_retried_out_event_names_its_job_per_installation(h: &Harness) {
    let mut limits = ServeLimits::default();
    limits.queue.max_attempts = 1;
    let s = h.with_limits(limits);
    let a = installed(&s, "app-a").await;
    let b = installed(&s, "app-b").await;
    // The same key pushed by two installations is two jobs; each dead letter is its own.
    let j = job("my-queue", 3);
    s.enqueue(
        &[
            event(&a, 1).in_job(j.clone()),
            event(&b, 1).in_job(j.clone()),
        ],
        T0,
    )
    .await
    .unwrap();
    for _ in 0..2 {
        let c = s.claim(T0).await.unwrap().unwrap();
        assert_eq!(
            s.retry_later(c.lease, Duration::from_secs(1), "AGAIN", None, T0)
                .await
                .unwrap(),
            LeaseOutcome::Dead
        );
    }
    let dead = s.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 2);
    assert!(dead.iter().all(|d| d.job.as_ref() == Some(&j)));
    let of_a = dead.iter().find(|d| d.installation == a).unwrap();
    assert!(s.discard_dead_letter(of_a.event).await.unwrap());
    let left = s.dead_letters(10).await.unwrap();
    assert_eq!(
        left.iter()
            .map(|d| (d.installation.clone(), d.job.clone()))
            .collect::<Vec<_>>(),
        vec![(b, Some(j))]
    );
}

crate::support::every_backend!(
    serve_contract;
    a_dead_letter_names_its_job,
    a_retried_out_event_names_its_job_per_installation,
);

/// How long one racing call may take before the test calls it a hang (a deadlock PostgreSQL
/// did not break, or a lock wait that never ends).
const RACE_BOUND: Duration = Duration::from_secs(30);

/// On two PostgreSQL replicas, an uninstall and a cancel of one of the installation's jobs,
/// started together, both finish (the cancel may find the job or its events gone already:
/// nothing to do) without a deadlock or a hang; nothing of the uninstalled installation is
/// left (events, dead letters, jobs), and another installation's job is untouched. Rounds vary which
/// statement takes its locks first.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_uninstall_racing_a_cancel_of_its_job_ends_both() {
    let Some(h) = postgres().await else {
        return;
    };
    let mut limits = ServeLimits::default();
    limits.queue.max_attempts = 1;
    limits.queue.max_leased_per_app = 1000;
    let (uninstaller, canceller) = (h.replica(limits).await, h.replica(limits).await);
    let s = h.with_limits(limits);
    let other = installed(&s, "app-b").await;
    let kept = job("kept", 99);
    s.enqueue(&[event(&other, 0).in_job(kept.clone())], T0)
        .await
        .unwrap();
    // Paused, so each round's claims take app-a's events; resumed to check it at the end.
    assert!(s.pause(&other).await.unwrap());
    for round in 0..20_u32 {
        let a = installed(&s, "app-a").await;
        let j = job("racing", round);
        // Ready events of the job, one leased and one dead letter of it, and one outside it:
        // every kind of row the two statements lock.
        let mut push: Vec<_> = (0..20).map(|n| event(&a, n).in_job(j.clone())).collect();
        push.push(event(&a, 20));
        s.enqueue(&push, T0).await.unwrap();
        let dies = s.claim(T0).await.unwrap().unwrap();
        assert_eq!(
            s.fail(dies.lease, "trap", T0).await.unwrap(),
            LeaseOutcome::Dead
        );
        let _leased = s.claim(T0).await.unwrap().unwrap();

        // Each on its own task and replica, so the two transactions truly overlap; which
        // one sleeps a moment first alternates.
        let delay = Duration::from_millis(u64::from(round % 4));
        let (u, a_u) = (uninstaller.clone(), a.clone());
        let uninstall = tokio::spawn(async move {
            if round % 2 == 0 {
                tokio::time::sleep(delay).await;
            }
            tokio::time::timeout(RACE_BOUND, u.uninstall(&a_u)).await
        });
        let (c, a_c, j_c) = (canceller.clone(), a.clone(), j.clone());
        let cancel = tokio::spawn(async move {
            if round % 2 == 1 {
                tokio::time::sleep(delay).await;
            }
            tokio::time::timeout(RACE_BOUND, c.cancel_job(&a_c, &j_c)).await
        });
        let uninstalled = uninstall.await.unwrap().expect("uninstall hung").unwrap();
        let removed = cancel.await.unwrap().expect("cancel hung").unwrap();
        assert!(uninstalled, "round {round}");
        // Before the uninstall: the job's 18 events neither leased nor dead. After it: no
        // job (`None`). Overlapping it: the cancel read the job before the uninstall
        // committed and its events after, under PostgreSQL's read committed: nothing left.
        assert!(
            matches!(removed, None | Some(0) | Some(18)),
            "round {round}: {removed:?}"
        );
        assert_eq!(s.job_stats(&a, &j).await.unwrap(), None, "round {round}");
        assert!(
            s.dead_letters(100)
                .await
                .unwrap()
                .iter()
                .all(|d| d.installation == other),
            "round {round}"
        );
        assert_eq!(s.queue_depth().await.unwrap(), 1, "round {round}");
    }
    // The depth is a counter; the rows are checked too. Installed again, app-a would be
    // claimed (or, its lease lapsed, dead-lettered) if any event of it were left.
    installed(&s, "app-a").await;
    assert!(s.resume(&other).await.unwrap());
    let lapsed = T0.plus(limits.lease);
    let c = s.claim(lapsed).await.unwrap().unwrap();
    assert_eq!((c.installation, c.job), (other.clone(), Some(kept.clone())));
    let extra = s.claim(lapsed).await.unwrap();
    assert!(extra.is_none(), "{extra:?}");
    assert!(s.dead_letters(100).await.unwrap().is_empty());
}
