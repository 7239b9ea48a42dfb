//! Jira Cloud's issue hierarchy, as a company-managed project has it: epics
//! (level 1) hold standard issues (level 0), which hold sub-tasks (level -1).
//!
//! An issue keeps its parent's id ([`IssueRecord::parent`]); children are found
//! by looking for it, so nothing is kept twice and a deleted issue's children
//! are found the same way ([`World::orphan_children_of`]). What may be whose
//! parent is decided here, for the REST API and for seeds alike.
//!
//! The rules: a sub-task's parent is a standard issue of the same project (Jira
//! Cloud moves sub-tasks with their parent, never across projects); a standard
//! issue's parent, if any, is an epic, in any project (company-managed epics
//! may hold issues of other projects, as the old Epic Link could); an epic has
//! no parent, since levels above it need Premium's custom hierarchy, which the
//! simulator does not model. Each rule moves one level up, so a parent can never
//! be the issue itself or one of its descendants: no cycle can form.
//!
//! An epic's children are what Jira Software's agile API calls the epic's
//! issues, and an issue "without epic" is a standard issue with no parent
//! ([`in_no_epic`]): epics and sub-tasks can be in no epic, so neither list
//! holds them.
//!
//! Jira documents no limit on the sub-tasks or children of one issue (its
//! per-issue limits name comments, worklogs, attachments, issue links and remote
//! links, and say child issues are not links); each child is an issue, bounded
//! as issues are.

use std::collections::BTreeMap;

use super::workflow::{EPIC_LEVEL, IssueType, STANDARD_LEVEL, SUBTASK_LEVEL};
use super::{IssueRecord, World};
use crate::error::SimError;
use crate::seed::Seed;

/// Why an issue cannot have the parent asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParentRefusal {
    /// The parent is not at the level above the child's, or a sub-task's parent
    /// is in another project, or the child is an epic.
    WrongHierarchy,
    /// A sub-task with no parent.
    SubtaskWithoutParent,
}

/// Whether an issue of type `child_type` in project `child_project` may have
/// `parent` as its parent.
pub(crate) fn check_parent(
    child_type: &IssueType,
    child_project: &str,
    parent: &IssueRecord,
) -> Result<(), ParentRefusal> {
    let level = parent.issue_type.hierarchy_level;
    let fits = match child_type.hierarchy_level {
        SUBTASK_LEVEL => level == STANDARD_LEVEL && parent.project_key == child_project,
        STANDARD_LEVEL => level == EPIC_LEVEL,
        _ => false,
    };
    if fits {
        Ok(())
    } else {
        Err(ParentRefusal::WrongHierarchy)
    }
}

/// Whether an issue of type `issue_type` may be without a parent: all but
/// sub-tasks may.
pub(crate) fn check_parentless(issue_type: &IssueType) -> Result<(), ParentRefusal> {
    if issue_type.is_subtask() {
        Err(ParentRefusal::SubtaskWithoutParent)
    } else {
        Ok(())
    }
}

/// Whether `issue` is a standard issue in no epic: what Jira Software's
/// "issues without epic" lists.
pub(crate) fn in_no_epic(issue: &IssueRecord) -> bool {
    issue.issue_type.hierarchy_level == STANDARD_LEVEL && issue.parent.is_none()
}

impl World {
    /// Every issue whose parent is the issue with id `id` (an epic's children,
    /// a standard issue's sub-tasks), oldest first.
    pub(crate) fn children_of(&self, id: u64) -> impl Iterator<Item = &IssueRecord> {
        self.issues
            .iter()
            .filter(move |issue| issue.parent == Some(id))
    }

    /// The epic `issue` is in: its parent, when that is an epic. Sub-tasks are
    /// in none of their own (their parent is a standard issue), and epics in
    /// none: Jira Software's epic API is this view of the hierarchy.
    pub(crate) fn epic_of(&self, issue: &IssueRecord) -> Option<&IssueRecord> {
        if issue.issue_type.hierarchy_level != STANDARD_LEVEL {
            return None;
        }
        self.issue_by_id(issue.parent?)
            .filter(|parent| parent.issue_type.hierarchy_level == EPIC_LEVEL)
    }

    /// The sub-tasks of the issue with id `id`, oldest first: what its
    /// `subtasks` field lists and what deleting it must deal with.
    pub(crate) fn subtasks_of(&self, id: u64) -> impl Iterator<Item = &IssueRecord> {
        self.children_of(id)
            .filter(|issue| issue.issue_type.is_subtask())
    }

