//! Screens: which fields a create or an edit may set.
//!
//! The site models the screen a company-managed Jira site starts with: the
//! *Default Screen* (id 1), which the default screen scheme uses for creating,
//! editing and viewing issues, and which every project of the simulated site
//! uses through it. It has one tab, *Field Tab*, holding the system fields the
//! simulator stores and lets a create or edit set ([`SCREENABLE_SYSTEM_FIELDS`])
//! and the custom fields a seed declares. A custom field made with `POST /field`
//! is on no screen, as on Jira: it is offered by the create and edit metadata,
//! and accepted by a create or edit, only once it is put on the screen.
//!
//! That rule lives here, once: [`World::offered_fields`] is what the create and
//! edit metadata list and what `platform/issue.rs` accepts, read from the
//! screen the operation uses for the issue's project and issue type (through
//! the project's issue type screen scheme and the screen scheme it maps the
//! type to, `issue_type_screen_scheme.rs`, `screen_scheme.rs`), so a screen an
//! admin makes and puts in a scheme decides as the Default Screen does. A
//! custom field on
//! the screen is offered only for a project and issue type one of its contexts
//! applies to (`field_context.rs`), as Jira offers it. Jira's *Workflow
//! Screen* and *Resolve Issue Screen* are not modelled: the simulator's
//! transitions have no screens.

use std::collections::{BTreeMap, BTreeSet};

use super::World;
use super::custom_field::MAX_CUSTOM_FIELDS;
use super::screen_scheme::IssueOperation;

/// The Default Screen's id, as on every Jira site.
pub(crate) const DEFAULT_SCREEN_ID: u64 = 1;
/// The Default Screen's one tab, as Jira numbers it.
pub(crate) const FIELD_TAB_ID: u64 = 10_000;
/// The first id a created screen takes: Jira numbers the screens an admin
/// makes from 10000 (its own are 1 to 3).
pub(crate) const FIRST_SCREEN_ID: u64 = 10_000;
/// The first id a created tab takes: after the Default Screen's.
pub(crate) const FIRST_TAB_ID: u64 = FIELD_TAB_ID + 1;
/// The name Jira gives the tab a new screen starts with.
pub(crate) const NEW_SCREEN_TAB: &str = "Field Tab";

/// Most screens a site holds: every screen is walked by the screen reads and
/// by `GET /field/{fieldId}/screens`, so a hostile caller cannot make those
/// walks long.
pub(crate) const MAX_SCREENS: usize = 500;
/// Most tabs one screen holds.
pub(crate) const MAX_TABS_PER_SCREEN: usize = 50;
/// Most fields one screen (and so one tab) holds: a field is on a screen at
/// most once, so a screen holds at most every screenable field, and the
/// custom fields are bounded.
pub(crate) const MAX_FIELDS_PER_SCREEN: usize = SCREENABLE_SYSTEM_FIELDS.len() + MAX_CUSTOM_FIELDS;
/// Longest screen, tab and screen scheme name and description, as the spec
/// states (`ScreenDetails`, `ScreenableTab`, `ScreenSchemeDetails`).
pub(crate) const MAX_SCREEN_TEXT_CHARS: usize = 255;

/// The system fields a screen may hold: those a create or edit of the simulator
/// sets (`platform/issue.rs`), in the Default Screen's order. Each is on the
/// Default Screen to start with.
pub(crate) const SCREENABLE_SYSTEM_FIELDS: [&str; 13] = [
    "summary",
    "issuetype",
    "reporter",
    "components",
    "description",
    "fixVersions",
    "versions",
    "priority",
    "labels",
    "environment",
    "duedate",
    "timetracking",
    "assignee",
];

/// System fields a screen may not lose: an issue cannot be created without a
/// summary or an issue type, and Jira's screen editor refuses to remove them.
pub(crate) const REQUIRED_ON_SCREEN: [&str; 2] = ["summary", "issuetype"];

/// Fields a create names whatever the screen holds: the project (which is not a
/// field of any screen) and the parent, whose rules are the issue hierarchy's
/// (`platform/hierarchy.rs`).
const OFFERED_WITHOUT_SCREEN: [&str; 2] = ["project", "parent"];

/// One tab of a screen: its fields' ids, in order.
#[derive(Debug, Clone)]
pub(crate) struct TabRecord {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) fields: Vec<String>,
}

/// A screen and its tabs.
#[derive(Debug, Clone)]
pub(crate) struct ScreenRecord {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) tabs: Vec<TabRecord>,
}

impl ScreenRecord {
    /// The Default Screen as a new site has it: every screenable system field.
    pub(crate) fn default_screen() -> Self {
        Self {
            id: DEFAULT_SCREEN_ID,
            name: "Default Screen".to_owned(),
            description: "Provides for the update all system fields.".to_owned(),
            tabs: vec![TabRecord {
                id: FIELD_TAB_ID,
                name: "Field Tab".to_owned(),
                fields: SCREENABLE_SYSTEM_FIELDS.map(str::to_owned).to_vec(),
            }],
        }
    }

