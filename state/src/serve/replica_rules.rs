//! The two rules replicas added to serve state, checked on the in-memory backend and the
//! embedded SQLite file alike (PostgreSQL is raced by three real `runtime serve` processes in
//! serve/tests/replicas.rs):
//!
//! - `add_web_trigger`: a module's first id wins; a later attempt keeps it.
//! - `queue_scheduled_run`: an interval is claimed exactly when its run is stored, once, and
//!   not while an earlier run of the trigger is stored and not dead.

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::StateLocation;

const T0: UnixMillis = UnixMillis(1_764_000_000_000);
const HOUR: i64 = 3_600_000;

fn at(hours: i64) -> UnixMillis {
    UnixMillis(T0.0 + hours * HOUR)
}

fn installation() -> Installation {
    Installation::new("app", "https://kiln-test.atlassian.net", "production").unwrap()
}

fn tick() -> NewEvent {
    NewEvent {
        installation: installation(),
        module_key: ModuleKey::new("hourly").unwrap(),
        payload: b"{}".to_vec(),
    }
}

/// Serve state on each backend with `limits`, the installation installed.
async fn backends(limits: ServeLimits) -> Vec<(&'static str, ServeState, tempfile::TempDir)> {
    let mut all = Vec::new();
    for (name, location) in [("memory", None), ("sqlite", Some("state.sqlite3"))] {
        let dir = tempfile::tempdir().unwrap();
        let backend: Arc<dyn ServeBackend> = match location {
            None => Arc::new(MemoryServeBackend::new()),
            Some(file) => {
                StateLocation::Sqlite(dir.path().join(file))
                    .open()
                    .await
                    .unwrap()
                    .serve
            }
        };
        let state = ServeState::new(backend, limits);
        state
            .install(&InstallRecord {
                installation: installation(),
                scopes: ApprovedScopes::new([Scope::new("read:jira-work").unwrap()]).unwrap(),
                grant: GrantIdentity::Simulator,
                approval: Some(crate::serve::ApprovalBinding {
                    site: crate::serve::SiteBinding::new(
                        "https://kiln-test.atlassian.net",
                        "cloud-1",
                    )
                    .unwrap(),
                    component: crate::serve::ComponentSha256::new("ab".repeat(32)).unwrap(),
                }),
                hold: None,
                paused: false,
                installed_at: T0,
            })
            .await
            .unwrap();
        all.push((name, state, dir));
    }
    all
}

#[tokio::test]
async fn a_web_trigger_id_is_added_once_and_kept() {
    for (name, state, _dir) in backends(ServeLimits::default()).await {
        let key = ModuleKey::new("alert").unwrap();
        let first = state
            .issue_web_trigger_if_absent(&installation(), &key, T0)
            .await
            .unwrap()
            .expect("the first id is issued");
        let again = state
            .issue_web_trigger_if_absent(&installation(), &key, T0)
            .await
            .unwrap();
        assert!(again.is_none(), "{name}: a second id was issued");
        let resolved = state.resolve_web_trigger(&first.expose()).await.unwrap();
        assert_eq!(
            resolved.map(|r| r.module_key),
            Some(key.clone()),
            "{name}: the first id stopped working"
        );
        // Rotation still replaces it.
        let rotated = state
            .issue_web_trigger(&installation(), &key, T0)
            .await
            .unwrap();
        assert!(
            state
                .resolve_web_trigger(&first.expose())
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            state
                .resolve_web_trigger(&rotated.expose())
                .await
                .unwrap()
                .is_some()
        );
    }
}

#[tokio::test]
async fn a_scheduled_run_is_queued_once_per_interval_and_never_over_a_live_run() {
    for (name, state, _dir) in backends(ServeLimits::default()).await {
        let run = |hour: i64, now: i64| {
            let state = state.clone();
            async move {
                state
                    .queue_scheduled_run(at(hour), &tick(), at(now))
                    .await
                    .unwrap()
            }
        };
        let ScheduledRun::Queued(first) = run(0, 0).await else {
            panic!("{name}: the first interval was not queued");
        };
        assert_eq!(
            run(0, 0).await,
            ScheduledRun::AlreadyClaimed { last: at(0) },
            "{name}"
        );
        // The next interval, while the first run is queued, then leased: refused, and
        // left unclaimed.
        assert_eq!(run(1, 1).await, ScheduledRun::StillRunning, "{name}");
        let claimed = state.claim(at(1)).await.unwrap().expect("the run");
        assert_eq!(claimed.lease.event, first);
        assert_eq!(run(1, 1).await, ScheduledRun::StillRunning, "{name}");
        assert_eq!(state.queue_depth().await.unwrap(), 1, "{name}");
        // Once it completes, the same interval is claimed (it never was).
        state.complete(claimed.lease).await.unwrap();
        assert!(matches!(run(1, 1).await, ScheduledRun::Queued(_)), "{name}");
        assert_eq!(
            run(0, 1).await,
            ScheduledRun::AlreadyClaimed { last: at(1) },
            "{name}: an older interval"
        );
    }
}

#[tokio::test]
async fn a_dead_run_does_not_block_the_schedule_and_a_full_queue_claims_nothing() {
    let limits = ServeLimits {
        queue: QueueLimits {
            max_attempts: 1,
            max_total: 2,
            ..QueueLimits::default()
        },
        lease: Duration::from_secs(60),
        ..ServeLimits::default()
    };
    for (name, state, _dir) in backends(limits).await {
        let queued = |result: Result<ScheduledRun, ServeError>| {
            matches!(result, Ok(ScheduledRun::Queued(_)))
        };
        assert!(queued(
            state.queue_scheduled_run(at(0), &tick(), at(0)).await
        ));
        let claimed = state.claim(at(0)).await.unwrap().unwrap();
        assert_eq!(
            state.fail(claimed.lease, "trap", at(0)).await.unwrap(),
            LeaseOutcome::Dead,
            "{name}"
        );
        // A dead run is not running: the next interval is queued beside it.
        assert!(
            queued(state.queue_scheduled_run(at(1), &tick(), at(1)).await),
            "{name}"
        );
        let claimed = state.claim(at(1)).await.unwrap().unwrap();
        state.complete(claimed.lease).await.unwrap();
        // The dead letter and another event fill the two-event queue: the claim is refused
        // with its run, so hour 2 stays unclaimed until there is room.
        state
            .enqueue(
                &[NewEvent {
                    module_key: ModuleKey::new("other").unwrap(),
                    ..tick()
                }],
                at(2),
            )
            .await
            .unwrap();
        let full = state.queue_scheduled_run(at(2), &tick(), at(2)).await;
        assert!(
            matches!(full, Err(ServeError::QueueFull(_))),
            "{name}: {full:?}"
        );
        let dead = state.dead_letters(10).await.unwrap();
        assert!(state.discard_dead_letter(dead[0].event).await.unwrap());
        assert!(
            queued(state.queue_scheduled_run(at(2), &tick(), at(2)).await),
            "{name}"
        );
    }
}
