//! Dashboard item properties
//! (`/rest/api/3/dashboard/{dashboardId}/items/{itemId}/properties/...`): where
//! a dashboard gadget (a Forge `jira:dashboardGadget`, a Connect dashboard
//! item) keeps its configuration. The rules of the key and the value are every
//! entity property's (`property.rs`: the key's length, the value's size, JSON).
//!
//! The dashboard must be one the caller sees (else the spec's `404`); setting
//! and deleting need the right to write it (its owner, its editors, a site
//! admin for the system dashboard: else the spec's `403`). Items themselves
//! are not modelled: "there is no resource to set or get dashboard items", and
//! the simulator has no gadgets, so every item id of a dashboard names an item,
//! one without properties until an app sets one. The simulator bounds how many
//! items of a dashboard hold properties and how many each holds; the
//! properties go with their dashboard when it is deleted.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;

use super::super::property::{property_keys, property_value, read, remove, store};
use super::visible;
use crate::access::Caller;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::World;
use crate::world::dashboard::{
    MAX_ITEM_ID_CHARS, MAX_ITEMS_WITH_PROPERTIES, MAX_PROPERTIES_PER_ITEM,
};

/// `{dashboardId}` is `id` in the router, as under the dashboard's own route.
#[derive(Deserialize)]
pub(crate) struct ItemPath {
    id: String,
    item_id: String,
}

#[derive(Deserialize)]
pub(crate) struct PropertyPath {
    id: String,
    item_id: String,
    property_key: String,
}

/// The refusal of an item id no item could have.
fn invalid_item(item_id: &str) -> JiraError {
    JiraError::bad_request(format!(
        "The dashboard item ID '{}' is invalid: it must be 1 to {MAX_ITEM_ID_CHARS} characters.",
        item_id.chars().take(MAX_ITEM_ID_CHARS).collect::<String>()
    ))
}

fn item_id_is_valid(item_id: &str) -> bool {
    !item_id.is_empty() && item_id.chars().count() <= MAX_ITEM_ID_CHARS
}

/// Where the dashboard is, if the caller may write it; `404` if they may not
/// see it, `403` if they may only see it.
fn writable(world: &World, caller: &Caller, id: &str) -> Result<usize, JiraError> {
    let at = visible(world, caller, id)?;
    if !world.dashboards.all[at].writable_by(world, &caller.account_id) {
        return Err(JiraError::forbidden(
            "You do not have permission to edit the items of this dashboard.",
        ));
    }
    Ok(at)
}

/// `getDashboardItemPropertyKeys`: the keys, none for an item never written.
pub(crate) async fn keys(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ItemPath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let at = visible(&world, &caller, &path.id)?;
    let dashboard = &world.dashboards.all[at];
    let base = format!(
        "{}/rest/api/3/dashboard/{}/items/{}/properties",
        caller.links, dashboard.id, path.item_id
    );
    let empty = Default::default();
    let properties = dashboard.items.get(&path.item_id).unwrap_or(&empty);
    Ok(Json(property_keys(&base, properties.keys())))
}

/// `getDashboardItemProperty`: the property, or the spec's `404`.
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<PropertyPath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let at = visible(&world, &caller, &path.id)?;
    let empty = Default::default();
    let properties = world.dashboards.all[at]
        .items
        .get(&path.item_id)
        .unwrap_or(&empty);
    read(properties, &path.property_key)
}

/// `setDashboardItemProperty`: 201 when the key is new, 200 when it replaces a
/// value.
pub(crate) async fn set(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<PropertyPath>,
    body: Bytes,
) -> Result<Response, JiraError> {
    let mut world = shared.world();
    let at = writable(&world, &caller, &path.id)?;
    if !item_id_is_valid(&path.item_id) {
        return Err(invalid_item(&path.item_id));
    }
    let value = property_value(&path.property_key, &body)?;
    let items = &mut world.dashboards.all[at].items;
    match items.get(&path.item_id) {
        None if items.len() >= MAX_ITEMS_WITH_PROPERTIES => {
            return Err(JiraError::bad_request(format!(
                "{MAX_ITEMS_WITH_PROPERTIES} items of this dashboard hold properties, the most \
                 Kiln's simulator keeps. Delete another item's properties first."
            )));
        }
        Some(properties)
            if properties.len() >= MAX_PROPERTIES_PER_ITEM
                && !properties.contains_key(&path.property_key) =>
        {
            return Err(JiraError::bad_request(format!(
                "This dashboard item holds {MAX_PROPERTIES_PER_ITEM} properties, the most Kiln's \
                 simulator keeps for one item. Delete one first."
            )));
        }
        _ => {}
    }
    let properties = items.entry(path.item_id.clone()).or_default();
    Ok(store(properties, &path.property_key, value))
}

/// `deleteDashboardItemProperty`: 204, or the spec's `404` when there is none.
/// An item left without properties is forgotten, so it no longer counts
/// against the dashboard's bound.
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<PropertyPath>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let at = writable(&world, &caller, &path.id)?;
    if !item_id_is_valid(&path.item_id) {
        return Err(invalid_item(&path.item_id));
    }
    let items = &mut world.dashboards.all[at].items;
    let mut empty = Default::default();
    let properties = items.get_mut(&path.item_id).unwrap_or(&mut empty);
    remove(properties, &path.property_key)?;
    if properties.is_empty() {
        items.remove(&path.item_id);
    }
    Ok(StatusCode::NO_CONTENT)
}
