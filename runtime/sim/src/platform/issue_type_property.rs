//! Issue type properties (`/rest/api/3/issuetype/{issueTypeId}/properties/...`):
//! app data stored on an issue type, as apps keep per-type configuration.
//!
//! Reading needs what reading the issue type needs (*Administer Jira*, or
//! *Browse projects* in a project using it: every simulated project uses every
//! issue type, so browsing any project will do); writing and deleting need
//! *Administer Jira*, the simulator's site admins. A caller who may not see the
//! issue type gets the 404 of one that does not exist, as the spec's 404
//! ("the user does not have the permission view the issue type") says; one who
//! sees it but may not write gets the spec's 403. An id that is not a number is
//! the spec's 400 ("the issue type ID is invalid").

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;

use super::property::{property_keys, property_value, read, remove, store};
use crate::access::Caller;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::World;
use crate::world::workflow::ISSUE_TYPES;

/// Path parameters; `id` as `/issuetype/{id}` names it, so the routes share
/// their parameter, and named so the gateway's extra `cloud_id` is ignored.
#[derive(Deserialize)]
pub(crate) struct IssueTypeOnly {
    #[serde(rename = "id")]
    issue_type_id: String,
}

#[derive(Deserialize)]
pub(crate) struct PropertyPath {
    #[serde(rename = "id")]
    issue_type_id: String,
    property_key: String,
}

/// The id of the issue type `id` names, if the caller may see it: 400 for an
/// id that is not a number, 404 for one that names no issue type or one the
/// caller may not see.
fn visible(world: &World, caller: &Caller, id: &str) -> Result<&'static str, JiraError> {
    // Digits only, and short enough for a Jira id (a long): a huge or odd id is
    // the spec's 400, not a parse that could overflow.
    let numeric = !id.is_empty() && id.len() <= 19 && id.bytes().all(|b| b.is_ascii_digit());
    if !numeric {
        return Err(JiraError::bad_request(format!(
            "The issue type ID '{id}' is invalid: it must be a number."
        )));
    }
    let sees =
        world.is_site_admin(&caller.account_id) || world.browses_any_project(&caller.account_id);
    ISSUE_TYPES
        .iter()
        .find(|t| t.id == id)
        .filter(|_| sees)
        .map(|t| t.id)
        .ok_or_else(|| {
            JiraError::not_found(format!("The issue type with id '{id}' does not exist."))
        })
}

/// The id of the issue type `id` names if the caller may also change its
/// properties (*Administer Jira*); the spec's 403 otherwise.
fn writable(world: &World, caller: &Caller, id: &str) -> Result<&'static str, JiraError> {
    let found = visible(world, caller, id)?;
    if !world.is_site_admin(&caller.account_id) {
        return Err(JiraError::forbidden(
            "You do not have permission to modify the properties of this issue type: it takes Administer Jira.",
        ));
    }
    Ok(found)
}

/// The issue type's properties; an issue type never written to has none.
fn properties<'w>(world: &'w World, id: &str) -> Option<&'w BTreeMap<String, Value>> {
    world.issue_type_properties.get(id)
}

/// `getIssueTypePropertyKeys`.
pub(crate) async fn keys(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssueTypeOnly>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let id = visible(&world, &caller, &path.issue_type_id)?;
    let base = format!("{}/rest/api/3/issuetype/{id}/properties", caller.links);
    let empty = BTreeMap::new();
    let stored = properties(&world, id).unwrap_or(&empty);
    Ok(Json(property_keys(&base, stored.keys())))
}

/// `getIssueTypeProperty`.
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<PropertyPath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let id = visible(&world, &caller, &path.issue_type_id)?;
    let empty = BTreeMap::new();
    read(properties(&world, id).unwrap_or(&empty), &path.property_key)
}

/// `setIssueTypeProperty`: 201 when the key is new, 200 when it replaces a
/// value. The body is any JSON value, so it is read as bytes and parsed here.
pub(crate) async fn set(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<PropertyPath>,
    body: Bytes,
) -> Result<Response, JiraError> {
    let mut world = shared.world();
    let id = writable(&world, &caller, &path.issue_type_id)?;
    let value = property_value(&path.property_key, &body)?;
    let stored = world
        .issue_type_properties
        .entry(id.to_owned())
        .or_default();
    Ok(store(stored, &path.property_key, value))
}

/// `deleteIssueTypeProperty`: 204, or 404 for a key the issue type does not
/// hold.
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<PropertyPath>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let id = writable(&world, &caller, &path.issue_type_id)?;
    let mut empty = BTreeMap::new();
    let stored = world
        .issue_type_properties
        .get_mut(id)
        .unwrap_or(&mut empty);
    remove(stored, &path.property_key)?;
    if world
        .issue_type_properties
        .get(id)
        .is_some_and(BTreeMap::is_empty)
    {
        world.issue_type_properties.remove(id);
    }
    Ok(StatusCode::NO_CONTENT)
}
