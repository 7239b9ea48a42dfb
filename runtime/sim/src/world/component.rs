//! Project components as the world keeps them: each project's list
//! (`ProjectRecord::components`, one [`ComponentRecord`] per component, ids a
//! site-wide sequence from 10000 like Jira's), and the issues that name them.
//!
//! An issue holds its components' names (`IssueRecord::components`), which JQL,
//! rendering and the changelog read. Jira links an issue to a component by id,
//! so a rename must follow on every issue ([`World::rename_component`]) and a
//! delete takes the component off (or swaps its replacement on) every issue of
//! its project ([`World::swap_component`]).

use super::World;
use super::project::ComponentRecord;

/// Components kept per project. Jira Cloud documents no limit; the simulator
/// needs one because components live until deleted, so a client creating them
/// without end would grow its memory without end. Far more than an app's tests
/// create.
pub(crate) const MAX_COMPONENTS_PER_PROJECT: usize = 1_000;

/// Jira's limit on a component's name ("The maximum length is 255 characters"
/// in the spec's `ProjectComponent`).
pub(crate) const MAX_COMPONENT_NAME_CHARS: usize = 255;

/// A component's description. The spec names no limit; the simulator keeps the
/// one Jira gives a version's description, which bounds what each component
/// costs to keep.
pub(crate) const MAX_COMPONENT_DESCRIPTION_BYTES: usize = 16_384;

/// The spec's `leadAccountId` `maxLength`.
pub(crate) const MAX_ACCOUNT_ID_CHARS: usize = 128;

/// Who is nominally assigned issues created with the component (the spec's
/// `assigneeType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AssigneeType {
    ProjectDefault,
    ComponentLead,
    ProjectLead,
    Unassigned,
}

impl AssigneeType {
    pub(crate) const ALL: [AssigneeType; 4] = [
        AssigneeType::ProjectDefault,
        AssigneeType::ComponentLead,
        AssigneeType::ProjectLead,
        AssigneeType::Unassigned,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            AssigneeType::ProjectDefault => "PROJECT_DEFAULT",
            AssigneeType::ComponentLead => "COMPONENT_LEAD",
            AssigneeType::ProjectLead => "PROJECT_LEAD",
            AssigneeType::Unassigned => "UNASSIGNED",
        }
    }

    pub(crate) fn named(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }
}

impl World {
    /// The positions (project, component) of the component with id `id`, if
    /// any; an id that is not a number names none.
    pub(crate) fn component(&self, id: &str) -> Option<(usize, usize)> {
        let id = id.parse::<u64>().ok()?.to_string();
        self.projects.iter().enumerate().find_map(|(p, project)| {
            project
                .components
                .iter()
                .position(|c| c.id == id)
                .map(|c| (p, c))
        })
    }

    /// The component at `at` (as [`World::component`] answers it).
    pub(crate) fn component_at(&self, at: (usize, usize)) -> &ComponentRecord {
        &self.projects[at.0].components[at.1]
    }

    /// Hands out the next component id.
    pub(crate) fn take_component_id(&mut self) -> String {
        let id = self.next_component_id;
        self.next_component_id += 1;
        id.to_string()
    }

    /// Renames component `from` to `to` on the issues of `project_key` that have
    /// it: the same component, so no change to the issue (Jira keeps the id).
    pub(crate) fn rename_component(&mut self, project_key: &str, from: &str, to: &str) {
        for issue in self
            .issues
            .iter_mut()
            .filter(|i| i.project_key == project_key)
        {
            for name in issue.components.iter_mut().filter(|n| *n == from) {
                *name = to.to_owned();
            }
        }
    }

    /// Takes component `from` off every issue of `project_key`, putting `to`
    /// (when given) where it was unless the issue has `to` already. Returns how
    /// many issues changed.
    pub(crate) fn swap_component(
        &mut self,
        project_key: &str,
        from: &str,
        to: Option<&str>,
    ) -> usize {
        let mut changed = 0;
        for issue in self
            .issues
            .iter_mut()
            .filter(|i| i.project_key == project_key)
        {
            let names = &mut issue.components;
            let Some(at) = names.iter().position(|n| n == from) else {
                continue;
            };
            match to {
                Some(to) if !names.iter().any(|n| n == to) => names[at] = to.to_owned(),
                _ => {
                    names.remove(at);
                }
            }
            changed += 1;
        }
        changed
    }
}
