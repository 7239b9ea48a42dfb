//! The fake Forge SQL database: scripted answers per statement, and a record
//! of every statement the app sent.
//!
//! It does not run SQL: it answers what the test scripts, as the fake Jira
//! answers its stubs. Two things it does know, because every app that uses
//! them would otherwise script the same lines: a schema change answers the
//! empty result header (all a schema change ever answers), and the
//! migration runner's own `__migrations` statements are kept as the host
//! keeps them, so [`migration_runner`](crate::sql::migration_runner) runs
//! in a test as on the host.

use super::budget::Budget;
use std::fmt;
use std::rc::Rc;

use serde::Serialize;
use serde_json::{Map, Value};

use super::Shared;
use crate::sql::{
    Answer, CREATE_MIGRATIONS_TABLE, INSERT_MIGRATION, LIST_MIGRATIONS, ResultHeader, SqlError,
    SqlErrorCode, StatementKind,
};

type Respond = Rc<dyn Fn(&SentStatement) -> Result<Answer, SqlError>>;

/// One statement the app sent, as the host would have received it.
#[derive(Debug, Clone, PartialEq)]
pub struct SentStatement {
    /// Data ([`prepare`](crate::sql::prepare), [`execute_raw`](crate::sql::execute_raw))
    /// or schema ([`execute_ddl`](crate::sql::execute_ddl), the migration runner).
    pub kind: StatementKind,
    /// The statement's text, as sent.
    pub query: String,
    /// The bound values, in order.
    pub params: Vec<Value>,
}

#[derive(Default)]
pub(super) struct SqlState {
    stubs: Vec<Stub>,
    sent: Vec<SentStatement>,
    /// The names in the fake's `__migrations`, in the order applied.
    migrations: Vec<String>,
    migrations_table: bool,
    disabled: bool,
    fallback: Option<Respond>,
}

struct Stub {
    query: String,
    params: Option<Vec<Value>>,
    /// How many more statements it answers; `None`: any number.
    remaining: Budget,
    respond: Respond,
}

impl Stub {
    fn matches(&self, sent: &SentStatement) -> bool {
        self.remaining.left()
            && self.query == normalised(&sent.query)
            && self
                .params
                .as_ref()
                .is_none_or(|params| *params == sent.params)
    }
}

impl fmt::Debug for Stub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.query)?;
        if let Some(params) = &self.params {
            write!(f, " with {}", Value::Array(params.clone()))?;
        }
        write!(f, "{}", self.remaining)?;
        Ok(())
    }
}

