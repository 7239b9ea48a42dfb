//! Creating issues in bulk: `POST /issue/bulk` (`createIssues`).
//!
//! Each element of `issueUpdates` is created exactly as `createIssue` creates one
//! issue (`issue::create_one`: the same fields, checks, permissions, keys and
//! `jira:issue_created` webhook), in request order, under one hold of the world
//! so the keys of one request are consecutive. An element that fails becomes a
//! `BulkOperationErrorResult` naming its 0-based position in the request
//! (`failedElementNumber`, as the spec's example numbers the first element 0)
//! with the status and `ErrorCollection` `createIssue` would have answered; the
//! others are still created. The answer is `CreatedIssues`, 201 when any issue
//! was created and 400 when none was, as the spec documents.
//!
//! Not modelled, as for `createIssue`: an element's `transition` (so no
//! `CreatedIssue.transition`), `properties`, `historyMetadata`, and watchers
//! beyond the creator; they are ignored.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::issue::{IssueInput, create_one};
use super::v2::V2Request;
use crate::access::Caller;
use crate::extract::JiraJson;
use crate::jira_error::JiraError;
use crate::shared::Shared;

/// The spec's limit: "Creates upto **50** issues".
pub(crate) const MAX_ISSUES: usize = 50;

/// `IssuesUpdateBean`. An element that is not an `IssueUpdateDetails` (not an
/// object, `fields` not an object …) makes the whole body unreadable, Jira's
/// 400 "Invalid request payload", as its JSON reader refuses it before any
/// issue is looked at.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BulkInput {
    #[serde(default)]
    issue_updates: Vec<IssueInput>,
}

/// `createIssues`.
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    v2: Option<Extension<V2Request>>,
    JiraJson(input): JiraJson<BulkInput>,
) -> Result<(StatusCode, Json<Value>), JiraError> {
    if input.issue_updates.len() > MAX_ISSUES {
        // Refused whole, before anything is created: the limit is the request's.
        return Err(JiraError::field(
            "issueUpdates",
            format!("You can create at most {MAX_ISSUES} issues in one request."),
        ));
    }
    let mut world = shared.world();
    let mut issues = Vec::new();
    let mut errors = Vec::new();
    for (number, element) in input.issue_updates.into_iter().enumerate() {
        match create_one(&shared, &mut world, &caller, v2.is_some(), element) {
            Ok(created) => issues.push(created),
            Err(error) => errors.push(json!({
                "status": error.status().as_u16(),
                "elementErrors": error.collection(),
                "failedElementNumber": number,
            })),
        }
    }
    // "201 Returned if any of the issue or subtask creation requests were
    // successful", "400 Returned if all requests are invalid": an empty
    // `issueUpdates` created nothing, so it is the 400 too.
    let status = if issues.is_empty() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(json!({ "issues": issues, "errors": errors }))))
}
