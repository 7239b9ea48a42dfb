//! What only the SQLite backend must show: data survives the process, several connections
//! and several processes on one file never lose an update, the file is private, and
//! migrations refuse a database newer than the binary.

use crate::support;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use kiln_state::storage::{
    BackendError, Expected, SqliteBackend, TransactAction, TransactOp, TransactOutcome,
};
use kiln_state::{
    AppStorage, EncryptionKey, SecretCipher, SecretValue, SqliteDatabase, StorageError,
    StorageLimits,
};
use serde_json::{Value, json};
use support::installation;

async fn open(path: &Path, key_file: &Path) -> AppStorage {
    let db = SqliteDatabase::open(path).await.expect("open state file");
    let key = EncryptionKey::load_or_create(key_file).expect("key file");
    AppStorage::new(
        Arc::new(SqliteBackend::new(db)),
        StorageLimits::default(),
        SecretCipher::new(key),
    )
}

async fn increment(storage: &AppStorage, times: u64) {
    let s = storage
        .installation(&installation("counter"))
        .await
        .unwrap();
    for _ in 0..times {
        s.update("n", 100_000, |current| {
            Some(json!(current.and_then(Value::as_u64).unwrap_or(0) + 1))
        })
        .await
        .unwrap();
    }
}

async fn counter(storage: &AppStorage) -> Value {
    let s = storage
        .installation(&installation("counter"))
        .await
        .unwrap();
    s.get("n").await.unwrap().map_or(json!(0), |v| v.value)
}

#[tokio::test]
async fn data_survives_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (path, key_file) = (
        dir.path().join("state.sqlite3"),
        dir.path().join("storage.key"),
    );
    let first_version = {
        let storage = open(&path, &key_file).await;
        let s = storage.installation(&installation("app")).await.unwrap();
        s.set("kept", &json!({"labelled": ["ISSUE-1"]}))
            .await
            .unwrap();
        s.set_secret("token", &SecretValue::new(json!("s3cret")))
            .await
            .unwrap();
        let version = s.set("gone", &json!(1)).await.unwrap();
        s.delete("gone").await.unwrap();
        version
    };
    let storage = open(&path, &key_file).await;
    let s = storage.installation(&installation("app")).await.unwrap();
    assert_eq!(
        s.get("kept").await.unwrap().unwrap().value,
        json!({"labelled": ["ISSUE-1"]})
    );
    assert_eq!(
        s.get_secret("token")
            .await
            .unwrap()
            .unwrap()
            .expose_secret(),
        &json!("s3cret")
    );
    assert_eq!(s.get("gone").await.unwrap(), None);
    // Versions keep counting across restarts, so a version seen before never comes back.
    assert!(s.set("gone", &json!(2)).await.unwrap() > first_version);
    assert_eq!(
        s.bytes_used().await.unwrap(),
        {
            let fresh = AppStorage::in_memory(
                StorageLimits::default(),
                SecretCipher::new(EncryptionKey::generate().unwrap()),
            );
            let m = fresh.installation(&installation("app")).await.unwrap();
            m.set("kept", &json!({"labelled": ["ISSUE-1"]}))
                .await
                .unwrap();
            m.set_secret("token", &SecretValue::new(json!("s3cret")))
                .await
                .unwrap();
            m.set("gone", &json!(2)).await.unwrap();
            m.bytes_used().await.unwrap()
        },
        "the byte count survives too"
    );
}

