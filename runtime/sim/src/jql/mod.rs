//! The JQL subset apps use: `project`, `status`, `assignee`, `reporter`,
//! `creator`, `labels`, `key`, `issuetype`, `component`, `fixVersion`,
//! `affectedVersion` (by a version's name or id), `statusCategory`, `priority`
//! (with `<`, `>` by its order), `resolution`, the date fields `duedate`/`due`
//! (`due_date.rs`), `created`, `updated`, `resolved` and
//! `statusCategoryChangedDate` (dates, date-times, periods, date functions with
//! increments, ranges: `dates.rs`),
//! `text`/`summary`/`description`/`environment ~ "x"` (Jira's word search:
//! `text_search.rs`), the
//! operators `= != ~ !~ IN, NOT IN, IS, IS NOT`, `EMPTY`, `currentUser()`,
//! `membersOf("group")`, `AND`, `OR`,
//! `NOT`, parentheses and `ORDER BY field ASC|DESC`; and custom fields by `cf[N]` or
//! name (text ones with `~`, others with `=`, `IN`, `IS`, and ranges on dates and
//! range-searched numbers); saved filters by `filter = id or name`
//! (`saved_filter.rs`); Jira Software's `sprint` (by id or name,
//! `openSprints()`, `closedSprints()`, `futureSprints()`); and the issue
//! property paths apps index, `issue.property[key].path` or an alias
//! (`entity_property.rs`); and the history operators `CHANGED`, `WAS`,
//! `WAS IN`, `WAS NOT`, `WAS NOT IN` with their predicates on status,
//! assignee, reporter, priority and resolution (`history.rs`).
//!
//! A query is lexed, parsed, then *compiled* against the world and the caller:
//! compilation resolves names to ids and reports Jira's own messages for unknown
//! fields and values (a project the caller cannot browse is "unknown", as in Jira),
//! so evaluation itself cannot fail.

mod compile;
mod dates;
mod due_date;
mod entity_property;
mod history;
mod lexer;
mod parser;
mod reference;
mod sanitize;
mod saved_filter;
mod structure;
mod text_search;
mod webhook_filter;

pub(crate) use compile::{Query, compile, compile_saved};
pub(crate) use reference::reference_data;
pub(crate) use sanitize::sanitize;
pub(crate) use webhook_filter::compile_webhook_filter;

/// The syntax tree of `jql` in the shape of Jira's `JqlQuery` (`POST /jql/parse`),
/// or why it is not well formed. Nothing is resolved against the site.
pub(crate) fn structure(jql: &str) -> Result<serde_json::Value, JqlError> {
    parser::parse(jql).map(|ast| structure::of(&ast))
}

/// A JQL failure, worded as Jira words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JqlError(pub(crate) String);

impl JqlError {
    /// Jira's refusal of a list, `EMPTY` or (where the field takes none) a function after
    /// `<`, `<=`, `>` or `>=`.
    pub(crate) fn single_value_required(operator: &str, field: &str) -> Self {
        JqlError(format!(
            "The operator '{operator}' requires a single value for the field '{field}'."
        ))
    }

    /// Whether the query is well formed and its fields known, but a value it names
    /// does not exist (a project, a status, an issue key, an option): what Jira's
    /// `POST /jql/parse` reports as a warning rather than an error. The messages are
    /// the resolver's (`compile.rs`), worded as Jira words them.
    pub(crate) fn is_unknown_value(&self) -> bool {
        const UNKNOWN_VALUE: [&str; 4] = [
            "The value '",
            "A value with ID '",
            "An issue with key '",
            "The option '",
        ];
        UNKNOWN_VALUE.iter().any(|start| self.0.starts_with(start))
    }

    /// A syntax error at a 1-based character position of the (single-line) query.
    pub(crate) fn syntax(message: impl std::fmt::Display, position: usize) -> Self {
        Self(format!(
            "Error in the JQL Query: {message} (line 1, character {position})"
        ))
    }
}

impl From<JqlError> for crate::jira_error::JiraError {
    /// Jira's 400 with the query's error.
    fn from(error: JqlError) -> Self {
        Self::bad_request(error.0)
    }
}
