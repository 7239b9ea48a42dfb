//! Forge SQL with PostgreSQL state: replicas share each installation's database, every
//! answered write is in PostgreSQL, and statements from replicas at once all land, one at a
//! time. Runs against the test cluster (`support/postgres.rs`), never a mock.

use crate::support;

use std::sync::Arc;

use kiln_state::forge_sql::{Endpoint, ForgeSqlLimits, ForgeSqlPlacement, ForgeSqlStore};
use kiln_state::{Installation, PostgresDatabase};
use serde_json::{Value, json};
use sqlx::postgres::PgConnectOptions;

fn installation(site: &str) -> Installation {
    Installation::new("app-1", site, "development").expect("installation")
}

/// A replica: its own pool on the shared database, and its own copies.
async fn replica(options: &PgConnectOptions) -> Arc<ForgeSqlStore> {
    let database = PostgresDatabase::connect_options(options.clone(), 4)
        .await
        .expect("the replica connects");
    Arc::new(ForgeSqlStore::new(
        ForgeSqlPlacement::Postgres(database),
        ForgeSqlLimits::default(),
    ))
}

async fn run(
    store: &Arc<ForgeSqlStore>,
    installation: &Installation,
    query: &str,
    params: Value,
) -> Value {
    let params = params.as_array().cloned().unwrap_or_default();
    let endpoint = if query.starts_with("CREATE") || query.starts_with("ALTER") {
        Endpoint::Schema
    } else {
        Endpoint::Data
    };
    let text = store
        .execute(installation, endpoint, query.to_owned(), params)
        .await
        .unwrap_or_else(|error| panic!("{query}\n  failed: {error}"));
    serde_json::from_str(&text).expect("the answer is JSON")
}

/// What one replica writes, another reads; what the second writes, the first reads (its copy
/// is brought up to date); and a replica started afterwards finds all of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_share_each_installations_database() {
    let Some(options) = support::postgres::fresh_database().await else {
        return;
    };
    let (a, b) = (replica(&options).await, replica(&options).await);
    let site = installation("one.example");
    run(
        &a,
        &site,
        "CREATE TABLE notes (id INT PRIMARY KEY AUTO_INCREMENT, body TEXT)",
        json!([]),
    )
    .await;
    run(
        &a,
        &site,
        "INSERT INTO notes (body) VALUES (?)",
        json!(["from a"]),
    )
    .await;
    let read = run(&b, &site, "SELECT id, body FROM notes", json!([])).await;
    assert_eq!(read["rows"], json!([{"id": 1, "body": "from a"}]));
    let inserted = run(
        &b,
        &site,
        "INSERT INTO notes (body) VALUES (?)",
        json!(["from b"]),
    )
    .await;
    assert_eq!(inserted["rows"]["insertId"], 2);
    let read = run(&a, &site, "SELECT body FROM notes ORDER BY id", json!([])).await;
    assert_eq!(
        read["rows"],
        json!([{"body": "from a"}, {"body": "from b"}])
    );
    run(
        &a,
        &site,
        "ALTER TABLE notes ADD COLUMN stars INT DEFAULT 0",
        json!([]),
    )
    .await;
    run(
        &b,
        &site,
        "UPDATE notes SET stars = 5 WHERE id = 2",
        json!([]),
    )
    .await;
    drop((a, b));

    let restarted = replica(&options).await;
    let read = run(
        &restarted,
        &site,
        "SELECT id, body, stars FROM notes ORDER BY id",
        json!([]),
    )
    .await;
    assert_eq!(
        read["rows"],
        json!([
            {"id": 1, "body": "from a", "stars": 0},
            {"id": 2, "body": "from b", "stars": 5}
        ])
    );
}

/// Increments sent by two replicas at once, several installations' statements interleaved:
/// each statement runs alone on its installation's database and none is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn statements_from_replicas_at_once_all_land() {
    let Some(options) = support::postgres::fresh_database().await else {
        return;
    };
    let replicas = [replica(&options).await, replica(&options).await];
    let sites = [installation("x.example"), installation("y.example")];
    for site in &sites {
        run(
            &replicas[0],
            site,
            "CREATE TABLE counter (id INT PRIMARY KEY, n INT NOT NULL)",
            json!([]),
        )
        .await;
        run(
            &replicas[1],
            site,
            "INSERT INTO counter VALUES (1, 0)",
            json!([]),
        )
        .await;
    }
    const EACH: usize = 12;
    let mut tasks = Vec::new();
    for replica in &replicas {
        for site in &sites {
            for _ in 0..EACH {
                let (replica, site) = (Arc::clone(replica), site.clone());
                tasks.push(tokio::spawn(async move {
                    run(
                        &replica,
                        &site,
                        "UPDATE counter SET n = n + 1 WHERE id = 1",
                        json!([]),
                    )
                    .await
                }));
            }
        }
    }
    for task in tasks {
        let answer = task.await.expect("the task ends");
        assert_eq!(answer["rows"]["affectedRows"], 1);
    }
    for site in &sites {
        for replica in &replicas {
            let read = run(replica, site, "SELECT n FROM counter", json!([])).await;
            assert_eq!(read["rows"], json!([{"n": 2 * EACH}]), "{site:?}");
        }
    }
}

