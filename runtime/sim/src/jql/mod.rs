//! The JQL subset apps use: `project`, `status`, `assignee`, `reporter`,
//! `creator`, `labels`, `key`, `issuetype`, `component`, `fixVersion`,
//! `affectedVersion` (by a version's name or id), `statusCategory`, `priority`
//! (with `<`, `>` by its order), `resolution`, the date fields `duedate`/`due`
//! (`due_date.rs`), `created`, `updated`, `resolved` and
//! `statusCategoryChangedDate` (dates, date-times, periods, date functions with
//! increments, ranges: `dates.rs`),
//! `text`/`summary`/`description`/`environment ~ "x"`, the
//! operators `= != ~ !~ IN, NOT IN, IS, IS NOT`, `EMPTY`, `currentUser()`, `AND`, `OR`,
//! `NOT`, parentheses and `ORDER BY field ASC|DESC`; and custom fields by `cf[N]` or
//! name (text ones with `~`, others with `=`, `IN`, `IS`, and ranges on dates and
//! range-searched numbers); saved filters by `filter = id or name`
//! (`saved_filter.rs`); and Jira Software's `sprint` (by id or name,
//! `openSprints()`, `closedSprints()`, `futureSprints()`).
//!
//! A query is lexed, parsed, then *compiled* against the world and the caller:
//! compilation resolves names to ids and reports Jira's own messages for unknown
//! fields and values (a project the caller cannot browse is "unknown", as in Jira),
//! so evaluation itself cannot fail.

mod compile;
mod dates;
mod due_date;
mod lexer;
mod parser;
mod saved_filter;
mod webhook_filter;

pub(crate) use compile::{Query, compile, compile_saved};
pub(crate) use webhook_filter::compile_webhook_filter;

/// A JQL failure, worded as Jira words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JqlError(pub(crate) String);

impl JqlError {
    /// A syntax error at a 1-based character position of the (single-line) query.
    pub(crate) fn syntax(message: impl std::fmt::Display, position: usize) -> Self {
        Self(format!(
            "Error in the JQL Query: {message} (line 1, character {position})"
        ))
    }
}
