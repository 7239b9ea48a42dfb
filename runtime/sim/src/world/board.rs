//! Jira Software boards (`/rest/agile/1.0/board`): a board shows the issues of
//! its query, a project's (the scrum board Jira makes with each software
//! project) or a saved filter's (a board created from one).
//!
//! The world keeps every board once, in creation order, numbered from 1 as
//! Jira Software numbers them.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::seed::SeedPermission;

use super::World;
use super::quick_filter::QuickFilterRecord;

/// Jira Software numbers boards per site from 1.
pub(crate) const FIRST_BOARD_ID: u64 = 1;

/// Boards kept on the site. Jira Cloud documents no limit; the simulator needs
/// one because a board lives until deleted, so a client creating boards
/// without end would grow the simulator's memory without end. With names
/// capped below, each board costs under a kilobyte. Far more than an app's
/// tests create.
pub(crate) const MAX_BOARDS: usize = 1_000;

/// Characters of a board's name: the spec's "Must be less than 255
/// characters", which also bounds what a name costs to keep.
pub(crate) const MAX_BOARD_NAME_CHARS: usize = 255;

/// A board's type. `simple` boards (team-managed projects) are not modelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BoardKind {
    Scrum,
    Kanban,
}

impl BoardKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            BoardKind::Scrum => "scrum",
            BoardKind::Kanban => "kanban",
        }
    }

    pub(crate) fn named(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "scrum" => Some(BoardKind::Scrum),
            "kanban" => Some(BoardKind::Kanban),
            _ => None,
        }
    }
}

/// Which issues a board shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BoardQuery {
    /// Every issue of the project with this key: the board Jira makes with a
    /// project (its filter is `project = KEY ORDER BY Rank`).
    Project(String),
    /// The issues the saved filter with this id matches, read at each request
    /// (editing the filter changes the board, as in Jira).
    Filter(u64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BoardRecord {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) kind: BoardKind,
    pub(crate) query: BoardQuery,
    /// The key of the project the board is located in, if any (a board may
    /// also be located with a user: `None`).
    pub(crate) location: Option<String>,
    /// Account id of the board's administrator: its creator, or for a
    /// project's own board the project lead.
    pub(crate) admin: String,
    /// Board properties (`/board/{id}/properties`): key → any JSON value. Kept
    /// on the board, so deleting it drops them.
    pub(crate) properties: BTreeMap<String, Value>,
    /// The board's quick filters, in position order (`quick_filter.rs`).
    pub(crate) quick_filters: Vec<QuickFilterRecord>,
}

impl World {
    /// The board with this id, visible or not: the caller's right to it is the
    /// handler's to check ([`World::may_view_board`]).
    pub(crate) fn board(&self, id: u64) -> Option<&BoardRecord> {
        self.boards.iter().find(|b| b.id == id)
    }

    /// Hands out the next board id.
    pub(crate) fn take_board_id(&mut self) -> u64 {
        let id = self.next_board_id;
        self.next_board_id += 1;
        id
    }

    /// Whether `account_id` may view the board: as Jira ties a board's sharing
    /// to its filter's, those who may browse the project of a project's board,
    /// and those who may see the saved filter of a filter's board (none once
    /// the filter is deleted).
    pub(crate) fn may_view_board(&self, account_id: &str, board: &BoardRecord) -> bool {
        match &board.query {
            BoardQuery::Project(key) => self.may(account_id, key, SeedPermission::Browse),
            BoardQuery::Filter(id) => self
                .filters
                .position(*id)
                .and_then(|at| self.filters.all.get(at))
                .is_some_and(|f| f.visible_to(self, account_id)),
        }
    }

    /// Whether `account_id` may administer the board (delete it): a site admin
    /// (Jira administrator) or the board's administrator.
    pub(crate) fn administers_board(&self, account_id: &str, board: &BoardRecord) -> bool {
        board.admin == account_id || self.is_site_admin(account_id)
    }
}
