//! Listing and adding issue comments.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;

use super::IssuePath;
use super::render::{self, COMMENT_PAGE_SIZE};
use crate::access::Caller;
use crate::adf;
use crate::extract::{JiraJson, JiraQuery};
use crate::jira_error::JiraError;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::world::CommentRecord;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListQuery {
    start_at: Option<usize>,
    max_results: Option<usize>,
}

pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssuePath>,
    JiraQuery(query): JiraQuery<ListQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let index = world
        .visible_issue(&caller.account_id, &path.issue_id_or_key)
        .ok_or_else(JiraError::issue_not_found)?;
    let max = query
        .max_results
        .unwrap_or(COMMENT_PAGE_SIZE)
        .min(COMMENT_PAGE_SIZE);
    let start = query.start_at.unwrap_or(0);
    Ok(Json(render::comment_page(
        &caller.links,
        &world,
        &world.issues[index],
        start,
        max,
    )))
}

#[derive(Deserialize)]
pub(crate) struct AddInput {
    body: Option<Value>,
}

pub(crate) async fn add(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssuePath>,
    JiraJson(input): JiraJson<AddInput>,
) -> Result<(StatusCode, Json<Value>), JiraError> {
    let mut world = shared.world();
    let index = world
        .visible_issue(&caller.account_id, &path.issue_id_or_key)
        .ok_or_else(JiraError::issue_not_found)?;
    if !world.may(
        &caller.account_id,
        &world.issues[index].project_key,
        SeedPermission::Comment,
    ) {
        // `addComment` documents no 403: a caller who may see the issue but not
        // comment on it gets the spec's 400 ("the request is invalid").
        return Err(JiraError::bad_request(
            "You do not have the permission to comment on this issue.",
        ));
    }
    let body = match input.body {
        None | Some(Value::Null) => {
            return Err(JiraError::field(
                "comment",
                "Comment body can not be empty!",
            ));
        }
        Some(doc) if adf::is_document(&doc) => doc,
        Some(_) => {
            return Err(JiraError::field(
                "comment",
                "Operation value must be an Atlassian Document (see the Atlassian Document Format).",
            ));
        }
    };
    let now = world.now();
    let comment = CommentRecord {
        id: world.take_comment_id(),
        author: caller.account_id.clone(),
        body,
        created: now,
        updated: now,
    };
    let issue = &mut world.issues[index];
    issue.comments.push(comment);
    issue.updated = now;
    let issue = &world.issues[index];
    let rendered = issue
        .comments
        .last()
        .map(|c| render::comment(&caller.links, &world, issue, c))
        .unwrap_or(Value::Null);
    Ok((StatusCode::CREATED, Json(rendered)))
}
