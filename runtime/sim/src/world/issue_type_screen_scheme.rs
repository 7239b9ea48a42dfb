//! Issue type screen schemes: which screen scheme (`screen_scheme.rs`) an
//! issue type of a project uses.
//!
//! A scheme maps issue types to screen schemes, and names a *default* screen
//! scheme for every issue type it does not map. A project uses one scheme;
//! the site starts with Jira's *Default Issue Type Screen Scheme* (id 1),
//! mapping `default` to the Default Screen Scheme, which every project uses
//! until an admin assigns it another. So the screen a create or an edit of an
//! issue uses is found as Jira finds it ([`World::operation_screen`]): the
//! project's scheme, its mapping for the issue type (else its default), that
//! screen scheme, and the operation's screen (else the screen scheme's
//! default). Every project of the simulated site is company-managed, which is
//! what Jira asks of a project given a scheme.

use std::collections::BTreeMap;

use super::World;
use super::screen::ScreenRecord;
use super::screen_scheme::{DEFAULT_SCREEN_SCHEME_ID, IssueOperation, ScreenSchemeRecord};

/// The Default Issue Type Screen Scheme's id, as on every Jira site.
pub(crate) const DEFAULT_ISSUE_TYPE_SCREEN_SCHEME_ID: u64 = 1;
/// The first id a created issue type screen scheme takes: Jira numbers the
/// schemes an admin makes from 10000.
pub(crate) const FIRST_ISSUE_TYPE_SCREEN_SCHEME_ID: u64 = 10_000;
/// Most issue type screen schemes a site holds: each is walked when a screen
/// scheme is deleted (is it in use?) and listed by the scheme reads, so a
/// hostile caller cannot make those walks long. A scheme maps each issue type
/// at most once, so its mappings are bounded by the site's issue types.
pub(crate) const MAX_ISSUE_TYPE_SCREEN_SCHEMES: usize = 500;
/// What a mapping names instead of an issue type for the scheme's default.
pub(crate) const DEFAULT_MAPPING: &str = "default";

/// An issue type screen scheme.
#[derive(Debug, Clone)]
pub(crate) struct IssueTypeScreenSchemeRecord {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) description: String,
    /// The screen scheme of every issue type without a mapping of its own.
    pub(crate) default: u64,
    /// Screen scheme ids by issue type id.
    pub(crate) by_issue_type: BTreeMap<String, u64>,
}

impl IssueTypeScreenSchemeRecord {
    /// The Default Issue Type Screen Scheme as a new site has it.
    fn default_scheme() -> Self {
        Self {
            id: DEFAULT_ISSUE_TYPE_SCREEN_SCHEME_ID,
            name: "Default Issue Type Screen Scheme".to_owned(),
            description: "The default issue type screen scheme".to_owned(),
            default: DEFAULT_SCREEN_SCHEME_ID,
            by_issue_type: BTreeMap::new(),
        }
    }

    /// The screen scheme an issue of this type uses: its mapping, else the
    /// default.
    pub(crate) fn screen_scheme_for(&self, issue_type_id: &str) -> u64 {
        self.by_issue_type
            .get(issue_type_id)
            .copied()
            .unwrap_or(self.default)
    }

    /// The scheme's mappings as Jira lists them: (issue type id or
    /// [`DEFAULT_MAPPING`], screen scheme id), by issue type, the default last.
    pub(crate) fn mappings(&self) -> impl Iterator<Item = (&str, u64)> {
        self.by_issue_type
            .iter()
            .map(|(issue_type, scheme)| (issue_type.as_str(), *scheme))
            .chain([(DEFAULT_MAPPING, self.default)])
    }

    /// Whether any mapping (the default among them) names the screen scheme.
    pub(crate) fn uses(&self, screen_scheme_id: u64) -> bool {
        self.mappings()
            .any(|(_, scheme)| scheme == screen_scheme_id)
    }
}

/// The site's issue type screen schemes and which project uses which.
#[derive(Debug, Clone)]
pub(crate) struct IssueTypeScreenSchemes {
    /// In creation order, so ids ascend; the default one first, always.
    pub(crate) schemes: Vec<IssueTypeScreenSchemeRecord>,
    /// The scheme of each project assigned one other than the default, by
    /// project id. A project not here uses the default.
    by_project: BTreeMap<String, u64>,
    next_id: u64,
}

impl IssueTypeScreenSchemes {
    /// A new site's: the Default Issue Type Screen Scheme, used by every
    /// project.
    pub(crate) fn new() -> Self {
        Self {
            schemes: vec![IssueTypeScreenSchemeRecord::default_scheme()],
            by_project: BTreeMap::new(),
            next_id: FIRST_ISSUE_TYPE_SCREEN_SCHEME_ID,
        }
    }

    /// The scheme with this id.
    pub(crate) fn get(&self, id: u64) -> Option<&IssueTypeScreenSchemeRecord> {
        self.schemes.iter().find(|s| s.id == id)
    }

    /// The id of the scheme the project uses.
    pub(crate) fn scheme_id_of(&self, project_id: &str) -> u64 {
        self.by_project
            .get(project_id)
            .copied()
            .unwrap_or(DEFAULT_ISSUE_TYPE_SCREEN_SCHEME_ID)
    }

    /// The scheme the project uses. `None` only if the default is gone, which
    /// deleting it is refused to prevent.
    pub(crate) fn of_project(&self, project_id: &str) -> Option<&IssueTypeScreenSchemeRecord> {
        self.get(self.scheme_id_of(project_id))
    }

