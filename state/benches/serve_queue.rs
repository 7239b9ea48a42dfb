//! Cost of one event through the persistent queue: enqueue, claim under a lease, complete —
//! what the queue adds to every webhook and web trigger `runtime serve` accepts — and of one
//! lease renewal, the heartbeat a running invocation sends every third of a lease.
//! `cargo bench -p kiln-state --bench serve_queue`; figures in BENCHMARKS.md.
//!
//! The SQLite file lives under Cargo's target tmpdir (a real disk) with the production
//! settings (WAL, `synchronous = FULL`): each of the three steps is a committed, fsynced
//! transaction, because an accepted event must survive a crash. PostgreSQL runs in the same
//! run when `KILN_TEST_POSTGRES_URL` names a server (see `storage.rs`).
//!
//! `drain 400 events` is throughput: 400 queued events claimed and completed by 8 workers,
//! on one pool (one replica) and, for the SQL engines, split over two and three pools (two
//! and three replicas on one database). On this 2-core machine the database, the benchmark
//! and every "replica" share the same two cores, so the figure is a floor, not a scaling
//! curve.

// The tests' helper: a fresh database on the server `KILN_TEST_POSTGRES_URL` names.
#[allow(dead_code)]
#[path = "../tests/support/postgres.rs"]
mod pg;

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use kiln_state::serve::{
    ApprovedScopes, DeliveryId, DeliveryKey, GrantIdentity, InstallRecord, MemoryServeBackend,
    ModuleKey, NewEvent, PostgresServeBackend, Scope, ServeBackend, SqliteServeBackend, UnixMillis,
};
use kiln_state::{Installation, PostgresDatabase, ServeLimits, ServeState, SqliteDatabase};

/// Installs `app` on the bench site, running against the simulator.
async fn install(state: &ServeState, app: &str) -> Installation {
    let installation = Installation::new(app, "https://bench.atlassian.net", "production").unwrap();
    state
        .install(&InstallRecord {
            installation: installation.clone(),
            scopes: ApprovedScopes::new([Scope::new("read:jira-work").unwrap()]).unwrap(),
            grant: GrantIdentity::Simulator,
            approval: Some(kiln_state::serve::ApprovalBinding {
                site: kiln_state::serve::SiteBinding::new(
                    "https://kiln-test.atlassian.net",
                    "cloud-1",
                )
                .unwrap(),
                component: kiln_state::serve::ComponentSha256::new("ab".repeat(32)).unwrap(),
            }),
            hold: None,
            paused: false,
            installed_at: UnixMillis(0),
        })
        .await
        .unwrap();
    installation
}

