//! Projects made and removed while the simulator runs: the ids a new project
//! takes, and what a deleted project takes with it so nothing of it dangles
//! (its issues, versions, boards, and its issue type screen scheme's
//! assignment).

use std::collections::HashSet;

use super::World;
use super::board::BoardQuery;

/// The first id Jira gives a project on a new site.
pub(crate) const FIRST_PROJECT_ID: u64 = 10_000;

impl World {
    /// Hands out the next project id: past every seeded one and never reused
    /// after a delete, as Jira's ids are not, so a stale reference (a filter
    /// shared with a deleted project) never opens onto a new project.
    pub(crate) fn take_project_id(&mut self) -> String {
        let highest_seeded = self
            .projects
            .iter()
            .filter_map(|p| p.id.parse::<u64>().ok())
            .max()
            .map_or(0, |id| id.saturating_add(1));
        let id = self
            .next_project_id
            .max(highest_seeded)
            .max(FIRST_PROJECT_ID);
        self.next_project_id = id.saturating_add(1);
        id.to_string()
    }

    /// Removes the project at `index` with its issues, versions and the boards
    /// that show only its issues; what other projects hold of them (links to
    /// its issues, parents among them) is cut. Components and project
    /// properties live in the project record and go with it; its issues'
    /// worklogs are recorded as deleted (`worklog_feed`). As for a deleted
    /// component, no issue event is raised per issue: Jira reports a project
    /// delete as one configuration change.
    pub(crate) fn remove_project(&mut self, index: usize) {
        if index >= self.projects.len() {
            return;
        }
        let project = self.projects.remove(index);
        self.issue_type_screen_schemes.forget_project(&project.id);
        self.workflows.schemes.forget_project(&project.id);
        // One pass over the issues and one over the links, whatever the
        // project's size: the world is locked while this runs, and an app can
        // fill a project with tens of thousands of issues before deleting it.
        let removed: HashSet<u64> = self
            .issues
            .iter()
            .filter(|issue| issue.project_key == project.key)
            .map(|issue| issue.id)
            .collect();
        let worklogs: Vec<u64> = self
            .issues
            .iter()
            .filter(|issue| issue.project_key == project.key)
            .flat_map(|issue| issue.worklogs.iter().map(|w| w.id))
            .collect();
        self.record_deleted_worklogs(worklogs);
        self.issues.retain(|issue| issue.project_key != project.key);
        self.issue_links
            .retain(|link| !removed.contains(&link.inward) && !removed.contains(&link.outward));
        for issue in &mut self.issues {
            if issue.parent.is_some_and(|parent| removed.contains(&parent)) {
                issue.parent = None;
            }
        }
        self.versions.retain(|v| v.project_key != project.key);
        self.boards
            .retain(|b| !matches!(&b.query, BoardQuery::Project(key) if *key == project.key));
        for board in &mut self.boards {
            if board.location.as_deref() == Some(project.key.as_str()) {
                board.location = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::Seed;

    #[test]
    fn a_deleted_project_leaves_nothing_and_its_id_is_not_reused() {
        let mut world = World::from_seed(&Seed::default()).expect("the default seed");
        let first = world.take_project_id();
        assert_eq!(first, "10002", "after the seeded 10000 and 10001");
        let sec = world
            .projects
            .iter()
            .position(|p| p.key == "SEC")
            .expect("SEC is seeded");
        world.remove_project(sec);
        assert!(world.project("SEC").is_none());
        assert!(world.issues.iter().all(|i| i.project_key != "SEC"));
        assert!(world.versions.iter().all(|v| v.project_key != "SEC"));
        assert!(world.boards.iter().all(|b| {
            !matches!(&b.query, BoardQuery::Project(key) if key == "SEC")
                && b.location.as_deref() != Some("SEC")
        }));
        let ids = world
            .issues
            .iter()
            .map(|i| i.id)
            .collect::<std::collections::BTreeSet<_>>();
        assert!(
            world
                .issue_links
                .iter()
                .all(|l| ids.contains(&l.inward) && ids.contains(&l.outward))
        );
        assert_eq!(world.take_project_id(), "10003");
        // An index past the end is no project: nothing happens.
        let count = world.projects.len();
        world.remove_project(count);
        assert_eq!(world.projects.len(), count);
    }
}
