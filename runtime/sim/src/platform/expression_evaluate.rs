//! `POST /rest/api/3/expression/evaluate` (`evaluateJSISJiraExpression`):
//! evaluates a Jira expression (`crate::expression`) for the caller and answers
//! `JExpEvaluateJiraExpressionResultBean`. Its predecessor, `POST
//! /expression/eval` (`evaluateJiraExpression`), is removed (CHANGE-2046) and
//! answers `410` from the not-modelled table.
//!
//! The context variables the simulator models are `user` (always the caller),
//! `issue`, `issues` (a page of a JQL search, run as the enhanced search runs
//! it: bounded queries only, the caller's permissions, `nextPageToken` paging),
//! `project`, and Jira Software's `board` and `sprint` (each by its id, as the
//! spec's `int64`). An issue, project, board or sprint the caller cannot see is
//! the same `404` as one that does not exist; who sees a board or a sprint is
//! the agile API's rule (`World::may_view_board`, `World::may_view_sprint`).
//! `serviceDesk`, `customerRequest` and `custom` are Jira's but not the
//! simulator's: a request using one is the simulator's marked `501`.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::search::{decode_token, encode_token, visible_matches};
use crate::access::Caller;
use crate::expression::{self, Context, ExpressionError, Site};
use crate::extract::{JiraJson, JiraQuery};
use crate::jira_error::JiraError;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::world::World;

/// Issues loaded under `issues` when the request names no `maxResults`: the
/// enhanced search's default page.
const DEFAULT_ISSUES: usize = 50;

/// Most issues loaded under `issues`. The spec sets no number ("max results
/// value considered may be lower than the number specific here"); Jira's
/// expressions return at most 1,000 beans, so a larger page could never be
/// returned whole.
const MAX_ISSUES: usize = 1_000;

#[derive(Deserialize)]
pub(crate) struct EvaluateQuery {
    expand: Option<String>,
}

/// `JiraExpressionEvaluateRequestBean`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EvaluateRequest {
    expression: String,
    #[serde(default)]
    context: Option<RequestContext>,
}

/// `JiraExpressionEvaluateContextBean`.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RequestContext {
    issue: Option<IdOrKey>,
    issues: Option<IssuesContext>,
    project: Option<IdOrKey>,
    board: Option<i64>,
    sprint: Option<i64>,
    service_desk: Option<Value>,
    customer_request: Option<Value>,
    custom: Option<Value>,
}

/// `IdOrKeyBean`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IdOrKey {
    id: Option<i64>,
    key: Option<String>,
}

/// `JexpEvaluateCtxIssues`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IssuesContext {
    jql: Option<JqlContext>,
}

/// `JexpEvaluateCtxJqlIssues`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct JqlContext {
    query: Option<String>,
    max_results: Option<i64>,
    next_page_token: Option<String>,
}

pub(crate) async fn evaluate(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(query): JiraQuery<EvaluateQuery>,
    JiraJson(body): JiraJson<Value>,
) -> Result<Json<Value>, JiraError> {
    let body: EvaluateRequest =
        serde_json::from_value(body).map_err(|_| JiraError::invalid_payload())?;
    let request = body.context.unwrap_or_default();
    refuse_unmodelled(&request)?;
    let world = shared.world();
    let mut context = Context::default();
    let mut meta = Map::new();
    if let Some(issue) = &request.issue {
        context.issue = Some(issue_in_context(&world, &caller, issue)?);
    }
    if let Some(project) = &request.project {
        context.project = Some(project_in_context(&world, &caller, project)?);
    }
    if let Some(id) = request.board {
        context.board = Some(board_in_context(&world, &caller, id)?);
    }
    if let Some(id) = request.sprint {
        context.sprint = Some(sprint_in_context(&world, &caller, id)?);
    }
    if let Some(issues) = &request.issues {
        let (ids, page) = issues_in_context(&world, &caller, issues)?;
        context.issues = Some(ids);
        meta.insert(String::from("issues"), json!({ "jql": page }));
    }
    let site = Site {
        world: &world,
        account_id: &caller.account_id,
    };
    let evaluation =
        expression::evaluate(&body.expression, &site, &context, &caller.links).map_err(refusal)?;
    if super::field_details::expands(query.expand.as_deref(), "meta.complexity") {
        meta.insert(String::from("complexity"), evaluation.complexity.to_json());
    }
    let mut answer = json!({ "value": evaluation.value });
    if !meta.is_empty() {
        answer["meta"] = Value::Object(meta);
    }
    Ok(Json(answer))
}

/// Jira's answer for an expression that failed: its `400`, the simulator's
/// marked `501` for what it does not model, or a `503` when the simulator could
/// not run the evaluation at all.
pub(crate) fn refusal(error: ExpressionError) -> JiraError {
    match error {
        ExpressionError::NotModelled { .. } => JiraError::not_modelled(error.to_string()),
        ExpressionError::NoEvaluator(_) => JiraError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            error.to_string(),
        ),
        _ => JiraError::bad_request(error.to_string()),
    }
}

