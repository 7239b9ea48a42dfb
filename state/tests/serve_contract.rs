//! The serve-state contract (issues 15 and 16), run against every backend: memory, SQLite
//! and a real PostgreSQL (`support/postgres.rs`). Time is passed in explicitly, so leases,
//! backoff and retention are driven by the test. The `*_across_replicas` cases open three
//! pools on one database — three `runtime serve` replicas — and race them.

use crate::support;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use kiln_state::serve::{
    ApprovalBinding, ApprovedScopes, ComponentSha256, DeliveryId, DeliveryKey, DeliveryOutcome,
    EnqueueOutcome, GrantIdentity, InstallRecord, IntervalClaim, LeaseOutcome, LeaseRenewal,
    LifecycleChange, LifecycleEvent, LifecycleEvents, ModuleKey, NameError, NewEvent, QueueBound,
    QueueFull, QueueLimits, ScheduleInterval, ScheduledRun, Scope, ServeBackend, UnixMillis,
    WebTriggerIdError,
};
use kiln_state::serve::{Hold, HoldReason, SiteBinding};
use kiln_state::serve::{LeaseHolder, RegisteredWebhook, RegistrationStatus, WebhookRegistration};
use kiln_state::{Installation, ServeError, ServeLimits, ServeState};

pub struct Harness {
    pub state: ServeState,
    pub backend: Arc<dyn ServeBackend>,
    origin: support::Origin,
    _dir: tempfile::TempDir,
}

impl Harness {
    pub(crate) fn with_limits(&self, limits: ServeLimits) -> ServeState {
        ServeState::new(self.backend.clone(), limits)
    }

    /// Serve state on another replica of this harness's database: another pool, as another
    /// `runtime serve` process has. Memory has one view, so there it is the same state.
    pub(crate) async fn replica(&self, limits: ServeLimits) -> ServeState {
        match self.origin.serve_replica().await {
            Some(backend) => ServeState::new(backend, limits),
            None => self.with_limits(limits),
        }
    }
}

async fn harness(kind: &str) -> Option<Harness> {
    let dir = tempfile::tempdir().unwrap();
    let (backend, origin) = support::serve_backend(kind, &dir).await?;
    Some(Harness {
        state: ServeState::new(backend.clone(), ServeLimits::default()),
        backend,
        origin,
        _dir: dir,
    })
}

pub(crate) async fn memory() -> Option<Harness> {
    harness("memory").await
}

pub(crate) async fn sqlite() -> Option<Harness> {
    harness("sqlite").await
}

pub(crate) async fn postgres() -> Option<Harness> {
    harness("postgres").await
}

pub(crate) const T0: UnixMillis = UnixMillis(1_764_000_000_000);

pub(crate) fn at(ms: i64) -> UnixMillis {
    UnixMillis(T0.0 + ms)
}

pub(crate) fn inst(app: &str) -> Installation {
    Installation::new(app, "https://kiln-test.atlassian.net", "production").unwrap()
}

pub(crate) fn record(installation: Installation) -> InstallRecord {
    InstallRecord {
        installation,
        scopes: ApprovedScopes::new([
            Scope::new("read:jira-work").unwrap(),
            Scope::new("write:jira-work").unwrap(),
        ])
        .unwrap(),
        grant: GrantIdentity::api_token("ops@example.com").unwrap(),
        approval: Some(kiln_state::serve::ApprovalBinding {
            site: kiln_state::serve::SiteBinding::new("https://kiln-test.atlassian.net", "cloud-1")
                .unwrap(),
            component: kiln_state::serve::ComponentSha256::new("ab".repeat(32)).unwrap(),
        }),
        hold: None,
        paused: false,
        installed_at: T0,
    }
}

pub(crate) async fn installed(state: &ServeState, app: &str) -> Installation {
    let installation = inst(app);
    state.install(&record(installation.clone())).await.unwrap();
    installation
}

fn module(key: &str) -> ModuleKey {
    ModuleKey::new(key).unwrap()
}

pub(crate) fn event(installation: &Installation, n: usize) -> NewEvent {
    NewEvent::new(
        installation.clone(),
        module("on-issue"),
        format!("{{\"n\":{n}}}").into_bytes(),
    )
}

pub(crate) fn delivery(id: &str) -> DeliveryKey {
    DeliveryKey::new(
        "https://kiln-test.atlassian.net",
        DeliveryId::new(id).unwrap(),
    )
    .unwrap()
}

async fn registry_install_pause_list_uninstall(h: &Harness) {
    let s = &h.state;
    let a = installed(s, "app-a").await;
    let b = installed(s, "app-b").await;
    let listed = s.list_installations().await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|r| r.installation.clone())
            .collect::<Vec<_>>(),
        vec![a.clone(), b.clone()]
    );
    assert_eq!(listed[0], record(a.clone()));
    // Reinstall with other scopes and a 3LO grant replaces the record.
    let mut again = record(a.clone());
    again.scopes = ApprovedScopes::new([Scope::new("read:jira-user").unwrap()]).unwrap();
    again.grant = GrantIdentity::three_legged("5b10ac8d82e05b22cc7d4ef5").unwrap();
    s.install(&again).await.unwrap();
    assert_eq!(s.installation(&a).await.unwrap(), Some(again.clone()));
    assert!(s.pause(&a).await.unwrap());
    assert!(s.installation(&a).await.unwrap().unwrap().paused);
    assert!(s.resume(&a).await.unwrap());
    assert!(!s.installation(&a).await.unwrap().unwrap().paused);
    assert!(s.uninstall(&a).await.unwrap());
    assert!(!s.uninstall(&a).await.unwrap());
    assert!(!s.pause(&a).await.unwrap());
    assert_eq!(s.installation(&a).await.unwrap(), None);
    assert_eq!(s.list_installations().await.unwrap().len(), 1);
    // Simulator grants have no subject.
    let mut sim = record(inst("app-sim"));
    sim.grant = GrantIdentity::Simulator;
    s.install(&sim).await.unwrap();
    assert_eq!(s.installation(&sim.installation).await.unwrap(), Some(sim));
}

async fn hostile_inputs_are_typed_errors(h: &Harness) {
    let s = &h.state;
    let huge = "x".repeat(1 << 20);
    assert!(matches!(
        ModuleKey::new(huge.clone()),
        Err(NameError::TooLong { .. })
    ));
    assert!(matches!(
        DeliveryId::new(huge.clone()),
        Err(NameError::TooLong { .. })
    ));
    assert!(matches!(
        DeliveryId::new("a\0b"),
        Err(NameError::ControlCharacter { .. })
    ));
    assert!(matches!(
        ModuleKey::new("a\u{1b}[2J"),
        Err(NameError::ControlCharacter { .. })
    ));
    assert!(matches!(ModuleKey::new(""), Err(NameError::Empty { .. })));
    assert!(matches!(
        GrantIdentity::api_token(huge.clone()),
        Err(NameError::TooLong { .. })
    ));
    assert!(matches!(
        ApprovedScopes::new((0..300).map(|n| Scope::new(format!("s{n}")).unwrap())),
        Err(NameError::TooManyScopes { .. })
    ));
    assert!(Installation::new(huge.clone(), "s", "e").is_err());
    for presented in [
        huge.as_str(),
        "",
        "../../etc/passwd",
        "%00",
        "é",
        &"A".repeat(64),
        &"0".repeat(63),
    ] {
        assert!(matches!(
            s.resolve_web_trigger(presented).await,
            Err(ServeError::WebTriggerId(
                WebTriggerIdError::Malformed { .. }
            ))
        ));
    }
    // Not installed: typed, and nothing stored.
    let stranger = inst("not-installed");
    assert!(matches!(
        s.enqueue(&[event(&stranger, 0)], T0).await,
        Err(ServeError::NotInstalled)
    ));
    assert!(matches!(
        s.claim_interval(&stranger, &module("m"), T0).await,
        Err(ServeError::NotInstalled)
    ));
    assert!(matches!(
        s.issue_web_trigger(&stranger, &module("m"), T0).await,
        Err(ServeError::NotInstalled)
    ));
    // A payload over the limit.
    let a = installed(s, "app-a").await;
    let mut big = event(&a, 0);
    big.payload = vec![0xff; s.limits().queue.max_payload_bytes + 1];
    assert!(matches!(
        s.enqueue(&[big], T0).await,
        Err(ServeError::PayloadTooLarge { .. })
    ));
    assert_eq!(s.queue_depth().await.unwrap(), 0);
    // Odd but valid bytes are data, round-tripped exactly.
    let odd = ModuleKey::new("k'\"%_\\;--é😀/..").unwrap();
    let payload: Vec<u8> = (0..=255u8).collect();
    s.enqueue(
        &[NewEvent::new(a.clone(), odd.clone(), payload.clone())],
        T0,
    )
    .await
    .unwrap();
    let claimed = s.claim(T0).await.unwrap().unwrap();
    assert_eq!(
        (claimed.module_key, claimed.payload),
        (odd.clone(), payload)
    );
    let id = s.issue_web_trigger(&a, &odd, T0).await.unwrap();
    assert_eq!(
        s.resolve_web_trigger(&id.expose())
            .await
            .unwrap()
            .unwrap()
            .module_key,
        odd
    );
}

