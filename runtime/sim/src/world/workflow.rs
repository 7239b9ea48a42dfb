//! The fixed parts of the site's workflow and its issue types, as a simplified
//! Jira Software project has them: every status reachable from every other. The
//! workflows and statuses as they stand, after the workflows API changed them,
//! are `site_workflows.rs`'s.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use serde::{Serialize, Serializer};

/// A status category (`new`, `indeterminate`, `done`), with Jira's fixed ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StatusCategory {
    pub(crate) id: u32,
    pub(crate) key: &'static str,
    pub(crate) name: &'static str,
    pub(crate) color_name: &'static str,
    /// The category as the workflow APIs name it (`/statuses`: `TODO`,
    /// `IN_PROGRESS`, `DONE`); they have no name for No Category.
    pub(crate) workflow_name: Option<&'static str>,
}

/// Jira's category for a status given none. No status of the simulator's
/// workflow is in it, but Jira lists it among the categories
/// (`/statuscategory`), so it is here, beside the three the statuses use.
pub(crate) const NO_CATEGORY: StatusCategory = StatusCategory {
    id: 1,
    key: "undefined",
    name: "No Category",
    color_name: "medium-gray",
    workflow_name: None,
};

pub(crate) const TO_DO: StatusCategory = StatusCategory {
    id: 2,
    key: "new",
    name: "To Do",
    color_name: "blue-gray",
    workflow_name: Some("TODO"),
};

pub(crate) const IN_PROGRESS: StatusCategory = StatusCategory {
    id: 4,
    key: "indeterminate",
    name: "In Progress",
    color_name: "yellow",
    workflow_name: Some("IN_PROGRESS"),
};

pub(crate) const DONE: StatusCategory = StatusCategory {
    id: 3,
    key: "done",
    name: "Done",
    color_name: "green",
    workflow_name: Some("DONE"),
};

/// Every status category of a Jira Cloud site: fixed, the same on every site,
/// in the order Jira lists them (a category's place in a workflow, not its id:
/// No Category, To Do, In Progress, Done). The one table of them: statuses
/// carry these, and `/statuscategory` lists them.
pub(crate) const STATUS_CATEGORIES: [StatusCategory; 4] = [NO_CATEGORY, TO_DO, IN_PROGRESS, DONE];

/// A status's id or name: fixed text for the site's own statuses, owned text
/// for those the workflows API made. Owned text is the site's: it is freed when
/// the last status holding it goes (a reset, the workflow write that renamed
/// it), and nothing outlives the site. Cloning one costs at most a reference
/// count, so [`Status`] stays cheap to carry by value.
#[derive(Clone)]
pub(crate) enum StatusText {
    /// The text of a fixed status ([`STATUSES`]).
    Fixed(&'static str),
    /// The text of a status a workflow write made or renamed.
    Owned(Arc<str>),
}

impl StatusText {
    /// Text of a status made at run time, owned by whatever holds it.
    pub(crate) fn owned(text: &str) -> Self {
        Self::Owned(Arc::from(text))
    }

