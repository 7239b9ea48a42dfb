//! A user's own and favourite filters: `getMyFilters`, `getFavouriteFilters`,
//! `setFavouriteForFilter` and `deleteFavouriteForFilter`.
//!
//! A favourite is only listed, and only marked or unmarked, while the user may
//! see the filter: a favourite filter that has since been made private to
//! someone else drops out of their list, as the spec describes. Lists are in
//! name order (without regard to case), then by id.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::Value;

use super::crud::mark_favourite;
use super::{ExpandQuery, FilterPath, render, view, visible};
use crate::access::Caller;
use crate::extract::JiraQuery;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::World;
use crate::world::filter::FilterRecord;

/// The query of `getMyFilters`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MineQuery {
    expand: Option<String>,
    #[serde(default)]
    include_favourites: bool,
}

/// `getMyFilters`: the caller's filters and, with `includeFavourites=true`,
/// the favourites they may see that others own.
pub(crate) async fn mine(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(query): JiraQuery<MineQuery>,
) -> Json<Value> {
    let world = shared.world();
    let me = caller.account_id.as_str();
    let filters = listed(&world, |f| {
        f.owner == me
            || (query.include_favourites && f.is_favourite_of(me) && f.visible_to(&world, me))
    });
    let expand = ExpandQuery {
        expand: query.expand,
    };
    render_all(&shared, &world, &caller, filters, &expand)
}

/// `getFavouriteFilters`: the caller's favourites they may still see.
pub(crate) async fn favourites(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(query): JiraQuery<ExpandQuery>,
) -> Json<Value> {
    let world = shared.world();
    let me = caller.account_id.as_str();
    let filters = listed(&world, |f| {
        f.is_favourite_of(me) && f.visible_to(&world, me)
    });
    render_all(&shared, &world, &caller, filters, &query)
}

/// `setFavouriteForFilter`: the `Filter`, now a favourite (again: marking twice
/// changes nothing).
pub(crate) async fn set(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<FilterPath>,
    JiraQuery(query): JiraQuery<ExpandQuery>,
) -> Result<Json<Value>, JiraError> {
    mark(&shared, &caller, &path, &query, true)
}

/// `deleteFavouriteForFilter`: the `Filter`, no longer a favourite (unmarking
/// one that is not a favourite changes nothing).
pub(crate) async fn unset(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<FilterPath>,
    JiraQuery(query): JiraQuery<ExpandQuery>,
) -> Result<Json<Value>, JiraError> {
    mark(&shared, &caller, &path, &query, false)
}

fn mark(
    shared: &Shared,
    caller: &Caller,
    path: &FilterPath,
    query: &ExpandQuery,
    favourite: bool,
) -> Result<Json<Value>, JiraError> {
    let mut world = shared.world();
    let at = visible(&world, caller, &path.id)?;
    mark_favourite(&mut world, at, &caller.account_id, favourite);
    Ok(Json(render::filter(
        view(shared, &world, caller),
        &world.filters.all[at],
        query.shared_users(),
    )))
}

/// The filters `keep` keeps, in name order.
fn listed(world: &World, keep: impl Fn(&FilterRecord) -> bool) -> Vec<&FilterRecord> {
    let mut filters: Vec<&FilterRecord> = world.filters.all.iter().filter(|f| keep(f)).collect();
    filters.sort_by(|a, b| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then(a.id.cmp(&b.id))
    });
    filters
}

fn render_all(
    shared: &Shared,
    world: &World,
    caller: &Caller,
    filters: Vec<&FilterRecord>,
    expand: &ExpandQuery,
) -> Json<Value> {
    let view = view(shared, world, caller);
    let window = expand.shared_users();
    Json(Value::Array(
        filters
            .into_iter()
            .map(|f| render::filter(view, f, window))
            .collect(),
    ))
}
