//! `GET .../v1/teams`: the site's Ops teams.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde_json::Value;

use super::render;
use crate::access::Caller;
use crate::shared::Shared;

pub(crate) async fn list(State(shared): State<Arc<Shared>>, _caller: Caller) -> Json<Value> {
    let world = shared.world();
    Json(render::page(world.teams.iter().map(render::team).collect()))
}