    /// Clears the parent of every child of the deleted issue with id `id`, so
    /// none points at an issue that is gone (and `parent is EMPTY` finds them).
    /// Only an epic's children can be left behind: a standard issue's sub-tasks
    /// are deleted with it. No changelog entry is written, as none is for the
    /// links a deleted issue takes with it.
    pub(crate) fn orphan_children_of(&mut self, id: u64) {
        for issue in &mut self.issues {
            if issue.parent == Some(id) {
                issue.parent = None;
            }
        }
    }

    /// Sets the parents a seed names, once every project's issues exist (a
    /// parent may be in a project seeded later). A seed's `parent` is the key
    /// of another seeded issue, and must obey the hierarchy's rules.
    pub(crate) fn link_seeded_parents(&mut self, seed: &Seed) -> Result<(), SimError> {
        let index_of: BTreeMap<String, usize> = self
            .issues
            .iter()
            .enumerate()
            .map(|(index, issue)| (issue.key.to_ascii_uppercase(), index))
            .collect();
        for project in &seed.projects {
            for (n, seeded) in project.issues.iter().enumerate() {
                let key = format!("{}-{}", project.key, n + 1);
                let child = index_of
                    .get(&key)
                    .copied()
                    .ok_or_else(|| invalid(format!("issue {key} was not seeded")))?;
                let parent = match seeded.parent.as_deref() {
                    None => {
                        check_parentless(&self.issues[child].issue_type).map_err(|_| {
                            invalid(format!("issue {key} is a sub-task and names no parent"))
                        })?;
                        continue;
                    }
                    Some(parent_key) => index_of
                        .get(&parent_key.to_ascii_uppercase())
                        .copied()
                        .ok_or_else(|| {
                            invalid(format!("issue {key} names unknown parent {parent_key}"))
                        })?,
                };
                let (child_record, parent_record) = (&self.issues[child], &self.issues[parent]);
                check_parent(
                    &child_record.issue_type,
                    &child_record.project_key,
                    parent_record,
                )
                .map_err(|_| {
                    invalid(format!(
                        "issue {key} (a {}) cannot have {} (a {}) as its parent",
                        child_record.issue_type.name,
                        parent_record.key,
                        parent_record.issue_type.name
                    ))
                })?;
                let parent_id = parent_record.id;
                self.issues[child].parent = Some(parent_id);
            }
        }
        Ok(())
    }
}

fn invalid(message: String) -> SimError {
    SimError::Seed(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::workflow::issue_type_named;

    fn issue_of(type_name: &str, project: &str) -> IssueRecord {
        let mut world = World::from_seed(&Seed::default()).expect("the default seed");
        let mut issue = world.issues.remove(0);
        issue.issue_type = issue_type_named(type_name).expect(type_name);
        issue.project_key = project.to_owned();
        issue
    }

    #[test]
    fn each_level_takes_a_parent_from_the_level_above() {
        let ty = |name: &str| issue_type_named(name).expect(name);
        let (epic, story) = (issue_of("Epic", "KILN"), issue_of("Story", "KILN"));
        let subtask = issue_of("Sub-task", "KILN");
        assert_eq!(check_parent(&ty("Task"), "KILN", &epic), Ok(()));
        assert_eq!(
            check_parent(&ty("Bug"), "SEC", &epic),
            Ok(()),
            "across projects"
        );
        assert_eq!(check_parent(&ty("Sub-task"), "KILN", &story), Ok(()));
        let wrong = Err(ParentRefusal::WrongHierarchy);
        assert_eq!(check_parent(&ty("Sub-task"), "SEC", &story), wrong);
        assert_eq!(check_parent(&ty("Sub-task"), "KILN", &epic), wrong);
        assert_eq!(check_parent(&ty("Sub-task"), "KILN", &subtask), wrong);
        assert_eq!(check_parent(&ty("Task"), "KILN", &story), wrong);
        assert_eq!(check_parent(&ty("Epic"), "KILN", &epic), wrong);
        assert_eq!(check_parent(&ty("Epic"), "KILN", &story), wrong);
        assert_eq!(
            check_parentless(&ty("Sub-task")),
            Err(ParentRefusal::SubtaskWithoutParent)
        );
        assert_eq!(check_parentless(&ty("Epic")), Ok(()));
    }
}