#[tokio::test]
async fn a_transaction_survives_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (path, key_file) = (
        dir.path().join("state.sqlite3"),
        dir.path().join("storage.key"),
    );
    let (version, bytes_used) = {
        let storage = open(&path, &key_file).await;
        let s = storage.installation(&installation("app")).await.unwrap();
        s.set("old", &json!("to delete")).await.unwrap();
        let (a, b) = (json!({"n": 1}), json!([2]));
        let outcome = s
            .transact(&[
                TransactOp {
                    key: "a",
                    action: TransactAction::Set(&a),
                    expected: Some(Expected::Absent),
                },
                TransactOp {
                    key: "b",
                    action: TransactAction::Set(&b),
                    expected: None,
                },
                TransactOp {
                    key: "old",
                    action: TransactAction::Delete,
                    expected: None,
                },
            ])
            .await
            .unwrap();
        let TransactOutcome::Committed(version) = outcome else {
            panic!("{outcome:?}")
        };
        (version, s.bytes_used().await.unwrap())
    };
    let storage = open(&path, &key_file).await;
    let s = storage.installation(&installation("app")).await.unwrap();
    let a = s.get("a").await.unwrap().unwrap();
    let b = s.get("b").await.unwrap().unwrap();
    assert_eq!((a.value, a.version), (json!({"n": 1}), version));
    assert_eq!((b.value, b.version), (json!([2]), version));
    assert_eq!(s.get("old").await.unwrap(), None);
    assert_eq!(s.bytes_used().await.unwrap(), bytes_used);
    // The version the transaction took is not handed out again.
    assert!(s.set("c", &json!(3)).await.unwrap() > version);
}

