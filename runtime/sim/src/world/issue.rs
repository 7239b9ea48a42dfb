//! Issues and what hangs off them: comments, worklogs, attachments, watchers,
//! properties, history, remote links.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use super::custom_field::CustomValue;
use super::epic::EpicFields;
use super::resolution::{self, Resolution};
use super::time_tracking::Estimates;
use super::workflow::{IssueType, Status};
use crate::write_budget;

#[derive(Debug, Clone)]
pub(crate) struct IssueRecord {
    pub(crate) id: u64,
    pub(crate) key: String,
    pub(crate) project_key: String,
    pub(crate) summary: String,
    /// An ADF document.
    pub(crate) description: Option<Value>,
    /// The system field `environment`: an ADF document, like the description.
    pub(crate) environment: Option<Value>,
    /// The system field `duedate`: a calendar day (`platform::due_date`).
    pub(crate) due_date: Option<time::Date>,
    pub(crate) status: Status,
    pub(crate) issue_type: IssueType,
    pub(crate) labels: Vec<String>,
    /// Account id.
    pub(crate) assignee: Option<String>,
    /// Account id.
    pub(crate) reporter: String,
    /// Account id of who created the issue (the system field `creator`): the
    /// reporter at first, and kept whoever the reporter becomes.
    pub(crate) creator: String,
    /// The issue's resolution (`resolution`): set as it moves into a status of
    /// the Done category, cleared as it moves out ([`IssueRecord::move_to`]).
    pub(crate) resolution: Option<&'static Resolution>,
    /// When it was resolved (`resolutiondate`); `None` while unresolved.
    pub(crate) resolution_date: Option<OffsetDateTime>,
    /// When the issue last moved into a status of another status category
    /// (`statuscategorychangedate`): its creation until then.
    pub(crate) status_category_changed: OffsetDateTime,
    /// Component names.
    pub(crate) components: Vec<String>,
    /// Ids of the versions in `fixVersions`, in the order they were set.
    pub(crate) fix_versions: Vec<u64>,
    /// Ids of the versions in `versions` (affects versions), likewise.
    pub(crate) affected_versions: Vec<u64>,
    /// Ids of the sprints the issue is or was in (the Sprint field), oldest
    /// first: at most one open sprint (`world::sprint`).
    pub(crate) sprints: Vec<u64>,
    pub(crate) priority: &'static Priority,
    /// The id (not the index: indexes move as issues are deleted) of the
    /// issue's parent in the hierarchy (`world::hierarchy`): an epic's child's
    /// epic, a sub-task's standard issue.
    pub(crate) parent: Option<u64>,
    /// The issue's place in the site's rank order (Jira Software's Rank
    /// field), lower first: its id when created, so it ranks last
    /// (`world::rank`).
    pub(crate) rank: i64,
    /// The agile fields of an epic (name, colour, done: `world::epic`),
    /// unset until written and read only while the issue is an epic.
    pub(crate) epic: EpicFields,
    pub(crate) comments: Vec<CommentRecord>,
    /// Work logged, oldest first; their sum is the issue's time spent
    /// (`world::time_tracking`).
    pub(crate) worklogs: Vec<WorklogRecord>,
    /// The original and remaining estimates (`timetracking`).
    pub(crate) estimates: Estimates,
    /// Files attached, oldest first; deleting the issue drops their bytes.
    pub(crate) attachments: Vec<AttachmentRecord>,
    /// Account ids, in the order they started watching.
    pub(crate) watchers: Vec<String>,
    /// Account ids, in the order they voted.
    pub(crate) voters: Vec<String>,
    /// Issue properties: key → any JSON value.
    pub(crate) properties: BTreeMap<String, Value>,
    /// Custom field values by the field's number; a field with no value is absent.
    pub(crate) custom_fields: BTreeMap<u64, CustomValue>,
    /// What edits, transitions and assignments changed, and the attachments,
    /// issue links and remote links added and removed, oldest first: the
    /// changelog. `Arc`s because an issue is cloned on every edit (to diff it for
    /// webhooks) and its history must not be copied each time.
    pub(crate) history: Vec<Arc<HistoryRecord>>,
    /// Links to items in other systems, in creation order (so ids ascend);
    /// `Arc`s for the same reason as the history's.
    pub(crate) remote_links: Vec<Arc<RemoteLinkRecord>>,
    pub(crate) created: OffsetDateTime,
    pub(crate) updated: OffsetDateTime,
}

