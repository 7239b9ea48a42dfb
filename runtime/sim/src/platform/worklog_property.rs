//! Worklog properties: app data stored on a worklog under a key
//! (`/rest/api/3/issue/{issueIdOrKey}/worklog/{worklogId}/properties/...`), what
//! a time-tracking app keeps beside the time it logs (a billing code, the
//! account the work is charged to). The rules are every entity property's
//! (`property.rs`: the key's length, the value's size, JSON).
//!
//! The worklog is found as its own operations find it (`worklog.rs`): on an
//! issue the caller may browse, and, when restricted to a group or role, only
//! by its members; anything else is the `404` of a worklog that does not exist.
//! An id that is not a number is the spec's `400` ("the worklog ID is
//! invalid"). Setting and deleting need the right to edit the worklog (Jira's
//! *Edit own/all worklogs*, the simulator's Edit, as for `updateWorklog`), else
//! the spec's `403`. The properties go with their worklog: `expand=properties`
//! on the worklog operations, `/worklog/list` and `/worklog/updated` shows them.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;

use super::IssueChildPath;
use super::property::{property_keys, property_value, read, remove, store};
use super::worklog::find;
use crate::access::Caller;
use crate::jira_error::JiraError;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::world::World;

/// `{worklogId}` is `id` in the router, as under the worklog's own route.
#[derive(Deserialize)]
pub(crate) struct PropertyPath {
    issue_id_or_key: String,
    id: String,
    property_key: String,
}

/// The issue index and worklog position, if the caller may see the worklog.
fn visible(
    world: &World,
    caller: &Caller,
    issue_id_or_key: &str,
    worklog_id: &str,
) -> Result<(usize, usize), JiraError> {
    if worklog_id.parse::<u64>().is_err() {
        return Err(JiraError::bad_request(format!(
            "The worklog ID '{worklog_id}' is invalid."
        )));
    }
    let path = IssueChildPath {
        issue_id_or_key: issue_id_or_key.to_owned(),
        id: worklog_id.to_owned(),
    };
    find(world, caller, &path)
}

/// As [`visible`], if the caller may also edit the worklog; `403` otherwise.
fn changeable(
    world: &World,
    caller: &Caller,
    path: &PropertyPath,
) -> Result<(usize, usize), JiraError> {
    let (index, position) = visible(world, caller, &path.issue_id_or_key, &path.id)?;
    if !world.may(
        &caller.account_id,
        &world.issues[index].project_key,
        SeedPermission::Edit,
    ) {
        return Err(JiraError::forbidden(
            "You do not have permission to edit the properties of this worklog.",
        ));
    }
    Ok((index, position))
}

/// `getWorklogPropertyKeys`.
pub(crate) async fn keys(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssueChildPath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let (index, position) = visible(&world, &caller, &path.issue_id_or_key, &path.id)?;
    let issue = &world.issues[index];
    let worklog = &issue.worklogs[position];
    let base = format!(
        "{}/rest/api/3/issue/{}/worklog/{}/properties",
        caller.links, issue.key, worklog.id
    );
    Ok(Json(property_keys(&base, worklog.properties.keys())))
}

/// `getWorklogProperty`.
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<PropertyPath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let (index, position) = visible(&world, &caller, &path.issue_id_or_key, &path.id)?;
    read(
        &world.issues[index].worklogs[position].properties,
        &path.property_key,
    )
}

/// `setWorklogProperty`: 201 when the key is new, 200 when it replaces a value.
pub(crate) async fn set(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<PropertyPath>,
    body: Bytes,
) -> Result<Response, JiraError> {
    let mut world = shared.world();
    let (index, position) = changeable(&world, &caller, &path)?;
    let value = property_value(&path.property_key, &body)?;
    Ok(store(
        &mut world.issues[index].worklogs[position].properties,
        &path.property_key,
        value,
    ))
}

/// `deleteWorklogProperty`: 204.
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<PropertyPath>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let (index, position) = changeable(&world, &caller, &path)?;
    remove(
        &mut world.issues[index].worklogs[position].properties,
        &path.property_key,
    )?;
    Ok(StatusCode::NO_CONTENT)
}
