//! The Jira product events a `trigger` module may subscribe to, and the scopes
//! an app needs to read each one.
//!
//! An app only receives events it could have read (issue 15): an event's
//! payload carries the issue, comment, project… it is about, so delivering it
//! to an app that may not read that data would leak it past the consent the
//! administrator gave. Each event therefore lists two alternatives, as Forge
//! does: every *classic* scope, or every *granular* scope.
//!
//! Source: the event names are Forge's Jira events reference
//! (<https://developer.atlassian.com/platform/forge/events-reference/jira/>,
//! which documents "the OAuth scope required for each event"); the scopes are
//! Atlassian's own event → scope table, `product-event-to-scope-mapping.json`
//! in the npm package `@forge/manifest` 13.7.0 (its `current` list is the
//! classic alternative, its `beta` list the granular one), restricted to the
//! `avi:jira:*` and `avi:jira-software:*` events. Forge's validator
//! (`ProductTriggerScopesValidator`) applies the same rule: one alternative
//! wholly declared, or the manifest is refused.
//!
//! Two rows are not Jira's: Forge's **lifecycle** events
//! (`avi:forge:installed:app`, `avi:forge:upgraded:app`,
//! <https://developer.atlassian.com/platform/forge/events-reference/life-cycle/>),
//! which the host raises itself when an installation is first approved or is
//! approved for new code. They need no scope: their payload names only the
//! app's own installation, nothing the site holds.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::{Serialize, Serializer};

use crate::catalogue::{DeclaredScopes, Scope};

/// Forge's lifecycle events' common prefix.
pub(super) const LIFECYCLE_PREFIX: &str = "avi:forge:";

/// Jira's and Jira Software's event prefixes.
const JIRA_PREFIX: &str = "avi:jira:";
const SOFTWARE_PREFIX: &str = "avi:jira-software:";

/// Suggest a known event only when the typo is this close; further away a
/// suggestion is more likely wrong than helpful (as for scopes).
const MAX_SUGGESTION_DISTANCE: usize = 4;

/// One row of the table.
#[derive(Debug)]
pub(super) struct EventSpec {
    name: &'static str,
    classic: &'static [Scope],
    granular: &'static [Scope],
}

/// A Jira product event Kiln knows, such as `avi:jira:created:issue`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProductEvent(&'static EventSpec);

impl PartialEq for EventSpec {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}
impl Eq for EventSpec {}
impl std::hash::Hash for EventSpec {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}
impl PartialOrd for EventSpec {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for EventSpec {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.name.cmp(other.name)
    }
}

impl ProductEvent {
    /// Every known event, sorted by name.
    pub fn all() -> impl ExactSizeIterator<Item = ProductEvent> {
        EVENTS.iter().map(ProductEvent)
    }

