//! What Kiln's Forge SQL adds to SQLite: one statement through `ForgeSqlDatabase::execute`
//! (MySQL parsed and rewritten, parameters from JSON, the answer as Forge's JSON) against the
//! same statement prepared from cached SQLite text and read by rusqlite, side by side in one
//! run, on the same in-memory database shape; and a table rebuild against the same steps by
//! hand. `cargo bench -p kiln-state --bench forge_sql`; figures in BENCHMARKS.md.

use criterion::{Criterion, criterion_group, criterion_main};
use kiln_state::forge_sql::{Endpoint, ForgeSqlDatabase, ForgeSqlLimits};
use serde_json::json;

const SCHEMA: &str = "CREATE TABLE tickets (id INT AUTO_INCREMENT PRIMARY KEY, \
    issue_key VARCHAR(32) NOT NULL, status VARCHAR(16), hits INT, KEY idx_issue (issue_key))";

fn forge_sql(c: &mut Criterion) {
    let mut db = ForgeSqlDatabase::in_memory(ForgeSqlLimits::default()).unwrap();
    db.execute_text(Endpoint::Schema, SCHEMA, &[]).unwrap();
    let raw = rusqlite::Connection::open_in_memory().unwrap();
    raw.execute_batch(
        "CREATE TABLE tickets (id INTEGER PRIMARY KEY AUTOINCREMENT, issue_key VARCHAR(32) \
         NOT NULL, status VARCHAR(16), hits INT); \
         CREATE INDEX tickets__idx_issue ON tickets (issue_key);",
    )
    .unwrap();
    for i in 0..1_000 {
        let key = format!("KILN-{i}");
        db.execute_text(
            Endpoint::Data,
            "INSERT INTO tickets (issue_key, status, hits) VALUES (?, ?, ?)",
            &[json!(key), json!("open"), json!(i)],
        )
        .unwrap();
        raw.execute(
            "INSERT INTO tickets (issue_key, status, hits) VALUES (?1, ?2, ?3)",
            rusqlite::params![key, "open", i],
        )
        .unwrap();
    }

    let mut group = c.benchmark_group("forge_sql");
    group.bench_function("select by index: Kiln", |b| {
        b.iter(|| {
            db.execute_text(
                Endpoint::Data,
                "SELECT id, issue_key, status, hits FROM tickets WHERE issue_key = ?",
                &[json!("KILN-500")],
            )
            .unwrap()
        })
    });
    group.bench_function("select by index: rusqlite", |b| {
        b.iter(|| {
            let mut statement = raw
                .prepare_cached(
                    "SELECT id, issue_key, status, hits FROM tickets WHERE issue_key = ?1",
                )
                .unwrap();
            let rows: Vec<(i64, String, String, i64)> = statement
                .query_map(["KILN-500"], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
                })
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            rows
        })
    });
    group.bench_function("update one row: Kiln", |b| {
        b.iter(|| {
            db.execute_text(
                Endpoint::Data,
                "UPDATE tickets SET hits = hits + 1 WHERE issue_key = ?",
                &[json!("KILN-7")],
            )
            .unwrap()
        })
    });
    group.bench_function("update one row: rusqlite", |b| {
        b.iter(|| {
            raw.prepare_cached("UPDATE tickets SET hits = hits + 1 WHERE issue_key = ?1")
                .unwrap()
                .execute(["KILN-7"])
                .unwrap()
        })
    });
    // A table rebuild (`ALTER TABLE … MODIFY`) of the 1,000 rows, against the same steps SQLite
    // documents written by hand: what Kiln adds is reading its definition, switching foreign
    // keys and checking them. Each iteration changes the column's width back and forth.
    let mut wide = false;
    group.bench_function("rebuild 1,000 rows (MODIFY): Kiln", |b| {
        b.iter(|| {
            wide = !wide;
            let width = if wide { 20 } else { 16 };
            db.execute_text(
                Endpoint::Schema,
                &format!("ALTER TABLE tickets MODIFY status VARCHAR({width})"),
                &[],
            )
            .unwrap()
        })
    });
    let mut raw_wide = false;
    group.bench_function("rebuild 1,000 rows (MODIFY): rusqlite", |b| {
        b.iter(|| {
            raw_wide = !raw_wide;
            let width = if raw_wide { 20 } else { 16 };
            raw.execute_batch(&format!(
                "BEGIN; CREATE TABLE new_tickets (id INTEGER PRIMARY KEY AUTOINCREMENT, \
                 issue_key VARCHAR(32) NOT NULL, status VARCHAR({width}), hits INT); \
                 INSERT INTO new_tickets (id, issue_key, status, hits) \
                 SELECT id, issue_key, status, hits FROM tickets; DROP TABLE tickets; \
                 ALTER TABLE new_tickets RENAME TO tickets; \
                 CREATE INDEX tickets__idx_issue ON tickets (issue_key); COMMIT;"
            ))
            .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, forge_sql);
criterion_main!(benches);
