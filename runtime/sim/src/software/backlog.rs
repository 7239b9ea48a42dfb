//! Moving issues: into a sprint (`moveIssuesToSprintAndRank`) and to the
//! backlog (`moveIssuesToBacklog`, which takes them out of their future and
//! active sprints, and `moveIssuesToBacklogForBoard`, the same for issues on
//! one board, ranked as a move into a sprint is). At most 50 issues a move, all or none: each must be one
//! the caller may browse (else a 400 naming it) and edit (Jira's *Schedule
//! issues*; else the spec's 403). Each issue whose Sprint field changes gets a
//! changelog entry for it. A move into a sprint ranks its issues before or
//! after another (`rankBeforeIssue`, `rankAfterIssue`: an issue the caller may
//! browse, else a 400 naming it; `rank.rs`) when the body says so, and leaves
//! their rank alone otherwise; moving a parent does not move its sub-tasks.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Map, Value};

use super::input::issue_list;
use super::issues::board_issues;
use super::rank::issue_place;
use super::{BoardPath, SprintPath, visible_board, visible_sprint};
use crate::access::Caller;
use crate::extract::JiraJson;
use crate::jira_error::JiraError;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::world::board::BoardKind;
use crate::world::rank::Place;
use crate::world::{HistoryRecord, World};

/// `moveIssuesToSprintAndRank`: 204. The sprint must be future or active.
/// The issues are ranked at the body's place, if it names one, in the order
/// asked for; the issue they are ranked next to stays where it is, should it
/// be among them.
pub(crate) async fn to_sprint(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SprintPath>,
    JiraJson(body): JiraJson<Map<String, Value>>,
) -> Result<StatusCode, JiraError> {
    let wanted = issue_list(&body)?;
    let mut world = shared.world();
    let sprint = visible_sprint(&world, &caller, &path.sprint_id)?;
    if !sprint.state.is_open() {
        return Err(JiraError::bad_request(format!(
            "Issues can only be moved to future or active sprints; sprint {} is closed.",
            sprint.id
        )));
    }
    let to = sprint.id;
    let place = issue_place(&world, &caller, &body)?;
    let indexes = changeable(&world, &caller, &wanted, "schedule")?;
    move_all(&mut world, &caller, &indexes, Some(to));
    rank_moved(&mut world, &indexes, place);
    Ok(StatusCode::NO_CONTENT)
}

/// `moveIssuesToBacklog`: 204.
pub(crate) async fn to_backlog(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraJson(body): JiraJson<Map<String, Value>>,
) -> Result<StatusCode, JiraError> {
    let wanted = issue_list(&body)?;
    let mut world = shared.world();
    let indexes = changeable(&world, &caller, &wanted, "schedule")?;
    move_all(&mut world, &caller, &indexes, None);
    Ok(StatusCode::NO_CONTENT)
}

/// `moveIssuesToBacklogForBoard`: 204. The board must be one the caller may
/// view (else the 404 of a board), and every issue one on it ("if they are
/// already on that board": else a 400 naming the first that is not); then as
/// `moveIssuesToBacklog`, ranked at the body's place when it names one, as a
/// move into a sprint is. A kanban board's backlog (Jira's "kanban board with
/// backlog", whose issues this moves back from the board) is not modelled:
/// the simulator's 501 says so.
pub(crate) async fn to_board_backlog(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<BoardPath>,
    JiraJson(body): JiraJson<Map<String, Value>>,
) -> Result<StatusCode, JiraError> {
    let wanted = issue_list(&body)?;
    let mut world = shared.world();
    let board = visible_board(&world, &caller, &path.board_id)?;
    if board.kind != BoardKind::Scrum {
        return Err(JiraError::not_modelled(
            "The simulator does not model a kanban board's backlog: moveIssuesToBacklogForBoard \
             takes a scrum board's issues out of their sprints.",
        ));
    }
    let place = issue_place(&world, &caller, &body)?;
    let indexes = changeable(&world, &caller, &wanted, "schedule")?;
    let on_board: Vec<u64> = board_issues(&world, &caller, board)?
        .iter()
        .map(|issue| issue.id)
        .collect();
    if let Some(&off) = indexes
        .iter()
        .find(|&&index| !on_board.contains(&world.issues[index].id))
    {
        return Err(JiraError::field(
            "issues",
            format!(
                "Issue {} is not on board {}.",
                world.issues[off].key, board.id
            ),
        ));
    }
    move_all(&mut world, &caller, &indexes, None);
    rank_moved(&mut world, &indexes, place);
    Ok(StatusCode::NO_CONTENT)
}

/// Ranks the moved issues at `place`, in the order asked for, when the body
/// named one; leaves their rank alone otherwise.
fn rank_moved(world: &mut World, indexes: &[usize], place: Option<Place>) {
    if let Some(place) = place {
        let ids: Vec<u64> = indexes.iter().map(|&i| world.issues[i].id).collect();
        world.rank_issues(&ids, place);
    }
}

/// The indexes of the issues `wanted` names, each once and in the order
/// named, if the caller may browse (else a 400 naming the issue, the same for
/// one that does not exist) and edit every one of them (else a 403 saying
/// they may not `verb` it: *Schedule issues* for moves and ranks, *Edit
/// issues* for epics, both the simulator's Edit).
pub(super) fn changeable(
    world: &World,
    caller: &Caller,
    wanted: &[String],
    verb: &str,
) -> Result<Vec<usize>, JiraError> {
    let mut indexes = Vec::new();
    for key in wanted {
        let index = world
            .visible_issue(&caller.account_id, key)
            .ok_or_else(|| {
                JiraError::bad_request(format!(
                    "Issue '{key}' does not exist or you do not have permission to see it."
                ))
            })?;
        let issue = &world.issues[index];
        if !world.may(&caller.account_id, &issue.project_key, SeedPermission::Edit) {
            return Err(JiraError::forbidden(format!(
                "You do not have permission to {verb} issue {}.",
                issue.key
            )));
        }
        if !indexes.contains(&index) {
            indexes.push(index);
        }
    }
    Ok(indexes)
}

/// Moves each issue to sprint `to` (`None`: the backlog), recording the
/// change of its Sprint field.
fn move_all(world: &mut World, caller: &Caller, indexes: &[usize], to: Option<u64>) {
    for &index in indexes {
        let Some(item) = world.move_to_sprint(index, to) else {
            continue;
        };
        let id = world.take_changelog_id();
        let now = world.now();
        let issue = &mut world.issues[index];
        issue.updated = now;
        issue.record_history(HistoryRecord {
            id,
            author: caller.account_id.clone(),
            created: now,
            items: vec![item],
        });
    }
}
