//! `GET .../v1/teams`: the Ops teams the caller may see.
//!
//! "If the user has admin rights, all teams are listed; otherwise, only the
//! teams the user is a member of are shown." The answer is not paged
//! (`ListPlatformTeamResponse`).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::error::OpsError;
use super::extract::Params;
use super::render;
use crate::access::Caller;
use crate::shared::Shared;

pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    params: Params,
) -> Result<Json<Value>, OpsError> {
    params.only(&[])?;
    let world = shared.world();
    let admin = world.is_ops_admin(&caller.account_id);
    let teams: Vec<Value> = world
        .teams
        .iter()
        .filter(|t| admin || t.role_of(&caller.account_id).is_some())
        .map(render::team)
        .collect();
    Ok(Json(json!({ "platformTeams": teams })))
}