async fn web_triggers_issue_resolve_rotate_revoke(h: &Harness) {
    let s = &h.state;
    let a = installed(s, "app-a").await;
    let b = installed(s, "app-b").await;
    let first = s.issue_web_trigger(&a, &module("alert"), T0).await.unwrap();
    let other = s.issue_web_trigger(&b, &module("alert"), T0).await.unwrap();
    let resolved = s
        .resolve_web_trigger(&first.expose())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (resolved.installation, resolved.module_key, resolved.paused),
        (a.clone(), module("alert"), false)
    );
    assert_eq!(
        s.resolve_web_trigger(&other.expose())
            .await
            .unwrap()
            .unwrap()
            .installation,
        b
    );
    // An unknown, well-formed id.
    let unknown = kiln_state::serve::WebTriggerId::generate().unwrap();
    assert_eq!(
        s.resolve_web_trigger(&unknown.expose()).await.unwrap(),
        None
    );
    // Rotation: the new id works, the old one no longer does.
    let second = s.issue_web_trigger(&a, &module("alert"), T0).await.unwrap();
    assert_ne!(first, second);
    assert_eq!(s.resolve_web_trigger(&first.expose()).await.unwrap(), None);
    assert!(
        s.resolve_web_trigger(&second.expose())
            .await
            .unwrap()
            .is_some()
    );
    // Paused installations still resolve, flagged, so the server can answer accordingly.
    s.pause(&a).await.unwrap();
    assert!(
        s.resolve_web_trigger(&second.expose())
            .await
            .unwrap()
            .unwrap()
            .paused
    );
    assert!(s.revoke_web_trigger(&a, &module("alert")).await.unwrap());
    assert!(!s.revoke_web_trigger(&a, &module("alert")).await.unwrap());
    assert_eq!(s.resolve_web_trigger(&second.expose()).await.unwrap(), None);
    // Uninstalling revokes.
    s.uninstall(&b).await.unwrap();
    assert_eq!(s.resolve_web_trigger(&other.expose()).await.unwrap(), None);
}

async fn deliveries_are_recorded_once_until_they_expire(h: &Harness) {
    let s = &h.state;
    let retention = s.limits().delivery_retention.as_millis() as i64;
    assert_eq!(
        s.record_delivery(&delivery("d-1"), T0).await.unwrap(),
        DeliveryOutcome::First
    );
    assert_eq!(
        s.record_delivery(&delivery("d-1"), at(1)).await.unwrap(),
        DeliveryOutcome::Duplicate
    );
    assert_eq!(
        s.record_delivery(&delivery("d-2"), at(1)).await.unwrap(),
        DeliveryOutcome::First
    );
    // Another site may reuse an identifier.
    let elsewhere = DeliveryKey::new(
        "https://other.atlassian.net",
        DeliveryId::new("d-1").unwrap(),
    )
    .unwrap();
    assert_eq!(
        s.record_delivery(&elsewhere, at(2)).await.unwrap(),
        DeliveryOutcome::First
    );
    assert_eq!(
        s.record_delivery(&delivery("d-1"), at(retention - 1))
            .await
            .unwrap(),
        DeliveryOutcome::Duplicate
    );
    // After retention a record is forgotten: purged, or replaced on sight.
    assert_eq!(s.purge_deliveries(at(retention)).await.unwrap(), 1);
    assert_eq!(
        s.record_delivery(&delivery("d-1"), at(retention))
            .await
            .unwrap(),
        DeliveryOutcome::First
    );
    assert_eq!(
        s.record_delivery(&delivery("d-2"), at(retention + 1))
            .await
            .unwrap(),
        DeliveryOutcome::First
    );
    // Concurrent deliveries of one id: one First.
    let firsts = join_all((0..32).map(|_| {
        let s = s.clone();
        async move { s.record_delivery(&delivery("race"), T0).await.unwrap() }
    }))
    .await;
    assert_eq!(
        firsts
            .iter()
            .filter(|o| **o == DeliveryOutcome::First)
            .count(),
        1
    );
}

async fn accepting_a_delivery_is_all_or_nothing(h: &Harness) {
    let mut limits = ServeLimits::default();
    limits.queue.max_per_installation = 3;
    let s = h.with_limits(limits);
    let a = installed(&s, "app-a").await;
    let events: Vec<_> = (0..2).map(|n| event(&a, n)).collect();
    let EnqueueOutcome::Accepted(ids) = s
        .accept_delivery(&delivery("d-1"), &events, T0)
        .await
        .unwrap()
    else {
        panic!("first delivery refused");
    };
    assert_eq!(ids.len(), 2);
    assert_eq!(
        s.accept_delivery(&delivery("d-1"), &events, at(5))
            .await
            .unwrap(),
        EnqueueOutcome::Duplicate
    );
    // Full: nothing stored and the delivery not recorded, so Jira's retry is accepted later.
    assert!(matches!(
        s.accept_delivery(&delivery("d-2"), &events, at(6)).await,
        Err(ServeError::QueueFull(QueueFull {
            bound: QueueBound::Installation,
            limit: 3
        }))
    ));
    assert_eq!(s.queue_depth().await.unwrap(), 2);
    let lease = s.claim(at(7)).await.unwrap().unwrap().lease;
    s.complete(lease).await.unwrap();
    assert!(matches!(
        s.accept_delivery(&delivery("d-2"), &events, at(8))
            .await
            .unwrap(),
        EnqueueOutcome::Accepted(_)
    ));
    assert_eq!(s.queue_depth().await.unwrap(), 3);
}

/// The fast path of a webhook: accept, claim by the queue's own rules in the same
/// transaction, commit while the handler starts. A duplicate claims nothing; the claim is
/// fair (an older event of another installation goes first) and bounded by the per-app
/// limit; once committed, a claimed event is leased (no one else can claim it) and its
/// lease completes like any other.
async fn an_accepted_delivery_claims_by_the_queues_rules_before_it_commits(h: &Harness) {
    // PostgreSQL: replicas' workers claim; the accepting transaction claims nothing.
    if matches!(h.origin, support::Origin::Postgres(_)) {
        let a = installed(&h.state, "app-a").await;
        let accepted = h
            .state
            .accept_delivery_claiming(&delivery("d-1"), &[event(&a, 1)], T0, 1)
            .await
            .unwrap();
        assert!(matches!(accepted.outcome, EnqueueOutcome::Accepted(_)));
        assert!(accepted.claimed.is_empty());
        accepted.commit.await.unwrap();
        assert!(h.state.claim(at(1)).await.unwrap().is_some());
        return;
    }
    let mut limits = ServeLimits::default();
    limits.queue.max_leased_per_app = 2;
    let s = h.with_limits(limits);
    let a = installed(&s, "app-a").await;
    let b = installed(&s, "app-b").await;

    // Nothing waiting: the delivery's own event is claimed.
    let first = s
        .accept_delivery_claiming(&delivery("d-1"), &[event(&a, 1)], T0, 1)
        .await
        .unwrap();
    let EnqueueOutcome::Accepted(ids) = &first.outcome else {
        panic!("refused: {first:?}");
    };
    assert_eq!(first.claimed.len(), 1);
    assert_eq!(first.claimed[0].lease.event, ids[0]);
    assert_eq!(first.claimed[0].lease.attempt, 1);
    assert_eq!(first.claimed[0].payload, b"{\"n\":1}");
    // The record the claim read: what the worker checks its loaded code against.
    assert_eq!(first.claimed[0].record, record(a.clone()));
    first.commit.await.unwrap();
    // Leased: no worker takes it, and its lease completes.
    assert!(s.claim(at(1)).await.unwrap().is_none());
    assert_eq!(
        s.complete(first.claimed[0].lease).await.unwrap(),
        LeaseOutcome::Completed
    );

    // A redelivery claims nothing and stores nothing.
    let again = s
        .accept_delivery_claiming(&delivery("d-1"), &[event(&a, 1)], at(2), 1)
        .await
        .unwrap();
    assert_eq!(again.outcome, EnqueueOutcome::Duplicate);
    assert!(again.claimed.is_empty());
    again.commit.await.unwrap();
    assert_eq!(s.queue_depth().await.unwrap(), 0);

    // Fair: b's older event waits, so it is the one claimed; a's new event stays ready.
    s.enqueue(&[event(&b, 2)], at(3)).await.unwrap();
    let fair = s
        .accept_delivery_claiming(&delivery("d-2"), &[event(&a, 3)], at(4), 1)
        .await
        .unwrap();
    assert_eq!(fair.claimed.len(), 1);
    assert_eq!(fair.claimed[0].installation, b);
    fair.commit.await.unwrap();
    let next = s.claim(at(5)).await.unwrap().unwrap();
    assert_eq!(next.installation, a);

    // The per-app limit: a holds one live lease (next); of three new events, one more is
    // claimed for a, the rest wait.
    let events: Vec<_> = (10..13).map(|n| event(&a, n)).collect();
    let bounded = s
        .accept_delivery_claiming(&delivery("d-3"), &events, at(6), 3)
        .await
        .unwrap();
    assert_eq!(bounded.claimed.len(), 1, "{bounded:?}");
    bounded.commit.await.unwrap();
    assert_eq!(s.queue_depth().await.unwrap(), 5);
}

/// The accepting transaction's claim skips the dead-letter sweep a worker's claim makes,
/// so it must never pick a lapsed lease with no attempts left: it claims the delivery's own
/// event, and the next worker claim sends the exhausted one to the dead letters.
async fn an_accepted_delivery_never_claims_an_exhausted_lease(h: &Harness) {
    let mut limits = ServeLimits::default();
    limits.queue.max_attempts = 1;
    let s = h.with_limits(limits);
    let a = installed(&s, "app-a").await;
    s.enqueue(&[event(&a, 1)], T0).await.unwrap();
    let exhausted = s.claim(T0).await.unwrap().unwrap();
    assert_eq!(exhausted.lease.attempt, 1);
    // Its lease lapses with no attempt left.
    let later = T0.plus(limits.lease).plus(Duration::from_secs(1));
    let accepted = s
        .accept_delivery_claiming(&delivery("d-1"), &[event(&a, 2)], later, 2)
        .await
        .unwrap();
    let EnqueueOutcome::Accepted(ids) = &accepted.outcome else {
        panic!("refused: {accepted:?}");
    };
    assert!(
        accepted
            .claimed
            .iter()
            .all(|c| c.lease.event != exhausted.lease.event),
        "{accepted:?}"
    );
    let new_id = ids[0];
    accepted.commit.await.unwrap();
    if let Some(claimed) = accepted.claimed.first() {
        // The backends that claim while accepting (SQLite, memory) took the new event.
        assert_eq!(claimed.lease.event, new_id);
    } else {
        // PostgreSQL's workers claim it.
        let claimed = s.claim(later).await.unwrap().unwrap();
        assert_eq!(claimed.lease.event, new_id);
    }
    // A worker's claim sweeps the exhausted lease into the dead letters; nothing is left.
    assert!(s.claim(later).await.unwrap().is_none());
    let dead = s.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0].last_error, "lease expired");
}

