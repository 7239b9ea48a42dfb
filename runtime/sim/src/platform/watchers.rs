//! Who watches an issue (`/rest/api/3/issue/{issueIdOrKey}/watchers`), and
//! which of many issues the caller watches (`POST /rest/api/3/issue/watching`).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::IssuePath;
use super::issue::visible_issue;
use super::render;
use crate::access::Caller;
use crate::extract::{JiraJson, JiraQuery};
use crate::jira_error::JiraError;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::world::World;

pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssuePath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let index = visible_issue(&world, &caller, &path.issue_id_or_key)?;
    let issue = &world.issues[index];
    let watchers: Vec<Value> = issue
        .watchers
        .iter()
        .filter_map(|id| world.user(id))
        .map(|user| render::user_details(&caller.links, user))
        .collect();
    Ok(Json(json!({
        "self": format!("{}/rest/api/3/issue/{}/watchers", caller.links, issue.key),
        "isWatching": issue.watchers.contains(&caller.account_id),
        "watchCount": watchers.len(),
        "watchers": watchers,
    })))
}

/// The issue's index, if `caller` may change who watches it on behalf of
/// `account_id`: anyone who sees the issue may (un)watch it themselves; changing
/// someone else's watch needs the Edit permission here (Jira's "Manage watchers").
fn watch_list_issue(
    world: &World,
    caller: &Caller,
    id_or_key: &str,
    account_id: &str,
) -> Result<usize, JiraError> {
    let index = visible_issue(world, caller, id_or_key)?;
    let project = &world.issues[index].project_key;
    if account_id != caller.account_id
        && !world.may(&caller.account_id, project, SeedPermission::Edit)
    {
        return Err(JiraError::forbidden(
            "You do not have the permission to manage the watcher list.",
        ));
    }
    if !world.may(account_id, project, SeedPermission::Browse) {
        return Err(JiraError::not_found(format!(
            "The user \"{account_id}\" does not have permission to view this issue."
        )));
    }
    Ok(index)
}

/// `addWatcher`: the body is a JSON string, the account id; no body (or `null`)
/// means the caller, as the spec says "if no user is specified the calling user is
/// added".
pub(crate) async fn add(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssuePath>,
    body: Bytes,
) -> Result<StatusCode, JiraError> {
    let account_id = if body.iter().all(u8::is_ascii_whitespace) {
        caller.account_id.clone()
    } else {
        match serde_json::from_slice::<Value>(&body) {
            Ok(Value::String(id)) => id,
            Ok(Value::Null) => caller.account_id.clone(),
            _ => return Err(JiraError::invalid_payload()),
        }
    };
    let mut world = shared.world();
    if world.user(&account_id).is_none() {
        return Err(JiraError::bad_request(format!(
            "The user \"{account_id}\" does not exist."
        )));
    }
    let index = watch_list_issue(&world, &caller, &path.issue_id_or_key, &account_id)?;
    let watchers = &mut world.issues[index].watchers;
    if !watchers.contains(&account_id) {
        watchers.push(account_id);
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RemoveQuery {
    account_id: Option<String>,
}

/// `removeWatcher`: `?accountId=` names who stops watching (required).
pub(crate) async fn remove(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssuePath>,
    JiraQuery(query): JiraQuery<RemoveQuery>,
) -> Result<StatusCode, JiraError> {
    let account_id = query
        .account_id
        .filter(|id| !id.is_empty())
        .ok_or_else(|| JiraError::bad_request("accountId must be provided."))?;
    let mut world = shared.world();
    let index = watch_list_issue(&world, &caller, &path.issue_id_or_key, &account_id)?;
    world.issues[index].watchers.retain(|id| *id != account_id);
    Ok(StatusCode::NO_CONTENT)
}

/// The most issue ids one `POST /issue/watching` reads. The spec gives no bound;
/// this one is the simulator's, so a client cannot make one request walk the
/// site for an unbounded list (each id is a lookup).
pub(crate) const MAX_WATCHING_IDS: usize = 1_000;

/// `IssueList`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct IssueList {
    issue_ids: Vec<String>,
}

/// `getIsWatchingIssueBulk`: `BulkIssueIsWatching`, each id given mapped to
/// whether the caller watches that issue. "If an issue ID is invalid, the
/// returned watched status is `false`": so is an issue the caller may not see,
/// which the answer does not tell apart from one that does not exist, and a
/// key (the operation takes ids).
pub(crate) async fn watching(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraJson(list): JiraJson<IssueList>,
) -> Result<Json<Value>, JiraError> {
    if list.issue_ids.len() > MAX_WATCHING_IDS {
        return Err(JiraError::bad_request(format!(
            "At most {MAX_WATCHING_IDS} issue IDs can be checked at once."
        )));
    }
    let world = shared.world();
    let watching: serde_json::Map<String, Value> = list
        .issue_ids
        .into_iter()
        .map(|id| {
            let watched = !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_digit())
                && world
                    .visible_issue(&caller.account_id, &id)
                    .is_some_and(|index| world.issues[index].watchers.contains(&caller.account_id));
            (id, Value::Bool(watched))
        })
        .collect();
    Ok(Json(json!({ "issuesIsWatching": watching })))
}
