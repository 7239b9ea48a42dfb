//! Issues and what hangs off them: comments, worklogs, attachments, watchers,
//! properties.

use std::collections::BTreeMap;

use axum::body::Bytes;
use serde_json::Value;
use time::OffsetDateTime;

use super::custom_field::CustomValue;
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
    pub(crate) priority: &'static Priority,
    pub(crate) comments: Vec<CommentRecord>,
    pub(crate) worklogs: Vec<WorklogRecord>,
    /// Files attached, oldest first; deleting the issue drops their bytes.
    pub(crate) attachments: Vec<AttachmentRecord>,
    /// Account ids, in the order they started watching.
    pub(crate) watchers: Vec<String>,
    /// Issue properties: key → any JSON value.
    pub(crate) properties: BTreeMap<String, Value>,
    /// Custom field values by the field's number; a field with no value is absent.
    pub(crate) custom_fields: BTreeMap<u64, CustomValue>,
    pub(crate) created: OffsetDateTime,
    pub(crate) updated: OffsetDateTime,
}

/// One of a Jira Cloud site's priorities (the default scheme's five).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Priority {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    /// The icon's file under `/images/icons/priorities/`.
    pub(crate) icon: &'static str,
}

/// A new site's priorities, highest first, as Jira Cloud creates them.
pub(crate) const PRIORITIES: [Priority; 5] = [
    Priority {
        id: "1",
        name: "Highest",
        icon: "highest.svg",
    },
    Priority {
        id: "2",
        name: "High",
        icon: "high.svg",
    },
    Priority {
        id: "3",
        name: "Medium",
        icon: "medium.svg",
    },
    Priority {
        id: "4",
        name: "Low",
        icon: "low.svg",
    },
    Priority {
        id: "5",
        name: "Lowest",
        icon: "lowest.svg",
    },
];

/// The default scheme's default, what an issue created without one has.
pub(crate) const DEFAULT_PRIORITY: &Priority = &PRIORITIES[2];

/// The priority a create or edit names as Jira takes it: `{"id": "2"}` or
/// `{"name": "High"}` (name without regard to case).
pub(crate) fn priority_named(value: &Value) -> Option<&'static Priority> {
    if let Some(id) = value.get("id").and_then(Value::as_str) {
        return PRIORITIES.iter().find(|p| p.id == id);
    }
    let name = value.get("name").and_then(Value::as_str)?;
    PRIORITIES
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(name))
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

/// A file attached to an issue (`POST /rest/api/3/issue/{issueIdOrKey}/attachments`).
#[derive(Debug, Clone)]
pub(crate) struct AttachmentRecord {
    pub(crate) id: u64,
    pub(crate) filename: String,
    /// Account id.
    pub(crate) author: String,
    pub(crate) created: OffsetDateTime,
    /// As the upload's part declared it, or `application/octet-stream`.
    pub(crate) mime_type: String,
    /// `Bytes`, not `Vec<u8>`: an issue is cloned on every edit (to diff it for
    /// webhooks), and cloning `Bytes` shares the buffer instead of copying it.
    pub(crate) content: Bytes,
}

impl AttachmentRecord {
    /// Bytes of memory the record holds for its client: content, name and type.
    pub(crate) fn kept_bytes(&self) -> usize {
        self.content.len() + self.filename.len() + self.mime_type.len()
    }
}