/// The claiming path is all or nothing too (on SQLite it is an implementation of its own,
/// `sqlite_accept.rs`): a refused delivery stores nothing, claims nothing, is not recorded
/// (Jira's retry is accepted later), and leaves the database to the next writer.
async fn a_refused_claiming_delivery_stores_nothing(h: &Harness) {
    let mut limits = ServeLimits::default();
    limits.queue.max_per_installation = 2;
    limits.queue.max_total = 3;
    let s = h.with_limits(limits);
    let a = installed(&s, "app-a").await;
    let b = installed(&s, "app-b").await;
    let full_a: Vec<_> = (0..3).map(|n| event(&a, n)).collect();
    assert!(matches!(
        s.accept_delivery_claiming(&delivery("d-1"), &full_a, T0, 1)
            .await,
        Err(ServeError::QueueFull(QueueFull {
            bound: QueueBound::Installation,
            limit: 2
        }))
    ));
    let total: Vec<_> = [&a, &a, &b, &b].iter().map(|i| event(i, 1)).collect();
    assert!(matches!(
        s.accept_delivery_claiming(&delivery("d-2"), &total, T0, 1)
            .await,
        Err(ServeError::QueueFull(QueueFull {
            bound: QueueBound::Total,
            limit: 3
        }))
    ));
    let stranger = inst("never-installed");
    assert!(matches!(
        s.accept_delivery_claiming(
            &delivery("d-3"),
            &[event(&a, 1), event(&stranger, 1)],
            T0,
            1
        )
        .await,
        Err(ServeError::NotInstalled)
    ));
    assert_eq!(s.queue_depth().await.unwrap(), 0);
    assert!(s.claim(at(1)).await.unwrap().is_none());
    // None of the three was recorded: each is accepted when Jira sends it again.
    for id in ["d-1", "d-2", "d-3"] {
        let again = s
            .accept_delivery_claiming(&delivery(id), &[event(&a, 9)], at(2), 1)
            .await
            .unwrap();
        assert!(
            matches!(again.outcome, EnqueueOutcome::Accepted(_)),
            "{id}: {again:?}"
        );
        again.commit.await.unwrap();
        for claimed in &again.claimed {
            s.complete(claimed.lease).await.unwrap();
        }
        while let Some(claimed) = s.claim(at(3)).await.unwrap() {
            s.complete(claimed.lease).await.unwrap();
        }
    }
    assert_eq!(s.queue_depth().await.unwrap(), 0);
}

/// SQLite only: another process holding the file's write lock makes an accepting
/// delivery wait for it (up to the busy timeout), not fail and not block the caller's
/// thread; once the lock is released the delivery is stored and claimed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claiming_delivery_waits_for_another_processs_write_lock() {
    use sqlx::Connection as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.sqlite3");
    let db = kiln_state::SqliteDatabase::open(&path).await.unwrap();
    let s = ServeState::new(
        Arc::new(kiln_state::serve::SqliteServeBackend::new(db)),
        ServeLimits::default(),
    );
    let a = installed(&s, "app-a").await;

    // "Another process": a connection of its own that takes the write lock.
    let mut other = sqlx::SqliteConnection::connect_with(
        &sqlx::sqlite::SqliteConnectOptions::new().filename(&path),
    )
    .await
    .unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut other)
        .await
        .unwrap();

    let accepting = tokio::spawn({
        let (s, a) = (s.clone(), a.clone());
        async move {
            let accepted = s
                .accept_delivery_claiming(&delivery("d-1"), &[event(&a, 1)], T0, 1)
                .await
                .unwrap();
            accepted.commit.await.unwrap();
            (accepted.outcome, accepted.claimed)
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!accepting.is_finished(), "it waits for the lock");
    // The caller's runtime is not blocked meanwhile.
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(1), async { 7 })
            .await
            .unwrap(),
        7
    );
    sqlx::query("COMMIT").execute(&mut other).await.unwrap();
    let (outcome, claimed) = tokio::time::timeout(Duration::from_secs(10), accepting)
        .await
        .expect("accepted once the lock is free")
        .unwrap();
    assert!(matches!(outcome, EnqueueOutcome::Accepted(_)));
    assert_eq!(claimed.len(), 1);
    assert_eq!(
        s.complete(claimed[0].lease).await.unwrap(),
        LeaseOutcome::Completed
    );
}

async fn interval_claims_are_exactly_once(h: &Harness) {
    let s = &h.state;
    let a = installed(s, "app-a").await;
    let key = module("weekly-summary");
    let winners = join_all((0..64).map(|_| {
        let (s, a, key) = (s.clone(), a.clone(), key.clone());
        async move { s.claim_interval(&a, &key, T0).await.unwrap() }
    }))
    .await;
    assert_eq!(
        winners
            .iter()
            .filter(|c| **c == IntervalClaim::Claimed)
            .count(),
        1
    );
    assert_eq!(
        s.claim_interval(&a, &key, T0).await.unwrap(),
        IntervalClaim::AlreadyClaimed { last: T0 }
    );
    // An older interval (a clock stepping back) loses.
    assert_eq!(
        s.claim_interval(&a, &key, at(-1)).await.unwrap(),
        IntervalClaim::AlreadyClaimed { last: T0 }
    );
    // Other triggers and installations are independent.
    assert_eq!(
        s.claim_interval(&a, &module("other"), T0).await.unwrap(),
        IntervalClaim::Claimed
    );
    let b = installed(s, "app-b").await;
    assert_eq!(
        s.claim_interval(&b, &key, T0).await.unwrap(),
        IntervalClaim::Claimed
    );

    // The scheduler's loop: a tick every minute claims each five-minute interval once.
    let every = ScheduleInterval::FiveMinute;
    let key = module("five");
    let mut runs = Vec::new();
    for minute in 0..20 {
        let now = UnixMillis(every.current_start(T0).0 + minute * 60_000);
        if let Some(start) = s.claim_due(&a, &key, every, now).await.unwrap() {
            runs.push(start);
        }
    }
    assert_eq!(runs.len(), 4);
    // Down for 50 minutes (ten intervals): the first tick back runs once, not ten times.
    let back = UnixMillis(every.current_start(T0).0 + 70 * 60_000);
    assert!(s.claim_due(&a, &key, every, back).await.unwrap().is_some());
    assert!(
        s.claim_due(&a, &key, every, back.plus(Duration::from_secs(60)))
            .await
            .unwrap()
            .is_none()
    );
}

async fn queue_runs_retries_and_dead_letters(h: &Harness) {
    let s = &h.state;
    let limits = s.limits().queue;
    let a = installed(s, "app-a").await;
    let ids = s.enqueue(&[event(&a, 1), event(&a, 2)], T0).await.unwrap();
    assert_eq!(s.queue_depth().await.unwrap(), 2);
    let first = s.claim(T0).await.unwrap().unwrap();
    assert_eq!(
        (
            first.lease.event,
            first.lease.attempt,
            first.payload.clone()
        ),
        (ids[0], 1, b"{\"n\":1}".to_vec())
    );
    assert_eq!(
        s.complete(first.lease).await.unwrap(),
        LeaseOutcome::Completed
    );
    assert_eq!(
        s.complete(first.lease).await.unwrap(),
        LeaseOutcome::LeaseLost
    );
    assert_eq!(s.queue_depth().await.unwrap(), 1);
    // Fail every attempt: backoff doubles, then the event is dead.
    let mut now = T0;
    for attempt in 1..=limits.max_attempts {
        let claimed = s
            .claim(now)
            .await
            .unwrap()
            .expect("claimable after backoff");
        assert_eq!(claimed.lease.attempt, attempt);
        let outcome = s
            .fail(
                claimed.lease,
                &format!("boom {attempt}\n{}", "é".repeat(4000)),
                now,
            )
            .await
            .unwrap();
        if attempt < limits.max_attempts {
            let at = now.plus(limits.backoff(attempt));
            assert_eq!(outcome, LeaseOutcome::Retrying { at });
            // Not before its time.
            assert!(s.claim(UnixMillis(at.0 - 1)).await.unwrap().is_none());
            now = at;
        } else {
            assert_eq!(outcome, LeaseOutcome::Dead);
        }
    }
    assert!(s.claim(at(10_000_000)).await.unwrap().is_none());
    let dead = s.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(
        (
            dead[0].event,
            dead[0].attempts,
            dead[0].installation.clone()
        ),
        (ids[1], limits.max_attempts, a.clone())
    );
    assert!(dead[0].last_error.starts_with("boom 5\n"));
    assert!(dead[0].last_error.len() <= kiln_state::serve::MAX_ERROR_BYTES);
    // Dead letters count against the depth until discarded.
    assert_eq!(s.queue_depth().await.unwrap(), 1);
    assert!(s.discard_dead_letter(ids[1]).await.unwrap());
    assert!(!s.discard_dead_letter(ids[1]).await.unwrap());
    assert_eq!(s.queue_depth().await.unwrap(), 0);
}