/// Changelog entries kept per issue. Jira keeps an issue's whole history; the
/// simulator keeps the newest entries and drops the oldest, because a client that
/// edits an issue without end would otherwise grow the simulator's memory without
/// end. Far more than an app's test writes to one issue.
pub(crate) const MAX_HISTORY_ENTRIES: usize = 1_000;

/// Bytes of item text kept per issue's history, for the same threat: one entry may
/// carry two descriptions (or environments) of up to a request body each, so a cap on entries alone
/// would still let a client pin gigabytes on one issue. The newest entry is kept
/// whatever its size (a request body bounds it), so the last change always shows.
pub(crate) const MAX_HISTORY_BYTES: usize = 4 * 1024 * 1024;

impl IssueRecord {
    /// Moves the issue into `target` at `now`, as Jira Cloud's default
    /// (simplified) workflow does: a move into a status of another category
    /// stamps `statuscategorychangedate`; a move into the Done category resolves
    /// the issue (`resolution`, the transition's if it named one, else the site's
    /// Done, and `resolutiondate` now), and a move out of it clears both. An issue
    /// already resolved that stays in Done keeps its resolution and date, unless
    /// the transition names another resolution.
    pub(crate) fn move_to(
        &mut self,
        target: Status,
        named: Option<&'static Resolution>,
        now: OffsetDateTime,
    ) {
        if self.status.category != target.category {
            self.status_category_changed = now;
        }
        let done = target.category.is_done();
        self.status = target;
        if done {
            let wanted = named.or(self.resolution).unwrap_or(resolution::DONE);
            if self.resolution.is_none_or(|r| r.id != wanted.id) {
                self.resolution = Some(wanted);
                self.resolution_date = Some(now);
            }
        } else {
            self.resolution = None;
            self.resolution_date = None;
        }
    }

    /// Appends a changelog entry, dropping the oldest entries beyond
    /// [`MAX_HISTORY_ENTRIES`] and [`MAX_HISTORY_BYTES`].
    pub(crate) fn record_history(&mut self, record: HistoryRecord) {
        // A bulk edit, move or transition adds an entry to every issue it
        // names from one short request: the write is charged for each.
        write_budget::keeps_entry(record.kept_bytes());
        self.history.push(Arc::new(record));
        let mut kept: usize = self.history.iter().map(|h| h.kept_bytes()).sum();
        let mut drop = 0;
        while self.history.len() - drop > 1
            && (self.history.len() - drop > MAX_HISTORY_ENTRIES || kept > MAX_HISTORY_BYTES)
        {
            kept -= self.history[drop].kept_bytes();
            drop += 1;
        }
        self.history.drain(..drop);
    }
}

/// One of a Jira Cloud site's priorities (the default scheme's five).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Priority {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    /// The icon's file under `/images/icons/priorities/`.
    pub(crate) icon: &'static str,
    /// The colour Jira shows the priority in (`statusColor`).
    pub(crate) status_color: &'static str,
    pub(crate) description: &'static str,
}

