//! `kiln:app@0.5.0`'s `sql`: Forge SQL (`@forge/sql`) for one invocation.
//!
//! The capability is typed, declared and granted: the app's manifest must
//! declare a `sql` module (else `app-not-enabled`, Forge's
//! `APP_NOT_ENABLED`), and the host must keep databases for the installation
//! ([`ForgeSqlStore`]; `None` in a runtime given none). The
//! statement then runs on this installation's database only: the
//! installation is the host's, never the guest's to name.

use std::sync::Arc;

use kiln_state::Installation;
use kiln_state::forge_sql::{Endpoint, ForgeSqlStore};
use serde_json::Value as Json;

use crate::bindings::v0_5::{SqlError, SqlErrorCode, StatementKind};

/// One invocation's way to its installation's database.
pub struct SqlSession {
    store: Option<Arc<ForgeSqlStore>>,
    declared: bool,
    installation: Arc<Installation>,
    deadline: tokio::time::Instant,
    /// Statements the app sent, refused ones included (`runtime lint` judges the `sql`
    /// module by them).
    calls: u32,
}

impl SqlSession {
    pub fn new(
        store: Option<Arc<ForgeSqlStore>>,
        declared: bool,
        installation: Arc<Installation>,
        deadline: tokio::time::Instant,
    ) -> Self {
        SqlSession {
            store,
            declared,
            installation,
            deadline,
            calls: 0,
        }
    }

    /// Statements sent so far in this invocation, refused ones included.
    pub fn call_count(&self) -> u32 {
        self.calls
    }

    /// Runs one statement; `params` is JSON text of an array.
    pub async fn execute(
        &mut self,
        kind: StatementKind,
        query: String,
        params: String,
    ) -> Result<String, SqlError> {
        // sql.executeDDL (and the migration runner) may send several schema statements as
        // one script; prepare and executeRaw send one statement.
        self.calls = self.calls.saturating_add(1);
        let endpoint = match kind {
            StatementKind::Data => Endpoint::Data,
            StatementKind::Schema => Endpoint::Schema,
        };
        if !self.declared {
            return Err(error(
                SqlErrorCode::AppNotEnabled,
                "the app's manifest declares no Forge SQL database: add `sql: - key: main, \
                 engine: mysql` under modules",
            ));
        }
        let Some(store) = &self.store else {
            return Err(error(
                SqlErrorCode::UnknownError,
                "this host keeps no Forge SQL databases",
            ));
        };
        let params: Vec<Json> = serde_json::from_str(&params).map_err(|_| {
            error(
                SqlErrorCode::InvalidSqlQuery,
                "the parameters are not a JSON array",
            )
        })?;
        let run = store.execute(&self.installation, endpoint, query, params);
        // The statement's own time limit interrupts it; the invocation's deadline ends the
        // wait for it sooner when that comes first (the statement still ends by its own).
        match tokio::time::timeout_at(self.deadline, run).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(refused)) => Err(refused.into()),
            Err(_) => Err(error(
                SqlErrorCode::QueryTimedOut,
                "the invocation's time ran out while the statement ran",
            )),
        }
    }
}

fn error(code: SqlErrorCode, message: &str) -> SqlError {
    SqlError {
        code,
        message: message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_state::forge_sql::{ForgeSqlLimits, ForgeSqlPlacement};

    fn session(store: Option<Arc<ForgeSqlStore>>, declared: bool) -> SqlSession {
        let installation =
            Installation::new("app", "site.example", "development").expect("installation");
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        SqlSession::new(store, declared, Arc::new(installation), deadline)
    }

    fn memory() -> Option<Arc<ForgeSqlStore>> {
        Some(Arc::new(ForgeSqlStore::new(
            ForgeSqlPlacement::Memory,
            ForgeSqlLimits::default(),
        )))
    }

    #[tokio::test]
    async fn the_capability_needs_the_manifest_and_the_host() {
        let kind = StatementKind::Data;
        let undeclared = session(memory(), false)
            .execute(kind, "SELECT 1".into(), "[]".into())
            .await
            .expect_err("undeclared");
        assert_eq!(undeclared.code, SqlErrorCode::AppNotEnabled);
        let no_store = session(None, true)
            .execute(kind, "SELECT 1".into(), "[]".into())
            .await
            .expect_err("no databases");
        assert_eq!(no_store.code, SqlErrorCode::UnknownError);
        assert!(
            !no_store.message.contains('/'),
            "no host path: {}",
            no_store.message
        );
    }

    #[tokio::test]
    async fn statements_run_and_answer_in_forges_json() {
        let mut sql = session(memory(), true);
        sql.execute(
            StatementKind::Schema,
            "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10))".into(),
            "[]".into(),
        )
        .await
        .expect("create");
        sql.execute(
            StatementKind::Data,
            "INSERT INTO t VALUES (?, ?)".into(),
            "[1, \"one\"]".into(),
        )
        .await
        .expect("insert");
        let answer = sql
            .execute(StatementKind::Data, "SELECT * FROM t".into(), "[]".into())
            .await
            .expect("select");
        // The rows as Forge sends them, then the metadata, whose time varies.
        assert!(
            answer.starts_with(r#"{"rows":[{"id":1,"v":"one"}],"metadata":{"#),
            "{answer}"
        );
        let answer: Json = serde_json::from_str(&answer).expect("JSON answer");
        assert_eq!(answer["metadata"]["fields"][1]["orgTable"], "t");
        let bad = sql
            .execute(StatementKind::Data, "SELECT ?".into(), "{\"a\":1}".into())
            .await
            .expect_err("params must be an array");
        assert_eq!(bad.code, SqlErrorCode::InvalidSqlQuery);
    }
}