async fn expired_leases_return_events_and_fence_old_claimers(h: &Harness) {
    let s = &h.state;
    let lease = s.limits().lease;
    let a = installed(s, "app-a").await;
    s.enqueue(&[event(&a, 1)], T0).await.unwrap();
    let dead_claimer = s.claim(T0).await.unwrap().unwrap();
    assert!(
        s.claim(T0).await.unwrap().is_none(),
        "leased events are not claimed twice"
    );
    let expiry = T0.plus(lease);
    assert!(s.claim(UnixMillis(expiry.0 - 1)).await.unwrap().is_none());
    let survivor = s.claim(expiry).await.unwrap().unwrap();
    assert_eq!(survivor.lease.event, dead_claimer.lease.event);
    assert_eq!(survivor.lease.attempt, 2);
    // The first claimer wakes up late: its lease is no longer the event's.
    assert_eq!(
        s.complete(dead_claimer.lease).await.unwrap(),
        LeaseOutcome::LeaseLost
    );
    assert_eq!(
        s.fail(dead_claimer.lease, "late", expiry).await.unwrap(),
        LeaseOutcome::LeaseLost
    );
    assert_eq!(
        s.complete(survivor.lease).await.unwrap(),
        LeaseOutcome::Completed
    );
    // A claimer that dies on every attempt: the event ends dead, not looping.
    let mut limits = ServeLimits::default();
    limits.queue.max_attempts = 2;
    let s = h.with_limits(limits);
    s.enqueue(&[event(&a, 2)], T0).await.unwrap();
    let mut now = T0;
    for _ in 0..2 {
        assert!(s.claim(now).await.unwrap().is_some());
        now = now.plus(lease);
    }
    assert!(s.claim(now).await.unwrap().is_none());
    let dead = s.dead_letters(10).await.unwrap();
    assert_eq!(
        (dead.len(), dead[0].last_error.as_str()),
        (1, "lease expired")
    );
}

/// A claimer that renews its lease keeps the event for as long as it works, far past the
/// lease it claimed; renewal is fenced like completion, and the fence is the attempt, not
/// the clock.
async fn renewed_leases_hold_and_lost_ones_cannot_be_renewed(h: &Harness) {
    let s = &h.state;
    let lease = s.limits().lease;
    let beat = i64::try_from(s.heartbeat().as_millis()).unwrap();
    assert!(s.heartbeat() < lease && !s.heartbeat().is_zero());
    let a = installed(s, "app-a").await;
    s.enqueue(&[event(&a, 1), event(&a, 2)], T0).await.unwrap();
    let long = s.claim(T0).await.unwrap().unwrap();
    // Ten heartbeats: more than three lease periods. No one else may take the event.
    let mut now = T0;
    for _ in 0..10 {
        now = UnixMillis(now.0 + beat);
        assert_eq!(
            s.renew(long.lease, now).await.unwrap(),
            LeaseRenewal::Renewed {
                until: now.plus(lease)
            }
        );
        let other = s.claim(now).await.unwrap().unwrap();
        assert_ne!(
            other.lease.event, long.lease.event,
            "a renewed lease was taken"
        );
        assert_eq!(
            s.complete(other.lease).await.unwrap(),
            LeaseOutcome::Completed
        );
        s.enqueue(&[event(&a, 3)], now).await.unwrap();
    }
    assert!(now.0 - T0.0 > 3 * i64::try_from(lease.as_millis()).unwrap());
    // The lease lapses (a heartbeat came late) but no one claimed the event: it is still
    // this claimer's, and renewing it is safe.
    now = now.plus(lease).plus(lease);
    assert!(matches!(
        s.renew(long.lease, now).await.unwrap(),
        LeaseRenewal::Renewed { .. }
    ));
    assert_eq!(
        s.complete(long.lease).await.unwrap(),
        LeaseOutcome::Completed
    );
    // Finished: no renewal brings it back.
    assert_eq!(
        s.renew(long.lease, now).await.unwrap(),
        LeaseRenewal::LeaseLost
    );
    // Claimed again after expiry: the first claimer's renewal is refused and leaves the new
    // claimer's lease as it was.
    let left = s.claim(now).await.unwrap().unwrap();
    let expiry = now.plus(lease);
    let again = s.claim(expiry).await.unwrap().unwrap();
    assert_eq!(
        (again.lease.event, again.lease.attempt),
        (left.lease.event, 2)
    );
    assert_eq!(
        s.renew(left.lease, now).await.unwrap(),
        LeaseRenewal::LeaseLost
    );
    assert!(
        s.claim(UnixMillis(expiry.plus(lease).0 - 1))
            .await
            .unwrap()
            .is_none(),
        "the fenced renewal moved the new claimer's lease"
    );
    // A failed attempt's lease is gone too: the event waits for its retry, unleased.
    assert!(matches!(
        s.fail(again.lease, "trap", expiry).await.unwrap(),
        LeaseOutcome::Retrying { .. }
    ));
    assert_eq!(
        s.renew(again.lease, expiry).await.unwrap(),
        LeaseRenewal::LeaseLost
    );
    // An uninstall removes the event under its claimer.
    let third = s
        .claim(T0.plus(Duration::from_secs(3600)))
        .await
        .unwrap()
        .unwrap();
    assert!(s.uninstall(&a).await.unwrap());
    assert_eq!(
        s.renew(third.lease, T0).await.unwrap(),
        LeaseRenewal::LeaseLost
    );
}

async fn queue_bounds_are_typed(h: &Harness) {
    let mut limits = ServeLimits::default();
    limits.queue.max_total = 5;
    limits.queue.max_per_installation = 3;
    let s = h.with_limits(limits);
    let a = installed(&s, "app-a").await;
    let b = installed(&s, "app-b").await;
    s.enqueue(&[event(&a, 1), event(&a, 2)], T0).await.unwrap();
    // Two more for a: over its own bound; nothing of the request is kept.
    assert!(matches!(
        s.enqueue(&[event(&a, 3), event(&a, 4)], T0).await,
        Err(ServeError::QueueFull(QueueFull {
            bound: QueueBound::Installation,
            limit: 3
        }))
    ));
    assert_eq!(s.queue_depth().await.unwrap(), 2);
    s.enqueue(&[event(&a, 3), event(&b, 1), event(&b, 2)], T0)
        .await
        .unwrap();
    assert!(matches!(
        s.enqueue(&[event(&b, 3)], T0).await,
        Err(ServeError::QueueFull(QueueFull {
            bound: QueueBound::Total,
            limit: 5
        }))
    ));
    assert_eq!(s.queue_depth().await.unwrap(), 5);
    // Uninstalling drops its queued work and frees its share.
    s.uninstall(&a).await.unwrap();
    assert_eq!(s.queue_depth().await.unwrap(), 2);
    s.enqueue(&[event(&b, 3)], T0).await.unwrap();
}

async fn installations_take_turns(h: &Harness) {
    let s = &h.state;
    let busy = installed(s, "app-busy").await;
    let quiet = installed(s, "app-quiet").await;
    s.enqueue(&(0..10).map(|n| event(&busy, n)).collect::<Vec<_>>(), T0)
        .await
        .unwrap();
    s.enqueue(&[event(&quiet, 0), event(&quiet, 1)], T0)
        .await
        .unwrap();
    let mut order = Vec::new();
    for _ in 0..6 {
        let c = s.claim(T0).await.unwrap().unwrap();
        order.push(c.installation.app_id().to_owned());
        s.complete(c.lease).await.unwrap();
    }
    // The quiet installation's two events are among the first four claims despite arriving last.
    assert_eq!(
        order[..4].iter().filter(|a| *a == "app-quiet").count(),
        2,
        "{order:?}"
    );
    assert!(order[4..].iter().all(|a| a == "app-busy"));
}

async fn per_app_concurrency_and_pause_are_respected(h: &Harness) {
    let mut limits = ServeLimits::default();
    limits.queue.max_leased_per_app = 2;
    let s = h.with_limits(limits);
    // Two installations of one app on two sites share the app's limit.
    let one = Installation::new("app-a", "https://one.atlassian.net", "production").unwrap();
    let two = Installation::new("app-a", "https://two.atlassian.net", "production").unwrap();
    let other = installed(&s, "app-b").await;
    for i in [&one, &two] {
        s.install(&record(i.clone())).await.unwrap();
        s.enqueue(&[event(i, 0), event(i, 1)], T0).await.unwrap();
    }
    s.enqueue(&[event(&other, 0)], T0).await.unwrap();
    let mut held = Vec::new();
    while let Some(c) = s.claim(T0).await.unwrap() {
        held.push(c);
    }
    let of_a = held
        .iter()
        .filter(|c| c.installation.app_id() == "app-a")
        .count();
    assert_eq!((of_a, held.len()), (2, 3));
    let done = held
        .iter()
        .find(|c| c.installation.app_id() == "app-a")
        .unwrap();
    s.complete(done.lease).await.unwrap();
    assert_eq!(
        s.claim(T0).await.unwrap().unwrap().installation.app_id(),
        "app-a"
    );
    // Paused: its events wait, and are claimed after resuming.
    let p = installed(&s, "app-paused").await;
    s.pause(&p).await.unwrap();
    s.enqueue(&[event(&p, 0)], T0).await.unwrap();
    assert!(s.claim(T0).await.unwrap().is_none());
    s.resume(&p).await.unwrap();
    assert_eq!(s.claim(T0).await.unwrap().unwrap().installation, p);
}

