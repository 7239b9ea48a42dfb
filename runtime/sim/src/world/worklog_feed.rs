//! What the worklog feeds (`platform::worklog_feed`) read besides the worklogs
//! themselves: a worklog's restriction to a group or project role, and the
//! worklogs deleted, each with when.
//!
//! Jira keeps a record of each deleted worklog for `GET /worklog/deleted`, and
//! keeps it only for a while. The simulator keeps the newest
//! [`MAX_DELETED_WORKLOGS`] deletions and drops the oldest beyond that, so a
//! client that logs and deletes work without end cannot grow its memory without
//! end; a sync that polls the feed at all sees every deletion long before that.

use time::OffsetDateTime;

use super::World;

/// Deletions kept for `GET /worklog/deleted`: ten pages of the feed.
pub(crate) const MAX_DELETED_WORKLOGS: usize = 10_000;

/// Whom a worklog is restricted to. Both are kept by id, so a restriction
/// follows a group that is renamed, as Jira keys it by the group's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum WorklogVisibility {
    /// The members of the group with this id.
    Group { id: String },
    /// Who holds the project role with this id in the project.
    Role { id: u64 },
}

/// A worklog deleted, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DeletedWorklog {
    pub(crate) id: u64,
    pub(crate) deleted: OffsetDateTime,
}

impl World {
    /// Remembers that the worklogs `ids` were deleted now, dropping the oldest
    /// records beyond [`MAX_DELETED_WORKLOGS`].
    pub(crate) fn record_deleted_worklogs(&mut self, ids: impl IntoIterator<Item = u64>) {
        let deleted = self.now();
        for id in ids {
            self.deleted_worklogs
                .push_back(DeletedWorklog { id, deleted });
            if self.deleted_worklogs.len() > MAX_DELETED_WORKLOGS {
                self.deleted_worklogs.pop_front();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::Seed;

    #[test]
    fn deletions_are_kept_newest_first_up_to_the_bound() {
        let mut world = World::from_seed(&Seed::default()).expect("the default seed");
        world.record_deleted_worklogs(0..(MAX_DELETED_WORKLOGS as u64 + 5));
        assert_eq!(world.deleted_worklogs.len(), MAX_DELETED_WORKLOGS);
        assert_eq!(world.deleted_worklogs.front().map(|d| d.id), Some(5));
        assert_eq!(
            world.deleted_worklogs.back().map(|d| d.id),
            Some(MAX_DELETED_WORKLOGS as u64 + 4)
        );
    }
}
