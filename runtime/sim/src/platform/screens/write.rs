//! A screen's life: `createScreen` (`POST /screens`), `updateScreen` (`PUT
//! /screens/{screenId}`) and `deleteScreen` (`DELETE /screens/{screenId}`).
//!
//! Names are unique among the site's screens; a screen a screen scheme uses
//! cannot be deleted (the Default Screen, which the Default Screen Scheme
//! uses, among them), so the screen an issue operation uses always exists.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;

use super::{
    ScreenPath, administer, checked_description, checked_name, name_taken, screen_index,
    screen_json,
};
use crate::access::Caller;
use crate::extract::JiraJson;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::World;
use crate::world::screen::{MAX_SCREENS, ScreenRecord};

/// `ScreenDetails` (create) and `UpdateScreenDetails` (update): the same
/// properties; only the create requires `name`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScreenDetails {
    name: Option<String>,
    description: Option<String>,
}

/// The spec's `400` for a name another screen has.
fn name_in_use() -> JiraError {
    JiraError::bad_request("The name is used by another screen.")
}

/// Whether a screen other than `except` is named `name`.
fn screen_named(world: &World, name: &str, except: Option<u64>) -> bool {
    let others = world.screens.iter().filter(|s| Some(s.id) != except);
    name_taken(others.map(|s| s.name.as_str()), name)
}

/// `POST /screens`: `201` and the `Screen`, with one empty tab, as Jira makes
/// it ("Creates a screen with a default field tab").
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraJson(input): JiraJson<ScreenDetails>,
) -> Result<Response, JiraError> {
    let mut world = shared.world();
    administer(&world, &caller)?;
    let name = checked_name("screen", input.name.as_deref())?;
    let description = checked_description("screen", input.description.as_deref())?;
    if screen_named(&world, &name, None) {
        return Err(name_in_use());
    }
    if world.screens.len() >= MAX_SCREENS {
        return Err(JiraError::bad_request(format!(
            "A site holds at most {MAX_SCREENS} screens in the simulator."
        )));
    }
    let (id, tab_id) = (world.take_screen_id(), world.take_screen_tab_id());
    let screen = ScreenRecord::new(id, name, description.unwrap_or_default(), tab_id);
    let body = screen_json(&screen);
    world.screens.push(screen);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `PUT /screens/{screenId}`: renames or redescribes it; a property left out
/// stays. `200` and the `Screen` as it now is.
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ScreenPath>,
    JiraJson(input): JiraJson<ScreenDetails>,
) -> Result<Json<Value>, JiraError> {
    let mut world = shared.world();
    administer(&world, &caller)?;
    let index = screen_index(&world, &path.screen_id)?;
    let id = world.screens[index].id;
    let name = match input.name.as_deref() {
        Some(name) => Some(checked_name("screen", Some(name))?),
        None => None,
    };
    if let Some(name) = &name
        && screen_named(&world, name, Some(id))
    {
        return Err(name_in_use());
    }
    let description = checked_description("screen", input.description.as_deref())?;
    let screen = &mut world.screens[index];
    if let Some(name) = name {
        screen.name = name;
    }
    if let Some(description) = description {
        screen.description = description;
    }
    Ok(Json(screen_json(screen)))
}

/// `DELETE /screens/{screenId}`: `204`, or the spec's `400` for a screen a
/// screen scheme uses. Its tabs and their fields go with it.
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ScreenPath>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    administer(&world, &caller)?;
    let index = screen_index(&world, &path.screen_id)?;
    if world.screen_in_scheme(world.screens[index].id) {
        return Err(JiraError::bad_request(
            "The screen is used in a screen scheme.",
        ));
    }
    world.screens.remove(index);
    Ok(StatusCode::NO_CONTENT)
}
