//! Screen schemes: which screen an issue operation (create, edit, view) uses.
//!
//! A scheme names a *default* screen and, optionally, one per operation; an
//! operation without its own screen uses the default. The site starts with
//! Jira's *Default Screen Scheme* (id 1), whose default is the Default Screen
//! (`screen.rs`). Which scheme an issue uses is its project's issue type
//! screen scheme's choice for its issue type (`issue_type_screen_scheme.rs`,
//! [`World::operation_screen`]): on a new site, the Default Issue Type Screen
//! Scheme maps every issue type to the Default Screen Scheme. Pointing a
//! scheme's `create` at another screen changes what `createmeta` lists and
//! what a create accepts for the issue types that use it, as on Jira.

use super::World;
use super::screen::DEFAULT_SCREEN_ID;

/// The Default Screen Scheme's id, as on every Jira site.
pub(crate) const DEFAULT_SCREEN_SCHEME_ID: u64 = 1;
/// The first id a created screen scheme takes: Jira numbers the schemes an
/// admin makes from 10000.
pub(crate) const FIRST_SCREEN_SCHEME_ID: u64 = 10_000;
/// Most screen schemes a site holds: each is walked when a screen is deleted
/// (is it in use?) and listed by `GET /screenscheme`, so a hostile caller
/// cannot make those walks long.
pub(crate) const MAX_SCREEN_SCHEMES: usize = 500;

/// The issue operations whose screen decides something in the simulator: what
/// a create and an edit may set. (A scheme's `view` screen is stored and
/// answered; the simulator's issue reads do not use it.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IssueOperation {
    Create,
    Edit,
}

/// The screens of a scheme, by screen id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScreenTypes {
    pub(crate) default: u64,
    pub(crate) create: Option<u64>,
    pub(crate) edit: Option<u64>,
    pub(crate) view: Option<u64>,
}

impl ScreenTypes {
    /// The screen `operation` uses: its own, else the default.
    pub(crate) fn screen_for(&self, operation: IssueOperation) -> u64 {
        let own = match operation {
            IssueOperation::Create => self.create,
            IssueOperation::Edit => self.edit,
        };
        own.unwrap_or(self.default)
    }

    /// Whether the scheme uses the screen for anything.
    pub(crate) fn uses(&self, screen_id: u64) -> bool {
        self.default == screen_id || [self.create, self.edit, self.view].contains(&Some(screen_id))
    }
}

/// A screen scheme.
#[derive(Debug, Clone)]
pub(crate) struct ScreenSchemeRecord {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) screens: ScreenTypes,
}

impl ScreenSchemeRecord {
    /// The Default Screen Scheme as a new site has it: the Default Screen for
    /// every operation.
    pub(crate) fn default_scheme() -> Self {
        Self {
            id: DEFAULT_SCREEN_SCHEME_ID,
            name: "Default Screen Scheme".to_owned(),
            description: "Default Screen Scheme".to_owned(),
            screens: ScreenTypes {
                default: DEFAULT_SCREEN_ID,
                create: None,
                edit: None,
                view: None,
            },
        }
    }
}

impl World {
    /// Whether a screen scheme uses the screen (so it may not be deleted).
    pub(crate) fn screen_in_scheme(&self, screen_id: u64) -> bool {
        self.screen_schemes
            .iter()
            .any(|s| s.screens.uses(screen_id))
    }

    /// Hands out the next screen scheme id (never reused, as Jira's).
    pub(crate) fn take_screen_scheme_id(&mut self) -> u64 {
        let id = self.next_screen_scheme_id;
        self.next_screen_scheme_id += 1;
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_operation_without_its_own_screen_uses_the_default() {
        let types = ScreenTypes {
            default: 1,
            create: Some(10_000),
            edit: None,
            view: None,
        };
        assert_eq!(types.screen_for(IssueOperation::Create), 10_000);
        assert_eq!(types.screen_for(IssueOperation::Edit), 1);
        assert!(types.uses(1) && types.uses(10_000) && !types.uses(10_001));
    }
}
