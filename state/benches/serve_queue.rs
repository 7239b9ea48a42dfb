//! Cost of one event through the persistent queue: enqueue, claim under a lease, complete —
//! what the queue adds to every webhook and web trigger `runtime serve` accepts.
//! `cargo bench -p kiln-state --bench serve_queue`; figures in BENCHMARKS.md.
//!
//! The SQLite file lives under Cargo's target tmpdir (a real disk) with the production
//! settings (WAL, `synchronous = FULL`): each of the three steps is a committed, fsynced
//! transaction, because an accepted event must survive a crash.

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use kiln_state::serve::{
    ApprovedScopes, GrantIdentity, InstallRecord, MemoryServeBackend, ModuleKey, NewEvent, Scope,
    ServeBackend, SqliteServeBackend, UnixMillis,
};
use kiln_state::{Installation, ServeLimits, ServeState, SqliteDatabase};

fn bench_state(
    c: &mut Criterion,
    rt: &tokio::runtime::Runtime,
    name: &str,
    backend: Arc<dyn ServeBackend>,
) {
    let state = ServeState::new(backend, ServeLimits::default());
    let installation =
        Installation::new("bench-app", "https://bench.atlassian.net", "production").unwrap();
    rt.block_on(state.install(&InstallRecord {
        installation: installation.clone(),
        scopes: ApprovedScopes::new([Scope::new("read:jira-work").unwrap()]).unwrap(),
        grant: GrantIdentity::Simulator,
        paused: false,
        installed_at: UnixMillis(0),
    }))
    .unwrap();
    // A small Jira webhook body, as issue-triage receives.
    let event = NewEvent {
        installation,
        module_key: ModuleKey::new("on-issue-created").unwrap(),
        payload: br#"{"webhookEvent":"jira:issue_created","issue":{"key":"KAN-1","fields":{"summary":"Printer on fire"}}}"#.to_vec(),
    };
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
    bench_state(c, &rt, "sqlite", Arc::new(SqliteServeBackend::new(db)));
}

criterion_group!(benches, queue);
criterion_main!(benches);
