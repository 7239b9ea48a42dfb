//! Board and sprint properties: app data Jira Software keeps on a board or a
//! sprint under a key, as the platform keeps it on issues, projects and users.
//! Each record holds its own (`BoardRecord::properties`,
//! `SprintRecord::properties`), so deleting a board or a sprint drops them.

use super::World;

/// Board and sprint properties kept on the site, all boards and sprints
/// together. Jira Cloud documents no limit on how many properties an entity
/// holds; the simulator needs one because a property lives until deleted and
/// each may hold 32 KB, so a client storing properties under ever new keys
/// would grow the simulator's memory without end. At 32 KB each, the cap
/// keeps them all under some 64 MB; far more than an app's tests store.
pub(crate) const MAX_AGILE_PROPERTIES: usize = 2_000;

impl World {
    /// How many board and sprint properties the site keeps: one pass over the
    /// boards and sprints, whose numbers are bounded (`MAX_BOARDS`,
    /// `MAX_SPRINTS`).
    pub(crate) fn agile_property_count(&self) -> usize {
        let on_boards: usize = self.boards.iter().map(|b| b.properties.len()).sum();
        let on_sprints: usize = self.sprints.iter().map(|s| s.properties.len()).sum();
        on_boards + on_sprints
    }
}
