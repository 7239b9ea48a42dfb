//! Project versions (`/rest/api/3/version`, `/rest/api/3/project/{key}/versions`)
//! and the two issue fields that name them: `fixVersions` and `versions` (Jira's
//! "affects versions").
//!
//! The world keeps every version once, in creation order, which is also each
//! project's order of versions (Jira's `sequence`: new versions go last, and
//! moving versions is not modelled). An issue holds the ids of its versions, in
//! the order they were set, so renaming a version renames it on every issue and
//! deleting one can take it off (or swap it on) every issue in one pass.

use time::Date;

use super::{IssueRecord, World};

/// Jira numbers versions site-wide from 10000, like its other configuration.
pub(crate) const FIRST_VERSION_ID: u64 = 10_000;

/// Versions kept per project. Jira Cloud documents no limit; the simulator needs
/// one because versions live until deleted, so a client creating them without end
/// would grow its memory without end. With names and descriptions capped below,
/// a project's versions stay under about 35 MB, and projects come only from the
/// seed. Far more than an app's tests create.
pub(crate) const MAX_VERSIONS_PER_PROJECT: usize = 2_000;

/// Jira's own limit on a version's name ("The maximum length is 255 characters"
/// in the spec's `Version`), which also bounds what a name costs to keep.
pub(crate) const MAX_VERSION_NAME_CHARS: usize = 255;

/// Jira's own limit on a version's description ("The maximum size is 16,384
/// bytes"), which bounds what each version costs to keep.
pub(crate) const MAX_VERSION_DESCRIPTION_BYTES: usize = 16_384;

/// A project version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VersionRecord {
    pub(crate) id: u64,
    /// The key of the project the version belongs to; a version never moves.
    pub(crate) project_key: String,
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) start_date: Option<Date>,
    pub(crate) release_date: Option<Date>,
    pub(crate) released: bool,
    pub(crate) archived: bool,
}

impl VersionRecord {
    /// Jira's `overdue`: an unreleased, unarchived version whose release date has
    /// passed (`today` is the site's date; the release day itself is not late).
    pub(crate) fn is_overdue(&self, today: Date) -> bool {
        !self.released && !self.archived && self.release_date.is_some_and(|d| d < today)
    }
}

/// One of an issue's two version fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VersionField {
    /// `fixVersions` (JQL `fixVersion`).
    Fix,
    /// `versions`, "Affects versions" (JQL `affectedVersion`).
    Affects,
}

impl VersionField {
    pub(crate) const ALL: [VersionField; 2] = [VersionField::Fix, VersionField::Affects];

    /// The field's id, as issues, `fields` and errors name it.
    pub(crate) fn id(self) -> &'static str {
        match self {
            VersionField::Fix => "fixVersions",
            VersionField::Affects => "versions",
        }
    }

    /// The issue's version ids in this field, in the order they were set.
    pub(crate) fn of(self, issue: &IssueRecord) -> &[u64] {
        match self {
            VersionField::Fix => &issue.fix_versions,
            VersionField::Affects => &issue.affected_versions,
        }
    }

    pub(crate) fn of_mut(self, issue: &mut IssueRecord) -> &mut Vec<u64> {
        match self {
            VersionField::Fix => &mut issue.fix_versions,
            VersionField::Affects => &mut issue.affected_versions,
        }
    }
}

impl World {
    /// The version with this id, in any project: the caller's right to it is the
    /// handler's to check.
    pub(crate) fn version(&self, id: u64) -> Option<&VersionRecord> {
        self.versions.iter().find(|v| v.id == id)
    }

    /// The project's versions, in its order (creation order).
    pub(crate) fn versions_of<'a, 'k>(
        &'a self,
        project_key: &'k str,
    ) -> impl Iterator<Item = &'a VersionRecord> + use<'a, 'k> {
        self.versions
            .iter()
            .filter(move |v| v.project_key == project_key)
    }

    /// The project's version named `name`, without regard to case: Jira keeps
    /// version names unique per project that way.
    pub(crate) fn version_named(&self, project_key: &str, name: &str) -> Option<&VersionRecord> {
        let name = name.to_lowercase();
        self.versions_of(project_key)
            .find(|v| v.name.to_lowercase() == name)
    }

    /// Hands out the next version id (a per-site sequence, like Jira's).
    pub(crate) fn take_version_id(&mut self) -> u64 {
        let id = self.next_version_id;
        self.next_version_id += 1;
        id
    }

    /// Takes version `from` off `field` of every issue, putting `to` (when given)
    /// where it was unless the issue has `to` already. Returns how many issues
    /// changed.
    pub(crate) fn swap_version(
        &mut self,
        field: VersionField,
        from: u64,
        to: Option<u64>,
    ) -> usize {
        self.swap_version_on(field, from, to, |_| true)
    }

    /// As [`World::swap_version`], on the issues `which` picks only (a release
    /// moves only the unresolved ones).
    pub(crate) fn swap_version_on(
        &mut self,
        field: VersionField,
        from: u64,
        to: Option<u64>,
        which: impl Fn(&super::IssueRecord) -> bool,
    ) -> usize {
        let mut changed = 0;
        for issue in self.issues.iter_mut().filter(|issue| which(issue)) {
            let ids = field.of_mut(issue);
            let Some(at) = ids.iter().position(|id| *id == from) else {
                continue;
            };
            match to {
                Some(to) if !ids.contains(&to) => ids[at] = to,
                _ => {
                    ids.remove(at);
                }
            }
            changed += 1;
        }
        changed
    }
}

/// An unreleased version of project KILN with only its id and name, for tests.
#[cfg(test)]
pub(crate) fn version(id: u64, name: &str) -> VersionRecord {
    VersionRecord {
        id,
        project_key: String::from("KILN"),
        name: name.to_owned(),
        description: None,
        start_date: None,
        release_date: None,
        released: false,
        archived: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::Seed;

    #[test]
    fn overdue_is_unreleased_unarchived_and_past_its_date() {
        let today = Date::from_calendar_date(2024, time::Month::March, 10).expect("date");
        let mut v = version(1, "1.0");
        assert!(!v.is_overdue(today), "no date, never late");
        v.release_date = today.previous_day();
        assert!(v.is_overdue(today));
        v.release_date = Some(today);
        assert!(!v.is_overdue(today), "due today is not late yet");
        v.release_date = today.previous_day();
        v.released = true;
        assert!(!v.is_overdue(today));
        v.released = false;
        v.archived = true;
        assert!(!v.is_overdue(today));
    }

    #[test]
    fn names_are_found_without_regard_to_case_and_swaps_keep_each_id_once() {
        let mut world = World::from_seed(&Seed::default()).expect("the default seed");
        world.versions = vec![version(1, "Alpha"), version(2, "Beta")];
        assert_eq!(world.version_named("KILN", "ALPHA").map(|v| v.id), Some(1));
        assert_eq!(world.version_named("SEC", "alpha"), None);
        world.issues[0].fix_versions = vec![1, 2];
        world.issues[1].fix_versions = vec![1];
        world.issues[2].affected_versions = vec![1];
        assert_eq!(world.swap_version(VersionField::Fix, 1, Some(2)), 2);
        assert_eq!(world.issues[0].fix_versions, [2], "already had the target");
        assert_eq!(world.issues[1].fix_versions, [2], "swapped in place");
        assert_eq!(world.issues[2].affected_versions, [1], "the other field");
        assert_eq!(world.swap_version(VersionField::Affects, 1, None), 1);
        assert!(world.issues[2].affected_versions.is_empty());
    }
}
