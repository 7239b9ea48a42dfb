//! The site's workflows and statuses as state: what the workflows API reads and
//! writes (`platform/workflows`), and what issues move by (`platform/transition.rs`).
//!
//! A site starts with [`SITE_WORKFLOW`] over [`STATUSES`]: Jira's initial `Create`
//! into [`INITIAL_STATUS`], then a `GLOBAL` transition into each status. Every
//! project starts on the default workflow scheme (`workflow_scheme.rs`), whose
//! default workflow is that one; a workflow made with `POST /workflows/create`
//! is used by no project (inactive) until a scheme a project uses names it.
//! This module is the one place that says which workflow an issue follows
//! ([`SiteWorkflows::of_project`]): project → its workflow scheme → the issue
//! type's mapping, else the scheme's default workflow.

use time::OffsetDateTime;

use super::workflow::{
    CREATE_TRANSITION_ID, CREATE_TRANSITION_NAME, INITIAL_STATUS, SITE_WORKFLOW, STATUSES, Status,
};
use super::workflow_scheme::{WorkflowSchemeRecord, WorkflowSchemes};

/// Statuses a site holds at most, its own and those workflows made: each holds
/// text of its own ([`StatusText`](super::workflow::StatusText)), so the site
/// has a ceiling.
pub(crate) const MAX_SITE_STATUSES: usize = 500;
/// Workflows a site holds at most.
pub(crate) const MAX_SITE_WORKFLOWS: usize = 200;

/// The ids of the site workflow's `GLOBAL` transitions, one into each of
/// [`STATUSES`] in order: the ids Jira's simplified workflow gives them.
const SITE_TRANSITION_IDS: [&str; 3] = ["11", "21", "31"];

/// Where a workflow or a status belongs (`WorkflowScope`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Company-managed projects'.
    Global,
    /// A team-managed project's own, by project id.
    Project(String),
}

/// A status of the site, with what the workflow APIs say of it beyond what
/// issues carry.
#[derive(Debug, Clone)]
pub(crate) struct StatusEntry {
    pub(crate) status: Status,
    pub(crate) description: String,
    pub(crate) scope: Scope,
}

/// A transition's type (`INITIAL`, `GLOBAL`, `DIRECTED`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TransitionKind {
    /// Creates an issue: no issue can take it.
    Initial,
    /// From every status.
    Global,
    /// From the statuses its links name.
    Directed,
}

impl TransitionKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Initial => "INITIAL",
            Self::Global => "GLOBAL",
            Self::Directed => "DIRECTED",
        }
    }
}

/// One transition of a workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TransitionRecord {
    /// Jira's transition ids are numbers, unique in their workflow.
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) kind: TransitionKind,
    /// The id of the status it leads to.
    pub(crate) to: String,
    /// The ids of the statuses a `DIRECTED` transition starts from (none for the
    /// other kinds).
    pub(crate) from: Vec<String>,
}

impl TransitionRecord {
    /// Whether an issue in `status_id` may take this transition.
    pub(crate) fn starts_from(&self, status_id: &str) -> bool {
        match self.kind {
            TransitionKind::Initial => false,
            TransitionKind::Global => true,
            TransitionKind::Directed => self.from.iter().any(|from| from == status_id),
        }
    }
}

/// A workflow (`JiraWorkflow`).
#[derive(Debug, Clone)]
pub(crate) struct WorkflowRecord {
    /// A UUID, as Jira's are.
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) scope: Scope,
    /// The ids of its statuses, in the order the workflow lists them.
    pub(crate) statuses: Vec<String>,
    pub(crate) transitions: Vec<TransitionRecord>,
    /// `version.versionNumber`: 0 when made, one more on each update.
    pub(crate) version_number: u64,
    /// `version.id`: a new UUID on each update, so a stale copy is told apart.
    pub(crate) version_id: String,
    /// When the workflows API made and last changed it: none for the site's
    /// own, which has been there since before anything an app can see.
    pub(crate) created: Option<OffsetDateTime>,
    pub(crate) updated: Option<OffsetDateTime>,
    /// Whether it is the site's own workflow: the Default Workflow Scheme's
    /// default, never deleted, and where issues go should a scheme name a
    /// workflow the site lacks.
    pub(crate) default_for_projects: bool,
}

