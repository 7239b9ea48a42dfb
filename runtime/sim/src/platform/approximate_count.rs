//! `POST /rest/api/3/search/approximate-count` (`countIssues`): how many issues a
//! JQL matches, `{"count": N}`. Atlassian's replacement for the `total` the
//! removed `/rest/api/3/search` answered (CHANGE-2046).
//!
//! The spec: "Provide an estimated count of the issues that match the JQL …
//! This endpoint requires JQL to be bounded", counting only issues the caller
//! may browse; `400` "if the JQL query cannot be parsed". The simulator's count
//! is exact (its index is never behind), and it is reached exactly as the
//! enhanced search is ([`super::search::visible_matches`]): the same parser, the
//! same 400s for a JQL Jira cannot read or an unbounded one, the same Browse
//! filter. The spec also opens the operation to anonymous callers; the
//! simulator's site, like the rest of its routes, answers API tokens only.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::access::Caller;
use crate::extract::JiraJson;
use crate::jira_error::JiraError;
use crate::shared::Shared;

/// `JQLCountRequestBean`.
#[derive(Deserialize)]
pub(crate) struct CountBody {
    jql: Option<String>,
}

pub(crate) async fn count(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraJson(body): JiraJson<CountBody>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let jql = body.jql.unwrap_or_default();
    let (_, hits) = super::search::visible_matches(&world, &caller, &jql)?;
    Ok(Json(json!({ "count": hits.len() })))
}