/// A held installation (its code is not the approved code) keeps its events and runs none of
/// them, nor can its web trigger be used, until it is approved again; a hold only lands on
/// the approval its caller compared against; an approval in the old, unbound format runs
/// nothing; every field of the binding survives a round trip.
async fn held_installations_keep_their_events_and_run_none(h: &Harness) {
    let s = &h.state;
    let a = installed(s, "app-held").await;
    let approved = s.installation(&a).await.unwrap().unwrap();
    assert!(approved.runnable());
    let new_code = ComponentSha256::new("cd".repeat(32)).unwrap();
    let hold = Hold {
        reason: HoldReason::ComponentChanged,
        pending: new_code.clone(),
    };
    assert!(s.hold(&approved, &hold).await.unwrap());
    let held = s.installation(&a).await.unwrap().unwrap();
    assert_eq!(held.hold.as_ref(), Some(&hold));
    assert_eq!(
        held.approval, approved.approval,
        "the approval is kept as it was"
    );
    assert!(!held.runnable());
    let ids = s.enqueue(&[event(&a, 0), event(&a, 1)], T0).await.unwrap();
    assert!(
        s.claim(T0).await.unwrap().is_none(),
        "a held installation runs nothing"
    );
    assert_eq!(s.queue_depth().await.unwrap(), 2, "its events are kept");
    let key = ModuleKey::new("hook").unwrap();
    let id = s.issue_web_trigger(&a, &key, T0).await.unwrap();
    assert!(
        s.resolve_web_trigger(&id.expose())
            .await
            .unwrap()
            .unwrap()
            .held
    );

    // Approved again (the new code): the events run, in order.
    let mut again = held.clone();
    again.approval = Some(ApprovalBinding {
        site: approved.approval.clone().unwrap().site,
        component: new_code,
    });
    again.hold = None;
    s.install(&again).await.unwrap();
    assert!(
        !s.resolve_web_trigger(&id.expose())
            .await
            .unwrap()
            .unwrap()
            .held
    );
    for expected in ids {
        let claimed = s.claim(T0).await.unwrap().unwrap();
        assert_eq!(claimed.lease.event, expected);
        s.complete(claimed.lease).await.unwrap();
    }

    // A hold computed against the approval before that one does not land.
    assert!(!s.hold(&approved, &hold).await.unwrap());
    assert!(s.installation(&a).await.unwrap().unwrap().hold.is_none());
    // Nor one computed for another principal.
    let mut other_principal = again.clone();
    other_principal.grant = GrantIdentity::api_token("someone-else@example.com").unwrap();
    assert!(!s.hold(&other_principal, &hold).await.unwrap());

    // An approval without a component digest (the old format) is none: nothing runs.
    let unbound = inst("app-unbound");
    let mut record = record(unbound.clone());
    record.approval = None;
    s.install(&record).await.unwrap();
    s.enqueue(&[event(&unbound, 0)], T0).await.unwrap();
    assert!(s.claim(T0).await.unwrap().is_none());
    assert_eq!(s.installation(&unbound).await.unwrap().unwrap(), record);
    // A site binding and hold reasons round-trip.
    for reason in HoldReason::ALL {
        assert_eq!(HoldReason::parse(reason.as_str()), Some(reason));
    }
    assert!(
        ComponentSha256::new("AB".repeat(32)).is_err(),
        "one spelling only"
    );
    assert!(ComponentSha256::new("ab".repeat(31)).is_err());
    assert!(SiteBinding::new("", "x").is_err());
}

async fn concurrent_claimers_run_each_event_once(h: &Harness) {
    let s = &h.state;
    let mut limits = ServeLimits::default();
    limits.queue.max_leased_per_app = 1000;
    let s2 = h.with_limits(limits);
    let apps: Vec<_> = join_all((0..4).map(|n| {
        let s = s.clone();
        async move { installed(&s, &format!("app-{n}")).await }
    }))
    .await;
    let events: Vec<_> = (0..200).map(|n| event(&apps[n % 4], n)).collect();
    let ids: HashSet<_> = s.enqueue(&events, T0).await.unwrap().into_iter().collect();
    let runs = join_all((0..16).map(|_| {
        let s = s2.clone();
        async move {
            let mut mine = Vec::new();
            while let Some(c) = s.claim(T0).await.unwrap() {
                assert_eq!(s.complete(c.lease).await.unwrap(), LeaseOutcome::Completed);
                mine.push(c.lease.event);
            }
            mine
        }
    }))
    .await;
    let all: Vec<_> = runs.into_iter().flatten().collect();
    assert_eq!(all.len(), 200);
    assert_eq!(all.iter().copied().collect::<HashSet<_>>(), ids);
    assert_eq!(s.queue_depth().await.unwrap(), 0);
}

const REPLICAS: usize = 3;

/// Three replicas with four claimers each drain 300 events of five apps: every event is
/// claimed and completed exactly once, none is left, and the depth ends at zero.
async fn claimers_across_replicas_take_distinct_events(h: &Harness) {
    let mut limits = ServeLimits::default();
    limits.queue.max_leased_per_app = 1000;
    let apps: Vec<_> = join_all((0..5).map(|n| {
        let s = h.state.clone();
        async move { installed(&s, &format!("app-{n}")).await }
    }))
    .await;
    let events: Vec<_> = (0..300).map(|n| event(&apps[n % 5], n)).collect();
    let ids: HashSet<_> = h
        .state
        .enqueue(&events, T0)
        .await
        .unwrap()
        .into_iter()
        .collect();
    let mut claimers = Vec::new();
    for _ in 0..REPLICAS {
        let replica = h.replica(limits).await;
        claimers.extend((0..4).map(|_| replica.clone()));
    }
    let runs = join_all(claimers.into_iter().map(|s| async move {
        let mut mine = Vec::new();
        while let Some(c) = s.claim(T0).await.unwrap() {
            assert_eq!(c.lease.attempt, 1, "no event is claimed twice");
            assert_eq!(s.complete(c.lease).await.unwrap(), LeaseOutcome::Completed);
            mine.push(c.lease.event);
        }
        mine
    }))
    .await;
    let all: Vec<_> = runs.into_iter().flatten().collect();
    assert_eq!(all.len(), 300);
    assert_eq!(all.iter().copied().collect::<HashSet<_>>(), ids);
    assert_eq!(h.state.queue_depth().await.unwrap(), 0);
    assert!(h.state.claim(T0).await.unwrap().is_none());
}

/// A replica claims and dies (never completes). Another replica takes the event once the
/// lease passes, as attempt 2; the dead replica's late answer is fenced off.
async fn expired_leases_are_reclaimed_across_replicas(h: &Harness) {
    let limits = ServeLimits::default();
    let (dying, survivor) = (h.replica(limits).await, h.replica(limits).await);
    let a = installed(&h.state, "app-a").await;
    h.state.enqueue(&[event(&a, 7)], T0).await.unwrap();
    let lost = dying.claim(T0).await.unwrap().unwrap();
    assert!(
        survivor.claim(T0).await.unwrap().is_none(),
        "the lease holds"
    );
    let taken = survivor
        .claim(T0.plus(limits.lease))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (taken.lease.event, taken.lease.attempt, &taken.payload),
        (lost.lease.event, 2, &lost.payload)
    );
    assert_eq!(
        dying.complete(lost.lease).await.unwrap(),
        LeaseOutcome::LeaseLost
    );
    assert_eq!(h.state.queue_depth().await.unwrap(), 1);
}

/// Two replicas, each holding an event. One keeps renewing (a long invocation); the other
/// dies. A third replica polling at every heartbeat takes the dead one's event as soon as
/// its lease passes — within one lease of the last renewal — and never the live one's.
async fn renewals_keep_live_claims_and_free_dead_ones_across_replicas(h: &Harness) {
    let mut limits = ServeLimits::default();
    limits.queue.max_leased_per_app = 1000;
    let (working, dying, polling) = (
        h.replica(limits).await,
        h.replica(limits).await,
        h.replica(limits).await,
    );
    let a = installed(&h.state, "app-a").await;
    h.state
        .enqueue(&[event(&a, 1), event(&a, 2)], T0)
        .await
        .unwrap();
    let live = working.claim(T0).await.unwrap().unwrap();
    let dead = dying.claim(T0).await.unwrap().unwrap();
    let lease = i64::try_from(limits.lease.as_millis()).unwrap();
    let beat = i64::try_from(working.heartbeat().as_millis()).unwrap();
    let mut taken: Option<(UnixMillis, kiln_state::serve::ClaimedEvent)> = None;
    let mut now = T0;
    while now.0 < T0.0 + 4 * lease {
        now = UnixMillis(now.0 + beat);
        assert!(matches!(
            working.renew(live.lease, now).await.unwrap(),
            LeaseRenewal::Renewed { .. }
        ));
        // The poller is a live worker too: it renews what it took.
        if let Some((_, claimed)) = &taken {
            assert!(matches!(
                polling.renew(claimed.lease, now).await.unwrap(),
                LeaseRenewal::Renewed { .. }
            ));
        }
        if let Some(claimed) = polling.claim(now).await.unwrap() {
            assert_eq!(
                claimed.lease.event, dead.lease.event,
                "a live lease was taken"
            );
            assert!(taken.is_none(), "claimed twice");
            taken = Some((now, claimed));
        }
    }
    let (when, claimed) = taken.expect("the dead replica's event was retried");
    assert!(
        when.0 >= T0.0 + lease && when.0 < T0.0 + lease + beat,
        "retried {} ms after the claim, lease {lease} ms",
        when.0 - T0.0
    );
    assert_eq!(claimed.lease.attempt, 2);
    // The dead replica's late heartbeat and completion change nothing.
    assert_eq!(
        dying.renew(dead.lease, now).await.unwrap(),
        LeaseRenewal::LeaseLost
    );
    assert_eq!(
        dying.complete(dead.lease).await.unwrap(),
        LeaseOutcome::LeaseLost
    );
    assert_eq!(
        working.complete(live.lease).await.unwrap(),
        LeaseOutcome::Completed
    );
    assert_eq!(
        polling.complete(claimed.lease).await.unwrap(),
        LeaseOutcome::Completed
    );
    assert_eq!(h.state.queue_depth().await.unwrap(), 0);
}