/// A new site's priorities, highest first, as Jira Cloud creates them (names,
/// colours and descriptions as a fresh site's `GET /rest/api/3/priority` gives them).
pub(crate) const PRIORITIES: [Priority; 5] = [
    Priority {
        id: "1",
        name: "Highest",
        icon: "highest.svg",
        status_color: "#d04437",
        description: "This problem will block progress.",
    },
    Priority {
        id: "2",
        name: "High",
        icon: "high.svg",
        status_color: "#f15C75",
        description: "Serious problem that could block progress.",
    },
    Priority {
        id: "3",
        name: "Medium",
        icon: "medium.svg",
        status_color: "#f79232",
        description: "Has the potential to affect progress.",
    },
    Priority {
        id: "4",
        name: "Low",
        icon: "low.svg",
        status_color: "#707070",
        description: "Minor problem or easily worked around.",
    },
    Priority {
        id: "5",
        name: "Lowest",
        icon: "lowest.svg",
        status_color: "#999999",
        description: "Trivial problem with little or no impact on progress.",
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

impl Priority {
    /// Whether this is the default scheme's default ([`DEFAULT_PRIORITY`]).
    pub(crate) fn is_default(&self) -> bool {
        self.id == DEFAULT_PRIORITY.id
    }
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
    /// Comment properties (`platform/comment_property.rs`), by key.
    pub(crate) properties: BTreeMap<String, Value>,
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
    /// When it was last written: its creation until `updateWorklog` edits it.
    pub(crate) updated: OffsetDateTime,
    /// Account id of whoever last edited it; `None` until someone does (the
    /// author is then the update author, as Jira answers it).
    pub(crate) update_author: Option<String>,
    /// The group or project role the worklog is restricted to; `None` is
    /// Jira's *Viewable by All Users* (`world::worklog_feed`).
    pub(crate) visibility: Option<super::worklog_feed::WorklogVisibility>,
    /// Worklog properties (`platform/worklog_property.rs`), by key.
    pub(crate) properties: BTreeMap<String, Value>,
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

/// One entry of an issue's changelog: one write, and every field it changed.
#[derive(Debug, Clone)]
pub(crate) struct HistoryRecord {
    /// The id the `jira:issue_updated` delivery's `changelog` carried; for a
    /// change that raises none, the next of the same sequence.
    pub(crate) id: u64,
    /// Account id of who made the change.
    pub(crate) author: String,
    pub(crate) created: OffsetDateTime,
    pub(crate) items: Vec<HistoryItem>,
}

impl HistoryRecord {
    /// Bytes of memory the entry holds for its client: the text of its items.
    pub(crate) fn kept_bytes(&self) -> usize {
        self.items.iter().map(HistoryItem::kept_bytes).sum()
    }
}

/// One changed field, in Jira's `ChangeDetails` shape: serialized, it is the item
/// both a webhook's `changelog` and the REST changelog carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HistoryItem {
    /// The field's name (`summary`, `Component`, a custom field's name).
    pub(crate) field: String,
    /// `jira` or `custom`.
    pub(crate) fieldtype: &'static str,
    /// Empty for a change that is not to a field (`Link`, `RemoteIssueLink`):
    /// Jira's items for those carry no `fieldId`, so it is left out.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) field_id: String,
    /// Ids (a status's, a user's) where the value has one.
    pub(crate) from: Option<String>,
    pub(crate) from_string: Option<String>,
    pub(crate) to: Option<String>,
    pub(crate) to_string: Option<String>,
}

impl HistoryItem {
    fn kept_bytes(&self) -> usize {
        let text = |s: &Option<String>| s.as_ref().map_or(0, String::len);
        self.field.len()
            + self.field_id.len()
            + text(&self.from)
            + text(&self.from_string)
            + text(&self.to)
            + text(&self.to_string)
    }
}

/// A link from an issue to an item in another system
/// (`/rest/api/3/issue/{issueIdOrKey}/remotelink`). Typed, not the request's
/// JSON: Jira keeps the documented fields and drops anything else a client sends.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RemoteLinkRecord {
    #[serde(skip)]
    pub(crate) id: u64,
    /// The item's identity in its own system; at most one link per issue has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) global_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) application: Option<RemoteApplication>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) relationship: Option<String>,
    pub(crate) object: RemoteObject,
}

/// The remote link's `application` (Jira's `Application`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct RemoteApplication {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub(crate) kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
}

/// The linked item (Jira's `RemoteObject`); `url` and `title` are required.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RemoteObject {
    pub(crate) url: String,
    pub(crate) title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) icon: Option<RemoteIcon>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) status: Option<RemoteStatus>,
}

/// An icon of a remote link (Jira's `Icon`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct RemoteIcon {
    #[serde(rename = "url16x16", default, skip_serializing_if = "Option::is_none")]
    pub(crate) url_16x16: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) link: Option<String>,
}

