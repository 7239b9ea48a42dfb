//! Jira Software sprints (`/rest/agile/1.0/sprint`) and the issue field that
//! names them, "Sprint".
//!
//! The world keeps every sprint once, in creation order (Jira's position of a
//! sprint in its board's backlog: new sprints go last, and reordering them,
//! `swap`, is not modelled), numbered from 1 as Jira Software numbers them. An
//! issue holds the ids of every sprint it has been in, oldest first: at most
//! one open (future or active) sprint, and the closed sprints it was carried
//! over from, as Jira's Sprint field keeps them.

use std::collections::BTreeMap;

use serde_json::Value;
use time::OffsetDateTime;

use super::{HistoryItem, IssueRecord, World};

/// Jira Software numbers sprints per site from 1.
pub(crate) const FIRST_SPRINT_ID: u64 = 1;

/// Sprints kept on the site. Jira Cloud documents no limit; the simulator
/// needs one because a sprint lives until deleted, so a client creating
/// sprints without end would grow the simulator's memory without end. With
/// names and goals capped below, all of them stay under some 40 MB. Far more
/// than an app's tests create.
pub(crate) const MAX_SPRINTS: usize = 5_000;

/// Characters of a sprint's name: Jira's column is 255 wide; the bound also
/// caps what each name costs to keep.
pub(crate) const MAX_SPRINT_NAME_CHARS: usize = 255;

/// Characters of a sprint's goal. Jira documents none; the simulator's bound,
/// so a goal cannot pin megabytes per sprint.
pub(crate) const MAX_SPRINT_GOAL_CHARS: usize = 4_000;

/// The id of the Sprint custom field on a Jira Cloud site (`customfield_10020`
/// on every cloud site made since 2019), and its custom field number.
pub(crate) const SPRINT_FIELD_NUMBER: u64 = 10_020;
pub(crate) const SPRINT_FIELD_ID: &str = "customfield_10020";

/// The Sprint field's type key.
pub(crate) const SPRINT_FIELD_TYPE: &str = "com.pyxis.greenhopper.jira:gh-sprint";

/// A sprint's lifecycle: created `future`, started `active`, completed
/// `closed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum SprintState {
    // In the order a board lists them: closed, active, future.
    Closed,
    Active,
    Future,
}

impl SprintState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SprintState::Future => "future",
            SprintState::Active => "active",
            SprintState::Closed => "closed",
        }
    }

    pub(crate) fn named(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "future" => Some(SprintState::Future),
            "active" => Some(SprintState::Active),
            "closed" => Some(SprintState::Closed),
            _ => None,
        }
    }

    /// Future and active sprints are open: issues can be moved into them, and
    /// an issue in one is not in the backlog.
    pub(crate) fn is_open(self) -> bool {
        self != SprintState::Closed
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SprintRecord {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) state: SprintState,
    /// The board the sprint was created on; it may since have been deleted.
    pub(crate) origin_board_id: u64,
    pub(crate) start_date: Option<OffsetDateTime>,
    pub(crate) end_date: Option<OffsetDateTime>,
    /// When the sprint was closed.
    pub(crate) complete_date: Option<OffsetDateTime>,
    pub(crate) created_date: OffsetDateTime,
    pub(crate) goal: Option<String>,
    /// Sprint properties (`/sprint/{id}/properties`): key → any JSON value.
    /// Kept on the sprint, so deleting it drops them.
    pub(crate) properties: BTreeMap<String, Value>,
}

impl World {
    /// The sprint with this id, visible or not.
    pub(crate) fn sprint(&self, id: u64) -> Option<&SprintRecord> {
        self.sprints.iter().find(|s| s.id == id)
    }

    /// Hands out the next sprint id.
    pub(crate) fn take_sprint_id(&mut self) -> u64 {
        let id = self.next_sprint_id;
        self.next_sprint_id += 1;
        id
    }