#[cfg(unix)]
#[tokio::test]
async fn the_state_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data/kiln/state.sqlite3");
    let db = SqliteDatabase::open(&path).await.unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().unwrap()), 0o700);
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_connections_on_one_file_lose_no_update() {
    let dir = tempfile::tempdir().unwrap();
    let (path, key_file) = (
        dir.path().join("state.sqlite3"),
        dir.path().join("storage.key"),
    );
    // Two independent pools: to SQLite they are as separate as two processes' connections,
    // and they share no in-process write gate.
    let a = open(&path, &key_file).await;
    let b = open(&path, &key_file).await;
    let mut tasks = Vec::new();
    for storage in [a.clone(), b.clone(), a.clone(), b.clone()] {
        tasks.push(tokio::spawn(async move { increment(&storage, 50).await }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(counter(&a).await, json!(200));
    assert_eq!(counter(&b).await, json!(200));
}

const CHILD_DB: &str = "KILN_STATE_TEST_CHILD_DB";
const CHILD_TIMES: u64 = 100;

/// Run by `two_processes_on_one_file_lose_no_update` in child processes; does nothing when
/// run directly (it is ignored unless asked for, and needs its environment).
#[tokio::test]
#[ignore = "child process of two_processes_on_one_file_lose_no_update"]
async fn child_process_increments() {
    let Some(path) = std::env::var_os(CHILD_DB) else {
        return;
    };
    let path = Path::new(&path);
    let storage = open(path, &path.with_file_name("storage.key")).await;
    increment(&storage, CHILD_TIMES).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_file_lose_no_update() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.sqlite3");
    // Create and migrate the file before the children race to open it.
    let storage = open(&path, &dir.path().join("storage.key")).await;
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..2)
        .map(|_| {
            Command::new(&exe)
                .args([
                    "--exact",
                    &support::libtest_name(module_path!(), "child_process_increments"),
                    "--ignored",
                    "--quiet",
                ])
                .env(CHILD_DB, &path)
                .spawn()
                .expect("spawn child test process")
        })
        .collect();
    increment(&storage, CHILD_TIMES).await;
    for mut child in children {
        let status = tokio::task::spawn_blocking(move || child.wait())
            .await
            .unwrap()
            .unwrap();
        assert!(status.success(), "child failed: {status}");
    }
    assert_eq!(counter(&storage).await, json!(3 * CHILD_TIMES));
}

#[tokio::test]
async fn a_database_newer_than_the_binary_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.sqlite3");
    SqliteDatabase::open(&path).await.unwrap().close().await;
    // Reopening applies nothing twice.
    SqliteDatabase::open(&path).await.unwrap().close().await;
    // What a later Kiln would leave behind: a migration this binary does not know.
    {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite:{}", path.display()))
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (9999, 'from the future', TRUE, x'00', 0)",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
    }
    match SqliteDatabase::open(&path).await {
        Err(BackendError::Migration(sqlx::migrate::MigrateError::VersionMissing(9999))) => {}
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_unreadable_path_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, b"not a directory").unwrap();
    match SqliteDatabase::open(&blocker.join("state.sqlite3")).await {
        Err(BackendError::File { .. }) => {}
        other => panic!("{other:?}"),
    }
    let not_a_db = dir.path().join("garbage.sqlite3");
    std::fs::write(&not_a_db, vec![0x42; 8192]).unwrap();
    let err = SqliteDatabase::open(&not_a_db).await.unwrap_err();
    assert!(matches!(err, BackendError::Database(_)), "{err:?}");
    // And it reaches callers as app storage's typed error.
    assert!(matches!(StorageError::from(err), StorageError::Backend(_)));
}

/// A state file from before approvals were bound (version 2) is migrated in place: its
/// installation is kept, with its scopes and grant, but its approval, which named no code,
/// counts as none: its events are kept and none is claimed until it is approved again.
#[tokio::test]
async fn an_approval_from_version_2_is_kept_but_runs_nothing() {
    use kiln_state::serve::SqliteServeBackend;
    use kiln_state::serve::{ModuleKey, NewEvent, UnixMillis};
    use kiln_state::{ServeLimits, ServeState};
    use sqlx::SqlSafeStr as _;
    use sqlx::migrate::{Migration, MigrationType, Migrator};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.sqlite3");
    {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        let migration = |version, description, sql: &'static str| {
            Migration::new(
                version,
                std::borrow::Cow::Borrowed(description),
                MigrationType::Simple,
                sql.into_sql_str(),
                false,
            )
        };
        Migrator::with_migrations(vec![
            migration(
                1,
                "installations and app storage",
                include_str!("../migrations/sqlite/0001_installations_and_app_storage.sql"),
            ),
            migration(
                2,
                "serve state: registry, web triggers, deliveries, schedules, event queue",
                include_str!("../migrations/sqlite/0002_serve_state.sql"),
            ),
        ])
        .run(&pool)
        .await
        .unwrap();
        for statement in [
            "INSERT INTO installations (app_id, site, environment) \
             VALUES ('old-app', 'https://old.atlassian.net', 'production')",
            "INSERT INTO installation_registry \
             (installation_id, scopes, grant_kind, grant_subject, paused, installed_at) \
             VALUES (1, '[\"read:jira-work\"]', 'api-token', 'ops@example.com', 0, 7)",
            "INSERT INTO queue_installations (installation_id) VALUES (1)",
        ] {
            sqlx::query(sqlx::AssertSqlSafe(statement))
                .execute(&pool)
                .await
                .unwrap();
        }
        pool.close().await;
    }
    let db = SqliteDatabase::open(&path)
        .await
        .expect("migrated to version 3");
    let state = ServeState::new(
        Arc::new(SqliteServeBackend::new(db)),
        ServeLimits::default(),
    );
    let old = kiln_state::Installation::new("old-app", "https://old.atlassian.net", "production")
        .unwrap();
    let record = state.installation(&old).await.unwrap().expect("kept");
    assert_eq!(record.scopes.as_slice().len(), 1);
    assert_eq!(record.installed_at, UnixMillis(7));
    assert_eq!(record.approval, None, "an unbound approval is none");
    assert!(!record.runnable());
    state
        .enqueue(
            &[NewEvent::new(
                old.clone(),
                ModuleKey::new("on-issue").unwrap(),
                b"{}".to_vec(),
            )],
            UnixMillis(10),
        )
        .await
        .unwrap();
    assert!(state.claim(UnixMillis(10)).await.unwrap().is_none());
    assert_eq!(state.queue_depth().await.unwrap(), 1);
}
