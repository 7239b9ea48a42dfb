//! Votes on an issue (`/rest/api/3/issue/{issueIdOrKey}/votes`): read them, vote,
//! and take a vote back. Voting is always on, as on a new Jira Cloud site.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::IssuePath;
use super::issue::visible_issue;
use super::render;
use crate::access::Caller;
use crate::jira_error::JiraError;
use crate::shared::Shared;

/// `getVotes`. The voters are listed to everyone who sees the issue: the
/// simulator has no "View voters and watchers" permission to withhold them by
/// (the watcher list is not withheld either).
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssuePath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let index = visible_issue(&world, &caller, &path.issue_id_or_key)?;
    let issue = &world.issues[index];
    let voters: Vec<Value> = issue
        .voters
        .iter()
        .filter_map(|id| world.user(id))
        .map(|user| render::user(&caller.links, user))
        .collect();
    Ok(Json(json!({
        "self": format!("{}/rest/api/3/issue/{}/votes", caller.links, issue.key),
        "votes": voters.len(),
        "hasVoted": issue.voters.contains(&caller.account_id),
        "voters": voters,
    })))
}

/// `addVote`: the caller votes (a vote is always the caller's own). Voting twice
/// is one vote. Jira refuses the reporter a vote for their own issue.
pub(crate) async fn add(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssuePath>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let index = visible_issue(&world, &caller, &path.issue_id_or_key)?;
    let issue = &mut world.issues[index];
    if issue.reporter == caller.account_id {
        return Err(JiraError::bad_request(
            "You cannot vote for an issue you have reported.",
        ));
    }
    if !issue.voters.contains(&caller.account_id) {
        issue.voters.push(caller.account_id.clone());
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `removeVote`: the caller takes back their vote; with no vote to take back,
/// 404 as the spec lists ("the user has not voted on the issue").
pub(crate) async fn remove(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssuePath>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let index = visible_issue(&world, &caller, &path.issue_id_or_key)?;
    let voters = &mut world.issues[index].voters;
    let before = voters.len();
    voters.retain(|id| *id != caller.account_id);
    if voters.len() == before {
        return Err(JiraError::not_found(
            "You cannot remove a vote from an issue you have not voted on.",
        ));
    }
    Ok(StatusCode::NO_CONTENT)
}