    /// Whether `account_id` may see the sprint: as the spec says, if they may
    /// view the board it was created on, or browse at least one of its issues.
    pub(crate) fn may_view_sprint(&self, account_id: &str, sprint: &SprintRecord) -> bool {
        self.board(sprint.origin_board_id)
            .is_some_and(|b| self.may_view_board(account_id, b))
            || self.issues.iter().any(|issue| {
                issue.sprints.contains(&sprint.id)
                    && self.may(
                        account_id,
                        &issue.project_key,
                        crate::seed::SeedPermission::Browse,
                    )
            })
    }

    /// The open sprint the issue is in, if any.
    pub(crate) fn open_sprint_of(&self, issue: &IssueRecord) -> Option<&SprintRecord> {
        issue
            .sprints
            .iter()
            .filter_map(|id| self.sprint(*id))
            .find(|s| s.state.is_open())
    }

    /// Puts the issue at `index` in sprint `to` (`None`: the backlog), taking
    /// it out of any other open sprint and keeping the closed ones it was in.
    /// Returns the change for the issue's changelog, or `None` if nothing
    /// changed.
    pub(crate) fn move_to_sprint(&mut self, index: usize, to: Option<u64>) -> Option<HistoryItem> {
        let before = self.issues.get(index)?.sprints.clone();
        let after: Vec<u64> = before
            .iter()
            .copied()
            .filter(|id| Some(*id) == to || self.sprint(*id).is_none_or(|s| !s.state.is_open()))
            .chain(to.filter(|id| !before.contains(id)))
            .collect();
        if after == before {
            return None;
        }
        let item = self.sprint_change(&before, &after);
        if let Some(issue) = self.issues.get_mut(index) {
            issue.sprints = after;
        }
        Some(item)
    }

    /// The changelog item of the Sprint field going from `before` to `after`:
    /// ids and names, comma-separated, as Jira writes a multi-valued field.
    fn sprint_change(&self, before: &[u64], after: &[u64]) -> HistoryItem {
        let ids = |list: &[u64]| {
            (!list.is_empty()).then(|| {
                list.iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
        };
        let names = |list: &[u64]| {
            (!list.is_empty()).then(|| {
                list.iter()
                    .filter_map(|id| self.sprint(*id))
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
        };
        HistoryItem {
            field: String::from("Sprint"),
            fieldtype: "custom",
            field_id: String::from(SPRINT_FIELD_ID),
            from: ids(before),
            from_string: names(before),
            to: ids(after),
            to_string: names(after),
        }
    }

    /// Takes the sprint off every issue (it is being deleted).
    pub(crate) fn forget_sprint(&mut self, id: u64) {
        for issue in &mut self.issues {
            issue.sprints.retain(|s| *s != id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::Seed;

    fn sprint(id: u64, state: SprintState) -> SprintRecord {
        SprintRecord {
            id,
            name: format!("S{id}"),
            state,
            origin_board_id: 1,
            start_date: None,
            end_date: None,
            complete_date: None,
            created_date: OffsetDateTime::UNIX_EPOCH,
            goal: None,
            properties: BTreeMap::new(),
        }
    }

    #[test]
    fn moving_keeps_closed_sprints_and_one_open_one() {
        let mut world = World::from_seed(&Seed::default()).expect("the default seed");
        world.sprints = vec![
            sprint(1, SprintState::Closed),
            sprint(2, SprintState::Active),
            sprint(3, SprintState::Future),
        ];
        world.issues[0].sprints = vec![1, 2];
        let item = world.move_to_sprint(0, Some(3)).expect("changed");
        assert_eq!(world.issues[0].sprints, [1, 3]);
        assert_eq!(item.from.as_deref(), Some("1, 2"));
        assert_eq!(item.to_string.as_deref(), Some("S1, S3"));
        assert!(world.move_to_sprint(0, Some(3)).is_none(), "already there");
        let item = world.move_to_sprint(0, None).expect("to the backlog");
        assert_eq!(world.issues[0].sprints, [1]);
        assert_eq!(item.to.as_deref(), Some("1"));
        assert!(world.move_to_sprint(0, None).is_none());
        world.forget_sprint(1);
        assert!(world.issues[0].sprints.is_empty());
        assert_eq!(SprintState::named(" Active "), Some(SprintState::Active));
        assert!(SprintState::Closed < SprintState::Active);
    }
}
