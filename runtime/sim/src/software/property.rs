//! Board and sprint properties: app data stored on a board
//! (`/board/{boardId}/properties/...`) or a sprint
//! (`/sprint/{sprintId}/properties/...`) under a key. The keys, values, limits
//! and answers are the platform's entity properties' (`platform/property.rs`):
//! a key of at most 255 characters, a non-empty JSON value of at most 32,768
//! bytes, `201` for a new key and `200` for a replaced one.
//!
//! Who may do what, as the spec describes each operation:
//! - a board's properties are read by those who may view the board and
//!   written by those who may modify it: its administrator and site admins
//!   (`World::administers_board`). A board the caller may not view is the
//!   spec's 404, as one that does not exist; one they may view but not
//!   administer is a 403 (which the spec does not list; Jira's entity property
//!   service refuses an edit so).
//! - a sprint's are read by those who may view the sprint and written by those
//!   who may edit it (*Manage sprints*, `super::manages_sprint`). Here the spec
//!   tells the two apart: a sprint that does not exist is a 404, one the
//!   caller may not view or edit a 403.
//!
//! A `{boardId}` or `{sprintId}` that is not a number (or is negative) is the
//! spec's 400. The site keeps at most [`MAX_AGILE_PROPERTIES`] of them.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;

use super::shape::{board_self, sprint_self};
use super::{BoardPath, SprintPath, board_not_found, manages_sprint, sprint_not_found};
use crate::access::Caller;
use crate::jira_error::JiraError;
use crate::platform::property::{property_keys, property_value, read, remove, store};
use crate::shared::Shared;
use crate::world::World;
use crate::world::agile_property::MAX_AGILE_PROPERTIES;

#[derive(Deserialize)]
pub(crate) struct BoardPropertyPath {
    board_id: String,
    property_key: String,
}

#[derive(Deserialize)]
pub(crate) struct SprintPropertyPath {
    sprint_id: String,
    property_key: String,
}

/// The number in a `{boardId}` or `{sprintId}` (`what`), or the spec's 400
/// "if the id is invalid (negative or not a number)".
fn entity_id(what: &str, id: &str) -> Result<u64, JiraError> {
    id.parse::<u64>().map_err(|_| {
        JiraError::bad_request(format!("The {what} id must be a number of zero or more."))
    })
}

/// The position of the board `id` names, if the caller may view it; else the
/// board's 404.
fn viewed_board(world: &World, caller: &Caller, id: &str) -> Result<usize, JiraError> {
    let id = entity_id("board", id)?;
    world
        .boards
        .iter()
        .position(|b| b.id == id && world.may_view_board(&caller.account_id, b))
        .ok_or_else(board_not_found)
}

/// As [`viewed_board`], and the caller may modify the board (else a 403).
fn modified_board(world: &World, caller: &Caller, id: &str) -> Result<usize, JiraError> {
    let index = viewed_board(world, caller, id)?;
    if !world.administers_board(&caller.account_id, &world.boards[index]) {
        return Err(JiraError::forbidden(
            "You must be a Jira administrator or an administrator of this board to change its \
             properties.",
        ));
    }
    Ok(index)
}

/// The position of the sprint `id` names (else the 404), if the caller may
/// view it (else the spec's 403).
fn viewed_sprint(world: &World, caller: &Caller, id: &str) -> Result<usize, JiraError> {
    let id = entity_id("sprint", id)?;
    let index = world
        .sprints
        .iter()
        .position(|s| s.id == id)
        .ok_or_else(sprint_not_found)?;
    if !world.may_view_sprint(&caller.account_id, &world.sprints[index]) {
        return Err(JiraError::forbidden(
            "You do not have permission to view this sprint.",
        ));
    }
    Ok(index)
}

/// As [`viewed_sprint`], and the caller may edit the sprint (else the 403).
fn edited_sprint(world: &World, caller: &Caller, id: &str) -> Result<usize, JiraError> {
    let index = viewed_sprint(world, caller, id)?;
    if !manages_sprint(world, caller, &world.sprints[index]) {
        return Err(super::may_not_manage_sprints());
    }
    Ok(index)
}

/// Stores a write's `body` under `key` in the properties `of` picks: the
/// platform's checks and answers, and the site's cap on new keys.
fn write(
    world: &mut World,
    key: &str,
    body: &[u8],
    of: impl FnOnce(&mut World) -> &mut BTreeMap<String, Value>,
) -> Result<Response, JiraError> {
    let value = property_value(key, body)?;
    let full = world.agile_property_count() >= MAX_AGILE_PROPERTIES;
    let properties = of(world);
    if full && !properties.contains_key(key) {
        // The simulator's limit, not Jira's (see the constant).
        return Err(JiraError::bad_request(format!(
            "Kiln's Jira simulator keeps at most {MAX_AGILE_PROPERTIES} board and sprint \
             properties."
        )));
    }
    Ok(store(properties, key, value))
}

/// `getBoardPropertyKeys`.
pub(crate) async fn board_keys(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<BoardPath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let board = &world.boards[viewed_board(&world, &caller, &path.board_id)?];
    let base = format!("{}/properties", board_self(&caller.links, board.id));
    Ok(Json(property_keys(&base, board.properties.keys())))
}

/// `getBoardProperty`.
pub(crate) async fn board_get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<BoardPropertyPath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let index = viewed_board(&world, &caller, &path.board_id)?;
    read(&world.boards[index].properties, &path.property_key)
}

/// `setBoardProperty`: the body is any JSON value, so it is read as bytes.
pub(crate) async fn board_set(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<BoardPropertyPath>,
    body: Bytes,
) -> Result<Response, JiraError> {
    let mut world = shared.world();
    let index = modified_board(&world, &caller, &path.board_id)?;
    write(&mut world, &path.property_key, &body, |w| {
        &mut w.boards[index].properties
    })
}

/// `deleteBoardProperty`.
pub(crate) async fn board_delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<BoardPropertyPath>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let index = modified_board(&world, &caller, &path.board_id)?;
    remove(&mut world.boards[index].properties, &path.property_key)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `getPropertiesKeys` (of a sprint).
pub(crate) async fn sprint_keys(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SprintPath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let sprint = &world.sprints[viewed_sprint(&world, &caller, &path.sprint_id)?];
    let base = format!("{}/properties", sprint_self(&caller.links, sprint.id));
    Ok(Json(property_keys(&base, sprint.properties.keys())))
}

/// `getProperty` (of a sprint).
pub(crate) async fn sprint_get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SprintPropertyPath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let index = viewed_sprint(&world, &caller, &path.sprint_id)?;
    read(&world.sprints[index].properties, &path.property_key)
}

/// `setProperty` (of a sprint).
pub(crate) async fn sprint_set(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SprintPropertyPath>,
    body: Bytes,
) -> Result<Response, JiraError> {
    let mut world = shared.world();
    let index = edited_sprint(&world, &caller, &path.sprint_id)?;
    write(&mut world, &path.property_key, &body, |w| {
        &mut w.sprints[index].properties
    })
}

/// `deleteProperty` (of a sprint).
pub(crate) async fn sprint_delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SprintPropertyPath>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let index = edited_sprint(&world, &caller, &path.sprint_id)?;
    remove(&mut world.sprints[index].properties, &path.property_key)?;
    Ok(StatusCode::NO_CONTENT)
}