impl WorkflowRecord {
    /// The transition with this id.
    pub(crate) fn transition(&self, id: &str) -> Option<&TransitionRecord> {
        self.transitions.iter().find(|t| t.id == id)
    }

    /// The status a new issue starts in: where the `INITIAL` transition leads.
    pub(crate) fn initial_status_id(&self) -> Option<&str> {
        self.transitions
            .iter()
            .find(|t| t.kind == TransitionKind::Initial)
            .map(|t| t.to.as_str())
    }
}

/// The site's workflows and statuses.
#[derive(Debug, Clone)]
pub(crate) struct SiteWorkflows {
    /// In creation order: the site's own first.
    pub(crate) statuses: Vec<StatusEntry>,
    pub(crate) workflows: Vec<WorkflowRecord>,
    /// The number the next created status's id is.
    pub(crate) next_status_id: u64,
    /// Which workflow each project's issue types follow.
    pub(crate) schemes: WorkflowSchemes,
}

impl SiteWorkflows {
    /// A new site's: [`SITE_WORKFLOW`] over [`STATUSES`].
    pub(crate) fn new() -> Self {
        let statuses = STATUSES
            .iter()
            .map(|status| StatusEntry {
                status: status.clone(),
                description: String::new(),
                scope: Scope::Global,
            })
            .collect();
        let initial = TransitionRecord {
            id: CREATE_TRANSITION_ID.to_owned(),
            name: CREATE_TRANSITION_NAME.to_owned(),
            description: String::new(),
            kind: TransitionKind::Initial,
            to: INITIAL_STATUS.id.to_string(),
            from: Vec::new(),
        };
        let global = STATUSES
            .iter()
            .zip(SITE_TRANSITION_IDS)
            .map(|(status, id)| TransitionRecord {
                id: id.to_owned(),
                name: status.name.to_string(),
                description: String::new(),
                kind: TransitionKind::Global,
                to: status.id.to_string(),
                from: Vec::new(),
            });
        let workflow = WorkflowRecord {
            id: SITE_WORKFLOW.id.to_owned(),
            name: SITE_WORKFLOW.name.to_owned(),
            description: String::new(),
            scope: Scope::Global,
            statuses: STATUSES.iter().map(|s| s.id.to_string()).collect(),
            transitions: std::iter::once(initial).chain(global).collect(),
            version_number: 0,
            version_id: SITE_WORKFLOW.version_id.to_owned(),
            created: None,
            updated: None,
            default_for_projects: true,
        };
        // Past the largest fixed id, as Jira numbers a site's new statuses.
        let largest = STATUSES
            .iter()
            .filter_map(|s| s.id.parse::<u64>().ok())
            .max()
            .unwrap_or(0);
        Self {
            statuses,
            workflows: vec![workflow],
            next_status_id: largest + 1,
            schemes: WorkflowSchemes::new(SITE_WORKFLOW.name),
        }
    }

    /// The status with this id.
    pub(crate) fn status(&self, id: &str) -> Option<&StatusEntry> {
        self.statuses.iter().find(|s| s.status.id == id)
    }

    /// The workflow with this id.
    pub(crate) fn workflow(&self, id: &str) -> Option<&WorkflowRecord> {
        self.workflows.iter().find(|w| w.id == id)
    }

    /// The workflow with this name (names are unique on a site).
    pub(crate) fn workflow_named(&self, name: &str) -> Option<&WorkflowRecord> {
        self.workflows.iter().find(|w| w.name == name)
    }

    /// The workflow issues of `issue_type_id` in project `project_id` follow:
    /// the one the project's workflow scheme maps the type to, else the
    /// scheme's default. A scheme naming a workflow the site no longer holds
    /// leaves them on the site's own rather than on none. `None` only if the
    /// site has lost its own too, which nothing allows (it cannot be deleted).
    pub(crate) fn of_project(
        &self,
        project_id: &str,
        issue_type_id: &str,
    ) -> Option<&WorkflowRecord> {
        self.under_scheme(self.schemes.of_project(project_id), issue_type_id)
    }

