//! A statement with its bound parameters: `@forge/sql`'s
//! `sql.prepare(query).bindParams(...)`, and the calls that run it.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{Answer, ResultHeader, SqlError, SqlErrorCode, StatementKind, answer};
use crate::host;

/// Starts a data statement (a query, an `INSERT`, `UPDATE`, `DELETE`, …):
/// `@forge/sql`'s `sql.prepare(query)`. Each `?` in `query` takes the next
/// value given to [`Statement::bind`]; values are sent apart from the text,
/// so a bound value is data, never SQL.
///
/// ```no_run
/// use kiln_sdk::sql;
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct Item {
///     id: i32,
///     name: String,
/// }
///
/// # fn main() -> Result<(), sql::SqlError> {
/// let cheap: Vec<Item> = sql::prepare("SELECT id, name FROM items WHERE price < ? ORDER BY id")
///     .bind(&20)
///     .fetch_all()?;
/// let chair: Option<Item> = sql::prepare("SELECT id, name FROM items WHERE name = ?")
///     .bind("chair")
///     .fetch_optional()?;
/// let written = sql::prepare("UPDATE items SET stock = stock - 1 WHERE id = ?")
///     .bind(&1)
///     .execute()?;
/// assert!(written.affected_rows <= 1);
/// # Ok(())
/// # }
/// ```
pub fn prepare(query: impl Into<String>) -> Statement {
    Statement::new(StatementKind::Data, query.into())
}

/// A statement being built; one of [`fetch_all`](Self::fetch_all),
/// [`fetch_one`](Self::fetch_one), [`fetch_optional`](Self::fetch_optional),
/// [`execute`](Self::execute) or [`run`](Self::run) sends it.
#[derive(Debug, Clone, PartialEq)]
#[must_use = "a statement does nothing until fetch_all, fetch_one, fetch_optional, execute or run sends it"]
pub struct Statement {
    kind: StatementKind,
    query: String,
    params: Vec<Value>,
    /// The first value that could not be bound: reported by the call that
    /// sends the statement, which then sends nothing. Kept rather than
    /// returned by `bind`, so binds chain without a `?` each.
    unbindable: Option<SqlError>,
}

impl Statement {
    pub(crate) fn new(kind: StatementKind, query: String) -> Self {
        Statement {
            kind,
            query,
            params: Vec::new(),
            unbindable: None,
        }
    }

    /// Binds the next `?` to `value`: a string, a number, a bool, `None`
    /// (SQL `NULL`) or anything serde writes as one of them. A value that is
    /// not one of them (a struct, a list) fails the statement with
    /// [`SqlErrorCode::InvalidSqlQuery`], as the host would; to store JSON in
    /// a `JSON` column, use [`bind_json`](Self::bind_json).
    ///
    /// A date or time is bound as text: `"2026-01-31 09:30:00"`.
    pub fn bind<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        if self.unbindable.is_some() {
            return self;
        }
        let position = self.params.len() + 1;
        match serde_json::to_value(value) {
            Ok(scalar @ (Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_))) => {
                self.params.push(scalar)
            }
            Ok(other) => {
                self.unbindable = Some(SqlError::new(
                    SqlErrorCode::InvalidSqlQuery,
                    format!(
                        "parameter {position} is {}; a parameter is a string, a number, a \
                         boolean or null (bind JSON with bind_json)",
                        if other.is_array() {
                            "a list"
                        } else {
                            "an object"
                        }
                    ),
                ))
            }
            Err(error) => {
                self.unbindable = Some(SqlError::new(
                    SqlErrorCode::InvalidSqlQuery,
                    format!("parameter {position} could not be serialised: {error}"),
                ))
            }
        }
        self
    }

    /// Binds the next `?` to `value` written as JSON text, for a `JSON`
    /// column (which answers it back as the JSON value itself).
    pub fn bind_json<T: Serialize + ?Sized>(self, value: &T) -> Self {
        match serde_json::to_string(value) {
            Ok(json) => self.bind(&json),
            Err(error) => {
                let position = self.params.len() + 1;
                let mut this = self;
                this.unbindable.get_or_insert(SqlError::new(
                    SqlErrorCode::InvalidSqlQuery,
                    format!("parameter {position} could not be serialised as JSON: {error}"),
                ));
                this
            }
        }
    }

    /// The statement's text, as sent.
    pub fn query(&self) -> &str {
        &self.query
    }

    /// The values bound so far, as sent.
    pub fn params(&self) -> &[Value] {
        &self.params
    }

    /// Runs a query and returns every row, each deserialised as `T`
    /// (`serde_json::Value` for any row; see [the module](super) for how
    /// each column type comes back).
    pub fn fetch_all<T: DeserializeOwned>(self) -> Result<Vec<T>, SqlError> {
        self.run()?.rows()
    }

    /// Runs a query that finds exactly one row, and returns it. No row is
    /// [`SqlErrorCode::RowNotFound`]; several are
    /// [`SqlErrorCode::UnexpectedAnswer`] (a query meant to find one that
    /// finds several is a mistake worth hearing of; add `LIMIT 1` when the
    /// first is what you want).
    pub fn fetch_one<T: DeserializeOwned>(self) -> Result<T, SqlError> {
        let query = self.query.clone();
        self.fetch_optional()?.ok_or_else(|| {
            SqlError::new(
                SqlErrorCode::RowNotFound,
                format!("the query found no row: {}", shortened(&query)),
            )
        })
    }

    /// Runs a query that finds at most one row: `None` when it finds none.
    /// Several are [`SqlErrorCode::UnexpectedAnswer`], as for
    /// [`fetch_one`](Self::fetch_one).
    pub fn fetch_optional<T: DeserializeOwned>(self) -> Result<Option<T>, SqlError> {
        let query = self.query.clone();
        let mut rows = self.fetch_all::<T>()?;
        match rows.len() {
            0 => Ok(None),
            1 => Ok(rows.pop()),
            found => Err(SqlError::new(
                SqlErrorCode::UnexpectedAnswer,
                format!(
                    "the query found {found} rows where at most one was expected (add LIMIT 1, \
                     or use fetch_all): {}",
                    shortened(&query)
                ),
            )),
        }
    }

    /// Runs a statement that is not a query (`INSERT`, `UPDATE`, `DELETE`,
    /// `REPLACE`, …) and returns MySQL's result header: rows affected, the
    /// `AUTO_INCREMENT` id inserted, rows changed.
    pub fn execute(self) -> Result<ResultHeader, SqlError> {
        self.run()?.header()
    }

    /// Runs the statement and returns its answer as it comes, rows or a
    /// result header: what `@forge/sql`'s `execute()` resolves with.
    pub fn run(self) -> Result<Answer, SqlError> {
        if let Some(error) = self.unbindable {
            return Err(error);
        }
        // serde_json writes a list of scalars infallibly.
        let params = Value::Array(self.params).to_string();
        answer::parse(&host::sql_execute(self.kind, &self.query, &params)?)
    }
}

