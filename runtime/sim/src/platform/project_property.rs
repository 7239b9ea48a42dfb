//! Project properties (`/rest/api/3/project/{projectIdOrKey}/properties/...`):
//! app data stored on a project. Reading needs Browse; writing needs the right to
//! administer the project, which the simulator gives to the project lead and site
//! admins (`403` otherwise, as `setProjectProperty` documents).

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
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::world::World;

#[derive(Deserialize)]
pub(crate) struct ProjectOnly {
    project_id_or_key: String,
}

#[derive(Deserialize)]
pub(crate) struct PropertyPath {
    project_id_or_key: String,
    property_key: String,
}

/// Index of the project if the caller may browse it; Jira's 404 otherwise.
fn visible(world: &World, caller: &Caller, id_or_key: &str) -> Result<usize, JiraError> {
    world
        .projects
        .iter()
        .position(|p| {
            (p.id == id_or_key || p.key.eq_ignore_ascii_case(id_or_key))
                && p.grants(&caller.account_id, SeedPermission::Browse)
        })
        .ok_or_else(|| {
            JiraError::not_found(format!("No project could be found with key '{id_or_key}'."))
        })
}

fn administrable(world: &World, caller: &Caller, id_or_key: &str) -> Result<usize, JiraError> {
    let index = visible(world, caller, id_or_key)?;
    let project = &world.projects[index];
    let admin = project.lead == caller.account_id || world.is_site_admin(&caller.account_id);
    if !admin {
        return Err(JiraError::forbidden(
            "You do not have permission to administer this project.",
        ));
    }
    Ok(index)
}

fn properties(world: &World, index: usize) -> &BTreeMap<String, Value> {
    &world.projects[index].properties
}

pub(crate) async fn keys(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ProjectOnly>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let index = visible(&world, &caller, &path.project_id_or_key)?;
    let base = format!(
        "{}/rest/api/3/project/{}/properties",
        caller.links, world.projects[index].id
    );
    Ok(Json(property_keys(&base, properties(&world, index).keys())))
}

pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<PropertyPath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let index = visible(&world, &caller, &path.project_id_or_key)?;
    read(properties(&world, index), &path.property_key)
}

pub(crate) async fn set(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<PropertyPath>,
    body: Bytes,
) -> Result<Response, JiraError> {
    let mut world = shared.world();
    let index = administrable(&world, &caller, &path.project_id_or_key)?;
    let value = property_value(&path.property_key, &body)?;
    Ok(store(
        &mut world.projects[index].properties,
        &path.property_key,
        value,
    ))
}

pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<PropertyPath>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let index = administrable(&world, &caller, &path.project_id_or_key)?;
    remove(&mut world.projects[index].properties, &path.property_key)?;
    Ok(StatusCode::NO_CONTENT)
}
