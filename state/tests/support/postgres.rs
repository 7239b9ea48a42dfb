//! The PostgreSQL the tests run against: a real server, never a mock.
//!
//! `KILN_TEST_POSTGRES_URL` names a server the tests may create databases on (`.ci/run`
//! starts a throwaway cluster and sets it; `.ci/postgres-cluster start` does the same by
//! hand). Each test gets a database of its own, so tests run in parallel without seeing each
//! other's rows.
//!
//! - Variable set: PostgreSQL is expected. If it cannot be reached the test **fails**, with
//!   the reason — it never passes by skipping.
//! - Variable unset (a plain `cargo test` on a laptop): the PostgreSQL cases print why they
//!   do nothing and return. `.ci/run` always sets it.

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{Connection, Executor};

pub const URL_VARIABLE: &str = "KILN_TEST_POSTGRES_URL";

/// A new, empty database on the test server, or `None` when no server is configured.
pub async fn fresh_database() -> Option<PgConnectOptions> {
    let Some(url) = std::env::var(URL_VARIABLE)
        .ok()
        .filter(|url| !url.is_empty())
    else {
        eprintln!(
            "SKIPPED (PostgreSQL case): {URL_VARIABLE} is not set; .ci/run starts a cluster \
             and sets it (or: eval \"$(.ci/postgres-cluster start)\")"
        );
        return None;
    };
    let admin = PgConnectOptions::from_str(&url)
        .unwrap_or_else(|e| panic!("{URL_VARIABLE} is not a PostgreSQL URL: {e}"));
    let mut connection = PgConnection::connect_with(&admin)
        .await
        .unwrap_or_else(|e| {
            panic!("{URL_VARIABLE} is set, so PostgreSQL is expected, but it is unreachable: {e}")
        });
    let name = format!("kiln_test_{}", hex::encode(rand::random::<[u8; 8]>()));
    connection
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .unwrap_or_else(|e| panic!("cannot create a test database: {e}"));
    connection.close().await.ok();
    Some(admin.database(&name))
}

/// As [`fresh_database`], as a URL (for a child process, or `StateLocation`).
pub async fn fresh_database_url() -> Option<String> {
    let options = fresh_database().await?;
    let url = std::env::var(URL_VARIABLE).ok()?;
    let (server, _) = url
        .split('?')
        .next()
        .and_then(|u| u.rsplit_once('/'))
        .unwrap_or_else(|| panic!("{URL_VARIABLE} has no database part"));
    Some(format!("{server}/{}", options.get_database()?))
}
