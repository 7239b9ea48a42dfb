//! Issues and what hangs off them: comments, worklogs, watchers, properties.

use std::collections::BTreeMap;

use serde_json::Value;
use time::OffsetDateTime;

use super::workflow::{IssueType, Status};

#[derive(Debug, Clone)]
pub(crate) struct IssueRecord {
    pub(crate) id: u64,
    pub(crate) key: String,
    pub(crate) project_key: String,
    pub(crate) summary: String,
    /// An ADF document.
    pub(crate) description: Option<Value>,
    pub(crate) status: Status,
    pub(crate) issue_type: IssueType,
    pub(crate) labels: Vec<String>,
    /// Account id.
    pub(crate) assignee: Option<String>,
    /// Account id.
    pub(crate) reporter: String,
    /// Component names.
    pub(crate) components: Vec<String>,
    pub(crate) comments: Vec<CommentRecord>,
    pub(crate) worklogs: Vec<WorklogRecord>,
    /// Account ids, in the order they started watching.
    pub(crate) watchers: Vec<String>,
    /// Issue properties: key → any JSON value.
    pub(crate) properties: BTreeMap<String, Value>,
    pub(crate) created: OffsetDateTime,
    pub(crate) updated: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub(crate) struct CommentRecord {
    pub(crate) id: u64,
    /// Account id.
    pub(crate) author: String,
    /// An ADF document.
    pub(crate) body: Value,
    pub(crate) created: OffsetDateTime,
    pub(crate) updated: OffsetDateTime,
    /// Account id of the last editor, when someone other than the author may have
    /// edited it; `None` means the author.
    pub(crate) update_author: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct WorklogRecord {
    pub(crate) id: u64,
    /// Account id.
    pub(crate) author: String,
    /// An ADF document, when given.
    pub(crate) comment: Option<Value>,
    pub(crate) started: OffsetDateTime,
    pub(crate) time_spent_seconds: u64,
    pub(crate) created: OffsetDateTime,
}