    /// The workflow issues of `issue_type_id` follow under `scheme`, whichever
    /// project uses it (an assignment asks before it is made).
    pub(crate) fn under_scheme(
        &self,
        scheme: &WorkflowSchemeRecord,
        issue_type_id: &str,
    ) -> Option<&WorkflowRecord> {
        self.workflow_named(scheme.workflow_for(issue_type_id))
            .or_else(|| self.workflows.iter().find(|w| w.default_for_projects))
    }

    /// Whether `workflow` is in use: some project's scheme sends an issue
    /// type of `issue_type_ids` to it. `project_ids` are the site's projects.
    pub(crate) fn is_active<'a>(
        &self,
        workflow: &WorkflowRecord,
        project_ids: impl IntoIterator<Item = &'a str>,
        issue_type_ids: &[&str],
    ) -> bool {
        project_ids.into_iter().any(|project| {
            issue_type_ids.iter().any(|issue_type| {
                self.of_project(project, issue_type)
                    .is_some_and(|w| w.id == workflow.id)
            })
        })
    }

    /// The status a new issue of the type in the project starts in.
    pub(crate) fn initial_status(&self, project_id: &str, issue_type_id: &str) -> Status {
        self.of_project(project_id, issue_type_id)
            .and_then(WorkflowRecord::initial_status_id)
            .and_then(|id| self.status(id))
            .map_or(INITIAL_STATUS, |entry| entry.status.clone())
    }

    /// The transition `id` of `workflow` that an issue in `status_id` may
    /// take, with the status it leads to.
    pub(crate) fn transition_from<'a>(
        &'a self,
        workflow: Option<&'a WorkflowRecord>,
        status_id: &str,
        id: &str,
    ) -> Option<(&'a TransitionRecord, Status)> {
        let transition = workflow?
            .transition(id)
            .filter(|t| t.starts_from(status_id))?;
        let to = self.status(&transition.to)?.status.clone();
        Some((transition, to))
    }

    /// The transitions of `workflow` an issue in `status_id` may take, each
    /// with the status it leads to, in the workflow's order.
    pub(crate) fn transitions_from<'a>(
        &'a self,
        workflow: Option<&'a WorkflowRecord>,
        status_id: &str,
    ) -> Vec<(&'a TransitionRecord, Status)> {
        let Some(workflow) = workflow else {
            return Vec::new();
        };
        workflow
            .transitions
            .iter()
            .filter(|t| t.starts_from(status_id))
            .filter_map(|t| self.status(&t.to).map(|entry| (t, entry.status.clone())))
            .collect()
    }
}

impl super::World {
    /// The workflow `issue` follows ([`SiteWorkflows::of_project`]), found by
    /// its project's id.
    pub(crate) fn workflow_of(&self, issue: &super::IssueRecord) -> Option<&WorkflowRecord> {
        let project_id = self
            .projects
            .iter()
            .find(|p| p.key == issue.project_key)
            .map_or("", |p| p.id.as_str());
        self.workflows.of_project(project_id, issue.issue_type.id)
    }

    /// Whether `workflow` is in use by a project of the site, for any of the
    /// site's issue types.
    pub(crate) fn workflow_is_active(&self, workflow: &WorkflowRecord) -> bool {
        let issue_types: Vec<&str> = super::workflow::ISSUE_TYPES.iter().map(|t| t.id).collect();
        self.workflows.is_active(
            workflow,
            self.projects.iter().map(|p| p.id.as_str()),
            &issue_types,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_site_moves_issues_as_the_simplified_workflow_does() {
        let site = SiteWorkflows::new();
        assert_eq!(site.initial_status("10000", "10002"), INITIAL_STATUS);
        let own = site.of_project("10000", "10002");
        assert_eq!(own.map(|w| w.name.as_str()), Some(SITE_WORKFLOW.name));
        let ids: Vec<&str> = site
            .transitions_from(own, &STATUSES[1].id)
            .iter()
            .map(|(t, _)| t.id.as_str())
            .collect();
        assert_eq!(ids, SITE_TRANSITION_IDS);
        assert_eq!(site.transition_from(own, "3", CREATE_TRANSITION_ID), None);
        assert_eq!(
            site.transition_from(own, "3", "31").map(|(_, s)| s),
            Some(STATUSES[2].clone())
        );
        assert_eq!(site.next_status_id, 10_002);
    }
}