fn bench_state(
    c: &mut Criterion,
    rt: &tokio::runtime::Runtime,
    name: &str,
    backend: Arc<dyn ServeBackend>,
) {
    let state = ServeState::new(backend, ServeLimits::default());
    let installation = rt.block_on(install(&state, "bench-app"));
    // A small Jira webhook body, as issue-triage receives.
    let event = NewEvent::new(installation, ModuleKey::new("on-issue-created").unwrap(), br#"{"webhookEvent":"jira:issue_created","issue":{"key":"KAN-1","fields":{"summary":"Printer on fire"}}}"#.to_vec());
    let mut group = c.benchmark_group(format!("serve-queue/{name}"));
    group.bench_function("enqueue+claim+complete", |b| {
        b.to_async(rt).iter(|| async {
            let now = UnixMillis::now();
            state
                .enqueue(std::slice::from_ref(&event), now)
                .await
                .unwrap();
            let claimed = state.claim(now).await.unwrap().unwrap();
            state.complete(claimed.lease).await.unwrap();
        })
    });
    // The heartbeat a worker sends every third of a lease while a handler runs: what a
    // long invocation costs the database per beat.
    group.bench_function("renew a lease (heartbeat)", |b| {
        let claimed = rt.block_on(async {
            let now = UnixMillis::now();
            state
                .enqueue(std::slice::from_ref(&event), now)
                .await
                .unwrap();
            state.claim(now).await.unwrap().unwrap()
        });
        b.to_async(rt).iter(|| async {
            state.renew(claimed.lease, UnixMillis::now()).await.unwrap();
        });
        rt.block_on(state.complete(claimed.lease)).unwrap();
    });
    // What a webhook waits for before its handler is entered (`runtime serve` with an idle
    // run slot): the accepting transaction's statements up to the claim in hand. The
    // commit (the fsync) is left out of the timing: the handler runs beside it.
    group.bench_function("accept a delivery, claiming: until the claim", |b| {
        let delivery = std::sync::atomic::AtomicU64::new(0);
        b.to_async(rt).iter_custom(|iters| {
            let (state, event, delivery) = (&state, &event, &delivery);
            async move {
                let mut waited = std::time::Duration::ZERO;
                for _ in 0..iters {
                    let n = delivery.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let key = DeliveryKey::new(
                        "bench-site",
                        DeliveryId::new(format!("delivery-{n}")).unwrap(),
                    )
                    .unwrap();
                    let now = UnixMillis::now();
                    let started = std::time::Instant::now();
                    let pending = state
                        .accept_delivery_claiming(&key, std::slice::from_ref(event), now, 1)
                        .await
                        .unwrap();
                    waited += started.elapsed();
                    pending.commit.await.unwrap();
                    for claimed in pending.claimed {
                        state.complete(claimed.lease).await.unwrap();
                    }
                }
                waited
            }
        })
    });
    group.finish();
}

/// 400 events queued in one transaction, then drained by 8 workers spread over `replicas`
/// (each a pool of its own on the same database) until the queue is empty.
fn bench_drain(
    c: &mut Criterion,
    rt: &tokio::runtime::Runtime,
    name: &str,
    replicas: Vec<Arc<dyn ServeBackend>>,
) {
    const EVENTS: usize = 400;
    const WORKERS: usize = 8;
    let mut limits = ServeLimits::default();
    limits.queue.max_leased_per_app = WORKERS as u32;
    let states: Vec<ServeState> = replicas
        .into_iter()
        .map(|backend| ServeState::new(backend, limits))
        .collect();
    let installation = rt.block_on(install(&states[0], "drain-app"));
    let events: Vec<NewEvent> = (0..EVENTS)
        .map(|n| {
            NewEvent::new(
                installation.clone(),
                ModuleKey::new("on-issue-created").unwrap(),
                format!(r#"{{"n":{n}}}"#).into_bytes(),
            )
        })
        .collect();
    let mut group = c.benchmark_group(format!("serve-queue/{name}"));
    group.throughput(criterion::Throughput::Elements(EVENTS as u64));
    group.sample_size(10);
    group.bench_function(format!("drain 400 events, {} pool(s)", states.len()), |b| {
        b.to_async(rt).iter(|| async {
            let now = UnixMillis::now();
            states[0].enqueue(&events, now).await.unwrap();
            let workers: Vec<_> = (0..WORKERS)
                .map(|w| {
                    let state = states[w % states.len()].clone();
                    tokio::spawn(async move {
                        while let Some(claimed) = state.claim(now).await.unwrap() {
                            state.complete(claimed.lease).await.unwrap();
                        }
                    })
                })
                .collect();
            for worker in workers {
                worker.await.unwrap();
            }
            // A claimer may see the queue empty while another still holds the last events.
            while let Some(claimed) = states[0].claim(now).await.unwrap() {
                states[0].complete(claimed.lease).await.unwrap();
            }
        })
    });
    group.finish();
}

fn queue(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    bench_state(c, &rt, "memory", Arc::new(MemoryServeBackend::new()));
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let db = rt
        .block_on(SqliteDatabase::open(&dir.path().join("state.sqlite3")))
        .unwrap();
    bench_state(
        c,
        &rt,
        "sqlite",
        Arc::new(SqliteServeBackend::new(db.clone())),
    );
    let pg = rt.block_on(pg::fresh_database());
    let postgres = |pools: usize| -> Vec<Arc<dyn ServeBackend>> {
        let options = pg.clone().expect("checked");
        (0..pools)
            .map(|_| {
                let db = rt
                    .block_on(PostgresDatabase::connect_options(options.clone(), 8))
                    .unwrap();
                Arc::new(PostgresServeBackend::new(db)) as Arc<dyn ServeBackend>
            })
            .collect()
    };
    if pg.is_some() {
        bench_state(c, &rt, "postgres", postgres(1).remove(0));
    }
    bench_drain(c, &rt, "memory", vec![Arc::new(MemoryServeBackend::new())]);
    for pools in [1, 3] {
        let sqlite: Vec<Arc<dyn ServeBackend>> = (0..pools)
            .map(|_| {
                let db = rt
                    .block_on(SqliteDatabase::open(&dir.path().join("state.sqlite3")))
                    .unwrap();
                Arc::new(SqliteServeBackend::new(db)) as Arc<dyn ServeBackend>
            })
            .collect();
        bench_drain(c, &rt, "sqlite", sqlite);
        if pg.is_some() {
            bench_drain(c, &rt, "postgres", postgres(pools));
        }
    }
}

criterion_group!(benches, queue);
criterion_main!(benches);
