//! Saved filters (`/rest/api/3/filter`): a named JQL query a user owns, shares
//! and others may mark as a favourite.
//!
//! Kept in one store on the world rather than on users, because a filter is read
//! by everyone it is shared with, and the JQL `filter` clause reaches filters by
//! id or by name whoever owns them.

use crate::seed::SeedPermission;

use super::World;

/// The first filter id and share permission id: Jira numbers both per site from
/// 10000, like its other ids.
const FIRST_FILTER_ID: u64 = 10_000;
const FIRST_SHARE_PERMISSION_ID: u64 = 10_000;

/// Filters one user may own. Jira Cloud documents no limit; the simulator keeps
/// one because filters live until deleted, so without it a client could grow the
/// simulator's memory without end, one filter at a time. Far more than an app's
/// tests create.
pub(crate) const MAX_FILTERS_PER_OWNER: usize = 500;

/// Filters on the whole site, for the same threat across many owners: with the
/// caps on a filter's text below, at most some 75 MiB.
pub(crate) const MAX_FILTERS: usize = 5_000;

/// Characters of a filter's name: Jira's column is 255 wide.
pub(crate) const MAX_NAME_CHARS: usize = 255;

/// Characters of a filter's description. Jira documents none; the simulator's
/// bound, so a description cannot pin megabytes per filter.
pub(crate) const MAX_DESCRIPTION_CHARS: usize = 4_000;

/// Share permissions one filter may carry: the simulator's bound, since each is
/// kept and rendered on every read (the site has few users and projects, so a
/// longer list can only repeat itself).
pub(crate) const MAX_SHARE_PERMISSIONS: usize = 100;

/// Whom a share permission opens a filter or a dashboard to. Project roles are
/// not modelled; groups only on dashboards (`platform/share_permission.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ShareTarget {
    /// Everyone, even anonymous callers (`global`).
    Global,
    /// Every signed-in user (`authenticated` in a request, `loggedin` in an answer).
    Authenticated,
    /// Those who may browse the project with this id.
    Project(String),
    /// The user with this account id.
    User(String),
    /// The members of the group with this id.
    Group(String),
}

/// One entry of a filter's `sharePermissions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SharePermission {
    pub(crate) id: u64,
    pub(crate) target: ShareTarget,
}

impl SharePermission {
    /// Whether this permission lets `account_id` see the filter.
    pub(crate) fn admits(&self, world: &World, account_id: &str) -> bool {
        match &self.target {
            ShareTarget::Global | ShareTarget::Authenticated => true,
            ShareTarget::Project(id) => world
                .project(id)
                .is_some_and(|p| p.grants(account_id, SeedPermission::Browse)),
            ShareTarget::User(user) => user == account_id,
            ShareTarget::Group(id) => world.in_group(id, account_id),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct FilterRecord {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    /// Account id of the owner (its creator: ownership never changes here).
    pub(crate) owner: String,
    pub(crate) jql: String,
    pub(crate) shares: Vec<SharePermission>,
    /// Account ids of the users who marked it a favourite, in the order they did.
    pub(crate) favourited_by: Vec<String>,
}

impl FilterRecord {
    /// Whether `account_id` may see the filter: its owner, or someone a share
    /// permission admits, as `getFilter` lists.
    pub(crate) fn visible_to(&self, world: &World, account_id: &str) -> bool {
        self.owner == account_id || self.shares.iter().any(|s| s.admits(world, account_id))
    }

    pub(crate) fn is_favourite_of(&self, account_id: &str) -> bool {
        self.favourited_by.iter().any(|a| a == account_id)
    }

    /// Whether it is shared at all (the `is_shared` order of `getFiltersPaginated`).
    pub(crate) fn is_shared(&self) -> bool {
        !self.shares.is_empty()
    }
}

/// The site's filters and the counters that number them.
#[derive(Debug, Clone)]
pub(crate) struct Filters {
    /// In creation order, so ids ascend.
    pub(crate) all: Vec<FilterRecord>,
    next_id: u64,
    next_share_permission_id: u64,
}

impl Default for Filters {
    fn default() -> Self {
        Self {
            all: Vec::new(),
            next_id: FIRST_FILTER_ID,
            next_share_permission_id: FIRST_SHARE_PERMISSION_ID,
        }
    }
}

impl Filters {
    /// Hands out the next filter id (a per-site sequence, like Jira's).
    pub(crate) fn take_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Hands out the next share permission id.
    pub(crate) fn take_share_permission_id(&mut self) -> u64 {
        let id = self.next_share_permission_id;
        self.next_share_permission_id += 1;
        id
    }

    /// Where the filter with this id is, visible or not.
    pub(crate) fn position(&self, id: u64) -> Option<usize> {
        self.all.iter().position(|f| f.id == id)
    }

    /// The filters `account_id` owns.
    pub(crate) fn owned_by<'a>(
        &'a self,
        account_id: &'a str,
    ) -> impl Iterator<Item = &'a FilterRecord> {
        self.all.iter().filter(move |f| f.owner == account_id)
    }

    /// The filter `owner` owns by this name, without regard to case (Jira keeps
    /// names unique per owner), other than the one with id `except`.
    pub(crate) fn owned_named(
        &self,
        owner: &str,
        name: &str,
        except: Option<u64>,
    ) -> Option<&FilterRecord> {
        let name = name.to_lowercase();
        self.all
            .iter()
            .filter(|f| f.owner == owner && Some(f.id) != except)
            .find(|f| f.name.to_lowercase() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::Seed;

    const ALICE: &str = "5b10ac8d82e05b22cc7d4a11";
    const CAROL: &str = "5b10ac8d82e05b22cc7d4ca1";

    fn filter(shares: Vec<ShareTarget>) -> FilterRecord {
        FilterRecord {
            id: 10_000,
            name: String::from("Mine"),
            description: None,
            owner: String::from(ALICE),
            jql: String::new(),
            shares: shares
                .into_iter()
                .enumerate()
                .map(|(n, target)| SharePermission {
                    id: n as u64,
                    target,
                })
                .collect(),
            favourited_by: Vec::new(),
        }
    }

    #[test]
    fn a_filter_is_seen_by_its_owner_and_whom_its_shares_admit() {
        let world = World::from_seed(&Seed::default()).expect("the default seed");
        let sec = world.project("SEC").map(|p| p.id.clone()).expect("SEC");
        let kiln = world.project("KILN").map(|p| p.id.clone()).expect("KILN");
        let private = filter(Vec::new());
        assert!(private.visible_to(&world, ALICE) && !private.visible_to(&world, CAROL));
        assert!(!private.is_shared());
        // Carol may browse KILN but not SEC.
        assert!(filter(vec![ShareTarget::Project(kiln)]).visible_to(&world, CAROL));
        assert!(!filter(vec![ShareTarget::Project(sec)]).visible_to(&world, CAROL));
        assert!(filter(vec![ShareTarget::User(CAROL.into())]).visible_to(&world, CAROL));
        assert!(filter(vec![ShareTarget::Authenticated]).visible_to(&world, CAROL));
        assert!(filter(vec![ShareTarget::Global]).visible_to(&world, CAROL));
    }

    #[test]
    fn names_are_unique_per_owner_without_regard_to_case() {
        let mut filters = Filters::default();
        assert_eq!(filters.take_id(), 10_000);
        filters.all.push(filter(Vec::new()));
        assert!(filters.owned_named(ALICE, "MINE", None).is_some());
        assert!(filters.owned_named(ALICE, "mine", Some(10_000)).is_none());
        assert!(filters.owned_named(CAROL, "Mine", None).is_none());
    }
}