    /// The event as written in a manifest, e.g. `avi:jira:created:issue`.
    pub fn as_str(self) -> &'static str {
        self.0.name
    }

    /// Every one of these classic scopes lets an app read the event.
    pub fn classic_scopes(self) -> &'static [Scope] {
        self.0.classic
    }

    /// Every one of these granular scopes lets an app read the event, too.
    pub fn granular_scopes(self) -> &'static [Scope] {
        self.0.granular
    }

    /// `avi:forge:installed:app`: an installation's first approval.
    pub fn app_installed() -> ProductEvent {
        ProductEvent(&EVENTS[0])
    }

    /// `avi:forge:upgraded:app`: an installation approved for other code.
    pub fn app_upgraded() -> ProductEvent {
        ProductEvent(&EVENTS[1])
    }

    /// Whether this is one of Forge's lifecycle events, raised by the host
    /// rather than by a Jira webhook.
    pub fn is_lifecycle(self) -> bool {
        self.0.name.starts_with(LIFECYCLE_PREFIX)
    }

    /// Whether `declared` wholly covers one of the two alternatives. A
    /// lifecycle event is readable with any scopes: it carries no site data.
    pub fn readable_with(self, declared: &DeclaredScopes) -> bool {
        if self.is_lifecycle() {
            return true;
        }
        let covers = |scopes: &[Scope]| {
            !scopes.is_empty() && scopes.iter().all(|scope| declared.contains(*scope))
        };
        covers(self.0.classic) || covers(self.0.granular)
    }

    /// The known event named `name`, if any.
    pub fn lookup(name: &str) -> Option<ProductEvent> {
        EVENTS
            .binary_search_by(|spec| spec.name.cmp(name))
            .ok()
            .map(|index| ProductEvent(&EVENTS[index]))
    }

    /// The known event nearest to `input`, if any is close enough to be a typo,
    /// or the same event under the other Jira prefix: Jira Software's events
    /// are `avi:jira-software:…`, and an app writing `avi:jira:started:sprint`
    /// means `avi:jira-software:started:sprint`, nine letters away.
    pub fn suggest(input: &str) -> Option<ProductEvent> {
        let swapped = [
            (JIRA_PREFIX, SOFTWARE_PREFIX),
            (SOFTWARE_PREFIX, JIRA_PREFIX),
        ]
        .into_iter()
        .find_map(|(from, to)| {
            let rest = input.strip_prefix(from)?;
            ProductEvent::lookup(&format!("{to}{rest}"))
        });
        swapped.or_else(|| ProductEvent::nearest(input))
    }

    /// The known event within [`MAX_SUGGESTION_DISTANCE`] edits of `input`.
    fn nearest(input: &str) -> Option<ProductEvent> {
        crate::suggest::nearest(
            input,
            ProductEvent::all().map(|event| (event, event.as_str())),
            MAX_SUGGESTION_DISTANCE,
        )
    }
}

impl fmt::Debug for ProductEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProductEvent({:?})", self.as_str())
    }
}

impl fmt::Display for ProductEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An event name that is not in the table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct UnknownEvent {
    /// What was written.
    pub input: String,
    /// The nearest known event, when it looks like a typo.
    pub suggestion: Option<ProductEvent>,
}

impl fmt::Display for UnknownEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.input.starts_with(LIFECYCLE_PREFIX) {
            true => "Forge lifecycle event",
            false => "Jira product event",
        };
        write!(f, "unknown {what} {:?}", self.input)?;
        match self.suggestion {
            Some(event) => write!(f, " (did you mean {:?}?)", event.as_str()),
            None => f.write_str(" (see Forge's Jira events reference for the names)"),
        }
    }
}

impl FromStr for ProductEvent {
    type Err = UnknownEvent;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        ProductEvent::lookup(input).ok_or_else(|| UnknownEvent {
            input: input.to_owned(),
            suggestion: ProductEvent::suggest(input),
        })
    }
}

impl Serialize for ProductEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ProductEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EventVisitor;
        impl Visitor<'_> for EventVisitor {
            type Value = ProductEvent;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Jira product event name such as \"avi:jira:created:issue\"")
            }
            fn visit_str<E: de::Error>(self, input: &str) -> Result<ProductEvent, E> {
                input.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_str(EventVisitor)
    }
}

