//! Workflow schemes as state: which workflow each issue type of a project
//! follows (`platform/workflow_schemes`).
//!
//! A site starts with Jira's *Default Workflow Scheme*, whose default workflow
//! is the site's own ([`SITE_WORKFLOW`](super::workflow::SITE_WORKFLOW)) and
//! which every project uses until an admin assigns another. Jira stores that
//! scheme apart from the others and gives it no id (the spec's
//! `getWorkflowSchemeProjectAssociations` says so), so it is not addressed by
//! `/workflowscheme/{id}` and cannot be edited or deleted; the schemes apps
//! create are numbered from [`FIRST_SCHEME_ID`], as Jira numbers a site's
//! schemes. A scheme names its workflows by name, as the classic API does; a
//! name the site does not hold (a workflow deleted since) leaves its issues on
//! the site's workflow rather than on none (`SiteWorkflows::of_project`).

use std::collections::BTreeMap;

/// Workflow schemes a site holds at most, the default one included: each
/// holds text of its own and a mapping per issue type.
pub(crate) const MAX_WORKFLOW_SCHEMES: usize = 200;
/// Jira's name of the scheme every new project uses.
pub(crate) const DEFAULT_WORKFLOW_SCHEME_NAME: &str = "Default Workflow Scheme";
/// Jira's description of that scheme.
pub(crate) const DEFAULT_WORKFLOW_SCHEME_DESCRIPTION: &str = "This is the default Workflow Scheme. Any new projects that are created will be assigned this scheme.";
/// The id of a site's first created scheme: Jira numbers a site's own
/// objects from 10000.
pub(crate) const FIRST_SCHEME_ID: u64 = 10_000;

/// A workflow scheme (`WorkflowScheme`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WorkflowSchemeRecord {
    /// `None` for the default scheme, which Jira gives no id.
    pub(crate) id: Option<u64>,
    pub(crate) name: String,
    pub(crate) description: String,
    /// The name of the workflow of the issue types no mapping names.
    pub(crate) default_workflow: String,
    /// Issue type id → workflow name; an issue type is mapped at most once,
    /// and only the site's issue types are (the routes check), so the map is
    /// bounded by them.
    pub(crate) mappings: BTreeMap<String, String>,
}

impl WorkflowSchemeRecord {
    /// The name of the workflow issues of `issue_type_id` follow under this
    /// scheme: its mapping, else the scheme's default.
    pub(crate) fn workflow_for(&self, issue_type_id: &str) -> &str {
        self.mappings
            .get(issue_type_id)
            .unwrap_or(&self.default_workflow)
    }

    /// Whether the scheme names `workflow_name`, as default or in a mapping.
    pub(crate) fn names(&self, workflow_name: &str) -> bool {
        self.default_workflow == workflow_name || self.mappings.values().any(|w| w == workflow_name)
    }
}

/// The site's workflow schemes and which project uses which.
#[derive(Debug, Clone)]
pub(crate) struct WorkflowSchemes {
    /// The default scheme first, then the created ones in creation order.
    pub(crate) schemes: Vec<WorkflowSchemeRecord>,
    /// Project id → id of the scheme assigned to it. A project absent here
    /// uses the default scheme, as every new project does; bounded by the
    /// site's projects (`forget_project` drops a deleted one).
    assigned: BTreeMap<String, u64>,
    /// The id the next created scheme gets.
    next_id: u64,
}

impl WorkflowSchemes {
    /// A new site's: the default scheme over `site_workflow`.
    pub(crate) fn new(site_workflow: &str) -> Self {
        Self {
            schemes: vec![WorkflowSchemeRecord {
                id: None,
                name: DEFAULT_WORKFLOW_SCHEME_NAME.to_owned(),
                description: DEFAULT_WORKFLOW_SCHEME_DESCRIPTION.to_owned(),
                default_workflow: site_workflow.to_owned(),
                mappings: BTreeMap::new(),
            }],
            assigned: BTreeMap::new(),
            next_id: FIRST_SCHEME_ID,
        }
    }

    /// The default scheme: always first, never removed.
    pub(crate) fn default_scheme(&self) -> &WorkflowSchemeRecord {
        &self.schemes[0]
    }

    /// The index of the scheme with this id (the default scheme has none).
    pub(crate) fn index_of(&self, id: u64) -> Option<usize> {
        self.schemes.iter().position(|s| s.id == Some(id))
    }

    /// The scheme a project uses.
    pub(crate) fn of_project(&self, project_id: &str) -> &WorkflowSchemeRecord {
        self.assigned
            .get(project_id)
            .and_then(|id| self.index_of(*id))
            .map_or_else(|| self.default_scheme(), |index| &self.schemes[index])
    }

