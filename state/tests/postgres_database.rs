//! The PostgreSQL database itself: replicas starting together, a database newer than the
//! binary, data across reconnects. Runs against the test cluster (`support/postgres.rs`).

use crate::support;

use std::str::FromStr;

use kiln_state::{PostgresDatabase, StateLocation};
use serde_json::json;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, Executor};

/// Eight replicas start at once on an empty database: each connects, the migrations are
/// applied exactly once (under the migrator's advisory lock), and all can write.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_starting_together_migrate_once() {
    let Some(options) = support::postgres::fresh_database().await else {
        return;
    };
    let starts = (0..8).map(|_| {
        let options = options.clone();
        tokio::spawn(async move { PostgresDatabase::connect_options(options, 2).await })
    });
    let mut replicas = Vec::new();
    for start in starts {
        replicas.push(start.await.unwrap().expect("every replica starts"));
    }
    let mut connection = sqlx::postgres::PgConnection::connect_with(&options)
        .await
        .unwrap();
    let applied: Vec<(i64, bool)> =
        sqlx::query_as("SELECT version, success FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&mut connection)
            .await
            .unwrap();
    assert_eq!(applied, (1..=7).map(|v| (v, true)).collect::<Vec<_>>());
    for (n, db) in replicas.into_iter().enumerate() {
        let storage = kiln_state::AppStorage::new(
            std::sync::Arc::new(kiln_state::storage::SqlBackend::new(db)),
            kiln_state::StorageLimits::default(),
            support::cipher(&support::test_key_hex()),
        );
        let s = storage
            .installation(&support::installation("app"))
            .await
            .unwrap();
        s.set(&format!("replica-{n}"), &json!(n)).await.unwrap();
    }
    let keys: i64 = sqlx::query_scalar("SELECT count(*) FROM storage_entries")
        .fetch_one(&mut connection)
        .await
        .unwrap();
    assert_eq!(keys, 8);
}

/// A database migrated by a newer Kiln (a version this binary does not know) is refused
/// with a typed error, not used half-understood.
#[tokio::test]
async fn a_newer_database_is_refused() {
    let Some(options) = support::postgres::fresh_database().await else {
        return;
    };
    PostgresDatabase::connect_options(options.clone(), 1)
        .await
        .unwrap()
        .close()
        .await;
    let mut connection = sqlx::postgres::PgConnection::connect_with(&options)
        .await
        .unwrap();
    connection
        .execute(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (99, 'from the future', true, '\\x00', 0)",
        )
        .await
        .unwrap();
    let refused = PostgresDatabase::connect_options(options, 1).await;
    assert!(
        matches!(
            refused,
            Err(kiln_state::storage::BackendError::Migration(_))
        ),
        "{refused:?}"
    );
}

/// What one replica wrote, a replica started later reads; `StateLocation` opens the same
/// database from its URL.
#[tokio::test]
async fn data_outlives_a_replica_and_opens_by_url() {
    let Some(options) = support::postgres::fresh_database().await else {
        return;
    };
    let first = PostgresDatabase::connect_options(options.clone(), 2)
        .await
        .unwrap();
    let storage = kiln_state::AppStorage::new(
        std::sync::Arc::new(kiln_state::storage::SqlBackend::new(first.clone())),
        kiln_state::StorageLimits::default(),
        support::cipher(&support::test_key_hex()),
    );
    let s = storage
        .installation(&support::installation("app"))
        .await
        .unwrap();
    let written = s.set("kept", &json!({"n": 1})).await.unwrap();
    first.close().await;

    let url = format!(
        "{}/{}",
        std::env::var(support::postgres::URL_VARIABLE)
            .unwrap()
            .rsplit_once('/')
            .unwrap()
            .0,
        options.get_database().unwrap()
    );
    let location = StateLocation::from_str(&url).unwrap();
    let opened = location.open().await.unwrap();
    assert_eq!(opened.engine, Some(kiln_state::Engine::Postgres));
    let id = opened
        .storage
        .installation_id(&support::installation("app"))
        .await
        .unwrap();
    let key = kiln_state::storage::StorageKey::new("kept", 500).unwrap();
    let entry = opened
        .storage
        .get(
            id,
            kiln_state::storage::Space::Values,
            &key,
            kiln_state::storage::UnixMillis::now(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(entry.version, written);
    assert_eq!(entry.bytes, br#"{"n":1}"#);
}

/// An unreachable server is a typed error from `connect`, promptly (no panic, no hang).
#[tokio::test]
async fn an_unreachable_server_is_an_error() {
    // Port 1 on loopback: nothing listens there.
    let options = PgConnectOptions::from_str("postgres://kiln@127.0.0.1:1/kiln").unwrap();
    let result = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        PostgresDatabase::connect_options(options, 1),
    )
    .await
    .expect("connect gives up");
    assert!(result.is_err());
}