/// The context variables Jira evaluates that the simulator does not model.
fn refuse_unmodelled(request: &RequestContext) -> Result<(), JiraError> {
    let unmodelled = [
        ("serviceDesk", request.service_desk.is_some()),
        ("customerRequest", request.customer_request.is_some()),
        ("custom", request.custom.is_some()),
    ];
    match unmodelled.iter().find(|(_, given)| *given) {
        Some((name, _)) => Err(JiraError::not_modelled(format!(
            "Kiln's Jira simulator does not model the context variable `{name}` of Jira \
             expressions; a real site evaluates it. docs/simulator.md lists the subset the \
             simulator models."
        ))),
        None => Ok(()),
    }
}

/// The id or the key of a context object, exactly one of them (the spec: "invalid
/// data is provided, such as a request including issue ID and key").
fn id_or_key(reference: &IdOrKey, what: &str) -> Result<String, JiraError> {
    match (reference.id, reference.key.as_deref()) {
        (Some(id), None) => Ok(id.to_string()),
        (None, Some(key)) if !key.is_empty() => Ok(key.to_owned()),
        (Some(_), Some(_)) => Err(JiraError::bad_request(format!(
            "Provide either the ID or the key of the {what} in the context, not both."
        ))),
        _ => Err(JiraError::bad_request(format!(
            "Provide the ID or the key of the {what} in the context."
        ))),
    }
}

/// The id of the issue under `issue`: one the caller may browse, named by the id
/// or the key given, else Jira's 404 for a missing issue.
fn issue_in_context(world: &World, caller: &Caller, reference: &IdOrKey) -> Result<u64, JiraError> {
    let wanted = id_or_key(reference, "issue")?;
    let by_key = reference.key.is_some();
    world
        .visible_issue(&caller.account_id, &wanted)
        .and_then(|index| world.issues.get(index))
        // An id must name the issue by id, a key by key: `world.visible_issue`
        // takes either.
        .filter(|issue| {
            if by_key {
                issue.key.eq_ignore_ascii_case(&wanted)
            } else {
                issue.id.to_string() == wanted
            }
        })
        .map(|issue| issue.id)
        .ok_or_else(JiraError::issue_not_found)
}

/// The key of the project under `project`: one the caller may browse, else the
/// 404 Jira gives for a missing project.
fn project_in_context(
    world: &World,
    caller: &Caller,
    reference: &IdOrKey,
) -> Result<String, JiraError> {
    let wanted = id_or_key(reference, "project")?;
    world
        .project(&wanted)
        .filter(|project| project.grants(&caller.account_id, SeedPermission::Browse))
        .map(|project| project.key.clone())
        .ok_or_else(|| {
            JiraError::not_found(format!("No project could be found with key '{wanted}'."))
        })
}

/// The id of the board under `board`: one the caller may view, else a `404`
/// like a missing project's (the wording is the simulator's).
fn board_in_context(world: &World, caller: &Caller, id: i64) -> Result<u64, JiraError> {
    u64::try_from(id)
        .ok()
        .and_then(|id| world.board(id))
        .filter(|board| world.may_view_board(&caller.account_id, board))
        .map(|board| board.id)
        .ok_or_else(|| {
            JiraError::not_found(format!(
                "No board could be found with id '{id}', or you do not have permission to \
                 view it."
            ))
        })
}

/// The id of the sprint under `sprint`: one the caller may view, else a `404`
/// as for a board.
fn sprint_in_context(world: &World, caller: &Caller, id: i64) -> Result<u64, JiraError> {
    u64::try_from(id)
        .ok()
        .and_then(|id| world.sprint(id))
        .filter(|sprint| world.may_view_sprint(&caller.account_id, sprint))
        .map(|sprint| sprint.id)
        .ok_or_else(|| {
            JiraError::not_found(format!(
                "No sprint could be found with id '{id}', or you do not have permission to \
                 view it."
            ))
        })
}

/// The ids of the page of issues under `issues`, and the page's
/// `JExpEvaluateIssuesJqlMetaDataBean`.
fn issues_in_context(
    world: &World,
    caller: &Caller,
    issues: &IssuesContext,
) -> Result<(Vec<u64>, Value), JiraError> {
    let jql = issues.jql.as_ref();
    let text = jql.and_then(|j| j.query.as_deref()).unwrap_or("");
    let (query, mut hits) = visible_matches(world, caller, text)?;
    let offset = match jql.and_then(|j| j.next_page_token.as_deref()) {
        None | Some("") => 0,
        Some(token) => decode_token(token, text).ok_or_else(|| {
            JiraError::bad_request("The provided next page token is invalid or expired.")
        })?,
    };
    let max = match jql.and_then(|j| j.max_results) {
        None => DEFAULT_ISSUES,
        Some(n) => usize::try_from(n).unwrap_or(1).clamp(1, MAX_ISSUES),
    };
    query.sort(&mut hits, world);
    let ids: Vec<u64> = hits.iter().skip(offset).take(max).map(|i| i.id).collect();
    let next = offset.saturating_add(max);
    let is_last = next >= hits.len();
    let mut page = json!({ "isLast": is_last });
    if !is_last {
        page["nextPageToken"] = json!(encode_token(next, text));
    }
    Ok((ids, page))
}
