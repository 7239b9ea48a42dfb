//! Forge SQL per statement by where the database is kept, through `ForgeSqlStore::execute` as
//! the host calls it: a SQLite file (SQLite state: WAL, `synchronous = FULL`, under Cargo's
//! target tmpdir, a real disk) against PostgreSQL state (lock the installation's row, run on
//! the replica's copy in memory, write the changed chunks, commit), side by side in one run;
//! and a second replica catching up on the first one's write. The database holds 1,000 rows
//! and 8 MiB of padding, so comparing images has something to compare.
//!
//! `cargo bench -p kiln-state --bench forge_sql_placements`; PostgreSQL runs when
//! `KILN_TEST_POSTGRES_URL` names a server (`.ci/postgres-cluster start`, fsync on). Figures in
//! BENCHMARKS.md.

// The tests' helper: a fresh database on the server `KILN_TEST_POSTGRES_URL` names.
#[allow(dead_code)]
#[path = "../tests/support/postgres.rs"]
mod pg;

use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use kiln_state::forge_sql::{Endpoint, ForgeSqlLimits, ForgeSqlPlacement, ForgeSqlStore};
use kiln_state::{Installation, PostgresDatabase};
use serde_json::{Value, json};

const SCHEMA: &str = "CREATE TABLE tickets (id INT AUTO_INCREMENT PRIMARY KEY, \
    issue_key VARCHAR(32) NOT NULL, status VARCHAR(16), hits INT, KEY idx_issue (issue_key))";
const UPDATE: &str = "UPDATE tickets SET hits = hits + 1 WHERE issue_key = ?";
const SELECT: &str = "SELECT id, issue_key, status, hits FROM tickets WHERE issue_key = ?";

fn installation() -> Installation {
    Installation::new("bench-app", "https://bench.atlassian.net", "production").unwrap()
}

async fn run(store: &Arc<ForgeSqlStore>, endpoint: Endpoint, query: &str, params: Vec<Value>) {
    store
        .execute(&installation(), endpoint, query.to_owned(), params)
        .await
        .unwrap_or_else(|error| panic!("{query}: {error}"));
}

async fn fill(store: &Arc<ForgeSqlStore>) {
    run(store, Endpoint::Schema, SCHEMA, vec![]).await;
    run(
        store,
        Endpoint::Schema,
        "CREATE TABLE padding (id INT PRIMARY KEY, body LONGTEXT)",
        vec![],
    )
    .await;
    // 512 KiB a row: a request is at most 1 MiB (Forge SQL's request size).
    for block in 0..16 {
        let body = format!("{}", block % 10).repeat(512 * 1024);
        run(
            store,
            Endpoint::Data,
            "INSERT INTO padding VALUES (?, ?)",
            vec![json!(block), json!(body)],
        )
        .await;
    }
    for batch in 0..10 {
        let mut params = Vec::new();
        for i in batch * 100..(batch + 1) * 100 {
            params.extend([json!(format!("KILN-{i}")), json!("open"), json!(i)]);
        }
        let values = ["(?, ?, ?)"; 100].join(", ");
        run(
            store,
            Endpoint::Data,
            &format!("INSERT INTO tickets (issue_key, status, hits) VALUES {values}"),
            params,
        )
        .await;
    }
}

fn bench_store(
    c: &mut Criterion,
    rt: &tokio::runtime::Runtime,
    name: &str,
    store: &Arc<ForgeSqlStore>,
) {
    rt.block_on(fill(store));
    let mut group = c.benchmark_group("forge_sql_placements");
    group.bench_function(format!("update one row: {name}"), |b| {
        b.to_async(rt)
            .iter(|| run(store, Endpoint::Data, UPDATE, vec![json!("KILN-500")]))
    });
    group.bench_function(format!("select one row: {name}"), |b| {
        b.to_async(rt)
            .iter(|| run(store, Endpoint::Data, SELECT, vec![json!("KILN-500")]))
    });
    group.finish();
}

fn placements(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let file = Arc::new(ForgeSqlStore::new(
        ForgeSqlPlacement::Directory(dir.path().join("forge-sql")),
        ForgeSqlLimits::default(),
    ));
    bench_store(c, &rt, "sqlite file", &file);
    let Some(options) = rt.block_on(pg::fresh_database()) else {
        return;
    };
    let replica = || {
        let database = rt
            .block_on(PostgresDatabase::connect_options(options.clone(), 8))
            .unwrap();
        Arc::new(ForgeSqlStore::new(
            ForgeSqlPlacement::Postgres(database),
            ForgeSqlLimits::default(),
        ))
    };
    let (first, second) = (replica(), replica());
    bench_store(c, &rt, "postgres", &first);
    // Each round: a write on one replica, then a read on the other, which first reads the
    // chunks the write changed.
    let mut group = c.benchmark_group("forge_sql_placements");
    group.bench_function("update on one replica, select on another: postgres", |b| {
        b.to_async(&rt).iter(|| async {
            run(&first, Endpoint::Data, UPDATE, vec![json!("KILN-500")]).await;
            run(&second, Endpoint::Data, SELECT, vec![json!("KILN-500")]).await;
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = placements
}
criterion_main!(benches);
