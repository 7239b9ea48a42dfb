//! The members of Jira Software's objects in expressions, `Board` and
//! `Sprint`, as Jira's type reference documents them, read from the site
//! under the caller's permissions (the agile API's rules: `World::may_view_board`,
//! `World::may_view_sprint`).

use super::beans::{MemberError, Site};
use super::complexity::Complexity;
use super::value::{Bean, Value};
use crate::world::board::BoardRecord;
use crate::world::sprint::{SprintRecord, SprintState};

pub(super) const BOARD_MEMBERS: &[&str] = &["activeSprints", "canAdminister", "id"];
/// `Board` members of Jira's the simulator does not model: reading one is its
/// 501.
pub(super) const BOARD_MEMBERS_NOT_MODELLED: &[&str] = &["properties"];
pub(super) const SPRINT_MEMBERS: &[&str] = &[
    "completeDate",
    "endDate",
    "goal",
    "id",
    "name",
    "startDate",
    "state",
];
pub(super) const SPRINT_MEMBERS_NOT_MODELLED: &[&str] = &["properties"];

impl Site<'_> {
    /// The board with this id, if the caller may view it.
    pub(crate) fn board(&self, id: u64) -> Option<&BoardRecord> {
        self.world
            .board(id)
            .filter(|board| self.world.may_view_board(self.account_id, board))
    }

    /// The sprint with this id, if the caller may view it.
    pub(crate) fn sprint(&self, id: u64) -> Option<&SprintRecord> {
        self.world
            .sprint(id)
            .filter(|sprint| self.world.may_view_sprint(self.account_id, sprint))
    }
}

/// The member `name` of `board`, or `None` when the simulator has no such
/// member (the caller tells Jira's unmodelled members from unknown ones).
pub(super) fn board_member<'a>(
    site: &Site<'_>,
    complexity: &mut Complexity,
    board: &BoardRecord,
    name: &str,
) -> Result<Option<Value<'a>>, MemberError> {
    Ok(Some(match name {
        "id" => Value::Number(board.id as f64),
        "canAdminister" => Value::Bool(site.world.administers_board(site.account_id, board)),
        // The board's active sprints, as `GET /board/{id}/sprint?state=active`
        // lists them: those created on it, by id. Loading them is one
        // expensive operation, as an issue's comments are.
        "activeSprints" => {
            complexity
                .load(format!("activeSprints:{}", board.id))
                .map_err(MemberError::Limit)?;
            let active = site
                .world
                .sprints
                .iter()
                .filter(|s| s.origin_board_id == board.id && s.state == SprintState::Active)
                .map(|s| Value::bean(Bean::Sprint(s.id)))
                .collect();
            Value::list(active).map_err(MemberError::TooDeep)?
        }
        _ => return Ok(None),
    }))
}

/// The member `name` of `sprint`, or `None` when the simulator has no such
/// member. A date not set is `null`; a goal not set is empty, as the agile API
/// answers it (`software/shape.rs`).
pub(super) fn sprint_member<'a>(sprint: &SprintRecord, name: &str) -> Option<Value<'a>> {
    let date =
        |at: Option<time::OffsetDateTime>| at.map_or(Value::Null, |at| Value::bean(Bean::Date(at)));
    Some(match name {
        "id" => Value::Number(sprint.id as f64),
        "state" => Value::string(sprint.state.as_str()),
        "name" => Value::string(sprint.name.as_str()),
        "goal" => Value::string(sprint.goal.as_deref().unwrap_or_default()),
        "startDate" => date(sprint.start_date),
        "endDate" => date(sprint.end_date),
        "completeDate" => date(sprint.complete_date),
        _ => return None,
    })
}
