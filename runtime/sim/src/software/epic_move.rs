//! Moving issues into an epic (`moveIssuesToEpic`) and out of theirs
//! (`removeIssuesFromEpic`): each sets or clears the issue's parent, which is
//! what an epic's issues are (`world::hierarchy`).
//!
//! At most 50 issues a move, all or none, each one the caller may browse
//! (else a 400 naming it) and edit (else the spec's 403); moving into an epic
//! also needs the right to edit the epic. Only standard issues are in epics:
//! an epic or a sub-task in the list is a 400 naming it, as Jira refuses
//! them. An issue already in another epic leaves it (an issue is in one epic
//! at a time), and one across projects may join (company-managed epics hold
//! issues of any project).
//!
//! Each issue whose parent changes is written as the platform's edit of
//! `parent` writes it: `updated`, a changelog entry
//! (`IssueParentAssociation`) and `jira:issue_updated` with that entry
//! (`platform::issue::raise_updated`). An issue already where it is asked to
//! be is left alone and raises nothing.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Map, Value};

use super::backlog::changeable;
use super::epic::{EpicPath, visible_epic};
use super::input::issue_list;
use crate::access::Caller;
use crate::extract::JiraJson;
use crate::jira_error::JiraError;
use crate::platform::issue::raise_updated;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::world::World;
use crate::world::hierarchy::check_parent;

/// `moveIssuesToEpic`: 204.
pub(crate) async fn to_epic(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<EpicPath>,
    JiraJson(body): JiraJson<Map<String, Value>>,
) -> Result<StatusCode, JiraError> {
    let wanted = issue_list(&body)?;
    let mut world = shared.world();
    let epic_index = visible_epic(&world, &caller, &path.epic_id_or_key)?;
    let epic = &world.issues[epic_index];
    if !world.may(&caller.account_id, &epic.project_key, SeedPermission::Edit) {
        return Err(JiraError::forbidden(format!(
            "You do not have permission to edit epic {}.",
            epic.key
        )));
    }
    let indexes = changeable(&world, &caller, &wanted, "edit")?;
    for &index in &indexes {
        let issue = &world.issues[index];
        if check_parent(&issue.issue_type, &issue.project_key, epic).is_err() {
            return Err(not_in_epics(&world, index));
        }
    }
    let epic_id = epic.id;
    set_parents(&shared, &mut world, &caller, &indexes, Some(epic_id));
    Ok(StatusCode::NO_CONTENT)
}

/// `removeIssuesFromEpic`: 204. An issue in no epic is left as it is.
pub(crate) async fn from_epics(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraJson(body): JiraJson<Map<String, Value>>,
) -> Result<StatusCode, JiraError> {
    let wanted = issue_list(&body)?;
    let mut world = shared.world();
    let indexes = changeable(&world, &caller, &wanted, "edit")?;
    for &index in &indexes {
        let issue = &world.issues[index];
        if issue.is_epic() || issue.issue_type.is_subtask() {
            return Err(not_in_epics(&world, index));
        }
    }
    set_parents(&shared, &mut world, &caller, &indexes, None);
    Ok(StatusCode::NO_CONTENT)
}

/// The 400 for an issue that cannot be in an epic: an epic (Jira Cloud's
/// hierarchy has no level above epics without Premium), or a sub-task (which
/// is under a standard issue, never directly under an epic).
fn not_in_epics(world: &World, index: usize) -> JiraError {
    let issue = &world.issues[index];
    let why = if issue.is_epic() {
        "is an epic, and an epic cannot be in another epic"
    } else {
        "is a sub-task, and a sub-task is in its parent's epic, not in one of its own"
    };
    JiraError::bad_request(format!(
        "Issue {} {why}: only standard issues can be moved to or removed from an epic.",
        issue.key
    ))
}

/// Sets the parent of each issue to `parent`, as the platform's edit would.
fn set_parents(
    shared: &Shared,
    world: &mut World,
    caller: &Caller,
    indexes: &[usize],
    parent: Option<u64>,
) {
    for &index in indexes {
        if world.issues[index].parent == parent {
            continue;
        }
        let before = world.issues[index].clone();
        let now = world.now();
        let issue = &mut world.issues[index];
        issue.parent = parent;
        issue.updated = now;
        raise_updated(shared, world, caller, &before, index);
    }
}