/// The statement with every run of whitespace made one space and the ends
/// trimmed, so a stub matches however the app's code wraps its SQL.
fn normalised(query: &str) -> String {
    query.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Answers one statement: the first stub that matches, else what the fake
/// knows by itself (schema changes, `__migrations`), else the fallback, else
/// a panic that says how to stub it.
pub(super) fn execute(
    state: &Shared,
    kind: StatementKind,
    query: &str,
    params: &str,
) -> Result<String, SqlError> {
    let params: Vec<Value> = serde_json::from_str(params).map_err(|_| {
        SqlError::new(
            SqlErrorCode::InvalidSqlQuery,
            "the parameters are not a JSON array",
        )
    })?;
    let sent = SentStatement {
        kind,
        query: query.to_owned(),
        params,
    };
    let respond = {
        let mut state = state.borrow_mut();
        let sql = &mut state.sql;
        sql.sent.push(sent.clone());
        if sql.disabled {
            return Err(SqlError::new(
                SqlErrorCode::AppNotEnabled,
                "the app's manifest declares no Forge SQL database: add `sql: - key: main, \
                 engine: mysql` under modules",
            ));
        }
        if let Some(stub) = sql.stubs.iter_mut().find(|stub| stub.matches(&sent)) {
            stub.remaining.spend();
            Rc::clone(&stub.respond)
        } else if let Some(answer) = sql.known(&sent) {
            return answer.map(|answer| crate::sql::answer_json(&answer));
        } else if let Some(fallback) = &sql.fallback {
            Rc::clone(fallback)
        } else {
            let stubs: Vec<String> = sql.stubs.iter().map(|s| format!("{s:?}")).collect();
            drop(state);
            panic!(
                "kiln_sdk::testing: no stub answers the SQL statement {query:?} with {params}; \
                 add `fake.sql().on({query:?}).rows(&[...])` (or `.written(1)`, `.fail(...)`) \
                 (stubs: {stubs:?})",
                params = Value::Array(sent.params.clone()),
            );
        }
    };
    // Called with the state released, so an answer may itself use the fake.
    respond(&sent).map(|answer| crate::sql::answer_json(&answer))
}

impl SqlState {
    /// What the host itself would answer without the test's script: the
    /// migration runner's bookkeeping, and a schema change's empty header.
    fn known(&mut self, sent: &SentStatement) -> Option<Result<Answer, SqlError>> {
        let query = normalised(&sent.query);
        if query == normalised(CREATE_MIGRATIONS_TABLE) {
            self.migrations_table = true;
            return Some(Ok(Answer::Written(ResultHeader::default())));
        }
        if query == normalised(LIST_MIGRATIONS) {
            if !self.migrations_table {
                return Some(Err(SqlError::new(
                    SqlErrorCode::SqlExecutionError,
                    "Error 1146 (42S02): Table '__migrations' doesn't exist",
                )));
            }
            let rows = self
                .migrations
                .iter()
                .enumerate()
                .map(|(index, name)| migration_row(index, name))
                .collect();
            return Some(Ok(Answer::Rows(rows)));
        }
        if query == normalised(INSERT_MIGRATION)
            && self.migrations_table
            && let [Value::String(name)] = sent.params.as_slice()
        {
            self.migrations.push(name.clone());
            return Some(Ok(Answer::Written(ResultHeader {
                affected_rows: 1,
                insert_id: i64::try_from(self.migrations.len()).unwrap_or(i64::MAX),
                changed_rows: None,
            })));
        }
        (sent.kind == StatementKind::Schema).then(|| Ok(Answer::Written(ResultHeader::default())))
    }
}

/// A `__migrations` row as the host answers it (an `AUTO_INCREMENT` id as a
/// number; the fake's clock does not move `migratedAt`).
fn migration_row(index: usize, name: &str) -> Map<String, Value> {
    let mut row = Map::new();
    row.insert("id".into(), Value::from(index + 1));
    row.insert("name".into(), Value::from(name));
    row.insert("migratedAt".into(), Value::from("2026-01-01 00:00:00"));
    row
}

/// The fake Forge SQL database of a [`Fake`](super::Fake).
pub struct SqlFake<'a> {
    state: &'a Shared,
}

impl<'a> SqlFake<'a> {
    pub(super) fn new(state: &'a Shared) -> Self {
        SqlFake { state }
    }

    /// Starts a stub for statements whose text is `query` (compared with
    /// every run of whitespace as one space). Finish it with an answer
    /// ([`SqlStubBuilder::rows`], [`SqlStubBuilder::written`],
    /// [`SqlStubBuilder::fail`], …). When several stubs fit, the first one
    /// added answers.
    pub fn on(&self, query: &str) -> SqlStubBuilder<'a> {
        SqlStubBuilder {
            state: self.state,
            query: normalised(query),
            params: None,
            remaining: Budget::default(),
        }
    }

    /// Every statement the app sent, in order (refused ones included).
    pub fn statements(&self) -> Vec<SentStatement> {
        self.state.borrow().sql.sent.clone()
    }

    /// The statements whose text is `query` (compared as in [`on`](Self::on)).
    pub fn statements_of(&self, query: &str) -> Vec<SentStatement> {
        let query = normalised(query);
        self.state
            .borrow()
            .sql
            .sent
            .iter()
            .filter(|sent| normalised(&sent.query) == query)
            .cloned()
            .collect()
    }

    /// The migrations recorded in the fake's `__migrations`, in order.
    pub fn migrations(&self) -> Vec<String> {
        self.state.borrow().sql.migrations.clone()
    }

    /// Records `names` as applied by earlier invocations, so the migration
    /// runner skips them (and `__migrations` exists).
    pub fn migrated<I, S>(&self, names: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut state = self.state.borrow_mut();
        state.sql.migrations_table = true;
        state
            .sql
            .migrations
            .extend(names.into_iter().map(Into::into));
    }

    /// Simulates a manifest without a `sql` module: every statement fails
    /// with [`SqlErrorCode::AppNotEnabled`], as the host answers.
    pub fn disable(&self) {
        self.state.borrow_mut().sql.disabled = true;
    }

    /// Answers every statement no stub fits (and the fake does not know)
    /// with `respond`, in place of failing the test.
    pub fn fallback(&self, respond: impl Fn(&SentStatement) -> Result<Answer, SqlError> + 'static) {
        self.state.borrow_mut().sql.fallback = Some(Rc::new(respond));
    }
}

