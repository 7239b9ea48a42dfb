//! The site's issue resolutions: read-only configuration, as a new Jira Cloud site
//! has it.
//!
//! The simulator's workflow resolves as Jira Cloud's default (simplified) workflow
//! does: an issue that moves into a status of the Done category takes [`DONE`]
//! (or the resolution its transition names), and one that moves out of Done loses
//! its resolution (`IssueRecord::move_to`).

/// One of a Jira Cloud site's issue resolutions.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Resolution {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    pub(crate) description: &'static str,
}

/// A new Jira Cloud site's resolutions, in its order and with its ids (numbered
/// from 10000, like the site's other configuration) and descriptions.
pub(crate) const RESOLUTIONS: [Resolution; 5] = [
    Resolution {
        id: "10000",
        name: "Done",
        description: "Work has been completed on this issue.",
    },
    Resolution {
        id: "10001",
        name: "Won't Do",
        description: "This issue won't be actioned.",
    },
    Resolution {
        id: "10002",
        name: "Duplicate",
        description: "The problem is a duplicate of an existing issue.",
    },
    Resolution {
        id: "10003",
        name: "Cannot Reproduce",
        description: "All attempts at reproducing this issue failed, or not enough information was available to reproduce the issue. Reading the code produces no clues as to why this behavior would occur. If more information appears later, please reopen the issue.",
    },
    Resolution {
        id: "10004",
        name: "Declined",
        description: "This issue was not approved.",
    },
];

/// The resolution Jira Cloud's default workflow sets as an issue moves into a
/// status of the Done category: the site's "Done".
pub(crate) const DONE: &Resolution = &RESOLUTIONS[0];

/// The site's default resolution: a new site sets none (an administrator picks
/// one with `PUT /rest/api/3/resolution/default`, which the simulator does not
/// model), so `onlyDefault` searches find nothing.
pub(crate) const DEFAULT_RESOLUTION: Option<&Resolution> = None;

impl Resolution {
    pub(crate) fn is_default(&self) -> bool {
        DEFAULT_RESOLUTION.is_some_and(|d| d.id == self.id)
    }
}

/// The resolution with this id.
pub(crate) fn resolution(id: &str) -> Option<&'static Resolution> {
    RESOLUTIONS.iter().find(|r| r.id == id)
}

/// The resolution a transition's `fields` name as Jira takes it: `{"id": "10000"}`
/// or `{"name": "Done"}` (name without regard to case).
pub(crate) fn resolution_named(value: &serde_json::Value) -> Option<&'static Resolution> {
    if let Some(id) = value.get("id").and_then(serde_json::Value::as_str) {
        return resolution(id);
    }
    let name = value.get("name").and_then(serde_json::Value::as_str)?;
    RESOLUTIONS
        .iter()
        .find(|r| r.name.eq_ignore_ascii_case(name))
}
