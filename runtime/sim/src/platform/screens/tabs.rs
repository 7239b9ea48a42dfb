//! A screen's tabs and the fields they hold: `getAllScreenTabs`,
//! `getAllScreenTabFields`, `addScreenTabField`, `removeScreenTabField`,
//! `getAvailableScreenFields` and `addFieldToDefaultScreen`.
//!
//! A field is on a screen at most once, on one of its tabs, so a tab holds at
//! most every screenable field: the site's custom fields are bounded
//! ([`MAX_CUSTOM_FIELDS`](crate::world::custom_field::MAX_CUSTOM_FIELDS)), and
//! so is every tab.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    ScreenPath, Screenable, TabPath, administer, only_admins, required_among, required_refusal,
    screen_index, screenable, screenable_field, screenable_fields, tab_index, tab_json,
};
use crate::access::Caller;
use crate::extract::{JiraJson, JiraQuery};
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::World;
use crate::world::screen::MAX_FIELDS_PER_SCREEN;

/// The query of the tab reads: the project whose administrator asks.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProjectQuery {
    project_key: Option<String>,
}

/// Refuses a caller who may not read the screen's tabs: *Administer Jira*, or
/// *Administer projects* in the project `project_key` names when the project
/// uses the screen (a screen scheme its issue type screen scheme maps names
/// it, `World::project_uses_screen`; a screen no scheme of the project names
/// is an administrator's alone).
fn may_read_tabs(
    world: &World,
    caller: &Caller,
    query: &ProjectQuery,
    screen_id: &str,
) -> Result<(), JiraError> {
    let project_admin_of_screen = query
        .project_key
        .as_deref()
        .and_then(|key| world.project(key))
        .is_some_and(|p| {
            world.administers(&caller.account_id, &p.key)
                && screen_id
                    .parse()
                    .is_ok_and(|id| world.project_uses_screen(&p.id, id))
        });
    if project_admin_of_screen || world.is_site_admin(&caller.account_id) {
        Ok(())
    } else {
        Err(only_admins())
    }
}

/// `GET /screens/{screenId}/tabs`.
pub(crate) async fn tabs(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ScreenPath>,
    JiraQuery(query): JiraQuery<ProjectQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    may_read_tabs(&world, &caller, &query, &path.screen_id)?;
    let screen = &world.screens[screen_index(&world, &path.screen_id)?];
    Ok(Json(Value::Array(
        screen.tabs.iter().map(tab_json).collect(),
    )))
}

/// `GET /screens/{screenId}/tabs/{tabId}/fields`.
pub(crate) async fn tab_fields(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<TabPath>,
    JiraQuery(query): JiraQuery<ProjectQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    may_read_tabs(&world, &caller, &query, &path.screen_id)?;
    let (screen, tab) = tab_index(&world, &path)?;
    let names: BTreeMap<String, String> = screenable_fields(&world).into_iter().collect();
    let fields = &world.screens[screen].tabs[tab].fields;
    let fields = fields.iter().map(|id| {
        let name = names.get(id).map_or("", String::as_str);
        screenable_field(id, name)
    });
    Ok(Json(Value::Array(fields.collect())))
}

/// `AddFieldBean`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct AddField {
    field_id: String,
}

/// The name of the field `id` if a screen may take it, or Jira's refusal: `404`
/// for a field the site does not have, `400` for one no screen holds.
fn field_to_add(world: &World, id: &str) -> Result<String, JiraError> {
    match screenable(world, id) {
        Screenable::Yes(name) => Ok(name),
        Screenable::SetByJira => Err(JiraError::bad_request(format!(
            "The field '{id}' can't be added to a screen."
        ))),
        Screenable::Unknown => Err(JiraError::not_found(format!(
            "The field with id '{id}' was not found."
        ))),
    }
}

