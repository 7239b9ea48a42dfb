//! User groups: the site's two built-in groups and the groups a seed or a site
//! admin (`POST /rest/api/3/group`) makes.
//!
//! The built-in groups mirror state the simulator keeps elsewhere, so their
//! members are computed, never stored: [`APPLICATION_GROUP`] holds every user (the
//! group that grants Jira, as a site's application access does) and
//! [`SITE_ADMINS_GROUP`] holds the site admins (the seed's `siteAdmin`, which is
//! what every *Administer Jira* check reads). Changing their members, or removing
//! them, through the group API is refused: one fact, one place.

use super::World;

/// The group that grants Jira: every user of the site is in it.
pub(crate) const APPLICATION_GROUP: &str = "jira-software-users";
/// The site administrators' group.
pub(crate) const SITE_ADMINS_GROUP: &str = "site-admins";
/// How many groups a site may hold (seeded and created), so a loop of
/// `createGroup` calls cannot grow the simulator without bound.
pub(crate) const MAX_GROUPS: usize = 1_000;
/// How long a group name may be, in characters (Jira's limit).
pub(crate) const MAX_GROUP_NAME_CHARS: usize = 255;

/// A group the simulator stores.
#[derive(Debug, Clone)]
pub(crate) struct GroupRecord {
    /// Jira Cloud's group id, a UUID.
    pub(crate) id: String,
    pub(crate) name: String,
    /// Account ids, in the order they joined.
    pub(crate) members: Vec<String>,
}

/// A group as a request sees it: a stored one, or a built-in one whose members
/// are computed.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) members: Vec<String>,
}

/// The id of the `n`th group the site has held (built-in ones first): stable for
/// a seed, shaped as Jira's UUIDs are.
pub(crate) fn group_id(n: usize) -> String {
    format!("6b696c6e-0000-4000-8000-{n:012x}")
}

impl World {
    /// Every group, built-in ones first, then stored ones in creation order.
    pub(crate) fn all_groups(&self) -> Vec<Group> {
        let everyone = self.users.iter().map(|u| u.account_id.clone()).collect();
        let admins = self
            .users
            .iter()
            .filter(|u| u.site_admin)
            .map(|u| u.account_id.clone())
            .collect();
        let mut groups = vec![
            Group {
                id: group_id(0),
                name: APPLICATION_GROUP.to_owned(),
                members: everyone,
            },
            Group {
                id: group_id(1),
                name: SITE_ADMINS_GROUP.to_owned(),
                members: admins,
            },
        ];
        groups.extend(self.groups.iter().map(|g| Group {
            id: g.id.clone(),
            name: g.name.clone(),
            members: g.members.clone(),
        }));
        groups
    }

    /// The group called `name` (group names are case-insensitive in Jira).
    pub(crate) fn group_named(&self, name: &str) -> Option<Group> {
        self.all_groups()
            .into_iter()
            .find(|g| g.name.eq_ignore_ascii_case(name))
    }

    /// The group with id `id`.
    pub(crate) fn group_by_id(&self, id: &str) -> Option<Group> {
        self.all_groups().into_iter().find(|g| g.id == id)
    }

    /// Whether `account_id` is in the group with id `id`, asked without
    /// copying every group's members as [`World::all_groups`] does: a read that
    /// asks it of each of many worklogs stays linear.
    pub(crate) fn in_group(&self, id: &str, account_id: &str) -> bool {
        if id == group_id(0) {
            self.user(account_id).is_some()
        } else if id == group_id(1) {
            self.is_site_admin(account_id)
        } else {
            self.groups
                .iter()
                .find(|g| g.id == id)
                .is_some_and(|g| g.members.iter().any(|m| m == account_id))
        }
    }

