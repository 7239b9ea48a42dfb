//! Application roles (`GET /rest/api/3/applicationrole`, `getAllApplicationRoles`,
//! and `GET /rest/api/3/applicationrole/{key}`, `getApplicationRole`): the
//! products a site licenses, which admin apps read to see who has access.
//!
//! The simulator's site has one, Jira's (`jira-software`, granted by the built-in
//! `jira-software-users` group), rendered exactly as an expanded user lists it
//! (`render::application_role`), so the two agree. Both operations need
//! *Administer Jira* (the site admins; the spec's 403 otherwise); a key that
//! names no role is the spec's 404. Keys are compared exactly, as Jira's are.
//! Not modelled: seat counts (`numberOfSeats`, `remainingSeats`), which the
//! spec makes optional, and other products' roles (a simulated site licenses
//! Jira only).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::Value;

use super::render::application_role;
use crate::access::Caller;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::World;

/// The path of `getApplicationRole`; named so the gateway's extra `cloud_id`
/// is ignored.
#[derive(Deserialize)]
pub(crate) struct KeyPath {
    key: String,
}

/// The spec's 403 for a caller who does not administer Jira.
fn require_admin(world: &World, caller: &Caller) -> Result<(), JiraError> {
    if world.is_site_admin(&caller.account_id) {
        Ok(())
    } else {
        Err(JiraError::forbidden(
            "You are not authorised to view application roles: it takes Administer Jira.",
        ))
    }
}

/// `getAllApplicationRoles`: the site's one role, in a list.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    require_admin(&world, &caller)?;
    Ok(Json(Value::Array(vec![application_role(&world)])))
}

/// `getApplicationRole`: the role `key` names, or 404.
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<KeyPath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    require_admin(&world, &caller)?;
    let role = application_role(&world);
    if role["key"].as_str() == Some(path.key.as_str()) {
        Ok(Json(role))
    } else {
        Err(JiraError::not_found(format!(
            "The application role with key '{}' does not exist.",
            path.key
        )))
    }
}
