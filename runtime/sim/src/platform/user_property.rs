//! User properties (`/rest/api/3/user/properties/...?accountId=`): app data stored
//! on a user. A user reads and writes their own; a site admin anyone's; anyone
//! else gets `403`, as the spec documents ("not accessing their user record").

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
use crate::extract::JiraQuery;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::World;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserQuery {
    account_id: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct PropertyPath {
    property_key: String,
}

/// Index of the user the query names, if the caller may touch their properties.
fn user(world: &World, caller: &Caller, query: &UserQuery) -> Result<usize, JiraError> {
    let account_id = query
        .account_id
        .as_deref()
        .filter(|id| !id.is_empty())
        .ok_or_else(|| JiraError::bad_request("The accountId query parameter is required."))?;
    let self_or_admin = account_id == caller.account_id || world.is_site_admin(&caller.account_id);
    if !self_or_admin {
        return Err(JiraError::forbidden(
            "You do not have permission to access the properties of this user.",
        ));
    }
    world
        .users
        .iter()
        .position(|u| u.account_id == account_id)
        .ok_or_else(|| {
            JiraError::not_found(format!(
                "The user with account ID '{account_id}' does not exist."
            ))
        })
}

pub(crate) async fn keys(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(query): JiraQuery<UserQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let index = user(&world, &caller, &query)?;
    let base = format!("{}/rest/api/3/user/properties", caller.links);
    Ok(Json(property_keys(
        &base,
        world.users[index].properties.keys(),
    )))
}

pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<PropertyPath>,
    JiraQuery(query): JiraQuery<UserQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let index = user(&world, &caller, &query)?;
    read(&world.users[index].properties, &path.property_key)
}

pub(crate) async fn set(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<PropertyPath>,
    JiraQuery(query): JiraQuery<UserQuery>,
    body: Bytes,
) -> Result<Response, JiraError> {
    let mut world = shared.world();
    let index = user(&world, &caller, &query)?;
    let value = property_value(&path.property_key, &body)?;
    Ok(store(
        &mut world.users[index].properties,
        &path.property_key,
        value,
    ))
}

pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<PropertyPath>,
    JiraQuery(query): JiraQuery<UserQuery>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let index = user(&world, &caller, &query)?;
    remove(&mut world.users[index].properties, &path.property_key)?;
    Ok(StatusCode::NO_CONTENT)
}