/// Each installation has its own database on the shared one too.
#[tokio::test]
async fn installations_do_not_share_tables() {
    let Some(options) = support::postgres::fresh_database().await else {
        return;
    };
    let store = replica(&options).await;
    let (a, b) = (installation("a.example"), installation("b.example"));
    run(&store, &a, "CREATE TABLE secrets (v TEXT)", json!([])).await;
    run(
        &store,
        &a,
        "INSERT INTO secrets VALUES ('a only')",
        json!([]),
    )
    .await;
    let refused = store
        .execute(&b, Endpoint::Data, "SELECT * FROM secrets".into(), vec![])
        .await
        .expect_err("b has no such table");
    assert!(refused.message.contains("secrets"), "{refused}");
    let staging = Installation::new("app-1", "a.example", "staging").expect("installation");
    assert!(
        store
            .execute(
                &staging,
                Endpoint::Data,
                "SELECT * FROM secrets".into(),
                vec![]
            )
            .await
            .is_err(),
        "another environment of the same site is another installation"
    );
}

/// A database of several MiB (more chunks than one batch carries) round-trips through a new
/// replica; a statement that fails changes nothing stored; rows deleted stay deleted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_database_round_trips_and_failures_store_nothing() {
    let Some(options) = support::postgres::fresh_database().await else {
        return;
    };
    let writer = replica(&options).await;
    let site = installation("big.example");
    run(
        &writer,
        &site,
        "CREATE TABLE blobs (id INT PRIMARY KEY, body LONGTEXT NOT NULL)",
        json!([]),
    )
    .await;
    let body = "kiln ".repeat(12_000); // 60 kB a row
    for batch in 0..10 {
        let mut params = Vec::new();
        for row in 0..10 {
            params.push(json!(batch * 10 + row));
            params.push(json!(format!("{body}{batch}-{row}")));
        }
        let values = ["(?, ?)"; 10].join(", ");
        run(
            &writer,
            &site,
            &format!("INSERT INTO blobs (id, body) VALUES {values}"),
            Value::Array(params),
        )
        .await;
    }
    let duplicate = writer
        .execute(
            &site,
            Endpoint::Data,
            "INSERT INTO blobs (id, body) VALUES (100, 'new'), (5, 'again')".into(),
            vec![],
        )
        .await
        .expect_err("a duplicate key");
    assert!(duplicate.message.contains("Duplicate entry"), "{duplicate}");
    run(
        &writer,
        &site,
        "DELETE FROM blobs WHERE id >= 90",
        json!([]),
    )
    .await;
    // One statement rewriting every row: more changed chunks than one batch writes.
    run(
        &writer,
        &site,
        "UPDATE blobs SET body = CONCAT(body, '!')",
        json!([]),
    )
    .await;

    let reader = replica(&options).await;
    let read = run(
        &reader,
        &site,
        "SELECT COUNT(*) AS n, SUM(LENGTH(body)) AS bytes, MAX(id) AS last FROM blobs",
        json!([]),
    )
    .await;
    let row = &read["rows"][0];
    assert_eq!(row["n"], 90);
    assert_eq!(row["last"], 89);
    let bytes: u64 = row["bytes"]
        .to_string()
        .trim_matches('"')
        .parse()
        .expect("a sum");
    assert!(bytes > 90 * 60_000, "{row}");
    let one = run(
        &reader,
        &site,
        "SELECT body FROM blobs WHERE id = 42",
        json!([]),
    )
    .await;
    assert_eq!(one["rows"][0]["body"], json!(format!("{body}4-2!")));
}

/// A statement over Forge SQL's request size is refused before anything parses it, on a
/// replica with a copy as on one without.
#[tokio::test]
async fn an_oversized_statement_is_refused_before_it_is_read() {
    let Some(options) = support::postgres::fresh_database().await else {
        return;
    };
    let store = replica(&options).await;
    let site = installation("huge.example");
    run(&store, &site, "CREATE TABLE t (id INT)", json!([])).await;
    let huge = format!("SELECT {}1", "1, ".repeat(400_000));
    let refused = store
        .execute(&site, Endpoint::Data, huge, vec![])
        .await
        .expect_err("over the request size");
    assert_eq!(
        refused.code,
        kiln_state::forge_sql::ForgeSqlCode::InvalidSqlQuery
    );
    assert!(refused.message.contains("request size"), "{refused}");
}

/// A replica whose copy is ahead of the stored database (the rows were made anew: a restore,
/// a reset) reads the stored one whole, rather than take its own copy for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_made_anew_is_read_whole() {
    let Some(options) = support::postgres::fresh_database().await else {
        return;
    };
    let (a, b) = (replica(&options).await, replica(&options).await);
    let site = installation("reset.example");
    run(&a, &site, "CREATE TABLE old (id INT)", json!([])).await;
    for id in 0..5 {
        run(&a, &site, "INSERT INTO old VALUES (?)", json!([id])).await;
    }
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect_with(&options)
        .await
        .unwrap();
    sqlx::Executor::execute(&mut admin, "DELETE FROM forge_sql_databases")
        .await
        .unwrap();
    run(&b, &site, "CREATE TABLE fresh (id INT)", json!([])).await;
    let tables = run(&a, &site, "SHOW TABLES", json!([])).await;
    assert_eq!(tables["rows"].as_array().map(Vec::len), Some(1), "{tables}");
    assert!(tables.to_string().contains("fresh"), "{tables}");
}
