//! Dashboards (`/rest/api/3/dashboard`): the system dashboard every Jira Cloud
//! site starts with, and the dashboards users create, share and let others
//! edit, each with the properties apps keep on its items (gadgets).
//!
//! Kept in one store on the world, as filters are, because a dashboard is read
//! by everyone its share permissions admit. Share permissions are numbered from
//! the filters' sequence: Jira keeps both in one table.

use std::collections::BTreeMap;

use serde_json::Value;

use super::World;
use super::filter::SharePermission;

/// The system dashboard's id, as on a new Jira Cloud site; created dashboards
/// are numbered on from it.
pub(crate) const SYSTEM_DASHBOARD_ID: u64 = 10_000;

/// Dashboards one user may own: the simulator's bound, as for filters, so a
/// loop of `createDashboard` calls cannot grow the simulator without end.
pub(crate) const MAX_DASHBOARDS_PER_OWNER: usize = 500;

/// Dashboards on the whole site, for the same threat across many owners.
pub(crate) const MAX_DASHBOARDS: usize = 5_000;

/// Characters of a dashboard's name: Jira's column is 255 wide.
pub(crate) const MAX_NAME_CHARS: usize = 255;

/// Characters of a dashboard's description: the simulator's bound, the same as
/// a filter's.
pub(crate) const MAX_DESCRIPTION_CHARS: usize = 4_000;

/// Items of one dashboard that may hold properties: the simulator's bound (a
/// Jira dashboard shows a few dozen gadgets at most), since items are not
/// modelled and any item id may be written to.
pub(crate) const MAX_ITEMS_WITH_PROPERTIES: usize = 100;

/// Properties one dashboard item may hold: the simulator's bound.
pub(crate) const MAX_PROPERTIES_PER_ITEM: usize = 100;

/// Characters of a dashboard item id: the simulator's bound (Jira's ids are
/// numbers).
pub(crate) const MAX_ITEM_ID_CHARS: usize = 255;

#[derive(Debug, Clone)]
pub(crate) struct DashboardRecord {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    /// Account id of the owner; `None` for the system dashboard, which is no
    /// one's (site admins count as its owners).
    pub(crate) owner: Option<String>,
    /// Who may see it (`sharePermissions`).
    pub(crate) shares: Vec<SharePermission>,
    /// Who may change it besides its owner (`editPermissions`).
    pub(crate) editors: Vec<SharePermission>,
    /// The properties of its items, by item id, then key.
    pub(crate) items: BTreeMap<String, BTreeMap<String, Value>>,
}

impl DashboardRecord {
    /// The dashboard every site has: "Default dashboard", shared with
    /// everyone, owned by no one.
    fn system() -> Self {
        Self {
            id: SYSTEM_DASHBOARD_ID,
            name: String::from("Default dashboard"),
            description: None,
            owner: None,
            shares: Vec::new(),
            editors: Vec::new(),
            items: BTreeMap::new(),
        }
    }

    pub(crate) fn is_system(&self) -> bool {
        self.owner.is_none()
    }

    pub(crate) fn is_owned_by(&self, account_id: &str) -> bool {
        self.owner.as_deref() == Some(account_id)
    }

    /// Whether `account_id` may see it: everyone sees the system dashboard;
    /// others are seen by their owner, their editors and whom their shares
    /// admit.
    pub(crate) fn visible_to(&self, world: &World, account_id: &str) -> bool {
        self.is_system()
            || self.is_owned_by(account_id)
            || self
                .shares
                .iter()
                .chain(&self.editors)
                .any(|s| s.admits(world, account_id))
    }

    /// Whether `account_id` may change it (the spec's `isWritable`): its owner
    /// and whom its edit permissions admit; site admins for the system
    /// dashboard ("users with *Administer Jira* are considered owners of the
    /// System dashboard").
    pub(crate) fn writable_by(&self, world: &World, account_id: &str) -> bool {
        if self.is_system() {
            return world.is_site_admin(account_id);
        }
        self.is_owned_by(account_id) || self.editors.iter().any(|s| s.admits(world, account_id))
    }
}

/// The site's dashboards and the counter that numbers them.
#[derive(Debug, Clone)]
pub(crate) struct Dashboards {
    /// In creation order, so ids ascend; the system dashboard first.
    pub(crate) all: Vec<DashboardRecord>,
    next_id: u64,
}

impl Default for Dashboards {
    fn default() -> Self {
        Self {
            all: vec![DashboardRecord::system()],
            next_id: SYSTEM_DASHBOARD_ID + 1,
        }
    }
}

impl Dashboards {
    /// Hands out the next dashboard id.
    pub(crate) fn take_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Where the dashboard `id` names is, seen or not. An id that is not a
    /// number names none.
    pub(crate) fn position(&self, id: &str) -> Option<usize> {
        let id = id.parse::<u64>().ok()?;
        self.all.iter().position(|d| d.id == id)
    }

    pub(crate) fn owned_by(&self, account_id: &str) -> usize {
        self.all
            .iter()
            .filter(|d| d.is_owned_by(account_id))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::Seed;
    use crate::world::filter::ShareTarget;

    const ALICE: &str = "5b10ac8d82e05b22cc7d4a11";
    const BOB: &str = "5b10ac8d82e05b22cc7d4b0b";
    const CAROL: &str = "5b10ac8d82e05b22cc7d4ca1";

    #[test]
    fn owners_editors_and_shares_decide_who_sees_and_writes() {
        let world = World::from_seed(&Seed::default()).expect("the default seed");
        let system = &world.dashboards.all[0];
        assert!(system.visible_to(&world, CAROL));
        assert!(system.writable_by(&world, ALICE) && !system.writable_by(&world, BOB));
        let mut mine = DashboardRecord {
            owner: Some(BOB.to_owned()),
            ..DashboardRecord::system()
        };
        assert!(mine.visible_to(&world, BOB) && mine.writable_by(&world, BOB));
        assert!(!mine.visible_to(&world, CAROL) && !mine.writable_by(&world, ALICE));
        mine.editors.push(SharePermission {
            id: 1,
            target: ShareTarget::User(CAROL.to_owned()),
        });
        assert!(mine.visible_to(&world, CAROL) && mine.writable_by(&world, CAROL));
        assert_eq!(world.dashboards.position("10000"), Some(0));
        assert_eq!(world.dashboards.position("x"), None);
    }
}