/// Sorted by name (a test checks), so lookup is a binary search.
pub(super) static EVENTS: [EventSpec; 69] = [
    // Lifecycle events: raised by the host, no scope (see the module docs).
    EventSpec {
        name: "avi:forge:installed:app",
        classic: &[],
        granular: &[],
    },
    EventSpec {
        name: "avi:forge:upgraded:app",
        classic: &[],
        granular: &[],
    },
    EventSpec {
        name: "avi:jira-software:closed:sprint",
        classic: &[Scope::ReadJiraWork],
        granular: &[Scope::ReadSprintJiraSoftware],
    },
    EventSpec {
        name: "avi:jira-software:configuration-changed:board",
        classic: &[Scope::ReadJiraWork, Scope::ReadJiraUser],
        granular: &[
            Scope::ReadBoardScopeAdminJiraSoftware,
            Scope::ReadProjectJira,
            Scope::ReadUserJira,
        ],
    },
    EventSpec {
        name: "avi:jira-software:created:board",
        classic: &[Scope::ReadJiraWork, Scope::ReadJiraUser],
        granular: &[
            Scope::ReadBoardScopeJiraSoftware,
            Scope::ReadIssueDetailsJira,
            Scope::ReadProjectJira,
            Scope::ReadUserJira,
        ],
    },
    EventSpec {
        name: "avi:jira-software:created:sprint",
        classic: &[Scope::ReadJiraWork],
        granular: &[Scope::ReadSprintJiraSoftware],
    },
    EventSpec {
        name: "avi:jira-software:deleted:board",
        classic: &[Scope::ReadJiraWork, Scope::ReadJiraUser],
        granular: &[
            Scope::ReadBoardScopeJiraSoftware,
            Scope::ReadIssueDetailsJira,
            Scope::ReadProjectJira,
            Scope::ReadUserJira,
        ],
    },
    EventSpec {
        name: "avi:jira-software:deleted:sprint",
        classic: &[Scope::ReadJiraWork],
        granular: &[Scope::ReadSprintJiraSoftware],
    },
    EventSpec {
        name: "avi:jira-software:started:sprint",
        classic: &[Scope::ReadJiraWork],
        granular: &[Scope::ReadSprintJiraSoftware],
    },
    EventSpec {
        name: "avi:jira-software:updated:board",
        classic: &[Scope::ReadJiraWork, Scope::ReadJiraUser],
        granular: &[
            Scope::ReadBoardScopeJiraSoftware,
            Scope::ReadIssueDetailsJira,
            Scope::ReadProjectJira,
            Scope::ReadUserJira,
        ],
    },
    EventSpec {
        name: "avi:jira-software:updated:sprint",
        classic: &[Scope::ReadJiraWork],
        granular: &[Scope::ReadSprintJiraSoftware],
    },
    EventSpec {
        name: "avi:jira:archived:project",
        classic: &[Scope::ReadJiraWork],
        granular: &[Scope::ReadProjectJira],
    },
    EventSpec {
        name: "avi:jira:archived:version",
        classic: &[Scope::ReadJiraWork],
        granular: &[Scope::ReadProjectVersionJira],
    },
    EventSpec {
        name: "avi:jira:assigned:issue",
        classic: &[Scope::ReadJiraWork],
        granular: &[
            Scope::ReadIssueJira,
            Scope::ReadIssueTypeJira,
            Scope::ReadUserJira,
            Scope::ReadProjectJira,
            Scope::ReadStatusJira,
        ],
    },
    EventSpec {
        name: "avi:jira:changed:configuration",
        classic: &[Scope::ManageJiraConfiguration],
        granular: &[Scope::ReadInstanceConfigurationJira],
    },
    EventSpec {
        name: "avi:jira:commented:issue",
        classic: &[Scope::ReadJiraWork],
        granular: &[
            Scope::ReadIssueJira,
            Scope::ReadIssueTypeJira,
            Scope::ReadUserJira,
            Scope::ReadProjectJira,
            Scope::ReadStatusJira,
            Scope::ReadCommentJira,
        ],
    },
    EventSpec {
        name: "avi:jira:created:attachment",
        classic: &[Scope::ReadJiraWork],
        granular: &[Scope::ReadAttachmentJira],
    },
    EventSpec {
        name: "avi:jira:created:component",
        classic: &[Scope::ReadJiraWork],
        granular: &[Scope::ReadProjectJira, Scope::ReadUserJira],
    },
    EventSpec {
        name: "avi:jira:created:field",
        classic: &[Scope::ManageJiraConfiguration],
        granular: &[Scope::ReadFieldJira],
    },
    EventSpec {
        name: "avi:jira:created:field:context",
        classic: &[Scope::ManageJiraConfiguration],
        granular: &[Scope::ReadFieldJira],
    },
    EventSpec {
        name: "avi:jira:created:filter",
        classic: &[Scope::ManageJiraConfiguration],
        granular: &[Scope::ReadFilterJira, Scope::ReadJqlJira],
    },
    EventSpec {
        name: "avi:jira:created:issue",
        classic: &[Scope::ReadJiraWork],
        granular: &[
            Scope::ReadIssueJira,
            Scope::ReadIssueTypeJira,
            Scope::ReadUserJira,
            Scope::ReadProjectJira,
            Scope::ReadStatusJira,
        ],
    },
    EventSpec {
        name: "avi:jira:created:issuelink",
        classic: &[Scope::ReadJiraWork],
        granular: &[
            Scope::ReadFieldJira,
            Scope::ReadIssueLinkTypeJira,
            Scope::ReadIssueJira,
            Scope::ReadIssueTypeJira,
            Scope::ReadPriorityJira,
            Scope::ReadStatusJira,
            Scope::ReadAvatarJira,
            Scope::ReadIssueTimeTrackingJira,
            Scope::ReadProjectCategoryJira,
            Scope::ReadProjectJira,
            Scope::ReadUserJira,
        ],
    },
    EventSpec {
        name: "avi:jira:created:issuetype",
        classic: &[Scope::ManageJiraConfiguration],
        granular: &[Scope::ReadIssueTypeJira],
    },
    EventSpec {
        name: "avi:jira:created:project",
        classic: &[Scope::ReadJiraWork],
        granular: &[Scope::ReadProjectJira],
    },
    EventSpec {
        name: "avi:jira:created:user",
        classic: &[Scope::ReadJiraUser],
        granular: &[
            Scope::ReadApplicationRoleJira,
            Scope::ReadGroupJira,
            Scope::ReadUserJira,
            Scope::ReadAvatarJira,
        ],
    },
    EventSpec {
        name: "avi:jira:created:version",
        classic: &[Scope::ReadJiraWork],
        granular: &[Scope::ReadProjectVersionJira],
    },
    EventSpec {
        name: "avi:jira:created:worklog",
        classic: &[Scope::ReadJiraWork],
        granular: &[
            Scope::ReadIssueWorklogPropertyJira,
            Scope::ReadIssueWorklogJira,
            Scope::ReadProjectRoleJira,
            Scope::ReadCommentJira,
            Scope::ReadAvatarJira,
            Scope::ReadGroupJira,
            Scope::ReadUserJira,
        ],
    },
    EventSpec {
        name: "avi:jira:deleted:attachment",
        classic: &[Scope::ReadJiraWork],
        granular: &[Scope::ReadAttachmentJira],
    },
    EventSpec {
        name: "avi:jira:deleted:comment",
        classic: &[Scope::ReadJiraWork],
        granular: &[
            Scope::ReadIssueJira,
            Scope::ReadIssueTypeJira,
            Scope::ReadUserJira,
            Scope::ReadProjectJira,
            Scope::ReadStatusJira,
            Scope::ReadCommentJira,
        ],
    },
    EventSpec {
        name: "avi:jira:deleted:component",
        classic: &[Scope::ReadJiraWork],
        granular: &[
            Scope::ReadProjectJira,
            Scope::ReadUserJira,
            Scope::ReadProjectComponentJira,
        ],
    },
    EventSpec {
        name: "avi:jira:deleted:field",
        classic: &[Scope::ManageJiraConfiguration],
        granular: &[Scope::ReadFieldJira],
    },
    EventSpec {
        name: "avi:jira:deleted:field:context",
        classic: &[Scope::ManageJiraConfiguration],
        granular: &[Scope::ReadFieldJira],
    },
    EventSpec {
        name: "avi:jira:deleted:filter",
        classic: &[Scope::ManageJiraConfiguration],
        granular: &[Scope::ReadFilterJira, Scope::ReadJqlJira],
    },
    EventSpec {
        name: "avi:jira:deleted:issue",
        classic: &[Scope::ReadJiraWork],
        granular: &[
            Scope::ReadIssueJira,
            Scope::ReadIssueTypeJira,
            Scope::ReadUserJira,
            Scope::ReadProjectJira,
            Scope::ReadStatusJira,
        ],
    },
    EventSpec {
        name: "avi:jira:deleted:issue-property",
        classic: &[Scope::ReadJiraWork],
        granular: &[Scope::ReadIssuePropertyJira],
    },
    EventSpec {
        name: "avi:jira:deleted:issuelink",
        classic: &[Scope::ReadJiraWork],
        granular: &[
            Scope::ReadFieldJira,
            Scope::ReadIssueLinkTypeJira,
            Scope::ReadIssueJira,
            Scope::ReadIssueTypeJira,
            Scope::ReadPriorityJira,
            Scope::ReadStatusJira,
            Scope::ReadAvatarJira,
            Scope::ReadIssueTimeTrackingJira,
            Scope::ReadProjectCategoryJira,
            Scope::ReadProjectJira,
            Scope::ReadUserJira,
        ],
    },
    EventSpec {
        name: "avi:jira:deleted:issuetype",
        classic: &[Scope::ManageJiraConfiguration],
        granular: &[Scope::ReadIssueTypeJira],
    },
    EventSpec {
        name: "avi:jira:deleted:project",
        classic: &[Scope::ReadJiraWork],
        granular: &[Scope::ReadProjectJira],
    },
    EventSpec {
        name: "avi:jira:deleted:user",
        classic: &[Scope::ReadJiraUser],
        granular: &[
            Scope::ReadApplicationRoleJira,
            Scope::ReadGroupJira,
            Scope::ReadUserJira,
            Scope::ReadAvatarJira,
        ],
    },
    EventSpec {
        name: "avi:jira:deleted:version",
        classic: &[Scope::ReadJiraWork],
        granular: &[Scope::ReadProjectVersionJira],
    },
    EventSpec {
        name: "avi:jira:deleted:worklog",
        classic: &[Scope::ReadJiraWork],
        granular: &[
            Scope::ReadIssueWorklogPropertyJira,
            Scope::ReadIssueWorklogJira,
            Scope::ReadProjectRoleJira,
            Scope::ReadCommentJira,
            Scope::ReadAvatarJira,
            Scope::ReadGroupJira,
            Scope::ReadUserJira,
        ],
    },
    EventSpec {
        name: "avi:jira:failed:expression",
        classic: &[Scope::ManageJiraConfiguration],
        granular: &[
            Scope::ReadWorkflowJira,
            Scope::ReadIssueJira,
            Scope::ReadProjectJira,
        ],
    },
    EventSpec {
        name: "avi:jira:mentioned:comment",
        classic: &[Scope::ReadJiraWork],
        granular: &[
            Scope::ReadIssueJira,
            Scope::ReadIssueTypeJira,
            Scope::ReadUserJira,
            Scope::ReadProjectJira,
            Scope::ReadStatusJira,
            Scope::ReadCommentJira,
        ],
    },
    EventSpec {
        name: "avi:jira:mentioned:issue",
        classic: &[Scope::ReadJiraWork],
        granular: &[
            Scope::ReadIssueJira,
            Scope::ReadIssueTypeJira,
            Scope::ReadUserJira,
            Scope::ReadProjectJira,
            Scope::ReadStatusJira,
        ],
    },
    EventSpec {
        name: "avi:jira:merged:version",
        classic: &[Scope::ReadJiraWork],
        granular: &[Scope::ReadProjectVersionJira],
    },
    EventSpec {
        name: "avi:jira:moved:version",
        classic: &[Scope::ReadJiraWork],
        granular: &[Scope::ReadProjectVersionJira],
    },
    EventSpec {
        name: "avi:jira:released:version",
        classic: &[Scope::ReadJiraWork],
        granular: &[Scope::ReadProjectVersionJira],
    },
    EventSpec {
        name: "avi:jira:restored:field",
        classic: &[Scope::ManageJiraConfiguration],
        granular: &[Scope::ReadFieldJira],
    },
    EventSpec {
        name: "avi:jira:restored:project",
        classic: &[Scope::ReadJiraWork],
        granular: &[Scope::ReadProjectJira],
    },
    EventSpec {
        name: "avi:jira:set:issue-property",
        classic: &[Scope::ReadJiraWork],
        granular: &[Scope::ReadIssuePropertyJira],
    },
    EventSpec {
        name: "avi:jira:softdeleted:project",
        classic: &[Scope::ReadJiraWork],
        granular: &[Scope::ReadProjectJira],
    },
    EventSpec {
        name: "avi:jira:timetracking:provider:changed",
        classic: &[Scope::ManageJiraConfiguration],
        granular: &[Scope::ReadIssueTimeTrackingJira],
    },
    EventSpec {
        name: "avi:jira:trashed:field",
        classic: &[Scope::ManageJiraConfiguration],
        granular: &[Scope::ReadFieldJira],
    },
    EventSpec {
        name: "avi:jira:unarchived:project",
        classic: &[Scope::ReadJiraWork],
        granular: &[Scope::ReadProjectJira],
    },
    EventSpec {
        name: "avi:jira:unarchived:version",
        classic: &[Scope::ReadJiraWork],
        granular: &[Scope::ReadProjectVersionJira],
    },
    EventSpec {
        name: "avi:jira:unreleased:version",
        classic: &[Scope::ReadJiraWork],
        granular: &[Scope::ReadProjectVersionJira],
    },
    EventSpec {
        name: "avi:jira:updated:component",
        classic: &[Scope::ReadJiraWork],
        granular: &[Scope::ReadProjectJira, Scope::ReadUserJira],
    },
    EventSpec {
        name: "avi:jira:updated:field",
        classic: &[Scope::ManageJiraConfiguration],
        granular: &[Scope::ReadFieldJira],
    },
    EventSpec {
        name: "avi:jira:updated:field:context",
        classic: &[Scope::ManageJiraConfiguration],
        granular: &[Scope::ReadFieldJira],
    },
    EventSpec {
        name: "avi:jira:updated:field:context:configuration",
        classic: &[Scope::ManageJiraConfiguration],
        granular: &[Scope::ReadCustomFieldContextualConfigurationJira],
    },
    EventSpec {
        name: "avi:jira:updated:filter",
        classic: &[Scope::ManageJiraConfiguration],
        granular: &[Scope::ReadFilterJira, Scope::ReadJqlJira],
    },
    EventSpec {
        name: "avi:jira:updated:issue",
        classic: &[Scope::ReadJiraWork],
        granular: &[
            Scope::ReadIssueJira,
            Scope::ReadIssueTypeJira,
            Scope::ReadUserJira,
            Scope::ReadProjectJira,
            Scope::ReadStatusJira,
        ],
    },
    EventSpec {
        name: "avi:jira:updated:issuetype",
        classic: &[Scope::ManageJiraConfiguration],
        granular: &[Scope::ReadIssueTypeJira],
    },
    EventSpec {
        name: "avi:jira:updated:project",
        classic: &[Scope::ReadJiraWork],
        granular: &[Scope::ReadProjectJira],
    },
    EventSpec {
        name: "avi:jira:updated:user",
        classic: &[Scope::ReadJiraUser],
        granular: &[
            Scope::ReadApplicationRoleJira,
            Scope::ReadGroupJira,
            Scope::ReadUserJira,
            Scope::ReadAvatarJira,
        ],
    },
    EventSpec {
        name: "avi:jira:updated:version",
        classic: &[Scope::ReadJiraWork],
        granular: &[Scope::ReadProjectVersionJira],
    },
    EventSpec {
        name: "avi:jira:updated:worklog",
        classic: &[Scope::ReadJiraWork],
        granular: &[
            Scope::ReadIssueWorklogPropertyJira,
            Scope::ReadIssueWorklogJira,
            Scope::ReadProjectRoleJira,
            Scope::ReadCommentJira,
            Scope::ReadAvatarJira,
            Scope::ReadGroupJira,
            Scope::ReadUserJira,
        ],
    },
    EventSpec {
        name: "avi:jira:viewed:issue",
        classic: &[Scope::ReadJiraWork],
        granular: &[
            Scope::ReadIssueJira,
            Scope::ReadIssueTypeJira,
            Scope::ReadUserJira,
            Scope::ReadProjectJira,
            Scope::ReadStatusJira,
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_unique_and_every_event_has_both_alternatives() {
        for pair in EVENTS.windows(2) {
            assert!(
                pair[0].name < pair[1].name,
                "{} / {}",
                pair[0].name,
                pair[1].name
            );
        }
        for spec in &EVENTS {
            let event = ProductEvent(spec);
            if event.is_lifecycle() {
                assert!(spec.classic.is_empty() && spec.granular.is_empty());
                continue;
            }
            assert!(
                spec.name.starts_with("avi:jira:") || spec.name.starts_with("avi:jira-software:"),
                "{}",
                spec.name
            );
            assert!(
                !spec.classic.is_empty() && !spec.granular.is_empty(),
                "{}",
                spec.name
            );
        }
    }

    #[test]
    fn lifecycle_events_need_no_scope_and_no_others_are_known() {
        let lifecycle: Vec<&str> = ProductEvent::all()
            .filter(|e| e.is_lifecycle())
            .map(ProductEvent::as_str)
            .collect();
        assert_eq!(
            lifecycle,
            ["avi:forge:installed:app", "avi:forge:upgraded:app"]
        );
        assert_eq!(ProductEvent::app_installed().as_str(), lifecycle[0]);
        assert_eq!(ProductEvent::app_upgraded().as_str(), lifecycle[1]);
        let installed: ProductEvent = "avi:forge:installed:app".parse().expect("known");
        assert!(installed.readable_with(&DeclaredScopes::new([])));
        let created: ProductEvent = "avi:jira:created:issue".parse().expect("known");
        assert!(!created.is_lifecycle());
        assert!(!created.readable_with(&DeclaredScopes::new([])));
        // Forge has no uninstalled event: a typo of one is suggested, not accepted.
        let error = "avi:forge:instaled:app"
            .parse::<ProductEvent>()
            .expect_err("typo");
        assert_eq!(error.suggestion, Some(installed));
    }

    #[test]
    fn issue_events_need_read_jira_work_or_the_granular_issue_scopes() {
        let created: ProductEvent = "avi:jira:created:issue".parse().expect("known");
        assert_eq!(created.classic_scopes(), [Scope::ReadJiraWork]);
        assert!(created.readable_with(&DeclaredScopes::new([Scope::ReadJiraWork])));
        assert!(!created.readable_with(&DeclaredScopes::new([Scope::ReadJiraUser])));
        assert!(!created.readable_with(&DeclaredScopes::new([Scope::ReadIssueJira])));
        assert!(created.readable_with(&DeclaredScopes::new(
            created.granular_scopes().iter().copied()
        )));
        let user: ProductEvent = "avi:jira:created:user".parse().expect("known");
        assert_eq!(user.classic_scopes(), [Scope::ReadJiraUser]);
    }

    #[test]
    fn unknown_events_are_refused_with_a_suggestion() {
        let error = "avi:jira:created:isue"
            .parse::<ProductEvent>()
            .expect_err("typo");
        assert_eq!(
            error.to_string(),
            "unknown Jira product event \"avi:jira:created:isue\" (did you mean \"avi:jira:created:issue\"?)"
        );
        let error = "avi:jira:started:sprint"
            .parse::<ProductEvent>()
            .expect_err("Jira Software's event under Jira's prefix");
        assert_eq!(
            error.suggestion.map(ProductEvent::as_str),
            Some("avi:jira-software:started:sprint")
        );
        let error = "avi:jira-software:created:issue"
            .parse::<ProductEvent>()
            .expect_err("Jira's event under Jira Software's prefix");
        assert_eq!(
            error.suggestion.map(ProductEvent::as_str),
            Some("avi:jira:created:issue")
        );
        let error = "jira:issue_created"
            .parse::<ProductEvent>()
            .expect_err("webhook name");
        assert!(error.suggestion.is_none(), "{error}");
        assert!("".parse::<ProductEvent>().is_err());
    }
}