    /// The id of the scheme assigned to a project (`None`: the default).
    pub(crate) fn assigned_to(&self, project_id: &str) -> Option<u64> {
        self.assigned.get(project_id).copied()
    }

    /// Whether some project is assigned the scheme `id`: such a scheme is
    /// active, and Jira neither deletes nor edits it in place.
    pub(crate) fn in_use(&self, id: u64) -> bool {
        self.assigned.values().any(|assigned| *assigned == id)
    }

    /// Whether a name is another scheme's already (Jira's names are unique,
    /// ignoring case).
    pub(crate) fn name_taken(&self, name: &str, except: Option<u64>) -> bool {
        self.schemes
            .iter()
            .any(|s| s.name.eq_ignore_ascii_case(name) && (except.is_none() || s.id != except))
    }

    /// Adds a scheme, giving it the next id; `None` when the site is full.
    pub(crate) fn create(
        &mut self,
        name: String,
        description: String,
        default_workflow: String,
        mappings: BTreeMap<String, String>,
    ) -> Option<u64> {
        if self.schemes.len() >= MAX_WORKFLOW_SCHEMES {
            return None;
        }
        let id = self.next_id;
        self.next_id += 1;
        self.schemes.push(WorkflowSchemeRecord {
            id: Some(id),
            name,
            description,
            default_workflow,
            mappings,
        });
        Some(id)
    }

    /// Removes the scheme `id`; `false` if no such scheme or it is in use.
    pub(crate) fn delete(&mut self, id: u64) -> bool {
        if self.in_use(id) {
            return false;
        }
        let Some(index) = self.index_of(id) else {
            return false;
        };
        self.schemes.remove(index);
        true
    }

    /// Makes a project use the scheme `id`, or the default scheme for `None`.
    pub(crate) fn assign(&mut self, project_id: &str, id: Option<u64>) {
        match id {
            Some(id) => {
                self.assigned.insert(project_id.to_owned(), id);
            }
            None => {
                self.assigned.remove(project_id);
            }
        }
    }

    /// Forgets a deleted project's assignment, so the scheme can go.
    pub(crate) fn forget_project(&mut self, project_id: &str) {
        self.assigned.remove(project_id);
    }

    /// Whether any scheme names the workflow: Jira does not delete such a
    /// workflow.
    pub(crate) fn names(&self, workflow_name: &str) -> bool {
        self.schemes.iter().any(|s| s.names(workflow_name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> WorkflowSchemes {
        WorkflowSchemes::new("Software Simplified Workflow")
    }

    #[test]
    fn every_project_starts_on_the_default_scheme() {
        let schemes = site();
        let scheme = schemes.of_project("10000");
        assert_eq!(scheme.id, None);
        assert_eq!(scheme.name, DEFAULT_WORKFLOW_SCHEME_NAME);
        assert_eq!(scheme.workflow_for("10002"), "Software Simplified Workflow");
        assert!(schemes.names("Software Simplified Workflow"));
    }

    #[test]
    fn an_assigned_scheme_maps_an_issue_type_and_defaults_the_rest() {
        let mut schemes = site();
        let mappings = BTreeMap::from([("10002".to_owned(), "Bugs".to_owned())]);
        let Some(id) = schemes.create("S".into(), String::new(), "Tasks".into(), mappings) else {
            panic!("room for a scheme");
        };
        assert_eq!(id, FIRST_SCHEME_ID);
        schemes.assign("10000", Some(id));
        assert_eq!(schemes.of_project("10000").workflow_for("10002"), "Bugs");
        assert_eq!(schemes.of_project("10000").workflow_for("10001"), "Tasks");
        assert_eq!(schemes.of_project("10001").id, None);
        assert!(!schemes.delete(id), "a scheme in use stays");
        schemes.forget_project("10000");
        assert!(schemes.delete(id));
        assert!(!schemes.delete(id));
        assert_eq!(schemes.schemes.len(), 1);
    }

    #[test]
    fn names_are_unique_ignoring_case_and_the_site_is_bounded() {
        let mut schemes = site();
        assert!(schemes.name_taken("default workflow scheme", None));
        for n in 1..MAX_WORKFLOW_SCHEMES {
            let created =
                schemes.create(format!("S{n}"), String::new(), "W".into(), BTreeMap::new());
            assert!(created.is_some());
        }
        assert!(schemes.name_taken("s1", None));
        assert!(!schemes.name_taken("s1", Some(FIRST_SCHEME_ID)));
        assert_eq!(
            schemes.create("full".into(), String::new(), "W".into(), BTreeMap::new()),
            None
        );
    }
}
