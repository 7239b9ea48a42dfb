//! `GET /rest/api/3/user/search?query=`: users by name or email prefix.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::Value;

use super::page::Window;
use super::render;
use crate::access::Caller;
use crate::extract::JiraQuery;
use crate::jira_error::JiraError;
use crate::shared::Shared;

const DEFAULT_PAGE: usize = 50;
/// Jira returns at most 1000 users per call.
const MAX_PAGE: usize = 1000;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FindQuery {
    query: Option<String>,
    account_id: Option<String>,
    start_at: Option<usize>,
    max_results: Option<usize>,
}

pub(crate) async fn find(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(query): JiraQuery<FindQuery>,
) -> Result<Json<Value>, JiraError> {
    if query.query.is_none() && query.account_id.is_none() {
        return Err(JiraError::bad_request(
            "One of 'query' or 'accountId' parameters must be provided.",
        ));
    }
    let world = shared.world();
    let needle = query.query.as_deref().map(str::to_lowercase);
    let window = Window::new(query.start_at, query.max_results, DEFAULT_PAGE, MAX_PAGE);
    let users: Vec<Value> = world
        .users
        .iter()
        .filter(|u| {
            query
                .account_id
                .as_deref()
                .is_none_or(|id| u.account_id == id)
        })
        .filter(|u| {
            needle.as_deref().is_none_or(|n| {
                u.email.to_lowercase().starts_with(n)
                    || u.display_name
                        .to_lowercase()
                        .split_whitespace()
                        .any(|w| w.starts_with(n))
                    || u.display_name.to_lowercase().starts_with(n)
            })
        })
        .skip(window.start)
        .take(window.max)
        .map(|u| render::user(&caller.links, u))
        .collect();
    Ok(Json(Value::Array(users)))
}
