//! Why a Forge SQL statement did not run, in Forge's terms.

use std::fmt;

/// What kind of failure a [`SqlError`] is: Forge SQL's `errorCodes`, which
/// apps branch on, and two of the SDK's own, decided in the app after the
/// host answered.
///
/// The first five are the host's (the WIT `sql-error-code`); `@forge/sql`
/// reports them as `ForgeSQLAPIError.code`, spelled as [`as_str`](Self::as_str)
/// returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SqlErrorCode {
    /// `INVALID_SQL_QUERY`: not a statement Forge SQL runs: not MySQL, more
    /// than one statement in a data call, a kind Forge SQL does not run, or
    /// parameters that do not match the `?`s (or are not strings, numbers,
    /// booleans or nulls).
    InvalidSqlQuery,
    /// `SQL_EXECUTION_ERROR`: the database refused it: no such table, a
    /// duplicate key, a broken constraint, a size limit. The message reads
    /// as MySQL's where apps match it ([`SqlError::mysql_error`]).
    SqlExecutionError,
    /// `QUERY_TIMED_OUT`: it ran past the host's time limit and was rolled
    /// back.
    QueryTimedOut,
    /// `APP_NOT_ENABLED`: the app's manifest declares no `sql` module. Add
    /// `sql: [{ key: main, engine: mysql }]` under `modules`.
    AppNotEnabled,
    /// `UNKNOWN_ERROR`: the host could not reach the database; the message
    /// says no more.
    UnknownError,
    /// The SDK's own (`ROW_NOT_FOUND`): [`fetch_one`](super::Statement::fetch_one)
    /// found no row. The statement ran.
    RowNotFound,
    /// The SDK's own (`UNEXPECTED_ANSWER`): the statement ran, but its answer
    /// is not what the app asked for: a row that does not deserialise into
    /// the app's type, several rows where one was expected, rows where a
    /// write's result header was expected (or the reverse).
    UnexpectedAnswer,
}

impl SqlErrorCode {
    /// The code as `@forge/sql`'s `errorCodes` spells it
    /// (`"SQL_EXECUTION_ERROR"`), or the SDK's own in the same style.
    pub const fn as_str(self) -> &'static str {
        match self {
            SqlErrorCode::InvalidSqlQuery => "INVALID_SQL_QUERY",
            SqlErrorCode::SqlExecutionError => "SQL_EXECUTION_ERROR",
            SqlErrorCode::QueryTimedOut => "QUERY_TIMED_OUT",
            SqlErrorCode::AppNotEnabled => "APP_NOT_ENABLED",
            SqlErrorCode::UnknownError => "UNKNOWN_ERROR",
            SqlErrorCode::RowNotFound => "ROW_NOT_FOUND",
            SqlErrorCode::UnexpectedAnswer => "UNEXPECTED_ANSWER",
        }
    }
}

impl fmt::Display for SqlErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A statement that did not run, or failed while running (nothing it wrote
/// stays), or whose answer was not what the app asked for: `@forge/sql`'s
/// `ForgeSQLAPIError`, with its `code` and `message`.
///
/// ```no_run
/// use kiln_sdk::sql::{self, SqlErrorCode};
///
/// # fn main() -> Result<(), kiln_sdk::sql::SqlError> {
/// let inserted = sql::prepare("INSERT INTO items (id, name) VALUES (?, ?)")
///     .bind(&7)
///     .bind("chair")
///     .execute();
/// match inserted {
///     Ok(_) => {}
///     // Public Forge apps check `includes('Duplicate entry') || includes('1062')`.
///     Err(error) if error.mysql_error() == Some(1062) => { /* already there */ }
///     Err(error) if error.code == SqlErrorCode::AppNotEnabled => {
///         panic!("declare a sql module in manifest.yml: {error}")
///     }
///     Err(error) => return Err(error),
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlError {
    /// What kind of failure it is.
    pub code: SqlErrorCode,
    /// What went wrong: the statement's own text and the database's account
    /// of it, or what the SDK found in the answer. Nothing of the host.
    pub message: String,
}

impl SqlError {
    pub(crate) fn new(code: SqlErrorCode, message: impl Into<String>) -> Self {
        SqlError {
            code,
            message: message.into(),
        }
    }

    /// MySQL's error number when the message reads as MySQL's (`Error 1062
    /// (23000): Duplicate entry …` gives `Some(1062)`): 1062 a duplicate key,
    /// 1146 no such table, 1050 a table that exists, 1054 an unknown column,
    /// 1048 a NULL in a NOT NULL column, 3819 a CHECK. Forge SQL (TiDB) words
    /// them so, and Kiln does the same. (Forge SQL enforces no foreign key, so
    /// MySQL's 1452 never comes.)
    pub fn mysql_error(&self) -> Option<u16> {
        let rest = self.message.strip_prefix("Error ")?;
        let digits = rest.split_once(' ')?.0;
        digits.parse().ok()
    }
}

impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        if self.code == SqlErrorCode::AppNotEnabled && !self.message.contains("manifest") {
            f.write_str(
                " (declare `sql: - key: main, engine: mysql` under modules in manifest.yml)",
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for SqlError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mysql_numbers_are_read_from_mysql_worded_messages_only() {
        let duplicate = SqlError::new(
            SqlErrorCode::SqlExecutionError,
            "Error 1062 (23000): Duplicate entry '7' for key 'items.PRIMARY' (UNIQUE constraint failed)",
        );
        assert_eq!(duplicate.mysql_error(), Some(1062));
        let sqlite = SqlError::new(
            SqlErrorCode::SqlExecutionError,
            "near \"SELEC\": syntax error",
        );
        assert_eq!(sqlite.mysql_error(), None);
        let odd = SqlError::new(SqlErrorCode::SqlExecutionError, "Error handling: 12");
        assert_eq!(odd.mysql_error(), None);
    }

    #[test]
    fn the_code_is_spelled_as_forge_spells_it() {
        let error = SqlError::new(SqlErrorCode::QueryTimedOut, "ran 5 s");
        assert_eq!(error.to_string(), "QUERY_TIMED_OUT: ran 5 s");
    }

    #[test]
    fn app_not_enabled_says_what_to_declare() {
        let bare = SqlError::new(SqlErrorCode::AppNotEnabled, "not enabled").to_string();
        assert!(bare.contains("engine: mysql"), "{bare}");
    }
}
