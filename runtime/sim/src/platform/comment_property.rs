//! Comment properties: app data stored on a comment under a key
//! (`/rest/api/3/comment/{commentId}/properties/...`), with the rules every entity
//! property follows (`property.rs`: the key's length, the value's size, JSON).
//!
//! A comment is named by its id alone, so it is looked for among the issues the
//! caller may browse: a comment of an issue they may not see is not found (`404`,
//! the answer for one that does not exist, so ids cannot be probed; the spec also
//! lists a `403` for reads, which the simulator does not tell apart). Writing and
//! deleting need the right to edit the comment, as the spec says ("Edit All
//! Comments", or "Edit Own Comments" for one's own: `comment::may_change`), `403`
//! otherwise. The properties go with their comment; `expand=properties` on the
//! comment operations shows them.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;

use super::comment::{comment_position, may_change};
use super::property::{property_keys, property_value, read, remove, store};
use crate::access::Caller;
use crate::jira_error::JiraError;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::world::World;

#[derive(Deserialize)]
pub(crate) struct CommentOnly {
    comment_id: String,
}

#[derive(Deserialize)]
pub(crate) struct PropertyPath {
    comment_id: String,
    property_key: String,
}

/// The issue index and comment position of comment `id`, if the caller may see
/// it. An id that is not a number is the spec's `400` ("the comment ID is
/// invalid"); one the caller cannot see, `404`.
fn visible(world: &World, caller: &Caller, id: &str) -> Result<(usize, usize), JiraError> {
    let not_found = || JiraError::not_found(format!("Can not find a comment for the id: {id}."));
    let Ok(number) = id.parse::<u64>() else {
        return Err(JiraError::bad_request(format!(
            "The comment ID '{id}' is invalid."
        )));
    };
    world
        .issues
        .iter()
        .enumerate()
        .filter(|(_, issue)| {
            world.may(
                &caller.account_id,
                &issue.project_key,
                SeedPermission::Browse,
            )
        })
        .find_map(|(index, issue)| Some((index, comment_position(issue, number)?)))
        .ok_or_else(not_found)
}

/// As [`visible`], if the caller may also change the comment; `403` otherwise.
fn changeable(world: &World, caller: &Caller, id: &str) -> Result<(usize, usize), JiraError> {
    let (index, position) = visible(world, caller, id)?;
    let issue = &world.issues[index];
    if !may_change(world, caller, issue, &issue.comments[position]) {
        return Err(JiraError::forbidden(
            "You do not have permission to edit the properties of this comment.",
        ));
    }
    Ok((index, position))
}

pub(crate) async fn keys(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<CommentOnly>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let (index, position) = visible(&world, &caller, &path.comment_id)?;
    let comment = &world.issues[index].comments[position];
    let base = format!(
        "{}/rest/api/3/comment/{}/properties",
        caller.links, comment.id
    );
    Ok(Json(property_keys(&base, comment.properties.keys())))
}

pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<PropertyPath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let (index, position) = visible(&world, &caller, &path.comment_id)?;
    read(
        &world.issues[index].comments[position].properties,
        &path.property_key,
    )
}

/// `setCommentProperty`: 201 when the key is new, 200 when it replaces a value.
pub(crate) async fn set(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<PropertyPath>,
    body: Bytes,
) -> Result<Response, JiraError> {
    let mut world = shared.world();
    let (index, position) = changeable(&world, &caller, &path.comment_id)?;
    let value = property_value(&path.property_key, &body)?;
    Ok(store(
        &mut world.issues[index].comments[position].properties,
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
    let (index, position) = changeable(&world, &caller, &path.comment_id)?;
    remove(
        &mut world.issues[index].comments[position].properties,
        &path.property_key,
    )?;
    Ok(StatusCode::NO_CONTENT)
}
