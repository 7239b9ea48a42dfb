//! Listing and performing workflow transitions: those of the workflow the
//! issue's project uses (`world/site_workflows.rs`) that start from the issue's
//! status, as the workflows API last left it.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::IssuePath;
use super::issue::{Change, editable_issue, raise_updated, visible_issue};
use super::render;
use crate::access::Caller;
use crate::extract::{JiraJson, JiraQuery};
use crate::jira_error::JiraError;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::world::resolution::{Resolution, resolution_named};
use crate::world::site_workflows::TransitionKind;
use crate::world::{IssueRecord, World};

/// `getTransitions`'s query. `transitionId` narrows the list to one (none when the id
/// names no transition); the other parameters (`expand=transitions.fields`,
/// `skipRemoteOnlyCondition`, `includeUnavailableTransitions`, `sortByOpsBar`) change
/// nothing here: the simulator's transitions have no screens and no conditions
/// (the workflows API accepts neither, see `workflows/request.rs`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListQuery {
    transition_id: Option<String>,
}

pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssuePath>,
    JiraQuery(query): JiraQuery<ListQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let index = visible_issue(&world, &caller, &path.issue_id_or_key)?;
    let transitions = available(
        &caller.links,
        &world,
        &caller.account_id,
        &world.issues[index],
        query.transition_id.as_deref(),
    );
    Ok(Json(
        json!({ "expand": "transitions", "transitions": transitions }),
    ))
}

/// The transitions `account_id` may perform on `issue`, as `IssueTransition`s: those
/// of its project's workflow that start from its status (every `GLOBAL` one, and
/// the `DIRECTED` ones linked from it), or none for a caller without *Transition
/// issues* (folded into Edit), as the spec says of `getTransitions`; only `only`
/// when named. `getTransitions` answers these, and `expand=transitions` adds them
/// to an issue.
pub(crate) fn available(
    links: &str,
    world: &World,
    account_id: &str,
    issue: &IssueRecord,
    only: Option<&str>,
) -> Vec<Value> {
    if !world.may(account_id, &issue.project_key, SeedPermission::Edit) {
        return Vec::new();
    }
    world
        .workflows
        .transitions_from(world.workflow_of(issue), &issue.status.id)
        .into_iter()
        .filter(|(transition, _)| only.is_none_or(|id| id == transition.id))
        .map(|(transition, to)| {
            json!({
                "id": transition.id,
                "name": transition.name,
                "to": render::status(links, &to),
                "hasScreen": false,
                "isGlobal": transition.kind == TransitionKind::Global,
                "isInitial": false,
                "isAvailable": true,
                "isConditional": false,
                "isLooped": false,
            })
        })
        .collect()
}

#[derive(Deserialize)]
pub(crate) struct PerformInput {
    transition: Option<TransitionRef>,
    /// The transition screen's fields. Only `resolution` is read (Jira lets a
    /// transition into Done set it); the simulator's transitions have no screen
    /// and ignore the rest, as they always have.
    fields: Option<Value>,
}

#[derive(Deserialize)]
pub(crate) struct TransitionRef {
    id: Option<Value>,
}

pub(crate) async fn perform(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssuePath>,
    JiraJson(input): JiraJson<PerformInput>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let index = editable_issue(&world, &caller, &path.issue_id_or_key, Change::Transition)?;
    let id = match input.transition.and_then(|t| t.id) {
        Some(Value::String(id)) => id,
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(JiraError::bad_request("Missing 'transition' identifier")),
    };
    // Only a transition that starts from the issue's status: a `DIRECTED` one
    // from elsewhere is not valid for this issue, as on Jira.
    // The workflow the issue's project's scheme gives its type.
    let issue = &world.issues[index];
    let target = world
        .workflows
        .transition_from(world.workflow_of(issue), &issue.status.id, &id)
        .map(|(_, to)| to)
        .ok_or_else(|| {
            JiraError::bad_request(format!("Transition id '{id}' is not valid for this issue."))
        })?;
    let named = named_resolution(input.fields.as_ref())?;
    let now = world.now();
    let before = world.issues[index].clone();
    let issue = &mut world.issues[index];
    issue.move_to(target, named, now);
    issue.updated = now;
    raise_updated(&shared, &mut world, &caller, &before, index);
    Ok(StatusCode::NO_CONTENT)
}

/// The resolution a transition's `fields` name (`{"resolution": {"name": "Done"}}`
/// or by `id`), which a move into Done takes instead of the site's Done; a move
/// elsewhere clears the resolution whatever is named, as the default workflow
/// does. `null` or no `resolution` names none; one the site does not have is
/// Jira's `400` naming the field.
fn named_resolution(fields: Option<&Value>) -> Result<Option<&'static Resolution>, JiraError> {
    match fields.and_then(|f| f.get("resolution")) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => resolution_named(value).map(Some).ok_or_else(|| {
            JiraError::field(
                "resolution",
                "Specify a valid 'id' or 'name' for Resolution",
            )
        }),
    }
}