/// The linked item's status (Jira's `Status`): resolved items show struck through.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct RemoteStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) resolved: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) icon: Option<RemoteIcon>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: u64, text_bytes: usize) -> HistoryRecord {
        HistoryRecord {
            id,
            author: String::from("a"),
            created: OffsetDateTime::UNIX_EPOCH,
            items: vec![HistoryItem {
                field: String::from("summary"),
                fieldtype: "jira",
                field_id: String::from("summary"),
                from: None,
                from_string: None,
                to: None,
                to_string: Some("x".repeat(text_bytes)),
            }],
        }
    }

    fn issue() -> IssueRecord {
        IssueRecord {
            id: 1,
            key: String::from("K-1"),
            project_key: String::from("K"),
            summary: String::from("s"),
            description: None,
            environment: None,
            due_date: None,
            status: super::super::workflow::INITIAL_STATUS,
            issue_type: super::super::workflow::ISSUE_TYPES[0],
            labels: Vec::new(),
            assignee: None,
            reporter: String::from("a"),
            creator: String::from("a"),
            resolution: None,
            resolution_date: None,
            status_category_changed: OffsetDateTime::UNIX_EPOCH,
            components: Vec::new(),
            fix_versions: Vec::new(),
            affected_versions: Vec::new(),
            sprints: Vec::new(),
            priority: DEFAULT_PRIORITY,
            parent: None,
            rank: 1,
            epic: EpicFields::default(),
            comments: Vec::new(),
            worklogs: Vec::new(),
            estimates: Estimates::default(),
            attachments: Vec::new(),
            voters: Vec::new(),
            watchers: Vec::new(),
            properties: BTreeMap::new(),
            custom_fields: BTreeMap::new(),
            history: Vec::new(),
            remote_links: Vec::new(),
            created: OffsetDateTime::UNIX_EPOCH,
            updated: OffsetDateTime::UNIX_EPOCH,
        }
    }

    fn ids(issue: &IssueRecord) -> Vec<u64> {
        issue.history.iter().map(|h| h.id).collect()
    }

    #[test]
    fn moves_into_and_out_of_done_resolve_and_stamp_the_category_change() {
        use super::super::workflow::STATUSES;
        let [to_do, in_progress, done] = STATUSES;
        let at = |hours: i64| OffsetDateTime::UNIX_EPOCH + time::Duration::hours(hours);
        let mut issue = issue();
        issue.move_to(in_progress, None, at(1));
        assert_eq!(
            (issue.status_category_changed, issue.resolution),
            (at(1), None)
        );
        issue.move_to(done.clone(), None, at(2));
        assert_eq!(issue.resolution, Some(resolution::DONE));
        assert_eq!(issue.resolution_date, Some(at(2)));
        assert_eq!(issue.status_category_changed, at(2));
        // Done to Done keeps the resolution and its date, unless another is named.
        issue.move_to(done.clone(), None, at(3));
        assert_eq!(issue.resolution_date, Some(at(2)));
        assert_eq!(issue.status_category_changed, at(2));
        let wont_do = resolution::resolution("10001");
        issue.move_to(done, wont_do, at(4));
        assert_eq!(
            (issue.resolution, issue.resolution_date),
            (wont_do, Some(at(4)))
        );
        issue.move_to(to_do, None, at(5));
        assert_eq!((issue.resolution, issue.resolution_date), (None, None));
        assert_eq!(issue.status_category_changed, at(5));
    }

    #[test]
    fn history_keeps_the_newest_entries_up_to_its_cap() {
        let mut issue = issue();
        for id in 0..MAX_HISTORY_ENTRIES as u64 + 3 {
            issue.record_history(entry(id, 1));
        }
        assert_eq!(issue.history.len(), MAX_HISTORY_ENTRIES);
        assert_eq!(issue.history[0].id, 3, "the oldest dropped");
        assert_eq!(
            issue.history.last().map(|h| h.id),
            Some(MAX_HISTORY_ENTRIES as u64 + 2)
        );
    }

    #[test]
    fn history_keeps_its_bytes_under_the_cap_but_always_the_newest_entry() {
        let mut issue = issue();
        // A third of the cap, less room for the field names each entry keeps too.
        let third = MAX_HISTORY_BYTES / 3 - 100;
        for id in 0..4 {
            issue.record_history(entry(id, third));
        }
        assert_eq!(ids(&issue), [1, 2, 3]);
        issue.record_history(entry(4, MAX_HISTORY_BYTES * 2));
        assert_eq!(ids(&issue), [4], "alone over the cap, still kept");
        issue.record_history(entry(5, 1));
        assert_eq!(ids(&issue), [5]);
    }
}
