//! Dashboards (`/rest/api/3/dashboard`): the system dashboard every Jira Cloud
//! site starts with and the dashboards users create, share, copy, edit and
//! delete, and the properties apps (Forge dashboard gadgets) keep on a
//! dashboard's items. The state is `world::dashboard`.
//!
//! Who may do what: anyone signed in may create a dashboard, which they then
//! own. A dashboard is seen by its owner, its editors and whom its share
//! permissions admit (`share_permission.rs`, the rule filters follow too);
//! one the caller may not see is the `404` of one that does not exist. It is
//! written (edited, its item properties set or deleted) by its owner and whom
//! its `editPermissions` admit, and by a site admin who asks with
//! `extendAdminPermissions=true`; the system dashboard only by site admins
//! (its item properties) and never edited or deleted.
//!
//! Not modelled (`501`): gadgets (`/dashboard/{id}/gadget`,
//! `/dashboard/gadgets`), the bulk edit and favourites (no REST operation marks
//! a dashboard a favourite, so none is anyone's).

mod item_property;
mod read;
mod write;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use super::share_permission as share;
use crate::access::Caller;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::World;
use crate::world::dashboard::DashboardRecord;

/// This module's routes, relative to `/rest/api/{version}`. `/dashboard/search`
/// is literal, so it wins over `/dashboard/{id}`; the item routes name the
/// dashboard `{id}` too, as the router needs one name per position.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/dashboard", get(read::all).post(write::create))
        .route("/dashboard/search", get(read::search))
        .route(
            "/dashboard/{id}",
            get(read::one).put(write::update).delete(write::delete),
        )
        .route("/dashboard/{id}/copy", post(write::copy))
        .route(
            "/dashboard/{id}/items/{item_id}/properties",
            get(item_property::keys),
        )
        .route(
            "/dashboard/{id}/items/{item_id}/properties/{property_key}",
            get(item_property::get)
                .put(item_property::set)
                .delete(item_property::delete),
        )
}

/// The `{id}` of the dashboard routes; named so the gateway's extra `cloud_id`
/// is ignored.
#[derive(Deserialize)]
pub(crate) struct DashboardPath {
    id: String,
}

/// The `extendAdminPermissions` query of the writes.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AdminQuery {
    extend_admin_permissions: Option<bool>,
}

/// Jira's answer for a dashboard that does not exist or that the caller may
/// not see: one answer for both, so dashboard ids cannot be probed.
fn not_found(id: &str) -> JiraError {
    JiraError::not_found(format!("The dashboard with id '{id}' does not exist."))
}

/// Where the dashboard `id` names is, if the caller may see it; else
/// [`not_found`].
fn visible(world: &World, caller: &Caller, id: &str) -> Result<usize, JiraError> {
    world
        .dashboards
        .position(id)
        .filter(|&at| world.dashboards.all[at].visible_to(world, &caller.account_id))
        .ok_or_else(|| not_found(id))
}

/// Whether the caller may write the dashboard: `isWritable`, or a site admin
/// who asks for admin permissions (`extendAdminPermissions=true`).
fn may_write(world: &World, caller: &Caller, dashboard: &DashboardRecord, extend: bool) -> bool {
    dashboard.writable_by(world, &caller.account_id)
        || (extend && world.is_site_admin(&caller.account_id))
}

/// A `Dashboard`, for `caller`. Every field is rendered whatever `expand` asks
/// (the spec's schema has them all).
fn render(shared: &Shared, world: &World, caller: &Caller, dashboard: &DashboardRecord) -> Value {
    let viewer = caller.account_id.as_str();
    let permissions = |list: &[crate::world::filter::SharePermission]| -> Value {
        list.iter()
            .map(|s| share::render(&caller.links, world, s, viewer))
            .collect()
    };
    let share_permissions = if dashboard.is_system() {
        json!([{ "type": "global" }])
    } else {
        permissions(&dashboard.shares)
    };
    let mut value = json!({
        "id": dashboard.id.to_string(),
        "name": dashboard.name,
        "self": format!("{}/rest/api/3/dashboard/{}", caller.links, dashboard.id),
        "view": format!("{}/secure/Dashboard.jspa?selectPageId={}", shared.base_url, dashboard.id),
        "isFavourite": false,
        "popularity": 0,
        "sharePermissions": share_permissions,
        "editPermissions": permissions(&dashboard.editors),
        "isWritable": dashboard.writable_by(world, viewer),
        "systemDashboard": dashboard.is_system(),
        "automaticRefreshMs": 0,
    });
    if let Some(description) = &dashboard.description {
        value["description"] = json!(description);
    }
    if let Some(owner) = dashboard.owner.as_deref().and_then(|o| world.user(o)) {
        value["owner"] = share::user_bean(&caller.links, owner);
    }
    value
}