/// The statement for a message: its start, so a long one does not flood the
/// log.
fn shortened(query: &str) -> String {
    const SHOWN: usize = 120;
    let query = query.trim();
    match query.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}…", &query[..cut]),
        None => query.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binds_are_scalars_sent_in_order() {
        let statement = prepare("INSERT INTO t VALUES (?, ?, ?, ?, ?)")
            .bind("a")
            .bind(&1_i64)
            .bind(&2.5)
            .bind(&true)
            .bind(&None::<String>);
        assert_eq!(
            statement.params(),
            [
                Value::from("a"),
                Value::from(1),
                Value::from(2.5),
                Value::from(true),
                Value::Null
            ]
        );
        assert!(statement.unbindable.is_none());
    }

    #[test]
    fn a_list_or_object_fails_the_statement_before_it_is_sent() {
        let statement = prepare("SELECT ?, ?").bind(&1).bind(&[1, 2]).bind(&3);
        let error = statement.run().unwrap_err();
        assert_eq!(error.code, SqlErrorCode::InvalidSqlQuery);
        assert!(error.message.contains("parameter 2"), "{error}");
    }

    #[test]
    fn json_is_bound_as_its_text() {
        let statement = prepare("INSERT INTO t (attrs) VALUES (?)")
            .bind_json(&serde_json::json!({ "tags": ["a"] }));
        assert_eq!(statement.params(), [Value::from(r#"{"tags":["a"]}"#)]);
    }

    #[test]
    fn long_statements_are_shortened_in_messages() {
        let long = "SELECT ".to_owned() + &"x, ".repeat(100);
        assert!(shortened(&long).chars().count() <= 121);
        assert_eq!(shortened(" SELECT 1 "), "SELECT 1");
    }
}
