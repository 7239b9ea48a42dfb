//! The projects each user viewed most recently, for `getRecent`
//! (`GET /rest/api/3/project/recent`).
//!
//! "Viewed" is, in the simulator, a successful `getProject` (`GET
//! /project/{projectIdOrKey}`) by the user: the REST counterpart of opening a
//! project, which is what adds a project to a Jira user's history. Kept by
//! project id, so a renamed key still matches and a deleted project (whose id
//! is never reused) drops out when read.

use std::collections::{BTreeMap, VecDeque};

use super::{ProjectRecord, World};

/// Projects a user's history keeps: `getRecent` lists "up to 20".
pub(crate) const MAX_RECENT_PROJECTS: usize = 20;

/// Each user's recently viewed project ids, most recent first.
#[derive(Debug, Clone, Default)]
pub(crate) struct RecentProjects {
    by_user: BTreeMap<String, VecDeque<String>>,
}

impl RecentProjects {
    /// Records that `account_id` viewed the project with id `project_id`: it
    /// moves to the front, and the oldest beyond the bound is forgotten.
    pub(crate) fn viewed(&mut self, account_id: &str, project_id: &str) {
        let history = self.by_user.entry(account_id.to_owned()).or_default();
        history.retain(|id| id != project_id);
        history.push_front(project_id.to_owned());
        history.truncate(MAX_RECENT_PROJECTS);
    }
}

impl World {
    /// The projects `account_id` viewed, most recent first, that still exist.
    pub(crate) fn recent_projects(&self, account_id: &str) -> Vec<&ProjectRecord> {
        self.recent_projects
            .by_user
            .get(account_id)
            .into_iter()
            .flatten()
            .filter_map(|id| self.projects.iter().find(|p| &p.id == id))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_history_is_most_recent_first_each_once_and_bounded() {
        let mut recent = RecentProjects::default();
        for n in 0..25 {
            recent.viewed("a", &n.to_string());
        }
        recent.viewed("a", "22");
        let history = &recent.by_user["a"];
        assert_eq!(history.len(), MAX_RECENT_PROJECTS);
        assert_eq!(history.front().map(String::as_str), Some("22"));
        assert_eq!(history.get(1).map(String::as_str), Some("24"));
        assert!(!history.contains(&String::from("4")));
        assert_eq!(history.iter().filter(|id| *id == "22").count(), 1);
    }
}
