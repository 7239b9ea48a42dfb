//! Why a Forge SQL statement was not run, in Forge's terms.
//!
//! `@forge/sql` turns an error answer into a `ForgeSQLAPIError` whose `code` is one of its
//! `errorCodes`; apps branch on that code (a table that already exists, a statement that ran too
//! long), so Kiln answers with the same codes and a message that says what Kiln saw. The message
//! never holds anything but the app's own statement text and SQLite's account of it: the
//! database is the app's own, so nothing of the host or of another installation can appear.

/// Forge's `errorCodes` (`@forge/sql/out/errorCodes.js`) that Kiln produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForgeSqlCode {
    /// The statement is not SQL Kiln can run: it does not parse as MySQL, is more than one
    /// statement, or is of a kind Forge SQL (or Kiln) does not run.
    InvalidSqlQuery,
    /// The statement parsed but the database refused it (no such table, a constraint, a type).
    SqlExecutionError,
    /// The statement ran past its time limit and was interrupted; nothing it wrote stays.
    QueryTimedOut,
    /// The host could not reach the installation's database (a full disk, a broken file).
    /// The app is told no more than that; the host logs the cause.
    UnknownError,
}

impl ForgeSqlCode {
    /// The code as `@forge/sql` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ForgeSqlCode::InvalidSqlQuery => "INVALID_SQL_QUERY",
            ForgeSqlCode::SqlExecutionError => "SQL_EXECUTION_ERROR",
            ForgeSqlCode::QueryTimedOut => "QUERY_TIMED_OUT",
            ForgeSqlCode::UnknownError => "UNKNOWN_ERROR",
        }
    }
}

/// A statement Kiln did not run, or that failed while running.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", code.as_str())]
pub struct ForgeSqlError {
    /// Forge's error code.
    pub code: ForgeSqlCode,
    /// What went wrong, for the app's developer.
    pub message: String,
}

impl ForgeSqlError {
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        ForgeSqlError {
            code: ForgeSqlCode::InvalidSqlQuery,
            message: message.into(),
        }
    }

    pub(crate) fn execution(message: impl Into<String>) -> Self {
        ForgeSqlError {
            code: ForgeSqlCode::SqlExecutionError,
            message: message.into(),
        }
    }

    /// TiDB's refusal of a MySQL clause it parses but does not implement
    /// (`SQL_CALC_FOUND_ROWS`, `LOCK IN SHARE MODE`): TiDB runs them only with the session
    /// variable `tidb_enable_noop_functions`, off by default and not one an app can set on
    /// Forge, and otherwise answers this, in TiDB's words.
    pub(crate) fn tidb_noop(clause: &str) -> Self {
        Self::execution(format!(
            "Error 1235 (42000): function {clause} has only noop implementation in tidb now, \
             use tidb_enable_noop_functions to enable these functions"
        ))
    }
}
