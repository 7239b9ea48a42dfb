//! Changing a screen's tabs: `addScreenTab` (`POST /screens/{screenId}/tabs`),
//! `renameScreenTab` (`PUT …/tabs/{tabId}`), `deleteScreenTab` (`DELETE
//! …/tabs/{tabId}`) and `moveScreenTab` (`POST …/tabs/{tabId}/move/{pos}`).
//!
//! Tab names are unique on their screen; a screen keeps at least one tab, and
//! a tab holding `summary` or `issuetype` stays (deleting it would take them
//! off the screen, which removing them one by one refuses, `tabs.rs`).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;

use super::{
    ScreenPath, TabPath, administer, checked_name, name_taken, required_among, required_refusal,
    screen_index, tab_index, tab_json,
};
use crate::access::Caller;
use crate::extract::JiraJson;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::screen::{MAX_TABS_PER_SCREEN, ScreenRecord, TabRecord};

/// `ScreenableTab` as a request: `id` is the answer's, read and ignored as
/// Jira ignores a read-only property.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TabDetails {
    #[serde(default, rename = "id")]
    _id: Option<Value>,
    name: Option<String>,
}

/// The tab name `input` gives, checked: not blank, bounded, and no other tab
/// of the screen (but `except`, the one being renamed) has it.
fn tab_name(
    screen: &ScreenRecord,
    input: &TabDetails,
    except: Option<u64>,
) -> Result<String, JiraError> {
    let name = checked_name("tab", input.name.as_deref())?;
    let others = screen.tabs.iter().filter(|t| Some(t.id) != except);
    if name_taken(others.map(|t| t.name.as_str()), &name) {
        return Err(JiraError::bad_request(format!(
            "A tab named '{name}' already exists on the screen."
        )));
    }
    Ok(name)
}

/// `POST /screens/{screenId}/tabs`: the tab goes last, empty; `200` and the
/// `ScreenableTab`, as the spec documents.
pub(crate) async fn add(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ScreenPath>,
    JiraJson(input): JiraJson<TabDetails>,
) -> Result<Json<Value>, JiraError> {
    let mut world = shared.world();
    administer(&world, &caller)?;
    let screen = screen_index(&world, &path.screen_id)?;
    let name = tab_name(&world.screens[screen], &input, None)?;
    if world.screens[screen].tabs.len() >= MAX_TABS_PER_SCREEN {
        return Err(JiraError::bad_request(format!(
            "A screen holds at most {MAX_TABS_PER_SCREEN} tabs in the simulator."
        )));
    }
    let tab = TabRecord {
        id: world.take_screen_tab_id(),
        name,
        fields: Vec::new(),
    };
    let body = tab_json(&tab);
    world.screens[screen].tabs.push(tab);
    Ok(Json(body))
}

/// `PUT /screens/{screenId}/tabs/{tabId}`: `200` and the renamed tab.
pub(crate) async fn rename(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<TabPath>,
    JiraJson(input): JiraJson<TabDetails>,
) -> Result<Json<Value>, JiraError> {
    let mut world = shared.world();
    administer(&world, &caller)?;
    let (screen, tab) = tab_index(&world, &path)?;
    let record = &world.screens[screen];
    let name = tab_name(record, &input, Some(record.tabs[tab].id))?;
    let tab = &mut world.screens[screen].tabs[tab];
    tab.name = name;
    Ok(Json(tab_json(tab)))
}

/// `DELETE /screens/{screenId}/tabs/{tabId}`: `204`; the tab's fields leave
/// the screen with it.
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<TabPath>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    administer(&world, &caller)?;
    let (screen, tab) = tab_index(&world, &path)?;
    let tabs = &mut world.screens[screen].tabs;
    if tabs.len() == 1 {
        return Err(JiraError::bad_request(
            "A screen must have at least one tab.",
        ));
    }
    if let Some(required) = required_among(&tabs[tab].fields) {
        return Err(required_refusal(required));
    }
    tabs.remove(tab);
    Ok(StatusCode::NO_CONTENT)
}

/// Path parameters of a tab move: the tab and its new position.
#[derive(Deserialize)]
pub(crate) struct MoveTabPath {
    screen_id: String,
    tab_id: String,
    pos: String,
}

/// `POST /screens/{screenId}/tabs/{tabId}/move/{pos}`: the tab goes to
/// position `pos` (from 0), the others keeping their order; `204`. A position
/// outside the screen's tabs is the spec's `404`.
pub(crate) async fn move_tab(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<MoveTabPath>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    administer(&world, &caller)?;
    let tab_path = TabPath {
        screen_id: path.screen_id,
        tab_id: path.tab_id,
    };
    let (screen, tab) = tab_index(&world, &tab_path)?;
    let tabs = &mut world.screens[screen].tabs;
    // An int32 in the spec; anything else, or a position past the last tab,
    // names no position.
    let pos = path
        .pos
        .parse::<i32>()
        .ok()
        .and_then(|pos| usize::try_from(pos).ok())
        .filter(|pos| *pos < tabs.len())
        .ok_or_else(|| {
            JiraError::not_found(format!("The position '{}' is not valid.", path.pos))
        })?;
    let moved = tabs.remove(tab);
    tabs.insert(pos, moved);
    Ok(StatusCode::NO_CONTENT)
}