/// Events that fail on every replica end dead after `max_attempts`, listed once.
async fn dead_letters_after_max_attempts_across_replicas(h: &Harness) {
    let mut limits = ServeLimits::default();
    limits.queue.max_attempts = 3;
    let mut replicas = Vec::new();
    for _ in 0..REPLICAS {
        replicas.push(h.replica(limits).await);
    }
    let a = installed(&h.state, "app-a").await;
    h.state.enqueue(&[event(&a, 1)], T0).await.unwrap();
    let mut now = T0;
    let mut outcomes = Vec::new();
    for attempt in 0..3 {
        let s = &replicas[attempt % REPLICAS];
        let c = s
            .claim(now)
            .await
            .unwrap()
            .expect("claimable after backoff");
        let outcome = s.fail(c.lease, "boom", now).await.unwrap();
        if let LeaseOutcome::Retrying { at } = outcome {
            now = at;
        }
        outcomes.push(outcome);
    }
    assert_eq!(outcomes[2], LeaseOutcome::Dead);
    for s in &replicas {
        assert!(
            s.claim(now.plus(Duration::from_secs(3600)))
                .await
                .unwrap()
                .is_none()
        );
    }
    let dead = replicas[1].dead_letters(10).await.unwrap();
    assert_eq!(
        (dead.len(), dead[0].attempts, dead[0].last_error.as_str()),
        (1, 3, "boom")
    );
}

/// Jira delivers 40 webhooks, each three times, to all replicas at once: each delivery is
/// accepted once and queues its event once.
async fn deliveries_are_deduplicated_across_replicas(h: &Harness) {
    let a = installed(&h.state, "app-a").await;
    let mut replicas = Vec::new();
    for _ in 0..REPLICAS {
        replicas.push(h.replica(ServeLimits::default()).await);
    }
    let attempts = join_all((0..40 * 3).map(|n| {
        let s = replicas[n % REPLICAS].clone();
        let a = a.clone();
        async move {
            let id = format!("d-{}", n / 3);
            s.accept_delivery(&delivery(&id), &[event(&a, n / 3)], T0)
                .await
                .unwrap()
        }
    }))
    .await;
    let accepted = attempts
        .iter()
        .filter(|o| matches!(o, EnqueueOutcome::Accepted(_)))
        .count();
    assert_eq!(accepted, 40);
    assert_eq!(h.state.queue_depth().await.unwrap(), 40);
}

/// A scheduled trigger over 20 intervals, claimed by eight tasks on each of three replicas:
/// 20 runs, not 20 × 24.
async fn interval_claims_are_taken_once_across_replicas(h: &Harness) {
    let a = installed(&h.state, "app-a").await;
    let key = module("hourly");
    let mut replicas = Vec::new();
    for _ in 0..REPLICAS {
        replicas.push(h.replica(ServeLimits::default()).await);
    }
    let hour = ScheduleInterval::Hour;
    let claims = join_all((0..REPLICAS * 8).map(|n| {
        let s = replicas[n % REPLICAS].clone();
        let (a, key) = (a.clone(), key.clone());
        async move {
            let mut won = Vec::new();
            for i in 0..20 {
                let now = UnixMillis(T0.0 + i * hour.millis() + 1);
                if let Some(start) = s.claim_due(&a, &key, hour, now).await.unwrap() {
                    won.push(start);
                }
            }
            won
        }
    }))
    .await;
    let won: Vec<_> = claims.into_iter().flatten().collect();
    assert_eq!(won.len(), 20, "each interval fires once across replicas");
    assert_eq!(won.iter().collect::<HashSet<_>>().len(), 20);
}

/// `issue_web_trigger_if_absent`: a module's first id wins and stays valid; a later attempt
/// issues nothing (and so prints no URL); rotation still replaces it.
async fn a_web_trigger_id_is_added_once_and_kept(h: &Harness) {
    let s = &h.state;
    let a = installed(s, "app-a").await;
    let key = module("alert");
    let first = s
        .issue_web_trigger_if_absent(&a, &key, T0)
        .await
        .unwrap()
        .expect("the first id is issued");
    assert!(
        s.issue_web_trigger_if_absent(&a, &key, T0)
            .await
            .unwrap()
            .is_none(),
        "a second id was issued"
    );
    let resolved = s.resolve_web_trigger(&first.expose()).await.unwrap();
    assert_eq!(
        resolved.map(|r| (r.installation, r.module_key)),
        Some((a.clone(), key.clone()))
    );
    // Another module of the installation gets its own.
    let other = s
        .issue_web_trigger_if_absent(&a, &module("report"), T0)
        .await
        .unwrap()
        .expect("another module's id");
    assert_ne!(other.expose(), first.expose());
    // Rotation replaces the kept id; after a revoke, the next start issues one again.
    let rotated = s.issue_web_trigger(&a, &key, T0).await.unwrap();
    assert!(
        s.resolve_web_trigger(&first.expose())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.resolve_web_trigger(&rotated.expose())
            .await
            .unwrap()
            .is_some()
    );
    assert!(s.revoke_web_trigger(&a, &key).await.unwrap());
    assert!(
        s.issue_web_trigger_if_absent(&a, &key, T0)
            .await
            .unwrap()
            .is_some()
    );
    // Not installed: a typed error, nothing stored.
    assert!(matches!(
        s.issue_web_trigger_if_absent(&inst("app-x"), &key, T0)
            .await,
        Err(ServeError::NotInstalled)
    ));
}

/// Replicas starting together each try to add the module's id: exactly one issues it (and
/// could print it), and that id works on every replica.
async fn web_trigger_ids_added_at_once_across_replicas_issue_one(h: &Harness) {
    let a = installed(&h.state, "app-a").await;
    let mut replicas = Vec::new();
    for _ in 0..REPLICAS {
        replicas.push(h.replica(ServeLimits::default()).await);
    }
    for round in 0..5 {
        let key = module(&format!("in-{round}"));
        let issued = join_all((0..REPLICAS * 4).map(|n| {
            let s = replicas[n % REPLICAS].clone();
            let (a, key) = (a.clone(), key.clone());
            async move { s.issue_web_trigger_if_absent(&a, &key, T0).await.unwrap() }
        }))
        .await;
        let issued: Vec<_> = issued.into_iter().flatten().collect();
        assert_eq!(issued.len(), 1, "round {round}: ids issued at once");
        for s in &replicas {
            let resolved = s.resolve_web_trigger(&issued[0].expose()).await.unwrap();
            assert_eq!(resolved.map(|r| r.module_key), Some(key.clone()));
        }
    }
}

fn tick(installation: &Installation) -> NewEvent {
    NewEvent::new(installation.clone(), module("hourly"), b"{}".to_vec())
}

const HOUR: i64 = 3_600_000;

/// `queue_scheduled_run`: an interval is claimed exactly when its run is stored, once, and
/// not while an earlier run of the trigger is stored and not dead (queued or leased).
async fn a_scheduled_run_is_queued_once_per_interval_and_never_over_a_live_run(h: &Harness) {
    let s = &h.state;
    let a = installed(s, "app-a").await;
    let hour = |n: i64| UnixMillis(T0.0 + n * HOUR);
    let run = |interval: i64, now: i64| {
        let (s, a) = (s.clone(), a.clone());
        async move {
            s.queue_scheduled_run(hour(interval), &tick(&a), hour(now))
                .await
                .unwrap()
        }
    };
    let ScheduledRun::Queued(first) = run(0, 0).await else {
        panic!("the first interval was not queued");
    };
    assert_eq!(
        run(0, 0).await,
        ScheduledRun::AlreadyClaimed { last: hour(0) }
    );
    // The next interval while the first run is queued, then leased: refused and left
    // unclaimed, with nothing more stored.
    assert_eq!(run(1, 1).await, ScheduledRun::StillRunning);
    let claimed = s.claim(hour(1)).await.unwrap().expect("the run");
    assert_eq!(claimed.lease.event, first);
    assert_eq!(run(1, 1).await, ScheduledRun::StillRunning);
    assert_eq!(s.queue_depth().await.unwrap(), 1);
    // Once it completes, the same interval is claimed (it never was), and an older one is
    // refused.
    s.complete(claimed.lease).await.unwrap();
    assert!(matches!(run(1, 1).await, ScheduledRun::Queued(_)));
    assert_eq!(
        run(0, 1).await,
        ScheduledRun::AlreadyClaimed { last: hour(1) }
    );
    // Another trigger of the same installation is not blocked by this one's run.
    let other = NewEvent {
        module_key: module("daily"),
        ..tick(&a)
    };
    assert!(matches!(
        s.queue_scheduled_run(hour(1), &other, hour(1))
            .await
            .unwrap(),
        ScheduledRun::Queued(_)
    ));
    assert!(matches!(
        s.queue_scheduled_run(hour(1), &tick(&inst("app-x")), hour(1))
            .await,
        Err(ServeError::NotInstalled)
    ));
}

/// A dead run is not running, so the next interval is queued beside it; a full queue
/// refuses the run and the interval stays unclaimed until there is room.
async fn a_dead_run_does_not_block_the_schedule_and_a_full_queue_claims_nothing(h: &Harness) {
    let s = h.with_limits(ServeLimits {
        queue: QueueLimits {
            max_attempts: 1,
            max_total: 2,
            ..QueueLimits::default()
        },
        ..ServeLimits::default()
    });
    let a = installed(&s, "app-a").await;
    let hour = |n: i64| UnixMillis(T0.0 + n * HOUR);
    let queued =
        |result: Result<ScheduledRun, ServeError>| matches!(result, Ok(ScheduledRun::Queued(_)));
    assert!(queued(
        s.queue_scheduled_run(hour(0), &tick(&a), hour(0)).await
    ));
    let claimed = s.claim(hour(0)).await.unwrap().unwrap();
    assert_eq!(
        s.fail(claimed.lease, "trap", hour(0)).await.unwrap(),
        LeaseOutcome::Dead
    );
    assert!(queued(
        s.queue_scheduled_run(hour(1), &tick(&a), hour(1)).await
    ));
    let claimed = s.claim(hour(1)).await.unwrap().unwrap();
    s.complete(claimed.lease).await.unwrap();
    // The dead letter and another event fill the two-event queue.
    s.enqueue(&[event(&a, 1)], hour(2)).await.unwrap();
    let full = s.queue_scheduled_run(hour(2), &tick(&a), hour(2)).await;
    assert!(matches!(full, Err(ServeError::QueueFull(_))), "{full:?}");
    let dead = s.dead_letters(10).await.unwrap();
    assert!(s.discard_dead_letter(dead[0].event).await.unwrap());
    assert!(queued(
        s.queue_scheduled_run(hour(2), &tick(&a), hour(2)).await
    ));
}