    /// Makes the project use the scheme `id` (which exists).
    pub(crate) fn assign(&mut self, project_id: &str, id: u64) {
        if id == DEFAULT_ISSUE_TYPE_SCREEN_SCHEME_ID {
            self.by_project.remove(project_id);
        } else {
            self.by_project.insert(project_id.to_owned(), id);
        }
    }

    /// Forgets the project's scheme (the project is being deleted).
    pub(crate) fn forget_project(&mut self, project_id: &str) {
        self.by_project.remove(project_id);
    }

    /// Adds a scheme, giving it the next id (never reused, as Jira's).
    pub(crate) fn add(&mut self, mut scheme: IssueTypeScreenSchemeRecord) -> u64 {
        scheme.id = self.next_id;
        self.next_id += 1;
        let id = scheme.id;
        self.schemes.push(scheme);
        id
    }
}

impl World {
    /// The projects using the issue type screen scheme, in the site's
    /// project order.
    pub(crate) fn projects_using_issue_type_screen_scheme(
        &self,
        id: u64,
    ) -> impl Iterator<Item = &super::ProjectRecord> {
        self.projects
            .iter()
            .filter(move |p| self.issue_type_screen_schemes.scheme_id_of(&p.id) == id)
    }

    /// The screen scheme an issue of the project and issue type uses: the
    /// project's issue type screen scheme's mapping for the type, else its
    /// default. `None` only if a scheme names one that is gone, which
    /// deleting a screen scheme in use prevents.
    pub(crate) fn screen_scheme_of(
        &self,
        project_id: &str,
        issue_type_id: &str,
    ) -> Option<&ScreenSchemeRecord> {
        let id = self
            .issue_type_screen_schemes
            .of_project(project_id)?
            .screen_scheme_for(issue_type_id);
        self.screen_schemes.iter().find(|s| s.id == id)
    }

    /// The screen `operation` (a create or an edit) of an issue of the
    /// project and issue type uses: that of its screen scheme
    /// ([`World::screen_scheme_of`]) for the operation, else the screen
    /// scheme's default, as Jira resolves it.
    pub(crate) fn operation_screen(
        &self,
        project_id: &str,
        issue_type_id: &str,
        operation: IssueOperation,
    ) -> Option<&ScreenRecord> {
        let scheme = self.screen_scheme_of(project_id, issue_type_id)?;
        self.screen(scheme.screens.screen_for(operation))
    }

    /// Whether the project uses the screen for anything: a screen scheme its
    /// issue type screen scheme maps (any issue type, or the default) names
    /// it for some operation.
    pub(crate) fn project_uses_screen(&self, project_id: &str, screen_id: u64) -> bool {
        let Some(scheme) = self.issue_type_screen_schemes.of_project(project_id) else {
            return false;
        };
        self.screen_schemes
            .iter()
            .any(|s| scheme.uses(s.id) && s.screens.uses(screen_id))
    }

    /// The issue type screen schemes mapping the screen scheme, by id.
    pub(crate) fn issue_type_screen_schemes_using(
        &self,
        screen_scheme_id: u64,
    ) -> impl Iterator<Item = &IssueTypeScreenSchemeRecord> {
        self.issue_type_screen_schemes
            .schemes
            .iter()
            .filter(move |s| s.uses(screen_scheme_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scheme(default: u64, by_issue_type: &[(&str, u64)]) -> IssueTypeScreenSchemeRecord {
        IssueTypeScreenSchemeRecord {
            id: 0,
            name: "S".to_owned(),
            description: String::new(),
            default,
            by_issue_type: by_issue_type
                .iter()
                .map(|(t, s)| ((*t).to_owned(), *s))
                .collect(),
        }
    }

    #[test]
    fn an_issue_type_without_a_mapping_uses_the_default() {
        let scheme = scheme(1, &[("10002", 10_000)]);
        assert_eq!(scheme.screen_scheme_for("10002"), 10_000);
        assert_eq!(scheme.screen_scheme_for("10001"), 1);
        let listed: Vec<(&str, u64)> = scheme.mappings().collect();
        assert_eq!(listed, [("10002", 10_000), ("default", 1)]);
        assert!(scheme.uses(1) && scheme.uses(10_000) && !scheme.uses(10_001));
    }

    #[test]
    fn a_project_uses_the_default_until_assigned_another() {
        let mut schemes = IssueTypeScreenSchemes::new();
        assert_eq!(schemes.scheme_id_of("10000"), 1);
        let id = schemes.add(scheme(1, &[]));
        assert_eq!(id, FIRST_ISSUE_TYPE_SCREEN_SCHEME_ID);
        schemes.assign("10000", id);
        assert_eq!(schemes.scheme_id_of("10000"), id);
        assert_eq!(schemes.scheme_id_of("10001"), 1);
        schemes.assign("10000", DEFAULT_ISSUE_TYPE_SCREEN_SCHEME_ID);
        assert!(schemes.by_project.is_empty());
        schemes.assign("10000", id);
        schemes.forget_project("10000");
        assert_eq!(schemes.scheme_id_of("10000"), 1);
    }

    #[test]
    fn the_seeded_site_resolves_through_the_default_schemes() {
        let world = World::from_seed(&crate::seed::Seed::default()).expect("the default seed");
        let screen = world.operation_screen("10000", "10002", IssueOperation::Create);
        assert_eq!(
            screen.map(|s| s.id),
            Some(super::super::screen::DEFAULT_SCREEN_ID)
        );
        assert!(world.project_uses_screen("10000", super::super::screen::DEFAULT_SCREEN_ID));
        assert!(!world.project_uses_screen("10000", 10_000));
    }
}
