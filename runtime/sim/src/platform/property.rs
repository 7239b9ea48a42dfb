//! Issue properties: app data stored on an issue under a key
//! (`/rest/api/3/issue/{issueIdOrKey}/properties/...`).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::issue::{Change, editable_issue, visible_issue};
use crate::access::Caller;
use crate::jira_error::JiraError;
use crate::shared::Shared;

/// Jira Cloud's limits: a key of at most 255 characters, a value of at most
/// 32,768 bytes of JSON.
const MAX_KEY_CHARS: usize = 255;
const MAX_VALUE_BYTES: usize = 32_768;

#[derive(Deserialize)]
pub(crate) struct PropertyPath {
    issue_id_or_key: String,
    property_key: String,
}

#[derive(Deserialize)]
pub(crate) struct IssueOnly {
    issue_id_or_key: String,
}

/// Checks a property write as Jira does for every entity: the key's length, the
/// value's size, and that the body is JSON. Shared by issue, project and user
/// properties.
pub(crate) fn property_value(key: &str, body: &[u8]) -> Result<Value, JiraError> {
    if key.chars().count() > MAX_KEY_CHARS {
        return Err(JiraError::bad_request(format!(
            "The property key cannot be longer than {MAX_KEY_CHARS} characters."
        )));
    }
    if body.len() > MAX_VALUE_BYTES {
        return Err(JiraError::bad_request(format!(
            "The property value cannot be longer than {MAX_VALUE_BYTES} bytes."
        )));
    }
    serde_json::from_slice(body)
        .map_err(|_| JiraError::bad_request("The property value must be a valid JSON value."))
}

/// A `PropertyKeys` body: each key with its `self` under `base`.
pub(crate) fn property_keys<'a>(base: &str, keys: impl Iterator<Item = &'a String>) -> Value {
    let keys: Vec<Value> = keys
        .map(|key| json!({ "key": key, "self": format!("{base}/{key}") }))
        .collect();
    json!({ "keys": keys })
}

/// An entity's properties as a list of `EntityProperty` (`{"key", "value"}`),
/// as an `expand=properties` shows them.
pub(crate) fn entity_properties(properties: &BTreeMap<String, Value>) -> Value {
    properties
        .iter()
        .map(|(key, value)| json!({ "key": key, "value": value }))
        .collect()
}

fn not_found(key: &str) -> JiraError {
    JiraError::not_found(format!("The property with key '{key}' does not exist."))
}

/// A `EntityProperty` body for `key` in `properties`, or Jira's 404.
pub(crate) fn read(
    properties: &BTreeMap<String, Value>,
    key: &str,
) -> Result<Json<Value>, JiraError> {
    let value = properties.get(key).ok_or_else(|| not_found(key))?;
    Ok(Json(json!({ "key": key, "value": value })))
}

/// Stores `value` under `key`: `201` when the key is new, `200` when it replaces
/// a value, each with an empty object, as every `set…Property` answers.
pub(crate) fn store(properties: &mut BTreeMap<String, Value>, key: &str, value: Value) -> Response {
    let status = match properties.insert(key.to_owned(), value) {
        None => StatusCode::CREATED,
        Some(_) => StatusCode::OK,
    };
    (status, Json(json!({}))).into_response()
}

/// Removes `key` from `properties`, or Jira's 404 when there is none.
pub(crate) fn remove(properties: &mut BTreeMap<String, Value>, key: &str) -> Result<(), JiraError> {
    properties
        .remove(key)
        .map(drop)
        .ok_or_else(|| not_found(key))
}

/// Raises the webhook of a change to issue property `key` on the issue at
/// `index` (`issue_property_set` with its new `value`, `issue_property_deleted`
/// for `None`): one step for the single and the bulk writes.
pub(crate) fn announce(
    shared: &Shared,
    world: &crate::world::World,
    caller: &Caller,
    index: usize,
    key: &str,
    value: Option<&Value>,
) {
    let raised =
        shared
            .event_context(world, caller)
            .issue_property(&world.issues[index], key, value);
    shared.emit(world, raised);
}

pub(crate) async fn keys(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssueOnly>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let index = visible_issue(&world, &caller, &path.issue_id_or_key)?;
    let issue = &world.issues[index];
    let base = format!("{}/rest/api/3/issue/{}/properties", caller.links, issue.id);
    Ok(Json(property_keys(&base, issue.properties.keys())))
}

pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<PropertyPath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let index = visible_issue(&world, &caller, &path.issue_id_or_key)?;
    read(&world.issues[index].properties, &path.property_key)
}

/// `setIssueProperty`: 201 when the key is new, 200 when it replaces a value. The
/// body is any JSON value, so it is read as bytes and parsed here.
pub(crate) async fn set(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<PropertyPath>,
    body: Bytes,
) -> Result<Response, JiraError> {
    let mut world = shared.world();
    let index = editable_issue(&world, &caller, &path.issue_id_or_key, Change::Property)?;
    let value = property_value(&path.property_key, &body)?;
    let stored = store(
        &mut world.issues[index].properties,
        &path.property_key,
        value.clone(),
    );
    announce(
        &shared,
        &world,
        &caller,
        index,
        &path.property_key,
        Some(&value),
    );
    Ok(stored)
}

pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<PropertyPath>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let index = editable_issue(
        &world,
        &caller,
        &path.issue_id_or_key,
        Change::PropertyDelete,
    )?;
    remove(&mut world.issues[index].properties, &path.property_key)?;
    announce(&shared, &world, &caller, index, &path.property_key, None);
    Ok(StatusCode::NO_CONTENT)
}