/// Every replica's scheduler fires at once, 20 intervals in a row: each interval's run is
/// queued exactly once, and never while the previous run is still stored.
async fn scheduled_runs_are_queued_once_per_interval_across_replicas(h: &Harness) {
    let a = installed(&h.state, "app-a").await;
    let mut replicas = Vec::new();
    for _ in 0..REPLICAS {
        replicas.push(h.replica(ServeLimits::default()).await);
    }
    for interval in 0..20 {
        let start = UnixMillis(T0.0 + interval * HOUR);
        let now = UnixMillis(start.0 + 1);
        let outcomes = join_all((0..REPLICAS * 4).map(|n| {
            let s = replicas[n % REPLICAS].clone();
            let a = a.clone();
            async move { s.queue_scheduled_run(start, &tick(&a), now).await.unwrap() }
        }))
        .await;
        let queued: Vec<_> = outcomes
            .iter()
            .filter(|o| matches!(o, ScheduledRun::Queued(_)))
            .collect();
        assert_eq!(queued.len(), 1, "interval {interval}: {outcomes:?}");
        assert!(
            outcomes.iter().all(|o| matches!(
                o,
                ScheduledRun::Queued(_) | ScheduledRun::AlreadyClaimed { .. }
            )),
            "interval {interval}: {outcomes:?}"
        );
        assert_eq!(h.state.queue_depth().await.unwrap(), 1);
        // While that run is leased, the next interval is refused on every replica.
        let claimed = replicas[interval as usize % REPLICAS]
            .claim(now)
            .await
            .unwrap()
            .expect("the run");
        let next = UnixMillis(start.0 + HOUR);
        for s in &replicas {
            assert_eq!(
                s.queue_scheduled_run(next, &tick(&a), next).await.unwrap(),
                ScheduledRun::StillRunning
            );
        }
        assert_eq!(
            replicas[0].complete(claimed.lease).await.unwrap(),
            LeaseOutcome::Completed
        );
    }
}

/// The per-app concurrency limit holds across replicas: twelve claimers race for an app
/// limited to three live leases; exactly three win.
async fn per_app_limit_holds_across_replicas(h: &Harness) {
    let mut limits = ServeLimits::default();
    limits.queue.max_leased_per_app = 3;
    let a = installed(&h.state, "app-a").await;
    let events: Vec<_> = (0..20).map(|n| event(&a, n)).collect();
    h.state.enqueue(&events, T0).await.unwrap();
    let mut claimers = Vec::new();
    for _ in 0..REPLICAS {
        let replica = h.replica(limits).await;
        claimers.extend((0..4).map(|_| replica.clone()));
    }
    let claimed = join_all(
        claimers
            .into_iter()
            .map(|s| async move { s.claim(T0).await.unwrap() }),
    )
    .await;
    assert_eq!(claimed.iter().flatten().count(), 3);
}

/// A task of the mixed-writers case: (events queued, events completed).
type Task = std::pin::Pin<Box<dyn std::future::Future<Output = (usize, usize)> + Send>>;

/// Writers of every kind at once on three replicas: batches that queue for two
/// installations in both orders, claimers completing and failing, a pause and resume. On
/// PostgreSQL, transactions taking the same row locks in different orders would deadlock
/// and one would be aborted with an error; the lock order in `sql_backend.rs` rules that
/// out, and here no operation may fail. Every event ends completed or queued, none lost.
async fn mixed_writers_across_replicas_never_deadlock(h: &Harness) {
    let mut limits = ServeLimits::default();
    limits.queue.max_leased_per_app = 1000;
    limits.queue.backoff_base = Duration::ZERO;
    let (a, b) = (
        installed(&h.state, "app-a").await,
        installed(&h.state, "app-b").await,
    );
    let mut replicas = Vec::new();
    for _ in 0..REPLICAS {
        replicas.push(h.replica(limits).await);
    }
    let enqueuers = (0..6).map(|n| {
        let s = replicas[n % REPLICAS].clone();
        let (first, second) = if n % 2 == 0 {
            (a.clone(), b.clone())
        } else {
            (b.clone(), a.clone())
        };
        async move {
            let mut queued: usize = 0;
            for round in 0..10 {
                let batch = [
                    event(&first, round),
                    event(&second, round),
                    event(&first, round),
                ];
                queued += s.enqueue(&batch, T0).await.unwrap().len();
            }
            (queued, 0_usize)
        }
    });
    let claimers = (0..6).map(|n| {
        let s = replicas[n % REPLICAS].clone();
        async move {
            let mut completed: usize = 0;
            for round in 0..40 {
                if let Some(c) = s.claim(T0).await.unwrap() {
                    if round % 3 == 0 {
                        s.fail(c.lease, "transient", T0).await.unwrap();
                    } else {
                        assert_eq!(s.complete(c.lease).await.unwrap(), LeaseOutcome::Completed);
                        completed += 1;
                    }
                }
            }
            (0_usize, completed)
        }
    });
    let pauser = {
        let (s, b) = (replicas[1].clone(), b.clone());
        async move {
            for _ in 0..5 {
                assert!(s.pause(&b).await.unwrap());
                assert!(s.resume(&b).await.unwrap());
            }
            (0_usize, 0_usize)
        }
    };
    let mut tasks: Vec<Task> = Vec::new();
    tasks.extend(enqueuers.map(|f| Box::pin(f) as _));
    tasks.extend(claimers.map(|f| Box::pin(f) as _));
    tasks.push(Box::pin(pauser));
    let results = join_all(tasks).await;
    let queued: usize = results.iter().map(|(q, _)| q).sum();
    let completed: usize = results.iter().map(|(_, c)| c).sum();
    assert_eq!(queued, 6 * 10 * 3);
    assert_eq!(
        h.state.queue_depth().await.unwrap(),
        (queued - completed) as u64,
        "every event is completed or still stored"
    );
}

pub(crate) async fn join_all<F: std::future::Future + Send + 'static>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

fn holder(name: &str) -> LeaseHolder {
    LeaseHolder::new(name).unwrap()
}

const SITE: &str = "https://kiln-test.atlassian.net";
const WEBHOOK_LEASE: Duration = Duration::from_secs(60);

async fn a_webhook_site_lease_has_one_holder_and_fences_what_is_stored(h: &Harness) {
    let s = &h.state;
    let (a, b) = (holder("replica-a"), holder("replica-b"));
    let first = s
        .lease_webhook_site(SITE, &a, T0, WEBHOOK_LEASE)
        .await
        .unwrap()
        .expect("a new site's lease is free");
    assert_eq!(first, WebhookRegistration::empty(SITE));
    assert_eq!(
        s.lease_webhook_site(SITE, &b, at(1_000), WEBHOOK_LEASE)
            .await
            .unwrap(),
        None,
        "a live lease is not taken"
    );
    let registered = WebhookRegistration {
        url: "https://kiln.example/webhooks/jira/prod".into(),
        webhooks: vec![RegisteredWebhook {
            id: 10_000,
            events: vec!["comment_created".into(), "jira:issue_created".into()],
            jql_filter: "project = KILN".into(),
        }],
        expires_at: at(30 * 86_400_000),
        refreshed_at: T0,
        status: RegistrationStatus::Registered,
        last_error: "é".repeat(2_000),
        failures: 0,
        next_attempt_at: T0,
        ..WebhookRegistration::empty(SITE)
    };
    assert!(s.store_webhook_registration(&a, &registered).await.unwrap());
    assert!(
        !s.store_webhook_registration(&b, &registered).await.unwrap(),
        "only the holder stores"
    );
    // The holder keeps its lease and reads what it stored (the error text bounded).
    let kept = s
        .lease_webhook_site(SITE, &a, at(2_000), WEBHOOK_LEASE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.webhooks, registered.webhooks);
    assert_eq!(kept.expires_at, registered.expires_at);
    assert_eq!(kept.status, RegistrationStatus::Registered);
    assert!(kept.last_error.len() <= 1024 && kept.last_error.starts_with('é'));
    // Once it ends, another replica takes it, with what is stored; the old holder is fenced.
    let taken = s
        .lease_webhook_site(SITE, &b, at(2_000 + 60_000), WEBHOOK_LEASE)
        .await
        .unwrap()
        .expect("an ended lease is taken over");
    assert_eq!(taken.webhooks, registered.webhooks);
    assert!(!s.store_webhook_registration(&a, &registered).await.unwrap());
    // Released, it is free at once.
    s.release_webhook_site(SITE, &b).await.unwrap();
    assert!(
        s.lease_webhook_site(SITE, &a, at(62_001), WEBHOOK_LEASE)
            .await
            .unwrap()
            .is_some()
    );
    let listed = s.webhook_registrations().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].site, SITE);
    // Hostile values are typed errors, stored nowhere.
    let mut hostile = registered.clone();
    hostile.webhooks[0].events = vec!["a\nb".into()];
    assert!(matches!(
        s.store_webhook_registration(&a, &hostile).await,
        Err(ServeError::InvalidName(_))
    ));
    let mut too_many = registered.clone();
    too_many.webhooks = vec![registered.webhooks[0].clone(); 501];
    assert!(matches!(
        s.store_webhook_registration(&a, &too_many).await,
        Err(ServeError::InvalidName(NameError::TooMany { .. }))
    ));
    assert!(matches!(
        s.lease_webhook_site("", &a, T0, WEBHOOK_LEASE).await,
        Err(ServeError::InvalidName(_))
    ));
    assert!(LeaseHolder::new("").is_err());
}