/// A stub being built; it takes effect when an answer finishes it.
#[must_use = "a stub does nothing until an answer (rows, written, fail, ...) finishes it"]
pub struct SqlStubBuilder<'a> {
    state: &'a Shared,
    query: String,
    params: Option<Vec<Value>>,
    remaining: Budget,
}

impl SqlStubBuilder<'_> {
    /// Only statements bound to exactly these values.
    ///
    /// # Panics
    /// If `params` does not serialise to a JSON array: a mistake in the test.
    pub fn params<T: Serialize + ?Sized>(mut self, params: &T) -> Self {
        match serde_json::to_value(params) {
            Ok(Value::Array(params)) => self.params = Some(params),
            _ => panic!("kiln_sdk::testing: a stub's params must serialise to a JSON array"),
        }
        self
    }

    /// Answers one statement only; add several to answer a sequence.
    pub fn once(self) -> Self {
        self.times(1)
    }

    /// Answers `times` statements, then lets later stubs answer.
    pub fn times(mut self, times: usize) -> Self {
        self.remaining = Budget::limited(times);
        self
    }

    /// Answers a query with these rows, each serialised to a JSON object
    /// (write `BIGINT` and `DECIMAL` columns as strings, as Forge SQL does).
    ///
    /// # Panics
    /// If a row does not serialise to a JSON object: a mistake in the test.
    pub fn rows<T: Serialize>(self, rows: &[T]) {
        let rows: Vec<Map<String, Value>> = rows
            .iter()
            .map(|row| match serde_json::to_value(row) {
                Ok(Value::Object(row)) => row,
                _ => panic!("kiln_sdk::testing: a stubbed row must serialise to a JSON object"),
            })
            .collect();
        self.answer(Answer::Rows(rows))
    }

    /// Answers a write with a result header of `affected_rows` (no insert id).
    pub fn written(self, affected_rows: u64) {
        self.header(ResultHeader {
            affected_rows,
            ..ResultHeader::default()
        })
    }

    /// Answers an `INSERT` of one row given the `AUTO_INCREMENT` id `insert_id`.
    pub fn inserted(self, insert_id: i64) {
        self.header(ResultHeader {
            affected_rows: 1,
            insert_id,
            changed_rows: None,
        })
    }

    /// Answers with this result header.
    pub fn header(self, header: ResultHeader) {
        self.answer(Answer::Written(header))
    }

    /// Answers with `answer`.
    pub fn answer(self, answer: Answer) {
        self.respond_with(move |_| Ok(answer.clone()))
    }

    /// Refuses the statement as the host would: Forge's `code` and a
    /// `message` (`"Error 1062 (23000): Duplicate entry …"` for a duplicate
    /// key, as Kiln and TiDB word it).
    pub fn fail(self, code: SqlErrorCode, message: impl Into<String>) {
        let error = SqlError::new(code, message);
        self.respond_with(move |_| Err(error.clone()))
    }

    /// Answers with whatever `respond` returns for the statement.
    pub fn respond_with(
        self,
        respond: impl Fn(&SentStatement) -> Result<Answer, SqlError> + 'static,
    ) {
        self.state.borrow_mut().sql.stubs.push(Stub {
            query: self.query,
            params: self.params,
            remaining: self.remaining,
            respond: Rc::new(respond),
        });
    }
}
