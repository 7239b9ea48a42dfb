//! `GET /rest/api/3/myself`: the caller's own user record.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde_json::Value;

use super::render;
use crate::access::Caller;
use crate::jira_error::JiraError;
use crate::shared::Shared;

pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let user = world
        .user(&caller.account_id)
        .ok_or_else(|| JiraError::not_found("The user does not exist."))?;
    Ok(Json(render::user(&caller.links, user)))
}
