//! `GET /rest/api/3/myself`: the caller's own user record, with its groups and
//! application roles (`expand=groups,applicationRoles` lists them).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::Value;

use super::render;
use crate::access::Caller;
use crate::extract::JiraQuery;
use crate::jira_error::JiraError;
use crate::shared::Shared;

#[derive(Deserialize)]
pub(crate) struct MyselfQuery {
    /// `groups`, `applicationRoles`, comma-separated.
    expand: Option<String>,
}

pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(query): JiraQuery<MyselfQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let user = world
        .user(&caller.account_id)
        .ok_or_else(|| JiraError::not_found("The user does not exist."))?;
    Ok(Json(render::user_with_lists(
        &caller.links,
        &world,
        user,
        query.expand.as_deref(),
    )))
}