    /// A screen as `createScreen` makes it: one empty tab, [`NEW_SCREEN_TAB`].
    pub(crate) fn new(id: u64, name: String, description: String, tab_id: u64) -> Self {
        Self {
            id,
            name,
            description,
            tabs: vec![TabRecord {
                id: tab_id,
                name: NEW_SCREEN_TAB.to_owned(),
                fields: Vec::new(),
            }],
        }
    }

    /// Whether any tab of the screen holds the field.
    pub(crate) fn holds(&self, field_id: &str) -> bool {
        self.tabs
            .iter()
            .any(|tab| tab.fields.iter().any(|f| f == field_id))
    }
}

/// The fields a create or an edit of an issue of one project and issue type
/// may set, read once per request so a body naming many fields costs one
/// lookup each.
pub(crate) struct OfferedFields<'a> {
    on_screen: BTreeSet<&'a str>,
    world: &'a World,
    project_id: &'a str,
    issue_type_id: &'a str,
}

impl OfferedFields<'_> {
    /// Whether a create or an edit may set `field_id`: it is on the screen,
    /// and a custom field has a context that applies to the project and issue
    /// type (`world/field_context.rs`); Jira neither offers nor accepts a
    /// custom field outside its contexts.
    pub(crate) fn offers(&self, field_id: &str) -> bool {
        OFFERED_WITHOUT_SCREEN.contains(&field_id)
            || (self.on_screen.contains(field_id)
                && self.world.custom_field(field_id).is_none_or(|field| {
                    field
                        .context_for(self.project_id, self.issue_type_id)
                        .is_some()
                }))
    }
}

impl World {
    /// The screen with this id.
    pub(crate) fn screen(&self, id: u64) -> Option<&ScreenRecord> {
        self.screens.iter().find(|s| s.id == id)
    }

    /// The fields `operation` (a create or an edit) may set on an issue of the
    /// project and issue type: those on the screen the operation uses there
    /// (the project's issue type screen scheme's, [`World::operation_screen`])
    /// that apply there.
    pub(crate) fn offered_fields<'a>(
        &'a self,
        project_id: &'a str,
        issue_type_id: &'a str,
        operation: IssueOperation,
    ) -> OfferedFields<'a> {
        let on_screen = self
            .operation_screen(project_id, issue_type_id, operation)
            .into_iter()
            .flat_map(|screen| &screen.tabs)
            .flat_map(|tab| &tab.fields)
            .map(String::as_str)
            .collect();
        OfferedFields {
            on_screen,
            world: self,
            project_id,
            issue_type_id,
        }
    }

    /// How many screens hold each field on one (`Field.screensCount`), counted
    /// in one pass so listing every field costs a lookup each.
    pub(crate) fn screen_counts(&self) -> BTreeMap<&str, usize> {
        let mut counts = BTreeMap::new();
        for screen in &self.screens {
            let on_screen: BTreeSet<&str> = screen
                .tabs
                .iter()
                .flat_map(|tab| &tab.fields)
                .map(String::as_str)
                .collect();
            for field in on_screen {
                *counts.entry(field).or_insert(0) += 1;
            }
        }
        counts
    }

    /// Puts the field on the Default Screen's first tab, unless a screen tab
    /// there already holds it (a seed's custom field, `POST
    /// /screens/addToDefault`). `false` when it was there already.
    pub(crate) fn add_to_default_screen(&mut self, field_id: &str) -> bool {
        let Some(screen) = self.screens.iter_mut().find(|s| s.id == DEFAULT_SCREEN_ID) else {
            return false;
        };
        if screen.holds(field_id) {
            return false;
        }
        match screen.tabs.first_mut() {
            Some(tab) => {
                tab.fields.push(field_id.to_owned());
                true
            }
            None => false,
        }
    }

    /// Hands out the next screen id (never reused, as Jira's).
    pub(crate) fn take_screen_id(&mut self) -> u64 {
        let id = self.next_screen_id;
        self.next_screen_id += 1;
        id
    }

    /// Hands out the next screen tab id: tabs are numbered per site.
    pub(crate) fn take_screen_tab_id(&mut self) -> u64 {
        let id = self.next_screen_tab_id;
        self.next_screen_tab_id += 1;
        id
    }

    /// Takes the field off every screen (it is being deleted).
    pub(crate) fn remove_from_screens(&mut self, field_id: &str) {
        for tab in self.screens.iter_mut().flat_map(|s| &mut s.tabs) {
            tab.fields.retain(|f| f != field_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_screen_offers_its_system_fields_and_the_project() {
        let screen = ScreenRecord::default_screen();
        let world = World::from_seed(&crate::seed::Seed::default()).expect("the default seed");
        let offered = OfferedFields {
            on_screen: screen.tabs[0].fields.iter().map(String::as_str).collect(),
            world: &world,
            project_id: "10000",
            issue_type_id: "10001",
        };
        for field in SCREENABLE_SYSTEM_FIELDS
            .into_iter()
            .chain(["project", "parent"])
        {
            assert!(offered.offers(field), "{field}");
        }
        for field in ["status", "created", "customfield_10000", ""] {
            assert!(!offered.offers(field), "{field}");
        }
        assert!(REQUIRED_ON_SCREEN.iter().all(|f| screen.holds(f)));
    }
}