async fn a_webhook_site_lease_goes_to_one_replica_at_once(h: &Harness) {
    let mut replicas = Vec::new();
    for _ in 0..3 {
        replicas.push(h.replica(ServeLimits::default()).await);
    }
    let taken = join_all((0..12).map(|n| {
        let state = replicas[n % 3].clone();
        async move {
            state
                .lease_webhook_site(SITE, &holder(&format!("r{n}")), T0, WEBHOOK_LEASE)
                .await
                .unwrap()
                .is_some()
        }
    }))
    .await;
    assert_eq!(taken.iter().filter(|t| **t).count(), 1, "{taken:?}");
}

/// `runtime serve` records an installation before its app first opens its storage; the
/// app's first write (or an operator's `runtime storage set`) must still work, on the same
/// database as the server's state.
async fn app_storage_opens_an_installation_serve_recorded_first(h: &Harness) {
    let Some(backend) = h.origin.storage_replica().await else {
        return; // memory: the server's and the app's maps are not one database
    };
    let a = installed(&h.state, "app-stored").await;
    let storage = kiln_state::AppStorage::new(
        backend,
        kiln_state::StorageLimits::default(),
        support::cipher(&support::test_key_hex()),
    );
    let opened = storage.installation(&a).await.unwrap();
    opened
        .set("config:KILN", &serde_json::json!({ "enabled": true }))
        .await
        .unwrap();
    let read = opened.get("config:KILN").await.unwrap().unwrap();
    assert_eq!(read.value, serde_json::json!({ "enabled": true }));
    // Opened again (another process), the same storage.
    let again = storage.installation(&a).await.unwrap();
    assert!(again.get("config:KILN").await.unwrap().is_some());
}

fn lifecycle(marker: &str) -> LifecycleEvents {
    let one = |kind: &str| {
        vec![LifecycleEvent {
            module_key: module("on-lifecycle"),
            payload: format!("{{\"eventType\":\"{kind}\",\"marker\":\"{marker}\"}}").into_bytes(),
        }]
    };
    LifecycleEvents {
        installed: one("avi:forge:installed:app"),
        upgraded: one("avi:forge:upgraded:app"),
    }
}

fn approved(installation: Installation, digest: char) -> InstallRecord {
    InstallRecord {
        approval: Some(ApprovalBinding {
            site: SiteBinding::new("https://kiln-test.atlassian.net", "cloud-1").unwrap(),
            component: ComponentSha256::new(digest.to_string().repeat(64)).unwrap(),
        }),
        ..record(installation)
    }
}

/// Every queued payload, claimed and completed, in order.
async fn drain(s: &ServeState) -> Vec<String> {
    let mut payloads = Vec::new();
    while let Some(claimed) = s.claim(T0).await.unwrap() {
        payloads.push(String::from_utf8(claimed.payload.clone()).unwrap());
        s.complete(claimed.lease).await.unwrap();
    }
    payloads
}

/// The first approval raises `installed`, approving other code raises `upgraded`, approving
/// the same code again raises nothing; a registration held before any approval raises
/// `installed` when its code is approved. Each in the transaction that records it.
async fn approvals_queue_their_lifecycle_events_once(h: &Harness) {
    let s = &h.state;
    let a = inst("app-life");
    let announce = lifecycle("a");
    let change = s
        .install_announcing(&approved(a.clone(), 'a'), &announce, T0)
        .await
        .unwrap();
    assert_eq!(change, LifecycleChange::Installed);
    let queued = drain(s).await;
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert!(queued[0].contains("avi:forge:installed:app"));
    for _ in 0..2 {
        let again = s
            .install_announcing(&approved(a.clone(), 'a'), &announce, T0)
            .await
            .unwrap();
        assert_eq!(again, LifecycleChange::Unchanged);
    }
    assert!(drain(s).await.is_empty(), "the same code approved again");
    let change = s
        .install_announcing(&approved(a.clone(), 'b'), &announce, T0)
        .await
        .unwrap();
    assert_eq!(change, LifecycleChange::Upgraded);
    let queued = drain(s).await;
    assert_eq!(queued.len(), 1);
    assert!(queued[0].contains("avi:forge:upgraded:app"));
    // A plain install (a hold's registration) announces nothing.
    s.install(&approved(a.clone(), 'c')).await.unwrap();
    assert!(drain(s).await.is_empty());

    // Registered and held before any code was approved, then approved: its installation.
    let held = inst("app-held");
    s.install(&InstallRecord {
        approval: None,
        hold: Some(Hold {
            reason: HoldReason::ComponentChanged,
            pending: ComponentSha256::new("d".repeat(64)).unwrap(),
        }),
        ..record(held.clone())
    })
    .await
    .unwrap();
    assert!(drain(s).await.is_empty());
    let change = s
        .install_announcing(&approved(held.clone(), 'd'), &announce, T0)
        .await
        .unwrap();
    assert_eq!(change, LifecycleChange::Installed);
    assert_eq!(drain(s).await.len(), 1);

    // Uninstalled and installed again: installed again.
    assert!(s.uninstall(&a).await.unwrap());
    let change = s
        .install_announcing(&approved(a.clone(), 'b'), &announce, T0)
        .await
        .unwrap();
    assert_eq!(change, LifecycleChange::Installed);
    assert_eq!(drain(s).await.len(), 1);
}

/// Lifecycle events are queued past a full queue (an operator's approval is not refused
/// for it), but not past the payload bound.
async fn lifecycle_events_pass_a_full_queue_not_the_payload_bound(h: &Harness) {
    let mut limits = ServeLimits::default();
    limits.queue.max_total = 1;
    let s = h.with_limits(limits);
    let busy = installed(&s, "app-busy").await;
    s.enqueue(&[event(&busy, 1)], T0).await.unwrap();
    assert!(matches!(
        s.enqueue(&[event(&busy, 2)], T0).await,
        Err(ServeError::QueueFull(_))
    ));
    let change = s
        .install_announcing(&approved(inst("app-late"), 'a'), &lifecycle("late"), T0)
        .await
        .unwrap();
    assert_eq!(change, LifecycleChange::Installed);
    assert_eq!(s.queue_depth().await.unwrap(), 2);

    let huge = LifecycleEvents {
        installed: vec![LifecycleEvent {
            module_key: module("on-lifecycle"),
            payload: vec![b' '; limits.queue.max_payload_bytes + 1],
        }],
        upgraded: Vec::new(),
    };
    let other = inst("app-huge");
    assert!(matches!(
        s.install_announcing(&approved(other.clone(), 'a'), &huge, T0)
            .await,
        Err(ServeError::PayloadTooLarge { .. })
    ));
    assert_eq!(
        s.installation(&other).await.unwrap(),
        None,
        "nothing recorded"
    );
}

/// Replicas approving the same code for one installation at once: one `installed`, then,
/// approving new code at once, one `upgraded`.
async fn lifecycle_events_are_raised_once_across_replicas(h: &Harness) {
    let limits = ServeLimits::default();
    let mut replicas = Vec::new();
    for _ in 0..REPLICAS {
        replicas.push(h.replica(limits).await);
    }
    let a = inst("app-raced");
    let announce = lifecycle("raced");
    for (digest, expected) in [
        ('a', LifecycleChange::Installed),
        ('b', LifecycleChange::Upgraded),
    ] {
        let changes = join_all(replicas.iter().map(|replica| {
            let replica = replica.clone();
            let (record, announce) = (approved(a.clone(), digest), announce.clone());
            async move {
                replica
                    .install_announcing(&record, &announce, T0)
                    .await
                    .unwrap()
            }
        }))
        .await;
        assert_eq!(
            changes.iter().filter(|c| **c == expected).count(),
            1,
            "{changes:?}"
        );
        assert!(
            changes
                .iter()
                .all(|c| *c == expected || *c == LifecycleChange::Unchanged)
        );
        assert_eq!(drain(&h.state).await.len(), 1);
    }
}

// The harnesses are this file's `memory`, `sqlite` and `postgres`.
support::every_backend!(
    serve_contract;
    registry_install_pause_list_uninstall,
    approvals_queue_their_lifecycle_events_once,
    lifecycle_events_pass_a_full_queue_not_the_payload_bound,
    lifecycle_events_are_raised_once_across_replicas,
    hostile_inputs_are_typed_errors,
    web_triggers_issue_resolve_rotate_revoke,
    deliveries_are_recorded_once_until_they_expire,
    accepting_a_delivery_is_all_or_nothing,
    an_accepted_delivery_claims_by_the_queues_rules_before_it_commits,
    an_accepted_delivery_never_claims_an_exhausted_lease,
    a_refused_claiming_delivery_stores_nothing,
    interval_claims_are_exactly_once,
    queue_runs_retries_and_dead_letters,
    expired_leases_return_events_and_fence_old_claimers,
    renewed_leases_hold_and_lost_ones_cannot_be_renewed,
    queue_bounds_are_typed,
    installations_take_turns,
    per_app_concurrency_and_pause_are_respected,
    held_installations_keep_their_events_and_run_none,
    concurrent_claimers_run_each_event_once,
    claimers_across_replicas_take_distinct_events,
    expired_leases_are_reclaimed_across_replicas,
    renewals_keep_live_claims_and_free_dead_ones_across_replicas,
    dead_letters_after_max_attempts_across_replicas,
    deliveries_are_deduplicated_across_replicas,
    interval_claims_are_taken_once_across_replicas,
    a_web_trigger_id_is_added_once_and_kept,
    web_trigger_ids_added_at_once_across_replicas_issue_one,
    a_scheduled_run_is_queued_once_per_interval_and_never_over_a_live_run,
    a_dead_run_does_not_block_the_schedule_and_a_full_queue_claims_nothing,
    scheduled_runs_are_queued_once_per_interval_across_replicas,
    per_app_limit_holds_across_replicas,
    mixed_writers_across_replicas_never_deadlock,
    a_webhook_site_lease_has_one_holder_and_fences_what_is_stored,
    a_webhook_site_lease_goes_to_one_replica_at_once,
    app_storage_opens_an_installation_serve_recorded_first,
);