    pub(crate) fn as_str(&self) -> &str {
        match self {
            Self::Fixed(text) => text,
            Self::Owned(text) => text,
        }
    }
}

impl Deref for StatusText {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for StatusText {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for StatusText {}

impl PartialEq<str> for StatusText {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for StatusText {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<StatusText> for str {
    fn eq(&self, other: &StatusText) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<StatusText> for &str {
    fn eq(&self, other: &StatusText) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<String> for StatusText {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<StatusText> for String {
    fn eq(&self, other: &StatusText) -> bool {
        self == other.as_str()
    }
}

impl fmt::Debug for StatusText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for StatusText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for StatusText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A status as issues carry it. Cheap to clone: its texts are fixed or
/// reference-counted ([`StatusText`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Status {
    pub(crate) id: StatusText,
    pub(crate) name: StatusText,
    pub(crate) category: StatusCategory,
}

/// The status a new issue starts in.
pub(crate) const INITIAL_STATUS: Status = Status {
    id: StatusText::Fixed("10000"),
    name: StatusText::Fixed("To Do"),
    category: TO_DO,
};

/// The site's own statuses, in the workflow's order.
pub(crate) const STATUSES: [Status; 3] = [
    INITIAL_STATUS,
    Status {
        id: StatusText::Fixed("3"),
        name: StatusText::Fixed("In Progress"),
        category: IN_PROGRESS,
    },
    Status {
        id: StatusText::Fixed("10001"),
        name: StatusText::Fixed("Done"),
        category: DONE,
    },
];

impl StatusCategory {
    /// Whether this is the Done category (`done`), whose statuses resolve an
    /// issue in the default workflow.
    pub(crate) fn is_done(&self) -> bool {
        self.key == "done"
    }
}

/// The identity a new site's workflow starts with (`site_workflows.rs` makes it
/// from this, [`STATUSES`] and a transition into each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Workflow {
    /// Jira's workflow ids are UUIDs.
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    /// The id of the workflow's first version (`versionNumber` 0).
    pub(crate) version_id: &'static str,
}

/// The workflow every project of the site uses: company-managed (`GLOBAL`), as
/// Jira Software's simplified workflow lays it out, shared by all projects, so
/// named for none of them.
pub(crate) const SITE_WORKFLOW: Workflow = Workflow {
    id: "6f1c2b5e-8d4a-4e3f-9b7c-2a1d0e5f4c3b",
    name: "Software Simplified Workflow",
    version_id: "0c9e7a1d-3b5f-4d2e-8a6c-1f4b7e2d9c05",
};

/// Jira's id of a workflow's initial transition, which creates an issue into
/// [`INITIAL_STATUS`]. No issue can take it.
pub(crate) const CREATE_TRANSITION_ID: &str = "1";

/// The name Jira gives the initial transition.
pub(crate) const CREATE_TRANSITION_NAME: &str = "Create";

/// Looks a status up by name, case-insensitively as JQL does.
pub(crate) fn status_named(name: &str) -> Option<Status> {
    STATUSES
        .iter()
        .find(|s| s.name.eq_ignore_ascii_case(name))
        .cloned()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IssueType {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    pub(crate) description: &'static str,
    /// Where the type sits in Jira Cloud's issue hierarchy (`hierarchyLevel`):
    /// [`EPIC_LEVEL`], [`STANDARD_LEVEL`] or [`SUBTASK_LEVEL`].
    pub(crate) hierarchy_level: i32,
}

/// Epics: the parents of standard issues.
pub(crate) const EPIC_LEVEL: i32 = 1;
/// Standard issue types (Task, Bug, Story): children of epics, parents of
/// sub-tasks.
pub(crate) const STANDARD_LEVEL: i32 = 0;
/// Sub-tasks: always the child of a standard issue.
pub(crate) const SUBTASK_LEVEL: i32 = -1;

impl IssueType {
    /// Whether this is a sub-task type (the spec's `subtask`).
    pub(crate) fn is_subtask(&self) -> bool {
        self.hierarchy_level == SUBTASK_LEVEL
    }
}

/// The issue types of a company-managed Jira Software project on a new site:
/// the three standard types, and Epic and Sub-task, Jira Cloud's fixed top and
/// bottom of the default hierarchy (no levels above Epic: those need Premium's
/// custom hierarchy). Epic and Sub-task come last so that the standard types
/// keep the ids and positions they had before the hierarchy was modelled.
/// Descriptions of Epic and Sub-task are those a new Jira Cloud site gives them.
pub(crate) const ISSUE_TYPES: [IssueType; 5] = [
    IssueType {
        id: "10001",
        name: "Task",
        description: "A small, distinct piece of work.",
        hierarchy_level: STANDARD_LEVEL,
    },
    IssueType {
        id: "10002",
        name: "Bug",
        description: "A problem or error.",
        hierarchy_level: STANDARD_LEVEL,
    },
    IssueType {
        id: "10003",
        name: "Story",
        description: "A user-facing feature.",
        hierarchy_level: STANDARD_LEVEL,
    },
    IssueType {
        id: "10000",
        name: "Epic",
        description: "Epics track collections of related bugs, stories, and tasks.",
        hierarchy_level: EPIC_LEVEL,
    },
    IssueType {
        id: "10004",
        name: "Sub-task",
        description: "Subtasks track small pieces of work that are part of a larger task.",
        hierarchy_level: SUBTASK_LEVEL,
    },
];

pub(crate) fn issue_type_named(name: &str) -> Option<IssueType> {
    ISSUE_TYPES
        .iter()
        .copied()
        .find(|t| t.name.eq_ignore_ascii_case(name))
}

pub(crate) fn issue_type_by_id(id: &str) -> Option<IssueType> {
    ISSUE_TYPES.iter().copied().find(|t| t.id == id)
}