    /// The name of the group with id `id`, found without copying members.
    pub(crate) fn group_name(&self, id: &str) -> Option<&str> {
        if id == group_id(0) {
            Some(APPLICATION_GROUP)
        } else if id == group_id(1) {
            Some(SITE_ADMINS_GROUP)
        } else {
            self.groups
                .iter()
                .find(|g| g.id == id)
                .map(|g| g.name.as_str())
        }
    }

    /// The groups `account_id` is in.
    pub(crate) fn groups_of(&self, account_id: &str) -> Vec<Group> {
        self.all_groups()
            .into_iter()
            .filter(|g| g.members.iter().any(|m| m == account_id))
            .collect()
    }

    /// Adds a stored group called `name`, checked as `createGroup` and a seed
    /// check it; answers it.
    pub(crate) fn add_group(&mut self, name: &str, members: Vec<String>) -> Result<Group, String> {
        let name = name.trim();
        if name.is_empty() {
            return Err(String::from("You must specify a group name."));
        }
        if name.chars().count() > MAX_GROUP_NAME_CHARS {
            return Err(format!(
                "The group name must not be longer than {MAX_GROUP_NAME_CHARS} characters."
            ));
        }
        if self.group_named(name).is_some() {
            return Err(String::from("A group with that name already exists."));
        }
        if self.groups.len() >= MAX_GROUPS {
            return Err(format!("The site already holds {MAX_GROUPS} groups."));
        }
        let mut unique = Vec::with_capacity(members.len());
        for member in members {
            if !unique.contains(&member) {
                unique.push(member);
            }
        }
        let record = GroupRecord {
            id: group_id(self.next_group_number),
            name: name.to_owned(),
            members: unique,
        };
        self.next_group_number += 1;
        self.groups.push(record);
        Ok(self.all_groups().pop().expect("the group just added"))
    }
}

/// Why a change to a group's members, or its removal, is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GroupChangeError {
    /// A built-in group's members mirror the site (`group.rs`).
    BuiltIn(String),
    AlreadyMember(String),
    NotMember(String),
}

impl std::fmt::Display for GroupChangeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::BuiltIn(name) => write!(
                f,
                "The group '{name}' is managed by the site: its members follow the site's \
                 users and administrators, and it cannot be changed or removed here."
            ),
            Self::AlreadyMember(name) => {
                write!(f, "Cannot add user. User is already a member of '{name}'")
            }
            Self::NotMember(name) => {
                write!(f, "Cannot remove user. User is not a member of '{name}'")
            }
        }
    }
}

impl World {
    /// The stored group with id `id`, to change; a built-in one is refused.
    fn stored_group_mut(&mut self, group: &Group) -> Result<&mut GroupRecord, GroupChangeError> {
        self.groups
            .iter_mut()
            .find(|g| g.id == group.id)
            .ok_or_else(|| GroupChangeError::BuiltIn(group.name.clone()))
    }

    /// Adds `account_id` to `group`.
    pub(crate) fn add_group_member(
        &mut self,
        group: &Group,
        account_id: &str,
    ) -> Result<(), GroupChangeError> {
        let stored = self.stored_group_mut(group)?;
        if stored.members.iter().any(|m| m == account_id) {
            return Err(GroupChangeError::AlreadyMember(stored.name.clone()));
        }
        stored.members.push(account_id.to_owned());
        Ok(())
    }

    /// Removes `account_id` from `group`.
    pub(crate) fn remove_group_member(
        &mut self,
        group: &Group,
        account_id: &str,
    ) -> Result<(), GroupChangeError> {
        let stored = self.stored_group_mut(group)?;
        let before = stored.members.len();
        stored.members.retain(|m| m != account_id);
        if stored.members.len() == before {
            return Err(GroupChangeError::NotMember(stored.name.clone()));
        }
        Ok(())
    }

    /// Removes `group`.
    pub(crate) fn remove_group(&mut self, group: &Group) -> Result<(), GroupChangeError> {
        self.stored_group_mut(group)?;
        self.groups.retain(|g| g.id != group.id);
        Ok(())
    }
}
