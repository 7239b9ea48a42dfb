//! `GET /rest/api/3/user?accountId=`: one user by account id (`getUser`), e.g. the
//! display name of the person an event names only by account id, with the
//! user's groups and application roles (`expand=groups,applicationRoles`).

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

/// Jira's words when no user has the id (or the caller may not see them).
const NOT_FOUND: &str = "Specified user does not exist or you do not have required permissions";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserQuery {
    account_id: Option<String>,
    /// `groups`, `applicationRoles`, comma-separated.
    expand: Option<String>,
}

pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(query): JiraQuery<UserQuery>,
) -> Result<Json<Value>, JiraError> {
    // The spec marks `accountId` required (`username` and `key` are gone from
    // Cloud); without it there is nobody to look up.
    let Some(account_id) = query.account_id.filter(|id| !id.is_empty()) else {
        return Err(JiraError::bad_request(
            "The 'accountId' query parameter needs to be provided.",
        ));
    };
    let world = shared.world();
    let user = world
        .user(&account_id)
        .ok_or_else(|| JiraError::not_found(NOT_FOUND))?;
    Ok(Json(render::user_with_lists(
        &caller.links,
        &world,
        user,
        query.expand.as_deref(),
    )))
}