/// `POST /screens/{screenId}/tabs/{tabId}/fields`: the field goes last on the
/// tab. A field already on the screen, on any tab, is refused.
pub(crate) async fn add_tab_field(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<TabPath>,
    JiraJson(input): JiraJson<AddField>,
) -> Result<Json<Value>, JiraError> {
    let mut world = shared.world();
    administer(&world, &caller)?;
    let (screen, tab) = tab_index(&world, &path)?;
    let name = field_to_add(&world, &input.field_id)?;
    if world.screens[screen].holds(&input.field_id) {
        return Err(JiraError::bad_request(format!(
            "Field with id '{}' already exists on the screen.",
            input.field_id
        )));
    }
    // Unreachable while a field is on a screen once (the screenable fields
    // are bounded), and kept so a tab's bound does not rest on that alone.
    let on_screen: usize = world.screens[screen]
        .tabs
        .iter()
        .map(|t| t.fields.len())
        .sum();
    if on_screen >= MAX_FIELDS_PER_SCREEN {
        return Err(JiraError::bad_request(format!(
            "A screen holds at most {MAX_FIELDS_PER_SCREEN} fields in the simulator."
        )));
    }
    world.screens[screen].tabs[tab]
        .fields
        .push(input.field_id.clone());
    Ok(Json(json!({ "id": input.field_id, "name": name })))
}

/// Path parameters naming a field on a screen's tab.
#[derive(Deserialize)]
pub(crate) struct TabFieldPath {
    pub(super) screen_id: String,
    pub(super) tab_id: String,
    pub(super) id: String,
}

/// `DELETE /screens/{screenId}/tabs/{tabId}/fields/{id}`. The summary and the
/// issue type stay (`REQUIRED_ON_SCREEN`): without them no issue could be
/// created. Any other field may go, and is then neither offered nor accepted by
/// a create or an edit.
pub(crate) async fn remove_tab_field(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<TabFieldPath>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    administer(&world, &caller)?;
    let tab_path = TabPath {
        screen_id: path.screen_id,
        tab_id: path.tab_id,
    };
    let (screen, tab) = tab_index(&world, &tab_path)?;
    let fields = &mut world.screens[screen].tabs[tab].fields;
    let position = fields.iter().position(|f| *f == path.id).ok_or_else(|| {
        JiraError::not_found(format!(
            "The field with id '{}' is not on the screen tab.",
            path.id
        ))
    })?;
    if let Some(required) = required_among(std::slice::from_ref(&path.id)) {
        return Err(required_refusal(required));
    }
    fields.remove(position);
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /screens/{screenId}/availableFields`: the fields the screen could take,
/// those a screen may hold (the screenable system fields, the custom fields)
/// that it does not hold yet.
pub(crate) async fn available_fields(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ScreenPath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    administer(&world, &caller)?;
    let screen = &world.screens[screen_index(&world, &path.screen_id)?];
    let on_screen: BTreeSet<&str> = screen
        .tabs
        .iter()
        .flat_map(|t| &t.fields)
        .map(String::as_str)
        .collect();
    let available = screenable_fields(&world)
        .into_iter()
        .filter(|(id, _)| !on_screen.contains(id.as_str()))
        .map(|(id, name)| screenable_field(&id, &name))
        .collect();
    Ok(Json(Value::Array(available)))
}

/// Path parameters naming a field.
#[derive(Deserialize)]
pub(crate) struct FieldPath {
    field_id: String,
}

/// `POST /screens/addToDefault/{fieldId}`: the field goes on the Default
/// Screen's first tab. The spec's `404` both for a field the site does not have
/// and for one already there. Jira documents no body for the `200`; the
/// simulator answers an empty object.
pub(crate) async fn add_to_default(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<FieldPath>,
) -> Result<Json<Value>, JiraError> {
    let mut world = shared.world();
    administer(&world, &caller)?;
    field_to_add(&world, &path.field_id)?;
    if !world.add_to_default_screen(&path.field_id) {
        return Err(JiraError::not_found(format!(
            "Field with id '{}' already exists on the default screen.",
            path.field_id
        )));
    }
    Ok(Json(json!({})))
}
