//! Jira Software's rank: one order of all the site's issues (the Rank field),
//! which boards, backlogs and the agile issue lists follow and `ORDER BY Rank`
//! sorts by. Jira keeps it as LexoRank strings; the simulator keeps what they
//! encode, the order, as a number per issue ([`IssueRecord::rank`]), lower
//! first, never shown.
//!
//! A new issue ranks last, as a new site ranks it: its rank is its id, and no
//! rank ever grows past the largest id handed out (ranking only moves issues
//! down the number line, below), so the next id is above every rank.
//!
//! Ranking moves some issues to just before or just after another, in the
//! order asked for, and keeps the order of all the rest. It is one pass over
//! the site's issues whatever the input: the issues ranked before the place
//! move down by as many as are being moved, which frees the numbers just
//! below it for them. No gap can run out, so nothing is ever renumbered, and
//! ranks stay distinct: `i64` leaves room for some 10^17 requests of 50
//! issues below the first id before saturating.

use std::collections::HashMap;

use super::{IssueRecord, World};

/// The number of Jira Cloud's Rank field (`customfield_10019` on every cloud
/// site), which `rankCustomFieldId` may name.
pub(crate) const RANK_FIELD_NUMBER: u64 = 10_019;

/// The rank of a new issue with id `id`: last ([`World::rank_issues`]).
pub(crate) fn initial_rank(id: u64) -> i64 {
    i64::try_from(id).unwrap_or(i64::MAX)
}

/// Where ranked issues go: just before or just after the issue with this id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    Before(u64),
    After(u64),
}

impl Place {
    /// The id of the issue the place is next to.
    pub(crate) fn target(self) -> u64 {
        match self {
            Place::Before(id) | Place::After(id) => id,
        }
    }
}

/// Sorts `issues` into rank order.
pub(crate) fn in_rank_order(issues: &mut [&IssueRecord]) {
    issues.sort_by_key(|issue| issue.rank);
}

impl World {
    /// Moves the issues with ids `moving`, in that order, to `place`. An id
    /// repeated counts once (its first place); the target itself stays where
    /// it is, and an id of no issue moves nothing (the number it would have
    /// taken is left unused, which keeps ranks distinct). Linear in the
    /// site's issues plus `moving`.
    pub(crate) fn rank_issues(&mut self, moving: &[u64], place: Place) {
        let target = place.target();
        let Some(target_rank) = self.issue_by_id(target).map(|issue| issue.rank) else {
            return;
        };
        // Each id's position among those moving, first occurrence first.
        let mut order: HashMap<u64, i64> = HashMap::with_capacity(moving.len());
        for &id in moving {
            if id != target {
                let next = i64::try_from(order.len()).unwrap_or(i64::MAX);
                order.entry(id).or_insert(next);
            }
        }
        if order.is_empty() {
            return;
        }
        let count = i64::try_from(order.len()).unwrap_or(i64::MAX);
        // The moving issues take the `count` numbers below `bound`; every
        // other issue below it moves down by `count` to make room.
        let bound = match place {
            Place::Before(_) => target_rank,
            Place::After(_) => target_rank.saturating_add(1),
        };
        let first = bound.saturating_sub(count);
        for issue in &mut self.issues {
            if let Some(position) = order.get(&issue.id) {
                issue.rank = first.saturating_add(*position);
            } else if issue.rank < bound {
                issue.rank = issue.rank.saturating_sub(count);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::Seed;

    /// The default seed's issues, keys in rank order.
    fn ranked(world: &World) -> Vec<String> {
        let mut issues: Vec<&IssueRecord> = world.issues.iter().collect();
        in_rank_order(&mut issues);
        issues.iter().map(|i| i.key.clone()).collect()
    }

    fn id(world: &World, key: &str) -> u64 {
        world
            .issues
            .iter()
            .find(|i| i.key == key)
            .map(|i| i.id)
            .expect(key)
    }

    #[test]
    fn ranking_moves_issues_next_to_another_and_keeps_the_rest() {
        let mut world = World::from_seed(&Seed::default()).expect("the default seed");
        let start = ranked(&world);
        assert_eq!(start[..3], ["KILN-1", "KILN-2", "KILN-3"], "creation order");
        let (k1, k3, k5, k6) = (
            id(&world, "KILN-1"),
            id(&world, "KILN-3"),
            id(&world, "KILN-5"),
            id(&world, "KILN-6"),
        );
        world.rank_issues(&[k5, k1, k5], Place::Before(k3));
        assert_eq!(
            ranked(&world)[..6],
            ["KILN-2", "KILN-5", "KILN-1", "KILN-3", "KILN-4", "KILN-6"]
        );
        world.rank_issues(&[k3], Place::After(k6));
        assert_eq!(
            ranked(&world)[..6],
            ["KILN-2", "KILN-5", "KILN-1", "KILN-4", "KILN-6", "KILN-3"]
        );
        // Relative to itself, or to nothing: nothing moves.
        let before = ranked(&world);
        world.rank_issues(&[k3], Place::Before(k3));
        world.rank_issues(&[k1], Place::After(u64::MAX));
        world.rank_issues(&[u64::MAX], Place::After(k1));
        assert_eq!(ranked(&world), before);
        // Ranks stay distinct, and below the next id: a new issue is last.
        let mut ranks: Vec<i64> = world.issues.iter().map(|i| i.rank).collect();
        ranks.sort_unstable();
        ranks.dedup();
        assert_eq!(ranks.len(), world.issues.len());
        assert!(ranks.iter().all(|r| *r < initial_rank(world.next_issue_id)));
    }

    #[test]
    fn ranking_after_the_last_issue_leaves_room_for_new_ones() {
        let mut world = World::from_seed(&Seed::default()).expect("the default seed");
        let last = world.issues.iter().map(|i| i.id).max().expect("issues");
        let first = world.issues[0].id;
        for _ in 0..1_000 {
            world.rank_issues(&[first], Place::After(last));
            world.rank_issues(&[last], Place::After(first));
        }
        assert!(
            world
                .issues
                .iter()
                .all(|i| i.rank < initial_rank(world.next_issue_id))
        );
    }
}
